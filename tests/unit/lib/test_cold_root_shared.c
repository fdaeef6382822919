/* test_cold_root_shared.c - cold path (issue 16): trust sets made by maat_trust_new_intel
 * share one decoded Intel root certificate (decoded once per process) and each answers
 * that its self-signature holds (established by the test suite since session 8:
 * test_cold_root_self_signature_constant.c); the shared certificate outlives any one
 * trust set. */
#include "cold_fixture.h"

/* The defect: every maat_trust_new_intel decoded the compiled-in root again (a keyed
 * decode, ~1.4 M instructions: more than an ECDSA verification on OpenSSL 3.0). */
static void test_cold_trust_sets_share_decoded_root(void **state)
{
    (void)state;
    struct maat_trust *a = cold_trust_intel();
    struct maat_trust *b = cold_trust_intel();
    assert_int_equal(a->count, 1);
    assert_int_equal(b->count, 1);
    assert_ptr_equal(a->anchors[0].cert, b->anchors[0].cert);
    assert_non_null(a->anchors[0].key);
    /* the key imported from the certificate's point (the certificate is decoded keyless:
     * test_cold_root_keyless.c); the same key as the keyed decoding's */
    assert_int_equal(
        EVP_PKEY_eq(a->anchors[0].key, X509_get0_pubkey(maat__anchor_cert_keyed(&a->anchors[0]))), 1);
    assert_false(a->anchors[0].simulated);
    assert_string_equal(a->anchors[0].label, "Intel SGX Root CA");
    /* each trust set answers for the root's self-signature */
    assert_int_equal(maat__trust_anchor_self_signed(a, &a->anchors[0]), 1);
    assert_int_equal(maat__trust_anchor_self_signed(b, &b->anchors[0]), 1);
    maat_trust_free(a);
    /* the shared certificate lives on for the other trust set and later ones */
    struct cold_env e = {0};
    assert_int_equal(cold_env_open(&e, b, g_coll, g_coll_len), 0);
    cold_env_close(&e);
    maat_trust_free(b);
    struct maat_trust *c = cold_trust_intel();
    assert_int_equal(cold_env_open(&e, c, g_coll, g_coll_len), 0);
    cold_env_close(&e);
    maat_trust_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_trust_sets_share_decoded_root),
    };
    return cmocka_run_group_tests(tests, cold_setup, cold_teardown);
}
