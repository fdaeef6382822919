/* test_verify.c - the DCAP verifier's API behaviour on a real quote (Phala's dcap-qvl SGX
 * quote with real Intel collateral): the PCK chain cache. The input -> verdict cases
 * (statuses, expiry, tamper matrices, Intel's sample, the Azure samples) are data files in
 * tests/data/verify/, run by test_verify_corpus.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/verify.h"
#include "testutil.h"

/* ---- dcap-qvl: real SGX quote v3, real collateral (README: verify at 1752919277) ---- */

struct fixture {
    uint8_t *quote_buf, *bundle_buf;
    size_t quote_len, bundle_len;
    struct maat_quote q;
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input in;
    struct maat_trust *trust;
};

static int load_dcap_qvl(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->quote_buf = tu_read_vector("dcap-qvl/sgx_quote", &f->quote_len);
    f->bundle_buf = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &f->bundle_len);
    if (!f->quote_buf || !f->bundle_buf) return -1;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(f->quote_buf, f->quote_len, &f->q, &err), 0);
    assert_int_equal(maat_collateral_bundle_parse(f->bundle_buf, f->bundle_len, &f->bundle, &err), 0);
    maat_collateral_input_from_bundle(&f->bundle, &f->in);
    f->trust = maat_trust_new_intel(&err);
    assert_non_null(f->trust);
    return 0;
}

static void fixture_free(struct fixture *f)
{
    maat_collateral_bundle_cleanup(&f->bundle);
    maat_trust_free(f->trust);
    free(f->quote_buf);
    free(f->bundle_buf);
}

/* The PCK chain cache: a hit skips only the chain verification, never a signature. */
static void test_pck_cache(void **state)
{
    (void)state;
    struct fixture f;
    if (load_dcap_qvl(&f) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&f.in, f.trust, 1752919277, &vc, &err), 0);
    struct maat_pck_cache *cache = maat_pck_cache_new(16, &err);
    struct maat_verify_opts opts = {.at = 1752919277, .pck_cache = cache};
    struct maat_verdict v1, v2;
    assert_int_equal(maat_quote_verify(&f.q, vc, f.trust, &opts, &v1, &err), 0);
    assert_int_equal(maat_quote_verify(&f.q, vc, f.trust, &opts, &v2, &err), 0);
    assert_true(v1.ok && v2.ok);
    assert_int_equal(v2.status, v1.status);
    assert_memory_equal(&v2.pck, &v1.pck, sizeof v1.pck);
    uint64_t hits, misses;
    maat_pck_cache_stats(cache, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);
    /* same chain, tampered QE report signature: still caught on a cache hit */
    uint8_t *m = malloc(f.quote_len);
    memcpy(m, f.quote_buf, f.quote_len);
    m[436 + 512 + 3] ^= 0x40;
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(m, f.quote_len, &q, &err), 0);
    assert_int_equal(maat_quote_verify(&q, vc, f.trust, &opts, &v2, &err), 0);
    assert_false(v2.ok);
    assert_int_equal(v2.failed_step, MAAT_STEP_QE_REPORT_SIGNATURE);
    maat_pck_cache_stats(cache, &hits, &misses);
    assert_int_equal(hits, 2);
    /* another trust set never reuses an entry verified under this one */
    struct maat_trust *empty = maat_trust_new_empty(&err);
    assert_int_equal(maat_quote_verify(&f.q, NULL, empty, &opts, &v2, &err), 0);
    assert_false(v2.ok);
    assert_int_equal(v2.failed_step, MAAT_STEP_PCK_CHAIN);
    maat_trust_free(empty);
    free(m);
    maat_pck_cache_free(cache);
    maat_verified_collateral_free(vc);
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pck_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
