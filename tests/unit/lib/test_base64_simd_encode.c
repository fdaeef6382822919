/* test_base64_simd_encode.c - issue 16 (maatd's per-request cost): the base64url of the
 * ~3 KB token payload went through the pair-table loop (b64_encode_into, ~0.7 % of maatd's
 * CPU per ES256 request); 12 bytes are now encoded per step with SSSE3 (bytes.c,
 * b64_enc_simd12). The SIMD loop must write exactly what the pair-table loop writes: every
 * 24-bit group (so every 6-bit value at every position) in both alphabets, and random
 * inputs of every length to 400 (every block/tail split) through the three encoders. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "bytes_test_hooks.h"
#include "testutil.h"

static uint64_t rs = 0x2545f4914f6cdd1dULL;

static char *enc(int kind, const uint8_t *p, size_t n, bool simd_off)
{
    maat__b64_simd_off = simd_off;
    char *s = NULL;
    if (kind == 0) s = maat_base64url_encode(p, n);
    if (kind == 1) s = maat_base64_encode(p, n);
    if (kind == 2) {
        struct maat_buf b;
        maat_buf_init(&b);
        assert_int_equal(maat_buf_put(&b, "x.", 2), 0); /* appended after existing text */
        assert_int_equal(maat_buf_put_base64url(&b, p, n), 0);
        s = strndup((const char *)b.data, b.len);
        maat_buf_cleanup(&b);
    }
    maat__b64_simd_off = false;
    assert_non_null(s);
    return s;
}

/* Defect: the payload's base64url was encoded 3 bytes at a time. Every 24-bit group, both
 * alphabets: the SIMD loop's text is the table loop's, and the SIMD loop did the work. */
static void test_base64_simd_encode_every_group(void **state)
{
    (void)state;
    enum { G = 1 << 12 }; /* groups per chunk */
    uint8_t *in = malloc(3 * G);
    assert_non_null(in);
    for (int kind = 0; kind < 2; kind++)
        for (uint32_t base = 0; base < (1u << 24); base += G) {
            for (uint32_t g = 0; g < G; g++) {
                uint32_t v = base + g;
                in[3 * g] = (uint8_t)(v >> 16);
                in[3 * g + 1] = (uint8_t)(v >> 8);
                in[3 * g + 2] = (uint8_t)v;
            }
            uint64_t before = maat__b64_simd_enc_blocks;
            char *a = enc(kind, in, 3 * G, false);
            uint64_t blocks = maat__b64_simd_enc_blocks - before;
            char *b = enc(kind, in, 3 * G, true);
            if (strcmp(a, b) != 0) fail_msg("kind %d: groups from %u differ", kind, base);
            assert_true(blocks >= (3 * G - 16) / 12); /* all but the tail in SIMD blocks */
            free(a);
            free(b);
        }
    free(in);
}

static void test_base64_simd_encode_every_length(void **state)
{
    (void)state;
    uint8_t in[400];
    for (int round = 0; round < 20; round++)
        for (size_t n = 0; n <= sizeof in; n++) {
            for (size_t i = 0; i < n; i++) in[i] = (uint8_t)(tu_xorshift(&rs) >> 56);
            for (int kind = 0; kind < 3; kind++) {
                char *a = enc(kind, in, n, false), *b = enc(kind, in, n, true);
                if (strcmp(a, b) != 0) fail_msg("kind %d, length %zu: %s != %s", kind, n, a, b);
                free(a);
                free(b);
            }
        }
    /* the counter: 16 bytes or more go through the SIMD loop, fewer do not */
    uint64_t before = maat__b64_simd_enc_blocks;
    free(enc(0, in, 15, false));
    assert_int_equal(maat__b64_simd_enc_blocks, before);
    free(enc(0, in, 100, false)); /* blocks while 16 bytes remain: 0, 12, ..., 84 */
    assert_int_equal(maat__b64_simd_enc_blocks - before, (100 - 16) / 12 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_simd_encode_every_group),
        cmocka_unit_test(test_base64_simd_encode_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
