/*
 * gramine.c - the `gramine` quote provider: Gramine's /dev/attestation pseudo-files inside
 * an SGX enclave (manifest: sgx.remote_attestation = "dcap").
 *
 * Protocol (Gramine's attestation documentation): write exactly 64 bytes to
 * user_report_data, then open and read `quote`, which Gramine produces at that moment over
 * the report data last written. The pair of files is process-wide state, so concurrent
 * users must serialise; the caller of maat_attester_quote() gets an error if the quote's
 * report data is not the one it wrote. attestation_type reads "none", "epid" or "dcap".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attester_internal.h"

const char *maat_attester_gramine_dir(const char *dir)
{
    if (dir != NULL && dir[0] != '\0') return dir;
    const char *env = getenv(MAAT_ATTESTER_GRAMINE_DIR_ENV);
    if (env != NULL && env[0] != '\0') return env;
    return MAAT_ATTESTER_GRAMINE_DIR;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Reads up to max bytes of a file into out; more than max is an error. */
static int read_all(const char *path, size_t max, struct maat_buf *out, struct maat_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = 0;
    size_t got = 0;
    for (;;) {
        if (maat_buf_reserve(out, 4096) != 0) {
            rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            break;
        }
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = maat_error_set(err, MAAT_ERR_IO, "%s: read: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        out->len += (size_t)r;
        got += (size_t)r;
        if (got > max) {
            rc = maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s: more than %zu bytes", path, max);
            break;
        }
    }
    close(fd);
    return rc;
}

int maat__attester_gramine_probe(const char *dir, struct maat_error *err)
{
    char *quote = join(dir, "quote"), *type = join(dir, "attestation_type");
    int rc = -1;
    struct maat_buf t;
    maat_buf_init(&t);
    if (quote == NULL || type == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct stat st;
    if (stat(quote, &st) != 0) {
        rc = 0;
        goto done;
    }
    if (read_all(type, 64, &t, err) != 0) {
        maat_error_prefix(err,
                          "gramine provider: %s exists but the attestation type cannot be "
                          "read",
                          quote);
        goto done;
    }
    /* Gramine writes the bare word; tolerate a trailing newline or NUL from fakes. */
    while (t.len > 0 && (t.data[t.len - 1] == '\n' || t.data[t.len - 1] == '\r' ||
                         t.data[t.len - 1] == ' ' || t.data[t.len - 1] == '\0'))
        t.len--;
    if (t.len == 4 && memcmp(t.data, "dcap", 4) == 0) {
        rc = 1;
        goto done;
    }
    char shown[65];
    size_t n = 0;
    for (size_t i = 0; i < t.len && n < sizeof shown - 1; i++)
        shown[n++] = t.data[i] >= 0x20 && t.data[i] < 0x7f ? (char)t.data[i] : '?';
    shown[n] = '\0';
    maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                   "gramine provider: %s reads \"%s\", expected \"dcap\" (set "
                   "sgx.remote_attestation = \"dcap\" in the manifest; EPID is not supported)",
                   type, shown);
done:
    maat_buf_cleanup(&t);
    free(quote);
    free(type);
    return rc;
}

static int write_report_data(const char *path, const uint8_t report_data[64], struct maat_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < 64) {
        ssize_t w = write(fd, report_data + done, 64 - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return maat_error_set(err, MAAT_ERR_IO, "%s: wrote %zu of 64 bytes: %s", path, done,
                                  w < 0 ? strerror(e) : "short write");
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) return maat_error_set(err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    return 0;
}

int maat__attester_gramine_quote(struct maat_attester *a, const uint8_t report_data[64],
                                 struct maat_buf *out, struct maat_error *err)
{
    char *urd = join(a->location, "user_report_data"), *quote = join(a->location, "quote");
    int rc = -1;
    if (urd == NULL || quote == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (write_report_data(urd, report_data, err) != 0) {
        maat_error_prefix(err, "gramine provider");
        goto done;
    }
    size_t start = out->len;
    if (read_all(quote, MAAT_ATTESTER_QUOTE_MAX, out, err) != 0) {
        maat_error_prefix(err, "gramine provider");
        goto done;
    }
    if (out->len == start) {
        maat_error_set(err, MAAT_ERR_TRUNCATED,
                       "gramine provider: %s is empty (quote generation failed: is the AESM "
                       "service / DCAP quote provider library available to Gramine?)",
                       quote);
        goto done;
    }
    rc = 0;
done:
    free(urd);
    free(quote);
    return rc;
}
