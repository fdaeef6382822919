/*
 * jose.c - compact JWS (sign, parse, verify), JWK / JWKS and the two kid forms MAA uses.
 *
 * Everything cryptographic goes through OpenSSL 3 EVP; JSON through jansson; base64url
 * through maat's strict codecs. The header is serialised compact with "alg" first and the
 * caller's members after it in insertion order, which reproduces MAA's token headers byte
 * for byte ({"alg":"RS256","jku":...,"kid":...,"typ":"JWT"}); payloads compact with sorted
 * keys reproduce MAA's payloads (checked against 46 recorded tokens in test_jose.c).
 * Leaves it uses (no calls back into jose.c or signing_key.c): jws_alg.c (algorithm names,
 * PS256 parameters), json_write.c (the compact JSON writer), jwk_kid.c (kid derivations).
 */
#include "maat/jose.h"
#include "maat/bytes.h"
#include "maat/crypto.h"
#include "jose_internal.h"
#include "json_span.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#define RSA_MIN_BITS 1024  /* MAA's 2020 signing keys were RSA-1024 */
#define RSA_MAX_BYTES 1024 /* 8192-bit modulus: bound on JWK "n" */

/* ---- low-level sign / verify ---- */

static bool is_p256(const EVP_PKEY *key)
{
    char group[64];
    size_t glen = 0;
    if (!EVP_PKEY_is_a(key, "EC")) return false;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &glen) != 1) return false;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* Checks that key can carry alg (no RSA/EC confusion, no tiny RSA keys). */
static int check_key_for_alg(const EVP_PKEY *key, enum maat_jws_alg alg, struct maat_error *err)
{
    const char *an = maat__jws_alg_name(alg);
    switch (alg) {
    case MAAT_JWS_RS256:
    case MAAT_JWS_PS256: {
        bool rsa = EVP_PKEY_is_a(key, "RSA") ||
                   (alg == MAAT_JWS_PS256 && EVP_PKEY_is_a(key, "RSA-PSS"));
        MAAT_ENSURE(rsa, err, MAAT_ERR_VALUE, "JWS: alg %s needs an RSA key, got a %s key", an,
                    EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
        int bits = EVP_PKEY_get_bits(key);
        MAAT_ENSURE(bits >= RSA_MIN_BITS, err, MAAT_ERR_VALUE,
                    "JWS: alg %s: RSA key of %d bits is below the %d-bit minimum", an, bits,
                    RSA_MIN_BITS);
        return 0;
    }
    case MAAT_JWS_ES256:
        MAAT_ENSURE(is_p256(key), err, MAAT_ERR_VALUE,
                    "JWS: alg ES256 needs a P-256 key, got a %s key",
                    EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
        return 0;
    case MAAT_JWS_NONE: break;
    }
    return maat_error_set(err, MAAT_ERR_VALUE, "JWS: alg %s carries no signature", an);
}

static int verify_bytes(EVP_PKEY *key, enum maat_jws_alg alg, const void *msg, size_t len,
                        const uint8_t *sig, size_t siglen, struct maat_error *err)
{
    const char *an = maat__jws_alg_name(alg);
    MAAT_TRY(check_key_for_alg(key, alg, err));
    if (alg == MAAT_JWS_ES256) {
        MAAT_ENSURE(siglen == 64, err, MAAT_ERR_LENGTH,
                    "JWS: ES256 signature is %zu bytes, expected 64 (r||s)", siglen);
        int v = maat__ecdsa_verify_rs(key, msg, len, sig);
        MAAT_ENSURE(v == 1, err, MAAT_ERR_CRYPTO,
                    "JWS: ES256 signature does not verify under the key");
        return 0;
    }
    size_t want = (size_t)EVP_PKEY_get_size(key);
    MAAT_ENSURE(siglen == want, err, MAAT_ERR_LENGTH,
                "JWS: %s signature is %zu bytes, expected %zu (the RSA modulus size)", an, siglen,
                want);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = md != NULL && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) == 1;
    if (ok && alg == MAAT_JWS_PS256) ok = maat__rsa_pss_setup(pctx);
    ok = ok && EVP_DigestVerify(md, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    MAAT_ENSURE(ok, err, MAAT_ERR_CRYPTO, "JWS: %s signature does not verify under the key", an);
    return 0;
}

/* ---- producing compact JWS ---- */

/* {"alg": alg, then extra's members in insertion order}. */
static json_t *build_header(const char *alg, const json_t *extra, struct maat_error *err)
{
    if (extra != NULL && !json_is_object(extra)) {
        maat_error_set(err, MAAT_ERR_USAGE, "JWS: extra header must be a JSON object");
        return NULL;
    }
    json_t *h = json_object();
    if (h == NULL || json_object_set_new(h, "alg", json_string(alg)) != 0) {
        json_decref(h);
        maat_error_set(err, MAAT_ERR_NOMEM, "JWS: out of memory building the header");
        return NULL;
    }
    if (extra != NULL) {
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)extra, key, v) {
            if (strcmp(key, "alg") == 0) {
                json_decref(h);
                maat_error_set(err, MAAT_ERR_USAGE,
                               "JWS: extra header must not carry \"alg\" (set by the signer)");
                return NULL;
            }
            if (json_object_set(h, key, v) != 0) {
                json_decref(h);
                maat_error_set(err, MAAT_ERR_NOMEM, "JWS: out of memory building the header");
                return NULL;
            }
        }
    }
    return h;
}

