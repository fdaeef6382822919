/*
 * policy_routes.c - MAA's policy and policy-signer management routes (maa.md sections 1
 * and 5): GET/PUT /policies/{SgxEnclave,OpenEnclave,TdxVm}, POST /policies/{type}:reset,
 * GET /certificates, POST /certificates:add and :remove.
 *
 * Who may change what depends on the instance mode (--mode):
 *   shared   - the default policy only: every change is 400 InvalidOperation;
 *   aad      - policies set/reset by the holder of the --admin-token-file bearer token
 *              (401 Unauthorized otherwise), unsigned or signed JWS (a signed one must
 *              verify against its own header certificate); certificate changes are 400
 *              InvalidOperation ("The operation is disallowed"), as on MAA;
 *   isolated - every change is a JWS signed by a key whose certificate is in the current
 *              policy-signer set (plus the bearer token when --admin-token-file is given).
 * Isolated mode also refuses replayed requests (replay_guard.c): a JWS applied before that
 * is not the current state, and stale or future time claims. Each change is one store batch
 * (store.h maat_store_batch): the locked check that its signer is still in the stored set,
 * its applied-request record and its write, conditioned on the version it was decided
 * against, commit together (docs/deploy.md "Concurrent changes"). A reset must carry the reset
 * form (an empty payload) in every mode.
 * Results are tokens signed by the service key, exp = iat + 1 h, no jti. Every change is
 * logged with who authorised it (signer subject and thumbprint, bearer check, client
 * address); bodies, tokens and the admin token never are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netdb.h>
#include <sys/socket.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "maat/attest.h"
#include "maat/crypto.h"
#include "maatd.h"
#include "replay_guard.h"
#include "signer_jwk.h"
#include "store.h"
#include "store_sync.h"

#define CODE_INVALID_OP "InvalidOperation"

/* Signs a management result token and answers {"token": JWT}. Steals `payload`. */
static void mgmt_token(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                       json_t *payload)
{
    struct maat_error err = {0};
    char *token = NULL;
    if (payload == NULL ||
        maat__claims_finish(payload, rq->issuer, (int64_t)time(NULL), MAATD_MGMT_TOKEN_LIFETIME,
                           NULL, &err) != 0 ||
        (token = maatd_keys_sign(d, rq->issuer, payload, &err)) == NULL) {
        maatd_error(rq, rs, 500, "InternalError", "management token: %s",
                    err.msg[0] ? err.msg : "out of memory");
    } else {
        json_t *body = json_pack("{s:s}", "token", token);
        maatd_json_response(rs, 200, body);
        json_decref(body);
    }
    free(token);
    json_decref(payload);
}

/* The bearer token check (constant time: both sides are hashed, the digests compared).
 * True when no token is configured or the right one was sent. */
static bool authorized(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    if (d->admin_token == NULL) return true;
    const char *h = maatd_request_header(rq, "Authorization");
    bool ok = false;
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
        const char *t = h + 7;
        while (*t == ' ') t++;
        uint8_t a[32], b[32];
        maat__sha256(t, strlen(t), a);
        maat__sha256(d->admin_token, d->admin_token_len, b);
        ok = CRYPTO_memcmp(a, b, sizeof a) == 0;
    }
    if (!ok) {
        char path[128];
        snprintf(path, sizeof path, "%s", rq->path);
        maatd_error(rq, rs, 401, "Unauthorized", "Access to %s requires a valid JWT bearer token",
                    path);
    }
    return ok;
}

/* maa.signing.tool without -w writes {"AttestationPolicy":<unquoted base64url>}: invalid
 * JSON. Recognise it to say so (maatd does not accept it: a signed payload that is not
 * JSON is not MAA's format, and MAA rejects it as well). */
static bool signing_tool_quirk(const char *jws, size_t len)
{
    const char *d1 = memchr(jws, '.', len);
    if (d1 == NULL) return false;
    const char *p = d1 + 1;
    const char *d2 = memchr(p, '.', len - (size_t)(p - jws));
    if (d2 == NULL) return false;
    uint8_t *raw;
    size_t n;
    struct maat_error e = {0};
    if (maat_base64url_decode(p, (size_t)(d2 - p), "payload", &raw, &n, &e) != 0) return false;
    static const char pre[] = "{\"AttestationPolicy\":";
    size_t i = sizeof pre - 1;
    bool hit = n > i && !memcmp(raw, pre, i);
    while (hit && i < n && (raw[i] == ' ' || raw[i] == '\t')) i++;
    hit = hit && i < n && raw[i] != '"';
    free(raw);
    return hit;
}

