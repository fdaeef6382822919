/*
 * test_evidence.c - evidence form detection and decoding (evidence.c), the EnclaveInfo
 * parser and writer (enclave_info.c), and the JSON number rule of quote_json.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/enclave_info.h"
#include "maat/evidence.h"
#include "maat/quote.h"
#include "maat/quote_json.h"
#include "testutil.h"

static const char *const azure_files[] = {
    "azure-samples/intel-sdk/enclave.info.debug.json",
    "azure-samples/intel-sdk/enclave.info.release.json",
    "azure-samples/intel-sdk/enclave.info.prodid.json",
    "azure-samples/intel-sdk/enclave.info.securityversion.json",
    "azure-samples/oe-sdk/enclave.info.debug.json",
    "azure-samples/oe-sdk/enclave.info.release.json",
    "azure-samples/oe-sdk/enclave.info.prodid.json",
    "azure-samples/oe-sdk/enclave.info.securityversion.json",
};

/* Decodes `text` and expects failure with `code` and a message containing `needle`. */
static void expect_fail(const char *text, size_t len, maat_err code, const char *needle)
{
    struct maat_evidence ev;
    struct maat_error err;
    maat_error_clear(&err);
    int rc = maat_evidence_decode((const uint8_t *)text, len, &ev, &err);
    if (rc == 0) fail_msg("decoded unexpectedly as %s", maat_evidence_format_name(ev.format));
    if (err.code != code || strstr(err.msg, needle) == NULL)
        fail_msg("got [%s] \"%s\", expected [%s] containing \"%s\"", maat_err_name(err.code),
                 err.msg, maat_err_name(code), needle);
    maat_evidence_cleanup(&ev);
}

#define EXPECT_FAIL(lit, code, needle) expect_fail(lit, strlen(lit), code, needle)

static void expect_ok(const void *text, size_t len, enum maat_evidence_format f,
                      const uint8_t *want, size_t want_len)
{
    struct maat_evidence ev;
    struct maat_error err;
    maat_error_clear(&err);
    if (maat_evidence_decode(text, len, &ev, &err) != 0) fail_msg("%s", err.msg);
    assert_string_equal(maat_evidence_format_name(ev.format), maat_evidence_format_name(f));
    assert_int_equal(ev.quote_len, want_len);
    assert_memory_equal(ev.quote, want, want_len);
    maat_evidence_cleanup(&ev);
}

static char *with_ends(const char *pre, const char *s, const char *post)
{
    size_t n = strlen(pre) + strlen(s) + strlen(post) + 1;
    char *t = malloc(n);
    assert_non_null(t);
    snprintf(t, n, "%s%s%s", pre, s, post);
    return t;
}

/* Every text form of dcap-qvl/sgx_quote decodes to the same bytes. */
static void test_forms_roundtrip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *q = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(q);
    expect_ok(q, len, MAAT_EVIDENCE_BINARY, q, len);

    char *hex = maat_hex_encode_alloc(q, len);
    expect_ok(hex, strlen(hex), MAAT_EVIDENCE_HEX, q, len);
    for (char *c = hex; *c; c++)
        if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
    char *t = with_ends("\xef\xbb\xbf \r\n\t", hex, "\r\n\r\n");
    expect_ok(t, strlen(t), MAAT_EVIDENCE_HEX, q, len);
    free(t);

    char *b64 = maat_base64_encode(q, len);
    t = with_ends("\n", b64, "\n");
    expect_ok(t, strlen(t), MAAT_EVIDENCE_BASE64, q, len);
    free(t);
    char *b64u = maat_base64url_encode(q, len);
    expect_ok(b64u, strlen(b64u), MAAT_EVIDENCE_BASE64URL, q, len);
    /* base64url with '=' padding is accepted too (some MAA clients send it). */
    t = with_ends("", b64u, len % 3 == 1 ? "==" : len % 3 == 2 ? "=" : "");
    expect_ok(t, strlen(t), MAAT_EVIDENCE_BASE64URL, q, len);
    free(t);

    /* An MAA attest request body. */
    t = with_ends("{\"quote\": \"", b64u, "\", \"runtimeData\": {\"data\": \"\"}}");
    expect_ok(t, strlen(t), MAAT_EVIDENCE_MAA_REQUEST, q, len);
    free(t);

    free(b64u);
    free(b64);
    free(hex);
    free(q);
}

