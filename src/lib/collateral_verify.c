/*
 * collateral_verify.c - turns raw collateral into verified, immutable collateral, once.
 *
 * Checks: the TCB Signing chain and the PCK CRL issuer chain end in a trust anchor; the
 * TCB info and QE identity signatures (raw r||s) over their exact signed bytes with the
 * TCB Signing key; the Root CA CRL signed by the root, the PCK CRL signed by the PCK CA
 * of its issuer chain. Dates are recorded, not judged: the verdict judges them at the
 * verification time and names the item that is out of its window.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "ctx_pool.h"
#include "verify_internal.h"

int maat__chain_verify(X509 *leaf, STACK_OF(X509) *certs, const struct maat_trust *t,
                       const char *what, const struct maat_anchor **anchor,
                       STACK_OF(X509) **chain_out, struct maat_error *err)
{
    /* Pick the anchor: a certificate in the chain whose key is trusted (a re-issued root
     * with the same key counts), else an anchor that issued the top of the chain. */
    const struct maat_anchor *a = NULL;
    X509 *root = NULL;
    for (int i = 0; i < sk_X509_num(certs) && a == NULL; i++) {
        X509 *c = sk_X509_value(certs, i);
        const struct maat_anchor *m = maat__trust_find_key(t, X509_get0_pubkey(c));
        if (m && X509_check_issued(c, c) == X509_V_OK) {
            a = m;
            root = c;
        }
    }
    for (size_t i = 0; a == NULL && t && i < t->count; i++) {
        for (int k = 0; k < sk_X509_num(certs); k++)
            if (X509_check_issued(maat__anchor_cert_keyed(&t->anchors[i]),
                                  sk_X509_value(certs, k)) == X509_V_OK) {
                a = &t->anchors[i];
                root = maat__anchor_cert_keyed(a);
                break;
            }
    }
    if (a == NULL) {
        char cn[128] = "";
        X509 *top = sk_X509_num(certs) ? sk_X509_value(certs, sk_X509_num(certs) - 1) : leaf;
        maat__x509_cn(X509_get_issuer_name(top), cn, sizeof cn);
        return maat_error_set(err, MAAT_ERR_CRYPTO,
                              "%s: the chain does not end in a trusted root (top issuer \"%s\"; "
                              "trusted: %zu anchor(s) matched by public key)",
                              what, cn, t ? t->count : 0);
    }

    int rc = -1;
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (store == NULL || ctx == NULL || untrusted == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        goto out;
    }
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        if (c != root && c != leaf) sk_X509_push(untrusted, c);
    }
    X509_STORE_add_cert(store, root);
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
        maat_error_set(err, MAAT_ERR_CRYPTO, "%s: cannot set up chain verification", what);
        goto out;
    }
    /* Time is judged in its own step; CRLs in theirs (with their own signatures checked).
     * Strict mode makes OpenSSL refuse empty or mismatched key identifiers; the root's own
     * self-signature is checked too, so every byte of the chain as sent is covered. */
    unsigned long flags = X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_X509_STRICT;
    /* The root is the anchor's own certificate (its bytes were the anchor's, see
     * maat__x509_load_all_anchored) whose self-signature this trust set has verified, or,
     * for the compiled-in Intel root, the test suite has (trust.c): checking it again in
     * every chain would reach the same result on the same bytes. Any other top certificate
     * has its self-signature checked here. */
    bool ss_done = root == maat__anchor_cert_keyed(a) && maat__trust_anchor_self_signed(t, a) == 1;
    if (!ss_done) flags |= X509_V_FLAG_CHECK_SS_SIGNATURE;
    X509_STORE_CTX_set_flags(ctx, flags);
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        char cn[128] = "";
        if (bad) maat__x509_cn(X509_get_subject_name(bad), cn, sizeof cn);
        maat_error_set(err, MAAT_ERR_CRYPTO, "%s: certificate \"%s\" (depth %d): %s", what, cn,
                       depth, X509_verify_cert_error_string(e));
        goto out;
    }
    /* Every certificate sent must be on the verified path: a spare or corrupted copy
     * (say, of the root) is refused rather than silently ignored. */
    STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        bool on_path = false;
        for (int k = 0; k < sk_X509_num(path) && !on_path; k++)
            on_path = X509_cmp(c, sk_X509_value(path, k)) == 0;
        if (!on_path) {
            char cn[128] = "";
            maat__x509_cn(X509_get_subject_name(c), cn, sizeof cn);
            maat_error_set(err, MAAT_ERR_CRYPTO,
                           "%s: certificate %d (\"%s\") is not on the path to the trusted root "
                           "(altered, or not part of this chain)",
                           what, i + 1, cn);
            goto out;
        }
    }
    if (chain_out) *chain_out = X509_STORE_CTX_get1_chain(ctx);
    *anchor = a;
    rc = 0;
