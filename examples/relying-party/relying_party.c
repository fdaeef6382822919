/*
 * relying_party.c - a relying party's token check with the installed libmaat: validates an
 * MAA-format attestation token (Azure Attestation or maatd) against the issuer's signing
 * keys, then prints a few claims. Built with pkg-config:
 *
 *   cc -o relying-party relying_party.c $(pkg-config --cflags --libs maat)
 *   ./relying-party TOKEN_FILE JWKS_FILE ISSUER [UNIX_TIME]
 *
 * JWKS_FILE is the issuer's GET /certs document, fetched by you over TLS from the issuer
 * you trust (this program does no network I/O). Checked: compact JWS syntax, a signed alg
 * (never "none"), the key named by the header's kid in the JWKS, the signature, "iss" equal
 * to ISSUER, "jku" equal to ISSUER/certs, and nbf <= time <= exp (60 s of clock skew).
 * Exit status: 0 valid, 1 invalid (the reason on stderr), 2 usage or unreadable input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <maat/error.h>
#include <maat/jose.h>
#include <maat/version.h>

#define SKEW 60

static char *read_text(const char *path, size_t max)
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
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) n--;
    buf[n] = '\0';
    return buf;
}

static int invalid(const char *why, const char *detail)
{
    fprintf(stderr, "relying-party: token INVALID: %s%s%s\n", why, detail ? ": " : "",
            detail ? detail : "");
    return 1;
}

static int check(const struct maat_jws *jws, const json_t *jwks, const char *issuer, long long now)
{
    struct maat_error err = {0};
    if (jws->alg == MAAT_JWS_NONE) return invalid("header alg", "\"none\" is never accepted");
    const char *kid = json_string_value(json_object_get(jws->header, "kid"));
    if (kid == NULL) return invalid("header kid", "absent");
    const json_t *jwk = maat_jwks_find(jwks, kid);
    if (jwk == NULL) return invalid("no key in the JWKS with kid", kid);
    EVP_PKEY *key = maat_jwk_to_pkey(jwk, &err);
    if (key == NULL) return invalid("JWKS key", err.msg);
    int rc = maat_jws_verify(jws, key, &err);
    EVP_PKEY_free(key);
    if (rc != 0) return invalid("signature", err.msg);

    const char *iss = json_string_value(json_object_get(jws->payload, "iss"));
    if (iss == NULL || strcmp(iss, issuer) != 0) return invalid("iss is not the issuer", iss);
    char want_jku[1024];
    snprintf(want_jku, sizeof want_jku, "%s/certs", issuer);
    const char *jku = json_string_value(json_object_get(jws->header, "jku"));
    if (jku == NULL || strcmp(jku, want_jku) != 0) return invalid("jku is not ISSUER/certs", jku);
    json_t *exp = json_object_get(jws->payload, "exp"), *nbf = json_object_get(jws->payload, "nbf");
    if (!json_is_integer(exp) || !json_is_integer(nbf)) return invalid("exp/nbf", "absent");
    if (now > json_integer_value(exp) + SKEW) return invalid("expired", NULL);
    if (now + SKEW < json_integer_value(nbf)) return invalid("not yet valid", NULL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: relying-party TOKEN_FILE JWKS_FILE ISSUER [UNIX_TIME]\n"
                        "(libmaat %s)\n", MAAT_VERSION_STRING);
        return 2;
    }
    long long now = argc == 5 ? strtoll(argv[4], NULL, 10) : (long long)time(NULL);
    char *token = read_text(argv[1], MAAT_JWS_MAX_SIZE);
    if (token == NULL) return 2;
    json_error_t jerr;
    json_t *jwks = json_load_file(argv[2], JSON_REJECT_DUPLICATES, &jerr);
    if (jwks == NULL) {
        fprintf(stderr, "relying-party: %s: line %d: %s\n", argv[2], jerr.line, jerr.text);
        free(token);
        return 2;
    }
    struct maat_jws jws;
    struct maat_error err = {0};
    int rc;
    if (maat_jws_parse(token, strlen(token), &jws, &err) != 0) {
        rc = invalid("not a compact JWS", err.msg);
    } else {
        rc = check(&jws, jwks, argv[3], now);
        if (rc == 0) {
            printf("token valid: iss %s\n", argv[3]);
            const char *names[] = {"x-ms-attestation-type", "x-ms-sgx-mrenclave",
                                   "x-ms-sgx-mrsigner", "x-ms-sgx-is-debuggable"};
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                json_t *v = json_object_get(jws.payload, names[i]);
                if (v == NULL) continue;
                char *s = json_dumps(v, JSON_ENCODE_ANY);
                printf("%s: %s\n", names[i], s ? s : "?");
                free(s);
            }
        }
    }
    maat_jws_cleanup(&jws);
    json_decref(jwks);
    free(token);
    return rc;
}
