/*
 * dir.c - collateral from a directory of PCS response bodies and issuer-chain files.
 *
 * Two layouts, recognised by the files present at fetch time:
 *   sim (docs/sim.md; DIR/pcs/ or DIR itself): tcb-FMSPC.json + tcb-FMSPC.issuer-chain.pem,
 *       qe-identity.json + .issuer-chain.pem, pckcrl-processor.der / pckcrl-platform.der
 *       + .issuer-chain.pem, rootcacrl.der; for TDX tdx-tcb-FMSPC.json and
 *       td-qe-identity.json (+ .issuer-chain.pem) instead of the TCB info and QE identity.
 *   Intel QVL sample (QuoteVerification/QVL/Src/AttestationApp/sampleData): tcbInfo.json,
 *       qeIdentity.json, tcbSignChain.pem (signs both), pckSignChain.pem,
 *       rootCaCrl.der|.pem, intermediateCaCrl.der|.pem (the PCK CA CRL of whichever CA
 *       its issuer names).
 * Several TCB evaluation data numbers (issue 14): in the sim layout, a subdirectory eval-N/
 * of the layout's directory (DIR/pcs/eval-N/, as `maat sim init` writes, or DIR/eval-N/, as
 * `maat collateral fetch --tcb-eval-num N -o DIR/eval-N` writes) holds number N's TCB info
 * and QE identity (its CRLs when it has them, else the parent's): fetch_pinned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_internal.h"

struct dir_source {
    struct maat_collateral_source base;
    char *dir;
};

#define PATHLEN 4096

static int read_into(const char *dir, const char *name, struct maat_buf *b, struct maat_error *err)
{
    char path[PATHLEN];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    MAAT_ENSURE(n > 0 && (size_t)n < sizeof path, err, MAAT_ERR_USAGE, "path too long: %s/%s", dir,
                name);
    return src_read_file(path, MAAT_COLLATERAL_MAX_INPUT, b, err);
}

static int exists(const char *dir, const char *name)
{
    char path[PATHLEN];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof path && src_file_exists(path);
}

/* Checks a PCK CRL belongs to `ca`; MAAT_ERR_NOT_FOUND (naming the file) when not. */
static int check_crl_ca(const struct maat_buf *crl, const char *dir, const char *name,
                        enum maat_pck_ca ca, struct maat_error *err)
{
    char what[PATHLEN + 32];
    if (snprintf(what, sizeof what, "%s/%s", dir, name) < 0) what[0] = '\0'; /* label only */
    enum maat_pck_ca got;
    MAAT_TRY(src_crl_issuer_ca(crl->data, crl->len, what, &got, err));
    MAAT_ENSURE(got == ca, err, MAAT_ERR_NOT_FOUND,
                "%s: is the PCK CRL of the %s CA; no PCK CRL for the %s CA in this directory", what,
                maat_pck_ca_name(got), maat_pck_ca_name(ca));
    return 0;
}

static int check_json(const struct maat_buf *b, const char *dir, const char *name, const char *key,
                      const uint8_t *fmspc, struct maat_error *err)
{
    char what[PATHLEN + 32];
    if (snprintf(what, sizeof what, "%s/%s", dir, name) < 0) what[0] = '\0'; /* label only */
    MAAT_TRY(src_check_signed_json(b->data, b->len, key, what, err));
    return fmspc == NULL ? 0 : src_check_tcb_fmspc(b->data, b->len, 1, fmspc, what, err);
}

/* The sim layout's TCB info and QE identity in d; tdx: the TDX TCB info
 * (tdx-tcb-FMSPC.json) and TD_QE identity (td-qe-identity.json). */
static int fetch_sim_docs(const char *d, const uint8_t fmspc[6], enum maat_pck_ca ca, bool tdx,
                          struct maat_collateral_raw *out, struct maat_error *err)
{
    char hex[13], tcb[64], tcb_chain[64];
    const char *qe = tdx ? "td-qe-identity.json" : "qe-identity.json";
    const char *qe_chain = tdx ? "td-qe-identity.issuer-chain.pem" : "qe-identity.issuer-chain.pem";
    src_fmspc_hex(fmspc, hex);
    snprintf(tcb, sizeof tcb, "%stcb-%s.json", tdx ? "tdx-" : "", hex);
    snprintf(tcb_chain, sizeof tcb_chain, "%stcb-%s.issuer-chain.pem", tdx ? "tdx-" : "", hex);
    MAAT_ENSURE(!tdx || exists(d, tcb), err, MAAT_ERR_NOT_FOUND,
                "%s: no TDX TCB info for FMSPC %s (%s)", d, hex, tcb);
    MAAT_ENSURE(exists(d, tcb), err, MAAT_ERR_NOT_FOUND,
                "%s: no TCB info for FMSPC %s (%s); get it with: maat collateral fetch "
                "--fmspc %s%s -o %s",
                d, hex, tcb, hex, ca == MAAT_PCK_CA_PLATFORM ? " --ca platform" : "", d);
    MAAT_TRY(read_into(d, tcb, &out->tcb_info_json, err));
    MAAT_TRY(read_into(d, tcb_chain, &out->tcb_info_issuer_chain, err));
    MAAT_TRY(read_into(d, qe, &out->qe_identity_json, err));
    MAAT_TRY(read_into(d, qe_chain, &out->qe_identity_issuer_chain, err));
    MAAT_TRY(check_json(&out->tcb_info_json, d, tcb, "tcbInfo", fmspc, err));
    return check_json(&out->qe_identity_json, d, qe, "enclaveIdentity", NULL, err);
}

