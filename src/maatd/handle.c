/*
 * handle.c - a request to maatd as plain data: the raw URL is split and its path
 * percent-decoded as libmicrohttpd does, the head is checked (request.c), the body bounded
 * by --max-body and the request routed (routes.c). No sockets: the fuzz harness
 * fuzz/fuzz_maatd_request.c drives maatd through it; server.c shares the head checks, the
 * reserve limit and the response headers (maatd_response_headers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

size_t maatd_response_headers(const struct maatd_request *rq, const struct maatd_response *rs,
                              bool close_after, struct maatd_header out[MAATD_RESPONSE_HEADERS_MAX],
                              char *allow, size_t cap)
{
    size_t n = 0;
    out[n++] = (struct maatd_header){
        "Content-Type", rs->content_type ? rs->content_type : "application/json; charset=utf-8"};
    out[n++] = (struct maatd_header){"x-ms-request-id", rq->request_id};
    out[n++] = (struct maatd_header){"x-ms-maa-service-version", MAATD_VERSION};
    if (close_after) out[n++] = (struct maatd_header){"Connection", "close"};
    if (rs->status == 503) out[n++] = (struct maatd_header){"Retry-After", "1"};
    if (rs->allow != NULL && cap > 0) { /* "GET HEAD" -> "GET, HEAD" */
        size_t o = 0;
        for (const char *p = rs->allow; *p && o + 3 < cap; p++) {
            if (*p == ' ') {
                allow[o++] = ',';
                allow[o++] = ' ';
            } else {
                allow[o++] = *p;
            }
        }
        allow[o] = '\0';
        out[n++] = (struct maatd_header){"Allow", allow};
    }
    if (rs->ms_error_code[0] != '\0')
        out[n++] = (struct maatd_header){"x-ms-error-code", rs->ms_error_code};
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The path of a raw URL (before '?'), %XY decoded (a malformed % stays), malloc'd. */
static char *url_path(const char *url)
{
    size_t n = strcspn(url, "?");
    char *p = malloc(n + 1);
    if (p == NULL) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (url[i] == '%' && i + 2 < n && hexval(url[i + 1]) >= 0 && hexval(url[i + 2]) >= 0) {
            p[o++] = (char)(hexval(url[i + 1]) * 16 + hexval(url[i + 2]));
            i += 2;
        } else {
            p[o++] = url[i];
        }
    }
    p[o] = '\0';
    return p;
}

void maatd_handle(struct maatd *d, const struct maatd_http_request *in,
                  struct maatd_http_response *out)
{
    memset(out, 0, sizeof *out);
    struct maatd_request rq = {0};
    struct maatd_response rs = {0};
    clock_gettime(CLOCK_MONOTONIC, &rq.start);
    rq.method = in->method ? in->method : "";
    rq.route = MAATD_R_UNKNOWN;
    rq.headers = in->headers;
    rq.n_headers = in->n_headers;
    maatd_guid(rq.request_id);
    snprintf(rq.client, sizeof rq.client, "-");
    maat_buf_init(&rq.body);
    const char *url = in->url ? in->url : "";
    const char *q = maatd_uri_scan(&rq, url);
    rq.query = rq.n_params > MAATD_MAX_QUERY_PARAMS ? NULL : q;
    char *path = url_path(url);
    rq.path = path ? path : "";
    bool close_after = false;
    if (path == NULL) {
        maatd_error(&rq, &rs, 500, "InternalError", "out of memory");
    } else if (!maatd_request_precheck(&rq, in->version, in->reserve, &rs)) {
        close_after = true;
    } else if (atomic_load(&d->stopping)) {
        rq.route = MAATD_R_UNKNOWN;
        maatd_error(&rq, &rs, 503, "ServiceUnavailable", "maatd is shutting down.");
    } else {
        if (in->body_len > (size_t)d->cfg.max_body) {
            rq.too_large = true; /* routed for 404/405/400 first, else 413 */
            close_after = true;
        } else if (in->body_len > 0 && maat_buf_put(&rq.body, in->body, in->body_len) != 0) {
            maatd_error(&rq, &rs, 500, "InternalError", "out of memory");
        }
        if (rs.status == 0) maatd_route(d, &rq, &rs);
    }
    if (rs.body == NULL && rs.status == 0) rs.status = 500;
    out->status = rs.status;
    out->body = rs.body;
    out->len = rs.len;
    out->close = close_after;
    out->n_headers = maatd_response_headers(&rq, &rs, close_after, out->headers, out->allow,
                                            sizeof out->allow);
    memcpy(out->request_id, rq.request_id, sizeof out->request_id); /* rq is gone after */
    out->headers[1].value = out->request_id;
    memcpy(out->ms_error_code, rs.ms_error_code, sizeof out->ms_error_code);
    for (size_t i = 0; i < out->n_headers; i++)
        if (!strcmp(out->headers[i].name, "x-ms-error-code"))
            out->headers[i].value = out->ms_error_code;
    maat_buf_cleanup(&rq.body);
    free(path);
}
