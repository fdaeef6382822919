/*
 * collateral_wait.c - requests waiting for a collateral fetch without holding a worker
 * thread (issue 12 item 9).
 *
 * An attestation whose collateral is being fetched (single flight, src/collateral/cache.c)
 * would wait up to --collateral-wait-ms. Under libmicrohttpd the request is suspended
 * instead (MHD_suspend_connection, from its access handler in server.c) and listed here
 * with its deadline; one thread of this module resumes it (MHD_resume_connection) when
 * the cache reports that an entry stopped being busy (its idle callback) or when the
 * deadline is reached. libmicrohttpd then calls the access handler again, which routes
 * the request again from the start: the lookup continues with the same wait state and
 * answers as a waiting lookup would (the collateral, last-good, or MAA's 503 past the
 * deadline). Requests outside libmicrohttpd (maatd_handle, the fuzz harness) wait in
 * the cache as before.
 *
 * The thread follows both caches (issue 15 item I.2): the SGX one (d->cache, SgxEnclave
 * and OpenEnclave) and the TDX one (d->cache_tdx, TdxVm). Their idle generations are
 * independent counters, so waiters are keyed to this module's own generation, which grows
 * whenever either cache reports a newer idle generation of its own; a waiter is resumed
 * when it grew past the value it was listed with (a wake-up from the other cache only
 * re-runs a lookup that then suspends again).
 *
 * Lost wake-ups are excluded: maatd_collateral_get translates the cache's generation g
 * seen by the lookup. If that cache already reported a newer one, the waiter gets a
 * generation that is due at once; otherwise the current combined one, which any later
 * report (of either cache) passes.
 */
#include <stdlib.h>
#include <string.h>

#include "collateral_source.h"
#include "maatd.h"

struct waiter {
    struct MHD_Connection *conn;
    struct timespec deadline;
    uint64_t gen;
};

struct maatd_waits;
struct followed { /* one cache the thread follows, and the latest generation it reported */
    struct maatd_waits *ws;
    struct maat_collateral_cache *cache;
    uint64_t gen;
    bool reported;
};

struct maatd_waits {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    struct waiter *w;
    size_t n, cap;
    uint64_t gen; /* own generation (>= 1): grows with each report of a cache */
    bool stop;
    pthread_t th;
    struct followed src[2]; /* SGX, TDX (NULL cache: not followed) */
};

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void on_idle(void *arg, uint64_t gen) /* the cache's lock is held: only note it */
{
    struct followed *f = arg;
    struct maatd_waits *ws = f->ws;
    pthread_mutex_lock(&ws->mu);
    if (!f->reported || gen > f->gen) {
        f->gen = gen;
        f->reported = true;
        ws->gen++;
        pthread_cond_signal(&ws->cv);
    }
    pthread_mutex_unlock(&ws->mu);
}

static void *waits_main(void *arg)
{
    struct maatd_waits *ws = arg;
    pthread_mutex_lock(&ws->mu);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        /* due: the entry it waits for stopped being busy, its deadline, or shutdown */
        struct MHD_Connection *due[64];
        size_t nd = 0, keep = 0;
        bool more = false;
        for (size_t i = 0; i < ws->n; i++) {
            struct waiter *x = &ws->w[i];
            if (ws->stop || x->gen < ws->gen || !ts_before(&now, &x->deadline)) {
                if (nd < sizeof due / sizeof due[0]) {
                    due[nd++] = x->conn;
                    continue;
                }
                more = true;
            }
            ws->w[keep++] = *x;
        }
        ws->n = keep;
        if (nd > 0 || more) {
            pthread_mutex_unlock(&ws->mu);
            for (size_t i = 0; i < nd; i++) MHD_resume_connection(due[i]);
            pthread_mutex_lock(&ws->mu);
            continue;
        }
        if (ws->stop) break;
        if (ws->n == 0) {
            pthread_cond_wait(&ws->cv, &ws->mu);
            continue;
        }
        struct timespec next = ws->w[0].deadline;
        for (size_t i = 1; i < ws->n; i++)
            if (ts_before(&ws->w[i].deadline, &next)) next = ws->w[i].deadline;
        (void)pthread_cond_timedwait(&ws->cv, &ws->mu, &next);
    }
    pthread_mutex_unlock(&ws->mu);
    return NULL;
}

