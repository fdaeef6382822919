/*
 * token_enclave.c - the optional checks of maat_token_validate() about the enclave: the
 * token signer's own quote (carried in the signing certificate: extraction, DCAP check with
 * maat_quote_check, key binding, the fail-closed "not checked" list) and the comparison of
 * the claims with an EnclaveInfo as the MAA sample (validatequotes) makes it (the claims
 * as one source of enclave_compare.c's comparison; the parsed quote is the other). Moved
 * here from the CLI (src/cli/token_check.c, cmd_attest.c), which now prints from the result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/jose.h"
#include "enclave_compare_internal.h"
#include "token_internal.h"

#define OID_MAA_QUOTE "1.3.6.1.4.1.311.105.1"
#define OID_MAA_QUOTE_2020 "1.2.840.113556.10.1.1"

static int fail_check(struct maat_token_result *r, enum maat_token_check c, maat_err code,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_check(struct maat_token_result *r, enum maat_token_check c, maat_err code,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->checks[c] = MAAT_TOKEN_FAILED;
    r->failed_check = c;
    r->failed_code = code;
    return 1;
}

/* ---- the signer's quote ---- */

/* The enclave quote in a signing certificate. MAA's current certificates put the OE
 * envelope + quote directly in the extnValue of 1.3.6.1.4.1.311.105.1; the 2020 form
 * (1.2.840.113556.10.1.1) and maatd wrap it in one more DER OCTET STRING. Both are
 * accepted: an inner OCTET STRING is unwrapped only when it fills the extnValue exactly (a
 * bare quote or envelope never does: it starts 01/03/04 00). -1 with err (NOT_FOUND when
 * neither extension is present). */
static int cert_quote(const X509 *cert, const char **oid, const uint8_t **p, size_t *len,
                      struct maat_error *err)
{
    static const char *const oids[] = {OID_MAA_QUOTE, OID_MAA_QUOTE_2020};
    for (size_t i = 0; i < 2; i++) {
        ASN1_OBJECT *obj = OBJ_txt2obj(oids[i], 1);
        if (obj == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        int at = X509_get_ext_by_OBJ(cert, obj, -1);
        int again = at >= 0 ? X509_get_ext_by_OBJ(cert, obj, at) : -1;
        ASN1_OBJECT_free(obj);
        if (at < 0) continue;
        MAAT_ENSURE(again < 0, err, MAAT_ERR_VALUE, "extension %s appears twice", oids[i]);
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(cert, at));
        const unsigned char *d = ASN1_STRING_get0_data(v), *q = d;
        long vlen = ASN1_STRING_length(v), clen = 0;
        int tag = 0, cls = 0;
        int r = ASN1_get_object(&q, &clen, &tag, &cls, vlen);
        ERR_clear_error();
        *oid = oids[i];
        if (!(r & 0x80) && !(r & V_ASN1_CONSTRUCTED) && tag == V_ASN1_OCTET_STRING &&
            cls == V_ASN1_UNIVERSAL && clen > 0 && (q - d) + clen == vlen) {
            *p = q;
            *len = (size_t)clen;
        } else {
            *p = d;
            *len = (size_t)vlen;
        }
        MAAT_ENSURE(*len > 0, err, MAAT_ERR_TRUNCATED, "extension %s is empty", oids[i]);
        return 0;
    }
    return maat_error_set(err, MAAT_ERR_NOT_FOUND, "neither extension %s nor %s is present",
                          OID_MAA_QUOTE, OID_MAA_QUOTE_2020);
}

