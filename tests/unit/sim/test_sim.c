/* test_sim.c - the simulated SGX platform: quotes parse with the requested fields, every
 * signature checks out with OpenSSL (quote, QE report, PCK chain, TCB info, QE identity,
 * CRLs), each --tcb choice lands on its TCB level, and the layout matches a real Azure
 * quote byte for byte in structure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "maat/pck.h"
#include "maat/quote.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

#include "sim_dir_fixture.h"

static int setup(void **state)
{
    (void)state;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    return sim_dir_open(&o);
}

static int teardown(void **state)
{
    (void)state;
    return sim_dir_close();
}

/* Verifies a raw r‖s ECDSA-P256/SHA-256 signature. */
static bool verify_raw(EVP_PKEY *key, const void *data, size_t len, const uint8_t sig[64])
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
    unsigned char *der = NULL;
    int der_len = i2d_ECDSA_SIG(es, &der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerify(ctx, der, (size_t)der_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    return ok;
}

static EVP_PKEY *key_from_raw(const uint8_t xy[64])
{
    uint8_t pt[65] = {0x04};
    memcpy(pt + 1, xy, 64);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    return k;
}

static X509 *cert_from_view(struct maat_view v)
{
    BIO *b = BIO_new_mem_buf(v.ptr, (int)v.len);
    X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(c);
    return c;
}

static X509 *cert_from_file(const char *rel)
{
    size_t len;
    uint8_t *p = read_in(rel, &len);
    X509 *c = cert_from_view((struct maat_view){p, len});
    free(p);
    return c;
}

/* Generates a quote and parses it; the buffer must outlive q. */
static void make_quote(const struct maat_sim_quote_opts *o, struct maat_buf *b, struct maat_quote *q)
{
    struct maat_error err = {0};
    maat_buf_init(b);
    if (maat_sim_quote(sim, o, b, &err) != 0) fail_msg("maat_sim_quote: %s", err.msg);
    if (maat_quote_parse(b->data, b->len, q, &err) != 0) fail_msg("parse: %s", err.msg);
    assert_int_equal(q->quote.len, b->len);
    assert_int_equal(q->trailing.len, 0);
}

/* Checks the quote's three signatures and the QE binding; returns the PCK leaf. */
static X509 *check_signatures(const struct maat_quote *q)
{
    EVP_PKEY *ak = key_from_raw(q->attest_pub_key);
    assert_true(verify_raw(ak, q->signed_data.ptr, q->signed_data.len, q->signature));
    assert_int_equal(q->signed_data.len, 48 + 384);
    EVP_PKEY_free(ak);

    assert_int_equal(q->cert_data.type, MAAT_CERT_PCK_CHAIN);
    assert_int_equal(q->cert_data.chain_len, 3);
    X509 *leaf = cert_from_view(q->cert_data.chain[0]);
    assert_true(verify_raw(X509_get0_pubkey(leaf), q->qe_report.raw, 384, q->qe_report_signature));

    uint8_t bound[64 + 64], digest[32];
    memcpy(bound, q->attest_pub_key, 64);
    memcpy(bound + 64, q->qe_auth_data.ptr, q->qe_auth_data.len);
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(bound, 64 + q->qe_auth_data.len, digest, &n, EVP_sha256(), NULL), 1);
    assert_memory_equal(q->qe_report.report_data, digest, 32);
    uint8_t zero[32] = {0};
    assert_memory_equal(q->qe_report.report_data + 32, zero, 32);

    /* The chain, as given in the quote, verifies to DIR/root-ca.pem at NOW + 1 day. */
    X509_STORE *store = X509_STORE_new();
    X509 *root = cert_from_file("root-ca.pem");
    assert_int_equal(X509_STORE_add_cert(store, root), 1);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509 *ca = cert_from_view(q->cert_data.chain[1]);
    sk_X509_push(untrusted, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
    X509_STORE_CTX_set_time(ctx, 0, NOW + 86400);
    int ok = X509_verify_cert(ctx);
    if (ok != 1)
        fail_msg("chain: %s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    /* The third certificate in the quote is the root itself. */
    X509 *root_in_quote = cert_from_view(q->cert_data.chain[2]);
    assert_int_equal(X509_cmp(root, root_in_quote), 0);
    X509_free(root_in_quote);
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(root);
    X509_STORE_free(store);
    return leaf;
}

static void test_v3_fields_and_signatures(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(sim, &o);
    memset(o.mr_enclave, 0xAB, 32);
    memset(o.mr_signer, 0xCD, 32);
    o.isv_prod_id = 9999;
    o.isv_svn = 8888;
    o.attributes_flags |= MAAT_SGX_FLAGS_DEBUG;
    const uint8_t ehd[] = {1, 2, 3, 4, 5, 6};
    struct maat_error err = {0};
    assert_int_equal(maat_sim_quote_opts_set_ehd(&o, ehd, sizeof ehd, &err), 0);
    struct maat_buf b;
    struct maat_quote q;
    make_quote(&o, &b, &q);
    assert_int_equal(q.version, 3);
    assert_int_equal(q.att_key_type, 2);
    assert_int_equal(q.qe_svn, 8);
    assert_int_equal(q.pce_svn, 13);
    assert_memory_equal(q.qe_vendor_id,
                        "\x93\x9a\x72\x33\xf7\x9c\x4c\xa9\x94\x0a\x0d\xb3\x95\x7f\x06\x07", 16);
    const struct maat_sgx_report_body *rb = &q.report_body;
    uint8_t want[32];
    memset(want, 0xAB, 32);
    assert_memory_equal(rb->mr_enclave, want, 32);
    memset(want, 0xCD, 32);
    assert_memory_equal(rb->mr_signer, want, 32);
    assert_int_equal(rb->isv_prod_id, 9999);
    assert_int_equal(rb->isv_svn, 8888);
    assert_int_equal(rb->attributes_flags, 0x07);
    assert_int_equal(rb->attributes_xfrm, 0x07);
    /* SHA-256(01 02 03 04 05 06) ‖ 0³² (as the Azure sample's report data) */
    static const uint8_t ehd_hash[32] = {0x71, 0x92, 0x38, 0x5c, 0x3c, 0x06, 0x05, 0xde,
                                         0x55, 0xbb, 0x94, 0x76, 0xce, 0x1d, 0x90, 0x74,
                                         0x81, 0x90, 0xec, 0xb3, 0x2a, 0x8e, 0xed, 0x7f,
                                         0x52, 0x07, 0xb3, 0x0c, 0xf6, 0xa1, 0xfe, 0x89};
    assert_memory_equal(rb->report_data, ehd_hash, 32);
    uint8_t zero[32] = {0};
    assert_memory_equal(rb->report_data + 32, zero, 32);
    /* QE report agrees with the QE identity the sim signs. */
    assert_memory_equal(q.qe_report.mr_signer, maat_sim_qe_mr_signer, 32);
    assert_int_equal(q.qe_report.isv_prod_id, 1);
    assert_int_equal(q.qe_report.isv_svn, 8);
    assert_int_equal(q.qe_report.misc_select, 0);
    assert_int_equal(q.qe_report.attributes_flags & 0xFB, 0x11);
    assert_int_equal(q.qe_auth_data.len, 32);
    assert_int_equal(q.outer_cert_type, 5);
    X509 *leaf = check_signatures(&q);
    /* The trailing NUL after the PEM chain, as Intel's QE writes it. */
    assert_int_equal(q.cert_data.data.ptr[q.cert_data.data.len - 1], 0);
    struct maat_pck_info pck;
    unsigned char *der = NULL;
    int der_len = i2d_X509(leaf, &der);
    assert_int_equal(maat_pck_cert_parse_der(der, (size_t)der_len, &pck, &err), 0);
    assert_memory_equal(pck.fmspc, "\x00\x90\x6e\xd5\x00\x00", 6);
    assert_memory_equal(pck.pce_id, "\x00\x00", 2);
    assert_int_equal(pck.pcesvn, 13);
    assert_memory_equal(pck.cpusvn, "\x14\x14\x02\x04\x01\x80\x0e\x00\0\0\0\0\0\0\0\0", 16);
    assert_memory_equal(pck.tcb_components, pck.cpusvn, 16);
    assert_memory_equal(rb->cpu_svn, pck.cpusvn, 16);
    assert_int_equal(pck.ca, MAAT_PCK_CA_PROCESSOR);
    assert_int_equal(pck.sgx_type, MAAT_SGX_TYPE_STANDARD);
    assert_false(pck.has_platform_instance_id);
    OPENSSL_free(der);
    X509_free(leaf);
    maat_buf_cleanup(&b);
}

static void test_v4_layout(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(sim, &o);
    o.version = 4;
    memset(o.report_data, 0x5A, 64);
    struct maat_buf b;
    struct maat_quote q;
    make_quote(&o, &b, &q);
    assert_int_equal(q.version, 4);
    assert_int_equal(q.tee_type, MAAT_TEE_TYPE_SGX);
    assert_int_equal(q.body_type, MAAT_BODY_SGX);
    assert_int_equal(q.outer_cert_type, MAAT_CERT_QE_REPORT);
    assert_int_equal(q.report_body.attributes_flags, 0x05);
    uint8_t rd[64];
    memset(rd, 0x5A, 64);
    assert_memory_equal(q.report_body.report_data, rd, 64);
    /* type 6 payload starts right after sig ‖ AK ‖ u16 type ‖ u32 size */
    assert_ptr_equal(q.qe_report.raw, b.data + 436 + 128 + 6);
    X509 *leaf = check_signatures(&q);
    X509_free(leaf);
    maat_buf_cleanup(&b);
}

/* Same structure as a real Azure quote v3 with 32-byte QE auth data. */
static void test_matches_azure_structure(void **state)
{
    (void)state;
    size_t len;
    char *json = (char *)tu_read_vector("azure-samples/intel-sdk/enclave.info.debug.json", &len);
    TU_REQUIRE_VECTOR(json);
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    const char *hex = json_string_value(json_object_get(root, "QuoteHex"));
    assert_non_null(hex);
    uint8_t *az = NULL;
    size_t az_len = 0;
    struct maat_error err = {0};
    assert_int_equal(maat_hex_decode(hex, strlen(hex), "QuoteHex", &az, &az_len, &err), 0);
    struct maat_quote a, s;
    assert_int_equal(maat_quote_parse(az, az_len, &a, &err), 0);

    /* re-quote the Azure enclave's identity on the simulated platform */
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(sim, &o);
    maat_sim_quote_opts_set_body(&o, a.report_body.raw);
    struct maat_buf b;
    make_quote(&o, &b, &s);
    assert_memory_equal(s.report_body.raw, a.report_body.raw, 384);

    assert_int_equal(s.version, a.version);
    assert_int_equal(s.att_key_type, a.att_key_type);
    assert_int_equal(s.signature_data_offset, a.signature_data_offset);
    assert_int_equal(s.qe_report.raw - s.quote.ptr, a.qe_report.raw - a.quote.ptr);
    assert_int_equal(s.qe_report_signature - s.quote.ptr, a.qe_report_signature - a.quote.ptr);
    assert_int_equal(s.qe_auth_data.len, a.qe_auth_data.len);
    assert_memory_equal(s.qe_auth_data.ptr, a.qe_auth_data.ptr, 32);
    assert_int_equal(s.cert_data.offset, a.cert_data.offset);
    assert_int_equal(s.cert_data.type, a.cert_data.type);
    assert_int_equal(s.outer_cert_type, a.outer_cert_type);
    assert_int_equal(s.cert_data.chain_len, a.cert_data.chain_len);
    assert_int_equal(s.cert_data.chain_is_der, a.cert_data.chain_is_der);
    /* both end the PEM chain with one NUL; only the certificate bytes differ in size */
    assert_int_equal(a.cert_data.data.ptr[a.cert_data.data.len - 1], 0);
    assert_int_equal(s.cert_data.data.ptr[s.cert_data.data.len - 1], 0);
    assert_int_equal(s.signature_data_len - s.cert_data.data.len,
                     a.signature_data_len - a.cert_data.data.len);
    X509_free(check_signatures(&s));
    maat_buf_cleanup(&b);
    free(az);
    json_decref(root);
    free(json);
}

static void test_api_errors_and_time(void **state)
{
    (void)state;
    struct maat_error err = {0};
    int64_t t = 0;
    assert_int_equal(maat_sim_parse_time("1700000000", &t, &err), 0);
    assert_int_equal(t, 1700000000);
    assert_int_equal(maat_sim_parse_time("2023-11-14T22:13:20Z", &t, &err), 0);
    assert_int_equal(t, 1700000000);
    assert_int_equal(maat_sim_parse_time("2023-11-14 22:13:20", &t, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    char buf[21];
    maat_sim_format_time(1752919278, buf);
    assert_string_equal(buf, "2025-07-19T10:01:18Z");

    /* one TCB level per status lowers component 1: it must leave room */
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    o.cpusvn[0] = 5;
    maat_error_clear(&err);
    assert_int_equal(maat_sim_init("/nonexistent-dir/never", &o, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_non_null(strstr(err.msg, "cpusvn component 1"));

    struct maat_sim *s = NULL;
    maat_error_clear(&err);
    assert_int_equal(maat_sim_load("/nonexistent-dir/never", &s, &err), -1);
    assert_null(s);
    assert_int_equal(err.code, MAAT_ERR_IO);

    struct maat_sim_quote_opts q;
    maat_sim_quote_opts_defaults(sim, &q);
    q.version = 5;
    struct maat_buf b;
    maat_buf_init(&b);
    maat_error_clear(&err);
    assert_int_equal(maat_sim_quote(sim, &q, &b, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    assert_int_equal(b.len, 0);
    maat_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v3_fields_and_signatures),
        cmocka_unit_test(test_v4_layout),
        cmocka_unit_test(test_matches_azure_structure),
        cmocka_unit_test(test_api_errors_and_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
