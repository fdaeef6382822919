/*
 * log.c - one line per request on stderr: time, request id, method, route, path, status,
 * latency, verdict status, MAA error code, bytes, client address and, for a 4xx/5xx or a
 * request that got no answer, the reason (the unredacted error message, cut to 255
 * bytes). logfmt ("text") or JSON lines.
 * Never logs bodies, keys or tokens; the path is escaped and cut to 200 bytes.
 *
 * Request lines are batched (--log-flush-ms, default 100): they collect in a 64 KB buffer
 * that a writer thread empties with one write(2) at most that long after the first line
 * went in (or at once when it fills), instead of a write per request (~6 us each here).
 * Every other message (start-up, errors, rotation, shutdown) first writes out what is
 * buffered and then itself, so the order of lines is always kept; maatd_log_stop() (at
 * shutdown) writes the rest. A crash loses at most the last --log-flush-ms of request
 * lines. --log-flush-ms 0 writes every line at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "maat/bytes.h"
#include "maatd.h"

static bool json_lines;

void maatd_log_init(const char *format)
{
    json_lines = format != NULL && !strcmp(format, "json");
}

/* The current UTC time as 2026-12-01T20:18:24.123Z. The text up to the seconds is kept per
 * thread and remade only when the second changes (one line per request calls this). */
static void now_rfc3339(char buf[32])
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        if (strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm) == 0) cached[0] = '\0';
        cached_sec = ts.tv_sec;
    }
    size_t n = strnlen(cached, 23);
    int ms = (int)(ts.tv_nsec / 1000000) % 1000;
    memcpy(buf, cached, n);
    buf[n] = '.';
    buf[n + 1] = (char)('0' + ms / 100);
    buf[n + 2] = (char)('0' + ms / 10 % 10);
    buf[n + 3] = (char)('0' + ms % 10);
    buf[n + 4] = 'Z';
    buf[n + 5] = '\0';
}

/* A request line assembled piece by piece (a printf per line cost ~2 us here); pieces
 * that do not fit are dropped, the line stays whole. */
struct line {
    char *p;
    size_t n, cap;
};

static void put(struct line *l, const char *s, size_t n)
{
    if (n < l->cap - l->n) {
        memcpy(l->p + l->n, s, n);
        l->n += n;
    }
}

static void put_s(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

static void put_u(struct line *l, unsigned long long v)
{
    char out[21];
    put(l, out, maat_u64_text((uint64_t)v, out));
}

/* microseconds as milliseconds with three decimals */
static void put_ms(struct line *l, uint64_t us)
{
    put_u(l, (unsigned long long)(us / 1000));
    char f[4] = {'.', (char)('0' + us % 1000 / 100), (char)('0' + us % 100 / 10),
                 (char)('0' + us % 10)};
    put(l, f, 4);
}

static void write_all(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDERR_FILENO, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        len -= (size_t)w;
    }
}

/* The batch of request lines. mu guards buf/len; wmu is held while a batch is written,
 * taken after mu (never the other way round), so that a batch taken out of buf reaches
 * stderr before anything appended after it. */
#define LOG_BATCH_CAP (64u << 10)
static struct {
    pthread_mutex_t mu, wmu;
    pthread_cond_t cv;
    char *buf, *spare;
    size_t len;
    long flush_ms;
    bool running, stop;
    pthread_t thread;
} lb = {.mu = PTHREAD_MUTEX_INITIALIZER, .wmu = PTHREAD_MUTEX_INITIALIZER};

static void *batch_writer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lb.mu);
    while (!lb.stop) {
        if (lb.len == 0) { /* nothing waiting: sleep until a line comes (or the stop) */
            pthread_cond_wait(&lb.cv, &lb.mu);
            continue;
        }
        struct timespec until; /* cv runs on CLOCK_MONOTONIC: a clock step cannot stall it */
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += lb.flush_ms / 1000;
        until.tv_nsec += (lb.flush_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!lb.stop && pthread_cond_timedwait(&lb.cv, &lb.mu, &until) != ETIMEDOUT) {
        }
        if (lb.len == 0) continue;
        char *out = lb.buf;
        size_t n = lb.len;
        lb.buf = lb.spare;
        lb.spare = out;
        lb.len = 0;
        pthread_mutex_lock(&lb.wmu);
        pthread_mutex_unlock(&lb.mu);
        write_all(out, n);
        pthread_mutex_unlock(&lb.wmu);
        pthread_mutex_lock(&lb.mu);
    }
    pthread_mutex_unlock(&lb.mu);
    return NULL;
}

