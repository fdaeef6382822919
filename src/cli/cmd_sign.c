/*
 * cmd_sign.c - `maat sign create-cert|policy|cert`: the policy-signing tool (the seed's
 * maa.signing.tool, in MAA's GA format). create-cert makes a key and a self-signed
 * certificate for an isolated MAA provider or maatd --mode isolated; policy wraps a policy
 * text in {"AttestationPolicy": b64url(text)} and signs it (RS256 with x5c, ES256 for
 * P-256, or alg none); cert wraps a certificate in {"policyCertificate": {"kty", "x5c"}}
 * for /certificates:add and :remove. Signed payloads carry "iat" (the signing time), so
 * signing the same body again makes a new JWS that maatd's replay guard accepts
 * (--no-iat: MAA's SDK form without it). See docs/signing.md.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "maat/bytes.h"
#include "maat/jose.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "cli.h"
#include "jws_show.h"
#include "keyfile.h"
#include "sign.h"

#define POLICY_MAX (256u * 1024u)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: maat sign create-cert --key-out KEY.pem --cert-out CERT.pem [--subject DN]\n"
        "                             [--days N] [--alg rsa2048|p256] [--encrypt-key]\n"
        "                             [--password-env NAME] [--force]\n"
        "       maat sign policy POLICYFILE (--key KEY.pem --cert CERT.pem | --unsigned)\n"
        "                        [-o OUT] [--no-check] [--password-env NAME] [--no-iat]\n"
        "       maat sign cert CERTFILE --key KEY.pem --cert SIGNER.pem [-o OUT]\n"
        "                      [--password-env NAME] [--no-iat]\n"
        "\n"
        "Creates policy-signing keys and the JWS bodies MAA (and maatd) take for policy and\n"
        "policy-signer management.\n"
        "\n"
        "create-cert  a private key (RSA-2048 or P-256; PKCS#8 PEM, mode 0600) and a\n"
        "             self-signed certificate (CA:TRUE, keyCertSign, SHA-256).\n"
        "  --subject DN     \"CN=name, O=org\" or \"/CN=name/O=org\" (default CN=maat policy "
        "signer)\n"
        "  --days N         validity (default 365)\n"
        "  --encrypt-key    encrypt the key (AES-256-CBC, PBKDF2); the password comes from\n"
        "                   --password-env NAME or is asked twice on the terminal\n"
        "  --force          replace existing output files\n"
        "policy       {\"AttestationPolicy\": b64url(policy text)}, signed: header\n"
        "             {\"alg\":\"RS256\",\"x5c\":[cert...]} (ES256 for P-256 keys); --unsigned:\n"
        "             {\"alg\":\"none\"}. The text is checked with the policy parser first\n"
        "             (errors as FILE:LINE:COLUMN); --no-check skips that.\n"
        "cert         {\"policyCertificate\": {\"kty\":\"RSA\",\"x5c\":[CERTFILE]}} signed by\n"
        "             --key/--cert: the body of `maat cert add` and `maat cert remove`.\n"
        "  --key KEY.pem    PEM private key (encrypted keys: --password-env NAME or a prompt)\n"
        "  --cert CERT.pem  the signer's certificate (more certificates after it = chain,\n"
        "                   all go into x5c)\n"
        "  -o OUT           output file (default stdout)\n"
        "  --no-iat         leave out the payload's \"iat\" (signing time), which signed\n"
        "                   policy and cert bodies carry by default (maatd refuses a JWS\n"
        "                   applied before; a fresh iat makes signing again a new JWS)\n"
        "\n"
        "exit codes: 0 done, 2 usage, 3 unreadable input or invalid policy, 4 I/O error\n");
}

/* ---- create-cert ---- */

static int add_subject(X509_NAME *name, const char *dn, struct maat_error *err)
{
    char *copy = strdup(dn);
    if (copy == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    const char *sep = dn[0] == '/' ? "/" : ",";
    int rc = 0, n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, sep, &save); t != NULL; t = strtok_r(NULL, sep, &save)) {
        while (*t == ' ') t++;
        char *eq = strchr(t, '=');
        if (eq == NULL || eq == t || eq[1] == '\0') {
            rc = maat_error_set(err, MAAT_ERR_USAGE, "--subject: \"%s\" is not NAME=value", t);
            break;
        }
        *eq = '\0';
        if (!X509_NAME_add_entry_by_txt(name, t, MBSTRING_UTF8, (const unsigned char *)eq + 1, -1,
                                        -1, 0)) {
            ERR_clear_error();
            rc = maat_error_set(err, MAAT_ERR_USAGE, "--subject: unknown attribute \"%s\"", t);
            break;
        }
        n++;
    }
    free(copy);
    if (rc == 0 && n == 0) rc = maat_error_set(err, MAAT_ERR_USAGE, "--subject: empty");
    return rc;
}

