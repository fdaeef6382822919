/*
 * cache.c - verified collateral per (FMSPC, PCK CA, evaluation number; 0 = the source's
 * default set, N = pinned to number N, bounded by max_pinned with LRU eviction of idle
 * pinned entries) and the source's /tcbevaluationdatanumbers list: memory in front, the
 * store behind, a source to refresh from (collateral_source.h describes the contract).
 *
 * Locking: `mu` guards the entry table, reference counts and counters and is never held
 * across I/O or verification. Each entry is single flight: while its store load or its
 * source fetch is in flight (`busy`), other lookups for it wait on `cv` - at most
 * wait_ms after the work started (CLOCK_MONOTONIC) - or take the held last-good set at
 * once; lookups for other entries are not affected at all. A source fetch runs on a
 * thread of its own, so it outlives a lookup that gave up waiting and a stalled source
 * holds no caller longer than wait_ms; the thread is joined by the next fetch of the
 * same entry or by cache_free. A held set of verified collateral is reference counted,
 * so a refresh can replace it while requests still use the old one.
 *
 * A lookup that must not block (maat_collateral_cache_get_nowait: maatd suspends the
 * request instead of holding a worker thread) returns where the blocking one would wait
 * on `cv`; the idle callback (on_idle, called under mu with a generation that grows each
 * time an entry stops being busy) tells its owner when to call again.
 *
 * Time for validity, refresh and retry decisions is always the caller's (`now`), so
 * behaviour is testable and reproducible; only the wait deadline is the monotonic clock.
 *
 * Shared by replicas (one store, several caches): a fetch thread first looks for a
 * fresher record in the store (another replica refreshed it), then claims the refresh
 * with a lease record `collateral-fetch/<FMSPC>/<CA>` in the same namespace, written by
 * compare-and-swap (put_if) - so one fetch per item per refresh across replicas, on
 * SQLite and PostgreSQL alike. A cache that finds a live lease of another holder polls
 * the collateral record for at most wait_ms (its lookups serve last-good meanwhile) and
 * does not fetch; an expired lease (holder died or hung) is taken over by CAS. When the
 * claim cannot run (store down) the cache fetches on its own: the collateral is verified
 * either way, only the PCCS load grows. Fresh lookups never touch the store.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source_internal.h"

#define STORE_NS "collateral"
#define RECORD_MAGIC "MAATCC01"
#define MAX_INFLIGHT 16 /* source fetches running at once (each on its own thread) */
#define LEASE_MAGIC "MAATLS01"
#define LEASE_PREFIX "collateral-fetch/"
#define POLL_MS 25 /* how often a cache waiting on another's lease reads the store */

struct held {
    unsigned refs; /* the entry's own reference + one per outstanding lookup */
    struct maat_verified_collateral *vc;
    struct maat_collateral_window w;
    time_t fetched_at;
    time_t issue_date; /* TCB info issueDate, to refuse rollbacks */
};

struct entry {
    uint8_t fmspc[6];
    enum maat_pck_ca ca;
    uint32_t eval_num; /* 0 = what the source serves by default; N = pinned to number N */
    uint64_t used;     /* the cache's lookup tick when last looked up (pinned eviction) */
    struct held *cur;
    bool store_tried;
    enum { IDLE, LOADING, FETCHING } busy; /* store load / source fetch in flight ... */
    struct timespec busy_since;            /* ... since (CLOCK_MONOTONIC) */
    bool has_thread;                       /* th: the last fetch thread, not yet joined */
    pthread_t th;
    bool attempted;      /* a source fetch was attempted ... */
    time_t last_attempt; /* ... at this caller time ... */
    bool last_failed;    /* ... and failed with: */
    struct maat_error last_err;
};

struct maat_collateral_cache {
    struct maat_collateral_cache_opts o;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* an entry stopped being busy (CLOCK_MONOTONIC) */
    struct entry *e;
    size_t n, cap;
    unsigned inflight; /* fetch threads running */
    struct maat_collateral_cache_stats stats;
    char holder[96]; /* who this cache is, in its lease records (diagnostics only) */
    uint64_t gen;    /* idle generation: +1 each time an entry stops being busy */
    void (*on_idle)(void *arg, uint64_t gen);
    void *on_idle_arg;
    size_t npinned; /* entries with eval_num != 0 (at most o.max_pinned) */
    uint64_t tick;  /* lookups so far (entry.used) */
    /* the source's /tcbevaluationdatanumbers list (o.eval_nums): last verified one */
    bool list_have;
    struct maat_tcb_eval_nums list;
    bool list_attempted;        /* a list fetch was attempted ... */
    time_t list_attempt;        /* ... at this caller time ... */
    struct maat_error list_err; /* ... and failed with this (code MAAT_OK: it did not) */
    bool list_busy;             /* a fetch thread is getting the list */
};

/* An entry stopped being busy: wake blocking lookups, tell the non-blocking ones' owner.
 * mu held. */
static void idle_broadcast(struct maat_collateral_cache *c)
{
    c->gen++;
    pthread_cond_broadcast(&c->cv);
    if (c->on_idle != NULL) c->on_idle(c->on_idle_arg, c->gen);
}

void maat_collateral_cache_set_on_idle(struct maat_collateral_cache *c,
                                       void (*on_idle)(void *arg, uint64_t gen), void *arg)
{
    if (c == NULL) return;
    pthread_mutex_lock(&c->mu);
    c->on_idle = on_idle;
    c->on_idle_arg = arg;
    if (on_idle != NULL) on_idle(arg, c->gen); /* where the generation stands now */
    pthread_mutex_unlock(&c->mu);
}

void maat_collateral_cache_opts_defaults(struct maat_collateral_cache_opts *o)
{
    memset(o, 0, sizeof *o);
    o->refresh_margin = 3600;
    o->retry_interval = 60;
    o->wait_ms = 2000;
    o->lease_secs = 120;
    o->max_pinned = 32;
}

