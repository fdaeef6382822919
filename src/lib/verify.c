/*
 * verify.c - DCAP quote verification, one function per step, in Intel QVL's order.
 *
 * Steps that do not depend on an earlier failure still run, so a verdict lists every
 * problem (an expired PCK certificate and expired collateral, say), while failed_step
 * and qvl_result name the first. Sources for the rules: Intel's QVL
 * (QuoteVerifier.cpp, EnclaveReportVerifier.cpp, TCB level selection) and
 * ../shared/spec/dcap.md; see docs/verify.md.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "maat/tdx.h"
#include "tcb_policy_internal.h"
#include "verify_internal.h"

static const uint8_t intel_qe_vendor_id[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                               0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

static const char *const step_names[MAAT_STEP__COUNT] = {
    [MAAT_STEP_STRUCTURE] = "structure",
    [MAAT_STEP_PCK_CHAIN] = "pck_chain",
    [MAAT_STEP_VALIDITY] = "validity",
    [MAAT_STEP_CRL] = "revocation",
    [MAAT_STEP_QE_REPORT_SIGNATURE] = "qe_report_signature",
    [MAAT_STEP_AK_BINDING] = "attestation_key_binding",
    [MAAT_STEP_QUOTE_SIGNATURE] = "quote_signature",
    [MAAT_STEP_QE_IDENTITY] = "qe_identity",
    [MAAT_STEP_TCB_INFO] = "tcb_info",
    [MAAT_STEP_COLLATERAL_TIME] = "collateral_time",
    [MAAT_STEP_STATUS] = "status",
};

const char *maat_verify_step_name(enum maat_verify_step s)
{
    return (unsigned)s < MAAT_STEP__COUNT ? step_names[s] : "unknown";
}

static const char *const qvl_names[MAAT_QVL__COUNT] = {
    [MAAT_QVL_OK] = "SGX_QL_QV_RESULT_OK",
    [MAAT_QVL_CONFIG_NEEDED] = "SGX_QL_QV_RESULT_CONFIG_NEEDED",
    [MAAT_QVL_OUT_OF_DATE] = "SGX_QL_QV_RESULT_OUT_OF_DATE",
    [MAAT_QVL_OUT_OF_DATE_CONFIG_NEEDED] = "SGX_QL_QV_RESULT_OUT_OF_DATE_CONFIG_NEEDED",
    [MAAT_QVL_INVALID_SIGNATURE] = "SGX_QL_QV_RESULT_INVALID_SIGNATURE",
    [MAAT_QVL_REVOKED] = "SGX_QL_QV_RESULT_REVOKED",
    [MAAT_QVL_UNSPECIFIED] = "SGX_QL_QV_RESULT_UNSPECIFIED",
    [MAAT_QVL_SW_HARDENING_NEEDED] = "SGX_QL_QV_RESULT_SW_HARDENING_NEEDED",
    [MAAT_QVL_CONFIG_AND_SW_HARDENING_NEEDED] = "SGX_QL_QV_RESULT_CONFIG_AND_SW_HARDENING_NEEDED",
    [MAAT_QVL_TCB_NOT_SUPPORTED] = "SGX_QL_TCB_NOT_SUPPORTED",
    [MAAT_QVL_COLLATERAL_EXPIRED] = "SGX_QL_QV_RESULT_COLLATERAL_EXPIRED",
    [MAAT_QVL_TD_RELAUNCH_ADVISED] = "SGX_QL_QV_RESULT_TD_RELAUNCH_ADVISED",
    [MAAT_QVL_TD_RELAUNCH_ADVISED_CONFIG_NEEDED] =
        "SGX_QL_QV_RESULT_TD_RELAUNCH_ADVISED_CONFIG_NEEDED",
};

const char *maat_qvl_result_name(enum maat_qvl_result r)
{
    return (unsigned)r < MAAT_QVL__COUNT ? qvl_names[r] : "unknown";
}

/* Per-call state: what earlier steps established for later ones. */
struct run {
    const struct maat_quote *q;
    const struct maat_verified_collateral *vc;
    const struct maat_trust *trust;
    const struct maat_verify_opts *opts;
    struct maat_verdict *v;
    struct maat_pck_chain *pe; /* the verified PCK chain (fresh or from the cache) */
    X509 *leaf;                /* pe->leaf */
    STACK_OF(X509) *chain;     /* pe->chain: leaf, CA(s), root */
    const struct maat_anchor *anchor;
    EVP_PKEY *ak;
    const struct maat_tcb_level *tcb_level;
    const struct maat_enclave_tcb_level *qe_level;
    bool pck_revoked; /* a CRL lists the PCK leaf or its CA: Revoked, whatever the TCB */
    bool failed;
    /* TD quotes only (tdx != NULL): maat's appraisal opt-ins, the TDX verdict part, and
     * the TCB evaluations of TEE_TCB_SVN (launch) and TEE_TCB_SVN_2 (current). */
    const struct maat_tdx_opts *tdx;
    struct maat_tdx_verdict *tv;
    struct maat_tdx_tcb_eval launch, current;
    bool has_current;
};

static void fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, 32, "%lld", (long long)t);
}

/* Records a failed step. The first failure sets failed_step and qvl_result; later ones
 * are appended to the reason. Returns -1. */
__attribute__((format(printf, 4, 5))) static int fail(struct run *r, enum maat_verify_step step,
                                                      enum maat_qvl_result qvl, const char *fmt, ...)
{
    struct maat_verdict *v = r->v;
    v->steps[step] = MAAT_STEP_FAILED;
    char msg[MAAT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!r->failed) {
        r->failed = true;
        v->failed_step = step;
        v->qvl_result = qvl;
        snprintf(v->reason, sizeof v->reason, "%s", msg);
    } else {
        /* Append "; msg", truncating at the end of the buffer. */
        size_t n = strlen(v->reason), room = sizeof v->reason - 1 - n;
        if (room > 2) {
            memcpy(v->reason + n, "; ", 2);
            size_t m = strnlen(msg, room - 2);
            memcpy(v->reason + n + 2, msg, m);
            v->reason[n + 2 + m] = '\0';
        }
    }
    return -1;
}

