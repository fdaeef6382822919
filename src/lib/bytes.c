/*
 * bytes.c - bounded reader, growable writer, strict hex / base64 / base64url.
 *
 * Base64 is written here rather than taken from OpenSSL because OpenSSL's EVP decoder
 * skips whitespace, tolerates missing padding in places and has no base64url variant;
 * untrusted input must be rejected precisely, with the offending offset.
 */
#include "maat/bytes.h"
#include "bytes_test_hooks.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <tmmintrin.h>
#endif

void maat_reader_init(struct maat_reader *r, const void *buf, size_t len, const char *what,
                      struct maat_error *err)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->off = 0;
    r->base = 0;
    r->what = what ? what : "input";
    r->err = err;
}

size_t maat_reader_left(const struct maat_reader *r)
{
    return r->len - r->off;
}

size_t maat_reader_pos(const struct maat_reader *r)
{
    return r->base + r->off;
}

static int short_read(struct maat_reader *r, const char *field, size_t n)
{
    return maat_error_set(r->err, MAAT_ERR_TRUNCATED,
                          "%s truncated: %s needs %zu bytes but only %zu are left at offset %zu",
                          r->what, field, n, maat_reader_left(r), maat_reader_pos(r));
}

int maat_read_fixed(struct maat_reader *r, const char *field, size_t n, const uint8_t **out)
{
    if (n > maat_reader_left(r)) return short_read(r, field, n);
    *out = r->buf + r->off;
    r->off += n;
    return 0;
}

int maat_read_view(struct maat_reader *r, const char *field, size_t n, struct maat_view *out)
{
    const uint8_t *p = NULL;
    MAAT_TRY(maat_read_fixed(r, field, n, &p));
    out->ptr = p;
    out->len = n;
    return 0;
}

int maat_read_copy(struct maat_reader *r, const char *field, void *dst, size_t n)
{
    const uint8_t *p = NULL;
    MAAT_TRY(maat_read_fixed(r, field, n, &p));
    if (n) memcpy(dst, p, n);
    return 0;
}

int maat_read_skip(struct maat_reader *r, const char *field, size_t n)
{
    const uint8_t *p = NULL;
    return maat_read_fixed(r, field, n, &p);
}

int maat_read_u8(struct maat_reader *r, const char *field, uint8_t *out)
{
    const uint8_t *p = NULL;
    MAAT_TRY(maat_read_fixed(r, field, 1, &p));
    *out = p[0];
    return 0;
}

int maat_read_u16le(struct maat_reader *r, const char *field, uint16_t *out)
{
    const uint8_t *p = NULL;
    MAAT_TRY(maat_read_fixed(r, field, 2, &p));
    *out = (uint16_t)(p[0] | (p[1] << 8));
    return 0;
}

int maat_read_u32le(struct maat_reader *r, const char *field, uint32_t *out)
{
    const uint8_t *p = NULL;
    MAAT_TRY(maat_read_fixed(r, field, 4, &p));
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return 0;
}

int maat_read_u64le(struct maat_reader *r, const char *field, uint64_t *out)
{
    const uint8_t *p = NULL;
    MAAT_TRY(maat_read_fixed(r, field, 8, &p));
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    *out = v;
    return 0;
}

int maat_read_sub(struct maat_reader *r, const char *field, size_t n, const char *what,
                  struct maat_reader *sub)
{
    if (n > maat_reader_left(r))
        return maat_error_set(
            r->err, MAAT_ERR_LENGTH,
            "%s truncated: %s length %zu exceeds the %zu bytes left at offset %zu", r->what, field,
            n, maat_reader_left(r), maat_reader_pos(r));
    sub->buf = r->buf + r->off;
    sub->len = n;
    sub->off = 0;
    sub->base = maat_reader_pos(r);
    sub->what = what ? what : r->what;
    sub->err = r->err;
    r->off += n;
    return 0;
}

int maat_reader_expect_end(const struct maat_reader *r)
{
    if (maat_reader_left(r) == 0) return 0;
    return maat_error_set(r->err, MAAT_ERR_TRAILING,
                          "%s: %zu unexpected bytes after the end of the structure at offset %zu",
                          r->what, maat_reader_left(r), maat_reader_pos(r));
}

/* ---- writer ---- */

void maat_buf_init(struct maat_buf *b)
{
    memset(b, 0, sizeof *b);
}

