/*
 * claims.c - MAA's claim sets for SGX / OpenEnclave attestation: the incoming claims a
 * policy matches against, the claims MAA's default policy issues, and the token payload
 * (service claims, legacy aliases, issued claims, x-ms-policy, maat's own x-maat-*).
 * Names, JSON types and derivations follow maa.md section 2; checked claim by claim
 * against recorded MAA tokens in tests/unit/lib/test_recorded_claims.c. docs/claims.md
 * is the reference.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "maat/attest.h"
#include "maat/tcb_fix.h"
#include "maat/bytes.h"
#include "maat/collateral.h"
#include "maat/crypto.h"
#include "claim_list_internal.h"
#include "claims_maat_internal.h"
#include "claims_test_hooks.h"
#include "jose_internal.h"
#include "json_span.h"

/* ---- small JSON helpers: each returns 0 or -1 with err set ---- */

static int put(json_t *obj, const char *key, json_t *v, struct maat_error *err)
{
    /* json_object_set_new steals v even on failure. */
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        return maat_error_set(err, MAAT_ERR_NOMEM, "claims: cannot add %s", key);
    return 0;
}

/* Lowercase hex of at most 64 bytes into buf (the claims' hex values). */
static int hex_text(const uint8_t *p, size_t n, char buf[129], const char *key, struct maat_error *err)
{
    if (n > 64) return maat_error_set(err, MAAT_ERR_INTERNAL, "claims: %s too long", key);
    maat_hex_encode(p, n, buf);
    return 0;
}

/* No byte 0x80 or above: text the payload writer copies as jansson would (no UTF-8 to check). */
static bool ascii_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80) return false;
    return true;
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
 * exactly as submitted (for OpenEnclave including the 16-byte OE header). The object is
 * written as its compact text, keys in order (so sorted: the very bytes json_dumps gives
 * for it with or without JSON_SORT_KEYS), which the claim list (JSON claims are compact
 * sorted text) and the payload text take as they are; returns the length. */
#define COLLATERAL_TEXT_CAP 600 /* 7 x ("key":"<64 hex>",) + {} = 573 */
static size_t collateral_text(const struct maat_claims_input *in, char out[COLLATERAL_TEXT_CAP])
{
    uint8_t quotehash[32];
    if (in->quote_hash != NULL)
        memcpy(quotehash, in->quote_hash, 32);
    else
        maat__claims_quote_hash(in, quotehash);
    const struct maat_collateral_hashes *h = in->collateral;
    static const char *const keys[7] = {"qeidcertshash", "qeidcrlhash",      "qeidhash",
                                        "quotehash",     "tcbinfocertshash", "tcbinfocrlhash",
                                        "tcbinfohash"};
    const uint8_t *vals[7] = {h->qeidcertshash,    h->qeidcrlhash,    h->qeidhash,   quotehash,
                              h->tcbinfocertshash, h->tcbinfocrlhash, h->tcbinfohash};
    size_t o = 0;
    out[o++] = '{';
    for (size_t i = 0; i < 7; i++) {
        size_t kl = strlen(keys[i]);
        if (i > 0) out[o++] = ',';
        out[o++] = '"';
        memcpy(out + o, keys[i], kl);
        o += kl;
        memcpy(out + o, "\":\"", 3);
        o += 3;
        maat_hex_encode(vals[i], 32, out + o);
        o += 64;
        out[o++] = '"';
    }
    out[o++] = '}';
    out[o] = '\0';
    return o;
}

