/*
 * cmd_token.c - `maat token verify`: validates an MAA-format attestation token (from Azure
 * Attestation or maatd) the way the MAA sample's validatequotes and Gramine's MAA verifier
 * do, and optionally checks that the token signer runs in an SGX enclave.
 *
 * The key always comes from the issuer's JWKS (GET <endpoint>/certs, or a saved copy),
 * chosen by the header "kid"; never from the token itself. Checks, in order: alg (RS256,
 * ES256, PS256; "none" refused), typ JWT, kid, jku = issuer + "/certs", the JWKS key and its
 * x5c certificate, the signature, iss = issuer, the certificate's subject CN = issuer, the
 * certificate's and the token's validity at --at (60 s clock skew). With
 * --require-signer-quote: the SGX quote in the signing certificate (MAA's extension
 * 1.3.6.1.4.1.311.105.1, or the 2020 form 1.2.840.113556.10.1.1) is verified with the DCAP
 * verifier and its report_data[0:32] must be SHA-256(PEM SPKI of the certificate's key + NUL).
 * The token checks are libmaat's maat_token_validate() (maat/token.h); the signer quote and
 * the output live in token_check.c (shared with `maat attest`).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maat/jose.h"
#include "maat/verify.h"
#include "cli.h"
#include "collateral_load.h"
#include "json_out.h"
#include "textout.h"
#include "token_check.h"

#define PROG "maat token verify"
#define SKEW TC_SKEW
#define MAX_ROOTS TC_MAX_ROOTS

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat token verify TOKEN (--endpoint URL | --jwks FILE --issuer URL)\n"
            "                         [--at TIME] [--require-signer-quote] [--trust-root PEM]...\n"
            "                         [--collateral BUNDLE|DIR] [--signatures-only]\n"
            "                         [--ca-file PEM] [--json]\n"
            "\n"
            "Validates an MAA-format attestation token (Azure Attestation, maatd).\n"
            "TOKEN is a file (the JWT text, or an MAA response body {\"token\": ...}; - for\n"
            "stdin) or the JWT text itself.\n"
            "\n"
            "  --endpoint URL   the attestation service (the token issuer): the key is taken\n"
            "                   from GET URL/certs\n"
            "  --jwks FILE      the issuer's /certs document ({\"keys\": [...]}), offline;\n"
            "                   requires --issuer\n"
            "  --issuer URL     the expected issuer (default: --endpoint)\n"
            "  --ca-file PEM    trust only these CAs for an https --endpoint (default:\n"
            "                   $SSL_CERT_FILE, else $CURL_CA_BUNDLE, else the system store)\n"
            "  --at TIME        validation time: unix seconds or RFC 3339; default now.\n"
            "                   exp, nbf and iat are checked with 60 s of clock skew\n"
            "  --require-signer-quote\n"
            "                   also verify the SGX quote in the signing certificate (MAA's\n"
            "                   enclave): DCAP signatures and PCK chain, and that the quote's\n"
            "                   report_data binds the signing key\n"
            "  --trust-root PEM another root for that quote (repeatable; Intel's is built in)\n"
            "  --collateral B|D collateral for the signer's platform (bundle or PCS directory);\n"
            "                   without it the TCB status of the signer is not determined\n"
            "                   and the result is INCOMPLETE (exit 5)\n"
            "  --signatures-only accept the reduced signer check: PASS (exit 0) when the\n"
            "                   signer quote's signatures, PCK chain and key binding pass\n"
            "                   although its TCB status or revocation could not be checked\n"
            "                   (the result line says what was not checked)\n"
            "  --json           machine-readable output\n"
            "\n"
            "exit codes: 0 valid, 1 invalid (the reason is printed), 2 usage,\n"
            "            3 unreadable token / JWKS / trust root, 4 I/O (fetching /certs) or\n"
            "            internal error, 5 incomplete (--require-signer-quote: what ran\n"
            "            passed, but the signer's TCB status or revocation could not be\n"
            "            checked; see --signatures-only)\n");
}

struct opts {
    const char *token_arg, *endpoint, *jwks_path, *issuer_arg, *collateral, *ca_file;
    const char *roots[MAX_ROOTS];
    size_t nroots;
    time_t at;
    bool require_quote, json, signatures_only;
};

/* ---- output ---- */

