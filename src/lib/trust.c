/*
 * trust.c - trust anchors: root public keys that PCK and TCB Signing chains must end in.
 *
 * Anchors are matched by public key, not by certificate bytes: Intel re-issued its SGX
 * Root CA certificate with the same key, and both versions occur in real chains.
 *
 * A trust set also remembers the PCK CA chains ("issuer tails") it has verified in full,
 * so that a platform seen for the first time needs only its own leaf checked (see
 * pck_cache.c). The table is bounded (MAAT_TRUST_ISSUERS entries, Intel has two PCK CAs
 * per root); entries are immutable once published and live as long as the trust set.
 * When it is full, further tails are simply not remembered (their chains are verified in
 * full each time).
 *
 * Tails are compared without the whitespace around them (and the NUL padding after them)
 * that the chain loader (crypto.c, load_pem) accepts there and ignores: a quote's PCK chain
 * has a line break before its second block and a NUL after its last, the collateral's PCK
 * CRL issuer chain (the same PCK CA and root, verified by maat_collateral_verify) has
 * neither. That is how a cold verification learns the tail from its collateral
 * (maat__trust_issuer_learn_ca_chain) and checks only the quote's leaf.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "maat/verify.h"
#include "intel_root.h"
#include "verify_internal.h"

struct maat__issuers {
    pthread_mutex_t lock;             /* serialises learning; readers need none */
    size_t count;                     /* published entries (atomic) */
    uint64_t hits;                    /* atomic */
    bool no_ca_chains;                /* tests: learn from verified PCK chains only */
    int anchor_ss_ok[MAAT_TRUST_MAX]; /* atomic: 1 = the anchor's self-signature verified */
    struct maat__issuer e[MAAT_TRUST_ISSUERS];
};

struct maat_trust *maat_trust_new_empty(struct maat_error *err)
{
    struct maat_trust *t = calloc(1, sizeof *t);
    if (t != NULL) t->issuers = calloc(1, sizeof *t->issuers);
    if (t != NULL && (t->issuers == NULL || pthread_mutex_init(&t->issuers->lock, NULL) != 0)) {
        free(t->issuers);
        free(t);
        t = NULL;
    }
    if (t == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "trust: out of memory");
    return t;
}

/* The compiled-in Intel root, decoded once per process (issue 16: a keyed certificate
 * decode costs more than an ECDSA verification on OpenSSL 3.0, and every new trust set
 * decoded the same constant bytes again). X509 objects are reference-counted and safe to
 * share between threads once decoded; the process keeps this reference. Its
 * self-signature is established by the test suite, not at run time
 * (maat__trust_anchor_self_signed).
 *
 * It is decoded keyless (crypto.c) and its P-256 key imported from the point: the first
 * keyed certificate decode of a process sets up OpenSSL 3.0's decoders and key managers
 * (~6 M instructions, ~16 % of a `maat verify` process), and the cold path now decodes no
 * certificate with its key (collateral_signer.c, pck_cache.c). What reads the root's
 * fields (names, key identifier, DER) takes this certificate; what hands it to OpenSSL's
 * chain verification (X509_verify_cert, X509_check_issued need its key) takes the keyed
 * decoding of the same bytes, made on first use (crypto.c, maat__anchor_cert_keyed). */
static X509 *intel_root;
static EVP_PKEY *intel_root_key;
static unsigned char *intel_root_der; /* its DER, for maat__is_intel_root_der */
static size_t intel_root_der_len;
static pthread_once_t intel_root_once = PTHREAD_ONCE_INIT;
static X509 *intel_root_keyed; /* maat__anchor_cert_keyed's slot for it */

static void intel_root_init(void)
{
    const uint8_t *pem = (const uint8_t *)maat__intel_sgx_root_ca_pem;
    size_t n = strlen(maat__intel_sgx_root_ca_pem), body, body_len, end;
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (maat__pem_split_first(pem, n, &body, &body_len, &end) != 0 ||
        maat__pem_block_der(pem + body, body_len, &der, &der_len) != 0)
        return;
    X509 *x = maat__x509_decode_keyless(der, der_len);
    EVP_PKEY *k = x ? maat__x509_p256_key(x) : NULL;
    if (k == NULL) {
        X509_free(x);
        free(der);
        return;
    }
    intel_root = x;
    intel_root_key = k;
    intel_root_der = der;
    intel_root_der_len = der_len;
}

