/*
 * postgres.c - the shared store backend: one PostgreSQL database on libpq, the same two
 * tables as the SQLite backend (maat_meta: the schema-version row; maat_kv: (ns, key) ->
 * (bytea value, version, updated_at)), for several maatd replicas sharing one store.
 *
 * - The URI is libpq's (postgresql:// or postgres://): sslmode, connect_timeout and the
 *   other query parameters, and the PG* environment variables, work as libpq documents.
 *   connect_timeout defaults to 10 s (unless the URI or PGCONNECT_TIMEOUT says otherwise)
 *   and statement_timeout to 10 s (unless the session already has one), so no call can
 *   hang. Messages show the URI with its password masked, and scrub the password from
 *   anything the server or libpq says.
 * - Schema: created on first open and versioned by the row maat_meta('schema'); creation
 *   and migration run in one transaction under pg_advisory_xact_lock, so replicas starting
 *   together on an empty database make one schema. A newer version than this binary knows
 *   is refused.
 * - Compare-and-swap is one statement (INSERT ... ON CONFLICT DO NOTHING / UPDATE ...
 *   WHERE version = $n, each RETURNING the new version): atomic across replicas without
 *   an explicit transaction. A batch (maat_store_batch) is one transaction: its CHECKs
 *   lock their rows (SELECT ... FOR UPDATE, in key order), its writes are the same
 *   statements; never reconnected or retried part-way.
 * - Keys and namespaces are text COLLATE "C": key order is byte order, as in SQLite.
 * - Change feed (maat_store_watch_*): a trigger on maat_kv (maat_kv_notify, created under the
 *   schema lock when absent; not part of the versioned layout, so older binaries keep working)
 *   runs pg_notify('maat_changes', ns || '/' || key) for every row written or deleted, by any
 *   writer; a watch is its own connection doing LISTEN maat_changes.
 * - A broken connection is re-established on the next call, at most one attempt per call
 *   and not before a backoff (100 ms doubling to 5 s) since the last failed attempt. Reads
 *   are retried once on a fresh connection; writes are not (whether a write that lost its
 *   connection committed is unknown, so it is reported as failed).
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "store.h"

#define PG_SCHEMA_VERSION 1
#define STR_(x) #x
#define STR(x) STR_(x)
#define PG_LOCK_ID "7882809845563651175" /* pg_advisory_xact_lock key: "maatstor" */
#define DEFAULT_CONNECT_TIMEOUT "10"
#define DEFAULT_STATEMENT_TIMEOUT "10s"
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct pg_store {
    struct maat_store base; /* first: the generic handle */
    PGconn *conn;
    char *uri;      /* as given: only ever passed to libpq */
    char *shown;    /* redacted, for messages */
    char *password; /* from the URI (or PGPASSWORD), scrubbed from messages; may be NULL */
    long backoff_ms;
    struct timespec last_fail; /* of the last failed (re)connect */
    bool in_tx;                /* inside a batch: never reconnect or retry */
};

static struct pg_store *impl(struct maat_store *s)
{
    return (struct pg_store *)(void *)s;
}

/* ---- messages ---- */

