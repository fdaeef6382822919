/*
 * store_sync.c - replicas on one store (docs/deploy.md, "Replicas"): each second main.c
 * calls maatd_store_sync, which reloads the signing key ring when keys/current changed and
 * the policies and signers whose records changed. The attest hot path never reads the
 * store: it uses what this installed in memory. The status (up, or down with the reason)
 * feeds /ready and makes management writes answer 503 while the store is down.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maatd.h"
#include "store.h"
#include "store_sync.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool down;
static char reason[MAAT_ERROR_MSG_MAX];
static char last_warn[MAAT_ERROR_MSG_MAX]; /* main thread only: one line per distinct problem */

/* An I/O failure of the store itself (its messages start "store"; a write whose connection
 * broke says "connection lost"), not of something else a sync step did (a signer quote). */
static bool store_failure(const struct maat_error *err)
{
    return err != NULL && err->code == MAAT_ERR_IO &&
           (!strncmp(err->msg, "store", 5) || !strncmp(err->msg, "connection lost", 15));
}

static void warn_once(const char *what, const struct maat_error *err)
{
    char line[sizeof last_warn + 128];
    snprintf(line, sizeof line, "%s: %s", what, err->msg);
    if (strncmp(line, last_warn, sizeof last_warn - 1) == 0) return;
    snprintf(last_warn, sizeof last_warn, "%.*s", (int)sizeof last_warn - 1, line);
    maatd_log("warn", "%s", line);
}

void maatd_store_status_note(const struct maat_error *err)
{
    pthread_mutex_lock(&mu);
    bool was = down;
    /* only I/O failures say the store is unreachable; a conflict or a bad record does not */
    if (err == NULL) {
        down = false;
    } else if (err->code == MAAT_ERR_IO) {
        down = true;
        snprintf(reason, sizeof reason, "%s", err->msg);
    }
    bool now = down;
    char why[MAAT_ERROR_MSG_MAX];
    snprintf(why, sizeof why, "%s", reason);
    pthread_mutex_unlock(&mu);
    if (now && !was) maatd_log("error", "store down: %s (attestation continues from memory)", why);
    if (!now && was) maatd_log("info", "store up again: replica state re-synchronised");
}

bool maatd_store_status(char *why, size_t cap)
{
    pthread_mutex_lock(&mu);
    bool up = !down;
    if (why != NULL && cap > 0) snprintf(why, cap, "%s", up ? "" : reason);
    pthread_mutex_unlock(&mu);
    return up;
}

void maatd_store_sync(struct maatd *d)
{
    struct maat_error err = {0};
    bool changed = false;
    bool was_down = !maatd_store_status(NULL, 0), warned = false;
    /* after an outage: a full reload, so changes made meanwhile are all picked up */
    int rc = maatd_keys_sync(d, was_down, &changed, &err);
    if (rc != 0 && !store_failure(&err)) {
        /* e.g. the signer-quote provider refused the new key: keep serving the old ring */
        warn_once("key rotation failed (still serving the previous keys)", &err);
        warned = true;
        maat_error_clear(&err);
        rc = 0;
    }
    if (rc == 0 && maatd_policies_refresh(d, &err) != 0) {
        if (!store_failure(&err)) {
            warn_once("policy refresh", &err);
            warned = true;
            maat_error_clear(&err);
        } else {
            rc = -1;
        }
    }
    if (rc == 0 && !warned) last_warn[0] = '\0';
    maatd_store_status_note(rc != 0 ? &err : NULL);
}

/* ---- the change-feed thread ---- */

static struct {
    pthread_t thread, main;
    bool started;
    atomic_bool stop, live;
    const char *uri;
} feed;

static void wake_main(void)
{
    pthread_kill(feed.main, SIGUSR1);
}

static void on_change(void *ctx, const char *what)
{
    bool *relevant = ctx;
    if (!strncmp(what, "keys/", 5) || !strncmp(what, "policies/", 9) || !strncmp(what, "signers/", 8))
        *relevant = true;
}

static void nap_ms(long ms)
{
    for (long t = 0; t < ms && !atomic_load(&feed.stop); t += 100) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void *feed_main(void *arg)
{
    (void)arg;
    struct maat_store_watch *w = NULL;
    char last[MAAT_ERROR_MSG_MAX] = "";
    while (!atomic_load(&feed.stop)) {
        struct maat_error err = {0};
        if (w == NULL) {
            if (maat_store_watch_open(feed.uri, &w, &err) != 0) {
                if (strcmp(last, err.msg) != 0) {
                    maatd_log("warn", "store change feed: %s (polling every second meanwhile)",
                              err.msg);
                    snprintf(last, sizeof last, "%s", err.msg);
                }
                nap_ms(1000);
                continue;
            }
            last[0] = '\0';
            atomic_store(&feed.live, true);
            maatd_log("info", "store change feed: listening (PostgreSQL LISTEN maat_changes)");
            wake_main(); /* re-read everything: notifications may have been missed */
        }
        bool relevant = false;
        int n = maat_store_watch_wait(w, 500, on_change, &relevant, &err);
        if (n < 0) {
            atomic_store(&feed.live, false);
            maat_store_watch_close(w);
            w = NULL;
            maatd_log("warn", "store change feed lost: %s", err.msg);
            wake_main(); /* the sync then finds out whether the store itself is down */
            nap_ms(500);
            continue;
        }
        if (relevant) wake_main();
    }
    atomic_store(&feed.live, false);
    maat_store_watch_close(w);
    return NULL;
}

int maatd_store_watch_start(struct maatd *d, pthread_t main_thread)
{
    if (strcmp(maat_store_backend(d->store), "postgres") != 0) return 0;
    feed.main = main_thread;
    feed.uri = d->cfg.store;
    atomic_store(&feed.stop, false);
    if (pthread_create(&feed.thread, NULL, feed_main, NULL) != 0) return -1;
    feed.started = true;
    return 0;
}

void maatd_store_watch_stop(void)
{
    if (!feed.started) return;
    atomic_store(&feed.stop, true);
    pthread_join(feed.thread, NULL);
    feed.started = false;
}

bool maatd_store_watch_live(void)
{
    return atomic_load(&feed.live);
}

int maatd_store_poll_seconds(void)
{
    static atomic_int secs; /* 0 = not read yet */
    int v = atomic_load(&secs);
    if (v > 0) return v;
    v = MAATD_STORE_POLL_DEFAULT;
    const char *e = getenv("MAATD_STORE_POLL_SECONDS");
    if (e != NULL && *e != '\0') {
        char *end = NULL;
        long n = strtol(e, &end, 10);
        if (end != e && *end == '\0' && n >= 1 && n <= 3600) {
            v = (int)n;
            maatd_log("info", "store: safety-net poll every %d s (MAATD_STORE_POLL_SECONDS)", v);
        } else {
            maatd_log("warn",
                      "MAATD_STORE_POLL_SECONDS='%.20s' ignored: expected an integer "
                      "1..3600; polling every %d s",
                      e, v);
        }
    }
    atomic_store(&secs, v);
    return v;
}