out:
    ERR_clear_error();
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}

/* Issuer chains decoded and verified by this thread (tests check that a chain text shared
 * by the TCB info and the QE identity is verified once per collateral). */
_Thread_local unsigned long maat__issuer_chain_loads;

static void add_item(struct maat_verified_collateral *vc, const char *name, time_t nb, time_t na)
{
    if (vc->item_count >= MAAT_VC_MAX_ITEMS) return;
    struct maat_dated_item *it = &vc->items[vc->item_count++];
    snprintf(it->name, sizeof it->name, "%s", name);
    it->not_before = nb;
    it->not_after = na;
}

/* Records the certificate's validity window; fails (closed) when notBefore or notAfter
 * cannot be read: a zero in the window would widen it or misdate it. */
static int add_cert_item(struct maat_verified_collateral *vc, const char *role, X509 *x,
                         struct maat_error *err)
{
    char cn[64] = "", name[96];
    time_t nb = 0, na = 0;
    maat__x509_cn(X509_get_subject_name(x), cn, sizeof cn);
    snprintf(name, sizeof name, "%s certificate \"%s\"", role, cn);
    MAAT_ENSURE(maat__asn1_time_to_unix(X509_get0_notBefore(x), &nb) == 0 &&
                    maat__asn1_time_to_unix(X509_get0_notAfter(x), &na) == 0,
                err, MAAT_ERR_VALUE,
                "%s: notBefore/notAfter unreadable (expected a UTCTime or "
                "GeneralizedTime within time_t)",
                name);
    add_item(vc, name, nb, na);
    return 0;
}

static int add_crl_item(struct maat_verified_collateral *vc, const char *name, X509_CRL *crl,
                        struct maat_error *err)
{
    time_t tu = 0, nu = 0;
    MAAT_ENSURE(maat__asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &tu) == 0 &&
                    X509_CRL_get0_nextUpdate(crl) != NULL &&
                    maat__asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &nu) == 0,
                err, MAAT_ERR_VALUE, "%s: thisUpdate/nextUpdate missing or unreadable", name);
    add_item(vc, name, tu, nu);
    return 0;
}

/* Loads an issuer chain (PEM), verifies it to a trust anchor, records each certificate's
 * validity window, and returns its first certificate (the signer; a new reference) and,
 * when key is not NULL, the signer's public key (a new reference: a signer checked by
 * maat__tcb_signer_direct is decoded without its key, so X509_get0_pubkey has none). */
