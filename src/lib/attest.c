/*
 * attest.c - MAA attestation requests (POST /attest/SgxEnclave, /attest/OpenEnclave):
 * strict parsing of the JSON body, and the checks that bind runtimeData / initTimeData
 * to the quote (report_data[0:32] / config_id[0:32]). Claims are in claims.c.
 *
 * Compatibility decisions (details in docs/claims.md):
 *  - dataType is matched case-sensitively against "Binary" and "JSON", the only spellings
 *    the REST spec's enum and every Azure SDK send; absent means Binary.
 *  - JSON-typed data must be one JSON object. A single trailing NUL byte is tolerated:
 *    the Azure SDK samples send C strings with their terminator and MAA accepted it; the
 *    NUL stays in the hashed bytes.
 *  - Unknown members are ignored and JSON null counts as absent, as MAA's (.NET)
 *    deserialiser does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_span.h"
#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/crypto.h"

static const struct {
    const char *name;
    int status;
} maa_errors[MAAT_MAA__COUNT] = {
    [MAAT_MAA_OK] = {"OK", 200},
    [MAAT_MAA_INVALID_PARAMETER] = {"InvalidParameter", 400},
    [MAAT_MAA_INVALID_QUOTE] = {"InvalidQuote", 400},
    [MAAT_MAA_POLICY_EVALUATION_ERROR] = {"PolicyEvaluationError", 400},
    [MAAT_MAA_POLICY_PARSING_ERROR] = {"PolicyParsingError", 400},
    [MAAT_MAA_INVALID_OPERATION] = {"InvalidOperation", 400},
    [MAAT_MAA_UNAUTHORIZED] = {"Unauthorized", 401},
    [MAAT_MAA_INTERNAL_ERROR] = {"InternalError", 500},
};

const char *maat__maa_error_name(enum maat_maa_error code)
{
    if ((unsigned)code >= MAAT_MAA__COUNT) return "InternalError";
    return maa_errors[code].name;
}

int maat__maa_error_http_status(enum maat_maa_error code)
{
    if ((unsigned)code >= MAAT_MAA__COUNT) return 500;
    return maa_errors[code].status;
}

const char *maat__attest_route_name(enum maat_attest_route route)
{
    return route == MAAT_ROUTE_OPEN_ENCLAVE ? "OpenEnclave"
           : route == MAAT_ROUTE_TDX_VM     ? "TdxVm"
                                            : "SgxEnclave";
}

/* Records the MAA code for the failure already described in a->err (first one wins):
 * allocation failures are the service's fault, everything else the request's. */
static int fail(struct maat_attest_error *a)
{
    if (a->code == MAAT_MAA_OK)
        a->code = a->err.code == MAAT_ERR_NOMEM || a->err.code == MAAT_ERR_INTERNAL
                      ? MAAT_MAA_INTERNAL_ERROR
                      : MAAT_MAA_INVALID_PARAMETER;
    return -1;
}

#define ATT_FAIL(a, c, ...) (maat_error_set(&(a)->err, (c), __VA_ARGS__), fail(a))

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* Parses text[0,len) as exactly one JSON object: syntax and nesting depth first (so an
 * error names the offset and path), then jansson (UTF-8, duplicate keys). */
static int load_object(const char *text, size_t len, const char *what, json_t **out,
                       struct maat_attest_error *a);

static int parse_object(const char *text, size_t len, const char *what, json_t **out,
                        struct maat_attest_error *a)
{
    *out = NULL;
    if (maat__json_scan_object(text, len, NULL, NULL, NULL, what, &a->err) != 0) return fail(a);
    return load_object(text, len, what, out, a);
}

/* The jansson half of parse_object, for text the scanner has accepted. */
static int load_object(const char *text, size_t len, const char *what, json_t **out,
                       struct maat_attest_error *a)
{
    *out = NULL;
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (v == NULL) {
        char path[MAAT_JSON_PATH_MAX];
        size_t pos = je.position > 0 ? (size_t)je.position : 0;
        maat__json_path_at(text, len, pos, path, sizeof path);
        return ATT_FAIL(a, MAAT_ERR_ENCODING, "%s: invalid JSON at offset %zu%s%s: %s", what, pos,
                        path[0] ? " in " : "", path, je.text);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return ATT_FAIL(a, MAAT_ERR_VALUE, "%s: expected a JSON object", what);
    }
    *out = v;
    return 0;
}

