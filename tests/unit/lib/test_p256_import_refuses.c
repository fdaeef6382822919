/* test_p256_import_refuses.c - issue 16, session 8: the P-256 public key import of the cold
 * and warm paths (maat__p256_pubkey_from_raw: the attestation key, JWKs; through
 * maat__x509_p256_key: the PCK leaf, PCK CA, TCB Signing and root keys) keeps refusing
 * what is not a P-256 point: a point off the curve, the all-zero encoding (the point at
 * infinity has no affine x||y; (0, 0) is not on the curve), coordinates at or above the
 * field prime, a certificate key of another length (compressed point) or another curve.
 * bench/bench_p256_import.c compares the import routes (the one used is the fastest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maat/quote.h"
#include "testutil.h"
#include "verify_internal.h"

/* the P-256 field prime, big-endian */
static const uint8_t P256_P[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint8_t g_xy[64]; /* the real quote's attestation key */

static int setup(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *quote = tu_read_vector("dcap-qvl/sgx_quote", &n);
    if (quote == NULL) return -1;
    struct maat_quote q;
    struct maat_error err = {0};
    int rc = maat_quote_parse(quote, n, &q, &err);
    if (rc == 0) memcpy(g_xy, q.attest_pub_key, 64);
    free(quote);
    return rc;
}

static void refused(const uint8_t xy[64], const char *what)
{
    struct maat_error err = {0};
    EVP_PKEY *k = maat__p256_pubkey_from_raw(xy, "attestation key", &err);
    if (k != NULL) fail_msg("%s: accepted", what);
    assert_int_equal(err.code, MAAT_ERR_CRYPTO);
    if (strstr(err.msg, "attestation key: not a valid P-256 public key") == NULL)
        fail_msg("%s: %s", what, err.msg);
}

static void test_p256_import_refuses_off_curve_points(void **state)
{
    (void)state;
    struct maat_error err = {0};
    EVP_PKEY *k = maat__p256_pubkey_from_raw(g_xy, "attestation key", &err);
    assert_non_null(k);
    /* the key holds exactly the point given */
    uint8_t pt[65];
    size_t len = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt, &len),
        1);
    assert_int_equal(len, 65);
    assert_int_equal(pt[0], 0x04);
    assert_memory_equal(pt + 1, g_xy, 64);
    EVP_PKEY_free(k);

    uint8_t xy[64];
    for (int i = 0; i < 64; i += 7) { /* one bit of x or y changed: off the curve */
        memcpy(xy, g_xy, 64);
        xy[i] ^= 0x01;
        refused(xy, "a changed coordinate bit");
    }
    memset(xy, 0, sizeof xy);
    refused(xy, "all zero (no affine point: the point at infinity)");
    /* x = p (0 mod p, out of range), y the key's */
    memcpy(xy, P256_P, 32);
    memcpy(xy + 32, g_xy + 32, 32);
    refused(xy, "x = p");
    /* y = p, and all ones (both coordinates above p) */
    memcpy(xy, g_xy, 32);
    memcpy(xy + 32, P256_P, 32);
    refused(xy, "y = p");
    memset(xy, 0xff, sizeof xy);
    refused(xy, "x, y = 2^256 - 1");
}

/* A self-signed certificate for key, its point in the given format. */
static X509 *cert_for(EVP_PKEY *key)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
    X509_NAME *n = X509_get_subject_name(x);
    assert_int_equal(
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"k", -1, -1, 0), 1);
    assert_int_equal(X509_set_issuer_name(x, n), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 60));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

static void test_p256_import_refuses_certificate_keys_of_other_shapes(void **state)
{
    (void)state;
    /* a P-256 key: imported, the same key */
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    X509 *x = cert_for(k);
    EVP_PKEY *got = maat__x509_p256_key(x);
    assert_non_null(got);
    assert_int_equal(EVP_PKEY_eq(got, k), 1);
    EVP_PKEY_free(got);
    X509_free(x);
    /* the same key, its point compressed in the certificate (33 bytes, not 65) */
    assert_int_equal(
        EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"),
        1);
    x = cert_for(k);
    const unsigned char *pk = NULL;
    int pklen = 0;
    assert_int_equal(X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, X509_get_X509_PUBKEY(x)), 1);
    assert_int_equal(pklen, 33);
    assert_null(maat__x509_p256_key(x));
    X509_free(x);
    EVP_PKEY_free(k);
    /* another curve (P-384: 97-byte point) */
    k = EVP_EC_gen("P-384");
    assert_non_null(k);
    x = cert_for(k);
    assert_null(maat__x509_p256_key(x));
    X509_free(x);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p256_import_refuses_off_curve_points),
        cmocka_unit_test(test_p256_import_refuses_certificate_keys_of_other_shapes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
