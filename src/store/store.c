/*
 * store.c - the backend-independent half of store.h: picks a backend from the URI,
 * checks arguments once, so every backend sees well-formed names and sizes. Password
 * redaction lives in store_uri.c (a leaf: the backends call it too).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static int check_name(const char *what, const char *s, struct maat_error *err)
{
    MAAT_ENSURE(s != NULL, err, MAAT_ERR_USAGE, "store: %s is NULL", what);
    size_t n = strnlen(s, MAAT_STORE_NAME_MAX + 1);
    MAAT_ENSURE(n > 0, err, MAAT_ERR_USAGE, "store: %s is empty", what);
    MAAT_ENSURE(n <= MAAT_STORE_NAME_MAX, err, MAAT_ERR_TOO_LARGE,
                "store: %s is longer than %d bytes", what, MAAT_STORE_NAME_MAX);
    return 0;
}

static int check_args(struct maat_store *s, const char *ns, const char *key, struct maat_error *err)
{
    MAAT_ENSURE(s != NULL, err, MAAT_ERR_USAGE, "store: no store handle");
    MAAT_TRY(check_name("namespace", ns, err));
    return key == NULL ? 0 : check_name("key", key, err);
}

int maat_store_open(const char *uri, struct maat_store **out, struct maat_error *err)
{
    MAAT_ENSURE(uri != NULL && *uri != '\0' && out != NULL, err, MAAT_ERR_USAGE,
                "store: no store location given");
    *out = NULL;
    if (!strncmp(uri, "postgres://", 11) || !strncmp(uri, "postgresql://", 13))
        return maat_store_postgres_open(uri, out, err);
    if (!strncmp(uri, "sqlite:", 7)) uri += 7;
    MAAT_ENSURE(*uri != '\0', err, MAAT_ERR_USAGE, "store: sqlite: needs a file path");
    return maat_store_sqlite_open(uri, out, err);
}

static void lock(struct maat_store *s)
{
    pthread_mutex_lock(&s->mu);
}

static void unlock(struct maat_store *s)
{
    pthread_mutex_unlock(&s->mu);
}

void maat_store_close(struct maat_store *s)
{
    if (s != NULL) s->ops->close(s);
}

const char *maat_store_backend(const struct maat_store *s)
{
    return s != NULL ? s->ops->name : "none";
}

int maat_store_get(struct maat_store *s, const char *ns, const char *key, uint8_t **val,
                   size_t *len, uint64_t *version, struct maat_error *err)
{
    MAAT_TRY(check_args(s, ns, key, err));
    MAAT_ENSURE(val != NULL && len != NULL, err, MAAT_ERR_USAGE, "store: get needs outputs");
    *val = NULL;
    *len = 0;
    uint64_t v = 0;
    lock(s);
    int rc = s->ops->get(s, ns, key, val, len, &v, err);
    unlock(s);
    MAAT_TRY(rc);
    if (version != NULL) *version = v;
    return 0;
}

static int put(struct maat_store *s, const char *ns, const char *key, const void *val, size_t len,
               uint64_t expected, bool *conflict, uint64_t *new_version, struct maat_error *err)
{
    MAAT_TRY(check_args(s, ns, key, err));
    MAAT_ENSURE(val != NULL || len == 0, err, MAAT_ERR_USAGE, "store: value is NULL");
    MAAT_ENSURE(len <= MAAT_STORE_VALUE_MAX, err, MAAT_ERR_TOO_LARGE,
                "store: value for %s/%s is %zu bytes, more than the %u allowed", ns, key, len,
                MAAT_STORE_VALUE_MAX);
    bool c = false;
    uint64_t v = 0;
    lock(s);
    int rc = s->ops->put(s, ns, key, val == NULL ? "" : val, len, expected, &c, &v, err);
    unlock(s);
    if (conflict != NULL) *conflict = c;
    if (rc == 0 && new_version != NULL) *new_version = v;
    return rc;
}

int maat_store_put(struct maat_store *s, const char *ns, const char *key, const void *val,
                   size_t len, uint64_t *new_version, struct maat_error *err)
{
    return put(s, ns, key, val, len, UINT64_MAX, NULL, new_version, err);
}

int maat_store_put_if(struct maat_store *s, const char *ns, const char *key, const void *val,
                      size_t len, uint64_t expected, bool *conflict, uint64_t *new_version,
                      struct maat_error *err)
{
    MAAT_ENSURE(expected != UINT64_MAX, err, MAAT_ERR_USAGE, "store: bad expected version");
    return put(s, ns, key, val, len, expected, conflict, new_version, err);
}

int maat_store_delete(struct maat_store *s, const char *ns, const char *key, bool *existed,
                      struct maat_error *err)
{
    MAAT_TRY(check_args(s, ns, key, err));
    bool e = false;
    lock(s);
    int rc = s->ops->del(s, ns, key, &e, err);
    unlock(s);
    MAAT_TRY(rc);
    if (existed != NULL) *existed = e;
    return 0;
}

int maat_store_list(struct maat_store *s, const char *ns, const char *prefix, maat_store_list_cb cb,
                    void *ctx, struct maat_error *err)
{
    MAAT_TRY(check_args(s, ns, NULL, err));
    MAAT_ENSURE(cb != NULL, err, MAAT_ERR_USAGE, "store: list needs a callback");
    if (prefix == NULL) prefix = "";
    MAAT_ENSURE(strnlen(prefix, MAAT_STORE_NAME_MAX + 1) <= MAAT_STORE_NAME_MAX, err,
                MAAT_ERR_TOO_LARGE, "store: key prefix too long");
    lock(s);
    int rc = s->ops->list(s, ns, prefix, cb, ctx, err);
    unlock(s);
    return rc;
}

int maat_store_info(struct maat_store *s, const char *what, char *buf, size_t cap,
                    struct maat_error *err)
{
    MAAT_ENSURE(s != NULL && what != NULL && buf != NULL && cap > 0, err, MAAT_ERR_USAGE,
                "store: info needs a handle, a name and a buffer");
    buf[0] = '\0';
    lock(s);
    int rc = s->ops->info(s, what, buf, cap, err);
    unlock(s);
    return rc;
}

int maat_store_namespaces(struct maat_store *s, maat_store_ns_cb cb, void *ctx, struct maat_error *err)
{
    MAAT_ENSURE(s != NULL && cb != NULL, err, MAAT_ERR_USAGE,
                "store: namespaces needs a handle and a callback");
    lock(s);
    int rc = s->ops->namespaces(s, cb, ctx, err);
    unlock(s);
    return rc;
}

int maat_store_restore(struct maat_store *s, const char *ns, const char *key, const void *val,
                       size_t len, uint64_t version, struct maat_error *err)
{
    MAAT_TRY(check_args(s, ns, key, err));
    MAAT_ENSURE(val != NULL || len == 0, err, MAAT_ERR_USAGE, "store: value is NULL");
    MAAT_ENSURE(len <= MAAT_STORE_VALUE_MAX, err, MAAT_ERR_TOO_LARGE,
                "store: value for %s/%s is %zu bytes, more than the %u allowed", ns, key, len,
                MAAT_STORE_VALUE_MAX);
    MAAT_ENSURE(version >= 1 && version <= (uint64_t)INT64_MAX, err, MAAT_ERR_VALUE,
                "store: %s/%s: version %llu out of range (1..2^63-1)", ns, key,
                (unsigned long long)version);
    lock(s);
    int rc = s->ops->restore(s, ns, key, val == NULL ? "" : val, len, version, err);
    unlock(s);
    return rc;
}

int maat_store_watch_open(const char *uri, struct maat_store_watch **out, struct maat_error *err)
{
    MAAT_ENSURE(uri != NULL && out != NULL, err, MAAT_ERR_USAGE, "store watch: no URI");
    *out = NULL;
    if (!strncmp(uri, "postgres://", 11) || !strncmp(uri, "postgresql://", 13))
        return maat_store_postgres_watch_open(uri, out, err);
    return maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                          "store: change notifications need PostgreSQL (SQLite: poll)");
}

/* ---- batches ---- */