static int add_ext(X509 *x, int nid, const char *value, struct maat_error *err)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (!ok) return maat_error_set(err, MAAT_ERR_CRYPTO, "certificate extension %s", value);
    return 0;
}

static X509 *make_cert(EVP_PKEY *key, const char *subject, long days, struct maat_error *err)
{
    X509 *x = X509_new();
    uint8_t serial[16];
    BIGNUM *bn = NULL;
    if (x == NULL || RAND_bytes(serial, sizeof serial) != 1) goto fail;
    serial[0] &= 0x7f; /* positive */
    serial[0] |= 0x40; /* full length */
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (bn == NULL || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) goto fail;
    if (!X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) || !X509_set_pubkey(x, key))
        goto fail;
    if (add_subject(X509_get_subject_name(x), subject, err) != 0) goto fail_quiet;
    if (!X509_set_issuer_name(x, X509_get_subject_name(x))) goto fail;
    if (add_ext(x, NID_basic_constraints, "critical,CA:TRUE", err) != 0 ||
        add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign", err) != 0 ||
        add_ext(x, NID_subject_key_identifier, "hash", err) != 0 ||
        add_ext(x, NID_authority_key_identifier, "keyid:always", err) != 0)
        goto fail_quiet;
    if (X509_sign(x, key, EVP_sha256()) <= 0) goto fail;
    BN_free(bn);
    return x;
fail:
    maat_error_set(err, MAAT_ERR_CRYPTO, "cannot build the certificate");
fail_quiet:
    ERR_clear_error();
    BN_free(bn);
    X509_free(x);
    return NULL;
}

