/*
 * pccs.c - collateral from Intel PCS or a PCCS (Provisioning Certificate Caching
 * Service) over HTTP(S), API v4 (default) or v3, with libcurl.
 *
 *   GET {base}/sgx/certification/vN/tcb?fmspc=HEX     header TCB-Info-Issuer-Chain
 *                                                     (v3: SGX-TCB-Info-Issuer-Chain)
 *   GET {base}/sgx/certification/vN/qe/identity       SGX-Enclave-Identity-Issuer-Chain
 *   GET {base}/sgx/certification/vN/pckcrl?ca=processor|platform&encoding=der
 *                                                     SGX-PCK-CRL-Issuer-Chain
 *   GET {base}/sgx/certification/vN/rootcacrl         (PCCS only; the body is hex of the
 *       DER. Intel PCS has no such route: its Root CA CRL is published at
 *       certificates.trustedservices.intel.com.)
 * TDX collateral (v4 only): GET {base}/tdx/certification/v4/tcb?fmspc=HEX (TDX TCB info
 * v3) and {base}/tdx/certification/v4/qe/identity (TD_QE), same headers; the CRLs as above.
 * Issuer chains arrive URL-encoded (RFC 3986 percent-encoding) in the headers. Either
 * TCB header name is accepted with either API version (servers differ).
 * TDX (opts.tdx): tcb and qe/identity under {base}/tdx/certification/v4 (TD_QE identity),
 * CRLs as for SGX. Azure THIM (opts.scheme): clientid= and api-version= on every request,
 * a pin as customParameter=B64("tcbEvaluationDataNumber=N"), SGX CRLs by
 * pckcrl?uri=<Intel's CRL URL>, TDX CRLs at {base}/tdx/.../pckcrl?ca= and /rootcacrl.
 * Answers are checked to be for the TEE asked for and, when pinned, to carry the pinned
 * number. /tcbevaluationdatanumbers: maat_collateral_fetch_eval_nums (verified by
 * eval_nums.c).
 *
 * Every request has a connect timeout, a read timeout (no byte for that long) and a total
 * timeout, a response size limit, and
 * up to max_attempts attempts with exponential backoff for failures that may pass
 * (connection errors, timeouts, HTTP 5xx and 429). Other statuses and malformed bodies
 * fail at once. Errors name the URL and what was wrong. No redirects are followed;
 * only http and https are allowed. A 429 waits what its Retry-After header says (whole
 * seconds, capped by retry_after_max_s) instead of the backoff. With update= or
 * tcbEvaluationDataNumber= set (tcb and qe/identity), 404 and 410 say what they mean:
 * a number newer than the server knows, or one older than it still serves.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "source_internal.h"

#define INTEL_PCS_HOST "api.trustedservices.intel.com"
#define INTEL_ROOT_CRL_URL "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"
#define INTEL_PCK_CRL_URL \
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=%s&encoding=der"
#define THIM_API_COLLATERAL "2018-10-01-preview"
#define THIM_API_CRL "2020-02-12-preview"
#define HEADER_MAX (64u * 1024u)

struct pccs_source {
    struct maat_collateral_source base;
    struct maat_pccs_opts o; /* strings below are owned copies */
    char *prefix;            /* {base}/sgx/certification/vN: CRLs */
    char *tee_prefix;        /* {base}/{sgx|tdx}/certification/vN: tcb, qe/identity */
    char *tdx_prefix;        /* {base}/tdx/certification/v4 (a TD quote's TCB info, TD_QE) */
    char *root_crl_url;      /* resolved; NULL = {prefix}/rootcacrl */
    pthread_mutex_t mu;      /* guards stats */
    struct maat_pccs_stats stats;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void maat_pccs_opts_defaults(struct maat_pccs_opts *o)
{
    memset(o, 0, sizeof *o);
    o->api_version = 4;
    o->connect_timeout_ms = 3000;
    o->timeout_ms = 10000;
    o->read_timeout_ms = 3000;
    o->max_attempts = 3;
    o->backoff_ms = 250;
    o->backoff_max_ms = 4000;
    o->max_response = MAAT_COLLATERAL_MAX_INPUT;
    o->retry_after_max_s = 60;
}

/* ---- one HTTP exchange ---- */

