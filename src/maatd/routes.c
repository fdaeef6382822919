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

/*
 * The route table: one entry per path, naming the methods it accepts, the function that
 * handles it, its route id (metrics, access log), its api-version rule, whether it exists
 * from 2025-06-01 on only, and the argument its handler takes (attestation or policy type,
 * :reset, the certificates operation). maatd_route() is a loop over it.
 */
struct route;
typedef void route_handler(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                           const struct route *r);

enum api_rule {
    API_NONE = 0,     /* takes no api-version */
    API_REQUIRED = 1, /* api-version required */
    API_OPTIONAL = 2, /* checked when present */
};

struct route {
    const char *methods; /* space-separated, for matching and the Allow header */
    const char *path;    /* exact, case-sensitive */
    route_handler *handler;
    enum maatd_route_id id;
    enum api_rule api_version;
    bool since_2025; /* TdxVm: 400 UnsupportedApiVersionValue before 2025-06-01 */
    unsigned type;   /* enum maat_attest_route, for the attestation and policy handlers */
    int op;          /* policies: 1 :reset; certificates: 0 get, 1 :add, 2 :remove */
};

static void route_attest(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                         const struct route *r)
{
    maatd_attest(d, rq, rs, (enum maat_attest_route)r->type);
}

static void route_attest_unsupported(struct maatd *d, struct maatd_request *rq,
                                     struct maatd_response *rs, const struct route *r)
{
    (void)d;
    maatd_error(rq, rs, 400, "InvalidParameter",
                "Attestation type %s is not supported by maatd (SgxEnclave, "
                "OpenEnclave and TdxVm are).",
                r->path + strlen("/attest/"));
}

static void route_certs(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                        const struct route *r)
{
    (void)r;
    maatd_certs(d, rq, rs);
}

static void route_openid(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                         const struct route *r)
{
    (void)r;
    maatd_openid(d, rq, rs);
}

static void route_revoke(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                         const struct route *r)
{
    (void)r;
    maatd_revoke(d, rq, rs);
}

static void route_policy(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                         const struct route *r)
{
    maatd_policy_route(d, rq, rs, r->type, r->op == 1);
}

static void route_certificates(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                               const struct route *r)
{
    maatd_certificates_route(d, rq, rs, r->op);
}

static void route_tcbbaselines(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                               const struct route *r)
{
    (void)r;
    maatd_tcbbaselines(d, rq, rs);
}

static void route_metrics(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                          const struct route *r)
{
    (void)r;
    maatd_metrics_route(d, rq, rs);
}

static void route_healthz(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                          const struct route *r)
{
    (void)r;
    maatd_health(d, rq, rs, false);
}

static void route_ready(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs,
                        const struct route *r)
{
    (void)r;
    maatd_health(d, rq, rs, true);
}

#define SGX MAAT_ROUTE_SGX_ENCLAVE
#define OE MAAT_ROUTE_OPEN_ENCLAVE
#define TDX MAAT_ROUTE_TDX_VM

static const struct route routes[] = {
    /* methods, path, handler, id, api-version, since 2025-06-01, type, op */
    {"POST", "/attest/SgxEnclave", route_attest, MAATD_R_ATTEST_SGX, API_REQUIRED, false, SGX, 0},
    {"POST", "/attest/OpenEnclave", route_attest, MAATD_R_ATTEST_OE, API_REQUIRED, false, OE, 0},
    {"POST", "/attest/Tpm", route_attest_unsupported, MAATD_R_ATTEST_OTHER, API_REQUIRED, false, 0, 0},
    {"POST", "/attest/SevSnpVm", route_attest_unsupported, MAATD_R_ATTEST_OTHER, API_REQUIRED,
     false, 0, 0},
    {"POST", "/attest/TdxVm", route_attest, MAATD_R_ATTEST_OTHER, API_REQUIRED, true, TDX, 0},
    {"GET HEAD", "/certs", route_certs, MAATD_R_CERTS, API_OPTIONAL, false, 0, 0},
    {"GET HEAD", "/certs/", route_certs, MAATD_R_CERTS, API_OPTIONAL, false, 0, 0},
    {"GET HEAD", "/.well-known/openid-configuration", route_openid, MAATD_R_OPENID, API_OPTIONAL,
     false, 0, 0},
    {"POST", "/revoke", route_revoke, MAATD_R_OPENID, API_NONE, false, 0, 0},
    {"GET HEAD PUT", "/policies/SgxEnclave", route_policy, MAATD_R_POLICIES, API_REQUIRED, false,
     SGX, 0},
    {"GET HEAD PUT", "/policies/OpenEnclave", route_policy, MAATD_R_POLICIES, API_REQUIRED, false,
     OE, 0},
    {"POST", "/policies/SgxEnclave:reset", route_policy, MAATD_R_POLICIES, API_REQUIRED, false, SGX,
     1},
    {"POST", "/policies/OpenEnclave:reset", route_policy, MAATD_R_POLICIES, API_REQUIRED, false, OE,
     1},
    {"GET HEAD PUT", "/policies/TdxVm", route_policy, MAATD_R_POLICIES, API_REQUIRED, true, TDX, 0},
    {"POST", "/policies/TdxVm:reset", route_policy, MAATD_R_POLICIES, API_REQUIRED, true, TDX, 1},
    {"GET HEAD", "/certificates", route_certificates, MAATD_R_CERTIFICATES, API_REQUIRED, false, 0, 0},
    {"POST", "/certificates:add", route_certificates, MAATD_R_CERTIFICATES, API_REQUIRED, false, 0, 1},
    {"POST", "/certificates:remove", route_certificates, MAATD_R_CERTIFICATES, API_REQUIRED, false,
     0, 2},
    {"GET HEAD", "/tcbbaselines/SgxEnclave", route_tcbbaselines, MAATD_R_POLICIES, API_REQUIRED,
     false, 0, 0},
    {"GET HEAD", "/metrics", route_metrics, MAATD_R_METRICS, API_NONE, false, 0, 0},
    {"GET HEAD", "/healthz", route_healthz, MAATD_R_HEALTH, API_NONE, false, 0, 0},
    {"GET HEAD", "/ready", route_ready, MAATD_R_HEALTH, API_NONE, false, 0, 0},
};

#undef SGX
#undef OE
#undef TDX

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
                "2022-08-01, 2025-06-01.",
                shown);
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
    if (r->api_version != API_NONE && !api_version_ok(rq, rs, r->api_version == API_REQUIRED))
        return;
    if (!rq->api_2025 && r->since_2025) {
        /* TdxVm exists from 2025-06-01 on (maa-2025.md section 1): fail closed before */
        maatd_error(rq, rs, 400, "UnsupportedApiVersionValue",
                    "%s exists from api-version 2025-06-01 on (TdxVm is not an attestation "
                    "type of 2020-10-01 or 2022-08-01).",
                    rq->path);
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
    r->handler(d, rq, rs, r);
}
