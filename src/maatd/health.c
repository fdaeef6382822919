/*
 * health.c - GET /healthz (liveness: the process answers) and GET /ready (readiness:
 * start-up finished - store open, trust set and signing key loaded - and not shutting
 * down; 503 otherwise, so a load balancer stops sending traffic during a drain).
 * Neither discloses a file path or an internal URL. /ready's "store" is "up" or
 * "down (<reason>)" (store_sync.c; the reason names the store URI with its password masked):
 * a replica whose store is down still attests from memory, so it stays ready (200) and says
 * so; management writes answer 503 meanwhile (docs/deploy.md).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "collateral_source.h"
#include "maatd.h"
#include "store_sync.h"

void maatd_health(struct maatd *d, struct maatd_request *rq, struct maatd_response *rs, bool readiness)
{
    if (!readiness) {
        json_t *o = json_pack("{s:s, s:s}", "status", "ok", "version", MAATD_VERSION);
        maatd_json_response(rs, 200, o);
        json_decref(o);
        return;
    }
    bool ready = atomic_load(&d->ready) && !atomic_load(&d->stopping) && d->keys != NULL &&
                 d->trust != NULL && d->store != NULL;
    if (!ready) {
        maatd_error(rq, rs, 503, "ServiceUnavailable",
                    atomic_load(&d->stopping) ? "maatd is shutting down." : "maatd is starting.");
        return;
    }
    char kid[128], kind[16];
    maatd_keys_current_kid(d, kid, sizeof kid);
    /* the source's kind only ("pccs", "dir", "bundle"): its location (a file path or an
     * internal URL) is for the operator's log, not for anyone who can reach /ready */
    const char *desc = d->source ? maat_collateral_source_describe(d->source) : "none";
    size_t kl = strcspn(desc, " ");
    snprintf(kind, sizeof kind, "%.*s", (int)(kl < sizeof kind ? kl : sizeof kind - 1), desc);
    char why[MAAT_ERROR_MSG_MAX], store[MAAT_ERROR_MSG_MAX + 16];
    if (maatd_store_status(why, sizeof why))
        snprintf(store, sizeof store, "up");
    else
        snprintf(store, sizeof store, "down (%.*s)", (int)(sizeof store - 16), why);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "status", "ready", "kid", kid, "collateral",
                          kind, "signing_keys", (json_int_t)maatd_keys_count(d), "store", store);
    maatd_json_response(rs, 200, o);
    json_decref(o);
}
