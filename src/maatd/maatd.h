/*
 * maatd.h - internal interfaces of maatd, the MAA-compatible attestation service.
 *
 * One file per concern: config.c (flags and config file), server.c (libmicrohttpd,
 * limits, TLS, body accumulation), routes.c (routing table, api-version), errors.c (MAA
 * error form), attest_route.c, keys.c (signing keys in the store), metadata.c (/certs,
 * OpenID), policy_state.c (stored policies and policy signers), policy_routes.c
 * (/policies, /certificates), replay_guard.c (replayed management requests),
 * collateral_wait.c (requests suspended while collateral is fetched), health.c,
 * log.c, metrics.c, main.c (start-up, signals, shutdown).
 * Everything built at start-up (trust set, caches, key ring, JWKS text) is shared
 * read-mostly by the request threads.
 */
#ifndef MAATD_H
#define MAATD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

#include "maat/bytes.h"
#include "maat/error.h"
#include "maat/attest.h"
#include "maat/jose.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "maat/verify.h"
#include "maat/version.h"

#define MAATD_VERSION MAAT_VERSION_STRING /* project(VERSION) in CMakeLists.txt */
#define MAATD_MAX_TRUST_ROOTS 16
#define MAATD_TOKEN_LIFETIME 28800        /* 8 h, as MAA's attestation tokens */
#define MAATD_PCK_CACHE_SIZE_DEFAULT 4096 /* --pck-cache-size (docs/maatd.md) */
#define MAATD_ISSUER_MAX 300
#define MAATD_MGMT_TOKEN_LIFETIME 3600 /* 1 h, as MAA's policy/certificate tokens */
#define MAATD_MAX_POLICY_SIGNERS 16    /* --policy-signer files at start-up */
#define MAATD_MAX_ALLOW_ADVISORIES MAAT_VERDICT_MAX_ADVISORIES /* --allow-advisory IDs */
#define MAATD_MAX_SIGNERS 100          /* policy-management certificates of an instance */

/* ---- configuration (config.c) ---- */