/* libpq's or the server's message on one line, with the password replaced by "***". */
static void clean_msg(const struct pg_store *st, const char *in, char *out, size_t cap)
{
    size_t at = 0;
    const char *pw = st->password;
    size_t pwlen = pw != NULL ? strlen(pw) : 0;
    while (in != NULL && *in != '\0' && at + 1 < cap) {
        if (pwlen > 0 && !strncmp(in, pw, pwlen)) {
            for (const char *m = "***"; *m != '\0' && at + 1 < cap; m++) out[at++] = *m;
            in += pwlen;
            continue;
        }
        char c = *in++;
        out[at++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    while (at > 0 && out[at - 1] == ' ') at--;
    out[at] = '\0';
}

static int pg_fail(struct pg_store *st, const PGresult *res, const char *doing, struct maat_error *err)
{
    char msg[400];
    const char *raw = res != NULL ? PQresultErrorMessage(res) : NULL;
    if (raw == NULL || *raw == '\0') raw = st->conn != NULL ? PQerrorMessage(st->conn) : "";
    clean_msg(st, raw, msg, sizeof msg);
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    maat_err code = MAAT_ERR_IO;
    if (state != NULL && !strcmp(state, "54000")) code = MAAT_ERR_TOO_LARGE;
    if (state != NULL && !strcmp(state, "53200")) code = MAAT_ERR_NOMEM;
    return maat_error_set(err, code, "store %s: %s: %s%s%s%s", st->shown, doing,
                          msg[0] ? msg : "failed", state ? " (sqlstate " : "", state ? state : "",
                          state ? ")" : "");
}

/* ---- connection ---- */

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "relation already exists, skipping" and the like */
}

/* Connects (replacing any old connection) and sets the session up. */
static int connect_db(struct pg_store *st, struct maat_error *err)
{
    if (st->conn != NULL) PQfinish(st->conn);
    const char *kw[5], *val[5];
    int n = 0;
    if (getenv("PGCONNECT_TIMEOUT") == NULL) {
        kw[n] = "connect_timeout";
        val[n++] = DEFAULT_CONNECT_TIMEOUT;
    }
    kw[n] = "client_encoding";
    val[n++] = "UTF8";
    kw[n] = "fallback_application_name";
    val[n++] = "maat";
    kw[n] = "dbname"; /* expanded: the URI's own settings override the defaults above */
    val[n++] = st->uri;
    kw[n] = NULL;
    val[n] = NULL;
    st->conn = PQconnectdbParams(kw, val, 1);
    if (st->conn == NULL)
        return maat_error_set(err, MAAT_ERR_NOMEM, "store %s: out of memory connecting", st->shown);
    if (PQstatus(st->conn) != CONNECTION_OK) {
        char msg[320];
        clean_msg(st, PQerrorMessage(st->conn), msg, sizeof msg);
        const char *h = PQhost(st->conn), *p = PQport(st->conn);
        /* host and cause first: a long URI must not push them out of the message */
        maat_error_set(err, MAAT_ERR_IO,
                       "store: cannot connect to the database at host %s port %s: %s (store %s)",
                       h != NULL && *h ? h : "(default)", p != NULL && *p ? p : "(default)",
                       msg[0] ? msg : "unknown error", st->shown);
        PQfinish(st->conn);
        st->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(st->conn, quiet_notices, NULL);
    /* bounded statements unless the session (URI options, PGOPTIONS, role) set a bound */
    PGresult *r = PQexec(st->conn,
                         "SELECT set_config('statement_timeout', '" DEFAULT_STATEMENT_TIMEOUT
                         "', false) WHERE current_setting('statement_timeout') = '0'");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) pg_fail(st, r, "setting statement_timeout", err);
    PQclear(r);
    if (!ok) {
        PQfinish(st->conn);
        st->conn = NULL;
        return -1;
    }
    return 0;
}

/* Before each call: a live connection, reconnecting (with backoff) when it broke. */
static int ensure_conn(struct pg_store *st, struct maat_error *err)
{
    if (st->conn != NULL && PQstatus(st->conn) == CONNECTION_OK) return 0;
    if (st->backoff_ms > 0 && ms_since(&st->last_fail) < st->backoff_ms)
        return maat_error_set(err, MAAT_ERR_IO,
                              "store %s: the database connection is down; next reconnect "
                              "attempt in %ld ms",
                              st->shown, st->backoff_ms - ms_since(&st->last_fail));
    if (connect_db(st, err) != 0) {
        clock_gettime(CLOCK_MONOTONIC, &st->last_fail);
        st->backoff_ms = st->backoff_ms == 0                   ? BACKOFF_MIN_MS
                         : st->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                               : st->backoff_ms * 2;
        return -1;
    }
    st->backoff_ms = 0;
    return 0;
}

static bool conn_broken(const struct pg_store *st)
{
    return st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK;
}

/* Runs one parameterised statement with binary results. Parameters are text except
 * those flagged in `binary` (bytea values). A read (`retry`) whose connection broke is
 * run once more on a fresh connection. Returns the result (PQclear it) or NULL with err
 * set when the status is not `want`. */
static PGresult *run(struct pg_store *st, const char *sql, int n, const char *const *vals,
                     const int *lens, const int *binary, ExecStatusType want, bool retry,
                     const char *doing, struct maat_error *err)
{
    if (st->in_tx) retry = false; /* a fresh connection would not be in the transaction */
    for (int attempt = 0;; attempt++) {
        if (st->in_tx && conn_broken(st)) {
            maat_error_set(err, MAAT_ERR_IO, "store %s: %s: connection lost in a transaction",
                           st->shown, doing);
            return NULL;
        }
        if (!st->in_tx && ensure_conn(st, err) != 0) return NULL;
        PGresult *r = PQexecParams(st->conn, sql, n, NULL, vals, lens, binary, 1);
        if (PQresultStatus(r) == want) return r;
        if (retry && attempt == 0 && conn_broken(st)) {
            PQclear(r);
            continue;
        }
        pg_fail(st, r, doing, err);
        if (!retry && conn_broken(st))
            maat_error_prefix(err, "connection lost: the write may or may not have been applied");
        PQclear(r);
        return NULL;
    }
}

static uint64_t get_u64(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    if (PQgetlength(r, row, col) != 8) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

/* A text column (binary format: raw bytes) into a NUL-terminated buffer. */
static int get_name(struct pg_store *st, const PGresult *r, int row, int col,
                    char out[MAAT_STORE_NAME_MAX + 1], struct maat_error *err)
{
    int n = PQgetlength(r, row, col);
    MAAT_ENSURE(n >= 0 && n <= MAAT_STORE_NAME_MAX, err, MAAT_ERR_TOO_LARGE,
                "store %s: a stored name is %d bytes, more than %d", st->shown, n,
                MAAT_STORE_NAME_MAX);
    memcpy(out, PQgetvalue(r, row, col), (size_t)n);
    out[n] = '\0';
    return 0;
}

/* ---- operations (store.c holds the handle's mutex around each call) ---- */

static int do_get(struct pg_store *st, const char *ns, const char *key, uint8_t **val, size_t *len,
                  uint64_t *version, struct maat_error *err)
{
    const char *p[2] = {ns, key};
    PGresult *r = run(st, "SELECT value, version FROM maat_kv WHERE ns = $1 AND key = $2", 2, p,
                      NULL, NULL, PGRES_TUPLES_OK, true, "read", err);
    if (r == NULL) return -1;
    int rc = -1;
    if (PQntuples(r) == 0) {
        maat_error_set(err, MAAT_ERR_NOT_FOUND, "store: no record %s/%s", ns, key);
        goto done;
    }
    int n = PQgetlength(r, 0, 0);
    *val = malloc((size_t)n + 1);
    if (*val == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "store: out of memory reading %s/%s", ns, key);
        goto done;
    }
    if (n > 0) memcpy(*val, PQgetvalue(r, 0, 0), (size_t)n);
    (*val)[n] = 0;
    *len = (size_t)n;
    *version = get_u64(r, 0, 1);
    rc = 0;
done:
    PQclear(r);
    return rc;
}

/* The statement of a versioned put: 1 = written (*new_version set), 0 = its condition
 * failed, -1 = error. */
static int put_stmt(struct pg_store *st, const char *ns, const char *key, const void *val,
                    size_t len, uint64_t expected, uint64_t *new_version, struct maat_error *err)
{
    MAAT_ENSURE(len <= (size_t)INT32_MAX, err, MAAT_ERR_TOO_LARGE, "store: value too large");
    char now[24], exp[24];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    snprintf(exp, sizeof exp, "%llu", (unsigned long long)expected);
    const char *p[5] = {ns, key, val, now, exp};
    int lens[5] = {0, 0, (int)len, 0, 0};
    int bin[5] = {0, 0, 1, 0, 0};
    const char *sql;
    int n = 4;
    if (expected == UINT64_MAX)
        sql = "INSERT INTO maat_kv (ns, key, value, version, updated_at) "
              "VALUES ($1, $2, $3, 1, $4) ON CONFLICT (ns, key) DO UPDATE SET "
              "value = EXCLUDED.value, version = maat_kv.version + 1, "
              "updated_at = EXCLUDED.updated_at RETURNING version";
    else if (expected == 0)
        sql = "INSERT INTO maat_kv (ns, key, value, version, updated_at) "
              "VALUES ($1, $2, $3, 1, $4) ON CONFLICT (ns, key) DO NOTHING RETURNING version";
    else {
        MAAT_ENSURE(expected <= (uint64_t)INT64_MAX, err, MAAT_ERR_VALUE,
                    "store: %s/%s: expected version %llu out of range", ns, key,
                    (unsigned long long)expected);
        sql = "UPDATE maat_kv SET value = $3, version = version + 1, updated_at = $4 "
              "WHERE ns = $1 AND key = $2 AND version = $5 RETURNING version";
        n = 5;
    }
    PGresult *r = run(st, sql, n, p, lens, bin, PGRES_TUPLES_OK, false, "write", err);
    if (r == NULL) return -1;
    int written = PQntuples(r) == 1;
    if (written) *new_version = get_u64(r, 0, 0);
    PQclear(r);
    return written;
}

/* A failed condition: the current version only makes the message say why. */
static int version_conflict(struct pg_store *st, const char *ns, const char *key, uint64_t expected,
                            bool *conflict, struct maat_error *err)
{
    *conflict = true;
    uint64_t cur = 0;
    const char *q[2] = {ns, key};
    PGresult *r = run(st, "SELECT version FROM maat_kv WHERE ns = $1 AND key = $2", 2, q, NULL,
                      NULL, PGRES_TUPLES_OK, true, "read version", NULL);
    if (r != NULL && PQntuples(r) == 1) cur = get_u64(r, 0, 0);
    PQclear(r);
    if (expected == UINT64_MAX)
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "store: %s/%s is absent, expected it present (changed "
                              "concurrently)",
                              ns, key);
    return maat_error_set(err, MAAT_ERR_VALUE,
                          "store: %s/%s is at version %llu, expected %llu (changed concurrently)",
                          ns, key, (unsigned long long)cur, (unsigned long long)expected);
}

