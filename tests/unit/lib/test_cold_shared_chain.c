/* test_cold_shared_chain.c - cold path (issue 16): the TCB info and the QE identity name the
 * same TCB Signing chain; maat_collateral_verify decodes and verifies a chain text shared
 * byte for byte by the two once. Differential: the shortcut's verdicts (success, error code,
 * validity window) equal those of the full path, reached by giving the QE identity a copy of
 * the chain that differs only in a trailing newline, on the real dcap-qvl collateral and on
 * tampered versions of it. */
#include "cold_fixture.h"

struct outcome {
    struct cold_outcome c;
    unsigned long loads;
};

/* Verifies the bundle with the QE identity chain given as `qe_chain` (shared: the TCB info
 * chain's own bytes; else a separate copy with a newline appended). */
static struct outcome run(const struct maat_collateral_bundle *b, bool shared,
                          const char *tcb_chain_override)
{
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(b, &in);
    if (tcb_chain_override) {
        in.tcb_info_issuer_chain.ptr = (const uint8_t *)tcb_chain_override;
        in.tcb_info_issuer_chain.len = strlen(tcb_chain_override);
    }
    char *copy = NULL;
    if (shared) {
        in.qe_identity_issuer_chain = in.tcb_info_issuer_chain;
    } else {
        size_t n = in.tcb_info_issuer_chain.len;
        copy = malloc(n + 2);
        assert_non_null(copy);
        memcpy(copy, in.tcb_info_issuer_chain.ptr, n);
        copy[n] = '\n';
        copy[n + 1] = '\0';
        in.qe_identity_issuer_chain.ptr = (const uint8_t *)copy;
        in.qe_identity_issuer_chain.len = n + 1;
    }
    struct outcome o = {0};
    o.loads = cold_verify_counted(&in, cold_trust_intel(), &maat__issuer_chain_loads, &o.c);
    free(copy);
    return o;
}

/* the shortcut (the chain shared) and the full path (a copy) on one tampered chain */
static void both_paths(void *arg, const char *tampered, struct cold_outcome *a,
                       struct cold_outcome *b)
{
    (void)arg;
    *a = run(&g_bundle, true, tampered).c;
    *b = run(&g_bundle, false, tampered).c;
}

/* The defect: a shared TCB Signing chain was decoded and verified twice per collateral. */
static void test_cold_shared_tcb_signing_chain_verified_once(void **state)
{
    (void)state;
    struct outcome s = run(&g_bundle, true, NULL);
    struct outcome f = run(&g_bundle, false, NULL);
    assert_int_equal(s.c.rc, 0);
    cold_assert_same(&s.c, &f.c);
    assert_int_equal(f.loads, 3); /* TCB info, QE identity (a copy), PCK CRL issuer chains */
    assert_int_equal(s.loads, 2); /* the shared chain once, the PCK CRL issuer chain */
}

/* Tampered chains and signatures: the shortcut refuses exactly what the full path refuses. */
static void test_cold_shared_chain_tamper_differential(void **state)
{
    (void)state;
    size_t tried = 0, refused = 0;
    /* A byte in each of many positions of the chain text (base64 letters swapped for
     * another letter: signatures, keys, names and extensions of both certificates). */
    cold_tamper_chain(g_bundle.tcb_info_issuer_chain, 37, false, "QR", both_paths, NULL, &tried,
                      &refused);
    assert_true(tried > 20);
    assert_true(refused > 0);

    /* The QE identity's signature under the shared signer. */
    struct maat_collateral_bundle b = g_bundle;
    b.qe_identity.signature[5] ^= 1;
    struct outcome s = run(&b, true, NULL);
    struct outcome f = run(&b, false, NULL);
    assert_int_not_equal(s.c.rc, 0);
    cold_assert_same(&s.c, &f.c);
    b = g_bundle;
    b.tcb_info.signature[60] ^= 0x80;
    s = run(&b, true, NULL);
    f = run(&b, false, NULL);
    assert_int_not_equal(s.c.rc, 0);
    cold_assert_same(&s.c, &f.c);
}

/* A QE identity chain that differs from the TCB info's is still verified on its own:
 * the PCK CRL issuer chain (PCK CA) in its place is a valid chain whose key did not sign
 * the QE identity. */
static void test_cold_distinct_qe_chain_still_verified(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *trust = cold_trust_intel();
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    in.qe_identity_issuer_chain = in.pck_crl_issuer_chain;
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = maat__issuer_chain_loads;
    assert_int_not_equal(maat_collateral_verify(&in, trust, AT, &vc, &err), 0);
    assert_null(vc);
    assert_int_equal(maat__issuer_chain_loads - before, 2);
    assert_non_null(strstr(err.msg, "QE identity"));
    maat_trust_free(trust);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_shared_tcb_signing_chain_verified_once),
        cmocka_unit_test(test_cold_shared_chain_tamper_differential),
        cmocka_unit_test(test_cold_distinct_qe_chain_still_verified),
    };
    return cmocka_run_group_tests(tests, cold_setup_bundle, cold_teardown);
}
