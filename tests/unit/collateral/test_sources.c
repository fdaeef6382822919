/* test_sources.c - the bundle and directory collateral sources on real and simulated
 * collateral: what they deliver verifies with maat_collateral_verify at the vector
 * READMEs' times (dcap-qvl sgx: 1752919277, Intel QVL sample: 1600000000 with its sample
 * root), the sim platform's PCS layout and bundles verify under its root; wrong FMSPC,
 * missing CA, a CRL of the other CA and garbage files give errors naming the file; the
 * persistence encoding round-trips and rejects truncation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_source.h"
#include "maat/collateral.h"
#include "maat/verify.h"
#include "sim.h"
#include "testutil.h"

#include "collateral_fake_source.h"

static const uint8_t FMSPC_QVL[6] = {0x00, 0xA0, 0x67, 0x11, 0x00, 0x00};
static const uint8_t FMSPC_INTEL[6] = {0x00, 0x70, 0x7F, 0x00, 0x00, 0x00};

static char *vec(const char *rel)
{
    char *p = malloc(4200);
    snprintf(p, 4200, "%s/%s", tu_vectors_dir(), rel);
    return p;
}

static struct maat_verified_collateral *verify(const struct maat_collateral_raw *raw,
                                               const struct maat_trust *t, time_t at)
{
    struct maat_collateral_input in;
    maat_collateral_raw_input(raw, &in);
    struct maat_verified_collateral *vc = NULL;
    struct maat_error err = {0};
    int rc = maat_collateral_verify(&in, t, at, &vc, &err);
    if (rc != 0) fprintf(stderr, "verify: %s\n", err.msg);
    assert_int_equal(rc, 0);
    return vc;
}

static struct maat_trust *trust_from_file(const char *path, bool simulated)
{
    return trust_from_root_file(path, "test root", simulated);
}

static void test_bundle_dcap_qvl(void **state)
{
    (void)state;
    size_t len;
    uint8_t *probe = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &len);
    TU_REQUIRE_VECTOR(probe);
    free(probe);
    char *path = vec("dcap-qvl/sgx_quote_collateral.json");
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_bundle_source_new(path, NULL, &src, &err), 0);
    assert_non_null(strstr(maat_collateral_source_describe(src), "sgx_quote_collateral.json"));
    struct maat_collateral_raw raw;
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_QVL, MAAT_PCK_CA_PROCESSOR, 1752919277, &raw, &err),
        0);
    assert_string_equal(raw.origin, path);
    assert_int_equal(raw.tcb_info_json.len, 0);
    assert_true(raw.tcb_info_body.len > 1000);
    assert_int_equal(raw.tcb_info_signature.len, 128);
    assert_int_equal(raw.qe_identity_signature.len, 128);
    assert_int_equal(raw.pck_crl.data[0], 0x30); /* hex decoded to DER */
    assert_int_equal(raw.root_ca_crl.data[0], 0x30);
    /* the parsers accept the bodies */
    struct maat_tcb_info ti;
    assert_int_equal(maat_tcb_info_parse_body(raw.tcb_info_body.data, raw.tcb_info_body.len,
                                              (const char *)raw.tcb_info_signature.data,
                                              raw.tcb_info_signature.len, &ti, &err),
                     0);
    assert_memory_equal(ti.fmspc, FMSPC_QVL, 6);
    maat_tcb_info_cleanup(&ti);
    /* and the verifier, at the README's time, under Intel's root */
    struct maat_trust *t = maat_trust_new_intel(&err);
    assert_non_null(t);
    struct maat_verified_collateral *vc = verify(&raw, t, 1752919277);
    struct maat_collateral_window w;
    maat_verified_collateral_window(vc, &w);
    assert_int_equal(w.not_after, 1752919278); /* the QE identity's nextUpdate */
    assert_string_equal(w.limiting, "QE identity");
    assert_int_equal(maat_verified_collateral_pck_ca(vc), MAAT_PCK_CA_PROCESSOR);
    maat_verified_collateral_free(vc);
    maat_trust_free(t);
    maat_collateral_raw_cleanup(&raw);

    /* another FMSPC: not found, naming the file and both FMSPCs */
    static const uint8_t other[6] = {0x00, 0x90, 0x6E, 0xA1, 0x00, 0x00};
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_source_fetch(src, other, MAAT_PCK_CA_PROCESSOR, 0, &raw, &err),
                     -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "00A067110000"));
    assert_non_null(strstr(err.msg, "00906EA10000"));
    assert_non_null(strstr(err.msg, "sgx_quote_collateral.json"));
    assert_null(raw.tcb_info_body.data);
    /* no platform bundle configured */
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_QVL, MAAT_PCK_CA_PLATFORM, 0, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "platform"));
    maat_collateral_source_free(src);

    /* configured for the wrong CA: the CRL's issuer says so */
    assert_int_equal(maat_collateral_bundle_source_new(NULL, path, &src, &err), 0);
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_QVL, MAAT_PCK_CA_PLATFORM, 0, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, "issued by the processor CA"));
    maat_collateral_source_free(src);
    free(path);
}