void maat_buf_cleanup(struct maat_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

int maat_buf_reserve(struct maat_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1) return -1;
    size_t need = b->len + extra + 1; /* room for a terminating NUL */
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int maat_buf_put(struct maat_buf *b, const void *p, size_t n)
{
    if (maat_buf_reserve(b, n) != 0) return -1;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int maat_buf_put_zero(struct maat_buf *b, size_t n)
{
    if (maat_buf_reserve(b, n) != 0) return -1;
    memset(b->data + b->len, 0, n);
    b->len += n;
    return 0;
}

int maat_buf_put_u8(struct maat_buf *b, uint8_t v)
{
    return maat_buf_put(b, &v, 1);
}

int maat_buf_put_u16le(struct maat_buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return maat_buf_put(b, p, 2);
}

int maat_buf_put_u32le(struct maat_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return maat_buf_put(b, p, 4);
}

int maat_buf_put_u64le(struct maat_buf *b, uint64_t v)
{
    uint8_t p[8];
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
    return maat_buf_put(b, p, 8);
}

int maat_buf_put_str(struct maat_buf *b, const char *s)
{
    return maat_buf_put(b, s, strlen(s));
}

void maat_buf_patch_u32le(struct maat_buf *b, size_t at, uint32_t v)
{
    if (at > b->len || b->len - at < 4) return;
    for (int i = 0; i < 4; i++) b->data[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

char *maat_buf_take_str(struct maat_buf *b)
{
    if (maat_buf_reserve(b, 0) != 0) return NULL;
    b->data[b->len] = '\0';
    char *s = (char *)b->data;
    memset(b, 0, sizeof *b);
    return s;
}

size_t maat_u64_text(uint64_t v, char dst[21])
{
    char rev[20];
    size_t n = 0, o = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) dst[o++] = rev[--n];
    dst[o] = '\0';
    return o;
}

/* ---- hex ---- */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int hex_decode_into(const char *s, size_t slen, const char *field, uint8_t *dst,
                           struct maat_error *err)
{
    for (size_t i = 0; i < slen; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            return maat_error_set(
                err, MAAT_ERR_ENCODING,
                "%s: invalid hex digit 0x%02x at offset %zu (expected 0-9, a-f, A-F)", field,
                (unsigned char)s[at], at);
        }
        dst[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int maat_hex_decode(const char *s, size_t slen, const char *field, uint8_t **out, size_t *outlen,
                    struct maat_error *err)
{
    *out = NULL;
    *outlen = 0;
    if (slen % 2)
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              "%s: hex text has an odd number of digits (%zu)", field, slen);
    uint8_t *p = malloc(slen / 2 + 1);
    if (p == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", field);
    if (hex_decode_into(s, slen, field, p, err) != 0) {
        free(p);
        return -1;
    }
    *out = p;
    *outlen = slen / 2;
    return 0;
}

int maat_hex_decode_fixed(const char *s, size_t slen, const char *field, uint8_t *dst, size_t n,
                          struct maat_error *err)
{
    if (slen != 2 * n)
        return maat_error_set(err, MAAT_ERR_LENGTH,
                              "%s: expected %zu hex digits (%zu bytes), got %zu", field, 2 * n, n,
                              slen);
    return hex_decode_into(s, slen, field, dst, err);
}

_Thread_local uint64_t maat__hex_simd_blocks;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
static bool b64_simd_ok(void);

/* Sixteen bytes to 32 lowercase hex digits at a time (SSSE3): each nibble a digit by one
 * shuffle of the digit table, the high and low digits interleaved. Returns the bytes
 * done (a multiple of 16). */
__attribute__((target("ssse3"))) static size_t hex_simd16(const uint8_t *p, size_t n, char *dst)
{
    const __m128i digits = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
                                         'c', 'd', 'e', 'f');
    const __m128i low = _mm_set1_epi8(15);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i hi = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(x, 4), low));
        __m128i lo = _mm_shuffle_epi8(digits, _mm_and_si128(x, low));
        _mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi8(hi, lo));
        _mm_storeu_si128((__m128i *)(dst + 2 * i + 16), _mm_unpackhi_epi8(hi, lo));
    }
    return i;
}
#endif

