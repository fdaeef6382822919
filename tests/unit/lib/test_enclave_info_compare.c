/* test_enclave_info_compare.c - maat_enclave_info_compare_quote() (maat/enclave_compare.h):
 * an EnclaveInfo against the quote itself, as `maat attest --offline` compares them. A
 * sim quote and the EnclaveInfo libmaat writes for it match; each field changed alone is
 * the one mismatch named, with both values; inputs that cannot be compared are refused
 * (fail closed) without touching anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/crypto.h"
#include "maat/enclave_compare.h"
#include "maat/enclave_info.h"
#include "maat/quote.h"
#include "sim_fixture.h"
#include "testutil.h"

#define NOW 1700000000

static struct sim_fixture F;
static struct maat_buf QBUF; /* a sim quote whose report_data[0:32] = SHA-256(EHD) */
static struct maat_quote Q;
static const uint8_t EHD[] = "enclave-held data";

static int setup(void **state)
{
    (void)state;
    sim_fixture_setup(&F, NOW, NULL);
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(F.sim, &o);
    memset(o.mr_enclave, 0x3e, 32);
    memset(o.mr_signer, 0xfe, 32);
    o.isv_prod_id = 0x0102;
    o.isv_svn = 7;
    o.attributes_flags = 0x07; /* DEBUG */
    maat__sha256(EHD, sizeof EHD, o.report_data);
    sim_fixture_quote(&F, &o, &QBUF);
    struct maat_error err = {0};
    if (maat_quote_parse(QBUF.data, QBUF.len, &Q, &err) != 0) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    maat_buf_cleanup(&QBUF);
    sim_fixture_teardown(&F);
    return 0;
}

/* The EnclaveInfo maat writes for the quote (maat_enclave_info_to_json), parsed back. */
static void enclave_info_for_quote(struct maat_enclave_info *ei)
{
    struct maat_error err = {0};
    char *json = NULL;
    if (maat_enclave_info_to_json(QBUF.data, QBUF.len, EHD, sizeof EHD, &json, &err) != 0 ||
        maat_enclave_info_parse(json, strlen(json), ei, &err) != 0)
        fail_msg("%s", err.msg);
    free(json);
}

static void test_match(void **state)
{
    (void)state;
    struct maat_enclave_info ei;
    enclave_info_for_quote(&ei);
    struct maat_enclave_comparison c;
    struct maat_error err = {0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, &Q, &c, &err), 0);
    assert_int_equal(c.count, MAAT_ENCLAVE_COMPARE_FIELDS);
    assert_int_equal(c.failed, 0);
    assert_string_equal(c.reason, "");
    static const char *const names[] = {"IsDebuggable", "MRENCLAVE",       "MRSIGNER",
                                        "ProductID",    "SecurityVersion", "EnclaveHeldData"};
    static const char *const fields[] = {
        "attributes.flags & DEBUG",        "mr_enclave", "mr_signer", "isv_prod_id", "isv_svn",
        "SHA-256(EHD) = report_data[0:32]"};
    for (size_t i = 0; i < c.count; i++) {
        assert_string_equal(c.fields[i].name, names[i]);
        assert_string_equal(c.fields[i].field, fields[i]);
        assert_true(c.fields[i].pass);
        assert_string_equal(c.fields[i].file_json, c.fields[i].quote_json);
    }
    assert_string_equal(c.fields[0].quote_json, "true");
    assert_string_equal(c.fields[1].quote_json,
                        "\"3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e\"");
    assert_string_equal(c.fields[3].quote_json, "258");
    assert_string_equal(c.fields[4].quote_json, "7");
    maat_enclave_comparison_cleanup(&c);
    assert_int_equal(c.count, 0);
    maat_enclave_comparison_cleanup(&c); /* twice: safe */
    maat_enclave_info_cleanup(&ei);
}

/* One field of the EnclaveInfo changed: that comparison alone fails, and the reason names
 * it with the file's and the quote's values. */
static void expect_one_mismatch(const struct maat_enclave_info *ei, bool oe, size_t idx,
                                const char *reason)
{
    struct maat_enclave_comparison c;
    struct maat_error err = {0};
    assert_int_equal(maat_enclave_info_compare_quote(ei, oe, &Q, &c, &err), 0);
    assert_int_equal(c.count, MAAT_ENCLAVE_COMPARE_FIELDS);
    assert_int_equal(c.failed, 1);
    for (size_t i = 0; i < c.count; i++) assert_int_equal(c.fields[i].pass, i != idx);
    assert_string_equal(c.reason, reason);
    maat_enclave_comparison_cleanup(&c);
}

static char *rep(const char *unit, int n, const char *last) /* unit * n + last, static */
{
    static char buf[4][160];
    static int k;
    char *o = buf[k++ % 4];
    o[0] = '\0';
    for (int i = 0; i < n; i++) strcat(o, unit);
    strcat(o, last);
    return o;
}

