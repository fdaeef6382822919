/*
 * bench_attest.c - maatd's per-request work for POST /attest/SgxEnclave and /attest/TdxVm,
 * in process and without HTTP, next to the cryptography floor measured in the same run.
 *
 * The SgxEnclave request is what bench/bench_maatd.sh sends: a simulated-platform v3 quote
 * (PCK chain in the quote) with Binary runtime data bound into report_data, under MAA's
 * default SGX policy. The TdxVm request is a simulated v4 TD quote (TD report 1.0) with
 * runtime data bound the same way, under maat's default TdxVm policy. One pass is what
 * src/maatd/attest_route.c does with a warm collateral cache and PCK chain cache:
 *
 *   pipeline  maat__attest_run: the JSON body, the quote and the bindings, the PCK chain
 *             (a cache hit), verification (SGX, or TDX with maat's appraisal defaults)
 *             against collateral verified once (the callback hands it out, as maatd's
 *             cache does when warm), the incoming claims, the policy (parsed once), the
 *             payload text with jti
 *   sign      maat__jws_sign_encoded into the {"token":...} answer (the header encoded once,
 *             as maatd keeps it per thread, issuer and key): base64url, signature
 *
 * The floor is the issue's "warm verification + token signature" made of bare OpenSSL
 * calls on pre-parsed keys: two P-256 ECDSA-SHA256 verifications over the quote's own
 * bytes (QE report under the PCK key, header+body under the attestation key, keys and DER
 * signatures prepared once) plus one signature of a token-sized message (SHA-256 + sign on
 * a context initialised once). The pass and the floors are interleaved in slices so that
 * load from elsewhere hits them alike; medians of --runs runs.
 *
 * A second floor, the issue's own definition ("warm verification + token signature"):
 * maat_quote_parse + maat_quote_verify (maat_tdx_quote_verify for TdxVm) of the same quote
 * with everything cached (as bench_verify's warm row) plus the same bare signature.
 * --floor-only measures just the two floors of one route (bench_maatd.sh runs it between
 * load rounds, on maatd's core).
 *
 * usage: bench_attest [--alg RS256|ES256|PS256] [--route all|SgxEnclave|TdxVm] [--seconds S]
 *                     [--runs N] [--floor-only]
 * (--route default: all, one RESULT line per route, route= in each; with --floor-only
 * the default is SgxEnclave, one RESULT line)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "maat/attest.h"
#include "maat/bytes.h"
#include "maat/collateral.h"
#include "maat/crypto.h"
#include "maat/jose.h"
#include "maat/policy.h"
#include "maat/policy_default.h"
#include "maat/quote.h"
#include "maat/tdx.h"
#include "maat/verify.h"
#include "sim.h"
#include "bench_util.h"

#define NOW ((time_t)1700000000) /* the simulated platform's creation time */
#define AT (NOW + 3600)
#define MAX_RUNS BENCH_MAX_RUNS
#define SLICES 20
#define ISSUER "http://127.0.0.1:8080"

enum stage { S_PIPELINE, S_SIGN, S__N };
static const char *const stage_names[S__N] = {"pipeline", "sign"};

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_attest: %s: %s\n", what, why);
    exit(1);
}

struct bench {
    enum maat_attest_route route;
    char *body;
    size_t body_len;
    struct maat_trust *trust;
    struct maat_verified_collateral *vc;
    struct maat_pck_cache *cache;
    struct maat_policy *policy;
    char policy_hash[MAAT_POLICY_HASH_LEN + 1];
    struct maat_signing_key *key;
    struct maat_buf hdr; /* the encoded token header (made by the first request) */
    /* floor */
    EVP_PKEY_CTX *pck_ctx, *ak_ctx, *sign_ctx;
    const uint8_t *qe_report, *signed_data;
    size_t signed_len;
    uint8_t qe_sig_der[80], quote_sig_der[80];
    size_t qe_sig_der_len, quote_sig_der_len;
    uint8_t *quote;
    size_t quote_len;
    EVP_MD *sha256;         /* fetched once, as maat's own code does */
    size_t token_input_len; /* header.payload length of a real token */
    uint8_t *token_input;
    double stage_s[S__N];
    unsigned long sink;
};

/* ---- one request, as attest_route.c does it ---- */

static void lap(struct bench *b, enum stage s, double *t)
{
    double t1 = bench_now();
    b->stage_s[s] += t1 - *t;
    *t = t1;
}

