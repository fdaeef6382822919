/* test_store.c - the store, run against each backend: put/get/replace/delete/list,
 * versions and compare-and-swap, persistence across reopen, namespaces and restore (for
 * `maat store copy`), argument checks, URI redaction, and concurrent readers (threads
 * sharing a handle and threads with their own handles) while a writer commits.
 *
 * Without MAAT_TEST_PG_URI it tests SQLite (a fresh file per test: WAL mode, mode 0600).
 * With it (set by tests/lib/pg.sh, ctest's test_store_postgres) it tests PostgreSQL on
 * that database (emptied before each test), plus what only PostgreSQL has: the
 * schema-version row, a newer schema refused, wrong credentials failing fast and naming
 * the host without the password, and replicas opening an empty database at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"
#include "testutil.h"

static char *dir;
static char path[4200];
static const char *pg_uri; /* NULL: the SQLite backend */
static char uri[4300];

static void no_notices(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* Runs SQL on the PostgreSQL test database (setup and PostgreSQL-only checks). */
static void pg_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_uri);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("psql: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, no_notices, NULL);
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    snprintf(path, sizeof path, "%s/maat.db", dir);
    if (pg_uri != NULL) {
        snprintf(uri, sizeof uri, "%s", pg_uri);
        pg_exec("DROP TABLE IF EXISTS maat_kv, maat_meta");
    } else {
        snprintf(uri, sizeof uri, "sqlite:%s", path);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    free(dir);
    return rc == 0 ? 0 : -1;
}

static struct maat_store *open_store(void)
{
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    if (maat_store_open(uri, &s, &err) != 0) fprintf(stderr, "open: %s\n", err.msg);
    assert_non_null(s);
    return s;
}

static void check_record(struct maat_store *s, const char *ns, const char *key, const char *want,
                         uint64_t want_version)
{
    uint8_t *v = NULL;
    size_t len = 0;
    uint64_t ver = 0;
    struct maat_error err = {0};
    assert_int_equal(maat_store_get(s, ns, key, &v, &len, &ver, &err), 0);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(v, want, len);
    assert_int_equal(v[len], 0);
    assert_int_equal(ver, want_version);
    free(v);
}

static void test_put_get_replace_delete(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    assert_string_equal(maat_store_backend(s), pg_uri != NULL ? "postgres" : "sqlite");
    uint64_t ver = 0;
    assert_int_equal(maat_store_put(s, "policies", "SgxEnclave", "allow", 5, &ver, &err), 0);
    assert_int_equal(ver, 1);
    check_record(s, "policies", "SgxEnclave", "allow", 1);
    /* same key in another namespace is another record */
    assert_int_equal(maat_store_put(s, "keys", "SgxEnclave", "k", 1, NULL, &err), 0);
    check_record(s, "keys", "SgxEnclave", "k", 1);
    /* replace bumps the version */
    assert_int_equal(maat_store_put(s, "policies", "SgxEnclave", "deny!", 5, &ver, &err), 0);
    assert_int_equal(ver, 2);
    check_record(s, "policies", "SgxEnclave", "deny!", 2);
    /* binary values with NULs and an empty value */
    const uint8_t bin[4] = {0, 0xff, 0, 1};
    assert_int_equal(maat_store_put(s, "blobs", "b", bin, 4, NULL, &err), 0);
    uint8_t *v = NULL;
    size_t len = 0;
    assert_int_equal(maat_store_get(s, "blobs", "b", &v, &len, NULL, &err), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(v, bin, 4);
    free(v);
    assert_int_equal(maat_store_put(s, "blobs", "empty", NULL, 0, NULL, &err), 0);
    check_record(s, "blobs", "empty", "", 1);
    /* delete */
    bool existed = false;
    assert_int_equal(maat_store_delete(s, "policies", "SgxEnclave", &existed, &err), 0);
    assert_true(existed);
    assert_int_equal(maat_store_delete(s, "policies", "SgxEnclave", &existed, &err), 0);
    assert_false(existed);
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_get(s, "policies", "SgxEnclave", &v, &len, NULL, &e2), -1);
    assert_int_equal(e2.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(e2.msg, "policies/SgxEnclave"));
    check_record(s, "keys", "SgxEnclave", "k", 1);
    maat_store_close(s);
}

static void test_compare_and_swap(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    bool conflict = true;
    uint64_t ver = 0;
    assert_int_equal(maat_store_put_if(s, "n", "k", "a", 1, 0, &conflict, &ver, &err), 0);
    assert_false(conflict);
    assert_int_equal(ver, 1);
    /* "must not exist" now fails */
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_put_if(s, "n", "k", "b", 1, 0, &conflict, &ver, &e2), -1);
    assert_true(conflict);
    assert_int_equal(e2.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(e2.msg, "version 1, expected 0"));
    /* right version succeeds, stale version fails and leaves the value alone */
    assert_int_equal(maat_store_put_if(s, "n", "k", "c", 1, 1, &conflict, &ver, &err), 0);
    assert_int_equal(ver, 2);
    struct maat_error e3 = {0};
    assert_int_equal(maat_store_put_if(s, "n", "k", "d", 1, 1, &conflict, &ver, &e3), -1);
    assert_true(conflict);
    check_record(s, "n", "k", "c", 2);
    maat_store_close(s);
}

