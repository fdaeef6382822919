/*
 * test_pck.c - tests for the PCK certificate SGX extension parser (src/lib/pck.c).
 *
 * Positive tests use the real PCK leaves in the shared vectors, with the expected values
 * from their READMEs (and, where the READMEs are silent, from `openssl asn1parse` of the
 * extension). Negative tests build extension values here with a small DER builder whose
 * output is first checked byte for byte against two real extensions, then mutate one
 * field at a time (missing, duplicated, wrong type, wrong length, out of range, unknown,
 * BER instead of DER, truncated, trailing bytes). Certificate-level rules (issuer CA,
 * .6/.7 presence, duplicate extensions) use throw-away certificates made with OpenSSL.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/pck.h"

#define OIDS "1.2.840.113741.1.13.1"

/* ---- helpers: hex, vectors, certificates ------------------------------------------- */

static void hex2bin(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
    char got[2 * 64 + 1];
    assert_true(n <= 64);
    maat_hex_encode(p, n, got);
    assert_string_equal(got, hex);
}

/* The first "-----BEGIN CERTIFICATE-----" .. "-----END CERTIFICATE-----" in buf, as a
 * malloc'd NUL-terminated string (NULL when absent). */
static char *first_pem(const uint8_t *buf, size_t len)
{
    static const char b[] = "-----BEGIN CERTIFICATE-----", e[] = "-----END CERTIFICATE-----";
    const uint8_t *s = NULL, *t = NULL;
    for (size_t i = 0; i + sizeof b - 1 <= len; i++)
        if (memcmp(buf + i, b, sizeof b - 1) == 0) {
            s = buf + i;
            break;
        }
    if (s == NULL) return NULL;
    for (const uint8_t *p = s; p + sizeof e - 1 <= buf + len; p++)
        if (memcmp(p, e, sizeof e - 1) == 0) {
            t = p + sizeof e - 1;
            break;
        }
    if (t == NULL) return NULL;
    char *out = malloc((size_t)(t - s) + 2);
    memcpy(out, s, (size_t)(t - s));
    out[t - s] = '\n';
    out[t - s + 1] = '\0';
    return out;
}

static X509 *pem_to_x509(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    assert_non_null(bio);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(x);
    return x;
}

/* DER of a PEM certificate (malloc'd). */
static uint8_t *pem_to_der(const char *pem, size_t *len)
{
    X509 *x = pem_to_x509(pem);
    unsigned char *d = NULL;
    int n = i2d_X509(x, &d);
    X509_free(x);
    assert_true(n > 0);
    uint8_t *out = malloc((size_t)n);
    memcpy(out, d, (size_t)n);
    OPENSSL_free(d);
    *len = (size_t)n;
    return out;
}

/* The SGX extension value of a PEM certificate, read with OpenSSL directly. */
static uint8_t *pem_ext_value(const char *pem, size_t *len)
{
    X509 *x = pem_to_x509(pem);
    ASN1_OBJECT *o = OBJ_txt2obj(OIDS, 1);
    int at = X509_get_ext_by_OBJ(x, o, -1);
    ASN1_OBJECT_free(o);
    assert_true(at >= 0);
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, at));
    *len = (size_t)ASN1_STRING_length(v);
    uint8_t *out = malloc(*len);
    memcpy(out, ASN1_STRING_get0_data(v), *len);
    X509_free(x);
    return out;
}

/* A PEM block named `name` around der[0..n) (malloc'd string). */
static char *der_to_pem(const char *name, const uint8_t *der, size_t n)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_true(PEM_write_bio(bio, name, "", der, (long)n) > 0);
    char *p = NULL;
    long len = BIO_get_mem_data(bio, &p);
    char *out = malloc((size_t)len + 1);
    memcpy(out, p, (size_t)len);
    out[len] = '\0';
    BIO_free(bio);
    return out;
}

static void expect_ok_pem(const char *pem, struct maat_pck_info *info)
{
    struct maat_error err;
    maat_error_clear(&err);
    int rc = maat_pck_cert_parse_pem(pem, strlen(pem), info, &err);
    if (rc != 0) print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(err.code, MAAT_OK);
}

static void assert_same_info(const struct maat_pck_info *a, const struct maat_pck_info *b,
                             bool with_ca)
{
    assert_memory_equal(a->ppid, b->ppid, 16);
    assert_memory_equal(a->tcb_components, b->tcb_components, 16);
    assert_int_equal(a->pcesvn, b->pcesvn);
    assert_memory_equal(a->cpusvn, b->cpusvn, 16);
    assert_memory_equal(a->pce_id, b->pce_id, 2);
    assert_memory_equal(a->fmspc, b->fmspc, 6);
    assert_int_equal(a->sgx_type, b->sgx_type);
    assert_int_equal(a->has_platform_instance_id, b->has_platform_instance_id);
    assert_memory_equal(a->platform_instance_id, b->platform_instance_id, 16);
    assert_int_equal(a->has_configuration, b->has_configuration);
    assert_int_equal(a->has_dynamic_platform, b->has_dynamic_platform);
    assert_int_equal(a->has_cached_keys, b->has_cached_keys);
    assert_int_equal(a->has_smt_enabled, b->has_smt_enabled);
    assert_int_equal(a->dynamic_platform, b->dynamic_platform);
    assert_int_equal(a->cached_keys, b->cached_keys);
    assert_int_equal(a->smt_enabled, b->smt_enabled);
    if (with_ca) assert_int_equal(a->ca, b->ca);
}

/* Parses `pem` three ways (PEM, DER, bare extension) and checks they agree. */
static void parse_all_ways(const char *pem, struct maat_pck_info *info)
{
    expect_ok_pem(pem, info);

    size_t dlen = 0;
    uint8_t *der = pem_to_der(pem, &dlen);
    struct maat_pck_info viader;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_der(der, dlen, &viader, &err), 0);
    assert_same_info(info, &viader, true);
    free(der);

    size_t elen = 0;
    uint8_t *ext = pem_ext_value(pem, &elen);
    struct maat_pck_info viaext;
    assert_int_equal(maat_pck_ext_parse(ext, elen, &viaext, &err), 0);
    assert_same_info(info, &viaext, false);
    assert_int_equal(viaext.ca, MAAT_PCK_CA_UNKNOWN); /* only the cert parsers set it */
    free(ext);
}

/* ---- real vectors ------------------------------------------------------------------ */

