/*
 * evidence.c - recognise the form of a quote handed to maat (binary, hex, base64,
 * base64url, EnclaveInfo JSON, MAA attest request JSON) and decode it to quote bytes.
 *
 * Detection is by content, never by file name, and is deliberately simple so that a
 * user can predict it (see evidence.h). Every decoder is strict; the error names the
 * form that was assumed, so "hex text: invalid hex digit 0x20 at offset 96" tells the
 * user both what maat thought the file was and where it went wrong.
 */
#include "maat/evidence.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/quote.h"

/* The decoded quote may carry an OpenEnclave header in front of a maximal quote. */
#define EVIDENCE_QUOTE_MAX ((size_t)MAAT_QUOTE_MAX_SIZE + MAAT_OE_HEADER_SIZE)

const char *maat_evidence_format_name(enum maat_evidence_format f)
{
    switch (f) {
    case MAAT_EVIDENCE_BINARY: return "binary";
    case MAAT_EVIDENCE_HEX: return "hex";
    case MAAT_EVIDENCE_BASE64: return "base64";
    case MAAT_EVIDENCE_BASE64URL: return "base64url";
    case MAAT_EVIDENCE_ENCLAVE_INFO: return "enclave-info-json";
    case MAAT_EVIDENCE_MAA_REQUEST: return "maa-attest-request";
    }
    return "unknown";
}

bool maat_evidence_has_oe_header(const uint8_t *buf, size_t len)
{
    static const uint8_t hdr[8] = {1, 0, 0, 0, 2, 0, 0, 0};
    return buf != NULL && len >= MAAT_OE_HEADER_SIZE && memcmp(buf, hdr, sizeof hdr) == 0;
}

void maat_evidence_cleanup(struct maat_evidence *ev)
{
    if (ev == NULL) return;
    free(ev->quote);
    maat_enclave_info_cleanup(&ev->enclave_info);
    memset(ev, 0, sizeof *ev);
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Text is printable ASCII plus whitespace; any other byte means binary. A binary quote
 * always has a NUL at offset 1 (version < 256), so no real quote reads as text. */
static bool looks_binary(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f) continue;
        if (is_ws(c)) continue;
        if (i == 0 && n >= 3 && c == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
            i += 2; /* UTF-8 byte-order mark */
            continue;
        }
        return true;
    }
    return false;
}

/* Chooses the encoding of a trimmed, non-JSON text. Hex wins when every character is a
 * hex digit or blank, and also when only a handful (at most 1 %) are not: a base64 quote
 * has 20-60 % non-hex characters, so such a text is broken hex and the hex decoder's
 * error will point at the stray character. */
static enum maat_evidence_format classify_text(const char *s, size_t n)
{
    size_t nonhex = 0;
    bool url = false, std = false, pad = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (is_hex(c) || is_ws(c)) continue;
        nonhex++;
        url |= c == '-' || c == '_';
        std |= c == '+' || c == '/';
        pad |= c == '=';
    }
    if (nonhex == 0) return MAAT_EVIDENCE_HEX;
    if (!url && !std && !pad && nonhex <= (n / 100 > 0 ? n / 100 : 1)) return MAAT_EVIDENCE_HEX;
    if (url) return MAAT_EVIDENCE_BASE64URL;
    if (std || pad || n % 4 == 0) return MAAT_EVIDENCE_BASE64;
    return MAAT_EVIDENCE_BASE64URL;
}

static int take_copy(struct maat_evidence *ev, const uint8_t *p, size_t n, struct maat_error *err)
{
    ev->quote = malloc(n ? n : 1);
    if (ev->quote == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "evidence: out of memory");
    if (n) memcpy(ev->quote, p, n);
    ev->quote_len = n;
    return 0;
}

static int check_quote_size(size_t n, const char *what, struct maat_error *err)
{
    MAAT_ENSURE(n > 0, err, MAAT_ERR_TRUNCATED, "%s: decodes to an empty quote", what);
    MAAT_ENSURE(n <= EVIDENCE_QUOTE_MAX, err, MAAT_ERR_TOO_LARGE,
                "%s: decodes to %zu bytes, above the %zu-byte quote limit", what, n,
                EVIDENCE_QUOTE_MAX);
    return 0;
}

/* Decodes text of one encoding into ev->quote. `what` names the form for errors. */
static int decode_text(const char *s, size_t n, enum maat_evidence_format f, const char *what,
                       struct maat_evidence *ev, struct maat_error *err)
{
    /* Bound before allocating: every form here is at least 4/3 chars per byte. */
    MAAT_ENSURE(n / 4 * 3 <= EVIDENCE_QUOTE_MAX + 3, err, MAAT_ERR_TOO_LARGE,
                "%s: %zu characters is more than a %zu-byte quote can need", what, n,
                EVIDENCE_QUOTE_MAX);
    if (f == MAAT_EVIDENCE_HEX) {
        /* Name a stray character before the codec's digit-count check can hide it. */
        for (size_t i = 0; i < n; i++)
            MAAT_ENSURE(is_hex((uint8_t)s[i]), err, MAAT_ERR_ENCODING,
                        "%s: invalid hex digit 0x%02x at offset %zu (expected 0-9, a-f, A-F; "
                        "blanks are allowed only at the ends)",
                        what, (uint8_t)s[i], i);
    }
    int rc;
    if (f == MAAT_EVIDENCE_HEX)
        rc = maat_hex_decode(s, n, what, &ev->quote, &ev->quote_len, err);
    else if (f == MAAT_EVIDENCE_BASE64)
        rc = maat_base64_decode(s, n, what, &ev->quote, &ev->quote_len, err);
    else
        rc = maat_base64url_decode(s, n, what, &ev->quote, &ev->quote_len, err);
    MAAT_TRY(rc);
    return check_quote_size(ev->quote_len, what, err);
}

