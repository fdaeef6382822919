/*
 * sim_pccs.c - the simulated platform's PCCS endpoint (see sim_pccs.h): a small
 * libmicrohttpd server, one thread per connection (so a stalled request does not hold up
 * others), files read per request so tests can change them underneath. GET
 * /maat-sim/requests answers {"requests": N}, the collateral requests served so far
 * (itself not counted), for tests that count fetches across replicas.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "maat/bytes.h"
#include "sim_pccs.h"

#define FILE_MAX (1u << 20)
#define STALL_DEFAULT_MS 10000u
#define STALL_MAX_MS 600000u

enum layout { LAYOUT_SIM, LAYOUT_INTEL };

struct maat_sim_pccs {
    struct MHD_Daemon *d;
    char *dir;
    enum layout layout;
    atomic_int fault;
    atomic_ulong requests;
    atomic_bool stopping;
    unsigned stall_ms;
    uint16_t port;
    struct maat_sim_pccs_opts o;
    pthread_mutex_t cp_mu; /* guards last_cp */
    char last_cp[256];     /* the last decoded customParameter (printable ASCII), "" = none */
};

/* THIM's customParameter of a request, base64-decoded, made printable ('?' for anything
 * else, and for '"' and '\\' so that it can go into JSON as is); false when absent or not
 * base64. */
static bool custom_param_text(struct MHD_Connection *c, char *out, size_t cap)
{
    const char *cp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "customParameter");
    out[0] = '\0';
    if (cp == NULL) return false;
    uint8_t *dec = NULL;
    size_t n = 0;
    struct maat_error e = {0};
    if (maat_base64_decode(cp, strlen(cp), "customParameter", &dec, &n, &e) != 0) return false;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = dec[i] >= 0x20 && dec[i] < 0x7f && dec[i] != '"' && dec[i] != '\\' ? (char)dec[i]
                                                                                      : '?';
    out[k] = '\0';
    free(dec);
    return true;
}

/* ---- files ---- */

static bool exists(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads dir/name into a malloc'd buffer (NUL-terminated). NULL if absent or too large. */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n <= 0 || (size_t)n >= sizeof path) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct maat_buf b;
    maat_buf_init(&b);
    bool ok = true;
    for (;;) {
        if (maat_buf_reserve(&b, 4096) != 0) {
            ok = false;
            break;
        }
        ssize_t r = read(fd, b.data + b.len, b.cap - b.len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            ok = r == 0;
            break;
        }
        b.len += (size_t)r;
        if (b.len > FILE_MAX) {
            ok = false;
            break;
        }
    }
    close(fd);
    if (!ok) {
        maat_buf_cleanup(&b);
        return NULL;
    }
    *len = b.len;
    return (uint8_t *)maat_buf_take_str(&b);
}

/* RFC 3986 percent-encoding of everything but unreserved characters. */
static char *url_encode(const uint8_t *p, size_t len)
{
    static const char hx[] = "0123456789ABCDEF";
    char *out = malloc(3 * len + 1), *o = out;
    if (out == NULL) return NULL;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hx[c >> 4];
            *o++ = hx[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* ---- responses ---- */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, uint8_t *body,
                                size_t len, const char *type, const char *hname, const char *hvalue)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    if (type != NULL) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (hname != NULL && hvalue != NULL) MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
    size_t n = strlen(msg);
    uint8_t *b = malloc(n + 1);
    if (b == NULL) return MHD_NO;
    memcpy(b, msg, n + 1);
    return send_buf(c, status, b, n, "text/plain", NULL, NULL);
}

/* What a route maps to on disk. */
struct item {
    char body[128], chain[128]; /* file names; chain "" = no issuer chain header */
    const char *header;         /* issuer chain header name */
    const char *type;
    bool hex_body; /* rootcacrl: hex of the DER */
    bool pem_crl;  /* pckcrl with encoding=pem */
};

static bool fmspc_ok(const char *f)
{
    if (f == NULL || strlen(f) != 12) return false;
    for (size_t i = 0; i < 12; i++)
        if (!isxdigit((unsigned char)f[i])) return false;
    return true;
}

