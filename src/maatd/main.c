/*
 * main.c - maatd start-up, signals and shutdown.
 *
 * Start-up order: settings -> store -> trust set (Intel's root; --sim and --trust-root
 * add non-production anchors) -> signer-quote provider (--signer-quote) -> collateral
 * source and verified-collateral cache (same store) -> PCK chain cache -> HTTP server
 * (bound, not yet ready) -> signing keys (certificate CN = --issuer or the bound URL, with
 * the provider's quote) -> ready; the bound URL is printed on stdout. SIGTERM/SIGINT: stop
 * accepting, let in-flight requests finish (up to --shutdown-grace), close the store, exit
 * 0. SIGHUP: reload - logs go to stderr (nothing to reopen; journald or the supervisor owns
 * the file), the TLS certificate and key are re-read and checked (libmicrohttpd 0.9.75 cannot
 * swap them in a running daemon: a restart serves them; logged), systemd is told RELOADING
 * then READY. A reload never rotates the signing key: that is `maat key rotate --store URI`
 * (or --rotate-key at start-up); every replica picks a rotation up from the store within a
 * second (store_sync.c), as it does policy and signer changes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collateral_source.h"
#include "maat/attester.h"
#include "maat/time_parse.h"
#include "maatd.h"
#include "sdnotify.h"
#include "store.h"
#include "store_sync.h"

static int read_file(const char *path, size_t max, uint8_t **out, size_t *len, struct maat_error *err)
{
    FILE *f = fopen(path, "rb");
    MAAT_ENSURE(f != NULL, err, MAAT_ERR_IO, "%s: %s", path, strerror(errno));
    struct maat_buf b;
    maat_buf_init(&b);
    uint8_t chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max) {
            rc = maat_error_set(err, MAAT_ERR_TOO_LARGE, "%s: larger than %zu bytes", path, max);
            break;
        }
        if (maat_buf_put(&b, chunk, n) != 0) {
            rc = maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
            break;
        }
    }
    if (rc == 0 && ferror(f)) rc = maat_error_set(err, MAAT_ERR_IO, "%s: read error", path);
    fclose(f);
    if (rc != 0) {
        maat_buf_cleanup(&b);
        return -1;
    }
    *len = b.len;
    *out = (uint8_t *)maat_buf_take_str(&b);
    MAAT_ENSURE(*out != NULL, err, MAAT_ERR_NOMEM, "out of memory");
    return 0;
}

static int add_root(struct maat_trust *t, const char *path, const char *label, bool force_sim,
                    struct maat_error *err)
{
    uint8_t *pem;
    size_t n;
    MAAT_TRY(read_file(path, 1 << 20, &pem, &n, err));
    bool intel = maat_trust_is_intel_root(pem, n);
    int rc = maat_trust_add_root(t, pem, n, label, force_sim || !intel, err);
    free(pem);
    if (rc != 0)
        maat_error_prefix(err, "trust root %s", path);
    else
        maatd_log("info", "trust anchor added: %s%s", label,
                  force_sim || !intel ? " (non-production)" : "");
    return rc;
}

static int setup_trust(struct maatd *d, struct maat_error *err)
{
    d->trust = maat_trust_new_intel(err);
    if (d->trust == NULL) return -1;
    for (size_t i = 0; i < d->cfg.n_trust_roots; i++)
        MAAT_TRY(add_root(d->trust, d->cfg.trust_roots[i], d->cfg.trust_roots[i], false, err));
    if (d->cfg.sim != NULL) {
        char path[4096], label[64];
        snprintf(path, sizeof path, "%s/root-ca.pem", d->cfg.sim);
        snprintf(label, sizeof label, "maat simulated root");
        MAAT_TRY(add_root(d->trust, path, label, true, err));
    }
    return 0;
}

/*
 * --signer-quote: the quote provider that binds the signing keys (keys.c, issue_cert).
 * auto = gramine when its DCAP interface is there (maatd runs in a Gramine enclave), else
 * the --sim platform, else none; an explicit gramine or sim that cannot be opened fails
 * start-up. Opened once, so rotation quotes each new key with the same provider.
 */
