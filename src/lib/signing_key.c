/*
 * signing_key.c - the service's token-signing key: generation, MAA's kid, the self-signed
 * certificate in MAA's profile (optionally carrying the service's own enclave quote in
 * extension 1.3.6.1.4.1.311.105.1), its JWK for /certs, and persistence.
 *
 * Certificate profile, copied from MAA's recorded signing certificates (maa.md 3, 6):
 * v3, serial 1, Subject = Issuer = CN=<issuer> (UTF8String), validity 2019-05-01 00:00:00Z
 * .. 2050-12-31 23:59:59Z, both encoded as GeneralizedTime exactly as MAA does, signature
 * sha256WithRSAEncryption (ecdsa-with-SHA256 for P-256 keys), extensions in MAA's order:
 * basicConstraints (empty SEQUENCE), subjectKeyIdentifier (SHA-1 of the subjectPublicKey
 * bits), authorityKeyIdentifier (keyIdentifier = SKI), then the quote extension (its
 * extnValue OCTET STRING holds the OE envelope + quote bytes directly).
 *
 * Signing (maat__signing_key_sign) reuses OpenSSL contexts: each key keeps a small pool of
 * EVP_PKEY_CTX already initialised for signing (algorithm fetched, padding set), so a token
 * signature costs one SHA-256 and the private-key operation, not a fetch and a context.
 */
#include "maat/jose.h"
#include "maat/bytes.h"
#include "maat/crypto.h"
#include "ctx_pool.h"
#include "jose_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#define OID_MAA_QUOTE "1.3.6.1.4.1.311.105.1"      /* OE envelope + SGX quote (2021+) */
#define OID_MAA_QUOTE_2020 "1.2.840.113556.10.1.1" /* raw quote (2020 certificates) */
#define NOT_BEFORE "20190501000000Z"
#define NOT_AFTER "20501231235959Z"
#define CN_MAX 64 /* X.520 ub-common-name */
#define QUOTE_EXT_MAX (1u << 20)

/* Serialized form: magic, alg byte, u32le PEM length, PKCS#8 PEM private key,
 * u32le DER length, certificate DER (length 0: no certificate yet). */
static const uint8_t blob_magic[8] = {'M', 'A', 'A', 'T', 'S', 'K', 0, 1};
#define BLOB_PART_MAX (1u << 20)

struct maat_signing_key {
    enum maat_jws_alg alg;
    EVP_PKEY *pkey;
    X509 *cert;
    uint8_t spki_hash[32];
    char kid[MAAT_KID_MAX];
    struct maat__ctx_pool *pool; /* sign-initialised contexts; mutable behind a const key:
                                    signing is logically read-only */
};

static int key_fits_alg(const EVP_PKEY *pkey, enum maat_jws_alg alg, int min_rsa_bits,
                        struct maat_error *err)
{
    const char *an = maat__jws_alg_name(alg);
    if (alg == MAAT_JWS_RS256 || alg == MAAT_JWS_PS256) {
        MAAT_ENSURE(EVP_PKEY_is_a(pkey, "RSA"), err, MAAT_ERR_VALUE,
                    "signing key: alg %s needs an RSA key", an);
        MAAT_ENSURE(EVP_PKEY_get_bits(pkey) >= min_rsa_bits, err, MAAT_ERR_VALUE,
                    "signing key: RSA key of %d bits, at least %d required",
                    EVP_PKEY_get_bits(pkey), min_rsa_bits);
        MAAT_ENSURE(EVP_PKEY_get_size(pkey) <= MAAT_SIGNATURE_MAX, err, MAAT_ERR_VALUE,
                    "signing key: RSA key of %d bits, at most %d supported",
                    EVP_PKEY_get_bits(pkey), 8 * MAAT_SIGNATURE_MAX);
        return 0;
    }
    if (alg == MAAT_JWS_ES256) {
        char group[32];
        size_t glen = 0;
        MAAT_ENSURE(EVP_PKEY_is_a(pkey, "EC") &&
                        EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) == 1 &&
                        strcmp(group, "prime256v1") == 0,
                    err, MAAT_ERR_VALUE, "signing key: alg ES256 needs a P-256 key");
        return 0;
    }
    return maat_error_set(err, MAAT_ERR_USAGE, "signing key: alg %s cannot sign", an);
}