struct maatd_config {
    char *listen;                 /* HOST:PORT (port 0 = ephemeral, URL printed on stdout) */
    char *store;                  /* "sqlite:PATH" or PATH */
    char *sim;                    /* simulated platform directory */
    char *pccs;                   /* PCS / PCCS base URL */
    char *collateral_source;      /* "intel", "azure" or a PCS/PCCS URL (--collateral-source) */
    char *collateral_azure_url;   /* THIM base for --collateral-source azure (default global) */
    char *collateral;             /* bundle file or directory */
    char *test_verification_time; /* tests: verify at this time instead of now */
    char *trust_roots[MAATD_MAX_TRUST_ROOTS];
    size_t n_trust_roots;
    char *tls_cert, *tls_key; /* PEM files */
    char *issuer;             /* fixed issuer, or NULL = derived per request */
    char *alg;                /* RS256 | ES256 | PS256 */
    bool rotate_key;          /* make a new current key at start-up */
    bool pccs_insecure;       /* skip TLS verification of the PCCS (test setups) */
    bool allow_debug_td;      /* TdxVm appraisal opt-ins (struct maat_tdx_opts) */
    bool allow_reserved_td_attributes;
    bool allow_sept_ve;
    bool allow_service_td;
    char *pccs_api_key;
    long pccs_connect_timeout_ms; /* PCCS client: per attempt */
    long pccs_read_timeout_ms;    /* no byte for this long ends an attempt (0 = off) */
    long pccs_timeout_ms;         /* whole request, per attempt */
    long pccs_attempts;
    long collateral_wait_ms; /* how long a request waits for a fetch in flight */
    long collateral_retry_s; /* negative cache after a failed fetch */
    long threads;            /* 0 = number of CPUs */
    long max_connections;
    long timeout;                  /* seconds of inactivity before a connection is dropped */
    long max_body;                 /* bytes */
    long conn_memory;              /* bytes of header/request memory per connection */
    long policy_max_issued_claims; /* maat_policy_limits.max_issued_claims */
    long policy_max_claim_value;   /* .max_claim_value, bytes */
    long policy_max_issued_bytes;  /* .max_issued_bytes, bytes */
    long max_token_size;           /* maat_claims_input.max_payload, bytes */
    long key_retention;            /* seconds a retired key stays in /certs */
    long shutdown_grace;           /* seconds to wait for in-flight requests on SIGTERM */
    char *log_format;              /* "text" (logfmt) | "json" */
    long log_flush_ms;             /* request log lines batched this long at most (0 = none) */
    char *config;                  /* config file it was read from (for messages) */
    char *mode;                    /* "shared" | "aad" | "isolated" (policy management) */
    char *admin_token_file;        /* bearer token for management writes (aad: required) */
    char *policy_signers[MAATD_MAX_POLICY_SIGNERS]; /* isolated: initial signer PEMs */
    size_t n_policy_signers;
    char *signer_quote; /* "auto" | "gramine" | "sim" | "none": signer quote provider */
    /* issue 14: pinned baselines, grace period, THIM region (docs/maatd.md) */
    long collateral_max_pinned;    /* pinned collateral sets per cache */
    char *collateral_azure_region; /* THIM customParameter region= (NULL = none) */
    long tcb_grace_days;           /* grace period in days after a TCB recovery; -1 = off */
    char *tcb_eval_numbers_source; /* "intel" or a PCS/PCCS URL: the list's source (NULL =
                                      the collateral source) */
    /* HTTP edge limits (server.c, conn_guard.c; docs/maatd.md "Limits") */
    long header_timeout;      /* seconds for the request line + headers (deadline) */
    long max_conn_per_client; /* concurrent connections per client address */
    long max_body_total;      /* bytes of request bodies buffered at once, all connections */
    long max_response_total;  /* bytes of responses queued and not yet sent, all connections */
    char *health_listen;      /* HOST:PORT of the reserve listener (/healthz, /ready, /metrics) */
    /* TCB policy of every attestation (issue 14; docs/maatd.md "TCB policy") */
    char *min_tcb_status;    /* --min-tcb-status STATUS (a TCB status name), or NULL */
    long max_collateral_age; /* --max-collateral-age DAYS; 0 = no maximum */
    char *allow_advisories[MAATD_MAX_ALLOW_ADVISORIES]; /* --allow-advisory ID... */
    size_t n_allow_advisories;
    struct maat_verify_opts tcb_opts; /* the three above, checked by maatd_config_parse:
                                         maat_attest_ctx.verify of every /attest route */
    long pck_cache_size;      /* --pck-cache-size (0 = MAATD_PCK_CACHE_SIZE_DEFAULT) */
    char *origin[64];         /* per option: where it was set ("FILE:LINE" or NULL = flag) */
};

/* Fills defaults. */
void maatd_config_defaults(struct maatd_config *c);
/* Parses argv (and the --config file, flags overriding it). Returns 0 ready to run,
 * 1 when --help/--version was handled (exit 0), -1 on a usage error (message printed). */
int maatd_config_parse(struct maatd_config *c, int argc, char **argv);
void maatd_config_free(struct maatd_config *c);

/* ---- metrics (metrics.c) ---- */

enum maatd_route_id {
    MAATD_R_ATTEST_SGX = 0,
    MAATD_R_ATTEST_OE,
    MAATD_R_ATTEST_OTHER,
    MAATD_R_CERTS,
    MAATD_R_OPENID,
    MAATD_R_POLICIES,
    MAATD_R_CERTIFICATES,
    MAATD_R_METRICS,
    MAATD_R_HEALTH,
    MAATD_R_UNKNOWN,
    MAATD_R__COUNT
};
const char *maatd_route_name(enum maatd_route_id r);

#define MAATD_LAT_BUCKETS 13
#define MAATD_STATUS_SLOTS 13
#define MAATD_VERDICT_SLOTS 16
#define MAATD_COLL_SLOTS 32

