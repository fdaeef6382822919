/* test_cold_pck_ca_direct.c - cold path (issue 16): the PCK CA of Intel's PCK CRL issuer
 * chain [PCK CA, Intel root] is checked directly under the trust set's compiled-in root
 * (collateral_signer.c: decoded without OpenSSL's key decoder, no X509_verify_cert; its
 * key imported from the point) and remembered as a verified issuer tail with that key.
 * Differential: a trust set holding the same root bytes added with maat_trust_add_root
 * (not the shared compiled-in certificate) takes the full path; both must reach the same
 * outcome (collateral: success, error code, validity window; then the quote's verdict
 * under that collateral and trust set) on the real collateral and on tampered chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "intel_root.h"
#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

#define AT ((time_t)1752919277)

struct outcome {
    int rc;
    maat_err code;
    time_t nb, na;
    char limiting[128];
    unsigned long direct;
    bool keyless_ca;
    /* the quote verified with that collateral and trust set */
    bool q_ok;
    int q_status;
    char q_reason[MAAT_ERROR_MSG_MAX];
    uint64_t tail_hits;
};

static uint8_t *g_buf, *g_quote;
static size_t g_quote_len;
static struct maat_collateral_bundle g_bundle;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    size_t n;
    g_buf = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &n);
    g_quote = tu_read_vector("dcap-qvl/sgx_quote", &g_quote_len);
    if (g_buf == NULL || g_quote == NULL) return -1;
    return maat_collateral_bundle_parse(g_buf, n, &g_bundle, &err);
}

static int teardown(void **state)
{
    (void)state;
    maat_collateral_bundle_cleanup(&g_bundle);
    free(g_buf);
    free(g_quote);
    return 0;
}

/* full: a trust set whose root is added from the same bytes (not the shared one) */
static struct maat_trust *trust(bool full)
{
    struct maat_error err = {0};
    struct maat_trust *t;
    if (!full) {
        t = maat_trust_new_intel(&err);
    } else {
        t = maat_trust_new_empty(&err);
        assert_non_null(t);
        assert_int_equal(maat_trust_add_root(t, (const uint8_t *)maat__intel_sgx_root_ca_pem,
                                             strlen(maat__intel_sgx_root_ca_pem),
                                             "Intel SGX Root CA", false, &err),
                         0);
    }
    assert_non_null(t);
    return t;
}

/* Verifies the bundle with the PCK CRL issuer chain replaced by chain (if not NULL), then
 * the quote under it. */
static struct outcome run(bool full, const char *chain)
{
    struct maat_error err = {0};
    struct maat_trust *t = trust(full);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    if (chain) {
        in.pck_crl_issuer_chain.ptr = (const uint8_t *)chain;
        in.pck_crl_issuer_chain.len = strlen(chain);
    }
    struct outcome o = {0};
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = maat__pck_ca_direct_taken;
    o.rc = maat_collateral_verify(&in, t, AT, &vc, &err);
    o.direct = maat__pck_ca_direct_taken - before;
    o.code = o.rc == 0 ? MAAT_OK : err.code;
    if (vc) {
        struct maat_collateral_window w;
        maat_verified_collateral_window(vc, &w);
        o.nb = w.not_before;
        o.na = w.not_after;
        snprintf(o.limiting, sizeof o.limiting, "%s", w.limiting ? w.limiting : "");
        /* decoded in the keyless library context (crypto.c), which has no digest: OpenSSL
         * could not compute its fingerprint */
        o.keyless_ca = (X509_get_extension_flags(vc->pck_crl_issuer) & EXFLAG_NO_FINGERPRINT) != 0;
        struct maat_quote q;
        struct maat_verdict v;
        struct maat_verify_opts vo = {.at = AT};
        assert_int_equal(maat_quote_parse(g_quote, g_quote_len, &q, &err), 0);
        assert_int_equal(maat_quote_verify(&q, vc, t, &vo, &v, &err), 0);
        o.q_ok = v.ok;
        o.q_status = (int)v.status;
        snprintf(o.q_reason, sizeof o.q_reason, "%s", v.reason);
        size_t count;
        maat__trust_issuer_stats(t, &o.tail_hits, &count);
    }
    maat_verified_collateral_free(vc);
    maat_trust_free(t);
    return o;
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->nb, b->nb);
    assert_int_equal(a->na, b->na);
    assert_string_equal(a->limiting, b->limiting);
    assert_int_equal(a->q_ok, b->q_ok);
    assert_int_equal(a->q_status, b->q_status);
    assert_string_equal(a->q_reason, b->q_reason);
}

