/*
 * keyring.c - signing key records in a store (keyring.h): encoding, the current-key
 * pointer and rotation by compare-and-swap, so that two writers (two maatd replicas
 * starting at once, or `maat key rotate` while replicas run) end with one current key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "maat/bytes.h"
#include "keyring.h"

#define MAGIC "MAATKEY1"

int maat_keyring_encode(const struct maat_signing_key *k, int64_t created, int64_t retired,
                        uint8_t **out, size_t *len, struct maat_error *err)
{
    uint8_t *blob = NULL;
    size_t blen = 0;
    MAAT_TRY(maat__signing_key_serialize(k, &blob, &blen, err));
    struct maat_buf b;
    maat_buf_init(&b);
    int rc = maat_buf_put(&b, MAGIC, 8) | maat_buf_put_u64le(&b, (uint64_t)created) |
             maat_buf_put_u64le(&b, (uint64_t)retired) | maat_buf_put(&b, blob, blen);
    OPENSSL_cleanse(blob, blen);
    free(blob);
    if (rc != 0) {
        OPENSSL_cleanse(b.data, b.len);
        maat_buf_cleanup(&b);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    *out = b.data;
    *len = b.len;
    return 0;
}

int maat_keyring_decode(const uint8_t *p, size_t len, struct maat_signing_key **k, int64_t *created,
                        int64_t *retired, struct maat_error *err)
{
    struct maat_reader r;
    maat_reader_init(&r, p, len, "signing key record", err);
    const uint8_t *magic;
    uint64_t c, rt;
    MAAT_TRY(maat_read_fixed(&r, "magic", 8, &magic));
    MAAT_ENSURE(!memcmp(magic, MAGIC, 8), err, MAAT_ERR_VALUE,
                "signing key record: magic is not " MAGIC);
    MAAT_TRY(maat_read_u64le(&r, "created", &c));
    MAAT_TRY(maat_read_u64le(&r, "retired", &rt));
    struct maat_view rest;
    MAAT_TRY(maat_read_view(&r, "key", maat_reader_left(&r), &rest));
    *k = maat__signing_key_deserialize(rest.ptr, rest.len, err);
    if (*k == NULL) return -1;
    *created = (int64_t)c;
    *retired = (int64_t)rt;
    return 0;
}

char *maat_keyring_current(struct maat_store *s, uint64_t *version, struct maat_error *err)
{
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error e2 = {0};
    *version = 0;
    if (maat_store_get(s, MAAT_KEYRING_NS, "current", &val, &len, version, &e2) != 0) {
        if (e2.code != MAAT_ERR_NOT_FOUND) *err = e2;
        *version = 0;
        return NULL;
    }
    return (char *)val; /* NUL-terminated by the store */
}

static int put_record(struct maat_store *s, const char *name, const struct maat_signing_key *k,
                      int64_t created, int64_t retired, struct maat_error *err)
{
    uint8_t *rec = NULL;
    size_t len = 0;
    MAAT_TRY(maat_keyring_encode(k, created, retired, &rec, &len, err));
    int rc = maat_store_put(s, MAAT_KEYRING_NS, name, rec, len, NULL, err);
    OPENSSL_cleanse(rec, len);
    free(rec);
    return rc;
}

/* The current key (record name `cur`) decoded; NULL when absent or unreadable. */
static struct maat_signing_key *load_key(struct maat_store *s, const char *name, int64_t *created,
                                         int64_t *retired)
{
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_signing_key *k = NULL;
    struct maat_error e2 = {0};
    if (maat_store_get(s, MAAT_KEYRING_NS, name, &val, &len, NULL, &e2) != 0) return NULL;
    if (maat_keyring_decode(val, len, &k, created, retired, &e2) != 0) k = NULL;
    OPENSSL_cleanse(val, len);
    free(val);
    return k;
}

int maat_keyring_rotate(struct maat_store *s, enum maat_jws_alg alg, bool use_current_alg,
                        uint64_t expected, int64_t now, bool *conflict, char *new_kid,
                        size_t kid_cap, char *prev_kid, size_t prev_cap, struct maat_error *err)
{
    *conflict = false;
    if (new_kid && kid_cap) new_kid[0] = '\0';
    if (prev_kid && prev_cap) prev_kid[0] = '\0';
    uint64_t cur_version = 0;
    struct maat_error e2 = {0};
    char *cur = maat_keyring_current(s, &cur_version, &e2);
    if (e2.code != MAAT_OK) {
        *err = e2;
        return -1;
    }
    if (expected != UINT64_MAX && expected != cur_version) {
        free(cur);
        *conflict = true;
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "store: keys/current is at version %llu, expected %llu (changed "
                              "concurrently)",
                              (unsigned long long)cur_version, (unsigned long long)expected);
    }
    int64_t pc = 0, pr = 0;
    struct maat_signing_key *prev = cur ? load_key(s, cur, &pc, &pr) : NULL;
    if (use_current_alg && prev != NULL) alg = maat__signing_key_alg(prev);
    struct maat_signing_key *k = maat__signing_key_generate(alg, err);
    if (k == NULL) goto fail;
    uint8_t rnd[4];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        maat_error_set(err, MAAT_ERR_CRYPTO, "signing key: no random bytes for its name");
        goto fail;
    }
    char name[MAAT_KEYRING_NAME_MAX];
    snprintf(name, sizeof name, "key/%020lld-%02x%02x%02x%02x", (long long)now, rnd[0], rnd[1],
             rnd[2], rnd[3]);
    if (put_record(s, name, k, now, 0, err) != 0) goto fail;
    if (maat_store_put_if(s, MAAT_KEYRING_NS, "current", name, strlen(name), cur_version, conflict,
                          NULL, err) != 0) {
        maat_store_delete(s, MAAT_KEYRING_NS, name, NULL, NULL);
        goto fail;
    }
    if (new_kid && kid_cap) snprintf(new_kid, kid_cap, "%s", maat__signing_key_kid(k));
    if (prev != NULL) {
        if (prev_kid && prev_cap) snprintf(prev_kid, prev_cap, "%s", maat__signing_key_kid(prev));
        /* retire the previous key: it stays in /certs for the retention from now on. A
         * failure here leaves it without a retirement time; maatd then retires it when it
         * next loads the ring (an orphan counts as retired at that moment), which only
         * keeps it longer, never shorter. */
        struct maat_error e3 = {0};
        (void)put_record(s, cur, prev, pc, now, &e3);
    }
    maat__signing_key_free(prev);
    maat__signing_key_free(k);
    free(cur);
    return 0;
fail:
    maat__signing_key_free(prev);
    maat__signing_key_free(k);
    free(cur);
    return -1;
}
