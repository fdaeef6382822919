/*
 * routes.c - the routing table (maa.md section 1) and the api-version check.
 *
 * Paths match exactly (MAA's are case-sensitive; the query string is not part of the
 * path libmicrohttpd hands us). A known path with another method is 405 with Allow; an
 * unknown path is 404; both in MAA's error form. Attestation, policy and certificate
 * routes require `api-version` 2020-10-01, 2022-08-01 (identical SGX shapes) or 2025-06-01
 * (same bodies; errors in the 2025 ErrorResponse shape with x-ms-error-code, errors.c).
 * TdxVm (POST /attest/TdxVm, /policies/TdxVm) exists from 2025-06-01 only: an older
 * version is refused with 400 UnsupportedApiVersionValue (docs/maatd.md).
 * /certs and the OpenID metadata take none before 2025-06-01 and list it from 2025-06-01:
 * maatd answers them without one, and checks one when given (an unknown version is 400).
 * /metrics and the health endpoints take none. POST /revoke
 * (the OpenID metadata's revocation_endpoint) exists so the metadata names only served
 * routes; it revokes nothing (metadata.c).
 */
#include <string.h>

#include "maatd.h"

enum handler {
    H_ATTEST_SGX,
    H_ATTEST_OE,
    H_ATTEST_TDX,
    H_ATTEST_UNSUPPORTED,
    H_CERTS,
    H_OPENID,
    H_POLICY,
    H_CERTIFICATES,
    H_METRICS,
    H_HEALTHZ,
    H_READY,
    H_REVOKE,
    H_TCB_BASELINES,
};

struct route {
    const char *path;
    const char *methods; /* space-separated, for matching and the Allow header */
    enum handler h;
    enum maatd_route_id id;
    int api_version; /* 0: none, 1: required, 2: optional, checked when present */
};

static const struct route routes[] = {
    {"/attest/SgxEnclave", "POST", H_ATTEST_SGX, MAATD_R_ATTEST_SGX, 1},
    {"/attest/OpenEnclave", "POST", H_ATTEST_OE, MAATD_R_ATTEST_OE, 1},
    {"/attest/Tpm", "POST", H_ATTEST_UNSUPPORTED, MAATD_R_ATTEST_OTHER, 1},
    {"/attest/SevSnpVm", "POST", H_ATTEST_UNSUPPORTED, MAATD_R_ATTEST_OTHER, 1},
    {"/attest/TdxVm", "POST", H_ATTEST_TDX, MAATD_R_ATTEST_OTHER, 1},
    {"/certs", "GET HEAD", H_CERTS, MAATD_R_CERTS, 2},
    {"/certs/", "GET HEAD", H_CERTS, MAATD_R_CERTS, 2},
    {"/.well-known/openid-configuration", "GET HEAD", H_OPENID, MAATD_R_OPENID, 2},
    {"/revoke", "POST", H_REVOKE, MAATD_R_OPENID, 0},
    {"/policies/SgxEnclave", "GET HEAD PUT", H_POLICY, MAATD_R_POLICIES, 1},
    {"/policies/OpenEnclave", "GET HEAD PUT", H_POLICY, MAATD_R_POLICIES, 1},
    {"/policies/SgxEnclave:reset", "POST", H_POLICY, MAATD_R_POLICIES, 1},
    {"/policies/OpenEnclave:reset", "POST", H_POLICY, MAATD_R_POLICIES, 1},
    {"/policies/TdxVm", "GET HEAD PUT", H_POLICY, MAATD_R_POLICIES, 1},
    {"/policies/TdxVm:reset", "POST", H_POLICY, MAATD_R_POLICIES, 1},
    {"/certificates", "GET HEAD", H_CERTIFICATES, MAATD_R_CERTIFICATES, 1},
    {"/certificates:add", "POST", H_CERTIFICATES, MAATD_R_CERTIFICATES, 1},
    {"/certificates:remove", "POST", H_CERTIFICATES, MAATD_R_CERTIFICATES, 1},
    {"/tcbbaselines/SgxEnclave", "GET HEAD", H_TCB_BASELINES, MAATD_R_POLICIES, 1},
    {"/metrics", "GET HEAD", H_METRICS, MAATD_R_METRICS, 0},
    {"/healthz", "GET HEAD", H_HEALTHZ, MAATD_R_HEALTH, 0},
    {"/ready", "GET HEAD", H_READY, MAATD_R_HEALTH, 0},
};

static bool method_in(const char *method, const char *list)
{
    size_t n = strlen(method);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, method, n)) return true;
        p += len;
        while (*p == ' ') p++;
    }
    return false;
}

/* The api-version versions whose SGX shapes maatd serves. */
static const char *const api_versions[] = {"2020-10-01", "2022-08-01", "2025-06-01"};

