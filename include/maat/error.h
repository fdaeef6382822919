/*
 * error.h - maat's error codes and the error record every fallible call fills in.
 *
 * A rejection of untrusted input always says what structure, which field, at which
 * byte offset, and what was expected; the code says what kind of failure it was so
 * programs can branch on it, the message is for people.
 */
#ifndef MAAT_ERROR_H
#define MAAT_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum maat_err {
    MAAT_OK = 0,
    MAAT_ERR_TRUNCATED,   /* input ends before a field it must contain */
    MAAT_ERR_LENGTH,      /* a length field disagrees with the data around it */
    MAAT_ERR_VALUE,       /* a field holds a value that is not allowed */
    MAAT_ERR_UNSUPPORTED, /* well-formed, but a version/type maat does not handle */
    MAAT_ERR_ENCODING,    /* bad hex / base64 / PEM / DER / JSON text */
    MAAT_ERR_TOO_LARGE,   /* input exceeds a configured bound */
    MAAT_ERR_TRAILING,    /* unexpected bytes after the end of a structure */
    MAAT_ERR_NOMEM,       /* allocation failed */
    MAAT_ERR_CRYPTO,      /* a cryptographic operation failed */
    MAAT_ERR_IO,          /* file or network I/O failed (programs, not libmaat) */
    MAAT_ERR_USAGE,       /* the caller passed invalid arguments */
    MAAT_ERR_NOT_FOUND,   /* a required item (extension, key, field) is absent */
    MAAT_ERR_INTERNAL,    /* a bug in maat */
    MAAT_ERR__COUNT
} maat_err;

#define MAAT_ERROR_MSG_MAX 512

/* The error record. `code` is MAAT_OK until something fails; `msg` then holds the
 * first failure's explanation (later failures do not overwrite it). */
struct maat_error {
    maat_err code;
    char msg[MAAT_ERROR_MSG_MAX];
};

/* Stable machine name of a code, e.g. "truncated". Never NULL. */
const char *maat_err_name(maat_err code);

/* Resets an error record to MAAT_OK. */
void maat_error_clear(struct maat_error *err);

/* Records a failure (printf-style message) unless one is already recorded.
 * `err` may be NULL. Always returns -1, so callers can `return maat_error_set(...)`. */
int maat_error_set(struct maat_error *err, maat_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the recorded message with "prefix: " (used to add context on the way up). */
void maat_error_prefix(struct maat_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copies s[0..len) to out (cap bytes, always NUL-terminated when cap > 0) as valid UTF-8:
 * well-formed UTF-8 sequences (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF) are kept, every other byte becomes the four characters \xNN (lower-case hex).
 * Stops before a character or escape that would not fit. Returns the bytes written.
 * maat_error_set() and maat_error_prefix() pass their messages through it, so an error
 * message is always valid UTF-8 (JSON encoders such as jansson refuse anything else). */
size_t maat_utf8_escape(const char *s, size_t len, char *out, size_t cap);

/* Guard macros: keep the happy path flat (after s2n's POSIX_ENSURE / POSIX_GUARD). */
#define MAAT_TRY(call)              \
    do {                            \
        if ((call) != 0) return -1; \
    } while (0)

#define MAAT_ENSURE(cond, err, code, ...)                               \
    do {                                                                \
        if (!(cond)) return maat_error_set((err), (code), __VA_ARGS__); \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* MAAT_ERROR_H */
