/*
 * signer_jwk.h - the JWK labels of a policy signer certificate (kty, crv, alg), derived
 * from the certificate's public key rather than assumed (issue 12 item 15).
 */
#ifndef MAATD_SIGNER_JWK_H
#define MAATD_SIGNER_JWK_H

#include <stdbool.h>

#include <jansson.h>
#include <openssl/x509.h>

/* {"alg":A,"kty":K[,"crv":C],"use":"sig","x5c":x5c} when full, else {"kty":K[,"crv":C],
 * "x5c":x5c}, for cert's key: RSA -> kty RSA, alg RS256; RSA-PSS -> kty RSA, alg PS256;
 * EC P-256 -> kty EC, crv P-256, alg ES256. Any other key (which signs nothing maatd
 * verifies) gets its type as kty and no alg. x5c is borrowed (a reference is taken).
 * NULL when out of memory or cert/x5c is NULL. */
json_t *maatd_signer_jwk(const X509 *cert, json_t *x5c, bool full);

#endif
