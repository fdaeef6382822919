/*
 * bench_p256_import.c - issue 16, session 8: ways to make an OpenSSL 3.0 EVP_PKEY from a
 * raw P-256 point x||y (the attestation key, and the PCK leaf, PCK CA and TCB Signing keys
 * of a cold verification), each timed alone (import + free) and as used (import, a verify
 * context, one ECDSA verification of the quote's signature, free: a legacy key pays its
 * export to the provider there). One thread, the real dcap-qvl/sgx_quote's attestation key;
 * the routes alternate in short slices so that load from elsewhere hits all alike; medians
 * of --runs runs. Every route is checked to refuse a point off the curve.
 *
 *   bench_p256_import [--vectors DIR] [--runs N] [--iterations K]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "maat/crypto.h"
#include "maat/quote.h"
#include "bench_util.h"

/* the deprecated EC_KEY route is measured too (it is public API in 3.0) */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_p256_import: %s: %s\n", what, why);
    exit(1);
}

static EVP_PKEY *g_params;     /* parameters-only P-256 key (today's template) */
static EVP_PKEY_CTX *g_fd_ctx; /* EVP_PKEY_fromdata_init'ed once */
static EC_KEY *g_eckey_tmpl;   /* legacy EC_KEY holding the group */
static uint8_t g_spki[91];     /* SPKI header + 0x04 + x + y */

static void point65(const uint8_t xy[64], uint8_t p[65])
{
    p[0] = 0x04;
    memcpy(p + 1, xy, 64);
}

static EVP_PKEY *imp_maat(const uint8_t xy[64])
{
    return maat__p256_pubkey_from_raw(xy, "key", NULL);
}

static EVP_PKEY *imp_dup(const uint8_t xy[64])
{
    uint8_t p[65];
    point65(xy, p);
    EVP_PKEY *k = EVP_PKEY_dup(g_params);
    if (k && EVP_PKEY_set1_encoded_public_key(k, p, sizeof p) != 1) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

static EVP_PKEY *fromdata_on(EVP_PKEY_CTX *ctx, const uint8_t xy[64])
{
    uint8_t p[65];
    point65(xy, p);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, p, sizeof p),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *k = NULL;
    if (EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0) k = NULL;
    return k;
}

static EVP_PKEY *imp_fromdata_cached(const uint8_t xy[64])
{
    return fromdata_on(g_fd_ctx, xy);
}

static EVP_PKEY *imp_fromdata_fresh(const uint8_t xy[64])
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = ctx && EVP_PKEY_fromdata_init(ctx) > 0 ? fromdata_on(ctx, xy) : NULL;
    EVP_PKEY_CTX_free(ctx);
    return k;
}

static EVP_PKEY *imp_d2i_pubkey(const uint8_t xy[64])
{
    uint8_t spki[sizeof g_spki];
    memcpy(spki, g_spki, sizeof spki);
    memcpy(spki + sizeof spki - 64, xy, 64);
    const unsigned char *q = spki;
    return d2i_PUBKEY(NULL, &q, (long)sizeof spki);
}

static EVP_PKEY *imp_eckey(const uint8_t xy[64])
{
    uint8_t p[65];
    point65(xy, p);
    EC_KEY *ec = EC_KEY_new();
    EVP_PKEY *k = NULL;
    if (ec && EC_KEY_set_group(ec, EC_KEY_get0_group(g_eckey_tmpl)) == 1 &&
        EC_KEY_oct2key(ec, p, sizeof p, NULL) == 1 && (k = EVP_PKEY_new()) != NULL &&
        EVP_PKEY_assign_EC_KEY(k, ec) == 1)
        return k;
    EVP_PKEY_free(k);
    EC_KEY_free(ec);
    return NULL;
}

struct route {
    const char *name;
    EVP_PKEY *(*imp)(const uint8_t xy[64]);
    double alone[BENCH_MAX_RUNS], used[BENCH_MAX_RUNS];
};

