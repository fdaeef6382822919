/*
 * test_token_td_claims.c - maat_token_validate() with x->td_quote (issue 17): a TdxVm
 * token's tdx_mrtd, tdx_rtmr0..3, tdx_mrconfigid, tdx_report_data and
 * x-ms-attestation-type against the TD quote's report, the comparison `maat attest` made
 * in the CLI (compare_td_with_token) before it moved into libmaat: the named check
 * enclave_claims, r->enclave_claims[] and the first-mismatch reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/bytes.h"
#include "maat/jose.h"
#include "maat/quote.h"
#include "maat/token.h"
#include "testutil.h"

#define ISS "https://token.test"
#define AT 1700000000 /* 2023-11-14T22:13:20Z: the validation time, an input */

static struct maat_signing_key *g_key;
static char *g_jwks;
static uint8_t *g_td_raw, *g_sgx_raw;
static size_t g_td_len, g_sgx_len;
static struct maat_quote g_td, g_sgx;

static const char *const names[8] = {"MRTD",  "RTMR0",      "RTMR1",      "RTMR2",
                                     "RTMR3", "MRCONFIGID", "ReportData", "AttestationType"};
static const char *const claim_names[8] = {
    "tdx_mrtd",  "tdx_rtmr0",      "tdx_rtmr1",       "tdx_rtmr2",
    "tdx_rtmr3", "tdx_mrconfigid", "tdx_report_data", "x-ms-attestation-type"};

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    g_key = maat__signing_key_generate(MAAT_JWS_RS256, &err);
    if (g_key == NULL || maat__signing_key_issue_cert(g_key, ISS, NULL, 0, &err)) return -1;
    json_t *keys = json_array();
    json_array_append_new(keys, maat__signing_key_jwk(g_key));
    json_t *doc = json_pack("{s:o}", "keys", keys);
    g_jwks = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    g_td_raw = tu_read_vector("dcap-qvl/tdx_quote", &g_td_len);
    g_sgx_raw = tu_read_vector("dcap-qvl/sgx_quote", &g_sgx_len);
    if (g_td_raw && maat_quote_parse(g_td_raw, g_td_len, &g_td, &err) != 0) return -1;
    if (g_sgx_raw && maat_quote_parse(g_sgx_raw, g_sgx_len, &g_sgx, &err) != 0) return -1;
    return g_jwks ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    maat__signing_key_free(g_key);
    free(g_jwks);
    free(g_td_raw);
    free(g_sgx_raw);
    return 0;
}

/* The quote's field i as the token carries it (lower-case hex), or "tdxvm". */
static void want_value(size_t i, char out[129])
{
    const struct maat_td_report *td = &g_td.td_report;
    const uint8_t *p[7] = {td->mr_td,   td->rtmr[0],      td->rtmr[1],    td->rtmr[2],
                           td->rtmr[3], td->mr_config_id, td->report_data};
    if (i == 7)
        strcpy(out, "tdxvm");
    else
        maat_hex_encode(p[i], i == 6 ? 64 : 48, out);
}

/* A TdxVm token's claims matching g_td. */
static json_t *td_claims(void)
{
    json_t *c = json_object();
    json_object_set_new(c, "iss", json_string(ISS));
    json_object_set_new(c, "exp", json_integer(AT + 3600));
    json_object_set_new(c, "iat", json_integer(AT - 10));
    for (size_t i = 0; i < 8; i++) {
        char v[129];
        want_value(i, v);
        json_object_set_new(c, claim_names[i], json_string(v));
    }
    return c;
}

/* Validates a token with claims c (stolen) against g_td (or q); returns the result. */
static void run(json_t *c, const struct maat_quote *q, struct maat_token_result *r)
{
    struct maat_error err = {0};
    json_t *h = json_pack("{s:s, s:s, s:s}", "jku", ISS "/certs", "kid",
                          maat__signing_key_kid(g_key), "typ", "JWT");
    char *t = maat__jws_sign(g_key, h, c, true, &err);
    json_decref(h);
    json_decref(c);
    assert_non_null(t);
    struct maat_token_expect x = {.issuer = ISS,
                                  .at = AT,
                                  .skew_seconds = MAAT_TOKEN_SKEW_DEFAULT,
                                  .jwks = (const uint8_t *)g_jwks,
                                  .jwks_len = strlen(g_jwks),
                                  .td_quote = q};
    if (maat_token_validate(t, strlen(t), &x, r, &err) != 0)
        fail_msg("maat_token_validate: %s", err.msg);
    free(t);
    assert_int_equal(r->enclave_claims_count, MAAT_TOKEN_TD_CLAIMS);
    for (size_t i = 0; i < MAAT_TOKEN_TD_CLAIMS; i++) {
        assert_string_equal(r->enclave_claims[i].name, names[i]);
        assert_string_equal(r->enclave_claims[i].claim, claim_names[i]);
        char v[129], js[132];
        want_value(i, v);
        snprintf(js, sizeof js, "\"%s\"", v);
        assert_string_equal(r->enclave_claims[i].file_json, js);
    }
}

