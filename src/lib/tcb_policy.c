/*
 * tcb_policy.c - the verifier's TCB policy options (issue 14): a pinned TCB evaluation
 * data number, the grace period after a TCB recovery, a maximum collateral age, a minimum
 * TCB status and an advisory allow-list. Run by verify.c after the status step; records
 * what it found in v->tcb_policy and returns every failure in one message. No I/O.
 * Rules: docs/verify.md, "TCB policy".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "maat/crypto.h"
#include "tcb_policy_internal.h"

int maat_tcb_status_rank(enum maat_tcb_status s)
{
    switch (s) {
    case MAAT_TCB_UP_TO_DATE: return 0;
    case MAAT_TCB_TD_RELAUNCH_ADVISED: return 1;
    case MAAT_TCB_SW_HARDENING_NEEDED: return 2;
    case MAAT_TCB_CONFIGURATION_NEEDED: return 3;
    case MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED: return 4;
    case MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED: return 5;
    case MAAT_TCB_OUT_OF_DATE: return 6;
    case MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED: return 7;
    case MAAT_TCB_REVOKED: return 8;
    default: return 9;
    }
}

const char *maat_tcb_update_name(enum maat_tcb_update u)
{
    switch (u) {
    case MAAT_TCB_UPDATE_STANDARD: return "standard";
    case MAAT_TCB_UPDATE_EARLY: return "early";
    default: return NULL;
    }
}

int maat_tcb_update_parse(const char *s, enum maat_tcb_update *out)
{
    if (s != NULL && strcmp(s, "standard") == 0)
        *out = MAAT_TCB_UPDATE_STANDARD;
    else if (s != NULL && strcmp(s, "early") == 0)
        *out = MAAT_TCB_UPDATE_EARLY;
    else
        return -1;
    return 0;
}

static void fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, 32, "%lld", (long long)t);
}

/* Appends "; msg" (or msg) to why, truncating at its end. */
__attribute__((format(printf, 3, 4))) static void add(char *why, size_t cap, const char *fmt, ...)
{
    size_t n = strnlen(why, cap);
    if (n + 3 >= cap) return;
    if (n > 0) {
        memcpy(why + n, "; ", 2);
        n += 2;
        why[n] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + n, cap - n, fmt, ap);
    va_end(ap);
}

/* The oldest issue date of the four dated collateral documents, and its name. */
static void oldest_issue(const struct maat_verified_collateral *vc, time_t *when, const char **what)
{
    *when = vc->tcb_info.issue_date;
    *what = "TCB info";
    if (vc->qe_identity.issue_date < *when) {
        *when = vc->qe_identity.issue_date;
        *what = "QE identity";
    }
    time_t t;
    if (vc->root_crl && maat__asn1_time_to_unix(X509_CRL_get0_lastUpdate(vc->root_crl), &t) == 0 &&
        t < *when) {
        *when = t;
        *what = "Root CA CRL";
    }
    if (vc->pck_crl && maat__asn1_time_to_unix(X509_CRL_get0_lastUpdate(vc->pck_crl), &t) == 0 &&
        t < *when) {
        *when = t;
        *what = "PCK CRL";
    }
}

static bool allowed(const struct maat_verify_opts *o, const char *id)
{
    for (size_t i = 0; i < o->allowed_advisory_count; i++)
        if (o->allowed_advisories[i] != NULL && strcmp(o->allowed_advisories[i], id) == 0)
            return true;
    return false;
}

static void not_allowed(struct maat_tcb_policy_verdict *p, const char *id)
{
    for (size_t k = 0; k < p->advisories_not_allowed_count; k++)
        if (strcmp(p->advisories_not_allowed[k], id) == 0) return;
    if (p->advisories_not_allowed_count < MAAT_VERDICT_MAX_ADVISORIES)
        snprintf(p->advisories_not_allowed[p->advisories_not_allowed_count++],
                 MAAT_VERDICT_ADVISORY_LEN, "%s", id);
}

#define DAY 86400

