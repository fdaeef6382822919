/* test_attest_request_fast_members.c - defect: every attestation request ran jansson over
 * the body around the evidence (json_loadb, ~22 allocations, ~1.2 % of maatd's CPU per
 * request: bench/README.md maatd "Fourth pass"). maat__attest_request_parse now reads the
 * usual members (runtimeData, initTimeData, nonce of plain strings) straight from the body
 * and leaves every other shape to jansson. Checked: no jansson allocation for the usual
 * body, and for many bodies (member orders, whitespace, dataType values, missing and extra
 * members, duplicates, nulls, escapes, non-ASCII, bad base64url, limits, and random byte
 * mutations) the same outcome, error code, message and parsed request as the jansson path,
 * which the same body takes when its evidence string starts with an escape. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "testutil.h"

static size_t g_jansson_allocs;
static void *count_malloc(size_t n)
{
    g_jansson_allocs++;
    return malloc(n);
}

static char g_ev[64]; /* base64url of the evidence bytes */

/* body with "quote":"<ev>" in place of the first "@" */
static char *make(const char *tmpl, bool escape_first)
{
    const char *at = strchr(tmpl, '@');
    assert_non_null(at);
    size_t cap = strlen(tmpl) + sizeof g_ev + 16;
    char *b = malloc(cap);
    assert_non_null(b);
    char ev[sizeof g_ev + 8];
    if (escape_first)
        snprintf(ev, sizeof ev, "\\u%04x%s", (unsigned char)g_ev[0], g_ev + 1);
    else
        snprintf(ev, sizeof ev, "%s", g_ev);
    snprintf(b, cap, "%.*s\"%s\"%s", (int)(at - tmpl), tmpl, ev, at + 1);
    return b;
}

static void same_data(const struct maat_attest_data *x, const struct maat_attest_data *y)
{
    assert_int_equal(x->present, y->present);
    assert_int_equal(x->type, y->type);
    assert_int_equal(x->len, y->len);
    if (x->len) assert_memory_equal(x->data, y->data, x->len);
    assert_true((x->json == NULL) == (y->json == NULL));
    if (x->json) assert_true(json_equal(x->json, y->json));
}

/* msg without its digits: a syntax error's offset after the evidence differs by the 5
 * bytes of the reference's escape */
static void strip_digits(const char *m, char *out, size_t cap)
{
    size_t o = 0;
    for (; *m && o + 1 < cap; m++)
        if (*m < '0' || *m > '9') out[o++] = *m;
    out[o] = 0;
}

/* The body as given (the fast path when it applies) against the jansson path. */
static void check_len(const char *body, size_t len, const char *ref, size_t rlen,
                      enum maat_attest_route route)
{
    struct maat_attest_request r1, r2;
    struct maat_attest_error a1 = {0}, a2 = {0};
    int rc1 = maat__attest_request_parse(body, len, route, &r1, &a1);
    int rc2 = maat__attest_request_parse(ref, rlen, route, &r2, &a2);
    char m1[sizeof a1.err.msg], m2[sizeof a2.err.msg];
    bool syntax = strstr(a1.err.msg, "invalid JSON") != NULL;
    strip_digits(a1.err.msg, m1, sizeof m1);
    strip_digits(a2.err.msg, m2, sizeof m2);
    if (rc1 != rc2 || a1.code != a2.code || a1.err.code != a2.err.code ||
        (syntax ? strcmp(m1, m2) : strcmp(a1.err.msg, a2.err.msg)) != 0)
        fail_msg("body %.*s\n fast: %d %d %s\n jansson: %d %d %s", (int)len, body, rc1,
                 (int)a1.err.code, a1.err.msg, rc2, (int)a2.err.code, a2.err.msg);
    assert_int_equal(r1.route, r2.route);
    assert_int_equal(r1.evidence_len, r2.evidence_len);
    if (r1.evidence_len) assert_memory_equal(r1.evidence, r2.evidence, r1.evidence_len);
    same_data(&r1.runtime, &r2.runtime);
    same_data(&r1.inittime, &r2.inittime);
    assert_int_equal(r1.nonce_len, r2.nonce_len);
    assert_true((r1.nonce == NULL) == (r2.nonce == NULL));
    if (r1.nonce) assert_string_equal(r1.nonce, r2.nonce);
    assert_true((r1.draft_policy == NULL) == (r2.draft_policy == NULL));
    maat__attest_request_cleanup(&r1);
    maat__attest_request_cleanup(&r2);
}

static void check(const char *tmpl)
{
    char *b = make(tmpl, false), *r = make(tmpl, true);
    check_len(b, strlen(b), r, strlen(r), MAAT_ROUTE_SGX_ENCLAVE);
    check_len(b, strlen(b), r, strlen(r), MAAT_ROUTE_TDX_VM);
    free(b);
    free(r);
}

static int setup(void **state)
{
    (void)state;
    uint8_t ev[40];
    for (size_t i = 0; i < sizeof ev; i++) ev[i] = (uint8_t)(i * 37 + 11);
    char *t = maat_base64url_encode(ev, sizeof ev);
    snprintf(g_ev, sizeof g_ev, "%s", t);
    free(t);
    assert_true((g_ev[0] >= 'A' && g_ev[0] <= 'Z') || (g_ev[0] >= 'a' && g_ev[0] <= 'z'));
    return 0;
}

