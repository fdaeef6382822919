/*
 * test_claims_qe_advisories.c - maat's token claims keep the advisories as Intel reports them:
 * x-maat-advisory-ids holds the matched TCB info level's ids only, and the QE identity
 * level's go to x-maat-qe-advisory-ids (before the verdict split them, the QE's were merged
 * into the first claim; after it, without this claim they were lost). Both writers (the
 * JSON tree and the payload text) must agree.
 */
#include "claims_fixture.h"

static json_t *payload(void)
{
    struct maat_claims_input in;
    input(&in, NULL);
    return payload_of(&in);
}

static void assert_ids(json_t *o, const char *claim, const char *const *want, size_t n)
{
    json_t *a = json_object_get(o, claim);
    assert_non_null(a);
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(a, i)), want[i]);
}

static void test_qe_advisories_not_merged_nor_lost(void **state)
{
    (void)state;
    memset(E.v.advisory_ids, 0, sizeof E.v.advisory_ids);
    memset(E.v.qe_advisory_ids, 0, sizeof E.v.qe_advisory_ids);
    E.v.status = MAAT_TCB_OUT_OF_DATE;
    snprintf(E.v.advisory_ids[0], sizeof E.v.advisory_ids[0], "INTEL-SA-00289");
    snprintf(E.v.advisory_ids[1], sizeof E.v.advisory_ids[1], "INTEL-SA-00615");
    E.v.advisory_count = 2;
    snprintf(E.v.qe_advisory_ids[0], sizeof E.v.qe_advisory_ids[0], "INTEL-SA-00477");
    E.v.qe_advisory_count = 1;
    json_t *o = payload();
    static const char *const tcb[] = {"INTEL-SA-00289", "INTEL-SA-00615"};
    static const char *const qe[] = {"INTEL-SA-00477"};
    assert_ids(o, "x-maat-advisory-ids", tcb, 2);
    assert_ids(o, "x-maat-qe-advisory-ids", qe, 1);
    json_decref(o);
}

static void test_no_advisories_empty_arrays(void **state)
{
    (void)state;
    E.v.status = MAAT_TCB_UP_TO_DATE;
    E.v.advisory_count = 0;
    E.v.qe_advisory_count = 0;
    json_t *o = payload();
    assert_ids(o, "x-maat-advisory-ids", NULL, 0);
    assert_ids(o, "x-maat-qe-advisory-ids", NULL, 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qe_advisories_not_merged_nor_lost),
        cmocka_unit_test(test_no_advisories_empty_arrays),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
