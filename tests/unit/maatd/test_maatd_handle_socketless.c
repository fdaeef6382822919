/* test_maatd_handle_socketless.c - issue 12 Proof / issue 17: maatd's request handling was
 * tied to libmicrohttpd connections (no harness could reach it without sockets, and routes.c
 * and server.c called each other). maatd_handle() (src/maatd/handle.c) now takes a request
 * as plain data; the checks the server made before routing (encoded NUL, query parameter
 * count, Host, Transfer-Encoding, the reserve listener's limit, --max-body) run there too.
 * An in-memory maatd (SQLite store in a temporary directory) answers each case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"
#include "maat/policy_default.h"
#include "store.h"
#include "testutil.h"

#include "maatd_fixture.h"

static void test_routes_without_sockets(void **state)
{
    (void)state;
    fx_expect("GET", "/certs", "HTTP/1.1", &host, 1, NULL, false, 200, "\"keys\"");
    fx_expect("GET", "/policies/SgxEnclave?api-version=2022-08-01", "HTTP/1.1", &host, 1, NULL,
              false, 200, "\"token\"");
    fx_expect("GET", "/policies/SgxEnclave", "HTTP/1.1", &host, 1, NULL, false, 400,
              "MissingApiVersionParameter");
    fx_expect("GET", "/policies/SgxEnclave?api-version=2019-01-01", "HTTP/1.1", &host, 1, NULL,
              false, 400, "UnsupportedApiVersionValue");
    fx_expect("GET", "/policies/SgxEnclave?x=1&api%2Dversion=2020%2D10%2D01", "HTTP/1.1", &host, 1,
              NULL, false, 200, "\"token\""); /* decoded as libmicrohttpd decodes it */
    fx_expect("GET", "/nowhere", "HTTP/1.1", &host, 1, NULL, false, 404, "No route for GET /nowhere");
    fx_expect("GET", "/attest/%FFx", "HTTP/1.1", &host, 1, NULL, false, 404, "/attest/\\\\xffx");
    fx_expect("POST", "/attest/SgxEnclave?api-version=2022-08-01", "HTTP/1.1", &host, 1, "{", false,
              400, "InvalidParameter");
    /* management writes: the bearer token from the header list */
    fx_expect("PUT", "/policies/SgxEnclave?api-version=2022-08-01", "HTTP/1.1", &host, 1,
              "eyJhbGciOiJub25lIn0.e30.", false, 401, "Unauthorized");
    struct maatd_header auth[] = {host, {"authorization", "Bearer wrong"}};
    fx_expect("PUT", "/policies/SgxEnclave?api-version=2022-08-01", "HTTP/1.1", auth, 2,
              "eyJhbGciOiJub25lIn0.e30.", false, 401, "Unauthorized");
}

static void test_allow_header(void **state)
{
    (void)state;
    struct maatd_http_response rs;
    assert_int_equal(fx_run("DELETE", "/policies/SgxEnclave?api-version=2022-08-01", "HTTP/1.1",
                            &host, 1, NULL, false, &rs),
                     405);
    assert_string_equal(fx_header(&rs, "Allow"), "GET, HEAD, PUT");
    assert_string_equal(fx_header(&rs, "Content-Type"), "application/json; charset=utf-8");
    free(rs.body);
}

/* the checks server.c made on the connection before routing now run here */
static void test_head_checks_before_routing(void **state)
{
    (void)state;
    fx_expect("GET", "/certs%00x", "HTTP/1.1", &host, 1, NULL, false, 400,
              "encoded NUL (%00) at offset 6");
    char url[512] = "/certs?";
    for (int i = 0; i < 33; i++) strcat(url, i ? "&a=1" : "a=1");
    fx_expect("GET", url, "HTTP/1.1", &host, 1, NULL, false, 400, "has 33 query parameters");
    fx_expect("GET", "/certs", "HTTP/1.1", NULL, 0, NULL, false, 400, "Header Host: 0 present");
    fx_expect("GET", "/certs", "HTTP/1.0", NULL, 0, NULL, false, 200, "\"keys\"");
    struct maatd_header two[] = {host, {"HOST", "b.example"}};
    fx_expect("GET", "/certs", "HTTP/1.1", two, 2, NULL, false, 400, "Header Host: 2 present");
    struct maatd_header te[] = {host, {"Transfer-Encoding", "gzip, chunked"}};
    fx_expect("POST", "/revoke", "HTTP/1.1", te, 2, "x", false, 501, "only `chunked` is implemented");
    struct maatd_header te2[] = {host, {"Transfer-Encoding", "chunked"}, {"Content-Length", "1"}};
    fx_expect("POST", "/revoke", "HTTP/1.1", te2, 3, "x", false, 400, "no Content-Length with it");
    fx_expect("GET", "/certs", "HTTP/1.1", &host, 1, NULL, true, 404, "on the reserve listener");
    fx_expect("GET", "/healthz", "HTTP/1.1", &host, 1, NULL, true, 200, "");
    char big[2048];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fx_expect("POST", "/attest/SgxEnclave?api-version=2022-08-01", "HTTP/1.1", &host, 1, big, false,
              413, "exceeds the limit of 1024 bytes");
    fx_expect("POST", "/nowhere", "HTTP/1.1", &host, 1, big, false, 404, "No route"); /* 404 first */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_without_sockets),
        cmocka_unit_test(test_allow_header),
        cmocka_unit_test(test_head_checks_before_routing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
