/* test_pck_cache_chain_not_digested.c - defect: every lookup of the PCK chain cache (each
 * maatd request: maat_pck_chain_resolve) took a SHA-256 of the whole 4.3 KB PEM chain as its
 * key (~104k instructions under callgrind, ~3 us natively, bench/README.md "Fourth pass").
 * Entries already keep the chain bytes, so the cache now places them by a keyed 64-bit hash
 * (maat__pck_chain_hash) and identifies them by the bytes themselves.
 *
 * Linked with -Wl,--wrap=maat__sha256 (CMakeLists.txt), so every SHA-256 libmaat takes
 * outside crypto.c goes through the counter below. */
#include <stdlib.h>
#include <string.h>

#include "maat/verify.h"
#include "sim_fixture.h"
#include "testutil.h"
#include "verify_internal.h"

#define NOW 1700000000
#define AT (NOW + 3600)

void __real_maat__sha256(const void *p, size_t n, uint8_t out[32]);
void __wrap_maat__sha256(const void *p, size_t n, uint8_t out[32]);

/* bytes hashed inside [g_lo, g_hi) since the last reset */
static const uint8_t *g_lo, *g_hi;
static size_t g_hashed_inside, g_calls;

void __wrap_maat__sha256(const void *p, size_t n, uint8_t out[32])
{
    const uint8_t *b = p;
    g_calls++;
    if (b >= g_lo && b < g_hi) g_hashed_inside += n;
    __real_maat__sha256(p, n, out);
}

static void resolve(const struct maat_quote *q, struct maat_pck_cache *c,
                    const struct maat_trust *t, struct maat_pck_chain **pc)
{
    struct maat_error err = {0};
    struct maat_verify_opts vo = {.at = AT, .pck_cache = c};
    struct maat_verdict v;
    assert_int_equal(maat_pck_chain_resolve(q, t, &vo, pc, &v, &err), 0);
    if (!v.ok) fail_msg("resolve failed at %s: %s", maat_verify_step_name(v.failed_step), v.reason);
}

/* A cache hit does not digest the chain: no byte of the certification data goes through
 * SHA-256 on the warm path, and the hit returns the entry of the first resolve. */
static void test_pck_cache_hit_does_not_sha256_the_chain(void **state)
{
    (void)state;
    struct sim_fixture f;
    sim_fixture_setup(&f, NOW, NULL);
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(64, &err);
    assert_non_null(c);
    struct maat_buf b;
    sim_fixture_quote(&f, NULL, &b);
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    assert_int_equal(q.cert_data.type, MAAT_CERT_PCK_CHAIN);
    assert_true(q.cert_data.data.len > 3000);

    struct maat_pck_chain *cold = NULL, *warm = NULL;
    resolve(&q, c, f.trust, &cold);
    g_lo = q.cert_data.data.ptr;
    g_hi = g_lo + q.cert_data.data.len;
    g_hashed_inside = 0;
    g_calls = 0;
    resolve(&q, c, f.trust, &warm);
    size_t inside = g_hashed_inside;
    g_lo = g_hi = NULL;
    /* before: SHA-256 of the whole chain (its length) on every lookup */
    assert_int_equal(inside, 0);
    assert_ptr_equal(warm, cold);
    uint64_t hits, misses;
    maat_pck_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);

    maat_pck_chain_release(cold);
    maat_pck_chain_release(warm);
    maat_pck_cache_free(c);
    maat_buf_cleanup(&b);
    sim_fixture_teardown(&f);
}

/* The identity is the bytes, not the hash: an entry is found only by its exact chain and
 * trust set, even when the hash given is the entry's own. */
static void test_pck_cache_identity_is_the_chain_bytes(void **state)
{
    (void)state;
    static const struct maat_trust *const T1 = (const struct maat_trust *)0x1000;
    static const struct maat_trust *const T2 = (const struct maat_trust *)0x2000;
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(16, &err);
    assert_non_null(c);
    const char text[] = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n";
    struct maat_pck_chain *e = maat__pck_entry_new();
    assert_non_null(e);
    e->len = sizeof text - 1;
    e->bytes = malloc(e->len);
    assert_non_null(e->bytes);
    memcpy(e->bytes, text, e->len);
    e->hash = maat__pck_chain_hash(e->bytes, e->len);
    e->trust = T1;
    maat__pck_cache_put(c, e);

    struct maat_pck_chain *got = maat__pck_cache_get(c, e->hash, (const uint8_t *)text, e->len, T1);
    assert_ptr_equal(got, e);
    maat_pck_chain_release(got);
    uint8_t other[sizeof text];
    for (size_t i = 0; i < e->len; i++) {
        memcpy(other, text, e->len);
        other[i] ^= 0x01;
        /* same hash claimed, one byte different: a miss */
        assert_null(maat__pck_cache_get(c, e->hash, other, e->len, T1));
        /* and the hash itself tells them apart */
        assert_true(maat__pck_chain_hash(other, e->len) != e->hash);
    }
    assert_null(maat__pck_cache_get(c, e->hash, (const uint8_t *)text, e->len - 1, T1));
    assert_null(maat__pck_cache_get(c, e->hash, (const uint8_t *)text, e->len, T2));
    assert_int_equal(maat__pck_chain_hash((const uint8_t *)text, e->len), e->hash);
    maat_pck_cache_free(c);
    maat_pck_chain_release(e);
}

/* The hash reads every byte of a real chain, at every length (the 64-byte blocks and the
 * tail): flipping any one bit of any byte changes it. */
static void test_pck_chain_hash_covers_every_byte(void **state)
{
    (void)state;
    uint8_t buf[300];
    uint64_t rng = 7;
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)tu_xorshift(&rng);
    for (size_t n = 0; n <= sizeof buf; n += 37) {
        uint64_t h = maat__pck_chain_hash(buf, n);
        for (size_t i = 0; i < n; i++) {
            for (int bit = 0; bit < 8; bit += 3) {
                buf[i] ^= (uint8_t)(1u << bit);
                assert_true(maat__pck_chain_hash(buf, n) != h);
                buf[i] ^= (uint8_t)(1u << bit);
            }
        }
        if (n > 0) assert_true(maat__pck_chain_hash(buf, n - 1) != h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pck_cache_hit_does_not_sha256_the_chain),
        cmocka_unit_test(test_pck_cache_identity_is_the_chain_bytes),
        cmocka_unit_test(test_pck_chain_hash_covers_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