static int setup_signer_quote(struct maatd *d, struct maat_error *err)
{
    const char *choice = d->cfg.signer_quote;
    bool is_auto = !strcmp(choice, "auto");
    bool gramine = !strcmp(choice, "gramine") || (is_auto && maat_attester_gramine_available(NULL));
    char why[600] = "";
    if (is_auto && !gramine)
        snprintf(why, sizeof why, ": no Gramine DCAP attestation interface at %s%s",
                 maat_attester_gramine_dir(NULL), d->cfg.sim ? "" : ", no --sim");
    if (!strcmp(choice, "none") || (is_auto && !gramine && d->cfg.sim == NULL)) {
        maatd_log("info",
                  "signer quote: none (--signer-quote %s%s): signing certificates carry no "
                  "enclave quote",
                  choice, why);
        return 0;
    }
    /* sim: config.c made sure --sim is given */
    struct maat_attester_config ac = {.kind = gramine ? MAAT_ATTESTER_GRAMINE : MAAT_ATTESTER_SIM,
                                      .sim_dir = d->cfg.sim,
                                      .sim_no_create = true};
    if (maat_attester_open(&ac, &d->signer, err) != 0) {
        maat_error_prefix(err, "--signer-quote %s", choice);
        return -1;
    }
    maatd_log("info", "signer quote: %s provider (%s) (--signer-quote %s%s)",
              maat_attester_kind_name(maat_attester_kind(d->signer)),
              maat_attester_location(d->signer), choice, why);
    return 0;
}

/* One log line per failed collateral fetch (however many requests waited for it): the
 * item (with tcb_eval_num=N for a set pinned to number N: a policy's baseline or the grace
 * period's previous number) and the cause, URLs without credentials or query. */
static void log_fetch_failed(void *arg, const uint8_t fmspc[6], enum maat_pck_ca ca,
                             uint32_t eval_num, const char *kind, const struct maat_error *err)
{
    (void)arg;
    char fm[13], why[MAAT_ERROR_MSG_MAX], num[32] = "";
    maat_hex_encode(fmspc, 6, fm);
    maat_collateral_scrub_urls(err->msg, true, why, sizeof why);
    if (eval_num != 0) snprintf(num, sizeof num, " tcb_eval_num=%u", eval_num);
    maatd_log("warn", "collateral fetch failed: fmspc=%s ca=%s%s source=%s error=%s: %s", fm,
              maat_pck_ca_name(ca), num, kind, maat_err_name(err->code), why);
}

/* PCCS client options with the connection settings (--pccs-insecure, --pccs-*-timeout-ms,
 * --pccs-attempts) that every PCCS-style source of maatd shares. */
static void pccs_opts_from_cfg(const struct maatd *d, struct maat_pccs_opts *o)
{
    maat_pccs_opts_defaults(o);
    o->insecure_tls = d->cfg.pccs_insecure;
    o->connect_timeout_ms = d->cfg.pccs_connect_timeout_ms;
    o->read_timeout_ms = d->cfg.pccs_read_timeout_ms;
    o->timeout_ms = d->cfg.pccs_timeout_ms;
    o->max_attempts = (unsigned)d->cfg.pccs_attempts;
}