struct maatd_collateral_seen {
    uint8_t fmspc[6];
    int ca;
    time_t fetched_at, not_after;
    bool stale;
};

struct maatd_metrics {
    atomic_uint_fast64_t requests[MAATD_R__COUNT][MAATD_STATUS_SLOTS];
    atomic_uint_fast64_t lat_bucket[MAATD_R__COUNT][MAATD_LAT_BUCKETS];
    atomic_uint_fast64_t lat_count[MAATD_R__COUNT];
    atomic_uint_fast64_t lat_sum_us[MAATD_R__COUNT];
    atomic_uint_fast64_t verdicts[MAATD_VERDICT_SLOTS]; /* by maat_tcb_status, + failed */
    atomic_uint_fast64_t tokens_issued;
    atomic_uint_fast64_t dropped_too_large;
    pthread_mutex_t coll_mu;
    struct maatd_collateral_seen coll[MAATD_COLL_SLOTS];
    size_t n_coll;
    time_t started;
};

void maatd_metrics_init(struct maatd_metrics *m);
void maatd_metrics_cleanup(struct maatd_metrics *m);
void maatd_metrics_request(struct maatd_metrics *m, enum maatd_route_id r, unsigned status,
                           uint64_t latency_us);
/* `status` is a maat_tcb_status, or -1 for "verification failed". */
void maatd_metrics_verdict(struct maatd_metrics *m, int status);
void maatd_metrics_collateral(struct maatd_metrics *m, const uint8_t fmspc[6], int ca,
                              time_t fetched_at, time_t not_after, bool stale);

/* ---- keys (keys.c) ---- */

struct maatd_keys;
struct maatd;

/* Refuses (MAAT_ERR_USAGE, naming both) a key retention shorter than the token lifetime:
 * retired keys must stay in /certs as long as tokens they signed are valid. main() calls
 * it before opening anything (exit 2); maatd_keys_open checks again. */
int maatd_keys_check_retention(long key_retention, long token_lifetime, struct maat_error *err);
/* Loads the key ring from the store, generating the first key (or a new current one when
 * rotate is set), issues certificates for `cert_issuer`, drops retired keys older than
 * the retention. */
int maatd_keys_open(struct maatd *d, bool rotate, struct maatd_keys **out, struct maat_error *err);
void maatd_keys_free(struct maatd_keys *k);
/* Generates a new current key, retiring the old one (kept in /certs for the retention). */
int maatd_keys_rotate(struct maatd *d, struct maat_error *err);
/* Drops retired keys past the retention (from the store and /certs). */
int maatd_keys_prune(struct maatd *d, time_t now, struct maat_error *err);
/* Reloads the ring when the store's keys/current changed (a rotation by another replica or
 * by `maat key rotate`), or always with `force`; *changed = the current kid changed. */
int maatd_keys_sync(struct maatd *d, bool force, bool *changed, struct maat_error *err);
/* Signs a token with the current key: header {"alg","jku","kid","typ":"JWT"}, the payload
 * text as given (maat__claims_payload_text). Returns malloc'd compact JWS. */
char *maatd_keys_sign_text(struct maatd *d, const char *issuer, const char *payload, size_t len,
                           struct maat_error *err);
/* The same token appended to out (out unchanged on failure). */
int maatd_keys_sign_into(struct maatd *d, const char *issuer, const char *payload, size_t len,
                         struct maat_buf *out, struct maat_error *err);
/* The same for a JSON payload, written with sorted keys. */
char *maatd_keys_sign(struct maatd *d, const char *issuer, const json_t *payload,
                      struct maat_error *err);
/* An unsigned token (MAA's draft-policy form): the same header with alg "none", empty
 * signature. Returns malloc'd compact JWS. */
char *maatd_keys_unsigned_text(struct maatd *d, const char *issuer, const char *payload, size_t len,
                               struct maat_error *err);