static X509 *load_issuer_chain_ex(const struct maat_view *pem, const struct maat_trust *t,
                                  const char *what, const struct maat_anchor **anchor,
                                  struct maat_verified_collateral *vc, const char *role,
                                  bool learn_tail, EVP_PKEY **key, const void *decoded,
                                  struct maat_error *err)
{
    if (key) *key = NULL;
    if (pem->len == 0) {
        maat_error_set(err, MAAT_ERR_NOT_FOUND, "%s is missing", what);
        return NULL;
    }
    /* Intel's TCB Signing chain: the signer checked directly under the trust set's Intel
     * root (collateral_signer.c); any other shape, or a failed check, is verified below. */
    if (!learn_tail && key != NULL) {
        X509 *x = maat__tcb_signer_direct(pem->ptr, pem->len, t, anchor, key, (X509 *)decoded);
        if (x != NULL) {
            maat__issuer_chain_loads++;
            if (add_cert_item(vc, role, x, err) != 0) {
                EVP_PKEY_free(*key);
                *key = NULL;
                X509_free(x);
                return NULL;
            }
            return x;
        }
    }
    /* The PCK CA chain may already be a verified issuer tail of this trust set (a quote's
     * chain verified first, as `maat verify` resolves the chain before it reads the
     * collateral): the same certificates, verified to the same anchor, in the same order
     * (tails compare the text but for the whitespace around it, trust.c). */
    const struct maat__issuer *is = learn_tail ? maat__trust_issuer_find(t, pem->ptr, pem->len)
                                               : NULL;
    if (is != NULL) {
        if (add_cert_item(vc, role, is->ca, err) != 0) return NULL;
        *anchor = is->anchor;
        if (key != NULL) {
            EVP_PKEY_up_ref(is->ca_key);
            *key = is->ca_key;
        }
        X509_up_ref(is->ca);
        return is->ca;
    }
    /* Intel's PCK CRL issuer chain [PCK CA, root]: the CA checked directly under the trust
     * set's Intel root (collateral_signer.c), then remembered as a verified issuer tail
     * with its key; any other shape, or a failed check, is verified below. */
    if (learn_tail && key != NULL) {
        X509 *x = maat__pck_ca_direct(pem->ptr, pem->len, t, anchor, key, (X509 *)decoded);
        if (x != NULL) {
            maat__issuer_chain_loads++;
            if (add_cert_item(vc, role, x, err) != 0) {
                EVP_PKEY_free(*key);
                *key = NULL;
                X509_free(x);
                return NULL;
            }
            /* the path is the chain as sent: [CA, root]; not remembered when out of memory */
            STACK_OF(X509) *path = sk_X509_new_null();
            if (path != NULL && sk_X509_push(path, x) && sk_X509_push(path, (*anchor)->cert))
                maat__trust_issuer_learn_ca_chain(t, pem->ptr, pem->len, path, path, *key, true,
                                                  *anchor);
            sk_X509_free(path); /* the references stay with x and the anchor */
            return x;
        }
    }
    STACK_OF(X509) *sk = maat__x509_load_all_anchored(pem->ptr, pem->len, what, t, err);
    if (sk == NULL) return NULL;
    maat__issuer_chain_loads++;
    X509 *signer = sk_X509_value(sk, 0);
    STACK_OF(X509) *path = NULL;
    if (maat__chain_verify(signer, sk, t, what, anchor, learn_tail ? &path : NULL, err) != 0 ||
        add_cert_item(vc, role, signer, err) != 0) {
        sk_X509_pop_free(path, X509_free);
        sk_X509_pop_free(sk, X509_free);
        return NULL;
    }
    /* The PCK CRL issuer chain is the PCK CA chain of the platforms this collateral is
     * for: the trust set remembers it as verified, so that their quotes' chains (the same
     * CA and root after the leaf) need only the leaf checked (trust.c, pck_cache.c). */
    if (learn_tail)
        maat__trust_issuer_learn_ca_chain(t, pem->ptr, pem->len, sk, path, X509_get0_pubkey(signer),
                                          false, *anchor);
    sk_X509_pop_free(path, X509_free);
    if (key != NULL && (*key = X509_get0_pubkey(signer)) != NULL) EVP_PKEY_up_ref(*key);
    X509_up_ref(signer);
    sk_X509_pop_free(sk, X509_free);
    return signer;
}

static X509 *load_issuer_chain(const struct maat_view *pem, const struct maat_trust *t,
                               const char *what, const struct maat_anchor **anchor,
                               struct maat_verified_collateral *vc, const char *role,
                               EVP_PKEY **key, const void *decoded, struct maat_error *err)
{
    return load_issuer_chain_ex(pem, t, what, anchor, vc, role, false, key, decoded, err);
}

/* A CRL: the bundle check's decoding when its encoding is the view byte for byte (then
 * decoding the view would give the same CRL; a new reference), else the view decoded. */
static X509_CRL *crl_load(const void *decoded, const struct maat_view *v, const char *what,
                          struct maat_error *err)
{
    X509_CRL *pre = (X509_CRL *)decoded;
    if (pre != NULL && v->len > 0) {
        unsigned char *enc = NULL;
        int n = i2d_X509_CRL(pre, &enc);
        bool same = n > 0 && (size_t)n == v->len && memcmp(enc, v->ptr, v->len) == 0;
        OPENSSL_free(enc);
        ERR_clear_error();
        if (same && X509_CRL_up_ref(pre) == 1) {
            maat__bundle_decodings_taken++;
            return pre;
        }
    }
    return maat__crl_load(v->ptr, v->len, what, err);
}

