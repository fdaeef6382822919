/*
 * crypto.c - SHA-256, P-256 raw keys, raw r||s ECDSA verification, X.509/CRL loading.
 *
 * Per-quote paths avoid OpenSSL 3's per-call costs: the SHA-256 implementation is fetched
 * once, and a P-256 key from raw x||y is made by duplicating a parameters-only P-256 key
 * (EVP_PKEY_dup + EVP_PKEY_set1_encoded_public_key, about 4x cheaper than
 * EVP_PKEY_fromdata, which builds the curve group anew each time). Both are created once
 * per process (pthread_once), never modified, and only read afterwards. Contexts that are
 * used again and again for the same key come from pools (ctx_pool.h).
 */
#include "maat/crypto.h"
#include "maat/bytes.h"
#include "ctx_pool.h"
#include "verify_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>
#include <openssl/sha.h>

/* Process-wide, immutable after init: the fetched SHA-256 and a P-256 key holding the
 * curve parameters only. Either may stay NULL (then the generic path is used). */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static EVP_MD *g_sha256;
static EVP_PKEY *g_p256_params;

static void crypto_init_once(void)
{
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &g_p256_params, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
        g_p256_params = NULL;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&g_once, crypto_init_once);
    return g_sha256 ? g_sha256 : EVP_sha256();
}

/* One digest context per thread, reused by every maat__sha256 call of that thread: a
 * request hashes 6-8 times, and EVP_Digest sets up and frees a context (two allocations,
 * the provider's context, reference counts) each time. Freed when the thread ends. */
static pthread_once_t g_md_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_md_key;
static int g_md_key_ok;

static void md_ctx_free(void *c)
{
    EVP_MD_CTX_free(c);
}

static void md_key_init(void)
{
    g_md_key_ok = pthread_key_create(&g_md_key, md_ctx_free) == 0;
}

static EVP_MD_CTX *thread_md_ctx(void)
{
    pthread_once(&g_md_key_once, md_key_init);
    if (!g_md_key_ok) return NULL;
    EVP_MD_CTX *c = pthread_getspecific(g_md_key);
    if (c == NULL && (c = EVP_MD_CTX_new()) != NULL && pthread_setspecific(g_md_key, c) != 0) {
        EVP_MD_CTX_free(c);
        c = NULL;
    }
    return c;
}

void maat__sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    EVP_MD_CTX *c = thread_md_ctx();
    if (c != NULL && EVP_DigestInit_ex2(c, sha256_md(), NULL) == 1 &&
        EVP_DigestUpdate(c, p, n) == 1 && EVP_DigestFinal_ex(c, out, &len) == 1 && len == 32)
        return;
    len = 0;
    if (EVP_Digest(p, n, out, &len, sha256_md(), NULL) != 1 || len != 32) {
        ERR_clear_error();
        SHA256(p, n, out);
    }
}

void maat__sha256_2(const void *a, size_t an, const void *b, size_t bn, uint8_t out[32])
{
    unsigned int len = 0;
    EVP_MD_CTX *c = thread_md_ctx();
    if (c != NULL && EVP_DigestInit_ex2(c, sha256_md(), NULL) == 1 &&
        EVP_DigestUpdate(c, a, an) == 1 && EVP_DigestUpdate(c, b, bn) == 1 &&
        EVP_DigestFinal_ex(c, out, &len) == 1 && len == 32)
        return;
    ERR_clear_error();
    /* as before this function: the bytes joined, then maat__sha256 (and its fallbacks) */
    uint8_t *j = malloc(an + bn ? an + bn : 1);
    if (j == NULL) return; /* out left as it was, as before */
    if (an) memcpy(j, a, an);
    if (bn) memcpy(j + an, b, bn);
    maat__sha256(j, an + bn, out);
    free(j);
}

/* The generic path: builds the key (and its curve group) from parameters. */
static EVP_PKEY *p256_from_point_generic(uint8_t point[65])
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 65),
        OSSL_PARAM_construct_end(),
    };
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

