/*
 * tcb_info.c - Intel TCB info (versions 1, 2, 3; SGX and TDX) parser and TCB level
 * matching.
 *
 * Schema (Intel PCS API v3/v4, QVL TcbInfo): v1 levels carry `status` and no tcbDate; v2
 * adds tcbType (only 0 is defined), tcbEvaluationDataNumber and per-level tcbDate /
 * tcbStatus; v3 adds `id` (SGX / TDX), component arrays of {svn, category, type}, and
 * for TDX `tdxModule`, optional `tdxModuleIdentities` and per-level `tdxtcbcomponents`.
 * pceId is required from v3 on; Open Enclave's v1/v2 test files omit it, and QVL's v1/v2
 * readers do not need it, so there it is optional (has_pce_id).
 */
#include "collateral_fast.h"
#include "collateral_json.h"
#include "maat/collateral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 4096
#define MAX_MODULE_IDENTITIES 256

/* QVL v1 TcbInfo knows only these four statuses. */
#define V1_STATUSES                                                             \
    (CJ_STATUS_BIT(MAAT_TCB_UP_TO_DATE) | CJ_STATUS_BIT(MAAT_TCB_OUT_OF_DATE) | \
     CJ_STATUS_BIT(MAAT_TCB_CONFIGURATION_NEEDED) | CJ_STATUS_BIT(MAAT_TCB_REVOKED))

static int copy_opt_string(struct cj *c, json_t *obj, const char *path, const char *key, char **out)
{
    const char *s;
    size_t len;
    *out = NULL;
    MAAT_TRY(cj_string(c, obj, path, key, false, &s, &len));
    if (s == NULL) return 0;
    *out = strdup(s);
    if (*out == NULL) return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    return 0;
}

/* v3: an array of exactly 16 {svn, category?, type?}. */
static int component_array(struct cj *c, json_t *tcb, const char *tp, const char *key, bool required,
                           bool *present, struct maat_tcb_component comps[MAAT_TCB_COMPONENTS])
{
    json_t *arr;
    if (present) *present = false;
    MAAT_TRY(cj_array(c, tcb, tp, key, required, MAAT_TCB_COMPONENTS, MAAT_TCB_COMPONENTS, &arr));
    if (arr == NULL) return 0;
    char ap[MAAT_JSON_PATH_MAX];
    cj_child(ap, tp, key);
    for (size_t i = 0; i < MAAT_TCB_COMPONENTS; i++) {
        char p[MAAT_JSON_PATH_MAX];
        cj_index(p, ap, i);
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e))
            return cj_fail(c, MAAT_ERR_VALUE, p, "expected an object {svn, category, type}");
        uint64_t svn;
        MAAT_TRY(cj_uint(c, e, p, "svn", 255, true, NULL, &svn));
        comps[i].svn = (uint8_t)svn;
        MAAT_TRY(copy_opt_string(c, e, p, "category", &comps[i].category));
        MAAT_TRY(copy_opt_string(c, e, p, "type", &comps[i].type));
    }
    if (present) *present = true;
    return 0;
}

static int level_tcb(struct cj *c, const struct maat_tcb_info *ti, json_t *tcb, const char *tp,
                     struct maat_tcb_level *lv)
{
    uint64_t u;
    if (ti->version >= 3) {
        MAAT_TRY(component_array(c, tcb, tp, "sgxtcbcomponents", true, NULL, lv->sgx_components));
        MAAT_TRY(cj_uint(c, tcb, tp, "pcesvn", 65535, true, NULL, &u));
        lv->pcesvn = (uint16_t)u;
        MAAT_TRY(component_array(c, tcb, tp, "tdxtcbcomponents", ti->id == MAAT_TCB_ID_TDX,
                                 &lv->has_tdx_components, lv->tdx_components));
        return 0;
    }
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++) {
        char key[32];
        snprintf(key, sizeof key, "sgxtcbcomp%02dsvn", i + 1);
        MAAT_TRY(cj_uint(c, tcb, tp, key, 255, true, NULL, &u));
        lv->sgx_components[i].svn = (uint8_t)u;
    }
    MAAT_TRY(cj_uint(c, tcb, tp, "pcesvn", 65535, true, NULL, &u));
    lv->pcesvn = (uint16_t)u;
    return 0;
}