static struct route routes[] = {
    {"maat__p256_pubkey_from_raw (this tree)", imp_maat, {0}, {0}},
    {"EVP_PKEY_dup(params) + set1_encoded_public_key", imp_dup, {0}, {0}},
    {"EVP_PKEY_fromdata, ctx fromdata_init'ed once", imp_fromdata_cached, {0}, {0}},
    {"EVP_PKEY_fromdata, new ctx each time", imp_fromdata_fresh, {0}, {0}},
    {"d2i_PUBKEY of a 91-byte SPKI", imp_d2i_pubkey, {0}, {0}},
    {"EC_KEY_set_group + oct2key + assign (deprecated)", imp_eckey, {0}, {0}},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const uint8_t *g_xy, *g_msg, *g_rs;
static size_t g_msg_len;
static unsigned long g_sink;

static double time_alone(const struct route *r, long k)
{
    double t0 = bench_now();
    for (long i = 0; i < k; i++) {
        EVP_PKEY *key = r->imp(g_xy);
        if (key == NULL) die(r->name, "import failed");
        EVP_PKEY_free(key);
        g_sink++;
    }
    return (bench_now() - t0) / (double)k;
}

static double time_used(const struct route *r, long k)
{
    double t0 = bench_now();
    for (long i = 0; i < k; i++) {
        EVP_PKEY *key = r->imp(g_xy);
        /* a verify context for the key, one verification, the context freed */
        if (key == NULL || maat__ecdsa_verify_rs(key, g_msg, g_msg_len, g_rs) != 1)
            die(r->name, "verification failed");
        EVP_PKEY_free(key);
        g_sink++;
    }
    return (bench_now() - t0) / (double)k;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) die(path, "cannot open (set MAAT_VECTORS or --vectors)");
    uint8_t *b = malloc(1 << 16);
    if (b == NULL) die(path, "out of memory");
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("MAAT_VECTORS") ? getenv("MAAT_VECTORS") : "../shared/vectors";
    int runs = 5;
    long iters = 2000;
    static const struct option opts[] = {{"vectors", required_argument, NULL, 'v'},
                                         {"runs", required_argument, NULL, 'r'},
                                         {"iterations", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == 'v')
            dir = optarg;
        else if (c == 'r')
            runs = atoi(optarg);
        else if (c == 'n')
            iters = atol(optarg);
        else
            return 2;
    }
    if (runs < 1 || runs > BENCH_MAX_RUNS || iters < 10) return 2;
    char path[4096];
    size_t qlen;
    snprintf(path, sizeof path, "%s/dcap-qvl/sgx_quote", dir);
    uint8_t *quote = slurp(path, &qlen);
    struct maat_quote q;
    struct maat_error err = {0};
    if (maat_quote_parse(quote, qlen, &q, &err) != 0) die("quote", err.msg);
    g_xy = q.attest_pub_key;
    g_msg = q.signed_data.ptr;
    g_msg_len = q.signed_data.len;
    g_rs = q.signature;

    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM gp[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (pc == NULL || EVP_PKEY_fromdata_init(pc) <= 0 ||
        EVP_PKEY_fromdata(pc, &g_params, EVP_PKEY_KEY_PARAMETERS, gp) <= 0)
        die("setup", "P-256 parameters");
    EVP_PKEY_CTX_free(pc);
    g_fd_ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (g_fd_ctx == NULL || EVP_PKEY_fromdata_init(g_fd_ctx) <= 0) die("setup", "fromdata ctx");
    g_eckey_tmpl = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    EVP_PKEY *ak = imp_dup(g_xy);
    unsigned char *der = NULL;
    if (g_eckey_tmpl == NULL || ak == NULL || i2d_PUBKEY(ak, &der) != (int)sizeof g_spki)
        die("setup", "SPKI");
    memcpy(g_spki, der, sizeof g_spki);
    OPENSSL_free(der);
    EVP_PKEY_free(ak);

    /* every route refuses a point off the curve (y + 1) and the point at infinity's
     * encoding (all zero) */
    uint8_t off[64], zero[64] = {0};
    memcpy(off, g_xy, 64);
    off[63] ^= 0x01;
    for (size_t i = 0; i < NROUTES; i++) {
        EVP_PKEY *k1 = routes[i].imp(off), *k2 = routes[i].imp(zero);
        if (k1 != NULL || k2 != NULL) die(routes[i].name, "accepts a point off the curve");
        ERR_clear_error();
        time_used(&routes[i], 20); /* warm-up */
    }

    const int slices = 10;
    for (int r = 0; r < runs; r++) {
        for (size_t i = 0; i < NROUTES; i++) routes[i].alone[r] = routes[i].used[r] = 0;
        for (int s = 0; s < slices; s++)
            for (size_t i = 0; i < NROUTES; i++) {
                routes[i].alone[r] += time_alone(&routes[i], iters / slices) / slices;
                routes[i].used[r] += time_used(&routes[i], iters / slices / 4 + 1) / slices;
            }
    }
    printf("P-256 key import from x||y, %s, %d runs x %ld iterations (medians, us):\n",
           OpenSSL_version(OPENSSL_VERSION), runs, iters);
    printf("  %-52s %10s %22s\n", "route", "import", "import+ctx+verify");
    for (size_t i = 0; i < NROUTES; i++)
        printf("  %-52s %10.2f %22.2f\n", routes[i].name, bench_median(routes[i].alone, runs) * 1e6,
               bench_median(routes[i].used, runs) * 1e6);
    printf("RESULT");
    static const char *const keys[NROUTES] = {"maat",           "dup",        "fromdata_cached",
                                              "fromdata_fresh", "d2i_pubkey", "eckey"};
    for (size_t i = 0; i < NROUTES; i++)
        printf(" %s_us=%.2f %s_used_us=%.2f", keys[i], bench_median(routes[i].alone, runs) * 1e6,
               keys[i], bench_median(routes[i].used, runs) * 1e6);
    printf("\n");
    if (g_sink == 0) printf("(sink)\n");
    EVP_PKEY_CTX_free(g_fd_ctx);
    EVP_PKEY_free(g_params);
    EC_KEY_free(g_eckey_tmpl);
    free(quote);
    return 0;
}
