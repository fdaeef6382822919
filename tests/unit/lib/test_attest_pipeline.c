/* test_attest_pipeline.c - maat__attest_run(), the one attestation pipeline: TdxVm tokens
 * from sim TD quotes (claims, default TdxVm policy, time as input), the TD appraisal
 * defaults and their opt-ins, the collateral callback (the TEE it is asked for, "not
 * available now" kept distinct from "bad"), wrong-TEE collateral refused, SGX and draft
 * policies through the same function. */
#include "attest_pipeline_fixture.h"

static int attest(bool tdx, const struct maat_tdx_opts *to, bool debug, const char *extra,
                  struct maat_attest_result *r)
{
    char *q = quote_b64(tdx, debug, -1);
    char *body = body_for(q, extra);
    struct maat_attest_ctx ctx = ctx_for(tdx, to);
    cb.calls = 0;
    int rc = maat__attest_run(&ctx, body, strlen(body),
                             tdx ? MAAT_ROUTE_TDX_VM : MAAT_ROUTE_SGX_ENCLAVE, r);
    free(body);
    free(q);
    return rc;
}

static void test_attest_run_tdxvm_token_claims(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    int rc = attest(true, NULL, false, NULL, &r);
    if (rc != 0)
        fail_msg("outcome %d: %s / %s / %s", r.outcome, r.aerr.err.msg, r.err.msg, r.verdict.reason);
    assert_int_equal(cb.calls, 1);
    assert_int_equal(cb.tee, MAAT_ATTEST_TEE_TDX);
    assert_false(r.draft);
    json_t *p = payload_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "eat_profile")),
                        "https://aka.ms/maa-eat-profile-tdxvm");
    assert_string_equal(json_string_value(json_object_get(p, "x-ms-attestation-type")), "tdxvm");
    assert_string_equal(json_string_value(json_object_get(p, "attester_tcb_status")), "UpToDate");
    assert_string_equal(json_string_value(json_object_get(p, "dbgstat")), "disabled");
    char mrtd[97];
    memset(mrtd, 'c', 96);
    for (int i = 1; i < 96; i += 2) mrtd[i] = 'd';
    mrtd[96] = '\0';
    assert_string_equal(json_string_value(json_object_get(p, "tdx_mrtd")), mrtd);
    assert_string_equal(json_string_value(json_object_get(p, "x-ms-policy-hash")), hash_tdx);
    assert_string_equal(json_string_value(json_object_get(p, "nonce")), "n");
    assert_int_equal(json_integer_value(json_object_get(p, "iat")), AT);
    assert_int_equal(json_integer_value(json_object_get(p, "exp")), AT + 28800);
    assert_string_equal(json_string_value(json_object_get(p, "iss")), "https://maat.test");
    assert_null(json_object_get(p, "x-ms-sgx-mrenclave"));
    assert_null(json_object_get(p, "x-ms-policy")); /* the default issues nothing */
    json_decref(p);
    maat__attest_result_cleanup(&r);
}

static void test_attest_run_debug_td_refused_unless_allowed(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    assert_int_equal(attest(true, NULL, true, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
    assert_true(r.verdict_reached);
    assert_false(r.verdict.ok);
    assert_non_null(strstr(r.verdict.reason, "DEBUG"));
    maat__attest_result_cleanup(&r);

    struct maat_tdx_opts allow = {.allow_debug_td = true};
    if (attest(true, &allow, true, NULL, &r) != 0)
        fail_msg("allowed debug TD: %s", r.verdict.reason);
    json_t *p = payload_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "dbgstat")), "enabled");
    assert_true(json_is_true(json_object_get(p, "tdx_td_attributes_debug")));
    json_decref(p);
    maat__attest_result_cleanup(&r);
}