static char *dup_view(const struct maat_view *v)
{
    char *s = malloc(v->len + 1);
    if (s == NULL) return NULL;
    if (v->len) memcpy(s, v->ptr, v->len);
    s[v->len] = '\0';
    return s;
}

_Thread_local unsigned long maat__collateral_body_parses;

/* True when `body`/`sig_hex` are exactly what a bundle parsed into a struct whose signed
 * body is `parsed_body` and signature `parsed_sig`: the same bytes in the same place
 * (maat_collateral_input_from_bundle's views) and the hex of the parsed signature. The
 * parsers are deterministic, so parsing them again would give the same struct. */
static bool parsed_from(const struct maat_view *body, const struct maat_view *sig_hex,
                        const struct maat_view *parsed_body, const uint8_t parsed_sig[64])
{
    char hex[129];
    if (body->len == 0 || body->ptr != parsed_body->ptr || body->len != parsed_body->len ||
        sig_hex->len != 128)
        return false;
    maat_hex_encode(parsed_sig, 64, hex);
    return memcmp(sig_hex->ptr, hex, 128) == 0;
}

static int parse_tcb_info(const struct maat_collateral_input *in,
                          struct maat_verified_collateral *vc, struct maat_error *err)
{
    const struct maat_tcb_info *p = in->tcb_info_parsed;
    if (in->tcb_info_json.len == 0 && p != NULL &&
        parsed_from(&in->tcb_info_body, &in->tcb_info_signature, &p->signed_body, p->signature)) {
        MAAT_ENSURE((vc->tcb_text = dup_view(&in->tcb_info_body)) != NULL &&
                        maat__tcb_info_copy(&vc->tcb_info, p, vc->tcb_text) == 0,
                    err, MAAT_ERR_NOMEM, "TCB info: out of memory");
        return 0;
    }
    maat__collateral_body_parses++;
    if (in->tcb_info_json.len) {
        MAAT_ENSURE((vc->tcb_text = dup_view(&in->tcb_info_json)) != NULL, err, MAAT_ERR_NOMEM,
                    "TCB info: out of memory");
        return maat_tcb_info_parse(vc->tcb_text, in->tcb_info_json.len, &vc->tcb_info, err);
    }
    MAAT_ENSURE(in->tcb_info_body.len && in->tcb_info_signature.len, err, MAAT_ERR_NOT_FOUND,
                "TCB info is missing from the collateral");
    MAAT_ENSURE((vc->tcb_text = dup_view(&in->tcb_info_body)) != NULL, err, MAAT_ERR_NOMEM,
                "TCB info: out of memory");
    return maat_tcb_info_parse_body(vc->tcb_text, in->tcb_info_body.len,
                                    (const char *)in->tcb_info_signature.ptr,
                                    in->tcb_info_signature.len, &vc->tcb_info, err);
}

static int parse_qe_identity(const struct maat_collateral_input *in,
                             struct maat_verified_collateral *vc, struct maat_error *err)
{
    const struct maat_enclave_identity *p = in->qe_identity_parsed;
    if (in->qe_identity_json.len == 0 && p != NULL &&
        parsed_from(&in->qe_identity_body, &in->qe_identity_signature, &p->signed_body,
                    p->signature)) {
        MAAT_ENSURE((vc->qe_text = dup_view(&in->qe_identity_body)) != NULL &&
                        maat__enclave_identity_copy(&vc->qe_identity, p, vc->qe_text) == 0,
                    err, MAAT_ERR_NOMEM, "QE identity: out of memory");
        return 0;
    }
    maat__collateral_body_parses++;
    if (in->qe_identity_json.len) {
        MAAT_ENSURE((vc->qe_text = dup_view(&in->qe_identity_json)) != NULL, err, MAAT_ERR_NOMEM,
                    "QE identity: out of memory");
        return maat_enclave_identity_parse(vc->qe_text, in->qe_identity_json.len, &vc->qe_identity,
                                           err);
    }
    MAAT_ENSURE(in->qe_identity_body.len && in->qe_identity_signature.len, err, MAAT_ERR_NOT_FOUND,
                "QE identity is missing from the collateral");
    MAAT_ENSURE((vc->qe_text = dup_view(&in->qe_identity_body)) != NULL, err, MAAT_ERR_NOMEM,
                "QE identity: out of memory");
    return maat_enclave_identity_parse_body(vc->qe_text, in->qe_identity_body.len,
                                            (const char *)in->qe_identity_signature.ptr,
                                            in->qe_identity_signature.len, &vc->qe_identity, err);
}

