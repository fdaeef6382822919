/*
 * collateral_source.h - where raw DCAP collateral comes from, and the cache in front.
 *
 * A source answers fetch(FMSPC, PCK CA, time) with the raw bytes of one collateral set
 * (TCB info, QE identity, Root CA CRL, the PCK CA's CRL and the issuer chains), owned
 * by a struct maat_collateral_raw whose maat_collateral_raw_input() view is exactly
 * what maat_collateral_verify() (include/maat/verify.h) takes. Sources do light sanity
 * checks so that errors name the file or URL at fault (JSON shape, FMSPC, which CA a CRL
 * belongs to); the cryptographic verification is the verifier's.
 *
 * Sources:
 *   bundle - a dcap-qvl layout JSON file (one per PCK CA),
 *   dir    - a directory: Intel's QVL sample layout (tcbInfo.json, qeIdentity.json,
 *            tcbSignChain.pem, pckSignChain.pem, rootCaCrl.der, intermediateCaCrl.der)
 *            or the simulated platform's PCS layout (DIR/pcs/tcb-FMSPC.json, ...),
 *   pccs   - Intel PCS or a PCCS over HTTPS (API v4 or v3), libcurl.
 *
 * The cache (maat_collateral_cache) keeps VERIFIED collateral per (FMSPC, PCK CA, TCB
 * evaluation number: 0 = the source's default, N = pinned, see _get_num) in
 * memory, persists the raw bytes in a store (src/store/store.h), refreshes before the
 * earliest nextUpdate, and serves last-good collateral - flagged - while the source is
 * unreachable, until it expires. Source fetches run on a thread of their own, one per
 * (FMSPC, PCK CA) at a time; a lookup waits for one at most wait_ms (counted from the
 * fetch's start), so a stalled source can never hold a caller longer than that.
 */
#ifndef MAAT_COLLATERAL_SOURCE_H
#define MAAT_COLLATERAL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maat/bytes.h"
#include "maat/error.h"
#include "maat/pck.h"
#include "maat/verify.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- raw collateral with owned buffers ---- */

struct maat_collateral_raw {
    struct maat_buf pck_crl_issuer_chain;  /* PEM */
    struct maat_buf root_ca_crl;           /* DER (or PEM) */
    struct maat_buf pck_crl;               /* DER (or PEM) */
    struct maat_buf tcb_info_issuer_chain; /* PEM */
    struct maat_buf tcb_info_json;         /* whole PCS response, or empty */
    struct maat_buf tcb_info_body;         /* bundle: signed body text ... */
    struct maat_buf tcb_info_signature;    /* ... and its hex r||s */
    struct maat_buf qe_identity_issuer_chain;
    struct maat_buf qe_identity_json;
    struct maat_buf qe_identity_body;
    struct maat_buf qe_identity_signature;
    char origin[256]; /* file or URL it came from */
};

/* Empties r (all buffers empty, origin ""). */
void maat_collateral_raw_init(struct maat_collateral_raw *r);
/* Frees r's buffers and zeroes it. */
void maat_collateral_raw_cleanup(struct maat_collateral_raw *r);
/* Views of r's buffers, valid while r is alive and unchanged. */
void maat_collateral_raw_input(const struct maat_collateral_raw *r, struct maat_collateral_input *in);
/* A self-describing binary encoding for persistence ("MAATCOL1", then each field as a
 * u32le length and bytes), appended to out. */
int maat_collateral_raw_serialize(const struct maat_collateral_raw *r, struct maat_buf *out,
                                  struct maat_error *err);
/* Parses what maat_collateral_raw_serialize wrote (strictly, through maat_reader). */
int maat_collateral_raw_deserialize(const uint8_t *p, size_t len, struct maat_collateral_raw *r,
                                    struct maat_error *err);

/* ---- sources ---- */

struct maat_collateral_source;

/* Which collateral: SGX (TCB info id SGX + QE identity) or TDX (TDX TCB info v3 + TD_QE
 * identity; the CRLs are the same). */
enum maat_collateral_tee { MAAT_COLLATERAL_SGX = 0, MAAT_COLLATERAL_TDX = 1 };
/* "sgx" / "tdx". */
const char *maat_collateral_tee_name(enum maat_collateral_tee tee);