/* An optional member: NULL when absent or JSON null. */
static json_t *member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v == NULL || json_is_null(v) ? NULL : v;
}

static int decode_b64url_text(const char *s, size_t slen, const char *field, size_t max,
                              uint8_t **out, size_t *outlen, struct maat_attest_error *a);

/* Decodes a base64url string member into a malloc'd buffer of at most `max` bytes. */
static int decode_b64url(const json_t *v, const char *field, size_t max, uint8_t **out,
                         size_t *outlen, struct maat_attest_error *a)
{
    if (!json_is_string(v))
        return ATT_FAIL(a, MAAT_ERR_VALUE, "%s: expected a base64url string, got %s", field,
                        json_type_name(v));
    return decode_b64url_text(json_string_value(v), json_string_length(v), field, max, out, outlen,
                              a);
}

/* The same for the string's (unescaped) characters s[0, slen). */
static int decode_b64url_text(const char *s, size_t slen, const char *field, size_t max,
                              uint8_t **out, size_t *outlen, struct maat_attest_error *a)
{
    /* Refuse before decoding: n base64 characters carry at least (n - 2) * 3 / 4 bytes. */
    if (slen > 2 && (slen - 2) / 4 * 3 > max)
        return ATT_FAIL(a, MAAT_ERR_TOO_LARGE,
                        "%s: %zu base64url characters exceed the limit of %zu decoded bytes", field,
                        slen, max);
    if (maat_base64url_decode(s, slen, field, out, outlen, &a->err) != 0) return fail(a);
    if (*outlen > max) {
        free(*out);
        *out = NULL;
        return ATT_FAIL(a, MAAT_ERR_TOO_LARGE, "%s: %zu decoded bytes exceed the limit of %zu",
                        field, *outlen, max);
    }
    return 0;
}

/* A string member copied NUL-terminated; embedded NULs are refused by jansson already
 * (JSON_ALLOW_NUL is not set), so strlen() of the copy is its length. */
static int copy_text(const char *s, size_t n, const char *field, size_t max, char **out,
                     size_t *outlen, struct maat_attest_error *a);

static int copy_string(const json_t *v, const char *field, size_t max, char **out, size_t *outlen,
                       struct maat_attest_error *a)
{
    if (!json_is_string(v))
        return ATT_FAIL(a, MAAT_ERR_VALUE, "%s: expected a string, got %s", field, json_type_name(v));
    return copy_text(json_string_value(v), json_string_length(v), field, max, out, outlen, a);
}

/* The same for the string's characters s[0, n) (no NUL among them). */
static int copy_text(const char *s, size_t n, const char *field, size_t max, char **out,
                     size_t *outlen, struct maat_attest_error *a)
{
    if (n > max)
        return ATT_FAIL(a, MAAT_ERR_TOO_LARGE, "%s: %zu bytes exceed the limit of %zu", field, n,
                        max);
    char *p = malloc(n + 1);
    if (p == NULL) return ATT_FAIL(a, MAAT_ERR_NOMEM, "%s: out of memory", field);
    memcpy(p, s, n);
    p[n] = '\0';
    *out = p;
    *outlen = n;
    return 0;
}

static int data_type_of(const char *t, size_t tlen, const char *name, enum maat_data_type *type,
                        struct maat_attest_error *a);
static int data_text(const char *s, size_t slen, const char *name, struct maat_attest_data *d,
                     struct maat_attest_error *a);

/* runtimeData / initTimeData: {"data": b64url, "dataType": "Binary" | "JSON"}. */
static int parse_data(json_t *v, const char *name, struct maat_attest_data *d,
                      struct maat_attest_error *a)
{
    char field[64];
    if (!json_is_object(v))
        return ATT_FAIL(a, MAAT_ERR_VALUE,
                        "%s: expected an object {\"data\": base64url, \"dataType\": \"Binary\" "
                        "or \"JSON\"}, got %s",
                        name, json_type_name(v));
    json_t *type = member(v, "dataType");
    d->type = MAAT_DATA_BINARY;
    if (type != NULL) {
        snprintf(field, sizeof field, "%s.dataType", name);
        if (!json_is_string(type))
            return ATT_FAIL(a, MAAT_ERR_VALUE, "%s: expected \"Binary\" or \"JSON\", got %s", field,
                            json_type_name(type));
        MAAT_TRY(data_type_of(json_string_value(type), json_string_length(type), name, &d->type, a));
    }
    json_t *data = member(v, "data");
    snprintf(field, sizeof field, "%s.data", name);
    if (data == NULL) return ATT_FAIL(a, MAAT_ERR_NOT_FOUND, "%s: missing", field);
    if (!json_is_string(data)) /* decode_b64url names the type */
        return decode_b64url(data, field, MAAT_ATTEST_DATA_MAX, &d->data, &d->len, a);
    return data_text(json_string_value(data), json_string_length(data), name, d, a);
}