EVP_PKEY *maat__p256_pubkey_from_raw(const uint8_t xy[64], const char *what, struct maat_error *err)
{
    uint8_t point[65];
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, xy, 64);
    EVP_PKEY *key = NULL;
    pthread_once(&g_once, crypto_init_once);
    if (g_p256_params) {
        /* set1_encoded_public_key decodes the point and rejects one not on the curve. */
        key = EVP_PKEY_dup(g_p256_params);
        if (key && EVP_PKEY_set1_encoded_public_key(key, point, sizeof point) != 1) {
            EVP_PKEY_free(key);
            key = NULL;
        }
    } else {
        key = p256_from_point_generic(point);
    }
    ERR_clear_error();
    if (key == NULL)
        maat_error_set(err, MAAT_ERR_CRYPTO,
                       "%s: not a valid P-256 public key (point not on the curve)", what);
    return key;
}

/* ---- context pools (ctx_pool.h) ---- */

int maat__ctx_pool_init(struct maat__ctx_pool *p)
{
    p->n = 0;
    return pthread_mutex_init(&p->lock, NULL) == 0 ? 0 : -1;
}

void maat__ctx_pool_destroy(struct maat__ctx_pool *p)
{
    for (size_t i = 0; i < p->n; i++) EVP_PKEY_CTX_free(p->idle[i]);
    p->n = 0;
    pthread_mutex_destroy(&p->lock);
}

EVP_PKEY_CTX *maat__ctx_pool_get(struct maat__ctx_pool *p)
{
    EVP_PKEY_CTX *c = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n > 0) c = p->idle[--p->n];
    pthread_mutex_unlock(&p->lock);
    return c;
}

