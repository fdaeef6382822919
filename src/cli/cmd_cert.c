/*
 * cmd_cert.c - `maat cert list|add|remove`: MAA's policy-signer (management certificate)
 * routes (maa.md 5) against Azure Attestation or maatd. add/remove POST the JWS
 * {"policyCertificate": {...}} as a JSON string literal (application/json), as MAA's SDKs
 * do, and print x-ms-certificate-thumbprint (checked against the certificate sent) and
 * x-ms-policycertificates-result (IsPresent / IsAbsent).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/jose.h"
#include "cli.h"
#include "json_out.h"
#include "textout.h"
#include "jws_show.h"
#include "keyfile.h"
#include "mgmt.h"
#include "sign.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat cert list --endpoint URL [common options]\n"
            "       maat cert add|remove --endpoint URL (--jws FILE | --cert CERTFILE --key KEY\n"
            "                            --signer-cert SIGNER) [--password-env NAME] [common]\n"
            "\n"
            "list    GET /certificates: the policy-signer certificates of an isolated instance\n"
            "add     POST /certificates:add    } body: the JWS {\"policyCertificate\": ...} as a\n"
            "remove  POST /certificates:remove } JSON string literal; signed by a current signer\n"
            "\n"
            "  --jws FILE           a body made by `maat sign cert` (or the seed signing tool)\n"
            "  --cert CERTFILE      the certificate to add or remove; signed here with\n"
            "  --key KEY --signer-cert SIGNER   a current signer's key and certificate\n" MGMT_USAGE
            "\n"
            "exit codes: 0 done, 1 the service refused (printed as CODE: message) or a\n"
            "            response check failed, 2 usage, 3 bad input, 4 network / I/O error\n");
}

/* The thumbprint of policyCertificate.x5c[0] in a JWS body, "" when absent. */
static void body_thumbprint(const char *jws, char tp[41])
{
    tp[0] = '\0';
    struct cli_jws cj;
    struct maat_error e = {0};
    if (cli_jws_parse(jws, strlen(jws), &cj, &e) != 0) return;
    const json_t *x5c = json_object_get(json_object_get(cj.j.payload, "policyCertificate"), "x5c");
    json_t *info = json_is_array(x5c) ? cli_x5c_info(x5c) : NULL;
    const char *t = json_string_value(json_object_get(json_array_get(info, 0), "sha1_thumbprint"));
    if (t) snprintf(tp, 41, "%s", t);
    json_decref(info);
    cli_jws_cleanup(&cj);
}

/* What a signer certificate's key is and which JWS algorithms it signs, from the
 * certificate itself (cli_x5c_info's "key" and "key_bits"), never from the service's JWK
 * labels: "EC P-256" / ES256, "RSA-2048" / RS256 PS256, "RSA-PSS-2048" / PS256. */
static void key_label(const json_t *info, char *label, size_t n, const char **algs, const char **kty)
{
    const char *key = json_string_value(json_object_get(info, "key"));
    int bits = (int)json_integer_value(json_object_get(info, "key_bits"));
    *algs = "";
    *kty = "";
    if (key == NULL) key = "?";
    if (!strcmp(key, "EC")) {
        *kty = "EC";
        if (bits == 256)
            *algs = "ES256";
        else if (bits == 384)
            *algs = "ES384";
        else if (bits == 521)
            *algs = "ES512";
        if (bits == 256 || bits == 384 || bits == 521)
            snprintf(label, n, "EC P-%d", bits);
        else
            snprintf(label, n, "EC-%d", bits);
    } else if (!strcmp(key, "RSA")) {
        *kty = "RSA";
        *algs = "RS256 PS256";
        snprintf(label, n, "RSA-%d", bits);
    } else if (!strcmp(key, "RSA-PSS")) {
        *kty = "RSA"; /* JWK has no RSA-PSS kty */
        *algs = "PS256";
        snprintf(label, n, "RSA-PSS-%d", bits);
    } else {
        snprintf(label, n, "%s-%d", key, bits);
    }
}

/* One signer of `cert list`: numbered by its place in the service's list (each signer's own
 * x5c chain restarts at 0, so cli_show_x5c's numbers are not the signer's). */