/* The sim layout's PCK CRL of `ca` (+ chain) and Root CA CRL in d. */
static int fetch_sim_crls(const char *d, enum maat_pck_ca ca, struct maat_collateral_raw *out,
                          struct maat_error *err)
{
    char crl[64], crl_chain[64];
    snprintf(crl, sizeof crl, "pckcrl-%s.der", maat_pck_ca_name(ca));
    snprintf(crl_chain, sizeof crl_chain, "pckcrl-%s.issuer-chain.pem", maat_pck_ca_name(ca));
    MAAT_ENSURE(exists(d, crl), err, MAAT_ERR_NOT_FOUND, "%s: no PCK CRL for the %s CA (%s)", d,
                maat_pck_ca_name(ca), crl);
    MAAT_TRY(read_into(d, crl, &out->pck_crl, err));
    MAAT_TRY(read_into(d, crl_chain, &out->pck_crl_issuer_chain, err));
    MAAT_TRY(read_into(d, "rootcacrl.der", &out->root_ca_crl, err));
    return check_crl_ca(&out->pck_crl, d, crl, ca, err);
}

static int fetch_sim(const char *d, const uint8_t fmspc[6], enum maat_pck_ca ca, bool tdx,
                     struct maat_collateral_raw *out, struct maat_error *err)
{
    MAAT_TRY(fetch_sim_docs(d, fmspc, ca, tdx, out, err));
    return fetch_sim_crls(d, ca, out, err);
}

/* name.der, else name.pem */
static int read_crl(const char *d, const char *stem, struct maat_buf *b, char *used, size_t cap,
                    struct maat_error *err)
{
    snprintf(used, cap, "%s.der", stem);
    if (!exists(d, used)) snprintf(used, cap, "%s.pem", stem);
    return read_into(d, used, b, err);
}

static int fetch_intel(const char *d, const uint8_t fmspc[6], enum maat_pck_ca ca,
                       struct maat_collateral_raw *out, struct maat_error *err)
{
    char root[64], pck[64];
    MAAT_TRY(read_into(d, "tcbInfo.json", &out->tcb_info_json, err));
    MAAT_TRY(read_into(d, "tcbSignChain.pem", &out->tcb_info_issuer_chain, err));
    MAAT_TRY(read_into(d, "qeIdentity.json", &out->qe_identity_json, err));
    MAAT_TRY(read_into(d, "tcbSignChain.pem", &out->qe_identity_issuer_chain, err));
    MAAT_TRY(read_into(d, "pckSignChain.pem", &out->pck_crl_issuer_chain, err));
    MAAT_TRY(read_crl(d, "rootCaCrl", &out->root_ca_crl, root, sizeof root, err));
    MAAT_TRY(read_crl(d, "intermediateCaCrl", &out->pck_crl, pck, sizeof pck, err));
    MAAT_TRY(check_json(&out->tcb_info_json, d, "tcbInfo.json", "tcbInfo", fmspc, err));
    /* enclave identity v2 ("enclaveIdentity") or v1 ("qeIdentity") */
    struct maat_error e2 = {0};
    if (check_json(&out->qe_identity_json, d, "qeIdentity.json", "enclaveIdentity", NULL, &e2) != 0)
        MAAT_TRY(check_json(&out->qe_identity_json, d, "qeIdentity.json", "qeIdentity", NULL, err));
    return check_crl_ca(&out->pck_crl, d, pck, ca, err);
}

static int dir_fetch_tee(struct maat_collateral_source *s, const uint8_t fmspc[6],
                         enum maat_pck_ca ca, bool tdx, struct maat_collateral_raw *out,
                         struct maat_error *err)
{
    const char *dir = ((struct dir_source *)(void *)s)->dir;
    char pcs[PATHLEN];
    snprintf(pcs, sizeof pcs, "%s/pcs", dir);
    const char *d = NULL;
    int rc;
    if (exists(pcs, "qe-identity.json"))
        d = pcs;
    else if (exists(dir, "qe-identity.json"))
        d = dir;
    if (d != NULL)
        rc = fetch_sim(d, fmspc, ca, tdx, out, err);
    else if (tdx)
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              "%s: no TDX collateral here (the sim layout's "
                              "pcs/td-qe-identity.json and pcs/tdx-tcb-FMSPC.json)",
                              dir);
    else if (exists(dir, "tcbInfo.json")) {
        d = dir;
        rc = fetch_intel(d, fmspc, ca, out, err);
    } else
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              "%s: no collateral here (expected pcs/qe-identity.json, "
                              "qe-identity.json or tcbInfo.json)",
                              dir);
    if (rc == 0) snprintf(out->origin, sizeof out->origin, "%.250s", d);
    return rc;
}

