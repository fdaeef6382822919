/*
 * collateral_signer.c - the TCB Signing certificate of a collateral issuer chain, checked
 * without OpenSSL's chain machinery when the chain has Intel's shape (issue 16).
 *
 * A keyed certificate decode costs more than an ECDSA verification on OpenSSL 3.0
 * (OSSL_DECODER_CTX_new_for_pkey per certificate), and X509_verify_cert needs keyed
 * certificates. Intel's TCB info / QE identity issuer chain is exactly two PEM blocks: the
 * TCB Signing certificate, then the SGX Root CA. When the second block is byte for byte the
 * compiled-in Intel root of the trust set (maat__trust_anchor_is_intel: its self-signature
 * a fact established by the test suite, maat__trust_anchor_self_signed, and the checks
 * X509_verify_cert makes on it hold for those bytes, as every verification of Intel's
 * collateral shows), the first certificate is
 * decoded keyless and checked here for what maat__chain_verify (X509_verify_cert, strict,
 * time ignored) establishes for the end-entity certificate of a two-certificate chain:
 *  - X.509 v3; ecdsa-with-SHA256 without parameters, the same inside and outside the TBS;
 *    the signature (DER, no unused bits) verifies under the root's key over the exact TBS
 *    bytes as received;
 *  - issuer name = the root's subject (non-empty), subject non-empty and not the root's;
 *  - extensions: only authority/subject key identifier, key usage, basic constraints and
 *    CRL distribution points, each at most once and decodable; critical only key usage and
 *    basic constraints; the authority key identifier present, a key id only, equal to the
 *    root's subject key identifier; basic constraints (if any) not a CA and no path length;
 *    key usage (if any) without keyCertSign;
 *  - the key is a P-256 point on the curve, named curve (the signer's key, returned).
 * Anything else - another shape, another root, a simulated trust set, a failed check -
 * returns NULL and the caller verifies the chain in full, which decides and names the
 * failure: this path can only accept what the full path accepts.
 *
 * The PCK CRL issuer chain [PCK CA (Processor or Platform), root] has the same shape, its
 * first certificate a CA (maat__pck_ca_direct): the same checks but for the extensions,
 * which are those of a CA under X509_V_FLAG_X509_STRICT (leaf_extensions.c: basic
 * constraints critical with CA true, key usage present with keyCertSign, subject key
 * identifier present, authority key identifier = the root's). What the caller then needs
 * of the CA - its key for the PCK CRL's signature and the first-seen leaves, its dates,
 * its entry in the Root CA CRL (verify.c, step_crl) - is read from the keyless
 * certificate and the imported key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "maat/crypto.h"
#include "verify_internal.h"

_Thread_local unsigned long maat__tcb_signer_direct_taken;
_Thread_local unsigned long maat__pck_ca_direct_taken;

static bool pem_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The two blocks of pem (whitespace before/between them, whitespace or NUL after, as
 * crypto.c's load_pem accepts), decoded as load_pem decodes them. */
static int two_blocks(const uint8_t *pem, size_t len, uint8_t **der1, size_t *len1, uint8_t **der2,
                      size_t *len2)
{
    size_t b1, l1, e1, b2, l2, e2;
    *der1 = *der2 = NULL;
    if (maat__pem_split_first(pem, len, &b1, &l1, &e1) != 0 ||
        maat__pem_split_first(pem + e1, len - e1, &b2, &l2, &e2) != 0)
        return -1;
    for (size_t i = e1 + e2; i < len; i++)
        if (!pem_space(pem[i]) && pem[i] != 0) return -1;
    if (maat__pem_block_der(pem + b1, l1, der1, len1) != 0) return -1;
    if (maat__pem_block_der(pem + e1 + b2, l2, der2, len2) != 0) {
        free(*der1);
        *der1 = NULL;
        return -1;
    }
    return 0;
}

static bool same_der(X509 *x, const uint8_t *der, size_t len)
{
    unsigned char *enc = NULL;
    int n = i2d_X509(x, &enc); /* its cached encoding, copied */
    bool same = n > 0 && (size_t)n == len && memcmp(enc, der, len) == 0;
    OPENSSL_free(enc);
    return same;
}

