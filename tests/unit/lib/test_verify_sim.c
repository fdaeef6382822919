/* test_verify_sim.c - the verifier against the simulated platform: every byte of every
 * signed region is covered, collateral re-signed with the sim's key, and certificate key
 * identifiers. The sim's table cases (every TCB status, PCK CA and CRL, FMSPC and level
 * matching, the QE's level, collateral times, wrong root, QE vendor id) are data files in
 * tests/data/verify/sim-*.case, run by test_verify_corpus.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "maat/collateral.h"
#include "maat/crypto.h"
#include "maat/verify.h"
#include "sim.h"
#include "sim_fixture.h"
#include "testutil.h"
#include "verify_internal.h"

#define NOW 1700000000  /* 2023-11-14T22:13:20Z: the platform's creation time */
#define AT (NOW + 3600) /* verification time, inside every window */

/* The sim platform, trust set and collateral bundles (tests/lib/sim_fixture.h; in[0]
 * Processor CA CRL, in[1] Platform CA CRL), and that collateral verified at AT. */
struct env {
    struct sim_fixture f;
    struct maat_verified_collateral *vc[2];
};

static struct env E;

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    memset(&E, 0, sizeof E);
    struct maat_sim_init_opts o;
    maat_sim_init_opts_defaults(&o, NOW);
    o.cpusvn[15] = 5; /* a non-zero 16th component, so all 16 must be compared */
    sim_fixture_setup(&E.f, NOW, &o);
    for (int i = 0; i < 2; i++)
        if (maat_collateral_verify(&E.f.in[i], E.f.trust, AT, &E.vc[i], &err) != 0)
            fail_msg("collateral %d: %s", i, err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) maat_verified_collateral_free(E.vc[i]);
    sim_fixture_teardown(&E.f);
    return 0;
}

/* Signs `body` with the sim's TCB Signing key, returning hex r||s in out[129]. */
static void sign_body(const char *body, char out[129])
{
    size_t n;
    uint8_t *pem = sim_fixture_read(&E.f, "keys/tcb-signing.key", &n);
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(key);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t siglen = 80;
    uint8_t der[80], rs[64];
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, der, &siglen, (const uint8_t *)body, strlen(body)), 1);
    assert_int_equal(maat__ecdsa_der_to_rs(der, siglen, rs), 0);
    maat_hex_encode(rs, 64, out);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    BIO_free(bio);
    free(pem);
}

/* Bug class: QE identity taken from constants. A validly signed QE identity naming another
 * MRSIGNER (or ISVPRODID) must make the QE check fail. */
static void test_qe_identity_from_collateral(void **state)
{
    (void)state;
    const char *fields[] = {"\"mrsigner\":\"", "\"isvprodid\":", "\"attributes\":\""};
    const char *expect[] = {"MRSIGNER", "ISVPRODID", "ATTRIBUTES"};
    for (int f = 0; f < 3; f++) {
        char *body = strdup(E.f.bundle[0].qe_identity_text);
        char *p = strstr(body, fields[f]);
        assert_non_null(p);
        p += strlen(fields[f]);
        *p = *p == '1' ? '2' : '1';
        char sig[129];
        sign_body(body, sig);
        struct maat_collateral_input in = E.f.in[0];
        in.qe_identity_body.ptr = (const uint8_t *)body;
        in.qe_identity_body.len = strlen(body);
        in.qe_identity_signature.ptr = (const uint8_t *)sig;
        in.qe_identity_signature.len = 128;
        struct maat_error err = {0};
        struct maat_verified_collateral *vc = NULL;
        if (maat_collateral_verify(&in, E.f.trust, AT, &vc, &err) != 0) fail_msg("%s", err.msg);
        struct maat_sim_quote_opts o;
        maat_sim_quote_opts_defaults(E.f.sim, &o);
        struct maat_buf b;
        maat_buf_init(&b);
        assert_int_equal(maat_sim_quote(E.f.sim, &o, &b, &err), 0);
        struct maat_quote q;
        assert_int_equal(maat_quote_parse(b.data, b.len, &q, &err), 0);
        struct maat_verify_opts vo = {.at = AT};
        struct maat_verdict v;
        assert_int_equal(maat_quote_verify(&q, vc, E.f.trust, &vo, &v, &err), 0);
        assert_false(v.ok);
        assert_int_equal(v.failed_step, MAAT_STEP_QE_IDENTITY);
        if (strstr(v.reason, expect[f]) == NULL) fail_msg("%s: %s", expect[f], v.reason);
        maat_buf_cleanup(&b);
        maat_verified_collateral_free(vc);
        free(body);
    }
}

