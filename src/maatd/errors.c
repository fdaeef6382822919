/*
 * errors.c - MAA's error form and JSON responses.
 *
 * MAA answers every failure as
 *   {"error":{"code":C,"message":M,"innererror":{"code":C,"message":M}}}
 * (recorded from the live service); clients key on `code`. A request with
 * ?api-version=2025-06-01 gets that version's ErrorResponse instead (maa-2025.md section 1):
 *   {"error":{"code":C,"message":M}} and the response header x-ms-error-code: C
 * (its innererror has no message, so maatd sends none). maatd's messages say which
 * check failed and why, in plain words, instead of MAA's native traces.
 *
 * The body never discloses server internals: URLs (scheme://...) and absolute file paths
 * in a message (they come from the collateral source, the store or the PCCS client) are
 * replaced by "<url>" / "<path>"; maatd's own route paths and the request's path stay.
 * The unredacted message goes to the request log (rq->reason), for the operator.
 * A message that quotes input may hold bytes that are not UTF-8: each such byte is shown
 * as \xNN (maat_utf8_escape) and the rest of the message is kept.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maatd.h"

void maatd_json_response(struct maatd_response *rs, unsigned status, const json_t *body)
{
    free(rs->body);
    rs->body = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rs->len = rs->body ? strlen(rs->body) : 0;
    rs->status = rs->body ? status : 500;
    rs->content_type = NULL;
}

static bool path_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '.' || c == '_' || c == '-' || c == '~' || c == '+' || c == '%' || c == ':' ||
           c == '@' || c == '=' || c == '?' || c == '&' || c == '#' || c == ',';
}

/* Route paths that may appear in messages as they are. */
static bool public_path(const char *p, size_t n, const char *request_path)
{
    static const char *const prefixes[] = {
        "/attest/", "/policies/", "/certs",   "/certificates", "/.well-known/",
        "/healthz", "/ready",     "/metrics", "/revoke",       "/tcbbaselines/"};
    if (request_path != NULL && strlen(request_path) == n && !strncmp(p, request_path, n))
        return true;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(p, prefixes[i], strlen(prefixes[i]))) return true;
    return false;
}

/* Copies msg into out with URLs and absolute file paths replaced (see the top). */
void maatd_redact(const char *msg, const char *request_path, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < cap;) {
        bool boundary = p == msg || !path_char(p[-1]) || p[-1] == ':' || p[-1] == '=';
        const char *scheme_end = NULL;
        if (boundary && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
            const char *q = p;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                   (*q >= '0' && *q <= '9') || *q == '+' || *q == '.' || *q == '-')
                q++;
            if (q[0] == ':' && q[1] == '/' && q[2] == '/') scheme_end = q + 3;
        }
        const char *tok_end = NULL, *repl = NULL;
        if (scheme_end != NULL) {
            tok_end = scheme_end;
            while (*tok_end && path_char(*tok_end)) tok_end++;
            repl = "<url>";
        } else if (boundary && *p == '/' && (p[1] != ' ' && p[1] != '\0')) {
            tok_end = p;
            while (*tok_end && path_char(*tok_end)) tok_end++;
            while (tok_end > p + 1 && (tok_end[-1] == '.' || tok_end[-1] == ',' || tok_end[-1] == ':'))
                tok_end--; /* sentence punctuation */
            size_t n = (size_t)(tok_end - p);
            if (public_path(p, n, request_path)) {
                size_t k = n < cap - 1 - o ? n : cap - 1 - o;
                memcpy(out + o, p, k);
                o += k;
                p = tok_end;
                continue;
            }
            repl = "<path>";
        }
        if (repl != NULL) {
            size_t k = strlen(repl) < cap - 1 - o ? strlen(repl) : cap - 1 - o;
            memcpy(out + o, repl, k);
            o += k;
            p = tok_end;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

void maatd_error(struct maatd_request *rq, struct maatd_response *rs, unsigned status,
                 const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rq != NULL) { /* cut to the log's room */
        size_t n = strnlen(msg, sizeof rq->reason - 1);
        memcpy(rq->reason, msg, n);
        rq->reason[n] = '\0';
    }
    char redacted[sizeof msg];
    maatd_redact(msg, rq ? rq->path : NULL, redacted, sizeof redacted);
    /* the message may quote input (a path, a policy): bytes that are not UTF-8 become
     * \xNN, the rest of the message stays (JSON carries only UTF-8) */
    char shown[4 * sizeof msg];
    maat_utf8_escape(redacted, strlen(redacted), shown, sizeof shown);
    json_t *err;
    if (rq != NULL && rq->api_2025) {
        err = json_pack("{s:s, s:s}", "code", code, "message", shown);
        snprintf(rs->ms_error_code, sizeof rs->ms_error_code, "%s", code);
    } else {
        json_t *inner = json_pack("{s:s, s:s}", "code", code, "message", shown);
        err = json_pack("{s:s, s:s, s:o}", "code", code, "message", shown, "innererror", inner);
    }
    json_t *root = json_pack("{s:o}", "error", err);
    maatd_json_response(rs, status, root);
    rs->status = status;
    json_decref(root);
    if (rq != NULL) rq->error_code = code;
}
