/*
 * server.c - libmicrohttpd set-up and the request life cycle.
 *
 * Threading: MHD's internal thread pool over poll() (one thread per CPU by default,
 * --threads; poll() rather than epoll so that new connections alternate between the
 * workers, see maatd_server_start). Attestation is CPU-bound (a few signature checks, one RSA signature), so
 * one busy thread per core is the right amount; thread-per-connection would let idle
 * or slow clients cost a thread each. Keep-alive is MHD's default for HTTP/1.1.
 *
 * Limits: body size (--max-body; a declared Content-Length above it is refused before
 * the body is read, a chunked body is discarded past the limit and the connection cut
 * at 4x), header/request memory per connection (--conn-memory), total connections
 * (--max-connections), inactivity timeout (--timeout) so a client that stalls after its
 * headers is dropped without holding a worker (MHD multiplexes connections per thread).
 *
 * Every response carries MAA's headers: Content-Type, x-ms-request-id (a fresh GUID),
 * x-ms-maa-service-version.
 */
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "maatd.h"

static uint64_t elapsed_us(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us = (int64_t)(now.tv_sec - start->tv_sec) * 1000000 +
                 (now.tv_nsec - start->tv_nsec) / 1000;
    return us < 0 ? 0 : (uint64_t)us;
}

/* What the completion callback needs after the response is gone. */
struct conn_state {
    struct maatd_request rq;
    struct maatd_response summary; /* status and len only (body already handed to MHD) */
    bool answered;
    size_t discarded;
};

static bool host_ok(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 255) return false;
    for (const char *p = h; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

void maatd_request_issuer(const struct maatd *d, struct MHD_Connection *conn, char *out, size_t cap)
{
    if (d->cfg.issuer != NULL) {
        snprintf(out, cap, "%s", d->cfg.issuer);
        return;
    }
    const char *host = conn ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) : NULL;
    if (host != NULL && host_ok(host))
        snprintf(out, cap, "%s://%s", d->tls ? "https" : "http", host);
    else
        snprintf(out, cap, "%s", d->listen_url);
}

static enum MHD_Result send_response(struct maatd *d, struct conn_state *cs,
                                     struct maatd_response *rs)
{
    (void)d;
    if (rs->body == NULL && rs->status == 0) {
        rs->status = 500;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(rs->len, rs->body ? rs->body : (void *)"",
                                                                rs->body ? MHD_RESPMEM_MUST_FREE
                                                                         : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(rs->body);
        return MHD_NO;
    }
    rs->body = NULL; /* MHD owns it now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rs->content_type ? rs->content_type : "application/json; charset=utf-8");
    MHD_add_response_header(resp, "x-ms-request-id", cs->rq.request_id);
    MHD_add_response_header(resp, "x-ms-maa-service-version", MAATD_VERSION);
    if (rs->allow) {
        char allow[64];
        snprintf(allow, sizeof allow, "%s", rs->allow);
        char list[80];
        size_t o = 0;
        for (const char *p = allow; *p && o + 3 < sizeof list; p++) {
            if (*p == ' ') {
                list[o++] = ',';
                list[o++] = ' ';
            } else {
                list[o++] = *p;
            }
        }
        list[o] = '\0';
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, list);
    }
    enum MHD_Result r = MHD_queue_response(cs->rq.conn, rs->status, resp);
    MHD_destroy_response(resp);
    cs->answered = true;
    cs->summary.status = rs->status;
    cs->summary.len = rs->len;
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct maatd *d = cls;
    struct conn_state *cs = *con_cls;
    if (cs == NULL) { /* headers received: set up, maybe refuse early */
        cs = calloc(1, sizeof *cs);
        if (cs == NULL) return MHD_NO;
        *con_cls = cs;
        atomic_fetch_add(&d->inflight, 1);
        clock_gettime(CLOCK_MONOTONIC, &cs->rq.start);
        cs->rq.conn = conn;
        cs->rq.method = method;
        cs->rq.path = url;
        cs->rq.route = MAATD_R_UNKNOWN;
        maatd_guid(cs->rq.request_id);
        maat_buf_init(&cs->rq.body);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (n > (unsigned long long)d->cfg.max_body) {
                struct maatd_response rs = {0};
                cs->rq.too_large = true;
                cs->rq.early_reply = true;
                maatd_route(d, &cs->rq, &rs); /* 404/405/400 first, else 413 */
                return send_response(d, cs, &rs);
            }
            if (n > 0 && maat_buf_reserve(&cs->rq.body, (size_t)n + 1) != 0) return MHD_NO;
        }
        return MHD_YES;
    }
    if (cs->rq.early_reply) { /* answered already; MHD closes after the response */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!cs->rq.too_large && cs->rq.body.len + n <= (size_t)d->cfg.max_body) {
            if (maat_buf_put(&cs->rq.body, upload_data, n) != 0) return MHD_NO;
        } else {
            cs->rq.too_large = true;
            cs->discarded += n;
            if (cs->discarded > 4 * (size_t)d->cfg.max_body) return MHD_NO; /* cut it off */
        }
        return MHD_YES;
    }
    /* the whole request is in */
    struct maatd_response rs = {0};
    if (atomic_load(&d->stopping)) {
        cs->rq.route = MAATD_R_UNKNOWN;
        maatd_error(&cs->rq, &rs, 503, "ServiceUnavailable", "maatd is shutting down.");
    } else {
        maatd_route(d, &cs->rq, &rs);
    }
    return send_response(d, cs, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct maatd *d = cls;
    struct conn_state *cs = *con_cls;
    if (cs == NULL) return;
    *con_cls = NULL;
    uint64_t us = elapsed_us(&cs->rq.start);
    if (!cs->answered) { /* timed out, client gone, or cut off: count it as such */
        cs->summary.status = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? 408 : 400;
        cs->rq.error_code = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                            : cs->rq.too_large                            ? "body-too-large"
                                                                          : "connection-closed";
    }
    maatd_metrics_request(&d->metrics, cs->rq.route, cs->summary.status, us);
    maatd_log_request(&cs->rq, &cs->summary, us, cs->rq.body.len + cs->discarded);
    maat_buf_cleanup(&cs->rq.body);
    free(cs);
    atomic_fetch_sub(&d->inflight, 1);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    maatd_log("warn", "libmicrohttpd: %s", msg);
}

