/* textout.c - untrusted text made safe for a terminal: control characters, C1 controls,
 * bidirectional overrides and invalid UTF-8 written as visible escapes (textout.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textout.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code point, 0 when the
 * bytes are not UTF-8 (overlong forms, surrogates and code points above U+10FFFF refused). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else
        return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

static bool cp_escaped(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

size_t cli_text_escape(char *out, size_t outlen, const char *s, size_t n, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t need = 0, w = 0;
    bool full = outlen == 0;
    for (size_t i = 0; i < n;) {
        char piece[8];
        size_t plen;
        uint32_t cp = 0;
        size_t l = utf8_seq(p + i, n - i, &cp);
        if (l == 0) { /* not UTF-8: the byte */
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
            l = 1;
        } else if (l == 1 && (cp < 0x20 || cp == 0x7f)) {
            if ((flags & CLI_TEXT_KEEP_LINES) && (cp == '\n' || cp == '\t')) {
                piece[0] = (char)cp;
                plen = 1;
            } else {
                plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", (unsigned)cp);
            }
        } else if (cp_escaped(cp)) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\u%04x", (unsigned)cp);
        } else {
            memcpy(piece, p + i, l);
            plen = l;
        }
        i += l;
        need += plen;
        if (!full && w + plen < outlen) {
            memcpy(out + w, piece, plen);
            w += plen;
        } else {
            full = true;
        }
    }
    if (outlen > 0) out[w] = '\0';
    return need;
}

void cli_text_putn(FILE *f, const char *s, size_t n, unsigned flags)
{
    char buf[512];
    if (s == NULL) {
        fputs("(null)", f);
        return;
    }
    /* in slices that end on a character boundary (a sequence is at most 4 bytes) */
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t take = n - i > 100 ? 100 : n - i;
        if (take < n - i) {
            size_t t = take;
            for (int k = 0; k < 3 && t > 1 && (p[i + t] & 0xc0) == 0x80; k++) t--;
            if ((p[i + t] & 0xc0) != 0x80) take = t;
        }
        cli_text_escape(buf, sizeof buf, s + i, take, flags);
        fputs(buf, f);
        i += take;
    }
}

void cli_text_put(FILE *f, const char *s, unsigned flags)
{
    cli_text_putn(f, s, s ? strlen(s) : 0, flags);
}

void cli_text_printf(FILE *f, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s != NULL) vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (s == NULL) return;
    size_t len = (size_t)n;
    bool nl = len > 0 && s[len - 1] == '\n';
    cli_text_putn(f, s, nl ? len - 1 : len, 0);
    if (nl) fputc('\n', f);
    free(s);
}

char *cli_text_escaped(const char *s, unsigned flags)
{
    size_t n = s ? strlen(s) : 0;
    size_t need = cli_text_escape(NULL, 0, s ? s : "", n, flags);
    char *out = malloc(need + 1);
    if (out != NULL) cli_text_escape(out, need + 1, s ? s : "", n, flags);
    return out;
}

void cli_fputs_safe(const char *s, FILE *f)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

bool cli_use_colour(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (nc != NULL && nc[0] != '\0') return false;
    const char *term = getenv("TERM");
    if (term != NULL && !strcmp(term, "dumb")) return false;
    return isatty(fileno(f)) == 1;
}
