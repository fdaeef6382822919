/*
 * sqlite.c - the embedded store backend: one SQLite file in WAL mode, one table of
 * (namespace, key) -> (blob, version, updated_at).
 *
 * WAL lets readers in other handles and processes run while a writer commits; writes
 * that read-then-write (versioned puts) run inside BEGIN IMMEDIATE so they are atomic
 * across processes too. The file is created mode 0600 (SQLite gives -wal/-shm/-journal
 * the database's mode) and an existing one, or side file, that group or others may access
 * is refused: the service keeps signing keys here. Statements are prepared per call: the store is not on a per-quote path (the
 * collateral cache keeps its working set in memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

#define SQLITE_SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

struct sqlite_store {
    struct maat_store base; /* first: the generic handle */
    sqlite3 *db;
    char *path;
};

static struct sqlite_store *impl(struct maat_store *s)
{
    return (struct sqlite_store *)(void *)s;
}

static int db_fail(struct sqlite_store *st, const char *doing, struct maat_error *err)
{
    int code = sqlite3_extended_errcode(st->db);
    maat_err e = (code & 0xff) == SQLITE_NOMEM    ? MAAT_ERR_NOMEM
                 : (code & 0xff) == SQLITE_TOOBIG ? MAAT_ERR_TOO_LARGE
                                                  : MAAT_ERR_IO;
    return maat_error_set(err, e, "store %s: %s: %s (sqlite code %d)", st->path, doing,
                          sqlite3_errmsg(st->db), code);
}

static int exec(struct sqlite_store *st, const char *sql, struct maat_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    maat_error_set(err, MAAT_ERR_IO, "store %s: '%.60s': %s", st->path, sql,
                   msg != NULL ? msg : sqlite3_errmsg(st->db));
    sqlite3_free(msg);
    return -1;
}

static int prepare(struct sqlite_store *st, const char *sql, sqlite3_stmt **stmt,
                   struct maat_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) == SQLITE_OK) return 0;
    return db_fail(st, "prepare", err);
}

static int bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
    return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

/* ---- operations (store.c holds the handle's mutex around each call) ---- */

static int do_get(struct sqlite_store *st, const char *ns, const char *key, uint8_t **val,
                  size_t *len, uint64_t *version, struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    MAAT_TRY(prepare(st, "SELECT value, version FROM maat_kv WHERE ns = ?1 AND key = ?2", &q, err));
    int rc = -1;
    if (bind_text(q, 1, ns) || bind_text(q, 2, key)) {
        db_fail(st, "bind", err);
        goto done;
    }
    int step = sqlite3_step(q);
    if (step == SQLITE_DONE) {
        maat_error_set(err, MAAT_ERR_NOT_FOUND, "store: no record %s/%s", ns, key);
        goto done;
    }
    if (step != SQLITE_ROW) {
        db_fail(st, "read", err);
        goto done;
    }
    const void *blob = sqlite3_column_blob(q, 0);
    int n = sqlite3_column_bytes(q, 0);
    if (n < 0) n = 0;
    *val = malloc((size_t)n + 1);
    if (*val == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "store: out of memory reading %s/%s", ns, key);
        goto done;
    }
    if (n > 0) memcpy(*val, blob, (size_t)n);
    (*val)[n] = 0;
    *len = (size_t)n;
    *version = (uint64_t)sqlite3_column_int64(q, 1);
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

