/*
 * test_collateral.c - TCB info / enclave identity / collateral bundle parsing, the JSON
 * span scanner and TCB level matching, against the shared vectors (Open Enclave's
 * negative/positive corpus, Intel's QVL sample, go-tdx-guest's PCS responses, dcap-qvl
 * bundles). Expected values come from the vector READMEs; signatures over the extracted
 * spans are checked with OpenSSL to prove the spans are byte-exact.
 */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_json.h"
#include "json_span.h"
#include "maat/collateral.h"

/* ---- helpers ---- */

static uint8_t *load(const char *rel, size_t *len)
{
    return tu_read_vector(rel, len);
}

static size_t count_json_files(const char *sub)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/openenclave-negative/%s", tu_vectors_dir(), sub);
    DIR *d = opendir(path);
    if (d == NULL) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) n++;
    }
    closedir(d);
    return n;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
    char buf[256];
    assert_true(2 * n < sizeof buf);
    maat_hex_encode(p, n, buf);
    /* compare case-insensitively: the JSON uses upper case */
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < 2 * n; i++) {
        char a = buf[i], b = hex[i];
        if (b >= 'A' && b <= 'F') b = (char)(b - 'A' + 'a');
        if (a != b) fail_msg("hex mismatch: got %s, expected %s", buf, hex);
    }
}

/* Verifies r||s over msg with the first certificate of a PEM chain (the TCB Signing
 * cert). Returns 1 valid, 0 invalid. */
static int verify_with_chain(const char *pem, size_t pem_len, const uint8_t *msg, size_t len,
                             const uint8_t sig[64])
{
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    assert_non_null(bio);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(x);
    char cn[256];
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn) >
                0);
    assert_string_equal(cn, "Intel SGX TCB Signing");
    EVP_PKEY *pk = X509_get0_pubkey(x);
    assert_non_null(pk);
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    assert_int_equal(ECDSA_SIG_set0(s, r, ss), 1);
    unsigned char *der = NULL;
    int dlen = i2d_ECDSA_SIG(s, &der);
    assert_true(dlen > 0);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk), 1);
    int rc = EVP_DigestVerify(ctx, der, (size_t)dlen, msg, len);
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
    X509_free(x);
    return rc == 1;
}

/* Valid over the span, invalid over the span with one byte changed or one byte short. */
static void assert_span_signed(const char *chain_rel, struct maat_view body, const uint8_t sig[64])
{
    size_t clen;
    uint8_t *chain = load(chain_rel, &clen);
    TU_REQUIRE_VECTOR(chain);
    assert_true(verify_with_chain((char *)chain, clen, body.ptr, body.len, sig));
    uint8_t *copy = malloc(body.len);
    memcpy(copy, body.ptr, body.len);
    copy[body.len / 2] ^= 1;
    assert_false(verify_with_chain((char *)chain, clen, copy, body.len, sig));
    assert_false(verify_with_chain((char *)chain, clen, body.ptr, body.len - 1, sig));
    free(copy);
    free(chain);
}

static void assert_ids(char **ids, size_t n, const char *const *want, size_t wn)
{
    assert_int_equal(n, wn);
    for (size_t i = 0; i < wn; i++) assert_string_equal(ids[i], want[i]);
}

/* ---- Open Enclave corpus: negatives ---- */

struct neg {
    const char *file;
    maat_err code;
    const char *needle;  /* must appear in the message (names the field) */
    const char *needle2; /* optional second fragment (the offending value) */
};

static const struct neg tcb_v1_neg[] = {
    {"tcbInfoNegativePropertyMissingLevel0.json", MAAT_ERR_NOT_FOUND, "signature: required field",
     NULL},
    {"tcbInfoNegativePropertyMissingLevel1.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.version: required field", NULL},
    {"tcbInfoNegativePropertyMissingLevel2.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.tcbLevels[0].tcb: required field", NULL},
    {"tcbInfoNegativePropertyMissingLevel3.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.tcbLevels[0].tcb.pcesvn: required field", NULL},
    {"tcbInfoNegativePropertyWrongTypeLevel0.json", MAAT_ERR_VALUE, "signature (offset",
     "got an integer"},
    {"tcbInfoNegativePropertyWrongTypeLevel1.json", MAAT_ERR_VALUE, "tcbInfo.fmspc (offset",
     "got an integer"},
    {"tcbInfoNegativePropertyWrongTypeLevel2.json", MAAT_ERR_VALUE,
     "tcbInfo.tcbLevels[0].status (offset", "got an integer"},
    {"tcbInfoNegativePropertyWrongTypeLevel3.json", MAAT_ERR_VALUE,
     "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp06svn (offset", "got a string"},
    {"tcbInfoNegativeCompSvn.json", MAAT_ERR_VALUE,
     "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp01svn (offset", "got 257"},
    {"tcbInfoNegativePceSvn.json", MAAT_ERR_VALUE, "tcbInfo.tcbLevels[0].tcb.pcesvn (offset",
     "got 65537"},
    {"tcbInfoNegativeInvalidIssueDate.json", MAAT_ERR_VALUE, "tcbInfo.issueDate (offset",
     "2018-16-06T10:12:17Z"},
    {"tcbInfoNegativeInvalidNextUpdate.json", MAAT_ERR_VALUE, "tcbInfo.nextUpdate (offset",
     "2018-16-06T10:12:17Z"},
    {"tcbInfoNegativeMissingNextUpdate.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.nextUpdate: required field", NULL},
    {"tcbInfoNegativeSignature.json", MAAT_ERR_VALUE, "signature (offset", "got 123 characters"},
    {"tcbInfoNegativeStringEscape.json", MAAT_ERR_VALUE, "tcbInfo.issueDate (offset",
     "YYYY-MM-DDTHH:MM:SSZ"},
    {"tcbInfoNegativeIntegerOverflow.json", MAAT_ERR_ENCODING, "(in tcbInfo.version)",
     "too big integer"},
    {"tcbInfoNegativeIntegerWithSign.json", MAAT_ERR_VALUE, "tcbInfo.version (offset", "got -1"},
    {"tcbInfoNegativeFloat.json", MAAT_ERR_VALUE, "tcbInfo.version (offset", "fraction or exponent"},
};

static const struct neg tcb_v2_neg[] = {
    {"tcbInfoNegativePropertyMissingLevel0.json", MAAT_ERR_NOT_FOUND, "signature: required field",
     NULL},
    {"tcbInfoNegativePropertyMissingLevel1.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.version: required field", NULL},
    {"tcbInfoNegativePropertyMissingLevel2.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.tcbLevels[0].tcbDate: required field", NULL},
    {"tcbInfoNegativePropertyMissingLevel3.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.tcbLevels[0].tcb.pcesvn: required field", NULL},
    {"tcbInfoNegativePropertyWrongTypeLevel0.json", MAAT_ERR_VALUE, "signature (offset",
     "got an integer"},
    {"tcbInfoNegativePropertyWrongTypeLevel1.json", MAAT_ERR_VALUE, "tcbInfo.fmspc (offset",
     "got an integer"},
    {"tcbInfoNegativePropertyWrongTypeLevel2.json", MAAT_ERR_VALUE,
     "tcbInfo.tcbLevels[0].tcbStatus (offset", "got an integer"},
    {"tcbInfoNegativePropertyWrongTypeLevel3.json", MAAT_ERR_VALUE,
     "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp06svn (offset", "got a string"},
    {"tcbInfoNegativeCompSvn.json", MAAT_ERR_VALUE,
     "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp01svn (offset", "got 257"},
    {"tcbInfoNegativePceSvn.json", MAAT_ERR_VALUE, "tcbInfo.tcbLevels[0].tcb.pcesvn (offset",
     "got 65537"},
    {"tcbInfoNegativeInvalidIssueDate.json", MAAT_ERR_VALUE, "tcbInfo.issueDate (offset",
     "2018-16-06T10:12:17Z"},
    {"tcbInfoNegativeInvalidNextUpdate.json", MAAT_ERR_VALUE, "tcbInfo.nextUpdate (offset",
     "2019-16-06T10:12:17Z"},
    {"tcbInfoNegativeMissingNextUpdate.json", MAAT_ERR_NOT_FOUND,
     "tcbInfo.nextUpdate: required field", NULL},
    {"tcbInfoNegativeSignature.json", MAAT_ERR_VALUE, "signature (offset", "got 123 characters"},
    {"tcbInfoNegativeStringEscape.json", MAAT_ERR_VALUE, "tcbInfo.issueDate (offset",
     "YYYY-MM-DDTHH:MM:SSZ"},
    {"tcbInfoNegativeIntegerOverflow.json", MAAT_ERR_ENCODING, "(in tcbInfo.version)",
     "too big integer"},
    {"tcbInfoNegativeIntegerWithSign.json", MAAT_ERR_VALUE, "tcbInfo.version (offset", "got -1"},
    {"tcbInfoNegativeFloat.json", MAAT_ERR_VALUE, "tcbInfo.version (offset", "fraction or exponent"},
    {"tcbInfoNegativeTcbType.json", MAAT_ERR_UNSUPPORTED, "tcbInfo.tcbType (offset", "tcbType 1"},
};