/* Expects exactly field `bad` to fail, with reason starting `reason`. */
static void expect_only(json_t *c, size_t bad, const char *reason)
{
    struct maat_token_result r;
    run(c, &g_td, &r);
    assert_false(r.valid);
    assert_int_equal(r.failed_check, MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS);
    assert_int_equal(r.checks[MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS], MAAT_TOKEN_FAILED);
    for (size_t i = 0; i < MAAT_TOKEN_TD_CLAIMS; i++)
        assert_int_equal(r.enclave_claims[i].pass, i != bad);
    if (strncmp(r.reason, reason, strlen(reason)) != 0)
        fail_msg("reason \"%s\", expected it to start \"%s\"", r.reason, reason);
    assert_null(strstr(r.reason, "and more"));
    maat_token_result_cleanup(&r);
}

static void test_token_td_claims_match(void **state)
{
    (void)state;
    TU_REQUIRE_VECTOR(g_td_raw);
    struct maat_token_result r;
    run(td_claims(), &g_td, &r);
    if (!r.valid) fail_msg("expected valid: %s", r.reason);
    assert_int_equal(r.checks[MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS], MAAT_TOKEN_PASSED);
    for (size_t i = 0; i < MAAT_TOKEN_TD_CLAIMS; i++) {
        assert_true(r.enclave_claims[i].pass);
        assert_string_equal(r.enclave_claims[i].token_json, r.enclave_claims[i].file_json);
    }
    maat_token_result_cleanup(&r);
}

static void test_token_td_claims_each_field_mismatch(void **state)
{
    (void)state;
    TU_REQUIRE_VECTOR(g_td_raw);
    for (size_t i = 0; i < 7; i++) {
        char v[129], reason[256];
        want_value(i, v);
        v[0] = v[0] == 'a' ? 'b' : 'a'; /* one nibble off, still lower-case hex */
        json_t *c = td_claims();
        json_object_set_new(c, claim_names[i], json_string(v));
        snprintf(reason, sizeof reason, "%s mismatch: the file says \"", names[i]);
        expect_only(c, i, reason);
    }
}

static void test_token_td_claims_wrong_attestation_type(void **state)
{
    (void)state;
    TU_REQUIRE_VECTOR(g_td_raw);
    json_t *c = td_claims();
    json_object_set_new(c, "x-ms-attestation-type", json_string("sgx"));
    expect_only(c, 7,
                "AttestationType mismatch: the file says \"tdxvm\", the token says \"sgx\" "
                "(x-ms-attestation-type)");
    c = td_claims();
    json_object_set_new(c, "x-ms-attestation-type", json_string("TDXVM"));
    expect_only(c, 7, "AttestationType mismatch");
}

static void test_token_td_claims_missing_claim(void **state)
{
    (void)state;
    TU_REQUIRE_VECTOR(g_td_raw);
    json_t *c = td_claims();
    json_object_del(c, "tdx_rtmr2");
    expect_only(c, 3, "RTMR2 mismatch: the file says \"");
    c = td_claims();
    json_object_del(c, "tdx_rtmr2");
    struct maat_token_result r;
    run(c, &g_td, &r);
    assert_null(r.enclave_claims[3].token_json);
    assert_non_null(strstr(r.reason, "the token has no tdx_rtmr2 claim"));
    maat_token_result_cleanup(&r);

    /* several missing: the first named, "and more" */
    c = td_claims();
    json_object_del(c, "tdx_mrtd");
    json_object_del(c, "x-ms-attestation-type");
    run(c, &g_td, &r);
    assert_false(r.valid);
    assert_int_equal(r.failed_check, MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS);
    assert_non_null(strstr(r.reason, "MRTD mismatch"));
    assert_non_null(strstr(r.reason, "the token has no tdx_mrtd claim"));
    assert_non_null(strstr(r.reason, " (and more, see the report)"));
    maat_token_result_cleanup(&r);
}

