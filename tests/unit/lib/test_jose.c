/* test_jose.c - compact JWS, JWK and JWKS: every token MAA returned in the recorded SDK
 * traffic verifies under the recorded /certs key and is reproduced byte for byte by our
 * serialiser; recorded policy/certificate request bodies parse and verify under their own
 * x5c; RS256/ES256/PS256 round trips; strict rejection of malformed input. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/jose.h"
#include "testutil.h"

#define REC "maa-recordings"

/* ---- helpers ---- */

static json_t *load_json(const char *rel)
{
    size_t len;
    uint8_t *p = tu_read_vector(rel, &len);
    if (p == NULL) return NULL;
    json_error_t e;
    json_t *j = json_loadb((const char *)p, len, 0, &e);
    free(p);
    if (j == NULL) fail_msg("%s: %s", rel, e.text);
    return j;
}

static char *b64u(const char *text)
{
    return maat_base64url_encode((const uint8_t *)text, strlen(text));
}

/* "b64url(h).b64url(p).sig" with sig given verbatim. */
static char *mk(const char *h, const char *p, const char *sig)
{
    char *eh = b64u(h), *ep = b64u(p);
    size_t n = strlen(eh) + strlen(ep) + strlen(sig) + 3;
    char *s = malloc(n);
    snprintf(s, n, "%s.%s.%s", eh, ep, sig);
    free(eh);
    free(ep);
    return s;
}

/* Replaces the character at i with another base64url character. */
static void flip(char *s, size_t i)
{
    s[i] = s[i] == 'A' ? 'B' : 'A';
}

/* A parse+verify that must fail somewhere (parse or verify). */
static void assert_rejected(const char *tok, EVP_PKEY *key)
{
    struct maat_jws j;
    struct maat_error err = {0};
    if (maat__jws_parse(tok, strlen(tok), &j, &err) == 0) {
        assert_int_equal(maat__jws_verify(&j, key, &err), -1);
        maat__jws_cleanup(&j);
    }
    assert_int_not_equal(err.code, MAAT_OK);
    assert_true(strlen(err.msg) > 10);
}

static json_t *certs_of(const char *kind)
{
    char rel[256];
    snprintf(rel, sizeof rel, REC "/metadata/certs-%s.response.json", kind);
    json_t *r = load_json(rel);
    if (r == NULL) return NULL;
    json_t *body = json_incref(json_object_get(r, "body"));
    json_decref(r);
    assert_non_null(json_object_get(body, "keys"));
    return body;
}

/* Header without "alg", in the received order (for re-serialisation). */
static json_t *header_rest(const json_t *h)
{
    json_t *x = json_object();
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)h, k, v)
        if (strcmp(k, "alg") != 0) json_object_set(x, k, v);
    return x;
}

static struct maat_signing_key *g_rs; /* one RSA key for the whole file (generation is slow) */

static struct maat_signing_key *rs_key(void)
{
    struct maat_error err = {0};
    if (g_rs == NULL) {
        g_rs = maat__signing_key_generate(MAAT_JWS_RS256, &err);
        assert_non_null(g_rs);
        assert_int_equal(maat__signing_key_issue_cert(g_rs, "https://jose.test", NULL, 0, &err), 0);
    }
    return g_rs;
}

/* Our serialisation of (header, payload) must equal what MAA sent. */
static void assert_reproduced(const struct maat_jws *j, const char *tok)
{
    struct maat_error err = {0};
    json_t *rest = header_rest(j->header);
    char *mine;
    if (j->alg == MAAT_JWS_NONE) {
        mine = maat__jws_unsigned(rest, j->payload, true, &err);
        assert_non_null(mine);
        assert_string_equal(mine, tok); /* whole token, including the empty signature */
    } else {
        /* Same header members in MAA's order; our key, so compare only header.payload. */
        mine = maat__jws_sign(rs_key(), rest, j->payload, true, &err);
        assert_non_null(mine);
        assert_int_equal(strncmp(mine, j->signing_input, j->signing_input_len), 0);
        assert_int_equal(mine[j->signing_input_len], '.');
    }
    free(mine);
    json_decref(rest);
}

/* ---- algorithm names ---- */

static void test_alg_names(void **state)
{
    (void)state;
    enum maat_jws_alg a;
    assert_string_equal(maat__jws_alg_name(MAAT_JWS_NONE), "none");
    assert_string_equal(maat__jws_alg_name(MAAT_JWS_RS256), "RS256");
    assert_string_equal(maat__jws_alg_name(MAAT_JWS_ES256), "ES256");
    assert_string_equal(maat__jws_alg_name(MAAT_JWS_PS256), "PS256");
    assert_int_equal(maat__jws_alg_from_name("PS256", &a), 0);
    assert_int_equal(a, MAAT_JWS_PS256);
    assert_int_equal(maat__jws_alg_from_name("none", &a), 0);
    assert_int_equal(a, MAAT_JWS_NONE);
    assert_int_equal(maat__jws_alg_from_name("rs256", &a), -1); /* case-sensitive */
    assert_int_equal(maat__jws_alg_from_name("RSA256", &a), -1);
    assert_int_equal(maat__jws_alg_from_name("HS256", &a), -1);
    assert_int_equal(maat__jws_alg_from_name(NULL, &a), -1);
}

/* ---- recorded MAA traffic ---- */

struct rec_counts {
    int rs256, none, nested;
};