/* `maat sign create-cert`: a new policy-signing key and its self-signed certificate. */
static int sign_create_cert(int argc, char **argv)
{
    static const struct option lo[] = {{"key-out", required_argument, NULL, 'k'},
                                       {"cert-out", required_argument, NULL, 'c'},
                                       {"subject", required_argument, NULL, 's'},
                                       {"days", required_argument, NULL, 'd'},
                                       {"alg", required_argument, NULL, 'a'},
                                       {"encrypt-key", no_argument, NULL, 'e'},
                                       {"password-env", required_argument, NULL, 'p'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *key_out = NULL, *cert_out = NULL, *subject = "CN=maat policy signer";
    const char *alg = "rsa2048", *pw_env = NULL;
    long days = 365;
    bool encrypt = false, force = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'k': key_out = optarg; break;
        case 'c': cert_out = optarg; break;
        case 's': subject = optarg; break;
        case 'd': {
            char *end;
            days = strtol(optarg, &end, 10);
            if (*end || days < 1 || days > 36500) {
                fprintf(stderr, "maat sign create-cert: --days: 1 to 36500\n");
                return MAAT_EXIT_USAGE;
            }
            break;
        }
        case 'a': alg = optarg; break;
        case 'e': encrypt = true; break;
        case 'p': pw_env = optarg; break;
        case 'f': force = true; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    if (optind != argc || key_out == NULL || cert_out == NULL) {
        fprintf(stderr, "maat sign create-cert: --key-out and --cert-out are required\n");
        return MAAT_EXIT_USAGE;
    }
    if (strcmp(alg, "rsa2048") && strcmp(alg, "p256")) {
        fprintf(stderr, "maat sign create-cert: --alg: rsa2048 or p256\n");
        return MAAT_EXIT_USAGE;
    }
    if (pw_env != NULL && !encrypt) {
        fprintf(stderr, "maat sign create-cert: --password-env needs --encrypt-key\n");
        return MAAT_EXIT_USAGE;
    }
    if (!force && access(cert_out, F_OK) == 0) {
        fprintf(stderr, "maat sign create-cert: %s exists (--force to replace)\n", cert_out);
        return MAAT_EXIT_USAGE;
    }
    struct maat_error err = {0};
    char pw[CLI_PASSWORD_MAX] = "";
    int rc = MAAT_EXIT_INTERNAL;
    X509 *x = NULL;
    EVP_PKEY *key = !strcmp(alg, "p256") ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    if (key == NULL)
        CLI_TRY(maat_error_set(&err, MAAT_ERR_CRYPTO, "key generation failed"), MAAT_EXIT_INTERNAL);
    if (encrypt)
        CLI_TRY(cli_password_get(pw_env, "Password for the new key: ", true, pw, sizeof pw, &err),
                MAAT_EXIT_USAGE);
    x = make_cert(key, subject, days, &err);
    CLI_TRY(x == NULL ? -1 : 0, err.code == MAAT_ERR_USAGE ? MAAT_EXIT_USAGE : MAAT_EXIT_INTERNAL);
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n = 0;
    if (b && PEM_write_bio_X509(b, x)) n = BIO_get_mem_data(b, &p);
    int wr = n > 0 ? cli_write_file_nofollow(cert_out, p, (size_t)n, 0644, force, &err)
                   : maat_error_set(&err, MAAT_ERR_CRYPTO, "PEM encoding failed");
    BIO_free(b);
    CLI_TRY(wr, MAAT_EXIT_INTERNAL);
    CLI_TRY(cli_save_private_key(key_out, key, encrypt ? pw : NULL, force, &err), MAAT_EXIT_INTERNAL);
    char subj[512], tp[41] = "";
    cli_cert_subject(x, subj, sizeof subj);
    cli_cert_thumbprint(x, tp);
    printf("key:  %s (%s, PKCS#8 PEM, %s, mode 0600)\n", key_out,
           !strcmp(alg, "p256") ? "EC P-256, signs ES256" : "RSA-2048, signs RS256",
           encrypt ? "encrypted with AES-256-CBC" : "NOT encrypted");
    printf("cert: %s (%s, self-signed, %ld days, SHA-1 thumbprint %s)\n\n", cert_out, subj, days, tp);
    printf("How to use it:\n"
           "  Azure Attestation, isolated provider: give %s as the policy signing certificate\n"
           "    when creating the provider (az attestation create ... --certs-input-path %s),\n"
           "    or add it to an existing isolated provider, signed by a current signer:\n"
           "      maat sign cert %s --key CURRENT_KEY.pem --cert CURRENT_CERT.pem -o add.jws\n"
           "      maat cert add --endpoint URL --bearer-token-file TOKEN --jws add.jws\n"
           "  maatd: maatd --mode isolated --policy-signer %s ...\n"
           "  Then sign policies with it:\n"
           "      maat sign policy POLICY.txt --key %s --cert %s -o policy.jws\n"
           "      maat policy set SgxEnclave --endpoint URL --jws policy.jws\n"
           "  Keep %s secret; only the certificate is uploaded.\n",
           cert_out, cert_out, cert_out, cert_out, key_out, cert_out, key_out);
    rc = MAAT_EXIT_OK;
out:
    OPENSSL_cleanse(pw, sizeof pw);
    if (rc != MAAT_EXIT_OK) fprintf(stderr, "maat sign create-cert: %s\n", err.msg);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- policy / cert ---- */

static int write_out(const char *out, const char *jws, struct maat_error *err)
{
    if (out == NULL || !strcmp(out, "-")) {
        printf("%s\n", jws);
        return fflush(stdout) == 0 ? 0 : maat_error_set(err, MAAT_ERR_IO, "stdout: write failed");
    }
    return cli_write_file(out, jws, strlen(jws), err);
}

/* Adds "iat" = now to a payload that will be signed (iat true). 0, or -1 out of memory. */
static int add_iat(json_t *payload, bool iat, struct maat_error *err)
{
    if (!iat) return 0;
    if (json_object_set_new(payload, "iat", json_integer((json_int_t)time(NULL))) != 0)
        return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

static int sign_policy_text(const char *text, size_t len, const char *key, const char *cert,
                            const char *pw_env, bool unsigned_, bool iat, char **jws,
                            struct maat_error *err)
{
    *jws = NULL;
    char *b = maat_base64url_encode((const uint8_t *)text, len);
    json_t *payload = b ? json_pack("{s:s}", "AttestationPolicy", b) : NULL;
    free(b);
    if (payload == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    /* an unsigned body stays MAA's exact form: anyone could write its iat */
    if (!unsigned_ && add_iat(payload, iat, err) != 0) {
        json_decref(payload);
        return -1;
    }
    if (unsigned_) {
        *jws = maat__jws_unsigned(NULL, payload, false, err);
    } else {
        struct maat_signing_key *k = NULL;
        json_t *hdr = NULL;
        STACK_OF(X509) *chain = NULL;
        if (cli_load_signer(key, cert, pw_env, &k, &hdr, &chain, err) == 0)
            *jws = maat__jws_sign(k, hdr, payload, false, err);
        maat__signing_key_free(k);
        json_decref(hdr);
        sk_X509_pop_free(chain, X509_free);
    }
    json_decref(payload);
    return *jws ? 0 : -1;
}

int cli_sign_policy_text(const char *text, size_t len, const char *key, const char *cert,
                         const char *pw_env, bool unsigned_, char **jws, struct maat_error *err)
{
    return sign_policy_text(text, len, key, cert, pw_env, unsigned_, true, jws, err);
}

int cli_check_policy(const char *path, const char *text, size_t len, struct maat_error *err)
{
    struct maat_policy *p = NULL;
    struct maat_policy_error perr = {0};
    if (maat__policy_parse(text, len, NULL, &p, &perr) == 0) {
        maat__policy_free(p);
        return 0;
    }
    if (perr.kind == MAAT_POLICY_ERR_PARSING && perr.line > 0)
        return maat_error_set(err, MAAT_ERR_VALUE, "%s:%u:%u: PolicyParsingError: %s", path,
                              perr.line, perr.column, perr.detail[0] ? perr.detail : perr.err.msg);
    return maat_error_set(err, MAAT_ERR_VALUE, "%s: %s: %s", path, maat__policy_error_code(&perr),
                          perr.err.msg);
}

/* `maat sign policy POLICYFILE`: the policy text as a (signed or unsigned) policy JWS. */
static int sign_policy(int argc, char **argv)
{
    static const struct option lo[] = {{"key", required_argument, NULL, 'k'},
                                       {"cert", required_argument, NULL, 'c'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"unsigned", no_argument, NULL, 'u'},
                                       {"no-check", no_argument, NULL, 'n'},
                                       {"password-env", required_argument, NULL, 'p'},
                                       {"no-iat", no_argument, NULL, 'I'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *key = NULL, *cert = NULL, *out = NULL, *pw_env = NULL;
    bool unsig = false, check = true, iat = true;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'c': cert = optarg; break;
        case 'o': out = optarg; break;
        case 'u': unsig = true; break;
        case 'n': check = false; break;
        case 'p': pw_env = optarg; break;
        case 'I': iat = false; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || (!unsig && (key == NULL || cert == NULL)) ||
        (unsig && (key != NULL || cert != NULL))) {
        fprintf(stderr,
                "maat sign policy: POLICYFILE and either --key and --cert, or --unsigned\n");
        return MAAT_EXIT_USAGE;
    }
    const char *path = argv[optind];
    struct maat_error err = {0};
    uint8_t *text = NULL;
    size_t len = 0;
    char *jws = NULL;
    int rc = MAAT_EXIT_INPUT;
    CLI_TRY(cli_read_file(path, POLICY_MAX, &text, &len, &err), MAAT_EXIT_INPUT);
    if (check) CLI_TRY(cli_check_policy(path, (const char *)text, len, &err), MAAT_EXIT_INPUT);
    CLI_TRY(sign_policy_text((const char *)text, len, key, cert, pw_env, unsig, iat, &jws, &err),
            err.code == MAAT_ERR_IO ? MAAT_EXIT_INTERNAL : MAAT_EXIT_INPUT);
    CLI_TRY(write_out(out, jws, &err), MAAT_EXIT_INTERNAL);
    char ph[MAAT_POLICY_HASH_LEN + 1] = "";
    if (maat_policy_hash((const char *)text, len, ph, NULL) != 0)
        snprintf(ph, sizeof ph, "(could not be computed)");
    struct cli_jws cj;
    if (cli_jws_parse(jws, strlen(jws), &cj, &err) == 0) {
        fprintf(stderr, "signed policy: alg %s, %zu bytes of policy text%s\n", cj.j.alg_text, len,
                check ? " (checked by the policy parser)" : " (NOT checked: --no-check)");
        fprintf(stderr, "policy hash (x-ms-policy-hash): %s\n", ph);
        fprintf(stderr, "token hash (x-ms-policy-token-hash when MAA receives it as is): %s\n",
                cj.token_hash);
        cli_jws_cleanup(&cj);
    }
    rc = MAAT_EXIT_OK;
out:
    if (rc != MAAT_EXIT_OK) fprintf(stderr, "maat sign policy: %s\n", err.msg);
    free(text);
    free(jws);
    return rc;
}

static int sign_cert_body(X509 *cert, const char *key, const char *signer, const char *pw_env,
                          bool iat, char **jws, struct maat_error *err)
{
    *jws = NULL;
    char *b = cli_cert_b64(cert);
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    const char *kty = pk && EVP_PKEY_is_a(pk, "EC") ? "EC" : "RSA";
    json_t *payload = b ? json_pack("{s:{s:s,s:[s]}}", "policyCertificate", "kty", kty, "x5c", b)
                        : NULL;
    free(b);
    if (payload == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    if (add_iat(payload, iat, err) != 0) {
        json_decref(payload);
        return -1;
    }
    struct maat_signing_key *k = NULL;
    json_t *hdr = NULL;
    STACK_OF(X509) *chain = NULL;
    if (cli_load_signer(key, signer, pw_env, &k, &hdr, &chain, err) == 0)
        *jws = maat__jws_sign(k, hdr, payload, false, err);
    maat__signing_key_free(k);
    json_decref(hdr);
    sk_X509_pop_free(chain, X509_free);
    json_decref(payload);
    return *jws ? 0 : -1;
}

int cli_sign_cert_body(X509 *cert, const char *key, const char *signer, const char *pw_env,
                       char **jws, struct maat_error *err)
{
    return sign_cert_body(cert, key, signer, pw_env, true, jws, err);
}

/* `maat sign cert CERTFILE`: the {"policyCertificate": ...} JWS that adds or removes a
 * policy signer, signed by a current one. */
static int sign_cert(int argc, char **argv)
{
    static const struct option lo[] = {{"key", required_argument, NULL, 'k'},
                                       {"cert", required_argument, NULL, 'c'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"password-env", required_argument, NULL, 'p'},
                                       {"no-iat", no_argument, NULL, 'I'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *key = NULL, *signer = NULL, *out = NULL, *pw_env = NULL;
    bool iat = true;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'c': signer = optarg; break;
        case 'o': out = optarg; break;
        case 'p': pw_env = optarg; break;
        case 'I': iat = false; break;
        case 'h': usage(stdout); return MAAT_EXIT_OK;
        default: usage(stderr); return MAAT_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || key == NULL || signer == NULL) {
        fprintf(stderr, "maat sign cert: CERTFILE, --key and --cert are required\n");
        return MAAT_EXIT_USAGE;
    }
    struct maat_error err = {0};
    char *jws = NULL;
    int rc = MAAT_EXIT_INPUT;
    STACK_OF(X509) *sk = cli_load_certs(argv[optind], &err);
    CLI_TRY(sk == NULL ? -1 : 0, MAAT_EXIT_INPUT);
    if (sk_X509_num(sk) != 1)
        CLI_TRY(maat_error_set(&err, MAAT_ERR_VALUE, "%s: %d certificates; give exactly one",
                               argv[optind], sk_X509_num(sk)),
                MAAT_EXIT_INPUT);
    CLI_TRY(sign_cert_body(sk_X509_value(sk, 0), key, signer, pw_env, iat, &jws, &err),
            MAAT_EXIT_INPUT);
    CLI_TRY(write_out(out, jws, &err), MAAT_EXIT_INTERNAL);
    char subj[512], tp[41] = "";
    cli_cert_subject(sk_X509_value(sk, 0), subj, sizeof subj);
    cli_cert_thumbprint(sk_X509_value(sk, 0), tp);
    fprintf(stderr, "signed policyCertificate: %s, thumbprint %s (x-ms-certificate-thumbprint)\n",
            subj, tp);
    rc = MAAT_EXIT_OK;
out:
    if (rc != MAAT_EXIT_OK) fprintf(stderr, "maat sign cert: %s\n", err.msg);
    sk_X509_pop_free(sk, X509_free);
    free(jws);
    return rc;
}

static const struct cli_verb verbs[] = {
    {"create-cert", sign_create_cert, usage},
    {"policy", sign_policy, usage},
    {"cert", sign_cert, usage},
};

int cmd_sign(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? MAAT_EXIT_USAGE : MAAT_EXIT_OK;
    }
    const struct cli_verb *v = cli_verb_find(verbs, sizeof verbs / sizeof verbs[0], argv[1]);
    if (v == NULL) {
        fprintf(stderr, "maat sign: unknown sub-command '%s'\n", argv[1]);
        usage(stderr);
        return MAAT_EXIT_USAGE;
    }
    optind = 1;
    return v->run(argc - 1, argv + 1);
}
