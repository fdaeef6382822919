/* test_tdx_bugs.c - one test per known TDX verifier bug of ../shared/spec/tdx.md §12 that
 * concerns verification, each pinning that maat does NOT have it. Synthetic TCB info and
 * TD_QE identities are parsed (signatures are not checked by the parsers) and fed to the
 * pure TDX functions; pipeline cases verify the real dcap-qvl TD quote against its real,
 * verified collateral, then alter the parsed collateral in place (white box:
 * verify_internal.h) to reach the branch under test. Bug 8 (Azure paravisor
 * measurements) is documentation only: docs/verify.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/tdx.h"
#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

static const char sig[] = "62d181c4ba863213b825d1c0b66b92a3dbdb27b8ff7c7250cb2b2ab87a8f90d5"
                          "e5a1416914369d8f82c56cd3d875caa54ae4b917caf4af7a93dec52067cbfd7b";

/* ---- builders ---- */

static void comps(char *out, size_t n, const int v[3])
{
    /* 16 components: the first three given, the rest 0 */
    size_t k = (size_t)snprintf(out, n, "[");
    for (int i = 0; i < 16; i++)
        k += (size_t)snprintf(out + k, n - k, "%s{\"svn\":%d}", i ? "," : "", i < 3 ? v[i] : 0);
    snprintf(out + k, n - k, "]");
}

/* One tcbLevel: SGX components (first three), pcesvn, TDX components (first three). */
static void level(char *out, size_t n, const int sgx[3], int pcesvn, const int tdx[3],
                  const char *status, const char *date, const char *adv)
{
    char a[512], b[512];
    comps(a, sizeof a, sgx);
    comps(b, sizeof b, tdx);
    snprintf(out, n,
             "{\"tcb\":{\"sgxtcbcomponents\":%s,\"pcesvn\":%d,\"tdxtcbcomponents\":%s},"
             "\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"%s%s%s}",
             a, pcesvn, b, date, status, adv ? ",\"advisoryIDs\":[\"" : "", adv ? adv : "",
             adv ? "\"]" : "");
}

static const char zero96[] = "000000000000000000000000000000000000000000000000"
                             "000000000000000000000000000000000000000000000000";

/* A TDX TCB info v3 body (text) around `levels` and `modules` (JSON array text or NULL). */
static const char *tcb_info_text(const char *levels, const char *modules)
{
    static char body[16384];
    snprintf(
        body, sizeof body,
        "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2025-01-01T00:00:00Z\","
        "\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"fmspc\":\"B0C06F000000\",\"pceId\":\"0000\","
        "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
        "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
        "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"}%s%s,\"tcbLevels\":[%s]}",
        zero96, modules ? ",\"tdxModuleIdentities\":" : "", modules ? modules : "", levels);
    return body;
}

/* That body, parsed (fails the test if it does not parse). */
static void tcb_info(struct maat_tcb_info *ti, const char *levels, const char *modules)
{
    const char *body = tcb_info_text(levels, modules);
    struct maat_error err = {0};
    if (maat_tcb_info_parse_body(body, strlen(body), sig, 128, ti, &err) != 0)
        fail_msg("tcb info: %s", err.msg);
}

/* The parser's refusal of that body: its message (static). */
static const char *tcb_info_refused(const char *levels, const char *modules)
{
    static struct maat_error err;
    const char *body = tcb_info_text(levels, modules);
    struct maat_tcb_info ti;
    maat_error_clear(&err);
    assert_int_equal(maat_tcb_info_parse_body(body, strlen(body), sig, 128, &ti, &err), -1);
    return err.msg;
}

static void qe_identity(struct maat_enclave_identity *ei, const char *levels)
{
    char body[4096];
    snprintf(body, sizeof body,
             "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2025-01-01T00:00:00Z\","
             "\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"tcbEvaluationDataNumber\":17,"
             "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
             "\"attributes\":\"11000000000000000000000000000000\","
             "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
             "\"mrsigner\":\"DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5\","
             "\"isvprodid\":2,\"tcbLevels\":[%s]}",
             levels);
    struct maat_error err = {0};
    if (maat_enclave_identity_parse_body(body, strlen(body), sig, 128, ei, &err) != 0)
        fail_msg("qe identity: %s", err.msg);
}

