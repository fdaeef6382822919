/* test_cold_root_self_signature_constant.c - issue 16, cold path: the compiled-in Intel
 * SGX Root CA's self-signature is a fact established here, by the test suite, not a
 * verification repeated at run time. The defect: every trust set made by
 * maat_trust_new_intel verified that constant's self-signature again (one ECDSA
 * verification of the ten a cold verification made, per `maat verify` process), although
 * the bytes are compiled in and the outcome cannot change.
 *
 * This file pins: the compiled-in bytes (their SHA-256), their self-signature verified by
 * OpenSSL's own X509_verify and by maat's keyless path (which refuses an altered copy);
 * the count of ECDSA verifications of one cold verification (9: counted by interposing
 * libcrypto's ECDSA_verify, which OpenSSL 3's default provider calls for every ECDSA
 * verification, X509_verify_cert's and X509_CRL_verify's included); a configured anchor
 * (the same bytes added as a trust root) still has its self-signature checked at run
 * time; an altered root in the collateral or in the quote's PCK chain is still refused. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cold_fixture.h"
#include "maat/crypto.h"

/* X509_verify(root, root's key) over maat's keyless decoding of der (whose library context
 * has no digest, so the checks are made here: the signature algorithm the same inside and
 * outside the TBS, ecdsa-with-SHA256, no unused bits, the signature over the TBS bytes as
 * encoded, under the key imported from the point): 1 when it verifies, else 0. */
static int keyless_self_signature_verify(const uint8_t *der, size_t der_len)
{
    X509 *x = maat__x509_decode_keyless(der, der_len);
    EVP_PKEY *key = x ? maat__x509_p256_key(x) : NULL;
    const X509_ALGOR *outer;
    const ASN1_BIT_STRING *sig = NULL;
    size_t off, tlen;
    uint8_t digest[32];
    int ok = 0;
    if (key != NULL) X509_get0_signature(&sig, &outer, x);
    if (key != NULL && X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(x)) == 0 &&
        X509_get_signature_nid(x) == NID_ecdsa_with_SHA256 && sig != NULL && sig->length > 0 &&
        (sig->flags & 0x07) == 0 && maat__x509_tbs_span(der, der_len, &off, &tlen) == 0) {
        maat__sha256(der + off, tlen, digest);
        EVP_PKEY_CTX *c = maat__ecdsa_verify_ctx_new(key);
        ok = c ? EVP_PKEY_verify(c, sig->data, (size_t)sig->length, digest, sizeof digest) == 1 : 0;
        EVP_PKEY_CTX_free(c);
    }
    EVP_PKEY_free(key);
    X509_free(x);
    ERR_clear_error();
    return ok;
}

/* SHA-256 of the DER of Intel's SGX Root CA certificate as compiled in (src/lib/intel_root.c;
 * CN=Intel SGX Root CA, serial 22650CD6..., 2018-05-21..2049-12-31): Intel's published
 * fingerprint. */
static const char ROOT_SHA256[] =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

/* ---- every ECDSA verification of this thread, counted at libcrypto's ECDSA_verify ---- */

static unsigned long g_ecdsa;
static bool g_counting;

int ECDSA_verify(int type, const unsigned char *dgst, int dgstlen, const unsigned char *sig,
                 int siglen, EC_KEY *eckey);
int ECDSA_verify(int type, const unsigned char *dgst, int dgstlen, const unsigned char *sig,
                 int siglen, EC_KEY *eckey)
{
    static int (*real)(int, const unsigned char *, int, const unsigned char *, int, EC_KEY *);
    if (real == NULL) *(void **)&real = dlsym(RTLD_NEXT, "ECDSA_verify");
    if (real == NULL) abort();
    if (g_counting) g_ecdsa++;
    return real(type, dgst, dgstlen, sig, siglen, eckey);
}

/* The compiled-in root's DER (malloc'd). */
static uint8_t *root_der(size_t *len)
{
    BIO *bio = BIO_new_mem_buf(maat__intel_sgx_root_ca_pem, -1);
    assert_non_null(bio);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(x);
    uint8_t *der = NULL;
    int n = i2d_X509(x, &der);
    X509_free(x);
    assert_true(n > 0);
    uint8_t *copy = malloc((size_t)n);
    assert_non_null(copy);
    memcpy(copy, der, (size_t)n);
    OPENSSL_free(der);
    *len = (size_t)n;
    return copy;
}

/* The fact the run time relies on: the compiled-in bytes are the pinned ones and their
 * self-signature verifies, by OpenSSL's X509_verify on its own decoding and by maat's
 * keyless path; that path refuses a copy altered in its signature or its signed part. */
