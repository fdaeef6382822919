/* test_signing_key.c - the token-signing key: MAA's kid derivation checked against the real
 * recorded /certs (and the quote MAA embeds in its certificate), the certificate profile
 * compared field by field with MAA's own certificate, the /certs JWK shape, persistence,
 * and signing from several threads through the key's pool of reused contexts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/jose.h"
#include "maat/quote.h"
#include "testutil.h"

#define MAA_KID "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE="

static json_t *certs_of(const char *kind)
{
    char rel[256];
    snprintf(rel, sizeof rel, "maa-recordings/metadata/certs-%s.response.json", kind);
    size_t len;
    uint8_t *p = tu_read_vector(rel, &len);
    if (p == NULL) return NULL;
    json_t *r = json_loadb((const char *)p, len, 0, NULL);
    free(p);
    assert_non_null(r);
    json_t *body = json_incref(json_object_get(r, "body"));
    json_decref(r);
    return body;
}

static X509 *x5c0(const json_t *jwk)
{
    const char *b = json_string_value(json_array_get(json_object_get(jwk, "x5c"), 0));
    assert_non_null(b);
    uint8_t *der;
    size_t n;
    struct maat_error err = {0};
    assert_int_equal(maat_base64_decode(b, strlen(b), "x5c", &der, &n, &err), 0);
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    assert_non_null(x);
    assert_ptr_equal(q, der + n);
    free(der);
    return x;
}

/* SHA-256 of the PEM SPKI text + NUL, computed here without maat. */
static void spki_hash_here(EVP_PKEY *k, uint8_t out[32])
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    assert_true(n > 0);
    assert_int_equal(strncmp(p, "-----BEGIN PUBLIC KEY-----\n", 27), 0);
    assert_int_equal(p[n - 1], '\n');
    char *buf = malloc((size_t)n + 1);
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
    /* 64-character lines */
    for (char *line = buf + 27; *line && strncmp(line, "-----END", 8) != 0;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 64);
        line = nl + 1;
    }
    SHA256((const uint8_t *)buf, (size_t)n + 1, out);
    free(buf);
    BIO_free(b);
}

static int ext_count_nid(const X509 *x, int nid)
{
    return X509_get_ext_by_NID(x, nid, -1) >= 0;
}

/* ---- kid ---- */

static void test_generate_and_kid(void **state)
{
    (void)state;
    static const enum maat_jws_alg algs[] = {MAAT_JWS_RS256, MAAT_JWS_ES256, MAAT_JWS_PS256};
    for (size_t i = 0; i < 3; i++) {
        struct maat_error err = {0};
        struct maat_signing_key *k = maat__signing_key_generate(algs[i], &err);
        assert_non_null(k);
        assert_int_equal(maat__signing_key_alg(k), algs[i]);
        EVP_PKEY *pk = maat__signing_key_pkey(k);
        assert_true(EVP_PKEY_is_a(pk, algs[i] == MAAT_JWS_ES256 ? "EC" : "RSA"));
        assert_int_equal(EVP_PKEY_get_bits(pk), algs[i] == MAAT_JWS_ES256 ? 256 : 2048);
        uint8_t h[32], mine[32];
        spki_hash_here(pk, h);
        maat__signing_key_spki_hash(k, mine);
        assert_memory_equal(h, mine, 32);
        char *b = maat_base64_encode(h, 32);
        assert_string_equal(maat__signing_key_kid(k), b);
        assert_int_equal(strlen(b), 44);
        assert_int_equal(b[43], '=');
        char kid[MAAT_KID_MAX];
        assert_int_equal(maat__jwk_maa_kid(pk, kid, &err), 0);
        assert_string_equal(kid, b);
        free(b);
        assert_null(maat__signing_key_cert(k));
        assert_null(maat__signing_key_jwk(k)); /* no certificate yet */
        maat__signing_key_free(k);
    }
    struct maat_error err = {0};
    assert_null(maat__signing_key_generate(MAAT_JWS_NONE, &err));
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    maat__signing_key_free(NULL);
}