static int pass(struct run *r, enum maat_verify_step step)
{
    r->v->steps[step] = MAAT_STEP_PASSED;
    return 0;
}

/* 1. Structure: what the parser cannot judge alone. */
static int step_structure(struct run *r)
{
    const struct maat_quote *q = r->q;
    if (r->tdx == NULL && q->tee_type != MAAT_TEE_TYPE_SGX)
        return fail(r, MAAT_STEP_STRUCTURE, MAAT_QVL_UNSPECIFIED,
                    "tee type 0x%08x is not SGX: verify it as a TD quote", q->tee_type);
    if (r->tdx != NULL && (q->tee_type != MAAT_TEE_TYPE_TDX || q->td_report.raw == NULL))
        return fail(r, MAAT_STEP_STRUCTURE, MAAT_QVL_UNSPECIFIED,
                    "tee type 0x%08x is not TDX: not a TD quote", q->tee_type);
    if (r->tdx != NULL && q->outer_cert_type != MAAT_CERT_QE_REPORT)
        return fail(r, MAAT_STEP_STRUCTURE, MAAT_QVL_UNSPECIFIED,
                    "a TD quote must carry certification data type 6, not %u", q->outer_cert_type);
    if (memcmp(q->qe_vendor_id, intel_qe_vendor_id, 16) != 0) {
        char hex[33];
        maat_hex_encode(q->qe_vendor_id, 16, hex);
        return fail(r, MAAT_STEP_STRUCTURE, MAAT_QVL_UNSPECIFIED,
                    "QE vendor id %s is not Intel's (939a7233f79c4ca9940a0db3957f0607)", hex);
    }
    return pass(r, MAAT_STEP_STRUCTURE);
}

/* The bytes that carry the PCK chain: the quote's type-5 data, or the supplied PEM. */
static int chain_bytes(struct run *r, struct maat_view *out)
{
    const struct maat_cert_data *cd = &r->q->cert_data;
    if (cd->type == MAAT_CERT_PCK_CHAIN) {
        *out = cd->data;
        return 0;
    }
    if (r->opts->pck_chain_pem.len) {
        *out = r->opts->pck_chain_pem;
        return 0;
    }
    return fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED,
                "the quote carries certification data type %u (%s), not a PCK chain: supply the "
                "PCK certificate and its chain",
                cd->type, maat_cert_type_name(cd->type));
}

/* Verifies a PCK chain from scratch into a new entry (the expensive path). */
static struct maat_pck_chain *build_pck_entry(struct run *r, const struct maat_view *bytes)
{
    struct maat_error e = {0};
    struct maat_pck_chain *pe = NULL;
    STACK_OF(X509) *certs = maat__x509_load_all(bytes->ptr, bytes->len,
                                               r->q->cert_data.type == MAAT_CERT_PCK_CHAIN
                                                   ? "certification data (PCK chain)"
                                                   : "supplied PCK certificate chain",
                                               &e);
    if (certs == NULL) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "%s", e.msg);
        return NULL;
    }
    X509 *leaf = maat__x509_find_leaf(certs);
    char cn[128] = "";
    if (leaf) maat__x509_cn(X509_get_subject_name(leaf), cn, sizeof cn);
    if (leaf == NULL) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "no PCK leaf certificate in the chain");
        goto out;
    }
    if (strstr(cn, "SGX PCK Certificate") == NULL) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED,
             "PCK leaf subject CN \"%s\" does not contain \"SGX PCK Certificate\"", cn);
        goto out;
    }
    pe = maat__pck_entry_new();
    if (pe == NULL) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "out of memory");
        goto out;
    }
    pe->trust = r->trust;
    pe->bytes = malloc(bytes->len ? bytes->len : 1);
    if (pe->bytes == NULL) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "out of memory");
        goto bad;
    }
    memcpy(pe->bytes, bytes->ptr, bytes->len);
    pe->len = bytes->len;
    if (maat__chain_verify(leaf, certs, r->trust, "PCK certificate chain", &pe->anchor, &pe->chain,
                           &e) != 0) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_INVALID_SIGNATURE, "%s", e.msg);
        goto bad;
    }
    pe->leaf = sk_X509_value(pe->chain, 0);
    pe->leaf_key = X509_get_pubkey(pe->leaf);
    if (pe->leaf_key == NULL) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "PCK leaf: unreadable public key");
        goto bad;
    }
    if (maat__pck_info_from_x509(pe->leaf, &pe->pck, &e) != 0) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "PCK leaf: %s", e.msg);
        goto bad;
    }
    pe->n = (size_t)sk_X509_num(pe->chain);
    if (pe->n > MAAT_PCK_CHAIN_CERTS) {
        fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED, "PCK chain longer than %d certificates",
             MAAT_PCK_CHAIN_CERTS);
        goto bad;
    }
    for (size_t i = 0; i < pe->n; i++) {
        X509 *c = sk_X509_value(pe->chain, (int)i);
        maat__x509_cn(X509_get_subject_name(c), pe->cn[i], sizeof pe->cn[i]);
        if (maat__asn1_time_to_unix(X509_get0_notBefore(c), &pe->not_before[i]) != 0 ||
            maat__asn1_time_to_unix(X509_get0_notAfter(c), &pe->not_after[i]) != 0) {
            fail(r, MAAT_STEP_PCK_CHAIN, MAAT_QVL_UNSPECIFIED,
                 "certificate \"%s\": unreadable validity dates", pe->cn[i]);
            goto bad;
        }
    }
    goto out;