static void test_attest_run_collateral_not_ready_is_distinct(void **state)
{
    (void)state;
    struct maat_attest_result r;
    memset(&cb, 0, sizeof cb);
    cb.fail = MAAT_ERR_IO;
    assert_int_equal(attest(true, NULL, false, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_COLLATERAL_UNAVAILABLE);
    assert_true(r.have_pck);
    assert_int_equal(r.ca, MAAT_PCK_CA_PROCESSOR);
    maat__attest_result_cleanup(&r);
    cb.fail = MAAT_ERR_VALUE;
    assert_int_equal(attest(false, NULL, false, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_COLLATERAL_INVALID);
    assert_int_equal(cb.tee, MAAT_ATTEST_TEE_SGX);
    maat__attest_result_cleanup(&r);
    cb.fail = 0;
}

static void test_attest_run_wrong_tee_collateral_refused(void **state)
{
    (void)state;
    struct maat_attest_result r;
    memset(&cb, 0, sizeof cb);
    cb.swap = true; /* SGX collateral for the TD quote, TDX collateral for the SGX one */
    assert_int_equal(attest(true, NULL, false, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
    maat__attest_result_cleanup(&r);
    assert_int_equal(attest(false, NULL, false, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
    maat__attest_result_cleanup(&r);
    cb.swap = false;
}

static void test_attest_run_sgx_and_draft_policy(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    if (attest(false, NULL, false, NULL, &r) != 0) fail_msg("SGX: %s", r.verdict.reason);
    assert_int_equal(cb.tee, MAAT_ATTEST_TEE_SGX);
    json_t *p = payload_json(&r);
    assert_non_null(json_object_get(p, "x-ms-sgx-mrenclave"));
    assert_string_equal(json_string_value(json_object_get(p, "x-ms-policy-hash")), hash_sgx);
    json_decref(p);
    maat__attest_result_cleanup(&r);

    const char *draft = ",\"draftPolicyForAttestation\":\"version=1.0;authorizationrules{=> "
                        "permit();};issuancerules{=> issue(type=\\\"d\\\", value=1);};\"";
    if (attest(false, NULL, false, draft, &r) != 0) fail_msg("draft: %s", r.perr.err.msg);
    assert_true(r.draft);
    assert_string_not_equal(r.policy_hash, hash_sgx);
    p = payload_json(&r);
    assert_int_equal(json_integer_value(json_object_get(p, "d")), 1);
    json_decref(p);
    maat__attest_result_cleanup(&r);

    const char *deny =
        ",\"draftPolicyForAttestation\":\"version=1.0;authorizationrules{=> deny();};\"";
    assert_int_equal(attest(false, NULL, false, deny, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_POLICY_FAILED);
    maat__attest_result_cleanup(&r);
    /* TdxVm has no draft policy (2025-06-01) */
    assert_int_equal(attest(true, NULL, false, deny, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_BAD_REQUEST);
    assert_int_equal(r.aerr.code, MAAT_MAA_INVALID_PARAMETER);
    maat__attest_result_cleanup(&r);
}

static void test_attest_run_bad_body_and_missing_ctx(void **state)
{
    (void)state;
    struct maat_attest_result r;
    struct maat_attest_ctx ctx = ctx_for(true, NULL);
    assert_int_equal(maat__attest_run(&ctx, "{\"quote\":1}", 11, MAAT_ROUTE_TDX_VM, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_BAD_REQUEST);
    assert_non_null(strstr(r.aerr.err.msg, "quote"));
    maat__attest_result_cleanup(&r);
    ctx.policy = NULL;
    assert_int_equal(maat__attest_run(&ctx, "{}", 2, MAAT_ROUTE_TDX_VM, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_INTERNAL);
    maat__attest_result_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_run_tdxvm_token_claims),
        cmocka_unit_test(test_attest_run_debug_td_refused_unless_allowed),
        cmocka_unit_test(test_attest_run_collateral_not_ready_is_distinct),
        cmocka_unit_test(test_attest_run_wrong_tee_collateral_refused),
        cmocka_unit_test(test_attest_run_sgx_and_draft_policy),
        cmocka_unit_test(test_attest_run_bad_body_and_missing_ctx),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