static void test_intel_qvl_sample(void **state)
{
    (void)state;
    size_t len = 0;
    char *pem = (char *)tu_read_vector("intel-qvl-sample/pckCert.pem", &len);
    TU_REQUIRE_VECTOR(pem);
    struct maat_pck_info info;
    parse_all_ways(pem, &info);
    assert_hex(info.fmspc, 6, "00707f000000");
    assert_hex(info.pce_id, 2, "0000");
    assert_int_equal(info.sgx_type, MAAT_SGX_TYPE_STANDARD);
    static const uint8_t comps[16] = {0, 3, 0, 0, 0, 1, 1, 0};
    assert_memory_equal(info.tcb_components, comps, 16);
    assert_int_equal(info.pcesvn, 3);
    assert_hex(info.cpusvn, 16, "00030000000101000000000000000000");
    assert_hex(info.ppid, 16, "8461863bb7ece31f64c8e9b77fd31cad");
    assert_int_equal(info.ca, MAAT_PCK_CA_PROCESSOR);
    assert_false(info.has_platform_instance_id);
    assert_false(info.has_configuration);
    assert_false(info.has_dynamic_platform || info.has_cached_keys || info.has_smt_enabled);
    assert_string_equal(maat_sgx_type_name(info.sgx_type), "Standard");
    assert_string_equal(maat_pck_ca_name(info.ca), "processor");
    free(pem);
}

static void test_tdx_spr_platform_leaf(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *q = tu_read_vector("tdx/tdx_prod_quote_SPR_E4.dat", &len);
    TU_REQUIRE_VECTOR(q);
    char *pem = first_pem(q, len);
    assert_non_null(pem);
    struct maat_pck_info info;
    parse_all_ways(pem, &info);
    assert_hex(info.fmspc, 6, "50806f000000");
    assert_hex(info.pce_id, 2, "0000");
    assert_int_equal(info.sgx_type, MAAT_SGX_TYPE_SCALABLE);
    static const uint8_t comps[16] = {3, 3, 2, 2, 2, 1, 0, 2};
    assert_memory_equal(info.tcb_components, comps, 16);
    assert_int_equal(info.pcesvn, 11);
    assert_hex(info.cpusvn, 16, "03030202020100020000000000000000");
    assert_hex(info.ppid, 16, "089ddfdb9c0359c82a3bc7719239574e");
    assert_int_equal(info.ca, MAAT_PCK_CA_PLATFORM);
    assert_true(info.has_platform_instance_id);
    assert_hex(info.platform_instance_id, 16, "8c314d17d205dfafcbecbb00fc87eff7");
    assert_true(info.has_configuration);
    assert_true(info.has_dynamic_platform && info.has_cached_keys && info.has_smt_enabled);
    assert_true(info.dynamic_platform);
    assert_false(info.cached_keys);
    assert_true(info.smt_enabled);
    assert_string_equal(maat_sgx_type_name(info.sgx_type), "Scalable");
    assert_string_equal(maat_pck_ca_name(info.ca), "platform");
    free(pem);
    free(q);
}

static void test_dcap_qvl_sgx_quote_leaf(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *q = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(q);
    char *pem = first_pem(q, len);
    assert_non_null(pem);
    struct maat_pck_info info;
    parse_all_ways(pem, &info);
    assert_hex(info.fmspc, 6, "00a067110000");
    assert_hex(info.pce_id, 2, "0000");
    assert_int_equal(info.sgx_type, MAAT_SGX_TYPE_STANDARD);
    static const uint8_t comps[16] = {11, 11, 2, 2, 255, 1, 0, 0};
    assert_memory_equal(info.tcb_components, comps, 16);
    assert_int_equal(info.pcesvn, 13);
    assert_hex(info.cpusvn, 16, "0b0b0202ff0100000000000000000000");
    assert_hex(info.ppid, 16, "d04ec06d4e6d92dc90d0ad3cf5ee2ddf");
    assert_int_equal(info.ca, MAAT_PCK_CA_PROCESSOR);
    assert_false(info.has_platform_instance_id || info.has_configuration);
    free(pem);
    free(q);
}

static void test_azure_intel_sdk_leaf(void **state)
{
    (void)state;
    size_t len = 0;
    char *js = (char *)tu_read_vector("azure-samples/intel-sdk/enclave.info.release.json", &len);
    TU_REQUIRE_VECTOR(js);
    json_error_t jerr;
    json_t *root = json_loadb(js, len, 0, &jerr);
    assert_non_null(root);
    const char *hex = json_string_value(json_object_get(root, "QuoteHex"));
    assert_non_null(hex);
    uint8_t *quote = NULL;
    size_t qlen = 0;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_hex_decode(hex, strlen(hex), "QuoteHex", &quote, &qlen, &err), 0);
    char *pem = first_pem(quote, qlen);
    assert_non_null(pem);
    struct maat_pck_info info;
    parse_all_ways(pem, &info);
    assert_hex(info.fmspc, 6, "00906ed50000");
    assert_hex(info.pce_id, 2, "0000");
    assert_int_equal(info.sgx_type, MAAT_SGX_TYPE_STANDARD);
    static const uint8_t comps[16] = {20, 20, 2, 4, 1, 128, 14, 0};
    assert_memory_equal(info.tcb_components, comps, 16);
    assert_int_equal(info.pcesvn, 13);
    assert_hex(info.cpusvn, 16, "1414020401800e000000000000000000");
    assert_hex(info.ppid, 16, "6dd903cff94eb222fa46e8fd55cca7ad");
    assert_int_equal(info.ca, MAAT_PCK_CA_PROCESSOR);
    assert_false(info.has_platform_instance_id || info.has_configuration);
    free(pem);
    free(quote);
    json_decref(root);
    free(js);
}

