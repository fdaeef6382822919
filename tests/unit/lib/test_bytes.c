/* test_bytes.c - the bounded reader, the writer and the strict hex/base64/base64url codecs. */
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "testutil.h"

static void test_reader_reads_and_stops(void **state)
{
    (void)state;
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};
    struct maat_error err = {0};
    struct maat_reader r;
    maat_reader_init(&r, b, sizeof b, "thing", &err);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    assert_int_equal(maat_read_u8(&r, "a", &u8), 0);
    assert_int_equal(u8, 1);
    assert_int_equal(maat_read_u16le(&r, "b", &u16), 0);
    assert_int_equal(u16, 0x0302);
    assert_int_equal(maat_read_u32le(&r, "c", &u32), 0);
    assert_int_equal(u32, 0x07060504);
    assert_int_equal(maat_reader_pos(&r), 7);
    uint64_t u64;
    assert_int_equal(maat_read_u64le(&r, "d", &u64), -1);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
    assert_string_equal(err.msg, "thing truncated: d needs 8 bytes but only 4 are left at offset 7");
    assert_int_equal(maat_reader_pos(&r), 7); /* a failed read does not move the cursor */

    maat_error_clear(&err);
    struct maat_reader sub;
    assert_int_equal(maat_read_sub(&r, "inner", 5, "inner thing", &sub), -1);
    assert_int_equal(err.code, MAAT_ERR_LENGTH);
    assert_string_equal(err.msg,
                        "thing truncated: inner length 5 exceeds the 4 bytes left at offset 7");
    maat_error_clear(&err);
    assert_int_equal(maat_read_sub(&r, "inner", 3, "inner thing", &sub), 0);
    assert_int_equal(maat_read_u32le(&sub, "x", &u32), -1);
    /* nested readers report absolute offsets */
    assert_string_equal(err.msg,
                        "inner thing truncated: x needs 4 bytes but only 3 are left at offset 7");
    maat_error_clear(&err);
    assert_int_equal(maat_reader_expect_end(&r), -1);
    assert_int_equal(err.code, MAAT_ERR_TRAILING);
    assert_non_null(strstr(err.msg, "1 unexpected bytes"));
    assert_non_null(strstr(err.msg, "offset 10"));
}

static void test_reader_huge_lengths(void **state)
{
    (void)state;
    const uint8_t b[4] = {0};
    struct maat_error err = {0};
    struct maat_reader r;
    maat_reader_init(&r, b, sizeof b, "x", &err);
    struct maat_view v;
    assert_int_equal(maat_read_view(&r, "f", SIZE_MAX, &v), -1);
    maat_error_clear(&err);
    assert_int_equal(maat_read_skip(&r, "f", (size_t)-2), -1);
    maat_error_clear(&err);
    struct maat_reader sub;
    assert_int_equal(maat_read_sub(&r, "f", SIZE_MAX, NULL, &sub), -1);
    /* first failure wins */
    assert_int_equal(maat_read_view(&r, "g", 99, &v), -1);
    assert_non_null(strstr(err.msg, "f length"));
}