struct maat_collateral_source_ops {
    const char *kind; /* "bundle", "dir", "pccs" */
    int (*fetch)(struct maat_collateral_source *s, const uint8_t fmspc[6], enum maat_pck_ca ca,
                 time_t at, struct maat_collateral_raw *out, struct maat_error *err);
    void (*free)(struct maat_collateral_source *s);
    /* TDX collateral for (fmspc, ca); NULL = this source has none (MAAT_ERR_UNSUPPORTED). */
    int (*fetch_tdx)(struct maat_collateral_source *s, const uint8_t fmspc[6], enum maat_pck_ca ca,
                     time_t at, struct maat_collateral_raw *out, struct maat_error *err);
    /* Collateral of `tee` for (fmspc, ca) whose TCB info and QE identity carry TCB
     * evaluation data number eval_num (> 0), asked of the source by number; NULL = this
     * source cannot be asked for a number (maat_collateral_source_can_pin). */
    int (*fetch_pinned)(struct maat_collateral_source *s, enum maat_collateral_tee tee,
                        const uint8_t fmspc[6], enum maat_pck_ca ca, uint32_t eval_num, time_t at,
                        struct maat_collateral_raw *out, struct maat_error *err);
};

/* Every source's handle starts with this. */
struct maat_collateral_source {
    const struct maat_collateral_source_ops *ops;
    char desc[300]; /* "dir /path", "pccs https://host/sgx/certification/v4" */
};

/* Fetches collateral for (fmspc, ca). `at` is the caller's clock (sources that keep
 * several generations may use it; the current ones ignore it). On failure `out` is
 * left empty and `err` names the file/URL and what was wrong; MAAT_ERR_NOT_FOUND means
 * the source has no collateral for that FMSPC / CA. Safe to call from several threads
 * at once for the sources below. */
int maat_collateral_source_fetch(struct maat_collateral_source *s, const uint8_t fmspc[6],
                                 enum maat_pck_ca ca, time_t at, struct maat_collateral_raw *out,
                                 struct maat_error *err);
/* The same for the collateral of `tee`: SGX is maat_collateral_source_fetch(); TDX asks
 * the source's fetch_tdx (dir: the sim layout's tdx-tcb-FMSPC.json and td-qe-identity.json;
 * pccs: /tdx/certification/v4/tcb and /qe/identity; bundle: a file whose TCB info id is
 * TDX), MAAT_ERR_UNSUPPORTED when the source has no fetch_tdx; a bundle or directory
 * without TDX collateral answers MAAT_ERR_NOT_FOUND. A bundle file with TDX collateral is
 * likewise NOT_FOUND for SGX. */
int maat_collateral_source_fetch_tee(struct maat_collateral_source *s, enum maat_collateral_tee tee,
                                     const uint8_t fmspc[6], enum maat_pck_ca ca, time_t at,
                                     struct maat_collateral_raw *out, struct maat_error *err);
/* Collateral of `tee` pinned to TCB evaluation data number eval_num: eval_num 0 is
 * maat_collateral_source_fetch_tee(); otherwise the source's fetch_pinned (pccs: Intel PCS
 * v4 / PCCS tcbEvaluationDataNumber=N, THIM customParameter=B64("tcbEvaluationDataNumber=N")),
 * MAAT_ERR_UNSUPPORTED for a source that cannot be asked for a number (bundle, dir). A 404
 * or 410 for the number is MAAT_ERR_NOT_FOUND with a message naming the number and what
 * the status means. The answer is checked to carry the number. */
int maat_collateral_source_fetch_pinned(struct maat_collateral_source *s,
                                        enum maat_collateral_tee tee, const uint8_t fmspc[6],
                                        enum maat_pck_ca ca, uint32_t eval_num, time_t at,
                                        struct maat_collateral_raw *out, struct maat_error *err);
/* Whether the source can be asked for a TCB evaluation data number (fetch_pinned). */
bool maat_collateral_source_can_pin(const struct maat_collateral_source *s);
/* Frees a source (NULL is fine). */
void maat_collateral_source_free(struct maat_collateral_source *s);
/* "kind location", for messages. */
const char *maat_collateral_source_describe(const struct maat_collateral_source *s);

