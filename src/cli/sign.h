/* sign.h - the JWS bodies of policy and policy-signer management, shared by `maat sign`,
 * `maat policy` and `maat cert` (implemented in cmd_sign.c). */
#ifndef MAAT_CLI_SIGN_H
#define MAAT_CLI_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "maat/error.h"

/* Checks a policy text with the policy parser; the error reads "PATH:LINE:COLUMN:
 * PolicyParsingError: detail". */
int cli_check_policy(const char *path, const char *text, size_t len, struct maat_error *err);

/* {"AttestationPolicy": b64url(text)} as a compact JWS: signed by KEY with header
 * {"alg", "x5c": CERT file's certificates} and "iat" (now) in the payload, or alg none
 * (no iat) when unsigned_. */
int cli_sign_policy_text(const char *text, size_t len, const char *key, const char *cert,
                         const char *pw_env, bool unsigned_, char **jws, struct maat_error *err);

/* {"policyCertificate": {"kty": "RSA"|"EC", "x5c": [cert]}, "iat": now} signed by
 * KEY/SIGNER. */
int cli_sign_cert_body(X509 *cert, const char *key, const char *signer, const char *pw_env,
                       char **jws, struct maat_error *err);

#endif