/* The collateral callback: the route's collateral, verified once (a warm cache). */
static int collateral(void *arg, enum maat_attest_tee tee, const uint8_t fmspc[6],
                      enum maat_pck_ca ca, const struct maat_verified_collateral **vc,
                      struct maat_error *err)
{
    (void)tee;
    (void)fmspc;
    (void)ca;
    (void)err;
    *vc = ((struct bench *)arg)->vc;
    return 0;
}

static char *one_request(struct bench *b, bool timed)
{
    struct maat_error err = {0};
    char *token = NULL;
    double t = timed ? bench_now() : 0;
#define LAP(s) \
    if (timed) lap(b, s, &t)

    const struct maat_attest_ctx ctx = {
        .trust = b->trust,
        .pck_cache = b->cache,
        .at = AT,
        .collateral = collateral,
        .collateral_arg = b,
        .policy = b->policy,
        .policy_hash = b->policy_hash,
        .issuer = ISSUER,
    };
    static struct maat_attest_result r; /* large; one thread */
    if (maat__attest_run(&ctx, b->body, b->body_len, b->route, &r) != 0)
        die("attest", r.outcome == MAAT_ATTEST_VERIFY_FAILED ? r.verdict.reason
                      : r.outcome == MAAT_ATTEST_BAD_REQUEST || r.outcome == MAAT_ATTEST_TCB_BASELINE
                          ? r.aerr.err.msg
                      : r.outcome == MAAT_ATTEST_POLICY_FAILED ? r.perr.err.msg
                                                               : r.err.msg);
    LAP(S_PIPELINE);
    if (b->hdr.len == 0) { /* maatd keeps the encoded header per thread, issuer and key */
        json_t *hdr = json_pack("{s:s, s:s, s:s}", "jku", ISSUER "/certs", "kid",
                                maat__signing_key_kid(b->key), "typ", "JWT");
        if (hdr == NULL || maat__jws_header_b64(b->key, hdr, &b->hdr, &err) != 0)
            die("header", err.msg);
        json_decref(hdr);
    }
    struct maat_buf answer; /* {"token":"<JWT>"}, the token signed into it */
    maat_buf_init(&answer);
    if (maat_buf_reserve(&answer, 4096) != 0 || maat_buf_put_str(&answer, "{\"token\":\"") != 0 ||
        maat__jws_sign_encoded(b->key, (const char *)b->hdr.data, b->hdr.len,
                              (const char *)r.payload.data, r.payload.len, &answer, &err) != 0 ||
        maat_buf_put_str(&answer, "\"}") != 0)
        die("sign", err.msg);
    token = maat_buf_take_str(&answer);
    if (token == NULL) die("sign", "out of memory");
    LAP(S_SIGN);
#undef LAP
    maat__attest_result_cleanup(&r);
    return token;
}

/* ---- the floor ---- */

static int verify_der(EVP_PKEY_CTX *ctx, const EVP_MD *sha256, const uint8_t *msg, size_t len,
                      const uint8_t *sig, size_t siglen)
{
    uint8_t h[32];
    EVP_Digest(msg, len, h, NULL, sha256, NULL);
    return EVP_PKEY_verify(ctx, sig, siglen, h, sizeof h);
}

static void floor_op(struct bench *b)
{
    if (verify_der(b->pck_ctx, b->sha256, b->qe_report, 384, b->qe_sig_der, b->qe_sig_der_len) != 1)
        die("floor", "QE report signature does not verify");
    if (verify_der(b->ak_ctx, b->sha256, b->signed_data, b->signed_len, b->quote_sig_der,
                   b->quote_sig_der_len) != 1)
        die("floor", "quote signature does not verify");
    uint8_t h[32], sig[512];
    size_t n = sizeof sig;
    EVP_Digest(b->token_input, b->token_input_len, h, NULL, b->sha256, NULL);
    if (EVP_PKEY_sign(b->sign_ctx, sig, &n, h, sizeof h) != 1) die("floor", "signing failed");
    b->sink += n;
}

/* The issue's floor: a warm verification (maat_quote_parse + maat_quote_verify with the
 * collateral verified once and the PCK chain cached, as bench_verify's "warm") plus the
 * same bare token signature. */
