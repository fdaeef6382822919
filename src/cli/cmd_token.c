/*
 * cmd_token.c - `maat token verify`: validates an MAA-format attestation token (from Azure
 * Attestation or maatd) the way the MAA sample's validatequotes and Gramine's MAA verifier
 * do, and optionally checks that the token signer runs in an SGX enclave.
 *
 * The key always comes from the issuer's JWKS (GET <endpoint>/certs, or a saved copy),
 * chosen by the header "kid"; never from the token itself. Checks, in order: alg (RS256,
 * ES256, PS256; "none" refused), typ JWT, kid, jku = issuer + "/certs", the JWKS key and its
 * x5c certificate, the signature, iss = issuer, the certificate's subject CN = issuer, the
 * certificate's and the token's validity at --at (60 s clock skew). With
 * --require-signer-quote: the SGX quote in the signing certificate (MAA's extension
 * 1.3.6.1.4.1.311.105.1, or the 2020 form 1.2.840.113556.10.1.1) is verified with the DCAP
 * verifier and its report_data[0:32] must be SHA-256(PEM SPKI of the certificate's key + NUL).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maat/jose.h"
#include "maat/quote.h"
#include "maat/quote_json.h"
#include "maat/verify.h"
#include "cli.h"
#include "collateral_load.h"
#include "http_get.h"

#define PROG "maat token verify"
#define SKEW 60                 /* seconds of clock skew allowed on exp / nbf / iat */
#define MAX_ROOTS 8
#define JWKS_MAX (1u << 20)     /* a /certs document larger than this is refused */
#define OID_MAA_QUOTE "1.3.6.1.4.1.311.105.1"
#define OID_MAA_QUOTE_2020 "1.2.840.113556.10.1.1"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat token verify TOKEN (--endpoint URL | --jwks FILE --issuer URL)\n"
            "                         [--at TIME] [--require-signer-quote] [--trust-root PEM]...\n"
            "                         [--collateral BUNDLE|DIR] [--json]\n"
            "\n"
            "Validates an MAA-format attestation token (Azure Attestation, maatd).\n"
            "TOKEN is a file (the JWT text, or an MAA response body {\"token\": ...}; - for\n"
            "stdin) or the JWT text itself.\n"
            "\n"
            "  --endpoint URL   the attestation service (the token issuer): the key is taken\n"
            "                   from GET URL/certs\n"
            "  --jwks FILE      the issuer's /certs document ({\"keys\": [...]}), offline;\n"
            "                   requires --issuer\n"
            "  --issuer URL     the expected issuer (default: --endpoint)\n"
            "  --at TIME        validation time: unix seconds or RFC 3339; default now.\n"
            "                   exp, nbf and iat are checked with 60 s of clock skew\n"
            "  --require-signer-quote\n"
            "                   also verify the SGX quote in the signing certificate (MAA's\n"
            "                   enclave): DCAP signatures and PCK chain, and that the quote's\n"
            "                   report_data binds the signing key\n"
            "  --trust-root PEM another root for that quote (repeatable; Intel's is built in)\n"
            "  --collateral B|D collateral for the signer's platform (bundle or PCS directory);\n"
            "                   without it the TCB status of the signer is not determined\n"
            "  --json           machine-readable output\n"
            "\n"
            "exit codes: 0 valid, 1 invalid (the reason is printed), 2 usage,\n"
            "            3 unreadable token / JWKS / trust root, 4 I/O (fetching /certs) or\n"
            "            internal error\n");
}

struct opts {
    const char *token_arg, *endpoint, *jwks_path, *issuer_arg, *collateral;
    const char *roots[MAX_ROOTS];
    size_t nroots;
    time_t at;
    bool require_quote, json;
};

/* ---- small helpers ---- */

static void fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) snprintf(buf, 32, "%lld", (long long)t);
    else strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Length of "scheme://authority" in a URL (0 when it has no "://"). */
static size_t authority_len(const char *u)
{
    const char *s = strstr(u, "://");
    if (s == NULL) return 0;
    return s + 3 - u + strcspn(s + 3, "/?#");
}

/* Issuer comparison as the MAA sample does it: scheme and host case-insensitive, the rest
 * (port, path) exact. */
static bool issuer_equal(const char *a, const char *b)
{
    size_t la = authority_len(a), lb = authority_len(b);
    if (la != lb) return false;
    if (la > 0 && strncasecmp(a, b, la) != 0) return false;
    return strcmp(a + la, b + lb) == 0;
}