/* b = b64url(header) "." b64url(payload text); no payload: an empty part. */
/* b64url(compact JSON of the header {"alg", extra...}) appended to b. */
static int header_b64(struct maat_buf *b, const char *alg, const json_t *extra, struct maat_error *err)
{
    json_t *h = build_header(alg, extra, err);
    if (h == NULL) return -1;
    struct maat_buf t;
    maat_buf_init(&t);
    int rc = maat__json_append(&t, h, false);
    json_decref(h);
    rc = rc == 0 ? maat_buf_put_base64url(b, t.data, t.len) : rc;
    maat_buf_cleanup(&t);
    MAAT_ENSURE(rc == 0, err, MAAT_ERR_NOMEM, "JWS: out of memory");
    return 0;
}

/* ".<b64url(payload)>" appended to b, after the encoded header (NULL payload: empty). */
static int payload_part(struct maat_buf *b, const char *payload, size_t plen, struct maat_error *err)
{
    int rc = maat_buf_reserve(b, plen / 3 * 4 + 8);
    rc = rc == 0 ? maat_buf_put_u8(b, '.') : rc;
    if (rc == 0 && payload != NULL) rc = maat_buf_put_base64url(b, (const uint8_t *)payload, plen);
    MAAT_ENSURE(rc == 0, err, MAAT_ERR_NOMEM, "JWS: out of memory");
    return 0;
}

int maat__jws_header_b64(const struct maat_signing_key *k, const json_t *extra_header,
                        struct maat_buf *out, struct maat_error *err)
{
    const char *alg = k != NULL ? maat__jws_alg_name(maat__signing_key_alg(k)) : "none";
    size_t start = out->len;
    if (header_b64(out, alg, extra_header, err) != 0) {
        out->len = start;
        return -1;
    }
    return 0;
}

