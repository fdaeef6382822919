/*
 * attest.h - the library side of MAA's POST /attest/SgxEnclave, /attest/OpenEnclave and
 * /attest/TdxVm: request parsing, the runtime/init-time data bindings, the MAA claim set
 * (incoming claims for policies, the token payload) and the whole pipeline. No I/O: maatd
 * reads the body, calls maat__attest_run, then signs the payload with jose.h.
 *
 * The whole request in one call: maat__attest_run() (bottom of this header) - parse,
 * quote, bindings, PCK chain, collateral from the caller, verification (SGX or TDX),
 * incoming claims, policy, payload text; maatd, bench_attest and the request fuzzer all
 * use it. The steps below are its parts, public for tools and tests:
 *   maat__attest_request_parse(body, len, route, &req, &aerr)      -> 400 aerr.code
 *   maat_quote_parse(req.evidence, req.evidence_len, &q, &err)     -> 400 InvalidParameter
 *   maat__attest_check_bindings(&req, &q, &aerr)                    -> 400 aerr.code
 *   maat_quote_verify(...) / maat_tdx_quote_verify(...) (verdict ok) -> 400 InvalidParameter
 *   maat__claims_incoming_list(&in, ...) (SGX) / maat__tdx_claims_build (TdxVm)
 *   maat__policy_evaluate(...); maat__claims_payload_text(...)
 *   maat__jws_sign(key, header, payload, true, &err)   (keys sorted, as MAA)
 *
 * Claim names, types and derivations: docs/claims.md (and maa.md section 2).
 */
#ifndef MAAT_ATTEST_H
#define MAAT_ATTEST_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "maat/error.h"
#include "maat/pck.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "maat/quote.h"
#include "maat/tcb_fix.h"
#include "maat/tdx.h"
#include "maat/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- MAA error codes ---- */

/* The `error.code` values MAA answers with (maa.md section 1). */
enum maat_maa_error {
    MAAT_MAA_OK = 0,
    MAAT_MAA_INVALID_PARAMETER,       /* 400 "InvalidParameter": bad input, bad quote */
    MAAT_MAA_INVALID_QUOTE,           /* 400 "InvalidQuote" (newer service versions) */
    MAAT_MAA_POLICY_EVALUATION_ERROR, /* 400 "PolicyEvaluationError" */
    MAAT_MAA_POLICY_PARSING_ERROR,    /* 400 "PolicyParsingError" */
    MAAT_MAA_INVALID_OPERATION,       /* 400 "InvalidOperation" */
    MAAT_MAA_UNAUTHORIZED,            /* 401 "Unauthorized" */
    MAAT_MAA_INTERNAL_ERROR,          /* 500 "InternalError" (out of memory, bugs) */
    MAAT_MAA__COUNT
};

/* MAA's spelling of the code ("InvalidParameter"). Never NULL. */
const char *maat__maa_error_name(enum maat_maa_error code);
/* The HTTP status MAA uses with the code (400, 401, 500; 200 for MAAT_MAA_OK). */
int maat__maa_error_http_status(enum maat_maa_error code);

/* An attestation-request failure: the MAA code to answer with, plus maat's message
 * naming the field ("runtimeData.dataType: expected \"Binary\" or \"JSON\", got
 * \"Text\""). Zero-initialise before use; the first failure wins. */
struct maat_attest_error {
    enum maat_maa_error code;
    struct maat_error err;
};

/* ---- requests ---- */

enum maat_attest_route {
    MAAT_ROUTE_SGX_ENCLAVE = 0, /* POST /attest/SgxEnclave: {"quote": b64url SGX quote} */
    MAAT_ROUTE_OPEN_ENCLAVE,    /* POST /attest/OpenEnclave: {"report": b64url OE report
                                    = 16-byte OE header + SGX quote} */
    MAAT_ROUTE_TDX_VM,          /* POST /attest/TdxVm (api-version 2025-06-01): {"quote":
                                    b64url TD quote}; no draftPolicyForAttestation */
};

