/* test_parity.c - issue 14, "Intel parity": each decision where maat and Intel's QVL could
 * differ, pinned on the real Azure sample quotes and Intel's collateral for FMSPC
 * 00906ED50000 (set A; docs/compat.md, "Decisions against Intel's QVL"):
 *   - advisory_ids are the matched TCB level's (as Intel), the QE identity's apart;
 *   - collateral issued after the verification time, and a PCK certificate not yet valid
 *     at it, are refused (kept, deliberately; Intel accepts both);
 *   - TCB info / QE identity JSON must verify over the exact bytes received: re-serialised
 *     text (whitespace, escapes) is refused (kept; Intel accepts the compact form), and
 *     duplicate keys are never accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/evidence.h"
#include "maat/verify.h"
#include "testutil.h"

#define SET_A "intel-collateral-00906ed50000/set-A-2026-07/"
#define AZ_T 1785000000           /* set A's README time: every item valid */
#define TCB_ISSUE 1784167609      /* set A TCB info issueDate 2026-07-16T02:06:49Z */
#define PCK_NOT_BEFORE 1677525430 /* intel-sdk PCK leaf notBefore 2023-02-27T19:17:10Z */

struct fixture {
    uint8_t *buf;
    struct maat_collateral_bundle b;
    struct maat_collateral_input in;
    struct maat_trust *trust;
};

static bool load_set_a(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    size_t len;
    f->buf = tu_read_vector(SET_A "collateral.dcap-qvl.json", &len);
    if (f->buf == NULL) return false;
    struct maat_error err = {0};
    if (maat_collateral_bundle_parse(f->buf, len, &f->b, &err) != 0) fail_msg("%s", err.msg);
    maat_collateral_input_from_bundle(&f->b, &f->in);
    f->trust = maat_trust_new_intel(&err);
    assert_non_null(f->trust);
    return true;
}

static void unload_set_a(struct fixture *f)
{
    maat_trust_free(f->trust);
    maat_collateral_bundle_cleanup(&f->b);
    free(f->buf);
}

/* Verifies an Azure sample quote with `in` at `at`. */
static void verify_sample(const char *rel, const struct maat_collateral_input *in,
                          const struct maat_trust *trust, time_t at, struct maat_verdict *v)
{
    size_t len;
    uint8_t *file = tu_read_vector(rel, &len);
    assert_non_null(file);
    struct maat_error err = {0};
    struct maat_evidence ev;
    if (maat_evidence_decode(file, len, &ev, &err) != 0) fail_msg("%s: %s", rel, err.msg);
    struct maat_quote q;
    if (maat_quote_parse(ev.quote, ev.quote_len, &q, &err) != 0) fail_msg("%s: %s", rel, err.msg);
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_verify(in, trust, at, &vc, &err) != 0) fail_msg("collateral: %s", err.msg);
    struct maat_verify_opts vo = {.at = at};
    assert_int_equal(maat_quote_verify(&q, vc, trust, &vo, v, &err), 0);
    maat_verified_collateral_free(vc);
    maat_evidence_cleanup(&ev);
    free(file);
}

static void assert_ids(char (*got)[MAAT_VERDICT_ADVISORY_LEN], size_t n, const char *const *want)
{
    size_t k = 0;
    while (want[k]) k++;
    assert_int_equal(n, k);
    for (size_t i = 0; i < n; i++) assert_string_equal(got[i], want[i]);
}

/* Defect: maat merged the QE identity level's advisories into advisory_ids; Intel reports
 * the TCB info level's only. The oe-sdk quotes' QE (ISVSVN 5) is OutOfDate with
 * INTEL-SA-00477 and INTEL-SA-00615. */