/* With mu held: writes out what is buffered (after any batch being written). */
static void batch_drain_locked(void)
{
    pthread_mutex_lock(&lb.wmu);
    write_all(lb.buf, lb.len);
    lb.len = 0;
    pthread_mutex_unlock(&lb.wmu);
}

int maatd_log_start(long flush_ms)
{
    if (flush_ms <= 0 || lb.running) return 0;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) return -1;
    int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                     pthread_cond_init(&lb.cv, &ca) == 0
                 ? 0
                 : -1;
    pthread_condattr_destroy(&ca);
    if (rc != 0) return -1;
    lb.buf = malloc(LOG_BATCH_CAP);
    lb.spare = malloc(LOG_BATCH_CAP);
    lb.flush_ms = flush_ms;
    lb.stop = false;
    if (lb.buf == NULL || lb.spare == NULL ||
        pthread_create(&lb.thread, NULL, batch_writer, NULL) != 0) {
        free(lb.buf);
        free(lb.spare);
        lb.buf = lb.spare = NULL;
        pthread_cond_destroy(&lb.cv);
        return -1;
    }
    lb.running = true;
    return 0;
}

void maatd_log_stop(void)
{
    if (!lb.running) return;
    pthread_mutex_lock(&lb.mu);
    lb.stop = true;
    pthread_cond_signal(&lb.cv);
    pthread_mutex_unlock(&lb.mu);
    pthread_join(lb.thread, NULL);
    pthread_mutex_lock(&lb.mu);
    batch_drain_locked();
    lb.running = false;
    free(lb.buf);
    free(lb.spare);
    lb.buf = lb.spare = NULL;
    pthread_mutex_unlock(&lb.mu);
    pthread_cond_destroy(&lb.cv);
}

/* A request line: into the batch, or straight out when batching is off. Either way it
 * is written whole by one write(2), never interleaved with another thread's line. */
static void emit_request_line(const char *line, int n, size_t cap)
{
    if (n < 0) return;
    size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
    pthread_mutex_lock(&lb.mu);
    if (!lb.running) {
        pthread_mutex_unlock(&lb.mu);
        write_all(line, len);
        return;
    }
    if (lb.len + len > LOG_BATCH_CAP) batch_drain_locked(); /* full: out now, in order */
    memcpy(lb.buf + lb.len, line, len);
    bool first = lb.len == 0;
    lb.len += len;
    if (first) pthread_cond_signal(&lb.cv);
    pthread_mutex_unlock(&lb.mu);
}

/* Any other message: the batch first, then the message, so lines stay in order. */
static void emit_message(const char *line, int n, size_t cap)
{
    if (n < 0) return;
    size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
    pthread_mutex_lock(&lb.mu);
    if (lb.running) batch_drain_locked();
    write_all(line, len);
    pthread_mutex_unlock(&lb.mu);
}

/* Copies s (untrusted) printable and quote-free into out. */
static void sanitize(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; s != NULL && *s && o + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\')
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", ch);
        else
            out[o++] = (char)ch;
    }
    out[o] = '\0';
}

/* Copies a message printable into out: spaces kept, quotes, backslashes and control or
 * non-ASCII bytes become '?'. */
static void sanitize_text(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; s != NULL && *s && o + 1 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        out[o++] = (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') ? '?' : (char)ch;
    }
    out[o] = '\0';
}

void maatd_log(const char *level, const char *fmt, ...)
{
    char t[32], msg[1024], clean[1100], line[1300];
    int n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    now_rfc3339(t);
    if (json_lines) {
        size_t o = 0;
        for (const char *p = msg; *p && o + 7 < sizeof clean; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch == '"' || ch == '\\') {
                clean[o++] = '\\';
                clean[o++] = (char)ch;
            } else if (ch < 0x20 || ch > 0x7e)
                o += (size_t)snprintf(clean + o, sizeof clean - o, "\\u%04x", ch);
            else
                clean[o++] = (char)ch;
        }
        clean[o] = '\0';
        n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"}\n", t,
                     level, clean);
    } else {
        n = snprintf(line, sizeof line, "ts=%s level=%s msg=\"%s\"\n", t, level, msg);
    }
    if (n >= (int)sizeof line) { /* cut: still one whole line */
        line[sizeof line - 2] = '\n';
        n = (int)sizeof line - 1;
    }
    emit_message(line, n, sizeof line);
}

