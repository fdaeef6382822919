/*
 * json_span.h - (internal) a bounded JSON syntax scanner that reports byte offsets.
 *
 * jansson parses JSON into values but forgets where they were in the text. Intel signs
 * the exact bytes of the `tcbInfo` / `enclaveIdentity` value as sent, so maat needs the
 * byte span of a top-level member; and an error message is more useful when it names
 * the offset and the path ("tcbInfo.tcbLevels[2].tcb.pcesvn") of the offending value.
 * This scanner validates RFC 8259 syntax (strings, escapes, numbers, literals, nesting up
 * to MAAT_JSON_MAX_DEPTH) without building anything. It does not check UTF-8 or
 * duplicate keys: jansson does, after the scanner has accepted the text.
 */
#ifndef MAAT_JSON_SPAN_H
#define MAAT_JSON_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "maat/error.h"

/* Deepest nesting of objects/arrays accepted (Intel collateral needs 6). */
#define MAAT_JSON_MAX_DEPTH 32
/* Longest path string produced for messages (longer paths are cut with "..."). */
#define MAAT_JSON_PATH_MAX 192

/* True when one of the 8 bytes in w (any byte order) is '"', '\\' or below 0x20, or, with
 * `ascii`, 0x80 or above: the bytes at which a JSON string scan or writer must stop and look.
 * Each test is the exact "some byte is zero / below n" word trick, so a word without such
 * a byte is never reported. */
static inline bool maat__json_word_needs_look(uint64_t w, bool ascii)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    uint64_t t = ((q - ones) & ~q) | ((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w);
    if (ascii) t |= w;
    return (t & high) != 0;
}

/* The length of the longest prefix of s[0, n) without '"', '\\', control characters
 * (below 0x20) or bytes 0x80 and above: how far a JSON string scan or an ASCII string
 * writer can skip before it must look at a byte. Sixteen bytes at a time with SSE2 (one
 * signed compare catches both below 0x20 and 0x80 and above), else eight by the word
 * test above, the tail byte by byte; the answer is the same either way. */
static inline size_t maat__json_plain_run(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmplt_epi8(v, sp));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits != 0) return i + (size_t)__builtin_ctz(bits);
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (maat__json_word_needs_look(w, true)) break;
    }
    for (; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '"' || p[i] == '\\') break;
    return i;
}

/* A byte range [start, end) within the scanned text. */
struct maat_json_span {
    size_t start;
    size_t end;
};

/*
 * Checks that text[0, len) is exactly one JSON object, optionally surrounded by
 * whitespace. When `key` is not NULL and the top-level object has a member with that
 * (unescaped, case-sensitive) name, *found is set and *span receives the byte range of
 * its value (no surrounding whitespace). A second top-level member with the same name
 * is an error. Errors (MAAT_ERR_ENCODING for bad syntax, MAAT_ERR_TOO_LARGE for nesting
 * deeper than MAAT_JSON_MAX_DEPTH) name `what`, the offset and the path.
 */
int maat__json_scan_object(const char *text, size_t len, const char *key, bool *found,
                           struct maat_json_span *span, const char *what, struct maat_error *err);

/*
 * Same validation and error messages as maat__json_scan_object with key == NULL, and
 * also locates the top-level member `key` (not NULL) like it does, but never fails
 * because of the search: when a top-level member name uses escape sequences, or `key`
 * occurs more than once, *ambiguous is set (the span found, if any, must then not be
 * trusted to be the member a full JSON parser would see). *plain (if not NULL) tells
 * whether the member found is a string of ASCII characters without escape sequences
 * (then its bytes between the quotes are its value).
 */
int maat__json_scan_object_find(const char *text, size_t len, const char *key, bool *found,
                                struct maat_json_span *span, bool *ambiguous, bool *plain,
                                const char *what, struct maat_error *err);

/*
 * Best-effort path of the innermost value (or member key) that starts at or before
 * `offset`, e.g. "tcbInfo.version". Used to name the field behind a jansson error,
 * which gives only a position. Works on malformed text too (stops where it breaks).
 * Writes "" for the top-level value.
 */
void maat__json_path_at(const char *text, size_t len, size_t offset, char *buf, size_t bufsz);

/*
 * Offset of the first value whose path equals `path` (same format as above; "" is the
 * top-level value). Returns false when no such value exists or the text is malformed
 * before it.
 */
bool maat__json_offset_of(const char *text, size_t len, const char *path, size_t *offset);

#endif
