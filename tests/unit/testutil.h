/* testutil.h - shared helpers for cmocka unit tests: vector lookup, file reading. */
#ifndef MAAT_TESTUTIL_H
#define MAAT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the includes above */
#include <cmocka.h>

/* Directory of the shared vectors: $MAAT_VECTORS, else ../shared/vectors. */
const char *tu_vectors_dir(void);

/* Reads $MAAT_VECTORS/rel into a malloc'd NUL-terminated buffer. When the vectors are
 * absent it prints a loud "SKIPPED" line and returns NULL (the caller then calls skip()). */
uint8_t *tu_read_vector(const char *rel, size_t *len);

/* Reads any file; NULL if it cannot be read. */
uint8_t *tu_read_file(const char *path, size_t *len);

/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp); caller frees the string. */
char *tu_tempdir(void);

/* xorshift64: a fixed, reproducible pseudo-random sequence for randomised tests. */
static inline uint64_t tu_xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Skips the current test, loudly, when `p` is NULL (vectors missing). */
#define TU_REQUIRE_VECTOR(p) \
    do {                     \
        if ((p) == NULL) {   \
            skip();          \
        }                    \
    } while (0)

#endif
