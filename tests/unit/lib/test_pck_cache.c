/* test_pck_cache.c - maat_pck_chain_resolve(): the PCK chain verified to a trusted root
 * before anything else (maatd takes the FMSPC and PCK CA for its collateral lookup from the
 * verified leaf, so a forged chain cannot choose what is fetched), the PCK chain cache
 * behind it, and maat_quote_verify() reusing the resolved chain only when it belongs to the
 * quote and trust set at hand. */
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
    struct maat_trust *trust;      /* Intel + the sim root */
    struct maat_trust *intel_only; /* the sim's chain does not verify under this one */
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

static void resolve_ok(const struct maat_quote *q, struct maat_pck_cache *c,
                       const struct maat_trust *t, struct maat_pck_chain **pc)
{
    struct maat_error err = {0};
    struct maat_verify_opts vo = {.at = AT, .pck_cache = c};
    struct maat_verdict v;
    assert_int_equal(maat_pck_chain_resolve(q, t, &vo, pc, &v, &err), 0);
    if (!v.ok) fail_msg("resolve failed at %s: %s", maat_verify_step_name(v.failed_step), v.reason);
    assert_non_null(*pc);
    assert_int_equal(v.steps[MAAT_STEP_STRUCTURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_NOT_RUN);
}

/* First resolve verifies and caches (a miss), the second is a hit on the same chain; the
 * verified leaf's info equals a fresh parse of the leaf; maat_quote_verify() given the
 * chain neither looks it up nor verifies it again. */
static void test_resolve_then_verify(void **state)
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
        uint64_t h0, m0, h1, m1, h2, m2, h3, m3;
        maat_pck_cache_stats(c, &h0, &m0);
        struct maat_pck_chain *pc1 = NULL, *pc2 = NULL;
        resolve_ok(&q, c, E.trust, &pc1);
        maat_pck_cache_stats(c, &h1, &m1);
        assert_true(h1 == h0 && m1 == m0 + 1);
        resolve_ok(&q, c, E.trust, &pc2);
        maat_pck_cache_stats(c, &h2, &m2);
        assert_true(h2 == h1 + 1 && m2 == m1);
        assert_ptr_equal(pc1, pc2);

        const struct maat_pck_info *info = maat_pck_chain_info(pc1);
        assert_memory_equal(info->fmspc, sim_fmspc, 6);
        assert_int_equal(info->ca, cas[k]);
        struct maat_pck_info parsed;
        assert_int_equal(maat_pck_cert_parse_pem((const char *)q.cert_data.chain[0].ptr,
                                                 q.cert_data.chain[0].len, &parsed, &err),
                         0);
        assert_memory_equal(info->fmspc, parsed.fmspc, 6);
        assert_memory_equal(info->ppid, parsed.ppid, 16);
        assert_int_equal(info->ca, parsed.ca);
        assert_int_equal(info->pcesvn, parsed.pcesvn);

        struct maat_verify_opts vo = {.at = AT, .pck_cache = c, .pck_chain = pc1};
        struct maat_verdict v;
        assert_int_equal(maat_quote_verify(&q, NULL, E.trust, &vo, &v, &err), 0);
        maat_pck_cache_stats(c, &h3, &m3);
        assert_true(h3 == h2 && m3 == m2); /* the given chain was used: no lookup */
        assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
        assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
        assert_memory_equal(v.fmspc, sim_fmspc, 6);
        assert_int_equal(v.pck.ca, cas[k]);
        assert_true(v.trusted_root_simulated);
        maat_pck_chain_release(pc1);
        maat_pck_chain_release(pc2);
        maat_buf_cleanup(&b);
    }
    maat_pck_cache_free(c);
}

/* A chain to an untrusted root fails at pck_chain with maat_quote_verify()'s own words,
 * yields no chain (so no FMSPC), and is not cached. */
