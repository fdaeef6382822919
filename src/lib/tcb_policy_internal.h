/* tcb_policy_internal.h - the TCB policy checks (tcb_policy.c) as verify.c runs them. */
#ifndef MAAT_TCB_POLICY_INTERNAL_H
#define MAAT_TCB_POLICY_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "verify_internal.h"

/* Fills v->tcb_policy from the options and the collateral; returns 0 when every check
 * asked for passed, -1 with all failures in `why` ("; "-separated). Min status and the
 * allow-list need v->status (after the status step). */
int maat__tcb_policy_apply(const struct maat_verify_opts *o,
                           const struct maat_verified_collateral *vc, struct maat_verdict *v,
                           char *why, size_t cap);

/* The grace period in maatd (issue 14): the number (N - 1) whose verdict may replace v, a
 * verdict reached with the newest number N (o->tcb_eval_num_newest; both TCB info and QE
 * identity at N), or 0. Asked when o->tcb_grace is set, N and its tcbRecoveryEventDate R are
 * known, the verification time is at most R + tcb_grace_days days, and v is worse than
 * acceptable: its status is known and below UpToDate but not Revoked (a revoked TCB is
 * never softened), and v either passed or failed at step status (the TCB policy options).
 * Anything else (another step failed, no status): 0, v stands. */
uint32_t maat__tcb_grace_previous(const struct maat_verify_opts *o, const struct maat_verdict *v);
/* Whether prev (the verdict with N - 1) replaces newest: prev passed, is not Revoked, and
 * newest failed or has a worse status (maat_tcb_status_rank). Otherwise newest stands. */
bool maat__tcb_grace_prefer(const struct maat_verdict *newest, const struct maat_verdict *prev);

#endif
