/* test_attest_pipeline_tcb.c - the TCB-policy work (issue 14, branch h5/D2) inside
 * maat_attest_run(): a verdict below UpToDate puts the fix (x-maat-tcb-fix) in SgxEnclave
 * and TdxVm tokens; the policy's x-ms-sgx-tcbidentifier must be the baseline of the
 * collateral the verdict used, else the run fails closed (MAAT_ATTEST_TCB_BASELINE) with
 * MAA's code; maat_tcb_identifier_parse's rule. Regressions of the h5/D2 -> pipeline merge:
 * both lived in maatd's old route and were lost when the route became the pipeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/collateral.h"
#include "maat/policy_default.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1740787200 /* 2025-03-01T00:00:00Z */
#define AT (NOW + 3600)

static char *dir;
static struct maat_sim *sim;
static struct maat_trust *trust;
static struct maat_verified_collateral *vc_sgx, *vc_tdx;
static struct maat_policy *pol_sgx, *pol_tdx;
static char hash_sgx[MAAT_POLICY_HASH_LEN + 1], hash_tdx[MAAT_POLICY_HASH_LEN + 1];

/* the collateral callback's behaviour and what it saw */
static struct {
    int calls;
    enum maat_attest_tee tee;
    maat_err fail; /* 0 = answer, else fail with this code */
    bool swap;     /* answer the other TEE's collateral */
} cb;

static int collateral(void *arg, enum maat_attest_tee tee, const uint8_t fmspc[6],
                      enum maat_pck_ca ca, const struct maat_verified_collateral **vc,
                      struct maat_error *err)
{
    (void)arg;
    (void)fmspc;
    (void)ca;
    cb.calls++;
    cb.tee = tee;
    if (cb.fail != 0) return maat_error_set(err, cb.fail, "test source says no");
    bool tdx = tee == MAAT_ATTEST_TEE_TDX;
    if (cb.swap) tdx = !tdx;
    *vc = tdx ? vc_tdx : vc_sgx;
    return 0;
}

static int load_vc(const char *name, struct maat_verified_collateral **out)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    size_t len;
    uint8_t *buf = tu_read_file(p, &len);
    struct maat_collateral_bundle b;
    struct maat_collateral_input in;
    struct maat_error err = {0};
    int rc = buf == NULL || maat_collateral_bundle_parse(buf, len, &b, &err) != 0;
    if (!rc) {
        maat_collateral_input_from_bundle(&b, &in);
        rc = maat_collateral_verify(&in, trust, AT, out, &err) != 0;
        maat_collateral_bundle_cleanup(&b);
    }
    free(buf);
    if (rc) fprintf(stderr, "%s: %s\n", name, err.msg);
    return rc ? -1 : 0;
}