static char *strip_slashes(const char *s)
{
    char *c = strdup(s);
    if (c == NULL) return NULL;
    size_t n = strlen(c);
    while (n > 0 && c[n - 1] == '/') c[--n] = '\0';
    return c;
}

/* Reads TOKEN: a file (JWT text or {"token": ...}), "-" for stdin, or the JWT itself. */
static char *load_token(const char *arg, struct maat_error *err)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!strcmp(arg, "-") || stat(arg, &st) == 0) {
        if (cli_read_file(arg, MAAT_JWS_MAX_SIZE + 4096, &buf, &len, err) != 0) return NULL;
    } else if (strchr(arg, '.') != NULL && strchr(arg, '/') == NULL) {
        buf = (uint8_t *)strdup(arg);
        if (buf == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            return NULL;
        }
        len = strlen(arg);
    } else {
        maat_error_set(err, MAAT_ERR_IO, "TOKEN %s: no such file, and not a JWT", arg);
        return NULL;
    }
    char *s = (char *)buf;
    size_t b = 0;
    while (b < len && strchr(" \t\r\n", s[b])) b++;
    while (len > b && strchr(" \t\r\n", s[len - 1])) len--;
    if (b < len && s[b] == '{') {
        json_error_t je;
        json_t *root = json_loadb(s + b, len - b, JSON_REJECT_DUPLICATES, &je);
        const char *t = json_string_value(json_object_get(root, "token"));
        char *out = t ? strdup(t) : NULL;
        if (root == NULL)
            maat_error_set(err, MAAT_ERR_ENCODING, "TOKEN %s: JSON: %s (line %d, column %d)", arg,
                           je.text, je.line, je.column);
        else if (t == NULL)
            maat_error_set(err, MAAT_ERR_VALUE,
                           "TOKEN %s: a JSON object without a string \"token\" member", arg);
        else if (out == NULL)
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        json_decref(root);
        free(buf);
        return out;
    }
    memmove(s, s + b, len - b);
    s[len - b] = '\0';
    return s;
}

