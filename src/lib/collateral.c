/*
 * collateral.c - the collateral bundle (the JSON layout of Phala's dcap-qvl
 * `QuoteCollateralV3`): PEM issuer chains, hex-DER CRLs, and the TCB info / QE identity
 * bodies as strings whose exact bytes are signed, with hex signatures. The bundle owns
 * copies of everything; the bodies are parsed with maat_tcb_info_parse_body /
 * maat_enclave_identity_parse_body. The status / id names are in tcb_names.c (a leaf).
 */
#include "collateral_json.h"
#include "maat/collateral.h"
#include "verify_internal.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN_CERTS 16

/* ---- bundle ---- */

static int dup_string(struct cj *c, json_t *root, const char *key, char **out, size_t *outlen)
{
    const char *s;
    size_t len;
    MAAT_TRY(cj_string(c, root, "", key, true, &s, &len));
    if (len == 0) return cj_fail(c, MAAT_ERR_VALUE, key, "expected a non-empty string");
    *out = malloc(len + 1);
    if (*out == NULL) return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    memcpy(*out, s, len);
    (*out)[len] = '\0';
    if (outlen) *outlen = len;
    return 0;
}

/* One PEM certificate block read as PEM_read_bio_X509 reads it (PEM_bytes_read_bio, then
 * d2i_X509 of the bytes, trailing bytes not checked), into a keyless certificate. A block
 * whose DER is byte for byte the compiled-in Intel root is known to decode: it is not
 * decoded again (issue 16: it occurs twice in every bundle). The first certificate
 * decoded is kept in *keep when keep is not NULL (and *keep still NULL). 1 read, 0 not
 * (errors left on the queue as PEM_read_bio_X509 leaves them), -1 out of memory. */
_Thread_local unsigned long maat__bundle_root_blocks_known;

static int read_cert_block(BIO *bio, X509 **keep)
{
    unsigned char *data = NULL;
    long len = 0;
    if (PEM_bytes_read_bio(&data, &len, NULL, PEM_STRING_X509, bio, NULL, NULL) != 1) return 0;
    int rc = 1;
    if (maat__is_intel_root_der(data, (size_t)len)) {
        maat__bundle_root_blocks_known++;
    } else {
        X509 *x = maat__x509_new_keyless();
        const unsigned char *p = data;
        if (x == NULL)
            rc = -1;
        /* on a decoding failure OpenSSL frees x */
        else if (d2i_X509(&x, &p, len) == NULL)
            rc = 0;
        else if (keep != NULL && *keep == NULL)
            *keep = x; /* for maat_collateral_verify (it checks the bytes again) */
        else
            X509_free(x);
    }
    OPENSSL_free(data);
    return rc;
}

/* The canonical PEM chain, without OpenSSL's BIO reader (issue 16: PEM_bytes_read_bio
 * cost ~40k instructions a block, more than the keyless decode). The text must be
 * nothing but 1..MAX_CHAIN_CERTS blocks "-----BEGIN CERTIFICATE-----\n", lines of
 * exactly 64 base64 characters and "\n", one last line of 4..64 characters (a multiple of
 * 4) and "\n", "-----END CERTIFICATE-----\n", with strict base64 (maat_base64_decode:
 * padding only at the end, zero pad bits). For such a text PEM_read_bio_X509 reads exactly
 * these blocks with exactly these bytes (no header line: base64 has no ':'; no line over
 * 64 characters; nothing between blocks) and then stops at the end with
 * PEM_R_NO_START_LINE, the clean end. Each block is then judged as read_cert_block judges
 * it. Anything else (CRLF, other line lengths, text around the blocks, a bad character, a
 * block that does not decode as a certificate, 17 blocks) returns 1: the BIO path reads
 * the text again and decides, with its messages. 0 taken (*count blocks), 1 not canonical,
 * -1 out of memory. maat__pem_fast_off (tests) turns it off. */
_Thread_local bool maat__pem_fast_off;
_Thread_local unsigned long maat__pem_fast_blocks;

static const char fast_begin[] = "-----BEGIN CERTIFICATE-----\n";
static const char fast_end[] = "-----END CERTIFICATE-----\n";

static bool b64_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '+' || ch == '/' || ch == '=';
}

/* One canonical block at p[0, n): its base64 (line breaks dropped) into b64 (room for n
 * bytes), *used the bytes it spans. false when not canonical. */
static bool fast_block(const char *p, size_t n, char *b64, size_t *b64_len, size_t *used)
{
    const size_t bl = sizeof fast_begin - 1, el = sizeof fast_end - 1;
    if (n < bl || memcmp(p, fast_begin, bl) != 0) return false;
    size_t i = bl, k = 0;
    for (;;) {
        size_t j = i;
        while (j < n && j - i <= 64 && b64_char(p[j])) j++;
        size_t line = j - i;
        if (j >= n || p[j] != '\n' || line == 0 || line > 64) return false;
        memcpy(b64 + k, p + i, line);
        k += line;
        i = j + 1;
        if (line < 64 || (n - i >= el && memcmp(p + i, fast_end, el) == 0)) {
            if (line % 4 != 0 || n - i < el || memcmp(p + i, fast_end, el) != 0) return false;
            break;
        }
    }
    *b64_len = k;
    *used = i + el;
    return true;
}