/* Takes ownership of pkey; computes the SPKI hash and kid. */
static struct maat_signing_key *key_new(EVP_PKEY *pkey, enum maat_jws_alg alg, struct maat_error *err)
{
    struct maat_signing_key *k = calloc(1, sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        maat_error_set(err, MAAT_ERR_NOMEM, "signing key: out of memory");
        return NULL;
    }
    k->alg = alg;
    k->pkey = pkey;
    k->pool = calloc(1, sizeof *k->pool);
    if (k->pool == NULL || maat__ctx_pool_init(k->pool) != 0) {
        free(k->pool);
        k->pool = NULL;
        maat__signing_key_free(k);
        maat_error_set(err, MAAT_ERR_NOMEM, "signing key: out of memory");
        return NULL;
    }
    if (maat__jwk_spki_hash(pkey, k->spki_hash, err) != 0 || maat__jwk_maa_kid(pkey, k->kid, err) != 0) {
        maat__signing_key_free(k);
        return NULL;
    }
    return k;
}

struct maat_signing_key *maat__signing_key_generate(enum maat_jws_alg alg, struct maat_error *err)
{
    EVP_PKEY *pkey = NULL;
    if (alg == MAAT_JWS_RS256 || alg == MAAT_JWS_PS256)
        pkey = EVP_RSA_gen(2048);
    else if (alg == MAAT_JWS_ES256)
        pkey = EVP_EC_gen("P-256");
    else {
        maat_error_set(err, MAAT_ERR_USAGE, "signing key: cannot generate a key for alg %s",
                       maat__jws_alg_name(alg));
        return NULL;
    }
    if (pkey == NULL) {
        ERR_clear_error();
        maat_error_set(err, MAAT_ERR_CRYPTO, "signing key: %s key generation failed",
                       maat__jws_alg_name(alg));
        return NULL;
    }
    return key_new(pkey, alg, err);
}

void maat__signing_key_spki_hash(const struct maat_signing_key *k, uint8_t out[32])
{
    memcpy(out, k->spki_hash, 32);
}

const char *maat__signing_key_kid(const struct maat_signing_key *k)
{
    return k->kid;
}
enum maat_jws_alg maat__signing_key_alg(const struct maat_signing_key *k)
{
    return k->alg;
}
EVP_PKEY *maat__signing_key_pkey(const struct maat_signing_key *k)
{
    return k->pkey;
}
X509 *maat__signing_key_cert(const struct maat_signing_key *k)
{
    return k->cert;
}

/* ---- signing ---- */

/* A context initialised for signing a SHA-256 digest with k's algorithm. */
static EVP_PKEY_CTX *sign_ctx_new(const struct maat_signing_key *k)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    int ok = c != NULL && EVP_PKEY_sign_init(c) == 1 &&
             EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0;
    if (ok && k->alg == MAAT_JWS_PS256) ok = maat__rsa_pss_setup(c);
    if (!ok) {
        EVP_PKEY_CTX_free(c);
        return NULL;
    }
    return c;
}

