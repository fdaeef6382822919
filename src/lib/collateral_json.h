/*
 * collateral_json.h - (internal) strict typed field access over jansson values for the
 * collateral parsers: every getter checks presence, JSON type, range and format, and
 * every failure names the field's JSON path and its byte offset in the input text.
 */
#ifndef MAAT_COLLATERAL_JSON_H
#define MAAT_COLLATERAL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_span.h"
#include "maat/collateral.h"
#include "maat/error.h"

/* Parsing context: the text values came from (for offsets), names for messages. */
struct cj {
    const char *text;
    size_t len;
    const char *what;  /* structure name for messages, e.g. "tcb info" */
    const char *strip; /* path prefix absent from `text` (body variants), or NULL */
    struct maat_error *err;
    bool flat_strings; /* cj_load tries maat__json_flat_strings before jansson */
};

/* json_flat.c: the object jansson would parse from text[0, len) when its members are all
 * plain strings (see there), or NULL: then scan it and parse it with jansson. */
json_t *maat__json_flat_strings(const char *text, size_t len);
/* Objects built by maat__json_flat_strings on this thread (tests). */
extern _Thread_local unsigned long maat__json_flat_taken;

/* Bitmask of enum maat_tcb_status values allowed in a status field: every status a
 * collateral level can carry (the relaunch statuses after Revoked are verdict-only). */
#define CJ_STATUS_ALL ((1u << (MAAT_TCB_REVOKED + 1)) - 1u)
#define CJ_STATUS_BIT(s) (1u << (s))

/* Records an error about the value at `path` (offset looked up in the text). */
int cj_fail(struct cj *c, maat_err code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* dst = "parent.key" / "parent[i]" (cut at MAAT_JSON_PATH_MAX). */
void cj_child(char *dst, const char *parent, const char *key);
void cj_index(char *dst, const char *parent, size_t i);

/*
 * Bounds the size, scans the syntax (depth, offsets) and parses with jansson
 * (duplicates rejected). When root_key is not NULL, *found and *span receive the byte span
 * of that top-level member's value. *root is a new reference on success.
 */
int cj_load(struct cj *c, const char *root_key, bool *found, struct maat_json_span *span,
            json_t **root);

/* Member `key` of object `obj` (at `path`). Absent: error if required, else *out NULL. */
int cj_member(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
              json_t **out);
/* Same, and the value must be an object / an array of min..max elements. */
int cj_object(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
              json_t **out);
int cj_array(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
             size_t min, size_t max, json_t **out);
/* A non-negative integer 0..max (no fraction, exponent, sign). *present when optional. */
int cj_uint(struct cj *c, json_t *obj, const char *path, const char *key, uint64_t max,
            bool required, bool *present, uint64_t *out);
/* A string (jansson-decoded; never contains NUL). *s NULL when optional and absent. */
int cj_string(struct cj *c, json_t *obj, const char *path, const char *key, bool required,
              const char **s, size_t *len);
/* A string of exactly 2n hex digits, decoded into dst. */
int cj_hex(struct cj *c, json_t *obj, const char *path, const char *key, uint8_t *dst, size_t n,
           bool required, bool *present);
/* An RFC 3339 UTC date "YYYY-MM-DDTHH:MM:SSZ" that exists on the calendar. */
int cj_date(struct cj *c, json_t *obj, const char *path, const char *key, time_t *out);
/* A status name from the allowed set. */
int cj_status(struct cj *c, json_t *obj, const char *path, const char *key, unsigned allowed,
              enum maat_tcb_status *out);
/* Optional `advisoryIDs`: an array of non-empty strings (copied). */
int cj_advisory_ids(struct cj *c, json_t *obj, const char *path, char ***ids, size_t *n);
/* A tcbLevels array of {tcb:{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}. */
int cj_enclave_levels(struct cj *c, json_t *obj, const char *path, uint16_t max_isvsvn,
                      struct maat_enclave_tcb_level **levels, size_t *n);
/* A signature: exactly 128 hex digits (64-byte r||s). `field` names it in errors. */
int cj_signature_hex(struct cj *c, const char *hex, size_t len, const char *field,
                     uint8_t out[MAAT_COLLATERAL_SIG_SIZE]);
/* The top-level "signature" member of `root`. */
int cj_signature(struct cj *c, json_t *root, uint8_t out[MAAT_COLLATERAL_SIG_SIZE]);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" (exactly 20 chars) to Unix time. 0 or -1. */
int cj_parse_date(const char *s, size_t len, time_t *out);

void cj_free_strings(char **v, size_t n);
void cj_free_enclave_levels(struct maat_enclave_tcb_level *levels, size_t n);

#endif
