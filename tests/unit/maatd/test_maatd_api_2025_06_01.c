/* test_maatd_api_2025_06_01.c - issue 15: maatd refused api-version=2025-06-01 (MAA's
 * current data plane) with UnsupportedApiVersionValue. Now every route takes it; its errors
 * have the 2025 ErrorResponse shape {"error":{"code","message"}} plus the x-ms-error-code
 * header (maa-2025.md section 1), /certs and the OpenID document accept the api-version
 * 2025 lists for them, and the older versions keep their shape (innererror, no header).
 * Driven socketless through maatd_handle() on an in-memory maatd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handle.h"
#include "maat/policy_default.h"
#include "store.h"
#include "testutil.h"

#include "maatd_fixture.h"

static unsigned run(const char *method, const char *url, const char *body,
                    struct maatd_http_response *rs)
{
    return fx_run(method, url, "HTTP/1.1", &host, 1, body, false, rs);
}

/* An error answer of api-version 2025-06-01: exactly {"error":{"code":C,"message":M}},
 * x-ms-error-code: C. */
static void expect_2025_error(const char *method, const char *url, const char *body,
                              unsigned status, const char *code)
{
    struct maatd_http_response rs;
    unsigned st = run(method, url, body, &rs);
    if (st != status) fail_msg("%s %s: %u %.*s", method, url, st, (int)rs.len, rs.body);
    json_t *j = json_loadb(rs.body, rs.len, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 1);
    json_t *e = json_object_get(j, "error");
    assert_true(json_is_object(e));
    assert_int_equal(json_object_size(e), 2);
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    assert_true(json_string_length(json_object_get(e, "message")) > 0);
    assert_null(json_object_get(e, "innererror"));
    const char *h = fx_header(&rs, "x-ms-error-code");
    if (h == NULL) fail_msg("%s %s: no x-ms-error-code", method, url);
    assert_string_equal(h, code);
    json_decref(j);
    free(rs.body);
}

static void test_api_version_2025_06_01_accepted(void **state)
{
    (void)state;
    struct maatd_http_response rs;
    assert_int_equal(run("GET", "/policies/SgxEnclave?api-version=2025-06-01", NULL, &rs), 200);
    assert_non_null(strstr(rs.body, "\"token\""));
    assert_null(fx_header(&rs, "x-ms-error-code"));
    free(rs.body);
    assert_int_equal(run("GET", "/certificates?api-version=2025-06-01", NULL, &rs), 200);
    free(rs.body);
    /* listed (required) on /certs and OpenID metadata in 2025-06-01; optional before */
    assert_int_equal(run("GET", "/certs?api-version=2025-06-01", NULL, &rs), 200);
    assert_non_null(strstr(rs.body, "\"keys\""));
    free(rs.body);
    assert_int_equal(run("GET", "/certs", NULL, &rs), 200);
    free(rs.body);
    assert_int_equal(
        run("GET", "/.well-known/openid-configuration?api-version=2025-06-01", NULL, &rs), 200);
    assert_non_null(strstr(rs.body, "jwks_uri"));
    free(rs.body);
    assert_int_equal(run("GET", "/.well-known/openid-configuration", NULL, &rs), 200);
    free(rs.body);
}

static void test_api_version_2025_06_01_error_shape(void **state)
{
    (void)state;
    expect_2025_error("POST", "/attest/SgxEnclave?api-version=2025-06-01", "{", 400,
                      "InvalidParameter");
    expect_2025_error("POST", "/attest/OpenEnclave?api-version=2025-06-01", "{}", 400,
                      "InvalidParameter");
    expect_2025_error("PUT", "/policies/SgxEnclave?api-version=2025-06-01",
                      "eyJhbGciOiJub25lIn0.e30.", 401, "Unauthorized");
    expect_2025_error("DELETE", "/policies/SgxEnclave?api-version=2025-06-01", NULL, 405,
                      "MethodNotAllowed");
    /* an unknown version on /certs is refused (fail closed), in the old shape */
    struct maatd_http_response rs;
    assert_int_equal(run("GET", "/certs?api-version=2099-01-01", NULL, &rs), 400);
    assert_non_null(strstr(rs.body, "UnsupportedApiVersionValue"));
    assert_null(fx_header(&rs, "x-ms-error-code"));
    free(rs.body);
}

static void test_older_api_versions_keep_their_error_shape(void **state)
{
    (void)state;
    const char *urls[] = {"/attest/SgxEnclave?api-version=2022-08-01",
                          "/attest/SgxEnclave?api-version=2020-10-01"};
    for (size_t i = 0; i < 2; i++) {
        struct maatd_http_response rs;
        assert_int_equal(run("POST", urls[i], "{", &rs), 400);
        json_t *j = json_loadb(rs.body, rs.len, 0, NULL);
        assert_non_null(j);
        json_t *inner = json_object_get(json_object_get(j, "error"), "innererror");
        assert_string_equal(json_string_value(json_object_get(inner, "code")), "InvalidParameter");
        assert_non_null(json_object_get(inner, "message"));
        assert_null(fx_header(&rs, "x-ms-error-code"));
        json_decref(j);
        free(rs.body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_version_2025_06_01_accepted),
        cmocka_unit_test(test_api_version_2025_06_01_error_shape),
        cmocka_unit_test(test_older_api_versions_keep_their_error_shape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