/* Maps a request to files. 0 = found, 404/400 = the status to answer. */
static unsigned route(const struct maat_sim_pccs *s, struct MHD_Connection *c, const char *url,
                      unsigned serve, struct item *it)
{
    int version;
    bool tdx = false;
    if (!strncmp(url, "/tdx/certification/v4/", 22)) {
        /* TDX: TDX TCB info and TD_QE identity (what `maat sim init` writes) */
        if (s->layout == LAYOUT_INTEL) return MHD_HTTP_NOT_FOUND;
        version = 4;
        tdx = true;
    } else if (!strncmp(url, "/sgx/certification/v4/", 22))
        version = 4;
    else if (!strncmp(url, "/sgx/certification/v3/", 22))
        version = 3;
    else
        return MHD_HTTP_NOT_FOUND;
    const char *r = url + 22;
    memset(it, 0, sizeof *it);
    bool intel = s->layout == LAYOUT_INTEL;
    /* THIM-style requests carry clientid= (Azure-DCAP-Client) */
    bool thim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "clientid") != NULL;
    char ev[24] = ""; /* "eval-N/": the variant of a pinned or update= number */
    if (serve != 0) snprintf(ev, sizeof ev, "eval-%u/", serve);
    if (!strcmp(r, "tcbevaluationdatanumbers") && version == 4) {
        if (intel) return MHD_HTTP_NOT_FOUND;
        snprintf(it->body, sizeof it->body, "tcbevaluationdatanumbers-%s.json", tdx ? "tdx" : "sgx");
        snprintf(it->chain, sizeof it->chain, "tcbevaluationdatanumbers-%s.issuer-chain.pem",
                 tdx ? "tdx" : "sgx");
        it->header = "TCB-Evaluation-Data-Numbers-Issuer-Chain";
        it->type = "application/json";
        return exists(s->dir, it->body) ? 0 : MHD_HTTP_NOT_FOUND;
    }
    if (!strcmp(r, "pckcrl") && !tdx &&
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "uri") != NULL) {
        /* THIM: pckcrl?uri=<Intel's CRL distribution point>, the CRL as Intel publishes it */
        const char *u = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "uri");
        if (strstr(u, "IntelSGXRootCA") != NULL)
            snprintf(it->body, sizeof it->body, intel ? "rootCaCrl.der" : "rootcacrl.der");
        else if (strstr(u, "ca=processor") != NULL || (strstr(u, "ca=platform") != NULL && !intel)) {
            const char *ca = strstr(u, "ca=processor") != NULL ? "processor" : "platform";
            snprintf(it->body, sizeof it->body, intel ? "intermediateCaCrl.der" : "pckcrl-%s.der",
                     ca);
            snprintf(it->chain, sizeof it->chain,
                     intel ? "pckSignChain.pem" : "pckcrl-%s.issuer-chain.pem", ca);
            it->header = "SGX-PCK-CRL-Issuer-Chain";
        } else {
            return MHD_HTTP_NOT_FOUND;
        }
        it->type = "application/pkix-crl";
        return exists(s->dir, it->body) ? 0 : MHD_HTTP_NOT_FOUND;
    }
    if (tdx && thim && (!strcmp(r, "pckcrl") || !strcmp(r, "rootcacrl"))) {
        /* THIM's TDX base also serves the CRLs (Intel PCS v4 has no TDX CRL route) */
        if (intel) return MHD_HTTP_NOT_FOUND;
        tdx = false;
    }
    if (!strcmp(r, "tcb")) {
        const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fmspc");
        if (!fmspc_ok(f)) return MHD_HTTP_BAD_REQUEST;
        char up[13];
        for (size_t i = 0; i < 13; i++) up[i] = (char)toupper((unsigned char)f[i]);
        snprintf(it->body, sizeof it->body,
                 intel ? "%stcbInfo.json"
                 : tdx ? "%stdx-tcb-%s.json"
                       : "%stcb-%s.json",
                 ev, up);
        snprintf(it->chain, sizeof it->chain,
                 intel ? "tcbSignChain.pem"
                 : tdx ? "%stdx-tcb-%s.issuer-chain.pem"
                       : "%stcb-%s.issuer-chain.pem",
                 ev, up);
        it->header = version == 3 ? "SGX-TCB-Info-Issuer-Chain" : "TCB-Info-Issuer-Chain";
        it->type = "application/json";
    } else if (!strcmp(r, "qe/identity")) {
        snprintf(it->body, sizeof it->body,
                 intel ? "%sqeIdentity.json"
                 : tdx ? "%std-qe-identity.json"
                       : "%sqe-identity.json",
                 ev);
        snprintf(it->chain, sizeof it->chain,
                 intel ? "tcbSignChain.pem"
                 : tdx ? "%std-qe-identity.issuer-chain.pem"
                       : "%sqe-identity.issuer-chain.pem",
                 ev);
        it->header = "SGX-Enclave-Identity-Issuer-Chain";
        it->type = "application/json";
    } else if (tdx) {
        return MHD_HTTP_NOT_FOUND; /* CRLs: the /sgx/ routes, as Intel's PCS */
    } else if (!strcmp(r, "pckcrl")) {
        const char *ca = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ca");
        const char *enc = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "encoding");
        if (ca == NULL || (strcmp(ca, "processor") && strcmp(ca, "platform")))
            return MHD_HTTP_BAD_REQUEST;
        if (enc != NULL && strcmp(enc, "der") && strcmp(enc, "pem")) return MHD_HTTP_BAD_REQUEST;
        it->pem_crl = enc == NULL || !strcmp(enc, "pem"); /* Intel: PEM unless asked */
        if (intel) {
            if (strcmp(ca, "processor")) return MHD_HTTP_NOT_FOUND;
            snprintf(it->body, sizeof it->body, "intermediateCaCrl.der");
            snprintf(it->chain, sizeof it->chain, "pckSignChain.pem");
        } else {
            snprintf(it->body, sizeof it->body, "pckcrl-%s.der", ca);
            snprintf(it->chain, sizeof it->chain, "pckcrl-%s.issuer-chain.pem", ca);
        }
        it->header = "SGX-PCK-CRL-Issuer-Chain";
        it->type = it->pem_crl ? "application/x-pem-file" : "application/pkix-crl";
    } else if (!strcmp(r, "rootcacrl")) {
        snprintf(it->body, sizeof it->body, intel ? "rootCaCrl.der" : "rootcacrl.der");
        it->hex_body = true;
        it->type = "text/plain";
    } else {
        return MHD_HTTP_NOT_FOUND;
    }
    return exists(s->dir, it->body) ? 0 : MHD_HTTP_NOT_FOUND;
}

