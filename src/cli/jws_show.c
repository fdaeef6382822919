/* jws_show.c - JWS tokens for people: tolerant parsing (the seed maa.signing.tool's
 * non-JSON policy payload), the policy text in its GA, preview and seed-tool forms, MAA's
 * hashes, and the certificates carried in x5c, x-ms-policy-signer, policyCertificate and
 * x-ms-policy-certificates. Used by `maat jwt decode`, `maat policy` and `maat cert`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "maat/policy_default.h"
#include "cli.h"
#include "jws_show.h"
#include "keyfile.h"
#include "textout.h"

#define POLICY_KEY_PREFIX "{\"AttestationPolicy\":"

static bool is_b64url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The seed tool quoted the text itself: '"' + text with \n, \r and " escaped + '"'. Undo it
 * with a JSON decoder, or, when the text held characters JSON does not allow raw (tabs),
 * by reversing exactly those three escapes. */
static char *unquote_seed(const uint8_t *p, size_t n, size_t *out_len)
{
    json_error_t je;
    json_t *s = json_loadb((const char *)p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    char *out = NULL;
    if (json_is_string(s)) {
        *out_len = json_string_length(s);
        out = malloc(*out_len + 1);
        if (out) {
            memcpy(out, json_string_value(s), *out_len);
            out[*out_len] = '\0';
        }
        json_decref(s);
        return out;
    }
    json_decref(s);
    if (n < 2 || p[0] != '"' || p[n - 1] != '"') return NULL;
    out = malloc(n);
    if (out == NULL) return NULL;
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (p[i] == '\\' && i + 2 < n && strchr("nr\"", p[i + 1])) {
            out[k++] = p[i + 1] == 'n' ? '\n' : p[i + 1] == 'r' ? '\r' : '"';
            i++;
        } else {
            out[k++] = (char)p[i];
        }
    }
    out[k] = '\0';
    *out_len = k;
    return out;
}

static void find_policy(struct cli_jws *c)
{
    if (c->payload_is_json) {
        const char *v = json_string_value(json_object_get(c->j.payload, "AttestationPolicy"));
        if (v == NULL) return;
        size_t vn = json_string_length(json_object_get(c->j.payload, "AttestationPolicy"));
        uint8_t *dec = NULL;
        size_t dn = 0;
        struct maat_error e = {0};
        if (vn > 0 && is_b64url(v, vn) &&
            maat_base64url_decode(v, vn, "AttestationPolicy", &dec, &dn, &e) == 0) {
            c->policy_form = CLI_POLICY_B64URL;
            c->policy_text = malloc(dn + 1);
            if (c->policy_text) {
                memcpy(c->policy_text, dec, dn);
                c->policy_text[dn] = '\0';
                c->policy_len = dn;
            }
            free(dec);
        } else {
            c->policy_form = CLI_POLICY_RAW;
            c->policy_text = malloc(vn + 1);
            if (c->policy_text) {
                memcpy(c->policy_text, v, vn);
                c->policy_text[vn] = '\0';
                c->policy_len = vn;
            }
        }
    } else {
        const char *t = c->j.payload_text;
        size_t n = c->j.payload_len, pl = strlen(POLICY_KEY_PREFIX);
        if (n < pl + 2 || memcmp(t, POLICY_KEY_PREFIX, pl) != 0 || t[n - 1] != '}') return;
        const char *v = t + pl;
        size_t vn = n - pl - 1;
        uint8_t *dec = NULL;
        size_t dn = 0;
        struct maat_error e = {0};
        if (vn == 0 || !is_b64url(v, vn) ||
            maat_base64url_decode(v, vn, "AttestationPolicy", &dec, &dn, &e) != 0)
            return;
        c->policy_text = unquote_seed(dec, dn, &c->policy_len);
        free(dec);
        if (c->policy_text == NULL) return;
        c->policy_form = CLI_POLICY_SEED_UNQUOTED;
        snprintf(c->payload_problem, sizeof c->payload_problem,
                 "the payload is not valid JSON: the value of \"AttestationPolicy\" is not quoted "
                 "(%zu base64url characters follow the colon where a JSON string should start). "
                 "This is what the seed maa.signing.tool `signpolicy` writes without -w: it "
                 "base64url-encodes the JSON-quoted policy text and puts it in the payload "
                 "unquoted. MAA's GA format is {\"AttestationPolicy\": \"<base64url of the "
                 "text>\"}; re-sign with `maat sign policy`",
                 vn);
    }
    if (c->policy_text != NULL) {
        struct maat_error e = {0};
        if (maat_policy_hash(c->policy_text, c->policy_len, c->policy_hash, &e) != 0)
            c->policy_hash[0] = '\0';
    }
}

