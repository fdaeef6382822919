/* test_bundle_json_flat.c - cold path (issue 16): the collateral bundle's JSON (members all
 * strings) is read by a flat walk (json_flat.c) instead of jansson, which cost ~1.8 M
 * instructions per cold verification. Differential: whenever the walk builds an object,
 * jansson (JSON_REJECT_DUPLICATES) parses the same text to an equal object; everything
 * outside the simple case (\u escapes, non-ASCII or control bytes, repeated names, values
 * that are not strings) is left to jansson, so refusals keep their old words; and nothing
 * the syntax scanner refuses is ever taken (cj_load scans only what the walk leaves). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_json.h"
#include "maat/collateral.h"
#include "cold_fixture.h"

/* 1: the walk built an object, equal to jansson's; 0: it left the text to jansson;
 * -1: the scanner refuses the text (neither runs on it) */
static int differential(const char *t, size_t n)
{
    struct maat_error err = {0};
    json_t *flat = maat__json_flat_strings(t, n);
    if (maat__json_scan_object(t, n, NULL, NULL, NULL, "t", &err) != 0) {
        assert_null(flat); /* cj_load skips the scan for what the walk takes */
        return -1;
    }
    if (flat == NULL) return 0;
    json_error_t je;
    json_t *ref = json_loadb(t, n, JSON_REJECT_DUPLICATES, &je);
    assert_non_null(ref);
    assert_true(json_equal(flat, ref));
    json_decref(ref);
    json_decref(flat);
    return 1;
}

static int diff_str(const char *t)
{
    return differential(t, strlen(t));
}

/* The defect: the bundle went through jansson although all its members are strings. */
static void test_bundle_json_flat_taken(void **state)
{
    (void)state;
    assert_int_equal(differential((const char *)g_coll, g_coll_len), 1);
    struct maat_error err = {0};
    struct maat_collateral_bundle b;
    unsigned long before = maat__json_flat_taken;
    assert_int_equal(maat_collateral_bundle_parse(g_coll, g_coll_len, &b, &err), 0);
    assert_int_equal(maat__json_flat_taken - before, 1); /* the bundle; not the bodies */
    assert_non_null(strstr(b.pck_crl_issuer_chain, "-----BEGIN CERTIFICATE-----\n"));
    assert_true(b.tcb_info_text_len > 100 && b.tcb_info_text[0] == '{');
    maat_collateral_bundle_cleanup(&b);
}

static void test_bundle_json_flat_simple_cases(void **state)
{
    (void)state;
    assert_int_equal(diff_str("{}"), 1);
    assert_int_equal(diff_str(" {\t\"a\" : \"b\\n\\t\\/\\\"\\\\\\b\\f\\r\" ,\r\n\"c\":\"\"} \n"), 1);
    assert_int_equal(diff_str("{\"a\":\"x\\u0041\"}"), 0);
    assert_int_equal(diff_str("{\"a\":\"\\u0000\"}"), 0);
    assert_int_equal(diff_str("{\"a\":\"\\ud800\"}"), 0);
    assert_int_equal(diff_str("{\"a\":\"\xc3\xa9\"}"), 0);
    assert_int_equal(diff_str("{\"a\":\"\xff\"}"), 0);
    assert_int_equal(diff_str("{\"\xc3\xa9\":\"x\"}"), 0);
    assert_int_equal(diff_str("{\"a\":\"x\",\"a\":\"y\"}"), 0);
    assert_int_equal(diff_str("{\"a\":1}"), 0);
    assert_int_equal(diff_str("{\"a\":{\"b\":\"c\",\"b\":\"d\"}}"), 0);
    assert_int_equal(diff_str("{\"a\":[\"x\"]}"), 0);
    assert_int_equal(diff_str("{\"a\":null,\"b\":\"c\"}"), 0);
    assert_int_equal(diff_str("{\"a\\n\":\"x\"}"), 0);
    assert_int_equal(diff_str("{\"\":\"x\"}"), 0);
    assert_int_equal(differential("{\"a\":\"x\0\"}", 9), -1); /* a raw NUL: never accepted */

    /* a repeated name in a bundle is still refused by jansson, in its words */
    const char *dup = "{\"pck_crl\":\"00\",\"pck_crl\":\"00\"}";
    struct maat_error err = {0};
    struct maat_collateral_bundle b;
    assert_int_not_equal(maat_collateral_bundle_parse(dup, strlen(dup), &b, &err), 0);
    assert_non_null(strstr(err.msg, "duplicate"));
}

/* Single-byte changes all over the real bundle: the walk never builds an object that
 * jansson would not build, or a different one. */
static void test_bundle_json_flat_mutations(void **state)
{
    (void)state;
    static const char repl[] = {'\\', '"', 'u', '\x01', '\x80', ',', '}', ' ', 'n', ':'};
    char *t = malloc(g_coll_len);
    assert_non_null(t);
    size_t taken = 0, left = 0;
    for (size_t i = 0; i < g_coll_len; i += 211) {
        for (size_t k = 0; k < sizeof repl; k++) {
            memcpy(t, g_coll, g_coll_len);
            t[i] = repl[k];
            int r = differential(t, g_coll_len);
            taken += r == 1;
            left += r == 0;
        }
    }
    free(t);
    assert_true(taken > 100);
    assert_true(left > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_json_flat_taken),
        cmocka_unit_test(test_bundle_json_flat_simple_cases),
        cmocka_unit_test(test_bundle_json_flat_mutations),
    };
    return cmocka_run_group_tests(tests, cold_setup, cold_teardown);
}
