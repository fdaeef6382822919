/* test_attester.c - quote providers: the sim provider creates its platform and returns
 * verifiable quotes over the requested report data; the gramine provider against a fake
 * /dev/attestation directory writes exactly 64 bytes and returns the quote file; auto
 * picks gramine first, the simulator only when named, and otherwise fails clearly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "maat/attester.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "testutil.h"

static char *tmp;

static int setup(void **state)
{
    (void)state;
    tmp = tu_tempdir();
    unsetenv(MAAT_ATTESTER_SIM_DIR_ENV);
    unsetenv(MAAT_ATTESTER_GRAMINE_DIR_ENV);
    return tmp == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    int rc = system(cmd);
    free(tmp);
    unsetenv(MAAT_ATTESTER_SIM_DIR_ENV);
    unsetenv(MAAT_ATTESTER_GRAMINE_DIR_ENV);
    return rc == 0 ? 0 : -1;
}

static char *path_in(const char *rel)
{
    static char p[4][4096];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(p[slot], sizeof p[slot], "%s/%s", tmp, rel);
    return p[slot];
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void fill(uint8_t rd[64], uint8_t seed)
{
    for (int i = 0; i < 64; i++) rd[i] = (uint8_t)(seed + i * 7);
}

/* A sim quote over rd, from a platform in tmp/plat. */
static void sim_quote(const uint8_t rd[64], struct maat_buf *q)
{
    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_SIM, .sim_dir = path_in("plat")};
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    if (maat_attester_open(&cfg, &a, &err) != 0) fail_msg("sim open: %s", err.msg);
    if (maat_attester_quote(a, rd, q, &err) != 0) fail_msg("sim quote: %s", err.msg);
    maat_attester_free(a);
}

static void test_kind_names(void **state)
{
    (void)state;
    enum maat_attester_kind k;
    assert_int_equal(maat_attester_kind_from_name("sim", &k), 0);
    assert_int_equal(k, MAAT_ATTESTER_SIM);
    assert_int_equal(maat_attester_kind_from_name("gramine", &k), 0);
    assert_int_equal(k, MAAT_ATTESTER_GRAMINE);
    assert_int_equal(maat_attester_kind_from_name("auto", &k), 0);
    assert_int_equal(k, MAAT_ATTESTER_AUTO);
    assert_int_equal(maat_attester_kind_from_name("sgx", &k), -1);
    assert_int_equal(maat_attester_kind_from_name(NULL, &k), -1);
    assert_string_equal(maat_attester_kind_name(MAAT_ATTESTER_GRAMINE), "gramine");
}

static void test_sim_round_trip(void **state)
{
    (void)state;
    /* the platform directory (and its parent) do not exist yet: created on first use */
    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_SIM,
                                       .sim_dir = path_in("home/.maat/sim")};
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    if (maat_attester_open(&cfg, &a, &err) != 0) fail_msg("%s", err.msg);
    assert_int_equal(maat_attester_kind(a), MAAT_ATTESTER_SIM);
    assert_string_equal(maat_attester_location(a), path_in("home/.maat/sim"));
    struct stat st;
    assert_int_equal(stat(path_in("home/.maat/sim/root-ca.pem"), &st), 0);

    uint8_t rd[64];
    fill(rd, 3);
    struct maat_buf q;
    maat_buf_init(&q);
    if (maat_attester_quote(a, rd, &q, &err) != 0) fail_msg("%s", err.msg);
    struct maat_quote pq;
    assert_int_equal(maat_quote_parse(q.data, q.len, &pq, &err), 0);
    assert_int_equal(pq.version, 3);
    assert_memory_equal(pq.report_body.report_data, rd, 64);

    /* the quote verifies (crypto steps) against the platform's root and nothing else */
    size_t root_len;
    uint8_t *root = tu_read_file(path_in("home/.maat/sim/root-ca.pem"), &root_len);
    assert_non_null(root);
    struct maat_trust *t = maat_trust_new_empty(&err);
    assert_non_null(t);
    assert_int_equal(maat_trust_add_root(t, root, root_len, "sim", true, &err), 0);
    struct maat_verify_opts opts = {.at = time(NULL)};
    struct maat_verdict v;
    assert_int_equal(maat_quote_verify(&pq, NULL, t, &opts, &v, &err), 0);
    assert_int_equal(v.steps[MAAT_STEP_PCK_CHAIN], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_REPORT_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_AK_BINDING], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
    maat_trust_free(t);
    free(root);

    /* EHD binding: SHA-256("abc") || 0^32, appended after the first quote */
    size_t first = q.len;
    assert_int_equal(maat_attester_quote_ehd(a, (const uint8_t *)"abc", 3, &q, &err), 0);
    assert_int_equal(maat_quote_parse(q.data + first, q.len - first, &pq, &err), 0);
    static const uint8_t sha_abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                        0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                        0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    assert_memory_equal(pq.report_body.report_data, sha_abc, 32);
    static const uint8_t zero[32];
    assert_memory_equal(pq.report_body.report_data + 32, zero, 32);
    maat_buf_cleanup(&q);
    maat_attester_free(a);

    /* reopening loads the same platform (same root) instead of creating a new one */
    assert_int_equal(maat_attester_open(&cfg, &a, &err), 0);
    size_t root2_len;
    uint8_t *root2 = tu_read_file(path_in("home/.maat/sim/root-ca.pem"), &root2_len);
    root = tu_read_file(path_in("home/.maat/sim/certs/root-ca.pem"), &root_len);
    assert_non_null(root2);
    assert_non_null(root);
    assert_int_equal(root_len, root2_len);
    assert_memory_equal(root, root2, root_len);
    free(root);
    free(root2);
    maat_attester_free(a);
}