static void test_cold_compiled_root_self_signature_holds(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *der = root_der(&len);
    uint8_t md[32];
    char hex[65];
    SHA256(der, len, md);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    assert_string_equal(hex, ROOT_SHA256);
    assert_true(maat__is_intel_root_der(der, len));

    /* OpenSSL's own: decode with its key, X509_verify under its own key */
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    assert_non_null(x);
    assert_int_equal(X509_check_issued(x, x), X509_V_OK);
    assert_int_equal(X509_verify(x, X509_get0_pubkey(x)), 1);
    X509_free(x);

    /* maat's path: the keyless decoding and the key imported from the point */
    assert_int_equal(keyless_self_signature_verify(der, len), 1);
    /* ... which refuses an altered copy: the signature's last byte, a TBS byte (the
     * subject's last character), a truncation */
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, der, len);
    bad[len - 1] ^= 0x01;
    assert_int_equal(keyless_self_signature_verify(bad, len), 0);
    memcpy(bad, der, len);
    uint8_t *cn = memmem(bad, len, "Intel SGX Root CA", 17);
    assert_non_null(cn);
    cn = memmem(cn + 1, len - (size_t)(cn + 1 - bad), "Intel SGX Root CA", 17);
    assert_non_null(cn); /* the subject's, after the issuer's */
    cn[16] ^= 0x01;
    assert_int_equal(keyless_self_signature_verify(bad, len), 0);
    assert_int_equal(keyless_self_signature_verify(der, len - 1), 0);
    free(bad);

    /* the trust set's answer: known, without a verification */
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    g_ecdsa = 0;
    g_counting = true;
    assert_int_equal(maat__trust_anchor_self_signed(t, &t->anchors[0]), 1);
    g_counting = false;
    assert_int_equal(g_ecdsa, 0);
    /* the same bytes added as a configured anchor: verified at run time, as any */
    struct maat_trust *u = cold_trust_added("root");
    g_ecdsa = 0;
    g_counting = true;
    assert_int_equal(maat__trust_anchor_self_signed(u, &u->anchors[0]), 1);
    g_counting = false;
    assert_int_equal(g_ecdsa, 1);
    maat_trust_free(u);
    maat_trust_free(t);
    free(der);
}

/* One cold verification as bench_cold makes it: a new trust set, the bundle parsed and
 * verified, an empty PCK cache, the quote parsed and verified. The number of ECDSA
 * verifications it made; rc of the collateral verification and the verdict returned. */
