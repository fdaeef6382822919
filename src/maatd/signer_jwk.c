/*
 * signer_jwk.c - JWK labels of policy signer certificates: GET /certificates, the
 * x-ms-policy-signer of a policy-set answer and the policy's stored signer all say what
 * the certificate's key is (kty RSA/EC, crv P-256, alg RS256/PS256/ES256).
 */
#include <string.h>

#include <openssl/evp.h>

#include "signer_jwk.h"

struct labels {
    const char *kty, *crv, *alg; /* crv, alg: NULL when none */
};

static struct labels key_labels(const EVP_PKEY *key)
{
    struct labels l = {"unknown", NULL, NULL};
    if (key == NULL) return l;
    if (EVP_PKEY_is_a(key, "RSA-PSS")) return (struct labels){"RSA", NULL, "PS256"};
    if (EVP_PKEY_is_a(key, "RSA")) return (struct labels){"RSA", NULL, "RS256"};
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64];
        size_t glen = 0;
        l.kty = "EC";
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &glen) == 1 &&
            (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))) {
            l.crv = "P-256";
            l.alg = "ES256";
        }
        return l;
    }
    const char *t = EVP_PKEY_get0_type_name(key);
    if (t != NULL) l.kty = t;
    return l;
}

json_t *maatd_signer_jwk(const X509 *cert, json_t *x5c, bool full)
{
    if (cert == NULL || x5c == NULL) return NULL;
    struct labels l = key_labels(X509_get0_pubkey(cert));
    json_t *k = json_object();
    if (k == NULL) return NULL;
    int rc = 0;
    if (full && l.alg != NULL) rc |= json_object_set_new(k, "alg", json_string(l.alg));
    rc |= json_object_set_new(k, "kty", json_string(l.kty));
    if (l.crv != NULL) rc |= json_object_set_new(k, "crv", json_string(l.crv));
    if (full) rc |= json_object_set_new(k, "use", json_string("sig"));
    rc |= json_object_set(k, "x5c", x5c);
    if (rc != 0) {
        json_decref(k);
        return NULL;
    }
    return k;
}
