/*
 * verify.h - DCAP quote verification with Intel QVL semantics.
 *
 * Two stages, so that collateral is checked once and then reused:
 *   1. maat_collateral_verify(): raw collateral for one FMSPC + PCK CA (TCB info, QE
 *      identity, Root CA CRL, PCK CA CRL and their issuer chains) -> parsed and verified
 *      (signatures over the exact bytes, TCB Signing chain to a trusted root, CRL
 *      signatures) into an immutable struct maat_verified_collateral.
 *   2. maat_quote_verify(): one quote + verified collateral + a time -> struct
 *      maat_verdict (Intel's status, QVL result, advisories, TCB date, the failing step).
 * Time is always an input. Trust anchors are matched by public key (Intel re-issued its
 * root certificate with the same key). No I/O.
 */
#ifndef MAAT_VERIFY_H
#define MAAT_VERIFY_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/collateral.h"
#include "maat/error.h"
#include "maat/pck.h"
#include "maat/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- trust anchors ---- */

struct maat_trust; /* a set of trusted root public keys (opaque) */

/* A trust set holding Intel's SGX Root CA key only (built in). */
struct maat_trust *maat_trust_new_intel(struct maat_error *err);
/* An empty trust set (trusts nothing until roots are added). */
struct maat_trust *maat_trust_new_empty(struct maat_error *err);
/* Adds a root certificate (PEM or DER, one certificate); its public key becomes trusted.
 * `label` is how verdicts name it ("Intel SGX Root CA", "maat simulated root", ...);
 * `simulated` marks anchors that are test PKIs so verdicts (and tokens) can say so. */
MAAT_MUST_CHECK int maat_trust_add_root(struct maat_trust *t, const uint8_t *cert, size_t len,
                                        const char *label, bool simulated, struct maat_error *err);
void maat_trust_free(struct maat_trust *t);
/* True when the certificate (PEM or DER) carries Intel's production SGX Root CA key. */
bool maat_trust_is_intel_root(const uint8_t *cert, size_t len);

/* ---- collateral ---- */

/* Raw collateral as a source delivers it. Views are borrowed for the duration of
 * maat_collateral_verify() only. Chains are PEM text; CRLs are DER or PEM. The TCB info
 * and QE identity come either as a whole PCS response ({"tcbInfo": ..., "signature": ...})
 * in *_json, or as the signed body text plus a hex signature (bundle layout). */
struct maat_collateral_input {
    struct maat_view pck_crl_issuer_chain;
    struct maat_view root_ca_crl;
    struct maat_view pck_crl;
    struct maat_view tcb_info_issuer_chain;
    struct maat_view tcb_info_json;      /* PCS response, or empty */
    struct maat_view tcb_info_body;      /* bundle: body text ... */
    struct maat_view tcb_info_signature; /* ... and hex r||s */
    struct maat_view qe_identity_issuer_chain;
    struct maat_view qe_identity_json;
    struct maat_view qe_identity_body;
    struct maat_view qe_identity_signature;
    char sig_hex_storage[2][129]; /* backing for *_signature when built from a
                                              parsed bundle */
    /* Set by maat_collateral_input_from_bundle (else NULL): the bundle's parsed bodies.
     * maat_collateral_verify copies one instead of parsing its body again when the body
     * view is still exactly the one it was parsed from (same pointer and length) and the
     * signature view is the hex of its parsed signature; otherwise it parses the views. */
    const struct maat_tcb_info *tcb_info_parsed;
    const struct maat_enclave_identity *qe_identity_parsed;
    /* Set by maat_collateral_input_from_bundle (else NULL): the bundle check's decodings
     * (maat_collateral_bundle.decoded, same order). maat_collateral_verify takes one
     * instead of decoding again only when the bytes it would decode are its encoding,
     * byte for byte; otherwise it decodes the views. */
    const void *decoded[4];
};

/* Fills `in` with views into a parsed bundle (valid while the bundle lives, at the same
 * address: `in` also points at the bundle's parsed bodies). */
void maat_collateral_input_from_bundle(const struct maat_collateral_bundle *b,
                                       struct maat_collateral_input *in);

/* Verified, immutable collateral (opaque; safe to share between threads). */
struct maat_verified_collateral;

/* The collateral item that limits freshness, for caches and messages. */
struct maat_collateral_window {
    time_t not_before;    /* latest issueDate / thisUpdate / notBefore of all items */
    time_t not_after;     /* earliest nextUpdate / notAfter of all items */
    const char *limiting; /* name of the item that sets not_after ("QE identity", ...) */
};