static unsigned long cold_once(struct maat_trust *t, const uint8_t *coll, size_t coll_len,
                               const uint8_t *quote, size_t quote_len, int *coll_rc, bool *ok,
                               char *why, size_t why_len)
{
    struct maat_error err = {0};
    struct cold_env e = {0};
    g_ecdsa = 0;
    g_counting = true;
    *coll_rc = cold_env_open(&e, t, coll, coll_len);
    snprintf(why, why_len, "%s", e.coll.msg);
    maat_collateral_bundle_cleanup(&e.bundle);
    *ok = false;
    if (*coll_rc == 0) {
        struct maat_pck_cache *cache = maat_pck_cache_new(16, &err);
        assert_non_null(cache);
        struct maat_verdict v;
        struct maat_verify_opts o = {.at = AT, .pck_cache = cache};
        cold_quote_verify(quote, quote_len, e.vc, t, &o, &v);
        *ok = v.ok;
        snprintf(why, why_len, "%s", v.ok ? "" : v.reason);
        if (v.ok) assert_int_equal(v.status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
        maat_pck_cache_free(cache);
    }
    g_counting = false;
    cold_env_close(&e);
    return g_ecdsa;
}

/* The defect, counted: a cold verification made 10 ECDSA verifications, one of them the
 * compiled-in root's self-signature; now 9: PCK leaf, PCK CA, TCB Signing certificate,
 * TCB info, QE identity, Root CA CRL, PCK CRL, QE report, quote. */
static void test_cold_compiled_root_self_signature_verified_at_run_time(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char why[512];
    int crc;
    bool ok;
    /* the probe: one EVP_PKEY_verify is one count (else nothing below would count) */
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    g_ecdsa = 0;
    g_counting = true;
    assert_int_equal(X509_verify(maat__anchor_cert_keyed(&t->anchors[0]), t->anchors[0].key), 1);
    g_counting = false;
    if (g_ecdsa != 1) fail_msg("ECDSA_verify interposition counted %lu, not 1", g_ecdsa);
    maat_trust_free(t);
    for (int i = 0; i < 3; i++) {
        t = maat_trust_new_intel(&err);
        assert_non_null(t);
        unsigned long n = cold_once(t, g_coll, g_coll_len, g_quote, g_quote_len, &crc, &ok, why,
                                    sizeof why);
        maat_trust_free(t);
        if (crc != 0 || !ok) fail_msg("cold verification %d refused: %s", i, why);
        if (n != 9) fail_msg("cold verification %d: %lu ECDSA verifications, expected 9", i, n);
    }
    /* the same root bytes as a configured anchor (not the compiled-in one): its
     * self-signature is verified at run time, once per trust set: 10 */
    t = cold_trust_added("configured");
    unsigned long n = cold_once(t, g_coll, g_coll_len, g_quote, g_quote_len, &crc, &ok, why,
                                sizeof why);
    maat_trust_free(t);
    if (crc != 0 || !ok) fail_msg("configured anchor: refused: %s", why);
    if (n != 10) fail_msg("configured anchor: %lu ECDSA verifications, expected 10", n);
}

/* Flips a base64 character well inside the last certificate block of a PEM chain (the
 * root's signature or signed part; never padding or a line break). */
static void alter_last_block(char *chain, size_t back)
{
    char *end = NULL, *e = chain;
    while ((e = strstr(e, "-----END CERTIFICATE-----")) != NULL) end = e++;
    assert_non_null(end);
    char *p = end - back;
    while (*p == '\n' || *p == '\r' || *p == '=') p--;
    *p = *p == 'A' ? 'B' : 'A';
}

/* An altered root (the chain top no longer byte-identical to the compiled-in root) is
 * refused wherever it is sent: the TCB Signing chain, the PCK CRL issuer chain, the
 * quote's PCK chain; its signature altered and its signed part altered. */
static void test_cold_altered_root_still_refused(void **state)
{
    (void)state;
    static const size_t backs[] = {10, 300}; /* the signature; the extensions */
    for (size_t k = 0; k < sizeof backs / sizeof backs[0]; k++) {
        for (int where = 0; where < 3; where++) {
            struct maat_error err = {0};
            struct maat_collateral_bundle b;
            assert_int_equal(maat_collateral_bundle_parse(g_coll, g_coll_len, &b, &err), 0);
            if (where < 2) {
                char *c = where == 0 ? b.tcb_info_issuer_chain : b.pck_crl_issuer_chain;
                alter_last_block(c, backs[k]);
            }
            /* the quote: its PCK chain is PEM inside the certification data */
            uint8_t *quote = malloc(g_quote_len);
            assert_non_null(quote);
            memcpy(quote, g_quote, g_quote_len);
            if (where == 2) {
                /* the last END marker in the raw bytes: the root's block */
                uint8_t *last = NULL;
                for (size_t i = 0; i + 25 <= g_quote_len; i++)
                    if (memcmp(quote + i, "-----END CERTIFICATE-----", 25) == 0) last = quote + i;
                assert_non_null(last);
                uint8_t *p = last - backs[k];
                while (*p == '\n' || *p == '\r' || *p == '=') p--;
                *p = *p == 'A' ? 'B' : 'A';
            }
            struct maat_collateral_input in;
            maat_collateral_input_from_bundle(&b, &in);
            struct maat_trust *t = cold_trust_intel();
            struct maat_verified_collateral *vc = NULL;
            int crc = maat_collateral_verify(&in, t, AT, &vc, &err);
            if (where < 2) {
                if (crc == 0)
                    fail_msg("altered root in chain %d (back %zu) accepted", where, backs[k]);
                const char *want = where == 0 ? "TCB info issuer chain" : "PCK CRL issuer chain";
                if (strstr(err.msg, want) == NULL) fail_msg("%s", err.msg);
            } else {
                assert_int_equal(crc, 0);
                struct maat_pck_cache *cache = maat_pck_cache_new(16, &err);
                assert_non_null(cache);
                struct maat_quote q;
                struct maat_verdict v;
                struct maat_verify_opts o = {.at = AT, .pck_cache = cache};
                assert_int_equal(maat_quote_parse(quote, g_quote_len, &q, &err), 0);
                int r = maat_quote_verify(&q, vc, t, &o, &v, &err);
                if (r == 0 && v.ok) fail_msg("altered root in the quote's PCK chain accepted");
                maat_pck_cache_free(cache);
            }
            maat_verified_collateral_free(vc);
            maat_trust_free(t);
            free(quote);
            maat_collateral_bundle_cleanup(&b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_compiled_root_self_signature_holds),
        cmocka_unit_test(test_cold_compiled_root_self_signature_verified_at_run_time),
        cmocka_unit_test(test_cold_altered_root_still_refused),
    };
    return cmocka_run_group_tests(tests, cold_setup_quote, cold_teardown);
}