static int level(struct cj *c, const struct maat_tcb_info *ti, json_t *lvj, const char *p,
                 struct maat_tcb_level *lv)
{
    if (!json_is_object(lvj)) return cj_fail(c, MAAT_ERR_VALUE, p, "expected an object");
    json_t *tcb;
    char tp[MAAT_JSON_PATH_MAX];
    cj_child(tp, p, "tcb");
    MAAT_TRY(cj_object(c, lvj, p, "tcb", true, &tcb));
    MAAT_TRY(level_tcb(c, ti, tcb, tp, lv));
    if (ti->version == 1) {
        MAAT_TRY(cj_status(c, lvj, p, "status", V1_STATUSES, &lv->status));
    } else {
        MAAT_TRY(cj_date(c, lvj, p, "tcbDate", &lv->tcb_date));
        lv->has_tcb_date = true;
        MAAT_TRY(cj_status(c, lvj, p, "tcbStatus", CJ_STATUS_ALL, &lv->status));
    }
    return cj_advisory_ids(c, lvj, p, &lv->advisory_ids, &lv->advisory_id_count);
}

static int tdx_module(struct cj *c, json_t *obj, const char *p, uint8_t mrsigner[48],
                      uint8_t attributes[8], uint8_t mask[8])
{
    MAAT_TRY(cj_hex(c, obj, p, "mrsigner", mrsigner, 48, true, NULL));
    MAAT_TRY(cj_hex(c, obj, p, "attributes", attributes, 8, true, NULL));
    return cj_hex(c, obj, p, "attributesMask", mask, 8, true, NULL);
}

static int module_identities(struct cj *c, json_t *body, const char *root, struct maat_tcb_info *ti)
{
    json_t *arr;
    MAAT_TRY(cj_array(c, body, root, "tdxModuleIdentities", false, 1, MAX_MODULE_IDENTITIES, &arr));
    if (arr == NULL) return 0;
    char ap[MAAT_JSON_PATH_MAX];
    cj_child(ap, root, "tdxModuleIdentities");
    size_t n = json_array_size(arr);
    ti->tdx_module_identities = calloc(n, sizeof *ti->tdx_module_identities);
    if (ti->tdx_module_identities == NULL)
        return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    ti->tdx_module_identity_count = n;
    for (size_t i = 0; i < n; i++) {
        struct maat_tdx_module_identity *m = &ti->tdx_module_identities[i];
        char p[MAAT_JSON_PATH_MAX];
        cj_index(p, ap, i);
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) return cj_fail(c, MAAT_ERR_VALUE, p, "expected an object");
        const char *s;
        size_t len;
        MAAT_TRY(cj_string(c, e, p, "id", true, &s, &len));
        if (len == 0 || len > 64) {
            char q[MAAT_JSON_PATH_MAX];
            cj_child(q, p, "id");
            return cj_fail(c, MAAT_ERR_VALUE, q,
                           "expected a module id such as \"TDX_01\" (1..64 "
                           "characters), got %zu characters",
                           len);
        }
        m->id = strdup(s);
        if (m->id == NULL)
            return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
        MAAT_TRY(tdx_module(c, e, p, m->mrsigner, m->attributes, m->attributes_mask));
        /* The TDX module's SVN is one byte of TEE_TCB_SVN. */
        MAAT_TRY(cj_enclave_levels(c, e, p, 255, &m->levels, &m->level_count));
    }
    return 0;
}

/* QVL's TCB level order (TcbLevel::operator>): SGX component SVNs as a byte vector, then
 * pcesvn, then (TDX) the TDX component SVNs; higher first. */