static void test_writer(void **state)
{
    (void)state;
    struct maat_buf b;
    maat_buf_init(&b);
    assert_int_equal(maat_buf_put_u16le(&b, 0x0102), 0);
    assert_int_equal(maat_buf_put_u32le(&b, 0), 0);
    assert_int_equal(maat_buf_put_u64le(&b, 0x1122334455667788ull), 0);
    maat_buf_patch_u32le(&b, 2, 0xa1b2c3d4u);
    const uint8_t want[] = {0x02, 0x01, 0xd4, 0xc3, 0xb2, 0xa1, 0x88, 0x77,
                            0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    for (int i = 0; i < 10000; i++) assert_int_equal(maat_buf_put_str(&b, "abc"), 0);
    assert_int_equal(b.len, sizeof want + 30000);
    char *s = maat_buf_take_str(&b);
    assert_int_equal(strlen(s + sizeof want), 30000);
    free(s);
    assert_null(b.data);
    maat_buf_cleanup(&b);
}

static void test_hex(void **state)
{
    (void)state;
    struct maat_error err = {0};
    uint8_t *out;
    size_t n;
    assert_int_equal(maat_hex_decode("00fFa9", 6, "f", &out, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(out[1], 0xff);
    free(out);
    assert_int_equal(maat_hex_decode("abc", 3, "MrEnclaveHex", &out, &n, &err), -1);
    assert_string_equal(err.msg, "MrEnclaveHex: hex text has an odd number of digits (3)");
    maat_error_clear(&err);
    assert_int_equal(maat_hex_decode("00g0", 4, "QuoteHex", &out, &n, &err), -1);
    assert_string_equal(err.msg,
                        "QuoteHex: invalid hex digit 0x67 at offset 2 (expected 0-9, a-f, A-F)");
    maat_error_clear(&err);
    assert_int_equal(maat_hex_decode("00 0", 4, "x", &out, &n, &err), -1);
    maat_error_clear(&err);
    uint8_t fixed[2];
    assert_int_equal(maat_hex_decode_fixed("0102", 4, "pceId", fixed, 2, &err), 0);
    assert_int_equal(maat_hex_decode_fixed("010203", 6, "pceId", fixed, 2, &err), -1);
    assert_string_equal(err.msg, "pceId: expected 4 hex digits (2 bytes), got 6");
    char enc[7];
    maat_hex_encode((const uint8_t *)"\x00\xab\x10", 3, enc);
    assert_string_equal(enc, "00ab10");
}

static void roundtrip(const uint8_t *p, size_t n)
{
    struct maat_error err = {0};
    char *s = maat_base64_encode(p, n);
    char *u = maat_base64url_encode(p, n);
    uint8_t *d;
    size_t dn;
    assert_int_equal(maat_base64_decode(s, strlen(s), "s", &d, &dn, &err), 0);
    assert_int_equal(dn, n);
    if (n) assert_memory_equal(d, p, n);
    free(d);
    assert_int_equal(maat_base64url_decode(u, strlen(u), "u", &d, &dn, &err), 0);
    assert_int_equal(dn, n);
    if (n) assert_memory_equal(d, p, n);
    free(d);
    assert_null(strchr(u, '='));
    free(s);
    free(u);
}

static void test_base64(void **state)
{
    (void)state;
    uint8_t p[300];
    for (size_t i = 0; i < sizeof p; i++) p[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n < sizeof p; n++) roundtrip(p, n);

    char *s = maat_base64_encode((const uint8_t *)"\xfb\xff", 2);
    assert_string_equal(s, "+/8=");
    free(s);
    s = maat_base64url_encode((const uint8_t *)"\xfb\xff", 2);
    assert_string_equal(s, "-_8");
    free(s);

    struct maat_error err = {0};
    uint8_t *d;
    size_t dn;
    /* base64url with padding is accepted too (some clients send it) */
    assert_int_equal(maat_base64url_decode("-_8=", 4, "u", &d, &dn, &err), 0);
    free(d);
    struct { const char *in; int url; const char *msg_part; } bad[] = {
        {"-_8=", 0, "invalid base64 character 0x2d at offset 0"},
        {"+/8=", 1, "invalid base64url character 0x2b at offset 0"},
        {"AAA", 0, "padding missing"},
        {"AA=A", 0, "not at the end"},
        {"A===", 0, "not at the end"},
        {"AAAA=", 0, "wrong base64 padding"},
        {"AB==", 0, "non-zero padding bits"},
        {"AAAAA", 1, "cannot be complete"},
        {"AA==\n", 0, "invalid base64 character 0x0a"},
        {"QUJD RA==", 0, "invalid base64 character 0x20 at offset 4"},
        {"QUJDRA==QQ==", 0, "not at the end"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        maat_error_clear(&err);
        int rc = bad[i].url ? maat_base64url_decode(bad[i].in, strlen(bad[i].in), "quote", &d, &dn, &err)
                            : maat_base64_decode(bad[i].in, strlen(bad[i].in), "quote", &d, &dn, &err);
        if (rc == 0) fail_msg("accepted %s", bad[i].in);
        assert_int_equal(err.code, MAAT_ERR_ENCODING);
        if (strstr(err.msg, bad[i].msg_part) == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, err.msg, bad[i].msg_part);
        assert_null(d);
    }
}

static void test_ct_and_zero(void **state)
{
    (void)state;
    assert_true(maat_memeq_ct("abc", "abc", 3));
    assert_false(maat_memeq_ct("abc", "abd", 3));
    const uint8_t z[5] = {0}, nz[5] = {0, 0, 0, 0, 1};
    assert_true(maat_is_zero(z, 5));
    assert_false(maat_is_zero(nz, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_reads_and_stops), cmocka_unit_test(test_reader_huge_lengths),
        cmocka_unit_test(test_writer),  cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base64),  cmocka_unit_test(test_ct_and_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
