/* test_textout.c - src/cli/textout.c: untrusted text escaped for a terminal (C0 controls,
 * ESC, DEL, C1 controls, bidi overrides, invalid UTF-8), UTF-8 kept, bounded output. The
 * module has no dependency, so it is compiled into this test directly. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../../../src/cli/textout.c"

static void expect(const char *in, size_t n, unsigned flags, const char *want)
{
    char out[256];
    size_t need = cli_text_escape(out, sizeof out, in, n, flags);
    assert_string_equal(out, want);
    assert_int_equal(need, strlen(want));
}

/* The defect: a nonce "x\r\nresult : PASS" or with ESC sequences reached the terminal raw. */
static void test_nonce_control_chars_escaped(void **state)
{
    (void)state;
    const char *nonce = "abc\nresult                             : PASS\x1b[2K\r";
    char *e = cli_text_escaped(nonce, 0);
    assert_non_null(e);
    assert_null(strchr(e, '\n'));
    assert_null(strchr(e, '\r'));
    assert_null(strchr(e, 0x1b));
    assert_string_equal(e, "abc\\x0aresult                             : PASS\\x1b[2K\\x0d");
    free(e);
}

static void test_controls_del_c1_bidi(void **state)
{
    (void)state;
    expect("a\x01"
           "b\x7f"
           "c\t",
           6, 0, "a\\x01b\\x7fc\\x09");
    expect("\xc2\x9b"
           "31m",
           5, 0, "\\u009b31m");                  /* C1 CSI */
    expect("\xc2\x85", 2, 0, "\\u0085");         /* C1 NEL */
    expect("x\xe2\x80\xaey", 5, 0, "x\\u202ey"); /* RLO */
    expect("\xe2\x81\xa6", 3, 0, "\\u2066");     /* LRI */
    expect("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x94\x91", 14, 0,
           "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x94\x91"); /* UTF-8 kept */
    expect("a\0b", 3, 0, "a\\x00b");
}

static void test_invalid_utf8_bytes(void **state)
{
    (void)state;
    expect("\xff\xfe", 2, 0, "\\xff\\xfe");
    expect("\xc0\xaf", 2, 0, "\\xc0\\xaf");                   /* overlong '/' */
    expect("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80");          /* surrogate */
    expect("\xf4\x90\x80\x80", 4, 0, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    expect("\xe2\x80", 2, 0, "\\xe2\\x80");                   /* truncated */
}

static void test_keep_lines(void **state)
{
    (void)state;
    expect("a\n\tb\r\x1b", 6, CLI_TEXT_KEEP_LINES, "a\n\tb\\x0d\\x1b");
}

static void test_bounded(void **state)
{
    (void)state;
    char out[8];
    size_t need = cli_text_escape(out, sizeof out, "ab\x01\x02", 4, 0);
    assert_int_equal(need, 10);
    assert_string_equal(out, "ab\\x01"); /* cut at a whole escape */
    assert_int_equal(cli_text_escape(NULL, 0, "\x1b", 1, 0), 4);
}

static void test_stream_slices(void **state)
{
    (void)state;
    /* 99 ASCII + a 2-byte character across the 100-byte slice boundary, then ESC */
    char in[200];
    memset(in, 'a', 99);
    memcpy(in + 99, "\xc3\xa9\x1b", 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_text_putn(f, in, 102, 0);
    cli_text_printf(f, "v=%s\n", "x\ny");
    fclose(f);
    assert_int_equal(len, 99 + 2 + 4 + 9);
    assert_memory_equal(buf + 99, "\xc3\xa9\\x1bv=x\\x0ay\n", 15);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonce_control_chars_escaped),
        cmocka_unit_test(test_controls_del_c1_bidi),
        cmocka_unit_test(test_invalid_utf8_bytes),
        cmocka_unit_test(test_keep_lines),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_stream_slices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