static void warm_floor_op(struct bench *b)
{
    struct maat_quote q;
    struct maat_verdict v;
    struct maat_error err = {0};
    struct maat_verify_opts vo = {.at = AT, .pck_cache = b->cache};
    if (maat_quote_parse(b->quote, b->quote_len, &q, &err) != 0 ||
        (b->route == MAAT_ROUTE_TDX_VM
             ? maat_tdx_quote_verify(&q, b->vc, b->trust, &vo, NULL, &v, NULL, &err)
             : maat_quote_verify(&q, b->vc, b->trust, &vo, &v, &err)) != 0 ||
        !v.ok)
        die("warm floor", v.reason);
    uint8_t h[32], sig[512];
    size_t n = sizeof sig;
    EVP_Digest(b->token_input, b->token_input_len, h, NULL, b->sha256, NULL);
    if (EVP_PKEY_sign(b->sign_ctx, sig, &n, h, sizeof h) != 1) die("floor", "signing failed");
    b->sink += n + (unsigned long)v.status;
}

static size_t rs_to_der(const uint8_t rs[64], uint8_t out[80])
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
    unsigned char *p = out;
    int n = i2d_ECDSA_SIG(s, &p);
    ECDSA_SIG_free(s);
    return (size_t)n;
}

static EVP_PKEY_CTX *verify_ctx(EVP_PKEY *k)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    if (c == NULL || EVP_PKEY_verify_init(c) != 1) die("floor", "verify context");
    return c;
}

/* Keys and DER signatures for the floor, from the request's own quote. */
static void floor_setup(struct bench *b, const uint8_t *quote, size_t qlen)
{
    struct maat_quote q;
    struct maat_error err = {0};
    if (maat_quote_parse(quote, qlen, &q, &err) != 0) die("quote", err.msg);
    b->qe_report = q.qe_report.raw;
    b->signed_data = q.signed_data.ptr;
    b->signed_len = q.signed_data.len;
    b->qe_sig_der_len = rs_to_der(q.qe_report_signature, b->qe_sig_der);
    b->quote_sig_der_len = rs_to_der(q.signature, b->quote_sig_der);
    EVP_PKEY *ak = maat__p256_pubkey_from_raw(q.attest_pub_key, "attestation key", &err);
    BIO *bio = BIO_new_mem_buf(q.cert_data.chain[0].ptr, (int)q.cert_data.chain[0].len);
    X509 *leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (ak == NULL || leaf == NULL) die("floor", "keys");
    b->pck_ctx = verify_ctx(X509_get0_pubkey(leaf));
    b->ak_ctx = verify_ctx(ak);
    X509_free(leaf);
    EVP_PKEY_free(ak);
    b->sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, maat__signing_key_pkey(b->key), NULL);
    if (b->sign_ctx == NULL || EVP_PKEY_sign_init(b->sign_ctx) != 1 ||
        EVP_PKEY_CTX_set_signature_md(b->sign_ctx, EVP_sha256()) <= 0)
        die("floor", "sign context");
    if (maat__signing_key_alg(b->key) == MAAT_JWS_PS256 &&
        (EVP_PKEY_CTX_set_rsa_padding(b->sign_ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(b->sign_ctx, 32) <= 0))
        die("floor", "PSS");
}

/* ---- set-up: a sim platform, its collateral, a request body ---- */

static uint8_t *read_in(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) die(path, "cannot open");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) die(path, "cannot read");
    fclose(f);
    *len = (size_t)n;
    return p;
}

static char *b64url(const uint8_t *p, size_t n)
{
    char *s = maat_base64url_encode(p, n);
    if (s == NULL) die("base64url", "out of memory");
    return s;
}

