/* jose_internal.h - what jose.c and signing_key.c share inside libmaat. */
#ifndef MAAT_JOSE_INTERNAL_H
#define MAAT_JOSE_INTERNAL_H

#include <openssl/evp.h>

/* RFC 7518 PS256 on a signing or verification context: PSS padding, salt length 32 (the
 * hash length), MGF1 with SHA-256. Returns 1 on success, 0 on failure. */
int maat__rsa_pss_setup(EVP_PKEY_CTX *pctx);

#endif