/* A CA certificate has no SGX extension: NOT_FOUND. A whole chain is not one cert. */
static void test_cert_without_extension(void **state)
{
    (void)state;
    size_t len = 0;
    char *chain = (char *)tu_read_vector("intel-qvl-sample/pckSignChain.pem", &len);
    TU_REQUIRE_VECTOR(chain);
    struct maat_pck_info info;
    struct maat_error err;

    char *ca = first_pem((const uint8_t *)chain, len);
    assert_non_null(ca);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(ca, strlen(ca), &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no SGX extension (" OIDS ")"));

    size_t dlen = 0;
    uint8_t *der = pem_to_der(ca, &dlen);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_der(der, dlen, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    free(der);

    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(chain, len, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRAILING);
    assert_non_null(strstr(err.msg, "not a chain"));
    free(ca);
    free(chain);
}

/* Broken certificate inputs: garbage, empty, truncated DER, trailing bytes. */
static void test_cert_malformed(void **state)
{
    (void)state;
    size_t len = 0;
    char *pem = (char *)tu_read_vector("intel-qvl-sample/pckCert.pem", &len);
    TU_REQUIRE_VECTOR(pem);
    struct maat_pck_info info;
    struct maat_error err;

    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem("hello", 5, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    assert_non_null(strstr(err.msg, "BEGIN CERTIFICATE"));
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem("", 0, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_der(NULL, 0, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_der(NULL, 1, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);

    size_t dlen = 0;
    uint8_t *der = pem_to_der(pem, &dlen);
    for (size_t n = 0; n < dlen; n++) {
        maat_error_clear(&err);
        memset(&info, 0xa5, sizeof info);
        int rc = maat_pck_cert_parse_der(der, n, &info, &err);
        if (rc != -1 || err.code == MAAT_OK) fail_msg("DER cert truncated to %zu accepted", n);
        assert_true(err.code == MAAT_ERR_TRUNCATED || err.code == MAAT_ERR_ENCODING);
        assert_true(maat_is_zero((const uint8_t *)&info, sizeof info));
        assert_int_equal(ERR_peek_error(), 0); /* no OpenSSL errors left behind */
    }
    uint8_t *longer = malloc(dlen + 1);
    memcpy(longer, der, dlen);
    longer[dlen] = 0;
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_der(longer, dlen + 1, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRAILING);
    assert_non_null(strstr(err.msg, "1 unexpected bytes after the certificate"));

    /* PEM bodies get the same DER checks: trailing byte, truncation, block name */
    char *pb = der_to_pem("CERTIFICATE", longer, dlen + 1);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(pb, strlen(pb), &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRAILING);
    assert_non_null(strstr(err.msg, "PCK certificate PEM: base64 body: PCK certificate: 1 "
                                    "unexpected bytes"));
    free(pb);
    pb = der_to_pem("CERTIFICATE", der, dlen - 10);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(pb, strlen(pb), &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
    free(pb);
    pb = der_to_pem("PUBLIC KEY", der, dlen);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(pb, strlen(pb), &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    assert_non_null(strstr(err.msg, "first block is \"PUBLIC KEY\""));
    free(pb);
    pb = der_to_pem("CERTIFICATE", der, dlen); /* round trip of the real one is fine */
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(pb, strlen(pb), &info, &err), 0);
    assert_int_equal(info.pcesvn, 3);
    free(pb);

    /* The PEM with trailing whitespace/NULs (type-5 chains end in a NUL) is fine. */
    char *padded = malloc(len + 4);
    memcpy(padded, pem, len);
    memcpy(padded + len, "\n \0", 3);
    maat_error_clear(&err);
    assert_int_equal(maat_pck_cert_parse_pem(padded, len + 3, &info, &err), 0);
    assert_int_equal(info.pcesvn, 3);
    free(padded);
    free(longer);
    free(der);
    free(pem);
}

/* ---- DER builder for synthetic extensions ------------------------------------------ */

struct der {
    uint8_t b[2048];
    size_t n;
};

static void d_raw(struct der *d, const void *p, size_t n)
{
    assert_true(d->n + n <= sizeof d->b);
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void d_tlv(struct der *d, uint8_t tag, const uint8_t *v, size_t n)
{
    uint8_t h[4] = {tag};
    size_t hl;
    if (n < 0x80) {
        h[1] = (uint8_t)n;
        hl = 2;
    } else if (n < 0x100) {
        h[1] = 0x81;
        h[2] = (uint8_t)n;
        hl = 3;
    } else {
        h[1] = 0x82;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    }
    d_raw(d, h, hl);
    d_raw(d, v, n);
}

/* OBJECT IDENTIFIER 1.2.840.113741.1.13.1.<suffix> (suffix arcs < 128). */
static void d_oid(struct der *d, const char *suffix)
{
    uint8_t v[32] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
    size_t n = 9;
    for (const char *s = suffix; *s;) {
        char *end;
        long arc = strtol(s, &end, 10);
        assert_true(arc >= 0 && arc < 128);
        v[n++] = (uint8_t)arc;
        s = *end == '.' ? end + 1 : end;
    }
    d_tlv(d, 0x06, v, n);
}

/* Minimal two's-complement INTEGER/ENUMERATED TLV. */
static size_t int_tlv(uint8_t tag, int64_t v, uint8_t *out)
{
    uint8_t tmp[9];
    size_t n = 0;
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) tmp[n++] = (uint8_t)(u >> (8 * i));
    size_t s = 0;
    while (s < 7 &&
           ((tmp[s] == 0x00 && !(tmp[s + 1] & 0x80)) || (tmp[s] == 0xff && (tmp[s + 1] & 0x80))))
        s++;
    out[0] = tag;
    out[1] = (uint8_t)(8 - s);
    memcpy(out + 2, tmp + s, 8 - s);
    return 2 + 8 - s;
}

enum mkind { M_NONE, M_OMIT, M_DUP, M_VALUE, M_APPEND };
struct mut {
    enum mkind kind;
    const char *suffix; /* the entry mutated (M_OMIT, M_DUP, M_VALUE) */
    int level;          /* M_APPEND: 0 top, 2 TCB, 7 configuration */
    uint8_t raw[40];    /* M_VALUE: the value TLV; M_APPEND: a whole entry */
    size_t rawlen;
};

struct model {
    struct maat_pck_info v;
    bool platform;
};

/* Appends SEQUENCE { OID suffix, value-TLV } honouring the mutation. */
static void emit(struct der *d, const char *suffix, const uint8_t *tlv, size_t tlvlen,
                 const struct mut *m)
{
    bool hit = m && m->suffix && strcmp(m->suffix, suffix) == 0;
    if (hit && m->kind == M_OMIT) return;
    if (hit && m->kind == M_VALUE) {
        tlv = m->raw;
        tlvlen = m->rawlen;
    }
    for (int rep = 0; rep < (hit && m->kind == M_DUP ? 2 : 1); rep++) {
        struct der e = {.n = 0};
        d_oid(&e, suffix);
        d_raw(&e, tlv, tlvlen);
        d_tlv(d, 0x30, e.b, e.n);
    }
}

static void emit_octets(struct der *d, const char *suffix, const uint8_t *p, size_t n,
                        const struct mut *m)
{
    struct der t = {.n = 0};
    d_tlv(&t, 0x04, p, n);
    emit(d, suffix, t.b, t.n, m);
}

static void emit_int(struct der *d, const char *suffix, uint8_t tag, int64_t v, const struct mut *m)
{
    uint8_t t[12];
    emit(d, suffix, t, int_tlv(tag, v, t), m);
}

static void emit_bool(struct der *d, const char *suffix, bool b, const struct mut *m)
{
    uint8_t t[3] = {0x01, 0x01, b ? 0xff : 0x00};
    emit(d, suffix, t, 3, m);
}

static void maybe_append(struct der *d, int level, const struct mut *m)
{
    if (m && m->kind == M_APPEND && m->level == level) d_raw(d, m->raw, m->rawlen);
}

/* The extension value for model `md` with mutation `m` (NULL for none). */
static void build_ext(const struct model *md, const struct mut *m, struct der *out)
{
    const struct maat_pck_info *v = &md->v;
    struct der top = {.n = 0}, tcb = {.n = 0}, cfg = {.n = 0}, t = {.n = 0};
    char suf[16];
    for (int i = 0; i < 16; i++) {
        snprintf(suf, sizeof suf, "2.%d", i + 1);
        emit_int(&tcb, suf, 0x02, v->tcb_components[i], m);
    }
    emit_int(&tcb, "2.17", 0x02, v->pcesvn, m);
    emit_octets(&tcb, "2.18", v->cpusvn, 16, m);
    maybe_append(&tcb, 2, m);

    emit_octets(&top, "1", v->ppid, 16, m);
    d_tlv(&t, 0x30, tcb.b, tcb.n);
    emit(&top, "2", t.b, t.n, m);
    emit_octets(&top, "3", v->pce_id, 2, m);
    emit_octets(&top, "4", v->fmspc, 6, m);
    emit_int(&top, "5", 0x0a, v->sgx_type, m);
    if (md->platform) {
        emit_octets(&top, "6", v->platform_instance_id, 16, m);
        emit_bool(&cfg, "7.1", v->dynamic_platform, m);
        emit_bool(&cfg, "7.2", v->cached_keys, m);
        emit_bool(&cfg, "7.3", v->smt_enabled, m);
        maybe_append(&cfg, 7, m);
        t.n = 0;
        d_tlv(&t, 0x30, cfg.b, cfg.n);
        emit(&top, "7", t.b, t.n, m);
    }
    maybe_append(&top, 0, m);
    out->n = 0;
    d_tlv(out, 0x30, top.b, top.n);
}

/* Values of intel-qvl-sample/pckCert.pem (Processor CA). */
static void model_processor(struct model *md)
{
    memset(md, 0, sizeof *md);
    hex2bin("8461863bb7ece31f64c8e9b77fd31cad", md->v.ppid, 16);
    static const uint8_t comps[16] = {0, 3, 0, 0, 0, 1, 1, 0};
    memcpy(md->v.tcb_components, comps, 16);
    md->v.pcesvn = 3;
    hex2bin("00030000000101000000000000000000", md->v.cpusvn, 16);
    hex2bin("00707f000000", md->v.fmspc, 6);
    md->v.sgx_type = MAAT_SGX_TYPE_STANDARD;
}

/* Values of the PCK leaf in tdx/tdx_prod_quote_SPR_E4.dat (Platform CA). */
static void model_platform(struct model *md)
{
    memset(md, 0, sizeof *md);
    md->platform = true;
    hex2bin("089ddfdb9c0359c82a3bc7719239574e", md->v.ppid, 16);
    static const uint8_t comps[16] = {3, 3, 2, 2, 2, 1, 0, 2};
    memcpy(md->v.tcb_components, comps, 16);
    md->v.pcesvn = 11;
    hex2bin("03030202020100020000000000000000", md->v.cpusvn, 16);
    hex2bin("50806f000000", md->v.fmspc, 6);
    md->v.sgx_type = MAAT_SGX_TYPE_SCALABLE;
    md->v.has_platform_instance_id = true;
    hex2bin("8c314d17d205dfafcbecbb00fc87eff7", md->v.platform_instance_id, 16);
    md->v.has_configuration = md->v.has_dynamic_platform = md->v.has_cached_keys =
        md->v.has_smt_enabled = true;
    md->v.dynamic_platform = true;
    md->v.smt_enabled = true;
}

/* Parses and expects failure with `code` and each non-NULL substring in the message;
 * also checks *out is left zeroed. */
static void expect_ext_err(const struct der *d, maat_err code, const char *s1, const char *s2,
                           const char *ctx)
{
    struct maat_pck_info info;
    struct maat_error err;
    maat_error_clear(&err);
    memset(&info, 0x5a, sizeof info);
    int rc = maat_pck_ext_parse(d->b, d->n, &info, &err);
    bool ok = rc == -1 && err.code == code && (s1 == NULL || strstr(err.msg, s1)) &&
              (s2 == NULL || strstr(err.msg, s2));
    if (!ok)
        fail_msg("%s: rc %d, code %s (want %s), msg \"%s\" (want \"%s\" and \"%s\")", ctx, rc,
                 maat_err_name(err.code), maat_err_name(code), err.msg, s1 ? s1 : "", s2 ? s2 : "");
    assert_true(maat_is_zero((const uint8_t *)&info, sizeof info));
}

static void expect_ext_ok(const struct der *d, struct maat_pck_info *info, const char *ctx)
{
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_pck_ext_parse(d->b, d->n, info, &err) != 0) fail_msg("%s: %s", ctx, err.msg);
}

/* The builder reproduces the two real extensions byte for byte, so the mutations
 * below differ from real Intel encodings only where intended. */
static void test_builder_matches_real_extensions(void **state)
{
    (void)state;
    struct model md;
    struct der d;
    size_t len = 0, elen = 0;
    char *pem = (char *)tu_read_vector("intel-qvl-sample/pckCert.pem", &len);
    TU_REQUIRE_VECTOR(pem);
    uint8_t *ext = pem_ext_value(pem, &elen);
    model_processor(&md);
    build_ext(&md, NULL, &d);
    assert_int_equal(d.n, elen);
    assert_memory_equal(d.b, ext, elen);
    free(ext);
    free(pem);

    uint8_t *q = tu_read_vector("tdx/tdx_prod_quote_SPR_E4.dat", &len);
    TU_REQUIRE_VECTOR(q);
    pem = first_pem(q, len);
    ext = pem_ext_value(pem, &elen);
    model_platform(&md);
    build_ext(&md, NULL, &d);
    assert_int_equal(d.n, elen);
    assert_memory_equal(d.b, ext, elen);

    struct maat_pck_info info;
    expect_ext_ok(&d, &info, "platform model");
    assert_same_info(&info, &md.v, false);
    free(ext);
    free(pem);
    free(q);
}

static const char *const top_required[] = {"1", "2", "3", "4", "5"};
static const char *const top_names[] = {"PPID", "TCB", "PCE-ID", "FMSPC", "SGX type"};

static void full_oid(char *buf, size_t n, const char *suffix, const char *name)
{
    snprintf(buf, n, OIDS ".%s (%s)", suffix, name);
}

static const char *tcb_name(int i, char *buf, size_t n)
{
    if (i == 17) return "PCESVN";
    if (i == 18) return "CPUSVN";
    snprintf(buf, n, "SGX TCB comp%d SVN", i);
    return buf;
}

static void test_missing_fields(void **state)
{
    (void)state;
    struct model md;
    model_processor(&md);
    struct der d;
    char want[160], nb[32], suf[16];
    for (size_t i = 0; i < 5; i++) {
        struct mut m = {.kind = M_OMIT, .suffix = top_required[i]};
        build_ext(&md, &m, &d);
        full_oid(want, sizeof want, top_required[i], top_names[i]);
        expect_ext_err(&d, MAAT_ERR_NOT_FOUND, want, "missing", top_required[i]);
    }
    for (int i = 1; i <= 18; i++) {
        snprintf(suf, sizeof suf, "2.%d", i);
        struct mut m = {.kind = M_OMIT, .suffix = suf};
        build_ext(&md, &m, &d);
        full_oid(want, sizeof want, suf, tcb_name(i, nb, sizeof nb));
        expect_ext_err(&d, MAAT_ERR_NOT_FOUND, want, "TCB component ", suf);
    }
    /* .6, .7 and the configuration booleans are optional at this level. */
    model_platform(&md);
    const char *opt[] = {"6", "7", "7.1", "7.2", "7.3"};
    for (size_t i = 0; i < 5; i++) {
        struct mut m = {.kind = M_OMIT, .suffix = opt[i]};
        struct maat_pck_info info;
        build_ext(&md, &m, &d);
        expect_ext_ok(&d, &info, opt[i]);
        assert_int_equal(info.has_platform_instance_id, strcmp(opt[i], "6") != 0);
        assert_int_equal(info.has_configuration, strcmp(opt[i], "7") != 0);
        assert_int_equal(info.has_dynamic_platform, strcmp(opt[i], "7") && strcmp(opt[i], "7.1"));
        assert_int_equal(info.has_cached_keys, strcmp(opt[i], "7") && strcmp(opt[i], "7.2"));
        assert_int_equal(info.has_smt_enabled, strcmp(opt[i], "7") && strcmp(opt[i], "7.3"));
        assert_int_equal(info.pcesvn, 11);
    }
}

static void test_duplicated_fields(void **state)
{
    (void)state;
    struct model md;
    model_platform(&md);
    struct der d;
    char suf[16];
    const char *all[] = {"1", "2", "3", "4", "5", "6", "7", "7.1", "7.2", "7.3"};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        struct mut m = {.kind = M_DUP, .suffix = all[i]};
        build_ext(&md, &m, &d);
        char want[160];
        snprintf(want, sizeof want, OIDS ".%s (", all[i]);
        expect_ext_err(&d, MAAT_ERR_VALUE, want, "appears twice", all[i]);
    }
    for (int i = 1; i <= 18; i++) {
        snprintf(suf, sizeof suf, "2.%d", i);
        struct mut m = {.kind = M_DUP, .suffix = suf};
        build_ext(&md, &m, &d);
        char want[160];
        snprintf(want, sizeof want, "TCB component " OIDS ".%s (", suf);
        expect_ext_err(&d, MAAT_ERR_VALUE, want, "appears twice", suf);
    }
}

static struct mut value_mut(const char *suffix, const uint8_t *tlv, size_t n)
{
    struct mut m = {.kind = M_VALUE, .suffix = suffix, .rawlen = n};
    assert_true(n <= sizeof m.raw);
    memcpy(m.raw, tlv, n);
    return m;
}

static struct mut int_mut(const char *suffix, uint8_t tag, int64_t v)
{
    struct mut m = {.kind = M_VALUE, .suffix = suffix};
    m.rawlen = int_tlv(tag, v, m.raw);
    return m;
}

static void test_wrong_types(void **state)
{
    (void)state;
    struct model md;
    model_platform(&md);
    struct der d;
    static const uint8_t int0[] = {0x02, 0x01, 0x00}, oct1[] = {0x04, 0x01, 0x00},
                         enum0[] = {0x0a, 0x01, 0x00}, null0[] = {0x05, 0x00},
                         bool1[] = {0x01, 0x01, 0xff}, seq0[] = {0x30, 0x00};
    struct {
        const char *suffix;
        const uint8_t *tlv;
        size_t n;
        const char *want;
    } cases[] = {
        {"1", int0, 3, "(PPID) is INTEGER, expected OCTET STRING"},
        {"2", oct1, 3, "(TCB) is OCTET STRING, expected SEQUENCE"},
        {"3", null0, 2, "(PCE-ID) is NULL, expected OCTET STRING"},
        {"4", seq0, 2, "(FMSPC) is SEQUENCE, expected OCTET STRING"},
        {"5", int0, 3, "(SGX type) is INTEGER, expected ENUMERATED"},
        {"6", bool1, 3, "(PlatformInstanceID) is BOOLEAN, expected OCTET STRING"},
        {"7", int0, 3, "(Configuration) is INTEGER, expected SEQUENCE"},
        {"2.1", oct1, 3, "(SGX TCB comp1 SVN) is OCTET STRING, expected INTEGER"},
        {"2.8", enum0, 3, "(SGX TCB comp8 SVN) is ENUMERATED, expected INTEGER"},
        {"2.16", bool1, 3, "(SGX TCB comp16 SVN) is BOOLEAN, expected INTEGER"},
        {"2.17", enum0, 3, "(PCESVN) is ENUMERATED, expected INTEGER"},
        {"2.18", int0, 3, "(CPUSVN) is INTEGER, expected OCTET STRING"},
        {"7.1", int0, 3, "(dynamicPlatform) is INTEGER, expected BOOLEAN"},
        {"7.2", oct1, 3, "(cachedKeys) is OCTET STRING, expected BOOLEAN"},
        {"7.3", null0, 2, "(SMTEnabled) is NULL, expected BOOLEAN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct mut m = value_mut(cases[i].suffix, cases[i].tlv, cases[i].n);
        build_ext(&md, &m, &d);
        char want[160];
        snprintf(want, sizeof want, OIDS ".%s (", cases[i].suffix);
        expect_ext_err(&d, MAAT_ERR_VALUE, want, cases[i].want, cases[i].suffix);
    }
    /* every component SVN rejects an OCTET STRING, naming itself */
    char suf[16], want[160];
    for (int i = 1; i <= 17; i++) {
        snprintf(suf, sizeof suf, "2.%d", i);
        struct mut m = value_mut(suf, oct1, 3);
        build_ext(&md, &m, &d);
        snprintf(want, sizeof want, "TCB component " OIDS ".%s (", suf);
        expect_ext_err(&d, MAAT_ERR_VALUE, want, "expected INTEGER", suf);
    }
}

static void test_octet_string_lengths(void **state)
{
    (void)state;
    struct model md;
    model_platform(&md);
    struct der d;
    uint8_t buf[20] = {0};
    struct {
        const char *suffix;
        size_t bad;
        const char *want;
    } cases[] = {
        {"1", 15, "(PPID) OCTET STRING has 15 bytes, expected 16"},
        {"1", 17, "(PPID) OCTET STRING has 17 bytes, expected 16"},
        {"3", 1, "(PCE-ID) OCTET STRING has 1 bytes, expected 2"},
        {"3", 3, "(PCE-ID) OCTET STRING has 3 bytes, expected 2"},
        {"4", 0, "(FMSPC) OCTET STRING has 0 bytes, expected 6"},
        {"4", 5, "(FMSPC) OCTET STRING has 5 bytes, expected 6"},
        {"4", 7, "(FMSPC) OCTET STRING has 7 bytes, expected 6"},
        {"6", 15, "(PlatformInstanceID) OCTET STRING has 15 bytes, expected 16"},
        {"2.18", 15, "(CPUSVN) OCTET STRING has 15 bytes, expected 16"},
        {"2.18", 17, "(CPUSVN) OCTET STRING has 17 bytes, expected 16"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct der t = {.n = 0};
        d_tlv(&t, 0x04, buf, cases[i].bad);
        struct mut m = value_mut(cases[i].suffix, t.b, t.n);
        build_ext(&md, &m, &d);
        char want[160];
        snprintf(want, sizeof want, OIDS ".%s (", cases[i].suffix);
        expect_ext_err(&d, MAAT_ERR_LENGTH, want, cases[i].want, cases[i].suffix);
    }
}

static void test_integer_ranges(void **state)
{
    (void)state;
    struct model md;
    model_processor(&md);
    struct der d;
    char suf[16], want[160];
    for (int i = 1; i <= 16; i++) {
        snprintf(suf, sizeof suf, "2.%d", i);
        struct mut m = int_mut(suf, 0x02, 256);
        build_ext(&md, &m, &d);
        snprintf(want, sizeof want,
                 "TCB component " OIDS ".%s (SGX TCB comp%d SVN) value 256 "
                 "out of range 0..255",
                 suf, i);
        expect_ext_err(&d, MAAT_ERR_VALUE, want, NULL, suf);

        m = int_mut(suf, 0x02, -1);
        build_ext(&md, &m, &d);
        expect_ext_err(&d, MAAT_ERR_VALUE, suf, "value -1 out of range 0..255", suf);

        m = int_mut(suf, 0x02, 255); /* the largest allowed */
        build_ext(&md, &m, &d);
        struct maat_pck_info info;
        expect_ext_ok(&d, &info, suf);
        assert_int_equal(info.tcb_components[i - 1], 255);
    }
    struct {
        const char *suffix;
        uint8_t tag;
        int64_t v;
        const char *want;
    } bad[] = {
        {"2.17", 0x02, 65536,
         "TCB component " OIDS ".2.17 (PCESVN) value 65536 out of range "
         "0..65535"},
        {"2.17", 0x02, 65537,
         "PCK SGX extension: TCB component " OIDS ".2.17 (PCESVN) value "
         "65537 out of range 0..65535"},
        {"2.17", 0x02, -1, OIDS ".2.17 (PCESVN) value -1 out of range 0..65535"},
        {"2.17", 0x02, INT64_MIN,
         OIDS ".2.17 (PCESVN) value -9223372036854775808 out of "
              "range"},
        {"5", 0x0a, 3, OIDS ".5 (SGX type) value 3 out of range 0..2"},
        {"5", 0x0a, -1, OIDS ".5 (SGX type) value -1 out of range 0..2"},
        {"5", 0x0a, INT64_MAX, OIDS ".5 (SGX type) value 9223372036854775807 out of range"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mut m = int_mut(bad[i].suffix, bad[i].tag, bad[i].v);
        build_ext(&md, &m, &d);
        expect_ext_err(&d, MAAT_ERR_VALUE, bad[i].want, NULL, bad[i].want);
    }
    /* 2^64 and -2^64-ish: more than 64 bits */
    static const uint8_t big[] = {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    struct mut m = value_mut("2.17", big, sizeof big);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, OIDS ".2.17 (PCESVN)", "does not fit in 64 bits", "big");
    static const uint8_t bigenum[] = {0x0a, 0x09, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
    m = value_mut("5", bigenum, sizeof bigenum);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, OIDS ".5 (SGX type)", "does not fit in 64 bits", "enum");

    /* boundaries that are allowed */
    struct maat_pck_info info;
    m = int_mut("2.17", 0x02, 65535);
    build_ext(&md, &m, &d);
    expect_ext_ok(&d, &info, "pcesvn 65535");
    assert_int_equal(info.pcesvn, 65535);
    m = int_mut("5", 0x0a, 2);
    build_ext(&md, &m, &d);
    expect_ext_ok(&d, &info, "sgx type 2");
    assert_int_equal(info.sgx_type, MAAT_SGX_TYPE_SCALABLE_WITH_INTEGRITY);
    assert_string_equal(maat_sgx_type_name(info.sgx_type), "ScalableWithIntegrity");
    assert_string_equal(maat_sgx_type_name((enum maat_sgx_type)7), "unknown");
}

/* An extra entry (SEQUENCE { OID .<suffix>, INTEGER 0 }) as raw bytes. */
static struct mut append_mut(int level, const char *suffix)
{
    struct der e = {.n = 0}, w = {.n = 0};
    static const uint8_t int0[] = {0x02, 0x01, 0x00};
    d_oid(&e, suffix);
    d_raw(&e, int0, 3);
    d_tlv(&w, 0x30, e.b, e.n);
    struct mut m = {.kind = M_APPEND, .level = level, .rawlen = w.n};
    memcpy(m.raw, w.b, w.n);
    return m;
}

static void test_unknown_sub_oids(void **state)
{
    (void)state;
    struct model md;
    model_platform(&md);
    struct der d;
    struct mut m = append_mut(0, "8");
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_UNSUPPORTED, "unknown sub-OID " OIDS ".8", "extension SEQUENCE",
                   "top .8");
    m = append_mut(2, "2.19");
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_UNSUPPORTED, "unknown sub-OID " OIDS ".2.19", "TCB sequence",
                   "tcb .2.19");
    m = append_mut(0, "2.1"); /* a TCB OID one level too high is unknown there */
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_UNSUPPORTED, "unknown sub-OID " OIDS ".2.1", NULL, "top .2.1");
    /* unknown configuration entries are ignored (as Intel's QVL does) */
    m = append_mut(7, "7.4");
    build_ext(&md, &m, &d);
    struct maat_pck_info info;
    expect_ext_ok(&d, &info, "config .7.4");
    assert_same_info(&info, &md.v, false);
}

static void test_malformed_entries(void **state)
{
    (void)state;
    struct model md;
    model_processor(&md);
    struct der d;
    /* an entry that is not a SEQUENCE */
    struct mut m = {.kind = M_APPEND, .level = 0, .raw = {0x02, 0x01, 0x00}, .rawlen = 3};
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, "entry 5", "is INTEGER, expected SEQUENCE", "not seq");
    /* SEQUENCE { INTEGER, INTEGER } */
    m = (struct mut){.kind = M_APPEND,
                     .level = 0,
                     .raw = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00},
                     .rawlen = 8};
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, "entry 5", "expected OBJECT IDENTIFIER", "no oid");
    /* three elements */
    m = (struct mut){.kind = M_APPEND,
                     .level = 2,
                     .raw = {0x30, 0x09, 0x06, 0x01, 0x2a, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00},
                     .rawlen = 11};
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, "TCB sequence " OIDS ".2 entry 18", "has 3 elements",
                   "3 elements");
    /* one element, and an empty entry */
    m = (struct mut){.kind = M_APPEND, .level = 0, .raw = {0x30, 0x03, 0x06, 0x01, 0x2a}, .rawlen = 5};
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, "entry 5", "has 1 elements, expected 2", "1 element");
    m = (struct mut){.kind = M_APPEND, .level = 0, .raw = {0x30, 0x00}, .rawlen = 2};
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, "entry 5", "has 0 elements", "empty entry");
    /* TCB value is a SEQUENCE whose contents are not entries */
    static const uint8_t tcbjunk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    m = value_mut("2", tcbjunk, sizeof tcbjunk);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_VALUE, "TCB sequence " OIDS ".2 entry 0", "expected SEQUENCE",
                   "tcb junk");
    /* empty TCB: every component missing, the first is named */
    static const uint8_t seq_empty[] = {0x30, 0x00};
    m = value_mut("2", seq_empty, sizeof seq_empty);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_NOT_FOUND, OIDS ".2.1 (SGX TCB comp1 SVN) missing", NULL,
                   "empty tcb");
    /* top level is not a SEQUENCE, or empty */
    struct der z = {.b = {0x04, 0x00}, .n = 2};
    expect_ext_err(&z, MAAT_ERR_ENCODING, "not a DER SEQUENCE", NULL, "octet string");
    z = (struct der){.b = {0x30, 0x00}, .n = 2};
    expect_ext_err(&z, MAAT_ERR_NOT_FOUND, OIDS ".1 (PPID) missing", NULL, "empty seq");
    z.n = 0;
    expect_ext_err(&z, MAAT_ERR_TRUNCATED, "empty", NULL, "no bytes");
    struct maat_pck_info info;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_pck_ext_parse(NULL, 3, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
}

