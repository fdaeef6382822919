/* test_pck_first_seen_ext.c - the SGX extension read without OpenSSL's decoder (pck.c,
 * fast_level: a fifth of a first-seen leaf's checks went to d2i_ASN1_SEQUENCE_ANY and DER
 * re-encoding). Differential: on real and simulated extensions and on every single-byte
 * mutation and truncation of them, maat_pck_ext_parse must give exactly what the
 * table-driven OpenSSL parser alone gives (result, every field, the error message). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "maat/crypto.h"
#include "maat/pck.h"
#include "maat/quote.h"
#include "sim_internal.h"
#include "testutil.h"
#include "verify_internal.h"

static size_t g_checked, g_ok;

static void same(const uint8_t *der, size_t len)
{
    struct maat_pck_info a, b;
    struct maat_error ea = {0}, eb = {0};
    int ra = maat_pck_ext_parse(der, len, &a, &ea);
    int rb = maat__pck_ext_parse_generic(der, len, &b, &eb);
    assert_int_equal(ra, rb);
    assert_memory_equal(&a, &b, sizeof a);
    if (ra != 0) {
        assert_int_equal(ea.code, eb.code);
        assert_string_equal(ea.msg, eb.msg);
    } else {
        g_ok++;
    }
    g_checked++;
}

static void mutate_all(const uint8_t *der, size_t len)
{
    uint8_t *m = malloc(len);
    assert_non_null(m);
    same(der, len);
    for (size_t i = 0; i < len; i++) {
        static const uint8_t xors[] = {0x01, 0x02, 0x80, 0x7f, 0xff};
        for (size_t k = 0; k < sizeof xors; k++) {
            memcpy(m, der, len);
            m[i] ^= xors[k];
            same(m, len);
        }
        memcpy(m, der, len);
        m[i] = 0x00;
        same(m, len);
        same(der, i); /* truncated */
    }
    free(m);
}

static void sim_ext(bool platform, uint8_t **der, size_t *len)
{
    struct maat_error err = {0};
    struct sim_sgx_ext e = {.pcesvn = 300, .sgx_type = platform ? 1 : 0, .platform = platform};
    for (int i = 0; i < 16; i++) {
        e.ppid[i] = (uint8_t)(0xa0 + i);
        e.cpusvn[i] = (uint8_t)(i * 17); /* 0 and values >= 128 (leading zero byte) */
        e.platform_instance_id[i] = (uint8_t)i;
    }
    e.fmspc[0] = 0x00, e.fmspc[1] = 0x90, e.fmspc[2] = 0x6e;
    e.pce_id[1] = 1;
    assert_int_equal(sim_sgx_ext_der(&e, der, len, &err), 0);
}

static void test_pck_ext_direct_read_matches_openssl_parser_sim(void **state)
{
    (void)state;
    for (int platform = 0; platform < 2; platform++) {
        uint8_t *der = NULL;
        size_t len = 0;
        sim_ext(platform != 0, &der, &len);
        g_checked = g_ok = 0;
        mutate_all(der, len);
        struct maat_pck_info info;
        struct maat_error err = {0};
        assert_int_equal(maat_pck_ext_parse(der, len, &info, &err), 0);
        assert_int_equal(info.pcesvn, 300);
        assert_int_equal(info.tcb_components[15], 255);
        assert_int_equal(info.has_configuration, platform != 0);
        assert_true(g_ok >= 1);
        assert_true(g_checked > 1000);
        free(der);
    }
}

/* The real Intel leaf of the dcap-qvl vector. */
static void test_pck_ext_direct_read_matches_openssl_parser_intel(void **state)
{
    (void)state;
    size_t n;
    uint8_t *q = tu_read_vector("dcap-qvl/sgx_quote", &n);
    if (q == NULL) skip();
    struct maat_quote quote;
    struct maat_error err = {0};
    assert_int_equal(maat_quote_parse(q, n, &quote, &err), 0);
    STACK_OF(X509) *sk = maat__x509_load_all(quote.cert_data.data.ptr, quote.cert_data.data.len,
                                            "chain", &err);
    assert_non_null(sk);
    X509 *leaf = maat__x509_find_leaf(sk);
    ASN1_OBJECT *oid = OBJ_txt2obj(MAAT_OID_SGX_EXTENSION, 1);
    int at = X509_get_ext_by_OBJ(leaf, oid, -1);
    assert_true(at >= 0);
    const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(leaf, at));
    g_checked = g_ok = 0;
    mutate_all(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
    assert_true(g_ok >= 1);
    ASN1_OBJECT_free(oid);
    sk_X509_pop_free(sk, X509_free);
    free(q);
}

/* OpenSSL allocations, counted (set before OpenSSL allocates anything). */
static size_t g_allocs;
static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    g_allocs++;
    return malloc(n);
}
static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file, (void)line;
    g_allocs++;
    return realloc(p, n);
}
static void count_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    free(p);
}

/* Defect: every first-seen leaf's SGX extension went through d2i_ASN1_SEQUENCE_ANY and a
 * DER re-encoding per entry (dozens of OpenSSL allocations). The common case is now read
 * in place: no OpenSSL allocation at all. */
static void test_pck_ext_common_case_allocates_nothing(void **state)
{
    (void)state;
    for (int platform = 0; platform < 2; platform++) {
        uint8_t *der = NULL;
        size_t len = 0;
        sim_ext(platform != 0, &der, &len);
        struct maat_pck_info info;
        struct maat_error err = {0};
        g_allocs = 0;
        assert_int_equal(maat_pck_ext_parse(der, len, &info, &err), 0);
        assert_int_equal(g_allocs, 0);
        g_allocs = 0;
        assert_int_equal(maat__pck_ext_parse_generic(der, len, &info, &err), 0);
        assert_true(g_allocs > 20); /* the generic parser, for contrast */
        free(der);
    }
}

int main(void)
{
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pck_ext_common_case_allocates_nothing),
        cmocka_unit_test(test_pck_ext_direct_read_matches_openssl_parser_sim),
        cmocka_unit_test(test_pck_ext_direct_read_matches_openssl_parser_intel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
