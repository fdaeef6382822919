/*
 * json_span.c - bounded JSON syntax scanner: validates text, finds the exact byte span
 * of a top-level member's value (the bytes Intel signs), and maps offsets to paths and
 * paths to offsets for error messages. Recursion is bounded by MAAT_JSON_MAX_DEPTH.
 */
#include "json_span.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum scan_mode { MODE_VALIDATE, MODE_PATH_AT, MODE_OFFSET_OF };

struct frame {
    bool is_array;
    const char *key; /* raw name of the current member (between the quotes), or NULL */
    size_t key_len;
    const char *prev; /* the member before it, for "after member X" in messages */
    size_t prev_len;
    size_t index; /* element index, arrays only */
};

struct scan {
    const char *s;
    size_t len;
    size_t pos;
    size_t depth;
    struct frame fr[MAAT_JSON_MAX_DEPTH];
    enum scan_mode mode;
    const char *what;
    struct maat_error *err;
    /* top-level member search */
    const char *key;
    size_t key_len;
    bool found;
    struct maat_json_span span;
    /* lax search: an escaped or repeated top-level name sets `ambiguous` instead of failing */
    bool lax;
    bool ambiguous;
    bool span_plain; /* the member found is an ASCII string without escapes */
    bool str_ascii;  /* the last string scanned had no byte >= 0x80 */
    bool str_escape; /* ... and used escape sequences */
    /* MODE_PATH_AT */
    size_t probe;
    char *buf;
    size_t bufsz;
    /* MODE_OFFSET_OF */
    const char *target;
    size_t target_off;
    bool target_found;
};

#define SCAN_STOP 1 /* a probe got its answer: unwind without error */
#define STR_(x) #x
#define STR(x) STR_(x)

