/* sim_crypto.c - P-256 keys, raw r‖s ECDSA signatures and PEM for the simulated platform. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "sim_internal.h"

EVP_PKEY *sim_keygen(struct maat_error *err)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (k == NULL) sim_ossl_error(err, "P-256 key generation");
    return k;
}

int sim_random(uint8_t *p, size_t n, struct maat_error *err)
{
    if (n > 0 && RAND_bytes(p, (int)n) != 1) return sim_ossl_error(err, "RAND_bytes");
    return 0;
}

int sim_sign_raw(EVP_PKEY *key, const void *data, size_t len, uint8_t sig[64], struct maat_error *err)
{
    int rc = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80];
    size_t der_len = sizeof der;
    ECDSA_SIG *es = NULL;
    if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) != 1 ||
        EVP_DigestSign(ctx, der, &der_len, data, len) != 1) {
        sim_ossl_error(err, "ECDSA signing");
        goto done;
    }
    const unsigned char *p = der;
    es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (es == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32) {
        sim_ossl_error(err, "ECDSA signature conversion to r||s");
        goto done;
    }
    rc = 0;
done:
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    return rc;
}

int sim_pubkey_raw(EVP_PKEY *key, uint8_t xy[64], struct maat_error *err)
{
    uint8_t pt[65];
    size_t n = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt,
                                        &n) != 1 ||
        n != 65 || pt[0] != 0x04)
        return sim_ossl_error(err, "P-256 public key export");
    memcpy(xy, pt + 1, 64);
    return 0;
}

int sim_sha256(const void *data, size_t len, uint8_t out[32], struct maat_error *err)
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return sim_ossl_error(err, "SHA-256");
    return 0;
}

/* Copies a memory BIO's contents into out. */
static int bio_to_buf(BIO *bio, struct maat_buf *out, struct maat_error *err)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    if (n < 0 || maat_buf_put(out, p, (size_t)n) != 0)
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

int sim_key_pem(EVP_PKEY *key, struct maat_buf *out, struct maat_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int rc = -1;
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
        sim_ossl_error(err, "private key PEM encoding");
    else
        rc = bio_to_buf(bio, out, err);
    BIO_free(bio);
    return rc;
}

EVP_PKEY *sim_key_from_pem(const uint8_t *pem, size_t len, struct maat_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (k == NULL) sim_ossl_error(err, "private key PEM decoding");
    return k;
}

int sim_cert_pem(X509 *cert, struct maat_buf *out, struct maat_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int rc = -1;
    if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1)
        sim_ossl_error(err, "certificate PEM encoding");
    else
        rc = bio_to_buf(bio, out, err);
    BIO_free(bio);
    return rc;
}

X509 *sim_cert_from_pem(const uint8_t *pem, size_t len, struct maat_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *c = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (c == NULL) sim_ossl_error(err, "certificate PEM decoding");
    return c;
}
