/* test_collateral_pinned.c - the verified-collateral cache keyed by TCB evaluation data
 * number (issue 14, maatd's pinned baselines), against the in-process simulated PCCS:
 * a pinned number not held is fetched with tcbEvaluationDataNumber=N and then served from
 * memory; it is a separate item from the default set; 404/410 for the number name it;
 * pinned sets persist under "<FMSPC>/<CA>/eval-<N>" (the default key is unchanged); the
 * bound on pinned sets evicts the least recently used one; a source that cannot pin says
 * so; the kept /tcbevaluationdatanumbers list gives the newest number and its recovery
 * date; THIM's customParameter carries the number and region=. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_source.h"
#include "maat/verify.h"
#include "sim.h"
#include "sim_pccs.h"
#include "store.h"
#include "testutil.h"

static const uint8_t FMSPC_SIM[6] = {0x00, 0x90, 0x6E, 0xD5, 0x00, 0x00};
#define SIM_NOW 1700000000
#define SIM_NEXT (SIM_NOW + 30 * 86400)
#define T1 (SIM_NOW + 100)
#define DAY 86400

static char *simdir;

struct fixture {
    struct maat_sim_pccs *srv;
    char base[64];
    struct maat_trust *trust;
    struct maat_collateral_source *src;
    struct maat_store *store;
    char *tmp;
};

static int group_setup(void **state)
{
    (void)state;
    simdir = tu_tempdir();
    if (simdir == NULL) return -1;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, SIM_NOW); /* tcbEvaluationDataNumber 17; eval-15..19 */
    o.next_update = SIM_NEXT;
    struct maat_error err = {0};
    if (maat_sim_init(simdir, &o, &err) != 0) {
        fprintf(stderr, "sim init: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void rm_rf(const char *dir)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int group_teardown(void **state)
{
    (void)state;
    rm_rf(simdir);
    free(simdir);
    return 0;
}

/* A sim PCCS publishing standard..early (0: no knobs), a PCS (or THIM) source on it. */
static struct fixture *start(unsigned standard, unsigned early, bool thim, const char *region)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct maat_error err = {0};
    struct maat_sim_pccs_opts so = {.eval_standard = standard, .eval_early = early};
    assert_int_equal(maat_sim_pccs_start(simdir, "127.0.0.1:0", &so, &f->srv, &err), 0);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", maat_sim_pccs_port(f->srv));
    char root[4300];
    snprintf(root, sizeof root, "%s/root-ca.pem", simdir);
    size_t len = 0;
    uint8_t *pem = tu_read_file(root, &len);
    assert_non_null(pem);
    f->trust = maat_trust_new_empty(&err);
    assert_int_equal(maat_trust_add_root(f->trust, pem, len, "maat simulated root", true, &err), 0);
    free(pem);
    struct maat_pccs_opts po;
    maat_pccs_opts_defaults(&po);
    po.base_url = f->base;
    po.max_attempts = 1;
    if (thim) po.scheme = MAAT_PCCS_SCHEME_THIM;
    po.thim_region = region;
    int rc = maat_collateral_pccs_source_new(&po, &f->src, &err);
    if (rc != 0) fprintf(stderr, "source: %s\n", err.msg);
    assert_int_equal(rc, 0);
    f->tmp = tu_tempdir();
    char db[4300];
    snprintf(db, sizeof db, "%s/maat.db", f->tmp);
    assert_int_equal(maat_store_open(db, &f->store, &err), 0);
    return f;
}

static void stop(struct fixture *f)
{
    maat_sim_pccs_stop(f->srv);
    maat_collateral_source_free(f->src);
    maat_trust_free(f->trust);
    maat_store_close(f->store);
    rm_rf(f->tmp);
    free(f->tmp);
    free(f);
}

static struct maat_collateral_cache *new_cache(struct fixture *f, size_t max_pinned, bool eval_nums)
{
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    co.source = f->src;
    co.store = f->store;
    co.trust = f->trust;
    co.max_pinned = max_pinned;
    co.eval_nums = eval_nums;
    struct maat_collateral_cache *c = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_cache_new(&co, &c, &err), 0);
    return c;
}

/* A lookup of number n (0 = default) that must succeed with the given origin and carry
 * number want in TCB info and QE identity. */