static void setup(struct bench *b, enum maat_jws_alg alg, char *dir, enum maat_attest_route route)
{
    const bool tdx = route == MAAT_ROUTE_TDX_VM;
    b->route = route;
    struct maat_error err = {0};
    struct maat_sim_init_opts io;
    maat_sim_init_opts_defaults(&io, NOW);
    struct maat_sim *sim = NULL;
    if (maat_sim_init(dir, &io, &err) != 0 || maat_sim_load(dir, &sim, &err) != 0)
        die("sim", err.msg);
    b->trust = maat_trust_new_intel(&err);
    size_t n;
    uint8_t *root = read_in(dir, "root-ca.pem", &n);
    if (b->trust == NULL ||
        maat_trust_add_root(b->trust, root, n, "maat simulated root", true, &err) != 0)
        die("trust", err.msg);
    free(root);
    uint8_t *cb = read_in(dir, tdx ? "collateral-tdx.json" : "collateral.json", &n);
    struct maat_collateral_bundle bundle;
    struct maat_collateral_input cin;
    if (maat_collateral_bundle_parse(cb, n, &bundle, &err) != 0) die("collateral", err.msg);
    maat_collateral_input_from_bundle(&bundle, &cin);
    if (maat_collateral_verify(&cin, b->trust, AT, &b->vc, &err) != 0) die("collateral", err.msg);
    maat_collateral_bundle_cleanup(&bundle);
    free(cb);

    static const char rt[] = "bench runtime data: a public key would go here";
    struct maat_sim_quote_opts qo;
    maat_sim_quote_opts_defaults(sim, &qo);
    if (tdx) maat_sim_quote_opts_set_tdx(&qo);
    if (maat_sim_quote_opts_set_ehd(&qo, (const uint8_t *)rt, sizeof rt - 1, &err) != 0)
        die("ehd", err.msg);
    struct maat_buf qb;
    maat_buf_init(&qb);
    if (maat_sim_quote(sim, &qo, &qb, &err) != 0) die("sim quote", err.msg);
    char *qs = b64url(qb.data, qb.len), *rs = b64url((const uint8_t *)rt, sizeof rt - 1);
    size_t cap = strlen(qs) + strlen(rs) + 128;
    b->body = malloc(cap);
    b->body_len = (size_t)snprintf(
        b->body, cap,
        "{\"quote\":\"%s\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"}}", qs, rs);
    free(qs);
    free(rs);

    b->cache = maat_pck_cache_new(64, &err);
    const char *ptext = tdx ? maat_policy_default_tdx() : maat_policy_default_sgx();
    struct maat_policy_error perr = {0};
    if (maat__policy_parse(ptext, strlen(ptext), NULL, &b->policy, &perr) != 0)
        die("policy", perr.err.msg);
    if (maat_policy_hash(ptext, strlen(ptext), b->policy_hash, &err) != 0) die("policy", err.msg);
    b->key = maat__signing_key_generate(alg, &err);
    if (b->key == NULL) die("key", err.msg);

    b->quote = qb.data; /* kept: the floor points into it */
    b->quote_len = qb.len;
    b->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (b->sha256 == NULL) die("floor", "SHA-256");
    floor_setup(b, qb.data, qb.len);
    maat_sim_free(sim);

    char *answer = one_request(b, false); /* fills the PCK cache; a real token for the floor */
    const char *tok = answer + strlen("{\"token\":\""), *dot = strrchr(tok, '.');
    b->token_input_len = (size_t)(dot - tok);
    b->token_input = (uint8_t *)strndup(tok, b->token_input_len);
    printf("  %s: request body %zu B; token %zu B (signing input %zu B)\n",
           maat__attest_route_name(route), b->body_len, strlen(tok) - 2, b->token_input_len);
    free(answer);
}

static void rm_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_attest: could not remove %s\n", dir);
}

