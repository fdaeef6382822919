/* bench_util.h - what the benchmarks share: a monotonic clock and medians of runs.
 * BENCH_CLOCK=cpu in the environment makes bench_now() the process's CPU time instead
 * (CLOCK_PROCESS_CPUTIME_ID; the benches are single-threaded): per-operation costs that
 * time-slicing with other processes on a shared host does not inflate, comparable with a
 * server's CPU time per request (bench_fleet.sh). */
#ifndef MAAT_BENCH_UTIL_H
#define MAAT_BENCH_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_RUNS 32

static inline double bench_now(void)
{
    static int clock = -1;
    if (clock < 0) {
        const char *c = getenv("BENCH_CLOCK");
        clock = c != NULL && strcmp(c, "cpu") == 0;
    }
    struct timespec ts;
    clock_gettime(clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0, n), 1 <= n <= BENCH_MAX_RUNS. */
static inline double bench_median(const double *v, int n)
{
    double s[BENCH_MAX_RUNS];
    if (n > BENCH_MAX_RUNS) n = BENCH_MAX_RUNS;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, bench_cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

#endif