static int level_cmp_desc(const void *pa, const void *pb)
{
    const struct maat_tcb_level *a = pa, *b = pb;
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++)
        if (a->sgx_components[i].svn != b->sgx_components[i].svn)
            return a->sgx_components[i].svn > b->sgx_components[i].svn ? -1 : 1;
    if (a->pcesvn != b->pcesvn) return a->pcesvn > b->pcesvn ? -1 : 1;
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++)
        if (a->tdx_components[i].svn != b->tdx_components[i].svn)
            return a->tdx_components[i].svn > b->tdx_components[i].svn ? -1 : 1;
    return 0;
}

/* TDX TCB info: levels sorted as QVL sorts them (matching takes the first in that order,
 * whatever the document order) and equal sort keys rejected ("Detected duplicated TCB
 * levels"). Module identity levels: isvsvn descending, duplicates rejected. SGX TCB info
 * keeps document order (unchanged behaviour). */
static int tdx_sort_levels(struct cj *c, struct maat_tcb_info *ti, const char *root)
{
    char p[MAAT_JSON_PATH_MAX];
    for (size_t i = 0; i < ti->level_count; i++)
        for (size_t k = i + 1; k < ti->level_count; k++)
            if (level_cmp_desc(&ti->levels[i], &ti->levels[k]) == 0) {
                char a[MAAT_JSON_PATH_MAX];
                cj_child(a, root, "tcbLevels");
                cj_index(p, a, k);
                return cj_fail(c, MAAT_ERR_VALUE, p,
                               "duplicated TCB level: same SGX components, pcesvn and TDX "
                               "components as tcbLevels[%zu]",
                               i);
            }
    qsort(ti->levels, ti->level_count, sizeof *ti->levels, level_cmp_desc);
    for (size_t m = 0; m < ti->tdx_module_identity_count; m++) {
        struct maat_tdx_module_identity *mi = &ti->tdx_module_identities[m];
        for (size_t i = 0; i < mi->level_count; i++)
            for (size_t k = i + 1; k < mi->level_count; k++)
                if (mi->levels[i].isvsvn == mi->levels[k].isvsvn) {
                    char q[MAAT_JSON_PATH_MAX], q2[MAAT_JSON_PATH_MAX];
                    cj_child(q, root, "tdxModuleIdentities");
                    cj_index(q2, q, m);
                    cj_child(q, q2, "tcbLevels");
                    cj_index(q2, q, k);
                    return cj_fail(c, MAAT_ERR_VALUE, q2,
                                   "duplicated module TCB level: isvsvn %u as tcbLevels[%zu]",
                                   mi->levels[k].isvsvn, i);
                }
        /* insertion sort, isvsvn descending (at most 256 distinct levels) */
        for (size_t i = 1; i < mi->level_count; i++) {
            struct maat_enclave_tcb_level t = mi->levels[i];
            size_t k = i;
            for (; k > 0 && mi->levels[k - 1].isvsvn < t.isvsvn; k--)
                mi->levels[k] = mi->levels[k - 1];
            mi->levels[k] = t;
        }
    }
    return 0;
}

