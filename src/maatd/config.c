/*
 * config.c - maatd's settings: one table of options serves the command line, the config
 * file (`key = value` lines named like the long flags) and --help. Flags override the
 * file; a repeatable option given on the command line replaces the file's list.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maat/collateral.h" /* maat_tcb_status_from_name */
#include "maatd.h"

enum opt_kind { OPT_STR, OPT_LIST, OPT_LONG, OPT_BOOL, OPT_HELP, OPT_VERSION, OPT_CONFIG };

struct opt {
    const char *name;
    enum opt_kind kind;
    size_t off;      /* offset in struct maatd_config */
    long min, max;   /* OPT_LONG bounds */
    const char *arg; /* argument name for --help */
    const char *def; /* default as shown by --help */
    const char *help;
};

#define OFF(f) offsetof(struct maatd_config, f)

static const struct opt opts[] = {
    {"listen", OPT_STR, OFF(listen), 0, 0, "HOST:PORT", "127.0.0.1:8080",
     "address to listen on; port 0 picks a free port and prints the URL on stdout"},
    {"store", OPT_STR, OFF(store), 0, 0, "URI", "(required)",
     "store: \"sqlite:PATH\" or PATH (created 0600, WAL), or postgresql://... shared by\n"
     "replicas (docs/deploy.md): signing keys, policies, signers, collateral"},
    {"sim", OPT_STR, OFF(sim), 0, 0, "DIR", "none",
     "simulated platform (`maat sim init DIR`): trust DIR/root-ca.pem as a non-production\n"
     "anchor and serve collateral from DIR"},
    {"signer-quote", OPT_STR, OFF(signer_quote), 0, 0, "none|sim|gramine|auto", "auto",
     "where the enclave quote binding the signing key (certificate extension\n"
     "1.3.6.1.4.1.311.105.1) comes from: gramine = Gramine's /dev/attestation\n"
     "($MAAT_GRAMINE_ATTESTATION_DIR overrides it), sim = the --sim platform, none = no\n"
     "quote; auto = gramine when available, else sim with --sim, else none"},
    {"pccs", OPT_STR, OFF(pccs), 0, 0, "URL", "none", "collateral from an Intel PCS / PCCS (API v4)"},
    {"collateral-source", OPT_STR, OFF(collateral_source), 0, 0, "intel|azure|URL", "none",
     "collateral from Intel PCS v4 (intel; --pccs-api-key), Azure THIM's SGX cache (azure:\n"
     "https://global.acccache.azure.net, its URL scheme) or a PCS/PCCS URL (as --pccs);\n"
     "the --pccs-* client settings apply"},
    {"collateral-azure-url", OPT_STR, OFF(collateral_azure_url), 0, 0, "URL",
     "https://global.acccache.azure.net", "THIM base for --collateral-source azure"},
    {"pccs-api-key", OPT_STR, OFF(pccs_api_key), 0, 0, "KEY", "none",
     "Ocp-Apim-Subscription-Key for Intel's PCS"},
    {"pccs-insecure", OPT_BOOL, OFF(pccs_insecure), 0, 0, NULL, "off",
     "do not verify the PCCS's TLS certificate (test setups only)"},
    {"pccs-connect-timeout-ms", OPT_LONG, OFF(pccs_connect_timeout_ms), 1, 60000, "MS", "3000",
     "PCCS: give up connecting after this long (per attempt)"},
    {"pccs-read-timeout-ms", OPT_LONG, OFF(pccs_read_timeout_ms), 0, 60000, "MS", "3000",
     "PCCS: give up an attempt when no byte arrived for this long (whole seconds; 0 = off)"},
    {"pccs-timeout-ms", OPT_LONG, OFF(pccs_timeout_ms), 1, 600000, "MS", "10000",
     "PCCS: give up a request after this long (per attempt)"},
    {"pccs-attempts", OPT_LONG, OFF(pccs_attempts), 1, 10, "N", "3",
     "PCCS: attempts per request (connection errors, timeouts, 5xx, 429 are retried)"},
    {"collateral", OPT_STR, OFF(collateral), 0, 0, "BUNDLE|DIR", "none",
     "collateral from a dcap-qvl bundle file or a directory of PCS files"},
    {"collateral-wait-ms", OPT_LONG, OFF(collateral_wait_ms), 0, 60000, "MS", "2000",
     "an attestation waits for a collateral fetch in flight at most this long after the\n"
     "fetch started, then gets 503 (or last-good collateral when it has some)"},
    {"collateral-retry-s", OPT_LONG, OFF(collateral_retry_s), 0, 86400, "SECONDS", "60",
     "after a failed collateral fetch, do not ask the source again for this long\n"
     "(attestations needing that collateral get 503 at once, or last-good)"},
    /* issue 14: pinned baselines, grace period, THIM region (docs/maatd.md) */
    {"collateral-max-pinned", OPT_LONG, OFF(collateral_max_pinned), 0, 4096, "N", "32",
     "collateral sets pinned to a TCB evaluation data number (policies' x-ms-sgx-\n"
     "tcbidentifier) held in memory per TEE besides the default ones; least recently used\n"
     "beyond (0 = a pinned baseline is never fetched)"},
    {"collateral-azure-region", OPT_STR, OFF(collateral_azure_region), 0, 0, "REGION", "none",
     "with --collateral-source azure: send region=REGION in THIM's customParameter"},
    {"tcb-grace-days", OPT_LONG, OFF(tcb_grace_days), 0, 3650, "DAYS", "off",
     "after a TCB recovery, accept the previous evaluation number's verdict for DAYS days\n"
     "after the newest number's tcbRecoveryEventDate (from the /tcbevaluationdatanumbers\n"
     "list; unknown = refused), fetching the previous number when the newest one's verdict\n"
     "is worse than acceptable; otherwise require the newest"},
    {"tcb-eval-numbers-source", OPT_STR, OFF(tcb_eval_numbers_source), 0, 0, "intel|URL",
     "the collateral source",
     "where the signed /tcbevaluationdatanumbers list comes from: Intel PCS or a PCS/PCCS\n"
     "URL (Azure THIM does not serve it; needed there for --tcb-grace-days)"},
    {"test-verification-time", OPT_STR, OFF(test_verification_time), 0, 0, "TIME", "now",
     "TESTS ONLY: verify quotes and collateral at this time (unix seconds or RFC 3339)\n"
     "instead of now, so that recorded quotes and collateral can be attested; tokens keep\n"
     "iat = now. Accepts expired collateral: never in production (logged as a warning)"},
    {"trust-root", OPT_LIST, OFF(trust_roots), 0, 0, "PEM", "Intel SGX Root CA only",
     "also trust this root certificate (non-production anchor; repeatable)"},
    {"tls-cert", OPT_STR, OFF(tls_cert), 0, 0, "PEM", "none (plain HTTP)",
     "serve HTTPS with this certificate chain"},
    {"tls-key", OPT_STR, OFF(tls_key), 0, 0, "PEM", "none", "private key of --tls-cert"},
    {"issuer", OPT_STR, OFF(issuer), 0, 0, "URL", "http(s)://<Host header>",
     "token `iss` and base of `jku`; default: the URL the request reached (Host header),\n"
     "else the listen address"},
    {"alg", OPT_STR, OFF(alg), 0, 0, "RS256|ES256|PS256", "RS256",
     "token signing algorithm of new keys"},
    {"allow-debug-td", OPT_BOOL, OFF(allow_debug_td), 0, 0, NULL, "off",
     "POST /attest/TdxVm: accept a DEBUG TD (TDATTRIBUTES bit 0); refused by default"},
    {"allow-reserved-td-attributes", OPT_BOOL, OFF(allow_reserved_td_attributes), 0, 0, NULL, "off",
     "POST /attest/TdxVm: accept reserved TDATTRIBUTES bits"},
    {"allow-sept-ve", OPT_BOOL, OFF(allow_sept_ve), 0, 0, NULL, "off",
     "POST /attest/TdxVm: accept a TD without SEPT_VE_DISABLE (bit 28)"},
    {"allow-service-td", OPT_BOOL, OFF(allow_service_td), 0, 0, NULL, "off",
     "POST /attest/TdxVm: accept a non-zero MRSERVICETD (TD report 1.5)"},
    /* TCB policy of every attestation (issue 14; docs/maatd.md "TCB policy") */
    {"min-tcb-status", OPT_STR, OFF(min_tcb_status), 0, 0, "STATUS", "none",
     "refuse a quote (every /attest route) whose TCB status is worse\n"
     "than STATUS: UpToDate < TDRelaunchAdvised < SWHardeningNeeded <\n"
     "ConfigurationNeeded < TDRelaunchAdvisedConfigurationNeeded <\n"
     "ConfigurationAndSWHardeningNeeded < OutOfDate <\n"
     "OutOfDateConfigurationNeeded (400 naming both)"},
    {"max-collateral-age", OPT_LONG, OFF(max_collateral_age), 1, 36500, "DAYS", "none",
     "refuse a quote whose collateral (TCB info, QE identity, CRLs)\n"
     "was issued more than DAYS days before the verification time"},
    {"allow-advisory", OPT_LIST, OFF(allow_advisories), 0, 0, "ID", "none",
     "advisory allow-list (repeatable; config file: one\n"
     "`allow-advisory = ID` line per ID): refuse a quote whose TCB\n"
     "level or QE identity names any other advisory"},
    {"rotate-key", OPT_BOOL, OFF(rotate_key), 0, 0, NULL, "off",
     "generate a new current signing key at start-up (old keys stay in /certs for\n"
     "--key-retention); at run time: `maat key rotate --store URI`"},
    {"key-retention", OPT_LONG, OFF(key_retention), 0, 10L * 365 * 86400, "SECONDS", "28800",
     "how long a retired key stays in /certs (at least the token lifetime)"},
    {"threads", OPT_LONG, OFF(threads), 0, 256, "N", "number of CPUs",
     "worker threads (0 = number of CPUs)"},
    {"max-connections", OPT_LONG, OFF(max_connections), 1, 100000, "N", "1024",
     "concurrent connections"},
    {"timeout", OPT_LONG, OFF(timeout), 1, 3600, "SECONDS", "30", "drop a connection idle this long"},
    {"max-body", OPT_LONG, OFF(max_body), 1024, 64L << 20, "BYTES", "1048576",
     "largest request body (413 beyond)"},
    {"policy-max-issued-claims", OPT_LONG, OFF(policy_max_issued_claims), 1, 1L << 20, "N", "256",
     "claims one policy evaluation may issue (issue + issueproperty); stored and draft\n"
     "policies alike (400 PolicyEvaluationError beyond)"},
    {"policy-max-claim-value", OPT_LONG, OFF(policy_max_claim_value), 1, 64L << 20, "BYTES",
     "262144", "largest value of one issued claim"},
    {"policy-max-issued-bytes", OPT_LONG, OFF(policy_max_issued_bytes), 1, 256L << 20, "BYTES",
     "1048576", "all claims one evaluation issues together (types + values)"},
    {"max-token-size", OPT_LONG, OFF(max_token_size), 4096, 1L << 30, "BYTES", "8388608",
     "largest attestation token payload (400 PolicyEvaluationError beyond)"},
    {"conn-memory", OPT_LONG, OFF(conn_memory), 8192, 16L << 20, "BYTES", "16384",
     "memory per connection for the request line and headers"},
    {"header-timeout", OPT_LONG, OFF(header_timeout), 1, 3600, "SECONDS", "10",
     "close a connection whose request line and headers are not complete this long after\n"
     "it opened (or after its previous response), however slowly it keeps sending"},
    {"max-connections-per-client", OPT_LONG, OFF(max_conn_per_client), 1, 100000, "N", "64",
     "concurrent connections from one client address (more are refused at accept)"},
    {"max-body-total", OPT_LONG, OFF(max_body_total), 1024, 1L << 40, "BYTES", "67108864",
     "request body memory held at once over all connections (503 beyond; >= --max-body)"},
    {"max-response-total", OPT_LONG, OFF(max_response_total), 65536, 1L << 40, "BYTES", "67108864",
     "response bytes queued for clients that have not read them yet, over all\n"
     "connections (503 beyond)"},
    {"health-listen", OPT_STR, OFF(health_listen), 0, 0, "HOST:PORT", "none",
     "reserve listener serving only /healthz, /ready and /metrics (own thread and limits),\n"
     "reachable however busy the main listener is"},
    {"shutdown-grace", OPT_LONG, OFF(shutdown_grace), 0, 600, "SECONDS", "10",
     "on SIGTERM/SIGINT, wait this long for in-flight requests"},
    {"mode", OPT_STR, OFF(mode), 0, 0, "shared|aad|isolated", "shared",
     "policy management: shared = default policy only; aad = set/reset by the holder of\n"
     "--admin-token-file; isolated = every change signed by a policy-signer certificate"},
    {"admin-token-file", OPT_STR, OFF(admin_token_file), 0, 0, "FILE", "none",
     "bearer token (file contents, trimmed) required for policy/signer changes; needed\n"
     "with --mode aad, optional with isolated"},
    {"policy-signer", OPT_LIST, OFF(policy_signers), 0, 0, "PEM", "none",
     "isolated mode: initial policy-management certificate (repeatable; used when the\n"
     "store holds no signers yet)"},
    {"log-format", OPT_STR, OFF(log_format), 0, 0, "text|json", "text", "request log lines on stderr"},
    {"log-flush-ms", OPT_LONG, OFF(log_flush_ms), 0, 10000, "MS", "100",
     "write request log lines in batches, at most this long after the first (0 = each at once)"},
    /* verification caches (issue 16) */
    {"pck-cache-size", OPT_LONG, OFF(pck_cache_size), 16, 1L << 20, "N", "4096",
     "verified PCK chains kept, ~12 KB each (16-way sets, LRU; rounded up to a multiple\n"
     "of 16); a platform not kept pays a leaf check again (docs/maatd.md)"},
    {"config", OPT_CONFIG, OFF(config), 0, 0, "FILE", "none",
     "read `key = value` settings (flags override)"},
    {"help", OPT_HELP, 0, 0, 0, NULL, NULL, "show this help"},
    {"version", OPT_VERSION, 0, 0, 0, NULL, NULL, "show the version"},
};
#define NOPTS (sizeof opts / sizeof opts[0])
_Static_assert(NOPTS <= sizeof((struct maatd_config *)0)->origin / sizeof(char *),
               "struct maatd_config.origin too small");

