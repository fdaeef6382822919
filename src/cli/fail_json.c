/* fail_json.c - the --json failure object of verify, quote inspect, policy and cert, and
 * output that is safe for JSON and terminals (see fail_json.h). */
#include "fail_json.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maat/error.h"

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

void cli_json_print(const json_t *v)
{
    char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    if (s == NULL) /* out of memory: still one JSON document */
        fputs("{\"ok\": false, \"failed_step\": null, \"error\": {\"code\": \"out_of_memory\", "
              "\"message\": \"out of memory\"}}\n", stdout);
    else printf("%s\n", s);
    free(s);
    fflush(stdout);
}

void cli_json_fail_print(const char *ok_key, const char *failed_step, const char *code,
                         const char *message)
{
    json_t *o = cli_json_fail(ok_key, failed_step, code, message);
    cli_json_print(o);
    json_decref(o);
}

bool cli_argv_has_json(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "--json")) return true;
    }
    return false;
}

void cli_fputs_safe(const char *s, FILE *f)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) fprintf(f, "\\x%02x", *p);
        else fputc(*p, f);
    }
}

bool cli_use_colour(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (nc != NULL && nc[0] != '\0') return false;
    const char *term = getenv("TERM");
    if (term != NULL && !strcmp(term, "dumb")) return false;
    return isatty(fileno(f)) == 1;
}