void maat__ctx_pool_put(struct maat__ctx_pool *p, EVP_PKEY_CTX *c)
{
    pthread_mutex_lock(&p->lock);
    if (p->n < MAAT_CTX_POOL_MAX) {
        p->idle[p->n++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    EVP_PKEY_CTX_free(c);
}

/* ---- ECDSA verification ---- */

EVP_PKEY_CTX *maat__ecdsa_verify_ctx_new(EVP_PKEY *key)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1) {
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

/* ECDSA-SHA256 is ECDSA over the SHA-256 digest: hashing here with the fetched digest and
 * verifying the digest with EVP_PKEY_verify skips EVP_DigestVerifyInit's per-call digest
 * context set-up and implicit fetch. The DER signature goes to a stack buffer. */
/* One DER INTEGER of a 32-byte big-endian unsigned value, minimal (leading zeros dropped,
 * a 0x00 prefix when the high bit is set; zero is 02 01 00): at most 35 bytes. */
static size_t der_uint32b(const uint8_t v[32], uint8_t *out)
{
    size_t i = 0;
    while (i < 31 && v[i] == 0) i++;
    size_t n = 32 - i, pad = (v[i] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    if (pad) out[2] = 0x00;
    memcpy(out + 2 + pad, v + i, n);
    return 2 + pad + n;
}

/* r||s as the DER ECDSA-Sig-Value EVP_PKEY_verify takes, encoded here (what i2d_ECDSA_SIG
 * gives, without its BIGNUM and ECDSA_SIG allocations per verification): at most 72 bytes. */
static size_t rs_to_der(const uint8_t rs[64], uint8_t der[72])
{
    uint8_t body[70];
    size_t n = der_uint32b(rs, body);
    n += der_uint32b(rs + 32, body + n);
    der[0] = 0x30;
    der[1] = (uint8_t)n; /* <= 70: short form */
    memcpy(der + 2, body, n);
    return 2 + n;
}

int maat__ecdsa_verify_rs_ctx(EVP_PKEY_CTX *ctx, const void *msg, size_t len, const uint8_t rs[64])
{
    int rc = -1;
    uint8_t digest[32];
    unsigned int dlen = 0;
    uint8_t der[72];
    size_t der_len = rs_to_der(rs, der);
    if (EVP_Digest(msg, len, digest, &dlen, sha256_md(), NULL) != 1 || dlen != sizeof digest)
        goto out;
    int v = EVP_PKEY_verify(ctx, der, der_len, digest, sizeof digest);
    rc = v == 1 ? 1 : v == 0 ? 0 : -1;
out:
    ERR_clear_error();
    return rc;
}

int maat__ecdsa_verify_rs(EVP_PKEY *key, const void *msg, size_t len, const uint8_t rs[64])
{
    EVP_PKEY_CTX *ctx = maat__ecdsa_verify_ctx_new(key);
    int rc = ctx != NULL ? maat__ecdsa_verify_rs_ctx(ctx, msg, len, rs) : -1;
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

int maat__ecdsa_verify_digest_rs_ctx(EVP_PKEY_CTX *ctx, const uint8_t digest[32],
                                     const uint8_t rs[64])
{
    uint8_t der[72];
    size_t der_len = rs_to_der(rs, der);
    int v = EVP_PKEY_verify(ctx, der, der_len, digest, 32);
    ERR_clear_error();
    return v == 1 ? 1 : v == 0 ? 0 : -1;
}

int maat__ecdsa_verify_digest_rs(EVP_PKEY *key, const uint8_t digest[32], const uint8_t rs[64])
{
    EVP_PKEY_CTX *ctx = maat__ecdsa_verify_ctx_new(key);
    if (ctx == NULL) return -1;
    int rc = maat__ecdsa_verify_digest_rs_ctx(ctx, digest, rs);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

int maat__ecdsa_der_to_rs(const uint8_t *der, size_t len, uint8_t rs[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (sig == NULL) return -1;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

static bool looks_pem(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t') continue;
        return p[i] == '-';
    }
    return false;
}

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

/* The first occurrence of s in [p, p+n). memchr skips to each candidate first byte (a PEM
 * body has no '-': issue 16, the byte-by-byte scan was ~5k instructions a block). */
static const uint8_t *find_str(const uint8_t *p, size_t n, const char *s)
{
    size_t m = strlen(s);
    const uint8_t *end = p + n;
    while (m <= (size_t)(end - p)) {
        const uint8_t *c = memchr(p, (uint8_t)s[0], (size_t)(end - p) - m + 1);
        if (c == NULL) return NULL;
        if (memcmp(c, s, m) == 0) return c;
        p = c + 1;
    }
    return NULL;
}

/* One DER certificate, which must fill [p, p+n) exactly. */
static X509 *der_cert(const uint8_t *p, size_t n)
{
    const unsigned char *q = p;
    X509 *x = n <= INT32_MAX ? d2i_X509(NULL, &q, (long)n) : NULL;
    if (x && q != p + n) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* One DER header at p[0..n): tag, and the offset and length of the contents. */
static int der_header(const uint8_t *p, size_t n, uint8_t *tag, size_t *hdr, size_t *clen)
{
    if (n < 2) return -1;
    *tag = p[0];
    size_t l = p[1], h = 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 3 || n < 2 + k) return -1;
        l = 0;
        for (size_t i = 0; i < k; i++) l = (l << 8) | p[2 + i];
        h += k;
    }
    if (l > n - h) return -1;
    *hdr = h;
    *clen = l;
    return 0;
}

int maat__x509_tbs_span(const uint8_t *der, size_t len, size_t *off, size_t *tlen)
{
    uint8_t tag;
    size_t h, c, h2, c2;
    if (der_header(der, len, &tag, &h, &c) != 0 || tag != 0x30) return -1;
    if (der_header(der + h, c, &tag, &h2, &c2) != 0 || tag != 0x30) return -1;
    *off = h;
    *tlen = h2 + c2;
    return 0;
}

/* The anchor's certificate with its key (verify_internal.h). The keyed decoding of a
 * keyless anchor (the compiled-in Intel root, trust.c) is made on first use and published
 * in its process-wide slot; a thread that loses the race frees its own. */
X509 *maat__anchor_cert_keyed(const struct maat_anchor *a)
{
    if (a->keyed == NULL) return a->cert;
    X509 *x = __atomic_load_n(a->keyed, __ATOMIC_ACQUIRE);
    if (x != NULL) return x;
    unsigned char *der = NULL;
    int n = i2d_X509(a->cert, &der); /* its cached encoding, copied */
    const unsigned char *p = der;
    X509 *k = n > 0 ? d2i_X509(NULL, &p, n) : NULL;
    if (k != NULL && (p != der + n || X509_get0_pubkey(k) == NULL)) {
        X509_free(k);
        k = NULL;
    }
    OPENSSL_free(der);
    ERR_clear_error();
    X509 *expected = NULL;
    if (k != NULL && !__atomic_compare_exchange_n(a->keyed, &expected, k, false, __ATOMIC_ACQ_REL,
                                                  __ATOMIC_ACQUIRE)) {
        X509_free(k);
        k = expected;
    }
    /* not decodable (cannot happen: the same bytes decoded keyless): the keyless one, with
     * which OpenSSL's chain verification fails, closed */
    return k != NULL ? k : a->cert;
}

/* A PEM body's base64 text into out (room for len bytes): every '\n' and '\r' dropped;
 * returns its length. Copied a line at a time (issue 16: a byte loop cost more than the
 * base64 decode); a line holding a '\r' anywhere but at its end is filtered byte by byte. */
static size_t pem_strip_breaks(const uint8_t *body, size_t len, char *out)
{
    size_t k = 0;
    for (size_t j = 0; j < len;) {
        const uint8_t *nl = memchr(body + j, '\n', len - j);
        size_t e = nl ? (size_t)(nl - body) : len, seg = e - j;
        if (seg && body[e - 1] == '\r') seg--;
        if (memchr(body + j, '\r', seg) == NULL) {
            memcpy(out + k, body + j, seg);
            k += seg;
        } else {
            for (size_t i = j; i < e; i++)
                if (body[i] != '\r') out[k++] = (char)body[i];
        }
        j = e + 1;
    }
    return k;
}

/* The certificate of `t` whose encoding is der, or NULL (see maat__x509_load_all_anchored). */
static X509 *known_anchor(const struct maat_trust *t, const uint8_t *der, size_t len)
{
    for (size_t i = 0; t && i < t->count; i++) {
        unsigned char *enc = NULL;
        int elen = i2d_X509(t->anchors[i].cert, &enc); /* its cached encoding, copied */
        bool same = elen > 0 && (size_t)elen == len && memcmp(enc, der, len) == 0;
        OPENSSL_free(enc);
        if (same) return maat__anchor_cert_keyed(&t->anchors[i]); /* for the chain verification */
    }
    return NULL;
}

/* PEM, strictly: the base64 body is decoded with maat's strict decoder (line breaks
 * allowed between groups, nothing else), so no two different texts give one certificate. */
static int load_pem(const uint8_t *p, size_t n, const char *what, STACK_OF(X509) *sk,
                    const struct maat_trust *anchors, struct maat_error *err)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *b = find_str(p + i, n - i, pem_begin);
        if (b == NULL) {
            for (; i < n; i++)
                if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != 0)
                    return maat_error_set(err, MAAT_ERR_ENCODING,
                                          "%s: unexpected byte 0x%02x at offset %zu after the last "
                                          "certificate",
                                          what, p[i], i);
            break;
        }
        /* only whitespace may stand before or between certificates */
        for (size_t j = i; j < (size_t)(b - p); j++)
            if (p[j] != ' ' && p[j] != '\n' && p[j] != '\r' && p[j] != '\t')
                return maat_error_set(
                    err, MAAT_ERR_ENCODING,
                    "%s: unexpected byte 0x%02x at offset %zu before certificate %d", what, p[j], j,
                    sk_X509_num(sk) + 1);
        size_t body = (size_t)(b - p) + sizeof pem_begin - 1;
        const uint8_t *e = find_str(p + body, n - body, pem_end);
        if (e == NULL)
            return maat_error_set(err, MAAT_ERR_ENCODING,
                                  "%s: certificate %d at offset %zu has no END line", what,
                                  sk_X509_num(sk) + 1, (size_t)(b - p));
        size_t blen = (size_t)(e - p) - body;
        char *b64 = malloc(blen + 1);
        if (b64 == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        size_t k = pem_strip_breaks(p + body, blen, b64);
        uint8_t *der = NULL;
        size_t der_len = 0;
        char field[96];
        snprintf(field, sizeof field, "%s: certificate %d", what, sk_X509_num(sk) + 1);
        int rc = maat_base64_decode(b64, k, field, &der, &der_len, err);
        free(b64);
        if (rc != 0) return -1;
        X509 *x = known_anchor(anchors, der, der_len);
        if (x != NULL)
            X509_up_ref(x);
        else
            x = der_cert(der, der_len);
        free(der);
        if (x == NULL) {
            ERR_clear_error();
            return maat_error_set(
                err, MAAT_ERR_ENCODING,
                "%s: certificate %d at offset %zu is not a valid X.509 certificate", what,
                sk_X509_num(sk) + 1, (size_t)(b - p));
        }
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            return maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        }
        i = (size_t)(e - p) + sizeof pem_end - 1;
    }
    return 0;
}

int maat__pem_split_first(const uint8_t *p, size_t n, size_t *body, size_t *body_len, size_t *leaf_end)
{
    if (!looks_pem(p, n)) return -1;
    const uint8_t *b = find_str(p, n, pem_begin);
    if (b == NULL) return -1;
    for (const uint8_t *q = p; q < b; q++)
        if (*q != ' ' && *q != '\n' && *q != '\r' && *q != '\t') return -1;
    size_t start = (size_t)(b - p) + sizeof pem_begin - 1;
    const uint8_t *e = find_str(p + start, n - start, pem_end);
    if (e == NULL) return -1;
    *body = start;
    *body_len = (size_t)(e - p) - start;
    *leaf_end = (size_t)(e - p) + sizeof pem_end - 1;
    return 0;
}

int maat__pem_block_der(const uint8_t *body, size_t len, uint8_t **der, size_t *der_len)
{
    /* the same decoding as load_pem: line breaks dropped, then strict base64 */
    char small[4096] = {0}; /* (a 4 KB memset is cheap; gcc wants it) */
    char *b64 = len < sizeof small ? small : malloc(len + 1);
    if (b64 == NULL) return -1;
    size_t k = pem_strip_breaks(body, len, b64);
    struct maat_error e = {0};
    int rc = maat_base64_decode(b64, k, "PEM body", der, der_len, &e);
    if (b64 != small) free(b64);
    return rc == 0 ? 0 : -1;
}

/* Concatenated DER certificates, optionally followed by NUL padding. */
static int load_der(const uint8_t *p, size_t n, const char *what, STACK_OF(X509) *sk,
                    struct maat_error *err)
{
    const unsigned char *q = p, *end = p + n;
    while (q < end) {
        bool zero = true;
        for (const unsigned char *z = q; z < end && zero; z++) zero = *z == 0;
        if (zero && sk_X509_num(sk) > 0) break;
        X509 *x = d2i_X509(NULL, &q, end - q);
        if (x == NULL) {
            ERR_clear_error();
            return maat_error_set(err, MAAT_ERR_ENCODING,
                                  "%s: certificate %d at byte %zu is not valid DER", what,
                                  sk_X509_num(sk) + 1, (size_t)(q - p));
        }
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            return maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        }
    }
    return 0;
}

static STACK_OF(X509) *load_all(const uint8_t *p, size_t n, const char *what,
                                const struct maat_trust *anchors, struct maat_error *err)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        return NULL;
    }
    int rc = looks_pem(p, n) ? load_pem(p, n, what, sk, anchors, err) : load_der(p, n, what, sk, err);
    ERR_clear_error();
    if (rc == 0 && sk_X509_num(sk) > 0) return sk;
    if (rc == 0)
        maat_error_set(err, MAAT_ERR_ENCODING,
                       "%s: no certificate could be read (expected PEM or DER X.509)", what);
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

