/* test_token_signer.c - maat_token_validate()'s optional checks (maat/token.h, issue 17):
 * the signer's own quote (extension present and parsing, the DCAP check through
 * maat_quote_check with collateral from a callback, the key binding, the fail-closed
 * "not checked" list) and the claims against an EnclaveInfo. Each failure is named by its
 * check. The simulated platform comes from tests/lib/sim_fixture; the verification time
 * is an input (never today's date). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/jose.h"
#include "maat/token.h"
#include "sim_fixture.h"
#include "testutil.h"

#define ISS "https://signer.test"
#define NOW 1700000000  /* the sim platform's creation time */
#define AT (NOW + 3600) /* inside every collateral window */

static struct sim_fixture F;

/* ---- fixtures ---- */

/* A signing key whose certificate carries a sim quote made with o (report_data set to
 * the key's binding unless bind is false); its JWKS in *jwks. quote NULL: no extension. */
static struct maat_signing_key *signer(const struct maat_sim_quote_opts *base, bool bind,
                                       bool with_quote, char **jwks)
{
    struct maat_error err = {0};
    struct maat_signing_key *k = maat__signing_key_generate(MAAT_JWS_RS256, &err);
    assert_non_null(k);
    struct maat_sim_quote_opts o;
    if (base)
        o = *base;
    else
        maat_sim_quote_opts_defaults(F.sim, &o);
    if (bind) maat__signing_key_spki_hash(k, o.report_data);
    struct maat_buf q;
    sim_fixture_quote(&F, &o, &q);
    if (maat__signing_key_issue_cert(k, ISS, with_quote ? q.data : NULL, with_quote ? q.len : 0,
                                    &err) != 0)
        fail_msg("issue cert: %s", err.msg);
    maat_buf_cleanup(&q);
    json_t *keys = json_array();
    json_array_append_new(keys, maat__signing_key_jwk(k));
    json_t *doc = json_pack("{s:o}", "keys", keys);
    *jwks = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return k;
}

static char *token(const struct maat_signing_key *k, json_t *extra)
{
    struct maat_error err = {0};
    json_t *h = json_pack("{s:s, s:s, s:s}", "jku", ISS "/certs", "kid", maat__signing_key_kid(k),
                          "typ", "JWT");
    json_t *c = json_pack("{s:s, s:I, s:I, s:I}", "iss", ISS, "exp", (json_int_t)AT + 600, "nbf",
                          (json_int_t)AT - 60, "iat", (json_int_t)AT - 60);
    if (extra) json_object_update(c, extra);
    json_decref(extra);
    char *t = maat__jws_sign(k, h, c, true, &err);
    json_decref(h);
    json_decref(c);
    assert_non_null(t);
    return t;
}

/* The collateral callback: [0] (Processor CA), or an error when ctx says so. */
static int calls;
static int collateral(void *ctx, const uint8_t fmspc[6], enum maat_pck_ca ca,
                      const struct maat_collateral_input **out, struct maat_error *err)
{
    (void)fmspc;
    calls++;
    if (ctx != NULL) return maat_error_set(err, MAAT_ERR_IO, "collateral store unreachable");
    *out = &F.in[ca == MAAT_PCK_CA_PLATFORM ? 1 : 0];
    return 0;
}

static struct maat_token_expect base_expect(const char *jwks)
{
    struct maat_token_expect x = {.issuer = ISS,
                                  .at = AT,
                                  .skew_seconds = 60,
                                  .jwks = (const uint8_t *)jwks,
                                  .jwks_len = strlen(jwks),
                                  .require_signer_quote = true,
                                  .trust = F.trust,
                                  .collateral = collateral};
    return x;
}

/* Validates and checks: valid (check < 0), or failed at `check` with `want` in the reason;
 * every check before the failed one passed, none after it ran. r is the caller's. */
