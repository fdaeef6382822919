/* test_token_validate.c - maat_token_validate() (maat/token.h) against crafted tokens: alg
 * none, HS256 keyed with the RSA public key, an algorithm outside the caller's allow-list,
 * jku elsewhere, an attacker's key in the header (jwk, x5c), unknown kid, exp / nbf / iat at
 * the edges of the skew, wrong iss, the certificate's CN and validity, a good token against
 * the JWKS and against a pinned certificate, malformed key sets, bad arguments. The
 * verification time is always an input (never today's date). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/jose.h"
#include "maat/token.h"
#include "testutil.h"

#define ISS "https://token.test"
#define AT 1700000000 /* 2023-11-14T22:13:20Z */

static struct maat_signing_key *g_key, *g_evil, *g_ec;
static char *g_jwks; /* {"keys": [g_key's JWK, g_ec's JWK]} */

static int setup(void **state)
{
    (void)state;
    struct maat_error err = {0};
    g_key = maat__signing_key_generate(MAAT_JWS_RS256, &err);
    g_evil = maat__signing_key_generate(MAAT_JWS_RS256, &err);
    g_ec = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    if (!g_key || !g_evil || !g_ec) return -1;
    if (maat__signing_key_issue_cert(g_key, ISS, NULL, 0, &err) ||
        maat__signing_key_issue_cert(g_evil, ISS, NULL, 0, &err) ||
        maat__signing_key_issue_cert(g_ec, ISS, NULL, 0, &err))
        return -1;
    json_t *keys = json_array();
    json_array_append_new(keys, maat__signing_key_jwk(g_key));
    json_array_append_new(keys, maat__signing_key_jwk(g_ec));
    json_t *doc = json_pack("{s:o}", "keys", keys);
    g_jwks = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return g_jwks ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    maat__signing_key_free(g_key);
    maat__signing_key_free(g_evil);
    maat__signing_key_free(g_ec);
    free(g_jwks);
    return 0;
}

static json_t *header(const char *jku, const char *kid)
{
    json_t *h = json_object();
    if (jku) json_object_set_new(h, "jku", json_string(jku));
    if (kid) json_object_set_new(h, "kid", json_string(kid));
    json_object_set_new(h, "typ", json_string("JWT"));
    return h;
}

static json_t *claims(const char *iss, json_int_t exp, json_int_t nbf, json_int_t iat)
{
    json_t *c = json_object();
    if (iss) json_object_set_new(c, "iss", json_string(iss));
    if (exp) json_object_set_new(c, "exp", json_integer(exp));
    if (nbf) json_object_set_new(c, "nbf", json_integer(nbf));
    if (iat) json_object_set_new(c, "iat", json_integer(iat));
    json_object_set_new(c, "x-ms-sgx-mrenclave", json_string("00"));
    return c;
}

/* A token signed by k with the given header members (steals h and c). */
static char *sign(const struct maat_signing_key *k, json_t *h, json_t *c)
{
    struct maat_error err = {0};
    char *t = maat__jws_sign(k, h, c, true, &err);
    json_decref(h);
    json_decref(c);
    assert_non_null(t);
    return t;
}

static char *good_token(void)
{
    return sign(g_key, header(ISS "/certs", maat__signing_key_kid(g_key)),
                claims(ISS, AT + 3600, AT - 10, AT - 10));
}

static struct maat_token_expect expect_jwks(void)
{
    struct maat_token_expect x = {.issuer = ISS,
                                  .at = AT,
                                  .skew_seconds = MAAT_TOKEN_SKEW_DEFAULT,
                                  .jwks = (const uint8_t *)g_jwks,
                                  .jwks_len = strlen(g_jwks)};
    return x;
}

/* Validates t (freed) and checks the outcome: valid, or failed at `check` with `want` in the
 * reason. */