static int decode_maa_request(json_t *root, struct maat_evidence *ev, struct maat_error *err)
{
    json_t *quote = json_object_get(root, "quote");
    json_t *report = json_object_get(root, "report");
    MAAT_ENSURE(!(quote && report), err, MAAT_ERR_VALUE,
                "MAA attest request JSON: has both \"quote\" and \"report\" (expected one)");
    json_t *v = quote ? quote : report;
    ev->request_field = quote ? "quote" : "report";
    MAAT_ENSURE(json_is_string(v), err, MAAT_ERR_VALUE,
                "MAA attest request JSON: field %s is not a string (expected base64url)",
                ev->request_field);
    ev->format = MAAT_EVIDENCE_MAA_REQUEST;
    char what[64];
    snprintf(what, sizeof what, "MAA attest request JSON: field %s", ev->request_field);
    return decode_text(json_string_value(v), json_string_length(v), MAAT_EVIDENCE_BASE64URL, what,
                       ev, err);
}

static int decode_json(const char *s, size_t n, struct maat_evidence *ev, struct maat_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              "JSON input: invalid JSON at line %d column %d (byte %d): %s",
                              je.line, je.column, je.position, je.text);
    int rc = -1;
    if (!json_is_object(root)) {
        maat_error_set(err, MAAT_ERR_VALUE, "JSON input: top level is not an object");
    } else if (json_object_get(root, "QuoteHex") != NULL) {
        ev->format = MAAT_EVIDENCE_ENCLAVE_INFO;
        if (maat_enclave_info_from_json(root, &ev->enclave_info, err) == 0) {
            ev->has_enclave_info = true;
            /* ev->quote is a second copy so that ev owns one buffer per role. */
            rc = check_quote_size(ev->enclave_info.quote_len, "EnclaveInfo JSON: field QuoteHex",
                                  err);
            if (rc == 0)
                rc = take_copy(ev, ev->enclave_info.quote, ev->enclave_info.quote_len, err);
        }
    } else if (json_object_get(root, "quote") || json_object_get(root, "report")) {
        rc = decode_maa_request(root, ev, err);
    } else {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "JSON input: neither an EnclaveInfo object (no field QuoteHex) nor an "
                       "MAA attest request (no field quote or report)");
    }
    json_decref(root);
    return rc;
}

int maat_evidence_decode(const uint8_t *in, size_t len, struct maat_evidence *ev,
                         struct maat_error *err)
{
    memset(ev, 0, sizeof *ev);
    MAAT_ENSURE(in != NULL && len > 0, err, MAAT_ERR_TRUNCATED, "evidence: input is empty");
    MAAT_ENSURE(len <= MAAT_EVIDENCE_MAX_SIZE, err, MAAT_ERR_TOO_LARGE,
                "evidence: input of %zu bytes exceeds the %u-byte limit", len,
                MAAT_EVIDENCE_MAX_SIZE);

    if (looks_binary(in, len)) {
        ev->format = MAAT_EVIDENCE_BINARY;
        MAAT_TRY(check_quote_size(len, "binary quote", err));
        MAAT_TRY(take_copy(ev, in, len, err));
        ev->oe_envelope = maat_evidence_has_oe_header(ev->quote, ev->quote_len);
        return 0;
    }

    /* Text: skip a BOM, trim whitespace at both ends. */
    size_t a = 0, b = len;
    if (len >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf) a = 3;
    while (a < b && is_ws(in[a])) a++;
    while (b > a && is_ws(in[b - 1])) b--;
    MAAT_ENSURE(a < b, err, MAAT_ERR_TRUNCATED, "evidence: input holds only whitespace");
    const char *s = (const char *)in + a;
    size_t n = b - a;

    if (s[0] == '{' || s[0] == '[') {
        MAAT_TRY(decode_json(s, n, ev, err));
    } else {
        ev->format = classify_text(s, n);
        char what[32];
        snprintf(what, sizeof what, "%s text", maat_evidence_format_name(ev->format));
        if (decode_text(s, n, ev->format, what, ev, err) != 0) {
            /* Offsets in the message count from the first non-blank character. */
            if (a > 0) maat_error_prefix(err, "evidence (text starts at byte %zu)", a);
            return -1;
        }
    }
    ev->oe_envelope = maat_evidence_has_oe_header(ev->quote, ev->quote_len);
    return 0;
}