int cli_jws_parse(const char *compact, size_t len, struct cli_jws *out, struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    uint8_t h[32];
    maat__sha256(compact, len, h);
    char *th = maat_base64url_encode(h, 32);
    if (th) snprintf(out->token_hash, sizeof out->token_hash, "%s", th);
    free(th);
    struct maat_error first = {0};
    if (maat__jws_parse_ex(compact, len, MAAT_JWS_ALLOW_RSA256, &out->j, &first) == 0) {
        out->payload_is_json = out->j.payload != NULL;
        find_policy(out);
        return 0;
    }
    /* Tolerant path: is the payload the only problem? Parse "header..signature" to check
     * everything else, then keep the payload's raw bytes and the real signing input. */
    const char *d1 = len <= MAAT_JWS_MAX_SIZE ? memchr(compact, '.', len) : NULL;
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - compact)) : NULL;
    if (d1 == NULL || d2 == NULL || d2 == d1 + 1 ||
        memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - compact)))
        goto fail;
    size_t hl = (size_t)(d1 - compact), sl = len - (size_t)(d2 + 1 - compact);
    size_t pl = (size_t)(d2 - d1 - 1);
    char *alt = malloc(hl + sl + 3);
    if (alt == NULL) goto fail;
    memcpy(alt, compact, hl + 1);
    alt[hl + 1] = '.';
    memcpy(alt + hl + 2, d2 + 1, sl);
    struct maat_error e2 = {0};
    int rc = maat__jws_parse_ex(alt, hl + sl + 2, MAAT_JWS_ALLOW_RSA256, &out->j, &e2);
    free(alt);
    if (rc != 0) goto fail;
    uint8_t *pay = NULL;
    size_t n = 0;
    if (!is_b64url(d1 + 1, pl) || maat_base64url_decode(d1 + 1, pl, "payload", &pay, &n, &e2) != 0)
        goto fail_clean;
    char *si = malloc((size_t)(d2 - compact) + 1);
    char *pt = malloc(n + 1);
    if (si == NULL || pt == NULL) {
        free(si);
        free(pt);
        free(pay);
        goto fail_clean;
    }
    memcpy(si, compact, (size_t)(d2 - compact));
    si[d2 - compact] = '\0';
    memcpy(pt, pay, n);
    pt[n] = '\0';
    free(pay);
    free(out->j.signing_input);
    free(out->j.payload_text);
    out->j.signing_input = si;
    out->j.signing_input_len = (size_t)(d2 - compact);
    out->j.payload_text = pt;
    out->j.payload_len = n;
    out->payload_is_json = false;
    snprintf(out->payload_problem, sizeof out->payload_problem,
             "the payload (offset %zu, %zu bytes decoded) is not a JSON object: %.450s",
             (size_t)(d1 + 1 - compact), n, first.msg);
    find_policy(out);
    return 0;
fail_clean:
    maat__jws_cleanup(&out->j);
fail:
    return maat_error_set(err, first.code, "%s", first.msg);
}

void cli_jws_cleanup(struct cli_jws *c)
{
    if (c == NULL) return;
    maat__jws_cleanup(&c->j);
    free(c->policy_text);
    memset(c, 0, sizeof *c);
}

