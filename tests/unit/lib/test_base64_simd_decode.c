/* test_base64_simd_decode.c - issue 16 (maatd's per-request cost): base64url decoding of
 * the ~6 KB evidence in every attestation request went through the four-character table
 * loop (~1.5 % of maatd's CPU per ES256 request); blocks of 16 alphabet characters are now
 * decoded with SSSE3 (bytes.c, b64_simd16). The SIMD path must accept, refuse and decode
 * exactly as the table loop: long random strings (both alphabets, every length to 400, so
 * every block/tail split) with and without one or two bad characters anywhere (the other
 * alphabet's, '=', NUL, bytes >= 0x80, whitespace), decoded with the SIMD loop on and off:
 * same verdict, same bytes, same message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "bytes_test_hooks.h"
#include "testutil.h"

static uint64_t rs = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(void)
{
    return (unsigned)(tu_xorshift(&rs) >> 32);
}

struct result {
    int rc;
    uint8_t *d;
    size_t n;
    char msg[MAAT_ERROR_MSG_MAX];
};

static void decode(const char *s, size_t n, bool url, bool simd_off, struct result *r)
{
    struct maat_error err = {0};
    maat__b64_simd_off = simd_off;
    r->d = NULL;
    r->n = 0;
    r->rc = url ? maat_base64url_decode(s, n, "evidence", &r->d, &r->n, &err)
                : maat_base64_decode(s, n, "evidence", &r->d, &r->n, &err);
    maat__b64_simd_off = false;
    snprintf(r->msg, sizeof r->msg, "%s", r->rc ? err.msg : "");
}

static void same(const char *s, size_t n, bool url)
{
    struct result a, b;
    decode(s, n, url, false, &a);
    decode(s, n, url, true, &b);
    if (a.rc != b.rc || a.n != b.n || (a.n && memcmp(a.d, b.d, a.n) != 0) || strcmp(a.msg, b.msg))
        fail_msg("n=%zu url=%d: simd rc=%d n=%zu '%s', table rc=%d n=%zu '%s'", n, url, a.rc, a.n,
                 a.msg, b.rc, b.n, b.msg);
    free(a.d);
    free(b.d);
}

static void test_base64_simd_decode_matches_table_loop(void **state)
{
    (void)state;
    static const char bad[] = "-_+/=\x00\n \t\"\x80\xff.@[`{";
    uint8_t raw[300];
    char s[420];
    for (int round = 0; round < 20000; round++) {
        size_t n = rnd() % 300;
        for (size_t i = 0; i < n; i++) raw[i] = (uint8_t)rnd();
        for (int url = 0; url < 2; url++) {
            char *e = url ? maat_base64url_encode(raw, n) : maat_base64_encode(raw, n);
            assert_non_null(e);
            size_t el = strlen(e);
            same(e, el, url); /* well-formed */
            struct result r;
            decode(e, el, url, false, &r);
            assert_int_equal(r.rc, 0);
            assert_int_equal(r.n, n);
            if (n) assert_memory_equal(r.d, raw, n);
            free(r.d);
            memcpy(s, e, el);
            int k = 1 + (int)(rnd() % 2);
            for (int j = 0; j < k && el > 0; j++) s[rnd() % el] = bad[rnd() % (sizeof bad - 1)];
            same(s, el, url);                 /* one or two bad characters anywhere */
            if (el > 0) same(s, el - 1, url); /* and a length that is not a whole group */
            free(e);
        }
    }
}

/* The decoded evidence of a request-sized string, and a bad character in each position of
 * its first blocks (the SIMD loop's early exit at every offset). */
static void test_base64_simd_decode_every_position(void **state)
{
    (void)state;
    uint8_t raw[4600];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)rnd();
    char *e = maat_base64url_encode(raw, sizeof raw);
    assert_non_null(e);
    size_t el = strlen(e);
    struct result r;
    uint64_t before = maat__b64_simd_blocks;
    decode(e, el, true, false, &r);
    /* on a CPU with SSSE3 the blocks go through the SIMD loop: all but the last 20
     * characters, 16 at a time */
    if (__builtin_cpu_supports("ssse3"))
        assert_int_equal(maat__b64_simd_blocks - before, (el - 20) / 16 + 1);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, sizeof raw);
    assert_memory_equal(r.d, raw, sizeof raw);
    free(r.d);
    for (size_t pos = 0; pos < 80; pos++) {
        char keep = e[pos];
        e[pos] = (pos & 1) ? '+' : '\x80';
        same(e, el, true);
        decode(e, el, true, false, &r);
        assert_int_not_equal(r.rc, 0);
        free(r.d);
        e[pos] = keep;
    }
    e[el - 5] = '/';
    same(e, el, true);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_simd_decode_matches_table_loop),
        cmocka_unit_test(test_base64_simd_decode_every_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