/* The real /certs: kid of the enclave-backed key = our derivation from its public key, and
 * equals report_data[0:32] of the quote MAA put in the certificate; the Microsoft-CA keys
 * use the x5t form. */
static void test_recorded_certs_kids(void **state)
{
    (void)state;
    static const char *const kinds[] = {"shared", "aad", "isolated"};
    static const char *const cns[] = {"https://sharedwus.wus.attest.azure.net",
                                      "https://cpgearamaattestationaad.wus.attest.azure.net",
                                      "https://cpgearamaattestationiso.wus.attest.azure.net"};
    int x5t_checked = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *certs = certs_of(kinds[i]);
        TU_REQUIRE_VECTOR(certs);
        const json_t *keys = json_object_get(certs, "keys");
        assert_int_equal(json_array_size(keys), 3);
        struct maat_error err = {0};

        const json_t *k0 = json_array_get(keys, 0);
        assert_string_equal(json_string_value(json_object_get(k0, "kid")), MAA_KID);
        X509 *x = x5c0(k0);
        char cn[128];
        maat__x509_cn(X509_get_subject_name(x), cn, sizeof cn);
        assert_string_equal(cn, cns[i]);
        char kid[MAAT_KID_MAX];
        assert_int_equal(maat__jwk_maa_kid(X509_get0_pubkey(x), kid, &err), 0);
        assert_string_equal(kid, MAA_KID);

        const uint8_t *qp;
        size_t qlen;
        if (maat__signing_key_cert_quote(x, &qp, &qlen, &err) != 0) fail_msg("%s", err.msg);
        struct maat_quote q;
        if (maat_quote_parse(qp, qlen, &q, &err) != 0) fail_msg("%s", err.msg);
        assert_true(q.oe_envelope);
        assert_int_equal(q.oe_version, 1);
        assert_int_equal(q.oe_report_type, 2);
        assert_int_equal(q.oe_report_size + 16, qlen);
        assert_int_equal(q.version, 3);
        uint8_t h[32];
        assert_int_equal(maat__jwk_spki_hash(X509_get0_pubkey(x), h, &err), 0);
        assert_memory_equal(q.report_body.report_data, h, 32);
        assert_true(maat_is_zero(q.report_body.report_data + 32, 32));
        static const uint8_t mre[4] = {0xa8, 0x9f, 0x00, 0x1d}, mrs[4] = {0x74, 0xba, 0x5f, 0xba};
        assert_memory_equal(q.report_body.mr_enclave, mre, 4);
        assert_memory_equal(q.report_body.mr_signer, mrs, 4);
        X509_free(x);

        for (size_t j = 1; j < 3; j++) {
            const json_t *kj = json_array_get(keys, j);
            X509 *c = x5c0(kj);
            assert_int_equal(maat__jwk_x5t_kid(c, kid, &err), 0);
            assert_string_equal(kid, json_string_value(json_object_get(kj, "kid")));
            assert_int_equal(strlen(kid), 27);
            /* no quote extension in the Microsoft-CA certificates */
            maat_error_clear(&err);
            assert_int_equal(maat__signing_key_cert_quote(c, &qp, &qlen, &err), -1);
            assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
            X509_free(c);
            x5t_checked++;
        }
        json_decref(certs);
    }
    assert_int_equal(x5t_checked, 6);
}

/* MAA's 2020 certificate (uks): RSA-1024, quote without OE envelope in 1.2.840.113556.10.1.1;
 * the same binding holds, so the kid derivation gives its report_data. */
