/*
 * collateral_json.c - strict typed field access for the collateral parsers (see
 * collateral_json.h): presence, exact JSON type, integer range, hex length, calendar
 * dates, status names; each failure names the JSON path and byte offset.
 */
#include "collateral_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADVISORY_IDS 1024
#define MAX_STRING_FIELD 1024
#define MAX_LEVELS 4096

/* Lookup path within c->text: body variants lack the root member name. */
static const char *text_path(const struct cj *c, const char *path)
{
    if (c->strip == NULL) return path;
    size_t n = strlen(c->strip);
    if (strncmp(path, c->strip, n) != 0) return path;
    if (path[n] == '\0') return "";
    if (path[n] == '.') return path + n + 1;
    return path;
}

int cj_fail(struct cj *c, maat_err code, const char *path, const char *fmt, ...)
{
    char msg[MAAT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t off;
    if (maat__json_offset_of(c->text, c->len, text_path(c, path), &off))
        return maat_error_set(c->err, code, "%s: %s (offset %zu): %s", c->what,
                              path[0] ? path : "top level", off, msg);
    return maat_error_set(c->err, code, "%s: %s: %s", c->what, path[0] ? path : "top level", msg);
}

/* Appends s at dst[o], stopping where the path buffer ends (as snprintf would cut it).
 * Paths are built for every field read, so this avoids snprintf (issue 16: ~0.6 M
 * instructions of a cold verification went to formatting paths of fields that were fine). */
static size_t path_put(char *dst, size_t o, const char *s)
{
    while (*s != '\0' && o < MAAT_JSON_PATH_MAX - 1) dst[o++] = *s++;
    return o;
}

void cj_child(char *dst, const char *parent, const char *key)
{
    /* A path longer than the buffer is cut; it only labels error messages. */
    size_t o = path_put(dst, 0, parent);
    if (parent[0] != '\0') o = path_put(dst, o, ".");
    dst[path_put(dst, o, key)] = '\0';
}

void cj_index(char *dst, const char *parent, size_t i)
{
    char num[24], *d = num + sizeof num - 1;
    *d = '\0';
    do *--d = (char)('0' + i % 10);
    while ((i /= 10) != 0 && d > num);
    size_t o = path_put(dst, 0, parent);
    o = path_put(dst, o, "[");
    o = path_put(dst, o, d);
    dst[path_put(dst, o, "]")] = '\0';
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction or exponent";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "an unknown value";
}

int cj_load(struct cj *c, const char *root_key, bool *found, struct maat_json_span *span,
            json_t **root)
{
    *root = NULL;
    if (c->text == NULL || c->len == 0)
        return maat_error_set(c->err, MAAT_ERR_TRUNCATED, "%s: empty input", c->what);
    if (c->len > MAAT_COLLATERAL_MAX_INPUT)
        return maat_error_set(c->err, MAAT_ERR_TOO_LARGE,
                              "%s: input is %zu bytes, more than the %u allowed", c->what, c->len,
                              MAAT_COLLATERAL_MAX_INPUT);
    /* a text the flat walk takes is valid JSON (it checks every byte): the scan is only
     * needed for what it leaves to jansson, and for the error messages */
    if (c->flat_strings && root_key == NULL &&
        (*root = maat__json_flat_strings(c->text, c->len)) != NULL)
        return 0;
    MAAT_TRY(maat__json_scan_object(c->text, c->len, root_key, found, span, c->what, c->err));
    json_error_t jerr;
    json_t *v = json_loadb(c->text, c->len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        size_t pos = jerr.position > 0 ? (size_t)jerr.position : 0;
        char path[MAAT_JSON_PATH_MAX];
        maat__json_path_at(c->text, c->len, pos, path, sizeof path);
        char shown[MAAT_JSON_PATH_MAX + 16];
        if (c->strip && path[0])
            snprintf(shown, sizeof shown, "%s.%s", c->strip, path);
        else if (c->strip)
            snprintf(shown, sizeof shown, "%s", c->strip);
        else
            snprintf(shown, sizeof shown, "%s", path[0] ? path : "top level");
        return maat_error_set(c->err, MAAT_ERR_ENCODING, "%s: invalid JSON at offset %zu (in %s): %s",
                              c->what, pos, shown, jerr.text);
    }
    if (!json_is_object(v)) { /* the scanner already demands an object */
        json_decref(v);
        return maat_error_set(c->err, MAAT_ERR_INTERNAL, "%s: top level is not an object", c->what);
    }
    *root = v;
    return 0;
}

int cj_member(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
              json_t **out)
{
    *out = json_object_get(obj, key);
    if (*out == NULL && required) {
        char p[MAAT_JSON_PATH_MAX];
        cj_child(p, path, key);
        size_t off;
        if (maat__json_offset_of(c->text, c->len, text_path(c, path), &off))
            return maat_error_set(c->err, MAAT_ERR_NOT_FOUND,
                                  "%s: %s: required field is missing from the %s object at "
                                  "offset %zu (names are case-sensitive)",
                                  c->what, p, path[0] ? path : "top-level", off);
        return maat_error_set(c->err, MAAT_ERR_NOT_FOUND,
                              "%s: %s: required field is missing (names are case-sensitive)",
                              c->what, p);
    }
    return 0;
}

int cj_object(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
              json_t **out)
{
    MAAT_TRY(cj_member(c, obj, path, key, required, out));
    if (*out != NULL && !json_is_object(*out)) {
        char p[MAAT_JSON_PATH_MAX];
        cj_child(p, path, key);
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected an object, got %s", type_name(*out));
    }
    return 0;
}

int cj_array(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
             size_t min, size_t max, json_t **out)
{
    MAAT_TRY(cj_member(c, obj, path, key, required, out));
    if (*out == NULL) return 0;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, path, key);
    if (!json_is_array(*out))
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected an array, got %s", type_name(*out));
    size_t n = json_array_size(*out);
    if (n < min || n > max) {
        if (min == max)
            return cj_fail(c, MAAT_ERR_VALUE, p,
                           "expected an array of exactly %zu elements, got %zu", min, n);
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected an array of %zu..%zu elements, got %zu", min,
                       max, n);
    }
    return 0;
}