/* Appends to dst (size cap, current length *n) with truncation marked by "...". */
static void append(char *dst, size_t cap, size_t *n, const char *p, size_t len)
{
    if (cap == 0) return;
    for (size_t i = 0; i < len; i++) {
        if (*n + 1 >= cap) {
            if (cap >= 4) memcpy(dst + cap - 4, "...", 4);
            *n = cap - 1;
            return;
        }
        unsigned char c = (unsigned char)p[i];
        dst[(*n)++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[*n] = '\0';
}

static void format_path(const struct scan *sc, size_t depth, char *dst, size_t cap)
{
    size_t n = 0;
    if (cap == 0) return;
    dst[0] = '\0';
    for (size_t i = 0; i < depth; i++) {
        const struct frame *f = &sc->fr[i];
        if (f->is_array) {
            char idx[32];
            int k = snprintf(idx, sizeof idx, "[%zu]", f->index);
            append(dst, cap, &n, idx, (size_t)k);
        } else {
            if (f->key == NULL) break; /* between members: the object is the innermost */
            if (i > 0) append(dst, cap, &n, ".", 1);
            append(dst, cap, &n, f->key, f->key_len);
        }
    }
}

static int fail(struct scan *sc, maat_err code, const char *expected)
{
    if (sc->mode != MODE_VALIDATE) return -1;
    char path[MAAT_JSON_PATH_MAX], after[MAAT_JSON_PATH_MAX + 32] = "";
    format_path(sc, sc->depth, path, sizeof path);
    if (sc->depth > 0) {
        const struct frame *f = &sc->fr[sc->depth - 1];
        if (!f->is_array && f->key == NULL && f->prev != NULL) {
            char name[MAAT_JSON_PATH_MAX];
            size_t n = 0;
            name[0] = '\0';
            append(name, sizeof name, &n, f->prev, f->prev_len);
            snprintf(after, sizeof after, ", after member \"%s\"", name);
        }
    }
    const char *where = path[0] ? path : "top level";
    if (sc->pos >= sc->len)
        return maat_error_set(sc->err, code,
                              "%s: invalid JSON: text ends at offset %zu (in %s%s): %s", sc->what,
                              sc->pos, where, after, expected);
    unsigned char c = (unsigned char)sc->s[sc->pos];
    bool printable = c >= 0x20 && c < 0x7f;
    char got[16];
    if (printable)
        snprintf(got, sizeof got, "'%c'", (char)c);
    else
        snprintf(got, sizeof got, "byte 0x%02x", c);
    return maat_error_set(sc->err, code, "%s: invalid JSON at offset %zu (in %s%s): %s, got %s",
                          sc->what, sc->pos, where, after, expected, got);
}

/* Called where a value (path of `depth` frames) or a member key starts. Paths name
 * values, so MODE_OFFSET_OF ignores keys; MODE_PATH_AT uses both (an error position in
 * a key or just after it belongs to that member). */
static int probe_hook(struct scan *sc, size_t depth, bool is_key)
{
    if (sc->mode == MODE_PATH_AT) {
        if (sc->pos > sc->probe) return SCAN_STOP;
        format_path(sc, depth, sc->buf, sc->bufsz);
    } else if (sc->mode == MODE_OFFSET_OF && !is_key) {
        char path[MAAT_JSON_PATH_MAX];
        format_path(sc, depth, path, sizeof path);
        if (strcmp(path, sc->target) == 0) {
            sc->target_off = sc->pos;
            sc->target_found = true;
            return SCAN_STOP;
        }
    }
    return 0;
}

static void skip_ws(struct scan *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        sc->pos++;
    }
}

static bool at(const struct scan *sc, char c)
{
    return sc->pos < sc->len && sc->s[sc->pos] == c;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(const struct scan *sc)
{
    return sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9';
}

/* A string starting at the opening quote; *has_escape tells whether it used '\'. */
static int scan_string(struct scan *sc, bool *has_escape)
{
    *has_escape = false;
    sc->str_ascii = true;
    sc->str_escape = false;
    sc->pos++; /* opening quote */
    for (;;) {
        /* long runs of plain characters (base64 evidence) skipped at once */
        sc->pos += maat__json_plain_run(sc->s + sc->pos, sc->len - sc->pos);
        if (sc->pos >= sc->len) return fail(sc, MAAT_ERR_ENCODING, "expected closing '\"'");
        unsigned char c = (unsigned char)sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            return 0;
        }
        if (c < 0x20)
            return fail(sc, MAAT_ERR_ENCODING, "expected no control character in a string");
        if (c != '\\') { /* 0x80 and above: UTF-8 is jansson's to check */
            sc->str_ascii = false;
            sc->pos++;
            continue;
        }
        *has_escape = true;
        sc->str_escape = true;
        sc->pos++;
        if (sc->pos >= sc->len) return fail(sc, MAAT_ERR_ENCODING, "expected an escape character");
        c = (unsigned char)sc->s[sc->pos];
        if (c == 'u') {
            sc->pos++;
            for (int i = 0; i < 4; i++) {
                if (sc->pos >= sc->len || !is_hex(sc->s[sc->pos]))
                    return fail(sc, MAAT_ERR_ENCODING, "expected 4 hex digits after \\u");
                sc->pos++;
            }
        } else if (strchr("\"\\/bfnrt", (int)c) != NULL && c != '\0') {
            sc->pos++;
        } else {
            return fail(sc, MAAT_ERR_ENCODING,
                        "expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
        }
    }
}

static int scan_number(struct scan *sc)
{
    size_t start = sc->pos;
    bool minus = at(sc, '-');
    if (minus) sc->pos++;
    if (at(sc, '0')) {
        sc->pos++;
        /* "-0" is an integer to jansson, which drops the sign; collateral integers
         * carry no sign, so refuse it here where the text is still visible. */
        if (minus && !at(sc, '.') && !at(sc, 'e') && !at(sc, 'E')) {
            sc->pos = start;
            return fail(sc, MAAT_ERR_VALUE, "expected a non-negative integer without a sign");
        }
    } else if (is_digit(sc)) {
        while (is_digit(sc)) sc->pos++;
    } else {
        return fail(sc, MAAT_ERR_ENCODING, "expected a digit");
    }
    if (at(sc, '.')) {
        sc->pos++;
        if (!is_digit(sc)) return fail(sc, MAAT_ERR_ENCODING, "expected a digit after '.'");
        while (is_digit(sc)) sc->pos++;
    }
    if (at(sc, 'e') || at(sc, 'E')) {
        sc->pos++;
        if (at(sc, '+') || at(sc, '-')) sc->pos++;
        if (!is_digit(sc)) return fail(sc, MAAT_ERR_ENCODING, "expected a digit in the exponent");
        while (is_digit(sc)) sc->pos++;
    }
    return 0;
}

static int scan_literal(struct scan *sc, const char *word)
{
    size_t n = strlen(word);
    if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, word, n) != 0)
        return fail(sc, MAAT_ERR_ENCODING,
                    "expected a value (object, array, string, number, true, false, null)");
    sc->pos += n;
    return 0;
}

