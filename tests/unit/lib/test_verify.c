/* test_verify.c - the DCAP verifier against real vectors: Phala's dcap-qvl SGX quote with
 * real Intel collateral, Intel's QVL sample (a test PKI), and the Azure sample quotes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h"
#include "maat/evidence.h"
#include "maat/verify.h"
#include "testutil.h"

/* ---- dcap-qvl: real SGX quote v3, real collateral (README: verify at 1752919277) ---- */

struct fixture {
    uint8_t *quote_buf, *bundle_buf;
    size_t quote_len, bundle_len;
    struct maat_quote q;
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input in;
    struct maat_trust *trust;
};

static int load_dcap_qvl(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->quote_buf = tu_read_vector("dcap-qvl/sgx_quote", &f->quote_len);
    f->bundle_buf = tu_read_vector("dcap-qvl/sgx_quote_collateral.json", &f->bundle_len);
    if (!f->quote_buf || !f->bundle_buf) return -1;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(f->quote_buf, f->quote_len, &f->q, &err), 0);
    assert_int_equal(maat_collateral_bundle_parse(f->bundle_buf, f->bundle_len, &f->bundle, &err), 0);
    maat_collateral_input_from_bundle(&f->bundle, &f->in);
    f->trust = maat_trust_new_intel(&err);
    assert_non_null(f->trust);
    return 0;
}

static void fixture_free(struct fixture *f)
{
    maat_collateral_bundle_cleanup(&f->bundle);
    maat_trust_free(f->trust);
    free(f->quote_buf);
    free(f->bundle_buf);
}

static void verify_at(struct fixture *f, time_t at, struct maat_verdict *v)
{
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_verify(&f->in, f->trust, at, &vc, &err) != 0)
        fail_msg("collateral: %s", err.msg);
    struct maat_verify_opts opts = {.at = at};
    assert_int_equal(maat_quote_verify(&f->q, vc, f->trust, &opts, v, &err), 0);
    maat_verified_collateral_free(vc);
}

static void test_dcap_qvl_sgx_status(void **state)
{
    (void)state;
    struct fixture f;
    if (load_dcap_qvl(&f) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_verdict v;
    verify_at(&f, 1752919277, &v);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
    assert_int_equal(v.qvl_result, MAAT_QVL_CONFIG_AND_SW_HARDENING_NEEDED);
    assert_int_equal(v.advisory_count, 2);
    assert_string_equal(v.advisory_ids[0], "INTEL-SA-00289");
    assert_string_equal(v.advisory_ids[1], "INTEL-SA-00615");
    const uint8_t fmspc[6] = {0x00, 0xa0, 0x67, 0x11, 0x00, 0x00};
    assert_memory_equal(v.fmspc, fmspc, 6);
    assert_false(v.trusted_root_simulated);
    assert_int_equal(v.tcb_evaluation_data_number, 17);
    for (int s = 0; s < MAAT_STEP__COUNT; s++) assert_int_equal(v.steps[s], MAAT_STEP_PASSED);
    /* nextUpdate is the last valid instant */
    verify_at(&f, 1752919278, &v);
    assert_true(v.ok);
    fixture_free(&f);
}

static void test_dcap_qvl_sgx_expiry(void **state)
{
    (void)state;
    struct fixture f;
    if (load_dcap_qvl(&f) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_verdict v;
    verify_at(&f, 1752919279, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_COLLATERAL_TIME);
    assert_int_equal(v.qvl_result, MAAT_QVL_COLLATERAL_EXPIRED);
    assert_string_equal(v.reason, "QE identity expired at 2025-07-19T10:01:18Z (verification time "
                                  "2025-07-19T10:01:19Z)");
    /* the signatures still verified */
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
    verify_at(&f, 1752922900, &v);
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "TCB info expired at 2025-07-19T10:56:11Z"));
    assert_non_null(strstr(v.reason, "QE identity expired"));
    /* before the collateral was issued: not yet valid */
    verify_at(&f, 1750330570, &v); /* 2025-06-19T10:56:10Z, one second before TCB info's issueDate */
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "TCB info is not yet valid"));
    fixture_free(&f);
}