void maatd_log_request(const struct maatd_request *rq, const struct maatd_response *rs,
                       uint64_t latency_us, size_t bytes_in)
{
    char t[32], path[220], method[24], client[64], reason[260];
    now_rfc3339(t);
    sanitize(rq->client[0] ? rq->client : "-", client, sizeof client);
    bool failed = rs->status >= 400 || rs->status == 0 || rq->error_code != NULL;
    sanitize_text(failed && rq->reason[0] ? rq->reason : "-", reason, sizeof reason);
    sanitize(rq->path, path, sizeof path);
    sanitize(rq->method ? rq->method : "-", method, sizeof method);
    const char *verdict = rq->verdict ? rq->verdict : "-";
    const char *code = rq->error_code ? rq->error_code : "-";
    /* The fields in order: text values are free of quotes and backslashes (sanitised
     * or maatd's own), so both formats write them as they are. */
    enum kind { STR, QSTR, NUM, MS }; /* QSTR: quoted in logfmt too; MS: us as ms */
    enum { NF = 14 };
    static const enum kind kinds[NF] = {STR, STR, STR, STR, STR, QSTR, NUM,
                                        MS,  STR, STR, NUM, NUM, STR,  QSTR};
    static const char *const names[NF] = {"ts",       "level",     "request_id", "method",  "route",
                                          "path",     "status",    "latency_ms", "verdict", "error",
                                          "bytes_in", "bytes_out", "client",     "reason"};
    const char *text[NF] = {t,    "info", rq->request_id, method,  maatd_route_name(rq->route),
                            path, NULL,   NULL,           verdict, code,
                            NULL, NULL,   client,         reason};
    const unsigned long long num[NF] =
        {[6] = rs->status, [7] = latency_us, [10] = bytes_in, [11] = rs->len};
    char buf[1024];
    struct line l = {buf, 0, sizeof buf - 1}; /* room kept for the newline */
    for (int i = 0; i < NF; i++) {
        bool quoted = json_lines ? kinds[i] == STR || kinds[i] == QSTR : kinds[i] == QSTR;
        if (json_lines) {
            put_s(&l, i == 0 ? "{\"" : ",\"");
            put_s(&l, names[i]);
            put_s(&l, "\":");
        } else {
            if (i > 0) put_s(&l, " ");
            put_s(&l, names[i]);
            put_s(&l, "=");
        }
        if (quoted) put_s(&l, "\"");
        if (kinds[i] == NUM)
            put_u(&l, num[i]);
        else if (kinds[i] == MS)
            put_ms(&l, num[i]);
        else
            put_s(&l, text[i]);
        if (quoted) put_s(&l, "\"");
    }
    if (json_lines) put_s(&l, "}");
    buf[l.n++] = '\n';
    emit_request_line(buf, (int)l.n, l.n + 1);
}

/* Request ids: GUIDs in the v4 form, unique rather than secret (they are echoed to the
 * client and logged). Each thread draws 16 random bytes once and then counts in the last
 * six bytes, so an id costs no RAND call and ids of different threads and runs differ. */
void maatd_guid(char out[37])
{
    static _Thread_local uint8_t base[16];
    static _Thread_local uint64_t count;
    static _Thread_local bool seeded;
    if (!seeded) {
        if (RAND_bytes(base, sizeof base) != 1) { /* never in practice: time and address */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uintptr_t a = (uintptr_t)&count;
            memcpy(base, &ts, sizeof ts < 8 ? sizeof ts : 8);
            memcpy(base + 8, &a, sizeof a < 8 ? sizeof a : 8);
        }
        seeded = true;
    }
    uint8_t b[16];
    memcpy(b, base, sizeof b);
    uint64_t c = ++count;
    for (int i = 0; i < 6; i++) b[15 - i] ^= (uint8_t)(c >> (8 * i));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hx[b[i] >> 4];
        out[o++] = hx[b[i] & 15];
    }
    out[o] = '\0';
}