static bool api_version_ok(struct maatd_request *rq, struct maatd_response *rs, bool required)
{
    char vbuf[256];
    const char *v = maatd_request_query(rq, "api-version", vbuf, sizeof vbuf);
    if (!required && v == NULL) return true;
    if (v == NULL || *v == '\0') {
        maatd_error(rq, rs, 400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all "
                    "requests to %s; supported versions: 2020-10-01, 2022-08-01, 2025-06-01.",
                    rq->path);
        return false;
    }
    for (size_t i = 0; i < sizeof api_versions / sizeof api_versions[0]; i++)
        if (!strcmp(v, api_versions[i])) return true;
    char shown[64];
    size_t n = 0;
    for (const char *p = v; *p && n + 1 < sizeof shown; p++)
        shown[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    shown[n] = '\0';
    maatd_error(rq, rs, 400, "UnsupportedApiVersionValue",
                "The api-version '%s' is not supported; supported versions: 2020-10-01, "
                "2022-08-01, 2025-06-01.", shown);
    return false;
}

void maatd_route(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs)
{
    char vbuf[32];
    const char *v = maatd_request_query(rq, "api-version", vbuf, sizeof vbuf);
    rq->api_2025 = v != NULL && !strcmp(v, "2025-06-01");
    const struct route *r = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (!strcmp(rq->path, routes[i].path)) {
            r = &routes[i];
            break;
        }
    if (r == NULL) {
        rq->route = MAATD_R_UNKNOWN;
        maatd_error(rq, rs, 404, "NotFound", "No route for %s %s.", rq->method, rq->path);
        return;
    }
    rq->route = r->id;
    if (!method_in(rq->method, r->methods)) {
        maatd_error(rq, rs, 405, "MethodNotAllowed", "%s does not accept %s (allowed: %s).",
                    rq->path, rq->method, r->methods);
        rs->allow = r->methods;
        return;
    }
    if (r->api_version != 0 && !api_version_ok(rq, rs, r->api_version == 1)) return;
    if (!rq->api_2025 && (!strcmp(r->path, "/attest/TdxVm") || !strncmp(r->path, "/policies/TdxVm", 15))) {
        /* TdxVm exists from 2025-06-01 on (maa-2025.md section 1): fail closed before */
        maatd_error(rq, rs, 400, "UnsupportedApiVersionValue",
                    "%s exists from api-version 2025-06-01 on (TdxVm is not an attestation "
                    "type of 2020-10-01 or 2022-08-01).", rq->path);
        return;
    }
    if (r->id != MAATD_R_HEALTH && r->id != MAATD_R_METRICS && !atomic_load(&d->ready)) {
        maatd_error(rq, rs, 503, "ServiceUnavailable", "maatd is %s.",
                    atomic_load(&d->stopping) ? "shutting down" : "starting");
        return;
    }
    maatd_request_issuer(d, rq, rq->issuer, sizeof rq->issuer);
    if (rq->too_large) {
        maatd_error(rq, rs, 413, "RequestEntityTooLarge",
                    "The request body exceeds the limit of %ld bytes.", d->cfg.max_body);
        return;
    }
    switch (r->h) {
    case H_ATTEST_SGX: maatd_attest(d, rq, rs, MAAT_ROUTE_SGX_ENCLAVE); break;
    case H_ATTEST_OE: maatd_attest(d, rq, rs, MAAT_ROUTE_OPEN_ENCLAVE); break;
    case H_ATTEST_TDX: maatd_attest(d, rq, rs, MAAT_ROUTE_TDX_VM); break;
    case H_ATTEST_UNSUPPORTED:
        maatd_error(rq, rs, 400, "InvalidParameter",
                    "Attestation type %s is not supported by maatd (SgxEnclave, "
                    "OpenEnclave and TdxVm are).", rq->path + strlen("/attest/"));
        break;
    case H_CERTS: maatd_certs(d, rq, rs); break;
    case H_OPENID: maatd_openid(d, rq, rs); break;
    case H_POLICY: {
        const char *t = rq->path + strlen("/policies/");
        unsigned type = strncmp(t, "SgxEnclave", 10) == 0    ? (unsigned)MAAT_ROUTE_SGX_ENCLAVE
                        : strncmp(t, "OpenEnclave", 11) == 0 ? (unsigned)MAAT_ROUTE_OPEN_ENCLAVE
                                                             : (unsigned)MAAT_ROUTE_TDX_VM;
        maatd_policy_route(d, rq, rs, type, strstr(t, ":reset") != NULL);
        break;
    }
    case H_CERTIFICATES:
        maatd_certificates_route(d, rq, rs,
                                 !strcmp(rq->path, "/certificates:add")      ? 1
                                 : !strcmp(rq->path, "/certificates:remove") ? 2
                                                                              : 0);
        break;
    case H_METRICS: maatd_metrics_route(d, rq, rs); break;
    case H_HEALTHZ: maatd_health(d, rq, rs, false); break;
    case H_READY: maatd_health(d, rq, rs, true); break;
    case H_REVOKE: maatd_revoke(d, rq, rs); break;
    case H_TCB_BASELINES: maatd_tcbbaselines(d, rq, rs); break;
    }
}