/* BER encodings that are not DER are rejected at whatever level they occur. */
static void test_ber_not_der(void **state)
{
    (void)state;
    struct model md;
    model_platform(&md);
    struct der d;
    static const uint8_t longlen[] = {0x04, 0x81, 0x02, 0x00, 0x00}; /* PCE-ID */
    static const uint8_t padint[] = {0x02, 0x02, 0x00, 0x05};        /* comp 3 */
    static const uint8_t cons[] = {0x24, 0x08, 0x04, 0x02, 0x50,
                                   0x80, 0x04, 0x02, 0x6f, 0x00}; /* FMSPC pieces */
    static const uint8_t bool01[] = {0x01, 0x01, 0x01};           /* .7.1 */
    struct mut m = value_mut("3", longlen, sizeof longlen);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_ENCODING, "entry 2", "BER but not DER", "long length");
    m = value_mut("2.3", padint, sizeof padint);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_ENCODING, "TCB sequence " OIDS ".2 entry 2", NULL, "padded int");
    m = value_mut("4", cons, sizeof cons);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_ENCODING, "entry 3", NULL, "constructed octets");
    m = value_mut("7.1", bool01, sizeof bool01);
    build_ext(&md, &m, &d);
    expect_ext_err(&d, MAAT_ERR_ENCODING, OIDS ".7.1 (dynamicPlatform) BOOLEAN byte 0x01",
                   "expected 0x00 or 0xff", "bool 01");

    /* the whole extension with a long-form outer length */
    build_ext(&md, NULL, &d);
    assert_int_equal(d.b[1], 0x82);
    struct der b = {.n = 0};
    uint8_t h[] = {0x30, 0x83, 0x00, d.b[2], d.b[3]};
    d_raw(&b, h, sizeof h);
    d_raw(&b, d.b + 4, d.n - 4);
    expect_ext_err(&b, MAAT_ERR_ENCODING, "extension SEQUENCE at offset 0", "BER but not DER",
                   "outer long length");
    /* indefinite outer length */
    b.n = 0;
    uint8_t hi[] = {0x30, 0x80};
    d_raw(&b, hi, 2);
    d_raw(&b, d.b + 4, d.n - 4);
    d_raw(&b, "\0\0", 2);
    expect_ext_err(&b, MAAT_ERR_ENCODING, "BER but not DER", NULL, "indefinite");
}