/* The JWS of a management request: the raw compact text (policies; MAA's SDKs send it
 * with Content-Type application/json or text/plain) or a JSON string literal holding it
 * (certificates). Surrounding whitespace is dropped (a trailing newline from a file). */
static char *body_jws(struct maatd_request *rq, size_t *len, struct maat_error *err)
{
    const char *b = (const char *)rq->body.data;
    size_t n = rq->body.len;
    while (n > 0 && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')) b++, n--;
    while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t' || b[n - 1] == '\r' || b[n - 1] == '\n'))
        n--;
    if (b == NULL || n == 0) {
        maat_error_set(err, MAAT_ERR_VALUE, "request body: expected a compact JWS, got nothing");
        return NULL;
    }
    if (b[0] == '"') {
        json_error_t je;
        json_t *s = json_loadb(b, n, JSON_DECODE_ANY, &je);
        if (!json_is_string(s)) {
            json_decref(s);
            maat_error_set(err, MAAT_ERR_VALUE,
                           "request body: a JSON string literal holding a JWS was expected "
                           "(%s at offset %d)",
                           s ? "not a string" : je.text, s ? 0 : je.position);
            return NULL;
        }
        b = json_string_value(s);
        n = json_string_length(s);
        char *out = malloc(n + 1);
        if (out) memcpy(out, b, n), out[n] = '\0';
        json_decref(s);
        *len = n;
        if (out == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return out;
    }
    char *out = malloc(n + 1);
    if (out == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(out, b, n);
    out[n] = '\0';
    *len = n;
    return out;
}

/* x5c of a signer stack as a JSON array of padded standard base64 DER. */
static json_t *x5c_json(STACK_OF(X509) *sk)
{
    json_t *a = json_array();
    for (int i = 0; a && i < sk_X509_num(sk); i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(sk_X509_value(sk, i), &der);
        char *b = n > 0 ? maat_base64_encode(der, (size_t)n) : NULL;
        OPENSSL_free(der);
        if (b == NULL || json_array_append_new(a, json_string(b)) != 0) {
            free(b);
            json_decref(a);
            return NULL;
        }
        free(b);
    }
    return a;
}

/* A management request after parsing and signature checks. */
struct mgmt_req {
    char *text; /* the JWS as received (hash input, stored verbatim) */
    size_t len;
    struct maat_jws jws;
    STACK_OF(X509) *signer;        /* x5c of a signed JWS (first = signing certificate) */
    char thumb[41];                /* thumbprint of the signing certificate ("" unsigned) */
    int64_t iat;                   /* payload iat, -1 = none (isolated mode only) */
    char key[MAATD_GUARD_KEY_MAX]; /* applied-request record key (isolated mode only) */
    char who[512];                 /* who authorised it, for the log */
};

static void mgmt_req_cleanup(struct mgmt_req *m)
{
    free(m->text);
    maat__jws_cleanup(&m->jws);
    if (m->signer) sk_X509_pop_free(m->signer, X509_free);
    memset(m, 0, sizeof *m);
}

/* Printable ASCII without quotes or backslashes (the log line quotes its message). */
static void log_safe(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && in[i] && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        out[o++] = c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '\'' ? '?' : (char)c;
    }
    out[o] = '\0';
}

/* Who authorised the request, as far as maatd knows: the signing certificate's subject and
 * thumbprint (signed JWS), whether a bearer token was checked (never the token), and the
 * client address. Written into m->who for the change's log line. */
static void describe_actor(struct maatd *d, struct maatd_request *rq, struct mgmt_req *m)
{
    char subj[200] = "", addr[64] = "?";
    if (m->signer != NULL) {
        BIO *b = BIO_new(BIO_s_mem());
        char *data = NULL;
        long n = 0;
        if (b && X509_NAME_print_ex(b, X509_get_subject_name(sk_X509_value(m->signer, 0)), 0,
                                    XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) >= 0)
            n = BIO_get_mem_data(b, &data);
        log_safe(data ? data : "", n > 0 ? (size_t)n : 0, subj, sizeof subj);
        BIO_free(b);
    }
    const union MHD_ConnectionInfo *ci = rq->conn ? MHD_get_connection_info(
                                                        rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
                                                  : NULL;
    if (ci != NULL && ci->client_addr != NULL) {
        socklen_t sl = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                              : sizeof(struct sockaddr_in);
        if (getnameinfo(ci->client_addr, sl, addr, sizeof addr, NULL, 0, NI_NUMERICHOST) != 0)
            snprintf(addr, sizeof addr, "?");
    }
    const char *bearer = d->admin_token ? "bearer: holder of the --admin-token-file token"
                                        : "bearer: none checked (no --admin-token-file)";
    if (m->signer != NULL)
        snprintf(m->who, sizeof m->who, "by signer '%s' (thumbprint %s), %s, client %s", subj,
                 m->thumb, bearer, addr);
    else
        snprintf(m->who, sizeof m->who, "by an unsigned JWS, %s, client %s", bearer, addr);
}

/* Reads, parses and authenticates the request JWS per mode. 0, or -1 with rs filled. */
static int mgmt_parse(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                      struct mgmt_req *m)
{
    struct maat_error err = {0};
    m->text = body_jws(rq, &m->len, &err);
    if (m->text == NULL) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", err.msg);
        return -1;
    }
    if (maat__jws_parse_ex(m->text, m->len, MAAT_JWS_ALLOW_RSA256, &m->jws, &err) != 0) {
        if (signing_tool_quirk(m->text, m->len))
            maatd_error(rq, rs, 400, CODE_INVALID_OP,
                        "The JWS payload is not JSON: it reads {\"AttestationPolicy\":<unquoted "
                        "value>}, which is what maa.signing.tool writes without -w. maatd does not "
                        "accept it (nor does MAA); sign again with -w, or put "
                        "{\"AttestationPolicy\":\"<base64url of the policy text>\"} in the "
                        "payload. (%s)",
                        err.msg);
        else
            maatd_error(rq, rs, 400, CODE_INVALID_OP, "The request is not a valid JWS: %s", err.msg);
        return -1;
    }
    m->iat = -1;
    if (m->jws.alg == MAAT_JWS_NONE) {
        describe_actor(d, rq, m);
        if (d->mode == MAATD_MODE_ISOLATED) {
            maatd_error(rq, rs, 400, CODE_INVALID_OP,
                        "This isolated instance accepts only changes signed by one of its "
                        "policy-management certificates; the JWS is unsigned (alg none).");
            return -1;
        }
        return 0;
    }
    m->signer = maat__jws_header_x5c(&m->jws, &err);
    if (m->signer == NULL) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP,
                    "The signed JWS carries no usable signing certificate in its header "
                    "(x5c or jwk.x5c): %s",
                    err.msg[0] ? err.msg : "absent");
        return -1;
    }
    X509 *leaf = sk_X509_value(m->signer, 0);
    if (maatd_cert_thumbprint(leaf, m->thumb, &err) != 0) snprintf(m->thumb, sizeof m->thumb, "?");
    describe_actor(d, rq, m);
    if (maat__jws_verify(&m->jws, X509_get0_pubkey(leaf), &err) != 0) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP,
                    "The JWS signature does not verify with the key of its x5c certificate: %s",
                    err.msg);
        return -1;
    }
    if (d->mode == MAATD_MODE_ISOLATED && !maatd_signers_contains(d, leaf)) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP,
                    "The JWS is signed by certificate %s, which is not one of this isolated "
                    "instance's policy-management certificates (GET /certificates lists them).",
                    m->thumb);
        return -1;
    }
    return 0;
}