static int load_policy(const char *text, struct maat_policy **p, char *hash)
{
    struct maat_policy_error perr = {0};
    if (maat_policy_parse(text, strlen(text), NULL, p, &perr) != 0) return -1;
    return maat_policy_hash(text, strlen(text), hash, &perr.err);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    struct maat_error err = {0};
    if (maat_sim_init(dir, &o, &err) != 0 || maat_sim_load(dir, &sim, &err) != 0) {
        fprintf(stderr, "sim: %s\n", err.msg);
        return -1;
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/root-ca.pem", dir);
    size_t rlen;
    uint8_t *root = tu_read_file(p, &rlen);
    trust = maat_trust_new_intel(&err);
    int rc = root == NULL || trust == NULL ||
             maat_trust_add_root(trust, root, rlen, "sim", true, &err) != 0;
    free(root);
    if (rc) return -1;
    if (load_vc("collateral.json", &vc_sgx) != 0 || load_vc("collateral-tdx.json", &vc_tdx) != 0)
        return -1;
    if (load_policy(maat_policy_default_sgx(), &pol_sgx, hash_sgx) != 0 ||
        load_policy(maat_policy_default_tdx(), &pol_tdx, hash_tdx) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_policy_free(pol_sgx);
    maat_policy_free(pol_tdx);
    maat_verified_collateral_free(vc_sgx);
    maat_verified_collateral_free(vc_tdx);
    maat_trust_free(trust);
    maat_sim_free(sim);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    free(dir);
    return rc == 0 ? 0 : -1;
}

static const uint8_t runtime[] = "runtime data of the TD";

/* A quote (TD when tdx) with SHA-256(runtime) in report_data; `debug` sets the DEBUG bit;
 * tcb >= 0: the (TDX) TCB level status (enum maat_sim_tcb). */
static char *quote_b64(bool tdx, bool debug, int tcb)
{
    struct maat_sim_quote_opts o;
    struct maat_error err = {0};
    maat_sim_quote_opts_defaults(sim, &o);
    if (tdx) maat_sim_quote_opts_set_tdx(&o);
    if (tcb >= 0 && tdx)
        maat_sim_quote_opts_set_tdx_tcb(&o, tcb);
    else if (tcb >= 0)
        maat_sim_quote_opts_set_tcb(sim, &o, (enum maat_sim_tcb)tcb);
    if (debug) o.td_attributes |= 1;
    memset(o.mr_td, 0xcd, 48);
    if (maat_sim_quote_opts_set_ehd(&o, runtime, sizeof runtime - 1, &err) != 0)
        fail_msg("ehd: %s", err.msg);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    char *s = maat_base64url_encode(b.data, b.len);
    maat_buf_cleanup(&b);
    assert_non_null(s);
    return s;
}

/* {"quote": ..., "runtimeData": {...}, "nonce": "n"[, extra]} */
static char *body_for(const char *q, const char *extra)
{
    char *rd = maat_base64url_encode(runtime, sizeof runtime - 1);
    size_t n = strlen(q) + strlen(rd) + (extra ? strlen(extra) : 0) + 128;
    char *b = malloc(n);
    snprintf(b, n,
             "{\"quote\":\"%s\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"},"
             "\"nonce\":\"n\"%s}",
             q, rd, extra ? extra : "");
    free(rd);
    return b;
}

static struct maat_attest_ctx ctx_for(bool tdx, const struct maat_tdx_opts *to)
{
    return (struct maat_attest_ctx){
        .trust = trust,
        .at = AT,
        .collateral = collateral,
        .tdx = to,
        .policy = tdx ? pol_tdx : pol_sgx,
        .policy_hash = tdx ? hash_tdx : hash_sgx,
        .issuer = "https://maat.test",
        .jti = "0000000000000000000000000000000000000000000000000000000000000001",
    };
}

static json_t *payload_json(const struct maat_attest_result *r)
{
    json_error_t je;
    json_t *p = json_loadb((const char *)r->payload.data, r->payload.len, 0, &je);
    if (p == NULL) fail_msg("payload: %s", je.text);
    return p;
}

/* Runs `route` on a quote of status `tcb` (-1: sim default) with policy `pol` (NULL: the
 * route's default) or, for SGX, the draft policy text `draft`. */
static int attest(bool tdx, int tcb, const struct maat_policy *pol, const char *draft,
                  struct maat_attest_result *r)
{
    char *q = quote_b64(tdx, false, tcb);
    char extra[1024] = "";
    if (draft != NULL) {
        json_t *s = json_string(draft);
        char *t = json_dumps(s, JSON_ENCODE_ANY);
        snprintf(extra, sizeof extra, ",\"draftPolicyForAttestation\":%s", t);
        free(t);
        json_decref(s);
    }
    char *body = body_for(q, extra);
    struct maat_attest_ctx ctx = ctx_for(tdx, NULL);
    if (pol != NULL) ctx.policy = pol;
    int rc = maat_attest_run(&ctx, body, strlen(body),
                             tdx ? MAAT_ROUTE_TDX_VM : MAAT_ROUTE_SGX_ENCLAVE, r);
    free(body);
    free(q);
    return rc;
}

#define POL_ID(v)                                                                        \
    "version=1.1; configurationrules{=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", " \
    "value=\"" v "\");}; authorizationrules{=> permit();};"

static void must_run(int rc, const struct maat_attest_result *r)
{
    if (rc != 0)
        fail_msg("outcome %d: %s / %s / %s / %s", r->outcome, r->aerr.err.msg, r->err.msg,
                 r->perr.err.msg, r->verdict.reason);
}

/* the fix the token carries: target, first component have/need */
static void assert_fix_claim(const json_t *p, const char *target)
{
    const json_t *fix = json_object_get(p, "x-maat-tcb-fix");
    if (!json_is_object(fix)) fail_msg("no x-maat-tcb-fix in the token");
    assert_string_equal(json_string_value(json_object_get(fix, "target_status")), target);
    const json_t *c0 = json_array_get(json_object_get(fix, "components"), 0);
    assert_non_null(c0);
    assert_true(json_integer_value(json_object_get(c0, "have")) <
                json_integer_value(json_object_get(c0, "need")));
}

/* Defect: the pipeline dropped D2's x-maat-tcb-fix (maatd computed it in the old route). */
static void test_attest_run_sgx_out_of_date_token_carries_tcb_fix(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    must_run(attest(false, MAAT_SIM_TCB_OUT_OF_DATE, NULL, NULL, &r), &r);
    assert_int_equal(r.verdict.status, MAAT_TCB_OUT_OF_DATE);
    assert_true(r.have_tcb_fix);
    assert_true(r.tcb_fix.needed);
    json_t *p = payload_json(&r);
    assert_fix_claim(p, "UpToDate");
    const json_t *c0 = json_array_get(
        json_object_get(json_object_get(p, "x-maat-tcb-fix"), "components"), 0);
    assert_int_equal(json_integer_value(json_object_get(c0, "have")), r.tcb_fix.components[0].have);
    assert_int_equal(json_integer_value(json_object_get(c0, "need")), r.tcb_fix.components[0].need);
    json_decref(p);
    maat_attest_result_cleanup(&r);
}

static void test_attest_run_up_to_date_token_has_no_tcb_fix(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    must_run(attest(false, -1, NULL, NULL, &r), &r);
    assert_int_equal(r.verdict.status, MAAT_TCB_UP_TO_DATE);
    assert_false(r.have_tcb_fix);
    json_t *p = payload_json(&r);
    assert_null(json_object_get(p, "x-maat-tcb-fix"));
    json_decref(p);
    maat_attest_result_cleanup(&r);
}

/* The TdxVm route goes through the same pipeline: its tokens carry the fix too. */
static void test_attest_run_tdxvm_out_of_date_token_carries_tcb_fix(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    must_run(attest(true, MAAT_SIM_TCB_OUT_OF_DATE, NULL, NULL, &r), &r);
    assert_int_equal(r.verdict.status, MAAT_TCB_OUT_OF_DATE);
    assert_true(r.have_tcb_fix);
    json_t *p = payload_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "attester_tcb_status")), "OutOfDate");
    assert_fix_claim(p, "UpToDate");
    json_decref(p);
    maat_attest_result_cleanup(&r);
}