/* dcap-qvl bundle files: one carrying the Processor CA's PCK CRL, one the Platform
 * CA's (either path may be NULL). Files are read on every fetch (at most
 * MAAT_COLLATERAL_MAX_INPUT bytes each). */
int maat_collateral_bundle_source_new(const char *processor_path, const char *platform_path,
                                      struct maat_collateral_source **out, struct maat_error *err);

/* A directory in Intel's sample layout or the sim's PCS layout (DIR or DIR/pcs), chosen
 * by which files exist at fetch time. In the Intel layout the PCK CRL file
 * (intermediateCaCrl.der/.pem) serves whichever CA its issuer names. */
int maat_collateral_dir_source_new(const char *dir, struct maat_collateral_source **out,
                                   struct maat_error *err);

/* Which URL scheme a PCCS source speaks. */
enum maat_pccs_scheme {
    MAAT_PCCS_SCHEME_PCS = 0, /* Intel PCS v4 / PCCS: update=, tcbEvaluationDataNumber= */
    MAAT_PCCS_SCHEME_THIM,    /* Azure THIM (maa-2025.md section 7): clientid=, api-version=,
                                 customParameter=B64(tcbEvaluationDataNumber=N), SGX CRLs
                                 by pckcrl?uri=<Intel CRL URL>, TDX CRLs under /tdx/ */
};

/* Intel PCS / PCCS client options. */
struct maat_pccs_opts {
    const char *base_url;        /* "https://api.trustedservices.intel.com" or a PCCS
                                    "https://host:8081"; "/sgx/certification/vN" is added */
    int api_version;             /* 4 (default) or 3 */
    long connect_timeout_ms;     /* per attempt (default 3000) */
    long timeout_ms;             /* whole request, per attempt (default 10000) */
    long read_timeout_ms;        /* give up an attempt when no byte arrived for this long
                                    (rounded up to whole seconds; default 3000; 0 = off) */
    unsigned max_attempts;       /* per request, >= 1 (default 3) */
    long backoff_ms;             /* wait before the 2nd attempt, doubling (default 250) */
    long backoff_max_ms;         /* cap (default 4000) */
    size_t max_response;         /* body bytes (default MAAT_COLLATERAL_MAX_INPUT) */
    const char *api_key;         /* Ocp-Apim-Subscription-Key for Intel PCS, or NULL */
    const char *ca_file;         /* TLS trust for the server, NULL = system default */
    bool insecure_tls;           /* skip TLS server verification (PCCS with a
                                    self-signed certificate; test setups only) */
    const char *root_ca_crl_url; /* where to get the Root CA CRL; NULL = the PCCS's
                                    /rootcacrl, or Intel's published CRL for Intel PCS */
    const char *update;          /* "early" or "standard" (sent as update=) or NULL */
    long tcb_eval_num;           /* > 0: sent as tcbEvaluationDataNumber= (excludes update) */
    long retry_after_max_s;      /* longest Retry-After honoured on 429 (default 60) */
    bool tdx;                    /* TDX TCB info and TD_QE identity (/tdx/certification/v4/);
                                    CRLs as for SGX (PCS v4 has no TDX CRL route) */
    enum maat_pccs_scheme scheme;
    const char *client_id;   /* THIM clientid= (default "production_client") */
    const char *thim_region; /* THIM: sent as region=R inside customParameter (with the
                                pinned number when there is one, alone otherwise); NULL =
                                none. 1..40 of [a-z0-9 ] (an Azure location name) */
};

/* Defaults as documented above; base_url stays NULL. base_url may be pasted in any of
 * its usual forms: "https://host", "https://host/", ".../sgx/certification/v4[/]" (the
 * version suffix is dropped and replaced by api_version's). */
void maat_pccs_opts_defaults(struct maat_pccs_opts *o);

/* A PCS/PCCS source (copies the options' strings). */
int maat_collateral_pccs_source_new(const struct maat_pccs_opts *o,
                                    struct maat_collateral_source **out, struct maat_error *err);

