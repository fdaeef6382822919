/* test_cold_shared_chain.c - cold path (issue 16): the TCB info and the QE identity name the
 * same TCB Signing chain; maat_collateral_verify decodes and verifies a chain text shared
 * byte for byte by the two once. Differential: the shortcut's verdicts (success, error code,
 * validity window) equal those of the full path, reached by giving the QE identity a copy of
 * the chain that differs only in a trailing newline, on the real dcap-qvl collateral and on
 * tampered versions of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

#define AT ((time_t)1752919277)

struct outcome {
    int rc;
    maat_err code;
    struct maat_collateral_window w;
    char limiting[128]; /* w.limiting points into the freed collateral: copied */
    unsigned long loads;
};

/* Verifies the bundle with the QE identity chain given as `qe_chain` (shared: the TCB info
 * chain's own bytes; else a separate copy with a newline appended). */
static struct outcome run(const struct maat_collateral_bundle *b, bool shared,
                          const char *tcb_chain_override)
{
    struct maat_error err = {0};
    struct maat_trust *trust = maat_trust_new_intel(&err);
    assert_non_null(trust);
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
    struct maat_verified_collateral *vc = NULL;
    unsigned long before = maat__issuer_chain_loads;
    o.rc = maat_collateral_verify(&in, trust, AT, &vc, &err);
    o.loads = maat__issuer_chain_loads - before;
    o.code = o.rc == 0 ? MAAT_OK : err.code;
    if (vc) {
        maat_verified_collateral_window(vc, &o.w);
        snprintf(o.limiting, sizeof o.limiting, "%s", o.w.limiting ? o.w.limiting : "");
        o.w.limiting = NULL;
    }
    maat_verified_collateral_free(vc);
    free(copy);
    maat_trust_free(trust);
    return o;
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->w.not_before, b->w.not_before);
    assert_int_equal(a->w.not_after, b->w.not_after);
    assert_string_equal(a->limiting, b->limiting);
}

static uint8_t *g_buf;
static struct maat_collateral_bundle g_bundle;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    size_t n;
    g_buf = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &n);
    if (g_buf == NULL) return -1;
    if (maat_collateral_bundle_parse(g_buf, n, &g_bundle, &err) != 0) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_collateral_bundle_cleanup(&g_bundle);
    free(g_buf);
    return 0;
}

/* The defect: a shared TCB Signing chain was decoded and verified twice per collateral. */
static void test_cold_shared_tcb_signing_chain_verified_once(void **state)
{
    (void)state;
    struct outcome s = run(&g_bundle, true, NULL);
    struct outcome f = run(&g_bundle, false, NULL);
    assert_int_equal(s.rc, 0);
    assert_same(&s, &f);
    assert_int_equal(f.loads, 3); /* TCB info, QE identity (a copy), PCK CRL issuer chains */
    assert_int_equal(s.loads, 2); /* the shared chain once, the PCK CRL issuer chain */
}

/* Tampered chains and signatures: the shortcut refuses exactly what the full path refuses. */
static void test_cold_shared_chain_tamper_differential(void **state)
{
    (void)state;
    const char *chain = g_bundle.tcb_info_issuer_chain;
    assert_non_null(chain);
    size_t n = strlen(chain);
    char *t = malloc(n + 1);
    assert_non_null(t);
    size_t tried = 0, refused = 0;
    /* A byte in each of many positions of the chain text (base64 letters swapped for
     * another letter: signatures, keys, names and extensions of both certificates). */
    for (size_t i = 0; i < n; i += 37) {
        memcpy(t, chain, n + 1);
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) continue;
        t[i] = c == 'Q' ? 'R' : 'Q';
        struct outcome s = run(&g_bundle, true, t);
        struct outcome f = run(&g_bundle, false, t);
        assert_same(&s, &f);
        tried++;
        refused += s.rc != 0;
    }
    free(t);
    assert_true(tried > 20);
    assert_true(refused > 0);

    /* The QE identity's signature under the shared signer. */
    struct maat_collateral_bundle b = g_bundle;
    b.qe_identity.signature[5] ^= 1;
    struct outcome s = run(&b, true, NULL);
    struct outcome f = run(&b, false, NULL);
    assert_int_not_equal(s.rc, 0);
    assert_same(&s, &f);
    b = g_bundle;
    b.tcb_info.signature[60] ^= 0x80;
    s = run(&b, true, NULL);
    f = run(&b, false, NULL);
    assert_int_not_equal(s.rc, 0);
    assert_same(&s, &f);
}

/* A QE identity chain that differs from the TCB info's is still verified on its own:
 * the PCK CRL issuer chain (PCK CA) in its place is a valid chain whose key did not sign
 * the QE identity. */
static void test_cold_distinct_qe_chain_still_verified(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *trust = maat_trust_new_intel(&err);
    assert_non_null(trust);
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
    return cmocka_run_group_tests(tests, setup, teardown);
}