void maatd_config_defaults(struct maatd_config *c)
{
    memset(c, 0, sizeof *c);
    c->listen = strdup("127.0.0.1:8080");
    c->alg = strdup("RS256");
    c->log_format = strdup("text");
    c->log_flush_ms = 100;
    c->mode = strdup("shared");
    c->signer_quote = strdup("auto");
    c->threads = 0;
    c->max_connections = 1024;
    c->timeout = 30;
    c->max_body = 1L << 20;
    c->conn_memory = 16L << 10;
    c->policy_max_issued_claims = 256; /* = maat__policy_limits_default's */
    c->policy_max_claim_value = 256L << 10;
    c->policy_max_issued_bytes = 1L << 20;
    c->max_token_size = 8L << 20; /* = MAAT_CLAIMS_PAYLOAD_MAX */
    c->key_retention = MAATD_TOKEN_LIFETIME;
    c->shutdown_grace = 10;
    c->collateral_max_pinned = 32; /* issue 14 */
    c->tcb_grace_days = -1;        /* off */
    c->pccs_connect_timeout_ms = 3000;
    c->pccs_read_timeout_ms = 3000;
    c->pccs_timeout_ms = 10000;
    c->pccs_attempts = 3;
    c->collateral_wait_ms = 2000;
    c->collateral_retry_s = 60;
    c->header_timeout = 10;
    c->max_conn_per_client = 64;
    c->max_body_total = 64L << 20;
    c->max_response_total = 64L << 20;
}

