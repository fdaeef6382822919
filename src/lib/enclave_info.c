/*
 * enclave_info.c - parse and write the MAA samples' EnclaveInfo JSON (see enclave_info.h).
 *
 * Parsing is strict (exact field set, integer types and ranges, hex lengths) because the
 * file is untrusted input; writing reproduces the samples byte for byte so that files
 * made by maat's simulated platform can be fed to Microsoft's own sample tools.
 */
#include "maat/enclave_info.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"

#define EI "EnclaveInfo JSON"

static const char *const ei_fields[] = {
    "Type",       "MrEnclaveHex", "MrSignerHex",        "ProductIdHex", "SecurityVersion",
    "Attributes", "QuoteHex",     "EnclaveHeldDataHex",
};

void maat_enclave_info_cleanup(struct maat_enclave_info *ei)
{
    if (ei == NULL) return;
    free(ei->quote);
    free(ei->ehd);
    memset(ei, 0, sizeof *ei);
}

static int get_field(json_t *obj, const char *name, json_t **out, struct maat_error *err)
{
    *out = json_object_get(obj, name);
    MAAT_ENSURE(*out != NULL, err, MAAT_ERR_NOT_FOUND, EI ": field %s is missing", name);
    return 0;
}

static int get_uint(json_t *obj, const char *name, uint64_t max, uint64_t *out, struct maat_error *err)
{
    json_t *v;
    MAAT_TRY(get_field(obj, name, &v, err));
    MAAT_ENSURE(json_is_integer(v), err, MAAT_ERR_VALUE,
                EI ": field %s is not an integer (expected a number without fraction)", name);
    json_int_t i = json_integer_value(v);
    MAAT_ENSURE(i >= 0 && (uint64_t)i <= max, err, MAAT_ERR_VALUE,
                EI ": field %s = %lld is out of range (expected 0..%llu)", name, (long long)i,
                (unsigned long long)max);
    *out = (uint64_t)i;
    return 0;
}