int maat__jws_sign_encoded(const struct maat_signing_key *k, const char *header_b64, size_t hlen,
                          const char *payload, size_t len, struct maat_buf *out,
                          struct maat_error *err)
{
    if (k == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "JWS: no signing key");
    size_t start = out->len;
    uint8_t sig[MAAT_SIGNATURE_MAX];
    size_t siglen = 0;
    if (maat_buf_put(out, header_b64, hlen) != 0) {
        out->len = start;
        return maat_error_set(err, MAAT_ERR_NOMEM, "JWS: out of memory");
    }
    if (payload_part(out, payload, len, err) != 0 ||
        maat__signing_key_sign(k, out->data + start, out->len - start, sig, &siglen, err) != 0) {
        out->len = start;
        return -1;
    }
    if (maat_buf_put_u8(out, '.') != 0 || maat_buf_put_base64url(out, sig, siglen) != 0) {
        out->len = start;
        return maat_error_set(err, MAAT_ERR_NOMEM, "JWS: out of memory");
    }
    return 0;
}

/* The payload object's compact text (sorted keys or in order); NULL payload: none. */
static int payload_text(const json_t *payload, bool sort_keys, char **text, size_t *len,
                        struct maat_error *err)
{
    *text = NULL;
    *len = 0;
    if (payload == NULL) return 0;
    MAAT_ENSURE(json_is_object(payload), err, MAAT_ERR_USAGE, "JWS: payload must be a JSON object");
    *text = maat__json_dump(payload, sort_keys, len);
    MAAT_ENSURE(*text != NULL, err, MAAT_ERR_NOMEM, "JWS: payload could not be serialised");
    return 0;
}

char *maat__jws_sign_text(const struct maat_signing_key *k, const json_t *extra_header,
                         const char *payload, size_t len, struct maat_error *err)
{
    if (k == NULL) {
        maat_error_set(err, MAAT_ERR_USAGE, "JWS: no signing key");
        return NULL;
    }
    /* the key's algorithm was checked against the key when the maat_signing_key was made */
    struct maat_buf h, b;
    maat_buf_init(&h);
    maat_buf_init(&b);
    int rc = maat__jws_header_b64(k, extra_header, &h, err);
    if (rc == 0) rc = maat__jws_sign_encoded(k, (const char *)h.data, h.len, payload, len, &b, err);
    maat_buf_cleanup(&h);
    if (rc != 0) {
        maat_buf_cleanup(&b);
        return NULL;
    }
    return maat_buf_take_str(&b);
}

char *maat__jws_unsigned_text(const json_t *extra_header, const char *payload, size_t len,
                             struct maat_error *err)
{
    struct maat_buf b;
    maat_buf_init(&b);
    if (header_b64(&b, "none", extra_header, err) != 0 || payload_part(&b, payload, len, err) != 0) {
        maat_buf_cleanup(&b);
        return NULL;
    }
    if (maat_buf_put_u8(&b, '.') != 0) {
        maat_buf_cleanup(&b);
        maat_error_set(err, MAAT_ERR_NOMEM, "JWS: out of memory");
        return NULL;
    }
    return maat_buf_take_str(&b);
}

char *maat__jws_sign(const struct maat_signing_key *k, const json_t *extra_header,
                    const json_t *payload, bool sort_keys, struct maat_error *err)
{
    char *text;
    size_t len;
    if (payload_text(payload, sort_keys, &text, &len, err) != 0) return NULL;
    char *tok = maat__jws_sign_text(k, extra_header, text, len, err);
    free(text);
    return tok;
}

char *maat__jws_unsigned(const json_t *extra_header, const json_t *payload, bool sort_keys,
                        struct maat_error *err)
{
    char *text;
    size_t len;
    if (payload_text(payload, sort_keys, &text, &len, err) != 0) return NULL;
    char *tok = maat__jws_unsigned_text(extra_header, text, len, err);
    free(text);
    return tok;
}

/* ---- parsing ---- */

/* The compact serialization's alphabet: base64url without padding (RFC 7515 section 2). A
 * '=' is refused: with padding tolerated "x.y.sig" and "x.y.sig==" were two texts of one
 * valid token (a malleable token hash); non-zero unused low bits are refused by the decoder
 * (maat_base64url_decode) for the same reason. */
static bool b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static const char *const part_names[3] = {"header", "payload", "signature"};

