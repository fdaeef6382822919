/*
 * source_util.c - helpers shared by the collateral sources: bounded file reads, which CA
 * a CRL belongs to (OpenSSL), and light JSON shape checks (jansson) so that a source's
 * error names the file or URL that holds garbage; and URL scrubbing of such messages for
 * logs and HTTP error bodies.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "source_internal.h"

int src_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int src_read_file(const char *path, size_t max, struct maat_buf *buf, struct maat_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return maat_error_set(err, errno == ENOENT ? MAAT_ERR_NOT_FOUND : MAAT_ERR_IO, "%s: %s",
                              path, strerror(errno));
    size_t total = 0;
    int rc = -1;
    for (;;) {
        if (maat_buf_reserve(buf, 4096) != 0) {
            maat_error_set(err, MAAT_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
        ssize_t n = read(fd, buf->data + buf->len, buf->cap - buf->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            maat_error_set(err, MAAT_ERR_IO, "%s: read: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0) break;
        buf->len += (size_t)n;
        total += (size_t)n;
        if (total > max) {
            maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s: larger than the %zu bytes allowed", path,
                           max);
            goto done;
        }
    }
    rc = 0;
done:
    close(fd);
    return rc;
}

void src_fmspc_hex(const uint8_t fmspc[6], char out[13])
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < 6; i++) {
        out[2 * i] = hx[fmspc[i] >> 4];
        out[2 * i + 1] = hx[fmspc[i] & 15];
    }
    out[12] = '\0';
}

static bool is_hex_text(const uint8_t *p, size_t len)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (isxdigit(p[i]))
            digits++;
        else if (!isspace(p[i]))
            return false;
    }
    return digits > 0 && digits % 2 == 0;
}

int src_crl_normalise(struct maat_buf *crl, const char *what, struct maat_error *err)
{
    MAAT_ENSURE(crl->len > 0, err, MAAT_ERR_VALUE, "%s: empty CRL", what);
    if (crl->data[0] == 0x30) return 0; /* DER */
    size_t i0 = 0;
    while (i0 < crl->len && isspace(crl->data[i0])) i0++;
    if (crl->len - i0 >= 10 && !memcmp(crl->data + i0, "-----BEGIN", 10)) { /* PEM -> DER */
        X509_CRL *x = maat__crl_load(crl->data, crl->len, what, err);
        if (x == NULL) return -1;
        unsigned char *der = NULL;
        int dl = i2d_X509_CRL(x, &der);
        X509_CRL_free(x);
        MAAT_ENSURE(dl > 0, err, MAAT_ERR_ENCODING, "%s: the PEM CRL does not re-encode", what);
        crl->len = 0;
        int bad = maat_buf_put(crl, der, (size_t)dl);
        OPENSSL_free(der);
        MAAT_ENSURE(!bad, err, MAAT_ERR_NOMEM, "%s: out of memory", what);
        return 0;
    }
    MAAT_ENSURE(is_hex_text(crl->data, crl->len), err, MAAT_ERR_ENCODING,
                "%s: not a CRL (neither DER, PEM nor hex of DER; starts with byte 0x%02x)", what,
                crl->data[0]);
    /* hex of DER: strip whitespace, decode */
    size_t j = 0;
    for (size_t i = 0; i < crl->len; i++)
        if (!isspace(crl->data[i])) crl->data[j++] = crl->data[i];
    uint8_t *der = NULL;
    size_t dlen = 0;
    MAAT_TRY(maat_hex_decode((const char *)crl->data, j, what, &der, &dlen, err));
    crl->len = 0;
    int bad = maat_buf_put(crl, der, dlen);
    free(der);
    MAAT_ENSURE(!bad, err, MAAT_ERR_NOMEM, "%s: out of memory", what);
    return 0;
}

int src_crl_issuer_ca(const uint8_t *p, size_t len, const char *what, enum maat_pck_ca *out,
                      struct maat_error *err)
{
    *out = MAAT_PCK_CA_UNKNOWN;
    MAAT_ENSURE(len > 0 && len <= MAAT_COLLATERAL_MAX_INPUT, err, MAAT_ERR_VALUE,
                "%s: CRL is empty or too large (%zu bytes)", what, len);
    X509_CRL *crl = maat__crl_load(p, len, what, err);
    if (crl == NULL) return -1;
    char cn[128];
    maat__x509_cn(X509_CRL_get_issuer(crl), cn, sizeof cn);
    X509_CRL_free(crl);
    *out = maat_pck_ca_from_cn(cn, strlen(cn));
    return 0;
}

static json_t *load(const uint8_t *p, size_t len, const char *what, struct maat_error *err)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        maat_error_set(err, MAAT_ERR_ENCODING, "%s: not JSON: %s at byte offset %d", what, je.text,
                       je.position);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        maat_error_set(err, MAAT_ERR_VALUE, "%s: expected a JSON object", what);
        return NULL;
    }
    return j;
}

