/*
 * replay_guard.h - maatd's guard against replayed signed management requests (isolated
 * mode): the time claims of a request JWS (iat, nbf, exp) and the store of applied-request
 * hashes (namespace "applied"). Rules and limits: docs/maatd.md "Replayed management
 * requests".
 */
#ifndef MAATD_REPLAY_GUARD_H
#define MAATD_REPLAY_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "maat/error.h"

struct maat_store;

#define MAATD_GUARD_NS "applied"            /* store namespace of applied-request records */
#define MAATD_GUARD_MAX 65536               /* records kept at most (see maatd_guard_record) */
#define MAATD_GUARD_IAT_MAX_AGE (24 * 3600) /* a JWS whose iat is older is stale */
#define MAATD_GUARD_SKEW 300                /* clock skew allowed on iat / nbf / exp */
#define MAATD_GUARD_KEY_MAX 64
#define MAATD_GUARD_CONCURRENT                                                              \
    "this JWS was applied concurrently by another request (or another replica sharing the " \
    "store); it is applied once only"

/* What a request asks for: its record key starts with the operation, so the same JWS
 * text used for :add and for :remove (MAA's bodies are the same) has two records. Policy
 * records are shared by the attestation types (a JWS applied to one type is not current
 * on another). */
enum maatd_guard_op { MAATD_GUARD_POLICY, MAATD_GUARD_CERT_ADD, MAATD_GUARD_CERT_REMOVE };

/* The payload's time claims, when present, at time `now`: "iat" (integer seconds) neither
 * later than now + skew nor older than now - MAATD_GUARD_IAT_MAX_AGE; "nbf" not later than
 * now + skew; "exp" not earlier than now - skew. *iat = -1 when absent. -1 with a message
 * naming the claim and what was expected. A NULL payload (reset form) has none. */
int maatd_guard_times(const json_t *payload, int64_t now, int64_t *iat, struct maat_error *err);

/* "<op>/<b64url SHA-256 of the JWS text>" into key[MAATD_GUARD_KEY_MAX]. */
void maatd_guard_key(enum maatd_guard_op op, const char *jws, size_t len,
                     char key[MAATD_GUARD_KEY_MAX]);

/* Whether a request with this key was applied before. */
int maatd_guard_seen(struct maat_store *s, const char *key, bool *seen, struct maat_error *err);

/* Records the key as applied, before the change is made (a crash between the two leaves
 * the JWS spent, never replayable), with compare-and-swap on absence: when another
 * replica recorded it first, -1 with MAAT_ERR_VALUE ("applied concurrently"). `iat` (-1 =
 * none) decides when the record may go: records whose iat is older than the stale limit
 * are pruned here (their JWS is refused as stale anyway). When MAATD_GUARD_MAX records
 * remain after pruning, -1 with MAAT_ERR_TOO_LARGE: the change is refused rather than
 * forgetting a hash. `what` and `signer` describe the request in the record (no JWS). */
int maatd_guard_record(struct maat_store *s, const char *key, int64_t iat, int64_t now,
                       const char *what, const char *signer, struct maat_error *err);

/* The first half of maatd_guard_record, for a caller that writes the record itself in one
 * store batch with the change it guards (policy_routes.c): prunes, enforces the limit and
 * returns the record's value (malloc'd JSON text) in *text. Write it with expected version
 * 0 (absent); a conflict on it means "applied concurrently". */
int maatd_guard_prepare(struct maat_store *s, int64_t iat, int64_t now, const char *what,
                        const char *signer, char **text, struct maat_error *err);

#endif /* MAATD_REPLAY_GUARD_H */