bad:
    maat_pck_chain_release(pe);
    pe = NULL;
out:
    sk_X509_pop_free(certs, X509_free);
    return pe;
}

/* The chain the caller resolved for this quote (maat_pck_chain_resolve), when it was built
 * from these very bytes under this trust set. */
static struct maat_pck_chain *given_chain(const struct run *r, const struct maat_view *bytes)
{
    struct maat_pck_chain *pe = (struct maat_pck_chain *)r->opts->pck_chain;
    if (pe == NULL || pe->trust != r->trust || pe->len != bytes->len ||
        memcmp(pe->bytes, bytes->ptr, bytes->len) != 0)
        return NULL;
    __atomic_add_fetch(&pe->refs, 1, __ATOMIC_ACQ_REL);
    return pe;
}

/* 2. PCK chain to a trusted root (anchor matched by key); the leaf's SGX extension.
 * With a cache, a chain already verified under this trust set is not verified again. */
static int step_pck_chain(struct run *r)
{
    struct maat_view bytes = {NULL, 0};
    if (chain_bytes(r, &bytes) != 0) return -1;
    r->pe = given_chain(r, &bytes);
    uint64_t hash = 0;
    struct maat_pck_cache *cache = r->opts->pck_cache;
    if (r->pe == NULL && cache) {
        hash = maat__pck_chain_hash(bytes.ptr, bytes.len);
        r->pe = maat__pck_cache_get(cache, hash, bytes.ptr, bytes.len, r->trust);
    }
    if (r->pe == NULL) {
        /* a platform seen for the first time: when its PCK CA chain was verified before,
         * only the leaf is checked; otherwise (or when any check fails) the full path */
        r->pe = maat__pck_first_seen(r->trust, bytes.ptr, bytes.len);
        if (r->pe == NULL) {
            r->pe = build_pck_entry(r, &bytes);
            if (r->pe == NULL) return -1;
            maat__trust_issuer_learn(r->trust, r->pe);
        }
        if (cache) {
            r->pe->hash = hash;
            maat__pck_cache_put(cache, r->pe);
        }
    }
    r->leaf = r->pe->leaf;
    r->chain = r->pe->chain;
    r->anchor = r->pe->anchor;
    r->v->pck = r->pe->pck;
    memcpy(r->v->fmspc, r->pe->pck.fmspc, 6);
    memcpy(r->v->pce_id, r->pe->pck.pce_id, 2);
    r->v->trusted_root_simulated = r->anchor->simulated;
    snprintf(r->v->root_label, sizeof r->v->root_label, "%s", r->anchor->label);
    return pass(r, MAAT_STEP_PCK_CHAIN);
}

/* 3. Validity windows of the PCK chain's certificates at the verification time. */
static int step_validity(struct run *r)
{
    int bad = 0;
    char t1[32], t2[32];
    const struct maat_pck_chain *pe = r->pe;
    for (size_t i = 0; i < pe->n; i++) {
        if (r->opts->at > pe->not_after[i]) {
            fmt_time(pe->not_after[i], t1);
            fmt_time(r->opts->at, t2);
            bad = fail(r, MAAT_STEP_VALIDITY, MAAT_QVL_COLLATERAL_EXPIRED,
                       "certificate \"%s\" expired at %s (notAfter; verification time %s)",
                       pe->cn[i], t1, t2);
        } else if (r->opts->at < pe->not_before[i]) {
            fmt_time(pe->not_before[i], t1);
            fmt_time(r->opts->at, t2);
            bad = fail(r, MAAT_STEP_VALIDITY, MAAT_QVL_COLLATERAL_EXPIRED,
                       "certificate \"%s\" is not valid before %s (verification time %s)",
                       pe->cn[i], t1, t2);
        }
    }
    return bad ? -1 : pass(r, MAAT_STEP_VALIDITY);
}

/* 4. Revocation: the PCK CA against the Root CA CRL, the leaf against the PCK CRL of
 * the CA that issued it (Processor or Platform), each CRL's signature already checked
 * when the collateral was verified. */
static int step_crl(struct run *r)
{
    const struct maat_verified_collateral *vc = r->vc;
    if (vc->anchor != r->anchor)
        return fail(r, MAAT_STEP_CRL, MAAT_QVL_UNSPECIFIED,
                    "the collateral is signed under trust anchor \"%s\" but the PCK chain ends in "
                    "\"%s\"",
                    vc->anchor->label, r->anchor->label);
    X509 *ca = sk_X509_num(r->chain) > 1 ? sk_X509_value(r->chain, 1) : NULL;
    char leaf_issuer[128], crl_issuer[128];
    maat__x509_cn(X509_get_issuer_name(r->leaf), leaf_issuer, sizeof leaf_issuer);
    maat__x509_cn(X509_get_subject_name(vc->pck_crl_issuer), crl_issuer, sizeof crl_issuer);
    if (ca == NULL ||
        X509_NAME_cmp(X509_get_subject_name(ca), X509_get_subject_name(vc->pck_crl_issuer)) != 0 ||
        /* the same certificate (X509_cmp: cached digest, then DER) needs no key compare;
         * either may be decoded without its key (collateral_signer.c, pck_cache.c) */
        (X509_cmp(ca, vc->pck_crl_issuer) != 0 && !maat__x509_same_key(ca, vc->pck_crl_issuer)))
        return fail(r, MAAT_STEP_CRL, MAAT_QVL_UNSPECIFIED,
                    "the PCK CRL is issued by \"%s\" but the PCK certificate by \"%s\": wrong "
                    "PCK CRL for this quote",
                    crl_issuer, leaf_issuer);
    X509_REVOKED *entry = NULL;
    char serial[80];
    if (X509_CRL_get0_by_cert(vc->pck_crl, &entry, r->leaf) == 1) {
        maat__x509_serial_hex(r->leaf, serial, sizeof serial);
        r->pck_revoked = true;
        return fail(r, MAAT_STEP_CRL, MAAT_QVL_REVOKED,
                    "PCK certificate (serial %s) is revoked by the PCK CRL of \"%s\"", serial,
                    crl_issuer);
    }
    for (int i = 1; i + 1 < sk_X509_num(r->chain); i++) {
        X509 *c = sk_X509_value(r->chain, i);
        if (X509_CRL_get0_by_cert(vc->root_crl, &entry, c) == 1) {
            char cn[128];
            maat__x509_cn(X509_get_subject_name(c), cn, sizeof cn);
            maat__x509_serial_hex(c, serial, sizeof serial);
            r->pck_revoked = true;
            return fail(r, MAAT_STEP_CRL, MAAT_QVL_REVOKED,
                        "\"%s\" (serial %s) is revoked by the Root CA CRL", cn, serial);
        }
    }
    return pass(r, MAAT_STEP_CRL);
}