/* DER CRL -> PEM text (64-column base64). Frees der. */
static uint8_t *crl_pem(uint8_t *der, size_t len, size_t *out_len)
{
    char *b64 = maat_base64_encode(der, len);
    free(der);
    if (b64 == NULL) return NULL;
    struct maat_buf b;
    maat_buf_init(&b);
    size_t n = strlen(b64);
    int bad = maat_buf_put_str(&b, "-----BEGIN X509 CRL-----\n");
    for (size_t i = 0; !bad && i < n; i += 64)
        bad = maat_buf_put(&b, b64 + i, n - i < 64 ? n - i : 64) || maat_buf_put_str(&b, "\n");
    bad = bad || maat_buf_put_str(&b, "-----END X509 CRL-----\n");
    free(b64);
    if (bad) {
        maat_buf_cleanup(&b);
        return NULL;
    }
    *out_len = b.len;
    return (uint8_t *)maat_buf_take_str(&b);
}

static enum MHD_Result stall(struct maat_sim_pccs *s, struct MHD_Connection *c)
{
    for (unsigned waited = 0; waited < s->stall_ms && !atomic_load(&s->stopping); waited += 10) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "stalled\n");
}

static enum MHD_Result answer(struct maat_sim_pccs *s, struct MHD_Connection *c, const char *url,
                              unsigned long nth);