static void test_oe_envelope_detected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = tu_read_vector("azure-samples/oe-sdk/enclave.info.debug.json", &len);
    TU_REQUIRE_VECTOR(f);
    struct maat_evidence ev, ev2;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_evidence_decode(f, len, &ev, &err), 0);
    assert_int_equal(ev.format, MAAT_EVIDENCE_ENCLAVE_INFO);
    assert_true(ev.oe_envelope);
    assert_int_equal(ev.quote_len, 4600);
    /* The same bytes as a binary file: binary, with the OE header. */
    assert_int_equal(maat_evidence_decode(ev.quote, ev.quote_len, &ev2, &err), 0);
    assert_int_equal(ev2.format, MAAT_EVIDENCE_BINARY);
    assert_true(ev2.oe_envelope);
    assert_false(maat_evidence_has_oe_header(ev.quote + 16, ev.quote_len - 16));
    maat_evidence_cleanup(&ev2);
    maat_evidence_cleanup(&ev);
    free(f);
}

static void test_rejections(void **state)
{
    (void)state;
    EXPECT_FAIL("", MAAT_ERR_TRUNCATED, "empty");
    EXPECT_FAIL(" \n\t\r\n", MAAT_ERR_TRUNCATED, "only whitespace");
    /* Hex with a stray 'G' at offset 12. */
    const char *h = "030002000000G000090000000000000000000000000000000000000000000000";
    expect_fail(h, strlen(h), MAAT_ERR_ENCODING, "hex text: invalid hex digit 0x47 at offset 12");
    /* Hex with a newline inside: whitespace is tolerated only at the ends. */
    const char *h2 = "0300020000000000\n0900000000000000\n";
    expect_fail(h2, strlen(h2), MAAT_ERR_ENCODING, "invalid hex digit 0x0a at offset 16");
    /* Offsets count from the first non-blank character, and the message says where that is. */
    const char *h3 = "  0300020000000000\n0900000000000000";
    expect_fail(h3, strlen(h3), MAAT_ERR_ENCODING, "text starts at byte 2");
    EXPECT_FAIL("abc", MAAT_ERR_ENCODING, "hex text: hex text has an odd number of digits");
    EXPECT_FAIL("Hello, world!", MAAT_ERR_ENCODING, "invalid base64url character 0x2c at offset 5");
    EXPECT_FAIL("AwACAA==AAAA", MAAT_ERR_ENCODING, "base64 text: base64 padding '=' at offset 6");
    EXPECT_FAIL("{\"x\": 1", MAAT_ERR_ENCODING, "JSON input: invalid JSON");
    EXPECT_FAIL("[1]", MAAT_ERR_VALUE, "JSON input: top level is not an object");
    EXPECT_FAIL("{\"a\": 1}", MAAT_ERR_VALUE, "neither an EnclaveInfo object");
    EXPECT_FAIL("{\"quote\": 5}", MAAT_ERR_VALUE, "field quote is not a string");
    EXPECT_FAIL("{\"quote\": \"AAAA\", \"report\": \"AAAA\"}", MAAT_ERR_VALUE, "both");
    EXPECT_FAIL("{\"quote\": \"A*AA\"}", MAAT_ERR_ENCODING,
                "MAA attest request JSON: field quote: invalid base64url character 0x2a at "
                "offset 1");
    EXPECT_FAIL("{\"quote\": \"a\", \"quote\": \"b\"}", MAAT_ERR_ENCODING, "duplicate");

    /* Size bounds: refused before any decoding work. */
    size_t big = (size_t)MAAT_EVIDENCE_MAX_SIZE + 1;
    char *p = malloc(big);
    assert_non_null(p);
    memset(p, '0', big);
    expect_fail(p, big, MAAT_ERR_TOO_LARGE, "exceeds");
    /* Hex of a quote above the 1 MiB quote limit (plus header). */
    size_t hexlen = 2 * ((size_t)MAAT_QUOTE_MAX_SIZE + MAAT_OE_HEADER_SIZE + 2);
    expect_fail(p, hexlen, MAAT_ERR_TOO_LARGE, "characters is more than a 1048592-byte quote");
    free(p);
}

/* Binary input is passed through as is (the quote parser judges it). */
static void test_binary_passthrough(void **state)
{
    (void)state;
    const uint8_t junk[] = {0x07, 0x00, 0xff, 0x10};
    expect_ok(junk, sizeof junk, MAAT_EVIDENCE_BINARY, junk, sizeof junk);
}

/* ---- EnclaveInfo ---- */

