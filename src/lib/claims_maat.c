/*
 * claims_maat.c - maat's own x-maat-* claims of a verdict (docs/claims.md, "maat's own
 * claims"), listed once for every claim set that carries them: the SGX/OpenEnclave token
 * payload and the incoming set a policy matches (claims.c), and the TdxVm claim set, which
 * is both (claims_tdx.c). Each caller writes the claims its own way through a callback.
 * Leaf: calls neither claims.c nor claims_tdx.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "maat/collateral.h"
#include "maat/tcb_fix_json.h"
#include "claims_maat_internal.h"

#define EMIT(...)                               \
    do {                                        \
        struct maat__xclaim c_ = {__VA_ARGS__}; \
        if (fn(arg, &c_) != 0) return -1;       \
    } while (0)
#define X_INT(t, v) EMIT(.type = (t), .kind = MAAT__X_INT, .i = (int64_t)(v))
#define X_BOOL(t, v) EMIT(.type = (t), .kind = MAAT__X_BOOL, .b = (v))
#define X_STR(t, v) EMIT(.type = (t), .kind = MAAT__X_STR, .s = (v), .n = strlen(v))

/* The TCB policy findings (issue 14): the evaluation number used, and each option that
 * was configured (a token exists only when every check passed). */
static int tcb_policy(const struct maat_verdict *v, maat__xclaim_fn fn, void *arg)
{
    const struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    if (!v->collateral_present) return 0;
    if (v->tcb_evaluation_data_number != 0)
        X_INT("x-maat-tcb-eval-num", v->tcb_evaluation_data_number);
    if (p->eval_num_newest != 0) X_INT("x-maat-tcb-eval-num-newest", p->eval_num_newest);
    if (p->eval_num_pinned != 0) X_INT("x-maat-tcb-eval-num-pinned", p->eval_num_pinned);
    const char *up = maat_tcb_update_name(p->update);
    if (up != NULL) X_STR("x-maat-tcb-update", up);
    if (p->grace) {
        X_BOOL("x-maat-tcb-in-grace", p->in_grace);
        X_INT("x-maat-tcb-grace-until", p->grace_until);
    }
    if (p->max_collateral_age_days != 0) {
        X_INT("x-maat-collateral-age", p->collateral_age);
        X_INT("x-maat-max-collateral-age-days", p->max_collateral_age_days);
    }
    if (p->has_min_status) X_STR("x-maat-min-tcb-status", maat_tcb_status_name(p->min_status));
    if (p->advisory_allow_list) X_BOOL("x-maat-advisory-allow-list", true);
    return 0;
}

/* `t` as "YYYY-MM-DDTHH:MM:SSZ" (what strftime writes for four-digit years, without it). */
static int date_text(time_t t, char buf[32], struct maat_error *err)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return maat_error_set(err, MAAT_ERR_VALUE, "claims: TCB date %lld out of range",
                              (long long)t);
    if (tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9999 - 1900) {
        const int f[6] = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour,        tm.tm_min,     tm.tm_sec};
        char *o = buf;
        for (int i = 0; i < 6; i++) {
            if (i == 0) {
                *o++ = (char)('0' + f[0] / 1000);
                *o++ = (char)('0' + f[0] / 100 % 10);
            }
            *o++ = (char)('0' + f[i] / 10 % 10);
            *o++ = (char)('0' + f[i] % 10);
            *o++ = "--T::Z"[i];
        }
        *o = '\0';
        return 0;
    }
    if (strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return maat_error_set(err, MAAT_ERR_VALUE, "claims: TCB date %lld out of range",
                              (long long)t);
    return 0;
}

static int verdict_claims(const struct maat_verdict *v, const struct maat_tcb_fix *fix,
                          maat__xclaim_fn fn, void *arg, struct maat_error *err)
{
    if (fix != NULL && fix->needed) {
        json_t *fj = maat__tcb_fix_json(fix);
        if (fj == NULL)
            return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot add x-maat-tcb-fix");
        EMIT(.type = "x-maat-tcb-fix", .kind = MAAT__X_JSON, .json = fj);
    }
    X_STR("x-maat-tcb-status", maat_tcb_status_name(v->status));
    /* as Intel reports them: the matched TCB level's advisories; the QE identity level's
     * apart (docs/claims.md) */
    EMIT(.type = "x-maat-advisory-ids", .kind = MAAT__X_IDS, .ids = v->advisory_ids,
         .count = v->advisory_count < MAAT_VERDICT_MAX_ADVISORIES ? v->advisory_count
                                                                  : MAAT_VERDICT_MAX_ADVISORIES);
    EMIT(.type = "x-maat-qe-advisory-ids", .kind = MAAT__X_IDS, .ids = v->qe_advisory_ids,
         .count = v->qe_advisory_count < MAAT_VERDICT_MAX_ADVISORIES ? v->qe_advisory_count
                                                                     : MAAT_VERDICT_MAX_ADVISORIES);
    if (v->tcb_date != 0) {
        char buf[32];
        if (date_text(v->tcb_date, buf, err) != 0) return -1;
        X_STR("x-maat-tcb-date", buf);
    }
    /* Only when true: a token from a production chain carries no trace of test PKIs. */
    if (v->trusted_root_simulated) X_BOOL("x-maat-simulated-platform", true);
    return 0;
}

int maat__xclaims_each(const struct maat_verdict *v, const struct maat_tcb_fix *fix, unsigned what,
                       maat__xclaim_fn fn, void *arg, struct maat_error *err)
{
    if (v == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "claims: no verdict");
    if ((what & MAAT__X_TCB_POLICY) && tcb_policy(v, fn, arg) != 0) return -1;
    if ((what & MAAT__X_VERDICT) && verdict_claims(v, fix, fn, arg, err) != 0) return -1;
    return 0;
}
