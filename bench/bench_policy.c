/*
 * bench_policy.c - cost of MAA's default SGX policy (policy_default.h, 2022 form) per
 * attestation, one core, single-threaded, over an SGX-like incoming claim set (the 15
 * claims maat__claims_incoming() produces for a plain quote: x-ms-*, $-preview names,
 * the collateral object):
 *
 *   eval       maat__policy_evaluate + maat__policy_result_cleanup (policy parsed once)
 *   eval+json  the service path: maat__claim_list_from_json(incoming JSON object),
 *              evaluate, maat__claims_to_json(outgoing), cleanup
 *   parse      maat__policy_parse + maat__policy_free of the default text
 *
 * Prints the median of --runs runs of --iterations each, in microseconds per operation,
 * and a final RESULT line. Target: well under 1% of a quote verification (~150 us).
 *
 * usage: bench_policy [--iterations N] [--runs N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maat/policy.h"
#include "maat/policy_default.h"
#include "bench_util.h"

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_policy: %s: %s\n", what, why);
    exit(1);
}

static const char incoming_json[] =
    "{\"x-ms-ver\":[\"1.0\"],\"x-ms-attestation-type\":[\"sgx\"],"
    "\"x-ms-sgx-is-debuggable\":[true],"
    "\"x-ms-sgx-mrenclave\":[\"292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e\"],"
    "\"x-ms-sgx-mrsigner\":[\"4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c\"],"
    "\"x-ms-sgx-product-id\":[1],\"x-ms-sgx-svn\":[1],"
    "\"x-ms-sgx-report-data\":[\"28542e44fe7e73f6610f6b31ae7576925f09ccdbb4c5646583ecc1561337a8ff"
    "0000000000000000000000000000000000000000000000000000000000000000\"],"
    "\"x-ms-sgx-collateral\":[{\"qeidcertshash\":"
    "\"a64d649198507d8b57e33f63ab266838f43f327bd4aacc78510b6976ed046e10\","
    "\"quotehash\":\"4f9aa62ee2ca513a31f8a427b16723b3b918c927b8d02e9e215da2bdbc98d8b1\"}],"
    "\"$is-debuggable\":[true],"
    "\"$sgx-mrsigner\":[\"4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c\"],"
    "\"$sgx-mrenclave\":[\"292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e\"],"
    "\"$product-id\":[1],\"$svn\":[1],\"$tee\":[\"sgx\"]}";

int main(int argc, char **argv)
{
    long iterations = 200000, runs = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--iterations") == 0)
            iterations = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atol(argv[i + 1]);
        else
            die("usage", "bench_policy [--iterations N] [--runs N]");
    }
    if (iterations < 1 || runs < 1 || runs > 64) die("usage", "bad numbers");

    const char *text = maat_policy_default_sgx();
    struct maat_policy *pol = NULL;
    struct maat_policy_error perr = {0};
    if (maat__policy_parse(text, strlen(text), NULL, &pol, &perr) != 0) die("parse", perr.err.msg);
    json_t *in_json = json_loads(incoming_json, 0, NULL);
    struct maat_claim_list in;
    struct maat_error err = {0};
    if (in_json == NULL || maat__claim_list_from_json(in_json, NULL, &in, &err) != 0)
        die("claims", err.msg);

    double ev[64], evj[64], pa[64];
    size_t issued = 0;
    for (long r = 0; r < runs; r++) {
        double t0 = bench_now();
        for (long i = 0; i < iterations; i++) {
            struct maat_policy_result res;
            if (maat__policy_evaluate(pol, in.claims, in.count, NULL, &res, &perr) != 0)
                die("evaluate", perr.detail);
            issued = res.noutgoing;
            maat__policy_result_cleanup(&res);
        }
        double t1 = bench_now();
        long jit = iterations / 10 + 1;
        for (long i = 0; i < jit; i++) {
            struct maat_claim_list l;
            struct maat_policy_result res;
            if (maat__claim_list_from_json(in_json, NULL, &l, &err) != 0) die("claims", err.msg);
            if (maat__policy_evaluate(pol, l.claims, l.count, NULL, &res, &perr) != 0)
                die("evaluate", perr.detail);
            json_t *out = maat__claims_to_json(res.outgoing, res.noutgoing, &err);
            if (out == NULL) die("to_json", err.msg);
            json_decref(out);
            maat__policy_result_cleanup(&res);
            maat__claim_list_cleanup(&l);
        }
        double t2 = bench_now();
        long pit = iterations / 10 + 1;
        for (long i = 0; i < pit; i++) {
            struct maat_policy *p;
            if (maat__policy_parse(text, strlen(text), NULL, &p, &perr) != 0)
                die("parse", perr.err.msg);
            maat__policy_free(p);
        }
        double t3 = bench_now();
        ev[r] = (t1 - t0) / (double)iterations * 1e6;
        evj[r] = (t2 - t1) / (double)jit * 1e6;
        pa[r] = (t3 - t2) / (double)pit * 1e6;
    }
    qsort(ev, (size_t)runs, sizeof ev[0], bench_cmp_double);
    qsort(evj, (size_t)runs, sizeof evj[0], bench_cmp_double);
    qsort(pa, (size_t)runs, sizeof pa[0], bench_cmp_double);
    double e = ev[runs / 2], ej = evj[runs / 2], p = pa[runs / 2];
    printf("default SGX policy (2022), %zu incoming claims, %zu issued, %ld runs x %ld\n", in.count,
           issued, runs, iterations);
    printf("  eval       %8.3f us  (%.2f%% of a 150 us quote verification)\n", e, e / 150 * 100);
    printf("  eval+json  %8.3f us  (%.2f%%)\n", ej, ej / 150 * 100);
    printf("  parse      %8.3f us\n", p);
    printf("RESULT eval_us=%.3f eval_json_us=%.3f parse_us=%.3f\n", e, ej, p);
    maat__claim_list_cleanup(&in);
    json_decref(in_json);
    maat__policy_free(pol);
    return 0;
}
