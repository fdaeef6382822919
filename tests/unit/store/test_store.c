/* test_store.c - the SQLite store: put/get/replace/delete/list, versions and
 * compare-and-swap, persistence across reopen, WAL mode, file mode 0600, argument
 * checks, and concurrent readers (threads sharing a handle and threads with their own
 * handles) while a writer commits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "testutil.h"

static char *dir;
static char path[4200];

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    snprintf(path, sizeof path, "%s/maat.db", dir);
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
    char uri[4300];
    snprintf(uri, sizeof uri, "sqlite:%s", path);
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
    assert_string_equal(maat_store_backend(s), "sqlite");
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
        assert_int_equal(maat_store_put(s, "ns", keys[i], keys[i], strlen(keys[i]), NULL, &err),
                         0);
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
    assert_int_equal(maat_store_info(s, "journal_mode", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "wal");
    assert_int_equal(maat_store_info(s, "schema", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "1");
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
    assert_int_equal(maat_store_open("postgres://db/maat", &p, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_null(p);
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
    if (s == NULL && maat_store_open(path, &s, &err) != 0) {
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
    assert_int_equal(maat_store_open(path, &w, &err), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_replace_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_and_swap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistence_wal_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
