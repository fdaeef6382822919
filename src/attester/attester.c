/*
 * attester.c - choosing a quote provider (sim, gramine, auto) and checking what it
 * returns: every quote is parsed and its report_data compared with the request before a
 * caller sees it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "maat/quote.h"
#include "attester_internal.h"

const char *maat_attester_kind_name(enum maat_attester_kind k)
{
    switch (k) {
    case MAAT_ATTESTER_AUTO: return "auto";
    case MAAT_ATTESTER_SIM: return "sim";
    case MAAT_ATTESTER_GRAMINE: return "gramine";
    }
    return "unknown";
}

int maat_attester_kind_from_name(const char *name, enum maat_attester_kind *out)
{
    static const enum maat_attester_kind all[] = {MAAT_ATTESTER_AUTO, MAAT_ATTESTER_SIM,
                                                  MAAT_ATTESTER_GRAMINE};
    for (size_t i = 0; name && i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, maat_attester_kind_name(all[i]))) {
            *out = all[i];
            return 0;
        }
    return -1;
}

bool maat_attester_gramine_available(const char *dir)
{
    struct maat_error e = {0};
    return maat__attester_gramine_probe(maat_attester_gramine_dir(dir), &e) == 1;
}

static int open_gramine(struct maat_attester *a, const char *dir, struct maat_error *err)
{
    int r = maat__attester_gramine_probe(dir, err);
    if (r < 0) return -1;
    if (r == 0)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              "gramine provider: %s/quote does not exist: not running inside a "
                              "Gramine SGX enclave (gramine-sgx) with remote attestation "
                              "(set $%s to use another directory)",
                              dir, MAAT_ATTESTER_GRAMINE_DIR_ENV);
    a->kind = MAAT_ATTESTER_GRAMINE;
    a->location = strdup(dir);
    if (a->location == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

static int open_sim(struct maat_attester *a, const char *dir, bool no_create, struct maat_error *err)
{
    char *owned = NULL;
    if (dir == NULL) {
        owned = maat__attester_sim_default_dir(err);
        if (owned == NULL) return -1;
        dir = owned;
    }
    int rc = maat__attester_sim_open(a, dir, no_create, err);
    free(owned);
    return rc;
}

/* auto: Gramine when its interface is there; the simulator only when a platform directory
 * was named explicitly (never a silent fallback to simulated quotes). */
static int open_auto(struct maat_attester *a, const struct maat_attester_config *cfg,
                     struct maat_error *err)
{
    const char *gdir = maat_attester_gramine_dir(cfg->gramine_dir);
    struct maat_error probe = {0};
    int r = maat__attester_gramine_probe(gdir, &probe);
    if (r == 1) return open_gramine(a, gdir, err);
    if (r < 0) {
        /* Inside Gramine but unusable: say so rather than quietly simulating. */
        maat_error_set(err, probe.code, "%s", probe.msg);
        return -1;
    }
    const char *sdir = cfg->sim_dir;
    if (sdir == NULL) {
        const char *env = getenv(MAAT_ATTESTER_SIM_DIR_ENV);
        if (env != NULL && env[0] != '\0') sdir = env;
    }
    if (sdir != NULL) return open_sim(a, sdir, cfg->sim_no_create, err);
    return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                          "no quote provider available: not inside a Gramine SGX enclave "
                          "(%s/quote not found; $%s overrides the directory) and no simulated "
                          "platform named (choose the sim provider, give a platform directory, "
                          "or set $%s)",
                          gdir, MAAT_ATTESTER_GRAMINE_DIR_ENV, MAAT_ATTESTER_SIM_DIR_ENV);
}

int maat_attester_open(const struct maat_attester_config *cfg, struct maat_attester **out,
                       struct maat_error *err)
{
    static const struct maat_attester_config defaults = {0};
    if (cfg == NULL) cfg = &defaults;
    *out = NULL;
    struct maat_attester *a = calloc(1, sizeof *a);
    if (a == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    int rc;
    switch (cfg->kind) {
    case MAAT_ATTESTER_SIM: rc = open_sim(a, cfg->sim_dir, cfg->sim_no_create, err); break;
    case MAAT_ATTESTER_GRAMINE:
        rc = open_gramine(a, maat_attester_gramine_dir(cfg->gramine_dir), err);
        break;
    case MAAT_ATTESTER_AUTO: rc = open_auto(a, cfg, err); break;
    default: rc = maat_error_set(err, MAAT_ERR_USAGE, "unknown quote provider %d", (int)cfg->kind);
    }
    if (rc != 0) {
        maat_attester_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void maat_attester_free(struct maat_attester *a)
{
    if (a == NULL) return;
    maat__attester_sim_close(a);
    free(a->location);
    free(a);
}

enum maat_attester_kind maat_attester_kind(const struct maat_attester *a)
{
    return a->kind;
}

const char *maat_attester_location(const struct maat_attester *a)
{
    return a->location;
}

/* A provider's answer must be an SGX quote over exactly the report data requested. */
static int check_quote(const struct maat_attester *a, const uint8_t *p, size_t len,
                       const uint8_t report_data[64], struct maat_error *err)
{
    struct maat_quote q;
    if (maat_quote_parse(p, len, &q, err) != 0) {
        maat_error_prefix(err, "%s provider returned an unparsable quote",
                          maat_attester_kind_name(a->kind));
        return -1;
    }
    MAAT_ENSURE(q.body_type == MAAT_BODY_SGX, err, MAAT_ERR_UNSUPPORTED,
                "%s provider returned a quote without an SGX report body (tee_type 0x%x)",
                maat_attester_kind_name(a->kind), q.tee_type);
    MAAT_ENSURE(memcmp(q.report_body.report_data, report_data, 64) == 0, err, MAAT_ERR_VALUE,
                "%s provider returned a quote whose report_data differs from the 64 bytes "
                "written (another thread or process using %s at the same time?)",
                maat_attester_kind_name(a->kind), a->location);
    return 0;
}

int maat_attester_quote(struct maat_attester *a, const uint8_t report_data[64],
                        struct maat_buf *out, struct maat_error *err)
{
    MAAT_ENSURE(a != NULL && report_data != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "attester: provider, report data and output are required");
    size_t start = out->len;
    int rc = a->kind == MAAT_ATTESTER_SIM ? maat__attester_sim_quote(a, report_data, out, err)
                                          : maat__attester_gramine_quote(a, report_data, out, err);
    if (rc == 0) rc = check_quote(a, out->data + start, out->len - start, report_data, err);
    if (rc != 0) out->len = start;
    return rc;
}

void maat_attester_ehd_report_data(const uint8_t *ehd, size_t len, uint8_t report_data[64])
{
    memset(report_data, 0, 64);
    SHA256(ehd ? ehd : (const uint8_t *)"", len, report_data);
}

int maat_attester_quote_ehd(struct maat_attester *a, const uint8_t *ehd, size_t len,
                            struct maat_buf *out, struct maat_error *err)
{
    uint8_t rd[64];
    maat_attester_ehd_report_data(ehd, len, rd);
    return maat_attester_quote(a, rd, out, err);
}
