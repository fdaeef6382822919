/* test_claims_tdx.c - issue 15: a TD quote had no MAA claim set (maatd answered TdxVm
 * "not supported"). maat__tdx_claims_build() (src/lib/claims_tdx.c) gives MAA's TdxVm
 * claims; each claim's name, JSON type and encoding is checked against maa-2025.md
 * section 3 (lower-case hex of the raw bytes in quote order: XFAM 0x00000000000618E7 is
 * "e718060000000000"), plus maat's TCB detail claims. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/claims_tdx.h"
#include "testutil.h"

static struct maat_verdict v;
static struct maat_tdx_verdict tv;

static void fill(uint64_t attrs)
{
    memset(&v, 0, sizeof v);
    memset(&tv, 0, sizeof tv);
    v.ok = true;
    v.status = MAAT_TCB_UP_TO_DATE;
    snprintf(v.advisory_ids[0], sizeof v.advisory_ids[0], "INTEL-SA-00837");
    v.advisory_count = 1;
    struct maat_td_report_fields *td = &tv.td;
    static const uint8_t svn[16] = {0x03, 0x00, 0x06};
    memcpy(td->tee_tcb_svn, svn, 16);
    memset(td->mr_seam, 0x11, 48);
    memset(td->mr_signer_seam, 0x22, 48);
    memset(td->mr_td, 0xAB, 48);
    memset(td->mr_config_id, 0x33, 48);
    memset(td->mr_owner, 0x44, 48);
    memset(td->mr_owner_config, 0x55, 48);
    for (int i = 0; i < 4; i++) memset(td->rtmr[i], 0x60 + i, 48);
    memset(td->report_data, 0xCD, 32);
    static const uint8_t xfam[8] = {0xe7, 0x18, 0x06};
    memcpy(td->xfam, xfam, 8);
    for (int i = 0; i < 8; i++) td->td_attributes[i] = (uint8_t)(attrs >> (8 * i));
    tv.td_attributes = attrs;
    tv.tcb_evaluated = true;
    tv.platform_status = MAAT_TCB_UP_TO_DATE;
    tv.module_status = MAAT_TCB_UP_TO_DATE;
    tv.qe_status = MAAT_TCB_UP_TO_DATE;
    tv.has_module_status = true;
}

static const char *str(const json_t *o, const char *k)
{
    json_t *s = json_object_get(o, k);
    if (!json_is_string(s)) fail_msg("%s is not a string", k);
    return json_string_value(s);
}

static void hex_claim(const json_t *o, const char *k, size_t nbytes, const char *first2)
{
    const char *s = str(o, k);
    if (strlen(s) != 2 * nbytes) fail_msg("%s: %zu hex chars, want %zu", k, strlen(s), 2 * nbytes);
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            fail_msg("%s: not lower hex", k);
    assert_memory_equal(s, first2, 2);
}

static void test_tdx_claims_names_types_encodings(void **state)
{
    (void)state;
    fill(MAAT_TD_ATTR_SEPT_VE_DISABLE);
    json_t *rt = json_pack("{s:s}", "test-claim-name", "test-claim-value");
    struct maat_tdx_claims_input in = {&v, &tv, rt, NULL, "n0nce", NULL};
    struct maat_error err = {0};
    json_t *c = maat__tdx_claims_build(&in, &err);
    assert_non_null(c);
    assert_string_equal(str(c, "eat_profile"), "https://aka.ms/maa-eat-profile-tdxvm");
    assert_string_equal(str(c, "dbgstat"), "disabled");
    assert_string_equal(str(c, "intuse"), "generic");
    assert_string_equal(str(c, "attester_tcb_status"), "UpToDate");
    hex_claim(c, "tdx_mrsignerseam", 48, "22");
    hex_claim(c, "tdx_mrseam", 48, "11");
    hex_claim(c, "tdx_mrtd", 48, "ab");
    hex_claim(c, "tdx_mrconfigid", 48, "33");
    hex_claim(c, "tdx_mrowner", 48, "44");
    hex_claim(c, "tdx_mrownerconfig", 48, "55");
    hex_claim(c, "tdx_rtmr0", 48, "60");
    hex_claim(c, "tdx_rtmr1", 48, "61");
    hex_claim(c, "tdx_rtmr2", 48, "62");
    hex_claim(c, "tdx_rtmr3", 48, "63");
    hex_claim(c, "tdx_report_data", 64, "cd");
    assert_string_equal(str(c, "tdx_report_data") + 64,
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_string_equal(str(c, "tdx_seam_attributes"), "0000000000000000");
    assert_string_equal(str(c, "tdx_td_attributes"), "0000001000000000");
    assert_string_equal(str(c, "tdx_xfam"), "e718060000000000");
    assert_string_equal(str(c, "tdx_tee_tcb_svn"), "03000600000000000000000000000000");
    json_t *seamsvn = json_object_get(c, "tdx_seamsvn");
    assert_true(json_is_integer(seamsvn));
    assert_int_equal(json_integer_value(seamsvn), 3);
    assert_true(json_is_false(json_object_get(c, "tdx_td_attributes_debug")));
    assert_true(json_is_false(json_object_get(c, "tdx_td_attributes_key_locker")));
    assert_true(json_is_false(json_object_get(c, "tdx_td_attributes_perfmon")));
    assert_true(json_is_false(json_object_get(c, "tdx_td_attributes_protection_keys")));
    assert_true(json_is_true(json_object_get(c, "tdx_td_attributes_septve_disable")));
    assert_string_equal(str(c, "x-ms-attestation-type"), "tdxvm");
    assert_string_equal(str(c, "x-ms-ver"), "1.0");
    assert_true(json_equal(json_object_get(c, "x-ms-runtime"), rt));
    assert_null(json_object_get(c, "x-ms-inittime"));
    assert_string_equal(str(c, "nonce"), "n0nce");
    /* maat's TCB detail */
    assert_string_equal(str(c, "x-maat-tcb-status"), "UpToDate");
    assert_string_equal(str(c, "x-maat-tdx-platform-tcb-status"), "UpToDate");
    assert_string_equal(str(c, "x-maat-tdx-module-tcb-status"), "UpToDate");
    assert_string_equal(str(c, "x-maat-tdx-qe-tcb-status"), "UpToDate");
    json_t *adv = json_object_get(c, "x-maat-advisory-ids");
    assert_int_equal(json_array_size(adv), 1);
    assert_string_equal(json_string_value(json_array_get(adv, 0)), "INTEL-SA-00837");
    assert_int_equal(json_array_size(json_object_get(c, "x-maat-qe-advisory-ids")), 0);
    /* no SGX names and no third-party x-ms-tdx-* names */
    assert_null(json_object_get(c, "x-ms-sgx-mrenclave"));
    assert_null(json_object_get(c, "x-ms-tdx-mrtd"));
    json_decref(c);
    json_decref(rt);
}