static void test_enclave_info_roundtrip_byte_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof azure_files / sizeof azure_files[0]; i++) {
        size_t len;
        uint8_t *f = tu_read_vector(azure_files[i], &len);
        TU_REQUIRE_VECTOR(f);
        struct maat_enclave_info ei;
        struct maat_error err;
        maat_error_clear(&err);
        if (maat_enclave_info_parse((const char *)f, len, &ei, &err) != 0)
            fail_msg("%s: %s", azure_files[i], err.msg);
        char *out = NULL;
        if (maat_enclave_info_to_json(ei.quote, ei.quote_len, ei.ehd, ei.ehd_len, &out, &err))
            fail_msg("%s: %s", azure_files[i], err.msg);
        /* The writer reproduces Microsoft's sample files byte for byte. */
        assert_int_equal(strlen(out), len);
        assert_string_equal(out, (const char *)f);
        maat_enclave_info_cleanup(&ei);
        free(out);
        free(f);
    }
}

static void test_enclave_info_check(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = tu_read_vector("azure-samples/intel-sdk/enclave.info.debug.json", &len);
    TU_REQUIRE_VECTOR(f);
    struct maat_enclave_info ei;
    struct maat_quote q;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_parse((const char *)f, len, &ei, &err), 0);
    assert_int_equal(maat_quote_parse(ei.quote, ei.quote_len, &q, &err), 0);
    assert_int_equal(maat_enclave_info_check(&ei, &q, &err), 0);
    ei.attributes = 5;
    assert_int_equal(maat_enclave_info_check(&ei, &q, &err), -1);
    assert_non_null(strstr(err.msg, "Attributes 5 differs from the SGX attributes.flags 7"));
    ei.attributes = 7;
    ei.product_id[0] = 2;
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_check(&ei, &q, &err), -1);
    assert_non_null(strstr(err.msg, "ProductIdHex (2)"));
    maat_enclave_info_cleanup(&ei);
    free(f);
}

static const char ei_good[] =
    "{\"Type\": 2, \"MrEnclaveHex\": \"%s\", \"MrSignerHex\": \"%s\", \"ProductIdHex\": \"%s\", "
    "\"SecurityVersion\": %s, \"Attributes\": %s, \"QuoteHex\": \"%s\", "
    "\"EnclaveHeldDataHex\": \"%s\"%s}";
static const char h32[] = "3E2DF98FC7FD042B842121CAE6A8086D546E7970DB55103725CC1DCBC2C48814";
static const char h16[] = "01000000000000000000000000000000";

static void ei_expect(const char *mre, const char *prod, const char *svn, const char *attrs,
                      const char *quote, const char *extra, maat_err code, const char *needle)
{
    char text[2048];
    snprintf(text, sizeof text, ei_good, mre, h32, prod, svn, attrs, quote, "0102", extra);
    struct maat_enclave_info ei;
    struct maat_error err;
    maat_error_clear(&err);
    int rc = maat_enclave_info_parse(text, strlen(text), &ei, &err);
    if (code == MAAT_OK) {
        if (rc != 0) fail_msg("%s", err.msg);
        assert_int_equal(ei.quote_len, strlen(quote) / 2);
        assert_int_equal(ei.ehd_len, 2);
        assert_int_equal(ei.mr_enclave[0], 0x3e);
        maat_enclave_info_cleanup(&ei);
        return;
    }
    assert_int_equal(rc, -1);
    if (err.code != code || strstr(err.msg, needle) == NULL)
        fail_msg("got [%s] \"%s\", expected [%s] containing \"%s\"", maat_err_name(err.code),
                 err.msg, maat_err_name(code), needle);
    /* On failure nothing is left allocated (ASan checks) and the struct is zeroed. */
    assert_null(ei.quote);
    assert_null(ei.ehd);
}

