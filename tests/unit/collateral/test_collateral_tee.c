/* test_collateral_tee.c - the TEE selector of the collateral sources and the cache: the
 * sim directory serves TDX TCB info and the TD_QE identity for TDX and SGX ones for SGX;
 * a bundle file serves only its own TEE (an SGX bundle is never TDX collateral); a TDX cache
 * verifies TDX collateral and stores it under tdx/<FMSPC>/<CA> beside the SGX record; a
 * source answering the other TEE's collateral is refused by either cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_source.h"
#include "maat/collateral.h"
#include "maat/verify.h"
#include "sim.h"
#include "store.h"
#include "testutil.h"

#define NOW 1740787200
#define AT (NOW + 3600)

static char *dir;
static struct maat_trust *trust;
static uint8_t fmspc[6];

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    if (dir == NULL) return -1;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    struct maat_error err = {0};
    struct maat_sim *sim = NULL;
    if (maat_sim_init(dir, &o, &err) != 0 || maat_sim_load(dir, &sim, &err) != 0) return -1;
    maat_sim_get_fmspc(sim, fmspc);
    maat_sim_free(sim);
    char p[4200];
    snprintf(p, sizeof p, "%s/root-ca.pem", dir);
    size_t len;
    uint8_t *pem = tu_read_file(p, &len);
    trust = maat_trust_new_empty(&err);
    int rc = pem == NULL || trust == NULL ||
             maat_trust_add_root(trust, pem, len, "sim", true, &err) != 0;
    free(pem);
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_trust_free(trust);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    int rc = system(cmd);
    free(dir);
    return rc == 0 ? 0 : -1;
}

static bool has(const struct maat_buf *b, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, s, n) == 0) return true;
    return false;
}

static void test_dir_source_fetches_tdx_collateral_for_tdx(void **state)
{
    (void)state;
    struct maat_collateral_source *s = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_dir_source_new(dir, &s, &err), 0);
    struct maat_collateral_raw raw;
    if (maat_collateral_source_fetch_tee(s, MAAT_COLLATERAL_TDX, fmspc, MAAT_PCK_CA_PROCESSOR, AT,
                                         &raw, &err) != 0)
        fail_msg("tdx fetch: %s", err.msg);
    assert_true(has(&raw.tcb_info_json, "\"id\":\"TDX\""));
    assert_true(has(&raw.qe_identity_json, "\"id\":\"TD_QE\""));
    struct maat_collateral_input in;
    maat_collateral_raw_input(&raw, &in);
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&in, trust, AT, &vc, &err), 0);
    assert_int_equal(maat_verified_collateral_tcb_info(vc)->id, MAAT_TCB_ID_TDX);
    maat_verified_collateral_free(vc);
    maat_collateral_raw_cleanup(&raw);
    assert_int_equal(maat_collateral_source_fetch_tee(s, MAAT_COLLATERAL_SGX, fmspc,
                                                      MAAT_PCK_CA_PROCESSOR, AT, &raw, &err),
                     0);
    assert_true(has(&raw.tcb_info_json, "\"id\":\"SGX\""));
    assert_false(has(&raw.qe_identity_json, "TD_QE"));
    maat_collateral_raw_cleanup(&raw);
    maat_collateral_source_free(s);
}

static void test_bundle_source_serves_only_its_tee(void **state)
{
    (void)state;
    char p[4200], pt[4200];
    snprintf(p, sizeof p, "%s/collateral.json", dir);
    snprintf(pt, sizeof pt, "%s/collateral-tdx.json", dir);
    struct maat_collateral_source *s = NULL, *st = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_bundle_source_new(p, NULL, &s, &err), 0);
    assert_int_equal(maat_collateral_bundle_source_new(pt, NULL, &st, &err), 0);
    struct maat_collateral_raw raw;
    /* the SGX bundle: SGX only */
    assert_int_equal(maat_collateral_source_fetch_tee(s, MAAT_COLLATERAL_TDX, fmspc,
                                                      MAAT_PCK_CA_PROCESSOR, AT, &raw, &err),
                     -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "holds SGX collateral"));
    assert_int_equal(raw.tcb_info_body.len, 0);
    assert_int_equal(maat_collateral_source_fetch_tee(s, MAAT_COLLATERAL_SGX, fmspc,
                                                      MAAT_PCK_CA_PROCESSOR, AT, &raw, &err),
                     0);
    maat_collateral_raw_cleanup(&raw);
    /* the TDX bundle: TDX only */
    memset(&err, 0, sizeof err);
    assert_int_equal(maat_collateral_source_fetch_tee(st, MAAT_COLLATERAL_SGX, fmspc,
                                                      MAAT_PCK_CA_PROCESSOR, AT, &raw, &err),
                     -1);
    assert_non_null(strstr(err.msg, "holds TDX collateral"));
    assert_int_equal(maat_collateral_source_fetch_tee(st, MAAT_COLLATERAL_TDX, fmspc,
                                                      MAAT_PCK_CA_PROCESSOR, AT, &raw, &err),
                     0);
    assert_true(has(&raw.qe_identity_body, "\"id\":\"TD_QE\""));
    maat_collateral_raw_cleanup(&raw);
    maat_collateral_source_free(s);
    maat_collateral_source_free(st);
}

