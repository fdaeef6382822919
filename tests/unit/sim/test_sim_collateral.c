/* test_sim_collateral.c - the simulated platform's collateral: TCB info / QE identity
 * signatures over the exact bytes written, Intel's key order, one TCB level per status
 * reached by --tcb, CRLs signed by the right CAs listing the revoked serials, validity
 * knobs, Platform CA leaves, wrong FMSPC, key file modes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "maat/pck.h"
#include "maat/quote.h"
#include "sim.h"
#include "testutil.h"

#define NOW 1700000000   /* 2023-11-14T22:13:20Z */
#define ISSUE 1600000000 /* 2020-09-13T12:26:40Z */
#define NEXT 1600086400  /* one day later */

#include "sim_dir_fixture.h"

static int setup(void **state)
{
    (void)state;
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    memcpy(o.fmspc, "\x00\xA0\x67\x11\x00\x00", 6);
    memcpy(o.pce_id, "\x00\x01", 2);
    o.issue_date = ISSUE;
    o.next_update = NEXT;
    o.revoke_platform_ca = true;
    return sim_dir_open(&o);
}

static int teardown(void **state)
{
    (void)state;
    return sim_dir_close();
}

static X509 *pem_cert(const void *p, size_t n)
{
    BIO *b = BIO_new_mem_buf(p, (int)n);
    X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(c);
    return c;
}

static X509 *file_cert(const char *rel)
{
    size_t n;
    uint8_t *p = read_in(rel, &n);
    X509 *c = pem_cert(p, n);
    free(p);
    return c;
}

static bool verify_hex_sig(X509 *signer, const char *data, size_t len, const char *sig_hex)
{
    uint8_t sig[64];
    struct maat_error err = {0};
    assert_int_equal(maat_hex_decode_fixed(sig_hex, strlen(sig_hex), "sig", sig, 64, &err), 0);
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
    unsigned char *der = NULL;
    int der_len = i2d_ECDSA_SIG(es, &der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(signer)) == 1 &&
              EVP_DigestVerify(ctx, der, (size_t)der_len, (const uint8_t *)data, len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    return ok;
}

/* Splits a PCS body {"KEY":BODY,"signature":"HEX"} at the exact bytes. */
static void split_signed(const char *text, const char *key, char **body, char sig[129])
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "{\"%s\":", key);
    assert_int_equal(strncmp(text, prefix, strlen(prefix)), 0);
    const char *start = text + strlen(prefix);
    const char *mark = strstr(start, ",\"signature\":\"");
    assert_non_null(mark);
    *body = strndup(start, (size_t)(mark - start));
    const char *h = mark + strlen(",\"signature\":\"");
    assert_int_equal(strlen(h), 128 + 2);
    assert_string_equal(h + 128, "\"}");
    memcpy(sig, h, 128);
    sig[128] = '\0';
}

static void check_signed_file(const char *rel, const char *key, const char *expect_prefix)
{
    size_t n;
    char *text = (char *)read_in(rel, &n);
    char *body, sig[129];
    split_signed(text, key, &body, sig);
    X509 *signer = file_cert("certs/tcb-signing.pem");
    assert_true(verify_hex_sig(signer, body, strlen(body), sig));
    /* one changed byte breaks it: the signature covers these exact bytes */
    body[5] ^= 1;
    assert_false(verify_hex_sig(signer, body, strlen(body), sig));
    body[5] ^= 1;
    if (strncmp(body, expect_prefix, strlen(expect_prefix)) != 0)
        fail_msg("%s starts %.120s, expected %s", rel, body, expect_prefix);
    X509_free(signer);
    free(body);
    free(text);
}

