/* fail_json.h - what `--json` prints on stdout when a command fails (verify, quote inspect,
 * policy, cert): {"<verified|valid|ok>": false, "failed_step": "<step>"|null,
 * "error": {"code": "<short_snake_code>", "message": "<text>"}}; text made safe for JSON
 * (valid UTF-8) and for terminals (no control bytes); whether to colour the output. */
#ifndef MAAT_CLI_FAIL_JSON_H
#define MAAT_CLI_FAIL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* A JSON string of s that is never NULL for bad text: bytes that are not UTF-8 become \xNN. */
json_t *cli_json_text(const char *s);

/* The error object {"code", "message"}. */
json_t *cli_json_error(const char *code, const char *message);

/* The failure object above; failed_step NULL gives null. */
json_t *cli_json_fail(const char *ok_key, const char *failed_step, const char *code,
                      const char *message);

/* Adds ok_key false, failed_step and error to an existing result object (a result whose
 * response checks failed keeps its fields). */
void cli_json_mark_failed(json_t *o, const char *ok_key, const char *failed_step, const char *code,
                          const char *message);

/* Prints v (indented, key order kept) and a newline to stdout. */
void cli_json_print(const json_t *v);

/* cli_json_print(cli_json_fail(...)). */
void cli_json_fail_print(const char *ok_key, const char *failed_step, const char *code,
                         const char *message);

/* Whether argv (before a "--") holds "--json": usage errors found before the option parser
 * reaches it are reported as JSON too. */
bool cli_argv_has_json(int argc, char **argv);

/* Writes s to f with control bytes (ESC and all below 0x20 but tab and newline, and 0x7f)
 * written as \xNN: server messages and certificate names cannot drive the terminal. */
void cli_fputs_safe(const char *s, FILE *f);

/* Colour (ANSI SGR) only when f is a terminal, NO_COLOR is unset or empty
 * (https://no-color.org) and TERM is not "dumb". */
bool cli_use_colour(FILE *f);

#endif