char *cli_token_from_text(const char *text, size_t len, const char *what, struct maat_error *err)
{
    size_t b = 0;
    while (b < len && strchr(" \t\r\n", text[b])) b++;
    while (len > b && strchr(" \t\r\n", text[len - 1])) len--;
    char *out = NULL;
    if (b < len && (text[b] == '{' || text[b] == '"')) {
        json_error_t je;
        json_t *root = json_loadb(text + b, len - b, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        const json_t *t = json_is_object(root) ? json_object_get(root, "token") : root;
        if (root == NULL)
            maat_error_set(err, MAAT_ERR_ENCODING, "%s: JSON: %s (line %d, column %d)", what,
                           je.text, je.line, je.column);
        else if (!json_is_string(t))
            maat_error_set(err, MAAT_ERR_VALUE, "%s: JSON %s without a string \"token\" member",
                           what, json_is_object(root) ? "object" : "value");
        else if ((out = strdup(json_string_value(t))) == NULL)
            maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        json_decref(root);
        return out;
    }
    out = malloc(len - b + 1);
    if (out == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(out, text + b, len - b);
    out[len - b] = '\0';
    return out;
}

char *cli_token_load(const char *arg, struct maat_error *err)
{
    struct stat st;
    if (!strcmp(arg, "-") || stat(arg, &st) == 0) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (cli_read_file(arg, MAAT_JWS_MAX_SIZE + 4096, &buf, &len, err) != 0) return NULL;
        char *t = cli_token_from_text((const char *)buf, len, arg, err);
        free(buf);
        return t;
    }
    if (strchr(arg, '.') == NULL || strchr(arg, '/') != NULL) {
        maat_error_set(err, MAAT_ERR_IO, "TOKEN %s: no such file, and not a JWS (no '.')", arg);
        return NULL;
    }
    return cli_token_from_text(arg, strlen(arg), "TOKEN", err);
}

/* ---- certificates ---- */

static void asn1_iso(const ASN1_TIME *t, char buf[32])
{
    time_t u;
    struct tm tm;
    if (maat__asn1_time_to_unix(t, &u) != 0 || gmtime_r(&u, &tm) == NULL)
        snprintf(buf, 32, "?");
    else
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static X509 *x5c_cert(const json_t *s)
{
    const char *b = json_string_value(s);
    if (b == NULL) return NULL;
    uint8_t *der = NULL;
    size_t n = 0;
    struct maat_error e = {0};
    if (maat_base64_decode(b, strlen(b), "x5c", &der, &n, &e) != 0) return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    free(der);
    return x;
}

json_t *cli_x5c_info(const json_t *x5c)
{
    json_t *arr = json_array();
    size_t i;
    const json_t *s;
    json_array_foreach (x5c, i, s) {
        X509 *x = x5c_cert(s);
        if (x == NULL) {
            json_array_append_new(arr, json_pack("{s:s}", "error", "not a base64 DER certificate"));
            continue;
        }
        char subj[512], iss[512], nb[32], na[32], tp[41] = "";
        cli_cert_subject(x, subj, sizeof subj);
        X509_NAME_oneline(X509_get_issuer_name(x), iss, sizeof iss);
        BIO *b = BIO_new(BIO_s_mem());
        if (b) {
            X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, CLI_DN_FLAGS);
            char *p = NULL;
            long l = BIO_get_mem_data(b, &p);
            if (l > 0) snprintf(iss, sizeof iss, "%.*s", (int)l, p);
            BIO_free(b);
        }
        asn1_iso(X509_get0_notBefore(x), nb);
        asn1_iso(X509_get0_notAfter(x), na);
        cli_cert_thumbprint(x, tp);
        EVP_PKEY *k = X509_get0_pubkey(x);
        json_array_append_new(arr,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "subject", subj, "issuer",
                                        iss, "not_before", nb, "not_after", na, "sha1_thumbprint",
                                        tp, "key", k ? EVP_PKEY_get0_type_name(k) : "?", "key_bits",
                                        k ? EVP_PKEY_get_bits(k) : 0));
        X509_free(x);
    }
    return arr;
}

void cli_show_x5c(FILE *f, const char *indent, const json_t *x5c)
{
    json_t *info = cli_x5c_info(x5c);
    size_t i;
    json_t *c;
    json_array_foreach (info, i, c) {
        if (json_object_get(c, "error")) {
            cli_text_printf(f, "%s[%zu] %s\n", indent, i,
                            json_string_value(json_object_get(c, "error")));
            continue;
        }
        /* the subject and issuer are the token's: escaped, one line each */
        cli_text_printf(f, "%s[%zu] subject %s\n", indent, i,
                        json_string_value(json_object_get(c, "subject")));
        cli_text_printf(f, "%s    issuer  %s\n", indent,
                        json_string_value(json_object_get(c, "issuer")));
        fprintf(f,
                "%s    valid   %s .. %s\n%s    key     %s-%d, "
                "SHA-1 thumbprint %s\n",
                indent, json_string_value(json_object_get(c, "not_before")),
                json_string_value(json_object_get(c, "not_after")), indent,
                json_string_value(json_object_get(c, "key")),
                (int)json_integer_value(json_object_get(c, "key_bits")),
                json_string_value(json_object_get(c, "sha1_thumbprint")));
    }
    json_decref(info);
}