/* ---- TCB evaluation data numbers (/tcbevaluationdatanumbers) ---- */

struct maat_tcb_eval_num {
    uint32_t number;                 /* tcbEvaluationDataNumber */
    int64_t tcb_recovery_event_date; /* Unix seconds */
    int64_t tcb_date;
};

/* A verified list, in the order the server sent it (Intel: newest first). */
struct maat_tcb_eval_nums {
    char id[8]; /* "SGX" or "TDX" */
    uint32_t version;
    int64_t issue_date, next_update;
    uint32_t newest; /* the highest number listed */
    size_t n;
    struct maat_tcb_eval_num *items; /* owned */
};

/* Parses and verifies a /tcbevaluationdatanumbers response (eval_nums.c, no I/O):
 * {"tcbEvaluationDataNumbers": {...}, "signature": "128 hex"} (bounded, duplicate keys
 * refused). The issuer chain (PEM) must chain to `trust` (certificates valid at `at`, the
 * signer named "... TCB Signing"), and the signature (P-256, r||s) must verify over the exact
 * bytes of the tcbEvaluationDataNumbers value, as for tcbInfo: the coverage is unconfirmed
 * in maa-2025.md section 6, so this is the fail-closed reading. `want_id` ("SGX"/"TDX" or
 * NULL) must match the list's id; a list past its nextUpdate at `at` is refused. */
int maat_tcb_eval_nums_verify(const uint8_t *json, size_t len, const uint8_t *chain_pem,
                              size_t chain_len, const struct maat_trust *trust, time_t at,
                              const char *want_id, struct maat_tcb_eval_nums *out,
                              struct maat_error *err);
/* Frees out's items and zeroes it (safe on a zeroed struct). */
void maat_tcb_eval_nums_cleanup(struct maat_tcb_eval_nums *l);

/* GETs {base}/{sgx|tdx}/certification/v4/tcbevaluationdatanumbers from a PCCS source (the
 * TEE is the source's `tdx` option) and verifies it (maat_tcb_eval_nums_verify). The raw
 * body and chain are appended to json_out / chain_out when not NULL. */
int maat_collateral_fetch_eval_nums(struct maat_collateral_source *src,
                                    const struct maat_trust *trust, time_t at,
                                    struct maat_tcb_eval_nums *out, struct maat_buf *json_out,
                                    struct maat_buf *chain_out, struct maat_error *err);

/* The same for the list of `tee` ({base}/{sgx|tdx}/certification/v4/...), whatever the
 * source's own `tdx` option (a TDX-only source always asks for TDX's). */
int maat_collateral_fetch_eval_nums_tee(struct maat_collateral_source *src,
                                        enum maat_collateral_tee tee,
                                        const struct maat_trust *trust, time_t at,
                                        struct maat_tcb_eval_nums *out, struct maat_buf *json_out,
                                        struct maat_buf *chain_out, struct maat_error *err);
/* Whether the source serves /tcbevaluationdatanumbers: a PCS or PCCS source. Not a THIM
 * source (Azure's THIM does not serve the list: evaluation numbers are chosen through MAA
 * policy instead, Azure-DCAP-Client issue #205), nor files. */
bool maat_collateral_source_has_eval_nums(const struct maat_collateral_source *src);
/* The source's kind for messages: ops->kind, except "thim" for a PCCS source speaking THIM's
 * scheme (no URL: safe in answers). */
const char *maat_collateral_source_kind(const struct maat_collateral_source *src);

/* Counters of a PCCS source since creation (for tests and metrics). */
struct maat_pccs_stats {
    unsigned long requests; /* HTTP attempts made */
    unsigned long retries;  /* attempts after the first, per request */
    unsigned long failures; /* fetches that ended in an error */
};
/* Zeroes *out for a source that is not a PCCS source. */
void maat_collateral_pccs_stats(const struct maat_collateral_source *s, struct maat_pccs_stats *out);

/* ---- writing fetched collateral (fetch_write.c, for maat collateral fetch) ---- */

/* Appends r (with whole PCS responses in *_json, DER CRLs) as a dcap-qvl bundle JSON. */
int maat_collateral_raw_write_bundle(const struct maat_collateral_raw *r, struct maat_buf *out,
                                     struct maat_error *err);
