/*
 * policy_state.c - maatd's attestation policies and policy-management certificates.
 *
 * Policies: the store's namespace "policies" holds, per attestation type ("SgxEnclave",
 * "OpenEnclave", "TdxVm"), the JWS exactly as the administrator sent it (GET returns it verbatim,
 * as MAA does). No record = MAA's default policy. Each policy is parsed once, when it is
 * loaded or set, into an immutable reference-counted struct maatd_policy that request
 * threads borrow; a change installs a new object (requests in flight keep the old one).
 * maatd_policies_refresh() re-reads the store (called by store_sync.c on a change
 * notification or its timer) and re-parses
 * only records whose version changed, so replicas sharing a store converge.
 *
 * Signers: namespace "signers", key = upper-case hex SHA-1 thumbprint of the certificate,
 * value = its DER. Seeded from --policy-signer when the namespace is empty (first start);
 * afterwards the store is authoritative (changes made through /certificates survive
 * restarts). Listed in thumbprint order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maatd.h"
#include "signer_jwk.h"
#include "store.h"

#define NS_POLICIES "policies"
#define NS_SIGNERS "signers"

static const char *const type_key[MAATD_POLICY_TYPES] = {"SgxEnclave", "OpenEnclave", "TdxVm"};

struct maatd_policies {
    pthread_mutex_t mu;           /* guards active[] and signers */
    pthread_mutex_t wmu;          /* serialises store writes with the refresh
                                               (read store + swap) so neither undoes the
                                               other */
    struct maatd_policy *def;     /* the SGX/OE default policy (one reference held) */
    struct maatd_policy *def_tdx; /* the TdxVm default (maat's own, documented) */
    struct maatd_policy *active[MAATD_POLICY_TYPES];
    struct maatd_signer *signers;
    size_t n_signers;
};

static void policy_free(struct maatd_policy *p)
{
    if (p == NULL) return;
    maat__policy_free(p->parsed);
    free(p->text);
    free(p->jws);
    json_decref(p->signer);
    free(p);
}

void maatd_policy_release(struct maatd_policy *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) policy_free(p);
}

struct maatd_policy *maatd_policy_new(const char *text, size_t len, const char *jws,
                                      const json_t *signer, uint64_t version,
                                      struct maat_policy_error *perr)
{
    struct maatd_policy *p = calloc(1, sizeof *p);
    if (p == NULL) goto nomem;
    atomic_init(&p->refs, 1);
    p->text = malloc(len + 1);
    p->jws = strdup(jws);
    if (p->text == NULL || p->jws == NULL) goto nomem;
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    p->text_len = len;
    p->version = version;
    if (signer != NULL) p->signer = json_deep_copy(signer);
    if (maat__policy_parse(text, len, NULL, &p->parsed, perr) != 0) {
        policy_free(p);
        return NULL;
    }
    if (maat_policy_hash(text, len, p->hash, &perr->err) != 0) {
        perr->kind = MAAT_POLICY_ERR_INTERNAL;
        policy_free(p);
        return NULL;
    }
    return p;
nomem:
    policy_free(p);
    perr->kind = MAAT_POLICY_ERR_INTERNAL;
    maat_error_set(&perr->err, MAAT_ERR_NOMEM, "policy: out of memory");
    return NULL;
}

struct maatd_policy *maatd_policy_acquire(struct maatd *d, unsigned type)
{
    struct maatd_policies *ps = d->policies;
    pthread_mutex_lock(&ps->mu);
    struct maatd_policy *p = ps->active[type < MAATD_POLICY_TYPES ? type : 0];
    atomic_fetch_add(&p->refs, 1);
    pthread_mutex_unlock(&ps->mu);
    return p;
}

void maatd_policy_install(struct maatd *d, unsigned type, struct maatd_policy *p)
{
    struct maatd_policies *ps = d->policies;
    if (type >= MAATD_POLICY_TYPES) {
        maatd_policy_release(p);
        return;
    }
    if (p == NULL) {
        p = type == MAAT_ROUTE_TDX_VM ? ps->def_tdx : ps->def;
        atomic_fetch_add(&p->refs, 1);
    }
    pthread_mutex_lock(&ps->mu);
    struct maatd_policy *old = ps->active[type];
    ps->active[type] = p;
    pthread_mutex_unlock(&ps->mu);
    maatd_policy_release(old);
}