int maat__signing_key_sign(const struct maat_signing_key *k, const void *msg, size_t len,
                          uint8_t sig[MAAT_SIGNATURE_MAX], size_t *siglen, struct maat_error *err)
{
    const char *an = maat__jws_alg_name(k->alg);
    MAAT_ENSURE(k->alg != MAAT_JWS_NONE, err, MAAT_ERR_USAGE, "JWS: alg %s carries no signature", an);
    uint8_t digest[32];
    maat__sha256(msg, len, digest);
    EVP_PKEY_CTX *c = maat__ctx_pool_get(k->pool);
    if (c == NULL) c = sign_ctx_new(k);
    uint8_t der[MAAT_SIGNATURE_MAX];
    size_t n = sizeof der;
    int ok = c != NULL && EVP_PKEY_sign(c, der, &n, digest, sizeof digest) == 1;
    if (c != NULL) {
        if (ok)
            maat__ctx_pool_put(k->pool, c);
        else
            EVP_PKEY_CTX_free(c); /* not reused after a failure */
    }
    if (!ok) {
        ERR_clear_error();
        return maat_error_set(err, MAAT_ERR_CRYPTO, "JWS: %s signing failed in OpenSSL", an);
    }
    if (k->alg == MAAT_JWS_ES256) {
        MAAT_ENSURE(maat__ecdsa_der_to_rs(der, n, sig) == 0, err, MAAT_ERR_CRYPTO,
                    "JWS: ES256 signature could not be converted to r||s");
        *siglen = 64;
    } else {
        memcpy(sig, der, n);
        *siglen = n;
    }
    return 0;
}

void maat__signing_key_free(struct maat_signing_key *k)
{
    if (k == NULL) return;
    if (k->pool != NULL) {
        maat__ctx_pool_destroy(k->pool);
        free(k->pool);
    }
    EVP_PKEY_free(k->pkey);
    X509_free(k->cert);
    free(k);
}

/* ---- certificate ---- */

static int set_time(X509 *x, const char *when, bool before)
{
    ASN1_GENERALIZEDTIME *t = ASN1_GENERALIZEDTIME_new();
    int ok = t != NULL && ASN1_GENERALIZEDTIME_set_string(t, when) == 1 &&
             (before ? X509_set1_notBefore(x, t) : X509_set1_notAfter(x, t)) == 1;
    ASN1_GENERALIZEDTIME_free(t);
    return ok ? 0 : -1;
}

static int add_key_ids(X509 *x)
{
    const unsigned char *pk = NULL;
    int pklen = 0;
    uint8_t id[SHA_DIGEST_LENGTH];
    if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, X509_get_X509_PUBKEY(x)) != 1 || pklen <= 0)
        return -1;
    SHA1(pk, (size_t)pklen, id);
    ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
    AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
    int ok = ski != NULL && aki != NULL && ASN1_OCTET_STRING_set(ski, id, sizeof id) == 1 &&
             (aki->keyid = ASN1_OCTET_STRING_dup(ski)) != NULL &&
             X509_add1_ext_i2d(x, NID_subject_key_identifier, ski, 0, X509V3_ADD_APPEND) == 1 &&
             X509_add1_ext_i2d(x, NID_authority_key_identifier, aki, 0, X509V3_ADD_APPEND) == 1;
    ASN1_OCTET_STRING_free(ski);
    AUTHORITY_KEYID_free(aki);
    return ok ? 0 : -1;
}

/* extnValue (itself an OCTET STRING) holds the envelope + quote bytes directly, as in
 * MAA's current certificates (the 2020 extension wrapped them in one more OCTET STRING). */
static int add_quote_ext(X509 *x, const uint8_t *quote, size_t len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(OID_MAA_QUOTE, 1);
    ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    int ok = obj != NULL && v != NULL && ASN1_OCTET_STRING_set(v, quote, (int)len) == 1 &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, v)) != NULL &&
             X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(v);
    ASN1_OBJECT_free(obj);
    return ok ? 0 : -1;
}