int cj_uint(struct cj *c, json_t *obj, const char *path, const char *key, uint64_t max,
            bool required, bool *present, uint64_t *out)
{
    json_t *v;
    *out = 0;
    if (present) *present = false;
    MAAT_TRY(cj_member(c, obj, path, key, required, &v));
    if (v == NULL) return 0;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, path, key);
    if (!json_is_integer(v))
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected an integer 0..%llu, got %s",
                       (unsigned long long)max, type_name(v));
    json_int_t i = json_integer_value(v);
    if (i < 0)
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected a non-negative integer 0..%llu, got %lld",
                       (unsigned long long)max, (long long)i);
    if ((unsigned long long)i > max)
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected an integer 0..%llu, got %lld (out of range)",
                       (unsigned long long)max, (long long)i);
    *out = (uint64_t)i;
    if (present) *present = true;
    return 0;
}

int cj_string(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
              const char **s, size_t *len)
{
    json_t *v;
    *s = NULL;
    *len = 0;
    MAAT_TRY(cj_member(c, obj, path, key, required, &v));
    if (v == NULL) return 0;
    if (!json_is_string(v)) {
        char p[MAAT_JSON_PATH_MAX];
        cj_child(p, path, key);
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected a string, got %s", type_name(v));
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
            return false;
    }
    return true;
}

