/*
 * sim_pki.c - X.509 certificates and CRLs of the simulated PKI, shaped like Intel's:
 * subjects "Intel SGX Root CA" / "Intel SGX PCK Processor CA" / "Intel SGX PCK Platform
 * CA" / "Intel SGX TCB Signing" / "Intel SGX PCK Certificate" (the common names verifiers
 * key on) but O = "maat simulated platform", so no one mistakes them for Intel's.
 * ECDSA P-256 with SHA-256 throughout, as Intel's.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "sim_internal.h"

#define SIM_ORG "maat simulated platform"

static X509_NAME *name_new(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (n == NULL ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)SIM_ORG, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "L", MBSTRING_UTF8, (const unsigned char *)"Simulated", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "ST", MBSTRING_UTF8, (const unsigned char *)"CA", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0)) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

int sim_random_serial(uint8_t out[SIM_SERIAL_LEN], struct maat_error *err)
{
    MAAT_TRY(sim_random(out, SIM_SERIAL_LEN, err));
    out[0] = (uint8_t)((out[0] & 0x7f) | 0x10); /* positive, exactly 20 bytes in DER */
    return 0;
}

static ASN1_INTEGER *serial_new(const uint8_t serial[SIM_SERIAL_LEN])
{
    BIGNUM *bn = BN_bin2bn(serial, SIM_SERIAL_LEN, NULL);
    ASN1_INTEGER *i = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    return i;
}

int sim_cert_serial(X509 *cert, uint8_t out[SIM_SERIAL_LEN], struct maat_error *err)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    int ok = bn != NULL && BN_num_bytes(bn) <= SIM_SERIAL_LEN &&
             BN_bn2binpad(bn, out, SIM_SERIAL_LEN) == SIM_SERIAL_LEN;
    BN_free(bn);
    if (!ok) return sim_ossl_error(err, "reading a certificate serial number");
    return 0;
}

static int set_time(ASN1_TIME *field, int64_t t)
{
    return ASN1_TIME_set(field, (time_t)t) != NULL;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok = ex != NULL && X509_add_ext(cert, ex, -1) == 1;
    X509_EXTENSION_free(ex);
    return ok;
}