bool maat__is_intel_root_der(const uint8_t *der, size_t len)
{
    pthread_once(&intel_root_once, intel_root_init);
    return intel_root_der != NULL && len == intel_root_der_len &&
           memcmp(der, intel_root_der, len) == 0;
}

struct maat_trust *maat_trust_new_intel(struct maat_error *err)
{
    struct maat_trust *t = maat_trust_new_empty(err);
    if (t == NULL) return NULL;
    pthread_once(&intel_root_once, intel_root_init);
    if (intel_root != NULL && X509_up_ref(intel_root) == 1) {
        struct maat_anchor *a = &t->anchors[t->count++];
        a->cert = intel_root;
        a->key = intel_root_key;
        a->keyed = &intel_root_keyed;
        a->simulated = false;
        snprintf(a->label, sizeof a->label, "%s", "Intel SGX Root CA");
        return t;
    }
    /* not decodable (cannot happen with the compiled-in bytes): the usual path says why */
    if (maat_trust_add_root(t, (const uint8_t *)maat__intel_sgx_root_ca_pem,
                            strlen(maat__intel_sgx_root_ca_pem), "Intel SGX Root CA", false,
                            err) != 0) {
        maat_trust_free(t);
        return NULL;
    }
    return t;
}

int maat_trust_add_root(struct maat_trust *t, const uint8_t *cert, size_t len, const char *label,
                        bool simulated, struct maat_error *err)
{
    MAAT_ENSURE(t->count < MAAT_TRUST_MAX, err, MAAT_ERR_TOO_LARGE,
                "trust: at most %d trust anchors", MAAT_TRUST_MAX);
    STACK_OF(X509) *sk = maat__x509_load_all(cert, len, "trust anchor", err);
    if (sk == NULL) return -1;
    if (sk_X509_num(sk) != 1) {
        sk_X509_pop_free(sk, X509_free);
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "trust anchor: expected exactly one certificate, found %d",
                              sk_X509_num(sk));
    }
    X509 *x = sk_X509_shift(sk);
    sk_X509_free(sk);
    EVP_PKEY *key = X509_get0_pubkey(x);
    if (key == NULL) {
        X509_free(x);
        return maat_error_set(err, MAAT_ERR_CRYPTO, "trust anchor: unreadable public key");
    }
    struct maat_anchor *a = &t->anchors[t->count++];
    a->cert = x;
    a->key = key;
    a->simulated = simulated;
    snprintf(a->label, sizeof a->label, "%s", label ? label : "trust anchor");
    return 0;
}

static void issuer_clear(struct maat__issuer *e)
{
    free(e->tail);
    sk_X509_pop_free(e->certs, X509_free);
    EVP_PKEY_free(e->ca_key);
    ASN1_OCTET_STRING_free(e->ca_skid);
    maat__ctx_pool_destroy(&e->ca_verify);
}

void maat_trust_free(struct maat_trust *t)
{
    if (t == NULL) return;
    for (size_t i = 0; i < t->count; i++) X509_free(t->anchors[i].cert);
    if (t->issuers) {
        for (size_t i = 0; i < t->issuers->count; i++) issuer_clear(&t->issuers->e[i]);
        pthread_mutex_destroy(&t->issuers->lock);
        free(t->issuers);
    }
    free(t);
}

static bool pem_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* PEM text (a DER chain is never a tail: quotes carry PEM) */
static bool looks_pem_text(const uint8_t *p, size_t n)
{
    while (n > 0 && pem_space(p[0])) p++, n--;
    return n > 0 && p[0] == '-';
}

/* The tail without what load_pem skips around certificates: whitespace before the first
 * block, whitespace and NUL bytes after the last. */
static void tail_trim(const uint8_t **tail, size_t *len)
{
    const uint8_t *p = *tail;
    size_t n = *len;
    while (n > 0 && pem_space(p[0])) p++, n--;
    while (n > 0 && (pem_space(p[n - 1]) || p[n - 1] == 0)) n--;
    *tail = p;
    *len = n;
}

