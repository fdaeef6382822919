/* test_pccs.c - the PCS/PCCS client and the verified-collateral cache against the
 * in-process simulated PCCS (src/sim/sim_pccs.c) on a loopback ephemeral port:
 * fetch (v4 and v3, both CAs, Intel's sample layout), cache hit without a second HTTP
 * request (counted on the server), refresh before nextUpdate, server down -> last-good
 * served and flagged until it expires, persistence through the store, one fetch for
 * concurrent misses, garbage body / HTTP 500 / stalled server / oversized body -> clear
 * errors within the configured bounds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collateral_source.h"
#include "maat/verify.h"
#include "sim.h"
#include "sim_pccs.h"
#include "store.h"
#include "testutil.h"

#include "collateral_fake_source.h"

struct fixture {
    struct maat_sim_pccs *srv;
    char base[64];
    struct maat_trust *trust;
    struct maat_collateral_source *src;
    struct maat_store *store;
};

static void opts_fast(struct maat_pccs_opts *po, const char *base)
{
    maat_pccs_opts_defaults(po);
    po->base_url = base;
    po->connect_timeout_ms = 1000;
    po->timeout_ms = 2000;
    po->max_attempts = 3;
    po->backoff_ms = 20;
    po->backoff_max_ms = 100;
}

static struct fixture *start(const char *dir, enum maat_sim_pccs_fault fault, unsigned stall_ms)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct maat_error err = {0};
    struct maat_sim_pccs_opts so = {.fault = fault, .stall_ms = stall_ms};
    int rc = maat_sim_pccs_start(dir, "127.0.0.1:0", &so, &f->srv, &err);
    if (rc != 0) fprintf(stderr, "start: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_true(maat_sim_pccs_port(f->srv) > 0);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", maat_sim_pccs_port(f->srv));
    char root[4300];
    snprintf(root, sizeof root, "%s/root-ca.pem", simdir);
    size_t len = 0;
    uint8_t *pem = tu_read_file(root, &len);
    assert_non_null(pem);
    f->trust = maat_trust_new_empty(&err);
    assert_int_equal(maat_trust_add_root(f->trust, pem, len, "maat simulated root", true, &err), 0);
    free(pem);
    struct maat_pccs_opts po;
    opts_fast(&po, f->base);
    assert_int_equal(maat_collateral_pccs_source_new(&po, &f->src, &err), 0);
    return f;
}

static void stop(struct fixture *f)
{
    maat_sim_pccs_stop(f->srv);
    maat_collateral_source_free(f->src);
    maat_trust_free(f->trust);
    maat_store_close(f->store);
    free(f);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void fetch_and_verify(struct maat_collateral_source *src, const uint8_t fmspc[6],
                             enum maat_pck_ca ca, const struct maat_trust *t, time_t at,
                             time_t want_not_after)
{
    struct maat_collateral_raw raw;
    struct maat_error err = {0};
    int rc = maat_collateral_source_fetch(src, fmspc, ca, at, &raw, &err);
    if (rc != 0) fprintf(stderr, "fetch: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(raw.root_ca_crl.data[0], 0x30); /* hex from /rootcacrl -> DER */
    assert_int_equal(raw.pck_crl.data[0], 0x30);
    assert_non_null(strstr((const char *)raw.tcb_info_issuer_chain.data,
                           "-----BEGIN CERTIFICATE-----\n")); /* URL-decoded */
    struct maat_collateral_input in;
    maat_collateral_raw_input(&raw, &in);
    struct maat_verified_collateral *vc = NULL;
    rc = maat_collateral_verify(&in, t, at, &vc, &err);
    if (rc != 0) fprintf(stderr, "verify: %s\n", err.msg);
    assert_int_equal(rc, 0);
    struct maat_collateral_window w;
    maat_verified_collateral_window(vc, &w);
    assert_int_equal(w.not_after, want_not_after);
    assert_int_equal(maat_verified_collateral_pck_ca(vc), ca);
    maat_verified_collateral_free(vc);
    maat_collateral_raw_cleanup(&raw);
}