/* Defect: the pipeline dropped D2's x-ms-sgx-tcbidentifier check; a pinned baseline the
 * collateral does not carry (sim: 17) was issued a token. */
static void test_attest_run_tcbidentifier_not_held_fails_closed(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    assert_int_equal(attest(false, -1, NULL, POL_ID("18"), &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_INVALID_PARAMETER);
    assert_int_equal(r.tcb_baseline, 18);
    assert_int_equal(r.payload.len, 0);
    assert_non_null(strstr(r.aerr.err.msg, "selects TCB baseline 18 (x-ms-sgx-tcbidentifier)"));
    assert_non_null(
        strstr(r.aerr.err.msg, "tcbEvaluationDataNumber 17 (TCB info) and 17 (QE identity)"));
    maat_attest_result_cleanup(&r);

    /* the held number: issued, and named in the token */
    must_run(attest(false, -1, NULL, POL_ID("17"), &r), &r);
    assert_int_equal(r.tcb_baseline, 17);
    json_t *p = payload_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "x-ms-sgx-tcbidentifier")), "17");
    json_decref(p);
    maat_attest_result_cleanup(&r);

    must_run(attest(false, -1, NULL, POL_ID("azuredefault"), &r), &r);
    assert_int_equal(r.tcb_baseline, 0);
    maat_attest_result_cleanup(&r);
}

static void test_attest_run_tcbidentifier_not_a_baseline_is_policy_error(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_attest_result r;
    assert_int_equal(attest(false, -1, NULL, POL_ID("latest"), &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_POLICY_EVALUATION_ERROR);
    assert_int_equal(r.tcb_baseline, 0);
    assert_non_null(strstr(r.aerr.err.msg, "\"latest\""));
    maat_attest_result_cleanup(&r);
}

/* TdxVm: a stored policy pinning a number the TDX collateral lacks fails closed as well. */
static void test_attest_run_tdxvm_tcbidentifier_not_held_fails_closed(void **state)
{
    (void)state;
    memset(&cb, 0, sizeof cb);
    struct maat_policy *pol = NULL;
    char h[MAAT_POLICY_HASH_LEN + 1];
    assert_int_equal(load_policy(POL_ID("18"), &pol, h), 0);
    struct maat_attest_result r;
    assert_int_equal(attest(true, -1, pol, NULL, &r), -1);
    assert_int_equal(r.outcome, MAAT_ATTEST_TCB_BASELINE);
    assert_int_equal(r.aerr.code, MAAT_MAA_INVALID_PARAMETER);
    assert_int_equal(r.tcb_baseline, 18);
    maat_attest_result_cleanup(&r);
    maat_policy_free(pol);
}

static void test_tcb_identifier_parse_rule(void **state)
{
    (void)state;
    uint32_t n = 99;
    assert_int_equal(maat_tcb_identifier_parse(NULL, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(maat_tcb_identifier_parse("azuredefault", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(maat_tcb_identifier_parse("17", &n), 0);
    assert_int_equal(n, 17);
    assert_int_equal(maat_tcb_identifier_parse("2147483647", &n), 0);
    assert_int_equal(n, 2147483647u);
    static const char *const bad[] = {"",
                                      "0",
                                      "017",
                                      "-1",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1x",
                                      "2147483648",
                                      "99999999999999999999",
                                      "AzureDefault"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 5;
        if (maat_tcb_identifier_parse(bad[i], &n) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(n, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest_run_sgx_out_of_date_token_carries_tcb_fix),
        cmocka_unit_test(test_attest_run_up_to_date_token_has_no_tcb_fix),
        cmocka_unit_test(test_attest_run_tdxvm_out_of_date_token_carries_tcb_fix),
        cmocka_unit_test(test_attest_run_tcbidentifier_not_held_fails_closed),
        cmocka_unit_test(test_attest_run_tcbidentifier_not_a_baseline_is_policy_error),
        cmocka_unit_test(test_attest_run_tdxvm_tcbidentifier_not_held_fails_closed),
        cmocka_unit_test(test_tcb_identifier_parse_rule),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
