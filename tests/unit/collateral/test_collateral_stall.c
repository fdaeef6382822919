/* test_collateral_stall.c - regression tests for "a stalled PCCS freezes the whole daemon"
 * (issue 12 item 9): the verified-collateral cache in front of a fake source that blocks
 * until the test opens a gate. A stalled fetch holds a lookup at most wait_ms after the
 * fetch started; concurrent lookups share one fetch (single flight); lookups for other
 * items and for held collateral are answered at once; a failed fetch is reported once
 * (fetch_failed) and remembered for retry_interval (negative cache); last-good is
 * served while a refresh is in flight; cache_free waits for a fetch still running.
 * Also maat_collateral_scrub_urls (no URL in HTTP error bodies, no credentials in logs). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collateral_source.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#include "collateral_cache_fixture.h"

/* ---- concurrent lookups ---- */

struct racer {
    struct maat_collateral_cache *c;
    enum maat_pck_ca ca;
    time_t now;
    int rc;
    struct maat_error err;
    struct maat_collateral_lookup l;
    double ms;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r->rc = maat_collateral_cache_get(r->c, FMSPC_SIM, r->ca, r->now, &r->l, &r->err);
    r->ms = ms_since(&t0);
    return NULL;
}

#define RACERS 6

static void run_racers(struct racer *r, struct maat_collateral_cache *c, enum maat_pck_ca ca,
                       time_t now)
{
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].c = c;
        r[i].ca = ca;
        r[i].now = now;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) pthread_join(th[i], NULL);
}

/* The defect: every lookup waited for a stalled fetch (and for each other) until the
 * source gave up. Now: one fetch, every lookup answered 503-style within the deadline,
 * and a lookup for held collateral is not held up at all. */
static void test_stalled_pccs_lookups_bounded_single_flight(void **state)
{
    (void)state;
    struct fixture *f = setup(true);
    struct maat_collateral_lookup held;
    struct maat_error err = {0};
    /* the platform CA's collateral is fetched while the source works */
    assert_int_equal(
        maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PLATFORM, T1, &held, &err), 0);
    assert_int_equal(held.origin, MAAT_COLLATERAL_FROM_SOURCE);
    maat_collateral_lookup_release(f->c, &held);
    /* the source stalls */
    gate(f->g, false, false);
    struct racer r[RACERS];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_racers(r, f->c, MAAT_PCK_CA_PROCESSOR, T1);
    double total = ms_since(&t0);
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(r[i].rc, -1);
        assert_int_equal(r[i].err.code, MAAT_ERR_IO); /* maatd: 503 */
        assert_non_null(strstr(r[i].err.msg, "is still being fetched from the pccs source"));
        assert_non_null(strstr(r[i].err.msg, "FMSPC 00906ED50000 (PCK processor CA)"));
        assert_null(strstr(r[i].err.msg, "http"));
        assert_true(r[i].ms < WAIT_MS + 400);
        assert_null(r[i].l.vc);
    }
    assert_true(total < WAIT_MS + 600); /* not RACERS x the deadline, and not the stall */
    assert_int_equal(fetches(f->g), 2); /* one for the platform CA, one shared stalled one */
    /* while that fetch is still stalled, held collateral is served at once */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(
        maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PLATFORM, T1 + 1, &held, &err), 0);
    assert_true(ms_since(&t0) < 50);
    assert_int_equal(held.origin, MAAT_COLLATERAL_FROM_MEMORY);
    maat_collateral_lookup_release(f->c, &held);
    /* a later lookup does not start a second fetch, nor wait past the deadline */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(
        maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1 + 2, &held, &err), -1);
    assert_true(ms_since(&t0) < 50); /* the fetch started more than WAIT_MS ago */
    assert_int_equal(fetches(f->g), 2);
    struct maat_collateral_cache_stats st;
    maat_collateral_cache_stats(f->c, &st);
    assert_int_equal(st.wait_timeouts, RACERS + 1);
    assert_int_equal(st.fetches, 2);
    /* the source recovers: the fetch in flight completes and is served from memory */
    gate(f->g, true, false);
    for (int i = 0; i < 100; i++) {
        maat_error_clear(&err);
        if (maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1 + 3, &held, &err) ==
            0)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_non_null(held.vc);
    assert_int_equal(held.origin, MAAT_COLLATERAL_FROM_MEMORY);
    assert_false(held.stale);
    assert_int_equal(held.fetched_at, T1);
    maat_collateral_lookup_release(f->c, &held);
    assert_int_equal(fetches(f->g), 2);
    assert_int_equal(reported(f), 0);
    teardown(f);
}

/* Waiters share the outcome of one failing fetch; the failure is reported once; for
 * retry_interval the source is not asked again and lookups fail at once. */
