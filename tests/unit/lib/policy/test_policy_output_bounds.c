/*
 * test_policy_output_bounds.c - issue 12 item 6: a draft policy whose `issue` rules double
 * the issued claims (each rule re-issues every claim it sees) turned a 67 KB request into
 * a 164 MB token. Evaluation now stops at the output bounds of maat_policy_limits
 * (max_issued_claims, max_claim_value, max_issued_bytes, max_memory) with a
 * PolicyEvaluationError that names the bound, before the claims are copied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maat/policy.h"
#include "maat/policy_default.h"
#include "testutil.h"

/* The attack: one ~60 KB literal issued, then `doublings` rules that each re-issue every
 * claim of that type (tagged condition: fires once per match), doubling the count. */
static char *doubling_policy(size_t literal_len, unsigned doublings, const char *action)
{
    size_t cap = literal_len + 256 + doublings * 128;
    char *t = malloc(cap);
    assert_non_null(t);
    size_t o = (size_t)snprintf(t, cap,
                                "version=1.0;authorizationrules{=> permit();};issuancerules{"
                                "=> issue(type=\"x\", value=\"");
    memset(t + o, 'A', literal_len);
    o += literal_len;
    o += (size_t)snprintf(t + o, cap - o, "\");");
    for (unsigned i = 0; i < doublings; i++)
        o += (size_t)snprintf(t + o, cap - o, "c:[type==\"x\"] => %s(type=\"x\", value=c.value);",
                              action);
    snprintf(t + o, cap - o, "};");
    return t;
}

static struct maat_policy *parse_ok(const char *text)
{
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    int rc = maat__policy_parse(text, strlen(text), NULL, &p, &perr);
    if (rc != 0) fprintf(stderr, "unexpected: %s\n", perr.err.msg);
    assert_int_equal(rc, 0);
    return p;
}

static size_t issued_total(const struct maat_policy_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->noutgoing; i++)
        n += r->outgoing[i].value.len + strlen(r->outgoing[i].type);
    return n;
}

/* The 67 KB-style request's policy: 60 KB issued, doubled 12 times (would be 4096 claims,
 * 240 MB). Stops at max_issued_bytes (1 MiB) after 17 claims, quickly. */
static void test_self_doubling_issue_policy_stops_at_bound(void **state)
{
    (void)state;
    char *text = doubling_policy(60000, 12, "issue");
    assert_true(strlen(text) < 67 * 1024);
    struct maat_policy *p = parse_ok(text);
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    clock_t t0 = clock();
    assert_int_equal(maat__policy_evaluate(p, NULL, 0, NULL, &res, &perr), -1);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(res.outcome, MAAT_POLICY_ERROR);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_EVALUATION);
    assert_string_equal(maat__policy_error_code(&perr), "PolicyEvaluationError");
    assert_non_null(strstr(perr.err.msg, "max_issued_bytes"));
    assert_non_null(strstr(perr.err.msg, "over the limit of 1048576 bytes"));
    assert_non_null(strstr(perr.err.msg, "rule at line 1:"));
    char buf[1024];
    maat__policy_error_format(&perr, buf, sizeof buf);
    assert_non_null(strstr(buf, "Policy Engine Exception: "));
    assert_non_null(strstr(buf, "max_issued_bytes"));
    /* nothing past the bound was issued */
    assert_true(issued_total(&res) <= 1048576);
    assert_int_equal(res.noutgoing, 17);
    assert_true(secs < 2.0);
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
    free(text);
}

/* Small values: the count bound (256) is hit first. */
static void test_self_doubling_small_claims_stop_at_count(void **state)
{
    (void)state;
    char *text = doubling_policy(8, 10, "issue"); /* would be 1024 claims */
    struct maat_policy *p = parse_ok(text);
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_evaluate(p, NULL, 0, NULL, &res, &perr), -1);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_EVALUATION);
    assert_non_null(
        strstr(perr.err.msg, "exceed the limit of 256 issued claims (max_issued_claims)"));
    assert_int_equal(res.noutgoing, 256);
    maat__policy_result_cleanup(&res);

    /* issueproperty counts too */
    free(text);
    maat__policy_free(p);
    text = doubling_policy(8, 10, "issueproperty");
    p = parse_ok(text);
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, NULL, 0, NULL, &res, &perr), -1);
    assert_non_null(strstr(perr.err.msg, "(max_issued_claims)"));
    assert_int_equal(res.noutgoing + res.nproperties, 256);
    maat__policy_result_cleanup(&res);

    /* a raised bound lets the same policy through (1 + 1023 claims) */
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    lim.max_issued_claims = 1024;
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, NULL, 0, &lim, &res, &perr), 0);
    assert_int_equal(res.noutgoing + res.nproperties, 1024);
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
    free(text);
}

