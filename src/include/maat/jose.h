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

#include "maat/must_check.h"

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
const char *maat__jws_alg_name(enum maat_jws_alg a);
/* Parses an algorithm name; -1 if unknown. */
MAAT_MUST_CHECK int maat__jws_alg_from_name(const char *name, enum maat_jws_alg *out);

/* ---- the service's signing key ---- */

/* A token-signing key: private key, self-signed certificate (Subject = Issuer = CN=issuer,
 * serial 1, valid 2019-05-01..2050-12-31 as MAA's), and its kid. */
struct maat_signing_key;

/* Generates a key for `alg` (RS256/PS256: RSA-2048; ES256: P-256). */
struct maat_signing_key *maat__signing_key_generate(enum maat_jws_alg alg, struct maat_error *err);

/* SHA-256 of the PEM text of the SubjectPublicKeyInfo (64-character lines, final "\n") plus a
 * NUL byte: what MAA binds into its enclave quote's report_data[0:32] and uses as kid. */
void maat__signing_key_spki_hash(const struct maat_signing_key *k, uint8_t out[32]);

/* Issues the self-signed certificate for `issuer` (CN). When `quote` is not NULL it is put,
 * as MAA does, in extension 1.3.6.1.4.1.311.105.1 (non-critical; an OCTET STRING holding
 * the OpenEnclave envelope + SGX quote, `quote` being that whole envelope; the extnValue
 * OCTET STRING holds these bytes directly, as in MAA's recorded certificates). Replaces any
 * earlier certificate; on failure the earlier one stays. Issuer: 1 to 64 characters. */
MAAT_MUST_CHECK int maat__signing_key_issue_cert(struct maat_signing_key *k, const char *issuer,
                                                const uint8_t *quote, size_t quote_len,
                                                struct maat_error *err);

/* kid = standard base64 (padded) of maat__signing_key_spki_hash(), as MAA derives it. */
const char *maat__signing_key_kid(const struct maat_signing_key *k);
enum maat_jws_alg maat__signing_key_alg(const struct maat_signing_key *k);
EVP_PKEY *maat__signing_key_pkey(const struct maat_signing_key *k); /* borrowed */
X509 *maat__signing_key_cert(const struct maat_signing_key *k); /* borrowed; NULL before issue_cert */

/* JWK for /certs: {"x5c": [b64 DER], "kid": kid, "kty": "RSA"|"EC"} (MAA's key order). */
json_t *maat__signing_key_jwk(const struct maat_signing_key *k);

/* Persistence: PKCS#8 PEM private key + DER certificate, as one opaque blob (for the store;
 * the store file is the secret's home, mode 0600). */
MAAT_MUST_CHECK int maat__signing_key_serialize(const struct maat_signing_key *k, uint8_t **out,
                                               size_t *len, struct maat_error *err);
struct maat_signing_key *maat__signing_key_deserialize(const uint8_t *p, size_t len,
                                                      struct maat_error *err);
void maat__signing_key_free(struct maat_signing_key *k);

/* Largest signature maat__signing_key_sign() writes (RSA up to 4096 bits, DER ECDSA). */
#define MAAT_SIGNATURE_MAX 512
/* Signs msg as JWS alg maat__signing_key_alg(k) does: RS256 / PS256 (salt 32, MGF1-SHA-256)
 * over SHA-256(msg), ES256 as r||s (64 bytes). Thread-safe. */
MAAT_MUST_CHECK int maat__signing_key_sign(const struct maat_signing_key *k, const void *msg,
                                          size_t len, uint8_t sig[MAAT_SIGNATURE_MAX],
                                          size_t *siglen, struct maat_error *err);

/* A signing key from an operator-supplied PEM private key (PKCS#8 or traditional, not
 * encrypted): RSA (>= 2048 bits) for RS256/PS256, P-256 for ES256. No certificate yet. */
struct maat_signing_key *maat__signing_key_from_pem(const uint8_t *pem, size_t len,
                                                   enum maat_jws_alg alg, struct maat_error *err);

/* The enclave quote carried by an MAA-style signing certificate: the extnValue contents of
 * extension 1.3.6.1.4.1.311.105.1 (OE envelope + quote), or those of the inner OCTET STRING
 * of the 2020 extension 1.2.840.113556.10.1.1 (quote without envelope). *p points into the certificate (borrowed;
 * maat_quote_parse() detects the envelope). MAAT_ERR_NOT_FOUND when neither is present. */