/* True when s consists only of base64url characters (then it is MAA's encoded form). */
static bool all_b64url(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || (c == '=' && i + 2 >= n)))
            return false;
    }
    return true;
}

int maatd_policy_text_from_payload(const json_t *payload, char **text, size_t *len,
                                   struct maat_error *err)
{
    MAAT_ENSURE(json_is_object(payload), err, MAAT_ERR_VALUE,
                "JWS payload: expected a JSON object {\"AttestationPolicy\": ...}, got %s",
                payload ? "another JSON type" : "an empty payload");
    const json_t *v = json_object_get(payload, "AttestationPolicy");
    MAAT_ENSURE(v != NULL, err, MAAT_ERR_VALUE,
                "JWS payload: the \"AttestationPolicy\" claim is missing");
    MAAT_ENSURE(json_is_string(v), err, MAAT_ERR_VALUE,
                "JWS payload: \"AttestationPolicy\" must be a string (base64url of the policy "
                "text)");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (all_b64url(s, n)) { /* StoredAttestationPolicy: base64url(UTF-8 text) */
        uint8_t *raw;
        size_t rn;
        if (maat_base64url_decode(s, n, "AttestationPolicy", &raw, &rn, err) != 0) return -1;
        char *t = realloc(raw, rn + 1);
        if (t == NULL) {
            free(raw);
            return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        }
        t[rn] = '\0';
        *text = t;
        *len = rn;
        return 0;
    }
    /* Preview-era form (and maa.signing.tool -w): the raw policy text. A text policy always
     * holds characters outside base64url ('=', ';', spaces, braces), so the two forms cannot
     * be confused. */
    char *t = malloc(n + 1);
    MAAT_ENSURE(t != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    memcpy(t, s, n);
    t[n] = '\0';
    *text = t;
    *len = n;
    return 0;
}

int maatd_cert_thumbprint(const X509 *cert, char out[41], struct maat_error *err)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    MAAT_ENSURE(n > 0, err, MAAT_ERR_CRYPTO, "certificate: cannot encode as DER");
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(der, (size_t)n, md);
    OPENSSL_free(der);
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < SHA_DIGEST_LENGTH; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[40] = '\0';
    return 0;
}

/* ---- loading ---- */

/* Builds the policy object for a stored (or new) JWS. `perr` says why it failed. */
static struct maatd_policy *policy_from_jws(const char *jws, size_t len, uint64_t version,
                                            struct maat_policy_error *perr)
{
    struct maat_jws j = {0};
    struct maatd_policy *p = NULL;
    json_t *signer = NULL;
    char *text = NULL;
    size_t tlen = 0;
    if (maat__jws_parse_ex(jws, len, MAAT_JWS_ALLOW_RSA256, &j, &perr->err) != 0 ||
        maatd_policy_text_from_payload(j.payload, &text, &tlen, &perr->err) != 0) {
        perr->kind = MAAT_POLICY_ERR_INTERNAL;
        goto out;
    }
    if (j.alg != MAAT_JWS_NONE) {
        STACK_OF(X509) *sk = maat__jws_header_x5c(&j, &perr->err);
        if (sk != NULL) {
            json_t *x5c = json_array();
            for (int i = 0; i < sk_X509_num(sk); i++) {
                unsigned char *der = NULL;
                int n = i2d_X509(sk_X509_value(sk, i), &der);
                char *b = n > 0 ? maat_base64_encode(der, (size_t)n) : NULL;
                if (b) json_array_append_new(x5c, json_string(b));
                free(b);
                OPENSSL_free(der);
            }
            signer = maatd_signer_jwk(sk_X509_value(sk, 0), x5c, false);
            json_decref(x5c);
            sk_X509_pop_free(sk, X509_free);
        }
    }
    p = maatd_policy_new(text, tlen, jws, signer, version, perr);
out:
    json_decref(signer);
    free(text);
    maat__jws_cleanup(&j);
    return p;
}