/* A present dataType's characters t[0, tlen): "Binary" or "JSON". */
static int data_type_of(const char *t, size_t tlen, const char *name, enum maat_data_type *type,
                        struct maat_attest_error *a)
{
    if (tlen == 6 && memcmp(t, "Binary", 6) == 0)
        *type = MAAT_DATA_BINARY;
    else if (tlen == 4 && memcmp(t, "JSON", 4) == 0)
        *type = MAAT_DATA_JSON;
    else
        return ATT_FAIL(a, MAAT_ERR_VALUE,
                        "%s.dataType: expected \"Binary\" or \"JSON\", got \"%.*s%s\"", name,
                        (int)(tlen > 64 ? 64 : tlen), t, tlen > 64 ? "..." : "");
    return 0;
}

/* The data string's characters s[0, slen), d->type set: decoded (and parsed for JSON). */
static int data_text(const char *s, size_t slen, const char *name, struct maat_attest_data *d,
                     struct maat_attest_error *a)
{
    char field[64]; /* "<name>.data", and " (dataType JSON)" for that parse, without printf */
    static const char json_note[] = " (dataType JSON)";
    size_t nl = strnlen(name, sizeof field - sizeof ".data" - sizeof json_note);
    memcpy(field, name, nl);
    memcpy(field + nl, ".data", sizeof ".data");
    MAAT_TRY(decode_b64url_text(s, slen, field, MAAT_ATTEST_DATA_MAX, &d->data, &d->len, a));
    d->present = true;
    if (d->type == MAAT_DATA_JSON) {
        size_t n = d->len;
        if (n > 0 && d->data[n - 1] == 0) n--; /* one C-string terminator, see above */
        memcpy(field + nl + sizeof ".data" - 1, json_note, sizeof json_note);
        MAAT_TRY(parse_object((const char *)d->data, n, field, &d->json, a));
    }
    return 0;
}

void maat__attest_request_cleanup(struct maat_attest_request *req)
{
    if (req == NULL) return;
    free(req->evidence);
    free(req->runtime.data);
    json_decref(req->runtime.json);
    free(req->inittime.data);
    json_decref(req->inittime.json);
    free(req->nonce);
    free(req->draft_policy);
    memset(req, 0, sizeof *req);
}

/* ev_text: when not NULL, the evidence string's characters [0, ev_len) taken straight
 * from the body (root then holds "" in their place), see maat__attest_request_parse. */
static int parse_members(json_t *root, const char *ev_text, size_t ev_len,
                         struct maat_attest_request *req, struct maat_attest_error *a)
{
    const char *ev_name = req->route == MAAT_ROUTE_OPEN_ENCLAVE ? "report" : "quote";
    if (ev_text != NULL) {
        MAAT_TRY(decode_b64url_text(ev_text, ev_len, ev_name, MAAT_QUOTE_MAX_SIZE, &req->evidence,
                                    &req->evidence_len, a));
    } else {
        json_t *ev = member(root, ev_name);
        if (ev == NULL)
            return ATT_FAIL(a, MAAT_ERR_NOT_FOUND, "%s: missing (required for POST /attest/%s)",
                            ev_name, maat__attest_route_name(req->route));
        MAAT_TRY(
            decode_b64url(ev, ev_name, MAAT_QUOTE_MAX_SIZE, &req->evidence, &req->evidence_len, a));
    }
    if (req->evidence_len == 0) return ATT_FAIL(a, MAAT_ERR_VALUE, "%s: empty", ev_name);

