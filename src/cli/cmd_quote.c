/*
 * cmd_quote.c - `maat quote inspect FILE [--json]`: decode a quote in any of the forms
 * libmaat recognises (evidence.h), parse it, and show every field.
 *
 * The text form is rendered from the same JSON object as --json (quote_json.h), so the
 * two never disagree; the text renderer only aligns keys and annotates a few numbers.
 */
#include <jansson.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"
#include "textout.h"
#include "maat/enclave_info.h"
#include "maat/evidence.h"
#include "maat/quote.h"
#include "maat/quote_json.h"

#define PROG "maat quote inspect"

static void usage(FILE *f)
{
    fprintf(f, "usage: maat quote inspect FILE [--json]\n"
               "\n"
               "Decodes and parses an SGX/TDX quote (v3, v4, v5) and prints every field.\n"
               "FILE may be - for stdin. Recognised forms (detected from the content):\n"
               "  binary quote, optionally with a 16-byte OpenEnclave report header\n"
               "  hex text, base64 or base64url text (blank lines / spaces only at the ends)\n"
               "  EnclaveInfo JSON of the MAA samples (fields QuoteHex, EnclaveHeldDataHex, ...)\n"
               "  an MAA attest request body ({\"quote\": ...} or {\"report\": ...})\n"
               "\n"
               "Nothing is verified: no signature, certificate, collateral or time check.\n"
               "\n"
               "options:\n"
               "  --json     print the fields as JSON (schema in docs/cli.md)\n"
               "  --help     this text\n"
               "\n"
               "exit codes: 0 parsed, 2 bad command line, 3 input unreadable or not a quote,\n"
               "            4 internal error. Warnings (e.g. non-zero bytes after the quote) go\n"
               "            to stderr and, with --json, into \"warnings\".\n");
}

/* ---- text rendering of the JSON object ---- */

static const char *flag_names(uint64_t flags, char *buf, size_t n)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {MAAT_SGX_FLAGS_INIT, "INIT"},
        {MAAT_SGX_FLAGS_DEBUG, "DEBUG"},
        {MAAT_SGX_FLAGS_MODE64BIT, "MODE64BIT"},
        {MAAT_SGX_FLAGS_PROVISION_KEY, "PROVISION_KEY"},
        {MAAT_SGX_FLAGS_EINITTOKEN_KEY, "EINITTOKEN_KEY"},
        {MAAT_SGX_FLAGS_KSS, "KSS"},
    };
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].bit)) continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", names[i].name);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
    return buf;
}

/* A short note after some numbers, e.g. "7 (INIT DEBUG MODE64BIT)". */
static void annotate(const char *parent, const char *key, const json_t *v, FILE *out)
{
    if (!json_is_integer(v)) return;
    json_int_t i = json_integer_value(v);
    char buf[96];
    if (!strcmp(key, "flags") && parent && !strcmp(parent, "attributes"))
        fprintf(out, " (0x%llx: %s)", (unsigned long long)i,
                flag_names((uint64_t)i, buf, sizeof buf));
    else if (!strcmp(key, "tee_type"))
        fprintf(out, " (0x%02llx, %s)", (unsigned long long)i, maat_tee_type_name((uint32_t)i));
    else if (!strcmp(key, "att_key_type") && i == MAAT_ATT_KEY_ECDSA_P256)
        fprintf(out, " (ECDSA-256-with-P-256)");
    else if (!strcmp(key, "misc_select"))
        fprintf(out, " (0x%08llx)", (unsigned long long)i);
}

static void render(const json_t *v, const char *parent, int indent, FILE *out);

static void render_scalar(const json_t *v, FILE *out)
{
    switch (json_typeof(v)) {
    case JSON_STRING: fputs(json_string_value(v), out); break;
    case JSON_INTEGER: fprintf(out, "%lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: fprintf(out, "%g", json_real_value(v)); break;
    case JSON_TRUE: fputs("true", out); break;
    case JSON_FALSE: fputs("false", out); break;
    case JSON_NULL: fputs("(none)", out); break;
    default: break;
    }
}

static bool all_numbers(const json_t *arr)
{
    size_t i;
    const json_t *e;
    json_array_foreach (arr, i, e)
        if (!json_is_number(e)) return false;
    return true;
}

/* One "key  value" line, or "key" followed by a nested block. */
static void render_entry(const char *key, const json_t *v, const char *parent, int indent,
                         int width, FILE *out)
{
    if (json_is_object(v) || (json_is_array(v) && !all_numbers(v))) {
        fprintf(out, "%*s%s\n", indent, "", key);
        render(v, key, indent + 2, out);
        return;
    }
    fprintf(out, "%*s%-*s  ", indent, "", width, key);
    if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        json_array_foreach (v, i, e) {
            fputs(i ? ", " : "", out);
            render_scalar(e, out);
        }
    } else {
        render_scalar(v, out);
        annotate(parent, key, v, out);
    }
    fputc('\n', out);
}

