/*
 * bytes.h - the one bounded reader for untrusted input, a growable writer, and strict
 * hex / base64 / base64url codecs.
 *
 * Every read of untrusted bytes in maat goes through struct maat_reader: each call
 * either succeeds completely or records an error naming the structure, the field, the
 * byte offset and what was expected, and leaves the cursor where it was. No parser does
 * pointer arithmetic on input by hand. Views point into the caller's buffer; they are
 * never freed and live as long as that buffer.
 */
#ifndef MAAT_BYTES_H
#define MAAT_BYTES_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed byte range. */
struct maat_view {
    const uint8_t *ptr;
    size_t len;
};

/* Cursor over untrusted bytes. `base` is the absolute offset of buf[0] within the
 * outermost input, so errors from nested readers still report absolute offsets. */
struct maat_reader {
    const uint8_t *buf;
    size_t len;
    size_t off;
    size_t base;
    const char *what; /* structure name used in error messages, e.g. "quote" */
    struct maat_error *err;
};

void maat_reader_init(struct maat_reader *r, const void *buf, size_t len, const char *what,
                      struct maat_error *err);

/* Bytes not yet read. */
size_t maat_reader_left(const struct maat_reader *r);
/* Absolute offset of the cursor (base + off). */
size_t maat_reader_pos(const struct maat_reader *r);

/* Fixed-size little-endian integers. On a short read: MAAT_ERR_TRUNCATED naming `field`. */
MAAT_MUST_CHECK int maat_read_u8(struct maat_reader *r, const char *field, uint8_t *out);
MAAT_MUST_CHECK int maat_read_u16le(struct maat_reader *r, const char *field, uint16_t *out);
MAAT_MUST_CHECK int maat_read_u32le(struct maat_reader *r, const char *field, uint32_t *out);
MAAT_MUST_CHECK int maat_read_u64le(struct maat_reader *r, const char *field, uint64_t *out);

/* A view of the next n bytes (no copy). */
MAAT_MUST_CHECK int maat_read_view(struct maat_reader *r, const char *field, size_t n,
                                   struct maat_view *out);
/* A pointer to the next n bytes (for fixed-size fields whose size the type states). */
MAAT_MUST_CHECK int maat_read_fixed(struct maat_reader *r, const char *field, size_t n,
                                    const uint8_t **out);
/* Copies the next n bytes into dst. */
MAAT_MUST_CHECK int maat_read_copy(struct maat_reader *r, const char *field, void *dst, size_t n);
/* Skips n bytes. */
MAAT_MUST_CHECK int maat_read_skip(struct maat_reader *r, const char *field, size_t n);
/* A nested reader over the next n bytes (a length-prefixed region). The error for a
 * short region says "FIELD length N exceeds the M bytes left at offset O". */
MAAT_MUST_CHECK int maat_read_sub(struct maat_reader *r, const char *field, size_t n,
                                  const char *what, struct maat_reader *sub);
/* Fails with MAAT_ERR_TRAILING unless every byte was read. */
MAAT_MUST_CHECK int maat_reader_expect_end(const struct maat_reader *r);

/* Growable output buffer for building messages (sim quotes, tokens, JSON). */
struct maat_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

void maat_buf_init(struct maat_buf *b);
void maat_buf_cleanup(struct maat_buf *b);
MAAT_MUST_CHECK int maat_buf_reserve(struct maat_buf *b, size_t extra);
MAAT_MUST_CHECK int maat_buf_put(struct maat_buf *b, const void *p, size_t n);
MAAT_MUST_CHECK int maat_buf_put_zero(struct maat_buf *b, size_t n);
MAAT_MUST_CHECK int maat_buf_put_u8(struct maat_buf *b, uint8_t v);
MAAT_MUST_CHECK int maat_buf_put_u16le(struct maat_buf *b, uint16_t v);
MAAT_MUST_CHECK int maat_buf_put_u32le(struct maat_buf *b, uint32_t v);
MAAT_MUST_CHECK int maat_buf_put_u64le(struct maat_buf *b, uint64_t v);
MAAT_MUST_CHECK int maat_buf_put_str(struct maat_buf *b, const char *s);
/* Writes a little-endian integer at an earlier position (for back-patched lengths). */
void maat_buf_patch_u32le(struct maat_buf *b, size_t at, uint32_t v);
/* Appends a NUL (not counted in len) and hands the memory to the caller. */
char *maat_buf_take_str(struct maat_buf *b);

/* Hex. Decoding accepts upper and lower case, requires an even number of digits and
 * nothing else; `field` names the input in errors. *out is malloc'd (free it). */
MAAT_MUST_CHECK int maat_hex_decode(const char *s, size_t slen, const char *field, uint8_t **out,
                                    size_t *outlen, struct maat_error *err);
/* Decodes exactly `n` bytes into dst (error if the text has another length). */
MAAT_MUST_CHECK int maat_hex_decode_fixed(const char *s, size_t slen, const char *field,
                                          uint8_t *dst, size_t n, struct maat_error *err);
/* Decimal text of v and a NUL into dst (room for 21 chars); returns the length. */
size_t maat_u64_text(uint64_t v, char dst[21]);

/* Lower-case hex of n bytes into dst, which must hold 2n+1 chars. */
void maat_hex_encode(const uint8_t *p, size_t n, char *dst);
/* malloc'd lower-case hex string (NULL on allocation failure). */
char *maat_hex_encode_alloc(const uint8_t *p, size_t n);

/* Base64 (RFC 4648 section 4, padding required) and base64url (section 5). Strict:
 * a character outside the alphabet, wrong or missing padding, non-zero pad bits or
 * anything after the padding is an error naming the offset. base64url decoding
 * accepts input with or without '=' padding (MAA sends it without, some clients with);
 * encoding emits none. *out is malloc'd. */
MAAT_MUST_CHECK int maat_base64_decode(const char *s, size_t slen, const char *field, uint8_t **out,
                                       size_t *outlen, struct maat_error *err);
MAAT_MUST_CHECK int maat_base64url_decode(const char *s, size_t slen, const char *field,
                                          uint8_t **out, size_t *outlen, struct maat_error *err);
char *maat_base64_encode(const uint8_t *p, size_t n);
char *maat_base64url_encode(const uint8_t *p, size_t n);
/* Appends the base64url encoding (no padding) of p[0, n) to b. 0, or -1 out of memory. */
MAAT_MUST_CHECK int maat_buf_put_base64url(struct maat_buf *b, const uint8_t *p, size_t n);

/* Constant-time comparison. */
bool maat_memeq_ct(const void *a, const void *b, size_t n);
/* True when all n bytes are zero. */
bool maat_is_zero(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_BYTES_H */