static enum MHD_Result log_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    int *first = cls;
    fprintf(stderr, "%c%s=%s", *first ? '?' : '&', key, value ? value : "");
    *first = 0;
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)con_cls;
    struct maat_sim_pccs *s = cls;
    if (*upload_size != 0) return MHD_NO;     /* no request bodies here */
    if (!strcmp(url, "/maat-sim/requests")) { /* the counter, for tests; not counted */
        char n[400], cp[256];
        maat_sim_pccs_last_custom_parameter(s, cp, sizeof cp);
        snprintf(n, sizeof n, "{\"requests\": %lu, \"last_custom_parameter\": \"%s\"}\n",
                 atomic_load(&s->requests), cp);
        return send_text(c, MHD_HTTP_OK, n);
    }
    unsigned long nth = atomic_fetch_add(&s->requests, 1) + 1;
    if (strcmp(method, "GET") != 0) return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    char cpt[256];
    bool has_cp = custom_param_text(c, cpt, sizeof cpt);
    if (has_cp) { /* recorded, so that a test can assert what a THIM client sent */
        pthread_mutex_lock(&s->cp_mu);
        snprintf(s->last_cp, sizeof s->last_cp, "%s", cpt);
        pthread_mutex_unlock(&s->cp_mu);
    }
    if (s->o.log_requests) {
        int first = 1;
        flockfile(stderr);
        fprintf(stderr, "sim pccs: request %lu: GET %s", nth, url);
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, log_arg, &first);
        if (has_cp) fprintf(stderr, " (customParameter decoded: \"%s\")", cpt);
        fputc('\n', stderr);
        funlockfile(stderr);
    }
    return answer(s, c, url, nth);
}

/* tcbEvaluationDataNumber=N inside THIM's customParameter (base64 of "k=v;k=v"): the
 * number's text into out. 0 = none, 1 = found, -1 = malformed. */
static int custom_param_number(const char *cp, char out[16])
{
    uint8_t *dec = NULL;
    size_t n = 0;
    struct maat_error e = {0};
    if (maat_base64_decode(cp, strlen(cp), "customParameter", &dec, &n, &e) != 0) return -1;
    int rc = 0;
    static const char key[] = "tcbEvaluationDataNumber=";
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && dec[j] != ';') j++;
        if (j - i > sizeof key - 1 && !memcmp(dec + i, key, sizeof key - 1)) {
            size_t vl = j - i - (sizeof key - 1);
            if (vl == 0 || vl >= 16) {
                rc = -1;
                break;
            }
            memcpy(out, dec + i + sizeof key - 1, vl);
            out[vl] = '\0';
            rc = 1;
        }
        i = j + 1;
    }
    free(dec);
    return rc;
}

/* Which evaluation number a tcb / qe/identity request gets, as Intel PCS v4 answers
 * update= / tcbEvaluationDataNumber= (or THIM's customParameter): *serve = the number
 * whose pcs/eval-N/ files answer (0 = the files in DIR). 0, or the status to answer. */
static unsigned eval_check(const struct maat_sim_pccs *s, struct MHD_Connection *c, const char *url,
                           unsigned *serve)
{
    *serve = 0;
    const char *r = strrchr(url, '/');
    bool pinnable = r != NULL && (!strcmp(r, "/tcb") || !strcmp(r, "/identity"));
    if (!pinnable) return 0;
    const char *up = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "update");
    const char *n = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tcbEvaluationDataNumber");
    const char *cp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "customParameter");
    char cpn[16];
    if (cp != NULL) {
        int k = custom_param_number(cp, cpn);
        if (k < 0 || (k > 0 && n != NULL)) return MHD_HTTP_BAD_REQUEST;
        if (k > 0) n = cpn;
    }
    if (up != NULL && n != NULL) return MHD_HTTP_BAD_REQUEST;
    if (up != NULL && strcmp(up, "early") && strcmp(up, "standard")) return MHD_HTTP_BAD_REQUEST;
    if (n == NULL) { /* standard (also the default) or early; Intel's layout has one set */
        if (s->layout != LAYOUT_INTEL)
            *serve = up != NULL && !strcmp(up, "early") ? s->o.eval_early : s->o.eval_standard;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long k = strtoul(n, &end, 10);
    if (errno || end == n || *end || !isdigit((unsigned char)n[0]) || k == 0 || k > 1000000)
        return MHD_HTTP_BAD_REQUEST;
    unsigned oldest = s->o.eval_oldest != 0 ? s->o.eval_oldest : s->o.eval_standard;
    if (oldest != 0 && k < oldest) return MHD_HTTP_GONE;
    if (s->o.eval_early != 0 && k > s->o.eval_early) return MHD_HTTP_NOT_FOUND;
    *serve = (unsigned)k;
    return 0;
}

