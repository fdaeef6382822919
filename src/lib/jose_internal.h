/* jose_internal.h - what jose.c and signing_key.c share inside libmaat. */
#ifndef MAAT_JOSE_INTERNAL_H
#define MAAT_JOSE_INTERNAL_H

#include <stddef.h>

#include <jansson.h>
#include <stdbool.h>

#include "maat/bytes.h"
#include <openssl/evp.h>

/* RFC 7518 PS256 on a signing or verification context: PSS padding, salt length 32 (the
 * hash length), MGF1 with SHA-256. Returns 1 on success, 0 on failure. */
int maat__rsa_pss_setup(EVP_PKEY_CTX *pctx);

/* The compact text json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS :
 * JSON_PRESERVE_ORDER)) writes, malloc'd, its length in *len: jose.c's own writer when the
 * tree holds only objects, arrays, ASCII strings, integers, booleans and null (the same
 * bytes as jansson 2.14, several times faster: tests/unit/lib/test_jose_dump.c), json_dumps
 * for anything else. NULL when out of memory. */
char *maat__json_dump(const json_t *j, bool sort, size_t *len);

/* maat__json_dump's text appended to b. 0, or -1 out of memory. */
int maat__json_append(struct maat_buf *b, const json_t *j, bool sort);
/* Appends s[0, n) as a JSON string literal, as jansson writes it. -1 when out of memory or
 * when s is not UTF-8 (jansson refuses such strings). */
int maat__json_append_string(struct maat_buf *b, const char *s, size_t n);

#endif
