/*
 * token.c - maat_token_validate(): the relying party's checks of an MAA-format attestation
 * token (header alg / typ / kid / jku, the issuer's key chosen by kid - never a key from the
 * token - the signature, iss, the signing certificate's subject and validity, exp / nbf / iat
 * with clock skew), over bytes the caller passes in; the optional signer-quote and
 * EnclaveInfo checks are in token_enclave.c. Moved here from the CLI
 * (src/cli/token_check.c), which now prints from struct maat_token_result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/jose.h"
#include "maat/token.h"
#include "token_internal.h"

static const char *const check_names[MAAT_TOKEN_CHECK__COUNT] = {
    "format",
    "alg",
    "typ",
    "kid",
    "jku",
    "key",
    "signature",
    "issuer",
    "certificate_subject",
    "certificate_validity",
    "lifetime",
    "signer_quote",
    "signer_verification",
    "signer_key_binding",
    "signer_complete",
    "enclave_claims",
};

const char *maat_token_check_name(enum maat_token_check c)
{
    return (unsigned)c < MAAT_TOKEN_CHECK__COUNT ? check_names[c] : "?";
}

/* Length of "scheme://authority" in a URL (0 when it has no "://"). */
static size_t authority_len(const char *u)
{
    const char *s = strstr(u, "://");
    if (s == NULL) return 0;
    return (size_t)(s + 3 - u) + strcspn(s + 3, "/?#");
}

bool maat_token_issuer_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) return false;
    size_t la = authority_len(a), lb = authority_len(b);
    if (la != lb) return false;
    if (la > 0 && strncasecmp(a, b, la) != 0) return false;
    return strcmp(a + la, b + lb) == 0;
}

void maat_token_result_cleanup(struct maat_token_result *r)
{
    if (r == NULL) return;
    maat__token_enclave_cleanup(r);
    free(r->signing_cert_der);
    memset(r, 0, sizeof *r);
}

static void fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        snprintf(buf, 32, "%lld", (long long)t);
    else
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Records check c as failed with the reason; returns 1 (a result, not an error). */
static int refuse(struct maat_token_result *r, enum maat_token_check c, maat_err code,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int refuse(struct maat_token_result *r, enum maat_token_check c, maat_err code,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->checks[c] = MAAT_TOKEN_FAILED;
    r->failed_check = c;
    r->failed_code = code;
    return 1;
}

static const struct {
    enum maat_jws_alg alg;
    unsigned bit;
} alg_bits[] = {
    {MAAT_JWS_RS256, MAAT_TOKEN_ALG_RS256},
    {MAAT_JWS_ES256, MAAT_TOKEN_ALG_ES256},
    {MAAT_JWS_PS256, MAAT_TOKEN_ALG_PS256},
};

/* "RS256, ES256 or PS256" for the allowed set. */
static void allowed_text(unsigned algs, char *out, size_t n)
{
    const char *names[3];
    size_t k = 0;
    for (size_t i = 0; i < 3; i++)
        if (algs & alg_bits[i].bit) names[k++] = maat__jws_alg_name(alg_bits[i].alg);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%s", i == 0 ? "" : i + 1 == k ? " or " : ", ", names[i]);
    }
}

/* When the strict parser refuses a token, the header's "alg" (if it can be read at all)
 * tells a token with a refused algorithm (HS256, ...) from unreadable input. Returns a
 * malloc'd copy of alg, or NULL. */
static char *peek_alg(const char *token, size_t len)
{
    const char *dot = memchr(token, '.', len);
    if (dot == NULL) return NULL;
    uint8_t *h = NULL;
    size_t n = 0;
    struct maat_error e = {0};
    if (maat_base64url_decode(token, (size_t)(dot - token), "header", &h, &n, &e) != 0) return NULL;
    json_t *hdr = json_loadb((const char *)h, n, 0, NULL);
    free(h);
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    char *out = alg ? strdup(alg) : NULL;
    json_decref(hdr);
    return out;
}

static bool alg_known(const char *a)
{
    return !strcmp(a, "none") || !strcmp(a, "RS256") || !strcmp(a, "ES256") || !strcmp(a, "PS256");
}

