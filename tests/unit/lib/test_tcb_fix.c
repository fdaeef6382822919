/* test_tcb_fix.c - issue 14, "verdicts that name the fix": maat_tcb_fix_compute() checked
 * field by field on simulated quotes for every status the sim produces, on the 8 real
 * Azure sample quotes with Intel's collateral for FMSPC 00906ED50000 (set A, at the time
 * its README gives: all OutOfDate), and on a real TD quote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/evidence.h"
#include "maat/tcb_fix.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z: the platform's creation time */
#define AT (NOW + 3600)
#define LEVEL0_DATE 1699920000 /* midnight of NOW: the sim's UpToDate level's tcbDate */

#include "tcb_fixture.h"

/* Quote from `o`, verified with the sim's collateral, and its fix. Returns the
 * maat_tcb_fix_compute() result. */
static int sim_fix(const struct maat_sim_quote_opts *o, struct maat_verdict *v,
                   struct maat_tcb_fix *fix, struct maat_error *err)
{
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(E.sim, o, &b, err) != 0) fail_msg("sim quote: %s", err->msg);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, err), 0);
    struct maat_verify_opts vo = {.at = AT};
    assert_int_equal(maat_quote_verify(&q, E.vc, E.trust, &vo, v, err), 0);
    int rc = maat_tcb_fix_compute(v, &q, E.vc, fix, err);
    maat_buf_cleanup(&b);
    return rc;
}

static void assert_strings(char (*got)[MAAT_VERDICT_ADVISORY_LEN], size_t n, const char *const *want)
{
    size_t k = 0;
    while (want[k]) k++;
    assert_int_equal(n, k);
    for (size_t i = 0; i < n; i++) assert_string_equal(got[i], want[i]);
}

static void assert_updates(const struct maat_tcb_fix *fix, const char *const *want)
{
    size_t k = 0;
    while (want[k]) k++;
    assert_int_equal(fix->update_count, k);
    for (size_t i = 0; i < k; i++) assert_string_equal(fix->update[i], want[i]);
}

static void test_tcb_fix_absent_when_up_to_date(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    struct maat_verdict v;
    struct maat_tcb_fix fix;
    struct maat_error err = {0};
    assert_int_equal(sim_fix(&o, &v, &fix, &err), 0);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_false(fix.needed);
    assert_int_equal(fix.component_count, 0);
}

/* Platform levels below UpToDate: the sim lowers component 0 ("Early Microcode Update",
 * category BIOS) by one per level; the target is the UpToDate level. */