/* The body's SHA-256 is taken once, for its signature and as the recorded hash (issue 16:
 * it was taken twice, here and in record_hashes). *ctx is the verify context for signer:
 * made on first use, reused for the next body under the same key (the QE identity's under
 * Intel's one TCB Signing key), freed by the caller. */
static int check_body_signature(EVP_PKEY *signer, EVP_PKEY_CTX **ctx, const struct maat_view *body,
                                const uint8_t sig[64], const char *what, uint8_t digest[32],
                                struct maat_error *err)
{
    maat__sha256(body->ptr, body->len, digest);
    if (signer != NULL && *ctx == NULL) *ctx = maat__ecdsa_verify_ctx_new(signer);
    int ok = *ctx != NULL ? maat__ecdsa_verify_digest_rs_ctx(*ctx, digest, sig) : 0;
    MAAT_ENSURE(ok == 1, err, MAAT_ERR_CRYPTO,
                "%s: signature does not verify under the TCB Signing key (over the exact %zu "
                "signed bytes)",
                what, body->len);
    return 0;
}

static int check_crl_signed_by(X509_CRL *crl, X509 *issuer, EVP_PKEY *key, const char *what,
                               struct maat_error *err)
{
    char want[128] = "", got[128] = "";
    maat__x509_cn(X509_get_subject_name(issuer), want, sizeof want);
    maat__x509_cn(X509_CRL_get_issuer(crl), got, sizeof got);
    MAAT_ENSURE(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) == 0, err,
                MAAT_ERR_VALUE, "%s: issued by \"%s\", expected \"%s\"", what, got, want);
    int ok = key != NULL ? X509_CRL_verify(crl, key) : 0;
    ERR_clear_error();
    MAAT_ENSURE(ok == 1, err, MAAT_ERR_CRYPTO, "%s: signature does not verify under \"%s\"", what,
                want);
    return 0;
}

/* The bodies' hashes were taken with their signatures (check_body_signature). Intel sends
 * one chain text for both documents: equal bytes are hashed once. */
static void record_hashes(const struct maat_collateral_input *in, struct maat_verified_collateral *vc)
{
    struct maat_collateral_hashes *h = &vc->hashes;
    const struct maat_view *tcb_chain = &in->tcb_info_issuer_chain;
    const struct maat_view *qe_chain = in->qe_identity_issuer_chain.len
                                           ? &in->qe_identity_issuer_chain
                                           : tcb_chain;
    maat__sha256(tcb_chain->ptr, tcb_chain->len, h->tcbinfocertshash);
    if (qe_chain->len == tcb_chain->len && (qe_chain->ptr == tcb_chain->ptr || qe_chain->len == 0 ||
                                            memcmp(qe_chain->ptr, tcb_chain->ptr, qe_chain->len) == 0))
        memcpy(h->qeidcertshash, h->tcbinfocertshash, 32);
    else
        maat__sha256(qe_chain->ptr, qe_chain->len, h->qeidcertshash);
    maat__sha256_2(in->root_ca_crl.ptr, in->root_ca_crl.len, in->pck_crl.ptr, in->pck_crl.len,
                   h->tcbinfocrlhash);
    memcpy(h->qeidcrlhash, h->tcbinfocrlhash, 32);
}

void maat_verified_collateral_hashes(const struct maat_verified_collateral *vc,
                                     struct maat_collateral_hashes *out)
{
    *out = vc->hashes;
}

void maat_verified_collateral_free(struct maat_verified_collateral *vc)
{
    if (vc == NULL) return;
    maat_tcb_info_cleanup(&vc->tcb_info);
    maat_enclave_identity_cleanup(&vc->qe_identity);
    free(vc->tcb_text);
    free(vc->qe_text);
    X509_CRL_free(vc->root_crl);
    X509_CRL_free(vc->pck_crl);
    X509_free(vc->pck_crl_issuer);
    free(vc);
}