int maat__tcb_policy_apply(const struct maat_verify_opts *o,
                           const struct maat_verified_collateral *vc, struct maat_verdict *v,
                           char *why, size_t cap)
{
    struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    char t1[32], t2[32];
    why[0] = '\0';
    const struct maat_tcb_info *ti = &vc->tcb_info;
    const struct maat_enclave_identity *id = &vc->qe_identity;
    p->tcb_info_eval_num = ti->has_tcb_evaluation_data_number ? ti->tcb_evaluation_data_number : 0;
    p->qe_identity_eval_num = id->has_tcb_evaluation_data_number ? id->tcb_evaluation_data_number : 0;
    p->eval_num_pinned = o->tcb_eval_num;
    p->eval_num_newest = o->tcb_eval_num_newest;
    p->update = o->tcb_update;
    /* the number used: the lower of the two, as QvE reports it (0 when one lacks it) */
    uint32_t used = p->tcb_info_eval_num < p->qe_identity_eval_num ? p->tcb_info_eval_num
                                                                   : p->qe_identity_eval_num;

    if (o->tcb_eval_num != 0) {
        if (p->tcb_info_eval_num != o->tcb_eval_num)
            add(why,
                cap, "TCB info tcbEvaluationDataNumber is %s%u, the pinned number (--tcb-eval-num) is %u",
                p->tcb_info_eval_num ? "" : "absent: ", p->tcb_info_eval_num, o->tcb_eval_num);
        if (p->qe_identity_eval_num != o->tcb_eval_num)
            add(why, cap,
                "QE identity tcbEvaluationDataNumber is %s%u, the pinned number (--tcb-eval-num) "
                "is %u",
                p->qe_identity_eval_num ? "" : "absent: ", p->qe_identity_eval_num, o->tcb_eval_num);
    }

    if (o->tcb_grace) {
        p->grace = true;
        p->grace_days = o->tcb_grace_days;
        if (o->tcb_eval_num_newest == 0 || o->tcb_newest_recovery_date == 0) {
            add(why, cap,
                "grace period: the newest tcbEvaluationDataNumber and its tcbRecoveryEventDate are "
                "required and were not given, so freshness could not be checked");
        } else {
            p->grace_until = o->tcb_newest_recovery_date + (time_t)o->tcb_grace_days * DAY;
            if (used == 0) {
                add(why, cap, "grace period: the collateral carries no tcbEvaluationDataNumber");
            } else if (used >= o->tcb_eval_num_newest) {
                /* current */
            } else if (used + 1 == o->tcb_eval_num_newest && o->at <= p->grace_until) {
                p->in_grace = true;
            } else {
                fmt_time(p->grace_until, t1);
                fmt_time(o->at, t2);
                if (used + 1 == o->tcb_eval_num_newest)
                    add(why, cap,
                        "tcbEvaluationDataNumber %u is older than the newest, %u, and its grace "
                        "period (%u days after the tcbRecoveryEventDate) ended at %s "
                        "(verification time %s)",
                        used, o->tcb_eval_num_newest, o->tcb_grace_days, t1, t2);
                else
                    add(why, cap,
                        "tcbEvaluationDataNumber %u is older than the previous one (%u) before "
                        "the newest, %u: no grace period applies",
                        used, o->tcb_eval_num_newest - 1, o->tcb_eval_num_newest);
            }
        }
    }

    time_t oldest;
    const char *what;
    oldest_issue(vc, &oldest, &what);
    p->collateral_age = (int64_t)o->at - (int64_t)oldest;
    snprintf(p->collateral_oldest, sizeof p->collateral_oldest, "%s", what);
    p->max_collateral_age_days = o->max_collateral_age_days;
    if (o->max_collateral_age_days != 0 &&
        p->collateral_age > (int64_t)o->max_collateral_age_days * DAY) {
        fmt_time(oldest, t1);
        fmt_time(o->at, t2);
        add(why, cap,
            "%s was issued at %s, %lld days before the verification time %s: more than the "
            "maximum collateral age of %u days (--max-collateral-age)",
            what, t1, (long long)(p->collateral_age / DAY), t2, o->max_collateral_age_days);
    }

    p->has_min_status = o->has_min_tcb_status;
    p->min_status = o->min_tcb_status;
    bool status_known = v->status < MAAT_TCB_STATUS__COUNT;
    if (o->has_min_tcb_status) {
        if (!status_known)
            add(why, cap, "minimum TCB status %s: no TCB status was determined",
                maat_tcb_status_name(o->min_tcb_status));
        else if (maat_tcb_status_rank(v->status) > maat_tcb_status_rank(o->min_tcb_status))
            add(why, cap, "TCB status %s is worse than the minimum accepted, %s (--min-tcb-status)",
                maat_tcb_status_name(v->status), maat_tcb_status_name(o->min_tcb_status));
    }

    p->advisory_allow_list = o->advisory_allow_list;
    if (o->advisory_allow_list) {
        for (size_t i = 0; i < v->advisory_count; i++)
            if (!allowed(o, v->advisory_ids[i])) not_allowed(p, v->advisory_ids[i]);
        for (size_t i = 0; i < v->qe_advisory_count; i++)
            if (!allowed(o, v->qe_advisory_ids[i])) not_allowed(p, v->qe_advisory_ids[i]);
        if (!status_known) {
            add(why, cap,
                "advisory allow-list: no TCB level was matched, so the advisories are "
                "unknown");
        } else if (p->advisories_not_allowed_count > 0) {
            char list[512] = "";
            size_t n = 0;
            for (size_t i = 0; i < p->advisories_not_allowed_count && n + 2 < sizeof list; i++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                                      p->advisories_not_allowed[i]);
            add(why, cap, "advisories not in the allow-list (--allow-advisory): %s", list);
        }
    }
    p->failed = why[0] != '\0';
    return p->failed ? -1 : 0;
}

/* The grace period's fallback (issue 14; docs/verify.md "Grace period in maatd"). */
uint32_t maat__tcb_grace_previous(const struct maat_verify_opts *o, const struct maat_verdict *v)
{
    if (!o->tcb_grace || o->tcb_eval_num_newest < 2 || o->tcb_newest_recovery_date == 0) return 0;
    const struct maat_tcb_policy_verdict *p = &v->tcb_policy;
    uint32_t used = p->tcb_info_eval_num < p->qe_identity_eval_num ? p->tcb_info_eval_num
                                                                   : p->qe_identity_eval_num;
    if (used != o->tcb_eval_num_newest) return 0; /* not reached with N: the rule decides */
    if (o->at > o->tcb_newest_recovery_date + (time_t)o->tcb_grace_days * DAY) return 0;
    if (v->status >= MAAT_TCB_STATUS__COUNT || v->status == MAAT_TCB_UP_TO_DATE ||
        v->status == MAAT_TCB_REVOKED)
        return 0; /* no status, nothing to improve, or revoked (never softened) */
    if (!v->ok && v->failed_step != MAAT_STEP_STATUS) return 0; /* not a TCB refusal */
    return o->tcb_eval_num_newest - 1;
}

bool maat__tcb_grace_prefer(const struct maat_verdict *newest, const struct maat_verdict *prev)
{
    if (!prev->ok || prev->status >= MAAT_TCB_STATUS__COUNT || prev->status == MAAT_TCB_REVOKED)
        return false;
    if (!newest->ok) return true;
    return maat_tcb_status_rank(prev->status) < maat_tcb_status_rank(newest->status);
}