/* Decodes part [from, to) of the compact text. */
static int decode_part(const char *compact, size_t from, size_t to, int part, uint8_t **out,
                       size_t *outlen, struct maat_error *err)
{
    char field[80];
    snprintf(field, sizeof field, "JWS: %s (part starting at offset %zu)", part_names[part], from);
    return maat_base64url_decode(compact + from, to - from, field, out, outlen, err);
}

/* JSON object from decoded part bytes (duplicates rejected, whole text must be one object). */
static json_t *parse_object(const uint8_t *p, size_t n, const char *what, struct maat_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        maat_error_set(err, MAAT_ERR_ENCODING,
                       "JWS: %s: invalid JSON at byte %d of the decoded %s: %s", what,
                       jerr.position, what, jerr.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        maat_error_set(err, MAAT_ERR_VALUE, "JWS: %s: expected a JSON object", what);
        return NULL;
    }
    return j;
}

static int parse_alg(struct maat_jws *out, unsigned flags, struct maat_error *err)
{
    json_t *alg = json_object_get(out->header, "alg");
    MAAT_ENSURE(alg != NULL, err, MAAT_ERR_NOT_FOUND, "JWS: header: member \"alg\" is missing");
    MAAT_ENSURE(json_is_string(alg), err, MAAT_ERR_VALUE, "JWS: header: \"alg\" must be a string");
    out->alg_text = json_string_value(alg);
    if (maat__jws_alg_from_name(out->alg_text, &out->alg) == 0) return 0;
    if ((flags & MAAT_JWS_ALLOW_RSA256) && strcmp(out->alg_text, "RSA256") == 0) {
        out->alg = MAAT_JWS_RS256;
        return 0;
    }
    char shown[40];
    snprintf(shown, sizeof shown, "%s", out->alg_text);
    return maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                          "JWS: header: unsupported \"alg\" \"%s\" (expected none, RS256, ES256 or "
                          "PS256%s)",
                          shown,
                          strcmp(out->alg_text, "RSA256") == 0 ? "; RSA256 only when allowed" : "");
}

static int parse_parts(const char *compact, size_t len, unsigned flags, struct maat_jws *out,
                       struct maat_error *err)
{
    MAAT_ENSURE(compact != NULL || len == 0, err, MAAT_ERR_USAGE, "JWS: no input");
    MAAT_ENSURE(len <= MAAT_JWS_MAX_SIZE, err, MAAT_ERR_TOO_LARGE,
                "JWS: %zu bytes exceeds the limit of %u bytes", len, MAAT_JWS_MAX_SIZE);
    MAAT_ENSURE(len > 0, err, MAAT_ERR_TRUNCATED, "JWS: empty input");
    size_t dot[2];
    int ndots = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)compact[i];
        if (c == '.') {
            MAAT_ENSURE(ndots < 2, err, MAAT_ERR_VALUE,
                        "JWS: a third '.' at offset %zu (compact JWS is header.payload.signature)",
                        i);
            dot[ndots++] = i;
        } else if (!b64url_char(c)) {
            return maat_error_set(err, MAAT_ERR_ENCODING,
                                  "JWS: %s: invalid base64url character 0x%02x at offset %zu",
                                  part_names[ndots], c, i);
        }
    }
    MAAT_ENSURE(ndots == 2, err, MAAT_ERR_TRUNCATED,
                "JWS: %s '.' not found in %zu bytes (compact JWS is header.payload.signature)",
                ndots == 0 ? "first" : "second", len);
    MAAT_ENSURE(dot[0] > 0, err, MAAT_ERR_TRUNCATED, "JWS: header: empty (offset 0)");

    uint8_t *bytes = NULL;
    size_t n = 0;
    MAAT_TRY(decode_part(compact, 0, dot[0], 0, &bytes, &n, err));
    out->header = parse_object(bytes, n, "header", err);
    free(bytes);
    if (out->header == NULL) return -1;
    MAAT_TRY(parse_alg(out, flags, err));
    MAAT_ENSURE(json_object_get(out->header, "crit") == NULL, err, MAAT_ERR_UNSUPPORTED,
                "JWS: header: \"crit\" present, but maat understands no critical extension");

    MAAT_TRY(decode_part(compact, dot[0] + 1, dot[1], 1, &bytes, &n, err));
    out->payload_text = malloc(n + 1);
    if (out->payload_text == NULL) {
        free(bytes);
        return maat_error_set(err, MAAT_ERR_NOMEM, "JWS: out of memory");
    }
    memcpy(out->payload_text, bytes, n);
    out->payload_text[n] = '\0';
    out->payload_len = n;
    free(bytes);
    bytes = (uint8_t *)out->payload_text;
    if (n > 0) {
        out->payload = parse_object(bytes, n, "payload", err);
        if (out->payload == NULL) return -1;
    }

    MAAT_TRY(decode_part(compact, dot[1] + 1, len, 2, &out->signature, &out->signature_len, err));
    if (out->alg == MAAT_JWS_NONE)
        MAAT_ENSURE(out->signature_len == 0, err, MAAT_ERR_VALUE,
                    "JWS: signature: %zu bytes at offset %zu, but alg \"none\" must have none",
                    out->signature_len, dot[1] + 1);
    else
        MAAT_ENSURE(out->signature_len > 0, err, MAAT_ERR_TRUNCATED,
                    "JWS: signature: empty at offset %zu, but alg %s is signed", dot[1] + 1,
                    out->alg_text);

    out->signing_input = malloc(dot[1] + 1);
    MAAT_ENSURE(out->signing_input != NULL, err, MAAT_ERR_NOMEM, "JWS: out of memory");
    memcpy(out->signing_input, compact, dot[1]);
    out->signing_input[dot[1]] = '\0';
    out->signing_input_len = dot[1];
    return 0;
}