static int load_policy(struct maatd *d, unsigned type, bool only_if_changed, struct maat_error *err)
{
    uint8_t *val = NULL;
    size_t len = 0;
    uint64_t version = 0;
    struct maat_error gerr = {0};
    if (maat_store_get(d->store, NS_POLICIES, type_key[type], &val, &len, &version, &gerr) != 0) {
        if (gerr.code != MAAT_ERR_NOT_FOUND) {
            *err = gerr;
            return -1;
        }
        version = 0;
    }
    if (only_if_changed) {
        struct maatd_policy *cur = maatd_policy_acquire(d, type);
        /* a record deleted and re-created elsewhere may reuse a version number: compare
         * the JWS text as well */
        bool same = cur->version == version &&
                    (val == NULL || (strlen(cur->jws) == len && !memcmp(cur->jws, val, len)));
        maatd_policy_release(cur);
        if (same) {
            free(val);
            return 0;
        }
    }
    struct maatd_policy *p = NULL;
    if (val != NULL) {
        struct maat_policy_error perr = {0};
        p = policy_from_jws((const char *)val, len, version, &perr);
        free(val);
        if (p == NULL) {
            maat_error_set(err, MAAT_ERR_VALUE, "stored %s policy (store namespace \"%s\"): %s",
                           type_key[type], NS_POLICIES, perr.err.msg);
            return -1;
        }
        maatd_log("info", "%s policy loaded from the store (hash %s%s)", type_key[type], p->hash,
                  p->signer ? ", signed" : "");
    }
    maatd_policy_install(d, type, p);
    return 0;
}

struct signer_load {
    struct maatd_signer *v;
    size_t n;
    struct maat_error *err;
};

static void signers_free(struct maatd_signer *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        X509_free(v[i].cert);
        free(v[i].der);
    }
    free(v);
}

static int signer_set(struct maatd_signer *s, X509 *cert, struct maat_error *err)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    MAAT_ENSURE(n > 0, err, MAAT_ERR_CRYPTO, "certificate: cannot encode as DER");
    s->der = malloc((size_t)n);
    if (s->der == NULL) {
        OPENSSL_free(der);
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    }
    memcpy(s->der, der, (size_t)n);
    OPENSSL_free(der);
    s->der_len = (size_t)n;
    X509_up_ref(cert);
    s->cert = cert;
    return maatd_cert_thumbprint(cert, s->thumb, err);
}

static int signer_cb(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    (void)version;
    struct signer_load *sl = ctx;
    if (sl->n >= MAATD_MAX_SIGNERS)
        return maat_error_set(sl->err, MAAT_ERR_TOO_LARGE, "store: more than %d signers",
                              MAATD_MAX_SIGNERS);
    const unsigned char *p = val;
    X509 *c = d2i_X509(NULL, &p, (long)len);
    if (c == NULL || p != val + len) {
        X509_free(c);
        return maat_error_set(sl->err, MAAT_ERR_VALUE,
                              "store namespace \"%s\" record %s: not one DER certificate",
                              NS_SIGNERS, key);
    }
    struct maatd_signer *nv = realloc(sl->v, (sl->n + 1) * sizeof *nv);
    if (nv == NULL) {
        X509_free(c);
        return maat_error_set(sl->err, MAAT_ERR_NOMEM, "out of memory");
    }
    sl->v = nv;
    memset(&sl->v[sl->n], 0, sizeof sl->v[sl->n]);
    int rc = signer_set(&sl->v[sl->n], c, sl->err);
    X509_free(c);
    sl->n++;
    return rc;
}

