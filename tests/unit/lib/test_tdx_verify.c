/* test_tdx_verify.c - TD quote verification against the real vectors: Phala's dcap-qvl TDX
 * quotes (v4 and v5) with real Intel collateral, go-tdx-guest's production SPR quote, and
 * a tamper matrix over every signed region of a real TD quote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/tdx.h"
#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h" /* white box: relaunch case alters verified collateral */

struct fixture {
    uint8_t *quote_buf, *bundle_buf;
    size_t quote_len, bundle_len;
    struct maat_quote q;
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input in;
    struct maat_trust *trust;
};

static int load(struct fixture *f, const char *quote, const char *bundle)
{
    memset(f, 0, sizeof *f);
    f->quote_buf = tu_read_vector(quote, &f->quote_len);
    f->bundle_buf = tu_read_vector(bundle, &f->bundle_len);
    if (!f->quote_buf || !f->bundle_buf) return -1;
    struct maat_error err = {0};
    if (maat_quote_parse(f->quote_buf, f->quote_len, &f->q, &err) != 0)
        fail_msg("quote: %s", err.msg);
    if (maat_collateral_bundle_parse(f->bundle_buf, f->bundle_len, &f->bundle, &err) != 0)
        fail_msg("bundle: %s", err.msg);
    maat_collateral_input_from_bundle(&f->bundle, &f->in);
    f->trust = maat_trust_new_intel(&err);
    assert_non_null(f->trust);
    return 0;
}

static void fixture_free(struct fixture *f)
{
    maat_collateral_bundle_cleanup(&f->bundle);
    maat_trust_free(f->trust);
    free(f->quote_buf);
    free(f->bundle_buf);
}

static void verify_at(struct fixture *f, time_t at, const struct maat_tdx_opts *o,
                      struct maat_verdict *v, struct maat_tdx_verdict *tv)
{
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_verify(&f->in, f->trust, at, &vc, &err) != 0)
        fail_msg("collateral: %s", err.msg);
    struct maat_verify_opts opts = {.at = at};
    assert_int_equal(maat_tdx_quote_verify(&f->q, vc, f->trust, &opts, o, v, tv, &err), 0);
    maat_verified_collateral_free(vc);
}

#define TDX_QUOTE "dcap-qvl/tdx_quote"
#define TDX_BUNDLE "dcap-qvl/tdx_quote_collateral.json"
#define TDX_AT 1752919234 /* README: one second before the PCK CRL's nextUpdate */