int maat__token_check_signer(X509 *cert, const struct maat_token_expect *x,
                             struct maat_token_result *r, struct maat_error *err)
{
    struct maat_error e = {0};
    const char *oid = NULL;
    const uint8_t *p = NULL;
    size_t len = 0;
    struct maat_token_signer *s = calloc(1, sizeof *s);
    if (s == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    r->signer = s;
    if (cert_quote(cert, &oid, &p, &len, &e) != 0) {
        if (e.code == MAAT_ERR_NOMEM) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_QUOTE, MAAT_ERR_NOT_FOUND,
                          "signer quote: the signing certificate carries no enclave quote: %s",
                          e.msg);
    }
    snprintf(s->extension, sizeof s->extension, "%s", oid);
    /* a copy the result owns: the parsed quote (report_body) points into it, and the
     * certificate is freed when the validation returns */
    s->quote = malloc(len);
    if (s->quote == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    memcpy(s->quote, p, len);
    s->size = len;
    struct maat_quote q;
    if (maat_quote_parse(s->quote, len, &q, &e) != 0)
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_QUOTE, MAAT_ERR_VALUE, "signer quote: %s",
                          e.msg);
    s->oe_envelope = q.oe_envelope;
    s->version = q.version;
    if (q.body_type != MAAT_BODY_SGX)
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_QUOTE, MAAT_ERR_UNSUPPORTED,
                          "signer quote: not an SGX enclave quote (tee_type 0x%x)", q.tee_type);
    s->report_body = q.report_body;

    /* key binding: report_data[0:32] = SHA-256(PEM SPKI + NUL), which is also MAA's kid */
    uint8_t h[32];
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    ERR_clear_error();
    if (pk == NULL || maat__jwk_spki_hash(pk, h, &e) != 0)
        return maat_error_set(err, e.code ? e.code : MAAT_ERR_CRYPTO, "signer quote: %s",
                              e.code ? e.msg : "the signing key is unusable");
    s->key_binding = memcmp(h, q.report_body.report_data, 32) == 0;
    char kid[MAAT_KID_MAX];
    if (maat__jwk_maa_kid(pk, kid, &e) == 0) s->kid_is_key_hash = !strcmp(kid, r->kid);
    r->checks[MAAT_TOKEN_CHECK_SIGNER_QUOTE] = MAAT_TOKEN_PASSED;

    /* the DCAP check of the signer's quote */
    struct maat_quote_check_opts qo = {.trust = x->trust,
                                       .at = x->at,
                                       .collateral = x->collateral,
                                       .collateral_ctx = x->collateral_ctx};
    if (maat_quote_check(&q, &qo, &s->check, err) != 0) return -1;
    const struct maat_verdict *v = &s->check.verdict;
    if (!s->check.accepted && s->check.crypto_ok && v->ok && v->status == MAAT_TCB_REVOKED)
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_VERIFICATION, MAAT_ERR_VALUE,
                          "signer quote: the signer's platform TCB is Revoked");
    if (!s->check.accepted)
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_VERIFICATION, MAAT_ERR_VALUE,
                          "signer quote: %s", s->check.reason);
    r->checks[MAAT_TOKEN_CHECK_SIGNER_VERIFICATION] = MAAT_TOKEN_PASSED;

    if (!s->key_binding)
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_KEY_BINDING, MAAT_ERR_VALUE,
                          "signer quote: report_data[0:32] is not SHA-256 of the signing key "
                          "(PEM SubjectPublicKeyInfo + NUL): the quote does not bind this key");
    r->checks[MAAT_TOKEN_CHECK_SIGNER_KEY_BINDING] = MAAT_TOKEN_PASSED;

    /* fail closed: PASS only when every check of the quote ran (issue 12 item 3) */
    if (s->check.not_checked_count > 0 && !x->signer_signatures_only) {
        char nc[MAAT_ERROR_MSG_MAX - 64];
        maat_quote_check_not_checked_text(&s->check, nc, sizeof nc);
        r->incomplete = true;
        return fail_check(r, MAAT_TOKEN_CHECK_SIGNER_COMPLETE, MAAT_ERR_NOT_FOUND,
                          "signer quote: not checked: %s", nc);
    }
    r->checks[MAAT_TOKEN_CHECK_SIGNER_COMPLETE] = MAAT_TOKEN_PASSED;
    return 0;
}

/* ---- the claims against an EnclaveInfo (the comparison: enclave_compare.c) ---- */

static json_t *b64url_json(const uint8_t *p, size_t n)
{
    char *h = maat_base64url_encode(p, n);
    json_t *j = h ? json_string(h) : NULL;
    free(h);
    return j;
}

