/* test_attest_pipeline_tcb_settings.c - issue 14's open items inside maat__attest_run():
 * (1) the TCB policy options of ctx->verify (minimum status, maximum collateral age,
 * advisory allow-list: maatd's --min-tcb-status, --max-collateral-age, --allow-advisory)
 * apply on SgxEnclave, OpenEnclave and TdxVm, a failing one failing the verdict at step
 * status naming the check and the values; (2) the policy's incoming claims carry maat's
 * x-maat-* TCB claims (status, evaluation number, advisories, fix, the options' findings),
 * so that authorizationrules can decide on them with no option configured. The sim's
 * collateral has tcbEvaluationDataNumber 17; its OutOfDate level lists INTEL-SA-00828 and
 * INTEL-SA-00615, its UpToDate level none. */
#include "attest_pipeline_fixture.h"

enum route { SGX, OE, TDX };

/* A quote of TCB status `tcb` (-1: sim default) with SHA-256(runtime) in report_data;
 * OE: wrapped in the 16-byte OpenEnclave report header. Base64url. */
static char *evidence_b64(enum route rt, int tcb)
{
    struct maat_sim_quote_opts o;
    struct maat_error err = {0};
    maat_sim_quote_opts_defaults(sim, &o);
    if (rt == TDX) maat_sim_quote_opts_set_tdx(&o);
    if (tcb >= 0 && rt == TDX)
        maat_sim_quote_opts_set_tdx_tcb(&o, tcb);
    else if (tcb >= 0)
        maat_sim_quote_opts_set_tcb(sim, &o, (enum maat_sim_tcb)tcb);
    if (maat_sim_quote_opts_set_ehd(&o, runtime, sizeof runtime - 1, &err) != 0)
        fail_msg("ehd: %s", err.msg);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    char *s;
    if (rt == OE) {
        uint8_t *r = malloc(MAAT_OE_HEADER_SIZE + b.len);
        assert_non_null(r);
        memset(r, 0, MAAT_OE_HEADER_SIZE);
        r[0] = 1; /* version 1, report type 2 (remote), u64 size: little endian */
        r[4] = 2;
        for (int i = 0; i < 8; i++) r[8 + i] = (uint8_t)((uint64_t)b.len >> (8 * i));
        memcpy(r + MAAT_OE_HEADER_SIZE, b.data, b.len);
        s = maat_base64url_encode(r, MAAT_OE_HEADER_SIZE + b.len);
        free(r);
    } else {
        s = maat_base64url_encode(b.data, b.len);
    }
    maat_buf_cleanup(&b);
    assert_non_null(s);
    return s;
}

static struct maat_policy *parse_policy(const char *text, char hash[MAAT_POLICY_HASH_LEN + 1])
{
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    if (maat__policy_parse(text, strlen(text), NULL, &p, &perr) != 0)
        fail_msg("policy: %s", perr.err.msg);
    if (maat_policy_hash(text, strlen(text), hash, &perr.err) != 0) fail_msg("hash");
    return p;
}

/* Runs route `rt` on a quote of status `tcb` with the stored policy text `policy` (NULL:
 * the route's default) and the TCB policy options `vo` (NULL: none), at time `at`. */
static int run(enum route rt, int tcb, const char *policy, const struct maat_verify_opts *vo,
               time_t at, struct maat_attest_result *r)
{
    memset(&cb, 0, sizeof cb);
    char *q = evidence_b64(rt, tcb);
    char *rd = maat_base64url_encode(runtime, sizeof runtime - 1);
    size_t n = strlen(q) + strlen(rd) + 128;
    char *body = malloc(n);
    snprintf(body, n, "{\"%s\":\"%s\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"}}",
             rt == OE ? "report" : "quote", q, rd);
    char hash[MAAT_POLICY_HASH_LEN + 1];
    struct maat_policy *pol = policy != NULL ? parse_policy(policy, hash) : NULL;
    struct maat_attest_ctx ctx = {
        .trust = trust,
        .at = at,
        .collateral = collateral,
        .verify = vo,
        .policy = pol != NULL ? pol
                  : rt == TDX ? pol_tdx
                              : pol_sgx,
        .policy_hash = pol != NULL ? hash
                       : rt == TDX ? hash_tdx
                                   : hash_sgx,
        .issuer = "https://maat.test",
        .jti = "0000000000000000000000000000000000000000000000000000000000000001",
    };
    enum maat_attest_route route = rt == SGX  ? MAAT_ROUTE_SGX_ENCLAVE
                                   : rt == OE ? MAAT_ROUTE_OPEN_ENCLAVE
                                              : MAAT_ROUTE_TDX_VM;
    int rc = maat__attest_run(&ctx, body, strlen(body), route, r);
    maat__policy_free(pol);
    free(body);
    free(rd);
    free(q);
    return rc;
}