static int do_put(struct pg_store *st, const char *ns, const char *key, const void *val, size_t len,
                  uint64_t expected, bool *conflict, uint64_t *new_version, struct maat_error *err)
{
    int w = put_stmt(st, ns, key, val, len, expected, new_version, err);
    if (w < 0) return -1;
    if (w == 1) return 0;
    return version_conflict(st, ns, key, expected, conflict, err);
}

static int do_restore(struct pg_store *st, const char *ns, const char *key, const void *val,
                      size_t len, uint64_t version, struct maat_error *err)
{
    MAAT_ENSURE(len <= (size_t)INT32_MAX, err, MAAT_ERR_TOO_LARGE, "store: value too large");
    char now[24], ver[24];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    snprintf(ver, sizeof ver, "%llu", (unsigned long long)version);
    const char *p[5] = {ns, key, val, ver, now};
    int lens[5] = {0, 0, (int)len, 0, 0};
    int bin[5] = {0, 0, 1, 0, 0};
    PGresult *r = run(st,
                      "INSERT INTO maat_kv (ns, key, value, version, updated_at) "
                      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ns, key) DO UPDATE SET "
                      "value = EXCLUDED.value, version = EXCLUDED.version, "
                      "updated_at = EXCLUDED.updated_at",
                      5, p, lens, bin, PGRES_COMMAND_OK, false, "write", err);
    if (r == NULL) return -1;
    PQclear(r);
    return 0;
}

