/*
 * handle.h - one HTTP request to maatd as plain data in, one response out: no sockets,
 * no libmicrohttpd types (the socketless fuzz harness, fuzz/fuzz_maatd_request.c).
 */
#ifndef MAATD_HANDLE_H
#define MAATD_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maatd.h"

struct maatd_http_request {
    const char *method;
    const char *url;                    /* raw request target, query included, as received */
    const char *version;                /* "HTTP/1.1" or "HTTP/1.0" */
    const struct maatd_header *headers; /* as received, in order */
    size_t n_headers;
    const uint8_t *body;
    size_t body_len;
    bool reserve; /* came through the --health-listen listener */
};

#define MAATD_RESPONSE_HEADERS_MAX 7

struct maatd_http_response {
    unsigned status;
    struct maatd_header headers[MAATD_RESPONSE_HEADERS_MAX];
    size_t n_headers;
    char *body; /* malloc'd (may be NULL when len is 0) */
    size_t len;
    bool close;             /* the connection is closed after it */
    char allow[80];         /* storage of the Allow header's value */
    char request_id[40];    /* storage of x-ms-request-id */
    char ms_error_code[64]; /* storage of x-ms-error-code */
};

/* The response headers every answer carries (Content-Type, x-ms-request-id,
 * x-ms-maa-service-version; Connection: close, Retry-After on 503, Allow on 405,
 * x-ms-error-code on api-version 2025-06-01 errors) into out;
 * allow (cap bytes) holds the Allow value. Returns how many. server.c sends these. */
size_t maatd_response_headers(const struct maatd_request *rq, const struct maatd_response *rs,
                              bool close_after, struct maatd_header out[MAATD_RESPONSE_HEADERS_MAX],
                              char *allow, size_t cap);

/* Handles one complete request as the server does: head checks (request.c), the reserve
 * listener's route limit, --max-body, routing. out->body is the caller's (free()). */
void maatd_handle(struct maatd *d, const struct maatd_http_request *in,
                  struct maatd_http_response *out);

#endif
