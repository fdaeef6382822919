/* test_bytes.c - the bounded reader, the writer and the strict hex/base64/base64url codecs. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
    assert_string_equal(err.msg,
                        "thing truncated: d needs 8 bytes but only 4 are left at offset 7");
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
    const uint8_t want[] = {0x02, 0x01, 0xd4, 0xc3, 0xb2, 0xa1, 0x88,
                            0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
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

/* maat_u64_text against printf, at the edges and on random values of every width. */
static void test_u64_text(void **state)
{
    (void)state;
    uint64_t vals[] = {0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u, UINT64_MAX - 1, UINT64_MAX};
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 2000; i++) {
        uint64_t v = i < 10 ? vals[i] : tu_xorshift(&x) >> (i % 64);
        char got[21], want[32];
        size_t n = maat_u64_text(v, got);
        snprintf(want, sizeof want, "%llu", (unsigned long long)v);
        assert_int_equal(n, strlen(want));
        assert_string_equal(got, want);
    }
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
    struct {
        const char *in;
        int url;
        const char *msg_part;
    } bad[] = {
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
        int rc = bad[i].url
                     ? maat_base64url_decode(bad[i].in, strlen(bad[i].in), "quote", &d, &dn, &err)
                     : maat_base64_decode(bad[i].in, strlen(bad[i].in), "quote", &d, &dn, &err);
        if (rc == 0) fail_msg("accepted %s", bad[i].in);
        assert_int_equal(err.code, MAAT_ERR_ENCODING);
        if (strstr(err.msg, bad[i].msg_part) == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, err.msg, bad[i].msg_part);
        assert_null(d);
    }
}

/* A plain bit-by-bit reference for the strict rules: every character in the alphabet
 * except up to two '=' at the end, no final group of one character, padding that fits
 * the final group (and is required for standard base64), zero leftover bits. */
static int ref_val(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

static bool ref_decode(const char *s, size_t n, bool url, uint8_t *out, size_t *outn)
{
    size_t pad = 0;
    while (pad < 2 && n > pad && s[n - 1 - pad] == '=') pad++;
    size_t dl = n - pad, rem = dl % 4, o = 0;
    for (size_t i = 0; i < dl; i++)
        if (ref_val((unsigned char)s[i], url) < 0) return false;
    if (rem == 1) return false;
    if (pad != 0 && !((rem == 2 && pad == 2) || (rem == 3 && pad == 1))) return false;
    if (pad == 0 && !url && rem != 0) return false;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < dl; i++) {
        acc = acc << 6 | (uint32_t)ref_val((unsigned char)s[i], url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) return false;
    *outn = o;
    return true;
}

static uint64_t rs = 0x2545f4914f6cdd1dULL;
static unsigned rnd(void)
{
    return (unsigned)(tu_xorshift(&rs) >> 32);
}

/* The table codecs (four-character groups, 12-bit pairs) against the reference: random
 * bytes of every length to 300 encoded and decoded back, and random strings (mostly
 * alphabet characters, with '=', the other alphabet's characters and invalid bytes) that
 * must be accepted or refused exactly as the reference does, with the same bytes. */
static void test_base64_random(void **state)
{
    (void)state;
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t p[300], ref[300];
    for (int round = 0; round < 3000; round++) {
        size_t n = rnd() % 301;
        for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
        for (int url = 0; url < 2; url++) {
            char *e = url ? maat_base64url_encode(p, n) : maat_base64_encode(p, n);
            assert_non_null(e);
            /* reference encoding, character by character */
            size_t el = strlen(e), want = url ? (n * 4 + 2) / 3 : (n + 2) / 3 * 4;
            assert_int_equal(el, want);
            for (size_t i = 0; i < n * 8 / 6 + (n * 8 % 6 != 0); i++) {
                size_t bit = i * 6;
                uint32_t v = 0;
                for (int b = 0; b < 6; b++) {
                    size_t k = bit + (size_t)b;
                    v = v << 1 | (k < n * 8 ? (uint32_t)(p[k / 8] >> (7 - k % 8)) & 1 : 0);
                }
                char c = std[v];
                if (url) c = c == '+' ? '-' : c == '/' ? '_' : c;
                if (e[i] != c)
                    fail_msg("n=%zu url=%d: char %zu is %c, expected %c", n, url, i, e[i], c);
            }
            struct maat_error err = {0};
            uint8_t *d = NULL;
            size_t dn = 0;
            int rc = url ? maat_base64url_decode(e, el, "x", &d, &dn, &err)
                         : maat_base64_decode(e, el, "x", &d, &dn, &err);
            if (rc != 0) fail_msg("n=%zu url=%d: own encoding refused: %s", n, url, err.msg);
            assert_int_equal(dn, n);
            if (n) assert_memory_equal(d, p, n);
            free(d);
            free(e);
        }
    }
    static const char mix[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                              "AQgw-_+/===\x00\n \"\x80\xff.";
    char str[64];
    for (int round = 0; round < 200000; round++) {
        size_t n = rnd() % 41;
        for (size_t i = 0; i < n; i++)
            str[i] = rnd() % 8 ? mix[rnd() % 62] : mix[62 + rnd() % (sizeof mix - 63)];
        if (n > 0 && rnd() % 4 == 0) str[n - 1] = '=';
        if (n > 1 && rnd() % 8 == 0) str[n - 2] = '=';
        for (int url = 0; url < 2; url++) {
            size_t rn = 0;
            bool ok = ref_decode(str, n, url, ref, &rn);
            struct maat_error err = {0};
            uint8_t *d = NULL;
            size_t dn = 0;
            int rc = url ? maat_base64url_decode(str, n, "x", &d, &dn, &err)
                         : maat_base64_decode(str, n, "x", &d, &dn, &err);
            if ((rc == 0) != ok)
                fail_msg("'%.*s' url=%d: maat %s (%s), reference %s", (int)n, str, url,
                         rc == 0 ? "accepts" : "refuses", err.msg, ok ? "accepts" : "refuses");
            if (ok) {
                assert_int_equal(dn, rn);
                if (rn) assert_memory_equal(d, ref, rn);
            }
            free(d);
        }
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
        cmocka_unit_test(test_reader_reads_and_stops),
        cmocka_unit_test(test_reader_huge_lengths),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_base64_random),
        cmocka_unit_test(test_u64_text),
        cmocka_unit_test(test_ct_and_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