static int do_del(struct pg_store *st, const char *ns, const char *key, bool *existed,
                  struct maat_error *err)
{
    const char *p[2] = {ns, key};
    PGresult *r = run(st, "DELETE FROM maat_kv WHERE ns = $1 AND key = $2", 2, p, NULL, NULL,
                      PGRES_COMMAND_OK, false, "delete", err);
    if (r == NULL) return -1;
    *existed = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    return 0;
}

/* Rows arrive one at a time (single-row mode): a namespace larger than memory is fine. */
static int do_list(struct pg_store *st, const char *ns, const char *prefix, maat_store_list_cb cb,
                   void *ctx, struct maat_error *err)
{
    const char *p[2] = {ns, prefix};
    for (int attempt = 0;; attempt++) {
        if (ensure_conn(st, err) != 0) return -1;
        if (PQsendQueryParams(st->conn,
                              "SELECT key, value, version FROM maat_kv WHERE ns = $1 AND "
                              "starts_with(key, $2) ORDER BY key",
                              2, NULL, p, NULL, NULL, 1) == 1)
            break;
        if (attempt == 0 && conn_broken(st)) continue;
        return pg_fail(st, NULL, "list", err);
    }
    (void)PQsetSingleRowMode(st->conn); /* if refused, all rows come in one result */
    int rc = 0;
    bool failed = false;
    char key[MAAT_STORE_NAME_MAX + 1];
    PGresult *r;
    while ((r = PQgetResult(st->conn)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK) {
            if (!failed && rc == 0) pg_fail(st, r, "list", err);
            failed = true;
        }
        for (int i = 0; !failed && rc == 0 && i < PQntuples(r); i++) {
            if (get_name(st, r, i, 0, key, err) != 0) {
                failed = true;
                break;
            }
            rc = cb(ctx, key, (const uint8_t *)PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1),
                    get_u64(r, i, 2));
        }
        PQclear(r); /* after a stop or a failure: drain the rest */
    }
    return failed ? -1 : rc;
}

