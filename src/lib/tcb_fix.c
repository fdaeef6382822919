/*
 * tcb_fix.c - the fix a verdict below UpToDate names: target TCB level, the components
 * (and PCESVN, QE ISVSVN) below it, the advisories updating closes, and what to update.
 * Pure computation over a verdict and its verified collateral (see tcb_fix.h).
 */
#include "maat/tcb_fix.h"
#include "maat/tcb_fix_json.h"

#include "maat/tdx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The first level with the best (lowest) status; the enum is ordered by severity for the
 * statuses TCB info can carry. */
static size_t best_tcb_level(const struct maat_tcb_info *ti)
{
    size_t best = 0;
    for (size_t i = 1; i < ti->level_count; i++)
        if (ti->levels[i].status < ti->levels[best].status) best = i;
    return best;
}

static size_t best_qe_level(const struct maat_enclave_identity *id)
{
    size_t best = 0;
    for (size_t i = 1; i < id->level_count; i++)
        if (id->levels[i].status < id->levels[best].status) best = i;
    return best;
}

/* Intel's convergence of platform and QE status (as verify.c). */
static enum maat_tcb_status converge(enum maat_tcb_status platform, enum maat_tcb_status qe)
{
    if (qe == MAAT_TCB_REVOKED) return MAAT_TCB_REVOKED;
    if (qe != MAAT_TCB_UP_TO_DATE) {
        if (platform == MAAT_TCB_UP_TO_DATE || platform == MAAT_TCB_SW_HARDENING_NEEDED)
            return MAAT_TCB_OUT_OF_DATE;
        if (platform == MAAT_TCB_CONFIGURATION_NEEDED ||
            platform == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    return platform;
}

static void add_update(struct maat_tcb_fix *fix, const char *what)
{
    for (size_t i = 0; i < fix->update_count; i++)
        if (strcmp(fix->update[i], what) == 0) return;
    if (fix->update_count < MAAT_TCB_FIX_MAX_UPDATES)
        snprintf(fix->update[fix->update_count++], MAAT_TCB_FIX_UPDATE_LEN, "%s", what);
}

static void add_component(struct maat_tcb_fix *fix, const char *name, const char *category,
                          const char *array, int index, uint16_t have, uint16_t need)
{
    if (fix->component_count == MAAT_TCB_FIX_MAX_COMPONENTS) return;
    struct maat_tcb_fix_component *c = &fix->components[fix->component_count++];
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->category, sizeof c->category, "%s", category ? category : "");
    c->array = array;
    c->index = index;
    c->have = have;
    c->need = need;
}

/* What updates a TCB component, from Intel's type and category. */
static const char *component_update(const struct maat_tcb_component *c)
{
    const char *t = c->type ? c->type : "";
    if (strstr(t, "TDX Module")) return "TDX module";
    if (strstr(t, "SEAMLDR")) return "SEAMLDR ACM (BIOS)";
    if (strstr(t, "SINIT")) return "TXT SINIT ACM";
    if (c->category && strcmp(c->category, "OS/VMM") == 0) return "OS/VMM microcode";
    return "BIOS/microcode";
}

static bool listed(char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return true;
    return false;
}

/* Advisories of `from` that no target level lists, without duplicates. */
static void add_closed(struct maat_tcb_fix *fix, char *const *from, size_t n,
                       const struct maat_tcb_level *tl, const struct maat_enclave_tcb_level *ql,
                       const struct maat_enclave_tcb_level *ml)
{
    for (size_t i = 0; i < n; i++) {
        if (listed(tl->advisory_ids, tl->advisory_id_count, from[i])) continue;
        if (ql && listed(ql->advisory_ids, ql->advisory_id_count, from[i])) continue;
        if (ml && listed(ml->advisory_ids, ml->advisory_id_count, from[i])) continue;
        bool dup = false;
        for (size_t k = 0; k < fix->advisory_count && !dup; k++)
            dup = strcmp(fix->advisory_ids_closed[k], from[i]) == 0;
        if (dup || fix->advisory_count == MAAT_VERDICT_MAX_ADVISORIES) continue;
        snprintf(fix->advisory_ids_closed[fix->advisory_count++], MAAT_VERDICT_ADVISORY_LEN, "%s",
                 from[i]);
    }
}

/* Component name: Intel's `type` ("SGX Late Microcode Update"), else its `category` with
 * the position ("BIOS component 4"), else the position alone ("SGX TCB component 7"),
 * positions counted from 1 as Intel's sgxtcbcompNNsvn names do. */
static void component_name(const struct maat_tcb_component *c, const char *set, int i, char *out,
                           size_t len)
{
    if (c->type && c->type[0])
        snprintf(out, len, "%s", c->type);
    else if (c->category && c->category[0])
        snprintf(out, len, "%s component %d", c->category, i + 1);
    else
        snprintf(out, len, "%s TCB component %d", set, i + 1);
}

/* Components of `tl` above `have[from..15]`. Returns true when any was added. */
static bool add_components(struct maat_tcb_fix *fix, const struct maat_tcb_component *tl,
                           const uint8_t *have, int from, const char *set, const char *array)
{
    bool any = false;
    for (int i = from; i < MAAT_TCB_COMPONENTS; i++) {
        if (have[i] >= tl[i].svn) continue;
        char name[MAAT_TCB_FIX_NAME_LEN];
        component_name(&tl[i], set, i, name, sizeof name);
        add_component(fix, name, tl[i].category, array, i, have[i], tl[i].svn);
        add_update(fix, component_update(&tl[i]));
        any = true;
    }
    return any;
}

static size_t best_enclave_level(const struct maat_enclave_tcb_level *lv, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (lv[i].status < lv[best].status) best = i;
    return best;
}

bool maat_tcb_fix_wanted(const struct maat_verdict *v)
{
    return (v->ok || v->status == MAAT_TCB_REVOKED || v->tcb_policy.failed) &&
           v->status != MAAT_TCB_UP_TO_DATE;
}

int maat_tcb_fix_compute(const struct maat_verdict *v, const struct maat_quote *q,
                         const struct maat_verified_collateral *vc, struct maat_tcb_fix *fix,
                         struct maat_error *err)
{
    if (fix == NULL || v == NULL || q == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE, "tcb fix: missing argument");
    memset(fix, 0, sizeof *fix);
    /* A verdict that failed has no status to fix, except a revoked PCK certificate (or
     * PCK CA) when revocation is the only step that failed. */
    bool revoked_only = !v->ok && v->status == MAAT_TCB_REVOKED && v->failed_step == MAAT_STEP_CRL;
    for (int s = 0; s < MAAT_STEP__COUNT && revoked_only; s++)
        if (s != MAAT_STEP_CRL && v->steps[s] == MAAT_STEP_FAILED) revoked_only = false;
    /* ... or a TCB policy refusal (verify.h, TCB policy options): Intel's status was
     * determined and only step `status` failed, so the fix says how to meet the policy */
    bool policy_only = !v->ok && v->tcb_policy.failed && v->status < MAAT_TCB_STATUS__COUNT &&
                       v->failed_step == MAAT_STEP_STATUS;
    for (int s = 0; s < MAAT_STEP__COUNT && policy_only; s++)
        if (s != MAAT_STEP_STATUS && v->steps[s] == MAAT_STEP_FAILED) policy_only = false;
    if (!v->ok && !revoked_only && !policy_only)
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "tcb fix: the quote did not verify, no TCB status to fix");
    if (v->status == MAAT_TCB_UP_TO_DATE) return 0;
    if (vc == NULL)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND, "tcb fix: no verified collateral");
    const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(vc);
    const struct maat_enclave_identity *id = maat_verified_collateral_qe_identity(vc);
    if (ti == NULL || id == NULL || ti->level_count == 0 || id->level_count == 0)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND, "tcb fix: collateral has no TCB levels");
    const struct maat_pck_info *pck = &v->pck;
    uint16_t qe_svn = q->qe_report.isv_svn;
    bool tdx = q->body_type != MAAT_BODY_SGX;
    /* TEE_TCB_SVN at launch; after a relaunch advice, the current one (TD report 1.5): the
     * TD only needs relaunching to pick it up. */
    bool relaunch = v->status == MAAT_TCB_TD_RELAUNCH_ADVISED ||
                    v->status == MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
    const uint8_t *tee = !tdx                                    ? NULL
                         : relaunch && q->td_report.tee_tcb_svn2 ? q->td_report.tee_tcb_svn2
                                                                 : q->td_report.tee_tcb_svn;
    if (tdx && (tee == NULL || ti->id != MAAT_TCB_ID_TDX))
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "tcb fix: a TD quote needs its TD report and a TDX TCB info");

    /* The matched (current) levels, for the advisories the update closes. */
    const struct maat_tcb_level *cur;
    const struct maat_enclave_tcb_level *qcur, *mcur = NULL;
    const struct maat_tdx_module_identity *mid = NULL;
    if (tdx) {
        struct maat_tdx_tcb_eval e;
        if (maat_tdx_evaluate_tcb(ti, id, pck->tcb_components, pck->pcesvn, qe_svn, tee, &e) != 0 ||
            !e.supported)
            return maat_error_set(err, MAAT_ERR_VALUE, "tcb fix: tcbInfo.tcbLevels: %s",
                                  e.supported ? "bad arguments" : e.reason);
        cur = e.platform_level;
        qcur = e.qe_level;
        mcur = e.module_level;
        mid = e.module_identity;
    } else {
        cur = maat_tcb_info_match_sgx(ti, pck->tcb_components, pck->pcesvn, NULL);
        qcur = maat_enclave_identity_match(id, qe_svn, NULL);
    }
    if (cur == NULL)
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "tcb fix: tcbInfo.tcbLevels: no level matches the PCK certificate");

    const struct maat_tcb_level *tl = &ti->levels[best_tcb_level(ti)];
    const struct maat_enclave_tcb_level *ql = &id->levels[best_qe_level(id)];
    const struct maat_enclave_tcb_level *ml =
        mid ? &mid->levels[best_enclave_level(mid->levels, mid->level_count)] : NULL;
    fix->needed = true;
    fix->target_status = tdx ? maat_tdx_converge(tl->status, ml != NULL,
                                                 ml ? ml->status : MAAT_TCB_UP_TO_DATE, true,
                                                 ql->status)
                             : converge(tl->status, ql->status);
    fix->target_tcb_date = tl->has_tcb_date ? tl->tcb_date : 0;

    bool platform = add_components(fix, tl->sgx_components, pck->tcb_components, 0, "SGX",
                                   "sgxtcbcomponents");
    if (pck->pcesvn < tl->pcesvn) {
        add_component(fix, "PCESVN", NULL, NULL, MAAT_TCB_FIX_INDEX_PCESVN, pck->pcesvn, tl->pcesvn);
        add_update(fix, "PSW/PCE");
        platform = true;
    }
    if (platform) add_update(fix, "platform TCB recovery (new PCK certificate)");
    if (tdx && tl->has_tdx_components)
        add_components(fix, tl->tdx_components, tee, tee[1] > 0 ? 2 : 0, "TDX", "tdxtcbcomponents");
    if (ml && tee[0] < ml->isvsvn) {
        char name[MAAT_TCB_FIX_NAME_LEN];
        snprintf(name, sizeof name, "TDX module %s", mid->id ? mid->id : "");
        add_component(fix, name, NULL, NULL, MAAT_TCB_FIX_INDEX_TDX_MODULE, tee[0], ml->isvsvn);
        add_update(fix, "TDX module");
    }
    if (qe_svn < ql->isvsvn) {
        add_component(fix, "QE ISVSVN", NULL, NULL, MAAT_TCB_FIX_INDEX_QE_ISVSVN, qe_svn, ql->isvsvn);
        add_update(fix, "PSW/QE");
    }
    /* What no SVN update changes: the target's own configuration / hardening needs, a
     * relaunch, a revoked PCK certificate. */
    if (fix->target_status == MAAT_TCB_CONFIGURATION_NEEDED ||
        fix->target_status == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
        (fix->component_count == 0 && (v->status == MAAT_TCB_CONFIGURATION_NEEDED ||
                                       v->status == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
                                       v->status == MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)))
        add_update(fix, "platform configuration (see advisories)");
    if (fix->target_status == MAAT_TCB_SW_HARDENING_NEEDED ||
        fix->target_status == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
        add_update(fix, "enclave software hardening (see advisories)");
    if (relaunch) add_update(fix, "relaunch the TD");
    if (revoked_only) add_update(fix, "new PCK certificate (this one is revoked)");

    add_closed(fix, cur->advisory_ids, cur->advisory_id_count, tl, ql, ml);
    if (qcur) add_closed(fix, qcur->advisory_ids, qcur->advisory_id_count, tl, ql, ml);
    if (mcur) add_closed(fix, mcur->advisory_ids, mcur->advisory_id_count, tl, ql, ml);
    return 0;
}