int maat__jws_parse_ex(const char *compact, size_t len, unsigned flags, struct maat_jws *out,
                      struct maat_error *err)
{
    if (out == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "JWS: no output");
    memset(out, 0, sizeof *out);
    if (flags & ~MAAT_JWS_ALLOW_RSA256)
        return maat_error_set(err, MAAT_ERR_USAGE, "JWS: unknown parse flags 0x%x", flags);
    if (parse_parts(compact, len, flags, out, err) != 0) {
        maat__jws_cleanup(out);
        return -1;
    }
    return 0;
}

int maat__jws_parse(const char *compact, size_t len, struct maat_jws *out, struct maat_error *err)
{
    return maat__jws_parse_ex(compact, len, 0, out, err);
}

void maat__jws_cleanup(struct maat_jws *j)
{
    if (j == NULL) return;
    json_decref(j->header);
    json_decref(j->payload);
    free(j->payload_text);
    free(j->signature);
    free(j->signing_input);
    memset(j, 0, sizeof *j);
}

int maat__jws_verify(const struct maat_jws *j, EVP_PKEY *key, struct maat_error *err)
{
    MAAT_ENSURE(j != NULL && j->signing_input != NULL, err, MAAT_ERR_USAGE, "JWS: nothing to verify");
    MAAT_ENSURE(key != NULL, err, MAAT_ERR_USAGE, "JWS: no verification key");
    MAAT_ENSURE(j->alg != MAAT_JWS_NONE, err, MAAT_ERR_VALUE,
                "JWS: alg \"none\": the token is unsigned and cannot verify");
    return verify_bytes(key, j->alg, j->signing_input, j->signing_input_len, j->signature,
                        j->signature_len, err);
}

/* ---- JWT time claims ---- */

