/*
 * tdx_tcb.c - TDX TCB level matching, module identity checks, status convergence, TD
 * relaunch and maat's TD appraisal defaults, as pure functions over parsed collateral.
 *
 * Rules: Intel QVL26 (confidential-computing.tee.dcap.qvl) EvaluateTcb.cpp,
 * TdxModuleCheck.cpp, TcbLevelCheck.cpp, TDRelaunchCheck.cpp and QuoteVerifier.cpp, as
 * summarised in ../shared/spec/tdx.md §7-§10; appraisal defaults per §4 and §12.
 */
#include <stdio.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/tdx.h"

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

const struct maat_tcb_level *maat_tdx_match_platform(const struct maat_tcb_info *ti,
                                                     const uint8_t pck_comps[MAAT_TCB_COMPONENTS],
                                                     uint16_t pck_pcesvn,
                                                     const uint8_t tee_tcb_svn[16], size_t *index)
{
    if (ti == NULL || pck_comps == NULL || tee_tcb_svn == NULL) return NULL;
    /* With a module version (TEE_TCB_SVN[1] > 0), bytes 0..1 are judged by the module
     * identity alone. */
    int start = tee_tcb_svn[1] > 0 ? 2 : 0;
    for (size_t i = 0; i < ti->level_count; i++) {
        const struct maat_tcb_level *lv = &ti->levels[i];
        if (!lv->has_tdx_components) continue;
        bool ok = lv->pcesvn <= pck_pcesvn;
        for (int k = 0; ok && k < MAAT_TCB_COMPONENTS; k++)
            ok = lv->sgx_components[k].svn <= pck_comps[k];
        for (int k = start; ok && k < MAAT_TCB_COMPONENTS; k++)
            ok = lv->tdx_components[k].svn <= tee_tcb_svn[k];
        if (ok) {
            if (index) *index = i;
            return lv;
        }
    }
    return NULL;
}

static bool id_equal_upper(const char *a, const char *want)
{
    size_t n = strlen(want);
    if (strlen(a) != n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (c != want[i]) return false;
    }
    return true;
}

const struct maat_tdx_module_identity *maat_tdx_module_identity_find(const struct maat_tcb_info *ti,
                                                                     uint8_t major)
{
    if (ti == NULL) return NULL;
    char want[8];
    snprintf(want, sizeof want, "TDX_%02X", major);
    for (size_t i = 0; i < ti->tdx_module_identity_count; i++)
        if (ti->tdx_module_identities[i].id && id_equal_upper(ti->tdx_module_identities[i].id, want))
            return &ti->tdx_module_identities[i];
    return NULL;
}

int maat_tdx_module_check(const struct maat_tcb_info *ti, const struct maat_td_report *td,
                          uint16_t quote_version, char used[16], char *reason, size_t reason_len)
{
    if (used) used[0] = '\0';
    if (ti == NULL || td == NULL || td->raw == NULL || !ti->has_tdx_module) {
        snprintf(reason, reason_len, "TDX module mismatch: the TCB info has no tdxModule");
        return -1;
    }
    const uint8_t *mrsigner = ti->tdx_module.mrsigner;
    const uint8_t *attributes = ti->tdx_module.attributes;
    const char *name = "tdxModule";
    char idname[8];
    uint8_t major = td->tee_tcb_svn[1];
    if (quote_version > 3 && major > 0) {
        const struct maat_tdx_module_identity *m = maat_tdx_module_identity_find(ti, major);
        snprintf(idname, sizeof idname, "TDX_%02X", major);
        if (m == NULL) {
            snprintf(reason, reason_len,
                     "TDX module mismatch: TEE_TCB_SVN[1] = %u needs module identity %s, which "
                     "the TCB info's tdxModuleIdentities lack",
                     major, idname);
            return -1;
        }
        mrsigner = m->mrsigner;
        attributes = m->attributes;
        name = idname;
    }
    if (used) snprintf(used, 16, "%s", name);
    if (memcmp(td->mr_signer_seam, mrsigner, 48) != 0) {
        char a[97], b[97];
        maat_hex_encode(td->mr_signer_seam, 48, a);
        maat_hex_encode(mrsigner, 48, b);
        snprintf(reason, reason_len,
                 "TDX module mismatch: MRSIGNERSEAM (TD report offset 64) %s, %s expects %s", a,
                 name, b);
        return -1;
    }
    /* Intel: each SEAMATTRIBUTES byte must be zero and equal `attributes`; the mask is
     * read but never applied. */
    for (int i = 0; i < 8; i++) {
        if (td->seam_attributes[i] != 0 || attributes[i] != td->seam_attributes[i]) {
            char a[17], b[17];
            maat_hex_encode(td->seam_attributes, 8, a);
            maat_hex_encode(attributes, 8, b);
            snprintf(
                reason, reason_len,
                "TDX module mismatch: SEAMATTRIBUTES (TD report offset 112) %s (byte %d) must be "
                "zero and equal "
                "%s attributes %s",
                a, i, name, b);
            return -1;
        }
    }
    return 0;
}