/* 5. The QE report is signed by the PCK leaf key. */
static int step_qe_report_signature(struct run *r)
{
    /* the leaf key is the same for every quote of the platform: its verify contexts are
     * kept with the chain */
    EVP_PKEY_CTX *c = maat__ctx_pool_get(&r->pe->leaf_verify);
    if (c == NULL) c = maat__ecdsa_verify_ctx_new(r->pe->leaf_key);
    int ok = c != NULL ? maat__ecdsa_verify_rs_ctx(c, r->q->qe_report.raw, MAAT_SGX_REPORT_BODY_SIZE,
                                                   r->q->qe_report_signature)
                       : -1;
    if (ok >= 0)
        maat__ctx_pool_put(&r->pe->leaf_verify, c);
    else
        EVP_PKEY_CTX_free(c);
    if (ok != 1)
        return fail(r, MAAT_STEP_QE_REPORT_SIGNATURE, MAAT_QVL_INVALID_SIGNATURE,
                    "QE report signature does not verify under the PCK certificate's key");
    return pass(r, MAAT_STEP_QE_REPORT_SIGNATURE);
}

/* 6. QE report data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes. */
static int step_ak_binding(struct run *r)
{
    const struct maat_quote *q = r->q;
    /* QE auth data is normally 32 bytes: hash from the stack, allocate only beyond that. */
    uint8_t small[64 + 256];
    size_t n = 64 + q->qe_auth_data.len;
    uint8_t *buf = n <= sizeof small ? small : malloc(n);
    if (buf == NULL) return fail(r, MAAT_STEP_AK_BINDING, MAAT_QVL_UNSPECIFIED, "out of memory");
    memcpy(buf, q->attest_pub_key, 64);
    if (q->qe_auth_data.len) memcpy(buf + 64, q->qe_auth_data.ptr, q->qe_auth_data.len);
    uint8_t h[32];
    maat__sha256(buf, n, h);
    if (buf != small) free(buf);
    if (!maat_memeq_ct(h, q->qe_report.report_data, 32))
        return fail(r, MAAT_STEP_AK_BINDING, MAAT_QVL_INVALID_SIGNATURE,
                    "QE report data[0:32] is not SHA-256(attestation key || QE auth data): the "
                    "attestation key is not bound to the QE");
    if (!maat_is_zero(q->qe_report.report_data + 32, 32))
        return fail(r, MAAT_STEP_AK_BINDING, MAAT_QVL_INVALID_SIGNATURE,
                    "QE report data[32:64] is not all zero");
    return pass(r, MAAT_STEP_AK_BINDING);
}

/* 7. The quote (header ‖ body) is signed by the attestation key. */
static int step_quote_signature(struct run *r)
{
    struct maat_error e = {0};
    r->ak = maat__p256_pubkey_from_raw(r->q->attest_pub_key, "attestation key", &e);
    if (r->ak == NULL)
        return fail(r, MAAT_STEP_QUOTE_SIGNATURE, MAAT_QVL_INVALID_SIGNATURE, "%s", e.msg);
    int ok = maat__ecdsa_verify_rs(r->ak, r->q->signed_data.ptr, r->q->signed_data.len,
                                  r->q->signature);
    if (ok != 1)
        return fail(r, MAAT_STEP_QUOTE_SIGNATURE, MAAT_QVL_INVALID_SIGNATURE,
                    "quote signature does not verify under the attestation key");
    return pass(r, MAAT_STEP_QUOTE_SIGNATURE);
}

