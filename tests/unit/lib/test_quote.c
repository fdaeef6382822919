/* test_quote.c - robustness of the quote parser: every truncation, every length field
 * inflated and deflated, garbage, giant inputs, exact error messages. The field-by-field
 * golden checks of each vector live in test_quote_vectors.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/quote.h"
#include "testutil.h"

static const char *const quote_vectors[] = {
    "dcap-qvl/sgx_quote",
    "dcap-qvl/tdx_quote",
    "dcap-qvl/tdx_quote_outdated",
    "intel-qvl-sample/quote.dat",
    "intel-qvl-sample/tdx/quote.dat",
    "tdx/tdx_prod_quote_SPR_E4.dat",
};

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Every prefix shorter than the quote proper fails with an error; no prefix crashes. */
static void test_truncation_every_length(void **state)
{
    (void)state;
    int seen = 0;
    for (size_t v = 0; v < sizeof quote_vectors / sizeof quote_vectors[0]; v++) {
        size_t len;
        uint8_t *buf = tu_read_vector(quote_vectors[v], &len);
        if (buf == NULL) continue;
        seen++;
        struct maat_quote q;
        struct maat_error err = {0};
        assert_int_equal(maat_quote_parse(buf, len, &q, &err), 0);
        size_t qlen = q.quote.len;
        for (size_t n = 0; n < len; n++) {
            uint8_t *copy = malloc(n ? n : 1); /* exact-size copy so ASan sees overreads */
            memcpy(copy, buf, n);
            maat_error_clear(&err);
            int rc = maat_quote_parse(copy, n, &q, &err);
            if (n < qlen) {
                if (rc == 0) fail_msg("%s: prefix of %zu bytes accepted", quote_vectors[v], n);
                assert_true(err.code == MAAT_ERR_TRUNCATED || err.code == MAAT_ERR_LENGTH);
                assert_true(strlen(err.msg) > 20);
                assert_non_null(strstr(err.msg, "offset"));
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(q.trailing.len, n - qlen);
            }
            free(copy);
        }
        free(buf);
    }
    if (!seen) skip();
}

static int parse_copy(const uint8_t *buf, size_t len, struct maat_error *err)
{
    uint8_t *copy = malloc(len);
    memcpy(copy, buf, len);
    struct maat_quote q;
    maat_error_clear(err);
    int rc = maat_quote_parse(copy, len, &q, err);
    free(copy);
    return rc;
}

/* Each length field of a v3 quote, one more and one less: always a specific error. */
static void test_length_fields_v3(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(buf);
    struct maat_quote q;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(buf, len, &q, &err), 0);
    assert_int_equal(q.trailing.len, 0);
    /* offsets of the v3 length fields */
    size_t sig_len_at = 432;
    size_t auth_at = 436 + 64 + 64 + 384 + 64;
    size_t auth_len = get_u16(buf + auth_at);
    size_t cert_size_at = auth_at + 2 + auth_len + 2;
    struct {
        size_t at;
        int width;
        const char *name;
    } fields[] = {
        {sig_len_at, 4, "signature data"},
        {auth_at, 2, "QE authentication data"},
        {cert_size_at, 4, "certification data"},
    };
    for (size_t f = 0; f < 3; f++) {
        for (int delta = -1; delta <= 1; delta += 2) {
            uint8_t *m = malloc(len);
            memcpy(m, buf, len);
            if (fields[f].width == 4)
                put_u32(m + fields[f].at, (uint32_t)((int64_t)get_u32(m + fields[f].at) + delta));
            else
                put_u16(m + fields[f].at, (uint16_t)(get_u16(m + fields[f].at) + delta));
            int rc = parse_copy(m, len, &err);
            if (rc == 0) fail_msg("%s %+d accepted", fields[f].name, delta);
            assert_true(err.code == MAAT_ERR_TRUNCATED || err.code == MAAT_ERR_LENGTH ||
                        err.code == MAAT_ERR_TRAILING || err.code == MAAT_ERR_ENCODING ||
                        err.code == MAAT_ERR_VALUE || err.code == MAAT_ERR_UNSUPPORTED);
            free(m);
        }
        /* Huge values never read out of bounds. */
        uint8_t *m = malloc(len);
        memcpy(m, buf, len);
        if (fields[f].width == 4)
            put_u32(m + fields[f].at, 0xffffffffu);
        else
            put_u16(m + fields[f].at, 0xffff);
        assert_int_not_equal(parse_copy(m, len, &err), 0);
        free(m);
    }
    /* The message the issue promises, for an inflated signature data length. */
    uint8_t *m = malloc(len);
    memcpy(m, buf, len);
    put_u32(m + sig_len_at, (uint32_t)(len - 436 + 92));
    assert_int_not_equal(parse_copy(m, len, &err), 0);
    char want[200];
    snprintf(want, sizeof want,
             "quote truncated: signature data length %zu exceeds the %zu bytes left at offset 436",
             len - 436 + 92, len - 436);
    assert_string_equal(err.msg, want);
    free(m);
    free(buf);
}