static void check_recorded_token(const char *dir, const char *name, json_t *certs[3],
                                 struct rec_counts *c)
{
    static const char *const kinds[3] = {"shared", "aad", "isolated"};
    char rel[512];
    snprintf(rel, sizeof rel, REC "/%s/%s", dir, name);
    json_t *resp = load_json(rel);
    const char *tok = json_string_value(json_object_get(json_object_get(resp, "body"), "token"));
    if (tok == NULL) { /* an error response */
        json_decref(resp);
        return;
    }
    /* instance kind from the matching request */
    char base[256];
    snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - strlen(".response.json")), name);
    snprintf(rel, sizeof rel, REC "/%s/%s.request.json", dir, base);
    json_t *req = load_json(rel);
    const char *kind = json_string_value(json_object_get(req, "instance_kind"));
    assert_non_null(kind);
    json_t *jwks = NULL;
    for (int i = 0; i < 3; i++)
        if (strcmp(kind, kinds[i]) == 0) jwks = certs[i];
    assert_non_null(jwks);

    struct maat_jws j;
    struct maat_error err = {0};
    if (maat__jws_parse(tok, strlen(tok), &j, &err) != 0) fail_msg("%s: %s", name, err.msg);
    const char *kid = json_string_value(json_object_get(j.header, "kid"));
    const char *iss = json_string_value(json_object_get(j.payload, "iss"));
    const char *jku = json_string_value(json_object_get(j.header, "jku"));
    assert_non_null(kid);
    assert_string_equal(kid, "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=");
    assert_non_null(iss);
    assert_non_null(jku);
    assert_int_equal(strncmp(jku, iss, strlen(iss)), 0);
    assert_string_equal(jku + strlen(iss), "/certs");
    assert_string_equal(json_string_value(json_object_get(j.header, "typ")), "JWT");
    assert_reproduced(&j, tok);

    const json_t *jwk = maat__jwks_find(jwks, kid);
    assert_non_null(jwk);
    EVP_PKEY *key = maat__jwk_to_pkey(jwk, &err);
    if (key == NULL) fail_msg("%s: %s", name, err.msg);

    if (j.alg == MAAT_JWS_NONE) {
        c->none++;
        assert_string_equal(j.alg_text, "none");
        assert_int_equal(j.signature_len, 0);
        assert_int_equal(tok[strlen(tok) - 1], '.');
        assert_int_equal(maat__jws_verify(&j, key, &err), -1); /* never "verifies" */
        assert_int_equal(err.code, MAAT_ERR_VALUE);
    } else {
        c->rs256++;
        assert_int_equal(j.alg, MAAT_JWS_RS256);
        assert_int_equal(j.signature_len, 256);
        if (maat__jws_verify(&j, key, &err) != 0) fail_msg("%s: %s", name, err.msg);
        /* one changed character in each part breaks it */
        size_t d1 = strchr(tok, '.') - tok, d2 = strrchr(tok, '.') - tok;
        size_t at[] = {d1 / 2, 5, d1 + 1 + (d2 - d1) / 2, d2 - 3, d2 + 1, d2 + 1 + 100};
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            char *t = strdup(tok);
            flip(t, at[i]);
            assert_rejected(t, key);
            free(t);
        }
        /* verified under a different key: fails */
        maat_error_clear(&err);
        assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(rs_key()), &err), -1);
        assert_int_equal(err.code, MAAT_ERR_CRYPTO);
    }

    /* GET /policies: x-ms-policy holds the stored policy JWS, itself parseable/verifiable */
    const char *inner = json_string_value(json_object_get(j.payload, "x-ms-policy"));
    if (inner != NULL) {
        struct maat_jws p;
        maat_error_clear(&err);
        if (maat__jws_parse(inner, strlen(inner), &p, &err) != 0)
            fail_msg("%s x-ms-policy: %s", name, err.msg);
        assert_non_null(json_object_get(p.payload, "AttestationPolicy"));
        STACK_OF(X509) *sk = maat__jws_header_x5c(&p, &err);
        if (p.alg == MAAT_JWS_RS256) {
            assert_non_null(sk);
            assert_int_equal(maat__jws_verify(&p, X509_get0_pubkey(sk_X509_value(sk, 0)), &err), 0);
        } else {
            assert_int_equal(p.alg, MAAT_JWS_NONE);
            assert_null(sk);
            assert_int_equal(err.code, MAAT_OK);
        }
        sk_X509_pop_free(sk, X509_free);
        maat__jws_cleanup(&p);
        c->nested++;
    }
    EVP_PKEY_free(key);
    maat__jws_cleanup(&j);
    json_decref(req);
    json_decref(resp);
}

static void test_recorded_tokens(void **state)
{
    (void)state;
    json_t *certs[3] = {certs_of("shared"), certs_of("aad"), certs_of("isolated")};
    TU_REQUIRE_VECTOR(certs[0]);
    assert_int_equal(json_array_size(json_object_get(certs[0], "keys")), 3);
    struct rec_counts c = {0, 0, 0};
    static const char *const dirs[] = {"attest", "policy", "certificates"};
    for (size_t d = 0; d < 3; d++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/" REC "/%s", tu_vectors_dir(), dirs[d]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n > 14 && strcmp(e->d_name + n - 14, ".response.json") == 0)
                check_recorded_token(dirs[d], e->d_name, certs, &c);
        }
        closedir(dir);
    }
    /* README: 40 RS256 response tokens, 6 alg:none draft-permit tokens */
    assert_int_equal(c.rs256, 40);
    assert_int_equal(c.none, 6);
    assert_int_equal(c.nested, 10); /* 6 GET policies + 4 in the set/reset flows */
    for (int i = 0; i < 3; i++) json_decref(certs[i]);
}