static X509 *build_cert(const struct maat_signing_key *k, const char *issuer, const uint8_t *quote,
                        size_t quote_len, const char **step)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    bool ok = false;
    if (x == NULL || name == NULL || bc == NULL) goto out;
    *step = "version/serial";
    if (X509_set_version(x, X509_VERSION_3) != 1 || ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1)
        goto out;
    *step = "name";
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)issuer, -1, -1,
                                   0) != 1 ||
        X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1)
        goto out;
    *step = "validity";
    if (set_time(x, NOT_BEFORE, true) != 0 || set_time(x, NOT_AFTER, false) != 0) goto out;
    *step = "public key";
    if (X509_set_pubkey(x, k->pkey) != 1) goto out;
    *step = "basicConstraints";
    bc->ca = 0; /* DEFAULT FALSE: encodes as an empty SEQUENCE, as MAA's */
    if (X509_add1_ext_i2d(x, NID_basic_constraints, bc, 0, X509V3_ADD_APPEND) != 1) goto out;
    *step = "key identifiers";
    if (add_key_ids(x) != 0) goto out;
    *step = "quote extension";
    if (quote != NULL && add_quote_ext(x, quote, quote_len) != 0) goto out;
    *step = "signature";
    if (X509_sign(x, k->pkey, EVP_sha256()) <= 0) goto out;
    ok = true;
out:
    BASIC_CONSTRAINTS_free(bc);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

int maat__signing_key_issue_cert(struct maat_signing_key *k, const char *issuer,
                                const uint8_t *quote, size_t quote_len, struct maat_error *err)
{
    MAAT_ENSURE(k != NULL && issuer != NULL, err, MAAT_ERR_USAGE, "signing cert: no key or issuer");
    size_t ilen = strlen(issuer);
    MAAT_ENSURE(ilen > 0 && ilen <= CN_MAX, err, MAAT_ERR_VALUE,
                "signing cert: issuer of %zu characters, expected 1 to %d (X.520 CN bound)", ilen,
                CN_MAX);
    MAAT_ENSURE(quote == NULL || (quote_len > 0 && quote_len <= QUOTE_EXT_MAX), err, MAAT_ERR_VALUE,
                "signing cert: quote of %zu bytes, expected 1 to %u", quote_len, QUOTE_EXT_MAX);
    const char *step = "allocation";
    X509 *x = build_cert(k, issuer, quote, quote_len, &step);
    if (x == NULL) {
        ERR_clear_error();
        return maat_error_set(err, MAAT_ERR_CRYPTO,
                              "signing cert: OpenSSL failed at %s (issuer \"%s\")", step, issuer);
    }
    X509_free(k->cert);
    k->cert = x;
    return 0;
}

/* The 2020 extension: extnValue contents = DER OCTET STRING { quote }. */
static int unwrap_octet_string(const uint8_t **p, size_t *len, struct maat_error *err)
{
    const unsigned char *q = *p;
    long clen = 0;
    int tag = 0, cls = 0;
    int rc = ASN1_get_object(&q, &clen, &tag, &cls, (long)*len);
    ERR_clear_error();
    MAAT_ENSURE(!(rc & 0x80) && !(rc & V_ASN1_CONSTRUCTED) && tag == V_ASN1_OCTET_STRING &&
                    cls == V_ASN1_UNIVERSAL,
                err, MAAT_ERR_ENCODING,
                "signing cert: extension %s: contents are not a DER OCTET STRING",
                OID_MAA_QUOTE_2020);
    size_t hdr = (size_t)(q - *p);
    MAAT_ENSURE(clen > 0 && hdr + (size_t)clen == *len, err, MAAT_ERR_LENGTH,
                "signing cert: extension %s: OCTET STRING of %ld bytes at offset %zu does not fill "
                "the %zu-byte extension value",
                OID_MAA_QUOTE_2020, clen, hdr, *len);
    *p = q;
    *len = (size_t)clen;
    return 0;
}

