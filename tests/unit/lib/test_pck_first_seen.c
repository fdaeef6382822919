/* test_pck_first_seen.c - the first-seen platform path (issue 16): once a PCK chain has been
 * verified in full, a chain with the same PCK CA and root but a new leaf is checked through
 * the leaf alone (pck_cache.c). Every verdict it gives must be the full path's verdict: a
 * differential against a fresh trust set (which has learned nothing, so verifies in full)
 * over good leaves and a tamper matrix of bad ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "sim.h"
#include "sim_internal.h"

#define NOW 1700000000
#define AT (NOW + 3600)

#include "cold_fixture.h"

static char *g_dir;
static struct maat_sim *g_sim;

/* A trust set with the sim root and the Processor CA collateral verified under it. */
static void env_open(struct cold_env *e)
{
    struct maat_error err = {0};
    size_t n;
    char path[4096];
    struct maat_trust *t = cold_trust_intel();
    snprintf(path, sizeof path, "%s/root-ca.pem", g_dir);
    uint8_t *root = tu_read_file(path, &n);
    assert_non_null(root);
    assert_int_equal(maat_trust_add_root(t, root, n, "maat simulated root", true, &err), 0);
    free(root);
    /* this file tests tails learned from quotes' chains; those learned from the
     * collateral's PCK CRL issuer chain are test_cold_tail_from_collateral.c's */
    maat__trust_issuer_learn_ca_chains_off(t);
    snprintf(path, sizeof path, "%s/collateral.json", g_dir);
    *e = (struct cold_env){.buf = tu_read_file(path, &n)};
    assert_non_null(e->buf);
    if (cold_env_open(e, t, e->buf, n) != 0) fail_msg("%s", e->coll.msg);
}

static void env_close(struct cold_env *e)
{
    cold_env_close(e);
    maat_trust_free(e->trust);
}

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    g_dir = tu_tempdir();
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    if (maat_sim_init(g_dir, &o, &err) != 0) fail_msg("sim init: %s", err.msg);
    if (maat_sim_load(g_dir, &g_sim, &err) != 0) fail_msg("sim load: %s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_sim_free(g_sim);
    free(g_dir);
    return 0;
}

static void make_quote(const struct maat_sim_quote_opts *o, struct maat_buf *b)
{
    struct maat_error err = {0};
    maat_buf_init(b);
    if (maat_sim_quote(g_sim, o, b, &err) != 0) fail_msg("sim quote: %s", err.msg);
}

static void default_quote(struct maat_buf *b)
{
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(g_sim, &o);
    make_quote(&o, b);
}

static void verify_in(struct cold_env *e, const uint8_t *quote, size_t len, struct maat_verdict *v)
{
    cold_quote_verify(quote, len, e->vc, e->trust, NULL, v);
}

/* The full path's verdict: a trust set that has verified no chain yet. */
static void verify_fresh(const uint8_t *quote, size_t len, struct maat_verdict *v)
{
    struct cold_env f;
    env_open(&f);
    verify_in(&f, quote, len, v);
    uint64_t hits;
    size_t count;
    maat__trust_issuer_stats(f.trust, &hits, &count);
    assert_int_equal(hits, 0); /* it did go through the full path */
    env_close(&f);
}

static uint64_t issuer_hits(const struct cold_env *e)
{
    uint64_t hits;
    size_t count;
    maat__trust_issuer_stats(e->trust, &hits, &count);
    return hits;
}

/* Verifies `quote` in the primed environment and in a fresh one: same verdict. */
static void same_verdict(struct cold_env *e, const uint8_t *quote, size_t len, struct maat_verdict *v)
{
    struct maat_verdict full;
    verify_in(e, quote, len, v);
    verify_fresh(quote, len, &full);
    cold_assert_same_verdict(v, &full);
}

/* Offset of the certification data size field of a v3 quote (u32 LE), and the quote's
 * signature data length field (u32 LE at 432). */
