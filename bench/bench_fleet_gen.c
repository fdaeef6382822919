/*
 * bench_fleet_gen.c - request bodies for bench_fleet.sh: N distinct simulated platforms
 * (maat_sim_fleet_quote: each its own PCK key, PPID and PCK leaf signed by the sim PCK CA)
 * and a request order drawn uniformly at random (with repetition) from them.
 *
 * Only the platforms the order draws get a quote (lazily: at N = 100,000 and 40,000 draws
 * about 33,000 of them); the order is an i.i.d. uniform sample over all N either way, so
 * the workload seen by maatd is that of the full fleet. --all mints every platform (to
 * measure minting N quotes; with --no-write nothing is written).
 *
 * usage: bench_fleet_gen --sim DIR --platforms N --requests L --ehd FILE --out DIR
 *                        [--seed S] [--all] [--no-write]
 * Writes OUT/bodies (one JSON body per line, POST /attest/SgxEnclave with Binary runtime
 * data = FILE, report_data = SHA-256(FILE)) and OUT/order (line i: the 1-based line of
 * bodies that request i sends). Prints one GEN line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "maat/bytes.h"
#include "sim.h"

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_fleet_gen: %s: %s\n", what, msg);
    exit(1);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) die(path, "cannot open");
    uint8_t *b = malloc(1 << 20);
    if (b == NULL) die(path, "out of memory");
    *len = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *ehd = NULL, *out = NULL;
    long n = 0, draws = 0;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int all = 0, write = 1;
    static const struct option opts[] = {{"sim", required_argument, NULL, 's'},
                                         {"platforms", required_argument, NULL, 'n'},
                                         {"requests", required_argument, NULL, 'r'},
                                         {"ehd", required_argument, NULL, 'e'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"no-write", no_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': dir = optarg; break;
        case 'n': n = atol(optarg); break;
        case 'r': draws = atol(optarg); break;
        case 'e': ehd = optarg; break;
        case 'o': out = optarg; break;
        case 'S': seed = strtoull(optarg, NULL, 0) | 1; break;
        case 'a': all = 1; break;
        case 'W': write = 0; break;
        default: return 2;
        }
    }
    if (dir == NULL || ehd == NULL || n < 1 || draws < 1 || (write && out == NULL)) {
        fprintf(stderr, "usage: bench_fleet_gen --sim DIR --platforms N --requests L --ehd FILE "
                        "--out DIR [--seed S] [--all] [--no-write]\n");
        return 2;
    }
    struct maat_error err = {0};
    struct maat_sim *sim = NULL;
    if (maat_sim_load(dir, &sim, &err) != 0) die("sim", err.msg);
    size_t rt_len;
    uint8_t *rt = slurp(ehd, &rt_len);
    char *rt64 = maat_base64url_encode(rt, rt_len);
    struct maat_sim_quote_opts o;
    maat_sim_quote_opts_defaults(sim, &o);
    if (rt64 == NULL || maat_sim_quote_opts_set_ehd(&o, rt, rt_len, &err) != 0) die("ehd", err.msg);

    /* line[k]: 1-based line of platform k in bodies (0: not drawn yet) */
    long *line = calloc((size_t)n, sizeof *line), *order = malloc((size_t)draws * sizeof *order);
    if (line == NULL || order == NULL) die("fleet", "out of memory");
    FILE *fb = NULL, *fo = NULL;
    char path[4096];
    if (write) {
        snprintf(path, sizeof path, "%s/bodies", out);
        fb = fopen(path, "w");
        snprintf(path, sizeof path, "%s/order", out);
        fo = fopen(path, "w");
        if (fb == NULL || fo == NULL) die(out, "cannot write bodies/order");
    }
    long distinct = 0, bytes = 0;
    struct maat_buf q;
    maat_buf_init(&q);
    double t0 = bench_now();
    for (long i = 0; i < (all ? n : 0) + draws; i++) {
        long k = i < (all ? n : 0) ? i : (long)(xorshift(&seed) % (uint64_t)n);
        if (i >= (all ? n : 0)) order[i - (all ? n : 0)] = k;
        if (line[k] != 0) continue;
        q.len = 0;
        if (maat_sim_fleet_quote(sim, (uint64_t)k, &o, &q, &err) != 0) die("quote", err.msg);
        line[k] = ++distinct;
        char *q64 = maat_base64url_encode(q.data, q.len);
        if (q64 == NULL) die("fleet", "out of memory");
        if (fb) {
            int w = fprintf(
                fb, "{\"quote\":\"%s\",\"runtimeData\":{\"data\":\"%s\",\"dataType\":\"Binary\"}}\n",
                q64, rt64);
            if (w < 0) die(out, "write failed");
            bytes += w;
        }
        free(q64);
    }
    double secs = bench_now() - t0;
    if (fo) {
        for (long i = 0; i < draws; i++) fprintf(fo, "%ld\n", line[order[i]]);
        if (fclose(fo) != 0 || fclose(fb) != 0) die(out, "write failed");
    }
    printf("GEN platforms=%ld requests=%ld distinct=%ld mint_seconds=%.2f us_per_quote=%.1f "
           "bodies_mb=%.1f\n",
           n, draws, distinct, secs, secs * 1e6 / (double)distinct, (double)bytes / 1e6);
    maat_buf_cleanup(&q);
    free(line);
    free(order);
    free(rt);
    free(rt64);
    maat_sim_free(sim);
    return 0;
}