/* "SgxEnclave" / "OpenEnclave" / "TdxVm" (the path segment). */
const char *maat__attest_route_name(enum maat_attest_route route);

enum maat_data_type {
    MAAT_DATA_BINARY = 0, /* "Binary": x-ms-sgx-ehd (+ aas-ehd, maa-ehd) */
    MAAT_DATA_JSON,       /* "JSON": x-ms-runtime / x-ms-inittime (parsed object) */
};

/* Bounds maat applies (MAA's own limits are not published). */
#define MAAT_ATTEST_REQUEST_MAX (4u << 20)  /* whole JSON body, bytes */
#define MAAT_ATTEST_DATA_MAX (256u << 10)   /* decoded runtimeData / initTimeData */
#define MAAT_ATTEST_NONCE_MAX 4096u         /* nonce, bytes of UTF-8 */
#define MAAT_ATTEST_POLICY_MAX (256u << 10) /* draftPolicyForAttestation, bytes */
/* Evidence (decoded quote / report) is bounded by MAAT_QUOTE_MAX_SIZE (quote.h). */

/* runtimeData / initTimeData as sent. */
struct maat_attest_data {
    bool present;
    enum maat_data_type type;
    uint8_t *data; /* decoded bytes exactly as sent (hash input); malloc'd;
                                    non-NULL when present, even for zero bytes */
    size_t len;
    json_t *json; /* MAAT_DATA_JSON: the parsed object (owned), else NULL */
};

/* A parsed attestation request (owns all its memory; release with _cleanup). */
struct maat_attest_request {
    enum maat_attest_route route;
    uint8_t *evidence; /* decoded `quote` (SgxEnclave) or `report` (OpenEnclave,
                                    OE header included): the bytes as submitted */
    size_t evidence_len;
    struct maat_attest_data runtime;  /* "runtimeData" */
    struct maat_attest_data inittime; /* "initTimeData" */
    char *nonce;                      /* "nonce" verbatim (NUL-terminated), NULL when absent */
    size_t nonce_len;
    char *draft_policy; /* "draftPolicyForAttestation" text, NULL when absent */
    size_t draft_policy_len;
};

/*
 * Parses a request body for `route`. Strict:
 *  - the body is one JSON object (UTF-8, no duplicate keys, at most MAAT_ATTEST_REQUEST_MAX
 *    bytes);
 *  - `quote` (SgxEnclave) / `report` (OpenEnclave) is required: a non-empty base64url
 *    string (unpadded as MAA sends, padding accepted), at most MAAT_QUOTE_MAX_SIZE decoded;
 *  - `runtimeData` / `initTimeData`: an object {"data": base64url string, "dataType":
 *    "Binary" | "JSON"} (case-sensitive; dataType absent = Binary); for JSON the decoded
 *    bytes must be one JSON object, where a single trailing NUL byte is tolerated (MAA
 *    accepted it; the NUL stays in the hashed bytes); other members of the object are
 *    ignored;
 *  - `nonce`, `draftPolicyForAttestation`: strings;
 *  - JSON null for an optional member = absent; unknown top-level members are ignored (as
 *    MAA's deserialiser does; e.g. the 2018 preview's `enclaveHeldData`);
 *  - TdxVm: `draftPolicyForAttestation` is refused (2025-06-01's AttestTdxVmRequest has
 *    none; ignoring it would apply the stored policy to a caller expecting its draft).
 * Every rejection sets err->code (MAAT_MAA_INVALID_PARAMETER, or MAAT_MAA_INTERNAL_ERROR
 * when out of memory) and a message naming the member. On failure *req is left empty
 * (cleanup is still safe). Returns 0 or -1.
 */
MAAT_MUST_CHECK int maat__attest_request_parse(const char *body, size_t len,
                                              enum maat_attest_route route,
                                              struct maat_attest_request *req,
                                              struct maat_attest_error *err);

