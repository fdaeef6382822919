/* test_cold_tcb_signer_direct.c - cold path (issue 16): the TCB Signing certificate of
 * Intel's issuer chain [TCB Signing, Intel root] is checked directly under the trust set's
 * compiled-in root (collateral_signer.c: decoded without OpenSSL's key decoder, no
 * X509_verify_cert) instead of two keyed decodes and a chain verification. Differential:
 * a trust set holding the same root bytes added with maat_trust_add_root (not the shared
 * compiled-in certificate) takes the full path; both must reach the same outcome (success,
 * error code, validity window) on the real collateral and on tampered chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel_root.h"
#include "maat/collateral.h"
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
};

static uint8_t *g_buf;
static struct maat_collateral_bundle g_bundle;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    size_t n;
    g_buf = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &n);
    if (g_buf == NULL) return -1;
    return maat_collateral_bundle_parse(g_buf, n, &g_bundle, &err);
}

static int teardown(void **state)
{
    (void)state;
    maat_collateral_bundle_cleanup(&g_bundle);
    free(g_buf);
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

/* Verifies the bundle with the TCB info / QE identity chain replaced by chain (if not NULL) */
static struct outcome run(bool full, const char *chain)
{
    struct maat_error err = {0};
    struct maat_trust *t = trust(full);
    struct maat_collateral_input in;
    maat_collateral_input_from_bundle(&g_bundle, &in);
    if (chain) {
        in.tcb_info_issuer_chain.ptr = (const uint8_t *)chain;
        in.tcb_info_issuer_chain.len = strlen(chain);
        in.qe_identity_issuer_chain = in.tcb_info_issuer_chain;
    }
    struct outcome o = {0};
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = maat__tcb_signer_direct_taken;
    o.rc = maat_collateral_verify(&in, t, AT, &vc, &err);
    o.direct = maat__tcb_signer_direct_taken - before;
    o.code = o.rc == 0 ? MAAT_OK : err.code;
    if (vc) {
        struct maat_collateral_window w;
        maat_verified_collateral_window(vc, &w);
        o.nb = w.not_before;
        o.na = w.not_after;
        snprintf(o.limiting, sizeof o.limiting, "%s", w.limiting ? w.limiting : "");
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
}

/* The defect: the TCB Signing chain cost two keyed decodes (OpenSSL 3.0's key decoder,
 * ~1.3 M instructions each) and X509_verify_cert in every cold verification. */
static void test_cold_tcb_signer_checked_directly(void **state)
{
    (void)state;
    struct outcome d = run(false, NULL);
    struct outcome f = run(true, NULL);
    assert_int_equal(d.rc, 0);
    assert_int_equal(d.direct, 1); /* the shared chain, once */
    assert_int_equal(f.direct, 0);
    assert_same(&d, &f);
}

/* Single-byte tampers all over the chain text (both certificates: names, keys, extensions,
 * signatures, the root's bytes): the direct path refuses what the full path refuses, with
 * the same error code, and is taken only for chains the full path accepts. */
static void test_cold_tcb_signer_direct_tamper_differential(void **state)
{
    (void)state;
    const char *chain = g_bundle.tcb_info_issuer_chain;
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
    /* the root alone, the signer alone, the two swapped, the root twice */
    char *alt[4];
    alt[0] = strdup(root_start);
    alt[1] = strndup(chain, (size_t)(root_start - chain));
    size_t sl = (size_t)(root_start - chain), rl = strlen(root_start);
    alt[2] = malloc(n + 2);
    alt[3] = malloc(n + rl + 2);
    assert_true(alt[0] && alt[1] && alt[2] && alt[3]);
    snprintf(alt[2], n + 2, "%s\n%.*s", root_start, (int)sl, chain);
    snprintf(alt[3], n + rl + 2, "%s\n%s", chain, root_start);
    for (int k = 0; k < 4; k++) {
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

/* A simulated or hand-added root never takes the direct path (only the compiled-in one). */
static void test_cold_tcb_signer_direct_only_intel_root(void **state)
{
    (void)state;
    struct outcome f = run(true, NULL);
    assert_int_equal(f.rc, 0);
    assert_int_equal(f.direct, 0);
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    assert_true(maat__trust_anchor_is_intel(&t->anchors[0]));
    maat_trust_free(t);
    t = trust(true);
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
    return cmocka_run_group_tests(tests, setup, teardown);
}