/* Policy PUT/reset (raw JWS body) and certificates:add/:remove (JSON string literal). */
static void test_recorded_requests(void **state)
{
    (void)state;
    static const char *const reqs[] = {
        "policy/sgx-aad-signed-1-put",           "policy/sgx-aad-signed-3-reset",
        "policy/sgx-aad-unsigned-1-put",         "policy/sgx-aad-unsigned-3-reset",
        "certificates/add-aad-rejected",         "certificates/add-isolated-1-add",
        "certificates/remove-aad-rejected",      "certificates/remove-isolated-1-add",
        "certificates/remove-isolated-2-remove",
    };
    int signed_ok = 0, unsigned_ok = 0;
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, REC "/%s.request.json", reqs[i]);
        json_t *r = load_json(rel);
        TU_REQUIRE_VECTOR(r);
        const char *body = json_string_value(json_object_get(r, "body_text"));
        assert_non_null(body);
        json_t *lit = NULL;
        if (body[0] == '"') { /* certificates routes: a JSON string literal */
            lit = json_loads(body, JSON_DECODE_ANY, NULL);
            assert_true(json_is_string(lit));
            body = json_string_value(lit);
        }
        struct maat_jws j;
        struct maat_error err = {0};
        if (maat__jws_parse(body, strlen(body), &j, &err) != 0) fail_msg("%s: %s", reqs[i], err.msg);
        STACK_OF(X509) *sk = maat__jws_header_x5c(&j, &err);
        if (j.alg == MAAT_JWS_RS256) {
            assert_non_null(sk);
            assert_int_equal(maat__jws_verify(&j, X509_get0_pubkey(sk_X509_value(sk, 0)), &err), 0);
            /* the header is exactly {"alg","x5c"} */
            assert_int_equal(json_object_size(j.header), 2);
            signed_ok++;
        } else {
            assert_int_equal(j.alg, MAAT_JWS_NONE);
            assert_null(sk);
            assert_int_equal(err.code, MAAT_OK);
            unsigned_ok++;
        }
        if (strstr(reqs[i], "reset")) { /* empty payload */
            assert_null(j.payload);
            assert_int_equal(j.payload_len, 0);
            assert_string_equal(j.payload_text, "");
        } else if (strstr(reqs[i], "certificates/")) {
            const json_t *pc = json_object_get(j.payload, "policyCertificate");
            STACK_OF(X509) *pcs = maat__jwk_x5c(pc, &err);
            assert_non_null(pcs);
            EVP_PKEY *k = maat__jwk_to_pkey(pc, &err);
            assert_non_null(k);
            EVP_PKEY_free(k);
            sk_X509_pop_free(pcs, X509_free);
        } else {
            assert_non_null(json_object_get(j.payload, "AttestationPolicy"));
        }
        sk_X509_pop_free(sk, X509_free);
        maat__jws_cleanup(&j);
        json_decref(lit);
        json_decref(r);
    }
    assert_int_equal(signed_ok, 7);
    assert_int_equal(unsigned_ok, 2);
}

