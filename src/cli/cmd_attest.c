/*
 * cmd_attest.c - `maat attest`: the relying party of Microsoft's MAA SGX sample
 * (validatequotes) in C. Reads an EnclaveInfo JSON file, sends its quote and enclave-held
 * data to an attestation service (MAA or maatd: POST /attest/SgxEnclave or /OpenEnclave,
 * runtimeData Binary), validates the token it returns (key from the endpoint's /certs by
 * kid, jku, iss, signing certificate CN, exp/nbf; token_check.c) and compares the token's
 * claims with the file: IsDebuggable, MRENCLAVE, MRSIGNER, product id, SVN, EHD.
 * With --offline no service is involved: the quote is verified locally with the DCAP
 * verifier and the same comparisons are made against the parsed quote.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/enclave_compare.h"
#include "maat/enclave_info.h"
#include "maat/evidence.h"
#include "maat/jose.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "cli.h"
#include "collateral_source.h"
#include "collateral_load.h"
#include "http_client.h"
#include "json_out.h"
#include "textout.h"
#include "token_check.h"

#define PROG "maat attest"
#define API_VERSION "2020-10-01"
#define API_VERSION_TDX "2025-06-01" /* POST /attest/TdxVm exists from this version on */
#define RESPONSE_MAX ((size_t)MAAT_JWS_MAX_SIZE + 65536)
#define OE_HEADER_SIZE 16

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat attest FILE --endpoint URL [--oe] [--issuer URL] [--at TIME]\n"
            "                   [--token-out FILE] [--ca-file PEM] [--json]\n"
            "       maat attest FILE --offline [--collateral BUNDLE|DIR | --pccs URL]\n"
            "                   [--trust-root PEM]...\n"
            "                   [--at TIME] [--signatures-only] [--json]\n"
            "\n"
            "The relying party of Microsoft's MAA SGX sample (validatequotes). FILE is an\n"
            "EnclaveInfo JSON file (maat-enclave-app, `maat quote get --enclave-info`, or the\n"
            "sample's genquotes output), or a TD quote (any form `maat quote inspect` reads):\n"
            "then POST URL/attest/TdxVm?api-version=" API_VERSION_TDX " with the quote, and the\n"
            "valid token's tdx_mrtd, tdx_rtmr0..3, tdx_mrconfigid, tdx_report_data and\n"
            "x-ms-attestation-type are compared with the TD report (no --offline, no --oe).\n"
            "\n"
            "  --endpoint URL   the attestation service (MAA or maatd): POST\n"
            "                   URL/attest/SgxEnclave?api-version=" API_VERSION " with the quote\n"
            "                   and runtimeData {EHD, Binary} (/attest/OpenEnclave for files\n"
            "                   whose QuoteHex carries the OpenEnclave header); the token is\n"
            "                   validated with the key GET URL/certs names by kid, jku =\n"
            "                   URL/certs, iss = URL, signing certificate CN = URL, exp/nbf\n"
            "                   (60 s skew), then compared with the file\n"
            "  --oe             use /attest/OpenEnclave (a bare quote is sent with the OE header)\n"
            "  --issuer URL     the expected token issuer (default: the endpoint)\n"
            "  --token-out FILE save the token (JWT text)\n"
            "  --ca-file PEM    trust only these CAs for an https endpoint (default:\n"
            "                   $SSL_CERT_FILE, else $CURL_CA_BUNDLE, else the system store)\n"
            "  --offline        no service: verify the quote locally with the DCAP verifier and\n"
            "                   compare the file with the parsed quote\n"
            "  --collateral B|D collateral (bundle or PCS directory); without collateral for the\n"
            "                   quote's FMSPC the TCB status is not determined and the output\n"
            "                   says so\n"
            "  --pccs URL       fetch the quote's collateral from a PCS/PCCS URL, intel (Intel\n"
            "                   PCS v4) or azure (THIM); --offline means no attestation\n"
            "                   service, not no collateral\n"
            "  --trust-root PEM another root for the quote (repeatable; Intel's is built in)\n"
            "  --signatures-only  accept the reduced offline check: PASS (exit 0) when the\n"
            "                   signatures, PCK chain and comparisons pass although the TCB\n"
            "                   status or revocation could not be checked (the result says so)\n"
            "  --at TIME        validation time: unix seconds or RFC 3339; default now\n"
            "  --json           machine-readable output\n"
            "\n"
            "Compared, as the sample does: IsDebuggable (Attributes bit 1 = SGX DEBUG for\n"
            "Intel-SDK files, bit 0 = OpenEnclave DEBUG for OE files) with\n"
            "x-ms-sgx-is-debuggable; MrEnclaveHex and MrSignerHex (lower case) with\n"
            "x-ms-sgx-mrenclave / -mrsigner; the first 8 bytes of ProductIdHex (little-endian)\n"
            "with x-ms-sgx-product-id; SecurityVersion with x-ms-sgx-svn; the EHD bytes with\n"
            "x-ms-sgx-ehd (offline: SHA-256(EHD) with report_data[0:32]).\n"
            "\n"
            "exit codes: 0 the token (or quote) is valid and every check passes, 1 a check\n"
            "            failed or the service refused the evidence (the reason is printed),\n"
            "            2 usage, 3 FILE / collateral / trust root unreadable, 4 I/O (the\n"
            "            service unreachable) or internal error, 5 incomplete (--offline:\n"
            "            what ran passed, but the TCB status or revocation could not be\n"
            "            checked: no current collateral for the quote; see --signatures-only)\n");
}

