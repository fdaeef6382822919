/* http_client.c - HTTP(S) PUT/POST/GET with a body and bearer token for `maat attest`,
 * `maat token verify`, `maat policy` and `maat cert` (libcurl), with one rule for TLS trust
 * (--ca-file, SSL_CERT_FILE, CURL_CA_BUNDLE, system store). The caller sees every status;
 * the Authorization header is built in memory that is wiped afterwards. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "http_client.h"
#include "http_get.h"

struct sink {
    uint8_t *p;
    size_t len, max;
    int too_large;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct sink *b = arg;
    size_t add = size * n;
    if (add > b->max - b->len) {
        b->too_large = 1;
        return 0;
    }
    uint8_t *grown = realloc(b->p, b->len + add + 1);
    if (grown == NULL) return 0;
    b->p = grown;
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

const char *cli_http_ca_file(const char *ca_file, const char **source)
{
    static const char *const env[] = {"SSL_CERT_FILE", "CURL_CA_BUNDLE"};
    const char *src = "the system store", *path = NULL;
    if (ca_file != NULL) {
        src = "--ca-file";
        path = ca_file;
    } else {
        for (size_t i = 0; i < sizeof env / sizeof env[0] && path == NULL; i++) {
            const char *v = getenv(env[i]);
            if (v != NULL && v[0] != '\0') {
                src = env[i];
                path = v;
            }
        }
    }
    if (source != NULL) *source = src;
    return path;
}

int cli_http_request(const char *method, const char *url, const char *content_type,
                     const void *body, size_t len, const char *bearer, const char *ca_file,
                     size_t max, struct cli_http_response *resp, struct maat_error *err)
{
    memset(resp, 0, sizeof *resp);
    const char *ca_source = NULL;
    const char *ca = cli_http_ca_file(ca_file, &ca_source);
    if (ca != NULL) { /* named trust that cannot be read is an error, not the system store */
        FILE *f = fopen(ca, "r");
        if (f == NULL)
            return maat_error_set(err, MAAT_ERR_IO, "%s %s: CA bundle %s %s: %s", method, url,
                                  ca_source, ca, strerror(errno));
        fclose(f);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return maat_error_set(err, MAAT_ERR_INTERNAL, "libcurl initialisation failed");
    CURL *h = curl_easy_init();
    if (h == NULL) {
        curl_global_cleanup();
        return maat_error_set(err, MAAT_ERR_NOMEM, "libcurl: out of memory");
    }
    struct curl_slist *hdrs = NULL;
    char *auth = NULL, ctype[200];
    if (bearer != NULL) {
        size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";
        auth = malloc(n);
        if (auth != NULL) snprintf(auth, n, "Authorization: Bearer %s", bearer);
        if (auth != NULL) hdrs = curl_slist_append(hdrs, auth);
    }
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    bool has_body = strcmp(method, "GET") != 0;
    if (has_body) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type ? content_type : "text/plain");
        hdrs = curl_slist_append(hdrs, ctype);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct sink b = {.max = max};
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (has_body) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
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
    if (ca != NULL) { /* the named bundle is the whole trust: no system CA directory */
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int ret = -1;
    if (b.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s %s: response larger than %zu bytes", method,
                       url, max);
    else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
        maat_error_set(err, MAAT_ERR_IO,
                       "%s %s: the server's TLS certificate is not trusted (CA bundle: %s%s%s): "
                       "%s; for a private CA give --ca-file PEM or set SSL_CERT_FILE / "
                       "CURL_CA_BUNDLE",
                       method, url, ca_source, ca ? " " : "", ca ? ca : "",
                       errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else if (rc != CURLE_OK)
        maat_error_set(err, MAAT_ERR_IO, "%s %s: %s", method, url,
                       errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else
        ret = 0;
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    if (auth != NULL) {
        OPENSSL_cleanse(auth, strlen(auth));
        free(auth);
    }
    curl_global_cleanup();
    if (ret == 0) {
        resp->status = status;
        resp->body = b.p ? b.p : (uint8_t *)calloc(1, 1);
        resp->len = b.len;
        if (resp->body == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    } else {
        free(b.p);
    }
    return ret;
}

void cli_http_response_cleanup(struct cli_http_response *r)
{
    if (r == NULL) return;
    free(r->body);
    memset(r, 0, sizeof *r);
}
