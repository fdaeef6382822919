/*
 * keys.c - the token-signing key ring, persisted in the store (namespace "keys").
 *
 * Records:
 *   keys/key/<created, 20 digits>-<8 hex>  "MAATKEY1" u64le created u64le retired(0 = not)
 *                                          then maat__signing_key_serialize() bytes
 *   keys/current                           the record name of the current key
 * (encoding and rotation: src/store/keyring.c, shared with `maat key rotate`).
 * The first start generates a key; later starts load the same key (same kid). Rotation
 * (--rotate-key at start-up, or `maat key rotate --store` against the store at run time)
 * makes a new current key and marks the old one retired; every replica notices the change of
 * keys/current (maatd_keys_sync, each second) and reloads its ring; retired
 * keys stay in /certs for --key-retention (default 8 h = the token lifetime) so tokens
 * they signed still verify, then are deleted. Certificates are (re)issued at load time
 * with CN = the configured issuer (or the listen URL); with a signer-quote provider
 * (--signer-quote: Gramine's /dev/attestation or the --sim platform) they carry an enclave
 * quote binding the key, as MAA's do (maa.md section 6).
 *
 * Requests take the read lock (sign, JWKS); rotation builds everything outside the lock
 * and swaps under the write lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <openssl/rand.h>

#include "maat/attester.h"
#include "maatd.h"
#include "keyring.h"
#include "store.h"

#define NS "keys"
#define NAME_MAX_LEN MAAT_KEYRING_NAME_MAX

struct key_entry {
    struct maat_signing_key *k;
    char name[NAME_MAX_LEN];
    int64_t created, retired;
};

struct maatd_keys {
    pthread_rwlock_t lock;
    struct key_entry *v; /* v[0] = current; the rest newest first */
    size_t n;
    char *jwks;
    size_t jwks_len;
    char current[NAME_MAX_LEN]; /* keys/current as loaded, and its record version */
    uint64_t current_version;
};

/* ---- record encoding ---- */

static int encode(const struct key_entry *e, uint8_t **out, size_t *len, struct maat_error *err)
{
    return maat_keyring_encode(e->k, e->created, e->retired, out, len, err);
}

static int decode(const uint8_t *p, size_t len, struct key_entry *e, struct maat_error *err)
{
    return maat_keyring_decode(p, len, &e->k, &e->created, &e->retired, err);
}

static int persist(struct maat_store *s, const struct key_entry *e, struct maat_error *err)
{
    uint8_t *rec = NULL;
    size_t len = 0;
    MAAT_TRY(encode(e, &rec, &len, err));
    int rc = maat_store_put(s, NS, e->name, rec, len, NULL, err);
    OPENSSL_cleanse(rec, len);
    free(rec);
    return rc;
}

/* ---- certificates ---- */

/* The certificate for k: CN = issuer; with a signer-quote provider (d->signer), extension
 * 1.3.6.1.4.1.311.105.1 holds an OE envelope + the provider's quote whose report_data =
 * SHA-256(SPKI PEM + NUL) || 0^32 (the kid's hash: MAA's binding of the key). The provider
 * checks that the quote it returns is over exactly these 64 bytes. */
static int issue_cert(struct maatd *d, struct maat_signing_key *k, struct maat_error *err)
{
    if (d->signer == NULL) return maat__signing_key_issue_cert(k, d->cert_issuer, NULL, 0, err);
    uint8_t report_data[64];
    maat__signing_key_spki_hash(k, report_data);
    memset(report_data + 32, 0, 32);
    struct maat_buf q;
    maat_buf_init(&q);
    /* OpenEnclave envelope: version 1, type 2 (remote), u64 size of the quote */
    if (maat_buf_put_u32le(&q, 1) || maat_buf_put_u32le(&q, 2) || maat_buf_put_u64le(&q, 0)) {
        maat_buf_cleanup(&q);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    if (maat_attester_quote(d->signer, report_data, &q, err) != 0) {
        maat_buf_cleanup(&q);
        maat_error_prefix(err, "signer quote (%s provider)",
                          maat_attester_kind_name(maat_attester_kind(d->signer)));
        return -1;
    }
    uint64_t qlen = q.len - MAAT_OE_HEADER_SIZE;
    for (int i = 0; i < 8; i++) q.data[8 + i] = (uint8_t)(qlen >> (8 * i));
    int rc = maat__signing_key_issue_cert(k, d->cert_issuer, q.data, q.len, err);
    maat_buf_cleanup(&q);
    return rc;
}

/* ---- the ring ---- */

static void ring_free(struct key_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) maat__signing_key_free(v[i].k);
    free(v);
}