static int do_namespaces(struct pg_store *st, maat_store_ns_cb cb, void *ctx, struct maat_error *err)
{
    PGresult *r = run(st, "SELECT ns, count(*) FROM maat_kv GROUP BY ns ORDER BY ns", 0, NULL, NULL,
                      NULL, PGRES_TUPLES_OK, true, "list namespaces", err);
    if (r == NULL) return -1;
    int rc = 0;
    char ns[MAAT_STORE_NAME_MAX + 1];
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        if (get_name(st, r, i, 0, ns, err) != 0) {
            rc = -1;
            break;
        }
        rc = cb(ctx, ns, get_u64(r, i, 1));
    }
    PQclear(r);
    return rc;
}

/* ---- batches: one transaction (store.h, maat_store_batch) ---- */

static int batch_one(struct pg_store *st, struct maat_store_op *o, bool *conflict,
                     struct maat_error *err)
{
    char exp[24];
    snprintf(exp, sizeof exp, "%llu", (unsigned long long)o->expected);
    const char *p[3] = {o->ns, o->key, exp};
    if (o->kind == MAAT_STORE_OP_PUT) {
        int w = put_stmt(st, o->ns, o->key, o->val == NULL ? "" : o->val, o->len, o->expected,
                         &o->version, err);
        if (w < 0) return -1;
        return w == 1 ? 0 : version_conflict(st, o->ns, o->key, o->expected, conflict, err);
    }
    if (o->kind == MAAT_STORE_OP_CHECK || o->expected == 0) {
        /* FOR UPDATE: the row stays locked until the transaction ends; a writer that got
         * there first is waited for, and then its outcome is what is checked */
        PGresult *r = run(st, "SELECT version FROM maat_kv WHERE ns = $1 AND key = $2 FOR UPDATE",
                          2, p, NULL, NULL, PGRES_TUPLES_OK, false, "check", err);
        if (r == NULL) return -1;
        uint64_t cur = PQntuples(r) == 1 ? get_u64(r, 0, 0) : 0;
        PQclear(r);
        o->version = cur;
        bool held = o->expected == UINT64_MAX ? cur != 0 : cur == o->expected;
        return held ? 0 : version_conflict(st, o->ns, o->key, o->expected, conflict, err);
    }
    PGresult *r;
    if (o->expected == UINT64_MAX)
        r = run(st, "DELETE FROM maat_kv WHERE ns = $1 AND key = $2", 2, p, NULL, NULL,
                PGRES_COMMAND_OK, false, "delete", err);
    else
        r = run(st, "DELETE FROM maat_kv WHERE ns = $1 AND key = $2 AND version = $3", 3, p, NULL,
                NULL, PGRES_COMMAND_OK, false, "delete", err);
    if (r == NULL) return -1;
    bool gone = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    if (o->expected != UINT64_MAX && !gone)
        return version_conflict(st, o->ns, o->key, o->expected, conflict, err);
    return 0;
}

/* READ COMMITTED: each conditional statement re-evaluates its condition on the row a
 * concurrent writer committed (after waiting for its lock), and CHECK rows are locked. A
 * connection lost part-way rolls the transaction back on the server; lost at COMMIT, the
 * outcome is unknown and reported so. */
static int do_batch(struct pg_store *st, struct maat_store_op *const *ops, size_t n, size_t *failed,
                    bool *conflict, struct maat_error *err)
{
    *failed = n;
    MAAT_TRY(ensure_conn(st, err));
    PGresult *r = PQexec(st->conn, "BEGIN");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) pg_fail(st, r, "begin", err);
    PQclear(r);
    if (!ok) return -1;
    st->in_tx = true;
    for (size_t i = 0; i < n; i++)
        if (batch_one(st, ops[i], conflict, err) != 0) {
            *failed = i;
            goto rollback;
        }
    r = PQexec(st->conn, "COMMIT");
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        pg_fail(st, r, "commit", err);
        if (conn_broken(st))
            maat_error_prefix(err, "connection lost: the write may or may not have been applied");
    }
    PQclear(r);
    st->in_tx = false;
    return ok ? 0 : -1;
rollback:
    if (!conn_broken(st)) PQclear(PQexec(st->conn, "ROLLBACK"));
    st->in_tx = false;
    return -1;
}