/* Parses and verifies collateral at time `at`: TCB info and QE identity signatures over
 * their exact bytes with the TCB Signing key, the TCB Signing chain and the PCK CA CRL
 * issuer chain to a trusted root, the CRLs' signatures (Root CA CRL by the root, PCK CRL
 * by the PCK CA). Expiry of items is NOT a failure here (a verdict reports it, naming the
 * item); bad signatures, untrusted roots and malformed data are. */
MAAT_MUST_CHECK int maat_collateral_verify(const struct maat_collateral_input *in,
                                           const struct maat_trust *trust, time_t at,
                                           struct maat_verified_collateral **out,
                                           struct maat_error *err);
void maat_verified_collateral_free(struct maat_verified_collateral *vc);
const struct maat_tcb_info *
maat_verified_collateral_tcb_info(const struct maat_verified_collateral *vc);
const struct maat_enclave_identity *
maat_verified_collateral_qe_identity(const struct maat_verified_collateral *vc);
void maat_verified_collateral_window(const struct maat_verified_collateral *vc,
                                     struct maat_collateral_window *w);
/* SHA-256 digests of the collateral as received, for MAA's x-ms-sgx-collateral claim:
 * TCB info / QE identity = their exact signed bodies; certs = the TCB info / QE identity
 * issuer chain text; crl = Root CA CRL DER followed by PCK CRL DER (MAA's inputs for these
 * are undocumented; maat documents its own in docs/claims.md). */
struct maat_collateral_hashes {
    uint8_t tcbinfohash[32];
    uint8_t tcbinfocertshash[32];
    uint8_t tcbinfocrlhash[32];
    uint8_t qeidhash[32];
    uint8_t qeidcertshash[32];
    uint8_t qeidcrlhash[32];
};
void maat_verified_collateral_hashes(const struct maat_verified_collateral *vc,
                                     struct maat_collateral_hashes *out);

/* Which PCK CA's CRL this collateral carries. */
enum maat_pck_ca maat_verified_collateral_pck_ca(const struct maat_verified_collateral *vc);

/* ---- verdict ---- */

/* Intel QVL results (sgx_ql_qv_result_t names). */
enum maat_qvl_result {
    MAAT_QVL_OK = 0,
    MAAT_QVL_CONFIG_NEEDED,
    MAAT_QVL_OUT_OF_DATE,
    MAAT_QVL_OUT_OF_DATE_CONFIG_NEEDED,
    MAAT_QVL_INVALID_SIGNATURE,
    MAAT_QVL_REVOKED,
    MAAT_QVL_UNSPECIFIED,
    MAAT_QVL_SW_HARDENING_NEEDED,
    MAAT_QVL_CONFIG_AND_SW_HARDENING_NEEDED,
    MAAT_QVL_TCB_NOT_SUPPORTED,   /* no TCB level matches */
    MAAT_QVL_COLLATERAL_EXPIRED,  /* an item is outside issueDate..nextUpdate */
    MAAT_QVL_TD_RELAUNCH_ADVISED, /* TDX (QVL26): relaunch the TD to pick up the update */
    MAAT_QVL_TD_RELAUNCH_ADVISED_CONFIG_NEEDED,
    MAAT_QVL__COUNT
};

/* The verification steps, in order. */
enum maat_verify_step {
    MAAT_STEP_STRUCTURE = 0,
    MAAT_STEP_PCK_CHAIN,
    MAAT_STEP_VALIDITY,
    MAAT_STEP_CRL,
    MAAT_STEP_QE_REPORT_SIGNATURE,
    MAAT_STEP_AK_BINDING,
    MAAT_STEP_QUOTE_SIGNATURE,
    MAAT_STEP_QE_IDENTITY,
    MAAT_STEP_TCB_INFO,
    MAAT_STEP_COLLATERAL_TIME,
    MAAT_STEP_STATUS,
    MAAT_STEP__COUNT
};

enum maat_step_outcome { MAAT_STEP_NOT_RUN = 0, MAAT_STEP_PASSED, MAAT_STEP_FAILED };

#define MAAT_VERDICT_MAX_ADVISORIES 64
#define MAAT_VERDICT_ADVISORY_LEN 32

/* Which TCB evaluation data number a collateral source serves when none is pinned
 * (Intel PCS v4 `update=`): recorded in the verdict, not enforced by the verifier. */
enum maat_tcb_update { MAAT_TCB_UPDATE_UNSET = 0, MAAT_TCB_UPDATE_STANDARD, MAAT_TCB_UPDATE_EARLY };

/* What the TCB policy options of struct maat_verify_opts found (issue 14; the rules are in
 * docs/verify.md, "TCB policy"). Filled whenever collateral was present; a check that was
 * asked for and failed fails the verdict at step `status`, naming the values. */