/* 8. The QE against the QE identity from the collateral (never from constants). */
static int step_qe_identity(struct run *r)
{
    const struct maat_enclave_identity *id = &r->vc->qe_identity;
    const struct maat_sgx_report_body *qe = &r->q->qe_report;
    if (r->tdx != NULL) {
        /* Intel: a TD quote needs the TD_QE identity, version 2 */
        if (id->id != MAAT_ENCLAVE_ID_TD_QE || id->version != 2)
            return fail(r, MAAT_STEP_QE_IDENTITY, MAAT_QVL_UNSPECIFIED,
                        "the enclave identity is %s version %u, a TD quote needs TD_QE version 2",
                        maat_enclave_id_name(id->id), id->version);
    } else if (id->id != MAAT_ENCLAVE_ID_QE)
        return fail(r, MAAT_STEP_QE_IDENTITY, MAAT_QVL_UNSPECIFIED,
                    "the enclave identity is for %s, an SGX quote needs the QE's",
                    maat_enclave_id_name(id->id));
    const uint8_t *misc = qe->raw + 16; /* raw little-endian bytes, compared byte-wise */
    for (int i = 0; i < 4; i++)
        if ((misc[i] & id->miscselect_mask[i]) != id->miscselect[i])
            return fail(r, MAAT_STEP_QE_IDENTITY, MAAT_QVL_UNSPECIFIED,
                        "QE identity mismatch: MISCSELECT 0x%08x under mask does not match",
                        qe->misc_select);
    for (int i = 0; i < 16; i++)
        if ((qe->attributes[i] & id->attributes_mask[i]) != id->attributes[i])
            return fail(r, MAAT_STEP_QE_IDENTITY, MAAT_QVL_UNSPECIFIED,
                        "QE identity mismatch: ATTRIBUTES byte %d under mask does not match", i);
    if (memcmp(qe->mr_signer, id->mrsigner, 32) != 0) {
        char a[65], b[65];
        maat_hex_encode(qe->mr_signer, 32, a);
        maat_hex_encode(id->mrsigner, 32, b);
        return fail(r, MAAT_STEP_QE_IDENTITY, MAAT_QVL_UNSPECIFIED,
                    "QE identity mismatch: MRSIGNER %s, expected %s", a, b);
    }
    if (qe->isv_prod_id != id->isvprodid)
        return fail(r, MAAT_STEP_QE_IDENTITY, MAAT_QVL_UNSPECIFIED,
                    "QE identity mismatch: ISVPRODID %u, expected %u", qe->isv_prod_id,
                    id->isvprodid);
    if (r->tdx != NULL) return pass(r, MAAT_STEP_QE_IDENTITY); /* level: TDX evaluation */
    r->qe_level = maat_enclave_identity_match(id, qe->isv_svn, NULL);
    /* Intel: no level at or below the QE's ISVSVN means Revoked. */
    r->v->qe_status = r->qe_level ? r->qe_level->status : MAAT_TCB_REVOKED;
    if (r->qe_level && r->qe_level->has_tcb_date) r->v->qe_tcb_date = r->qe_level->tcb_date;
    return pass(r, MAAT_STEP_QE_IDENTITY);
}

/* 9. The platform TCB from the PCK certificate against TCB info. */
static int step_tcb_info(struct run *r)
{
    const struct maat_tcb_info *ti = &r->vc->tcb_info;
    const struct maat_pck_info *pck = &r->v->pck;
    char want[13], got[13];
    if (ti->version >= 3 && ti->id != MAAT_TCB_ID_SGX)
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "TCB info is for %s, the quote is SGX", maat_tcb_id_name(ti->id));
    if (memcmp(ti->fmspc, pck->fmspc, 6) != 0) {
        maat_hex_encode(ti->fmspc, 6, got);
        maat_hex_encode(pck->fmspc, 6, want);
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "no TCB info for FMSPC %s: the collateral's TCB info is for FMSPC %s; "
                    "get it with: maat collateral fetch --fmspc %s%s -o collateral.json",
                    want, got, want, pck->ca == MAAT_PCK_CA_PLATFORM ? " --ca platform" : "");
    }
    if (ti->has_pce_id && memcmp(ti->pce_id, pck->pce_id, 2) != 0)
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "TCB info PCE-ID %02x%02x differs from the PCK certificate's %02x%02x",
                    ti->pce_id[0], ti->pce_id[1], pck->pce_id[0], pck->pce_id[1]);
    r->tcb_level = maat_tcb_info_match_sgx(ti, pck->tcb_components, pck->pcesvn, NULL);
    if (r->tcb_level == NULL) {
        char comps[64] = "";
        size_t n = 0;
        for (int i = 0; i < 16; i++)
            n += (size_t)snprintf(comps + n, sizeof comps - n, i ? ",%u" : "%u",
                                  pck->tcb_components[i]);
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_TCB_NOT_SUPPORTED,
                    "TCB not supported: no TCB level matches the PCK certificate's TCB "
                    "(components %s, PCESVN %u)",
                    comps, pck->pcesvn);
    }
    r->v->platform_status = r->tcb_level->status;
    if (r->tcb_level->has_tcb_date) r->v->tcb_date = r->tcb_level->tcb_date;
    return pass(r, MAAT_STEP_TCB_INFO);
}

/* 10. Every collateral item inside its window at the verification time: nextUpdate is
 * the last valid instant (Intel: expired when time > nextUpdate). */
static int step_collateral_time(struct run *r)
{
    int bad = 0;
    char t1[32], t2[32];
    for (size_t i = 0; i < r->vc->item_count; i++) {
        const struct maat_dated_item *it = &r->vc->items[i];
        if (r->opts->at > it->not_after || r->opts->at < it->not_before)
            fmt_time(r->opts->at, t2); /* only for the message: not on the passing path */
        if (r->opts->at > it->not_after) {
            fmt_time(it->not_after, t1);
            bad = fail(r, MAAT_STEP_COLLATERAL_TIME, MAAT_QVL_COLLATERAL_EXPIRED,
                       "%s expired at %s (verification time %s)", it->name, t1, t2);
        } else if (r->opts->at < it->not_before) {
            fmt_time(it->not_before, t1);
            bad = fail(r, MAAT_STEP_COLLATERAL_TIME, MAAT_QVL_COLLATERAL_EXPIRED,
                       "%s is not yet valid: issued %s (verification time %s)", it->name, t1, t2);
        }
    }
    return bad ? -1 : pass(r, MAAT_STEP_COLLATERAL_TIME);
}

static enum maat_qvl_result qvl_of(enum maat_tcb_status s)
{
    switch (s) {
    case MAAT_TCB_UP_TO_DATE: return MAAT_QVL_OK;
    case MAAT_TCB_SW_HARDENING_NEEDED: return MAAT_QVL_SW_HARDENING_NEEDED;
    case MAAT_TCB_CONFIGURATION_NEEDED: return MAAT_QVL_CONFIG_NEEDED;
    case MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return MAAT_QVL_CONFIG_AND_SW_HARDENING_NEEDED;
    case MAAT_TCB_OUT_OF_DATE: return MAAT_QVL_OUT_OF_DATE;
    case MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED: return MAAT_QVL_OUT_OF_DATE_CONFIG_NEEDED;
    case MAAT_TCB_REVOKED: return MAAT_QVL_REVOKED;
    case MAAT_TCB_TD_RELAUNCH_ADVISED: return MAAT_QVL_TD_RELAUNCH_ADVISED;
    case MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED:
        return MAAT_QVL_TD_RELAUNCH_ADVISED_CONFIG_NEEDED;
    default: return MAAT_QVL_UNSPECIFIED;
    }
}