int maat_collateral_cache_new(const struct maat_collateral_cache_opts *o,
                              struct maat_collateral_cache **out, struct maat_error *err)
{
    MAAT_ENSURE(o != NULL && out != NULL && o->source != NULL && o->trust != NULL, err,
                MAAT_ERR_USAGE, "collateral cache: needs a source and a trust set");
    MAAT_ENSURE(o->refresh_margin >= 0 && o->retry_interval >= 0 && o->wait_ms >= 0 &&
                    o->lease_secs >= 0,
                err, MAAT_ERR_USAGE,
                "collateral cache: margin, retry interval, wait and lease must not be negative");
    *out = NULL;
    struct maat_collateral_cache *c = calloc(1, sizeof *c);
    MAAT_ENSURE(c != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    c->o = *o;
    char host[64] = "?";
    (void)gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(c->holder, sizeof c->holder, "%s pid %ld cache %p", host, (long)getpid(), (void *)c);
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(c);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int crc = pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (crc != 0) {
        free(c);
        return maat_error_set(err, MAAT_ERR_NOMEM, "collateral cache: cannot create a condition");
    }
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}

static void held_unref(struct held *h) /* with mu held */
{
    if (h == NULL || --h->refs > 0) return;
    maat_verified_collateral_free(h->vc);
    free(h);
}

void maat_collateral_cache_free(struct maat_collateral_cache *c)
{
    if (c == NULL) return;
    /* Fetches still running finish first (bounded by the source's own timeouts); they
     * need mu, so join without holding it. No lookup may run any more. */
    for (size_t i = 0; i < c->n; i++) {
        pthread_mutex_lock(&c->mu);
        bool join = c->e[i].has_thread;
        pthread_t th = c->e[i].th;
        c->e[i].has_thread = false;
        pthread_mutex_unlock(&c->mu);
        if (join) pthread_join(th, NULL);
    }
    for (size_t i = 0; i < c->n; i++) held_unref(c->e[i].cur);
    free(c->e);
    maat_tcb_eval_nums_cleanup(&c->list);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void maat_collateral_cache_stats(struct maat_collateral_cache *c,
                                 struct maat_collateral_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}

/* Makes room for one more pinned entry when max_pinned are held: drops the least recently
 * looked-up pinned entry that is idle (its held set lives on while lookups hold it; its
 * store record stays). False when every pinned entry is busy. mu held. */
static bool evict_pinned(struct maat_collateral_cache *c)
{
    size_t victim = c->n;
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].eval_num != 0 && c->e[i].busy == IDLE &&
            (victim == c->n || c->e[i].used < c->e[victim].used))
            victim = i;
    if (victim == c->n) return false;
    struct entry *e = &c->e[victim];
    if (e->has_thread) pthread_join(e->th, NULL); /* idle: its fetch has published, it is ending */
    held_unref(e->cur);
    memmove(e, e + 1, (c->n - victim - 1) * sizeof *e);
    c->n--;
    c->npinned--;
    return true;
}

/* The entry for (fmspc, ca, eval_num), added when absent. NULL with err on allocation
 * failure, or when max_pinned pinned entries are held and all are busy. mu held. */
static struct entry *entry_for(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                               enum maat_pck_ca ca, uint32_t eval_num, struct maat_error *err)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].ca == ca && c->e[i].eval_num == eval_num && !memcmp(c->e[i].fmspc, fmspc, 6))
            return &c->e[i];
    if (eval_num != 0 && c->npinned >= c->o.max_pinned && !evict_pinned(c)) {
        char hex[13];
        src_fmspc_hex(fmspc, hex);
        maat_error_set(err, MAAT_ERR_IO,
                       "collateral for FMSPC %s (PCK %s CA) at TCB evaluation data number %u: "
                       "the cache holds its bound of %zu pinned collateral sets and all are being "
                       "fetched; retry later",
                       hex, maat_pck_ca_name(ca), eval_num, c->o.max_pinned);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        struct entry *e = realloc(c->e, cap * sizeof *e);
        if (e == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            return NULL;
        }
        c->e = e;
        c->cap = cap;
    }
    struct entry *e = &c->e[c->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->fmspc, fmspc, 6);
    e->ca = ca;
    e->eval_num = eval_num;
    if (eval_num != 0) c->npinned++;
    return e;
}

static bool fresh(const struct maat_collateral_cache *c, const struct held *h, time_t now)
{
    return h != NULL && now <= h->w.not_after - c->o.refresh_margin;
}

/* Hands out a reference to e->cur. mu held. */
static void answer(struct maat_collateral_cache *c, struct entry *e,
                   enum maat_collateral_origin origin, struct maat_collateral_lookup *out)
{
    struct held *h = e->cur;
    h->refs++;
    memset(out, 0, sizeof *out);
    out->vc = h->vc;
    out->window = h->w;
    out->origin = origin;
    out->fetched_at = h->fetched_at;
    out->ref_ = h;
    if (e->last_failed) {
        out->stale = true;
        snprintf(out->stale_reason, sizeof out->stale_reason, "%s", e->last_err.msg);
        c->stats.stale_served++;
    }
    if (origin == MAAT_COLLATERAL_FROM_MEMORY) c->stats.hits++;
}

