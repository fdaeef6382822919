/* token.h - the relying party's check of an MAA-format attestation token (Azure Attestation,
 * maatd): maat_token_validate(). Pure computation over bytes the caller already has (the
 * token, the issuer's JWKS as fetched from <issuer>/certs, or a pinned certificate; for the
 * signer's own quote a trust set and collateral through a callback; an EnclaveInfo to
 * compare the claims with); no network or disk I/O. This header exposes no jansson or
 * OpenSSL types. */
#ifndef MAAT_TOKEN_H
#define MAAT_TOKEN_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/enclave_info.h"
#include "maat/error.h"
#include "maat/quote.h"
#include "maat/quote_check.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_TOKEN_SKEW_DEFAULT 60     /* seconds of clock skew the CLI allows */
#define MAAT_TOKEN_SKEW_MAX 3600       /* larger skews are refused (MAAT_ERR_USAGE) */
#define MAAT_TOKEN_JWKS_MAX (1u << 20) /* a JWKS document larger than this is refused */
#define MAAT_TOKEN_KID_MAX 256         /* a header kid of more bytes is refused */

/* Signature algorithms a caller may allow (bit set). "none" can never be allowed. */
enum {
    MAAT_TOKEN_ALG_RS256 = 1u << 0,
    MAAT_TOKEN_ALG_ES256 = 1u << 1,
    MAAT_TOKEN_ALG_PS256 = 1u << 2,
    MAAT_TOKEN_ALG_DEFAULT = MAAT_TOKEN_ALG_RS256 | MAAT_TOKEN_ALG_ES256 | MAAT_TOKEN_ALG_PS256
};

/* The checks, in the order they run; the first failure ends the validation. */
enum maat_token_check {
    MAAT_TOKEN_CHECK_FORMAT = 0, /* a strict compact JWS (maat__jws_parse) */
    MAAT_TOKEN_CHECK_ALG,        /* header alg in the allow-list; never "none" */
    MAAT_TOKEN_CHECK_TYP,        /* header typ "JWT" */
    MAAT_TOKEN_CHECK_KID,        /* header kid: a non-empty string */
    MAAT_TOKEN_CHECK_JKU,        /* header jku = issuer + "/certs" */
    MAAT_TOKEN_CHECK_KEY,        /* the JWKS key with that kid and its x5c certificate, or
                                      the pinned certificate; never a key from the token */
    MAAT_TOKEN_CHECK_SIGNATURE,
    MAAT_TOKEN_CHECK_ISSUER,        /* claim iss = issuer */
    MAAT_TOKEN_CHECK_CERT_SUBJECT,  /* the signing certificate's subject CN = issuer */
    MAAT_TOKEN_CHECK_CERT_VALIDITY, /* the certificate is valid at `at` (with skew) */
    MAAT_TOKEN_CHECK_LIFETIME,      /* exp (required), nbf, iat: integer NumericDates, with skew */
    /* Only when asked for (x->require_signer_quote; NOT_RUN otherwise): */
    MAAT_TOKEN_CHECK_SIGNER_QUOTE,        /* the signing certificate carries an SGX quote
                                             (extension 1.3.6.1.4.1.311.105.1, or the 2020
                                             form 1.2.840.113556.10.1.1) that parses */
    MAAT_TOKEN_CHECK_SIGNER_VERIFICATION, /* that quote is acceptable (maat_quote_check) */
    MAAT_TOKEN_CHECK_SIGNER_KEY_BINDING,  /* its report_data[0:32] = SHA-256(PEM SPKI of the
                                             certificate's key + NUL): it binds this key */
    MAAT_TOKEN_CHECK_SIGNER_COMPLETE,     /* every check of that quote ran (fail closed: the
                                             signer->check.not_checked list is empty), unless
                                             x->signer_signatures_only */
    /* Only when asked for (x->enclave_info or x->td_quote): */
    MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS, /* the claims match the EnclaveInfo (as the MAA
                                             sample: debuggable, MRENCLAVE, MRSIGNER, product
                                             id, SVN, enclave-held data), or the TD quote
                                             (MRTD, RTMR0-3, MRCONFIGID, report data, the
                                             attestation type "tdxvm") */
    MAAT_TOKEN_CHECK__COUNT
};