struct exchange {
    struct maat_buf *body;
    size_t limit;
    bool too_large;
    const char *const *want; /* header names wanted (case-insensitive) */
    size_t nwant;
    char *got[2]; /* raw (still URL-encoded) values, first occurrence */
    bool header_too_large;
    long retry_after; /* seconds from a Retry-After header, -1 = none */
    long pin;         /* the TCB evaluation data number asked for (0 = none): 404/410 name it */
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct exchange *x = ctx;
    size_t len = size * n;
    if (x->body->len + len > x->limit) {
        x->too_large = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return maat_buf_put(x->body, p, len) == 0 ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct exchange *x = ctx;
    size_t len = size * n;
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) { /* a new response (e.g. after 100) */
        for (size_t i = 0; i < 2; i++) {
            free(x->got[i]);
            x->got[i] = NULL;
        }
        x->retry_after = -1;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (colon == NULL) return len;
    size_t nlen = (size_t)(colon - p);
    if (nlen == 11 && !strncasecmp(p, "Retry-After", 11)) { /* delta-seconds only */
        long v = 0;
        const char *q = colon + 1, *end = p + len;
        while (q < end && (*q == ' ' || *q == '\t')) q++;
        bool digits = false;
        while (q < end && *q >= '0' && *q <= '9' && v < 1000000) {
            v = v * 10 + (*q++ - '0');
            digits = true;
        }
        x->retry_after = digits ? v : -1; /* an HTTP-date falls back to the backoff */
        return len;
    }
    for (size_t i = 0; i < x->nwant && i < 2; i++) {
        if (x->got[i] != NULL || strlen(x->want[i]) != nlen || strncasecmp(p, x->want[i], nlen) != 0)
            continue;
        const char *v = colon + 1, *end = p + len;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
        if ((size_t)(end - v) > HEADER_MAX) {
            x->header_too_large = true;
            return len;
        }
        x->got[i] = strndup(v, (size_t)(end - v));
        if (x->got[i] == NULL) return 0;
    }
    return len;
}

static void count(struct pccs_source *s, unsigned long *field)
{
    pthread_mutex_lock(&s->mu);
    (*field)++;
    pthread_mutex_unlock(&s->mu);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

enum outcome { OK, RETRY, FAIL };

/* One attempt. Fills err on RETRY/FAIL. */
static enum outcome attempt(struct pccs_source *s, CURL *h, const char *url, struct exchange *x,
                            struct maat_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    char keyhdr[300];
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->o.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->o.timeout_ms);
    if (s->o.read_timeout_ms > 0) { /* a server that accepts and then goes quiet */
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (s->o.read_timeout_ms + 999) / 1000);
    }
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->o.max_response);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "maat/0.1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    if (s->o.ca_file != NULL) curl_easy_setopt(h, CURLOPT_CAINFO, s->o.ca_file);
    if (s->o.insecure_tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (s->o.api_key != NULL) {
        snprintf(keyhdr, sizeof keyhdr, "Ocp-Apim-Subscription-Key: %.200s", s->o.api_key);
        hdrs = curl_slist_append(hdrs, keyhdr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    }
    x->retry_after = -1;
    count(s, &s->stats.requests);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        maat_error_set(err, MAAT_ERR_TOO_LARGE, "GET %s: response body exceeds %zu bytes", url,
                       s->o.max_response);
        return FAIL;
    }
    if (rc != CURLE_OK) {
        maat_error_set(err, MAAT_ERR_IO, "GET %s: %s%s%s", url, curl_easy_strerror(rc),
                       errbuf[0] ? ": " : "", errbuf);
        return RETRY;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) return OK;
    bool pinned = x->pin > 0 && (strstr(url, "tcbEvaluationDataNumber=") != NULL ||
                                 strstr(url, "customParameter=") != NULL);
    char why[300] = "";
    if (status == 404 && pinned)
        snprintf(why, sizeof why,
                 ": TCB evaluation data number %ld is newer than any the "
                 "server publishes (404 Not Found); list them at "
                 "{base}/tcbevaluationdatanumbers",
                 x->pin);
    else if (status == 410 && pinned)
        snprintf(why, sizeof why,
                 ": TCB evaluation data number %ld is older than the oldest "
                 "the server still serves (410 Gone); use a newer one or --update standard",
                 x->pin);
    else if (status == 404)
        snprintf(why, sizeof why, ": the server has no such collateral");
    else if (status == 410)
        snprintf(why, sizeof why, ": the server no longer serves this collateral (410 Gone)");
    else if (status == 429)
        snprintf(why, sizeof why, ": rate limited (429 Too Many Requests)");
    maat_error_set(err, status == 404 || status == 410 ? MAAT_ERR_NOT_FOUND : MAAT_ERR_IO,
                   "GET %s: HTTP status %ld (expected 200)%s", url, status, why);
    return (status >= 500 || status == 429) ? RETRY : FAIL;
}