static void test_untrusted_chain_refused(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(16, &err);
    struct maat_buf b;
    struct maat_quote q;
    make_quote(MAAT_PCK_CA_PROCESSOR, &b, &q);
    struct maat_verify_opts vo = {.at = AT, .pck_cache = c};
    struct maat_verdict v, full;
    struct maat_pck_chain *pc = (struct maat_pck_chain *)&err; /* must be reset */
    assert_int_equal(maat_pck_chain_resolve(&q, E.intel_only, &vo, &pc, &v, &err), 0);
    assert_false(v.ok);
    assert_null(pc);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    assert_int_equal(v.qvl_result, MAAT_QVL_INVALID_SIGNATURE);
    assert_int_equal(maat_quote_verify(&q, NULL, E.intel_only, &vo, &full, &err), 0);
    assert_int_equal(full.failed_step, MAAT_STEP_PCK_CHAIN);
    assert_string_equal(v.reason, full.reason);
    /* neither attempt cached it: a third one misses again */
    uint64_t h0, m0, h1, m1;
    maat_pck_cache_stats(c, &h0, &m0);
    assert_int_equal(maat_pck_chain_resolve(&q, E.intel_only, &vo, &pc, &v, &err), 0);
    maat_pck_cache_stats(c, &h1, &m1);
    assert_false(v.ok);
    assert_true(h1 == h0 && m1 == m0 + 1);
    maat_buf_cleanup(&b);
    maat_pck_cache_free(c);
}

/* The structure step runs first: a quote from another QE vendor yields no chain. */
static void test_structure_first(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_buf b;
    struct maat_quote q;
    make_quote(MAAT_PCK_CA_PROCESSOR, &b, &q);
    b.data[12] ^= 0xff; /* the header's QE vendor id starts at offset 12 */
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT};
    struct maat_verdict v;
    struct maat_pck_chain *pc = NULL;
    assert_int_equal(maat_pck_chain_resolve(&q, E.trust, &vo, &pc, &v, &err), 0);
    assert_false(v.ok);
    assert_null(pc);
    assert_int_equal(v.failed_step, MAAT_STEP_STRUCTURE);
    assert_non_null(strstr(v.reason, "QE vendor id"));
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_NOT_RUN);
    /* bad arguments are an error, not a verdict */
    assert_int_equal(maat_pck_chain_resolve(&q, E.trust, &vo, NULL, &v, &err), -1);
    assert_int_equal(maat_pck_chain_resolve(NULL, E.trust, &vo, &pc, &v, &err), -1);
    assert_int_equal(maat_pck_chain_resolve(&q, E.trust, &vo, &pc, NULL, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    maat_buf_cleanup(&b);
}

/* A resolved chain handed to maat_quote_verify() for another quote, or under another trust
 * set, is ignored: the quote's own chain decides (so the sim chain resolved under a set that
 * trusts the sim root cannot pass a verification under Intel's root alone). Works without a
 * cache too. */
static void test_given_chain_must_match(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_buf ba, bb;
    struct maat_quote qa, qb;
    make_quote(MAAT_PCK_CA_PROCESSOR, &ba, &qa);
    make_quote(MAAT_PCK_CA_PLATFORM, &bb, &qb);
    struct maat_pck_chain *pa = NULL;
    resolve_ok(&qa, NULL, E.trust, &pa);

    struct maat_verify_opts vo = {.at = AT, .pck_chain = pa};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&qb, NULL, E.trust, &vo, &v, &err), 0);
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.pck.ca, MAAT_PCK_CA_PLATFORM); /* qb's own leaf, not pa's */
    assert_int_equal(v.steps[MAAT_STEP_QE_REPORT_SIGNATURE], MAAT_STEP_PASSED);

    assert_int_equal(maat_quote_verify(&qa, NULL, E.intel_only, &vo, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);

    assert_int_equal(maat_quote_verify(&qa, NULL, E.trust, &vo, &v, &err), 0);
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.pck.ca, MAAT_PCK_CA_PROCESSOR);
    maat_pck_chain_release(pa);
    maat_buf_cleanup(&ba);
    maat_buf_cleanup(&bb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_then_verify),
        cmocka_unit_test(test_untrusted_chain_refused),
        cmocka_unit_test(test_structure_first),
        cmocka_unit_test(test_given_chain_must_match),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
