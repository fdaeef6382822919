/* test_attest_pipeline_tcb.c - the TCB-policy work (issue 14, branch h5/D2) inside
 * maat__attest_run(): a verdict below UpToDate puts the fix (x-maat-tcb-fix) in SgxEnclave
 * and TdxVm tokens; the policy's x-ms-sgx-tcbidentifier must be the baseline of the
 * collateral the verdict used, else the run fails closed (MAAT_ATTEST_TCB_BASELINE) with
 * MAA's code; maat__tcb_identifier_parse's rule. Regressions of the h5/D2 -> pipeline merge:
 * both lived in maatd's old route and were lost when the route became the pipeline. */
#include "attest_pipeline_fixture.h"

/* Runs `route` on a quote of status `tcb` (-1: sim default) with policy `pol` (NULL: the
 * route's default) or, for SGX, the draft policy text `draft`. */
static int attest(bool tdx, int tcb, const struct maat_policy *pol, const char *draft,
                  struct maat_attest_result *r)
{
    char *q = quote_b64(tdx, false, tcb);
    char extra[1024] = "";
    if (draft != NULL) {
        json_t *s = json_string(draft);
        char *t = json_dumps(s, JSON_ENCODE_ANY);
        snprintf(extra, sizeof extra, ",\"draftPolicyForAttestation\":%s", t);
        free(t);
        json_decref(s);
    }
    char *body = body_for(q, extra);
    struct maat_attest_ctx ctx = ctx_for(tdx, NULL);
    if (pol != NULL) ctx.policy = pol;
    int rc = maat__attest_run(&ctx, body, strlen(body),
                             tdx ? MAAT_ROUTE_TDX_VM : MAAT_ROUTE_SGX_ENCLAVE, r);
    free(body);
    free(q);
    return rc;
}

#define POL_ID(v)                                                                        \
    "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", " \
    "value=\"" v "\");}; authorizationrules{=> permit();};"

static void must_run(int rc, const struct maat_attest_result *r)
{
    if (rc != 0)
        fail_msg("outcome %d: %s / %s / %s / %s", r->outcome, r->aerr.err.msg, r->err.msg,
                 r->perr.err.msg, r->verdict.reason);
}

/* the fix the token carries: target, first component have/need */
static void assert_fix_claim(const json_t *p, const char *target)
{
    const json_t *fix = json_object_get(p, "x-maat-tcb-fix");
    if (!json_is_object(fix)) fail_msg("no x-maat-tcb-fix in the token");
    assert_string_equal(json_string_value(json_object_get(fix, "target_status")), target);
    const json_t *c0 = json_array_get(json_object_get(fix, "components"), 0);
    assert_non_null(c0);
    assert_true(json_integer_value(json_object_get(c0, "have")) <
                json_integer_value(json_object_get(c0, "need")));
}

/* Defect: the pipeline dropped D2's x-maat-tcb-fix (maatd computed it in the old route). */
static void test_attest_run_sgx_out_of_date_token_carries_tcb_fix(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    must_run(attest(false, MAAT_SIM_TCB_OUT_OF_DATE, NULL, NULL, &r), &r);
    assert_int_equal(r.verdict.status, MAAT_TCB_OUT_OF_DATE);
    assert_true(r.have_tcb_fix);
    assert_true(r.tcb_fix.needed);
    json_t *p = payload_json(&r);
    assert_fix_claim(p, "UpToDate");
    const json_t *c0 = json_array_get(
        json_object_get(json_object_get(p, "x-maat-tcb-fix"), "components"), 0);
    assert_int_equal(json_integer_value(json_object_get(c0, "have")), r.tcb_fix.components[0].have);
    assert_int_equal(json_integer_value(json_object_get(c0, "need")), r.tcb_fix.components[0].need);
    json_decref(p);
    maat__attest_result_cleanup(&r);
}

static void test_attest_run_up_to_date_token_has_no_tcb_fix(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    must_run(attest(false, -1, NULL, NULL, &r), &r);
    assert_int_equal(r.verdict.status, MAAT_TCB_UP_TO_DATE);
    assert_false(r.have_tcb_fix);
    json_t *p = payload_json(&r);
    assert_null(json_object_get(p, "x-maat-tcb-fix"));
    json_decref(p);
    maat__attest_result_cleanup(&r);
}

