/*
 * cmd_policy.c - `maat policy get|set|reset TYPE`: MAA's policy management (maa.md 5)
 * against Azure Attestation or maatd. set PUTs the compact JWS as text/plain and checks
 * that the service's x-ms-policy-token-hash equals b64url(SHA-256(the JWS sent)); reset
 * POSTs /policies/TYPE:reset with the JWS of an empty payload (unsigned: exactly
 * eyJhbGciOiJub25lIn0..); get decodes the stored policy JWS in x-ms-policy.
 * A --jws file in the seed maa.signing.tool's non-JSON form is refused unless --no-check
 * (MAA cannot read it; see docs/signing.md).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "maat/jose.h"
#include "cli.h"
#include "json_out.h"
#include "textout.h"
#include "jws_show.h"
#include "keyfile.h"
#include "mgmt.h"
#include "sign.h"

#define POLICY_MAX (256u * 1024u)
#define RESET_UNSIGNED "eyJhbGciOiJub25lIn0.."

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat policy get TYPE --endpoint URL [common options]\n"
            "       maat policy set TYPE --endpoint URL (--jws FILE | --policy FILE --key KEY\n"
            "                       --cert CERT | --unsigned-policy FILE) [--no-check] [common]\n"
            "       maat policy reset TYPE --endpoint URL [--jws FILE | --key KEY --cert CERT]\n"
            "                       [common options]\n"
            "\n"
            "TYPE: SgxEnclave, OpenEnclave, Tpm, SevSnpVm (case-insensitive).\n"
            "get    GET /policies/TYPE: prints the stored policy text, its hash and signer\n"
            "set    PUT /policies/TYPE (text/plain, the compact JWS); prints x-ms-policy-result,\n"
            "       checks x-ms-policy-token-hash = b64url(SHA-256(JWS sent)), prints the signer\n"
            "reset  POST /policies/TYPE:reset with an empty-payload JWS (unsigned by default:\n"
            "       eyJhbGciOiJub25lIn0.., or signed with --key/--cert)\n"
            "\n"
            "  --jws FILE               send this JWS (e.g. from `maat sign policy`) as is\n"
            "  --policy FILE            sign this policy text with --key/--cert first\n"
            "  --unsigned-policy FILE   send this policy text unsigned (alg none)\n"
            "  --key KEY --cert CERT    signer (PEM); --password-env NAME for encrypted keys\n"
            "  --no-check               skip the local checks (policy parser; JWS payload must be\n"
            "                           JSON - a seed maa.signing.tool file without -w is "
            "not)\n" MGMT_USAGE "\n"
            "exit codes: 0 done, 1 the service refused (printed as CODE: message) or a\n"
            "            response check failed, 2 usage, 3 bad input, 4 network / I/O error\n");
}

static const char *const types[] = {"SgxEnclave", "OpenEnclave", "Tpm", "SevSnpVm"};

static const char *canonical_type(const char *t)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcasecmp(t, types[i])) return types[i];
    return NULL;
}

/* Local checks of a policy JWS before it is sent. */
static int check_policy_jws(const char *path, const char *jws, bool check, struct maat_error *err)
{
    struct cli_jws cj;
    if (cli_jws_parse(jws, strlen(jws), &cj, err) != 0) {
        maat_error_prefix(err, "%s", path);
        return -1;
    }
    int rc = 0;
    if (!check) goto out;
    if (!cj.payload_is_json) {
        rc = maat_error_set(err, MAAT_ERR_VALUE,
                            "%s: %s. MAA cannot read such a body; --no-check sends it anyway", path,
                            cj.payload_problem);
    } else if (cj.policy_form == CLI_POLICY_NONE) {
        rc = maat_error_set(err, MAAT_ERR_VALUE,
                            "%s: the payload has no \"AttestationPolicy\" string", path);
    } else if (cj.policy_form == CLI_POLICY_RAW) {
        rc = maat_error_set(
            err, MAAT_ERR_VALUE,
            "%s: \"AttestationPolicy\" holds raw policy text (the preview-era format, "
            "seed maa.signing.tool -w); api-version 2020-10-01 expects base64url. "
            "--no-check sends it anyway",
            path);
    } else {
        rc = cli_check_policy(path, cj.policy_text, cj.policy_len, err);
    }
out:
    cli_jws_cleanup(&cj);
    return rc;
}