/* One value over max_claim_value, whether it comes from an incoming claim or a literal. */
static void test_issued_value_over_max_claim_value(void **state)
{
    (void)state;
    size_t big = (256u << 10) + 1;
    char *v = malloc(big);
    assert_non_null(v);
    memset(v, 'e', big);
    struct maat_claim in = {.type = "x-ms-sgx-ehd",
                            .value = {.kind = MAAT_CLAIM_STRING, .str = v, .len = big}};
    struct maat_policy *p = parse_ok("version=1.0;authorizationrules{=> permit();};issuancerules{"
                                     "c:[type==\"x-ms-sgx-ehd\"] => issue(claim=c);};");
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_evaluate(p, &in, 1, NULL, &res, &perr), -1);
    assert_non_null(strstr(perr.err.msg, "claim 'x-ms-sgx-ehd': a value of 262145 bytes exceeds "
                                         "the limit of 262144 bytes (max_claim_value)"));
    assert_int_equal(res.noutgoing, 0);
    maat__policy_result_cleanup(&res);
    /* one byte less is issued */
    in.value.len = big - 1;
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, &in, 1, NULL, &res, &perr), 0);
    assert_int_equal(res.noutgoing, 1);
    maat__policy_result_cleanup(&res);
    /* a smaller configured bound */
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    lim.max_claim_value = 1000;
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, &in, 1, &lim, &res, &perr), -1);
    assert_non_null(strstr(perr.err.msg, "exceeds the limit of 1000 bytes (max_claim_value)"));
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
    free(v);
}

/* `add` rules that double a computed string's size and the claims' count: memory is
 * bounded by max_memory, reported as an evaluation error (not "out of memory"). */
static void test_self_doubling_add_policy_stops_at_memory(void **state)
{
    (void)state;
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text,
                                "version=1.2;authorizationrules{=> permit();};issuancerules{"
                                "=> add(type=\"x\", value=\"0123456789abcdef\");");
    for (int i = 0; i < 14; i++)
        o += (size_t)snprintf(
            text + o, sizeof text - o,
            "c:[type==\"x\"] => add(type=\"x\", value=AppendString(c.value, c.value));");
    snprintf(text + o, sizeof text - o, "};");
    struct maat_policy *p = parse_ok(text);
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    lim.max_memory = 1u << 20;
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_evaluate(p, NULL, 0, &lim, &res, &perr), -1);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_EVALUATION);
    assert_non_null(
        strstr(perr.err.msg, "exceed the limit of 1048576 bytes of memory (max_memory)"));
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
}

/* The bounds leave MAA's default policy (6 issued claims) alone. */
static void test_default_policy_within_bounds(void **state)
{
    (void)state;
    struct maat_policy *p = parse_ok(maat_policy_default_sgx());
    static const char *const types[] = {"x-ms-sgx-is-debuggable", "x-ms-sgx-mrsigner",
                                        "x-ms-sgx-mrenclave",     "x-ms-sgx-product-id",
                                        "x-ms-sgx-svn",           "x-ms-attestation-type"};
    struct maat_claim in[6];
    for (int i = 0; i < 6; i++) {
        memset(&in[i], 0, sizeof in[i]);
        in[i].type = types[i];
        in[i].value.kind = MAAT_CLAIM_STRING;
        in[i].value.str = "00";
        in[i].value.len = 2;
    }
    in[0].value.kind = MAAT_CLAIM_BOOLEAN;
    in[3].value.kind = in[4].value.kind = MAAT_CLAIM_INTEGER;
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_evaluate(p, in, 6, NULL, &res, &perr), 0);
    assert_int_equal(res.noutgoing, 6);
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_doubling_issue_policy_stops_at_bound),
        cmocka_unit_test(test_self_doubling_small_claims_stop_at_count),
        cmocka_unit_test(test_issued_value_over_max_claim_value),
        cmocka_unit_test(test_self_doubling_add_policy_stops_at_memory),
        cmocka_unit_test(test_default_policy_within_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
