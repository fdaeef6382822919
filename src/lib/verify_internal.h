/* verify_internal.h - structures shared by trust.c, collateral_verify.c and verify.c. */
#ifndef MAAT_VERIFY_INTERNAL_H
#define MAAT_VERIFY_INTERNAL_H

#include <stdio.h>

#include <openssl/x509.h>

#include "maat/verify.h"
#include "ctx_pool.h"

#define MAAT_TRUST_MAX 16

struct maat_anchor {
    X509 *cert;    /* the compiled-in Intel root: decoded keyless (trust.c) */
    EVP_PKEY *key; /* borrowed from cert (the Intel root: from the process) */
    X509 **keyed;  /* NULL: cert has its key; else the slot of its keyed decoding */
    bool simulated;
    char label[64];
};

struct maat__issuers; /* trust.c: PCK CA chains verified under this trust set */

struct maat_trust {
    size_t count;
    struct maat_anchor anchors[MAAT_TRUST_MAX];
    struct maat__issuers *issuers;
};

/* crypto.c: the anchor's certificate decoded with its key, for OpenSSL's chain verification
 * (X509_verify_cert, X509_check_issued): a->cert, or for the compiled-in Intel root (decoded
 * keyless) the keyed decoding of the same bytes, made once per process on first use. */
X509 *maat__anchor_cert_keyed(const struct maat_anchor *a);
/* The anchor whose key equals `key`, or NULL. */
const struct maat_anchor *maat__trust_find_key(const struct maat_trust *t, EVP_PKEY *key);

extern _Thread_local unsigned long maat__issuer_chain_loads; /* collateral_verify.c */
/* TCB info / QE identity bodies parsed by maat_collateral_verify on this thread (tests
 * check that a bundle's parsed bodies are taken over, not parsed again). */
extern _Thread_local unsigned long maat__collateral_body_parses;

/* Deep copies (collateral_copy.c) whose signed_body views `text` (a copy of the source's
 * signed bytes, owned by the caller). 0, or -1 when out of memory (dst cleaned up). */
int maat__tcb_info_copy(struct maat_tcb_info *dst, const struct maat_tcb_info *src,
                        const char *text);
int maat__enclave_identity_copy(struct maat_enclave_identity *dst,
                                const struct maat_enclave_identity *src, const char *text);

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
    char *tcb_text; /* owned copies backing the parsed signed bodies */
    char *qe_text;
    struct maat_tcb_info tcb_info;
    struct maat_enclave_identity qe_identity;
    X509_CRL *root_crl;
    X509_CRL *pck_crl;
    X509 *pck_crl_issuer; /* the PCK CA that signed pck_crl */
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
    int refs;       /* atomic */
    uint64_t hash;  /* maat__pck_chain_hash(bytes, len): the cache's set index */
    uint8_t *bytes; /* the certification data it was built from */
    size_t len;
    const struct maat_trust *trust;
    STACK_OF(X509) *chain;             /* leaf first, root last */
    X509 *leaf;                        /* = chain[0] */
    EVP_PKEY *leaf_key;                /* the leaf's public key (owned) */
    struct maat__ctx_pool leaf_verify; /* verify contexts for the leaf key (QE reports) */
    const struct maat_anchor *anchor;
    struct maat_pck_info pck;
    size_t n; /* certificates in chain (<= MAAT_PCK_CHAIN_CERTS) */
    time_t not_before[MAAT_PCK_CHAIN_CERTS];
    time_t not_after[MAAT_PCK_CHAIN_CERTS];
    char cn[MAAT_PCK_CHAIN_CERTS][64];
};

struct maat_pck_chain *maat__pck_entry_new(void);
/* Ways per set of the PCK cache (pck_cache.c; bench/README.md, "The fleet curve"). */
#define MAAT__PCK_CACHE_WAYS 16

/* The entry for exactly these chain bytes under this trust set (hash: their
 * maat__pck_chain_hash), as a new reference, or NULL. */
struct maat_pck_chain *maat__pck_cache_get(struct maat_pck_cache *c, uint64_t hash,
                                           const uint8_t *bytes, size_t len,
                                           const struct maat_trust *trust);
/* Keyed (per process), fast 64-bit hash of chain bytes: only places entries in the cache. */
uint64_t maat__pck_chain_hash(const uint8_t *p, size_t n);
/* Stores the entry, found later by e->hash, e->bytes, e->len and e->trust (the cache takes
 * its own reference). */
void maat__pck_cache_put(struct maat_pck_cache *c, struct maat_pck_chain *e);

/* The TD quote pipeline of verify.c (tdx and tv required); maat_tdx_quote_verify() and
 * maat_quote_verify() call it for TD quotes. */
struct maat_tdx_opts;
struct maat_tdx_verdict;
int maat__quote_verify_run(const struct maat_quote *q, const struct maat_verified_collateral *vc,
                           const struct maat_trust *trust, const struct maat_verify_opts *opts,
                           const struct maat_tdx_opts *tdx, struct maat_verdict *v,
                           struct maat_tdx_verdict *tv, struct maat_error *err);