static void fix_date(time_t t, char buf[32])
{
    struct tm tm;
    if (t == 0 || gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, 32, "-");
}

/* Names come from the signed TCB info (valid UTF-8 once parsed); "" stays "". */
static json_t *text_json(const char *s)
{
    json_t *j = json_string(s);
    return j != NULL ? j : json_string("?");
}

json_t *maat__tcb_fix_json(const struct maat_tcb_fix *fix)
{
    char t[32];
    json_t *o = json_object(), *comps = json_array(), *adv = json_array(), *up = json_array();
    if (o == NULL || comps == NULL || adv == NULL || up == NULL) goto oom;
    fix_date(fix->target_tcb_date, t);
    if (json_object_set_new(o, "target_tcb_date",
                            fix->target_tcb_date ? json_string(t) : json_null()) ||
        json_object_set_new(o, "target_status", json_string(maat_tcb_status_name(fix->target_status))))
        goto oom;
    for (size_t i = 0; i < fix->component_count; i++) {
        const struct maat_tcb_fix_component *c = &fix->components[i];
        json_t *cj = json_object();
        if (cj == NULL || json_array_append_new(comps, cj) != 0) goto oom;
        if (json_object_set_new(cj, "name", text_json(c->name)) ||
            json_object_set_new(cj, "index", c->index >= 0 ? json_integer(c->index) : json_null()) ||
            (c->array && json_object_set_new(cj, "array", json_string(c->array))) ||
            json_object_set_new(cj, "have", json_integer(c->have)) ||
            json_object_set_new(cj, "need", json_integer(c->need)) ||
            (c->category[0] && json_object_set_new(cj, "category", text_json(c->category))))
            goto oom;
    }
    for (size_t i = 0; i < fix->advisory_count; i++)
        if (json_array_append_new(adv, text_json(fix->advisory_ids_closed[i])) != 0) goto oom;
    for (size_t i = 0; i < fix->update_count; i++)
        if (json_array_append_new(up, json_string(fix->update[i])) != 0) goto oom;
    if (json_object_set_new(o, "components", comps) != 0) {
        comps = NULL;
        goto oom;
    }
    comps = NULL;
    if (json_object_set_new(o, "advisory_ids_closed", adv) != 0) {
        adv = NULL;
        goto oom;
    }
    adv = NULL;
    if (json_object_set_new(o, "update", up) != 0) {
        up = NULL;
        goto oom;
    }
    return o;
oom:
    json_decref(comps);
    json_decref(adv);
    json_decref(up);
    json_decref(o);
    return NULL;
}

