/*
 * eval_nums.c - Intel's signed list of TCB evaluation data numbers
 * (/sgx|tdx/certification/v4/tcbevaluationdatanumbers, maa-2025.md section 6): parsed
 * strictly and verified (issuer chain to the trust roots, signature over the exact bytes of
 * the tcbEvaluationDataNumbers value, as for tcbInfo). No I/O here; pccs.c fetches it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maat/time_parse.h"
#include "../lib/json_span.h"
#include "../lib/verify_internal.h"
#include "collateral_source.h"

#define EVAL_NUMS_MAX 256

void maat_tcb_eval_nums_cleanup(struct maat_tcb_eval_nums *l)
{
    if (l == NULL) return;
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int get_date(json_t *o, const char *key, const char *path, int64_t *out, struct maat_error *err)
{
    json_t *v = json_object_get(o, key);
    char field[96];
    snprintf(field, sizeof field, "%s.%s", path, key);
    MAAT_ENSURE(json_is_string(v), err, MAAT_ERR_VALUE,
                "tcb evaluation data numbers: %s: expected a date string", field);
    return maat_time_parse(field, json_string_value(v), out, err);
}

static int get_u32(json_t *o, const char *key, const char *path, uint32_t *out, struct maat_error *err)
{
    json_t *v = json_object_get(o, key);
    MAAT_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0 &&
                    json_integer_value(v) <= (json_int_t)UINT32_MAX,
                err, MAAT_ERR_VALUE,
                "tcb evaluation data numbers: %s.%s: expected an integer 0..4294967295", path, key);
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

/* The signer's chain verified to `trust`, every certificate valid at `at`. */
static X509 *verify_chain(const uint8_t *pem, size_t len, const struct maat_trust *trust, time_t at,
                          struct maat_error *err)
{
    const char *what = "tcb evaluation data numbers issuer chain";
    STACK_OF(X509) *sk = maat__x509_load_all(pem, len, what, err);
    if (sk == NULL) return NULL;
    X509 *leaf = maat__x509_find_leaf(sk);
    X509 *ret = NULL;
    STACK_OF(X509) *chain = NULL;
    const struct maat_anchor *anchor = NULL;
    if (leaf == NULL) {
        maat_error_set(err, MAAT_ERR_VALUE, "%s: no leaf certificate", what);
        goto done;
    }
    if (maat__chain_verify(leaf, sk, trust, what, &anchor, &chain, err) != 0) goto done;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        time_t nb = 0, na = 0;
        char cn[128];
        maat__x509_cn(X509_get_subject_name(c), cn, sizeof cn);
        if (maat__asn1_time_to_unix(X509_get0_notBefore(c), &nb) != 0 ||
            maat__asn1_time_to_unix(X509_get0_notAfter(c), &na) != 0 || at < nb || at > na) {
            maat_error_set(err, MAAT_ERR_VALUE,
                           "%s: certificate \"%s\" is not valid at the verification time", what, cn);
            goto done;
        }
    }
    char cn[128];
    maat__x509_cn(X509_get_subject_name(leaf), cn, sizeof cn);
    if (strstr(cn, "TCB Signing") == NULL) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "%s: signer is \"%s\", expected the TCB Signing certificate", what, cn);
        goto done;
    }
    X509_up_ref(leaf);
    ret = leaf;
done:
    if (chain != NULL) sk_X509_pop_free(chain, X509_free);
    sk_X509_pop_free(sk, X509_free);
    return ret;
}

