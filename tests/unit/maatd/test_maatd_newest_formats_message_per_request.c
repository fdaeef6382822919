/* test_maatd_newest_formats_message_per_request.c - issue 16 (maatd's per-request CPU):
 * every attestation asked the collateral cache for the newest TCB evaluation data number
 * (maat_collateral_cache_newest) with an error record it then ignored; for a source
 * without a numbers list (directory, bundle, sim: the common case) the cache formatted
 * "the ... source publishes no TCB evaluation data numbers list ..." on every request
 * (vsnprintf and the UTF-8 escape, ~4k instructions per request in callgrind). maatd now
 * asks through maatd_collateral_newest, which wants no reason: unknown is 0 and 0 (the
 * grace check then fails closed), and no message is formatted. */
#include "collateral/collateral_fake_source.h"
#include "error_test_hooks.h"
#include "maatd.h"

/* Defect: a message formatted per request for a number that is simply unknown. */
static void test_maatd_newest_formats_message_per_request(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_collateral_source *src = NULL;
    assert_int_equal(maat_collateral_dir_source_new(simdir, &src, &err), 0);
    struct maat_trust *trust = sim_root_trust();
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    co.source = src;
    co.trust = trust;
    struct maat_collateral_cache *c = NULL;
    assert_int_equal(maat_collateral_cache_new(&co, &c, &err), 0);

    /* the cache itself says why, when asked with a record */
    uint32_t num = 7;
    time_t rec = 7;
    struct maat_error why = {0};
    uint64_t before = maat__error_messages;
    assert_int_equal(maat_collateral_cache_newest(c, T1, &num, &rec, &why), -1);
    assert_int_equal(maat__error_messages - before, 1);
    assert_non_null(strstr(why.msg, "publishes no TCB evaluation data numbers list"));

    /* maatd's per-request lookup: the same answer, no message */
    before = maat__error_messages;
    for (int i = 0; i < 100; i++) {
        num = 7;
        rec = 7;
        maatd_collateral_newest(c, T1, &num, &rec);
        assert_int_equal(num, 0);
        assert_int_equal(rec, 0);
    }
    assert_int_equal(maat__error_messages - before, 0);

    maat_collateral_cache_free(c);
    maat_trust_free(trust);
    maat_collateral_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maatd_newest_formats_message_per_request),
    };
    return cmocka_run_group_tests(tests, sim_dir_setup, sim_dir_teardown);
}