/* dcap-qvl tdx_quote (v4): Intel says UpToDate, no advisories, at its time. */
static void test_tdx_dcap_qvl_up_to_date(void **state)
{
    (void)state;
    struct fixture f;
    if (load(&f, TDX_QUOTE, TDX_BUNDLE) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    verify_at(&f, TDX_AT, NULL, &v, &tv);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(v.qvl_result, MAAT_QVL_OK);
    assert_int_equal(v.advisory_count, 0);
    for (int s = 0; s < MAAT_STEP__COUNT; s++) assert_int_equal(v.steps[s], MAAT_STEP_PASSED);
    const uint8_t fmspc[6] = {0xb0, 0xc0, 0x6f, 0x00, 0x00, 0x00};
    assert_memory_equal(v.fmspc, fmspc, 6);
    /* TEE_TCB_SVN 06 01 03: module identity TDX_01, its level isvsvn 4 */
    assert_string_equal(tv.module_identity, "TDX_01");
    assert_true(tv.tcb_evaluated);
    assert_true(tv.has_module_status);
    assert_int_equal(tv.platform_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(tv.module_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(tv.qe_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(tv.module_step, MAAT_STEP_PASSED);
    assert_int_equal(tv.appraisal_step, MAAT_STEP_PASSED);
    assert_int_equal(tv.body_type, MAAT_BODY_TD10);
    assert_false(tv.td.has_td15);
    assert_false(tv.current.evaluated);
    assert_true(tv.launch.evaluated);
    assert_int_equal(tv.td.tee_tcb_svn[0], 6);
    assert_int_equal(tv.td.tee_tcb_svn[1], 1);
    assert_int_equal(tv.td_attributes, 0x10000000u); /* SEPT_VE_DISABLE only */
    assert_false(tv.td_debug);
    assert_true(tv.td_sept_ve_disable);
    assert_memory_equal(tv.td.report_data, f.q.td_report.report_data, 64);
    /* tcbDate: min of platform (2024-03-13), module and QE levels */
    assert_true(v.tcb_date != 0);
    /* the generic entry point dispatches TD quotes to the same pipeline */
    struct maat_verdict v2;
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&f.in, f.trust, TDX_AT, &vc, &err), 0);
    struct maat_verify_opts opts = {.at = TDX_AT};
    assert_int_equal(maat_quote_verify(&f.q, vc, f.trust, &opts, &v2, &err), 0);
    assert_true(v2.ok);
    assert_int_equal(v2.status, MAAT_TCB_UP_TO_DATE);
    maat_verified_collateral_free(vc);
    /* nextUpdate is the last valid instant: one second later the PCK CRL has expired */
    verify_at(&f, TDX_AT + 2, NULL, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_COLLATERAL_TIME);
    fixture_free(&f);
}

/* dcap-qvl tdx_quote_outdated (v5, TD report 1.5): README says "not UpToDate"; by Intel's
 * rules no TCB level matches (the PCK's SGX component 7 is below every level's): TCB not
 * supported, which is a failure, not a status. */
static void test_tdx_dcap_qvl_outdated_not_supported(void **state)
{
    (void)state;
    struct fixture f;
    if (load(&f, "dcap-qvl/tdx_quote_outdated", "dcap-qvl/tdx_quote_outdated_collateral.json") != 0) {
        fixture_free(&f);
        skip();
    }
    assert_int_equal(f.q.version, 5);
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    verify_at(&f, 1774003274, NULL, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_int_equal(v.qvl_result, MAAT_QVL_TCB_NOT_SUPPORTED);
    assert_non_null(strstr(v.reason, "TCB not supported"));
    assert_int_not_equal(v.status, MAAT_TCB_UP_TO_DATE);
    /* every signature and identity step passed */
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_CRL], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_REPORT_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_AK_BINDING], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_IDENTITY], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_COLLATERAL_TIME], MAAT_STEP_PASSED);
    assert_int_equal(tv.module_step, MAAT_STEP_PASSED);
    assert_string_equal(tv.module_identity, "TDX_01");
    assert_int_equal(tv.body_type, MAAT_BODY_TD15);
    assert_true(tv.td.has_td15);
    assert_false(tv.tcb_evaluated);
    fixture_free(&f);
}

/* go-tdx-guest's production SPR E4 quote with the PCS collateral of its README: every
 * signature, chain, CRL and the TD_QE identity are fine; no TCB level matches. */