/* The tcbInfo object (at JSON path `root`). */
static int parse_body_object(struct cj *c, json_t *body, const char *root, struct maat_tcb_info *ti)
{
    uint64_t u;
    bool present;
    MAAT_TRY(cj_uint(c, body, root, "version", UINT32_MAX, true, NULL, &u));
    ti->version = (uint32_t)u;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, root, "version");
    if (ti->version < 1 || ti->version > 3)
        return cj_fail(c, MAAT_ERR_UNSUPPORTED, p,
                       "unsupported TCB info version %u (expected 1, 2 or 3)", ti->version);
    ti->id = MAAT_TCB_ID_SGX;
    if (ti->version >= 3) {
        const char *s;
        size_t len;
        MAAT_TRY(cj_string(c, body, root, "id", true, &s, &len));
        if (len == 3 && memcmp(s, "SGX", 3) == 0) {
            ti->id = MAAT_TCB_ID_SGX;
        } else if (len == 3 && memcmp(s, "TDX", 3) == 0) {
            ti->id = MAAT_TCB_ID_TDX;
        } else {
            cj_child(p, root, "id");
            return cj_fail(c, MAAT_ERR_VALUE, p, "expected \"SGX\" or \"TDX\", got \"%.32s\"", s);
        }
    }
    MAAT_TRY(cj_date(c, body, root, "issueDate", &ti->issue_date));
    MAAT_TRY(cj_date(c, body, root, "nextUpdate", &ti->next_update));
    MAAT_TRY(cj_hex(c, body, root, "fmspc", ti->fmspc, sizeof ti->fmspc, true, NULL));
    MAAT_TRY(cj_hex(c, body, root, "pceId", ti->pce_id, sizeof ti->pce_id, ti->version >= 3,
                    &ti->has_pce_id));
    if (ti->version >= 2) {
        MAAT_TRY(cj_uint(c, body, root, "tcbType", UINT32_MAX, true, NULL, &u));
        if (u != 0) {
            cj_child(p, root, "tcbType");
            return cj_fail(c, MAAT_ERR_UNSUPPORTED, p,
                           "unsupported tcbType %llu (only 0 is defined)", (unsigned long long)u);
        }
        MAAT_TRY(cj_uint(c, body, root, "tcbEvaluationDataNumber", UINT32_MAX, true, &present, &u));
        ti->has_tcb_evaluation_data_number = present;
        ti->tcb_evaluation_data_number = (uint32_t)u;
    }
    if (ti->version >= 3 && ti->id == MAAT_TCB_ID_TDX) {
        json_t *m;
        MAAT_TRY(cj_object(c, body, root, "tdxModule", true, &m));
        cj_child(p, root, "tdxModule");
        MAAT_TRY(tdx_module(c, m, p, ti->tdx_module.mrsigner, ti->tdx_module.attributes,
                            ti->tdx_module.attributes_mask));
        ti->has_tdx_module = true;
        MAAT_TRY(module_identities(c, body, root, ti));
    }
    json_t *arr;
    MAAT_TRY(cj_array(c, body, root, "tcbLevels", true, 1, MAX_LEVELS, &arr));
    char ap[MAAT_JSON_PATH_MAX];
    cj_child(ap, root, "tcbLevels");
    size_t n = json_array_size(arr);
    ti->levels = calloc(n, sizeof *ti->levels);
    if (ti->levels == NULL)
        return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    ti->level_count = n;
    for (size_t i = 0; i < n; i++) {
        cj_index(p, ap, i);
        MAAT_TRY(level(c, ti, json_array_get(arr, i), p, &ti->levels[i]));
    }
    if (ti->id == MAAT_TCB_ID_TDX) return tdx_sort_levels(c, ti, root);
    return 0;
}

int maat_tcb_info_parse(const void *json, size_t len, struct maat_tcb_info *out,
                        struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    struct cj c = {.text = json, .len = len, .what = "tcb info", .strip = NULL, .err = err};
    if (!maat__collateral_fast_off) { /* Intel's usual shape in one pass (collateral_fast.c) */
        struct maat_json_span fs;
        if (maat__tcb_info_fast(json, len, true, out, &fs)) {
            /* TDX: sorted and checked for duplicates as below, in the same words */
            if (out->id == MAAT_TCB_ID_TDX && tdx_sort_levels(&c, out, "tcbInfo") != 0) {
                maat_tcb_info_cleanup(out);
                return -1;
            }
            out->signed_body.ptr = (const uint8_t *)json + fs.start;
            out->signed_body.len = fs.end - fs.start;
            return 0;
        }
        maat_tcb_info_cleanup(out); /* anything else: jansson, as before */
    }
    bool found;
    struct maat_json_span span;
    json_t *root, *body;
    MAAT_TRY(cj_load(&c, "tcbInfo", &found, &span, &root));
    int rc = -1;
    if (cj_object(&c, root, "", "tcbInfo", true, &body) != 0) goto done;
    if (cj_signature(&c, root, out->signature) != 0) goto done;
    if (parse_body_object(&c, body, "tcbInfo", out) != 0) goto done;
    if (!found) { /* cannot happen: jansson found the member, so did the scanner */
        maat_error_set(err, MAAT_ERR_INTERNAL, "tcb info: signed span of tcbInfo not found");
        goto done;
    }
    out->signed_body.ptr = (const uint8_t *)json + span.start;
    out->signed_body.len = span.end - span.start;
    rc = 0;
done:
    json_decref(root);
    if (rc != 0) maat_tcb_info_cleanup(out);
    return rc;
}

