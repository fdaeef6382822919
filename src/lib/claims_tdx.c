/*
 * claims_tdx.c - MAA's TdxVm claim set (maa-2025.md section 3) from maat's TD verdict.
 * Pure JSON building; names, JSON types and encodings as MAA's TDX EAT profile and its
 * sample token (hex lower-case, raw bytes in quote order). See src/include/maat/claims_tdx.h.
 */
#include <string.h>

#include "maat/bytes.h"
#include "maat/claims_tdx.h"
#include "maat/tcb_fix_json.h"
#include "maat/tcb_fix.h"
#include "claims_maat_internal.h"

static int put(json_t *o, const char *k, json_t *v, struct maat_error *err)
{
    if (v == NULL || json_object_set_new(o, k, v) != 0)
        return maat_error_set(err, MAAT_ERR_NOMEM, "TdxVm claims: out of memory at %s", k);
    return 0;
}

static int put_hex(json_t *o, const char *k, const uint8_t *p, size_t n, struct maat_error *err)
{
    char buf[2 * 64 + 1];
    maat_hex_encode(p, n, buf);
    return put(o, k, json_string(buf), err);
}

static int put_advisories(json_t *o, const char *k, const char (*ids)[MAAT_VERDICT_ADVISORY_LEN],
                          size_t n, struct maat_error *err)
{
    json_t *a = json_array();
    if (a == NULL) return put(o, k, NULL, err);
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(a, json_string(ids[i])) != 0) {
            json_decref(a);
            return put(o, k, NULL, err);
        }
    return put(o, k, a, err);
}

/* maat's TCB policy claims (claims_maat.c) into the claim set. */
struct xsink {
    json_t *o;
    struct maat_error *err;
};

static int tdx_xclaim(void *arg, const struct maat__xclaim *c)
{
    struct xsink *k = arg;
    switch (c->kind) {
    case MAAT__X_INT: return put(k->o, c->type, json_integer((json_int_t)c->i), k->err);
    case MAAT__X_STR: return put(k->o, c->type, json_stringn(c->s, c->n), k->err);
    case MAAT__X_BOOL: return put(k->o, c->type, json_boolean(c->b), k->err);
    case MAAT__X_IDS: return put_advisories(k->o, c->type, c->ids, c->count, k->err);
    case MAAT__X_JSON: return put(k->o, c->type, c->json, k->err);
    }
    json_decref(c->json);
    return maat_error_set(k->err, MAAT_ERR_INTERNAL, "TdxVm claims: %s of unknown kind", c->type);
}

