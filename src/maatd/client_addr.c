/*
 * client_addr.c - the numeric client address of a request's connection, for the log line.
 * An IPv4 address and port are written directly: getnameinfo + snprintf cost ~1 us of every
 * request (bench/README.md, maatd "Fourth pass"); the result is the same text. Anything
 * else (IPv6, with its scope and compression rules) still goes through getnameinfo.
 */
#include "client_addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decimal digits of v (< 100000) at p; returns the count. */
static size_t put_dec(char *p, unsigned v)
{
    char t[5];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) p[i] = t[n - 1 - i];
    return n;
}

void maatd_client_address(const struct sockaddr *sa, char *out, size_t cap)
{
    if (cap == 0) return;
    snprintf(out, cap, "-");
    if (sa == NULL) return;
    if (sa->sa_family == AF_INET && cap >= sizeof "255.255.255.255:65535") {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        const uint8_t *a = (const uint8_t *)&in.sin_addr.s_addr; /* network order */
        size_t o = 0;
        for (int i = 0; i < 4; i++) {
            if (i > 0) out[o++] = '.';
            o += put_dec(out + o, a[i]);
        }
        out[o++] = ':';
        o += put_dec(out + o, ntohs(in.sin_port));
        out[o] = '\0';
        return;
    }
    socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
    char host[INET6_ADDRSTRLEN + 1], serv[8];
    if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        snprintf(out, cap, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}
