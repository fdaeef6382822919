/*
 * claims.c - MAA's claim sets for SGX / OpenEnclave attestation: the incoming claims a
 * policy matches against, the claims MAA's default policy issues, and the token payload
 * (service claims, legacy aliases, issued claims, x-ms-policy, maat's own x-maat-*).
 * Names, JSON types and derivations follow maa.md section 2; checked claim by claim
 * against recorded MAA tokens in tests/unit/lib/test_recorded_claims.c. docs/claims.md
 * is the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/collateral.h"
#include "maat/crypto.h"

/* ---- small JSON helpers: each returns 0 or -1 with err set ---- */

static int put(json_t *obj, const char *key, json_t *v, struct maat_error *err)
{
    /* json_object_set_new steals v even on failure. */
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot add %s", key);
    return 0;
}

static int put_hex(json_t *obj, const char *key, const uint8_t *p, size_t n,
                   struct maat_error *err)
{
    char buf[129];
    if (n > 64) return maat_error_set(err, MAAT_ERR_INTERNAL, "claims: %s too long", key);
    maat_hex_encode(p, n, buf);
    return put(obj, key, json_string(buf), err);
}

static int put_b64url(json_t *obj, const char *key, const uint8_t *p, size_t n,
                      struct maat_error *err)
{
    char *s = maat_base64url_encode(p, n);
    if (s == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot encode %s", key);
    int rc = put(obj, key, json_string(s), err);
    free(s);
    return rc;
}

/* Incoming claims are {type: [values]}: appends one value (stolen) to type's list. */
static int add_in(json_t *in, const char *type, json_t *v, struct maat_error *err)
{
    if (v == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot add %s", type);
    json_t *list = json_object_get(in, type);
    if (list == NULL) {
        list = json_array();
        if (list == NULL || json_object_set_new(in, type, list) != 0) {
            json_decref(v);
            return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot add %s", type);
        }
    }
    if (json_array_append_new(list, v) != 0)
        return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot add %s", type);
    return 0;
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
    char buf[129];
    if (n > 64) return NULL;
    maat_hex_encode(p, n, buf);
    return json_string(buf);
}

/* ---- shared derivations ---- */

static int check_input(const struct maat_claims_input *in, struct maat_error *err)
{
    MAAT_ENSURE(in != NULL && in->req != NULL && in->quote != NULL, err, MAAT_ERR_USAGE,
                "claims: request and parsed quote are required");
    MAAT_ENSURE(in->quote->body_type == MAAT_BODY_SGX, err, MAAT_ERR_USAGE,
                "claims: the quote has no SGX report body");
    MAAT_ENSURE(in->collateral != NULL, err, MAAT_ERR_USAGE,
                "claims: collateral hashes are required (x-ms-sgx-collateral)");
    return 0;
}

/* x-ms-sgx-collateral: seven lowercase-hex SHA-256 values. quotehash covers the evidence
 * exactly as submitted (for OpenEnclave including the 16-byte OE header). */
static json_t *collateral_claim(const struct maat_claims_input *in, struct maat_error *err)
{
    const uint8_t *ev = in->evidence != NULL ? in->evidence : in->req->evidence;
    size_t ev_len = in->evidence != NULL ? in->evidence_len : in->req->evidence_len;
    uint8_t quotehash[32];
    maat_sha256(ev, ev_len, quotehash);
    const struct maat_collateral_hashes *h = in->collateral;
    json_t *o = json_object();
    if (o == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        return NULL;
    }
    if (put_hex(o, "qeidcertshash", h->qeidcertshash, 32, err) != 0 ||
        put_hex(o, "qeidcrlhash", h->qeidcrlhash, 32, err) != 0 ||
        put_hex(o, "qeidhash", h->qeidhash, 32, err) != 0 ||
        put_hex(o, "quotehash", quotehash, 32, err) != 0 ||
        put_hex(o, "tcbinfocertshash", h->tcbinfocertshash, 32, err) != 0 ||
        put_hex(o, "tcbinfocrlhash", h->tcbinfocrlhash, 32, err) != 0 ||
        put_hex(o, "tcbinfohash", h->tcbinfohash, 32, err) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static bool uses_kss(const struct maat_sgx_report_body *b)
{
    return (b->attributes_flags & MAAT_SGX_FLAGS_KSS) != 0;
}

/* ---- incoming ---- */

json_t *maat_claims_incoming(const struct maat_claims_input *in, struct maat_error *err)
{
    if (check_input(in, err) != 0) return NULL;
    const struct maat_sgx_report_body *b = &in->quote->report_body;
    bool dbg = (b->attributes_flags & MAAT_SGX_FLAGS_DEBUG) != 0;
    json_t *c = json_object();
    if (c == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        return NULL;
    }
    int rc = 0;
    rc |= add_in(c, "x-ms-ver", json_string("1.0"), err);
    rc |= add_in(c, "x-ms-attestation-type", json_string("sgx"), err);
    rc |= add_in(c, "x-ms-sgx-is-debuggable", json_boolean(dbg), err);
    rc |= add_in(c, "x-ms-sgx-mrenclave", hex_string(b->mr_enclave, 32), err);
    rc |= add_in(c, "x-ms-sgx-mrsigner", hex_string(b->mr_signer, 32), err);
    rc |= add_in(c, "x-ms-sgx-product-id", json_integer(b->isv_prod_id), err);
    rc |= add_in(c, "x-ms-sgx-svn", json_integer(b->isv_svn), err);
    rc |= add_in(c, "x-ms-sgx-report-data", hex_string(b->report_data, 64), err);
    if (rc == 0 && uses_kss(b)) {
        rc |= add_in(c, "x-ms-sgx-config-id", hex_string(b->config_id, 64), err);
        rc |= add_in(c, "x-ms-sgx-config-svn", json_integer(b->config_svn), err);
        rc |= add_in(c, "x-ms-sgx-isv-extended-product-id", hex_string(b->isv_ext_prod_id, 16),
                     err);
        rc |= add_in(c, "x-ms-sgx-isv-family-id", hex_string(b->isv_family_id, 16), err);
    }
    const struct maat_attest_data *rt = &in->req->runtime, *it = &in->req->inittime;
    if (rc == 0 && rt->present && rt->type == MAAT_DATA_BINARY) {
        char *s = maat_base64url_encode(rt->data, rt->len);
        rc |= add_in(c, "x-ms-sgx-ehd", s != NULL ? json_string(s) : NULL, err);
        free(s);
    }
    if (rc == 0 && rt->present && rt->type == MAAT_DATA_JSON)
        rc |= add_in(c, "x-ms-runtime", json_deep_copy(rt->json), err);
    if (rc == 0 && it->present && it->type == MAAT_DATA_JSON)
        rc |= add_in(c, "x-ms-inittime", json_deep_copy(it->json), err);
    if (rc == 0) {
        json_t *coll = collateral_claim(in, err);
        rc |= coll != NULL ? add_in(c, "x-ms-sgx-collateral", coll, err) : -1;
    }
    /* Preview-era names, still accepted in policy conditions. */
    rc |= add_in(c, "$is-debuggable", json_boolean(dbg), err);
    rc |= add_in(c, "$sgx-mrsigner", hex_string(b->mr_signer, 32), err);
    rc |= add_in(c, "$sgx-mrenclave", hex_string(b->mr_enclave, 32), err);
    rc |= add_in(c, "$product-id", json_integer(b->isv_prod_id), err);
    rc |= add_in(c, "$svn", json_integer(b->isv_svn), err);
    rc |= add_in(c, "$tee", json_string("sgx"), err);
    if (rc != 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* ---- MAA's default policy, issuance only ---- */

json_t *maat_claims_default_issued(const json_t *incoming, struct maat_error *err)
{
    /* c:[type=="<from>"] => issue(type="<to>", value=c.value); in the default's order. */
    static const struct {
        const char *from, *to;
    } rules[] = {
        {"x-ms-sgx-is-debuggable", "is-debuggable"}, {"x-ms-sgx-mrsigner", "sgx-mrsigner"},
        {"x-ms-sgx-mrenclave", "sgx-mrenclave"},     {"x-ms-sgx-product-id", "product-id"},
        {"x-ms-sgx-svn", "svn"},                     {"x-ms-attestation-type", "tee"},
    };
    if (!json_is_object(incoming)) {
        maat_error_set(err, MAAT_ERR_USAGE, "default policy: incoming claims are not an object");
        return NULL;
    }
    json_t *out = json_object();
    if (out == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "default policy: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        /* A condition matches any one claim of the type; MAA's evaluation visits them
         * all, but evidence-derived SGX claims have exactly one value each. */
        json_t *v = json_array_get(json_object_get(incoming, rules[i].from), 0);
        if (v == NULL) continue;
        if (put(out, rules[i].to, json_deep_copy(v), err) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* ---- the token payload ---- */

static int add_maat_claims(json_t *p, const struct maat_verdict *v, struct maat_error *err)
{
    MAAT_TRY(put(p, "x-maat-tcb-status", json_string(maat_tcb_status_name(v->status)), err));
    json_t *adv = json_array();
    if (adv == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    size_t n = v->advisory_count < MAAT_VERDICT_MAX_ADVISORIES ? v->advisory_count
                                                               : MAAT_VERDICT_MAX_ADVISORIES;
    for (size_t i = 0; i < n; i++) {
        char id[MAAT_VERDICT_ADVISORY_LEN + 1];
        memcpy(id, v->advisory_ids[i], MAAT_VERDICT_ADVISORY_LEN);
        id[MAAT_VERDICT_ADVISORY_LEN] = '\0';
        if (json_array_append_new(adv, json_string(id)) != 0) {
            json_decref(adv);
            return maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        }
    }
    MAAT_TRY(put(p, "x-maat-advisory-ids", adv, err));
    if (v->tcb_date != 0) {
        struct tm tm;
        char buf[32];
        time_t t = v->tcb_date;
        if (gmtime_r(&t, &tm) == NULL ||
            strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            return maat_error_set(err, MAAT_ERR_VALUE, "claims: TCB date %lld out of range",
                                  (long long)v->tcb_date);
        MAAT_TRY(put(p, "x-maat-tcb-date", json_string(buf), err));
    }
    /* Only when true: a token from a production chain carries no trace of test PKIs. */
    if (v->trusted_root_simulated) MAAT_TRY(put(p, "x-maat-simulated-platform", json_true(), err));
    return 0;
}

static int build_into(json_t *p, const struct maat_claims_input *in, struct maat_error *err)
{
    const struct maat_sgx_report_body *b = &in->quote->report_body;
    const struct maat_attest_data *rt = &in->req->runtime, *it = &in->req->inittime;

    /* Issued claims first, so the service claims below overwrite any name clash. */
    if (in->issued != NULL) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)in->issued, k, v) MAAT_TRY(put(p, k, json_deep_copy(v), err));
        MAAT_TRY(put(p, "x-ms-policy", json_deep_copy(in->issued), err));
    }

    MAAT_TRY(put(p, "x-ms-ver", json_string("1.0"), err));
    /* "sgx" on both routes: MAA reports the TEE, not the evidence format. */
    MAAT_TRY(put(p, "x-ms-attestation-type", json_string("sgx"), err));
    MAAT_TRY(put(p, "x-ms-policy-hash", json_string(in->policy_hash), err));
    if (in->policy_signer != NULL)
        MAAT_TRY(put(p, "x-ms-policy-signer", json_deep_copy(in->policy_signer), err));

    MAAT_TRY(put(p, "x-ms-sgx-is-debuggable",
                 json_boolean((b->attributes_flags & MAAT_SGX_FLAGS_DEBUG) != 0), err));
    MAAT_TRY(put_hex(p, "x-ms-sgx-mrenclave", b->mr_enclave, 32, err));
    MAAT_TRY(put_hex(p, "x-ms-sgx-mrsigner", b->mr_signer, 32, err));
    MAAT_TRY(put(p, "x-ms-sgx-product-id", json_integer(b->isv_prod_id), err));
    MAAT_TRY(put(p, "x-ms-sgx-svn", json_integer(b->isv_svn), err));
    MAAT_TRY(put_hex(p, "x-ms-sgx-report-data", b->report_data, 64, err));
    if (uses_kss(b)) {
        MAAT_TRY(put_hex(p, "x-ms-sgx-config-id", b->config_id, 64, err));
        MAAT_TRY(put(p, "x-ms-sgx-config-svn", json_integer(b->config_svn), err));
        MAAT_TRY(put_hex(p, "x-ms-sgx-isv-extended-product-id", b->isv_ext_prod_id, 16, err));
        MAAT_TRY(put_hex(p, "x-ms-sgx-isv-family-id", b->isv_family_id, 16, err));
    }
    MAAT_TRY(put(p, "x-ms-sgx-tcbidentifier",
                 json_string(in->tcb_identifier != NULL ? in->tcb_identifier
                                                        : MAAT_DEFAULT_TCB_IDENTIFIER),
                 err));

    /* Binary runtime data: the bytes as sent, under the current and both legacy names
     * (MAA emits all three regardless of policy). JSON data: the parsed object instead. */
    if (rt->present && rt->type == MAAT_DATA_BINARY) {
        MAAT_TRY(put_b64url(p, "x-ms-sgx-ehd", rt->data, rt->len, err));
        MAAT_TRY(put_b64url(p, "aas-ehd", rt->data, rt->len, err));
        MAAT_TRY(put_b64url(p, "maa-ehd", rt->data, rt->len, err));
    }
    if (rt->present && rt->type == MAAT_DATA_JSON)
        MAAT_TRY(put(p, "x-ms-runtime", json_deep_copy(rt->json), err));
    if (it->present && it->type == MAAT_DATA_JSON)
        MAAT_TRY(put(p, "x-ms-inittime", json_deep_copy(it->json), err));

    /* The same object under both names (nothing modifies a payload's values). */
    json_t *coll = json_array_get(json_object_get(in->incoming, "x-ms-sgx-collateral"), 0);
    coll = json_is_object(coll) ? json_incref(coll) : collateral_claim(in, err);
    if (coll == NULL) return -1;
    MAAT_TRY(put(p, "maa-attestationcollateral", json_incref(coll), err));
    MAAT_TRY(put(p, "x-ms-sgx-collateral", coll, err));

    if (in->req->nonce != NULL)
        MAAT_TRY(put(p, "nonce", json_stringn(in->req->nonce, in->req->nonce_len), err));

    return add_maat_claims(p, in->verdict, err);
}

json_t *maat_claims_build(const struct maat_claims_input *in, struct maat_error *err)
{
    if (check_input(in, err) != 0) return NULL;
    if (in->verdict == NULL || !in->verdict->ok) {
        maat_error_set(err, MAAT_ERR_USAGE,
                       "claims: no token for a quote that did not verify%s%s",
                       in->verdict != NULL ? ": " : "",
                       in->verdict != NULL ? in->verdict->reason : "");
        return NULL;
    }
    if (in->policy_hash == NULL) {
        maat_error_set(err, MAAT_ERR_USAGE, "claims: policy hash is required");
        return NULL;
    }
    if (in->issued != NULL && !json_is_object(in->issued)) {
        maat_error_set(err, MAAT_ERR_USAGE, "claims: issued claims must be an object");
        return NULL;
    }
    json_t *p = json_object();
    if (p == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        return NULL;
    }
    if (build_into(p, in, err) != 0) {
        json_decref(p);
        return NULL;
    }
    return p;
}

int maat_claims_finish(json_t *payload, const char *iss, int64_t iat, int64_t lifetime_seconds,
                       const char *jti_hex, struct maat_error *err)
{
    MAAT_ENSURE(json_is_object(payload) && iss != NULL, err, MAAT_ERR_USAGE,
                "claims: payload object and issuer are required");
    MAAT_ENSURE(lifetime_seconds >= 0 && iat >= 0 && iat <= INT64_MAX - lifetime_seconds, err,
                MAAT_ERR_USAGE, "claims: iat %lld + lifetime %lld out of range", (long long)iat,
                (long long)lifetime_seconds);
    if (jti_hex != NULL) {
        bool ok = strlen(jti_hex) == 64;
        for (size_t i = 0; ok && i < 64; i++)
            ok = (jti_hex[i] >= '0' && jti_hex[i] <= '9') || (jti_hex[i] >= 'a' && jti_hex[i] <= 'f');
        MAAT_ENSURE(ok, err, MAAT_ERR_USAGE, "claims: jti must be 64 lowercase hex characters");
    }
    MAAT_TRY(put(payload, "iss", json_string(iss), err));
    MAAT_TRY(put(payload, "iat", json_integer((json_int_t)iat), err));
    MAAT_TRY(put(payload, "nbf", json_integer((json_int_t)iat), err));
    MAAT_TRY(put(payload, "exp", json_integer((json_int_t)(iat + lifetime_seconds)), err));
    if (jti_hex != NULL) MAAT_TRY(put(payload, "jti", json_string(jti_hex), err));
    return 0;
}

int maat_claims_new_jti(char out[65], struct maat_error *err)
{
    uint8_t r[32];
    if (RAND_bytes(r, sizeof r) != 1)
        return maat_error_set(err, MAAT_ERR_CRYPTO, "jti: RAND_bytes failed");
    maat_hex_encode(r, sizeof r, out);
    return 0;
}
