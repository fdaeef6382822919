/* fileio.c - bounded whole-file reads and writes for the CLI (libmaat does no I/O). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, struct maat_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (f == NULL) return maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    int rc = -1;
    if (buf == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) break;
            uint8_t *p = realloc(buf, cap * 2 + 1);
            if (p == NULL) {
                maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        maat_error_set(err, MAAT_ERR_IO, "%s: read error", path);
        goto done;
    }
    if (n > max) {
        maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s: larger than the %zu-byte limit", path, max);
        goto done;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    if (f != stdin) fclose(f);
    return rc;
}

int cli_write_file(const char *path, const void *data, size_t len, struct maat_error *err)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (f == NULL) return maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    size_t w = fwrite(data, 1, len, f);
    int bad = (w != len);
    if (f == stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    if (bad) return maat_error_set(err, MAAT_ERR_IO, "%s: write failed", path);
    return 0;
}
