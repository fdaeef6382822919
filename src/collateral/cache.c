/*
 * cache.c - verified collateral per (FMSPC, PCK CA): memory in front, the store behind,
 * a source to refresh from (collateral_source.h describes the contract).
 *
 * Locking: `mu` guards the entry table, reference counts and counters and is never held
 * across I/O or verification. `fetch_mu` serialises store loads and source fetches, so
 * a burst of lookups for a missing FMSPC causes one fetch, not one per thread; lookups
 * that find fresh collateral never touch it. A held set of verified collateral is
 * reference counted, so a refresh can replace it while requests still use the old one.
 *
 * Time is always the caller's (`now`), so behaviour is testable and reproducible.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_internal.h"

#define STORE_NS "collateral"
#define RECORD_MAGIC "MAATCC01"

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
    struct held *cur;
    bool store_tried;
    bool attempted;        /* a source fetch was attempted ... */
    time_t last_attempt;   /* ... at this caller time ... */
    bool last_failed;      /* ... and failed with: */
    struct maat_error last_err;
};

struct maat_collateral_cache {
    struct maat_collateral_cache_opts o;
    pthread_mutex_t mu;
    pthread_mutex_t fetch_mu;
    struct entry *e;
    size_t n, cap;
    struct maat_collateral_cache_stats stats;
};

void maat_collateral_cache_opts_defaults(struct maat_collateral_cache_opts *o)
{
    memset(o, 0, sizeof *o);
    o->refresh_margin = 3600;
    o->retry_interval = 60;
}

int maat_collateral_cache_new(const struct maat_collateral_cache_opts *o,
                              struct maat_collateral_cache **out, struct maat_error *err)
{
    MAAT_ENSURE(o != NULL && out != NULL && o->source != NULL && o->trust != NULL, err,
                MAAT_ERR_USAGE, "collateral cache: needs a source and a trust set");
    MAAT_ENSURE(o->refresh_margin >= 0 && o->retry_interval >= 0, err, MAAT_ERR_USAGE,
                "collateral cache: margin and retry interval must not be negative");
    *out = NULL;
    struct maat_collateral_cache *c = calloc(1, sizeof *c);
    MAAT_ENSURE(c != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    c->o = *o;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->fetch_mu, NULL);
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
    for (size_t i = 0; i < c->n; i++) held_unref(c->e[i].cur);
    free(c->e);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->fetch_mu);
    free(c);
}

void maat_collateral_cache_stats(struct maat_collateral_cache *c,
                                 struct maat_collateral_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}

/* The entry for (fmspc, ca), added when absent. NULL on allocation failure. mu held. */
static struct entry *entry_for(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                               enum maat_pck_ca ca)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].ca == ca && !memcmp(c->e[i].fmspc, fmspc, 6)) return &c->e[i];
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        struct entry *e = realloc(c->e, cap * sizeof *e);
        if (e == NULL) return NULL;
        c->e = e;
        c->cap = cap;
    }
    struct entry *e = &c->e[c->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->fmspc, fmspc, 6);
    e->ca = ca;
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
                      const uint8_t fmspc[6], enum maat_pck_ca ca, time_t now,
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

static void store_key(const uint8_t fmspc[6], enum maat_pck_ca ca, char key[32])
{
    char hex[13];
    src_fmspc_hex(fmspc, hex);
    snprintf(key, 32, "%s/%s", hex, maat_pck_ca_name(ca));
}

/* Loads and verifies the persisted collateral; NULL (no error) when there is none or it
 * is unusable (a bad record is ignored: the source will replace it). */
static struct held *load_from_store(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                                    enum maat_pck_ca ca, time_t now)
{
    if (c->o.store == NULL) return NULL;
    char key[32];
    store_key(fmspc, ca, key);
    uint8_t *rec = NULL;
    size_t len = 0;
    struct maat_error e = {0};
    struct held *h = NULL;
    if (maat_store_get(c->o.store, STORE_NS, key, &rec, &len, NULL, &e) != 0) return NULL;
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
        if (verify_raw(c, &raw, fmspc, ca, now, (time_t)fetched_at, &h, &e) != 0) h = NULL;
        maat_collateral_raw_cleanup(&raw);
    }
    free(rec);
    return h;
}

static int save_to_store(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                         enum maat_pck_ca ca, const struct maat_collateral_raw *raw,
                         time_t fetched_at, struct maat_error *err)
{
    if (c->o.store == NULL) return 0;
    char key[32];
    store_key(fmspc, ca, key);
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

/* Fetches, verifies and persists. On success *out is a new held with one reference. */
static int refresh(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                   enum maat_pck_ca ca, time_t now, time_t held_issue, struct held **out,
                   struct maat_error *err)
{
    struct maat_collateral_raw raw;
    pthread_mutex_lock(&c->mu);
    c->stats.fetches++;
    pthread_mutex_unlock(&c->mu);
    if (maat_collateral_source_fetch(c->o.source, fmspc, ca, now, &raw, err) != 0) return -1;
    struct held *h = NULL;
    int rc = verify_raw(c, &raw, fmspc, ca, now, now, &h, err);
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
        (void)save_to_store(c, fmspc, ca, &raw, now, &se);
        *out = h;
    }
    maat_collateral_raw_cleanup(&raw);
    return rc;
}