static int check_chain_fast(const char *pem, size_t len, void **first, int *count)
{
    X509 *kept = NULL;
    char *b64 = malloc(len ? len : 1);
    if (b64 == NULL) return -1;
    int rc = 0, n = 0;
    unsigned long roots = 0;
    for (size_t i = 0; i < len && rc == 0;) {
        size_t k = 0, used = 0;
        uint8_t *der = NULL;
        size_t der_len = 0;
        struct maat_error e = {0};
        if (n == MAX_CHAIN_CERTS || !fast_block(pem + i, len - i, b64, &k, &used) ||
            maat_base64_decode(b64, k, "PEM body", &der, &der_len, &e) != 0 || der_len > LONG_MAX) {
            free(der);
            rc = 1;
            break;
        }
        if (maat__is_intel_root_der(der, der_len)) {
            roots++;
        } else {
            X509 *x = maat__x509_new_keyless();
            const unsigned char *q = der;
            if (x == NULL)
                rc = -1;
            else if (d2i_X509(&x, &q, (long)der_len) == NULL) /* frees x */
                rc = 1;
            else if (first != NULL && n == 0)
                kept = x; /* only the first block, as read_cert_block */
            else
                X509_free(x);
            ERR_clear_error();
        }
        free(der);
        i += used;
        n++;
    }
    free(b64);
    if (rc == 0 && n == 0) rc = 1;
    if (rc != 0) {
        X509_free(kept);
        return rc;
    }
    maat__pem_fast_blocks += (unsigned long)n;
    maat__bundle_root_blocks_known += roots;
    if (first != NULL) *first = kept;
    *count = n;
    return 0;
}

/* A PEM chain: at least one certificate, every PEM block a certificate OpenSSL reads.
 * Decoded keyless (crypto.c): OpenSSL 3.0's public-key decoder costs about one ECDSA
 * verification per certificate, and a key that does not decode does not fail d2i anyway;
 * maat_collateral_verify decodes the chains in full to verify them (issue 16), or takes
 * over the first certificate kept in *first (when first is not NULL) for its direct checks
 * (collateral_signer.c) after comparing its encoding with the block's bytes. */
static int check_chain(struct cj *c, const char *key, const char *pem, size_t len, void **first)
{
    int fast_count = 0;
    int f = maat__pem_fast_off ? 1 : check_chain_fast(pem, len, first, &fast_count);
    if (f < 0) return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    if (f == 0) return 0;
    X509 *kept = NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
    int count = 0;
    for (;;) {
        /* only the first block: the one maat_collateral_verify decodes (the signer or CA;
         * the root block is recognised there without a decoding) */
        int r = read_cert_block(bio, count == 0 && first != NULL ? &kept : NULL);
        if (r < 0) {
            X509_free(kept);
            BIO_free(bio);
            return maat_error_set(c->err, MAAT_ERR_NOMEM, "%s: out of memory", c->what);
        }
        if (r == 0) break;
        ERR_clear_error(); /* the undecoded key leaves errors behind a good certificate */
        if (++count > MAX_CHAIN_CERTS) break;
    }
    unsigned long e = ERR_peek_last_error();
    bool clean_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    BIO_free(bio);
    if (count == 0 || count > MAX_CHAIN_CERTS || (!clean_end && e != 0)) {
        X509_free(kept);
        return cj_fail(c, MAAT_ERR_ENCODING, key,
                       "expected a PEM chain of 1..%d certificates, read %d%s", MAX_CHAIN_CERTS,
                       count > MAX_CHAIN_CERTS ? MAX_CHAIN_CERTS + 1 : count,
                       (!clean_end && e != 0) ? " before an undecodable PEM block" : "");
    }
    if (first != NULL) *first = kept;
    return 0;
}

static int hex_der_crl(struct cj *c, json_t *root, const char *key, uint8_t **out, size_t *outlen,
                       void **keep)
{
    const char *s;
    size_t len;
    MAAT_TRY(cj_string(c, root, "", key, true, &s, &len));
    if (len == 0)
        return cj_fail(c, MAAT_ERR_VALUE, key, "expected hex-encoded DER, got an empty string");
    MAAT_TRY(maat_hex_decode(s, len, key, out, outlen, c->err));
    const unsigned char *p = *out;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)*outlen);
    bool whole = crl != NULL && p == *out + *outlen;
    if (whole)
        *keep = crl; /* for maat_collateral_verify (it compares the bytes again) */
    else
        X509_CRL_free(crl);
    ERR_clear_error();
    if (!whole)
        return cj_fail(c, MAAT_ERR_ENCODING, key,
                       "expected the hex of exactly one DER X.509 CRL (%zu bytes decoded)", *outlen);
    return 0;
}