/* The TdxVm route goes through the same pipeline: its tokens carry the fix too. */
static void test_attest_run_tdxvm_out_of_date_token_carries_tcb_fix(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    must_run(attest(true, MAAT_SIM_TCB_OUT_OF_DATE, NULL, NULL, &r), &r);
    assert_int_equal(r.verdict.status, MAAT_TCB_OUT_OF_DATE);
    assert_true(r.have_tcb_fix);
    json_t *p = payload_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "attester_tcb_status")), "OutOfDate");
    assert_fix_claim(p, "UpToDate");
    json_decref(p);
    maat__attest_result_cleanup(&r);
}

/* Defect: the pipeline dropped D2's x-ms-sgx-tcbidentifier check; a pinned baseline the
 * collateral does not carry (sim: 17) was issued a token. */
static void test_attest_run_tcbidentifier_not_held_fails_closed(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    assert_int_equal(attest(false, -1, NULL, POL_ID("18"), &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_INVALID_PARAMETER);
    assert_int_equal(r.tcb_baseline, 18);
    assert_int_equal(r.payload.len, 0);
    assert_non_null(strstr(r.aerr.err.msg, "selects TCB baseline 18 (x-ms-sgx-tcbidentifier)"));
    assert_non_null(
        strstr(r.aerr.err.msg, "tcbEvaluationDataNumber 17 (TCB info) and 17 (QE identity)"));
    maat__attest_result_cleanup(&r);

    /* the held number: issued, and named in the token */
    must_run(attest(false, -1, NULL, POL_ID("17"), &r), &r);
    assert_int_equal(r.tcb_baseline, 17);
    json_t *p = payload_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "x-ms-sgx-tcbidentifier")), "17");
    json_decref(p);
    maat__attest_result_cleanup(&r);

    must_run(attest(false, -1, NULL, POL_ID("azuredefault"), &r), &r);
    assert_int_equal(r.tcb_baseline, 0);
    maat__attest_result_cleanup(&r);
}

static void test_attest_run_tcbidentifier_not_a_baseline_is_policy_error(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    assert_int_equal(attest(false, -1, NULL, POL_ID("latest"), &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_POLICY_EVALUATION_ERROR);
    assert_int_equal(r.tcb_baseline, 0);
    assert_non_null(strstr(r.aerr.err.msg, "\"latest\""));
    maat__attest_result_cleanup(&r);
}

/* TdxVm: a stored policy pinning a number the TDX collateral lacks fails closed as well. */
static void test_attest_run_tdxvm_tcbidentifier_not_held_fails_closed(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_policy *pol = NULL;
    char h[MAAT_POLICY_HASH_LEN + 1];
    assert_int_equal(load_policy(POL_ID("18"), &pol, h), 0);
    struct maat_attest_result r;
    assert_int_equal(attest(true, -1, pol, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_INVALID_PARAMETER);
    assert_int_equal(r.tcb_baseline, 18);
    maat__attest_result_cleanup(&r);
    maat__policy_free(pol);
}

static void test_tcb_identifier_parse_rule(void **state)
{
    (void)state;
    uint32_t n = 99;
    assert_int_equal(maat__tcb_identifier_parse(NULL, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(maat__tcb_identifier_parse("azuredefault", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(maat__tcb_identifier_parse("17", &n), 0);
    assert_int_equal(n, 17);
    assert_int_equal(maat__tcb_identifier_parse("2147483647", &n), 0);
    assert_int_equal(n, 2147483647u);
    static const char *const bad[] = {"",
                                      "0",
                                      "017",
                                      "-1",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1x",
                                      "2147483648",
                                      "99999999999999999999",
                                      "AzureDefault"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 5;
        if (maat__tcb_identifier_parse(bad[i], &n) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(n, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_run_sgx_out_of_date_token_carries_tcb_fix),
        cmocka_unit_test(test_attest_run_up_to_date_token_has_no_tcb_fix),
        cmocka_unit_test(test_attest_run_tdxvm_out_of_date_token_carries_tcb_fix),
        cmocka_unit_test(test_attest_run_tcbidentifier_not_held_fails_closed),
        cmocka_unit_test(test_attest_run_tcbidentifier_not_a_baseline_is_policy_error),
        cmocka_unit_test(test_attest_run_tdxvm_tcbidentifier_not_held_fails_closed),
        cmocka_unit_test(test_tcb_identifier_parse_rule),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
