/*
 * enclave_identity.c - Intel enclave identity parser (v2 `enclaveIdentity` for QE, QVE
 * and TD_QE; v1 `qeIdentity`) and QE TCB level matching.
 *
 * v1 has no tcbLevels, only `isvsvn` N; QVL (EnclaveIdentityV1::getTcbStatus) reports
 * UpToDate when the QE's isvsvn >= N and OutOfDate otherwise. maat expresses that as two
 * synthesized levels so the verifier matches v1 and v2 the same way.
 */
#include "collateral_fast.h"
#include "collateral_json.h"
#include "maat/collateral.h"

#include <stdlib.h>
#include <string.h>

static int common_fields(struct cj *c, json_t *body, const char *root,
                         struct maat_enclave_identity *ei)
{
    uint64_t u;
    MAAT_TRY(cj_date(c, body, root, "issueDate", &ei->issue_date));
    MAAT_TRY(cj_date(c, body, root, "nextUpdate", &ei->next_update));
    if (ei->version >= 2) {
        MAAT_TRY(cj_uint(c, body, root, "tcbEvaluationDataNumber", UINT32_MAX, true, NULL, &u));
        ei->has_tcb_evaluation_data_number = true;
        ei->tcb_evaluation_data_number = (uint32_t)u;
    }
    MAAT_TRY(cj_hex(c, body, root, "miscselect", ei->miscselect, 4, true, NULL));
    MAAT_TRY(cj_hex(c, body, root, "miscselectMask", ei->miscselect_mask, 4, true, NULL));
    MAAT_TRY(cj_hex(c, body, root, "attributes", ei->attributes, 16, true, NULL));
    MAAT_TRY(cj_hex(c, body, root, "attributesMask", ei->attributes_mask, 16, true, NULL));
    MAAT_TRY(cj_hex(c, body, root, "mrsigner", ei->mrsigner, 32, true, NULL));
    MAAT_TRY(cj_uint(c, body, root, "isvprodid", 65535, true, NULL, &u));
    ei->isvprodid = (uint16_t)u;
    return 0;
}

static int parse_v1(struct cj *c, json_t *body, const char *root, struct maat_enclave_identity *ei)
{
    uint64_t u;
    ei->id = MAAT_ENCLAVE_ID_QE;
    MAAT_TRY(common_fields(c, body, root, ei));
    MAAT_TRY(cj_uint(c, body, root, "isvsvn", 65535, true, NULL, &u));
    ei->v1_isvsvn = (uint16_t)u;
    ei->levels = calloc(2, sizeof *ei->levels);
    if (ei->levels == NULL)
        return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    ei->level_count = 2;
    ei->levels[0].isvsvn = ei->v1_isvsvn;
    ei->levels[0].status = MAAT_TCB_UP_TO_DATE;
    ei->levels[1].isvsvn = 0;
    ei->levels[1].status = MAAT_TCB_OUT_OF_DATE;
    return 0;
}

static int parse_v2(struct cj *c, json_t *body, const char *root, struct maat_enclave_identity *ei)
{
    const char *s;
    size_t len;
    MAAT_TRY(cj_string(c, body, root, "id", true, &s, &len));
    if (len == 2 && memcmp(s, "QE", 2) == 0) {
        ei->id = MAAT_ENCLAVE_ID_QE;
    } else if (len == 3 && memcmp(s, "QVE", 3) == 0) {
        ei->id = MAAT_ENCLAVE_ID_QVE;
    } else if (len == 5 && memcmp(s, "TD_QE", 5) == 0) {
        ei->id = MAAT_ENCLAVE_ID_TD_QE;
    } else {
        char p[MAAT_JSON_PATH_MAX];
        cj_child(p, root, "id");
        return cj_fail(c, MAAT_ERR_VALUE, p, "expected \"QE\", \"QVE\" or \"TD_QE\", got \"%.32s\"",
                       s);
    }
    MAAT_TRY(common_fields(c, body, root, ei));
    return cj_enclave_levels(c, body, root, 65535, &ei->levels, &ei->level_count);
}

/* The identity object at `root`; `want` is the version the wrapper implies (0: any). */
static int parse_object(struct cj *c, json_t *body, const char *root, uint32_t want,
                        struct maat_enclave_identity *ei)
{
    uint64_t u;
    MAAT_TRY(cj_uint(c, body, root, "version", UINT32_MAX, true, NULL, &u));
    ei->version = (uint32_t)u;
    char p[MAAT_JSON_PATH_MAX];
    cj_child(p, root, "version");
    if ((want != 0 && ei->version != want) || ei->version < 1 || ei->version > 2) {
        if (want == 1)
            return cj_fail(c, MAAT_ERR_UNSUPPORTED, p,
                           "unsupported version %u in a \"qeIdentity\" object (expected 1)",
                           ei->version);
        if (want == 2)
            return cj_fail(c, MAAT_ERR_UNSUPPORTED, p,
                           "unsupported version %u in an \"enclaveIdentity\" object (expected 2)",
                           ei->version);
        return cj_fail(c, MAAT_ERR_UNSUPPORTED, p,
                       "unsupported enclave identity version %u (expected 1 or 2)", ei->version);
    }
    return ei->version == 1 ? parse_v1(c, body, root, ei) : parse_v2(c, body, root, ei);
}