void maatd_config_free(struct maatd_config *c)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].kind == OPT_STR || opts[i].kind == OPT_CONFIG) {
            char **p = (char **)((char *)c + opts[i].off);
            free(*p);
            *p = NULL;
        }
    }
    for (size_t i = 0; i < NOPTS; i++) {
        free(c->origin[i]);
        c->origin[i] = NULL;
    }
    for (size_t i = 0; i < c->n_trust_roots; i++) free(c->trust_roots[i]);
    c->n_trust_roots = 0;
    for (size_t i = 0; i < c->n_policy_signers; i++) free(c->policy_signers[i]);
    c->n_policy_signers = 0;
    for (size_t i = 0; i < c->n_allow_advisories; i++) free(c->allow_advisories[i]);
    c->n_allow_advisories = 0;
    memset(&c->tcb_opts, 0, sizeof c->tcb_opts);
}

/* The array, count and capacity behind a repeatable option. */
static char **list_of(struct maatd_config *c, const struct opt *o, size_t **n, size_t *cap)
{
    if (o->off == OFF(policy_signers)) {
        *n = &c->n_policy_signers;
        *cap = MAATD_MAX_POLICY_SIGNERS;
        return c->policy_signers;
    }
    if (o->off == OFF(allow_advisories)) {
        *n = &c->n_allow_advisories;
        *cap = MAATD_MAX_ALLOW_ADVISORIES;
        return c->allow_advisories;
    }
    *n = &c->n_trust_roots;
    *cap = MAATD_MAX_TRUST_ROOTS;
    return c->trust_roots;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: maatd --store FILE [--listen HOST:PORT] [--sim DIR]\n"
               "             [--pccs URL | --collateral BUNDLE|DIR] [--trust-root PEM]...\n"
               "             [--tls-cert PEM --tls-key PEM] [--issuer URL] [--alg ALG]\n"
               "             [--mode shared|aad|isolated] [--admin-token-file FILE]\n"
               "             [--policy-signer PEM]... [--signer-quote none|sim|gramine|auto]\n"
               "             [--config FILE] [options]\n\n"
               "maatd serves Microsoft Azure Attestation's REST data plane for SGX and TDX:\n"
               "POST /attest/SgxEnclave, /attest/OpenEnclave, /attest/TdxVm (api-version\n"
               "2025-06-01), GET /certs, /.well-known/openid-configuration,\n"
               "/policies/{SgxEnclave,OpenEnclave,TdxVm} (GET, PUT, :reset),\n"
               "/certificates (GET, :add, :remove), plus /metrics, /healthz and /ready.\n"
               "See docs/maatd.md.\n\n"
               "options (config file keys are the long names without \"--\"):\n");
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        if (strlen(left) > 30)
            fprintf(f, "  %s\n  %-30s ", left, ""); /* own line */
        else
            fprintf(f, "  %-30s ", left);
        for (const char *p = o->help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n') fprintf(f, "  %-30s ", "");
        }
        if (o->def) fprintf(f, " [default: %s]", o->def);
        fputc('\n', f);
    }
    fprintf(f, "\nsignals: SIGTERM/SIGINT stop gracefully (exit 0); SIGHUP reloads (TLS files "
               "re-read; never rotates keys: `maat key rotate`).\n");
}