void maat_hex_encode(const uint8_t *p, size_t n, char *dst)
{
    static const char digits[] = "0123456789abcdef";
    size_t i = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (n >= 16 && b64_simd_ok()) {
        i = hex_simd16(p, n, dst);
        maat__hex_simd_blocks += i / 16;
    }
#endif
    for (; i < n; i++) {
        dst[2 * i] = digits[p[i] >> 4];
        dst[2 * i + 1] = digits[p[i] & 15];
    }
    dst[2 * n] = '\0';
}

char *maat_hex_encode_alloc(const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX - 1) / 2) return NULL;
    char *s = malloc(2 * n + 1);
    if (s) maat_hex_encode(p, n, s);
    return s;
}

/* ---- base64 / base64url ---- */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Decoding tables: the 6-bit value of each alphabet character, B64_PAD for '=', B64_BAD
 * for every other byte (one load per character instead of a chain of range tests). */
#define B64_PAD 0xFE
#define B64_BAD 0xFF
static const uint8_t b64_std_val[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff, 0xff, 0xff, 0x3f,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff,
    0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
static const uint8_t b64_url_val[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff, 0xff,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff,
    0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0x3f,
    0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* The same tables with each value moved to its place in a 24-bit group (character k of
 * 4 at bit 18 - 6k) and bit 31 set for any byte outside the alphabet ('=' included), so
 * that a group is four loads and three ORs. Built once from the tables above. */
#define B64_GROUP_BAD 0x80000000u
static uint32_t b64_group_tab[2][4][256];
static pthread_once_t b64_group_once = PTHREAD_ONCE_INIT;

static void b64_group_init(void)
{
    for (int url = 0; url < 2; url++)
        for (int k = 0; k < 4; k++)
            for (int c = 0; c < 256; c++) {
                uint8_t v = (url ? b64_url_val : b64_std_val)[c];
                b64_group_tab[url][k][c] = v >= 64 ? B64_GROUP_BAD : (uint32_t)v << (18 - 6 * k);
            }
}

/* Decodes the characters u[0, data_len) (data_len % 4 != 1) into p, returning the byte
 * count; *bad collects every table value (any value >= 64 means a character outside the
 * alphabet, '=' included) and *leftover the bits of the last character that encode no byte.
 * p must have room for one byte more than the complete groups give (each group is stored
 * as four bytes, the fourth overwritten by the next). */
bool maat__b64_simd_off;
_Thread_local uint64_t maat__b64_simd_blocks;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* Sixteen characters at a time (SSSE3). Validity from two nibble lookups: the high
 * nibble picks a class bit (the high nibbles whose valid low nibbles are the same set
 * share one; 0x0-0x1 and 0x8-0xF, which hold no alphabet character, another), the low
 * nibble the bits of the classes it is invalid in; a character is in the alphabet when
 * the two share no bit (bytes >= 0x80 included: their class admits no low nibble). Its
 * value is the character plus an offset per high nibble (one shuffle), corrected for the
 * 63rd character, the one whose offset differs from its high nibble's. Tables derived
 * from, and checked against, the alphabets in every byte (test_base64_simd_decode.c). The
 * 6-bit values are then packed into 12 bytes. Only blocks whose 16 characters are all in
 * the alphabet are decoded here; at the first other block it stops and the table loop
 * takes over, so what is refused, and the message, is the table loop's. Writes 16 bytes
 * per 12 decoded: the caller leaves 20 characters after a block (room for the extra 4
 * bytes). Returns the characters consumed (a multiple of 16); *o advances by 12 per block. */
__attribute__((target("ssse3"))) static size_t b64_simd16(const unsigned char *u, size_t data_len,
                                                          bool url, uint8_t *p, size_t *o)
{
    const __m128i lut_lo = url ? _mm_setr_epi8(11, 3, 3, 3, 3, 3, 3, 3, 3, 3, 7, 55, 55, 53, 55, 39)
                               : _mm_setr_epi8(11, 3, 3, 3, 3, 3, 3, 3, 3, 3, 7, 21, 23, 23, 23, 21);
    const __m128i lut_hi = url ? _mm_setr_epi8(1, 1, 2, 4, 8, 16, 8, 32, 1, 1, 1, 1, 1, 1, 1, 1)
                               : _mm_setr_epi8(1, 1, 2, 4, 8, 16, 8, 16, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m128i roll = _mm_setr_epi8(0, 0, url ? 17 : 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0,
                                       0, 0, 0);
    const __m128i c63 = _mm_set1_epi8(url ? '_' : '/'), fix63 = _mm_set1_epi8(url ? 33 : -3);
    const __m128i nib = _mm_set1_epi8(0x0F), zero = _mm_setzero_si128();
    const __m128i pack1 = _mm_set1_epi32(0x01400140), pack2 = _mm_set1_epi32(0x00011000);
    const __m128i order = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    size_t i = 0;
    for (; i + 20 <= data_len; i += 16) {
        __m128i c = _mm_loadu_si128((const __m128i *)(u + i));
        __m128i hi = _mm_and_si128(_mm_srli_epi32(c, 4), nib);
        __m128i bad = _mm_and_si128(_mm_shuffle_epi8(lut_lo, _mm_and_si128(c, nib)),
                                    _mm_shuffle_epi8(lut_hi, hi));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(bad, zero)) != 0xFFFF) break;
        __m128i v = _mm_add_epi8(_mm_add_epi8(c, _mm_shuffle_epi8(roll, hi)),
                                 _mm_and_si128(_mm_cmpeq_epi8(c, c63), fix63));
        /* [a b c d] per 4 characters -> (a<<6|b, c<<6|d) -> a<<18|b<<12|c<<6|d, then its
         * three bytes big-endian */
        __m128i w = _mm_madd_epi16(_mm_maddubs_epi16(v, pack1), pack2);
        _mm_storeu_si128((__m128i *)(p + *o), _mm_shuffle_epi8(w, order));
        *o += 12;
    }
    return i;
}

static bool b64_simd_ok(void)
{
    static int ok = -1; /* every thread computes the same; atomic so that none reads a torn value */
    int v = __atomic_load_n(&ok, __ATOMIC_RELAXED);
    if (v < 0) {
        v = __builtin_cpu_supports("ssse3") ? 1 : 0;
        __atomic_store_n(&ok, v, __ATOMIC_RELAXED);
    }
    return v == 1 && !maat__b64_simd_off;
}
#endif

static size_t b64_groups(const unsigned char *u, size_t data_len, bool url, const uint8_t *val,
                         uint8_t *p, unsigned *bad, uint32_t *leftover)
{
    pthread_once(&b64_group_once, b64_group_init);
    const uint32_t *t0 = b64_group_tab[url][0], *t1 = b64_group_tab[url][1],
                   *t2 = b64_group_tab[url][2], *t3 = b64_group_tab[url][3];
    size_t o = 0, i = 0;
    uint32_t gacc = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (data_len >= 36 && b64_simd_ok()) {
        i = b64_simd16(u, data_len, url, p, &o);
        maat__b64_simd_blocks += i / 16;
    }
#endif
    for (; i + 4 <= data_len; i += 4) {
        uint32_t v = t0[u[i]] | t1[u[i + 1]] | t2[u[i + 2]] | t3[u[i + 3]];
        gacc |= v;
        uint8_t g[4] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v, 0};
        memcpy(p + o, g, 4);
        o += 3;
    }
    unsigned acc = (gacc & B64_GROUP_BAD) ? B64_BAD : 0;
    *leftover = 0;
    size_t rem = data_len - i;
    if (rem == 2) {
        unsigned a = val[u[i]], b = val[u[i + 1]];
        acc |= a | b;
        uint32_t v = (uint32_t)a << 6 | (uint32_t)b;
        p[o++] = (uint8_t)(v >> 4);
        *leftover = v & 0x0F;
    } else if (rem == 3) {
        unsigned a = val[u[i]], b = val[u[i + 1]], c = val[u[i + 2]];
        acc |= a | b | c;
        uint32_t v = (uint32_t)a << 12 | (uint32_t)b << 6 | (uint32_t)c;
        p[o++] = (uint8_t)(v >> 10);
        p[o++] = (uint8_t)(v >> 2);
        *leftover = v & 0x03;
    }
    *bad = acc;
    return o;
}