/* The current JWKS text (malloc'd copy). */
char *maatd_keys_jwks(struct maatd *d, size_t *len);
/* The current kid (copied into buf). */
void maatd_keys_current_kid(struct maatd *d, char *buf, size_t cap);
size_t maatd_keys_count(struct maatd *d);

/* ---- policies and policy signers (policy_state.c) ---- */

enum maatd_mode { MAATD_MODE_SHARED = 0, MAATD_MODE_AAD, MAATD_MODE_ISOLATED };
#define MAATD_POLICY_TYPES \
    3 /* indexed by enum maat_attest_route: SgxEnclave, OpenEnclave,
                                TdxVm */

/* An active attestation policy: parsed once, immutable, shared by the request threads
 * (reference counted: a request keeps the policy it started with even if it is replaced
 * meanwhile). */
struct maatd_policy {
    atomic_int refs;
    struct maat_policy *parsed;
    char *text; /* policy text (NUL-terminated) */
    size_t text_len;
    char hash[MAAT_POLICY_HASH_LEN + 1]; /* x-ms-policy-hash */
    char *jws;        /* the JWS as stored: verbatim request, or the default as an
                                   unsigned JWS */
    json_t *signer;   /* {"kty":"RSA","x5c":[...]} when set via a signed JWS */
    uint64_t version; /* store record version; 0 = the built-in default */
};

struct maatd_policies;

/* Loads stored policies (namespace "policies") and policy-management certificates
 * (namespace "signers"; seeded from --policy-signer when empty) and parses the default
 * policy. Isolated mode needs at least one signer. */
int maatd_policies_open(struct maatd *d, struct maat_error *err);
void maatd_policies_free(struct maatd *d);
/* The active policy for type (0 SgxEnclave, 1 OpenEnclave, 2 TdxVm), with a reference taken. */
struct maatd_policy *maatd_policy_acquire(struct maatd *d, unsigned type);
void maatd_policy_release(struct maatd_policy *p);
/* Builds a policy object from a policy text (parsing it); perr set on a parse error. */
struct maatd_policy *maatd_policy_new(const char *text, size_t len, const char *jws,
                                      const json_t *signer, uint64_t version,
                                      struct maat_policy_error *perr);
/* Makes `p` (reference stolen; NULL = the default) the active policy of `type`. */
void maatd_policy_install(struct maatd *d, unsigned type, struct maatd_policy *p);
/* Re-reads the store and re-parses a policy whose record version changed (replicas sharing
 * a store); signers are re-read too. */
int maatd_policies_refresh(struct maatd *d, struct maat_error *err);
/* Takes (lock = true) / releases the management write lock: held around a store write and
 * the matching in-memory change (and by the refresh), so the two never interleave. */
void maatd_policies_write_lock(struct maatd *d, bool lock);
/* Extracts the policy text from a JWS payload {"AttestationPolicy": b64url(text) | text}
 * (malloc'd, NUL-terminated). -1 with a message naming what is wrong. */
int maatd_policy_text_from_payload(const json_t *payload, char **text, size_t *len,
                                   struct maat_error *err);

/* Policy-management certificates (isolated mode). */
struct maatd_signer {
    X509 *cert;
    uint8_t *der;
    size_t der_len;
    char thumb[41]; /* upper-case hex SHA-1 of the DER */
};
/* Whether cert (by DER) is in the set. */
bool maatd_signers_contains(struct maatd *d, const X509 *cert);
/* Adds (idempotent) / removes a certificate, persisting the set. Remove refuses the last
 * one (MAAT_ERR_VALUE). *changed says whether the set changed. */
int maatd_signers_add(struct maatd *d, X509 *cert, bool *changed, struct maat_error *err);
int maatd_signers_remove(struct maatd *d, X509 *cert, bool *changed, struct maat_error *err);
/* Whether the store holds the signer with this thumbprint (the state replicas share). */
int maatd_signers_stored(struct maatd *d, const char *thumb, bool *present, struct maat_error *err);
/* Re-reads the set from the store into memory (after a change written by a store batch;
 * the caller holds the write lock). */