static int load_signers(struct maatd *d, struct maat_error *err)
{
    struct signer_load sl = {.err = err};
    if (maat_store_list(d->store, NS_SIGNERS, "", signer_cb, &sl, err) != 0) {
        signers_free(sl.v, sl.n);
        return -1;
    }
    struct maatd_policies *ps = d->policies;
    pthread_mutex_lock(&ps->mu);
    struct maatd_signer *old = ps->signers;
    size_t oldn = ps->n_signers;
    ps->signers = sl.v;
    ps->n_signers = sl.n;
    pthread_mutex_unlock(&ps->mu);
    signers_free(old, oldn);
    return 0;
}

int maatd_signers_reload(struct maatd *d, struct maat_error *err)
{
    return load_signers(d, err);
}

static int read_small_file(const char *path, uint8_t **out, size_t *len, struct maat_error *err)
{
    FILE *f = fopen(path, "rb");
    MAAT_ENSURE(f != NULL, err, MAAT_ERR_IO, "%s: cannot open", path);
    struct maat_buf b;
    maat_buf_init(&b);
    uint8_t chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > (1u << 20)) {
            rc = maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s: larger than 1 MiB", path);
            break;
        }
        if (maat_buf_put(&b, chunk, n) != 0) {
            rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            break;
        }
    }
    fclose(f);
    if (rc != 0) {
        maat_buf_cleanup(&b);
        return -1;
    }
    *len = b.len;
    *out = (uint8_t *)maat_buf_take_str(&b);
    MAAT_ENSURE(*out != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

/* First start of an isolated instance: the --policy-signer certificates become the set. */
static int seed_signers(struct maatd *d, struct maat_error *err)
{
    for (size_t i = 0; i < d->cfg.n_policy_signers; i++) {
        uint8_t *pem = NULL;
        size_t n = 0;
        MAAT_TRY(read_small_file(d->cfg.policy_signers[i], &pem, &n, err));
        STACK_OF(X509) *sk = maat__x509_load_all(pem, n, d->cfg.policy_signers[i], err);
        free(pem);
        if (sk == NULL) return -1;
        int rc = 0;
        for (int k = 0; rc == 0 && k < sk_X509_num(sk); k++) {
            bool changed;
            rc = maatd_signers_add(d, sk_X509_value(sk, k), &changed, err);
        }
        sk_X509_pop_free(sk, X509_free);
        if (rc != 0) {
            maat_error_prefix(err, "--policy-signer %s", d->cfg.policy_signers[i]);
            return -1;
        }
    }
    return 0;
}

/* A built-in default policy as an object whose JWS is the unsigned {"AttestationPolicy"}. */
static int default_policy(const char *def, struct maatd_policy **out, struct maat_error *err)
{
    size_t dlen = strlen(def);
    char *b = maat_base64url_encode((const uint8_t *)def, dlen);
    json_t *payload = b ? json_pack("{s:s}", "AttestationPolicy", b) : NULL;
    free(b);
    char *jws = payload ? maat__jws_unsigned(NULL, payload, false, err) : NULL;
    json_decref(payload);
    MAAT_ENSURE(jws != NULL, err, MAAT_ERR_NOMEM, "default policy JWS: out of memory");
    struct maat_policy_error perr = {0};
    *out = maatd_policy_new(def, dlen, jws, NULL, 0, &perr);
    free(jws);
    if (*out == NULL) {
        *err = perr.err;
        maat_error_prefix(err, "default policy");
        return -1;
    }
    return 0;
}

int maatd_policies_open(struct maatd *d, struct maat_error *err)
{
    struct maatd_policies *ps = calloc(1, sizeof *ps);
    MAAT_ENSURE(ps != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&ps->mu, NULL);
    pthread_mutex_init(&ps->wmu, NULL);
    d->policies = ps;

    /* the default policies, as MAA's GET shows them: unsigned JWSs */
    MAAT_TRY(default_policy(maat_policy_default_sgx(), &ps->def, err));
    MAAT_TRY(default_policy(maat_policy_default_tdx(), &ps->def_tdx, err));
    for (unsigned t = 0; t < MAATD_POLICY_TYPES; t++) {
        struct maatd_policy *def = t == MAAT_ROUTE_TDX_VM ? ps->def_tdx : ps->def;
        ps->active[t] = def;
        atomic_fetch_add(&def->refs, 1);
    }

    MAAT_TRY(load_signers(d, err));
    if (d->mode == MAATD_MODE_ISOLATED && ps->n_signers == 0)
        MAAT_TRY(seed_signers(d, err));
    else if (d->mode == MAATD_MODE_ISOLATED && d->cfg.n_policy_signers > 0)
        maatd_log("info",
                  "policy signers: %zu in the store; --policy-signer (the initial set) "
                  "is ignored",
                  ps->n_signers);
    MAAT_ENSURE(d->mode != MAATD_MODE_ISOLATED || ps->n_signers > 0, err, MAAT_ERR_USAGE,
                "--mode isolated: no policy-management certificate (give --policy-signer PEM)");
    if (d->mode == MAATD_MODE_ISOLATED)
        maatd_log("info", "policy signers: %zu certificate(s)", ps->n_signers);
    if (d->mode == MAATD_MODE_SHARED) return 0; /* shared instances run the default only */
    for (unsigned t = 0; t < MAATD_POLICY_TYPES; t++) MAAT_TRY(load_policy(d, t, false, err));
    return 0;
}

int maatd_policies_refresh(struct maatd *d, struct maat_error *err)
{
    if (d->policies == NULL || d->mode == MAATD_MODE_SHARED) return 0;
    int rc = 0;
    maatd_policies_write_lock(d, true);
    for (unsigned t = 0; rc == 0 && t < MAATD_POLICY_TYPES; t++) rc = load_policy(d, t, true, err);
    if (rc == 0 && d->mode == MAATD_MODE_ISOLATED) rc = load_signers(d, err);
    maatd_policies_write_lock(d, false);
    return rc;
}

void maatd_policies_write_lock(struct maatd *d, bool lock)
{
    if (lock)
        pthread_mutex_lock(&d->policies->wmu);
    else
        pthread_mutex_unlock(&d->policies->wmu);
}

void maatd_policies_free(struct maatd *d)
{
    struct maatd_policies *ps = d->policies;
    if (ps == NULL) return;
    for (unsigned t = 0; t < MAATD_POLICY_TYPES; t++) maatd_policy_release(ps->active[t]);
    maatd_policy_release(ps->def);
    maatd_policy_release(ps->def_tdx);
    signers_free(ps->signers, ps->n_signers);
    pthread_mutex_destroy(&ps->mu);
    pthread_mutex_destroy(&ps->wmu);
    free(ps);
    d->policies = NULL;
}

/* ---- signers ---- */

static ssize_t signer_index(const struct maatd_policies *ps, const unsigned char *der, size_t n)
{
    for (size_t i = 0; i < ps->n_signers; i++)
        if (ps->signers[i].der_len == n && !memcmp(ps->signers[i].der, der, n)) return (ssize_t)i;
    return -1;
}

bool maatd_signers_contains(struct maatd *d, const X509 *cert)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0) return false;
    pthread_mutex_lock(&d->policies->mu);
    bool found = signer_index(d->policies, der, (size_t)n) >= 0;
    pthread_mutex_unlock(&d->policies->mu);
    OPENSSL_free(der);
    return found;
}

