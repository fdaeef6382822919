/* test_cold_tcb_signer_direct.c - cold path (issue 16): the TCB Signing certificate of
 * Intel's issuer chain [TCB Signing, Intel root] is checked directly under the trust set's
 * compiled-in root (collateral_signer.c: decoded without OpenSSL's key decoder, no
 * X509_verify_cert) instead of two keyed decodes and a chain verification. Differential:
 * a trust set holding the same root bytes added with maat_trust_add_root (not the shared
 * compiled-in certificate) takes the full path; both must reach the same outcome (success,
 * error code, validity window) on the real collateral and on tampered chains. */
#include "cold_fixture.h"

struct outcome {
    struct cold_outcome c;
    unsigned long direct;
};

/* Verifies the bundle with the TCB info / QE identity chain replaced by chain (if not NULL) */
static struct outcome run(bool full, const char *chain)
{
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    if (chain) {
        in.tcb_info_issuer_chain.ptr = (const uint8_t *)chain;
        in.tcb_info_issuer_chain.len = strlen(chain);
        in.qe_identity_issuer_chain = in.tcb_info_issuer_chain;
    }
    struct outcome o = {0};
    o.direct = cold_verify_counted(&in, cold_trust(full), &maat__tcb_signer_direct_taken, &o.c);
    return o;
}

/* the direct and the full path on one tampered chain: the direct path taken only for
 * chains the full path accepts */
static void both_paths(void *arg, const char *tampered, struct cold_outcome *a,
                       struct cold_outcome *b)
{
    (void)arg;
    struct outcome d = run(false, tampered);
    struct outcome f = run(true, tampered);
    if (d.direct) assert_int_equal(f.c.rc, 0);
    *a = d.c;
    *b = f.c;
}

/* The defect: the TCB Signing chain cost two keyed decodes (OpenSSL 3.0's key decoder,
 * ~1.3 M instructions each) and X509_verify_cert in every cold verification. */
static void test_cold_tcb_signer_checked_directly(void **state)
{
    (void)state;
    struct outcome d = run(false, NULL);
    struct outcome f = run(true, NULL);
    assert_int_equal(d.c.rc, 0);
    assert_int_equal(d.direct, 1); /* the shared chain, once */
    assert_int_equal(f.direct, 0);
    cold_assert_same(&d.c, &f.c);
}

/* Single-byte tampers all over the chain text (both certificates: names, keys, extensions,
 * signatures, the root's bytes): the direct path refuses what the full path refuses, with
 * the same error code, and is taken only for chains the full path accepts. */
static void test_cold_tcb_signer_direct_tamper_differential(void **state)
{
    (void)state;
    size_t tried = 0, refused = 0;
    cold_tamper_chain(g_bundle.tcb_info_issuer_chain, 23, true, "AB", both_paths, NULL, &tried,
                      &refused);
    /* shapes the direct path leaves to the full path: the root alone, the signer alone,
     * the two swapped, the root twice */
    char *alt[4];
    cold_chain_shapes(g_bundle.tcb_info_issuer_chain, alt);
    for (int k = 0; k < 4; k++) {
        struct outcome d = run(false, alt[k]);
        struct outcome f = run(true, alt[k]);
        assert_int_equal(d.direct, 0);
        cold_assert_same(&d.c, &f.c);
        free(alt[k]);
    }
    assert_true(tried > 30);
    assert_true(refused > 30);
}

/* A simulated or hand-added root never takes the direct path (only the compiled-in one). */
static void test_cold_tcb_signer_direct_only_intel_root(void **state)
{
    (void)state;
    struct outcome f = run(true, NULL);
    assert_int_equal(f.c.rc, 0);
    assert_int_equal(f.direct, 0);
    struct maat_trust *t = cold_trust_intel();
    assert_true(maat__trust_anchor_is_intel(&t->anchors[0]));
    maat_trust_free(t);
    t = cold_trust(true);
    assert_false(maat__trust_anchor_is_intel(&t->anchors[0]));
    maat_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_tcb_signer_checked_directly),
        cmocka_unit_test(test_cold_tcb_signer_direct_tamper_differential),
        cmocka_unit_test(test_cold_tcb_signer_direct_only_intel_root),
    };
    return cmocka_run_group_tests(tests, cold_setup_bundle, cold_teardown);
}
