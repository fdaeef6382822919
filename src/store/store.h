/*
 * store.h - maat's persistent state behind one small interface: namespaced key/value
 * records whose values are opaque blobs, each with a version number for compare-and-swap.
 *
 * Everything maat keeps across restarts goes through here: the collateral cache
 * (namespace "collateral"), and later the service's signing keys, policies and policy
 * signer certificates. Callers never see SQL or a backend type. Backends:
 *   "sqlite:PATH" or a bare PATH  - one SQLite file, WAL mode (embedded default)
 *   "postgresql://..." or "postgres://..."
 *                                 - a PostgreSQL database on libpq (several maatd replicas
 *                                   sharing one store): libpq's URI syntax, its query
 *                                   parameters (sslmode, connect_timeout, ...) and its PG*
 *                                   environment variables (postgres.c, docs/deploy.md)
 *
 * A handle is safe to use from several threads at once (calls are serialised per
 * handle; open one handle per thread for parallel reads - WAL lets readers run while a
 * writer commits). Namespaces and keys are non-empty NUL-terminated strings of at most
 * MAAT_STORE_NAME_MAX bytes; values at most MAAT_STORE_VALUE_MAX bytes.
 */
#ifndef MAAT_STORE_H
#define MAAT_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_STORE_NAME_MAX 512
#define MAAT_STORE_VALUE_MAX (16u << 20) /* 16 MiB */

struct maat_store;
struct maat_store_op;

/* Backend operations. A backend fills one of these; callers use the maat_store_*
 * functions below, never the table. Return 0 or -1 with `err` set. */
struct maat_store_ops {
    const char *name; /* "sqlite", "postgres" */
    int (*get)(struct maat_store *s, const char *ns, const char *key, uint8_t **val, size_t *len,
               uint64_t *version, struct maat_error *err);
    /* expected: UINT64_MAX = unconditional; 0 = only if absent; else only if the
     * current version equals it. *conflict is set when the condition failed. */
    int (*put)(struct maat_store *s, const char *ns, const char *key, const void *val, size_t len,
               uint64_t expected, bool *conflict, uint64_t *new_version, struct maat_error *err);
    int (*del)(struct maat_store *s, const char *ns, const char *key, bool *existed,
               struct maat_error *err);
    int (*list)(struct maat_store *s, const char *ns, const char *prefix,
                int (*cb)(void *ctx, const char *key, const uint8_t *val, size_t len,
                          uint64_t version),
                void *ctx, struct maat_error *err);
    int (*info)(struct maat_store *s, const char *what, char *buf, size_t cap,
                struct maat_error *err);
    void (*close)(struct maat_store *s);
    /* Each namespace with its record count, in namespace order (byte order). */
    int (*namespaces)(struct maat_store *s, int (*cb)(void *ctx, const char *ns, uint64_t count),
                      void *ctx, struct maat_error *err);
    /* Writes a record with exactly this version, unconditionally (copy/restore). */
    int (*restore)(struct maat_store *s, const char *ns, const char *key, const void *val,
                   size_t len, uint64_t version, struct maat_error *err);
    /* All of ops, in this order (store.c puts the CHECKs first, sorted), in one
     * transaction, or none (maat_store_batch); *failed = position in ops. */
    int (*batch)(struct maat_store *s, struct maat_store_op *const *ops, size_t n, size_t *failed,
                 bool *conflict, struct maat_error *err);
};

/* Every backend's handle starts with this. The maat_store_* functions hold `mu` around
 * each backend call (one connection, one statement at a time), so backends need no lock. */
struct maat_store {
    const struct maat_store_ops *ops;
    pthread_mutex_t mu;
};

/* For backends: set up the generic handle (ops, mutex) when opening, and release it from
 * the backend's close. */
void maat_store_handle_init(struct maat_store *s, const struct maat_store_ops *ops);
void maat_store_handle_cleanup(struct maat_store *s);

/* Opens (creating when absent) the store named by `uri` (see the top of this file). */
int maat_store_open(const char *uri, struct maat_store **out, struct maat_error *err);

/* Closes the handle (NULL is fine). */
void maat_store_close(struct maat_store *s);

/* "sqlite", ... */
const char *maat_store_backend(const struct maat_store *s);

/* Reads one record into a malloc'd buffer (NUL-terminated past `len` for convenience;
 * free it). `version` may be NULL. Absent: MAAT_ERR_NOT_FOUND. */
int maat_store_get(struct maat_store *s, const char *ns, const char *key, uint8_t **val,
                   size_t *len, uint64_t *version, struct maat_error *err);

/* Inserts or replaces a record; its version becomes the previous one + 1 (1 when new).
 * `new_version` may be NULL. */
int maat_store_put(struct maat_store *s, const char *ns, const char *key, const void *val,
                   size_t len, uint64_t *new_version, struct maat_error *err);

/* Compare-and-swap: writes only when the record's current version is `expected`
 * (0 = the record must not exist). On a mismatch returns -1 with MAAT_ERR_VALUE and
 * *conflict = true (conflict may be NULL). */
int maat_store_put_if(struct maat_store *s, const char *ns, const char *key, const void *val,
                      size_t len, uint64_t expected, bool *conflict, uint64_t *new_version,
                      struct maat_error *err);

/* Deletes a record. `existed` (may be NULL) says whether there was one; deleting an
 * absent record is not an error. */
int maat_store_delete(struct maat_store *s, const char *ns, const char *key, bool *existed,
                      struct maat_error *err);

