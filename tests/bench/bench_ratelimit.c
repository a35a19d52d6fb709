/* bench_ratelimit.c - takes per second of the shared rate limiter with 1 and 8 processes
 * on one table (64 partner keys and 4096 client addresses). Prints, never fails. */
#include "config.h"

#include <lendgate/ratelimit.h>
#include <lendgate/time.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAKES_PER_PROC 200000

/* Each process walks its own simulated clock 1 ms per 10 takes, so budgets refill and
 * both the admit and the refuse path are measured. */
static int run_worker(const char *path, int me)
{
    lg_ratelimit *rl = NULL;
    lg_ratelimit_result r;
    char key[64];
    if (lg_ratelimit_open(path, LG_RATELIMIT_DEFAULT_SLOTS, &rl) != LG_OK)
        return 1;
    int64_t now = INT64_C(1795000000000);
    for (int i = 0; i < TAKES_PER_PROC; i++) {
        if (i % 4 == 0)
            snprintf(key, sizeof key, "p:partner_bench_%03d", (i / 4 + me) % 64);
        else
            snprintf(key, sizeof key, "ip:198.51.%d.%d", (i + me) % 16, i % 256);
        if (lg_ratelimit_take(rl, key, 2000, now + i / 10, &r) != LG_OK) {
            lg_ratelimit_close(rl);
            return 1;
        }
    }
    lg_ratelimit_close(rl);
    return 0;
}

static void run(const char *path, int procs)
{
    pid_t pids[8];
    int failed = 0;
    int64_t start = lg_time_mono_ms();
    for (int i = 0; i < procs; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(run_worker(path, i));
    }
    for (int i = 0; i < procs; i++) {
        int status = 0;
        if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            failed++;
    }
    int64_t ms = lg_time_mono_ms() - start;
    double total = (double)procs * TAKES_PER_PROC;
    printf("ratelimit take, %d process%s: %.0f takes/s (%.0f takes in %lld ms%s)\n", procs,
           procs == 1 ? "" : "es", ms > 0 ? total * 1000.0 / (double)ms : 0.0, total, (long long)ms,
           failed ? ", some workers failed" : "");
}

int main(void)
{
    char dir[] = "/tmp/lgbench.XXXXXX";
    char path[PATH_MAX];
    if (!mkdtemp(dir)) {
        printf("bench_ratelimit: no temporary directory, skipped\n");
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s", dir, LG_RATELIMIT_FILE);
    run(path, 1);
    run(path, 8);
    unlink(path);
    rmdir(dir);
    return 0;
}
