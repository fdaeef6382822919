/* test_cold_root_keyless.c - cold path (issue 16): no certificate of a cold verification
 * of Intel's collateral and quote is decoded with its key. The compiled-in Intel root is
 * decoded keyless and its key imported from the point (trust.c), as the TCB Signing
 * certificate, the PCK CA (collateral_signer.c) and the first-seen PCK leaf (pck_cache.c)
 * are: the first keyed certificate decode of a process sets up OpenSSL 3.0's decoders and
 * key managers (~6 M instructions, ~16 % of a `maat verify` process). OpenSSL's chain
 * verification, for chains of any other shape, still gets the root with its key
 * (maat__anchor_cert_keyed), decoded on first use. This file's first test must run first
 * in its process (it checks that nothing decoded the root with its key before it). */
#include <openssl/x509v3.h>

#include "cold_fixture.h"

/* decoded in the keyless library context (crypto.c), which has no digest: OpenSSL could
 * not compute the certificate's fingerprint */
static bool keyless(X509 *x)
{
    return (X509_get_extension_flags(x) & EXFLAG_NO_FINGERPRINT) != 0;
}

/* One cold verification as bench_cold does it; the quote's verdict must be Intel's. */
static void cold_once(struct maat_trust *t, bool *ca_keyless, bool *leaf_keyless)
{
    struct maat_error err = {0};
    struct cold_env e = {0};
    assert_int_equal(cold_env_open(&e, t, g_coll, g_coll_len), 0);
    *ca_keyless = keyless(e.vc->pck_crl_issuer);
    struct maat_pck_cache *cache = maat_pck_cache_new(16, &err);
    assert_non_null(cache);
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_verify_opts o = {.at = AT, .pck_cache = cache};
    assert_int_equal(maat_quote_parse(g_quote, g_quote_len, &q, &err), 0);
    struct maat_pck_chain *pc = NULL;
    assert_int_equal(maat_pck_chain_resolve(&q, t, &o, &pc, &v, &err), 0);
    assert_non_null(pc);
    *leaf_keyless = keyless(pc->leaf);
    o.pck_chain = pc;
    assert_int_equal(maat_quote_verify(&q, e.vc, t, &o, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
    maat_pck_chain_release(pc);
    maat_pck_cache_free(cache);
    cold_env_close(&e);
}

/* The defect: maat_trust_new_intel decoded the root with its key (and the PCK CA was
 * decoded with its key), so every `maat verify` process paid OpenSSL's decoder and key
 * manager set-up although the cold path needs no keyed certificate. */
static void test_cold_root_decoded_keyless(void **state)
{
    (void)state;
    struct maat_trust *t = cold_trust_intel();
    const struct maat_anchor *a = &t->anchors[0];
    assert_true(keyless(a->cert));
    assert_non_null(a->key);
    assert_non_null(a->keyed);
    bool ca_keyless = false, leaf_keyless = false;
    cold_once(t, &ca_keyless, &leaf_keyless);
    cold_once(t, &ca_keyless, &leaf_keyless); /* the tails learned: the same */
    assert_true(ca_keyless);
    assert_true(leaf_keyless);
    /* nothing asked for the root with its key */
    assert_null(__atomic_load_n(a->keyed, __ATOMIC_ACQUIRE));
    maat_trust_free(t);
}

/* The self-signature check of the keyless root is X509_verify's on the keyed decoding. */
static void test_cold_root_keyless_self_signature(void **state)
{
    (void)state;
    struct maat_trust *t = cold_trust_intel();
    const struct maat_anchor *a = &t->anchors[0];
    assert_int_equal(maat__trust_anchor_self_signed(t, a), 1);
    X509 *k = maat__anchor_cert_keyed(a);
    assert_ptr_not_equal(k, a->cert);
    assert_false(keyless(k));
    assert_int_equal(X509_verify(k, a->key), 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(k), a->key), 1);
    assert_int_equal(X509_cmp(k, a->cert), 0);       /* the same bytes */
    assert_ptr_equal(maat__anchor_cert_keyed(a), k); /* once per process */
    /* an anchor added from bytes has its key: it is its own keyed certificate */
    struct maat_trust *u = cold_trust_added("root");
    assert_null(u->anchors[0].keyed);
    assert_ptr_equal(maat__anchor_cert_keyed(&u->anchors[0]), u->anchors[0].cert);
    maat_trust_free(u);
    maat_trust_free(t);
}

/* Chains of another shape still go through X509_verify_cert with the keyed root: the
 * quote's PCK chain resolved in full (no tail learned) verifies to the Intel anchor; a
 * TCB Signing chain with the root twice is judged as with a root added from bytes, and
 * refused when its second copy is altered. */
static void test_cold_root_keyless_full_path(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = cold_trust_intel();
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_verify_opts o = {.at = AT};
    assert_int_equal(maat_quote_parse(g_quote, g_quote_len, &q, &err), 0);
    struct maat_pck_chain *pc = NULL;
    assert_int_equal(maat_pck_chain_resolve(&q, t, &o, &pc, &v, &err), 0);
    assert_non_null(pc);
    assert_ptr_equal(pc->anchor, &t->anchors[0]);
    assert_false(keyless(pc->leaf)); /* the full path's keyed leaf */
    maat_pck_chain_release(pc);
    struct maat_collateral_bundle b;
    assert_int_equal(maat_collateral_bundle_parse(g_coll, g_coll_len, &b, &err), 0);
    const char *root = strstr(b.tcb_info_issuer_chain + 1, "-----BEGIN CERTIFICATE-----");
    assert_non_null(root);
    size_t n = strlen(b.tcb_info_issuer_chain) + strlen(root) + 2;
    char *twice = malloc(n);
    assert_non_null(twice);
    snprintf(twice, n, "%s\n%s", b.tcb_info_issuer_chain, root);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&b, &in);
    in.tcb_info_issuer_chain.ptr = (const uint8_t *)twice;
    in.tcb_info_issuer_chain.len = strlen(twice);
    struct maat_verified_collateral *vc = NULL;
    int rc = maat_collateral_verify(&in, t, AT, &vc, &err);
    maat_verified_collateral_free(vc);
    /* the same outcome as a trust set holding the root decoded with its key */
    struct maat_trust *u = cold_trust_added("root");
    vc = NULL;
    assert_int_equal(maat_collateral_verify(&in, u, AT, &vc, &err), rc);
    assert_int_equal(rc, 0); /* an exact copy of the root is on the path */
    maat_verified_collateral_free(vc);
    maat_trust_free(u);
    /* the root, altered, at the end of that chain: refused by the full path */
    char *bad = strstr(twice + 1, "-----BEGIN CERTIFICATE-----");
    bad = strstr(bad + 1, "-----BEGIN CERTIFICATE-----");
    assert_non_null(bad);
    bad += 200;
    *bad = *bad == 'A' ? 'B' : 'A';
    vc = NULL;
    assert_int_equal(maat_collateral_verify(&in, t, AT, &vc, &err), -1);
    assert_null(vc);
    free(twice);
    maat_collateral_bundle_cleanup(&b);
    maat_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_root_decoded_keyless),
        cmocka_unit_test(test_cold_root_keyless_self_signature),
        cmocka_unit_test(test_cold_root_keyless_full_path),
    };
    return cmocka_run_group_tests(tests, cold_setup_quote, cold_teardown);
}