/* Writes r into dir (created if missing) in the sim's PCS layout for (fmspc, ca). */
int maat_collateral_raw_write_dir(const struct maat_collateral_raw *r, const char *dir,
                                  const uint8_t fmspc[6], enum maat_pck_ca ca,
                                  struct maat_error *err);

/* ---- the verified-collateral cache ---- */

struct maat_collateral_cache;

struct maat_collateral_cache_opts {
    struct maat_collateral_source *source; /* borrowed; required */
    struct maat_store *store;              /* borrowed; NULL = memory only */
    const struct maat_trust *trust;        /* borrowed; required */
    time_t refresh_margin; /* refresh when now > not_after - margin (default 3600 s) */
    time_t retry_interval; /* after a failed refresh, serve last-good without asking the
                               source again for this long (default 60 s); with nothing
                               held, lookups fail at once for this long (negative cache) */
    long wait_ms;          /* how long lookups wait for a fetch in flight, counted from
                               the fetch's start (default 2000; 0 = do not wait) */
    /* Called once per failed source fetch (from the fetch's thread, no lock held), however
     * many lookups were waiting for it; NULL = none. `err` is the source's full message
     * (it names URLs: see maat_collateral_scrub_urls before logging or showing it). */
    void (*fetch_failed)(void *arg, const uint8_t fmspc[6], enum maat_pck_ca ca,
                         const char *source_kind, const struct maat_error *err);
    void *fetch_failed_arg;
    /* The same with the item's TCB evaluation data number (0 = the default entry, N = a
     * pinned one); called instead of fetch_failed when set (same fetch_failed_arg). */
    void (*fetch_failed_num)(void *arg, const uint8_t fmspc[6], enum maat_pck_ca ca,
                             uint32_t eval_num, const char *source_kind,
                             const struct maat_error *err);
    /* With a store shared by several replicas: a refresh is first claimed through the
     * store (a `collateral-fetch/<FMSPC>/<CA>` lease record taken by compare-and-swap,
     * valid for lease_secs of caller time); only the holder asks the source, the others
     * read the record it stores. A lease not released by then (holder died or hung) is
     * taken over. Default 120 s (longer than a PCCS fetch with its retries); 0 = no
     * claim, every cache fetches on its own. See docs/collateral.md. */
    time_t lease_secs;
    /* Which collateral this cache holds (default SGX). A TDX cache fetches with
     * maat_collateral_source_fetch_tee(TDX), accepts only TCB info with id TDX (an SGX cache
     * only id SGX), and keys its store and lease records "tdx/<FMSPC>/<CA>" so that both
     * caches can share one store. */
    enum maat_collateral_tee tee;
    /* Pinned entries (maat_collateral_cache_get_num with a number): at most this many
     * (FMSPC, CA, number) sets are held besides the default ones; one more evicts the
     * least recently looked-up idle pinned set (its store record stays, so it comes back
     * from the store). Default 32; 0 = every pinned lookup fails (MAAT_ERR_IO). */
    size_t max_pinned;
    /* Keep the /tcbevaluationdatanumbers list of this TEE (from eval_nums_source, else the
     * collateral source; one that serves it: maat_collateral_source_has_eval_nums): fetched
     * with a default entry's refresh, and by the first default lookup when none is held or
     * it is past nextUpdate - refresh_margin; a failed fetch is retried after
     * max(retry_interval, 600 s) and fails no lookup. In memory only.
     * maat_collateral_cache_newest. */
    bool eval_nums;
    /* Where the list comes from (borrowed; NULL = `source`): a source whose own list is
     * missing (Azure THIM) takes Intel's or a PCCS's (maatd --tcb-eval-numbers-source). */
    struct maat_collateral_source *eval_nums_source;
    /* The list is not waited for (a caller that only reports the newest number: maatd
     * without --tcb-grace-days): a fetch publishes the collateral before it asks for the
     * list, and no lookup waits for a list fetch in flight. Default false: lookups of a
     * default entry wait for the list as for the collateral (the grace period needs it). */
    bool eval_nums_background;
};