static int b64_decode(const char *s, size_t slen, const char *field, bool url, uint8_t **out,
                      size_t *outlen, struct maat_error *err)
{
    const char *name = url ? "base64url" : "base64";
    const uint8_t *val = url ? b64_url_val : b64_std_val;
    const unsigned char *u = (const unsigned char *)s;
    *out = NULL;
    *outlen = 0;
    /* Fast path for well-formed text: alphabet characters, then the padding the length
     * calls for, checked and decoded in one pass. Anything else falls through to the
     * checks below, which report the first problem in their fixed order. */
    {
        size_t dl = slen;
        while (dl > 0 && s[dl - 1] == '=' && slen - dl < 2) dl--;
        size_t pd = slen - dl, rm = dl % 4;
        bool shape = rm != 1 &&
                     (pd == 0 ? url || rm == 0 : (rm == 2 && pd == 2) || (rm == 3 && pd == 1));
        uint8_t *p = shape ? malloc(dl / 4 * 3 + 3) : NULL;
        if (p != NULL) {
            unsigned bad;
            uint32_t leftover;
            size_t o = b64_groups(u, dl, url, val, p, &bad, &leftover);
            if (bad < 64 && leftover == 0) {
                *out = p;
                *outlen = o;
                return 0;
            }
            free(p); /* the checks below say what is wrong */
        }
    }
    /* A character outside the alphabet is reported first, wherever it is. */
    for (size_t i = 0; i < slen; i++)
        if (val[u[i]] == B64_BAD)
            return maat_error_set(err, MAAT_ERR_ENCODING,
                                  "%s: invalid %s character 0x%02x at offset %zu", field, name,
                                  u[i], i);
    /* Split off padding: at most two '=' at the very end. */
    size_t data_len = slen;
    while (data_len > 0 && s[data_len - 1] == '=' && slen - data_len < 2) data_len--;
    size_t pad = slen - data_len;
    /* Only '=' can be left that is not an alphabet character: it must not be in the data. */
    const char *eq = data_len > 0 ? memchr(s, '=', data_len) : NULL;
    if (eq != NULL)
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              "%s: %s padding '=' at offset %zu is not at the end", field, name,
                              (size_t)(eq - s));
    size_t rem = data_len % 4;
    if (rem == 1)
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              "%s: %s text of %zu characters cannot be complete (a final group "
                              "of one character)",
                              field, name, data_len);
    if (pad) {
        if ((rem == 2 && pad != 2) || (rem == 3 && pad != 1) || rem == 0)
            return maat_error_set(err, MAAT_ERR_ENCODING,
                                  "%s: wrong %s padding: %zu '=' after a final group of %zu "
                                  "characters at offset %zu",
                                  field, name, pad, rem ? rem : 4, data_len);
    } else if (!url && rem != 0) {
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              "%s: base64 padding missing at offset %zu (expected %zu '=')", field,
                              slen, 4 - rem);
    }
    size_t n = data_len / 4 * 3 + (rem ? rem - 1 : 0);
    uint8_t *p = malloc(n + 1);
    if (p == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", field);
    /* Every character of u[0..data_len) is now known to be in the alphabet (< 64). */
    unsigned bad;
    uint32_t leftover;
    size_t o = b64_groups(u, data_len, url, val, p, &bad, &leftover);
    if (leftover != 0) {
        free(p);
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              "%s: non-zero padding bits in the last %s character at offset %zu",
                              field, name, data_len - 1);
    }
    *out = p;
    *outlen = o;
    return 0;
}