/* --- first-seen platforms (pck_cache.c, trust.c) ---
 * A PCK chain as sent in quotes is PEM "leaf, PCK CA, root": across a fleet only the leaf
 * differs. Once a chain has been verified in full, the text after its leaf (the "issuer
 * tail") and its verified certificates are kept with the trust set; a later chain whose
 * tail is byte-for-byte the same needs only its leaf checked (maat__pck_first_seen). */
#define MAAT_TRUST_ISSUERS 8
#define MAAT_ISSUER_TAIL_MAX 16384

struct maat__issuer {
    uint8_t *tail; /* the exact bytes after the leaf's END line */
    size_t tail_len;
    STACK_OF(X509) *certs;           /* verified chain minus the leaf: PCK CA ... root */
    X509 *ca;                        /* = certs[0], the leaf's issuer (maybe keyless) */
    EVP_PKEY *ca_key;                /* its public key (owned) */
    ASN1_OCTET_STRING *ca_skid;      /* its subject key identifier */
    struct maat__ctx_pool ca_verify; /* verify contexts for the PCK CA key */
    const struct maat_anchor *anchor;
    size_t n; /* certificates in certs */
    time_t not_before[MAAT_PCK_CHAIN_CERTS];
    time_t not_after[MAAT_PCK_CHAIN_CERTS];
    char cn[MAAT_PCK_CHAIN_CERTS][64];
};

/* Splits PEM certification data into its first certificate block and the rest: *leaf_end
 * is the offset just after the first END line. -1 when the text is not that shape. */
int maat__pem_split_first(const uint8_t *p, size_t n, size_t *body, size_t *body_len,
                          size_t *leaf_end);
/* The DER of one PEM body (base64 with line breaks; strict decoder). 0 on success, the
 * caller frees *der. */
int maat__pem_block_der(const uint8_t *body, size_t len, uint8_t **der, size_t *der_len);
/* The verified issuer tail equal to tail[0..len), or NULL (entries live as long as t). */
const struct maat__issuer *maat__trust_issuer_find(const struct maat_trust *t, const uint8_t *tail,
                                                   size_t len);
/* Records the issuer tail of a fully verified entry (bytes leaf-first PEM, leaf = first
 * block). Does nothing when the shape does not fit or the table is full. */
void maat__trust_issuer_learn(const struct maat_trust *t, const struct maat_pck_chain *pe);
/* Records as an issuer tail a PCK CA chain verified to anchor on its own (the collateral's
 * PCK CRL issuer chain): pem its text, sent the certificates decoded from it, chain the
 * verified path (CA first), ca_key the CA's public key (the CA may be decoded without it:
 * then ca_checked, the CA tests made by maat__pck_ca_direct). Only when sent is exactly
 * chain and the CA fits (trust.c). */
void maat__trust_issuer_learn_ca_chain(const struct maat_trust *t, const uint8_t *pem, size_t len,
                                       STACK_OF(X509) *sent, STACK_OF(X509) *chain, EVP_PKEY *ca_key,
                                       bool ca_checked, const struct maat_anchor *anchor);
/* Tests: from now on t learns issuer tails only from PCK chains verified in full (the
 * reference of the differential tests, which must take the full path). */
void maat__trust_issuer_learn_ca_chains_off(const struct maat_trust *t);
/* (hits, learned) counters, for tests and benchmarks. */
void maat__trust_issuer_stats(const struct maat_trust *t, uint64_t *hits, size_t *count);
/* A new entry for a chain whose issuer tail is known: the leaf alone is decoded and
 * checked (see pck_cache.c). NULL when the fast path does not apply or any check fails:
 * the caller then verifies the chain in full, which names the failure. */
struct maat_pck_chain *maat__pck_first_seen(const struct maat_trust *t, const uint8_t *bytes,
                                            size_t len);

/* crypto.c: a certificate decoded without its public key (OpenSSL 3.0 decodes keys through
 * OSSL_DECODER, several ECDSA verifications' worth per certificate); NULL unless the DER
 * is exactly one certificate. */
X509 *maat__x509_decode_keyless(const uint8_t *der, size_t len);
/* An empty certificate of the keyless library context, to decode into (d2i_X509(&x, ...),
 * PEM_read_bio_X509(bio, &x, ...)); NULL when out of memory. */
X509 *maat__x509_new_keyless(void);
/* maat__x509_load_all, except that a PEM block whose DER is byte for byte a trust anchor's
 * certificate gives that anchor's X509 (a new reference) instead of a new decoding. */
STACK_OF(X509) *maat__x509_load_all_anchored(const uint8_t *p, size_t n, const char *what,
                                             const struct maat_trust *t, struct maat_error *err);
/* 1 when the anchor's self-signature verifies (checked once per trust set, the success
 * remembered; the compiled-in Intel root's is established by the test suite, not checked
 * at run time), else 0. */
int maat__trust_anchor_self_signed(const struct maat_trust *t, const struct maat_anchor *a);
/* crypto.c: the exact bytes of the TBSCertificate inside a certificate's DER (what the
 * signature covers, as received): der[*off, *off + *tlen). 0, or -1 when malformed. */