/* One route: set-up, the slices, the report (one RESULT line). */
static void bench_route(enum maat_jws_alg alg, const char *alg_name, enum maat_attest_route route,
                        int runs, double seconds, bool floor_only)
{
    char dir[] = "/tmp/bench-attest.XXXXXX";
    if (mkdtemp(dir) == NULL) die("mkdtemp", "failed");
    static struct bench b;
    memset(&b, 0, sizeof b);
    setup(&b, alg, dir, route);
    const char *rname = maat__attest_route_name(route);

    /* Each slice: the pass for a while (or, with --floor-only, the warm floor), then both
     * floors for exactly as many requests. */
    double pass_us[MAX_RUNS], floor_us[MAX_RUNS], warm_us[MAX_RUNS], ratio[MAX_RUNS],
        wratio[MAX_RUNS];
    double stage_us[S__N][MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        memset(b.stage_s, 0, sizeof b.stage_s);
        double tp = 0, tf = 0, tw = 0;
        long np = 0;
        for (int s = 0; s < SLICES; s++) {
            double t0 = bench_now(), end = t0 + seconds / SLICES;
            long k = 0;
            do {
                if (floor_only)
                    warm_floor_op(&b);
                else
                    free(one_request(&b, true));
                k++;
            } while (bench_now() < end);
            double t1 = bench_now();
            for (long i = 0; i < k; i++) floor_op(&b);
            double t2 = bench_now();
            if (!floor_only)
                for (long i = 0; i < k; i++) warm_floor_op(&b);
            double t3 = bench_now();
            tp += t1 - t0;
            tf += t2 - t1;
            tw += floor_only ? t1 - t0 : t3 - t2;
            np += k;
        }
        pass_us[r] = tp * 1e6 / (double)np;
        floor_us[r] = tf * 1e6 / (double)np;
        warm_us[r] = tw * 1e6 / (double)np;
        ratio[r] = floor_us[r] / pass_us[r];
        wratio[r] = warm_us[r] / pass_us[r];
        for (int s = 0; s < S__N; s++) stage_us[s][r] = b.stage_s[s] * 1e6 / (double)np;
    }
    double mp = bench_median(pass_us, runs), mf = bench_median(floor_us, runs),
           mw = bench_median(warm_us, runs);
    if (floor_only) {
        printf("  floor (warm verification + %s signature) %9.1f us\n", alg_name, mw);
        printf("  floor (2 ECDSA verifications + %s signature, bare) %9.1f us\n", alg_name, mf);
        printf("RESULT alg=%s route=%s floor_warm_us=%.1f floor_bare_us=%.1f sink=%lu\n", alg_name,
               rname, mw, mf, b.sink % 10);
    } else {
        printf("  %-8s %9s   (%s)\n", "stage", "us/req", rname);
        for (int s = 0; s < S__N; s++)
            printf("  %-8s %9.1f\n", stage_names[s], bench_median(stage_us[s], runs));
        printf("  %-8s %9.1f  (stages timed inside)\n", "pass", mp);
        printf(
            "  floor, bare %9.1f  (2 ECDSA P-256 verifications + 1 %s signature, bare OpenSSL)\n",
            mf, alg_name);
        printf("  floor, warm %9.1f  (maat's warm verification + the same signature: the issue's "
               "floor)\n",
               mw);
        printf("  ratio bare floor / pass %.3f;  warm floor / pass %.3f\n",
               bench_median(ratio, runs), bench_median(wratio, runs));
        printf("RESULT alg=%s route=%s pass_us=%.1f floor_bare_us=%.1f floor_warm_us=%.1f "
               "ratio_bare=%.3f "
               "ratio_warm=%.3f",
               alg_name, rname, mp, mf, mw, bench_median(ratio, runs), bench_median(wratio, runs));
        for (int s = 0; s < S__N; s++)
            printf(" %s_us=%.1f", stage_names[s], bench_median(stage_us[s], runs));
        printf(" sink=%lu\n", b.sink % 10);
    }

    free(b.body);
    free(b.token_input);
    maat_buf_cleanup(&b.hdr);
    free(b.quote);
    EVP_MD_free(b.sha256);
    EVP_PKEY_CTX_free(b.pck_ctx);
    EVP_PKEY_CTX_free(b.ak_ctx);
    EVP_PKEY_CTX_free(b.sign_ctx);
    maat__signing_key_free(b.key);
    maat__policy_free(b.policy);
    maat_pck_cache_free(b.cache);
    maat_verified_collateral_free(b.vc);
    maat_trust_free(b.trust);
    rm_tree(dir);
}

int main(int argc, char **argv)
{
    const char *alg_name = "ES256", *route_name = NULL;
    double seconds = 2.0;
    int runs = 5;
    bool floor_only = false;
    static const struct option opts[] = {
        {"alg", required_argument, NULL, 'a'},   {"floor-only", no_argument, NULL, 'f'},
        {"route", required_argument, NULL, 'R'}, {"seconds", required_argument, NULL, 's'},
        {"runs", required_argument, NULL, 'r'},  {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == 'a')
            alg_name = optarg;
        else if (c == 's')
            seconds = atof(optarg);
        else if (c == 'r')
            runs = atoi(optarg);
        else if (c == 'f')
            floor_only = true;
        else if (c == 'R')
            route_name = optarg;
        else {
            fprintf(stderr, "usage: bench_attest [--alg RS256|ES256|PS256] "
                            "[--route all|SgxEnclave|TdxVm] [--seconds S] [--runs N] "
                            "[--floor-only]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || seconds <= 0) die("usage", "--runs 1..32, --seconds > 0");
    enum maat_jws_alg alg;
    if (maat__jws_alg_from_name(alg_name, &alg) != 0 || alg == MAAT_JWS_NONE)
        die("--alg", "RS256, ES256 or PS256");
    if (route_name == NULL) route_name = floor_only ? "SgxEnclave" : "all";
    bool all = !strcmp(route_name, "all");
    if (!all && strcmp(route_name, "SgxEnclave") && strcmp(route_name, "TdxVm"))
        die("--route", "all, SgxEnclave or TdxVm");
    printf("bench_attest: %s tokens, %d runs x %.1f s, one thread\n", alg_name, runs, seconds);
    if (all || !strcmp(route_name, "SgxEnclave"))
        bench_route(alg, alg_name, MAAT_ROUTE_SGX_ENCLAVE, runs, seconds, floor_only);
    if (all || !strcmp(route_name, "TdxVm"))
        bench_route(alg, alg_name, MAAT_ROUTE_TDX_VM, runs, seconds, floor_only);
    return 0;
}
