/* error.c - error code names and the first-failure-wins error record. */
#include "maat/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const err_names[MAAT_ERR__COUNT] = {
    [MAAT_OK] = "ok",
    [MAAT_ERR_TRUNCATED] = "truncated",
    [MAAT_ERR_LENGTH] = "bad_length",
    [MAAT_ERR_VALUE] = "bad_value",
    [MAAT_ERR_UNSUPPORTED] = "unsupported",
    [MAAT_ERR_ENCODING] = "bad_encoding",
    [MAAT_ERR_TOO_LARGE] = "too_large",
    [MAAT_ERR_TRAILING] = "trailing_data",
    [MAAT_ERR_NOMEM] = "out_of_memory",
    [MAAT_ERR_CRYPTO] = "crypto",
    [MAAT_ERR_IO] = "io",
    [MAAT_ERR_USAGE] = "usage",
    [MAAT_ERR_NOT_FOUND] = "not_found",
    [MAAT_ERR_INTERNAL] = "internal",
};

const char *maat_err_name(maat_err code)
{
    if ((unsigned)code >= MAAT_ERR__COUNT || err_names[code] == NULL) return "unknown";
    return err_names[code];
}

void maat_error_clear(struct maat_error *err)
{
    if (err == NULL) return;
    err->code = MAAT_OK;
    err->msg[0] = '\0';
}

int maat_error_set(struct maat_error *err, maat_err code, const char *fmt, ...)
{
    if (err == NULL || err->code != MAAT_OK) return -1;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void maat_error_prefix(struct maat_error *err, const char *fmt, ...)
{
    if (err == NULL || err->code == MAAT_OK) return;
    char prefix[MAAT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[MAAT_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    /* Build "prefix: old" by hand: truncation is intended when the result is too long. */
    size_t pl = strnlen(prefix, sizeof err->msg - 1);
    memcpy(err->msg, prefix, pl);
    size_t at = pl;
    if (at + 2 < sizeof err->msg) {
        err->msg[at++] = ':';
        err->msg[at++] = ' ';
    }
    size_t ol = strnlen(old, sizeof old);
    if (ol > sizeof err->msg - 1 - at) ol = sizeof err->msg - 1 - at;
    memcpy(err->msg + at, old, ol);
    err->msg[at + ol] = '\0';
}