/* The header checks: alg, typ, kid, jku. 0 passed, 1 refused, -1 error. */
static int check_header(const struct maat_jws *j, const struct maat_token_expect *x, unsigned algs,
                        struct maat_token_result *r, struct maat_error *err)
{
    char allowed[64];
    allowed_text(algs, allowed, sizeof allowed);
    if (j->alg == MAAT_JWS_NONE)
        return refuse(r, MAAT_TOKEN_CHECK_ALG, MAAT_ERR_VALUE,
                      "the token is unsigned (alg \"none\", as MAA's draft-policy tokens): "
                      "it proves nothing and is refused");
    unsigned bit = 0;
    for (size_t i = 0; i < 3; i++)
        if (alg_bits[i].alg == j->alg) bit = alg_bits[i].bit;
    if (!(algs & bit))
        return refuse(r, MAAT_TOKEN_CHECK_ALG, MAAT_ERR_VALUE, "header alg \"%.100s\": expected %s",
                      j->alg_text, allowed);
    snprintf(r->alg, sizeof r->alg, "%s", maat__jws_alg_name(j->alg));
    r->checks[MAAT_TOKEN_CHECK_ALG] = MAAT_TOKEN_PASSED;

    const char *typ = json_string_value(json_object_get(j->header, "typ"));
    if (typ == NULL || strcmp(typ, "JWT") != 0)
        return refuse(r, MAAT_TOKEN_CHECK_TYP, MAAT_ERR_VALUE,
                      "header typ is %s%.100s%s, expected \"JWT\"", typ ? "\"" : "",
                      typ ? typ : "absent", typ ? "\"" : "");
    r->checks[MAAT_TOKEN_CHECK_TYP] = MAAT_TOKEN_PASSED;

    const char *kid = json_string_value(json_object_get(j->header, "kid"));
    if (kid == NULL || kid[0] == '\0')
        return refuse(r, MAAT_TOKEN_CHECK_KID, MAAT_ERR_VALUE,
                      "header kid is absent or not a string");
    size_t kl = strlen(kid);
    if (kl >= sizeof r->kid || kl != json_string_length(json_object_get(j->header, "kid")))
        return refuse(r, MAAT_TOKEN_CHECK_KID, MAAT_ERR_VALUE,
                      "header kid is %zu bytes%s: expected at most %d, without NUL",
                      json_string_length(json_object_get(j->header, "kid")),
                      kl != json_string_length(json_object_get(j->header, "kid")) ? " with a NUL" : "",
                      MAAT_TOKEN_KID_MAX - 1);
    memcpy(r->kid, kid, kl + 1);
    r->checks[MAAT_TOKEN_CHECK_KID] = MAAT_TOKEN_PASSED;