/* The replay guard (isolated mode, where the JWS is the authorisation): time claims, then
 * whether the request was applied before. `current`: the request's effect is already the
 * current state (then a JWS applied before is answered as a no-op). 1 = apply it (the
 * caller writes the applied-request record, guard_op, in the same store batch as the
 * change), 0 = no-op, -1 = refused (rs filled). `what` names the request in messages. */
static void store_error(struct maatd_request *rq, struct maatd_response *rs,
                        const struct maat_error *err);

static int replay_check(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                        struct mgmt_req *m, enum maatd_guard_op op, bool current, const char *what)
{
    if (d->mode != MAATD_MODE_ISOLATED) return 1;
    struct maat_error err = {0};
    int64_t now = (int64_t)time(NULL);
    if (maatd_guard_times(m->jws.payload, now, &m->iat, &err) != 0) {
        maatd_log("warn", "%s refused (%s); request %s", what, err.msg, m->who);
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", err.msg);
        return -1;
    }
    maatd_guard_key(op, m->text, m->len, m->key);
    bool seen = false;
    if (maatd_guard_seen(d->store, m->key, &seen, &err) != 0) {
        store_error(rq, rs, &err);
        return -1;
    }
    if (seen && current) return 0;
    if (seen) {
        static const char *const why[] = {
            "it is not the current policy of this attestation type: an earlier policy "
            "(rollback) or one set for another attestation type cannot be replayed. To apply "
            "this policy again, sign it again (maat sign policy adds a fresh iat, which makes a "
            "new JWS)",
            "the certificate has been removed since: a captured add cannot bring a removed "
            "signer back. To add it again, sign a new request (maat sign cert adds a fresh iat)",
            "the certificate has been added again since: a captured remove cannot be "
            "replayed. To remove it again, sign a new request (maat sign cert adds a fresh iat)"};
        maatd_log("warn", "%s refused: replay of a request applied before (%s); request %s", what,
                  m->key, m->who);
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "This JWS (%s) was applied before and %s.", what,
                    why[op]);
        return -1;
    }
    return 1;
}