int maat__jwt_time_claim(const json_t *claims, const char *name, int64_t *out, struct maat_error *err)
{
    MAAT_ENSURE(name != NULL && out != NULL, err, MAAT_ERR_USAGE, "JWT: no claim name");
    const json_t *v = json_is_object(claims) ? json_object_get(claims, name) : NULL;
    if (v == NULL) return 1;
    if (json_is_real(v))
        return maat_error_set(err, MAAT_ERR_VALUE,
                              "claim \"%s\" is the real number %.15g: expected an integer "
                              "NumericDate (seconds, 0..%" PRId64 ")",
                              name, json_real_value(v), MAAT_JWT_TIME_MAX);
    MAAT_ENSURE(json_is_integer(v), err, MAAT_ERR_VALUE,
                "claim \"%s\" is not a number: expected an integer NumericDate", name);
    json_int_t t = json_integer_value(v);
    MAAT_ENSURE(t >= 0 && t <= MAAT_JWT_TIME_MAX, err, MAAT_ERR_VALUE,
                "claim \"%s\" is %" JSON_INTEGER_FORMAT ": out of range (expected 0..%" PRId64
                ", up to 9999-12-31T23:59:59Z)",
                name, t, MAAT_JWT_TIME_MAX);
    *out = (int64_t)t;
    return 0;
}

/* ---- x5c ---- */

static STACK_OF(X509) *x5c_to_stack(const json_t *arr, const char *what, struct maat_error *err)
{
    if (!json_is_array(arr)) {
        maat_error_set(err, MAAT_ERR_VALUE, "%s: expected an array of base64 certificates", what);
        return NULL;
    }
    size_t n = json_array_size(arr);
    if (n == 0 || n > MAAT_X5C_MAX) {
        maat_error_set(err, MAAT_ERR_LENGTH, "%s: %zu certificates, expected 1 to %d", what, n,
                       MAAT_X5C_MAX);
        return NULL;
    }
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        char field[96];
        snprintf(field, sizeof field, "%s[%zu]", what, i);
        if (!json_is_string(s)) {
            maat_error_set(err, MAAT_ERR_VALUE, "%s: expected a base64 string", field);
            goto fail;
        }
        uint8_t *der = NULL;
        size_t dlen = 0;
        if (maat_base64_decode(json_string_value(s), json_string_length(s), field, &der, &dlen,
                               err) != 0)
            goto fail;
        const unsigned char *q = der;
        X509 *x = dlen > 0 && dlen <= INT32_MAX ? d2i_X509(NULL, &q, (long)dlen) : NULL;
        size_t used = (size_t)(q - der);
        free(der);
        if (x == NULL || used != dlen) {
            X509_free(x);
            ERR_clear_error();
            if (x == NULL)
                maat_error_set(err, MAAT_ERR_ENCODING,
                               "%s: not a DER X.509 certificate (%zu bytes)", field, dlen);
            else
                maat_error_set(err, MAAT_ERR_TRAILING,
                               "%s: %zu bytes after the DER certificate (offset %zu)", field,
                               dlen - used, used);
            goto fail;
        }
        if (sk_X509_push(sk, x) <= 0) {
            X509_free(x);
            maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", what);
            goto fail;
        }
    }
    return sk;
fail:
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

STACK_OF(X509) *maat__jwk_x5c(const json_t *jwk, struct maat_error *err)
{
    if (!json_is_object(jwk)) {
        maat_error_set(err, MAAT_ERR_VALUE, "JWK: expected a JSON object");
        return NULL;
    }
    const json_t *x5c = json_object_get(jwk, "x5c");
    return x5c == NULL ? NULL : x5c_to_stack(x5c, "JWK x5c", err);
}