static void test_enclave_info_strict(void **state)
{
    (void)state;
    ei_expect(h32, h16, "1", "7", "0300", "", MAAT_OK, "");
    ei_expect(h32, h16, "1", "7", "030002000000G0", "", MAAT_ERR_ENCODING,
              "EnclaveInfo JSON: field QuoteHex: invalid hex digit 0x47 at offset 12");
    ei_expect(h32, h16, "1", "7", "030", "", MAAT_ERR_ENCODING,
              "EnclaveInfo JSON: field QuoteHex: hex text has an odd number of digits (3)");
    ei_expect("3E2D", h16, "1", "7", "0300", "", MAAT_ERR_LENGTH,
              "EnclaveInfo JSON: field MrEnclaveHex: expected 64 hex digits (32 bytes), got 4");
    ei_expect(h32, "0100", "1", "7", "0300", "", MAAT_ERR_LENGTH, "field ProductIdHex: expected 32");
    ei_expect(h32, h16, "\"1\"", "7", "0300", "", MAAT_ERR_VALUE,
              "field SecurityVersion is not an integer");
    ei_expect(h32, h16, "1.0", "7", "0300", "", MAAT_ERR_VALUE,
              "field SecurityVersion is not an integer");
    ei_expect(h32, h16, "-1", "7", "0300", "", MAAT_ERR_VALUE,
              "field SecurityVersion = -1 is out of range");
    ei_expect(h32, h16, "4294967296", "7", "0300", "", MAAT_ERR_VALUE,
              "field SecurityVersion = 4294967296 is out of range");
    ei_expect(h32, h16, "1", "true", "0300", "", MAAT_ERR_VALUE,
              "field Attributes is not an integer");
    ei_expect(h32, h16, "1", "7", "0300", ", \"Extra\": 1", MAAT_ERR_VALUE,
              "unknown field \"Extra\"");
    ei_expect(h32, h16, "1", "7", "0300", ", \"Type\": 2", MAAT_ERR_ENCODING, "duplicate");

    struct maat_enclave_info ei;
    struct maat_error err;
    maat_error_clear(&err);
    const char *missing = "{\"Type\": 2}";
    assert_int_equal(maat_enclave_info_parse(missing, strlen(missing), &ei, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "EnclaveInfo JSON: field MrEnclaveHex is missing"));
    maat_error_clear(&err);
    const char *notobj = "[2]";
    assert_int_equal(maat_enclave_info_parse(notobj, 3, &ei, &err), -1);
    assert_non_null(strstr(err.msg, "top level is not an object"));
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_parse("{\"Type\": ", 9, &ei, &err), -1);
    assert_non_null(strstr(err.msg, "EnclaveInfo JSON: invalid JSON at line 1"));
}

static void test_enclave_info_to_json_refuses(void **state)
{
    (void)state;
    size_t len;
    uint8_t *q = tu_read_vector("dcap-qvl/tdx_quote", &len);
    TU_REQUIRE_VECTOR(q);
    char *out = (char *)1;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_to_json(q, len, NULL, 0, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "TD report"));
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_to_json(q, 100, NULL, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "EnclaveInfo JSON: field QuoteHex: quote"));
    free(q);
}

/* An empty EHD and a raw quote give Intel-SDK style Attributes (the SGX flags). */
static void test_enclave_info_to_json_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *q = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(q);
    char *out;
    struct maat_error err;
    maat_error_clear(&err);
    assert_int_equal(maat_enclave_info_to_json(q, len, NULL, 0, &out, &err), 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "Type")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "MrEnclaveHex")),
                        "33D8736DB756ED4997E04BA358D27833188F1932FF7B1D156904D3F560452FBB");
    assert_int_equal(json_integer_value(json_object_get(j, "Attributes")), 5);
    assert_string_equal(json_string_value(json_object_get(j, "EnclaveHeldDataHex")), "");
    assert_int_equal(json_string_length(json_object_get(j, "QuoteHex")), 2 * len);
    json_decref(j);
    /* ...and parses back. */
    struct maat_enclave_info ei;
    assert_int_equal(maat_enclave_info_parse(out, strlen(out), &ei, &err), 0);
    assert_int_equal(ei.quote_len, len);
    assert_int_equal(ei.ehd_len, 0);
    maat_enclave_info_cleanup(&ei);
    free(out);
    free(q);
}

static void test_json_u64_rule(void **state)
{
    (void)state;
    json_t *a = maat__quote_json_u64((UINT64_C(1) << 53) - 1);
    assert_true(json_is_integer(a));
    assert_int_equal(json_integer_value(a), (json_int_t)((UINT64_C(1) << 53) - 1));
    json_t *b = maat__quote_json_u64(UINT64_C(1) << 53);
    assert_true(json_is_string(b));
    assert_string_equal(json_string_value(b), "0x0020000000000000");
    json_t *c = maat__quote_json_u64(UINT64_MAX);
    assert_string_equal(json_string_value(c), "0xffffffffffffffff");
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_roundtrip),
        cmocka_unit_test(test_oe_envelope_detected),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_binary_passthrough),
        cmocka_unit_test(test_enclave_info_roundtrip_byte_exact),
        cmocka_unit_test(test_enclave_info_check),
        cmocka_unit_test(test_enclave_info_strict),
        cmocka_unit_test(test_enclave_info_to_json_refuses),
        cmocka_unit_test(test_enclave_info_to_json_fields),
        cmocka_unit_test(test_json_u64_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