static void test_each_mismatching_field_named(void **state)
{
    (void)state;
    struct maat_enclave_info ei;
    enclave_info_for_quote(&ei);
    char want[MAAT_ERROR_MSG_MAX];

    ei.attributes = 0x05; /* SGX flags without DEBUG; the quote has DEBUG */
    expect_one_mismatch(&ei, false, 0,
                        "IsDebuggable mismatch: the file says false, the quote says true "
                        "(attributes.flags & DEBUG)");
    /* OpenEnclave bits: DEBUG is bit 0 (0x02 = REMOTE only: not debuggable) */
    ei.attributes = 0x02;
    expect_one_mismatch(&ei, true, 0,
                        "IsDebuggable mismatch: the file says false, the quote says true "
                        "(attributes.flags & DEBUG)");
    ei.attributes = 0x07;

    ei.mr_enclave[31] = 0x3f;
    snprintf(want, sizeof want,
             "MRENCLAVE mismatch: the file says \"%s\", the quote says \"%s\" (mr_enclave)",
             rep("3e", 31, "3f"), rep("3e", 32, ""));
    expect_one_mismatch(&ei, false, 1, want);
    ei.mr_enclave[31] = 0x3e;

    ei.mr_signer[0] = 0x00;
    snprintf(want, sizeof want,
             "MRSIGNER mismatch: the file says \"%s\", the quote says \"%s\" (mr_signer)",
             rep("00", 1, rep("fe", 31, "")), rep("fe", 32, ""));
    expect_one_mismatch(&ei, false, 2, want);
    ei.mr_signer[0] = 0xfe;

    ei.product_id[0] = 0x03; /* little-endian: 0x0103 */
    expect_one_mismatch(&ei, false, 3,
                        "ProductID mismatch: the file says 259, the quote says 258 (isv_prod_id)");
    ei.product_id[0] = 0x02;
    ei.product_id[2] = 0x01; /* within the first 8 bytes: compared */
    expect_one_mismatch(&ei, false, 3,
                        "ProductID mismatch: the file says 65794, the quote says 258 "
                        "(isv_prod_id)");
    ei.product_id[2] = 0x00;

    ei.security_version = 8;
    expect_one_mismatch(&ei, false, 4,
                        "SecurityVersion mismatch: the file says 8, the quote says 7 (isv_svn)");
    ei.security_version = 7;

    ei.ehd[0] ^= 1;
    uint8_t h[32];
    char hh[65], qh[65];
    maat__sha256(ei.ehd, ei.ehd_len, h);
    maat_hex_encode(h, 32, hh);
    maat_hex_encode(Q.report_body.report_data, 32, qh);
    snprintf(want, sizeof want,
             "EnclaveHeldData mismatch: the file says \"%s\", the quote says \"%s\" "
             "(SHA-256(EHD) = report_data[0:32])",
             hh, qh);
    expect_one_mismatch(&ei, false, 5, want);

    /* two at once: the first is named, the rest referred to the report */
    ei.security_version = 9;
    struct maat_enclave_comparison c;
    struct maat_error err = {0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, &Q, &c, &err), 0);
    assert_int_equal(c.failed, 2);
    assert_string_equal(c.reason,
                        "SecurityVersion mismatch: the file says 9, the quote says 7 (isv_svn) "
                        "(and more, see the report)");
    maat_enclave_comparison_cleanup(&c);
    maat_enclave_info_cleanup(&ei);
}

/* Only the first 8 bytes of ProductIdHex are the product id (as the sample reads it). */
static void test_product_id_high_bytes_ignored(void **state)
{
    (void)state;
    struct maat_enclave_info ei;
    enclave_info_for_quote(&ei);
    memset(ei.product_id + 8, 0xff, 8);
    struct maat_enclave_comparison c;
    struct maat_error err = {0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, &Q, &c, &err), 0);
    assert_int_equal(c.failed, 0);
    maat_enclave_comparison_cleanup(&c);
    maat_enclave_info_cleanup(&ei);
}

/* Inputs the comparison cannot run on: -1 naming what is wrong, *out empty. */
static void test_malformed_input_refused(void **state)
{
    (void)state;
    struct maat_enclave_info ei;
    enclave_info_for_quote(&ei);
    struct maat_enclave_comparison c;
    struct maat_error err = {0};

    err = (struct maat_error){0};
    assert_int_equal(maat_enclave_info_compare_quote(NULL, false, &Q, &c, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "EnclaveInfo is NULL"));
    assert_int_equal(c.count, 0);
    err = (struct maat_error){0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, NULL, &c, &err), -1);
    assert_non_null(strstr(err.msg, "quote is NULL"));
    err = (struct maat_error){0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, &Q, NULL, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);

    /* an EHD length without the bytes */
    struct maat_enclave_info bad = ei;
    bad.ehd = NULL;
    err = (struct maat_error){0};
    assert_int_equal(maat_enclave_info_compare_quote(&bad, false, &Q, &c, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "ehd_len"));

    /* a TD quote: no MRENCLAVE to compare */
    struct maat_quote td = Q;
    td.body_type = MAAT_BODY_TD10;
    err = (struct maat_error){0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, &td, &c, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "SGX enclave report body"));

    /* a quote struct that maat_quote_parse did not fill: no crash, refused */
    struct maat_quote empty;
    memset(&empty, 0, sizeof empty);
    empty.body_type = MAAT_BODY_SGX;
    err = (struct maat_error){0};
    assert_int_equal(maat_enclave_info_compare_quote(&ei, false, &empty, &c, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "report body without"));
    assert_int_equal(c.count, 0);

    /* a truncated quote never gets that far: maat_quote_parse refuses it */
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(QBUF.data, QBUF.len / 2, &q, &err), -1);
    maat_enclave_info_cleanup(&ei);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_each_mismatching_field_named),
        cmocka_unit_test(test_product_id_high_bytes_ignored),
        cmocka_unit_test(test_malformed_input_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