static char *build_jwks(const struct key_entry *v, size_t n, size_t *len, struct maat_error *err)
{
    json_t *keys = json_array();
    for (size_t i = 0; i < n && keys; i++) {
        json_t *jwk = maat__signing_key_jwk(v[i].k);
        if (jwk == NULL || json_array_append_new(keys, jwk) != 0) {
            json_decref(keys);
            keys = NULL;
        }
    }
    json_t *root = keys ? json_pack("{s:o}", "keys", keys) : NULL;
    char *s = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (s == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "JWKS: out of memory");
        return NULL;
    }
    *len = strlen(s);
    return s;
}

struct load_ctx {
    struct key_entry *v;
    size_t n, cap;
    struct maat_error *err;
    int bad;
};

static int load_cb(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    (void)version;
    struct load_ctx *lc = ctx;
    if (strlen(key) >= NAME_MAX_LEN) return 0;
    if (lc->n == lc->cap) {
        size_t cap = lc->cap ? lc->cap * 2 : 4;
        struct key_entry *v = realloc(lc->v, cap * sizeof *v);
        if (v == NULL) return maat_error_set(lc->err, MAAT_ERR_NOMEM, "out of memory");
        lc->v = v;
        lc->cap = cap;
    }
    struct key_entry *e = &lc->v[lc->n];
    memset(e, 0, sizeof *e);
    struct maat_error e2 = {0};
    if (decode(val, len, e, &e2) != 0) { /* skip, but say so */
        maatd_log("warn", "store: keys/%s: unreadable signing key record: %s", key, e2.msg);
        lc->bad++;
        return 0;
    }
    snprintf(e->name, sizeof e->name, "%s", key);
    lc->n++;
    return 0;
}

/* Loads every key record, oldest first. */
static int load_all(struct maat_store *s, struct load_ctx *lc, struct maat_error *err)
{
    memset(lc, 0, sizeof *lc);
    lc->err = err;
    if (maat_store_list(s, NS, "key/", load_cb, lc, err) != 0) {
        ring_free(lc->v, lc->n);
        lc->v = NULL;
        lc->n = 0;
        return -1;
    }
    return 0;
}

/*
 * Makes the ring from the store: current key first, then retired keys newest first,
 * dropping (and deleting) those retired before now - retention. When `rotate` or when
 * there is no current key, a new one is generated and recorded first.
 */
