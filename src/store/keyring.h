/*
 * keyring.h - the token-signing key records in a store (namespace "keys"), shared by maatd
 * (which loads them, issues certificates and serves /certs) and `maat key rotate` (which
 * writes a new current key that running replicas pick up like any other store change).
 *
 * Records:
 *   keys/key/<created, 20 digits>-<8 hex>  "MAATKEY1" u64le created u64le retired(0 = not)
 *                                          then maat__signing_key_serialize() bytes
 *   keys/current                           the record name of the current key
 */
#ifndef MAAT_KEYRING_H
#define MAAT_KEYRING_H

#include <stdbool.h>
#include <stdint.h>

#include "maat/error.h"
#include "maat/jose.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_KEYRING_NS "keys"
#define MAAT_KEYRING_NAME_MAX 64

/* One key record's contents. */
int maat_keyring_encode(const struct maat_signing_key *k, int64_t created, int64_t retired,
                        uint8_t **out, size_t *len, struct maat_error *err);
/* *k is the caller's (maat__signing_key_free). */
int maat_keyring_decode(const uint8_t *p, size_t len, struct maat_signing_key **k, int64_t *created,
                        int64_t *retired, struct maat_error *err);

/* The current key's record name (malloc'd, free it) and the version of keys/current; NULL
 * with *version = 0 and err untouched when there is none; NULL with err set on a failure. */
char *maat_keyring_current(struct maat_store *s, uint64_t *version, struct maat_error *err);

/*
 * Makes a new current key: generates one (alg; `use_current_alg` = the current key's
 * algorithm when there is a readable current key), writes its record, then moves
 * keys/current to it with compare-and-swap against `expected` (the version of keys/current
 * the caller saw, 0 = none; UINT64_MAX = whatever it is now), then marks the previous
 * current key retired at `now`. On a lost race (*conflict = true) the new record is deleted
 * again and nothing changed. new_kid (may be NULL) receives the new key's kid, prev_kid
 * (may be NULL) the previous one's ("" when there was none).
 */
int maat_keyring_rotate(struct maat_store *s, enum maat_jws_alg alg, bool use_current_alg,
                        uint64_t expected, int64_t now, bool *conflict, char *new_kid,
                        size_t kid_cap, char *prev_kid, size_t prev_cap, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_KEYRING_H */