    const char *jku = json_string_value(json_object_get(j->header, "jku"));
    size_t n = strlen(x->issuer) + sizeof "/certs";
    char *want = malloc(n);
    if (want == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    snprintf(want, n, "%s/certs", x->issuer);
    bool ok = jku != NULL && maat_token_issuer_equal(jku, want);
    if (!ok)
        refuse(r, MAAT_TOKEN_CHECK_JKU, MAAT_ERR_VALUE,
               "header jku is %s%.200s%s, expected \"%.200s\" (the issuer's key set)",
               jku ? "\"" : "", jku ? jku : "absent", jku ? "\"" : "", want);
    free(want);
    if (!ok) return 1;
    r->checks[MAAT_TOKEN_CHECK_JKU] = MAAT_TOKEN_PASSED;
    return 0;
}

/* The signing certificate: from the JWKS by kid (x5c[0]) or the pinned one. *cert is a new
 * reference. 0 found, 1 refused, -1 error. */
static int find_cert(const struct maat_token_expect *x, struct maat_token_result *r, X509 **cert,
                     struct maat_error *err)
{
    struct maat_error e = {0};
    *cert = NULL;
    if (x->pinned_cert != NULL) {
        const uint8_t *p = x->pinned_cert;
        if (x->pinned_cert_len > 10 && !memcmp(p, "-----BEGIN", 10)) {
            BIO *b = BIO_new_mem_buf(p, (int)x->pinned_cert_len);
            if (b == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
            BIO_free(b);
        } else {
            *cert = d2i_X509(NULL, &p, (long)x->pinned_cert_len);
            if (*cert != NULL && p != x->pinned_cert + x->pinned_cert_len) {
                X509_free(*cert);
                *cert = NULL;
            }
        }
        ERR_clear_error();
        if (*cert == NULL)
            return refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_ENCODING,
                          "the pinned certificate is not one PEM or DER X.509 certificate");
        return 0;
    }
    if (x->jwks_len > MAAT_TOKEN_JWKS_MAX)
        return refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_TOO_LARGE,
                      "the issuer's key set is %zu bytes, more than %u", x->jwks_len,
                      MAAT_TOKEN_JWKS_MAX);
    json_error_t je;
    json_t *jwks = json_loadb((const char *)x->jwks, x->jwks_len, JSON_REJECT_DUPLICATES, &je);
    if (jwks == NULL || !json_is_array(json_object_get(jwks, "keys"))) {
        if (jwks == NULL)
            refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_ENCODING,
                   "the issuer's key set: JSON: %s (line %d, column %d)", je.text, je.line,
                   je.column);
        else
            refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_VALUE,
                   "the issuer's key set: expected a JSON object with a \"keys\" array");
        json_decref(jwks);
        return 1;
    }
    int rc = 0;
    const json_t *jwk = maat__jwks_find(jwks, r->kid);
    STACK_OF(X509) *certs = jwk ? maat__jwk_x5c(jwk, &e) : NULL;
    if (jwk == NULL)
        rc = refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_NOT_FOUND,
                    "no key with kid \"%.200s\" in the issuer's key set (%zu keys)", r->kid,
                    json_array_size(json_object_get(jwks, "keys")));
    else if (certs == NULL && e.code == MAAT_ERR_NOMEM)
        rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    else if (certs == NULL)
        rc = refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_VALUE, "key \"%.200s\": %s", r->kid,
                    e.code ? e.msg : "no x5c certificate");
    else if ((*cert = sk_X509_value(certs, 0)) == NULL || X509_up_ref(*cert) != 1)
        rc = maat_error_set(err, MAAT_ERR_INTERNAL, "x5c: no certificate");
    if (certs) sk_X509_pop_free(certs, X509_free);
    json_decref(jwks);
    return rc;
}

/* The claims and certificate checks after the signature: iss, subject CN, validity,
 * exp / nbf / iat. 0 passed, 1 refused. */
static int check_claims(const struct maat_jws *j, const struct maat_token_expect *x, X509 *cert,
                        struct maat_token_result *r)
{
    struct maat_error e = {0};
    int skew = x->skew_seconds;
    if (!json_is_object(j->payload))
        return refuse(r, MAAT_TOKEN_CHECK_ISSUER, MAAT_ERR_VALUE,
                      "the token has no claims (empty payload)");
    const char *iss = json_string_value(json_object_get(j->payload, "iss"));
    if (iss == NULL || !maat_token_issuer_equal(iss, x->issuer))
        return refuse(r, MAAT_TOKEN_CHECK_ISSUER, MAAT_ERR_VALUE,
                      "claim iss is %s%.200s%s, expected \"%.200s\"", iss ? "\"" : "",
                      iss ? iss : "absent", iss ? "\"" : "", x->issuer);
    r->checks[MAAT_TOKEN_CHECK_ISSUER] = MAAT_TOKEN_PASSED;

    maat__x509_cn(X509_get_subject_name(cert), r->cert_subject_cn, sizeof r->cert_subject_cn);
    if (!maat_token_issuer_equal(r->cert_subject_cn, x->issuer))
        return refuse(r, MAAT_TOKEN_CHECK_CERT_SUBJECT, MAAT_ERR_VALUE,
                      "the signing certificate's subject is CN=%.200s, expected CN=%.200s",
                      r->cert_subject_cn, x->issuer);
    r->checks[MAAT_TOKEN_CHECK_CERT_SUBJECT] = MAAT_TOKEN_PASSED;