enum maat_token_outcome { MAAT_TOKEN_NOT_RUN = 0, MAAT_TOKEN_PASSED, MAAT_TOKEN_FAILED };

/* What the token must satisfy. Exactly one of jwks / pinned_cert. */
struct maat_token_expect {
    const char *issuer;  /* required; compared as the MAA sample does: scheme and
                                    host case-insensitive, the rest exact */
    time_t at;           /* validation time (required: never "now" implicitly) */
    int skew_seconds;    /* 0..MAAT_TOKEN_SKEW_MAX, on exp/nbf/iat and the
                                    certificate's validity */
    unsigned algs;       /* MAAT_TOKEN_ALG_* bits; 0 = MAAT_TOKEN_ALG_DEFAULT */
    const uint8_t *jwks; /* the issuer's /certs document {"keys": [...]} */
    size_t jwks_len;
    const uint8_t *pinned_cert; /* or: the signing certificate, PEM or DER */
    size_t pinned_cert_len;

    /* Optional: the signer's own quote (maatd's and MAA's signing certificates carry the
     * quote of the enclave holding the key). Needs trust; collateral may be NULL (then the
     * TCB status, revocation and QE identity are not checked and SIGNER_COMPLETE fails
     * unless signer_signatures_only). */
    bool require_signer_quote;
    const struct maat_trust *trust; /* roots the signer's PCK chain must end in */
    maat_collateral_fn collateral;  /* asked once, for the verified leaf's FMSPC */
    void *collateral_ctx;
    bool signer_signatures_only; /* accept what could not be checked (reduced check:
                                            r->signer->check.not_checked says what) */

    /* Optional: the EnclaveInfo (maat/enclave_info.h) the claims must match. */
    const struct maat_enclave_info *enclave_info;
    bool enclave_info_oe; /* its Attributes are OpenEnclave bits (OE-SDK file,
                                            quote with an OE envelope), else SGX flags */

    /* Optional, instead of enclave_info: the TD quote (maat_quote_parse; body type
     * MAAT_BODY_TD10, _TD15 or _TD15_EX) a TdxVm token was issued for. Its claims
     * tdx_mrtd, tdx_rtmr0..3, tdx_mrconfigid and tdx_report_data must be the TD report's
     * values as lower-case hex strings and x-ms-attestation-type must be "tdxvm"
     * (r->enclave_claims[], MAAT_TOKEN_TD_CLAIMS of them). Another body type, or both
     * td_quote and enclave_info, is refused (MAAT_ERR_USAGE). */
    const struct maat_quote *td_quote;
};

/* What the signer's quote check found (r->signer; as far as its checks ran). */
struct maat_token_signer {
    char extension[32]; /* the OID the quote came from */
    uint8_t *quote;     /* the quote's bytes (with any OE envelope),
                                            owned by the result: report_body points into
                                            them */
    size_t size;
    bool oe_envelope;
    uint16_t version;
    struct maat_sgx_report_body report_body;
    bool key_binding;              /* report_data[0:32] = SHA-256(PEM SPKI + NUL) */
    bool kid_is_key_hash;          /* the header kid is MAA's kid of that key */
    struct maat_quote_check check; /* the DCAP check (check.ran: the verifier ran) */
};

#define MAAT_TOKEN_ENCLAVE_CLAIMS 6 /* compared with an EnclaveInfo */
#define MAAT_TOKEN_TD_CLAIMS 8      /* compared with a TD quote */
#define MAAT_TOKEN_CLAIMS_MAX 8     /* the larger of the two */