static void test_stalled_pccs_failure_reported_once_negative_cache(void **state)
{
    (void)state;
    struct fixture *f = setup(false);
    struct racer r[RACERS];
    /* the fetch fails 100 ms in, within the waiters' deadline */
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].c = f->c;
        r[i].ca = MAAT_PCK_CA_PROCESSOR;
        r[i].now = T1;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    gate(f->g, true, true);
    for (int i = 0; i < RACERS; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(r[i].rc, -1);
        assert_int_equal(r[i].err.code, MAAT_ERR_IO);
        assert_non_null(strstr(r[i].err.msg, "no collateral for FMSPC 00906ED50000"));
        assert_non_null(strstr(r[i].err.msg, "Timeout was reached"));
        assert_true(r[i].ms < WAIT_MS + 400);
    }
    assert_int_equal(fetches(f->g), 1);
    assert_int_equal(reported(f), 1);
    assert_non_null(strstr(f->reported, "Timeout was reached"));
    assert_string_equal(f->reported_kind, "pccs");
    /* negative cache: within retry_interval (60 s) no fetch, an immediate failure */
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 20; i++) {
        maat_error_clear(&err);
        assert_int_equal(
            maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1 + 59, &l, &err), -1);
        assert_int_equal(err.code, MAAT_ERR_IO);
        assert_non_null(strstr(err.msg, "last attempt failed recently"));
    }
    assert_true(ms_since(&t0) < 100);
    assert_int_equal(fetches(f->g), 1);
    assert_int_equal(reported(f), 1);
    struct maat_collateral_cache_stats st;
    maat_collateral_cache_stats(f->c, &st);
    assert_int_equal(st.negative_hits, 20);
    assert_int_equal(st.fetch_failures, 1);
    /* after it, one new fetch, which now succeeds */
    gate(f->g, true, false);
    assert_int_equal(
        maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1 + 60, &l, &err), 0);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_SOURCE);
    maat_collateral_lookup_release(f->c, &l);
    assert_int_equal(fetches(f->g), 2);
    teardown(f);
}

/* Past the refresh point with the source stalled: last-good is served - at once to
 * others, after at most the deadline to the lookup that asked for the refresh. */
static void test_stalled_pccs_refresh_serves_last_good(void **state)
{
    (void)state;
    struct fixture *f = setup(true);
    struct maat_collateral_lookup a, b;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &a, &err),
                     0);
    gate(f->g, false, false);
    time_t later = SIM_NEXT - 100; /* inside the refresh margin, before expiry */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(
        maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, later, &b, &err), 0);
    double ms = ms_since(&t0);
    assert_true(ms >= WAIT_MS - 20 && ms < WAIT_MS + 400);
    assert_ptr_equal(b.vc, a.vc);
    assert_false(b.stale); /* not failed: still being refreshed */
    maat_collateral_lookup_release(f->c, &b);
    struct racer r[RACERS];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_racers(r, f->c, MAAT_PCK_CA_PROCESSOR, later + 1);
    assert_true(ms_since(&t0) < 100);
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(r[i].rc, 0);
        assert_ptr_equal(r[i].l.vc, a.vc);
        maat_collateral_lookup_release(f->c, &r[i].l);
    }
    assert_int_equal(fetches(f->g), 2);
    /* the refresh fails: last-good, now flagged stale with the reason */
    gate(f->g, true, true);
    for (int i = 0; i < 200 && reported(f) == 0; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(reported(f), 1);
    for (int i = 0; i < 100; i++) { /* the report comes just before the entry is updated */
        assert_int_equal(
            maat_collateral_cache_get(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, later + 2, &b, &err),
            0);
        if (b.stale) break;
        maat_collateral_lookup_release(f->c, &b);
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_true(b.stale);
    assert_non_null(strstr(b.stale_reason, "Timeout was reached"));
    maat_collateral_lookup_release(f->c, &b);
    maat_collateral_lookup_release(f->c, &a);
    assert_int_equal(fetches(f->g), 2);
    teardown(f);
}

/* wait_ms = 0: a stalled fetch never holds a lookup; cache_free waits for the fetch. */
static void test_stalled_pccs_no_wait_and_free_joins(void **state)
{
    (void)state;
    struct fixture *f = setup(false);
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    co.source = &f->g->base;
    co.trust = f->trust;
    co.wait_ms = 0;
    struct maat_collateral_cache *c = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_cache_new(&co, &c, &err), 0);
    struct maat_collateral_lookup l;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(maat_collateral_cache_get(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &l, &err),
                     -1);
    assert_true(ms_since(&t0) < 50);
    assert_non_null(strstr(err.msg, "still being fetched"));
    co.wait_ms = -1;
    struct maat_collateral_cache *bad = NULL;
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_cache_new(&co, &bad, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    gate(f->g, true, false);
    maat_collateral_cache_free(c); /* joins the fetch thread (checked by ASan/LSan) */
    teardown(f);
}

static void test_scrub_urls(void **state)
{
    (void)state;
    const char *m = "from pccs https://u:pw@pccs.example:8081/sgx/certification/v4: TCB info: "
                    "GET https://u:pw@pccs.example:8081/sgx/certification/v4/tcb?fmspc=00906ED50000"
                    "&key=s3cret: Timeout was reached";
    char out[512];
    maat_collateral_scrub_urls(m, true, out, sizeof out);
    assert_string_equal(out, "from pccs https://pccs.example:8081/sgx/certification/v4: TCB "
                             "info: GET https://pccs.example:8081/sgx/certification/v4/tcb: "
                             "Timeout was reached");
    maat_collateral_scrub_urls(m, false, out, sizeof out);
    assert_string_equal(out, "from pccs <source URL>: TCB info: GET <source URL>: Timeout was "
                             "reached");
    char small[8];
    maat_collateral_scrub_urls(m, false, small, sizeof small);
    assert_string_equal(small, "from pc");
    maat_collateral_scrub_urls("HTTP://h/x?y no url", true, out, sizeof out);
    assert_string_equal(out, "HTTP://h/x no url");
    maat_collateral_scrub_urls(NULL, true, out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalled_pccs_lookups_bounded_single_flight),
        cmocka_unit_test(test_stalled_pccs_failure_reported_once_negative_cache),
        cmocka_unit_test(test_stalled_pccs_refresh_serves_last_good),
        cmocka_unit_test(test_stalled_pccs_no_wait_and_free_joins),
        cmocka_unit_test(test_scrub_urls),
    };
    return cmocka_run_group_tests(tests, sim_dir_setup, sim_dir_teardown);
}