const struct maat__issuer *maat__trust_issuer_find(const struct maat_trust *t, const uint8_t *tail,
                                                   size_t len)
{
    struct maat__issuers *is = t ? t->issuers : NULL;
    if (is == NULL) return NULL;
    tail_trim(&tail, &len);
    size_t n = __atomic_load_n(&is->count, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n; i++) {
        const struct maat__issuer *e = &is->e[i];
        if (e->tail_len == len && memcmp(e->tail, tail, len) == 0) {
            __atomic_add_fetch(&is->hits, 1, __ATOMIC_RELAXED);
            return e;
        }
    }
    return NULL;
}

void maat__trust_issuer_stats(const struct maat_trust *t, uint64_t *hits, size_t *count)
{
    struct maat__issuers *is = t ? t->issuers : NULL;
    *hits = is ? __atomic_load_n(&is->hits, __ATOMIC_RELAXED) : 0;
    *count = is ? __atomic_load_n(&is->count, __ATOMIC_ACQUIRE) : 0;
}

/* The part of an entry common to both ways of learning it: the verified certificates
 * below the leaf (ca = certs[0] ... root), their dates and names, and the trimmed tail.
 * 0 when the tail can be used for first-seen leaves: the CA has a subject key identifier,
 * no name constraints (which the leaf would have to be checked against), is a CA and may
 * sign certificates (key usage). */
static int issuer_fill_certs(struct maat__issuer *e, STACK_OF(X509) *certs, int first,
                             const time_t *nb, const time_t *na, const uint8_t *tail, size_t tail_len,
                             EVP_PKEY *ca_key, bool ca_checked, const struct maat_anchor *anchor)
{
    tail_trim(&tail, &tail_len);
    int n = sk_X509_num(certs) - first;
    if (n < 1 || n > MAAT_PCK_CHAIN_CERTS - 1 || tail_len == 0 || tail_len > MAAT_ISSUER_TAIL_MAX)
        return -1;
    X509 *ca = sk_X509_value(certs, first);
    ASN1_OCTET_STRING *skid = maat__x509_skid(ca);
    /* ca_checked: a CA checked by maat__pck_ca_direct, decoded without its key, for which
     * OpenSSL 3.0's X509_check_ca and X509_get_key_usage answer 0 (they need its
     * fingerprint, and that library context has no digest); that check made the same
     * tests (basic constraints CA, key usage with keyCertSign, no other extension) */
    if (skid == NULL || ca_key == NULL ||
        (!ca_checked &&
         (X509_check_ca(ca) != 1 || X509_get_ext_by_NID(ca, NID_name_constraints, -1) >= 0 ||
          ((X509_get_extension_flags(ca) & EXFLAG_KUSAGE) != 0 &&
           (X509_get_key_usage(ca) & KU_KEY_CERT_SIGN) == 0)))) {
        ASN1_OCTET_STRING_free(skid);
        return -1;
    }
    e->tail_len = tail_len;
    EVP_PKEY_up_ref(ca_key);
    e->ca_key = ca_key;
    e->tail = malloc(e->tail_len);
    e->certs = sk_X509_new_null();
    e->ca_skid = skid;
    if (e->tail == NULL || e->certs == NULL || e->ca_skid == NULL) return -1;
    memcpy(e->tail, tail, e->tail_len);
    for (int i = 0; i < n; i++) {
        X509 *c = sk_X509_value(certs, first + i);
        if (!sk_X509_push(e->certs, c)) return -1;
        X509_up_ref(c);
        e->not_before[i] = nb[i];
        e->not_after[i] = na[i];
        maat__x509_cn(X509_get_subject_name(c), e->cn[i], sizeof e->cn[i]);
    }
    e->n = (size_t)n;
    e->ca = ca;
    e->anchor = anchor;
    return 0;
}

