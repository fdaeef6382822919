/* test_jose_dump.c - the token payload text that maat__jws_sign / maat__jws_unsigned write
 * with sort_keys (src/lib/jose.c writes it without jansson when it can) must be byte for
 * byte json_dumps(payload, JSON_SORT_KEYS | JSON_COMPACT), and without sort_keys (the
 * header) json_dumps(.., JSON_PRESERVE_ORDER | JSON_COMPACT): checked on the claim sets of
 * the tokens recorded from MAA (maa-recordings/attest/ *.token.json) and on trees with
 * every escape, key-order corner and value kind. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/bytes.h"
#include "maat/jose.h"
#include "testutil.h"

/* The payload part of maat__jws_unsigned(NULL, j, sort) equals jansson's dump: sorted, or
 * in insertion order (JSON_PRESERVE_ORDER, the header's form). */
static void check_same_as(const json_t *j, bool sort)
{
    struct maat_error err = {0};
    char *tok = maat__jws_unsigned(NULL, j, sort, &err);
    if (tok == NULL) fail_msg("maat__jws_unsigned: %s", err.msg);
    char *d1 = strchr(tok, '.');
    assert_non_null(d1);
    char *d2 = strchr(d1 + 1, '.');
    assert_non_null(d2);
    uint8_t *got = NULL;
    size_t n = 0;
    if (maat_base64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), "payload", &got, &n, &err) != 0)
        fail_msg("decode: %s", err.msg);
    char *want = json_dumps(j, (sort ? JSON_SORT_KEYS : JSON_PRESERVE_ORDER) | JSON_COMPACT);
    assert_non_null(want);
    if (n != strlen(want) || memcmp(got, want, n) != 0)
        fail_msg("payload (%s) differs:\n got %.*s\nwant %s", sort ? "sorted" : "in order", (int)n,
                 (const char *)got, want);
    free(want);
    free(got);
    free(tok);
}

static void check_same(const json_t *j)
{
    check_same_as(j, true);
    check_same_as(j, false);
}

static const char *const recorded[] = {
    "sgx-shared-plain",
    "sgx-shared-runtime-binary",
    "sgx-shared-runtime-json",
    "sgx-aad-plain",
    "sgx-aad-runtime-binary",
    "sgx-aad-runtime-json",
    "sgx-isolated-plain",
    "sgx-isolated-runtime-binary",
    "sgx-isolated-runtime-json",
    "oe-shared-plain",
    "oe-shared-runtime-binary",
    "oe-shared-runtime-json",
    "oe-aad-plain",
    "oe-aad-runtime-binary",
    "oe-aad-runtime-json",
    "oe-isolated-plain",
    "oe-isolated-runtime-binary",
    "oe-isolated-runtime-json",
    "sgx-shared-draft-permit",
    "oe-aad-draft-permit",
};

static void test_recorded_payloads(void **state)
{
    (void)state;
    size_t done = 0;
    for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "maa-recordings/attest/%s.token.json", recorded[i]);
        size_t n;
        uint8_t *p = tu_read_vector(rel, &n);
        if (p == NULL) skip();
        json_error_t je;
        json_t *t = json_loadb((const char *)p, n, 0, &je);
        free(p);
        if (t == NULL) fail_msg("%s: %s", rel, je.text);
        json_t *payload = json_object_get(t, "payload");
        assert_true(json_is_object(payload));
        assert_true(json_object_size(payload) > 10);
        check_same(payload);
        /* and the same claims in reverse insertion order */
        json_t *rev = json_object();
        const char **keys = calloc(json_object_size(payload), sizeof *keys);
        assert_non_null(keys);
        size_t k = 0;
        const char *key;
        json_t *v;
        json_object_foreach (payload, key, v) keys[k++] = key;
        while (k-- > 0) json_object_set(rev, keys[k], json_object_get(payload, keys[k]));
        check_same(rev);
        free(keys);
        json_decref(rev);
        json_decref(t);
        done++;
    }
    assert_int_equal(done, sizeof recorded / sizeof recorded[0]);
}

static void test_corners(void **state)
{
    (void)state;
    const char *texts[] = {
        "{}",
        "{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":null,\"e\":true,\"f\":false}",
        "{\"ab\":1,\"a\":2,\"b\":3,\"aa\":4,\"A\":5,\"_\":6,\"-\":7,\"a-b\":8,\"a_b\":9,\"\":10}",
        "{\"n\":-1,\"z\":0,\"big\":9223372036854775807,\"small\":-9223372036854775808}",
        "{\"s\":\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001\\u001f\\u007f x\"}",
        "{\"k\\\"\\n\":\"v\",\"k\":\"\\u0000\"}",
        "{\"x\":[1,\"two\",{\"z\":1,\"y\":[{\"b\":1,\"a\":2}]}]}",
        /* handed to jansson: a real, non-ASCII (UTF-8 checked while writing) */
        "{\"r\":1.5,\"s\":\"x\"}",
        "{\"u\":\"caf\\u00e9 \\ud83d\\ude00\",\"a\":1}",
        "{\"caf\\u00e9\":1,\"a\":[0.1]}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_error_t je;
        json_t *j = json_loads(texts[i], JSON_ALLOW_NUL, &je);
        if (j == NULL) fail_msg("case %zu: %s", i, je.text);
        check_same(j);
        json_decref(j);
    }
    /* keys with an embedded NUL, and more keys than the stack array holds */
    json_t *j = json_object();
    json_object_setn_new(j, "a\0b", 3, json_integer(1));
    json_object_setn_new(j, "a", 1, json_integer(2));
    json_object_setn_new(j, "a\0", 2, json_integer(3));
    for (int i = 0; i < 150; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", (i * 37) % 150);
        json_object_set_new(j, k, json_integer(i));
    }
    check_same(j);
    json_decref(j);
    /* the writer skips plain runs eight bytes at a time: a byte that needs escaping (or
     * UTF-8, left to jansson) at every position of strings up to 40 bytes long */
    static const char specials[] = {'"', '\\', '\n', 0x1f, 0x7f, '/', (char)0xc3};
    for (size_t len = 1; len <= 40; len++)
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof specials; k++) {
                char str[48];
                memset(str, 'a' + (char)(len % 26), len);
                str[at] = specials[k];
                if (specials[k] == (char)0xc3) {
                    if (at + 1 >= len) continue;
                    str[at + 1] = (char)0xa9; /* U+00E9 */
                }
                json_t *o = json_object();
                json_object_set_new(o, "k", json_stringn(str, len));
                check_same(o);
                json_decref(o);
            }
    /* deeper than the writer goes itself */
    json_t *deep = json_object();
    json_t *cur = deep;
    for (int i = 0; i < 40; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, "d", next);
        cur = next;
    }
    check_same(deep);
    json_decref(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_payloads),
        cmocka_unit_test(test_corners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
