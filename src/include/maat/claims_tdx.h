/*
 * claims_tdx.h - MAA's TdxVm claim set (maa-2025.md section 3) from a verified TD quote.
 *
 * Pure: builds a JSON object from maat_tdx_quote_verify()'s verdicts; no I/O, no time.
 * The issuer (maatd) adds iat/nbf/exp/iss/jti, x-ms-policy-hash and the policy's claims.
 * See docs/claims.md "TdxVm".
 */
#ifndef MAAT_CLAIMS_TDX_H
#define MAAT_CLAIMS_TDX_H

#include <jansson.h>

#include "maat/error.h"
#include "maat/tdx.h"
#include "maat/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_TDX_EAT_PROFILE "https://aka.ms/maa-eat-profile-tdxvm"

struct maat_tcb_fix; /* maat/tcb_fix.h */

struct maat_tdx_claims_input {
    const struct maat_verdict *verdict; /* required, ok: attester_tcb_status, advisories */
    const struct maat_tdx_verdict *tdx; /* required: TD report fields, TCB detail */
    const json_t *runtime_json;         /* runtimeData of dataType JSON: x-ms-runtime */
    const json_t *inittime_json;        /* initTimeData of dataType JSON: x-ms-inittime */
    const char *nonce;                  /* request nonce, NULL = none */
    const struct maat_tcb_fix *tcb_fix; /* optional: the verdict's fix
                                              (maat_tcb_fix_compute), issued as
                                              x-maat-tcb-fix when fix->needed */
};

/*
 * The TdxVm claims: eat_profile, dbgstat ("disabled", or "enabled" for a TD with
 * TDATTRIBUTES.DEBUG), intuse "generic", attester_tcb_status (Intel's status name),
 * tdx_* measurements as lower-case hex of the raw bytes in quote order, tdx_seamsvn
 * (TEE_TCB_SVN[1] * 256 + TEE_TCB_SVN[0]), the decoded tdx_td_attributes_* booleans,
 * x-ms-attestation-type "tdxvm", x-ms-ver "1.0", x-ms-runtime / x-ms-inittime / nonce when
 * given, and maat's TCB detail: x-maat-tcb-status, x-maat-tdx-platform-tcb-status,
 * x-maat-tdx-module-tcb-status, x-maat-tdx-qe-tcb-status, x-maat-advisory-ids,
 * x-maat-qe-advisory-ids, x-maat-tcb-fix (maat__tcb_fix_json) when in->tcb_fix is
 * given and needed, and x-maat-tcb-eval-num with the TCB policy options' claims as SGX
 * tokens carry them (docs/claims.md). The set is also the policy's incoming set. New
 * reference, or NULL with err set.
 */
json_t *maat__tdx_claims_build(const struct maat_tdx_claims_input *in, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_CLAIMS_TDX_H */