/* A non-negative JSON integer claim as uint64 (false when absent or another type). */
static bool claim_u64(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* The token's claims as the comparison's source. */
static bool claims_observe(const void *ctx, enum maat__ei_field f, const struct maat__ei_want *w,
                           json_t **file, json_t **got)
{
    static const char *const names[MAAT__EI__COUNT] = {
        "x-ms-sgx-is-debuggable", "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner",
        "x-ms-sgx-product-id",    "x-ms-sgx-svn",       "x-ms-sgx-ehd",
    };
    json_t *v = json_object_get((const json_t *)ctx, names[f]);
    *got = json_incref(v);
    uint64_t n = 0;
    switch (f) {
    case MAAT__EI_DEBUGGABLE: return json_is_boolean(v) && json_is_true(v) == w->debuggable;
    case MAAT__EI_MRENCLAVE:
        return json_is_string(v) && !strcmp(json_string_value(v), w->mr_enclave_hex);
    case MAAT__EI_MRSIGNER: { /* case-insensitive */
        if (!json_is_string(v) || strlen(json_string_value(v)) != 64) return false;
        char low[65];
        const char *s = json_string_value(v);
        for (size_t i = 0; i < 65; i++)
            low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
        return !strcmp(low, w->mr_signer_hex);
    }
    case MAAT__EI_PRODUCT_ID: return claim_u64(v, &n) && n == w->product_id;
    case MAAT__EI_SVN: return claim_u64(v, &n) && n == w->ei->security_version;
    case MAAT__EI_EHD:
    default: {
        /* EHD: the file's bytes == base64url-decoded x-ms-sgx-ehd */
        const struct maat_enclave_info *ei = w->ei;
        *file = b64url_json(ei->ehd, ei->ehd_len);
        if (v == NULL) return ei->ehd_len == 0; /* no EHD sent, none attested */
        if (!json_is_string(v)) return false;
        uint8_t *d = NULL;
        size_t len = 0;
        struct maat_error e = {0};
        const char *s = json_string_value(v);
        bool ok = maat_base64url_decode(s, strlen(s), "x-ms-sgx-ehd", &d, &len, &e) == 0 &&
                  len == ei->ehd_len && (len == 0 || memcmp(d, ei->ehd, len) == 0);
        free(d);
        return ok;
    }
    }
}

int maat__token_check_enclave_claims(const json_t *claims, const struct maat_token_expect *x,
                                     struct maat_token_result *r, struct maat_error *err)
{
    static const struct maat__ei_source claims_src = {
        .word = "token",
        .labels = {"x-ms-sgx-is-debuggable", "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner",
                   "x-ms-sgx-product-id", "x-ms-sgx-svn", "x-ms-sgx-ehd"},
        .observe = claims_observe,
    };
    struct maat__ei_source src = claims_src;
    src.ctx = claims;
    struct maat__ei_result c;
    MAAT_TRY(maat__ei_compare(x->enclave_info, x->enclave_info_oe, &src, &c, err));
    for (size_t i = 0; i < c.count && i < MAAT_TOKEN_ENCLAVE_CLAIMS; i++) {
        struct maat_token_claim_match *m = &r->enclave_claims[i];
        m->name = c.name[i];
        m->claim = c.label[i];
        m->file_json = c.file_json[i];
        m->token_json = c.got_json[i];
        m->pass = c.pass[i];
    }
    r->enclave_claims_count = c.count;
    if (c.failed)
        return fail_check(r, MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS, MAAT_ERR_VALUE, "%s", c.reason);
    r->checks[MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS] = MAAT_TOKEN_PASSED;
    return 0;
}

void maat__token_enclave_cleanup(struct maat_token_result *r)
{
    if (r->signer != NULL) free(r->signer->quote);
    free(r->signer);
    r->signer = NULL;
    for (size_t i = 0; i < r->enclave_claims_count && i < MAAT_TOKEN_CLAIMS_MAX; i++) {
        free(r->enclave_claims[i].file_json);
        free(r->enclave_claims[i].token_json);
    }
    r->enclave_claims_count = 0;
}
