/* test_cold_decode_once.c - cold path (issue 16): the collateral bundle check decodes the
 * first certificate of the PCK CRL issuer chain and of the TCB info issuer chain (keyless)
 * and both CRLs; maat_collateral_verify decoded them all again. The bundle now keeps them
 * (maat_collateral_bundle.decoded) and maat_collateral_input_from_bundle hands them over;
 * verification takes one only when its encoding is, byte for byte, what it would decode.
 * Differential: with and without the handed-over decodings (in.decoded zeroed), the same
 * outcome on the real collateral and on tampered chains and CRLs. */
#include "cold_fixture.h"

struct outcome {
    struct cold_outcome c;
    unsigned long taken;
};

static struct outcome verify(const struct maat_collateral_input *in)
{
    struct outcome o = {0};
    o.taken = cold_verify_counted(in, cold_trust_intel(), &maat__bundle_decodings_taken, &o.c);
    return o;
}

/* in as given, and in without the bundle's decodings: the same outcome, in the same words */
static struct outcome differential(struct maat_collateral_input *in)
{
    struct outcome a = verify(in);
    struct maat_collateral_input bare = *in;
    memset(bare.decoded, 0, sizeof bare.decoded);
    struct outcome b = verify(&bare);
    assert_int_equal(b.taken, 0);
    cold_assert_same(&a.c, &b.c);
    assert_string_equal(a.c.msg, b.c.msg);
    return a;
}

/* a tampered chain text as the PCK CRL issuer chain (arg NULL) or as the TCB Signing chain
 * of both bodies: with and without the handed-over decodings */
static void both_paths(void *arg, const char *tampered, struct cold_outcome *a,
                       struct cold_outcome *b)
{
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    struct maat_view *v = arg ? &in.tcb_info_issuer_chain : &in.pck_crl_issuer_chain;
    v->ptr = (const uint8_t *)tampered;
    if (arg) in.qe_identity_issuer_chain = *v;
    struct outcome o = differential(&in);
    assert_true(o.taken <= 4);
    *a = *b = o.c;
}

/* The defect: the two chain certificates and the two CRLs were decoded by the bundle check
 * and again by maat_collateral_verify in every cold verification (~0.7 M instructions). */
static void test_cold_bundle_decodings_handed_over(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) assert_non_null(g_bundle.decoded[i]);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    struct outcome o = differential(&in);
    assert_int_equal(o.c.rc, 0);
    assert_int_equal(o.taken, 4);
}

/* The verified collateral holds its own references: it outlives the bundle, and a quote
 * verified under it after the bundle is gone gets Intel's verdict (ASan: no use after
 * free). */
static void test_cold_bundle_decodings_outlive_bundle(void **state)
{
    (void)state;
    struct cold_env e = {0};
    assert_int_equal(cold_env_open(&e, cold_trust_intel(), g_coll, g_coll_len), 0);
    assert_ptr_equal(e.vc->root_crl, e.bundle.decoded[MAAT__DECODED_ROOT_CRL]);
    assert_ptr_equal(e.vc->pck_crl, e.bundle.decoded[MAAT__DECODED_PCK_CRL]);
    maat_collateral_bundle_cleanup(&e.bundle);
    struct maat_verdict v;
    cold_quote_verify(g_quote, g_quote_len, e.vc, e.trust, NULL, &v);
    assert_true(v.ok);
    assert_int_equal(v.status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
    cold_env_close(&e);
    maat_trust_free(e.trust);
}

/* Views that are not the bytes the decodings came from: each CRL and chain text with one
 * byte changed (every 29th byte), a CRL view cut short: never taken for what changed, and
 * the outcome is the one without any handed-over decoding. */
static void test_cold_bundle_decodings_tamper_differential(void **state)
{
    (void)state;
    size_t tried = 0, refused = 0;
    /* the CRLs (DER) */
    for (int which = 0; which < 2; which++) {
        const uint8_t *src = which ? g_bundle.pck_crl : g_bundle.root_ca_crl;
        size_t n = which ? g_bundle.pck_crl_len : g_bundle.root_ca_crl_len;
        uint8_t *t = malloc(n);
        assert_non_null(t);
        for (size_t i = 0; i < n; i += 29) {
            memcpy(t, src, n);
            t[i] ^= 0x01;
            struct maat_collateral_input in;
            maat_collateral_input_from_bundle(&g_bundle, &in);
            struct maat_view *v = which ? &in.pck_crl : &in.root_ca_crl;
            v->ptr = t;
            struct outcome o = differential(&in);
            assert_true(o.taken <= 3);
            tried++;
            refused += o.c.rc != 0;
        }
        struct maat_collateral_input in;
        maat_collateral_input_from_bundle(&g_bundle, &in);
        struct maat_view *v = which ? &in.pck_crl : &in.root_ca_crl;
        v->len--;
        struct outcome o = differential(&in);
        assert_int_not_equal(o.c.rc, 0);
        free(t);
    }
    /* the chains (PEM) */
    static char tcb_chain = 1;
    cold_tamper_chain(g_bundle.pck_crl_issuer_chain, 29, true, "AB", both_paths, NULL, &tried,
                      &refused);
    cold_tamper_chain(g_bundle.tcb_info_issuer_chain, 29, true, "AB", both_paths, &tcb_chain,
                      &tried, &refused);
    assert_true(tried > 100);
    assert_true(refused > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_bundle_decodings_handed_over),
        cmocka_unit_test(test_cold_bundle_decodings_outlive_bundle),
        cmocka_unit_test(test_cold_bundle_decodings_tamper_differential),
    };
    return cmocka_run_group_tests(tests, cold_setup_quote_bundle, cold_teardown);
}