static void test_tdx_spr_e4_not_supported(void **state)
{
    (void)state;
    uint8_t *qb = NULL, *tib = NULL, *qeb = NULL, *tchain = NULL, *qchain = NULL, *pchain = NULL,
            *pcrl = NULL, *rcrl = NULL;
    size_t ql, til, qel, tcl, qcl, pcl, pcrll, rcrll;
    qb = tu_read_vector("tdx/tdx_prod_quote_SPR_E4.dat", &ql);
    tib = tu_read_vector("tdx/sample_tcbInfo_response", &til);
    qeb = tu_read_vector("tdx/sample_qeIdentity_response", &qel);
    tchain = tu_read_vector("tdx/tcbInfoIssuerChain.pem", &tcl);
    qchain = tu_read_vector("tdx/qeIdentityIssuerChain.pem", &qcl);
    pchain = tu_read_vector("tdx/pckCrlIssuerChain.pem", &pcl);
    pcrl = tu_read_vector("tdx/pckcrl", &pcrll);
    rcrl = tu_read_vector("tdx/rootcrl.der", &rcrll);
    if (!qb || !tib || !qeb || !tchain || !qchain || !pchain || !pcrl || !rcrl) {
        free(qb);
        free(tib);
        free(qeb);
        free(tchain);
        free(qchain);
        free(pchain);
        free(pcrl);
        free(rcrl);
        skip();
    }
    struct maat_error err = {0};
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(qb, ql, &q, &err), 0);
    struct maat_collateral_input in;
    memset(&in, 0, sizeof in);
    in.pck_crl_issuer_chain = (struct maat_view){pchain, pcl};
    in.root_ca_crl = (struct maat_view){rcrl, rcrll};
    in.pck_crl = (struct maat_view){pcrl, pcrll};
    in.tcb_info_issuer_chain = (struct maat_view){tchain, tcl};
    in.tcb_info_json = (struct maat_view){tib, til};
    in.qe_identity_issuer_chain = (struct maat_view){qchain, qcl};
    in.qe_identity_json = (struct maat_view){qeb, qel};
    struct maat_trust *trust = maat_trust_new_intel(&err);
    struct maat_verified_collateral *vc = NULL;
    const time_t at = 1688173200; /* 2023-07-01T01:00:00Z, go-tdx-guest's time */
    if (maat_collateral_verify(&in, trust, at, &vc, &err) != 0) fail_msg("collateral: %s", err.msg);
    struct maat_verify_opts opts = {.at = at};
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    assert_int_equal(maat_tdx_quote_verify(&q, vc, trust, &opts, NULL, &v, &tv, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_int_equal(v.qvl_result, MAAT_QVL_TCB_NOT_SUPPORTED);
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_REPORT_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_IDENTITY], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_CRL], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_COLLATERAL_TIME], MAAT_STEP_PASSED);
    /* TEE_TCB_SVN[1] = 0: no module identity, tdxModule's values are checked */
    assert_string_equal(tv.module_identity, "tdxModule");
    assert_int_equal(tv.module_step, MAAT_STEP_PASSED);
    /* TD attributes 0x40000000 (PKS), no SEPT_VE_DISABLE: maat's default refuses it too */
    assert_int_equal(tv.appraisal_step, MAAT_STEP_FAILED);
    assert_non_null(strstr(tv.appraisal_reason, "SEPT_VE_DISABLE"));
    assert_non_null(strstr(v.reason, "SEPT_VE_DISABLE"));
    struct maat_tdx_opts o = {.allow_sept_ve_enabled = true};
    assert_int_equal(maat_tdx_quote_verify(&q, vc, trust, &opts, &o, &v, &tv, &err), 0);
    assert_int_equal(tv.appraisal_step, MAAT_STEP_PASSED);
    assert_int_equal(v.qvl_result, MAAT_QVL_TCB_NOT_SUPPORTED);
    maat_verified_collateral_free(vc);
    maat_trust_free(trust);
    free(qb);
    free(tib);
    free(qeb);
    free(tchain);
    free(qchain);
    free(pchain);
    free(pcrl);
    free(rcrl);
}

/* Flipping a byte of each signed region of a real TD quote is refused at its own step,
 * in Intel's order (the module identity is checked before any signature). */
