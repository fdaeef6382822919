/* error.c - error code names and the first-failure-wins error record (messages kept valid
 * UTF-8: a byte that is not is written as \xNN, never dropped with the rest). */
#include "maat/error.h"
#include "error_test_hooks.h"

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

/* Length of the well-formed UTF-8 sequence at s (n bytes available), 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t k;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        k = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < k || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return k;
}

size_t maat_utf8_escape(const char *s, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    if (out == NULL || cap == 0) return 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; s != NULL && i < len;) {
        size_t k = utf8_seq(p + i, len - i);
        if (k > 0) {
            if (o + k >= cap) break;
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            if (o + 4 >= cap) break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
            i++;
        }
    }
    out[o] = '\0';
    return o;
}

_Thread_local uint64_t maat__error_messages;

int maat_error_set(struct maat_error *err, maat_err code, const char *fmt, ...)
{
    if (err == NULL || err->code != MAAT_OK) return -1;
    maat__error_messages++;
    err->code = code;
    char raw[MAAT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    maat_utf8_escape(raw, strnlen(raw, sizeof raw), err->msg, sizeof err->msg);
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
    /* "prefix: old", escaped as a whole (old is valid UTF-8 already and stays as it is);
     * truncation at a character boundary is intended when the result is too long. */
    char joined[2 * MAAT_ERROR_MSG_MAX + 2];
    size_t pl = strnlen(prefix, sizeof prefix), ol = strnlen(err->msg, sizeof err->msg);
    memcpy(joined, prefix, pl);
    joined[pl] = ':';
    joined[pl + 1] = ' ';
    memcpy(joined + pl + 2, err->msg, ol);
    maat_utf8_escape(joined, pl + 2 + ol, err->msg, sizeof err->msg);
}