static const struct opt *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len)) return &opts[i];
    return NULL;
}

/* A usage error about option `name` (after parsing): prefixed with the config file line it
 * came from, when it came from the file. Returns -1. */
static int complain(const struct maatd_config *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int complain(const struct maatd_config *c, const char *name, const char *fmt, ...)
{
    const struct opt *o = find_opt(name, strlen(name));
    const char *origin = o ? c->origin[o - opts] : NULL;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (origin)
        fprintf(stderr, "maatd: %s: %s\n", origin, msg);
    else
        fprintf(stderr, "maatd: %s\n", msg);
    return -1;
}

/* HOST:PORT ([v6]:PORT) with a decimal port 0..65535; msg says what is wrong. */
static bool listen_ok(const char *v, char *msg, size_t cap)
{
    const char *colon = strrchr(v, ':');
    if (colon == NULL || colon == v || colon[1] == '\0') {
        snprintf(msg, cap, "expected HOST:PORT");
        return false;
    }
    if (v[0] == '[' && colon[-1] != ']') {
        snprintf(msg, cap, "expected [IPv6]:PORT");
        return false;
    }
    unsigned long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || port > 65535) {
            snprintf(msg, cap, "port '%s': expected a number 0..65535", colon + 1);
            return false;
        }
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port > 65535) {
        snprintf(msg, cap, "port %lu out of range (0..65535)", port);
        return false;
    }
    return true;
}

