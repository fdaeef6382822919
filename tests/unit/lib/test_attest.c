/* test_attest.c - MAA attestation request parsing (every rejection path, with the MAA
 * error code and a message naming the member) and the runtimeData / initTimeData
 * bindings to report_data / config_id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/quote.h"
#include "sim.h"
#include "sim_fixture.h"
#include "testutil.h"

#define NOW 1700000000

/* A small valid base64url "quote" for parse-only tests (parsing does not look inside). */
#define Q "AwACAA"

static struct sim_fixture E; /* tests/lib/sim_fixture.h */

static int setup(void **state)
{
    (void)state;
    sim_fixture_setup(&E, NOW, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_fixture_teardown(&E);
    return 0;
}

/* Parses `body` on `route`; returns the rc and leaves the error in *a. */
static int parse(const char *body, enum maat_attest_route route, struct maat_attest_request *req,
                 struct maat_attest_error *a)
{
    memset(a, 0, sizeof *a);
    return maat__attest_request_parse(body, strlen(body), route, req, a);
}

/* Expects a rejection with InvalidParameter whose message contains `frag`. */
static void expect_reject(const char *body, enum maat_attest_route route, const char *frag)
{
    struct maat_attest_request req;
    struct maat_attest_error a;
    if (parse(body, route, &req, &a) == 0) fail_msg("accepted: %s", body);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    if (strstr(a.err.msg, frag) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" (body %s)", a.err.msg, frag, body);
    assert_null(req.evidence);
    assert_false(req.runtime.present);
    maat__attest_request_cleanup(&req);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(maat__maa_error_name(MAAT_MAA_INVALID_PARAMETER), "InvalidParameter");
    assert_string_equal(maat__maa_error_name(MAAT_MAA_POLICY_EVALUATION_ERROR),
                        "PolicyEvaluationError");
    assert_string_equal(maat__maa_error_name(MAAT_MAA_POLICY_PARSING_ERROR), "PolicyParsingError");
    assert_string_equal(maat__maa_error_name(MAAT_MAA_INVALID_OPERATION), "InvalidOperation");
    assert_string_equal(maat__maa_error_name(MAAT_MAA_UNAUTHORIZED), "Unauthorized");
    assert_string_equal(maat__maa_error_name((enum maat_maa_error)99), "InternalError");
    assert_int_equal(maat__maa_error_http_status(MAAT_MAA_INVALID_PARAMETER), 400);
    assert_int_equal(maat__maa_error_http_status(MAAT_MAA_UNAUTHORIZED), 401);
    assert_int_equal(maat__maa_error_http_status(MAAT_MAA_INTERNAL_ERROR), 500);
    assert_string_equal(maat__attest_route_name(MAAT_ROUTE_SGX_ENCLAVE), "SgxEnclave");
    assert_string_equal(maat__attest_route_name(MAAT_ROUTE_OPEN_ENCLAVE), "OpenEnclave");
}

static void test_minimal_and_full(void **state)
{
    (void)state;
    struct maat_attest_request req;
    struct maat_attest_error a;
    assert_int_equal(parse("{\"quote\":\"" Q "\"}", MAAT_ROUTE_SGX_ENCLAVE, &req, &a), 0);
    assert_int_equal(req.route, MAAT_ROUTE_SGX_ENCLAVE);
    assert_int_equal(req.evidence_len, 4);
    assert_memory_equal(req.evidence, "\x03\x00\x02\x00", 4);
    assert_false(req.runtime.present);
    assert_false(req.inittime.present);
    assert_null(req.nonce);
    assert_null(req.draft_policy);
    maat__attest_request_cleanup(&req);

    /* Everything at once, on the OpenEnclave route; padding accepted; unknown members and
     * nulls ignored. */
    const char *body =
        "{\"report\":\"AwACAA==\",\"runtimeData\":{\"data\":\"AQID\",\"dataType\":\"Binary\"},"
        "\"initTimeData\":{\"data\":\"eyJiIjoxLCJhIjp7InoiOnRydWV9fQ\",\"dataType\":\"JSON\"},"
        "\"nonce\":\"n\\u00e9-123\",\"draftPolicyForAttestation\":\"version=1.0;\","
        "\"enclaveHeldData\":\"zzz\",\"somethingElse\":[1,2],\"quote\":null}";
    assert_int_equal(parse(body, MAAT_ROUTE_OPEN_ENCLAVE, &req, &a), 0);
    assert_int_equal(req.route, MAAT_ROUTE_OPEN_ENCLAVE);
    assert_int_equal(req.evidence_len, 4);
    assert_true(req.runtime.present);
    assert_int_equal(req.runtime.type, MAAT_DATA_BINARY);
    assert_int_equal(req.runtime.len, 3);
    assert_memory_equal(req.runtime.data, "\x01\x02\x03", 3);
    assert_null(req.runtime.json);
    assert_true(req.inittime.present);
    assert_int_equal(req.inittime.type, MAAT_DATA_JSON);
    assert_int_equal(req.inittime.len, 22);
    assert_memory_equal(req.inittime.data, "{\"b\":1,\"a\":{\"z\":true}}", 22);
    assert_true(json_is_object(req.inittime.json));
    assert_int_equal(json_integer_value(json_object_get(req.inittime.json, "b")), 1);
    assert_string_equal(req.nonce, "n\xc3\xa9-123");
    assert_int_equal(req.nonce_len, 7);
    assert_string_equal(req.draft_policy, "version=1.0;");
    assert_int_equal(req.draft_policy_len, 12);
    maat__attest_request_cleanup(&req);
    assert_null(req.evidence);
    maat__attest_request_cleanup(&req); /* twice is fine */

    /* Null optional members are absent; dataType absent = Binary. */
    assert_int_equal(parse("{\"quote\":\"" Q "\",\"runtimeData\":null,\"nonce\":null,"
                           "\"initTimeData\":{\"data\":\"AQID\"}}",
                           MAAT_ROUTE_SGX_ENCLAVE, &req, &a),
                     0);
    assert_false(req.runtime.present);
    assert_null(req.nonce);
    assert_true(req.inittime.present);
    assert_int_equal(req.inittime.type, MAAT_DATA_BINARY);
    maat__attest_request_cleanup(&req);

    /* Empty data is data: zero bytes, still present (its hash is SHA-256("")). */
    assert_int_equal(parse("{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"\",\"dataType\":"
                           "\"Binary\"}}",
                           MAAT_ROUTE_SGX_ENCLAVE, &req, &a),
                     0);
    assert_true(req.runtime.present);
    assert_int_equal(req.runtime.len, 0);
    assert_non_null(req.runtime.data);
    maat__attest_request_cleanup(&req);
}

static void test_bad_json(void **state)
{
    (void)state;
    const enum maat_attest_route S = MAAT_ROUTE_SGX_ENCLAVE;
    expect_reject("{", S, "attestation request");
    expect_reject("{\"quote\":\"" Q "\"", S, "attestation request");
    expect_reject("[\"" Q "\"]", S, "attestation request");
    expect_reject("\"" Q "\"", S, "attestation request");
    expect_reject("{\"quote\":\"" Q "\"} x", S, "attestation request");
    expect_reject("{\"quote\":\"" Q "\",}", S, "attestation request");
    expect_reject("{\"quote\":\"" Q "\",\"quote\":\"" Q "\"}", S, "duplicate");
    expect_reject("{\"quote\":\"" Q "\",\"nonce\":\"\xff\"}", S, "attestation request");
    /* An embedded \u0000 in a string is refused (jansson without JSON_ALLOW_NUL). */
    expect_reject("{\"quote\":\"" Q "\",\"nonce\":\"a\\u0000b\"}", S, "attestation request");

    struct maat_attest_request req;
    struct maat_attest_error a = {0};
    assert_int_equal(maat__attest_request_parse("", 0, S, &req, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_non_null(strstr(a.err.msg, "empty body"));
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_request_parse(NULL, 5, S, &req, &a), -1);
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_request_parse("{}", 2, (enum maat_attest_route)7, &req, &a), -1);
    assert_non_null(strstr(a.err.msg, "unknown route"));
}

static void test_evidence_member(void **state)
{
    (void)state;
    const enum maat_attest_route S = MAAT_ROUTE_SGX_ENCLAVE, O = MAAT_ROUTE_OPEN_ENCLAVE;
    expect_reject("{}", S, "quote: missing (required for POST /attest/SgxEnclave)");
    expect_reject("{\"quote\":null}", S, "quote: missing");
    expect_reject("{\"quote\":\"" Q "\"}", O,
                  "report: missing (required for POST /attest/OpenEnclave)");
    expect_reject("{\"report\":\"" Q "\"}", S, "quote: missing");
    expect_reject("{\"quote\":5}", S, "quote: expected a base64url string, got a number");
    expect_reject("{\"quote\":[]}", S, "quote: expected a base64url string, got an array");
    expect_reject("{\"quote\":true}", S, "quote: expected a base64url string, got a boolean");
    expect_reject("{\"quote\":\"\"}", S, "quote: empty");
    expect_reject("{\"quote\":\"AB*C\"}", S, "quote: invalid base64url character 0x2a at offset 2");
    /* Standard-alphabet characters are not base64url. */
    expect_reject("{\"quote\":\"AB+C\"}", S, "quote: invalid base64url character 0x2b");
    expect_reject("{\"quote\":\"AB/C\"}", S, "quote: invalid base64url character 0x2f");
    expect_reject("{\"quote\":\"ABCDE\"}", S, "quote: base64url text of 5 characters");
    expect_reject("{\"quote\":\"AB=C\"}", S, "quote: base64url padding");
    expect_reject("{\"quote\":\"AwACAB\"}", S, "quote: non-zero padding bits");
    expect_reject("{\"quote\":\"AwACAA=\"}", S, "quote: wrong base64url padding");
}

static void test_data_members(void **state)
{
    (void)state;
    const enum maat_attest_route S = MAAT_ROUTE_SGX_ENCLAVE;
    expect_reject(
        "{\"quote\":\"" Q "\",\"runtimeData\":\"AQID\"}", S,
        "runtimeData: expected an object {\"data\": base64url, \"dataType\": \"Binary\" or "
        "\"JSON\"}, got a string");
    expect_reject("{\"quote\":\"" Q "\",\"runtimeData\":{\"dataType\":\"Binary\"}}", S,
                  "runtimeData.data: missing");
    expect_reject("{\"quote\":\"" Q "\",\"initTimeData\":{\"data\":null}}", S,
                  "initTimeData.data: missing");
    expect_reject("{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":7,\"dataType\":\"Binary\"}}", S,
                  "runtimeData.data: expected a base64url string, got a number");
    expect_reject("{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"A*\",\"dataType\":\"Binary\"}}",
                  S, "runtimeData.data: invalid base64url character 0x2a at offset 1");
    expect_reject("{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"AQID\",\"dataType\":\"Text\"}}",
                  S, "runtimeData.dataType: expected \"Binary\" or \"JSON\", got \"Text\"");
    /* Case-sensitive, as every SDK and the REST spec's enum spell it. */
    expect_reject("{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"AQID\",\"dataType\":\"json\"}}",
                  S, "runtimeData.dataType: expected \"Binary\" or \"JSON\", got \"json\"");
    expect_reject("{\"quote\":\"" Q
                  "\",\"initTimeData\":{\"data\":\"AQID\",\"dataType\":\"binary\"}}",
                  S, "initTimeData.dataType: expected \"Binary\" or \"JSON\", got \"binary\"");
    expect_reject("{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"AQID\",\"dataType\":1}}", S,
                  "runtimeData.dataType: expected \"Binary\" or \"JSON\", got a number");
    expect_reject("{\"quote\":\"" Q "\",\"nonce\":5}", S, "nonce: expected a string, got a number");
    expect_reject("{\"quote\":\"" Q "\",\"nonce\":{}}", S, "nonce: expected a string, got an object");
    expect_reject("{\"quote\":\"" Q "\",\"draftPolicyForAttestation\":false}", S,
                  "draftPolicyForAttestation: expected a string, got a boolean");
}

/* Builds {"quote": Q, "runtimeData": {"data": b64url(data), "dataType": "JSON"}}. */
static char *json_data_body(const void *data, size_t len)
{
    char *b = maat_base64url_encode(data, len);
    assert_non_null(b);
    size_t n = strlen(b) + 128;
    char *body = malloc(n);
    snprintf(body, n,
             "{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"JSON\"}}", b);
    free(b);
    return body;
}

static int parse_json_data(const void *data, size_t len, struct maat_attest_request *req,
                           struct maat_attest_error *a)
{
    char *body = json_data_body(data, len);
    int rc = parse(body, MAAT_ROUTE_SGX_ENCLAVE, req, a);
    free(body);
    return rc;
}

static void test_json_data(void **state)
{
    (void)state;
    struct maat_attest_request req;
    struct maat_attest_error a;
    /* Plain object. */
    assert_int_equal(parse_json_data("{\"k\":[1,\"x\"]}", 13, &req, &a), 0);
    assert_int_equal(req.runtime.type, MAAT_DATA_JSON);
    assert_true(json_is_array(json_object_get(req.runtime.json, "k")));
    maat__attest_request_cleanup(&req);
    /* One trailing NUL (a C string with its terminator, as MAA accepted): parsed without
     * it, hashed with it. */
    static const char with_nul[] = "\n  {\"jwk\": {\"kty\": \"EC\"}}\n  ";
    assert_int_equal(parse_json_data(with_nul, sizeof with_nul, &req, &a), 0);
    assert_int_equal(req.runtime.len, sizeof with_nul);
    assert_int_equal(req.runtime.data[sizeof with_nul - 1], 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(req.runtime.json, "jwk"), "kty")), "EC");
    maat__attest_request_cleanup(&req);

    /* Not JSON, or not one object. */
    static const struct {
        const char *data;
        size_t len;
    } bad[] = {
        {"hello", 5},
        {"", 0},
        {"\0", 1},
        {"[1,2]", 5},
        {"\"s\"", 3},
        {"42", 2},
        {"{\"a\":1", 6},
        {"{\"a\":1}\0\0", 9},      /* two NULs: only one terminator is tolerated */
        {"{\"a\":\0 1}", 9},       /* a NUL inside */
        {"\0{\"a\":1}", 8},        /* a leading NUL */
        {"{\"a\":1,\"a\":2}", 13}, /* duplicate key */
        {"{\"a\":\"\xc3\"}", 8},   /* invalid UTF-8 */
        {"{\"a\":1} {}", 10},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_json_data(bad[i].data, bad[i].len, &req, &a) == 0)
            fail_msg("JSON-typed data #%zu accepted", i);
        assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
        if (strstr(a.err.msg, "runtimeData.data (dataType JSON)") == NULL)
            fail_msg("#%zu: %s", i, a.err.msg);
        assert_false(req.runtime.present);
        maat__attest_request_cleanup(&req);
    }
    /* The error names offset and path. */
    assert_int_equal(parse_json_data("{\"a\":{\"b\":tru}}", 15, &req, &a), -1);
    assert_non_null(strstr(a.err.msg, "a.b"));

    /* Nesting deeper than MAAT_JSON_MAX_DEPTH (32). */
    char deep[512];
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(deep + n, "{\"a\":", 5);
        n += 5;
    }
    deep[n++] = '1';
    for (int i = 0; i < 40; i++) deep[n++] = '}';
    assert_int_equal(parse_json_data(deep, n, &req, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_int_equal(a.err.code, MAAT_ERR_TOO_LARGE);
}

static void test_size_bounds(void **state)
{
    (void)state;
    struct maat_attest_request req;
    struct maat_attest_error a = {0};
    /* Whole body. */
    size_t big = MAAT_ATTEST_REQUEST_MAX + 1;
    char *body = malloc(big);
    memset(body, ' ', big);
    memcpy(body, "{\"quote\":\"" Q "\"}", strlen("{\"quote\":\"" Q "\"}"));
    assert_int_equal(maat__attest_request_parse(body, big, MAAT_ROUTE_SGX_ENCLAVE, &req, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_int_equal(a.err.code, MAAT_ERR_TOO_LARGE);
    /* Exactly at the bound is fine (whitespace after the object). */
    memset(&a, 0, sizeof a);
    assert_int_equal(
        maat__attest_request_parse(body, MAAT_ATTEST_REQUEST_MAX, MAAT_ROUTE_SGX_ENCLAVE, &req, &a),
        0);
    maat__attest_request_cleanup(&req);
    free(body);

    /* Evidence over MAAT_QUOTE_MAX_SIZE, runtime data over MAAT_ATTEST_DATA_MAX, nonce and
     * draft policy over theirs. */
    static const struct {
        const char *fmt;
        size_t chars;
        const char *frag;
    } cases[] = {
        {"{\"quote\":\"%s\"}", (MAAT_QUOTE_MAX_SIZE / 3 + 1) * 4, "quote: "},
        {"{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"}}",
         (MAAT_ATTEST_DATA_MAX / 3 + 1) * 4, "runtimeData.data: "},
        {"{\"quote\":\"" Q "\",\"initTimeData\":{\"data\":\"%s\",\"dataType\":\"JSON\"}}",
         (MAAT_ATTEST_DATA_MAX / 3 + 1) * 4, "initTimeData.data: "},
        {"{\"quote\":\"" Q "\",\"nonce\":\"%s\"}", MAAT_ATTEST_NONCE_MAX + 1, "nonce: "},
        {"{\"quote\":\"" Q "\",\"draftPolicyForAttestation\":\"%s\"}", MAAT_ATTEST_POLICY_MAX + 1,
         "draftPolicyForAttestation: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *fill = malloc(cases[i].chars + 1);
        memset(fill, 'A', cases[i].chars);
        fill[cases[i].chars] = '\0';
        size_t n = cases[i].chars + 200;
        char *b = malloc(n);
        snprintf(b, n, cases[i].fmt, fill);
        memset(&a, 0, sizeof a);
        assert_int_equal(parse(b, MAAT_ROUTE_SGX_ENCLAVE, &req, &a), -1);
        assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
        assert_int_equal(a.err.code, MAAT_ERR_TOO_LARGE);
        if (strstr(a.err.msg, cases[i].frag) == NULL) fail_msg("#%zu: %s", i, a.err.msg);
        /* One unit less is accepted (nonce, policy) / decodes (data at the bound). */
        free(b);
        free(fill);
    }
    /* Data exactly at the bound passes. */
    size_t chars = (MAAT_ATTEST_DATA_MAX / 3) * 4; /* 3 bytes per 4 chars; 256 KiB % 3 = 1 */
    char *fill = malloc(chars + 1);
    memset(fill, 'A', chars);
    fill[chars] = '\0';
    char *b = malloc(chars + 200);
    snprintf(b, chars + 200,
             "{\"quote\":\"" Q "\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"}}", fill);
    assert_int_equal(parse(b, MAAT_ROUTE_SGX_ENCLAVE, &req, &a), 0);
    assert_int_equal(req.runtime.len, MAAT_ATTEST_DATA_MAX / 3 * 3);
    maat__attest_request_cleanup(&req);
    free(b);
    free(fill);
}

/* ---- bindings ---- */

struct quote_buf {
    struct maat_buf b;
    struct maat_quote q;
};

static void make_quote(struct quote_buf *qb, const uint8_t *runtime, size_t rlen,
                       const uint8_t *init, size_t ilen, bool oe, uint8_t rd_tail)
{
    struct maat_error err = {0};
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    if (init != NULL) {
        uint8_t body[384] = {0};
        maat__sha256(init, ilen, body + 192);    /* config_id[0:32] */
        memcpy(o.base_body, body, sizeof body); /* fields other than config_id: defaults */
        o.attributes_flags = 0x05 | MAAT_SGX_FLAGS_KSS;
    }
    if (runtime != NULL) assert_int_equal(maat_sim_quote_opts_set_ehd(&o, runtime, rlen, &err), 0);
    memset(o.report_data + 32, rd_tail, 32);
    struct maat_buf q;
    maat_buf_init(&q);
    assert_int_equal(maat_sim_quote(E.sim, &o, &q, &err), 0);
    maat_buf_init(&qb->b);
    if (oe) {
        assert_int_equal(maat_buf_put_u32le(&qb->b, 1), 0);
        assert_int_equal(maat_buf_put_u32le(&qb->b, 2), 0);
        assert_int_equal(maat_buf_put_u64le(&qb->b, q.len), 0);
    }
    assert_int_equal(maat_buf_put(&qb->b, q.data, q.len), 0);
    maat_buf_cleanup(&q);
    if (maat_quote_parse(qb->b.data, qb->b.len, &qb->q, &err) != 0) fail_msg("%s", err.msg);
}

static void req_with(struct maat_attest_request *req, enum maat_attest_route route,
                     const uint8_t *runtime, size_t rlen, const uint8_t *init, size_t ilen)
{
    memset(req, 0, sizeof *req);
    req->route = route;
    if (runtime != NULL) {
        req->runtime.present = true;
        req->runtime.data = malloc(rlen + 1);
        memcpy(req->runtime.data, runtime, rlen);
        req->runtime.len = rlen;
    }
    if (init != NULL) {
        req->inittime.present = true;
        req->inittime.data = malloc(ilen + 1);
        memcpy(req->inittime.data, init, ilen);
        req->inittime.len = ilen;
    }
}

static void test_bindings(void **state)
{
    (void)state;
    static const uint8_t rt[] = "runtime data\0";
    static const uint8_t it[] = {1, 2, 3, 4};
    struct quote_buf qb;
    struct maat_attest_request req;
    struct maat_attest_error a = {0};

    /* runtimeData bound; report_data[32:64] is not compared. */
    make_quote(&qb, rt, sizeof rt, NULL, 0, false, 0xAB);
    req_with(&req, MAAT_ROUTE_SGX_ENCLAVE, rt, sizeof rt, NULL, 0);
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), 0);
    maat__attest_request_cleanup(&req);
    /* Hashed exactly as sent: without the trailing NUL it no longer matches. */
    req_with(&req, MAAT_ROUTE_SGX_ENCLAVE, rt, sizeof rt - 1, NULL, 0);
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    uint8_t h[32];
    char hex[65];
    maat__sha256(rt, sizeof rt - 1, h);
    maat_hex_encode(h, 32, hex);
    assert_non_null(strstr(a.err.msg, hex)); /* the data's hash ... */
    maat__sha256(rt, sizeof rt, h);
    maat_hex_encode(h, 32, hex);
    assert_non_null(strstr(a.err.msg, hex)); /* ... and report_data[0:32] */
    assert_non_null(strstr(a.err.msg, "runtimeData does not match the quote"));
    assert_non_null(strstr(a.err.msg, "report_data[0:32]"));
    maat__attest_request_cleanup(&req);
    /* No runtimeData: nothing to bind, any report_data passes. */
    req_with(&req, MAAT_ROUTE_SGX_ENCLAVE, NULL, 0, NULL, 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), 0);
    /* Route / envelope mismatch. */
    req.route = MAAT_ROUTE_OPEN_ENCLAVE;
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_non_null(strstr(a.err.msg, "report: expected an OpenEnclave report"));
    maat__attest_request_cleanup(&req);
    maat_buf_cleanup(&qb.b);

    make_quote(&qb, rt, sizeof rt, NULL, 0, true, 0);
    req_with(&req, MAAT_ROUTE_OPEN_ENCLAVE, rt, sizeof rt, NULL, 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), 0);
    req.route = MAAT_ROUTE_SGX_ENCLAVE;
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), -1);
    assert_non_null(strstr(a.err.msg, "quote: expected a bare SGX quote"));
    maat__attest_request_cleanup(&req);
    maat_buf_cleanup(&qb.b);

    /* initTimeData bound to config_id[0:32]. */
    make_quote(&qb, rt, sizeof rt, it, sizeof it, false, 0);
    req_with(&req, MAAT_ROUTE_SGX_ENCLAVE, rt, sizeof rt, it, sizeof it);
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), 0);
    req.inittime.data[0] ^= 1;
    assert_int_equal(maat__attest_check_bindings(&req, &qb.q, &a), -1);
    assert_non_null(strstr(a.err.msg, "initTimeData does not match the quote"));
    assert_non_null(strstr(a.err.msg, "config_id[0:32]"));
    maat__sha256(it, sizeof it, h);
    maat_hex_encode(h, 32, hex);
    assert_non_null(strstr(a.err.msg, hex));
    maat__attest_request_cleanup(&req);
    maat_buf_cleanup(&qb.b);

    /* A TDX quote cannot be attested on either SGX route. */
    size_t n;
    uint8_t *tdx = tu_read_vector("dcap-qvl/tdx_quote", &n);
    TU_REQUIRE_VECTOR(tdx);
    struct maat_quote q;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(tdx, n, &q, &err), 0);
    req_with(&req, MAAT_ROUTE_SGX_ENCLAVE, NULL, 0, NULL, 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_check_bindings(&req, &q, &a), -1);
    assert_int_equal(a.code, MAAT_MAA_INVALID_PARAMETER);
    assert_non_null(strstr(a.err.msg, "TDX quote"));
    free(tdx);
    memset(&a, 0, sizeof a);
    assert_int_equal(maat__attest_check_bindings(NULL, &q, &a), -1);
}