static size_t cert_size_offset(const uint8_t *q)
{
    size_t auth = (size_t)q[436 + 64 + 64 + 384 + 64] |
                  ((size_t)q[436 + 64 + 64 + 384 + 64 + 1] << 8);
    return 436 + 64 + 64 + 384 + 64 + 2 + auth + 2;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The quote with the first PEM certificate of its PCK chain replaced by `leaf` (the QE
 * report and quote signatures do not cover the certification data). */
static void splice_leaf(const struct maat_buf *in, X509 *leaf, struct maat_buf *out)
{
    struct maat_error err = {0};
    size_t cs = cert_size_offset(in->data);
    const uint8_t *cd = in->data + cs + 4;
    size_t cd_len = le32(in->data + cs);
    size_t body, body_len, leaf_end;
    assert_int_equal(maat__pem_split_first(cd, cd_len, &body, &body_len, &leaf_end), 0);
    struct maat_buf pem;
    maat_buf_init(&pem);
    assert_int_equal(sim_cert_pem(leaf, &pem, &err), 0);
    /* sim_cert_pem ends with a newline, as does the block it replaces */
    size_t old = leaf_end + (cd[leaf_end] == '\n' ? 1 : 0);
    size_t new_cd = pem.len + (cd_len - old);
    maat_buf_init(out);
    assert_int_equal(maat_buf_put(out, in->data, cs), 0);
    uint8_t size[4];
    put_le32(size, (uint32_t)new_cd);
    assert_int_equal(maat_buf_put(out, size, 4), 0);
    assert_int_equal(maat_buf_put(out, pem.data, pem.len), 0);
    assert_int_equal(maat_buf_put(out, cd + old, cd_len - old), 0);
    put_le32(out->data + 432, (uint32_t)(le32(in->data + 432) + new_cd - cd_len));
    maat_buf_cleanup(&pem);
}

/* A PCK leaf as the sim issues it, with overrides. */
static X509 *issue(enum sim_cert_kind kind, EVP_PKEY *issuer_key)
{
    struct maat_error err = {0};
    struct sim_sgx_ext e = {.pcesvn = g_sim->pcesvn, .sgx_type = 0};
    memcpy(e.ppid, g_sim->ppid, 16);
    memcpy(e.cpusvn, g_sim->cpusvn, 16);
    memcpy(e.pce_id, g_sim->pce_id, 2);
    memcpy(e.fmspc, g_sim->fmspc, 6);
    uint8_t *der = NULL;
    size_t der_len = 0;
    assert_int_equal(sim_sgx_ext_der(&e, &der, &der_len, &err), 0);
    struct sim_cert_spec spec = {
        .kind = kind,
        .cn = "Intel SGX PCK Certificate",
        .key = g_sim->pck_key,
        .issuer = g_sim->processor_ca,
        .issuer_key = issuer_key,
        .not_before = g_sim->not_before,
        .not_after = g_sim->not_after,
        .crl_url = SIM_CRL_BASE_URL "/pckcrl?ca=processor&encoding=der",
        .sgx_ext = der,
        .sgx_ext_len = der_len,
    };
    X509 *x = sim_cert_issue(&spec, &err);
    if (x == NULL) fail_msg("issue: %s", err.msg);
    free(der);
    return x;
}

/* Opens e and primes it: one chain verified in full, its issuer tail learned. */
static void open_primed(struct cold_env *e)
{
    env_open(e);
    struct maat_buf b;
    struct maat_verdict v;
    default_quote(&b);
    verify_in(e, b.data, b.len, &v);
    if (!v.ok) fail_msg("%s", v.reason);
    uint64_t hits;
    size_t count;
    maat__trust_issuer_stats(e->trust, &hits, &count);
    assert_int_equal(count, 1);
    assert_int_equal(hits, 0);
    maat_buf_cleanup(&b);
}

/* The default quote with the first certificate of its PCK chain replaced by leaf, verified
 * in e and in a fresh environment: the same verdict, in *v. */
static void spliced_verdict(struct cold_env *e, X509 *leaf, struct maat_verdict *v)
{
    struct maat_buf q, q2;
    default_quote(&q);
    splice_leaf(&q, leaf, &q2);
    same_verdict(e, q2.data, q2.len, v);
    maat_buf_cleanup(&q);
    maat_buf_cleanup(&q2);
}

/* Defect: a platform seen for the first time had its whole PCK chain (CA and root
 * included) decoded and verified again (first-seen at 0.2 of its floor). Now new leaves
 * under a verified PCK CA take the leaf-only path, with the full path's verdict. */
static void test_first_seen_leaf_checked_without_reverifying_issuers(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    for (int t = 0; t < MAAT_SIM_TCB__COUNT; t++) {
        struct maat_sim_quote_opts o;
        maat_sim_quote_opts_defaults(g_sim, &o);
        maat_sim_quote_opts_set_tcb(g_sim, &o, (enum maat_sim_tcb)t);
        struct maat_buf b;
        make_quote(&o, &b); /* a new leaf (new serial) each time */
        uint64_t before = issuer_hits(&e);
        struct maat_verdict v;
        same_verdict(&e, b.data, b.len, &v);
        assert_int_equal(issuer_hits(&e), before + 1);
        if (t != MAAT_SIM_TCB_REVOKED && !v.ok) fail_msg("%s", v.reason);
        maat_buf_cleanup(&b);
    }
    env_close(&e);
}

/* With a PCK cache, the first-seen entry is cached like a fully verified one. */
static void test_first_seen_entry_is_cached(void **state)
{
    (void)state;
    struct cold_env e;
    struct maat_error err = {0};
    open_primed(&e);
    struct maat_pck_cache *cache = maat_pck_cache_new(8, &err);
    struct maat_buf b;
    default_quote(&b);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT, .pck_cache = cache};
    struct maat_verdict v;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(maat_quote_verify(&q, e.vc, e.trust, &vo, &v, &err), 0);
        if (!v.ok) fail_msg("%s", v.reason);
    }
    uint64_t hits, misses;
    maat_pck_cache_stats(cache, &hits, &misses);
    assert_int_equal(misses, 1);
    assert_int_equal(hits, 2);
    assert_int_equal(issuer_hits(&e), 1);
    maat_pck_cache_free(cache);
    maat_buf_cleanup(&b);
    env_close(&e);
}