static void must_run(int rc, const struct maat_attest_result *r)
{
    if (rc != 0)
        fail_msg("outcome %d: %s / %s / %s / %s", r->outcome, r->aerr.err.msg, r->err.msg,
                 r->perr.err.msg, r->verdict.reason);
}

/* The run was refused by the policy (no permit, or a deny). */
static void must_be_denied(int rc, const struct maat_attest_result *r, const char *why)
{
    if (rc == 0) fail_msg("issued a token; expected the policy to refuse: %s", why);
    assert_int_equal(r->outcome, MAAT_ATTEST_POLICY_FAILED);
    assert_int_equal(r->perr.kind, MAAT_POLICY_ERR_EVALUATION);
}

static const enum route all_routes[] = {SGX, OE, TDX};

#define POL_EVAL_AT_LEAST(n)                                                                 \
    "version=1.1; authorizationrules{c:[type==\"x-maat-tcb-eval-num\", value >= " #n "] => " \
    "permit();};"

/* Defect: x-maat-tcb-eval-num was a token claim only; a policy condition on it never held
 * ("No Permit claim"), so a policy could not require a minimum evaluation number. */
static void test_policy_condition_sees_x_maat_tcb_eval_num(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        struct maat_attest_result r;
        must_run(run(all_routes[i], -1, POL_EVAL_AT_LEAST(17), NULL, AT, &r), &r);
        json_t *p = payload_json(&r);
        assert_int_equal(json_integer_value(json_object_get(p, "x-maat-tcb-eval-num")), 17);
        json_decref(p);
        maat__attest_result_cleanup(&r);
        must_be_denied(run(all_routes[i], -1, POL_EVAL_AT_LEAST(18), NULL, AT, &r), &r,
                       "eval num 17 < 18");
        assert_non_null(strstr(r.perr.err.msg, "No Permit"));
        maat__attest_result_cleanup(&r);
    }
}

#define POL_DENY_ADVISORY(id)                                                                  \
    "version=1.1; authorizationrules{c:[type==\"x-maat-advisory-ids\", value==\"" id "\"] => " \
    "deny(); => permit();};"

/* Defect: x-maat-advisory-ids was a token claim only; a policy denying an advisory
 * permitted every quote. Each advisory ID is one incoming claim. */
static void test_policy_condition_denies_on_x_maat_advisory_id(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        struct maat_attest_result r;
        /* the level's second advisory: every ID is a claim, not only the first */
        must_be_denied(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE,
                           POL_DENY_ADVISORY("INTEL-SA-00615"), NULL, AT, &r),
                       &r, "INTEL-SA-00615 listed");
        assert_non_null(strstr(r.perr.err.msg, "Deny"));
        maat__attest_result_cleanup(&r);
        must_be_denied(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE,
                           POL_DENY_ADVISORY("INTEL-SA-00828"), NULL, AT, &r),
                       &r, "INTEL-SA-00828 listed");
        maat__attest_result_cleanup(&r);
        /* an advisory the platform is not affected by: permitted */
        must_run(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE, POL_DENY_ADVISORY("INTEL-SA-00001"),
                     NULL, AT, &r),
                 &r);
        maat__attest_result_cleanup(&r);
        /* UpToDate: no advisory, no claim */
        must_run(run(all_routes[i], -1, POL_DENY_ADVISORY("INTEL-SA-00615"), NULL, AT, &r), &r);
        maat__attest_result_cleanup(&r);
    }
}

/* With no TCB policy option, a policy implements a minimum status itself on
 * x-maat-tcb-status, and can require the fix's absence/presence (x-maat-tcb-fix). */
#define POL_MIN_SW_HARDENING                                            \
    "version=1.1; authorizationrules{"                                  \
    "c:[type==\"x-maat-tcb-status\", value==\"UpToDate\"] => permit();" \
    "c:[type==\"x-maat-tcb-status\", value==\"SWHardeningNeeded\"] => permit();};"
#define POL_NEEDS_FIX "version=1.1; authorizationrules{c:[type==\"x-maat-tcb-fix\"] => permit();};"

