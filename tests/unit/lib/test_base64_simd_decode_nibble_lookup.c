/* test_base64_simd_decode_nibble_lookup.c - issue 16 (maatd's per-request cost): the SSSE3
 * base64/base64url block decoder (bytes.c, b64_simd16) classified each character with ten
 * range compares and five masked adds (~54 instructions per 16 characters, ~21k per
 * request in callgrind); it now looks up both nibbles (two shuffles) and adds one offset
 * per high nibble. Every byte value, in every position of a block, in both alphabets, must
 * be accepted or refused, and decoded, exactly as by the table loop, with the same message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "bytes_test_hooks.h"
#include "testutil.h"

static int decode(const char *s, size_t n, bool url, bool simd_off, uint8_t **d, size_t *dn,
                  char msg[MAAT_ERROR_MSG_MAX])
{
    struct maat_error err = {0};
    maat__b64_simd_off = simd_off;
    int rc = url ? maat_base64url_decode(s, n, "quote", d, dn, &err)
                 : maat_base64_decode(s, n, "quote", d, dn, &err);
    maat__b64_simd_off = false;
    snprintf(msg, MAAT_ERROR_MSG_MAX, "%s", rc ? err.msg : "");
    return rc;
}

static void same(const char *s, size_t n, bool url)
{
    uint8_t *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    char am[MAAT_ERROR_MSG_MAX], bm[MAAT_ERROR_MSG_MAX];
    int ar = decode(s, n, url, false, &a, &an, am);
    int br = decode(s, n, url, true, &b, &bn, bm);
    if (ar != br || an != bn || (an && memcmp(a, b, an) != 0) || strcmp(am, bm) != 0)
        fail_msg("url=%d: simd rc=%d n=%zu '%s', table rc=%d n=%zu '%s'", url, ar, an, am, br, bn,
                 bm);
    free(a);
    free(b);
}

/* Every byte value in every position of the first block of a 40-character text (two
 * blocks for the SIMD loop, then the table loop's tail). */
static void test_base64_simd_decode_every_byte_everywhere(void **state)
{
    (void)state;
    static const char *const alpha[2] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"};
    uint64_t rs = 0x16b64;
    for (int url = 0; url < 2; url++) {
        char s[40];
        for (size_t i = 0; i < sizeof s; i++) s[i] = alpha[url][tu_xorshift(&rs) % 64];
        uint64_t before = maat__b64_simd_blocks;
        same(s, sizeof s, url);
        if (__builtin_cpu_supports("ssse3")) assert_int_equal(maat__b64_simd_blocks - before, 2);
        for (size_t pos = 0; pos < 16; pos++) {
            char keep = s[pos];
            for (int c = 0; c < 256; c++) {
                s[pos] = (char)c;
                same(s, sizeof s, url);
                s[16 + pos] = (char)c; /* in the second block too */
                same(s, sizeof s, url);
                s[16 + pos] = keep;
            }
            s[pos] = keep;
        }
        /* each alphabet character once in each position: the values, not only the verdict */
        for (int k = 0; k < 64; k++) {
            for (size_t i = 0; i < 32; i++) s[i] = alpha[url][(k + (int)i) % 64];
            same(s, sizeof s, url);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_simd_decode_every_byte_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
