/*
 * claims_test_hooks.h - what the tests of claims.c's payload writer reach inside it (not
 * libmaat's API: never installed, not exported by libmaat.so).
 */
#ifndef MAAT_CLAIMS_TEST_HOOKS_H
#define MAAT_CLAIMS_TEST_HOOKS_H

#include <stdint.h>

/* Payloads whose entries maat__claims_payload_text wrote in the calling thread's previous
 * payload's sorted order (checked, not sorted again), so far, by the calling thread. */
extern _Thread_local uint64_t maat__claims_order_reused;

#endif /* MAAT_CLAIMS_TEST_HOOKS_H */