/* Intel's convergeTcbStatus: an out-of-date QE degrades the platform status; a revoked QE
 * makes it Revoked; otherwise the platform status stands. */
static enum maat_tcb_status converge(enum maat_tcb_status platform, enum maat_tcb_status qe)
{
    if (qe == MAAT_TCB_REVOKED) return MAAT_TCB_REVOKED;
    if (qe != MAAT_TCB_UP_TO_DATE) {
        if (platform == MAAT_TCB_UP_TO_DATE || platform == MAAT_TCB_SW_HARDENING_NEEDED)
            return MAAT_TCB_OUT_OF_DATE;
        if (platform == MAAT_TCB_CONFIGURATION_NEEDED ||
            platform == MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    return platform;
}

static void add_advisories(char (*out)[MAAT_VERDICT_ADVISORY_LEN], size_t *count, char *const *ids,
                           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t k = 0; k < *count && !dup; k++) dup = strcmp(out[k], ids[i]) == 0;
        if (dup || *count == MAAT_VERDICT_MAX_ADVISORIES) continue;
        snprintf(out[(*count)++], MAAT_VERDICT_ADVISORY_LEN, "%s", ids[i]);
    }
}

/* 11. Final status: platform and QE combined as Intel does. Advisories as Intel reports
 * them: the matched TCB info level's; the QE level's apart (qe_advisory_ids). */
static void step_status(struct run *r)
{
    struct maat_verdict *v = r->v;
    v->status = r->pck_revoked ? MAAT_TCB_REVOKED : converge(v->platform_status, v->qe_status);
    add_advisories(v->advisory_ids, &v->advisory_count, r->tcb_level->advisory_ids,
                   r->tcb_level->advisory_id_count);
    if (r->qe_level)
        add_advisories(v->qe_advisory_ids, &v->qe_advisory_count, r->qe_level->advisory_ids,
                       r->qe_level->advisory_id_count);
    const struct maat_tcb_info *ti = &r->vc->tcb_info;
    const struct maat_enclave_identity *id = &r->vc->qe_identity;
    v->tcb_evaluation_data_number = ti->tcb_evaluation_data_number;
    if (id->has_tcb_evaluation_data_number &&
        id->tcb_evaluation_data_number < v->tcb_evaluation_data_number)
        v->tcb_evaluation_data_number = id->tcb_evaluation_data_number;
    if (!r->failed) v->qvl_result = qvl_of(v->status);
    pass(r, MAAT_STEP_STATUS);
}

/* 11b. maat's TCB policy options (tcb_policy.c): a refusal fails step `status` and keeps
 * Intel's result in qvl_result. */
static void step_tcb_policy(struct run *r)
{
    char why[MAAT_ERROR_MSG_MAX];
    if (maat__tcb_policy_apply(r->opts, r->vc, r->v, why, sizeof why) == 0) return;
    enum maat_qvl_result q = r->v->status < MAAT_TCB_STATUS__COUNT ? qvl_of(r->v->status)
                                                                   : MAAT_QVL_UNSPECIFIED;
    fail(r, MAAT_STEP_STATUS, q, "%s", why);
}

/* ---- TD quotes ---- */

/* TDX 9a (QVL steps 2-4): TCB info v3 id TDX (v2 or SGX refused), FMSPC and PCE-ID, then
 * the TDX module identity (MRSIGNERSEAM, SEAMATTRIBUTES, TDX_nn). */
static int step_tdx_tcb_info(struct run *r)
{
    const struct maat_tcb_info *ti = &r->vc->tcb_info;
    const struct maat_pck_info *pck = &r->v->pck;
    char want[13], got[13];
    if (ti->version < 3 || ti->id != MAAT_TCB_ID_TDX)
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "TCB info is %s version %u, a TD quote needs TDX TCB info version 3",
                    maat_tcb_id_name(ti->id), ti->version);
    if (memcmp(ti->fmspc, pck->fmspc, 6) != 0) {
        maat_hex_encode(ti->fmspc, 6, got);
        maat_hex_encode(pck->fmspc, 6, want);
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "no TCB info for FMSPC %s: the collateral's TCB info is for FMSPC %s", want, got);
    }
    if (!ti->has_pce_id || memcmp(ti->pce_id, pck->pce_id, 2) != 0)
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "TCB info PCE-ID %02x%02x differs from the PCK certificate's %02x%02x",
                    ti->pce_id[0], ti->pce_id[1], pck->pce_id[0], pck->pce_id[1]);
    char why[MAAT_ERROR_MSG_MAX];
    if (maat_tdx_module_check(ti, &r->q->td_report, r->q->version, r->tv->module_identity, why,
                              sizeof why) != 0) {
        r->tv->module_step = MAAT_STEP_FAILED;
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED, "%s", why);
    }
    r->tv->module_step = MAAT_STEP_PASSED;
    return pass(r, MAAT_STEP_TCB_INFO);
}

/* TDX 9b: Intel's TCB evaluation of TEE_TCB_SVN (launch) and, for TD report 1.5,
 * TEE_TCB_SVN_2 (current). Failures are TCB not supported, at step tcb_info. */