static void test_parity_advisory_ids_exclude_qe_advisories(void **state)
{
    (void)state;
    struct fixture f;
    if (!load_set_a(&f)) skip();
    struct maat_verdict v;
    verify_sample("azure-samples/oe-sdk/enclave.info.release.json", &f.in, f.trust, AZ_T, &v);
    assert_true(v.ok);
    assert_int_equal(v.status, MAAT_TCB_OUT_OF_DATE);
    assert_ids(v.advisory_ids, v.advisory_count,
               (const char *const[]){"INTEL-SA-00161", "INTEL-SA-00614", "INTEL-SA-00617",
                                     "INTEL-SA-00219", "INTEL-SA-00289", "INTEL-SA-00828",
                                     "INTEL-SA-01153", "INTEL-SA-00334", "INTEL-SA-00615", NULL});
    assert_ids(v.qe_advisory_ids, v.qe_advisory_count,
               (const char *const[]){"INTEL-SA-00477", "INTEL-SA-00615", NULL});
    /* QE UpToDate: no QE advisories */
    verify_sample("azure-samples/intel-sdk/enclave.info.release.json", &f.in, f.trust, AZ_T, &v);
    assert_true(v.ok);
    assert_int_equal(v.qe_advisory_count, 0);
    assert_int_equal(v.advisory_count, 6);
    unload_set_a(&f);
}

/* Kept: collateral whose issueDate lies after the verification time is refused (Intel
 * accepts it). One second before the TCB info's issueDate fails, at it passes. */
static void test_parity_collateral_issued_after_time_refused(void **state)
{
    (void)state;
    struct fixture f;
    if (!load_set_a(&f)) skip();
    struct maat_verdict v;
    verify_sample("azure-samples/intel-sdk/enclave.info.release.json", &f.in, f.trust,
                  TCB_ISSUE - 1, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_COLLATERAL_TIME);
    assert_int_equal(v.qvl_result, MAAT_QVL_COLLATERAL_EXPIRED);
    assert_non_null(strstr(v.reason, "TCB info is not yet valid: issued 2026-07-16T02:06:49Z"));
    verify_sample("azure-samples/intel-sdk/enclave.info.release.json", &f.in, f.trust, TCB_ISSUE, &v);
    assert_true(v.ok);
    unload_set_a(&f);
}

/* Kept: a PCK certificate whose notBefore lies after the verification time is refused at
 * step validity (Intel accepts it). */
static void test_parity_pck_not_yet_valid_refused(void **state)
{
    (void)state;
    struct fixture f;
    if (!load_set_a(&f)) skip();
    struct maat_verdict v;
    verify_sample("azure-samples/intel-sdk/enclave.info.release.json", &f.in, f.trust,
                  PCK_NOT_BEFORE - 1, &v);
    assert_false(v.ok);
    assert_int_equal(v.steps[MAAT_STEP_VALIDITY], MAAT_STEP_FAILED);
    assert_int_equal(v.failed_step, MAAT_STEP_VALIDITY);
    assert_non_null(strstr(v.reason, "\"Intel SGX PCK Certificate\" is not valid before"));
    verify_sample("azure-samples/intel-sdk/enclave.info.release.json", &f.in, f.trust,
                  PCK_NOT_BEFORE, &v);
    assert_int_equal(v.steps[MAAT_STEP_VALIDITY], MAAT_STEP_PASSED);
    unload_set_a(&f);
}

/* `text` with the first occurrence of `from` replaced by `to` (malloc'd). */
static char *replace_once(const char *text, size_t len, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    assert_non_null(p);
    size_t pre = (size_t)(p - text), fl = strlen(from), tl = strlen(to);
    char *out = malloc(len - fl + tl + 1);
    assert_non_null(out);
    memcpy(out, text, pre);
    memcpy(out + pre, to, tl);
    memcpy(out + pre + tl, p + fl, len - pre - fl);
    out[len - fl + tl] = '\0';
    return out;
}

/* Verifies set A with the TCB info (tcb = true) or QE identity PCS response replaced by
 * `json`. Returns maat_collateral_verify()'s result. */
