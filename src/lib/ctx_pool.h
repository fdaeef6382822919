/* ctx_pool.h - a small pool of OpenSSL EVP_PKEY_CTX initialised once for one key and one
 * operation (sign or verify), shared by the threads that use that key. OpenSSL 3 fetches the
 * algorithm and builds provider state in every EVP_PKEY_*_init; reusing a context skips
 * that. A context is used by one thread at a time: taken from the pool, used, put back. */
#ifndef MAAT_CTX_POOL_H
#define MAAT_CTX_POOL_H

#include <pthread.h>
#include <stddef.h>

#include <openssl/evp.h>

#define MAAT_CTX_POOL_MAX 16 /* idle contexts kept (about one per thread) */

struct maat__ctx_pool {
    pthread_mutex_t lock;
    size_t n;
    EVP_PKEY_CTX *idle[MAAT_CTX_POOL_MAX];
};

/* 0 on success, -1 when the mutex cannot be made. */
int maat__ctx_pool_init(struct maat__ctx_pool *p);
/* Frees the idle contexts; none may be taken out any more. */
void maat__ctx_pool_destroy(struct maat__ctx_pool *p);
/* An idle context, or NULL when there is none (the caller then makes a new one). */
EVP_PKEY_CTX *maat__ctx_pool_get(struct maat__ctx_pool *p);
/* Returns a context that is still good for the operation; freed when the pool is full.
 * A context that failed an operation is freed by the caller instead. */
void maat__ctx_pool_put(struct maat__ctx_pool *p, EVP_PKEY_CTX *c);

/* A context initialised for ECDSA verification of SHA-256 digests under `key`. */
EVP_PKEY_CTX *maat__ecdsa_verify_ctx_new(EVP_PKEY *key);
/* maat__ecdsa_verify_rs() on a context from maat__ecdsa_verify_ctx_new(): 1 valid, 0 invalid,
 * -1 on an internal error (then the context must not be reused). */
int maat__ecdsa_verify_rs_ctx(EVP_PKEY_CTX *ctx, const void *msg, size_t len, const uint8_t rs[64]);
/* The same over a SHA-256 digest already taken (maat__ecdsa_verify_digest_rs). */
int maat__ecdsa_verify_digest_rs_ctx(EVP_PKEY_CTX *ctx, const uint8_t digest[32],
                                     const uint8_t rs[64]);

#endif
