/*
 * sim.c - the `sim` quote provider: quotes from the simulated platform of src/sim (a
 * directory, created with default settings on first use). Stands in for SGX hardware in
 * tests and demos; its quotes chain to the simulated root that nothing trusts by default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim.h"
#include "attester_internal.h"

char *maat__attester_sim_default_dir(struct maat_error *err)
{
    const char *env = getenv(MAAT_ATTESTER_SIM_DIR_ENV);
    if (env != NULL && env[0] != '\0') {
        char *d = strdup(env);
        if (d == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return d;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        maat_error_set(err, MAAT_ERR_USAGE,
                       "sim provider: no platform directory: $%s and $HOME are unset",
                       MAAT_ATTESTER_SIM_DIR_ENV);
        return NULL;
    }
    size_t n = strlen(home) + sizeof "/.maat/sim";
    char *d = malloc(n);
    if (d == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(d, n, "%s/.maat/sim", home);
    return d;
}

/* mkdir -p for the parents of dir (the platform directory itself is made by sim_init). */
static int make_parents(const char *dir, struct maat_error *err)
{
    char *p = strdup(dir);
    if (p == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    int rc = 0;
    char *slash = strrchr(p, '/');
    if (slash != NULL && slash != p) {
        *slash = '\0';
        for (char *c = p + 1; *c != '\0' && rc == 0; c++) {
            if (*c != '/') continue;
            *c = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                rc = maat_error_set(err, MAAT_ERR_IO, "sim provider: cannot create %s: %s", p,
                                    strerror(errno));
            *c = '/';
        }
        if (rc == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
            rc = maat_error_set(err, MAAT_ERR_IO, "sim provider: cannot create %s: %s", p,
                                strerror(errno));
    }
    free(p);
    return rc;
}

int maat__attester_sim_open(struct maat_attester *a, const char *dir, bool no_create,
                            struct maat_error *err)
{
    a->kind = MAAT_ATTESTER_SIM;
    a->location = strdup(dir);
    if (a->location == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    size_t n = strlen(dir) + sizeof "/platform.json";
    char *pj = malloc(n);
    if (pj == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    snprintf(pj, n, "%s/platform.json", dir);
    struct stat st;
    bool exists = stat(pj, &st) == 0;
    free(pj);
    if (!exists) {
        if (no_create)
            return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                                  "sim provider: %s holds no simulated platform (no "
                                  "platform.json; create one with `maat sim init %s`)",
                                  dir, dir);
        struct maat_sim_init_opts o;
        maat_sim_init_opts_defaults(&o, (int64_t)time(NULL));
        if (make_parents(dir, err) != 0 || maat_sim_init(dir, &o, err) != 0) {
            maat_error_prefix(err, "sim provider: creating a platform in %s", dir);
            return -1;
        }
    }
    if (maat_sim_load(dir, &a->sim, err) != 0) {
        maat_error_prefix(err, "sim provider: loading %s", dir);
        return -1;
    }
    return 0;
}

int maat__attester_sim_quote(struct maat_attester *a, const uint8_t report_data[64],
                             struct maat_buf *out, struct maat_error *err)
{
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(a->sim, &o);
    memcpy(o.report_data, report_data, 64);
    if (maat_sim_quote(a->sim, &o, out, err) != 0) {
        maat_error_prefix(err, "sim provider (%s)", a->location);
        return -1;
    }
    return 0;
}

void maat__attester_sim_close(struct maat_attester *a)
{
    maat_sim_free(a->sim);
    a->sim = NULL;
}