static void get_num_ok(struct maat_collateral_cache *c, uint32_t n, time_t now,
                       enum maat_collateral_origin origin, uint32_t want)
{
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    int rc = maat_collateral_cache_get_num(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, n, now, NULL, &l,
                                           &err);
    if (rc != 0) fprintf(stderr, "get %u: %s\n", n, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(l.origin, origin);
    const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(l.vc);
    const struct maat_enclave_identity *qe = maat_verified_collateral_qe_identity(l.vc);
    assert_int_equal(ti->tcb_evaluation_data_number, want);
    assert_int_equal(qe->tcb_evaluation_data_number, want);
    maat_collateral_lookup_release(c, &l);
}

static bool stored(struct fixture *f, const char *key)
{
    uint8_t *rec = NULL;
    size_t len = 0;
    uint64_t ver = 0;
    struct maat_error err = {0};
    int rc = maat_store_get(f->store, "collateral", key, &rec, &len, &ver, &err);
    free(rec);
    return rc == 0;
}

/* A pinned number not held is fetched by number, then served from memory with no HTTP;
 * the default set stays the source's own (17) and is its own item. */
static void test_pinned_number_fetched_then_served(void **state)
{
    (void)state;
    struct fixture *f = start(0, 0, false, NULL);
    struct maat_collateral_cache *c = new_cache(f, 32, false);
    get_num_ok(c, 0, T1, MAAT_COLLATERAL_FROM_SOURCE, 17);
    get_num_ok(c, 18, T1, MAAT_COLLATERAL_FROM_SOURCE, 18);
    unsigned long reqs = maat_sim_pccs_requests(f->srv);
    get_num_ok(c, 18, T1 + 10, MAAT_COLLATERAL_FROM_MEMORY, 18);
    get_num_ok(c, 0, T1 + 10, MAAT_COLLATERAL_FROM_MEMORY, 17);
    assert_int_equal(maat_sim_pccs_requests(f->srv), reqs);
    /* the default key as before pinned sets existed, the pinned one with its number */
    assert_true(stored(f, "00906ED50000/processor"));
    assert_true(stored(f, "00906ED50000/processor/eval-18"));
    assert_false(stored(f, "00906ED50000/processor/eval-17"));
    maat_collateral_cache_free(c);

    /* a restart on the same store: the pinned set comes from the store, no HTTP */
    c = new_cache(f, 32, false);
    get_num_ok(c, 18, T1 + 20, MAAT_COLLATERAL_FROM_STORE, 18);
    assert_int_equal(maat_sim_pccs_requests(f->srv), reqs);
    maat_collateral_cache_free(c);
    stop(f);
}

/* 404 (newer than early) and 410 (older than standard) for a pinned number: NOT_FOUND
 * naming the number and what the server said; then the negative cache, same code. */
static void test_pinned_number_404_410_named(void **state)
{
    (void)state;
    struct fixture *f = start(16, 18, false, NULL);
    struct maat_collateral_cache *c = new_cache(f, 32, false);
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    assert_int_equal(
        maat_collateral_cache_get_num(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 19, T1, NULL, &l, &err),
        -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "TCB evaluation data number 19 is newer than any the server "
                                    "publishes (404 Not Found)"));
    assert_non_null(strstr(err.msg, "FMSPC 00906ED50000 (PCK processor CA, TCB evaluation data "
                                    "number 19)"));
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_cache_get_num(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 15, T1, NULL, &l, &err),
        -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "TCB evaluation data number 15 is older than the oldest the "
                                    "server still serves (410 Gone)"));
    unsigned long reqs = maat_sim_pccs_requests(f->srv);
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_cache_get_num(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 15, T1 + 5,
                                                   NULL, &l, &err),
                     -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "(last attempt failed recently)"));
    assert_int_equal(maat_sim_pccs_requests(f->srv), reqs);
    /* the default entry is the standard number, 16 */
    get_num_ok(c, 0, T1, MAAT_COLLATERAL_FROM_SOURCE, 16);
    maat_collateral_cache_free(c);
    stop(f);
}

/* max_pinned bounds the pinned sets: a third number evicts the least recently looked-up
 * one, which then comes back from the store, not from the source. */
