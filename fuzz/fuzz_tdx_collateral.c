/*
 * fuzz_tdx_collateral.c - libFuzzer harness for the TDX collateral parsers (TDX TCB info
 * v3 with tdxModule / tdxModuleIdentities / tdxtcbcomponents, TD_QE identity) and the
 * TDX evaluation over what they accept. Checks: TDX levels come out in QVL's order with
 * no duplicates, module identity levels strictly descending, and every evaluation result
 * points into the parsed lists with a known status. The input is tried as a TCB info
 * (wrapped and bare) evaluated against a fixed TD_QE identity, and as a TD_QE identity
 * evaluated against a fixed TDX TCB info; SVNs come from the input's first bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/tdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sig_hex[] = "62d181c4ba863213b825d1c0b66b92a3dbdb27b8ff7c7250cb2b2ab87a8f90d5"
                              "e5a1416914369d8f82c56cd3d875caa54ae4b917caf4af7a93dec52067cbfd7b";

static const char fixed_qe[] =
    "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2025-01-01T00:00:00Z\","
    "\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"tcbEvaluationDataNumber\":17,"
    "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
    "\"attributes\":\"11000000000000000000000000000000\","
    "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
    "\"mrsigner\":\"DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5\","
    "\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-03-13T00:00:00Z\","
    "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2023-01-01T00:00:00Z\","
    "\"tcbStatus\":\"OutOfDate\"}]}";

#define C16(a, b, c)                                                                           \
    "[{\"svn\":" #a "},{\"svn\":" #b "},{\"svn\":" #c "},{\"svn\":0},{\"svn\":0},{\"svn\":0}," \
    "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"     \
    "{\"svn\":0},{\"svn\":0},{\"svn\":0}]"
#define Z96                                                                                        \
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" \
    "0000"

static const char fixed_tcb[] =
    "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2025-01-01T00:00:00Z\","
    "\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"fmspc\":\"B0C06F000000\",\"pceId\":\"0000\","
    "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"" Z96 "\","
    "\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
    "\"tdxModuleIdentities\":[{\"id\":\"TDX_01\",\"mrsigner\":\"" Z96 "\",\"attributes\":"
    "\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":["
    "{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"},"
    "{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2023-01-01T00:00:00Z\",\"tcbStatus\":\"OutOfDate\"}]}],"
    "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":" C16(
        2, 2, 2) ",\"pcesvn\":11,"
                 "\"tdxtcbcomponents\":" C16(
                     5, 0, 2) "},\"tcbDate\":\"2024-03-13T00:00:00Z\","
                              "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"sgxtcbcomponents\":" C16(
                                  2, 2, 2) ",\"pcesvn\":5,"
                                           "\"tdxtcbcomponents\":" C16(
                                               5, 0, 2) "},\"tcbDate\":\"2018-01-04T00:00:00Z\","
                                                        "\"tcbStatus\":\"OutOfDate\","
                                                        "\"advisoryIDs\":[\"INTEL-SA-00106\"]}]}";

static int level_cmp(const struct maat_tcb_level *a, const struct maat_tcb_level *b)
{
    for (int i = 0; i < 16; i++)
        if (a->sgx_components[i].svn != b->sgx_components[i].svn)
            return a->sgx_components[i].svn > b->sgx_components[i].svn ? -1 : 1;
    if (a->pcesvn != b->pcesvn) return a->pcesvn > b->pcesvn ? -1 : 1;
    for (int i = 0; i < 16; i++)
        if (a->tdx_components[i].svn != b->tdx_components[i].svn)
            return a->tdx_components[i].svn > b->tdx_components[i].svn ? -1 : 1;
    return 0;
}

static void check_tdx_order(const struct maat_tcb_info *ti)
{
    if (ti->id != MAAT_TCB_ID_TDX) return;
    if (!ti->has_tdx_module) abort();
    for (size_t i = 0; i + 1 < ti->level_count; i++)
        if (level_cmp(&ti->levels[i], &ti->levels[i + 1]) >= 0) abort();
    for (size_t m = 0; m < ti->tdx_module_identity_count; m++) {
        const struct maat_tdx_module_identity *mi = &ti->tdx_module_identities[m];
        if (mi->id == NULL || mi->level_count == 0) abort();
        for (size_t i = 0; i + 1 < mi->level_count; i++)
            if (mi->levels[i].isvsvn <= mi->levels[i + 1].isvsvn) abort();
    }
}

static void evaluate(const struct maat_tcb_info *ti, const struct maat_enclave_identity *qe,
                     const uint8_t *data, size_t size)
{
    uint8_t pck[16] = {0}, svn[16] = {0}, report[648] = {0};
    for (size_t i = 0; i < 16; i++) {
        pck[i] = size > i ? data[i] : 2;
        svn[i] = size > 16 + i ? data[16 + i] : 0;
    }
    uint16_t pcesvn = size > 33 ? (uint16_t)(data[32] | data[33] << 8) : 11;
    uint16_t qesvn = size > 34 ? data[34] : 4;
    struct maat_tdx_tcb_eval e;
    if (maat_tdx_evaluate_tcb(ti, qe, pck, pcesvn, qesvn, svn, &e) != 0) abort();
    if (e.supported) {
        if (e.platform_level == NULL || e.platform_index >= ti->level_count ||
            e.platform_level != &ti->levels[e.platform_index] || e.qe_level == NULL)
            abort();
        if (e.status >= MAAT_TCB_STATUS__COUNT) abort();
        if (e.has_module_status && (e.module_identity == NULL || e.module_level == NULL)) abort();
        if (maat_tdx_relaunch_status(e.status, e.status) != e.status) abort();
    } else if (e.reason[0] == '\0') {
        abort();
    }
    /* the module check over a TD report made from the same bytes */
    memcpy(report, svn, 16);
    for (size_t i = 0; i < 56 && 35 + i < size; i++) report[64 + i] = data[35 + i];
    struct maat_td_report td = {.raw = report,
                                .size = 648,
                                .tee_tcb_svn = report,
                                .mr_signer_seam = report + 64,
                                .seam_attributes = report + 112,
                                .td_attributes = report + 120,
                                .mr_servicetd = report + 600};
    char used[16], why[512];
    if (maat_tdx_module_check(ti, &td, 4, used, why, sizeof why) != 0 && why[0] == '\0') abort();
    if (maat_tdx_appraise(&td, NULL, why, sizeof why) != 0 && why[0] == '\0') abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct maat_tcb_info tcb0;
    static struct maat_enclave_identity qe0;
    static int ready;
    struct maat_error err;
    if (!ready) {
        maat_error_clear(&err);
        if (maat_tcb_info_parse_body(fixed_tcb, strlen(fixed_tcb), sig_hex, 128, &tcb0, &err) != 0)
            abort();
        maat_error_clear(&err);
        if (maat_enclave_identity_parse_body(fixed_qe, strlen(fixed_qe), sig_hex, 128, &qe0, &err) !=
            0)
            abort();
        ready = 1;
    }
    uint8_t *buf = malloc(size ? size : 1); /* exact-size copy: ASan sees over-reads */
    if (buf == NULL) return 0;
    if (size) memcpy(buf, data, size);

    struct maat_tcb_info ti;
    maat_error_clear(&err);
    if (maat_tcb_info_parse(buf, size, &ti, &err) == 0) {
        check_tdx_order(&ti);
        if (ti.id == MAAT_TCB_ID_TDX && ti.version >= 3) evaluate(&ti, &qe0, buf, size);
    } else if (err.code == MAAT_OK) {
        abort();
    }
    maat_tcb_info_cleanup(&ti);

    maat_error_clear(&err);
    if (maat_tcb_info_parse_body(buf, size, sig_hex, 128, &ti, &err) == 0) {
        check_tdx_order(&ti);
        if (ti.id == MAAT_TCB_ID_TDX && ti.version >= 3) evaluate(&ti, &qe0, buf, size);
    }
    maat_tcb_info_cleanup(&ti);

    struct maat_enclave_identity ei;
    maat_error_clear(&err);
    if (maat_enclave_identity_parse(buf, size, &ei, &err) == 0) {
        if (ei.level_count == 0) abort();
        evaluate(&tcb0, &ei, buf, size);
    } else if (err.code == MAAT_OK) {
        abort();
    }
    maat_enclave_identity_cleanup(&ei);

    maat_error_clear(&err);
    if (maat_enclave_identity_parse_body(buf, size, sig_hex, 128, &ei, &err) == 0)
        evaluate(&tcb0, &ei, buf, size);
    maat_enclave_identity_cleanup(&ei);
    free(buf);
    return 0;
}
