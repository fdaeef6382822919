/* test_json_span.c - the JSON syntax scanner's string scan, which skips runs of plain
 * characters sixteen (SSE2) or eight bytes at a time (maat__json_plain_run): against a
 * byte-by-byte reference on random strings (every alignment, every length up to 70, the
 * bytes that must stop a scan placed anywhere), the same offsets in its errors, the
 * "plain" answer of the member search, and the span of a long evidence string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_span.h"
#include "testutil.h"

/* The bytes that matter to a string scan, and some that must not stop it. */
static const unsigned char alphabet[] = {'A',  'z',  '0',  '-',  '_', ' ',  0x7f, 0x80, 0xc3,
                                         0xff, 0x21, 0x5b, 0x5d, '"', '\\', 0x1f, 0x00, 0x0a};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned next(void)
{
    return (unsigned)(tu_xorshift(&rng) >> 32);
}

/* {"k":"<s>"} scanned for member k. Reference for s without a backslash: the string is
 * well formed and the value spans the whole of it when s holds no '"' and no byte below
 * 0x20; otherwise the first such byte decides: a control character is refused at its
 * offset, a '"' ends the string early and the text after it is not valid JSON here. */
static void check_one(const unsigned char *s, size_t n, size_t lead)
{
    char text[256];
    memset(text, ' ', lead); /* whitespace before the object shifts every alignment */
    memcpy(text + lead, "{\"k\":\"", 6);
    memcpy(text + lead + 6, s, n);
    memcpy(text + lead + 6 + n, "\"}", 2);
    size_t len = lead + n + 8, start = lead + 5;
    bool found = false;
    struct maat_json_span span = {0, 0};
    struct maat_error err = {0};
    int rc = maat__json_scan_object(text, len, "k", &found, &span, "t", &err);
    size_t stop = n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] < 0x20) {
            stop = i;
            break;
        }
    if (stop == n) {
        if (rc != 0) fail_msg("n=%zu lead=%zu: refused: %s", n, lead, err.msg);
        assert_true(found);
        assert_int_equal(span.start, start);
        assert_int_equal(span.end, start + n + 2);
        /* the member search says "plain" exactly for ASCII (no escapes here) */
        bool ambiguous = true, plain = false, ascii = true;
        for (size_t i = 0; i < n; i++) ascii = ascii && s[i] < 0x80;
        assert_int_equal(maat__json_scan_object_find(text, len, "k", &found, &span, &ambiguous,
                                                     &plain, "t", &err),
                         0);
        assert_true(found);
        assert_false(ambiguous);
        assert_int_equal(plain, ascii);
        return;
    }
    assert_int_equal(rc, -1);
    if (s[stop] < 0x20) {
        char want[64];
        snprintf(want, sizeof want, "at offset %zu ", start + 1 + stop);
        if (strstr(err.msg, want) == NULL || strstr(err.msg, "control character") == NULL)
            fail_msg("n=%zu lead=%zu stop=%zu: %s", n, lead, stop, err.msg);
    }
}

static void test_random_strings(void **state)
{
    (void)state;
    unsigned char s[80];
    for (int round = 0; round < 20000; round++) {
        size_t n = next() % 71, lead = next() % 8;
        /* mostly plain characters, so long runs occur, with a stop byte at a random place
         * in some rounds */
        for (size_t i = 0; i < n; i++) s[i] = alphabet[next() % 10];
        if (n > 0 && next() % 2) s[next() % n] = alphabet[10 + next() % 8];
        if (memchr(s, '\\', n) != NULL) continue; /* escapes: the next test */
        check_one(s, n, lead);
    }
}

/* maat__json_plain_run against the byte-by-byte definition, every length to 100 and
 * every start alignment, stop bytes anywhere (or none). */
static void test_plain_run(void **state)
{
    (void)state;
    unsigned char buf[128];
    for (int round = 0; round < 40000; round++) {
        size_t n = next() % 101, off = next() % 16;
        for (size_t i = 0; i < n; i++) buf[off + i] = alphabet[next() % 7];
        if (n > 0 && next() % 3) buf[off + next() % n] = alphabet[7 + next() % 11];
        size_t want = 0;
        while (want < n) {
            unsigned char c = buf[off + want];
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
            want++;
        }
        size_t got = maat__json_plain_run((const char *)buf + off, n);
        if (got != want) fail_msg("n=%zu off=%zu: %zu, expected %zu", n, off, got, want);
    }
}

