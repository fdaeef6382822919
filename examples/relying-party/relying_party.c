/*
 * relying_party.c - a relying party's token check with the installed libmaat: validates an
 * MAA-format attestation token (Azure Attestation or maatd) with maat_token_validate()
 * (maat/token.h), optionally with the signer's own quote and against an EnclaveInfo file,
 * and prints what it found. Built with pkg-config:
 *
 *   cc -o relying-party relying_party.c $(pkg-config --cflags --libs maat)
 *   ./relying-party [OPTIONS] TOKEN_FILE JWKS_FILE ISSUER UNIX_TIME
 *
 * JWKS_FILE is the issuer's GET /certs document, fetched by you over TLS from the issuer
 * you trust (this program does no network I/O). UNIX_TIME is the validation time (pass
 * `date +%s`; never implicit). Checked: every check of maat_token_validate() - strict JWS,
 * alg allow-list (never "none"), typ, kid, jku = ISSUER/certs, the JWKS key with that kid
 * (never a key the token carries), the signature, iss, the certificate's CN and validity,
 * exp/nbf/iat with 60 s of skew - and, when asked:
 *   --signer-quote         the signing certificate's enclave quote (Intel's root; add
 *                          --trust-root PEM for a simulated platform), bound to the key,
 *                          verified with the --collateral BUNDLE.json when given; without
 *                          collateral the TCB status is not checked: INCOMPLETE (exit 1)
 *                          unless --signatures-only accepts the reduced check
 *   --enclave-info FILE    the claims match this EnclaveInfo JSON (the MAA samples' file)
 * Exit status: 0 valid, 1 invalid or incomplete (the reason on stderr), 2 usage or
 * unreadable input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <maat/collateral.h>
#include <maat/enclave_info.h>
#include <maat/error.h>
#include <maat/quote_check.h>
#include <maat/token.h>
#include <maat/verify.h>
#include <maat/version.h>

static char *read_all(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "relying-party: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > max) {
        fprintf(stderr, "relying-party: %s: larger than %zu bytes\n", path, max);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The collateral callback: one bundle file for whatever FMSPC the verified leaf names
 * (maat_collateral_verify then refuses a bundle for another platform). */
