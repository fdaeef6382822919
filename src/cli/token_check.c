/*
 * token_check.c - the CLI side of token validation shared by `maat token verify` and `maat
 * attest`: reading the token and the issuer's key set, the token checks through libmaat's
 * maat_token_validate() (maat/token.h) into the JSON report, and the DCAP verification of an
 * enclave quote (the token signer's, or a quote handed to `maat attest --offline`) with its
 * fail-closed "not checked" list.
 */
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
#include "maat/token.h"
#include "maat/verify.h"
#include "cli.h"
#include "collateral_load.h"
#include "http_get.h"
#include "token_check.h"
#include "verdict_fix.h"

#define OID_MAA_QUOTE "1.3.6.1.4.1.311.105.1"
#define OID_MAA_QUOTE_2020 "1.2.840.113556.10.1.1"

/* ---- small helpers ---- */

void tc_fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) snprintf(buf, 32, "%lld", (long long)t);
    else strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool tc_issuer_equal(const char *a, const char *b)
{
    return maat_token_issuer_equal(a, b);
}

char *tc_strip_slashes(const char *s)
{
    char *c = strdup(s);
    if (c == NULL) return NULL;
    size_t n = strlen(c);
    while (n > 0 && c[n - 1] == '/') c[--n] = '\0';
    return c;
}

/* Reads TOKEN: a file (JWT text or {"token": ...}), "-" for stdin, or the JWT itself. */
char *tc_load_token(const char *arg, struct maat_error *err)
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

