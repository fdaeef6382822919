/*
 * cmd_jwt.c - `maat jwt decode`: shows any JWT/JWS readably (MAA tokens, policy and
 * certificate bodies, alg none) and checks the signature when a key, certificate or JWKS
 * is given. Without one, a token that carries its own x5c is checked against it, which
 * shows integrity only (anyone can put a certificate in x5c), and the output says so.
 * Payloads that are not JSON (the seed maa.signing.tool's unquoted AttestationPolicy) are
 * shown as text with the reason.
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
#include "jws_show.h"
#include "json_out.h"
#include "keyfile.h"
#include "textout.h"

#define JWKS_MAX (1u << 20)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maat jwt decode TOKEN [--key PEM | --cert PEM | --jwks FILE] [--json]\n"
            "\n"
            "Shows a JWT / compact JWS: header, payload, times, the certificates it carries\n"
            "(x5c, x-ms-policy-signer, policyCertificate, x-ms-policy-certificates), the policy\n"
            "text of a policy JWS with its x-ms-policy-hash, and the token hash MAA reports as\n"
            "x-ms-policy-token-hash.\n"
            "TOKEN is a file, - for stdin, or the token text; the text may also be an MAA\n"
            "response {\"token\": ...} or a JSON string literal \"eyJ...\".\n"
            "\n"
            "  --key PEM    check the signature with this public key (or a private key's\n"
            "               public half)\n"
            "  --cert PEM   check the signature with this certificate's key\n"
            "  --jwks FILE  check with the key of a JWKS ({\"keys\": [...]}, e.g. /certs) chosen\n"
            "               by the header kid (or by x5c[0] when there is no kid)\n"
            "  (none)       a token with an x5c header is checked against its own x5c[0]: this\n"
            "               proves integrity, not who signed it; otherwise NOT checked\n"
            "  --json       machine-readable output\n"
            "\n"
            "exit codes: 0 decoded (signature valid when checked), 1 signature invalid or\n"
            "            payload not JSON, 2 usage, 3 unreadable or malformed token/key\n");
}

struct sig_result {
    bool checked, valid, trusted;
    char key[600], detail[MAAT_ERROR_MSG_MAX];
};

static EVP_PKEY *x5c0_key(const json_t *x5c, char *what, size_t n)
{
    const json_t *first = json_array_get(x5c, 0);
    if (!json_is_string(first)) return NULL;
    json_t *jwk = json_pack("{s:s,s:[O]}", "kty", "RSA", "x5c", first);
    struct maat_error e = {0};
    STACK_OF(X509) *sk = maat__jwk_x5c(jwk, &e);
    json_decref(jwk);
    if (sk == NULL) return NULL;
    char subj[400];
    cli_cert_subject(sk_X509_value(sk, 0), subj, sizeof subj);
    snprintf(what, n, "the token's own x5c[0] (%s)", subj);
    EVP_PKEY *k = X509_get_pubkey(sk_X509_value(sk, 0));
    sk_X509_pop_free(sk, X509_free);
    return k;
}

static EVP_PKEY *jwks_key(const char *path, const struct cli_jws *c, char *what, size_t n,
                          struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_file(path, JWKS_MAX, &buf, &len, err) != 0) return NULL;
    json_error_t je;
    json_t *jwks = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    const json_t *keys = json_object_get(jwks, "keys");
    EVP_PKEY *k = NULL;
    if (!json_is_array(keys)) {
        maat_error_set(err, MAAT_ERR_ENCODING, "%s: not a JWKS ({\"keys\": [...]})", path);
        goto out;
    }
    const char *kid = json_string_value(json_object_get(c->j.header, "kid"));
    const json_t *jwk = NULL;
    if (kid != NULL) {
        jwk = maat__jwks_find(jwks, kid);
        if (jwk == NULL) {
            maat_error_set(err, MAAT_ERR_NOT_FOUND, "%s: no key with kid \"%.100s\"", path, kid);
            goto out;
        }
    } else {
        const json_t *x0 = json_array_get(json_object_get(c->j.header, "x5c"), 0);
        size_t i;
        const json_t *e;
        json_array_foreach (keys, i, e) {
            if (x0 && json_equal(json_array_get(json_object_get(e, "x5c"), 0), x0)) jwk = e;
        }
        if (jwk == NULL && json_array_size(keys) == 1) jwk = json_array_get(keys, 0);
        if (jwk == NULL) {
            maat_error_set(err, MAAT_ERR_NOT_FOUND,
                           "%s: the token has no kid and none of the %zu keys matches its x5c",
                           path, json_array_size(keys));
            goto out;
        }
    }
    k = maat__jwk_to_pkey(jwk, err);
    snprintf(what, n, "JWKS %s, kid %.100s", path,
             json_string_value(json_object_get(jwk, "kid"))
                 ? json_string_value(json_object_get(jwk, "kid"))
                 : "(none)");
out:
    json_decref(jwks);
    return k;
}

/* Prints {"valid": false, error...} alone (nothing decoded) under --json. */
static void jwt_json_error(bool json, int rc, const char *msg)
{
    if (!json) return;
    json_t *e = cli_json_error_object("valid", rc, msg);
    cli_json_print(e);
    json_decref(e);
}

