/* test_collateral_shared.c - regression tests for "every replica fetches the same
 * collateral" (issue 13): two verified-collateral caches (two replicas) on one store,
 * each with its own counting source. Concurrent misses on both make exactly one source
 * fetch (a lease record taken by compare-and-swap; the other reads the stored record);
 * a holder that hung with its lease is taken over after the lease expires, and its late
 * result does not overwrite the taker's record; with the store down, held collateral is
 * served from memory with no store call and a new item is fetched without a claim.
 * Fresh lookups make no store call at all (the attest hot path).
 *
 * The store is a SQLite file, or the PostgreSQL database named by MAAT_TEST_PG_URI
 * (tests/integration/test_replicas_collateral.sh runs this binary under tests/lib/pg.sh).
 * Each store handle is wrapped to count calls and to fail on demand ("database down"). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collateral_source.h"
#include "maat/verify.h"
#include "sim.h"
#include "store.h"
#include "testutil.h"

#include "collateral_fake_source.h"

#define LEASE 30

static char *tmpdir;
static unsigned store_seq;
static time_t retry_s = 60; /* the caches' retry_interval */

/* ---- a store wrapper: counts calls, fails while `down` ---- */

struct wrap {
    struct maat_store base;
    struct maat_store *inner;
    atomic_bool down;
    atomic_uint calls;
};

#define W(s) ((struct wrap *)(void *)(s))
#define DOWN(s, err)                                                                        \
    do {                                                                                    \
        atomic_fetch_add(&W(s)->calls, 1);                                                  \
        if (atomic_load(&W(s)->down))                                                       \
            return maat_error_set(err, MAAT_ERR_IO, "store: server closed the connection"); \
    } while (0)

static int w_get(struct maat_store *s, const char *ns, const char *key, uint8_t **val, size_t *len,
                 uint64_t *version, struct maat_error *err)
{
    DOWN(s, err);
    return W(s)->inner->ops->get(W(s)->inner, ns, key, val, len, version, err);
}

static int w_put(struct maat_store *s, const char *ns, const char *key, const void *val, size_t len,
                 uint64_t expected, bool *conflict, uint64_t *new_version, struct maat_error *err)
{
    DOWN(s, err);
    return W(s)->inner->ops->put(W(s)->inner, ns, key, val, len, expected, conflict, new_version,
                                 err);
}

static int w_del(struct maat_store *s, const char *ns, const char *key, bool *existed,
                 struct maat_error *err)
{
    DOWN(s, err);
    return W(s)->inner->ops->del(W(s)->inner, ns, key, existed, err);
}

static void w_close(struct maat_store *s)
{
    maat_store_close(W(s)->inner);
    maat_store_handle_cleanup(s);
    free(s);
}

static const struct maat_store_ops wrap_ops = {
    .name = "wrapped", .get = w_get, .put = w_put, .del = w_del, .close = w_close};

static const char *pg_uri(void)
{
    const char *u = getenv("MAAT_TEST_PG_URI");
    return u != NULL && *u ? u : NULL;
}

/* A new store for one test (a new SQLite file, or the PostgreSQL database cleared of this
 * test's records); returns its URI in uri. */
static void new_store_uri(char *uri, size_t cap)
{
    if (pg_uri() != NULL) {
        snprintf(uri, cap, "%s", pg_uri());
        struct maat_store *s = NULL;
        struct maat_error err = {0};
        assert_int_equal(maat_store_open(uri, &s, &err), 0);
        const char *keys[] = {"00906ED50000/processor", "00906ED50000/platform",
                              "collateral-fetch/00906ED50000/processor",
                              "collateral-fetch/00906ED50000/platform"};
        for (size_t i = 0; i < 4; i++)
            assert_int_equal(maat_store_delete(s, "collateral", keys[i], NULL, &err), 0);
        maat_store_close(s);
    } else {
        snprintf(uri, cap, "sqlite:%s/store%u.db", tmpdir, ++store_seq);
    }
}

static struct wrap *wrap_open(const char *uri)
{
    struct wrap *w = calloc(1, sizeof *w);
    assert_non_null(w);
    struct maat_error err = {0};
    if (maat_store_open(uri, &w->inner, &err) != 0) fail_msg("store open: %s", err.msg);
    maat_store_handle_init(&w->base, &wrap_ops);
    return w;
}

