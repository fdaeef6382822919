/*
 * pck_cache.c - verified PCK chains, kept so that each platform's chain is checked once.
 *
 * A small open-addressing table under a mutex; entries are immutable and reference
 * counted, so a reader keeps using an entry that another thread evicts meanwhile.
 * The lock is held only to find or replace a slot (no crypto under the lock).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "maat/crypto.h"
#include "verify_internal.h"

struct maat_pck_cache {
    pthread_mutex_t lock;
    size_t capacity;
    struct maat_pck_chain **slots;
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
    sk_X509_pop_free(e->chain, X509_free);
    free(e->bytes);
    free(e);
}

struct maat_pck_cache *maat_pck_cache_new(size_t capacity, struct maat_error *err)
{
    struct maat_pck_cache *c = calloc(1, sizeof *c);
    if (capacity == 0) capacity = 1024;
    if (c) c->slots = calloc(capacity, sizeof *c->slots);
    if (c == NULL || c->slots == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        if (c) free(c->slots);
        free(c);
        maat_error_set(err, MAAT_ERR_NOMEM, "PCK cache: out of memory");
        return NULL;
    }
    c->capacity = capacity;
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

void maat_pck_cache_stats(struct maat_pck_cache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}

/* Direct-mapped: the key is a SHA-256, so its first bytes are uniformly spread. */
static size_t slot_of(const struct maat_pck_cache *c, const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    return (size_t)(h % c->capacity);
}

struct maat_pck_chain *maat__pck_cache_get(struct maat_pck_cache *c, const uint8_t key[32],
                                            const struct maat_trust *trust)
{
    struct maat_pck_chain *e;
    pthread_mutex_lock(&c->lock);
    e = c->slots[slot_of(c, key)];
    if (e && e->trust == trust && memcmp(e->key, key, 32) == 0) {
        __atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
        c->hits++;
    } else {
        e = NULL;
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

void maat__pck_cache_put(struct maat_pck_cache *c, struct maat_pck_chain *e)
{
    __atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&c->lock);
    size_t i = slot_of(c, e->key);
    struct maat_pck_chain *old = c->slots[i];
    c->slots[i] = e;
    pthread_mutex_unlock(&c->lock);
    maat_pck_chain_release(old);
}