static enum MHD_Result answer(struct maat_sim_pccs *s, struct MHD_Connection *c, const char *url,
                              unsigned long nth)
{
    if (nth <= s->o.rate_limit) {
        struct MHD_Response *r = MHD_create_response_from_buffer(18, (void *)"too many requests\n",
                                                                 MHD_RESPMEM_PERSISTENT);
        if (r == NULL) return MHD_NO;
        char ra[24];
        snprintf(ra, sizeof ra, "%u", s->o.retry_after_s);
        if (s->o.retry_after_s > 0) MHD_add_response_header(r, "Retry-After", ra);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
        MHD_destroy_response(r);
        return ret;
    }
    unsigned serve = 0;
    unsigned pin = eval_check(s, c, url, &serve);
    if (pin == MHD_HTTP_BAD_REQUEST) return send_text(c, pin, "bad parameters\n");
    if (pin == MHD_HTTP_GONE)
        return send_text(c, pin, "TCB evaluation data number older than the standard one\n");
    if (pin == MHD_HTTP_NOT_FOUND)
        return send_text(c, pin, "TCB evaluation data number newer than the early one\n");
    int fault = atomic_load(&s->fault);
    if (fault == MAAT_SIM_PCCS_STALL) return stall(s, c);
    if (fault == MAAT_SIM_PCCS_HTTP_500)
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "simulated internal error\n");
    struct item it;
    unsigned st = route(s, c, url, serve, &it);
    if (st == MHD_HTTP_BAD_REQUEST) return send_text(c, st, "bad parameters\n");
    if (st != 0) return send_text(c, MHD_HTTP_NOT_FOUND, "no such collateral\n");
    size_t len = 0, clen = 0;
    uint8_t *body = slurp(s->dir, it.body, &len);
    uint8_t *chain = it.chain[0] ? slurp(s->dir, it.chain, &clen) : NULL;
    char *enc = chain != NULL ? url_encode(chain, clen) : NULL;
    free(chain);
    if (body == NULL || (it.chain[0] && enc == NULL)) {
        free(body);
        free(enc);
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read collateral files\n");
    }
    if (fault == MAAT_SIM_PCCS_GARBAGE) {
        static const char junk[] = "<html>\x01\x02 this is not collateral \xff\xfe</html>";
        free(body);
        body = malloc(sizeof junk);
        if (body != NULL) memcpy(body, junk, sizeof junk);
        len = sizeof junk - 1;
    } else if (it.hex_body) {
        char *hex = maat_hex_encode_alloc(body, len);
        free(body);
        body = (uint8_t *)hex;
        len = hex != NULL ? strlen(hex) : 0;
    } else if (it.pem_crl) {
        body = crl_pem(body, len, &len);
    }
    if (body == NULL) {
        free(enc);
        return MHD_NO;
    }
    enum MHD_Result ret = send_buf(c, MHD_HTTP_OK, body, len, it.type, it.header, enc);
    free(enc);
    return ret;
}

/* ---- lifecycle ---- */