static void expect(const char *t, const struct maat_token_expect *x, int check, const char *want,
                   struct maat_token_result *r)
{
    struct maat_error err = {0};
    if (maat_token_validate(t, strlen(t), x, r, &err) != 0) fail_msg("could not run: %s", err.msg);
    if (check < 0) {
        if (!r->valid)
            fail_msg("expected valid, failed at %s: %s", maat_token_check_name(r->failed_check),
                     r->reason);
        return;
    }
    if (r->valid || (int)r->failed_check != check || strstr(r->reason, want) == NULL)
        fail_msg("expected a failure at %s (\"%s\"); got valid %d at %s: %s",
                 maat_token_check_name((enum maat_token_check)check), want, r->valid,
                 maat_token_check_name(r->failed_check), r->reason);
    for (int c = 0; c < check; c++)
        if (c <= MAAT_TOKEN_CHECK_LIFETIME || x->require_signer_quote)
            assert_int_equal(r->checks[c], MAAT_TOKEN_PASSED);
    assert_int_equal(r->checks[check], MAAT_TOKEN_FAILED);
    for (int c = check + 1; c < MAAT_TOKEN_CHECK__COUNT; c++)
        assert_int_equal(r->checks[c], MAAT_TOKEN_NOT_RUN);
}

static int setup(void **state)
{
    (void)state;
    sim_fixture_setup(&F, NOW, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_fixture_teardown(&F);
    return 0;
}

/* ---- the signer's quote ---- */

static void test_token_signer_quote_every_check_passes(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, true, &jwks);
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    struct maat_token_result r;
    calls = 0;
    expect(t, &x, -1, NULL, &r);
    assert_int_equal(calls, 1); /* asked once, for the verified leaf */
    for (int c = 0; c <= MAAT_TOKEN_CHECK_SIGNER_COMPLETE; c++)
        assert_int_equal(r.checks[c], MAAT_TOKEN_PASSED);
    assert_int_equal(r.checks[MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS], MAAT_TOKEN_NOT_RUN);
    assert_non_null(r.signer);
    assert_string_equal(r.signer->extension, "1.3.6.1.4.1.311.105.1");
    assert_true(r.signer->key_binding);
    assert_true(r.signer->kid_is_key_hash);
    assert_true(r.signer->check.ran && r.signer->check.accepted && r.signer->check.crypto_ok);
    assert_true(r.signer->check.verdict.collateral_present);
    assert_int_equal(r.signer->check.verdict.status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(r.signer->check.not_checked_count, 0);
    assert_false(r.incomplete);
    maat_token_result_cleanup(&r);
    assert_null(r.signer); /* cleanup zeroes */
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_signer_quote_absent_fails_signer_quote(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, false, &jwks);
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    struct maat_token_result r;
    expect(t, &x, MAAT_TOKEN_CHECK_SIGNER_QUOTE, "carries no enclave quote", &r);
    assert_int_equal(r.failed_code, MAAT_ERR_NOT_FOUND);
    maat_token_result_cleanup(&r);
    /* without require_signer_quote the same token is valid: the check was not asked for */
    x.require_signer_quote = false;
    expect(t, &x, -1, NULL, &r);
    assert_int_equal(r.checks[MAAT_TOKEN_CHECK_SIGNER_QUOTE], MAAT_TOKEN_NOT_RUN);
    assert_null(r.signer);
    maat_token_result_cleanup(&r);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_signer_key_binding_fails(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, false, true, &jwks); /* report_data: zeros */
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    struct maat_token_result r;
    expect(t, &x, MAAT_TOKEN_CHECK_SIGNER_KEY_BINDING, "does not bind this key", &r);
    assert_false(r.signer->key_binding);
    maat_token_result_cleanup(&r);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_signer_revoked_tcb_fails_verification(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(F.sim, &o);
    maat_sim_quote_opts_set_tcb(F.sim, &o, MAAT_SIM_TCB_REVOKED);
    char *jwks;
    struct maat_signing_key *k = signer(&o, true, true, &jwks);
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    struct maat_token_result r;
    expect(t, &x, MAAT_TOKEN_CHECK_SIGNER_VERIFICATION, "the signer's platform TCB is Revoked", &r);
    maat_token_result_cleanup(&r);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_signer_untrusted_root_fails_verification(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, true, &jwks);
    char *t = token(k, NULL);
    struct maat_error err = {0};
    struct maat_trust *intel = maat_trust_new_intel(&err);
    assert_non_null(intel);
    struct maat_token_expect x = base_expect(jwks);
    x.trust = intel;
    struct maat_token_result r;
    calls = 0;
    expect(t, &x, MAAT_TOKEN_CHECK_SIGNER_VERIFICATION, "verification failed at pck_chain", &r);
    assert_int_equal(calls, 0); /* an unverified leaf never chooses the collateral */
    assert_true(r.signer->check.chain_refused);
    maat_token_result_cleanup(&r);
    maat_trust_free(intel);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_signer_incomplete_without_collateral(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, true, &jwks);
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    x.collateral = NULL;
    struct maat_token_result r;
    /* fail closed: what ran passed, but TCB status, revocation, QE identity did not run */
    expect(t, &x, MAAT_TOKEN_CHECK_SIGNER_COMPLETE, "not checked: TCB status (no collateral)", &r);
    assert_true(r.incomplete);
    assert_int_equal(r.checks[MAAT_TOKEN_CHECK_SIGNER_KEY_BINDING], MAAT_TOKEN_PASSED);
    assert_int_equal(r.signer->check.not_checked_count, 3);
    assert_string_equal(r.signer->check.not_checked[1], "revocation (no collateral)");
    assert_string_equal(r.signer->check.not_checked[2], "QE identity (no collateral)");
    maat_token_result_cleanup(&r);
    /* the reduced check, when the caller accepts it explicitly */
    x.signer_signatures_only = true;
    expect(t, &x, -1, NULL, &r);
    assert_false(r.incomplete);
    assert_int_equal(r.signer->check.not_checked_count, 3);
    maat_token_result_cleanup(&r);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_signer_collateral_error_could_not_run(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, true, &jwks);
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    x.collateral_ctx = &x; /* the callback fails */
    struct maat_token_result r;
    struct maat_error err = {0};
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "collateral store unreachable"));
    assert_false(r.valid);
    assert_null(r.signer);
    /* require_signer_quote without a trust set is a usage error */
    x = base_expect(jwks);
    x.trust = NULL;
    memset(&err, 0, sizeof err);
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

/* r.signer->report_body points into the quote; the signing certificate it came from is
 * freed before maat_token_validate returns, so the result must own the quote's bytes
 * (found by ASan in maat token verify --json: a heap-use-after-free). */
static void test_token_signer_report_body_outlives_certificate(void **state)
{
    (void)state;
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, true, &jwks);
    char *t = token(k, NULL);
    struct maat_token_expect x = base_expect(jwks);
    struct maat_token_result r;
    expect(t, &x, -1, NULL, &r);
    uint8_t binding[32];
    maat__signing_key_spki_hash(k, binding);
    assert_non_null(r.signer->quote);
    assert_memory_equal(r.signer->report_body.report_data, binding, 32);
    assert_true(r.signer->report_body.raw >= r.signer->quote &&
                r.signer->report_body.raw < r.signer->quote + r.signer->size);
    maat_token_result_cleanup(&r);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

/* ---- the claims against an EnclaveInfo ---- */

static void enclave_info(struct maat_enclave_info *ei, uint8_t *ehd, size_t ehd_len)
{
    memset(ei, 0, sizeof *ei);
    ei->type = MAAT_ENCLAVE_INFO_TYPE_SGX;
    memset(ei->mr_enclave, 0xab, 32);
    memset(ei->mr_signer, 0xcd, 32);
    ei->product_id[0] = 3;
    ei->security_version = 7;
    ei->attributes = MAAT_SGX_FLAGS_DEBUG | 0x5;
    ei->ehd = ehd;
    ei->ehd_len = ehd_len;
}

static json_t *matching_claims(void)
{
    return json_pack(
        "{s:b, s:s, s:s, s:i, s:i, s:s}", "x-ms-sgx-is-debuggable", 1, "x-ms-sgx-mrenclave",
        "abababababababababababababababababababababababababababababababab", "x-ms-sgx-mrsigner",
        "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD", "x-ms-sgx-product-id",
        3, "x-ms-sgx-svn", 7, "x-ms-sgx-ehd", "AQID");
}

static void claims_case(const char *member, json_t *value, const char *want)
{
    char *jwks;
    struct maat_signing_key *k = signer(NULL, true, false, &jwks);
    json_t *c = matching_claims();
    if (member != NULL) {
        if (value)
            json_object_set_new(c, member, value);
        else
            json_object_del(c, member);
    }
    char *t = token(k, c);
    uint8_t ehd[3] = {1, 2, 3};
    struct maat_enclave_info ei;
    enclave_info(&ei, ehd, sizeof ehd);
    struct maat_token_expect x = base_expect(jwks);
    x.require_signer_quote = false;
    x.enclave_info = &ei;
    struct maat_token_result r;
    expect(t, &x, want ? MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS : -1, want, &r);
    assert_int_equal(r.enclave_claims_count, MAAT_TOKEN_ENCLAVE_CLAIMS);
    int failed = 0;
    for (size_t i = 0; i < r.enclave_claims_count; i++) {
        assert_non_null(r.enclave_claims[i].file_json);
        failed += !r.enclave_claims[i].pass;
    }
    assert_int_equal(failed, want ? 1 : 0);
    if (!want)
        assert_string_equal(r.enclave_claims[1].token_json,
                            "\"abababababababababababababababababababababababababababababababab\"");
    maat_token_result_cleanup(&r);
    free(t);
    free(jwks);
    maat__signing_key_free(k);
}

static void test_token_enclave_claims_match(void **state)
{
    (void)state;
    claims_case(NULL, NULL, NULL); /* MRSIGNER compared case-insensitively, as the sample */
}

static void test_token_enclave_claims_each_mismatch_named(void **state)
{
    (void)state;
    claims_case("x-ms-sgx-is-debuggable", json_false(),
                "IsDebuggable mismatch: the file says true, the token says false");
    claims_case("x-ms-sgx-mrenclave", json_string("00"), "MRENCLAVE mismatch");
    claims_case("x-ms-sgx-mrsigner", NULL, "MRSIGNER mismatch: the file says \"cdcd");
    claims_case("x-ms-sgx-product-id", json_integer(4),
                "ProductID mismatch: the file says 3, the token says 4 (x-ms-sgx-product-id)");
    claims_case("x-ms-sgx-svn", json_string("7"), "SecurityVersion mismatch");
    claims_case("x-ms-sgx-ehd", json_string("AQIE"), "EnclaveHeldData mismatch");
    claims_case("x-ms-sgx-ehd", NULL, "the token has no x-ms-sgx-ehd claim");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_signer_quote_every_check_passes),
        cmocka_unit_test(test_token_signer_quote_absent_fails_signer_quote),
        cmocka_unit_test(test_token_signer_key_binding_fails),
        cmocka_unit_test(test_token_signer_revoked_tcb_fails_verification),
        cmocka_unit_test(test_token_signer_untrusted_root_fails_verification),
        cmocka_unit_test(test_token_signer_incomplete_without_collateral),
        cmocka_unit_test(test_token_signer_collateral_error_could_not_run),
        cmocka_unit_test(test_token_signer_report_body_outlives_certificate),
        cmocka_unit_test(test_token_enclave_claims_match),
        cmocka_unit_test(test_token_enclave_claims_each_mismatch_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