/* Every prefix of a valid extension is rejected as truncated; bytes after it as trailing. */
static void test_truncation_and_trailing(void **state)
{
    (void)state;
    struct model md;
    struct der d, t;
    for (int platform = 0; platform < 2; platform++) {
        if (platform)
            model_platform(&md);
        else
            model_processor(&md);
        build_ext(&md, NULL, &d);
        for (size_t n = 0; n < d.n; n++) {
            t = d;
            t.n = n;
            char ctx[48];
            snprintf(ctx, sizeof ctx, "truncated to %zu", n);
            expect_ext_err(&t, MAAT_ERR_TRUNCATED, "extension SEQUENCE", NULL, ctx);
        }
        t = d;
        d_raw(&t, "\0", 1);
        char want[160];
        snprintf(want, sizeof want,
                 "1 unexpected bytes after the extension SEQUENCE at "
                 "offset %zu",
                 d.n);
        expect_ext_err(&t, MAAT_ERR_TRAILING, want, NULL, "trailing 00");
        t = d;
        d_raw(&t, "\x30\x00", 2);
        expect_ext_err(&t, MAAT_ERR_TRAILING, "2 unexpected bytes", NULL, "trailing seq");
    }
}

/* Offsets in messages point at the offending bytes. */
static void test_offsets(void **state)
{
    (void)state;
    struct model md;
    model_processor(&md);
    struct der d;
    struct mut m = int_mut("2.17", 0x02, 65537);
    build_ext(&md, &m, &d);
    /* find the encoded value 02 03 01 00 01 */
    size_t at = 0;
    static const uint8_t pat[] = {0x02, 0x03, 0x01, 0x00, 0x01};
    while (at + sizeof pat <= d.n && memcmp(d.b + at, pat, sizeof pat) != 0) at++;
    assert_true(at + sizeof pat <= d.n);
    char want[160];
    snprintf(want, sizeof want, "(value at offset %zu)", at);
    expect_ext_err(&d, MAAT_ERR_VALUE, "value 65537 out of range 0..65535", want, "offset");

    struct der t = {.n = 0};
    d_tlv(&t, 0x04, (const uint8_t *)"\1\2\3\4\5", 5);
    m = value_mut("4", t.b, t.n);
    build_ext(&md, &m, &d);
    at = 0;
    while (at + t.n <= d.n && memcmp(d.b + at, t.b, t.n) != 0) at++;
    snprintf(want, sizeof want, "(value at offset %zu)", at);
    expect_ext_err(&d, MAAT_ERR_LENGTH, "(FMSPC) OCTET STRING has 5 bytes", want, "offset 2");
}

