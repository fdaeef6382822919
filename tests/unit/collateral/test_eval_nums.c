/* test_eval_nums.c - maat_tcb_eval_nums_verify (src/collateral/eval_nums.c) on the list a
 * simulated platform signs (pcs/tcbevaluationdatanumbers-sgx.json): accepted with its
 * chain at a time inside the window; refused when tampered (signature over the exact
 * tcbEvaluationDataNumbers bytes), re-serialised, with a duplicate key, for the other TEE,
 * past nextUpdate, with a chain to an untrusted root, not signed by a TCB Signing cert,
 * or oversized. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_source.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#define SIM_NOW 1700000000
#define AT (SIM_NOW + 100)

static char *simdir;
static uint8_t *list_json, *chain_pem, *root_pem, *pck_chain_pem;
static size_t list_len, chain_len, root_len, pck_chain_len;

static uint8_t *rd(const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", simdir, rel);
    return tu_read_file(path, len);
}

static int group_setup(void **state)
{
    (void)state;
    simdir = tu_tempdir();
    if (simdir == NULL) return -1;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, SIM_NOW);
    struct maat_error err = {0};
    if (maat_sim_init(simdir, &o, &err) != 0) {
        fprintf(stderr, "sim init: %s\n", err.msg);
        return -1;
    }
    list_json = rd("pcs/tcbevaluationdatanumbers-sgx.json", &list_len);
    chain_pem = rd("pcs/tcbevaluationdatanumbers-sgx.issuer-chain.pem", &chain_len);
    root_pem = rd("root-ca.pem", &root_len);
    pck_chain_pem = rd("pcs/pckcrl-processor.issuer-chain.pem", &pck_chain_len);
    return list_json && chain_pem && root_pem && pck_chain_pem ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", simdir);
    int rc = system(cmd);
    free(simdir);
    free(list_json);
    free(chain_pem);
    free(root_pem);
    free(pck_chain_pem);
    return rc == 0 ? 0 : -1;
}

static struct maat_trust *sim_trust(void)
{
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_empty(&err);
    assert_non_null(t);
    assert_int_equal(maat_trust_add_root(t, root_pem, root_len, "sim", true, &err), 0);
    return t;
}

static int verify_text(const char *json, size_t len, const uint8_t *chain, size_t clen, time_t at,
                       const char *id, struct maat_tcb_eval_nums *out, struct maat_error *err)
{
    struct maat_trust *t = sim_trust();
    int rc = maat_tcb_eval_nums_verify((const uint8_t *)json, len, chain, clen, t, at, id, out, err);
    maat_trust_free(t);
    return rc;
}

static void test_accepts_the_signed_list(void **state)
{
    (void)state;
    struct maat_tcb_eval_nums l;
    struct maat_error err = {0};
    assert_int_equal(
        verify_text((const char *)list_json, list_len, chain_pem, chain_len, AT, "SGX", &l, &err), 0);
    assert_string_equal(l.id, "SGX");
    assert_int_equal(l.version, 1);
    assert_int_equal(l.n, 5);
    assert_int_equal(l.newest, 19);
    assert_int_equal(l.items[0].number, 19);
    assert_int_equal(l.items[4].number, 15);
    assert_true(l.items[2].tcb_date > l.items[3].tcb_date);
    assert_int_equal(l.items[2].tcb_date - l.items[2].tcb_recovery_event_date, 86400);
    maat_tcb_eval_nums_cleanup(&l);
    maat_tcb_eval_nums_cleanup(&l); /* safe twice */
}

/* the text with the first `from` replaced by `to` */
static char *edit(const char *from, const char *to)
{
    char *s = calloc(1, list_len + strlen(to) + 1);
    assert_non_null(s);
    const char *p = strstr((const char *)list_json, from);
    assert_non_null(p);
    size_t pre = (size_t)(p - (const char *)list_json);
    memcpy(s, list_json, pre);
    strcpy(s + pre, to);
    strcat(s, p + strlen(from));
    return s;
}

static void expect_refused(const char *text, size_t len, const uint8_t *chain, size_t clen,
                           time_t at, const char *id, const char *needle)
{
    struct maat_tcb_eval_nums l;
    struct maat_error err = {0};
    assert_int_equal(verify_text(text, len, chain, clen, at, id, &l, &err), -1);
    if (strstr(err.msg, needle) == NULL) fail_msg("'%s' lacks '%s'", err.msg, needle);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
}

static void test_eval_nums_tampered_number_refused(void **state)
{
    (void)state;
    char *s = edit("\"tcbEvaluationDataNumber\":19", "\"tcbEvaluationDataNumber\":29");
    expect_refused(s, strlen(s), chain_pem, chain_len, AT, "SGX", "does not verify");
    free(s);
}

static void test_eval_nums_reserialised_refused(void **state)
{
    (void)state; /* the exact bytes are signed: whitespace changes them */
    char *s = edit("\"version\":1,", "\"version\": 1,");
    expect_refused(s, strlen(s), chain_pem, chain_len, AT, "SGX", "does not verify");
    free(s);
}

static void test_eval_nums_duplicate_key_refused(void **state)
{
    (void)state;
    char *s = edit("\"version\":1,", "\"version\":1,\"version\":1,");
    expect_refused(s, strlen(s), chain_pem, chain_len, AT, "SGX", "not JSON");
    free(s);
}

static void test_eval_nums_other_tee_refused(void **state)
{
    (void)state;
    expect_refused((const char *)list_json, list_len, chain_pem, chain_len, AT, "TDX",
                   "expected \"TDX\"");
}

static void test_eval_nums_expired_refused(void **state)
{
    (void)state;
    expect_refused((const char *)list_json, list_len, chain_pem, chain_len, SIM_NOW + 60 * 86400,
                   "SGX", "expired");
}

static void test_eval_nums_untrusted_root_refused(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_intel(&err); /* not the sim's root */
    assert_non_null(t);
    struct maat_tcb_eval_nums l;
    assert_int_equal(maat_tcb_eval_nums_verify(list_json, list_len, chain_pem, chain_len, t, AT,
                                               "SGX", &l, &err),
                     -1);
    maat_trust_free(t);
}

static void test_eval_nums_not_tcb_signer_refused(void **state)
{
    (void)state; /* a PCK CA chains to the same root but is not the TCB Signing key */
    expect_refused((const char *)list_json, list_len, pck_chain_pem, pck_chain_len, AT, "SGX",
                   "TCB Signing");
}

static void test_eval_nums_oversized_refused(void **state)
{
    (void)state;
    size_t n = MAAT_COLLATERAL_MAX_INPUT + 1;
    char *s = malloc(n);
    assert_non_null(s);
    memset(s, ' ', n);
    expect_refused(s, n, chain_pem, chain_len, AT, "SGX", "bytes");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_the_signed_list),
        cmocka_unit_test(test_eval_nums_tampered_number_refused),
        cmocka_unit_test(test_eval_nums_reserialised_refused),
        cmocka_unit_test(test_eval_nums_duplicate_key_refused),
        cmocka_unit_test(test_eval_nums_other_tee_refused),
        cmocka_unit_test(test_eval_nums_expired_refused),
        cmocka_unit_test(test_eval_nums_untrusted_root_refused),
        cmocka_unit_test(test_eval_nums_not_tcb_signer_refused),
        cmocka_unit_test(test_eval_nums_oversized_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