/* "plain": only for a string value without escapes and without bytes >= 0x80. */
static void test_find_plain(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool found, plain;
    } cases[] = {
        {"{\"q\":\"AAAA-_09\"}", true, true},
        {"{\"q\":\"\"}", true, true},
        {"{\"q\":\"AA\\u0041\"}", true, false},
        {"{\"q\":\"AA\\n\"}", true, false},
        {"{\"q\":\"caf\xc3\xa9\"}", true, false},
        {"{\"q\":12}", true, false},
        {"{\"q\":{\"r\":\"x\"}}", true, false},
        {"{\"a\":\"\\u00e9\",\"q\":\"ok\"}", true, true},  /* escapes elsewhere */
        {"{\"q\":\"ok\",\"z\":\"\xc3\xa9\"}", true, true}, /* and non-ASCII after */
        {"{\"r\":{\"q\":\"nested\"}}", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool found = !cases[i].found, ambiguous = true, plain = !cases[i].plain;
        struct maat_json_span span;
        struct maat_error err = {0};
        if (maat__json_scan_object_find(cases[i].text, strlen(cases[i].text), "q", &found, &span,
                                        &ambiguous, &plain, "t", &err) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        if (found != cases[i].found || plain != cases[i].plain || ambiguous)
            fail_msg("case %zu (%s): found %d plain %d ambiguous %d", i, cases[i].text, found,
                     plain, ambiguous);
    }
}

/* Escapes are still checked one by one after a fast run; a bad escape deep in a long
 * string is reported at its offset. */
static void test_escapes_after_runs(void **state)
{
    (void)state;
    for (size_t pre = 0; pre < 40; pre++) {
        char text[128];
        int len = snprintf(text, sizeof text, "{\"k\":\"%.*s\\u00e9\\n%.*s\"}", (int)pre,
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", (int)(pre % 9),
                           "BBBBBBBBBBBB");
        bool found = false;
        struct maat_json_span span;
        struct maat_error err = {0};
        assert_int_equal(maat__json_scan_object(text, (size_t)len, "k", &found, &span, "t", &err), 0);
        assert_true(found);
        assert_int_equal(span.end, (size_t)len - 1);
        len = snprintf(text, sizeof text, "{\"k\":\"%.*s\\q\"}", (int)pre,
                       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_int_equal(maat__json_scan_object(text, (size_t)len, "k", &found, &span, "t", &err),
                         -1);
        char want[32];
        snprintf(want, sizeof want, "at offset %zu ", 6 + pre + 1);
        if (strstr(err.msg, want) == NULL) fail_msg("pre=%zu: %s", pre, err.msg);
    }
}

/* A 6 KB base64url string (the evidence of an attest request) and a string that is cut
 * off: the span, and "text ends" at the end. */
static void test_long_string(void **state)
{
    (void)state;
    size_t n = 6144;
    char *text = malloc(n + 16);
    memcpy(text, "{\"quote\":\"", 10);
    for (size_t i = 0; i < n; i++)
        text[10 + i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i % 64];
    memcpy(text + 10 + n, "\"}", 2);
    bool found = false;
    struct maat_json_span span;
    struct maat_error err = {0};
    assert_int_equal(maat__json_scan_object(text, n + 12, "quote", &found, &span, "t", &err), 0);
    assert_int_equal(span.start, 9);
    assert_int_equal(span.end, 9 + n + 2);
    for (size_t cut = n + 4; cut < n + 12; cut++) {
        int rc = maat__json_scan_object(text, cut, "quote", &found, &span, "t", &err);
        assert_int_equal(rc, -1);
    }
    assert_int_equal(maat__json_scan_object(text, n + 9, "quote", &found, &span, "t", &err), -1);
    assert_non_null(strstr(err.msg, "text ends at offset"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_strings), cmocka_unit_test(test_plain_run),
        cmocka_unit_test(test_find_plain),     cmocka_unit_test(test_escapes_after_runs),
        cmocka_unit_test(test_long_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