static void test_sev_snp_token(void **state)
{
    (void)state;
    size_t len;
    char *tok = (char *)tu_read_vector("azure-samples/maa-signing-cert/sev-snp-token.jwt", &len);
    TU_REQUIRE_VECTOR(tok);
    struct maat_jws j;
    struct maat_error err = {0};
    if (maat__jws_parse(tok, len, &j, &err) != 0) fail_msg("%s", err.msg);
    assert_int_equal(j.alg, MAAT_JWS_RS256);
    assert_int_equal(json_object_size(j.header), 4);
    assert_string_equal(json_string_value(json_object_get(j.header, "jku")),
                        "https://sharedweu.weu.test.attest.azure.net/certs");
    assert_string_equal(json_string_value(json_object_get(j.header, "kid")),
                        "jNolL7YTrRkDIukgm3on/fz5uMi9kjxhfUBTh6Or8No=");
    assert_string_equal(json_string_value(json_object_get(j.header, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(j.payload, "iss")),
                        "https://sharedweu.weu.test.attest.azure.net");
    assert_string_equal(json_string_value(json_object_get(j.payload, "x-ms-attestation-type")),
                        "sevsnpvm");
    assert_int_equal(json_integer_value(json_object_get(j.payload, "exp")) -
                         json_integer_value(json_object_get(j.payload, "iat")),
                     28800);
    assert_int_equal(j.signature_len, 256);
    assert_reproduced(&j, tok);
    /* the header carries no key: nothing to verify it with here */
    assert_null(maat__jws_header_x5c(&j, &err));
    assert_int_equal(err.code, MAAT_OK);
    maat__jws_cleanup(&j);
    free(tok);
}

/* ---- round trips ---- */

static int raw_verify(EVP_PKEY *key, const char *msg, const uint8_t *sig, size_t siglen, int pad,
                      int salt)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) == 1;
    if (ok && pad == RSA_PKCS1_PSS_PADDING) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
    }
    ok = ok && EVP_DigestVerify(md, sig, siglen, (const uint8_t *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static void roundtrip(enum maat_jws_alg alg)
{
    struct maat_error err = {0};
    struct maat_signing_key *k = alg == MAAT_JWS_RS256 ? rs_key()
                                                       : maat__signing_key_generate(alg, &err);
    assert_non_null(k);
    struct maat_signing_key *other = maat__signing_key_generate(alg, &err);
    assert_non_null(other);
    json_t *hdr = json_pack("{s:s,s:s,s:s}", "jku", "https://x.test/certs", "kid",
                            maat__signing_key_kid(k), "typ", "JWT");
    json_t *payload = json_pack("{s:s,s:i,s:b,s:{s:s,s:s}}", "zeta", "last", "exp", 1700000000,
                                "a-flag", 1, "nested", "z", "1", "a", "2");
    char *tok = maat__jws_sign(k, hdr, payload, true, &err);
    if (tok == NULL) fail_msg("%s", err.msg);

    struct maat_jws j;
    assert_int_equal(maat__jws_parse(tok, strlen(tok), &j, &err), 0);
    assert_int_equal(j.alg, alg);
    assert_string_equal(j.alg_text, maat__jws_alg_name(alg));
    /* header: alg first, then the given order, compact */
    char expect_hdr[256];
    snprintf(expect_hdr, sizeof expect_hdr,
             "{\"alg\":\"%s\",\"jku\":\"https://x.test/certs\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             maat__jws_alg_name(alg), maat__signing_key_kid(k));
    char *eh = b64u(expect_hdr);
    assert_int_equal(strncmp(tok, eh, strlen(eh)), 0);
    assert_int_equal(tok[strlen(eh)], '.');
    free(eh);
    /* payload: compact, keys sorted at every level */
    assert_string_equal(j.payload_text, "{\"a-flag\":true,\"exp\":1700000000,\"nested\":{\"a\":"
                                        "\"2\",\"z\":\"1\"},\"zeta\":\"last\"}");
    assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(k), &err), 0);

    /* independent check of the signature scheme with plain EVP */
    EVP_PKEY *pub = maat__signing_key_pkey(k);
    if (alg == MAAT_JWS_ES256) {
        assert_int_equal(j.signature_len, 64);
        assert_int_equal(
            maat__ecdsa_verify_rs(pub, j.signing_input, j.signing_input_len, j.signature), 1);
    } else if (alg == MAAT_JWS_RS256) {
        assert_int_equal(j.signature_len, 256);
        assert_true(
            raw_verify(pub, j.signing_input, j.signature, j.signature_len, RSA_PKCS1_PADDING, 0));
        assert_false(raw_verify(pub, j.signing_input, j.signature, j.signature_len,
                                RSA_PKCS1_PSS_PADDING, 32));
    } else {
        assert_int_equal(j.signature_len, 256);
        assert_true(raw_verify(pub, j.signing_input, j.signature, j.signature_len,
                               RSA_PKCS1_PSS_PADDING, 32));
        assert_false(raw_verify(pub, j.signing_input, j.signature, j.signature_len,
                                RSA_PKCS1_PSS_PADDING, 20));
        assert_false(
            raw_verify(pub, j.signing_input, j.signature, j.signature_len, RSA_PKCS1_PADDING, 0));
    }

    /* wrong key */
    maat_error_clear(&err);
    assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(other), &err), -1);
    assert_int_equal(err.code, MAAT_ERR_CRYPTO);
    /* wrong key type (algorithm confusion) */
    struct maat_signing_key *cross = alg == MAAT_JWS_ES256 ? rs_key() : NULL;
    if (cross == NULL) {
        cross = maat__signing_key_generate(MAAT_JWS_ES256, &err);
        maat_error_clear(&err);
        assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(cross), &err), -1);
        assert_int_equal(err.code, MAAT_ERR_VALUE);
        maat__signing_key_free(cross);
    } else {
        maat_error_clear(&err);
        assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(cross), &err), -1);
        assert_int_equal(err.code, MAAT_ERR_VALUE);
    }
    maat__jws_cleanup(&j);

    /* tampering with every part */
    size_t d1 = strchr(tok, '.') - tok, d2 = strrchr(tok, '.') - tok;
    size_t at[] = {3, d1 - 2, d1 + 2, d2 - 2, d2 + 2, strlen(tok) - 2};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        char *t = strdup(tok);
        flip(t, at[i]);
        assert_rejected(t, pub);
        free(t);
    }
    /* swapping the payload of another valid token breaks it */
    char *tok2 = maat__jws_sign(k, hdr, hdr, false, &err);
    size_t e2 = strrchr(tok2, '.') - tok2;
    char mixed[4096];
    snprintf(mixed, sizeof mixed, "%.*s%s", (int)e2, tok2, tok + d2);
    assert_rejected(mixed, pub);
    free(tok2);
    /* truncated signature */
    char *t = strdup(tok);
    t[strlen(t) - 4] = '\0';
    assert_rejected(t, pub);
    free(t);

    /* the two halves (maatd's path): the encoded header once, then tokens appended to a
     * buffer after what it holds; the same token as maat__jws_sign_text (byte for byte
     * where the scheme is deterministic), and a failure leaves the buffer as it was */
    static const char ptext[] = "{\"a\":1,\"b\":\"x\"}";
    struct maat_buf hb, out;
    maat_buf_init(&hb);
    maat_buf_init(&out);
    assert_int_equal(maat__jws_header_b64(k, hdr, &hb, &err), 0);
    char *eh2 = b64u(expect_hdr);
    assert_int_equal(hb.len, strlen(eh2));
    assert_memory_equal(hb.data, eh2, hb.len);
    free(eh2);
    assert_int_equal(maat_buf_put_str(&out, "{\"token\":\""), 0);
    if (maat__jws_sign_encoded(k, (const char *)hb.data, hb.len, ptext, strlen(ptext), &out, &err) != 0)
        fail_msg("sign_encoded: %s", err.msg);
    size_t pre = strlen("{\"token\":\"");
    assert_memory_equal(out.data, "{\"token\":\"", pre);
    char *whole = maat__jws_sign_text(k, hdr, ptext, strlen(ptext), &err);
    assert_non_null(whole);
    if (alg != MAAT_JWS_ES256 && alg != MAAT_JWS_PS256) { /* randomised schemes differ */
        assert_int_equal(out.len - pre, strlen(whole));
        assert_memory_equal(out.data + pre, whole, out.len - pre);
    }
    assert_int_equal(maat__jws_parse((const char *)out.data + pre, out.len - pre, &j, &err), 0);
    assert_string_equal(j.payload_text, ptext);
    assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(k), &err), 0);
    assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(other), &err), -1);
    maat__jws_cleanup(&j);
    size_t keep = out.len;
    assert_int_equal(
        maat__jws_sign_encoded(NULL, (const char *)hb.data, hb.len, ptext, 3, &out, &err), -1);
    assert_int_equal(out.len, keep);
    /* no key: the unsigned header ("alg":"none") */
    struct maat_buf nb;
    maat_buf_init(&nb);
    assert_int_equal(maat__jws_header_b64(NULL, NULL, &nb, &err), 0);
    char *none = b64u("{\"alg\":\"none\"}");
    assert_int_equal(nb.len, strlen(none));
    assert_memory_equal(nb.data, none, nb.len);
    free(none);
    json_t *bad = json_pack("{s:s}", "alg", "HS256");
    keep = nb.len;
    assert_int_equal(maat__jws_header_b64(k, bad, &nb, &err), -1);
    assert_int_equal(nb.len, keep);
    json_decref(bad);
    maat_buf_cleanup(&nb);
    free(whole);
    maat_buf_cleanup(&hb);
    maat_buf_cleanup(&out);

    free(tok);
    json_decref(hdr);
    json_decref(payload);
    maat__signing_key_free(other);
    if (k != g_rs) maat__signing_key_free(k);
}

static void test_roundtrip_rs256(void **state)
{
    (void)state;
    roundtrip(MAAT_JWS_RS256);
}
static void test_roundtrip_es256(void **state)
{
    (void)state;
    roundtrip(MAAT_JWS_ES256);
}
static void test_roundtrip_ps256(void **state)
{
    (void)state;
    roundtrip(MAAT_JWS_PS256);
}