/* Fills e from a fully verified entry (its first certificate issued the leaf). */
static int issuer_fill(struct maat__issuer *e, const struct maat_pck_chain *pe, size_t leaf_end)
{
    if (pe->n < 2 || pe->n > MAAT_PCK_CHAIN_CERTS || leaf_end >= pe->len ||
        X509_check_issued(sk_X509_value(pe->chain, 1), pe->leaf) != X509_V_OK)
        return -1;
    return issuer_fill_certs(e, pe->chain, 1, pe->not_before + 1, pe->not_after + 1,
                             pe->bytes + leaf_end, pe->len - leaf_end,
                             X509_get0_pubkey(sk_X509_value(pe->chain, 1)), false, pe->anchor);
}

/* Publishes a new entry built by fill, unless the (trimmed) tail is known or the table is
 * full; serialised by the lock, readers see complete entries only. */
static void issuer_publish(struct maat__issuers *is, const uint8_t *tail, size_t tail_len,
                           int (*fill)(struct maat__issuer *, const void *), const void *arg)
{
    tail_trim(&tail, &tail_len);
    pthread_mutex_lock(&is->lock);
    size_t n = is->count;
    bool known = false;
    for (size_t i = 0; i < n && !known; i++)
        known = is->e[i].tail_len == tail_len && memcmp(is->e[i].tail, tail, tail_len) == 0;
    if (!known && n < MAAT_TRUST_ISSUERS) {
        struct maat__issuer *e = &is->e[n];
        memset(e, 0, sizeof *e);
        if (maat__ctx_pool_init(&e->ca_verify) == 0) {
            if (fill(e, arg) == 0) {
                __atomic_store_n(&is->count, n + 1, __ATOMIC_RELEASE);
            } else {
                issuer_clear(e);
                memset(e, 0, sizeof *e);
            }
        }
    }
    pthread_mutex_unlock(&is->lock);
}

struct fill_pe {
    const struct maat_pck_chain *pe;
    size_t leaf_end;
};

static int fill_from_pe(struct maat__issuer *e, const void *arg)
{
    const struct fill_pe *f = arg;
    return issuer_fill(e, f->pe, f->leaf_end);
}

void maat__trust_issuer_learn(const struct maat_trust *t, const struct maat_pck_chain *pe)
{
    struct maat__issuers *is = t ? t->issuers : NULL;
    size_t body, body_len, leaf_end;
    if (is == NULL || pe == NULL || pe->trust != t ||
        __atomic_load_n(&is->count, __ATOMIC_ACQUIRE) >= MAAT_TRUST_ISSUERS ||
        maat__pem_split_first(pe->bytes, pe->len, &body, &body_len, &leaf_end) != 0)
        return;
    /* the first PEM block must be the verified leaf (not, say, a root-first chain) */
    uint8_t *der = NULL, *leaf_der = NULL;
    size_t der_len = 0;
    int leaf_len = i2d_X509(pe->leaf, &leaf_der);
    bool first_is_leaf = maat__pem_block_der(pe->bytes + body, body_len, &der, &der_len) == 0 &&
                         leaf_len > 0 && (size_t)leaf_len == der_len &&
                         memcmp(der, leaf_der, der_len) == 0;
    free(der);
    OPENSSL_free(leaf_der);
    if (!first_is_leaf) return;
    struct fill_pe f = {pe, leaf_end};
    issuer_publish(is, pe->bytes + leaf_end, pe->len - leaf_end, fill_from_pe, &f);
}

struct fill_ca {
    STACK_OF(X509) *chain;
    const uint8_t *pem;
    size_t len;
    EVP_PKEY *ca_key;
    bool ca_checked;
    const struct maat_anchor *anchor;
};

static int fill_from_ca_chain(struct maat__issuer *e, const void *arg)
{
    const struct fill_ca *f = arg;
    time_t nb[MAAT_PCK_CHAIN_CERTS], na[MAAT_PCK_CHAIN_CERTS];
    int n = sk_X509_num(f->chain);
    if (n < 1 || n > MAAT_PCK_CHAIN_CERTS - 1) return -1;
    for (int i = 0; i < n; i++) {
        X509 *c = sk_X509_value(f->chain, i);
        if (maat__asn1_time_to_unix(X509_get0_notBefore(c), &nb[i]) != 0 ||
            maat__asn1_time_to_unix(X509_get0_notAfter(c), &na[i]) != 0)
            return -1;
    }
    return issuer_fill_certs(e, f->chain, 0, nb, na, f->pem, f->len, f->ca_key, f->ca_checked,
                             f->anchor);
}

