/*
 * enclave_info.h - the "EnclaveInfo" JSON file of Microsoft's MAA SGX samples.
 *
 * Azure-Samples/microsoft-azure-attestation writes one JSON object per quote
 * (sgx.attest.sample.intel.sdk/genquotes/out/, sgx.attest.sample.oe.sdk/genquotes/quotes/):
 *
 *   {
 *     "Type": 2,
 *     "MrEnclaveHex": "3E2D…",          32 bytes, upper-case hex
 *     "MrSignerHex": "FEB9…",           32 bytes
 *     "ProductIdHex": "0100…",          16 bytes: isv_prod_id little-endian, zero-padded
 *     "SecurityVersion": 1,             isv_svn
 *     "Attributes": 7,                  Intel-SDK files: SGX attributes.flags;
 *                                       OE-SDK files: OpenEnclave bits (DEBUG 1, REMOTE 2)
 *     "QuoteHex": "0300…",              the quote (OE-SDK: with the 16-byte OE header)
 *     "EnclaveHeldDataHex": "0102…"     the enclave-held data (report_data = SHA-256 of it)
 *   }
 *
 * Written with two-space indentation, keys in the order above, and a final newline.
 * "Type" is 2 in every sample (OpenEnclave's OE_ENCLAVE_TYPE_SGX).
 */
#ifndef MAAT_ENCLAVE_INFO_H
#define MAAT_ENCLAVE_INFO_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"
#include "maat/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAAT_ENCLAVE_INFO_TYPE_SGX 2
#define MAAT_ENCLAVE_INFO_MAX_SIZE (4u << 20) /* JSON text accepted by the parser */
#define MAAT_ENCLAVE_INFO_EHD_MAX (1u << 20)  /* enclave-held data, decoded */

/* OpenEnclave's report attribute bits (oe_report_t.identity.attributes). */
#define MAAT_OE_ATTR_DEBUG 0x1u
#define MAAT_OE_ATTR_REMOTE 0x2u

struct maat_enclave_info {
    uint32_t type;             /* "Type" */
    uint8_t mr_enclave[32];    /* "MrEnclaveHex" */
    uint8_t mr_signer[32];     /* "MrSignerHex" */
    uint8_t product_id[16];    /* "ProductIdHex" */
    uint32_t security_version; /* "SecurityVersion" */
    uint64_t attributes;       /* "Attributes" */
    uint8_t *quote;            /* "QuoteHex", decoded (malloc'd) */
    size_t quote_len;
    uint8_t *ehd; /* "EnclaveHeldDataHex", decoded (malloc'd; may be empty) */
    size_t ehd_len;
};

/* Parses EnclaveInfo JSON text strictly: an object with exactly the eight fields above
 * (case-sensitive names, no duplicates, no other fields), integers where integers are
 * expected, hex of the stated lengths. Errors read like
 * "EnclaveInfo JSON: field QuoteHex: invalid hex digit 0x47 at offset 12 (...)".
 * On success the caller owns `out` and releases it with maat_enclave_info_cleanup(). */
MAAT_MUST_CHECK int maat_enclave_info_parse(const char *json, size_t len,
                                            struct maat_enclave_info *out, struct maat_error *err);

/* Same, from an already-parsed JSON value (a jansson JSON value, passed as void * so this
 * header does not need jansson.h). */
MAAT_MUST_CHECK int maat_enclave_info_from_json(const void *json_root, struct maat_enclave_info *out,
                                                struct maat_error *err);

/* Frees the decoded buffers and zeroes the struct. Safe on a zeroed struct. */
void maat_enclave_info_cleanup(struct maat_enclave_info *ei);

/* Builds EnclaveInfo JSON text for a quote and its enclave-held data, in the samples'
 * exact layout (byte-identical to them for the same inputs). The quote (raw, or with an
 * OpenEnclave header) is parsed; MrEnclaveHex, MrSignerHex, ProductIdHex, SecurityVersion
 * come from its SGX report body. Attributes follows the samples: with an OE header, the
 * OE bits (DEBUG if attributes.flags has DEBUG, REMOTE if the report type is 2); without,
 * attributes.flags itself. QuoteHex is the quote exactly as given. TDX quotes are refused
 * (MAAT_ERR_UNSUPPORTED: they have no MRENCLAVE). *out is malloc'd NUL-terminated text. */
MAAT_MUST_CHECK int maat_enclave_info_to_json(const uint8_t *quote, size_t quote_len,
                                              const uint8_t *ehd, size_t ehd_len, char **out,
                                              struct maat_error *err);

/* Checks that the EnclaveInfo's own fields agree with its parsed quote (MrEnclave,
 * MrSigner, ProductId, SecurityVersion, Attributes read as SGX flags or OE bits as above).
 * Fails with MAAT_ERR_VALUE naming the first field that disagrees. */
MAAT_MUST_CHECK int maat_enclave_info_check(const struct maat_enclave_info *ei,
                                            const struct maat_quote *q, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_ENCLAVE_INFO_H */