static const struct neg qe_v1_neg[] = {
    {"qe_identity_missing_qeidentity.json", MAAT_ERR_ENCODING,
     "invalid JSON at offset 5 (in top level)", NULL},
    {"qe_identity_missing_version.json", MAAT_ERR_ENCODING,
     "invalid JSON at offset 43 (in qeIdentity)", NULL},
    {"qe_identity_missing_issuedate.json", MAAT_ERR_NOT_FOUND,
     "qeIdentity.issueDate: required field", NULL},
    {"qe_identity_missing_nextupdate.json", MAAT_ERR_NOT_FOUND,
     "qeIdentity.nextUpdate: required field", NULL},
    {"qe_identity_missing_miscselect.json", MAAT_ERR_ENCODING, "(in qeIdentity.00000000)",
     "expected ':'"},
    {"qe_identity_missing_miscselectmask.json", MAAT_ERR_NOT_FOUND,
     "qeIdentity.miscselectMask: required field", NULL},
    {"qe_identity_missing_attributes.json", MAAT_ERR_ENCODING,
     "(in qeIdentity, after member \"miscselectMask\")", NULL},
    {"qe_identity_missing_attributesmask.json", MAAT_ERR_ENCODING,
     "(in qeIdentity, after member \"attributes\")", NULL},
    {"qe_identity_missing_mrsigner.json", MAAT_ERR_NOT_FOUND, "qeIdentity.mrsigner: required field",
     NULL},
    {"qe_identity_missing_isvprodid.json", MAAT_ERR_ENCODING,
     "(in qeIdentity, after member \"mrsigner\")", NULL},
    {"qe_identity_missing_isvsvn.json", MAAT_ERR_ENCODING,
     "(in qeIdentity, after member \"isvprodid\")", NULL},
    {"qe_identity_missing_signature.json", MAAT_ERR_ENCODING,
     "(in top level, after member \"qeIdentity\")", NULL},
};

static const struct neg qe_v2_neg[] = {
    {"qe_identity_missing_qeidentity.json", MAAT_ERR_ENCODING,
     "invalid JSON at offset 4 (in top level)", NULL},
    {"qe_identity_missing_version.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.version: required field", NULL},
    {"qe_identity_missing_issuedate.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.issueDate: required field", NULL},
    {"qe_identity_missing_nextupdate.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.nextUpdate: required field", NULL},
    {"qe_identity_missing_miscselect.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.miscselect: required field", NULL},
    {"qe_identity_missing_miscselectmask.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.miscselectMask: required field", NULL},
    {"qe_identity_missing_attributes.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.attributes: required field", NULL},
    {"qe_identity_missing_attributesmask.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.attributesMask: required field", NULL},
    {"qe_identity_missing_mrsigner.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.mrsigner: required field", NULL},
    {"qe_identity_missing_isvprodid.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.isvprodid: required field", NULL},
    {"qe_identity_missing_isvsvn.json", MAAT_ERR_ENCODING, "(in enclaveIdentity.tcbLevels[0].tcb)",
     NULL},
    {"qe_identity_missing_signature.json", MAAT_ERR_NOT_FOUND, "signature: required field", NULL},
    {"qe_identity_missing_id.json", MAAT_ERR_NOT_FOUND, "enclaveIdentity.id: required field", NULL},
    {"qe_identity_missing_tcb_eval_data_num.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.tcbEvaluationDataNumber: required field", NULL},
    {"qe_identity_missing_tcb_levels.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.tcbLevels: required field", NULL},
    {"qe_identity_missing_tcb_date.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.tcbLevels[0].tcbDate: required field", NULL},
    {"qe_identity_missing_tcb_status.json", MAAT_ERR_NOT_FOUND,
     "enclaveIdentity.tcbLevels[0].tcbStatus: required field", NULL},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void run_negatives(const char *dir, const struct neg *t, size_t n, bool tcb)
{
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "openenclave-negative/%s/%s", dir, t[i].file);
        size_t len;
        uint8_t *buf = load(rel, &len);
        TU_REQUIRE_VECTOR(buf);
        struct maat_error err;
        maat_error_clear(&err);
        int rc;
        if (tcb) {
            struct maat_tcb_info ti;
            rc = maat_tcb_info_parse(buf, len, &ti, &err);
            maat_tcb_info_cleanup(&ti);
        } else {
            struct maat_enclave_identity ei;
            rc = maat_enclave_identity_parse(buf, len, &ei, &err);
            maat_enclave_identity_cleanup(&ei);
        }
        if (rc != -1 || err.code != t[i].code || strstr(err.msg, t[i].needle) == NULL ||
            (t[i].needle2 && strstr(err.msg, t[i].needle2) == NULL))
            fail_msg("%s: rc %d code %s, message \"%s\"; expected code %s naming \"%s\" / \"%s\"",
                     rel, rc, maat_err_name(err.code), err.msg, maat_err_name(t[i].code),
                     t[i].needle, t[i].needle2 ? t[i].needle2 : "");
        free(buf);
    }
}

static void test_oe_tcbinfo_negatives(void **state)
{
    (void)state;
    run_negatives("tcbinfo-v1", tcb_v1_neg, N(tcb_v1_neg), true);
    run_negatives("tcbinfo-v2", tcb_v2_neg, N(tcb_v2_neg), true);
    /* every file of the folders is covered: negatives above + positives below */
    assert_int_equal(count_json_files("tcbinfo-v1"), N(tcb_v1_neg) + 2);
    assert_int_equal(count_json_files("tcbinfo-v2"), N(tcb_v2_neg) + 3);
    assert_int_equal(count_json_files("tcbinfo-v3"), 2);
}

static void test_oe_qeidentity_negatives(void **state)
{
    (void)state;
    run_negatives("qeidentity-v1", qe_v1_neg, N(qe_v1_neg), false);
    run_negatives("qeidentity-v2", qe_v2_neg, N(qe_v2_neg), false);
    assert_int_equal(count_json_files("qeidentity-v1"), N(qe_v1_neg) + 1);
    assert_int_equal(count_json_files("qeidentity-v2"), N(qe_v2_neg) + 3);
}

/* ---- Open Enclave corpus: positives and TCB results ---- */

static const uint8_t oe_comps[16] = {4, 4, 2, 4, 1, 128, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const uint8_t oe_v3_comps[16] = {7, 9, 3, 3, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static void parse_tcb_vector(const char *rel, struct maat_tcb_info *ti, uint8_t **buf)
{
    size_t len;
    *buf = load(rel, &len);
    TU_REQUIRE_VECTOR(*buf);
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_tcb_info_parse(*buf, len, ti, &err) != 0) fail_msg("%s: %s", rel, err.msg);
}

static void parse_ei_vector(const char *rel, struct maat_enclave_identity *ei, uint8_t **buf)
{
    size_t len;
    *buf = load(rel, &len);
    TU_REQUIRE_VECTOR(*buf);
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_enclave_identity_parse(*buf, len, ei, &err) != 0) fail_msg("%s: %s", rel, err.msg);
}

/* status < 0: expect no matching level */
static void expect_sgx(const struct maat_tcb_info *ti, const uint8_t comps[16], uint16_t p, int status)
{
    size_t idx = 999;
    const struct maat_tcb_level *lv = maat_tcb_info_match_sgx(ti, comps, p, &idx);
    if (status < 0) {
        if (lv != NULL)
            fail_msg("pcesvn %u: expected no matching level, got level %zu (%s)", p, idx,
                     maat_tcb_status_name(lv->status));
        return;
    }
    if (lv == NULL)
        fail_msg("pcesvn %u: expected %s, got no matching level", p,
                 maat_tcb_status_name((enum maat_tcb_status)status));
    assert_ptr_equal(lv, &ti->levels[idx]);
    if ((int)lv->status != status)
        fail_msg("pcesvn %u: expected %s, got %s (level %zu)", p,
                 maat_tcb_status_name((enum maat_tcb_status)status),
                 maat_tcb_status_name(lv->status), idx);
}

