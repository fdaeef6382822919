/* client_addr.h - the numeric client address written in each request's log line. */
#ifndef MAATD_CLIENT_ADDR_H
#define MAATD_CLIENT_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* "a.b.c.d:port" or "[v6 address]:port" (what getnameinfo with NI_NUMERICHOST |
 * NI_NUMERICSERV gives, joined as such), "-" when sa is NULL or cannot be formatted.
 * Always NUL-terminated within cap (cap >= 2); truncated like snprintf. */
void maatd_client_address(const struct sockaddr *sa, char *out, size_t cap);

#endif
