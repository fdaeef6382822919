/* test_jose_strict.c - JWS/JWT strictness against malleable or undefined inputs (issue 12,
 * item 13): time claims must be integer NumericDates in range (a real "exp": 1e300 was cast
 * to an integer - undefined behaviour - and passed time checks); every JWS part must be
 * canonical unpadded base64url (non-zero unused bits and '=' padding refused), so one token
 * has exactly one text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "maat/bytes.h"
#include "maat/jose.h"
#include "testutil.h"

static int64_t claim(const char *json, const char *name, int *rc, struct maat_error *err)
{
    json_error_t je;
    json_t *c = json_loads(json, JSON_DECODE_ANY, &je);
    assert_non_null(c);
    int64_t t = -42;
    maat_error_clear(err);
    *rc = maat__jwt_time_claim(c, name, &t, err);
    json_decref(c);
    return t;
}

static void test_token_exp_real_refused(void **state)
{
    (void)state;
    struct maat_error err = {0};
    int rc;
    const char *reals[] = {"{\"exp\": 1e300}", "{\"exp\": 1668745707.5}", "{\"exp\": 1.0}",
                           "{\"exp\": -1e300}", "{\"exp\": 1.7976931348623157e308}"};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        claim(reals[i], "exp", &rc, &err);
        if (rc != -1 || err.code != MAAT_ERR_VALUE || !strstr(err.msg, "claim \"exp\"") ||
            !strstr(err.msg, "expected an integer"))
            fail_msg("%s: rc %d, %s", reals[i], rc, err.msg);
    }
    /* integers out of range: negative, after 9999-12-31T23:59:59Z, near INT64_MAX */
    const char *out[] = {"{\"nbf\": -1}", "{\"nbf\": 253402300800}",
                         "{\"nbf\": 9223372036854775807}"};
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        claim(out[i], "nbf", &rc, &err);
        if (rc != -1 || !strstr(err.msg, "out of range"))
            fail_msg("%s: rc %d, %s", out[i], rc, err.msg);
    }
    claim("{\"iat\": \"1668716907\"}", "iat", &rc, &err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "not a number"));
    claim("{\"iat\": true}", "iat", &rc, &err);
    assert_int_equal(rc, -1);
    /* accepted */
    assert_int_equal(claim("{\"exp\": 1668745707}", "exp", &rc, &err), 1668745707);
    assert_int_equal(rc, 0);
    assert_int_equal(claim("{\"exp\": 0}", "exp", &rc, &err), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(claim("{\"exp\": 253402300799}", "exp", &rc, &err), 253402300799);
    assert_int_equal(rc, 0);
    claim("{\"iat\": 1}", "exp", &rc, &err); /* absent */
    assert_int_equal(rc, 1);
    claim("[1]", "exp", &rc, &err); /* not an object: absent */
    assert_int_equal(rc, 1);
}

/* Flips one unused low bit of the part's last character (2- or 3-character final group). */
static char *bump_last(const char *tok, int part)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *t = strdup(tok);
    char *p = t;
    for (int i = 0; i < part; i++) p = strchr(p, '.') + 1;
    char *end = strchr(p, '.');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    assert_int_not_equal(len % 4, 0); /* there are unused bits */
    char *c = &p[len - 1];
    *c = A[(strchr(A, *c) - A) ^ 1];
    return t;
}

static void test_jws_noncanonical_b64url_refused(void **state)
{
    (void)state;
    /* an ES256 token made here: header, payload and signature all end in a partial group */
    struct maat_error err = {0};
    struct maat_signing_key *sk = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    assert_non_null(sk);
    EVP_PKEY *k = maat__signing_key_pkey(sk);
    json_t *claims = json_pack("{s:s,s:i,s:s}", "iss", "https://x.example", "exp", 2000000000, "n",
                               "ab");
    char *tok = NULL;
    /* a header and payload whose lengths leave unused bits (vary kid and a claim) */
    json_t *hdr = json_object();
    for (int i = 0; i < 16; i++) {
        free(tok);
        json_object_set_new(hdr, "kid", json_stringn("kkkk", (size_t)(i % 4)));
        json_object_set_new(claims, "n", json_stringn("abcd", (size_t)(i / 4)));
        tok = maat__jws_sign(sk, hdr, claims, false, &err);
        assert_non_null(tok);
        const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
        if ((size_t)(d1 - tok) % 4 != 0 && (size_t)(d2 - d1 - 1) % 4 != 0) break;
    }
    json_decref(hdr);
    struct maat_jws j;
    assert_int_equal(maat__jws_parse(tok, strlen(tok), &j, &err), 0);
    assert_int_equal(maat__jws_verify(&j, k, &err), 0);
    maat__jws_cleanup(&j);
    for (int part = 0; part < 3; part++) {
        char *t = bump_last(tok, part);
        maat_error_clear(&err);
        if (maat__jws_parse(t, strlen(t), &j, &err) != -1 || err.code != MAAT_ERR_ENCODING ||
            !strstr(err.msg, "non-zero padding bits"))
            fail_msg("part %d: %s", part, err.msg);
        free(t);
    }
    free(tok);
    json_decref(claims);
    maat__signing_key_free(sk);
}

static void test_jws_padded_part_refused(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_signing_key *sk = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    assert_non_null(sk);
    json_t *claims = json_pack("{s:i}", "exp", 2000000000);
    char *tok = maat__jws_sign(sk, NULL, claims, false, &err);
    assert_non_null(tok);
    /* the ES256 signature is 64 bytes = 86 characters + "==" when padded: same signature,
     * another token text; so must "x.y==.sig" not parse */
    size_t n = strlen(tok);
    char *padded = malloc(n + 3);
    memcpy(padded, tok, n);
    memcpy(padded + n, "==", 3);
    struct maat_jws j;
    assert_int_equal(maat__jws_parse(padded, n + 2, &j, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_ENCODING);
    assert_non_null(strstr(err.msg, "signature: invalid base64url character 0x3d"));
    free(padded);
    free(tok);
    json_decref(claims);
    maat__signing_key_free(sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_exp_real_refused),
        cmocka_unit_test(test_jws_noncanonical_b64url_refused),
        cmocka_unit_test(test_jws_padded_part_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