static int setup_collateral(struct maatd *d, struct maat_error *err)
{
    if (d->cfg.test_verification_time != NULL) {
        int64_t at;
        MAAT_TRY(maat_time_parse("--test-verification-time", d->cfg.test_verification_time, &at, err));
        MAAT_ENSURE(at > 0, err, MAAT_ERR_USAGE, "--test-verification-time: must be after 1970");
        d->verify_at = (time_t)at;
        maatd_log("warn",
                  "--test-verification-time: quotes and collateral are verified at %lld, "
                  "not now; expired collateral is accepted (tests only, never in "
                  "production)",
                  (long long)at);
    }
    const char *dir = d->cfg.sim;
    const char *cs = d->cfg.collateral_source; /* intel | azure | URL, or --pccs URL */
    if (d->cfg.pccs != NULL || cs != NULL) {
        struct maat_pccs_opts o;
        pccs_opts_from_cfg(d, &o);
        o.base_url = d->cfg.pccs;
        if (cs != NULL && !strcmp(cs, "intel")) {
            o.base_url = "https://api.trustedservices.intel.com";
        } else if (cs != NULL && !strcmp(cs, "azure")) {
            o.base_url = d->cfg.collateral_azure_url != NULL ? d->cfg.collateral_azure_url
                                                             : "https://global.acccache.azure.net";
            o.scheme = MAAT_PCCS_SCHEME_THIM;
            o.thim_region = d->cfg.collateral_azure_region; /* customParameter region= */
        } else if (cs != NULL) {
            o.base_url = cs;
        }
        o.api_key = d->cfg.pccs_api_key;
        MAAT_TRY(maat_collateral_pccs_source_new(&o, &d->source, err));
    } else if (d->cfg.collateral != NULL) {
        struct stat st;
        MAAT_ENSURE(stat(d->cfg.collateral, &st) == 0, err, MAAT_ERR_IO, "--collateral %s: %s",
                    d->cfg.collateral, strerror(errno));
        if (S_ISDIR(st.st_mode))
            dir = d->cfg.collateral;
        else /* one bundle holds one PCK CA's CRL: offered for both CAs, it serves the one it
              * holds and names the mismatch for the other */
            MAAT_TRY(maat_collateral_bundle_source_new(d->cfg.collateral, d->cfg.collateral,
                                                       &d->source, err));
    }
    if (d->source == NULL && dir != NULL)
        MAAT_TRY(maat_collateral_dir_source_new(dir, &d->source, err));
    if (d->cfg.tcb_eval_numbers_source != NULL) { /* issue 14: the list from elsewhere */
        struct maat_pccs_opts o;
        pccs_opts_from_cfg(d, &o);
        o.base_url = strcmp(d->cfg.tcb_eval_numbers_source, "intel")
                         ? d->cfg.tcb_eval_numbers_source
                         : "https://api.trustedservices.intel.com";
        MAAT_TRY(maat_collateral_pccs_source_new(&o, &d->eval_nums_source, err));
    }
    if (d->source == NULL) {
        maatd_log("warn", "no collateral source (--sim, --collateral or --pccs): every quote will "
                          "fail verification for lack of collateral");
    } else {
        struct maat_collateral_cache_opts co;
        maat_collateral_cache_opts_defaults(&co);
        co.source = d->source;
        co.store = d->store;
        co.trust = d->trust;
        co.wait_ms = d->cfg.collateral_wait_ms;
        co.retry_interval = (time_t)d->cfg.collateral_retry_s;
        co.fetch_failed_num = log_fetch_failed;
        co.max_pinned = (size_t)d->cfg.collateral_max_pinned;
        /* the list whenever a source offers it: /tcbbaselines and x-maat-tcb-eval-num-newest
         * name the newest known number; only the grace period fails without it */
        co.eval_nums = true;
        co.eval_nums_source = d->eval_nums_source;
        co.eval_nums_background = d->cfg.tcb_grace_days < 0; /* only grace waits for it */
        MAAT_TRY(maat_collateral_cache_new(&co, &d->cache, err));
        co.tee = MAAT_COLLATERAL_TDX; /* TD quotes: TDX TCB info and TD_QE, same source */
        MAAT_TRY(maat_collateral_cache_new(&co, &d->cache_tdx, err));
        maatd_log("info", "collateral source: %s", maat_collateral_source_describe(d->source));
        struct maat_collateral_source *ls = d->eval_nums_source ? d->eval_nums_source : d->source;
        if (d->cfg.tcb_grace_days >= 0 && !maat_collateral_source_has_eval_nums(ls))
            maatd_log("warn",
                      "--tcb-grace-days %ld: the %s source publishes no TCB evaluation data "
                      "numbers list, so the newest number's recovery date is unknown and every "
                      "quote will be refused%s",
                      d->cfg.tcb_grace_days, maat_collateral_source_kind(ls),
                      !strcmp(maat_collateral_source_kind(ls), "thim")
                          ? " (Azure THIM does not serve it: give --tcb-eval-numbers-source "
                            "intel or a PCCS URL)"
                          : "");
        if (d->eval_nums_source != NULL)
            maatd_log("info", "TCB evaluation data numbers source: %s",
                      maat_collateral_source_describe(d->eval_nums_source));
    }
    long pck = d->cfg.pck_cache_size > 0 ? d->cfg.pck_cache_size : MAATD_PCK_CACHE_SIZE_DEFAULT;
    d->pck_cache = maat_pck_cache_new((size_t)pck, err);
    return d->pck_cache ? 0 : -1;
}