    time_t nb = 0, na = 0;
    if (maat__asn1_time_to_unix(X509_get0_notBefore(cert), &nb) != 0 ||
        maat__asn1_time_to_unix(X509_get0_notAfter(cert), &na) != 0)
        return refuse(r, MAAT_TOKEN_CHECK_CERT_VALIDITY, MAAT_ERR_VALUE,
                      "the signing certificate's validity is unreadable");
    r->cert_not_before = nb;
    r->cert_not_after = na;
    char t1[32], t2[32], t3[32];
    fmt_time(nb, t1);
    fmt_time(na, t2);
    fmt_time(x->at, t3);
    if (x->at + skew < nb || x->at - skew > na)
        return refuse(r, MAAT_TOKEN_CHECK_CERT_VALIDITY, MAAT_ERR_VALUE,
                      "the signing certificate is valid %s..%s, not at %s", t1, t2, t3);
    r->checks[MAAT_TOKEN_CHECK_CERT_VALIDITY] = MAAT_TOKEN_PASSED;

    /* NumericDates strictly (maat__jwt_time_claim: integers in range, never a real number) */
    int64_t exp = 0, nbf = 0, iat = 0, at = (int64_t)x->at;
    int rn, ri;
    if (maat__jwt_time_claim(j->payload, "exp", &exp, &e) != 0)
        return refuse(r, MAAT_TOKEN_CHECK_LIFETIME, MAAT_ERR_VALUE, "%s",
                      e.code ? e.msg : "claim \"exp\" is missing");
    fmt_time((time_t)exp, t1);
    if (at - skew > exp)
        return refuse(r, MAAT_TOKEN_CHECK_LIFETIME, MAAT_ERR_VALUE,
                      "expired: exp %s is before %s (skew %d s)", t1, t3, skew);
    if ((rn = maat__jwt_time_claim(j->payload, "nbf", &nbf, &e)) < 0)
        return refuse(r, MAAT_TOKEN_CHECK_LIFETIME, MAAT_ERR_VALUE, "%s", e.msg);
    fmt_time((time_t)nbf, t1);
    if (rn == 0 && at + skew < nbf)
        return refuse(r, MAAT_TOKEN_CHECK_LIFETIME, MAAT_ERR_VALUE,
                      "not yet valid: nbf %s is after %s (skew %d s)", t1, t3, skew);
    if ((ri = maat__jwt_time_claim(j->payload, "iat", &iat, &e)) < 0)
        return refuse(r, MAAT_TOKEN_CHECK_LIFETIME, MAAT_ERR_VALUE, "%s", e.msg);
    fmt_time((time_t)iat, t1);
    if (ri == 0 && at + skew < iat)
        return refuse(r, MAAT_TOKEN_CHECK_LIFETIME, MAAT_ERR_VALUE,
                      "issued in the future: iat %s is after %s (skew %d s)", t1, t3, skew);
    r->exp = exp;
    r->nbf = nbf;
    r->iat = iat;
    r->has_nbf = rn == 0;
    r->has_iat = ri == 0;
    r->checks[MAAT_TOKEN_CHECK_LIFETIME] = MAAT_TOKEN_PASSED;
    return 0;
}

