/* token_internal.h - the optional checks of maat_token_validate() (token.c) that live in
 * token_enclave.c (the signer's own quote and the claims against an EnclaveInfo) and
 * token_td.c (the claims of a TdxVm token against its TD quote). */
#ifndef MAAT_TOKEN_INTERNAL_H
#define MAAT_TOKEN_INTERNAL_H

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/token.h"

/* Each returns 0 when its checks passed, 1 when one failed (recorded in r: checks[],
 * failed_check, failed_code, reason), -1 when it could not run (err set). */
int maat__token_check_signer(X509 *cert, const struct maat_token_expect *x,
                             struct maat_token_result *r, struct maat_error *err);
int maat__token_check_enclave_claims(const json_t *claims, const struct maat_token_expect *x,
                                     struct maat_token_result *r, struct maat_error *err);
int maat__token_check_td_claims(const json_t *claims, const struct maat_token_expect *x,
                                struct maat_token_result *r, struct maat_error *err);
/* Whether q is a TD quote whose compared fields are all present (x->td_quote). */
bool maat__token_td_quote_usable(const struct maat_quote *q);
/* Frees what the optional checks left in r (signer, enclave_claims' texts). */
void maat__token_enclave_cleanup(struct maat_token_result *r);

#endif