struct maatd_waits *maatd_waits_start(struct maat_collateral_cache *cache,
                                      struct maat_collateral_cache *cache_tdx)
{
    struct maatd_waits *ws = calloc(1, sizeof *ws);
    if (ws == NULL) return NULL;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(ws);
        return NULL;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int crc = pthread_cond_init(&ws->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (crc != 0) {
        free(ws);
        return NULL;
    }
    pthread_mutex_init(&ws->mu, NULL);
    if (pthread_create(&ws->th, NULL, waits_main, ws) != 0) {
        pthread_cond_destroy(&ws->cv);
        pthread_mutex_destroy(&ws->mu);
        free(ws);
        return NULL;
    }
    ws->gen = 1;
    ws->src[0] = (struct followed){ws, cache, 0, false};
    ws->src[1] = (struct followed){ws, cache_tdx, 0, false};
    for (size_t i = 0; i < 2; i++)
        if (ws->src[i].cache != NULL)
            maat_collateral_cache_set_on_idle(ws->src[i].cache, on_idle, &ws->src[i]);
    return ws;
}

void maatd_waits_stop(struct maatd_waits *ws)
{
    if (ws == NULL) return;
    for (size_t i = 0; i < 2; i++)
        if (ws->src[i].cache != NULL)
            maat_collateral_cache_set_on_idle(ws->src[i].cache, NULL, NULL);
    pthread_mutex_lock(&ws->mu);
    ws->stop = true; /* every waiting request is resumed (and answered 503: stopping) */
    pthread_cond_signal(&ws->cv);
    pthread_mutex_unlock(&ws->mu);
    pthread_join(ws->th, NULL);
}

void maatd_waits_free(struct maatd_waits *ws)
{
    if (ws == NULL) return;
    pthread_cond_destroy(&ws->cv);
    pthread_mutex_destroy(&ws->mu);
    free(ws->w);
    free(ws);
}

bool maatd_waits_add(struct maatd_waits *ws, struct MHD_Connection *conn,
                     const struct timespec *deadline, uint64_t gen)
{
    pthread_mutex_lock(&ws->mu);
    if (ws->stop) {
        pthread_mutex_unlock(&ws->mu);
        return false;
    }
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? ws->cap * 2 : 16;
        struct waiter *w = realloc(ws->w, cap * sizeof *w);
        if (w == NULL) {
            pthread_mutex_unlock(&ws->mu);
            return false;
        }
        ws->w = w;
        ws->cap = cap;
    }
    ws->w[ws->n++] = (struct waiter){conn, *deadline, gen};
    pthread_cond_signal(&ws->cv); /* a newer generation or an earlier deadline: look again */
    pthread_mutex_unlock(&ws->mu);
    return true;
}

/* second: the request's second lookup (its own started / saw_fetch, kept in rq->cwait). */
static int collateral_get(struct maatd *d, struct maatd_request *rq,
                          struct maat_collateral_cache *cache, const uint8_t fmspc[6],
                          enum maat_pck_ca ca, uint32_t eval_num, time_t now, bool second,
                          struct maat_collateral_lookup *out, struct maat_error *err)
{
    struct maatd_waits *ws = d->waits;
    struct followed *f = NULL;
    if (ws != NULL && cache != NULL)
        for (size_t i = 0; i < 2; i++)
            if (ws->src[i].cache == cache) f = &ws->src[i];
    if (rq->cwait == NULL || f == NULL) /* no suspension here: the cache waits */
        return maat_collateral_cache_get_num(cache, fmspc, ca, eval_num, now, NULL, out, err);
    struct maat_collateral_wait w2 = *rq->cwait, *w = rq->cwait;
    if (second) {
        w2.started = rq->cwait->second_started;
        w2.saw_fetch = rq->cwait->second_saw_fetch;
        w = &w2;
    }
    int rc = maat_collateral_cache_get_num(cache, fmspc, ca, eval_num, now, w, out, err);
    if (second) {
        rq->cwait->second_started = w2.started;
        rq->cwait->second_saw_fetch = w2.saw_fetch;
        rq->cwait->gen = w2.gen;
        rq->cwait->deadline = w2.deadline;
    }
    if (rc > 0) {
        /* the cache's generation -> this module's (see the top of the file) */
        pthread_mutex_lock(&ws->mu);
        bool idle_since = f->reported && f->gen > rq->cwait->gen;
        rq->cwait->gen = idle_since ? ws->gen - 1 : ws->gen;
        pthread_mutex_unlock(&ws->mu);
        rq->suspend = true;
    }
    return rc;
}

int maatd_collateral_get(struct maatd *d, struct maatd_request *rq,
                         struct maat_collateral_cache *cache, const uint8_t fmspc[6],
                         enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                         struct maat_collateral_lookup *out, struct maat_error *err)
{
    return collateral_get(d, rq, cache, fmspc, ca, eval_num, now, false, out, err);
}

int maatd_collateral_get_second(struct maatd *d, struct maatd_request *rq,
                                struct maat_collateral_cache *cache, const uint8_t fmspc[6],
                                enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                                struct maat_collateral_lookup *out, struct maat_error *err)
{
    return collateral_get(d, rq, cache, fmspc, ca, eval_num, now, true, out, err);
}

void maatd_collateral_newest(struct maat_collateral_cache *cache, time_t now, uint32_t *num,
                             time_t *recovery)
{
    (void)maat_collateral_cache_newest(cache, now, num, recovery, NULL); /* sets 0 and 0 */
}