/* v4/v5: the type-6 size, the nested certification data size and the v5 body size. */
static void test_length_fields_v4_v5(void **state)
{
    (void)state;
    const char *files[] = {"dcap-qvl/tdx_quote", "dcap-qvl/tdx_quote_outdated"};
    int seen = 0;
    for (int v = 0; v < 2; v++) {
        size_t len;
        uint8_t *buf = tu_read_vector(files[v], &len);
        if (buf == NULL) continue;
        seen++;
        struct maat_quote q;
        struct maat_error err = {0};
        assert_int_equal(maat_quote_parse(buf, len, &q, &err), 0);
        size_t sig_at = q.signature_data_offset;
        size_t outer_at = sig_at + 128;           /* type u16 ‖ size u32 */
        size_t auth_at = outer_at + 6 + 384 + 64; /* u16 auth size */
        size_t auth_len = get_u16(buf + auth_at);
        size_t nested_at = auth_at + 2 + auth_len;
        assert_int_equal(get_u16(buf + outer_at), 6);
        assert_int_equal(get_u16(buf + nested_at), 5);
        size_t at4[] = {sig_at - 4, outer_at + 2, nested_at + 2};
        for (size_t f = 0; f < 3; f++)
            for (int d = -1; d <= 1; d += 2) {
                uint8_t *m = malloc(len);
                memcpy(m, buf, len);
                put_u32(m + at4[f], (uint32_t)((int64_t)get_u32(m + at4[f]) + d));
                /* Shrinking the outer signature length can be absorbed by trailing zero
                 * padding only if the parse still ends exactly: it cannot, as the inner
                 * sizes no longer fit. */
                if (parse_copy(m, len, &err) == 0)
                    fail_msg("%s: length at %zu %+d accepted", files[v], at4[f], d);
                free(m);
            }
        if (q.version == 5) {
            uint8_t *m = malloc(len);
            memcpy(m, buf, len);
            put_u32(m + 50, 584); /* body size disagreeing with body type 3 */
            assert_int_not_equal(parse_copy(m, len, &err), 0);
            assert_int_equal(err.code, MAAT_ERR_LENGTH);
            assert_non_null(strstr(err.msg, "body size 584"));
            put_u32(m + 50, 648);
            put_u16(m + 48, 9); /* unknown body type */
            assert_int_not_equal(parse_copy(m, len, &err), 0);
            assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
            free(m);
        }
        free(buf);
    }
    if (!seen) skip();
}

