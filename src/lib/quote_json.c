/*
 * quote_json.c - struct maat_quote -> jansson object, field names as Intel's headers.
 *
 * Used by `maat quote inspect --json` and `maat verify --json`; the text form of
 * `quote inspect` is rendered from this object too, so both always show the same fields.
 * Certificates are described with OpenSSL (subject, issuer, validity, serial); the PCK
 * leaf's SGX extension with maat_pck. Nothing here verifies anything.
 */
#include "maat/quote_json.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maat/bytes.h"
#include "maat/pck.h"

/* 2^53: the largest range in which every integer is exact in an IEEE double, and so in
 * JavaScript and most JSON readers. */
#define JSON_EXACT_MAX (UINT64_C(1) << 53)

json_t *maat__quote_json_u64(uint64_t v)
{
    if (v < JSON_EXACT_MAX) return json_integer((json_int_t)v);
    char s[19];
    snprintf(s, sizeof s, "0x%016llx", (unsigned long long)v);
    return json_string(s);
}

static json_t *jhex(const uint8_t *p, size_t n)
{
    if (p == NULL) return json_null();
    char *s = maat_hex_encode_alloc(p, n);
    if (s == NULL) return NULL;
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Sets o[k] = v, consuming v; remembers a failure (NULL v or allocation) in *bad. */
static void put(json_t *o, const char *k, json_t *v, int *bad)
{
    if (v == NULL || json_object_set_new(o, k, v) != 0) *bad = 1;
}

json_t *maat__quote_json_report_body(const struct maat_sgx_report_body *rb)
{
    json_t *o = json_object(), *attrs = json_object();
    int bad = o == NULL || attrs == NULL;
    if (bad) {
        json_decref(o);
        json_decref(attrs);
        return NULL;
    }
    put(o, "cpu_svn", jhex(rb->cpu_svn, 16), &bad);
    put(o, "misc_select", json_integer(rb->misc_select), &bad);
    put(attrs, "flags", maat__quote_json_u64(rb->attributes_flags), &bad);
    put(attrs, "xfrm", maat__quote_json_u64(rb->attributes_xfrm), &bad);
    put(o, "attributes", attrs, &bad);
    put(o, "isv_ext_prod_id", jhex(rb->isv_ext_prod_id, 16), &bad);
    put(o, "mr_enclave", jhex(rb->mr_enclave, 32), &bad);
    put(o, "mr_signer", jhex(rb->mr_signer, 32), &bad);
    put(o, "config_id", jhex(rb->config_id, 64), &bad);
    put(o, "isv_prod_id", json_integer(rb->isv_prod_id), &bad);
    put(o, "isv_svn", json_integer(rb->isv_svn), &bad);
    put(o, "config_svn", json_integer(rb->config_svn), &bad);
    put(o, "isv_family_id", jhex(rb->isv_family_id, 16), &bad);
    put(o, "report_data", jhex(rb->report_data, 64), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *td_report_json(const struct maat_td_report *td)
{
    json_t *o = json_object();
    if (o == NULL) return NULL;
    int bad = 0;
    put(o, "tee_tcb_svn", jhex(td->tee_tcb_svn, 16), &bad);
    put(o, "mr_seam", jhex(td->mr_seam, 48), &bad);
    put(o, "mr_signer_seam", jhex(td->mr_signer_seam, 48), &bad);
    put(o, "seam_attributes", jhex(td->seam_attributes, 8), &bad);
    put(o, "td_attributes", jhex(td->td_attributes, 8), &bad);
    put(o, "xfam", jhex(td->xfam, 8), &bad);
    put(o, "mr_td", jhex(td->mr_td, 48), &bad);
    put(o, "mr_config_id", jhex(td->mr_config_id, 48), &bad);
    put(o, "mr_owner", jhex(td->mr_owner, 48), &bad);
    put(o, "mr_owner_config", jhex(td->mr_owner_config, 48), &bad);
    static const char *const rtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    for (int i = 0; i < 4; i++) put(o, rtmr[i], jhex(td->rtmr[i], 48), &bad);
    put(o, "report_data", jhex(td->report_data, 64), &bad);
    if (td->tee_tcb_svn2) put(o, "tee_tcb_svn2", jhex(td->tee_tcb_svn2, 16), &bad);
    if (td->mr_servicetd) put(o, "mr_servicetd", jhex(td->mr_servicetd, 48), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- certificates (OpenSSL) ---- */

static X509 *load_cert(const struct maat_view *v, bool der)
{
    if (v->len > INT32_MAX) return NULL;
    if (der) {
        const unsigned char *p = v->ptr;
        X509 *x = d2i_X509(NULL, &p, (long)v->len);
        return x;
    }
    BIO *b = BIO_new_mem_buf(v->ptr, (int)v->len);
    if (b == NULL) return NULL;
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

static json_t *name_json(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL) return NULL;
    json_t *j = NULL;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long len = BIO_get_mem_data(b, &p);
        j = json_stringn(p, len > 0 ? (size_t)len : 0);
    }
    BIO_free(b);
    return j;
}

static json_t *time_json(const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) return json_null();
    char s[32];
    if (strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return json_null();
    return json_string(s);
}

static json_t *serial_json(const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    if (bn == NULL) return json_null();
    char *hex = BN_bn2hex(bn);
    BN_free(bn);
    if (hex == NULL) return NULL;
    for (char *c = hex; *c; c++)
        if (*c >= 'A' && *c <= 'F') *c = (char)(*c - 'A' + 'a');
    json_t *j = json_string(hex);
    OPENSSL_free(hex);
    return j;
}

static json_t *cert_json(const X509 *x)
{
    json_t *o = json_object();
    if (o == NULL) return NULL;
    int bad = 0;
    put(o, "subject", name_json(X509_get_subject_name(x)), &bad);
    put(o, "issuer", name_json(X509_get_issuer_name(x)), &bad);
    put(o, "not_before", time_json(X509_get0_notBefore(x)), &bad);
    put(o, "not_after", time_json(X509_get0_notAfter(x)), &bad);
    put(o, "serial", serial_json(X509_get0_serialNumber(x)), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The leaf of a chain given in any order: the certificate that issued none of the
 * others (Intel's QE writes leaf first; Intel's generated TDX sample writes it last). */
static size_t find_leaf(X509 *const *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (certs[i] == NULL) continue;
        bool issues_other = false;
        for (size_t j = 0; j < n && !issues_other; j++)
            issues_other = j != i && certs[j] != NULL &&
                           X509_NAME_cmp(X509_get_subject_name(certs[i]),
                                         X509_get_issuer_name(certs[j])) == 0;
        if (!issues_other) return i;
    }
    return n;
}

static json_t *pck_json(const struct maat_pck_info *p)
{
    json_t *o = json_object(), *comps = json_array();
    int bad = o == NULL || comps == NULL;
    if (bad) {
        json_decref(o);
        json_decref(comps);
        return NULL;
    }
    put(o, "fmspc", jhex(p->fmspc, 6), &bad);
    put(o, "pce_id", jhex(p->pce_id, 2), &bad);
    put(o, "pcesvn", json_integer(p->pcesvn), &bad);
    put(o, "cpusvn", jhex(p->cpusvn, 16), &bad);
    for (int i = 0; i < 16; i++)
        if (json_array_append_new(comps, json_integer(p->tcb_components[i])) != 0) bad = 1;
    put(o, "tcb_components", comps, &bad);
    put(o, "sgx_type", json_string(maat_sgx_type_name(p->sgx_type)), &bad);
    put(o, "ca", json_string(maat_pck_ca_name(p->ca)), &bad);
    put(o, "ppid", jhex(p->ppid, 16), &bad);
    if (p->has_platform_instance_id)
        put(o, "platform_instance_id", jhex(p->platform_instance_id, 16), &bad);
    if (p->has_dynamic_platform)
        put(o, "dynamic_platform", json_boolean(p->dynamic_platform), &bad);
    if (p->has_cached_keys) put(o, "cached_keys", json_boolean(p->cached_keys), &bad);
    if (p->has_smt_enabled) put(o, "smt_enabled", json_boolean(p->smt_enabled), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void warn(json_t *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(json_t *warnings, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(warnings, json_string(msg));
}

/* Type 5: the certificates, and (on `top`) the PCK leaf's SGX extension. */
static int chain_json(const struct maat_cert_data *cd, json_t *o, json_t *top, json_t *warnings)
{
    int bad = 0;
    X509 *certs[MAAT_PCK_CHAIN_MAX] = {0};
    json_t *arr = json_array();
    if (arr == NULL) return -1;
    for (size_t i = 0; i < cd->chain_len && i < MAAT_PCK_CHAIN_MAX; i++) {
        certs[i] = load_cert(&cd->chain[i], cd->chain_is_der);
        json_t *c;
        if (certs[i] != NULL) {
            c = cert_json(certs[i]);
        } else {
            c = json_pack("{s:s}", "error", "not a decodable X.509 certificate");
            warn(warnings,
                 "certification data: certificate %zu of the PCK chain could not be "
                 "decoded as X.509",
                 i + 1);
        }
        if (c == NULL || json_array_append_new(arr, c) != 0) bad = 1;
    }
    ERR_clear_error();
    put(o, "encoding", json_string(cd->chain_is_der ? "der" : "pem"), &bad);
    put(o, "certificates", arr, &bad);

    size_t leaf = find_leaf(certs, cd->chain_len);
    if (leaf < cd->chain_len) {
        struct maat_pck_info pck;
        struct maat_error e;
        maat_error_clear(&e);
        const struct maat_view *v = &cd->chain[leaf];
        int rc = cd->chain_is_der ? maat_pck_cert_parse_der(v->ptr, v->len, &pck, &e)
                                  : maat_pck_cert_parse_pem((const char *)v->ptr, v->len, &pck, &e);
        if (rc == 0) {
            put(top, "pck", pck_json(&pck), &bad);
        } else {
            warn(warnings, "PCK certificate (certificate %zu of the chain): %s", leaf + 1, e.msg);
            put(top, "pck", json_pack("{s:s}", "error", e.msg), &bad);
        }
    }
    for (size_t i = 0; i < MAAT_PCK_CHAIN_MAX; i++) X509_free(certs[i]);
    return bad ? -1 : 0;
}

static json_t *cert_data_json(const struct maat_cert_data *cd, json_t *top, json_t *warnings)
{
    json_t *o = json_object();
    if (o == NULL) return NULL;
    int bad = 0;
    put(o, "type", json_integer(cd->type), &bad);
    put(o, "type_name", json_string(maat_cert_type_name(cd->type)), &bad);
    put(o, "size", json_integer((json_int_t)cd->data.len), &bad);
    put(o, "offset", json_integer((json_int_t)cd->offset), &bad);
    switch (cd->type) {
    case MAAT_CERT_PCK_CHAIN:
        if (chain_json(cd, o, top, warnings) != 0) bad = 1;
        break;
    case MAAT_CERT_PPID_CLEARTEXT:
    case MAAT_CERT_PPID_RSA2048:
    case MAAT_CERT_PPID_RSA3072:
        put(o, cd->type == MAAT_CERT_PPID_CLEARTEXT ? "ppid" : "encrypted_ppid",
            jhex(cd->ppid.ppid.ptr, cd->ppid.ppid.len), &bad);
        put(o, "cpu_svn", jhex(cd->ppid.cpu_svn, 16), &bad);
        put(o, "pce_svn", json_integer(cd->ppid.pce_svn), &bad);
        if (cd->ppid.has_pce_id) {
            uint8_t id[2] = {(uint8_t)cd->ppid.pce_id, (uint8_t)(cd->ppid.pce_id >> 8)};
            put(o, "pce_id", jhex(id, 2), &bad);
        }
        break;
    default: put(o, "data", jhex(cd->data.ptr, cd->data.len), &bad); break;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *maat__quote_json_enclave_info(const struct maat_enclave_info *ei)
{
    json_t *o = json_object();
    if (o == NULL) return NULL;
    int bad = 0;
    put(o, "Type", json_integer(ei->type), &bad);
    put(o, "MrEnclaveHex", jhex(ei->mr_enclave, 32), &bad);
    put(o, "MrSignerHex", jhex(ei->mr_signer, 32), &bad);
    put(o, "ProductIdHex", jhex(ei->product_id, 16), &bad);
    put(o, "SecurityVersion", json_integer(ei->security_version), &bad);
    put(o, "Attributes", maat__quote_json_u64(ei->attributes), &bad);
    put(o, "QuoteSize", json_integer((json_int_t)ei->quote_len), &bad);
    put(o, "EnclaveHeldDataHex", jhex(ei->ehd ? ei->ehd : (const uint8_t *)"", ei->ehd_len), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *maat__quote_to_json(const struct maat_quote *q, const uint8_t *input_start,
                           struct maat_error *err)
{
    if (input_start == NULL)
        input_start = q->quote.ptr - (q->oe_envelope ? MAAT_OE_HEADER_SIZE : 0);
    json_t *o = json_object(), *warnings = json_array();
    int bad = o == NULL || warnings == NULL;
    if (bad) goto fail;

    put(o, "version", json_integer(q->version), &bad);
    put(o, "att_key_type", json_integer(q->att_key_type), &bad);
    put(o, "tee_type", json_integer(q->tee_type), &bad);
    put(o, "qe_svn", json_integer(q->qe_svn), &bad);
    put(o, "pce_svn", json_integer(q->pce_svn), &bad);
    put(o, "qe_vendor_id", jhex(q->qe_vendor_id, 16), &bad);
    put(o, "user_data", jhex(q->user_data, 20), &bad);
    if (q->version == 5) {
        put(o, "body_type", json_integer(q->body_type), &bad);
        put(o, "body_size", json_integer(q->body_size), &bad);
    }
    if (q->body_type == MAAT_BODY_SGX)
        put(o, "report_body", maat__quote_json_report_body(&q->report_body), &bad);
    else
        put(o, "td_report", td_report_json(&q->td_report), &bad);

    put(o, "signature_data_len", json_integer(q->signature_data_len), &bad);
    put(o, "signature", jhex(q->signature, 64), &bad);
    put(o, "attest_pub_key", jhex(q->attest_pub_key, 64), &bad);
    put(o, "qe_report", maat__quote_json_report_body(&q->qe_report), &bad);
    put(o, "qe_report_signature", jhex(q->qe_report_signature, 64), &bad);
    put(o, "qe_auth_data", jhex(q->qe_auth_data.ptr, q->qe_auth_data.len), &bad);

    json_t *inner = cert_data_json(&q->cert_data, o, warnings);
    if (q->outer_cert_type != q->cert_data.type) {
        /* v4/v5: type 6 (QE report certification data) wraps the QE report section above
         * and the certification data that identifies the PCK, as in Intel's structs. */
        json_t *outer = json_object();
        if (outer == NULL) {
            json_decref(inner);
            goto fail;
        }
        size_t outer_size = (size_t)q->signature_data_len - 64 - 64 - 6;
        put(outer, "type", json_integer(q->outer_cert_type), &bad);
        put(outer, "type_name", json_string(maat_cert_type_name(q->outer_cert_type)), &bad);
        put(outer, "size", json_integer((json_int_t)outer_size), &bad);
        put(outer, "certification_data", inner, &bad);
        inner = outer;
    }
    /* Move "pck" (added by cert_data_json on `o`) after certification_data. */
    json_t *pck = json_object_get(o, "pck");
    json_incref(pck);
    json_object_del(o, "pck");
    put(o, "certification_data", inner, &bad);
    if (pck) put(o, "pck", pck, &bad);

    put(o, "oe_envelope", json_boolean(q->oe_envelope), &bad);
    if (q->oe_envelope)
        put(o, "oe_header",
            json_pack("{s:I,s:I,s:I}", "version", (json_int_t)q->oe_version, "report_type",
                      (json_int_t)q->oe_report_type, "report_size", (json_int_t)q->oe_report_size),
            &bad);
    if (q->trailing.len > 0) {
        size_t off = (size_t)(q->trailing.ptr - input_start);
        put(o, "trailing_bytes",
            json_pack("{s:I,s:b,s:I}", "count", (json_int_t)q->trailing.len, "all_zero",
                      q->trailing_all_zero, "offset", (json_int_t)off),
            &bad);
        if (!q->trailing_all_zero)
            warn(warnings,
                 "%zu bytes after the end of the quote at offset %zu are not zero; they are "
                 "covered by no signature and were ignored",
                 q->trailing.len, off);
    }
    if (json_array_size(warnings) > 0) put(o, "warnings", json_incref(warnings), &bad);
    if (bad) goto fail;
    json_decref(warnings);
    return o;
fail:
    json_decref(o);
    json_decref(warnings);
    maat_error_set(err, MAAT_ERR_NOMEM, "quote JSON: out of memory");
    return NULL;
}
