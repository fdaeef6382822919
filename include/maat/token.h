/* token.h - the relying party's check of an MAA-format attestation token (Azure Attestation,
 * maatd): maat_token_validate(). Pure computation over bytes the caller already has (the
 * token, the issuer's JWKS as fetched from <issuer>/certs, or a pinned certificate); no
 * network or disk I/O. This header exposes no jansson or OpenSSL types. */
#ifndef MAAT_TOKEN_H
#define MAAT_TOKEN_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/error.h"

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
    MAAT_TOKEN_CHECK_FORMAT = 0,   /* a strict compact JWS (maat_jws_parse) */
    MAAT_TOKEN_CHECK_ALG,          /* header alg in the allow-list; never "none" */
    MAAT_TOKEN_CHECK_TYP,          /* header typ "JWT" */
    MAAT_TOKEN_CHECK_KID,          /* header kid: a non-empty string */
    MAAT_TOKEN_CHECK_JKU,          /* header jku = issuer + "/certs" */
    MAAT_TOKEN_CHECK_KEY,          /* the JWKS key with that kid and its x5c certificate, or
                                      the pinned certificate; never a key from the token */
    MAAT_TOKEN_CHECK_SIGNATURE,
    MAAT_TOKEN_CHECK_ISSUER,       /* claim iss = issuer */
    MAAT_TOKEN_CHECK_CERT_SUBJECT, /* the signing certificate's subject CN = issuer */
    MAAT_TOKEN_CHECK_CERT_VALIDITY, /* the certificate is valid at `at` (with skew) */
    MAAT_TOKEN_CHECK_LIFETIME,     /* exp (required), nbf, iat: integer NumericDates, with skew */
    MAAT_TOKEN_CHECK__COUNT
};

enum maat_token_outcome { MAAT_TOKEN_NOT_RUN = 0, MAAT_TOKEN_PASSED, MAAT_TOKEN_FAILED };

/* What the token must satisfy. Exactly one of jwks / pinned_cert. */
struct maat_token_expect {
    const char *issuer;          /* required; compared as the MAA sample does: scheme and
                                    host case-insensitive, the rest exact */
    time_t at;                   /* validation time (required: never "now" implicitly) */
    int skew_seconds;            /* 0..MAAT_TOKEN_SKEW_MAX, on exp/nbf/iat and the
                                    certificate's validity */
    unsigned algs;               /* MAAT_TOKEN_ALG_* bits; 0 = MAAT_TOKEN_ALG_DEFAULT */
    const uint8_t *jwks;         /* the issuer's /certs document {"keys": [...]} */
    size_t jwks_len;
    const uint8_t *pinned_cert;  /* or: the signing certificate, PEM or DER */
    size_t pinned_cert_len;
};

/* What maat_token_validate() found. Fields are filled as the checks that produce them pass
 * (see checks[]); the caller owns the struct and releases it with
 * maat_token_result_cleanup(). */
struct maat_token_result {
    bool valid;                                      /* every check ran and passed */
    enum maat_token_outcome checks[MAAT_TOKEN_CHECK__COUNT];
    enum maat_token_check failed_check;              /* meaningful when !valid */
    maat_err failed_code;                            /* MAAT_ERR_VALUE, _NOT_FOUND, ... */
    char reason[MAAT_ERROR_MSG_MAX];                 /* why, naming the item ("" if valid) */
    char alg[8];                                     /* "RS256", "ES256", "PS256" */
    char kid[MAAT_TOKEN_KID_MAX];                    /* header kid (untrusted text) */
    char cert_subject_cn[512];                       /* the signing certificate's CN */
    time_t cert_not_before, cert_not_after;
    int64_t exp, nbf, iat;                           /* the time claims (LIFETIME passed) */
    bool has_nbf, has_iat;
    uint8_t *signing_cert_der;                       /* owned: the signing certificate */
    size_t signing_cert_der_len;
};

/* Validates the compact JWS token[0..len) against x. Returns 0 when the validation ran to a
 * result (inspect r->valid; a failed check is a result, not an error: r->failed_check and
 * r->reason say which and why), -1 only when it could not run (bad arguments: MAAT_ERR_USAGE;
 * out of memory: MAAT_ERR_NOMEM), with err set. A JWKS that is not a JSON object with a
 * "keys" array, or a pinned certificate that does not parse, fails the KEY check (fail
 * closed). Thread-safe: no global state; r must not be shared during the call. */
MAAT_MUST_CHECK int maat_token_validate(const char *token, size_t len, const struct maat_token_expect *x,
                        struct maat_token_result *r, struct maat_error *err);

/* Releases what r owns (signing_cert_der) and zeroes it. Safe on a zeroed struct. */
void maat_token_result_cleanup(struct maat_token_result *r);

/* "format", "alg", "typ", "kid", "jku", "key", "signature", "issuer",
 * "certificate_subject", "certificate_validity", "lifetime". */
const char *maat_token_check_name(enum maat_token_check c);

/* Issuer comparison as the MAA sample does it: scheme and host case-insensitive, the rest
 * (port, path) exact. */
bool maat_token_issuer_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_TOKEN_H */
