/* test_pck_cache.c - maat_pck_cache_lookup_info(): the verified leaf's PCK info by chain
 * bytes, only for chains that maat_quote_verify() verified under the same trust set (maatd
 * takes the FMSPC and PCK CA for its collateral lookup from here instead of re-parsing the
 * leaf on every request). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/crypto.h"
#include "maat/pck.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1700000000  /* the platform's creation time */
#define AT (NOW + 3600) /* verification time, inside every window */

static const uint8_t sim_fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}; /* sim default */

struct env {
    char *dir;
    struct maat_sim *sim;
    struct maat_trust *trust;       /* Intel + the sim root */
    struct maat_trust *intel_only;  /* the sim's chain does not verify under this one */
};
static struct env E;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    memset(&E, 0, sizeof E);
    E.dir = tu_tempdir();
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    if (maat_sim_init(E.dir, &o, &err) != 0) fail_msg("sim init: %s", err.msg);
    if (maat_sim_load(E.dir, &E.sim, &err) != 0) fail_msg("sim load: %s", err.msg);
    char path[4096];
    snprintf(path, sizeof path, "%s/root-ca.pem", E.dir);
    size_t n;
    uint8_t *root = tu_read_file(path, &n);
    if (root == NULL) fail_msg("cannot read %s", path);
    E.trust = maat_trust_new_intel(&err);
    E.intel_only = maat_trust_new_intel(&err);
    assert_non_null(E.trust);
    assert_non_null(E.intel_only);
    assert_int_equal(maat_trust_add_root(E.trust, root, n, "maat simulated root", true, &err), 0);
    free(root);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_trust_free(E.trust);
    maat_trust_free(E.intel_only);
    maat_sim_free(E.sim);
    free(E.dir);
    return 0;
}

static void make_quote(enum maat_pck_ca ca, struct maat_buf *b, struct maat_quote *q)
{
    struct maat_error err = {0};
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(E.sim, &o);
    o.pck_ca = ca;
    maat_buf_init(b);
    if (maat_sim_quote(E.sim, &o, b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    assert_int_equal(maat_quote_parse(b->data, b->len, q, &err), 0);
    assert_int_equal(q->cert_data.type, MAAT_CERT_PCK_CHAIN);
}

static void verify(const struct maat_quote *q, struct maat_pck_cache *c, const struct maat_trust *t,
                   struct maat_verdict *v)
{
    struct maat_error err = {0};
    struct maat_verify_opts vo = {.at = AT, .pck_cache = c};
    assert_int_equal(maat_quote_verify(q, NULL, t, &vo, v, &err), 0);
}

/* Absent before verification; after it, the same info as parsing the leaf; the counters of
 * maat_pck_cache_stats() are not touched by lookups. */
static void test_hit_after_verify(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(16, &err);
    assert_non_null(c);
    enum maat_pck_ca cas[2] = {MAAT_PCK_CA_PROCESSOR, MAAT_PCK_CA_PLATFORM};
    for (int k = 0; k < 2; k++) {
        struct maat_buf b;
        struct maat_quote q;
        make_quote(cas[k], &b, &q);
        const struct maat_view *chain = &q.cert_data.data;
        struct maat_pck_info info;
        memset(&info, 0xAB, sizeof info);
        assert_false(maat_pck_cache_lookup_info(c, chain->ptr, chain->len, E.trust, &info));
        assert_int_equal(info.fmspc[0], 0xAB); /* untouched on a miss */

        struct maat_verdict v;
        verify(&q, c, E.trust, &v);
        /* no collateral: the cryptographic steps ran, the PCK chain passed */
        assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
        uint64_t h0, m0, h1, m1;
        maat_pck_cache_stats(c, &h0, &m0);
        assert_true(maat_pck_cache_lookup_info(c, chain->ptr, chain->len, E.trust, &info));
        maat_pck_cache_stats(c, &h1, &m1);
        assert_true(h0 == h1 && m0 == m1);

        assert_memory_equal(info.fmspc, sim_fmspc, 6);
        assert_memory_equal(info.fmspc, v.fmspc, 6);
        assert_int_equal(info.ca, cas[k]);
        struct maat_pck_info parsed;
        assert_int_equal(maat_pck_cert_parse_pem((const char *)q.cert_data.chain[0].ptr,
                                                 q.cert_data.chain[0].len, &parsed, &err),
                         0);
        assert_memory_equal(info.fmspc, parsed.fmspc, 6);
        assert_memory_equal(info.ppid, parsed.ppid, 16);
        assert_int_equal(info.ca, parsed.ca);
        assert_int_equal(info.pcesvn, parsed.pcesvn);

        /* another trust set, or other bytes (one byte changed), is a miss */
        assert_false(maat_pck_cache_lookup_info(c, chain->ptr, chain->len, E.intel_only, &info));
        uint8_t *m = malloc(chain->len);
        memcpy(m, chain->ptr, chain->len);
        m[chain->len / 2] ^= 0x01;
        assert_false(maat_pck_cache_lookup_info(c, m, chain->len, E.trust, &info));
        assert_false(maat_pck_cache_lookup_info(c, chain->ptr, chain->len - 1, E.trust, &info));
        free(m);
        maat_buf_cleanup(&b);
    }
    maat_pck_cache_free(c);
}

/* A chain that failed verification is never cached, so it never yields an FMSPC. */
static void test_unverified_chain_absent(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(16, &err);
    struct maat_buf b;
    struct maat_quote q;
    make_quote(MAAT_PCK_CA_PROCESSOR, &b, &q);
    struct maat_verdict v;
    verify(&q, c, E.intel_only, &v); /* the sim root is not trusted here */
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    struct maat_pck_info info;
    assert_false(maat_pck_cache_lookup_info(c, q.cert_data.data.ptr, q.cert_data.data.len,
                                            E.intel_only, &info));
    assert_false(maat_pck_cache_lookup_info(c, q.cert_data.data.ptr, q.cert_data.data.len,
                                            E.trust, &info));
    /* no cache, no bytes: a miss, not a crash */
    assert_false(maat_pck_cache_lookup_info(NULL, q.cert_data.data.ptr, q.cert_data.data.len,
                                            E.trust, &info));
    assert_false(maat_pck_cache_lookup_info(c, NULL, 0, E.trust, &info));
    maat_buf_cleanup(&b);
    maat_pck_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_after_verify),
        cmocka_unit_test(test_unverified_chain_absent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