/* The same object as a JSON value (the tree modes), parsed from that text. */
static json_t *collateral_claim(const struct maat_claims_input *in, struct maat_error *err)
{
    char text[COLLATERAL_TEXT_CAP];
    size_t n = collateral_text(in, text);
    json_t *o = json_loadb(text, n, 0, NULL);
    if (o == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
    return o;
}

static bool uses_kss(const struct maat_sgx_report_body *b)
{
    return (b->attributes_flags & MAAT_SGX_FLAGS_KSS) != 0;
}

/* ---- incoming ---- */

void maat__claims_quote_hash(const struct maat_claims_input *in, uint8_t out[32])
{
    const uint8_t *ev = in->evidence != NULL ? in->evidence : in->req->evidence;
    size_t ev_len = in->evidence != NULL ? in->evidence_len : in->req->evidence_len;
    maat__sha256(ev, ev_len, out);
}

/* The incoming set is derived once (incoming_into) and written either as the JSON object
 * {type: [values]} or straight as a claim list for the policy engine, through a sink. */
struct in_sink {
    json_t *obj;                  /* JSON mode */
    struct maat_claim_list *list; /* list mode */
    struct maat_error *err;
};

/* A JSON value (stolen). */
static int in_json(struct in_sink *k, const char *type, json_t *v)
{
    if (v == NULL) return maat_error_set(k->err, MAAT_ERR_NOMEM, "claims: cannot add %s", type);
    if (k->obj != NULL) return add_in(k->obj, type, v, k->err);
    int rc = maat__claim_list_push_json(k->list, type, v, k->err);
    json_decref(v);
    return rc;
}

static int in_str(struct in_sink *k, const char *type, const char *s, size_t n)
{
    if (k->obj != NULL) return in_json(k, type, json_stringn(s, n));
    struct maat_claim_value v = {.kind = MAAT_CLAIM_STRING, .str = s, .len = n};
    return maat__claim_list_push(k->list, type, &v, k->err);
}

static int in_int(struct in_sink *k, const char *type, int64_t i)
{
    if (k->obj != NULL) return in_json(k, type, json_integer((json_int_t)i));
    struct maat_claim_value v = {.kind = MAAT_CLAIM_INTEGER, .integer = i};
    return maat__claim_list_push(k->list, type, &v, k->err);
}

static int in_bool(struct in_sink *k, const char *type, bool b)
{
    if (k->obj != NULL) return in_json(k, type, json_boolean(b));
    struct maat_claim_value v = {.kind = MAAT_CLAIM_BOOLEAN, .boolean = b};
    return maat__claim_list_push(k->list, type, &v, k->err);
}

static int in_hex(struct in_sink *k, const char *type, const uint8_t *p, size_t n)
{
    char buf[129];
    MAAT_TRY(hex_text(p, n, buf, type, k->err));
    return in_str(k, type, buf, 2 * n);
}

/* maat's own x-maat-* claims (claims_maat.c) into the incoming set: an array claim gives
 * one claim per element (none when empty), as maat__claim_list_from_json() does. */
static int in_xclaim(void *arg, const struct maat__xclaim *c)
{
    struct in_sink *k = arg;
    switch (c->kind) {
    case MAAT__X_INT: return in_int(k, c->type, c->i);
    case MAAT__X_STR: return in_str(k, c->type, c->s, c->n);
    case MAAT__X_BOOL: return in_bool(k, c->type, c->b);
    case MAAT__X_IDS:
        for (size_t i = 0; i < c->count; i++)
            MAAT_TRY(in_str(k, c->type, c->ids[i], strnlen(c->ids[i], MAAT_VERDICT_ADVISORY_LEN)));
        return 0;
    case MAAT__X_JSON: return in_json(k, c->type, c->json);
    }
    json_decref(c->json);
    return maat_error_set(k->err, MAAT_ERR_INTERNAL, "claims: %s of unknown kind", c->type);
}

static int incoming_into(struct in_sink *k, const struct maat_claims_input *in)
{
    const struct maat_sgx_report_body *b = &in->quote->report_body;
    bool dbg = (b->attributes_flags & MAAT_SGX_FLAGS_DEBUG) != 0;
    MAAT_TRY(in_str(k, "x-ms-ver", "1.0", 3));
    MAAT_TRY(in_str(k, "x-ms-attestation-type", "sgx", 3));
    MAAT_TRY(in_bool(k, "x-ms-sgx-is-debuggable", dbg));
    MAAT_TRY(in_hex(k, "x-ms-sgx-mrenclave", b->mr_enclave, 32));
    MAAT_TRY(in_hex(k, "x-ms-sgx-mrsigner", b->mr_signer, 32));
    MAAT_TRY(in_int(k, "x-ms-sgx-product-id", b->isv_prod_id));
    MAAT_TRY(in_int(k, "x-ms-sgx-svn", b->isv_svn));
    MAAT_TRY(in_hex(k, "x-ms-sgx-report-data", b->report_data, 64));
    if (uses_kss(b)) {
        MAAT_TRY(in_hex(k, "x-ms-sgx-config-id", b->config_id, 64));
        MAAT_TRY(in_int(k, "x-ms-sgx-config-svn", b->config_svn));
        MAAT_TRY(in_hex(k, "x-ms-sgx-isv-extended-product-id", b->isv_ext_prod_id, 16));
        MAAT_TRY(in_hex(k, "x-ms-sgx-isv-family-id", b->isv_family_id, 16));
    }
    const struct maat_attest_data *rt = &in->req->runtime, *it = &in->req->inittime;
    if (rt->present && rt->type == MAAT_DATA_BINARY) {
        char *s = maat_base64url_encode(rt->data, rt->len);
        if (s == NULL)
            return maat_error_set(k->err, MAAT_ERR_NOMEM, "claims: cannot add x-ms-sgx-ehd");
        int rc = in_str(k, "x-ms-sgx-ehd", s, strlen(s));
        free(s);
        MAAT_TRY(rc);
    }
    if (rt->present && rt->type == MAAT_DATA_JSON)
        MAAT_TRY(in_json(k, "x-ms-runtime", json_deep_copy(rt->json)));
    if (it->present && it->type == MAAT_DATA_JSON)
        MAAT_TRY(in_json(k, "x-ms-inittime", json_deep_copy(it->json)));
    if (k->obj != NULL) {
        json_t *coll = collateral_claim(in, k->err);
        if (coll == NULL) return -1;
        MAAT_TRY(in_json(k, "x-ms-sgx-collateral", coll));
    } else {
        char ctext[COLLATERAL_TEXT_CAP];
        struct maat_claim_value cv = {.kind = MAAT_CLAIM_JSON, .str = ctext};
        cv.len = collateral_text(in, ctext);
        MAAT_TRY(maat__claim_list_push(k->list, "x-ms-sgx-collateral", &cv, k->err));
    }
    /* Preview-era names, still accepted in policy conditions. */
    MAAT_TRY(in_bool(k, "$is-debuggable", dbg));
    MAAT_TRY(in_hex(k, "$sgx-mrsigner", b->mr_signer, 32));
    MAAT_TRY(in_hex(k, "$sgx-mrenclave", b->mr_enclave, 32));
    MAAT_TRY(in_int(k, "$product-id", b->isv_prod_id));
    MAAT_TRY(in_int(k, "$svn", b->isv_svn));
    MAAT_TRY(in_str(k, "$tee", "sgx", 3));
    /* maat's own claims, as the token carries them (issue 14: a policy can decide on the
     * TCB status, evaluation number, advisories, fix and TCB policy findings) */
    if (in->verdict != NULL && in->verdict->ok)
        MAAT_TRY(maat__xclaims_each(in->verdict, in->tcb_fix, MAAT__X_TCB_POLICY | MAAT__X_VERDICT,
                                    in_xclaim, k, k->err));
    return 0;
}

json_t *maat__claims_incoming(const struct maat_claims_input *in, struct maat_error *err)
{
    if (check_input(in, err) != 0) return NULL;
    struct in_sink k = {.obj = json_object(), .err = err};
    if (k.obj == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        return NULL;
    }
    if (incoming_into(&k, in) != 0) {
        json_decref(k.obj);
        return NULL;
    }
    return k.obj;
}

/* more than the incoming set ever holds: 22 MAA claims at most, 14 x-maat-* claims and
 * both advisory lists (MAAT_VERDICT_MAX_ADVISORIES each) */
#define INCOMING_MAX (40 + 2 * MAAT_VERDICT_MAX_ADVISORIES)

int maat__claims_incoming_list(const struct maat_claims_input *in, struct maat_claim_list *out,
                              struct maat_error *err)
{
    if (out == NULL) return maat_error_set(err, MAAT_ERR_USAGE, "claims: no output");
    memset(out, 0, sizeof *out);
    MAAT_TRY(check_input(in, err));
    MAAT_TRY(maat__claim_list_begin(out, INCOMING_MAX, err));
    struct in_sink k = {.list = out, .err = err};
    if (incoming_into(&k, in) != 0) {
        maat__claim_list_cleanup(out);
        return -1;
    }
    return 0;
}

/* ---- MAA's default policy, issuance only ---- */

json_t *maat__claims_default_issued(const json_t *incoming, struct maat_error *err)
{
    /* c:[type=="<from>"] => issue(type="<to>", value=c.value); in the default's order. */
    static const struct {
        const char *from, *to;
    } rules[] = {
        {"x-ms-sgx-is-debuggable", "is-debuggable"},
        {"x-ms-sgx-mrsigner", "sgx-mrsigner"},
        {"x-ms-sgx-mrenclave", "sgx-mrenclave"},
        {"x-ms-sgx-product-id", "product-id"},
        {"x-ms-sgx-svn", "svn"},
        {"x-ms-attestation-type", "tee"},
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

/*
 * The payload is derived once (build_into) and written either into a jansson object
 * (maat__claims_build) or straight as its sorted compact text (maat__claims_payload_text),
 * through a sink. In text mode every claim becomes an entry (key, value text, order of
 * addition); sorting the entries by jansson's key order and keeping the last entry of
 * each key gives exactly the text of the object written with JSON_SORT_KEYS, where a later
 * json_object_set replaces an earlier value of the same key.
 */
struct pl_entry {
    const char *key;
    size_t klen;
    size_t off, len; /* value text in the sink's buffer */
    size_t seq;
    uint64_t pfx; /* key_prefix(key): decides the order of most pairs without memcmp */
};

/* The key's first 8 bytes as a big-endian number, zero-padded. When two prefixes differ
 * their order is key_order's (memcmp over the shorter, then length): they differ at a byte
 * both keys have, or one key ends there (its pad byte 0 below the other's non-zero byte,
 * and it is the shorter with equal leading bytes). Equal prefixes are decided in full. */
static uint64_t key_prefix(const char *key, size_t klen)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) v = (v << 8) | (i < klen ? (uint8_t)key[i] : 0);
    return v;
}

struct sink {
    json_t *obj;          /* tree mode */
    struct maat_buf vals; /* text mode: value texts, back to back */
    struct pl_entry *ents;
    size_t n, cap;
    json_t *hold; /* text mode: an object whose keys entries borrow */
    struct maat_error *err;
    size_t size, max; /* text mode: the payload's size so far, counting every
                                  entry (an upper bound), and its bound (0 = none) */
};

static int sink_oom(struct sink *k, const char *key)
{
    return maat_error_set(k->err, MAAT_ERR_NOMEM, "claims: cannot add %s", key);
}

/* Text mode: records that vals[off, off + len) is key's value. */
static int sink_entry(struct sink *k, const char *key, size_t klen, size_t off, size_t len)
{
    /* "key":value, -- checked before the entry is kept, so the payload text never grows
     * past the bound by more than the one value just written */
    k->size += klen + len + 4;
    if (k->max != 0 && k->size > k->max)
        return maat_error_set(k->err, MAAT_ERR_TOO_LARGE,
                              "claims: the token payload would exceed the limit of %zu bytes "
                              "(max_payload) at claim '%.40s' (%zu bytes so far)",
                              k->max, key, k->size);
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        struct pl_entry *e = realloc(k->ents, cap * sizeof *e);
        if (e == NULL) return sink_oom(k, key);
        k->ents = e;
        k->cap = cap;
    }
    k->ents[k->n] = (struct pl_entry){key, klen, off, len, k->n, key_prefix(key, klen)};
    k->n++;
    return 0;
}

