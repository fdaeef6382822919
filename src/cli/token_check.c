/*
 * token_check.c - the CLI side of token validation shared by `maat token verify` and `maat
 * attest`: reading the token, the issuer's key set, trust roots and collateral files, and
 * printing. The checks themselves are libmaat's: maat_token_validate() (maat/token.h: the
 * token, the signer's own quote, the claims against an EnclaveInfo) and maat_quote_check()
 * (maat/quote_check.h: a quote handed to `maat attest --offline`, with its fail-closed "not
 * checked" list); this file turns their result structs into the JSON report.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

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

/* ---- small helpers ---- */

void tc_fmt_time(time_t t, char buf[32])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        snprintf(buf, 32, "%lld", (long long)t);
    else
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
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

json_t *tc_load_jwks(const char *jwks_path, const char *endpoint, const char *ca_file, char **source,
                     uint8_t **raw, size_t *raw_len, int *exit_code, struct maat_error *err)
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

/* ---- enclave quotes (libmaat: maat_quote_check) ---- */

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

/* maat_collateral_fn over --collateral FILE|DIR: loaded once the PCK chain verified. */
static int collateral_cb(void *ctx, const uint8_t fmspc[6], enum maat_pck_ca ca,
                         const struct maat_collateral_input **out, struct maat_error *err)
{
    struct tc_collateral *c = ctx;
    struct maat_error e = {0};
    cli_collateral_cleanup(&c->loaded);
    memset(&c->loaded, 0, sizeof c->loaded);
    if (cli_collateral_load(c->path, c->path != NULL ? NULL : c->url, fmspc, ca, &c->loaded, &e) !=
        0) {
        c->failed = true;
        c->exit_code = cli_collateral_exit(c->path != NULL ? NULL : c->url, &e);
        return maat_error_set(err, e.code, "--%s %s: %s", c->path != NULL ? "collateral" : "pccs",
                              c->path != NULL ? c->path : c->url, e.msg);
    }
    *out = &c->loaded.input;
    return 0;
}

void tc_collateral_init_url(struct tc_collateral *c, const char *path, const char *url)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->url = path != NULL ? NULL : url;
}

void tc_collateral_init(struct tc_collateral *c, const char *path)
{
    tc_collateral_init_url(c, path, NULL);
}

void tc_collateral_cleanup(struct tc_collateral *c)
{
    cli_collateral_cleanup(&c->loaded);
    memset(&c->loaded, 0, sizeof c->loaded);
}

void tc_collateral_opts(struct tc_collateral *c, maat_collateral_fn *fn, void **ctx)
{
    bool any = c->path != NULL || c->url != NULL;
    *fn = any ? collateral_cb : NULL;
    *ctx = any ? c : NULL;
}

void tc_quote_check_json(const struct maat_quote_check *res, const char *collateral,
                         const char *platform, json_t *vj)
{
    const struct maat_verdict *v = &res->verdict;
    json_object_set_new(vj, "signatures_and_chain", json_boolean(res->crypto_ok));
    json_object_set_new(vj, "trusted_root",
                        v->steps[MAAT_STEP_PCK_CHAIN] == MAAT_STEP_PASSED ? json_string(v->root_label)
                                                                          : json_null());
    json_object_set_new(vj, "fmspc", json_string(res->fmspc_hex));
    json_object_set_new(vj, "collateral_present", json_boolean(v->collateral_present));
    bool status_known = v->collateral_present && v->ok;
    json_object_set_new(vj, "status",
                        status_known && v->status < MAAT_TCB_STATUS__COUNT
                            ? json_string(maat_tcb_status_name(v->status))
                            : json_null());
    json_object_set_new(vj, "qvl_result", json_string(maat_qvl_result_name(v->qvl_result)));
    json_object_set_new(vj, "steps", tc_steps_json(v));
    cli_fix_attach_check(vj, res); /* `fix` below UpToDate (issue 14), or `fix_error` */
    if (!v->ok) json_object_set_new(vj, "reason", json_string(v->reason));
    if (res->chain_refused)
        json_object_set_new(vj, "note",
                            json_sprintf("the PCK chain did not verify: the collateral (%s) "
                                         "was not looked up",
                                         collateral));
    else if (!v->collateral_present)
        json_object_set_new(vj, "note",
                            json_sprintf("collateral for %s (FMSPC %s) is not present (give "
                                         "--collateral)",
                                         platform, res->fmspc_hex));
}