/* Every single-byte change of a real extension: no crash, and either a clean parse or
 * an error with a message. (A quick in-test stand-in for fuzz/fuzz_pck.c.) */
static void test_byte_flips(void **state)
{
    (void)state;
    struct model md;
    model_platform(&md);
    struct der d;
    build_ext(&md, NULL, &d);
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x04, 0x30, 0x7f, 0x80, 0x81, 0xff};
    size_t accepted = 0, rejected = 0;
    for (size_t i = 0; i < d.n; i++)
        for (size_t k = 0; k < sizeof vals; k++) {
            struct der t = d;
            if (t.b[i] == vals[k]) continue;
            t.b[i] = vals[k];
            struct maat_pck_info info;
            struct maat_error err;
            maat_error_clear(&err);
            if (maat_pck_ext_parse(t.b, t.n, &info, &err) == 0) {
                accepted++;
            } else {
                assert_int_not_equal(err.code, MAAT_OK);
                assert_true(strncmp(err.msg, "PCK SGX extension: ", 19) == 0);
                rejected++;
            }
        }
    /* changing content bytes of PPID/FMSPC/... keeps it valid; structure bytes do not */
    assert_true(accepted > 0);
    assert_true(rejected > accepted);
}

/* ---- certificate-level rules on throw-away certificates ---------------------------- */

