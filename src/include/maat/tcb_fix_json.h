/*
 * tcb_fix_json.h - the fix (include/maat/tcb_fix.h) as a jansson object: internal to maat's
 * own programs (not installed: the installed API exposes no jansson type).
 */
#ifndef MAAT_TCB_FIX_JSON_H
#define MAAT_TCB_FIX_JSON_H

#include <jansson.h>

#include "maat/tcb_fix.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The fix as the JSON object `maat verify --json` prints as `fix` and tokens carry as
 * `x-maat-tcb-fix`: {target_tcb_date (RFC 3339 Z or null), target_status, components
 * [{name, index (null for PCESVN / QE ISVSVN / TDX module), have, need, category?,
 * array?}], advisory_ids_closed, update}. New reference, NULL when out of memory. */
json_t *maat__tcb_fix_json(const struct maat_tcb_fix *fix);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_TCB_FIX_JSON_H */