/* Releases everything the request owns and zeroes it. Safe on a zeroed struct. */
void maat__attest_request_cleanup(struct maat_attest_request *req);

/*
 * Checks that the parsed evidence fits the route and binds the request data:
 *  - the quote carries an SGX report body (not TDX); the OpenEnclave route requires the
 *    OE envelope, the SgxEnclave route a bare quote;
 *  - runtimeData present: SHA-256(bytes as sent) == report_data[0:32] (MAA compares only
 *    [0:32]; [32:64] are free);
 *  - initTimeData present: SHA-256(bytes as sent) == config_id[0:32].
 * TdxVm: the quote carries a TD report (not SGX, no OE envelope); runtimeData binds to the
 * TD report's report_data[0:32]; initTimeData is refused (MAA does not publish which TD
 * field binds it: a binding that cannot be checked fails closed).
 * Failures are MAAT_MAA_INVALID_PARAMETER with both hex values in the message.
 */
MAAT_MUST_CHECK int maat__attest_check_bindings(const struct maat_attest_request *req,
                                               const struct maat_quote *q,
                                               struct maat_attest_error *err);

/* ---- claims ---- */

#define MAAT_CLAIMS_TOKEN_LIFETIME 28800 /* seconds: MAA attestation tokens live 8 h */
#define MAAT_DEFAULT_TCB_IDENTIFIER "azuredefault"
#define MAAT_CLAIMS_PAYLOAD_MAX (8u << 20) /* default bound of a token payload, bytes */

/* Everything the claim set is computed from. Borrowed pointers, read only. */
struct maat_claims_input {
    enum maat_attest_route route;
    const struct maat_attest_request *req; /* runtime/init-time data, nonce; required */
    const struct maat_quote *quote;        /* parsed evidence (SGX body); required */
    const uint8_t *evidence;               /* bytes as submitted for quotehash; NULL =
                                                req->evidence */
    size_t evidence_len;
    const struct maat_verdict *verdict;              /* required, must be ok: maat's own claims */
    const struct maat_collateral_hashes *collateral; /* required: x-ms-sgx-collateral */
    const char *policy_hash;                         /* x-ms-policy-hash (maat_policy_hash()) */
    const json_t *issued;                            /* claims issued by the policy's
                                                issuancerules, an object (NULL = none):
                                                put top-level and in x-ms-policy */
    const struct maat_policy_result *issued_result;  /* instead of issued (give at most one):
                                                the policy result whose outgoing claims
                                                are issued, grouped by type exactly as
                                                maat__claims_to_json() groups them; the
                                                payload text is then written from the
                                                claims without a JSON object */
    const char *tcb_identifier;                      /* configurationrules' x-ms-sgx-tcbidentifier;
                                                NULL = MAAT_DEFAULT_TCB_IDENTIFIER */
    const json_t *policy_signer;        /* x-ms-policy-signer JWK when the active policy
                                                was set signed; NULL = omitted */
    const uint8_t *quote_hash;          /* optional: SHA-256 of the evidence as
                                                submitted (maat__claims_quote_hash), so that
                                                the incoming set and the payload do not hash
                                                it each; NULL = hashed where needed */
    const struct maat_tcb_fix *tcb_fix; /* optional: the verdict's fix
                                                (maat_tcb_fix_compute), issued as
                                                x-maat-tcb-fix when fix->needed */
    size_t max_payload;                 /* bound of maat__claims_payload_text's text,
                                                bytes, checked as each claim is added
                                                (MAAT_ERR_TOO_LARGE naming it); 0 =
                                                MAAT_CLAIMS_PAYLOAD_MAX */
};

