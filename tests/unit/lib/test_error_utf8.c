/* test_error_utf8.c - a non-UTF-8 byte in an error message erased the whole message where it
 * was written as JSON (jansson refuses such strings): maat_error_set/prefix now keep every
 * message valid UTF-8, the offending byte written as \xNN (maat_utf8_escape). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "maat/error.h"
#include "testutil.h"

static void esc(const char *in, size_t len, const char *want)
{
    char out[128];
    size_t n = maat_utf8_escape(in, len, out, sizeof out);
    if (strcmp(out, want) != 0) fprintf(stderr, "got '%s', expected '%s'\n", out, want);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_non_utf8_error_keeps_message_escape_forms(void **state)
{
    (void)state;
    esc("plain", 5, "plain");
    esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    esc("a\xff"
        "b",
        3, "a\\xffb");
    esc("\x80", 1, "\\x80");                            /* lone continuation byte */
    esc("\xc0\x80", 2, "\\xc0\\x80");                   /* overlong NUL */
    esc("\xc1\xbf", 2, "\\xc1\\xbf");                   /* overlong */
    esc("\xe0\x80\xaf", 3, "\\xe0\\x80\\xaf");          /* overlong 3-byte */
    esc("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");          /* UTF-16 surrogate */
    esc("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    esc("\xf5\x80\x80\x80", 4, "\\xf5\\x80\\x80\\x80");
    esc("\xe2\x82", 2, "\\xe2\\x82"); /* truncated sequence at the end */
    esc("\xe2\x82x", 3, "\\xe2\\x82x");
    esc("\xf0\x9f\x98", 3, "\\xf0\\x9f\\x98");
}

static void test_non_utf8_error_keeps_message_truncation(void **state)
{
    (void)state;
    char out[6];
    /* never splits a character or an escape */
    assert_int_equal(maat_utf8_escape("ab\xff", 3, out, sizeof out), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(maat_utf8_escape("abcd\xc3\xa9", 6, out, sizeof out), 4);
    assert_string_equal(out, "abcd");
    assert_int_equal(maat_utf8_escape("a\xff", 2, out, sizeof out), 5);
    assert_string_equal(out, "a\\xff");
    assert_int_equal(maat_utf8_escape("x", 1, out, 1), 0);
    assert_string_equal(out, "");
    assert_int_equal(maat_utf8_escape("x", 1, NULL, 0), 0);
}

static void test_non_utf8_error_keeps_message(void **state)
{
    (void)state;
    struct maat_error err = {0};
    const char *name = "policy\xfe.txt";
    maat_error_set(&err, MAAT_ERR_VALUE, "line 3: unexpected character '%s' (expected a rule)",
                   "\xff");
    maat_error_prefix(&err, "%s", name);
    assert_string_equal(err.msg,
                        "policy\\xfe.txt: line 3: unexpected character '\\xff' (expected a rule)");
    json_t *j = json_string(err.msg);
    assert_non_null(j); /* was NULL: the whole message lost */
    json_decref(j);

    /* valid UTF-8 passes unchanged, through prefixes too */
    maat_error_clear(&err);
    maat_error_set(&err, MAAT_ERR_VALUE, "subject CN=J\xc3\xbcrgen");
    maat_error_prefix(&err, "cert \xe2\x82\xac");
    assert_string_equal(err.msg, "cert \xe2\x82\xac: subject CN=J\xc3\xbcrgen");

    /* a long message truncates at a character boundary and stays valid */
    maat_error_clear(&err);
    char big[700];
    memset(big, '\xff', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    maat_error_set(&err, MAAT_ERR_VALUE, "%s", big);
    size_t n = strlen(err.msg);
    assert_true(n < MAAT_ERROR_MSG_MAX);
    assert_int_equal(n % 4, 0);
    j = json_string(err.msg);
    assert_non_null(j);
    json_decref(j);
    maat_error_prefix(&err, "p\xc3\xa9");
    j = json_string(err.msg);
    assert_non_null(j);
    json_decref(j);
    assert_int_equal(strncmp(err.msg, "p\xc3\xa9: \\xff", 9), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_utf8_error_keeps_message_escape_forms),
        cmocka_unit_test(test_non_utf8_error_keeps_message_truncation),
        cmocka_unit_test(test_non_utf8_error_keeps_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