#define QE_UTD \
    "{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}"
#define D1 "2024-03-13T00:00:00Z"
#define D0 "2018-01-04T00:00:00Z"

/* A TD report 1.5 in `buf` (648 bytes): TEE_TCB_SVN, attributes SEPT_VE_DISABLE only. */
static void td_report(struct maat_td_report *td, uint8_t buf[648], const uint8_t svn[3])
{
    memset(buf, 0, 648);
    memset(td, 0, sizeof *td);
    memcpy(buf, svn, 3);
    buf[120 + 3] = 0x10; /* SEPT_VE_DISABLE */
    td->raw = buf;
    td->size = 648;
    td->tee_tcb_svn = buf;
    td->mr_seam = buf + 16;
    td->mr_signer_seam = buf + 64;
    td->seam_attributes = buf + 112;
    td->td_attributes = buf + 120;
    td->xfam = buf + 128;
    td->mr_td = buf + 136;
    td->report_data = buf + 520;
    td->tee_tcb_svn2 = buf + 584;
    td->mr_servicetd = buf + 600;
}

static const uint8_t pck_comps[16] = {2, 2, 2};

/* ---- appraisal defaults (bugs 1-4) ---- */

static void test_tdx_bug01_debug_td_refused(void **state)
{
    (void)state;
    uint8_t buf[648];
    struct maat_td_report td;
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    char why[256];
    assert_int_equal(maat_tdx_appraise(&td, NULL, why, sizeof why), 0);
    buf[120] |= 0x01; /* DEBUG */
    assert_int_equal(maat_tdx_appraise(&td, NULL, why, sizeof why), -1);
    assert_non_null(strstr(why, "DEBUG (bit 0)"));
    assert_non_null(strstr(why, "allow_debug_td"));
    struct maat_tdx_opts o = {.allow_debug_td = true};
    assert_int_equal(maat_tdx_appraise(&td, &o, why, sizeof why), 0);
}

static void test_tdx_bug02_reserved_td_attributes_refused(void **state)
{
    (void)state;
    uint8_t buf[648];
    struct maat_td_report td;
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    char why[256];
    /* reserved: 7:1, 27:8, 29, 62:32; allowed: 28, 30 (PKS), 31 (KL), 63 (PERFMON) */
    const int reserved[] = {1, 4, 7, 8, 16, 27, 29, 32, 62};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        td_report(&td, buf, (const uint8_t[]){6, 1, 3});
        buf[120 + reserved[i] / 8] |= (uint8_t)(1u << (reserved[i] % 8));
        if (maat_tdx_appraise(&td, NULL, why, sizeof why) != -1)
            fail_msg("bit %d accepted", reserved[i]);
        assert_non_null(strstr(why, "reserved bits"));
        struct maat_tdx_opts o = {.allow_reserved_td_attributes = true};
        assert_int_equal(maat_tdx_appraise(&td, &o, why, sizeof why), 0);
    }
    const int allowed[] = {30, 31, 63};
    for (size_t i = 0; i < 3; i++) {
        td_report(&td, buf, (const uint8_t[]){6, 1, 3});
        buf[120 + allowed[i] / 8] |= (uint8_t)(1u << (allowed[i] % 8));
        if (maat_tdx_appraise(&td, NULL, why, sizeof why) != 0)
            fail_msg("bit %d refused: %s", allowed[i], why);
    }
}

static void test_tdx_bug03_sept_ve_disable_required(void **state)
{
    (void)state;
    uint8_t buf[648];
    struct maat_td_report td;
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    buf[123] = 0; /* SEPT_VE_DISABLE clear */
    char why[256];
    assert_int_equal(maat_tdx_appraise(&td, NULL, why, sizeof why), -1);
    assert_non_null(strstr(why, "SEPT_VE_DISABLE (bit 28) is not set"));
    struct maat_tdx_opts o = {.allow_sept_ve_enabled = true};
    assert_int_equal(maat_tdx_appraise(&td, &o, why, sizeof why), 0);
}