static void test_unsigned(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char *s = maat__jws_unsigned(NULL, NULL, false, &err);
    assert_string_equal(s, "eyJhbGciOiJub25lIn0.."); /* MAA's reset body, maa.md 1 */
    struct maat_jws j;
    assert_int_equal(maat__jws_parse(s, strlen(s), &j, &err), 0);
    assert_int_equal(j.alg, MAAT_JWS_NONE);
    assert_null(j.payload);
    assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(rs_key()), &err), -1);
    maat__jws_cleanup(&j);
    free(s);

    /* signed with an empty payload (MAA's signed reset body) */
    s = maat__jws_sign(rs_key(), NULL, NULL, false, &err);
    assert_non_null(s);
    assert_int_equal(strncmp(s, "eyJhbGciOiJSUzI1NiJ9..", 22), 0); /* {"alg":"RS256"} */
    assert_int_equal(maat__jws_parse(s, strlen(s), &j, &err), 0);
    assert_null(j.payload);
    assert_int_equal(maat__jws_verify(&j, maat__signing_key_pkey(rs_key()), &err), 0);
    maat__jws_cleanup(&j);
    free(s);

    json_t *p = json_pack("{s:s}", "AttestationPolicy", "dmVyc2lvbj0xLjA7");
    s = maat__jws_unsigned(NULL, p, false, &err);
    char *want = mk("{\"alg\":\"none\"}", "{\"AttestationPolicy\":\"dmVyc2lvbj0xLjA7\"}", "");
    assert_string_equal(s, want);
    free(want);
    free(s);
    /* a caller's "alg" would be overwritten silently: refused */
    json_t *bad = json_pack("{s:s}", "alg", "RS256");
    maat_error_clear(&err);
    assert_null(maat__jws_unsigned(bad, p, false, &err));
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    maat_error_clear(&err);
    assert_null(maat__jws_sign(rs_key(), bad, p, false, &err));
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    /* payload must be an object */
    json_t *arr = json_array();
    maat_error_clear(&err);
    assert_null(maat__jws_sign(rs_key(), NULL, arr, false, &err));
    assert_int_equal(err.code, MAAT_ERR_USAGE);
    json_decref(arr);
    json_decref(bad);
    json_decref(p);
}

/* ---- strict parsing ---- */

struct bad_case {
    const char *h, *p, *sig; /* JSON texts (encoded by the test) and the raw signature part */
    maat_err code;
    const char *msg;
};

static void test_parse_rejects(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"{\"alg\":\"RS256\"", "{}", "AAAA", MAAT_ERR_ENCODING, "header: invalid JSON"},
        {"[\"alg\"]", "{}", "AAAA", MAAT_ERR_VALUE, "header: expected a JSON object"},
        {"{}", "{}", "AAAA", MAAT_ERR_NOT_FOUND, "\"alg\" is missing"},
        {"{\"alg\":256}", "{}", "AAAA", MAAT_ERR_VALUE, "\"alg\" must be a string"},
        {"{\"alg\":\"HS256\"}", "{}", "AAAA", MAAT_ERR_UNSUPPORTED, "unsupported \"alg\" \"HS256\""},
        {"{\"alg\":\"rs256\"}", "{}", "AAAA", MAAT_ERR_UNSUPPORTED, "\"rs256\""},
        {"{\"alg\":\"RSA256\"}", "{}", "AAAA", MAAT_ERR_UNSUPPORTED, "RSA256 only when allowed"},
        {"{\"alg\":\"RS256\",\"alg\":\"none\"}", "{}", "", MAAT_ERR_ENCODING, "duplicate"},
        {"{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":false}", "{}", "AAAA", MAAT_ERR_UNSUPPORTED,
         "crit"},
        {"{\"alg\":\"none\"}", "[1]", "", MAAT_ERR_VALUE, "payload: expected a JSON object"},
        {"{\"alg\":\"none\"}", "\"s\"", "", MAAT_ERR_ENCODING, "payload: invalid JSON"},
        {"{\"alg\":\"none\"}", "{} x", "", MAAT_ERR_ENCODING, "payload: invalid JSON"},
        {"{\"alg\":\"none\"}", "{\"a\":1,\"a\":2}", "", MAAT_ERR_ENCODING, "duplicate"},
        {"{\"alg\":\"none\"}", "{}", "AAAA", MAAT_ERR_VALUE, "alg \"none\" must have none"},
        {"{\"alg\":\"RS256\"}", "{}", "", MAAT_ERR_TRUNCATED, "signature: empty"},
        {"{\"alg\":\"ES256\"}", "{\"a\":\"\\u0000\"}", "AAAA", MAAT_ERR_ENCODING,
         "payload: invalid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = mk(cases[i].h, cases[i].p, cases[i].sig);
        struct maat_jws j;
        struct maat_error err = {0};
        if (maat__jws_parse(t, strlen(t), &j, &err) == 0) fail_msg("case %zu accepted: %s", i, t);
        if (err.code != cases[i].code || strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: %s (%s), expected %s (%s)", i, err.msg, maat_err_name(err.code),
                     cases[i].msg, maat_err_name(cases[i].code));
        /* out is left empty and cleanup is harmless */
        assert_null(j.header);
        assert_null(j.signing_input);
        maat__jws_cleanup(&j);
        free(t);
    }

    /* structural errors with exact positions */
    struct {
        const char *text;
        maat_err code;
        const char *msg;
    } raw[] = {
        {"", MAAT_ERR_TRUNCATED, "JWS: empty input"},
        {"eyJhbGciOiJub25lIn0", MAAT_ERR_TRUNCATED, "JWS: first '.' not found in 19 bytes"},
        {"eyJhbGciOiJub25lIn0.e30", MAAT_ERR_TRUNCATED, "JWS: second '.' not found"},
        {"eyJhbGciOiJub25lIn0.e30..", MAAT_ERR_VALUE, "JWS: a third '.' at offset 24"},
        {".e30.", MAAT_ERR_TRUNCATED, "JWS: header: empty"},
        {"eyJhbGciOiJub25lIn0.e3*.", MAAT_ERR_ENCODING,
         "JWS: payload: invalid base64url character 0x2a at offset 22"},
        {"eyJhbGciOiJub25lIn0.e30.a+b", MAAT_ERR_ENCODING,
         "JWS: signature: invalid base64url character 0x2b at offset 25"},
        {"eyJhbGc iOiJub25lIn0.e30.", MAAT_ERR_ENCODING,
         "JWS: header: invalid base64url character 0x20 at offset 7"},
        {"eyJhbGciOiJub25lIn0.e30=x.", MAAT_ERR_ENCODING,
         "JWS: payload: invalid base64url character 0x3d at offset 23"},
        {"eyJhbGciOiJub25lIn0.e.", MAAT_ERR_ENCODING, "cannot be complete"},
        {"eyJhbGciOiJub25lIn0.e31.", MAAT_ERR_ENCODING, "non-zero padding bits"},
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        struct maat_jws j;
        struct maat_error err = {0};
        assert_int_equal(maat__jws_parse(raw[i].text, strlen(raw[i].text), &j, &err), -1);
        if (err.code != raw[i].code || strstr(err.msg, raw[i].msg) == NULL)
            fail_msg("raw %zu: %s (%s), expected %s", i, err.msg, maat_err_name(err.code),
                     raw[i].msg);
    }
    /* an embedded NUL is not a base64url character */
    {
        struct maat_jws j;
        struct maat_error err = {0};
        const char nul[] = "eyJhbGciOiJub25lIn0\0.e30.";
        assert_int_equal(maat__jws_parse(nul, sizeof nul - 1, &j, &err), -1);
        assert_non_null(strstr(err.msg, "character 0x00 at offset 19"));
    }
    /* padding is refused (RFC 7515: base64url without '='; test_jose_strict.c) */
    {
        struct maat_jws j;
        struct maat_error err = {0};
        const char *padded = "eyJhbGciOiJub25lIn0=.e30=.";
        assert_int_equal(maat__jws_parse(padded, strlen(padded), &j, &err), -1);
        assert_int_equal(err.code, MAAT_ERR_ENCODING);
    }
    /* size bound: refused before any decoding */
    {
        size_t big = MAAT_JWS_MAX_SIZE + 1;
        char *s = malloc(big);
        memset(s, 'A', big);
        s[10] = '.';
        s[20] = '.';
        struct maat_jws j;
        struct maat_error err = {0};
        assert_int_equal(maat__jws_parse(s, big, &j, &err), -1);
        assert_int_equal(err.code, MAAT_ERR_TOO_LARGE);
        /* exactly at the bound: the size is accepted (the content then fails as JSON) */
        maat_error_clear(&err);
        assert_int_equal(maat__jws_parse(s, big - 1, &j, &err), -1);
        assert_int_not_equal(err.code, MAAT_ERR_TOO_LARGE);
        free(s);
    }
    /* usage */
    {
        struct maat_jws j;
        struct maat_error err = {0};
        assert_int_equal(maat__jws_parse_ex("a.b.c", 5, 0x80, &j, &err), -1);
        assert_int_equal(err.code, MAAT_ERR_USAGE);
        maat_error_clear(&err);
        assert_int_equal(maat__jws_parse(NULL, 3, &j, &err), -1);
        assert_int_equal(err.code, MAAT_ERR_USAGE);
    }
}