static json_t *show_signer(size_t index, const json_t *jwk, bool text)
{
    const json_t *x5c = json_object_get(jwk, "x5c");
    json_t *info = cli_x5c_info(x5c);
    const json_t *leaf = json_array_get(info, 0);
    const char *jkty = json_string_value(json_object_get(jwk, "kty"));
    const char *jalg = json_string_value(json_object_get(jwk, "alg"));
    char label[48] = "?";
    const char *algs = "", *kty = "";
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)index));
    if (leaf == NULL || json_object_get(leaf, "error")) {
        json_object_set_new(o, "error", json_string("x5c[0] is not a base64 DER certificate"));
        if (text) printf("  [%zu] x5c[0] is not a base64 DER certificate\n", index);
        json_decref(info);
        return o;
    }
    key_label(leaf, label, sizeof label, &algs, &kty);
    /* the service's JWK labels agree with the certificate's key? (absent labels: no claim) */
    bool kty_ok = jkty == NULL || !strcmp(jkty, kty);
    bool alg_ok = jalg == NULL;
    if (jalg != NULL && algs[0]) {
        char list[32];
        snprintf(list, sizeof list, " %s ", algs);
        char want[24];
        snprintf(want, sizeof want, " %s ", jalg);
        alg_ok = strstr(list, want) != NULL;
    }
    json_object_set_new(o, "key", json_string(label));
    json_object_set_new(o, "algorithms", json_string(algs));
    json_object_set_new(o, "jwk_kty", jkty ? json_string(jkty) : json_null());
    json_object_set_new(o, "jwk_alg", jalg ? json_string(jalg) : json_null());
    json_object_set_new(o, "jwk_labels_match", json_boolean(kty_ok && alg_ok));
    json_object_set_new(o, "subject", json_incref(json_object_get(leaf, "subject")));
    json_object_set_new(o, "sha1_thumbprint", json_incref(json_object_get(leaf, "sha1_thumbprint")));
    if (text) {
        printf("  [%zu] %s", index, label);
        if (algs[0]) printf(", signs %s", algs);
        if (!(kty_ok && alg_ok)) {
            printf(" (the service labels it");
            if (jkty) printf(" kty %s", jkty);
            if (jalg) printf(" alg %s", jalg);
            printf(": does not match the certificate's key)");
        }
        printf("\n");
        cli_show_x5c(stdout, "      ", x5c);
    }
    json_decref(info);
    return o;
}

/* The options of `maat cert VERB` (argv[0] is the verb). */
struct cert_args {
    char prog[64];
    struct mgmt m;
    const char *jws_file, *cert, *key, *signer, *pw;
};