static int ring_build(struct maatd *d, bool rotate, struct key_entry **out_v, size_t *out_n,
                      uint64_t *out_version, struct maat_error *err)
{
    struct maat_store *s = d->store;
    time_t now = time(NULL);
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t cur_version = 0;
        struct maat_error e2 = {0};
        char *cur = maat_keyring_current(s, &cur_version, &e2);
        if (e2.code != MAAT_OK) {
            *err = e2;
            return -1;
        }
        struct load_ctx lc;
        if (load_all(s, &lc, err) != 0) {
            free(cur);
            return -1;
        }
        ssize_t cur_i = -1;
        for (size_t i = 0; cur && i < lc.n; i++)
            if (!strcmp(lc.v[i].name, cur)) cur_i = (ssize_t)i;
        if (cur != NULL && cur_i < 0)
            maatd_log("warn", "store: current signing key %s is missing; generating a new one", cur);
        free(cur);
        if (rotate || cur_i < 0) {
            enum maat_jws_alg alg;
            MAAT_ENSURE(maat__jws_alg_from_name(d->cfg.alg, &alg) == 0, err, MAAT_ERR_USAGE,
                        "--alg %s: unknown algorithm", d->cfg.alg);
            char kid[128], prev[128];
            bool conflict = false;
            ring_free(lc.v, lc.n);
            if (maat_keyring_rotate(s, alg, false, cur_version, (int64_t)now, &conflict, kid,
                                    sizeof kid, prev, sizeof prev, err) != 0) {
                if (!conflict) return -1;
                maat_error_clear(err); /* another replica changed it: take theirs */
                rotate = false;
                continue;
            }
            if (prev[0] != '\0')
                maatd_log("info",
                          "signing key rotated: new kid %s, previous kid %s stays in /certs "
                          "for %lds",
                          kid, prev, d->cfg.key_retention);
            else
                maatd_log("info", "signing key generated: kid %s (%s)", kid, d->cfg.alg);
            rotate = false;
            continue; /* reload: the fresh key is now the current one */
        }
        /* order: current, then the others newest first; drop expired retired keys */
        struct key_entry *v = calloc(lc.n, sizeof *v);
        if (v == NULL) {
            ring_free(lc.v, lc.n);
            return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        }
        size_t n = 0;
        v[n++] = lc.v[cur_i];
        lc.v[cur_i].k = NULL;
        for (size_t j = lc.n; j-- > 0;) {
            if ((ssize_t)j == cur_i) continue;
            struct key_entry *e = &lc.v[j];
            int64_t retired = e->retired ? e->retired : (int64_t)now; /* orphan: retire now */
            if (e->retired == 0) {
                e->retired = retired;
                persist(s, e, NULL);
            }
            if (retired + d->cfg.key_retention < (int64_t)now) {
                maatd_log("info", "signing key %s dropped (retired %llds ago)",
                          maat__signing_key_kid(e->k), (long long)(now - retired));
                maat_store_delete(s, NS, e->name, NULL, NULL);
                continue;
            }
            v[n++] = *e;
            e->k = NULL;
        }
        ring_free(lc.v, lc.n);
        for (size_t i = 0; i < n; i++)
            if (issue_cert(d, v[i].k, err) != 0) {
                ring_free(v, n);
                return -1;
            }
        *out_v = v;
        *out_n = n;
        *out_version = cur_version;
        return 0;
    }
    return maat_error_set(err, MAAT_ERR_IO, "signing keys: the store kept changing under us");
}

static int install(struct maatd *d, struct maatd_keys *k, struct key_entry *v, size_t n,
                   uint64_t version, struct maat_error *err)
{
    size_t jl;
    char *jwks = build_jwks(v, n, &jl, err);
    if (jwks == NULL) {
        ring_free(v, n);
        return -1;
    }
    (void)d;
    pthread_rwlock_wrlock(&k->lock);
    struct key_entry *old = k->v;
    size_t old_n = k->n;
    char *old_jwks = k->jwks;
    k->v = v;
    k->n = n;
    k->jwks = jwks;
    k->jwks_len = jl;
    snprintf(k->current, sizeof k->current, "%s", v[0].name);
    k->current_version = version;
    pthread_rwlock_unlock(&k->lock);
    ring_free(old, old_n);
    free(old_jwks);
    return 0;
}

int maatd_keys_check_retention(long key_retention, long token_lifetime, struct maat_error *err)
{
    /* A key retired at time R signed tokens until R, valid until R + lifetime; dropping it
     * from /certs earlier makes those tokens fail with "no key with kid" while unexpired. */
    MAAT_ENSURE(key_retention >= token_lifetime, err, MAAT_ERR_USAGE,
                "--key-retention %ld is shorter than the token lifetime %ld s: tokens signed "
                "by a retired key would stop verifying (no key with their kid in /certs) "
                "while still valid; use --key-retention %ld or more",
                key_retention, token_lifetime, token_lifetime);
    return 0;
}

