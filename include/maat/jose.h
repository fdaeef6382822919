/*
 * jose.h - JSON Web Signatures (compact form), JWKs and the service's token-signing keys.
 *
 * Signing algorithms: RS256 (RSA-2048, MAA's), ES256 (P-256) and PS256 (RSA-PSS), all over
 * OpenSSL EVP. Unsigned JWS (`alg: none`) for MAA's draft-policy tokens and policy bodies.
 * Parsing of compact JWS is bounded and strict (three base64url parts, JSON objects for
 * header and payload); verification never trusts a key from the token itself unless the
 * caller asks for it.
 */
#ifndef MAAT_JOSE_H
#define MAAT_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_JWS_MAX_SIZE (1u << 20) /* 1 MiB: a compact JWS larger than this is refused */

enum maat_jws_alg { MAAT_JWS_NONE = 0, MAAT_JWS_RS256, MAAT_JWS_ES256, MAAT_JWS_PS256 };

/* "RS256", ... ("none" for MAAT_JWS_NONE). */
const char *maat_jws_alg_name(enum maat_jws_alg a);
/* Parses an algorithm name; -1 if unknown. */
int maat_jws_alg_from_name(const char *name, enum maat_jws_alg *out);

/* ---- the service's signing key ---- */

/* A token-signing key: private key, self-signed certificate (Subject = Issuer = CN=issuer,
 * serial 1, valid 2019-05-01..2050-12-31 as MAA's), and its kid. */
struct maat_signing_key;

/* Generates a key for `alg` (RS256/PS256: RSA-2048; ES256: P-256). */
struct maat_signing_key *maat_signing_key_generate(enum maat_jws_alg alg, struct maat_error *err);

/* SHA-256 of the PEM text of the SubjectPublicKeyInfo (64-character lines, final "\n") plus a
 * NUL byte: what MAA binds into its enclave quote's report_data[0:32] and uses as kid. */
void maat_signing_key_spki_hash(const struct maat_signing_key *k, uint8_t out[32]);

/* Issues the self-signed certificate for `issuer` (CN). When `quote` is not NULL it is put,
 * as MAA does, in extension 1.3.6.1.4.1.311.105.1 (non-critical; an OCTET STRING holding
 * the OpenEnclave envelope + SGX quote, `quote` being that whole envelope). Replaces any
 * earlier certificate. */
int maat_signing_key_issue_cert(struct maat_signing_key *k, const char *issuer,
                                const uint8_t *quote, size_t quote_len, struct maat_error *err);

/* kid = standard base64 (padded) of maat_signing_key_spki_hash(), as MAA derives it. */
const char *maat_signing_key_kid(const struct maat_signing_key *k);
enum maat_jws_alg maat_signing_key_alg(const struct maat_signing_key *k);
EVP_PKEY *maat_signing_key_pkey(const struct maat_signing_key *k);   /* borrowed */
X509 *maat_signing_key_cert(const struct maat_signing_key *k);       /* borrowed; NULL before issue_cert */

/* JWK for /certs: {"x5c": [b64 DER], "kid": kid, "kty": "RSA"|"EC"} (MAA's key order). */
json_t *maat_signing_key_jwk(const struct maat_signing_key *k);

/* Persistence: PKCS#8 PEM private key + DER certificate, as one opaque blob (for the store;
 * the store file is the secret's home, mode 0600). */
int maat_signing_key_serialize(const struct maat_signing_key *k, uint8_t **out, size_t *len,
                               struct maat_error *err);
struct maat_signing_key *maat_signing_key_deserialize(const uint8_t *p, size_t len,
                                                      struct maat_error *err);
void maat_signing_key_free(struct maat_signing_key *k);

/* ---- compact JWS ---- */

/* Signs: header = {"alg", then the members of extra_header in their order}, payload =
 * `payload` serialised compact (keys in the order given, or sorted when sort_keys). Returns
 * malloc'd "b64url(header).b64url(payload).b64url(signature)". */
char *maat_jws_sign(const struct maat_signing_key *k, const json_t *extra_header,
                    const json_t *payload, bool sort_keys, struct maat_error *err);

/* "b64url({"alg":"none"}).b64url(payload)." (MAA's draft-policy tokens carry the full
 * header of signed tokens with alg none: pass it as extra_header, else NULL). */
char *maat_jws_unsigned(const json_t *extra_header, const json_t *payload, bool sort_keys,
                        struct maat_error *err);

/* A parsed compact JWS (owns its memory). */
struct maat_jws {
    json_t *header;
    json_t *payload;            /* NULL when the payload is empty (reset-policy bodies) */
    char *payload_text;         /* decoded payload bytes, NUL-terminated */
    size_t payload_len;
    uint8_t *signature;
    size_t signature_len;
    char *signing_input;        /* "b64url(header).b64url(payload)" exactly as received */
    size_t signing_input_len;
    enum maat_jws_alg alg;      /* from header "alg" (MAAT_JWS_NONE for "none") */
    const char *alg_text;       /* header "alg" as sent (e.g. MAA's beta "RSA256") */
};

/* Parses a compact JWS strictly: exactly two dots, base64url parts (padding tolerated),
 * header a JSON object with a string "alg", payload a JSON object or empty, bounded size.
 * Errors name the part and offset ("JWS: payload: invalid base64url character 0x2a at
 * offset 17"). */
int maat_jws_parse(const char *compact, size_t len, struct maat_jws *out, struct maat_error *err);
void maat_jws_cleanup(struct maat_jws *j);

/* Verifies the signature with `key` for the header's algorithm. alg "none" never verifies. */
int maat_jws_verify(const struct maat_jws *j, EVP_PKEY *key, struct maat_error *err);

/* The certificates of header "x5c" (or of "jwk"."x5c"), first = signer; NULL if absent. */
STACK_OF(X509) *maat_jws_header_x5c(const struct maat_jws *j, struct maat_error *err);

/* ---- JWK / JWKS ---- */

/* Public key from a JWK: from "x5c"[0] when present, else from RSA "n"/"e" or EC "crv"/"x"/"y". */
EVP_PKEY *maat_jwk_to_pkey(const json_t *jwk, struct maat_error *err);

/* The key in a JWKS document ({"keys": [...]}) whose "kid" equals kid; NULL if none. */
const json_t *maat_jwks_find(const json_t *jwks, const char *kid);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_JOSE_H */