/* Flipping a byte in each signed region of the quote is caught by the right step. */
static void test_dcap_qvl_tamper(void **state)
{
    (void)state;
    struct fixture f;
    if (load_dcap_qvl(&f) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&f.in, f.trust, 1752919277, &vc, &err), 0);
    struct {
        size_t at;
        enum maat_verify_step step;
    } cases[] = {
        {8, MAAT_STEP_QUOTE_SIGNATURE},                 /* header qe_svn */
        {48 + 64, MAAT_STEP_QUOTE_SIGNATURE},           /* mr_enclave */
        {48 + 320, MAAT_STEP_QUOTE_SIGNATURE},          /* report_data */
        {436 + 5, MAAT_STEP_QUOTE_SIGNATURE},           /* quote signature */
        {436 + 64 + 3, MAAT_STEP_AK_BINDING},           /* attestation key (no longer bound) */
        {436 + 128 + 0, MAAT_STEP_QE_REPORT_SIGNATURE}, /* QE report cpu_svn */
        {436 + 512 + 7, MAAT_STEP_QE_REPORT_SIGNATURE}, /* QE report signature */
        {436 + 578 + 1, MAAT_STEP_AK_BINDING},          /* QE auth data */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *m = malloc(f.quote_len);
        memcpy(m, f.quote_buf, f.quote_len);
        m[cases[i].at] ^= 0x01;
        struct maat_quote q;
        assert_int_equal(maat_quote_parse(m, f.quote_len, &q, &err), 0);
        struct maat_verify_opts opts = {.at = 1752919277};
        struct maat_verdict v;
        assert_int_equal(maat_quote_verify(&q, vc, f.trust, &opts, &v, &err), 0);
        if (v.ok) fail_msg("flip at %zu accepted", cases[i].at);
        if (v.failed_step != cases[i].step)
            fail_msg("flip at %zu: failed at %s (%s), expected %s", cases[i].at,
                     maat_verify_step_name(v.failed_step), v.reason,
                     maat_verify_step_name(cases[i].step));
        free(m);
    }
    maat_verified_collateral_free(vc);
    fixture_free(&f);
}