static void test_tcb_fix_names_component_per_status(void **state)
{
    (void)state;
    static const struct {
        enum maat_sim_tcb tcb;
        enum maat_tcb_status status;
        const char *closed[5];
        const char *update[4];
    } cases[] = {
        {MAAT_SIM_TCB_SW_HARDENING_NEEDED,
         MAAT_TCB_SW_HARDENING_NEEDED,
         {"INTEL-SA-00615", NULL},
         {"BIOS/microcode", "platform TCB recovery (new PCK certificate)", NULL}},
        {MAAT_SIM_TCB_CONFIGURATION_NEEDED,
         MAAT_TCB_CONFIGURATION_NEEDED,
         {"INTEL-SA-00289", NULL},
         {"BIOS/microcode", "platform TCB recovery (new PCK certificate)", NULL}},
        {MAAT_SIM_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
         MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
         {"INTEL-SA-00289", "INTEL-SA-00615", NULL},
         {"BIOS/microcode", "platform TCB recovery (new PCK certificate)", NULL}},
        {MAAT_SIM_TCB_OUT_OF_DATE,
         MAAT_TCB_OUT_OF_DATE,
         {"INTEL-SA-00828", "INTEL-SA-00615", NULL},
         {"BIOS/microcode", "platform TCB recovery (new PCK certificate)", NULL}},
        {MAAT_SIM_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
         MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
         {"INTEL-SA-00289", "INTEL-SA-00828", "INTEL-SA-00615", NULL},
         {"BIOS/microcode", "platform TCB recovery (new PCK certificate)", NULL}},
        {MAAT_SIM_TCB_REVOKED,
         MAAT_TCB_REVOKED,
         {"INTEL-SA-00233", "INTEL-SA-00289", "INTEL-SA-00828", "INTEL-SA-00615", NULL},
         {"BIOS/microcode", "platform TCB recovery (new PCK certificate)", NULL}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct maat_sim_quote_opts o;
        maat_sim_quote_opts_defaults(E.sim, &o);
        uint8_t top = o.cpusvn[0];
        maat_sim_quote_opts_set_tcb(E.sim, &o, cases[c].tcb);
        struct maat_verdict v;
        struct maat_tcb_fix fix;
        struct maat_error err = {0};
        assert_int_equal(sim_fix(&o, &v, &fix, &err), 0);
        assert_int_equal(v.status, cases[c].status);
        assert_true(fix.needed);
        assert_int_equal(fix.target_status, MAAT_TCB_UP_TO_DATE);
        assert_int_equal(fix.target_tcb_date, LEVEL0_DATE);
        assert_int_equal(fix.component_count, 1);
        assert_string_equal(fix.components[0].name, "Early Microcode Update");
        assert_string_equal(fix.components[0].category, "BIOS");
        assert_int_equal(fix.components[0].index, 0);
        assert_int_equal(fix.components[0].have, top - (int)cases[c].tcb);
        assert_int_equal(fix.components[0].need, top);
        assert_strings(fix.advisory_ids_closed, fix.advisory_count, cases[c].closed);
        assert_updates(&fix, cases[c].update);
    }
}

/* QE ISVSVN below the UpToDate QE level: status OutOfDate, the fix is the QE alone, and
 * the QE level's advisory is reported apart from the TCB level's (Intel parity). */
static void test_tcb_fix_qe_isvsvn(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    uint16_t qe = o.qe_svn;
    o.qe_svn = (uint16_t)(qe - 2);
    struct maat_verdict v;
    struct maat_tcb_fix fix;
    struct maat_error err = {0};
    assert_int_equal(sim_fix(&o, &v, &fix, &err), 0);
    assert_int_equal(v.status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(v.advisory_count, 0);
    assert_int_equal(v.qe_advisory_count, 1);
    assert_string_equal(v.qe_advisory_ids[0], "INTEL-SA-00615");
    assert_true(fix.needed);
    assert_int_equal(fix.target_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(fix.component_count, 1);
    assert_string_equal(fix.components[0].name, "QE ISVSVN");
    assert_string_equal(fix.components[0].category, "");
    assert_int_equal(fix.components[0].index, MAAT_TCB_FIX_INDEX_QE_ISVSVN);
    assert_int_equal(fix.components[0].have, qe - 2);
    assert_int_equal(fix.components[0].need, qe);
    assert_strings(fix.advisory_ids_closed, fix.advisory_count,
                   (const char *const[]){"INTEL-SA-00615", NULL});
    assert_updates(&fix, (const char *const[]){"PSW/QE", NULL});
}

/* A revoked PCK certificate at an UpToDate TCB: no SVN to raise, the fix says so. */
static void test_tcb_fix_revoked_pck(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    o.revoked = true;
    struct maat_verdict v;
    struct maat_tcb_fix fix;
    struct maat_error err = {0};
    assert_int_equal(sim_fix(&o, &v, &fix, &err), 0);
    assert_int_equal(v.status, MAAT_TCB_REVOKED);
    assert_true(fix.needed);
    assert_int_equal(fix.component_count, 0);
    assert_int_equal(fix.advisory_count, 0);
    assert_updates(&fix, (const char *const[]){"new PCK certificate (this one is revoked)", NULL});
}

/* No fix is invented for a verdict that failed, nor without collateral. */
static void test_tcb_fix_refuses_unverified(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    maat_sim_quote_opts_set_tcb(E.sim, &o, MAAT_SIM_TCB_OUT_OF_DATE);
    struct maat_verdict v;
    struct maat_tcb_fix fix;
    struct maat_error err = {0};
    assert_int_equal(sim_fix(&o, &v, &fix, &err), 0);
    struct maat_quote q = {0};
    q.body_type = MAAT_BODY_SGX;
    assert_int_equal(maat_tcb_fix_compute(&v, &q, NULL, &fix, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    v.ok = false;
    assert_int_equal(maat_tcb_fix_compute(&v, &q, E.vc, &fix, &err), -1);
    assert_false(fix.needed);
}

/* ---- the 8 Azure sample quotes, Intel collateral set A at T = 1785000000 ---- */

#define AZ_T 1785000000

struct az_want {
    uint8_t have[3], need[3];
    int ncomp;       /* SGX components below the target (indexes 0, 1, 6 in order) */
    bool pcesvn, qe; /* PCESVN 10 -> 13, QE ISVSVN 5 -> 8 */
    const char *closed[10];
};

static void check_azure(const char *rel, const struct az_want *w,
                        struct maat_verified_collateral *vc, const struct maat_trust *trust)
{
    size_t len;
    uint8_t *file = tu_read_vector(rel, &len);
    assert_non_null(file);
    struct maat_error err = {0};
    struct maat_evidence ev;
    if (maat_evidence_decode(file, len, &ev, &err) != 0) fail_msg("%s: %s", rel, err.msg);
    struct maat_quote q;
    if (maat_quote_parse(ev.quote, ev.quote_len, &q, &err) != 0) fail_msg("%s: %s", rel, err.msg);
    struct maat_verify_opts vo = {.at = AZ_T};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&q, vc, trust, &vo, &v, &err), 0);
    if (!v.ok) fail_msg("%s: %s", rel, v.reason);
    assert_int_equal(v.status, MAAT_TCB_OUT_OF_DATE);
    struct maat_tcb_fix fix;
    assert_int_equal(maat_tcb_fix_compute(&v, &q, vc, &fix, &err), 0);
    assert_true(fix.needed);
    /* set A has no UpToDate level: the best is SWHardeningNeeded (tcbDate 2025-05-14) */
    assert_int_equal(fix.target_status, MAAT_TCB_SW_HARDENING_NEEDED);
    assert_int_equal(fix.target_tcb_date, 1747180800);
    static const int idx[3] = {0, 1, 6};
    size_t k = 0;
    assert_int_equal(fix.component_count, (size_t)w->ncomp + w->pcesvn + w->qe);
    for (int i = 0; i < w->ncomp; i++, k++) {
        char name[32];
        snprintf(name, sizeof name, "SGX TCB component %d", idx[i] + 1); /* no `type` in set A */
        assert_string_equal(fix.components[k].name, name);
        assert_int_equal(fix.components[k].index, idx[i]);
        assert_int_equal(fix.components[k].have, w->have[i]);
        assert_int_equal(fix.components[k].need, w->need[i]);
    }
    if (w->pcesvn) {
        assert_string_equal(fix.components[k].name, "PCESVN");
        assert_int_equal(fix.components[k].index, MAAT_TCB_FIX_INDEX_PCESVN);
        assert_int_equal(fix.components[k].have, 10);
        assert_int_equal(fix.components[k++].need, 13);
    }
    if (w->qe) {
        assert_string_equal(fix.components[k].name, "QE ISVSVN");
        assert_int_equal(fix.components[k].have, 5);
        assert_int_equal(fix.components[k++].need, 8);
    }
    assert_strings(fix.advisory_ids_closed, fix.advisory_count, w->closed);
    assert_string_equal(fix.update[0], "BIOS/microcode");
    maat_evidence_cleanup(&ev);
    free(file);
}

static void test_tcb_fix_azure_samples(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bundle_buf = tu_read_vector(
        "intel-collateral-00906ed50000/set-A-2026-07/collateral.dcap-qvl.json", &len);
    TU_REQUIRE_VECTOR(bundle_buf);
    struct maat_error err = {0};
    struct maat_collateral_bundle b;
    if (maat_collateral_bundle_parse(bundle_buf, len, &b, &err) != 0) fail_msg("%s", err.msg);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&b, &in);
    struct maat_trust *trust = maat_trust_new_intel(&err);
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_verify(&in, trust, AZ_T, &vc, &err) != 0) fail_msg("%s", err.msg);
    static const struct az_want intel = {
        {20, 20, 0},
        {21, 22, 0},
        2,
        false,
        false,
        {"INTEL-SA-00828", "INTEL-SA-00219", "INTEL-SA-00289", "INTEL-SA-01153", NULL}};
    static const struct az_want oe = {{17, 17, 6},
                                      {21, 22, 14},
                                      3,
                                      true,
                                      true,
                                      {"INTEL-SA-00161", "INTEL-SA-00614", "INTEL-SA-00617",
                                       "INTEL-SA-00219", "INTEL-SA-00289", "INTEL-SA-00828",
                                       "INTEL-SA-01153", "INTEL-SA-00477", NULL}};
    static const char *const files[] = {"debug", "release", "prodid", "securityversion"};
    char rel[128];
    for (int i = 0; i < 4; i++) {
        snprintf(rel, sizeof rel, "azure-samples/intel-sdk/enclave.info.%s.json", files[i]);
        check_azure(rel, &intel, vc, trust);
        snprintf(rel, sizeof rel, "azure-samples/oe-sdk/enclave.info.%s.json", files[i]);
        check_azure(rel, &oe, vc, trust);
    }
    maat_verified_collateral_free(vc);
    maat_trust_free(trust);
    maat_collateral_bundle_cleanup(&b);
    free(bundle_buf);
}

/* TD quotes: dcap-qvl's tdx_quote (UpToDate at its README time: no fix), then the same
 * verdict as if the platform's PCESVN were 10 and TEE_TCB_SVN[0] (TDX module minor SVN) 3, not 6:
 * the fix names PCESVN 10 -> 11 and the module identity TDX_01's isvsvn 3 -> 4. */
static void test_tcb_fix_tdx_module_and_pcesvn(void **state)
{
    (void)state;
    size_t qlen, clen;
    uint8_t *qb = tu_read_vector("dcap-qvl/tdx_quote", &qlen);
    TU_REQUIRE_VECTOR(qb);
    uint8_t *cb = tu_read_vector("dcap-qvl/tdx_quote_collateral.json", &clen);
    assert_non_null(cb);
    struct maat_error err = {0};
    struct maat_collateral_bundle b;
    if (maat_collateral_bundle_parse(cb, clen, &b, &err) != 0) fail_msg("%s", err.msg);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&b, &in);
    struct maat_trust *trust = maat_trust_new_intel(&err);
    struct maat_verified_collateral *vc = NULL;
    const time_t t = 1752919234;
    if (maat_collateral_verify(&in, trust, t, &vc, &err) != 0) fail_msg("%s", err.msg);
    struct maat_quote q;
    if (maat_quote_parse(qb, qlen, &q, &err) != 0) fail_msg("%s", err.msg);
    struct maat_verify_opts vo = {.at = t};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&q, vc, trust, &vo, &v, &err), 0);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    struct maat_tcb_fix fix;
    assert_int_equal(maat_tcb_fix_compute(&v, &q, vc, &fix, &err), 0);
    assert_false(fix.needed);

    assert_int_equal(v.pck.pcesvn, 11);
    assert_int_equal(q.td_report.tee_tcb_svn[1], 1); /* module TDX_01 */
    assert_int_equal(q.td_report.tee_tcb_svn[0], 6);
    uint8_t tee[16];
    memcpy(tee, q.td_report.tee_tcb_svn, 16);
    tee[0] = 3;
    q.td_report.tee_tcb_svn = tee;
    v.pck.pcesvn = 10;
    v.status = MAAT_TCB_OUT_OF_DATE;
    if (maat_tcb_fix_compute(&v, &q, vc, &fix, &err) != 0) fail_msg("%s", err.msg);
    assert_true(fix.needed);
    assert_int_equal(fix.target_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(fix.target_tcb_date, 1710288000); /* 2024-03-13 */
    assert_int_equal(fix.component_count, 2);
    assert_string_equal(fix.components[0].name, "PCESVN");
    assert_int_equal(fix.components[0].have, 10);
    assert_int_equal(fix.components[0].need, 11);
    assert_string_equal(fix.components[1].name, "TDX module TDX_01");
    assert_int_equal(fix.components[1].index, MAAT_TCB_FIX_INDEX_TDX_MODULE);
    assert_int_equal(fix.components[1].have, 3);
    assert_int_equal(fix.components[1].need, 4);
    assert_updates(&fix,
                   (const char *const[]){"PSW/PCE", "platform TCB recovery (new PCK certificate)",
                                         "TDX module", NULL});
    maat_verified_collateral_free(vc);
    maat_trust_free(trust);
    maat_collateral_bundle_cleanup(&b);
    free(cb);
    free(qb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcb_fix_absent_when_up_to_date),
        cmocka_unit_test(test_tcb_fix_names_component_per_status),
        cmocka_unit_test(test_tcb_fix_qe_isvsvn),
        cmocka_unit_test(test_tcb_fix_revoked_pck),
        cmocka_unit_test(test_tcb_fix_refuses_unverified),
        cmocka_unit_test(test_tcb_fix_azure_samples),
        cmocka_unit_test(test_tcb_fix_tdx_module_and_pcesvn),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