STACK_OF(X509) *maat__jws_header_x5c(const struct maat_jws *j, struct maat_error *err)
{
    if (j == NULL || !json_is_object(j->header)) {
        maat_error_set(err, MAAT_ERR_USAGE, "JWS: no parsed header");
        return NULL;
    }
    const json_t *x5c = json_object_get(j->header, "x5c");
    const json_t *jwk = json_object_get(j->header, "jwk");
    const json_t *jwk_x5c = NULL;
    if (jwk != NULL) {
        if (!json_is_object(jwk)) {
            maat_error_set(err, MAAT_ERR_VALUE, "JWS: header: \"jwk\" must be a JSON object");
            return NULL;
        }
        jwk_x5c = json_object_get(jwk, "x5c");
    }
    if (x5c != NULL && jwk_x5c != NULL) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "JWS: header: both \"x5c\" and \"jwk\".\"x5c\" present (ambiguous signer)");
        return NULL;
    }
    if (x5c != NULL) return x5c_to_stack(x5c, "JWS header x5c", err);
    if (jwk_x5c != NULL) return x5c_to_stack(jwk_x5c, "JWS header jwk.x5c", err);
    return NULL;
}

/* ---- JWK -> key ---- */

/* Decodes a base64url big-endian integer member (no leading zero octet, RFC 7518 6.3.1). */
static BIGNUM *jwk_bn(const json_t *jwk, const char *name, size_t minlen, size_t maxlen,
                      struct maat_error *err)
{
    const json_t *v = json_object_get(jwk, name);
    if (!json_is_string(v)) {
        maat_error_set(err, v ? MAAT_ERR_VALUE : MAAT_ERR_NOT_FOUND,
                       "JWK: \"%s\" must be a base64url string", name);
        return NULL;
    }
    char field[32];
    snprintf(field, sizeof field, "JWK \"%s\"", name);
    uint8_t *p = NULL;
    size_t n = 0;
    if (maat_base64url_decode(json_string_value(v), json_string_length(v), field, &p, &n, err) != 0)
        return NULL;
    BIGNUM *bn = NULL;
    if (n < minlen || n > maxlen)
        maat_error_set(err, MAAT_ERR_LENGTH, "%s: %zu bytes, expected %zu to %zu", field, n, minlen,
                       maxlen);
    else if (p[0] == 0)
        maat_error_set(err, MAAT_ERR_VALUE, "%s: leading zero octet (RFC 7518 6.3.1)", field);
    else if ((bn = BN_bin2bn(p, (int)n, NULL)) == NULL)
        maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", field);
    free(p);
    return bn;
}

static EVP_PKEY *jwk_rsa(const json_t *jwk, struct maat_error *err)
{
    EVP_PKEY *key = NULL;
    BIGNUM *n = jwk_bn(jwk, "n", RSA_MIN_BITS / 8, RSA_MAX_BYTES, err);
    BIGNUM *e = n ? jwk_bn(jwk, "e", 1, 8, err) : NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (e == NULL) goto out;
    if (!BN_is_odd(e) || BN_is_one(e)) {
        maat_error_set(err, MAAT_ERR_VALUE, "JWK \"e\": public exponent must be odd and at least 3");
        goto out;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        key = NULL;
        ERR_clear_error();
        maat_error_set(err, MAAT_ERR_CRYPTO, "JWK: RSA key from \"n\"/\"e\" rejected by OpenSSL");
    }
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return key;
}

static int jwk_coord(const json_t *jwk, const char *name, uint8_t out[32], struct maat_error *err)
{
    const json_t *v = json_object_get(jwk, name);
    MAAT_ENSURE(json_is_string(v), err, v ? MAAT_ERR_VALUE : MAAT_ERR_NOT_FOUND,
                "JWK: \"%s\" must be a base64url string", name);
    char field[32];
    snprintf(field, sizeof field, "JWK \"%s\"", name);
    uint8_t *p = NULL;
    size_t n = 0;
    MAAT_TRY(maat_base64url_decode(json_string_value(v), json_string_length(v), field, &p, &n, err));
    if (n != 32) {
        free(p);
        return maat_error_set(err, MAAT_ERR_LENGTH, "%s: %zu bytes, expected 32 (P-256)", field, n);
    }
    memcpy(out, p, 32);
    free(p);
    return 0;
}