static int build(json_t *o, const struct maat_tdx_claims_input *in, struct maat_error *err)
{
    const struct maat_tdx_verdict *t = in->tdx;
    const struct maat_td_report_fields *td = &t->td;
    const uint64_t a = t->td_attributes;
    MAAT_TRY(put(o, "eat_profile", json_string(MAAT_TDX_EAT_PROFILE), err));
    MAAT_TRY(put(o, "dbgstat", json_string((a & MAAT_TD_ATTR_DEBUG) ? "enabled" : "disabled"), err));
    MAAT_TRY(put(o, "intuse", json_string("generic"), err));
    MAAT_TRY(
        put(o, "attester_tcb_status", json_string(maat_tcb_status_name(in->verdict->status)), err));
    MAAT_TRY(put_hex(o, "tdx_mrsignerseam", td->mr_signer_seam, 48, err));
    MAAT_TRY(put_hex(o, "tdx_mrseam", td->mr_seam, 48, err));
    MAAT_TRY(put_hex(o, "tdx_mrtd", td->mr_td, 48, err));
    MAAT_TRY(put_hex(o, "tdx_mrconfigid", td->mr_config_id, 48, err));
    MAAT_TRY(put_hex(o, "tdx_mrowner", td->mr_owner, 48, err));
    MAAT_TRY(put_hex(o, "tdx_mrownerconfig", td->mr_owner_config, 48, err));
    static const char *const rtmr[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
    for (int i = 0; i < 4; i++) MAAT_TRY(put_hex(o, rtmr[i], td->rtmr[i], 48, err));
    MAAT_TRY(put_hex(o, "tdx_report_data", td->report_data, 64, err));
    MAAT_TRY(put_hex(o, "tdx_seam_attributes", td->seam_attributes, 8, err));
    MAAT_TRY(put_hex(o, "tdx_td_attributes", td->td_attributes, 8, err));
    MAAT_TRY(put_hex(o, "tdx_xfam", td->xfam, 8, err));
    MAAT_TRY(put_hex(o, "tdx_tee_tcb_svn", td->tee_tcb_svn, 16, err));
    MAAT_TRY(put(o, "tdx_seamsvn",
                 json_integer((json_int_t)td->tee_tcb_svn[1] * 256 + td->tee_tcb_svn[0]), err));
    MAAT_TRY(put(o, "tdx_td_attributes_debug", json_boolean(a & MAAT_TD_ATTR_DEBUG), err));
    MAAT_TRY(put(o, "tdx_td_attributes_key_locker", json_boolean(a & MAAT_TD_ATTR_KL), err));
    MAAT_TRY(put(o, "tdx_td_attributes_perfmon", json_boolean(a & MAAT_TD_ATTR_PERFMON), err));
    MAAT_TRY(put(o, "tdx_td_attributes_protection_keys", json_boolean(a & MAAT_TD_ATTR_PKS), err));
    MAAT_TRY(put(o, "tdx_td_attributes_septve_disable",
                 json_boolean(a & MAAT_TD_ATTR_SEPT_VE_DISABLE), err));
    MAAT_TRY(put(o, "x-ms-attestation-type", json_string("tdxvm"), err));
    MAAT_TRY(put(o, "x-ms-ver", json_string("1.0"), err));
    if (in->runtime_json != NULL)
        MAAT_TRY(put(o, "x-ms-runtime", json_deep_copy(in->runtime_json), err));
    if (in->inittime_json != NULL)
        MAAT_TRY(put(o, "x-ms-inittime", json_deep_copy(in->inittime_json), err));
    if (in->nonce != NULL) MAAT_TRY(put(o, "nonce", json_string(in->nonce), err));
    /* maat's own TCB detail (docs/claims.md) */
    const struct maat_verdict *v = in->verdict;
    MAAT_TRY(put(o, "x-maat-tcb-status", json_string(maat_tcb_status_name(v->status)), err));
    if (t->tcb_evaluated) {
        MAAT_TRY(put(o, "x-maat-tdx-platform-tcb-status",
                     json_string(maat_tcb_status_name(t->platform_status)), err));
        if (t->has_module_status)
            MAAT_TRY(put(o, "x-maat-tdx-module-tcb-status",
                         json_string(maat_tcb_status_name(t->module_status)), err));
        MAAT_TRY(put(o, "x-maat-tdx-qe-tcb-status", json_string(maat_tcb_status_name(t->qe_status)),
                     err));
    }
    MAAT_TRY(put_advisories(o, "x-maat-advisory-ids", v->advisory_ids, v->advisory_count, err));
    MAAT_TRY(
        put_advisories(o, "x-maat-qe-advisory-ids", v->qe_advisory_ids, v->qe_advisory_count, err));
    if (in->tcb_fix != NULL && in->tcb_fix->needed)
        MAAT_TRY(put(o, "x-maat-tcb-fix", maat__tcb_fix_json(in->tcb_fix), err));
    /* the evaluation number used and the TCB policy findings, as in SGX tokens (issue 14) */
    struct xsink k = {o, err};
    return maat__xclaims_each(v, NULL, MAAT__X_TCB_POLICY, tdx_xclaim, &k, err);
}

json_t *maat__tdx_claims_build(const struct maat_tdx_claims_input *in, struct maat_error *err)
{
    if (in == NULL || in->verdict == NULL || in->tdx == NULL) {
        maat_error_set(err, MAAT_ERR_USAGE, "TdxVm claims: verdict and TD verdict are required");
        return NULL;
    }
    if (!in->verdict->ok) {
        maat_error_set(err, MAAT_ERR_USAGE, "TdxVm claims: the quote's verdict is not ok");
        return NULL;
    }
    json_t *o = json_object();
    if (o == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "TdxVm claims: out of memory");
        return NULL;
    }
    if (build(o, in, err) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}
