/* proc_metrics.h - the standard Prometheus process metrics of maatd (process_*), read from
 * /proc and getrusage/getrlimit at scrape time. */
#ifndef MAATD_PROC_METRICS_H
#define MAATD_PROC_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct maatd_proc_metrics {
    bool has_cpu, has_rss, has_fds, has_max_fds, has_start;
    double cpu_seconds;      /* user + system CPU time */
    uint64_t resident_bytes; /* resident set size */
    uint64_t open_fds;
    uint64_t max_fds;          /* RLIMIT_NOFILE soft limit */
    double start_time_seconds; /* Unix time the process started */
};

/* Fills what can be read; a value that cannot be read is left out (has_* false), never
 * reported as 0. */
void maatd_proc_metrics_read(struct maatd_proc_metrics *p);

#endif