static void test_token_td_claims_malformed_values(void **state)
{
    (void)state;
    TU_REQUIRE_VECTOR(g_td_raw);
    char v[129];
    want_value(0, v);
    /* non-hex of the right length */
    char nonhex[129];
    strcpy(nonhex, v);
    nonhex[5] = 'z';
    json_t *c = td_claims();
    json_object_set_new(c, "tdx_mrtd", json_string(nonhex));
    expect_only(c, 0, "MRTD mismatch");
    /* upper-case hex: the token carries lower case (exact comparison) */
    char upper[129];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(v[i] >= 'a' && v[i] <= 'f' ? v[i] - 32 : v[i]);
    if (strcmp(upper, v) != 0) {
        c = td_claims();
        json_object_set_new(c, "tdx_mrtd", json_string(upper));
        expect_only(c, 0, "MRTD mismatch");
    }
    /* wrong lengths: one byte short, one byte long, empty */
    char shortv[129];
    strcpy(shortv, v);
    shortv[94] = '\0';
    c = td_claims();
    json_object_set_new(c, "tdx_mrtd", json_string(shortv));
    expect_only(c, 0, "MRTD mismatch");
    char longv[132];
    snprintf(longv, sizeof longv, "%s00", v);
    c = td_claims();
    json_object_set_new(c, "tdx_mrtd", json_string(longv));
    expect_only(c, 0, "MRTD mismatch");
    c = td_claims();
    json_object_set_new(c, "tdx_report_data", json_string(""));
    expect_only(c, 6, "ReportData mismatch: the file says \"");
    /* non-strings: a number, null, an array, a boolean */
    c = td_claims();
    json_object_set_new(c, "tdx_rtmr0", json_integer(0));
    expect_only(c, 1, "RTMR0 mismatch: the file says \"");
    c = td_claims();
    json_object_set_new(c, "tdx_rtmr1", json_null());
    expect_only(c, 2, "RTMR1 mismatch");
    struct maat_token_result r;
    c = td_claims();
    json_object_set_new(c, "tdx_rtmr1", json_null());
    run(c, &g_td, &r);
    assert_string_equal(r.enclave_claims[2].token_json, "null");
    assert_non_null(strstr(r.reason, "the token says null (tdx_rtmr1)"));
    maat_token_result_cleanup(&r);
    c = td_claims();
    json_t *arr = json_array();
    json_array_append_new(arr, json_string(v));
    json_object_set_new(c, "tdx_mrconfigid", arr);
    expect_only(c, 5, "MRCONFIGID mismatch");
    c = td_claims();
    json_object_set_new(c, "x-ms-attestation-type", json_true());
    expect_only(c, 7, "AttestationType mismatch: the file says \"tdxvm\", the token says true");
}

static void test_token_td_claims_sgx_quote_refused(void **state)
{
    (void)state;
    TU_REQUIRE_VECTOR(g_sgx_raw);
    TU_REQUIRE_VECTOR(g_td_raw);
    struct maat_error err = {0};
    struct maat_token_result r;
    json_t *h = json_pack("{s:s, s:s, s:s}", "jku", ISS "/certs", "kid",
                          maat__signing_key_kid(g_key), "typ", "JWT");
    json_t *c = td_claims();
    char *t = maat__jws_sign(g_key, h, c, true, &err);
    json_decref(h);
    json_decref(c);
    assert_non_null(t);
    assert_int_equal(g_sgx.body_type, MAAT_BODY_SGX);
    struct maat_token_expect x = {.issuer = ISS,
                                  .at = AT,
                                  .skew_seconds = MAAT_TOKEN_SKEW_DEFAULT,
                                  .jwks = (const uint8_t *)g_jwks,
                                  .jwks_len = strlen(g_jwks),
                                  .td_quote = &g_sgx};
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "td_quote: not a parsed TD quote"));
    assert_false(r.valid);
    assert_int_equal(r.enclave_claims_count, 0);
    maat_token_result_cleanup(&r);

    /* a TD quote whose report was not parsed (a zeroed struct with a TD body type) */
    struct maat_quote hollow;
    memset(&hollow, 0, sizeof hollow);
    hollow.body_type = MAAT_BODY_TD10;
    x.td_quote = &hollow;
    err = (struct maat_error){0};
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    maat_token_result_cleanup(&r);

    /* both an EnclaveInfo and a TD quote: refused, not one silently ignored */
    struct maat_enclave_info ei;
    memset(&ei, 0, sizeof ei);
    x.td_quote = &g_td;
    x.enclave_info = &ei;
    err = (struct maat_error){0};
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "exclude each other"));
    maat_token_result_cleanup(&r);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_td_claims_match),
        cmocka_unit_test(test_token_td_claims_each_field_mismatch),
        cmocka_unit_test(test_token_td_claims_wrong_attestation_type),
        cmocka_unit_test(test_token_td_claims_missing_claim),
        cmocka_unit_test(test_token_td_claims_malformed_values),
        cmocka_unit_test(test_token_td_claims_sgx_quote_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