static void test_tdx_tamper_matrix(void **state)
{
    (void)state;
    struct fixture f;
    if (load(&f, TDX_QUOTE, TDX_BUNDLE) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&f.in, f.trust, TDX_AT, &vc, &err), 0);
    const size_t sd = 48 + 584 + 4; /* signature data */
    const size_t qe = sd + 128 + 6; /* QE report inside certification data type 6 */
    struct {
        size_t at;
        enum maat_verify_step step;
        const char *what;
    } cases[] = {
        {12, MAAT_STEP_STRUCTURE, "header QE vendor id"},
        {8, MAAT_STEP_QUOTE_SIGNATURE, "header reserved / qe_svn"},
        {28, MAAT_STEP_QUOTE_SIGNATURE, "header user_data"},
        {48 + 0, MAAT_STEP_QUOTE_SIGNATURE, "TEE_TCB_SVN[0]"},
        {48 + 16, MAAT_STEP_QUOTE_SIGNATURE, "MRSEAM"},
        {48 + 64, MAAT_STEP_TCB_INFO, "MRSIGNERSEAM (module identity, before signatures)"},
        {48 + 112, MAAT_STEP_TCB_INFO, "SEAMATTRIBUTES (module identity)"},
        {48 + 121, MAAT_STEP_QUOTE_SIGNATURE, "TDATTRIBUTES byte 1"},
        {48 + 128, MAAT_STEP_QUOTE_SIGNATURE, "XFAM"},
        {48 + 136, MAAT_STEP_QUOTE_SIGNATURE, "MRTD"},
        {48 + 184, MAAT_STEP_QUOTE_SIGNATURE, "MRCONFIGID"},
        {48 + 232, MAAT_STEP_QUOTE_SIGNATURE, "MROWNER"},
        {48 + 280, MAAT_STEP_QUOTE_SIGNATURE, "MROWNERCONFIG"},
        {48 + 328 + 3 * 48, MAAT_STEP_QUOTE_SIGNATURE, "RTMR3"},
        {48 + 520, MAAT_STEP_QUOTE_SIGNATURE, "REPORTDATA"},
        {sd + 5, MAAT_STEP_QUOTE_SIGNATURE, "quote signature"},
        {sd + 64 + 3, MAAT_STEP_AK_BINDING, "attestation key"},
        {qe + 0, MAAT_STEP_QE_REPORT_SIGNATURE, "QE report CPUSVN"},
        {qe + 128, MAAT_STEP_QE_REPORT_SIGNATURE, "QE report MRSIGNER"},
        {qe + 320, MAAT_STEP_QE_REPORT_SIGNATURE, "QE report report_data"},
        {qe + 384 + 7, MAAT_STEP_QE_REPORT_SIGNATURE, "QE report signature"},
        {qe + 384 + 64 + 2 + 1, MAAT_STEP_AK_BINDING, "QE auth data"},
    };
    uint8_t *copy = malloc(f.quote_len);
    assert_non_null(copy);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, f.quote_buf, f.quote_len);
        copy[cases[i].at] ^= 0x01;
        struct maat_quote q;
        if (maat_quote_parse(copy, f.quote_len, &q, &err) != 0)
            fail_msg("%s: parse failed: %s", cases[i].what, err.msg);
        struct maat_verify_opts opts = {.at = TDX_AT};
        struct maat_verdict v;
        struct maat_tdx_verdict tv;
        assert_int_equal(maat_tdx_quote_verify(&q, vc, f.trust, &opts, NULL, &v, &tv, &err), 0);
        if (v.ok || v.failed_step != cases[i].step)
            fail_msg("%s (offset %zu): ok=%d failed_step=%s reason=%s", cases[i].what, cases[i].at,
                     v.ok, maat_verify_step_name(v.failed_step), v.reason);
    }
    /* the v5 quote's TDX 1.5 fields: TEE_TCB_SVN_2 and MRSERVICETD are signed too */
    {
        struct fixture g;
        if (load(&g, "dcap-qvl/tdx_quote_outdated", "dcap-qvl/tdx_quote_outdated_collateral.json") ==
            0) {
            struct maat_verified_collateral *vc5 = NULL;
            assert_int_equal(maat_collateral_verify(&g.in, g.trust, 1774003274, &vc5, &err), 0);
            const size_t offs[] = {54 + 584, 54 + 600 + 47, 54 + 520};
            uint8_t *c5 = malloc(g.quote_len);
            assert_non_null(c5);
            for (size_t i = 0; i < 3; i++) {
                memcpy(c5, g.quote_buf, g.quote_len);
                c5[offs[i]] ^= 0x01;
                struct maat_quote q;
                assert_int_equal(maat_quote_parse(c5, g.quote_len, &q, &err), 0);
                struct maat_verify_opts o5 = {.at = 1774003274};
                struct maat_verdict v;
                assert_int_equal(maat_tdx_quote_verify(&q, vc5, g.trust, &o5, NULL, &v, NULL, &err),
                                 0);
                if (v.ok || v.failed_step != MAAT_STEP_QUOTE_SIGNATURE)
                    fail_msg("v5 offset %zu: failed_step=%s reason=%s", offs[i],
                             maat_verify_step_name(v.failed_step), v.reason);
            }
            free(c5);
            maat_verified_collateral_free(vc5);
        }
        fixture_free(&g);
    }
    /* the untouched quote passes */
    struct maat_verify_opts opts = {.at = TDX_AT};
    struct maat_verdict v;
    assert_int_equal(maat_tdx_quote_verify(&f.q, vc, f.trust, &opts, NULL, &v, NULL, &err), 0);
    assert_true(v.ok);
    free(copy);
    maat_verified_collateral_free(vc);
    fixture_free(&f);
}

/* Wrong-TEE collateral (tdx.md §12 bug 9): the SGX collateral bundle for a TD quote and the
 * TDX bundle for an SGX quote are both refused; SGX quote through the TDX entry point too. */