struct listed {
    char keys[8][32];
    char vals[8][32];
    size_t n;
};

static int collect(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    struct listed *l = ctx;
    (void)version;
    if (l->n == 8) return 99;
    snprintf(l->keys[l->n], 32, "%s", key);
    snprintf(l->vals[l->n], 32, "%.*s", (int)len, (const char *)val);
    l->n++;
    return 0;
}

static void test_list(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    const char *keys[] = {"b/2", "a/1", "b/1", "c", "b%", "b_"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(maat_store_put(s, "ns", keys[i], keys[i], strlen(keys[i]), NULL, &err), 0);
    assert_int_equal(maat_store_put(s, "other", "b/9", "x", 1, NULL, &err), 0);
    struct listed l = {0};
    assert_int_equal(maat_store_list(s, "ns", NULL, collect, &l, &err), 0);
    assert_int_equal(l.n, 6);
    assert_string_equal(l.keys[0], "a/1"); /* key order */
    assert_string_equal(l.keys[5], "c");
    memset(&l, 0, sizeof l);
    assert_int_equal(maat_store_list(s, "ns", "b/", collect, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.keys[0], "b/1");
    assert_string_equal(l.vals[0], "b/1");
    assert_string_equal(l.keys[1], "b/2");
    /* LIKE wildcards in a prefix are literal */
    memset(&l, 0, sizeof l);
    assert_int_equal(maat_store_list(s, "ns", "b%", collect, &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.keys[0], "b%");
    memset(&l, 0, sizeof l);
    assert_int_equal(maat_store_list(s, "empty-ns", "", collect, &l, &err), 0);
    assert_int_equal(l.n, 0);
    maat_store_close(s);
}

static void test_persistence_wal_mode(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    assert_int_equal(maat_store_put(s, "signers", "cert1", "PEM1", 4, NULL, &err), 0);
    assert_int_equal(maat_store_put(s, "signers", "cert1", "PEM2", 4, NULL, &err), 0);
    char buf[64];
    assert_int_equal(maat_store_info(s, "schema", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "1");
    if (pg_uri != NULL) {
        /* reopen: the data and its version survive */
        maat_store_close(s);
        s = open_store();
        check_record(s, "signers", "cert1", "PEM2", 2);
        maat_store_close(s);
        return;
    }
    assert_int_equal(maat_store_info(s, "journal_mode", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "wal");
    maat_store_close(s);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* reopen with a bare path: the data and its version survive */
    struct maat_store *s2 = NULL;
    assert_int_equal(maat_store_open(path, &s2, &err), 0);
    check_record(s2, "signers", "cert1", "PEM2", 2);
    assert_int_equal(maat_store_info(s2, "journal_mode", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "wal");
    maat_store_close(s2);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    assert_int_equal(maat_store_put(s, "", "k", "v", 1, NULL, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    char longkey[MAAT_STORE_NAME_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    maat_error_clear(&err);
    assert_int_equal(maat_store_put(s, "n", longkey, "v", 1, NULL, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    maat_error_clear(&err);
    struct maat_store *p = NULL;
    assert_int_equal(maat_store_open("postgresql://[::1/maat", &p, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "not a valid PostgreSQL URI"));
    assert_null(p);
    maat_error_clear(&err);
    /* libpq quotes the token it could not parse: never the password */
    assert_int_equal(maat_store_open("postgresql://u:p%zzS3cret@h/d", &p, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "invalid percent-encoded token"));
    assert_null(strstr(err.msg, "S3cret"));
    maat_error_clear(&err);
    /* an unescaped '@' would turn the password's tail into the host name libpq reports */
    assert_int_equal(maat_store_open("postgresql://u:p@ss:S3cret@127.0.0.1:1/d", &p, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "%40"));
    assert_null(strstr(err.msg, "S3cret"));
    maat_error_clear(&err);
    assert_int_equal(maat_store_open("sqlite:/nonexistent-dir-maat/x.db", &p, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir-maat/x.db"));
    maat_store_close(s);
}

/* ---- concurrency ---- */

#define READERS 4
#define ROUNDS 300

struct reader_ctx {
    struct maat_store *shared; /* NULL: open an own handle */
    int bad;
    int reads;
};

static void *reader(void *arg)
{
    struct reader_ctx *r = arg;
    struct maat_store *s = r->shared;
    struct maat_error err = {0};
    if (s == NULL && maat_store_open(uri, &s, &err) != 0) {
        r->bad++;
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        uint8_t *v = NULL;
        size_t len = 0;
        uint64_t ver = 0;
        struct maat_error e = {0};
        if (maat_store_get(s, "collateral", "hot", &v, &len, &ver, &e) != 0) {
            r->bad++;
            continue;
        }
        /* the value always names its own version: a torn read would not */
        char want[32];
        snprintf(want, sizeof want, "value-%llu", (unsigned long long)ver);
        if (len != strlen(want) || memcmp(v, want, len) != 0) r->bad++;
        r->reads++;
        free(v);
    }
    if (r->shared == NULL) maat_store_close(s);
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    assert_int_equal(maat_store_put(s, "collateral", "hot", "value-1", 7, NULL, &err), 0);
    pthread_t th[2 * READERS];
    struct reader_ctx ctx[2 * READERS];
    memset(ctx, 0, sizeof ctx);
    for (int i = 0; i < 2 * READERS; i++) {
        ctx[i].shared = i < READERS ? s : NULL;
        assert_int_equal(pthread_create(&th[i], NULL, reader, &ctx[i]), 0);
    }
    /* a writer with its own handle keeps committing meanwhile */
    struct maat_store *w = NULL;
    assert_int_equal(maat_store_open(uri, &w, &err), 0);
    for (int i = 2; i <= 100; i++) {
        char v[32];
        snprintf(v, sizeof v, "value-%d", i);
        uint64_t ver = 0;
        assert_int_equal(maat_store_put(w, "collateral", "hot", v, strlen(v), &ver, &err), 0);
        assert_int_equal(ver, (uint64_t)i);
    }
    for (int i = 0; i < 2 * READERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ctx[i].bad, 0);
        assert_int_equal(ctx[i].reads, ROUNDS);
    }
    check_record(s, "collateral", "hot", "value-100", 100);
    maat_store_close(w);
    maat_store_close(s);
}

/* ---- namespaces and restore (maat store copy), URI redaction, unreachable server ---- */

struct ns_seen {
    char ns[4][32];
    uint64_t count[4];
    size_t n;
};

static int ns_collect(void *ctx, const char *ns, uint64_t count)
{
    struct ns_seen *n = ctx;
    if (n->n == 4) return 99;
    snprintf(n->ns[n->n], 32, "%s", ns);
    n->count[n->n++] = count;
    return 0;
}

static void test_namespaces_and_restore(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    struct ns_seen n = {0};
    assert_int_equal(maat_store_namespaces(s, ns_collect, &n, &err), 0);
    assert_int_equal(n.n, 0);
    assert_int_equal(maat_store_put(s, "policies", "a", "1", 1, NULL, &err), 0);
    assert_int_equal(maat_store_put(s, "keys", "k2", "2", 1, NULL, &err), 0);
    assert_int_equal(maat_store_put(s, "keys", "k1", "3", 1, NULL, &err), 0);
    /* restore writes exactly the version given, over an existing record too */
    const uint8_t bin[3] = {0, 0x80, 0xff};
    assert_int_equal(maat_store_restore(s, "signers", "s", bin, 3, 41, &err), 0);
    assert_int_equal(maat_store_restore(s, "policies", "a", "new", 3, 7, &err), 0);
    check_record(s, "policies", "a", "new", 7);
    uint8_t *v = NULL;
    size_t len = 0;
    uint64_t ver = 0;
    assert_int_equal(maat_store_get(s, "signers", "s", &v, &len, &ver, &err), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(v, bin, 3);
    assert_int_equal(ver, 41);
    free(v);
    /* the next put continues from the restored version */
    assert_int_equal(maat_store_put(s, "signers", "s", "x", 1, &ver, &err), 0);
    assert_int_equal(ver, 42);
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_restore(s, "signers", "s", "x", 1, 0, &e2), -1);
    assert_int_equal(e2.code, MAAT_ERR_VALUE);
    memset(&n, 0, sizeof n);
    assert_int_equal(maat_store_namespaces(s, ns_collect, &n, &err), 0);
    assert_int_equal(n.n, 3); /* namespace order, with counts */
    assert_string_equal(n.ns[0], "keys");
    assert_int_equal(n.count[0], 2);
    assert_string_equal(n.ns[1], "policies");
    assert_int_equal(n.count[1], 1);
    assert_string_equal(n.ns[2], "signers");
    assert_int_equal(n.count[2], 1);
    maat_store_close(s);
}

static void test_redacted_uri(void **state)
{
    (void)state;
    char b[256];
    assert_string_equal(
        maat_store_redacted_uri("postgresql://maat:s3cret@db.example:5432/maat?sslmode=verify-full",
                                b, sizeof b),
        "postgresql://maat:***@db.example:5432/maat?sslmode=verify-full");
    assert_string_equal(maat_store_redacted_uri("postgres://u:p@ss@h/d", b, sizeof b),
                        "postgres://u:***@h/d");
    assert_string_equal(
        maat_store_redacted_uri("postgresql://u@h/d?password=s3cret&sslmode=require&sslpassword=x",
                                b, sizeof b),
        "postgresql://u@h/d?password=***&sslmode=require&sslpassword=***");
    assert_string_equal(maat_store_redacted_uri("postgresql://", b, sizeof b), "postgresql://");
    assert_string_equal(maat_store_redacted_uri("postgresql://u:p?w@h", b, sizeof b),
                        "postgresql://u:***@h");
    assert_string_equal(maat_store_redacted_uri("sqlite:/var/lib/maat.db", b, sizeof b),
                        "sqlite:/var/lib/maat.db");
    char tiny[12];
    assert_string_equal(maat_store_redacted_uri("postgresql://u:secret@h", tiny, sizeof tiny),
                        "postgresql:");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Nothing listens on 127.0.0.1:1: start-up fails at once, naming the host and the cause,
 * without the password. */
static void test_unreachable_database_fails_fast(void **state)
{
    (void)state;
    struct maat_store *p = NULL;
    struct maat_error err = {0};
    double t0 = now_s();
    assert_int_equal(
        maat_store_open("postgresql://maat:hunter2-secret@127.0.0.1:1/maat?connect_timeout=3", &p,
                        &err),
        -1);
    assert_true(now_s() - t0 < 3.5);
    assert_null(p);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "127.0.0.1"));
    assert_non_null(strstr(err.msg, "Connection refused"));
    assert_null(strstr(err.msg, "hunter2"));
    assert_non_null(strstr(err.msg, "postgresql://maat:***@127.0.0.1:1/maat"));
    /* a long URI (certificate paths, options) must not push host and cause out of the
     * bounded message */
    char longuri[1200];
    char pad[700];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(
        longuri, sizeof longuri,
        "postgresql://maat:hunter2-secret@127.0.0.1:1/maat?connect_timeout=3&application_name=%s",
        pad);
    maat_error_clear(&err);
    assert_int_equal(maat_store_open(longuri, &p, &err), -1);
    assert_non_null(strstr(err.msg, "host 127.0.0.1 port 1"));
    assert_non_null(strstr(err.msg, "Connection refused"));
    assert_null(strstr(err.msg, "hunter2"));
}

/* ---- PostgreSQL only ---- */

static bool need_pg(void)
{
    if (pg_uri == NULL) {
        print_message("(PostgreSQL only: runs under test_store_postgres)\n");
        return false;
    }
    return true;
}

static void test_pg_schema_version_row(void **state)
{
    (void)state;
    if (!need_pg()) return;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    char buf[64];
    assert_int_equal(maat_store_info(s, "schema", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "1");
    assert_int_equal(maat_store_info(s, "path", buf, sizeof buf, &err), 0);
    assert_null(strstr(buf, getenv("MAAT_TEST_PG_PASSWORD")));
    assert_non_null(strstr(buf, ":***@127.0.0.1:"));
    maat_store_close(s);
    /* the row is really there, once */
    pg_exec("DO $$ BEGIN IF (SELECT count(*) FROM maat_meta WHERE name = 'schema' AND value = '1') "
            "<> 1 "
            "THEN RAISE EXCEPTION 'schema row missing'; END IF; END $$");
}

static void test_pg_newer_schema_refused(void **state)
{
    (void)state;
    if (!need_pg()) return;
    maat_store_close(open_store());
    pg_exec("UPDATE maat_meta SET value = '2' WHERE name = 'schema'");
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_store_open(uri, &s, &err), -1);
    assert_null(s);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "schema version 2, newer than this maat understands (1)"));
    /* a schema table without its version row is not guessed at either */
    pg_exec("DELETE FROM maat_meta");
    maat_error_clear(&err);
    assert_int_equal(maat_store_open(uri, &s, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, "no schema-version row"));
}

static void test_pg_wrong_password_fails_fast(void **state)
{
    (void)state;
    if (!need_pg()) return;
    char bad[512];
    snprintf(bad, sizeof bad,
             "postgresql://maat:Wrong-Pw-4711@127.0.0.1:%s/postgres?connect_timeout=5",
             getenv("MAAT_TEST_PG_PORT"));
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    double t0 = now_s();
    assert_int_equal(maat_store_open(bad, &s, &err), -1);
    assert_true(now_s() - t0 < 5.0);
    assert_null(s);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "host 127.0.0.1"));
    assert_non_null(strstr(err.msg, "password authentication failed"));
    assert_null(strstr(err.msg, "Wrong-Pw-4711"));
}

/* Bounded statements: 10 s unless the URI (or PGOPTIONS, or the role) sets one. */
static void test_pg_statement_timeout(void **state)
{
    (void)state;
    if (!need_pg()) return;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    char buf[64];
    assert_int_equal(maat_store_info(s, "statement_timeout", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "10s");
    maat_store_close(s);
    char u[4400];
    snprintf(u, sizeof u, "%s&options=-c%%20statement_timeout%%3D3s", pg_uri);
    assert_int_equal(maat_store_open(u, &s, &err), 0);
    assert_int_equal(maat_store_info(s, "statement_timeout", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "3s");
    maat_store_close(s);
}

/* The server drops the connection (restart, failover, idle kill): reads recover on the
 * next call; a write in flight is reported failed, the next one reconnects. */
static void test_pg_reconnect_after_connection_loss(void **state)
{
    (void)state;
    if (!need_pg()) return;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    assert_int_equal(maat_store_put(s, "n", "k", "v1", 2, NULL, &err), 0);
    const char *kill_others = "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE "
                              "application_name = 'maat' AND pid <> pg_backend_pid()";
    pg_exec(kill_others);
    check_record(s, "n", "k", "v1", 1); /* a read: retried once on a new connection */
    pg_exec(kill_others);
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_put(s, "n", "k", "v2", 2, NULL, &e2), -1);
    assert_int_equal(e2.code, MAAT_ERR_IO);
    assert_non_null(strstr(e2.msg, "may or may not have been applied"));
    uint64_t ver = 0;
    assert_int_equal(maat_store_put(s, "n", "k", "v3", 2, &ver, &err), 0);
    assert_int_equal(ver, 2); /* the write that lost its connection did not happen here */
    check_record(s, "n", "k", "v3", 2);
    maat_store_close(s);
}

/* The database refuses connections for a while: the failed reconnect is reported (host
 * and cause), the next call inside the backoff fails at once without a connection
 * attempt, and once the database is back the handle recovers by itself. */
static void test_pg_reconnect_backoff(void **state)
{
    (void)state;
    if (!need_pg()) return;
    char u[512];
    snprintf(u, sizeof u, "postgresql://maat:%s@127.0.0.1:%s/maat_backoff?connect_timeout=5",
             getenv("MAAT_TEST_PG_PASSWORD"), getenv("MAAT_TEST_PG_PORT"));
    pg_exec("DROP DATABASE IF EXISTS maat_backoff");
    pg_exec("CREATE DATABASE maat_backoff");
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_store_open(u, &s, &err), 0);
    assert_int_equal(maat_store_put(s, "n", "k", "v", 1, NULL, &err), 0);
    pg_exec("ALTER DATABASE maat_backoff ALLOW_CONNECTIONS false");
    pg_exec("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = "
            "'maat_backoff'");
    uint8_t *v = NULL;
    size_t len = 0;
    struct maat_error e1 = {0}, e2 = {0};
    int r1 = maat_store_get(s, "n", "k", &v, &len, NULL, &e1);
    double t0 = now_s();
    int r2 = maat_store_get(s, "n", "k", &v, &len, NULL, &e2);
    double dt = now_s() - t0;
    pg_exec("ALTER DATABASE maat_backoff ALLOW_CONNECTIONS true");
    assert_int_equal(r1, -1);
    assert_int_equal(e1.code, MAAT_ERR_IO);
    assert_non_null(strstr(e1.msg, "host 127.0.0.1"));
    assert_non_null(strstr(e1.msg, "not currently accepting connections"));
    assert_int_equal(r2, -1);
    assert_non_null(strstr(e2.msg, "next reconnect attempt in"));
    assert_true(dt < 0.05); /* no connection attempt inside the backoff */
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(maat_store_get(s, "n", "k", &v, &len, NULL, &err), 0);
    assert_int_equal(len, 1);
    free(v);
    maat_store_close(s);
    pg_exec("DROP DATABASE maat_backoff");
}

#define OPENERS 8

struct opener {
    pthread_barrier_t *go;
    int rc;
    char msg[MAAT_ERROR_MSG_MAX];
};

static void *open_at_once(void *arg)
{
    struct opener *o = arg;
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    pthread_barrier_wait(o->go);
    o->rc = maat_store_open(uri, &s, &err);
    snprintf(o->msg, sizeof o->msg, "%s", err.msg);
    maat_store_close(s);
    return NULL;
}

/* Replicas starting together on an empty database: every open succeeds, one schema
 * (several rounds: without the schema lock a round fails more often than not). */
static void test_pg_concurrent_first_open_one_schema(void **state)
{
    (void)state;
    if (!need_pg()) return;
    for (int round = 0; round < 5; round++) {
        pg_exec("DROP TABLE IF EXISTS maat_kv, maat_meta");
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, OPENERS);
        pthread_t th[OPENERS];
        struct opener o[OPENERS];
        memset(o, 0, sizeof o);
        for (int i = 0; i < OPENERS; i++) {
            o[i].go = &go;
            assert_int_equal(pthread_create(&th[i], NULL, open_at_once, &o[i]), 0);
        }
        for (int i = 0; i < OPENERS; i++) pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < OPENERS; i++)
            if (o[i].rc != 0) fail_msg("round %d, opener %d: %s", round, i, o[i].msg);
        pg_exec("DO $$ BEGIN IF (SELECT count(*) FROM maat_meta) <> 1 OR "
                "(SELECT count(*) FROM pg_tables WHERE tablename IN ('maat_kv', 'maat_meta')) <> 2 "
                "THEN RAISE EXCEPTION 'not one schema'; END IF; END $$");
    }
}

/* ---- batches (maat_store_batch): several records in one transaction ---- */

static void test_batch_commits_all_ops(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    uint64_t v = 0;
    assert_int_equal(maat_store_put(s, "signers", "S", "der", 3, &v, &err), 0);
    assert_int_equal(maat_store_put(s, "old", "x", "1", 1, &v, &err), 0);
    struct maat_store_op ops[] = {
        {.kind = MAAT_STORE_OP_PUT, .ns = "applied", .key = "k", .val = "g", .len = 1, .expected = 0},
        {.kind = MAAT_STORE_OP_PUT,
         .ns = "policies",
         .key = "p",
         .val = "P",
         .len = 1,
         .expected = UINT64_MAX},
        {.kind = MAAT_STORE_OP_DELETE, .ns = "old", .key = "x", .expected = 1},
        {.kind = MAAT_STORE_OP_CHECK, .ns = "signers", .key = "S", .expected = UINT64_MAX},
    };
    size_t failed = 99;
    bool conflict = true;
    if (maat_store_batch(s, ops, 4, &failed, &conflict, &err) != 0) fail_msg("%s", err.msg);
    assert_false(conflict);
    assert_int_equal(ops[0].version, 1);
    assert_int_equal(ops[1].version, 1);
    assert_int_equal(ops[3].version, 1);
    check_record(s, "applied", "k", "g", 1);
    check_record(s, "policies", "p", "P", 1);
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_get(s, "old", "x", &val, &len, NULL, &e2), -1);
    assert_int_equal(e2.code, MAAT_ERR_NOT_FOUND);
    /* an empty batch is a no-op; too many ops are refused */
    assert_int_equal(maat_store_batch(s, ops, 0, NULL, NULL, &err), 0);
    struct maat_store_op many[MAAT_STORE_BATCH_MAX + 1];
    memset(many, 0, sizeof many);
    struct maat_error e3 = {0};
    assert_int_equal(maat_store_batch(s, many, MAAT_STORE_BATCH_MAX + 1, NULL, NULL, &e3), -1);
    assert_int_equal(e3.code, MAAT_ERR_TOO_LARGE);
    maat_store_close(s);
}

/* Defect: a change and its replay-guard record were two statements, so a failure (or a
 * crash) between them could leave one without the other. In a batch, the second op
 * failing rolls the first back. */
static void test_batch_failed_second_write_rolls_back_first(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    uint64_t v = 0;
    assert_int_equal(maat_store_put(s, "policies", "p", "v1", 2, &v, &err), 0);
    /* the guard record first, then the change conditioned on a version that does not hold */
    struct maat_store_op ops[] = {
        {.kind = MAAT_STORE_OP_PUT, .ns = "applied", .key = "k", .val = "g", .len = 1, .expected = 0},
        {.kind = MAAT_STORE_OP_PUT, .ns = "policies", .key = "p", .val = "v2", .len = 2, .expected = 7},
    };
    size_t failed = 99;
    bool conflict = false;
    struct maat_error e1 = {0};
    assert_int_equal(maat_store_batch(s, ops, 2, &failed, &conflict, &e1), -1);
    assert_true(conflict);
    assert_int_equal(failed, 1);
    assert_int_equal(e1.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(e1.msg, "policies/p"));
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_get(s, "applied", "k", &val, &len, NULL, &e2), -1);
    assert_int_equal(e2.code, MAAT_ERR_NOT_FOUND);
    check_record(s, "policies", "p", "v1", 1);
    /* a delete whose version does not hold rolls back the put before it, too */
    struct maat_store_op ops2[] = {
        {.kind = MAAT_STORE_OP_PUT, .ns = "applied", .key = "k2", .val = "g", .len = 1, .expected = 0},
        {.kind = MAAT_STORE_OP_DELETE, .ns = "policies", .key = "p", .expected = 5},
    };
    struct maat_error e3 = {0};
    assert_int_equal(maat_store_batch(s, ops2, 2, &failed, &conflict, &e3), -1);
    assert_true(conflict);
    assert_int_equal(failed, 1);
    struct maat_error e4 = {0};
    assert_int_equal(maat_store_get(s, "applied", "k2", &val, &len, NULL, &e4), -1);
    assert_int_equal(e4.code, MAAT_ERR_NOT_FOUND);
    check_record(s, "policies", "p", "v1", 1);
    /* a failed CHECK (listed last, run first) names its own index and writes nothing */
    struct maat_store_op ops3[] = {
        {.kind = MAAT_STORE_OP_PUT, .ns = "applied", .key = "k3", .val = "g", .len = 1, .expected = 0},
        {.kind = MAAT_STORE_OP_CHECK, .ns = "signers", .key = "gone", .expected = UINT64_MAX},
    };
    struct maat_error e5 = {0};
    assert_int_equal(maat_store_batch(s, ops3, 2, &failed, &conflict, &e5), -1);
    assert_true(conflict);
    assert_int_equal(failed, 1);
    assert_non_null(strstr(e5.msg, "signers/gone"));
    struct maat_error e6 = {0};
    assert_int_equal(maat_store_get(s, "applied", "k3", &val, &len, NULL, &e6), -1);
    assert_int_equal(e6.code, MAAT_ERR_NOT_FOUND);
    /* the handle is usable after a rolled-back batch */
    assert_int_equal(maat_store_put(s, "n", "after", "x", 1, &v, &err), 0);
    maat_store_close(s);
}

struct batch_run {
    struct maat_store_op ops[2];
    int rc;
    size_t failed;
    bool conflict;
    struct maat_error err;
};

static void *batch_thread(void *arg)
{
    struct batch_run *b = arg;
    struct maat_store *s = open_store(); /* its own handle: its own connection */
    b->rc = maat_store_batch(s, b->ops, 2, &b->failed, &b->conflict, &b->err);
    maat_store_close(s);
    return NULL;
}

/* Defect: a policy change authorised by signer S was checked against the signer set before
 * its write, so a removal of S committed in between (by another replica) did not stop it.
 * The batch's CHECK locks S: a removal that is in progress is waited for, and then the
 * batch sees S gone and writes nothing. Another session holds the removal uncommitted
 * while the batch starts. */
static void test_batch_check_ordered_after_concurrent_signer_removal(void **state)
{
    (void)state;
    struct maat_store *s = open_store();
    struct maat_error err = {0};
    uint64_t v = 0;
    assert_int_equal(maat_store_put(s, "signers", "S", "der", 3, &v, &err), 0);
    PGconn *pc = NULL;
    sqlite3 *db = NULL;
    const char *del = "DELETE FROM maat_kv WHERE ns = 'signers' AND key = 'S'";
    if (pg_uri != NULL) {
        pc = PQconnectdb(pg_uri);
        assert_int_equal(PQstatus(pc), CONNECTION_OK);
        PQclear(PQexec(pc, "BEGIN"));
        PGresult *r = PQexec(pc, del);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
    } else {
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, del, NULL, NULL, NULL), SQLITE_OK);
    }
    struct batch_run b = {
        .ops = {{.kind = MAAT_STORE_OP_CHECK, .ns = "signers", .key = "S", .expected = UINT64_MAX},
                {.kind = MAAT_STORE_OP_PUT,
                 .ns = "policies",
                 .key = "p",
                 .val = "P",
                 .len = 1,
                 .expected = UINT64_MAX}},
        .rc = 99};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, batch_thread, &b), 0);
    struct timespec ts = {0, 400 * 1000000L}; /* the batch is waiting for the lock now */
    nanosleep(&ts, NULL);
    if (pc != NULL) {
        PQclear(PQexec(pc, "COMMIT"));
        PQfinish(pc);
    } else {
        assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    pthread_join(t, NULL);
    if (b.rc == 0) fail_msg("the batch applied its change although S was removed before it");
    assert_int_equal(b.rc, -1);
    assert_true(b.conflict);
    assert_int_equal(b.failed, 0);
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error e2 = {0};
    assert_int_equal(maat_store_get(s, "policies", "p", &val, &len, NULL, &e2), -1);
    assert_int_equal(e2.code, MAAT_ERR_NOT_FOUND);
    maat_store_close(s);
}

int main(void)
{
    pg_uri = getenv("MAAT_TEST_PG_URI");
    if (pg_uri != NULL && *pg_uri == '\0') pg_uri = NULL;
    fprintf(stderr, "test_store: backend %s\n",
            pg_uri != NULL ? "PostgreSQL (MAAT_TEST_PG_URI)" : "SQLite");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_replace_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_and_swap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistence_wal_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespaces_and_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_commits_all_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_failed_second_write_rolls_back_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batch_check_ordered_after_concurrent_signer_removal,
                                        setup, teardown),
        cmocka_unit_test(test_redacted_uri),
        cmocka_unit_test(test_unreachable_database_fails_fast),
        cmocka_unit_test_setup_teardown(test_pg_schema_version_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_wrong_password_fails_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_concurrent_first_open_one_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_statement_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_reconnect_after_connection_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_reconnect_backoff, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
