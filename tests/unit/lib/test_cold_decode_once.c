/* test_cold_decode_once.c - cold path (issue 16): the collateral bundle check decodes the
 * first certificate of the PCK CRL issuer chain and of the TCB info issuer chain (keyless)
 * and both CRLs; maat_collateral_verify decoded them all again. The bundle now keeps them
 * (maat_collateral_bundle.decoded) and maat_collateral_input_from_bundle hands them over;
 * verification takes one only when its encoding is, byte for byte, what it would decode.
 * Differential: with and without the handed-over decodings (in.decoded zeroed), the same
 * outcome on the real collateral and on tampered chains and CRLs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

#define AT ((time_t)1752919277)

static uint8_t *g_buf, *g_quote;
static size_t g_len, g_quote_len;
static struct maat_collateral_bundle g_bundle;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    g_buf = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &g_len);
    g_quote = tu_read_vector("dcap-qvl/sgx_quote", &g_quote_len);
    if (g_buf == NULL || g_quote == NULL) return -1;
    return maat_collateral_bundle_parse(g_buf, g_len, &g_bundle, &err);
}

static int teardown(void **state)
{
    (void)state;
    maat_collateral_bundle_cleanup(&g_bundle);
    free(g_buf);
    free(g_quote);
    return 0;
}

struct outcome {
    int rc;
    maat_err code;
    char msg[MAAT_ERROR_MSG_MAX];
    time_t nb, na;
    unsigned long taken;
};

static struct outcome verify(const struct maat_collateral_input *in)
{
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    struct outcome o = {0};
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = maat__bundle_decodings_taken;
    o.rc = maat_collateral_verify(in, t, AT, &vc, &err);
    o.taken = maat__bundle_decodings_taken - before;
    o.code = o.rc == 0 ? MAAT_OK : err.code;
    snprintf(o.msg, sizeof o.msg, "%s", o.rc == 0 ? "" : err.msg);
    if (vc) {
        struct maat_collateral_window w;
        maat_verified_collateral_window(vc, &w);
        o.nb = w.not_before;
        o.na = w.not_after;
    }
    maat_verified_collateral_free(vc);
    maat_trust_free(t);
    return o;
}

/* in as given, and in without the bundle's decodings: the same outcome */
static struct outcome differential(struct maat_collateral_input *in)
{
    struct outcome a = verify(in);
    struct maat_collateral_input bare = *in;
    memset(bare.decoded, 0, sizeof bare.decoded);
    struct outcome b = verify(&bare);
    assert_int_equal(b.taken, 0);
    assert_int_equal(a.rc, b.rc);
    assert_int_equal(a.code, b.code);
    assert_string_equal(a.msg, b.msg);
    assert_int_equal(a.nb, b.nb);
    assert_int_equal(a.na, b.na);
    return a;
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
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.taken, 4);
}

/* The verified collateral holds its own references: it outlives the bundle, and a quote
 * verified under it after the bundle is gone gets Intel's verdict (ASan: no use after
 * free). */
static void test_cold_bundle_decodings_outlive_bundle(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_collateral_bundle b;
    assert_int_equal(maat_collateral_bundle_parse(g_buf, g_len, &b, &err), 0);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&b, &in);
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&in, t, AT, &vc, &err), 0);
    assert_ptr_equal(vc->root_crl, b.decoded[MAAT__DECODED_ROOT_CRL]);
    assert_ptr_equal(vc->pck_crl, b.decoded[MAAT__DECODED_PCK_CRL]);
    maat_collateral_bundle_cleanup(&b);
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_verify_opts o = {.at = AT};
    assert_int_equal(maat_quote_parse(g_quote, g_quote_len, &q, &err), 0);
    assert_int_equal(maat_quote_verify(&q, vc, t, &o, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
    maat_verified_collateral_free(vc);
    maat_trust_free(t);
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
            refused += o.rc != 0;
        }
        struct maat_collateral_input in;
        maat_collateral_input_from_bundle(&g_bundle, &in);
        struct maat_view *v = which ? &in.pck_crl : &in.root_ca_crl;
        v->len--;
        struct outcome o = differential(&in);
        assert_int_not_equal(o.rc, 0);
        free(t);
    }
    /* the chains (PEM) */
    for (int which = 0; which < 2; which++) {
        const char *src = which ? g_bundle.tcb_info_issuer_chain : g_bundle.pck_crl_issuer_chain;
        size_t n = strlen(src);
        char *t = malloc(n + 1);
        assert_non_null(t);
        for (size_t i = 0; i < n; i += 29) {
            memcpy(t, src, n + 1);
            char c = t[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
                continue;
            t[i] = c == 'A' ? 'B' : 'A';
            struct maat_collateral_input in;
            maat_collateral_input_from_bundle(&g_bundle, &in);
            struct maat_view *v = which ? &in.tcb_info_issuer_chain : &in.pck_crl_issuer_chain;
            v->ptr = (const uint8_t *)t;
            if (which) in.qe_identity_issuer_chain = *v;
            struct outcome o = differential(&in);
            assert_true(o.taken <= 4);
            tried++;
            refused += o.rc != 0;
        }
        free(t);
    }
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
    return cmocka_run_group_tests(tests, setup, teardown);
}
