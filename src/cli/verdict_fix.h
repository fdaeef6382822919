/*
 * verdict_fix.h - `maat verify` output of the fix a verdict below UpToDate names
 * (libmaat's struct maat_tcb_fix) and of the QE identity's advisories, text and JSON.
 */
#ifndef MAAT_CLI_VERDICT_FIX_H
#define MAAT_CLI_VERDICT_FIX_H

#include <stdio.h>

#include <jansson.h>

#include "maat/quote_check.h"
#include "maat/tcb_fix.h"
#include "maat/verify.h"

/* The `fix` object: target_tcb_date, target_status, components [{name, index, have, need,
 * category?, array?}], advisory_ids_closed, update. `index` is null for PCESVN, QE ISVSVN
 * and the TDX module. */
json_t *cli_fix_json(const struct maat_tcb_fix *fix);
/* The fix as text lines ("fix:", "  raise:", "  closes:", "  update:"). */
void cli_fix_print(FILE *f, const struct maat_tcb_fix *fix);

/* Computes the fix for a verdict and adds it to `o` as `fix` (nothing when UpToDate or not
 * verified); when it cannot be computed, `fix_error` says why (never silently absent). */
void cli_fix_attach(json_t *o, const struct maat_verdict *v, const struct maat_quote *q,
                    const struct maat_verified_collateral *vc);
/* The same from what maat_quote_check computed (its fix or fix_error). */
void cli_fix_attach_check(json_t *o, const struct maat_quote_check *c);
/* The same for text output. */
void cli_fix_print_for(FILE *f, const struct maat_verdict *v, const struct maat_quote *q,
                       const struct maat_verified_collateral *vc);

/* `qe_advisory_ids` (JSON array) / the "qe advisories:" text line. */
void cli_qe_advisories_json(json_t *o, const struct maat_verdict *v);
void cli_qe_advisories_print(FILE *f, const struct maat_verdict *v);

/* The TCB policy findings (libmaat's v->tcb_policy, issue 14) added to a verdict object:
 * `tcb_eval_num` (the number used: the lower of TCB info's and QE identity's),
 * `tcb_eval_num_newest`, and the object `tcb_policy` (docs/verify.md, "TCB policy").
 * Nothing when no collateral was present. */
void cli_tcb_policy_json(json_t *o, const struct maat_verdict *v);
/* The same as text lines ("tcb eval num:", "tcb policy:"). */
void cli_tcb_policy_print(FILE *f, const struct maat_verdict *v);

#endif