/* The key to check the signature with: --key/--cert or --jwks (trusted), else the token's
 * own x5c (intact, not trusted), else none. NULL with err set when a given key failed. */
static EVP_PKEY *jwt_signature_key(const char *key, const char *cert, const char *jwks,
                                   const struct cli_jws *cj, struct sig_result *sr,
                                   struct maat_error *err)
{
    if (key != NULL || cert != NULL) {
        sr->trusted = true;
        return cli_load_verify_key(key ? key : cert, sr->key, sizeof sr->key, err);
    }
    if (jwks != NULL) {
        sr->trusted = true;
        return jwks_key(jwks, cj, sr->key, sizeof sr->key, err);
    }
    if (cj->j.alg == MAAT_JWS_NONE) return NULL;
    const json_t *x5c = json_object_get(cj->j.header, "x5c");
    if (x5c == NULL) x5c = json_object_get(json_object_get(cj->j.header, "jwk"), "x5c");
    return x5c != NULL ? x5c0_key(x5c, sr->key, sizeof sr->key) : NULL;
}

/* The decoded token and verdict as JSON; returns rc, or MAAT_EXIT_INTERNAL when printing
 * failed on success. */
static int jwt_print_json(const struct cli_jws *cj, const struct sig_result *sr, int rc,
                          const char *msg)
{
    json_t *o = cli_jws_to_json(cj);
    json_t *s = json_pack("{s:b,s:b}", "checked", sr->checked, "valid", sr->valid);
    if (sr->checked) {
        json_object_set_new(s, "key", json_string(sr->key));
        json_object_set_new(s, "trusted_key", json_boolean(sr->trusted));
    }
    if (sr->detail[0]) json_object_set_new(s, "error", json_string(sr->detail));
    json_object_set_new(o, "signature", s);
    /* "valid": decoded, payload JSON, and the signature valid when it was checked */
    json_object_set_new(o, "valid", json_boolean(rc == MAAT_EXIT_OK));
    if (rc != MAAT_EXIT_OK) cli_json_set_error(o, "valid", rc, NULL, msg);
    if (cli_json_print(o) != 0 && rc == MAAT_EXIT_OK) rc = MAAT_EXIT_INTERNAL;
    json_decref(o);
    return rc;
}

/* The decoded token and the signature line as text; returns rc, or MAAT_EXIT_INTERNAL when
 * stdout could not be written on success. */
static int jwt_print_text(const struct cli_jws *cj, const struct sig_result *sr, int rc)
{
    cli_jws_print(stdout, cj);
    if (cj->j.alg == MAAT_JWS_NONE && !sr->checked)
        printf("signature: none (alg \"none\": the token is unsigned)\n");
    else if (!sr->checked)
        printf("signature: NOT CHECKED (no --key, --cert or --jwks given, and no x5c header)\n");
    else if (sr->valid && sr->trusted)
        cli_text_printf(stdout, "signature: valid (%s, key: %s)\n", cj->j.alg_text, sr->key);
    else if (sr->valid) {
        cli_text_printf(stdout,
                        "signature: valid under %s. That shows the token is intact, "
                        "NOT who signed it\n",
                        sr->key);
        printf("           (anyone can put a certificate in x5c): pass --cert, --key or "
               "--jwks\n");
    } else
        cli_text_printf(stdout, "signature: INVALID (%s, key: %s): %s\n", cj->j.alg_text, sr->key,
                        sr->detail);
    if (fflush(stdout) != 0 && rc == MAAT_EXIT_OK) rc = MAAT_EXIT_INTERNAL;
    return rc;
}