static void test_tdx_bug09_wrong_tee_collateral_refused(void **state)
{
    (void)state;
    struct fixture t, s;
    if (load(&t, TDX_QUOTE, "dcap-qvl/sgx_quote_collateral.json") != 0) {
        fixture_free(&t);
        skip();
    }
    if (load(&s, "dcap-qvl/sgx_quote", TDX_BUNDLE) != 0) {
        fixture_free(&t);
        fixture_free(&s);
        skip();
    }
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    verify_at(&t, 1752919200, NULL, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.steps[MAAT_STEP_TCB_INFO], MAAT_STEP_FAILED);
    assert_non_null(strstr(v.reason, "a TD quote needs TDX TCB info"));
    assert_int_equal(v.steps[MAAT_STEP_QE_IDENTITY], MAAT_STEP_FAILED);
    assert_non_null(strstr(v.reason, "a TD quote needs TD_QE"));
    /* the SGX quote with TDX collateral, through the SGX path */
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&s.in, s.trust, 1752919200, &vc, &err), 0);
    struct maat_verify_opts opts = {.at = 1752919200};
    assert_int_equal(maat_quote_verify(&s.q, vc, s.trust, &opts, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.steps[MAAT_STEP_QE_IDENTITY], MAAT_STEP_FAILED);
    assert_int_equal(v.steps[MAAT_STEP_TCB_INFO], MAAT_STEP_FAILED);
    assert_non_null(strstr(v.reason, "an SGX quote needs the QE's"));
    /* an SGX quote given to the TDX entry point */
    assert_int_equal(maat_tdx_quote_verify(&s.q, vc, s.trust, &opts, NULL, &v, &tv, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_STRUCTURE);
    maat_verified_collateral_free(vc);
    fixture_free(&t);
    fixture_free(&s);
}

/* Body type 4 ("TD Report 1.5 Ex", 885 bytes, QVL26) is parsed; its size is exact. Built
 * from the real v5 quote: the signature no longer covers it, so verification stops at
 * quote_signature, after every structural and chain step passed. */
static void test_tdx_body_type4_ex_parsed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *src = tu_read_vector("dcap-qvl/tdx_quote_outdated", &len);
    TU_REQUIRE_VECTOR(src);
    const size_t body_end = 54 + 648, extra = 885 - 648;
    uint8_t *m = calloc(1, len + extra);
    assert_non_null(m);
    memcpy(m, src, body_end);
    memcpy(m + body_end + extra, src + body_end, len - body_end);
    m[48] = 4;
    m[50] = (uint8_t)(885 & 0xff);
    m[51] = (uint8_t)(885 >> 8);
    m[body_end] = 0x7e;               /* VMID */
    m[body_end + 1 + 32 + 48] = 0xab; /* INITSERVTDHASH[0] */
    struct maat_quote q;
    struct maat_error err = {0};
    if (maat_quote_parse(m, len + extra, &q, &err) != 0) fail_msg("%s", err.msg);
    assert_int_equal(q.body_type, MAAT_BODY_TD15_EX);
    assert_int_equal(q.td_report.size, 885);
    assert_ptr_equal(q.td_report.vm_id, m + body_end);
    assert_int_equal(q.td_report.init_servtd_hash[0], 0xab);
    assert_ptr_equal(q.td_report.cur_servtd_attributes, m + 54 + 877);
    assert_non_null(q.td_report.tee_tcb_svn2);
    assert_int_equal(q.signed_data.len, 54 + 885);
    struct maat_trust *trust = maat_trust_new_intel(&err);
    struct maat_verify_opts opts = {.at = 1774003274};
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    assert_int_equal(maat_tdx_quote_verify(&q, NULL, trust, &opts, NULL, &v, &tv, &err), 0);
    assert_int_equal(v.steps[MAAT_STEP_STRUCTURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_FAILED);
    assert_int_equal(tv.body_type, MAAT_BODY_TD15_EX);
    assert_true(tv.td.has_td15);
    /* type 4 with the 1.5 size is refused, naming the field */
    m[50] = (uint8_t)(648 & 0xff);
    m[51] = (uint8_t)(648 >> 8);
    maat_error_clear(&err);
    assert_int_not_equal(maat_quote_parse(m, len + extra, &q, &err), 0);
    assert_non_null(strstr(err.msg, "body size 648"));
    maat_trust_free(trust);
    free(m);
    free(src);
}

/* TD relaunch end to end on the real v5 quote (TEE_TCB_SVN 07 01 03, TEE_TCB_SVN_2
 * 0d 01 03): with the platform made to match and TDX_01's top level raised to isvsvn 8,
 * launch (module SVN 7) is OutOfDate and current (13) UpToDate: TDRelaunchAdvised. */
static void test_tdx_relaunch_advised_end_to_end(void **state)
{
    (void)state;
    struct fixture f;
    if (load(&f, "dcap-qvl/tdx_quote_outdated", "dcap-qvl/tdx_quote_outdated_collateral.json") != 0) {
        fixture_free(&f);
        skip();
    }
    const time_t at = 1774003274;
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&f.in, f.trust, at, &vc, &err), 0);
    struct maat_verify_opts opts = {.at = at};
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    /* the PCK's components, from a first run */
    assert_int_equal(maat_tdx_quote_verify(&f.q, vc, f.trust, &opts, NULL, &v, &tv, &err), 0);
    struct maat_tcb_info *ti = &vc->tcb_info;
    for (size_t i = 0; i < ti->level_count; i++)
        for (int k = 0; k < 16; k++)
            if (ti->levels[i].sgx_components[k].svn > v.pck.tcb_components[k])
                ti->levels[i].sgx_components[k].svn = v.pck.tcb_components[k];
    /* as published: both evaluations UpToDate (module SVNs 7 and 13 >= 6) */
    assert_int_equal(maat_tdx_quote_verify(&f.q, vc, f.trust, &opts, NULL, &v, &tv, &err), 0);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_true(tv.current.evaluated);
    struct maat_tdx_module_identity *m = (struct maat_tdx_module_identity *)
        maat_tdx_module_identity_find(ti, 1);
    assert_non_null(m);
    assert_int_equal(m->levels[0].isvsvn, 6);
    m->levels[0].isvsvn = 8;
    assert_int_equal(maat_tdx_quote_verify(&f.q, vc, f.trust, &opts, NULL, &v, &tv, &err), 0);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_TD_RELAUNCH_ADVISED);
    assert_int_equal(v.qvl_result, MAAT_QVL_TD_RELAUNCH_ADVISED);
    assert_string_equal(maat_qvl_result_name(v.qvl_result), "SGX_QL_QV_RESULT_TD_RELAUNCH_ADVISED");
    assert_int_equal(tv.launch.status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(tv.current.status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(tv.module_status, MAAT_TCB_OUT_OF_DATE);
    /* the module level's advisories follow platform and QE ones */
    assert_true(v.advisory_count > 0);
    maat_verified_collateral_free(vc);
    fixture_free(&f);
}

/* Intel's generated TDX sample (test PKI; README: expected status unknown, a strict
 * verifier rejects). Under its own root the quote's signatures and the DER chain inside
 * type 6 verify; its TCB info (SVNs such as 65473) is refused by the parser, so the quote
 * can never reach a TCB status. */
static void test_tdx_intel_sample_signatures_ok_collateral_refused(void **state)
{
    (void)state;
    size_t ql, rl, tl;
    uint8_t *qb = tu_read_vector("intel-qvl-sample/tdx/quote.dat", &ql);
    uint8_t *root = tu_read_vector("intel-qvl-sample/tdx/trustedRootCaCert.pem", &rl);
    uint8_t *tcb = tu_read_vector("intel-qvl-sample/tdx/tcbInfo.json", &tl);
    if (!qb || !root || !tcb) {
        free(qb);
        free(root);
        free(tcb);
        skip();
    }
    struct maat_error err = {0};
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(qb, ql, &q, &err), 0);
    struct maat_trust *trust = maat_trust_new_empty(&err);
    assert_int_equal(maat_trust_add_root(trust, root, rl, "Intel QVL sample TDX root", true, &err),
                     0);
    struct maat_verify_opts opts = {.at = 1700000000};
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    assert_int_equal(maat_tdx_quote_verify(&q, NULL, trust, &opts, NULL, &v, &tv, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_REPORT_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_AK_BINDING], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_true(v.trusted_root_simulated);
    struct maat_tcb_info ti;
    maat_error_clear(&err);
    assert_int_equal(maat_tcb_info_parse(tcb, tl, &ti, &err), -1);
    assert_non_null(strstr(err.msg, "sgxtcbcomponents[1].svn"));
    maat_trust_free(trust);
    free(qb);
    free(root);
    free(tcb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdx_dcap_qvl_up_to_date),
        cmocka_unit_test(test_tdx_dcap_qvl_outdated_not_supported),
        cmocka_unit_test(test_tdx_spr_e4_not_supported),
        cmocka_unit_test(test_tdx_tamper_matrix),
        cmocka_unit_test(test_tdx_bug09_wrong_tee_collateral_refused),
        cmocka_unit_test(test_tdx_body_type4_ex_parsed),
        cmocka_unit_test(test_tdx_relaunch_advised_end_to_end),
        cmocka_unit_test(test_tdx_intel_sample_signatures_ok_collateral_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