static void test_signed_json_exact_bytes(void **state)
{
    (void)state;
    check_signed_file("pcs/tcb-00A067110000.json", "tcbInfo",
                      "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"2020-09-13T12:26:40Z\","
                      "\"nextUpdate\":\"2020-09-14T12:26:40Z\",\"fmspc\":\"00A067110000\","
                      "\"pceId\":\"0001\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
                      "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[{\"svn\":20,");
    check_signed_file("pcs/tcb-v2-00A067110000.json", "tcbInfo",
                      "{\"version\":2,\"issueDate\":\"2020-09-13T12:26:40Z\","
                      "\"nextUpdate\":\"2020-09-14T12:26:40Z\",\"fmspc\":\"00A067110000\","
                      "\"pceId\":\"0001\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
                      "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomp01svn\":20,\"sgxtcbcomp02svn\":20,");
    check_signed_file("pcs/qe-identity.json", "enclaveIdentity",
                      "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"2020-09-13T12:26:40Z\","
                      "\"nextUpdate\":\"2020-09-14T12:26:40Z\",\"tcbEvaluationDataNumber\":17,"
                      "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
                      "\"attributes\":\"11000000000000000000000000000000\","
                      "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":"
                      "\"0F82933EE97B938C88A7EFE9C82047C75242A952F7B113A89AFB87E4589460EE\","
                      "\"isvprodid\":1,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":8},");
}

/* Verifies `leaf` against root-ca.pem with `chain_pem` as untrusted intermediates. */
static void check_chain(X509 *leaf, const void *chain_pem, size_t chain_len)
{
    X509_STORE *store = X509_STORE_new();
    X509 *root = file_cert("root-ca.pem");
    X509_STORE_add_cert(store, root);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    BIO *b = BIO_new_mem_buf(chain_pem, (int)chain_len);
    X509 *c;
    while ((c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) sk_X509_push(untrusted, c);
    BIO_free(b);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, untrusted);
    X509_STORE_CTX_set_time(ctx, 0, NOW + 1);
    if (X509_verify_cert(ctx) != 1)
        fail_msg("chain: %s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(root);
    X509_STORE_free(store);
}

static void test_bundle(void **state)
{
    (void)state;
    size_t n;
    char *text = (char *)read_in("collateral.json", &n);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    static const char *const keys[] = {
        "pck_crl_issuer_chain",     "root_ca_crl", "pck_crl",
        "tcb_info_issuer_chain",    "tcb_info",    "tcb_info_signature",
        "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature"};
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach (j, k, v) {
        assert_true(i < 9);
        assert_string_equal(k, keys[i++]); /* dcap-qvl's key order */
    }
    assert_int_equal(i, 9);
    const char *tcb = json_string_value(json_object_get(j, "tcb_info"));
    const char *chain = json_string_value(json_object_get(j, "tcb_info_issuer_chain"));
    X509 *signer = pem_cert(chain, strlen(chain));
    assert_true(verify_hex_sig(signer, tcb, strlen(tcb),
                               json_string_value(json_object_get(j, "tcb_info_signature"))));
    const char *qe = json_string_value(json_object_get(j, "qe_identity"));
    assert_true(verify_hex_sig(signer, qe, strlen(qe),
                               json_string_value(json_object_get(j, "qe_identity_signature"))));
    check_chain(signer, chain, strlen(chain));
    X509_free(signer);
    /* the bundle's tcb_info is the PCS file's exact body */
    char *pcs = (char *)read_in("pcs/tcb-00A067110000.json", &n);
    assert_non_null(strstr(pcs, tcb));
    assert_int_equal(strlen(pcs),
                     strlen("{\"tcbInfo\":") + strlen(tcb) + strlen(",\"signature\":\"\"}") + 128);
    /* hex CRLs equal the DER files */
    size_t der_len;
    uint8_t *der = read_in("pcs/rootcacrl.der", &der_len);
    char *hex = maat_hex_encode_alloc(der, der_len);
    assert_string_equal(hex, json_string_value(json_object_get(j, "root_ca_crl")));
    free(hex);
    free(der);
    der = read_in("pcs/pckcrl-processor.der", &der_len);
    hex = maat_hex_encode_alloc(der, der_len);
    assert_string_equal(hex, json_string_value(json_object_get(j, "pck_crl")));
    free(hex);
    free(der);
    free(pcs);
    json_decref(j);
    free(text);
}

/* Makes a quote, returns its PCK leaf certificate (also parsed into pck). */
static X509 *raw_leaf(const struct maat_sim_quote_opts *o, struct maat_pck_info *pck, X509 **ca)
{
    struct maat_buf b;
    maat_buf_init(&b);
    struct maat_error err = {0};
    struct maat_quote q;
    if (maat_sim_quote(sim, o, &b, &err) != 0 || maat_quote_parse(b.data, b.len, &q, &err) != 0)
        fail_msg("quote: %s", err.msg);
    assert_int_equal(q.cert_data.chain_len, 3);
    X509 *leaf = pem_cert(q.cert_data.chain[0].ptr, q.cert_data.chain[0].len);
    if (maat_pck_cert_parse_pem((const char *)q.cert_data.chain[0].ptr, q.cert_data.chain[0].len,
                                pck, &err) != 0)
        fail_msg("pck: %s", err.msg);
    *ca = pem_cert(q.cert_data.chain[1].ptr, q.cert_data.chain[1].len);
    assert_int_equal(q.pce_svn, pck->pcesvn);
    maat_buf_cleanup(&b);
    return leaf;
}

/* Same, and checks that the quote's chain verifies to root-ca.pem. */
static X509 *quote_leaf(const struct maat_sim_quote_opts *o, struct maat_pck_info *pck)
{
    X509 *ca;
    X509 *leaf = raw_leaf(o, pck, &ca);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, ca);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    check_chain(leaf, p, (size_t)n);
    BIO_free(b);
    X509_free(ca);
    return leaf;
}