/* Parses the options; returns -1 to go on, else the exit code to end the verb with. */
static int cert_options(int argc, char **argv, struct cert_args *a)
{
    static const struct option lo[] = {{"jws", required_argument, NULL, 'j'},
                                       {"cert", required_argument, NULL, 'c'},
                                       {"key", required_argument, NULL, 'k'},
                                       {"signer-cert", required_argument, NULL, 's'},
                                       {"password-env", required_argument, NULL, 'P'},
                                       {"help", no_argument, NULL, 'h'},
                                       MGMT_LONGOPTS,
                                       {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    snprintf(a->prog, sizeof a->prog, "maat cert %s", argv[0]);
    a->m.prog = a->prog;
    a->m.json = cli_wants_json(argc, argv); /* argv[0], the verb, is not an option */
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (mgmt_option(&a->m, c, optarg)) continue;
        switch (c) {
        case 'j': a->jws_file = optarg; break;
        case 'c': a->cert = optarg; break;
        case 'k': a->key = optarg; break;
        case 's': a->signer = optarg; break;
        case 'P': a->pw = optarg; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default:
            usage(stderr);
            mgmt_record(&a->m, NULL, "usage", "bad command line (see --help)");
            mgmt_print_failure(&a->m, MAAT_EXIT_USAGE);
            return MAAT_EXIT_USAGE;
        }
    }
    return -1;
}

/* Conflicting or missing options: reported, and the exit code returned. */
static int cert_usage_fail(struct cert_args *a)
{
    mgmt_fail(&a->m, NULL, "usage", "conflicting or missing options (see --help)");
    mgmt_print_failure(&a->m, MAAT_EXIT_USAGE);
    return MAAT_EXIT_USAGE;
}

/* A failure to read or make the request body: reported, MAAT_EXIT_INPUT returned. */
static int cert_input_fail(struct mgmt *m, const struct maat_error *err)
{
    mgmt_fail(m, "input", maat_err_name(err->code), "%s", err->msg);
    return MAAT_EXIT_INPUT;
}

/* The JWS to POST for add/remove: --jws FILE as given, or --cert signed here with --key and
 * --signer-cert. *sent_tp: the SHA-1 thumbprint of the certificate in it ("" if none). */
static int cert_body_jws(const struct cert_args *a, char **jws, char sent_tp[41],
                         struct maat_error *err)
{
    *jws = NULL;
    if (a->jws_file) {
        uint8_t *buf = NULL;
        size_t len = 0;
        MAAT_TRY(cli_read_file(a->jws_file, MAAT_JWS_MAX_SIZE + 4096, &buf, &len, err));
        *jws = cli_token_from_text((const char *)buf, len, a->jws_file, err);
        free(buf);
        if (*jws == NULL) return -1;
        struct cli_jws cj;
        if (cli_jws_parse(*jws, strlen(*jws), &cj, err) != 0) {
            maat_error_prefix(err, "%s", a->jws_file);
            return -1;
        }
        cli_jws_cleanup(&cj);
        body_thumbprint(*jws, sent_tp);
        return 0;
    }
    STACK_OF(X509) *sk = cli_load_certs(a->cert, err);
    if (sk == NULL) return -1;
    int rc = -1;
    if (sk_X509_num(sk) != 1) {
        maat_error_set(err, MAAT_ERR_VALUE, "%s: %d certificates; give exactly one", a->cert,
                       sk_X509_num(sk));
        goto out;
    }
    cli_cert_thumbprint(sk_X509_value(sk, 0), sent_tp);
    rc = cli_sign_cert_body(sk_X509_value(sk, 0), a->key, a->signer, a->pw, jws, err);
out:
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

/* The result object out goes to stdout (with --json: with ok false when rc says failed). */
static void cert_print_result(struct mgmt *m, json_t *out, int rc)
{
    json_object_set_new(out, "response_token", json_string(m->verify_note));
    if (rc != MAAT_EXIT_OK) mgmt_mark_failed(m, out, rc);
    if (m->json)
        mgmt_print_json(out);
    else
        printf("%s\n", m->verify_note);
}

/* `maat cert list`: GET /certificates, each signer's key and certificate chain. */
static int cert_list(int argc, char **argv)
{
    struct cert_args a;
    int rc = cert_options(argc, argv, &a);
    if (rc >= 0) return rc;
    struct mgmt *m = &a.m;
    if (optind != argc || m->endpoint == NULL || a.jws_file || a.cert || a.key || a.signer)
        return cert_usage_fail(&a);
    struct cli_jws resp;
    memset(&resp, 0, sizeof resp);
    json_t *out = NULL;
    bool printed = false; /* the result object went out */

    rc = MAAT_EXIT_INPUT;
    CLI_TRY(mgmt_call(m, "GET", "/certificates", NULL, NULL, 0, &resp, &rc), rc);
    out = json_pack("{s:s}", "operation", argv[0]);
    const json_t *keys = json_object_get(
        json_object_get(resp.j.payload, "x-ms-policy-certificates"), "keys");
    if (!json_is_array(keys)) {
        mgmt_fail(m, "response", "bad_response",
                  "the response has no x-ms-policy-certificates {\"keys\": [...]}");
        CLI_FAIL(MAAT_EXIT_INPUT);
    }
    json_t *arr = json_array(), *signers = json_array();
    if (!m->json)
        printf("%zu policy signer certificate(s) at %s\n", json_array_size(keys), m->endpoint);
    size_t i;
    const json_t *k;
    json_array_foreach (keys, i, k) {
        const json_t *x5c = json_object_get(k, "x5c");
        if (!json_is_array(x5c)) {
            if (!m->json) printf("  [%zu] no x5c\n", i);
            json_array_append_new(signers,
                                  json_pack("{s:I,s:s}", "index", (json_int_t)i, "error", "no x5c"));
            continue;
        }
        json_array_append_new(arr, cli_x5c_info(x5c));
        json_array_append_new(signers, show_signer(i, k, !m->json));
    }
    json_object_set_new(out, "certificates", arr);
    json_object_set_new(out, "signers", signers);
    rc = MAAT_EXIT_OK;
    cert_print_result(m, out, rc);
    printed = true;
out:
    if (rc != MAAT_EXIT_OK && !printed) mgmt_print_failure(m, rc);
    json_decref(out);
    cli_jws_cleanup(&resp);
    return rc;
}

/* `maat cert add|remove`: POST the JWS as a JSON string literal, then check the thumbprint
 * returned against the certificate sent and the result against IsPresent / IsAbsent. */
static int cert_change(int argc, char **argv)
{
    struct cert_args a;
    int rc = cert_options(argc, argv, &a);
    if (rc >= 0) return rc;
    struct mgmt *m = &a.m;
    bool add = !strcmp(argv[0], "add");
    if (optind != argc || m->endpoint == NULL ||
        (a.jws_file ? (a.cert || a.key || a.signer) : !(a.cert && a.key && a.signer)))
        return cert_usage_fail(&a);
    struct maat_error err = {0};
    char *jws = NULL, *body = NULL, sent_tp[41] = "";
    struct cli_jws resp;
    memset(&resp, 0, sizeof resp);
    json_t *out = NULL;
    bool printed = false; /* the result object went out (with --json: with ok false on failure) */

    CLI_TRY(cert_body_jws(&a, &jws, sent_tp, &err), cert_input_fail(m, &err));
    json_t *s = json_string(jws);
    body = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    json_decref(s);
    if (body == NULL) {
        maat_error_set(&err, MAAT_ERR_NOMEM, "out of memory");
        CLI_FAIL(cert_input_fail(m, &err));
    }
    rc = MAAT_EXIT_INPUT;
    CLI_TRY(mgmt_call(m, "POST", add ? "/certificates:add" : "/certificates:remove",
                      "application/json", body, strlen(body), &resp, &rc),
            rc);

    const json_t *p = resp.j.payload;
    out = json_pack("{s:s}", "operation", argv[0]);
    rc = MAAT_EXIT_OK;
    const char *tp = json_string_value(json_object_get(p, "x-ms-certificate-thumbprint"));
    const char *res = json_string_value(json_object_get(p, "x-ms-policycertificates-result"));
    json_object_set_new(out, "x-ms-certificate-thumbprint", tp ? json_string(tp) : json_null());
    json_object_set_new(out, "x-ms-policycertificates-result", res ? json_string(res) : json_null());
    bool match = tp && sent_tp[0] && !strcmp(tp, sent_tp);
    if (sent_tp[0]) json_object_set_new(out, "thumbprint_sent", json_string(sent_tp));
    if (!m->json) {
        /* the service's strings: control bytes escaped (no terminal codes) */
        fputs("x-ms-certificate-thumbprint: ", stdout);
        cli_fputs_safe(tp ? tp : "(missing)", stdout);
        printf("%s\n", !sent_tp[0] ? ""
                       : match     ? " (= SHA-1 of the certificate sent)"
                                   : " (MISMATCH)");
        fputs("x-ms-policycertificates-result: ", stdout);
        cli_fputs_safe(res ? res : "(missing)", stdout);
        fputc('\n', stdout);
    }
    const char *expect = add ? "IsPresent" : "IsAbsent";
    if (res == NULL || strcmp(res, expect) != 0) {
        mgmt_fail(m, "response_check", "unexpected_result",
                  "expected x-ms-policycertificates-result \"%s\", got %s%s%s", expect,
                  res ? "\"" : "", res ? res : "none", res ? "\"" : "");
        rc = MAAT_EXIT_FAIL;
    }
    if (sent_tp[0] && !match) {
        mgmt_fail(m, "response_check", "thumbprint_mismatch",
                  "the thumbprint returned differs from the certificate sent (%s)", sent_tp);
        rc = MAAT_EXIT_FAIL;
    }
    cert_print_result(m, out, rc);
    printed = true;
out:
    if (rc != MAAT_EXIT_OK && !printed) mgmt_print_failure(m, rc);
    json_decref(out);
    cli_jws_cleanup(&resp);
    free(jws);
    free(body);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"list", cert_list, usage},
    {"add", cert_change, usage},
    {"remove", cert_change, usage},
};

int cmd_cert(int argc, char **argv)
{
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0],
                                             argc >= 2 ? argv[1] : NULL);
    if (v == NULL) {
        bool help = argc >= 2 && cli_is_help(argv[1]);
        usage(help ? stdout : stderr);
        if (!help && cli_wants_json(argc, argv))
            cli_json_fail_print("ok", NULL, "usage", "expected a verb (see --help)");
        return help ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}
