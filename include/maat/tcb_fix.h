/*
 * tcb_fix.h - what a platform below UpToDate must update, from a verdict and the verified
 * collateral it was reached with (issue 14, "verdicts that name the fix").
 *
 * Target: the platform TCB level with the best status in the TCB info (UpToDate when there
 * is one; otherwise the best reachable status), the first in document order among equals
 * (Intel lists the highest level first); likewise for the QE identity. The fix lists every
 * TCB component, the PCESVN and the QE ISVSVN whose value is below the target's (have/need),
 * names components by the TCB info's `type` / `category` (v3) when present, gives the
 * target's tcbDate and status, the advisories that updating would close and short strings
 * naming what to update. TD quotes: also the tdxtcbcomponents against TEE_TCB_SVN (from
 * index 2 when TEE_TCB_SVN[1] > 0), the TDX module identity's isvsvn against TEE_TCB_SVN[0]
 * and the TD_QE identity. No I/O.
 */
#ifndef MAAT_TCB_FIX_H
#define MAAT_TCB_FIX_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/collateral.h"
#include "maat/error.h"
#include "maat/quote.h"
#include "maat/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_TCB_FIX_MAX_COMPONENTS \
    35 /* 16 SGX + 16 TDX components, PCESVN, QE ISVSVN,
                                          TDX module ISVSVN */
#define MAAT_TCB_FIX_NAME_LEN 64
#define MAAT_TCB_FIX_MAX_UPDATES 6
#define MAAT_TCB_FIX_UPDATE_LEN 64

/* index of the two components that are not TCB info components */
#define MAAT_TCB_FIX_INDEX_PCESVN (-1)
#define MAAT_TCB_FIX_INDEX_QE_ISVSVN (-2)
#define MAAT_TCB_FIX_INDEX_TDX_MODULE (-3) /* TEE_TCB_SVN[0] against the module identity */

struct maat_tcb_fix_component {
    char name[MAAT_TCB_FIX_NAME_LEN];     /* "SGX Late Microcode Update", "PCESVN", ... */
    char category[MAAT_TCB_FIX_NAME_LEN]; /* TCB info `category` ("BIOS", "OS/VMM"), or "" */
    int index;                            /* 0..15 in `array`, or one of the
                                             MAAT_TCB_FIX_INDEX_* above */
    const char *array;                    /* "sgxtcbcomponents" (PCK certificate SVNs),
                                             "tdxtcbcomponents" (TEE_TCB_SVN), or NULL */
    uint16_t have, need;                  /* have < need always */
};

struct maat_tcb_fix {
    bool needed;                        /* false when the verdict is UpToDate: nothing
                                             else is filled */
    enum maat_tcb_status target_status; /* platform target converged with the QE target */
    time_t target_tcb_date;             /* the platform target level's tcbDate (0: none) */
    size_t component_count;
    struct maat_tcb_fix_component components[MAAT_TCB_FIX_MAX_COMPONENTS];
    size_t advisory_count; /* advisories of the matched platform and QE levels
                                             that the target levels do not list */
    char advisory_ids_closed[MAAT_VERDICT_MAX_ADVISORIES][MAAT_VERDICT_ADVISORY_LEN];
    size_t update_count;
    char update[MAAT_TCB_FIX_MAX_UPDATES][MAAT_TCB_FIX_UPDATE_LEN];
};

/* Whether a fix is to be named for verdict `v`: below UpToDate and either verified, Revoked,
 * or refused by a TCB policy check. Callers then call maat_tcb_fix_compute and, when it
 * fails, say that the fix is unknown. */
bool maat_tcb_fix_wanted(const struct maat_verdict *v);

/* Fills `fix` for verdict `v` of SGX quote `q` verified with `vc`. Returns 0 (fix->needed
 * false when v->status is UpToDate); -1 with `err` when it cannot be computed: the verdict
 * did not verify (!v->ok, except a revoked PCK certificate or a TCB
 * policy refusal at step status alone), no collateral, or the
 * collateral does not match the verdict (no level matches). A caller that gets -1 for a
 * verdict below UpToDate must say that the fix is unknown, never print nothing. */
MAAT_MUST_CHECK int maat_tcb_fix_compute(const struct maat_verdict *v, const struct maat_quote *q,
                                         const struct maat_verified_collateral *vc,
                                         struct maat_tcb_fix *fix, struct maat_error *err);

/* The JSON form (maat__tcb_fix_json) is in the internal src/include/maat/tcb_fix_json.h. */

/* One line for error messages: "raise NAME from HAVE to NEED, ...; update: U; ...; closes
 * IDS; target STATUS (TCB level of DATE)". Always NUL-terminated (truncated to cap). */
void maat_tcb_fix_text(const struct maat_tcb_fix *fix, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_TCB_FIX_H */
