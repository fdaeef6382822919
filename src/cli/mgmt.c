/* mgmt.c - the client side of MAA's policy and certificate routes (maa.md 1, 5): bearer
 * token loading, the request, MAA's error form, and the response token with its signature
 * checked against the instance's /certs (by kid). Used by cmd_policy.c and cmd_cert.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "maat/jose.h"
#include "cli.h"
#include "json_out.h"
#include "textout.h"
#include "http_client.h"
#include "mgmt.h"

#define RESPONSE_MAX (4u << 20)
#define BEARER_MAX (64u * 1024u)

int mgmt_option(struct mgmt *m, int c, const char *arg)
{
    switch (c) {
    case MO_ENDPOINT: m->endpoint = arg; return 1;
    case MO_BEARER_FILE: m->bearer_file = arg; return 1;
    case MO_BEARER_ENV: m->bearer_env = arg; return 1;
    case MO_API: m->api_version = arg; return 1;
    case MO_CA: m->ca_file = arg; return 1;
    case MO_JSON: m->json = true; return 1;
    case MO_NO_VERIFY: m->no_verify = true; return 1;
    default: return 0;
    }
}

static void vrecord(struct mgmt *m, const char *step, const char *code, const char *fmt, va_list ap)
{
    if (m->failed) return;
    m->failed = true;
    snprintf(m->fail_step, sizeof m->fail_step, "%s", step ? step : "");
    snprintf(m->fail_code, sizeof m->fail_code, "%s", code);
    vsnprintf(m->fail_msg, sizeof m->fail_msg, fmt, ap);
}

void mgmt_record(struct mgmt *m, const char *step, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(m, step, code, fmt, ap);
    va_end(ap);
}

void mgmt_fail(struct mgmt *m, const char *step, const char *code, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: ", m->prog);
    cli_fputs_safe(msg, stderr);
    fputc('\n', stderr);
    mgmt_record(m, step, code, "%s", msg);
}

static const char *generic_code(int exit_code)
{
    switch (exit_code) {
    case MAAT_EXIT_FAIL: return "failed";
    case MAAT_EXIT_USAGE: return "usage";
    case MAAT_EXIT_INPUT: return "bad_input";
    default: return "internal";
    }
}

void mgmt_print_failure(const struct mgmt *m, int exit_code)
{
    if (!m->json) return;
    if (m->failed)
        cli_json_fail_print("ok", m->fail_step[0] ? m->fail_step : NULL, m->fail_code, m->fail_msg);
    else
        cli_json_fail_print("ok", NULL, generic_code(exit_code), "failed (see stderr)");
}

void mgmt_mark_failed(const struct mgmt *m, json_t *result, int exit_code)
{
    if (m->failed)
        cli_json_mark_failed(result, "ok", m->fail_step[0] ? m->fail_step : NULL, m->fail_code,
                             m->fail_msg);
    else
        cli_json_mark_failed(result, "ok", NULL, generic_code(exit_code), "failed (see stderr)");
}

void mgmt_print_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    printf("%s\n", s ? s : "null");
    free(s);
}

/* The bearer token, trimmed, without a leading "Bearer ". NULL with *ok true if none. */
static char *load_bearer(struct mgmt *m, bool *ok)
{
    *ok = true;
    char *t = NULL;
    if (m->bearer_file != NULL) {
        struct maat_error err = {0};
        uint8_t *buf = NULL;
        size_t len = 0;
        if (cli_read_file(m->bearer_file, BEARER_MAX, &buf, &len, &err) != 0) {
            mgmt_fail(m, NULL, "bad_bearer_token", "--bearer-token-file: %s", err.msg);
            *ok = false;
            return NULL;
        }
        t = (char *)buf;
    } else if (m->bearer_env != NULL) {
        const char *v = getenv(m->bearer_env);
        if (v == NULL || v[0] == '\0') {
            mgmt_fail(m, NULL, "bad_bearer_token", "--bearer-token-env %s: not set or empty",
                      m->bearer_env);
            *ok = false;
            return NULL;
        }
        t = strdup(v);
    } else {
        return NULL;
    }
    if (t == NULL) {
        *ok = false;
        return NULL;
    }
    size_t n = strlen(t), b = 0;
    while (n > 0 && strchr(" \t\r\n", t[n - 1])) t[--n] = '\0';
    while (t[b] && strchr(" \t\r\n", t[b])) b++;
    if (!strncmp(t + b, "Bearer ", 7)) b += 7;
    memmove(t, t + b, n - b + 1);
    for (const char *p = t; *p; p++) {
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            mgmt_fail(m, NULL, "bad_bearer_token",
                      "the bearer token holds a space or control character");
            OPENSSL_cleanse(t, n);
            free(t);
            *ok = false;
            return NULL;
        }
    }
    if (t[0] == '\0') {
        mgmt_fail(m, NULL, "bad_bearer_token", "the bearer token is empty");
        free(t);
        *ok = false;
        return NULL;
    }
    return t;
}

