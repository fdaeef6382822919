/* sim_fixture.c - the simulated platform fixture of the cmocka tests (sim_fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fixture.h"
#include "testutil.h"

uint8_t *sim_fixture_read(const struct sim_fixture *f, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    uint8_t *p = tu_read_file(path, len);
    if (p == NULL) fail_msg("sim fixture: cannot read %s", path);
    return p;
}

void sim_fixture_setup(struct sim_fixture *f, int64_t now, const struct maat_sim_init_opts *opts)
{
    struct maat_error err = {0};
    memset(f, 0, sizeof *f);
    f->dir = tu_tempdir();
    if (f->dir == NULL) fail_msg("sim fixture: no temporary directory");
    struct maat_sim_init_opts o;
    if (opts != NULL)
        o = *opts;
    else
        maat_sim_init_opts_defaults(&o, now);
    if (maat_sim_init(f->dir, &o, &err) != 0) fail_msg("sim init: %s", err.msg);
    if (maat_sim_load(f->dir, &f->sim, &err) != 0) fail_msg("sim load: %s", err.msg);
    f->trust = maat_trust_new_intel(&err);
    if (f->trust == NULL) fail_msg("trust: %s", err.msg);
    size_t n;
    uint8_t *root = sim_fixture_read(f, "root-ca.pem", &n);
    int r = maat_trust_add_root(f->trust, root, n, "maat simulated root", true, &err);
    free(root);
    if (r != 0) fail_msg("sim root: %s", err.msg);
    static const char *const names[2] = {"collateral.json", "collateral-platform.json"};
    for (int i = 0; i < 2; i++) {
        f->bundle_buf[i] = sim_fixture_read(f, names[i], &n);
        if (maat_collateral_bundle_parse(f->bundle_buf[i], n, &f->bundle[i], &err) != 0)
            fail_msg("%s: %s", names[i], err.msg);
        maat_collateral_input_from_bundle(&f->bundle[i], &f->in[i]);
    }
}

void sim_fixture_teardown(struct sim_fixture *f)
{
    for (int i = 0; i < 2; i++) {
        maat_collateral_bundle_cleanup(&f->bundle[i]);
        free(f->bundle_buf[i]);
    }
    maat_trust_free(f->trust);
    maat_sim_free(f->sim);
    free(f->dir);
    memset(f, 0, sizeof *f);
}

void sim_fixture_quote(const struct sim_fixture *f, const struct maat_sim_quote_opts *o,
                       struct maat_buf *out)
{
    struct maat_error err = {0};
    struct maat_sim_quote_opts d;
    if (o == NULL) {
        maat_sim_quote_opts_defaults(f->sim, &d);
        o = &d;
    }
    maat_buf_init(out);
    if (maat_sim_quote(f->sim, o, out, &err) != 0) fail_msg("sim quote: %s", err.msg);
}