static void test_2020_cert(void **state)
{
    (void)state;
    size_t len;
    uint8_t *pem = tu_read_vector("azure-samples/maa-signing-cert/maa.prod.uks.signing.cert.pem",
                                  &len);
    TU_REQUIRE_VECTOR(pem);
    struct maat_error err = {0};
    STACK_OF(X509) *sk = maat__x509_load_all(pem, len, "uks cert", &err);
    assert_non_null(sk);
    X509 *x = sk_X509_value(sk, 0);
    assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(x)), 1024);
    const uint8_t *qp;
    size_t qlen;
    assert_int_equal(maat__signing_key_cert_quote(x, &qp, &qlen, &err), 0);
    assert_int_equal(qlen, 4584);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(qp, qlen, &q, &err), 0);
    assert_false(q.oe_envelope);
    uint8_t h[32];
    assert_int_equal(maat__jwk_spki_hash(X509_get0_pubkey(x), h, &err), 0);
    assert_memory_equal(q.report_body.report_data, h, 32);
    char kid[MAAT_KID_MAX];
    assert_int_equal(maat__jwk_maa_kid(X509_get0_pubkey(x), kid, &err), 0);
    assert_string_equal(kid, "KQFAHrk1xALKHBD4b4u7TCvCJ1Mw0MlYZe+rxdePOtg=");
    sk_X509_pop_free(sk, X509_free);
    free(pem);
}

/* ---- certificate profile ---- */

static void assert_der_equal_time(const ASN1_TIME *a, const ASN1_TIME *b)
{
    unsigned char *da = NULL, *db = NULL;
    int la = i2d_ASN1_TIME(a, &da), lb = i2d_ASN1_TIME(b, &db);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, (size_t)la);
    OPENSSL_free(da);
    OPENSSL_free(db);
}

static void assert_ext_der_equal(X509_EXTENSION *a, X509_EXTENSION *b)
{
    unsigned char *da = NULL, *db = NULL;
    int la = i2d_X509_EXTENSION(a, &da), lb = i2d_X509_EXTENSION(b, &db);
    assert_true(la > 0);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, (size_t)la);
    OPENSSL_free(da);
    OPENSSL_free(db);
}

/* Our certificate for MAA's CN and MAA's quote matches MAA's certificate in every field that
 * does not depend on the key, and in total length. */
