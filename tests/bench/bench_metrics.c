/* bench_metrics.c - ns per lg_metrics_count and lg_metrics_observe on an existing series,
 * and per scrape of 8 live processes' files of 500 series each. Prints, never fails. */
#include "config.h"

#include <lendgate/metrics.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UPDATES 5000000
#define PROCS   8
#define SERIES  500
#define SCRAPES 200

static const lg_metrics_family families[] = {
    {"bench_requests_total", "counter", "Requests."},
    {"bench_latency_seconds", "histogram", "Latency."},
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void bench_updates(const char *dir)
{
    lg_metrics *m = NULL;
    const char *labels = "partner_id=\"partner_x_001\",endpoint=\"/partners/borrow\","
                         "status_code=\"201\"";
    if (lg_metrics_open(dir, &m) != LG_OK) {
        printf("metrics: cannot open a file in %s, skipped\n", dir);
        return;
    }
    lg_metrics_count(m, "bench_requests_total", labels, 1);
    lg_metrics_observe(m, "bench_latency_seconds", labels, 0.1);
    double t0 = now_ns();
    for (int i = 0; i < UPDATES; i++)
        lg_metrics_count(m, "bench_requests_total", labels, 1);
    double t1 = now_ns();
    for (int i = 0; i < UPDATES; i++)
        lg_metrics_observe(m, "bench_latency_seconds", labels, (i & 1023) * 0.001);
    double t2 = now_ns();
    printf("metrics count, existing series: %.1f ns\n", (t1 - t0) / UPDATES);
    printf("metrics observe, existing series: %.1f ns\n", (t2 - t1) / UPDATES);
    lg_metrics_close(m);
}

/* A worker: SERIES series (4 in 5 counters, 1 in 5 histograms), then waits. */
static int worker(const char *dir, int me, int ready_fd, int hold_fd)
{
    lg_metrics *m = NULL;
    char labels[LG_METRICS_LABELS_MAX];
    if (lg_metrics_open(dir, &m) != LG_OK)
        return 1;
    for (int i = 0; i < SERIES; i++) {
        snprintf(labels, sizeof labels, "partner_id=\"partner_%03d\",endpoint=\"/e%d\"", i / 5,
                 (i + me) % 5);
        if (i % 5 == 4)
            lg_metrics_observe(m, "bench_latency_seconds", labels, 0.01 * i);
        else
            lg_metrics_count(m, "bench_requests_total", labels, (uint64_t)i);
    }
    char c = 'r';
    int failed = write(ready_fd, &c, 1) != 1;
    failed |= read(hold_fd, &c, 1) < 0;
    lg_metrics_close(m);
    return failed;
}

static double scrape_ns(const char *dir, int rounds, size_t *bytes)
{
    double t0 = now_ns();
    for (int i = 0; i < rounds; i++) {
        lg_metrics_text t = {0};
        if (lg_metrics_scrape(dir, families, 2, &t) != LG_OK)
            printf("metrics: a scrape failed\n");
        *bytes = t.len;
        free(t.data);
    }
    return (now_ns() - t0) / rounds;
}

static void bench_scrape(const char *dir)
{
    int ready[2], hold[2];
    pid_t pids[PROCS];
    size_t bytes = 0;
    if (pipe(ready) != 0 || pipe(hold) != 0)
        return;
    for (int i = 0; i < PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(hold[1]);
            _exit(worker(dir, i, ready[1], hold[0]));
        }
    }
    close(ready[1]);
    close(hold[0]);
    char c;
    for (int i = 0; i < PROCS; i++)
        if (pids[i] > 0 && read(ready[0], &c, 1) != 1)
            printf("metrics: a worker failed\n");
    double live = scrape_ns(dir, SCRAPES, &bytes);
    close(hold[1]);
    for (int i = 0; i < PROCS; i++)
        if (pids[i] > 0)
            waitpid(pids[i], NULL, 0);
    double folding = scrape_ns(dir, 1, &bytes);
    double archived = scrape_ns(dir, SCRAPES, &bytes);
    printf("metrics scrape, %d live files x %d series: %.0f us (%zu bytes of text)\n", PROCS,
           SERIES, live / 1000, bytes);
    printf("metrics scrape folding %d ended files: %.0f us; then from the archive: %.0f us\n",
           PROCS, folding / 1000, archived / 1000);
    close(ready[0]);
}

int main(void)
{
    char dir[] = "/tmp/lgbench-metrics.XXXXXX";
    char cmd[64];
    if (!mkdtemp(dir)) {
        printf("bench_metrics: no temporary directory, skipped\n");
        return 0;
    }
    bench_updates(dir);
    bench_scrape(dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("bench_metrics: %s left behind\n", dir);
    return 0;
}