struct opts {
    const char *file, *endpoint, *issuer_arg, *collateral, *pccs, *token_out, *ca_file;
    const char *roots[TC_MAX_ROOTS];
    size_t nroots;
    time_t at;
    bool oe, offline, json, signatures_only;
};

/* The command line into o: 0, -1 after --help (usage printed), or an exit code (the
 * message printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'},
        {"oe", no_argument, NULL, 'o'},
        {"issuer", required_argument, NULL, 'i'},
        {"token-out", required_argument, NULL, 'T'},
        {"offline", no_argument, NULL, 'f'},
        {"collateral", required_argument, NULL, 'c'},
        {"pccs", required_argument, NULL, 'P'},
        {"trust-root", required_argument, NULL, 'r'},
        {"at", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"signatures-only", no_argument, NULL, 'S'},
        {"ca-file", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rc = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o->endpoint = optarg; break;
        case 'o': o->oe = true; break;
        case 'i': o->issuer_arg = optarg; break;
        case 'T': o->token_out = optarg; break;
        case 'f': o->offline = true; break;
        case 'c': o->collateral = optarg; break;
        case 'P': o->pccs = optarg; break;
        case 'j': o->json = true; break;
        case 'S': o->signatures_only = true; break;
        case 'C': o->ca_file = optarg; break;
        case 'r':
            CLI_ENSURE(o->nroots < TC_MAX_ROOTS, MAAT_EXIT_USAGE, PROG ": at most %d --trust-root",
                       TC_MAX_ROOTS);
            o->roots[o->nroots++] = optarg;
            break;
        case 't':
            CLI_ENSURE(cli_parse_time(optarg, &o->at) == 0, MAAT_EXIT_USAGE,
                       PROG ": --at '%s': expected unix seconds or RFC 3339 "
                            "(2022-11-17T20:30:00Z)",
                       optarg);
            break;
        case 'h': usage(stdout); CLI_FAIL(-1);
        default: usage(stderr); CLI_FAIL(MAAT_EXIT_USAGE);
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, PROG ": expected exactly one FILE (EnclaveInfo JSON)\n");
        usage(stderr);
        CLI_FAIL(MAAT_EXIT_USAGE);
    }
    o->file = argv[optind];
    CLI_ENSURE(o->collateral == NULL || o->pccs == NULL, MAAT_EXIT_USAGE,
               PROG ": --collateral and --pccs exclude each other");
    if (o->offline) {
        CLI_ENSURE(!o->endpoint && !o->oe && !o->issuer_arg && !o->token_out && !o->ca_file,
                   MAAT_EXIT_USAGE,
                   PROG ": --offline involves no service: --endpoint, --oe, --issuer, "
                        "--token-out and --ca-file do not apply");
    } else {
        CLI_ENSURE(o->endpoint != NULL, MAAT_EXIT_USAGE, PROG ": give --endpoint URL (or --offline)");
        CLI_ENSURE(!o->collateral && !o->pccs && !o->nroots && !o->signatures_only, MAAT_EXIT_USAGE,
                   PROG ": --collateral, --pccs, --trust-root and --signatures-only apply to "
                        "--offline (the service verifies the quote)");
        CLI_ENSURE(!strncmp(o->endpoint, "http://", 7) || !strncmp(o->endpoint, "https://", 8),
                   MAAT_EXIT_USAGE, PROG ": --endpoint '%s': expected an http:// or https:// URL",
                   o->endpoint);
    }
out:
    return rc;
}

/* ---- the comparisons ---- */

struct checks {
    json_t *list;       /* [{name, claim, file, <source>, pass}] */
    const char *source; /* "token" or "quote" */
};

/* Adds one comparison; file and got are JSON values (stolen), got NULL = absent. */
static void add_check(struct checks *c, const char *name, const char *claim, json_t *file,
                      json_t *got, bool pass)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "claim", json_string(claim));
    json_object_set_new(o, "file", file ? file : json_null());
    json_object_set_new(o, c->source, got ? got : json_null());
    json_object_set_new(o, "pass", json_boolean(pass));
    json_array_append_new(c->list, o);
}

static json_t *b64url_json(const uint8_t *p, size_t n)
{
    char *h = maat_base64url_encode(p, n);
    json_t *j = h ? json_string(h) : NULL;
    free(h);
    return j;
}

/* The claims' comparison libmaat made (maat_token_validate with an EnclaveInfo or a TD
 * quote) as the report's checks list. */