static int scan_value(struct scan *sc);

static int push(struct scan *sc, bool is_array)
{
    if (sc->depth >= MAAT_JSON_MAX_DEPTH)
        return fail(sc, MAAT_ERR_TOO_LARGE,
                    "expected nesting of at most " STR(MAAT_JSON_MAX_DEPTH) " levels");
    struct frame *f = &sc->fr[sc->depth++];
    memset(f, 0, sizeof *f);
    f->is_array = is_array;
    return 0;
}

static int scan_object(struct scan *sc)
{
    int rc;
    if ((rc = push(sc, false)) != 0) return rc;
    struct frame *f = &sc->fr[sc->depth - 1];
    bool top = sc->depth == 1;
    sc->pos++; /* '{' */
    skip_ws(sc);
    if (at(sc, '}')) {
        sc->pos++;
        sc->depth--;
        return 0;
    }
    for (;;) {
        if (f->key != NULL) {
            f->prev = f->key;
            f->prev_len = f->key_len;
            f->key = NULL;
        }
        skip_ws(sc);
        if (!at(sc, '"'))
            return fail(sc, MAAT_ERR_ENCODING, "expected '\"' starting a member name");
        size_t key_start = sc->pos;
        bool esc;
        if ((rc = scan_string(sc, &esc)) != 0) return rc;
        f->key = sc->s + key_start + 1;
        f->key_len = sc->pos - key_start - 2;
        size_t save = sc->pos;
        sc->pos = key_start;
        if ((rc = probe_hook(sc, sc->depth, true)) != 0) return rc;
        sc->pos = save;
        bool wanted = false;
        if (top && sc->key != NULL && sc->lax) {
            if (esc) {
                sc->ambiguous = true;
            } else {
                wanted = f->key_len == sc->key_len && memcmp(f->key, sc->key, f->key_len) == 0;
                if (wanted && sc->found) {
                    sc->ambiguous = true;
                    wanted = false;
                }
            }
        } else if (top && sc->key != NULL) {
            if (esc) {
                return maat_error_set(sc->mode == MODE_VALIDATE ? sc->err : NULL, MAAT_ERR_ENCODING,
                                      "%s: top-level member name at offset %zu uses escape "
                                      "sequences (not accepted: the signed member must be found "
                                      "by its exact name)",
                                      sc->what, key_start);
            }
            wanted = f->key_len == sc->key_len && memcmp(f->key, sc->key, f->key_len) == 0;
            if (wanted && sc->found) {
                sc->pos = key_start;
                return fail(sc, MAAT_ERR_ENCODING, "expected no second member with this name");
            }
        }
        skip_ws(sc);
        if (!at(sc, ':')) return fail(sc, MAAT_ERR_ENCODING, "expected ':' after a member name");
        sc->pos++;
        skip_ws(sc);
        size_t vstart = sc->pos;
        bool vstring = at(sc, '"');
        if ((rc = scan_value(sc)) != 0) return rc;
        if (wanted) {
            sc->found = true;
            sc->span.start = vstart;
            sc->span.end = sc->pos;
            /* a string value is the last string scan_value scanned */
            sc->span_plain = vstring && !sc->str_escape && sc->str_ascii;
        }
        skip_ws(sc);
        if (at(sc, ',')) {
            sc->pos++;
            continue;
        }
        if (at(sc, '}')) {
            sc->pos++;
            sc->depth--;
            return 0;
        }
        return fail(sc, MAAT_ERR_ENCODING, "expected ',' or '}' after a member");
    }
}

static int scan_array(struct scan *sc)
{
    int rc;
    if ((rc = push(sc, true)) != 0) return rc;
    struct frame *f = &sc->fr[sc->depth - 1];
    sc->pos++; /* '[' */
    skip_ws(sc);
    if (at(sc, ']')) {
        sc->pos++;
        sc->depth--;
        return 0;
    }
    for (;;) {
        skip_ws(sc);
        if ((rc = scan_value(sc)) != 0) return rc;
        skip_ws(sc);
        if (at(sc, ',')) {
            sc->pos++;
            f->index++;
            continue;
        }
        if (at(sc, ']')) {
            sc->pos++;
            sc->depth--;
            return 0;
        }
        return fail(sc, MAAT_ERR_ENCODING, "expected ',' or ']' after an array element");
    }
}