static void test_header_values(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(buf);
    struct maat_error err = {0};
    uint8_t *m = malloc(len);

    memcpy(m, buf, len);
    put_u16(m, 7);
    assert_int_not_equal(parse_copy(m, len, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_string_equal(
        err.msg, "quote header: version 7 at offset 0 is not supported (expected 3, 4 or 5)");

    memcpy(m, buf, len);
    put_u16(m + 2, 3);
    assert_int_not_equal(parse_copy(m, len, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "attestation key type 3"));

    /* A v3 quote relabelled v4 must not parse: v4 needs certification data type 6. */
    memcpy(m, buf, len);
    put_u16(m, 4);
    assert_int_not_equal(parse_copy(m, len, &err), 0);

    /* Certification data type 9 */
    struct maat_quote q;
    assert_int_equal(maat_quote_parse(buf, len, &q, &err), 0);
    size_t type_at = q.cert_data.offset - 6;
    memcpy(m, buf, len);
    put_u16(m + type_at, 9);
    assert_int_not_equal(parse_copy(m, len, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "certification data type 9"));

    /* Damage the PEM chain: the error names the offset of the damage. */
    memcpy(m, buf, len);
    m[q.cert_data.offset] = 'X';
    assert_int_not_equal(parse_copy(m, len, &err), 0);
    assert_non_null(strstr(err.msg, "PCK chain"));
    free(m);
    free(buf);
}

/* An OE envelope whose report size disagrees with the data. */
static void test_oe_envelope_sizes(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(buf);
    uint8_t *m = malloc(len + 16);
    memcpy(m + 16, buf, len);
    put_u32(m, 1);
    put_u32(m + 4, 2);
    put_u32(m + 8, (uint32_t)len);
    put_u32(m + 12, 0);
    struct maat_quote q;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(m, len + 16, &q, &err), 0);
    assert_true(q.oe_envelope);
    assert_int_equal(q.quote.len, len);
    assert_int_equal(q.trailing.len, 0);
    put_u32(m + 8, (uint32_t)len + 1);
    assert_int_not_equal(parse_copy(m, len + 16, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_LENGTH);
    assert_non_null(strstr(err.msg, "OpenEnclave report"));
    put_u32(m + 8, (uint32_t)len - 1);
    assert_int_not_equal(parse_copy(m, len + 16, &err), 0);
    free(m);
    free(buf);
}

/* Deterministic garbage: random buffers and random mutations never crash. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void test_garbage(void **state)
{
    (void)state;
    struct maat_error err = {0};
    for (int i = 0; i < 20000; i++) {
        size_t n = next_rand() % 6000;
        uint8_t *m = malloc(n ? n : 1);
        for (size_t k = 0; k < n; k++) m[k] = (uint8_t)next_rand();
        if (n >= 2 && i % 2) put_u16(m, (uint16_t)(3 + i % 3)); /* plausible version */
        if (n >= 4 && i % 4 == 1) put_u16(m + 2, 2);
        struct maat_quote q;
        maat_error_clear(&err);
        assert_int_not_equal(maat_quote_parse(m, n, &q, &err), 0);
        assert_int_not_equal(err.code, MAAT_OK);
        free(m);
    }
    size_t len;
    uint8_t *buf = tu_read_vector("dcap-qvl/sgx_quote", &len);
    TU_REQUIRE_VECTOR(buf);
    for (int i = 0; i < 20000; i++) {
        uint8_t *m = malloc(len);
        memcpy(m, buf, len);
        int flips = 1 + (int)(next_rand() % 4);
        for (int k = 0; k < flips; k++) m[next_rand() % len] = (uint8_t)next_rand();
        struct maat_quote q;
        maat_error_clear(&err);
        if (maat_quote_parse(m, len, &q, &err) != 0) assert_int_not_equal(err.code, MAAT_OK);
        free(m);
    }
    free(buf);
}

static void test_giant_and_empty(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_quote q;
    size_t n = MAAT_QUOTE_MAX_SIZE + 1024;
    uint8_t *m = calloc(1, n);
    put_u16(m, 3);
    put_u16(m + 2, 2);
    assert_int_not_equal(maat_quote_parse(m, n, &q, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
    free(m);
    maat_error_clear(&err);
    assert_int_not_equal(maat_quote_parse(NULL, 0, &q, &err), 0);
    assert_int_equal(err.code, MAAT_ERR_TRUNCATED);
    assert_string_equal(err.msg,
                        "quote truncated: version needs 2 bytes but only 0 are left at offset 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncation_every_length), cmocka_unit_test(test_length_fields_v3),
        cmocka_unit_test(test_length_fields_v4_v5),     cmocka_unit_test(test_header_values),
        cmocka_unit_test(test_oe_envelope_sizes),       cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_giant_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
