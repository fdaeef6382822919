/* main.c - the `maat` command: dispatches to sub-commands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "maat/version.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"quote", cmd_quote, "inspect any SGX/TDX quote; get one from a provider (sim, gramine)"},
    {"collateral", cmd_collateral, "fetch and verify collateral from Intel PCS, Azure THIM or a PCCS"},
    {"verify", cmd_verify, "verify a DCAP quote against Intel collateral (offline, QVL rules)"},
    {"sim", cmd_sim, "simulated SGX platform: test PKI, collateral, quotes"},
    {"token", cmd_token,
     "verify an MAA-format attestation token (JWKS by kid, iss, exp, signer quote)"},
    {"attest", cmd_attest,
     "attest an EnclaveInfo file with MAA or maatd, validate the token, compare"},
    {"sign", cmd_sign,
     "policy-signing tool: signing key + certificate, signed policy and certificate JWS"},
    {"jwt", cmd_jwt, "decode any JWT/JWS readably; check its signature with a key, cert or JWKS"},
    {"policy", cmd_policy, "get, set or reset the attestation policy of MAA or maatd"},
    {"cert", cmd_cert, "list, add or remove policy-signer certificates of MAA or maatd"},
    {"store", cmd_store, "check a store (SQLite or PostgreSQL); copy every record between stores"},
    {"key", cmd_key, "rotate maatd's token-signing key in its store (every replica follows)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: maat COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`maat COMMAND --help` describes each command.\n\n"
               "exit codes:\n"
               "  0  success\n"
               "  1  the check ran and failed (verification failed, mismatch)\n"
               "  2  bad command line\n"
               "  3  input could not be read or parsed\n"
               "  4  I/O error or internal error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MAAT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return MAAT_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("maat %s\n", MAAT_VERSION_STRING);
        return MAAT_EXIT_OK;
    }
    /* `maat verify` only: the other commands may read legacy names (PEM encryption, JWS) */
    if (!strcmp(argv[1], "verify") && cli_openssl_init_verify() != 0) {
        fprintf(stderr, "maat: OpenSSL could not be initialised\n");
        return MAAT_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "maat: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return MAAT_EXIT_USAGE;
}