struct maat_tcb_policy_verdict {
    uint32_t tcb_info_eval_num;    /* tcbEvaluationDataNumber of the TCB info (0: absent) */
    uint32_t qe_identity_eval_num; /* ... of the QE identity (0: absent) */
    uint32_t eval_num_pinned;      /* opts->tcb_eval_num (0: not pinned) */
    uint32_t eval_num_newest;      /* opts->tcb_eval_num_newest (0: unknown) */
    enum maat_tcb_update update;   /* opts->tcb_update, recorded */
    bool grace;                    /* the grace period was configured */
    uint32_t grace_days;
    time_t grace_until;               /* newest's tcbRecoveryEventDate + grace_days (0: n/a) */
    bool in_grace;                    /* accepted: an older number inside the grace window */
    uint32_t max_collateral_age_days; /* 0: no maximum */
    int64_t collateral_age;           /* seconds since the oldest issueDate/thisUpdate of TCB
                                         info, QE identity, Root CA CRL, PCK CRL (at - it) */
    char collateral_oldest[32];       /* which item that is ("TCB info", "PCK CRL", ...) */
    bool has_min_status;
    enum maat_tcb_status min_status;     /* opts->min_tcb_status when has_min_status */
    bool advisory_allow_list;            /* opts gave an allow-list */
    size_t advisories_not_allowed_count; /* advisories (TCB level and QE) not in the list */
    char advisories_not_allowed[MAAT_VERDICT_MAX_ADVISORIES][MAAT_VERDICT_ADVISORY_LEN];
    bool failed; /* one of the checks asked for failed */
};

struct maat_verdict {
    bool ok;                     /* signatures, chain and collateral all good: the
                                         status below is meaningful */
    enum maat_tcb_status status; /* combined platform + QE status (worst wins) */
    enum maat_qvl_result qvl_result;
    enum maat_tcb_status platform_status, qe_status;
    size_t advisory_count; /* SGX: the matched TCB info level's advisories only,
                                         as Intel reports them (TDX: platform, QE, module) */
    char advisory_ids[MAAT_VERDICT_MAX_ADVISORIES][MAAT_VERDICT_ADVISORY_LEN];
    size_t qe_advisory_count; /* the matched QE identity level's advisories */
    char qe_advisory_ids[MAAT_VERDICT_MAX_ADVISORIES][MAAT_VERDICT_ADVISORY_LEN];
    time_t tcb_date;                     /* tcbDate of the matched platform TCB level (QvE's
                                         tcb_level_date_tag) */
    time_t qe_tcb_date;                  /* tcbDate of the matched QE identity level */
    uint32_t tcb_evaluation_data_number; /* the lower of TCB info's and QE identity's */
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    struct maat_pck_info pck;    /* from the PCK leaf */
    bool collateral_present;     /* false: only the cryptographic steps could run */
    bool trusted_root_simulated; /* the chain ends in a simulated (test) root */
    char root_label[64];
    struct maat_tcb_policy_verdict tcb_policy; /* the TCB policy options' findings */
    enum maat_step_outcome steps[MAAT_STEP__COUNT];
    enum maat_verify_step failed_step; /* valid when !ok */
    char reason[MAAT_ERROR_MSG_MAX];   /* why it failed, naming the item */
};

/* A cache of verified PCK chains, keyed by SHA-256 of the chain bytes (and the trust set):
 * a platform's chain is verified once; later quotes from it only need the QE report and
 * quote signatures. Thread-safe; entries are immutable and reference-counted. */
struct maat_pck_cache;

struct maat_pck_cache *maat_pck_cache_new(size_t capacity, struct maat_error *err);
void maat_pck_cache_free(struct maat_pck_cache *c);
void maat_pck_cache_stats(struct maat_pck_cache *c, uint64_t *hits, uint64_t *misses);
/* How many chains it holds at most: the capacity asked for, rounded up to whole sets
 * (1,024 for 0; at most 2^24). */
size_t maat_pck_cache_capacity(const struct maat_pck_cache *c);
/* A PCK chain verified to a trust anchor (opaque, immutable, reference-counted; safe to
 * share between threads). */
struct maat_pck_chain;

struct maat_verify_opts {
    time_t at;                        /* verification time (required) */
    struct maat_pck_cache *pck_cache; /* optional */
    /* For quotes whose certification data carries no chain (types 1-4): the PCK leaf
     * and its issuer chain, PEM. */
    struct maat_view pck_chain_pem;
    /* Optional: the chain maat_pck_chain_resolve() returned for this quote and trust set.
     * Used only when it was built from the same certification data bytes under the same
     * trust set (compared in full); otherwise ignored and the chain is resolved as usual. */
    const struct maat_pck_chain *pck_chain;

