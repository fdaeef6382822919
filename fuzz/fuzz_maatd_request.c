/* fuzz_maatd_request.c - libFuzzer harness for maatd's request handling without sockets:
 * maatd_handle() (src/maatd/handle.c) takes the method, raw URL, headers and body, runs
 * the head checks (encoded NUL, query parameter count, Host, Transfer-Encoding), the
 * reserve listener's limit, --max-body and routing to every handler, and gives back the
 * status, headers and body. One maatd is built in memory once: a SQLite store in a fresh
 * temporary directory, Intel's trust roots, the default policies (shared mode, writes need
 * the bearer token "fuzz" so that most inputs do not change the state later inputs see),
 * a signing key. No collateral source: quotes stop at collateral, after parsing.
 *
 * Input: byte 0 = method (bits 0-2), HTTP/1.0 (bit 3), reserve listener (bit 4), no Host
 * header added (bit 5); byte 1 = route (a known path, or none: the URL is the text's first
 * line alone); then text: line 1 = appended to the path (query, more path), then header
 * lines "Name: value" up to an empty line, then the body.
 * Every answer must be a status 200..599 with MAA's headers and, for JSON, valid UTF-8. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "handle.h"
#include "maat/policy_default.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct maatd d;

static void die(const char *what, const struct maat_error *err)
{
    fprintf(stderr, "fuzz_maatd_request: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static void setup(void)
{
    struct maat_error err = {0};
    static char dir[] = "/tmp/fuzz-maatd-XXXXXX";
    if (mkdtemp(dir) == NULL) die("mkdtemp", NULL);
    char store[256];
    snprintf(store, sizeof store, "%s/fuzz.db", dir);
    maatd_config_defaults(&d.cfg);
    d.cfg.max_body = 64 << 10; /* small, so that the fuzzer meets the 413 paths */
    maatd_log_init("text");
    maatd_metrics_init(&d.metrics);
    if (maat_store_open(store, &d.store, &err) != 0) die("store", &err);
    d.trust = maat_trust_new_intel(&err);
    if (d.trust == NULL) die("trust", &err);
    d.pck_cache = maat_pck_cache_new(64, &err);
    if (d.pck_cache == NULL) die("pck cache", &err);
    if (maat_policy_hash(maat_policy_default_sgx(), strlen(maat_policy_default_sgx()),
                         d.policy_hash, &err) != 0)
        die("policy hash", &err);
    static uint8_t token[] = "fuzz";
    d.admin_token = token;
    d.admin_token_len = 4;
    d.mode = MAATD_MODE_SHARED;
    if (maatd_policies_open(&d, &err) != 0) die("policies", &err);
    snprintf(d.listen_url, sizeof d.listen_url, "http://127.0.0.1:1");
    snprintf(d.cert_issuer, sizeof d.cert_issuer, "http://127.0.0.1:1");
    if (maatd_keys_open(&d, false, &d.keys, &err) != 0) die("keys", &err);
    atomic_store(&d.ready, true);
}

static const char *const methods[] = {"GET",    "POST",    "PUT",   "HEAD",
                                      "DELETE", "OPTIONS", "PATCH", "get"};
static const char *const paths[] = {
    "/attest/SgxEnclave",
    "/attest/OpenEnclave",
    "/attest/Tpm",
    "/certs",
    "/certs/",
    "/.well-known/openid-configuration",
    "/revoke",
    "/policies/SgxEnclave",
    "/policies/OpenEnclave",
    "/policies/SgxEnclave:reset",
    "/certificates",
    "/certificates:add",
    "/certificates:remove",
    "/metrics",
    "/healthz",
    "/ready",
    "",
};

/* Next line of t[*at..n) (without "\r\n" / "\n"), NUL-terminated in place. */
static char *next_line(char *t, size_t n, size_t *at, bool *had_line)
{
    char *s = t + *at;
    size_t i = *at;
    while (i < n && t[i] != '\n') i++;
    *had_line = i < n;
    size_t e = i;
    if (e > *at && t[e - 1] == '\r') e--;
    t[e] = '\0';
    *at = i < n ? i + 1 : n;
    return s;
}

static bool valid_utf8(const char *s, size_t n)
{
    char *out = malloc(4 * n + 1);
    if (out == NULL) return true;
    size_t k = maat_utf8_escape(s, n, out, 4 * n + 1);
    bool same = k == n && memcmp(out, s, n) == 0;
    free(out);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    if (size < 2 || size > (1u << 17)) return 0;
    uint8_t flags = data[0];
    const char *route = paths[data[1] % (sizeof paths / sizeof paths[0])];
    size_t n = size - 2;
    char *t = malloc(n + 1);
    if (t == NULL) return 0;
    memcpy(t, data + 2, n);
    t[n] = '\0';
    size_t at = 0;
    bool more;
    char *tail = next_line(t, n, &at, &more);
    char url[4096];
    snprintf(url, sizeof url, "%s%s", route, tail);
    struct maatd_header hs[40];
    size_t nh = 0;
    if (!(flags & 0x20)) hs[nh++] = (struct maatd_header){"Host", "fuzz.example:443"};
    while (more && at < n && nh < sizeof hs / sizeof hs[0]) {
        char *line = next_line(t, n, &at, &more);
        if (*line == '\0') break;
        char *colon = strchr(line, ':');
        if (colon == NULL) continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        hs[nh++] = (struct maatd_header){line, v};
    }
    struct maatd_http_request rq = {
        .method = methods[flags & 7],
        .url = url,
        .version = (flags & 8) ? "HTTP/1.0" : "HTTP/1.1",
        .headers = hs,
        .n_headers = nh,
        .body = (const uint8_t *)t + at,
        .body_len = n - at,
        .reserve = (flags & 0x10) != 0,
    };
    struct maatd_http_response rs;
    maatd_handle(&d, &rq, &rs);
    if (rs.status < 200 || rs.status > 599) __builtin_trap();
    if (rs.n_headers < 3 || strcmp(rs.headers[1].name, "x-ms-request-id") != 0) __builtin_trap();
    if (rs.len > 0 && rs.body == NULL) __builtin_trap();
    const char *ct = rs.headers[0].value;
    if (rs.body != NULL && strncmp(ct, "application/json", 16) == 0) {
        if (!valid_utf8(rs.body, rs.len)) __builtin_trap(); /* JSON is UTF-8 */
        json_error_t je;
        json_t *j = json_loadb(rs.body, rs.len, JSON_DECODE_ANY, &je);
        if (j == NULL) __builtin_trap(); /* every JSON answer parses */
        json_decref(j);
    }
    free(rs.body);
    free(t);
    return 0;
}
