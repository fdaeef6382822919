/*
 * time_parse.h - verification times given by people: unix seconds or any RFC 3339
 * date-time (section 5.6), parsed without the C library's locale or time zone.
 */
#ifndef MAAT_TIME_PARSE_H
#define MAAT_TIME_PARSE_H

#include "maat/must_check.h"

#include <stdint.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The latest time accepted: 9999-12-31T23:59:59Z. */
#define MAAT_TIME_PARSE_MAX INT64_C(253402300799)

/* Parses s (NUL-terminated, nothing before or after) into seconds since the epoch:
 *   - unix seconds: decimal digits only, 0 .. MAAT_TIME_PARSE_MAX;
 *   - RFC 3339: YYYY-MM-DD, then 'T', 't' or one space, then hh:mm:ss, optional
 *     fractional seconds ('.' and at least one digit; truncated to the whole second),
 *     then 'Z', 'z' or a numeric offset +hh:mm / -hh:mm (hh 00-23, mm 00-59).
 *     Seconds 60 (a leap second) count as the next second, as POSIX time does.
 * The result must lie in 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. On a refusal the
 * message names `field` (e.g. "--at"), the offset of the offending character and what was
 * expected there. Returns 0 or -1. Pure: no I/O, no locale, no global state. */
MAAT_MUST_CHECK int maat_time_parse(const char *field, const char *s, int64_t *out,
                                    struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_TIME_PARSE_H */
