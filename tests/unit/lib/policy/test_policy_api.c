/*
 * test_policy_api.c - the policy API beyond the corpus: limits (text, rules, conditions,
 * strings, claims, steps), MAA's error layout, the JSON bridges, truncated and mutated
 * input, misuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/policy.h"
#include "maat/policy_default.h"
#include "testutil.h"

static struct maat_policy *parse_ok(const char *text)
{
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    int rc = maat__policy_parse(text, strlen(text), NULL, &p, &perr);
    if (rc != 0) fprintf(stderr, "unexpected: %s\n", perr.err.msg);
    assert_int_equal(rc, 0);
    return p;
}

static void test_error_format(void **state)
{
    (void)state;
    const char *text = "version=1.0\n[type==\"x\"] => permit();";
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_parse(text, strlen(text), NULL, &p, &perr), -1);
    assert_null(p);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_PARSING);
    assert_int_equal(perr.line, 2);
    assert_int_equal(perr.column, 1);
    assert_string_equal(perr.offending, "[");
    assert_string_equal(perr.rule, "policy > versionInfo");
    assert_string_equal(perr.err.msg, "line 2:1 mismatched input '[' expecting ';'");
    assert_int_equal(perr.err.code, MAAT_ERR_VALUE);
    char buf[512];
    size_t n = maat__policy_error_format(&perr, buf, sizeof buf);
    /* The layout of MAA's message (troubleshoot-guide.md 2.5) for the same mistake. */
    assert_string_equal(buf, "Policy Parser Exception Thrown: Offending symbol: '['\n"
                             "Line: '2', Column: '1'\n"
                             "Failure message: 'mismatched input '[' expecting ';''\n"
                             "Failing rule: 'policy > versionInfo'");
    assert_int_equal(n, strlen(buf));
    char small[8];
    assert_int_equal(maat__policy_error_format(&perr, small, sizeof small), n);
    assert_int_equal(strlen(small), 7);

    /* A deeper rule path. */
    memset(&perr, 0, sizeof perr);
    text = "version=1.0;authorizationrules{[type==\"a\", value<\"b\"] => permit();};";
    assert_int_equal(maat__policy_parse(text, strlen(text), NULL, &p, &perr), -1);
    assert_string_equal(perr.rule,
                        "policy > authorizationRules > rule > condition > claimPropertyCondition");
    assert_string_equal(perr.offending, "<");
}

static void test_limits_parse(void **state)
{
    (void)state;
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};

    lim.max_text = 10;
    const char *t = maat_policy_default_sgx_2021;
    assert_int_equal(maat__policy_parse(t, strlen(t), &lim, &p, &perr), -1);
    assert_non_null(strstr(perr.detail, "exceeds the limit of 10"));

    maat__policy_limits_default(&lim);
    lim.max_rules = 6;
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_parse(t, strlen(t), &lim, &p, &perr), -1); /* 7 rules */
    assert_string_equal(perr.err.msg, "line 1:430 more than 6 rules in the policy");
    lim.max_rules = 7;
    assert_int_equal(maat__policy_parse(t, strlen(t), &lim, &p, &perr), 0);
    maat__policy_free(p);

    maat__policy_limits_default(&lim);
    lim.max_conditions = 2;
    memset(&perr, 0, sizeof perr);
    t = "version=1.0;authorizationrules{[type==\"a\"] && [type==\"b\"] && [type==\"c\"] => "
        "permit();};";
    assert_int_equal(maat__policy_parse(t, strlen(t), &lim, &p, &perr), -1);
    assert_string_equal(perr.err.msg, "line 1:62 more than 2 conditions in one rule");

    maat__policy_limits_default(&lim);
    lim.max_tests = 1;
    memset(&perr, 0, sizeof perr);
    t = "version=1.0;authorizationrules{[type==\"a\", value==1] => permit();};";
    assert_int_equal(maat__policy_parse(t, strlen(t), &lim, &p, &perr), -1);
    assert_string_equal(perr.err.msg, "line 1:44 more than 1 property conditions in one condition");

    maat__policy_limits_default(&lim);
    lim.max_string = 3;
    memset(&perr, 0, sizeof perr);
    t = "version=1.0;authorizationrules{[type==\"abcd\"] => permit();};";
    assert_int_equal(maat__policy_parse(t, strlen(t), &lim, &p, &perr), -1);
    assert_string_equal(perr.err.msg, "line 1:39 string literal of 4 bytes exceeds the limit of 3");

    /* Misuse. */
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_parse(NULL, 5, NULL, &p, &perr), -1);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_INTERNAL);
    assert_string_equal(maat__policy_error_code(&perr), "InternalError");
    maat__policy_free(NULL);
    assert_int_equal(maat__policy_version(NULL), 0);
}