/* GET with retries. Wanted header values are URL-decoded into hdr_out[i]. */
static int http_get(struct pccs_source *s, const char *url, long pin, const char *const *want,
                    size_t nwant, struct maat_buf *body, char **hdr_out, struct maat_error *err)
{
    pthread_once(&curl_once, curl_init);
    MAAT_ENSURE(curl_init_rc == CURLE_OK, err, MAAT_ERR_INTERNAL, "libcurl did not initialise");
    CURL *h = curl_easy_init();
    MAAT_ENSURE(h != NULL, err, MAAT_ERR_NOMEM, "GET %s: cannot create a curl handle", url);
    struct exchange x = {.body = body,
                         .limit = s->o.max_response,
                         .want = want,
                         .nwant = nwant,
                         .retry_after = -1,
                         .pin = pin};
    int rc = -1;
    long wait = s->o.backoff_ms;
    for (unsigned i = 1;; i++) {
        struct maat_error e = {0};
        body->len = 0;
        enum outcome out = attempt(s, h, url, &x, &e);
        if (out == OK) break;
        if (out == FAIL || i >= s->o.max_attempts) {
            if (out == RETRY && i > 1)
                maat_error_set(err, e.code, "%s (gave up after %u attempts)", e.msg, i);
            else
                maat_error_set(err, e.code, "%s", e.msg);
            goto done;
        }
        count(s, &s->stats.retries);
        if (x.retry_after >= 0) { /* the server said how long: honour it, within reason */
            long cap = s->o.retry_after_max_s;
            sleep_ms((x.retry_after > cap ? cap : x.retry_after) * 1000L);
        } else {
            sleep_ms(wait);
        }
        wait = wait * 2 > s->o.backoff_max_ms ? s->o.backoff_max_ms : wait * 2;
    }
    for (size_t i = 0; i < nwant && i < 2; i++) {
        if (x.header_too_large) {
            maat_error_set(err, MAAT_ERR_TOO_LARGE, "GET %s: header %s exceeds %u bytes", url,
                           want[i], HEADER_MAX);
            goto done;
        }
        if (x.got[i] == NULL) continue;
        int n = 0;
        char *dec = curl_easy_unescape(h, x.got[i], 0, &n);
        if (dec == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "GET %s: out of memory decoding %s", url, want[i]);
            goto done;
        }
        hdr_out[i] = strndup(dec, (size_t)n);
        curl_free(dec);
        if (hdr_out[i] == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    free(x.got[0]);
    free(x.got[1]);
    curl_easy_cleanup(h);
    return rc;
}

/* GET url and put the issuer chain from header `name` (or `alt`) into chain. */
static int get_with_chain(struct pccs_source *s, const char *url, long pin, const char *name,
                          const char *alt, struct maat_buf *body, struct maat_buf *chain,
                          struct maat_error *err)
{
    const char *want[2] = {name, alt != NULL ? alt : name};
    char *got[2] = {NULL, NULL};
    int rc = -1;
    if (http_get(s, url, pin, want, 2, body, got, err) != 0) goto done;
    const char *v = got[0] != NULL ? got[0] : got[1];
    if (v == NULL) {
        maat_error_set(err, MAAT_ERR_NOT_FOUND, "GET %s: response lacks the %s header%s%s%s", url,
                       name, alt != NULL ? " (or " : "", alt != NULL ? alt : "",
                       alt != NULL ? ")" : "");
        goto done;
    }
    if (strstr(v, "-----BEGIN CERTIFICATE-----") == NULL) {
        maat_error_set(err, MAAT_ERR_ENCODING,
                       "GET %s: header %s does not hold a URL-encoded PEM certificate chain", url,
                       got[0] != NULL ? name : alt);
        goto done;
    }
    if (maat_buf_put_str(chain, v) != 0) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = 0;
done:
    free(got[0]);
    free(got[1]);
    return rc;
}

/* tdx: TCB info and QE identity from {base}/tdx/certification/v4 (TDX TCB info v3, the
 * TD_QE identity); the PCK CRL and Root CA CRL are the SGX routes' (PCS has no TDX ones). */
static int pccs_fetch_tee(struct maat_collateral_source *src, const uint8_t fmspc[6],
                          enum maat_pck_ca ca, bool tdx, long pin, struct maat_collateral_raw *out,
                          struct maat_error *err)
{
    struct pccs_source *s = (struct pccs_source *)(void *)src;
    bool want_tdx = tdx || s->o.tdx; /* asked by the caller, or a TDX-only source */
    const char *id_prefix = want_tdx ? s->tdx_prefix : s->prefix;
    char hex[13], url[1024], what[1100];
    src_fmspc_hex(fmspc, hex);
    const char *tcb_hdr = s->o.api_version == 3 ? "SGX-TCB-Info-Issuer-Chain"
                                                : "TCB-Info-Issuer-Chain";
    const char *tcb_alt = s->o.api_version == 3 ? "TCB-Info-Issuer-Chain"
                                                : "SGX-TCB-Info-Issuer-Chain";

    const char *part = "TCB info"; /* which item failed, for the error */
    char q[512] = "";              /* the baseline asked for (and THIM's client parameters) */
    bool thim = s->o.scheme == MAAT_PCCS_SCHEME_THIM;
    /* the number asked for: the caller's pin (the cache's pinned entries), else the
     * source's own (--tcb-eval-num); a pin replaces update= */
    const long num = pin > 0 ? pin : s->o.tcb_eval_num;
    if (thim) {
        char cp[384] = "";
        if (num > 0 || s->o.thim_region != NULL) {
            /* customParameter=B64("tcbEvaluationDataNumber=N;region=R"), either part alone
             * (maa-2025.md section 7) */
            char plain[112] = "", nbuf[48] = "";
            if (num > 0) snprintf(nbuf, sizeof nbuf, "tcbEvaluationDataNumber=%ld", num);
            if (s->o.thim_region != NULL)
                snprintf(plain, sizeof plain, "%s%sregion=%.40s", nbuf, nbuf[0] ? ";" : "",
                         s->o.thim_region);
            else
                snprintf(plain, sizeof plain, "%s", nbuf);
            char *b64 = maat_base64_encode((const uint8_t *)plain, strlen(plain));
            if (b64 == NULL) {
                maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
                goto fail;
            }
            size_t j = 0;
            for (const char *c = b64; *c && j + 4 < sizeof cp; c++) {
                if (*c == '=' || *c == '+' || *c == '/') { /* percent-encode */
                    snprintf(cp + j, sizeof cp - j, "%%%02X", (unsigned char)*c);
                    j += 3;
                } else {
                    cp[j++] = *c;
                }
            }
            cp[j] = '\0';
            free(b64);
        }
        snprintf(q, sizeof q, "%s%s%sclientid=%s&api-version=" THIM_API_COLLATERAL,
                 cp[0] ? "customParameter=" : "", cp, cp[0] ? "&" : "", s->o.client_id);
    } else if (num > 0) {
        snprintf(q, sizeof q, "tcbEvaluationDataNumber=%ld", num);
    } else if (s->o.update != NULL) {
        snprintf(q, sizeof q, "update=%s", s->o.update);
    }
    snprintf(url, sizeof url, "%s/tcb?fmspc=%s%s%s", id_prefix, hex, q[0] ? "&" : "", q);
    snprintf(what, sizeof what, "GET %s", url);
    if (get_with_chain(s, url, num, tcb_hdr, tcb_alt, &out->tcb_info_json,
                       &out->tcb_info_issuer_chain, err) != 0 ||
        src_check_signed_json(out->tcb_info_json.data, out->tcb_info_json.len, "tcbInfo", what,
                              err) != 0 ||
        src_check_tcb_fmspc(out->tcb_info_json.data, out->tcb_info_json.len, 1, fmspc, what, err) !=
            0 ||
        src_check_signed_kind(out->tcb_info_json.data, out->tcb_info_json.len, "tcbInfo",
                              want_tdx ? "TDX" : "SGX", num, what, err) != 0)
        goto fail;

    part = "QE identity";
    snprintf(url, sizeof url, "%s/qe/identity%s%s", id_prefix, q[0] ? "?" : "", q);
    snprintf(what, sizeof what, "GET %s", url);
    if (get_with_chain(s, url, num, "SGX-Enclave-Identity-Issuer-Chain",
                       "SGX-QE-Identity-Issuer-Chain", &out->qe_identity_json,
                       &out->qe_identity_issuer_chain, err) != 0 ||
        src_check_signed_json(out->qe_identity_json.data, out->qe_identity_json.len,
                              "enclaveIdentity", what, err) != 0 ||
        src_check_signed_kind(out->qe_identity_json.data, out->qe_identity_json.len,
                              "enclaveIdentity", want_tdx ? "TD_QE" : "QE", num, what, err) != 0)
        goto fail;

    part = "PCK CRL";
    if (thim && want_tdx) { /* THIM's TDX base: pckcrl?ca= */
        snprintf(url, sizeof url, "%s/pckcrl?ca=%s&clientid=%s", id_prefix, maat_pck_ca_name(ca),
                 s->o.client_id);
    } else if (thim) { /* THIM SGX: the CRL at Intel's distribution point, by uri= */
        char intel_url[160];
        snprintf(intel_url, sizeof intel_url, INTEL_PCK_CRL_URL, maat_pck_ca_name(ca));
        char *enc = curl_easy_escape(NULL, intel_url, 0);
        if (enc == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            goto fail;
        }
        snprintf(url, sizeof url, "%s/pckcrl?uri=%s&clientid=%s&api-version=" THIM_API_CRL,
                 s->prefix, enc, s->o.client_id);
        curl_free(enc);
    } else {
        snprintf(url, sizeof url, "%s/pckcrl?ca=%s&encoding=der", s->prefix, maat_pck_ca_name(ca));
    }
    snprintf(what, sizeof what, "GET %s", url);
    enum maat_pck_ca got;
    if (get_with_chain(s, url, 0, "SGX-PCK-CRL-Issuer-Chain", NULL, &out->pck_crl,
                       &out->pck_crl_issuer_chain, err) != 0 ||
        src_crl_normalise(&out->pck_crl, what, err) != 0 ||
        src_crl_issuer_ca(out->pck_crl.data, out->pck_crl.len, what, &got, err) != 0)
        goto fail;
    if (got != ca) {
        maat_error_set(err, MAAT_ERR_VALUE, "%s: the CRL is issued by the %s CA, not the %s CA",
                       what, maat_pck_ca_name(got), maat_pck_ca_name(ca));
        goto fail;
    }

    part = "Root CA CRL";
    if (thim && want_tdx) {
        snprintf(url, sizeof url, "%s/rootcacrl?clientid=%s", id_prefix, s->o.client_id);
    } else if (thim) {
        char *enc = curl_easy_escape(NULL, INTEL_ROOT_CRL_URL, 0);
        if (enc == NULL) {
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            goto fail;
        }
        snprintf(url, sizeof url, "%s/pckcrl?uri=%s&clientid=%s&api-version=" THIM_API_CRL,
                 s->prefix, enc, s->o.client_id);
        curl_free(enc);
    } else if (s->root_crl_url != NULL) {
        snprintf(url, sizeof url, "%s", s->root_crl_url);
    } else {
        snprintf(url, sizeof url, "%s/rootcacrl", s->prefix);
    }
    snprintf(what, sizeof what, "GET %s", url);
    if (http_get(s, url, 0, NULL, 0, &out->root_ca_crl, NULL, err) != 0 ||
        src_crl_normalise(&out->root_ca_crl, what, err) != 0 ||
        src_crl_issuer_ca(out->root_ca_crl.data, out->root_ca_crl.len, what, &got, err) != 0)
        goto fail;

    snprintf(out->origin, sizeof out->origin, "%.250s", id_prefix);
    return 0;
fail:
    count(s, &s->stats.failures);
    maat_error_prefix(err, "%s", part);
    maat_error_prefix(err, "collateral for FMSPC %s (PCK %s CA) from %s", hex, maat_pck_ca_name(ca),
                      s->base.desc);
    return -1;
}

static int pccs_fetch(struct maat_collateral_source *src, const uint8_t fmspc[6], enum maat_pck_ca ca,
                      time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    (void)at;
    return pccs_fetch_tee(src, fmspc, ca, false, 0, out, err);
}

static int pccs_fetch_tdx(struct maat_collateral_source *src, const uint8_t fmspc[6],
                          enum maat_pck_ca ca, time_t at, struct maat_collateral_raw *out,
                          struct maat_error *err)
{
    (void)at;
    struct pccs_source *s = (struct pccs_source *)(void *)src;
    MAAT_ENSURE(s->o.api_version == 4, err, MAAT_ERR_UNSUPPORTED,
                "%s: TDX collateral needs PCS API v4 (/tdx/certification/v4)", s->base.desc);
    return pccs_fetch_tee(src, fmspc, ca, true, 0, out, err);
}

static int pccs_fetch_pinned(struct maat_collateral_source *src, enum maat_collateral_tee tee,
                             const uint8_t fmspc[6], enum maat_pck_ca ca, uint32_t eval_num,
                             time_t at, struct maat_collateral_raw *out, struct maat_error *err)
{
    (void)at;
    struct pccs_source *s = (struct pccs_source *)(void *)src;
    MAAT_ENSURE(tee != MAAT_COLLATERAL_TDX || s->o.api_version == 4, err, MAAT_ERR_UNSUPPORTED,
                "%s: TDX collateral needs PCS API v4 (/tdx/certification/v4)", s->base.desc);
    MAAT_ENSURE(eval_num > 0 && eval_num <= 0x7fffffffu, err, MAAT_ERR_USAGE,
                "%s: TCB evaluation data number %u out of range", s->base.desc, eval_num);
    return pccs_fetch_tee(src, fmspc, ca, tee == MAAT_COLLATERAL_TDX, (long)eval_num, out, err);
}

static void pccs_free(struct maat_collateral_source *src)
{
    struct pccs_source *s = (struct pccs_source *)(void *)src;
    free((char *)(uintptr_t)s->o.base_url);
    free((char *)(uintptr_t)s->o.api_key);
    free((char *)(uintptr_t)s->o.ca_file);
    free((char *)(uintptr_t)s->o.root_ca_crl_url);
    free(s->prefix);
    free(s->tee_prefix);
    free(s->tdx_prefix);
    free(s->root_crl_url);
    free((char *)(uintptr_t)s->o.client_id);
    free((char *)(uintptr_t)s->o.thim_region);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const struct maat_collateral_source_ops pccs_ops = {.kind = "pccs",
                                                           .fetch = pccs_fetch,
                                                           .free = pccs_free,
                                                           .fetch_tdx = pccs_fetch_tdx,
                                                           .fetch_pinned = pccs_fetch_pinned};

void maat_collateral_pccs_stats(const struct maat_collateral_source *src, struct maat_pccs_stats *out)
{
    memset(out, 0, sizeof *out);
    if (src == NULL || src->ops != &pccs_ops) return;
    struct pccs_source *s = (struct pccs_source *)(uintptr_t)src;
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

static char *dup_opt(const char *s, bool *bad)
{
    if (s == NULL) return NULL;
    char *d = strdup(s);
    if (d == NULL) *bad = true;
    return d;
}

int maat_collateral_pccs_source_new(const struct maat_pccs_opts *o,
                                    struct maat_collateral_source **out, struct maat_error *err)
{
    MAAT_ENSURE(o != NULL && out != NULL && o->base_url != NULL, err, MAAT_ERR_USAGE,
                "pccs source: needs a base URL");
    *out = NULL;
    const char *b = o->base_url;
    MAAT_ENSURE(!strncmp(b, "https://", 8) || !strncmp(b, "http://", 7), err, MAAT_ERR_USAGE,
                "pccs source: base URL '%.200s' must start with https:// or http://", b);
    size_t blen = strlen(b);
    MAAT_ENSURE(blen < 512, err, MAAT_ERR_USAGE, "pccs source: base URL too long");
    while (blen > 0 && b[blen - 1] == '/') blen--;
    /* a pasted ".../sgx/certification/vN" (or /tdx/...): keep only the base */
    static const char *const tails[] = {"/sgx/certification/v4", "/sgx/certification/v3",
                                        "/tdx/certification/v4", "/sgx/certification",
                                        "/tdx/certification"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t tl = strlen(tails[i]);
        if (blen > tl && !strncmp(b + blen - tl, tails[i], tl)) {
            blen -= tl;
            break;
        }
    }
    while (blen > 0 && b[blen - 1] == '/') blen--;
    MAAT_ENSURE(o->tcb_eval_num >= 0 && (o->tcb_eval_num == 0 || o->update == NULL), err,
                MAAT_ERR_USAGE, "pccs source: update and tcbEvaluationDataNumber exclude each other");
    MAAT_ENSURE(o->update == NULL || !strcmp(o->update, "early") || !strcmp(o->update, "standard"),
                err, MAAT_ERR_USAGE, "pccs source: update must be early or standard");
    MAAT_ENSURE(o->scheme == MAAT_PCCS_SCHEME_PCS || o->scheme == MAAT_PCCS_SCHEME_THIM, err,
                MAAT_ERR_USAGE, "pccs source: unknown URL scheme %d", (int)o->scheme);
    /* THIM pins by number (customParameter); update= is not known to be honoured there
     * (maa-2025.md section 8), and silently getting THIM's own lagging default instead of
     * what was asked for is the failure to avoid */
    MAAT_ENSURE(o->scheme != MAAT_PCCS_SCHEME_THIM || o->update == NULL, err, MAAT_ERR_USAGE,
                "pccs source: Azure THIM takes no update=%s (unconfirmed there); pin a TCB "
                "evaluation data number instead, or omit it for THIM's default baseline",
                o->update);
    MAAT_ENSURE(o->scheme != MAAT_PCCS_SCHEME_THIM || o->api_version == 4, err, MAAT_ERR_USAGE,
                "pccs source: Azure THIM is spoken with API version 4 only");
    MAAT_ENSURE(!o->tdx || o->api_version == 4, err, MAAT_ERR_USAGE,
                "pccs source: TDX collateral needs API version 4");
    MAAT_ENSURE(o->client_id == NULL ||
                    (strlen(o->client_id) > 0 && strlen(o->client_id) < 64 &&
                     strspn(o->client_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_.") == strlen(o->client_id)),
                err, MAAT_ERR_USAGE, "pccs source: client id must be 1..63 of [A-Za-z0-9-_.]");
    MAAT_ENSURE(o->thim_region == NULL ||
                    (o->scheme == MAAT_PCCS_SCHEME_THIM && strlen(o->thim_region) > 0 &&
                     strlen(o->thim_region) <= 40 &&
                     strspn(o->thim_region, "abcdefghijklmnopqrstuvwxyz0123456789 ") ==
                         strlen(o->thim_region)),
                err, MAAT_ERR_USAGE,
                "pccs source: a THIM region goes with the Azure THIM scheme and is 1..40 of "
                "[a-z0-9 ] (an Azure location such as eastus)");
    MAAT_ENSURE(o->retry_after_max_s >= 0, err, MAAT_ERR_USAGE,
                "pccs source: retry_after_max_s must be >= 0");
    MAAT_ENSURE(o->api_version == 3 || o->api_version == 4, err, MAAT_ERR_USAGE,
                "pccs source: API version must be 3 or 4, not %d", o->api_version);
    MAAT_ENSURE(o->max_attempts >= 1 && o->max_attempts <= 10, err, MAAT_ERR_USAGE,
                "pccs source: max_attempts must be 1..10");
    MAAT_ENSURE(o->connect_timeout_ms > 0 && o->timeout_ms > 0 && o->read_timeout_ms >= 0 &&
                    o->backoff_ms >= 0 && o->backoff_max_ms >= o->backoff_ms && o->max_response > 0,
                err, MAAT_ERR_USAGE, "pccs source: timeouts, backoff and size limit must be set");
    struct pccs_source *s = calloc(1, sizeof *s);
    MAAT_ENSURE(s != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    s->base.ops = &pccs_ops;
    pthread_mutex_init(&s->mu, NULL);
    s->o = *o;
    bool bad = false;
    s->o.base_url = dup_opt(o->base_url, &bad);
    s->o.api_key = dup_opt(o->api_key, &bad);
    s->o.ca_file = dup_opt(o->ca_file, &bad);
    s->o.root_ca_crl_url = dup_opt(o->root_ca_crl_url, &bad);
    s->o.client_id = dup_opt(o->client_id != NULL ? o->client_id : "production_client", &bad);
    s->o.thim_region = dup_opt(o->thim_region, &bad);
    s->o.update = o->update != NULL && !strcmp(o->update, "early") ? "early"
                  : o->update != NULL                              ? "standard"
                                                                   : NULL;
    s->prefix = malloc(blen + 32);
    if (s->prefix != NULL)
        snprintf(s->prefix, blen + 32, "%.*s/sgx/certification/v%d", (int)blen, b, o->api_version);
    s->tee_prefix = malloc(blen + 32);
    if (s->tee_prefix != NULL)
        snprintf(s->tee_prefix, blen + 32, "%.*s/%s/certification/v%d", (int)blen, b,
                 o->tdx ? "tdx" : "sgx", o->api_version);
    s->tdx_prefix = malloc(blen + 32);
    if (s->tdx_prefix != NULL)
        snprintf(s->tdx_prefix, blen + 32, "%.*s/tdx/certification/v4", (int)blen, b);
    if (o->root_ca_crl_url != NULL)
        s->root_crl_url = dup_opt(o->root_ca_crl_url, &bad);
    else if (strstr(b, "://" INTEL_PCS_HOST) != NULL)
        s->root_crl_url = dup_opt(INTEL_ROOT_CRL_URL, &bad);
    if (bad || s->prefix == NULL || s->tee_prefix == NULL || s->tdx_prefix == NULL) {
        pccs_free(&s->base);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    char shown[300]; /* no user:password@ in messages and logs */
    maat_collateral_scrub_urls(s->tee_prefix, true, shown, sizeof shown);
    snprintf(s->base.desc, sizeof s->base.desc, "%s %.280s",
             o->scheme == MAAT_PCCS_SCHEME_THIM ? "thim" : "pccs", shown);
    *out = &s->base;
    return 0;
}

int maat_collateral_fetch_eval_nums(struct maat_collateral_source *src,
                                    const struct maat_trust *trust, time_t at,
                                    struct maat_tcb_eval_nums *out, struct maat_buf *json_out,
                                    struct maat_buf *chain_out, struct maat_error *err)
{
    MAAT_ENSURE(src != NULL && src->ops == &pccs_ops && out != NULL, err, MAAT_ERR_USAGE,
                "tcb evaluation data numbers: needs a PCCS source");
    struct pccs_source *s = (struct pccs_source *)(void *)src;
    return maat_collateral_fetch_eval_nums_tee(src,
                                               s->o.tdx ? MAAT_COLLATERAL_TDX : MAAT_COLLATERAL_SGX,
                                               trust, at, out, json_out, chain_out, err);
}

const char *maat_collateral_source_kind(const struct maat_collateral_source *src)
{
    if (src == NULL) return "none";
    if (src->ops == &pccs_ops &&
        ((const struct pccs_source *)(const void *)src)->o.scheme == MAAT_PCCS_SCHEME_THIM)
        return "thim";
    return src->ops->kind;
}

bool maat_collateral_source_has_eval_nums(const struct maat_collateral_source *src)
{
    return src != NULL && src->ops == &pccs_ops &&
           ((const struct pccs_source *)(const void *)src)->o.scheme != MAAT_PCCS_SCHEME_THIM;
}

int maat_collateral_fetch_eval_nums_tee(struct maat_collateral_source *src,
                                        enum maat_collateral_tee tee,
                                        const struct maat_trust *trust, time_t at,
                                        struct maat_tcb_eval_nums *out, struct maat_buf *json_out,
                                        struct maat_buf *chain_out, struct maat_error *err)
{
    MAAT_ENSURE(src != NULL && src->ops == &pccs_ops && out != NULL, err, MAAT_ERR_USAGE,
                "tcb evaluation data numbers: needs a PCCS source");
    memset(out, 0, sizeof *out);
    struct pccs_source *s = (struct pccs_source *)(void *)src;
    const bool tdx = tee == MAAT_COLLATERAL_TDX || s->o.tdx;
    MAAT_ENSURE(!tdx || s->o.api_version == 4, err, MAAT_ERR_UNSUPPORTED,
                "%s: TDX evaluation data numbers need PCS API v4", s->base.desc);
    const char *prefix = tdx ? s->tdx_prefix : s->prefix;
    char url[1024];
    if (s->o.scheme == MAAT_PCCS_SCHEME_THIM) /* the route there is unconfirmed */
        snprintf(url, sizeof url, "%s/tcbevaluationdatanumbers?clientid=%s", prefix, s->o.client_id);
    else
        snprintf(url, sizeof url, "%s/tcbevaluationdatanumbers", prefix);
    struct maat_buf body, chain;
    maat_buf_init(&body);
    maat_buf_init(&chain);
    int rc = -1;
    if (get_with_chain(s, url, 0, "TCB-Evaluation-Data-Numbers-Issuer-Chain",
                       "SGX-TCB-Evaluation-Data-Numbers-Issuer-Chain", &body, &chain, err) != 0)
        goto done;
    if (maat_tcb_eval_nums_verify(body.data, body.len, chain.data, chain.len, trust, at,
                                  tdx ? "TDX" : "SGX", out, err) != 0) {
        maat_error_prefix(err, "GET %s", url);
        goto done;
    }
    if ((json_out != NULL && maat_buf_put(json_out, body.data, body.len) != 0) ||
        (chain_out != NULL && maat_buf_put(chain_out, chain.data, chain.len) != 0)) {
        maat_tcb_eval_nums_cleanup(out);
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = 0;
done:
    if (rc != 0) count(s, &s->stats.failures);
    maat_buf_cleanup(&body);
    maat_buf_cleanup(&chain);
    return rc;
}
