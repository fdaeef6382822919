/*
 * metrics.c - Prometheus text exposition for GET /metrics: requests by route and status,
 * a latency histogram per route, verdict statuses, tokens issued, collateral cache
 * counters, the PCK chain cache and the age / remaining validity of the collateral last
 * served per (FMSPC, PCK CA). Counters are lock-free atomics on the hot path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_source.h"
#include "maat/collateral.h"
#include "maatd.h"
#include "proc_metrics.h"

/* Status codes with a slot of their own; the last slot is "other". */
static const unsigned status_codes[MAATD_STATUS_SLOTS - 1] = {200, 400, 401, 404, 405, 408,
                                                              413, 415, 431, 500, 501, 503};
static const double lat_bounds[MAATD_LAT_BUCKETS - 1] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1,    2.5};

void maatd_metrics_init(struct maatd_metrics *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->coll_mu, NULL);
    m->started = time(NULL);
}

void maatd_metrics_cleanup(struct maatd_metrics *m)
{
    pthread_mutex_destroy(&m->coll_mu);
}

void maatd_metrics_request(struct maatd_metrics *m, enum maatd_route_id r, unsigned status,
                           uint64_t latency_us)
{
    if ((unsigned)r >= MAATD_R__COUNT) r = MAATD_R_UNKNOWN;
    size_t s = MAATD_STATUS_SLOTS - 1;
    for (size_t i = 0; i < MAATD_STATUS_SLOTS - 1; i++)
        if (status_codes[i] == status) s = i;
    atomic_fetch_add_explicit(&m->requests[r][s], 1, memory_order_relaxed);
    double secs = (double)latency_us / 1e6;
    size_t b = MAATD_LAT_BUCKETS - 1;
    for (size_t i = 0; i < MAATD_LAT_BUCKETS - 1; i++)
        if (secs <= lat_bounds[i]) {
            b = i;
            break;
        }
    atomic_fetch_add_explicit(&m->lat_bucket[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->lat_count[r], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->lat_sum_us[r], latency_us, memory_order_relaxed);
}

void maatd_metrics_verdict(struct maatd_metrics *m, int status)
{
    size_t slot = status < 0 || status >= MAATD_VERDICT_SLOTS - 1 ? MAATD_VERDICT_SLOTS - 1
                                                                  : (size_t)status;
    atomic_fetch_add_explicit(&m->verdicts[slot], 1, memory_order_relaxed);
}

void maatd_metrics_collateral(struct maatd_metrics *m, const uint8_t fmspc[6], int ca,
                              time_t fetched_at, time_t not_after, bool stale)
{
    pthread_mutex_lock(&m->coll_mu);
    size_t i = 0;
    while (i < m->n_coll && !(m->coll[i].ca == ca && !memcmp(m->coll[i].fmspc, fmspc, 6))) i++;
    if (i == m->n_coll) {
        if (m->n_coll == MAATD_COLL_SLOTS)
            i = MAATD_COLL_SLOTS - 1; /* reuse the last slot */
        else
            m->n_coll++;
    }
    memcpy(m->coll[i].fmspc, fmspc, 6);
    m->coll[i].ca = ca;
    m->coll[i].fetched_at = fetched_at;
    m->coll[i].not_after = not_after;
    m->coll[i].stale = stale;
    pthread_mutex_unlock(&m->coll_mu);
}

/* A growable text buffer for the exposition. */
struct out {
    struct maat_buf b;
    bool failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line || maat_buf_put(&o->b, line, (size_t)n) != 0)
        o->failed = true;
}