static json_t *load_jwks(const struct opts *o, char **source,
                         int *exit_code, struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    char *src = NULL;
    if (o->jwks_path != NULL) {
        src = strdup(o->jwks_path);
        if (cli_read_file(o->jwks_path, JWKS_MAX, &buf, &len, err) != 0) {
            *exit_code = MAAT_EXIT_INPUT;
            free(src);
            return NULL;
        }
    } else {
        char *ep = strip_slashes(o->endpoint);
        size_t n = ep ? strlen(ep) + sizeof "/certs" : 0;
        src = ep ? malloc(n) : NULL;
        if (src != NULL) snprintf(src, n, "%s/certs", ep);
        free(ep);
        if (src == NULL || cli_http_get(src, JWKS_MAX, &buf, &len, err) != 0) {
            if (src == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            *exit_code = MAAT_EXIT_INTERNAL;
            free(src);
            return NULL;
        }
    }
    json_error_t je;
    json_t *jwks = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    if (jwks == NULL || !json_is_array(json_object_get(jwks, "keys"))) {
        if (jwks == NULL)
            maat_error_set(err, MAAT_ERR_ENCODING, "JWKS %s: JSON: %s (line %d, column %d)", src,
                           je.text, je.line, je.column);
        else
            maat_error_set(err, MAAT_ERR_VALUE,
                           "JWKS %s: expected a JSON object with a \"keys\" array", src);
        json_decref(jwks);
        *exit_code = MAAT_EXIT_INPUT;
        free(src);
        return NULL;
    }
    *source = src;
    return jwks;
}

/* When the strict parser refuses a token, the header's "alg" (if it can be read at all)
 * tells a token with a refused algorithm (HS256, ...: invalid, exit 1) from unreadable
 * input (exit 3). Returns a malloc'd copy of alg, or NULL. */
static char *peek_alg(const char *token)
{
    const char *dot = strchr(token, '.');
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

/* ---- the signer's enclave quote ---- */

struct signer_ctx {
    const struct opts *o;
    X509 *cert;
    const char *kid;
    json_t *out; /* filled with what was found */
};

/* The enclave quote in a signing certificate. MAA's current certificates put the OE
 * envelope + quote directly in the extnValue of 1.3.6.1.4.1.311.105.1 (checked on the
 * 2022 recordings); the 2020 form (1.2.840.113556.10.1.1) and maatd wrap the quote in one
 * more DER OCTET STRING. Both are accepted: an inner OCTET STRING is unwrapped only when it
 * fills the extnValue exactly (a bare quote or envelope never does: it starts 01/03/04 00). */
static int cert_quote(const X509 *cert, const char **oid, const uint8_t **p, size_t *len,
                      struct maat_error *err)
{
    static const char *const oids[] = {OID_MAA_QUOTE, OID_MAA_QUOTE_2020};
    for (size_t i = 0; i < 2; i++) {
        ASN1_OBJECT *obj = OBJ_txt2obj(oids[i], 1);
        if (obj == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        int at = X509_get_ext_by_OBJ(cert, obj, -1);
        int again = at >= 0 ? X509_get_ext_by_OBJ(cert, obj, at) : -1;
        ASN1_OBJECT_free(obj);
        if (at < 0) continue;
        MAAT_ENSURE(again < 0, err, MAAT_ERR_VALUE, "extension %s appears twice", oids[i]);
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(cert, at));
        const unsigned char *d = ASN1_STRING_get0_data(v), *q = d;
        long vlen = ASN1_STRING_length(v), clen = 0;
        int tag = 0, cls = 0;
        int r = ASN1_get_object(&q, &clen, &tag, &cls, vlen);
        ERR_clear_error();
        *oid = oids[i];
        if (!(r & 0x80) && !(r & V_ASN1_CONSTRUCTED) && tag == V_ASN1_OCTET_STRING &&
            cls == V_ASN1_UNIVERSAL && clen > 0 && (q - d) + clen == vlen) {
            *p = q;
            *len = (size_t)clen;
        } else {
            *p = d;
            *len = (size_t)vlen;
        }
        MAAT_ENSURE(*len > 0, err, MAAT_ERR_TRUNCATED, "extension %s is empty", oids[i]);
        return 0;
    }
    return maat_error_set(err, MAAT_ERR_NOT_FOUND, "neither extension %s nor %s is present",
                          OID_MAA_QUOTE, OID_MAA_QUOTE_2020);
}

static struct maat_trust *load_trust(const struct opts *o, int *exit_code, struct maat_error *err)
{
    struct maat_trust *t = maat_trust_new_intel(err);
    for (size_t i = 0; t != NULL && i < o->nroots; i++) {
        uint8_t *pem;
        size_t n;
        int r = cli_read_file(o->roots[i], 1 << 20, &pem, &n, err);
        if (r == 0) {
            r = maat_trust_add_root(t, pem, n, o->roots[i], !maat_trust_is_intel_root(pem, n), err);
            free(pem);
        }
        if (r != 0) {
            maat_error_prefix(err, "--trust-root %s", o->roots[i]);
            *exit_code = MAAT_EXIT_INPUT;
            maat_trust_free(t);
            return NULL;
        }
    }
    return t;
}

static json_t *steps_json(const struct maat_verdict *v)
{
    static const char *const outcome[] = {"not_run", "passed", "failed"};
    json_t *steps = json_array();
    for (int s = 0; s < MAAT_STEP__COUNT; s++) {
        json_t *st = json_object();
        const char *name = maat_verify_step_name((enum maat_verify_step)s);
        json_object_set_new(st, "name", json_string(name));
        json_object_set_new(st, "outcome", json_string(outcome[v->steps[s]]));
        json_array_append_new(steps, st);
    }
    return steps;
}

/* The cryptographic steps that must pass whether or not collateral is present. */
static const enum maat_verify_step crypto_steps[] = {
    MAAT_STEP_STRUCTURE,          MAAT_STEP_PCK_CHAIN,       MAAT_STEP_VALIDITY,
    MAAT_STEP_QE_REPORT_SIGNATURE, MAAT_STEP_AK_BINDING,     MAAT_STEP_QUOTE_SIGNATURE,
};

/* Verifies the quote of sc->cert. 0: acceptable; -1: not (why says why); *exit_code set
 * for input errors. */
static int check_signer_quote(struct signer_ctx *sc, int *exit_code, struct maat_error *why)
{
    json_t *o = sc->out;
    const char *oid = NULL;
    const uint8_t *p = NULL;
    size_t len = 0;
    struct maat_error e = {0};
    if (cert_quote(sc->cert, &oid, &p, &len, &e) != 0)
        return maat_error_set(why, e.code == MAAT_ERR_NOMEM ? MAAT_ERR_NOMEM : MAAT_ERR_NOT_FOUND,
                              "signer quote: the signing certificate carries no enclave quote: %s",
                              e.msg);
    json_object_set_new(o, "extension", json_string(oid));
    json_object_set_new(o, "size", json_integer((json_int_t)len));
    struct maat_quote q;
    if (maat_quote_parse(p, len, &q, &e) != 0)
        return maat_error_set(why, MAAT_ERR_VALUE, "signer quote: %s", e.msg);
    json_object_set_new(o, "oe_envelope", json_boolean(q.oe_envelope));
    json_object_set_new(o, "version", json_integer(q.version));
    if (q.body_type != MAAT_BODY_SGX)
        return maat_error_set(why, MAAT_ERR_UNSUPPORTED,
                              "signer quote: not an SGX enclave quote (tee_type 0x%x)", q.tee_type);
    json_object_set_new(o, "report_body", maat_quote_json_report_body(&q.report_body));

    /* key binding: report_data[0:32] = SHA-256(PEM SPKI + NUL), which is also MAA's kid */
    uint8_t h[32];
    if (maat_jwk_spki_hash(X509_get0_pubkey(sc->cert), h, &e) != 0)
        return maat_error_set(why, e.code, "signer quote: %s", e.msg);
    bool bound = memcmp(h, q.report_body.report_data, 32) == 0;
    json_object_set_new(o, "key_binding", json_boolean(bound));
    char kid[MAAT_KID_MAX];
    if (maat_jwk_maa_kid(X509_get0_pubkey(sc->cert), kid, &e) == 0)
        json_object_set_new(o, "kid_is_key_hash", json_boolean(!strcmp(kid, sc->kid)));

    /* DCAP verification of the signer's quote */
    struct maat_trust *trust = load_trust(sc->o, exit_code, why);
    if (trust == NULL) return -1;
    struct cli_collateral loaded;
    memset(&loaded, 0, sizeof loaded);
    struct maat_verified_collateral *vc = NULL;
    int rc = -1;
    if (sc->o->collateral != NULL) {
        uint8_t fmspc[6] = {0};
        enum maat_pck_ca ca = MAAT_PCK_CA_UNKNOWN;
        cli_quote_pck_hint(&q, NULL, 0, fmspc, &ca);
        if (cli_collateral_load(sc->o->collateral, NULL, fmspc, ca, &loaded, &e) != 0) {
            maat_error_set(why, e.code, "--collateral %s: %s", sc->o->collateral, e.msg);
            *exit_code = MAAT_EXIT_INPUT;
            goto done;
        }
        if (maat_collateral_verify(&loaded.input, trust, sc->o->at, &vc, &e) != 0) {
            maat_error_set(why, MAAT_ERR_VALUE, "signer quote: collateral: %s", e.msg);
            goto done;
        }
    }
    struct maat_verify_opts vo = {.at = sc->o->at};
    struct maat_verdict v;
    if (maat_quote_verify(&q, vc, trust, &vo, &v, &e) != 0) {
        maat_error_set(why, MAAT_ERR_INTERNAL, "signer quote: %s", e.msg);
        goto done;
    }
    char f[13];
    maat_hex_encode(v.fmspc, 6, f);
    json_t *vj = json_object();
    json_object_set_new(o, "verification", vj);
    bool crypto_ok = true;
    for (size_t i = 0; i < sizeof crypto_steps / sizeof crypto_steps[0]; i++)
        crypto_ok &= v.steps[crypto_steps[i]] == MAAT_STEP_PASSED;
    json_object_set_new(vj, "signatures_and_chain", json_boolean(crypto_ok));
    json_object_set_new(vj, "trusted_root",
                        v.steps[MAAT_STEP_PCK_CHAIN] == MAAT_STEP_PASSED ? json_string(v.root_label)
                                                                        : json_null());
    json_object_set_new(vj, "fmspc", json_string(f));
    json_object_set_new(vj, "collateral_present", json_boolean(v.collateral_present));
    bool status_known = v.collateral_present && v.ok;
    json_object_set_new(vj, "status", status_known && v.status < MAAT_TCB_STATUS__COUNT
                                          ? json_string(maat_tcb_status_name(v.status))
                                          : json_null());
    json_object_set_new(vj, "qvl_result", json_string(maat_qvl_result_name(v.qvl_result)));
    json_object_set_new(vj, "steps", steps_json(&v));
    if (!v.ok) json_object_set_new(vj, "reason", json_string(v.reason));
    if (!v.collateral_present)
        json_object_set_new(vj, "note",
                            json_sprintf("collateral for the signer's platform (FMSPC %s) is not "
                                         "present (give --collateral)", f));

    if (!crypto_ok) {
        maat_error_set(why, MAAT_ERR_VALUE, "signer quote: verification failed at %s: %s",
                       maat_verify_step_name(v.failed_step), v.reason);
    } else if (v.collateral_present && (!v.ok || v.status == MAAT_TCB_REVOKED)) {
        maat_error_set(why, MAAT_ERR_VALUE, "signer quote: %s",
                       v.ok ? "the signer's platform TCB is Revoked" : v.reason);
    } else if (!bound) {
        maat_error_set(why, MAAT_ERR_VALUE,
                       "signer quote: report_data[0:32] is not SHA-256 of the signing key "
                       "(PEM SubjectPublicKeyInfo + NUL): the quote does not bind this key");
    } else {
        rc = 0;
    }
done:
    maat_verified_collateral_free(vc);
    cli_collateral_cleanup(&loaded);
    maat_trust_free(trust);
    return rc;
}

/* ---- the token checks ---- */

static int check_time_claim(const json_t *claims, const char *name, bool required,
                            json_int_t *out, struct maat_error *why)
{
    const json_t *v = json_object_get(claims, name);
    if (v == NULL) {
        if (required) return maat_error_set(why, MAAT_ERR_VALUE, "claim \"%s\" is missing", name);
        return 1;
    }
    if (!json_is_integer(v) && !json_is_real(v))
        return maat_error_set(why, MAAT_ERR_VALUE, "claim \"%s\" is not a number", name);
    *out = json_is_integer(v) ? json_integer_value(v) : (json_int_t)json_real_value(v);
    return 0;
}

struct checked {
    X509 *cert;           /* borrowed from certs */
    STACK_OF(X509) *certs;
    const char *kid;
};

static int check_token(const struct opts *o, const char *issuer, const struct maat_jws *j,
                       const json_t *jwks, json_t *res, struct checked *ck, struct maat_error *why)
{
    struct maat_error e = {0};
    if (j->alg == MAAT_JWS_NONE)
        return maat_error_set(why, MAAT_ERR_VALUE,
                              "the token is unsigned (alg \"none\", as MAA's draft-policy tokens): "
                              "it proves nothing and is refused");
    if (j->alg != MAAT_JWS_RS256 && j->alg != MAAT_JWS_ES256 && j->alg != MAAT_JWS_PS256)
        return maat_error_set(why, MAAT_ERR_VALUE,
                              "header alg \"%s\": expected RS256, ES256 or PS256",
                              j->alg_text);
    json_object_set_new(res, "alg", json_string(maat_jws_alg_name(j->alg)));
    const char *typ = json_string_value(json_object_get(j->header, "typ"));
    if (typ == NULL || strcmp(typ, "JWT") != 0)
        return maat_error_set(why, MAAT_ERR_VALUE, "header typ is %s%s%s, expected \"JWT\"",
                              typ ? "\"" : "", typ ? typ : "absent", typ ? "\"" : "");
    const char *kid = json_string_value(json_object_get(j->header, "kid"));
    if (kid == NULL || kid[0] == '\0')
        return maat_error_set(why, MAAT_ERR_VALUE, "header kid is absent or not a string");
    ck->kid = kid;
    json_object_set_new(res, "kid", json_string(kid));
    const char *jku = json_string_value(json_object_get(j->header, "jku"));
    size_t n = strlen(issuer) + sizeof "/certs";
    char *want = malloc(n);
    if (want == NULL) return maat_error_set(why, MAAT_ERR_NOMEM, "out of memory");
    snprintf(want, n, "%s/certs", issuer);
    bool jku_ok = jku != NULL && issuer_equal(jku, want);
    if (!jku_ok) {
        maat_error_set(why, MAAT_ERR_VALUE, "header jku is %s%s%s, expected \"%s\" (the issuer's "
                       "key set)", jku ? "\"" : "", jku ? jku : "absent", jku ? "\"" : "", want);
        free(want);
        return -1;
    }
    free(want);

    /* the key: from the issuer's JWKS by kid, never from the token */
    const json_t *jwk = maat_jwks_find(jwks, kid);
    if (jwk == NULL)
        return maat_error_set(why, MAAT_ERR_NOT_FOUND,
                              "no key with kid \"%s\" in the issuer's key set (%zu keys)", kid,
                              json_array_size(json_object_get(jwks, "keys")));
    ck->certs = maat_jwk_x5c(jwk, &e);
    if (ck->certs == NULL)
        return maat_error_set(why, MAAT_ERR_VALUE, "key \"%s\": %s", kid,
                              e.code ? e.msg : "no x5c certificate");
    ck->cert = sk_X509_value(ck->certs, 0);
    EVP_PKEY *pk = X509_get0_pubkey(ck->cert);
    if (pk == NULL)
        return maat_error_set(why, MAAT_ERR_VALUE, "key \"%s\": unusable public key", kid);
    if (maat_jws_verify(j, pk, &e) != 0)
        return maat_error_set(why, MAAT_ERR_VALUE, "signature: %s", e.msg);
    json_object_set_new(res, "signature", json_string("valid"));

    /* claims */
    if (!json_is_object(j->payload))
        return maat_error_set(why, MAAT_ERR_VALUE, "the token has no claims (empty payload)");
    const char *iss = json_string_value(json_object_get(j->payload, "iss"));
    if (iss == NULL || !issuer_equal(iss, issuer))
        return maat_error_set(why, MAAT_ERR_VALUE, "claim iss is %s%s%s, expected \"%s\"",
                              iss ? "\"" : "", iss ? iss : "absent", iss ? "\"" : "", issuer);

    char cn[512];
    maat_x509_cn(X509_get_subject_name(ck->cert), cn, sizeof cn);
    json_object_set_new(res, "signing_certificate_subject", json_sprintf("CN=%s", cn));
    if (!issuer_equal(cn, issuer))
        return maat_error_set(why, MAAT_ERR_VALUE,
                              "the signing certificate's subject is CN=%s, expected CN=%s", cn,
                              issuer);
    time_t nb = 0, na = 0;
    if (maat_asn1_time_to_unix(X509_get0_notBefore(ck->cert), &nb) != 0 ||
        maat_asn1_time_to_unix(X509_get0_notAfter(ck->cert), &na) != 0)
        return maat_error_set(why, MAAT_ERR_VALUE,
                              "the signing certificate's validity is unreadable");
    char t1[32], t2[32], t3[32];
    fmt_time(nb, t1);
    fmt_time(na, t2);
    fmt_time(o->at, t3);
    json_object_set_new(res, "signing_certificate_validity", json_sprintf("%s..%s", t1, t2));
    if (o->at + SKEW < nb || o->at - SKEW > na)
        return maat_error_set(why, MAAT_ERR_VALUE,
                              "the signing certificate is valid %s..%s, not at %s", t1, t2, t3);

    json_int_t exp = 0, nbf = 0, iat = 0;
    int r;
    MAAT_TRY(check_time_claim(j->payload, "exp", true, &exp, why));
    fmt_time((time_t)exp, t1);
    if ((json_int_t)o->at - SKEW > exp)
        return maat_error_set(why, MAAT_ERR_VALUE, "expired: exp %s is before %s (skew %d s)", t1,
                              t3, SKEW);
    if ((r = check_time_claim(j->payload, "nbf", false, &nbf, why)) < 0) return -1;
    fmt_time((time_t)nbf, t1);
    if (r == 0 && (json_int_t)o->at + SKEW < nbf)
        return maat_error_set(why, MAAT_ERR_VALUE, "not yet valid: nbf %s is after %s (skew %d s)",
                              t1, t3, SKEW);
    if ((r = check_time_claim(j->payload, "iat", false, &iat, why)) < 0) return -1;
    fmt_time((time_t)iat, t1);
    if (r == 0 && (json_int_t)o->at + SKEW < iat)
        return maat_error_set(why, MAAT_ERR_VALUE, "issued in the future: iat %s is after %s "
                              "(skew %d s)", t1, t3, SKEW);
    return 0;
}

/* ---- output ---- */

static void print_value(const json_t *v)
{
    if (json_is_string(v)) {
        fputs(json_string_value(v), stdout);
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    fputs(s ? s : "?", stdout);
    free(s);
}

static void print_claims(const json_t *claims)
{
    int width = 0;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)(uintptr_t)claims, k, v) {
        int l = (int)strlen(k);
        if (l > width) width = l;
    }
    json_object_foreach((json_t *)(uintptr_t)claims, k, v) {
        printf("  %-*s  ", width, k);
        print_value(v);
        if ((!strcmp(k, "exp") || !strcmp(k, "nbf") || !strcmp(k, "iat")) && json_is_integer(v)) {
            char t[32];
            fmt_time((time_t)json_integer_value(v), t);
            printf("  (%s)", t);
        }
        putchar('\n');
    }
}

static void print_signer(const json_t *s)
{
    const json_t *rb = json_object_get(s, "report_body");
    const json_t *vj = json_object_get(s, "verification");
    printf("signer quote:  extension %s, SGX quote v%lld, %lld bytes%s\n",
           json_string_value(json_object_get(s, "extension")),
           (long long)json_integer_value(json_object_get(s, "version")),
           (long long)json_integer_value(json_object_get(s, "size")),
           json_is_true(json_object_get(s, "oe_envelope")) ? " (OpenEnclave envelope)" : "");
    if (rb != NULL) {
        const json_t *attr = json_object_get(rb, "attributes");
        json_int_t flags = json_integer_value(json_object_get(attr, "flags"));
        printf("  mr_enclave   %s\n", json_string_value(json_object_get(rb, "mr_enclave")));
        printf("  mr_signer    %s\n", json_string_value(json_object_get(rb, "mr_signer")));
        printf("  isv_prod_id  %lld\n  isv_svn      %lld\n",
               (long long)json_integer_value(json_object_get(rb, "isv_prod_id")),
               (long long)json_integer_value(json_object_get(rb, "isv_svn")));
        printf("  debug        %s\n", flags & (json_int_t)MAAT_SGX_FLAGS_DEBUG ? "yes" : "no");
    }
    if (json_object_get(s, "key_binding"))
        printf("  key binding  %s%s\n",
               json_is_true(json_object_get(s, "key_binding"))
                   ? "OK: report_data[0:32] = SHA-256(signing key SPKI PEM + NUL)"
                   : "FAILED: report_data[0:32] is not SHA-256(signing key SPKI PEM + NUL)",
               json_is_true(json_object_get(s, "kid_is_key_hash")) ? " = kid" : "");
    if (vj == NULL) return;
    bool crypto = json_is_true(json_object_get(vj, "signatures_and_chain"));
    const json_t *root = json_object_get(vj, "trusted_root");
    printf("  signatures   %s%s%s\n",
           crypto ? "OK: PCK chain, QE report, attestation key binding, quote signature"
                  : "FAILED",
           json_is_string(root) ? "; root: " : "",
           json_is_string(root) ? json_string_value(root) : "");
    const json_t *st = json_object_get(vj, "status");
    if (json_is_string(st))
        printf("  tcb status   %s\n", json_string_value(st));
    else if (json_object_get(vj, "note"))
        printf("  tcb status   not determined: %s\n",
               json_string_value(json_object_get(vj, "note")));
    else if (json_object_get(vj, "reason"))
        printf("  tcb status   %s\n", json_string_value(json_object_get(vj, "reason")));
}

static void print_text(const json_t *res, const json_t *claims)
{
    printf("token:         valid\n");
    printf("issuer:        %s\n", json_string_value(json_object_get(res, "issuer")));
    printf("signature:     %s, kid %s (key from %s)\n",
           json_string_value(json_object_get(res, "alg")),
           json_string_value(json_object_get(res, "kid")),
           json_string_value(json_object_get(res, "jwks_source")));
    printf("signing cert:  %s, valid %s\n",
           json_string_value(json_object_get(res, "signing_certificate_subject")),
           json_string_value(json_object_get(res, "signing_certificate_validity")));
    printf("checked at:    %s (clock skew allowed: %d s)\n",
           json_string_value(json_object_get(res, "checked_at")), SKEW);
    const json_t *s = json_object_get(res, "signer_quote");
    if (s) print_signer(s);
    printf("claims:\n");
    print_claims(claims);
}

/* ---- the command ---- */

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'},
        {"jwks", required_argument, NULL, 'k'},
        {"issuer", required_argument, NULL, 'i'},
        {"at", required_argument, NULL, 't'},
        {"require-signer-quote", no_argument, NULL, 'q'},
        {"trust-root", required_argument, NULL, 'r'},
        {"collateral", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o->endpoint = optarg; break;
        case 'k': o->jwks_path = optarg; break;
        case 'i': o->issuer_arg = optarg; break;
        case 'q': o->require_quote = true; break;
        case 'c': o->collateral = optarg; break;
        case 'j': o->json = true; break;
        case 'r':
            if (o->nroots == MAX_ROOTS) {
                fprintf(stderr, PROG ": at most %d --trust-root\n", MAX_ROOTS);
                return MAAT_EXIT_USAGE;
            }
            o->roots[o->nroots++] = optarg;
            break;
        case 't':
            if (cli_parse_time(optarg, &o->at) != 0) {
                fprintf(stderr, PROG ": --at '%s': expected unix seconds or RFC 3339 "
                                "(2022-11-17T20:30:00Z)\n", optarg);
                return MAAT_EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, PROG ": expected exactly one TOKEN\n");
        usage(stderr);
        return MAAT_EXIT_USAGE;
    }
    o->token_arg = argv[optind];
    if ((o->endpoint == NULL) == (o->jwks_path == NULL)) {
        fprintf(stderr, PROG ": give either --endpoint URL or --jwks FILE\n");
        return MAAT_EXIT_USAGE;
    }
    if (o->jwks_path != NULL && o->issuer_arg == NULL) {
        fprintf(stderr, PROG ": --jwks needs --issuer URL (the expected token issuer)\n");
        return MAAT_EXIT_USAGE;
    }
    if (!o->require_quote && (o->nroots > 0 || o->collateral != NULL)) {
        fprintf(stderr, PROG ": --trust-root and --collateral apply to --require-signer-quote\n");
        return MAAT_EXIT_USAGE;
    }
    return 0;
}