static void test_tdx_bug04_mrservicetd_nonzero_refused(void **state)
{
    (void)state;
    uint8_t buf[648];
    struct maat_td_report td;
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    buf[600 + 47] = 0x5a;
    char why[256];
    assert_int_equal(maat_tdx_appraise(&td, NULL, why, sizeof why), -1);
    assert_non_null(strstr(why, "MRSERVICETD"));
    struct maat_tdx_opts o = {.allow_service_td = true};
    assert_int_equal(maat_tdx_appraise(&td, &o, why, sizeof why), 0);
    /* a TD report 1.0 has no MRSERVICETD */
    td.mr_servicetd = NULL;
    td.tee_tcb_svn2 = NULL;
    assert_int_equal(maat_tdx_appraise(&td, NULL, why, sizeof why), 0);
}

/* ---- module identity (bugs 5, 16, 17) ---- */

#define MODULES(mrs, id)                                                                \
    "[{\"id\":\"" id "\",\"mrsigner\":\"" mrs "\",\"attributes\":\"0000000000000000\"," \
    "\"attributesMask\":\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":["                           \
    "{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"" D1 "\",\"tcbStatus\":\"UpToDate\"},"       \
    "{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"" D0 "\",\"tcbStatus\":\"OutOfDate\","       \
    "\"advisoryIDs\":[\"INTEL-SA-MOD\"]}]}]"
#define Z96                                                                                        \
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" \
    "0000"
#define A96                                                                                        \
    "AA000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" \
    "0000"

static void std_levels(char *out, size_t n)
{
    char l1[2048];
    level(l1, sizeof l1, (const int[]){2, 2, 2}, 11, (const int[]){5, 0, 2}, "UpToDate", D1, NULL);
    snprintf(out, n, "%s", l1);
}

/* An evaluation's collateral: TCB info with the levels l1 (and l2 when not NULL) and the
 * TDX_01 module identity, and an UpToDate TD_QE identity. */
struct env {
    struct maat_tcb_info ti;
    struct maat_enclave_identity qe;
};

static void env_open(struct env *v, const char *l1, const char *l2)
{
    char all[8192];
    snprintf(all, sizeof all, "%s%s%s", l1, l2 ? "," : "", l2 ? l2 : "");
    tcb_info(&v->ti, all, MODULES(Z96, "TDX_01"));
    qe_identity(&v->qe, QE_UTD);
}

static void env_close(struct env *v)
{
    maat_tcb_info_cleanup(&v->ti);
    maat_enclave_identity_cleanup(&v->qe);
}

/* Evaluates TEE_TCB_SVN (first three bytes given) for the PCK's components and PCESVN. */
static void eval(const struct env *v, const uint8_t pck[16], int pcesvn, const uint8_t svn3[3],
                 struct maat_tdx_tcb_eval *e)
{
    uint8_t svn[16] = {0};
    memcpy(svn, svn3, 3);
    assert_int_equal(maat_tdx_evaluate_tcb(&v->ti, &v->qe, pck, (uint16_t)pcesvn, 4, svn, e), 0);
}

static void test_tdx_bug05_module_identity_checked(void **state)
{
    (void)state;
    char lv[4096];
    std_levels(lv, sizeof lv);
    struct env v;
    env_open(&v, lv, NULL);
    struct maat_tcb_info *ti = &v.ti;
    uint8_t buf[648];
    struct maat_td_report td;
    char used[16], why[512];
    /* known module, matching MRSIGNERSEAM: passes, with the identity named */
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    assert_int_equal(maat_tdx_module_check(ti, &td, 4, used, why, sizeof why), 0);
    assert_string_equal(used, "TDX_01");
    /* unknown TDX_nn: module mismatch, and TCB not supported in the evaluation */
    td_report(&td, buf, (const uint8_t[]){6, 2, 3});
    assert_int_equal(maat_tdx_module_check(ti, &td, 4, used, why, sizeof why), -1);
    assert_non_null(strstr(why, "TDX_02"));
    struct maat_tdx_tcb_eval e;
    eval(&v, pck_comps, 11, td.tee_tcb_svn, &e);
    assert_false(e.supported);
    /* wrong MRSIGNERSEAM */
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    buf[64] = 0x01;
    assert_int_equal(maat_tdx_module_check(ti, &td, 4, used, why, sizeof why), -1);
    assert_non_null(strstr(why, "MRSIGNERSEAM"));
    /* module SVN below every level of TDX_01: not supported */
    td_report(&td, buf, (const uint8_t[]){1, 1, 3});
    eval(&v, pck_comps, 11, td.tee_tcb_svn, &e);
    assert_false(e.supported);
    assert_non_null(strstr(e.reason, "below every level of TDX_01"));
    /* module SVN 3: level isvsvn 2, OutOfDate, with its advisory */
    td_report(&td, buf, (const uint8_t[]){3, 1, 3});
    eval(&v, pck_comps, 11, td.tee_tcb_svn, &e);
    assert_true(e.supported);
    assert_int_equal(e.module_status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(e.status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(e.module_level->isvsvn, 2);
    env_close(&v);
}

static void test_tdx_bug16_module_identity_id_uppercase_hex(void **state)
{
    (void)state;
    char lv[4096];
    std_levels(lv, sizeof lv);
    struct maat_tcb_info ti;
    /* the identity for major version 0x0A, written in lower case in the collateral, with
     * an MRSIGNER different from the base tdxModule's */
    tcb_info(&ti, lv, MODULES(A96, "tdx_0a"));
    uint8_t buf[648];
    struct maat_td_report td;
    char used[16], why[512];
    td_report(&td, buf, (const uint8_t[]){6, 0x0a, 3});
    assert_non_null(maat_tdx_module_identity_find(&ti, 0x0a));
    assert_null(maat_tdx_module_identity_find(&ti, 0x10)); /* decimal 10 is not 0x0A */
    /* MRSIGNERSEAM 0 = base tdxModule's but not TDX_0A's: the identity entry is used */
    assert_int_equal(maat_tdx_module_check(&ti, &td, 4, used, why, sizeof why), -1);
    assert_non_null(strstr(why, "TDX_0A"));
    buf[64] = 0xaa;
    assert_int_equal(maat_tdx_module_check(&ti, &td, 4, used, why, sizeof why), 0);
    assert_string_equal(used, "TDX_0A");
    /* major version 0: the base tdxModule */
    td_report(&td, buf, (const uint8_t[]){6, 0, 3});
    assert_int_equal(maat_tdx_module_check(&ti, &td, 4, used, why, sizeof why), 0);
    assert_string_equal(used, "tdxModule");
    maat_tcb_info_cleanup(&ti);
}

static void test_tdx_bug17_seamattributes_must_be_zero(void **state)
{
    (void)state;
    char lv[4096];
    std_levels(lv, sizeof lv);
    struct maat_tcb_info ti;
    tcb_info(&ti, lv, MODULES(Z96, "TDX_01"));
    uint8_t buf[648];
    struct maat_td_report td;
    char used[16], why[512];
    td_report(&td, buf, (const uint8_t[]){6, 1, 3});
    buf[112 + 7] = 0x80;
    /* attributesMask all ones would mask nothing anyway; set it to zero: a masking
     * verifier would accept, Intel (and maat) do not */
    memset(ti.tdx_module_identities[0].attributes_mask, 0, 8);
    memset(ti.tdx_module.attributes_mask, 0, 8);
    assert_int_equal(maat_tdx_module_check(&ti, &td, 4, used, why, sizeof why), -1);
    assert_non_null(strstr(why, "SEAMATTRIBUTES"));
    /* also when the module version is 0 (base tdxModule) */
    td_report(&td, buf, (const uint8_t[]){6, 0, 3});
    buf[112] = 0x01;
    assert_int_equal(maat_tdx_module_check(&ti, &td, 4, used, why, sizeof why), -1);
    maat_tcb_info_cleanup(&ti);
}

/* ---- level matching (bugs 6, 10, 12, 14) ---- */

static void test_tdx_bug06_tee_tcb_svn_bytes_0_1_skipped(void **state)
{
    (void)state;
    char l1[2048];
    /* the level wants TDX module SVN 9 in byte 0: judged by the module identity only */
    level(l1, sizeof l1, (const int[]){2, 2, 2}, 11, (const int[]){9, 9, 2}, "UpToDate", D1, NULL);
    struct env v;
    env_open(&v, l1, NULL);
    struct maat_tdx_tcb_eval e;
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 3}, &e);
    if (!e.supported) fail_msg("%s", e.reason);
    assert_int_equal(e.status, MAAT_TCB_UP_TO_DATE);
    /* byte 2 is still compared */
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 1}, &e);
    assert_false(e.supported);
    /* module version 0: all 16 bytes are compared, byte 0 = 6 < 9 */
    const uint8_t v0[16] = {6, 0, 3};
    assert_null(maat_tdx_match_platform(&v.ti, pck_comps, 11, v0, NULL));
    env_close(&v);
}

