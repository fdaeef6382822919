/* test_cold_pck_ca_direct.c - cold path (issue 16): the PCK CA of Intel's PCK CRL issuer
 * chain [PCK CA, Intel root] is checked directly under the trust set's compiled-in root
 * (collateral_signer.c: decoded without OpenSSL's key decoder, no X509_verify_cert; its
 * key imported from the point) and remembered as a verified issuer tail with that key.
 * Differential: a trust set holding the same root bytes added with maat_trust_add_root
 * (not the shared compiled-in certificate) takes the full path; both must reach the same
 * outcome (collateral: success, error code, validity window; then the quote's verdict
 * under that collateral and trust set) on the real collateral and on tampered chains. */
#include <openssl/x509v3.h>

#include "cold_fixture.h"

struct outcome {
    struct cold_outcome c;
    unsigned long direct;
    bool keyless_ca;
    /* the quote verified with that collateral and trust set */
    bool q_ok;
    int q_status;
    char q_reason[MAAT_ERROR_MSG_MAX];
    uint64_t tail_hits;
};

/* Verifies the bundle with the PCK CRL issuer chain replaced by chain (if not NULL), then
 * the quote under it. */
static struct outcome run(bool full, const char *chain)
{
    struct maat_trust *t = cold_trust(full);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    if (chain) {
        in.pck_crl_issuer_chain.ptr = (const uint8_t *)chain;
        in.pck_crl_issuer_chain.len = strlen(chain);
    }
    struct outcome o = {0};
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = maat__pck_ca_direct_taken;
    cold_collateral_verify(&in, t, &vc, &o.c);
    o.direct = maat__pck_ca_direct_taken - before;
    if (vc) {
        /* decoded in the keyless library context (crypto.c), which has no digest: OpenSSL
         * could not compute its fingerprint */
        o.keyless_ca = (X509_get_extension_flags(vc->pck_crl_issuer) & EXFLAG_NO_FINGERPRINT) != 0;
        struct maat_verdict v;
        cold_quote_verify(g_quote, g_quote_len, vc, t, NULL, &v);
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
    cold_assert_same(&a->c, &b->c);
    assert_int_equal(a->q_ok, b->q_ok);
    assert_int_equal(a->q_status, b->q_status);
    assert_string_equal(a->q_reason, b->q_reason);
}

/* the direct and the full path on one tampered chain: the same quote verdict, the direct
 * path taken only for chains the full path accepts */
static void both_paths(void *arg, const char *tampered, struct cold_outcome *a,
                       struct cold_outcome *b)
{
    (void)arg;
    struct outcome d = run(false, tampered);
    struct outcome f = run(true, tampered);
    assert_same(&d, &f);
    if (d.direct) assert_int_equal(f.c.rc, 0);
    *a = d.c;
    *b = f.c;
}

/* The defect: the PCK CA was decoded with OpenSSL 3.0's key decoder and its chain run
 * through X509_verify_cert in every cold verification (~1.5 M instructions), and the
 * keyed decode kept OpenSSL's one-time decoder set-up on `maat verify`'s path. */
static void test_cold_pck_ca_checked_directly(void **state)
{
    (void)state;
    struct outcome d = run(false, NULL);
    struct outcome f = run(true, NULL);
    assert_int_equal(d.c.rc, 0);
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
    size_t tried = 0, refused = 0;
    cold_tamper_chain(g_bundle.pck_crl_issuer_chain, 23, true, "AB", both_paths, NULL, &tried,
                      &refused);
    /* shapes the direct path leaves to the full path: the root alone, the CA alone, the
     * two swapped, the root twice, the TCB Signing chain (an end entity where a CA
     * belongs) */
    char *alt[5];
    cold_chain_shapes(g_bundle.pck_crl_issuer_chain, alt);
    alt[4] = strdup(g_bundle.tcb_info_issuer_chain);
    assert_non_null(alt[4]);
    for (int k = 0; k < 5; k++) {
        struct outcome d = run(false, alt[k]);
        struct outcome f = run(true, alt[k]);
        assert_int_equal(d.direct, 0);
        assert_same(&d, &f);
        free(alt[k]);
    }
    assert_true(tried > 30);
    assert_true(refused > 30);
}

/* The CA checks of the direct path: an end-entity certificate where the CA belongs (the
 * TCB Signing certificate, issued by the same root) is not taken, whatever its signature. */
static void test_cold_pck_ca_direct_refuses_end_entity(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = cold_trust(false);
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
    return cmocka_run_group_tests(tests, cold_setup_quote_bundle, cold_teardown);
}