int maatd_keys_open(struct maatd *d, bool rotate, struct maatd_keys **out, struct maat_error *err)
{
    MAAT_TRY(maatd_keys_check_retention(d->cfg.key_retention, MAATD_TOKEN_LIFETIME, err));
    struct maatd_keys *k = calloc(1, sizeof *k);
    MAAT_ENSURE(k != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    pthread_rwlock_init(&k->lock, NULL);
    struct key_entry *v;
    size_t n;
    uint64_t ver;
    if (ring_build(d, rotate, &v, &n, &ver, err) != 0 || install(d, k, v, n, ver, err) != 0) {
        maatd_keys_free(k);
        return -1;
    }
    maatd_log("info", "signing keys: current kid %s, %zu key(s) in /certs, certificate CN=%s%s",
              maat__signing_key_kid(k->v[0].k), k->n, d->cert_issuer,
              d->signer == NULL ? ""
              : maat_attester_kind(d->signer) == MAAT_ATTESTER_GRAMINE
                  ? " (with the enclave's Gramine quote)"
                  : " (with a simulated enclave quote)");
    *out = k;
    return 0;
}

void maatd_keys_free(struct maatd_keys *k)
{
    if (k == NULL) return;
    ring_free(k->v, k->n);
    free(k->jwks);
    pthread_rwlock_destroy(&k->lock);
    free(k);
}

int maatd_keys_rotate(struct maatd *d, struct maat_error *err)
{
    struct key_entry *v;
    size_t n;
    uint64_t ver;
    MAAT_TRY(ring_build(d, true, &v, &n, &ver, err));
    return install(d, d->keys, v, n, ver, err);
}

int maatd_keys_prune(struct maatd *d, time_t now, struct maat_error *err)
{
    struct maatd_keys *k = d->keys;
    bool expired = false;
    pthread_rwlock_rdlock(&k->lock);
    for (size_t i = 1; i < k->n; i++)
        if (k->v[i].retired + d->cfg.key_retention < (int64_t)now) expired = true;
    pthread_rwlock_unlock(&k->lock);
    if (!expired) return 0;
    struct key_entry *v;
    size_t n;
    uint64_t ver;
    MAAT_TRY(ring_build(d, false, &v, &n, &ver, err));
    return install(d, k, v, n, ver, err);
}

int maatd_keys_sync(struct maatd *d, bool force, bool *changed, struct maat_error *err)
{
    struct maatd_keys *k = d->keys;
    *changed = false;
    if (k == NULL) return 0;
    uint64_t version = 0;
    struct maat_error e2 = {0};
    char *cur = maat_keyring_current(d->store, &version, &e2);
    if (e2.code != MAAT_OK) {
        *err = e2;
        return -1;
    }
    pthread_rwlock_rdlock(&k->lock);
    bool same = cur != NULL && version == k->current_version && !strcmp(cur, k->current);
    char was[128];
    snprintf(was, sizeof was, "%s", maat__signing_key_kid(k->v[0].k));
    pthread_rwlock_unlock(&k->lock);
    free(cur);
    if (same && !force) return 0;
    struct key_entry *v;
    size_t n;
    uint64_t ver;
    MAAT_TRY(ring_build(d, false, &v, &n, &ver, err));
    const char *now_kid = maat__signing_key_kid(v[0].k);
    *changed = strcmp(was, now_kid) != 0;
    if (*changed)
        maatd_log("info",
                  "signing keys: the store's current key changed (another replica or "
                  "`maat key rotate`): current kid %s, previous kid %s, %zu key(s) in /certs",
                  now_kid, was, n);
    return install(d, k, v, n, ver, err);
}

/* The header MAA's tokens carry after "alg": jku = issuer + /certs, kid, typ. */
static json_t *token_header(const char *issuer, const struct maat_signing_key *key,
                            struct maat_error *err)
{
    char jku[MAATD_ISSUER_MAX + 8];
    snprintf(jku, sizeof jku, "%s/certs", issuer);
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "jku", jku, "kid", maat__signing_key_kid(key), "typ",
                            "JWT");
    if (hdr == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "token header: out of memory");
    return hdr;
}

/* Per worker thread, the encoded header of the last (issuer, kid) signed for: a token's
 * header depends on nothing else, and a service usually answers under one issuer. The kid
 * names the key (and so its algorithm); a rotated key has another kid. */
static _Thread_local struct {
    char issuer[MAATD_ISSUER_MAX];
    char kid[96];
    char b64[1024];
    size_t len;
} hdr_cache;

