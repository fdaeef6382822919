/* sim_fixture.h - the simulated platform most cmocka tests start from, written once: a
 * `maat sim init` directory in a fresh temporary directory, the loaded sim, a trust set
 * (Intel's root + the sim's root, marked simulated) and both collateral bundles parsed
 * ([0] Processor CA CRL: collateral.json, [1] Platform CA CRL: collateral-platform.json). */
#ifndef MAAT_TEST_SIM_FIXTURE_H
#define MAAT_TEST_SIM_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "maat/bytes.h"
#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "sim.h"

struct sim_fixture {
    char *dir; /* the sim directory (a fresh temporary one) */
    struct maat_sim *sim;
    struct maat_trust *trust; /* Intel + the sim root */
    uint8_t *bundle_buf[2];
    struct maat_collateral_bundle bundle[2];
    struct maat_collateral_input in[2]; /* [0] Processor CA, [1] Platform CA */
};

/* Creates the sim at `now` (opts NULL: maat_sim_init_opts_defaults(now)); fails the
 * running cmocka test (fail_msg) when anything cannot be set up. */
void sim_fixture_setup(struct sim_fixture *f, int64_t now, const struct maat_sim_init_opts *opts);
void sim_fixture_teardown(struct sim_fixture *f);

/* A file of the sim directory, read whole (fails the test when it cannot be read). */
uint8_t *sim_fixture_read(const struct sim_fixture *f, const char *name, size_t *len);

/* A quote from the sim with o (NULL: maat_sim_quote_opts_defaults) into out (initialised
 * here; the caller's maat_buf_cleanup). Fails the test on error. */
void sim_fixture_quote(const struct sim_fixture *f, const struct maat_sim_quote_opts *o,
                       struct maat_buf *out);

#endif