int src_check_signed_json(const uint8_t *json, size_t len, const char *key, const char *what,
                          struct maat_error *err)
{
    MAAT_ENSURE(len <= MAAT_COLLATERAL_MAX_INPUT, err, MAAT_ERR_TOO_LARGE,
                "%s: %zu bytes, more than %u", what, len, MAAT_COLLATERAL_MAX_INPUT);
    json_t *j = load(json, len, what, err);
    if (j == NULL) return -1;
    int ok = json_is_object(json_object_get(j, key)) &&
             json_is_string(json_object_get(j, "signature"));
    json_decref(j);
    MAAT_ENSURE(ok, err, MAAT_ERR_VALUE, "%s: expected {\"%s\": {...}, \"signature\": \"hex\"}",
                what, key);
    return 0;
}

int src_check_tcb_fmspc(const uint8_t *json, size_t len, int wrapped, const uint8_t fmspc[6],
                        const char *what, struct maat_error *err)
{
    json_t *j = load(json, len, what, err);
    if (j == NULL) return -1;
    json_t *body = wrapped ? json_object_get(j, "tcbInfo") : j;
    json_t *f = json_is_object(body) ? json_object_get(body, "fmspc") : NULL;
    char want[13], got[16] = "";
    src_fmspc_hex(fmspc, want);
    int rc = 0;
    if (!json_is_string(f) || json_string_length(f) != 12) {
        rc = maat_error_set(err, MAAT_ERR_VALUE, "%s: %sfmspc is missing or not 12 hex digits",
                            what, wrapped ? "tcbInfo." : "");
    } else {
        snprintf(got, sizeof got, "%s", json_string_value(f));
        if (strcasecmp(got, want) != 0)
            rc = maat_error_set(err, MAAT_ERR_NOT_FOUND, "%s: holds TCB info for FMSPC %s, not %s",
                                what, got, want);
    }
    json_decref(j);
    return rc;
}

int src_check_signed_kind(const uint8_t *json, size_t len, const char *key, const char *id,
                          long pinned, const char *what, struct maat_error *err)
{
    json_t *j = load(json, len, what, err);
    if (j == NULL) return -1;
    json_t *body = json_object_get(j, key);
    json_t *jid = json_is_object(body) ? json_object_get(body, "id") : NULL;
    json_t *jn = json_is_object(body) ? json_object_get(body, "tcbEvaluationDataNumber") : NULL;
    int rc = 0;
    if (jid == NULL && !strcmp(key, "tcbInfo") && !strcmp(id, "SGX")) {
        /* TCB info v1/v2: SGX only, no id */
    } else if (!json_is_string(jid) || strcmp(json_string_value(jid), id) != 0) {
        rc = maat_error_set(err, MAAT_ERR_VALUE, "%s: %s.id is %s%s%s, expected \"%s\"", what, key,
                            json_is_string(jid) ? "\"" : "",
                            json_is_string(jid) ? json_string_value(jid) : "missing",
                            json_is_string(jid) ? "\"" : "", id);
    }
    if (rc == 0 && pinned > 0 &&
        (!json_is_integer(jn) || json_integer_value(jn) != (json_int_t)pinned))
        rc = maat_error_set(err, MAAT_ERR_VALUE,
                            "%s: %s.tcbEvaluationDataNumber is %lld, not the %ld asked for "
                            "(the server ignored the pin)",
                            what, key,
                            json_is_integer(jn) ? (long long)json_integer_value(jn) : -1LL, pinned);
    json_decref(j);
    return rc;
}

/* Where a URL starting at p ends: at whitespace, a quote, or ": " / a trailing ':' (the
 * messages write "GET URL: why"). */
static size_t url_len(const char *p)
{
    size_t n = 0;
    while (p[n] != '\0' && !isspace((unsigned char)p[n]) && p[n] != '"' && p[n] != '\'' &&
           p[n] != ')' && p[n] != ',')
        n++;
    while (n > 0 && (p[n - 1] == ':' || p[n - 1] == '.')) n--;
    return n;
}

void maat_collateral_scrub_urls(const char *msg, bool keep_url, char *out, size_t cap)
{
    if (cap == 0) return;
    size_t o = 0;
#define PUT(ch)                           \
    do {                                  \
        if (o + 1 < cap) out[o++] = (ch); \
    } while (0)
    for (const char *p = msg != NULL ? msg : ""; *p != '\0';) {
        size_t scheme = !strncasecmp(p, "https://", 8) ? 8 : !strncasecmp(p, "http://", 7) ? 7 : 0;
        if (scheme == 0) {
            PUT(*p);
            p++;
            continue;
        }
        size_t n = url_len(p);
        if (!keep_url) {
            for (const char *r = "<source URL>"; *r; r++) PUT(*r);
            p += n;
            continue;
        }
        /* scheme, then the authority without user:password@, then the path without ?query */
        for (size_t i = 0; i < scheme; i++) PUT(p[i]);
        size_t auth_end = scheme;
        while (auth_end < n && p[auth_end] != '/' && p[auth_end] != '?' && p[auth_end] != '#')
            auth_end++;
        size_t host = scheme;
        for (size_t i = scheme; i < auth_end; i++)
            if (p[i] == '@') host = i + 1;
        for (size_t i = host; i < auth_end; i++) PUT(p[i]);
        for (size_t i = auth_end; i < n && p[i] != '?' && p[i] != '#'; i++) PUT(p[i]);
        p += n;
    }
#undef PUT
    out[o] = '\0';
}
