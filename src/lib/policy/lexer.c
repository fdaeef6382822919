/*
 * lexer.c - tokens of MAA's policy language from UTF-8 text, with 1-based line and
 * column (in code points) for every token, so parse errors can point where MAA's ANTLR
 * parser would. Whitespace, `//` line comments and `/ * * /` block comments are skipped;
 * a UTF-8 byte order mark at the very start is ignored. The text is read only through a
 * bounded maat_reader (bytes.h). Decisions and sources: docs/policy.md.
 */
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"

/* Skips n bytes the caller has already seen through peek() (the BOM, a token): n is within
 * the text, so the skip cannot fail; should a caller ever be wrong, the cursor goes to the
 * end of the text rather than staying put (which would make the lexer loop). */
static void skip_seen(struct pol_lexer *lx, const char *what, size_t n)
{
    size_t left = maat_reader_left(&lx->r);
    if (maat_read_skip(&lx->r, what, n <= left ? n : left) != 0) lx->r.off = lx->r.len;
}

void pol_lexer_init(struct pol_lexer *lx, const char *text, size_t len, struct pol_arena *arena,
                    size_t max_string)
{
    memset(lx, 0, sizeof *lx);
    maat_reader_init(&lx->r, text, len, "policy", &lx->rerr);
    lx->text = text;
    lx->len = len;
    lx->line = 1;
    lx->col = 1;
    lx->arena = arena;
    lx->max_string = max_string;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        skip_seen(lx, "byte order mark", 3);
}

/* The byte i positions ahead, or -1 past the end. */
static int peek(const struct pol_lexer *lx, size_t i)
{
    if (i >= maat_reader_left(&lx->r)) return -1;
    return lx->r.buf[lx->r.off + i];
}

/* Consumes n bytes (already known to exist), keeping line/column. */
static void adv(struct pol_lexer *lx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int c = peek(lx, i);
        if (c == '\n') {
            lx->line++;
            lx->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            lx->col++; /* continuation bytes do not start a column */
        }
    }
    skip_seen(lx, "token", n);
}

/* Length of the valid UTF-8 sequence starting i bytes ahead, 0 if invalid (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const struct pol_lexer *lx, size_t i, uint32_t *cp)
{
    int c0 = peek(lx, i);
    if (c0 < 0) return 0;
    if (c0 < 0x80) {
        *cp = (uint32_t)c0;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((c0 & 0xE0) == 0xC0) {
        n = 2;
        v = (uint32_t)c0 & 0x1F;
        min = 0x80;
    } else if ((c0 & 0xF0) == 0xE0) {
        n = 3;
        v = (uint32_t)c0 & 0x0F;
        min = 0x800;
    } else if ((c0 & 0xF8) == 0xF0) {
        n = 4;
        v = (uint32_t)c0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        int c = peek(lx, i + k);
        if (c < 0 || (c & 0xC0) != 0x80) return 0;
        v = (v << 6) | ((uint32_t)c & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

/* Writes the display form of raw bytes (ANTLR's escaping of \n \r \t; other control
 * bytes and invalid UTF-8 as \xNN), shortened to about 40 characters. */
