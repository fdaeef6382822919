/* http_get.c - a small bounded HTTP(S) GET for CLI commands (libcurl): `maat token verify
 * --endpoint` fetches the issuer's /certs with it. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http_get.h"

struct body {
    uint8_t *p;
    size_t len, max;
    int too_large;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t add = size * n;
    if (add > b->max - b->len) {
        b->too_large = 1;
        return 0; /* aborts the transfer */
    }
    uint8_t *grown = realloc(b->p, b->len + add + 1);
    if (grown == NULL) return 0;
    b->p = grown;
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

int cli_http_get(const char *url, size_t max, uint8_t **out, size_t *len, struct maat_error *err)
{
    *out = NULL;
    *len = 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return maat_error_set(err, MAAT_ERR_INTERNAL, "libcurl initialisation failed");
    CURL *h = curl_easy_init();
    if (h == NULL) {
        curl_global_cleanup();
        return maat_error_set(err, MAAT_ERR_NOMEM, "libcurl: out of memory");
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct body b = {.max = max};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CLI_HTTP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, CLI_HTTP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "maat/0.1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int ret = -1;
    if (b.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        maat_error_set(err, MAAT_ERR_TOO_LARGE, "GET %s: response larger than %zu bytes", url, max);
    else if (rc != CURLE_OK)
        maat_error_set(err, MAAT_ERR_IO, "GET %s: %s", url,
                       errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else if (status != 200)
        maat_error_set(err, MAAT_ERR_IO, "GET %s: HTTP status %ld (expected 200)", url, status);
    else if (b.p == NULL)
        maat_error_set(err, MAAT_ERR_IO, "GET %s: empty response body", url);
    else
        ret = 0;
    curl_easy_cleanup(h);
    curl_global_cleanup();
    if (ret == 0) {
        *out = b.p;
        *len = b.len;
    } else {
        free(b.p);
    }
    return ret;
}