static void test_cert_profile_vs_maa(void **state)
{
    (void)state;
    json_t *certs = certs_of("shared");
    TU_REQUIRE_VECTOR(certs);
    X509 *maa = x5c0(json_array_get(json_object_get(certs, "keys"), 0));
    struct maat_error err = {0};
    const uint8_t *qp;
    size_t qlen;
    assert_int_equal(maat__signing_key_cert_quote(maa, &qp, &qlen, &err), 0);

    struct maat_signing_key *k = maat__signing_key_generate(MAAT_JWS_RS256, &err);
    assert_non_null(k);
    assert_int_equal(
        maat__signing_key_issue_cert(k, "https://sharedwus.wus.attest.azure.net", qp, qlen, &err), 0);
    X509 *mine = maat__signing_key_cert(k);
    assert_non_null(mine);

    assert_int_equal(X509_get_version(mine), X509_get_version(maa));
    assert_int_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(mine), X509_get0_serialNumber(maa)), 0);
    assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(mine)), 1);
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(mine), X509_get_subject_name(maa)), 0);
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(mine), X509_get_subject_name(mine)), 0);
    {
        unsigned char *a = NULL, *b = NULL;
        int la = i2d_X509_NAME(X509_get_subject_name(mine), &a),
            lb = i2d_X509_NAME(X509_get_subject_name(maa), &b);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, (size_t)la); /* UTF8String CN, as MAA's */
        OPENSSL_free(a);
        OPENSSL_free(b);
    }
    assert_der_equal_time(X509_get0_notBefore(mine), X509_get0_notBefore(maa));
    assert_der_equal_time(X509_get0_notAfter(mine), X509_get0_notAfter(maa));
    time_t nb, na;
    assert_int_equal(maat__asn1_time_to_unix(X509_get0_notBefore(mine), &nb), 0);
    assert_int_equal(maat__asn1_time_to_unix(X509_get0_notAfter(mine), &na), 0);
    assert_int_equal(nb, 1556668800); /* 2019-05-01T00:00:00Z */
    assert_int_equal(na, 2556143999); /* 2050-12-31T23:59:59Z */
    assert_int_equal(X509_get_signature_nid(mine), NID_sha256WithRSAEncryption);
    assert_int_equal(X509_get_signature_nid(maa), NID_sha256WithRSAEncryption);

    /* extensions: same OIDs, order and criticality; BC and the quote byte-identical */
    assert_int_equal(X509_get_ext_count(mine), 4);
    assert_int_equal(X509_get_ext_count(maa), 4);
    for (int i = 0; i < 4; i++) {
        X509_EXTENSION *a = X509_get_ext(mine, i), *b = X509_get_ext(maa, i);
        assert_int_equal(OBJ_cmp(X509_EXTENSION_get_object(a), X509_EXTENSION_get_object(b)), 0);
        assert_int_equal(X509_EXTENSION_get_critical(a), X509_EXTENSION_get_critical(b));
        assert_int_equal(X509_EXTENSION_get_critical(a), 0);
        if (i == 0 || i == 3) assert_ext_der_equal(a, b);
    }
    assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(mine, 0))),
                     NID_basic_constraints);
    /* SKI = SHA-1 of the subjectPublicKey bits (as MAA's), AKI keyid = SKI */
    X509 *both[2] = {mine, maa};
    for (int i = 0; i < 2; i++) {
        const unsigned char *pk;
        int pklen;
        assert_int_equal(
            X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, X509_get_X509_PUBKEY(both[i])), 1);
        uint8_t id[20];
        SHA1(pk, (size_t)pklen, id);
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(both[i]);
        const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(both[i]);
        assert_non_null(ski);
        assert_non_null(aki);
        assert_int_equal(ASN1_STRING_length(ski), 20);
        assert_memory_equal(ASN1_STRING_get0_data(ski), id, 20);
        assert_int_equal(ASN1_OCTET_STRING_cmp(ski, aki), 0);
    }
    /* not a CA (empty basicConstraints) */
    assert_int_equal(X509_check_ca(mine), 0);
    /* same total size: only the key, the key ids and the signature differ */
    assert_int_equal(i2d_X509(mine, NULL), i2d_X509(maa, NULL));
    /* self-signed and the quote reads back */
    assert_int_equal(X509_verify(mine, X509_get0_pubkey(mine)), 1);
    const uint8_t *rp;
    size_t rlen;
    assert_int_equal(maat__signing_key_cert_quote(mine, &rp, &rlen, &err), 0);
    assert_int_equal(rlen, qlen);
    assert_memory_equal(rp, qp, qlen);

    X509_free(maa);
    json_decref(certs);
    maat__signing_key_free(k);
}