/* Splits HOST:PORT ([v6]:PORT allowed) and resolves it numerically-or-by-name. */
static int resolve_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                          bool *v6, char *host_out, size_t host_cap, struct maat_error *err)
{
    const char *colon = strrchr(listen, ':');
    MAAT_ENSURE(colon != NULL && colon[1] != '\0', err, MAAT_ERR_USAGE,
                "--listen '%s': expected HOST:PORT", listen);
    size_t hl = (size_t)(colon - listen);
    char host[256], port[16];
    MAAT_ENSURE(hl > 0 && hl < sizeof host && strlen(colon + 1) < sizeof port, err, MAAT_ERR_USAGE,
                "--listen '%s': expected HOST:PORT", listen);
    memcpy(host, listen, hl);
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    snprintf(host_out, host_cap, "%s", host);
    char *h = host;
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int rc = getaddrinfo(h, port, &hints, &res);
    MAAT_ENSURE(rc == 0 && res != NULL, err, MAAT_ERR_USAGE, "--listen '%s': %s", listen,
                gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

int maatd_server_start(struct maatd *d, struct maat_error *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    bool v6 = false;
    char host[256];
    MAAT_TRY(resolve_listen(d->cfg.listen, &ss, &sslen, &v6, host, sizeof host, err));
    (void)sslen;

    unsigned threads = (unsigned)d->cfg.threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 && n < 256 ? (unsigned)n : 2;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    /* poll(), not epoll: with epoll, libmicrohttpd 0.9.75's pool worker that wakes first
     * accepts up to 10 pending connections in a row, so a client opening its keep-alive
     * connections together often lands them all on ONE worker (the others idle, half the
     * throughput on 2 cores). With poll() each worker accepts one connection per loop
     * iteration, so they alternate. Cost: a poll() over the worker's connections per
     * iteration (O(n), a few us at --max-connections 1024). See docs/maatd.md. */
    if (MHD_is_feature_supported(MHD_FEATURE_POLL) == MHD_YES)
        flags |= MHD_USE_POLL;
    else if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    if (v6) flags |= MHD_USE_IPv6;
    if (d->tls) {
        MAAT_ENSURE(MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES, err, MAAT_ERR_UNSUPPORTED,
                    "this libmicrohttpd was built without TLS support");
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, d->tls_key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, d->tls_cert_pem},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
        {MHD_OPTION_END, 0, NULL},
    };
    d->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, d,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)d->cfg.timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)d->cfg.conn_memory,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
        MHD_OPTION_ARRAY, d->tls ? tls_opts : &tls_opts[3],
        MHD_OPTION_END);
    MAAT_ENSURE(d->daemon != NULL, err, MAAT_ERR_IO,
                "could not start the HTTP server on %s (address in use, or bad TLS key/certificate?)",
                d->cfg.listen);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    snprintf(d->listen_url, sizeof d->listen_url, "%s://%s:%u", d->tls ? "https" : "http", host, port);
    maatd_log("info", "listening on %s (%u threads, timeout %lds, max body %ld bytes, max %ld connections)",
              d->listen_url, threads, d->cfg.timeout, d->cfg.max_body, d->cfg.max_connections);
    return 0;
}

void maatd_server_stop(struct maatd *d)
{
    if (d->daemon == NULL) return;
    atomic_store(&d->stopping, true);
    atomic_store(&d->ready, false);
    int fd = MHD_quiesce_daemon(d->daemon); /* stop accepting */
    if (fd >= 0) close(fd);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&d->inflight) > 0 &&
           elapsed_us(&start) < (uint64_t)d->cfg.shutdown_grace * 1000000u) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&d->inflight);
    if (left > 0) maatd_log("warn", "shutdown: %d request(s) still in flight after %lds; closing them",
                            left, d->cfg.shutdown_grace);
    MHD_stop_daemon(d->daemon);
    d->daemon = NULL;
}
