/*
 * tdx_verify.c - the public TD quote entry point: the TDX pipeline of verify.c plus the
 * TD report fields and decoded attributes a TDX verdict reports.
 */
#include <string.h>

#include "maat/tdx.h"
#include "verify_internal.h"

static void copy_fields(const struct maat_td_report *td, struct maat_td_report_fields *f)
{
    memcpy(f->tee_tcb_svn, td->tee_tcb_svn, 16);
    memcpy(f->mr_seam, td->mr_seam, 48);
    memcpy(f->mr_signer_seam, td->mr_signer_seam, 48);
    memcpy(f->seam_attributes, td->seam_attributes, 8);
    memcpy(f->td_attributes, td->td_attributes, 8);
    memcpy(f->xfam, td->xfam, 8);
    memcpy(f->mr_td, td->mr_td, 48);
    memcpy(f->mr_config_id, td->mr_config_id, 48);
    memcpy(f->mr_owner, td->mr_owner, 48);
    memcpy(f->mr_owner_config, td->mr_owner_config, 48);
    for (int i = 0; i < 4; i++) memcpy(f->rtmr[i], td->rtmr[i], 48);
    memcpy(f->report_data, td->report_data, 64);
    if (td->tee_tcb_svn2 != NULL && td->mr_servicetd != NULL) {
        f->has_td15 = true;
        memcpy(f->tee_tcb_svn2, td->tee_tcb_svn2, 16);
        memcpy(f->mr_servicetd, td->mr_servicetd, 48);
    }
}

int maat_tdx_quote_verify(const struct maat_quote *q, const struct maat_verified_collateral *vc,
                          const struct maat_trust *trust, const struct maat_verify_opts *opts,
                          const struct maat_tdx_opts *tdx, struct maat_verdict *v,
                          struct maat_tdx_verdict *tv, struct maat_error *err)
{
    static const struct maat_tdx_opts defaults = {0};
    struct maat_tdx_verdict local;
    if (tv == NULL) tv = &local;
    memset(tv, 0, sizeof *tv);
    if (v == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "verify: a verdict is required");
    if (q != NULL && q->tee_type == MAAT_TEE_TYPE_TDX && q->td_report.raw != NULL) {
        const struct maat_td_report *td = &q->td_report;
        tv->body_type = q->body_type;
        copy_fields(td, &tv->td);
        for (int i = 7; i >= 0; i--)
            tv->td_attributes = tv->td_attributes << 8 | td->td_attributes[i];
        tv->td_debug = (tv->td_attributes & MAAT_TD_ATTR_DEBUG) != 0;
        tv->td_sept_ve_disable = (tv->td_attributes & MAAT_TD_ATTR_SEPT_VE_DISABLE) != 0;
    }
    return maat__quote_verify_run(q, vc, trust, opts, tdx ? tdx : &defaults, v, tv, err);
}
