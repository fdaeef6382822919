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
                           struct maat_json_span *span, const char *what,
                           struct maat_error *err);

/*
 * Same validation and error messages as maat__json_scan_object with key == NULL, and
 * also locates the top-level member `key` (not NULL) like it does, but never fails
 * because of the search: when a top-level member name uses escape sequences, or `key`
 * occurs more than once, *ambiguous is set (the span found, if any, must then not be
 * trusted to be the member a full JSON parser would see).
 */
int maat__json_scan_object_find(const char *text, size_t len, const char *key, bool *found,
                                struct maat_json_span *span, bool *ambiguous, const char *what,
                                struct maat_error *err);

/*
 * Best-effort path of the innermost value (or member key) that starts at or before
 * `offset`, e.g. "tcbInfo.version". Used to name the field behind a jansson error,
 * which gives only a position. Works on malformed text too (stops where it breaks).
 * Writes "" for the top-level value.
 */
void maat__json_path_at(const char *text, size_t len, size_t offset, char *buf,
                        size_t bufsz);

/*
 * Offset of the first value whose path equals `path` (same format as above; "" is the
 * top-level value). Returns false when no such value exists or the text is malformed
 * before it.
 */
bool maat__json_offset_of(const char *text, size_t len, const char *path, size_t *offset);

#endif