static int read_schema(struct pg_store *st, char *buf, size_t cap, struct maat_error *err)
{
    PGresult *r = run(st, "SELECT value FROM maat_meta WHERE name = 'schema'", 0, NULL, NULL, NULL,
                      PGRES_TUPLES_OK, true, "schema", err);
    if (r == NULL) return -1;
    int ok = PQntuples(r) == 1;
    if (ok) snprintf(buf, cap, "%.*s", PQgetlength(r, 0, 0), PQgetvalue(r, 0, 0));
    PQclear(r);
    MAAT_ENSURE(ok, err, MAAT_ERR_NOT_FOUND, "store %s: maat_meta has no schema row", st->shown);
    return 0;
}

static int do_info(struct pg_store *st, const char *what, char *buf, size_t cap,
                   struct maat_error *err)
{
    if (!strcmp(what, "path")) {
        snprintf(buf, cap, "%s", st->shown);
        return 0;
    }
    if (!strcmp(what, "schema")) return read_schema(st, buf, cap, err);
    if (!strcmp(what, "host") || !strcmp(what, "server_version")) {
        MAAT_TRY(ensure_conn(st, err));
        if (!strcmp(what, "host"))
            snprintf(buf, cap, "%s:%s", PQhost(st->conn), PQport(st->conn));
        else {
            const char *v = PQparameterStatus(st->conn, "server_version");
            snprintf(buf, cap, "%s", v != NULL ? v : "");
        }
        return 0;
    }
    if (!strcmp(what, "statement_timeout")) {
        PGresult *r = run(st, "SELECT current_setting('statement_timeout')", 0, NULL, NULL, NULL,
                          PGRES_TUPLES_OK, true, "statement_timeout", err);
        if (r == NULL) return -1;
        snprintf(buf, cap, "%.*s", PQgetlength(r, 0, 0), PQgetvalue(r, 0, 0));
        PQclear(r);
        return 0;
    }
    return maat_error_set(err, MAAT_ERR_USAGE, "store: no info item '%s'", what);
}

/* ---- schema: created or migrated in one transaction under an advisory lock ---- */

/* migrations[v] takes a database at schema version v to v + 1 (0 = empty database). */
static const char *const migrations[PG_SCHEMA_VERSION] = {
    "CREATE TABLE maat_meta (name text COLLATE \"C\" PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE maat_kv (ns text COLLATE \"C\" NOT NULL, key text COLLATE \"C\" NOT NULL, "
    "  value bytea NOT NULL, version bigint NOT NULL, updated_at bigint NOT NULL, "
    "  PRIMARY KEY (ns, key));",
};

static int exec_simple(struct pg_store *st, const char *sql, const char *doing, struct maat_error *err)
{
    PGresult *r = PQexec(st->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : pg_fail(st, r, doing, err);
    PQclear(r);
    return rc;
}

/* The change-feed trigger (see the top of this file), made once per database. */
static int notify_trigger(struct pg_store *st, struct maat_error *err)
{
    PGresult *r = PQexec(st->conn, "SELECT 1 FROM pg_trigger WHERE tgname = 'maat_kv_notify' "
                                   "AND tgrelid = 'maat_kv'::regclass");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        pg_fail(st, r, "reading the change-feed trigger", err);
        PQclear(r);
        return -1;
    }
    bool present = PQntuples(r) == 1;
    PQclear(r);
    if (present) return 0;
    return exec_simple(st,
                       "CREATE OR REPLACE FUNCTION maat_kv_notify() RETURNS trigger "
                       "LANGUAGE plpgsql AS $$ BEGIN "
                       "IF TG_OP = 'DELETE' THEN "
                       "PERFORM pg_notify('maat_changes', OLD.ns || '/' || OLD.key); "
                       "ELSE PERFORM pg_notify('maat_changes', NEW.ns || '/' || NEW.key); END IF; "
                       "RETURN NULL; END $$;"
                       "CREATE TRIGGER maat_kv_notify AFTER INSERT OR UPDATE OR DELETE ON maat_kv "
                       "FOR EACH ROW EXECUTE FUNCTION maat_kv_notify();",
                       "creating the change-feed trigger", err);
}

