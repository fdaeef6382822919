/* http_get.h - a small bounded HTTP(S) GET for CLI commands (libcurl). */
#ifndef MAAT_CLI_HTTP_GET_H
#define MAAT_CLI_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

#define CLI_HTTP_CONNECT_TIMEOUT_MS 10000L
#define CLI_HTTP_TIMEOUT_MS 30000L

/* GETs url (http or https only, no redirects, TLS peers verified against
 * cli_http_ca_file(ca_file) (http_client.h), timeouts above) and
 * returns the body (NUL-terminated, malloc'd) when the status is 200. A body larger than
 * max bytes, another status or a transport failure is an error (MAAT_ERR_IO, or
 * MAAT_ERR_TOO_LARGE) naming the URL. */
int cli_http_get(const char *url, const char *ca_file, size_t max, uint8_t **out, size_t *len,
                 struct maat_error *err);

#endif
