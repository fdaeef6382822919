/*
 * test_claims_payload_bound.c - issue 12 item 6, the token half: maat__claims_payload_text
 * bounds the payload it writes (maat_claims_input.max_payload, default
 * MAAT_CLAIMS_PAYLOAD_MAX) while adding claims, failing with MAAT_ERR_TOO_LARGE naming
 * the bound and leaving `out` unchanged, instead of writing a token of any size from a
 * policy's issued claims.
 */
#include "claims_fixture.h"

/* A policy issuing `n` claims of `len` bytes each (within the policy bounds). */
static void issue_claims(struct maat_policy **p, struct maat_policy_result *res, unsigned n,
                         size_t len)
{
    size_t cap = len + 64 * n + 256;
    char *t = malloc(cap);
    size_t o = (size_t)snprintf(t, cap,
                                "version=1.0;authorizationrules{=> permit();};issuancerules{"
                                "=> add(type=\"v\", value=\"");
    memset(t + o, 'B', len);
    o += len;
    o += (size_t)snprintf(t + o, cap - o, "\");");
    for (unsigned i = 0; i < n; i++)
        o += (size_t)snprintf(t + o, cap - o,
                              "c:[type==\"v\"] => issue(type=\"c%u\", value=c.value);", i);
    snprintf(t + o, cap - o, "};");
    struct maat_policy_error perr = {0};
    assert_int_equal(maat__policy_parse(t, strlen(t), NULL, p, &perr), 0);
    free(t);
    assert_int_equal(maat__policy_evaluate(*p, NULL, 0, NULL, res, &perr), 0);
    assert_int_equal(res->noutgoing, n);
}

/* Issued claims appear twice in a token (top level and in x-ms-policy): 8 x 60 KB of
 * them make a ~1 MB payload. A 512 KiB bound stops it with the bound named. */
static void test_token_payload_over_max_payload_refused(void **state)
{
    (void)state;
    struct maat_policy *p = NULL;
    struct maat_policy_result res;
    issue_claims(&p, &res, 8, 60000);
    struct maat_claims_input in;
    input(&in, &res);
    char jti[65];
    memset(jti, 'a', 64);
    jti[64] = 0;
    struct maat_buf out;
    maat_buf_init(&out);
    assert_int_equal(maat_buf_put_str(&out, "prefix"), 0);
    struct maat_error err = {0};

    /* default bound (8 MiB): written */
    assert_int_equal(maat__claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), 0);
    size_t full = out.len - 6;
    assert_true(full > 960000 && full < 1100000);
    out.len = 6;

    in.max_payload = 512u << 10;
    assert_int_equal(maat__claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "exceed the limit of 524288 bytes (max_payload)"));
    assert_int_equal(out.len, 6); /* unchanged */

    /* exactly the size it needs: written */
    in.max_payload = full;
    maat_error_clear(&err);
    assert_int_equal(maat__claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), 0);
    assert_int_equal(out.len - 6, full);
    out.len = 6;
    in.max_payload = full - 1;
    maat_error_clear(&err);
    assert_int_equal(maat__claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "(max_payload)"));

    maat_buf_cleanup(&out);
    maat__policy_result_cleanup(&res);
    maat__policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_payload_over_max_payload_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
