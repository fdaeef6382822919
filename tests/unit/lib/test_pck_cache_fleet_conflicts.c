/* test_pck_cache_fleet_conflicts.c - defect: with 4 ways per set the PCK cache lost hits to
 * set conflicts well below its capacity (bench_fleet.sh: 0.7% of maatd's requests missed at
 * N = capacity / 4 distinct platforms, ~3% at N = capacity / 2, each miss a first-seen
 * verification). Now 16 ways (pck_cache.c): a fleet of half the capacity, spread
 * uniformly over the sets, stays entirely cached. */
#include <stdlib.h>
#include <string.h>

#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

static const struct maat_trust *const TRUST = (const struct maat_trust *)0x1000;

static void test_pck_cache_fleet_half_capacity_has_no_conflict_misses(void **state)
{
    (void)state;
    enum { CAP = 4096, N = CAP / 2 };
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(CAP, &err);
    assert_non_null(c);
    struct maat_pck_chain **e = calloc(N, sizeof *e);
    assert_non_null(e);
    uint64_t rng = 0x5eed;
    for (int i = 0; i < N; i++) {
        e[i] = maat__pck_entry_new();
        assert_non_null(e[i]);
        /* a distinct 32-byte "chain" per platform; its place is its first 8 bytes (a fixed
         * draw of uniform hashes, as maat__pck_chain_hash spreads chains, but the same on
         * every run: the chain hash is keyed per process) */
        e[i]->len = 32;
        e[i]->bytes = malloc(e[i]->len);
        assert_non_null(e[i]->bytes);
        for (size_t k = 0; k < e[i]->len; k += 8) {
            uint64_t r = tu_xorshift(&rng);
            memcpy(e[i]->bytes + k, &r, 8);
        }
        memcpy(&e[i]->hash, e[i]->bytes, sizeof e[i]->hash);
        e[i]->trust = TRUST;
        maat__pck_cache_put(c, e[i]);
    }
    int held = 0;
    for (int i = 0; i < N; i++) {
        struct maat_pck_chain *got = maat__pck_cache_get(c, e[i]->hash, e[i]->bytes, e[i]->len,
                                                         TRUST);
        held += got == e[i];
        maat_pck_chain_release(got);
    }
    /* 4 ways kept 1971 of these 2048 (0.962); 16 ways keep them all */
    assert_int_equal(held, N);
    maat_pck_cache_free(c);
    for (int i = 0; i < N; i++) maat_pck_chain_release(e[i]);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pck_cache_fleet_half_capacity_has_no_conflict_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
