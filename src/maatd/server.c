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
 * An attestation waiting for a collateral fetch is suspended (MHD_ALLOW_SUSPEND_RESUME)
 * and resumed by collateral_wait.c, so no worker sleeps on a fetch (issue 12 item 9).
 *
 * The hostile-client edge (docs/maatd.md "Limits"): connections per client address
 * (--max-connections-per-client, libmicrohttpd's per-IP limit), a deadline for the request
 * line and headers (--header-timeout, conn_guard.c), body memory that follows the bytes
 * received (never reserved from Content-Length) under a global cap (--max-body-total),
 * response bytes queued for clients that do not read under a global cap
 * (--max-response-total) and a per-connection send buffer (MAATD_SNDBUF), and a reserve
 * listener (--health-listen) with its own thread serving only /healthz, /ready and
 * /metrics. Requests are refused with a 4xx in MAA's error form when the URI carries an
 * encoded NUL, has more than MAATD_MAX_QUERY_PARAMS parameters, Host is missing (HTTP/1.1)
 * or repeated, or Transfer-Encoding is anything but a single `chunked`.
 *
 * Every response carries MAA's headers: Content-Type, x-ms-request-id (a fresh GUID),
 * x-ms-maa-service-version.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_addr.h"
#include "collateral_source.h"
#include "handle.h"
#include "maatd.h"

static uint64_t elapsed_us(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us = (int64_t)(now.tv_sec - start->tv_sec) * 1000000 +
                 (now.tv_nsec - start->tv_nsec) / 1000;
    return us < 0 ? 0 : (uint64_t)us;
}

#define MAATD_SMALL_RESPONSE 4096 /* responses this small are never refused by the cap */
#define MAATD_SNDBUF 65536        /* per-connection kernel send buffer (SO_SNDBUF) */

/* Which listener a request came through. */
struct listener {
    struct maatd *d;
    bool reserve; /* --health-listen: only the reserve routes */
};
static struct listener main_listener, reserve_listener;

/* What the completion callback needs after the response is gone. */
struct conn_state {
    struct maatd_request rq;
    struct maatd_response summary; /* status and len only (body already handed to MHD) */
    bool answered;
    bool headers_done;  /* the access handler saw the headers */
    bool body_over_cap; /* --max-body-total reached: body discarded, 503 */
    size_t discarded;
    size_t body_charged;               /* bytes of d->body_bytes this request holds */
    size_t resp_charged;               /* bytes of d->resp_bytes this request holds */
    char *query;                       /* copy of the raw query string (rq.query) */
    struct maat_collateral_wait cwait; /* rq.cwait: the collateral lookup across suspensions */
    bool no_suspend;                   /* could not be listed for resumption: wait in the cache */
    struct maatd_header *headers;      /* rq.headers: pointers into the connection's memory */
};

static enum MHD_Result send_response(struct maatd *d, struct conn_state *cs,
                                     struct maatd_response *rs, bool close_after)
{
    if (rs->body == NULL && rs->status == 0) {
        rs->status = 500;
    }
    /* --max-response-total: the body stays in memory until the client has read it */
    if (rs->body != NULL && rs->len > MAATD_SMALL_RESPONSE) {
        size_t before = atomic_fetch_add(&d->resp_bytes, rs->len);
        if (before + rs->len > (size_t)d->cfg.max_response_total) {
            atomic_fetch_sub(&d->resp_bytes, rs->len);
            atomic_fetch_add(&d->refused_resp_cap, 1);
            size_t len = rs->len;
            free(rs->body);
            memset(rs, 0, sizeof *rs);
            maatd_error(&cs->rq, rs, 503, "ServiceUnavailable",
                        "maatd holds too many response bytes that clients have not read yet "
                        "(this one: %zu bytes; limit %ld in all); retry later.",
                        len, d->cfg.max_response_total);
            close_after = true;
        } else {
            cs->resp_charged = rs->len;
        }
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        rs->len, rs->body ? rs->body : (void *)"",
        rs->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(rs->body);
        if (cs->resp_charged) atomic_fetch_sub(&d->resp_bytes, cs->resp_charged);
        cs->resp_charged = 0;
        return MHD_NO;
    }
    rs->body = NULL; /* MHD owns it now */
    struct maatd_header hs[MAATD_RESPONSE_HEADERS_MAX];
    char allow[80];
    size_t nh = maatd_response_headers(&cs->rq, rs, close_after, hs, allow, sizeof allow);
    for (size_t i = 0; i < nh; i++) MHD_add_response_header(resp, hs[i].name, hs[i].value);
    enum MHD_Result r = MHD_queue_response(cs->rq.conn, rs->status, resp);
    MHD_destroy_response(resp);
    cs->answered = true;
    cs->summary.status = rs->status;
    cs->summary.len = rs->len;
    return r;
}

/* The numeric client address of a connection ("-" when unknown). */
static void client_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
                                                                 MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    maatd_client_address(ci != NULL ? ci->client_addr : NULL, out, cap);
}

