/*
 * bundle.c - collateral from dcap-qvl layout JSON files (docs/collateral.md): chains as
 * PEM text, CRLs as hex DER, the TCB info and QE identity as the exact signed body
 * text with separate hex signatures. One file per PCK CA; the PCK CRL's issuer must be
 * the CA the file is configured for, and the TCB info must name the requested FMSPC.
 * A file holds one TEE's collateral: a TCB info with id TDX (and the TD_QE identity) is
 * served only for TDX, any other only for SGX (NOT_FOUND naming the file otherwise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "source_internal.h"

struct bundle_source {
    struct maat_collateral_source base;
    char *path[3]; /* indexed by enum maat_pck_ca */
};

/* Copies string member `key` of o into b (optionally hex-decoding it). */
static int take(json_t *o, const char *key, bool hex, struct maat_buf *b, const char *path,
                struct maat_error *err)
{
    json_t *v = json_object_get(o, key);
    MAAT_ENSURE(json_is_string(v), err, v == NULL ? MAAT_ERR_NOT_FOUND : MAAT_ERR_VALUE,
                "bundle %s: \"%s\" must be a string", path, key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!hex) {
        MAAT_ENSURE(maat_buf_put(b, s, n) == 0, err, MAAT_ERR_NOMEM, "out of memory");
        return 0;
    }
    uint8_t *der = NULL;
    size_t dlen = 0;
    if (maat_hex_decode(s, n, key, &der, &dlen, err) != 0) {
        maat_error_prefix(err, "bundle %s", path);
        return -1;
    }
    int bad = maat_buf_put(b, der, dlen);
    free(der);
    MAAT_ENSURE(!bad, err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

/* A bundle holds one TEE's collateral: its TCB info id says which (absent = SGX). */
static int check_tee(const struct maat_buf *tcb, const char *path, bool tdx, struct maat_error *err)
{
    json_error_t je;
    json_t *t = json_loadb((const char *)tcb->data, tcb->len, 0, &je);
    const char *id = json_string_value(json_object_get(t, "id"));
    bool is_tdx = id != NULL && !strcmp(id, "TDX");
    if (is_tdx != tdx)
        maat_error_set(err, MAAT_ERR_NOT_FOUND,
                       "bundle %s: holds %s collateral (tcb_info id %.16s), not %s", path,
                       is_tdx ? "TDX" : "SGX", id != NULL ? id : "absent", tdx ? "TDX" : "SGX");
    json_decref(t); /* id points into it */
    return is_tdx == tdx ? 0 : -1;
}

static int bundle_fetch_tee(struct maat_collateral_source *s, const uint8_t fmspc[6],
                            enum maat_pck_ca ca, bool tdx, struct maat_collateral_raw *out,
                            struct maat_error *err)
{
    struct bundle_source *b = (struct bundle_source *)(void *)s;
    const char *path = b->path[ca];
    MAAT_ENSURE(path != NULL, err, MAAT_ERR_NOT_FOUND,
                "bundle source: no bundle configured for the PCK %s CA", maat_pck_ca_name(ca));
    struct maat_buf file;
    maat_buf_init(&file);
    json_t *o = NULL;
    int rc = -1;
    if (src_read_file(path, MAAT_COLLATERAL_MAX_INPUT, &file, err) != 0) goto done;
    json_error_t je;
    o = json_loadb((const char *)file.data, file.len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        maat_error_set(err, MAAT_ERR_ENCODING, "bundle %s: not a JSON object (%s at offset %d)",
                       path, o == NULL ? je.text : "wrong type", o == NULL ? je.position : 0);
        goto done;
    }
    if (take(o, "pck_crl_issuer_chain", false, &out->pck_crl_issuer_chain, path, err) ||
        take(o, "root_ca_crl", true, &out->root_ca_crl, path, err) ||
        take(o, "pck_crl", true, &out->pck_crl, path, err) ||
        take(o, "tcb_info_issuer_chain", false, &out->tcb_info_issuer_chain, path, err) ||
        take(o, "tcb_info", false, &out->tcb_info_body, path, err) ||
        take(o, "tcb_info_signature", false, &out->tcb_info_signature, path, err) ||
        take(o, "qe_identity_issuer_chain", false, &out->qe_identity_issuer_chain, path, err) ||
        take(o, "qe_identity", false, &out->qe_identity_body, path, err) ||
        take(o, "qe_identity_signature", false, &out->qe_identity_signature, path, err))
        goto done;
    char what[400];
    snprintf(what, sizeof what, "bundle %s: pck_crl", path);
    enum maat_pck_ca got;
    if (src_crl_issuer_ca(out->pck_crl.data, out->pck_crl.len, what, &got, err) != 0) goto done;
    if (got != ca) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "bundle %s: pck_crl is issued by the %s CA, configured for the %s CA", path,
                       maat_pck_ca_name(got), maat_pck_ca_name(ca));
        goto done;
    }
    snprintf(what, sizeof what, "bundle %s: tcb_info", path);
    if (src_check_tcb_fmspc(out->tcb_info_body.data, out->tcb_info_body.len, 0, fmspc, what, err) !=
            0 ||
        check_tee(&out->tcb_info_body, path, tdx, err) != 0)
        goto done;
    snprintf(out->origin, sizeof out->origin, "%.250s", path);
    rc = 0;
done:
    json_decref(o);
    maat_buf_cleanup(&file);
    return rc;
}

static int bundle_fetch(struct maat_collateral_source *s, const uint8_t fmspc[6], enum maat_pck_ca ca,
                        time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    (void)at;
    return bundle_fetch_tee(s, fmspc, ca, false, out, err);
}

static int bundle_fetch_tdx(struct maat_collateral_source *s, const uint8_t fmspc[6],
                            enum maat_pck_ca ca, time_t at, struct maat_collateral_raw *out,
                            struct maat_error *err)
{
    (void)at;
    return bundle_fetch_tee(s, fmspc, ca, true, out, err);
}

static void bundle_free(struct maat_collateral_source *s)
{
    struct bundle_source *b = (struct bundle_source *)(void *)s;
    for (size_t i = 0; i < 3; i++) free(b->path[i]);
    free(b);
}

static const struct maat_collateral_source_ops bundle_ops = {
    .kind = "bundle", .fetch = bundle_fetch, .free = bundle_free, .fetch_tdx = bundle_fetch_tdx};

int maat_collateral_bundle_source_new(const char *processor_path, const char *platform_path,
                                      struct maat_collateral_source **out, struct maat_error *err)
{
    MAAT_ENSURE(out != NULL && (processor_path != NULL || platform_path != NULL), err,
                MAAT_ERR_USAGE, "bundle source: give at least one bundle file");
    *out = NULL;
    struct bundle_source *b = calloc(1, sizeof *b);
    MAAT_ENSURE(b != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    b->base.ops = &bundle_ops;
    if (processor_path != NULL) b->path[MAAT_PCK_CA_PROCESSOR] = strdup(processor_path);
    if (platform_path != NULL) b->path[MAAT_PCK_CA_PLATFORM] = strdup(platform_path);
    if ((processor_path != NULL && b->path[MAAT_PCK_CA_PROCESSOR] == NULL) ||
        (platform_path != NULL && b->path[MAAT_PCK_CA_PLATFORM] == NULL)) {
        bundle_free(&b->base);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    snprintf(b->base.desc, sizeof b->base.desc, "bundle %s%s%s",
             processor_path != NULL ? processor_path : "",
             processor_path != NULL && platform_path != NULL ? ", " : "",
             platform_path != NULL ? platform_path : "");
    *out = &b->base;
    return 0;
}