static int bundle_collateral(void *ctx, const uint8_t fmspc[6], enum maat_pck_ca ca,
                             const struct maat_collateral_input **out, struct maat_error *err)
{
    (void)fmspc;
    (void)ca;
    (void)err;
    *out = ctx;
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: relying-party [--signer-quote [--trust-root PEM] [--collateral "
            "BUNDLE] [--signatures-only]] [--enclave-info FILE] TOKEN_FILE JWKS_FILE "
            "ISSUER UNIX_TIME\n(libmaat %s)\n",
            maat_version());
}

int main(int argc, char **argv)
{
    const char *root = NULL, *coll = NULL, *ei_path = NULL;
    bool signer = false, sig_only = false;
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        if (!strcmp(argv[i], "--signer-quote"))
            signer = true;
        else if (!strcmp(argv[i], "--signatures-only"))
            sig_only = true;
        else if (!strcmp(argv[i], "--trust-root") && i + 1 < argc)
            root = argv[++i];
        else if (!strcmp(argv[i], "--collateral") && i + 1 < argc)
            coll = argv[++i];
        else if (!strcmp(argv[i], "--enclave-info") && i + 1 < argc)
            ei_path = argv[++i];
        else {
            usage();
            return 2;
        }
    }
    if (argc - i != 4) {
        usage();
        return 2;
    }
    char *end = NULL;
    long long at = strtoll(argv[i + 3], &end, 10);
    if (end == argv[i + 3] || *end != '\0') {
        usage();
        return 2;
    }
    int rc = 2;
    size_t tlen = 0, jlen = 0, n = 0;
    char *token = read_all(argv[i], 1u << 20, &tlen);
    char *jwks = read_all(argv[i + 1], MAAT_TOKEN_JWKS_MAX, &jlen);
    char *ei_text = NULL, *root_pem = NULL, *coll_text = NULL;
    struct maat_error err = {0};
    struct maat_trust *trust = NULL;
    struct maat_enclave_info ei;
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input in;
    memset(&ei, 0, sizeof ei);
    memset(&bundle, 0, sizeof bundle);
    struct maat_token_result r;
    memset(&r, 0, sizeof r);
    if (token == NULL || jwks == NULL) goto out;
    while (tlen > 0 && strchr(" \t\r\n", token[tlen - 1])) token[--tlen] = '\0';

    struct maat_token_expect x = {.issuer = argv[i + 2],
                                  .at = (time_t)at,
                                  .skew_seconds = MAAT_TOKEN_SKEW_DEFAULT,
                                  .jwks = (const uint8_t *)jwks,
                                  .jwks_len = jlen};
    if (signer) {
        trust = maat_trust_new_intel(&err);
        if (trust == NULL) goto fail;
        if (root != NULL) {
            if ((root_pem = read_all(root, 1u << 20, &n)) == NULL) goto out;
            if (maat_trust_add_root(trust, (const uint8_t *)root_pem, n, root, true, &err) != 0)
                goto fail;
        }
        if (coll != NULL) {
            if ((coll_text = read_all(coll, 64u << 20, &n)) == NULL) goto out;
            if (maat_collateral_bundle_parse(coll_text, n, &bundle, &err) != 0) goto fail;
            maat_collateral_input_from_bundle(&bundle, &in);
            x.collateral = bundle_collateral;
            x.collateral_ctx = &in;
        }
        x.require_signer_quote = true;
        x.trust = trust;
        x.signer_signatures_only = sig_only;
    }
    if (ei_path != NULL) {
        if ((ei_text = read_all(ei_path, MAAT_ENCLAVE_INFO_MAX_SIZE, &n)) == NULL) goto out;
        if (maat_enclave_info_parse(ei_text, n, &ei, &err) != 0) goto fail;
        x.enclave_info = &ei;
        x.enclave_info_oe = ei.quote_len >= 2 && ei.quote[0] == 1 && ei.quote[1] == 0;
    }

    if (maat_token_validate(token, tlen, &x, &r, &err) != 0) goto fail;
    for (int c = 0; c < MAAT_TOKEN_CHECK__COUNT; c++)
        if (r.checks[c] != MAAT_TOKEN_NOT_RUN)
            printf("%-22s %s\n", maat_token_check_name((enum maat_token_check)c),
                   r.checks[c] == MAAT_TOKEN_PASSED ? "passed" : "FAILED");
    if (r.signer != NULL) {
        char nc[1024];
        maat_quote_check_not_checked_text(&r.signer->check, nc, sizeof nc);
        printf("signer quote: extension %s, FMSPC %s, not checked: %s\n", r.signer->extension,
               r.signer->check.fmspc_hex[0] ? r.signer->check.fmspc_hex : "-",
               nc[0] ? nc : "nothing");
    }
    for (size_t k = 0; k < r.enclave_claims_count; k++) /* claim values are untrusted text */
        printf("%-16s %s (%s)\n", r.enclave_claims[k].name,
               r.enclave_claims[k].pass ? "match" : "MISMATCH", r.enclave_claims[k].claim);
    if (r.valid) {
        printf("token valid: iss %s, kid %s, signed by CN=%s\n", x.issuer, r.kid, r.cert_subject_cn);
        rc = 0;
    } else {
        fprintf(stderr, "relying-party: token %s: %s: %s\n", r.incomplete ? "INCOMPLETE" : "INVALID",
                maat_token_check_name(r.failed_check), r.reason);
        rc = 1;
    }
    goto out;
fail:
    fprintf(stderr, "relying-party: %s\n", err.msg);
    rc = 2;
out:
    maat_token_result_cleanup(&r);
    maat_enclave_info_cleanup(&ei);
    maat_collateral_bundle_cleanup(&bundle);
    maat_trust_free(trust);
    free(coll_text);
    free(root_pem);
    free(ei_text);
    free(jwks);
    free(token);
    return rc;
}