static void test_tdx_bug10_revocation_from_tdx_matching_level(void **state)
{
    (void)state;
    char l1[2048], l2[2048];
    /* SGX components match both levels; only the second matches TEE_TCB_SVN[2] = 3.
     * The first (Revoked) must not decide the TDX verdict. */
    level(l1, sizeof l1, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 9}, "Revoked", D1,
          "INTEL-SA-REV");
    level(l2, sizeof l2, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 2}, "UpToDate", D1, NULL);
    struct env v;
    env_open(&v, l1, l2);
    struct maat_tdx_tcb_eval e;
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 3}, &e);
    assert_true(e.supported);
    assert_int_equal(e.platform_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(e.status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(e.platform_level->advisory_id_count, 0);
    env_close(&v);
}

static void test_tdx_bug12_levels_sorted_duplicates_refused(void **state)
{
    (void)state;
    char lo[2048], hi[2048];
    level(lo, sizeof lo, (const int[]){2, 2, 2}, 5, (const int[]){0, 0, 2}, "OutOfDate", D0,
          "INTEL-SA-OLD");
    level(hi, sizeof hi, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 2}, "UpToDate", D1, NULL);
    /* worst level first: a verifier taking document order answers OutOfDate */
    struct env v;
    env_open(&v, lo, hi);
    struct maat_tdx_tcb_eval e;
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 3}, &e);
    assert_true(e.supported);
    assert_int_equal(e.platform_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(e.platform_level->pcesvn, 11);
    /* same SGX/TDX components, lower pcesvn: still the lower level */
    eval(&v, pck_comps, 7, (const uint8_t[]){6, 1, 3}, &e);
    assert_int_equal(e.platform_status, MAAT_TCB_OUT_OF_DATE);
    env_close(&v);
    /* two levels with equal sort keys are refused (QVL: duplicated TCB levels) */
    char dup[4096];
    snprintf(dup, sizeof dup, "%s,%s", hi, hi);
    const char *msg = tcb_info_refused(dup, NULL);
    assert_non_null(strstr(msg, "tcbInfo.tcbLevels[1]"));
    assert_non_null(strstr(msg, "duplicated TCB level"));
    /* module identity levels with equal isvsvn are refused too */
    msg = tcb_info_refused(
        hi, "[{\"id\":\"TDX_01\",\"mrsigner\":\"" Z96 "\",\"attributes\":"
            "\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\","
            "\"tcbLevels\":["
            "{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"" D1 "\",\"tcbStatus\":\"UpToDate\"},"
            "{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"" D0 "\",\"tcbStatus\":\"OutOfDate\"}]}]");
    if (strstr(msg, "duplicated module TCB level") == NULL) fail_msg("%s", msg);
}