/* Zeroes o and sets the default margin, retry interval, wait and lease. */
void maat_collateral_cache_opts_defaults(struct maat_collateral_cache_opts *o);

/* Creates an empty cache; nothing is fetched until the first lookup. */
int maat_collateral_cache_new(const struct maat_collateral_cache_opts *o,
                              struct maat_collateral_cache **out, struct maat_error *err);
/* Frees the cache and its verified collateral. Release every lookup first. */
void maat_collateral_cache_free(struct maat_collateral_cache *c);

/* Where a lookup's answer came from. */
enum maat_collateral_origin {
    MAAT_COLLATERAL_FROM_MEMORY = 0, /* verified earlier, still fresh */
    MAAT_COLLATERAL_FROM_STORE,      /* loaded from the store and verified now */
    MAAT_COLLATERAL_FROM_SOURCE,     /* fetched and verified now */
};

struct maat_collateral_lookup {
    const struct maat_verified_collateral *vc; /* valid until _release */
    struct maat_collateral_window window;
    enum maat_collateral_origin origin;
    bool stale; /* the source could not be refreshed: this is last-good collateral,
                         still within its validity but past the refresh point */
    char stale_reason[MAAT_ERROR_MSG_MAX]; /* why the refresh failed (when stale) */
    time_t fetched_at; /* caller time when these bytes were fetched from the source */
    void *ref_;        /* internal */
};

/*
 * Verified collateral for (fmspc, ca) at caller time `now`. Fresh entries come from
 * memory with no I/O and no re-verification. When the entry is missing or past its
 * refresh point, the source is asked on a fetch thread (single flight: one fetch per
 * (fmspc, ca) at a time, at most one per retry_interval); the answer is verified once
 * (maat_collateral_verify at `now`), checked to be for this FMSPC and CA and not older
 * than what is held, persisted, and kept in memory. The lookup that started the fetch,
 * and lookups with nothing usable held, wait for it at most wait_ms after it started;
 * others are answered with the held last-good collateral at once. If the refresh fails
 * (or is still running at the deadline) and the held collateral has not expired
 * (now <= not_after), it is returned (stale = true when the refresh failed). With
 * nothing usable: -1 and err says why - MAAT_ERR_IO when the source could not be reached
 * or is still being asked (the caller may retry later), the source's code otherwise.
 * Thread-safe. Release every successful lookup.
 */
int maat_collateral_cache_get(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                              enum maat_pck_ca ca, time_t now, struct maat_collateral_lookup *out,
                              struct maat_error *err);

/* A lookup that must not hold its thread while a fetch is in flight (maatd's workers:
 * the request is suspended instead). Zero it before the first call; keep it for the
 * next calls of the same request. */
struct maat_collateral_wait {
    bool started;             /* in/out: an earlier call of this request started the fetch */
    bool saw_fetch;           /* in/out: ... or saw one in flight */
    uint64_t gen;             /* out (when 1): the cache's idle generation seen */
    struct timespec deadline; /* out (when 1): CLOCK_MONOTONIC end of the wait */
    /* Not read by the cache: maatd keeps here the started / saw_fetch of a request's second
     * lookup (the grace period's previous number, src/maatd/collateral_wait.c), so that it
     * outlives a suspension as the first one's does. */
    bool second_started, second_saw_fetch;
};
/* maat_collateral_cache_get, except where that would wait for an entry busy with a fetch
 * or a store load: returns 1 with w->deadline and w->gen set and nothing held. Call again
 * with the same w once the idle callback reports a generation other than w->gen, or at
 * w->deadline; the answer is then exactly what the waiting lookup would have given
 * (the collateral, last-good, or MAAT_ERR_IO "still being fetched" past the deadline). */
int maat_collateral_cache_get_nowait(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                                     enum maat_pck_ca ca, time_t now, struct maat_collateral_wait *w,
                                     struct maat_collateral_lookup *out, struct maat_error *err);
/* Sets the idle callback (NULL = none): called with the cache's lock held, so it must
 * not call into the cache, at once with the current generation, then whenever an entry
 * stops being busy (a fetch or store load ended) with the new generation. Once this
 * returns, the previous callback is not running and will not be called again. */