static uint64_t ld(atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

char *maatd_metrics_render(struct maatd *d, size_t *len)
{
    struct maatd_metrics *m = &d->metrics;
    struct out o = {0};
    maat_buf_init(&o.b);
    time_t now = time(NULL);

    put(&o, "# HELP maatd_build_info maatd version.\n# TYPE maatd_build_info gauge\n");
    put(&o, "maatd_build_info{version=\"%s\"} 1\n", MAATD_VERSION);
    put(&o,
        "# HELP maatd_start_time_seconds Unix time maatd started.\n"
        "# TYPE maatd_start_time_seconds gauge\nmaatd_start_time_seconds %lld\n",
        (long long)m->started);

    put(&o, "# HELP maatd_requests_total HTTP requests by route and status code.\n"
            "# TYPE maatd_requests_total counter\n");
    for (size_t r = 0; r < MAATD_R__COUNT; r++)
        for (size_t s = 0; s < MAATD_STATUS_SLOTS; s++) {
            uint64_t v = ld(&m->requests[r][s]);
            if (v == 0) continue;
            if (s < MAATD_STATUS_SLOTS - 1)
                put(&o, "maatd_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
                    maatd_route_name((enum maatd_route_id)r), status_codes[s], (unsigned long long)v);
            else
                put(&o, "maatd_requests_total{route=\"%s\",code=\"other\"} %llu\n",
                    maatd_route_name((enum maatd_route_id)r), (unsigned long long)v);
        }

    put(&o, "# HELP maatd_request_duration_seconds Request latency by route.\n"
            "# TYPE maatd_request_duration_seconds histogram\n");
    for (size_t r = 0; r < MAATD_R__COUNT; r++) {
        uint64_t count = ld(&m->lat_count[r]);
        if (count == 0) continue;
        uint64_t cum = 0;
        for (size_t b = 0; b < MAATD_LAT_BUCKETS - 1; b++) {
            cum += ld(&m->lat_bucket[r][b]);
            put(&o, "maatd_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                maatd_route_name((enum maatd_route_id)r), lat_bounds[b], (unsigned long long)cum);
        }
        cum += ld(&m->lat_bucket[r][MAATD_LAT_BUCKETS - 1]);
        put(&o, "maatd_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            maatd_route_name((enum maatd_route_id)r), (unsigned long long)cum);
        put(&o, "maatd_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
            maatd_route_name((enum maatd_route_id)r), (double)ld(&m->lat_sum_us[r]) / 1e6);
        put(&o, "maatd_request_duration_seconds_count{route=\"%s\"} %llu\n",
            maatd_route_name((enum maatd_route_id)r), (unsigned long long)count);
    }

    put(&o, "# HELP maatd_verdicts_total Quote verification outcomes: the TCB status of verified "
            "quotes, or failed when verification failed.\n# TYPE maatd_verdicts_total counter\n");
    for (size_t s = 0; s < MAATD_VERDICT_SLOTS; s++) {
        uint64_t v = ld(&m->verdicts[s]);
        if (v == 0) continue;
        const char *name = s == MAATD_VERDICT_SLOTS - 1
                               ? "failed"
                               : maat_tcb_status_name((enum maat_tcb_status)s);
        put(&o, "maatd_verdicts_total{status=\"%s\"} %llu\n", name, (unsigned long long)v);
    }
    put(&o,
        "# HELP maatd_tokens_issued_total Attestation tokens signed.\n"
        "# TYPE maatd_tokens_issued_total counter\nmaatd_tokens_issued_total %llu\n",
        (unsigned long long)ld(&m->tokens_issued));

    if (d->cache != NULL) {
        struct maat_collateral_cache_stats cs;
        maat_collateral_cache_stats(d->cache, &cs);
        put(&o,
            "# HELP maatd_collateral_cache_hits_total Collateral lookups answered from memory.\n"
            "# TYPE maatd_collateral_cache_hits_total counter\nmaatd_collateral_cache_hits_total "
            "%lu\n",
            cs.hits);
        put(&o,
            "# HELP maatd_collateral_cache_misses_total Collateral lookups that had to load from "
            "the store or fetch from the source.\n"
            "# TYPE maatd_collateral_cache_misses_total "
            "counter\nmaatd_collateral_cache_misses_total %lu\n",
            cs.store_loads + cs.fetches);
        put(&o,
            "# HELP maatd_collateral_store_loads_total Collateral entries loaded from the store.\n"
            "# TYPE maatd_collateral_store_loads_total counter\nmaatd_collateral_store_loads_total "
            "%lu\n",
            cs.store_loads);
        put(&o,
            "# HELP maatd_collateral_fetches_total Collateral fetches from the source attempted.\n"
            "# TYPE maatd_collateral_fetches_total counter\nmaatd_collateral_fetches_total %lu\n",
            cs.fetches);
        put(&o,
            "# HELP maatd_collateral_fetch_failures_total Collateral fetches that failed.\n"
            "# TYPE maatd_collateral_fetch_failures_total counter\n"
            "maatd_collateral_fetch_failures_total %lu\n",
            cs.fetch_failures);
        put(&o,
            "# HELP maatd_collateral_stale_served_total Lookups answered with stale collateral "
            "(the source could not be reached).\n"
            "# TYPE maatd_collateral_stale_served_total counter\n"
            "maatd_collateral_stale_served_total %lu\n",
            cs.stale_served);
        put(&o,
            "# HELP maatd_collateral_verifications_total Collateral signature and chain "
            "verifications.\n"
            "# TYPE maatd_collateral_verifications_total counter\n"
            "maatd_collateral_verifications_total %lu\n",
            cs.verifications);
    }
    if (d->pck_cache != NULL) {
        uint64_t h = 0, mi = 0;
        maat_pck_cache_stats(d->pck_cache, &h, &mi);
        put(&o,
            "# HELP maatd_pck_cache_hits_total Quotes whose PCK chain was already verified.\n"
            "# TYPE maatd_pck_cache_hits_total counter\nmaatd_pck_cache_hits_total %llu\n",
            (unsigned long long)h);
        put(&o,
            "# HELP maatd_pck_cache_misses_total Quotes whose PCK chain had to be verified.\n"
            "# TYPE maatd_pck_cache_misses_total counter\nmaatd_pck_cache_misses_total %llu\n",
            (unsigned long long)mi);
        put(&o,
            "# HELP maatd_pck_cache_capacity Verified PCK chains the cache keeps at most "
            "(--pck-cache-size, rounded up to whole 16-way sets).\n"
            "# TYPE maatd_pck_cache_capacity gauge\nmaatd_pck_cache_capacity %zu\n",
            maat_pck_cache_capacity(d->pck_cache));
    }

    put(&o, "# HELP maatd_collateral_age_seconds Age of the collateral last served (since it was "
            "fetched from the source), per FMSPC and PCK CA.\n# TYPE maatd_collateral_age_seconds "
            "gauge\n");
    pthread_mutex_lock(&m->coll_mu);
    struct maatd_collateral_seen seen[MAATD_COLL_SLOTS];
    size_t n = m->n_coll;
    memcpy(seen, m->coll, n * sizeof seen[0]);
    pthread_mutex_unlock(&m->coll_mu);
    for (size_t i = 0; i < n; i++) {
        char fm[13];
        maat_hex_encode(seen[i].fmspc, 6, fm);
        put(&o, "maatd_collateral_age_seconds{fmspc=\"%s\",ca=\"%s\"} %lld\n", fm,
            maat_pck_ca_name((enum maat_pck_ca)seen[i].ca), (long long)(now - seen[i].fetched_at));
    }
    put(&o,
        "# HELP maatd_collateral_expiry_seconds Seconds until the collateral last served expires "
        "(earliest nextUpdate).\n# TYPE maatd_collateral_expiry_seconds gauge\n");
    for (size_t i = 0; i < n; i++) {
        char fm[13];
        maat_hex_encode(seen[i].fmspc, 6, fm);
        put(&o, "maatd_collateral_expiry_seconds{fmspc=\"%s\",ca=\"%s\"} %lld\n", fm,
            maat_pck_ca_name((enum maat_pck_ca)seen[i].ca), (long long)(seen[i].not_after - now));
    }
    put(&o, "# HELP maatd_collateral_stale 1 when the collateral last served was stale.\n"
            "# TYPE maatd_collateral_stale gauge\n");
    for (size_t i = 0; i < n; i++) {
        char fm[13];
        maat_hex_encode(seen[i].fmspc, 6, fm);
        put(&o, "maatd_collateral_stale{fmspc=\"%s\",ca=\"%s\"} %d\n", fm,
            maat_pck_ca_name((enum maat_pck_ca)seen[i].ca), seen[i].stale ? 1 : 0);
    }
    put(&o,
        "# HELP maatd_inflight_requests Requests being handled.\n"
        "# TYPE maatd_inflight_requests gauge\nmaatd_inflight_requests %d\n",
        atomic_load(&d->inflight));
    put(&o,
        "# HELP maatd_body_bytes Request body memory held (all connections; --max-body-total).\n"
        "# TYPE maatd_body_bytes gauge\nmaatd_body_bytes %zu\n",
        atomic_load(&d->body_bytes));
    put(&o,
        "# HELP maatd_response_bytes Response bytes queued and not yet sent "
        "(--max-response-total).\n# TYPE maatd_response_bytes gauge\nmaatd_response_bytes %zu\n",
        atomic_load(&d->resp_bytes));
    put(&o,
        "# HELP maatd_refused_total Requests refused with 503 by a memory cap.\n"
        "# TYPE maatd_refused_total counter\n"
        "maatd_refused_total{cap=\"max-body-total\"} %llu\n"
        "maatd_refused_total{cap=\"max-response-total\"} %llu\n",
        (unsigned long long)atomic_load(&d->refused_body_cap),
        (unsigned long long)atomic_load(&d->refused_resp_cap));
    put(&o,
        "# HELP maatd_header_timeouts_total Connections closed by --header-timeout.\n"
        "# TYPE maatd_header_timeouts_total counter\nmaatd_header_timeouts_total %llu\n",
        (unsigned long long)maatd_guard_closed_total(d->guard));
    /* d->keys is set by main after the server started; d->ready (atomic, stored after it)
     * orders the read (a data race ThreadSanitizer found on /metrics during start-up) */
    if (atomic_load(&d->ready) && d->keys != NULL)
        put(&o,
            "# HELP maatd_signing_keys Signing keys in the published key set.\n"
            "# TYPE maatd_signing_keys gauge\nmaatd_signing_keys %zu\n",
            maatd_keys_count(d));

    /* the standard process metrics (what cannot be read is left out, never 0) */
    struct maatd_proc_metrics pm;
    maatd_proc_metrics_read(&pm);
    if (pm.has_cpu)
        put(&o,
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
            "seconds.\n# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total %.6f\n",
            pm.cpu_seconds);
    if (pm.has_rss)
        put(&o,
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n",
            (unsigned long long)pm.resident_bytes);
    if (pm.has_fds)
        put(&o,
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\nprocess_open_fds %llu\n",
            (unsigned long long)pm.open_fds);
    if (pm.has_max_fds)
        put(&o,
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
            (unsigned long long)pm.max_fds);
    if (pm.has_start)
        put(&o,
            "# HELP process_start_time_seconds Start time of the process since unix epoch "
            "in seconds.\n# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds %.2f\n",
            pm.start_time_seconds);

    if (o.failed) {
        maat_buf_cleanup(&o.b);
        *len = 0;
        return NULL;
    }
    *len = o.b.len;
    return maat_buf_take_str(&o.b);
}

void maatd_metrics_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    size_t len;
    char *text = maatd_metrics_render(d, &len);
    if (text == NULL) {
        maatd_error(rq, rs, 500, "InternalError", "metrics: out of memory");
        return;
    }
    rs->status = 200;
    rs->body = text;
    rs->len = len;
    rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