MAAT_MUST_CHECK int maat__signing_key_cert_quote(const X509 *cert, const uint8_t **p, size_t *len,
                                                struct maat_error *err);

/* ---- compact JWS ---- */

/* Signs: header = {"alg", then the members of extra_header in their order}, payload =
 * `payload` serialised compact (keys in the order given, or sorted when sort_keys). Returns
 * malloc'd "b64url(header).b64url(payload).b64url(signature)". extra_header may be NULL and
 * must not contain "alg"; payload must be an object, or NULL for an empty payload (MAA's
 * signed policy-reset bodies). */
char *maat__jws_sign(const struct maat_signing_key *k, const json_t *extra_header,
                    const json_t *payload, bool sort_keys, struct maat_error *err);

/* maat__jws_sign() with the payload given as its JSON text, used as is (NULL: an empty
 * payload). For payloads written without a JSON tree (maat__claims_payload_text). */
char *maat__jws_sign_text(const struct maat_signing_key *k, const json_t *extra_header,
                         const char *payload, size_t len, struct maat_error *err);
/* The two halves of maat__jws_sign_text(), for callers that sign many tokens with the same
 * header (maatd keeps the encoded header per issuer and key): maat__jws_header_b64 appends
 * b64url of the compact header JSON {"alg" of k's algorithm ("none" when k is NULL), then
 * extra_header's members} to out; maat__jws_sign_encoded appends
 * "<header_b64>.<b64url(payload)>.<b64url(signature)>" to out, signing exactly the first two
 * parts as appended. header_b64 must come from maat__jws_header_b64 for the same key. Both
 * leave out as it was on failure. */
struct maat_buf;
MAAT_MUST_CHECK int maat__jws_header_b64(const struct maat_signing_key *k, const json_t *extra_header,
                                        struct maat_buf *out, struct maat_error *err);
MAAT_MUST_CHECK int maat__jws_sign_encoded(const struct maat_signing_key *k, const char *header_b64,
                                          size_t hlen, const char *payload, size_t len,
                                          struct maat_buf *out, struct maat_error *err);
/* maat__jws_unsigned() with the payload given as its JSON text. */
char *maat__jws_unsigned_text(const json_t *extra_header, const char *payload, size_t len,
                             struct maat_error *err);

/* "b64url({"alg":"none"}).b64url(payload)." (MAA's draft-policy tokens carry the full
 * header of signed tokens with alg none: pass it as extra_header, else NULL). */
char *maat__jws_unsigned(const json_t *extra_header, const json_t *payload, bool sort_keys,
                        struct maat_error *err);

/* A parsed compact JWS (owns its memory). */
struct maat_jws {
    json_t *header;
    json_t *payload;    /* NULL when the payload is empty (reset-policy bodies) */
    char *payload_text; /* decoded payload bytes, NUL-terminated */
    size_t payload_len;
    uint8_t *signature;
    size_t signature_len;
    char *signing_input; /* "b64url(header).b64url(payload)" exactly as received */
    size_t signing_input_len;
    enum maat_jws_alg alg; /* from header "alg" (MAAT_JWS_NONE for "none") */
    const char *alg_text;  /* header "alg" as sent (e.g. MAA's beta "RSA256") */
};

/* Parses a compact JWS strictly: exactly two dots, base64url parts (padding tolerated),
 * header a JSON object with a string "alg", payload a JSON object or empty, bounded size.
 * Errors name the part and offset ("JWS: payload: invalid base64url character 0x2a at
 * offset 17"; offsets count from the start of the compact text).
 * Also rejected: an unknown "alg" (names are case-sensitive), a "crit" header (maat
 * understands no extension), duplicate JSON keys, a signature on alg "none" and an empty
 * signature on a signed alg. Same as maat__jws_parse_ex(compact, len, 0, out, err).
 * On failure *out is left empty (maat__jws_cleanup() is still safe to call). */
MAAT_MUST_CHECK int maat__jws_parse(const char *compact, size_t len, struct maat_jws *out,
                                   struct maat_error *err);

