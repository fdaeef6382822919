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

#endif