int maatd_signers_add(struct maatd *d, X509 *cert, bool *changed, struct maat_error *err)
{
    struct maatd_policies *ps = d->policies;
    struct maatd_signer s = {0};
    MAAT_TRY(signer_set(&s, cert, err));
    *changed = false;
    int rc = 0;
    pthread_mutex_lock(&ps->mu);
    if (signer_index(ps, s.der, s.der_len) < 0) {
        struct maatd_signer *nv = NULL;
        if (ps->n_signers >= MAATD_MAX_SIGNERS)
            rc = maat_error_set(err, MAAT_ERR_TOO_LARGE,
                                "the instance already has %d policy-management certificates",
                                MAATD_MAX_SIGNERS);
        else if ((nv = realloc(ps->signers, (ps->n_signers + 1) * sizeof *nv)) == NULL)
            rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        else {
            ps->signers = nv;
            rc = maat_store_put(d->store, NS_SIGNERS, s.thumb, s.der, s.der_len, NULL, err);
            if (rc == 0) {
                /* keep thumbprint order, as the store lists them */
                size_t at = 0;
                while (at < ps->n_signers && strcmp(ps->signers[at].thumb, s.thumb) < 0) at++;
                memmove(&ps->signers[at + 1], &ps->signers[at], (ps->n_signers - at) * sizeof *nv);
                ps->signers[at] = s;
                ps->n_signers++;
                memset(&s, 0, sizeof s);
                *changed = true;
            }
        }
    }
    pthread_mutex_unlock(&ps->mu);
    X509_free(s.cert);
    free(s.der);
    return rc;
}