static int step_tdx_evaluate(struct run *r)
{
    const struct maat_td_report *td = &r->q->td_report;
    const struct maat_pck_info *pck = &r->v->pck;
    if (maat_tdx_evaluate_tcb(&r->vc->tcb_info, &r->vc->qe_identity, pck->tcb_components,
                              pck->pcesvn, r->q->qe_report.isv_svn, td->tee_tcb_svn, &r->launch) != 0)
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                    "TEE_TCB_SVN: TCB evaluation could not run (missing TCB info, QE identity "
                    "or PCK TCB components)");
    if (!r->launch.supported)
        return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_TCB_NOT_SUPPORTED, "%s", r->launch.reason);
    if (td->tee_tcb_svn2 != NULL) {
        if (maat_tdx_evaluate_tcb(&r->vc->tcb_info, &r->vc->qe_identity, pck->tcb_components,
                                  pck->pcesvn, r->q->qe_report.isv_svn, td->tee_tcb_svn2,
                                  &r->current) != 0)
            return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                        "TEE_TCB_SVN_2 (current): TCB evaluation could not run");
        if (!r->current.supported)
            return fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_TCB_NOT_SUPPORTED,
                        "TEE_TCB_SVN_2 (current): %s", r->current.reason);
        r->has_current = true;
    }
    return 0;
}

static void add_advisories_all(struct maat_verdict *v, char *const *ids, size_t n)
{
    for (size_t i = 0; i < n && v->advisory_count < MAAT_VERDICT_MAX_ADVISORIES; i++)
        snprintf(v->advisory_ids[v->advisory_count++], MAAT_VERDICT_ADVISORY_LEN, "%s", ids[i]);
}

/* TDX 11: the converged launch status, then the relaunch rule; advisories platform ‖ QE ‖
 * module as Intel concatenates them; Revoked is a failure. */
static void step_tdx_status(struct run *r)
{
    struct maat_verdict *v = r->v;
    struct maat_tdx_verdict *tv = r->tv;
    const struct maat_tdx_tcb_eval *e = &r->launch;
    tv->tcb_evaluated = true;
    tv->platform_status = v->platform_status = e->platform_status;
    tv->qe_status = v->qe_status = e->qe_status;
    tv->module_status = e->module_status;
    tv->has_module_status = e->has_module_status;
    v->tcb_date = e->tcb_date;
    if (e->qe_level->has_tcb_date) v->qe_tcb_date = e->qe_level->tcb_date;
    enum maat_tcb_status st = e->status;
    tv->launch.evaluated = true;
    tv->launch.status = e->status;
    tv->launch.tcb_date = e->tcb_date;
    if (r->has_current) {
        tv->current.evaluated = true;
        tv->current.status = r->current.status;
        tv->current.tcb_date = r->current.tcb_date;
        st = maat_tdx_relaunch_status(e->status, r->current.status);
    }
    v->status = r->pck_revoked ? MAAT_TCB_REVOKED : st;
    add_advisories_all(v, e->platform_level->advisory_ids, e->platform_level->advisory_id_count);
    add_advisories_all(v, e->qe_level->advisory_ids, e->qe_level->advisory_id_count);
    if (e->module_level)
        add_advisories_all(v, e->module_level->advisory_ids, e->module_level->advisory_id_count);
    const struct maat_tcb_info *ti = &r->vc->tcb_info;
    const struct maat_enclave_identity *id = &r->vc->qe_identity;
    v->tcb_evaluation_data_number = ti->tcb_evaluation_data_number;
    if (id->has_tcb_evaluation_data_number &&
        id->tcb_evaluation_data_number < v->tcb_evaluation_data_number)
        v->tcb_evaluation_data_number = id->tcb_evaluation_data_number;
    if (!r->failed) v->qvl_result = qvl_of(v->status);
    if (v->status == MAAT_TCB_REVOKED && !r->pck_revoked) {
        fail(r, MAAT_STEP_STATUS, MAAT_QVL_REVOKED,
             "TCB status Revoked (platform %s, module %s, QE %s): a revoked TCB is a failure",
             maat_tcb_status_name(e->platform_status),
             e->has_module_status ? maat_tcb_status_name(e->module_status) : "-",
             maat_tcb_status_name(e->qe_status));
        return;
    }
    pass(r, MAAT_STEP_STATUS);
}

/* TDX 12: maat's appraisal defaults (Intel leaves TD attributes and MRSERVICETD to
 * policy). A refusal fails step `status` and keeps Intel's result in qvl_result. */
static void step_tdx_appraise(struct run *r)
{
    char why[MAAT_ERROR_MSG_MAX];
    if (maat_tdx_appraise(&r->q->td_report, r->tdx, why, sizeof why) == 0) {
        r->tv->appraisal_step = MAAT_STEP_PASSED;
        return;
    }
    r->tv->appraisal_step = MAAT_STEP_FAILED;
    snprintf(r->tv->appraisal_reason, sizeof r->tv->appraisal_reason, "%s", why);
    enum maat_qvl_result q = r->v->status < MAAT_TCB_STATUS__COUNT ? qvl_of(r->v->status)
                                                                   : MAAT_QVL_UNSPECIFIED;
    fail(r, MAAT_STEP_STATUS, q, "%s", why);
}

/* The TDX pipeline in Intel QVL's order: PCK chain and CRLs, TCB info (id, FMSPC, PCE-ID,
 * module identity), QE report signature and data, TD_QE identity, quote signature, TCB
 * evaluation; then collateral dates, status and maat's TD appraisal. */
