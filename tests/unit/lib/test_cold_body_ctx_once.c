/* test_cold_body_ctx_once.c - cold path (issue 16), defect: maat_collateral_verify made a
 * new ECDSA verify context for each of the two bodies, although Intel signs the TCB info
 * and the QE identity with one TCB Signing key. The context is now made once and used for
 * both. Counted through the linker's --wrap of maat__ecdsa_verify_ctx_new: within
 * maat_collateral_verify of the real bundle, one context per key (TCB Signing twice was
 * the defect); the bodies' signatures are still checked (a changed signature byte of
 * either body is refused, in its own words). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cold_fixture.h"

#define MAXK 32

static bool g_on;
static EVP_PKEY *g_keys[MAXK];
static int g_n;

EVP_PKEY_CTX *__real_maat__ecdsa_verify_ctx_new(EVP_PKEY *key);
EVP_PKEY_CTX *__wrap_maat__ecdsa_verify_ctx_new(EVP_PKEY *key);
EVP_PKEY_CTX *__wrap_maat__ecdsa_verify_ctx_new(EVP_PKEY *key)
{
    if (g_on && g_n < MAXK && EVP_PKEY_up_ref(key) == 1) g_keys[g_n++] = key;
    return __real_maat__ecdsa_verify_ctx_new(key);
}

static void test_cold_body_ctx_twice(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = cold_trust_intel();
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    struct maat_verified_collateral *vc = NULL;
    g_n = 0;
    g_on = true;
    int rc = maat_collateral_verify(&in, t, AT, &vc, &err);
    g_on = false;
    assert_int_equal(rc, 0);
    /* the TCB Signing key: the first certificate of the TCB info issuer chain */
    BIO *bio = BIO_new_mem_buf(in.tcb_info_issuer_chain.ptr, (int)in.tcb_info_issuer_chain.len);
    assert_non_null(bio);
    X509 *signer = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(signer);
    EVP_PKEY *tcb_key = X509_get0_pubkey(signer);
    assert_non_null(tcb_key);
    int tcb_ctx = 0;
    for (int i = 0; i < g_n; i++) tcb_ctx += EVP_PKEY_eq(g_keys[i], tcb_key) == 1;
    printf("verify contexts in maat_collateral_verify: %d, under the TCB Signing key: %d\n", g_n,
           tcb_ctx);
    for (int i = 0; i < g_n; i++) EVP_PKEY_free(g_keys[i]);
    X509_free(signer);
    assert_int_equal(tcb_ctx, 1); /* was 2: one per body */
    maat_verified_collateral_free(vc);

    /* a changed signature byte of either body is still refused, naming the body */
    for (int b = 0; b < 2; b++) {
        struct maat_collateral_input x = in;
        struct maat_view *sv = b == 0 ? &x.tcb_info_signature : &x.qe_identity_signature;
        char *sig = malloc(sv->len);
        assert_non_null(sig);
        memcpy(sig, sv->ptr, sv->len);
        sig[10] = sig[10] == '0' ? '1' : '0';
        sv->ptr = (const uint8_t *)sig;
        vc = NULL;
        err = (struct maat_error){0};
        assert_int_not_equal(maat_collateral_verify(&x, t, AT, &vc, &err), 0);
        assert_null(vc);
        assert_non_null(strstr(err.msg, b == 0 ? "TCB info" : "QE identity"));
        free(sig);
    }
    maat_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cold_body_ctx_twice)};
    return cmocka_run_group_tests(tests, cold_setup_bundle, cold_teardown);
}