static void test_attest_request_usual_body_without_jansson(void **state)
{
    (void)state;
    char *b = make("{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":\"Binary\"}}",
                   false);
    struct maat_attest_request r;
    struct maat_attest_error a = {0};
    json_set_alloc_funcs(count_malloc, free);
    g_jansson_allocs = 0;
    int rc = maat__attest_request_parse(b, strlen(b), MAAT_ROUTE_SGX_ENCLAVE, &r, &a);
    size_t allocs = g_jansson_allocs;
    json_set_alloc_funcs(malloc, free);
    assert_int_equal(rc, 0);
    assert_int_equal(allocs, 0); /* before: json_loadb of the rest of the body */
    assert_int_equal(r.runtime.len, 3);
    assert_memory_equal(r.runtime.data, "abc", 3);
    assert_true(r.runtime.present);
    maat__attest_request_cleanup(&r);
    free(b);
}

static const char *const bodies[] = {
    "{\"quote\":@}",
    " \r\n\t{ \"quote\" : @ } \n",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":\"Binary\"}}",
    "{\"runtimeData\":{\"dataType\":\"Binary\",\"data\":\"YWJj\"},\"quote\":@}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"eyJhIjoxfQ\",\"dataType\":\"JSON\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"eyJhIjoxfQA\",\"dataType\":\"JSON\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"WzFd\",\"dataType\":\"JSON\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":\"binary\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":\"\"}}",
    "{\"quote\":@,\"runtimeData\":{\"dataType\":\"Binary\"}}",
    "{\"quote\":@,\"runtimeData\":{}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":null}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":null}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":5}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":7}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YW*j\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJ\\u006a\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"data\":\"YWJj\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\",\"extra\":\"x\"}}",
    "{\"quote\":@,\"runtimeData\":\"YWJj\"}",
    "{\"quote\":@,\"runtimeData\":null}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\"},\"runtimeData\":{\"data\":\"YWJj\"}}",
    "{\"quote\":@,\"initTimeData\":{\"data\":\"YWJj\",\"dataType\":\"JSON\"}}",
    "{\"quote\":@,\"initTimeData\":{\"data\":\"e30\",\"dataType\":\"JSON\"},\"runtimeData\":{"
    "\"data\":\"YQ\"}}",
    "{\"quote\":@,\"nonce\":\"n-1\"}",
    "{\"quote\":@,\"nonce\":\"\"}",
    "{\"quote\":@,\"nonce\":\"caf\xc3\xa9\"}",
    "{\"quote\":@,\"nonce\":\"a\\nb\"}",
    "{\"quote\":@,\"nonce\":7}",
    "{\"quote\":@,\"nonce\":\"a\",\"nonce\":\"b\"}",
    "{\"quote\":@,\"draftPolicyForAttestation\":\"version=1.0;\"}",
    "{\"quote\":@,\"other\":\"x\"}",
    "{\"quote\":@,\"runtime\\u0044ata\":{\"data\":\"YWJj\"}}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\"},}",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\"}} x",
    "{\"quote\":@,\"runtimeData\":{\"data\":\"YWJj\"}",
    "[{\"quote\":@}]",
};

static void test_attest_request_fast_members_same_as_jansson(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) check(bodies[i]);
    /* a nonce over the limit, and at it */
    char *big = malloc(MAAT_ATTEST_NONCE_MAX + 64);
    for (size_t n = MAAT_ATTEST_NONCE_MAX; n <= MAAT_ATTEST_NONCE_MAX + 1; n++) {
        int o = snprintf(big, 32, "{\"quote\":@,\"nonce\":\"");
        memset(big + o, 'n', n);
        snprintf(big + o + n, 8, "\"}");
        check(big);
    }
    free(big);
}

/* Random bytes changed in the part before the evidence (which stays last, so offsets in
 * syntax errors are the same for both bodies). */
static void test_attest_request_fast_members_mutations(void **state)
{
    (void)state;
    static const char tmpl[] = "{\"runtimeData\":{\"data\":\"YWJj\",\"dataType\":\"Binary\"},"
                               "\"initTimeData\":{\"dataType\":\"JSON\",\"data\":\"e30\"},"
                               "\"nonce\":\"abc\",\"quote\":@}";
    static const char subst[] = "\"\\,:{} \t0an\x01\xc3";
    size_t pre = (size_t)(strchr(tmpl, '@') - tmpl);
    uint64_t rng = 0xfa57;
    char t[sizeof tmpl];
    for (int round = 0; round < 3000; round++) {
        memcpy(t, tmpl, sizeof tmpl);
        int k = 1 + (int)(tu_xorshift(&rng) % 3);
        for (int j = 0; j < k; j++) {
            size_t at = (size_t)(tu_xorshift(&rng) % (pre - 9)) + 1; /* keep ,"quote": */
            t[at] = subst[tu_xorshift(&rng) % (sizeof subst - 1)];
        }
        check(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_request_usual_body_without_jansson),
        cmocka_unit_test(test_attest_request_fast_members_same_as_jansson),
        cmocka_unit_test(test_attest_request_fast_members_mutations),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