static void run_tdx(struct run *r)
{
    const struct maat_verified_collateral *vc = r->vc;
    struct maat_verdict *v = r->v;
    step_validity(r);
    bool tcb_ok = false, id_ok = false;
    if (vc) {
        step_crl(r);
        tcb_ok = step_tdx_tcb_info(r) == 0;
    }
    bool qe_ok = step_qe_report_signature(r) == 0;
    bool bound = step_ak_binding(r) == 0;
    if (vc) id_ok = step_qe_identity(r) == 0;
    bool signed_ok = step_quote_signature(r) == 0;
    if (vc == NULL) {
        char f[13];
        maat_hex_encode(v->fmspc, 6, f);
        fail(r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
             "no collateral: TDX TCB info for FMSPC %s, TD_QE identity and CRLs are not present, "
             "so the TCB status cannot be determined (signatures and chain: %s)",
             f,
             qe_ok && bound && signed_ok && v->steps[MAAT_STEP_VALIDITY] == MAAT_STEP_PASSED
                 ? "valid"
                 : "see the failed steps");
    } else {
        bool eval_ok = tcb_ok && id_ok && step_tdx_evaluate(r) == 0;
        step_collateral_time(r);
        if (eval_ok) step_tdx_status(r);
        step_tcb_policy(r);
    }
    step_tdx_appraise(r);
}

int maat__quote_verify_run(const struct maat_quote *q, const struct maat_verified_collateral *vc,
                           const struct maat_trust *trust, const struct maat_verify_opts *opts,
                           const struct maat_tdx_opts *tdx, struct maat_verdict *v,
                           struct maat_tdx_verdict *tv, struct maat_error *err)
{
    memset(v, 0, sizeof *v);
    if (q == NULL || trust == NULL || opts == NULL || tdx == NULL || tv == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE, "verify: quote, trust and options are required");
    struct run r = {.q = q, .vc = vc, .trust = trust, .opts = opts, .v = v, .tdx = tdx, .tv = tv};
    v->collateral_present = vc != NULL;
    v->status = MAAT_TCB_STATUS__COUNT; /* none yet */
    if (step_structure(&r) == 0 && step_pck_chain(&r) == 0) run_tdx(&r);
    if (r.pck_revoked) v->status = MAAT_TCB_REVOKED;
    EVP_PKEY_free(r.ak);
    maat_pck_chain_release(r.pe);
    ERR_clear_error();
    v->ok = !r.failed;
    return 0;
}

int maat_pck_chain_resolve(const struct maat_quote *q, const struct maat_trust *trust,
                           const struct maat_verify_opts *opts, struct maat_pck_chain **out,
                           struct maat_verdict *v, struct maat_error *err)
{
    if (out) *out = NULL;
    if (q == NULL || trust == NULL || opts == NULL || out == NULL || v == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE,
                              "PCK chain: quote, trust, options, result and verdict are required");
    memset(v, 0, sizeof *v);
    static const struct maat_tdx_opts tdx_defaults = {0};
    struct run r = {.q = q,
                    .trust = trust,
                    .opts = opts,
                    .v = v,
                    .tdx = q->tee_type == MAAT_TEE_TYPE_TDX ? &tdx_defaults : NULL};
    v->status = MAAT_TCB_STATUS__COUNT; /* none: no TCB evaluation here */
    if (step_structure(&r) == 0 && step_pck_chain(&r) == 0) {
        *out = r.pe;
        r.pe = NULL;
    }
    maat_pck_chain_release(r.pe);
    ERR_clear_error();
    v->ok = !r.failed;
    return 0;
}

int maat_quote_verify(const struct maat_quote *q, const struct maat_verified_collateral *vc,
                      const struct maat_trust *trust, const struct maat_verify_opts *opts,
                      struct maat_verdict *v, struct maat_error *err)
{
    if (q != NULL && q->tee_type == MAAT_TEE_TYPE_TDX) {
        /* TD quotes: the TDX pipeline with maat's appraisal defaults */
        static const struct maat_tdx_opts tdx_defaults = {0};
        struct maat_tdx_verdict tv;
        memset(&tv, 0, sizeof tv);
        return maat__quote_verify_run(q, vc, trust, opts, &tdx_defaults, v, &tv, err);
    }
    memset(v, 0, sizeof *v);
    if (q == NULL || trust == NULL || opts == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE, "verify: quote, trust and options are required");
    struct run r = {.q = q, .vc = vc, .trust = trust, .opts = opts, .v = v};
    v->collateral_present = vc != NULL;
    v->status = MAAT_TCB_STATUS__COUNT; /* none yet */

    if (step_structure(&r) == 0 && step_pck_chain(&r) == 0) {
        step_validity(&r);
        if (vc) step_crl(&r);
        bool qe_ok = step_qe_report_signature(&r) == 0;
        bool bound = step_ak_binding(&r) == 0;
        bool signed_ok = step_quote_signature(&r) == 0;
        if (vc == NULL) {
            char f[13];
            maat_hex_encode(v->fmspc, 6, f);
            fail(&r, MAAT_STEP_TCB_INFO, MAAT_QVL_UNSPECIFIED,
                 "no collateral: TCB info for FMSPC %s, QE identity and CRLs are not present, "
                 "so the TCB status cannot be determined (signatures and chain: %s); "
                 "get it with: maat collateral fetch --fmspc %s%s -o collateral.json",
                 f,
                 qe_ok && bound && signed_ok && v->steps[MAAT_STEP_VALIDITY] == MAAT_STEP_PASSED
                     ? "valid"
                     : "see the failed steps",
                 f, v->pck.ca == MAAT_PCK_CA_PLATFORM ? " --ca platform" : "");
        } else {
            bool id_ok = step_qe_identity(&r) == 0;
            bool tcb_ok = step_tcb_info(&r) == 0;
            step_collateral_time(&r);
            if (id_ok && tcb_ok) step_status(&r);
            step_tcb_policy(&r);
        }
    }
    if (r.pck_revoked) v->status = MAAT_TCB_REVOKED;
    EVP_PKEY_free(r.ak);
    maat_pck_chain_release(r.pe);
    ERR_clear_error();
    v->ok = !r.failed;
    return 0;
}