static int add_sgx_ext(X509 *cert, const uint8_t *der, size_t len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(MAAT_OID_SGX_EXTENSION, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ex = NULL;
    int ok = obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, der, (int)len) == 1 &&
             (ex = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
             X509_add_ext(cert, ex, -1) == 1;
    X509_EXTENSION_free(ex);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok;
}

/* Extensions in Intel's order: AKI, CRL DP, SKI, key usage, basic constraints, SGX. */
static int add_extensions(X509 *cert, X509 *issuer, const struct sim_cert_spec *spec)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    char crldp[512];
    if (spec->crl_url != NULL) snprintf(crldp, sizeof crldp, "URI:%s", spec->crl_url);
    const char *ku = spec->kind == SIM_CERT_ROOT || spec->kind == SIM_CERT_CA
                         ? "critical,keyCertSign,cRLSign"
                         : "critical,digitalSignature,nonRepudiation";
    const char *bc = spec->kind == SIM_CERT_ROOT ? "critical,CA:TRUE,pathlen:1"
                     : spec->kind == SIM_CERT_CA ? "critical,CA:TRUE,pathlen:0"
                                                 : "critical,CA:FALSE";
    /* The root's AKI needs its own SKI first; X509V3 computes both from the key. */
    if (spec->kind == SIM_CERT_ROOT) {
        if (!add_ext(cert, &ctx, NID_subject_key_identifier, "hash")) return 0;
        X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    }
    if (!add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always")) return 0;
    if (spec->crl_url != NULL && !add_ext(cert, &ctx, NID_crl_distribution_points, crldp)) return 0;
    if (spec->kind == SIM_CERT_ROOT) {
        /* move the root's SKI after AKI and CRL DP, where Intel's root has it */
        X509_EXTENSION *ski = X509_delete_ext(cert, 0);
        int ok = ski != NULL && X509_add_ext(cert, ski, -1) == 1;
        X509_EXTENSION_free(ski);
        if (!ok) return 0;
    } else if (!add_ext(cert, &ctx, NID_subject_key_identifier, "hash")) {
        return 0;
    }
    if (!add_ext(cert, &ctx, NID_key_usage, ku) || !add_ext(cert, &ctx, NID_basic_constraints, bc))
        return 0;
    if (spec->sgx_ext != NULL && !add_sgx_ext(cert, spec->sgx_ext, spec->sgx_ext_len)) return 0;
    return 1;
}

X509 *sim_cert_issue(const struct sim_cert_spec *spec, struct maat_error *err)
{
    uint8_t serial[SIM_SERIAL_LEN];
    if (spec->serial != NULL)
        memcpy(serial, spec->serial, SIM_SERIAL_LEN);
    else if (sim_random_serial(serial, err) != 0)
        return NULL;
    X509 *cert = X509_new();
    X509_NAME *subject = name_new(spec->cn);
    ASN1_INTEGER *sn = serial_new(serial);
    X509 *issuer = spec->issuer ? spec->issuer : cert;
    EVP_PKEY *issuer_key = spec->issuer ? spec->issuer_key : spec->key;
    int ok = cert != NULL && subject != NULL && sn != NULL && X509_set_version(cert, 2) &&
             X509_set_serialNumber(cert, sn) && X509_set_subject_name(cert, subject) &&
             X509_set_issuer_name(cert, spec->issuer ? X509_get_subject_name(spec->issuer) : subject) &&
             set_time(X509_getm_notBefore(cert), spec->not_before) &&
             set_time(X509_getm_notAfter(cert), spec->not_after) &&
             X509_set_pubkey(cert, spec->key) && add_extensions(cert, issuer, spec) &&
             X509_sign(cert, issuer_key, EVP_sha256()) > 0;
    ASN1_INTEGER_free(sn);
    X509_NAME_free(subject);
    if (!ok) {
        X509_free(cert);
        sim_ossl_error(err, "issuing the certificate");
        maat_error_prefix(err, "%s", spec->cn);
        return NULL;
    }
    return cert;
}

static int crl_add_ext(X509_CRL *crl, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ex != NULL && X509_CRL_add_ext(crl, ex, -1) == 1;
    X509_EXTENSION_free(ex);
    return ok;
}

static int crl_add_number(X509_CRL *crl)
{
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    int ok = num != NULL && ASN1_INTEGER_set(num, 1) == 1 &&
             X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
    ASN1_INTEGER_free(num);
    return ok;
}

static int crl_add_revoked(X509_CRL *crl, const uint8_t serial[SIM_SERIAL_LEN], int64_t when)
{
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *sn = serial_new(serial);
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)when);
    int ok = r != NULL && sn != NULL && t != NULL && X509_REVOKED_set_serialNumber(r, sn) &&
             X509_REVOKED_set_revocationDate(r, t) && X509_CRL_add0_revoked(crl, r);
    if (ok) r = NULL;
    X509_REVOKED_free(r);
    ASN1_INTEGER_free(sn);
    ASN1_TIME_free(t);
    return ok;
}

int sim_crl_der(X509 *issuer, EVP_PKEY *key, int64_t this_update, int64_t next_update,
                const uint8_t (*serials)[SIM_SERIAL_LEN], size_t n, struct maat_buf *out,
                struct maat_error *err)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)this_update);
    ASN1_TIME *nu = ASN1_TIME_set(NULL, (time_t)next_update);
    int ok = crl != NULL && tu != NULL && nu != NULL && X509_CRL_set_version(crl, 1) &&
             X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) &&
             X509_CRL_set1_lastUpdate(crl, tu) && X509_CRL_set1_nextUpdate(crl, nu);
    for (size_t i = 0; ok && i < n; i++) ok = crl_add_revoked(crl, serials[i], this_update);
    ok = ok && crl_add_number(crl) &&
         crl_add_ext(crl, issuer, NID_authority_key_identifier, "keyid:always") &&
         X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0;
    unsigned char *der = NULL;
    int len = ok ? i2d_X509_CRL(crl, &der) : -1;
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    X509_CRL_free(crl);
    if (len <= 0) return sim_ossl_error(err, "issuing a CRL");
    int rc = maat_buf_put(out, der, (size_t)len);
    OPENSSL_free(der);
    if (rc != 0) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}