/* Tampered collateral is refused when it is verified, naming the item. */
static void test_dcap_qvl_collateral_tamper(void **state)
{
    (void)state;
    struct fixture f;
    if (load_dcap_qvl(&f) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    /* one byte of the signed TCB info body ("tcbEvaluationDataNumber":17 -> 18) */
    char *p = strstr(f.bundle.tcb_info_text, "\"tcbEvaluationDataNumber\":17");
    assert_non_null(p);
    p[strlen("\"tcbEvaluationDataNumber\":1")] = '8';
    struct maat_collateral_input in = f.in;
    assert_int_not_equal(maat_collateral_verify(&in, f.trust, 1752919277, &vc, &err), 0);
    assert_non_null(strstr(err.msg, "TCB info: signature does not verify"));
    p[strlen("\"tcbEvaluationDataNumber\":1")] = '7';
    /* one byte of the QE identity signature */
    maat_error_clear(&err);
    in.sig_hex_storage[1][10] = in.sig_hex_storage[1][10] == '0' ? '1' : '0';
    in.qe_identity_signature.ptr = (const uint8_t *)in.sig_hex_storage[1]; /* the copy */
    assert_int_not_equal(maat_collateral_verify(&in, f.trust, 1752919277, &vc, &err), 0);
    assert_non_null(strstr(err.msg, "QE identity: signature does not verify"));
    /* a CRL with one byte changed in its signed part */
    maat_error_clear(&err);
    in = f.in;
    uint8_t *crl = malloc(f.bundle.pck_crl_len);
    memcpy(crl, f.bundle.pck_crl, f.bundle.pck_crl_len);
    crl[40] ^= 0x01;
    in.pck_crl.ptr = crl;
    assert_int_not_equal(maat_collateral_verify(&in, f.trust, 1752919277, &vc, &err), 0);
    assert_non_null(strstr(err.msg, "PCK CRL"));
    free(crl);
    /* an untrusted root: nothing is trusted */
    maat_error_clear(&err);
    struct maat_trust *empty = maat_trust_new_empty(&err);
    assert_int_not_equal(maat_collateral_verify(&f.in, empty, 1752919277, &vc, &err), 0);
    assert_non_null(strstr(err.msg, "does not end in a trusted root"));
    maat_trust_free(empty);
    fixture_free(&f);
}

/* The PCK chain cache: a hit skips only the chain verification, never a signature. */
static void test_pck_cache(void **state)
{
    (void)state;
    struct fixture f;
    if (load_dcap_qvl(&f) != 0) {
        fixture_free(&f);
        skip();
    }
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_equal(maat_collateral_verify(&f.in, f.trust, 1752919277, &vc, &err), 0);
    struct maat_pck_cache *cache = maat_pck_cache_new(16, &err);
    struct maat_verify_opts opts = {.at = 1752919277, .pck_cache = cache};
    struct maat_verdict v1, v2;
    assert_int_equal(maat_quote_verify(&f.q, vc, f.trust, &opts, &v1, &err), 0);
    assert_int_equal(maat_quote_verify(&f.q, vc, f.trust, &opts, &v2, &err), 0);
    assert_true(v1.ok && v2.ok);
    assert_int_equal(v2.status, v1.status);
    assert_memory_equal(&v2.pck, &v1.pck, sizeof v1.pck);
    uint64_t hits, misses;
    maat_pck_cache_stats(cache, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);
    /* same chain, tampered QE report signature: still caught on a cache hit */
    uint8_t *m = malloc(f.quote_len);
    memcpy(m, f.quote_buf, f.quote_len);
    m[436 + 512 + 3] ^= 0x40;
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(m, f.quote_len, &q, &err), 0);
    assert_int_equal(maat_quote_verify(&q, vc, f.trust, &opts, &v2, &err), 0);
    assert_false(v2.ok);
    assert_int_equal(v2.failed_step, MAAT_STEP_QE_REPORT_SIGNATURE);
    maat_pck_cache_stats(cache, &hits, &misses);
    assert_int_equal(hits, 2);
    /* another trust set never reuses an entry verified under this one */
    struct maat_trust *empty = maat_trust_new_empty(&err);
    assert_int_equal(maat_quote_verify(&f.q, NULL, empty, &opts, &v2, &err), 0);
    assert_false(v2.ok);
    assert_int_equal(v2.failed_step, MAAT_STEP_PCK_CHAIN);
    maat_trust_free(empty);
    free(m);
    maat_pck_cache_free(cache);
    maat_verified_collateral_free(vc);
    fixture_free(&f);
}

/* ---- Intel's QVL sample: test PKI, PCK certificate supplied separately ---- */

struct intel_sample {
    uint8_t *files[10];
    size_t lens[10];
    struct maat_quote q;
    struct maat_collateral_input in;
    struct maat_trust *trust;
    uint8_t *pck_chain;
    size_t pck_chain_len;
};

static const char *const intel_files[] = {
    "intel-qvl-sample/quote.dat",
    "intel-qvl-sample/pckCert.pem",
    "intel-qvl-sample/pckSignChain.pem",
    "intel-qvl-sample/tcbSignChain.pem",
    "intel-qvl-sample/tcbInfo.json",
    "intel-qvl-sample/qeIdentity.json",
    "intel-qvl-sample/rootCaCrl.der",
    "intel-qvl-sample/intermediateCaCrl.der",
    "intel-qvl-sample/trustedRootCaCert.pem",
};

static struct maat_view vw(const uint8_t *p, size_t n)
{
    struct maat_view v = {p, n};
    return v;
}