int maat_collateral_verify(const struct maat_collateral_input *in, const struct maat_trust *trust,
                           time_t at, struct maat_verified_collateral **out, struct maat_error *err)
{
    (void)at; /* dates are judged per verdict, see the file comment */
    *out = NULL;
    struct maat_verified_collateral *vc = calloc(1, sizeof *vc);
    X509 *tcb_signer = NULL, *qe_signer = NULL;
    EVP_PKEY *tcb_key = NULL, *qe_key = NULL, *pck_ca_key = NULL;
    const struct maat_anchor *a_tcb = NULL, *a_qe = NULL, *a_pck = NULL;
    if (vc == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "collateral: out of memory");

    if (parse_tcb_info(in, vc, err) != 0 || parse_qe_identity(in, vc, err) != 0) goto fail;

    tcb_signer = load_issuer_chain(&in->tcb_info_issuer_chain, trust, "TCB info issuer chain",
                                   &a_tcb, vc, "TCB Signing", &tcb_key,
                                   in->decoded[MAAT__DECODED_TCB_SIGNER], err);
    if (tcb_signer == NULL) goto fail;
    const struct maat_view *qe_chain = in->qe_identity_issuer_chain.len
                                           ? &in->qe_identity_issuer_chain
                                           : &in->tcb_info_issuer_chain;
    if (qe_chain->len == in->tcb_info_issuer_chain.len &&
        memcmp(qe_chain->ptr, in->tcb_info_issuer_chain.ptr, qe_chain->len) == 0) {
        /* The same chain text (Intel sends the TCB Signing chain for both, or the QE
         * identity's is absent): decoding and verifying it again would reach the same
         * verdict on the same bytes, so its signer and anchor are taken as they are. */
        X509_up_ref(tcb_signer);
        qe_signer = tcb_signer;
        if (tcb_key) EVP_PKEY_up_ref(tcb_key);
        qe_key = tcb_key;
        a_qe = a_tcb;
    } else {
        qe_signer = load_issuer_chain(qe_chain, trust, "QE identity issuer chain", &a_qe, vc,
                                      "QE identity signing", &qe_key, NULL, err);
        if (qe_signer == NULL) goto fail;
        if (X509_cmp(qe_signer, tcb_signer) == 0) vc->item_count--; /* one certificate, one item */
    }
    EVP_PKEY_CTX *tcb_ctx = NULL, *qe_ctx = NULL;
    int body_rc = check_body_signature(tcb_key, &tcb_ctx, &vc->tcb_info.signed_body,
                                       vc->tcb_info.signature, "TCB info", vc->hashes.tcbinfohash,
                                       err);
    if (body_rc == 0)
        body_rc = check_body_signature(qe_key, qe_key == tcb_key ? &tcb_ctx : &qe_ctx,
                                       &vc->qe_identity.signed_body, vc->qe_identity.signature,
                                       "QE identity", vc->hashes.qeidhash, err);
    EVP_PKEY_CTX_free(tcb_ctx);
    EVP_PKEY_CTX_free(qe_ctx);
    if (body_rc != 0) goto fail;

    vc->pck_crl_issuer = load_issuer_chain_ex(&in->pck_crl_issuer_chain, trust,
                                              "PCK CRL issuer chain", &a_pck, vc, "PCK CA", true,
                                              &pck_ca_key, in->decoded[MAAT__DECODED_PCK_CA], err);
    if (vc->pck_crl_issuer == NULL) goto fail;
    if (a_pck != a_tcb || a_qe != a_tcb) {
        maat_error_set(err, MAAT_ERR_CRYPTO,
                       "collateral: issuer chains end in different trust anchors (\"%s\" vs "
                       "\"%s\")",
                       a_tcb->label, a_pck->label);
        goto fail;
    }
    vc->anchor = a_tcb;
    char cn[128];
    maat__x509_cn(X509_get_subject_name(vc->pck_crl_issuer), cn, sizeof cn);
    vc->pck_ca = maat_pck_ca_from_cn(cn, strlen(cn));

    vc->root_crl = crl_load(in->decoded[MAAT__DECODED_ROOT_CRL], &in->root_ca_crl, "Root CA CRL",
                            err);
    vc->pck_crl = vc->root_crl
                      ? crl_load(in->decoded[MAAT__DECODED_PCK_CRL], &in->pck_crl, "PCK CRL", err)
                      : NULL;
    if (vc->pck_crl == NULL) goto fail;
    if (check_crl_signed_by(vc->root_crl, vc->anchor->cert, vc->anchor->key, "Root CA CRL", err) != 0 ||
        check_crl_signed_by(vc->pck_crl, vc->pck_crl_issuer, pck_ca_key, "PCK CRL", err) != 0)
        goto fail;
    if (add_crl_item(vc, "Root CA CRL", vc->root_crl, err) != 0 ||
        add_crl_item(vc, "PCK CRL", vc->pck_crl, err) != 0)
        goto fail;
    add_item(vc, "TCB info", vc->tcb_info.issue_date, vc->tcb_info.next_update);
    add_item(vc, "QE identity", vc->qe_identity.issue_date, vc->qe_identity.next_update);

    record_hashes(in, vc);
    X509_free(tcb_signer);
    X509_free(qe_signer);
    EVP_PKEY_free(tcb_key);
    EVP_PKEY_free(qe_key);
    EVP_PKEY_free(pck_ca_key);
    *out = vc;
    return 0;
fail:
    maat_error_prefix(err, "collateral");
    X509_free(tcb_signer);
    X509_free(qe_signer);
    EVP_PKEY_free(tcb_key);
    EVP_PKEY_free(qe_key);
    EVP_PKEY_free(pck_ca_key);
    maat_verified_collateral_free(vc);
    return -1;
}