/* An SDK beta sent {"alg":"RSA256","jwk":{"x5c":[...]}}; only accepted when asked for. */
static void test_rsa256_alias(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_signing_key *k = rs_key();
    json_t *jwk = maat__signing_key_jwk(k);
    /* build with the beta header, same signing key */
    char *hdr_text = NULL;
    {
        json_t *h = json_pack("{s:s,s:{s:O}}", "alg", "RSA256", "jwk", "x5c",
                              json_object_get(jwk, "x5c"));
        hdr_text = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(h);
    }
    char *eh = b64u(hdr_text), *pp = maat_base64url_encode((const uint8_t *)"{\"a\":1}", 7);
    char input[8192];
    snprintf(input, sizeof input, "%s.%s", eh, pp);
    /* sign the beta input with RS256 directly */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sl = 0;
    uint8_t sig[512];
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, maat__signing_key_pkey(k)), 1);
    sl = sizeof sig;
    assert_int_equal(EVP_DigestSign(md, sig, &sl, (const uint8_t *)input, strlen(input)), 1);
    EVP_MD_CTX_free(md);
    char *es = maat_base64url_encode(sig, sl);
    char beta[16384];
    snprintf(beta, sizeof beta, "%s.%s", input, es);

    struct maat_jws j;
    assert_int_equal(maat__jws_parse(beta, strlen(beta), &j, &err), -1);
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    maat_error_clear(&err);
    assert_int_equal(maat__jws_parse_ex(beta, strlen(beta), MAAT_JWS_ALLOW_RSA256, &j, &err), 0);
    assert_int_equal(j.alg, MAAT_JWS_RS256);
    assert_string_equal(j.alg_text, "RSA256");
    STACK_OF(X509) *sk = maat__jws_header_x5c(&j, &err); /* from "jwk"."x5c" */
    assert_non_null(sk);
    assert_int_equal(sk_X509_num(sk), 1);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 0), maat__signing_key_cert(k)), 0);
    assert_int_equal(maat__jws_verify(&j, X509_get0_pubkey(sk_X509_value(sk, 0)), &err), 0);
    sk_X509_pop_free(sk, X509_free);
    maat__jws_cleanup(&j);
    free(es);
    free(eh);
    free(pp);
    free(hdr_text);
    json_decref(jwk);
}

/* ---- x5c, JWK, JWKS ---- */

