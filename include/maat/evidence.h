/*
 * evidence.h - recognise and decode the forms in which people hand maat a quote.
 *
 * Input is the bytes a program read (a file, stdin, a request body); libmaat does no
 * I/O. Recognised forms, tried in this order:
 *   binary      any byte outside printable ASCII / whitespace: the quote itself, raw, or
 *               with a 16-byte OpenEnclave report header (01000000 02000000 + u64 size)
 *   JSON        text starting with '{' (after whitespace): an EnclaveInfo object (has
 *               "QuoteHex", see enclave_info.h) or an MAA attestation request body
 *               ({"quote": base64url} for SgxEnclave, {"report": base64url} for OpenEnclave)
 *   hex         only hex digits (either case)
 *   base64url   contains '-' or '_', or has a length that is not a multiple of 4
 *   base64      otherwise (standard alphabet, padding required)
 * Whitespace (space, tab, CR, LF) is tolerated at the ends of text, never inside it, and
 * a UTF-8 byte-order mark at the start is skipped. The decoded quote is not parsed here:
 * hand ev.quote to maat_quote_parse().
 */
#ifndef MAAT_EVIDENCE_H
#define MAAT_EVIDENCE_H

#include "maat/must_check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/enclave_info.h"
#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest input accepted (text forms of a 1 MiB quote plus enclave-held data). */
#define MAAT_EVIDENCE_MAX_SIZE (4u << 20)

enum maat_evidence_format {
    MAAT_EVIDENCE_BINARY = 1,
    MAAT_EVIDENCE_HEX,
    MAAT_EVIDENCE_BASE64,
    MAAT_EVIDENCE_BASE64URL,
    MAAT_EVIDENCE_ENCLAVE_INFO, /* MAA sample EnclaveInfo JSON */
    MAAT_EVIDENCE_MAA_REQUEST,  /* MAA /attest request body JSON */
};

struct maat_evidence {
    enum maat_evidence_format format;
    uint8_t *quote; /* decoded quote bytes (malloc'd), OE header included */
    size_t quote_len;
    bool oe_envelope;      /* quote starts with an OpenEnclave report header */
    bool has_enclave_info; /* format == MAAT_EVIDENCE_ENCLAVE_INFO */
    struct maat_enclave_info enclave_info;
    const char *request_field; /* MAA request: "quote" or "report", else NULL */
};

/* Detects the form of `in` and decodes it into ev (which the caller releases with
 * maat_evidence_cleanup(), also after a failure). Rejections say which form was assumed
 * and why it failed, e.g. "hex text: invalid hex digit 0x47 at offset 12 (...)".
 * Inputs above MAAT_EVIDENCE_MAX_SIZE or decoding to more than MAAT_QUOTE_MAX_SIZE (plus
 * the OE header) fail with MAAT_ERR_TOO_LARGE; empty input with MAAT_ERR_TRUNCATED. */
MAAT_MUST_CHECK int maat_evidence_decode(const uint8_t *in, size_t len, struct maat_evidence *ev,
                                         struct maat_error *err);

/* Releases what maat_evidence_decode() allocated and zeroes ev. */
void maat_evidence_cleanup(struct maat_evidence *ev);

/* Stable name of a format: "binary", "hex", "base64", "base64url", "enclave-info-json",
 * "maa-attest-request". Never NULL. */
const char *maat_evidence_format_name(enum maat_evidence_format f);

/* True when buf starts with an OpenEnclave remote-report header (version 1, type 2). */
bool maat_evidence_has_oe_header(const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_EVIDENCE_H */
