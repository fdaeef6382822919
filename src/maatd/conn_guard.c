/*
 * conn_guard.c - the header deadline (--header-timeout): every open connection is tracked
 * (MHD_OPTION_NOTIFY_CONNECTION) with the time its current request began (accept, or
 * the end of the previous request on a keep-alive connection); a watchdog thread closes
 * (shutdown(2), which libmicrohttpd sees as the peer going away) every connection whose
 * request line and headers are not complete within the deadline, however slowly it keeps
 * sending. libmicrohttpd 0.9.75 has only an inactivity timeout (--timeout), which a client
 * sending one byte every few seconds never reaches.
 *
 * The tracking record is the connection's socket context; libmicrohttpd notifies
 * MHD_CONNECTION_NOTIFY_CLOSED before it closes the descriptor, and the watchdog only
 * touches descriptors of connections still in the list (under the same mutex), so it
 * never shuts down a descriptor that was closed and reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "maatd.h"

struct maatd_conn {
    struct maatd_conn *prev, *next;
    int fd;
    struct timespec since; /* CLOCK_MONOTONIC: accept or end of the previous request */
    bool in_request;       /* headers complete, request being served */
    bool killed;           /* closed by the header deadline */
};

struct maatd_guard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct maatd_conn *head;
    long deadline_s;
    bool stop;
    pthread_t thread;
    atomic_uint_fast64_t closed_total; /* connections closed by the deadline (metrics) */
};

static struct maatd_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = c ? MHD_get_connection_info(
                                                 c, MHD_CONNECTION_INFO_SOCKET_CONTEXT)
                                           : NULL;
    return ci ? ci->socket_context : NULL;
}

void maatd_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
    struct maatd_guard *g = cls;
    if (g == NULL) return;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct maatd_conn *k = calloc(1, sizeof *k);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
            c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (k == NULL || ci == NULL) { /* cannot enforce the deadline: refuse the connection */
            free(k);
            *socket_context = NULL;
            if (ci != NULL) shutdown(ci->connect_fd, SHUT_RDWR);
            return;
        }
        k->fd = ci->connect_fd;
        clock_gettime(CLOCK_MONOTONIC, &k->since);
        pthread_mutex_lock(&g->mu);
        k->next = g->head;
        if (g->head) g->head->prev = k;
        g->head = k;
        pthread_mutex_unlock(&g->mu);
        *socket_context = k;
        return;
    }
    struct maatd_conn *k = *socket_context;
    if (k == NULL) return;
    pthread_mutex_lock(&g->mu);
    if (k->prev)
        k->prev->next = k->next;
    else
        g->head = k->next;
    if (k->next) k->next->prev = k->prev;
    pthread_mutex_unlock(&g->mu);
    free(k);
    *socket_context = NULL;
}

void maatd_guard_request(struct maatd_guard *g, struct MHD_Connection *c, bool in_request)
{
    struct maatd_conn *k = conn_of(c);
    if (g == NULL || k == NULL) return;
    pthread_mutex_lock(&g->mu);
    k->in_request = in_request;
    if (!in_request) clock_gettime(CLOCK_MONOTONIC, &k->since);
    pthread_mutex_unlock(&g->mu);
}

bool maatd_guard_killed(struct maatd_guard *g, struct MHD_Connection *c)
{
    struct maatd_conn *k = conn_of(c);
    if (g == NULL || k == NULL) return false;
    pthread_mutex_lock(&g->mu);
    bool killed = k->killed;
    pthread_mutex_unlock(&g->mu);
    return killed;
}

uint64_t maatd_guard_closed_total(const struct maatd_guard *g)
{
    return g ? atomic_load(&g->closed_total) : 0;
}

static void *watchdog(void *arg)
{
    struct maatd_guard *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 250 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!g->stop && pthread_cond_timedwait(&g->cv, &g->mu, &until) != ETIMEDOUT) {
        }
        if (g->stop) break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        unsigned closed = 0;
        for (struct maatd_conn *k = g->head; k; k = k->next) {
            if (k->in_request || k->killed) continue;
            int64_t ms = (int64_t)(now.tv_sec - k->since.tv_sec) * 1000 +
                         (now.tv_nsec - k->since.tv_nsec) / 1000000;
            if (ms < g->deadline_s * 1000) continue;
            shutdown(k->fd, SHUT_RDWR); /* libmicrohttpd reads EOF and closes it */
            k->killed = true;
            closed++;
        }
        if (closed > 0) {
            atomic_fetch_add(&g->closed_total, closed);
            pthread_mutex_unlock(&g->mu);
            maatd_log("warn",
                      "header deadline: closed %u connection(s) that had not sent a "
                      "complete request line and headers within %lds (--header-timeout)",
                      closed, g->deadline_s);
            pthread_mutex_lock(&g->mu);
        }
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

struct maatd_guard *maatd_guard_start(long deadline_s)
{
    struct maatd_guard *g = calloc(1, sizeof *g);
    if (g == NULL) return NULL;
    g->deadline_s = deadline_s;
    pthread_condattr_t ca;
    bool ok = pthread_condattr_init(&ca) == 0;
    ok = ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&g->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok) {
        free(g);
        return NULL;
    }
    pthread_mutex_init(&g->mu, NULL);
    if (pthread_create(&g->thread, NULL, watchdog, g) != 0) {
        pthread_cond_destroy(&g->cv);
        pthread_mutex_destroy(&g->mu);
        free(g);
        return NULL;
    }
    return g;
}

/* Call after the daemons are stopped (no connection left to notify). */
void maatd_guard_stop(struct maatd_guard *g)
{
    if (g == NULL) return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    while (g->head) { /* none in practice: MHD notified every close */
        struct maatd_conn *k = g->head;
        g->head = k->next;
        free(k);
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
