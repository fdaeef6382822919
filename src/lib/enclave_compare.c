/*
 * enclave_compare.c - an EnclaveInfo against the enclave it claims, one comparison for two
 * sources (enclave_compare_internal.h): the fields and their order, the EnclaveInfo's side
 * of each and the first-mismatch reason are here; token_enclave.c brings a token's claims,
 * maat_enclave_info_compare_quote() below the parsed quote (moved from `maat attest
 * --offline`, src/cli/cmd_attest.c).
 */
#include "maat/enclave_compare.h"

#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "enclave_compare_internal.h"

static const char *const field_names[MAAT__EI__COUNT] = {
    "IsDebuggable", "MRENCLAVE", "MRSIGNER", "ProductID", "SecurityVersion", "EnclaveHeldData",
};

void maat__ei_result_cleanup(struct maat__ei_result *r)
{
    for (size_t i = 0; i < MAAT__EI__COUNT; i++) {
        free(r->file_json[i]);
        free(r->got_json[i]);
    }
    memset(r, 0, sizeof *r);
}

static char *dump(const json_t *v) /* NULL stays NULL */
{
    return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
}

/* A JSON value text for the reason: cut to 86 characters + ..." when longer than 90 (a
 * long EHD: the report has it whole). */
static void shown(const char *json, char out[91])
{
    snprintf(out, 91, "%s", json);
    if (strlen(json) > 90) strcpy(out + 86, "...\"");
}

void maat__ei_mismatch_text(const char *name, const char *file_json, const char *word,
                            const char *got_json, const char *label, char *out, size_t n)
{
    char fv[91], gv[91];
    shown(file_json, fv);
    if (got_json != NULL) {
        shown(got_json, gv);
        snprintf(out, n, "%s mismatch: the file says %s, the %s says %s (%s)", name, fv, word, gv,
                 label);
    } else {
        snprintf(out, n, "%s mismatch: the file says %s, the %s has no %s claim", name, fv, word,
                 label);
    }
}

int maat__ei_compare(const struct maat_enclave_info *ei, bool oe, const struct maat__ei_source *src,
                     struct maat__ei_result *out, struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    struct maat__ei_want w = {.ei = ei};
    /* OE-SDK files carry OpenEnclave's attribute bits, Intel-SDK files the SGX flags */
    w.debuggable = oe ? (ei->attributes & MAAT_OE_ATTR_DEBUG) != 0
                      : (ei->attributes & MAAT_SGX_FLAGS_DEBUG) != 0;
    maat_hex_encode(ei->mr_enclave, 32, w.mr_enclave_hex);
    maat_hex_encode(ei->mr_signer, 32, w.mr_signer_hex);
    for (int i = 7; i >= 0; i--) w.product_id = (w.product_id << 8) | ei->product_id[i];

    char first[MAAT_ERROR_MSG_MAX - 32] = "";
    for (int f = 0; f < MAAT__EI__COUNT; f++) {
        json_t *file = f == MAAT__EI_DEBUGGABLE   ? json_boolean(w.debuggable)
                       : f == MAAT__EI_MRENCLAVE  ? json_string(w.mr_enclave_hex)
                       : f == MAAT__EI_MRSIGNER   ? json_string(w.mr_signer_hex)
                       : f == MAAT__EI_PRODUCT_ID ? json_integer((json_int_t)w.product_id)
                       : f == MAAT__EI_SVN        ? json_integer(ei->security_version)
                                                  : NULL;
        json_t *got = NULL;
        bool pass = src->observe(src->ctx, (enum maat__ei_field)f, &w, &file, &got);
        size_t i = out->count++;
        out->name[i] = field_names[f];
        out->label[i] = src->labels[f];
        out->pass[i] = pass;
        out->file_json[i] = dump(file);
        out->got_json[i] = dump(got);
        json_decref(file);
        json_decref(got);
        if (out->file_json[i] == NULL || (got != NULL && out->got_json[i] == NULL)) {
            maat__ei_result_cleanup(out);
            return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        }
        if (pass || out->failed++ > 0) continue;
        maat__ei_mismatch_text(field_names[f], out->file_json[i], src->word, out->got_json[i],
                               src->labels[f], first, sizeof first);
    }
    if (out->failed > 0)
        snprintf(out->reason, sizeof out->reason, "%s%s", first,
                 out->failed > 1 ? " (and more, see the report)" : "");
    return 0;
}

/* ---- the quote as the source ---- */

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char h[65];
    maat_hex_encode(p, n, h); /* n <= 32 */
    return json_string(h);
}

