/*
 * collateral_compare.h - deep equality of two parsed TCB infos or enclave identities, for
 * the differential checks of the one-pass collateral reader against the jansson path
 * (tests/unit/lib/test_collateral_fast_parse.c and fuzz/fuzz_collateral_fast.c): every
 * field, SGX and TDX levels, TDX module and module identities, advisory IDs.
 */
#ifndef MAAT_TESTS_COLLATERAL_COMPARE_H
#define MAAT_TESTS_COLLATERAL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "maat/collateral.h"

static inline bool same_str(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static inline bool same_strings(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb || (na == 0 && (a != NULL || b != NULL))) return false;
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i], b[i])) return false;
    return true;
}

static inline bool same_components(const struct maat_tcb_component *a,
                                   const struct maat_tcb_component *b)
{
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++)
        if (a[i].svn != b[i].svn || !same_str(a[i].category, b[i].category) ||
            !same_str(a[i].type, b[i].type))
            return false;
    return true;
}

static inline bool same_enclave_levels(const struct maat_enclave_tcb_level *a, size_t na,
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

static inline bool same_tcb_info(const struct maat_tcb_info *a, const struct maat_tcb_info *b)
{
    if (a->version != b->version || a->id != b->id || a->issue_date != b->issue_date ||
        a->next_update != b->next_update || memcmp(a->fmspc, b->fmspc, 6) != 0 ||
        a->has_pce_id != b->has_pce_id || memcmp(a->pce_id, b->pce_id, 2) != 0 ||
        a->tcb_type != b->tcb_type ||
        a->has_tcb_evaluation_data_number != b->has_tcb_evaluation_data_number ||
        a->tcb_evaluation_data_number != b->tcb_evaluation_data_number ||
        a->has_tdx_module != b->has_tdx_module ||
        memcmp(&a->tdx_module, &b->tdx_module, sizeof a->tdx_module) != 0 ||
        a->tdx_module_identity_count != b->tdx_module_identity_count ||
        a->level_count != b->level_count || a->signed_body.ptr != b->signed_body.ptr ||
        a->signed_body.len != b->signed_body.len ||
        memcmp(a->signature, b->signature, sizeof a->signature) != 0)
        return false;
    for (size_t i = 0; i < a->tdx_module_identity_count; i++) {
        const struct maat_tdx_module_identity *x = &a->tdx_module_identities[i],
                                              *y = &b->tdx_module_identities[i];
        if (!same_str(x->id, y->id) || memcmp(x->mrsigner, y->mrsigner, 48) != 0 ||
            memcmp(x->attributes, y->attributes, 8) != 0 ||
            memcmp(x->attributes_mask, y->attributes_mask, 8) != 0 ||
            !same_enclave_levels(x->levels, x->level_count, y->levels, y->level_count))
            return false;
    }
    for (size_t i = 0; i < a->level_count; i++) {
        const struct maat_tcb_level *x = &a->levels[i], *y = &b->levels[i];
        if (!same_components(x->sgx_components, y->sgx_components) || x->pcesvn != y->pcesvn ||
            x->has_tdx_components != y->has_tdx_components ||
            !same_components(x->tdx_components, y->tdx_components) ||
            x->has_tcb_date != y->has_tcb_date || x->tcb_date != y->tcb_date ||
            x->status != y->status ||
            !same_strings(x->advisory_ids, x->advisory_id_count, y->advisory_ids,
                          y->advisory_id_count))
            return false;
    }
    return true;
}

static inline bool same_identity(const struct maat_enclave_identity *a,
                                 const struct maat_enclave_identity *b)
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
           same_enclave_levels(a->levels, a->level_count, b->levels, b->level_count) &&
           a->signed_body.ptr == b->signed_body.ptr && a->signed_body.len == b->signed_body.len &&
           memcmp(a->signature, b->signature, sizeof a->signature) == 0;
}

#endif