/* ---- one change = one store batch (docs/deploy.md, "Concurrent changes") ----
 * In isolated mode a change carries, in the same transaction as its write: a CHECK that
 * its authorising signer is still in the stored set (locked until the commit, so a removal
 * on another replica is ordered before - and then the change fails - or after it), and its
 * applied-request record (PUT if absent). The write itself is conditioned on the version
 * the request was decided against; when another change got there first, the request is
 * decided again on the new state (a few times at most). */
#define CHANGE_ATTEMPTS 5

struct change {
    struct maat_store_op ops[6];
    size_t n;
    size_t i_auth, i_guard; /* positions, or SIZE_MAX when absent */
    char *guard_text;
};

static void change_init(struct change *c)
{
    memset(c, 0, sizeof *c);
    c->i_auth = c->i_guard = SIZE_MAX;
}

static void change_cleanup(struct change *c)
{
    free(c->guard_text);
    change_init(c);
}

static size_t change_add(struct change *c, enum maat_store_op_kind kind, const char *ns,
                         const char *key, const void *val, size_t len, uint64_t expected)
{
    c->ops[c->n] = (struct maat_store_op){.kind = kind,
                                          .ns = ns,
                                          .key = key,
                                          .val = val,
                                          .len = len,
                                          .expected = expected};
    return c->n++;
}

/* Isolated mode: the authorising signer's CHECK and the applied-request record. 0, or -1
 * with rs filled. */
static int change_guard(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                        struct mgmt_req *m, const char *what, struct change *c)
{
    if (d->mode != MAATD_MODE_ISOLATED) return 0;
    struct maat_error err = {0};
    c->i_auth = change_add(c, MAAT_STORE_OP_CHECK, "signers", m->thumb, NULL, 0, UINT64_MAX);
    if (maatd_guard_prepare(d->store, m->iat, (int64_t)time(NULL), what, m->thumb, &c->guard_text,
                            &err) != 0) {
        if (err.code == MAAT_ERR_VALUE || err.code == MAAT_ERR_TOO_LARGE)
            maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", err.msg);
        else
            store_error(rq, rs, &err);
        return -1;
    }
    c->i_guard = change_add(c, MAAT_STORE_OP_PUT, MAATD_GUARD_NS, m->key, c->guard_text,
                            strlen(c->guard_text), 0);
    return 0;
}

/* Runs the batch. 0 = committed; 1 = a condition of the change itself failed (decide
 * again); -1 = refused or failed, rs filled. */
static int change_commit(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                         struct mgmt_req *m, const char *what, struct change *c)
{
    struct maat_error err = {0};
    size_t failed = 0;
    bool conflict = false;
    if (maat_store_batch(d->store, c->ops, c->n, &failed, &conflict, &err) == 0) return 0;
    if (!conflict) {
        store_error(rq, rs, &err);
        return -1;
    }
    if (failed == c->i_auth) {
        maatd_log("warn", "%s refused: its signer %s was removed concurrently; request %s", what,
                  m->thumb, m->who);
        maatd_error(rq, rs, 400, CODE_INVALID_OP,
                    "The JWS is signed by certificate %s, which is no longer one of this "
                    "isolated instance's policy-management certificates (it was removed by a "
                    "change that committed first; GET /certificates lists them).",
                    m->thumb);
        return -1;
    }
    if (failed == c->i_guard) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", MAATD_GUARD_CONCURRENT);
        return -1;
    }
    return 1;
}

static const char *type_name(unsigned type)
{
    return maat__attest_route_name((enum maat_attest_route)type);
}