int maatd_signers_reload(struct maatd *d, struct maat_error *err);
/* -1 (MAAT_ERR_VALUE, remove's message) when cert is the last signer, else 0. */
int maatd_signers_removable(struct maatd *d, const X509 *cert, struct maat_error *err);
/* The set as JWKs {"alg":"RS256","kty":"RSA","use":"sig","x5c":[...]} (new array). */
json_t *maatd_signers_jwks(struct maatd *d);
/* Upper-case hex SHA-1 of a certificate's DER. */
int maatd_cert_thumbprint(const X509 *cert, char out[41], struct maat_error *err);

/* ---- the service ---- */

struct maatd {
    struct maatd_config cfg;
    struct maat_store *store;
    struct maat_trust *trust;
    struct maat_collateral_source *source;
    struct maat_collateral_source *eval_nums_source; /* --tcb-eval-numbers-source, or NULL */
    struct maat_collateral_cache *cache;     /* SGX collateral */
    struct maat_collateral_cache *cache_tdx; /* TDX collateral (TD quotes), same source */
    struct maat_pck_cache *pck_cache;
    time_t verify_at; /* --test-verification-time; 0 = now */
    struct maatd_keys *keys;
    struct maatd_metrics metrics;
    struct MHD_Daemon *daemon;
    bool tls;
    char listen_url[MAATD_ISSUER_MAX];  /* http(s)://HOST:PORT as bound */
    char cert_issuer[MAATD_ISSUER_MAX]; /* CN of the signing certificates */
    uint8_t *tls_cert_pem, *tls_key_pem;
    atomic_int inflight;
    atomic_bool ready;
    atomic_bool stopping;
    struct maat_attester *signer; /* quote provider of the signer quote (--signer-quote);
                                           NULL = certificates without a quote. Used by the
                                           main thread only (start-up, rotation, pruning). */
    char policy_hash[MAAT_POLICY_HASH_LEN + 1]; /* x-ms-policy-hash of the default policy */
    enum maatd_mode mode;
    uint8_t *admin_token; /* --admin-token-file contents (trimmed) or NULL */
    size_t admin_token_len;
    struct maatd_policies *policies;
    /* HTTP edge (server.c, conn_guard.c) */
    struct MHD_Daemon *health_daemon; /* --health-listen reserve, or NULL */
    char health_url[MAATD_ISSUER_MAX];
    struct maatd_guard *guard; /* header deadline */
    bool listen_usage_error;   /* start-up failed on a bad --listen (exit 2) */
    atomic_size_t body_bytes;  /* request body memory held (buffer capacity) */
    atomic_size_t resp_bytes;  /* response bodies queued, not yet completed */
    atomic_uint_fast64_t refused_body_cap, refused_resp_cap;
    struct maatd_waits *waits; /* requests suspended for collateral, or NULL */
};

/* ---- requests and responses (server.c, routes.c) ---- */

/* One request header, as received (name compared case-insensitively). */
struct maatd_header {
    const char *name, *value;
};

struct maatd_request {
    struct MHD_Connection *conn;        /* NULL outside libmicrohttpd (maatd_handle) */
    const struct maatd_header *headers; /* the request's headers (request.c looks them up) */
    size_t n_headers;
    const char *query; /* raw query string after '?' (percent-encoded), or NULL */
    size_t nul_at;     /* 1 + offset of an encoded NUL in the raw URI, or 0 */
    size_t n_params;   /* query parameters in the raw URI */
    const char *method;
    const char *path;
    struct maat_buf body;
    bool too_large;
    bool early_reply;
    char request_id[40];
    struct timespec start;
    enum maatd_route_id route;
    const char *verdict;    /* for logs: TCB status or "failed" */
    const char *error_code; /* for logs: MAA error code */
    bool api_2025;          /* ?api-version=2025-06-01: 2025 error shape (errors.c) */
    char issuer[MAATD_ISSUER_MAX];
    char client[64];                    /* client address (numeric) for the log */
    char reason[256];                   /* for logs: why a 4xx/5xx (the unredacted message) */
    struct maat_collateral_wait *cwait; /* non-NULL: a collateral wait may suspend the
                                           request (server.c) instead of blocking */
    bool suspend;                       /* set by the route: no answer yet, suspend and re-run */
};