/* ---- printing ---- */

static const char *form_name(enum cli_policy_form f)
{
    switch (f) {
    case CLI_POLICY_B64URL: return "base64url (GA format)";
    case CLI_POLICY_RAW: return "raw text (preview-era format, seed tool -w)";
    case CLI_POLICY_SEED_UNQUOTED: return "seed maa.signing.tool without -w (unquoted, not JSON)";
    default: return "none";
    }
}

static const char *form_id(enum cli_policy_form f)
{
    switch (f) {
    case CLI_POLICY_B64URL: return "base64url";
    case CLI_POLICY_RAW: return "raw";
    case CLI_POLICY_SEED_UNQUOTED: return "seed-tool-unquoted";
    default: return "none";
    }
}

static void print_json(FILE *f, const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    /* jansson escapes C0 controls inside strings; C1 controls and bidi overrides it keeps */
    cli_text_put(f, s ? s : "(unprintable)", CLI_TEXT_KEEP_LINES);
    fputc('\n', f);
    free(s);
}

static void print_time(FILE *f, const char *name, const json_t *v)
{
    if (!json_is_integer(v)) return;
    time_t t = (time_t)json_integer_value(v);
    struct tm tm;
    char buf[32] = "?";
    if (gmtime_r(&t, &tm)) strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "  %-4s %lld = %s\n", name, (long long)json_integer_value(v), buf);
}

static const char *const cert_claims[] = {"policyCertificate", "maa-policyCertificate",
                                          "aas-policyCertificate", "x-ms-policy-signer"};

static void print_policy(FILE *f, const char *indent, const struct cli_jws *c)
{
    if (c->policy_form == CLI_POLICY_NONE) return;
    fprintf(f, "%sAttestationPolicy: %s, %zu bytes of policy text:\n", indent,
            form_name(c->policy_form), c->policy_len);
    fprintf(f, "%s-----\n", indent);
    if (c->policy_text) cli_text_putn(f, c->policy_text, c->policy_len, CLI_TEXT_KEEP_LINES);
    bool nl = c->policy_len && c->policy_text[c->policy_len - 1] != '\n';
    fprintf(f, "%s%s-----\n", nl ? "\n" : "", indent);
    if (c->policy_hash[0])
        fprintf(f, "%spolicy hash (x-ms-policy-hash of this text): %s\n", indent, c->policy_hash);
}