static uint8_t *make_cert(const char *issuer_cn, const struct der *ext, int ext_count, size_t *len)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
    X509_NAME *iss = X509_NAME_new(), *sub = X509_NAME_new();
    X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_UTF8, (const unsigned char *)issuer_cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(sub, "CN", MBSTRING_UTF8,
                               (const unsigned char *)"Intel SGX PCK Certificate", -1, -1, 0);
    X509_set_issuer_name(x, iss);
    X509_set_subject_name(x, sub);
    X509_NAME_free(iss);
    X509_NAME_free(sub);
    ASN1_TIME_set(X509_getm_notBefore(x), 1600000000);
    ASN1_TIME_set(X509_getm_notAfter(x), 1700000000);
    X509_set_pubkey(x, key);
    ASN1_OBJECT *oid = OBJ_txt2obj(OIDS, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, ext->b, (int)ext->n);
    for (int i = 0; i < ext_count; i++) {
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
        assert_non_null(e);
        assert_int_equal(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
    }
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(oid);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    unsigned char *d = NULL;
    int n = i2d_X509(x, &d);
    assert_true(n > 0);
    uint8_t *out = malloc((size_t)n);
    memcpy(out, d, (size_t)n);
    OPENSSL_free(d);
    X509_free(x);
    EVP_PKEY_free(key);
    *len = (size_t)n;
    return out;
}