static void expect(char *t, const struct maat_token_expect *x, int check, const char *want)
{
    struct maat_token_result r;
    struct maat_error err = {0};
    assert_int_equal(maat_token_validate(t, strlen(t), x, &r, &err), 0);
    if (check < 0) {
        if (!r.valid)
            fail_msg("expected valid, failed at %s: %s", maat_token_check_name(r.failed_check),
                     r.reason);
        for (int c = 0; c <= MAAT_TOKEN_CHECK_LIFETIME; c++) /* the rest: not asked for */
            assert_int_equal(r.checks[c], MAAT_TOKEN_PASSED);
        for (int c = MAAT_TOKEN_CHECK_LIFETIME + 1; c < MAAT_TOKEN_CHECK__COUNT; c++)
            assert_int_equal(r.checks[c], MAAT_TOKEN_NOT_RUN);
    } else {
        if (r.valid || (int)r.failed_check != check || strstr(r.reason, want) == NULL)
            fail_msg("expected a failure at %s (\"%s\"); got valid %d at %s: %s",
                     maat_token_check_name((enum maat_token_check)check), want, r.valid,
                     maat_token_check_name(r.failed_check), r.reason);
        assert_int_equal(r.checks[check], MAAT_TOKEN_FAILED);
        for (int c = check + 1; c < MAAT_TOKEN_CHECK__COUNT; c++)
            assert_int_equal(r.checks[c], MAAT_TOKEN_NOT_RUN);
    }
    maat_token_result_cleanup(&r);
    free(t);
}

static void test_token_good(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    char *t = good_token();
    struct maat_token_result r;
    struct maat_error err = {0};
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), 0);
    assert_true(r.valid);
    assert_string_equal(r.alg, "RS256");
    assert_string_equal(r.kid, maat__signing_key_kid(g_key));
    assert_string_equal(r.cert_subject_cn, ISS);
    assert_int_equal(r.exp, AT + 3600);
    assert_true(r.has_nbf && r.has_iat);
    assert_string_equal(r.reason, "");
    /* the signing certificate is the JWKS key's */
    X509 *c = maat__signing_key_cert(g_key);
    unsigned char *der = NULL;
    int n = i2d_X509(c, &der);
    assert_int_equal((size_t)n, r.signing_cert_der_len);
    assert_memory_equal(der, r.signing_cert_der, (size_t)n);
    OPENSSL_free(der);
    maat_token_result_cleanup(&r);
    assert_null(r.signing_cert_der);
    /* the issuer compared as the sample does: host case-insensitive; trailing '/' is not */
    x.issuer = "HTTPS://TOKEN.test";
    expect(good_token(), &x, -1, NULL);
    /* ES256 from the same key set */
    x = expect_jwks();
    expect(sign(g_ec, header(ISS "/certs", maat__signing_key_kid(g_ec)), claims(ISS, AT + 60, 0, 0)),
           &x, -1, NULL);
    free(t);
}

static void test_token_alg_none_refused(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    struct maat_error err = {0};
    json_t *h = header(ISS "/certs", maat__signing_key_kid(g_key));
    json_t *c = claims(ISS, AT + 3600, 0, 0);
    char *t = maat__jws_unsigned(h, c, true, &err);
    json_decref(h);
    json_decref(c);
    assert_non_null(t);
    expect(t, &x, MAAT_TOKEN_CHECK_ALG, "unsigned (alg \"none\"");
}

/* The classic confusion: HS256 keyed with the issuer's public RSA key (PEM). */
static void test_token_hs256_with_rsa_key_refused(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    char hj[256], pj[128];
    snprintf(hj, sizeof hj,
             "{\"alg\":\"HS256\",\"jku\":\"" ISS "/certs\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             maat__signing_key_kid(g_key));
    snprintf(pj, sizeof pj, "{\"exp\":%d,\"iss\":\"" ISS "\"}", AT + 3600);
    char *h = maat_base64url_encode((const uint8_t *)hj, strlen(hj));
    char *p = maat_base64url_encode((const uint8_t *)pj, strlen(pj));
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(b, maat__signing_key_pkey(g_key)), 1);
    char *pem = NULL;
    long pl = BIO_get_mem_data(b, &pem);
    char si[1024];
    snprintf(si, sizeof si, "%s.%s", h, p);
    uint8_t mac[32];
    unsigned ml = 0;
    assert_non_null(HMAC(EVP_sha256(), pem, (int)pl, (const uint8_t *)si, strlen(si), mac, &ml));
    char *s = maat_base64url_encode(mac, ml);
    size_t n = strlen(si) + strlen(s) + 2;
    char *t = malloc(n);
    snprintf(t, n, "%s.%s", si, s);
    expect(t, &x, MAAT_TOKEN_CHECK_ALG, "header alg \"HS256\": expected RS256, ES256 or PS256");
    BIO_free(b);
    free(h);
    free(p);
    free(s);
}

