/*
 * bench_cold.c - the in-process cold verification alone, for bench_process.sh: per
 * iteration a new trust set, the collateral bundle parsed and verified, an empty PCK cache,
 * the dcap-qvl quote parsed and verified (bench_verify's cold row), the verdict checked.
 * Prints wall and CPU time (CLOCK_PROCESS_CPUTIME_ID) per verification: on a shared host
 * the CPU time is what compares with the CPU time of whole processes.
 *
 *   bench_cold [--vectors DIR] [--iterations N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maat/collateral.h"
#include "maat/quote.h"
#include "maat/verify.h"
#include "bench_util.h"

#define AT 1752919277

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    uint8_t *b = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n)) != NULL &&
            fread(b, 1, (size_t)n, f) != (size_t)n) {
            free(b);
            b = NULL;
        }
        *len = n > 0 ? (size_t)n : 0;
    }
    fclose(f);
    return b;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_cold: %s: %s\n", what, msg);
    exit(1);
}

static void cold_once(const uint8_t *quote, size_t qlen, const uint8_t *coll, size_t clen)
{
    struct maat_error err = {0};
    struct maat_trust *trust = maat_trust_new_intel(&err);
    if (trust == NULL) die("trust", err.msg);
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input in;
    struct maat_verified_collateral *vc = NULL;
    if (maat_collateral_bundle_parse(coll, clen, &bundle, &err) != 0) die("bundle", err.msg);
    maat_collateral_input_from_bundle(&bundle, &in);
    if (maat_collateral_verify(&in, trust, AT, &vc, &err) != 0) die("collateral", err.msg);
    maat_collateral_bundle_cleanup(&bundle);
    struct maat_pck_cache *cache = maat_pck_cache_new(16, &err);
    if (cache == NULL) die("cache", err.msg);
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_verify_opts o = {.at = AT, .pck_cache = cache};
    if (maat_quote_parse(quote, qlen, &q, &err) != 0) die("quote", err.msg);
    if (maat_quote_verify(&q, vc, trust, &o, &v, &err) != 0) die("verify", err.msg);
    if (!v.ok || v.status != MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
        die("verify", v.ok ? "unexpected status" : v.reason);
    maat_pck_cache_free(cache);
    maat_verified_collateral_free(vc);
    maat_trust_free(trust);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("MAAT_VECTORS") ? getenv("MAAT_VECTORS") : "../shared/vectors";
    long n = 200;
    static const struct option opts[] = {{"vectors", required_argument, NULL, 'v'},
                                         {"iterations", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == 'v')
            dir = optarg;
        else if (c == 'n')
            n = atol(optarg);
        else
            return 2;
    }
    if (n < 1) return 2;
    char path[4096];
    size_t qlen = 0, clen = 0;
    snprintf(path, sizeof path, "%s/dcap-qvl/sgx_quote", dir);
    uint8_t *quote = slurp(path, &qlen);
    snprintf(path, sizeof path, "%s/dcap-qvl/sgx_quote_collateral.json", dir);
    uint8_t *coll = slurp(path, &clen);
    if (quote == NULL || coll == NULL)
        die("vectors", "cannot read dcap-qvl/sgx_quote[_collateral.json]");
    cold_once(quote, qlen, coll, clen); /* one-time OpenSSL set-up */
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < n; i++) cold_once(quote, qlen, coll, clen);
    double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0, dn = (double)n;
    printf("cold verification: %ld iterations, %.1f us wall, %.1f us cpu each\n", n, w / dn * 1e6,
           c / dn * 1e6);
    printf("RESULT cold_wall_us=%.1f cold_cpu_us=%.1f\n", w / dn * 1e6, c / dn * 1e6);
    free(quote);
    free(coll);
    return 0;
}
