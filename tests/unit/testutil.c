/* testutil.c - shared helpers for cmocka unit tests. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tu_vectors_dir(void)
{
    const char *v = getenv("MAAT_VECTORS");
    return (v && *v) ? v : "../shared/vectors";
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

uint8_t *tu_read_vector(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tu_vectors_dir(), rel);
    uint8_t *p = tu_read_file(path, len);
    if (p == NULL) {
        /* CI sets MAAT_REQUIRE_VECTORS=1: a missing vector is a failure there, never a skip */
        const char *req = getenv("MAAT_REQUIRE_VECTORS");
        bool required = req != NULL && *req != '\0' && strcmp(req, "0") != 0;
        fprintf(stderr,
                "\n*** %s: vector %s not found (set MAAT_VECTORS to the shared vectors "
                "folder) ***\n\n",
                required ? "FAILED (MAAT_REQUIRE_VECTORS=1)" : "SKIPPED", path);
        if (required) exit(1);
    }
    return p;
}

char *tu_tempdir(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/maat-test-XXXXXX", (t && *t) ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}