static void display_raw(const char *s, size_t len, char *buf, size_t n)
{
    if (n == 0) return;
    size_t o = 0;
    size_t shown = 0;
    for (size_t i = 0; i < len && o + 8 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (shown >= 40 && (c & 0xC0) != 0x80) {
            if (o + 4 < n) {
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (c == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else if (c == '\r') {
            buf[o++] = '\\';
            buf[o++] = 'r';
        } else if (c == '\t') {
            buf[o++] = '\\';
            buf[o++] = 't';
        } else if (c < 0x20 || c == 0x7F)
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
        if ((c & 0xC0) != 0x80) shown++;
    }
    buf[o] = '\0';
}

void pol_token_display(const struct pol_lexer *lx, const struct pol_token *t, char *buf, size_t n)
{
    if (t->kind == TK_EOF) {
        snprintf(buf, n, "<EOF>");
        return;
    }
    display_raw(lx->text + t->off, t->len, buf, n);
}

/* Records a lexical error at the current position: ANTLR's "token recognition error at:
 * '<text>'" unless a more precise message is given. */
static void lex_fail(struct pol_lexer *lx, struct pol_token *t, size_t nbytes, const char *detail)
{
    t->kind = TK_ERROR;
    size_t left = maat_reader_left(&lx->r);
    if (nbytes > left) nbytes = left;
    t->len = nbytes;
    display_raw(lx->text + t->off, nbytes, lx->err_offending, sizeof lx->err_offending);
    if (detail != NULL)
        snprintf(lx->err_detail, sizeof lx->err_detail, "%s", detail);
    else
        snprintf(lx->err_detail, sizeof lx->err_detail, "token recognition error at: '%s'",
                 lx->err_offending);
}

/* Skips whitespace and comments. Returns false (with t set to TK_ERROR) on an
 * unterminated block comment or invalid UTF-8 inside a comment. */
static bool skip_blank(struct pol_lexer *lx, struct pol_token *t)
{
    for (;;) {
        int c = peek(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            adv(lx, 1);
        } else if (c == '/' && peek(lx, 1) == '/') {
            adv(lx, 2);
            for (;;) {
                int d = peek(lx, 0);
                if (d < 0 || d == '\n') break;
                uint32_t cp;
                size_t n = utf8_len(lx, 0, &cp);
                if (n == 0) {
                    t->line = lx->line;
                    t->col = lx->col;
                    t->off = maat_reader_pos(&lx->r);
                    lex_fail(lx, t, 1, "invalid UTF-8 in comment");
                    return false;
                }
                adv(lx, n);
            }
        } else if (c == '/' && peek(lx, 1) == '*') {
            unsigned line = lx->line, col = lx->col;
            size_t off = maat_reader_pos(&lx->r);
            adv(lx, 2);
            for (;;) {
                int d = peek(lx, 0);
                if (d < 0) {
                    t->line = line;
                    t->col = col;
                    t->off = off;
                    t->kind = TK_ERROR;
                    t->len = 2;
                    snprintf(lx->err_offending, sizeof lx->err_offending, "/*");
                    snprintf(lx->err_detail, sizeof lx->err_detail,
                             "unterminated comment: '/*' has no closing '*/'");
                    return false;
                }
                if (d == '*' && peek(lx, 1) == '/') {
                    adv(lx, 2);
                    break;
                }
                uint32_t cp;
                size_t n = utf8_len(lx, 0, &cp);
                if (n == 0) {
                    t->line = lx->line;
                    t->col = lx->col;
                    t->off = maat_reader_pos(&lx->r);
                    lex_fail(lx, t, 1, "invalid UTF-8 in comment");
                    return false;
                }
                adv(lx, n);
            }
        } else {
            return true;
        }
    }
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at i ahead, or -1. */
static long hex4(const struct pol_lexer *lx, size_t i)
{
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(peek(lx, i + k));
        if (h < 0) return -1;
        v = (v << 4) | h;
    }
    return v;
}

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string literal: '"' then characters or escapes (\" \\ \/ \b \f \n \r \t \uXXXX, as
 * JSON; claim-rule-functions.md escapes quotes with a backslash) then '"'. A raw line
 * break, a control character, invalid UTF-8 or \u0000 is an error at that character. */
static void lex_string(struct pol_lexer *lx, struct pol_token *t)
{
    /* Pass 1: find the closing quote so the decoded buffer can be sized. */
    size_t i = 1, raw_len;
    for (;;) {
        int c = peek(lx, i);
        if (c < 0 || c == '\n' || c == '\r') {
            lex_fail(lx, t, i, NULL);
            snprintf(lx->err_detail, sizeof lx->err_detail,
                     "unterminated string literal (no closing '\"' on this line)");
            return;
        }
        if (c == '"') break;
        i += (c == '\\' && peek(lx, i + 1) >= 0) ? 2 : 1;
    }
    raw_len = i + 1;
    if (raw_len - 2 > lx->max_string) {
        lex_fail(lx, t, 1, NULL);
        snprintf(lx->err_detail, sizeof lx->err_detail,
                 "string literal of %zu bytes exceeds the limit of %zu", raw_len - 2, lx->max_string);
        return;
    }
    char *d = pol_arena_alloc(lx->arena, raw_len);
    if (d == NULL) {
        lx->nomem = true;
        lex_fail(lx, t, 1, "out of memory");
        return;
    }
    /* Pass 2: decode, consuming as we go so errors point at the bad character. */
    size_t o = 0;
    adv(lx, 1);
    for (;;) {
        int c = peek(lx, 0);
        size_t here = maat_reader_pos(&lx->r);
        if (c == '"') {
            adv(lx, 1);
            break;
        }
        if (c == '\\') {
            int e = peek(lx, 1);
            char simple = 0;
            switch (e) {
            case '"': simple = '"'; break;
            case '\\': simple = '\\'; break;
            case '/': simple = '/'; break;
            case 'b': simple = '\b'; break;
            case 'f': simple = '\f'; break;
            case 'n': simple = '\n'; break;
            case 'r': simple = '\r'; break;
            case 't': simple = '\t'; break;
            default: break;
            }
            if (simple != 0) {
                d[o++] = simple;
                adv(lx, 2);
                continue;
            }
            if (e == 'u') {
                long v = hex4(lx, 2);
                size_t used = 6;
                uint32_t cp = (uint32_t)v;
                if (v >= 0xD800 && v <= 0xDBFF && peek(lx, 6) == '\\' && peek(lx, 7) == 'u') {
                    long lo = hex4(lx, 8);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + (((uint32_t)v - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                        used = 12;
                    }
                }
                if (v < 0 || v == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    t->line = lx->line;
                    t->col = lx->col;
                    t->off = here;
                    lex_fail(lx, t, v < 0 ? 2 : 6, NULL);
                    snprintf(lx->err_detail, sizeof lx->err_detail,
                             v < 0    ? "invalid escape sequence '%s' (\\u needs 4 hex digits)"
                             : v == 0 ? "invalid escape sequence '%s' (NUL is not allowed)"
                                      : "invalid escape sequence '%s' (lone surrogate)",
                             lx->err_offending);
                    return;
                }
                o += put_utf8(d + o, cp);
                adv(lx, used);
                continue;
            }
            t->line = lx->line;
            t->col = lx->col;
            t->off = here;
            lex_fail(lx, t, e < 0 ? 1 : 2, NULL);
            snprintf(lx->err_detail, sizeof lx->err_detail,
                     "invalid escape sequence '%s' (expected one of \\\" \\\\ \\/ \\b \\f \\n "
                     "\\r \\t \\uXXXX)",
                     lx->err_offending);
            return;
        }
        uint32_t cp;
        size_t n = utf8_len(lx, 0, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7F) {
            t->line = lx->line;
            t->col = lx->col;
            t->off = here;
            lex_fail(lx, t, 1, NULL);
            snprintf(lx->err_detail, sizeof lx->err_detail,
                     n == 0 ? "invalid UTF-8 in string literal at '%s'"
                            : "control character '%s' in string literal (escape it)",
                     lx->err_offending);
            return;
        }
        memcpy(d + o, lx->text + here, n);
        o += n;
        adv(lx, n);
    }
    d[o] = '\0';
    t->kind = TK_STRING;
    t->len = raw_len;
    t->str = d;
    t->str_len = o;
}

/* -?[0-9]+ as a 64-bit integer, or [0-9]+.[0-9]+ as a decimal (the version number). */
static void lex_number(struct pol_lexer *lx, struct pol_token *t)
{
    size_t i = 0;
    bool neg = false;
    if (peek(lx, 0) == '-') {
        neg = true;
        i = 1;
    }
    size_t start = i;
    while (is_digit(peek(lx, i))) i++;
    if (!neg && peek(lx, i) == '.' && is_digit(peek(lx, i + 1))) {
        i++;
        while (is_digit(peek(lx, i))) i++;
        t->kind = TK_DECIMAL;
        t->len = i;
        adv(lx, i);
        return;
    }
    /* Accumulate as a negative number so INT64_MIN fits. */
    int64_t v = 0;
    for (size_t k = start; k < i; k++) {
        int dgt = peek(lx, k) - '0';
        if (v < (INT64_MIN + dgt) / 10) {
            lex_fail(lx, t, i, NULL);
            snprintf(lx->err_detail, sizeof lx->err_detail,
                     "integer literal '%s' is out of range (64-bit signed)", lx->err_offending);
            return;
        }
        v = v * 10 - dgt;
    }
    if (!neg) {
        if (v == INT64_MIN) {
            lex_fail(lx, t, i, NULL);
            snprintf(lx->err_detail, sizeof lx->err_detail,
                     "integer literal '%s' is out of range (64-bit signed)", lx->err_offending);
            return;
        }
        v = -v;
    }
    t->kind = TK_INTEGER;
    t->integer = v;
    t->len = i;
    adv(lx, i);
}

void pol_lexer_next(struct pol_lexer *lx, struct pol_token *t)
{
    memset(t, 0, sizeof *t);
    if (!skip_blank(lx, t)) return;
    t->line = lx->line;
    t->col = lx->col;
    t->off = maat_reader_pos(&lx->r);
    int c = peek(lx, 0);
    if (c < 0) {
        t->kind = TK_EOF;
        return;
    }
    if (is_ident_start(c)) {
        size_t i = 1;
        while (is_ident_start(peek(lx, i)) || is_digit(peek(lx, i))) i++;
        t->kind = TK_IDENT;
        t->len = i;
        adv(lx, i);
        return;
    }
    if (is_digit(c) || (c == '-' && is_digit(peek(lx, 1)))) {
        lex_number(lx, t);
        return;
    }
    if (c == '"') {
        lex_string(lx, t);
        return;
    }
    int c1 = peek(lx, 1);
    enum pol_tok k = TK_ERROR;
    size_t n = 1;
    switch (c) {
    case ';': k = TK_SEMI; break;
    case '{': k = TK_LBRACE; break;
    case '}': k = TK_RBRACE; break;
    case '[': k = TK_LBRACK; break;
    case ']': k = TK_RBRACK; break;
    case '(': k = TK_LPAREN; break;
    case ')': k = TK_RPAREN; break;
    case ',': k = TK_COMMA; break;
    case ':': k = TK_COLON; break;
    case '.': k = TK_DOT; break;
    case '=':
        if (c1 == '>') {
            k = TK_ARROW;
            n = 2;
        } else if (c1 == '=') {
            k = TK_EQ;
            n = 2;
        } else
            k = TK_ASSIGN;
        break;
    case '!':
        if (c1 == '=') {
            k = TK_NE;
            n = 2;
        } else
            k = TK_NOT;
        break;
    case '<':
        if (c1 == '=') {
            k = TK_LE;
            n = 2;
        } else
            k = TK_LT;
        break;
    case '>':
        if (c1 == '=') {
            k = TK_GE;
            n = 2;
        } else
            k = TK_GT;
        break;
    case '&':
        if (c1 == '&') {
            k = TK_AND;
            n = 2;
        }
        break;
    default: break;
    }
    if (k == TK_ERROR) {
        /* Show the whole character (e.g. a typographic quote), not one byte of it. */
        uint32_t cp;
        size_t cl = utf8_len(lx, 0, &cp);
        lex_fail(lx, t, cl == 0 ? 1 : cl, NULL);
        return;
    }
    t->kind = k;
    t->len = n;
    adv(lx, n);
}
