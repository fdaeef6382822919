/*
 * cmd_sim_pccs.c - `maat sim pccs DIR --listen HOST:PORT`: serves a simulated platform's
 * collateral over the PCCS v4/v3 API until SIGINT/SIGTERM (src/sim/sim_pccs.h).
 * Reached from cmd_sim.c as `maat sim pccs ...` (argv[0] is "pccs").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sim_pccs.h"

static const char pccs_usage[] =
    "usage: maat sim pccs DIR [--listen HOST:PORT] [--fault garbage|500|stall]\n"
    "                         [--stall-ms N] [--eval-nums STANDARD:EARLY]\n"
    "                         [--eval-oldest L]\n"
    "                         [--rate-limit N] [--retry-after S] [--log-requests]\n"
    "\n"
    "Serves the collateral of a simulated platform (`maat sim init DIR`: DIR/pcs/) or of a\n"
    "directory in Intel's QVL sample layout over the PCCS API, until SIGINT/SIGTERM:\n"
    "  GET /sgx/certification/v4/tcb?fmspc=HEX, /qe/identity,\n"
    "      /pckcrl?ca=processor|platform[&encoding=der], /rootcacrl   (v3 too)\n"
    "  GET /tdx/certification/v4/tcb?fmspc=HEX, /qe/identity   (TDX TCB info, TD_QE\n"
    "      identity: sim layout only)\n"
    "  GET /{sgx,tdx}/certification/v4/tcbevaluationdatanumbers   (signed list)\n"
    "  Azure THIM forms (requests with clientid=): tcb/qe/identity with\n"
    "      customParameter=BASE64(tcbEvaluationDataNumber=N), /sgx/.../pckcrl?uri=URL,\n"
    "      /tdx/certification/v4/pckcrl?ca=..., /tdx/certification/v4/rootcacrl\n"
    "with the issuer chains URL-encoded in TCB-Info-Issuer-Chain (v3:\n"
    "SGX-TCB-Info-Issuer-Chain), SGX-Enclave-Identity-Issuer-Chain and\n"
    "SGX-PCK-CRL-Issuer-Chain. Plain HTTP, for tests: bind it to loopback.\n"
    "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8081; port 0 = any)\n"
    "  --fault KIND         answer every request with a fault, for client tests:\n"
    "                       garbage (200 + junk body), 500, stall (no answer)\n"
    "  --stall-ms N         how long a stalled request hangs (default 10000)\n"
    "  --eval-nums M:N      TCB evaluation data numbers published (standard M <= early N):\n"
    "                       tcbEvaluationDataNumber=K on tcb and qe/identity is 410 Gone\n"
    "                       below M, 404 Not Found above N; in range DIR/pcs/eval-K/ is\n"
    "                       served; update=standard (default) serves M, update=early N\n"
    "  --eval-oldest L      (with --eval-nums, L <= M) numbers from L on are served by\n"
    "                       number, 410 Gone below L (a source keeping older numbers)\n"
    "  --rate-limit N       answer the first N requests 429 Too Many Requests\n"
    "  --retry-after S      ... with Retry-After: S (seconds)\n"
    "  --log-requests       one line per request on stderr\n";

/* A number in 0..max (lo = 1: 1..max) for opt, else the usage message and -1. */
static int pccs_number(const char *opt, const char *v, unsigned long lo, unsigned long max,
                       unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || n < lo || n > max) {
        if (lo > 0)
            fprintf(stderr, "maat sim pccs: %s wants %lu..%lu\n", opt, lo, max);
        else
            fprintf(stderr, "maat sim pccs: %s wants 0..%lu\n", opt, max);
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

/* The options that take a value (v): 0, -1 with the message printed, 1 when a is none of
 * them. */
static int pccs_option(const char *a, const char *v, const char **listen,
                       struct maat_sim_pccs_opts *o)
{
    if (!strcmp(a, "--listen")) {
        *listen = v;
    } else if (!strcmp(a, "--fault")) {
        if (!strcmp(v, "garbage"))
            o->fault = MAAT_SIM_PCCS_GARBAGE;
        else if (!strcmp(v, "500"))
            o->fault = MAAT_SIM_PCCS_HTTP_500;
        else if (!strcmp(v, "stall"))
            o->fault = MAAT_SIM_PCCS_STALL;
        else {
            fprintf(stderr, "maat sim pccs: unknown fault '%s' (garbage, 500, stall)\n", v);
            return -1;
        }
    } else if (!strcmp(a, "--stall-ms")) {
        return pccs_number(a, v, 1, 600000, &o->stall_ms);
    } else if (!strcmp(a, "--eval-nums")) {
        unsigned m = 0, n = 0;
        char tail;
        if (sscanf(v, "%u:%u%c", &m, &n, &tail) != 2 || m == 0 || n < m) {
            fprintf(stderr, "maat sim pccs: --eval-nums wants STANDARD:EARLY, "
                            "0 < STANDARD <= EARLY\n");
            return -1;
        }
        o->eval_standard = m;
        o->eval_early = n;
    } else if (!strcmp(a, "--eval-oldest")) {
        return pccs_number(a, v, 1, 1000000, &o->eval_oldest);
    } else if (!strcmp(a, "--rate-limit")) {
        return pccs_number(a, v, 0, 3600, &o->rate_limit);
    } else if (!strcmp(a, "--retry-after")) {
        return pccs_number(a, v, 0, 3600, &o->retry_after_s);
    } else {
        return 1;
    }
    return 0;
}

/* The exit code of a maat_sim_pccs_run() error. */
static int pccs_exit(maat_err code)
{
    return code == MAAT_ERR_USAGE       ? MAAT_EXIT_USAGE
           : code == MAAT_ERR_NOT_FOUND ? MAAT_EXIT_INPUT
                                        : MAAT_EXIT_INTERNAL;
}

/* `maat sim pccs` (the verb of cmd_sim.c's table): argv[0] is "pccs". */
int cmd_sim_pccs(int argc, char **argv)
{
    const char *dir = NULL, *listen = "127.0.0.1:8081";
    struct maat_sim_pccs_opts o = {0};
    struct maat_error err = {0};
    int rc = MAAT_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(pccs_usage, stdout);
            return MAAT_EXIT_OK;
        }
        int r = i + 1 < argc ? pccs_option(a, argv[i + 1], &listen, &o) : 1;
        CLI_TRY(r < 0 ? -1 : 0, MAAT_EXIT_USAGE);
        if (r == 0) {
            i++;
        } else if (!strcmp(a, "--log-requests")) {
            o.log_requests = true;
        } else if (a[0] != '-' && dir == NULL) {
            dir = a;
        } else {
            fprintf(stderr, "maat sim pccs: unexpected argument '%s'\n%s", a, pccs_usage);
            CLI_FAIL(MAAT_EXIT_USAGE);
        }
    }
    if (dir == NULL) {
        fprintf(stderr, "maat sim pccs: needs a directory\n%s", pccs_usage);
        CLI_FAIL(MAAT_EXIT_USAGE);
    }
    if (o.eval_oldest != 0 && (o.eval_standard == 0 || o.eval_oldest > o.eval_standard)) {
        fprintf(stderr, "maat sim pccs: --eval-oldest L needs --eval-nums M:N with L <= M\n");
        CLI_FAIL(MAAT_EXIT_USAGE);
    }
    CLI_ENSURE(maat_sim_pccs_run(dir, listen, &o, &err) == 0, pccs_exit(err.code),
               "maat sim pccs: %s", err.msg);
out:
    return rc;
}