/* An advisory ID as Intel writes them (INTEL-SA-00615, INTEL-DOC-...): one ID, short
 * enough for the verdict's lists, so that a comma-separated list or a typo with a space
 * is refused instead of matching nothing. */
static bool advisory_id_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= MAAT_VERDICT_ADVISORY_LEN) return false;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* The TCB policy settings as libmaat's options (c->tcb_opts); -1 naming the option. */
static int tcb_policy_settings(struct maatd_config *c)
{
    struct maat_verify_opts *t = &c->tcb_opts;
    memset(t, 0, sizeof *t);
    if (c->min_tcb_status != NULL) {
        if (maat_tcb_status_from_name(c->min_tcb_status, strlen(c->min_tcb_status),
                                      &t->min_tcb_status) != 0)
            return complain(c, "min-tcb-status",
                            "--min-tcb-status '%s': not a TCB status (expected UpToDate, "
                            "TDRelaunchAdvised, SWHardeningNeeded, ConfigurationNeeded, "
                            "TDRelaunchAdvisedConfigurationNeeded, "
                            "ConfigurationAndSWHardeningNeeded, OutOfDate or "
                            "OutOfDateConfigurationNeeded; case-sensitive)",
                            c->min_tcb_status);
        t->has_min_tcb_status = true;
    }
    t->max_collateral_age_days = (uint32_t)c->max_collateral_age; /* 0..36500 (table) */
    if (c->n_allow_advisories > 0) {
        t->advisory_allow_list = true;
        t->allowed_advisories = (const char *const *)c->allow_advisories;
        t->allowed_advisory_count = c->n_allow_advisories;
    }
    return 0;
}