static int schema_locked(struct pg_store *st, struct maat_error *err)
{
    MAAT_TRY(exec_simple(st, "SELECT pg_advisory_xact_lock(" PG_LOCK_ID ")", "schema lock", err));
    PGresult *r = PQexec(st->conn, "SELECT to_regclass('maat_meta') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        pg_fail(st, r, "reading the schema", err);
        PQclear(r);
        return -1;
    }
    bool exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    long v = 0;
    if (exists) {
        char buf[32];
        r = PQexec(st->conn, "SELECT value FROM maat_meta WHERE name = 'schema'");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            pg_fail(st, r, "reading the schema version", err);
            PQclear(r);
            return -1;
        }
        int rows = PQntuples(r);
        if (rows == 1) snprintf(buf, sizeof buf, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        MAAT_ENSURE(rows == 1, err, MAAT_ERR_VALUE,
                    "store %s: table maat_meta exists but has no schema-version row "
                    "(name 'schema'); refusing to guess the schema",
                    st->shown);
        char *end = NULL;
        v = strtol(buf, &end, 10);
        MAAT_ENSURE(end != buf && *end == '\0' && v >= 1, err, MAAT_ERR_VALUE,
                    "store %s: maat_meta schema-version row holds '%.20s', expected a "
                    "positive integer",
                    st->shown, buf);
        MAAT_ENSURE(v <= PG_SCHEMA_VERSION, err, MAAT_ERR_UNSUPPORTED,
                    "store %s: the database has schema version %ld, newer than this maat "
                    "understands (%d): upgrade maat (a newer replica migrated it); refusing "
                    "to use it",
                    st->shown, v, PG_SCHEMA_VERSION);
    }
    if (v != PG_SCHEMA_VERSION) {
        for (; v < PG_SCHEMA_VERSION; v++)
            MAAT_TRY(exec_simple(st, migrations[v], "migrating", err));
        MAAT_TRY(exec_simple(
            st,
            "INSERT INTO maat_meta (name, value) VALUES ('schema', '" STR(
                PG_SCHEMA_VERSION) "') "
                                   "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            "writing the schema version", err));
    }
    return notify_trigger(st, err);
}

static int schema(struct pg_store *st, struct maat_error *err)
{
    MAAT_TRY(exec_simple(st, "BEGIN", "schema", err));
    if (schema_locked(st, err) != 0 || exec_simple(st, "COMMIT", "schema commit", err) != 0) {
        PQclear(PQexec(st->conn, "ROLLBACK"));
        return -1;
    }
    return 0;
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
    struct pg_store *st = impl(s);
    if (st->conn != NULL) PQfinish(st->conn);
    maat_store_handle_cleanup(&st->base);
    free(st->uri);
    free(st->shown);
    if (st->password != NULL) {
        memset(st->password, 0, strlen(st->password));
        free(st->password);
    }
    free(st);
}

static const struct maat_store_ops pg_ops = {
    .name = "postgres",
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

/* The password libpq will use when it comes from the URI or PGPASSWORD (to scrub). */
static char *find_password(const char *uri)
{
    char *pw = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, NULL);
    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
        if (!strcmp(o->keyword, "password") && o->val != NULL && *o->val != '\0')
            pw = strdup(o->val);
    PQconninfoFree(opts);
    const char *env = getenv("PGPASSWORD");
    if (pw == NULL && env != NULL && *env != '\0') pw = strdup(env);
    return pw;
}

/* The password as written in the URI (between the user-info's ':' and its '@'), into buf
 * ("" when none): libpq's parse errors quote tokens that may be (part of) it. */
static void raw_password(const char *uri, char *buf, size_t cap)
{
    buf[0] = '\0';
    const char *p = strstr(uri, "://");
    if (p == NULL) return;
    p += 3;
    const char *at = memchr(p, '@', strcspn(p, "/"));
    const char *colon = at != NULL ? memchr(p, ':', (size_t)(at - p)) : NULL;
    if (colon != NULL) snprintf(buf, cap, "%.*s", (int)(at - colon - 1), colon + 1);
}

/* Masks each "quoted" token of msg (a buffer of cap bytes) that overlaps the raw
 * password; where "***" would not fit, the message ends before the token. */
static void mask_quoted(char *msg, size_t cap, const char *pw)
{
    if (*pw == '\0') return;
    for (char *q = strchr(msg, '"'); q != NULL;) {
        char *e = strchr(q + 1, '"');
        if (e == NULL) break;
        size_t n = (size_t)(e - q - 1);
        char tok[300];
        snprintf(tok, sizeof tok, "%.*s", (int)n, q + 1);
        if (n > 0 && (strstr(pw, tok) != NULL || strstr(tok, pw) != NULL)) {
            if (strlen(msg) + 3 - n >= cap) {
                *q = '\0';
                return;
            }
            memmove(q + 4, e, strlen(e) + 1);
            memcpy(q + 1, "***", 3);
            e = q + 4;
        }
        q = strchr(e + 1, '"');
    }
}

int maat_store_postgres_open(const char *uri, struct maat_store **out, struct maat_error *err)
{
    MAAT_ENSURE(uri != NULL && out != NULL, err, MAAT_ERR_USAGE, "store: postgres needs a URI");
    *out = NULL;
    char shown[1024];
    maat_store_redacted_uri(uri, shown, sizeof shown);
    /* libpq ends the user-info at the first '@': an unescaped '@' in a password would make
     * the rest of it the host name, shown in every message */
    const char *auth = strstr(uri, "://");
    auth = auth != NULL ? auth + 3 : uri;
    const char *at1 = memchr(auth, '@', strcspn(auth, "/"));
    MAAT_ENSURE(at1 == NULL || memchr(at1 + 1, '@', strcspn(at1 + 1, "/")) == NULL, err,
                MAAT_ERR_USAGE,
                "store %s: the URI's user-info holds more than one '@': percent-encode '@' in "
                "the user name or password as %%40",
                shown);
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &perr);
    if (opts == NULL) {
        char msg[300] = "", pw[256];
        if (perr != NULL) {
            struct pg_store tmp = {.password = NULL};
            clean_msg(&tmp, perr, msg, sizeof msg);
            PQfreemem(perr);
            raw_password(uri, pw, sizeof pw);
            mask_quoted(msg, sizeof msg, pw);
        }
        return maat_error_set(err, MAAT_ERR_USAGE, "store %s: not a valid PostgreSQL URI: %s",
                              shown, msg[0] ? msg : "out of memory");
    }
    PQconninfoFree(opts);
    struct pg_store *st = calloc(1, sizeof *st);
    MAAT_ENSURE(st != NULL, err, MAAT_ERR_NOMEM, "store: out of memory");
    maat_store_handle_init(&st->base, &pg_ops);
    st->uri = strdup(uri);
    st->shown = strdup(shown);
    st->password = find_password(uri);
    if (st->uri == NULL || st->shown == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "store: out of memory");
        goto fail;
    }
    /* start-up: one attempt, bounded by connect_timeout; the caller decides about retries */
    if (connect_db(st, err) != 0 || schema(st, err) != 0) goto fail;
    *out = &st->base;
    return 0;
fail:
    op_close(&st->base);
    return -1;
}

