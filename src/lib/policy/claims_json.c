/*
 * claims_json.c - bridges between policy claims and the JSON claim objects of attest.h:
 * the incoming set {type: [value, ...]} in, the issued claims {type: value} out.
 */
#include <stdlib.h>
#include <string.h>

#include "claim_list_internal.h"
#include "jose_internal.h"
#include "policy_internal.h"

struct list_store {
    struct pol_arena arena;
    size_t cap; /* claims room (maat__claim_list_begin) */
};

static int json_value(struct pol_arena *a, json_t *j, struct maat_claim_value *v,
                      struct maat_error *err)
{
    memset(v, 0, sizeof *v);
    switch (json_typeof(j)) {
    case JSON_STRING:
        v->kind = MAAT_CLAIM_STRING;
        v->str = json_string_value(j);
        v->len = json_string_length(j);
        return 0;
    case JSON_INTEGER:
        v->kind = MAAT_CLAIM_INTEGER;
        v->integer = (int64_t)json_integer_value(j);
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        v->kind = MAAT_CLAIM_BOOLEAN;
        v->boolean = json_is_true(j);
        return 0;
    default: {
        size_t len = 0;
        char *s = maat__json_dump(j, true, &len);
        if (s == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        char *c = pol_arena_strndup(a, s, len);
        free(s);
        if (c == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        v->kind = MAAT_CLAIM_JSON;
        v->str = c;
        v->len = len;
        return 0;
    }
    }
}

int maat__claim_list_from_json(const json_t *obj, const char *issuer, struct maat_claim_list *out,
                              struct maat_error *err)
{
    if (out == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "claims: no output");
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return maat_error_set(err, MAAT_ERR_VALUE, "claims: expected a JSON object of claims");
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    size_t n = 0;
    const char *key;
    json_t *val;
    json_object_foreach ((json_t *)obj, key, val) {
        n += json_is_array(val) ? json_array_size(val) : 1;
    }
    if (n > lim.max_claims)
        return maat_error_set(err, MAAT_ERR_TOO_LARGE, "claims: %zu claims exceed the limit of %zu",
                              n, lim.max_claims);
    struct list_store *st = calloc(1, sizeof *st);
    if (st == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    pol_arena_init(&st->arena, 0);
    out->priv_ = st;
    out->claims = pol_arena_alloc(&st->arena, (n ? n : 1) * sizeof *out->claims);
    const char *iss = pol_arena_strndup(&st->arena, issuer ? issuer : MAAT_ISSUER_SERVICE,
                                        strlen(issuer ? issuer : MAAT_ISSUER_SERVICE));
    if (out->claims == NULL || iss == NULL) {
        maat__claim_list_cleanup(out);
        return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    }
    json_object_foreach ((json_t *)obj, key, val) {
        size_t m = json_is_array(val) ? json_array_size(val) : 1;
        for (size_t i = 0; i < m; i++) {
            json_t *v = json_is_array(val) ? json_array_get(val, i) : val;
            if (json_is_null(v)) continue;
            struct maat_claim *c = &out->claims[out->count];
            c->type = key;
            c->issuer = iss;
            if (json_value(&st->arena, v, &c->value, err) != 0) {
                maat__claim_list_cleanup(out);
                return -1;
            }
            out->count++;
        }
    }
    return 0;
}

int maat__claim_list_begin(struct maat_claim_list *l, size_t cap, struct maat_error *err)
{
    memset(l, 0, sizeof *l);
    struct list_store *st = calloc(1, sizeof *st);
    if (st == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    pol_arena_init(&st->arena, 0);
    st->cap = cap;
    l->priv_ = st;
    /* not zeroed (9 KB for the incoming set on every request): maat__claim_list_push
     * writes each entry in full before count covers it, and nothing reads past count */
    l->claims = pol_arena_alloc_uninit(&st->arena, (cap ? cap : 1) * sizeof *l->claims);
    if (l->claims == NULL) {
        maat__claim_list_cleanup(l);
        return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    }
    return 0;
}

int maat__claim_list_push_json(struct maat_claim_list *l, const char *type, json_t *v,
                               struct maat_error *err)
{
    struct list_store *st = l->priv_;
    if (json_is_null(v)) return 0; /* as maat__claim_list_from_json: no claim */
    struct maat_claim_value cv;
    if (st == NULL || json_value(&st->arena, v, &cv, err) != 0) return -1;
    return maat__claim_list_push(l, type, &cv, err);
}

int maat__claim_list_push(struct maat_claim_list *l, const char *type,
                          const struct maat_claim_value *v, struct maat_error *err)
{
    struct list_store *st = l->priv_;
    if (st == NULL || l->count >= st->cap)
        return maat_error_set(err, MAAT_ERR_TOO_LARGE, "claims: more than %zu incoming claims",
                              st != NULL ? st->cap : 0);
    struct maat_claim *c = &l->claims[l->count];
    c->type = type;
    c->issuer = MAAT_ISSUER_SERVICE;
    c->value = *v;
    if (v->kind == MAAT_CLAIM_STRING || v->kind == MAAT_CLAIM_JSON) {
        c->value.str = pol_arena_strndup(&st->arena, v->str, v->len);
        if (c->value.str == NULL)
            return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    }
    l->count++;
    return 0;
}

void maat__claim_list_cleanup(struct maat_claim_list *l)
{
    if (l == NULL) return;
    struct list_store *st = l->priv_;
    if (st != NULL) {
        pol_arena_release(&st->arena);
        free(st);
    }
    memset(l, 0, sizeof *l);
}

json_t *maat__claim_value_to_json(const struct maat_claim_value *v)
{
    if (v == NULL) return NULL;
    switch (v->kind) {
    case MAAT_CLAIM_STRING: return json_stringn(v->str != NULL ? v->str : "", v->len);
    case MAAT_CLAIM_INTEGER: return json_integer((json_int_t)v->integer);
    case MAAT_CLAIM_BOOLEAN: return json_boolean(v->boolean);
    case MAAT_CLAIM_JSON: {
        json_t *j = json_loadb(v->str != NULL ? v->str : "", v->len, JSON_DECODE_ANY, NULL);
        return j != NULL ? j : json_stringn(v->str != NULL ? v->str : "", v->len);
    }
    case MAAT_CLAIM_SET: {
        json_t *a = json_array();
        for (size_t i = 0; a != NULL && i < v->count; i++) {
            json_t *m = maat__claim_value_to_json(&v->items[i]);
            if (m == NULL || json_array_append_new(a, m) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    }
    return NULL;
}

json_t *maat__claims_to_json(const struct maat_claim *claims, size_t n, struct maat_error *err)
{
    json_t *counts = json_object(), *obj = json_object();
    if (counts == NULL || obj == NULL) goto nomem;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_object_get(counts, claims[i].type);
        json_int_t k = c != NULL ? json_integer_value(c) : 0;
        if (json_object_set_new(counts, claims[i].type, json_integer(k + 1)) != 0) goto nomem;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = maat__claim_value_to_json(&claims[i].value);
        if (v == NULL) {
            json_decref(counts);
            json_decref(obj);
            maat_error_set(err, MAAT_ERR_ENCODING,
                           "claims: the value of claim \"%s\" cannot be JSON (invalid UTF-8?)",
                           claims[i].type);
            return NULL;
        }
        if (json_integer_value(json_object_get(counts, claims[i].type)) == 1) {
            if (json_object_set_new(obj, claims[i].type, v) != 0) goto nomem;
            continue;
        }
        json_t *arr = json_object_get(obj, claims[i].type);
        if (arr == NULL) {
            arr = json_array();
            if (arr == NULL || json_object_set_new(obj, claims[i].type, arr) != 0) {
                json_decref(v);
                goto nomem;
            }
        }
        if (json_array_append_new(arr, v) != 0) goto nomem;
    }
    json_decref(counts);
    return obj;
nomem:
    json_decref(counts);
    json_decref(obj);
    maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    return NULL;
}
