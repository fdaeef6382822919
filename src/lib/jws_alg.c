/*
 * jws_alg.c - JWS algorithm names and the RFC 7518 PS256 parameters. A leaf module shared
 * by jose.c and signing_key.c (it calls neither), so they do not form a call cycle.
 */
#include "maat/jose.h"
#include "jose_internal.h"

#include <string.h>

#include <openssl/rsa.h>

#define PS256_SALT_LEN 32 /* RFC 7518 3.5: salt length = hash length */

const char *maat__jws_alg_name(enum maat_jws_alg a)
{
    switch (a) {
    case MAAT_JWS_NONE: return "none";
    case MAAT_JWS_RS256: return "RS256";
    case MAAT_JWS_ES256: return "ES256";
    case MAAT_JWS_PS256: return "PS256";
    }
    return "unknown";
}

int maat__jws_alg_from_name(const char *name, enum maat_jws_alg *out)
{
    static const enum maat_jws_alg all[] = {MAAT_JWS_NONE, MAAT_JWS_RS256, MAAT_JWS_ES256,
                                            MAAT_JWS_PS256};
    if (name == NULL) return -1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, maat__jws_alg_name(all[i])) == 0) {
            if (out) *out = all[i];
            return 0;
        }
    return -1;
}

int maat__rsa_pss_setup(EVP_PKEY_CTX *pctx)
{
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PS256_SALT_LEN) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}
