/*
 * store_sync.h - keeps a replica's in-memory state (signing keys, policies, policy signers)
 * in step with the shared store, and remembers whether the store answers (for /ready and for
 * the 503 of management writes). Called from main.c's one-second loop; request threads only
 * read the status.
 */
#ifndef MAATD_STORE_SYNC_H
#define MAATD_STORE_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct maatd;
struct maat_error;

/* One sync pass: keys (reload when keys/current changed), policies and signers (changed
 * records only). A failed pass marks the store down with its reason; a good one marks it up. */
void maatd_store_sync(struct maatd *d);

/* Records the outcome of a store call: err NULL = it answered (up); an I/O failure marks
 * the store down with err's message as the reason; other failures change nothing. */
void maatd_store_status_note(const struct maat_error *err);

/* PostgreSQL stores: starts the change-feed thread (maat_store_watch on the --store URI),
 * which wakes `main_thread` with SIGUSR1 (blocked there and taken by its sigtimedwait) when
 * keys, policies or signers changed, when the feed connection is lost and when it is back.
 * Other stores: nothing (main.c polls every second). 0, or -1 when the thread cannot start. */
int maatd_store_watch_start(struct maatd *d, pthread_t main_thread);
/* Stops and joins the thread (within about half a second); fine when none was started. */
void maatd_store_watch_stop(void);
/* True while the change feed is connected: main.c then re-syncs every
 * maatd_store_poll_seconds() as a safety net instead of every second. */
bool maatd_store_watch_live(void);

/* The safety-net poll interval while the change feed is connected: 30 s, or the
 * environment variable MAATD_STORE_POLL_SECONDS (an integer 1..3600; for tests and for
 * operators who want a tighter net). Read once; an invalid value is logged and ignored. */
#define MAATD_STORE_POLL_DEFAULT 30
int maatd_store_poll_seconds(void);

/* True when the store answered the last call; else false with the reason (no password: store
 * messages show the URI redacted) copied into why. */
bool maatd_store_status(char *why, size_t cap);

#endif