static int token_verify(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    o.at = time(NULL);
    int p = parse_opts(argc, argv, &o);
    if (p != 0) return p < 0 ? MAAT_EXIT_OK : p;

    int rc = MAAT_EXIT_INTERNAL;
    struct maat_error err = {0}, why = {0};
    struct maat_jws j;
    memset(&j, 0, sizeof j);
    struct checked ck = {0};
    json_t *jwks = NULL, *res = json_object();
    char *issuer = strip_slashes(o.issuer_arg ? o.issuer_arg : o.endpoint);
    char *source = NULL, at_text[32];
    char *token = load_token(o.token_arg, &err);
    if (token == NULL) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        rc = err.code == MAAT_ERR_NOMEM ? MAAT_EXIT_INTERNAL : MAAT_EXIT_INPUT;
        goto out;
    }
    if (issuer == NULL || res == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        goto out;
    }
    if (maat_jws_parse(token, strlen(token), &j, &err) != 0) {
        char *alg = peek_alg(token);
        bool refused = alg != NULL && strcmp(alg, "none") && strcmp(alg, "RS256") &&
                       strcmp(alg, "ES256") && strcmp(alg, "PS256");
        if (refused)
            fprintf(stderr, PROG ": INVALID: header alg \"%s\": expected RS256, ES256 or PS256\n",
                    alg);
        else
            fprintf(stderr, PROG ": TOKEN: %s\n", err.msg);
        free(alg);
        rc = refused ? MAAT_EXIT_FAIL : MAAT_EXIT_INPUT;
        goto out;
    }
    jwks = load_jwks(&o, &source, &rc, &err);
    if (jwks == NULL) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        goto out;
    }
    fmt_time(o.at, at_text);
    json_object_set_new(res, "valid", json_false());
    json_object_set_new(res, "issuer", json_string(issuer));
    json_object_set_new(res, "jwks_source", json_string(source));
    json_object_set_new(res, "checked_at", json_string(at_text));
    json_object_set_new(res, "clock_skew_seconds", json_integer(SKEW));

    rc = MAAT_EXIT_FAIL;
    int r = check_token(&o, issuer, &j, jwks, res, &ck, &why);
    if (r == 0 && o.require_quote) {
        json_t *sq = json_object();
        json_object_set_new(res, "signer_quote", sq);
        struct signer_ctx sc = {.o = &o, .cert = ck.cert, .kid = ck.kid, .out = sq};
        r = check_signer_quote(&sc, &rc, &why);
    }
    if (r != 0) {
        if (why.code == MAAT_ERR_NOMEM || why.code == MAAT_ERR_INTERNAL) rc = MAAT_EXIT_INTERNAL;
        json_object_set_new(res, "reason", json_string(why.msg));
        fprintf(stderr, PROG ": %s: %s\n", rc == MAAT_EXIT_FAIL ? "INVALID" : "error", why.msg);
    } else {
        rc = MAAT_EXIT_OK;
        json_object_set_new(res, "valid", json_true());
    }
    if (r == 0 || o.json) {
        json_object_set(res, "header", j.header);
        if (j.payload) json_object_set(res, "claims", j.payload);
        if (o.json) {
            char *s = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (s) printf("%s\n", s);
            free(s);
        } else {
            print_text(res, j.payload);
        }
        if (fflush(stdout) != 0) rc = MAAT_EXIT_INTERNAL;
    }
out:
    if (ck.certs) sk_X509_pop_free(ck.certs, X509_free);
    maat_jws_cleanup(&j);
    json_decref(jwks);
    json_decref(res);
    free(token);
    free(issuer);
    free(source);
    return rc;
}

int cmd_token(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MAAT_EXIT_USAGE : MAAT_EXIT_OK;
    }
    if (strcmp(argv[1], "verify") != 0) {
        fprintf(stderr, "maat token: unknown sub-command '%s' (expected verify)\n", argv[1]);
        return MAAT_EXIT_USAGE;
    }
    return token_verify(argc - 1, argv + 1);
}