/* ---- a replica: a cache on its own store handle with its own source ---- */

struct replica {
    struct wrap *store;
    struct gated *src;
    struct maat_trust *trust;
    struct maat_collateral_cache *c;
};

static void replica_open(struct replica *r, const char *uri, long wait_ms, bool closed)
{
    memset(r, 0, sizeof *r);
    struct maat_error err = {0};
    r->store = wrap_open(uri);
    /* the fake source as a PCCS: a fetch takes 30 ms (the other replica's lookups
     * overlap), a closed gate holds it up to 10 s then serves, a failure is refused */
    struct gated *g = gated_new(!closed, "pccs (counting test source)");
    g->wait_s = 10;
    g->serve_after_wait = true;
    g->fail_message = "PCCS: connection refused";
    g->work_ms = 30;
    r->src = g;
    r->trust = sim_root_trust();
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    assert_int_equal(co.lease_secs, 120); /* the documented default */
    co.source = &g->base;
    co.store = &r->store->base;
    co.trust = r->trust;
    co.wait_ms = wait_ms;
    co.lease_secs = LEASE;
    co.retry_interval = retry_s;
    assert_int_equal(maat_collateral_cache_new(&co, &r->c, &err), 0);
}

static void replica_close(struct replica *r)
{
    gate_open(r->src, true);
    maat_collateral_cache_free(r->c); /* joins a fetch still running */
    maat_collateral_source_free(&r->src->base);
    maat_trust_free(r->trust);
    maat_store_close(&r->store->base);
}

static int get(struct replica *r, enum maat_pck_ca ca, time_t now, struct maat_collateral_lookup *l,
               struct maat_error *err)
{
    maat_error_clear(err);
    return maat_collateral_cache_get(r->c, FMSPC_SIM, ca, now, l, err);
}

static void stats(struct replica *r, struct maat_collateral_cache_stats *st)
{
    maat_collateral_cache_stats(r->c, st);
}

/* ---- concurrent lookups on both replicas ---- */

struct racer {
    struct replica *r;
    time_t now;
    int rc;
    struct maat_error err;
    struct maat_collateral_lookup l;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    x->rc = maat_collateral_cache_get(x->r->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, x->now, &x->l,
                                      &x->err);
    return NULL;
}

#define RACERS 8 /* per replica */

/* The defect: each replica fetched the same collateral from the PCCS on its own miss. */
static void test_shared_collateral_one_fetch_across_replicas(void **state)
{
    (void)state;
    char uri[1200];
    new_store_uri(uri, sizeof uri);
    struct replica a, b;
    replica_open(&a, uri, 10000, false); /* waits end when the record appears */
    replica_open(&b, uri, 10000, false);
    struct racer x[2 * RACERS];
    pthread_t th[2 * RACERS];
    for (int i = 0; i < 2 * RACERS; i++) {
        memset(&x[i], 0, sizeof x[i]);
        x[i].r = i % 2 ? &b : &a;
        x[i].now = T1;
        assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
    }
    for (int i = 0; i < 2 * RACERS; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 2 * RACERS; i++) {
        if (x[i].rc != 0) fail_msg("lookup %d: %s", i, x[i].err.msg);
        assert_non_null(x[i].l.vc);
        assert_false(x[i].l.stale);
        assert_int_equal(x[i].l.fetched_at, T1);
        maat_collateral_lookup_release(x[i].r->c, &x[i].l);
    }
    /* exactly one fetch across both replicas; the other took the stored record */
    assert_int_equal(fetches(a.src) + fetches(b.src), 1);
    struct maat_collateral_cache_stats sa, sb;
    stats(&a, &sa);
    stats(&b, &sb);
    assert_int_equal(sa.fetches + sb.fetches, 1);
    assert_int_equal(sa.shared_loads + sb.shared_loads + sa.store_loads + sb.store_loads, 1);
    assert_int_equal(sa.lease_store_errors + sb.lease_store_errors, 0);
    /* the hot path: fresh lookups on both replicas make no store call at all */
    unsigned ca = atomic_load(&a.store->calls), cb = atomic_load(&b.store->calls);
    for (int i = 0; i < 50; i++) {
        struct maat_collateral_lookup l;
        struct maat_error err = {0};
        assert_int_equal(get(i % 2 ? &b : &a, MAAT_PCK_CA_PROCESSOR, T1 + 1 + i, &l, &err), 0);
        assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_MEMORY);
        maat_collateral_lookup_release(i % 2 ? b.c : a.c, &l);
    }
    assert_int_equal(atomic_load(&a.store->calls), ca);
    assert_int_equal(atomic_load(&b.store->calls), cb);
    /* a third replica started later loads it from the store, not from its source */
    struct replica c3;
    replica_open(&c3, uri, 10000, false);
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    assert_int_equal(get(&c3, MAAT_PCK_CA_PROCESSOR, T1 + 60, &l, &err), 0);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_STORE);
    assert_int_equal(l.fetched_at, T1);
    maat_collateral_lookup_release(c3.c, &l);
    assert_int_equal(fetches(c3.src), 0);
    replica_close(&c3);
    replica_close(&a);
    replica_close(&b);
}