STACK_OF(X509) *maat__x509_load_all(const uint8_t *p, size_t n, const char *what,
                                   struct maat_error *err)
{
    return load_all(p, n, what, NULL, err);
}

STACK_OF(X509) *maat__x509_load_all_anchored(const uint8_t *p, size_t n, const char *what,
                                             const struct maat_trust *t, struct maat_error *err)
{
    return load_all(p, n, what, t, err);
}

X509 *maat__x509_find_leaf(STACK_OF(X509) *certs)
{
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        bool issues = false;
        for (int k = 0; k < sk_X509_num(certs) && !issues; k++)
            issues = k != i && X509_check_issued(c, sk_X509_value(certs, k)) == X509_V_OK;
        if (!issues) return c;
    }
    return NULL;
}

X509_CRL *maat__crl_load(const uint8_t *p, size_t n, const char *what, struct maat_error *err)
{
    X509_CRL *crl = NULL;
    if (n > 0 && n <= INT32_MAX) {
        if (looks_pem(p, n)) {
            BIO *bio = BIO_new_mem_buf(p, (int)n);
            crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
            BIO_free(bio);
        } else {
            const unsigned char *q = p;
            crl = d2i_X509_CRL(NULL, &q, (long)n);
            if (crl && q != p + n) {
                X509_CRL_free(crl);
                crl = NULL;
                ERR_clear_error();
                maat_error_set(err, MAAT_ERR_TRAILING, "%s: %zu bytes after the DER CRL", what,
                               (size_t)(p + n - q));
                return NULL;
            }
        }
    }
    ERR_clear_error();
    if (crl == NULL)
        maat_error_set(err, MAAT_ERR_ENCODING, "%s: not a valid X.509 CRL (PEM or DER)", what);
    return crl;
}

