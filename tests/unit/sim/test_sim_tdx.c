/* test_sim_tdx.c - the simulated platform's TDX side: TD quotes v4/v5 (TD report 1.0 and
 * 1.5) parse with every field where the options put it, and verify with libmaat against
 * the sim's TDX bundle (collateral-tdx.json): UpToDate by default, each TDX level status,
 * relaunch, module status and mismatch, TD QE identity mismatch, appraisal defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/tdx.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1740787200 /* 2025-03-01T00:00:00Z */
#define AT (NOW + 3600)

#include "sim_dir_fixture.h"

static uint8_t *bundle_buf;
static size_t bundle_len;
static struct maat_collateral_bundle bundle;
static struct maat_trust *trust;
static struct maat_verified_collateral *vc;

static int setup(void **state)
{
    (void)state;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    if (sim_dir_open(&o) != 0) return -1;
    struct maat_error err = {0};
    char p[4200];
    snprintf(p, sizeof p, "%s/collateral-tdx.json", dir);
    bundle_buf = tu_read_file(p, &bundle_len);
    size_t root_len;
    snprintf(p, sizeof p, "%s/root-ca.pem", dir);
    uint8_t *root = tu_read_file(p, &root_len);
    if (bundle_buf == NULL || root == NULL) return -1;
    struct maat_collateral_input in;
    trust = maat_trust_new_intel(&err);
    int rc = trust == NULL || maat_trust_add_root(trust, root, root_len, "sim", true, &err) != 0 ||
             maat_collateral_bundle_parse(bundle_buf, bundle_len, &bundle, &err) != 0;
    free(root);
    if (rc) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    maat_collateral_input_from_bundle(&bundle, &in);
    if (maat_collateral_verify(&in, trust, AT, &vc, &err) != 0) {
        fprintf(stderr, "TDX collateral: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_verified_collateral_free(vc);
    maat_collateral_bundle_cleanup(&bundle);
    maat_trust_free(trust);
    free(bundle_buf);
    return sim_dir_close();
}

static void td_opts(struct maat_sim_quote_opts *o)
{
    maat_sim_quote_opts_defaults(sim, o);
    maat_sim_quote_opts_set_tdx(o);
}

/* Makes the quote, parses it (q points into *buf) and verifies it. */
static void run(const struct maat_sim_quote_opts *o, const struct maat_tdx_opts *to,
                struct maat_buf *buf, struct maat_quote *q, struct maat_verdict *v,
                struct maat_tdx_verdict *tv)
{
    struct maat_error err = {0};
    maat_buf_init(buf);
    if (maat_sim_quote(sim, o, buf, &err) != 0) fail_msg("sim quote: %s", err.msg);
    if (maat_quote_parse(buf->data, buf->len, q, &err) != 0) fail_msg("parse: %s", err.msg);
    struct maat_verify_opts vo = {.at = AT};
    assert_int_equal(maat_tdx_quote_verify(q, vc, trust, &vo, to, v, tv, &err), 0);
}

static void test_tdx_v4_fields_and_up_to_date(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    td_opts(&o);
    memset(o.mr_td, 0xcd, 48);
    memset(o.rtmr[3], 0x33, 48);
    o.report_data[0] = 0x42;
    struct maat_buf b;
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    run(&o, NULL, &b, &q, &v, &tv);
    assert_int_equal(q.version, 4);
    assert_int_equal(q.tee_type, MAAT_TEE_TYPE_TDX);
    assert_int_equal(q.body_type, MAAT_BODY_TD10);
    assert_int_equal(q.td_report.size, 584);
    assert_memory_equal(q.td_report.mr_td, o.mr_td, 48);
    assert_memory_equal(q.td_report.rtmr[3], o.rtmr[3], 48);
    assert_memory_equal(q.td_report.tee_tcb_svn, o.tee_tcb_svn, 16);
    assert_int_equal(q.td_report.report_data[0], 0x42);
    assert_int_equal(q.td_report.td_attributes[3], 0x10); /* SEPT_VE_DISABLE */
    assert_int_equal(q.qe_report.isv_prod_id, MAAT_SIM_TD_QE_ISV_PROD_ID);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_string_equal(tv.module_identity, "TDX_01");
    assert_true(tv.has_module_status);
    assert_int_equal(tv.module_status, MAAT_TCB_UP_TO_DATE);
    maat_buf_cleanup(&b);
}

static void test_tdx_v5_td15(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    td_opts(&o);
    o.version = 5;
    o.td_version = 15;
    struct maat_buf b;
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    run(&o, NULL, &b, &q, &v, &tv);
    assert_int_equal(q.version, 5);
    assert_int_equal(q.body_type, MAAT_BODY_TD15);
    assert_int_equal(q.td_report.size, 648);
    assert_non_null(q.td_report.tee_tcb_svn2);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_true(tv.current.evaluated);
    maat_buf_cleanup(&b);
}

static void test_tdx_v4_refuses_td15(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    td_opts(&o);
    o.td_version = 15; /* v4 carries TD report 1.0 only */
    struct maat_buf b;
    maat_buf_init(&b);
    struct maat_error err = {0};
    assert_int_equal(maat_sim_quote(sim, &o, &b, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    maat_buf_cleanup(&b);
}

static void test_tdx_each_level_status(void **state)
{
    (void)state;
    static const enum maat_tcb_status want[MAAT_SIM_TCB__COUNT] = {
        MAAT_TCB_UP_TO_DATE,
        MAAT_TCB_SW_HARDENING_NEEDED,
        MAAT_TCB_CONFIGURATION_NEEDED,
        MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
        MAAT_TCB_OUT_OF_DATE,
        MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
        MAAT_TCB_REVOKED};
    for (int t = 0; t < MAAT_SIM_TCB__COUNT; t++) {
        struct maat_sim_quote_opts o;
        td_opts(&o);
        maat_sim_quote_opts_set_tdx_tcb(&o, t);
        struct maat_buf b;
        struct maat_quote q;
        struct maat_verdict v;
        struct maat_tdx_verdict tv;
        run(&o, NULL, &b, &q, &v, &tv);
        if (v.status != want[t])
            fail_msg("TDX level %s: status %s (%s)", maat_sim_tcb_name(t),
                     maat_tcb_status_name(v.status), v.reason);
        assert_int_equal(v.ok, t != MAAT_SIM_TCB_REVOKED);
        assert_int_equal(tv.platform_status, want[t]);
        maat_buf_cleanup(&b);
    }
}

static void test_tdx_relaunch(void **state)
{
    (void)state;
    static const struct {
        int knob;
        enum maat_tcb_status want;
    } cases[] = {
        {MAAT_SIM_TDX_RELAUNCH_ADVISED, MAAT_TCB_TD_RELAUNCH_ADVISED},
        {MAAT_SIM_TDX_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
         MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct maat_sim_quote_opts o;
        td_opts(&o);
        o.version = 5;
        o.td_version = 15;
        maat_sim_quote_opts_set_tdx_tcb(&o, cases[i].knob);
        struct maat_buf b;
        struct maat_quote q;
        struct maat_verdict v;
        struct maat_tdx_verdict tv;
        run(&o, NULL, &b, &q, &v, &tv);
        if (!v.ok) fail_msg("%s", v.reason);
        assert_int_equal(v.status, cases[i].want);
        assert_int_equal(tv.launch.status, MAAT_TCB_OUT_OF_DATE);
        maat_buf_cleanup(&b);
    }
}

static void test_tdx_module_cases(void **state)
{
    (void)state;
    struct maat_buf b;
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    struct maat_sim_quote_opts o;

    td_opts(&o);
    o.tee_tcb_svn[0] = MAAT_SIM_TDX_MODULE_SVN_OUT_OF_DATE;
    run(&o, NULL, &b, &q, &v, &tv);
    assert_true(v.ok);
    assert_int_equal(tv.module_status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(v.status, MAAT_TCB_OUT_OF_DATE);
    maat_buf_cleanup(&b);

    td_opts(&o);
    o.tee_tcb_svn[1] = 7; /* no TDX_07 */
    run(&o, NULL, &b, &q, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_int_equal(tv.module_step, MAAT_STEP_FAILED);
    maat_buf_cleanup(&b);

    td_opts(&o);
    o.mr_signer_seam[47] = 1;
    run(&o, NULL, &b, &q, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(tv.module_step, MAAT_STEP_FAILED);
    maat_buf_cleanup(&b);

    td_opts(&o);
    o.tee_tcb_svn[1] = 0; /* base tdxModule, no module identity */
    run(&o, NULL, &b, &q, &v, &tv);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_string_equal(tv.module_identity, "tdxModule");
    assert_false(tv.has_module_status);
    maat_buf_cleanup(&b);
}

static void test_tdx_qe_and_appraisal(void **state)
{
    (void)state;
    struct maat_buf b;
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    struct maat_sim_quote_opts o;

    td_opts(&o);
    o.qe_isv_prod_id = MAAT_SIM_QE_ISV_PROD_ID; /* the SGX QE's: TD_QE identity mismatch */
    run(&o, NULL, &b, &q, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_QE_IDENTITY);
    maat_buf_cleanup(&b);

    td_opts(&o);
    o.td_attributes |= MAAT_TD_ATTR_DEBUG;
    run(&o, NULL, &b, &q, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_STATUS);
    assert_int_equal(v.qvl_result, MAAT_QVL_OK); /* Intel's answer kept */
    maat_buf_cleanup(&b);
    struct maat_tdx_opts allow = {.allow_debug_td = true};
    run(&o, &allow, &b, &q, &v, &tv);
    assert_true(v.ok);
    maat_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdx_v4_fields_and_up_to_date),
        cmocka_unit_test(test_tdx_v5_td15),
        cmocka_unit_test(test_tdx_v4_refuses_td15),
        cmocka_unit_test(test_tdx_each_level_status),
        cmocka_unit_test(test_tdx_relaunch),
        cmocka_unit_test(test_tdx_module_cases),
        cmocka_unit_test(test_tdx_qe_and_appraisal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
