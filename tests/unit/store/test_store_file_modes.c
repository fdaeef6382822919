/* test_store_file_modes.c - issue 12 item 4: the SQLite store holds signing private keys,
 * so an existing database or side file (-wal, -shm, -journal) that group or others may
 * read is refused with a message naming the file, its mode and `chmod 600`, and every
 * file the store creates (database, -wal, -shm) is 0600 whatever the umask. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void make_file(const char *p, mode_t mode)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(p, mode), 0);
}

static unsigned perm_of(const char *p)
{
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    return (unsigned)(sb.st_mode & 07777);
}

/* An existing store with mode 0644 used to be opened as is (signing keys world-readable). */
static void test_store_world_readable_db_refused(void **state)
{
    (void)state;
    make_file(path, 0644);
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_store_open(path, &s, &err), -1);
    assert_null(s);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "mode 0644"));
    assert_non_null(strstr(err.msg, "chmod 600"));
    /* refused, not repaired: the mode is left for the operator to look at */
    assert_int_equal(perm_of(path), 0644);
    /* group-only access is refused too */
    assert_int_equal(chmod(path, 0640), 0);
    maat_error_clear(&err);
    assert_int_equal(maat_store_open(path, &s, &err), -1);
    assert_non_null(strstr(err.msg, "mode 0640"));
    /* once fixed it opens */
    assert_int_equal(chmod(path, 0600), 0);
    maat_error_clear(&err);
    assert_int_equal(maat_store_open(path, &s, &err), 0);
    maat_store_close(s);
}

/* A leftover -wal or -shm that others may read is refused like the database. */
static void test_store_world_readable_wal_refused(void **state)
{
    (void)state;
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_store_open(path, &s, &err), 0);
    assert_int_equal(maat_store_put(s, "keys", "k", "secret", 6, NULL, &err), 0);
    maat_store_close(s); /* the last close checkpoints and removes -wal/-shm */
    char side[4300];
    static const char *const suffix[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffix[i]);
        unlink(side);
        make_file(side, 0604);
        s = NULL;
        maat_error_clear(&err);
        assert_int_equal(maat_store_open(path, &s, &err), -1);
        assert_null(s);
        assert_non_null(strstr(err.msg, side));
        assert_non_null(strstr(err.msg, "mode 0604"));
        assert_non_null(strstr(err.msg, "chmod 600"));
        assert_int_equal(unlink(side), 0);
    }
    maat_error_clear(&err);
    assert_int_equal(maat_store_open(path, &s, &err), 0);
    maat_store_close(s);
}

/* New database, -wal and -shm are 0600 even under a permissive umask. */
static void test_store_new_files_are_0600(void **state)
{
    (void)state;
    mode_t old = umask(0);
    struct maat_store *s = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_store_open(path, &s, &err), 0);
    assert_int_equal(maat_store_put(s, "keys", "k", "secret", 6, NULL, &err), 0);
    umask(old);
    char side[4300];
    assert_int_equal(perm_of(path), 0600);
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_equal(perm_of(side), 0600); /* stat fails (test fails) if absent */
    snprintf(side, sizeof side, "%s-shm", path);
    assert_int_equal(perm_of(side), 0600);
    maat_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_world_readable_db_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_world_readable_wal_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_new_files_are_0600, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