static void render(const json_t *v, const char *parent, int indent, FILE *out)
{
    if (json_is_object(v)) {
        int width = 0;
        const char *key;
        const json_t *e;
        json_object_foreach ((json_t *)(uintptr_t)v, key, e) {
            int l = (int)strlen(key);
            if (l > width) width = l;
        }
        json_object_foreach ((json_t *)(uintptr_t)v, key, e)
            render_entry(key, e, parent, indent, width, out);
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        char key[24];
        int width = snprintf(key, sizeof key, "[%zu]", json_array_size(v));
        json_array_foreach (v, i, e) {
            snprintf(key, sizeof key, "[%zu]", i);
            render_entry(key, e, parent, indent, width, out);
        }
    }
}

/* ---- the command ---- */

static void add_warning(json_t *root, const char *msg)
{
    json_t *w = json_object_get(root, "warnings");
    if (w == NULL) {
        w = json_array();
        json_object_set_new(root, "warnings", w);
    }
    json_array_append_new(w, json_string(msg));
}

/* The EnclaveInfo object, plus whether its fields and EHD agree with the quote. */
static int add_enclave_info(json_t *root, const struct maat_evidence *ev, const struct maat_quote *q)
{
    json_t *ei = maat__quote_json_enclave_info(&ev->enclave_info);
    if (ei == NULL) return -1;
    struct maat_error e;
    maat_error_clear(&e);
    bool ok = maat_enclave_info_check(&ev->enclave_info, q, &e) == 0;
    json_object_set_new(ei, "matches_quote", json_boolean(ok));
    if (!ok) add_warning(root, e.msg);
    if (q->body_type == MAAT_BODY_SGX) {
        /* MAA binds enclave-held data as report_data = SHA-256(EHD) ‖ 32 zero bytes. */
        uint8_t h[SHA256_DIGEST_LENGTH];
        SHA256(ev->enclave_info.ehd ? ev->enclave_info.ehd : (const uint8_t *)"",
               ev->enclave_info.ehd_len, h);
        bool bound = memcmp(h, q->report_body.report_data, 32) == 0;
        json_object_set_new(ei, "ehd_matches_report_data", json_boolean(bound));
        if (!bound)
            add_warning(root, "EnclaveInfo JSON: SHA-256(EnclaveHeldDataHex) differs from "
                              "report_data[0:32] of the quote");
    }
    return json_object_set_new(root, "enclave_info", ei);
}

/* A failure: the message to stderr; with --json also {"ok": false, "failed_step", "error"}
 * on stdout (steps: read, decode, parse). */