static int cert_parse(const char *cn, const struct der *ext, int count, struct maat_pck_info *info,
                      struct maat_error *err)
{
    size_t len = 0;
    uint8_t *der = make_cert(cn, ext, count, &len);
    maat_error_clear(err);
    int rc = maat_pck_cert_parse_der(der, len, info, err);
    free(der);
    return rc;
}

static void test_cert_ca_rules(void **state)
{
    (void)state;
    struct model proc, plat;
    model_processor(&proc);
    model_platform(&plat);
    struct der pe, pl, d;
    build_ext(&proc, NULL, &pe);
    build_ext(&plat, NULL, &pl);
    struct maat_pck_info info;
    struct maat_error err;

    assert_int_equal(cert_parse("Intel SGX PCK Platform CA", &pl, 1, &info, &err), 0);
    assert_int_equal(info.ca, MAAT_PCK_CA_PLATFORM);
    assert_same_info(&info, &plat.v, false);
    assert_int_equal(cert_parse("Intel SGX PCK Processor CA", &pe, 1, &info, &err), 0);
    assert_int_equal(info.ca, MAAT_PCK_CA_PROCESSOR);
    assert_same_info(&info, &proc.v, false);

    /* unrecognised issuer: parsed, ca unknown (chain verification decides trust) */
    assert_int_equal(cert_parse("maat simulated PCK CA", &pl, 1, &info, &err), 0);
    assert_int_equal(info.ca, MAAT_PCK_CA_UNKNOWN);
    assert_int_equal(cert_parse("Intel SGX PCK Platform CA ", &pe, 1, &info, &err), 0);
    assert_int_equal(info.ca, MAAT_PCK_CA_UNKNOWN);

    /* Platform CA leaves need .6 and .7 */
    assert_int_equal(cert_parse("Intel SGX PCK Platform CA", &pe, 1, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, OIDS ".6 (PlatformInstanceID) missing"));
    struct mut m = {.kind = M_OMIT, .suffix = "7"};
    build_ext(&plat, &m, &d);
    assert_int_equal(cert_parse("Intel SGX PCK Platform CA", &d, 1, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, OIDS ".7 (Configuration) missing"));
    assert_true(maat_is_zero((const uint8_t *)&info, sizeof info));

    /* Processor CA leaves must not have them */
    assert_int_equal(cert_parse("Intel SGX PCK Processor CA", &pl, 1, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, OIDS ".6 (PlatformInstanceID) present"));
    m = (struct mut){.kind = M_OMIT, .suffix = "6"};
    build_ext(&plat, &m, &d);
    assert_int_equal(cert_parse("Intel SGX PCK Processor CA", &d, 1, &info, &err), -1);
    assert_non_null(strstr(err.msg, OIDS ".7 (Configuration) present"));

    /* the extension twice */
    assert_int_equal(cert_parse("Intel SGX PCK Processor CA", &pe, 2, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, "appears twice"));

    /* an extension error surfaces unchanged through the certificate parser */
    m = int_mut("2.17", 0x02, 65537);
    build_ext(&proc, &m, &d);
    assert_int_equal(cert_parse("Intel SGX PCK Processor CA", &d, 1, &info, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, "PCK SGX extension: TCB component " OIDS
                                    ".2.17 (PCESVN) value 65537 out of range 0..65535"));
    assert_string_equal(maat_pck_ca_name(MAAT_PCK_CA_UNKNOWN), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intel_qvl_sample),
        cmocka_unit_test(test_tdx_spr_platform_leaf),
        cmocka_unit_test(test_dcap_qvl_sgx_quote_leaf),
        cmocka_unit_test(test_azure_intel_sdk_leaf),
        cmocka_unit_test(test_cert_without_extension),
        cmocka_unit_test(test_cert_malformed),
        cmocka_unit_test(test_builder_matches_real_extensions),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_duplicated_fields),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_octet_string_lengths),
        cmocka_unit_test(test_integer_ranges),
        cmocka_unit_test(test_unknown_sub_oids),
        cmocka_unit_test(test_malformed_entries),
        cmocka_unit_test(test_ber_not_der),
        cmocka_unit_test(test_truncation_and_trailing),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test(test_cert_ca_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