    json_t *v;
    if ((v = member(root, "runtimeData")) != NULL)
        MAAT_TRY(parse_data(v, "runtimeData", &req->runtime, a));
    if ((v = member(root, "initTimeData")) != NULL)
        MAAT_TRY(parse_data(v, "initTimeData", &req->inittime, a));
    if ((v = member(root, "nonce")) != NULL)
        MAAT_TRY(copy_string(v, "nonce", MAAT_ATTEST_NONCE_MAX, &req->nonce, &req->nonce_len, a));
    if ((v = member(root, "draftPolicyForAttestation")) != NULL && req->route == MAAT_ROUTE_TDX_VM)
        return ATT_FAIL(a, MAAT_ERR_UNSUPPORTED,
                        "draftPolicyForAttestation: not accepted by POST /attest/TdxVm "
                        "(api-version 2025-06-01 defines none for TdxVm)");
    if (v != NULL)
        MAAT_TRY(copy_string(v, "draftPolicyForAttestation", MAAT_ATTEST_POLICY_MAX,
                             &req->draft_policy, &req->draft_policy_len, a));
    return 0;
}

/* ---- the request's usual shape without jansson ----
 *
 * {"quote": "<base64url>", "runtimeData": {"data": "<base64url>", "dataType": "Binary"}}
 * (members in any order; initTimeData and nonce too). When every member other than the
 * evidence is one of those, each at most once, and every string in them is ASCII without
 * escapes, the members are read straight from the body: the scanner has validated the
 * body's syntax, such strings are their bytes and valid UTF-8, and there is no duplicate,
 * number or literal for jansson to refuse, so jansson would build exactly these values.
 * The members are then judged in parse_members' order by the same functions, with the same
 * messages. Anything else (another member, null, an escape, non-ASCII, a duplicate, a
 * missing data, draftPolicyForAttestation) is left to jansson (returns 0). */
struct fast_str {
    const char *s; /* NULL: absent */
    size_t n;
};
struct fast_data {
    bool present;
    struct fast_str data, type;
};

static size_t fast_ws(const char *b, size_t len, size_t i)
{
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
    return i;
}

/* A plain string at b[*i] ('"' expected): its characters; false for anything else. */
static bool fast_string(const char *b, size_t len, size_t *i, struct fast_str *out)
{
    if (*i >= len || b[*i] != '"') return false;
    size_t start = *i + 1;
    size_t n = maat__json_plain_run(b + start, len - start);
    if (start + n >= len || b[start + n] != '"') return false;
    out->s = b + start;
    out->n = n;
    *i = start + n + 1;
    return true;
}

static bool fast_is(const struct fast_str *k, const char *name)
{
    size_t n = strlen(name);
    return k->n == n && memcmp(k->s, name, n) == 0;
}

/* {"data": "...", "dataType": "..."} at b[*i]. */
static bool fast_data_object(const char *b, size_t len, size_t *i, struct fast_data *d)
{
    if (d->present || *i >= len || b[*i] != '{') return false;
    d->present = true;
    size_t p = fast_ws(b, len, *i + 1);
    if (p < len && b[p] == '}') return false; /* no data: jansson's path names it */
    for (;;) {
        struct fast_str k, v;
        if (!fast_string(b, len, &p, &k)) return false;
        p = fast_ws(b, len, p);
        if (p >= len || b[p] != ':') return false;
        p = fast_ws(b, len, p + 1);
        if (!fast_string(b, len, &p, &v)) return false;
        struct fast_str *slot = fast_is(&k, "data")       ? &d->data
                                : fast_is(&k, "dataType") ? &d->type
                                                          : NULL;
        if (slot == NULL || slot->s != NULL) return false;
        *slot = v;
        p = fast_ws(b, len, p);
        if (p < len && b[p] == ',') {
            p = fast_ws(b, len, p + 1);
            continue;
        }
        if (p < len && b[p] == '}') break;
        return false;
    }
    if (d->data.s == NULL) return false;
    *i = p + 1;
    return true;
}

static int fast_data_apply(const struct fast_data *fd, const char *name, struct maat_attest_data *d,
                           struct maat_attest_error *a)
{
    if (!fd->present) return 0;
    d->type = MAAT_DATA_BINARY;
    if (fd->type.s != NULL) MAAT_TRY(data_type_of(fd->type.s, fd->type.n, name, &d->type, a));
    return data_text(fd->data.s, fd->data.n, name, d, a);
}