/* Defect class guarded: a first-seen leaf whose signature is not the PCK CA's must be
 * refused exactly as the full path refuses it (a byte of the signature flipped). */
static void test_first_seen_tampered_leaf_signature_refused(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    X509 *leaf = issue(SIM_CERT_LEAF, g_sim->processor_key);
    unsigned char *der = NULL;
    int n = i2d_X509(leaf, &der);
    assert_true(n > 10);
    der[n - 3] ^= 0x01; /* inside the signature's s */
    const unsigned char *p = der;
    X509 *bad = d2i_X509(NULL, &p, n);
    assert_non_null(bad);
    struct maat_verdict v;
    spliced_verdict(&e, bad, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    assert_int_equal(issuer_hits(&e), 1); /* the tail was known; the leaf was refused */
    OPENSSL_free(der);
    X509_free(bad);
    X509_free(leaf);
    env_close(&e);
}

/* A leaf that names the PCK CA as issuer but is signed by another key. */
static void test_first_seen_leaf_signed_by_other_key_refused(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    X509 *leaf = issue(SIM_CERT_LEAF, g_sim->platform_key);
    struct maat_verdict v;
    spliced_verdict(&e, leaf, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    assert_int_equal(v.qvl_result, MAAT_QVL_INVALID_SIGNATURE);
    X509_free(leaf);
    env_close(&e);
}

/* The splice itself keeps a good leaf good (so the refusals above are the leaf's). */
static void test_first_seen_spliced_good_leaf_accepted(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    X509 *leaf = issue(SIM_CERT_LEAF, g_sim->processor_key);
    struct maat_verdict v;
    spliced_verdict(&e, leaf, &v);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(issuer_hits(&e), 1);
    X509_free(leaf);
    env_close(&e);
}

/* A leaf flagged as a CA (keyCertSign, CA:TRUE) is outside the leaf-only path's shape:
 * the full path decides, and the verdict is the full path's. */
static void test_first_seen_ca_flagged_leaf_takes_full_path(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    X509 *leaf = issue(SIM_CERT_CA, g_sim->processor_key);
    struct maat_verdict v;
    spliced_verdict(&e, leaf, &v);
    X509_free(leaf);
    env_close(&e);
}

/* Validity and revocation of a first-seen leaf are still judged at the verification time
 * and against the verified PCK CRL. */
static void test_first_seen_expired_and_revoked_leaves_refused(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    struct maat_sim_quote_opts o;
    struct maat_buf b;
    struct maat_verdict v;
    maat_sim_quote_opts_defaults(g_sim, &o);
    o.pck_not_after = AT - 1;
    make_quote(&o, &b);
    same_verdict(&e, b.data, b.len, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_VALIDITY);
    maat_buf_cleanup(&b);
    maat_sim_quote_opts_defaults(g_sim, &o);
    o.pck_not_before = AT + 1;
    make_quote(&o, &b);
    same_verdict(&e, b.data, b.len, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_VALIDITY);
    maat_buf_cleanup(&b);
    maat_sim_quote_opts_defaults(g_sim, &o);
    o.revoked = true;
    make_quote(&o, &b);
    same_verdict(&e, b.data, b.len, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_CRL);
    assert_int_equal(v.status, MAAT_TCB_REVOKED);
    maat_buf_cleanup(&b);
    assert_int_equal(issuer_hits(&e), 3);
    env_close(&e);
}

/* A byte changed in the PCK CA or root text: the tail is not the verified one, so the
 * chain is verified in full (and refused). */
static void test_first_seen_altered_issuer_tail_not_trusted(void **state)
{
    (void)state;
    struct cold_env e;
    open_primed(&e);
    struct maat_buf b;
    default_quote(&b);
    size_t cs = cert_size_offset(b.data);
    uint8_t *cd = b.data + cs + 4;
    size_t cd_len = le32(b.data + cs), body, body_len, leaf_end;
    assert_int_equal(maat__pem_split_first(cd, cd_len, &body, &body_len, &leaf_end), 0);
    /* a base64 character in the middle of the PCK CA certificate */
    size_t at = leaf_end + 200;
    cd[at] = cd[at] == 'A' ? 'B' : 'A';
    struct maat_verdict v;
    same_verdict(&e, b.data, b.len, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    assert_int_equal(issuer_hits(&e), 0);
    maat_buf_cleanup(&b);
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_seen_leaf_checked_without_reverifying_issuers),
        cmocka_unit_test(test_first_seen_entry_is_cached),
        cmocka_unit_test(test_first_seen_tampered_leaf_signature_refused),
        cmocka_unit_test(test_first_seen_leaf_signed_by_other_key_refused),
        cmocka_unit_test(test_first_seen_spliced_good_leaf_accepted),
        cmocka_unit_test(test_first_seen_ca_flagged_leaf_takes_full_path),
        cmocka_unit_test(test_first_seen_expired_and_revoked_leaves_refused),
        cmocka_unit_test(test_first_seen_altered_issuer_tail_not_trusted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