struct maatd_response {
    unsigned status;
    char *body; /* malloc'd */
    size_t len;
    const char *content_type; /* default application/json; charset=utf-8 */
    const char *allow;        /* Allow header (405) */
    char ms_error_code[64];   /* x-ms-error-code (api-version 2025-06-01 errors) or "" */
};

/* server.c */
int maatd_server_start(struct maatd *d, struct maat_error *err);
void maatd_server_stop(struct maatd *d);
/* request.c: a request's parts without libmicrohttpd. */
#define MAATD_MAX_QUERY_PARAMS 32 /* more query parameters: 400 (MAA's routes take 1) */
/* The issuer for this request: --issuer, else http(s):// + Host header (when it is a
 * well-formed host[:port]), else the listen URL. */
void maatd_request_issuer(const struct maatd *d, const struct maatd_request *rq, char *out,
                          size_t cap);
/* The first header `name` (case-insensitive), or NULL. */
const char *maatd_request_header(const struct maatd_request *rq, const char *name);
/* The first query parameter `name` (case-insensitive, as libmicrohttpd), percent- and
 * '+'-decoded into buf (cap bytes); NULL when absent or without '='. */
const char *maatd_request_query(const struct maatd_request *rq, const char *name, char *buf,
                                size_t cap);
/* Notes an encoded NUL and counts the query parameters of a raw URI (rq->nul_at,
 * rq->n_params); returns the query (after '?') or NULL. */
const char *maatd_uri_scan(struct maatd_request *rq, const char *uri);
/* Checks of the request head before routing (encoded NUL, query parameter count, Host,
 * Transfer-Encoding). False with rs filled (4xx in MAA's form) when it must be refused. */
bool maatd_request_head_ok(struct maatd_request *rq, const char *version, struct maatd_response *rs);
/* maatd_request_head_ok, then (reserve: the --health-listen listener) 404 for any path
 * but the reserve routes. False with rs filled when refused before the body. */
bool maatd_request_precheck(struct maatd_request *rq, const char *version, bool reserve,
                            struct maatd_response *rs);

/* collateral_wait.c: requests waiting for a collateral fetch, suspended (no thread held). */
struct maatd_waits;
struct maat_collateral_wait;
struct maat_collateral_lookup;
/* Starts the thread that resumes them; registers as the idle callback of both caches
 * (SGX and TDX; either may be NULL). NULL when out of resources. */
struct maatd_waits *maatd_waits_start(struct maat_collateral_cache *cache,
                                      struct maat_collateral_cache *cache_tdx);
/* Resumes every waiting request (they are re-run and see `stopping`), joins the thread;
 * maatd_waits_add fails from then on. Free after the daemon stopped. */
void maatd_waits_stop(struct maatd_waits *ws);
void maatd_waits_free(struct maatd_waits *ws);
/* Lists a suspended connection: resumed when the wait module's generation (given by
 * maatd_collateral_get in rq->cwait->gen) is newer than gen, or at deadline
 * (CLOCK_MONOTONIC). False (not listed) when stopping or out of memory. */
bool maatd_waits_add(struct maatd_waits *ws, struct MHD_Connection *conn,
                     const struct timespec *deadline, uint64_t gen);
/* maat_collateral_cache_get for a request: with rq->cwait set, returns 1 and sets
 * rq->suspend instead of waiting for a fetch in flight (nothing held); the route then
 * returns without an answer and is run again when resumed. Lookups in d->cache (SGX) and
 * d->cache_tdx (TDX) are suspended (the wait thread follows both); others wait. eval_num:
 * the TCB evaluation data number pinned (0 = the default set; maat_collateral_cache_get_num). */
