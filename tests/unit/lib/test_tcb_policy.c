/* test_tcb_policy.c - issue 14, "baselines and freshness": the TCB policy options of
 * struct maat_verify_opts (pinned evaluation number, grace period after a TCB recovery,
 * maximum collateral age, minimum TCB status, advisory allow-list) on simulated quotes
 * verified with the sim's collateral (tcbEvaluationDataNumber 17, issued at NOW). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/tcb_fix.h"
#include "maat/tdx.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z: the platform's creation and issue time */
#define AT (NOW + 3600)
#define DAY 86400

#include "tcb_fixture.h"

/* A sim quote at TCB level `tcb`, verified with `vo`. */
static void verify_at(enum maat_sim_tcb tcb, const struct maat_verify_opts *vo,
                      struct maat_verdict *v)
{
    struct maat_error err = {0};
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    maat_sim_quote_opts_set_tcb(E.sim, &o, tcb);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(E.sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, vo, v, &err), 0);
    maat_buf_cleanup(&b);
}

static void assert_policy_failure(const struct maat_verdict *v, const char *needle)
{
    assert_false(v->ok);
    assert_true(v->tcb_policy.failed);
    assert_int_equal(v->failed_step, MAAT_STEP_STATUS);
    assert_int_equal(v->steps[MAAT_STEP_STATUS], MAAT_STEP_FAILED);
    if (strstr(v->reason, needle) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", v->reason, needle);
}

/* No option: nothing changes, the numbers and the collateral age are recorded. */
static void test_tcb_policy_off_records_only(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    assert_false(v.tcb_policy.failed);
    assert_int_equal(v.tcb_policy.tcb_info_eval_num, 17);
    assert_int_equal(v.tcb_policy.qe_identity_eval_num, 17);
    assert_int_equal(v.tcb_policy.eval_num_pinned, 0);
    assert_int_equal(v.tcb_policy.collateral_age, 3600);
    assert_false(v.tcb_policy.grace);
    assert_false(v.tcb_policy.has_min_status);
    assert_false(v.tcb_policy.advisory_allow_list);
}

static void test_tcb_policy_pin_match(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT, .tcb_eval_num = 17, .tcb_update = MAAT_TCB_UPDATE_EARLY};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    assert_int_equal(v.tcb_policy.eval_num_pinned, 17);
    assert_int_equal(v.tcb_policy.update, MAAT_TCB_UPDATE_EARLY);
}

/* A pinned number the collateral does not carry: a failure naming both numbers, for the
 * TCB info and the QE identity; Intel's result stays in qvl_result. */
static void test_tcb_policy_pin_mismatch_fails_closed(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT, .tcb_eval_num = 18};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_policy_failure(
        &v, "TCB info tcbEvaluationDataNumber is 17, the pinned number (--tcb-eval-num) is 18");
    assert_non_null(strstr(v.reason, "QE identity tcbEvaluationDataNumber is 17"));
    assert_int_equal(v.qvl_result, MAAT_QVL_OK);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
}

/* Grace: newest 18 recovered at R; 17 accepted until R + 30 days inclusive, not after. */
static void test_tcb_policy_grace_window(void **state)
{
    (void)state;
    time_t r = AT - 10 * DAY;
    struct maat_verify_opts vo = {.at = AT,
                                  .tcb_eval_num_newest = 18,
                                  .tcb_newest_recovery_date = r,
                                  .tcb_grace = true,
                                  .tcb_grace_days = 30};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    assert_true(v.tcb_policy.in_grace);
    assert_int_equal(v.tcb_policy.grace_until, r + 30 * DAY);
    assert_int_equal(v.tcb_policy.eval_num_newest, 18);

    /* the last instant of the window */
    vo.tcb_newest_recovery_date = AT - 30 * DAY;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    assert_true(v.tcb_policy.in_grace);

    /* one second after it */
    vo.tcb_newest_recovery_date = AT - 30 * DAY - 1;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_policy_failure(&v,
                          "tcbEvaluationDataNumber 17 is older than the newest, 18, and its grace "
                          "period (30 days after the tcbRecoveryEventDate) ended at");
    assert_false(v.tcb_policy.in_grace);
}

/* Grace covers only the previous number; the newest itself is simply current. */
static void test_tcb_policy_grace_previous_only(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT,
                                  .tcb_eval_num_newest = 19,
                                  .tcb_newest_recovery_date = AT,
                                  .tcb_grace = true,
                                  .tcb_grace_days = 30};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_policy_failure(&v, "tcbEvaluationDataNumber 17 is older than the previous one (18)");

    vo.tcb_eval_num_newest = 17;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    assert_false(v.tcb_policy.in_grace);
}

/* Grace asked for without the newest number / recovery date: the check cannot run, so it
 * fails. */
static void test_tcb_policy_grace_without_newest_fails_closed(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT, .tcb_grace = true, .tcb_grace_days = 30};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_policy_failure(&v, "freshness could not be checked");
}

