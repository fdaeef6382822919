/* sim_dir_fixture.h - the sim tests' platform directory, written once: a simulated platform
 * created and loaded in a fresh temporary directory (cmocka group set-up), removed at
 * tear-down, and read_in() for its files (test_sim.c, test_sim_collateral.c,
 * test_sim_tdx.c). Included by one test file each. */
#ifndef MAAT_TEST_SIM_DIR_FIXTURE_H
#define MAAT_TEST_SIM_DIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "sim.h"
#include "testutil.h"

static char *dir;
static struct maat_sim *sim;

/* Creates the platform with `o` in a fresh directory and loads it. 0, or -1 (said). */
static inline int sim_dir_open(const struct maat_sim_init_opts *o)
{
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    struct maat_error err = {0};
    if (maat_sim_init(dir, o, &err) != 0 || maat_sim_load(dir, &sim, &err) != 0) {
        fprintf(stderr, "sim init/load: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Frees the platform and removes its directory. 0, or -1. */
static inline int sim_dir_close(void)
{
    maat_sim_free(sim);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    free(dir);
    return rc == 0 ? 0 : -1;
}

/* A file of the platform directory, read whole (fails the test when it cannot be read). */
static inline uint8_t *read_in(const char *rel, size_t *len)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    uint8_t *b = tu_read_file(p, len);
    if (b == NULL) fail_msg("cannot read %s", p);
    return b;
}

#endif /* MAAT_TEST_SIM_DIR_FIXTURE_H */
