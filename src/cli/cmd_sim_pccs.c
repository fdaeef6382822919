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
    "  --rate-limit N       answer the first N requests 429 Too Many Requests\n"
    "  --retry-after S      ... with Retry-After: S (seconds)\n"
    "  --log-requests       one line per request on stderr\n";

int cmd_sim_pccs(int argc, char **argv)
{
    const char *dir = NULL, *listen = "127.0.0.1:8081";
    struct maat_sim_pccs_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(pccs_usage, stdout);
            return MAAT_EXIT_OK;
        }
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--listen") && has_val) {
            listen = argv[++i];
        } else if (!strcmp(a, "--fault") && has_val) {
            const char *f = argv[++i];
            if (!strcmp(f, "garbage"))
                o.fault = MAAT_SIM_PCCS_GARBAGE;
            else if (!strcmp(f, "500"))
                o.fault = MAAT_SIM_PCCS_HTTP_500;
            else if (!strcmp(f, "stall"))
                o.fault = MAAT_SIM_PCCS_STALL;
            else {
                fprintf(stderr, "maat sim pccs: unknown fault '%s' (garbage, 500, stall)\n", f);
                return MAAT_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--stall-ms") && has_val) {
            char *end = NULL;
            errno = 0;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || v == 0 || v > 600000) {
                fprintf(stderr, "maat sim pccs: --stall-ms wants 1..600000\n");
                return MAAT_EXIT_USAGE;
            }
            o.stall_ms = (unsigned)v;
        } else if (!strcmp(a, "--eval-nums") && has_val) {
            unsigned m = 0, n = 0;
            char tail;
            if (sscanf(argv[++i], "%u:%u%c", &m, &n, &tail) != 2 || m == 0 || n < m) {
                fprintf(stderr, "maat sim pccs: --eval-nums wants STANDARD:EARLY, "
                                "0 < STANDARD <= EARLY\n");
                return MAAT_EXIT_USAGE;
            }
            o.eval_standard = m;
            o.eval_early = n;
        } else if ((!strcmp(a, "--rate-limit") || !strcmp(a, "--retry-after")) && has_val) {
            char *end = NULL;
            errno = 0;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || end == argv[i] || v > 3600) {
                fprintf(stderr, "maat sim pccs: %s wants 0..3600\n", a);
                return MAAT_EXIT_USAGE;
            }
            if (!strcmp(a, "--rate-limit"))
                o.rate_limit = (unsigned)v;
            else
                o.retry_after_s = (unsigned)v;
        } else if (!strcmp(a, "--log-requests")) {
            o.log_requests = true;
        } else if (a[0] != '-' && dir == NULL) {
            dir = a;
        } else {
            fprintf(stderr, "maat sim pccs: unexpected argument '%s'\n%s", a, pccs_usage);
            return MAAT_EXIT_USAGE;
        }
    }
    if (dir == NULL) {
        fprintf(stderr, "maat sim pccs: needs a directory\n%s", pccs_usage);
        return MAAT_EXIT_USAGE;
    }
    struct maat_error err = {0};
    if (maat_sim_pccs_run(dir, listen, &o, &err) != 0) {
        fprintf(stderr, "maat sim pccs: %s\n", err.msg);
        return err.code == MAAT_ERR_USAGE       ? MAAT_EXIT_USAGE
               : err.code == MAAT_ERR_NOT_FOUND ? MAAT_EXIT_INPUT
                                                : MAAT_EXIT_INTERNAL;
    }
    return MAAT_EXIT_OK;
}
