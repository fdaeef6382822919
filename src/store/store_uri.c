/*
 * store_uri.c - maat_store_redacted_uri: a store URI with its passwords masked, for logs and
 * messages. A leaf module (calls nothing of the store), so store.c and the backends
 * (postgres.c) can both use it without a call cycle.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"

/* Appends n bytes of p to buf (bounded; always NUL-terminated). */
static void append(char *buf, size_t cap, size_t *at, const char *p, size_t n)
{
    while (n-- > 0 && *at + 1 < cap) buf[(*at)++] = *p++;
    buf[*at < cap ? *at : cap - 1] = '\0';
}

char *maat_store_redacted_uri(const char *uri, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0) return buf;
    buf[0] = '\0';
    if (uri == NULL) return buf;
    size_t at = 0;
    size_t scheme = !strncmp(uri, "postgresql://", 13) ? 13
                    : !strncmp(uri, "postgres://", 11) ? 11
                                                       : 0;
    if (scheme == 0) {
        append(buf, cap, &at, uri, strlen(uri));
        return buf;
    }
    append(buf, cap, &at, uri, scheme);
    const char *p = uri + scheme;
    /* user-info: up to the LAST '@' before the first '/' (libpq also reads a '?' there as
     * part of the user-info; an unescaped '@' in a password must not leave part of it
     * visible; masking too much is harmless) */
    size_t auth = strcspn(p, "/");
    const char *atsign = NULL;
    for (size_t i = 0; i < auth; i++)
        if (p[i] == '@') atsign = p + i;
    if (atsign != NULL) {
        const char *colon = memchr(p, ':', (size_t)(atsign - p));
        if (colon != NULL) {
            append(buf, cap, &at, p, (size_t)(colon - p) + 1);
            append(buf, cap, &at, "***", 3);
            p = atsign;
        }
    }
    /* the rest; each query parameter whose name ends in "password" gets its value masked */
    const char *q = strchr(p, '?');
    if (q == NULL) {
        append(buf, cap, &at, p, strlen(p));
        return buf;
    }
    append(buf, cap, &at, p, (size_t)(q - p) + 1);
    p = q + 1;
    while (*p != '\0') {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t name = eq != NULL ? (size_t)(eq - p) : n;
        if (eq != NULL && name >= 8 && !strncmp(eq - 8, "password", 8)) {
            append(buf, cap, &at, p, name + 1);
            append(buf, cap, &at, "***", 3);
        } else {
            append(buf, cap, &at, p, n);
        }
        p += n;
        if (*p == '&') append(buf, cap, &at, p++, 1);
    }
    return buf;
}