/* 1: req filled, -1: refused (a set, req to be cleaned), 0: not this shape. */
static int fast_members(const char *b, size_t len, const char *ev_name,
                        const struct maat_json_span *ev, struct maat_attest_request *req,
                        struct maat_attest_error *a)
{
    struct fast_data rt = {0}, it = {0};
    struct fast_str nonce = {NULL, 0};
    bool have_ev = false;
    size_t p = fast_ws(b, len, 0);
    if (p >= len || b[p] != '{') return 0;
    p = fast_ws(b, len, p + 1);
    for (;;) {
        struct fast_str k;
        if (!fast_string(b, len, &p, &k)) return 0;
        p = fast_ws(b, len, p);
        if (p >= len || b[p] != ':') return 0;
        p = fast_ws(b, len, p + 1);
        if (fast_is(&k, ev_name)) {
            if (have_ev || p != ev->start) return 0;
            have_ev = true;
            p = ev->end;
        } else if (fast_is(&k, "runtimeData")) {
            if (!fast_data_object(b, len, &p, &rt)) return 0;
        } else if (fast_is(&k, "initTimeData")) {
            if (!fast_data_object(b, len, &p, &it)) return 0;
        } else if (fast_is(&k, "nonce")) {
            if (nonce.s != NULL || !fast_string(b, len, &p, &nonce)) return 0;
        } else {
            return 0;
        }
        p = fast_ws(b, len, p);
        if (p < len && b[p] == ',') {
            p = fast_ws(b, len, p + 1);
            continue;
        }
        if (p < len && b[p] == '}') break;
        return 0;
    }
    if (!have_ev || fast_ws(b, len, p + 1) != len) return 0;
    /* parse_members' order and checks */
    MAAT_TRY(decode_b64url_text(b + ev->start + 1, ev->end - ev->start - 2, ev_name,
                                MAAT_QUOTE_MAX_SIZE, &req->evidence, &req->evidence_len, a));
    if (req->evidence_len == 0) return ATT_FAIL(a, MAAT_ERR_VALUE, "%s: empty", ev_name);
    MAAT_TRY(fast_data_apply(&rt, "runtimeData", &req->runtime, a));
    MAAT_TRY(fast_data_apply(&it, "initTimeData", &req->inittime, a));
    if (nonce.s != NULL)
        MAAT_TRY(copy_text(nonce.s, nonce.n, "nonce", MAAT_ATTEST_NONCE_MAX, &req->nonce,
                           &req->nonce_len, a));
    return 1;
}

int maat__attest_request_parse(const char *body, size_t len, enum maat_attest_route route,
                              struct maat_attest_request *req, struct maat_attest_error *a)
{
    memset(req, 0, sizeof *req);
    if (route != MAAT_ROUTE_SGX_ENCLAVE && route != MAAT_ROUTE_OPEN_ENCLAVE &&
        route != MAAT_ROUTE_TDX_VM)
        return ATT_FAIL(a, MAAT_ERR_USAGE, "attestation request: unknown route %d", (int)route);
    req->route = route;
    if (body == NULL || len == 0)
        return ATT_FAIL(a, MAAT_ERR_TRUNCATED, "attestation request: empty body");
    if (len > MAAT_ATTEST_REQUEST_MAX)
        return ATT_FAIL(a, MAAT_ERR_TOO_LARGE,
                        "attestation request: %zu bytes exceed the limit of %u", len,
                        MAAT_ATTEST_REQUEST_MAX);
    /* Fast path for the one large value, the evidence string (~6 KB of base64url):
     * jansson lexes strings byte by byte, and would copy it only for us to decode it.
     * When the scanner finds exactly one top-level member of that name, spelled without
     * escapes, whose value is a string of ASCII characters without escapes, jansson
     * parses a copy of the body with that string emptied, and the evidence is decoded
     * straight from the body. Such a string's characters are its bytes, and the copy is
     * valid JSON (UTF-8, duplicates) exactly when the body is, so the outcome is the
     * same as parsing the whole body; on any jansson error the whole body is parsed
     * again so that the message and offset are the usual ones. */
    const char *what = "attestation request";
    const char *ev_name = route == MAAT_ROUTE_OPEN_ENCLAVE ? "report" : "quote";
    struct maat_json_span span;
    bool found, ambiguous, plain;
    if (maat__json_scan_object_find(body, len, ev_name, &found, &span, &ambiguous, &plain, what,
                                    &a->err) != 0)
        return fail(a);
    json_t *root = NULL;
    const char *ev_text = NULL;
    size_t ev_len = 0;
    if (found && !ambiguous && plain && span.end - span.start >= 2 && body[span.start] == '"') {
        int fr = fast_members(body, len, ev_name, &span, req, a);
        if (fr != 0) {
            if (fr < 0) {
                maat__attest_request_cleanup(req);
                req->route = route;
                return -1;
            }
            return 0;
        }
    }
    if (found && !ambiguous && span.end - span.start >= 2 && body[span.start] == '"') {
        const unsigned char *p = (const unsigned char *)body + span.start + 1;
        size_t n = span.end - span.start - 2;
        /* ASCII without escapes (the scanner saw it while validating the string) */
        char *copy = plain ? malloc(len - n) : NULL;
        if (copy != NULL) {
            memcpy(copy, body, span.start + 1);
            memcpy(copy + span.start + 1, body + span.end - 1, len - span.end + 1);
            json_error_t je;
            root = json_loadb(copy, len - n, JSON_REJECT_DUPLICATES, &je);
            free(copy);
            if (root != NULL && !json_is_object(root)) {
                json_decref(root);
                root = NULL;
            }
            if (root != NULL) {
                ev_text = (const char *)p;
                ev_len = n;
            }
        }
    }
    if (root == NULL) MAAT_TRY(load_object(body, len, what, &root, a));
    int rc = parse_members(root, ev_text, ev_len, req, a);
    json_decref(root);
    if (rc != 0) {
        maat__attest_request_cleanup(req);
        req->route = route;
    }
    return rc;
}