/* Text mode: the value text just recorded, under another key too (written once). */
static int s_alias(struct sink *k, const char *key)
{
    if (k->n == 0) return maat_error_set(k->err, MAAT_ERR_INTERNAL, "claims: no value for %s", key);
    size_t off = k->ents[k->n - 1].off, len = k->ents[k->n - 1].len; /* before a realloc */
    return sink_entry(k, key, strlen(key), off, len);
}

/* Any JSON value (stolen). */
static int s_json(struct sink *k, const char *key, size_t klen, json_t *v)
{
    if (v == NULL) return sink_oom(k, key);
    if (k->obj != NULL) {
        if (json_object_setn_new(k->obj, key, klen, v) != 0) return sink_oom(k, key);
        return 0;
    }
    size_t off = k->vals.len;
    int rc = maat__json_append(&k->vals, v, true);
    json_decref(v);
    return rc == 0 ? sink_entry(k, key, klen, off, k->vals.len - off) : sink_oom(k, key);
}

/* One JSON value (stolen) under two keys; in text mode its text is written once. */
static int s_json2(struct sink *k, const char *key1, const char *key2, json_t *v)
{
    if (v == NULL) return sink_oom(k, key1);
    if (k->obj != NULL) {
        MAAT_TRY(s_json(k, key1, strlen(key1), json_incref(v)));
        return s_json(k, key2, strlen(key2), v);
    }
    MAAT_TRY(s_json(k, key1, strlen(key1), v));
    return s_alias(k, key2);
}

