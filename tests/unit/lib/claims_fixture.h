/* claims_fixture.h - the fixture of the claim-payload tests (test_claims_payload_bound.c,
 * test_claims_qe_advisories.c, test_claims_tcb_policy.c): a sim platform, one parsed quote,
 * its SgxEnclave request and an UpToDate verdict (group setup/teardown), input() filling a
 * claims input, and payload_of() writing it with both writers. */
#ifndef MAAT_TEST_CLAIMS_FIXTURE_H
#define MAAT_TEST_CLAIMS_FIXTURE_H

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
    if (maat_quote_parse(E.quote.data, E.quote.len, &E.q, &err) != 0)
        fail_msg("parse: %s", err.msg);
    char *b64 = maat_base64url_encode(E.quote.data, E.quote.len);
    size_t n = strlen(b64) + 32;
    char *body = malloc(n);
    snprintf(body, n, "{\"quote\":\"%s\"}", b64);
    free(b64);
    struct maat_attest_error a = {0};
    if (maat__attest_request_parse(body, strlen(body), MAAT_ROUTE_SGX_ENCLAVE, &E.req, &a) != 0)
        fail_msg("%s", a.err.msg);
    free(body);
    E.v.ok = true;
    E.v.status = MAAT_TCB_UP_TO_DATE;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat__attest_request_cleanup(&E.req);
    maat_buf_cleanup(&E.quote);
    maat_sim_free(E.sim);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", E.dir);
    if (system(cmd) != 0) { /* best effort */
    }
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

/* The payload of `in` as JSON (caller's json_decref), at NOW with a fixed jti, after
 * checking that both writers (the payload text and the JSON tree) agree. */
static inline json_t *payload_of(const struct maat_claims_input *in)
{
    char jti[65];
    memset(jti, 'a', 64);
    jti[64] = 0;
    struct maat_buf out;
    maat_buf_init(&out);
    struct maat_error err = {0};
    assert_int_equal(maat__claims_payload_text(in, "https://i", NOW, 28800, jti, &out, &err), 0);
    json_error_t je;
    json_t *text = json_loadb((const char *)out.data, out.len, JSON_REJECT_DUPLICATES, &je);
    assert_non_null(text);
    maat_buf_cleanup(&out);
    json_t *tree = maat__claims_build(in, &err);
    assert_non_null(tree);
    assert_int_equal(maat__claims_finish(tree, "https://i", NOW, 28800, jti, &err), 0);
    assert_true(json_equal(text, tree)); /* the two writers agree */
    json_decref(tree);
    return text;
}

/* Asserts that maat__claims_payload_text() writes exactly what jansson writes for
 * maat__claims_build() + maat__claims_finish() with JSON_SORT_KEYS | JSON_COMPACT (jansson
 * is the reference), at NOW for issuer "https://i" and the given jti. */
static inline void assert_payload_text_is_janssons(const struct maat_claims_input *in,
                                                   const char *jti)
{
    struct maat_error err = {0};
    json_t *p = maat__claims_build(in, &err);
    if (p == NULL) fail_msg("build: %s", err.msg);
    assert_int_equal(maat__claims_finish(p, "https://i", NOW, 28800, jti, &err), 0);
    char *want = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(want);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat__claims_payload_text(in, "https://i", NOW, 28800, jti, &b, &err) != 0)
        fail_msg("text: %s", err.msg);
    if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
        fail_msg("payload text differs:\n got %.*s\nwant %s", (int)b.len, (const char *)b.data, want);
    maat_buf_cleanup(&b);
    free(want);
    json_decref(p);
}

#endif
