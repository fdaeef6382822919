/*
 * fuzz_collateral.c - libFuzzer harness for the collateral parsers: TCB info, enclave
 * identity (wrapped and bare bodies), the collateral bundle, and the JSON span scanner
 * with its path/offset lookups. Checks that accepted results are self-consistent: the
 * signed span lies inside the input, and matching returns a level of the parsed list.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lib/json_span.h"
#include "maat/collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sig_hex[] = "62d181c4ba863213b825d1c0b66b92a3dbdb27b8ff7c7250cb2b2ab87a8f90d5"
                              "e5a1416914369d8f82c56cd3d875caa54ae4b917caf4af7a93dec52067cbfd7b";

static void check_view(struct maat_view v, const uint8_t *data, size_t size)
{
    if (v.ptr < data || v.len > size || (size_t)(v.ptr - data) > size - v.len) abort();
}

static void exercise_tcb(const struct maat_tcb_info *ti, const uint8_t *data, size_t size)
{
    check_view(ti->signed_body, data, size);
    if (ti->level_count == 0) abort();
    uint8_t comps[16];
    for (int i = 0; i < 16; i++) comps[i] = size > (size_t)i ? data[i] : 0;
    size_t idx;
    const struct maat_tcb_level *lv = maat_tcb_info_match_sgx(ti, comps, (uint16_t)size, &idx);
    if (lv != NULL && (idx >= ti->level_count || lv != &ti->levels[idx])) abort();
    if (lv != NULL && maat_tcb_status_name(lv->status)[0] == 'u') abort(); /* "unknown" */
}

static void exercise_ei(const struct maat_enclave_identity *ei, const uint8_t *data, size_t size)
{
    check_view(ei->signed_body, data, size);
    size_t idx;
    const struct maat_enclave_tcb_level *lv = maat_enclave_identity_match(ei, (uint16_t)size, &idx);
    if (lv != NULL && (idx >= ei->level_count || lv != &ei->levels[idx])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so ASan sees any over-read */
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) return 0;
    if (size) memcpy(buf, data, size);
    struct maat_error err;

    struct maat_tcb_info ti;
    maat_error_clear(&err);
    if (maat_tcb_info_parse(buf, size, &ti, &err) == 0)
        exercise_tcb(&ti, buf, size);
    else if (err.code == MAAT_OK)
        abort();
    maat_tcb_info_cleanup(&ti);

    maat_error_clear(&err);
    if (maat_tcb_info_parse_body(buf, size, sig_hex, strlen(sig_hex), &ti, &err) == 0)
        exercise_tcb(&ti, buf, size);
    maat_tcb_info_cleanup(&ti);

    struct maat_enclave_identity ei;
    maat_error_clear(&err);
    if (maat_enclave_identity_parse(buf, size, &ei, &err) == 0)
        exercise_ei(&ei, buf, size);
    else if (err.code == MAAT_OK)
        abort();
    maat_enclave_identity_cleanup(&ei);

    maat_error_clear(&err);
    if (maat_enclave_identity_parse_body(buf, size, sig_hex, strlen(sig_hex), &ei, &err) == 0)
        exercise_ei(&ei, buf, size);
    maat_enclave_identity_cleanup(&ei);

    struct maat_collateral_bundle b;
    maat_error_clear(&err);
    if (maat_collateral_bundle_parse(buf, size, &b, &err) == 0) {
        check_view(b.tcb_info.signed_body, (const uint8_t *)b.tcb_info_text, b.tcb_info_text_len);
        check_view(b.qe_identity.signed_body, (const uint8_t *)b.qe_identity_text,
                   b.qe_identity_text_len);
    }
    maat_collateral_bundle_cleanup(&b);

    /* the scanner on its own, and the path/offset lookups at a data-chosen offset */
    bool found;
    struct maat_json_span span;
    maat_error_clear(&err);
    if (maat__json_scan_object((const char *)buf, size, "tcbInfo", &found, &span, "fuzz", &err) == 0 &&
        found && (span.start > span.end || span.end > size))
        abort();
    char path[MAAT_JSON_PATH_MAX];
    size_t probe = size ? (size_t)buf[0] * 7 % (size + 1) : 0;
    maat__json_path_at((const char *)buf, size, probe, path, sizeof path);
    size_t off;
    if (maat__json_offset_of((const char *)buf, size, path, &off) && off > size) abort();
    free(buf);
    return 0;
}