static void test_cert_variants(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_signing_key *k = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    assert_non_null(k);
    /* no quote: three extensions */
    assert_int_equal(maat__signing_key_issue_cert(k, "https://a.test", NULL, 0, &err), 0);
    X509 *x = maat__signing_key_cert(k);
    assert_int_equal(X509_get_ext_count(x), 3);
    assert_true(ext_count_nid(x, NID_basic_constraints));
    assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
    assert_int_equal(X509_verify(x, maat__signing_key_pkey(k)), 1);
    const uint8_t *qp;
    size_t qlen;
    assert_int_equal(maat__signing_key_cert_quote(x, &qp, &qlen, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    /* reissue replaces, with a quote now */
    const uint8_t fake[5] = {1, 2, 3, 4, 5};
    assert_int_equal(maat__signing_key_issue_cert(k, "https://b.test", fake, sizeof fake, &err), 0);
    x = maat__signing_key_cert(k);
    char cn[64];
    maat__x509_cn(X509_get_issuer_name(x), cn, sizeof cn);
    assert_string_equal(cn, "https://b.test");
    assert_int_equal(X509_get_ext_count(x), 4);
    maat_error_clear(&err);
    assert_int_equal(maat__signing_key_cert_quote(x, &qp, &qlen, &err), 0);
    assert_int_equal(qlen, 5);
    assert_memory_equal(qp, fake, 5);
    /* exact extnValue: the OCTET STRING holds the quote bytes themselves (as MAA's) */
    X509_EXTENSION *e = X509_get_ext(x, 3);
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(e);
    assert_int_equal(ASN1_STRING_length(v), 5);
    assert_memory_equal(ASN1_STRING_get0_data(v), fake, 5);
    char oid[64];
    OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(e), 1);
    assert_string_equal(oid, "1.3.6.1.4.1.311.105.1");

    /* bad arguments */
    char longcn[80];
    memset(longcn, 'a', 65);
    longcn[65] = '\0';
    struct {
        const char *issuer;
        const uint8_t *q;
        size_t qlen;
        maat_err code;
    } bad[] = {
        {"", NULL, 0, MAAT_ERR_VALUE},
        {longcn, NULL, 0, MAAT_ERR_VALUE},
        {"https://c.test", fake, 0, MAAT_ERR_VALUE},
        {NULL, NULL, 0, MAAT_ERR_USAGE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        maat_error_clear(&err);
        assert_int_equal(maat__signing_key_issue_cert(k, bad[i].issuer, bad[i].q, bad[i].qlen, &err),
                         -1);
        assert_int_equal(err.code, bad[i].code);
    }
    /* the old certificate survives a failed reissue */
    assert_ptr_equal(maat__signing_key_cert(k), x);
    /* exactly 64 characters is fine */
    longcn[64] = '\0';
    assert_int_equal(maat__signing_key_issue_cert(k, longcn, NULL, 0, &err), 0);
    maat__signing_key_free(k);
}

/* ---- JWK ---- */

static void test_jwk_shape(void **state)
{
    (void)state;
    static const enum maat_jws_alg algs[] = {MAAT_JWS_RS256, MAAT_JWS_ES256};
    for (size_t i = 0; i < 2; i++) {
        struct maat_error err = {0};
        struct maat_signing_key *k = maat__signing_key_generate(algs[i], &err);
        assert_int_equal(maat__signing_key_issue_cert(k, "https://jwk.test", NULL, 0, &err), 0);
        json_t *jwk = maat__signing_key_jwk(k);
        assert_non_null(jwk);
        char *text = json_dumps(jwk, JSON_COMPACT | JSON_PRESERVE_ORDER);
        unsigned char *der = NULL;
        int dl = i2d_X509(maat__signing_key_cert(k), &der);
        char *b = maat_base64_encode(der, (size_t)dl);
        char want[8192];
        snprintf(want, sizeof want, "{\"x5c\":[\"%s\"],\"kid\":\"%s\",\"kty\":\"%s\"}", b,
                 maat__signing_key_kid(k), algs[i] == MAAT_JWS_ES256 ? "EC" : "RSA");
        assert_string_equal(text, want);
        /* a client's view: JWKS lookup by the token's kid, key from x5c, verify */
        json_t *jwks = json_pack("{s:[O]}", "keys", jwk);
        const json_t *found = maat__jwks_find(jwks, maat__signing_key_kid(k));
        assert_ptr_equal(found, jwk);
        EVP_PKEY *pub = maat__jwk_to_pkey(found, &err);
        assert_non_null(pub);
        assert_int_equal(EVP_PKEY_eq(pub, maat__signing_key_pkey(k)), 1);
        json_t *hdr = json_pack("{s:s,s:s,s:s}", "jku", "https://jwk.test/certs", "kid",
                                maat__signing_key_kid(k), "typ", "JWT");
        json_t *pl = json_pack("{s:s}", "iss", "https://jwk.test");
        char *tok = maat__jws_sign(k, hdr, pl, true, &err);
        struct maat_jws j;
        assert_int_equal(maat__jws_parse(tok, strlen(tok), &j, &err), 0);
        assert_int_equal(maat__jws_verify(&j, pub, &err), 0);
        maat__jws_cleanup(&j);
        free(tok);
        json_decref(hdr);
        json_decref(pl);
        EVP_PKEY_free(pub);
        json_decref(jwks);
        free(b);
        OPENSSL_free(der);
        free(text);
        json_decref(jwk);
        maat__signing_key_free(k);
    }
}

/* ---- persistence ---- */

static void test_serialize_roundtrip(void **state)
{
    (void)state;
    static const enum maat_jws_alg algs[] = {MAAT_JWS_RS256, MAAT_JWS_ES256, MAAT_JWS_PS256};
    for (size_t i = 0; i < 3; i++) {
        struct maat_error err = {0};
        struct maat_signing_key *k = maat__signing_key_generate(algs[i], &err);
        for (int with_cert = 0; with_cert < 2; with_cert++) {
            if (with_cert) {
                const uint8_t q[3] = {9, 9, 9};
                assert_int_equal(maat__signing_key_issue_cert(k, "https://ser.test", q, 3, &err), 0);
            }
            uint8_t *blob;
            size_t len;
            assert_int_equal(maat__signing_key_serialize(k, &blob, &len, &err), 0);
            assert_true(len > 40);
            assert_memory_equal(blob + 13, "-----BEGIN PRIVATE KEY-----", 27); /* PKCS#8 PEM */
            struct maat_signing_key *r = maat__signing_key_deserialize(blob, len, &err);
            if (r == NULL) fail_msg("%s", err.msg);
            assert_int_equal(maat__signing_key_alg(r), algs[i]);
            assert_string_equal(maat__signing_key_kid(r), maat__signing_key_kid(k));
            assert_int_equal(EVP_PKEY_eq(maat__signing_key_pkey(r), maat__signing_key_pkey(k)), 1);
            if (with_cert)
                assert_int_equal(X509_cmp(maat__signing_key_cert(r), maat__signing_key_cert(k)), 0);
            else
                assert_null(maat__signing_key_cert(r));
            /* the restored key signs; the original's public key verifies */
            json_t *pl = json_pack("{s:i}", "n", 1);
            char *tok = maat__jws_sign(r, NULL, pl, false, &err);
            struct maat_jws j;
            assert_int_equal(maat__jws_parse(tok, strlen(tok), &j, &err), 0);
            assert_int_equal(j.alg, algs[i]);
            assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(k), &err), 0);
            maat__jws_cleanup(&j);
            free(tok);
            json_decref(pl);
            maat__signing_key_free(r);

            /* every truncation fails with an error; so does any extra byte */
            for (size_t n = 0; n < len; n += (n < 64 ? 1 : 97)) {
                maat_error_clear(&err);
                assert_null(maat__signing_key_deserialize(blob, n, &err));
                assert_int_not_equal(err.code, MAAT_OK);
            }
            uint8_t *longer = malloc(len + 1);
            memcpy(longer, blob, len);
            longer[len] = 0;
            maat_error_clear(&err);
            assert_null(maat__signing_key_deserialize(longer, len + 1, &err));
            assert_int_equal(err.code, MAAT_ERR_TRAILING);
            free(longer);
            /* corrupted magic, unknown alg byte, alg that does not fit the key */
            uint8_t *c = malloc(len);
            memcpy(c, blob, len);
            c[0] ^= 1;
            maat_error_clear(&err);
            assert_null(maat__signing_key_deserialize(c, len, &err));
            assert_non_null(strstr(err.msg, "magic"));
            memcpy(c, blob, len);
            c[8] = 0;
            maat_error_clear(&err);
            assert_null(maat__signing_key_deserialize(c, len, &err));
            assert_non_null(strstr(err.msg, "offset 8"));
            c[8] = (uint8_t)(algs[i] == MAAT_JWS_ES256 ? MAAT_JWS_RS256 : MAAT_JWS_ES256);
            maat_error_clear(&err);
            assert_null(maat__signing_key_deserialize(c, len, &err));
            assert_int_equal(err.code, MAAT_ERR_VALUE);
            free(c);
            OPENSSL_cleanse(blob, len);
            free(blob);
        }
        maat__signing_key_free(k);
    }
}