static int s_str(struct sink *k, const char *key, const char *str, size_t n)
{
    if (k->obj != NULL) return s_json(k, key, strlen(key), json_stringn(str, n));
    size_t off = k->vals.len;
    if (maat__json_append_string(&k->vals, str, n) != 0) return sink_oom(k, key);
    return sink_entry(k, key, strlen(key), off, k->vals.len - off);
}

/* Decimal text of v, as jansson (and printf's %lld) writes it; returns the length. */
static size_t int_text(int64_t v, char out[24])
{
    if (v >= 0) return maat_u64_text((uint64_t)v, out);
    out[0] = '-';
    return 1 + maat_u64_text(0 - (uint64_t)v, out + 1);
}

static int s_int(struct sink *k, const char *key, int64_t v)
{
    if (k->obj != NULL) return s_json(k, key, strlen(key), json_integer((json_int_t)v));
    char num[24];
    size_t n = int_text(v, num);
    size_t off = k->vals.len;
    if (maat_buf_put(&k->vals, num, n) != 0) return sink_oom(k, key);
    return sink_entry(k, key, strlen(key), off, k->vals.len - off);
}

static int s_bool(struct sink *k, const char *key, bool v)
{
    if (k->obj != NULL) return s_json(k, key, strlen(key), json_boolean(v));
    size_t off = k->vals.len;
    if (maat_buf_put_str(&k->vals, v ? "true" : "false") != 0) return sink_oom(k, key);
    return sink_entry(k, key, strlen(key), off, k->vals.len - off);
}

static int s_hex(struct sink *k, const char *key, const uint8_t *p, size_t n)
{
    char buf[129];
    MAAT_TRY(hex_text(p, n, buf, key, k->err));
    return s_str(k, key, buf, 2 * n);
}

static int s_b64url(struct sink *k, const char *key, const uint8_t *p, size_t n)
{
    char *e = maat_base64url_encode(p, n);
    if (e == NULL) return sink_oom(k, key);
    int rc = s_str(k, key, e, strlen(e));
    free(e);
    return rc;
}

/* An array claim of advisory ids (Intel's are ASCII: written as text, jansson otherwise). */
static int s_advisories(struct sink *k, const char *key,
                        const char (*src)[MAAT_VERDICT_ADVISORY_LEN], size_t count)
{
    size_t n = count < MAAT_VERDICT_MAX_ADVISORIES ? count : MAAT_VERDICT_MAX_ADVISORIES;
    char ids[MAAT_VERDICT_MAX_ADVISORIES][MAAT_VERDICT_ADVISORY_LEN + 1];
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        memcpy(ids[i], src[i], MAAT_VERDICT_ADVISORY_LEN);
        ids[i][MAAT_VERDICT_ADVISORY_LEN] = '\0';
        ascii = ascii && ascii_text(ids[i], strlen(ids[i]));
    }
    if (k->obj == NULL && ascii) { /* the array's text directly */
        size_t off = k->vals.len;
        int rc = maat_buf_put_u8(&k->vals, '[');
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (i > 0) rc = maat_buf_put_u8(&k->vals, ',');
            if (rc == 0) rc = maat__json_append_string(&k->vals, ids[i], strlen(ids[i]));
        }
        if (rc == 0) rc = maat_buf_put_u8(&k->vals, ']');
        if (rc != 0) return sink_oom(k, key);
        return sink_entry(k, key, strlen(key), off, k->vals.len - off);
    }
    json_t *adv = json_array();
    if (adv == NULL) return sink_oom(k, key);
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(adv, json_string(ids[i])) != 0) {
            json_decref(adv);
            return sink_oom(k, key);
        }
    return s_json(k, key, strlen(key), adv);
}

/* maat's own x-maat-* claims (claims_maat.c lists them) into the payload sink. */
static int sink_xclaim(void *arg, const struct maat__xclaim *c)
{
    struct sink *k = arg;
    switch (c->kind) {
    case MAAT__X_INT: return s_int(k, c->type, c->i);
    case MAAT__X_STR: return s_str(k, c->type, c->s, c->n);
    case MAAT__X_BOOL: return s_bool(k, c->type, c->b);
    case MAAT__X_IDS: return s_advisories(k, c->type, c->ids, c->count);
    case MAAT__X_JSON: return s_json(k, c->type, strlen(c->type), c->json);
    }
    json_decref(c->json);
    return maat_error_set(k->err, MAAT_ERR_INTERNAL, "claims: %s of unknown kind", c->type);
}

static int add_maat_claims(struct sink *k, const struct maat_verdict *v,
                           const struct maat_tcb_fix *fix)
{
    return maat__xclaims_each(v, fix, MAAT__X_TCB_POLICY | MAAT__X_VERDICT, sink_xclaim, k, k->err);
}

/* The issued claims, an object: each top-level and the whole as x-ms-policy. */
static int issued_from_json(struct sink *k, const json_t *issued)
{
    const char *key;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach((json_t *)issued, key, klen, v)
        MAAT_TRY(s_json(k, key, klen, json_incref(v)));
    return s_json(k, "x-ms-policy", strlen("x-ms-policy"), json_incref((json_t *)issued));
}