    /* TCB policy (issue 14; docs/verify.md "TCB policy"). All off when zero. Each check
     * that fails fails the verdict at step `status` (Intel's status stays in qvl_result). */
    uint32_t tcb_eval_num;           /* pin: TCB info and QE identity must both carry this
                                         tcbEvaluationDataNumber (0: no pin) */
    uint32_t tcb_eval_num_newest;    /* the newest number the caller knows
                                         (/tcbevaluationdatanumbers; 0: unknown) */
    time_t tcb_newest_recovery_date; /* that number's tcbRecoveryEventDate (grace period) */
    enum maat_tcb_update tcb_update; /* early|standard, recorded only */
    bool tcb_grace;                  /* require the newest number, except that the previous
                                         one (newest - 1) is accepted until
                                         tcb_newest_recovery_date + tcb_grace_days days
                                         (inclusive); needs both values above */
    uint32_t tcb_grace_days;
    uint32_t max_collateral_age_days; /* issueDate/thisUpdate of TCB info, QE identity and
                                         both CRLs at most this many days before `at` (0: off) */
    bool has_min_tcb_status;          /* a status worse than min_tcb_status fails
                                         (maat_tcb_status_rank order) */
    enum maat_tcb_status min_tcb_status;
    bool advisory_allow_list; /* when true, any advisory (TCB level or QE) not in
                                         allowed_advisories fails (an empty list allows none) */
    const char *const *allowed_advisories;
    size_t allowed_advisory_count;
};

/* The total order maat uses for min_tcb_status, best first (docs/verify.md):
 * UpToDate 0, TDRelaunchAdvised 1, SWHardeningNeeded 2, ConfigurationNeeded 3,
 * TDRelaunchAdvisedConfigurationNeeded 4, ConfigurationAndSWHardeningNeeded 5,
 * OutOfDate 6, OutOfDateConfigurationNeeded 7, Revoked 8; anything else 9. */
int maat_tcb_status_rank(enum maat_tcb_status s);
/* "early" / "standard" / NULL for unset; parse returns -1 on anything else. */
const char *maat_tcb_update_name(enum maat_tcb_update u);
MAAT_MUST_CHECK int maat_tcb_update_parse(const char *s, enum maat_tcb_update *out);

/* Verifies a parsed quote. Returns 0 when verification ran to a verdict (inspect
 * v->ok and v->status; a failed check is a verdict, not an error), -1 only when the
 * verifier itself could not run (out of memory, bad arguments). `vc` may be NULL: the
 * cryptographic steps still run and the verdict says that collateral is missing. */
MAAT_MUST_CHECK int maat_quote_verify(const struct maat_quote *q,
                                      const struct maat_verified_collateral *vc,
                                      const struct maat_trust *trust,
                                      const struct maat_verify_opts *opts, struct maat_verdict *v,
                                      struct maat_error *err);

/* Runs the first two steps of maat_quote_verify() alone: structure, and the PCK chain to a
 * trusted root with the leaf's SGX extension (through opts->pck_cache when set: a chain
 * verified before under this trust set is taken from it, a new one is verified and cached).
 * For callers that must know the verified leaf's FMSPC and PCK CA before they fetch
 * collateral, so that nothing but a chain to a trusted root chooses what is fetched.
 * Returns 0 when the steps ran: on success v->ok is true and *out a new reference (pass it
 * as opts->pck_chain to maat_quote_verify() for the same quote; release it with
 * maat_pck_chain_release()); on a failed check v->ok is false, *out NULL, and
 * v->failed_step / v->qvl_result / v->reason are what maat_quote_verify() would report.
 * -1 only when it could not run (bad arguments). */
MAAT_MUST_CHECK int maat_pck_chain_resolve(const struct maat_quote *q, const struct maat_trust *trust,
                                           const struct maat_verify_opts *opts,
                                           struct maat_pck_chain **out, struct maat_verdict *v,
                                           struct maat_error *err);
/* The verified leaf's PCK info (FMSPC, PCK CA, TCB components, ...). */
const struct maat_pck_info *maat_pck_chain_info(const struct maat_pck_chain *c);
void maat_pck_chain_release(struct maat_pck_chain *c);

const char *maat_qvl_result_name(enum maat_qvl_result r);   /* "SGX_QL_QV_RESULT_OK"... */
const char *maat_verify_step_name(enum maat_verify_step s); /* "pck_chain", ... */

#ifdef __cplusplus
}
#endif
#endif /* MAAT_VERIFY_H */
