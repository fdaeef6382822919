/* test_version.c - maat_version() and maat/version.h come from project(VERSION) alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "maat/version.h"

static void test_version_one_place_library_matches_header(void **state)
{
    (void)state;
    assert_non_null(maat_version());
    assert_string_equal(maat_version(), MAAT_VERSION_STRING);
    char buf[64];
    snprintf(buf, sizeof buf, "%d.%d.%d", MAAT_VERSION_MAJOR, MAAT_VERSION_MINOR, MAAT_VERSION_PATCH);
    assert_string_equal(buf, MAAT_VERSION_STRING);
    assert_int_equal(MAAT_VERSION_NUMBER,
                     MAAT_VERSION_MAJOR * 10000 + MAAT_VERSION_MINOR * 100 + MAAT_VERSION_PATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_one_place_library_matches_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