static bool quote_observe(const void *ctx, enum maat__ei_field f, const struct maat__ei_want *w,
                          json_t **file, json_t **got)
{
    const struct maat_sgx_report_body *rb = ctx;
    const struct maat_enclave_info *ei = w->ei;
    switch (f) {
    case MAAT__EI_DEBUGGABLE: {
        bool qdbg = (rb->attributes_flags & MAAT_SGX_FLAGS_DEBUG) != 0;
        *got = json_boolean(qdbg);
        return w->debuggable == qdbg;
    }
    case MAAT__EI_MRENCLAVE:
        *got = hex_json(rb->mr_enclave, 32);
        return memcmp(ei->mr_enclave, rb->mr_enclave, 32) == 0;
    case MAAT__EI_MRSIGNER:
        *got = hex_json(rb->mr_signer, 32);
        return memcmp(ei->mr_signer, rb->mr_signer, 32) == 0;
    case MAAT__EI_PRODUCT_ID:
        *got = json_integer(rb->isv_prod_id);
        return w->product_id == rb->isv_prod_id;
    case MAAT__EI_SVN: *got = json_integer(rb->isv_svn); return ei->security_version == rb->isv_svn;
    case MAAT__EI_EHD:
    default: {
        /* report_data[0:32] = SHA-256(EHD): the enclave bound the data it holds */
        uint8_t h[32];
        maat__sha256(ei->ehd, ei->ehd_len, h);
        *file = hex_json(h, 32);
        *got = hex_json(rb->report_data, 32);
        return memcmp(h, rb->report_data, 32) == 0;
    }
    }
}

int maat_enclave_info_compare_quote(const struct maat_enclave_info *ei, bool oe_attributes,
                                    const struct maat_quote *q, struct maat_enclave_comparison *out,
                                    struct maat_error *err)
{
    MAAT_ENSURE(out != NULL, err, MAAT_ERR_USAGE, "enclave comparison: out is NULL");
    memset(out, 0, sizeof *out);
    MAAT_ENSURE(ei != NULL && q != NULL, err, MAAT_ERR_USAGE, "enclave comparison: %s is NULL",
                ei == NULL ? "the EnclaveInfo" : "the quote");
    MAAT_ENSURE(ei->ehd_len == 0 || ei->ehd != NULL, err, MAAT_ERR_USAGE,
                "enclave comparison: EnclaveInfo: ehd_len %zu without ehd", ei->ehd_len);
    MAAT_ENSURE(q->body_type == MAAT_BODY_SGX, err, MAAT_ERR_UNSUPPORTED,
                "enclave comparison: quote: body type %d: expected an SGX enclave report body "
                "(a TD quote has no MRENCLAVE)",
                (int)q->body_type);
    const struct maat_sgx_report_body *rb = &q->report_body;
    MAAT_ENSURE(rb->mr_enclave != NULL && rb->mr_signer != NULL && rb->report_data != NULL, err,
                MAAT_ERR_USAGE,
                "enclave comparison: quote: report body without mr_enclave, mr_signer or "
                "report_data (not from maat_quote_parse)");
    static const struct maat__ei_source quote_src = {
        .word = "quote",
        .labels = {"attributes.flags & DEBUG", "mr_enclave", "mr_signer", "isv_prod_id", "isv_svn",
                   "SHA-256(EHD) = report_data[0:32]"},
        .observe = quote_observe,
    };
    struct maat__ei_source src = quote_src;
    src.ctx = rb;
    struct maat__ei_result r;
    MAAT_TRY(maat__ei_compare(ei, oe_attributes, &src, &r, err));
    out->count = r.count;
    out->failed = r.failed;
    for (size_t i = 0; i < r.count; i++) {
        struct maat_enclave_field_match *m = &out->fields[i];
        m->name = r.name[i];
        m->field = r.label[i];
        m->file_json = r.file_json[i];
        m->quote_json = r.got_json[i];
        m->pass = r.pass[i];
    }
    memcpy(out->reason, r.reason, sizeof out->reason);
    return 0;
}

void maat_enclave_comparison_cleanup(struct maat_enclave_comparison *c)
{
    if (c == NULL) return;
    for (size_t i = 0; i < c->count && i < MAAT_ENCLAVE_COMPARE_FIELDS; i++) {
        free(c->fields[i].file_json);
        free(c->fields[i].quote_json);
    }
    memset(c, 0, sizeof *c);
}
