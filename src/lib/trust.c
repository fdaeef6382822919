/*
 * trust.c - trust anchors: root public keys that PCK and TCB Signing chains must end in.
 *
 * Anchors are matched by public key, not by certificate bytes: Intel re-issued its SGX
 * Root CA certificate with the same key, and both versions occur in real chains.
 */
#include <stdlib.h>
#include <string.h>

#include "maat/crypto.h"
#include "maat/verify.h"
#include "intel_root.h"
#include "verify_internal.h"

struct maat_trust *maat_trust_new_empty(struct maat_error *err)
{
    struct maat_trust *t = calloc(1, sizeof *t);
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

void maat_trust_free(struct maat_trust *t)
{
    if (t == NULL) return;
    for (size_t i = 0; i < t->count; i++) X509_free(t->anchors[i].cert);
    free(t);
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