static char *base_url(const char *endpoint)
{
    char *c = strdup(endpoint);
    if (c == NULL) return NULL;
    size_t n = strlen(c);
    while (n > 0 && c[n - 1] == '/') c[--n] = '\0';
    return c;
}

/* MAA's error body {"error": {"code", "message"}} as "CODE: message". */
static void print_error(struct mgmt *m, const char *method, const char *url,
                        const struct cli_http_response *r)
{
    json_t *j = json_loadb((const char *)r->body, r->len, 0, NULL);
    const json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (code != NULL) {
        mgmt_record(m, "request", "service_error", "%s: %s (HTTP %ld from %s %s)", code,
                    msg ? msg : "(no message)", r->status, method, url);
        cli_fputs_safe(code, stderr);
        fputs(": ", stderr);
        cli_fputs_safe(msg ? msg : "(no message)", stderr);
        fputc('\n', stderr);
        const json_t *in = json_object_get(e, "innererror");
        const char *icode = json_string_value(json_object_get(in, "code"));
        const char *imsg = json_string_value(json_object_get(in, "message"));
        if (icode && (strcmp(icode, code) || (imsg && msg && strcmp(imsg, msg)))) {
            fputs("  inner ", stderr);
            cli_fputs_safe(icode, stderr);
            fputs(": ", stderr);
            cli_fputs_safe(imsg ? imsg : "", stderr);
            fputc('\n', stderr);
        }
        fprintf(stderr, "%s: HTTP %ld from %s %s\n", m->prog, r->status, method, url);
    } else {
        mgmt_fail(m, "request", "service_error",
                  "HTTP %ld from %s %s (not an MAA error body): %.300s", r->status, method, url,
                  r->len ? (const char *)r->body : "(empty body)");
    }
    json_decref(j);
}

