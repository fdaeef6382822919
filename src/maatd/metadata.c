/*
 * metadata.c - GET /certs (and /certs/, which Gramine's verifier calls) and GET
 * /.well-known/openid-configuration.
 *
 * /certs is the JWKS text keys.c rebuilt at the last key change, served as is:
 * {"keys":[{"x5c":[...],"kid":...,"kty":"RSA"},...]}, current key first (MAA signs with
 * its first key). The OpenID document uses MAA's snake_case names in MAA's order
 * (maa.md section 3) with URLs derived from the request's issuer. Every URL it names is a
 * route maatd serves: jwks_uri (/certs) and revocation_endpoint (POST /revoke, which
 * answers RFC 7009's unsupported_token_type: maatd's tokens are not revocable, they
 * expire; MAA's metadata names the same endpoint, so SDKs reading it keep working).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maatd.h"

void maatd_certs(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    size_t len;
    char *jwks = maatd_keys_jwks(d, &len);
    if (jwks == NULL) {
        maatd_error(rq, rs, 500, "InternalError", "/certs: out of memory");
        return;
    }
    rs->status = 200;
    rs->body = jwks;
    rs->len = len;
}

static const char *const claims_supported[] = {
    "cnf",
    "nonce",
    "x-ms-ver",
    "x-ms-attestation-type",
    "x-ms-policy-hash",
    "x-ms-policy-signer",
    "x-ms-sgx-is-debuggable",
    "x-ms-sgx-mrenclave",
    "x-ms-sgx-mrsigner",
    "x-ms-sgx-svn",
    "x-ms-sgx-ehd",
    "x-ms-sgx-collateral",
    "is-debuggable",
    "sgx-mrsigner",
    "sgx-mrenclave",
    "product-id",
    "svn",
    "tee",
};

void maatd_openid(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    char url[MAATD_ISSUER_MAX + 16];
    json_t *claims = json_array();
    for (size_t i = 0; claims && i < sizeof claims_supported / sizeof claims_supported[0]; i++)
        json_array_append_new(claims, json_string(claims_supported[i]));
    json_t *o = json_object();
    json_object_set_new(o, "response_types_supported", json_pack("[s,s]", "token", "none"));
    json_object_set_new(o, "id_token_signing_alg_values_supported", json_pack("[s]", d->cfg.alg));
    snprintf(url, sizeof url, "%s/revoke", rq->issuer);
    json_object_set_new(o, "revocation_endpoint", json_string(url));
    json_object_set_new(o, "issuer", json_string(rq->issuer));
    snprintf(url, sizeof url, "%s/certs", rq->issuer);
    json_object_set_new(o, "jwks_uri", json_string(url));
    json_object_set_new(o, "claims_supported", claims);
    maatd_json_response(rs, 200, o);
    json_decref(o);
}

void maatd_revoke(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    (void)d;
    json_t *o = json_pack("{s:s, s:s}", "error", "unsupported_token_type", "error_description",
                          "maatd does not revoke attestation tokens; they expire at their exp.");
    maatd_json_response(rs, 400, o);
    json_decref(o);
    rq->error_code = "unsupported_token_type";
    snprintf(rq->reason, sizeof rq->reason, "token revocation is not supported");
}
