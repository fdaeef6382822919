/*
 * enclave_compare.h - an EnclaveInfo (maat/enclave_info.h) against the enclave it claims:
 * the comparison the MAA sample's relying party (validatequotes) makes, field by field.
 * Two sources share it: a token's claims (maat_token_validate() with x.enclave_info,
 * r.enclave_claims[]: maat/token.h) and, offline, the parsed quote itself
 * (maat_enclave_info_compare_quote() below, `maat attest --offline`). The fields, their
 * order and names, the EnclaveInfo's side of each and the first-mismatch reason are one
 * code path (src/lib/enclave_compare.c). No jansson or OpenSSL types.
 */
#ifndef MAAT_ENCLAVE_COMPARE_H
#define MAAT_ENCLAVE_COMPARE_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>

#include "maat/enclave_info.h"
#include "maat/error.h"
#include "maat/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_ENCLAVE_COMPARE_FIELDS 6

/* One comparison: the EnclaveInfo's value against the quote's. */
struct maat_enclave_field_match {
    const char *name;  /* "IsDebuggable", "MRENCLAVE", "MRSIGNER", "ProductID",
                          "SecurityVersion", "EnclaveHeldData" (static) */
    const char *field; /* the quote's field: "attributes.flags & DEBUG", "mr_enclave",
                          "mr_signer", "isv_prod_id", "isv_svn",
                          "SHA-256(EHD) = report_data[0:32]" (static) */
    char *file_json;   /* the EnclaveInfo's value, JSON text (owned) */
    char *quote_json;  /* the quote's value, JSON text (owned) */
    bool pass;
};

/* What maat_enclave_info_compare_quote() found; release with
 * maat_enclave_comparison_cleanup(). */
struct maat_enclave_comparison {
    size_t count;  /* MAAT_ENCLAVE_COMPARE_FIELDS once it ran */
    size_t failed; /* how many did not match */
    struct maat_enclave_field_match fields[MAAT_ENCLAVE_COMPARE_FIELDS];
    /* "" when every field matches, else the first mismatch, e.g. "MRENCLAVE mismatch: the
     * file says \"3e2d...\", the quote says \"...\" (mr_enclave)", values longer than 90
     * characters cut to 86 + "...\"", and " (and more, see the report)" when more than one
     * field failed */
    char reason[MAAT_ERROR_MSG_MAX];
};

/* Compares ei with the SGX report body of q (parsed by maat_quote_parse()), as `maat attest
 * --offline` does: IsDebuggable (ei->attributes read as OpenEnclave bits when oe_attributes,
 * else as SGX flags: DEBUG) with attributes.flags & DEBUG; MrEnclave and MrSigner (shown as
 * lower-case hex); the first 8 bytes of ProductId (little-endian) with isv_prod_id;
 * SecurityVersion with isv_svn; SHA-256 of the enclave-held data with report_data[0:32].
 * Returns 0 when the comparison ran (out->failed == 0: every field matches; else
 * out->reason names the first that does not), -1 with err when it could not run:
 * MAAT_ERR_USAGE (NULL argument, ehd_len without ehd, a report body without its fields),
 * MAAT_ERR_UNSUPPORTED (q is not an SGX enclave quote), MAAT_ERR_NOMEM. On -1 *out is
 * empty (count 0). The caller owns *out: maat_enclave_comparison_cleanup(). */
MAAT_MUST_CHECK int maat_enclave_info_compare_quote(const struct maat_enclave_info *ei,
                                                    bool oe_attributes, const struct maat_quote *q,
                                                    struct maat_enclave_comparison *out,
                                                    struct maat_error *err);

/* Frees the JSON texts and zeroes *c. Safe on a zeroed struct. */
void maat_enclave_comparison_cleanup(struct maat_enclave_comparison *c);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_ENCLAVE_COMPARE_H */