/* Intel's rule: the first level whose 16 components and PCESVN are all <= the PCK's. */
static const char *first_matching_level(json_t *levels, const struct maat_pck_info *pck,
                                        int version, json_t **advisories)
{
    size_t i;
    json_t *lv;
    json_array_foreach (levels, i, lv) {
        json_t *tcb = json_object_get(lv, "tcb");
        bool ok = json_integer_value(json_object_get(tcb, "pcesvn")) <= pck->pcesvn;
        for (int c = 0; c < 16; c++) {
            json_int_t svn;
            if (version == 3) {
                svn = json_integer_value(json_object_get(
                    json_array_get(json_object_get(tcb, "sgxtcbcomponents"), (size_t)c), "svn"));
            } else {
                char name[32];
                snprintf(name, sizeof name, "sgxtcbcomp%02dsvn", c + 1);
                svn = json_integer_value(json_object_get(tcb, name));
            }
            ok = ok && svn <= pck->tcb_components[c];
        }
        if (ok) {
            *advisories = json_object_get(lv, "advisoryIDs");
            return json_string_value(json_object_get(lv, "tcbStatus"));
        }
    }
    return NULL;
}

static json_t *tcb_levels(const char *rel, const char *key, json_t **root)
{
    size_t n;
    char *text = (char *)read_in(rel, &n);
    *root = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(*root);
    return json_object_get(json_object_get(*root, key), "tcbLevels");
}

