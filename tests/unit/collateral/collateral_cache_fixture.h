/* collateral_cache_fixture.h - the collateral cache stall and no-wait tests' fixture
 * (test_collateral_stall.c, test_collateral_nowait.c): a verified-collateral cache over the
 * gated fake source of collateral_fake_source.h, recording the fetch failures it reports.
 * Included by one test file each. */
#ifndef MAAT_TEST_COLLATERAL_CACHE_FIXTURE_H
#define MAAT_TEST_COLLATERAL_CACHE_FIXTURE_H

#include "collateral_fake_source.h"

#define WAIT_MS 200

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
    struct gated *g = gated_new(open, "pccs (gated test source)");
    f->g = g;
    f->trust = sim_root_trust();
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

#endif /* MAAT_TEST_COLLATERAL_CACHE_FIXTURE_H */