static void test_pinned_sets_bounded_lru(void **state)
{
    (void)state;
    struct fixture *f = start(0, 0, false, NULL);
    struct maat_collateral_cache *c = new_cache(f, 2, false);
    get_num_ok(c, 16, T1, MAAT_COLLATERAL_FROM_SOURCE, 16);
    get_num_ok(c, 18, T1, MAAT_COLLATERAL_FROM_SOURCE, 18);
    get_num_ok(c, 16, T1 + 1, MAAT_COLLATERAL_FROM_MEMORY, 16); /* 18 is now the oldest */
    get_num_ok(c, 19, T1 + 2, MAAT_COLLATERAL_FROM_SOURCE, 19); /* evicts 18 */
    get_num_ok(c, 16, T1 + 3, MAAT_COLLATERAL_FROM_MEMORY, 16);
    unsigned long reqs = maat_sim_pccs_requests(f->srv);
    get_num_ok(c, 18, T1 + 4, MAAT_COLLATERAL_FROM_STORE, 18); /* back, evicting 19 */
    assert_int_equal(maat_sim_pccs_requests(f->srv), reqs);
    get_num_ok(c, 0, T1 + 5, MAAT_COLLATERAL_FROM_SOURCE, 17); /* default sets are not counted */
    get_num_ok(c, 16, T1 + 6, MAAT_COLLATERAL_FROM_MEMORY, 16);
    maat_collateral_cache_free(c);

    /* max_pinned 0: no pinned set at all, an error that says why */
    c = new_cache(f, 0, false);
    struct maat_collateral_lookup l;
    struct maat_error err = {0};
    assert_int_equal(
        maat_collateral_cache_get_num(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 18, T1, NULL, &l, &err),
        -1);
    assert_int_equal(err.code, MAAT_ERR_IO);
    assert_non_null(strstr(err.msg, "bound of 0 pinned collateral sets"));
    maat_collateral_cache_free(c);
    stop(f);
}

/* The TDX cache too: a pinned number is fetched from /tdx/certification/v4/ by number,
 * held as TDX TCB info and TD_QE identity at that number, stored under "tdx/...". */
static void test_tdx_cache_pinned_number(void **state)
{
    (void)state;
    struct fixture *f = start(0, 0, false, NULL);
    struct maat_collateral_cache_opts co;
    maat_collateral_cache_opts_defaults(&co);
    co.source = f->src;
    co.store = f->store;
    co.trust = f->trust;
    co.tee = MAAT_COLLATERAL_TDX;
    struct maat_collateral_cache *c = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_cache_new(&co, &c, &err), 0);
    struct maat_collateral_lookup l;
    int rc = maat_collateral_cache_get_num(c, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 16, T1, NULL, &l,
                                           &err);
    if (rc != 0) fprintf(stderr, "tdx get: %s\n", err.msg);
    assert_int_equal(rc, 0);
    const struct maat_tcb_info *ti = maat_verified_collateral_tcb_info(l.vc);
    const struct maat_enclave_identity *qe = maat_verified_collateral_qe_identity(l.vc);
    assert_int_equal(ti->id, MAAT_TCB_ID_TDX);
    assert_int_equal(ti->tcb_evaluation_data_number, 16);
    assert_int_equal(qe->tcb_evaluation_data_number, 16);
    maat_collateral_lookup_release(c, &l);
    assert_true(stored(f, "tdx/00906ED50000/processor/eval-16"));
    maat_collateral_cache_free(c);
    stop(f);
}

/* A bundle source cannot be asked for a number: UNSUPPORTED, naming it. */
static void test_bundle_source_cannot_pin(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_collateral_source *src = NULL;
    char bundle[512];
    snprintf(bundle, sizeof bundle, "%s/collateral.json", simdir);
    assert_int_equal(maat_collateral_bundle_source_new(bundle, NULL, &src, &err), 0);
    assert_false(maat_collateral_source_can_pin(src));
    struct maat_collateral_raw raw;
    assert_int_equal(maat_collateral_source_fetch_pinned(src, MAAT_COLLATERAL_SGX, FMSPC_SIM,
                                                         MAAT_PCK_CA_PROCESSOR, 18, T1, &raw, &err),
                     -1);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "cannot be asked for TCB evaluation data number 18"));
    maat_collateral_source_free(src);
}

static bool buf_has(const struct maat_buf *b, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, s, n) == 0) return true;
    return false;
}

/* Issue 14, "file sources serve one number": a directory source serves number N from the
 * sim layout's eval-N/ (TCB info and QE identity at N, the parent's CRLs); a number without
 * a subdirectory is NOT_FOUND naming the one expected. */
static void test_dir_source_pins_by_subdirectory(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_collateral_source *src = NULL;
    assert_int_equal(maat_collateral_dir_source_new(simdir, &src, &err), 0);
    assert_true(maat_collateral_source_can_pin(src));
    struct maat_collateral_raw raw;
    for (int tee = MAAT_COLLATERAL_SGX; tee <= MAAT_COLLATERAL_TDX; tee++) {
        assert_int_equal(maat_collateral_source_fetch_pinned(src, (enum maat_collateral_tee)tee,
                                                             FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 18,
                                                             T1, &raw, &err),
                         0);
        assert_true(buf_has(&raw.tcb_info_json, "\"tcbEvaluationDataNumber\":18"));
        assert_true(buf_has(&raw.qe_identity_json, "\"tcbEvaluationDataNumber\":18"));
        assert_true(raw.pck_crl.len > 0 && raw.root_ca_crl.len > 0);
        assert_non_null(strstr(raw.origin, "/pcs/eval-18"));
        maat_collateral_raw_cleanup(&raw);
    }
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_source_fetch_pinned(src, MAAT_COLLATERAL_SGX, FMSPC_SIM,
                                                         MAAT_PCK_CA_PROCESSOR, 25, T1, &raw, &err),
                     -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no collateral for TCB evaluation data number 25"));
    assert_non_null(strstr(err.msg, "/pcs/eval-25/qe-identity.json"));
    maat_collateral_source_free(src);
}