static void test_each_tcb_status(void **state)
{
    (void)state;
    json_t *r3, *r2;
    json_t *l3 = tcb_levels("pcs/tcb-00A067110000.json", "tcbInfo", &r3);
    json_t *l2 = tcb_levels("pcs/tcb-v2-00A067110000.json", "tcbInfo", &r2);
    assert_int_equal(json_array_size(l3), MAAT_SIM_TCB__COUNT);
    for (int t = 0; t < MAAT_SIM_TCB__COUNT; t++) {
        assert_int_equal(maat_sim_tcb_from_name(maat_sim_tcb_name((enum maat_sim_tcb)t)), t);
        struct maat_sim_quote_opts o;
        maat_sim_quote_opts_defaults(sim, &o);
        maat_sim_quote_opts_set_tcb(sim, &o, (enum maat_sim_tcb)t);
        struct maat_pck_info pck;
        X509 *leaf = quote_leaf(&o, &pck);
        json_t *adv = NULL;
        const char *s3 = first_matching_level(l3, &pck, 3, &adv);
        assert_non_null(s3);
        assert_string_equal(s3, maat_sim_tcb_name((enum maat_sim_tcb)t));
        if (t == MAAT_SIM_TCB_UP_TO_DATE)
            assert_null(adv);
        else
            assert_true(json_array_size(adv) >= 1);
        const char *s2 = first_matching_level(l2, &pck, 2, &adv);
        assert_non_null(s2);
        assert_string_equal(s2, maat_sim_tcb_name((enum maat_sim_tcb)t));
        assert_memory_equal(pck.fmspc, "\x00\xA0\x67\x11\x00\x00", 6);
        assert_memory_equal(pck.pce_id, "\x00\x01", 2);
        X509_free(leaf);
    }
    /* below every level: no match */
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(sim, &o);
    memset(o.cpusvn, 0, 16);
    struct maat_pck_info pck;
    X509_free(quote_leaf(&o, &pck));
    json_t *adv;
    assert_null(first_matching_level(l3, &pck, 3, &adv));
    json_decref(r3);
    json_decref(r2);
}

static void test_qe_identity_levels(void **state)
{
    (void)state;
    json_t *r;
    json_t *levels = tcb_levels("pcs/qe-identity.json", "enclaveIdentity", &r);
    static const struct {
        int svn;
        const char *status;
    } cases[] = {
        {9, "UpToDate"}, {8, "UpToDate"}, {7, "OutOfDate"}, {6, "OutOfDate"},
        {5, "Revoked"},  {4, "Revoked"},  {3, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *got = NULL;
        size_t i;
        json_t *lv;
        json_array_foreach (levels, i, lv) {
            if (json_integer_value(json_object_get(json_object_get(lv, "tcb"), "isvsvn")) <=
                cases[c].svn) {
                got = json_string_value(json_object_get(lv, "tcbStatus"));
                break;
            }
        }
        if (cases[c].status == NULL)
            assert_null(got);
        else
            assert_string_equal(got, cases[c].status);
    }
    json_decref(r);
    /* a QE with a low ISVSVN says so in its report and the header */
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(sim, &o);
    o.qe_svn = 6;
    struct maat_buf b;
    maat_buf_init(&b);
    struct maat_error err = {0};
    struct maat_quote q;
    assert_int_equal(maat_sim_quote(sim, &o, &b, &err), 0);
    assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
    assert_int_equal(q.qe_svn, 6);
    assert_int_equal(q.qe_report.isv_svn, 6);
    maat_buf_cleanup(&b);
}

static X509_CRL *load_crl(const char *rel)
{
    size_t n;
    uint8_t *der = read_in(rel, &n);
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)n);
    assert_non_null(crl);
    assert_ptr_equal(p, der + n);
    free(der);
    return crl;
}

static void check_crl(const char *rel, const char *ca_rel, X509 *revoked, X509 *not_revoked)
{
    X509_CRL *crl = load_crl(rel);
    X509 *ca = file_cert(ca_rel);
    assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca)), 1);
    assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)), 0);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl), ISSUE), 0);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl), NEXT), 0);
    X509_REVOKED *r = NULL;
    if (revoked != NULL)
        assert_int_equal(X509_CRL_get0_by_serial(crl, &r, X509_get0_serialNumber(revoked)), 1);
    if (not_revoked != NULL)
        assert_int_equal(X509_CRL_get0_by_serial(crl, &r, X509_get0_serialNumber(not_revoked)), 0);
    X509_free(ca);
    X509_CRL_free(crl);
}

