/* claims_maat_internal.h - maat's own x-maat-* claims of a verdict, listed once
 * (claims_maat.c) for every claim set that carries them: the SGX/OpenEnclave token payload
 * and incoming set (claims.c) and the TdxVm claim set (claims_tdx.c). docs/claims.md. */
#ifndef MAAT_CLAIMS_MAAT_INTERNAL_H
#define MAAT_CLAIMS_MAAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "maat/error.h"
#include "maat/tcb_fix.h"
#include "maat/verify.h"

enum maat__xclaim_kind {
    MAAT__X_INT,  /* i */
    MAAT__X_STR,  /* s, n */
    MAAT__X_BOOL, /* b */
    MAAT__X_IDS,  /* ids, count: an array claim of advisory IDs (may be empty) */
    MAAT__X_JSON, /* json: a new reference the callback takes (also on failure) */
};

struct maat__xclaim {
    const char *type; /* a literal: outlives every claim set */
    enum maat__xclaim_kind kind;
    int64_t i;
    bool b;
    const char *s;
    size_t n;
    const char (*ids)[MAAT_VERDICT_ADVISORY_LEN];
    size_t count;
    json_t *json;
};

/* Called once per claim; returns 0, or -1 with the sink's error set. */
typedef int (*maat__xclaim_fn)(void *arg, const struct maat__xclaim *c);

/* Which groups to list. MAAT__X_TCB_POLICY: x-maat-tcb-eval-num and the TCB policy
 * options' claims (-eval-num-newest, -pinned, -update, -in-grace, -grace-until,
 * -collateral-age, -max-collateral-age-days, -min-tcb-status, -advisory-allow-list), only
 * what applies. MAAT__X_VERDICT: x-maat-tcb-fix (fix given and needed), -tcb-status,
 * -advisory-ids, -qe-advisory-ids, -tcb-date (when known), -simulated-platform (only when
 * true). */
#define MAAT__X_TCB_POLICY 1u
#define MAAT__X_VERDICT 2u

/* Lists the claims of `what` for verdict v in a fixed order. Returns 0 or the first
 * failure (fn's, or err set for an out-of-range TCB date or no memory). */
int maat__xclaims_each(const struct maat_verdict *v, const struct maat_tcb_fix *fix, unsigned what,
                       maat__xclaim_fn fn, void *arg, struct maat_error *err);

#endif
