/*
 * replay_guard.c - refuses replayed signed management requests (isolated mode): checks a
 * request JWS's time claims and keeps the hashes of applied requests in the store
 * (namespace "applied", key "<op>/<b64url SHA-256 of the JWS>", value a small JSON record:
 * {"at":applied,"iat":iat|null,"signer":thumbprint,"what":...}), written with
 * compare-and-swap so replicas sharing a store cannot both apply the same request.
 * The callers (policy_routes.c) decide what "the current state" is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "replay_guard.h"
#include "store.h"

static const char *const op_name[] = {"policy", "cert-add", "cert-remove"};

/* An integer time claim, or -1 with err set when present but not an integer. */
static int time_claim(const json_t *payload, const char *name, bool *present, int64_t *v,
                      struct maat_error *err)
{
    const json_t *j = json_is_object(payload) ? json_object_get(payload, name) : NULL;
    *present = j != NULL;
    if (j == NULL) return 0;
    MAAT_ENSURE(json_is_integer(j), err, MAAT_ERR_VALUE,
                "JWS payload: \"%s\" must be an integer (seconds since 1970-01-01 UTC), got %s",
                name, json_is_real(j) ? "a fraction" : "another JSON type");
    *v = (int64_t)json_integer_value(j);
    return 0;
}

int maatd_guard_times(const json_t *payload, int64_t now, int64_t *iat, struct maat_error *err)
{
    bool has;
    int64_t v = 0;
    *iat = -1;
    MAAT_TRY(time_claim(payload, "iat", &has, &v, err));
    if (has) {
        MAAT_ENSURE(v <= now + MAATD_GUARD_SKEW, err, MAAT_ERR_VALUE,
                    "JWS payload: \"iat\" %lld is %lld s in the future (expected at most %d s "
                    "ahead of this service's clock: check the signer's clock)",
                    (long long)v, (long long)(v - now), MAATD_GUARD_SKEW);
        MAAT_ENSURE(v >= now - MAATD_GUARD_IAT_MAX_AGE, err, MAAT_ERR_VALUE,
                    "JWS payload: \"iat\" %lld is stale: signed %lld s ago, expected at most "
                    "%d s (sign the request again: maat sign adds a fresh iat)",
                    (long long)v, (long long)(now - v), MAATD_GUARD_IAT_MAX_AGE);
        *iat = v;
    }
    MAAT_TRY(time_claim(payload, "nbf", &has, &v, err));
    MAAT_ENSURE(!has || v <= now + MAATD_GUARD_SKEW, err, MAAT_ERR_VALUE,
                "JWS payload: \"nbf\" %lld is %lld s in the future (expected at most %d s ahead)",
                (long long)v, (long long)(v - now), MAATD_GUARD_SKEW);
    MAAT_TRY(time_claim(payload, "exp", &has, &v, err));
    MAAT_ENSURE(!has || v >= now - MAATD_GUARD_SKEW, err, MAAT_ERR_VALUE,
                "JWS payload: \"exp\" %lld has passed (%lld s ago; expected a time not before "
                "now - %d s)",
                (long long)v, (long long)(now - v), MAATD_GUARD_SKEW);
    return 0;
}

void maatd_guard_key(enum maatd_guard_op op, const char *jws, size_t len,
                     char key[MAATD_GUARD_KEY_MAX])
{
    uint8_t h[32];
    maat__sha256(jws, len, h);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int n = snprintf(key, MAATD_GUARD_KEY_MAX, "%s/", op_name[op]);
    size_t o = (size_t)n;
    /* 32 bytes -> 43 base64url characters, no padding */
    for (size_t i = 0; i < 32; i += 3) {
        uint32_t v = (uint32_t)h[i] << 16;
        if (i + 1 < 32) v |= (uint32_t)h[i + 1] << 8;
        if (i + 2 < 32) v |= h[i + 2];
        size_t chars = i + 2 < 32 ? 4 : (i + 1 < 32 ? 3 : 2);
        for (size_t k = 0; k < chars; k++) key[o++] = b64[(v >> (18 - 6 * k)) & 63];
    }
    key[o] = '\0';
}