void maat__trust_issuer_learn_ca_chains_off(const struct maat_trust *t)
{
    if (t && t->issuers) __atomic_store_n(&t->issuers->no_ca_chains, true, __ATOMIC_RELEASE);
}

void maat__trust_issuer_learn_ca_chain(const struct maat_trust *t, const uint8_t *pem, size_t len,
                                       STACK_OF(X509) *sent, STACK_OF(X509) *chain, EVP_PKEY *ca_key,
                                       bool ca_checked, const struct maat_anchor *anchor)
{
    struct maat__issuers *is = t ? t->issuers : NULL;
    if (is == NULL || __atomic_load_n(&is->no_ca_chains, __ATOMIC_ACQUIRE) || sent == NULL ||
        chain == NULL || anchor == NULL || len == 0 || !looks_pem_text(pem, len) ||
        __atomic_load_n(&is->count, __ATOMIC_ACQUIRE) >= MAAT_TRUST_ISSUERS)
        return;
    /* the certificates sent (decoded from pem) must be exactly the verified path, CA first,
     * each once: the tail a leaf-first chain would carry after its leaf */
    bool same = sk_X509_num(sent) == sk_X509_num(chain);
    for (int i = 0; same && i < sk_X509_num(chain); i++)
        same = X509_cmp(sk_X509_value(sent, i), sk_X509_value(chain, i)) == 0;
    if (!same) return;
    struct fill_ca f = {chain, pem, len, ca_key, ca_checked, anchor};
    issuer_publish(is, pem, len, fill_from_ca_chain, &f);
}

bool maat__trust_anchor_is_intel(const struct maat_anchor *a)
{
    return a != NULL && a->cert != NULL && a->cert == intel_root && !a->simulated;
}

/* The compiled-in Intel root's self-signature is a constant fact, established by the test
 * suite (test_cold_root_self_signature_constant: its bytes pinned by their SHA-256, the
 * signature verified by OpenSSL's X509_verify and over its keyless decoding),
 * not verified again at run time: the bytes are compiled in and the outcome of verifying
 * them cannot change (RFC 5280 6.1 takes a trust anchor as given; so does webpki). Only
 * the anchor maat_trust_new_intel made from those bytes is answered so; every other anchor
 * (configured roots, the simulated platform's, the compiled-in bytes added as a configured
 * root) has its self-signature verified here once per trust set, and a chain top that is
 * not byte for byte its anchor's certificate (a re-issued root matched by key, an altered
 * copy) is checked by the chain verification itself (docs/verify.md). */
int maat__trust_anchor_self_signed(const struct maat_trust *t, const struct maat_anchor *a)
{
    if (t == NULL || t->issuers == NULL || a < t->anchors || a >= t->anchors + t->count) return 0;
    if (maat__trust_anchor_is_intel(a)) return 1;
    int *ok = &t->issuers->anchor_ss_ok[a - t->anchors];
    if (__atomic_load_n(ok, __ATOMIC_ACQUIRE) == 1) return 1;
    int v = X509_verify(a->cert, a->key) == 1;
    ERR_clear_error();
    if (v) __atomic_store_n(ok, 1, __ATOMIC_RELEASE);
    return v;
}

const struct maat_anchor *maat__trust_find_key(const struct maat_trust *t, EVP_PKEY *key)
{
    for (size_t i = 0; t && key && i < t->count; i++)
        if (EVP_PKEY_eq(t->anchors[i].key, key) == 1) return &t->anchors[i];
    return NULL;
}

bool maat_trust_is_intel_root(const uint8_t *cert, size_t len)
{
    struct maat_error e = {0};
    struct maat_trust *intel = maat_trust_new_intel(&e);
    STACK_OF(X509) *sk = maat__x509_load_all(cert, len, "root", &e);
    bool yes = intel && sk && maat__trust_find_key(intel, X509_get0_pubkey(sk_X509_value(sk, 0)));
    sk_X509_pop_free(sk, X509_free);
    maat_trust_free(intel);
    return yes;
}
