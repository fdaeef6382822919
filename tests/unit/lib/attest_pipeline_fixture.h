/* attest_pipeline_fixture.h - the fixture of the maat__attest_run() tests
 * (test_attest_pipeline.c, test_attest_pipeline_tcb.c): a sim platform with SGX and TDX
 * collateral verified once, the default SGX and TdxVm policies, a collateral callback that
 * records the TEE it was asked for, set-up and tear-down, and the request helpers (a sim
 * quote, the request body, the attest context, the payload as JSON). Included by one test
 * file each. */
#ifndef MAAT_TEST_ATTEST_PIPELINE_FIXTURE_H
#define MAAT_TEST_ATTEST_PIPELINE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/collateral.h"
#include "maat/policy_default.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1740787200 /* 2025-03-01T00:00:00Z */
#define AT (NOW + 3600)

static char *dir;
static struct maat_sim *sim;
static struct maat_trust *trust;
static struct maat_verified_collateral *vc_sgx, *vc_tdx;
static struct maat_policy *pol_sgx, *pol_tdx;
static char hash_sgx[MAAT_POLICY_HASH_LEN + 1], hash_tdx[MAAT_POLICY_HASH_LEN + 1];

/* the collateral callback's behaviour and what it saw */
static struct {
    int calls;
    enum maat_attest_tee tee;
    maat_err fail; /* 0 = answer, else fail with this code */
    bool swap;     /* answer the other TEE's collateral */
} cb;

static int collateral(void *arg, enum maat_attest_tee tee, const uint8_t fmspc[6],
                      enum maat_pck_ca ca, const struct maat_verified_collateral **vc,
                      struct maat_error *err)
{
    (void)arg;
    (void)fmspc;
    (void)ca;
    cb.calls++;
    cb.tee = tee;
    if (cb.fail != 0) return maat_error_set(err, cb.fail, "test source says no");
    bool tdx = tee == MAAT_ATTEST_TEE_TDX;
    if (cb.swap) tdx = !tdx;
    *vc = tdx ? vc_tdx : vc_sgx;
    return 0;
}

static int load_vc(const char *name, struct maat_verified_collateral **out)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    size_t len;
    uint8_t *buf = tu_read_file(p, &len);
    struct maat_collateral_bundle b;
    struct maat_collateral_input in;
    struct maat_error err = {0};
    int rc = buf == NULL || maat_collateral_bundle_parse(buf, len, &b, &err) != 0;
    if (!rc) {
        maat_collateral_input_from_bundle(&b, &in);
        rc = maat_collateral_verify(&in, trust, AT, out, &err) != 0;
        maat_collateral_bundle_cleanup(&b);
    }
    free(buf);
    if (rc) fprintf(stderr, "%s: %s\n", name, err.msg);
    return rc ? -1 : 0;
}

static int load_policy(const char *text, struct maat_policy **p, char *hash)
{
    struct maat_policy_error perr = {0};
    if (maat__policy_parse(text, strlen(text), NULL, p, &perr) != 0) return -1;
    return maat_policy_hash(text, strlen(text), hash, &perr.err);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    struct maat_error err = {0};
    if (maat_sim_init(dir, &o, &err) != 0 || maat_sim_load(dir, &sim, &err) != 0) {
        fprintf(stderr, "sim: %s\n", err.msg);
        return -1;
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/root-ca.pem", dir);
    size_t rlen;
    uint8_t *root = tu_read_file(p, &rlen);
    trust = maat_trust_new_intel(&err);
    int rc = root == NULL || trust == NULL ||
             maat_trust_add_root(trust, root, rlen, "sim", true, &err) != 0;
    free(root);
    if (rc) return -1;
    if (load_vc("collateral.json", &vc_sgx) != 0 || load_vc("collateral-tdx.json", &vc_tdx) != 0)
        return -1;
    if (load_policy(maat_policy_default_sgx(), &pol_sgx, hash_sgx) != 0 ||
        load_policy(maat_policy_default_tdx(), &pol_tdx, hash_tdx) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat__policy_free(pol_sgx);
    maat__policy_free(pol_tdx);
    maat_verified_collateral_free(vc_sgx);
    maat_verified_collateral_free(vc_tdx);
    maat_trust_free(trust);
    maat_sim_free(sim);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    free(dir);
    return rc == 0 ? 0 : -1;
}

static const uint8_t runtime[] = "runtime data of the TD";

/* ---- request helpers ---- */

/* A quote (TD when tdx) with SHA-256(runtime) in report_data; `debug` sets the DEBUG bit;
 * tcb >= 0: the (TDX) TCB level status (enum maat_sim_tcb). */
static inline char *quote_b64(bool tdx, bool debug, int tcb)
{
    struct maat_sim_quote_opts o;
    struct maat_error err = {0};
    maat_sim_quote_opts_defaults(sim, &o);
    if (tdx) maat_sim_quote_opts_set_tdx(&o);
    if (tcb >= 0 && tdx)
        maat_sim_quote_opts_set_tdx_tcb(&o, tcb);
    else if (tcb >= 0)
        maat_sim_quote_opts_set_tcb(sim, &o, (enum maat_sim_tcb)tcb);
    if (debug) o.td_attributes |= 1;
    memset(o.mr_td, 0xcd, 48);
    if (maat_sim_quote_opts_set_ehd(&o, runtime, sizeof runtime - 1, &err) != 0)
        fail_msg("ehd: %s", err.msg);
    struct maat_buf b;
    maat_buf_init(&b);
    if (maat_sim_quote(sim, &o, &b, &err) != 0) fail_msg("sim quote: %s", err.msg);
    char *s = maat_base64url_encode(b.data, b.len);
    maat_buf_cleanup(&b);
    assert_non_null(s);
    return s;
}

/* {"quote": ..., "runtimeData": {...}, "nonce": "n"[, extra]} */
static inline char *body_for(const char *q, const char *extra)
{
    char *rd = maat_base64url_encode(runtime, sizeof runtime - 1);
    size_t n = strlen(q) + strlen(rd) + (extra ? strlen(extra) : 0) + 128;
    char *b = malloc(n);
    snprintf(b, n,
             "{\"quote\":\"%s\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"},"
             "\"nonce\":\"n\"%s}",
             q, rd, extra ? extra : "");
    free(rd);
    return b;
}

static inline struct maat_attest_ctx ctx_for(bool tdx, const struct maat_tdx_opts *to)
{
    return (struct maat_attest_ctx){
        .trust = trust,
        .at = AT,
        .collateral = collateral,
        .tdx = to,
        .policy = tdx ? pol_tdx : pol_sgx,
        .policy_hash = tdx ? hash_tdx : hash_sgx,
        .issuer = "https://maat.test",
        .jti = "0000000000000000000000000000000000000000000000000000000000000001",
    };
}

static inline json_t *payload_json(const struct maat_attest_result *r)
{
    json_error_t je;
    json_t *p = json_loadb((const char *)r->payload.data, r->payload.len, 0, &je);
    if (p == NULL) fail_msg("payload: %s", je.text);
    return p;
}

#endif /* MAAT_TEST_ATTEST_PIPELINE_FIXTURE_H */