static void test_sim_default_dir_from_env(void **state)
{
    (void)state;
    setenv(MAAT_ATTESTER_SIM_DIR_ENV, path_in("envplat"), 1);
    setenv(MAAT_ATTESTER_GRAMINE_DIR_ENV, path_in("no-such-dir"), 1);
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    /* auto: no Gramine interface, but $MAAT_SIM_DIR names a platform */
    if (maat_attester_open(NULL, &a, &err) != 0) fail_msg("%s", err.msg);
    assert_int_equal(maat_attester_kind(a), MAAT_ATTESTER_SIM);
    assert_string_equal(maat_attester_location(a), path_in("envplat"));
    maat_attester_free(a);
}

static void test_sim_no_create(void **state)
{
    (void)state;
    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_SIM,
                                       .sim_dir = path_in("empty"),
                                       .sim_no_create = true};
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_attester_open(&cfg, &a, &err), -1);
    assert_null(a);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "maat sim init"));
}

/* A fake /dev/attestation: attestation_type + a pre-placed quote over `rd`. Returns the
 * directory (a copy that stays valid until the test's end). */
static const char *fake_gramine(const char *type, const uint8_t rd[64], struct maat_buf *q)
{
    static char g[4096];
    snprintf(g, sizeof g, "%s", path_in("attestation"));
    mkdir(g, 0755);
    write_file(path_in("attestation/attestation_type"), type, strlen(type));
    sim_quote(rd, q);
    write_file(path_in("attestation/quote"), q->data, q->len);
    return g;
}

static void test_gramine_fake_dir(void **state)
{
    (void)state;
    uint8_t rd[64];
    fill(rd, 0x40);
    struct maat_buf placed;
    maat_buf_init(&placed);
    const char *g = fake_gramine("dcap", rd, &placed);
    assert_true(maat_attester_gramine_available(g));

    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_GRAMINE, .gramine_dir = g};
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    if (maat_attester_open(&cfg, &a, &err) != 0) fail_msg("%s", err.msg);
    assert_int_equal(maat_attester_kind(a), MAAT_ATTESTER_GRAMINE);
    assert_string_equal(maat_attester_location(a), g);
    struct maat_buf q;
    maat_buf_init(&q);
    if (maat_attester_quote(a, rd, &q, &err) != 0) fail_msg("%s", err.msg);
    /* the quote file came back unchanged ... */
    assert_int_equal(q.len, placed.len);
    assert_memory_equal(q.data, placed.data, q.len);
    /* ... after exactly the 64 report-data bytes were written */
    size_t n;
    uint8_t *urd = tu_read_file(path_in("attestation/user_report_data"), &n);
    assert_non_null(urd);
    assert_int_equal(n, 64);
    assert_memory_equal(urd, rd, 64);
    free(urd);

    /* a quote over other report data is refused (and nothing is appended) */
    uint8_t other[64];
    fill(other, 0x41);
    size_t before = q.len;
    assert_int_equal(maat_attester_quote(a, other, &q, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, "report_data differs"));
    assert_int_equal(q.len, before);
    urd = tu_read_file(path_in("attestation/user_report_data"), &n);
    assert_non_null(urd);
    assert_int_equal(n, 64); /* truncated, rewritten: still exactly 64 */
    assert_memory_equal(urd, other, 64);
    free(urd);
    maat_attester_free(a);

    /* auto prefers Gramine over a named simulated platform; the directory comes from the
     * environment variable */
    setenv(MAAT_ATTESTER_GRAMINE_DIR_ENV, g, 1);
    setenv(MAAT_ATTESTER_SIM_DIR_ENV, path_in("plat"), 1);
    assert_true(maat_attester_gramine_available(NULL));
    assert_int_equal(maat_attester_open(NULL, &a, &err), 0);
    assert_int_equal(maat_attester_kind(a), MAAT_ATTESTER_GRAMINE);
    maat_buf_cleanup(&q);
    maat_buf_init(&q);
    assert_int_equal(maat_attester_quote(a, rd, &q, &err), 0);
    assert_int_equal(q.len, placed.len);
    maat_attester_free(a);
    maat_buf_cleanup(&q);
    maat_buf_cleanup(&placed);
}