static int load_intel(struct intel_sample *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 9; i++) {
        s->files[i] = tu_read_vector(intel_files[i], &s->lens[i]);
        if (s->files[i] == NULL) return -1;
    }
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(s->files[0], s->lens[0], &s->q, &err), 0);
    s->pck_chain_len = s->lens[1] + s->lens[2];
    s->pck_chain = malloc(s->pck_chain_len);
    memcpy(s->pck_chain, s->files[1], s->lens[1]);
    memcpy(s->pck_chain + s->lens[1], s->files[2], s->lens[2]);
    s->in.tcb_info_issuer_chain = vw(s->files[3], s->lens[3]);
    s->in.qe_identity_issuer_chain = vw(s->files[3], s->lens[3]);
    s->in.tcb_info_json = vw(s->files[4], s->lens[4]);
    s->in.qe_identity_json = vw(s->files[5], s->lens[5]);
    s->in.root_ca_crl = vw(s->files[6], s->lens[6]);
    s->in.pck_crl = vw(s->files[7], s->lens[7]);
    s->in.pck_crl_issuer_chain = vw(s->files[2], s->lens[2]);
    s->trust = maat_trust_new_intel(&err);
    assert_int_equal(
        maat_trust_add_root(s->trust, s->files[8], s->lens[8], "Intel QVL sample root", true, &err),
        0);
    return 0;
}

static void intel_free(struct intel_sample *s)
{
    for (int i = 0; i < 10; i++) free(s->files[i]);
    free(s->pck_chain);
    maat_trust_free(s->trust);
}

static void intel_verify(struct intel_sample *s, time_t at, bool with_chain, struct maat_verdict *v)
{
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_verify(&s->in, s->trust, at, &vc, &err) != 0)
        fail_msg("collateral: %s", err.msg);
    struct maat_verify_opts opts = {.at = at};
    if (with_chain) opts.pck_chain_pem = vw(s->pck_chain, s->pck_chain_len);
    assert_int_equal(maat_quote_verify(&s->q, vc, s->trust, &opts, v, &err), 0);
    maat_verified_collateral_free(vc);
}

static void test_intel_sample(void **state)
{
    (void)state;
    struct intel_sample s;
    if (load_intel(&s) != 0) {
        intel_free(&s);
        skip();
    }
    struct maat_verdict v;
    intel_verify(&s, 1600000000, true, &v);
    if (!v.ok) fail_msg("%s", v.reason);
    assert_int_equal(v.status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(v.qvl_result, MAAT_QVL_OK);
    assert_true(v.trusted_root_simulated);
    const uint8_t fmspc[6] = {0x00, 0x70, 0x7f, 0x00, 0x00, 0x00};
    assert_memory_equal(v.fmspc, fmspc, 6);
    /* the window's ends, both inclusive (README: [1567669628, 1787917015]) */
    intel_verify(&s, 1567669628, true, &v);
    if (!v.ok) fail_msg("%s", v.reason);
    intel_verify(&s, 1787917015, true, &v);
    if (!v.ok) fail_msg("%s", v.reason);
    intel_verify(&s, 1567669627, true, &v);
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "QE identity is not yet valid"));

    /* past the TCB Signing certificate's notAfter (2026-08-28T11:36:55Z), PCK still valid */
    intel_verify(&s, 1787917016, true, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_COLLATERAL_TIME);
    assert_int_equal(v.steps[MAAT_STEP_VALIDITY], MAAT_STEP_PASSED);
    assert_non_null(strstr(v.reason, "\"Intel SGX TCB Signing\" expired at 2026-08-28T11:36:55Z"));
    /* past the PCK leaf's notAfter too (2026-09-05T07:47:06Z): the PCK chain is expired
     * (QVL: STATUS_SGX_PCK_CERT_CHAIN_EXPIRED) and so is the signing chain
     * (STATUS_SGX_SIGNING_CERT_CHAIN_EXPIRED); the quote's signatures still verify */
    intel_verify(&s, 1788600000, true, &v); /* 2026-09-05T09:20:00Z */
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_VALIDITY);
    assert_non_null(
        strstr(v.reason, "\"Intel SGX PCK Certificate\" expired at 2026-09-05T07:47:06Z"));
    assert_non_null(strstr(v.reason, "\"Intel SGX TCB Signing\" expired"));
    assert_int_equal(v.steps[MAAT_STEP_QUOTE_SIGNATURE], MAAT_STEP_PASSED);
    assert_int_equal(v.steps[MAAT_STEP_QE_REPORT_SIGNATURE], MAAT_STEP_PASSED);

    /* without the PCK certificate: the quote (type 1) carries none */
    intel_verify(&s, 1600000000, false, &v);
    assert_false(v.ok);
    assert_int_equal(v.failed_step, MAAT_STEP_PCK_CHAIN);
    assert_non_null(strstr(v.reason, "certification data type 1"));

    /* with Intel's production root only, the sample's test PKI is not trusted */
    struct maat_error err = {0};
    struct maat_trust *prod = maat_trust_new_intel(&err);
    struct maat_verified_collateral *vc = NULL;
    assert_int_not_equal(maat_collateral_verify(&s.in, prod, 1600000000, &vc, &err), 0);
    assert_non_null(strstr(err.msg, "does not end in a trusted root"));
    maat_trust_free(prod);
    intel_free(&s);
}

