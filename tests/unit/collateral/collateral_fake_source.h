/* collateral_fake_source.h - the collateral cache tests' source (test_collateral_stall.c,
 * test_collateral_nowait.c): the sim's collateral behind a fake source whose fetches can be
 * held on a gate, fail, or count; group set-up and tear-down of the sim directory.
 * Included by one test file each. */
#ifndef MAAT_TEST_COLLATERAL_FAKE_SOURCE_H
#define MAAT_TEST_COLLATERAL_FAKE_SOURCE_H

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

#endif /* MAAT_TEST_COLLATERAL_FAKE_SOURCE_H */