/*
 * The INCOMING claim set (what policy conditions match against), as a JSON object
 * {claim type: [value, ...]} with JSON values (bool, integer, string, object). Names are
 * MAA's: x-ms-ver, x-ms-attestation-type, x-ms-sgx-is-debuggable, -mrenclave, -mrsigner,
 * -product-id, -svn, -report-data, -ehd (Binary runtime data), -collateral, KSS claims
 * (when the enclave uses KSS), x-ms-runtime / x-ms-inittime (JSON data), and the
 * preview-era names $is-debuggable, $sgx-mrsigner, $sgx-mrenclave, $product-id, $svn,
 * $tee; and, when in->verdict is given and ok, maat's own x-maat-* claims exactly as the
 * token carries them (x-maat-tcb-status, -advisory-ids and -qe-advisory-ids one value per
 * ID, -tcb-date, -tcb-eval-num, the TCB policy options' claims, x-maat-tcb-fix from
 * in->tcb_fix, -simulated-platform; docs/claims.md), so that a policy can decide on them.
 * All have issuer AttestationService. Only route/req/quote/evidence/collateral/verdict/
 * tcb_fix of `in` are used. Returns a new reference, NULL on failure.
 */
json_t *maat__claims_incoming(const struct maat_claims_input *in, struct maat_error *err);

/* The incoming claim set as a claim list for maat__policy_evaluate(): the very claims, in
 * the same order, that maat__claim_list_from_json(maat__claims_incoming(in), NULL, ...) gives,
 * written without the JSON object (maatd's hot path). Free with maat__claim_list_cleanup. */
MAAT_MUST_CHECK int maat__claims_incoming_list(const struct maat_claims_input *in,
                                              struct maat_claim_list *out, struct maat_error *err);

/* SHA-256 of the evidence as submitted (x-ms-sgx-collateral's quotehash), for quote_hash. */
void maat__claims_quote_hash(const struct maat_claims_input *in, uint8_t out[32]);

/*
 * What MAA's default SGX/OpenEnclave policy (maat_policy_default_sgx()) issues from an
 * incoming claim set: {"is-debuggable", "sgx-mrsigner", "sgx-mrenclave", "product-id",
 * "svn", "tee"}, each the first value of x-ms-sgx-is-debuggable, -mrsigner, -mrenclave,
 * -product-id, -svn, x-ms-attestation-type. Its configurationrules set the TCB identifier
 * MAAT_DEFAULT_TCB_IDENTIFIER. Stand-in for the policy engine. New reference or NULL.
 */
json_t *maat__claims_default_issued(const json_t *incoming, struct maat_error *err);

/*
 * The attestation token payload without iss/iat/nbf/exp/jti: MAA's service claims
 * (x-ms-ver, x-ms-attestation-type, x-ms-policy-hash, x-ms-sgx-*, legacy aas-ehd/maa-ehd/
 * maa-attestationcollateral, x-ms-runtime/x-ms-inittime, nonce, x-ms-policy-signer), the
 * issued claims top-level and under x-ms-policy (service claims win a name clash), and
 * maat's own x-maat-* claims (docs/claims.md). Serialise with sorted keys, as MAA does.
 * Returns a new reference, NULL on failure (MAAT_ERR_USAGE for a missing input or a
 * verdict that is not ok). Nested values (the issued claims, x-ms-policy, the runtime and
 * init-time JSON, the signer JWK) are shared with `in`, not copied: modify neither.
 */
json_t *maat__claims_build(const struct maat_claims_input *in, struct maat_error *err);

/*
 * Adds the registered claims: iss, iat, nbf = iat, exp = iat + lifetime_seconds, and jti
 * (64 lowercase hex characters; NULL = omit, as policy-management tokens do).
 */
MAAT_MUST_CHECK int maat__claims_finish(json_t *payload, const char *iss, int64_t iat,
                                       int64_t lifetime_seconds, const char *jti_hex,
                                       struct maat_error *err);