static void expect_no_match_when_zeroed(const struct maat_tcb_info *ti, const uint8_t base[16],
                                        uint16_t p, int upto)
{
    for (int i = 0; i < upto; i++) {
        uint8_t c[16];
        memcpy(c, base, 16);
        c[i] = 0;
        expect_sgx(ti, c, p, -1);
    }
}

static void assert_oe_common(const struct maat_tcb_info *ti)
{
    assert_int_equal(ti->issue_date, 1528279937);  /* 2018-06-06T10:12:17Z */
    assert_int_equal(ti->next_update, 1559815937); /* 2019-06-06T10:12:17Z */
    assert_hex(ti->fmspc, 6, "00906EA10000");
    assert_int_equal(ti->tcb_type, 0);
}

static void test_oe_tcbinfo_v1(void **state)
{
    (void)state;
    const char *files[] = {"tcbInfo.json", "tcbInfo_with_pceid.json"};
    for (int f = 0; f < 2; f++) {
        char rel[256];
        snprintf(rel, sizeof rel, "openenclave-negative/tcbinfo-v1/%s", files[f]);
        struct maat_tcb_info ti;
        uint8_t *buf;
        parse_tcb_vector(rel, &ti, &buf);
        assert_int_equal(ti.version, 1);
        assert_int_equal(ti.id, MAAT_TCB_ID_SGX);
        assert_oe_common(&ti);
        assert_int_equal(ti.has_pce_id, f == 1);
        if (f == 1) assert_hex(ti.pce_id, 2, "0000");
        assert_false(ti.has_tcb_evaluation_data_number);
        assert_int_equal(ti.level_count, 4);
        assert_false(ti.levels[0].has_tcb_date);
        assert_int_equal(ti.levels[0].sgx_components[5].svn, 128);
        assert_int_equal(ti.levels[0].pcesvn, 5);
        expect_sgx(&ti, oe_comps, 8, MAAT_TCB_UP_TO_DATE);
        expect_sgx(&ti, oe_comps, 4, MAAT_TCB_CONFIGURATION_NEEDED);
        expect_sgx(&ti, oe_comps, 3, MAAT_TCB_OUT_OF_DATE);
        expect_sgx(&ti, oe_comps, 2, MAAT_TCB_REVOKED);
        expect_sgx(&ti, oe_comps, 1, -1);
        expect_no_match_when_zeroed(&ti, oe_comps, 8, 16);
        /* the signed span is the tcbInfo value as written */
        assert_int_equal(ti.signed_body.ptr[0], '{');
        assert_int_equal(ti.signed_body.ptr[ti.signed_body.len - 1], '}');
        assert_ptr_equal(ti.signed_body.ptr, (uint8_t *)strstr((char *)buf, "\"tcbInfo\": ") + 11);
        maat_tcb_info_cleanup(&ti);
        free(buf);
    }
}