int maat_base64_decode(const char *s, size_t slen, const char *field, uint8_t **out, size_t *outlen,
                       struct maat_error *err)
{
    return b64_decode(s, slen, field, false, out, outlen, err);
}

int maat_base64url_decode(const char *s, size_t slen, const char *field, uint8_t **out,
                          size_t *outlen, struct maat_error *err)
{
    return b64_decode(s, slen, field, true, out, outlen, err);
}

/* Writes the encoding of p[0, n) and a NUL to s (room for (n + 2) / 3 * 4 + 1 bytes);
 * returns the length without the NUL. */
/* Every 12-bit value as its two characters, per alphabet: three bytes are two loads. */
static char b64_pair_tab[2][4096][2];
static pthread_once_t b64_pair_once = PTHREAD_ONCE_INIT;

static void b64_pair_init(void)
{
    for (int url = 0; url < 2; url++)
        for (int v = 0; v < 4096; v++) {
            b64_pair_tab[url][v][0] = (url ? b64_url : b64_std)[v >> 6];
            b64_pair_tab[url][v][1] = (url ? b64_url : b64_std)[v & 63];
        }
}

_Thread_local uint64_t maat__b64_simd_enc_blocks;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* Twelve bytes to sixteen characters at a time (SSSE3): each 3-byte group is spread over a
 * 32-bit lane (bytes b1 b0 b2 b1), its four 6-bit values moved to one byte each by two
 * 16-bit multiplies, then each value v made a character by adding the offset of its
 * range (0-25 'A', 26-51 'a' - 26, 52-61 '0' - 52, 62 and 63 per alphabet) picked with
 * one shuffle. Loads 16 bytes per block: runs while 16 bytes are left. Returns the bytes
 * consumed (a multiple of 12); *o advances by 16 per block. */
