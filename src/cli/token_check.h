/* token_check.h - validation of MAA-format attestation tokens and of enclave quotes, shared
 * by `maat token verify` (cmd_token.c) and `maat attest` (cmd_attest.c). */
#ifndef MAAT_CLI_TOKEN_CHECK_H
#define MAAT_CLI_TOKEN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "maat/error.h"
#include "maat/jose.h"
#include "maat/quote.h"
#include "maat/quote_check.h"
#include "maat/token.h"
#include "maat/verify.h"
#include "collateral_load.h"

#define TC_SKEW 60             /* seconds of clock skew allowed on exp / nbf / iat */
#define TC_MAX_ROOTS 8         /* --trust-root options accepted */
#define TC_JWKS_MAX (1u << 20) /* a /certs document larger than this is refused */

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
json_t *tc_load_jwks(const char *jwks_path, const char *endpoint, const char *ca_file, char **source,
                     uint8_t **raw, size_t *raw_len, int *exit_code, struct maat_error *err);

/* The header's "alg" of a token the strict parser refused (malloc'd), or NULL. */
char *tc_peek_alg(const char *token);

/* Intel's SGX Root CA plus the given root certificate files (non-Intel ones are marked
 * simulated). NULL with *exit_code = MAAT_EXIT_INPUT when a file is unusable. */
struct maat_trust *tc_load_trust(const char *const *roots, size_t nroots, int *exit_code,
                                 struct maat_error *err);

/* The verdict's steps as [{"name", "outcome"}]. */
json_t *tc_steps_json(const struct maat_verdict *v);

/* Runs maat_token_validate() (libmaat, maat/token.h: alg RS256/ES256/PS256, none refused;
 * typ JWT, kid, jku = issuer + "/certs", the key chosen by kid in the JWKS - never from the
 * token - with an x5c certificate, the signature, iss = issuer, the certificate's subject
 * CN = issuer and its validity, exp (required) / nbf / iat; and what x asks for besides:
 * the signer's own quote, the claims against an EnclaveInfo) into r (the caller's, released
 * with maat_token_result_cleanup) and adds alg, kid, signature,
 * signing_certificate_subject/_validity to res as far as those checks passed. 0: valid;
 * -1: not (why = r->reason), or could not run (why: MAAT_ERR_NOMEM / _INTERNAL / _USAGE or
 * the collateral callback's error). */
int tc_check_token(const struct maat_token_expect *x, const char *token, json_t *res,
                   struct maat_token_result *r, struct maat_error *why);

/* r is invalid and the failed check comes before c (in enum maat_token_check order). */
bool tc_token_failed_before(const struct maat_token_result *r, enum maat_token_check c);

/* --collateral FILE|DIR or --pccs URL as a maat_collateral_fn (loaded once the PCK chain
 * verified). */
struct tc_collateral {
    const char *path; /* a bundle file or PCS directory, or */
    const char *url;  /* a PCS/PCCS URL (--pccs); both NULL: no collateral */
    struct cli_collateral loaded;
    bool failed;   /* could not be loaded: exit_code says how to exit */
    int exit_code; /* cli_collateral_exit(): MAAT_EXIT_INPUT or _INTERNAL */
};
void tc_collateral_init(struct tc_collateral *c, const char *path);
/* The same with a --pccs URL instead of a path (one of them, or neither). */
void tc_collateral_init_url(struct tc_collateral *c, const char *path, const char *url);
void tc_collateral_cleanup(struct tc_collateral *c);
/* The callback and its context for maat_quote_check_opts / maat_token_expect (NULL, NULL
 * without a path). */
void tc_collateral_opts(struct tc_collateral *c, maat_collateral_fn *fn, void **ctx);

/* How to verify an enclave quote with the DCAP verifier. */
struct tc_quote_opts {
    const char *const *roots; /* extra trust roots (files) besides Intel's */
    size_t nroots;
    const char *collateral; /* bundle file or PCS directory, or NULL */
    const char *pccs;       /* or a PCS/PCCS URL ("intel", "azure") to fetch it from */
    time_t at;
    const char *what;     /* prefix of messages: "signer quote", "quote" */
    const char *platform; /* "the signer's platform", "the quote's platform" */
    /* Collateral whose TCB info is for another FMSPC counts as absent (the cryptographic
     * steps decide) instead of failing the verification. */
    bool foreign_tcb_is_absent;
};

/* The verification object of a quote check that ran: signatures_and_chain, trusted_root,
 * fmspc, collateral_present, status, qvl_result, steps, reason, note. */
void tc_quote_check_json(const struct maat_quote_check *res, const char *collateral,
                         const char *platform, json_t *vj);

/* Verifies q with maat_quote_check() (trust roots read from files; collateral from
 * qo->collateral or qo->pccs) and fills vj (tc_quote_check_json) once the verifier ran.
 * 0: acceptable; -1: not, or could not run (why says why; *exit_code = MAAT_EXIT_INPUT for
 * unreadable roots or collateral, cli_collateral_exit() for a PCCS that failed). */
int tc_verify_quote(const struct maat_quote *q, const struct tc_quote_opts *qo, json_t *vj,
                    struct maat_quote_check *res, int *exit_code, struct maat_error *why);

/* What an accepted check could not check (res->not_checked), appended to list (JSON
 * strings) and written to text ("A, B, C"; "" = every check ran and passed). Returns the
 * number of items. */
size_t tc_not_checked(const struct maat_quote_check *res, json_t *list, char *text, size_t n);

/* The signer_quote report object from r->signer: extension, size, oe_envelope, version,
 * report_body, key_binding, kid_is_key_hash, verification, not_checked (as far as the
 * checks ran). */
void tc_signer_json(const struct maat_token_result *r, json_t *o, const char *collateral);

#endif