/* A failed store step of a change: the applied-request limit is the client's 400; the store
 * unreachable (an I/O failure: database down, connection lost) is 503 ServiceUnavailable in
 * MAA's error form, and marks the store down for /ready (nothing was applied in memory); the
 * rest 500. */
static void store_error(struct maatd_request *rq, struct maatd_response *rs,
                        const struct maat_error *err)
{
    if (err->code == MAAT_ERR_TOO_LARGE) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", err->msg);
    } else if (err->code == MAAT_ERR_IO) {
        maatd_store_status_note(err);
        maatd_error(rq, rs, 503, "ServiceUnavailable",
                    "The policy store is unavailable; nothing was changed, retry later (%s)",
                    err->msg);
    } else {
        maatd_error(rq, rs, 500, "InternalError", "store: %s", err->msg);
    }
}

/* Isolated mode, before the stored policy of `type` is replaced or reset: makes sure it has
 * an applied-request record (a policy stored before the replay guard existed has none), so
 * it cannot be replayed once replaced. 0, or -1 with err set. */
static int record_replaced(struct maatd *d, unsigned type, struct maat_error *err)
{
    if (d->mode != MAATD_MODE_ISOLATED) return 0;
    uint8_t *cur = NULL;
    size_t clen = 0;
    struct maat_error gerr = {0};
    if (maat_store_get(d->store, "policies", type_name(type), &cur, &clen, NULL, &gerr) != 0) {
        if (gerr.code == MAAT_ERR_NOT_FOUND) return 0;
        *err = gerr;
        return -1;
    }
    char key[MAATD_GUARD_KEY_MAX], what[80];
    maatd_guard_key(MAATD_GUARD_POLICY, (const char *)cur, clen, key);
    free(cur);
    bool seen = false;
    MAAT_TRY(maatd_guard_seen(d->store, key, &seen, err));
    if (seen) return 0;
    snprintf(what, sizeof what, "%s policy (recorded when replaced)", type_name(type));
    if (maatd_guard_record(d->store, key, -1, (int64_t)time(NULL), what, "", err) == 0) return 0;
    return err->code == MAAT_ERR_VALUE ? 0 : -1; /* recorded meanwhile by a replica: fine */
}

static void policy_get(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                       unsigned type)
{
    struct maatd_policy *p = maatd_policy_acquire(d, type);
    mgmt_token(d, rq, rs, json_pack("{s:s}", "x-ms-policy", p->jws));
    maatd_policy_release(p);
}