int maat__signing_key_cert_quote(const X509 *cert, const uint8_t **p, size_t *len,
                                struct maat_error *err)
{
    static const char *const oids[] = {OID_MAA_QUOTE, OID_MAA_QUOTE_2020};
    MAAT_ENSURE(cert != NULL && p != NULL && len != NULL, err, MAAT_ERR_USAGE,
                "signing cert: no certificate");
    for (size_t i = 0; i < sizeof oids / sizeof oids[0]; i++) {
        ASN1_OBJECT *obj = OBJ_txt2obj(oids[i], 1);
        MAAT_ENSURE(obj != NULL, err, MAAT_ERR_NOMEM, "signing cert: out of memory");
        int idx = X509_get_ext_by_OBJ(cert, obj, -1);
        int again = idx >= 0 ? X509_get_ext_by_OBJ(cert, obj, idx) : -1;
        ASN1_OBJECT_free(obj);
        if (idx < 0) continue;
        MAAT_ENSURE(again < 0, err, MAAT_ERR_VALUE, "signing cert: extension %s appears twice",
                    oids[i]);
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
        const uint8_t *q = ASN1_STRING_get0_data(v);
        size_t n = (size_t)ASN1_STRING_length(v);
        MAAT_ENSURE(q != NULL && n > 0, err, MAAT_ERR_LENGTH, "signing cert: extension %s is empty",
                    oids[i]);
        if (i == 1) MAAT_TRY(unwrap_octet_string(&q, &n, err));
        *p = q;
        *len = n;
        return 0;
    }
    return maat_error_set(err, MAAT_ERR_NOT_FOUND, "signing cert: no quote extension (%s or %s)",
                          OID_MAA_QUOTE, OID_MAA_QUOTE_2020);
}

/* ---- JWK ---- */

json_t *maat__signing_key_jwk(const struct maat_signing_key *k)
{
    if (k == NULL || k->cert == NULL) return NULL;
    unsigned char *der = NULL;
    int dlen = i2d_X509(k->cert, &der);
    if (dlen <= 0) return NULL;
    char *b64 = maat_base64_encode(der, (size_t)dlen);
    OPENSSL_free(der);
    if (b64 == NULL) return NULL;
    /* MAA's member order: x5c, kid, kty */
    json_t *jwk = json_pack("{s:[s],s:s,s:s}", "x5c", b64, "kid", k->kid, "kty",
                            k->alg == MAAT_JWS_ES256 ? "EC" : "RSA");
    free(b64);
    return jwk;
}

/* ---- persistence ---- */

static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1; /* encrypted keys are not accepted: never prompt */
}

static EVP_PKEY *read_private_pem(const uint8_t *pem, size_t len, struct maat_error *err)
{
    if (len == 0 || len > BLOB_PART_MAX) {
        maat_error_set(err, MAAT_ERR_LENGTH, "signing key: PEM of %zu bytes, expected 1 to %u", len,
                       BLOB_PART_MAX);
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    if (pkey == NULL)
        maat_error_set(err, MAAT_ERR_ENCODING,
                       "signing key: not an unencrypted PEM private key (%zu bytes)", len);
    return pkey;
}

int maat__signing_key_serialize(const struct maat_signing_key *k, uint8_t **out, size_t *len,
                               struct maat_error *err)
{
    MAAT_ENSURE(k != NULL && out != NULL && len != NULL, err, MAAT_ERR_USAGE,
                "signing key: nothing to serialize");
    *out = NULL;
    *len = 0;
    BIO *bio = BIO_new(BIO_s_secmem());
    char *pem = NULL;
    long pem_len = 0;
    unsigned char *der = NULL;
    int der_len = 0;
    struct maat_buf b;
    maat_buf_init(&b);
    int rc = -1;
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
        (pem_len = BIO_get_mem_data(bio, &pem)) <= 0 ||
        (k->cert != NULL && (der_len = i2d_X509(k->cert, &der)) <= 0)) {
        ERR_clear_error();
        maat_error_set(err, MAAT_ERR_CRYPTO, "signing key: could not encode the key or certificate");
        goto out;
    }
    if (maat_buf_put(&b, blob_magic, sizeof blob_magic) != 0 ||
        maat_buf_put_u8(&b, (uint8_t)k->alg) != 0 || maat_buf_put_u32le(&b, (uint32_t)pem_len) != 0 ||
        maat_buf_put(&b, pem, (size_t)pem_len) != 0 ||
        maat_buf_put_u32le(&b, (uint32_t)der_len) != 0 ||
        (der_len > 0 && maat_buf_put(&b, der, (size_t)der_len) != 0)) {
        maat_error_set(err, MAAT_ERR_NOMEM, "signing key: out of memory");
        goto out;
    }
    *out = b.data;
    *len = b.len;
    maat_buf_init(&b); /* handed over */
    rc = 0;
out:
    if (b.data != NULL) OPENSSL_cleanse(b.data, b.len);
    maat_buf_cleanup(&b);
    OPENSSL_free(der);
    BIO_free(bio); /* secure-heap BIO: cleansed on free */
    return rc;
}