static void test_fetch_v4_v3(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_OK, 0);
    fetch_and_verify(f->src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, f->trust, T1, SIM_NEXT);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 4);
    fetch_and_verify(f->src, FMSPC_SIM, MAAT_PCK_CA_PLATFORM, f->trust, T1, SIM_NEXT);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 8);
    struct maat_pccs_stats st;
    maat_collateral_pccs_stats(f->src, &st);
    assert_int_equal(st.requests, 8);
    assert_int_equal(st.retries, 0);
    /* API v3 (SGX-TCB-Info-Issuer-Chain), base URL with a trailing slash */
    struct maat_pccs_opts po;
    char base[80];
    snprintf(base, sizeof base, "%s/", f->base);
    opts_fast(&po, base);
    po.api_version = 3;
    struct maat_collateral_source *v3 = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_pccs_source_new(&po, &v3, &err), 0);
    assert_non_null(strstr(maat_collateral_source_describe(v3), "/sgx/certification/v3"));
    fetch_and_verify(v3, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, f->trust, T1, SIM_NEXT);
    maat_collateral_source_free(v3);
    /* an FMSPC the server does not have: 404, no retries, named */
    static const uint8_t other[6] = {1, 2, 3, 4, 5, 6};
    struct maat_collateral_raw raw;
    unsigned long before = maat_sim_pccs_requests(f->srv);
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_source_fetch(f->src, other, MAAT_PCK_CA_PROCESSOR, T1, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "tcb?fmspc=010203040506"));
    assert_non_null(strstr(err.msg, "HTTP status 404"));
    assert_int_equal(maat_sim_pccs_requests(f->srv), before + 1);
    stop(f);
}

static void test_intel_sample_layout(void **state)
{
    (void)state;
    size_t len;
    uint8_t *probe = tu_read_vector("intel-qvl-sample/tcbInfo.json", &len);
    TU_REQUIRE_VECTOR(probe);
    free(probe);
    char dir[4200], root[4300];
    snprintf(dir, sizeof dir, "%s/intel-qvl-sample", tu_vectors_dir());
    snprintf(root, sizeof root, "%s/trustedRootCaCert.pem", dir);
    struct fixture *f = start(dir, MAAT_SIM_PCCS_OK, 0);
    uint8_t *pem = tu_read_file(root, &len);
    assert_non_null(pem);
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_empty(&err);
    assert_int_equal(maat_trust_add_root(t, pem, len, "Intel sample root", false, &err), 0);
    free(pem);
    static const uint8_t fmspc[6] = {0x00, 0x70, 0x7F, 0x00, 0x00, 0x00};
    fetch_and_verify(f->src, fmspc, MAAT_PCK_CA_PROCESSOR, t, 1600000000, 1787917015);
    maat_trust_free(t);
    stop(f);
}

static struct maat_collateral_cache *new_cache(struct fixture *f, bool with_store, const char *dbpath)
{
    struct maat_error err = {0};
    if (with_store && f->store == NULL)
        assert_int_equal(maat_store_open(dbpath, &f->store, &err), 0);
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    co.source = f->src;
    co.store = with_store ? f->store : NULL;
    co.trust = f->trust;
    co.refresh_margin = 3600;
    co.retry_interval = 60;
    struct maat_collateral_cache *c = NULL;
    assert_int_equal(maat_collateral_cache_new(&co, &c, &err), 0);
    return c;
}

static void get_ok(struct maat_collateral_cache *c, enum maat_pck_ca ca, time_t now,
                   enum maat_collateral_origin origin, bool stale, struct maat_collateral_lookup *l)
{
    struct maat_error err = {0};
    int rc = maat_collateral_cache_get(c, FMSPC_SIM, ca, now, l, &err);
    if (rc != 0) fprintf(stderr, "cache get: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(l->vc);
    assert_int_equal(l->origin, origin);
    assert_int_equal(l->stale, stale);
    assert_int_equal(l->window.not_after, SIM_NEXT);
    assert_int_equal(maat_verified_collateral_pck_ca(l->vc), ca);
}

static void test_cache_hit_and_refresh(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_OK, 0);
    struct maat_collateral_cache *c = new_cache(f, false, NULL);
    struct maat_collateral_lookup a, b, r;
    get_ok(c, MAAT_PCK_CA_PROCESSOR, T1, MAAT_COLLATERAL_FROM_SOURCE, false, &a);
    assert_int_equal(a.fetched_at, T1);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 4);
    /* hit: same verified object, no HTTP request, no verification */
    get_ok(c, MAAT_PCK_CA_PROCESSOR, T1 + 3600, MAAT_COLLATERAL_FROM_MEMORY, false, &b);
    assert_ptr_equal(a.vc, b.vc);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 4);
    /* the other CA is another entry */
    struct maat_collateral_lookup p;
    get_ok(c, MAAT_PCK_CA_PLATFORM, T1, MAAT_COLLATERAL_FROM_SOURCE, false, &p);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 8);
    maat_collateral_lookup_release(c, &p);
    /* last second before the refresh point: still a hit */
    get_ok(c, MAAT_PCK_CA_PROCESSOR, SIM_NEXT - 3600, MAAT_COLLATERAL_FROM_MEMORY, false, &r);
    maat_collateral_lookup_release(c, &r);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 8);
    /* inside the margin before nextUpdate: refreshed from the source */
    get_ok(c, MAAT_PCK_CA_PROCESSOR, SIM_NEXT - 3599, MAAT_COLLATERAL_FROM_SOURCE, false, &r);
    assert_int_equal(maat_sim_pccs_requests(f->srv), 12);
    assert_int_equal(r.fetched_at, SIM_NEXT - 3599);
    assert_ptr_not_equal(r.vc, a.vc); /* new object; the old one lives while referenced */
    assert_int_equal(maat_verified_collateral_pck_ca(a.vc), MAAT_PCK_CA_PROCESSOR);
    struct maat_collateral_cache_stats st;
    maat_collateral_cache_stats(c, &st);
    assert_int_equal(st.fetches, 3);
    assert_int_equal(st.verifications, 3);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.stale_served, 0);
    maat_collateral_lookup_release(c, &a);
    maat_collateral_lookup_release(c, &b);
    maat_collateral_lookup_release(c, &r);
    maat_collateral_cache_free(c);
    stop(f);
}

