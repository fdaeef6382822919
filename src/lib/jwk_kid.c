/*
 * jwk_kid.c - the two kid forms MAA uses: maat__jwk_spki_hash / maat__jwk_maa_kid (SHA-256 of
 * the public key PEM) and maat__jwk_x5t_kid (SHA-1 of the certificate, base64url). A leaf
 * module: jose.c, signing_key.c and maatd use it; it calls neither of them.
 */
#include "maat/jose.h"
#include "maat/bytes.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

int maat__jwk_spki_hash(const EVP_PKEY *key, uint8_t out[32], struct maat_error *err)
{
    MAAT_ENSURE(key != NULL, err, MAAT_ERR_USAGE, "kid: no key");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n = 0;
    if (bio == NULL || PEM_write_bio_PUBKEY(bio, key) != 1 || (n = BIO_get_mem_data(bio, &pem)) <= 0) {
        BIO_free(bio);
        ERR_clear_error();
        return maat_error_set(err, MAAT_ERR_CRYPTO, "kid: public key could not be written as PEM");
    }
    /* MAA hashes the PEM text including its C string terminator. */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    static const uint8_t nul = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, pem, (size_t)n) == 1 && EVP_DigestUpdate(md, &nul, 1) == 1 &&
             EVP_DigestFinal_ex(md, out, NULL) == 1;
    EVP_MD_CTX_free(md);
    BIO_free(bio);
    MAAT_ENSURE(ok, err, MAAT_ERR_CRYPTO, "kid: SHA-256 failed");
    return 0;
}

static int put_kid(const uint8_t *p, size_t n, bool url, char out[MAAT_KID_MAX],
                   struct maat_error *err)
{
    char *s = url ? maat_base64url_encode(p, n) : maat_base64_encode(p, n);
    MAAT_ENSURE(s != NULL, err, MAAT_ERR_NOMEM, "kid: out of memory");
    size_t len = strlen(s);
    if (len >= MAAT_KID_MAX) {
        free(s);
        return maat_error_set(err, MAAT_ERR_INTERNAL, "kid: %zu characters do not fit", len);
    }
    memcpy(out, s, len + 1);
    free(s);
    return 0;
}

int maat__jwk_maa_kid(const EVP_PKEY *key, char out[MAAT_KID_MAX], struct maat_error *err)
{
    uint8_t h[32];
    MAAT_TRY(maat__jwk_spki_hash(key, h, err));
    return put_kid(h, sizeof h, false, out, err);
}

int maat__jwk_x5t_kid(const X509 *cert, char out[MAAT_KID_MAX], struct maat_error *err)
{
    MAAT_ENSURE(cert != NULL, err, MAAT_ERR_USAGE, "kid: no certificate");
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    MAAT_ENSURE(X509_digest(cert, EVP_sha1(), h, &n) == 1 && n == 20, err, MAAT_ERR_CRYPTO,
                "kid: SHA-1 of the certificate failed");
    return put_kid(h, n, true, out, err);
}
