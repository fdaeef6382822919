/*
 * test_claims_payload_bound.c - issue 12 item 6, the token half: maat_claims_payload_text
 * bounds the payload it writes (maat_claims_input.max_payload, default
 * MAAT_CLAIMS_PAYLOAD_MAX) while adding claims, failing with MAAT_ERR_TOO_LARGE naming
 * the bound and leaving `out` unchanged, instead of writing a token of any size from a
 * policy's issued claims.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/policy.h"
#include "maat/quote.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1700000000

static struct {
    char *dir;
    struct maat_sim *sim;
    struct maat_buf quote;
    struct maat_quote q;
    struct maat_attest_request req;
    struct maat_verdict v;
    struct maat_collateral_hashes h;
} E;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    E.dir = tu_tempdir();
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    if (maat_sim_init(E.dir, &o, &err) != 0) fail_msg("sim init: %s", err.msg);
    if (maat_sim_load(E.dir, &E.sim, &err) != 0) fail_msg("sim load: %s", err.msg);
    struct maat_sim_quote_opts qo;
    maat_sim_quote_opts_defaults(E.sim, &qo);
    maat_buf_init(&E.quote);
    if (maat_sim_quote(E.sim, &qo, &E.quote, &err) != 0) fail_msg("sim quote: %s", err.msg);
    if (maat_quote_parse(E.quote.data, E.quote.len, &E.q, &err) != 0) fail_msg("parse: %s", err.msg);
    char *b64 = maat_base64url_encode(E.quote.data, E.quote.len);
    size_t n = strlen(b64) + 32;
    char *body = malloc(n);
    snprintf(body, n, "{\"quote\":\"%s\"}", b64);
    free(b64);
    struct maat_attest_error a = {0};
    if (maat_attest_request_parse(body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, &E.req, &a) != 0)
        fail_msg("%s", a.err.msg);
    free(body);
    E.v.ok = true;
    E.v.status = MAAT_TCB_UP_TO_DATE;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_attest_request_cleanup(&E.req);
    maat_buf_cleanup(&E.quote);
    maat_sim_free(E.sim);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", E.dir);
    if (system(cmd) != 0) { /* best effort */ }
    free(E.dir);
    return 0;
}

static void input(struct maat_claims_input *in, const struct maat_policy_result *res)
{
    memset(in, 0, sizeof *in);
    in->route = MAAT_ROUTE_SGX_ENCLAVE;
    in->req = &E.req;
    in->quote = &E.q;
    in->verdict = &E.v;
    in->collateral = &E.h;
    in->policy_hash = "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc";
    in->issued_result = res;
}

/* A policy issuing `n` claims of `len` bytes each (within the policy bounds). */
static void issue_claims(struct maat_policy **p, struct maat_policy_result *res, unsigned n,
                         size_t len)
{
    size_t cap = len + 64 * n + 256;
    char *t = malloc(cap);
    size_t o = (size_t)snprintf(t, cap, "version=1.0;authorizationrules{=> permit();};issuancerules{"
                                        "=> add(type=\"v\", value=\"");
    memset(t + o, 'B', len);
    o += len;
    o += (size_t)snprintf(t + o, cap - o, "\");");
    for (unsigned i = 0; i < n; i++)
        o += (size_t)snprintf(t + o, cap - o, "c:[type==\"v\"] => issue(type=\"c%u\", value=c.value);", i);
    snprintf(t + o, cap - o, "};");
    struct maat_policy_error perr = {0};
    assert_int_equal(maat_policy_parse(t, strlen(t), NULL, p, &perr), 0);
    free(t);
    assert_int_equal(maat_policy_evaluate(*p, NULL, 0, NULL, res, &perr), 0);
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
    assert_int_equal(maat_claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), 0);
    size_t full = out.len - 6;
    assert_true(full > 960000 && full < 1100000);
    out.len = 6;

    in.max_payload = 512u << 10;
    assert_int_equal(maat_claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "exceed the limit of 524288 bytes (max_payload)"));
    assert_int_equal(out.len, 6); /* unchanged */

    /* exactly the size it needs: written */
    in.max_payload = full;
    maat_error_clear(&err);
    assert_int_equal(maat_claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), 0);
    assert_int_equal(out.len - 6, full);
    out.len = 6;
    in.max_payload = full - 1;
    maat_error_clear(&err);
    assert_int_equal(maat_claims_payload_text(&in, "https://i", NOW, 28800, jti, &out, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "(max_payload)"));

    maat_buf_cleanup(&out);
    maat_policy_result_cleanup(&res);
    maat_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_payload_over_max_payload_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