int maat_tcb_info_parse_body(const void *body, size_t len, const char *sig_hex, size_t sig_hex_len,
                             struct maat_tcb_info *out, struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    struct cj c = {.text = body, .len = len, .what = "tcb info", .strip = "tcbInfo", .err = err};
    json_t *root;
    if (sig_hex == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "tcb info: no signature given");
    MAAT_TRY(cj_signature_hex(&c, sig_hex, sig_hex_len, "signature", out->signature));
    if (!maat__collateral_fast_off) { /* Intel's usual shape in one pass (collateral_fast.c) */
        struct maat_tcb_info fast;
        memset(&fast, 0, sizeof fast);
        if (maat__tcb_info_fast(body, len, false, &fast, NULL)) {
            if (fast.id == MAAT_TCB_ID_TDX && tdx_sort_levels(&c, &fast, "tcbInfo") != 0) {
                maat_tcb_info_cleanup(&fast);
                maat_tcb_info_cleanup(out);
                return -1;
            }
            memcpy(fast.signature, out->signature, sizeof fast.signature);
            fast.signed_body.ptr = body;
            fast.signed_body.len = len;
            *out = fast;
            return 0;
        }
        maat_tcb_info_cleanup(&fast); /* anything else: jansson, as before */
    }
    MAAT_TRY(cj_load(&c, NULL, NULL, NULL, &root));
    int rc = parse_body_object(&c, root, "tcbInfo", out);
    json_decref(root);
    if (rc != 0) {
        maat_tcb_info_cleanup(out);
        return -1;
    }
    out->signed_body.ptr = body;
    out->signed_body.len = len;
    return 0;
}

static void free_components(struct maat_tcb_component *c)
{
    for (int i = 0; i < MAAT_TCB_COMPONENTS; i++) {
        free(c[i].category);
        free(c[i].type);
    }
}

void maat_tcb_info_cleanup(struct maat_tcb_info *ti)
{
    if (ti == NULL) return;
    if (ti->levels) {
        for (size_t i = 0; i < ti->level_count; i++) {
            free_components(ti->levels[i].sgx_components);
            free_components(ti->levels[i].tdx_components);
            cj_free_strings(ti->levels[i].advisory_ids, ti->levels[i].advisory_id_count);
        }
        free(ti->levels);
    }
    if (ti->tdx_module_identities) {
        for (size_t i = 0; i < ti->tdx_module_identity_count; i++) {
            free(ti->tdx_module_identities[i].id);
            cj_free_enclave_levels(ti->tdx_module_identities[i].levels,
                                   ti->tdx_module_identities[i].level_count);
        }
        free(ti->tdx_module_identities);
    }
    memset(ti, 0, sizeof *ti);
}

const struct maat_tcb_level *maat_tcb_info_match_sgx(const struct maat_tcb_info *ti,
                                                     const uint8_t comps[MAAT_TCB_COMPONENTS],
                                                     uint16_t pcesvn, size_t *index)
{
    if (ti == NULL || comps == NULL) return NULL;
    for (size_t i = 0; i < ti->level_count; i++) {
        const struct maat_tcb_level *lv = &ti->levels[i];
        bool ok = lv->pcesvn <= pcesvn;
        for (int k = 0; ok && k < MAAT_TCB_COMPONENTS; k++)
            ok = lv->sgx_components[k].svn <= comps[k];
        if (ok) {
            if (index) *index = i;
            return lv;
        }
    }
    return NULL;
}