int tc_verify_quote(const struct maat_quote *q, const struct tc_quote_opts *qo, json_t *vj,
                    struct maat_quote_check *res, int *exit_code, struct maat_error *why)
{
    struct maat_error e = {0};
    memset(res, 0, sizeof *res);
    struct maat_trust *trust = tc_load_trust(qo->roots, qo->nroots, exit_code, why);
    if (trust == NULL) return -1;
    struct tc_collateral cc;
    tc_collateral_init_url(&cc, qo->collateral, qo->pccs);
    struct maat_quote_check_opts o = {.trust = trust,
                                      .at = qo->at,
                                      .foreign_tcb_is_absent = qo->foreign_tcb_is_absent};
    tc_collateral_opts(&cc, &o.collateral, &o.collateral_ctx);
    int rc = -1;
    if (maat_quote_check(q, &o, res, &e) != 0) {
        if (cc.failed) { /* --collateral unreadable, --pccs failed */
            maat_error_set(why, e.code, "%s", e.msg);
            *exit_code = cc.exit_code;
        } else {
            maat_error_set(why, e.code == MAAT_ERR_NOMEM ? MAAT_ERR_NOMEM : MAAT_ERR_INTERNAL,
                           "%s: %s", qo->what, e.msg);
        }
    } else {
        const struct maat_verdict *v = &res->verdict;
        if (res->ran)
            tc_quote_check_json(res, qo->collateral != NULL ? qo->collateral : qo->pccs,
                                qo->platform, vj);
        if (res->accepted)
            rc = 0;
        else if (res->crypto_ok && v->ok && v->status == MAAT_TCB_REVOKED)
            maat_error_set(why, MAAT_ERR_VALUE, "%s: %s TCB is Revoked", qo->what, qo->platform);
        else
            maat_error_set(why, MAAT_ERR_VALUE, "%s: %s", qo->what, res->reason);
    }
    tc_collateral_cleanup(&cc);
    maat_trust_free(trust);
    return rc;
}

size_t tc_not_checked(const struct maat_quote_check *res, json_t *list, char *text, size_t n)
{
    for (size_t i = 0; i < res->not_checked_count; i++)
        json_array_append_new(list, json_string(res->not_checked[i]));
    maat_quote_check_not_checked_text(res, text, n);
    return res->not_checked_count;
}

void tc_signer_json(const struct maat_token_result *r, json_t *o, const char *collateral)
{
    const struct maat_token_signer *s = r->signer;
    if (s == NULL || s->extension[0] == '\0') return;
    json_object_set_new(o, "extension", json_string(s->extension));
    json_object_set_new(o, "size", json_integer((json_int_t)s->size));
    if (s->version == 0) return; /* the quote did not parse */
    json_object_set_new(o, "oe_envelope", json_boolean(s->oe_envelope));
    json_object_set_new(o, "version", json_integer(s->version));
    if (r->checks[MAAT_TOKEN_CHECK_SIGNER_QUOTE] != MAAT_TOKEN_PASSED) return;
    json_object_set_new(o, "report_body", maat__quote_json_report_body(&s->report_body));
    json_object_set_new(o, "key_binding", json_boolean(s->key_binding));
    json_object_set_new(o, "kid_is_key_hash", json_boolean(s->kid_is_key_hash));
    if (s->check.ran) {
        json_t *vj = json_object();
        tc_quote_check_json(&s->check, collateral, "the signer's platform", vj);
        json_object_set_new(o, "verification", vj);
    }
    if (s->check.accepted) { /* fail closed: what the accepted verification could not check */
        json_t *list = json_array();
        char text[MAAT_ERROR_MSG_MAX];
        json_object_set_new(o, "not_checked", list);
        tc_not_checked(&s->check, list, text, sizeof text);
    }
}

/* ---- the token checks (libmaat: maat_token_validate) ---- */

int tc_check_token(const struct maat_token_expect *x, const char *token, json_t *res,
                   struct maat_token_result *r, struct maat_error *why)
{
    struct maat_error e = {0};
    if (maat_token_validate(token, strlen(token), x, r, &e) != 0)
        return maat_error_set(why, e.code, "%s", e.msg);
    /* the result's fields, as far as the checks that produce them passed */
    const enum maat_token_outcome *c = r->checks;
    if (c[MAAT_TOKEN_CHECK_ALG] == MAAT_TOKEN_PASSED)
        json_object_set_new(res, "alg", json_string(r->alg));
    if (c[MAAT_TOKEN_CHECK_KID] == MAAT_TOKEN_PASSED)
        json_object_set_new(res, "kid", json_string(r->kid));
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
    if (!r->valid)
        return maat_error_set(why, r->failed_code == MAAT_ERR_NOMEM ? MAAT_ERR_VALUE : r->failed_code,
                              "%s", r->reason);
    return 0;
}

bool tc_token_failed_before(const struct maat_token_result *r, enum maat_token_check c)
{
    return !r->valid && r->failed_check < c;
}
