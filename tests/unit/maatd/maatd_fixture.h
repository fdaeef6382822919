/* maatd_fixture.h - an in-memory maatd for the socketless maatd tests (a SQLite store in a
 * temporary directory; setup/teardown for cmocka), the Host header every request carries,
 * and the request helpers (fx_run, fx_header, fx_expect), written once. Included by one
 * test file each (test_maatd_handle_socketless.c, test_maatd_route_table.c,
 * test_maatd_api_2025_06_01.c). */
#ifndef MAAT_TEST_MAATD_FIXTURE_H
#define MAAT_TEST_MAATD_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"
#include "maat/policy_default.h"
#include "store.h"
#include "testutil.h"

static struct maatd d;
static char *dir;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    dir = tu_tempdir();
    char store[512];
    snprintf(store, sizeof store, "%s/t.db", dir);
    maatd_config_defaults(&d.cfg);
    d.cfg.max_body = 1024;
    maatd_log_init("text");
    maatd_metrics_init(&d.metrics);
    if (maat_store_open(store, &d.store, &err) != 0) return -1;
    d.trust = maat_trust_new_intel(&err);
    d.pck_cache = maat_pck_cache_new(16, &err);
    if (d.trust == NULL || d.pck_cache == NULL) return -1;
    if (maat_policy_hash(maat_policy_default_sgx(), strlen(maat_policy_default_sgx()),
                         d.policy_hash, &err) != 0)
        return -1;
    static uint8_t token[] = "secret";
    d.admin_token = token;
    d.admin_token_len = 6;
    if (maatd_policies_open(&d, &err) != 0) return -1;
    snprintf(d.listen_url, sizeof d.listen_url, "http://127.0.0.1:1");
    snprintf(d.cert_issuer, sizeof d.cert_issuer, "http://127.0.0.1:1");
    if (maatd_keys_open(&d, false, &d.keys, &err) != 0) return -1;
    atomic_store(&d.ready, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maatd_policies_free(&d);
    maatd_keys_free(d.keys);
    maat_pck_cache_free(d.pck_cache);
    maat_trust_free(d.trust);
    maat_store_close(d.store);
    maatd_metrics_cleanup(&d.metrics);
    d.admin_token = NULL;
    maatd_config_free(&d.cfg);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return -1;
    free(dir);
    return 0;
}

static const struct maatd_header host = {"Host", "maa.example"};

/* One request through maatd_handle(); returns the status, rs->body (malloc'd) for the
 * caller. */
static inline unsigned fx_run(const char *method, const char *url, const char *version,
                              const struct maatd_header *hs, size_t nh, const char *body,
                              bool reserve, struct maatd_http_response *rs)
{
    struct maatd_http_request rq = {
        method, url, version, hs, nh, (const uint8_t *)body, body ? strlen(body) : 0, reserve};
    maatd_handle(&d, &rq, rs);
    assert_non_null(rs->body);
    return rs->status;
}

/* A response header's value, NULL when absent. */
static inline const char *fx_header(const struct maatd_http_response *rs, const char *name)
{
    for (size_t i = 0; i < rs->n_headers; i++)
        if (!strcmp(rs->headers[i].name, name)) return rs->headers[i].value;
    return NULL;
}

/* The request answers `status` with `in_body` in its body, and the headers every answer
 * carries. */
static inline void fx_expect(const char *method, const char *url, const char *version,
                             const struct maatd_header *hs, size_t nh, const char *body,
                             bool reserve, unsigned status, const char *in_body)
{
    struct maatd_http_response rs;
    unsigned st = fx_run(method, url, version, hs, nh, body, reserve, &rs);
    if (st != status || strstr(rs.body, in_body) == NULL)
        fail_msg("%s %s: %u %.*s (expected %u with \"%s\")", method, url, st, (int)rs.len, rs.body,
                 status, in_body);
    assert_non_null(fx_header(&rs, "x-ms-request-id"));
    assert_string_equal(fx_header(&rs, "x-ms-maa-service-version"), MAATD_VERSION);
    free(rs.body);
}

#endif /* MAAT_TEST_MAATD_FIXTURE_H */