/* ---- keyless certificate decoding (first-seen PCK leaves) ---- */

/* A library context with only the "null" provider: a certificate decoded in it keeps its
 * SubjectPublicKeyInfo as bytes (OpenSSL leaves the key undecoded when no decoder can
 * take it, and d2i still succeeds), which skips OpenSSL 3.0's per-call decoder lookup.
 * Nothing that needs a provider may be done with such a certificate: callers read its
 * fields and verify its signature themselves (pck_cache.c), or only check that it decodes
 * (collateral.c's bundle check: the chain is decoded in full when it is verified). */
static pthread_once_t g_keyless_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *g_keyless_ctx;

static void keyless_init(void)
{
    OSSL_LIB_CTX *c = OSSL_LIB_CTX_new();
    if (c != NULL && OSSL_PROVIDER_load(c, "null") == NULL) {
        OSSL_LIB_CTX_free(c);
        c = NULL;
    }
    g_keyless_ctx = c;
    ERR_clear_error();
}

X509 *maat__x509_decode_keyless(const uint8_t *der, size_t len)
{
    pthread_once(&g_keyless_once, keyless_init);
    if (g_keyless_ctx == NULL || len == 0 || len > INT32_MAX) return NULL;
    X509 *x = X509_new_ex(g_keyless_ctx, NULL);
    const unsigned char *p = der;
    if (x == NULL) return NULL;
    /* d2i_X509 into an existing object: on failure OpenSSL has freed it */
    if (d2i_X509(&x, &p, (long)len) == NULL) {
        ERR_clear_error();
        return NULL;
    }
    ERR_clear_error(); /* the undecodable key and the unfetchable digests leave errors */
    if (p != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

X509 *maat__x509_new_keyless(void)
{
    pthread_once(&g_keyless_once, keyless_init);
    return g_keyless_ctx ? X509_new_ex(g_keyless_ctx, NULL) : NULL;
}

EVP_PKEY *maat__x509_p256_key(const X509 *x)
{
    X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
    ASN1_OBJECT *alg = NULL;
    const unsigned char *pk = NULL;
    int pklen = 0, ptype = 0;
    const void *pval = NULL;
    X509_ALGOR *a = NULL;
    if (pub == NULL || X509_PUBKEY_get0_param(&alg, &pk, &pklen, &a, pub) != 1) return NULL;
    X509_ALGOR_get0(NULL, &ptype, &pval, a);
    if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || ptype != V_ASN1_OBJECT ||
        OBJ_obj2nid(pval) != NID_X9_62_prime256v1 || pklen != 65 || pk[0] != 0x04)
        return NULL;
    return maat__p256_pubkey_from_raw(pk + 1, "PCK certificate key", NULL);
}

ASN1_OCTET_STRING *maat__x509_skid(const X509 *x)
{
    /* read from the extension itself: X509_get0_subject_key_id answers from OpenSSL's
     * extension cache, which a keyless certificate does not pass (no fingerprint) */
    ASN1_OCTET_STRING *s = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
    ERR_clear_error();
    return s;
}

bool maat__x509_same_key(X509 *a, X509 *b)
{
    unsigned char *da = NULL, *db = NULL;
    int la = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(a), &da);
    int lb = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(b), &db);
    bool same = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
    OPENSSL_free(da);
    OPENSSL_free(db);
    if (!same) {
        /* another encoding of the same key: only comparable when both decode */
        EVP_PKEY *ka = X509_get0_pubkey(a), *kb = X509_get0_pubkey(b);
        same = ka != NULL && kb != NULL && EVP_PKEY_eq(ka, kb) == 1;
    }
    ERR_clear_error();
    return same;
}

void maat__x509_cn(const X509_NAME *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (name == NULL || len == 0) return;
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0) return;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    size_t n = (size_t)ASN1_STRING_length(s);
    if (n >= len) n = len - 1;
    memcpy(buf, ASN1_STRING_get0_data(s), n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (buf[i] < 0x20 || buf[i] == 0x7f) buf[i] = '?'; /* never print control bytes */
}

int maat__asn1_time_to_unix(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) return -1;
    *out = timegm(&tm);
    return 0;
}

void maat__x509_serial_hex(const X509 *x, char *buf, size_t len)
{
    buf[0] = '\0';
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex) {
        size_t i = 0;
        for (; hex[i] && i + 1 < len; i++)
            buf[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] + 32 : hex[i]);
        buf[i] = '\0';
    }
    OPENSSL_free(hex);
    BN_free(bn);
}