/* Every byte of the quote proper flipped: always rejected, by the step that owns it. */
static void test_flip_every_quote_byte(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_pck_cache *cache = maat_pck_cache_new(64, &err);
    for (int version = 3; version <= 4; version++) {
        struct maat_sim_quote_opts o;
        maat_sim_quote_opts_defaults(E.f.sim, &o);
        o.version = version;
        struct maat_buf b;
        maat_buf_init(&b);
        assert_int_equal(maat_sim_quote(E.f.sim, &o, &b, &err), 0);
        struct maat_quote q0;
        assert_int_equal(maat_quote_parse(b.data, b.len, &q0, &err), 0);
        size_t sig = q0.signature_data_offset; /* start of signature data */
        size_t qe = (size_t)(q0.qe_report.raw - b.data);
        size_t auth = (size_t)(q0.qe_auth_data.ptr - b.data);
        size_t chain = q0.cert_data.offset;
        uint8_t *m = malloc(b.len);
        size_t counts[MAAT_STEP__COUNT + 1] = {0};
        for (size_t i = 0; i < q0.quote.len; i++) {
            memcpy(m, b.data, b.len);
            m[i] ^= 0x01;
            struct maat_quote q;
            maat_error_clear(&err);
            if (maat_quote_parse(m, b.len, &q, &err) != 0) {
                counts[MAAT_STEP__COUNT]++; /* rejected by the parser */
                continue;
            }
            struct maat_verify_opts vo = {.at = AT, .pck_cache = cache};
            struct maat_verdict v;
            assert_int_equal(maat_quote_verify(&q, E.vc[0], E.f.trust, &vo, &v, &err), 0);
            if (v.ok) fail_msg("v%d: flipping byte %zu was accepted", version, i);
            counts[v.failed_step]++;
            enum maat_verify_step want = MAAT_STEP__COUNT;
            if (i < sig - 4)
                want = (i >= 12 && i < 28) ? MAAT_STEP_STRUCTURE : MAAT_STEP_QUOTE_SIGNATURE;
            else if (i >= sig && i < sig + 64)
                want = MAAT_STEP_QUOTE_SIGNATURE;
            else if (i >= sig + 64 && i < sig + 128)
                want = MAAT_STEP_AK_BINDING;
            else if (i >= qe && i < qe + 384 + 64)
                want = MAAT_STEP_QE_REPORT_SIGNATURE;
            else if (i >= auth && i < auth + q0.qe_auth_data.len)
                want = MAAT_STEP_AK_BINDING;
            else if (i >= chain)
                want = MAAT_STEP_PCK_CHAIN;
            if (want != MAAT_STEP__COUNT && v.failed_step != want)
                fail_msg("v%d byte %zu: failed at %s (%s), expected %s", version, i,
                         maat_verify_step_name(v.failed_step), v.reason, maat_verify_step_name(want));
        }
        printf(
            "v%d: %zu bytes flipped: parser %zu, structure %zu, pck_chain %zu, qe_report_signature "
            "%zu, attestation_key_binding %zu, quote_signature %zu\n",
            version, q0.quote.len, counts[MAAT_STEP__COUNT], counts[MAAT_STEP_STRUCTURE],
            counts[MAAT_STEP_PCK_CHAIN], counts[MAAT_STEP_QE_REPORT_SIGNATURE],
            counts[MAAT_STEP_AK_BINDING], counts[MAAT_STEP_QUOTE_SIGNATURE]);
        free(m);
        maat_buf_cleanup(&b);
    }
    maat_pck_cache_free(cache);
}

/* Every byte of the signed collateral (TCB info, QE identity, both CRLs) flipped: the
 * collateral is refused. */