int maatd_keys_sign_into(struct maatd *d, const char *issuer, const char *payload, size_t len,
                         struct maat_buf *out, struct maat_error *err)
{
    struct maatd_keys *k = d->keys;
    pthread_rwlock_rdlock(&k->lock);
    const struct maat_signing_key *key = k->v[0].k;
    const char *kid = maat__signing_key_kid(key);
    const char *hb = hdr_cache.b64;
    size_t hl = hdr_cache.len;
    struct maat_buf h;
    maat_buf_init(&h);
    int rc = 0;
    if (hl == 0 || strcmp(hdr_cache.kid, kid) != 0 || strcmp(hdr_cache.issuer, issuer) != 0) {
        hdr_cache.len = 0;
        json_t *hdr = token_header(issuer, key, err);
        rc = hdr != NULL ? maat__jws_header_b64(key, hdr, &h, err) : -1;
        json_decref(hdr);
        hb = (const char *)h.data;
        hl = h.len;
        if (rc == 0 && h.len < sizeof hdr_cache.b64 && strlen(kid) < sizeof hdr_cache.kid &&
            strlen(issuer) < sizeof hdr_cache.issuer) { /* else: used once, not kept */
            memcpy(hdr_cache.b64, h.data, h.len);
            hdr_cache.len = h.len;
            snprintf(hdr_cache.kid, sizeof hdr_cache.kid, "%s", kid);
            snprintf(hdr_cache.issuer, sizeof hdr_cache.issuer, "%s", issuer);
        }
    }
    if (rc == 0) rc = maat__jws_sign_encoded(key, hb, hl, payload, len, out, err);
    pthread_rwlock_unlock(&k->lock);
    maat_buf_cleanup(&h);
    return rc;
}

char *maatd_keys_sign_text(struct maatd *d, const char *issuer, const char *payload, size_t len,
                           struct maat_error *err)
{
    struct maat_buf b;
    maat_buf_init(&b);
    if (maatd_keys_sign_into(d, issuer, payload, len, &b, err) != 0) {
        maat_buf_cleanup(&b);
        return NULL;
    }
    return maat_buf_take_str(&b);
}

char *maatd_keys_unsigned_text(struct maatd *d, const char *issuer, const char *payload, size_t len,
                               struct maat_error *err)
{
    struct maatd_keys *k = d->keys;
    pthread_rwlock_rdlock(&k->lock);
    json_t *hdr = token_header(issuer, k->v[0].k, err);
    pthread_rwlock_unlock(&k->lock);
    char *tok = hdr ? maat__jws_unsigned_text(hdr, payload, len, err) : NULL;
    json_decref(hdr);
    return tok;
}

char *maatd_keys_sign(struct maatd *d, const char *issuer, const json_t *payload,
                      struct maat_error *err)
{
    char *text = json_dumps(payload, JSON_SORT_KEYS | JSON_COMPACT);
    if (text == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "token payload could not be serialised");
        return NULL;
    }
    char *tok = maatd_keys_sign_text(d, issuer, text, strlen(text), err);
    free(text);
    return tok;
}

char *maatd_keys_jwks(struct maatd *d, size_t *len)
{
    struct maatd_keys *k = d->keys;
    pthread_rwlock_rdlock(&k->lock);
    char *copy = malloc(k->jwks_len + 1);
    if (copy) memcpy(copy, k->jwks, k->jwks_len + 1);
    *len = k->jwks_len;
    pthread_rwlock_unlock(&k->lock);
    return copy;
}

void maatd_keys_current_kid(struct maatd *d, char *buf, size_t cap)
{
    struct maatd_keys *k = d->keys;
    if (k == NULL) {
        snprintf(buf, cap, "-");
        return;
    }
    pthread_rwlock_rdlock(&k->lock);
    snprintf(buf, cap, "%s", maat__signing_key_kid(k->v[0].k));
    pthread_rwlock_unlock(&k->lock);
}

size_t maatd_keys_count(struct maatd *d)
{
    struct maatd_keys *k = d->keys;
    if (k == NULL) return 0;
    pthread_rwlock_rdlock(&k->lock);
    size_t n = k->n;
    pthread_rwlock_unlock(&k->lock);
    return n;
}