json_t *tc_load_jwks(const char *jwks_path, const char *endpoint, const char *ca_file,
                     char **source, uint8_t **raw, size_t *raw_len, int *exit_code,
                     struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    char *src = NULL;
    if (jwks_path != NULL) {
        src = strdup(jwks_path);
        if (cli_read_file(jwks_path, TC_JWKS_MAX, &buf, &len, err) != 0) {
            *exit_code = MAAT_EXIT_INPUT;
            free(src);
            return NULL;
        }
    } else {
        char *ep = tc_strip_slashes(endpoint);
        size_t n = ep ? strlen(ep) + sizeof "/certs" : 0;
        src = ep ? malloc(n) : NULL;
        if (src != NULL) snprintf(src, n, "%s/certs", ep);
        free(ep);
        if (src == NULL || cli_http_get(src, ca_file, TC_JWKS_MAX, &buf, &len, err) != 0) {
            if (src == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            *exit_code = MAAT_EXIT_INTERNAL;
            free(src);
            return NULL;
        }
    }
    json_error_t je;
    json_t *jwks = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    if (jwks == NULL || !json_is_array(json_object_get(jwks, "keys"))) {
        free(buf);
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
    *raw = buf;
    *raw_len = len;
    return jwks;
}

/* When the strict parser refuses a token, the header's "alg" (if it can be read at all)
 * tells a token with a refused algorithm (HS256, ...: invalid, exit 1) from unreadable
 * input (exit 3). Returns a malloc'd copy of alg, or NULL. */
char *tc_peek_alg(const char *token)
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

struct maat_trust *tc_load_trust(const char *const *roots, size_t nroots, int *exit_code,
                                struct maat_error *err)
{
    struct maat_trust *t = maat_trust_new_intel(err);
    for (size_t i = 0; t != NULL && i < nroots; i++) {
        uint8_t *pem;
        size_t n;
        int r = cli_read_file(roots[i], 1 << 20, &pem, &n, err);
        if (r == 0) {
            r = maat_trust_add_root(t, pem, n, roots[i], !maat_trust_is_intel_root(pem, n), err);
            free(pem);
        }
        if (r != 0) {
            maat_error_prefix(err, "--trust-root %s", roots[i]);
            *exit_code = MAAT_EXIT_INPUT;
            maat_trust_free(t);
            return NULL;
        }
    }
    return t;
}

json_t *tc_steps_json(const struct maat_verdict *v)
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

int tc_verify_quote(const struct maat_quote *q, const struct tc_quote_opts *qo, json_t *vj,
                    struct tc_quote_result *res, int *exit_code, struct maat_error *why)
{
    struct maat_error e = {0};
    memset(res, 0, sizeof *res);
    struct maat_trust *trust = tc_load_trust(qo->roots, qo->nroots, exit_code, why);
    if (trust == NULL) return -1;
    struct cli_collateral loaded;
    memset(&loaded, 0, sizeof loaded);
    struct maat_verified_collateral *vc = NULL;
    struct maat_pck_chain *chain = NULL;
    struct maat_verify_opts vo = {.at = qo->at};
    struct maat_verdict *v = &res->verdict;
    int rc = -1;
    bool chain_refused = false;
    const char *coll_arg = qo->collateral != NULL ? qo->collateral : qo->pccs;
    if (coll_arg != NULL) {
        /* The PCK chain first: only a leaf verified to a trusted root chooses (by its FMSPC
         * and PCK CA) what collateral is looked up. A chain that fails is the verdict, and
         * the collateral is not touched (issue 12: never trust an unverified leaf's FMSPC). */
        if (maat_pck_chain_resolve(q, trust, &vo, &chain, v, &e) != 0) {
            maat_error_set(why, MAAT_ERR_INTERNAL, "%s: %s", qo->what, e.msg);
            goto done;
        }
        chain_refused = !v->ok;
    }
    if (coll_arg != NULL && !chain_refused) {
        const struct maat_pck_info *pi = maat_pck_chain_info(chain);
        if (cli_collateral_load(qo->collateral, qo->collateral != NULL ? NULL : qo->pccs,
                                pi->fmspc, pi->ca, &loaded, &e) != 0) {
            maat_error_set(why, e.code, "--%s %s: %s", qo->collateral != NULL ? "collateral" : "pccs",
                           coll_arg, e.msg);
            *exit_code = cli_collateral_exit(qo->collateral != NULL ? NULL : qo->pccs, &e);
            goto done;
        }
        if (maat_collateral_verify(&loaded.input, trust, qo->at, &vc, &e) != 0) {
            maat_error_set(why, MAAT_ERR_VALUE, "%s: collateral: %s", qo->what, e.msg);
            goto done;
        }
        vo.pck_chain = chain;
    }
    if (!chain_refused && maat_quote_verify(q, vc, trust, &vo, v, &e) != 0) {
        maat_error_set(why, MAAT_ERR_INTERNAL, "%s: %s", qo->what, e.msg);
        goto done;
    }
    char *f = res->fmspc_hex;
    maat_hex_encode(v->fmspc, 6, f);
    bool crypto_ok = true;
    for (size_t i = 0; i < sizeof crypto_steps / sizeof crypto_steps[0]; i++)
        crypto_ok &= v->steps[crypto_steps[i]] == MAAT_STEP_PASSED;
    res->crypto_ok = crypto_ok;
    /* collateral given, but its TCB info is for another platform (FMSPC) */
    const struct maat_tcb_info *ti = vc ? maat_verified_collateral_tcb_info(vc) : NULL;
    res->tcb_absent = !v->collateral_present ||
                      (qo->foreign_tcb_is_absent && ti != NULL && !v->ok &&
                       v->failed_step == MAAT_STEP_TCB_INFO && memcmp(ti->fmspc, v->fmspc, 6) != 0);
    if (ti != NULL) maat_hex_encode(ti->fmspc, 6, res->collateral_fmspc_hex);
    json_object_set_new(vj, "signatures_and_chain", json_boolean(crypto_ok));
    json_object_set_new(vj, "trusted_root",
                        v->steps[MAAT_STEP_PCK_CHAIN] == MAAT_STEP_PASSED
                            ? json_string(v->root_label)
                            : json_null());
    json_object_set_new(vj, "fmspc", json_string(f));
    json_object_set_new(vj, "collateral_present", json_boolean(v->collateral_present));
    bool status_known = v->collateral_present && v->ok;
    json_object_set_new(vj, "status", status_known && v->status < MAAT_TCB_STATUS__COUNT
                                          ? json_string(maat_tcb_status_name(v->status))
                                          : json_null());
    json_object_set_new(vj, "qvl_result", json_string(maat_qvl_result_name(v->qvl_result)));
    json_object_set_new(vj, "steps", tc_steps_json(v));
    cli_fix_attach(vj, v, q, vc); /* `fix` below UpToDate (issue 14), or `fix_error` */
    if (!v->ok) json_object_set_new(vj, "reason", json_string(v->reason));
    if (chain_refused)
        json_object_set_new(vj, "note",
                            json_sprintf("the PCK chain did not verify: the collateral (%s) "
                                         "was not looked up", coll_arg));
    else if (!v->collateral_present)
        json_object_set_new(vj, "note",
                            json_sprintf("collateral for %s (FMSPC %s) is not present (give "
                                         "--collateral)", qo->platform, f));

    if (!crypto_ok) {
        maat_error_set(why, MAAT_ERR_VALUE, "%s: verification failed at %s: %s", qo->what,
                       maat_verify_step_name(v->failed_step), v->reason);
    } else if (v->collateral_present && !res->tcb_absent &&
               (!v->ok || v->status == MAAT_TCB_REVOKED)) {
        if (v->ok)
            maat_error_set(why, MAAT_ERR_VALUE, "%s: %s TCB is Revoked", qo->what, qo->platform);
        else
            maat_error_set(why, MAAT_ERR_VALUE, "%s: %s", qo->what, v->reason);
    } else {
        rc = 0;
    }
done:
    maat_pck_chain_release(chain);
    maat_verified_collateral_free(vc);
    cli_collateral_cleanup(&loaded);
    maat_trust_free(trust);
    return rc;
}

/* Adds one item to the "not checked" list (JSON array and text). */
static void not_checked_add(json_t *list, char *text, size_t n, const char *item)
{
    json_array_append_new(list, json_string(item));
    size_t l = strlen(text);
    snprintf(text + l, n > l ? n - l : 0, "%s%s", l ? ", " : "", item);
}

size_t tc_not_checked(const struct tc_quote_result *res, json_t *list, char *text, size_t n)
{
    const struct maat_verdict *v = &res->verdict;
    size_t before = json_array_size(list);
    text[0] = '\0';
    const char *why = v->collateral_present ? "" : " (no collateral)";
    char buf[160];
    bool expired = v->steps[MAAT_STEP_COLLATERAL_TIME] == MAAT_STEP_FAILED;
    if (res->tcb_absent || v->steps[MAAT_STEP_TCB_INFO] != MAAT_STEP_PASSED ||
        v->steps[MAAT_STEP_STATUS] != MAAT_STEP_PASSED) {
        if (!v->collateral_present)
            snprintf(buf, sizeof buf, "TCB status (no collateral)");
        else if (res->tcb_absent)
            snprintf(buf, sizeof buf, "TCB status (no TCB info for the quote's FMSPC %s)",
                     res->fmspc_hex);
        else
            snprintf(buf, sizeof buf, "TCB status");
        not_checked_add(list, text, n, buf);
    }
    if (v->steps[MAAT_STEP_CRL] != MAAT_STEP_PASSED) {
        snprintf(buf, sizeof buf, "revocation%s", why);
        not_checked_add(list, text, n, buf);
    } else if (expired) {
        not_checked_add(list, text, n, "revocation (the collateral is expired: its CRLs are not "
                                       "current)");
    }
    if (v->steps[MAAT_STEP_QE_IDENTITY] != MAAT_STEP_PASSED) {
        snprintf(buf, sizeof buf, "QE identity%s", why);
        not_checked_add(list, text, n, buf);
    }
    for (int st = 0; st < MAAT_STEP__COUNT; st++) { /* anything else that did not pass */
        if (st == MAAT_STEP_TCB_INFO || st == MAAT_STEP_STATUS || st == MAAT_STEP_CRL ||
            st == MAAT_STEP_QE_IDENTITY ||
            (st == MAAT_STEP_COLLATERAL_TIME && (!v->collateral_present || expired)) ||
            v->steps[st] == MAAT_STEP_PASSED)
            continue;
        not_checked_add(list, text, n, maat_verify_step_name((enum maat_verify_step)st));
    }
    return json_array_size(list) - before;
}

int tc_check_signer_quote(X509 *cert, const char *token_kid, const struct tc_quote_opts *qo,
                          json_t *o, char *not_checked, size_t nc_len, int *exit_code,
                          struct maat_error *why)
{
    const char *oid = NULL;
    const uint8_t *p = NULL;
    size_t len = 0;
    struct maat_error e = {0};
    if (cert_quote(cert, &oid, &p, &len, &e) != 0)
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
    if (maat_jwk_spki_hash(X509_get0_pubkey(cert), h, &e) != 0)
        return maat_error_set(why, e.code, "signer quote: %s", e.msg);
    bool bound = memcmp(h, q.report_body.report_data, 32) == 0;
    json_object_set_new(o, "key_binding", json_boolean(bound));
    char kid[MAAT_KID_MAX];
    if (maat_jwk_maa_kid(X509_get0_pubkey(cert), kid, &e) == 0)
        json_object_set_new(o, "kid_is_key_hash", json_boolean(!strcmp(kid, token_kid)));

    /* DCAP verification of the signer's quote */
    json_t *vj = json_object();
    struct tc_quote_result *res = malloc(sizeof *res);
    if (vj == NULL || res == NULL) {
        json_decref(vj);
        free(res);
        return maat_error_set(why, MAAT_ERR_NOMEM, "out of memory");
    }
    int r = tc_verify_quote(&q, qo, vj, res, exit_code, why);
    /* the verification object appears once the verifier ran (as before the refactoring) */
    if (r == 0 || res->fmspc_hex[0] != '\0') json_object_set_new(o, "verification", vj);
    else json_decref(vj);
    if (r == 0) { /* fail closed: what the accepted verification could not check */
        json_t *list = json_array();
        json_object_set_new(o, "not_checked", list);
        tc_not_checked(res, list, not_checked, nc_len);
    }
    free(res);
    if (r != 0) return -1;
    if (!bound)
        return maat_error_set(why, MAAT_ERR_VALUE,
                              "signer quote: report_data[0:32] is not SHA-256 of the signing key "
                              "(PEM SubjectPublicKeyInfo + NUL): the quote does not bind this key");
    return 0;
}

/* ---- the token checks (libmaat: maat_token_validate) ---- */

int tc_check_token(const char *issuer, time_t at, const char *token, const uint8_t *jwks,
                   size_t jwks_len, json_t *res, struct tc_checked *ck, struct maat_error *why)
{
    struct maat_token_expect x = {.issuer = issuer, .at = at, .skew_seconds = TC_SKEW,
                                  .jwks = jwks, .jwks_len = jwks_len};
    struct maat_token_result *r = calloc(1, sizeof *r);
    struct maat_error e = {0};
    if (r == NULL) return maat_error_set(why, MAAT_ERR_NOMEM, "out of memory");
    if (maat_token_validate(token, strlen(token), &x, r, &e) != 0) {
        free(r);
        return maat_error_set(why, e.code, "%s", e.msg);
    }
    /* the result's fields, as far as the checks that produce them passed */
    const enum maat_token_outcome *c = r->checks;
    if (c[MAAT_TOKEN_CHECK_ALG] == MAAT_TOKEN_PASSED)
        json_object_set_new(res, "alg", json_string(r->alg));
    if (c[MAAT_TOKEN_CHECK_KID] == MAAT_TOKEN_PASSED) {
        memcpy(ck->kid, r->kid, sizeof ck->kid);
        json_object_set_new(res, "kid", json_string(r->kid));
    }
    if (c[MAAT_TOKEN_CHECK_SIGNATURE] == MAAT_TOKEN_PASSED)
        json_object_set_new(res, "signature", json_string("valid"));
    if (c[MAAT_TOKEN_CHECK_ISSUER] == MAAT_TOKEN_PASSED)
        json_object_set_new(res, "signing_certificate_subject",
                            json_sprintf("CN=%s", r->cert_subject_cn));
    if (c[MAAT_TOKEN_CHECK_CERT_SUBJECT] == MAAT_TOKEN_PASSED &&
        (r->cert_not_before != 0 || r->cert_not_after != 0)) {
        char t1[32], t2[32];
        tc_fmt_time(r->cert_not_before, t1);
        tc_fmt_time(r->cert_not_after, t2);
        json_object_set_new(res, "signing_certificate_validity", json_sprintf("%s..%s", t1, t2));
    }
    if (r->signing_cert_der != NULL) {
        const unsigned char *p = r->signing_cert_der;
        X509 *cert = d2i_X509(NULL, &p, (long)r->signing_cert_der_len);
        ck->certs = sk_X509_new_null();
        if (cert == NULL || ck->certs == NULL || !sk_X509_push(ck->certs, cert)) {
            X509_free(cert);
            maat_token_result_cleanup(r);
            free(r);
            return maat_error_set(why, MAAT_ERR_NOMEM, "out of memory");
        }
        ck->cert = cert;
    }
    int rc = 0;
    if (!r->valid)
        rc = maat_error_set(why, r->failed_code == MAAT_ERR_NOMEM ? MAAT_ERR_VALUE : r->failed_code,
                            "%s", r->reason);
    maat_token_result_cleanup(r);
    free(r);
    return rc;
}