/* The recorded MAA request: runtime data with a NUL, bound to the real quote. */
static void test_recorded_request(void **state)
{
    (void)state;
    size_t n;
    uint8_t *p = tu_read_vector("maa-recordings/attest/sgx-shared-runtime-json.request.json", &n);
    TU_REQUIRE_VECTOR(p);
    json_t *j = json_loadb((const char *)p, n, 0, NULL);
    assert_non_null(j);
    char *body = json_dumps(json_object_get(j, "body"), 0);
    struct maat_attest_request req;
    struct maat_attest_error a = {0};
    assert_int_equal(parse(body, MAAT_ROUTE_SGX_ENCLAVE, &req, &a), 0);
    struct maat_quote q;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(req.evidence, req.evidence_len, &q, &err), 0);
    assert_int_equal(maat__attest_check_bindings(&req, &q, &a), 0);
    /* MAA's x-ms-runtime for this request. */
    json_t *want = json_loads("{\"jwk\":{\"crv\":\"P-256\",\"kty\":\"EC\",\"use\":\"sig\","
                              "\"x\":\"18wHLeIgW9wVN6VD1Txgpqy2LszYkMf6J8njVAibvhM\","
                              "\"y\":\"cV4dS4UaLMgP_4fY4j8ir7cl1TXlFdAgcx55o7TkcSA\"}}",
                              0, NULL);
    assert_true(json_equal(req.runtime.json, want));
    /* The same request on the wrong route. */
    maat__attest_request_cleanup(&req);
    assert_int_equal(parse(body, MAAT_ROUTE_OPEN_ENCLAVE, &req, &a), -1);
    assert_non_null(strstr(a.err.msg, "report: missing"));
    json_decref(want);
    free(body);
    json_decref(j);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names),      cmocka_unit_test(test_minimal_and_full),
        cmocka_unit_test(test_bad_json),         cmocka_unit_test(test_evidence_member),
        cmocka_unit_test(test_data_members),     cmocka_unit_test(test_json_data),
        cmocka_unit_test(test_size_bounds),      cmocka_unit_test(test_bindings),
        cmocka_unit_test(test_recorded_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
