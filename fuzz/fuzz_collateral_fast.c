/*
 * fuzz_collateral_fast.c - libFuzzer differential for the one-pass collateral reader
 * (src/lib/collateral_fast.c): every input is parsed as a TCB info document and body and
 * as an enclave identity document and body, once with the fast reader allowed and once on
 * the jansson path only. Any difference (return code, error code, message, or a field of
 * an accepted struct) aborts; so does the fast reader taking an input jansson refuses.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lib/collateral_fast.h"
#include "maat/collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sig_hex[] = "62d181c4ba863213b825d1c0b66b92a3dbdb27b8ff7c7250cb2b2ab87a8f90d5"
                              "e5a1416914369d8f82c56cd3d875caa54ae4b917caf4af7a93dec52067cbfd7b";

static bool same_str(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool same_strings(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i], b[i])) return false;
    return true;
}

static bool same_comps(const struct maat_tcb_component *a, const struct maat_tcb_component *b)
{
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++)
        if (a[i].svn != b[i].svn || !same_str(a[i].category, b[i].category) ||
            !same_str(a[i].type, b[i].type))
            return false;
    return true;
}

static bool same_elevels(const struct maat_enclave_tcb_level *a, size_t na,
                         const struct maat_enclave_tcb_level *b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].isvsvn != b[i].isvsvn || a[i].has_tcb_date != b[i].has_tcb_date ||
            a[i].tcb_date != b[i].tcb_date || a[i].status != b[i].status ||
            !same_strings(a[i].advisory_ids, a[i].advisory_id_count, b[i].advisory_ids,
                          b[i].advisory_id_count))
            return false;
    return true;
}

static bool same_tcb(const struct maat_tcb_info *a, const struct maat_tcb_info *b)
{
    if (a->version != b->version || a->id != b->id || a->issue_date != b->issue_date ||
        a->next_update != b->next_update || memcmp(a->fmspc, b->fmspc, 6) != 0 ||
        a->has_pce_id != b->has_pce_id || memcmp(a->pce_id, b->pce_id, 2) != 0 ||
        a->tcb_type != b->tcb_type ||
        a->has_tcb_evaluation_data_number != b->has_tcb_evaluation_data_number ||
        a->tcb_evaluation_data_number != b->tcb_evaluation_data_number ||
        a->has_tdx_module != b->has_tdx_module ||
        a->tdx_module_identity_count != b->tdx_module_identity_count ||
        a->level_count != b->level_count || a->signed_body.ptr != b->signed_body.ptr ||
        a->signed_body.len != b->signed_body.len ||
        memcmp(a->signature, b->signature, sizeof a->signature) != 0)
        return false;
    for (size_t i = 0; i < a->level_count; i++) {
        const struct maat_tcb_level *x = &a->levels[i], *y = &b->levels[i];
        if (!same_comps(x->sgx_components, y->sgx_components) || x->pcesvn != y->pcesvn ||
            x->has_tdx_components != y->has_tdx_components ||
            !same_comps(x->tdx_components, y->tdx_components) || x->has_tcb_date != y->has_tcb_date ||
            x->tcb_date != y->tcb_date || x->status != y->status ||
            !same_strings(x->advisory_ids, x->advisory_id_count, y->advisory_ids,
                          y->advisory_id_count))
            return false;
    }
    return true;
}

static bool same_ei(const struct maat_enclave_identity *a, const struct maat_enclave_identity *b)
{
    return a->version == b->version && a->id == b->id && a->issue_date == b->issue_date &&
           a->next_update == b->next_update &&
           a->has_tcb_evaluation_data_number == b->has_tcb_evaluation_data_number &&
           a->tcb_evaluation_data_number == b->tcb_evaluation_data_number &&
           memcmp(a->miscselect, b->miscselect, 4) == 0 &&
           memcmp(a->miscselect_mask, b->miscselect_mask, 4) == 0 &&
           memcmp(a->attributes, b->attributes, 16) == 0 &&
           memcmp(a->attributes_mask, b->attributes_mask, 16) == 0 &&
           memcmp(a->mrsigner, b->mrsigner, 32) == 0 && a->isvprodid == b->isvprodid &&
           a->v1_isvsvn == b->v1_isvsvn &&
           same_elevels(a->levels, a->level_count, b->levels, b->level_count) &&
           a->signed_body.ptr == b->signed_body.ptr && a->signed_body.len == b->signed_body.len &&
           memcmp(a->signature, b->signature, sizeof a->signature) == 0;
}

static void same_outcome(int r1, const struct maat_error *e1, int r2, const struct maat_error *e2)
{
    if (r1 != r2 || e1->code != e2->code || strcmp(e1->msg, e2->msg) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so ASan sees any over-read */
    char *buf = malloc(size ? size : 1);
    if (buf == NULL) return 0;
    if (size) memcpy(buf, data, size);
    for (int form = 0; form < 4; form++) {
        struct maat_error e[2];
        int r[2];
        unsigned long taken = maat__collateral_fast_taken;
        if (form < 2) {
            struct maat_tcb_info t[2];
            for (int pass = 0; pass < 2; pass++) {
                maat__collateral_fast_off = pass == 1;
                maat_error_clear(&e[pass]);
                r[pass] = form == 0 ? maat_tcb_info_parse(buf, size, &t[pass], &e[pass])
                                    : maat_tcb_info_parse_body(buf, size, sig_hex, strlen(sig_hex),
                                                               &t[pass], &e[pass]);
            }
            same_outcome(r[0], &e[0], r[1], &e[1]);
            if (r[0] == 0 && !same_tcb(&t[0], &t[1])) abort();
            maat_tcb_info_cleanup(&t[0]);
            maat_tcb_info_cleanup(&t[1]);
        } else {
            struct maat_enclave_identity t[2];
            for (int pass = 0; pass < 2; pass++) {
                maat__collateral_fast_off = pass == 1;
                maat_error_clear(&e[pass]);
                r[pass] = form == 2 ? maat_enclave_identity_parse(buf, size, &t[pass], &e[pass])
                                    : maat_enclave_identity_parse_body(
                                          buf, size, sig_hex, strlen(sig_hex), &t[pass], &e[pass]);
            }
            same_outcome(r[0], &e[0], r[1], &e[1]);
            if (r[0] == 0 && !same_ei(&t[0], &t[1])) abort();
            maat_enclave_identity_cleanup(&t[0]);
            maat_enclave_identity_cleanup(&t[1]);
        }
        maat__collateral_fast_off = false;
        /* taken means accepted, except TDX levels the shared sort refuses as duplicates */
        if (maat__collateral_fast_taken != taken && r[0] != 0 &&
            strstr(e[0].msg, "duplicated") == NULL)
            abort();
    }
    free(buf);
    return 0;
}
