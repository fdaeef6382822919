/* maatd_fixture.h - an in-memory maatd for the socketless maatd tests (a SQLite store in a
 * temporary directory; setup/teardown for cmocka) and the Host header every request carries.
 * Included by one test file each (test_maatd_handle_socketless.c, test_maatd_route_table.c,
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

#endif /* MAAT_TEST_MAATD_FIXTURE_H */