int maat_collateral_cache_get(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                              enum maat_pck_ca ca, time_t now, struct maat_collateral_lookup *out,
                              struct maat_error *err)
{
    MAAT_ENSURE(c != NULL && fmspc != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "collateral cache: get needs a cache, an FMSPC and an output");
    MAAT_ENSURE(ca == MAAT_PCK_CA_PROCESSOR || ca == MAAT_PCK_CA_PLATFORM, err, MAAT_ERR_USAGE,
                "collateral cache: PCK CA must be processor or platform");
    memset(out, 0, sizeof *out);
    char hex[13];
    src_fmspc_hex(fmspc, hex);

    /* Fast path: fresh collateral in memory. No I/O, no verification. */
    pthread_mutex_lock(&c->mu);
    struct entry *e = entry_for(c, fmspc, ca);
    if (e == NULL) {
        pthread_mutex_unlock(&c->mu);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    if (fresh(c, e->cur, now)) {
        answer(c, e, MAAT_COLLATERAL_FROM_MEMORY, out);
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
    pthread_mutex_unlock(&c->mu);

    /* Slow path, one at a time. Entries are only appended, and `e` may move when the
     * table grows: look it up again under mu whenever it is used. */
    pthread_mutex_lock(&c->fetch_mu);
    int rc = -1;
    enum maat_collateral_origin origin = MAAT_COLLATERAL_FROM_MEMORY;
    pthread_mutex_lock(&c->mu);
    e = entry_for(c, fmspc, ca);
    bool try_store = e != NULL && e->cur == NULL && !e->store_tried;
    if (e != NULL) e->store_tried = true;
    pthread_mutex_unlock(&c->mu);
    if (e == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (try_store) {
        struct held *h = load_from_store(c, fmspc, ca, now);
        if (h != NULL) {
            pthread_mutex_lock(&c->mu);
            e = entry_for(c, fmspc, ca);
            e->cur = h;
            c->stats.store_loads++;
            origin = MAAT_COLLATERAL_FROM_STORE;
            pthread_mutex_unlock(&c->mu);
        }
    }

    pthread_mutex_lock(&c->mu);
    e = entry_for(c, fmspc, ca);
    if (fresh(c, e->cur, now)) { /* loaded from the store, or refreshed by another thread */
        answer(c, e, origin, out);
        pthread_mutex_unlock(&c->mu);
        rc = 0;
        goto out;
    }
    bool recently = e->attempted && now >= e->last_attempt &&
                    now - e->last_attempt < c->o.retry_interval;
    time_t held_issue = e->cur != NULL ? e->cur->issue_date : 0;
    pthread_mutex_unlock(&c->mu);

    struct maat_error fe = {0};
    if (!recently) {
        struct held *h = NULL;
        int fr = refresh(c, fmspc, ca, now, held_issue, &h, &fe);
        pthread_mutex_lock(&c->mu);
        e = entry_for(c, fmspc, ca);
        e->attempted = true;
        e->last_attempt = now;
        e->last_failed = fr != 0;
        e->last_err = fe;
        if (fr == 0) {
            held_unref(e->cur);
            e->cur = h;
            origin = MAAT_COLLATERAL_FROM_SOURCE;
        } else {
            c->stats.fetch_failures++;
        }
        pthread_mutex_unlock(&c->mu);
    }

    pthread_mutex_lock(&c->mu);
    e = entry_for(c, fmspc, ca);
    if (e->cur != NULL && (!e->last_failed || now <= e->cur->w.not_after)) {
        /* fresh from the source; or last-good, not yet expired (stale when the last
         * refresh failed); or what the source last gave, even if already expired (the
         * verdict reports expiry) */
        answer(c, e, origin, out);
        rc = 0;
    } else if (e->cur != NULL) {
        maat_error_set(err, MAAT_ERR_IO,
                       "collateral for FMSPC %s (PCK %s CA) expired at %lld (%s) and could not "
                       "be refreshed: %s",
                       hex, maat_pck_ca_name(ca), (long long)e->cur->w.not_after,
                       e->cur->w.limiting != NULL ? e->cur->w.limiting : "?", e->last_err.msg);
    } else {
        maat_error_set(err, e->last_err.code != MAAT_OK ? e->last_err.code : MAAT_ERR_IO,
                       "no collateral for FMSPC %s (PCK %s CA)%s: %s", hex,
                       maat_pck_ca_name(ca), recently ? " (last attempt failed recently)" : "",
                       e->last_err.msg);
    }
    pthread_mutex_unlock(&c->mu);
out:
    pthread_mutex_unlock(&c->fetch_mu);
    return rc;
}

void maat_collateral_lookup_release(struct maat_collateral_cache *c,
                                    struct maat_collateral_lookup *l)
{
    if (c == NULL || l == NULL || l->ref_ == NULL) return;
    pthread_mutex_lock(&c->mu);
    held_unref(l->ref_);
    pthread_mutex_unlock(&c->mu);
    memset(l, 0, sizeof *l);
}
