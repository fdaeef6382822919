/* test_tcb_baseline_memo.c - the TCB baseline a policy selects (its configurationrules'
 * x-ms-sgx-tcbidentifier, maat__attest_selected_baseline) is computed once per parsed policy
 * and kept with it (maat_policy_memo_*), not evaluated again for every request that policy
 * serves; and the kept value is the one evaluation gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "maat/attest.h"
#include "maat/policy.h"

static struct maat_policy *parse(const char *text)
{
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    if (maat__policy_parse(text, strlen(text), NULL, &p, &perr) != 0)
        fail_msg("parse: %s", perr.detail);
    return p;
}

static void test_selected_baseline_kept_with_the_policy(void **state)
{
    (void)state;
    struct maat_policy *p = parse("version=1.1;configurationrules{=> issueproperty("
                                  "type=\"x-ms-sgx-tcbidentifier\", value=\"18\");};"
                                  "authorizationrules{=> permit();};issuancerules{};");
    uint32_t v = 99, n = 0;
    assert_false(maat__policy_memo_load(p, &v)); /* nothing kept before the first request */
    assert_int_equal(maat__attest_selected_baseline(p, NULL, &n), 0);
    assert_int_equal(n, 18);
    assert_true(maat__policy_memo_load(p, &v));
    assert_int_equal(v, 18);
    /* the second request reads the kept value: a planted one shows it is not re-evaluated */
    maat__policy_memo_store(p, 21);
    assert_int_equal(maat__attest_selected_baseline(p, NULL, &n), 0);
    assert_int_equal(n, 21);
    maat__policy_free(p);
}

static void test_azuredefault_and_no_configuration(void **state)
{
    (void)state;
    struct maat_policy *p = parse("version=1.1;configurationrules{=> issueproperty("
                                  "type=\"x-ms-sgx-tcbidentifier\", value=\"azuredefault\");};"
                                  "authorizationrules{=> permit();};issuancerules{};");
    uint32_t n = 7, v = 7;
    assert_int_equal(maat__attest_selected_baseline(p, NULL, &n), 0);
    assert_int_equal(n, 0);
    assert_true(maat__policy_memo_load(p, &v));
    assert_int_equal(v, 0);
    maat__policy_free(p);
    /* no configurationrules: 0 without evaluating, nothing kept */
    p = parse("version=1.0;authorizationrules{=> permit();};issuancerules{};");
    assert_int_equal(maat__attest_selected_baseline(p, NULL, &n), 0);
    assert_int_equal(n, 0);
    assert_false(maat__policy_memo_load(p, &v));
    maat__policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selected_baseline_kept_with_the_policy),
        cmocka_unit_test(test_azuredefault_and_no_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