/* Claims are the service's (and, through the nonce or runtime data, the attester's):
 * printed escaped (textout.h). */
static void print_value(const json_t *v)
{
    if (json_is_string(v)) {
        cli_text_putn(stdout, json_string_value(v), json_string_length(v), 0);
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    cli_text_put(stdout, s ? s : "?", 0);
    free(s);
}

static void print_claims(const json_t *claims)
{
    int width = 0;
    const char *k;
    const json_t *v;
    json_object_foreach ((json_t *)(uintptr_t)claims, k, v) {
        int l = (int)cli_text_escape(NULL, 0, k, strlen(k), 0);
        if (l > width) width = l;
    }
    json_object_foreach ((json_t *)(uintptr_t)claims, k, v) {
        char *ek = cli_text_escaped(k, 0);
        printf("  %-*s  ", width, ek ? ek : "?");
        free(ek);
        print_value(v);
        if ((!strcmp(k, "exp") || !strcmp(k, "nbf") || !strcmp(k, "iat")) && json_is_integer(v)) {
            char t[32];
            tc_fmt_time((time_t)json_integer_value(v), t);
            printf("  (%s)", t);
        }
        putchar('\n');
    }
}

static void print_signer(const json_t *s)
{
    const json_t *rb = json_object_get(s, "report_body");
    const json_t *vj = json_object_get(s, "verification");
    printf("signer quote:  extension %s, SGX quote v%lld, %lld bytes%s\n",
           json_string_value(json_object_get(s, "extension")),
           (long long)json_integer_value(json_object_get(s, "version")),
           (long long)json_integer_value(json_object_get(s, "size")),
           json_is_true(json_object_get(s, "oe_envelope")) ? " (OpenEnclave envelope)" : "");
    if (rb != NULL) {
        const json_t *attr = json_object_get(rb, "attributes");
        json_int_t flags = json_integer_value(json_object_get(attr, "flags"));
        printf("  mr_enclave   %s\n", json_string_value(json_object_get(rb, "mr_enclave")));
        printf("  mr_signer    %s\n", json_string_value(json_object_get(rb, "mr_signer")));
        printf("  isv_prod_id  %lld\n  isv_svn      %lld\n",
               (long long)json_integer_value(json_object_get(rb, "isv_prod_id")),
               (long long)json_integer_value(json_object_get(rb, "isv_svn")));
        printf("  debug        %s\n", flags & (json_int_t)MAAT_SGX_FLAGS_DEBUG ? "yes" : "no");
    }
    if (json_object_get(s, "key_binding"))
        printf("  key binding  %s%s\n",
               json_is_true(json_object_get(s, "key_binding"))
                   ? "OK: report_data[0:32] = SHA-256(signing key SPKI PEM + NUL)"
                   : "FAILED: report_data[0:32] is not SHA-256(signing key SPKI PEM + NUL)",
               json_is_true(json_object_get(s, "kid_is_key_hash")) ? " = kid" : "");
    if (vj == NULL) return;
    bool crypto = json_is_true(json_object_get(vj, "signatures_and_chain"));
    const json_t *root = json_object_get(vj, "trusted_root");
    cli_text_printf(
        stdout, "  signatures   %s%s%s\n",
        crypto ? "OK: PCK chain, QE report, attestation key binding, quote signature" : "FAILED",
        json_is_string(root) ? "; root: " : "", json_is_string(root) ? json_string_value(root) : "");
    const json_t *st = json_object_get(vj, "status");
    if (json_is_string(st))
        cli_text_printf(stdout, "  tcb status   %s\n", json_string_value(st));
    else if (json_object_get(vj, "note"))
        cli_text_printf(stdout, "  tcb status   not determined: %s\n",
                        json_string_value(json_object_get(vj, "note")));
    else if (json_object_get(vj, "reason"))
        cli_text_printf(stdout, "  tcb status   %s\n",
                        json_string_value(json_object_get(vj, "reason")));
}

static void print_text(const json_t *res, const json_t *claims, const char *result)
{
    const char *outcome = json_string_value(json_object_get(res, "result"));
    if (outcome != NULL && !strcmp(outcome, "incomplete"))
        printf("token:         signature and claims valid; NOT every check ran (see result)\n");
    else
        printf("token:         valid\n");
    /* kid, the certificate subject: the token's and the service's, escaped */
    cli_text_printf(stdout, "issuer:        %s\n", json_string_value(json_object_get(res, "issuer")));
    cli_text_printf(stdout, "signature:     %s, kid %s (key from %s)\n",
                    json_string_value(json_object_get(res, "alg")),
                    json_string_value(json_object_get(res, "kid")),
                    json_string_value(json_object_get(res, "jwks_source")));
    cli_text_printf(stdout, "signing cert:  %s, valid %s\n",
                    json_string_value(json_object_get(res, "signing_certificate_subject")),
                    json_string_value(json_object_get(res, "signing_certificate_validity")));
    printf("checked at:    %s (clock skew allowed: %d s)\n",
           json_string_value(json_object_get(res, "checked_at")), SKEW);
    const json_t *s = json_object_get(res, "signer_quote");
    if (s) print_signer(s);
    if (result) cli_text_printf(stdout, "result:        %s\n", result);
    printf("claims:\n");
    print_claims(claims);
}

/* ---- the command ---- */

/* The command line into o: 0, -1 after --help (usage printed), or an exit code (the
 * message printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'},
        {"jwks", required_argument, NULL, 'k'},
        {"issuer", required_argument, NULL, 'i'},
        {"at", required_argument, NULL, 't'},
        {"require-signer-quote", no_argument, NULL, 'q'},
        {"trust-root", required_argument, NULL, 'r'},
        {"collateral", required_argument, NULL, 'c'},
        {"signatures-only", no_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"ca-file", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rc = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o->endpoint = optarg; break;
        case 'k': o->jwks_path = optarg; break;
        case 'i': o->issuer_arg = optarg; break;
        case 'q': o->require_quote = true; break;
        case 'c': o->collateral = optarg; break;
        case 'S': o->signatures_only = true; break;
        case 'j': o->json = true; break;
        case 'C': o->ca_file = optarg; break;
        case 'r':
            CLI_ENSURE(o->nroots < MAX_ROOTS, MAAT_EXIT_USAGE, PROG ": at most %d --trust-root",
                       MAX_ROOTS);
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
        fprintf(stderr, PROG ": expected exactly one TOKEN\n");
        usage(stderr);
        CLI_FAIL(MAAT_EXIT_USAGE);
    }
    o->token_arg = argv[optind];
    CLI_ENSURE((o->endpoint == NULL) != (o->jwks_path == NULL), MAAT_EXIT_USAGE,
               PROG ": give either --endpoint URL or --jwks FILE");
    CLI_ENSURE(o->ca_file == NULL || o->endpoint != NULL, MAAT_EXIT_USAGE,
               PROG ": --ca-file applies to --endpoint (https)");
    CLI_ENSURE(o->jwks_path == NULL || o->issuer_arg != NULL, MAAT_EXIT_USAGE,
               PROG ": --jwks needs --issuer URL (the expected token issuer)");
    CLI_ENSURE(o->require_quote || (o->nroots == 0 && o->collateral == NULL && !o->signatures_only),
               MAAT_EXIT_USAGE,
               PROG ": --trust-root, --collateral and --signatures-only apply to "
                    "--require-signer-quote");
out:
    return rc;
}

/* A failure: the message to stderr (escaped: it may quote the token) and, for --json, into
 * res as {"valid": false, "error": {code, message}} (json_out.h). Returns rc. */
static int fail(json_t *res, int rc, const char *label, const char *msg)
{
    cli_text_printf(stderr, PROG ": %s%s%s\n", label ? label : "", label ? ": " : "", msg);
    cli_json_set_error(res, "valid", rc, NULL, msg);
    return rc;
}

/* A token maat__jws_parse() refused (err): an alg other than RS256, ES256, PS256 (and
 * "none", which the parser names) is INVALID (1), anything else unreadable (3). */
static int malformed_token(json_t *res, const char *token, const struct maat_error *err)
{
    int rc;
    char *alg = tc_peek_alg(token);
    bool refused = alg != NULL && strcmp(alg, "none") && strcmp(alg, "RS256") &&
                   strcmp(alg, "ES256") && strcmp(alg, "PS256");
    if (refused) {
        char msg[MAAT_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "header alg \"%.200s\": expected RS256, ES256 or PS256", alg);
        rc = fail(res, MAAT_EXIT_FAIL, "INVALID", msg);
        json_object_set_new(res, "reason", json_string(msg));
    } else {
        rc = fail(res, MAAT_EXIT_INPUT, "TOKEN", err->msg);
        json_object_set_new(res, "reason", json_string(err->msg));
    }
    free(alg);
    return rc;
}

/* `maat token verify`: argv[0] is "verify". */
static int token_verify(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    o.at = time(NULL);
    int p = parse_opts(argc, argv, &o);
    if (p != 0) {
        if (p > 0 && cli_wants_json(argc, argv)) { /* bad command line: JSON all the same */
            json_t *e = cli_json_error_object("valid", p,
                                              "bad command line (see stderr and "
                                              "`maat token verify --help`)");
            cli_json_print(e);
            json_decref(e);
        }
        return p < 0 ? MAAT_EXIT_OK : p;
    }

    int rc = MAAT_EXIT_INTERNAL;
    struct maat_error err = {0}, why = {0};
    struct maat_jws j;
    memset(&j, 0, sizeof j);
    struct maat_token_result *tr = calloc(1, sizeof *tr);
    struct maat_trust *trust = NULL;
    struct tc_collateral coll;
    tc_collateral_init(&coll, NULL);
    json_t *jwks = NULL, *res = json_object();
    char *issuer = tc_strip_slashes(o.issuer_arg ? o.issuer_arg : o.endpoint);
    char *source = NULL, at_text[32];
    char *token = NULL;
    uint8_t *jwks_raw = NULL;
    size_t jwks_len = 0;
    bool printed = false;
    json_object_set_new(res, "valid", json_false());
    token = tc_load_token(o.token_arg, &err);
    if (token == NULL)
        CLI_FAIL(fail(res, err.code == MAAT_ERR_NOMEM ? MAAT_EXIT_INTERNAL : MAAT_EXIT_INPUT, NULL,
                      err.msg));
    if (issuer == NULL || res == NULL || tr == NULL)
        CLI_FAIL(fail(res, MAAT_EXIT_INTERNAL, NULL, "out of memory"));
    json_object_set_new(res, "issuer", json_string(issuer));
    if (maat__jws_parse(token, strlen(token), &j, &err) != 0)
        CLI_FAIL(malformed_token(res, token, &err));
    jwks = tc_load_jwks(o.jwks_path, o.endpoint, o.ca_file, &source, &jwks_raw, &jwks_len, &rc, &err);
    if (jwks == NULL) CLI_FAIL(fail(res, rc, NULL, err.msg));
    tc_fmt_time(o.at, at_text);
    json_object_set_new(res, "jwks_source", json_string(source));
    json_object_set_new(res, "checked_at", json_string(at_text));
    json_object_set_new(res, "clock_skew_seconds", json_integer(SKEW));

    rc = MAAT_EXIT_FAIL;
    char not_checked[MAAT_ERROR_MSG_MAX] = "", result[2 * MAAT_ERROR_MSG_MAX + 256];
    const char *result_line = NULL;
    /* every check, the signer's own quote included, in libmaat (maat_token_validate) */
    struct maat_token_expect x = {.issuer = issuer,
                                  .at = o.at,
                                  .skew_seconds = TC_SKEW,
                                  .jwks = jwks_raw,
                                  .jwks_len = jwks_len,
                                  .require_signer_quote = o.require_quote,
                                  .signer_signatures_only = o.signatures_only};
    tc_collateral_init(&coll, o.collateral);
    tc_collateral_opts(&coll, &x.collateral, &x.collateral_ctx);
    int r = 0;
    if (o.require_quote) {
        trust = tc_load_trust(o.roots, o.nroots, &rc, &why);
        r = trust == NULL ? -1 : 0;
        x.trust = trust;
    }
    if (r == 0) r = tc_check_token(&x, token, res, tr, &why);
    if (o.require_quote && !tc_token_failed_before(tr, MAAT_TOKEN_CHECK_SIGNER_QUOTE) &&
        (r == 0 || tr->failed_check >= MAAT_TOKEN_CHECK_SIGNER_QUOTE)) {
        json_t *sq = json_object();
        json_object_set_new(res, "signer_quote", sq);
        tc_signer_json(tr, sq, o.collateral);
        json_object_set_new(res, "signatures_only", json_boolean(o.signatures_only));
        if (tr->signer != NULL)
            maat_quote_check_not_checked_text(&tr->signer->check, not_checked, sizeof not_checked);
    }
    if (r != 0 && coll.failed) rc = coll.exit_code; /* --collateral unreadable */
    if (r != 0 && tr->incomplete) {
        /* fail closed: PASS only when every check ran (issue 12 item 3) */
        rc = MAAT_EXIT_INCOMPLETE;
        json_object_set_new(res, "result", json_string("incomplete"));
        json_object_set_new(res, "reason", json_string(tr->reason));
        fail(res, rc, "INCOMPLETE", tr->reason);
        snprintf(result, sizeof result,
                 "INCOMPLETE (%s) — not a PASS; --signatures-only "
                 "accepts the reduced check",
                 tr->reason);
        result_line = result;
        r = 0; /* the report says what ran */
    } else if (r != 0) {
        if (why.code == MAAT_ERR_NOMEM || why.code == MAAT_ERR_INTERNAL) rc = MAAT_EXIT_INTERNAL;
        json_object_set_new(res, "result", json_string("fail"));
        json_object_set_new(res, "reason", json_string(why.msg));
        fail(res, rc, rc == MAAT_EXIT_FAIL ? "INVALID" : "error", why.msg);
    } else if (not_checked[0] != '\0') {
        rc = MAAT_EXIT_OK;
        json_object_set_new(res, "valid", json_true());
        json_object_set_new(res, "result", json_string("pass-signatures-only"));
        snprintf(result, sizeof result, "PASS (signatures only: signer quote %s not checked)",
                 not_checked);
        result_line = result;
    } else {
        rc = MAAT_EXIT_OK;
        json_object_set_new(res, "valid", json_true());
        json_object_set_new(res, "result", json_string("pass"));
        if (o.require_quote) result_line = "PASS (every check ran, the signer quote included)";
    }
    if (r == 0 || o.json) { /* valid, or incomplete: the report says what ran */
        json_object_set(res, "header", j.header);
        if (j.payload) json_object_set(res, "claims", j.payload);
        if (o.json) {
            printed = true;
            if (cli_json_print(res) != 0) rc = MAAT_EXIT_INTERNAL;
        } else {
            print_text(res, j.payload, result_line);
            if (fflush(stdout) != 0) rc = MAAT_EXIT_INTERNAL;
        }
    }
out:
    if (o.json && !printed) cli_json_print(res); /* failures before the checks ran */
    maat_token_result_cleanup(tr);
    free(tr);
    tc_collateral_cleanup(&coll);
    maat_trust_free(trust);
    maat__jws_cleanup(&j);
    json_decref(jwks);
    free(jwks_raw);
    json_decref(res);
    free(token);
    free(issuer);
    free(source);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"verify", token_verify, usage},
};

int cmd_token(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MAAT_EXIT_USAGE : MAAT_EXIT_OK;
    }
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0], argv[1]);
    if (v == NULL) {
        fprintf(stderr, "maat token: unknown sub-command '%s' (expected verify)\n", argv[1]);
        return MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}