/* The kept list: newest number 19 and its tcbRecoveryEventDate (sim: midnight of the day
 * before the issue date, moved by 2 x 30 days); the numbers listing merges held and listed. */
static void test_eval_nums_list_kept(void **state)
{
    (void)state;
    struct fixture *f = start(0, 0, false, NULL);
    struct maat_collateral_cache *c = new_cache(f, 32, false);
    uint32_t n = 0;
    time_t r = 0;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_cache_newest(c, T1, &n, &r, &err), -1); /* not kept */
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    maat_collateral_cache_free(c);

    c = new_cache(f, 32, true);
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_cache_newest(c, T1, &n, &r, &err), -1); /* not yet */
    assert_non_null(strstr(err.msg, "not fetched yet"));
    get_num_ok(c, 0, T1, MAAT_COLLATERAL_FROM_SOURCE, 17);
    maat_error_clear(&err);
    int rc = maat_collateral_cache_newest(c, T1, &n, &r, &err);
    if (rc != 0) fprintf(stderr, "newest: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 19);
    time_t midnight = (SIM_NOW / DAY) * DAY;
    assert_int_equal(r, midnight - DAY + 60 * DAY);
    /* past the list's nextUpdate it is not used: fail closed */
    assert_int_equal(maat_collateral_cache_newest(c, SIM_NEXT + 1, &n, &r, &err), -1);
    struct maat_collateral_number nums[16];
    size_t k = maat_collateral_cache_numbers(c, T1, nums, 16);
    assert_int_equal(k, 5);
    assert_int_equal(nums[0].number, 19);
    assert_int_equal(nums[4].number, 15);
    assert_true(nums[2].held && nums[2].listed && nums[2].number == 17);
    assert_false(nums[0].held);
    assert_int_equal(nums[0].recovery_date, midnight - DAY + 60 * DAY);
    assert_int_equal(nums[0].tcb_date, midnight + 60 * DAY);
    maat_collateral_cache_free(c);
    stop(f);
}

/* THIM: the pinned number and the region go in customParameter (base64 of
 * "tcbEvaluationDataNumber=N;region=R"); the region alone for the default set. */
static void test_thim_custom_parameter_region(void **state)
{
    (void)state;
    struct fixture *f = start(0, 0, true, "eastus");
    struct maat_collateral_cache *c = new_cache(f, 32, false);
    char cp[256];
    get_num_ok(c, 18, T1, MAAT_COLLATERAL_FROM_SOURCE, 18);
    maat_sim_pccs_last_custom_parameter(f->srv, cp, sizeof cp);
    assert_string_equal(cp, "tcbEvaluationDataNumber=18;region=eastus");
    get_num_ok(c, 0, T1, MAAT_COLLATERAL_FROM_SOURCE, 17);
    maat_sim_pccs_last_custom_parameter(f->srv, cp, sizeof cp);
    assert_string_equal(cp, "region=eastus");
    maat_collateral_cache_free(c);
    stop(f);

    /* a region is refused outside THIM, and in a form that is no Azure location */
    struct maat_pccs_opts po;
    maat_pccs_opts_defaults(&po);
    po.base_url = "http://127.0.0.1:1";
    po.thim_region = "eastus";
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_pccs_source_new(&po, &src, &err), -1);
    po.scheme = MAAT_PCCS_SCHEME_THIM;
    po.thim_region = "east;us";
    assert_int_equal(maat_collateral_pccs_source_new(&po, &src, &err), -1);
    assert_non_null(strstr(err.msg, "THIM region"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_number_fetched_then_served),
        cmocka_unit_test(test_pinned_number_404_410_named),
        cmocka_unit_test(test_pinned_sets_bounded_lru),
        cmocka_unit_test(test_tdx_cache_pinned_number),
        cmocka_unit_test(test_bundle_source_cannot_pin),
        cmocka_unit_test(test_dir_source_pins_by_subdirectory),
        cmocka_unit_test(test_eval_nums_list_kept),
        cmocka_unit_test(test_thim_custom_parameter_region),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