static void test_tdx_claims_attribute_bits_decoded(void **state)
{
    (void)state;
    fill(MAAT_TD_ATTR_DEBUG | MAAT_TD_ATTR_KL | MAAT_TD_ATTR_PERFMON | MAAT_TD_ATTR_PKS);
    tv.td.tee_tcb_svn[1] = 1; /* module major 1: seamsvn = 1 * 256 + 3 */
    v.status = MAAT_TCB_OUT_OF_DATE;
    tv.qe_status = MAAT_TCB_OUT_OF_DATE;
    struct maat_tdx_claims_input in = {&v, &tv, NULL, NULL, NULL, NULL};
    struct maat_error err = {0};
    json_t *c = maat__tdx_claims_build(&in, &err);
    assert_non_null(c);
    assert_string_equal(str(c, "dbgstat"), "enabled");
    assert_true(json_is_true(json_object_get(c, "tdx_td_attributes_debug")));
    assert_true(json_is_true(json_object_get(c, "tdx_td_attributes_key_locker")));
    assert_true(json_is_true(json_object_get(c, "tdx_td_attributes_perfmon")));
    assert_true(json_is_true(json_object_get(c, "tdx_td_attributes_protection_keys")));
    assert_true(json_is_false(json_object_get(c, "tdx_td_attributes_septve_disable")));
    assert_string_equal(str(c, "tdx_td_attributes"), "010000c000000080");
    assert_int_equal(json_integer_value(json_object_get(c, "tdx_seamsvn")), 259);
    assert_string_equal(str(c, "attester_tcb_status"), "OutOfDate");
    assert_string_equal(str(c, "x-maat-tdx-qe-tcb-status"), "OutOfDate");
    assert_null(json_object_get(c, "x-ms-runtime"));
    assert_null(json_object_get(c, "nonce"));
    json_decref(c);
}

static void test_tdx_claims_refuse_failed_verdict(void **state)
{
    (void)state;
    fill(0);
    v.ok = false;
    struct maat_tdx_claims_input in = {&v, &tv, NULL, NULL, NULL, NULL};
    struct maat_error err = {0};
    assert_null(maat__tdx_claims_build(&in, &err));
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    struct maat_tdx_claims_input none = {&v, NULL, NULL, NULL, NULL, NULL};
    assert_null(maat__tdx_claims_build(&none, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tdx_claims_names_types_encodings),
        cmocka_unit_test(test_tdx_claims_attribute_bits_decoded),
        cmocka_unit_test(test_tdx_claims_refuse_failed_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
