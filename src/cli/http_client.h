/* http_client.h - HTTP(S) requests with a body and a bearer token, over libcurl: the one
 * client path of `maat attest`, `maat token verify` (through http_get.h), `maat policy` and
 * `maat cert`. Any status is returned to the caller (MAA's error bodies matter); only
 * transport failures are errors.
 *
 * TLS trust, the same for all four commands (docs/cli.md): the CA bundle named by
 * --ca-file, else $SSL_CERT_FILE, else $CURL_CA_BUNDLE (empty = unset), else libcurl's
 * system store. A named bundle replaces the system store (it is the only trust), and one
 * that cannot be read is an error, never a silent fall back. */
#ifndef MAAT_CLI_HTTP_CLIENT_H
#define MAAT_CLI_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

struct cli_http_response {
    long status;
    uint8_t *body; /* NUL-terminated, malloc'd (may be empty) */
    size_t len;
};

/* The CA bundle for https (see above): ca_file when not NULL, else the environment; NULL =
 * the system store. *source (when not NULL) says where it came from ("--ca-file",
 * "SSL_CERT_FILE", "CURL_CA_BUNDLE" or "the system store"). */
const char *cli_http_ca_file(const char *ca_file, const char **source);

/* Sends `method` (GET, PUT, POST) to url (http or https only, no redirects, TLS peers
 * verified against cli_http_ca_file(ca_file), 10 s connect / 30 s total).
 * content_type and body apply to PUT/POST; bearer, when not NULL, is sent as
 * "Authorization: Bearer <bearer>" and never logged. A response body larger than max is an
 * error. Returns 0 when a response arrived (any status). */
int cli_http_request(const char *method, const char *url, const char *content_type,
                     const void *body, size_t len, const char *bearer, const char *ca_file,
                     size_t max, struct cli_http_response *resp, struct maat_error *err);

void cli_http_response_cleanup(struct cli_http_response *r);

#endif
