/*
 * pck_cache.c - verified PCK chains, kept so that each platform's chain is checked once.
 *
 * A fixed table under a mutex, 16-way set associative with LRU order inside each set
 * (chosen from the fleet curves in bench/README.md: at N = capacity distinct platforms a
 * direct-mapped table loses about a third of its hits to collisions; 4 ways still lost
 * 0.7% of the hits at N = capacity / 4 in maatd end to end (bench_fleet.sh) and, in a
 * simulation of the policy, 3% at N = capacity / 2, where 16 ways lose none; at N =
 * capacity 16 ways keep 0.90 of the hits against 0.81). An entry is found by the exact
 * chain bytes and trust set: a keyed 64-bit hash of the bytes (maat__pck_chain_hash, seeded
 * per process) picks the set and filters the ways, then the stored bytes are compared in
 * full, so the hash only decides where an entry lives, never whether two chains are the
 * same (it replaced a SHA-256 of the chain, ~3 us of each maatd request). Memory is bounded by the capacity whatever the number of platforms. Entries are
 * immutable and reference counted, so a reader keeps using an entry that another thread
 * evicts meanwhile. The lock is held only to find or replace an entry (no crypto under it).
 *
 * Also here: the first-seen path (maat__pck_first_seen), which builds an entry for a chain
 * whose PCK CA and root were verified before under the same trust set (trust.c keeps them
 * by the exact bytes that follow the leaf), checking only the leaf.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "verify_internal.h"

#define WAYS MAAT__PCK_CACHE_WAYS

struct maat_pck_cache {
    pthread_mutex_t lock;
    size_t capacity; /* sets * WAYS */
    size_t sets;
    struct maat_pck_chain **slots; /* set s: slots[s*WAYS ..], most recently used first */
    uint64_t hits, misses;
};

struct maat_pck_chain *maat__pck_entry_new(void)
{
    struct maat_pck_chain *e = calloc(1, sizeof *e);
    if (e == NULL) return NULL;
    if (maat__ctx_pool_init(&e->leaf_verify) != 0) {
        free(e);
        return NULL;
    }
    e->refs = 1;
    return e;
}

const struct maat_pck_info *maat_pck_chain_info(const struct maat_pck_chain *e)
{
    return &e->pck;
}