static struct conn_state *conn_state_new(struct maatd *d, struct MHD_Connection *conn)
{
    struct conn_state *cs = calloc(1, sizeof *cs);
    if (cs == NULL) return NULL;
    atomic_fetch_add(&d->inflight, 1);
    clock_gettime(CLOCK_MONOTONIC, &cs->rq.start);
    cs->rq.conn = conn;
    cs->rq.method = "-";
    cs->rq.path = "-";
    cs->rq.route = MAATD_R_UNKNOWN;
    maatd_guid(cs->rq.request_id);
    maat_buf_init(&cs->rq.body);
    client_address(conn, cs->rq.client, sizeof cs->rq.client);
    return cs;
}

/*
 * MHD_OPTION_URI_LOG_CALLBACK: the raw request URI, before libmicrohttpd unescapes it and
 * splits the query (its return value becomes the request's context). An encoded NUL is
 * noted (after unescaping, the path would end there: "/certs%00x" would route as
 * "/certs"). Too many query parameters are noted and the query is emptied in place
 * (libmicrohttpd 0.9.75 parses it after this callback, into the connection's memory pool;
 * ~300 parameters exhaust the pool and the connection is dropped without an answer).
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct listener *l = cls;
    struct conn_state *cs = conn_state_new(l->d, conn);
    if (cs == NULL) return NULL;
    const char *q = maatd_uri_scan(&cs->rq, uri);
    if (q != NULL && cs->rq.n_params <= MAATD_MAX_QUERY_PARAMS) {
        cs->query = strdup(q); /* NULL (out of memory): no query, api-version missing */
        cs->rq.query = cs->query;
    }
    if (cs->rq.n_params > MAATD_MAX_QUERY_PARAMS) ((char *)q)[0] = '\0';
    return cs;
}

/* The request's headers into cs->headers (rq.headers); false when out of memory. */
static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct conn_state *cs = cls;
    cs->headers[cs->rq.n_headers++] = (struct maatd_header){key, value ? value : ""};
    return MHD_YES;
}

static bool collect_headers(struct conn_state *cs)
{
    int n = MHD_get_connection_values(cs->rq.conn, MHD_HEADER_KIND, NULL, NULL);
    if (n <= 0) return true;
    cs->headers = calloc((size_t)n, sizeof *cs->headers);
    if (cs->headers == NULL) return false;
    MHD_get_connection_values(cs->rq.conn, MHD_HEADER_KIND, collect_header, cs);
    cs->rq.headers = cs->headers;
    return true;
}

/* Grows the body buffer for n more bytes within --max-body-total (memory follows the bytes
 * received). Returns 1 when the cap refuses, -1 out of memory. */
static int body_put(struct maatd *d, struct conn_state *cs, const char *data, size_t n)
{
    struct maat_buf *b = &cs->rq.body;
    size_t need = b->len + n + 1; /* maat_buf keeps room for a NUL */
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need) cap *= 2;
        size_t grow = cap - b->cap;
        size_t before = atomic_fetch_add(&d->body_bytes, grow);
        if (before + grow > (size_t)d->cfg.max_body_total) {
            atomic_fetch_sub(&d->body_bytes, grow);
            return 1;
        }
        if (maat_buf_reserve(b, n) != 0) { /* the same doubling as computed above */
            atomic_fetch_sub(&d->body_bytes, grow);
            return -1;
        }
        cs->body_charged += grow;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