static void test_dir_intel_sample(void **state)
{
    (void)state;
    size_t len;
    uint8_t *probe = tu_read_vector("intel-qvl-sample/tcbInfo.json", &len);
    TU_REQUIRE_VECTOR(probe);
    free(probe);
    char *dir = vec("intel-qvl-sample");
    char *root = vec("intel-qvl-sample/trustedRootCaCert.pem");
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_dir_source_new(dir, &src, &err), 0);
    struct maat_collateral_raw raw;
    assert_int_equal(maat_collateral_source_fetch(src, FMSPC_INTEL, MAAT_PCK_CA_PROCESSOR,
                                                  1600000000, &raw, &err),
                     0);
    assert_true(raw.tcb_info_json.len > 0);
    assert_true(raw.qe_identity_json.len > 0);
    assert_int_equal(raw.tcb_info_body.len, 0);
    /* the TCB Signing chain serves both JSON documents */
    assert_int_equal(raw.tcb_info_issuer_chain.len, raw.qe_identity_issuer_chain.len);
    struct maat_tcb_info ti;
    assert_int_equal(maat_tcb_info_parse(raw.tcb_info_json.data, raw.tcb_info_json.len, &ti, &err),
                     0);
    assert_int_equal(ti.version, 2);
    assert_int_equal(ti.tcb_evaluation_data_number, 3);
    maat_tcb_info_cleanup(&ti);
    struct maat_trust *t = trust_from_file(root, false);
    struct maat_verified_collateral *vc = verify(&raw, t, 1600000000);
    struct maat_collateral_window w;
    maat_verified_collateral_window(vc, &w);
    assert_int_equal(w.not_after, 1787917015); /* TCB Signing notAfter, README */
    assert_int_equal(maat_verified_collateral_pck_ca(vc), MAAT_PCK_CA_PROCESSOR);
    maat_verified_collateral_free(vc);
    maat_collateral_raw_cleanup(&raw);
    /* the sample only has the Processor CA's CRL */
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_INTEL, MAAT_PCK_CA_PLATFORM, 0, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "intermediateCaCrl.der"));
    maat_trust_free(t);
    maat_collateral_source_free(src);
    free(dir);
    free(root);
}

/* ---- the simulated platform ---- */

static void check_sim_raw(struct maat_collateral_source *src, enum maat_pck_ca ca,
                          const struct maat_trust *t)
{
    struct maat_collateral_raw raw;
    struct maat_error err = {0};
    int rc = maat_collateral_source_fetch(src, FMSPC_SIM, ca, SIM_NOW + 60, &raw, &err);
    if (rc != 0) fprintf(stderr, "fetch: %s\n", err.msg);
    assert_int_equal(rc, 0);
    struct maat_verified_collateral *vc = verify(&raw, t, SIM_NOW + 60);
    struct maat_collateral_window w;
    maat_verified_collateral_window(vc, &w);
    assert_int_equal(w.not_before, SIM_NOW);
    assert_int_equal(w.not_after, SIM_NEXT);
    assert_int_equal(maat_verified_collateral_pck_ca(vc), ca);
    assert_memory_equal(maat_verified_collateral_tcb_info(vc)->fmspc, FMSPC_SIM, 6);
    maat_verified_collateral_free(vc);
    maat_collateral_raw_cleanup(&raw);
}