static void test_gramine_type_newline_tolerated(void **state)
{
    (void)state;
    uint8_t rd[64];
    fill(rd, 9);
    struct maat_buf placed;
    maat_buf_init(&placed);
    const char *g = fake_gramine("dcap\n", rd, &placed);
    assert_true(maat_attester_gramine_available(g));
    maat_buf_cleanup(&placed);
}

static void test_gramine_wrong_type(void **state)
{
    (void)state;
    uint8_t rd[64];
    fill(rd, 1);
    struct maat_buf placed;
    maat_buf_init(&placed);
    const char *g = fake_gramine("none", rd, &placed);
    maat_buf_cleanup(&placed);
    assert_false(maat_attester_gramine_available(g));

    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_GRAMINE, .gramine_dir = g};
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_attester_open(&cfg, &a, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "reads \"none\", expected \"dcap\""));
    assert_non_null(strstr(err.msg, "sgx.remote_attestation"));

    /* auto inside a Gramine enclave without DCAP: an error, never the simulator */
    cfg.kind = MAAT_ATTESTER_AUTO;
    cfg.sim_dir = path_in("plat");
    maat_error_clear(&err);
    assert_int_equal(maat_attester_open(&cfg, &a, &err), -1);
    assert_null(a);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
}

static void test_gramine_bad_quote_files(void **state)
{
    (void)state;
    const char *g = path_in("attestation");
    mkdir(g, 0755);
    write_file(path_in("attestation/attestation_type"), "dcap", 4);
    write_file(path_in("attestation/quote"), "", 0);
    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_GRAMINE, .gramine_dir = g};
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_attester_open(&cfg, &a, &err), 0);
    uint8_t rd[64] = {0};
    struct maat_buf q;
    maat_buf_init(&q);
    assert_int_equal(maat_attester_quote(a, rd, &q, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
    assert_non_null(strstr(err.msg, "is empty"));

    write_file(path_in("attestation/quote"), "not a quote at all", 18);
    maat_error_clear(&err);
    assert_int_equal(maat_attester_quote(a, rd, &q, &err), -1);
    assert_non_null(strstr(err.msg, "unparsable quote"));
    assert_int_equal(q.len, 0);
    maat_buf_cleanup(&q);
    maat_attester_free(a);
}

static void test_no_provider(void **state)
{
    (void)state;
    /* Gramine's directory absent, no simulated platform named */
    setenv(MAAT_ATTESTER_GRAMINE_DIR_ENV, path_in("no-such-dir"), 1);
    struct maat_attester *a = NULL;
    struct maat_error err = {0};
    assert_false(maat_attester_gramine_available(NULL));
    assert_int_equal(maat_attester_open(NULL, &a, &err), -1);
    assert_null(a);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no quote provider available"));
    assert_non_null(strstr(err.msg, "no-such-dir/quote not found"));
    assert_non_null(strstr(err.msg, "MAAT_SIM_DIR"));

    /* asking for gramine explicitly says where it looked */
    struct maat_attester_config cfg = {.kind = MAAT_ATTESTER_GRAMINE};
    maat_error_clear(&err);
    assert_int_equal(maat_attester_open(&cfg, &a, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no-such-dir/quote does not exist"));

    /* the sim provider without any directory: $HOME/.maat/sim, under a fake HOME */
    const char *home = getenv("HOME");
    char *saved = home ? strdup(home) : NULL;
    setenv("HOME", path_in("fakehome"), 1);
    mkdir(path_in("fakehome"), 0755);
    cfg.kind = MAAT_ATTESTER_SIM;
    cfg.sim_no_create = true;
    maat_error_clear(&err);
    assert_int_equal(maat_attester_open(&cfg, &a, &err), -1);
    assert_non_null(strstr(err.msg, "fakehome/.maat/sim holds no simulated platform"));
    if (saved)
        setenv("HOME", saved, 1);
    else
        unsetenv("HOME");
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test_setup_teardown(test_sim_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sim_default_dir_from_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sim_no_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gramine_fake_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gramine_type_newline_tolerated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gramine_wrong_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gramine_bad_quote_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