static void test_oe_tcbinfo_v2(void **state)
{
    (void)state;
    const char *files[] = {"tcbInfo.json", "tcbInfo_with_pceid.json"};
    for (int f = 0; f < 2; f++) {
        char rel[256];
        snprintf(rel, sizeof rel, "openenclave-negative/tcbinfo-v2/%s", files[f]);
        struct maat_tcb_info ti;
        uint8_t *buf;
        parse_tcb_vector(rel, &ti, &buf);
        assert_int_equal(ti.version, 2);
        assert_oe_common(&ti);
        assert_int_equal(ti.has_pce_id, f == 1);
        assert_true(ti.has_tcb_evaluation_data_number);
        assert_int_equal(ti.tcb_evaluation_data_number, 5);
        assert_int_equal(ti.level_count, 7);
        assert_true(ti.levels[0].has_tcb_date);
        assert_int_equal(ti.levels[0].tcb_date, 1515027723); /* 2018-01-04T01:02:03Z */
        assert_int_equal(ti.levels[0].advisory_id_count, 0);
        expect_sgx(&ti, oe_comps, 9, MAAT_TCB_UP_TO_DATE);
        expect_sgx(&ti, oe_comps, 7, MAAT_TCB_SW_HARDENING_NEEDED);
        expect_sgx(&ti, oe_comps, 6, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
        expect_sgx(&ti, oe_comps, 5, MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
        expect_sgx(&ti, oe_comps, 4, MAAT_TCB_CONFIGURATION_NEEDED);
        expect_sgx(&ti, oe_comps, 3, MAAT_TCB_OUT_OF_DATE);
        expect_sgx(&ti, oe_comps, 2, MAAT_TCB_REVOKED);
        expect_sgx(&ti, oe_comps, 1, -1);
        expect_no_match_when_zeroed(&ti, oe_comps, 9, 16);
        maat_tcb_info_cleanup(&ti);
        free(buf);
    }
    struct maat_tcb_info ti;
    uint8_t *buf;
    parse_tcb_vector("openenclave-negative/tcbinfo-v2/tcbInfoAdvisoryIds.json", &ti, &buf);
    size_t idx;
    const struct maat_tcb_level *lv = maat_tcb_info_match_sgx(&ti, oe_comps, 9, &idx);
    assert_non_null(lv);
    assert_int_equal(idx, 0);
    assert_int_equal(lv->status, MAAT_TCB_UP_TO_DATE);
    static const char *const ids[] = {"INTEL-SA-00079", "INTEL-SA-00076"};
    assert_ids(lv->advisory_ids, lv->advisory_id_count, ids, 2);
    maat_tcb_info_cleanup(&ti);
    free(buf);
}

static void test_oe_tcbinfo_v3(void **state)
{
    (void)state;
    const char *files[] = {"tcbinfo_sgx.json", "tcbinfo_tdx.json"};
    for (int f = 0; f < 2; f++) {
        char rel[256];
        snprintf(rel, sizeof rel, "openenclave-negative/tcbinfo-v3/%s", files[f]);
        struct maat_tcb_info ti;
        uint8_t *buf;
        parse_tcb_vector(rel, &ti, &buf);
        assert_int_equal(ti.version, 3);
        assert_int_equal(ti.id, f == 0 ? MAAT_TCB_ID_SGX : MAAT_TCB_ID_TDX);
        assert_oe_common(&ti);
        assert_true(ti.has_pce_id);
        assert_hex(ti.pce_id, 2, "0000");
        assert_int_equal(ti.tcb_evaluation_data_number, 14);
        assert_int_equal(ti.level_count, 5);
        const struct maat_tcb_level *l0 = &ti.levels[0];
        assert_int_equal(l0->sgx_components[0].svn, 7);
        assert_string_equal(l0->sgx_components[0].category, "BIOS");
        assert_string_equal(l0->sgx_components[0].type, "Early Microcode Update");
        assert_string_equal(l0->sgx_components[3].category, "BIOS");
        assert_null(l0->sgx_components[3].type);
        assert_null(l0->sgx_components[15].category);
        assert_int_equal(l0->pcesvn, 8);
        expect_sgx(&ti, oe_v3_comps, 9, MAAT_TCB_UP_TO_DATE);
        expect_sgx(&ti, oe_v3_comps, 7, MAAT_TCB_SW_HARDENING_NEEDED);
        expect_sgx(&ti, oe_v3_comps, 6, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
        expect_sgx(&ti, oe_v3_comps, 5, MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
        expect_sgx(&ti, oe_v3_comps, 4, MAAT_TCB_OUT_OF_DATE);
        expect_sgx(&ti, oe_v3_comps, 3, -1);
        expect_no_match_when_zeroed(&ti, oe_v3_comps, 9, 6);
        if (f == 0) {
            assert_false(ti.has_tdx_module);
            assert_false(l0->has_tdx_components);
            static const char *const ids[] = {"INTEL-SA-00615", "INTEL-SA-00657"};
            assert_ids(l0->advisory_ids, l0->advisory_id_count, ids, 2);
            assert_int_equal(ti.levels[4].advisory_id_count, 17);
        } else {
            assert_true(ti.has_tdx_module);
            assert_true(maat_is_zero(ti.tdx_module.mrsigner, 48));
            assert_hex(ti.tdx_module.attributes_mask, 8, "FFFFFFFFFFFFFFFF");
            assert_int_equal(ti.tdx_module_identity_count, 0);
            assert_true(l0->has_tdx_components);
            assert_int_equal(l0->tdx_components[0].svn, 3);
            assert_int_equal(l0->tdx_components[2].svn, 5);
            assert_string_equal(l0->tdx_components[2].type, "TDX Late Microcode Update");
            assert_string_equal(l0->sgx_components[7].type, "SEAMLDR ACM");
            assert_int_equal(l0->advisory_id_count, 0);
            assert_int_equal(ti.levels[1].advisory_id_count, 13);
        }
        maat_tcb_info_cleanup(&ti);
        free(buf);
    }
}

static void test_oe_qeidentity_positives(void **state)
{
    (void)state;
    struct maat_enclave_identity ei;
    uint8_t *buf;
    size_t idx;

    parse_ei_vector("openenclave-negative/qeidentity-v1/qe_identity_ok.json", &ei, &buf);
    assert_int_equal(ei.version, 1);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_QE);
    assert_hex(ei.miscselect, 4, "00000000");
    assert_hex(ei.miscselect_mask, 4, "FFFFFFFF");
    assert_hex(ei.attributes, 16, "11000000000000000000000000000000");
    assert_hex(ei.attributes_mask, 16, "FBFFFFFFFFFFFFFF0000000000000000");
    assert_hex(ei.mrsigner, 32, "8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF");
    assert_int_equal(ei.isvprodid, 1);
    assert_int_equal(ei.v1_isvsvn, 1);
    assert_int_equal(ei.issue_date, 1539825980);  /* 2018-10-18T01:26:20Z */
    assert_int_equal(ei.next_update, 1542417980); /* 2018-11-17T01:26:20Z */
    assert_int_equal(maat_enclave_identity_match(&ei, 1, NULL)->status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(maat_enclave_identity_match(&ei, 0, NULL)->status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(ei.signed_body.ptr[0], '{');
    maat_enclave_identity_cleanup(&ei);
    free(buf);

    parse_ei_vector("openenclave-negative/qeidentity-v2/qe_identity_ok.json", &ei, &buf);
    assert_int_equal(ei.version, 2);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_QE);
    assert_int_equal(ei.tcb_evaluation_data_number, 5);
    const struct maat_enclave_tcb_level *lv = maat_enclave_identity_match(&ei, 2, &idx);
    assert_non_null(lv);
    assert_int_equal(idx, 0);
    assert_int_equal(lv->status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(lv->tcb_date, 1557882123); /* 2019-05-15T01:02:03Z */
    lv = maat_enclave_identity_match(&ei, 1, &idx);
    assert_int_equal(idx, 1);
    assert_int_equal(lv->status, MAAT_TCB_OUT_OF_DATE);
    assert_null(maat_enclave_identity_match(&ei, 0, NULL));
    maat_enclave_identity_cleanup(&ei);
    free(buf);

    parse_ei_vector("openenclave-negative/qeidentity-v2/qe_identity_with_advisoryids.json", &ei,
                    &buf);
    lv = maat_enclave_identity_match(&ei, 2, NULL);
    assert_int_equal(lv->status, MAAT_TCB_UP_TO_DATE);
    static const char *const ids[] = {"INTEL-SA-00079", "INTEL-SA-00076"};
    assert_ids(lv->advisory_ids, lv->advisory_id_count, ids, 2);
    maat_enclave_identity_cleanup(&ei);
    free(buf);

    parse_ei_vector("openenclave-negative/qeidentity-v2/qve_identity_ok.json", &ei, &buf);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_QVE);
    assert_string_equal(maat_enclave_id_name(ei.id), "QVE");
    assert_int_equal(maat_enclave_identity_match(&ei, 2, NULL)->status, MAAT_TCB_UP_TO_DATE);
    maat_enclave_identity_cleanup(&ei);
    free(buf);
}

/* ---- Intel QVL sample (test PKI) ---- */

static void test_intel_sample_tcbinfo(void **state)
{
    (void)state;
    struct maat_tcb_info ti;
    uint8_t *buf;
    parse_tcb_vector("intel-qvl-sample/tcbInfo.json", &ti, &buf);
    assert_int_equal(ti.version, 2);
    assert_int_equal(ti.id, MAAT_TCB_ID_SGX);
    assert_hex(ti.fmspc, 6, "00707F000000");
    assert_hex(ti.pce_id, 2, "0000");
    assert_int_equal(ti.tcb_evaluation_data_number, 3);
    assert_int_equal(ti.issue_date, 1567669627);  /* 2019-09-05T07:47:07Z */
    assert_int_equal(ti.next_update, 1883288827); /* 2029-09-05T07:47:07Z */
    assert_int_equal(ti.level_count, 6);
    static const enum maat_tcb_status want[6] = {
        MAAT_TCB_UP_TO_DATE,  MAAT_TCB_CONFIGURATION_NEEDED,
        MAAT_TCB_OUT_OF_DATE, MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
        MAAT_TCB_REVOKED,     MAAT_TCB_OUT_OF_DATE};
    for (int i = 0; i < 6; i++) assert_int_equal(ti.levels[i].status, want[i]);
    /* PCK: comps 0,3,0,0,0,1,1,0.. PCESVN 3 meet the first level exactly */
    static const uint8_t pck[16] = {0, 3, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t idx;
    const struct maat_tcb_level *lv = maat_tcb_info_match_sgx(&ti, pck, 3, &idx);
    assert_non_null(lv);
    assert_int_equal(idx, 0);
    assert_int_equal(lv->status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(lv->tcb_date, 1567296000); /* 2019-09-01T00:00:00Z */
    /* the span is exactly what Intel signed */
    assert_memory_equal(ti.signed_body.ptr, "{\"version\":2,", 13);
    assert_ptr_equal(ti.signed_body.ptr, buf + strlen("{\"tcbInfo\":"));
    assert_span_signed("intel-qvl-sample/tcbSignChain.pem", ti.signed_body, ti.signature);
    maat_tcb_info_cleanup(&ti);
    free(buf);
}

static void test_intel_sample_identities(void **state)
{
    (void)state;
    struct maat_enclave_identity ei;
    uint8_t *buf;
    parse_ei_vector("intel-qvl-sample/qeIdentity.json", &ei, &buf);
    assert_int_equal(ei.version, 2);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_QE);
    assert_int_equal(ei.issue_date, 1567669628);  /* 2019-09-05T07:47:08Z */
    assert_int_equal(ei.next_update, 1883288828); /* 2029-09-05T07:47:08Z */
    /* byte order as written: the report's raw miscselect bytes are d1 82 b1 8c */
    static const uint8_t misc[4] = {0xd1, 0x82, 0xb1, 0x8c};
    assert_memory_equal(ei.miscselect, misc, 4);
    assert_hex(ei.attributes, 16, "70C8CBF48BD76EAB9C8126CE95E96C90");
    assert_hex(ei.mrsigner, 32, "8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF");
    assert_int_equal(ei.isvprodid, 1);
    assert_int_equal(ei.level_count, 1);
    assert_int_equal(maat_enclave_identity_match(&ei, 1, NULL)->status, MAAT_TCB_UP_TO_DATE);
    assert_null(maat_enclave_identity_match(&ei, 0, NULL));
    assert_span_signed("intel-qvl-sample/tcbSignChain.pem", ei.signed_body, ei.signature);
    maat_enclave_identity_cleanup(&ei);
    free(buf);

    parse_ei_vector("intel-qvl-sample/qveIdentity.json", &ei, &buf);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_QVE);
    assert_int_equal(ei.issue_date, 1568034381);  /* 2019-09-09T13:06:21Z */
    assert_int_equal(ei.next_update, 1883653581); /* 2029-09-09T13:06:21Z */
    assert_int_equal(ei.isvprodid, 2);
    assert_span_signed("intel-qvl-sample/tcbSignChain.pem", ei.signed_body, ei.signature);
    maat_enclave_identity_cleanup(&ei);
    free(buf);
}

/* The generated TDX sample has SVNs like 65473 in sgxtcbcomponents: rejected. */
static void test_intel_sample_tdx(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = load("intel-qvl-sample/tdx/tcbInfo.json", &len);
    TU_REQUIRE_VECTOR(buf);
    struct maat_tcb_info ti;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_tcb_info_parse(buf, len, &ti, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    assert_non_null(strstr(err.msg, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[1].svn"));
    assert_non_null(strstr(err.msg, "got 65473"));
    free(buf);

    struct maat_enclave_identity ei;
    parse_ei_vector("intel-qvl-sample/tdx/qeIdentity.json", &ei, &buf);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_TD_QE);
    assert_int_equal(ei.isvprodid, 29854);
    assert_int_equal(ei.levels[0].isvsvn, 12677);
    maat_enclave_identity_cleanup(&ei);
    free(buf);
}

/* ---- go-tdx-guest PCS responses (production) ---- */

static void test_tdx_pcs_responses(void **state)
{
    (void)state;
    struct maat_tcb_info ti;
    uint8_t *buf;
    parse_tcb_vector("tdx/sample_tcbInfo_response", &ti, &buf);
    assert_int_equal(ti.version, 3);
    assert_int_equal(ti.id, MAAT_TCB_ID_TDX);
    assert_string_equal(maat_tcb_id_name(ti.id), "TDX");
    assert_hex(ti.fmspc, 6, "50806F000000");
    assert_int_equal(ti.issue_date, 1687077778);  /* 2023-06-18T08:42:58Z */
    assert_int_equal(ti.next_update, 1689669778); /* 2023-07-18T08:42:58Z */
    assert_int_equal(ti.tcb_evaluation_data_number, 15);
    assert_true(ti.has_tdx_module);
    assert_int_equal(ti.level_count, 2);
    assert_int_equal(ti.levels[0].status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(ti.levels[0].pcesvn, 11);
    assert_int_equal(ti.levels[1].status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(ti.levels[1].pcesvn, 5);
    /* the quote's PCK (3,3,2,2,2,1,0,2 / 11) is below both levels: TCB not supported */
    static const uint8_t pck[16] = {3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_null(maat_tcb_info_match_sgx(&ti, pck, 11, NULL));
    /* the file ends with a newline the span must not include */
    assert_int_equal(ti.signed_body.ptr[ti.signed_body.len - 1], '}');
    assert_span_signed("tdx/tcbInfoIssuerChain.pem", ti.signed_body, ti.signature);
    maat_tcb_info_cleanup(&ti);
    free(buf);

    struct maat_enclave_identity ei;
    parse_ei_vector("tdx/sample_qeIdentity_response", &ei, &buf);
    assert_int_equal(ei.id, MAAT_ENCLAVE_ID_TD_QE);
    assert_int_equal(ei.issue_date, 1686209099);  /* 2023-06-08T07:24:59Z */
    assert_int_equal(ei.next_update, 1688801099); /* 2023-07-08T07:24:59Z */
    assert_hex(ei.mrsigner, 32, "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5");
    assert_int_equal(ei.isvprodid, 2);
    const struct maat_enclave_tcb_level *lv = maat_enclave_identity_match(&ei, 4, NULL);
    assert_non_null(lv);
    assert_int_equal(lv->status, MAAT_TCB_UP_TO_DATE);
    assert_null(maat_enclave_identity_match(&ei, 3, NULL));
    assert_span_signed("tdx/qeIdentityIssuerChain.pem", ei.signed_body, ei.signature);
    maat_enclave_identity_cleanup(&ei);
    free(buf);
}

/* ---- dcap-qvl bundles ---- */

static void parse_bundle(const char *rel, struct maat_collateral_bundle *b, json_t **doc)
{
    size_t len;
    uint8_t *buf = load(rel, &len);
    TU_REQUIRE_VECTOR(buf);
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_collateral_bundle_parse(buf, len, b, &err) != 0) fail_msg("%s: %s", rel, err.msg);
    /* an independent decoding of the same file, to compare with */
    *doc = json_loadb((char *)buf, len, 0, NULL);
    assert_non_null(*doc);
    /* the bundle owns its copies: the input can go */
    memset(buf, 0, len);
    free(buf);
}

static void assert_bundle_strings(const struct maat_collateral_bundle *b, json_t *doc)
{
    const char *ti = json_string_value(json_object_get(doc, "tcb_info"));
    const char *qe = json_string_value(json_object_get(doc, "qe_identity"));
    assert_int_equal(b->tcb_info.signed_body.len, strlen(ti));
    assert_memory_equal(b->tcb_info.signed_body.ptr, ti, strlen(ti));
    assert_ptr_equal(b->tcb_info.signed_body.ptr, (uint8_t *)b->tcb_info_text);
    assert_int_equal(b->qe_identity.signed_body.len, strlen(qe));
    assert_memory_equal(b->qe_identity.signed_body.ptr, qe, strlen(qe));
    assert_string_equal(b->pck_crl_issuer_chain,
                        json_string_value(json_object_get(doc, "pck_crl_issuer_chain")));
    assert_string_equal(b->tcb_info_issuer_chain,
                        json_string_value(json_object_get(doc, "tcb_info_issuer_chain")));
    /* DER CRLs: SEQUENCE, and the hex round-trips */
    char *hex = maat_hex_encode_alloc(b->root_ca_crl, b->root_ca_crl_len);
    assert_string_equal(hex, json_string_value(json_object_get(doc, "root_ca_crl")));
    free(hex);
    hex = maat_hex_encode_alloc(b->pck_crl, b->pck_crl_len);
    assert_string_equal(hex, json_string_value(json_object_get(doc, "pck_crl")));
    free(hex);
    assert_int_equal(b->root_ca_crl[0], 0x30);
}

static void test_dcap_qvl_sgx_bundle(void **state)
{
    (void)state;
    struct maat_collateral_bundle b;
    json_t *doc;
    parse_bundle("dcap-qvl/sgx_quote_collateral.json", &b, &doc);
    assert_bundle_strings(&b, doc);
    assert_int_equal(b.root_ca_crl_len, 292);
    assert_int_equal(b.pck_crl_len, 302);
    const struct maat_tcb_info *ti = &b.tcb_info;
    assert_int_equal(ti->version, 3);
    assert_int_equal(ti->id, MAAT_TCB_ID_SGX);
    assert_hex(ti->fmspc, 6, "00A067110000");
    assert_int_equal(ti->issue_date, 1750330571);  /* 2025-06-19T10:56:11Z */
    assert_int_equal(ti->next_update, 1752922571); /* 2025-07-19T10:56:11Z */
    assert_int_equal(ti->level_count, 11);
    /* PCK of dcap-qvl/sgx_quote: comps 11,11,2,2,255,1,0.. PCESVN 13 */
    static const uint8_t pck[16] = {11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t idx;
    const struct maat_tcb_level *lv = maat_tcb_info_match_sgx(ti, pck, 13, &idx);
    assert_non_null(lv);
    assert_int_equal(idx, 1);
    assert_int_equal(lv->status, MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
    static const char *const ids[] = {"INTEL-SA-00289", "INTEL-SA-00615"};
    assert_ids(lv->advisory_ids, lv->advisory_id_count, ids, 2);
    const struct maat_enclave_identity *qe = &b.qe_identity;
    assert_int_equal(qe->version, 2);
    assert_int_equal(qe->id, MAAT_ENCLAVE_ID_QE);
    assert_int_equal(qe->issue_date, 1750327278);
    assert_int_equal(qe->next_update, 1752919278); /* README: QE identity nextUpdate */
    assert_int_equal(qe->tcb_evaluation_data_number, 17);
    assert_int_equal(qe->level_count, 6);
    assert_int_equal(maat_enclave_identity_match(qe, 8, NULL)->status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(maat_enclave_identity_match(qe, 7, NULL)->status, MAAT_TCB_OUT_OF_DATE);
    /* the signatures verify over the extracted bytes, under the TCB Signing key */
    size_t n;
    assert_true(verify_with_chain(b.tcb_info_issuer_chain, strlen(b.tcb_info_issuer_chain),
                                  ti->signed_body.ptr, ti->signed_body.len, ti->signature));
    assert_true(verify_with_chain(b.qe_identity_issuer_chain, strlen(b.qe_identity_issuer_chain),
                                  qe->signed_body.ptr, qe->signed_body.len, qe->signature));
    n = qe->signed_body.len;
    assert_false(verify_with_chain(b.qe_identity_issuer_chain, strlen(b.qe_identity_issuer_chain),
                                   qe->signed_body.ptr, n - 1, qe->signature));
    json_decref(doc);
    maat_collateral_bundle_cleanup(&b);
}

static void test_dcap_qvl_tdx_bundles(void **state)
{
    (void)state;
    struct maat_collateral_bundle b;
    json_t *doc;
    parse_bundle("dcap-qvl/tdx_quote_collateral.json", &b, &doc);
    assert_bundle_strings(&b, doc);
    assert_int_equal(b.tcb_info.version, 3);
    assert_int_equal(b.tcb_info.id, MAAT_TCB_ID_TDX);
    assert_hex(b.tcb_info.fmspc, 6, "B0C06F000000");
    assert_int_equal(b.tcb_info.issue_date, 1750328163);  /* 2025-06-19T10:16:03Z */
    assert_int_equal(b.tcb_info.next_update, 1752920163); /* 2025-07-19T10:16:03Z */
    assert_int_equal(b.tcb_info.tdx_module_identity_count, 2);
    assert_string_equal(b.tcb_info.tdx_module_identities[0].id, "TDX_03");
    assert_string_equal(b.tcb_info.tdx_module_identities[1].id, "TDX_01");
    assert_int_equal(b.qe_identity.id, MAAT_ENCLAVE_ID_TD_QE);
    assert_int_equal(b.qe_identity.next_update, 1752921147); /* 2025-07-19T10:32:27Z */
    static const uint8_t pck[16] = {3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
    const struct maat_tcb_level *lv = maat_tcb_info_match_sgx(&b.tcb_info, pck, 11, NULL);
    assert_non_null(lv);
    assert_int_equal(lv->status, MAAT_TCB_UP_TO_DATE);
    assert_int_equal(lv->advisory_id_count, 0);
    assert_true(verify_with_chain(b.tcb_info_issuer_chain, strlen(b.tcb_info_issuer_chain),
                                  b.tcb_info.signed_body.ptr, b.tcb_info.signed_body.len,
                                  b.tcb_info.signature));
    json_decref(doc);
    maat_collateral_bundle_cleanup(&b);

    parse_bundle("dcap-qvl/tdx_quote_outdated_collateral.json", &b, &doc);
    assert_bundle_strings(&b, doc);
    assert_hex(b.tcb_info.fmspc, 6, "90C06F000000");
    assert_int_equal(b.tcb_info.issue_date, 1771412331);  /* 2026-02-18T10:58:51Z */
    assert_int_equal(b.tcb_info.next_update, 1774004331); /* 2026-03-20T10:58:51Z */
    assert_int_equal(b.tcb_info.tcb_evaluation_data_number, 18);
    assert_int_equal(b.qe_identity.next_update, 1774003335); /* 2026-03-20T10:42:15Z */
    const struct maat_tdx_module_identity *m = &b.tcb_info.tdx_module_identities[1];
    assert_int_equal(m->level_count, 3);
    assert_int_equal(m->levels[0].isvsvn, 6);
    assert_int_equal(m->levels[1].status, MAAT_TCB_OUT_OF_DATE);
    assert_int_equal(m->levels[1].advisory_id_count, 2);
    /* PCK comp 7 (3) is below every level's (5): no matching level */
    static const uint8_t pck2[16] = {3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_null(maat_tcb_info_match_sgx(&b.tcb_info, pck2, 13, NULL));
    json_decref(doc);
    maat_collateral_bundle_cleanup(&b);
}

/* ---- malformed input ---- */

static void truncate_all(const char *rel, int kind)
{
    size_t len;
    uint8_t *buf = load(rel, &len);
    TU_REQUIRE_VECTOR(buf);
    size_t last = len;
    while (last > 0 && buf[last - 1] != '}') last--;
    for (size_t n = 0; n < last; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches any over-read */
        memcpy(copy, buf, n);
        struct maat_error err;
        maat_error_clear(&err);
        int rc;
        if (kind == 0) {
            struct maat_tcb_info ti;
            rc = maat_tcb_info_parse(copy, n, &ti, &err);
            maat_tcb_info_cleanup(&ti);
        } else if (kind == 1) {
            struct maat_enclave_identity ei;
            rc = maat_enclave_identity_parse(copy, n, &ei, &err);
            maat_enclave_identity_cleanup(&ei);
        } else {
            struct maat_collateral_bundle b;
            rc = maat_collateral_bundle_parse(copy, n, &b, &err);
            maat_collateral_bundle_cleanup(&b);
        }
        if (rc != -1 || err.code == MAAT_OK)
            fail_msg("%s truncated to %zu bytes was accepted", rel, n);
        free(copy);
    }
    free(buf);
}

static void test_truncated(void **state)
{
    (void)state;
    truncate_all("intel-qvl-sample/tcbInfo.json", 0);
    truncate_all("tdx/sample_tcbInfo_response", 0);
    truncate_all("intel-qvl-sample/qeIdentity.json", 1);
    truncate_all("openenclave-negative/qeidentity-v1/qe_identity_ok.json", 1);
    truncate_all("dcap-qvl/sgx_quote_collateral.json", 2);
}

/* Parses text as an enclave identity and checks code + message fragment. */
static void expect_ei_error(const char *text, maat_err code, const char *needle)
{
    struct maat_enclave_identity ei;
    struct maat_error err;
    maat_error_clear(&err);
    int rc = maat_enclave_identity_parse(text, strlen(text), &ei, &err);
    maat_enclave_identity_cleanup(&ei);
    if (rc != -1 || err.code != code || strstr(err.msg, needle) == NULL)
        fail_msg("rc %d code %s \"%s\"; expected %s naming \"%s\"", rc, maat_err_name(err.code),
                 err.msg, maat_err_name(code), needle);
}

/* The Intel sample QE identity with `from` replaced by `to` (once). */
static char *qe_variant(const char *from, const char *to)
{
    size_t len;
    uint8_t *buf = load("intel-qvl-sample/qeIdentity.json", &len);
    if (buf == NULL) return NULL;
    char *at = strstr((char *)buf, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - (char *)buf), fl = strlen(from), tl = strlen(to);
    char *out = malloc(len - fl + tl + 1);
    memcpy(out, buf, pre);
    memcpy(out + pre, to, tl);
    memcpy(out + pre + tl, at + fl, len - pre - fl);
    out[len - fl + tl] = '\0';
    free(buf);
    return out;
}

static void variant(const char *from, const char *to, maat_err code, const char *needle)
{
    char *t = qe_variant(from, to);
    TU_REQUIRE_VECTOR(t);
    expect_ei_error(t, code, needle);
    free(t);
}

static void test_wrong_types_and_values(void **state)
{
    (void)state;
    variant("\"isvprodid\":1", "\"isvprodid\":\"1\"", MAAT_ERR_VALUE,
            "enclaveIdentity.isvprodid (offset");
    variant("\"isvprodid\":1", "\"isvprodid\":1.0", MAAT_ERR_VALUE, "fraction or exponent");
    variant("\"isvprodid\":1", "\"isvprodid\":1e0", MAAT_ERR_VALUE, "fraction or exponent");
    variant("\"isvprodid\":1", "\"isvprodid\":65536", MAAT_ERR_VALUE, "got 65536 (out of range)");
    variant(
        "\"isvprodid\":1", "\"isvprodid\":-0", MAAT_ERR_VALUE,
        "(in enclaveIdentity.isvprodid): expected a non-negative integer without a sign, got '-'");
    variant("\"isvprodid\":1", "\"isvprodid\":true", MAAT_ERR_VALUE, "got true");
    variant("\"isvprodid\":1", "\"isvprodid\":null", MAAT_ERR_VALUE, "got null");
    variant("\"isvprodid\":1", "\"isvprodid\":99999999999999999999", MAAT_ERR_ENCODING,
            "(in enclaveIdentity.isvprodid)");
    variant("\"isvsvn\":1", "\"isvsvn\":65536", MAAT_ERR_VALUE,
            "enclaveIdentity.tcbLevels[0].tcb.isvsvn");
    variant("\"mrsigner\":\"8C4F", "\"mrsigner\":\"8C4", MAAT_ERR_VALUE,
            "expected exactly 64 hex digits");
    variant("\"mrsigner\":\"8C4F", "\"mrsigner\":\"XC4F", MAAT_ERR_VALUE, "non-hex");
    variant("\"miscselect\":\"D182B18C\"", "\"miscselect\":[]", MAAT_ERR_VALUE, "got an array");
    variant("\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"uptodate\"", MAAT_ERR_VALUE,
            "expected one of UpToDate");
    variant("\"id\":\"QE\"", "\"id\":\"qe\"", MAAT_ERR_VALUE, "enclaveIdentity.id (offset");
    variant("\"version\":2", "\"version\":3", MAAT_ERR_UNSUPPORTED, "unsupported version 3");
    variant("\"issueDate\":\"2019-09-05T07:47:08Z\"", "\"issueDate\":\"2019-02-29T07:47:08Z\"",
            MAAT_ERR_VALUE, "enclaveIdentity.issueDate");
    variant("\"issueDate\":\"2019-09-05T07:47:08Z\"", "\"issueDate\":\"2019-09-05T24:47:08Z\"",
            MAAT_ERR_VALUE, "enclaveIdentity.issueDate");
    variant("\"issueDate\":\"2019-09-05T07:47:08Z\"", "\"issueDate\":\"2019-09-05T07:47:08.000Z\"",
            MAAT_ERR_VALUE, "enclaveIdentity.issueDate");
    variant("\"issueDate\":\"2019-09-05T07:47:08Z\"", "\"issueDate\":\"2019-09-05 07:47:08Z\"",
            MAAT_ERR_VALUE, "enclaveIdentity.issueDate");
    variant("\"tcbLevels\":[{", "\"tcbLevels\":[],\"x\":[{", MAAT_ERR_VALUE,
            "enclaveIdentity.tcbLevels (offset");
    variant("\"signature\":\"336754e3", "\"signature\":\"336754e", MAAT_ERR_VALUE,
            "got 127 characters");
    variant("\"signature\":\"336754e3", "\"signature\":\"Z36754e3", MAAT_ERR_VALUE, "non-hex");
    /* duplicates: inside (jansson) and at the top level (the span scanner) */
    variant("\"isvprodid\":1", "\"isvprodid\":1,\"isvprodid\":1", MAAT_ERR_ENCODING, "duplicate");
    variant("{\"enclaveIdentity\":", "{\"signature\":\"00\",\"enclaveIdentity\":", MAAT_ERR_ENCODING,
            "duplicate");
    variant("{\"enclaveIdentity\":", "{\"enclaveIdentity\":{},\"enclaveIdentity\":",
            MAAT_ERR_ENCODING, "no second member");
    /* syntax: trailing data, control character, bad escape, invalid UTF-8, NUL */
    variant("\"UpToDate\"}]}", "\"UpToDate\"}]}}", MAAT_ERR_TRAILING,
            "offset 477 (in top level): expected nothing after the top-level object");
    variant("\"UpToDate\"}]}", "\"UpToDate\"}]]", MAAT_ERR_ENCODING,
            "(in enclaveIdentity.tcbLevels): expected ',' or '}' after a member, got ']'");
    variant("\"QE\"", "\"Q\tE\"", MAAT_ERR_ENCODING, "control character");
    variant("\"QE\"", "\"Q\\xE\"", MAAT_ERR_ENCODING, "expected one of");
    variant("\"QE\"", "\"Q\xff\"", MAAT_ERR_ENCODING, "(in enclaveIdentity.id)");
    variant("\"QE\"", "\"Q\\u0000E\"", MAAT_ERR_ENCODING, "(in enclaveIdentity.id)");
    /* escapes in a top-level member name cannot be located exactly: refused */
    variant("{\"enclaveIdentity\":", "{\"enclave\\u0049dentity\":", MAAT_ERR_ENCODING, "escape");
    /* wrapper and version must agree; not both wrappers */
    variant("{\"enclaveIdentity\":", "{\"qeIdentity\":", MAAT_ERR_UNSUPPORTED,
            "unsupported version 2 in a \"qeIdentity\"");
    variant("{\"enclaveIdentity\":", "{\"qeIdentity\":{},\"enclaveIdentity\":", MAAT_ERR_VALUE,
            "not both");
    variant("{\"enclaveIdentity\":", "{\"EnclaveIdentity\":", MAAT_ERR_NOT_FOUND,
            "enclaveIdentity: required field");
    /* not an object at the top */
    expect_ei_error("[]", MAAT_ERR_ENCODING, "expected '{'");
    expect_ei_error("", MAAT_ERR_TRUNCATED, "empty input");
    expect_ei_error("{\"enclaveIdentity\":[],\"signature\":\"00\"}", MAAT_ERR_VALUE,
                    "enclaveIdentity (offset 19): expected an object, got an array");
}

static void test_tcbinfo_variants(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = load("tdx/sample_tcbInfo_response", &len);
    TU_REQUIRE_VECTOR(buf);
    struct {
        const char *from, *to;
        maat_err code;
        const char *needle;
    } cases[] = {
        {"\"id\":\"TDX\"", "\"id\":\"tdx\"", MAAT_ERR_VALUE, "tcbInfo.id (offset"},
        {"\"pceId\":\"0000\",", "", MAAT_ERR_NOT_FOUND, "tcbInfo.pceId: required field"},
        {"\"tdxModule\":", "\"tdxModulE\":", MAAT_ERR_NOT_FOUND, "tcbInfo.tdxModule: required field"},
        {"\"attributesMask\":\"FFFFFFFFFFFFFFFF\"", "\"attributesMask\":\"FFFFFFFFFFFFFFF\"",
         MAAT_ERR_VALUE, "tcbInfo.tdxModule.attributesMask (offset"},
        {"{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0}],\"pcesvn\"",
         "{\"svn\":0},{\"svn\":0},{\"svn\":0}],\"pcesvn\"", MAAT_ERR_VALUE,
         "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents (offset"},
        {"\"tdxtcbcomponents\"", "\"TDXtcbcomponents\"", MAAT_ERR_NOT_FOUND,
         "tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents: required field"},
        {"\"category\":\"BIOS\"", "\"category\":7", MAAT_ERR_VALUE,
         "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].category (offset"},
        {"\"svn\":5,", "\"svn\":256,", MAAT_ERR_VALUE, "sgxtcbcomponents[0].svn (offset"},
        {"\"tcbType\":0", "\"tcbType\":1", MAAT_ERR_UNSUPPORTED, "tcbType 1"},
        {"\"version\":3", "\"version\":4", MAAT_ERR_UNSUPPORTED, "version 4"},
        {"\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"Unknown\"", MAAT_ERR_VALUE,
         "tcbInfo.tcbLevels[0].tcbStatus (offset"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *at = strstr((char *)buf, cases[i].from);
        assert_non_null(at);
        size_t pre = (size_t)(at - (char *)buf), fl = strlen(cases[i].from), tl = strlen(cases[i].to);
        size_t nl = len - fl + tl;
        char *t = malloc(nl);
        memcpy(t, buf, pre);
        memcpy(t + pre, cases[i].to, tl);
        memcpy(t + pre + tl, at + fl, len - pre - fl);
        struct maat_tcb_info ti;
        struct maat_error err;
        maat_error_clear(&err);
        int rc = maat_tcb_info_parse(t, nl, &ti, &err);
        maat_tcb_info_cleanup(&ti);
        if (rc != -1 || err.code != cases[i].code || strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu: rc %d %s \"%s\"; expected %s naming \"%s\"", i, rc,
                     maat_err_name(err.code), err.msg, maat_err_name(cases[i].code), cases[i].needle);
        free(t);
    }
    free(buf);
}

static void test_limits(void **state)
{
    (void)state;
    /* deeper than 32 levels, inside a field the schema ignores */
    char deep[256];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"x\":");
    for (int i = 0; i < 40; i++) deep[n++] = '[';
    for (int i = 0; i < 40; i++) deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    expect_ei_error(deep, MAAT_ERR_TOO_LARGE, "nesting of at most 32");
    /* over 1 MiB */
    size_t big = MAAT_COLLATERAL_MAX_INPUT + 1;
    char *t = malloc(big);
    memset(t, ' ', big);
    t[0] = '{';
    t[big - 1] = '}';
    struct maat_tcb_info ti;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_tcb_info_parse(t, big, &ti, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    free(t);
    maat_error_clear(&err);
    assert_int_equal(maat_tcb_info_parse(NULL, 0, &ti, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
}

static void test_bundle_errors(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = load("dcap-qvl/sgx_quote_collateral.json", &len);
    TU_REQUIRE_VECTOR(buf);
    json_t *doc = json_loadb((char *)buf, len, 0, NULL);
    assert_non_null(doc);
    free(buf);
    struct {
        const char *key;
        json_t *val; /* NULL: delete the key */
        maat_err code;
        const char *needle;
    } cases[] = {
        {"tcb_info", NULL, MAAT_ERR_NOT_FOUND, "tcb_info: required field"},
        {"qe_identity_signature", NULL, MAAT_ERR_NOT_FOUND, "qe_identity_signature: required field"},
        {"root_ca_crl", json_string("30"), MAAT_ERR_ENCODING, "root_ca_crl (offset"},
        {"pck_crl", json_string("3g"), MAAT_ERR_ENCODING, "pck_crl: invalid hex digit"},
        {"pck_crl", json_integer(1), MAAT_ERR_VALUE, "pck_crl (offset"},
        {"tcb_info_issuer_chain", json_string("not a certificate"), MAAT_ERR_ENCODING,
         "tcb_info_issuer_chain (offset"},
        {"tcb_info_signature", json_string("00"), MAAT_ERR_VALUE,
         "tcb_info / tcb_info_signature: tcb info: signature: expected exactly 128"},
        {"tcb_info", json_string("{\"id\":\"SGX\"}"), MAAT_ERR_NOT_FOUND,
         "tcb_info / tcb_info_signature: tcb info: tcbInfo.version: required field"},
        {"tcb_info", json_string("{\"id\":\"SGX\",\"version\":1.5}"), MAAT_ERR_VALUE,
         "tcbInfo.version (offset 22)"},
        {"qe_identity", json_string("{\"version\":2,\"version\":2}"), MAAT_ERR_ENCODING,
         "qe_identity / qe_identity_signature: enclave identity: invalid JSON at offset"},
        {"qe_identity", json_string(" {\"version\":2} x"), MAAT_ERR_TRAILING,
         "expected nothing after the top-level object"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *copy = json_deep_copy(doc);
        if (cases[i].val)
            json_object_set_new(copy, cases[i].key, cases[i].val);
        else
            json_object_del(copy, cases[i].key);
        char *text = json_dumps(copy, JSON_PRESERVE_ORDER);
        struct maat_collateral_bundle b;
        struct maat_error err;
        maat_error_clear(&err);
        int rc = maat_collateral_bundle_parse(text, strlen(text), &b, &err);
        maat_collateral_bundle_cleanup(&b);
        if (rc != -1 || err.code != cases[i].code || strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu (%s): rc %d %s \"%s\"; expected %s naming \"%s\"", i, cases[i].key,
                     rc, maat_err_name(err.code), err.msg, maat_err_name(cases[i].code),
                     cases[i].needle);
        free(text);
        json_decref(copy);
    }
    json_decref(doc);
}

/* ---- the span scanner and helpers ---- */

static void test_json_span(void **state)
{
    (void)state;
    const char *t = " { \"a\" : \"x\\\"}{\" , \"tcbInfo\" :\n "
                    "{\"k\":\"}\\\\\",\"n\":[1,-2.5e+3,{\"q\":[]}]} \t, "
                    "\"z\":[true,false,null] }\n";
    struct maat_json_span sp;
    bool found;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat__json_scan_object(t, strlen(t), "tcbInfo", &found, &sp, "t", &err), 0);
    assert_true(found);
    const char *want = "{\"k\":\"}\\\\\",\"n\":[1,-2.5e+3,{\"q\":[]}]}";
    assert_int_equal(sp.end - sp.start, strlen(want));
    assert_memory_equal(t + sp.start, want, strlen(want));
    /* a nested member with the wanted name is not a top-level member */
    const char *t2 = "{\"x\":{\"tcbInfo\":1}}";
    assert_int_equal(maat__json_scan_object(t2, strlen(t2), "tcbInfo", &found, &sp, "t", &err), 0);
    assert_false(found);
    /* path and offset lookups */
    char path[MAAT_JSON_PATH_MAX];
    size_t off;
    const char *t3 = "{\"a\":{\"b\":[10,{\"c\":7}]}}";
    maat__json_path_at(t3, strlen(t3), 19, path, sizeof path);
    assert_string_equal(path, "a.b[1].c");
    assert_true(maat__json_offset_of(t3, strlen(t3), "a.b[1].c", &off));
    assert_int_equal(off, 19);
    assert_true(maat__json_offset_of(t3, strlen(t3), "a.b[0]", &off));
    assert_int_equal(off, 11);
    assert_true(maat__json_offset_of(t3, strlen(t3), "", &off));
    assert_int_equal(off, 0);
    assert_false(maat__json_offset_of(t3, strlen(t3), "a.z", &off));
    /* malformed: each names offset and place */
    static const struct {
        const char *text;
        const char *needle;
    } bad[] = {
        {"{\"a\":01}", "offset 6 (in a)"},
        {"{\"a\":-}", "expected a digit"},
        {"{\"a\":1.}", "expected a digit after '.'"},
        {"{\"a\":1e}", "expected a digit in the exponent"},
        {"{\"a\":tru}", "expected a value"},
        {"{\"a\":[1,]}", "offset 8 (in a[1])"},
        {"{\"a\":\"\\u12G4\"}", "expected 4 hex digits"},
        {"{\"a\":\"abc", "text ends at offset 9"},
        {"{\"a\" 1}", "expected ':'"},
        {"{,}", "expected '\"' starting a member name"},
        {"{} {}", "expected nothing after the top-level object"},
        {"", "expected '{'"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        maat_error_clear(&err);
        assert_int_equal(
            maat__json_scan_object(bad[i].text, strlen(bad[i].text), NULL, NULL, NULL, "t", &err),
            -1);
        if (strstr(err.msg, bad[i].needle) == NULL)
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].text, err.msg, bad[i].needle);
    }
}

static void test_dates_and_names(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(cj_parse_date("1970-01-01T00:00:00Z", 20, &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(cj_parse_date("2020-02-29T23:59:59Z", 20, &t), 0);
    assert_int_equal(t, 1583020799);
    assert_int_equal(cj_parse_date("2000-02-29T00:00:00Z", 20, &t), 0);
    assert_int_equal(cj_parse_date("2100-02-29T00:00:00Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2019-02-29T00:00:00Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-16-06T10:12:17Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-04-31T10:12:17Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-00-10T10:12:17Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-01-00T10:12:17Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-01-01T10:60:17Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-01-01T10:12:60Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-01-01T10:12:17z", 20, &t), -1);
    assert_int_equal(cj_parse_date("2018-01-01T10:12:17+00:00", 25, &t), -1);
    assert_int_equal(cj_parse_date("+018-01-01T10:12:17Z", 20, &t), -1);
    assert_int_equal(cj_parse_date("1969-12-31T23:59:59Z", 20, &t), -1);

    for (int i = 0; i < MAAT_TCB_STATUS__COUNT; i++) {
        const char *name = maat_tcb_status_name((enum maat_tcb_status)i);
        enum maat_tcb_status s;
        assert_int_equal(maat_tcb_status_from_name(name, strlen(name), &s), 0);
        assert_int_equal((int)s, i);
    }
    assert_string_equal(maat_tcb_status_name(MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED),
                        "ConfigurationAndSWHardeningNeeded");
    assert_string_equal(maat_tcb_status_name(MAAT_TCB_STATUS__COUNT), "unknown");
    enum maat_tcb_status s;
    assert_int_equal(maat_tcb_status_from_name("UpToDat", 7, &s), -1);
    assert_int_equal(maat_tcb_status_from_name("UpToDateX", 9, &s), -1);
    assert_string_equal(maat_enclave_id_name(MAAT_ENCLAVE_ID_TD_QE), "TD_QE");
    assert_string_equal(maat_tcb_id_name(MAAT_TCB_ID_SGX), "SGX");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oe_tcbinfo_negatives),
        cmocka_unit_test(test_oe_qeidentity_negatives),
        cmocka_unit_test(test_oe_tcbinfo_v1),
        cmocka_unit_test(test_oe_tcbinfo_v2),
        cmocka_unit_test(test_oe_tcbinfo_v3),
        cmocka_unit_test(test_oe_qeidentity_positives),
        cmocka_unit_test(test_intel_sample_tcbinfo),
        cmocka_unit_test(test_intel_sample_identities),
        cmocka_unit_test(test_intel_sample_tdx),
        cmocka_unit_test(test_tdx_pcs_responses),
        cmocka_unit_test(test_dcap_qvl_sgx_bundle),
        cmocka_unit_test(test_dcap_qvl_tdx_bundles),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_wrong_types_and_values),
        cmocka_unit_test(test_tcbinfo_variants),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bundle_errors),
        cmocka_unit_test(test_json_span),
        cmocka_unit_test(test_dates_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
