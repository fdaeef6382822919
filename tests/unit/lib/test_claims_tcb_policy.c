/*
 * test_claims_tcb_policy.c - issue 14: maat's token claims carry the TCB evaluation number
 * used, the TCB policy options that were configured (x-maat-tcb-eval-num*, -update,
 * -in-grace, -grace-until, collateral age, minimum status, allow-list) and the fix
 * (x-maat-tcb-fix, the `maat verify --json` `fix` object). Both writers (the JSON tree and
 * the payload text) must agree.
 */
#include "claims_fixture.h"
#include "maat/tcb_fix.h"

static json_t *payload(const struct maat_tcb_fix *fix)
{
    struct maat_claims_input in;
    input(&in, NULL);
    in.tcb_fix = fix;
    return payload_of(&in);
}

static void test_claims_tcb_eval_num_and_policy(void **state)
{
    (void)state;
    E.v.collateral_present = true;
    E.v.tcb_evaluation_data_number = 17;
    memset(&E.v.tcb_policy, 0, sizeof E.v.tcb_policy);
    json_t *o = payload(NULL);
    assert_int_equal(json_integer_value(json_object_get(o, "x-maat-tcb-eval-num")), 17);
    /* options not configured: no claim for them */
    assert_null(json_object_get(o, "x-maat-tcb-eval-num-newest"));
    assert_null(json_object_get(o, "x-maat-tcb-in-grace"));
    assert_null(json_object_get(o, "x-maat-min-tcb-status"));
    assert_null(json_object_get(o, "x-maat-tcb-fix"));
    json_decref(o);

    struct maat_tcb_policy_verdict *p = &E.v.tcb_policy;
    p->eval_num_newest = 18;
    p->eval_num_pinned = 17;
    p->update = MAAT_TCB_UPDATE_STANDARD;
    p->grace = true;
    p->grace_days = 30;
    p->grace_until = 1702592000;
    p->in_grace = true;
    p->max_collateral_age_days = 7;
    p->collateral_age = 3600;
    p->has_min_status = true;
    p->min_status = MAAT_TCB_SW_HARDENING_NEEDED;
    p->advisory_allow_list = true;
    o = payload(NULL);
    assert_int_equal(json_integer_value(json_object_get(o, "x-maat-tcb-eval-num-newest")), 18);
    assert_int_equal(json_integer_value(json_object_get(o, "x-maat-tcb-eval-num-pinned")), 17);
    assert_string_equal(json_string_value(json_object_get(o, "x-maat-tcb-update")), "standard");
    assert_true(json_is_true(json_object_get(o, "x-maat-tcb-in-grace")));
    assert_int_equal(json_integer_value(json_object_get(o, "x-maat-tcb-grace-until")), 1702592000);
    assert_int_equal(json_integer_value(json_object_get(o, "x-maat-collateral-age")), 3600);
    assert_int_equal(json_integer_value(json_object_get(o, "x-maat-max-collateral-age-days")), 7);
    assert_string_equal(json_string_value(json_object_get(o, "x-maat-min-tcb-status")),
                        "SWHardeningNeeded");
    assert_true(json_is_true(json_object_get(o, "x-maat-advisory-allow-list")));
    json_decref(o);
    memset(&E.v.tcb_policy, 0, sizeof E.v.tcb_policy);
}

static void test_claims_tcb_fix(void **state)
{
    (void)state;
    struct maat_tcb_fix fix;
    memset(&fix, 0, sizeof fix);
    fix.needed = true;
    fix.target_status = MAAT_TCB_UP_TO_DATE;
    fix.target_tcb_date = 1699920000;
    fix.component_count = 2;
    snprintf(fix.components[0].name, sizeof fix.components[0].name, "Early Microcode Update");
    snprintf(fix.components[0].category, sizeof fix.components[0].category, "BIOS");
    fix.components[0].index = 0;
    fix.components[0].array = "sgxtcbcomponents";
    fix.components[0].have = 16;
    fix.components[0].need = 20;
    snprintf(fix.components[1].name, sizeof fix.components[1].name, "QE ISVSVN");
    fix.components[1].index = MAAT_TCB_FIX_INDEX_QE_ISVSVN;
    fix.components[1].have = 6;
    fix.components[1].need = 8;
    fix.advisory_count = 1;
    snprintf(fix.advisory_ids_closed[0], MAAT_VERDICT_ADVISORY_LEN, "INTEL-SA-00828");
    fix.update_count = 2;
    snprintf(fix.update[0], MAAT_TCB_FIX_UPDATE_LEN, "BIOS/microcode");
    snprintf(fix.update[1], MAAT_TCB_FIX_UPDATE_LEN, "PSW/QE");
    E.v.status = MAAT_TCB_OUT_OF_DATE;
    json_t *o = payload(&fix);
    json_t *f = json_object_get(o, "x-maat-tcb-fix");
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "target_status")), "UpToDate");
    assert_string_equal(json_string_value(json_object_get(f, "target_tcb_date")),
                        "2023-11-14T00:00:00Z");
    json_t *c = json_object_get(f, "components");
    assert_int_equal(json_array_size(c), 2);
    json_t *c0 = json_array_get(c, 0), *c1 = json_array_get(c, 1);
    assert_string_equal(json_string_value(json_object_get(c0, "name")), "Early Microcode Update");
    assert_int_equal(json_integer_value(json_object_get(c0, "index")), 0);
    assert_int_equal(json_integer_value(json_object_get(c0, "have")), 16);
    assert_int_equal(json_integer_value(json_object_get(c0, "need")), 20);
    assert_string_equal(json_string_value(json_object_get(c0, "category")), "BIOS");
    assert_string_equal(json_string_value(json_object_get(c1, "name")), "QE ISVSVN");
    assert_true(json_is_null(json_object_get(c1, "index")));
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(f, "advisory_ids_closed"), 0)),
        "INTEL-SA-00828");
    assert_string_equal(json_string_value(json_array_get(json_object_get(f, "update"), 1)),
                        "PSW/QE");
    json_decref(o);

    char text[512];
    maat_tcb_fix_text(&fix, text, sizeof text);
    assert_string_equal(text, "raise Early Microcode Update from 16 to 20, QE ISVSVN from 6 to 8; "
                              "update: BIOS/microcode, PSW/QE; closes INTEL-SA-00828; target "
                              "UpToDate (TCB level of 2023-11-14T00:00:00Z)");
    char small[16];
    maat_tcb_fix_text(&fix, small, sizeof small);
    assert_int_equal(strlen(small), 15);

    fix.needed = false; /* UpToDate: no claim */
    o = payload(&fix);
    assert_null(json_object_get(o, "x-maat-tcb-fix"));
    json_decref(o);
    E.v.status = MAAT_TCB_UP_TO_DATE;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_tcb_eval_num_and_policy),
        cmocka_unit_test(test_claims_tcb_fix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