/* Values whose text is written here exactly as jansson writes them: integers, booleans,
 * ASCII strings (and type names), sets of those. Anything else (JSON claims, non-ASCII
 * text, which jansson checks as UTF-8) takes the JSON-object path. */
static bool simple_value(const struct maat_claim_value *v, bool in_set)
{
    switch (v->kind) {
    case MAAT_CLAIM_INTEGER:
    case MAAT_CLAIM_BOOLEAN: return true;
    case MAAT_CLAIM_STRING: return v->str == NULL ? v->len == 0 : ascii_text(v->str, v->len);
    case MAAT_CLAIM_SET:
        if (in_set) return false;
        for (size_t i = 0; i < v->count; i++)
            if (!simple_value(&v->items[i], true)) return false;
        return true;
    case MAAT_CLAIM_JSON: return false;
    }
    return false;
}

static int put_value_text(struct maat_buf *b, const struct maat_claim_value *v)
{
    char num[24];
    switch (v->kind) {
    case MAAT_CLAIM_STRING:
        return maat__json_append_string(b, v->str != NULL ? v->str : "", v->len);
    case MAAT_CLAIM_INTEGER: return maat_buf_put(b, num, int_text(v->integer, num));
    case MAAT_CLAIM_BOOLEAN: return maat_buf_put_str(b, v->boolean ? "true" : "false");
    case MAAT_CLAIM_SET:
        MAAT_TRY(maat_buf_put_u8(b, '['));
        for (size_t i = 0; i < v->count; i++) {
            if (i > 0) MAAT_TRY(maat_buf_put_u8(b, ','));
            MAAT_TRY(put_value_text(b, &v->items[i]));
        }
        return maat_buf_put_u8(b, ']');
    case MAAT_CLAIM_JSON: break;
    }
    return -1;
}

struct issued_ref {
    const char *type;
    size_t tlen;
    size_t i; /* position among the outgoing claims */
};

/* jansson 2.14's key order for JSON_SORT_KEYS: memcmp over the shorter, then length. */
static int key_order(const char *a, size_t alen, const char *b, size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r != 0) return r;
    return alen < blen ? -1 : alen > blen;
}

/* Key order, then the claims' order. */
static int issued_cmp(const void *x, const void *y)
{
    const struct issued_ref *a = x, *b = y;
    int r = key_order(a->type, a->tlen, b->type, b->tlen);
    return r != 0 ? r : (a->i < b->i ? -1 : a->i > b->i);
}

/*
 * Text mode, the policy's outgoing claims straight from the result: grouped by type as
 * maat__claims_to_json() groups them (one claim: its value; several: an array in claim
 * order), each group top-level and all of them, in key order, as x-ms-policy. Falls back
 * to the JSON object for anything simple_value() does not cover, and in tree mode.
 */
static int issued_from_result(struct sink *k, const struct maat_policy_result *r)
{
    const struct maat_claim *c = r->outgoing;
    size_t n = r->noutgoing;
    bool simple = k->obj == NULL;
    for (size_t i = 0; simple && i < n; i++)
        simple = c[i].type != NULL && ascii_text(c[i].type, strlen(c[i].type)) &&
                 simple_value(&c[i].value, false);
    if (!simple) {
        json_t *obj = maat__claims_to_json(c, n, k->err);
        if (obj == NULL) return -1;
        int rc = issued_from_json(k, obj);
        if (k->obj == NULL && k->hold == NULL)
            k->hold = obj; /* the entries' keys are its keys: freed with the sink */
        else
            json_decref(obj);
        return rc;
    }
    struct issued_ref stack_refs[64], *refs = stack_refs;
    if (n > sizeof stack_refs / sizeof stack_refs[0]) {
        refs = malloc(n * sizeof *refs);
        if (refs == NULL) return sink_oom(k, "x-ms-policy");
    }
    for (size_t i = 0; i < n; i++) refs[i] = (struct issued_ref){c[i].type, strlen(c[i].type), i};
    qsort(refs, n, sizeof *refs, issued_cmp);
    /* Each group's value text, recorded as its entry; then x-ms-policy from those texts. */
    size_t first_entry = k->n, groups = 0;
    int rc = 0;
    for (size_t g = 0; rc == 0 && g < n;) {
        size_t e = g + 1;
        while (e < n && refs[e].tlen == refs[g].tlen &&
               !memcmp(refs[e].type, refs[g].type, refs[g].tlen))
            e++;
        size_t off = k->vals.len;
        if (e - g > 1) rc = maat_buf_put_u8(&k->vals, '[');
        for (size_t j = g; rc == 0 && j < e; j++) {
            if (j > g) rc = maat_buf_put_u8(&k->vals, ',');
            if (rc == 0) rc = put_value_text(&k->vals, &c[refs[j].i].value);
        }
        if (rc == 0 && e - g > 1) rc = maat_buf_put_u8(&k->vals, ']');
        rc = rc == 0 ? sink_entry(k, refs[g].type, refs[g].tlen, off, k->vals.len - off)
                     : sink_oom(k, refs[g].type);
        groups++;
        g = e;
    }
    if (refs != stack_refs) free(refs);
    MAAT_TRY(rc);
    size_t off = k->vals.len;
    rc = maat_buf_put_u8(&k->vals, '{');
    for (size_t i = 0; rc == 0 && i < groups; i++) {
        const struct pl_entry *e = &k->ents[first_entry + i];
        if (i > 0) rc = maat_buf_put_u8(&k->vals, ',');
        if (rc == 0) rc = maat__json_append_string(&k->vals, e->key, e->klen);
        if (rc == 0) rc = maat_buf_put_u8(&k->vals, ':');
        if (rc == 0) rc = maat_buf_reserve(&k->vals, e->len); /* the source may move */
        if (rc == 0) rc = maat_buf_put(&k->vals, k->vals.data + e->off, e->len);
    }
    if (rc == 0) rc = maat_buf_put_u8(&k->vals, '}');
    if (rc != 0) return sink_oom(k, "x-ms-policy");
    return sink_entry(k, "x-ms-policy", strlen("x-ms-policy"), off, k->vals.len - off);
}

