/*
 * collateral_copy.c - deep copies of a parsed TCB info / enclave identity, with the signed
 * body re-pointed into a new copy of its text. maat_collateral_verify uses them to take
 * over what maat_collateral_bundle_parse already parsed (issue 16: the bodies were parsed
 * twice per cold verification) instead of parsing the same bytes again. Every allocation
 * the *_cleanup functions release is duplicated; on failure the copy is cleaned up.
 */
#include <stdlib.h>
#include <string.h>

#include "verify_internal.h"

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL) return 0;
    *dst = strdup(src);
    return *dst == NULL ? -1 : 0;
}

static int dup_strings(char ***dst, const char *const *src, size_t n)
{
    *dst = NULL;
    if (src == NULL) return 0;
    char **v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL) return -1;
    *dst = v; /* partially filled entries are freed by the cleanup (count is set) */
    for (size_t i = 0; i < n; i++)
        if (dup_str(&v[i], src[i]) != 0) return -1;
    return 0;
}

static void no_strings(struct maat_tcb_component *c)
{
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++) c[i].category = c[i].type = NULL;
}

/* dst's strings are NULL on entry (no_strings) */
static int dup_components(struct maat_tcb_component *dst, const struct maat_tcb_component *src)
{
    int rc = 0;
    for (int i = 0; i < MAAT_TCB_COMPONENTS && rc == 0; i++)
        rc = dup_str(&dst[i].category, src[i].category) || dup_str(&dst[i].type, src[i].type);
    return rc;
}

static int dup_enclave_levels(struct maat_enclave_tcb_level **dst,
                              const struct maat_enclave_tcb_level *src, size_t n)
{
    *dst = NULL;
    if (src == NULL) return 0;
    struct maat_enclave_tcb_level *v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL) return -1;
    *dst = v;
    for (size_t i = 0; i < n; i++) {
        v[i] = src[i];
        v[i].advisory_ids = NULL;
        if (dup_strings(&v[i].advisory_ids, (const char *const *)src[i].advisory_ids,
                        src[i].advisory_id_count) != 0)
            return -1;
    }
    return 0;
}

int maat__tcb_info_copy(struct maat_tcb_info *dst, const struct maat_tcb_info *src, const char *text)
{
    *dst = *src;
    dst->levels = NULL;
    dst->tdx_module_identities = NULL;
    dst->signed_body.ptr = (const uint8_t *)text;
    int rc = 0;
    if (src->levels != NULL) {
        dst->levels = calloc(src->level_count ? src->level_count : 1, sizeof *dst->levels);
        rc = dst->levels == NULL;
        for (size_t i = 0; rc == 0 && i < src->level_count; i++) {
            struct maat_tcb_level *d = &dst->levels[i];
            const struct maat_tcb_level *s = &src->levels[i];
            *d = *s;
            d->advisory_ids = NULL; /* nothing of the source's is left to be freed twice */
            no_strings(d->sgx_components);
            no_strings(d->tdx_components);
            rc = dup_components(d->sgx_components, s->sgx_components) ||
                 dup_components(d->tdx_components, s->tdx_components) ||
                 dup_strings(&d->advisory_ids, (const char *const *)s->advisory_ids,
                             s->advisory_id_count);
        }
    }
    if (rc == 0 && src->tdx_module_identities != NULL) {
        size_t n = src->tdx_module_identity_count;
        dst->tdx_module_identities = calloc(n ? n : 1, sizeof *dst->tdx_module_identities);
        rc = dst->tdx_module_identities == NULL;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            struct maat_tdx_module_identity *d = &dst->tdx_module_identities[i];
            const struct maat_tdx_module_identity *s = &src->tdx_module_identities[i];
            *d = *s;
            d->id = NULL;
            d->levels = NULL;
            rc = dup_str(&d->id, s->id) || dup_enclave_levels(&d->levels, s->levels, s->level_count);
        }
    }
    if (rc != 0) {
        /* counts are the source's: entries not reached yet are zeroed (calloc) */
        maat_tcb_info_cleanup(dst);
        return -1;
    }
    return 0;
}

int maat__enclave_identity_copy(struct maat_enclave_identity *dst,
                                const struct maat_enclave_identity *src, const char *text)
{
    *dst = *src;
    dst->levels = NULL;
    dst->signed_body.ptr = (const uint8_t *)text;
    if (dup_enclave_levels(&dst->levels, src->levels, src->level_count) != 0) {
        maat_enclave_identity_cleanup(dst);
        return -1;
    }
    return 0;
}