static void fail(bool as_json, const char *step, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(bool as_json, const char *step, const char *code, const char *fmt, ...)
{
    char msg[2 * MAAT_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs(PROG ": ", stderr);
    cli_fputs_safe(msg, stderr);
    fputc('\n', stderr);
    if (as_json) cli_json_fail_print("ok", step, code, msg);
}

static int usage_fail(bool as_json, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_fail(bool as_json, const char *fmt, ...)
{
    if (as_json) {
        char m[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof m, fmt, ap);
        va_end(ap);
        cli_json_fail_print("ok", NULL, "usage", m);
    }
    return MAAT_EXIT_USAGE;
}

/* Reads, decodes, parses and prints the quote in path (`maat quote inspect`). */
static int inspect(const char *path, bool as_json)
{
    struct maat_error err;
    maat_error_clear(&err);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_file(path, MAAT_EVIDENCE_MAX_SIZE, &buf, &len, &err) != 0) {
        fail(as_json, "read", maat_err_name(err.code), "%s", err.msg);
        return MAAT_EXIT_INPUT;
    }
    int rc = MAAT_EXIT_OK;
    struct maat_evidence ev;
    struct maat_quote q;
    json_t *root = NULL, *qj = NULL;
    if (maat_evidence_decode(buf, len, &ev, &err) != 0) {
        fail(as_json, "decode", maat_err_name(err.code), "%s: %s", path, err.msg);
        CLI_FAIL(MAAT_EXIT_INPUT);
    }
    if (maat_quote_parse(ev.quote, ev.quote_len, &q, &err) != 0) {
        fail(as_json, "parse", maat_err_name(err.code), "%s (read as %s%s): %s", path,
             maat_evidence_format_name(ev.format),
             ev.format == MAAT_EVIDENCE_ENCLAVE_INFO ? ", field QuoteHex" : "", err.msg);
        CLI_FAIL(MAAT_EXIT_INPUT);
    }
    root = json_object();
    qj = maat__quote_to_json(&q, ev.quote, &err);
    if (root == NULL || qj == NULL) {
        fail(as_json, NULL, err.code ? maat_err_name(err.code) : "out_of_memory", "%s",
             err.code ? err.msg : "out of memory");
        CLI_FAIL(MAAT_EXIT_INTERNAL);
    }
    json_object_set_new(root, "format", json_string(maat_evidence_format_name(ev.format)));
    if (ev.request_field) json_object_set_new(root, "request_field", json_string(ev.request_field));
    json_object_set_new(root, "size", json_integer((json_int_t)ev.quote_len));
    json_object_update(root, qj);
    if (ev.has_enclave_info && add_enclave_info(root, &ev, &q) != 0) {
        fail(as_json, NULL, "out_of_memory", "out of memory");
        CLI_FAIL(MAAT_EXIT_INTERNAL);
    }
    /* Keep "warnings" last. */
    json_t *w = json_incref(json_object_get(root, "warnings"));
    if (w) {
        json_object_del(root, "warnings");
        json_object_set_new(root, "warnings", w);
        size_t i;
        json_t *e;
        json_array_foreach (w, i, e)
            fprintf(stderr, PROG ": warning: %s: %s\n", path, json_string_value(e));
    }
    if (as_json) {
        if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            fail(false, NULL, "io", "cannot write the output");
            CLI_FAIL(MAAT_EXIT_INTERNAL);
        }
        fputc('\n', stdout);
    } else {
        render(root, NULL, 0, stdout);
    }
    rc = fflush(stdout) == 0 ? MAAT_EXIT_OK : MAAT_EXIT_INTERNAL;
out:
    json_decref(qj);
    json_decref(root);
    maat_evidence_cleanup(&ev);
    free(buf);
    return rc;
}

/* `maat quote inspect FILE [--json]` (argv[0] is "inspect"). */
static int quote_inspect(int argc, char **argv)
{
    const char *path = NULL;
    bool as_json = cli_wants_json(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return MAAT_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            as_json = true;
        } else if (!strcmp(a, "--")) {
            if (i + 1 < argc && path == NULL && i + 2 == argc) {
                path = argv[i + 1];
                break;
            }
            fprintf(stderr, PROG ": expected exactly one FILE after --\n");
            return usage_fail(as_json, "expected exactly one FILE after --");
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, PROG ": unknown option '%s'\n", a);
            usage(stderr);
            return usage_fail(as_json, "unknown option '%s'", a);
        } else if (path == NULL) {
            path = a;
        } else {
            fprintf(stderr, PROG ": more than one FILE ('%s' and '%s')\n", path, a);
            return usage_fail(as_json, "more than one FILE ('%s' and '%s')", path, a);
        }
    }
    if (path == NULL) {
        fprintf(stderr, PROG ": missing FILE (use - for stdin)\n");
        usage(stderr);
        return usage_fail(as_json, "missing FILE (use - for stdin)");
    }
    return inspect(path, as_json);
}

static const struct cli_verb verbs[] = {
    {"inspect", quote_inspect, usage}, {"get", cmd_quote_get, usage}, /* cmd_quote_get.c */
};

int cmd_quote(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MAAT_EXIT_USAGE;
    }
    if (cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(stdout);
        return MAAT_EXIT_OK;
    }
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0], argv[1]);
    if (v == NULL) {
        fprintf(stderr, "maat quote: unknown sub-command '%s' (expected inspect)\n", argv[1]);
        usage(stderr);
        return MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}
