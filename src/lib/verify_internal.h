/* verify_internal.h - structures shared by trust.c, collateral_verify.c and verify.c. */
#ifndef MAAT_VERIFY_INTERNAL_H
#define MAAT_VERIFY_INTERNAL_H

#include <stdio.h>

#include <openssl/x509.h>

#include "maat/verify.h"
#include "ctx_pool.h"

#define MAAT_TRUST_MAX 16

struct maat_anchor {
    X509 *cert;
    EVP_PKEY *key; /* borrowed from cert */
    bool simulated;
    char label[64];
};

struct maat_trust {
    size_t count;
    struct maat_anchor anchors[MAAT_TRUST_MAX];
};

/* The anchor whose key equals `key`, or NULL. */
const struct maat_anchor *maat__trust_find_key(const struct maat_trust *t, EVP_PKEY *key);

/* Verifies that `leaf` chains through `certs` (any order; may include a root) to a trust
 * anchor, ignoring time (time is a separate step, so the failing item can be named).
 * On success *anchor is the anchor used and, when chain_out is not NULL, the verified
 * chain (leaf first, root last) is returned (caller frees with sk_X509_pop_free).
 * On failure, writes the reason to err naming `what`. */
int maat__chain_verify(X509 *leaf, STACK_OF(X509) *certs, const struct maat_trust *t,
                       const char *what, const struct maat_anchor **anchor,
                       STACK_OF(X509) **chain_out, struct maat_error *err);

/* A dated collateral item, for the time checks. */
struct maat_dated_item {
    char name[96];
    time_t not_before;
    time_t not_after;
};

#define MAAT_VC_MAX_ITEMS 12

struct maat_verified_collateral {
    char *tcb_text;                 /* owned copies backing the parsed signed bodies */
    char *qe_text;
    struct maat_tcb_info tcb_info;
    struct maat_enclave_identity qe_identity;
    X509_CRL *root_crl;
    X509_CRL *pck_crl;
    X509 *pck_crl_issuer;           /* the PCK CA that signed pck_crl */
    enum maat_pck_ca pck_ca;
    const struct maat_anchor *anchor;
    size_t item_count;
    struct maat_dated_item items[MAAT_VC_MAX_ITEMS];
    struct maat_collateral_hashes hashes;
};

/* A verified PCK chain with what the later steps need from it (immutable once built;
 * public name in verify.h). */
#define MAAT_PCK_CHAIN_CERTS 8
struct maat_pck_chain {
    int refs;                           /* atomic */
    uint8_t key[32];                    /* SHA-256 of bytes (the cache key) */
    uint8_t *bytes;                     /* the certification data it was built from */
    size_t len;
    const struct maat_trust *trust;
    STACK_OF(X509) *chain;              /* leaf first, root last */
    X509 *leaf;                         /* = chain[0] */
    struct maat__ctx_pool leaf_verify;  /* verify contexts for the leaf key (QE reports) */
    const struct maat_anchor *anchor;
    struct maat_pck_info pck;
    size_t n;                           /* certificates in chain (<= MAAT_PCK_CHAIN_CERTS) */
    time_t not_before[MAAT_PCK_CHAIN_CERTS];
    time_t not_after[MAAT_PCK_CHAIN_CERTS];
    char cn[MAAT_PCK_CHAIN_CERTS][64];
};

struct maat_pck_chain *maat__pck_entry_new(void);
/* A new reference to the cached entry for key/trust, or NULL. */
struct maat_pck_chain *maat__pck_cache_get(struct maat_pck_cache *c, const uint8_t key[32],
                                            const struct maat_trust *trust);
/* Stores the entry (the cache takes its own reference). */
void maat__pck_cache_put(struct maat_pck_cache *c, struct maat_pck_chain *e);

/* The TD quote pipeline of verify.c (tdx and tv required); maat_tdx_quote_verify() and
 * maat_quote_verify() call it for TD quotes. */
struct maat_tdx_opts;
struct maat_tdx_verdict;
int maat__quote_verify_run(const struct maat_quote *q, const struct maat_verified_collateral *vc,
                           const struct maat_trust *trust, const struct maat_verify_opts *opts,
                           const struct maat_tdx_opts *tdx, struct maat_verdict *v,
                           struct maat_tdx_verdict *tv, struct maat_error *err);

#endif
