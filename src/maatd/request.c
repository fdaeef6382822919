/*
 * request.c - a request's parts without libmicrohttpd: header and query lookups, the
 * issuer from Host, the raw URI scan and the checks of the request head that come before
 * routing (encoded NUL in the URI, query parameter count, Host, Transfer-Encoding).
 * server.c fills struct maatd_request from a libmicrohttpd connection; handle.c from a
 * plain request (the socketless fuzz harness). Both run these same checks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "maatd.h"

static bool host_ok(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 255) return false;
    for (const char *p = h; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

const char *maatd_request_header(const struct maatd_request *rq, const char *name)
{
    for (size_t i = 0; rq != NULL && i < rq->n_headers; i++)
        if (rq->headers[i].name != NULL && !strcasecmp(rq->headers[i].name, name))
            return rq->headers[i].value ? rq->headers[i].value : "";
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) ('+' = space, %XY = the byte; a malformed % stays) into out (cap > 0). */
static void query_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

const char *maatd_request_query(const struct maatd_request *rq, const char *name, char *buf,
                                size_t cap)
{
    if (rq == NULL || rq->query == NULL || cap == 0) return NULL;
    char key[64];
    for (const char *p = rq->query; *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        query_decode(p, klen, key, sizeof key);
        if (klen < sizeof key && strlen(key) == strlen(name) && !strcasecmp(key, name)) {
            if (eq == NULL) return NULL; /* a key without value (libmicrohttpd: NULL) */
            query_decode(eq + 1, len - klen - 1, buf, cap);
            return buf;
        }
        p += len;
        if (*p == '&') p++;
    }
    return NULL;
}

/* a, b and c joined into out[0, cap), truncated and NUL-terminated as snprintf does (once
 * per request: no printf). */
static void join3(char *out, size_t cap, const char *a, const char *b, const char *c)
{
    if (cap == 0) return;
    const char *part[3] = {a, b, c};
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        size_t n = strnlen(part[i], cap - 1 - o);
        memcpy(out + o, part[i], n);
        o += n;
    }
    out[o] = '\0';
}

void maatd_request_issuer(const struct maatd *d, const struct maatd_request *rq, char *out, size_t cap)
{
    if (d->cfg.issuer != NULL) {
        join3(out, cap, d->cfg.issuer, "", "");
        return;
    }
    const char *host = maatd_request_header(rq, "Host");
    if (host != NULL && host_ok(host))
        join3(out, cap, d->tls ? "https" : "http", "://", host);
    else
        join3(out, cap, d->listen_url, "", "");
}

const char *maatd_uri_scan(struct maatd_request *rq, const char *uri)
{
    const char *q = NULL;
    rq->nul_at = 0;
    rq->n_params = 0;
    for (const char *p = uri; *p; p++) {
        if (*p == '%' && p[1] == '0' && p[2] == '0' && rq->nul_at == 0)
            rq->nul_at = (size_t)(p - uri) + 1;
        if (*p == '?' && q == NULL) q = p;
        if (q != NULL && (*p == '&' || *p == ';')) rq->n_params++;
    }
    if (q != NULL && q[1] != '\0') rq->n_params++;
    return q ? q + 1 : NULL;
}

static unsigned header_count(const struct maatd_request *rq, const char *name, const char **first)
{
    unsigned n = 0;
    *first = NULL;
    for (size_t i = 0; i < rq->n_headers; i++)
        if (rq->headers[i].name != NULL && !strcasecmp(rq->headers[i].name, name) && n++ == 0)
            *first = rq->headers[i].value ? rq->headers[i].value : "";
    return n;
}

bool maatd_request_head_ok(struct maatd_request *rq, const char *version, struct maatd_response *rs)
{
    if (rq->nul_at != 0) {
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "The request URI contains an encoded NUL (%%00) at offset %zu; expected none.",
                    rq->nul_at - 1);
        return false;
    }
    if (rq->n_params > MAATD_MAX_QUERY_PARAMS) {
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "The request URI has %zu query parameters; expected at most %d.", rq->n_params,
                    MAATD_MAX_QUERY_PARAMS);
        return false;
    }
    const char *first;
    unsigned host = header_count(rq, "Host", &first);
    bool http11 = version != NULL && strcmp(version, "HTTP/1.0") != 0;
    if (host > 1 || (host == 0 && http11)) {
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "Header Host: %u present; expected exactly one (RFC 9112 section 3.2).", host);
        return false;
    }
    const char *te_first;
    unsigned te = header_count(rq, "Transfer-Encoding", &te_first);
    if (te == 0) return true;
    unsigned cl = header_count(rq, "Content-Length", &first);
    if (te > 1 || cl > 0) {
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "Header Transfer-Encoding: %s; expected a single Transfer-Encoding header "
                    "and no Content-Length with it.",
                    te > 1 ? "repeated" : "with Content-Length");
        return false;
    }
    /* the codings, comma-separated: only a single final `chunked` is understood */
    unsigned chunked = 0, other = 0;
    bool chunked_last = false;
    char coding[32];
    for (const char *p = te_first; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (*p == '\0') break;
        size_t n = 0;
        while (*p && *p != ',') {
            if (*p != ' ' && *p != '\t' && n + 1 < sizeof coding) coding[n++] = *p;
            p++;
        }
        coding[n] = '\0';
        chunked_last = !strcasecmp(coding, "chunked");
        if (chunked_last)
            chunked++;
        else
            other++;
    }
    if (!chunked_last || chunked != 1) { /* RFC 9112 6.3: the length cannot be determined */
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "Header Transfer-Encoding '%.64s': expected `chunked` as the last and only "
                    "once applied coding.",
                    te_first);
        return false;
    }
    if (other > 0) { /* RFC 9110 15.6.2: a transfer coding the server does not implement */
        maatd_error(rq, rs, 501, "NotImplemented",
                    "Header Transfer-Encoding '%.64s': only `chunked` is implemented.", te_first);
        return false;
    }
    return true;
}

bool maatd_request_precheck(struct maatd_request *rq, const char *version, bool reserve,
                            struct maatd_response *rs)
{
    if (!maatd_request_head_ok(rq, version, rs)) return false;
    if (reserve && !maatd_route_is_reserve(rq->path)) {
        maatd_error(rq, rs, 404, "NotFound",
                    "No route for %s %s on the reserve listener (it serves /healthz, /ready "
                    "and /metrics).",
                    rq->method, rq->path);
        return false;
    }
    return true;
}