static int verify_with(struct fixture *f, bool tcb, const char *json, struct maat_error *err)
{
    struct maat_collateral_input in = f->in;
    struct maat_view j = {(const uint8_t *)json, strlen(json)};
    struct maat_view none = {NULL, 0};
    if (tcb) {
        in.tcb_info_json = j;
        in.tcb_info_body = none;
        in.tcb_info_signature = none;
    } else {
        in.qe_identity_json = j;
        in.qe_identity_body = none;
        in.qe_identity_signature = none;
    }
    struct maat_verified_collateral *vc = NULL;
    int rc = maat_collateral_verify(&in, f->trust, AZ_T, &vc, err);
    maat_verified_collateral_free(vc);
    return rc;
}

/* Kept: TCB info and QE identity are verified over the exact bytes received. The PCS
 * bodies as served verify; the same documents re-serialised (a space after a colon, an
 * escaped letter) do not, although their compact form is the signed one. */
static void test_parity_reserialised_collateral_refused(void **state)
{
    (void)state;
    struct fixture f;
    if (!load_set_a(&f)) skip();
    static const struct {
        const char *file, *from, *to;
        bool tcb;
    } cases[] = {
        {SET_A "tcb_info.json", "\"id\":\"SGX\"", "\"id\": \"SGX\"", true},
        {SET_A "tcb_info.json", "\"id\":\"SGX\"", "\"id\":\"\\u0053GX\"", true},
        {SET_A "tcb_info.json", "\"version\":3,", "\"version\":3,\n  ", true},
        {SET_A "qe_identity.json", "\"id\":\"QE\"", "\"id\": \"QE\"", false},
        {SET_A "qe_identity.json", "\"id\":\"QE\"", "\"id\":\"Q\\u0045\"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *orig = (char *)tu_read_vector(cases[i].file, &len);
        assert_non_null(orig);
        struct maat_error err = {0};
        if (verify_with(&f, cases[i].tcb, orig, &err) != 0)
            fail_msg("%s as served: %s", cases[i].file, err.msg);
        char *re = replace_once(orig, len, cases[i].from, cases[i].to);
        assert_int_equal(verify_with(&f, cases[i].tcb, re, &err), -1);
        assert_int_equal(err.code, MAAT_ERR_CRYPTO);
        assert_non_null(strstr(err.msg, cases[i].tcb ? "TCB info" : "QE identity"));
        assert_non_null(strstr(err.msg, "signature"));
        free(re);
        free(orig);
    }
    unload_set_a(&f);
}

/* Never: a duplicate key, in the signed body or in the wrapper, is refused by the parser
 * before any signature is looked at. */
static void test_parity_duplicate_keys_refused(void **state)
{
    (void)state;
    struct fixture f;
    if (!load_set_a(&f)) skip();
    static const struct {
        const char *file, *from, *to;
        bool tcb;
    } cases[] = {
        {SET_A "tcb_info.json", "\"version\":3,", "\"version\":3,\"version\":3,", true},
        {SET_A "tcb_info.json", "\"tcbInfo\":{", "\"tcbInfo\":{\"id\":\"SGX\",", true},
        {SET_A "qe_identity.json", "\"version\":2,", "\"version\":2,\"version\":2,", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *orig = (char *)tu_read_vector(cases[i].file, &len);
        assert_non_null(orig);
        char *re = replace_once(orig, len, cases[i].from, cases[i].to);
        struct maat_error err = {0};
        assert_int_equal(verify_with(&f, cases[i].tcb, re, &err), -1);
        if (strstr(err.msg, "duplicate") == NULL) fail_msg("case %zu: %s", i, err.msg);
        free(re);
        free(orig);
    }
    unload_set_a(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parity_advisory_ids_exclude_qe_advisories),
        cmocka_unit_test(test_parity_collateral_issued_after_time_refused),
        cmocka_unit_test(test_parity_pck_not_yet_valid_refused),
        cmocka_unit_test(test_parity_reserialised_collateral_refused),
        cmocka_unit_test(test_parity_duplicate_keys_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
