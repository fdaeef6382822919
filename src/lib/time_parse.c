/* time_parse.c - unix seconds or an RFC 3339 date-time (any offset, fraction, separator)
 * to seconds since the epoch; every refusal names the field, offset and expectation. */
#include "maat/time_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define FORMS "unix seconds or RFC 3339, e.g. 2025-07-19T10:01:17Z or 2025-07-19 12:01:17.5+02:00"
#define MAX_INPUT 128

/* Printable description of the character at s[i] for messages. */
static const char *found(const char *s, size_t i, char buf[16])
{
    unsigned char c = (unsigned char)s[i];
    if (c == '\0') return "the end of the text";
    if (c >= 0x21 && c < 0x7f) {
        buf[0] = '\'';
        buf[1] = (char)c;
        buf[2] = '\'';
        buf[3] = '\0';
    } else {
        static const char hex[] = "0123456789abcdef";
        memcpy(buf, "byte 0x", 7);
        buf[7] = hex[c >> 4];
        buf[8] = hex[c & 15];
        buf[9] = '\0';
    }
    return buf;
}

static int refuse(struct maat_error *err, const char *field, const char *s, size_t at,
                  const char *expect)
{
    char b[16];
    return maat_error_set(err, MAAT_ERR_VALUE, "%s: offset %zu: expected %s, found %s (" FORMS ")",
                          field, at, expect, found(s, at, b));
}

/* n decimal digits at s[*i]; advances *i. */
static int digits(const char *field, const char *s, size_t *i, int n, const char *what, int *out,
                  struct maat_error *err)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        char c = s[*i];
        if (c < '0' || c > '9') return refuse(err, field, s, *i, what);
        v = v * 10 + (c - '0');
        (*i)++;
    }
    *out = v;
    return 0;
}

static int expect_char(const char *field, const char *s, size_t *i, char want, const char *what,
                       struct maat_error *err)
{
    if (s[*i] != want) return refuse(err, field, s, *i, what);
    (*i)++;
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int range(const char *field, size_t at, int v, int lo, int hi, const char *what,
                 struct maat_error *err)
{
    if (v >= lo && v <= hi) return 0;
    return maat_error_set(err, MAAT_ERR_VALUE, "%s: offset %zu: %s %d out of range (expected %d..%d)",
                          field, at, what, v, lo, hi);
}

static int parse_unix(const char *field, const char *s, int64_t *out, struct maat_error *err)
{
    int64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (s[i] - '0');
        if (v > MAAT_TIME_PARSE_MAX)
            return maat_error_set(err, MAAT_ERR_VALUE,
                                  "%s: offset 0: unix seconds beyond %lld (9999-12-31T23:59:59Z)",
                                  field, (long long)MAAT_TIME_PARSE_MAX);
    }
    if (s[i] != '\0') return refuse(err, field, s, i, "a digit (unix seconds)");
    *out = v;
    return 0;
}

int maat_time_parse(const char *field, const char *s, int64_t *out, struct maat_error *err)
{
    if (field == NULL) field = "time";
    if (s == NULL || out == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE, "%s: no text to parse", field);
    size_t len = strnlen(s, MAX_INPUT + 1);
    if (len == 0)
        return maat_error_set(err, MAAT_ERR_VALUE, "%s: offset 0: empty (expected " FORMS ")", field);
    if (len > MAX_INPUT)
        return maat_error_set(err, MAAT_ERR_TOO_LARGE,
                              "%s: longer than %d characters (expected " FORMS ")", field, MAX_INPUT);
    size_t ndig = 0;
    while (s[ndig] >= '0' && s[ndig] <= '9') ndig++;
    if (ndig != 4 || s[4] != '-') {
        if (ndig == 0) return refuse(err, field, s, 0, "a digit");
        return parse_unix(field, s, out, err);
    }

    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
    size_t i = 0;
    if (digits(field, s, &i, 4, "a 4-digit year", &y, err) ||
        expect_char(field, s, &i, '-', "'-' after the year", err) ||
        digits(field, s, &i, 2, "a 2-digit month", &mo, err) ||
        range(field, i - 2, mo, 1, 12, "month", err) ||
        expect_char(field, s, &i, '-', "'-' after the month", err) ||
        digits(field, s, &i, 2, "a 2-digit day", &d, err))
        return -1;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (range(field, i - 2, d, 1, mdays[mo - 1] + (mo == 2 && leap), "day", err)) return -1;
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
        return refuse(err, field, s, i, "'T', 't' or a space between date and time");
    i++;
    if (digits(field, s, &i, 2, "a 2-digit hour", &h, err) ||
        range(field, i - 2, h, 0, 23, "hour", err) ||
        expect_char(field, s, &i, ':', "':' after the hour", err) ||
        digits(field, s, &i, 2, "2-digit minutes", &mi, err) ||
        range(field, i - 2, mi, 0, 59, "minute", err) ||
        expect_char(field, s, &i, ':', "':' after the minutes", err) ||
        digits(field, s, &i, 2, "2-digit seconds", &se, err) ||
        range(field, i - 2, se, 0, 60, "second", err))
        return -1;
    if (s[i] == '.') {
        i++;
        if (s[i] < '0' || s[i] > '9') return refuse(err, field, s, i, "a digit after '.'");
        while (s[i] >= '0' && s[i] <= '9') i++; /* fraction: truncated to the second */
    }
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        sign = s[i] == '+' ? 1 : -1;
        i++;
        if (digits(field, s, &i, 2, "a 2-digit offset hour", &oh, err) ||
            range(field, i - 2, oh, 0, 23, "offset hour", err) ||
            expect_char(field, s, &i, ':', "':' in the offset (+hh:mm)", err) ||
            digits(field, s, &i, 2, "2-digit offset minutes", &om, err) ||
            range(field, i - 2, om, 0, 59, "offset minute", err))
            return -1;
    } else {
        return refuse(err, field, s, i, "'Z', 'z', '+hh:mm', '-hh:mm' or '.' and a fraction");
    }
    if (s[i] != '\0') return refuse(err, field, s, i, "the end of the text");

    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    t -= sign * (oh * 3600 + om * 60);
    if (t < 0)
        return maat_error_set(err, MAAT_ERR_VALUE, "%s: %s is before 1970-01-01T00:00:00Z", field, s);
    if (t > MAAT_TIME_PARSE_MAX)
        return maat_error_set(err, MAAT_ERR_VALUE, "%s: %s is after 9999-12-31T23:59:59Z", field, s);
    *out = t;
    return 0;
}