static int parse_listen(const char *hp, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
                        struct maat_error *err)
{
    char host[256];
    const char *colon = strrchr(hp, ':');
    MAAT_ENSURE(colon != NULL && colon != hp && colon[1] != '\0', err, MAAT_ERR_USAGE,
                "sim pccs: listen address '%s' is not HOST:PORT", hp);
    size_t hl = (size_t)(colon - hp);
    if (hp[0] == '[' && hl >= 2 && hp[hl - 1] == ']') { /* [::1]:port */
        hp++;
        hl -= 2;
    }
    MAAT_ENSURE(hl < sizeof host, err, MAAT_ERR_USAGE, "sim pccs: host name too long");
    memcpy(host, hp, hl);
    host[hl] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    MAAT_ENSURE(*end == '\0' && port >= 0 && port <= 65535, err, MAAT_ERR_USAGE,
                "sim pccs: bad port '%s'", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(host, colon + 1, &hints, &res);
    MAAT_ENSURE(g == 0 && res != NULL, err, MAAT_ERR_USAGE, "sim pccs: cannot resolve '%s': %s",
                host, gai_strerror(g));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

int maat_sim_pccs_start(const char *dir, const char *listen_hostport,
                        const struct maat_sim_pccs_opts *o, struct maat_sim_pccs **out,
                        struct maat_error *err)
{
    MAAT_ENSURE(dir != NULL && listen_hostport != NULL && out != NULL, err, MAAT_ERR_USAGE,
                "sim pccs: needs a directory and a listen address");
    *out = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    bool v6 = false;
    MAAT_TRY(parse_listen(listen_hostport, &ss, &sslen, &v6, err));
    struct maat_sim_pccs *s = calloc(1, sizeof *s);
    MAAT_ENSURE(s != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    size_t dl = strlen(dir);
    s->dir = malloc(dl + 8);
    if (s->dir == NULL) {
        free(s);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    snprintf(s->dir, dl + 8, "%s/pcs", dir);
    if (!exists(s->dir, "qe-identity.json")) {
        snprintf(s->dir, dl + 8, "%s", dir);
        if (!exists(dir, "qe-identity.json")) {
            s->layout = LAYOUT_INTEL;
            if (!exists(dir, "tcbInfo.json")) {
                free(s->dir);
                free(s);
                return maat_error_set(err, MAAT_ERR_NOT_FOUND,
                                      "sim pccs: %s holds no collateral (expected "
                                      "pcs/qe-identity.json from `maat sim init`, or Intel's "
                                      "sample layout with tcbInfo.json)",
                                      dir);
            }
        }
    }
    atomic_init(&s->fault, o != NULL ? (int)o->fault : MAAT_SIM_PCCS_OK);
    atomic_init(&s->requests, 0);
    atomic_init(&s->stopping, false);
    pthread_mutex_init(&s->cp_mu, NULL);
    if (o != NULL) s->o = *o;
    s->stall_ms = o != NULL && o->stall_ms != 0 ? o->stall_ms : STALL_DEFAULT_MS;
    if (s->stall_ms > STALL_MAX_MS) s->stall_ms = STALL_MAX_MS;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (v6) flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_END);
    if (s->d == NULL) {
        pthread_mutex_destroy(&s->cp_mu);
        free(s->dir);
        free(s);
        return maat_error_set(err, MAAT_ERR_IO, "sim pccs: cannot listen on %s: %s",
                              listen_hostport, strerror(errno));
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : 0;
    *out = s;
    return 0;
}

uint16_t maat_sim_pccs_port(const struct maat_sim_pccs *s)
{
    return s != NULL ? s->port : 0;
}

void maat_sim_pccs_set_fault(struct maat_sim_pccs *s, enum maat_sim_pccs_fault f)
{
    if (s != NULL) atomic_store(&s->fault, (int)f);
}

unsigned long maat_sim_pccs_requests(const struct maat_sim_pccs *s)
{
    return s != NULL ? atomic_load(&((struct maat_sim_pccs *)(uintptr_t)s)->requests) : 0;
}

void maat_sim_pccs_last_custom_parameter(struct maat_sim_pccs *s, char *out, size_t cap)
{
    if (cap == 0) return;
    out[0] = '\0';
    if (s == NULL) return;
    pthread_mutex_lock(&s->cp_mu);
    snprintf(out, cap, "%s", s->last_cp);
    pthread_mutex_unlock(&s->cp_mu);
}

void maat_sim_pccs_stop(struct maat_sim_pccs *s)
{
    if (s == NULL) return;
    atomic_store(&s->stopping, true);
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->cp_mu);
    free(s->dir);
    free(s);
}

int maat_sim_pccs_run(const char *dir, const char *listen_hostport,
                      const struct maat_sim_pccs_opts *o, struct maat_error *err)
{
    /* Block the stop signals before MHD starts its threads (they inherit the mask), then
     * wait for one synchronously: no handler, no async-signal-safety concerns. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    MAAT_ENSURE(pthread_sigmask(SIG_BLOCK, &set, &old) == 0, err, MAAT_ERR_INTERNAL,
                "sim pccs: cannot block signals");
    struct maat_sim_pccs *s = NULL;
    if (maat_sim_pccs_start(dir, listen_hostport, o, &s, err) != 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    const char *colon = strrchr(listen_hostport, ':');
    printf("maat sim pccs: serving %s at http://%.*s:%u/sgx/certification/v4/ "
           "(Ctrl-C to stop)\n",
           s->dir, (int)(colon - listen_hostport), listen_hostport, (unsigned)s->port);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    unsigned long served = maat_sim_pccs_requests(s);
    maat_sim_pccs_stop(s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "maat sim pccs: stopped (signal %d) after %lu requests\n", sig, served);
    return 0;
}