/* Current version of a record, 0 when absent. */
static int current_version(struct sqlite_store *st, const char *ns, const char *key, uint64_t *out,
                           struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    MAAT_TRY(prepare(st, "SELECT version FROM maat_kv WHERE ns = ?1 AND key = ?2", &q, err));
    int rc = -1;
    if (bind_text(q, 1, ns) || bind_text(q, 2, key)) {
        db_fail(st, "bind", err);
        goto done;
    }
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(q, 0);
    else if (step == SQLITE_DONE)
        *out = 0;
    else {
        db_fail(st, "read version", err);
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

static int version_conflict(const char *ns, const char *key, uint64_t cur, uint64_t expected,
                            bool *conflict, struct maat_error *err)
{
    *conflict = true;
    return maat_error_set(err, MAAT_ERR_VALUE,
                          "store: %s/%s is at version %llu, expected %llu (changed concurrently)",
                          ns, key, (unsigned long long)cur, (unsigned long long)expected);
}

/* The write of a versioned put, inside the caller's transaction. */
static int put_locked(struct sqlite_store *st, const char *ns, const char *key, const void *val,
                      size_t len, uint64_t expected, bool *conflict, uint64_t *new_version,
                      struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    uint64_t cur = 0;
    int rc = -1;
    if (current_version(st, ns, key, &cur, err) != 0) return -1;
    if (expected != UINT64_MAX && cur != expected)
        return version_conflict(ns, key, cur, expected, conflict, err);
    if (prepare(st,
                "INSERT OR REPLACE INTO maat_kv (ns, key, value, version, updated_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5)",
                &q, err) != 0)
        return -1;
    if (bind_text(q, 1, ns) || bind_text(q, 2, key) ||
        sqlite3_bind_blob64(q, 3, val, (sqlite3_uint64)len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 4, (sqlite3_int64)(cur + 1)) != SQLITE_OK ||
        sqlite3_bind_int64(q, 5, (sqlite3_int64)time(NULL)) != SQLITE_OK) {
        db_fail(st, "bind", err);
        goto done;
    }
    if (sqlite3_step(q) != SQLITE_DONE) {
        db_fail(st, "write", err);
        goto done;
    }
    *new_version = cur + 1;
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

static int do_put(struct sqlite_store *st, const char *ns, const char *key, const void *val,
                  size_t len, uint64_t expected, bool *conflict, uint64_t *new_version,
                  struct maat_error *err)
{
    MAAT_TRY(exec(st, "BEGIN IMMEDIATE", err));
    uint64_t v = 0;
    if (put_locked(st, ns, key, val, len, expected, conflict, &v, err) != 0 ||
        exec(st, "COMMIT", err) != 0) {
        (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    *new_version = v;
    return 0;
}

static int do_del(struct sqlite_store *st, const char *ns, const char *key, bool *existed,
                  struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    MAAT_TRY(prepare(st, "DELETE FROM maat_kv WHERE ns = ?1 AND key = ?2", &q, err));
    int rc = -1;
    if (bind_text(q, 1, ns) || bind_text(q, 2, key)) {
        db_fail(st, "bind", err);
        goto done;
    }
    if (sqlite3_step(q) != SQLITE_DONE) {
        db_fail(st, "delete", err);
        goto done;
    }
    *existed = sqlite3_changes(st->db) > 0;
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

static int do_list(struct sqlite_store *st, const char *ns, const char *prefix,
                   maat_store_list_cb cb, void *ctx, struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    /* substr/length count characters on both sides, so this is a byte-exact prefix test
     * for the UTF-8 text we store (and for any bytes: both are measured the same way). */
    MAAT_TRY(prepare(st,
                     "SELECT key, value, version FROM maat_kv WHERE ns = ?1 AND "
                     "substr(key, 1, length(?2)) = ?2 ORDER BY key",
                     &q, err));
    int rc = -1;
    if (bind_text(q, 1, ns) || bind_text(q, 2, prefix)) {
        db_fail(st, "bind", err);
        goto done;
    }
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            db_fail(st, "list", err);
            goto done;
        }
        const char *k = (const char *)sqlite3_column_text(q, 0);
        const uint8_t *v = sqlite3_column_blob(q, 1);
        int n = sqlite3_column_bytes(q, 1);
        int r = cb(ctx, k != NULL ? k : "", v != NULL ? v : (const uint8_t *)"",
                   n > 0 ? (size_t)n : 0, (uint64_t)sqlite3_column_int64(q, 2));
        if (r != 0) {
            rc = r;
            goto done;
        }
    }
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

static int do_info(struct sqlite_store *st, const char *what, char *buf, size_t cap,
                   struct maat_error *err)
{
    const char *sql = NULL;
    if (!strcmp(what, "path")) {
        snprintf(buf, cap, "%s", st->path);
        return 0;
    }
    if (!strcmp(what, "journal_mode")) sql = "PRAGMA journal_mode";
    if (!strcmp(what, "schema")) sql = "SELECT value FROM maat_meta WHERE name = 'schema'";
    MAAT_ENSURE(sql != NULL, err, MAAT_ERR_USAGE, "store: no info item '%s'", what);
    sqlite3_stmt *q = NULL;
    MAAT_TRY(prepare(st, sql, &q, err));
    int rc = -1;
    if (sqlite3_step(q) != SQLITE_ROW) {
        db_fail(st, what, err);
        goto done;
    }
    const char *v = (const char *)sqlite3_column_text(q, 0);
    snprintf(buf, cap, "%s", v != NULL ? v : "");
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

static int do_namespaces(struct sqlite_store *st, maat_store_ns_cb cb, void *ctx,
                         struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    MAAT_TRY(prepare(st, "SELECT ns, count(*) FROM maat_kv GROUP BY ns ORDER BY ns", &q, err));
    int rc = -1;
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            db_fail(st, "list namespaces", err);
            goto done;
        }
        const char *ns = (const char *)sqlite3_column_text(q, 0);
        int r = cb(ctx, ns != NULL ? ns : "", (uint64_t)sqlite3_column_int64(q, 1));
        if (r != 0) {
            rc = r;
            goto done;
        }
    }
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

static int do_restore(struct sqlite_store *st, const char *ns, const char *key, const void *val,
                      size_t len, uint64_t version, struct maat_error *err)
{
    sqlite3_stmt *q = NULL;
    MAAT_TRY(prepare(st,
                     "INSERT OR REPLACE INTO maat_kv (ns, key, value, version, updated_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
                     &q, err));
    int rc = -1;
    if (bind_text(q, 1, ns) || bind_text(q, 2, key) ||
        sqlite3_bind_blob64(q, 3, val, (sqlite3_uint64)len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 4, (sqlite3_int64)version) != SQLITE_OK ||
        sqlite3_bind_int64(q, 5, (sqlite3_int64)time(NULL)) != SQLITE_OK) {
        db_fail(st, "bind", err);
        goto done;
    }
    if (sqlite3_step(q) != SQLITE_DONE) {
        db_fail(st, "write", err);
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(q);
    return rc;
}

/* One op of a batch, inside its transaction. */
static int batch_one(struct sqlite_store *st, struct maat_store_op *o, bool *conflict,
                     struct maat_error *err)
{
    if (o->kind == MAAT_STORE_OP_PUT)
        return put_locked(st, o->ns, o->key, o->val == NULL ? "" : o->val, o->len, o->expected,
                          conflict, &o->version, err);
    uint64_t cur = 0;
    MAAT_TRY(current_version(st, o->ns, o->key, &cur, err));
    if (o->kind == MAAT_STORE_OP_CHECK) {
        o->version = cur;
        if (o->expected == UINT64_MAX && cur == 0) {
            *conflict = true;
            return maat_error_set(err, MAAT_ERR_VALUE,
                                  "store: %s/%s is absent, expected it present (changed "
                                  "concurrently)",
                                  o->ns, o->key);
        }
        if (o->expected != UINT64_MAX && cur != o->expected)
            return version_conflict(o->ns, o->key, cur, o->expected, conflict, err);
        return 0;
    }
    if (o->expected != UINT64_MAX && cur != o->expected)
        return version_conflict(o->ns, o->key, cur, o->expected, conflict, err);
    if (cur == 0) return 0;
    bool existed = false;
    return do_del(st, o->ns, o->key, &existed, err);
}

/* BEGIN IMMEDIATE takes the database's write lock: no other writer, in this process or
 * another, commits between the checks and the writes. */
static int do_batch(struct sqlite_store *st, struct maat_store_op *const *ops, size_t n,
                    size_t *failed, bool *conflict, struct maat_error *err)
{
    *failed = n;
    MAAT_TRY(exec(st, "BEGIN IMMEDIATE", err));
    for (size_t i = 0; i < n; i++)
        if (batch_one(st, ops[i], conflict, err) != 0) {
            *failed = i;
            goto fail;
        }
    if (exec(st, "COMMIT", err) == 0) return 0;
fail:
    (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* ---- ops table (store.c holds the handle's mutex around each call) ---- */

static int op_get(struct maat_store *s, const char *ns, const char *key, uint8_t **val, size_t *len,
                  uint64_t *version, struct maat_error *err)
{
    return do_get(impl(s), ns, key, val, len, version, err);
}

static int op_put(struct maat_store *s, const char *ns, const char *key, const void *val, size_t len,
                  uint64_t expected, bool *conflict, uint64_t *new_version, struct maat_error *err)
{
    return do_put(impl(s), ns, key, val, len, expected, conflict, new_version, err);
}

static int op_del(struct maat_store *s, const char *ns, const char *key, bool *existed,
                  struct maat_error *err)
{
    return do_del(impl(s), ns, key, existed, err);
}

static int op_list(struct maat_store *s, const char *ns, const char *prefix, maat_store_list_cb cb,
                   void *ctx, struct maat_error *err)
{
    return do_list(impl(s), ns, prefix, cb, ctx, err);
}

static int op_info(struct maat_store *s, const char *what, char *buf, size_t cap,
                   struct maat_error *err)
{
    return do_info(impl(s), what, buf, cap, err);
}

static int op_namespaces(struct maat_store *s, maat_store_ns_cb cb, void *ctx, struct maat_error *err)
{
    return do_namespaces(impl(s), cb, ctx, err);
}

static int op_restore(struct maat_store *s, const char *ns, const char *key, const void *val,
                      size_t len, uint64_t version, struct maat_error *err)
{
    return do_restore(impl(s), ns, key, val, len, version, err);
}

static int op_batch(struct maat_store *s, struct maat_store_op *const *ops, size_t n,
                    size_t *failed, bool *conflict, struct maat_error *err)
{
    return do_batch(impl(s), ops, n, failed, conflict, err);
}

static void op_close(struct maat_store *s)
{
    struct sqlite_store *st = impl(s);
    if (st->db != NULL) sqlite3_close_v2(st->db);
    maat_store_handle_cleanup(&st->base);
    free(st->path);
    free(st);
}

static const struct maat_store_ops sqlite_ops = {
    .name = "sqlite",
    .get = op_get,
    .put = op_put,
    .del = op_del,
    .list = op_list,
    .info = op_info,
    .close = op_close,
    .namespaces = op_namespaces,
    .restore = op_restore,
    .batch = op_batch,
};

/* A store file group or others may read or write is refused, not repaired: the service
 * keeps its signing private keys here, so a world-readable copy may already have leaked
 * and a silent chmod would hide that. The message names the file, its mode and the fix. */
static int check_mode(const char *file, const struct stat *sb, struct maat_error *err)
{
    MAAT_ENSURE(S_ISREG(sb->st_mode), err, MAAT_ERR_VALUE,
                "store %s: not a regular file (mode %06o)", file, (unsigned)sb->st_mode);
    unsigned perm = (unsigned)(sb->st_mode & 07777);
    MAAT_ENSURE((perm & 077) == 0, err, MAAT_ERR_VALUE,
                "store %s: mode %04o lets group/other access it, expected 0600 (it holds "
                "signing private keys); refusing to use it: check who read it, then run "
                "'chmod 600 %s'",
                file, perm, file);
    return 0;
}

/* SQLite's side files (-wal, -shm, -journal) hold the same data as the database. SQLite
 * creates them with the database's mode (so 0600 here); ones that already exist are used
 * as they are, so each is checked like the database: before opening and after the first
 * write created them. Absent is fine. */
static int check_side_files(const char *path, struct maat_error *err)
{
    static const char *const suffix[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char side[4200];
        int n = snprintf(side, sizeof side, "%s%s", path, suffix[i]);
        MAAT_ENSURE(n > 0 && (size_t)n < sizeof side, err, MAAT_ERR_USAGE,
                    "store %s: path too long", path);
        struct stat sb;
        if (stat(side, &sb) != 0) {
            MAAT_ENSURE(errno == ENOENT, err, MAAT_ERR_IO, "store %s: cannot stat: %s", side,
                        strerror(errno));
            continue;
        }
        MAAT_TRY(check_mode(side, &sb, err));
    }
    return 0;
}

/* Creates the file with mode 0600 unless it exists (SQLite would use 0644 less the
 * umask); an existing file must already be private (check_mode). */
static int precreate(const char *path, struct maat_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    MAAT_ENSURE(fd >= 0, err, MAAT_ERR_IO, "store %s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    int rc = fstat(fd, &sb) == 0 ? check_mode(path, &sb, err)
                                 : maat_error_set(err, MAAT_ERR_IO, "store %s: cannot stat: %s",
                                                  path, strerror(errno));
    close(fd);
    if (rc != 0) return rc;
    return check_side_files(path, err);
}

static int schema(struct sqlite_store *st, struct maat_error *err)
{
    char mode[16];
    MAAT_TRY(exec(st, "PRAGMA journal_mode = WAL", err));
    MAAT_TRY(do_info(st, "journal_mode", mode, sizeof mode, err));
    MAAT_ENSURE(!strcmp(mode, "wal"), err, MAAT_ERR_IO,
                "store %s: cannot switch to WAL mode (journal_mode is '%s')", st->path, mode);
    MAAT_TRY(exec(st, "PRAGMA synchronous = NORMAL", err));
    MAAT_TRY(exec(st,
                  "BEGIN IMMEDIATE;"
                  "CREATE TABLE IF NOT EXISTS maat_meta (name TEXT PRIMARY KEY, "
                  "  value TEXT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS maat_kv (ns TEXT NOT NULL, key TEXT NOT NULL, "
                  "  value BLOB NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
                  "  PRIMARY KEY (ns, key)) WITHOUT ROWID;"
                  "INSERT OR IGNORE INTO maat_meta (name, value) VALUES ('schema', '1');"
                  "COMMIT;",
                  err));
    char v[16];
    MAAT_TRY(do_info(st, "schema", v, sizeof v, err));
    MAAT_ENSURE(atoi(v) == SQLITE_SCHEMA_VERSION, err, MAAT_ERR_UNSUPPORTED,
                "store %s: schema version %s, this maat understands %d", st->path, v,
                SQLITE_SCHEMA_VERSION);
    return 0;
}

int maat_store_sqlite_open(const char *path, struct maat_store **out, struct maat_error *err)
{
    MAAT_ENSURE(path != NULL && *path != '\0' && out != NULL, err, MAAT_ERR_USAGE,
                "store: sqlite needs a file path");
    *out = NULL;
    MAAT_TRY(precreate(path, err));
    struct sqlite_store *st = calloc(1, sizeof *st);
    MAAT_ENSURE(st != NULL, err, MAAT_ERR_NOMEM, "store: out of memory");
    maat_store_handle_init(&st->base, &sqlite_ops);
    st->path = strdup(path);
    if (st->path == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "store: out of memory");
        goto fail;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        if (st->db == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "store %s: out of memory", path);
            goto fail;
        }
        db_fail(st, "open", err);
        goto fail;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    if (schema(st, err) != 0) goto fail;
    /* the schema write created -wal and -shm: confirm they came out private */
    if (check_side_files(path, err) != 0) goto fail;
    *out = &st->base;
    return 0;
fail:
    op_close(&st->base);
    return -1;
}