static void claim_checks(const struct maat_token_result *tr, struct checks *c)
{
    for (size_t i = 0; i < tr->enclave_claims_count; i++) {
        const struct maat_token_claim_match *m = &tr->enclave_claims[i];
        json_t *f = json_loads(m->file_json, JSON_DECODE_ANY, NULL);
        json_t *g = m->token_json ? json_loads(m->token_json, JSON_DECODE_ANY, NULL) : NULL;
        add_check(c, m->name, m->claim, f, g, m->pass);
    }
}

/* The file against the quote itself, compared by libmaat (maat_enclave_info_compare_quote,
 * the comparison the token's claims get too), as the report's checks list. Returns how
 * many fields did not match (reason: the first of them, libmaat's text), -1 with err when
 * the comparison could not run. */
static int compare_with_quote(const struct maat_evidence *ev, const struct maat_quote *q,
                              struct checks *c, char *reason, size_t reason_len,
                              struct maat_error *err)
{
    struct maat_enclave_comparison cmp;
    if (maat_enclave_info_compare_quote(&ev->enclave_info, ev->oe_envelope, q, &cmp, err) != 0)
        return -1;
    for (size_t i = 0; i < cmp.count; i++) {
        const struct maat_enclave_field_match *m = &cmp.fields[i];
        add_check(c, m->name, m->field, json_loads(m->file_json, JSON_DECODE_ANY, NULL),
                  json_loads(m->quote_json, JSON_DECODE_ANY, NULL), m->pass);
    }
    int failed = (int)cmp.failed;
    snprintf(reason, reason_len, "%s", cmp.reason);
    maat_enclave_comparison_cleanup(&cmp);
    return failed;
}

/* ---- output ---- */