enum maat_tcb_status maat_tdx_converge(enum maat_tcb_status platform, bool has_module,
                                       enum maat_tcb_status module, bool has_qe,
                                       enum maat_tcb_status qe)
{
    enum maat_tcb_status s = platform;
    bool ood = (has_module && module == MAAT_TCB_OUT_OF_DATE) ||
               (has_qe && qe == MAAT_TCB_OUT_OF_DATE);
    bool revoked = (has_module && module == MAAT_TCB_REVOKED) || (has_qe && qe == MAAT_TCB_REVOKED);
    if (ood) {
        if (s == MAAT_TCB_UP_TO_DATE || s == MAAT_TCB_SW_HARDENING_NEEDED)
            s = MAAT_TCB_OUT_OF_DATE;
        else if (s == MAAT_TCB_CONFIGURATION_NEEDED ||
                 s == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            s = MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    if (revoked) s = MAAT_TCB_REVOKED;
    return s;
}

static bool config_needed(enum maat_tcb_status s)
{
    return s == MAAT_TCB_CONFIGURATION_NEEDED ||
           s == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
           s == MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
}

enum maat_tcb_status maat_tdx_relaunch_status(enum maat_tcb_status launch,
                                              enum maat_tcb_status current)
{
    bool launch_ood = launch == MAAT_TCB_OUT_OF_DATE ||
                      launch == MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    bool current_ok = current == MAAT_TCB_UP_TO_DATE || current == MAAT_TCB_SW_HARDENING_NEEDED ||
                      current == MAAT_TCB_CONFIGURATION_NEEDED ||
                      current == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED;
    if (!launch_ood || !current_ok) return launch;
    return config_needed(launch) || config_needed(current)
               ? MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
               : MAAT_TCB_TD_RELAUNCH_ADVISED;
}

/* The QE level with the highest isvsvn <= the QE's (QVL26 sorts descending, takes the
 * first); equal isvsvn: the first in document order. */
static const struct maat_enclave_tcb_level *qe_level(const struct maat_enclave_identity *id,
                                                     uint16_t isvsvn)
{
    const struct maat_enclave_tcb_level *best = NULL;
    for (size_t i = 0; i < id->level_count; i++) {
        const struct maat_enclave_tcb_level *l = &id->levels[i];
        if (l->isvsvn <= isvsvn && (best == NULL || l->isvsvn > best->isvsvn)) best = l;
    }
    return best;
}

static void min_date(time_t *acc, bool has, time_t d)
{
    if (has && (*acc == 0 || d < *acc)) *acc = d;
}

int maat_tdx_evaluate_tcb(const struct maat_tcb_info *ti, const struct maat_enclave_identity *qe_id,
                          const uint8_t pck_comps[MAAT_TCB_COMPONENTS], uint16_t pck_pcesvn,
                          uint16_t qe_isvsvn, const uint8_t tee_tcb_svn[16],
                          struct maat_tdx_tcb_eval *out)
{
    if (out == NULL) return -1;
    memset(out, 0, sizeof *out);
    if (ti == NULL || qe_id == NULL || pck_comps == NULL || tee_tcb_svn == NULL) return -1;
    if (ti->version < 3 || ti->id != MAAT_TCB_ID_TDX) {
        snprintf(out->reason, sizeof out->reason, "TCB info is not a v3 TDX TCB info");
        return 0;
    }
    out->platform_level = maat_tdx_match_platform(ti, pck_comps, pck_pcesvn, tee_tcb_svn,
                                                  &out->platform_index);
    if (out->platform_level == NULL) {
        char hex[33];
        maat_hex_encode(tee_tcb_svn, 16, hex);
        snprintf(out->reason, sizeof out->reason,
                 "TCB not supported: no TDX TCB level matches the PCK's TCB and TEE_TCB_SVN %s%s",
                 hex, tee_tcb_svn[1] > 0 ? " (bytes 0..1 skipped: module version > 0)" : "");
        return 0;
    }
    out->platform_status = out->platform_level->status;
    min_date(&out->tcb_date, out->platform_level->has_tcb_date, out->platform_level->tcb_date);
    if (tee_tcb_svn[1] > 0) {
        out->module_identity = maat_tdx_module_identity_find(ti, tee_tcb_svn[1]);
        if (out->module_identity == NULL) {
            snprintf(out->reason, sizeof out->reason,
                     "TCB not supported: no module identity TDX_%02X in the TCB info",
                     tee_tcb_svn[1]);
            return 0;
        }
        const struct maat_tdx_module_identity *m = out->module_identity;
        for (size_t i = 0; i < m->level_count; i++) {
            const struct maat_enclave_tcb_level *l = &m->levels[i];
            if (l->isvsvn <= tee_tcb_svn[0] &&
                (out->module_level == NULL || l->isvsvn > out->module_level->isvsvn))
                out->module_level = l;
        }
        if (out->module_level == NULL) {
            snprintf(out->reason, sizeof out->reason,
                     "TCB not supported: TDX module SVN %u (TEE_TCB_SVN[0]) is below every level "
                     "of %s",
                     tee_tcb_svn[0], m->id);
            return 0;
        }
        enum maat_tcb_status ms = out->module_level->status;
        if (ms != MAAT_TCB_UP_TO_DATE && ms != MAAT_TCB_OUT_OF_DATE && ms != MAAT_TCB_REVOKED) {
            snprintf(out->reason, sizeof out->reason,
                     "unrecognized TCB status %s for a %s level (expected UpToDate, OutOfDate or "
                     "Revoked)",
                     maat_tcb_status_name(ms), m->id);
            return 0;
        }
        out->has_module_status = true;
        out->module_status = ms;
        min_date(&out->tcb_date, out->module_level->has_tcb_date, out->module_level->tcb_date);
    }
    out->qe_level = qe_level(qe_id, qe_isvsvn);
    if (out->qe_level == NULL) {
        snprintf(out->reason, sizeof out->reason,
                 "TCB not supported: QE ISVSVN %u is below every TD_QE identity level", qe_isvsvn);
        return 0;
    }
    out->qe_status = out->qe_level->status;
    min_date(&out->tcb_date, out->qe_level->has_tcb_date, out->qe_level->tcb_date);
    out->status = maat_tdx_converge(out->platform_status, out->has_module_status,
                                    out->module_status, true, out->qe_status);
    out->supported = true;
    return 0;
}

int maat_tdx_appraise(const struct maat_td_report *td, const struct maat_tdx_opts *opts,
                      char *reason, size_t reason_len)
{
    static const struct maat_tdx_opts defaults = {0};
    if (opts == NULL) opts = &defaults;
    if (td == NULL || td->raw == NULL) {
        snprintf(reason, reason_len, "TD appraisal: no TD report");
        return -1;
    }
    uint64_t a = le64(td->td_attributes);
    int n = 0;
    size_t used = 0;
    reason[0] = '\0';
#define ADD(...)                                                                     \
    do {                                                                             \
        if (used < reason_len) {                                                     \
            int k = snprintf(reason + used, reason_len - used, "%s", n ? "; " : ""); \
            if (k > 0) used += (size_t)k;                                            \
            if (used < reason_len) {                                                 \
                k = snprintf(reason + used, reason_len - used, __VA_ARGS__);         \
                if (k > 0) used += (size_t)k;                                        \
            }                                                                        \
        }                                                                            \
        n++;                                                                         \
    } while (0)
    if ((a & MAAT_TD_ATTR_DEBUG) && !opts->allow_debug_td)
        ADD("TDATTRIBUTES (TD report offset 120) 0x%016llx: DEBUG (bit 0) is set: a debug TD is "
            "refused (opt in: "
            "allow_debug_td)",
            (unsigned long long)a);
    if ((a & MAAT_TD_ATTR_RESERVED) && !opts->allow_reserved_td_attributes)
        ADD("TDATTRIBUTES (TD report offset 120) 0x%016llx: reserved bits 0x%016llx are set (opt "
            "in: "
            "allow_reserved_td_attributes)",
            (unsigned long long)a, (unsigned long long)(a & MAAT_TD_ATTR_RESERVED));
    if (!(a & MAAT_TD_ATTR_SEPT_VE_DISABLE) && !opts->allow_sept_ve_enabled)
        ADD("TDATTRIBUTES (TD report offset 120) 0x%016llx: SEPT_VE_DISABLE (bit 28) is not set "
            "(opt in: "
            "allow_sept_ve_enabled)",
            (unsigned long long)a);
    if (td->mr_servicetd && !maat_is_zero(td->mr_servicetd, 48) && !opts->allow_service_td)
        ADD("MRSERVICETD (TD report offset 600) is not zero: a TD bound to service TDs is "
            "refused (opt in: allow_service_td)");
#undef ADD
    return n ? -1 : 0;
}