/* Calls cb for every record of `ns` whose key starts with `prefix` ("" or NULL = all),
 * in key order. A non-zero return from cb stops the walk and is returned. The views
 * passed to cb live until cb returns. Do not call back into the same handle from cb. */
typedef int (*maat_store_list_cb)(void *ctx, const char *key, const uint8_t *val, size_t len,
                                  uint64_t version);
int maat_store_list(struct maat_store *s, const char *ns, const char *prefix, maat_store_list_cb cb,
                    void *ctx, struct maat_error *err);

/* Backend facts for diagnostics and tests: "schema" (the schema version, both backends),
 * "path" (SQLite: the file; PostgreSQL: the redacted URI), "journal_mode" ("wal"; SQLite),
 * "host", "server_version" and "statement_timeout" (PostgreSQL). */
int maat_store_info(struct maat_store *s, const char *what, char *buf, size_t cap,
                    struct maat_error *err);

/* Calls cb for every namespace that holds records, with its record count, in namespace
 * (byte) order; a non-zero return from cb stops the walk and is returned. */
typedef int (*maat_store_ns_cb)(void *ctx, const char *ns, uint64_t count);
int maat_store_namespaces(struct maat_store *s, maat_store_ns_cb cb, void *ctx,
                          struct maat_error *err);

/* Writes a record with exactly `version` (>= 1), replacing any record of that name: for
 * `maat store copy`, which moves records between stores without renumbering them. Not for
 * ordinary writes (use put / put_if). */
int maat_store_restore(struct maat_store *s, const char *ns, const char *key, const void *val,
                       size_t len, uint64_t version, struct maat_error *err);

/*
 * Multi-record atomic operation: "write these records if these versions still hold".
 * Every op of a batch is applied in one database transaction, or none is: a failed
 * condition, an error or a crash part-way leaves the store as it was. Conditions are
 * evaluated inside the transaction, against what the other writers have committed:
 *   PUT     expected UINT64_MAX = unconditional; 0 = only if absent; N = only at version N.
 *           op->version receives the new version.
 *   DELETE  expected UINT64_MAX = unconditional (absent is fine); 0 = only if absent (a
 *           no-op check); N = only at version N.
 *   CHECK   writes nothing: expected UINT64_MAX = the record must exist (any version);
 *           0 = it must be absent; N = it must be at version N. op->version receives the
 *           version found (0 = absent). The checked record stays locked until the batch
 *           ends (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the batch holds the write
 *           lock), so a concurrent batch that changes it is ordered before or after this
 *           one, never between the check and the writes. PostgreSQL cannot lock a row
 *           that does not exist: there a check for absence holds at its moment only.
 * The CHECK ops run first, in (ns, key) byte order (a fixed lock order: two batches
 * checking the same records cannot deadlock), then the PUT/DELETE ops in array order.
 * On a failed condition: -1 with MAAT_ERR_VALUE, *conflict = true and *failed = the index
 * of the op whose condition failed. On another failure: -1, *conflict = false, *failed =
 * the op's index (or n when it was BEGIN/COMMIT). `failed` and `conflict` may be NULL.
 * At most MAAT_STORE_BATCH_MAX ops.
 */
enum maat_store_op_kind { MAAT_STORE_OP_PUT, MAAT_STORE_OP_DELETE, MAAT_STORE_OP_CHECK };
struct maat_store_op {
    enum maat_store_op_kind kind;
    const char *ns;
    const char *key;
    const void *val; /* PUT */
    size_t len;      /* PUT */
    uint64_t expected;
    uint64_t version; /* out */
};
#define MAAT_STORE_BATCH_MAX 64
int maat_store_batch(struct maat_store *s, struct maat_store_op *ops, size_t n, size_t *failed,
                     bool *conflict, struct maat_error *err);

/* Copies `uri` into buf (always NUL-terminated) with any password replaced by "***":
 * the user-info password of a postgres URI and a password=... query parameter. What
 * maat logs and prints instead of a store URI. Returns buf. */
char *maat_store_redacted_uri(const char *uri, char *buf, size_t cap);

/*
 * Change feed: tells a process that records changed, whoever wrote them (another replica,
 * `maat key rotate`, `maat store copy`). PostgreSQL: a dedicated connection LISTENing on the
 * channel "maat_changes"; a trigger on maat_kv (created with the schema) sends "ns/key" with
 * pg_notify in the writing transaction, so a notification is delivered only once the change
 * is committed, and never for a rolled-back one. Notifications can be lost when the watch
 * connection breaks: callers re-read everything after a reconnect and also poll now and then.
 * SQLite: MAAT_ERR_UNSUPPORTED (callers poll).
 */
struct maat_store_watch;
int maat_store_watch_open(const char *uri, struct maat_store_watch **out, struct maat_error *err);
/* Waits up to timeout_ms, then calls cb(ctx, "ns/key") for each notification received.
 * Returns how many there were (0 on a timeout), or -1 with err set when the connection is
 * lost (close the watch and open a new one). */
typedef void (*maat_store_watch_cb)(void *ctx, const char *what);
int maat_store_watch_wait(struct maat_store_watch *w, int timeout_ms, maat_store_watch_cb cb,
                          void *ctx, struct maat_error *err);
void maat_store_watch_close(struct maat_store_watch *w);

/* Backend constructors (used by maat_store_open). */
int maat_store_sqlite_open(const char *path, struct maat_store **out, struct maat_error *err);
int maat_store_postgres_open(const char *uri, struct maat_store **out, struct maat_error *err);
int maat_store_postgres_watch_open(const char *uri, struct maat_store_watch **out,
                                   struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_STORE_H */