static void test_tdx_bug14_levels_matched_not_strings(void **state)
{
    (void)state;
    char l1[2048], l2[2048];
    /* the UpToDate level needs TEE_TCB_SVN[2] >= 5; the platform has 3: OutOfDate level */
    level(l1, sizeof l1, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 5}, "UpToDate", D1, NULL);
    level(l2, sizeof l2, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 2}, "OutOfDate", D0,
          "INTEL-SA-X");
    struct env v;
    env_open(&v, l1, l2);
    struct maat_tdx_tcb_eval e;
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 3}, &e);
    assert_int_equal(e.platform_status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(e.status, MAAT_TCB_OUT_OF_DATE);
    assert_string_equal(e.platform_level->advisory_ids[0], "INTEL-SA-X");
    /* SGX component below both levels: not supported (not a status) */
    const uint8_t low[16] = {2, 1, 2};
    eval(&v, low, 11, (const uint8_t[]){6, 1, 3}, &e);
    assert_false(e.supported);
    env_close(&v);
}

/* ---- statuses (bugs 7, 11, 15) ---- */

static void test_tdx_bug07_relaunch_statuses(void **state)
{
    (void)state;
    const enum maat_tcb_status U = MAAT_TCB_UP_TO_DATE, O = MAAT_TCB_OUT_OF_DATE,
                               OC = MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
                               C = MAAT_TCB_CONFIGURATION_NEEDED, S = MAAT_TCB_SW_HARDENING_NEEDED,
                               R = MAAT_TCB_REVOKED;
    assert_int_equal(maat_tdx_relaunch_status(O, U), MAAT_TCB_TD_RELAUNCH_ADVISED);
    assert_int_equal(maat_tdx_relaunch_status(O, S), MAAT_TCB_TD_RELAUNCH_ADVISED);
    assert_int_equal(maat_tdx_relaunch_status(O, C),
                     MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
    assert_int_equal(maat_tdx_relaunch_status(OC, U),
                     MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
    assert_int_equal(maat_tdx_relaunch_status(O, O), O); /* current not better: launch */
    assert_int_equal(maat_tdx_relaunch_status(O, R), O);
    assert_int_equal(maat_tdx_relaunch_status(U, U), U); /* nothing to relaunch for */
    assert_int_equal(maat_tdx_relaunch_status(R, U), R); /* Revoked stays Revoked */
    assert_string_equal(maat_tcb_status_name(MAAT_TCB_TD_RELAUNCH_ADVISED), "TDRelaunchAdvised");
    assert_string_equal(maat_tcb_status_name(MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED),
                        "TDRelaunchAdvisedConfigurationNeeded");
    /* end to end over the evaluation: launch with module SVN 3 (OutOfDate level), current
     * TEE_TCB_SVN_2 with module SVN 6 (UpToDate) */
    char lv[4096];
    std_levels(lv, sizeof lv);
    struct env v;
    env_open(&v, lv, NULL);
    struct maat_tdx_tcb_eval launch, current;
    eval(&v, pck_comps, 11, (const uint8_t[]){3, 1, 3}, &launch);
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 3}, &current);
    assert_int_equal(launch.status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(current.status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(maat_tdx_relaunch_status(launch.status, current.status),
                     MAAT_TCB_TD_RELAUNCH_ADVISED);
    /* relaunch statuses never come from collateral */
    enum maat_tcb_status st;
    assert_int_equal(maat_tcb_status_from_name("TDRelaunchAdvised", 17, &st), 0);
    char bad[2048];
    level(bad, sizeof bad, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 2}, "TDRelaunchAdvised",
          D1, NULL);
    assert_non_null(strstr(tcb_info_refused(bad, NULL), "tcbStatus"));
    env_close(&v);
}

static void test_tdx_bug15_module_status_converged_with_platform(void **state)
{
    (void)state;
    char l1[2048];
    /* platform OutOfDate with an advisory; module TDX_01 UpToDate (SVN 6 >= 4) */
    level(l1, sizeof l1, (const int[]){2, 2, 2}, 11, (const int[]){0, 0, 2}, "OutOfDate", D1,
          "INTEL-SA-PLAT");
    struct env v;
    env_open(&v, l1, NULL);
    struct maat_tdx_tcb_eval e;
    eval(&v, pck_comps, 11, (const uint8_t[]){6, 1, 3}, &e);
    assert_true(e.has_module_status);
    assert_int_equal(e.module_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(e.platform_status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(e.status, MAAT_TCB_OUT_OF_DATE); /* not the module's UpToDate */
    assert_string_equal(e.platform_level->advisory_ids[0], "INTEL-SA-PLAT");
    /* the convergence table */
    const enum maat_tcb_status U = MAAT_TCB_UP_TO_DATE, O = MAAT_TCB_OUT_OF_DATE,
                               R = MAAT_TCB_REVOKED, C = MAAT_TCB_CONFIGURATION_NEEDED,
                               S = MAAT_TCB_SW_HARDENING_NEEDED;
    assert_int_equal(maat_tdx_converge(U, true, O, true, U), O);
    assert_int_equal(maat_tdx_converge(S, false, U, true, O), O);
    assert_int_equal(maat_tdx_converge(C, true, O, true, U),
                     MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
    assert_int_equal(
        maat_tdx_converge(MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, true, U, true, O),
        MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
    assert_int_equal(maat_tdx_converge(U, true, R, true, U), R);
    assert_int_equal(maat_tdx_converge(C, true, U, true, R), R);
    assert_int_equal(maat_tdx_converge(U, true, U, true, C), U); /* QE CN: no effect (QVL26) */
    assert_int_equal(maat_tdx_converge(C, true, U, true, U), C);
    env_close(&v);
}

/* ---- pipeline cases on the real TD quote (bugs 9 v2, 11, 13, and 5/15 end to end) ---- */

struct real {
    uint8_t *qb, *bb;
    size_t ql, bl;
    struct maat_quote q;
    struct maat_collateral_bundle b;
    struct maat_collateral_input in;
    struct maat_trust *trust;
    struct maat_verified_collateral *vc;
};

#define AT 1752919234

static int real_load(struct real *r)
{
    memset(r, 0, sizeof *r);
    r->qb = tu_read_vector("dcap-qvl/tdx_quote", &r->ql);
    r->bb = tu_read_vector("dcap-qvl/tdx_quote_collateral.json", &r->bl);
    if (!r->qb || !r->bb) return -1;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(r->qb, r->ql, &r->q, &err), 0);
    assert_int_equal(maat_collateral_bundle_parse(r->bb, r->bl, &r->b, &err), 0);
    maat_collateral_input_from_bundle(&r->b, &r->in);
    r->trust = maat_trust_new_intel(&err);
    if (maat_collateral_verify(&r->in, r->trust, AT, &r->vc, &err) != 0) fail_msg("%s", err.msg);
    return 0;
}

static void real_free(struct real *r)
{
    maat_verified_collateral_free(r->vc);
    maat_collateral_bundle_cleanup(&r->b);
    maat_trust_free(r->trust);
    free(r->qb);
    free(r->bb);
}

static void real_verify(struct real *r, struct maat_verdict *v, struct maat_tdx_verdict *tv)
{
    struct maat_error err = {0};
    struct maat_verify_opts opts = {.at = AT};
    assert_int_equal(maat_tdx_quote_verify(&r->q, r->vc, r->trust, &opts, NULL, v, tv, &err), 0);
}

/* The platform level this quote matches: the UpToDate one (pcesvn 11), first once sorted. */
static struct maat_tcb_level *matched_level(struct real *r)
{
    struct maat_tcb_level *l = &r->vc->tcb_info.levels[0];
    assert_int_equal(l->pcesvn, 11);
    return l;
}

static void test_tdx_bug11_revoked_is_a_failure(void **state)
{
    (void)state;
    struct real r;
    if (real_load(&r) != 0) {
        real_free(&r);
        skip();
    }
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    real_verify(&r, &v, &tv);
    assert_true(v.ok);
    matched_level(&r)->status = MAAT_TCB_REVOKED;
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.status, MAAT_TCB_REVOKED);
    assert_int_equal(v.qvl_result, MAAT_QVL_REVOKED);
    assert_int_equal(v.failed_step, MAAT_STEP_STATUS);
    assert_int_equal(tv.platform_status, MAAT_TCB_REVOKED);
    /* a Revoked module level as well (platform back to UpToDate) */
    matched_level(&r)->status = MAAT_TCB_UP_TO_DATE;
    struct maat_tdx_module_identity *m = (struct maat_tdx_module_identity *)
        maat_tdx_module_identity_find(&r.vc->tcb_info, 1);
    assert_non_null(m);
    m->levels[0].status = MAAT_TCB_REVOKED;
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.status, MAAT_TCB_REVOKED);
    assert_int_equal(tv.module_status, MAAT_TCB_REVOKED);
    assert_int_equal(tv.platform_status, MAAT_TCB_UP_TO_DATE);
    /* module OutOfDate: converged OutOfDate, a status (not a failure) */
    m->levels[0].status = MAAT_TCB_OUT_OF_DATE;
    real_verify(&r, &v, &tv);
    assert_true(v.ok);
    assert_int_equal(v.status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(v.qvl_result, MAAT_QVL_OUT_OF_DATE);
    assert_int_equal(tv.platform_status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(tv.module_status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(tv.qe_status, MAAT_TCB_UP_TO_DATE);
    real_free(&r);
}

static void test_tdx_bug13_pce_id_compared(void **state)
{
    (void)state;
    struct real r;
    if (real_load(&r) != 0) {
        real_free(&r);
        skip();
    }
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    r.vc->tcb_info.pce_id[1] ^= 0x01;
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_non_null(strstr(v.reason, "PCE-ID"));
    real_free(&r);
}

static void test_tdx_bug09_tcb_info_v2_and_qe_identity_refused(void **state)
{
    (void)state;
    struct real r;
    if (real_load(&r) != 0) {
        real_free(&r);
        skip();
    }
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    r.vc->tcb_info.version = 2;
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_non_null(strstr(v.reason, "needs TDX TCB info version 3"));
    r.vc->tcb_info.version = 3;
    r.vc->qe_identity.id = MAAT_ENCLAVE_ID_QE; /* the SGX QE's identity */
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_QE_IDENTITY);
    r.vc->qe_identity.id = MAAT_ENCLAVE_ID_TD_QE;
    r.vc->qe_identity.version = 1;
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_QE_IDENTITY);
    real_free(&r);
}

static void test_tdx_bug05_module_mismatch_in_pipeline(void **state)
{
    (void)state;
    struct real r;
    if (real_load(&r) != 0) {
        real_free(&r);
        skip();
    }
    struct maat_verdict v;
    struct maat_tdx_verdict tv;
    struct maat_tdx_module_identity *m = (struct maat_tdx_module_identity *)
        maat_tdx_module_identity_find(&r.vc->tcb_info, 1);
    m->mrsigner[0] ^= 0x01; /* the TDX_01 signer no longer matches MRSIGNERSEAM */
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
    assert_int_equal(tv.module_step, MAAT_STEP_FAILED);
    assert_non_null(strstr(v.reason, "TDX module mismatch: MRSIGNERSEAM"));
    m->mrsigner[0] ^= 0x01;
    free(m->id);
    m->id = strdup("TDX_07"); /* no TDX_01 identity any more */
    real_verify(&r, &v, &tv);
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "needs module identity TDX_01"));
    real_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdx_bug01_debug_td_refused),
        cmocka_unit_test(test_tdx_bug02_reserved_td_attributes_refused),
        cmocka_unit_test(test_tdx_bug03_sept_ve_disable_required),
        cmocka_unit_test(test_tdx_bug04_mrservicetd_nonzero_refused),
        cmocka_unit_test(test_tdx_bug05_module_identity_checked),
        cmocka_unit_test(test_tdx_bug05_module_mismatch_in_pipeline),
        cmocka_unit_test(test_tdx_bug06_tee_tcb_svn_bytes_0_1_skipped),
        cmocka_unit_test(test_tdx_bug07_relaunch_statuses),
        cmocka_unit_test(test_tdx_bug09_tcb_info_v2_and_qe_identity_refused),
        cmocka_unit_test(test_tdx_bug10_revocation_from_tdx_matching_level),
        cmocka_unit_test(test_tdx_bug11_revoked_is_a_failure),
        cmocka_unit_test(test_tdx_bug12_levels_sorted_duplicates_refused),
        cmocka_unit_test(test_tdx_bug13_pce_id_compared),
        cmocka_unit_test(test_tdx_bug14_levels_matched_not_strings),
        cmocka_unit_test(test_tdx_bug15_module_status_converged_with_platform),
        cmocka_unit_test(test_tdx_bug16_module_identity_id_uppercase_hex),
        cmocka_unit_test(test_tdx_bug17_seamattributes_must_be_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
