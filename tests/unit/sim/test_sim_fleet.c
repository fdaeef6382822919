/* test_sim_fleet.c - maat_sim_fleet_quote (sim_fleet.c, bench/bench_fleet.sh): platform k of
 * a simulated fleet has its own PCK key, PPID and PCK leaf, the leaf is a real certificate
 * of the sim PCK CA (its quotes verify under the sim root with the directory's collateral),
 * the same k always gives the same key and PPID, and a leaf of one platform does not vouch
 * for another platform's quote. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "sim.h"
#include "sim_fixture.h"
#include "sim_internal.h"
#include "testutil.h"

#define NOW 1700000000
#define AT (NOW + 3600)

static struct sim_fixture F;
static struct maat_verified_collateral *VC;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    sim_fixture_setup(&F, NOW, NULL);
    if (maat_collateral_verify(&F.in[0], F.trust, AT, &VC, &err) != 0) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_verified_collateral_free(VC);
    sim_fixture_teardown(&F);
    return 0;
}

static void fleet_quote(uint64_t k, struct maat_buf *b)
{
    struct maat_error err = {0};
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(F.sim, &o);
    maat_buf_init(b);
    if (maat_sim_fleet_quote(F.sim, k, &o, b, &err) != 0)
        fail_msg("fleet quote %llu: %s", (unsigned long long)k, err.msg);
}

/* The PCK leaf: the first PEM certificate in the quote's certification data. */
static X509 *leaf_of(const struct maat_buf *b)
{
    static const char tag[] = "-----BEGIN CERTIFICATE-----";
    const uint8_t *p = memmem(b->data, b->len, tag, sizeof tag - 1);
    assert_non_null(p);
    BIO *bio = BIO_new_mem_buf(p, (int)(b->data + b->len - p));
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(x);
    return x;
}

static void verify(const uint8_t *quote, size_t len, struct maat_verdict *v)
{
    struct maat_error err = {0};
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(quote, len, &q, &err), 0);
    struct maat_verify_opts vo = {.at = AT};
    assert_int_equal(maat_quote_verify(&q, VC, F.trust, &vo, v, &err), 0);
}

/* Each fleet platform: verifies (its leaf chains to the sim PCK CA and root), own key/PPID. */
static void test_sim_fleet_platforms_distinct_and_verify(void **state)
{
    (void)state;
    struct maat_buf base, q[3];
    sim_fixture_quote(&F, NULL, &base);
    X509 *base_leaf = leaf_of(&base), *leaf[3];
    struct maat_verdict vb, v[3];
    verify(base.data, base.len, &vb);
    assert_true(vb.ok);
    for (int i = 0; i < 3; i++) {
        fleet_quote((uint64_t)i * 1000, &q[i]);
        leaf[i] = leaf_of(&q[i]);
        verify(q[i].data, q[i].len, &v[i]);
        assert_true(v[i].ok);
        assert_int_equal(v[i].status, MAAT_TCB_UP_TO_DATE);
        assert_true(v[i].trusted_root_simulated);
        assert_memory_equal(v[i].fmspc, vb.fmspc, 6); /* collateral shared by the fleet */
        assert_int_equal(X509_check_issued(F.sim->processor_ca, leaf[i]), X509_V_OK);
        assert_int_equal(X509_verify(leaf[i], X509_get0_pubkey(F.sim->processor_ca)), 1);
        assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(leaf[i]), X509_get0_pubkey(base_leaf)), 1);
        assert_memory_not_equal(v[i].pck.ppid, vb.pck.ppid, 16);
        for (int j = 0; j < i; j++) {
            assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(leaf[i]), X509_get0_pubkey(leaf[j])),
                                 1);
            assert_memory_not_equal(v[i].pck.ppid, v[j].pck.ppid, 16);
            assert_int_not_equal(
                ASN1_INTEGER_cmp(X509_get0_serialNumber(leaf[i]), X509_get0_serialNumber(leaf[j])),
                0);
        }
    }
    for (int i = 0; i < 3; i++) {
        X509_free(leaf[i]);
        maat_buf_cleanup(&q[i]);
    }
    X509_free(base_leaf);
    maat_buf_cleanup(&base);
}

/* The same index is the same platform: same PCK key and PPID (a new leaf serial each time). */
static void test_sim_fleet_platform_deterministic(void **state)
{
    (void)state;
    struct maat_buf a, b;
    fleet_quote(7, &a);
    fleet_quote(7, &b);
    X509 *la = leaf_of(&a), *lb = leaf_of(&b);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(la), X509_get0_pubkey(lb)), 1);
    struct maat_verdict va, vb;
    verify(a.data, a.len, &va);
    verify(b.data, b.len, &vb);
    assert_true(va.ok && vb.ok);
    assert_memory_equal(va.pck.ppid, vb.pck.ppid, 16);
    X509_free(la);
    X509_free(lb);
    maat_buf_cleanup(&a);
    maat_buf_cleanup(&b);
}

/* Platform 1's chain in platform 2's quote: the QE report is signed by platform 2's PCK key,
 * which platform 1's leaf does not certify, so the quote fails (the keys really differ). */
static void test_sim_fleet_foreign_leaf_rejected(void **state)
{
    (void)state;
    static const char tag[] = "-----BEGIN CERTIFICATE-----";
    struct maat_buf a, b;
    fleet_quote(2, &b);
    uint8_t *pb = memmem(b.data, b.len, tag, sizeof tag - 1);
    assert_non_null(pb);
    size_t nb = (size_t)(b.data + b.len - pb);
    /* platform 1's chain text of the same length (leaf DER lengths vary by a byte or two
     * with the serial and signature; each quote has a new leaf) */
    const uint8_t *pa = NULL;
    for (int tries = 0; tries < 50 && pa == NULL; tries++) {
        if (tries) maat_buf_cleanup(&a);
        fleet_quote(1, &a);
        pa = memmem(a.data, a.len, tag, sizeof tag - 1);
        assert_non_null(pa);
        if ((size_t)(a.data + a.len - pa) != nb) pa = NULL;
    }
    assert_non_null(pa);
    memcpy(pb, pa, nb);
    struct maat_verdict v;
    verify(b.data, b.len, &v);
    assert_false(v.ok);
    maat_buf_cleanup(&a);
    maat_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_fleet_platforms_distinct_and_verify),
        cmocka_unit_test(test_sim_fleet_platform_deterministic),
        cmocka_unit_test(test_sim_fleet_foreign_leaf_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