static void policy_set(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                       unsigned type)
{
    struct mgmt_req m = {0};
    struct maat_error err = {0};
    char *text = NULL;
    size_t tlen = 0;
    json_t *signer = NULL, *x5c = NULL;
    if (mgmt_parse(d, rq, rs, &m) != 0) goto out;
    if (maatd_policy_text_from_payload(m.jws.payload, &text, &tlen, &err) != 0) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", err.msg);
        goto out;
    }
    if (m.signer != NULL) {
        x5c = x5c_json(m.signer);
        signer = maatd_signer_jwk(sk_X509_value(m.signer, 0), x5c, false);
        if (signer == NULL) {
            maatd_error(rq, rs, 500, "InternalError", "out of memory");
            goto out;
        }
    }
    struct maat_policy_error perr = {0};
    struct maatd_policy *p = maatd_policy_new(text, tlen, m.text, signer, 0, &perr);
    if (p == NULL) {
        if (perr.kind == MAAT_POLICY_ERR_PARSING) {
            char msg[1024];
            maat__policy_error_format(&perr, msg, sizeof msg);
            maatd_error(rq, rs, 400, "PolicyParsingError", "%s (%s)", msg, perr.err.msg);
        } else {
            maatd_error(rq, rs, 500, "InternalError", "policy: %s", perr.err.msg);
        }
        goto out;
    }
    char what[64];
    snprintf(what, sizeof what, "%s policy set", type_name(type));
    struct change c;
    change_init(&c);
    int done = -1;
    for (int attempt = 0; done != 0 && attempt < CHANGE_ATTEMPTS; attempt++) {
        change_cleanup(&c);
        /* the current state, from the store (replicas may have changed it) */
        uint8_t *cur = NULL;
        size_t clen = 0;
        uint64_t cver = 0;
        struct maat_error gerr = {0};
        if (maat_store_get(d->store, "policies", type_name(type), &cur, &clen, &cver, &gerr) != 0) {
            if (gerr.code != MAAT_ERR_NOT_FOUND) {
                store_error(rq, rs, &gerr);
                break;
            }
            cver = 0;
        }
        bool current = cur != NULL && clen == m.len && !memcmp(cur, m.text, clen);
        free(cur);
        int g = replay_check(d, rq, rs, &m, MAATD_GUARD_POLICY, current, what);
        if (g < 0) break;
        if (g == 0) { /* the same JWS again while it is the current policy: nothing changes */
            maatd_log("info", "%s policy set again, unchanged (hash %s, %s) %s", type_name(type),
                      p->hash, m.signer ? "signed" : "unsigned", m.who);
            done = 0;
            break;
        }
        if (record_replaced(d, type, &err) != 0) {
            store_error(rq, rs, &err);
            break;
        }
        if (change_guard(d, rq, rs, &m, what, &c) != 0) break;
        size_t i_pol = change_add(&c, MAAT_STORE_OP_PUT, "policies", type_name(type), m.text, m.len,
                                  cver);
        done = change_commit(d, rq, rs, &m, what, &c);
        if (done < 0) break;
        if (done == 0) {
            p->version = c.ops[i_pol].version;
            maatd_log("info", "%s policy set (hash %s, %s) %s", type_name(type), p->hash,
                      m.signer ? "signed" : "unsigned", m.who);
            maatd_policy_install(d, type, p);
            p = NULL;
        }
    }
    change_cleanup(&c);
    if (done != 0) {
        if (done > 0) /* changed concurrently every time */
            maatd_error(rq, rs, 409, "Conflict",
                        "The %s policy was changed concurrently by other requests %d times; "
                        "nothing was changed by this one, retry it",
                        type_name(type), CHANGE_ATTEMPTS);
        maatd_policy_release(p);
        goto out;
    }
    maatd_policy_release(p);

    uint8_t h[32];
    maat__sha256(m.text, m.len, h);
    char *th = maat_base64url_encode(h, sizeof h);
    json_t *payload = th ? json_pack("{s:s, s:s}", "x-ms-policy-result", "Updated",
                                     "x-ms-policy-token-hash", th)
                         : NULL;
    free(th);
    if (payload != NULL && x5c != NULL)
        json_object_set_new(payload, "x-ms-policy-signer",
                            maatd_signer_jwk(sk_X509_value(m.signer, 0), x5c, true));
    mgmt_token(d, rq, rs, payload);
out:
    json_decref(x5c);
    json_decref(signer);
    free(text);
    mgmt_req_cleanup(&m);
}

static void policy_reset(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                         unsigned type)
{
    struct mgmt_req m = {0};
    struct maat_error err = {0};
    if (mgmt_parse(d, rq, rs, &m) != 0) goto out;
    /* The reset form is a JWS with an empty payload (maa.md): anything else - such as the
     * stored policy JWS that the open GET returns - does not authorise a reset. */
    if (m.jws.payload_len != 0) {
        maatd_log("warn", "%s policy reset refused: the JWS payload is not empty; request %s",
                  type_name(type), m.who);
        maatd_error(rq, rs, 400, CODE_INVALID_OP,
                    "A policy reset must carry a JWS with an empty payload (the reset form); "
                    "this one has a %zu-byte payload%s. Send a reset JWS signed by a current "
                    "policy signer (maat policy reset --key K --cert C).",
                    m.jws.payload_len,
                    json_object_get(m.jws.payload, "AttestationPolicy") ? " holding a policy" : "");
        goto out;
    }
    if (record_replaced(d, type, &err) != 0) {
        store_error(rq, rs, &err);
        goto out;
    }
    /* in one batch with the check that its signer is still in the stored set */
    char what[64];
    snprintf(what, sizeof what, "%s policy reset", type_name(type));
    struct change c;
    change_init(&c);
    if (d->mode == MAATD_MODE_ISOLATED)
        c.i_auth = change_add(&c, MAAT_STORE_OP_CHECK, "signers", m.thumb, NULL, 0, UINT64_MAX);
    change_add(&c, MAAT_STORE_OP_DELETE, "policies", type_name(type), NULL, 0, UINT64_MAX);
    int rc = change_commit(d, rq, rs, &m, what, &c);
    change_cleanup(&c);
    if (rc > 0) /* an unconditional delete: only the signer check can conflict */
        maatd_error(rq, rs, 500, "InternalError", "policy reset: unexpected store conflict");
    if (rc != 0) goto out;
    maatd_policy_install(d, type, NULL);
    maatd_log("info", "%s policy reset to the default %s", type_name(type), m.who);
    mgmt_token(d, rq, rs, json_pack("{s:s}", "x-ms-policy-result", "Removed"));
out:
    mgmt_req_cleanup(&m);
}

