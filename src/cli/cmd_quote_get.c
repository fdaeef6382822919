/*
 * cmd_quote_get.c - `maat quote get`: obtain a quote from this machine's quote provider
 * (Gramine's /dev/attestation inside an enclave, or the simulated platform) over report
 * data given as enclave-held data (SHA-256(EHD) || 0^32, MAA's binding) or as raw hex.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/attester.h"
#include "maat/enclave_info.h"
#include "cli.h"

#define PROG "maat quote get"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat quote get [--provider sim|gramine|auto] [--sim DIR]\n"
            "                      [--ehd FILE | --report-data HEX] [--enclave-info] -o FILE\n"
            "\n"
            "Obtains an SGX quote from the quote provider of this machine and writes it.\n"
            "\n"
            "  --provider P      gramine: inside a Gramine-SGX enclave with\n"
            "                      sgx.remote_attestation = \"dcap\" (/dev/attestation, or\n"
            "                      $MAAT_GRAMINE_ATTESTATION_DIR)\n"
            "                    sim: the simulated platform (created on first use)\n"
            "                    auto (default): gramine when /dev/attestation offers DCAP\n"
            "                      quotes, else sim when --sim or $MAAT_SIM_DIR names a\n"
            "                      platform, else an error\n"
            "  --sim DIR         simulated platform directory (default $MAAT_SIM_DIR, else\n"
            "                    ~/.maat/sim)\n"
            "  --ehd FILE        enclave-held data: report_data = SHA-256(FILE) || 32 zero bytes\n"
            "  --report-data HEX report_data itself: up to 64 bytes, zero-padded on the right\n"
            "                    (neither option: 64 zero bytes)\n"
            "  --enclave-info    write the MAA sample's EnclaveInfo JSON (quote + EHD)\n"
            "                    instead of the binary quote\n"
            "  -o FILE           output file (- for standard output)\n"
            "\n"
            "exit codes: 0 written, 1 no provider available or it refused, 2 usage,\n"
            "            3 --ehd unreadable, 4 I/O or internal error\n");
}

static int exit_for(const struct maat_error *e)
{
    switch (e->code) {
    case MAAT_ERR_NOT_FOUND:
    case MAAT_ERR_UNSUPPORTED:
    case MAAT_ERR_VALUE: return MAAT_EXIT_FAIL;
    default: return MAAT_EXIT_INTERNAL;
    }
}

struct get_args {
    struct maat_attester_config cfg;
    const char *ehd_path, *report_data_hex, *out;
    bool enclave_info;
};

static int parse_args(int argc, char **argv, struct get_args *ga)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--enclave-info")) {
            ga->enclave_info = true;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool known = !strcmp(a, "--provider") || !strcmp(a, "--sim") || !strcmp(a, "--ehd") ||
                     !strcmp(a, "--report-data") || !strcmp(a, "-o");
        if (!known) {
            fprintf(stderr, PROG ": unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
        if (v == NULL) {
            fprintf(stderr, PROG ": %s needs a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "--provider")) {
            if (maat_attester_kind_from_name(v, &ga->cfg.kind) != 0) {
                fprintf(stderr, PROG ": --provider %s: expected sim, gramine or auto\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--sim")) {
            ga->cfg.sim_dir = v;
        } else if (!strcmp(a, "--ehd")) {
            ga->ehd_path = v;
        } else if (!strcmp(a, "--report-data")) {
            ga->report_data_hex = v;
        } else {
            ga->out = v;
        }
    }
    if (ga->ehd_path && ga->report_data_hex) {
        fprintf(stderr, PROG ": --ehd and --report-data exclude each other\n");
        return -1;
    }
    if (ga->out == NULL) {
        fprintf(stderr, PROG ": missing -o FILE (- for standard output)\n");
        usage(stderr);
        return -1;
    }
    return 0;
}

static int report_data_from_hex(const char *hex, uint8_t rd[64])
{
    struct maat_error e = {0};
    uint8_t *b = NULL;
    size_t n = 0;
    if (maat_hex_decode(hex, strlen(hex), "--report-data", &b, &n, &e) != 0) {
        fprintf(stderr, PROG ": %s\n", e.msg);
        return -1;
    }
    int rc = 0;
    if (n > 64) {
        fprintf(stderr, PROG ": --report-data: %zu bytes, at most 64\n", n);
        rc = -1;
    } else {
        memset(rd, 0, 64);
        if (n) memcpy(rd, b, n);
    }
    free(b);
    return rc;
}

int cmd_quote_get(int argc, char **argv)
{
    struct get_args ga;
    memset(&ga, 0, sizeof ga);
    int p = parse_args(argc, argv, &ga);
    if (p != 0) return p > 0 ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;

    uint8_t rd[64] = {0};
    if (ga.report_data_hex && report_data_from_hex(ga.report_data_hex, rd) != 0)
        return MAAT_EXIT_USAGE;

    struct maat_error err = {0};
    uint8_t *ehd = NULL;
    size_t ehd_len = 0;
    if (ga.ehd_path != NULL) {
        if (cli_read_file(ga.ehd_path, MAAT_ENCLAVE_INFO_EHD_MAX, &ehd, &ehd_len, &err) != 0) {
            fprintf(stderr, PROG ": --ehd: %s\n", err.msg);
            return MAAT_EXIT_INPUT;
        }
        maat_attester_ehd_report_data(ehd, ehd_len, rd);
    }

    int rc = MAAT_EXIT_INTERNAL;
    struct maat_attester *att = NULL;
    struct maat_buf q;
    maat_buf_init(&q);
    char *json = NULL;
    CLI_ENSURE(maat_attester_open(&ga.cfg, &att, &err) == 0 &&
                   maat_attester_quote(att, rd, &q, &err) == 0,
               exit_for(&err), PROG ": %s", err.msg);
    fprintf(stderr, PROG ": %zu-byte quote from the %s provider (%s)\n", q.len,
            maat_attester_kind_name(maat_attester_kind(att)), maat_attester_location(att));
    if (ga.enclave_info)
        CLI_ENSURE(maat_enclave_info_to_json(q.data, q.len, ehd, ehd_len, &json, &err) == 0 &&
                       cli_write_file(ga.out, json, strlen(json), &err) == 0,
                   MAAT_EXIT_INTERNAL, PROG ": %s", err.msg);
    else
        CLI_ENSURE(cli_write_file(ga.out, q.data, q.len, &err) == 0, MAAT_EXIT_INTERNAL,
                   PROG ": %s", err.msg);
    rc = MAAT_EXIT_OK;
out:
    free(json);
    free(ehd);
    maat_buf_cleanup(&q);
    maat_attester_free(att);
    return rc;
}