int maat__x509_tbs_span(const uint8_t *der, size_t len, size_t *off, size_t *tlen);
/* trust.c: true when the anchor is the compiled-in Intel SGX Root CA certificate, decoded
 * once per process (maat_trust_new_intel). */
bool maat__trust_anchor_is_intel(const struct maat_anchor *a);
/* trust.c: true when der[0, len) is byte for byte the compiled-in Intel SGX Root CA
 * certificate (which decodes: the process decoded it once). */
bool maat__is_intel_root_der(const uint8_t *der, size_t len);
/* collateral.c: PEM blocks of bundle chains recognised as the Intel root, not decoded
 * again, on this thread (tests). */
extern _Thread_local unsigned long maat__bundle_root_blocks_known;
/* collateral.c: canonical PEM chains read without OpenSSL's BIO reader (issue 16); blocks
 * so read, and a switch for tests (the BIO path for everything) */
extern _Thread_local unsigned long maat__pem_fast_blocks;
extern _Thread_local bool maat__pem_fast_off;
/* collateral_signer.c: the TCB Signing certificate of an issuer chain that is exactly
 * [that certificate, the Intel root's own bytes], checked directly (see there): the
 * certificate (decoded without its key: read its fields only) with *key its public key and
 * *anchor the anchor, or NULL when the chain has another shape or any check fails (then
 * the caller verifies it in full, which names the failure). decoded: the bundle check's
 * keyless decoding of the first block, or NULL; taken (a new reference) instead of
 * decoding the block again when its encoding is the block's DER byte for byte. */
X509 *maat__tcb_signer_direct(const uint8_t *pem, size_t len, const struct maat_trust *t,
                              const struct maat_anchor **anchor, EVP_PKEY **key, X509 *decoded);
/* The bundle check's decodings handed to maat_collateral_verify (collateral.h,
 * maat_collateral_bundle.decoded; maat_collateral_input.decoded). */
enum {
    MAAT__DECODED_PCK_CA,     /* X509 (keyless): pck_crl_issuer_chain's first block */
    MAAT__DECODED_TCB_SIGNER, /* X509 (keyless): tcb_info_issuer_chain's first block */
    MAAT__DECODED_ROOT_CRL,   /* X509_CRL: root_ca_crl */
    MAAT__DECODED_PCK_CRL,    /* X509_CRL: pck_crl */
};
/* Decodings taken over by maat_collateral_verify instead of decoding again, this thread
 * (tests). */
extern _Thread_local unsigned long maat__bundle_decodings_taken;
/* Issuer chains taken by maat__tcb_signer_direct on this thread (tests). */
extern _Thread_local unsigned long maat__tcb_signer_direct_taken;
/* collateral_signer.c: the PCK CA of a PCK CRL issuer chain that is exactly [that CA, the
 * Intel root's own bytes], checked directly as maat__tcb_signer_direct checks the TCB
 * Signing certificate but as a CA (see there). NULL: the caller verifies it in full. */
X509 *maat__pck_ca_direct(const uint8_t *pem, size_t len, const struct maat_trust *t,
                          const struct maat_anchor **anchor, EVP_PKEY **key, X509 *decoded);
/* Issuer chains taken by maat__pck_ca_direct on this thread (tests). */
extern _Thread_local unsigned long maat__pck_ca_direct_taken;
/* The P-256 key of a certificate's SubjectPublicKeyInfo (id-ecPublicKey, named curve
 * prime256v1, uncompressed point on the curve), or NULL. */
/* The strict extension check of an end-entity certificate issued by the holder of
 * issuer_skid (leaf_extensions.c); extra: one more extension allowed and required (the SGX
 * extension of a PCK leaf), or NULL. 0, or -1. */
int maat__leaf_extensions_check(X509 *x, const ASN1_OCTET_STRING *issuer_skid,
                                const ASN1_OBJECT *extra);
/* The same for a CA certificate issued by the holder of issuer_skid (leaf_extensions.c). */
int maat__ca_extensions_check(X509 *x, const ASN1_OCTET_STRING *issuer_skid);
/* crypto.c: true when the two certificates carry the same public key: the same
 * SubjectPublicKeyInfo bytes, or (either decoded with its key) EVP_PKEY_eq. Works for
 * certificates decoded without their key. */
bool maat__x509_same_key(X509 *a, X509 *b);
/* crypto.c: the subject key identifier of a certificate, also one decoded without its key
 * (a new object, caller frees), or NULL when absent, repeated or undecodable. */
ASN1_OCTET_STRING *maat__x509_skid(const X509 *x);
EVP_PKEY *maat__x509_p256_key(const X509 *x);

/* pck.c: maat_pck_ext_parse through the table-driven OpenSSL decoder only (it otherwise
 * reads the common case directly); for the differential test. */
int maat__pck_ext_parse_generic(const uint8_t *der, size_t len, struct maat_pck_info *out,
                                struct maat_error *err);
/* pck.c: the SGX extension of a decoded certificate (as maat_pck_cert_parse_der). */
int maat__pck_info_from_x509(const X509 *x, struct maat_pck_info *out, struct maat_error *err);

#endif
