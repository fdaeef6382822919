/* test_attest_pipeline_pinned.c - maat__attest_run() with ctx.collateral_num (issue 14,
 * maatd's pinned baselines and grace period): the callback is asked for the number the
 * policy's configurationrules select (0 for azuredefault or a non-number), the check after
 * the policy still fails closed when the collateral is not that number, a source refusing
 * the number is COLLATERAL_INVALID with tcb_baseline set, and the grace period uses the
 * newest number / recovery date the callback reports (unknown: refused). */
#include "attest_pipeline_fixture.h"

#define DAY 86400

static struct {
    int calls;
    uint32_t asked;  /* eval_num of the last call */
    maat_err fail;   /* 0 = answer vc_sgx (number 17) */
    uint32_t newest; /* reported */
    time_t recovery; /* reported */
} pc;

static int collateral_num(void *arg, enum maat_attest_tee tee, const uint8_t fmspc[6],
                          enum maat_pck_ca ca, uint32_t eval_num,
                          const struct maat_verified_collateral **vc, uint32_t *newest,
                          time_t *recovery, struct maat_error *err)
{
    (void)arg;
    (void)tee;
    (void)fmspc;
    (void)ca;
    pc.calls++;
    pc.asked = eval_num;
    if (pc.fail != 0)
        return maat_error_set(err, pc.fail, "TCB evaluation data number %u: 404 Not Found", eval_num);
    *vc = vc_sgx;
    *newest = pc.newest;
    *recovery = pc.recovery;
    return 0;
}

static char *request(const char *draft)
{
    struct maat_sim_quote_opts o;
    struct maat_error err = {0};
    maat_sim_quote_opts_defaults(sim, &o);
    maat_sim_quote_opts_set_tcb(sim, &o, MAAT_SIM_TCB_OUT_OF_DATE);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    char *q = maat_base64url_encode(b.data, b.len);
    maat_buf_cleanup(&b);
    json_t *req = json_pack("{s:s}", "quote", q);
    if (draft != NULL) json_object_set_new(req, "draftPolicyForAttestation", json_string(draft));
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    free(q);
    return body;
}

static int run(const char *draft, bool grace, uint32_t days, struct maat_attest_result *r)
{
    char *body = request(draft);
    struct maat_attest_ctx ctx = {
        .trust = trust,
        .at = AT,
        .collateral_num = collateral_num,
        .policy = pol_sgx,
        .policy_hash = hash_sgx,
        .issuer = "https://maat.test",
        .tcb_grace = grace,
        .tcb_grace_days = days,
    };
    int rc = maat__attest_run(&ctx, body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, r);
    free(body);
    return rc;
}

#define POL_ID(v)                                                                        \
    "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", " \
    "value=\"" v "\");}; authorizationrules{=> permit();};"

static void test_collateral_num_asked_for_the_selected_baseline(void **state)
{
    (void)state;
    struct maat_attest_result r;
    memset(&pc, 0, sizeof pc);
    assert_int_equal(run(NULL, false, 0, &r), 0); /* the default policy: azuredefault */
    assert_int_equal(pc.asked, 0);
    maat__attest_result_cleanup(&r);
    assert_int_equal(run(POL_ID("17"), false, 0, &r), 0);
    assert_int_equal(pc.asked, 17);
    assert_int_equal(r.tcb_baseline, 17);
    maat__attest_result_cleanup(&r);
    /* asked for 18, given 17: the check after the policy still refuses it */
    assert_int_equal(run(POL_ID("18"), false, 0, &r), -1);
    assert_int_equal(pc.asked, 18);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_INVALID_PARAMETER);
    maat__attest_result_cleanup(&r);
    /* not a number: the default set, then PolicyEvaluationError */
    assert_int_equal(run(POL_ID("latest"), false, 0, &r), -1);
    assert_int_equal(pc.asked, 0);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_POLICY_EVALUATION_ERROR);
    maat__attest_result_cleanup(&r);
}

static void test_collateral_num_refused_number_is_invalid_with_baseline(void **state)
{
    (void)state;
    struct maat_attest_result r;
    memset(&pc, 0, sizeof pc);
    pc.fail = MAAT_ERR_NOT_FOUND;
    assert_int_equal(run(POL_ID("20"), false, 0, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_COLLATERAL_INVALID);
    assert_int_equal(r.tcb_baseline, 20);
    assert_non_null(strstr(r.err.msg, "TCB evaluation data number 20: 404 Not Found"));
    maat__attest_result_cleanup(&r);
    pc.fail = MAAT_ERR_IO; /* not available now */
    assert_int_equal(run(POL_ID("20"), false, 0, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_COLLATERAL_UNAVAILABLE);
    maat__attest_result_cleanup(&r);
}

/* Grace: the collateral is 17; newest 18 recovered at R. Inside R + 10 days: a token in
 * grace; after: refused; newest unknown: refused (fail closed); off: no grace claims. */
static void test_collateral_num_grace_from_callback(void **state)
{
    (void)state;
    struct maat_attest_result r;
    memset(&pc, 0, sizeof pc);
    pc.newest = 18;
    pc.recovery = AT - 10 * DAY; /* AT is the last instant of the window */
    assert_int_equal(run(NULL, true, 10, &r), 0);
    assert_true(r.verdict.tcb_policy.in_grace);
    assert_int_equal(r.verdict.tcb_policy.grace_until, AT);
    json_error_t je;
    json_t *p = json_loadb((const char *)r.payload.data, r.payload.len, 0, &je);
    assert_non_null(p);
    assert_true(json_is_true(json_object_get(p, "x-maat-tcb-in-grace")));
    assert_int_equal(json_integer_value(json_object_get(p, "x-maat-tcb-eval-num-newest")), 18);
    json_decref(p);
    maat__attest_result_cleanup(&r);
    pc.recovery = AT - 10 * DAY - 1; /* ended a second ago */
    assert_int_equal(run(NULL, true, 10, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
    assert_int_equal(r.verdict.failed_step, MAAT_STEP_STATUS);
    assert_non_null(
        strstr(r.verdict.reason, "grace period (10 days after the tcbRecoveryEventDate) ended"));
    maat__attest_result_cleanup(&r);
    pc.newest = 0; /* unknown */
    pc.recovery = 0;
    assert_int_equal(run(NULL, true, 10, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
    assert_non_null(strstr(r.verdict.reason, "grace period: the newest tcbEvaluationDataNumber"));
    maat__attest_result_cleanup(&r);
    assert_int_equal(run(NULL, false, 0, &r), 0); /* off */
    assert_false(r.verdict.tcb_policy.grace);
    maat__attest_result_cleanup(&r);
}

int main(void)
{
    (void)collateral; /* the fixture's plain callback: this file uses collateral_num */
    (void)runtime;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collateral_num_asked_for_the_selected_baseline),
        cmocka_unit_test(test_collateral_num_refused_number_is_invalid_with_baseline),
        cmocka_unit_test(test_collateral_num_grace_from_callback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