/* The defect: the PCK CA was decoded with OpenSSL 3.0's key decoder and its chain run
 * through X509_verify_cert in every cold verification (~1.5 M instructions), and the
 * keyed decode kept OpenSSL's one-time decoder set-up on `maat verify`'s path. */
static void test_cold_pck_ca_checked_directly(void **state)
{
    (void)state;
    struct outcome d = run(false, NULL);
    struct outcome f = run(true, NULL);
    assert_int_equal(d.rc, 0);
    assert_int_equal(d.direct, 1);
    assert_true(d.keyless_ca); /* no keyed decode of the PCK CA */
    assert_int_equal(f.direct, 0);
    assert_false(f.keyless_ca);
    assert_true(d.q_ok);
    /* the quote's chain takes the tail learned from the direct check (leaf only) */
    assert_int_equal(d.tail_hits, f.tail_hits);
    assert_true(d.tail_hits >= 1);
    assert_same(&d, &f);
}

/* Single-byte tampers all over the chain text (both certificates: names, keys, extensions,
 * signatures, the root's bytes): the direct path refuses what the full path refuses, with
 * the same error code, and is taken only for chains the full path accepts; the quote's
 * verdict under the collateral is the same. */
static void test_cold_pck_ca_direct_tamper_differential(void **state)
{
    (void)state;
    const char *chain = g_bundle.pck_crl_issuer_chain;
    size_t n = strlen(chain);
    char *t = malloc(n + 1);
    assert_non_null(t);
    size_t tried = 0, refused = 0;
    for (size_t i = 0; i < n; i += 23) {
        memcpy(t, chain, n + 1);
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) continue;
        t[i] = c == 'A' ? 'B' : 'A';
        struct outcome d = run(false, t);
        struct outcome f = run(true, t);
        assert_same(&d, &f);
        if (d.direct) assert_int_equal(f.rc, 0);
        tried++;
        refused += d.rc != 0;
    }
    /* shapes the direct path leaves to the full path */
    const char *root_start = strstr(chain + 1, "-----BEGIN CERTIFICATE-----");
    assert_non_null(root_start);
    /* the root alone, the CA alone, the two swapped, the root twice, the TCB Signing
     * chain (an end entity where a CA belongs) */
    char *alt[5];
    alt[0] = strdup(root_start);
    alt[1] = strndup(chain, (size_t)(root_start - chain));
    size_t sl = (size_t)(root_start - chain), rl = strlen(root_start);
    alt[2] = malloc(n + 2);
    alt[3] = malloc(n + rl + 2);
    alt[4] = strdup(g_bundle.tcb_info_issuer_chain);
    assert_true(alt[0] && alt[1] && alt[2] && alt[3] && alt[4]);
    snprintf(alt[2], n + 2, "%s\n%.*s", root_start, (int)sl, chain);
    snprintf(alt[3], n + rl + 2, "%s\n%s", chain, root_start);
    for (int k = 0; k < 5; k++) {
        struct outcome d = run(false, alt[k]);
        struct outcome f = run(true, alt[k]);
        assert_int_equal(d.direct, 0);
        assert_same(&d, &f);
        free(alt[k]);
    }
    free(t);
    assert_true(tried > 30);
    assert_true(refused > 30);
}

/* The CA checks of the direct path: an end-entity certificate where the CA belongs (the
 * TCB Signing certificate, issued by the same root) is not taken, whatever its signature. */
static void test_cold_pck_ca_direct_refuses_end_entity(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = trust(false);
    const struct maat_anchor *a = NULL;
    EVP_PKEY *key = NULL;
    const char *tcb = g_bundle.tcb_info_issuer_chain;
    X509 *x = maat__pck_ca_direct((const uint8_t *)tcb, strlen(tcb), t, &a, &key, NULL);
    assert_null(x);
    assert_null(key);
    /* and the TCB Signing direct path does not take the PCK CA (a CA where an end entity
     * belongs) */
    const char *pck = g_bundle.pck_crl_issuer_chain;
    x = maat__tcb_signer_direct((const uint8_t *)pck, strlen(pck), t, &a, &key, NULL);
    assert_null(x);
    assert_null(key);
    x = maat__pck_ca_direct((const uint8_t *)pck, strlen(pck), t, &a, &key, NULL);
    assert_non_null(x);
    assert_non_null(key);
    assert_ptr_equal(a, &t->anchors[0]);
    EVP_PKEY_free(key);
    X509_free(x);
    maat_trust_free(t);
    (void)err;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_pck_ca_checked_directly),
        cmocka_unit_test(test_cold_pck_ca_direct_tamper_differential),
        cmocka_unit_test(test_cold_pck_ca_direct_refuses_end_entity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