/* A holder that hangs (or died) with its lease: the other replica does not fetch while
 * the lease runs, takes it over once it expired, and the late holder's result does not
 * overwrite the taker's record. */
static void test_shared_collateral_dead_holder_takeover(void **state)
{
    (void)state;
    char uri[1200];
    new_store_uri(uri, sizeof uri);
    struct replica a, b;
    replica_open(&a, uri, 200, true);   /* a's source hangs */
    replica_open(&b, uri, 3000, false); /* room for a fetch + verification under ASan */
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    assert_int_equal(get(&a, MAAT_PCK_CA_PROCESSOR, T1, &l, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "is still being fetched"));
    for (int i = 0; i < 200 && fetches(a.src) == 0; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(fetches(a.src), 1); /* a holds the lease, its fetch hangs */
    /* while a's lease runs (until T1 + LEASE), b does not fetch: 503-style, names why */
    assert_int_equal(get(&b, MAAT_PCK_CA_PROCESSOR, T1 + 10, &l, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "is being fetched by"));
    assert_non_null(strstr(err.msg, "pid"));
    assert_int_equal(fetches(b.src), 0);
    struct maat_collateral_cache_stats sb;
    stats(&b, &sb);
    assert_int_equal(sb.lease_waits, 1);
    assert_int_equal(sb.fetch_failures, 0); /* not a source failure: no negative cache */
    /* at once again (no negative cache): still waits, still no fetch */
    assert_int_equal(get(&b, MAAT_PCK_CA_PROCESSOR, T1 + 11, &l, &err), -1);
    assert_int_equal(fetches(b.src), 0);
    /* the lease expired: a replica takes it over and fetches once. A replica of its own
     * with a long wait: b's short one is what the lease phase above needs (b must give up
     * before a's gate opens, at most 10 s), but a fetch + verification on a loaded host
     * (ASan, ctest -j) can take longer than 3 s. */
    struct replica t;
    replica_open(&t, uri, 20000, false);
    if (get(&t, MAAT_PCK_CA_PROCESSOR, T1 + LEASE + 1, &l, &err) != 0)
        fail_msg("takeover lookup: %s", err.msg);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_SOURCE);
    assert_int_equal(l.fetched_at, T1 + LEASE + 1);
    maat_collateral_lookup_release(t.c, &l);
    assert_int_equal(fetches(t.src), 1);
    assert_int_equal(fetches(b.src), 0);
    struct maat_collateral_cache_stats st;
    stats(&t, &st);
    assert_int_equal(st.lease_takeovers, 1);
    /* a's hung fetch now completes (a "comes back"); it no longer holds the lease */
    replica_close(&a);
    struct replica c3;
    replica_open(&c3, uri, 10000, false);
    assert_int_equal(get(&c3, MAAT_PCK_CA_PROCESSOR, T1 + LEASE + 2, &l, &err), 0);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_STORE);
    assert_int_equal(l.fetched_at, T1 + LEASE + 1); /* t's record, not a's (T1) */
    maat_collateral_lookup_release(c3.c, &l);
    assert_int_equal(fetches(c3.src), 0);
    replica_close(&c3);
    replica_close(&t);
    replica_close(&b);
}

/* Database down: collateral held in memory is served with no store call; a new item is
 * fetched without a claim (verified all the same) and served from memory. */