static int build_into(struct sink *k, const struct maat_claims_input *in)
{
    const struct maat_sgx_report_body *b = &in->quote->report_body;
    const struct maat_attest_data *rt = &in->req->runtime, *it = &in->req->inittime;

    /* Issued claims first, so the service claims below overwrite any name clash. */
    if (in->issued != NULL) MAAT_TRY(issued_from_json(k, in->issued));
    if (in->issued_result != NULL) MAAT_TRY(issued_from_result(k, in->issued_result));

    MAAT_TRY(s_str(k, "x-ms-ver", "1.0", 3));
    /* "sgx" on both routes: MAA reports the TEE, not the evidence format. */
    MAAT_TRY(s_str(k, "x-ms-attestation-type", "sgx", 3));
    MAAT_TRY(s_str(k, "x-ms-policy-hash", in->policy_hash, strlen(in->policy_hash)));
    if (in->policy_signer != NULL)
        MAAT_TRY(s_json(k, "x-ms-policy-signer", strlen("x-ms-policy-signer"),
                        json_incref((json_t *)in->policy_signer)));

    MAAT_TRY(s_bool(k, "x-ms-sgx-is-debuggable", (b->attributes_flags & MAAT_SGX_FLAGS_DEBUG) != 0));
    MAAT_TRY(s_hex(k, "x-ms-sgx-mrenclave", b->mr_enclave, 32));
    MAAT_TRY(s_hex(k, "x-ms-sgx-mrsigner", b->mr_signer, 32));
    MAAT_TRY(s_int(k, "x-ms-sgx-product-id", b->isv_prod_id));
    MAAT_TRY(s_int(k, "x-ms-sgx-svn", b->isv_svn));
    MAAT_TRY(s_hex(k, "x-ms-sgx-report-data", b->report_data, 64));
    if (uses_kss(b)) {
        MAAT_TRY(s_hex(k, "x-ms-sgx-config-id", b->config_id, 64));
        MAAT_TRY(s_int(k, "x-ms-sgx-config-svn", b->config_svn));
        MAAT_TRY(s_hex(k, "x-ms-sgx-isv-extended-product-id", b->isv_ext_prod_id, 16));
        MAAT_TRY(s_hex(k, "x-ms-sgx-isv-family-id", b->isv_family_id, 16));
    }
    const char *tcbid = in->tcb_identifier != NULL ? in->tcb_identifier : MAAT_DEFAULT_TCB_IDENTIFIER;
    MAAT_TRY(s_str(k, "x-ms-sgx-tcbidentifier", tcbid, strlen(tcbid)));

    /* Binary runtime data: the bytes as sent, under the current and both legacy names
     * (MAA emits all three regardless of policy). JSON data: the parsed object instead. */
    if (rt->present && rt->type == MAAT_DATA_BINARY) {
        if (k->obj != NULL) {
            MAAT_TRY(s_b64url(k, "x-ms-sgx-ehd", rt->data, rt->len));
            MAAT_TRY(s_b64url(k, "aas-ehd", rt->data, rt->len));
            MAAT_TRY(s_b64url(k, "maa-ehd", rt->data, rt->len));
        } else { /* the text once, under the three names */
            size_t off = k->vals.len;
            if (maat_buf_put_u8(&k->vals, '"') != 0 ||
                maat_buf_put_base64url(&k->vals, rt->data, rt->len) != 0 ||
                maat_buf_put_u8(&k->vals, '"') != 0)
                return sink_oom(k, "x-ms-sgx-ehd");
            MAAT_TRY(sink_entry(k, "x-ms-sgx-ehd", strlen("x-ms-sgx-ehd"), off, k->vals.len - off));
            MAAT_TRY(s_alias(k, "aas-ehd"));
            MAAT_TRY(s_alias(k, "maa-ehd"));
        }
    }
    /* Values are shared with the request (json_incref): nothing modifies a payload. */
    if (rt->present && rt->type == MAAT_DATA_JSON)
        MAAT_TRY(s_json(k, "x-ms-runtime", strlen("x-ms-runtime"), json_incref(rt->json)));
    if (it->present && it->type == MAAT_DATA_JSON)
        MAAT_TRY(s_json(k, "x-ms-inittime", strlen("x-ms-inittime"), json_incref(it->json)));

    /* The same object under both names (its text written once). */
    if (k->obj != NULL) {
        json_t *coll = collateral_claim(in, k->err);
        if (coll == NULL) return -1;
        MAAT_TRY(s_json2(k, "maa-attestationcollateral", "x-ms-sgx-collateral", coll));
    } else {
        char ctext[COLLATERAL_TEXT_CAP];
        size_t cn = collateral_text(in, ctext), off = k->vals.len;
        if (maat_buf_put(&k->vals, ctext, cn) != 0) return sink_oom(k, "x-ms-sgx-collateral");
        MAAT_TRY(sink_entry(k, "maa-attestationcollateral", strlen("maa-attestationcollateral"),
                            off, cn));
        MAAT_TRY(s_alias(k, "x-ms-sgx-collateral"));
    }

    if (in->req->nonce != NULL) MAAT_TRY(s_str(k, "nonce", in->req->nonce, in->req->nonce_len));

    return add_maat_claims(k, in->verdict, in->tcb_fix);
}