static void test_token_alg_allow_list(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    x.algs = MAAT_TOKEN_ALG_RS256;
    expect(sign(g_ec, header(ISS "/certs", maat__signing_key_kid(g_ec)), claims(ISS, AT + 60, 0, 0)),
           &x, MAAT_TOKEN_CHECK_ALG, "header alg \"ES256\": expected RS256");
    expect(good_token(), &x, -1, NULL);
}

static void test_token_jku_elsewhere_refused(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    const char *kid = maat__signing_key_kid(g_key);
    expect(sign(g_key, header("https://evil.example/certs", kid), claims(ISS, AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_JKU, "header jku is \"https://evil.example/certs\"");
    expect(sign(g_key, header(ISS "/certs/", kid), claims(ISS, AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_JKU, "expected \"" ISS "/certs\"");
    expect(sign(g_key, header(NULL, kid), claims(ISS, AT + 60, 0, 0)), &x, MAAT_TOKEN_CHECK_JKU,
           "header jku is absent");
}

/* A key in the token's own header (jwk, x5c) is never used: the attacker's token, signed
 * with the attacker's key that its header carries, fails at the key (its kid is not in the
 * issuer's set) or, claiming the issuer's kid, at the signature. */
static void test_token_header_key_ignored(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    json_t *h = header(ISS "/certs", maat__signing_key_kid(g_evil));
    json_object_set_new(h, "jwk", maat__signing_key_jwk(g_evil));
    expect(sign(g_evil, h, claims(ISS, AT + 60, 0, 0)), &x, MAAT_TOKEN_CHECK_KEY, "no key with kid");
    h = header(ISS "/certs", maat__signing_key_kid(g_key));
    json_t *jwk = maat__signing_key_jwk(g_evil);
    json_object_set(h, "x5c", json_object_get(jwk, "x5c"));
    json_decref(jwk);
    expect(sign(g_evil, h, claims(ISS, AT + 60, 0, 0)), &x, MAAT_TOKEN_CHECK_SIGNATURE, "signature:");
}

static void test_token_unknown_kid_refused(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    expect(sign(g_key, header(ISS "/certs", "nobody"), claims(ISS, AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_KEY, "no key with kid \"nobody\" in the issuer's key set (2 keys)");
    expect(sign(g_key, header(ISS "/certs", NULL), claims(ISS, AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_KID, "header kid is absent");
}

static void test_token_lifetime_skew(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    const char *kid = maat__signing_key_kid(g_key);
    /* exp: 60 s of skew, not 61 */
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, AT - 60, 0, 0)), &x, -1, NULL);
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, AT - 61, 0, 0)), &x,
           MAAT_TOKEN_CHECK_LIFETIME, "expired: exp 2023-11-14T22:12:19Z is before");
    /* nbf and iat in the future */
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, AT + 3600, AT + 60, 0)), &x, -1, NULL);
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, AT + 3600, AT + 61, 0)), &x,
           MAAT_TOKEN_CHECK_LIFETIME, "not yet valid: nbf");
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, AT + 3600, 0, AT + 61)), &x,
           MAAT_TOKEN_CHECK_LIFETIME, "issued in the future");
    /* exp is required; no skew at all when the caller asks for 0 */
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, 0, 0, 0)), &x,
           MAAT_TOKEN_CHECK_LIFETIME, "claim \"exp\" is missing");
    x.skew_seconds = 0;
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, AT - 1, 0, 0)), &x,
           MAAT_TOKEN_CHECK_LIFETIME, "expired");
    /* the signing certificate's validity (2019-05-01..2050-12-31) */
    x = expect_jwks();
    x.at = 1546300800; /* 2019-01-01 */
    expect(sign(g_key, header(ISS "/certs", kid), claims(ISS, 1546300800 + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_CERT_VALIDITY, "the signing certificate is valid 2019-05-01");
}

static void test_token_wrong_iss_refused(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    const char *kid = maat__signing_key_kid(g_key);
    expect(sign(g_key, header(ISS "/certs", kid), claims("https://other.test", AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_ISSUER, "claim iss is \"https://other.test\", expected \"" ISS "\"");
    expect(sign(g_key, header(ISS "/certs", kid), claims(NULL, AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_ISSUER, "claim iss is absent");
    /* a certificate for another issuer, found under the right kid */
    struct maat_error err = {0};
    struct maat_signing_key *o = maat__signing_key_generate(MAAT_JWS_RS256, &err);
    assert_non_null(o);
    assert_int_equal(maat__signing_key_issue_cert(o, "https://other.test", NULL, 0, &err), 0);
    json_t *doc = json_pack("{s:[o]}", "keys", maat__signing_key_jwk(o));
    char *jw = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    x.jwks = (const uint8_t *)jw;
    x.jwks_len = strlen(jw);
    expect(sign(o, header(ISS "/certs", maat__signing_key_kid(o)), claims(ISS, AT + 60, 0, 0)), &x,
           MAAT_TOKEN_CHECK_CERT_SUBJECT, "subject is CN=https://other.test");
    free(jw);
    maat__signing_key_free(o);
}

static void test_token_pinned_certificate(void **state)
{
    (void)state;
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(b, maat__signing_key_cert(g_key)), 1);
    char *pem = NULL;
    long pl = BIO_get_mem_data(b, &pem);
    struct maat_token_expect x = {.issuer = ISS,
                                  .at = AT,
                                  .skew_seconds = 60,
                                  .pinned_cert = (const uint8_t *)pem,
                                  .pinned_cert_len = (size_t)pl};
    expect(good_token(), &x, -1, NULL);
    /* another key's token, whatever its kid says */
    expect(sign(g_evil, header(ISS "/certs", maat__signing_key_kid(g_key)), claims(ISS, AT + 60, 0, 0)),
           &x, MAAT_TOKEN_CHECK_SIGNATURE, "signature:");
    /* DER works too; garbage fails closed at the key */
    unsigned char *der = NULL;
    int n = i2d_X509(maat__signing_key_cert(g_key), &der);
    x.pinned_cert = der;
    x.pinned_cert_len = (size_t)n;
    expect(good_token(), &x, -1, NULL);
    x.pinned_cert_len = (size_t)n - 1;
    expect(good_token(), &x, MAAT_TOKEN_CHECK_KEY, "pinned certificate is not");
    OPENSSL_free(der);
    BIO_free(b);
}

static void test_token_bad_key_set_fails_closed(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    const char *bad[] = {"", "{", "{\"keys\": 1}", "[]", "{\"keys\":[],\"keys\":[]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        x.jwks = (const uint8_t *)bad[i];
        x.jwks_len = strlen(bad[i]);
        expect(good_token(), &x, MAAT_TOKEN_CHECK_KEY, "the issuer's key set");
    }
}

static void test_token_format_and_arguments(void **state)
{
    (void)state;
    struct maat_token_expect x = expect_jwks();
    expect(strdup("not.a.jwt!"), &x, MAAT_TOKEN_CHECK_FORMAT, "");
    expect(strdup("x"), &x, MAAT_TOKEN_CHECK_FORMAT, "");
    struct maat_token_result r;
    struct maat_error err = {0};
    char *t = good_token();
    x.skew_seconds = MAAT_TOKEN_SKEW_MAX + 1;
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    x = expect_jwks();
    x.pinned_cert = (const uint8_t *)"x";
    x.pinned_cert_len = 1;
    maat_error_clear(&err);
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    x = expect_jwks();
    x.issuer = NULL;
    maat_error_clear(&err);
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    x = expect_jwks();
    x.algs = 1u << 7;
    maat_error_clear(&err);
    assert_int_equal(maat_token_validate(t, strlen(t), &x, &r, &err), -1);
    assert_false(r.valid);
    free(t);
    assert_string_equal(maat_token_check_name(MAAT_TOKEN_CHECK_LIFETIME), "lifetime");
    assert_true(maat_token_issuer_equal("https://A.b:443/x", "HTTPS://a.B:443/x"));
    assert_false(maat_token_issuer_equal("https://a.b/X", "https://a.b/x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_good),
        cmocka_unit_test(test_token_alg_none_refused),
        cmocka_unit_test(test_token_hs256_with_rsa_key_refused),
        cmocka_unit_test(test_token_alg_allow_list),
        cmocka_unit_test(test_token_jku_elsewhere_refused),
        cmocka_unit_test(test_token_header_key_ignored),
        cmocka_unit_test(test_token_unknown_kid_refused),
        cmocka_unit_test(test_token_lifetime_skew),
        cmocka_unit_test(test_token_wrong_iss_refused),
        cmocka_unit_test(test_token_pinned_certificate),
        cmocka_unit_test(test_token_bad_key_set_fails_closed),
        cmocka_unit_test(test_token_format_and_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
