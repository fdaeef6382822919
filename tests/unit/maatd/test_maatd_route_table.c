/* test_maatd_route_table.c - issue 17: maatd's route table (src/maatd/routes.c) names each
 * path's handler function; maatd_route() is a loop over it instead of a switch. Every entry
 * still reaches its own handler with its own argument (attestation / policy type, :reset,
 * the certificates operation), answers 405 with its Allow list, and the TdxVm paths keep
 * their 2025-06-01 gate; the reserve listener serves exactly /healthz, /ready, /metrics
 * (route_reserve.c). Fixture as in test_maatd_handle_socketless.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"
#include "maat/policy_default.h"
#include "store.h"
#include "testutil.h"

#include "maatd_fixture.h"

/* path -> its handler: a string only that handler answers with */
static void test_each_path_reaches_its_handler(void **state)
{
    (void)state;
    const char *v22 = "?api-version=2022-08-01", *v25 = "?api-version=2025-06-01";
    char u[256];
    fx_expect("GET", "/certs", "HTTP/1.1", &host, 1, NULL, false, 200, "\"keys\"");
    fx_expect("GET", "/certs/", "HTTP/1.1", &host, 1, NULL, false, 200, "\"keys\"");
    fx_expect("GET", "/.well-known/openid-configuration", "HTTP/1.1", &host, 1, NULL, false, 200,
              "jwks_uri");
    fx_expect("POST", "/revoke", "HTTP/1.1", &host, 1, "token=x", false, 400,
              "unsupported_token_type");
    snprintf(u, sizeof u, "/attest/Tpm%s", v22);
    fx_expect("POST", u, "HTTP/1.1", &host, 1, "{}", false, 400,
              "Attestation type Tpm is not supported");
    snprintf(u, sizeof u, "/attest/SevSnpVm%s", v22);
    fx_expect("POST", u, "HTTP/1.1", &host, 1, "{}", false, 400,
              "Attestation type SevSnpVm is not supported");
    snprintf(u, sizeof u, "/attest/OpenEnclave%s", v22);
    fx_expect("POST", u, "HTTP/1.1", &host, 1, "{", false, 400, "InvalidParameter");
    snprintf(u, sizeof u, "/policies/SgxEnclave%s", v22);
    fx_expect("GET", u, "HTTP/1.1", &host, 1, NULL, false, 200, "\"token\"");
    snprintf(u, sizeof u, "/policies/OpenEnclave%s", v22);
    fx_expect("GET", u, "HTTP/1.1", &host, 1, NULL, false, 200, "\"token\"");
    snprintf(u, sizeof u, "/policies/TdxVm%s", v25);
    fx_expect("GET", u, "HTTP/1.1", &host, 1, NULL, false, 200, "\"token\"");
    snprintf(u, sizeof u, "/policies/SgxEnclave:reset%s", v22);
    fx_expect("POST", u, "HTTP/1.1", &host, 1, "", false, 401, "Unauthorized");
    snprintf(u, sizeof u, "/certificates%s", v22);
    fx_expect("GET", u, "HTTP/1.1", &host, 1, NULL, false, 200, "\"token\"");
    snprintf(u, sizeof u, "/certificates:add%s", v22);
    fx_expect("POST", u, "HTTP/1.1", &host, 1, "", false, 401, "Unauthorized");
    fx_expect("GET", "/metrics", "HTTP/1.1", &host, 1, NULL, false, 200, "# TYPE");
    fx_expect("GET", "/healthz", "HTTP/1.1", &host, 1, NULL, false, 200, "");
    fx_expect("GET", "/ready", "HTTP/1.1", &host, 1, NULL, false, 200, "");
}

/* a known path with another method: 405 with that entry's methods */
static void test_405_allow_per_entry(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path, *allow;
    } cases[] = {
        {"GET", "/attest/SgxEnclave", "POST"},
        {"GET", "/attest/TdxVm", "POST"},
        {"PUT", "/certs", "GET, HEAD"},
        {"GET", "/revoke", "POST"},
        {"DELETE", "/policies/TdxVm", "GET, HEAD, PUT"},
        {"GET", "/policies/OpenEnclave:reset", "POST"},
        {"GET", "/certificates:remove", "POST"},
        {"POST", "/tcbbaselines/SgxEnclave", "GET, HEAD"},
        {"POST", "/metrics", "GET, HEAD"},
        {"PUT", "/ready", "GET, HEAD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct maatd_http_response rs;
        char u[256];
        snprintf(u, sizeof u, "%s?api-version=2025-06-01", cases[i].path);
        unsigned st = fx_run(cases[i].method, u, "HTTP/1.1", &host, 1, NULL, false, &rs);
        if (st != 405 || fx_header(&rs, "Allow") == NULL ||
            strcmp(fx_header(&rs, "Allow"), cases[i].allow) != 0)
            fail_msg("%s %s: %u Allow %s (expected 405 Allow %s)", cases[i].method, cases[i].path, st,
                     fx_header(&rs, "Allow") ? fx_header(&rs, "Allow") : "(none)", cases[i].allow);
        free(rs.body);
    }
}

/* the TdxVm entries exist from api-version 2025-06-01 on; the SGX ones do not have the gate */
static void test_tdxvm_gate_from_table(void **state)
{
    (void)state;
    fx_expect("POST", "/attest/TdxVm?api-version=2022-08-01", "HTTP/1.1", &host, 1, "{}", false,
              400, "exists from api-version 2025-06-01 on");
    fx_expect("GET", "/policies/TdxVm?api-version=2020-10-01", "HTTP/1.1", &host, 1, NULL, false,
              400, "exists from api-version 2025-06-01 on");
    fx_expect("POST", "/policies/TdxVm:reset?api-version=2022-08-01", "HTTP/1.1", &host, 1, "",
              false, 400, "exists from api-version 2025-06-01 on");
    fx_expect("POST", "/attest/TdxVm", "HTTP/1.1", &host, 1, "{}", false, 400,
              "MissingApiVersionParameter");
    fx_expect("POST", "/policies/TdxVm:reset?api-version=2025-06-01", "HTTP/1.1", &host, 1, "",
              false, 401, "Unauthorized");
}

/* the reserve listener (route_reserve.c) serves exactly the three reserve paths */
static void test_reserve_paths(void **state)
{
    (void)state;
    assert_true(maatd_route_is_reserve("/healthz"));
    assert_true(maatd_route_is_reserve("/ready"));
    assert_true(maatd_route_is_reserve("/metrics"));
    assert_false(maatd_route_is_reserve("/certs"));
    assert_false(maatd_route_is_reserve("/healthz/"));
    assert_false(maatd_route_is_reserve("/metric"));
    assert_false(maatd_route_is_reserve(""));
    fx_expect("GET", "/metrics", "HTTP/1.1", &host, 1, NULL, true, 200, "# TYPE");
    fx_expect("GET", "/ready", "HTTP/1.1", &host, 1, NULL, true, 200, "");
    fx_expect("GET", "/.well-known/openid-configuration", "HTTP/1.1", &host, 1, NULL, true, 404,
              "on the reserve listener");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_path_reaches_its_handler),
        cmocka_unit_test(test_405_allow_per_entry),
        cmocka_unit_test(test_tdxvm_gate_from_table),
        cmocka_unit_test(test_reserve_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