/* Max age: issued at NOW; verified 3 days later, 3 days is the limit (inclusive), 2 fails. */
static void test_tcb_policy_max_collateral_age(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    time_t at = NOW + 3 * DAY;
    if (maat_collateral_verify(&E.in, E.trust, at, &vc, &err) != 0) fail_msg("%s", err.msg);
    struct maat_verified_collateral *saved = E.vc;
    E.vc = vc;
    struct maat_verify_opts vo = {.at = at, .max_collateral_age_days = 3};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    assert_int_equal(v.tcb_policy.collateral_age, 3 * DAY);
    assert_int_equal(v.tcb_policy.max_collateral_age_days, 3);
    vo.max_collateral_age_days = 2;
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_policy_failure(&v,
                          "days before the verification time 2023-11-17T22:13:20Z: more than the "
                          "maximum collateral age of 2 days");
    assert_non_null(strstr(v.reason, "was issued at 2023-11-14T22:13:20Z, 3 days"));
    E.vc = saved;
    maat_verified_collateral_free(vc);
}

static void test_tcb_policy_min_status(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT,
                                  .has_min_tcb_status = true,
                                  .min_tcb_status = MAAT_TCB_SW_HARDENING_NEEDED};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_OUT_OF_DATE, &vo, &v);
    assert_policy_failure(
        &v, "TCB status OutOfDate is worse than the minimum accepted, SWHardeningNeeded");
    assert_int_equal(v.qvl_result, MAAT_QVL_OUT_OF_DATE);
    verify_at(MAAT_SIM_TCB_SW_HARDENING_NEEDED, &vo, &v);
    assert_true(v.ok);
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &v);
    assert_true(v.ok);
    /* ConfigurationNeeded ranks below SWHardeningNeeded */
    verify_at(MAAT_SIM_TCB_CONFIGURATION_NEEDED, &vo, &v);
    assert_false(v.ok);
    vo.min_tcb_status = MAAT_TCB_OUT_OF_DATE;
    verify_at(MAAT_SIM_TCB_OUT_OF_DATE, &vo, &v);
    assert_true(v.ok);
    assert_true(v.tcb_policy.has_min_status);
    assert_int_equal(v.tcb_policy.min_status, MAAT_TCB_OUT_OF_DATE);
}

static void test_tcb_policy_status_rank_order(void **state)
{
    (void)state;
    static const enum maat_tcb_status order[] = {MAAT_TCB_UP_TO_DATE,
                                                 MAAT_TCB_TD_RELAUNCH_ADVISED,
                                                 MAAT_TCB_SW_HARDENING_NEEDED,
                                                 MAAT_TCB_CONFIGURATION_NEEDED,
                                                 MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
                                                 MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
                                                 MAAT_TCB_OUT_OF_DATE,
                                                 MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
                                                 MAAT_TCB_REVOKED};
    for (int i = 0; i < 9; i++) assert_int_equal(maat_tcb_status_rank(order[i]), i);
    assert_int_equal(maat_tcb_status_rank(MAAT_TCB_STATUS__COUNT), 9);
    enum maat_tcb_update u;
    assert_int_equal(maat_tcb_update_parse("early", &u), 0);
    assert_string_equal(maat_tcb_update_name(u), "early");
    assert_int_equal(maat_tcb_update_parse("standard", &u), 0);
    assert_int_equal(u, MAAT_TCB_UPDATE_STANDARD);
    assert_int_equal(maat_tcb_update_parse("Early", &u), -1);
    assert_null(maat_tcb_update_name(MAAT_TCB_UPDATE_UNSET));
}

/* Allow-list: every advisory of the verdict allowed passes; one missing fails naming it;
 * an empty list allows none. */
static void test_tcb_policy_advisory_allow_list(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.at = AT};
    struct maat_verdict v;
    verify_at(MAAT_SIM_TCB_OUT_OF_DATE, &vo, &v);
    assert_true(v.ok);
    assert_true(v.advisory_count >= 2);
    const char *ids[MAAT_VERDICT_MAX_ADVISORIES];
    for (size_t i = 0; i < v.advisory_count; i++) ids[i] = v.advisory_ids[i];
    size_t n = v.advisory_count;
    char first[MAAT_VERDICT_ADVISORY_LEN];
    snprintf(first, sizeof first, "%s", v.advisory_ids[0]);

    struct maat_verdict w;
    vo.advisory_allow_list = true;
    vo.allowed_advisories = ids;
    vo.allowed_advisory_count = n;
    verify_at(MAAT_SIM_TCB_OUT_OF_DATE, &vo, &w);
    assert_true(w.ok);
    assert_true(w.tcb_policy.advisory_allow_list);
    assert_int_equal(w.tcb_policy.advisories_not_allowed_count, 0);

    vo.allowed_advisories = ids + 1;
    vo.allowed_advisory_count = n - 1;
    verify_at(MAAT_SIM_TCB_OUT_OF_DATE, &vo, &w);
    char want[128];
    snprintf(want, sizeof want, "advisories not in the allow-list (--allow-advisory): %s", first);
    assert_policy_failure(&w, want);
    assert_int_equal(w.tcb_policy.advisories_not_allowed_count, 1);
    assert_string_equal(w.tcb_policy.advisories_not_allowed[0], first);

    vo.allowed_advisory_count = 0;
    verify_at(MAAT_SIM_TCB_OUT_OF_DATE, &vo, &w);
    assert_false(w.ok);
    assert_int_equal(w.tcb_policy.advisories_not_allowed_count, n);
    /* an UpToDate quote has no advisories: an empty list passes */
    verify_at(MAAT_SIM_TCB_UP_TO_DATE, &vo, &w);
    assert_true(w.ok);
}

