/*
 * crypto.h - the few cryptographic primitives DCAP needs, over OpenSSL 3 EVP:
 * SHA-256, P-256 keys from raw x||y, ECDSA verification of raw r||s signatures, and
 * certificate / CRL loading from PEM or DER.
 */
#ifndef MAAT_CRYPTO_H
#define MAAT_CRYPTO_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SHA-256 of n bytes. */
void maat__sha256(const void *p, size_t n, uint8_t out[32]);
/* SHA-256 of a[0, an) followed by b[0, bn), without joining them. */
void maat__sha256_2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[32]);

/* A P-256 public key from its raw 64-byte x||y form (as in quotes). NULL on failure
 * (the point is not on the curve), with the error set. */
EVP_PKEY *maat__p256_pubkey_from_raw(const uint8_t xy[64], const char *what, struct maat_error *err);

/* Verifies an ECDSA-SHA256 signature given as raw r||s (32+32 bytes, big-endian).
 * Returns 1 valid, 0 invalid, -1 on an internal error. */
MAAT_MUST_CHECK int maat__ecdsa_verify_rs(EVP_PKEY *key, const void *msg, size_t len,
                                         const uint8_t rs[64]);

/* The same over a SHA-256 digest the caller already took of the message (issue 16: the
 * collateral's signed bodies are hashed once for the signature and the recorded hash). */
MAAT_MUST_CHECK int maat__ecdsa_verify_digest_rs(EVP_PKEY *key, const uint8_t digest[32],
                                                 const uint8_t rs[64]);

/* Converts a DER ECDSA signature to raw r||s (for P-256). 0 on success. */
MAAT_MUST_CHECK int maat__ecdsa_der_to_rs(const uint8_t *der, size_t len, uint8_t rs[64]);

/* Loads every certificate of a PEM text (at least one) or, when the text does not look
 * like PEM, one or more concatenated DER certificates. */
STACK_OF(X509) *maat__x509_load_all(const uint8_t *p, size_t n, const char *what,
                                   struct maat_error *err);

/* The leaf of an unordered chain: the first certificate that issued none of the others
 * (works for leaf-first PEM chains and root-first DER chains alike). NULL when empty. */
X509 *maat__x509_find_leaf(STACK_OF(X509) *certs);

/* Loads one CRL, PEM or DER. */
X509_CRL *maat__crl_load(const uint8_t *p, size_t n, const char *what, struct maat_error *err);

/* Subject (or issuer) common name into buf ("" when absent). */
void maat__x509_cn(const X509_NAME *name, char *buf, size_t len);

/* ASN1_TIME -> unix seconds (0 on success). */
MAAT_MUST_CHECK int maat__asn1_time_to_unix(const ASN1_TIME *t, time_t *out);

/* Lower-case hex of a certificate's serial number into buf. */
void maat__x509_serial_hex(const X509 *x, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_CRYPTO_H */