/*
 * The whole token payload as compact JSON text with sorted keys, appended to `out`: exactly
 * the bytes of maat__claims_build() followed by maat__claims_finish(iss, iat, lifetime, jti)
 * serialised with JSON_SORT_KEYS (as MAA does), written without building a JSON tree
 * (maatd's hot path). Same checks and errors as those two; `out` is unchanged on failure.
 */
MAAT_MUST_CHECK int maat__claims_payload_text(const struct maat_claims_input *in, const char *iss,
                                             int64_t iat, int64_t lifetime_seconds,
                                             const char *jti_hex, struct maat_buf *out,
                                             struct maat_error *err);

/* A fresh, unique jti as 64 lowercase hex + NUL: SHA-256 of a per-thread random seed
 * (OpenSSL RAND_bytes, drawn once), the process id and a counter. */
MAAT_MUST_CHECK int maat__claims_new_jti(char out[65], struct maat_error *err);

/* ---- the TCB baseline a policy selects (tcb_identifier.c) ---- */

/*
 * configurationrules' x-ms-sgx-tcbidentifier (maa-2025.md section 5). NULL or
 * MAAT_DEFAULT_TCB_IDENTIFIER ("azuredefault": whatever the collateral source serves) gives
 * *num = 0; a decimal TCB evaluation data number 1 .. 2^31-1 (no sign, no leading zero)
 * gives it. Returns 0, or -1 (*num = 0) for any other value.
 */
MAAT_MUST_CHECK int maat__tcb_identifier_parse(const char *id, uint32_t *num);

/*
 * Checks the baseline the policy selected (`id`, the property above) against verdict `v`:
 * a number N requires that the collateral the verdict was reached with carries N in both
 * the TCB info and the QE identity (v->tcb_policy's eval numbers). A verifier holding one
 * collateral set per FMSPC cannot serve another number: it fails closed (docs/verify.md).
 * Returns 0 (*selected = N, 0 for azuredefault); -1 with err: MAAT_MAA_POLICY_EVALUATION_ERROR
 * for a value that is neither, MAAT_MAA_INVALID_PARAMETER (naming the FMSPC and both
 * numbers) when the collateral has another number. `selected` may be NULL.
 */
MAAT_MUST_CHECK int maat__attest_check_tcb_identifier(const char *id, const struct maat_verdict *v,
                                                     uint32_t *selected,
                                                     struct maat_attest_error *err);

/*
 * The baseline policy `p` selects before any quote is seen: its configurationrules'
 * x-ms-sgx-tcbidentifier with no incoming claims (as GET /tcbbaselines answers), parsed as
 * maat__tcb_identifier_parse; *num = 0 for azuredefault, no such rule, or a value that is
 * no number (the check after the full evaluation refuses that one). -1 only when the
 * evaluation could not run (memory). `lim` NULL = defaults.
 */
MAAT_MUST_CHECK int maat__attest_selected_baseline(const struct maat_policy *p,
                                                  const struct maat_policy_limits *lim,
                                                  uint32_t *num);

/* ---- the whole request, one call (attest_pipeline.c) ---- */

/*
 * maat__attest_run() is the attestation request pipeline every caller shares (maatd's
 * /attest routes, bench_attest, fuzz_attest_request):
 *   parse the body -> the draft policy (if any) -> parse the quote -> bindings -> the PCK
 *   chain to a trusted root -> collateral for the verified leaf's FMSPC and CA (from the
 *   caller, through ctx->collateral) -> verify (SGX: maat_quote_verify; TdxVm:
 *   maat_tdx_quote_verify with ctx->tdx) -> the fix below UpToDate (maat_tcb_fix_compute)
 *   -> incoming claims -> the policy -> the TCB baseline it selects
 *   (maat__attest_check_tcb_identifier) -> the token payload text (registered claims
 *   included, x-maat-tcb-fix when a fix is needed; the caller signs it).
 * No I/O here: collateral comes from the callback, time from ctx->at.
 */

/* Which collateral a quote needs: SGX (TCB info id SGX, QE identity) or TDX (TCB info v3
 * id TDX, TD_QE identity). */