/* Verifies raw collateral at `now` and checks it is for (fmspc, ca). */
static int verify_raw(struct maat_collateral_cache *c, const struct maat_collateral_raw *raw,
                      const uint8_t fmspc[6], enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                      time_t fetched_at, struct held **out, struct maat_error *err)
{
    struct maat_collateral_input in;
    maat_collateral_raw_input(raw, &in);
    struct maat_verified_collateral *vc = NULL;
    pthread_mutex_lock(&c->mu);
    c->stats.verifications++;
    pthread_mutex_unlock(&c->mu);
    if (maat_collateral_verify(&in, c->o.trust, now, &vc, err) != 0) {
        maat_error_prefix(err, "collateral from %s failed verification", raw->origin);
        return -1;
    }
    const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(vc);
    char want[13], got[13];
    src_fmspc_hex(fmspc, want);
    int rc = -1;
    if (ti == NULL || memcmp(ti->fmspc, fmspc, 6) != 0) {
        if (ti != NULL) src_fmspc_hex(ti->fmspc, got);
        maat_error_set(err, MAAT_ERR_VALUE, "collateral from %s is for FMSPC %s, not %s",
                       raw->origin, ti != NULL ? got : "?", want);
        goto fail;
    }
    /* the TEE selector: TDX TCB info only in a TDX cache, SGX TCB info only in an SGX one */
    enum maat_tcb_id want_id = c->o.tee == MAAT_COLLATERAL_TDX ? MAAT_TCB_ID_TDX : MAAT_TCB_ID_SGX;
    if (ti->id != want_id) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "collateral from %s is %s TCB info; the %s cache needs %s", raw->origin,
                       maat_tcb_id_name(ti->id), maat_collateral_tee_name(c->o.tee),
                       maat_tcb_id_name(want_id));
        goto fail;
    }
    /* a pinned entry holds that number only, in both TCB info and QE identity */
    const struct maat_enclave_identity *qe = maat_verified_collateral_qe_identity(vc);
    uint32_t tn = ti->has_tcb_evaluation_data_number ? ti->tcb_evaluation_data_number : 0;
    uint32_t qn = qe != NULL && qe->has_tcb_evaluation_data_number ? qe->tcb_evaluation_data_number
                                                                   : 0;
    if (eval_num != 0 && (tn != eval_num || qn != eval_num)) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "collateral from %s has tcbEvaluationDataNumber %u (TCB info) and %u (QE "
                       "identity), not the %u asked for",
                       raw->origin, tn, qn, eval_num);
        goto fail;
    }
    if (maat_verified_collateral_pck_ca(vc) != ca) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "collateral from %s carries the PCK CRL of the %s CA, not the %s CA",
                       raw->origin, maat_pck_ca_name(maat_verified_collateral_pck_ca(vc)),
                       maat_pck_ca_name(ca));
        goto fail;
    }
    struct held *h = calloc(1, sizeof *h);
    if (h == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    h->refs = 1;
    h->vc = vc;
    maat_verified_collateral_window(vc, &h->w);
    h->fetched_at = fetched_at;
    h->issue_date = ti->issue_date;
    *out = h;
    return 0;
fail:
    maat_verified_collateral_free(vc);
    return rc;
}

/* "<FMSPC>/<CA>" (what the source serves by default, the key format before pinned
 * entries existed), "<FMSPC>/<CA>/eval-<N>" for a pinned number; a TDX cache's records
 * start with "tdx/". */
static void store_key(const struct maat_collateral_cache *c, const uint8_t fmspc[6],
                      enum maat_pck_ca ca, uint32_t eval_num, char key[48])
{
    char hex[13], ev[24] = "";
    src_fmspc_hex(fmspc, hex);
    if (eval_num != 0) snprintf(ev, sizeof ev, "/eval-%u", eval_num);
    snprintf(key, 48, "%s%s/%s%s", c->o.tee == MAAT_COLLATERAL_TDX ? "tdx/" : "", hex,
             maat_pck_ca_name(ca), ev);
}

/* Loads and verifies the persisted collateral; NULL (no error) when there is none or it
 * is unusable (a bad record is ignored: the source will replace it). With `seen` set,
 * a record whose version is *seen is skipped (not verified again) and *seen becomes the
 * version read. */
static struct held *load_from_store(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                                    enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                                    uint64_t *seen)
{
    if (c->o.store == NULL) return NULL;
    char key[48];
    store_key(c, fmspc, ca, eval_num, key);
    uint8_t *rec = NULL;
    size_t len = 0;
    struct maat_error e = {0};
    struct held *h = NULL;
    uint64_t ver = 0;
    if (maat_store_get(c->o.store, STORE_NS, key, &rec, &len, &ver, &e) != 0) return NULL;
    if (seen != NULL) {
        if (ver == *seen) {
            free(rec);
            return NULL;
        }
        *seen = ver;
    }
    struct maat_reader r;
    maat_reader_init(&r, rec, len, "collateral cache record", &e);
    const uint8_t *magic;
    uint64_t fetched_at;
    struct maat_view body;
    struct maat_collateral_raw raw;
    if (maat_read_fixed(&r, "magic", 8, &magic) == 0 && !memcmp(magic, RECORD_MAGIC, 8) &&
        maat_read_u64le(&r, "fetched_at", &fetched_at) == 0 &&
        maat_read_view(&r, "collateral", maat_reader_left(&r), &body) == 0 &&
        maat_collateral_raw_deserialize(body.ptr, body.len, &raw, &e) == 0) {
        if (verify_raw(c, &raw, fmspc, ca, eval_num, now, (time_t)fetched_at, &h, &e) != 0)
            h = NULL;
        maat_collateral_raw_cleanup(&raw);
    }
    free(rec);
    return h;
}

static int save_to_store(struct maat_collateral_cache *c, const uint8_t fmspc[6], enum maat_pck_ca ca,
                         uint32_t eval_num, const struct maat_collateral_raw *raw,
                         time_t fetched_at, struct maat_error *err)
{
    if (c->o.store == NULL) return 0;
    char key[48];
    store_key(c, fmspc, ca, eval_num, key);
    struct maat_buf b;
    maat_buf_init(&b);
    int rc = -1;
    if (maat_buf_put(&b, RECORD_MAGIC, 8) || maat_buf_put_u64le(&b, (uint64_t)fetched_at)) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (maat_collateral_raw_serialize(raw, &b, err) != 0) goto done;
    rc = maat_store_put(c->o.store, STORE_NS, key, b.data, b.len, NULL, err);
done:
    maat_buf_cleanup(&b);
    return rc;
}