static int check_order(const void *a, const void *b)
{
    const struct maat_store_op *x = *(struct maat_store_op *const *)a;
    const struct maat_store_op *y = *(struct maat_store_op *const *)b;
    int c = strcmp(x->ns, y->ns);
    return c != 0 ? c : strcmp(x->key, y->key);
}

int maat_store_batch(struct maat_store *s, struct maat_store_op *ops, size_t n, size_t *failed,
                     bool *conflict, struct maat_error *err)
{
    if (failed != NULL) *failed = n;
    if (conflict != NULL) *conflict = false;
    MAAT_ENSURE(s != NULL && (ops != NULL || n == 0), err, MAAT_ERR_USAGE,
                "store: batch needs a handle and ops");
    MAAT_ENSURE(n <= MAAT_STORE_BATCH_MAX, err, MAAT_ERR_TOO_LARGE,
                "store: batch of %zu ops, more than the %d allowed", n, MAAT_STORE_BATCH_MAX);
    if (n == 0) return 0;
    struct maat_store_op *order[MAAT_STORE_BATCH_MAX];
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        struct maat_store_op *o = &ops[i];
        o->version = 0;
        if (check_args(s, o->ns, o->key, err) != 0) {
            if (failed != NULL) *failed = i;
            return -1;
        }
        if (o->kind == MAAT_STORE_OP_CHECK) {
            order[nc++] = o;
            continue;
        }
        bool ok = o->kind == MAAT_STORE_OP_DELETE ||
                  (o->kind == MAAT_STORE_OP_PUT && (o->val != NULL || o->len == 0) &&
                   o->len <= MAAT_STORE_VALUE_MAX);
        if (!ok || (o->expected != UINT64_MAX && o->expected > (uint64_t)INT64_MAX)) {
            if (failed != NULL) *failed = i;
            return maat_error_set(err,
                                  o->len > MAAT_STORE_VALUE_MAX ? MAAT_ERR_TOO_LARGE : MAAT_ERR_USAGE,
                                  "store: batch op %zu (%s/%s): bad kind, value or expected "
                                  "version",
                                  i, o->ns, o->key);
        }
    }
    qsort(order, nc, sizeof *order, check_order);
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind != MAAT_STORE_OP_CHECK) order[nc++] = &ops[i];
    size_t at = n;
    bool c = false;
    lock(s);
    int rc = s->ops->batch(s, order, n, &at, &c, err);
    unlock(s);
    if (rc != 0) {
        if (failed != NULL) *failed = at < n ? (size_t)(order[at] - ops) : n;
        if (conflict != NULL) *conflict = c;
    }
    return rc;
}