static void test_server_down_serves_last_good(void **state)
{
    (void)state;
    char *tmp = tu_tempdir();
    char db[4300];
    snprintf(db, sizeof db, "%s/maat.db", tmp);
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_OK, 0);
    struct maat_collateral_cache *c = new_cache(f, true, db);
    struct maat_collateral_lookup l;
    get_ok(c, MAAT_PCK_CA_PROCESSOR, T1, MAAT_COLLATERAL_FROM_SOURCE, false, &l);
    maat_collateral_lookup_release(c, &l);
    /* the server goes away */
    maat_sim_pccs_stop(f->srv);
    f->srv = NULL;
    /* past the refresh point, before expiry: last-good, flagged, saying why */
    get_ok(c, MAAT_PCK_CA_PROCESSOR, SIM_NEXT - 100, MAAT_COLLATERAL_FROM_MEMORY, true, &l);
    assert_non_null(strstr(l.stale_reason, f->base));
    assert_non_null(strstr(l.stale_reason, "/tcb?fmspc=00906ED50000"));
    assert_non_null(strstr(l.stale_reason, "3 attempts"));
    maat_collateral_lookup_release(c, &l);
    /* within the retry interval the source is not asked again */
    struct maat_pccs_stats ps;
    maat_collateral_pccs_stats(f->src, &ps);
    unsigned long reqs = ps.requests;
    get_ok(c, MAAT_PCK_CA_PROCESSOR, SIM_NEXT - 50, MAAT_COLLATERAL_FROM_MEMORY, true, &l);
    maat_collateral_lookup_release(c, &l);
    maat_collateral_pccs_stats(f->src, &ps);
    assert_int_equal(ps.requests, reqs);
    /* at nextUpdate itself it is still valid (nextUpdate is the last valid instant) */
    get_ok(c, MAAT_PCK_CA_PROCESSOR, SIM_NEXT, MAAT_COLLATERAL_FROM_MEMORY, true, &l);
    maat_collateral_lookup_release(c, &l);
    /* expired and unrefreshable: an error naming both */
    struct maat_error err = {0};
    assert_int_equal(
        maat_collateral_cache_get(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, SIM_NEXT + 1, &l, &err), -1);
    assert_non_null(strstr(err.msg, "expired"));
    assert_non_null(strstr(err.msg, "00906ED50000"));
    assert_non_null(strstr(err.msg, f->base));
    assert_null(l.vc);
    struct maat_collateral_cache_stats st;
    maat_collateral_cache_stats(c, &st);
    assert_int_equal(st.stale_served, 3);
    assert_int_equal(st.fetch_failures, 2);
    maat_collateral_cache_free(c);

    /* a new cache on the same store (a restart) serves the persisted collateral while
     * the server is still down: verified once on load, no HTTP */
    c = new_cache(f, true, db);
    maat_collateral_pccs_stats(f->src, &ps);
    reqs = ps.requests;
    get_ok(c, MAAT_PCK_CA_PROCESSOR, T1 + 10, MAAT_COLLATERAL_FROM_STORE, false, &l);
    assert_int_equal(l.fetched_at, T1);
    maat_collateral_lookup_release(c, &l);
    get_ok(c, MAAT_PCK_CA_PROCESSOR, T1 + 20, MAAT_COLLATERAL_FROM_MEMORY, false, &l);
    maat_collateral_lookup_release(c, &l);
    maat_collateral_pccs_stats(f->src, &ps);
    assert_int_equal(ps.requests, reqs);
    maat_collateral_cache_stats(c, &st);
    assert_int_equal(st.store_loads, 1);
    assert_int_equal(st.verifications, 1);
    /* nothing persisted for the platform CA and no server: a clear error */
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_cache_get(c, FMSPC_SIM, MAAT_PCK_CA_PLATFORM, T1, &l, &err), -1);
    assert_non_null(strstr(err.msg, "no collateral for FMSPC 00906ED50000 (PCK platform CA)"));
    maat_collateral_cache_free(c);
    stop(f);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
    free(tmp);
}