static void test_header_x5c(void **state)
{
    (void)state;
    struct maat_error err = {0};
    struct maat_signing_key *k = rs_key();
    json_t *jwk = maat__signing_key_jwk(k);
    const char *cert_b64 = json_string_value(json_array_get(json_object_get(jwk, "x5c"), 0));
    char good[4096];
    struct {
        const char *hdr_fmt;
        maat_err code; /* MAAT_OK: returns the certificate; NOT_FOUND: absent (NULL, no error) */
        const char *msg;
    } cases[] = {
        {"{\"alg\":\"none\",\"x5c\":[\"%s\"]}", MAAT_OK, NULL},
        {"{\"alg\":\"none\",\"jwk\":{\"kty\":\"RSA\",\"x5c\":[\"%s\"]}}", MAAT_OK, NULL},
        {"{\"alg\":\"none\",\"kid\":\"%s\"}", MAAT_ERR_NOT_FOUND, NULL},
        {"{\"alg\":\"none\",\"x5c\":\"%s\"}", MAAT_ERR_VALUE, "expected an array"},
        {"{\"alg\":\"none\",\"x5c\":[],\"k\":\"%s\"}", MAAT_ERR_LENGTH, "0 certificates"},
        {"{\"alg\":\"none\",\"x5c\":[1],\"k\":\"%s\"}", MAAT_ERR_VALUE,
         "x5c[0]: expected a base64 string"},
        {"{\"alg\":\"none\",\"x5c\":[\"%s\",\"AAAA\"]}", MAAT_ERR_ENCODING, "x5c[1]: not a DER X.509"},
        {"{\"alg\":\"none\",\"x5c\":[\"AAAA%s\"]}", MAAT_ERR_ENCODING, "x5c[0]: not a DER X.509"},
        {"{\"alg\":\"none\",\"x5c\":[\"%s\"],\"jwk\":{\"x5c\":[]}}", MAAT_ERR_VALUE, "ambiguous"},
        {"{\"alg\":\"none\",\"jwk\":\"%s\"}", MAAT_ERR_VALUE, "\"jwk\" must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(good, sizeof good, cases[i].hdr_fmt, cert_b64);
        char *t = mk(good, "{}", "");
        struct maat_jws j;
        maat_error_clear(&err);
        assert_int_equal(maat__jws_parse(t, strlen(t), &j, &err), 0);
        STACK_OF(X509) *sk = maat__jws_header_x5c(&j, &err);
        if (cases[i].code == MAAT_OK) {
            assert_non_null(sk);
            assert_int_equal(X509_cmp(sk_X509_value(sk, 0), maat__signing_key_cert(k)), 0);
        } else if (cases[i].code == MAAT_ERR_NOT_FOUND) {
            assert_null(sk);
            assert_int_equal(err.code, MAAT_OK);
        } else {
            assert_null(sk);
            if (err.code != cases[i].code || strstr(err.msg, cases[i].msg) == NULL)
                fail_msg("x5c case %zu: %s", i, err.msg);
        }
        sk_X509_pop_free(sk, X509_free);
        maat__jws_cleanup(&j);
        free(t);
    }
    /* DER with trailing bytes, and base64url instead of standard base64 */
    {
        unsigned char *der = NULL;
        int dl = i2d_X509(maat__signing_key_cert(k), &der);
        uint8_t *ext = malloc((size_t)dl + 3);
        memcpy(ext, der, (size_t)dl);
        memset(ext + dl, 0, 3);
        char *b = maat_base64_encode(ext, (size_t)dl + 3);
        json_t *arr = json_pack("{s:[s]}", "x5c", b);
        maat_error_clear(&err);
        assert_null(maat__jwk_x5c(arr, &err));
        assert_int_equal(err.code, MAAT_ERR_TRAILING);
        json_decref(arr);
        free(b);
        b = maat_base64url_encode(der, (size_t)dl);
        int has_url_chars = strpbrk(b, "-_") != NULL;
        arr = json_pack("{s:[s]}", "x5c", b);
        maat_error_clear(&err);
        STACK_OF(X509) *sk = maat__jwk_x5c(arr, &err);
        if (has_url_chars) assert_null(sk);
        sk_X509_pop_free(sk, X509_free);
        json_decref(arr);
        free(b);
        free(ext);
        OPENSSL_free(der);
    }
    /* too many certificates */
    {
        json_t *o = json_object(), *a = json_array();
        for (int i = 0; i <= MAAT_X5C_MAX; i++) json_array_append_new(a, json_string(cert_b64));
        json_object_set_new(o, "x5c", a);
        maat_error_clear(&err);
        assert_null(maat__jwk_x5c(o, &err));
        assert_int_equal(err.code, MAAT_ERR_LENGTH);
        json_array_remove(a, 0);
        maat_error_clear(&err);
        STACK_OF(X509) *sk = maat__jwk_x5c(o, &err);
        assert_non_null(sk);
        assert_int_equal(sk_X509_num(sk), MAAT_X5C_MAX);
        sk_X509_pop_free(sk, X509_free);
        json_decref(o);
    }
    json_decref(jwk);
}

static void test_jwk_to_pkey(void **state)
{
    (void)state;
    struct maat_error err = {0};
    /* EC P-256 from crv/x/y of a fresh key */
    struct maat_signing_key *eskey = maat__signing_key_generate(MAAT_JWS_ES256, &err);
    assert_non_null(eskey);
    uint8_t pt[65];
    size_t ptlen = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(maat__signing_key_pkey(eskey),
                                                     "encoded-pub-key", pt, sizeof pt, &ptlen),
                     1);
    assert_int_equal(ptlen, 65);
    char *xs = maat_base64url_encode(pt + 1, 32), *ys = maat_base64url_encode(pt + 33, 32);
    json_t *ec = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x", xs, "y", ys);
    EVP_PKEY *k = maat__jwk_to_pkey(ec, &err);
    if (k == NULL) fail_msg("%s", err.msg);
    assert_int_equal(EVP_PKEY_eq(k, maat__signing_key_pkey(eskey)), 1);
    EVP_PKEY_free(k);
    free(xs);
    free(ys);
    maat__signing_key_free(eskey);
    /* The EC JWK the Azure C++ SDK test sent as runtime data, echoed by MAA in x-ms-runtime:
     * its point is NOT on P-256 (MAA does not check runtime JSON), so it must be refused. */
    json_t *rec = json_pack("{s:s,s:s,s:s,s:s,s:s}", "crv", "P-256", "kty", "EC", "use", "sig", "x",
                            "18wHLeIgW9wVN6VD1Txgpqy2LszYkMf6J8njVAibvhM", "y",
                            "cV4dS4UaLMgP_4fY4j8ir7cl1TXlFdAgcx55o7TkcSA");
    maat_error_clear(&err);
    assert_null(maat__jwk_to_pkey(rec, &err));
    assert_int_equal(err.code, MAAT_ERR_CRYPTO);
    assert_non_null(strstr(err.msg, "not on the curve"));
    json_decref(rec);
    /* wrong coordinate length, wrong curve */
    json_object_set_new(ec, "y", json_string("cV4dS4UaLMgP"));
    maat_error_clear(&err);
    assert_null(maat__jwk_to_pkey(ec, &err));
    assert_int_equal(err.code, MAAT_ERR_LENGTH);
    json_object_set_new(ec, "crv", json_string("P-384"));
    maat_error_clear(&err);
    assert_null(maat__jwk_to_pkey(ec, &err));
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    json_decref(ec);

    /* RSA from the recorded MAA /certs key: x5c alone, then n/e alone, then both */
    json_t *certs = certs_of("shared");
    if (certs != NULL) {
        const json_t *jwk = maat__jwks_find(certs, "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=");
        assert_non_null(jwk);
        EVP_PKEY *from_cert = maat__jwk_to_pkey(jwk, &err);
        assert_non_null(from_cert);
        assert_int_equal(EVP_PKEY_get_bits(from_cert), 2048);
        BIGNUM *n = NULL, *e = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(from_cert, "n", &n), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(from_cert, "e", &e), 1);
        uint8_t nb[256], eb[3];
        assert_int_equal(BN_bn2binpad(n, nb, 256), 256);
        assert_int_equal(BN_bn2binpad(e, eb, 3), 3);
        char *ns = maat_base64url_encode(nb, 256), *es = maat_base64url_encode(eb, 3);
        assert_string_equal(es, "AQAB");
        json_t *rsa = json_pack("{s:s,s:s,s:s}", "kty", "RSA", "n", ns, "e", es);
        EVP_PKEY *from_ne = maat__jwk_to_pkey(rsa, &err);
        assert_non_null(from_ne);
        assert_int_equal(EVP_PKEY_eq(from_ne, from_cert), 1);
        EVP_PKEY_free(from_ne);
        /* n/e together with x5c: must agree */
        json_t *both = json_deep_copy(jwk);
        json_object_set_new(both, "n", json_string(ns));
        json_object_set_new(both, "e", json_string(es));
        from_ne = maat__jwk_to_pkey(both, &err);
        assert_non_null(from_ne);
        EVP_PKEY_free(from_ne);
        json_object_set_new(both, "e", json_string("AQAD"));
        maat_error_clear(&err);
        assert_null(maat__jwk_to_pkey(both, &err));
        assert_non_null(strstr(err.msg, "differ from x5c"));
        /* kty disagreeing with the certificate */
        json_object_del(both, "n");
        json_object_del(both, "e");
        json_object_set_new(both, "kty", json_string("EC"));
        maat_error_clear(&err);
        assert_null(maat__jwk_to_pkey(both, &err));
        assert_int_equal(err.code, MAAT_ERR_VALUE);
        json_decref(both);
        /* leading zero octet, even exponent, short modulus, missing e */
        uint8_t nz[257];
        nz[0] = 0;
        memcpy(nz + 1, nb, 256);
        char *nzs = maat_base64url_encode(nz, 257);
        json_object_set_new(rsa, "n", json_string(nzs));
        maat_error_clear(&err);
        assert_null(maat__jwk_to_pkey(rsa, &err));
        assert_non_null(strstr(err.msg, "leading zero"));
        json_object_set_new(rsa, "n", json_string(ns));
        json_object_set_new(rsa, "e", json_string("AQAC"));
        maat_error_clear(&err);
        assert_null(maat__jwk_to_pkey(rsa, &err));
        assert_non_null(strstr(err.msg, "odd"));
        json_object_set_new(rsa, "e", json_string("AQAB"));
        json_object_set_new(rsa, "n", json_string("AQAB"));
        maat_error_clear(&err);
        assert_null(maat__jwk_to_pkey(rsa, &err));
        assert_int_equal(err.code, MAAT_ERR_LENGTH);
        json_object_set_new(rsa, "n", json_string(ns));
        json_object_del(rsa, "e");
        maat_error_clear(&err);
        assert_null(maat__jwk_to_pkey(rsa, &err));
        assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
        free(nzs);
        json_decref(rsa);
        free(ns);
        free(es);
        BN_free(n);
        BN_free(e);
        EVP_PKEY_free(from_cert);
        json_decref(certs);
    }
    /* kty missing / unknown / not an object */
    json_t *o = json_pack("{s:s}", "kty", "oct");
    maat_error_clear(&err);
    assert_null(maat__jwk_to_pkey(o, &err));
    assert_int_equal(err.code, MAAT_ERR_UNSUPPORTED);
    json_object_del(o, "kty");
    maat_error_clear(&err);
    assert_null(maat__jwk_to_pkey(o, &err));
    assert_int_equal(err.code, MAAT_ERR_NOT_FOUND);
    json_decref(o);
    json_t *s = json_string("RSA");
    maat_error_clear(&err);
    assert_null(maat__jwk_to_pkey(s, &err));
    assert_int_equal(err.code, MAAT_ERR_VALUE);
    json_decref(s);
}