static void print_value(const json_t *v)
{
    if (v == NULL || json_is_null(v)) {
        fputs("(absent)", stdout);
        return;
    }
    if (json_is_string(v)) { /* long values (EHD) wrapped at 100 characters, as the sample */
        /* token claims are untrusted: escaped (textout.h), then wrapped, never inside a
         * UTF-8 sequence */
        char *s = cli_text_escaped(json_string_value(v), 0);
        size_t n = s ? strlen(s) : 0;
        for (size_t at = 0; at < n;) {
            size_t take = n - at > 100 ? 100 : n - at;
            while (at + take < n && take > 1 && ((unsigned char)s[at + take] & 0xc0) == 0x80)
                take--;
            printf("%s%.*s", at ? "\n                 " : "", (int)take, s + at);
            at += take;
        }
        if (s == NULL) fputs("?", stdout);
        free(s);
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    cli_text_put(stdout, s ? s : "?", 0);
    free(s);
}

static void print_checks(const json_t *list, const char *source)
{
    size_t i;
    const json_t *c;
    json_array_foreach (list, i, c) {
        char label[40];
        snprintf(label, sizeof label, "%s match", json_string_value(json_object_get(c, "name")));
        printf("%-35s: %s\n", label, json_is_true(json_object_get(c, "pass")) ? "pass" : "FAIL");
        printf("    file       : ");
        print_value(json_object_get(c, "file"));
        printf("\n    %-11s: ", !strcmp(source, "token") ? "token" : "quote");
        print_value(json_object_get(c, source));
        printf("   (%s)\n", json_string_value(json_object_get(c, "claim")));
    }
}

static void print_token_checks(const json_t *tv, const char *issuer)
{
    /* kid and the certificate subject are the service's: escaped */
    cli_text_printf(stdout, "JWT JKU location validation        : pass (%s/certs)\n", issuer);
    cli_text_printf(stdout, "JWT signature validation           : pass (%s, kid %s, key from %s)\n",
                    json_string_value(json_object_get(tv, "alg")),
                    json_string_value(json_object_get(tv, "kid")),
                    json_string_value(json_object_get(tv, "jwks_source")));
    cli_text_printf(stdout, "JWT issuer claim validation        : pass (%s)\n", issuer);
    cli_text_printf(stdout, "JWT signing cert issuer validation : pass (%s, valid %s)\n",
                    json_string_value(json_object_get(tv, "signing_certificate_subject")),
                    json_string_value(json_object_get(tv, "signing_certificate_validity")));
    printf("JWT expiry validation              : pass (checked at %s, skew %d s)\n",
           json_string_value(json_object_get(tv, "checked_at")), TC_SKEW);
}

/* The fix (issue 14) as one text line, from a `fix` object: the offline verdict's or a
 * token's x-maat-tcb-fix claim (untrusted: every string escaped). */
static void print_fix(const json_t *fix)
{
    if (!json_is_object(fix)) return;
    printf("TCB fix                            : ");
    const json_t *comps = json_object_get(fix, "components"), *c;
    size_t i;
    json_array_foreach (comps, i, c) {
        const json_t *name = json_object_get(c, "name");
        cli_text_printf(stdout, "%s%s %lld -> %lld", i ? ", " : "raise ",
                        json_is_string(name) ? json_string_value(name) : "?",
                        (long long)json_integer_value(json_object_get(c, "have")),
                        (long long)json_integer_value(json_object_get(c, "need")));
    }
    if (json_array_size(comps) == 0) printf("no SVN to raise");
    const json_t *up = json_object_get(fix, "update"), *u;
    printf("; update: ");
    json_array_foreach (up, i, u)
        cli_text_printf(stdout, "%s%s", i ? ", " : "",
                        json_is_string(u) ? json_string_value(u) : "?");
    if (json_array_size(up) == 0) printf("nothing maat can name");
    const json_t *adv = json_object_get(fix, "advisory_ids_closed"), *a;
    if (json_array_size(adv) > 0) {
        printf("; closes ");
        json_array_foreach (adv, i, a)
            cli_text_printf(stdout, "%s%s", i ? ", " : "",
                            json_is_string(a) ? json_string_value(a) : "?");
    }
    const json_t *ts = json_object_get(fix, "target_status"),
                 *td = json_object_get(fix, "target_tcb_date");
    cli_text_printf(stdout, "; target %s (TCB level of %s)\n",
                    json_is_string(ts) ? json_string_value(ts) : "?",
                    json_is_string(td) ? json_string_value(td) : "-");
}

static void print_verification(const json_t *vj, const char *note)
{
    const json_t *root = json_object_get(vj, "trusted_root");
    printf("quote signatures and PCK chain     : %s",
           json_is_true(json_object_get(vj, "signatures_and_chain")) ? "pass" : "FAIL");
    if (json_is_string(root)) cli_text_printf(stdout, " (root: %s)", json_string_value(root));
    putchar('\n');
    const json_t *st = json_object_get(vj, "status");
    if (json_is_string(st))
        printf("TCB status                         : %s\n", json_string_value(st));
    else if (note != NULL)
        cli_text_printf(stdout, "TCB status                         : not determined: %s\n", note);
    else if (json_object_get(vj, "reason"))
        cli_text_printf(stdout, "TCB status                         : %s\n",
                        json_string_value(json_object_get(vj, "reason")));
    print_fix(json_object_get(vj, "fix"));
    if (json_is_string(json_object_get(vj, "fix_error")))
        cli_text_printf(stdout, "TCB fix                            : unknown: %s\n",
                        json_string_value(json_object_get(vj, "fix_error")));
}

/* ---- the command ---- */

struct run {
    struct opts o;
    const struct maat_quote *td; /* FILE is a TD quote: the TdxVm flow (parsed from ev) */
    json_t *res;
    char reason[MAAT_ERROR_MSG_MAX];
    char not_checked[MAAT_ERROR_MSG_MAX]; /* offline: what could not be checked ("" = all) */
};

static int fail_with(struct run *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_with(struct run *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    return rc;
}

/* The MAA error document {"error":{"code","message"}} of a refused request, as text. */
static void service_error(const uint8_t *body, size_t len, char *out, size_t outlen)
{
    json_t *d = json_loadb((const char *)body, len, 0, NULL);
    const json_t *e = json_object_get(d, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (code != NULL || msg != NULL)
        snprintf(out, outlen, "%s: %s", code ? code : "?", msg ? msg : "(no message)");
    else
        snprintf(out, outlen, "%.*s", (int)(len > 300 ? 300 : len), len ? (const char *)body : "");
    for (char *c = out; *c; c++) /* the body is untrusted: no control characters on a terminal */
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = ' ';
    json_decref(d);
}

/* Builds the request body: {"quote"|"report": b64url, "runtimeData": {...}}. */
static char *request_body(const struct maat_evidence *ev, bool oe_route, struct maat_error *err)
{
    uint8_t *wrapped = NULL;
    const uint8_t *q = ev->quote;
    size_t qlen = ev->quote_len;
    if (oe_route && !ev->oe_envelope) { /* --oe on a bare quote: add the OE report header */
        struct maat_buf b;
        maat_buf_init(&b);
        if (maat_buf_put_u32le(&b, 1) || maat_buf_put_u32le(&b, 2) ||
            maat_buf_put_u64le(&b, qlen) || maat_buf_put(&b, q, qlen)) {
            maat_buf_cleanup(&b);
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            return NULL;
        }
        wrapped = b.data;
        qlen = b.len;
        q = wrapped;
    }
    json_t *req = json_object();
    json_object_set_new(req, oe_route ? "report" : "quote", b64url_json(q, qlen));
    if (ev->has_enclave_info && ev->enclave_info.ehd_len > 0) {
        json_t *rd = json_object();
        json_object_set_new(rd, "data", b64url_json(ev->enclave_info.ehd, ev->enclave_info.ehd_len));
        json_object_set_new(rd, "dataType", json_string("Binary"));
        json_object_set_new(req, "runtimeData", rd);
    }
    char *s = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(req);
    free(wrapped);
    if (s == NULL) maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return s;
}

static int attest_online(struct run *r, const struct maat_evidence *ev)
{
    const struct opts *o = &r->o;
    struct maat_error err = {0};
    bool oe_route = o->oe || ev->oe_envelope;
    int rc = MAAT_EXIT_INTERNAL;
    char *endpoint = tc_strip_slashes(o->endpoint);
    char *issuer = tc_strip_slashes(o->issuer_arg ? o->issuer_arg : o->endpoint);
    char *body = NULL, *url = NULL, *source = NULL, *token = NULL;
    struct cli_http_response hr = {0};
    json_t *jwks = NULL, *doc = NULL;
    uint8_t *jwks_raw = NULL;
    size_t jwks_len = 0;
    struct maat_jws j;
    memset(&j, 0, sizeof j);
    struct maat_token_result *tr = NULL;
    if (endpoint == NULL || issuer == NULL)
        CLI_FAIL(fail_with(r, MAAT_EXIT_INTERNAL, "out of memory"));
    /* a TD quote: POST /attest/TdxVm, which exists from api-version 2025-06-01 on */
    const char *route = r->td ? "TdxVm" : oe_route ? "OpenEnclave" : "SgxEnclave";
    size_t n = strlen(endpoint) + 64;
    url = malloc(n);
    if (url == NULL) CLI_FAIL(fail_with(r, MAAT_EXIT_INTERNAL, "out of memory"));
    snprintf(url, n, "%s/attest/%s?api-version=%s", endpoint, route,
             r->td ? API_VERSION_TDX : API_VERSION);
    json_object_set_new(r->res, "endpoint", json_string(endpoint));
    json_object_set_new(r->res, "request_url", json_string(url));
    if (!o->json) {
        cli_text_printf(stdout, "endpoint                           : %s\n", endpoint);
        if (r->td)
            cli_text_printf(stdout,
                            "request                            : POST %s (TD quote, "
                            "no runtimeData)\n",
                            url);
        else
            cli_text_printf(stdout,
                            "request                            : POST %s (%s, runtimeData %zu "
                            "bytes, Binary)\n",
                            url, oe_route ? "report = OE envelope + quote" : "quote",
                            ev->enclave_info.ehd_len);
    }

    body = request_body(ev, oe_route, &err);
    if (body == NULL) CLI_FAIL(fail_with(r, MAAT_EXIT_INTERNAL, "%s", err.msg));
    if (cli_http_request("POST", url, "application/json", body, strlen(body), NULL, o->ca_file,
                         RESPONSE_MAX, &hr, &err) != 0)
        CLI_FAIL(fail_with(r, MAAT_EXIT_INTERNAL, "%s", err.msg));
    const uint8_t *resp = hr.body;
    size_t resp_len = hr.len;
    long status = hr.status;
    json_object_set_new(r->res, "http_status", json_integer(status));
    if (status != 200) {
        char msg[600];
        service_error(resp, resp_len, msg, sizeof msg);
        CLI_FAIL(fail_with(r, status >= 400 && status < 500 ? MAAT_EXIT_FAIL : MAAT_EXIT_INTERNAL,
                           "the service refused the evidence: HTTP %ld: %s", status, msg));
    }
    json_error_t je;
    doc = json_loadb((const char *)resp, resp_len, JSON_REJECT_DUPLICATES, &je);
    const char *t = json_string_value(json_object_get(doc, "token"));
    if (t == NULL || (token = strdup(t)) == NULL)
        CLI_FAIL(fail_with(r, t ? MAAT_EXIT_INTERNAL : MAAT_EXIT_FAIL,
                           "the service's answer is not {\"token\": JWT}%s%s", doc ? "" : ": ",
                           doc ? "" : je.text));
    json_object_set_new(r->res, "token", json_string(token));
    if (o->token_out != NULL && cli_write_file(o->token_out, token, strlen(token), &err) != 0)
        CLI_FAIL(fail_with(r, MAAT_EXIT_INTERNAL, "--token-out %s: %s", o->token_out, err.msg));

    /* the token: parsed strictly, then validated against the endpoint's key set */
    json_t *tv = json_object();
    json_object_set_new(r->res, "token_validation", tv);
    char at_text[32];
    tc_fmt_time(o->at, at_text);
    json_object_set_new(tv, "valid", json_false());
    json_object_set_new(tv, "issuer", json_string(issuer));
    json_object_set_new(tv, "checked_at", json_string(at_text));
    json_object_set_new(tv, "clock_skew_seconds", json_integer(TC_SKEW));
    if (maat__jws_parse(token, strlen(token), &j, &err) != 0) {
        char *alg = tc_peek_alg(token);
        if (alg != NULL && strcmp(alg, "none") && strcmp(alg, "RS256") && strcmp(alg, "ES256") &&
            strcmp(alg, "PS256"))
            fail_with(r, MAAT_EXIT_FAIL,
                      "token INVALID: header alg \"%s\": expected RS256, ES256 or PS256", alg);
        else
            fail_with(r, MAAT_EXIT_FAIL, "token INVALID: malformed: %s", err.msg);
        free(alg);
        json_object_set_new(tv, "reason", json_string(r->reason));
        CLI_FAIL(MAAT_EXIT_FAIL);
    }
    int jrc = MAAT_EXIT_INTERNAL;
    jwks = tc_load_jwks(NULL, endpoint, o->ca_file, &source, &jwks_raw, &jwks_len, &jrc, &err);
    if (jwks == NULL)
        CLI_FAIL(fail_with(r, jrc == MAAT_EXIT_INPUT ? MAAT_EXIT_FAIL : jrc,
                           "the endpoint's key set: %s", err.msg));
    json_object_set_new(tv, "jwks_source", json_string(source));
    struct maat_error why = {0};
    /* the token's checks and the claims against the file's EnclaveInfo, or the TD quote's
     * report (a TdxVm token): libmaat */
    struct maat_token_expect x = {.issuer = issuer,
                                  .at = o->at,
                                  .skew_seconds = TC_SKEW,
                                  .jwks = jwks_raw,
                                  .jwks_len = jwks_len,
                                  .enclave_info = r->td ? NULL : &ev->enclave_info,
                                  .enclave_info_oe = ev->oe_envelope,
                                  .td_quote = r->td};
    tr = calloc(1, sizeof *tr);
    if (tr == NULL) CLI_FAIL(fail_with(r, MAAT_EXIT_INTERNAL, "out of memory"));
    if (tc_check_token(&x, token, tv, tr, &why) != 0 &&
        tc_token_failed_before(tr, MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS)) {
        json_object_set_new(tv, "reason", json_string(why.msg));
        CLI_FAIL(fail_with(r,
                           why.code == MAAT_ERR_NOMEM || why.code == MAAT_ERR_INTERNAL
                               ? MAAT_EXIT_INTERNAL
                               : MAAT_EXIT_FAIL,
                           "token INVALID: %s", why.msg));
    }
    json_object_set_new(tv, "valid", json_true());
    if (j.payload) json_object_set(r->res, "claims", j.payload);
    if (!o->json) print_token_checks(tv, issuer);
    if (!o->json && j.payload) print_fix(json_object_get(j.payload, "x-maat-tcb-fix"));

    struct checks c = {.list = json_array(), .source = "token"};
    json_object_set_new(r->res, "checks", c.list);
    claim_checks(tr, &c);
    if (!o->json) print_checks(c.list, "token");
    if (tr->failed_check == MAAT_TOKEN_CHECK_ENCLAVE_CLAIMS && !tr->valid)
        CLI_FAIL(fail_with(r, MAAT_EXIT_FAIL, "%s", tr->reason));
    rc = MAAT_EXIT_OK;
out:
    maat_token_result_cleanup(tr);
    free(tr);
    maat__jws_cleanup(&j);
    json_decref(jwks);
    free(jwks_raw);
    json_decref(doc);
    cli_http_response_cleanup(&hr);
    free(body);
    free(url);
    free(source);
    free(token);
    free(endpoint);
    free(issuer);
    return rc;
}

/* What the offline verification could not check although it was accepted (fail closed;
 * tc_not_checked). */
static void offline_not_checked(struct run *r, const struct maat_quote_check *res)
{
    json_t *list = json_array();
    json_object_set_new(r->res, "not_checked", list);
    tc_not_checked(res, list, r->not_checked, sizeof r->not_checked);
}

static int attest_offline(struct run *r, const struct maat_evidence *ev)
{
    const struct opts *o = &r->o;
    struct maat_error err = {0}, why = {0};
    struct maat_quote q;
    if (maat_quote_parse(ev->quote, ev->quote_len, &q, &err) != 0)
        return fail_with(r, MAAT_EXIT_INPUT, "%s: QuoteHex: %s", o->file, err.msg);
    if (q.body_type != MAAT_BODY_SGX)
        return fail_with(r, MAAT_EXIT_INPUT, "%s: not an SGX enclave quote", o->file);
    char at_text[32];
    tc_fmt_time(o->at, at_text);
    json_t *vj = json_object();
    json_object_set_new(r->res, "quote_verification", vj);
    json_object_set_new(vj, "checked_at", json_string(at_text));
    char shown[512]; /* a --pccs URL without user:password@ or query */
    maat_collateral_scrub_urls(o->pccs, true, shown, sizeof shown);
    json_object_set_new(vj, "collateral_source",
                        o->collateral ? json_string(o->collateral)
                        : o->pccs     ? json_string(shown)
                                      : json_null());
    struct tc_quote_opts qo = {.roots = o->roots,
                               .nroots = o->nroots,
                               .collateral = o->collateral,
                               .pccs = o->pccs,
                               .at = o->at,
                               .what = "quote",
                               .platform = "the quote's platform",
                               .foreign_tcb_is_absent = true};
    struct maat_quote_check *res = calloc(1, sizeof *res);
    if (res == NULL) return fail_with(r, MAAT_EXIT_INTERNAL, "out of memory");
    int xrc = MAAT_EXIT_FAIL;
    int vr = tc_verify_quote(&q, &qo, vj, res, &xrc, &why);
    char note[MAAT_ERROR_MSG_MAX] = "";
    if (res->fmspc_hex[0] != '\0' && res->tcb_absent) {
        char up[13], cup[13];
        for (size_t i = 0; i < 13; i++) {
            up[i] = (char)(res->fmspc_hex[i] >= 'a' ? res->fmspc_hex[i] - 32 : res->fmspc_hex[i]);
            cup[i] = (char)(res->collateral_fmspc_hex[i] >= 'a' ? res->collateral_fmspc_hex[i] - 32
                                                                : res->collateral_fmspc_hex[i]);
        }
        if (res->verdict.collateral_present)
            snprintf(note, sizeof note,
                     "TCB collateral for the quote's FMSPC %s is not present (the given "
                     "collateral's TCB info is for FMSPC %s): the TCB status is not determined; "
                     "the quote's signatures and PCK chain were checked; get it with: "
                     "maat collateral fetch --fmspc %s -o collateral.json",
                     up, cup, up);
        else
            snprintf(note, sizeof note,
                     "TCB collateral for the quote's FMSPC %s is not present (no --collateral): "
                     "the TCB status is not determined; the quote's signatures and PCK chain "
                     "were checked; get it with: maat collateral fetch --fmspc %s "
                     "-o collateral.json",
                     up, up);
        json_object_set_new(vj, "tcb_collateral_present", json_false());
        json_object_set_new(vj, "note", json_string(note));
    } else if (res->fmspc_hex[0] != '\0') {
        json_object_set_new(vj, "tcb_collateral_present", json_true());
    }
    if (!o->json && res->fmspc_hex[0] != '\0') {
        cli_text_printf(stdout,
                        "quote                              : %s (SGX quote v%u%s), FMSPC %s, "
                        "checked at %s\n",
                        o->file, q.version, q.oe_envelope ? ", OpenEnclave envelope" : "",
                        res->fmspc_hex, at_text);
        print_verification(vj, note[0] ? note : NULL);
    }
    if (vr == 0) offline_not_checked(r, res);
    free(res);
    if (vr != 0) {
        return fail_with(
            r, why.code == MAAT_ERR_NOMEM || why.code == MAAT_ERR_INTERNAL ? MAAT_EXIT_INTERNAL : xrc,
            "%s", why.msg);
    }
    struct checks c = {.list = json_array(), .source = "quote"};
    json_object_set_new(r->res, "checks", c.list);
    char mismatch[MAAT_ERROR_MSG_MAX];
    int failed = compare_with_quote(ev, &q, &c, mismatch, sizeof mismatch, &err);
    if (failed < 0)
        return fail_with(r, err.code == MAAT_ERR_NOMEM ? MAAT_EXIT_INTERNAL : MAAT_EXIT_INPUT,
                         "%s: %s", o->file, err.msg);
    if (!o->json) print_checks(c.list, "quote");
    if (failed > 0) return fail_with(r, MAAT_EXIT_FAIL, "%s", mismatch);
    if (r->not_checked[0] != '\0' && !o->signatures_only)
        return fail_with(r, MAAT_EXIT_INCOMPLETE, "not checked: %s", r->not_checked);
    return MAAT_EXIT_OK;
}

/* The short form of the "not checked" list for the --signatures-only result line: "TCB
 * status" (the platform's or the QE's TCB: TCB info, QE identity), "revocation", then any
 * other item by name, joined as "A, B and C". */
static const char *signatures_only_gap(struct run *r)
{
    static char out[MAAT_ERROR_MSG_MAX];
    const char *names[MAAT_STEP__COUNT + 4];
    size_t n = 0, i;
    bool tcb = false, crl = false;
    const json_t *it;
    json_array_foreach (json_object_get(r->res, "not_checked"), i, it) {
        const char *s = json_string_value(it);
        if (!strncmp(s, "TCB status", 10) || !strncmp(s, "QE identity", 11))
            tcb = true;
        else if (!strncmp(s, "revocation", 10))
            crl = true;
        else if (n < sizeof names / sizeof names[0] - 2)
            names[n++] = s;
    }
    if (crl) {
        memmove(names + 1, names, n * sizeof names[0]);
        names[0] = "revocation";
        n++;
    }
    if (tcb) {
        memmove(names + 1, names, n * sizeof names[0]);
        names[0] = "TCB status";
        n++;
    }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%s",
                 i == 0       ? ""
                 : i + 1 == n ? " and "
                              : ", ",
                 names[i]);
    }
    return out;
}

int cmd_attest(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.o.at = time(NULL);
    int p = parse_opts(argc, argv, &r.o);
    if (p != 0) {
        if (p > 0 && cli_wants_json(argc, argv)) { /* bad command line: JSON all the same */
            json_t *e = cli_json_error_object("valid", p,
                                              "bad command line (see stderr and "
                                              "`maat attest --help`)");
            cli_json_print(e);
            json_decref(e);
        }
        return p < 0 ? MAAT_EXIT_OK : p;
    }

    int rc;
    struct maat_error err = {0};
    struct maat_evidence ev;
    memset(&ev, 0, sizeof ev);
    uint8_t *buf = NULL;
    size_t len = 0;
    r.res = json_object();
    if (r.res == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return MAAT_EXIT_INTERNAL;
    }
    json_object_set_new(r.res, "valid", json_false());
    json_object_set_new(r.res, "file", json_string(r.o.file));
    json_object_set_new(r.res, "mode", json_string(r.o.offline ? "offline" : "service"));
    if (cli_read_file(r.o.file, MAAT_EVIDENCE_MAX_SIZE, &buf, &len, &err) != 0)
        CLI_FAIL(fail_with(&r, MAAT_EXIT_INPUT, "%s", err.msg));
    if (maat_evidence_decode(buf, len, &ev, &err) != 0)
        CLI_FAIL(fail_with(&r, MAAT_EXIT_INPUT, "%s: %s", r.o.file, err.msg));
    struct maat_quote tdq;
    if (!ev.has_enclave_info && !ev.oe_envelope &&
        maat_quote_parse(ev.quote, ev.quote_len, &tdq, &err) == 0 &&
        tdq.tee_type == MAAT_TEE_TYPE_TDX) {
        /* a TD quote file: attested as TdxVm, the token compared with the TD report */
        json_object_set_new(r.res, "file_type", json_string("td-quote"));
        if (r.o.offline || r.o.oe)
            CLI_FAIL(fail_with(&r, MAAT_EXIT_USAGE,
                               "%s: a TD quote: %s is for SGX evidence (verify a TD quote offline "
                               "with `maat verify`)",
                               r.o.file, r.o.offline ? "--offline" : "--oe"));
        if (!r.o.json)
            printf("file                               : %s (TD quote v%u, %s)\n", r.o.file,
                   tdq.version, maat_evidence_format_name(ev.format));
        r.td = &tdq;
        CLI_FAIL(attest_online(&r, &ev));
    }
    if (!ev.has_enclave_info)
        CLI_FAIL(fail_with(&r, MAAT_EXIT_INPUT,
                           "%s: not an EnclaveInfo JSON file (read as %s) nor a TD quote; maat "
                           "attest needs the sample's EnclaveInfo (QuoteHex, EnclaveHeldDataHex, "
                           "...) or a TD quote",
                           r.o.file, maat_evidence_format_name(ev.format)));
    const char *kind = ev.oe_envelope ? "OpenEnclave SDK layout: Attributes = OE bits, DEBUG = 1"
                                      : "Intel SGX SDK layout: Attributes = SGX flags, DEBUG = 2";
    json_object_set_new(r.res, "file_type",
                        json_string(ev.oe_envelope ? "openenclave" : "intel-sdk"));
    if (!r.o.json)
        printf("file                               : %s (EnclaveInfo, %s)\n", r.o.file, kind);
    rc = r.o.offline ? attest_offline(&r, &ev) : attest_online(&r, &ev);
out:
    if (fflush(stdout) != 0 && rc == MAAT_EXIT_OK) rc = MAAT_EXIT_INTERNAL;
    if (r.o.offline)
        json_object_set_new(r.res, "signatures_only", json_boolean(r.o.signatures_only));
    if (rc == MAAT_EXIT_OK && r.not_checked[0] != '\0') { /* --signatures-only accepted it */
        json_object_set_new(r.res, "valid", json_true());
        json_object_set_new(r.res, "result", json_string("pass-signatures-only"));
        if (!r.o.json)
            printf("result                             : PASS (signatures only: %s not checked)"
                   " — the quote's signatures and PCK chain verify and it matches the file\n",
                   signatures_only_gap(&r));
    } else if (rc == MAAT_EXIT_OK) {
        json_object_set_new(r.res, "valid", json_true());
        json_object_set_new(r.res, "result", json_string("pass"));
        if (!r.o.json)
            printf("result                             : PASS — %s\n",
                   r.o.offline ? "the quote verifies and matches the file"
                               : "the token is valid and matches the file");
    } else if (rc == MAAT_EXIT_INCOMPLETE) {
        json_object_set_new(r.res, "result", json_string("incomplete"));
        json_object_set_new(r.res, "reason", json_string(r.reason));
        cli_json_set_error(r.res, "valid", rc, NULL, r.reason);
        if (!r.o.json)
            printf("result                             : INCOMPLETE (%s) — not a PASS; "
                   "--signatures-only accepts the reduced check\n",
                   r.reason);
        fprintf(stderr, PROG ": INCOMPLETE: %s\n", r.reason);
    } else {
        json_object_set_new(r.res, "result", json_string("fail"));
        json_object_set_new(r.res, "reason", json_string(r.reason));
        cli_json_set_error(r.res, "valid", rc, NULL, r.reason);
        /* the reason may quote the service's answer or a claim: escaped */
        if (!r.o.json)
            cli_text_printf(stdout, "result                             : FAIL — %s\n", r.reason);
        cli_text_printf(stderr, PROG ": %s: %s\n", rc == MAAT_EXIT_FAIL ? "FAILED" : "error",
                        r.reason);
    }
    if (r.o.json && cli_json_print(r.res) != 0 && rc == MAAT_EXIT_OK) rc = MAAT_EXIT_INTERNAL;
    maat_evidence_cleanup(&ev);
    free(buf);
    json_decref(r.res);
    return rc;
}