void maat_collateral_cache_set_on_idle(struct maat_collateral_cache *c,
                                       void (*on_idle)(void *arg, uint64_t gen), void *arg);

/* maat_collateral_cache_get (w NULL) or _get_nowait (w set) for the collateral pinned to
 * TCB evaluation data number eval_num (0 = the default entry, as those two). A pinned entry
 * is its own (FMSPC, CA, number) item with the same single flight, last-good, negative
 * cache, store persistence (key "<FMSPC>/<CA>/eval-<N>") and lease; it is fetched with
 * maat_collateral_source_fetch_pinned and holds only collateral whose TCB info and QE
 * identity both carry the number. A source that cannot pin, or answers 404/410 for the
 * number, fails with that error's code (MAAT_ERR_UNSUPPORTED / MAAT_ERR_NOT_FOUND), so a
 * caller can tell it from "not available now" (MAAT_ERR_IO). */
int maat_collateral_cache_get_num(struct maat_collateral_cache *c, const uint8_t fmspc[6],
                                  enum maat_pck_ca ca, uint32_t eval_num, time_t now,
                                  struct maat_collateral_wait *w,
                                  struct maat_collateral_lookup *out, struct maat_error *err);

/* The newest TCB evaluation data number of the kept list (o.eval_nums) and its
 * tcbRecoveryEventDate. -1 with err when there is no usable list (the source has none,
 * it was not fetched yet or could not be, or it is past its nextUpdate): the newest
 * number's recovery date is then unknown. */
int maat_collateral_cache_newest(struct maat_collateral_cache *c, time_t now, uint32_t *num,
                                 time_t *recovery_date, struct maat_error *err);

/* One TCB evaluation data number the cache knows. */
struct maat_collateral_number {
    uint32_t number;
    bool held;            /* collateral carrying it is held (not expired at `now`) */
    bool listed;          /* in the kept /tcbevaluationdatanumbers list */
    time_t tcb_date;      /* the list's tcbDate, else the held TCB info's newest level tcbDate */
    time_t recovery_date; /* the list's tcbRecoveryEventDate (0: unknown) */
};
/* The numbers the cache holds collateral for (by its TCB info) or knows from its list,
 * newest first, at most cap; returns how many were written. */
size_t maat_collateral_cache_numbers(struct maat_collateral_cache *c, time_t now,
                                     struct maat_collateral_number *out, size_t cap);

/* Drops the lookup's reference (the verified collateral may be freed if the cache has
 * replaced it meanwhile) and zeroes *l. */
void maat_collateral_lookup_release(struct maat_collateral_cache *c,
                                    struct maat_collateral_lookup *l);

/* Copies msg to out (cap bytes, always terminated) with every http:// or https:// URL
 * rewritten: keep_url = true drops its user:password@ part and its ?query (for logs);
 * keep_url = false replaces the whole URL with "<source URL>" (for HTTP error bodies,
 * which must not reveal where collateral comes from). */
void maat_collateral_scrub_urls(const char *msg, bool keep_url, char *out, size_t cap);

/* Counters since creation. */
struct maat_collateral_cache_stats {
    unsigned long hits;        /* answered from memory */
    unsigned long store_loads; /* entries loaded from the store */
    unsigned long fetches;     /* source fetches attempted */
    unsigned long fetch_failures;
    unsigned long stale_served;
    unsigned long verifications;      /* maat_collateral_verify calls */
    unsigned long wait_timeouts;      /* lookups that gave up waiting for a fetch in flight */
    unsigned long negative_hits;      /* lookups failed at once after a recent failed fetch */
    unsigned long shared_loads;       /* refreshes taken from the store, written by another cache */
    unsigned long lease_waits;        /* refreshes that found another cache's lease and did not
                                    fetch (the record did not appear within wait_ms) */
    unsigned long lease_takeovers;    /* expired leases of another holder taken over */
    unsigned long lease_store_errors; /* claims that could not run (store down): fetched
                                         without a claim */
};
/* A consistent snapshot of the counters. */
void maat_collateral_cache_stats(struct maat_collateral_cache *c,
                                 struct maat_collateral_cache_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_COLLATERAL_SOURCE_H */