static int check_signer(X509 *x, const uint8_t *der, size_t der_len, const struct maat_anchor *a,
                        bool ca)
{
    X509 *root = a->cert;
    const X509_ALGOR *outer;
    const ASN1_BIT_STRING *sig;
    int ptype = 0;
    X509_get0_signature(&sig, &outer, x);
    X509_ALGOR_get0(NULL, &ptype, NULL, outer);
    ASN1_OCTET_STRING *root_skid = maat__x509_skid(root);
    int ext = root_skid == NULL ? -1
              : ca              ? maat__ca_extensions_check(x, root_skid)
                                : maat__leaf_extensions_check(x, root_skid, NULL);
    ASN1_OCTET_STRING_free(root_skid);
    if (ext != 0 || X509_get_version(x) != X509_VERSION_3 ||
        X509_get_signature_nid(x) != NID_ecdsa_with_SHA256 || ptype != V_ASN1_UNDEF ||
        X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(x)) != 0 || sig == NULL || sig->length <= 0 ||
        (sig->flags & 0x07) != 0 /* unused bits */ ||
        X509_NAME_entry_count(X509_get_issuer_name(x)) == 0 ||
        X509_NAME_entry_count(X509_get_subject_name(x)) == 0 ||
        X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(root)) != 0 ||
        X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(root)) == 0)
        return -1;
    size_t off, tlen;
    uint8_t digest[32];
    if (maat__x509_tbs_span(der, der_len, &off, &tlen) != 0) return -1;
    maat__sha256(der + off, tlen, digest);
    EVP_PKEY_CTX *c = maat__ecdsa_verify_ctx_new(a->key);
    int ok = c ? EVP_PKEY_verify(c, sig->data, (size_t)sig->length, digest, sizeof digest) : -1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok == 1 ? 0 : -1;
}

_Thread_local unsigned long maat__bundle_decodings_taken;

/* The first block's certificate: the bundle check's decoding when its encoding is der
 * byte for byte (then decoding der would give the same certificate), else der decoded. */
static X509 *first_cert(const uint8_t *der, size_t len, X509 *decoded)
{
    if (decoded != NULL && same_der(decoded, der, len) && X509_up_ref(decoded) == 1) {
        maat__bundle_decodings_taken++;
        return decoded;
    }
    return maat__x509_decode_keyless(der, len);
}

static X509 *direct(const uint8_t *pem, size_t len, const struct maat_trust *t,
                    const struct maat_anchor **anchor, EVP_PKEY **key, bool ca, X509 *decoded)
{
    *key = NULL;
    if (t == NULL) return NULL;
    uint8_t *der1, *der2;
    size_t len1, len2;
    if (two_blocks(pem, len, &der1, &len1, &der2, &len2) != 0) return NULL;
    const struct maat_anchor *a = NULL;
    for (size_t i = 0; i < t->count && a == NULL; i++)
        if (maat__trust_anchor_is_intel(&t->anchors[i]) && same_der(t->anchors[i].cert, der2, len2))
            a = &t->anchors[i];
    X509 *x = NULL;
    if (a != NULL && !(len1 == len2 && memcmp(der1, der2, len1) == 0) &&
        maat__trust_anchor_self_signed(t, a) == 1)
        x = first_cert(der1, len1, decoded);
    if (x != NULL &&
        (check_signer(x, der1, len1, a, ca) != 0 || (*key = maat__x509_p256_key(x)) == NULL)) {
        X509_free(x);
        x = NULL;
    }
    free(der1);
    free(der2);
    ERR_clear_error();
    if (x == NULL) return NULL;
    *anchor = a;
    return x;
}

X509 *maat__tcb_signer_direct(const uint8_t *pem, size_t len, const struct maat_trust *t,
                              const struct maat_anchor **anchor, EVP_PKEY **key, X509 *decoded)
{
    X509 *x = direct(pem, len, t, anchor, key, false, decoded);
    if (x != NULL) maat__tcb_signer_direct_taken++;
    return x;
}

X509 *maat__pck_ca_direct(const uint8_t *pem, size_t len, const struct maat_trust *t,
                          const struct maat_anchor **anchor, EVP_PKEY **key, X509 *decoded)
{
    X509 *x = direct(pem, len, t, anchor, key, true, decoded);
    if (x != NULL) maat__pck_ca_direct_taken++;
    return x;
}