void cli_jws_print(FILE *f, const struct cli_jws *c)
{
    cli_text_printf(f, "alg: %s%s\n", c->j.alg_text, c->j.alg == MAAT_JWS_NONE ? " (unsigned)" : "");
    fprintf(f, "token hash (b64url SHA-256 of the compact JWS, MAA's x-ms-policy-token-hash): %s\n",
            c->token_hash);
    fprintf(f, "header:\n");
    print_json(f, c->j.header);
    const json_t *x5c = json_object_get(c->j.header, "x5c");
    if (x5c == NULL) x5c = json_object_get(json_object_get(c->j.header, "jwk"), "x5c");
    if (json_is_array(x5c)) {
        fprintf(f, "header x5c:\n");
        cli_show_x5c(f, "  ", x5c);
    }
    if (c->payload_is_json) {
        fprintf(f, "payload:\n");
        print_json(f, c->j.payload);
        const json_t *p = c->j.payload;
        print_time(f, "iat", json_object_get(p, "iat"));
        print_time(f, "nbf", json_object_get(p, "nbf"));
        print_time(f, "exp", json_object_get(p, "exp"));
        for (size_t i = 0; i < sizeof cert_claims / sizeof cert_claims[0]; i++) {
            const json_t *x = json_object_get(json_object_get(p, cert_claims[i]), "x5c");
            if (json_is_array(x)) {
                fprintf(f, "%s x5c:\n", cert_claims[i]);
                cli_show_x5c(f, "  ", x);
            }
        }
        const json_t *keys = json_object_get(json_object_get(p, "x-ms-policy-certificates"),
                                             "keys");
        if (json_is_array(keys)) {
            fprintf(f, "x-ms-policy-certificates: %zu certificate(s)\n", json_array_size(keys));
            size_t i;
            const json_t *k;
            json_array_foreach (keys, i, k) {
                if (json_is_array(json_object_get(k, "x5c")))
                    cli_show_x5c(f, "  ", json_object_get(k, "x5c"));
            }
        }
        const char *pol = json_string_value(json_object_get(p, "x-ms-policy"));
        if (pol != NULL) {
            struct cli_jws inner;
            struct maat_error e = {0};
            if (cli_jws_parse(pol, strlen(pol), &inner, &e) == 0) {
                cli_text_printf(f, "x-ms-policy (the stored policy JWS, alg %s, token hash %s):\n",
                                inner.j.alg_text, inner.token_hash);
                const json_t *ix = json_object_get(inner.j.header, "x5c");
                if (json_is_array(ix)) cli_show_x5c(f, "  signer ", ix);
                print_policy(f, "  ", &inner);
                cli_jws_cleanup(&inner);
            } else {
                cli_text_printf(f, "x-ms-policy: not a JWS: %s\n", e.msg);
            }
        }
    } else if (c->j.payload_len == 0) {
        fprintf(f, "payload: empty (MAA's policy reset body)\n");
    } else {
        fprintf(f, "payload (raw text, %zu bytes):\n", c->j.payload_len);
        cli_text_putn(f, c->j.payload_text, c->j.payload_len, CLI_TEXT_KEEP_LINES);
        fputc('\n', f);
        cli_text_printf(f, "PAYLOAD NOT VALID JSON: %s\n", c->payload_problem);
    }
    print_policy(f, "", c);
}

json_t *cli_jws_to_json(const struct cli_jws *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "alg", json_string(c->j.alg_text));
    json_object_set_new(o, "token_hash", json_string(c->token_hash));
    json_object_set(o, "header", c->j.header);
    if (c->payload_is_json) {
        json_object_set(o, "payload", c->j.payload);
    } else {
        json_object_set_new(o, "payload", json_null());
        json_object_set_new(o, "payload_text", json_stringn(c->j.payload_text, c->j.payload_len));
        if (c->j.payload_len > 0)
            json_object_set_new(o, "payload_error", json_string(c->payload_problem));
    }
    const json_t *x5c = json_object_get(c->j.header, "x5c");
    if (x5c == NULL) x5c = json_object_get(json_object_get(c->j.header, "jwk"), "x5c");
    if (json_is_array(x5c)) json_object_set_new(o, "header_x5c", cli_x5c_info(x5c));
    if (c->policy_form != CLI_POLICY_NONE) {
        json_t *p = json_pack("{s:s,s:s%}", "form", form_id(c->policy_form), "text",
                              c->policy_text ? c->policy_text : "", c->policy_len);
        if (p && c->policy_hash[0]) json_object_set_new(p, "hash", json_string(c->policy_hash));
        json_object_set_new(o, "policy", p);
    }
    if (c->payload_is_json) {
        for (size_t i = 0; i < sizeof cert_claims / sizeof cert_claims[0]; i++) {
            const json_t *x = json_object_get(json_object_get(c->j.payload, cert_claims[i]), "x5c");
            if (json_is_array(x)) {
                char k[64];
                snprintf(k, sizeof k, "%s_x5c", cert_claims[i]);
                json_object_set_new(o, k, cli_x5c_info(x));
            }
        }
        const char *pol = json_string_value(json_object_get(c->j.payload, "x-ms-policy"));
        struct cli_jws inner;
        struct maat_error e = {0};
        if (pol != NULL && cli_jws_parse(pol, strlen(pol), &inner, &e) == 0) {
            json_object_set_new(o, "x-ms-policy", cli_jws_to_json(&inner));
            cli_jws_cleanup(&inner);
        }
    }
    return o;
}
