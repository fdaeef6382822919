/* jws_show.h - reading JWS tokens for people (`maat jwt decode`, `maat policy`, `maat cert`):
 * a parse that also keeps tokens whose payload is not JSON (the seed maa.signing.tool's
 * `{"AttestationPolicy":<unquoted b64url>}`), the policy text inside a policy JWS in each of
 * its known forms, and the certificates a token carries. */
#ifndef MAAT_CLI_JWS_SHOW_H
#define MAAT_CLI_JWS_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "maat/error.h"
#include "maat/jose.h"

enum cli_policy_form {
    CLI_POLICY_NONE = 0,      /* no AttestationPolicy claim */
    CLI_POLICY_B64URL,        /* GA: {"AttestationPolicy": "<b64url(text)>"} */
    CLI_POLICY_RAW,           /* preview / seed tool -w: {"AttestationPolicy": "<text>"} */
    CLI_POLICY_SEED_UNQUOTED, /* seed tool without -w: {"AttestationPolicy":<b64url("\"text\"")>}
                                 (the value is not quoted: the payload is not JSON) */
};

struct cli_jws {
    struct maat_jws j;          /* j.payload NULL when the payload is empty or not JSON */
    bool payload_is_json;       /* false: j.payload_text holds the raw decoded bytes */
    char payload_problem[1024]; /* why the payload is not JSON */
    enum cli_policy_form policy_form;
    char *policy_text; /* decoded policy (NUL-terminated), when policy_form != NONE */
    size_t policy_len;
    char policy_hash[48]; /* maat_policy_hash() of policy_text */
    char token_hash[48];  /* b64url(SHA-256(compact text)): MAA's x-ms-policy-token-hash */
};

/* Parses a compact JWS (MAAT_JWS_ALLOW_RSA256). When the only fault is a payload that is
 * valid base64url but not a JSON object, parsing succeeds with payload_is_json false and
 * payload_problem set; every other fault fails with libmaat's message (part and offset). */
int cli_jws_parse(const char *compact, size_t len, struct cli_jws *out, struct maat_error *err);
void cli_jws_cleanup(struct cli_jws *c);

/* Extracts a token from user input: a compact JWS, a JSON object {"token": "..."}, or a
 * JSON string literal "eyJ..." (the certificates:add body); whitespace trimmed. Returns a
 * malloc'd string or NULL with err set. */
char *cli_token_from_text(const char *text, size_t len, const char *what, struct maat_error *err);

/* Reads TOKEN: "-" (stdin), a file, or the token text itself. */
char *cli_token_load(const char *arg, struct maat_error *err);

/* Human-readable description of a certificate list (x5c) to f, one per line, indented. */
void cli_show_x5c(FILE *f, const char *indent, const json_t *x5c);
/* The same as a JSON array of {subject, issuer, not_before, not_after, sha1_thumbprint}. */
json_t *cli_x5c_info(const json_t *x5c);

/* Prints the readable view of a token (header, payload, claims explained, policy). */
void cli_jws_print(FILE *f, const struct cli_jws *c);
/* The same as a JSON object (header, payload | payload_text + payload_error, policy ...). */
json_t *cli_jws_to_json(const struct cli_jws *c);

#endif