static void test_policy_condition_implements_min_status_on_x_maat_tcb_status(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        struct maat_attest_result r;
        must_run(run(all_routes[i], -1, POL_MIN_SW_HARDENING, NULL, AT, &r), &r);
        maat__attest_result_cleanup(&r);
        must_run(run(all_routes[i], MAAT_SIM_TCB_SW_HARDENING_NEEDED, POL_MIN_SW_HARDENING, NULL,
                     AT, &r),
                 &r);
        maat__attest_result_cleanup(&r);
        must_be_denied(
            run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE, POL_MIN_SW_HARDENING, NULL, AT, &r), &r,
            "OutOfDate is worse than SWHardeningNeeded");
        maat__attest_result_cleanup(&r);
        /* the fix is an incoming claim below UpToDate only */
        must_run(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE, POL_NEEDS_FIX, NULL, AT, &r), &r);
        maat__attest_result_cleanup(&r);
        must_be_denied(run(all_routes[i], -1, POL_NEEDS_FIX, NULL, AT, &r), &r, "no fix");
        maat__attest_result_cleanup(&r);
    }
}

/* ctx->verify's minimum status applies on every route: a worse status fails the verdict at
 * step status naming both statuses; the token otherwise says which minimum it met, and
 * the policy sees that too. */
#define POL_SAW_MIN                                                                             \
    "version=1.1; authorizationrules{c:[type==\"x-maat-min-tcb-status\", value==\"UpToDate\"] " \
    "=> permit();};"

static void test_attest_run_min_tcb_status_option(void **state)
{
    (void)state;
    struct maat_verify_opts vo = {.has_min_tcb_status = true, .min_tcb_status = MAAT_TCB_UP_TO_DATE};
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        struct maat_attest_result r;
        assert_int_equal(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE, NULL, &vo, AT, &r), -1);
        assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
        assert_false(r.verdict.ok);
        assert_int_equal(r.verdict.failed_step, MAAT_STEP_STATUS);
        assert_non_null(strstr(r.verdict.reason, "TCB status OutOfDate is worse than the minimum "
                                                 "accepted, UpToDate"));
        assert_int_equal(r.payload.len, 0);
        maat__attest_result_cleanup(&r);

        must_run(run(all_routes[i], -1, POL_SAW_MIN, &vo, AT, &r), &r);
        json_t *p = payload_json(&r);
        assert_string_equal(json_string_value(json_object_get(p, "x-maat-min-tcb-status")),
                            "UpToDate");
        json_decref(p);
        maat__attest_result_cleanup(&r);
        /* without the option the claim is absent: the same policy finds no permit */
        must_be_denied(run(all_routes[i], -1, POL_SAW_MIN, NULL, AT, &r), &r, "no minimum");
        maat__attest_result_cleanup(&r);
    }
}

/* ctx->verify's advisory allow-list: an advisory outside it fails, naming it; a list
 * holding every advisory of the level passes and says so (token and incoming claims). */
#define POL_SAW_ALLOW_LIST                                                                      \
    "version=1.1; authorizationrules{c:[type==\"x-maat-advisory-allow-list\", value==true] => " \
    "permit();};"

static void test_attest_run_advisory_allow_list_option(void **state)
{
    (void)state;
    const char *some[] = {"INTEL-SA-00615"};
    const char *all[] = {"INTEL-SA-00615", "INTEL-SA-00828"};
    struct maat_verify_opts vo = {.advisory_allow_list = true,
                                  .allowed_advisories = some,
                                  .allowed_advisory_count = 1};
    struct maat_attest_result r;
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        assert_int_equal(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE, NULL, &vo, AT, &r), -1);
        assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
        assert_int_equal(r.verdict.failed_step, MAAT_STEP_STATUS);
        assert_non_null(
            strstr(r.verdict.reason,
                   "advisories not in the allow-list (--allow-advisory): INTEL-SA-00828"));
        maat__attest_result_cleanup(&r);
    }

    vo.allowed_advisories = all;
    vo.allowed_advisory_count = 2;
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        must_run(run(all_routes[i], MAAT_SIM_TCB_OUT_OF_DATE, POL_SAW_ALLOW_LIST, &vo, AT, &r), &r);
        json_t *p = payload_json(&r);
        assert_true(json_is_true(json_object_get(p, "x-maat-advisory-allow-list")));
        json_decref(p);
        maat__attest_result_cleanup(&r);
    }
}

/* ctx->verify's maximum collateral age: the sim's collateral is issued at NOW; at NOW +
 * 3 days a maximum of 2 days fails naming the item, the age and the maximum; 3 passes and
 * the age is a claim a policy can test. */
#define POL_AGE_BELOW(s)                                                                      \
    "version=1.1; authorizationrules{c:[type==\"x-maat-collateral-age\", value < " #s "] => " \
    "permit();};"