int maat_collateral_bundle_parse(const void *json, size_t len, struct maat_collateral_bundle *out,
                                 struct maat_error *err)
{
    memset(out, 0, sizeof *out);
    /* the bundle's members are all strings: a flat walk builds what jansson would
     * (json_flat.c), and anything else is parsed by jansson as before */
    struct cj c = {.text = json,
                   .len = len,
                   .what = "collateral bundle",
                   .strip = NULL,
                   .err = err,
                   .flat_strings = true};
    json_t *root;
    MAAT_TRY(cj_load(&c, NULL, NULL, NULL, &root));
    int rc = -1;
    const char *sig;
    size_t sig_len;
    if (dup_string(&c, root, "pck_crl_issuer_chain", &out->pck_crl_issuer_chain, NULL) != 0 ||
        check_chain(&c, "pck_crl_issuer_chain", out->pck_crl_issuer_chain,
                    strlen(out->pck_crl_issuer_chain), &out->decoded[MAAT__DECODED_PCK_CA]) != 0)
        goto done;
    if (hex_der_crl(&c, root, "root_ca_crl", &out->root_ca_crl, &out->root_ca_crl_len,
                    &out->decoded[MAAT__DECODED_ROOT_CRL]) != 0)
        goto done;
    if (hex_der_crl(&c, root, "pck_crl", &out->pck_crl, &out->pck_crl_len,
                    &out->decoded[MAAT__DECODED_PCK_CRL]) != 0)
        goto done;
    if (dup_string(&c, root, "tcb_info_issuer_chain", &out->tcb_info_issuer_chain, NULL) != 0 ||
        check_chain(&c, "tcb_info_issuer_chain", out->tcb_info_issuer_chain,
                    strlen(out->tcb_info_issuer_chain), &out->decoded[MAAT__DECODED_TCB_SIGNER]) != 0)
        goto done;
    /* Intel sends the TCB Signing chain for both: the same text needs no second check */
    if (dup_string(&c, root, "qe_identity_issuer_chain", &out->qe_identity_issuer_chain, NULL) != 0 ||
        (strcmp(out->qe_identity_issuer_chain, out->tcb_info_issuer_chain) != 0 &&
         check_chain(&c, "qe_identity_issuer_chain", out->qe_identity_issuer_chain,
                     strlen(out->qe_identity_issuer_chain), NULL) != 0))
        goto done;
    if (dup_string(&c, root, "tcb_info", &out->tcb_info_text, &out->tcb_info_text_len) != 0)
        goto done;
    if (cj_string(&c, root, "", "tcb_info_signature", true, &sig, &sig_len) != 0) goto done;
    if (maat_tcb_info_parse_body(out->tcb_info_text, out->tcb_info_text_len, sig, sig_len,
                                 &out->tcb_info, err) != 0) {
        maat_error_prefix(err, "collateral bundle: tcb_info / tcb_info_signature");
        goto done;
    }
    if (dup_string(&c, root, "qe_identity", &out->qe_identity_text, &out->qe_identity_text_len) != 0)
        goto done;
    if (cj_string(&c, root, "", "qe_identity_signature", true, &sig, &sig_len) != 0) goto done;
    if (maat_enclave_identity_parse_body(out->qe_identity_text, out->qe_identity_text_len, sig,
                                         sig_len, &out->qe_identity, err) != 0) {
        maat_error_prefix(err, "collateral bundle: qe_identity / qe_identity_signature");
        goto done;
    }
    rc = 0;
done:
    json_decref(root);
    if (rc != 0) maat_collateral_bundle_cleanup(out);
    return rc;
}

void maat_collateral_bundle_cleanup(struct maat_collateral_bundle *b)
{
    if (b == NULL) return;
    maat_tcb_info_cleanup(&b->tcb_info);
    maat_enclave_identity_cleanup(&b->qe_identity);
    free(b->pck_crl_issuer_chain);
    free(b->root_ca_crl);
    free(b->pck_crl);
    free(b->tcb_info_issuer_chain);
    free(b->tcb_info_text);
    free(b->qe_identity_issuer_chain);
    free(b->qe_identity_text);
    X509_free(b->decoded[MAAT__DECODED_PCK_CA]);
    X509_free(b->decoded[MAAT__DECODED_TCB_SIGNER]);
    X509_CRL_free(b->decoded[MAAT__DECODED_ROOT_CRL]);
    X509_CRL_free(b->decoded[MAAT__DECODED_PCK_CRL]);
    memset(b, 0, sizeof *b);
}
