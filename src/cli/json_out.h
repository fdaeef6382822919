/* json_out.h - the one JSON shape of a command's outcome under --json, failures included, so
 * that a script can always parse stdout: the command's own object with its verdict field
 * (`valid`, `verified` or `ok`) false, where a step failed "failed_step": "<step>"|null, and
 *     "error": {"code": "<code>", "message": "<the message also written to stderr>"}
 * where code names the class of the exit status (cli_error_code()) or the failure. Success
 * objects carry no "error". Every command with --json uses it; docs/cli.md. */
#ifndef MAAT_CLI_JSON_OUT_H
#define MAAT_CLI_JSON_OUT_H

#include <stdbool.h>

#include <jansson.h>

/* The error code of an exit status: 1 "check_failed", 2 "usage", 3 "invalid_input",
 * 4 "io_error", 5 "incomplete" (0 and anything else: "internal"). */
const char *cli_error_code(int exit_code);

/* Sets res[verdict_field] = false and res["error"] = {"code", "message"} (replacing an
 * earlier one). code NULL = cli_error_code(exit_code). */
void cli_json_set_error(json_t *res, const char *verdict_field, int exit_code, const char *code,
                        const char *message);

/* A new failure object {verdict_field: false, "error": {...}} for a command that failed
 * before it had anything else to say (NULL when out of memory). */
json_t *cli_json_error_object(const char *verdict_field, int exit_code, const char *message);

/* Writes res to stdout (two-space indent, key order kept, final newline) and flushes.
 * 0, or -1 when stdout could not be written. */
int cli_json_print(const json_t *res);

/* A JSON string of s that is never NULL for bad text: bytes that are not UTF-8 become \xNN. */
json_t *cli_json_text(const char *s);

/* The error object {"code", "message"}. */
json_t *cli_json_error(const char *code, const char *message);

/* {ok_key: false, "failed_step": failed_step|null, "error": {...}}. */
json_t *cli_json_fail(const char *ok_key, const char *failed_step, const char *code,
                      const char *message);

/* Adds ok_key false, failed_step and error to an existing result object (a result whose
 * response checks failed keeps its fields). */
void cli_json_mark_failed(json_t *o, const char *ok_key, const char *failed_step, const char *code,
                          const char *message);

/* cli_json_print(cli_json_fail(...)). */
void cli_json_fail_print(const char *ok_key, const char *failed_step, const char *code,
                         const char *message);

/* True when argv (after argv[0], before a "--") holds "--json": lets a command answer a bad
 * command line in JSON too. */
bool cli_wants_json(int argc, char **argv);

#endif