/* The lease record's key for (fmspc, ca, eval_num): LEASE_PREFIX + the record's key. */
static void lease_key(const struct maat_collateral_cache *c, const uint8_t fmspc[6],
                      enum maat_pck_ca ca, uint32_t eval_num, char key[72])
{
    char rk[48];
    store_key(c, fmspc, ca, eval_num, rk);
    snprintf(key, 72, LEASE_PREFIX "%s", rk);
}

/* Whether the lease record still has version `ver` (this cache still holds it). */
static bool lease_still_ours(struct maat_collateral_cache *c, const char *lkey, uint64_t ver)
{
    uint8_t *rec = NULL;
    size_t len = 0;
    uint64_t cur = 0;
    struct maat_error e = {0};
    if (maat_store_get(c->o.store, STORE_NS, lkey, &rec, &len, &cur, &e) != 0) return false;
    free(rec);
    return cur == ver;
}

/* Fetches, verifies and persists. On success *out is a new held with one reference.
 * With lkey set the record is persisted only while the lease (version lver) is still
 * this cache's: a holder that outlived its lease does not overwrite the taker's record. */
static int refresh(struct maat_collateral_cache *c, const uint8_t fmspc[6], enum maat_pck_ca ca,
                   uint32_t eval_num, time_t now, time_t held_issue, const char *lkey,
                   uint64_t lver, struct held **out, struct maat_error *err)
{
    struct maat_collateral_raw raw;
    pthread_mutex_lock(&c->mu);
    c->stats.fetches++;
    pthread_mutex_unlock(&c->mu);
    if (maat_collateral_source_fetch_pinned(c->o.source, c->o.tee, fmspc, ca, eval_num, now, &raw,
                                            err) != 0)
        return -1;
    struct held *h = NULL;
    int rc = verify_raw(c, &raw, fmspc, ca, eval_num, now, now, &h, err);
    if (rc == 0 && h->issue_date < held_issue) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "collateral from %s is older than the cached set (TCB info issueDate "
                       "%lld < %lld); keeping the cached set",
                       raw.origin, (long long)h->issue_date, (long long)held_issue);
        held_unref(h);
        rc = -1;
    }
    if (rc == 0) {
        struct maat_error se = {0};
        /* not fatal: the verified set is served from memory; the next refresh retries */
        if (lkey == NULL || lease_still_ours(c, lkey, lver))
            (void)save_to_store(c, fmspc, ca, eval_num, &raw, now, &se);
        *out = h;
    }
    maat_collateral_raw_cleanup(&raw);
    return rc;
}

/* A source fetch on its own thread: refresh, report a failure once, publish, wake the
 * waiters. */
struct fetch_job {
    struct maat_collateral_cache *c;
    uint8_t fmspc[6];
    enum maat_pck_ca ca;
    uint32_t eval_num;
    time_t now;
    time_t held_issue;
    bool collateral; /* refresh the collateral (false: only the list below) */
    bool list;       /* also fetch the /tcbevaluationdatanumbers list */
};

static void bump(struct maat_collateral_cache *c, unsigned long *counter)
{
    pthread_mutex_lock(&c->mu);
    (*counter)++;
    pthread_mutex_unlock(&c->mu);
}

/* A lease record: magic, u64le expiry (caller time; 0 = released), then the holder's
 * name (diagnostics). A record that does not parse counts as released. */
static int lease_encode(struct maat_buf *b, time_t until, const char *holder)
{
    return maat_buf_put(b, LEASE_MAGIC, 8) || maat_buf_put_u64le(b, (uint64_t)until) ||
           maat_buf_put(b, holder, strlen(holder));
}