int maat_tcb_eval_nums_verify(const uint8_t *json, size_t len, const uint8_t *chain_pem,
                              size_t chain_len, const struct maat_trust *trust, time_t at,
                              const char *want_id, struct maat_tcb_eval_nums *out,
                              struct maat_error *err)
{
    MAAT_ENSURE(json != NULL && chain_pem != NULL && trust != NULL && out != NULL, err,
                MAAT_ERR_USAGE, "tcb evaluation data numbers: missing argument");
    memset(out, 0, sizeof *out);
    MAAT_ENSURE(len > 0 && len <= MAAT_COLLATERAL_MAX_INPUT, err, MAAT_ERR_TOO_LARGE,
                "tcb evaluation data numbers: %zu bytes (expected 1..%u)", len,
                MAAT_COLLATERAL_MAX_INPUT);
    json_error_t je;
    json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &je);
    MAAT_ENSURE(root != NULL, err, MAAT_ERR_ENCODING,
                "tcb evaluation data numbers: not JSON (offset %d): %s", je.position, je.text);
    X509 *signer = NULL;
    int rc = -1;
    json_t *body = json_object_get(root, "tcbEvaluationDataNumbers");
    json_t *sig = json_object_get(root, "signature");
    if (!json_is_object(root) || !json_is_object(body) || !json_is_string(sig) ||
        json_string_length(sig) != 128) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "tcb evaluation data numbers: expected {\"tcbEvaluationDataNumbers\": "
                       "{...}, \"signature\": \"128 hex digits\"}");
        goto done;
    }
    /* the exact signed bytes */
    bool found = false, ambiguous = false;
    struct maat_json_span span;
    if (maat__json_scan_object_find((const char *)json, len, "tcbEvaluationDataNumbers", &found,
                                    &span, &ambiguous, NULL, "tcb evaluation data numbers", err) != 0)
        goto done;
    if (!found || ambiguous) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "tcb evaluation data numbers: member "
                       "tcbEvaluationDataNumbers not found unambiguously");
        goto done;
    }
    uint8_t rs[64];
    if (maat_hex_decode_fixed(json_string_value(sig), 128, "signature", rs, 64, err) != 0)
        goto done;
    if ((signer = verify_chain(chain_pem, chain_len, trust, at, err)) == NULL) goto done;
    if (maat__ecdsa_verify_rs(X509_get0_pubkey(signer), json + span.start, span.end - span.start,
                             rs) != 1) {
        maat_error_set(err, MAAT_ERR_CRYPTO,
                       "tcb evaluation data numbers: signature (offset %zu) does not verify "
                       "over tcbEvaluationDataNumbers with the TCB Signing key",
                       span.end);
        goto done;
    }
    /* the fields */
    json_t *id = json_object_get(body, "id");
    if (!json_is_string(id) || json_string_length(id) >= sizeof out->id ||
        (want_id != NULL && strcmp(json_string_value(id), want_id) != 0)) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "tcb evaluation data numbers: tcbEvaluationDataNumbers.id: expected "
                       "\"%s\"",
                       want_id != NULL ? want_id : "SGX or TDX");
        goto done;
    }
    snprintf(out->id, sizeof out->id, "%s", json_string_value(id));
    if (get_u32(body, "version", "tcbEvaluationDataNumbers", &out->version, err) != 0 ||
        get_date(body, "issueDate", "tcbEvaluationDataNumbers", &out->issue_date, err) != 0 ||
        get_date(body, "nextUpdate", "tcbEvaluationDataNumbers", &out->next_update, err) != 0)
        goto done;
    if (out->version != 1) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "tcb evaluation data numbers: "
                       "tcbEvaluationDataNumbers.version: expected 1, got %u",
                       out->version);
        goto done;
    }
    if ((int64_t)at > out->next_update) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "tcb evaluation data numbers: expired (nextUpdate is before the "
                       "verification time)");
        goto done;
    }
    json_t *arr = json_object_get(body, "tcbEvalNumbers");
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > EVAL_NUMS_MAX) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "tcb evaluation data numbers: "
                       "tcbEvaluationDataNumbers.tcbEvalNumbers: expected an array of 1..%d",
                       EVAL_NUMS_MAX);
        goto done;
    }
    out->items = calloc(n, sizeof *out->items);
    if (out->items == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        char path[64];
        snprintf(path, sizeof path, "tcbEvaluationDataNumbers.tcbEvalNumbers[%zu]", i);
        struct maat_tcb_eval_num *it = &out->items[i];
        if (!json_is_object(e)) {
            maat_error_set(err, MAAT_ERR_VALUE,
                           "tcb evaluation data numbers: %s: expected an "
                           "object",
                           path);
            goto done;
        }
        if (get_u32(e, "tcbEvaluationDataNumber", path, &it->number, err) != 0 ||
            get_date(e, "tcbRecoveryEventDate", path, &it->tcb_recovery_event_date, err) != 0 ||
            get_date(e, "tcbDate", path, &it->tcb_date, err) != 0)
            goto done;
        for (size_t k = 0; k < i; k++)
            if (out->items[k].number == it->number) {
                maat_error_set(err, MAAT_ERR_VALUE,
                               "tcb evaluation data numbers: %s: number "
                               "%u listed twice",
                               path, it->number);
                goto done;
            }
        if (it->number > out->newest) out->newest = it->number;
        out->n = i + 1;
    }
    rc = 0;
done:
    X509_free(signer);
    json_decref(root);
    if (rc != 0) maat_tcb_eval_nums_cleanup(out);
    return rc;
}
