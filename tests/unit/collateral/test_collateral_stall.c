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

static const uint8_t FMSPC_SIM[6] = {0x00, 0x90, 0x6E, 0xD5, 0x00, 0x00};
#define SIM_NOW 1700000000
#define SIM_NEXT (SIM_NOW + 30 * 86400)
#define T1 (SIM_NOW + 100)
#define WAIT_MS 200

static char *simdir;

/* ---- a source that blocks on a gate, then fails or serves the sim's directory ---- */

struct gated {
    struct maat_collateral_source base;
    struct maat_collateral_source *inner; /* dir source over the sim platform */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
    bool fail;        /* when let through: fail with an I/O error instead of serving */
    unsigned fetches; /* fetch calls */
};

static int gated_fetch(struct maat_collateral_source *s, const uint8_t fmspc[6], enum maat_pck_ca ca,
                       time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    struct gated *g = (struct gated *)(void *)s;
    pthread_mutex_lock(&g->mu);
    g->fetches++;
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 5; /* a hung test fails instead of hanging */
    int timed_out = 0;
    while (!g->open && !timed_out) timed_out = pthread_cond_timedwait(&g->cv, &g->mu, &limit);
    bool fail = g->fail || timed_out;
    pthread_mutex_unlock(&g->mu);
    if (fail) {
        maat_collateral_raw_init(out);
        return maat_error_set(err, MAAT_ERR_IO,
                              "GET http://user:secret@pccs.test:8081/sgx/certification/v4/"
                              "tcb?fmspc=00906ED50000: Timeout was reached");
    }
    return maat_collateral_source_fetch(g->inner, fmspc, ca, at, out, err);
}

static void gated_free(struct maat_collateral_source *s)
{
    struct gated *g = (struct gated *)(void *)s;
    maat_collateral_source_free(g->inner);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

static const struct maat_collateral_source_ops gated_ops = {
    .kind = "pccs", .fetch = gated_fetch, .free = gated_free};

static void gate(struct gated *g, bool open, bool fail)
{
    pthread_mutex_lock(&g->mu);
    g->open = open;
    g->fail = fail;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static unsigned fetches(struct gated *g)
{
    pthread_mutex_lock(&g->mu);
    unsigned n = g->fetches;
    pthread_mutex_unlock(&g->mu);
    return n;
}

/* ---- fixture ---- */

struct fixture {
    struct gated *g;
    struct maat_trust *trust;
    struct maat_collateral_cache *c;
    pthread_mutex_t mu;
    unsigned failures_reported;
    char reported[MAAT_ERROR_MSG_MAX];
    char reported_kind[16];
};

static void on_fetch_failed(void *arg, const uint8_t fmspc[6], enum maat_pck_ca ca,
                            const char *kind, const struct maat_error *err)
{
    struct fixture *f = arg;
    assert_memory_equal(fmspc, FMSPC_SIM, 6);
    assert_true(ca == MAAT_PCK_CA_PROCESSOR || ca == MAAT_PCK_CA_PLATFORM);
    pthread_mutex_lock(&f->mu);
    f->failures_reported++;
    snprintf(f->reported, sizeof f->reported, "%s", err->msg);
    snprintf(f->reported_kind, sizeof f->reported_kind, "%s", kind);
    pthread_mutex_unlock(&f->mu);
}

static unsigned reported(struct fixture *f)
{
    pthread_mutex_lock(&f->mu);
    unsigned n = f->failures_reported;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static struct fixture *setup(bool open)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pthread_mutex_init(&f->mu, NULL);
    struct maat_error err = {0};
    struct gated *g = calloc(1, sizeof *g);
    assert_non_null(g);
    g->base.ops = &gated_ops;
    snprintf(g->base.desc, sizeof g->base.desc, "pccs (gated test source)");
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = open;
    assert_int_equal(maat_collateral_dir_source_new(simdir, &g->inner, &err), 0);
    f->g = g;
    char root[4300];
    snprintf(root, sizeof root, "%s/root-ca.pem", simdir);
    size_t len = 0;
    uint8_t *pem = tu_read_file(root, &len);
    assert_non_null(pem);
    f->trust = maat_trust_new_empty(&err);
    assert_int_equal(maat_trust_add_root(f->trust, pem, len, "maat simulated root", true, &err), 0);
    free(pem);
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    assert_int_equal(co.wait_ms, 2000); /* the documented default */
    co.source = &g->base;
    co.trust = f->trust;
    co.wait_ms = WAIT_MS;
    co.fetch_failed = on_fetch_failed;
    co.fetch_failed_arg = f;
    assert_int_equal(maat_collateral_cache_new(&co, &f->c, &err), 0);
    return f;
}

static void teardown(struct fixture *f)
{
    gate(f->g, true, false);
    maat_collateral_cache_free(f->c); /* joins a fetch still running */
    maat_collateral_source_free(&f->g->base);
    maat_trust_free(f->trust);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int group_setup(void **state)
{
    (void)state;
    simdir = tu_tempdir();
    if (simdir == NULL) return -1;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, SIM_NOW);
    o.next_update = SIM_NEXT;
    struct maat_error err = {0};
    if (maat_sim_init(simdir, &o, &err) != 0) {
        fprintf(stderr, "sim init: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", simdir);
    int rc = system(cmd);
    free(simdir);
    return rc == 0 ? 0 : -1;
}

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
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
