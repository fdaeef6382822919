/* sim_util.c - file, path, time and error helpers of the simulated platform. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sim_internal.h"

#define SIM_FILE_MAX (4u << 20)

char *sim_path(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p != NULL) snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

int sim_mkdir(const char *path, unsigned mode, struct maat_error *err)
{
    if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST) return 0;
    return maat_error_set(err, MAAT_ERR_IO, "cannot create directory %s: %s", path, strerror(errno));
}

int sim_write(const char *dir, const char *rel, const void *data, size_t len, unsigned mode,
              struct maat_error *err)
{
    char *path = sim_path(dir, rel);
    if (path == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    int rc = -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (fchmod(fd, (mode_t)mode) != 0) {
        maat_error_set(err, MAAT_ERR_IO, "%s: chmod: %s", path, strerror(errno));
        close(fd);
        goto done;
    }
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            maat_error_set(err, MAAT_ERR_IO, "%s: write: %s", path, strerror(errno));
            close(fd);
            goto done;
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0) {
        maat_error_set(err, MAAT_ERR_IO, "%s: close: %s", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(path);
    return rc;
}

int sim_read(const char *dir, const char *rel, uint8_t **out, size_t *len, struct maat_error *err)
{
    *out = NULL;
    *len = 0;
    char *path = sim_path(dir, rel);
    if (path == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    int rc = -1;
    struct maat_buf b;
    maat_buf_init(&b);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        maat_error_set(err, MAAT_ERR_IO, "%s: %s (is this a `maat sim init` directory?)", path,
                       strerror(errno));
        goto done;
    }
    uint8_t chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + got > SIM_FILE_MAX) {
            maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s: larger than %u bytes", path, SIM_FILE_MAX);
            goto done;
        }
        if (maat_buf_put(&b, chunk, got) != 0) {
            maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
    }
    if (ferror(f)) {
        maat_error_set(err, MAAT_ERR_IO, "%s: read error", path);
        goto done;
    }
    *len = b.len;
    *out = (uint8_t *)maat_buf_take_str(&b);
    if (*out == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    rc = 0;
done:
    if (f != NULL) fclose(f);
    maat_buf_cleanup(&b);
    free(path);
    return rc;
}

int sim_ossl_error(struct maat_error *err, const char *what)
{
    char detail[256] = "";
    unsigned long e = ERR_get_error();
    if (e != 0) ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return maat_error_set(err, MAAT_ERR_CRYPTO, "%s failed%s%s", what, detail[0] ? ": " : "", detail);
}

void sim_hex_upper(const uint8_t *p, size_t n, char *dst)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[p[i] >> 4];
        dst[2 * i + 1] = digits[p[i] & 15];
    }
    dst[2 * n] = '\0';
}

void maat_sim_format_time(int64_t t, char buf[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, 21, "1970-01-01T00:00:00Z");
}

int maat_sim_parse_time(const char *s, int64_t *out, struct maat_error *err)
{
    if (s == NULL || *s == '\0')
        return maat_error_set(err, MAAT_ERR_USAGE,
                              "empty time (expected unix seconds or "
                              "YYYY-MM-DDTHH:MM:SSZ)");
    const char *p = s;
    if (*p == '-') p++;
    if (strspn(p, "0123456789") == strlen(p) && *p != '\0') {
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
            return maat_error_set(err, MAAT_ERR_USAGE, "time '%s' out of range", s);
        *out = (int64_t)v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        (size_t)n != strlen(s) || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return maat_error_set(err, MAAT_ERR_USAGE,
                              "time '%s': expected unix seconds or YYYY-MM-DDTHH:MM:SSZ", s);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return 0;
}