static void lease_decode(const uint8_t *rec, size_t len, time_t *until, char *holder, size_t cap)
{
    struct maat_error e = {0};
    struct maat_reader r;
    maat_reader_init(&r, rec, len, "collateral fetch lease", &e);
    const uint8_t *magic;
    uint64_t u;
    struct maat_view name;
    *until = 0;
    snprintf(holder, cap, "?");
    if (maat_read_fixed(&r, "magic", 8, &magic) != 0 || memcmp(magic, LEASE_MAGIC, 8) != 0 ||
        maat_read_u64le(&r, "until", &u) != 0 ||
        maat_read_view(&r, "holder", maat_reader_left(&r), &name) != 0 || u > INT64_MAX)
        return;
    *until = (time_t)u;
    snprintf(holder, cap, "%.*s", (int)(name.len < 95 ? name.len : 95), (const char *)name.ptr);
    for (char *p = holder; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
}

enum claim { CLAIM_WON, CLAIM_HELD, CLAIM_DOWN };

/* Claims the refresh of lkey at caller time `now`: the lease is absent, released or
 * expired and this cache's compare-and-swap won. CLAIM_HELD: another holder has it
 * (named in holder/until); CLAIM_DOWN: the store could not be asked (err says why). */
static enum claim lease_claim(struct maat_collateral_cache *c, const char *lkey, time_t now,
                              uint64_t *ver, char *holder, size_t cap, time_t *until,
                              struct maat_error *err)
{
    uint8_t *rec = NULL;
    size_t len = 0;
    uint64_t cur = 0;
    bool takeover = false;
    struct maat_error e = {0};
    snprintf(holder, cap, "another replica");
    *until = 0;
    if (maat_store_get(c->o.store, STORE_NS, lkey, &rec, &len, &cur, &e) == 0) {
        lease_decode(rec, len, until, holder, cap);
        free(rec);
        /* our own lease (its release failed, e.g. the store was down): take it again */
        if (now < *until && strcmp(holder, c->holder) != 0) return CLAIM_HELD;
        /* expired, never released: its holder died or hung */
        takeover = *until != 0 && strcmp(holder, c->holder) != 0;
    } else if (e.code == MAAT_ERR_NOT_FOUND) {
        cur = 0;
    } else {
        *err = e;
        return CLAIM_DOWN;
    }
    struct maat_buf b;
    maat_buf_init(&b);
    if (lease_encode(&b, now + c->o.lease_secs, c->holder) != 0) {
        maat_buf_cleanup(&b);
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return CLAIM_DOWN;
    }
    bool conflict = false;
    maat_error_clear(&e);
    int rc = maat_store_put_if(c->o.store, STORE_NS, lkey, b.data, b.len, cur, &conflict, ver, &e);
    maat_buf_cleanup(&b);
    if (rc != 0 && conflict) { /* another cache claimed it between our read and write */
        snprintf(holder, cap, "another replica");
        *until = now + c->o.lease_secs;
        return CLAIM_HELD;
    }
    if (rc != 0) {
        *err = e;
        return CLAIM_DOWN;
    }
    if (takeover) bump(c, &c->stats.lease_takeovers);
    return CLAIM_WON;
}

/* Releases this cache's lease (version ver): marks it released by compare-and-swap, so
 * a lease taken over meanwhile is left alone. Errors are ignored: it expires anyway. */
static void lease_release(struct maat_collateral_cache *c, const char *lkey, uint64_t ver)
{
    struct maat_buf b;
    maat_buf_init(&b);
    struct maat_error e = {0};
    bool conflict = false;
    if (lease_encode(&b, 0, c->holder) == 0)
        (void)maat_store_put_if(c->o.store, STORE_NS, lkey, b.data, b.len, ver, &conflict, NULL, &e);
    maat_buf_cleanup(&b);
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

/* Collateral in the store that is fresh at `now` and not older than what is held. */
static struct held *shared_fresh(struct maat_collateral_cache *c, const struct fetch_job *j,
                                 uint64_t *seen)
{
    struct held *h = load_from_store(c, j->fmspc, j->ca, j->eval_num, j->now, seen);
    if (h != NULL && (!fresh(c, h, j->now) || h->issue_date < j->held_issue)) {
        pthread_mutex_lock(&c->mu);
        held_unref(h);
        pthread_mutex_unlock(&c->mu);
        h = NULL;
    }
    return h;
}

/* The refresh of a fetch thread, shared through the store when there is one: *out from
 * the store (another cache refreshed it), or from the source under this cache's lease,
 * or from the source without a lease when the store cannot be asked. *deferred: another
 * holder's lease is live and its record did not appear within wait_ms; not a failure of
 * the source (err says who holds it). */
static int shared_refresh(struct maat_collateral_cache *c, const struct fetch_job *j,
                          struct held **out, bool *deferred, struct maat_error *err)
{
    *deferred = false;
    if (c->o.store == NULL || c->o.lease_secs == 0)
        return refresh(c, j->fmspc, j->ca, j->eval_num, j->now, j->held_issue, NULL, 0, out, err);
    char lkey[72];
    lease_key(c, j->fmspc, j->ca, j->eval_num, lkey);
    uint64_t seen = 0;
    if ((*out = shared_fresh(c, j, &seen)) != NULL) {
        bump(c, &c->stats.shared_loads);
        return 0;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long waited = ms_between(&t0, &t);
        time_t now = j->now + waited / 1000; /* the lease clock moves while we poll */
        uint64_t ver = 0;
        char holder[96];
        time_t until = 0;
        struct maat_error ce = {0};
        switch (lease_claim(c, lkey, now, &ver, holder, sizeof holder, &until, &ce)) {
        case CLAIM_WON: {
            /* it may have been stored between our last read and the claim */
            struct held *h = shared_fresh(c, j, &seen);
            int rc = 0;
            if (h != NULL) {
                *out = h;
                bump(c, &c->stats.shared_loads);
            } else {
                rc = refresh(c, j->fmspc, j->ca, j->eval_num, j->now, j->held_issue, lkey, ver, out,
                             err);
            }
            lease_release(c, lkey, ver);
            return rc;
        }
        case CLAIM_DOWN:
            bump(c, &c->stats.lease_store_errors);
            return refresh(c, j->fmspc, j->ca, j->eval_num, j->now, j->held_issue, NULL, 0, out, err);
        case CLAIM_HELD: break;
        }
        /* give up before the lookups' deadline, so they see why: a tenth of the wait (at
         * least a poll, at most 500 ms), so a loaded host's scheduling delay does not let
         * the lookup's own deadline answer first with a message that names no holder */
        long margin = c->o.wait_ms / 10;
        margin = margin < POLL_MS ? POLL_MS : margin > 500 ? 500 : margin;
        if (waited >= c->o.wait_ms - margin) {
            char hex[13];
            src_fmspc_hex(j->fmspc, hex);
            bump(c, &c->stats.lease_waits);
            *deferred = true;
            return maat_error_set(err, MAAT_ERR_IO,
                                  "collateral for FMSPC %s (PCK %s CA) is being fetched by %s "
                                  "(its claim runs until %lld); retry later",
                                  hex, maat_pck_ca_name(j->ca), holder, (long long)until);
        }
        struct timespec ts = {0, POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        if ((*out = shared_fresh(c, j, &seen)) != NULL) {
            bump(c, &c->stats.shared_loads);
            return 0;
        }
    }
}

/* Where the evaluation numbers list comes from (o.eval_nums_source, else the source). */
static struct maat_collateral_source *list_source(const struct maat_collateral_cache *c)
{
    return c->o.eval_nums_source != NULL ? c->o.eval_nums_source : c->o.source;
}

/* The list's last-good copy is replaced by a newer verified one; a failure is remembered
 * (the list retry below) and leaves the held list alone. mu NOT held. */
static void fetch_list(struct maat_collateral_cache *c, time_t now)
{
    struct maat_tcb_eval_nums l;
    struct maat_error le = {0};
    int rc = maat_collateral_fetch_eval_nums_tee(list_source(c), c->o.tee, c->o.trust, now, &l,
                                                 NULL, NULL, &le);
    pthread_mutex_lock(&c->mu);
    c->list_busy = false;
    c->list_attempted = true;
    c->list_attempt = now;
    c->list_err = le;
    if (rc == 0 && (!c->list_have || l.issue_date >= c->list.issue_date)) {
        maat_tcb_eval_nums_cleanup(&c->list);
        c->list = l;
        c->list_have = true;
    } else if (rc == 0) {
        maat_tcb_eval_nums_cleanup(&l);
    }
    pthread_mutex_unlock(&c->mu);
}

/* How long a failed list fetch is not retried: the collateral retry interval, at least
 * LIST_RETRY_MIN (a source without the route must not be asked every minute). */
#define LIST_RETRY_MIN 600

static bool list_fresh(const struct maat_collateral_cache *c, time_t now)
{
    return c->list_have && now <= (time_t)c->list.next_update - c->o.refresh_margin;
}

/* Whether a lookup of a default entry must (also) get the list: the cache keeps it, the
 * source has one, and it is neither fresh nor failed recently. mu held. */
static bool list_wanted(const struct maat_collateral_cache *c, const struct entry *e, time_t now)
{
    if (!c->o.eval_nums || e->eval_num != 0 || !maat_collateral_source_has_eval_nums(list_source(c)))
        return false;
    if (c->o.eval_nums_background && c->list_busy) return false; /* not waited for */
    if (list_fresh(c, now)) return false;
    time_t retry = c->o.retry_interval > LIST_RETRY_MIN ? c->o.retry_interval : LIST_RETRY_MIN;
    return !(c->list_attempted && now >= c->list_attempt && now - c->list_attempt < retry);
}

static void *fetch_main(void *arg)
{
    struct fetch_job *j = arg;
    struct maat_collateral_cache *c = j->c;
    struct held *h = NULL;
    struct maat_error fe = {0};
    bool deferred = false;
    int fr = j->collateral ? shared_refresh(c, j, &h, &deferred, &fe) : 0;
    bool published = false;
    if (j->list && j->collateral && fr == 0 && c->o.eval_nums_background) {
        /* fetched: the collateral now, the list after, so that no lookup waits for the list
         * (a failure is published at the end, as without the list) */
        pthread_mutex_lock(&c->mu);
        struct entry *pe = entry_for(c, j->fmspc, j->ca, j->eval_num, NULL);
        if (pe != NULL) {
            pe->last_err = fe;
            pe->attempted = true;
            pe->last_attempt = j->now;
            pe->last_failed = false;
            held_unref(pe->cur);
            pe->cur = h;
            h = NULL;
            published = true;
            idle_broadcast(c); /* waiting lookups look again (the entry is still busy) */
        }
        pthread_mutex_unlock(&c->mu);
    }
    if (fr != 0 && !deferred && c->o.fetch_failed_num != NULL)
        c->o.fetch_failed_num(c->o.fetch_failed_arg, j->fmspc, j->ca, j->eval_num,
                              c->o.source->ops->kind, &fe);
    else if (fr != 0 && !deferred && c->o.fetch_failed != NULL)
        c->o.fetch_failed(c->o.fetch_failed_arg, j->fmspc, j->ca, c->o.source->ops->kind, &fe);
    if (j->list) fetch_list(c, j->now);
    pthread_mutex_lock(&c->mu);
    /* exists: an entry is only removed when idle (evict_pinned), and this one is busy */
    struct entry *e = entry_for(c, j->fmspc, j->ca, j->eval_num, NULL);
    if (e == NULL) { /* cannot happen (see above); never crash on it */
        held_unref(h);
        c->inflight--;
        idle_broadcast(c);
        pthread_mutex_unlock(&c->mu);
        free(j);
        return NULL;
    }
    if (j->collateral && !published) e->last_err = fe;
    if (!j->collateral || published) {
        /* a list-only fetch: the collateral's state is unchanged */
    } else if (deferred) {
        /* another replica is fetching: not a failure of the source, no negative cache
         * and no stale mark; the next lookup looks again */
    } else {
        e->attempted = true;
        e->last_attempt = j->now;
        e->last_failed = fr != 0;
        if (fr == 0) {
            held_unref(e->cur);
            e->cur = h;
        } else {
            c->stats.fetch_failures++;
        }
    }
    e->busy = IDLE;
    c->inflight--;
    idle_broadcast(c);
    pthread_mutex_unlock(&c->mu);
    free(j);
    return NULL;
}

/* Starts a fetch for e on a new thread: its collateral when not fresh, and the list when
 * wanted. mu held. */
static int start_fetch(struct maat_collateral_cache *c, struct entry *e, time_t now,
                       struct maat_error *err)
{
    char hex[13];
    src_fmspc_hex(e->fmspc, hex);
    MAAT_ENSURE(c->inflight < MAX_INFLIGHT, err, MAAT_ERR_IO,
                "collateral for FMSPC %s (PCK %s CA): %u collateral fetches are already in "
                "flight; retry later",
                hex, maat_pck_ca_name(e->ca), c->inflight);
    struct fetch_job *j = calloc(1, sizeof *j);
    MAAT_ENSURE(j != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    j->c = c;
    memcpy(j->fmspc, e->fmspc, 6);
    j->ca = e->ca;
    j->eval_num = e->eval_num;
    j->now = now;
    j->list = list_wanted(c, e, now);
    j->collateral = !fresh(c, e->cur, now) || !j->list;
    if (j->list) c->list_busy = true;
    j->held_issue = e->cur != NULL ? e->cur->issue_date : 0;
    if (e->has_thread) { /* the previous fetch of this entry has published: it is ending */
        pthread_join(e->th, NULL);
        e->has_thread = false;
    }
    pthread_t th;
    int prc = pthread_create(&th, NULL, fetch_main, j);
    if (prc != 0) {
        free(j);
        return maat_error_set(err, MAAT_ERR_IO,
                              "collateral for FMSPC %s (PCK %s CA): cannot start a fetch thread: "
                              "%s",
                              hex, maat_pck_ca_name(e->ca), strerror(prc));
    }
    e->th = th;
    e->has_thread = true;
    e->busy = FETCHING;
    clock_gettime(CLOCK_MONOTONIC, &e->busy_since);
    c->inflight++;
    return 0;
}

static struct timespec add_ms(struct timespec t, long ms)
{
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static bool reached(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* The lookup; w == NULL waits on cv, otherwise returns 1 where it would wait. */
static int cache_get(struct maat_collateral_cache *c, const uint8_t fmspc[6], enum maat_pck_ca ca,
                     uint32_t eval_num, time_t now, struct maat_collateral_wait *w,
                     struct maat_collateral_lookup *out, struct maat_error *err)
{
    MAAT_ENSURE(c != NULL && fmspc != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "collateral cache: get needs a cache, an FMSPC and an output");
    MAAT_ENSURE(ca == MAAT_PCK_CA_PROCESSOR || ca == MAAT_PCK_CA_PLATFORM, err, MAAT_ERR_USAGE,
                "collateral cache: PCK CA must be processor or platform");
    memset(out, 0, sizeof *out);
    MAAT_ENSURE(eval_num <= 0x7fffffffu, err, MAAT_ERR_USAGE,
                "collateral cache: TCB evaluation data number %u out of range", eval_num);
    char hex[13], item[128]; /* "FMSPC X (PCK processor CA[, TCB evaluation data number N])" */
    src_fmspc_hex(fmspc, hex);
    if (eval_num != 0)
        snprintf(item, sizeof item, "FMSPC %s (PCK %s CA, TCB evaluation data number %u)", hex,
                 maat_pck_ca_name(ca), eval_num);
    else
        snprintf(item, sizeof item, "FMSPC %s (PCK %s CA)", hex, maat_pck_ca_name(ca));
    int rc = -1;
    enum maat_collateral_origin origin = MAAT_COLLATERAL_FROM_MEMORY;
    bool started = w != NULL && w->started;     /* this lookup started the source fetch */
    bool saw_fetch = w != NULL && w->saw_fetch; /* ... or waited for one: do not start another */

    /* Entries are only appended, and `e` may move when the table grows (or while mu is
     * released): look it up again on every turn. */
    pthread_mutex_lock(&c->mu);
    for (;;) {
        struct entry *e = entry_for(c, fmspc, ca, eval_num, err);
        if (e == NULL) break;
        e->used = ++c->tick;
        /* Fresh collateral in memory (held, loaded from the store, or just fetched), and
         * the evaluation numbers list when the cache keeps one (o.eval_nums). */
        if (fresh(c, e->cur, now) && !list_wanted(c, e, now)) {
            answer(c, e, started ? MAAT_COLLATERAL_FROM_SOURCE : origin, out);
            rc = 0;
            break;
        }
        if (e->busy != IDLE) {
            bool usable = e->cur != NULL && now <= e->cur->w.not_after;
            struct timespec deadline = add_ms(e->busy_since, c->o.wait_ms);
            if (e->busy == FETCHING) saw_fetch = true;
            /* last-good while someone else refreshes it; the lookup that asked for the
             * refresh waits for it (bounded) and then takes last-good too */
            if (usable && (!started || reached(&deadline))) {
                answer(c, e, origin, out);
                rc = 0;
                break;
            }
            if (reached(&deadline)) {
                c->stats.wait_timeouts++;
                maat_error_set(err, MAAT_ERR_IO,
                               "collateral for %s is still being fetched from the %s source "
                               "(waited up to %ld ms after the fetch started); retry later",
                               item, c->o.source->ops->kind, c->o.wait_ms);
                break;
            }
            if (w != NULL) { /* the caller waits, not this thread */
                w->started = started;
                w->saw_fetch = saw_fetch;
                w->gen = c->gen;
                w->deadline = deadline;
                rc = 1;
                break;
            }
            /* ETIMEDOUT or a wake-up: the next turn decides */
            (void)pthread_cond_timedwait(&c->cv, &c->mu, &deadline);
            continue;
        }
        if (c->o.store != NULL && !e->store_tried && e->cur == NULL) {
            e->store_tried = true;
            e->busy = LOADING;
            clock_gettime(CLOCK_MONOTONIC, &e->busy_since);
            pthread_mutex_unlock(&c->mu);
            struct held *h = load_from_store(c, fmspc, ca, eval_num, now, NULL);
            pthread_mutex_lock(&c->mu);
            e = entry_for(c, fmspc, ca, eval_num, err); /* busy: not evicted */
            if (e == NULL) {                            /* cannot happen; never crash on it */
                held_unref(h);
                idle_broadcast(c);
                break;
            }
            e->busy = IDLE;
            if (h != NULL) {
                e->cur = h;
                c->stats.store_loads++;
                origin = MAAT_COLLATERAL_FROM_STORE;
            }
            idle_broadcast(c);
            continue;
        }
        /* Missing or past the refresh point: ask the source, unless it failed recently
         * (the negative cache) or this lookup already saw a fetch end. */
        bool recently = !fresh(c, e->cur, now) && e->attempted && now >= e->last_attempt &&
                        now - e->last_attempt < c->o.retry_interval; /* (else: the list) */
        if (!recently && !saw_fetch) {
            if (start_fetch(c, e, now, err) != 0) break;
            started = saw_fetch = true;
            continue;
        }
        if (e->cur != NULL && (!e->last_failed || now <= e->cur->w.not_after)) {
            /* last-good, not yet expired (stale when the last refresh failed); or what
             * the source last gave, even if already expired (the verdict reports expiry) */
            answer(c, e, started && !e->last_failed ? MAAT_COLLATERAL_FROM_SOURCE : origin, out);
            rc = 0;
        } else if (e->cur != NULL) {
            maat_error_set(err, MAAT_ERR_IO,
                           "collateral for %s expired at %lld (%s) and could not be refreshed: %s",
                           item, (long long)e->cur->w.not_after,
                           e->cur->w.limiting != NULL ? e->cur->w.limiting : "?", e->last_err.msg);
        } else {
            if (!saw_fetch) c->stats.negative_hits++;
            maat_error_set(err, e->last_err.code != MAAT_OK ? e->last_err.code : MAAT_ERR_IO,
                           "no collateral for %s%s: %s", item,
                           !saw_fetch ? " (last attempt failed recently)" : "", e->last_err.msg);
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int maat_collateral_cache_get(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                              enum maat_pck_ca ca, time_t now, struct maat_collateral_lookup *out,
                              struct maat_error *err)
{
    return cache_get(c, fmspc, ca, 0, now, NULL, out, err);
}

int maat_collateral_cache_get_nowait(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                                     enum maat_pck_ca ca, time_t now, struct maat_collateral_wait *w,
                                     struct maat_collateral_lookup *out, struct maat_error *err)
{
    MAAT_ENSURE(w != NULL, err, MAAT_ERR_USAGE, "collateral cache: get_nowait needs a wait state");
    return cache_get(c, fmspc, ca, 0, now, w, out, err);
}

int maat_collateral_cache_get_num(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                                  enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                                  struct maat_collateral_wait *w,
                                  struct maat_collateral_lookup *out, struct maat_error *err)
{
    return cache_get(c, fmspc, ca, eval_num, now, w, out, err);
}

int maat_collateral_cache_newest(struct maat_collateral_cache *c, time_t now, uint32_t *num,
                                 time_t *recovery_date, struct maat_error *err)
{
    *num = 0;
    *recovery_date = 0;
    MAAT_ENSURE(c != NULL, err, MAAT_ERR_USAGE, "collateral cache: newest needs a cache");
    pthread_mutex_lock(&c->mu);
    int rc = -1;
    if (!c->o.eval_nums || !maat_collateral_source_has_eval_nums(list_source(c))) {
        maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                       "the %s collateral source publishes no TCB evaluation data numbers list, "
                       "so the newest number's tcbRecoveryEventDate is unknown",
                       maat_collateral_source_kind(list_source(c)));
    } else if (!c->list_have) {
        maat_error_set(err, c->list_attempted ? c->list_err.code : MAAT_ERR_IO,
                       "the %s TCB evaluation data numbers list could not be had%s%s",
                       maat_collateral_tee_name(c->o.tee),
                       c->list_attempted ? ": " : " (not fetched yet)",
                       c->list_attempted ? c->list_err.msg : "");
    } else if (now > (time_t)c->list.next_update) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "the %s TCB evaluation data numbers list expired at %lld (nextUpdate) and "
                       "could not be refreshed%s%s",
                       maat_collateral_tee_name(c->o.tee), (long long)c->list.next_update,
                       c->list_err.code != MAAT_OK ? ": " : "", c->list_err.msg);
    } else {
        for (size_t i = 0; i < c->list.n; i++)
            if (c->list.items[i].number == c->list.newest)
                *recovery_date = (time_t)c->list.items[i].tcb_recovery_event_date;
        *num = c->list.newest;
        rc = 0;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* Adds or merges number n into out (sorted newest first). */
static size_t numbers_add(struct maat_collateral_number *out, size_t n, size_t cap,
                          const struct maat_collateral_number *x)
{
    for (size_t i = 0; i < n; i++) {
        if (out[i].number != x->number) continue;
        out[i].held |= x->held;
        out[i].listed |= x->listed;
        if (x->listed) { /* the list's dates win over a TCB info's */
            out[i].tcb_date = x->tcb_date;
            out[i].recovery_date = x->recovery_date;
        } else if (out[i].tcb_date == 0) {
            out[i].tcb_date = x->tcb_date;
        }
        return n;
    }
    if (n == cap) return n;
    size_t at = 0;
    while (at < n && out[at].number > x->number) at++;
    memmove(out + at + 1, out + at, (n - at) * sizeof *out);
    out[at] = *x;
    return n + 1;
}

size_t maat_collateral_cache_numbers(struct maat_collateral_cache *c, time_t now,
                                     struct maat_collateral_number *out, size_t cap)
{
    if (c == NULL) return 0;
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++) {
        const struct held *h = c->e[i].cur;
        if (h == NULL || now > h->w.not_after) continue;
        const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(h->vc);
        if (ti == NULL || !ti->has_tcb_evaluation_data_number) continue;
        struct maat_collateral_number x = {.number = ti->tcb_evaluation_data_number, .held = true};
        for (size_t k = 0; k < ti->level_count; k++) /* the newest level's date */
            if (ti->levels[k].tcb_date > x.tcb_date) x.tcb_date = ti->levels[k].tcb_date;
        n = numbers_add(out, n, cap, &x);
    }
    if (c->list_have && now <= (time_t)c->list.next_update)
        for (size_t i = 0; i < c->list.n; i++) {
            struct maat_collateral_number x = {
                .number = c->list.items[i].number,
                .listed = true,
                .tcb_date = (time_t)c->list.items[i].tcb_date,
                .recovery_date = (time_t)c->list.items[i].tcb_recovery_event_date,
            };
            n = numbers_add(out, n, cap, &x);
        }
    pthread_mutex_unlock(&c->mu);
    return n;
}

void maat_collateral_lookup_release(struct maat_collateral_cache *c, struct maat_collateral_lookup *l)
{
    if (c == NULL || l == NULL || l->ref_ == NULL) return;
    pthread_mutex_lock(&c->mu);
    held_unref(l->ref_);
    pthread_mutex_unlock(&c->mu);
    memset(l, 0, sizeof *l);
}
