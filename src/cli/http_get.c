/* http_get.c - a bounded GET that wants a 200, on top of http_client.c's request. */
#include <stdlib.h>

#include "http_client.h"
#include "http_get.h"

int cli_http_get(const char *url, const char *ca_file, size_t max, uint8_t **out, size_t *len,
                 struct maat_error *err)
{
    struct cli_http_response r = {0};
    *out = NULL;
    *len = 0;
    if (cli_http_request("GET", url, NULL, NULL, 0, NULL, ca_file, max, &r, err) != 0) return -1;
    if (r.status != 200) {
        long status = r.status;
        cli_http_response_cleanup(&r);
        return maat_error_set(err, MAAT_ERR_IO, "GET %s: HTTP status %ld (expected 200)", url,
                              status);
    }
    *out = r.body;
    *len = r.len;
    r.body = NULL;
    cli_http_response_cleanup(&r);
    return 0;
}
