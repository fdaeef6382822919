/*
 * bytes_test_hooks.h - what the tests of bytes.c's base64 and hex SIMD loops reach inside it (not
 * libmaat's API: never installed, not exported by libmaat.so).
 */
#ifndef MAAT_BYTES_TEST_HOOKS_H
#define MAAT_BYTES_TEST_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

/* When set, base64/base64url decoding (and encoding) skips its 16-character SIMD block loop, so the
 * table loop alone can serve as the reference. */
extern bool maat__b64_simd_off;
/* 16-character blocks decoded by that loop so far, by the calling thread (thread-local:
 * the count costs the decoding threads no shared cache line). */
extern _Thread_local uint64_t maat__b64_simd_blocks;
/* 12-byte blocks encoded by the SIMD encoding loop so far, by the calling thread; the
 * same maat__b64_simd_off turns that loop off (the pair-table loop is the reference). */
extern _Thread_local uint64_t maat__b64_simd_enc_blocks;
/* 16-byte blocks maat_hex_encode did in its SIMD loop so far, by the calling thread (the
 * same maat__b64_simd_off turns it off). */
extern _Thread_local uint64_t maat__hex_simd_blocks;

#endif /* MAAT_BYTES_TEST_HOOKS_H */