/* Applies one setting. `where` names its origin for messages. */
static int apply(struct maatd_config *c, const struct opt *o, const char *val, const char *where)
{
    void *field = (char *)c + o->off;
    size_t idx = (size_t)(o - opts);
    free(c->origin[idx]);
    c->origin[idx] = strcmp(where, "command line") ? strdup(where) : NULL;
    switch (o->kind) {
    case OPT_STR:
    case OPT_CONFIG: {
        char **p = field;
        free(*p);
        *p = strdup(val);
        return *p ? 0 : -1;
    }
    case OPT_LIST: {
        size_t *n, cap;
        char **arr = list_of(c, o, &n, &cap);
        if (*n == cap) {
            fprintf(stderr, "maatd: %s: at most %zu --%s\n", where, cap, o->name);
            return -1;
        }
        if (o->off == OFF(allow_advisories) && !advisory_id_ok(val)) {
            fprintf(stderr,
                    "maatd: %s: --%s '%s': expected one advisory ID such as INTEL-SA-00615 "
                    "(letters, digits, '-', '_', '.'; 1..%d characters); repeat the option "
                    "for more\n",
                    where, o->name, val, MAAT_VERDICT_ADVISORY_LEN - 1);
            return -1;
        }
        arr[*n] = strdup(val);
        if (arr[*n] == NULL) return -1;
        (*n)++;
        return 0;
    }
    case OPT_LONG: {
        char *end;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno != 0 || end == val || *end != '\0' || v < o->min || v > o->max) {
            fprintf(stderr, "maatd: %s: --%s '%s': expected an integer %ld..%ld\n", where, o->name,
                    val, o->min, o->max);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    case OPT_BOOL:
        if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on") || !strcmp(val, "1"))
            *(bool *)field = true;
        else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off") ||
                 !strcmp(val, "0"))
            *(bool *)field = false;
        else {
            fprintf(stderr, "maatd: %s: --%s '%s': expected true or false\n", where, o->name, val);
            return -1;
        }
        return 0;
    default: fprintf(stderr, "maatd: %s: '%s' cannot be set here\n", where, o->name); return -1;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int read_config_file(struct maatd_config *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "maatd: --config %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char where[600];
        snprintf(where, sizeof where, "%s:%u", path, lineno);
        if (strchr(line, '\n') == NULL && !feof(f)) {
            char *eq = strchr(line, '=');
            if (eq != NULL) *eq = '\0';
            fprintf(stderr, "maatd: %s: line too long (at most %zu bytes)%s%s\n", where,
                    sizeof line - 2, eq ? " setting " : "", eq ? trim(line) : "");
            rc = -1;
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';') continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            size_t kl = strcspn(s, " \t");
            const struct opt *o = find_opt(s, kl);
            if (o != NULL)
                fprintf(stderr, "maatd: %s: --%s: expected `%s = VALUE`\n", where, o->name, o->name);
            else
                fprintf(stderr, "maatd: %s: expected `key = value`\n", where);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') { /* optional quotes */
            val[vl - 1] = '\0';
            val++;
        }
        const struct opt *o = find_opt(key, strlen(key));
        if (o == NULL || o->kind == OPT_HELP || o->kind == OPT_VERSION || o->kind == OPT_CONFIG) {
            fprintf(stderr, "maatd: %s: unknown setting '%s' (see maatd --help)\n", where, key);
            rc = -1;
            break;
        }
        rc = apply(c, o, val, where);
    }
    fclose(f);
    return rc;
}