int maat_enclave_identity_parse(const void *json, size_t len, struct maat_enclave_identity *out,
                                struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    if (!maat__collateral_fast_off) { /* Intel's usual v2 shape in one pass (collateral_fast.c) */
        struct maat_json_span fs;
        if (maat__enclave_identity_fast(json, len, true, out, &fs)) {
            out->signed_body.ptr = (const uint8_t *)json + fs.start;
            out->signed_body.len = fs.end - fs.start;
            return 0;
        }
        maat_enclave_identity_cleanup(out); /* anything else: jansson, as before */
    }
    struct cj c = {.text = json, .len = len, .what = "enclave identity", .strip = NULL, .err = err};
    /* Scan for both wrappers: v2 "enclaveIdentity", v1 "qeIdentity". */
    bool found2 = false, found1 = false;
    struct maat_json_span span2, span1;
    json_t *root, *body;
    MAAT_TRY(cj_load(&c, "enclaveIdentity", &found2, &span2, &root));
    int rc = -1;
    if (json_object_get(root, "enclaveIdentity") == NULL &&
        json_object_get(root, "qeIdentity") != NULL) {
        if (maat__json_scan_object(c.text, c.len, "qeIdentity", &found1, &span1, c.what, err) != 0)
            goto done;
        if (cj_object(&c, root, "", "qeIdentity", true, &body) != 0) goto done;
        if (cj_signature(&c, root, out->signature) != 0) goto done;
        if (parse_object(&c, body, "qeIdentity", 1, out) != 0) goto done;
        found2 = found1;
        span2 = span1;
    } else {
        if (json_object_get(root, "enclaveIdentity") == NULL) {
            maat_error_set(err, MAAT_ERR_NOT_FOUND,
                           "enclave identity: enclaveIdentity: required field is missing from the "
                           "top-level object at offset 0 (neither \"enclaveIdentity\" nor v1 "
                           "\"qeIdentity\" is present; names are case-sensitive)");
            goto done;
        }
        if (json_object_get(root, "qeIdentity") != NULL) {
            cj_fail(&c, MAAT_ERR_VALUE, "qeIdentity",
                    "expected either \"enclaveIdentity\" or \"qeIdentity\", not both");
            goto done;
        }
        if (cj_object(&c, root, "", "enclaveIdentity", true, &body) != 0) goto done;
        if (cj_signature(&c, root, out->signature) != 0) goto done;
        if (parse_object(&c, body, "enclaveIdentity", 2, out) != 0) goto done;
    }
    if (!found2) {
        maat_error_set(err, MAAT_ERR_INTERNAL, "enclave identity: signed span not found");
        goto done;
    }
    out->signed_body.ptr = (const uint8_t *)json + span2.start;
    out->signed_body.len = span2.end - span2.start;
    rc = 0;
done:
    json_decref(root);
    if (rc != 0) maat_enclave_identity_cleanup(out);
    return rc;
}

int maat_enclave_identity_parse_body(const void *body, size_t len, const char *sig_hex,
                                     size_t sig_hex_len, struct maat_enclave_identity *out,
                                     struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    struct cj c = {.text = body,
                   .len = len,
                   .what = "enclave identity",
                   .strip = "enclaveIdentity",
                   .err = err};
    json_t *root;
    if (sig_hex == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE, "enclave identity: no signature given");
    MAAT_TRY(cj_signature_hex(&c, sig_hex, sig_hex_len, "signature", out->signature));
    if (!maat__collateral_fast_off) { /* Intel's usual v2 shape in one pass (collateral_fast.c) */
        struct maat_enclave_identity fast;
        memset(&fast, 0, sizeof fast);
        if (maat__enclave_identity_fast(body, len, false, &fast, NULL)) {
            memcpy(fast.signature, out->signature, sizeof fast.signature);
            fast.signed_body.ptr = body;
            fast.signed_body.len = len;
            *out = fast;
            return 0;
        }
        maat_enclave_identity_cleanup(&fast); /* anything else: jansson, as before */
    }
    MAAT_TRY(cj_load(&c, NULL, NULL, NULL, &root));
    int rc = parse_object(&c, root, "enclaveIdentity", 0, out);
    json_decref(root);
    if (rc != 0) {
        maat_enclave_identity_cleanup(out);
        return -1;
    }
    out->signed_body.ptr = body;
    out->signed_body.len = len;
    return 0;
}

void maat_enclave_identity_cleanup(struct maat_enclave_identity *ei)
{
    if (ei == NULL) return;
    cj_free_enclave_levels(ei->levels, ei->level_count);
    memset(ei, 0, sizeof *ei);
}

const struct maat_enclave_tcb_level *
maat_enclave_identity_match(const struct maat_enclave_identity *ei, uint16_t isvsvn, size_t *index)
{
    if (ei == NULL) return NULL;
    for (size_t i = 0; i < ei->level_count; i++) {
        if (ei->levels[i].isvsvn <= isvsvn) {
            if (index) *index = i;
            return &ei->levels[i];
        }
    }
    return NULL;
}