/* `maat jwt decode TOKEN [--key|--cert|--jwks] [--json]` (argv[0] is "decode"). */
static int jwt_decode(int argc, char **argv)
{
    static const struct option lo[] = {
        {"key", required_argument, NULL, 'k'},  {"cert", required_argument, NULL, 'c'},
        {"jwks", required_argument, NULL, 'j'}, {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    const char *key = NULL, *cert = NULL, *jwks = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'c': cert = optarg; break;
        case 'j': jwks = optarg; break;
        case 'J': json = true; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default:
            usage(stderr);
            /* bad command line: JSON all the same */
            jwt_json_error(cli_wants_json(argc, argv), MAAT_EXIT_USAGE,
                           "bad command line (see stderr and `maat jwt decode --help`)");
            return MAAT_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || (key != NULL) + (cert != NULL) + (jwks != NULL) > 1) {
        fprintf(stderr, "maat jwt decode: one TOKEN, and at most one of --key, --cert, --jwks\n");
        jwt_json_error(json, MAAT_EXIT_USAGE, "one TOKEN, and at most one of --key, --cert, --jwks");
        return MAAT_EXIT_USAGE;
    }
    struct maat_error err = {0};
    struct cli_jws cj;
    memset(&cj, 0, sizeof cj);
    struct sig_result sr;
    memset(&sr, 0, sizeof sr);
    EVP_PKEY *pk = NULL;
    char *tok = cli_token_load(argv[optind], &err);
    int rc = MAAT_EXIT_INPUT;
    if (tok == NULL || cli_jws_parse(tok, strlen(tok), &cj, &err) != 0) {
        cli_text_printf(stderr, "maat jwt decode: %s\n", err.msg);
        if (tok == NULL && err.code == MAAT_ERR_NOMEM) rc = MAAT_EXIT_INTERNAL;
        jwt_json_error(json, rc, err.msg); /* nothing decoded: the error object alone */
        CLI_FAIL(rc);
    }
    pk = jwt_signature_key(key, cert, jwks, &cj, &sr, &err);
    if ((key || cert || jwks) && pk == NULL) {
        cli_text_printf(stderr, "maat jwt decode: %s\n", err.msg);
        if (json) { /* the token decoded, the key did not: both said */
            json_t *o = cli_jws_to_json(&cj);
            cli_json_set_error(o, "valid", rc, NULL, err.msg);
            cli_json_print(o);
            json_decref(o);
        }
        CLI_FAIL(rc);
    }
    if (pk != NULL) {
        sr.checked = true;
        struct maat_error ve = {0};
        sr.valid = maat__jws_verify(&cj.j, pk, &ve) == 0;
        if (!sr.valid) snprintf(sr.detail, sizeof sr.detail, "%s", ve.msg);
    }
    /* the verdict first, then the output: under --json it carries the same verdict */
    char msg[sizeof cj.payload_problem + 64] = "";
    if (cj.j.alg == MAAT_JWS_NONE && (key || cert || jwks)) {
        snprintf(msg, sizeof msg, "a key was given but the token is unsigned (alg none)");
        rc = MAAT_EXIT_FAIL;
    } else if (sr.checked && !sr.valid) {
        snprintf(msg, sizeof msg, "signature invalid: %s", sr.detail);
        rc = MAAT_EXIT_FAIL;
    } else if (!cj.payload_is_json && cj.j.payload_len > 0) {
        snprintf(msg, sizeof msg, "%s", cj.payload_problem);
        rc = MAAT_EXIT_FAIL;
    } else {
        rc = MAAT_EXIT_OK;
    }
    rc = json ? jwt_print_json(&cj, &sr, rc, msg) : jwt_print_text(&cj, &sr, rc);
    if (msg[0]) cli_text_printf(stderr, "maat jwt decode: %s\n", msg);
out:
    EVP_PKEY_free(pk);
    cli_jws_cleanup(&cj);
    free(tok);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"decode", jwt_decode, usage},
};

int cmd_jwt(int argc, char **argv)
{
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0],
                                             argc >= 2 ? argv[1] : NULL);
    if (v == NULL) {
        bool help = argc >= 2 && cli_is_help(argv[1]);
        usage(help ? stdout : stderr);
        return help ? MAAT_EXIT_OK : MAAT_EXIT_USAGE;
    }
    return v->run(argc - 1, argv + 1);
}