static void test_limits_eval(void **state)
{
    (void)state;
    enum { N = 300 };
    struct maat_claim *in = calloc(N, sizeof *in);
    for (size_t i = 0; i < N; i++) {
        in[i].type = "a";
        in[i].value.kind = MAAT_CLAIM_INTEGER;
        in[i].value.integer = (int64_t)i;
    }
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};

    /* 300^3 combinations: the step budget stops it, quickly. */
    struct maat_policy *p = parse_ok(
        "version=1.0;authorizationrules{=> permit();};issuancerules{x:[type==\"a\"] && "
        "y:[type==\"a\"] && z:[type==\"a\", value==-1] => issue(type=\"t\", value=x.value);};");
    assert_int_equal(maat__policy_evaluate(p, in, N, NULL, &res, &perr), -1);
    assert_int_equal(res.outcome, MAAT_POLICY_ERROR);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_EVALUATION);
    assert_string_equal(perr.detail,
                        "rule at line 1:60: evaluation exceeded the limit of 1000000 steps");
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);

    /* Claims multiply only up to max_claims. */
    p = parse_ok("version=1.0;authorizationrules{=> permit();};issuancerules{"
                 "x:[type==\"a\"] && y:[type==\"a\"] => add(type=y.type, value=x.value);};");
    struct maat_policy_limits lim;
    maat__policy_limits_default(&lim);
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, in, N, &lim, &res, &perr), -1);
    assert_string_equal(perr.detail,
                        "rule at line 1:60: the claim sets grew beyond the limit of 4096 claims");
    maat__policy_result_cleanup(&res);
    lim.max_claims = 10;
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, in, N, &lim, &res, &perr), -1);
    assert_string_equal(perr.detail, "300 incoming claims exceed the limit of 10");
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);

    /* Strings cannot grow without bound. */
    p = parse_ok("version=1.2;authorizationrules{=> permit();};issuancerules{"
                 "c:[type==\"s\"] => add(type=\"s2\", value=AppendString(c.value, c.value));"
                 "c:[type==\"s2\"] => add(type=\"s3\", value=AppendString(c.value, c.value));};");
    struct maat_claim s = {.type = "s",
                           .value = {.kind = MAAT_CLAIM_STRING, .str = "0123456789", .len = 10}};
    maat__policy_limits_default(&lim);
    lim.max_string = 30;
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, &s, 1, &lim, &res, &perr), -1);
    assert_string_equal(perr.detail, "rule at line 1:130: AppendString: a string of 40 bytes "
                                     "exceeds the limit of 30");
    maat__policy_result_cleanup(&res);
    lim.max_string = 40;
    assert_int_equal(maat__policy_evaluate(p, &s, 1, &lim, &res, &perr), 0);
    assert_int_equal(res.nincoming, 3);
    assert_int_equal(res.incoming[2].value.len, 40);
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);

    /* Misuse: malformed incoming claim, no result. */
    p = parse_ok("version=1.0;authorizationrules{=> permit();};");
    struct maat_claim bad = {.type = NULL};
    memset(&perr, 0, sizeof perr);
    assert_int_equal(maat__policy_evaluate(p, &bad, 1, NULL, &res, &perr), -1);
    assert_int_equal(perr.kind, MAAT_POLICY_ERR_INTERNAL);
    maat__policy_result_cleanup(&res);
    maat__policy_result_cleanup(&res); /* twice is fine */
    assert_int_equal(maat__policy_evaluate(p, NULL, 0, NULL, NULL, &perr), -1);
    maat__policy_free(p);
    free(in);
}