static int check_build_input(const struct maat_claims_input *in, struct maat_error *err)
{
    if (check_input(in, err) != 0) return -1;
    if (in->verdict == NULL || !in->verdict->ok)
        return maat_error_set(
            err, MAAT_ERR_USAGE, "claims: no token for a quote that did not verify%s%s",
            in->verdict != NULL ? ": " : "", in->verdict != NULL ? in->verdict->reason : "");
    if (in->policy_hash == NULL)
        return maat_error_set(err, MAAT_ERR_USAGE, "claims: policy hash is required");
    if (in->issued != NULL && !json_is_object(in->issued))
        return maat_error_set(err, MAAT_ERR_USAGE, "claims: issued claims must be an object");
    if (in->issued != NULL && in->issued_result != NULL)
        return maat_error_set(err, MAAT_ERR_USAGE,
                              "claims: give the issued claims as an object or as a policy "
                              "result, not both");
    return 0;
}

json_t *maat__claims_build(const struct maat_claims_input *in, struct maat_error *err)
{
    if (check_build_input(in, err) != 0) return NULL;
    struct sink k = {.obj = json_object(), .err = err};
    if (k.obj == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory");
        return NULL;
    }
    if (build_into(&k, in) != 0) {
        json_decref(k.obj);
        return NULL;
    }
    return k.obj;
}

static int check_registered(const char *iss, int64_t iat, int64_t lifetime_seconds,
                            const char *jti_hex, struct maat_error *err)
{
    MAAT_ENSURE(iss != NULL, err, MAAT_ERR_USAGE, "claims: issuer is required");
    MAAT_ENSURE(lifetime_seconds >= 0 && iat >= 0 && iat <= INT64_MAX - lifetime_seconds, err,
                MAAT_ERR_USAGE, "claims: iat %lld + lifetime %lld out of range", (long long)iat,
                (long long)lifetime_seconds);
    if (jti_hex != NULL) {
        bool ok = strlen(jti_hex) == 64;
        for (size_t i = 0; ok && i < 64; i++)
            ok = (jti_hex[i] >= '0' && jti_hex[i] <= '9') || (jti_hex[i] >= 'a' && jti_hex[i] <= 'f');
        MAAT_ENSURE(ok, err, MAAT_ERR_USAGE, "claims: jti must be 64 lowercase hex characters");
    }
    return 0;
}

static int add_registered(struct sink *k, const char *iss, int64_t iat, int64_t lifetime_seconds,
                          const char *jti_hex)
{
    MAAT_TRY(s_str(k, "iss", iss, strlen(iss)));
    MAAT_TRY(s_int(k, "iat", iat));
    MAAT_TRY(s_int(k, "nbf", iat));
    MAAT_TRY(s_int(k, "exp", iat + lifetime_seconds));
    if (jti_hex != NULL) MAAT_TRY(s_str(k, "jti", jti_hex, 64));
    return 0;
}