/* maat__jws_parse() flags. */
#define MAAT_JWS_ALLOW_RSA256 \
    0x1u /* take "alg":"RSA256" (an Azure SDK beta's spelling, which
                                    * MAA accepted on policy bodies) as RS256; alg_text keeps
                                    * "RSA256". Without it, "RSA256" is an unknown alg. */

/* maat__jws_parse() with flags (MAAT_JWS_ALLOW_*). */
MAAT_MUST_CHECK int maat__jws_parse_ex(const char *compact, size_t len, unsigned flags,
                                      struct maat_jws *out, struct maat_error *err);
void maat__jws_cleanup(struct maat_jws *j);

/* Verifies the signature with `key` for the header's algorithm. alg "none" never verifies.
 * The key must fit the algorithm (RS256/PS256: RSA of at least 1024 bits - MAA's 2020 keys
 * were RSA-1024; ES256: P-256); PS256 is RSA-PSS, SHA-256, MGF1-SHA-256, salt 32 bytes.
 * 0 when the signature is valid; -1 otherwise, with the reason in err. */
MAAT_MUST_CHECK int maat__jws_verify(const struct maat_jws *j, EVP_PKEY *key, struct maat_error *err);

/* ---- JWT time claims ---- */

#define MAAT_JWT_TIME_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* The NumericDate claim `name` ("exp", "nbf", "iat") of a JWT payload, strictly: a JSON
 * integer in 0..MAAT_JWT_TIME_MAX. A real number (1e300, 1.5, even 1.0) or a value out of
 * that range is refused rather than converted (casting such a double to an integer is
 * undefined and let "exp": 1e300 pass a time check). 0 with *out set; 1 when the claim is
 * absent; -1 with err naming the claim and what was expected. */
MAAT_MUST_CHECK int maat__jwt_time_claim(const json_t *claims, const char *name, int64_t *out,
                                        struct maat_error *err);

#define MAAT_X5C_MAX 10 /* certificates accepted in one "x5c" array */

/* The certificates of header "x5c" (or of "jwk"."x5c"), first = signer; NULL if absent.
 * Absent: NULL and err untouched (err->code stays MAAT_OK). Malformed (not an array, empty,
 * more than MAAT_X5C_MAX, not padded standard base64, not exactly one DER certificate, or
 * both "x5c" and "jwk"."x5c" present): NULL with err set. Free with
 * sk_X509_pop_free(sk, X509_free). */
STACK_OF(X509) *maat__jws_header_x5c(const struct maat_jws *j, struct maat_error *err);

/* ---- JWK / JWKS ---- */

/* Public key from a JWK: from "x5c"[0] when present, else from RSA "n"/"e" or EC "crv"/"x"/"y". */
EVP_PKEY *maat__jwk_to_pkey(const json_t *jwk, struct maat_error *err);

/* The key in a JWKS document ({"keys": [...]}) whose "kid" equals kid; NULL if none. */
const json_t *maat__jwks_find(const json_t *jwks, const char *kid);

/* The certificates of a JWK's "x5c" (e.g. MAA's policyCertificate / x-ms-policy-signer), with
 * the rules and NULL-if-absent convention of maat__jws_header_x5c(). */
STACK_OF(X509) *maat__jwk_x5c(const json_t *jwk, struct maat_error *err);

/* ---- kid derivations ---- */

#define MAAT_KID_MAX 48 /* room for either kid form and its NUL */

/* SHA-256 of the PEM text of key's SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----",
 * 64-character base64 lines, each ending "\n") followed by one NUL byte (MAA, maa.md 3). */
MAAT_MUST_CHECK int maat__jwk_spki_hash(const EVP_PKEY *key, uint8_t out[32], struct maat_error *err);
/* MAA's kid for its enclave-backed key: padded standard base64 of maat__jwk_spki_hash(). */
MAAT_MUST_CHECK int maat__jwk_maa_kid(const EVP_PKEY *key, char out[MAAT_KID_MAX],
                                     struct maat_error *err);
/* MAA's kid for its Microsoft-CA keys (the x5t form): unpadded base64url of SHA-1(cert DER). */
MAAT_MUST_CHECK int maat__jwk_x5t_kid(const X509 *cert, char out[MAAT_KID_MAX],
                                     struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_JOSE_H */