int maatd_collateral_get(struct maatd *d, struct maatd_request *rq,
                         struct maat_collateral_cache *cache, const uint8_t fmspc[6],
                         enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                         struct maat_collateral_lookup *out, struct maat_error *err);
/* The newest TCB evaluation data number of `cache`'s list and its tcbRecoveryEventDate for
 * a request (maat_collateral_cache_newest), 0 and 0 when unknown (the grace check then
 * fails closed). Why it is unknown is not wanted per request: no message is formatted
 * (a source without a list, the common case, would format one on every attestation). */
void maatd_collateral_newest(struct maat_collateral_cache *cache, time_t now, uint32_t *num,
                             time_t *recovery);
/* The same for a request's second lookup (the grace period's previous number, issue 14):
 * its wait state is kept apart from the first one's (rq->cwait->second_*). */
int maatd_collateral_get_second(struct maatd *d, struct maatd_request *rq,
                                struct maat_collateral_cache *cache, const uint8_t fmspc[6],
                                enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                                struct maat_collateral_lookup *out, struct maat_error *err);

/* conn_guard.c: the header deadline (--header-timeout). */
struct maatd_guard;
struct maatd_guard *maatd_guard_start(long deadline_s);
void maatd_guard_stop(struct maatd_guard *g);
/* MHD_OPTION_NOTIFY_CONNECTION callback (cls = the guard). */
void maatd_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code);
/* Headers complete (true), or the request finished and the next one's deadline starts. */
void maatd_guard_request(struct maatd_guard *g, struct MHD_Connection *c, bool in_request);
bool maatd_guard_killed(struct maatd_guard *g, struct MHD_Connection *c);
uint64_t maatd_guard_closed_total(const struct maatd_guard *g);

/* routes.c */
void maatd_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs);

/* route_reserve.c (leaf): whether path is one of the reserve routes (/healthz, /ready,
 * /metrics). */
bool maatd_route_is_reserve(const char *path);

/* errors.c: fills rs with MAA's error form. */
void maatd_error(struct maatd_request *rq, struct maatd_response *rs, unsigned status,
                 const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Copies msg into out (cap bytes) with URLs and absolute file paths other than maatd's
 * routes and request_path replaced by "<url>" / "<path>" (error bodies). */
void maatd_redact(const char *msg, const char *request_path, char *out, size_t cap);
/* Sets a JSON body (serialised compact, order preserved; steals nothing). */
void maatd_json_response(struct maatd_response *rs, unsigned status, const json_t *body);

/* Route handlers. */
void maatd_attest(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                  enum maat_attest_route route);
/* policy_routes.c: GET/PUT /policies/{type}, POST :reset (type 0/1/2), GET /certificates,
 * POST /certificates:add / :remove. */
void maatd_policy_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                        unsigned type, bool reset);
void maatd_certificates_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                              int op /* 0 get, 1 add, 2 remove */);
void maatd_certs(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs);
/* GET /tcbbaselines/SgxEnclave (api-version 2025-06-01; tcbbaselines.c). */
void maatd_tcbbaselines(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs);
void maatd_openid(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs);
/* POST /revoke: RFC 7009 answer "unsupported_token_type" (tokens expire, none is revoked). */
void maatd_revoke(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs);
void maatd_metrics_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs);
void maatd_health(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                  bool readiness);

/* metrics.c: Prometheus text exposition (malloc'd). */
char *maatd_metrics_render(struct maatd *d, size_t *len);

/* log.c */
void maatd_log_init(const char *format);
/* Request lines in batches written at most flush_ms after the first (0: one write per
 * line); call with signals blocked (the writer thread inherits the mask). */
int maatd_log_start(long flush_ms);
void maatd_log_stop(void); /* writes out the rest and ends the writer thread */
void maatd_log_request(const struct maatd_request *rq, const struct maatd_response *rs,
                       uint64_t latency_us, size_t bytes_in);
void maatd_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fresh random GUID (8-4-4-4-12 lower-case hex). */
void maatd_guid(char out[37]);

#endif /* MAATD_H */