static void test_flip_every_collateral_byte(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_collateral_input base = E.f.in[0];
    struct maat_view *views[] = {&base.tcb_info_body,         &base.qe_identity_body,
                                 &base.root_ca_crl,           &base.pck_crl,
                                 &base.tcb_info_issuer_chain, &base.pck_crl_issuer_chain};
    const char *names[] = {"TCB info", "QE identity",           "Root CA CRL",
                           "PCK CRL",  "TCB info issuer chain", "PCK CRL issuer chain"};
    for (size_t k = 0; k < 6; k++) {
        struct maat_view orig = *views[k];
        uint8_t *m = malloc(orig.len);
        for (size_t i = 0; i < orig.len; i++) {
            memcpy(m, orig.ptr, orig.len);
            m[i] ^= 0x01;
            struct maat_collateral_input in = base;
            /* re-point the signature views at this copy's storage */
            in.tcb_info_signature.ptr = (const uint8_t *)E.f.in[0].sig_hex_storage[0];
            in.qe_identity_signature.ptr = (const uint8_t *)E.f.in[0].sig_hex_storage[1];
            struct maat_view *v = (struct maat_view *)((char *)&in +
                                                       ((char *)views[k] - (char *)&base));
            v->ptr = m;
            if (k == 4) in.qe_identity_issuer_chain = *v;
            struct maat_verified_collateral *vc = NULL;
            maat_error_clear(&err);
            if (maat_collateral_verify(&in, E.f.trust, AT, &vc, &err) == 0)
                fail_msg("%s: flipping byte %zu of %zu was accepted", names[k], i, orig.len);
        }
        free(m);
    }
}

/* Bug class: a chain that "verifies" with an empty or mismatched key identifier. */
static X509 *mk_cert(const char *cn, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key, int akid)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(cn[0] + 1000 * akid));
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    ASN1_TIME_set(X509_getm_notBefore(x), NOW - 86400);
    ASN1_TIME_set(X509_getm_notAfter(x), NOW + 86400 * 365);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *ext;
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                              issuer && strstr(cn, "Certificate") ? "critical,CA:FALSE"
                                                                  : "critical,CA:TRUE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
                              strstr(cn, "Certificate") ? "critical,digitalSignature"
                                                        : "critical,keyCertSign,cRLSign");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (issuer) {
        AUTHORITY_KEYID *ak = AUTHORITY_KEYID_new();
        ak->keyid = ASN1_OCTET_STRING_new();
        if (akid == 0) {
            const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(issuer);
            ASN1_OCTET_STRING_set(ak->keyid, ASN1_STRING_get0_data(skid), ASN1_STRING_length(skid));
        } else if (akid == 1) {
            ASN1_OCTET_STRING_set(ak->keyid, (const unsigned char *)"01234567890123456789", 20);
        } /* akid == 2: empty key identifier */
        X509_add1_ext_i2d(x, NID_authority_key_identifier, ak, 0, X509V3_ADD_DEFAULT);
        AUTHORITY_KEYID_free(ak);
    }
    X509_sign(x, issuer_key, EVP_sha256());
    return x;
}

static void test_key_identifiers(void **state)
{
    (void)state;
    EVP_PKEY *rk = EVP_EC_gen("P-256"), *ck = EVP_EC_gen("P-256"), *lk = EVP_EC_gen("P-256");
    X509 *root = mk_cert("Test Root CA", NULL, rk, rk, 0);
    struct maat_error err = {0};
    struct maat_trust *t = maat_trust_new_empty(&err);
    unsigned char *der = NULL;
    int len = i2d_X509(root, &der);
    assert_int_equal(maat_trust_add_root(t, der, (size_t)len, "test root", true, &err), 0);
    OPENSSL_free(der);
    const char *labels[] = {"matching", "mismatched", "empty"};
    for (int akid = 0; akid < 3; akid++) {
        X509 *ca = mk_cert("Test PCK CA", root, rk, ck, akid);
        X509 *leaf = mk_cert("Test SGX PCK Certificate", ca, ck, lk, 0);
        STACK_OF(X509) *sk = sk_X509_new_null();
        sk_X509_push(sk, leaf);
        sk_X509_push(sk, ca);
        sk_X509_push(sk, root);
        const struct maat_anchor *a = NULL;
        maat_error_clear(&err);
        int rc = maat__chain_verify(leaf, sk, t, "test chain", &a, NULL, &err);
        if (akid == 0 && rc != 0) fail_msg("%s key identifier: %s", labels[akid], err.msg);
        if (akid != 0 && rc == 0) fail_msg("%s key identifier accepted", labels[akid]);
        sk_X509_free(sk);
        X509_free(ca);
        X509_free(leaf);
    }
    maat_trust_free(t);
    X509_free(root);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(lk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qe_identity_from_collateral),
        cmocka_unit_test(test_flip_every_quote_byte),
        cmocka_unit_test(test_flip_every_collateral_byte),
        cmocka_unit_test(test_key_identifiers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