int maatd_config_parse(struct maatd_config *c, int argc, char **argv)
{
    /* first pass: --help, --version, --config */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("maatd %s\n", MAATD_VERSION);
            return 1;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *cfg = NULL;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            cfg = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            cfg = argv[i] + 9;
        if (cfg != NULL) {
            if (apply(c, find_opt("config", 6), cfg, "command line") != 0) return -1;
            if (read_config_file(c, cfg) != 0) return -1;
        }
    }
    bool list_from_cli[NOPTS] = {false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "maatd: unexpected argument '%s' (see maatd --help)\n", a);
            return -1;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt *o = find_opt(name, nlen);
        if (o == NULL) {
            fprintf(stderr, "maatd: unknown option '%s' (see maatd --help)\n", a);
            return -1;
        }
        const char *val;
        if (o->kind == OPT_BOOL) {
            val = eq ? eq + 1 : "true";
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "maatd: --%s needs a value\n", o->name);
            return -1;
        }
        if (o->kind == OPT_CONFIG) continue; /* handled above */
        if (o->kind == OPT_LIST && !list_from_cli[o - opts]) {
            size_t *n, cap;
            char **arr = list_of(c, o, &n, &cap);
            for (size_t k = 0; k < *n; k++) free(arr[k]);
            *n = 0;
            list_from_cli[o - opts] = true;
        }
        if (apply(c, o, val, "command line") != 0) return -1;
    }
    if (c->store == NULL) {
        return complain(c, "store", "--store FILE is required (see maatd --help)");
    }
    if (c->collateral_source != NULL) {
        const char *v = c->collateral_source;
        if (strcmp(v, "intel") && strcmp(v, "azure") && strncmp(v, "https://", 8) &&
            strncmp(v, "http://", 7))
            return complain(c, "collateral-source",
                            "--collateral-source '%s': expected intel, "
                            "azure or an http(s):// URL",
                            v);
        if (c->pccs || c->collateral || c->sim)
            return complain(c, "collateral-source",
                            "--collateral-source excludes --pccs, "
                            "--collateral and --sim (one collateral source)");
    }
    if (c->collateral_azure_url != NULL &&
        (c->collateral_source == NULL || strcmp(c->collateral_source, "azure")))
        return complain(c, "collateral-azure-url",
                        "--collateral-azure-url goes with --collateral-source azure");
    if (c->collateral_azure_region != NULL) { /* issue 14: THIM's region= */
        const char *r = c->collateral_azure_region;
        if (c->collateral_source == NULL || strcmp(c->collateral_source, "azure"))
            return complain(c, "collateral-azure-region",
                            "--collateral-azure-region goes with --collateral-source azure");
        if (strlen(r) == 0 || strlen(r) > 40 ||
            strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(r))
            return complain(c, "collateral-azure-region",
                            "--collateral-azure-region wants an Azure location like eastus, "
                            "not '%.60s'",
                            r);
    }
    if (c->tcb_eval_numbers_source != NULL) { /* issue 14: the list from elsewhere */
        const char *v = c->tcb_eval_numbers_source;
        if (strcmp(v, "intel") && strncmp(v, "https://", 8) && strncmp(v, "http://", 7))
            return complain(c, "tcb-eval-numbers-source",
                            "--tcb-eval-numbers-source '%.200s': expected intel or an http(s):// "
                            "URL of a PCS or PCCS",
                            v);
    }
    if (c->pccs && c->collateral) {
        return complain(c, c->origin[find_opt("pccs", 4) - opts] ? "pccs" : "collateral",
                        "--pccs and --collateral exclude each other");
    }
    if (c->sim && (c->pccs || c->collateral)) {
        return complain(c, "sim",
                        "--sim serves collateral from DIR; do not combine it with "
                        "--pccs or --collateral");
    }
    char why[160];
    if (!listen_ok(c->listen, why, sizeof why))
        return complain(c, "listen", "--listen '%s': %s", c->listen, why);
    if (c->health_listen != NULL && !listen_ok(c->health_listen, why, sizeof why))
        return complain(c, "health-listen", "--health-listen '%s': %s", c->health_listen, why);
    if (c->max_body_total < c->max_body)
        return complain(c, "max-body-total",
                        "--max-body-total %ld: below --max-body %ld (no body "
                        "could ever be buffered)",
                        c->max_body_total, c->max_body);
    if (strcmp(c->signer_quote, "auto") && strcmp(c->signer_quote, "gramine") &&
        strcmp(c->signer_quote, "sim") && strcmp(c->signer_quote, "none")) {
        return complain(c, "signer-quote",
                        "--signer-quote '%s': expected none, sim, gramine or auto", c->signer_quote);
    }
    if (!strcmp(c->signer_quote, "sim") && c->sim == NULL) {
        return complain(c, "signer-quote",
                        "--signer-quote sim needs --sim DIR (the simulated platform that "
                        "quotes the signing key)");
    }
    if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
        return complain(c, "tls-cert", "--tls-cert and --tls-key go together");
    }
    if (strcmp(c->alg, "RS256") && strcmp(c->alg, "ES256") && strcmp(c->alg, "PS256")) {
        return complain(c, "alg", "--alg '%s': expected RS256, ES256 or PS256", c->alg);
    }
    if (strcmp(c->log_format, "text") && strcmp(c->log_format, "json")) {
        return complain(c, "log-format", "--log-format '%s': expected text or json", c->log_format);
    }
    if (strcmp(c->mode, "shared") && strcmp(c->mode, "aad") && strcmp(c->mode, "isolated")) {
        return complain(c, "mode", "--mode '%s': expected shared, aad or isolated", c->mode);
    }
    if (!strcmp(c->mode, "aad") && c->admin_token_file == NULL) {
        return complain(c, "mode",
                        "--mode aad needs --admin-token-file FILE (the bearer token "
                        "administrators send)");
    }
    if (strcmp(c->mode, "isolated") && c->n_policy_signers > 0) {
        return complain(c, "policy-signer",
                        "--policy-signer is only meaningful with --mode isolated");
    }
    if (tcb_policy_settings(c) != 0) return -1;
    if (c->issuer != NULL) {
        size_t n = strlen(c->issuer);
        while (n > 0 && c->issuer[n - 1] == '/') c->issuer[--n] = '\0'; /* MAA: no trailing slash */
        if (n == 0 || n >= MAATD_ISSUER_MAX - 16 ||
            (strncmp(c->issuer, "https://", 8) && strncmp(c->issuer, "http://", 7))) {
            return complain(c, "issuer", "--issuer: expected an http:// or https:// URL");
        }
    }
    return 0;
}
