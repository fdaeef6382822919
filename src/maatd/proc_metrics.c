/* proc_metrics.c - process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds, process_max_fds and process_start_time_seconds for /metrics, as the
 * Prometheus client libraries define them: getrusage, getrlimit, /proc/self/statm,
 * /proc/self/fd and /proc/self/stat with /proc/stat's btime. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "proc_metrics.h"

/* Field 22 (starttime, clock ticks after boot) of /proc/self/stat; the command name
 * (field 2) may hold spaces and parentheses, so counting starts after its last ')'. */
static bool start_ticks(unsigned long long *out)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f == NULL) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL) return false;
    p++;
    /* after ')': field 3 (state) ... field 22 (starttime) is the 20th token */
    char *save = NULL, *tok = strtok_r(p, " ", &save);
    for (int i = 3; tok != NULL && i < 22; i++) tok = strtok_r(NULL, " ", &save);
    if (tok == NULL) return false;
    char *end = NULL;
    *out = strtoull(tok, &end, 10);
    return end != tok;
}

static bool boot_time(unsigned long long *out)
{
    char line[256];
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) return false;
    bool ok = false;
    while (!ok && fgets(line, sizeof line, f) != NULL) ok = sscanf(line, "btime %llu", out) == 1;
    fclose(f);
    return ok;
}

void maatd_proc_metrics_read(struct maatd_proc_metrics *p)
{
    memset(p, 0, sizeof *p);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        p->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        p->has_cpu = true;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        p->max_fds = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
        p->has_max_fds = true;
    }
    long page = sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        unsigned long long size = 0, resident = 0;
        if (fscanf(f, "%llu %llu", &size, &resident) == 2 && page > 0) {
            p->resident_bytes = (uint64_t)resident * (uint64_t)page;
            p->has_rss = true;
        }
        fclose(f);
    }
    DIR *d = opendir("/proc/self/fd");
    if (d != NULL) {
        uint64_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.') n++;
        closedir(d);
        p->open_fds = n > 0 ? n - 1 : 0; /* not the directory's own descriptor */
        p->has_fds = true;
    }
    unsigned long long ticks = 0, btime = 0;
    long hz = sysconf(_SC_CLK_TCK);
    if (start_ticks(&ticks) && boot_time(&btime) && hz > 0) {
        p->start_time_seconds = (double)btime + (double)ticks / (double)hz;
        p->has_start = true;
    }
}
