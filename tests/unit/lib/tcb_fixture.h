/* tcb_fixture.h - the environment of the TCB verdict tests (test_tcb_fix.c,
 * test_tcb_policy.c) and of test_recorded_claims.c: a sim platform created at NOW, a trust
 * set holding only the sim's root, its Processor-CA collateral bundle verified at AT. The
 * includer defines NOW and AT first. Included by one test file each. */
#ifndef MAAT_TEST_TCB_FIXTURE_H
#define MAAT_TEST_TCB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

static struct {
    char *dir;
    struct maat_sim *sim;
    struct maat_trust *trust;
    uint8_t *bundle_buf;
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input in;
    struct maat_verified_collateral *vc;
} E;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    memset(&E, 0, sizeof E);
    E.dir = tu_tempdir();
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    if (maat_sim_init(E.dir, &o, &err) != 0) fail_msg("sim init: %s", err.msg);
    if (maat_sim_load(E.dir, &E.sim, &err) != 0) fail_msg("sim load: %s", err.msg);
    E.trust = maat_trust_new_empty(&err);
    char path[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/root-ca.pem", E.dir);
    uint8_t *root = tu_read_file(path, &n);
    assert_non_null(root);
    assert_int_equal(maat_trust_add_root(E.trust, root, n, "maat simulated root", true, &err), 0);
    free(root);
    snprintf(path, sizeof path, "%s/collateral.json", E.dir);
    E.bundle_buf = tu_read_file(path, &n);
    assert_non_null(E.bundle_buf);
    if (maat_collateral_bundle_parse(E.bundle_buf, n, &E.bundle, &err) != 0)
        fail_msg("%s", err.msg);
    maat_collateral_input_from_bundle(&E.bundle, &E.in);
    if (maat_collateral_verify(&E.in, E.trust, AT, &E.vc, &err) != 0) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_verified_collateral_free(E.vc);
    maat_collateral_bundle_cleanup(&E.bundle);
    free(E.bundle_buf);
    maat_trust_free(E.trust);
    maat_sim_free(E.sim);
    free(E.dir);
    return 0;
}

#endif /* MAAT_TEST_TCB_FIXTURE_H */
