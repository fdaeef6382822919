/* http_client.h - HTTP(S) requests with a body and a bearer token for the management
 * commands (`maat policy`, `maat cert`), over libcurl. Any status is returned to the caller
 * (MAA's error bodies matter); only transport failures are errors. */
#ifndef MAAT_CLI_HTTP_CLIENT_H
#define MAAT_CLI_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

struct cli_http_response {
    long status;
    uint8_t *body;        /* NUL-terminated, malloc'd (may be empty) */
    size_t len;
};

/* Sends `method` (GET, PUT, POST) to url (http or https only, no redirects, TLS peers
 * verified against ca_file when not NULL else the system store, 10 s connect / 30 s total).
 * content_type and body apply to PUT/POST; bearer, when not NULL, is sent as
 * "Authorization: Bearer <bearer>" and never logged. A response body larger than max is an
 * error. Returns 0 when a response arrived (any status). */
int cli_http_request(const char *method, const char *url, const char *content_type,
                     const void *body, size_t len, const char *bearer, const char *ca_file,
                     size_t max, struct cli_http_response *resp, struct maat_error *err);

void cli_http_response_cleanup(struct cli_http_response *r);

#endif