enum maat_attest_tee { MAAT_ATTEST_TEE_SGX = 0, MAAT_ATTEST_TEE_TDX = 1 };

/* Supplies verified collateral for (tee, fmspc, ca), called once per request after the PCK
 * chain verified. 0 with *vc set (borrowed: it must stay valid until maat__attest_run()
 * returns; the caller keeps whatever reference it took and drops it afterwards) or -1 with
 * err: MAAT_ERR_IO means "not available now" (source unreachable or still fetching: the
 * caller may retry later), any other code means the collateral is bad. */
typedef int (*maat_attest_collateral_fn)(void *arg, enum maat_attest_tee tee,
                                         const uint8_t fmspc[6], enum maat_pck_ca ca,
                                         const struct maat_verified_collateral **vc,
                                         struct maat_error *err);

/* The same, for the collateral pinned to TCB evaluation data number eval_num (0 = the
 * source's default, as maat_attest_collateral_fn). *newest and *newest_recovery (set to 0
 * before the call) are the newest number the caller knows and its tcbRecoveryEventDate,
 * for the grace period (0 = unknown). Any error code but MAAT_ERR_IO means the collateral
 * cannot be had for that number (bad, or the source does not serve the number). */
typedef int (*maat_attest_collateral_num_fn)(void *arg, enum maat_attest_tee tee,
                                             const uint8_t fmspc[6], enum maat_pck_ca ca,
                                             uint32_t eval_num,
                                             const struct maat_verified_collateral **vc,
                                             uint32_t *newest, time_t *newest_recovery,
                                             struct maat_error *err);

struct maat_attest_ctx {
    const struct maat_trust *trust;       /* required */
    struct maat_pck_cache *pck_cache;     /* optional: verified PCK chains */
    time_t at;                            /* verification time (and the token's iat unless
                                             iat is set) */
    int64_t iat;                          /* the token's iat = nbf (exp = iat + lifetime);
                                             0 = at */
    maat_attest_collateral_fn collateral; /* NULL = none (the verdict then fails for lack
                                             of collateral) */
    void *collateral_arg;
    const struct maat_tdx_opts *tdx;         /* TdxVm appraisal opt-ins; NULL = defaults */
    const struct maat_verify_opts *verify;   /* the TCB policy options (tcb_eval_num ...
                                             allowed_advisories, verify.h) every quote of
                                             every route is verified with; NULL = none.
                                             Its at, pck_cache, pck_chain and
                                             pck_chain_pem are ignored (the pipeline's) */
    const struct maat_policy *policy;        /* the stored (or default) policy of the route;
                                             required (a draft in the request replaces it) */
    const char *policy_hash;                 /* its x-ms-policy-hash; required */
    const json_t *policy_signer;             /* x-ms-policy-signer when set signed, or NULL */
    const struct maat_policy_limits *limits; /* NULL = maat__policy_limits_default() */
    size_t max_payload;                      /* 0 = MAAT_CLAIMS_PAYLOAD_MAX */
    const char *issuer;                      /* iss; required */
    int64_t lifetime;                        /* exp - iat; 0 = MAAT_CLAIMS_TOKEN_LIFETIME */
    const char *jti;                         /* 64 hex; NULL = a fresh one */
    /* Issue 14, pinned baselines and the grace period (docs/verify.md, "TCB baselines in
     * maatd"). With collateral_num set (it replaces `collateral`, same collateral_arg), the
     * number the policy's configurationrules select (x-ms-sgx-tcbidentifier, evaluated
     * with no incoming claims, as GET /tcbbaselines does; 0 for azuredefault or a value
     * that is no number, which the check after the policy then refuses) is asked for, so
     * the verdict is reached with that baseline. tcb_grace: maat_verify_opts' grace period
     * with tcb_grace_days and the newest number / recovery date the callback reports
     * (unknown: the verdict fails, as the library's rule says). */
    maat_attest_collateral_num_fn collateral_num;
    bool tcb_grace;
    uint32_t tcb_grace_days;
};