__attribute__((target("ssse3"))) static size_t b64_enc_simd12(const uint8_t *p, size_t n, bool url,
                                                              char *s, size_t *o)
{
    const __m128i spread = _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    const __m128i m_hi = _mm_set1_epi32(0x0fc0fc00), mul_hi = _mm_set1_epi32(0x04000040);
    const __m128i m_lo = _mm_set1_epi32(0x003f03f0), mul_lo = _mm_set1_epi32(0x01000010);
    const __m128i c51 = _mm_set1_epi8(51), c26 = _mm_set1_epi8(26), c13 = _mm_set1_epi8(13);
    /* offset by range index: 0 = 26-51, 1-10 = 52-61, 11 = 62, 12 = 63, 13 = 0-25 */
    const __m128i offs = _mm_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4,
                                       (char)((url ? '-' : '+') - 62),
                                       (char)((url ? '_' : '/') - 63), 65, 0, 0);
    size_t i = 0, w = *o;
    for (; i + 16 <= n; i += 12, w += 16) {
        __m128i in = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + i)), spread);
        __m128i v = _mm_or_si128(_mm_mulhi_epu16(_mm_and_si128(in, m_hi), mul_hi),
                                 _mm_mullo_epi16(_mm_and_si128(in, m_lo), mul_lo));
        __m128i r = _mm_subs_epu8(v, c51); /* 1-12 for 52-63, else 0 */
        r = _mm_or_si128(r, _mm_and_si128(_mm_cmpgt_epi8(c26, v), c13));
        _mm_storeu_si128((__m128i *)(s + w), _mm_add_epi8(v, _mm_shuffle_epi8(offs, r)));
    }
    *o = w;
    return i;
}
#endif

static size_t b64_encode_into(char *s, const uint8_t *p, size_t n, bool url)
{
    const char *alpha = url ? b64_url : b64_std;
    pthread_once(&b64_pair_once, b64_pair_init);
    const char(*pairs)[2] = b64_pair_tab[url];
    size_t o = 0, i = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (n >= 16 && b64_simd_ok()) {
        i = b64_enc_simd12(p, n, url, s, &o);
        maat__b64_simd_enc_blocks += i / 12;
    }
#endif
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        memcpy(s + o, pairs[v >> 12], 2);
        memcpy(s + o + 2, pairs[v & 4095], 2);
        o += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        s[o++] = alpha[v >> 18];
        s[o++] = alpha[(v >> 12) & 63];
        if (!url) {
            s[o++] = '=';
            s[o++] = '=';
        }
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        s[o++] = alpha[v >> 18];
        s[o++] = alpha[(v >> 12) & 63];
        s[o++] = alpha[(v >> 6) & 63];
        if (!url) s[o++] = '=';
    }
    s[o] = '\0';
    return o;
}

static char *b64_encode(const uint8_t *p, size_t n, bool url)
{
    if (n > SIZE_MAX / 4 - 4) return NULL;
    char *s = malloc((n + 2) / 3 * 4 + 1);
    if (s != NULL) b64_encode_into(s, p, n, url);
    return s;
}

int maat_buf_put_base64url(struct maat_buf *b, const uint8_t *p, size_t n)
{
    if (n > SIZE_MAX / 4 - 4 || maat_buf_reserve(b, (n + 2) / 3 * 4 + 1) != 0) return -1;
    b->len += b64_encode_into((char *)b->data + b->len, p, n, true);
    return 0;
}

char *maat_base64_encode(const uint8_t *p, size_t n)
{
    return b64_encode(p, n, false);
}

char *maat_base64url_encode(const uint8_t *p, size_t n)
{
    return b64_encode(p, n, true);
}

bool maat_memeq_ct(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++) d |= (uint8_t)(x[i] ^ y[i]);
    return d == 0;
}

bool maat_is_zero(const uint8_t *p, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++) d |= p[i];
    return d == 0;
}