struct maat_signing_key *maat__signing_key_deserialize(const uint8_t *p, size_t len,
                                                      struct maat_error *err)
{
    struct maat_reader r;
    maat_reader_init(&r, p, len, "signing key blob", err);
    const uint8_t *magic;
    uint8_t alg;
    uint32_t pem_len, der_len;
    struct maat_view pem, der = {NULL, 0};
    if (maat_read_fixed(&r, "magic", sizeof blob_magic, &magic) != 0) return NULL;
    if (memcmp(magic, blob_magic, sizeof blob_magic) != 0) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "signing key blob: bad magic at offset 0 (expected MAATSK v1)");
        return NULL;
    }
    if (maat_read_u8(&r, "alg", &alg) != 0) return NULL;
    if (alg != MAAT_JWS_RS256 && alg != MAAT_JWS_ES256 && alg != MAAT_JWS_PS256) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "signing key blob: alg byte %u at offset 8 is not a signing alg", alg);
        return NULL;
    }
    if (maat_read_u32le(&r, "pem_len", &pem_len) != 0 ||
        maat_read_view(&r, "pem", pem_len, &pem) != 0 ||
        maat_read_u32le(&r, "der_len", &der_len) != 0 ||
        (der_len > 0 && maat_read_view(&r, "der", der_len, &der) != 0) ||
        maat_reader_expect_end(&r) != 0)
        return NULL;
    enum maat_jws_alg a = (enum maat_jws_alg)alg;
    EVP_PKEY *pkey = read_private_pem(pem.ptr, pem.len, err);
    if (pkey == NULL) return NULL;
    if (key_fits_alg(pkey, a, 2048, err) != 0) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    struct maat_signing_key *k = key_new(pkey, a, err);
    if (k == NULL || der_len == 0) return k;
    const unsigned char *q = der.ptr;
    k->cert = d2i_X509(NULL, &q, (long)der.len);
    if (k->cert == NULL || q != der.ptr + der.len) {
        ERR_clear_error();
        maat_error_set(err, MAAT_ERR_ENCODING,
                       "signing key blob: certificate at offset %zu is not one DER certificate",
                       (size_t)(der.ptr - p));
        maat__signing_key_free(k);
        return NULL;
    }
    if (X509_check_private_key(k->cert, k->pkey) != 1) {
        ERR_clear_error();
        maat_error_set(err, MAAT_ERR_VALUE,
                       "signing key blob: the certificate does not match the private key");
        maat__signing_key_free(k);
        return NULL;
    }
    return k;
}

struct maat_signing_key *maat__signing_key_from_pem(const uint8_t *pem, size_t len,
                                                   enum maat_jws_alg alg, struct maat_error *err)
{
    if (pem == NULL) {
        maat_error_set(err, MAAT_ERR_USAGE, "signing key: no PEM");
        return NULL;
    }
    EVP_PKEY *pkey = read_private_pem(pem, len, err);
    if (pkey == NULL) return NULL;
    if (key_fits_alg(pkey, alg, 2048, err) != 0) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return key_new(pkey, alg, err);
}