static struct maat_collateral_cache *cache(struct maat_collateral_source *s, struct maat_store *st,
                                           enum maat_collateral_tee tee)
{
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    co.source = s;
    co.store = st;
    co.trust = trust;
    co.tee = tee;
    co.lease_secs = 0;
    struct maat_collateral_cache *c = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_cache_new(&co, &c, &err), 0);
    return c;
}

static void test_tdx_cache_verifies_and_stores_tdx_records(void **state)
{
    (void)state;
    struct maat_collateral_source *s = NULL;
    struct maat_store *st = NULL;
    struct maat_error err = {0};
    char uri[4300];
    snprintf(uri, sizeof uri, "sqlite:%s/store.db", dir);
    assert_int_equal(maat_collateral_dir_source_new(dir, &s, &err), 0);
    assert_int_equal(maat_store_open(uri, &st, &err), 0);
    struct maat_collateral_cache *ct = cache(s, st, MAAT_COLLATERAL_TDX);
    struct maat_collateral_cache *cs = cache(s, st, MAAT_COLLATERAL_SGX);
    struct maat_collateral_lookup lt, ls;
    if (maat_collateral_cache_get(ct, fmspc, MAAT_PCK_CA_PROCESSOR, AT, &lt, &err) != 0)
        fail_msg("tdx cache: %s", err.msg);
    assert_int_equal(maat_verified_collateral_tcb_info(lt.vc)->id, MAAT_TCB_ID_TDX);
    assert_int_equal(maat_verified_collateral_qe_identity(lt.vc)->id, MAAT_ENCLAVE_ID_TD_QE);
    assert_int_equal(maat_collateral_cache_get(cs, fmspc, MAAT_PCK_CA_PROCESSOR, AT, &ls, &err), 0);
    assert_int_equal(maat_verified_collateral_tcb_info(ls.vc)->id, MAAT_TCB_ID_SGX);
    char hex[13], key[64];
    for (int i = 0; i < 6; i++) snprintf(hex + 2 * i, 3, "%02X", fmspc[i]);
    uint8_t *val = NULL;
    size_t len = 0;
    snprintf(key, sizeof key, "tdx/%s/processor", hex);
    assert_int_equal(maat_store_get(st, "collateral", key, &val, &len, NULL, &err), 0);
    free(val);
    snprintf(key, sizeof key, "%s/processor", hex);
    assert_int_equal(maat_store_get(st, "collateral", key, &val, &len, NULL, &err), 0);
    free(val);
    maat_collateral_lookup_release(ct, &lt);
    maat_collateral_lookup_release(cs, &ls);
    maat_collateral_cache_free(ct);
    maat_collateral_cache_free(cs);
    maat_store_close(st);
    maat_collateral_source_free(s);
}

/* A source that answers each TEE with the other's collateral (the sim directory's). */
struct swapped {
    struct maat_collateral_source base;
    struct maat_collateral_source *inner;
};

static int swapped_fetch(struct maat_collateral_source *s, const uint8_t f[6], enum maat_pck_ca ca,
                         time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    struct swapped *w = (struct swapped *)(void *)s;
    return w->inner->ops->fetch_tdx(w->inner, f, ca, at, out, err);
}

static int swapped_fetch_tdx(struct maat_collateral_source *s, const uint8_t f[6],
                             enum maat_pck_ca ca, time_t at, struct maat_collateral_raw *out,
                             struct maat_error *err)
{
    struct swapped *w = (struct swapped *)(void *)s;
    return w->inner->ops->fetch(w->inner, f, ca, at, out, err);
}

static void swapped_free(struct maat_collateral_source *s)
{
    (void)s;
}

static const struct maat_collateral_source_ops swapped_ops = {
    .kind = "swapped", .fetch = swapped_fetch, .free = swapped_free, .fetch_tdx = swapped_fetch_tdx};

static void test_cache_refuses_the_other_tees_collateral(void **state)
{
    (void)state;
    struct swapped w = {.base = {.ops = &swapped_ops, .desc = "swapped"}};
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_dir_source_new(dir, &w.inner, &err), 0);
    for (int t = 0; t < 2; t++) {
        struct maat_collateral_cache *c = cache(&w.base, NULL, (enum maat_collateral_tee)t);
        struct maat_collateral_lookup l;
        memset(&err, 0, sizeof err);
        assert_int_equal(maat_collateral_cache_get(c, fmspc, MAAT_PCK_CA_PROCESSOR, AT, &l, &err),
                         -1);
        assert_non_null(strstr(err.msg, t == 0 ? "is TDX TCB info" : "is SGX TCB info"));
        maat_collateral_cache_free(c);
    }
    maat_collateral_source_free(w.inner);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_source_fetches_tdx_collateral_for_tdx),
        cmocka_unit_test(test_bundle_source_serves_only_its_tee),
        cmocka_unit_test(test_tdx_cache_verifies_and_stores_tdx_records),
        cmocka_unit_test(test_cache_refuses_the_other_tees_collateral),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
