/* test_keyring.c - signing key records in a store (src/store/keyring.c), the logic behind
 * `maat key rotate` and maatd's key ring: the first key, rotation retiring the previous key
 * (keeping its algorithm), the compare-and-swap on keys/current that makes two writers racing
 * on an empty store end with one key, and bounded decoding of damaged records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyring.h"
#include "store.h"
#include "testutil.h"

static char *dir;
static struct maat_store *st;

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/k.db", dir);
    struct maat_error err = {0};
    return maat_store_open(path, &st, &err);
}

static int teardown(void **state)
{
    (void)state;
    maat_store_close(st);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    free(dir);
    return rc == 0 ? 0 : -1;
}

static int count_cb(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    (void)key, (void)val, (void)len, (void)version;
    (*(int *)ctx)++;
    return 0;
}

static int key_records(void)
{
    int n = 0;
    struct maat_error err = {0};
    assert_int_equal(maat_store_list(st, MAAT_KEYRING_NS, "key/", count_cb, &n, &err), 0);
    return n;
}

/* Loads the record `name` and returns its key (the caller frees it). */
static struct maat_signing_key *load(const char *name, int64_t *created, int64_t *retired)
{
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error err = {0};
    assert_int_equal(maat_store_get(st, MAAT_KEYRING_NS, name, &val, &len, NULL, &err), 0);
    struct maat_signing_key *k = NULL;
    assert_int_equal(maat_keyring_decode(val, len, &k, created, retired, &err), 0);
    free(val);
    return k;
}

static void test_keyring_first_key(void **state)
{
    (void)state;
    uint64_t v = 7;
    struct maat_error err = {0};
    assert_null(maat_keyring_current(st, &v, &err));
    assert_int_equal(v, 0);
    assert_int_equal(err.code, MAAT_OK);
    bool conflict = true;
    char kid[128], prev[128];
    assert_int_equal(maat_keyring_rotate(st, MAAT_JWS_ES256, true, 0, 1000, &conflict, kid,
                                         sizeof kid, prev, sizeof prev, &err),
                     0);
    assert_false(conflict);
    assert_string_equal(prev, "");
    char *cur = maat_keyring_current(st, &v, &err);
    assert_non_null(cur);
    assert_int_equal(v, 1);
    int64_t created, retired;
    struct maat_signing_key *k = load(cur, &created, &retired);
    assert_string_equal(maat__signing_key_kid(k), kid);
    assert_int_equal(maat__signing_key_alg(k), MAAT_JWS_ES256);
    assert_int_equal(created, 1000);
    assert_int_equal(retired, 0);
    assert_non_null(strstr(cur, "key/00000000000000001000-"));
    maat__signing_key_free(k);
    free(cur);
}

/* Two replicas starting at once on an empty store both saw no current key (expected version
 * 0): the second swap must lose, leave no stray key record, and change nothing. */
static void test_keyring_race_on_empty_store_one_key(void **state)
{
    (void)state;
    struct maat_error err = {0};
    bool conflict = false;
    char kid1[128], kid2[128];
    assert_int_equal(maat_keyring_rotate(st, MAAT_JWS_RS256, false, 0, 2000, &conflict, kid1,
                                         sizeof kid1, NULL, 0, &err),
                     0);
    assert_int_equal(maat_keyring_rotate(st, MAAT_JWS_RS256, false, 0, 2000, &conflict, kid2,
                                         sizeof kid2, NULL, 0, &err),
                     -1);
    assert_true(conflict);
    assert_int_equal(key_records(), 1);
    uint64_t v;
    char *cur = maat_keyring_current(st, &v, &err);
    int64_t c, r;
    struct maat_signing_key *k = load(cur, &c, &r);
    assert_string_equal(maat__signing_key_kid(k), kid1);
    assert_int_equal(v, 1);
    maat__signing_key_free(k);
    free(cur);
}

/* `maat key rotate` (expected = any): a new current key of the current key's algorithm, the
 * previous key kept and marked retired at the rotation time. */
static void test_keyring_rotate_retires_previous(void **state)
{
    (void)state;
    struct maat_error err = {0};
    bool conflict = false;
    char kid1[128], kid2[128], prev[128];
    assert_int_equal(maat_keyring_rotate(st, MAAT_JWS_PS256, false, 0, 3000, &conflict, kid1,
                                         sizeof kid1, NULL, 0, &err),
                     0);
    uint64_t v1;
    char *first = maat_keyring_current(st, &v1, &err);
    assert_int_equal(maat_keyring_rotate(st, MAAT_JWS_RS256, true, UINT64_MAX, 3500, &conflict,
                                         kid2, sizeof kid2, prev, sizeof prev, &err),
                     0);
    assert_string_equal(prev, kid1);
    assert_string_not_equal(kid1, kid2);
    uint64_t v2;
    char *second = maat_keyring_current(st, &v2, &err);
    assert_int_equal(v2, v1 + 1);
    int64_t c, r;
    struct maat_signing_key *k = load(second, &c, &r);
    assert_int_equal(maat__signing_key_alg(k), MAAT_JWS_PS256); /* kept from the current key */
    assert_int_equal(r, 0);
    maat__signing_key_free(k);
    k = load(first, &c, &r);
    assert_int_equal(c, 3000);
    assert_int_equal(r, 3500);
    maat__signing_key_free(k);
    assert_int_equal(key_records(), 2);
    /* a stale expected version (another rotation happened): refused, nothing written */
    assert_int_equal(
        maat_keyring_rotate(st, MAAT_JWS_RS256, true, v1, 4000, &conflict, NULL, 0, NULL, 0, &err),
        -1);
    assert_true(conflict);
    assert_int_equal(key_records(), 2);
    free(first);
    free(second);
}

static void test_keyring_decode_damaged(void **state)
{
    (void)state;
    struct maat_error err = {0};
    bool conflict;
    assert_int_equal(
        maat_keyring_rotate(st, MAAT_JWS_ES256, false, 0, 5000, &conflict, NULL, 0, NULL, 0, &err),
        0);
    uint64_t v;
    char *cur = maat_keyring_current(st, &v, &err);
    uint8_t *val = NULL;
    size_t len = 0;
    assert_int_equal(maat_store_get(st, MAAT_KEYRING_NS, cur, &val, &len, NULL, &err), 0);
    struct maat_signing_key *k = NULL;
    int64_t c, r;
    for (size_t cut = 0; cut < 24; cut++) { /* magic and times truncated */
        memset(&err, 0, sizeof err);
        assert_int_equal(maat_keyring_decode(val, cut, &k, &c, &r, &err), -1);
        assert_null(k);
        assert_true(err.msg[0] != '\0');
    }
    val[0] ^= 1;
    memset(&err, 0, sizeof err);
    assert_int_equal(maat_keyring_decode(val, len, &k, &c, &r, &err), -1);
    assert_non_null(strstr(err.msg, "magic"));
    free(val);
    free(cur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keyring_first_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_race_on_empty_store_one_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_rotate_retires_previous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_decode_damaged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
