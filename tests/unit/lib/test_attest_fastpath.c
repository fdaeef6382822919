/* test_attest_fastpath.c - maat__attest_request_parse decodes the evidence string straight
 * from the body when it can (src/lib/attest.c); these cases check that every way around
 * that path (escaped names, duplicates, escapes or non-ASCII in the string, jansson errors
 * anywhere in the body) gives the same result and message as parsing the whole body:
 * the expected jansson offsets are computed here from the whole body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/attest.h"
#include "testutil.h"

#define S MAAT_ROUTE_SGX_ENCLAVE

static int parse(const char *body, enum maat_attest_route route, struct maat_attest_request *req,
                 struct maat_attest_error *a)
{
    memset(a, 0, sizeof *a);
    return maat__attest_request_parse(body, strlen(body), route, req, a);
}

/* Accepted, with evidence == `want` (a C string of bytes). */
static void expect_evidence(const char *body, enum maat_attest_route route, const char *want)
{
    struct maat_attest_request req;
    struct maat_attest_error a;
    if (parse(body, route, &req, &a) != 0) fail_msg("rejected %s: %s", body, a.err.msg);
    assert_int_equal(req.evidence_len, strlen(want));
    assert_memory_equal(req.evidence, want, strlen(want));
    maat__attest_request_cleanup(&req);
}

/* Rejected with InvalidParameter and exactly the message `want`. */
static void expect_msg(const char *body, const char *want)
{
    struct maat_attest_request req;
    struct maat_attest_error a;
    assert_int_equal(parse(body, S, &req, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_string_equal(a.err.msg, want);
    assert_null(req.evidence);
}

/* The jansson position of the error in the whole body. */
static size_t jansson_pos(const char *body)
{
    json_error_t je;
    json_t *v = json_loadb(body, strlen(body), JSON_REJECT_DUPLICATES, &je);
    assert_null(v);
    return (size_t)je.position;
}

static void test_plain_and_large(void **state)
{
    (void)state;
    /* "QUJD" = "ABC"; a large one too, as maatd receives. */
    expect_evidence(
        "{\"quote\":\"QUJD\",\"runtimeData\":{\"data\":\"QUJD\",\"dataType\":\"Binary\"}}", S, "ABC");
    expect_evidence(" { \"report\" : \"QUJD\" } ", MAAT_ROUTE_OPEN_ENCLAVE, "ABC");
    size_t n = 6000;
    char *body = malloc(n + 64);
    assert_non_null(body);
    strcpy(body, "{\"nonce\":\"x\",\"quote\":\"");
    size_t k = strlen(body);
    for (size_t i = 0; i < n; i += 4) memcpy(body + k + i, "QUJD", 4);
    strcpy(body + k + n, "\"}");
    struct maat_attest_request req;
    struct maat_attest_error a;
    assert_int_equal(parse(body, S, &req, &a), 0);
    assert_int_equal(req.evidence_len, n / 4 * 3);
    assert_memory_equal(req.evidence + req.evidence_len - 3, "ABC", 3);
    assert_string_equal(req.nonce, "x");
    maat__attest_request_cleanup(&req);
    free(body);
}

static void test_escapes_fall_back(void **state)
{
    (void)state;
    /* escaped member name: jansson sees "quote" */
    expect_evidence("{\"\\u0071uote\":\"QUJD\"}", S, "ABC");
    /* an escaped name elsewhere at top level */
    expect_evidence("{\"n\\u006fnce\":\"x\",\"quote\":\"QUJD\"}", S, "ABC");
    /* escape inside the string: "QUJ\u0044" is "QUJD" */
    expect_evidence("{\"quote\":\"QUJ\\u0044\"}", S, "ABC");
    /* the wrong route's name is just an unknown member */
    expect_msg("{\"report\":\"QUJD\"}", "quote: missing (required for POST /attest/SgxEnclave)");
}

static void test_errors_same_as_whole_body(void **state)
{
    (void)state;
    char want[512];
    /* duplicate "quote", plain and escaped */
    const char *dups[] = {
        "{\"quote\":\"QUJD\",\"quote\":\"QUJD\"}",
        "{\"quote\":\"QUJD\",\"\\u0071uote\":\"QUJD\"}",
        "{\"quote\":\"QUJD\",\"runtimeData\":{\"data\":\"QQ\",\"data\":\"QQ\"}}",
        /* invalid UTF-8 inside the evidence string and after it */
        "{\"quote\":\"QUJ\xff\"}",
        /* ... in the first, a middle and the last eight-byte word of a longer string */
        "{\"quote\":\"QU\xffJDQUJDQUJDQUJDQUJD\"}",
        "{\"quote\":\"QUJDQUJDQU\xffJDQUJDQUJD\"}",
        "{\"quote\":\"QUJDQUJDQUJDQUJDQUJ\xff\"}",
        "{\"quote\":\"QUJD\",\"nonce\":\"\xc3\x28\"}",
    };
    for (size_t i = 0; i < sizeof dups / sizeof dups[0]; i++) {
        struct maat_attest_request req;
        struct maat_attest_error a;
        assert_int_equal(parse(dups[i], S, &req, &a), -1);
        assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
        snprintf(want, sizeof want, "attestation request: invalid JSON at offset %zu",
                 jansson_pos(dups[i]));
        if (strncmp(a.err.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, a.err.msg, want);
    }
    /* the exact message of a duplicate in the body (jansson's offset in the whole text) */
    expect_msg("{\"quote\":\"QUJD\",\"quote\":\"QUJD\"}",
               "attestation request: invalid JSON at offset 23 in quote: duplicate object key "
               "near '\"quote\"'");
}

static void test_value_errors(void **state)
{
    (void)state;
    expect_msg("{\"quote\":12}", "quote: expected a base64url string, got a number");
    expect_msg("{\"quote\":null}", "quote: missing (required for POST /attest/SgxEnclave)");
    expect_msg("{\"quote\":\"\"}", "quote: empty");
    /* a non-base64url ASCII character is the decoder's message, field "quote" */
    struct maat_attest_request req;
    struct maat_attest_error a;
    assert_int_equal(parse("{\"quote\":\"QU+D\"}", S, &req, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_non_null(strstr(a.err.msg, "quote"));
    char fast[sizeof a.err.msg];
    strcpy(fast, a.err.msg);
    /* the same string reached through the escaped-name path gives the same message */
    assert_int_equal(parse("{\"\\u0071uote\":\"QU+D\"}", S, &req, &a), -1);
    assert_string_equal(a.err.msg, fast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_large),
        cmocka_unit_test(test_escapes_fall_back),
        cmocka_unit_test(test_errors_same_as_whole_body),
        cmocka_unit_test(test_value_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
