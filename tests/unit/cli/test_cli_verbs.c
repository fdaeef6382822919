/* test_cli_verbs.c - src/cli/cli.h: the verb table lookup (cli_verb_find, cli_is_help) and
 * the CLI guard macros (CLI_TRY / CLI_ENSURE / CLI_FAIL end a verb with the given exit code
 * and still run its cleanup at `out:`). Header-only, so no CLI source is linked. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../../../src/cli/cli.h"

static int ran_a, ran_b;
static int verb_a(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return ++ran_a, MAAT_EXIT_OK;
}
static int verb_b(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return ++ran_b, MAAT_EXIT_FAIL;
}
static void no_usage(FILE *f)
{
    (void)f;
}

static const struct cli_verb table[] = {
    {"add", verb_a, no_usage},
    {"add-all", verb_b, no_usage},
};
#define N (sizeof table / sizeof table[0])

static void test_verb_find_exact_names_only(void **state)
{
    (void)state;
    assert_ptr_equal(cli_verb_find(table, N, "add"), &table[0]);
    assert_ptr_equal(cli_verb_find(table, N, "add-all"), &table[1]);
    /* no prefix match, no case folding, no NULL dereference */
    assert_null(cli_verb_find(table, N, "ad"));
    assert_null(cli_verb_find(table, N, "ADD"));
    assert_null(cli_verb_find(table, N, "add-all-x"));
    assert_null(cli_verb_find(table, N, ""));
    assert_null(cli_verb_find(table, N, NULL));
    assert_null(cli_verb_find(table, 0, "add"));
    assert_int_equal(cli_verb_find(table, N, "add-all")->run(0, NULL), MAAT_EXIT_FAIL);
    assert_int_equal(ran_b, 1);
    assert_int_equal(ran_a, 0);
}

static void test_is_help(void **state)
{
    (void)state;
    assert_true(cli_is_help("--help"));
    assert_true(cli_is_help("-h"));
    assert_false(cli_is_help("help"));
    assert_false(cli_is_help("--help=x"));
    assert_false(cli_is_help(NULL));
}

/* A verb in the idiom: `step` says where it fails; *freed counts the cleanup runs. */
static int guarded(int step, int *freed)
{
    int rc = MAAT_EXIT_OK;
    char *held = malloc(16);
    CLI_TRY(step == 1 ? -1 : 0, MAAT_EXIT_INPUT);
    CLI_ENSURE(step != 2, MAAT_EXIT_USAGE, "test: step %d", step);
    if (step == 3) CLI_FAIL(MAAT_EXIT_INCOMPLETE);
    rc = MAAT_EXIT_OK;
out:
    free(held);
    ++*freed;
    return rc;
}

static void test_guards_set_exit_code_and_clean_up(void **state)
{
    (void)state;
    int freed = 0;
    assert_int_equal(guarded(0, &freed), MAAT_EXIT_OK);
    assert_int_equal(guarded(1, &freed), MAAT_EXIT_INPUT);
    assert_int_equal(guarded(2, &freed), MAAT_EXIT_USAGE);
    assert_int_equal(guarded(3, &freed), MAAT_EXIT_INCOMPLETE);
    assert_int_equal(freed, 4);
}

/* The exit codes are a contract (maat --help, docs/cli.md): they must not move. */
static void test_exit_codes_unchanged(void **state)
{
    (void)state;
    assert_int_equal(MAAT_EXIT_OK, 0);
    assert_int_equal(MAAT_EXIT_FAIL, 1);
    assert_int_equal(MAAT_EXIT_USAGE, 2);
    assert_int_equal(MAAT_EXIT_INPUT, 3);
    assert_int_equal(MAAT_EXIT_INTERNAL, 4);
    assert_int_equal(MAAT_EXIT_INCOMPLETE, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verb_find_exact_names_only),
        cmocka_unit_test(test_is_help),
        cmocka_unit_test(test_guards_set_exit_code_and_clean_up),
        cmocka_unit_test(test_exit_codes_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
