/* claim_list_internal.h - claim lists built directly, without a JSON claim object: claims.c
 * writes the incoming claim set this way for the policy engine (policy/claims_json.c owns
 * the list's storage). */
#ifndef MAAT_CLAIM_LIST_INTERNAL_H
#define MAAT_CLAIM_LIST_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "maat/error.h"
#include "maat/policy.h"

/* An empty list with room for `cap` claims (maat__claim_list_cleanup frees it). */
int maat__claim_list_begin(struct maat_claim_list *l, size_t cap, struct maat_error *err);
/* Appends a claim issued by AttestationService. The value's text (STRING, JSON) is copied
 * into the list; `type` is not and must outlive the list (claims.c passes literals).
 * MAAT_ERR_TOO_LARGE beyond the room. */
int maat__claim_list_push(struct maat_claim_list *l, const char *type,
                          const struct maat_claim_value *v, struct maat_error *err);

/* Appends the claim maat__claim_list_from_json() makes of the JSON value v (string, integer,
 * boolean, or compact sorted JSON text; null: no claim). */
int maat__claim_list_push_json(struct maat_claim_list *l, const char *type, json_t *v,
                               struct maat_error *err);

#endif
