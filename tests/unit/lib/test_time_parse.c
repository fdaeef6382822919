/* test_time_parse.c - `--at` accepted only unix seconds and "...Z"/"+00:00" RFC 3339 (offsets,
 * 'z', 't', a space separator were refused): maat_time_parse over every RFC 3339 form, and
 * its refusals naming the field, the offset and what was expected. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "maat/time_parse.h"
#include "testutil.h"

/* 2025-07-19T10:01:17Z */
#define T0 INT64_C(1752919277)

static void accepts(const char *s, int64_t want)
{
    struct maat_error err = {0};
    int64_t t = -1;
    int rc = maat_time_parse("--at", s, &t, &err);
    if (rc != 0) fprintf(stderr, "refused '%s': %s\n", s, err.msg);
    assert_int_equal(rc, 0);
    if (t != want) fprintf(stderr, "'%s': %lld, expected %lld\n", s, (long long)t, (long long)want);
    assert_true(t == want);
}

static void refuses(const char *s, const char *msg_part)
{
    struct maat_error err = {0};
    int64_t t = 42;
    assert_int_equal(maat_time_parse("--at", s, &t, &err), -1);
    assert_true(t == 42); /* output untouched */
    assert_int_not_equal(err.code, MAAT_OK);
    if (strstr(err.msg, msg_part) == NULL)
        fprintf(stderr, "'%s': message '%s' lacks '%s'\n", s, err.msg, msg_part);
    assert_non_null(strstr(err.msg, msg_part));
    assert_non_null(strstr(err.msg, "--at"));
}

static void test_at_forms_rfc3339_offsets_and_separators(void **state)
{
    (void)state;
    accepts("2025-07-19T10:01:17Z", T0);
    accepts("2025-07-19t10:01:17z", T0);
    accepts("2025-07-19 10:01:17Z", T0);
    accepts("2025-07-19T10:01:17+00:00", T0);
    accepts("2025-07-19T10:01:17-00:00", T0);
    accepts("2025-07-19T12:01:17+02:00", T0);
    accepts("2025-07-19T04:31:17-05:30", T0);
    accepts("2025-07-19T23:59:17+13:58", T0);
    accepts("2025-07-19T10:01:17.999999999Z", T0); /* fractions truncate */
    accepts("2025-07-19T10:01:17.5+00:00", T0);
    accepts("2025-07-19 12:01:17.000001+02:00", T0);
    accepts("2025-07-20T01:01:17+15:00", T0); /* crosses a date */
    accepts("2025-07-18T23:01:17-11:00", T0);
    accepts("2025-07-19T10:01:16.1234567890123456789Z", T0 - 1);
    accepts("1970-01-01T00:00:00Z", 0);
    accepts("1970-01-01T02:00:00+02:00", 0);
    accepts("2024-02-29T00:00:00Z", INT64_C(1709164800)); /* leap day */
    accepts("2000-02-29T00:00:00Z", INT64_C(951782400));  /* 400-year leap */
    accepts("2016-12-31T23:59:60Z", INT64_C(1483228800)); /* leap second = next second */
    accepts("9999-12-31T23:59:59Z", MAAT_TIME_PARSE_MAX);
}

static void test_at_forms_unix_seconds(void **state)
{
    (void)state;
    accepts("0", 0);
    accepts("1752919277", T0);
    accepts("0001752919277", T0);
    accepts("253402300799", MAAT_TIME_PARSE_MAX);
    refuses("253402300800", "beyond");
    refuses("99999999999999999999999", "beyond");
    refuses("1752919277 ", "offset 10");
    refuses("-5", "offset 0");
    refuses("+5", "offset 0");
    refuses("17529x", "offset 5: expected a digit");
}

static void test_at_forms_refusals_name_offset_and_expectation(void **state)
{
    (void)state;
    refuses("", "offset 0: empty");
    refuses("2025-07-19X10:01:17Z", "offset 10: expected 'T', 't' or a space");
    refuses("2025-07-19T10:01:17", "offset 19: expected 'Z', 'z', '+hh:mm'");
    refuses("2025-07-19T10:01:17+0200", "offset 22: expected ':' in the offset");
    refuses("2025-07-19T10:01:17+02", "offset 22: expected ':' in the offset");
    refuses("2025-07-19T10:01:17+24:00", "offset hour 24 out of range");
    refuses("2025-07-19T10:01:17+02:60", "offset minute 60 out of range");
    refuses("2025-07-19T10:01:17.Z", "offset 20: expected a digit after '.'");
    refuses("2025-07-19T10:01:17ZZ", "offset 20: expected the end of the text");
    refuses("2025-07-19T10:01:17Z ", "offset 20");
    refuses(" 2025-07-19T10:01:17Z", "offset 0");
    refuses("2025-13-19T10:01:17Z", "offset 5: month 13 out of range");
    refuses("2025-00-19T10:01:17Z", "month 0 out of range");
    refuses("2025-02-29T10:01:17Z", "offset 8: day 29 out of range (expected 1..28)");
    refuses("1900-02-29T10:01:17Z", "day 29 out of range");
    refuses("2025-04-31T10:01:17Z", "day 31 out of range (expected 1..30)");
    refuses("2025-07-19T24:00:00Z", "offset 11: hour 24 out of range");
    refuses("2025-07-19T10:60:00Z", "minute 60 out of range");
    refuses("2025-07-19T10:01:61Z", "second 61 out of range");
    refuses("2025-7-19T10:01:17Z", "offset 6: expected a 2-digit month");
    refuses("2025-07-19T1:01:17Z", "offset 12: expected a 2-digit hour");
    refuses("2025-07-19T10:01Z", "offset 16: expected ':' after the minutes");
    refuses("2025-07-19T10:01:17\xff", "offset 19");
    refuses("2025-07-19T10:01:17\xff", "byte 0xff");
    refuses("1969-12-31T23:59:59Z", "before 1970");
    refuses("1970-01-01T00:00:00+00:01", "before 1970");
    refuses("9999-12-31T23:59:59-00:01", "after 9999");
    refuses("July 19 2025", "offset 0: expected a digit");
    refuses(
        "2025-07-19T10:01:17.0000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000000000000Z",
        "longer than 128");
    struct maat_error err = {0};
    assert_int_equal(maat_time_parse("--at", NULL, NULL, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_forms_rfc3339_offsets_and_separators),
        cmocka_unit_test(test_at_forms_unix_seconds),
        cmocka_unit_test(test_at_forms_refusals_name_offset_and_expectation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