/* Number eval_num from the sim layout's eval-N/ (CRLs from there when present, else from
 * the layout's directory); without eval-N/, the directory's own set when both documents
 * carry N; else MAAT_ERR_NOT_FOUND naming the subdirectory expected. That eval-N/'s
 * documents carry the number is the cache's check (maat_collateral_cache_get_num). */
static int dir_fetch_pinned(struct maat_collateral_source *s, enum maat_collateral_tee tee,
                            const uint8_t fmspc[6], enum maat_pck_ca ca, uint32_t eval_num,
                            time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    (void)at;
    const char *dir = ((struct dir_source *)(void *)s)->dir;
    const bool tdx = tee == MAAT_COLLATERAL_TDX;
    char base[PATHLEN], sub[PATHLEN + 32], crl[64];
    snprintf(base, sizeof base, "%s/pcs", dir);
    if (!exists(base, "qe-identity.json")) snprintf(base, sizeof base, "%s", dir);
    snprintf(sub, sizeof sub, "%s/eval-%u", base, eval_num);
    const char *qe = tdx ? "td-qe-identity.json" : "qe-identity.json";
    if (!exists(sub, qe)) { /* no eval-N/: the directory's own set, when it is number N */
        struct maat_error e2 = {0};
        if (dir_fetch_tee(s, fmspc, ca, tdx, out, &e2) == 0 &&
            src_check_signed_kind(out->tcb_info_json.data, out->tcb_info_json.len, "tcbInfo",
                                  tdx ? "TDX" : "SGX", eval_num, dir, &e2) == 0 &&
            src_check_signed_kind(out->qe_identity_json.data, out->qe_identity_json.len,
                                  "enclaveIdentity", tdx ? "TD_QE" : "QE", eval_num, dir, &e2) == 0)
            return 0;
        maat_collateral_raw_cleanup(out);
        maat_collateral_raw_init(out);
        return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                              "%s: no collateral for TCB evaluation data number %u (expected "
                              "%s/%s; get it with: maat collateral fetch --tcb-eval-num %u ... "
                              "-o %s)",
                              dir, eval_num, sub, qe, eval_num, sub);
    }
    /* number N's TCB info and QE identity; its CRLs when eval-N/ has them, else the parent's */
    snprintf(crl, sizeof crl, "pckcrl-%s.der", maat_pck_ca_name(ca));
    MAAT_TRY(fetch_sim_docs(sub, fmspc, ca, tdx, out, err));
    MAAT_TRY(fetch_sim_crls(exists(sub, crl) && exists(sub, "rootcacrl.der") ? sub : base, ca, out,
                            err));
    snprintf(out->origin, sizeof out->origin, "%.250s", sub);
    return 0;
}

static int dir_fetch(struct maat_collateral_source *s, const uint8_t fmspc[6], enum maat_pck_ca ca,
                     time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    (void)at;
    return dir_fetch_tee(s, fmspc, ca, false, out, err);
}

static int dir_fetch_tdx(struct maat_collateral_source *s, const uint8_t fmspc[6],
                         enum maat_pck_ca ca, time_t at, struct maat_collateral_raw *out,
                         struct maat_error *err)
{
    (void)at;
    return dir_fetch_tee(s, fmspc, ca, true, out, err);
}

static void dir_free(struct maat_collateral_source *s)
{
    struct dir_source *d = (struct dir_source *)(void *)s;
    free(d->dir);
    free(d);
}

static const struct maat_collateral_source_ops dir_ops = {.kind = "dir",
                                                          .fetch = dir_fetch,
                                                          .free = dir_free,
                                                          .fetch_tdx = dir_fetch_tdx,
                                                          .fetch_pinned = dir_fetch_pinned};

int maat_collateral_dir_source_new(const char *dir, struct maat_collateral_source **out,
                                   struct maat_error *err)
{
    MAAT_ENSURE(dir != NULL && *dir != '\0' && out != NULL, err, MAAT_ERR_USAGE,
                "dir source: needs a directory");
    MAAT_ENSURE(strlen(dir) < PATHLEN - 64, err, MAAT_ERR_USAGE, "dir source: path too long");
    *out = NULL;
    struct dir_source *d = calloc(1, sizeof *d);
    MAAT_ENSURE(d != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    d->base.ops = &dir_ops;
    d->dir = strdup(dir);
    if (d->dir == NULL) {
        free(d);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    snprintf(d->base.desc, sizeof d->base.desc, "dir %s", dir);
    *out = &d->base;
    return 0;
}