int maat_token_validate(const char *token, size_t len, const struct maat_token_expect *x,
                        struct maat_token_result *r, struct maat_error *err)
{
    if (r == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "token: no result");
    memset(r, 0, sizeof *r);
    MAAT_ENSURE(token != NULL && x != NULL && x->issuer != NULL && x->issuer[0] != '\0', err,
                MAAT_ERR_USAGE, "token: the token, the expectations and the issuer are required");
    MAAT_ENSURE((x->jwks != NULL) != (x->pinned_cert != NULL), err, MAAT_ERR_USAGE,
                "token: exactly one of jwks and pinned_cert is required");
    MAAT_ENSURE(x->skew_seconds >= 0 && x->skew_seconds <= MAAT_TOKEN_SKEW_MAX, err, MAAT_ERR_USAGE,
                "token: skew_seconds %d: expected 0..%d", x->skew_seconds, MAAT_TOKEN_SKEW_MAX);
    unsigned algs = x->algs ? x->algs : MAAT_TOKEN_ALG_DEFAULT;
    MAAT_ENSURE(!(algs & ~(unsigned)MAAT_TOKEN_ALG_DEFAULT), err, MAAT_ERR_USAGE,
                "token: algs 0x%x: unknown algorithm bits", algs);
    MAAT_ENSURE(!x->require_signer_quote || x->trust != NULL, err, MAAT_ERR_USAGE,
                "token: require_signer_quote needs a trust set");
    MAAT_ENSURE(x->enclave_info == NULL || x->enclave_info->ehd_len == 0 ||
                    x->enclave_info->ehd != NULL,
                err, MAAT_ERR_USAGE, "token: enclave_info: ehd_len without ehd");
    MAAT_ENSURE(x->enclave_info == NULL || x->td_quote == NULL, err, MAAT_ERR_USAGE,
                "token: enclave_info and td_quote exclude each other");
    MAAT_ENSURE(x->td_quote == NULL || maat__token_td_quote_usable(x->td_quote), err, MAAT_ERR_USAGE,
                "token: td_quote: not a parsed TD quote (body type %d: expected %d, %d or %d)",
                (int)x->td_quote->body_type, MAAT_BODY_TD10, MAAT_BODY_TD15, MAAT_BODY_TD15_EX);

    struct maat_error e = {0};
    struct maat_jws j;
    memset(&j, 0, sizeof j);
    X509 *cert = NULL;
    int rc = 0;
    if (maat__jws_parse(token, len, &j, &e) != 0) {
        if (e.code == MAAT_ERR_NOMEM) {
            rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            goto out;
        }
        char *alg = peek_alg(token, len);
        if (alg != NULL && !alg_known(alg)) {
            char allowed[64];
            allowed_text(algs, allowed, sizeof allowed);
            r->checks[MAAT_TOKEN_CHECK_FORMAT] = MAAT_TOKEN_PASSED;
            refuse(r, MAAT_TOKEN_CHECK_ALG, MAAT_ERR_VALUE, "header alg \"%.100s\": expected %s",
                   alg, allowed);
        } else {
            refuse(r, MAAT_TOKEN_CHECK_FORMAT, e.code, "%s", e.msg);
        }
        free(alg);
        goto out;
    }
    r->checks[MAAT_TOKEN_CHECK_FORMAT] = MAAT_TOKEN_PASSED;
    int c = check_header(&j, x, algs, r, err);
    if (c == 0) c = find_cert(x, r, &cert, err);
    if (c == 0) {
        EVP_PKEY *pk = X509_get0_pubkey(cert);
        ERR_clear_error();
        if (pk == NULL) {
            c = refuse(r, MAAT_TOKEN_CHECK_KEY, MAAT_ERR_VALUE,
                       "key \"%.200s\": unusable public key", r->kid);
        } else {
            r->checks[MAAT_TOKEN_CHECK_KEY] = MAAT_TOKEN_PASSED;
            int n = i2d_X509(cert, &r->signing_cert_der);
            if (n <= 0) {
                ERR_clear_error();
                r->signing_cert_der = NULL;
                c = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            } else {
                r->signing_cert_der_len = (size_t)n;
            }
        }
        if (c == 0 && maat__jws_verify(&j, pk, &e) != 0)
            c = refuse(r, MAAT_TOKEN_CHECK_SIGNATURE, MAAT_ERR_VALUE, "signature: %s", e.msg);
        if (c == 0) {
            r->checks[MAAT_TOKEN_CHECK_SIGNATURE] = MAAT_TOKEN_PASSED;
            c = check_claims(&j, x, cert, r);
        }
        if (c == 0 && x->require_signer_quote) c = maat__token_check_signer(cert, x, r, err);
        if (c == 0 && x->enclave_info != NULL)
            c = maat__token_check_enclave_claims(j.payload, x, r, err);
        if (c == 0 && x->td_quote != NULL) c = maat__token_check_td_claims(j.payload, x, r, err);
    }
    if (c < 0)
        rc = -1;
    else
        r->valid = c == 0;
out:
    if (rc != 0) maat_token_result_cleanup(r);
    X509_free(cert);
    maat__jws_cleanup(&j);
    return rc;
}