/* A blob whose certificate belongs to another key is refused. */
static void test_serialize_mismatch(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_signing_key *a = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    struct maat_signing_key *b = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    assert_int_equal(maat__signing_key_issue_cert(a, "https://a.test", NULL, 0, &err), 0);
    assert_int_equal(maat__signing_key_issue_cert(b, "https://a.test", NULL, 0, &err), 0);
    uint8_t *ba, *bb;
    size_t la, lb;
    assert_int_equal(maat__signing_key_serialize(a, &ba, &la, &err), 0);
    assert_int_equal(maat__signing_key_serialize(b, &bb, &lb, &err), 0);
    /* layout: magic 8, alg 1, u32 pem_len, pem, u32 der_len, der */
    uint32_t pa = (uint32_t)ba[9] | (uint32_t)ba[10] << 8 | (uint32_t)ba[11] << 16 |
                  (uint32_t)ba[12] << 24;
    uint32_t pb = (uint32_t)bb[9] | (uint32_t)bb[10] << 8 | (uint32_t)bb[11] << 16 |
                  (uint32_t)bb[12] << 24;
    size_t mixed_len = 13 + pa + (lb - 13 - pb);
    uint8_t *mixed = malloc(mixed_len);
    memcpy(mixed, ba, 13 + pa);                          /* a's key */
    memcpy(mixed + 13 + pa, bb + 13 + pb, lb - 13 - pb); /* b's certificate */
    assert_null(maat__signing_key_deserialize(mixed, mixed_len, &err));
    assert_non_null(strstr(err.msg, "does not match the private key"));
    free(mixed);
    free(ba);
    free(bb);
    maat__signing_key_free(a);
    maat__signing_key_free(b);
}