struct racer {
    struct maat_collateral_cache *c;
    int ok;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    if (maat_collateral_cache_get(r->c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &l, &err) == 0) {
        r->ok = l.vc != NULL && !l.stale;
        maat_collateral_lookup_release(r->c, &l);
    }
    return NULL;
}

static void test_concurrent_misses_fetch_once(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_OK, 0);
    struct maat_collateral_cache *c = new_cache(f, false, NULL);
    pthread_t th[8];
    struct racer r[8];
    for (int i = 0; i < 8; i++) {
        r[i].c = c;
        r[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].ok, 1);
    }
    assert_int_equal(maat_sim_pccs_requests(f->srv), 4);
    struct maat_collateral_cache_stats st;
    maat_collateral_cache_stats(c, &st);
    assert_int_equal(st.fetches, 1);
    assert_int_equal(st.hits, 7); /* the others were answered from memory */
    maat_collateral_cache_free(c);
    stop(f);
}

static void test_garbage_body(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_GARBAGE, 0);
    struct maat_collateral_raw raw;
    struct maat_error err = {0};
    assert_int_equal(
        maat_collateral_source_fetch(f->src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    char want[200];
    snprintf(want, sizeof want, "GET %s/sgx/certification/v4/tcb?fmspc=00906ED50000: not JSON",
             f->base);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(maat_sim_pccs_requests(f->srv), 1); /* garbage is not retried */
    /* the cache with nothing held reports the same reason */
    struct maat_collateral_cache *c = new_cache(f, false, NULL);
    struct maat_collateral_lookup l;
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_cache_get(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &l, &err),
                     -1);
    assert_non_null(strstr(err.msg, want));
    maat_collateral_cache_free(c);
    stop(f);
}

static void test_http_500_retries(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_HTTP_500, 0);
    struct maat_collateral_raw raw;
    struct maat_error err = {0};
    assert_int_equal(
        maat_collateral_source_fetch(f->src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "3 attempts"));
    assert_non_null(strstr(err.msg, "HTTP status 500 (expected 200)"));
    assert_non_null(strstr(err.msg, f->base));
    assert_int_equal(maat_sim_pccs_requests(f->srv), 3);
    struct maat_pccs_stats st;
    maat_collateral_pccs_stats(f->src, &st);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.failures, 1);
    /* the server recovers: the same source works */
    maat_sim_pccs_set_fault(f->srv, MAAT_SIM_PCCS_OK);
    fetch_and_verify(f->src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, f->trust, T1, SIM_NEXT);
    stop(f);
}

static void test_stalled_server_times_out(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_STALL, 8000);
    struct maat_pccs_opts po;
    opts_fast(&po, f->base);
    po.timeout_ms = 300;
    po.max_attempts = 2;
    po.backoff_ms = 50;
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_pccs_source_new(&po, &src, &err), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct maat_collateral_raw raw;
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &raw, &err), -1);
    double took = seconds_since(&t0);
    /* bound: 2 attempts x 300 ms + 50 ms backoff, plus slack */
    assert_true(took >= 0.6);
    assert_true(took < 3.0); /* far below the 8 s stall */
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "Timeout"));
    assert_non_null(strstr(err.msg, "2 attempts"));
    assert_non_null(strstr(err.msg, "/tcb?fmspc=00906ED50000"));
    maat_collateral_source_free(src);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    stop(f); /* interrupts the stalled handlers */
    assert_true(seconds_since(&t0) < 2.0);
}

static void test_oversized_response(void **state)
{
    (void)state;
    struct fixture *f = start(simdir, MAAT_SIM_PCCS_OK, 0);
    struct maat_pccs_opts po;
    opts_fast(&po, f->base);
    po.max_response = 512;
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_pccs_source_new(&po, &src, &err), 0);
    struct maat_collateral_raw raw;
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, T1, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "exceeds 512 bytes"));
    assert_int_equal(maat_sim_pccs_requests(f->srv), 1);
    maat_collateral_source_free(src);
    /* bad options are refused up front */
    po.base_url = "ftp://example";
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_pccs_source_new(&po, &src, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_v4_v3),
        cmocka_unit_test(test_intel_sample_layout),
        cmocka_unit_test(test_cache_hit_and_refresh),
        cmocka_unit_test(test_server_down_serves_last_good),
        cmocka_unit_test(test_concurrent_misses_fetch_once),
        cmocka_unit_test(test_garbage_body),
        cmocka_unit_test(test_http_500_retries),
        cmocka_unit_test(test_stalled_server_times_out),
        cmocka_unit_test(test_oversized_response),
    };
    return cmocka_run_group_tests(tests, sim_dir_setup, sim_dir_teardown);
}