/* ---- bindings ---- */

static int check_hash(const struct maat_attest_data *d, const char *name, const uint8_t *field,
                      const char *field_name, struct maat_attest_error *a)
{
    uint8_t h[32];
    maat__sha256(d->data, d->len, h);
    if (maat_memeq_ct(h, field, 32)) return 0;
    char want[65], got[65];
    maat_hex_encode(h, 32, want);
    maat_hex_encode(field, 32, got);
    return ATT_FAIL(
        a, MAAT_ERR_VALUE,
        "%s does not match the quote: SHA-256 of the %zu data bytes is %s, but %s[0:32] "
        "is %s",
        name, d->len, want, field_name, got);
}

int maat__attest_check_bindings(const struct maat_attest_request *req, const struct maat_quote *q,
                               struct maat_attest_error *a)
{
    if (req == NULL || q == NULL)
        return ATT_FAIL(a, MAAT_ERR_USAGE, "attestation bindings: missing request or quote");
    const char *ev_name = req->route == MAAT_ROUTE_OPEN_ENCLAVE ? "report" : "quote";
    if (req->route == MAAT_ROUTE_TDX_VM) {
        if (q->body_type == MAAT_BODY_SGX || q->oe_envelope || q->td_report.report_data == NULL)
            return ATT_FAIL(a, MAAT_ERR_UNSUPPORTED,
                            "quote: an SGX quote (TEE type 0x%08x) cannot be attested as TdxVm; "
                            "expected a TD quote (TEE type 0x00000081)",
                            q->tee_type);
        if (req->inittime.present)
            return ATT_FAIL(a, MAAT_ERR_UNSUPPORTED,
                            "initTimeData: not accepted for TdxVm (the TD field that would bind "
                            "it is not published by MAA; maat refuses what it cannot check)");
        if (req->runtime.present)
            MAAT_TRY(check_hash(&req->runtime, "runtimeData", q->td_report.report_data,
                                "report_data", a));
        return 0;
    }
    if (q->body_type != MAAT_BODY_SGX)
        return ATT_FAIL(a, MAAT_ERR_UNSUPPORTED,
                        "%s: a TDX quote (TEE type 0x%08x) cannot be attested as %s; expected an "
                        "SGX quote",
                        ev_name, q->tee_type, maat__attest_route_name(req->route));
    if (req->route == MAAT_ROUTE_OPEN_ENCLAVE && !q->oe_envelope)
        return ATT_FAIL(a, MAAT_ERR_VALUE,
                        "report: expected an OpenEnclave report (16-byte header version 1, type "
                        "2, then the SGX quote); got a bare quote (send it to /attest/SgxEnclave "
                        "as \"quote\")");
    if (req->route == MAAT_ROUTE_SGX_ENCLAVE && q->oe_envelope)
        return ATT_FAIL(a, MAAT_ERR_VALUE,
                        "quote: expected a bare SGX quote; got an OpenEnclave report (send it to "
                        "/attest/OpenEnclave as \"report\")");
    if (req->runtime.present)
        MAAT_TRY(
            check_hash(&req->runtime, "runtimeData", q->report_body.report_data, "report_data", a));
    if (req->inittime.present)
        MAAT_TRY(check_hash(&req->inittime, "initTimeData", q->report_body.config_id, "config_id", a));
    return 0;
}