static void test_sim_dir_and_bundles(void **state)
{
    (void)state;
    char p[4300], q[4300];
    snprintf(p, sizeof p, "%s/root-ca.pem", simdir);
    struct maat_trust *t = trust_from_file(p, true);
    struct maat_error err = {0};
    struct maat_collateral_source *src = NULL;
    /* the platform directory (finds pcs/), and pcs/ itself */
    assert_int_equal(maat_collateral_dir_source_new(simdir, &src, &err), 0);
    check_sim_raw(src, MAAT_PCK_CA_PROCESSOR, t);
    check_sim_raw(src, MAAT_PCK_CA_PLATFORM, t);
    maat_collateral_source_free(src);
    snprintf(p, sizeof p, "%s/pcs", simdir);
    assert_int_equal(maat_collateral_dir_source_new(p, &src, &err), 0);
    check_sim_raw(src, MAAT_PCK_CA_PLATFORM, t);
    /* an FMSPC the platform does not have */
    struct maat_collateral_raw raw;
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_QVL, MAAT_PCK_CA_PROCESSOR, 0, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "tcb-00A067110000.json"));
    maat_collateral_source_free(src);
    /* the bundles */
    snprintf(p, sizeof p, "%s/collateral.json", simdir);
    snprintf(q, sizeof q, "%s/collateral-platform.json", simdir);
    assert_int_equal(maat_collateral_bundle_source_new(p, q, &src, &err), 0);
    check_sim_raw(src, MAAT_PCK_CA_PROCESSOR, t);
    check_sim_raw(src, MAAT_PCK_CA_PLATFORM, t);
    maat_collateral_source_free(src);
    maat_trust_free(t);
}

static void test_dir_garbage(void **state)
{
    (void)state;
    char p[4300];
    snprintf(p, sizeof p, "%s/pcs/qe-identity.json", simdir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"enclaveIdentity\": [1, 2", f);
    fclose(f);
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_dir_source_new(simdir, &src, &err), 0);
    struct maat_collateral_raw raw;
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 0, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    assert_non_null(strstr(err.msg, "qe-identity.json: not JSON"));
    maat_collateral_source_free(src);
    /* an empty directory */
    assert_int_equal(maat_collateral_dir_source_new("/nonexistent-maat-dir", &src, &err), 0);
    maat_error_clear(&err);
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 0, &raw, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no collateral here"));
    maat_collateral_source_free(src);
}

static void test_raw_roundtrip(void **state)
{
    (void)state;
    struct maat_collateral_source *src = NULL;
    struct maat_error err = {0};
    assert_int_equal(maat_collateral_dir_source_new(simdir, &src, &err), 0);
    struct maat_collateral_raw raw, back;
    assert_int_equal(
        maat_collateral_source_fetch(src, FMSPC_SIM, MAAT_PCK_CA_PROCESSOR, 0, &raw, &err), 0);
    struct maat_buf b;
    maat_buf_init(&b);
    assert_int_equal(maat_collateral_raw_serialize(&raw, &b, &err), 0);
    assert_memory_equal(b.data, "MAATCOL1", 8);
    assert_int_equal(maat_collateral_raw_deserialize(b.data, b.len, &back, &err), 0);
    assert_string_equal(back.origin, raw.origin);
    assert_int_equal(back.tcb_info_json.len, raw.tcb_info_json.len);
    assert_memory_equal(back.tcb_info_json.data, raw.tcb_info_json.data, raw.tcb_info_json.len);
    assert_int_equal(back.pck_crl.len, raw.pck_crl.len);
    assert_memory_equal(back.pck_crl.data, raw.pck_crl.data, raw.pck_crl.len);
    assert_int_equal(back.tcb_info_body.len, 0);
    maat_collateral_raw_cleanup(&back);
    /* truncated: an error naming the field, never a read past the end */
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_raw_deserialize(b.data, b.len - 1, &back, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
    assert_non_null(strstr(err.msg, "qe_identity_signature"));
    /* trailing byte */
    assert_int_equal(maat_buf_put_u8(&b, 0), 0);
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_raw_deserialize(b.data, b.len, &back, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRAILING);
    /* bad magic */
    b.data[0] = 'X';
    maat_error_clear(&err);
    assert_int_equal(maat_collateral_raw_deserialize(b.data, b.len, &back, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    maat_buf_cleanup(&b);
    maat_collateral_raw_cleanup(&raw);
    maat_collateral_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_dcap_qvl),     cmocka_unit_test(test_dir_intel_sample),
        cmocka_unit_test(test_sim_dir_and_bundles), cmocka_unit_test(test_raw_roundtrip),
        cmocka_unit_test(test_dir_garbage), /* last: it damages the sim directory */
    };
    return cmocka_run_group_tests(tests, sim_dir_setup, sim_dir_teardown);
}