static void test_attest_run_max_collateral_age_option(void **state)
{
    (void)state;
    const time_t at = NOW + 3 * 86400;
    struct maat_verify_opts vo = {.max_collateral_age_days = 2};
    for (size_t i = 0; i < sizeof all_routes / sizeof all_routes[0]; i++) {
        struct maat_attest_result r;
        assert_int_equal(run(all_routes[i], -1, NULL, &vo, at, &r), -1);
        assert_int_equal(r.outcome, MAAT_ATTEST_VERIFY_FAILED);
        assert_int_equal(r.verdict.failed_step, MAAT_STEP_STATUS);
        assert_non_null(strstr(r.verdict.reason, "3 days before the verification time"));
        assert_non_null(strstr(r.verdict.reason, "more than the maximum collateral age of 2 days"));
        maat__attest_result_cleanup(&r);
        vo.max_collateral_age_days = 3;
        must_run(run(all_routes[i], -1, POL_AGE_BELOW(259201), &vo, at, &r), &r);
        json_t *p = payload_json(&r);
        assert_int_equal(json_integer_value(json_object_get(p, "x-maat-collateral-age")), 3 * 86400);
        assert_int_equal(json_integer_value(json_object_get(p, "x-maat-max-collateral-age-days")), 3);
        json_decref(p);
        maat__attest_result_cleanup(&r);
        must_be_denied(run(all_routes[i], -1, POL_AGE_BELOW(259200), &vo, at, &r), &r,
                       "age not below 259200");
        maat__attest_result_cleanup(&r);
        vo.max_collateral_age_days = 2;
    }
}

/* The JSON incoming set (maat__claims_incoming) and the list the pipeline evaluates carry
 * the same x-maat-* claims: one value per advisory ID, the fix as an object. */
static void test_claims_incoming_carries_x_maat_claims(void **state)
{
    (void)state;
    struct maat_attest_result r;
    must_run(run(SGX, MAAT_SIM_TCB_OUT_OF_DATE, NULL, NULL, AT, &r), &r);
    struct maat_collateral_hashes h;
    maat_verified_collateral_hashes(vc_sgx, &h);
    char hash[MAAT_POLICY_HASH_LEN + 1] = "x";
    struct maat_claims_input in = {
        .route = MAAT_ROUTE_SGX_ENCLAVE,
        .req = &r.req,
        .quote = &r.quote,
        .verdict = &r.verdict,
        .collateral = &h,
        .policy_hash = hash,
        .tcb_fix = &r.tcb_fix,
    };
    struct maat_error err = {0};
    json_t *inc = maat__claims_incoming(&in, &err);
    if (inc == NULL) fail_msg("incoming: %s", err.msg);
    json_t *adv = json_object_get(inc, "x-maat-advisory-ids");
    assert_int_equal(json_array_size(adv), 2);
    assert_string_equal(json_string_value(json_array_get(adv, 0)), "INTEL-SA-00828");
    assert_string_equal(json_string_value(json_array_get(adv, 1)), "INTEL-SA-00615");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(inc, "x-maat-tcb-status"), 0)),
        "OutOfDate");
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(inc, "x-maat-tcb-eval-num"), 0)), 17);
    assert_true(json_is_object(json_array_get(json_object_get(inc, "x-maat-tcb-fix"), 0)));
    assert_true(json_is_true(json_array_get(json_object_get(inc, "x-maat-simulated-platform"), 0)));
    /* the list form gives the very same claims */
    struct maat_claim_list a, b;
    assert_int_equal(maat__claim_list_from_json(inc, NULL, &a, &err), 0);
    assert_int_equal(maat__claims_incoming_list(&in, &b, &err), 0);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) assert_string_equal(a.claims[i].type, b.claims[i].type);
    maat__claim_list_cleanup(&a);
    maat__claim_list_cleanup(&b);
    /* a verdict that is not ok contributes none */
    struct maat_verdict bad = r.verdict;
    bad.ok = false;
    in.verdict = &bad;
    json_t *inc2 = maat__claims_incoming(&in, &err);
    assert_non_null(inc2);
    assert_null(json_object_get(inc2, "x-maat-tcb-status"));
    json_decref(inc2);
    json_decref(inc);
    maat__attest_result_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_condition_sees_x_maat_tcb_eval_num),
        cmocka_unit_test(test_policy_condition_denies_on_x_maat_advisory_id),
        cmocka_unit_test(test_policy_condition_implements_min_status_on_x_maat_tcb_status),
        cmocka_unit_test(test_attest_run_min_tcb_status_option),
        cmocka_unit_test(test_attest_run_advisory_allow_list_option),
        cmocka_unit_test(test_attest_run_max_collateral_age_option),
        cmocka_unit_test(test_claims_incoming_carries_x_maat_claims),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
