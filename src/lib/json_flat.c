/*
 * json_flat.c - a fast path for JSON objects whose members are all plain strings, as the
 * collateral bundle is (issue 16: jansson spent ~1.8 M instructions of a cold verification
 * on the bundle, most of it re-reading the long PEM and body strings byte by byte).
 *
 * maat__json_flat_strings builds the object jansson would build, or gives up (NULL) as soon
 * as the text is anything but the simple case: then the caller parses it with jansson, which
 * decides and words the refusal exactly as before. Accepted: one object of members whose
 * names are printable ASCII without escapes, each name once, each value a string of
 * printable ASCII (0x20..0x7f) with only the escapes \" \\ \/ \b \f \n \r \t; whitespace
 * between tokens. Anything else (\u escapes, bytes >= 0x80, control bytes, a repeated name,
 * a value that is not a string) gives up. Every byte is checked, so what it takes is valid
 * JSON that maat__json_scan_object accepts too (cj_load runs the scan only when the walk
 * gives up).
 */
#include <stdlib.h>
#include <string.h>

#include "collateral_json.h"

_Thread_local unsigned long maat__json_flat_taken;

static size_t skip_ws(const char *t, size_t n, size_t i)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
    return i;
}

/* The string starting at t[i] == '"': decoded into buf (capacity >= its raw length) when
 * buf is not NULL. Returns the index after the closing quote, or 0 to give up. */
static size_t flat_string(const char *t, size_t n, size_t i, char *buf, size_t *out_len, bool *escaped)
{
    size_t o = 0;
    *escaped = false;
    if (i >= n || t[i] != '"') return 0;
    i++;
    for (;;) {
        size_t run = maat__json_plain_run(t + i, n - i);
        if (buf) memcpy(buf + o, t + i, run);
        o += run;
        i += run;
        if (i >= n) return 0;
        unsigned char ch = (unsigned char)t[i];
        if (ch == '"') break;
        if (ch != '\\' || i + 1 >= n) return 0; /* control byte or >= 0x80: jansson decides */
        char e = t[i + 1], d;
        switch (e) {
        case '"': d = '"'; break;
        case '\\': d = '\\'; break;
        case '/': d = '/'; break;
        case 'b': d = '\b'; break;
        case 'f': d = '\f'; break;
        case 'n': d = '\n'; break;
        case 'r': d = '\r'; break;
        case 't': d = '\t'; break;
        default: return 0; /* \u (surrogates, NUL): jansson decides */
        }
        if (buf) buf[o] = d;
        o++;
        i += 2;
        *escaped = true;
    }
    *out_len = o;
    return i + 1;
}

json_t *maat__json_flat_strings(const char *t, size_t n)
{
    json_t *obj = json_object();
    char *buf = NULL;
    size_t cap = 0;
    if (obj == NULL) return NULL;
    size_t i = skip_ws(t, n, 0);
    if (i >= n || t[i] != '{') goto give_up;
    i = skip_ws(t, n, i + 1);
    if (i < n && t[i] == '}') {
        i++;
        goto end;
    }
    for (;;) {
        size_t klen, vlen, kstart = i + 1, next;
        bool esc;
        next = flat_string(t, n, i, NULL, &klen, &esc);
        if (next == 0 || esc || klen == 0 || klen > 255) goto give_up;
        char key[256];
        memcpy(key, t + kstart, klen);
        key[klen] = '\0';
        if (json_object_get(obj, key) != NULL) goto give_up; /* jansson refuses it, in words */
        i = skip_ws(t, n, next);
        if (i >= n || t[i] != ':') goto give_up;
        i = skip_ws(t, n, i + 1);
        if (i >= n || t[i] != '"') goto give_up;
        /* the decoded value is never longer than its raw text */
        size_t raw_max = n - i;
        if (raw_max > cap) {
            char *nb = realloc(buf, raw_max);
            if (nb == NULL) goto give_up;
            buf = nb;
            cap = raw_max;
        }
        next = flat_string(t, n, i, buf, &vlen, &esc);
        if (next == 0) goto give_up;
        json_t *v = json_stringn_nocheck(buf, vlen);
        if (v == NULL || json_object_set_new_nocheck(obj, key, v) != 0) goto give_up;
        i = skip_ws(t, n, next);
        if (i < n && t[i] == ',') {
            i = skip_ws(t, n, i + 1);
            continue;
        }
        if (i < n && t[i] == '}') {
            i++;
            break;
        }
        goto give_up;
    }
end:
    if (skip_ws(t, n, i) != n) goto give_up;
    free(buf);
    maat__json_flat_taken++;
    return obj;
give_up:
    free(buf);
    json_decref(obj);
    return NULL;
}
