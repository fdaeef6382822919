/* collateral_fake_source.h - the collateral tests' fake source, written once: the sim's
 * platform directory (created per test group), a trust set with the sim's root, and a
 * source over that directory whose fetches can be held on a gate, fail, or count
 * (test_collateral_stall.c, test_collateral_nowait.c, test_collateral_shared.c,
 * test_pccs.c, test_sources.c). Included by one test file each. */
#ifndef MAAT_TEST_COLLATERAL_FAKE_SOURCE_H
#define MAAT_TEST_COLLATERAL_FAKE_SOURCE_H

#include <pthread.h>
#include <stdbool.h>
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

static char *simdir;

/* ---- the sim's platform directory: cmocka group set-up and tear-down ---- */

static inline int sim_dir_setup(void **state)
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

static inline int sim_dir_teardown(void **state)
{
    (void)state;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", simdir);
    int rc = system(cmd);
    free(simdir);
    return rc == 0 ? 0 : -1;
}

/* A trust set holding only the root certificate in `path`, named `label`. */
static inline struct maat_trust *trust_from_root_file(const char *path, const char *label,
                                                      bool simulated)
{
    size_t len = 0;
    uint8_t *pem = tu_read_file(path, &len);
    assert_non_null(pem);
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_empty(&err);
    assert_non_null(t);
    assert_int_equal(maat_trust_add_root(t, pem, len, label, simulated, &err), 0);
    free(pem);
    return t;
}

/* A trust set holding only the sim's root (marked simulated). */
static inline struct maat_trust *sim_root_trust(void)
{
    char root[4300];
    snprintf(root, sizeof root, "%s/root-ca.pem", simdir);
    return trust_from_root_file(root, "maat simulated root", true);
}

/* ---- a source that blocks on a gate, then fails or serves the sim's directory ---- */

struct gated {
    struct maat_collateral_source base;
    struct maat_collateral_source *inner; /* dir source over the sim platform */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
    bool fail;        /* when let through: fail with an I/O error instead of serving */
    unsigned fetches; /* fetch calls */
    /* set by gated_new(), changed by a test before the first fetch */
    int wait_s;               /* a closed gate holds a fetch this long at most ... */
    bool serve_after_wait;    /* ... then serves (true) or fails (false) */
    const char *fail_message; /* the I/O error of a failed fetch */
    long work_ms;             /* a served fetch takes this long, as a PCCS does */
};

static int gated_fetch(struct maat_collateral_source *s, const uint8_t fmspc[6], enum maat_pck_ca ca,
                       time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    struct gated *g = (struct gated *)(void *)s;
    pthread_mutex_lock(&g->mu);
    g->fetches++;
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += g->wait_s; /* a hung test fails instead of hanging */
    int timed_out = 0;
    while (!g->open && !timed_out) timed_out = pthread_cond_timedwait(&g->cv, &g->mu, &limit);
    bool fail = g->fail || (timed_out && !g->serve_after_wait);
    pthread_mutex_unlock(&g->mu);
    if (fail) {
        maat_collateral_raw_init(out);
        return maat_error_set(err, MAAT_ERR_IO, "%s", g->fail_message);
    }
    if (g->work_ms > 0) {
        struct timespec ts = {g->work_ms / 1000, (g->work_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
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

/* A gated source over simdir, its gate open or closed; freed with
 * maat_collateral_source_free(&g->base). */
static inline struct gated *gated_new(bool open, const char *desc)
{
    struct gated *g = calloc(1, sizeof *g);
    assert_non_null(g);
    g->base.ops = &gated_ops;
    snprintf(g->base.desc, sizeof g->base.desc, "%s", desc);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = open;
    g->wait_s = 5;
    g->fail_message = "GET http://user:secret@pccs.test:8081/sgx/certification/v4/"
                      "tcb?fmspc=00906ED50000: Timeout was reached";
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_dir_source_new(simdir, &g->inner, &err), 0);
    return g;
}

static inline void gate(struct gated *g, bool open, bool fail)
{
    pthread_mutex_lock(&g->mu);
    g->open = open;
    g->fail = fail;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Opens or closes the gate, leaving `fail` as it is. */
static inline void gate_open(struct gated *g, bool open)
{
    pthread_mutex_lock(&g->mu);
    g->open = open;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static inline unsigned fetches(struct gated *g)
{
    pthread_mutex_lock(&g->mu);
    unsigned n = g->fetches;
    pthread_mutex_unlock(&g->mu);
    return n;
}

#endif /* MAAT_TEST_COLLATERAL_FAKE_SOURCE_H */
