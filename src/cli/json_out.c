/* json_out.c - the JSON error object shared by the commands' --json output (json_out.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"
#include "maat/error.h"

const char *cli_error_code(int exit_code)
{
    switch (exit_code) {
    case MAAT_EXIT_FAIL: return "check_failed";
    case MAAT_EXIT_USAGE: return "usage";
    case MAAT_EXIT_INPUT: return "invalid_input";
    case MAAT_EXIT_INTERNAL: return "io_error";
    case MAAT_EXIT_INCOMPLETE: return "incomplete";
    default: return "internal";
    }
}

void cli_json_set_error(json_t *res, const char *verdict_field, int exit_code, const char *code,
                        const char *message)
{
    if (res == NULL) return;
    if (verdict_field != NULL) json_object_set_new(res, verdict_field, json_false());
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code ? code : cli_error_code(exit_code)));
    /* a message that is not UTF-8 (a path, a quoted value) keeps its text, bad bytes as \xNN */
    json_object_set_new(e, "message", cli_json_text(message ? message : ""));
    json_object_set_new(res, "error", e);
}

json_t *cli_json_error_object(const char *verdict_field, int exit_code, const char *message)
{
    json_t *o = json_object();
    cli_json_set_error(o, verdict_field, exit_code, NULL, message);
    return o;
}

int cli_json_print(const json_t *res)
{
    char *s = res ? json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    if (s == NULL) {
        /* still JSON: the fixed out-of-memory answer */
        fputs("{\"error\": {\"code\": \"internal\", \"message\": \"out of memory\"}}\n", stdout);
    } else {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

bool cli_wants_json(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "--json")) return true;
    }
    return false;
}

json_t *cli_json_text(const char *s)
{
    if (s == NULL) return json_null();
    json_t *j = json_string(s);
    if (j != NULL) return j;
    size_t n = strlen(s);
    size_t cap = 4 * n + 1;
    char *buf = malloc(cap);
    if (buf == NULL) return json_string("(out of memory)");
    maat_utf8_escape(s, n, buf, cap);
    j = json_string(buf);
    free(buf);
    return j;
}

json_t *cli_json_error(const char *code, const char *message)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code ? code : "error"));
    json_object_set_new(e, "message", cli_json_text(message ? message : ""));
    return e;
}

void cli_json_mark_failed(json_t *o, const char *ok_key, const char *failed_step, const char *code,
                          const char *message)
{
    json_object_set_new(o, ok_key, json_false());
    json_object_set_new(o, "failed_step", failed_step ? json_string(failed_step) : json_null());
    json_object_set_new(o, "error", cli_json_error(code, message));
}

json_t *cli_json_fail(const char *ok_key, const char *failed_step, const char *code,
                      const char *message)
{
    json_t *o = json_object();
    cli_json_mark_failed(o, ok_key, failed_step, code, message);
    return o;
}

void cli_json_fail_print(const char *ok_key, const char *failed_step, const char *code,
                         const char *message)
{
    json_t *o = cli_json_fail(ok_key, failed_step, code, message);
    cli_json_print(o);
    json_decref(o);
}
