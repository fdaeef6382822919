/* source_internal.h - helpers shared by the collateral sources (not a public API). */
#ifndef MAAT_SOURCE_INTERNAL_H
#define MAAT_SOURCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "collateral_source.h"

/* Reads a whole file (at most max bytes) into buf (appended). MAAT_ERR_NOT_FOUND when
 * it does not exist, MAAT_ERR_TOO_LARGE when larger than max, MAAT_ERR_IO otherwise. */
int src_read_file(const char *path, size_t max, struct maat_buf *buf, struct maat_error *err);

/* True when path names an existing regular file. */
int src_file_exists(const char *path);

/* Which PCK CA issued a CRL (DER, PEM or hex DER): from its issuer common name.
 * -1 with err when the bytes are not a CRL; MAAT_PCK_CA_UNKNOWN for another issuer. */
int src_crl_issuer_ca(const uint8_t *p, size_t len, const char *what, enum maat_pck_ca *out,
                      struct maat_error *err);

/* Normalises a CRL body to DER in place when it is hex text (PCCS /rootcacrl answers hex
 * of the DER) or PEM (a pckcrl asked without encoding=der); DER is left alone. -1 when
 * it is none of these. */
int src_crl_normalise(struct maat_buf *crl, const char *what, struct maat_error *err);

/* Checks that TCB info (a PCS response {"tcbInfo": {...}} when `wrapped`, else the bare
 * body) names `fmspc`. Errors name `what` and the FMSPC found. */
int src_check_tcb_fmspc(const uint8_t *json, size_t len, int wrapped, const uint8_t fmspc[6],
                        const char *what, struct maat_error *err);

/* Checks a PCS response is a JSON object with an object member `key` and a string
 * member "signature" (garbage detection that names the URL/file). */
int src_check_signed_json(const uint8_t *json, size_t len, const char *key, const char *what,
                          struct maat_error *err);

/* Checks what a PCS response {"KEY": {...}} holds: KEY.id equals `id` (a v2 SGX tcbInfo,
 * which has no id, passes for "SGX"), and, when pinned > 0, KEY.tcbEvaluationDataNumber
 * equals it (a server that ignored the pin is refused, not trusted). */
int src_check_signed_kind(const uint8_t *json, size_t len, const char *key, const char *id,
                          long pinned, const char *what, struct maat_error *err);

/* Upper-case hex of an FMSPC into a 13-byte buffer. */
void src_fmspc_hex(const uint8_t fmspc[6], char out[13]);

#endif
