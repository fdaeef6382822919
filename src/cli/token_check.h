/* token_check.h - validation of MAA-format attestation tokens and of enclave quotes, shared
 * by `maat token verify` (cmd_token.c) and `maat attest` (cmd_attest.c). */
#ifndef MAAT_CLI_TOKEN_CHECK_H
#define MAAT_CLI_TOKEN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/error.h"
#include "maat/jose.h"
#include "maat/quote.h"
#include "maat/token.h"
#include "maat/verify.h"

#define TC_SKEW 60              /* seconds of clock skew allowed on exp / nbf / iat */
#define TC_MAX_ROOTS 8          /* --trust-root options accepted */
#define TC_JWKS_MAX (1u << 20)  /* a /certs document larger than this is refused */

/* Formats t as RFC 3339 UTC ("2022-11-17T20:30:00Z"). */
void tc_fmt_time(time_t t, char buf[32]);

/* Issuer comparison as the MAA sample does it: scheme and host case-insensitive, the rest
 * (port, path) exact. */
bool tc_issuer_equal(const char *a, const char *b);

/* malloc'd copy of s without trailing '/' characters (NULL when out of memory). */
char *tc_strip_slashes(const char *s);

/* Reads TOKEN: a file (JWT text or an MAA response body {"token": ...}), "-" for stdin, or
 * the JWT text itself. Returns the malloc'd JWT text, or NULL with err set. */
char *tc_load_token(const char *arg, struct maat_error *err);

/* The issuer's key set: the file jwks_path, or GET <endpoint>/certs (one of them; https
 * trust: cli_http_ca_file(ca_file), http_client.h). On
 * success *source is a malloc'd description (the path or URL) and *raw / *raw_len the
 * document's bytes (malloc'd, for maat_token_validate). On failure *exit_code is
 * MAAT_EXIT_INPUT (unreadable / malformed) or MAAT_EXIT_INTERNAL (fetch failed). */
json_t *tc_load_jwks(const char *jwks_path, const char *endpoint, const char *ca_file,
                     char **source, uint8_t **raw, size_t *raw_len, int *exit_code,
                     struct maat_error *err);

/* The header's "alg" of a token the strict parser refused (malloc'd), or NULL. */
char *tc_peek_alg(const char *token);

/* Intel's SGX Root CA plus the given root certificate files (non-Intel ones are marked
 * simulated). NULL with *exit_code = MAAT_EXIT_INPUT when a file is unusable. */
struct maat_trust *tc_load_trust(const char *const *roots, size_t nroots, int *exit_code,
                                 struct maat_error *err);

/* The verdict's steps as [{"name", "outcome"}]. */
json_t *tc_steps_json(const struct maat_verdict *v);

/* What tc_check_token found: the signing certificate (borrowed from certs, which the caller
 * frees with sk_X509_pop_free(certs, X509_free)) and the header kid. */
struct tc_checked {
    X509 *cert;
    STACK_OF(X509) *certs;
    char kid[MAAT_TOKEN_KID_MAX];
};

/* Validates the token text against the issuer's key set (the JWKS document's bytes) at time
 * `at` with maat_token_validate() (libmaat, maat/token.h: alg RS256/ES256/PS256, none
 * refused; typ JWT, kid, jku = issuer + "/certs", the key chosen by kid in the JWKS - never
 * from the token - with an x5c certificate, the signature, iss = issuer, the certificate's
 * subject CN = issuer and its validity, exp (required) / nbf / iat with TC_SKEW) and adds
 * alg, kid, signature, signing_certificate_subject/_validity to res as far as those checks
 * passed. 0: valid; -1: invalid, why names the first failed check (MAAT_ERR_NOMEM /
 * _INTERNAL / _USAGE for errors that are not the token's fault). */
int tc_check_token(const char *issuer, time_t at, const char *token, const uint8_t *jwks,
                   size_t jwks_len, json_t *res, struct tc_checked *ck, struct maat_error *why);

/* How to verify an enclave quote with the DCAP verifier. */
struct tc_quote_opts {
    const char *const *roots;   /* extra trust roots (files) besides Intel's */
    size_t nroots;
    const char *collateral;     /* bundle file or PCS directory, or NULL */
    const char *pccs;           /* or a PCS/PCCS URL ("intel", "azure") to fetch it from */
    time_t at;
    const char *what;           /* prefix of messages: "signer quote", "quote" */
    const char *platform;       /* "the signer's platform", "the quote's platform" */
    /* Collateral whose TCB info is for another FMSPC counts as absent (the cryptographic
     * steps decide) instead of failing the verification. */
    bool foreign_tcb_is_absent;
};

struct tc_quote_result {
    struct maat_verdict verdict;
    bool crypto_ok;                /* structure, PCK chain, validity, QE report, AK binding,
                                      quote signature all passed */
    bool tcb_absent;               /* no TCB collateral for the quote's FMSPC */
    char fmspc_hex[13];            /* the quote's FMSPC, lower-case hex ("" before verifying) */
    char collateral_fmspc_hex[13]; /* the collateral's TCB info FMSPC ("" without) */
};

/* Verifies q (trust, collateral, verdict) and fills vj with signatures_and_chain,
 * trusted_root, fmspc, collateral_present, status, qvl_result, steps, reason, note.
 * 0: acceptable (the cryptographic steps passed and, when TCB collateral for the FMSPC is
 * present, the verdict is ok and not Revoked); -1: not, or could not run (why says why;
 * *exit_code = MAAT_EXIT_INPUT for unreadable roots or collateral). */
int tc_verify_quote(const struct maat_quote *q, const struct tc_quote_opts *qo, json_t *vj,
                    struct tc_quote_result *res, int *exit_code, struct maat_error *why);

/* What an accepted verification (tc_verify_quote returned 0) could not check: one item per
 * gap, appended to list (JSON strings) and written to text ("A, B, C"; "" = every check ran
 * and passed). Fail closed: without TCB collateral for the quote's FMSPC the TCB status is
 * not determined; without collateral revocation and QE identity do not run; with expired
 * collateral the CRLs are not current; any other verifier step that did not pass is named.
 * Returns the number of items added. */
size_t tc_not_checked(const struct tc_quote_result *res, json_t *list, char *text, size_t n);

/* Extracts the SGX quote from a signing certificate (MAA's extension 1.3.6.1.4.1.311.105.1
 * or the 2020 form 1.2.840.113556.10.1.1), verifies it with tc_verify_quote and checks
 * that report_data[0:32] = SHA-256(PEM SPKI of the certificate's key + NUL). Fills o
 * (extension, size, oe_envelope, version, report_body, key_binding, kid_is_key_hash,
 * verification, not_checked) and, on success, not_checked (tc_not_checked: "" when every
 * check ran). 0: acceptable; -1 with why. */
int tc_check_signer_quote(X509 *cert, const char *token_kid, const struct tc_quote_opts *qo,
                          json_t *o, char *not_checked, size_t nc_len, int *exit_code,
                          struct maat_error *why);

#endif