const struct maat_tcb_info *maat_verified_collateral_tcb_info(const struct maat_verified_collateral *vc)
{
    return &vc->tcb_info;
}

const struct maat_enclave_identity *
maat_verified_collateral_qe_identity(const struct maat_verified_collateral *vc)
{
    return &vc->qe_identity;
}

enum maat_pck_ca maat_verified_collateral_pck_ca(const struct maat_verified_collateral *vc)
{
    return vc->pck_ca;
}

void maat_verified_collateral_window(const struct maat_verified_collateral *vc,
                                     struct maat_collateral_window *w)
{
    memset(w, 0, sizeof *w);
    for (size_t i = 0; i < vc->item_count; i++) {
        const struct maat_dated_item *it = &vc->items[i];
        if (i == 0 || it->not_before > w->not_before) w->not_before = it->not_before;
        if (i == 0 || it->not_after < w->not_after) {
            w->not_after = it->not_after;
            w->limiting = it->name;
        }
    }
}

static struct maat_view view_of(const void *p, size_t n)
{
    struct maat_view v = {p, p ? n : 0};
    return v;
}

void maat_collateral_input_from_bundle(const struct maat_collateral_bundle *b,
                                       struct maat_collateral_input *in)
{
    memset(in, 0, sizeof *in);
    in->pck_crl_issuer_chain = view_of(
        b->pck_crl_issuer_chain, b->pck_crl_issuer_chain ? strlen(b->pck_crl_issuer_chain) : 0);
    in->root_ca_crl = view_of(b->root_ca_crl, b->root_ca_crl_len);
    in->pck_crl = view_of(b->pck_crl, b->pck_crl_len);
    in->tcb_info_issuer_chain = view_of(
        b->tcb_info_issuer_chain, b->tcb_info_issuer_chain ? strlen(b->tcb_info_issuer_chain) : 0);
    in->tcb_info_body = view_of(b->tcb_info_text, b->tcb_info_text_len);
    in->qe_identity_issuer_chain = view_of(
        b->qe_identity_issuer_chain,
        b->qe_identity_issuer_chain ? strlen(b->qe_identity_issuer_chain) : 0);
    in->qe_identity_body = view_of(b->qe_identity_text, b->qe_identity_text_len);
    maat_hex_encode(b->tcb_info.signature, 64, in->sig_hex_storage[0]);
    maat_hex_encode(b->qe_identity.signature, 64, in->sig_hex_storage[1]);
    in->tcb_info_signature = view_of(in->sig_hex_storage[0], 128);
    in->qe_identity_signature = view_of(in->sig_hex_storage[1], 128);
    /* only a fully parsed bundle has bodies to take over (a failed parse is zeroed) */
    if (b->tcb_info.levels != NULL) in->tcb_info_parsed = &b->tcb_info;
    if (b->qe_identity.levels != NULL) in->qe_identity_parsed = &b->qe_identity;
    for (int i = 0; i < 4; i++) in->decoded[i] = b->decoded[i];
}