enum maat_attest_outcome {
    MAAT_ATTEST_OK = 0,                 /* payload ready to sign */
    MAAT_ATTEST_BAD_REQUEST,            /* body, quote parse or bindings: aerr */
    MAAT_ATTEST_POLICY_FAILED,          /* draft policy parsing or evaluation: perr */
    MAAT_ATTEST_VERIFY_FAILED,          /* verdict not ok, or Revoked: verdict */
    MAAT_ATTEST_COLLATERAL_UNAVAILABLE, /* callback: MAAT_ERR_IO (not ready / unreachable):
                                            err; distinct so that a caller can wait for the
                                            fetch and run the request again */
    MAAT_ATTEST_COLLATERAL_INVALID,     /* callback: any other failure: err */
    MAAT_ATTEST_TOO_LARGE,              /* the payload exceeds max_payload: err */
    MAAT_ATTEST_TCB_BASELINE,           /* the policy's x-ms-sgx-tcbidentifier is not a
                                            baseline, or not the collateral's: aerr (code
                                            and message of maat__attest_check_tcb_identifier),
                                            tcb_baseline, verdict */
    MAAT_ATTEST_INTERNAL,               /* a step could not run (memory, arguments): err */
};

struct maat_attest_result {
    enum maat_attest_outcome outcome;
    struct maat_attest_request req; /* the parsed request */
    bool quote_parsed;
    struct maat_quote quote; /* points into req.evidence */
    bool verdict_reached;    /* verdict is meaningful (also on a failure) */
    struct maat_verdict verdict;
    struct maat_tdx_verdict tdx; /* TdxVm: the TD details */
    bool have_pck;               /* fmspc / ca of the verified leaf are set */
    uint8_t fmspc[6];
    enum maat_pck_ca ca;
    bool draft;                                 /* a draftPolicyForAttestation was used: the token
                                            is to be issued UNSIGNED (MAA) */
    char policy_hash[MAAT_POLICY_HASH_LEN + 1]; /* hash of the policy applied */
    bool have_tcb_fix;                          /* the verdict is ok below UpToDate and the fix was
                                            computed from the quote and its collateral:
                                            tcb_fix (needed), issued as x-maat-tcb-fix */
    struct maat_tcb_fix tcb_fix;
    uint32_t tcb_baseline; /* the evaluation number the policy selects
                                            (x-ms-sgx-tcbidentifier); 0 = azuredefault */
    struct maat_attest_error aerr;
    struct maat_policy_error perr;
    struct maat_error err;
    struct maat_buf payload; /* MAAT_ATTEST_OK: the payload JSON text */
    void *priv_;             /* owned state; maat__attest_result_cleanup */
};

/* Runs the pipeline on one request body. Always fills *res (release it with
 * maat__attest_result_cleanup, also on failure); quote, verdict and tcb_fix are filled (and
 * zeroed) by the steps that set quote_parsed, verdict_reached and have_tcb_fix, and zeroed on
 * a failure that did not reach them; without have_tcb_fix only tcb_fix.needed and its counts
 * are set (false, 0). Returns 0 when outcome is MAAT_ATTEST_OK,
 * else -1 with the outcome saying which detail (aerr, perr, verdict, err) applies. */
MAAT_MUST_CHECK int maat__attest_run(const struct maat_attest_ctx *ctx, const char *body, size_t len,
                                    enum maat_attest_route route, struct maat_attest_result *res);

/* Releases what the result owns and resets those members (priv_, payload, req), so that a
 * second call is a no-op; the other members keep their values (not zeroed: maat__attest_run
 * zeroes the whole result before filling it). Safe on a zeroed result. */
void maat__attest_result_cleanup(struct maat_attest_result *res);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_ATTEST_H */