static void test_crls_and_revoked_pck(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    struct maat_pck_info pck;
    maat_sim_quote_opts_defaults(sim, &o);
    X509 *good = quote_leaf(&o, &pck);
    o.revoked = true;
    X509 *bad = quote_leaf(&o, &pck);
    uint8_t serial[20];
    maat_sim_revoked_serial(sim, MAAT_PCK_CA_PROCESSOR, serial);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(bad), NULL);
    uint8_t got[20];
    assert_int_equal(BN_bn2binpad(bn, got, 20), 20);
    assert_memory_equal(got, serial, 20);
    BN_free(bn);
    check_crl("pcs/pckcrl-processor.der", "certs/pck-processor-ca.pem", bad, good);
    X509_free(good);
    X509_free(bad);

    o.pck_ca = MAAT_PCK_CA_PLATFORM;
    X509 *pbad = quote_leaf(&o, &pck);
    o.revoked = false;
    X509 *pgood = quote_leaf(&o, &pck);
    check_crl("pcs/pckcrl-platform.der", "certs/pck-platform-ca.pem", pbad, pgood);
    X509_free(pbad);
    X509_free(pgood);

    /* init asked to revoke the Platform CA: the root CRL lists it, not the Processor CA */
    X509 *pl = file_cert("certs/pck-platform-ca.pem");
    X509 *pr = file_cert("certs/pck-processor-ca.pem");
    check_crl("pcs/rootcacrl.der", "root-ca.pem", pl, pr);
    X509_free(pl);
    X509_free(pr);
}

static void test_platform_ca_and_wrong_fmspc(void **state)
{
    (void)state;
    struct maat_sim_quote_opts o;
    struct maat_pck_info pck;
    maat_sim_quote_opts_defaults(sim, &o);
    o.pck_ca = MAAT_PCK_CA_PLATFORM;
    X509 *leaf = quote_leaf(&o, &pck);
    assert_int_equal(pck.ca, MAAT_PCK_CA_PLATFORM);
    assert_int_equal(pck.sgx_type, MAAT_SGX_TYPE_SCALABLE);
    assert_true(pck.has_platform_instance_id);
    assert_true(pck.has_configuration);
    assert_true(pck.has_cached_keys && pck.cached_keys);
    X509_free(leaf);

    maat_sim_quote_opts_defaults(sim, &o);
    memcpy(o.fmspc, "\x00\x90\x6e\xd5\x00\x00", 6);
    leaf = quote_leaf(&o, &pck);
    assert_memory_equal(pck.fmspc, "\x00\x90\x6e\xd5\x00\x00", 6);
    assert_int_equal(pck.ca, MAAT_PCK_CA_PROCESSOR);
    X509_free(leaf);

    /* PCK validity knobs */
    o.pck_not_before = NOW - 100;
    o.pck_not_after = NOW - 10;
    X509 *ca;
    leaf = raw_leaf(&o, &pck, &ca);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(leaf), NOW - 100), 0);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(leaf), NOW - 10), 0);
    assert_int_equal(X509_verify(leaf, X509_get0_pubkey(ca)), 1);
    X509_free(ca);
    X509_free(leaf);
}

static void test_key_modes_and_validity(void **state)
{
    (void)state;
    static const char *const keys[] = {"keys/root-ca.key", "keys/pck-processor-ca.key",
                                       "keys/pck-platform-ca.key", "keys/tcb-signing.key",
                                       "keys/pck.key"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, keys[i]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    X509 *root = file_cert("root-ca.pem");
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(root), NOW), 0);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(root), NOW + 3653LL * 86400), 0);
    assert_int_equal(X509_check_issued(root, root), X509_V_OK);
    char cn[64];
    X509_NAME_get_text_by_NID(X509_get_subject_name(root), NID_commonName, cn, sizeof cn);
    assert_string_equal(cn, "Intel SGX Root CA");
    X509_NAME_get_text_by_NID(X509_get_subject_name(root), NID_organizationName, cn, sizeof cn);
    assert_string_equal(cn, "maat simulated platform");
    X509_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_json_exact_bytes),
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_each_tcb_status),
        cmocka_unit_test(test_qe_identity_levels),
        cmocka_unit_test(test_crls_and_revoked_pck),
        cmocka_unit_test(test_platform_ca_and_wrong_fmspc),
        cmocka_unit_test(test_key_modes_and_validity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