void maat_pck_chain_release(struct maat_pck_chain *e)
{
    if (e == NULL || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    maat__ctx_pool_destroy(&e->leaf_verify);
    EVP_PKEY_free(e->leaf_key);
    sk_X509_pop_free(e->chain, X509_free);
    free(e->bytes);
    free(e);
}

struct maat_pck_cache *maat_pck_cache_new(size_t capacity, struct maat_error *err)
{
    struct maat_pck_cache *c = calloc(1, sizeof *c);
    if (capacity == 0) capacity = 1024;
    if (capacity > ((size_t)1 << 24)) capacity = (size_t)1 << 24;
    capacity = (capacity + WAYS - 1) / WAYS * WAYS;
    if (c) c->slots = calloc(capacity, sizeof *c->slots);
    if (c == NULL || c->slots == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        if (c) free(c->slots);
        free(c);
        maat_error_set(err, MAAT_ERR_NOMEM, "PCK cache: out of memory");
        return NULL;
    }
    c->capacity = capacity;
    c->sets = capacity / WAYS;
    return c;
}

void maat_pck_cache_free(struct maat_pck_cache *c)
{
    if (c == NULL) return;
    for (size_t i = 0; i < c->capacity; i++) maat_pck_chain_release(c->slots[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

size_t maat_pck_cache_capacity(const struct maat_pck_cache *c)
{
    return c->capacity;
}

void maat_pck_cache_stats(struct maat_pck_cache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}

/* --- the chain hash ------------------------------------------------------------------
 * Not a cryptographic digest and not needed to be one: it only spreads chains over the
 * sets (identity is decided by comparing the bytes). Four independent lanes, each folding
 * 16 bytes per step through a 64x64->128-bit multiply of the data xor-ed with a random
 * per-process key (so which chains share a set cannot be chosen from outside), then the
 * lanes, the tail and the length are folded together. */
static uint64_t g_hash_key[4];
static pthread_once_t g_hash_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
    if (RAND_bytes((unsigned char *)g_hash_key, sizeof g_hash_key) != 1) {
        /* placement only: a fixed key still spreads chains, it is merely predictable */
        ERR_clear_error();
        g_hash_key[0] = 0x9e3779b97f4a7c15u;
        g_hash_key[1] = 0xc2b2ae3d27d4eb4fu;
        g_hash_key[2] = 0x165667b19e3779f9u;
        g_hash_key[3] = 0x27d4eb2f165667c5u;
    }
    for (int i = 0; i < 4; i++) g_hash_key[i] |= 1; /* odd: never a zero multiplier */
}

static uint64_t fold(uint64_t a, uint64_t b)
{
    unsigned __int128 m = (unsigned __int128)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

uint64_t maat__pck_chain_hash(const uint8_t *p, size_t n)
{
    pthread_once(&g_hash_once, hash_key_init);
    const uint64_t *k = g_hash_key;
    uint64_t lane[4] = {k[0], k[1], k[2], k[3]};
    size_t i = 0;
    for (; n - i >= 64; i += 64)
        for (int j = 0; j < 4; j++)
            lane[j] = fold(load64(p + i + 16 * j) ^ lane[j], load64(p + i + 16 * j + 8) ^ k[j]);
    uint8_t tail[64] = {0};
    if (n > i) memcpy(tail, p + i, n - i);
    for (int j = 0; j < 4; j++)
        lane[j] = fold(load64(tail + 16 * j) ^ lane[j], load64(tail + 16 * j + 8) ^ k[j]);
    uint64_t h = fold(lane[0] ^ k[1], lane[1] ^ (uint64_t)n);
    h = fold(h ^ lane[2], lane[3] ^ k[0]);
    return fold(h ^ k[2], k[3]);
}

static struct maat_pck_chain **set_of(const struct maat_pck_cache *c, uint64_t hash)
{
    return &c->slots[(size_t)(hash % c->sets) * WAYS];
}

static bool same(const struct maat_pck_chain *e, uint64_t hash, const uint8_t *bytes, size_t len,
                 const struct maat_trust *trust)
{
    return e && e->hash == hash && e->trust == trust && e->len == len &&
           (len == 0 || memcmp(e->bytes, bytes, len) == 0);
}

/* Moves set[i] to the front (most recently used). */
static void to_front(struct maat_pck_chain **set, size_t i)
{
    struct maat_pck_chain *e = set[i];
    memmove(set + 1, set, i * sizeof *set);
    set[0] = e;
}

struct maat_pck_chain *maat__pck_cache_get(struct maat_pck_cache *c, uint64_t hash,
                                           const uint8_t *bytes, size_t len,
                                           const struct maat_trust *trust)
{
    struct maat_pck_chain *e = NULL;
    pthread_mutex_lock(&c->lock);
    struct maat_pck_chain **set = set_of(c, hash);
    for (size_t i = 0; i < WAYS && e == NULL; i++) {
        if (same(set[i], hash, bytes, len, trust)) {
            e = set[i];
            to_front(set, i);
        }
    }
    if (e) {
        __atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

void maat__pck_cache_put(struct maat_pck_cache *c, struct maat_pck_chain *e)
{
    __atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&c->lock);
    struct maat_pck_chain **set = set_of(c, e->hash);
    size_t i = 0;
    while (i < WAYS - 1 && !same(set[i], e->hash, e->bytes, e->len, e->trust)) i++;
    /* i: the same chain (built by another thread meanwhile), else the least recently used */
    struct maat_pck_chain *old = set[i];
    set[i] = e;
    to_front(set, i);
    pthread_mutex_unlock(&c->lock);
    maat_pck_chain_release(old);
}

/* --- first-seen platforms ------------------------------------------------------------
 *
 * What the full path (maat__chain_verify: X509_verify_cert with X509_V_FLAG_X509_STRICT)
 * establishes for a leaf, checked here directly for the shape Intel issues, on a leaf
 * decoded without OpenSSL's key decoder (crypto.c). Anything outside that shape returns
 * NULL and the chain goes through the full path, so a leaf is never accepted here that
 * the full path would refuse:
 *  - X.509 v3; signature algorithm ecdsa-with-SHA256, the same inside and outside the
 *    TBS (RFC 5280 4.1.1.2); the signature verifies under the PCK CA's key over the exact
 *    TBS bytes (OpenSSL's ECDSA verification refuses non-DER signatures);
 *  - issuer name = the PCK CA's subject, non-empty subject whose CN contains "SGX PCK
 *    Certificate"; authority key identifier present, not critical, a key id only, equal
 *    to the CA's subject key identifier (X509_check_issued);
 *  - extensions: only authority/subject key identifier, key usage, basic constraints, CRL
 *    distribution points and the SGX extension, each at most once and decodable; critical
 *    only key usage and basic constraints; basic constraints not a CA and no path length;
 *    key usage without keyCertSign (strict checks for an end-entity certificate);
 *  - the key is a P-256 point on the curve (named curve, not explicit parameters);
 *  - its subject is not the issuer of any certificate of the tail (so it is the leaf the
 *    full path would pick);
 *  - the SGX extension parses (maat__pck_info_from_x509), validity dates are readable.
 * Validity at the verification time and revocation are later steps, as for any entry. */

static int check_extensions(X509 *x, const struct maat__issuer *is)
{
    ASN1_OBJECT *sgx = OBJ_txt2obj(MAAT_OID_SGX_EXTENSION, 1);
    int rc = sgx != NULL ? maat__leaf_extensions_check(x, is->ca_skid, sgx) : -1;
    ASN1_OBJECT_free(sgx);
    return rc;
}

static int check_leaf(X509 *x, const uint8_t *der, size_t der_len, const struct maat__issuer *is,
                      EVP_PKEY **key)
{
    *key = NULL;
    char cn[128];
    maat__x509_cn(X509_get_subject_name(x), cn, sizeof cn);
    const X509_ALGOR *outer;
    const ASN1_BIT_STRING *sig;
    int ptype = 0;
    X509_get0_signature(&sig, &outer, x);
    X509_ALGOR_get0(NULL, &ptype, NULL, outer);
    if (X509_get_version(x) != X509_VERSION_3 || X509_get_signature_nid(x) != NID_ecdsa_with_SHA256 ||
        ptype != V_ASN1_UNDEF || X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(x)) != 0 ||
        sig == NULL || sig->length <= 0 || (sig->flags & 0x07) != 0 /* unused bits */ ||
        X509_NAME_entry_count(X509_get_issuer_name(x)) == 0 ||
        X509_NAME_entry_count(X509_get_subject_name(x)) == 0 ||
        strstr(cn, "SGX PCK Certificate") == NULL ||
        X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(is->ca)) != 0 ||
        check_extensions(x, is) != 0)
        return -1;
    /* the full path takes as leaf the certificate that issued none of the others: the
     * first one must not be named as the issuer of a certificate of the tail */
    for (size_t i = 0; i < is->n; i++)
        if (X509_NAME_cmp(X509_get_subject_name(x),
                          X509_get_issuer_name(sk_X509_value(is->certs, (int)i))) == 0)
            return -1;
    /* the signature by the (cached, verified) PCK CA, over the exact TBS bytes */
    size_t tbs_off, tbs_len;
    uint8_t digest[32];
    if (maat__x509_tbs_span(der, der_len, &tbs_off, &tbs_len) != 0) return -1;
    maat__sha256(der + tbs_off, tbs_len, digest);
    struct maat__ctx_pool *pool = (struct maat__ctx_pool *)&is->ca_verify;
    EVP_PKEY_CTX *c = maat__ctx_pool_get(pool);
    if (c == NULL) c = maat__ecdsa_verify_ctx_new(is->ca_key);
    int ok = c ? EVP_PKEY_verify(c, sig->data, (size_t)sig->length, digest, sizeof digest) : -1;
    ERR_clear_error();
    if (ok >= 0)
        maat__ctx_pool_put(pool, c);
    else
        EVP_PKEY_CTX_free(c);
    if (ok != 1) return -1;
    *key = maat__x509_p256_key(x);
    return *key ? 0 : -1;
}

struct maat_pck_chain *maat__pck_first_seen(const struct maat_trust *t, const uint8_t *bytes,
                                            size_t len)
{
    size_t body, body_len, leaf_end;
    if (maat__pem_split_first(bytes, len, &body, &body_len, &leaf_end) != 0) return NULL;
    const struct maat__issuer *is = maat__trust_issuer_find(t, bytes + leaf_end, len - leaf_end);
    if (is == NULL) return NULL;
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (maat__pem_block_der(bytes + body, body_len, &der, &der_len) != 0) return NULL;
    X509 *x = maat__x509_decode_keyless(der, der_len);
    EVP_PKEY *key = NULL;
    struct maat_pck_chain *pe = NULL;
    struct maat_error e = {0};
    int ok = x != NULL && check_leaf(x, der, der_len, is, &key) == 0;
    free(der);
    if (!ok) goto fail;
    pe = maat__pck_entry_new();
    if (pe == NULL || (pe->bytes = malloc(len ? len : 1)) == NULL ||
        (pe->chain = sk_X509_new_reserve(NULL, (int)is->n + 1)) == NULL)
        goto fail;
    memcpy(pe->bytes, bytes, len);
    pe->len = len;
    pe->trust = t;
    pe->anchor = is->anchor;
    pe->leaf_key = key;
    key = NULL;
    sk_X509_push(pe->chain, x); /* reserved: cannot fail */
    pe->leaf = x;
    x = NULL;
    for (size_t i = 0; i < is->n; i++) {
        X509 *c = sk_X509_value(is->certs, (int)i);
        X509_up_ref(c);
        sk_X509_push(pe->chain, c);
        pe->not_before[i + 1] = is->not_before[i];
        pe->not_after[i + 1] = is->not_after[i];
        memcpy(pe->cn[i + 1], is->cn[i], sizeof pe->cn[i + 1]);
    }
    pe->n = is->n + 1;
    maat__x509_cn(X509_get_subject_name(pe->leaf), pe->cn[0], sizeof pe->cn[0]);
    if (maat__pck_info_from_x509(pe->leaf, &pe->pck, &e) != 0 ||
        maat__asn1_time_to_unix(X509_get0_notBefore(pe->leaf), &pe->not_before[0]) != 0 ||
        maat__asn1_time_to_unix(X509_get0_notAfter(pe->leaf), &pe->not_after[0]) != 0)
        goto fail;
    return pe;
fail:
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(x);
    maat_pck_chain_release(pe);
    return NULL;
}