/* Checks the response token against GET base/certs (the key chosen by kid). */
static int verify_response(struct mgmt *m, const char *base, const struct cli_jws *tok)
{
    if (m->no_verify) {
        snprintf(m->verify_note, sizeof m->verify_note,
                 "response token NOT checked (--no-verify-token)");
        return 0;
    }
    if (tok->j.alg == MAAT_JWS_NONE) {
        mgmt_fail(m, "response_token", "response_token_unverified",
                  "the response token is unsigned (alg none); --no-verify-token to accept");
        return -1;
    }
    const char *kid = json_string_value(json_object_get(tok->j.header, "kid"));
    size_t n = strlen(base) + sizeof "/certs";
    char *url = malloc(n);
    if (url == NULL) return -1;
    snprintf(url, n, "%s/certs", base);
    struct maat_error err = {0};
    struct cli_http_response r = {0};
    json_t *jwks = NULL;
    EVP_PKEY *k = NULL;
    int rc = -1;
    if (kid == NULL) {
        maat_error_set(&err, MAAT_ERR_NOT_FOUND, "the response token has no kid");
    } else if (cli_http_request("GET", url, NULL, NULL, 0, NULL, m->ca_file, RESPONSE_MAX, &r,
                                &err) != 0) {
        /* err says why */
    } else if (r.status != 200) {
        maat_error_set(&err, MAAT_ERR_IO, "GET %s: HTTP %ld", url, r.status);
    } else {
        jwks = json_loadb((const char *)r.body, r.len, 0, NULL);
        const json_t *jwk = maat__jwks_find(jwks, kid);
        if (jwk == NULL)
            maat_error_set(&err, MAAT_ERR_NOT_FOUND, "kid %.60s is not in %s", kid, url);
        else if ((k = maat__jwk_to_pkey(jwk, &err)) != NULL && maat__jws_verify(&tok->j, k, &err) == 0)
            rc = 0;
    }
    if (rc == 0)
        snprintf(m->verify_note, sizeof m->verify_note,
                 "response token: signature valid (%s, kid %.60s from %.300s)", tok->j.alg_text,
                 kid, url);
    else
        mgmt_fail(m, "response_token", "response_token_unverified",
                  "response token not verified: %s (--no-verify-token to skip)", err.msg);
    EVP_PKEY_free(k);
    json_decref(jwks);
    cli_http_response_cleanup(&r);
    free(url);
    return rc;
}

int mgmt_call(struct mgmt *m, const char *method, const char *path, const char *content_type,
              const char *body, size_t len, struct cli_jws *tok, int *exit_code)
{
    memset(tok, 0, sizeof *tok);
    *exit_code = MAAT_EXIT_INTERNAL;
    bool ok;
    char *bearer = load_bearer(m, &ok);
    if (!ok) {
        *exit_code = MAAT_EXIT_INPUT;
        return -1;
    }
    char *base = base_url(m->endpoint);
    const char *v = m->api_version ? m->api_version : MGMT_DEFAULT_API_VERSION;
    size_t n = (base ? strlen(base) : 0) + strlen(path) + strlen(v) + 16;
    char *url = base ? malloc(n) : NULL;
    struct cli_http_response r = {0};
    struct maat_error err = {0};
    char *token = NULL;
    int rc = -1;
    if (url == NULL) {
        mgmt_fail(m, NULL, "out_of_memory", "out of memory");
        goto out;
    }
    snprintf(url, n, "%s%s?api-version=%s", base, path, v);
    if (cli_http_request(method, url, content_type, body, len, bearer, m->ca_file, RESPONSE_MAX, &r,
                         &err) != 0) {
        mgmt_fail(m, "request", "request_failed", "%s", err.msg);
        goto out;
    }
    if (r.status != 200) {
        print_error(m, method, url, &r);
        *exit_code = MAAT_EXIT_FAIL;
        goto out;
    }
    *exit_code = MAAT_EXIT_INPUT;
    token = cli_token_from_text((const char *)r.body, r.len, "response", &err);
    if (token == NULL || cli_jws_parse(token, strlen(token), tok, &err) != 0) {
        mgmt_fail(m, "response", "bad_response", "%s %s: unexpected response: %s", method, url,
                  err.msg);
        goto out;
    }
    if (!tok->payload_is_json) {
        mgmt_fail(m, "response", "bad_response", "%s %s: the response token has no JSON payload",
                  method, url);
        goto out;
    }
    if (verify_response(m, base, tok) != 0) {
        *exit_code = MAAT_EXIT_FAIL;
        goto out;
    }
    rc = 0;
    *exit_code = MAAT_EXIT_OK;
out:
    if (rc != 0) cli_jws_cleanup(tok);
    if (bearer) {
        OPENSSL_cleanse(bearer, strlen(bearer));
        free(bearer);
    }
    cli_http_response_cleanup(&r);
    free(token);
    free(url);
    free(base);
    return rc;
}
