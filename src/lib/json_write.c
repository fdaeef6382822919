/*
 * json_write.c - libmaat's compact JSON writer (maat__json_dump / maat__json_append,
 * jose_internal.h): the bytes jansson 2.14 writes, faster, used for token headers and
 * payloads. A leaf module: it calls only jansson and the byte buffer.
 */
#include "jose_internal.h"
#include "maat/bytes.h"
#include "json_span.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_OTHER 1 /* dump_tree: the tree holds something it leaves to jansson */
#define DUMP_MAX_DEPTH 32

struct dump_key {
    const char *key;
    size_t len;
    json_t *value;
};

/* jansson 2.14's key order for JSON_SORT_KEYS: memcmp over the shorter, then length. */
static int dump_key_cmp(const void *x, const void *y)
{
    const struct dump_key *a = x, *b = y;
    int r = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    if (r != 0) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* A string as jansson writes it without JSON_ENSURE_ASCII / JSON_ESCAPE_SLASH. Only
 * ASCII is handled here (jansson checks UTF-8 while writing; leave that to it). */
static int dump_string(struct maat_buf *b, const char *s, size_t n)
{
    if (maat_buf_reserve(b, n + 2) != 0 || maat_buf_put_u8(b, '"') != 0) return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        /* plain ASCII runs (hex, base64url) at once */
        i += maat__json_plain_run(s + i, n - i);
        if (i == n) break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) return DUMP_OTHER;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (maat_buf_put(b, s + run, i - run) != 0) return -1;
        run = i + 1;
        char seq[8];
        switch (c) {
        case '"': memcpy(seq, "\\\"", 3); break;
        case '\\': memcpy(seq, "\\\\", 3); break;
        case '\b': memcpy(seq, "\\b", 3); break;
        case '\f': memcpy(seq, "\\f", 3); break;
        case '\n': memcpy(seq, "\\n", 3); break;
        case '\r': memcpy(seq, "\\r", 3); break;
        case '\t': memcpy(seq, "\\t", 3); break;
        default: snprintf(seq, sizeof seq, "\\u%04X", (unsigned)c); break;
        }
        if (maat_buf_put_str(b, seq) != 0) return -1;
    }
    if (maat_buf_put(b, s + run, n - run) != 0 || maat_buf_put_u8(b, '"') != 0) return -1;
    return 0;
}

/* Appends exactly what json_dumps(j, JSON_COMPACT | (sort ? JSON_SORT_KEYS :
 * JSON_PRESERVE_ORDER)) writes, for trees of objects, arrays, ASCII strings, integers,
 * true, false and null; returns DUMP_OTHER (leaving b partly written) for anything else,
 * -1 when out of memory. Unsorted objects are written in jansson's iteration order, which
 * in jansson 2.14 is insertion order, as JSON_PRESERVE_ORDER writes them. */
static int dump_tree(struct maat_buf *b, const json_t *j, bool sort, size_t depth)
{
    if (depth > DUMP_MAX_DEPTH) return DUMP_OTHER;
    int rc = 0;
    switch (json_typeof(j)) {
    case JSON_NULL: return maat_buf_put(b, "null", 4);
    case JSON_TRUE: return maat_buf_put(b, "true", 4);
    case JSON_FALSE: return maat_buf_put(b, "false", 5);
    case JSON_INTEGER: {
        char num[32];
        int k = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return maat_buf_put(b, num, (size_t)k);
    }
    case JSON_STRING: return dump_string(b, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        if (maat_buf_put_u8(b, '[') != 0) return -1;
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i > 0 && maat_buf_put_u8(b, ',') != 0) return -1;
            if ((rc = dump_tree(b, json_array_get(j, i), sort, depth + 1)) != 0) return rc;
        }
        return maat_buf_put_u8(b, ']');
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        struct dump_key stack[64], *keys = stack;
        if (n > sizeof stack / sizeof stack[0]) {
            keys = malloc(n * sizeof *keys);
            if (keys == NULL) return -1;
        }
        size_t i = 0;
        for (void *it = json_object_iter((json_t *)j); it != NULL && i < n;
             it = json_object_iter_next((json_t *)j, it), i++) {
            keys[i].key = json_object_iter_key(it);
            keys[i].len = json_object_iter_key_len(it);
            keys[i].value = json_object_iter_value(it);
        }
        if (sort) qsort(keys, i, sizeof *keys, dump_key_cmp);
        rc = maat_buf_put_u8(b, '{');
        for (size_t m = 0; rc == 0 && m < i; m++) {
            if (m > 0 && (rc = maat_buf_put_u8(b, ',')) != 0) break;
            if ((rc = dump_string(b, keys[m].key, keys[m].len)) != 0) break;
            if ((rc = maat_buf_put_u8(b, ':')) != 0) break;
            rc = dump_tree(b, keys[m].value, sort, depth + 1);
        }
        if (rc == 0) rc = maat_buf_put_u8(b, '}');
        if (keys != stack) free(keys);
        return rc;
    }
    default: return DUMP_OTHER;
    }
}

int maat__json_append(struct maat_buf *b, const json_t *j, bool sort)
{
    size_t start = b->len;
    int rc = dump_tree(b, j, sort, 0);
    if (rc != DUMP_OTHER) return rc;
    b->len = start; /* what jansson writes instead */
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY |
                                   (sort ? JSON_SORT_KEYS : JSON_PRESERVE_ORDER));
    if (text == NULL) return -1;
    rc = maat_buf_put_str(b, text);
    free(text);
    return rc;
}

int maat__json_append_string(struct maat_buf *b, const char *s, size_t n)
{
    size_t start = b->len;
    int rc = dump_string(b, s, n);
    if (rc != DUMP_OTHER) return rc;
    b->len = start;
    json_t *j = json_stringn(s, n); /* NULL for text that is not UTF-8 */
    if (j == NULL) return -1;
    rc = maat__json_append(b, j, true);
    json_decref(j);
    return rc;
}

char *maat__json_dump(const json_t *j, bool sort, size_t *len)
{
    struct maat_buf t;
    maat_buf_init(&t);
    if (maat__json_append(&t, j, sort) != 0) {
        maat_buf_cleanup(&t);
        return NULL;
    }
    *len = t.len;
    return maat_buf_take_str(&t);
}
