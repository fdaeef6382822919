/* mgmt.h - the client side of MAA's management routes shared by `maat policy` and
 * `maat cert`: endpoint, bearer token, api-version, the request, MAA's error form
 * ("CODE: message"), and the response token (parsed, and its signature checked against
 * the service's /certs). */
#ifndef MAAT_CLI_MGMT_H
#define MAAT_CLI_MGMT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "jws_show.h"

#define MGMT_DEFAULT_API_VERSION "2020-10-01"

enum {
    MO_ENDPOINT = 1000,
    MO_BEARER_FILE,
    MO_BEARER_ENV,
    MO_API,
    MO_CA,
    MO_JSON,
    MO_NO_VERIFY,
};

/* The long options every management command takes (append to a command's table). */
#define MGMT_LONGOPTS                                                                      \
    {"endpoint", required_argument, NULL, MO_ENDPOINT},                                    \
        {"bearer-token-file", required_argument, NULL, MO_BEARER_FILE},                    \
        {"bearer-token-env", required_argument, NULL, MO_BEARER_ENV},                      \
        {"api-version", required_argument, NULL, MO_API},                                  \
        {"ca-file", required_argument, NULL, MO_CA}, {"json", no_argument, NULL, MO_JSON}, \
    {                                                                                      \
        "no-verify-token", no_argument, NULL, MO_NO_VERIFY                                 \
    }

#define MGMT_USAGE                                                                          \
    "  --endpoint URL           the attestation instance (MAA attest URI or maatd URL)\n"   \
    "  --bearer-token-file F    file holding an AAD / maatd admin bearer token\n"           \
    "  --bearer-token-env NAME  environment variable holding it (never printed)\n"          \
    "  --api-version V          default " MGMT_DEFAULT_API_VERSION "\n"                     \
    "  --ca-file PEM            trust only these CAs for https (default: $SSL_CERT_FILE,\n" \
    "                           else $CURL_CA_BUNDLE, else the system store)\n"             \
    "  --no-verify-token        do not check the response token against URL/certs\n"        \
    "  --json                   machine-readable output\n"

struct mgmt {
    const char *prog;
    const char *endpoint, *bearer_file, *bearer_env, *api_version, *ca_file;
    bool json, no_verify;
    char verify_note[600]; /* what was checked about the response token */
    /* The first failure, for --json ({"ok": false, "failed_step", "error"}). */
    bool failed;
    char fail_step[32], fail_code[48], fail_msg[1200];
};

/* Records the first failure (step may be NULL); later ones do not overwrite it. */
void mgmt_record(struct mgmt *m, const char *step, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints the message to stderr as "prog: message" and records it. */
void mgmt_fail(struct mgmt *m, const char *step, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* With --json: prints {"ok": false, "failed_step", "error"} from the recorded failure (a
 * generic one named after the exit code when none was recorded). */
void mgmt_print_failure(const struct mgmt *m, int exit_code);

/* With --json and a failed outcome: adds ok false, failed_step and error to the result. */
void mgmt_mark_failed(const struct mgmt *m, json_t *result, int exit_code);

/* Takes a common option; returns 1 when c was one of them. */
int mgmt_option(struct mgmt *m, int c, const char *arg);

/* Sends METHOD endpoint+path?api-version=V with body (content_type) and returns the
 * response token, parsed, in *tok. On failure returns -1 with *exit_code set and the
 * message already printed to stderr (MAA errors as "CODE: message"). */
int mgmt_call(struct mgmt *m, const char *method, const char *path, const char *content_type,
              const char *body, size_t len, struct cli_jws *tok, int *exit_code);

/* Prints a JSON value (indented) to stdout. */
void mgmt_print_json(const json_t *v);

#endif