static EVP_PKEY *jwk_ec(const json_t *jwk, struct maat_error *err)
{
    const json_t *crv = json_object_get(jwk, "crv");
    if (!json_is_string(crv) || strcmp(json_string_value(crv), "P-256") != 0) {
        maat_error_set(err, MAAT_ERR_UNSUPPORTED, "JWK: EC \"crv\" must be \"P-256\"");
        return NULL;
    }
    uint8_t xy[64];
    if (jwk_coord(jwk, "x", xy, err) != 0 || jwk_coord(jwk, "y", xy + 32, err) != 0) return NULL;
    return maat__p256_pubkey_from_raw(xy, "JWK", err);
}

EVP_PKEY *maat__jwk_to_pkey(const json_t *jwk, struct maat_error *err)
{
    if (!json_is_object(jwk)) {
        maat_error_set(err, MAAT_ERR_VALUE, "JWK: expected a JSON object");
        return NULL;
    }
    const json_t *kty = json_object_get(jwk, "kty");
    if (!json_is_string(kty)) {
        maat_error_set(err, kty ? MAAT_ERR_VALUE : MAAT_ERR_NOT_FOUND,
                       "JWK: \"kty\" must be a string (\"RSA\" or \"EC\")");
        return NULL;
    }
    bool rsa = strcmp(json_string_value(kty), "RSA") == 0;
    bool ec = strcmp(json_string_value(kty), "EC") == 0;
    if (!rsa && !ec) {
        char shown[24];
        snprintf(shown, sizeof shown, "%s", json_string_value(kty));
        maat_error_set(err, MAAT_ERR_UNSUPPORTED, "JWK: \"kty\" \"%s\" unsupported (RSA or EC)",
                       shown);
        return NULL;
    }
    bool has_params = rsa ? json_object_get(jwk, "n") || json_object_get(jwk, "e")
                          : json_object_get(jwk, "x") || json_object_get(jwk, "y");
    EVP_PKEY *from_params = NULL;
    if (has_params || json_object_get(jwk, "x5c") == NULL) {
        from_params = rsa ? jwk_rsa(jwk, err) : jwk_ec(jwk, err);
        if (from_params == NULL) return NULL;
    }
    if (json_object_get(jwk, "x5c") == NULL) return from_params;

    STACK_OF(X509) *sk = maat__jwk_x5c(jwk, err);
    EVP_PKEY *key = sk ? X509_get_pubkey(sk_X509_value(sk, 0)) : NULL;
    sk_X509_pop_free(sk, X509_free);
    if (sk != NULL && key == NULL)
        maat_error_set(err, MAAT_ERR_CRYPTO, "JWK x5c[0]: unusable public key");
    if (key != NULL && (rsa ? !EVP_PKEY_is_a(key, "RSA") : !is_p256(key))) {
        maat_error_set(err, MAAT_ERR_VALUE, "JWK: x5c[0] holds a %s key but \"kty\" is \"%s\"",
                       EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown",
                       rsa ? "RSA" : "EC");
        EVP_PKEY_free(key);
        key = NULL;
    }
    if (key != NULL && from_params != NULL && EVP_PKEY_eq(key, from_params) != 1) {
        maat_error_set(err, MAAT_ERR_VALUE, "JWK: the key parameters differ from x5c[0]'s key");
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_free(from_params);
    ERR_clear_error();
    return key;
}

const json_t *maat__jwks_find(const json_t *jwks, const char *kid)
{
    if (!json_is_object(jwks) || kid == NULL) return NULL;
    const json_t *keys = json_object_get(jwks, "keys");
    if (!json_is_array(keys)) return NULL;
    size_t i;
    const json_t *k;
    json_array_foreach (keys, i, k) {
        const json_t *id = json_object_get(k, "kid");
        if (json_is_string(id) && strcmp(json_string_value(id), kid) == 0 &&
            strlen(kid) == json_string_length(id))
            return k;
    }
    return NULL;
}
