/* test_hex_simd_encode.c - issue 16 (maatd's per-request cost): maat_hex_encode, which
 * writes the claims' hex values (the collateral hashes twice per request, measurements,
 * report data, jti), went a nibble at a time; 16 bytes are now written per step with SSSE3
 * (bytes.c, hex_simd16). Its text must be printf's "%02x" for every byte value at every
 * position and length, SIMD loop on and off. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "bytes_test_hooks.h"
#include "testutil.h"

static uint64_t rs = 0x6a09e667f3bcc908ULL;

static void reference(const uint8_t *p, size_t n, char *dst)
{
    for (size_t i = 0; i < n; i++) snprintf(dst + 2 * i, 3, "%02x", p[i]);
    dst[2 * n] = '\0';
}

/* Defect: hex was written a nibble at a time. */
static void test_hex_simd_encode_matches_printf(void **state)
{
    (void)state;
    uint8_t in[200];
    char want[2 * sizeof in + 1], got[2 * sizeof in + 2];
    /* every byte value in every lane of a block, at both ends of a 48-byte input */
    for (int v = 0; v < 256; v++)
        for (size_t pos = 0; pos < 48; pos++) {
            memset(in, 0x5a, 48);
            in[pos] = (uint8_t)v;
            reference(in, 48, want);
            memset(got, 'X', sizeof got);
            maat_hex_encode(in, 48, got);
            assert_string_equal(got, want);
        }
    for (int round = 0; round < 50; round++)
        for (size_t n = 0; n <= sizeof in; n++) {
            for (size_t i = 0; i < n; i++) in[i] = (uint8_t)(tu_xorshift(&rs) >> 56);
            reference(in, n, want);
            for (int off = 0; off < 2; off++) {
                maat__b64_simd_off = off;
                memset(got, 'X', sizeof got);
                uint64_t before = maat__hex_simd_blocks;
                maat_hex_encode(in, n, got);
                maat__b64_simd_off = false;
                if (strcmp(got, want) != 0) fail_msg("length %zu: %s != %s", n, got, want);
                assert_int_equal(got[2 * n + 1], 'X'); /* nothing past the NUL */
                assert_int_equal(maat__hex_simd_blocks - before, off ? 0 : n / 16);
            }
        }
    char *a = maat_hex_encode_alloc(in, 33);
    reference(in, 33, want);
    assert_string_equal(a, want);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_simd_encode_matches_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