static void body_release(struct maatd *d, struct conn_state *cs)
{
    maat_buf_cleanup(&cs->rq.body);
    maat_buf_init(&cs->rq.body);
    if (cs->body_charged) atomic_fetch_sub(&d->body_bytes, cs->body_charged);
    cs->body_charged = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct listener *l = cls;
    struct maatd *d = l->d;
    struct conn_state *cs = *con_cls;
    if (cs == NULL) { /* the URI callback could not allocate */
        cs = conn_state_new(d, conn);
        if (cs == NULL) return MHD_NO;
        *con_cls = cs;
    }
    if (!cs->headers_done) { /* headers received: set up, maybe refuse early */
        cs->headers_done = true;
        cs->rq.method = method;
        cs->rq.path = url;
        maatd_guard_request(d->guard, conn, true);
        struct maatd_response rs = {0};
        if (!collect_headers(cs)) return MHD_NO;
        if (!maatd_request_precheck(&cs->rq, version, l->reserve, &rs)) {
            cs->rq.early_reply = true;
            return send_response(d, cs, &rs, true);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (n > (unsigned long long)d->cfg.max_body) {
                cs->rq.too_large = true;
                cs->rq.early_reply = true;
                maatd_route(d, &cs->rq, &rs); /* 404/405/400 first, else 413 */
                return send_response(d, cs, &rs, true);
            }
            if (n > 0 && atomic_load(&d->body_bytes) + n > (size_t)d->cfg.max_body_total) {
                cs->rq.early_reply = true;
                atomic_fetch_add(&d->refused_body_cap, 1);
                maatd_error(&cs->rq, &rs, 503, "ServiceUnavailable",
                            "Request bodies in progress hold %zu bytes; this one (%llu bytes) "
                            "would pass the limit of %ld; retry later.",
                            atomic_load(&d->body_bytes), n, d->cfg.max_body_total);
                return send_response(d, cs, &rs, true);
            }
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
        int rc = 1;
        if (!cs->rq.too_large && !cs->body_over_cap && cs->rq.body.len + n <= (size_t)d->cfg.max_body)
            rc = body_put(d, cs, upload_data, n);
        if (rc < 0) return MHD_NO;
        if (rc > 0) {
            if (!cs->rq.too_large && !cs->body_over_cap) {
                if (cs->rq.body.len + n > (size_t)d->cfg.max_body) {
                    cs->rq.too_large = true;
                } else {
                    cs->body_over_cap = true;
                    atomic_fetch_add(&d->refused_body_cap, 1);
                }
                cs->discarded += cs->rq.body.len;
                body_release(d, cs); /* nothing of it is needed any more */
            }
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
    } else if (cs->body_over_cap) {
        maatd_error(
            &cs->rq, &rs, 503, "ServiceUnavailable",
            "Request bodies in progress hold more than the limit of %ld bytes; retry later.",
            d->cfg.max_body_total);
    } else {
        /* a collateral wait suspends the request (collateral_wait.c), main listener only */
        cs->rq.cwait = !l->reserve && d->waits != NULL && !cs->no_suspend ? &cs->cwait : NULL;
        maatd_route(d, &cs->rq, &rs);
        if (cs->rq.suspend) { /* no answer yet: no thread is held while it waits */
            cs->rq.suspend = false;
            free(rs.body);
            MHD_suspend_connection(conn);
            if (!maatd_waits_add(d->waits, conn, &cs->cwait.deadline, cs->cwait.gen)) {
                cs->no_suspend = true; /* run again at once, waiting in the cache */
                MHD_resume_connection(conn);
            }
            return MHD_YES; /* resumed: libmicrohttpd calls this again, the route re-runs */
        }
    }
    body_release(d, cs);
    return send_response(d, cs, &rs, cs->body_over_cap);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct listener *l = cls;
    struct maatd *d = l->d;
    struct conn_state *cs = *con_cls;
    maatd_guard_request(d->guard, conn, false); /* the next request's deadline starts */
    if (cs == NULL) return;
    *con_cls = NULL;
    uint64_t us = elapsed_us(&cs->rq.start);
    if (!cs->answered) { /* timed out, client gone, or cut off: count it as such */
        bool killed = maatd_guard_killed(d->guard, conn);
        cs->summary.status = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? 408 : 400;
        cs->rq.error_code = killed                                          ? "header-timeout"
                            : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                            : cs->rq.too_large                              ? "body-too-large"
                                                                            : "connection-closed";
        if (killed) cs->summary.status = 408;
        snprintf(cs->rq.reason, sizeof cs->rq.reason, "%s",
                 killed ? "request line and headers not complete within --header-timeout"
                 : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "idle longer than --timeout"
                 : cs->rq.too_large ? "body above --max-body, connection cut"
                                    : "connection closed before the request was complete");
    } else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && cs->rq.error_code == NULL) {
        /* answered, but the client did not take the whole answer */
        cs->rq.error_code = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "response-timeout"
                                                                          : "response-aborted";
        snprintf(cs->rq.reason, sizeof cs->rq.reason, "%s",
                 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                     ? "the client did not read the response within --timeout"
                     : "the connection ended before the response was sent");
    }
    maatd_metrics_request(&d->metrics, cs->rq.route, cs->summary.status, us);
    maatd_log_request(&cs->rq, &cs->summary, us, cs->rq.body.len + cs->discarded);
    body_release(d, cs);
    if (cs->resp_charged) atomic_fetch_sub(&d->resp_bytes, cs->resp_charged);
    free(cs->query);
    free(cs->headers);
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

/* Splits HOST:PORT ([v6]:PORT allowed) and resolves it numerically-or-by-name. `flag`
 * names the option in messages. */
static int resolve_listen(const char *flag, const char *listen, struct sockaddr_storage *ss,
                          socklen_t *sslen, char *host_out, size_t host_cap, struct maat_error *err)
{
    const char *colon = strrchr(listen, ':');
    MAAT_ENSURE(colon != NULL && colon[1] != '\0', err, MAAT_ERR_USAGE,
                "%s '%s': expected HOST:PORT", flag, listen);
    size_t hl = (size_t)(colon - listen);
    char host[256], port[16];
    MAAT_ENSURE(hl > 0 && hl < sizeof host && strlen(colon + 1) < sizeof port, err, MAAT_ERR_USAGE,
                "%s '%s': expected HOST:PORT", flag, listen);
    memcpy(host, listen, hl);
    host[hl] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    char *end;
    errno = 0;
    unsigned long pn = strtoul(port, &end, 10);
    MAAT_ENSURE(port[0] >= '0' && port[0] <= '9' && *end == '\0' && errno == 0 && pn <= 65535, err,
                MAAT_ERR_USAGE, "%s '%s': port '%s' out of range (0..65535)", flag, listen, port);
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
    MAAT_ENSURE(rc == 0 && res != NULL, err, MAAT_ERR_USAGE, "%s '%s': %s", flag, listen,
                gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Binds and listens on `listen` ourselves (so a failure names the address and the port,
 * and the bound port is known). Returns the socket; *port_out = the bound port. */
static int open_listener(const char *flag, const char *addr, char *host, size_t host_cap,
                         unsigned *port_out, bool *usage_error, struct maat_error *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    if (resolve_listen(flag, addr, &ss, &sslen, host, host_cap, err) != 0) {
        *usage_error = true; /* a bad address, not a failure to bind it */
        return -1;
    }
    unsigned want = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    MAAT_ENSURE(fd >= 0, err, MAAT_ERR_IO, "%s %s: socket: %s", flag, addr, strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 512) != 0) {
        int e = errno;
        close(fd);
        return maat_error_set(err, MAAT_ERR_IO, "%s %s: cannot listen on port %u: %s", flag, addr,
                              want, strerror(e));
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    *port_out = want;
    if (getsockname(fd, (struct sockaddr *)&bound, &bl) == 0)
        *port_out = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                      : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

static unsigned poll_flags(void)
{
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
    return flags;
}

/* MHD_OPTION_NOTIFY_CONNECTION: the header deadline's tracking plus a bounded kernel send
 * buffer, so a client that does not read holds at most MAATD_SNDBUF (doubled by Linux)
 * of socket memory beyond its queued response. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct maatd *d = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
            c, MHD_CONNECTION_INFO_CONNECTION_FD);
        int sz = MAATD_SNDBUF;
        if (ci != NULL) setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    }
    maatd_guard_notify(d->guard, c, socket_context, code);
}

int maatd_server_start(struct maatd *d, struct maat_error *err)
{
    char host[256];
    unsigned port = 0;
    int fd = open_listener("--listen", d->cfg.listen, host, sizeof host, &port,
                           &d->listen_usage_error, err);
    if (fd < 0) return -1;
    int hfd = -1;
    char hhost[256];
    unsigned hport = 0;
    if (d->cfg.health_listen != NULL) {
        hfd = open_listener("--health-listen", d->cfg.health_listen, hhost, sizeof hhost, &hport,
                            &d->listen_usage_error, err);
        if (hfd < 0) {
            close(fd);
            return -1;
        }
    }
    d->guard = maatd_guard_start(d->cfg.header_timeout);
    if (d->guard == NULL) {
        close(fd);
        if (hfd >= 0) close(hfd);
        return maat_error_set(err, MAAT_ERR_NOMEM, "could not start the header-deadline watchdog");
    }
    if (d->cache != NULL && (d->waits = maatd_waits_start(d->cache, d->cache_tdx)) == NULL) {
        close(fd);
        if (hfd >= 0) close(hfd);
        return maat_error_set(err, MAAT_ERR_NOMEM, "could not start the collateral-wait thread");
    }

    unsigned threads = (unsigned)d->cfg.threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 && n < 256 ? (unsigned)n : 2;
    }
    unsigned flags = poll_flags() | MHD_ALLOW_SUSPEND_RESUME; /* collateral waits */
    if (d->tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            close(fd);
            if (hfd >= 0) close(hfd);
            return maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                                  "this libmicrohttpd was built without TLS support");
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, d->tls_key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, d->tls_cert_pem},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
        {MHD_OPTION_END, 0, NULL},
    };
    main_listener = (struct listener){d, false};
    reserve_listener = (struct listener){d, true};
    d->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &main_listener, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
        NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)d->cfg.max_conn_per_client,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)d->cfg.timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)d->cfg.conn_memory, MHD_OPTION_URI_LOG_CALLBACK, on_uri, &main_listener,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, d, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        &main_listener, MHD_OPTION_ARRAY, d->tls ? tls_opts : &tls_opts[3], MHD_OPTION_END);
    if (d->daemon == NULL) {
        close(fd);
        if (hfd >= 0) close(hfd);
        return maat_error_set(err, MAAT_ERR_IO,
                              "could not start the HTTP server on %s (bad TLS key/certificate?)",
                              d->cfg.listen);
    }
    snprintf(d->listen_url, sizeof d->listen_url, "%s://%s:%u", d->tls ? "https" : "http", host,
             port);
    if (hfd >= 0) {
        /* The reserve: one thread of its own, few connections, short timeouts. */
        d->health_daemon = MHD_start_daemon(
            poll_flags(), 0, NULL, NULL, on_request, &reserve_listener, MHD_OPTION_EXTERNAL_LOGGER,
            mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET, hfd, MHD_OPTION_CONNECTION_LIMIT, 64u,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
            &reserve_listener, MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, &reserve_listener, MHD_OPTION_END);
        if (d->health_daemon == NULL) {
            close(hfd);
            return maat_error_set(err, MAAT_ERR_IO, "could not start the reserve listener on %s",
                                  d->cfg.health_listen);
        }
        snprintf(d->health_url, sizeof d->health_url, "http://%s:%u", hhost, hport);
        maatd_log("info", "reserve listener (/healthz, /ready, /metrics) on %s", d->health_url);
    }
    maatd_log("info",
              "listening on %s (%u threads, timeout %lds, header timeout %lds, max body %ld "
              "bytes, max %ld connections, %ld per client)",
              d->listen_url, threads, d->cfg.timeout, d->cfg.header_timeout, d->cfg.max_body,
              d->cfg.max_connections, d->cfg.max_conn_per_client);
    return 0;
}

static void stop_daemon(struct MHD_Daemon **dp)
{
    if (*dp == NULL) return;
    MHD_stop_daemon(*dp);
    *dp = NULL;
}

static void waits_end(struct maatd *d)
{
    maatd_waits_stop(d->waits);
    maatd_waits_free(d->waits);
    d->waits = NULL;
}

void maatd_server_stop(struct maatd *d)
{
    if (d->daemon == NULL) {
        stop_daemon(&d->health_daemon);
        maatd_guard_stop(d->guard);
        d->guard = NULL;
        waits_end(d);
        return;
    }
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
    if (left > 0)
        maatd_log("warn", "shutdown: %d request(s) still in flight after %lds; closing them", left,
                  d->cfg.shutdown_grace);
    maatd_waits_stop(d->waits); /* suspended requests resume (503: shutting down) */
    stop_daemon(&d->daemon);
    stop_daemon(&d->health_daemon);
    maatd_guard_stop(d->guard);
    d->guard = NULL;
    maatd_waits_free(d->waits);
    d->waits = NULL;
}
