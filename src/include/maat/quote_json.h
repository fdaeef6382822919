/*
 * quote_json.h - a parsed quote as a JSON object (jansson), for `maat quote inspect
 * --json` and `maat verify --json`.
 *
 * Field names follow Intel's sgx_quote_3.h / sgx_quote_4.h / sgx_quote_5.h. Byte strings
 * are lower-case hex; integers are JSON numbers. attributes.flags and attributes.xfrm are
 * numbers when below 2^53 (every architecturally defined bit is), otherwise a string
 * "0x" + 16 lower-case hex digits, so that no JSON reader loses precision. Objects keep
 * the order in which Intel's structures lay the fields out. See docs/cli.md for the full
 * schema.
 */
#ifndef MAAT_QUOTE_JSON_H
#define MAAT_QUOTE_JSON_H

#include <jansson.h>

#include "maat/enclave_info.h"
#include "maat/error.h"
#include "maat/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Builds the JSON description of q (see docs/cli.md, "quote inspect"). `input_start` is
 * the first byte of the buffer given to maat_quote_parse() (for absolute offsets); pass
 * NULL to use q->quote.ptr, less the OE header when there is one. Certificates of a type-5
 * chain are described with OpenSSL, and the PCK leaf's SGX extension with maat_pck; a
 * certificate that cannot be decoded is described by an "error" member, not a failure.
 * Warnings (non-zero trailing bytes, undecodable PCK certificate) are appended to the
 * "warnings" array, which is present only when non-empty. Returns a new reference, or
 * NULL with err set (out of memory). */
json_t *maat__quote_to_json(const struct maat_quote *q, const uint8_t *input_start,
                           struct maat_error *err);

/* An SGX report body as the "report_body" / "qe_report" object. */
json_t *maat__quote_json_report_body(const struct maat_sgx_report_body *rb);

/* The EnclaveInfo fields as a JSON object (field names as in the file, hex lower-case). */
json_t *maat__quote_json_enclave_info(const struct maat_enclave_info *ei);

/* A u64 as a JSON number when below 2^53, else as the string "0x" + 16 hex digits. */
json_t *maat__quote_json_u64(uint64_t v);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_QUOTE_JSON_H */