static bool changes_allowed(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    if (d->mode != MAATD_MODE_SHARED) return true;
    maatd_error(rq, rs, 400, CODE_INVALID_OP,
                "The operation is disallowed: this is a shared instance (maatd --mode shared), "
                "which runs the default policy only.");
    return false;
}

void maatd_policy_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                        unsigned type, bool reset)
{
    if (!reset && (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD"))) {
        policy_get(d, rq, rs, type);
        return;
    }
    if (!authorized(d, rq, rs) || !changes_allowed(d, rq, rs)) return;
    /* One change at a time, from the signer check to the store write: a signer removed
     * concurrently cannot slip a change in, and the refresh cannot undo it. */
    maatd_policies_write_lock(d, true);
    if (reset)
        policy_reset(d, rq, rs, type);
    else
        policy_set(d, rq, rs, type);
    maatd_policies_write_lock(d, false);
}

/* The certificate named by the payload's policyCertificate (or a preview-era name). */
static X509 *payload_cert(const json_t *payload, struct maat_error *err)
{
    static const char *const names[] = {"policyCertificate", "maa-policyCertificate",
                                        "aas-policyCertificate"};
    const json_t *jwk = NULL;
    for (size_t i = 0; jwk == NULL && json_is_object(payload) && i < 3; i++)
        jwk = json_object_get(payload, names[i]);
    if (!json_is_object(jwk)) {
        maat_error_set(err, MAAT_ERR_VALUE,
                       "JWS payload: the \"policyCertificate\" claim (a JWK with x5c) is %s",
                       jwk ? "not an object" : "missing");
        return NULL;
    }
    STACK_OF(X509) *sk = maat__jwk_x5c(jwk, err);
    if (sk == NULL) {
        if (err->code == MAAT_OK)
            maat_error_set(err, MAAT_ERR_VALUE, "policyCertificate: the JWK has no x5c");
        else
            maat_error_prefix(err, "policyCertificate");
        return NULL;
    }
    X509 *c = sk_X509_value(sk, 0);
    X509_up_ref(c);
    sk_X509_pop_free(sk, X509_free);
    return c;
}

/* The stored signers: how many, and one other than `thumb` (the first in key order) into
 * other ("" = none). */
struct other_signer {
    const char *thumb;
    char *out;
    size_t n;
};

static int other_cb(void *ctx, const char *key, const uint8_t *val, size_t len, uint64_t version)
{
    (void)val;
    (void)len;
    (void)version;
    struct other_signer *o = ctx;
    o->n++;
    if (o->out[0] == '\0' && strcmp(key, o->thumb) != 0 && strlen(key) <= 40)
        snprintf(o->out, 41, "%s", key);
    return 0;
}

static int stored_signers(struct maatd *d, const char *thumb, char other[41], size_t *n,
                          struct maat_error *err)
{
    struct other_signer o = {.thumb = thumb, .out = other};
    other[0] = '\0';
    MAAT_TRY(maat_store_list(d->store, "signers", "", other_cb, &o, err));
    *n = o.n;
    return 0;
}

void maatd_certificates_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                              int op)
{
    if (op == 0) {
        json_t *keys = d->mode == MAATD_MODE_ISOLATED ? maatd_signers_jwks(d) : json_array();
        mgmt_token(d, rq, rs,
                   keys ? json_pack("{s:{s:o}}", "x-ms-policy-certificates", "keys", keys) : NULL);
        return;
    }
    if (!authorized(d, rq, rs)) return;
    if (d->mode != MAATD_MODE_ISOLATED) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP,
                    "The operation is disallowed: policy-management certificates can only be "
                    "changed on an isolated instance (maatd --mode isolated); this one is %s.",
                    d->mode == MAATD_MODE_AAD ? "aad" : "shared");
        return;
    }
    struct mgmt_req m = {0};
    struct maat_error err = {0};
    X509 *cert = NULL;
    maatd_policies_write_lock(d, true); /* as for policies: check and change as one */
    if (mgmt_parse(d, rq, rs, &m) != 0) goto out;
    cert = payload_cert(m.jws.payload, &err);
    if (cert == NULL) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "%s", err.msg);
        goto out;
    }
    char th[41];
    bool changed = false;
    if (maatd_cert_thumbprint(cert, th, &err) != 0) {
        maatd_error(rq, rs, 500, "InternalError", "%s", err.msg);
        goto out;
    }
    char what[96];
    snprintf(what, sizeof what, "certificates:%s %s", op == 1 ? "add" : "remove", th);
    unsigned char *der = NULL;
    int der_len = i2d_X509(cert, &der);
    if (der_len <= 0) {
        maatd_error(rq, rs, 400, CODE_INVALID_OP, "policyCertificate: cannot encode as DER");
        goto out;
    }
    struct change c;
    change_init(&c);
    int done = -1;
    for (int attempt = 0; done != 0 && attempt < CHANGE_ATTEMPTS; attempt++) {
        change_cleanup(&c);
        /* the current state, from the store (replicas may have changed it) */
        uint8_t *val = NULL;
        size_t vlen = 0;
        uint64_t ver = 0;
        struct maat_error gerr = {0};
        if (maat_store_get(d->store, "signers", th, &val, &vlen, &ver, &gerr) != 0) {
            if (gerr.code != MAAT_ERR_NOT_FOUND) {
                store_error(rq, rs, &gerr);
                break;
            }
            ver = 0;
        }
        free(val);
        bool present = ver != 0;
        /* a removal keeps another signer: one that stays, locked by the batch */
        char other[41] = "";
        size_t nstored = 0;
        if (stored_signers(d, th, other, &nstored, &err) != 0) {
            store_error(rq, rs, &err);
            break;
        }
        if (op == 1 && !present && nstored >= MAATD_MAX_SIGNERS) {
            maatd_error(rq, rs, 400, CODE_INVALID_OP,
                        "The operation is disallowed: the instance already has %d "
                        "policy-management certificates",
                        MAATD_MAX_SIGNERS);
            break;
        }
        /* refused anyway: checked before the request is recorded as applied */
        if (op == 2 && present && other[0] == '\0') {
            maatd_error(rq, rs, 400, CODE_INVALID_OP,
                        "The operation is disallowed: certificate %s is the last "
                        "policy-management certificate of this isolated instance and cannot be "
                        "removed (add another one first)",
                        th);
            break;
        }
        int g = replay_check(d, rq, rs, &m, op == 1 ? MAATD_GUARD_CERT_ADD : MAATD_GUARD_CERT_REMOVE,
                             op == 1 ? present : !present, what);
        if (g < 0) break;
        if (g == 0) {
            done = 0;
            break;
        }
        if (change_guard(d, rq, rs, &m, what, &c) != 0) break;
        if (op == 1 && !present)
            change_add(&c, MAAT_STORE_OP_PUT, "signers", th, der, (size_t)der_len, 0);
        else if (op == 1)
            change_add(&c, MAAT_STORE_OP_CHECK, "signers", th, NULL, 0, ver);
        else if (present) {
            change_add(&c, MAAT_STORE_OP_CHECK, "signers", th, NULL, 0, ver);
            change_add(&c, MAAT_STORE_OP_CHECK, "signers", other, NULL, 0, UINT64_MAX);
            change_add(&c, MAAT_STORE_OP_DELETE, "signers", th, NULL, 0, ver);
        } else
            change_add(&c, MAAT_STORE_OP_CHECK, "signers", th, NULL, 0, 0);
        done = change_commit(d, rq, rs, &m, what, &c);
        if (done < 0) break;
        if (done == 0) {
            changed = op == 1 ? !present : present;
            /* in force here before the answer: the set as the store now holds it */
            if (changed && maatd_signers_reload(d, &err) != 0) {
                maatd_store_status_note(&err);
                maatd_error(rq, rs, 503, "ServiceUnavailable",
                            "The change was committed to the store, but this replica could not "
                            "re-read the signer set (%s); retry the same request: it is then "
                            "answered from the committed state",
                            err.msg);
                done = -1;
            }
        }
    }
    change_cleanup(&c);
    OPENSSL_free(der);
    if (done > 0)
        maatd_error(rq, rs, 409, "Conflict",
                    "The policy-management certificates were changed concurrently by other "
                    "requests %d times; nothing was changed by this one, retry it",
                    CHANGE_ATTEMPTS);
    if (done != 0) goto out;
    if (changed)
        maatd_log("info", "policy-management certificate %s %s %s", th,
                  op == 1 ? "added" : "removed", m.who);
    mgmt_token(d, rq, rs,
               json_pack("{s:s, s:s}", "x-ms-certificate-thumbprint", th,
                         "x-ms-policycertificates-result", op == 1 ? "IsPresent" : "IsAbsent"));
out:
    maatd_policies_write_lock(d, false);
    X509_free(cert);
    mgmt_req_cleanup(&m);
}