static void test_jwks_find(void **state)
{
    (void)state;
    json_t *certs = certs_of("isolated");
    TU_REQUIRE_VECTOR(certs);
    static const char *const kids[] = {"XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=",
                                       "D5DR62_fG0AlpALMbsP-wriTWjU", "5n95sus8qrcBcVLXZu3lPYgdMlM"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *k = maat__jwks_find(certs, kids[i]);
        assert_ptr_equal(k, json_array_get(json_object_get(certs, "keys"), i));
    }
    assert_null(maat__jwks_find(certs, "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE"));
    assert_null(maat__jwks_find(certs, ""));
    assert_null(maat__jwks_find(certs, NULL));
    assert_null(maat__jwks_find(json_object_get(certs, "keys"), kids[0]));
    json_t *odd = json_pack("{s:[i,{s:i},{s:s}]}", "keys", 1, "kid", 5, "kid", "k");
    assert_ptr_equal(maat__jwks_find(odd, "k"), json_array_get(json_object_get(odd, "keys"), 2));
    json_decref(odd);
    json_decref(certs);
}

static int teardown_file(void **state)
{
    (void)state;
    maat__signing_key_free(g_rs);
    g_rs = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alg_names),         cmocka_unit_test(test_recorded_tokens),
        cmocka_unit_test(test_recorded_requests), cmocka_unit_test(test_sev_snp_token),
        cmocka_unit_test(test_roundtrip_rs256),   cmocka_unit_test(test_roundtrip_es256),
        cmocka_unit_test(test_roundtrip_ps256),   cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_parse_rejects),     cmocka_unit_test(test_rsa256_alias),
        cmocka_unit_test(test_header_x5c),        cmocka_unit_test(test_jwk_to_pkey),
        cmocka_unit_test(test_jwks_find),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_file);
}
