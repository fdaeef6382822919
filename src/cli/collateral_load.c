/* collateral_load.c - collateral for CLI commands from a bundle, a directory or a PCCS. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maat/pck.h"
#include "maat/time_parse.h"
#include "cli.h"
#include "collateral_load.h"
#include "collateral_source.h"

void cli_quote_pck_hint(const struct maat_quote *q, const uint8_t *pck_pem, size_t pck_len,
                        uint8_t fmspc[6], enum maat_pck_ca *ca)
{
    struct maat_error e = {0};
    const uint8_t *p = pck_pem;
    size_t n = pck_len;
    if (q->cert_data.type == MAAT_CERT_PCK_CHAIN) {
        p = q->cert_data.data.ptr;
        n = q->cert_data.data.len;
    }
    struct maat_pck_info info;
    if (p == NULL || n == 0 || maat_pck_info_from_chain(p, n, &info, &e) != 0) return;
    memcpy(fmspc, info.fmspc, 6);
    *ca = info.ca;
}

/* A directory of PCS files or a PCCS: fetch raw collateral for the quote's FMSPC and CA. */
static int load_from_source(struct maat_collateral_source *src, const uint8_t fmspc[6],
                            enum maat_pck_ca ca, struct cli_collateral *out, struct maat_error *err)
{
    struct maat_collateral_raw *raw = calloc(1, sizeof *raw);
    if (raw == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    maat_collateral_raw_init(raw);
    out->raw_source = raw;
    if (ca == MAAT_PCK_CA_UNKNOWN) ca = MAAT_PCK_CA_PROCESSOR;
    if (maat_collateral_source_fetch(src, fmspc, ca, time(NULL), raw, err) != 0) return -1;
    maat_collateral_raw_input(raw, &out->input);
    return 0;
}

int cli_collateral_load(const char *path, const char *url, const uint8_t fmspc[6],
                        enum maat_pck_ca ca, struct cli_collateral *out, struct maat_error *err)
{
    return cli_collateral_load_tee(path, url, false, fmspc, ca, out, err);
}

int cli_collateral_load_tee(const char *path, const char *url, bool tdx, const uint8_t fmspc[6],
                            enum maat_pck_ca ca, struct cli_collateral *out, struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    struct maat_collateral_source *src = NULL;
    int rc;
    if (url != NULL) {
        struct maat_pccs_opts o;
        maat_pccs_opts_defaults(&o);
        o.base_url = url;
        o.tdx = tdx;
        if (!strcmp(url, "intel")) {
            o.base_url = "https://api.trustedservices.intel.com";
        } else if (!strcmp(url, "azure")) {
            MAAT_ENSURE(!tdx, err, MAAT_ERR_USAGE,
                        "--pccs azure: THIM has no global TDX base; give the regional URL");
            o.base_url = "https://global.acccache.azure.net";
            o.scheme = MAAT_PCCS_SCHEME_THIM;
        }
        if (maat_collateral_pccs_source_new(&o, &src, err) != 0) return -1;
        rc = load_from_source(src, fmspc, ca, out, err);
        maat_collateral_source_free(src);
        return rc;
    }
    struct stat st;
    if (stat(path, &st) != 0) return maat_error_set(err, MAAT_ERR_IO, "%s: not found", path);
    if (S_ISDIR(st.st_mode)) {
        if (maat_collateral_dir_source_new(path, &src, err) != 0) return -1;
        rc = load_from_source(src, fmspc, ca, out, err);
        maat_collateral_source_free(src);
        return rc;
    }
    if (cli_read_file(path, MAAT_COLLATERAL_MAX_INPUT, &out->raw, &out->raw_len, err) != 0)
        return -1;
    if (maat_collateral_bundle_parse(out->raw, out->raw_len, &out->bundle, err) != 0) {
        maat_error_prefix(err, "%s", path);
        return -1;
    }
    maat_collateral_input_from_bundle(&out->bundle, &out->input);
    return 0;
}

void cli_collateral_cleanup(struct cli_collateral *c)
{
    maat_collateral_bundle_cleanup(&c->bundle);
    free(c->raw);
    if (c->raw_source) {
        maat_collateral_raw_cleanup(c->raw_source);
        free(c->raw_source);
    }
    memset(c, 0, sizeof *c);
}

int cli_collateral_exit(const char *url, const struct maat_error *err)
{
    if (err->code == MAAT_ERR_NOMEM || err->code == MAAT_ERR_INTERNAL) return MAAT_EXIT_INTERNAL;
    if (url != NULL && err->code == MAAT_ERR_IO) return MAAT_EXIT_INTERNAL;
    return MAAT_EXIT_INPUT;
}

int cli_parse_time_err(const char *field, const char *s, time_t *out, struct maat_error *err)
{
    int64_t t;
    if (maat_time_parse(field, s, &t, err) != 0) return -1;
    *out = (time_t)t;
    return 0;
}

int cli_parse_time(const char *s, time_t *out)
{
    struct maat_error err = {0};
    return cli_parse_time_err("--at", s, out, &err);
}