int maatd_signers_stored(struct maatd *d, const char *thumb, bool *present, struct maat_error *err)
{
    uint8_t *val = NULL;
    size_t len = 0;
    struct maat_error gerr = {0};
    *present = false;
    if (maat_store_get(d->store, NS_SIGNERS, thumb, &val, &len, NULL, &gerr) == 0) {
        free(val);
        *present = true;
        return 0;
    }
    if (gerr.code == MAAT_ERR_NOT_FOUND) return 0;
    *err = gerr;
    return -1;
}

static int last_signer_error(const char *thumb, struct maat_error *err)
{
    return maat_error_set(err, MAAT_ERR_VALUE,
                          "certificate %s is the last policy-management certificate of this "
                          "isolated instance and cannot be removed (add another one first)",
                          thumb);
}

int maatd_signers_removable(struct maatd *d, const X509 *cert, struct maat_error *err)
{
    struct maatd_policies *ps = d->policies;
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    MAAT_ENSURE(n > 0, err, MAAT_ERR_CRYPTO, "certificate: cannot encode as DER");
    int rc = 0;
    pthread_mutex_lock(&ps->mu);
    ssize_t i = signer_index(ps, der, (size_t)n);
    if (i >= 0 && ps->n_signers == 1) rc = last_signer_error(ps->signers[i].thumb, err);
    pthread_mutex_unlock(&ps->mu);
    OPENSSL_free(der);
    return rc;
}

int maatd_signers_remove(struct maatd *d, X509 *cert, bool *changed, struct maat_error *err)
{
    struct maatd_policies *ps = d->policies;
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    MAAT_ENSURE(n > 0, err, MAAT_ERR_CRYPTO, "certificate: cannot encode as DER");
    *changed = false;
    int rc = 0;
    pthread_mutex_lock(&ps->mu);
    ssize_t i = signer_index(ps, der, (size_t)n);
    if (i >= 0 && ps->n_signers == 1)
        rc = last_signer_error(ps->signers[i].thumb, err);
    else if (i >= 0) {
        rc = maat_store_delete(d->store, NS_SIGNERS, ps->signers[i].thumb, NULL, err);
        if (rc == 0) {
            X509_free(ps->signers[i].cert);
            free(ps->signers[i].der);
            memmove(&ps->signers[i], &ps->signers[i + 1],
                    (ps->n_signers - (size_t)i - 1) * sizeof ps->signers[0]);
            ps->n_signers--;
            *changed = true;
        }
    }
    pthread_mutex_unlock(&ps->mu);
    OPENSSL_free(der);
    return rc;
}

json_t *maatd_signers_jwks(struct maatd *d)
{
    struct maatd_policies *ps = d->policies;
    json_t *keys = json_array();
    if (keys == NULL) return NULL;
    pthread_mutex_lock(&ps->mu);
    for (size_t i = 0; i < ps->n_signers; i++) {
        char *b = maat_base64_encode(ps->signers[i].der, ps->signers[i].der_len);
        json_t *x5c = b ? json_pack("[s]", b) : NULL;
        json_t *k = maatd_signer_jwk(ps->signers[i].cert, x5c, true);
        json_decref(x5c);
        free(b);
        if (k == NULL || json_array_append_new(keys, k) != 0) {
            json_decref(keys);
            keys = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&ps->mu);
    return keys;
}