int cj_hex(struct cj *c, json_t *obj, const char *path, const char *key, uint8_t *dst, size_t n,
           bool required, bool *present)
{
    const char *s;
    size_t len;
    if (present) *present = false;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, path, key);
    json_t *v;
    MAAT_TRY(cj_member(c, obj, path, key, required, &v));
    if (v == NULL) return 0;
    if (!json_is_string(v))
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected a string of %zu hex digits, got %s", 2 * n,
                       type_name(v));
    MAAT_TRY(cj_string(c, obj, path, key, true, &s, &len));
    if (len != 2 * n || !all_hex(s, len))
        return cj_fail(c, MAAT_ERR_VALUE, p,
                       "expected exactly %zu hex digits (%zu bytes), got %zu characters%s", 2 * n,
                       n, len, all_hex(s, len) ? "" : " including non-hex ones");
    MAAT_TRY(maat_hex_decode_fixed(s, len, p, dst, n, c->err));
    if (present) *present = true;
    return 0;
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cj_parse_date(const char *s, size_t len, time_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se;
    if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != 'Z')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return -1;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int maxd = mdays[mo - 1] + (mo == 2 && leap ? 1 : 0);
    if (d > maxd) return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return -1;
    *out = t;
    return 0;
}

int cj_date(struct cj *c, json_t *obj, const char *path, const char *key, time_t *out)
{
    const char *s;
    size_t len;
    MAAT_TRY(cj_string(c, obj, path, key, true, &s, &len));
    if (cj_parse_date(s, len, out) != 0) {
        char p[MAAT_JSON_PATH_MAX];
        cj_child(p, path, key);
        char shown[48];
        size_t k = 0;
        for (size_t i = 0; i < len && k + 1 < sizeof shown; i++)
            shown[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
        shown[k] = '\0';
        return cj_fail(c, MAAT_ERR_VALUE, p,
                       "expected an RFC 3339 UTC date YYYY-MM-DDTHH:MM:SSZ that exists on the "
                       "calendar, got \"%s\"%s",
                       shown, k < len ? "..." : "");
    }
    return 0;
}

int cj_status(struct cj *c, json_t *obj, const char *path, const char *key, unsigned allowed,
              enum maat_tcb_status *out)
{
    const char *s;
    size_t len;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, path, key);
    json_t *v;
    MAAT_TRY(cj_member(c, obj, path, key, true, &v));
    if (!json_is_string(v))
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected a TCB status name (string), got %s",
                       type_name(v));
    MAAT_TRY(cj_string(c, obj, path, key, true, &s, &len));
    if (maat_tcb_status_from_name(s, len, out) != 0 || !(allowed & CJ_STATUS_BIT(*out))) {
        char list[256];
        size_t n = 0;
        list[0] = '\0';
        for (int i = 0; i < MAAT_TCB_STATUS__COUNT; i++) {
            if (!(allowed & CJ_STATUS_BIT(i))) continue;
            int k = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                             maat_tcb_status_name((enum maat_tcb_status)i));
            if (k < 0 || (size_t)k >= sizeof list - n) break;
            n += (size_t)k;
        }
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected one of %s, got \"%.64s\"", list, s);
    }
    return 0;
}

void cj_free_strings(char **v, size_t n)
{
    if (v == NULL) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

int cj_advisory_ids(struct cj *c, json_t *obj, const char *path, char ***ids, size_t *n)
{
    json_t *arr;
    *ids = NULL;
    *n = 0;
    MAAT_TRY(cj_array(c, obj, path, "advisoryIDs", false, 0, MAX_ADVISORY_IDS, &arr));
    if (arr == NULL || json_array_size(arr) == 0) return 0;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, path, "advisoryIDs");
    size_t count = json_array_size(arr);
    char **v = calloc(count, sizeof *v);
    if (v == NULL) return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(arr, i);
        char q[MAAT_JSON_PATH_MAX];
        cj_index(q, p, i);
        if (!json_is_string(e) || json_string_length(e) == 0 ||
            json_string_length(e) > MAX_STRING_FIELD) {
            cj_free_strings(v, i);
            return cj_fail(c, MAAT_ERR_VALUE, q,
                           "expected a non-empty string of at most %d characters, got %s",
                           MAX_STRING_FIELD,
                           json_is_string(e) ? "a string of another length" : type_name(e));
        }
        v[i] = strdup(json_string_value(e));
        if (v[i] == NULL) {
            cj_free_strings(v, i);
            return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
        }
    }
    *ids = v;
    *n = count;
    return 0;
}

