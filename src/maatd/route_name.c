/*
 * route_name.c - maatd_route_name: the label of a route id in metrics and the access log.
 * A leaf module, so log.c and metrics.c both use it without a call cycle.
 */
#include "maatd.h"

static const char *const route_names[MAATD_R__COUNT] = {
    "attest_sgx", "attest_openenclave", "attest_other", "certs",  "openid_configuration",
    "policies",   "certificates",       "metrics",      "health", "unknown",
};

const char *maatd_route_name(enum maatd_route_id r)
{
    return (unsigned)r < MAATD_R__COUNT ? route_names[r] : "unknown";
}