/* The Intel sample's PCK CRL is the Processor CA's; it lists serial 1d210d4e... */
static void test_intel_sample_wrong_crl(void **state)
{
    (void)state;
    struct intel_sample s;
    if (load_intel(&s) != 0) {
        intel_free(&s);
        skip();
    }
    /* Present the Root CA CRL as the PCK CRL: issued by the root, not the PCK CA. */
    s.in.pck_crl = s.in.root_ca_crl;
    struct maat_error err = {0};
    struct maat_verified_collateral *vc = NULL;
    assert_int_not_equal(maat_collateral_verify(&s.in, s.trust, 1600000000, &vc, &err), 0);
    assert_non_null(strstr(err.msg, "PCK CRL: issued by \"Intel SGX Root CA\""));
    intel_free(&s);
}

/* ---- Azure sample quotes: crypto checks pass; no collateral for FMSPC 00906ED50000 ---- */

static void test_azure_samples(void **state)
{
    (void)state;
    const char *files[] = {
        "azure-samples/intel-sdk/enclave.info.debug.json",
        "azure-samples/intel-sdk/enclave.info.release.json",
        "azure-samples/intel-sdk/enclave.info.prodid.json",
        "azure-samples/intel-sdk/enclave.info.securityversion.json",
        "azure-samples/oe-sdk/enclave.info.debug.json",
        "azure-samples/oe-sdk/enclave.info.release.json",
        "azure-samples/oe-sdk/enclave.info.prodid.json",
        "azure-samples/oe-sdk/enclave.info.securityversion.json",
    };
    struct maat_error err = {0};
    struct maat_trust *trust = maat_trust_new_intel(&err);
    int seen = 0;
    for (size_t i = 0; i < 8; i++) {
        size_t len;
        uint8_t *buf = tu_read_vector(files[i], &len);
        if (buf == NULL) continue;
        seen++;
        struct maat_evidence ev;
        assert_int_equal(maat_evidence_decode(buf, len, &ev, &err), 0);
        struct maat_quote q;
        assert_int_equal(maat_quote_parse(ev.quote, ev.quote_len, &q, &err), 0);
        struct maat_verify_opts opts = {.at = 1700000000}; /* 2023-11-14, inside both PCK windows */
        struct maat_verdict v;
        assert_int_equal(maat_quote_verify(&q, NULL, trust, &opts, &v, &err), 0);
        assert_false(v.ok);
        for (int s = MAAT_STEP_STRUCTURE; s <= MAAT_STEP_QUOTE_SIGNATURE; s++)
            if (s != MAAT_STEP_CRL && v.steps[s] != MAAT_STEP_PASSED)
                fail_msg("%s: step %s did not pass: %s", files[i],
                         maat_verify_step_name((enum maat_verify_step)s), v.reason);
        assert_int_equal(v.failed_step, MAAT_STEP_TCB_INFO);
        assert_non_null(strstr(v.reason, "TCB info for FMSPC 00906ed50000"));
        assert_non_null(strstr(v.reason, "not present"));
        maat_evidence_cleanup(&ev);
        free(buf);
    }
    maat_trust_free(trust);
    if (!seen) skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dcap_qvl_sgx_status),
        cmocka_unit_test(test_dcap_qvl_sgx_expiry),
        cmocka_unit_test(test_dcap_qvl_tamper),
        cmocka_unit_test(test_dcap_qvl_collateral_tamper),
        cmocka_unit_test(test_pck_cache),
        cmocka_unit_test(test_intel_sample),
        cmocka_unit_test(test_intel_sample_wrong_crl),
        cmocka_unit_test(test_azure_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
