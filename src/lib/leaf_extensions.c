/*
 * leaf_extensions.c - the strict extension checks that the shortcuts beside
 * X509_verify_cert apply. An end-entity certificate (pck_cache.c's first-seen PCK leaf,
 * collateral_signer.c's TCB Signing certificate): only authority/subject key identifier,
 * key usage, basic constraints, CRL distribution points and, when given, one extra
 * extension (the SGX extension of a PCK leaf), each at most once and decodable; critical
 * only key usage and basic constraints; the authority key identifier a key id only, equal
 * to the issuer's subject key identifier; basic constraints not a CA and no path length;
 * key usage without keyCertSign.
 * A CA certificate (collateral_signer.c's PCK CA, issue 16): the same list without the
 * extra one, and what X509_V_FLAG_X509_STRICT requires of a CA: basic constraints
 * present, critical, CA true (a path length, if any, not negative); key usage present
 * with keyCertSign; the subject key identifier present.
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "verify_internal.h"

static int extensions_check(X509 *x, const ASN1_OCTET_STRING *issuer_skid, const ASN1_OBJECT *extra,
                            bool ca)
{
    int seen_akid = 0, seen_skid = 0, seen_ku = 0, seen_bc = 0, seen_cdp = 0, seen_extra = 0;
    int n = X509_get_ext_count(x), rc = n > 0 ? 0 : -1;
    for (int i = 0; i < n && rc == 0; i++) {
        X509_EXTENSION *ext = X509_get_ext(x, i);
        ASN1_OBJECT *obj = X509_EXTENSION_get_object(ext);
        int nid = OBJ_obj2nid(obj), crit = X509_EXTENSION_get_critical(ext);
        void *v = NULL;
        switch (nid) {
        case NID_authority_key_identifier: {
            AUTHORITY_KEYID *a = X509V3_EXT_d2i(ext);
            rc = a && !crit && !seen_akid++ && a->keyid != NULL && a->issuer == NULL &&
                         a->serial == NULL && ASN1_OCTET_STRING_cmp(a->keyid, issuer_skid) == 0
                     ? 0
                     : -1;
            AUTHORITY_KEYID_free(a);
            break;
        }
        case NID_subject_key_identifier:
            v = X509V3_EXT_d2i(ext);
            rc = v && !crit && !seen_skid++ ? 0 : -1;
            ASN1_OCTET_STRING_free(v);
            break;
        case NID_key_usage:
            v = X509V3_EXT_d2i(ext);
            /* bit 5: keyCertSign, required of a CA, refused for an end entity */
            rc = v && !seen_ku++ && ASN1_BIT_STRING_get_bit(v, 5) == ca ? 0 : -1;
            ASN1_BIT_STRING_free(v);
            break;
        case NID_basic_constraints: {
            BASIC_CONSTRAINTS *bc = X509V3_EXT_d2i(ext);
            if (!ca)
                rc = bc && !seen_bc++ && !bc->ca && bc->pathlen == NULL ? 0 : -1;
            else
                rc = bc && !seen_bc++ && crit && bc->ca &&
                             (bc->pathlen == NULL || (bc->pathlen->type == V_ASN1_INTEGER &&
                                                      ASN1_INTEGER_get(bc->pathlen) >= 0))
                         ? 0
                         : -1;
            BASIC_CONSTRAINTS_free(bc);
            break;
        }
        case NID_crl_distribution_points:
            v = X509V3_EXT_d2i(ext);
            rc = v && !crit && !seen_cdp++ ? 0 : -1;
            CRL_DIST_POINTS_free(v);
            break;
        default:
            rc = extra != NULL && OBJ_cmp(obj, extra) == 0 && !crit && !seen_extra++ ? 0 : -1;
            break;
        }
    }
    ERR_clear_error();
    if (ca && !(seen_bc && seen_ku && seen_skid)) rc = -1;
    return rc == 0 && seen_akid && (extra == NULL || seen_extra) ? 0 : -1;
}

int maat__leaf_extensions_check(X509 *x, const ASN1_OCTET_STRING *issuer_skid,
                                const ASN1_OBJECT *extra)
{
    return extensions_check(x, issuer_skid, extra, false);
}

int maat__ca_extensions_check(X509 *x, const ASN1_OCTET_STRING *issuer_skid)
{
    return extensions_check(x, issuer_skid, NULL, true);
}
