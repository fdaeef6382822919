/* test_cold_anchor_reuse.c - issue 16, cold path: the collateral's issuer chains end in
 * the trust anchor's own certificate; a PEM block whose DER is byte for byte the anchor's
 * now yields the anchor's X509 instead of a new decoding, and its self-signature is
 * verified once per trust set instead of once per chain. A root whose bytes differ (an
 * altered signature, say) is decoded and its self-signature checked as before. */
#include "maat/crypto.h"
#include "cold_fixture.h"

static int verify_bundle(struct maat_trust *t, struct maat_collateral_bundle *b,
                         struct maat_error *err)
{
    struct maat_collateral_input in;
    struct maat_verified_collateral *vc = NULL;
    struct cold_outcome o;
    maat_collateral_input_from_bundle(b, &in);
    int rc = cold_collateral_verify(&in, t, &vc, &o);
    snprintf(err->msg, sizeof err->msg, "%s", o.msg);
    err->code = o.code;
    maat_verified_collateral_free(vc);
    return rc;
}

/* Defect: every issuer chain of a cold verification decoded the root again (OpenSSL 3.0's
 * key decoder included) and verified its self-signature again (an ECDSA verification per
 * chain), although the trust set holds that very certificate. */
static void test_cold_collateral_chains_decoded_and_self_verified_root_each_time(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = cold_trust_intel();
    struct maat_collateral_bundle b;
    assert_int_equal(maat_collateral_bundle_parse(g_coll, g_coll_len, &b, &err), 0);
    const char *chains[] = {b.tcb_info_issuer_chain, b.pck_crl_issuer_chain};
    for (int i = 0; i < 2; i++) {
        STACK_OF(X509) *sk = maat__x509_load_all_anchored((const uint8_t *)chains[i],
                                                          strlen(chains[i]), "chain", t, &err);
        assert_non_null(sk);
        assert_int_equal(sk_X509_num(sk), 2);
        /* not a new decoding: the anchor's (its keyed decoding, made once per process,
         * for the chain verification; trust.c) */
        assert_ptr_equal(sk_X509_value(sk, 1), maat__anchor_cert_keyed(&t->anchors[0]));
        assert_ptr_not_equal(sk_X509_value(sk, 0), maat__anchor_cert_keyed(&t->anchors[0]));
        sk_X509_pop_free(sk, X509_free);
        /* the public loader still decodes everything */
        sk = maat__x509_load_all((const uint8_t *)chains[i], strlen(chains[i]), "chain", &err);
        assert_non_null(sk);
        assert_ptr_not_equal(sk_X509_value(sk, 1), maat__anchor_cert_keyed(&t->anchors[0]));
        sk_X509_pop_free(sk, X509_free);
    }
    assert_int_equal(verify_bundle(t, &b, &err), 0);
    assert_int_equal(maat__trust_anchor_self_signed(t, &t->anchors[0]), 1);
    maat_collateral_bundle_cleanup(&b);
    maat_trust_free(t);
}

/* The root at the end of the TCB Signing chain with a byte of its signature changed: its
 * DER is not the anchor's, so it is decoded and its self-signature checked, and refused,
 * whether or not the trust set has verified the anchor's own self-signature before. */
static void test_cold_altered_root_signature_refused(void **state)
{
    (void)state;
    for (int primed = 0; primed < 2; primed++) {
        struct maat_error err = {0};
        struct maat_trust *t = cold_trust_intel();
        if (primed) assert_int_equal(maat__trust_anchor_self_signed(t, &t->anchors[0]), 1);
        struct maat_collateral_bundle b;
        assert_int_equal(maat_collateral_bundle_parse(g_coll, g_coll_len, &b, &err), 0);
        char *c = b.tcb_info_issuer_chain;
        char *end = strstr(strstr(c, "-----END CERTIFICATE-----") + 1, "-----END CERTIFICATE-----");
        assert_non_null(end);
        /* the last base64 line is the tail of the signature; 8 characters before its end
         * (skipping '=' padding and line breaks) */
        char *p = end - 1;
        while (*p == '\n' || *p == '=') p--;
        p -= 8;
        *p = *p == 'A' ? 'B' : 'A';
        struct maat_error verr = {0};
        assert_int_not_equal(verify_bundle(t, &b, &verr), 0);
        if (strstr(verr.msg, "TCB info issuer chain") == NULL) fail_msg("%s", verr.msg);
        maat_collateral_bundle_cleanup(&b);
        maat_trust_free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_collateral_chains_decoded_and_self_verified_root_each_time),
        cmocka_unit_test(test_cold_altered_root_signature_refused),
    };
    return cmocka_run_group_tests(tests, cold_setup, cold_teardown);
}