/* One comparison of the claims with the EnclaveInfo (or the TD quote). */
struct maat_token_claim_match {
    const char *name;  /* "IsDebuggable", "MRENCLAVE", "MRSIGNER", "ProductID",
                              "SecurityVersion", "EnclaveHeldData"; for a TD quote
                              "MRTD", "RTMR0".."RTMR3", "MRCONFIGID", "ReportData",
                              "AttestationType" (static) */
    const char *claim; /* "x-ms-sgx-is-debuggable", ..., "tdx_mrtd", ... (static) */
    char *file_json;   /* the EnclaveInfo's (the TD quote's) value, JSON text (owned) */
    char *token_json;  /* the token's claim, JSON text (owned; NULL = absent) */
    bool pass;
};

/* What maat_token_validate() found. Fields are filled as the checks that produce them pass
 * (see checks[]); the caller owns the struct and releases it with
 * maat_token_result_cleanup(). */
struct maat_token_result {
    bool valid; /* every check asked for ran and passed */
    enum maat_token_outcome checks[MAAT_TOKEN_CHECK__COUNT];
    enum maat_token_check failed_check; /* meaningful when !valid */
    maat_err failed_code;               /* MAAT_ERR_VALUE, _NOT_FOUND, ... */
    char reason[MAAT_ERROR_MSG_MAX];    /* why, naming the item ("" if valid) */
    char alg[8];                        /* "RS256", "ES256", "PS256" */
    char kid[MAAT_TOKEN_KID_MAX];       /* header kid (untrusted text) */
    char cert_subject_cn[512];          /* the signing certificate's CN */
    time_t cert_not_before, cert_not_after;
    int64_t exp, nbf, iat; /* the time claims (LIFETIME passed) */
    bool has_nbf, has_iat;
    uint8_t *signing_cert_der; /* owned: the signing certificate */
    size_t signing_cert_der_len;
    bool incomplete; /* !valid only because SIGNER_COMPLETE failed: what ran passed */
    struct maat_token_signer *signer; /* owned; NULL unless requested and
                                                        SIGNER_QUOTE ran */
    size_t enclave_claims_count; /* MAAT_TOKEN_ENCLAVE_CLAIMS (an EnclaveInfo) or
                                    MAAT_TOKEN_TD_CLAIMS (a TD quote) once run */
    struct maat_token_claim_match enclave_claims[MAAT_TOKEN_CLAIMS_MAX];
};

/* Validates the compact JWS token[0..len) against x. Returns 0 when the validation ran to a
 * result (inspect r->valid; a failed check is a result, not an error: r->failed_check and
 * r->reason say which and why), -1 only when it could not run (bad arguments: MAAT_ERR_USAGE;
 * out of memory: MAAT_ERR_NOMEM; require_signer_quote without trust: MAAT_ERR_USAGE; the
 * signer quote's verifier could not run or x->collateral failed: its error; a td_quote that
 * is not a TD quote: MAAT_ERR_USAGE), with err set. A JWKS that is not a JSON object with a
 * "keys" array, or a pinned certificate that does not parse, fails the KEY check (fail
 * closed). Thread-safe: no global state; r must not be shared during the call. */
MAAT_MUST_CHECK int maat_token_validate(const char *token, size_t len,
                                        const struct maat_token_expect *x,
                                        struct maat_token_result *r, struct maat_error *err);

/* Releases what r owns (signing_cert_der, signer, the enclave_claims' texts) and zeroes it.
 * Safe on a zeroed struct. */
void maat_token_result_cleanup(struct maat_token_result *r);

/* "format", "alg", "typ", "kid", "jku", "key", "signature", "issuer",
 * "certificate_subject", "certificate_validity", "lifetime", "signer_quote",
 * "signer_verification", "signer_key_binding", "signer_complete", "enclave_claims". */
const char *maat_token_check_name(enum maat_token_check c);

/* Issuer comparison as the MAA sample does it: scheme and host case-insensitive, the rest
 * (port, path) exact. */
bool maat_token_issuer_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_TOKEN_H */