static int setup_tls(struct maatd *d, struct maat_error *err)
{
    if (d->cfg.tls_cert == NULL) return 0;
    size_t n;
    MAAT_TRY(read_file(d->cfg.tls_cert, 1 << 20, &d->tls_cert_pem, &n, err));
    MAAT_TRY(read_file(d->cfg.tls_key, 1 << 20, &d->tls_key_pem, &n, err));
    d->tls = true;
    return 0;
}

/* --mode and --admin-token-file (the token: file contents without surrounding whitespace). */
static int setup_management(struct maatd *d, struct maat_error *err)
{
    d->mode = !strcmp(d->cfg.mode, "aad")        ? MAATD_MODE_AAD
              : !strcmp(d->cfg.mode, "isolated") ? MAATD_MODE_ISOLATED
                                                 : MAATD_MODE_SHARED;
    if (d->cfg.admin_token_file != NULL) {
        uint8_t *t;
        size_t n;
        MAAT_TRY(read_file(d->cfg.admin_token_file, 64 << 10, &t, &n, err));
        size_t a = 0;
        while (a < n && (t[a] == ' ' || t[a] == '\t' || t[a] == '\r' || t[a] == '\n')) a++;
        while (n > a && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r' || t[n - 1] == '\n'))
            n--;
        if (n == a) {
            OPENSSL_cleanse(t, n);
            free(t);
            return maat_error_set(err, MAAT_ERR_VALUE, "--admin-token-file %s: empty",
                                  d->cfg.admin_token_file);
        }
        memmove(t, t + a, n - a);
        d->admin_token = t;
        d->admin_token_len = n - a;
    }
    MAAT_TRY(maatd_policies_open(d, err));
    maatd_log("info", "mode %s%s", d->cfg.mode,
              d->admin_token ? ", management writes need the admin bearer token" : "");
    return 0;
}

static void cleanup(struct maatd *d)
{
    maatd_policies_free(d);
    if (d->admin_token) {
        OPENSSL_cleanse(d->admin_token, d->admin_token_len);
        free(d->admin_token);
    }
    maatd_keys_free(d->keys);
    maat_collateral_cache_free(d->cache);
    maat_collateral_cache_free(d->cache_tdx);
    maat_collateral_source_free(d->source);
    maat_collateral_source_free(d->eval_nums_source);
    maat_pck_cache_free(d->pck_cache);
    maat_trust_free(d->trust);
    maat_attester_free(d->signer);
    maat_store_close(d->store);
    if (d->tls_key_pem) {
        OPENSSL_cleanse(d->tls_key_pem, strlen((char *)d->tls_key_pem));
        free(d->tls_key_pem);
    }
    free(d->tls_cert_pem);
    maatd_metrics_cleanup(&d->metrics);
    maatd_config_free(&d->cfg);
}

/* SIGHUP (systemctl reload): see the top of this file. Never touches the signing keys. */
static void reload(struct maatd *d)
{
    maatd_notify_reloading();
    maatd_log("info", "SIGHUP: reload (logs on stderr: nothing to reopen; signing keys unchanged: "
                      "rotate with `maat key rotate --store URI`)");
    if (d->cfg.tls_cert != NULL) {
        struct maat_error err = {0};
        uint8_t *cert = NULL, *key = NULL;
        size_t n;
        if (read_file(d->cfg.tls_cert, 1 << 20, &cert, &n, &err) != 0 ||
            read_file(d->cfg.tls_key, 1 << 20, &key, &n, &err) != 0)
            maatd_log("error",
                      "reload: TLS certificate or key unreadable, still serving the old "
                      "ones: %s",
                      err.msg);
        else if (strcmp((char *)cert, (char *)d->tls_cert_pem) != 0 ||
                 strcmp((char *)key, (char *)d->tls_key_pem) != 0)
            maatd_log("warn", "reload: --tls-cert/--tls-key changed on disk, but libmicrohttpd "
                              "cannot swap them in a running server: restart maatd to serve them");
        else
            maatd_log("info", "reload: TLS certificate and key unchanged");
        if (key != NULL) {
            OPENSSL_cleanse(key, strlen((char *)key));
            free(key);
        }
        free(cert);
    }
    maatd_notify_ready();
}

int main(int argc, char **argv)
{
    static struct maatd d; /* zeroed; shared with the server threads */
    struct maat_error err = {0};
    maatd_config_defaults(&d.cfg);
    int prc = maatd_config_parse(&d.cfg, argc, argv);
    if (prc != 0) {
        maatd_config_free(&d.cfg);
        return prc > 0 ? 0 : 2;
    }
    if (maatd_keys_check_retention(d.cfg.key_retention, MAATD_TOKEN_LIFETIME, &err) != 0) {
        fprintf(stderr, "maatd: %s\n", err.msg);
        maatd_config_free(&d.cfg);
        return 2;
    }
    maatd_log_init(d.cfg.log_format);
    maatd_metrics_init(&d.metrics);
    umask(077);

    /* Signals: blocked in every thread (MHD's inherit the mask), taken by sigtimedwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1); /* store_sync.c's change feed: "the store changed" */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (maatd_log_start(d.cfg.log_flush_ms) != 0)
        maatd_log("warn", "request log batching could not start: one write per line");

    if (maat_store_open(d.cfg.store, &d.store, &err) != 0 || setup_trust(&d, &err) != 0 ||
        setup_signer_quote(&d, &err) != 0 || setup_collateral(&d, &err) != 0 ||
        setup_tls(&d, &err) != 0 ||
        maat_policy_hash(maat_policy_default_sgx(), strlen(maat_policy_default_sgx()),
                         d.policy_hash, &err) != 0 ||
        setup_management(&d, &err) != 0 || maatd_server_start(&d, &err) != 0) {
        maatd_log("error", "start-up failed: %s", err.msg);
        maatd_server_stop(&d);
        cleanup(&d);
        maatd_log_stop();
        return d.listen_usage_error ? 2 : 1; /* a bad --listen is a usage error */
    }
    snprintf(d.cert_issuer, sizeof d.cert_issuer, "%s", d.cfg.issuer ? d.cfg.issuer : d.listen_url);
    if (maatd_keys_open(&d, d.cfg.rotate_key, &d.keys, &err) != 0) {
        maatd_log("error", "signing keys: %s", err.msg);
        maatd_server_stop(&d);
        cleanup(&d);
        maatd_log_stop();
        return 1;
    }
    atomic_store(&d.ready, true);
    printf("%s\n", d.listen_url);
    fflush(stdout);
    maatd_notify_ready(); /* systemd Type=notify: READY=1 once the URL is printed */
    maatd_log("info", "ready: maatd %s, issuer %s", MAATD_VERSION,
              d.cfg.issuer ? d.cfg.issuer : "(from the Host header)");
    char store_shown[1024]; /* the store URI, password masked (docs/deploy.md) */
    maatd_log("info", "store: %s %s", maat_store_backend(d.store),
              maat_store_redacted_uri(d.cfg.store, store_shown, sizeof store_shown));

    if (maatd_store_watch_start(&d, pthread_self()) != 0)
        maatd_log("warn", "store change feed: thread could not start (polling every second)");
    time_t last_prune = time(NULL), last_sync = time(NULL);
    for (;;) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            maatd_log("info", "%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            maatd_notify_stopping();
            break;
        }
        if (sig == SIGHUP) reload(&d);
        time_t now = time(NULL);
        if (now - last_prune >= 60) {
            last_prune = now;
            if (maatd_keys_prune(&d, now, &err) != 0) maatd_log("warn", "key pruning: %s", err.msg);
            maat_error_clear(&err);
        }
        /* keys, policies, signers changed by any replica: at once when the change feed
         * says so, else every second (every maatd_store_poll_seconds(), 30 s by default,
         * while the feed is connected: a safety net for lost notifications) */
        if (sig == SIGUSR1 ||
            now - last_sync >= (maatd_store_watch_live() ? maatd_store_poll_seconds() : 1)) {
            last_sync = now;
            maatd_store_sync(&d);
        }
    }
    maatd_store_watch_stop();
    maatd_server_stop(&d);
    cleanup(&d);
    maatd_log_stop();
    maatd_log("info", "stopped");
    return 0;
}