void cj_free_enclave_levels(struct maat_enclave_tcb_level *levels, size_t n)
{
    if (levels == NULL) return;
    for (size_t i = 0; i < n; i++)
        cj_free_strings(levels[i].advisory_ids, levels[i].advisory_id_count);
    free(levels);
}

static int enclave_level(struct cj *c, json_t *lv, const char *p, uint16_t max_isvsvn,
                         struct maat_enclave_tcb_level *out)
{
    if (!json_is_object(lv))
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected an object, got %s", type_name(lv));
    json_t *tcb;
    uint64_t u;
    char tp[MAAT_JSON_PATH_MAX];
    cj_child(tp, p, "tcb");
    MAAT_TRY(cj_object(c, lv, p, "tcb", true, &tcb));
    MAAT_TRY(cj_uint(c, tcb, tp, "isvsvn", max_isvsvn, true, NULL, &u));
    out->isvsvn = (uint16_t)u;
    MAAT_TRY(cj_date(c, lv, p, "tcbDate", &out->tcb_date));
    out->has_tcb_date = true;
    MAAT_TRY(cj_status(c, lv, p, "tcbStatus", CJ_STATUS_ALL, &out->status));
    return cj_advisory_ids(c, lv, p, &out->advisory_ids, &out->advisory_id_count);
}

int cj_enclave_levels(struct cj *c, json_t *obj, const char *path, uint16_t max_isvsvn,
                      struct maat_enclave_tcb_level **levels, size_t *n)
{
    json_t *arr;
    *levels = NULL;
    *n = 0;
    MAAT_TRY(cj_array(c, obj, path, "tcbLevels", true, 1, MAX_LEVELS, &arr));
    char ap[MAAT_JSON_PATH_MAX];
    cj_child(ap, path, "tcbLevels");
    size_t count = json_array_size(arr);
    struct maat_enclave_tcb_level *v = calloc(count, sizeof *v);
    if (v == NULL) return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    for (size_t i = 0; i < count; i++) {
        char p[MAAT_JSON_PATH_MAX];
        cj_index(p, ap, i);
        if (enclave_level(c, json_array_get(arr, i), p, max_isvsvn, &v[i]) != 0) {
            cj_free_enclave_levels(v, count);
            return -1;
        }
    }
    *levels = v;
    *n = count;
    return 0;
}

int cj_signature_hex(struct cj *c, const char *hex, size_t len, const char *field,
                     uint8_t out[MAAT_COLLATERAL_SIG_SIZE])
{
    if (len != 2 * MAAT_COLLATERAL_SIG_SIZE || !all_hex(hex, len))
        return maat_error_set(c->err, MAAT_ERR_VALUE,
                              "%s: %s: expected exactly %d hex digits (64-byte ECDSA r||s), got "
                              "%zu characters%s",
                              c->what, field, 2 * MAAT_COLLATERAL_SIG_SIZE, len,
                              all_hex(hex, len) ? "" : " including non-hex ones");
    return maat_hex_decode_fixed(hex, len, field, out, MAAT_COLLATERAL_SIG_SIZE, c->err);
}

int cj_signature(struct cj *c, json_t *root, uint8_t out[MAAT_COLLATERAL_SIG_SIZE])
{
    json_t *v;
    MAAT_TRY(cj_member(c, root, "", "signature", true, &v));
    if (!json_is_string(v))
        return cj_fail(c, MAAT_ERR_VALUE, "signature",
                       "expected a string of 128 hex digits (64-byte ECDSA r||s), got %s",
                       type_name(v));
    size_t off;
    if (!maat__json_offset_of(c->text, c->len, "signature", &off)) off = 0;
    char field[64];
    snprintf(field, sizeof field, "signature (offset %zu)", off);
    return cj_signature_hex(c, json_string_value(v), json_string_length(v), field, out);
}