static int get_str(json_t *obj, const char *name, const char **s, size_t *len, struct maat_error *err)
{
    json_t *v;
    MAAT_TRY(get_field(obj, name, &v, err));
    MAAT_ENSURE(json_is_string(v), err, MAAT_ERR_VALUE,
                EI ": field %s is not a string (expected hex text)", name);
    *s = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

static int get_hex_fixed(json_t *obj, const char *name, uint8_t *dst, size_t n, struct maat_error *err)
{
    const char *s = NULL;
    size_t len = 0;
    MAAT_TRY(get_str(obj, name, &s, &len, err));
    char field[64];
    snprintf(field, sizeof field, EI ": field %s", name);
    return maat_hex_decode_fixed(s, len, field, dst, n, err);
}

static int get_hex_alloc(json_t *obj, const char *name, size_t max, uint8_t **out, size_t *outlen,
                         struct maat_error *err)
{
    const char *s = NULL;
    size_t len = 0;
    MAAT_TRY(get_str(obj, name, &s, &len, err));
    MAAT_ENSURE(len / 2 <= max, err, MAAT_ERR_TOO_LARGE,
                EI ": field %s holds %zu hex digits, above the %zu-byte limit", name, len, max);
    char field[64];
    snprintf(field, sizeof field, EI ": field %s", name);
    return maat_hex_decode(s, len, field, out, outlen, err);
}

int maat_enclave_info_from_json(const void *json_root, struct maat_enclave_info *out,
                                struct maat_error *err)
{
    json_t *obj = (json_t *)(uintptr_t)json_root;
    memset(out, 0, sizeof *out);
    MAAT_ENSURE(json_is_object(obj), err, MAAT_ERR_VALUE, EI ": top level is not an object");
    const char *key;
    json_t *val;
    json_object_foreach (obj, key, val) {
        bool known = false;
        for (size_t i = 0; i < sizeof ei_fields / sizeof ei_fields[0]; i++)
            known |= strcmp(key, ei_fields[i]) == 0;
        MAAT_ENSURE(known, err, MAAT_ERR_VALUE,
                    EI ": unknown field \"%.64s\" (expected Type, MrEnclaveHex, MrSignerHex, "
                       "ProductIdHex, SecurityVersion, Attributes, QuoteHex, EnclaveHeldDataHex)",
                    key);
    }
    uint64_t type, svn, attrs;
    int rc = -1;
    if (get_uint(obj, "Type", UINT32_MAX, &type, err) ||
        get_hex_fixed(obj, "MrEnclaveHex", out->mr_enclave, 32, err) ||
        get_hex_fixed(obj, "MrSignerHex", out->mr_signer, 32, err) ||
        get_hex_fixed(obj, "ProductIdHex", out->product_id, 16, err) ||
        get_uint(obj, "SecurityVersion", UINT32_MAX, &svn, err) ||
        get_uint(obj, "Attributes", INT64_MAX, &attrs, err) ||
        get_hex_alloc(obj, "QuoteHex", MAAT_QUOTE_MAX_SIZE + MAAT_OE_HEADER_SIZE, &out->quote,
                      &out->quote_len, err) ||
        get_hex_alloc(obj, "EnclaveHeldDataHex", MAAT_ENCLAVE_INFO_EHD_MAX, &out->ehd,
                      &out->ehd_len, err))
        goto done;
    out->type = (uint32_t)type;
    out->security_version = (uint32_t)svn;
    out->attributes = attrs;
    rc = 0;
done:
    if (rc != 0) maat_enclave_info_cleanup(out);
    return rc;
}

int maat_enclave_info_parse(const char *json, size_t len, struct maat_enclave_info *out,
                            struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    MAAT_ENSURE(json != NULL, err, MAAT_ERR_USAGE, EI ": no input");
    MAAT_ENSURE(len <= MAAT_ENCLAVE_INFO_MAX_SIZE, err, MAAT_ERR_TOO_LARGE,
                EI ": %zu bytes exceed the %u-byte limit", len, MAAT_ENCLAVE_INFO_MAX_SIZE);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return maat_error_set(err, MAAT_ERR_ENCODING,
                              EI ": invalid JSON at line %d column %d (byte %d): %s", je.line,
                              je.column, je.position, je.text);
    int rc = maat_enclave_info_from_json(root, out, err);
    json_decref(root);
    return rc;
}

/* The OE bits that OpenEnclave's report carries for a quote (see enclave_info.h). */
static uint64_t oe_attributes(const struct maat_quote *q)
{
    uint64_t a = 0;
    if (q->report_body.attributes_flags & MAAT_SGX_FLAGS_DEBUG) a |= MAAT_OE_ATTR_DEBUG;
    if (q->oe_report_type == 2) a |= MAAT_OE_ATTR_REMOTE;
    return a;
}

static int need_sgx_body(const struct maat_quote *q, struct maat_error *err)
{
    MAAT_ENSURE(q->body_type == MAAT_BODY_SGX, err, MAAT_ERR_UNSUPPORTED,
                EI ": the quote has a %s TD report, not an SGX enclave report (EnclaveInfo "
                   "describes SGX enclaves only)",
                q->body_type == MAAT_BODY_TD15 ? "TDX 1.5" : "TDX 1.0");
    return 0;
}

static char *upper_hex(const uint8_t *p, size_t n)
{
    char *s = maat_hex_encode_alloc(p, n);
    if (s)
        for (char *c = s; *c; c++)
            if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
    return s;
}

static int set_hex(json_t *o, const char *k, const uint8_t *p, size_t n)
{
    char *s = upper_hex(p, n);
    if (s == NULL) return -1;
    int rc = json_object_set_new(o, k, json_string(s));
    free(s);
    return rc;
}

int maat_enclave_info_to_json(const uint8_t *quote, size_t quote_len, const uint8_t *ehd,
                              size_t ehd_len, char **out, struct maat_error *err)
{
    *out = NULL;
    MAAT_ENSURE(ehd != NULL || ehd_len == 0, err, MAAT_ERR_USAGE, EI ": EHD is NULL");
    MAAT_ENSURE(ehd_len <= MAAT_ENCLAVE_INFO_EHD_MAX, err, MAAT_ERR_TOO_LARGE,
                EI ": enclave-held data of %zu bytes exceeds the %u-byte limit", ehd_len,
                MAAT_ENCLAVE_INFO_EHD_MAX);
    struct maat_quote q;
    if (maat_quote_parse(quote, quote_len, &q, err) != 0) {
        maat_error_prefix(err, EI ": field QuoteHex");
        return -1;
    }
    MAAT_TRY(need_sgx_body(&q, err));
    const struct maat_sgx_report_body *rb = &q.report_body;
    uint8_t prod[16] = {0};
    prod[0] = (uint8_t)rb->isv_prod_id;
    prod[1] = (uint8_t)(rb->isv_prod_id >> 8);
    uint64_t attrs = q.oe_envelope ? oe_attributes(&q) : rb->attributes_flags;

    json_t *o = json_object();
    int bad = o == NULL;
    if (!bad) {
        bad |= json_object_set_new(o, "Type", json_integer(MAAT_ENCLAVE_INFO_TYPE_SGX));
        bad |= set_hex(o, "MrEnclaveHex", rb->mr_enclave, 32);
        bad |= set_hex(o, "MrSignerHex", rb->mr_signer, 32);
        bad |= set_hex(o, "ProductIdHex", prod, 16);
        bad |= json_object_set_new(o, "SecurityVersion", json_integer(rb->isv_svn));
        /* Attributes is a JSON integer; values >= 2^63 cannot occur as OE bits and would
         * need a reserved SGX flag bit 63, which is refused rather than wrapped. */
        if (attrs > (uint64_t)INT64_MAX) {
            json_decref(o);
            return maat_error_set(err, MAAT_ERR_VALUE,
                                  EI ": attributes.flags 0x%016llx does not fit a JSON integer",
                                  (unsigned long long)attrs);
        }
        bad |= json_object_set_new(o, "Attributes", json_integer((json_int_t)attrs));
        bad |= set_hex(o, "QuoteHex", quote, quote_len);
        bad |= set_hex(o, "EnclaveHeldDataHex", ehd, ehd_len);
    }
    char *text = bad ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    MAAT_ENSURE(text != NULL, err, MAAT_ERR_NOMEM, EI ": out of memory");
    /* The samples end with a newline; json_dumps does not add one. */
    size_t n = strlen(text);
    char *res = realloc(text, n + 2);
    if (res == NULL) {
        free(text);
        return maat_error_set(err, MAAT_ERR_NOMEM, EI ": out of memory");
    }
    res[n] = '\n';
    res[n + 1] = '\0';
    *out = res;
    return 0;
}

int maat_enclave_info_check(const struct maat_enclave_info *ei, const struct maat_quote *q,
                            struct maat_error *err)
{
    MAAT_TRY(need_sgx_body(q, err));
    const struct maat_sgx_report_body *rb = &q->report_body;
    MAAT_ENSURE(memcmp(ei->mr_enclave, rb->mr_enclave, 32) == 0, err, MAAT_ERR_VALUE,
                EI ": MrEnclaveHex differs from the quote's mr_enclave");
    MAAT_ENSURE(memcmp(ei->mr_signer, rb->mr_signer, 32) == 0, err, MAAT_ERR_VALUE,
                EI ": MrSignerHex differs from the quote's mr_signer");
    uint16_t prod = (uint16_t)(ei->product_id[0] | ei->product_id[1] << 8);
    MAAT_ENSURE(prod == rb->isv_prod_id && maat_is_zero(ei->product_id + 2, 14), err, MAAT_ERR_VALUE,
                EI ": ProductIdHex (%u) differs from the quote's isv_prod_id %u "
                   "(expected it little-endian in the first 2 of 16 bytes)",
                prod, rb->isv_prod_id);
    MAAT_ENSURE(ei->security_version == rb->isv_svn, err, MAAT_ERR_VALUE,
                EI ": SecurityVersion %u differs from the quote's isv_svn %u", ei->security_version,
                rb->isv_svn);
    uint64_t want = q->oe_envelope ? oe_attributes(q) : rb->attributes_flags;
    MAAT_ENSURE(ei->attributes == want, err, MAAT_ERR_VALUE,
                EI ": Attributes %llu differs from the %s %llu derived from the quote",
                (unsigned long long)ei->attributes,
                q->oe_envelope ? "OpenEnclave attribute bits" : "SGX attributes.flags",
                (unsigned long long)want);
    return 0;
}
