/* test_collateral_nowait.c - regression tests for "a request waiting for collateral holds
 * a worker thread" (issue 12 item 9, leftover): maat_collateral_cache_get_nowait never
 * blocks on a fetch in flight; it returns 1 with the wait's deadline (wait_ms after the
 * fetch started) and the cache's idle generation, the idle callback reports the end of
 * the fetch with a newer generation, and the next call with the same wait state answers
 * as a waiting lookup would: the fetched collateral (one fetch for all), or MAAT_ERR_IO
 * "still being fetched" past the deadline. After set_on_idle(NULL) it is not called. */
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

/* ---- the idle callback ---- */

struct idle_rec {
    pthread_mutex_t mu;
    unsigned calls;
    uint64_t gen;
};

static void on_idle(void *arg, uint64_t gen)
{
    struct idle_rec *r = arg;
    pthread_mutex_lock(&r->mu);
    r->calls++;
    r->gen = gen;
    pthread_mutex_unlock(&r->mu);
}

static unsigned idle_calls(struct idle_rec *r, uint64_t *gen)
{
    pthread_mutex_lock(&r->mu);
    unsigned n = r->calls;
    if (gen != NULL) *gen = r->gen;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* waits (bounded) until the idle callback has been called more than `before` times */
static bool idle_after(struct idle_rec *r, unsigned before)
{
    for (int i = 0; i < 500; i++) {
        if (idle_calls(r, NULL) > before) return true;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_collateral_wait_holds_no_thread_served_on_idle(void **state)
{
    (void)state;
    struct fixture *f = setup(false);
    struct idle_rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    maat_collateral_cache_set_on_idle(f->c, on_idle, &r);
    assert_int_equal(idle_calls(&r, NULL), 1); /* at once: where the generation stands */
    struct maat_error err = {0};
    struct maat_collateral_lookup lk;
    struct maat_collateral_wait w = {0}, w2 = {0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(
        maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &w, &lk, &err),
        1);
    assert_true(ms_since(&t0) < 100); /* returned, did not wait for the stalled fetch */
    assert_null(lk.vc);
    assert_true(w.started);
    /* the deadline: wait_ms after the fetch started */
    double until = (double)(w.deadline.tv_sec - t0.tv_sec) * 1e3 +
                   (double)(w.deadline.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(until > WAIT_MS - 50 && until <= WAIT_MS + 100);
    /* a second request for the same item: no second fetch, also pending */
    assert_int_equal(maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1,
                                                      &w2, &lk, &err),
                     1);
    assert_false(w2.started);
    assert_true(w2.saw_fetch);
    assert_int_equal(w2.gen, w.gen);
    unsigned before = idle_calls(&r, NULL);
    gate(f->g, true, false); /* the fetch completes */
    assert_true(idle_after(&r, before));
    uint64_t gen = 0;
    idle_calls(&r, &gen);
    assert_true(gen > w.gen);
    assert_int_equal(
        maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &w, &lk, &err),
        0);
    assert_non_null(lk.vc);
    assert_int_equal(lk.origin, MAAT_COLLATERAL_FROM_SOURCE);
    maat_collateral_lookup_release(f->c, &lk);
    assert_int_equal(maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1,
                                                      &w2, &lk, &err),
                     0);
    assert_non_null(lk.vc);
    maat_collateral_lookup_release(f->c, &lk);
    assert_int_equal(fetches(f->g), 1);
    maat_collateral_cache_set_on_idle(f->c, NULL, NULL);
    teardown(f);
}

static void test_collateral_wait_holds_no_thread_503_at_deadline(void **state)
{
    (void)state;
    struct fixture *f = setup(false);
    struct idle_rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    maat_collateral_cache_set_on_idle(f->c, on_idle, &r);
    struct maat_error err = {0};
    struct maat_collateral_lookup lk;
    struct maat_collateral_wait w = {0};
    assert_int_equal(
        maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &w, &lk, &err),
        1);
    unsigned before = idle_calls(&r, NULL);
    /* called again before the deadline, nothing changed: still pending, same deadline */
    struct timespec d0 = w.deadline;
    assert_int_equal(
        maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &w, &lk, &err),
        1);
    assert_true(w.deadline.tv_sec == d0.tv_sec && w.deadline.tv_nsec == d0.tv_nsec);
    struct timespec ts = {0, (WAIT_MS + 50) * 1000L * 1000L};
    nanosleep(&ts, NULL);
    assert_int_equal(idle_calls(&r, NULL), before); /* the fetch is still stalled */
    assert_int_equal(
        maat_collateral_cache_get_nowait(f->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &w, &lk, &err),
        -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "is still being fetched"));
    assert_null(lk.vc);
    assert_int_equal(fetches(f->g), 1);
    /* unregistered: the end of the fetch is not reported any more */
    maat_collateral_cache_set_on_idle(f->c, NULL, NULL);
    gate(f->g, true, true);
    for (int i = 0; i < 50 && reported(f) == 0; i++) {
        struct timespec t = {0, 10 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    assert_int_equal(reported(f), 1);
    assert_int_equal(idle_calls(&r, NULL), before);
    teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collateral_wait_holds_no_thread_served_on_idle),
        cmocka_unit_test(test_collateral_wait_holds_no_thread_503_at_deadline),
    };
    return cmocka_run_group_tests(tests, sim_dir_setup, sim_dir_teardown);
}