static void test_json_bridges(void **state)
{
    (void)state;
    json_t *obj = json_loads("{\"x-ms-sgx-svn\":[1],\"x-ms-sgx-is-debuggable\":[true],"
                             "\"x-ms-runtime\":[{\"b\":2,\"a\":1}],\"multi\":[\"p\",\"q\",null],"
                             "\"plain\":\"s\",\"real\":1.5}",
                             0, NULL);
    assert_non_null(obj);
    struct maat_claim_list l;
    struct maat_error err = {0};
    assert_int_equal(maat__claim_list_from_json(obj, NULL, &l, &err), 0);
    assert_int_equal(l.count, 7);
    assert_string_equal(l.claims[0].type, "x-ms-sgx-svn");
    assert_int_equal(l.claims[0].value.kind, MAAT_CLAIM_INTEGER);
    assert_int_equal(l.claims[1].value.kind, MAAT_CLAIM_BOOLEAN);
    assert_int_equal(l.claims[2].value.kind, MAAT_CLAIM_JSON);
    assert_string_equal(l.claims[2].value.str, "{\"a\":1,\"b\":2}");
    assert_string_equal(l.claims[3].value.str, "p");
    assert_string_equal(l.claims[4].value.str, "q");
    assert_string_equal(l.claims[5].type, "plain");
    assert_int_equal(l.claims[6].value.kind, MAAT_CLAIM_JSON);
    assert_string_equal(l.claims[0].issuer, MAAT_ISSUER_SERVICE);

    struct maat_policy *p = parse_ok(
        "version=1.0;authorizationrules{[type==\"x-ms-sgx-svn\", value>=1] => permit();};"
        "issuancerules{c:[type==\"multi\"] => issue(type=\"m\", value=c.value);"
        "c:[type==\"x-ms-runtime\"] => issue(type=\"rt\", value=c.value);"
        "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);};");
    struct maat_policy_result res;
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_evaluate(p, l.claims, l.count, NULL, &res, &perr), 0);
    json_t *out = maat__claims_to_json(res.outgoing, res.noutgoing, &err);
    assert_non_null(out);
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"m\":[\"p\",\"q\"],\"rt\":{\"a\":1,\"b\":2},\"svn\":1}");
    free(s);
    json_decref(out);
    assert_null(maat__policy_result_property(&res, "x-ms-sgx-tcbidentifier"));
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
    maat__claim_list_cleanup(&l);
    maat__claim_list_cleanup(&l);

    json_t *arr = json_array();
    assert_int_equal(maat__claim_list_from_json(arr, NULL, &l, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    json_decref(arr);
    json_decref(obj);
}

/* Every proper prefix of the default policy fails cleanly with a position inside the
 * text, and every single-byte corruption either parses or fails with a message. */
static void test_truncated_and_mutated(void **state)
{
    (void)state;
    const char *t = maat_policy_default_sgx_2022;
    size_t n = strlen(t);
    for (size_t len = 0; len < n; len++) {
        struct maat_policy *p = NULL;
        struct maat_policy_error perr = {0};
        char *copy = malloc(len ? len : 1); /* exact size: ASan catches any over-read */
        memcpy(copy, t, len);
        if (maat__policy_parse(copy, len, NULL, &p, &perr) == 0) {
            /* issuancerules is optional: the prefix ending after authorizationrules is a
             * complete policy, the only one. */
            const char *end = "authorizationrules{=> permit();};";
            assert_true(len >= strlen(end) && memcmp(copy + len - strlen(end), end, strlen(end)) == 0);
            maat__policy_free(p);
            free(copy);
            continue;
        }
        assert_int_equal(perr.kind, MAAT_POLICY_ERR_PARSING);
        assert_true(perr.line == 1 && perr.column >= 1 && perr.column <= len + 1);
        assert_true(perr.detail[0] != '\0');
        free(copy);
    }
    static const char repl[] = "\"[]{}();:,.=!<>&-9aZ\\/*\n\x80\xff";
    char *copy = malloc(n);
    for (size_t i = 0; i < n; i += 3) {
        for (size_t r = 0; r < sizeof repl - 1; r++) {
            memcpy(copy, t, n);
            copy[i] = repl[r];
            struct maat_policy *p = NULL;
            struct maat_policy_error perr = {0};
            if (maat__policy_parse(copy, n, NULL, &p, &perr) == 0) {
                struct maat_policy_result res;
                /* either outcome is fine here; a failure must say why */
                if (maat__policy_evaluate(p, NULL, 0, NULL, &res, &perr) != 0)
                    assert_true(perr.detail[0] != '\0');
                maat__policy_result_cleanup(&res);
                maat__policy_free(p);
            } else {
                assert_true(perr.detail[0] != '\0' && perr.line >= 1);
            }
        }
    }
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_format),          cmocka_unit_test(test_limits_parse),
        cmocka_unit_test(test_limits_eval),           cmocka_unit_test(test_json_bridges),
        cmocka_unit_test(test_truncated_and_mutated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