/* Appends formatted text at *n, never past cap - 1. */
__attribute__((format(printf, 4, 5))) static void put(char *out, size_t cap, size_t *n,
                                                      const char *fmt, ...)
{
    if (*n + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (k > 0) *n = *n + (size_t)k < cap - 1 ? *n + (size_t)k : cap - 1;
}

void maat_tcb_fix_text(const struct maat_tcb_fix *fix, char *out, size_t cap)
{
    if (cap == 0) return;
    out[0] = '\0';
    size_t n = 0;
    char t[32];
    for (size_t i = 0; i < fix->component_count; i++) {
        const struct maat_tcb_fix_component *c = &fix->components[i];
        put(out, cap, &n, "%s%s from %u to %u", i ? ", " : "raise ", c->name, c->have, c->need);
    }
    if (fix->component_count == 0) put(out, cap, &n, "no SVN to raise");
    put(out, cap, &n, "; update: ");
    for (size_t i = 0; i < fix->update_count; i++)
        put(out, cap, &n, "%s%s", i ? ", " : "", fix->update[i]);
    if (fix->update_count == 0) put(out, cap, &n, "nothing maat can name");
    if (fix->advisory_count) {
        put(out, cap, &n, "; closes ");
        for (size_t i = 0; i < fix->advisory_count; i++)
            put(out, cap, &n, "%s%s", i ? ", " : "", fix->advisory_ids_closed[i]);
    }
    fix_date(fix->target_tcb_date, t);
    put(out, cap, &n, "; target %s (TCB level of %s)", maat_tcb_status_name(fix->target_status), t);
}