static char *read_jws_file(const char *path, struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_file(path, MAAT_JWS_MAX_SIZE + 4096, &buf, &len, err) != 0) return NULL;
    char *t = cli_token_from_text((const char *)buf, len, path, err);
    free(buf);
    return t;
}

/* The arguments of `maat policy VERB TYPE [options]` (argv[0] is the verb, argv[1] TYPE). */
struct policy_args {
    char prog[64];
    struct mgmt m;
    const char *type; /* canonical TYPE */
    const char *jws_file, *policy, *unsig, *key, *cert, *pw;
    bool check;
    int sources; /* how many of --jws, --policy, --unsigned-policy */
};

/* Parses and checks the common arguments; returns -1 to go on, else the exit code to end the
 * verb with (a usage failure, already reported). */
static int policy_options(int argc, char **argv, struct policy_args *a)
{
    static const struct option lo[] = {{"jws", required_argument, NULL, 'j'},
                                       {"policy", required_argument, NULL, 'p'},
                                       {"unsigned-policy", required_argument, NULL, 'u'},
                                       {"key", required_argument, NULL, 'k'},
                                       {"cert", required_argument, NULL, 'c'},
                                       {"password-env", required_argument, NULL, 'P'},
                                       {"no-check", no_argument, NULL, 'n'},
                                       {"help", no_argument, NULL, 'h'},
                                       MGMT_LONGOPTS,
                                       {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    snprintf(a->prog, sizeof a->prog, "maat policy %s", argv[0]);
    a->m.prog = a->prog;
    a->m.json = cli_wants_json(argc, argv); /* argv[0], the verb, is not an option */
    a->type = canonical_type(argv[1]);
    a->check = true;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", lo, NULL)) != -1) {
        if (mgmt_option(&a->m, c, optarg)) continue;
        switch (c) {
        case 'j': a->jws_file = optarg; break;
        case 'p': a->policy = optarg; break;
        case 'u': a->unsig = optarg; break;
        case 'k': a->key = optarg; break;
        case 'c': a->cert = optarg; break;
        case 'P': a->pw = optarg; break;
        case 'n': a->check = false; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default:
            usage(stderr);
            mgmt_record(&a->m, NULL, "usage", "bad command line (see --help)");
            mgmt_print_failure(&a->m, MAAT_EXIT_USAGE);
            return MAAT_EXIT_USAGE;
        }
    }
    if (a->type == NULL) {
        mgmt_fail(&a->m, NULL, "usage",
                  "unknown TYPE '%s' (SgxEnclave, OpenEnclave, Tpm, SevSnpVm)", argv[1]);
        mgmt_print_failure(&a->m, MAAT_EXIT_USAGE);
        return MAAT_EXIT_USAGE;
    }
    if (optind != argc - 1 || a->m.endpoint == NULL) {
        mgmt_fail(&a->m, NULL, "usage", "--endpoint URL is required (and no extra arguments)");
        mgmt_print_failure(&a->m, MAAT_EXIT_USAGE);
        return MAAT_EXIT_USAGE;
    }
    a->sources = (a->jws_file != NULL) + (a->policy != NULL) + (a->unsig != NULL);
    return -1;
}

/* Conflicting or missing options: reported, and the exit code returned. */
static int policy_usage_fail(struct policy_args *a)
{
    mgmt_fail(&a->m, NULL, "usage", "conflicting or missing options (see --help)");
    mgmt_print_failure(&a->m, MAAT_EXIT_USAGE);
    return MAAT_EXIT_USAGE;
}

/* A failure to read or make the request body: reported, MAAT_EXIT_INPUT returned. */
static int policy_input_fail(struct mgmt *m, const struct maat_error *err)
{
    mgmt_fail(m, "input", maat_err_name(err->code), "%s", err->msg);
    return MAAT_EXIT_INPUT;
}

/* The result object out goes to stdout (with --json: with ok false when rc says failed). */
static void policy_print_result(struct mgmt *m, json_t *out, int rc)
{
    json_object_set_new(out, "response_token", json_string(m->verify_note));
    if (rc != MAAT_EXIT_OK) mgmt_mark_failed(m, out, rc);
    if (m->json)
        mgmt_print_json(out);
    else
        printf("%s\n", m->verify_note);
}

/* x-ms-policy-result of a set or reset: printed, and checked against `expect`. Returns the
 * exit code so far. */
static int policy_check_result(struct mgmt *m, const json_t *p, json_t *out, const char *expect)
{
    const char *result = json_string_value(json_object_get(p, "x-ms-policy-result"));
    json_object_set_new(out, "x-ms-policy-result", result ? json_string(result) : json_null());
    if (!m->json) {
        fputs("x-ms-policy-result: ", stdout);
        cli_fputs_safe(result ? result : "(missing)", stdout);
        fputc('\n', stdout);
    }
    if (result == NULL || strcmp(result, expect) != 0) {
        mgmt_fail(m, "response_check", "unexpected_result",
                  "expected x-ms-policy-result \"%s\", got %s%s%s", expect, result ? "\"" : "",
                  result ? result : "none", result ? "\"" : "");
        return MAAT_EXIT_FAIL;
    }
    return MAAT_EXIT_OK;
}

/* x-ms-policy-signer of a set or reset, shown ("none" printed for an unsigned set). */
static void policy_show_signer(struct mgmt *m, const json_t *p, json_t *out, bool is_set)
{
    const json_t *signer = json_object_get(json_object_get(p, "x-ms-policy-signer"), "x5c");
    if (json_is_array(signer)) {
        json_object_set_new(out, "x-ms-policy-signer", cli_x5c_info(signer));
        if (!m->json) {
            printf("x-ms-policy-signer:\n");
            cli_show_x5c(stdout, "  ", signer);
        }
    } else if (!m->json && is_set) {
        printf("x-ms-policy-signer: none (unsigned policy)\n");
    }
}

/* `maat policy get TYPE`: the stored policy JWS, its signer and its text. */
static int policy_get(int argc, char **argv)
{
    struct policy_args a;
    int rc = policy_options(argc, argv, &a);
    if (rc >= 0) return rc;
    struct mgmt *m = &a.m;
    if (a.sources || a.key || a.cert) return policy_usage_fail(&a);
    struct maat_error err = {0};
    struct cli_jws resp, sj;
    memset(&resp, 0, sizeof resp);
    memset(&sj, 0, sizeof sj);
    json_t *out = NULL;
    bool printed = false; /* the result object went out (with --json: with ok false on failure) */
    char path[64];

    rc = MAAT_EXIT_INPUT;
    snprintf(path, sizeof path, "/policies/%s", a.type);
    CLI_TRY(mgmt_call(m, "GET", path, NULL, NULL, 0, &resp, &rc), rc);
    out = json_pack("{s:s,s:s}", "type", a.type, "operation", argv[0]);
    rc = MAAT_EXIT_OK;
    const char *stored = json_string_value(json_object_get(resp.j.payload, "x-ms-policy"));
    if (stored == NULL) {
        mgmt_fail(m, "response", "bad_response", "the response has no x-ms-policy claim");
        rc = MAAT_EXIT_INPUT;
    } else if (cli_jws_parse(stored, strlen(stored), &sj, &err) != 0) {
        mgmt_fail(m, "response", "bad_response", "x-ms-policy: %s", err.msg);
        rc = MAAT_EXIT_INPUT;
    } else {
        json_object_set_new(out, "stored", cli_jws_to_json(&sj));
        json_object_set_new(out, "x-ms-policy", json_string(stored));
        if (!m->json) {
            printf("%s policy at %s: %s JWS (alg %s)\n", a.type, m->endpoint,
                   sj.j.alg == MAAT_JWS_NONE ? "unsigned" : "signed", sj.j.alg_text);
            const json_t *x5c = json_object_get(sj.j.header, "x5c");
            if (json_is_array(x5c)) {
                printf("signer (header x5c of the stored JWS):\n");
                cli_show_x5c(stdout, "  ", x5c);
            }
            if (sj.policy_text) {
                /* the service's text: control bytes escaped (no terminal codes) */
                printf("policy hash (x-ms-policy-hash): %s\n-----\n", sj.policy_hash);
                cli_fputs_safe(sj.policy_text, stdout);
                printf("%s-----\n",
                       sj.policy_len && sj.policy_text[sj.policy_len - 1] != '\n' ? "\n" : "");
            } else {
                printf("no AttestationPolicy in the stored JWS\n");
            }
        }
    }
    policy_print_result(m, out, rc);
    printed = true;
out:
    if (rc != MAAT_EXIT_OK && !printed) mgmt_print_failure(m, rc);
    json_decref(out);
    cli_jws_cleanup(&sj);
    cli_jws_cleanup(&resp);
    return rc;
}

/* The JWS a set sends: --jws FILE (checked unless --no-check), or the policy text of
 * --policy (signed with --key/--cert) or --unsigned-policy. */
static char *policy_set_body(const struct policy_args *a, struct maat_error *err)
{
    char *jws = NULL;
    uint8_t *text = NULL;
    size_t tlen = 0;
    if (a->jws_file) {
        if ((jws = read_jws_file(a->jws_file, err)) == NULL) return NULL;
        if (check_policy_jws(a->jws_file, jws, a->check, err) != 0) goto fail;
        return jws;
    }
    const char *pf = a->policy ? a->policy : a->unsig;
    if (cli_read_file(pf, POLICY_MAX, &text, &tlen, err) != 0) goto fail;
    if (a->check && cli_check_policy(pf, (const char *)text, tlen, err) != 0) goto fail;
    if (cli_sign_policy_text((const char *)text, tlen, a->key, a->cert, a->pw, a->unsig != NULL,
                             &jws, err) != 0)
        goto fail;
    free(text);
    return jws;
fail:
    free(text);
    free(jws);
    return NULL;
}

/* `maat policy set TYPE`: PUT the policy JWS, then check x-ms-policy-result "Updated" and
 * x-ms-policy-token-hash against the hash of the JWS sent. */
static int policy_set(int argc, char **argv)
{
    struct policy_args a;
    int rc = policy_options(argc, argv, &a);
    if (rc >= 0) return rc;
    struct mgmt *m = &a.m;
    if (a.sources != 1 || ((a.key || a.cert) != (a.policy != NULL)) ||
        (a.policy && !(a.key && a.cert)))
        return policy_usage_fail(&a);
    struct maat_error err = {0};
    struct cli_jws resp, sent;
    memset(&resp, 0, sizeof resp);
    memset(&sent, 0, sizeof sent);
    json_t *out = NULL;
    bool printed = false; /* the result object went out (with --json: with ok false on failure) */
    char path[64];

    char *jws = policy_set_body(&a, &err);
    if (jws == NULL) CLI_FAIL(policy_input_fail(m, &err));
    rc = MAAT_EXIT_INPUT;
    snprintf(path, sizeof path, "/policies/%s", a.type);
    CLI_TRY(mgmt_call(m, "PUT", path, "text/plain", jws, strlen(jws), &resp, &rc), rc);

    const json_t *p = resp.j.payload;
    out = json_pack("{s:s,s:s}", "type", a.type, "operation", argv[0]);
    rc = policy_check_result(m, p, out, "Updated");
    const char *th = json_string_value(json_object_get(p, "x-ms-policy-token-hash"));
    if (cli_jws_parse(jws, strlen(jws), &sent, &err) == 0 || sent.token_hash[0]) {
        bool match = th != NULL && !strcmp(th, sent.token_hash);
        json_object_set_new(out, "x-ms-policy-token-hash", th ? json_string(th) : json_null());
        json_object_set_new(out, "token_hash_sent", json_string(sent.token_hash));
        json_object_set_new(out, "token_hash_matches", json_boolean(match));
        if (sent.policy_hash[0])
            json_object_set_new(out, "policy_hash", json_string(sent.policy_hash));
        if (!m->json) {
            fputs("x-ms-policy-token-hash: ", stdout);
            cli_fputs_safe(th ? th : "(missing)", stdout);
            printf(" (%s)\n", match ? "= b64url(SHA-256(JWS sent))" : "MISMATCH");
            if (sent.policy_hash[0])
                printf("policy hash (x-ms-policy-hash): %s\n", sent.policy_hash);
        }
        if (!match) {
            mgmt_fail(m, "response_check", "token_hash_mismatch",
                      "x-ms-policy-token-hash %s differs from the hash of the JWS sent, %s",
                      th ? th : "(missing)", sent.token_hash);
            rc = MAAT_EXIT_FAIL;
        }
    }
    policy_show_signer(m, p, out, true);
    policy_print_result(m, out, rc);
    printed = true;
out:
    if (rc != MAAT_EXIT_OK && !printed) mgmt_print_failure(m, rc);
    json_decref(out);
    cli_jws_cleanup(&sent);
    cli_jws_cleanup(&resp);
    free(jws);
    return rc;
}

/* The JWS a reset sends: --jws FILE (its payload must be empty unless --no-check), one
 * signed here with --key/--cert over an empty payload, or the unsigned reset body. */
static char *policy_reset_body(const struct policy_args *a, struct maat_error *err)
{
    char *jws = NULL;
    if (a->jws_file) {
        if ((jws = read_jws_file(a->jws_file, err)) == NULL) return NULL;
        struct cli_jws cj;
        if (cli_jws_parse(jws, strlen(jws), &cj, err) != 0) {
            maat_error_prefix(err, "%s", a->jws_file);
            free(jws);
            return NULL;
        }
        size_t pl = cj.j.payload_len;
        cli_jws_cleanup(&cj);
        if (a->check && pl != 0) {
            maat_error_set(err, MAAT_ERR_VALUE,
                           "%s: a reset body has an empty payload, this one has %zu bytes "
                           "(--no-check sends it anyway)",
                           a->jws_file, pl);
            free(jws);
            return NULL;
        }
        return jws;
    }
    /* a->key: signed here (the unsigned body is handled by the caller) */
    struct maat_signing_key *k = NULL;
    json_t *hdr = NULL;
    STACK_OF(X509) *chain = NULL;
    if (cli_load_signer(a->key, a->cert, a->pw, &k, &hdr, &chain, err) == 0)
        jws = maat__jws_sign(k, hdr, NULL, false, err);
    maat__signing_key_free(k);
    json_decref(hdr);
    sk_X509_pop_free(chain, X509_free);
    return jws;
}

/* `maat policy reset TYPE`: POST the reset JWS, then check x-ms-policy-result "Removed". */
static int policy_reset(int argc, char **argv)
{
    struct policy_args a;
    int rc = policy_options(argc, argv, &a);
    if (rc >= 0) return rc;
    struct mgmt *m = &a.m;
    if (a.policy || a.unsig || (a.jws_file && (a.key || a.cert)) ||
        ((a.key != NULL) != (a.cert != NULL)))
        return policy_usage_fail(&a);
    struct maat_error err = {0};
    struct cli_jws resp;
    memset(&resp, 0, sizeof resp);
    json_t *out = NULL;
    bool printed = false; /* the result object went out (with --json: with ok false on failure) */
    char path[64];
    char *jws = NULL;

    rc = MAAT_EXIT_INPUT;
    if (a.jws_file || a.key) {
        if ((jws = policy_reset_body(&a, &err)) == NULL) CLI_FAIL(policy_input_fail(m, &err));
    } else if ((jws = strdup(RESET_UNSIGNED)) == NULL) {
        mgmt_fail(m, NULL, "out_of_memory", "out of memory");
        CLI_FAIL(MAAT_EXIT_INPUT);
    }
    snprintf(path, sizeof path, "/policies/%s:reset", a.type);
    CLI_TRY(mgmt_call(m, "POST", path, "text/plain", jws, strlen(jws), &resp, &rc), rc);

    const json_t *p = resp.j.payload;
    out = json_pack("{s:s,s:s}", "type", a.type, "operation", argv[0]);
    rc = policy_check_result(m, p, out, "Removed");
    policy_show_signer(m, p, out, false);
    policy_print_result(m, out, rc);
    printed = true;
out:
    if (rc != MAAT_EXIT_OK && !printed) mgmt_print_failure(m, rc);
    json_decref(out);
    cli_jws_cleanup(&resp);
    free(jws);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"get", policy_get, usage},
    {"set", policy_set, usage},
    {"reset", policy_reset, usage},
};

int cmd_policy(int argc, char **argv)
{
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0],
                                             argc >= 3 ? argv[1] : NULL);
    if (v == NULL) { /* a verb and a TYPE are required */
        bool help = argc >= 2 && cli_is_help(argv[1]);
        usage(help ? stdout : stderr);
        if (!help && cli_wants_json(argc, argv))
            cli_json_fail_print("ok", NULL, "usage", "expected a verb (see --help)");
        return help ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}
