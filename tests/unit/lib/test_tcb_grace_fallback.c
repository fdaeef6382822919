/* test_tcb_grace_fallback.c - issue 14, "grace falls back to N-1 in maatd": the library's
 * rule for when a verdict reached with the newest number N is reached again with N - 1
 * (maat__tcb_grace_previous) and when that verdict replaces N's (maat__tcb_grace_prefer).
 * The end-to-end test is tests/integration/test_maatd_tcb_grace_fallback.sh. */
#include <string.h>

#include "tcb_policy_internal.h"
#include "testutil.h"

#define DAY 86400
#define R 1714348800 /* 2024-04-29T00:00:00Z: N's tcbRecoveryEventDate */

static struct maat_verify_opts grace_opts(time_t at)
{
    struct maat_verify_opts o;
    memset(&o, 0, sizeof o);
    o.at = at;
    o.tcb_grace = true;
    o.tcb_grace_days = 10;
    o.tcb_eval_num_newest = 19;
    o.tcb_newest_recovery_date = R;
    return o;
}

/* A verdict with both documents at number n and status s (ok). */
static struct maat_verdict verdict(uint32_t n, enum maat_tcb_status s)
{
    struct maat_verdict v;
    memset(&v, 0, sizeof v);
    v.ok = true;
    v.status = s;
    v.tcb_evaluation_data_number = n;
    v.tcb_policy.tcb_info_eval_num = n;
    v.tcb_policy.qe_identity_eval_num = n;
    return v;
}

static void test_grace_fallback_window_edges(void **state)
{
    (void)state;
    struct maat_verdict v = verdict(19, MAAT_TCB_OUT_OF_DATE);
    struct maat_verify_opts o = grace_opts(R + 10 * DAY - 1);
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 18);
    o.at = R + 10 * DAY; /* inclusive */
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 18);
    o.at = R + 10 * DAY + 1;
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
}

static void test_grace_fallback_only_when_needed(void **state)
{
    (void)state;
    struct maat_verify_opts o = grace_opts(R + DAY);
    struct maat_verdict v = verdict(19, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0); /* nothing to improve */
    v = verdict(19, MAAT_TCB_REVOKED);
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0); /* never softened */
    v = verdict(18, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0); /* already N - 1 */
    v = verdict(19, MAAT_TCB_OUT_OF_DATE);
    v.tcb_policy.qe_identity_eval_num = 18; /* used = the lower one */
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
    v = verdict(19, MAAT_TCB_OUT_OF_DATE);
    v.ok = false;
    v.failed_step = MAAT_STEP_QE_REPORT_SIGNATURE; /* not a TCB refusal */
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
    v.failed_step = MAAT_STEP_STATUS; /* --min-tcb-status and the like */
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 18);
    v = verdict(19, MAAT_TCB_STATUS__COUNT); /* no status */
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
    v = verdict(19, MAAT_TCB_SW_HARDENING_NEEDED);
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 18);
    /* grace off, or N / R unknown: no fallback (the rule itself fails closed on unknown) */
    o.tcb_grace = false;
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
    o = grace_opts(R + DAY);
    o.tcb_newest_recovery_date = 0;
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
    o = grace_opts(R + DAY);
    o.tcb_eval_num_newest = 0;
    assert_int_equal(maat__tcb_grace_previous(&o, &v), 0);
}

static void test_grace_fallback_prefer(void **state)
{
    (void)state;
    struct maat_verdict n = verdict(19, MAAT_TCB_OUT_OF_DATE), p = verdict(18, MAAT_TCB_UP_TO_DATE);
    assert_true(maat__tcb_grace_prefer(&n, &p));
    p.status = MAAT_TCB_OUT_OF_DATE; /* no better: N's stands */
    assert_false(maat__tcb_grace_prefer(&n, &p));
    p.status = MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    assert_false(maat__tcb_grace_prefer(&n, &p));
    p.status = MAAT_TCB_REVOKED;
    assert_false(maat__tcb_grace_prefer(&n, &p));
    p = verdict(18, MAAT_TCB_UP_TO_DATE);
    p.ok = false; /* e.g. the grace rule refused it */
    assert_false(maat__tcb_grace_prefer(&n, &p));
    n.ok = false; /* N refused (--min-tcb-status): any passing N - 1 verdict is better */
    p = verdict(18, MAAT_TCB_SW_HARDENING_NEEDED);
    assert_true(maat__tcb_grace_prefer(&n, &p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grace_fallback_window_edges),
        cmocka_unit_test(test_grace_fallback_only_when_needed),
        cmocka_unit_test(test_grace_fallback_prefer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
