/* json_out.c - the JSON error object shared by the commands' --json output (json_out.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"

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
    /* a message that is not UTF-8 (a path, a quoted value) still gives an object */
    json_t *m = json_string(message ? message : "");
    json_object_set_new(e, "message", m ? m : json_string("(message not UTF-8)"));
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
    char *s = res ? json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
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
