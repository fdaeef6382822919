/* test_attest_tdxvm_request.c - issue 15: POST /attest/TdxVm requests could not be parsed
 * or bound (maat__attest_request_parse knew SgxEnclave and OpenEnclave only). Route
 * MAAT_ROUTE_TDX_VM: `quote` is a TD quote, runtimeData binds to the TD report's
 * report_data[0:32] (maa-2025.md section 2), draftPolicyForAttestation and initTimeData
 * are refused (fail closed), an SGX quote is refused, and a TD quote stays refused on
 * the SgxEnclave route. The quotes come from the simulated platform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/quote.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1740787200 /* 2025-03-01T00:00:00Z */

static char *dir;
static struct maat_sim *sim;
static char *td_b64, *sgx_b64;
static const char data[] = "{\"pub\":\"key\"}";

static char *quote_b64(bool tdx, const uint8_t *ehd, size_t ehd_len)
{
    struct maat_sim_quote_opts o;
    struct maat_error err = {0};
    maat_sim_quote_opts_defaults(sim, &o);
    if (tdx) maat_sim_quote_opts_set_tdx(&o);
    if (maat_sim_quote_opts_set_ehd(&o, ehd, ehd_len, &err) != 0) return NULL;
    struct maat_buf q = {0};
    if (maat_sim_quote(sim, &o, &q, &err) != 0) {
        fprintf(stderr, "sim quote: %s\n", err.msg);
        return NULL;
    }
    char *s = maat_base64url_encode(q.data, q.len);
    maat_buf_cleanup(&q);
    return s;
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    struct maat_error err = {0};
    if (dir == NULL || maat_sim_init(dir, &o, &err) != 0 || maat_sim_load(dir, &sim, &err) != 0)
        return -1;
    td_b64 = quote_b64(true, (const uint8_t *)data, strlen(data));
    sgx_b64 = quote_b64(false, (const uint8_t *)data, strlen(data));
    return td_b64 && sgx_b64 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(td_b64);
    free(sgx_b64);
    maat_sim_free(sim);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return -1;
    free(dir);
    return 0;
}

/* Parses body for route, parses the quote, checks the bindings; returns the first
 * failure's message ("" when all pass) in msg. */
static int attest(enum maat_attest_route route, const char *body, char *msg, size_t cap)
{
    struct maat_attest_request req;
    struct maat_attest_error ae = {0};
    msg[0] = '\0';
    int rc = maat__attest_request_parse(body, strlen(body), route, &req, &ae);
    if (rc == 0) {
        struct maat_quote q;
        struct maat_error err = {0};
        rc = maat_quote_parse(req.evidence, req.evidence_len, &q, &err);
        if (rc != 0)
            snprintf(msg, cap, "%s", err.msg);
        else
            rc = maat__attest_check_bindings(&req, &q, &ae);
    }
    if (rc != 0 && msg[0] == '\0') {
        assert_int_equal(ae.code, MAAT_MAA_INVALID_PARAMETER);
        snprintf(msg, cap, "%s", ae.err.msg);
    }
    maat__attest_request_cleanup(&req);
    return rc;
}

static char *body(const char *quote, const char *runtime, const char *extra)
{
    char *b = malloc(strlen(quote) + 4096);
    sprintf(b, "{\"quote\":\"%s\"%s%s%s}", quote, runtime ? ",\"runtimeData\":{\"data\":\"" : "",
            runtime ? runtime : "", runtime ? "\",\"dataType\":\"JSON\"}" : "");
    if (extra) {
        b[strlen(b) - 1] = '\0';
        strcat(b, extra);
        strcat(b, "}");
    }
    return b;
}

static void test_tdxvm_runtime_data_bound_to_report_data(void **state)
{
    (void)state;
    char *rt = maat_base64url_encode((const uint8_t *)data, strlen(data));
    char msg[512];
    char *b = body(td_b64, rt, NULL);
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, b, msg, sizeof msg), 0);
    free(b);
    b = body(td_b64, NULL, ",\"nonce\":\"abc\"");
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, b, msg, sizeof msg), 0);
    free(b);
    /* other bytes: mismatch names runtimeData and report_data */
    char *other = maat_base64url_encode((const uint8_t *)"{\"pub\":\"other\"}", 15);
    b = body(td_b64, other, NULL);
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "runtimeData does not match the quote"));
    assert_non_null(strstr(msg, "report_data[0:32]"));
    free(b);
    free(other);
    free(rt);
    assert_string_equal(maat__attest_route_name(MAAT_ROUTE_TDX_VM), "TdxVm");
}

static void test_tdxvm_refuses_what_it_cannot_check(void **state)
{
    (void)state;
    char msg[512];
    char *b = body(td_b64, NULL, ",\"draftPolicyForAttestation\":\"version=1.0;\"");
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "draftPolicyForAttestation"));
    free(b);
    b = body(td_b64, NULL, ",\"initTimeData\":{\"data\":\"AA\",\"dataType\":\"Binary\"}");
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "initTimeData"));
    free(b);
    /* an SGX quote on TdxVm, a TD quote on SgxEnclave */
    b = body(sgx_b64, NULL, NULL);
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "cannot be attested as TdxVm"));
    free(b);
    b = body(td_b64, NULL, NULL);
    assert_int_equal(attest(MAAT_ROUTE_SGX_ENCLAVE, b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "expected an SGX quote"));
    free(b);
    /* missing quote names the route */
    assert_int_equal(attest(MAAT_ROUTE_TDX_VM, "{}", msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "POST /attest/TdxVm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdxvm_runtime_data_bound_to_report_data),
        cmocka_unit_test(test_tdxvm_refuses_what_it_cannot_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