/* Key order (key_order), then the order of addition among equal keys. */
static int entry_cmp(const void *x, const void *y)
{
    const struct pl_entry *a = x, *b = y;
    if (a->pfx != b->pfx) return a->pfx < b->pfx ? -1 : 1;
    int r = key_order(a->key, a->klen, b->key, b->klen);
    return r != 0 ? r : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

/* The sorted order of the last payload of up to ORDER_MAX entries this thread wrote, as
 * entry indices. Under one policy and issuer every request's payload has the same keys,
 * added in the same order, so that order is tried first: it is kept when each of its n - 1
 * neighbouring pairs is in entry_cmp order (a total order -- seq, the index, breaks ties --
 * so a permutation of 0..n-1 whose neighbours are all in order is the sorted one); else the
 * indices are sorted again (and remembered). */
#define ORDER_MAX 256
static _Thread_local struct {
    size_t n;
    uint32_t idx[ORDER_MAX];
} last_order;
_Thread_local uint64_t maat__claims_order_reused;

static bool order_holds(const struct pl_entry *e, const uint32_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (entry_cmp(&e[idx[i - 1]], &e[idx[i]]) >= 0) return false;
    return true;
}

/* Insertion sort of the indices by entry_cmp: a payload has ~40 entries, mostly added in
 * key order already, where this beats qsort's merge sort and its buffer. */
static void order_entries(const struct pl_entry *e, size_t n, uint32_t *idx)
{
    if (n <= ORDER_MAX && n > 0 && last_order.n == n && order_holds(e, last_order.idx, n)) {
        memcpy(idx, last_order.idx, n * sizeof *idx);
        maat__claims_order_reused++;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)i;
        size_t j = i;
        while (j > 0 && entry_cmp(&e[idx[j - 1]], &e[x]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
    if (n <= ORDER_MAX) {
        memcpy(last_order.idx, idx, n * sizeof *idx);
        last_order.n = n;
    }
}

/* ,"key":value -- a key of plain ASCII (all of maat's claim names) written as is, in one
 * step; any other key as jansson escapes it. */
static int put_entry(struct maat_buf *out, bool comma, const char *key, size_t klen,
                     const uint8_t *val, size_t vlen, bool room)
{
    if (maat__json_plain_run(key, klen) != klen) {
        int rc = comma ? maat_buf_put_u8(out, ',') : 0;
        if (rc == 0) rc = maat__json_append_string(out, key, klen);
        if (rc == 0) rc = maat_buf_put_u8(out, ':');
        return rc == 0 ? maat_buf_put(out, val, vlen) : rc;
    }
    if (!room &&
        (klen > SIZE_MAX / 2 || vlen > SIZE_MAX / 2 || maat_buf_reserve(out, klen + vlen + 4) != 0))
        return -1;
    uint8_t *p = out->data + out->len;
    if (comma) *p++ = ',';
    *p++ = '"';
    memcpy(p, key, klen);
    p += klen;
    *p++ = '"';
    *p++ = ':';
    if (vlen) memcpy(p, val, vlen);
    p += vlen;
    out->len = (size_t)(p - out->data);
    return 0;
}

int maat__claims_payload_text(const struct maat_claims_input *in, const char *iss, int64_t iat,
                             int64_t lifetime_seconds, const char *jti_hex, struct maat_buf *out,
                             struct maat_error *err)
{
    MAAT_TRY(check_build_input(in, err));
    MAAT_TRY(check_registered(iss, iat, lifetime_seconds, jti_hex, err));
    struct sink k = {.err = err,
                     .max = in->max_payload != 0 ? in->max_payload : MAAT_CLAIMS_PAYLOAD_MAX};
    maat_buf_init(&k.vals);
    int rc = maat_buf_reserve(&k.vals, 4096) != 0 ? sink_oom(&k, "payload") : 0;
    if (rc == 0) rc = build_into(&k, in);
    if (rc == 0) rc = add_registered(&k, iss, iat, lifetime_seconds, jti_hex);
    uint32_t stack_idx[ORDER_MAX], *idx = stack_idx;
    if (rc == 0 && k.n > ORDER_MAX && (idx = malloc(k.n * sizeof *idx)) == NULL)
        rc = sink_oom(&k, "payload");
    if (rc == 0) {
        order_entries(k.ents, k.n, idx);
        size_t start = out->len;
        bool first = true;
        /* k.size counts "key":value, of every entry: room for all plain keys, so their
         * entries are written without a reserve each (escaped keys reserve their own) */
        bool room = k.size <= SIZE_MAX - 2 && maat_buf_reserve(out, k.size + 2) == 0;
        rc = !room ? -1 : maat_buf_put_u8(out, '{');
        for (size_t i = 0; rc == 0 && i < k.n; i++) {
            const struct pl_entry *e = &k.ents[idx[i]];
            const struct pl_entry *nx = i + 1 < k.n ? &k.ents[idx[i + 1]] : NULL;
            if (nx != NULL && e->klen == nx->klen && memcmp(e->key, nx->key, e->klen) == 0)
                continue; /* a later value of the same key replaces this one */
            rc = put_entry(out, !first, e->key, e->klen, k.vals.data + e->off, e->len, room);
            first = false;
        }
        if (rc == 0) rc = maat_buf_put_u8(out, '}');
        if (rc != 0) {
            out->len = start;
            rc = maat_error_set(err, MAAT_ERR_NOMEM, "claims: out of memory writing the payload");
        } else if (out->len - start > k.max) { /* keys escaped longer than counted */
            rc = maat_error_set(err, MAAT_ERR_TOO_LARGE,
                                "claims: the token payload of %zu bytes exceeds the limit of "
                                "%zu bytes (max_payload)",
                                out->len - start, k.max);
            out->len = start;
        }
    }
    if (idx != stack_idx) free(idx);
    free(k.ents);
    json_decref(k.hold);
    maat_buf_cleanup(&k.vals);
    return rc;
}

int maat__claims_finish(json_t *payload, const char *iss, int64_t iat, int64_t lifetime_seconds,
                       const char *jti_hex, struct maat_error *err)
{
    MAAT_ENSURE(json_is_object(payload), err, MAAT_ERR_USAGE,
                "claims: payload object and issuer are required");
    MAAT_TRY(check_registered(iss, iat, lifetime_seconds, jti_hex, err));
    struct sink k = {.obj = payload, .err = err};
    return add_registered(&k, iss, iat, lifetime_seconds, jti_hex);
}

/* The process id for jti, without a getpid system call per token: read once per thread
 * and again after a fork (a child's forking thread keeps the parent's thread-locals, so a
 * fork handler bumps a generation that the thread compares with the one it read at). If
 * the handler cannot be registered, getpid is called every time. */
static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;
static bool g_fork_tracked;
static unsigned g_fork_gen; /* atomic */

static void on_fork_child(void)
{
    __atomic_add_fetch(&g_fork_gen, 1, __ATOMIC_RELAXED);
}

static void fork_track_init(void)
{
    g_fork_tracked = pthread_atfork(NULL, NULL, on_fork_child) == 0;
}

static uint64_t jti_pid(void)
{
    static _Thread_local uint64_t pid;
    static _Thread_local unsigned gen;
    static _Thread_local bool have;
    pthread_once(&g_fork_once, fork_track_init);
    unsigned now = __atomic_load_n(&g_fork_gen, __ATOMIC_RELAXED);
    if (!g_fork_tracked || !have || gen != now) {
        pid = (uint64_t)getpid();
        gen = now;
        have = true;
    }
    return pid;
}

int maat__claims_new_jti(char out[65], struct maat_error *err)
{
    /* RFC 7519 4.1.7 asks a jti to be unique, not secret: SHA-256 over a per-thread random
     * seed, the process id (a forked child has its own ids) and a counter, so a token costs
     * one hash instead of a RAND call. */
    static _Thread_local uint8_t seed[32];
    static _Thread_local bool seeded;
    static _Thread_local uint64_t count;
    if (!seeded) {
        if (RAND_bytes(seed, sizeof seed) != 1)
            return maat_error_set(err, MAAT_ERR_CRYPTO, "jti: RAND_bytes failed");
        seeded = true;
    }
    uint8_t in[32 + 8 + 8], h[32];
    uint64_t pid = jti_pid(), c = ++count;
    memcpy(in, seed, 32);
    memcpy(in + 32, &pid, 8);
    memcpy(in + 40, &c, 8);
    maat__sha256(in, sizeof in, h);
    maat_hex_encode(h, sizeof h, out);
    return 0;
}