static char *pem_of(EVP_PKEY *k, const char *pass)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (pass)
        assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_128_cbc(), pass,
                                                       (int)strlen(pass), NULL, NULL),
                         1);
    else
        assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = strndup(p, (size_t)n);
    BIO_free(b);
    return s;
}

static void test_from_pem(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_signing_key *k = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    char *pem = pem_of(maat__signing_key_pkey(k), NULL);
    struct maat_signing_key *r = maat__signing_key_from_pem((const uint8_t *)pem, strlen(pem),
                                                           MAAT_JWS_ES256, &err);
    assert_non_null(r);
    assert_string_equal(maat__signing_key_kid(r), maat__signing_key_kid(k));
    maat__signing_key_free(r);
    /* wrong alg for the key */
    assert_null(maat__signing_key_from_pem((const uint8_t *)pem, strlen(pem), MAAT_JWS_RS256, &err));
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    free(pem);
    /* encrypted: refused, never prompts */
    pem = pem_of(maat__signing_key_pkey(k), "secret");
    maat_error_clear(&err);
    assert_null(maat__signing_key_from_pem((const uint8_t *)pem, strlen(pem), MAAT_JWS_ES256, &err));
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    free(pem);
    /* RSA-1024 is too small to be a service key */
    EVP_PKEY *small = EVP_RSA_gen(1024);
    pem = pem_of(small, NULL);
    maat_error_clear(&err);
    assert_null(maat__signing_key_from_pem((const uint8_t *)pem, strlen(pem), MAAT_JWS_RS256, &err));
    assert_non_null(strstr(err.msg, "1024 bits"));
    free(pem);
    EVP_PKEY_free(small);
    /* larger than the signature buffer (MAAT_SIGNATURE_MAX bytes): refused when loaded, not
     * at the first token */
    EVP_PKEY *big = EVP_RSA_gen(8 * MAAT_SIGNATURE_MAX + 8);
    assert_non_null(big);
    pem = pem_of(big, NULL);
    maat_error_clear(&err);
    assert_null(maat__signing_key_from_pem((const uint8_t *)pem, strlen(pem), MAAT_JWS_RS256, &err));
    assert_non_null(strstr(err.msg, "at most 4096"));
    free(pem);
    EVP_PKEY_free(big);
    /* garbage */
    maat_error_clear(&err);
    assert_null(maat__signing_key_from_pem((const uint8_t *)"nope", 4, MAAT_JWS_ES256, &err));
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    maat__signing_key_free(k);
}

