/* test_pck_first_seen_cache.c - the PCK cache's eviction policy (issue 16: chosen from the
 * fleet curve). Defect: the cache was direct-mapped, so two platforms whose keys fell in
 * the same slot evicted each other even with the table nearly empty. Now set associative
 * (MAAT__PCK_CACHE_WAYS ways) with LRU inside a set. */
#include <stdlib.h>
#include <string.h>

#include "maat/verify.h"
#include "testutil.h"
#include "verify_internal.h"

static const struct maat_trust *const TRUST = (const struct maat_trust *)0x1000;

/* An entry placed by hash `h` (the table indexes by it), its bytes `h` and `tag`. */
static struct maat_pck_chain *entry(uint64_t h, uint8_t tag)
{
    struct maat_pck_chain *e = maat__pck_entry_new();
    assert_non_null(e);
    e->len = sizeof h + 1;
    e->bytes = malloc(e->len);
    assert_non_null(e->bytes);
    memcpy(e->bytes, &h, sizeof h);
    e->bytes[sizeof h] = tag;
    e->hash = h;
    e->trust = TRUST;
    return e;
}

static bool hit(struct maat_pck_cache *c, const struct maat_pck_chain *e)
{
    struct maat_pck_chain *got = maat__pck_cache_get(c, e->hash, e->bytes, e->len, TRUST);
    bool ok = got == e;
    maat_pck_chain_release(got);
    return ok;
}

static void test_pck_cache_colliding_keys_do_not_evict_each_other(void **state)
{
    (void)state;
    struct maat_error err = {0};
    enum { W = MAAT__PCK_CACHE_WAYS, CAP = 4 * W };
    struct maat_pck_cache *c = maat_pck_cache_new(CAP, &err);
    assert_non_null(c);
    /* W keys equal modulo CAP: one slot of a direct-mapped table of CAP, one set here */
    struct maat_pck_chain *e[W + 1];
    for (int i = 0; i < W; i++) {
        e[i] = entry((uint64_t)i * CAP, (uint8_t)i);
        maat__pck_cache_put(c, e[i]);
    }
    for (int i = 0; i < W; i++) assert_true(hit(c, e[i]));
    /* LRU inside the set: touch 1 .. W-1; one more colliding key evicts 0 */
    for (int i = 1; i < W; i++) assert_true(hit(c, e[i]));
    e[W] = entry((uint64_t)W * CAP, W);
    maat__pck_cache_put(c, e[W]);
    assert_false(hit(c, e[0]));
    for (int i = 1; i < W + 1; i++) assert_true(hit(c, e[i]));
    uint64_t hits, misses;
    maat_pck_cache_stats(c, &hits, &misses);
    assert_int_equal(hits, 3 * W - 1);
    assert_int_equal(misses, 1);
    /* the same key put again replaces its own entry, not another */
    struct maat_pck_chain *again = entry((uint64_t)W * CAP, W);
    maat__pck_cache_put(c, again);
    assert_true(hit(c, again));
    for (int i = 1; i < W; i++) assert_true(hit(c, e[i]));
    maat_pck_cache_free(c);
    for (int i = 0; i < W + 1; i++) maat_pck_chain_release(e[i]);
    maat_pck_chain_release(again);
}

/* Memory stays bounded: whatever the number of platforms, at most `capacity` entries are
 * held (every other entry's last reference is the caller's). */
static void test_pck_cache_holds_at_most_capacity_entries(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_pck_cache *c = maat_pck_cache_new(16, &err);
    uint64_t rng = 42;
    int held = 0;
    struct maat_pck_chain *all[200];
    for (int i = 0; i < 200; i++) {
        all[i] = entry(tu_xorshift(&rng), (uint8_t)i);
        maat__pck_cache_put(c, all[i]);
    }
    for (int i = 0; i < 200; i++) held += __atomic_load_n(&all[i]->refs, __ATOMIC_ACQUIRE) == 2;
    assert_true(held <= 16);
    assert_true(held >= 8);
    maat_pck_cache_free(c);
    for (int i = 0; i < 200; i++) {
        assert_int_equal(all[i]->refs, 1);
        maat_pck_chain_release(all[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pck_cache_colliding_keys_do_not_evict_each_other),
        cmocka_unit_test(test_pck_cache_holds_at_most_capacity_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
