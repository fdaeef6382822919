/*
 * sim_pccs.h - a PCCS-compatible HTTP endpoint (libmicrohttpd) that serves a simulated
 * platform's collateral over the Intel PCS / PCCS API v4 (and v3) routes:
 *   GET /sgx/certification/v{3,4}/tcb?fmspc=HEX          + TCB-Info-Issuer-Chain
 *                                                         (v3: SGX-TCB-Info-Issuer-Chain)
 *   GET /sgx/certification/v{3,4}/qe/identity            + SGX-Enclave-Identity-Issuer-Chain
 *   GET /sgx/certification/v{3,4}/pckcrl?ca=processor|platform[&encoding=der|pem]
 *                                                         + SGX-PCK-CRL-Issuer-Chain
 *   GET /sgx/certification/v{3,4}/rootcacrl              (hex of the DER, as PCCS does)
 *   GET /tdx/certification/v4/tcb?fmspc=HEX              TDX TCB info (+ TCB-Info-Issuer-Chain)
 *   GET /tdx/certification/v4/qe/identity                TD_QE identity (sim layout only)
 *   GET /{sgx,tdx}/certification/v4/tcbevaluationdatanumbers  the signed list (sim layout)
 *                                                + TCB-Evaluation-Data-Numbers-Issuer-Chain
 * Evaluation numbers (sim layout): tcb and qe/identity answer from DIR/pcs/eval-N/ (written
 * by `maat sim init` for the platform's number and its neighbours, with different TCB
 * levels and dates) for tcbEvaluationDataNumber=N, for update=standard|early (N = the
 * eval_standard / eval_early knob; unset = the files in DIR) and for THIM's
 * customParameter=B64("tcbEvaluationDataNumber=N[;...]"). Azure THIM-style routes
 * (requests with clientid=): /sgx/.../pckcrl?uri=<Intel CRL URL> (DER as Intel publishes
 * it) and /tdx/certification/v4/pckcrl?ca=..., /tdx/.../rootcacrl.
 * Issuer chains are sent URL-encoded. Files are read from disk on every request, from
 * DIR/pcs/ (the layout maat_sim_init writes, docs/sim.md), DIR itself in that layout, or
 * Intel's QVL sample layout (tcbInfo.json, qeIdentity.json, tcbSignChain.pem, ...).
 * For tests it can answer garbage, HTTP 500, or stall; it counts requests.
 */
#ifndef MAAT_SIM_PCCS_H
#define MAAT_SIM_PCCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maat/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum maat_sim_pccs_fault {
    MAAT_SIM_PCCS_OK = 0,   /* serve the collateral */
    MAAT_SIM_PCCS_GARBAGE,  /* HTTP 200 with the right headers and a garbage body */
    MAAT_SIM_PCCS_HTTP_500, /* HTTP 500 to every request */
    MAAT_SIM_PCCS_STALL,    /* accept, then answer nothing for stall_ms */
};

struct maat_sim_pccs_opts {
    enum maat_sim_pccs_fault fault;
    unsigned stall_ms; /* how long a stalled request waits before answering 503
                               (default 10000; bounded so everything stops by itself) */
    /* TCB evaluation data numbers published (Intel PCS v4 semantics, tcb and qe/identity):
     * update=standard is eval_standard, update=early eval_early; a requested
     * tcbEvaluationDataNumber below eval_standard is 410 Gone, above eval_early 404 Not
     * Found. 0 = not set (every number DIR/pcs/eval-N/ holds is served). A number in
     * range is answered from DIR/pcs/eval-N/ (404 when there is none); with the knobs
     * set, update=standard (or no parameter) answers eval_standard, update=early
     * eval_early. */
    unsigned eval_standard, eval_early;
    /* The oldest number still served by number (a PCCS or PCS that keeps numbers older than
     * its standard one): tcbEvaluationDataNumber=K is 410 Gone below it. 0 = eval_standard;
     * at most eval_standard. */
    unsigned eval_oldest;
    unsigned rate_limit;    /* answer the first N requests 429 Too Many Requests */
    unsigned retry_after_s; /* with a Retry-After: S header (0 = no header) */
    bool log_requests;      /* one "sim pccs: GET URL?QUERY -> STATUS" line per request on
                               stderr (for tests that must see no request was made) */
};

struct maat_sim_pccs;

/* Starts serving `dir` on `listen_hostport` ("127.0.0.1:8081"; port 0 = ephemeral,
 * see maat_sim_pccs_port). `o` may be NULL. */
int maat_sim_pccs_start(const char *dir, const char *listen_hostport,
                        const struct maat_sim_pccs_opts *o, struct maat_sim_pccs **out,
                        struct maat_error *err);
/* The bound TCP port. */
uint16_t maat_sim_pccs_port(const struct maat_sim_pccs *s);
/* Changes the fault mode of later requests (thread-safe). */
void maat_sim_pccs_set_fault(struct maat_sim_pccs *s, enum maat_sim_pccs_fault f);
/* Requests received since start (every route, every answer). */
unsigned long maat_sim_pccs_requests(const struct maat_sim_pccs *s);
/* The last customParameter a request carried (THIM's form), base64-decoded, as printable
 * ASCII ('?' for other bytes and for '"' and '\\'); "" when none came yet. Also in the
 * answer to GET /maat-sim/requests ("last_custom_parameter") and, with log_requests, in
 * the request's log line. Thread-safe. */
void maat_sim_pccs_last_custom_parameter(struct maat_sim_pccs *s, char *out, size_t cap);
/* Stops the server (interrupting stalled requests) and frees it. NULL is fine. */
void maat_sim_pccs_stop(struct maat_sim_pccs *s);

/* Serves until SIGINT or SIGTERM; prints the base URL on stdout. 0 on a clean stop. */
int maat_sim_pccs_run(const char *dir, const char *listen_hostport,
                      const struct maat_sim_pccs_opts *o, struct maat_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MAAT_SIM_PCCS_H */