static void test_shared_collateral_store_down_serves_memory(void **state)
{
    (void)state;
    char uri[1200];
    new_store_uri(uri, sizeof uri);
    struct replica a, b;
    replica_open(&a, uri, 2000, false);
    replica_open(&b, uri, 2000, false);
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    assert_int_equal(get(&a, MAAT_PCK_CA_PROCESSOR, T1, &l, &err), 0);
    maat_collateral_lookup_release(a.c, &l);
    assert_int_equal(get(&b, MAAT_PCK_CA_PROCESSOR, T1 + 1, &l, &err), 0);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_STORE);
    maat_collateral_lookup_release(b.c, &l);
    assert_int_equal(fetches(a.src) + fetches(b.src), 1);
    atomic_store(&a.store->down, true);
    atomic_store(&b.store->down, true);
    unsigned ca = atomic_load(&a.store->calls), cb = atomic_load(&b.store->calls);
    for (int i = 0; i < 20; i++) {
        struct replica *r = i % 2 ? &b : &a;
        assert_int_equal(get(r, MAAT_PCK_CA_PROCESSOR, T1 + 100 + i, &l, &err), 0);
        assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_MEMORY);
        assert_false(l.stale);
        maat_collateral_lookup_release(r->c, &l);
    }
    assert_int_equal(atomic_load(&a.store->calls), ca);
    assert_int_equal(atomic_load(&b.store->calls), cb);
    /* an item not held: the claim cannot run, the source is asked directly */
    assert_int_equal(get(&a, MAAT_PCK_CA_PLATFORM, T1 + 200, &l, &err), 0);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_SOURCE);
    maat_collateral_lookup_release(a.c, &l);
    struct maat_collateral_cache_stats sa;
    stats(&a, &sa);
    assert_int_equal(sa.lease_store_errors, 1);
    assert_int_equal(fetches(a.src), 2); /* the processor CA's, then this one */
    assert_int_equal(fetches(b.src), 0);
    /* and from memory afterwards */
    assert_int_equal(get(&a, MAAT_PCK_CA_PLATFORM, T1 + 201, &l, &err), 0);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_MEMORY);
    maat_collateral_lookup_release(a.c, &l);
    replica_close(&a);
    replica_close(&b);
}

/* A lease this cache could not release (store down at that moment) does not make the
 * same cache wait for itself on its next attempt. */
static void test_shared_collateral_own_unreleased_lease_retaken(void **state)
{
    (void)state;
    char uri[1200];
    new_store_uri(uri, sizeof uri);
    retry_s = 5;
    struct replica a;
    replica_open(&a, uri, 1500, true);
    retry_s = 60;
    a.src->fail = true;
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    /* the fetch hangs while the store goes down; then it fails and cannot release */
    struct racer x = {.r = &a, .now = T1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, race, &x), 0);
    for (int i = 0; i < 200 && fetches(a.src) == 0; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(fetches(a.src), 1);
    atomic_store(&a.store->down, true);
    gate_open(a.src, true);
    pthread_join(th, NULL);
    assert_int_equal(x.rc, -1);
    atomic_store(&a.store->down, false);
    /* after retry_interval, well inside its own lease (T1 + LEASE): it fetches again */
    pthread_mutex_lock(&a.src->mu);
    a.src->fail = false;
    pthread_mutex_unlock(&a.src->mu);
    if (get(&a, MAAT_PCK_CA_PROCESSOR, T1 + 6, &l, &err) != 0) fail_msg("retry: %s", err.msg);
    assert_int_equal(l.origin, MAAT_COLLATERAL_FROM_SOURCE);
    maat_collateral_lookup_release(a.c, &l);
    assert_int_equal(fetches(a.src), 2);
    struct maat_collateral_cache_stats st;
    stats(&a, &st);
    assert_int_equal(st.lease_waits, 0);
    assert_int_equal(st.lease_takeovers, 0);
    replica_close(&a);
}

static int group_setup(void **state)
{
    tmpdir = tu_tempdir();
    if (tmpdir == NULL || sim_dir_setup(state) != 0) return -1;
    fprintf(stderr, "store: %s\n", pg_uri() != NULL ? "postgresql (MAAT_TEST_PG_URI)" : "sqlite");
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(tmpdir);
    return sim_dir_teardown(state) == 0 && rc == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_collateral_one_fetch_across_replicas),
        cmocka_unit_test(test_shared_collateral_dead_holder_takeover),
        cmocka_unit_test(test_shared_collateral_store_down_serves_memory),
        cmocka_unit_test(test_shared_collateral_own_unreleased_lease_retaken),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