static int scan_value(struct scan *sc)
{
    int rc;
    if ((rc = probe_hook(sc, sc->depth, false)) != 0) return rc;
    if (sc->pos >= sc->len)
        return fail(sc, MAAT_ERR_ENCODING,
                    "expected a value (object, array, string, number, true, false, null)");
    char c = sc->s[sc->pos];
    bool esc;
    switch (c) {
    case '{': return scan_object(sc);
    case '[': return scan_array(sc);
    case '"': return scan_string(sc, &esc);
    case 't': return scan_literal(sc, "true");
    case 'f': return scan_literal(sc, "false");
    case 'n': return scan_literal(sc, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return scan_number(sc);
        return fail(sc, MAAT_ERR_ENCODING,
                    "expected a value (object, array, string, number, true, false, null)");
    }
}

/* Runs the scanner over the whole text: one object, whitespace around it. */
static int scan_document(struct scan *sc)
{
    skip_ws(sc);
    if (!at(sc, '{'))
        return fail(sc, MAAT_ERR_ENCODING, "expected '{' starting the top-level object");
    int rc = scan_value(sc);
    if (rc != 0) return rc;
    skip_ws(sc);
    if (sc->pos != sc->len)
        return fail(sc, MAAT_ERR_TRAILING, "expected nothing after the top-level object");
    return 0;
}

int maat__json_scan_object(const char *text, size_t len, const char *key, bool *found,
                           struct maat_json_span *span, const char *what, struct maat_error *err)
{
    struct scan sc;
    memset(&sc, 0, sizeof sc);
    sc.s = text;
    sc.len = text ? len : 0;
    sc.mode = MODE_VALIDATE;
    sc.what = what ? what : "JSON";
    sc.err = err;
    sc.key = key;
    sc.key_len = key ? strlen(key) : 0;
    if (found) *found = false;
    if (span) span->start = span->end = 0;
    if (scan_document(&sc) != 0) return -1;
    if (found) *found = sc.found;
    if (span && sc.found) *span = sc.span;
    return 0;
}

int maat__json_scan_object_find(const char *text, size_t len, const char *key, bool *found,
                                struct maat_json_span *span, bool *ambiguous, bool *plain,
                                const char *what, struct maat_error *err)
{
    if (plain != NULL) *plain = false;
    struct scan sc;
    memset(&sc, 0, sizeof sc);
    sc.s = text;
    sc.len = text ? len : 0;
    sc.mode = MODE_VALIDATE;
    sc.what = what ? what : "JSON";
    sc.err = err;
    sc.key = key;
    sc.key_len = key ? strlen(key) : 0;
    sc.lax = true;
    *found = false;
    *ambiguous = false;
    span->start = span->end = 0;
    if (scan_document(&sc) != 0) return -1;
    *found = sc.found;
    *ambiguous = sc.ambiguous;
    if (sc.found) *span = sc.span;
    if (plain != NULL) *plain = sc.found && sc.span_plain;
    return 0;
}

void maat__json_path_at(const char *text, size_t len, size_t offset, char *buf, size_t bufsz)
{
    if (buf == NULL || bufsz == 0) return;
    buf[0] = '\0';
    struct scan sc;
    memset(&sc, 0, sizeof sc);
    sc.s = text;
    sc.len = text ? len : 0;
    sc.mode = MODE_PATH_AT;
    sc.probe = offset;
    sc.buf = buf;
    sc.bufsz = bufsz;
    (void)scan_document(&sc);
}

bool maat__json_offset_of(const char *text, size_t len, const char *path, size_t *offset)
{
    struct scan sc;
    memset(&sc, 0, sizeof sc);
    sc.s = text;
    sc.len = text ? len : 0;
    sc.mode = MODE_OFFSET_OF;
    sc.target = path ? path : "";
    (void)scan_document(&sc);
    if (sc.target_found && offset) *offset = sc.target_off;
    return sc.target_found;
}
