/*
 * error_test_hooks.h - what the tests reach inside error.c (not libmaat's API: never
 * installed, not exported by libmaat.so).
 */
#ifndef MAAT_ERROR_TEST_HOOKS_H
#define MAAT_ERROR_TEST_HOOKS_H

#include <stdint.h>

/* Messages maat_error_set formatted so far (into a non-NULL, still clear record), by the
 * calling thread: lets a test show that a path formats none. */
extern _Thread_local uint64_t maat__error_messages;

#endif /* MAAT_ERROR_TEST_HOOKS_H */
