/*
 * route_reserve.c - maatd_route_is_reserve: the paths the reserve listener serves
 * (/healthz, /ready, /metrics). A leaf module, so request.c checks a path on the reserve
 * listener without calling the route table (routes.c), which calls request.c.
 */
#include <string.h>

#include "maatd.h"

bool maatd_route_is_reserve(const char *path)
{
    return !strcmp(path, "/healthz") || !strcmp(path, "/ready") || !strcmp(path, "/metrics");
}