/* ---- signing with reused contexts, from several threads ---- */

#define SIGNERS 4
#define SIGNS_EACH 40

struct signer_job {
    const struct maat_signing_key *k;
    int failures;
    uint8_t first_sig[MAAT_SIGNATURE_MAX];
    size_t first_len;
};

/* Verifies sig over msg under the key's public half with plain EVP, as a relying party
 * would (ES256: r||s converted to DER). */
static bool sig_ok(const struct maat_signing_key *k, const char *msg, const uint8_t *sig, size_t n)
{
    EVP_PKEY *pub = maat__signing_key_pkey(k);
    if (maat__signing_key_alg(k) == MAAT_JWS_ES256)
        return n == 64 && maat__ecdsa_verify_rs(pub, msg, strlen(msg), sig) == 1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub) == 1;
    if (ok && maat__signing_key_alg(k) == MAAT_JWS_PS256)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0;
    ok = ok && EVP_DigestVerify(md, sig, n, (const uint8_t *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static void *signer(void *arg)
{
    struct signer_job *j = arg;
    for (int i = 0; i < SIGNS_EACH; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "header.payload-%d", i);
        uint8_t sig[MAAT_SIGNATURE_MAX];
        size_t n = 0;
        struct maat_error err = {0};
        if (maat__signing_key_sign(j->k, msg, strlen(msg), sig, &n, &err) != 0 ||
            !sig_ok(j->k, msg, sig, n))
            j->failures++;
        if (i == 0) {
            memcpy(j->first_sig, sig, n);
            j->first_len = n;
        }
    }
    return NULL;
}

static void test_sign_threads(void **state)
{
    (void)state;
    enum maat_jws_alg algs[3] = {MAAT_JWS_ES256, MAAT_JWS_RS256, MAAT_JWS_PS256};
    for (int a = 0; a < 3; a++) {
        struct maat_error err = {0};
        struct maat_signing_key *k = maat__signing_key_generate(algs[a], &err);
        assert_non_null(k);
        struct signer_job jobs[SIGNERS];
        pthread_t th[SIGNERS];
        for (int i = 0; i < SIGNERS; i++) {
            jobs[i] = (struct signer_job){.k = k};
            assert_int_equal(pthread_create(&th[i], NULL, signer, &jobs[i]), 0);
        }
        for (int i = 0; i < SIGNERS; i++) {
            pthread_join(th[i], NULL);
            assert_int_equal(jobs[i].failures, 0);
        }
        assert_int_equal(jobs[0].first_len, algs[a] == MAAT_JWS_ES256 ? 64 : 256);
        /* ES256 and PS256 are randomised: the same message never gives the same signature;
         * RS256 is deterministic */
        bool same = memcmp(jobs[0].first_sig, jobs[1].first_sig, jobs[0].first_len) == 0;
        assert_true(algs[a] == MAAT_JWS_RS256 ? same : !same);
        /* a signature does not verify for another message */
        uint8_t sig[MAAT_SIGNATURE_MAX];
        size_t n = 0;
        assert_int_equal(maat__signing_key_sign(k, "m1", 2, sig, &n, &err), 0);
        assert_true(sig_ok(k, "m1", sig, n));
        assert_false(sig_ok(k, "m2", sig, n));
        maat__signing_key_free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_and_kid),
        cmocka_unit_test(test_recorded_certs_kids),
        cmocka_unit_test(test_2020_cert),
        cmocka_unit_test(test_cert_profile_vs_maa),
        cmocka_unit_test(test_cert_variants),
        cmocka_unit_test(test_jwk_shape),
        cmocka_unit_test(test_serialize_roundtrip),
        cmocka_unit_test(test_serialize_mismatch),
        cmocka_unit_test(test_from_pem),
        cmocka_unit_test(test_sign_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