int maatd_guard_seen(struct maat_store *s, const char *key, bool *seen, struct maat_error *err)
{
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error gerr = {0};
    *seen = false;
    if (maat_store_get(s, MAATD_GUARD_NS, key, &val, &len, NULL, &gerr) == 0) {
        free(val);
        *seen = true;
        return 0;
    }
    if (gerr.code == MAAT_ERR_NOT_FOUND) return 0;
    *err = gerr;
    maat_error_prefix(err, "applied-request store");
    return -1;
}

/* ---- recording and pruning ---- */

#define PRUNE_BATCH 4096 /* stale keys deleted per call at most (bounded memory) */

struct prune {
    size_t n;       /* records seen */
    int64_t cutoff; /* a record with iat below this is stale */
    char **stale;
    size_t nstale;
};

static int prune_cb(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    (void)version;
    struct prune *p = ctx;
    p->n++;
    if (p->nstale >= PRUNE_BATCH) return 0;
    json_t *j = json_loadb((const char *)val, len, 0, NULL);
    const json_t *iat = json_object_get(j, "iat");
    bool stale = json_is_integer(iat) && (int64_t)json_integer_value(iat) < p->cutoff;
    json_decref(j);
    if (stale) {
        char *k = strdup(key);
        if (k == NULL) return 0; /* not pruned this time: harmless */
        p->stale[p->nstale++] = k;
    }
    return 0;
}

int maatd_guard_prepare(struct maat_store *s, int64_t iat, int64_t now, const char *what,
                        const char *signer, char **out, struct maat_error *err)
{
    *out = NULL;
    struct prune p = {.cutoff = now - MAATD_GUARD_IAT_MAX_AGE};
    p.stale = calloc(PRUNE_BATCH, sizeof *p.stale);
    MAAT_ENSURE(p.stale != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    int rc = maat_store_list(s, MAATD_GUARD_NS, "", prune_cb, &p, err);
    size_t removed = 0;
    for (size_t i = 0; i < p.nstale; i++) {
        bool existed = false;
        if (rc == 0 && maat_store_delete(s, MAATD_GUARD_NS, p.stale[i], &existed, err) != 0)
            rc = -1;
        if (existed) removed++;
        free(p.stale[i]);
    }
    free(p.stale);
    if (rc != 0) {
        maat_error_prefix(err, "applied-request store");
        return -1;
    }
    MAAT_ENSURE(p.n - removed < MAATD_GUARD_MAX, err, MAAT_ERR_TOO_LARGE,
                "this instance already holds %zu applied-request hashes (the limit is %d; "
                "hashes of requests with an iat older than %d s are dropped, those without "
                "an iat are kept): refused rather than forgetting one",
                p.n - removed, MAATD_GUARD_MAX, MAATD_GUARD_IAT_MAX_AGE);

    json_t *rec = json_pack("{s:I, s:o, s:s, s:s}", "at", (json_int_t)now, "iat",
                            iat >= 0 ? json_integer((json_int_t)iat) : json_null(), "signer",
                            signer ? signer : "", "what", what ? what : "");
    char *text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(rec);
    MAAT_ENSURE(text != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    *out = text;
    return 0;
}

int maatd_guard_record(struct maat_store *s, const char *key, int64_t iat, int64_t now,
                       const char *what, const char *signer, struct maat_error *err)
{
    char *text = NULL;
    MAAT_TRY(maatd_guard_prepare(s, iat, now, what, signer, &text, err));
    bool conflict = false;
    struct maat_error perr = {0};
    int rc = maat_store_put_if(s, MAATD_GUARD_NS, key, text, strlen(text), 0, &conflict, NULL, &perr);
    free(text);
    if (rc == 0) return 0;
    if (conflict) return maat_error_set(err, MAAT_ERR_VALUE, "%s", MAATD_GUARD_CONCURRENT);
    *err = perr;
    maat_error_prefix(err, "applied-request store");
    return -1;
}