/* The QE identity level's advisories are checked too. */
static void test_tcb_policy_allow_list_covers_qe_advisories(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    o.qe_svn = (uint16_t)(o.qe_svn - 2); /* QE OutOfDate: INTEL-SA-00615 */
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(E.sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT, .advisory_allow_list = true};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, &vo, &v, &err), 0);
    assert_policy_failure(&v, "INTEL-SA-00615");
    static const char *const allow[] = {"INTEL-SA-00615"};
    vo.allowed_advisories = allow;
    vo.allowed_advisory_count = 1;
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, &vo, &v, &err), 0);
    assert_true(v.ok);
    maat_buf_cleanup(&b);
}

/* A TCB policy refusal keeps a meaningful status: the fix is still computed (how to meet
 * the minimum), while a verdict that failed another step still gets none. */
static void test_tcb_policy_refusal_still_names_fix(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    maat_sim_quote_opts_set_tcb(E.sim, &o, MAAT_SIM_TCB_OUT_OF_DATE);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(E.sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT,
                                  .has_min_tcb_status = true,
                                  .min_tcb_status = MAAT_TCB_UP_TO_DATE};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, &vo, &v, &err), 0);
    assert_false(v.ok);
    struct maat_tcb_fix fix;
    if (maat_tcb_fix_compute(&v, &q, E.vc, &fix, &err) != 0) fail_msg("%s", err.msg);
    assert_true(fix.needed);
    assert_int_equal(fix.target_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(fix.component_count, 1);
    assert_string_equal(fix.components[0].name, "Early Microcode Update");
    /* another failed step as well (collateral expired): no fix */
    vo.at = NOW + 40 * DAY;
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, &vo, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(maat_tcb_fix_compute(&v, &q, E.vc, &fix, &err), -1);
    maat_buf_cleanup(&b);
}

/* TD quotes take the TDX pipeline: the same checks run there (sim TDX collateral, 17). */
static void test_tcb_policy_td_quote_pin(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char path[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/collateral-tdx.json", E.dir);
    uint8_t *buf = tu_read_file(path, &n);
    assert_non_null(buf);
    struct maat_collateral_bundle b;
    if (maat_collateral_bundle_parse(buf, n, &b, &err) != 0) fail_msg("%s", err.msg);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&b, &in);
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_verify(&in, E.trust, AT, &vc, &err) != 0) fail_msg("%s", err.msg);
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    maat_sim_quote_opts_set_tdx(&o);
    struct maat_buf qb;
    maat_buf_init(&qb);
    if (maat_sim_quote(E.sim, &o, &qb, &err) != 0) fail_msg("sim quote: %s", err.msg);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(qb.data, qb.len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT, .tcb_eval_num = 17};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&q, vc, E.trust, &vo, &v, &err), 0);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.tcb_policy.tcb_info_eval_num, 17);
    vo.tcb_eval_num = 16;
    assert_int_equal(maat_quote_verify(&q, vc, E.trust, &vo, &v, &err), 0);
    assert_policy_failure(
        &v, "TCB info tcbEvaluationDataNumber is 17, the pinned number (--tcb-eval-num) is 16");
    maat_buf_cleanup(&qb);
    maat_verified_collateral_free(vc);
    maat_collateral_bundle_cleanup(&b);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcb_policy_off_records_only),
        cmocka_unit_test(test_tcb_policy_pin_match),
        cmocka_unit_test(test_tcb_policy_pin_mismatch_fails_closed),
        cmocka_unit_test(test_tcb_policy_grace_window),
        cmocka_unit_test(test_tcb_policy_grace_previous_only),
        cmocka_unit_test(test_tcb_policy_grace_without_newest_fails_closed),
        cmocka_unit_test(test_tcb_policy_max_collateral_age),
        cmocka_unit_test(test_tcb_policy_min_status),
        cmocka_unit_test(test_tcb_policy_status_rank_order),
        cmocka_unit_test(test_tcb_policy_advisory_allow_list),
        cmocka_unit_test(test_tcb_policy_allow_list_covers_qe_advisories),
        cmocka_unit_test(test_tcb_policy_refusal_still_names_fix),
        cmocka_unit_test(test_tcb_policy_td_quote_pin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
