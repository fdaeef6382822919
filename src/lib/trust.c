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
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "maat/verify.h"
#include "intel_root.h"
#include "verify_internal.h"

struct maat__issuers {
    pthread_mutex_t lock;                 /* serialises learning; readers need none */
    size_t count;                         /* published entries (atomic) */
    uint64_t hits;                        /* atomic */
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

struct maat_trust *maat_trust_new_intel(struct maat_error *err)
{
    struct maat_trust *t = maat_trust_new_empty(err);
    if (t == NULL) return NULL;
    if (maat_trust_add_root(t, (const uint8_t *)maat_intel_sgx_root_ca_pem,
                            strlen(maat_intel_sgx_root_ca_pem), "Intel SGX Root CA", false,
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
    STACK_OF(X509) *sk = maat_x509_load_all(cert, len, "trust anchor", err);
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

const struct maat__issuer *maat__trust_issuer_find(const struct maat_trust *t,
                                                   const uint8_t *tail, size_t len)
{
    struct maat__issuers *is = t ? t->issuers : NULL;
    if (is == NULL) return NULL;
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

/* Fills e from a fully verified entry; 0 when the tail can be used for first-seen leaves:
 * its first certificate issued the leaf, has a subject key identifier, no name
 * constraints (which the leaf would have to be checked against) and is a CA. */
static int issuer_fill(struct maat__issuer *e, const struct maat_pck_chain *pe, size_t leaf_end)
{
    if (pe->n < 2 || pe->n > MAAT_PCK_CHAIN_CERTS || leaf_end >= pe->len ||
        pe->len - leaf_end > MAAT_ISSUER_TAIL_MAX)
        return -1;
    X509 *ca = sk_X509_value(pe->chain, 1);
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(ca);
    if (skid == NULL || X509_check_ca(ca) != 1 ||
        X509_get_ext_by_NID(ca, NID_name_constraints, -1) >= 0 ||
        X509_check_issued(ca, pe->leaf) != X509_V_OK)
        return -1;
    e->tail_len = pe->len - leaf_end;
    e->tail = malloc(e->tail_len);
    e->certs = sk_X509_new_null();
    e->ca_skid = ASN1_OCTET_STRING_dup(skid);
    if (e->tail == NULL || e->certs == NULL || e->ca_skid == NULL) return -1;
    memcpy(e->tail, pe->bytes + leaf_end, e->tail_len);
    for (size_t i = 1; i < pe->n; i++) {
        X509 *c = sk_X509_value(pe->chain, (int)i);
        if (!sk_X509_push(e->certs, c)) return -1;
        X509_up_ref(c);
        e->not_before[i - 1] = pe->not_before[i];
        e->not_after[i - 1] = pe->not_after[i];
        memcpy(e->cn[i - 1], pe->cn[i], sizeof e->cn[i - 1]);
    }
    e->n = pe->n - 1;
    e->ca = ca;
    e->anchor = pe->anchor;
    return 0;
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
    pthread_mutex_lock(&is->lock);
    size_t n = is->count;
    bool known = false;
    for (size_t i = 0; i < n && !known; i++)
        known = is->e[i].tail_len == pe->len - leaf_end &&
                memcmp(is->e[i].tail, pe->bytes + leaf_end, is->e[i].tail_len) == 0;
    if (!known && n < MAAT_TRUST_ISSUERS) {
        struct maat__issuer *e = &is->e[n];
        memset(e, 0, sizeof *e);
        if (maat__ctx_pool_init(&e->ca_verify) == 0) {
            if (issuer_fill(e, pe, leaf_end) == 0) {
                __atomic_store_n(&is->count, n + 1, __ATOMIC_RELEASE);
            } else {
                issuer_clear(e);
                memset(e, 0, sizeof *e);
            }
        }
    }
    pthread_mutex_unlock(&is->lock);
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
    STACK_OF(X509) *sk = maat_x509_load_all(cert, len, "root", &e);
    bool yes = intel && sk && maat__trust_find_key(intel, X509_get0_pubkey(sk_X509_value(sk, 0)));
    sk_X509_pop_free(sk, X509_free);
    maat_trust_free(intel);
    return yes;
}