/* ---- change feed: a pg_store of its own, whose connection only LISTENs ---- */

struct maat_store_watch {
    struct pg_store *st;
};

int maat_store_postgres_watch_open(const char *uri, struct maat_store_watch **out,
                                   struct maat_error *err)
{
    *out = NULL;
    struct maat_store *s = NULL;
    MAAT_TRY(maat_store_postgres_open(uri, &s, err)); /* validates, connects, has the trigger */
    struct pg_store *st = impl(s);
    if (exec_simple(st, "LISTEN maat_changes", "LISTEN", err) != 0) {
        op_close(s);
        return -1;
    }
    struct maat_store_watch *w = calloc(1, sizeof *w);
    if (w == NULL) {
        op_close(s);
        return maat_error_set(err, MAAT_ERR_NOMEM, "store: out of memory");
    }
    w->st = st;
    *out = w;
    return 0;
}

int maat_store_watch_wait(struct maat_store_watch *w, int timeout_ms, maat_store_watch_cb cb,
                          void *ctx, struct maat_error *err)
{
    struct pg_store *st = w->st;
    MAAT_ENSURE(!conn_broken(st), err, MAAT_ERR_IO, "store %s: change feed: connection lost",
                st->shown);
    int n = 0;
    PGnotify *nt;
    if (PQconsumeInput(st->conn) == 1)
        while ((nt = PQnotifies(st->conn)) != NULL) { /* already buffered */
            cb(ctx, nt->extra);
            PQfreemem(nt);
            n++;
        }
    if (n > 0) return n;
    struct pollfd pfd = {.fd = PQsocket(st->conn), .events = POLLIN};
    MAAT_ENSURE(pfd.fd >= 0, err, MAAT_ERR_IO, "store %s: change feed: no socket", st->shown);
    int pr = poll(&pfd, 1, timeout_ms);
    if (pr <= 0) return 0; /* timeout (or EINTR: the caller waits again) */
    if (PQconsumeInput(st->conn) != 1 || conn_broken(st))
        return pg_fail(st, NULL, "change feed", err);
    while ((nt = PQnotifies(st->conn)) != NULL) {
        cb(ctx, nt->extra);
        PQfreemem(nt);
        n++;
    }
    return n;
}

void maat_store_watch_close(struct maat_store_watch *w)
{
    if (w == NULL) return;
    op_close(&w->st->base);
    free(w);
}
