/* test_tdx_verify.c - TD quote verification against the real vectors, where the case is
 * more than input -> verdict: body type 4 built from the real v5 quote, TD relaunch with
 * the verified collateral altered (white box), the Intel TDX sample's TCB info refused by
 * the parser. The input -> verdict cases (dcap-qvl TDX quotes, go-tdx-guest's SPR quote,
 * the tamper matrices, wrong-TEE collateral) are data files in tests/data/verify/tdx-*.case,
 * run by test_verify_corpus.c. */
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

/* Intel's generated TDX sample's TCB info (SVNs such as 65473) is refused by the parser, so
 * its quote can never reach a TCB status (the quote's own verdict:
 * tests/data/verify/tdx-intel-sample.case). */
static void test_tdx_intel_sample_tcb_info_refused(void **state)
{
    (void)state;
    size_t tl;
    uint8_t *tcb = tu_read_vector("intel-qvl-sample/tdx/tcbInfo.json", &tl);
    TU_REQUIRE_VECTOR(tcb);
    struct maat_error err = {0};
    struct maat_tcb_info ti;
    assert_int_equal(maat_tcb_info_parse(tcb, tl, &ti, &err), -1);
    assert_non_null(strstr(err.msg, "sgxtcbcomponents[1].svn"));
    free(tcb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdx_body_type4_ex_parsed),
        cmocka_unit_test(test_tdx_relaunch_advised_end_to_end),
        cmocka_unit_test(test_tdx_intel_sample_tcb_info_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
