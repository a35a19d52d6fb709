/* test_ratelimit.c - GCRA limits in the shared table: exact budgets, no boundary burst,
 * key isolation, persistence, recreation of foreign files, eviction, and 8 processes
 * sharing one key under a simulated clock. */
#include "config.h"

#include "harness.h"

#include <lendgate/ratelimit.h>
#include <lendgate/shm.h>

#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 INT64_C(1795000000000) /* a fixed wall-clock ms in 2026 */

static char dir[PATH_MAX];
static char path[PATH_MAX + 32];

static int suite_init(void)
{
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/%s", dir, LG_RATELIMIT_FILE);
    return 0;
}

static int suite_clean(void)
{
    lg_test_rmtree(dir);
    return 0;
}

/* Each test starts from no file. */
static lg_ratelimit *fresh(uint32_t slots)
{
    lg_ratelimit *rl = NULL;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, slots, &rl), LG_OK);
    return rl;
}

static void test_null_arguments(void)
{
    lg_ratelimit *rl = NULL;
    lg_ratelimit_result res;
    char buf[96], buf2[96];
    char longkey[LG_RATELIMIT_KEY_MAX + 2];
    CU_ASSERT_EQUAL(lg_ratelimit_open(NULL, 64, &rl), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_open(path, 64, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_open(path, LG_RATELIMIT_MIN_SLOTS - 1, &rl), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_open(path, LG_RATELIMIT_MAX_SLOTS + 1, &rl), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_open("", 64, &rl), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(rl);
    CU_ASSERT_EQUAL(lg_ratelimit_open("/nonexistent-dir/x/ratelimit.shm", 64, &rl), LG_ERR_IO);
    lg_ratelimit_close(NULL);

    rl = fresh(64);
    CU_ASSERT_EQUAL(lg_ratelimit_take(NULL, "k", 60, T0, &res), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, NULL, 60, T0, &res), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "", 60, T0, &res), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "k", 60, T0, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "k", 0, T0, &res), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "k", LG_RATELIMIT_MAX_RPM + 1, T0, &res), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "k", 60, -1, &res), LG_ERR_INVALID);
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, longkey, 60, T0, &res), LG_ERR_INVALID);
    longkey[LG_RATELIMIT_KEY_MAX] = '\0';
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, longkey, 60, T0, &res), LG_OK);

    CU_ASSERT_EQUAL(lg_ratelimit_key_partner(NULL, 10, "x"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_key_partner(buf, sizeof buf, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_key_ip(buf, sizeof buf, ""), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_key_ip(buf, 4, "127.0.0.1"), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(NULL, "p", buf, sizeof buf, buf2, sizeof buf2),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&res, NULL, buf, sizeof buf, buf2, sizeof buf2),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&res, "p", NULL, 9, buf2, sizeof buf2),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&res, "p", buf, sizeof buf, NULL, 9),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(NULL), 1);
    lg_ratelimit_close(rl);
}

static void test_parameters(void)
{
    CU_ASSERT_EQUAL(lg_ratelimit_burst(0), 0);
    CU_ASSERT_EQUAL(lg_ratelimit_burst(1), 1);
    CU_ASSERT_EQUAL(lg_ratelimit_burst(19), 1);
    CU_ASSERT_EQUAL(lg_ratelimit_burst(100), 10);
    CU_ASSERT_EQUAL(lg_ratelimit_burst(2000), 200);
    CU_ASSERT_EQUAL(lg_ratelimit_interval_us(0), 0);
    CU_ASSERT_EQUAL(lg_ratelimit_interval_us(100), 600000);
    CU_ASSERT_EQUAL(lg_ratelimit_interval_us(7), 8571429); /* rounded up: never above 7/min */
    CU_ASSERT_EQUAL(lg_ratelimit_interval_us(LG_RATELIMIT_MAX_RPM), 1);
    /* The partner's own rate wins when set; otherwise its tier's. */
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(0, 0, 100, 500, 2000), 100);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(1, 0, 100, 500, 2000), 500);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(2, 0, 100, 500, 2000), 2000);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(2, 42, 100, 500, 2000), 42);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(7, 0, 100, 500, 2000), 100);
}

static void expect(lg_ratelimit *rl, int64_t at, int allowed, uint32_t remaining, int64_t reset,
                   int64_t retry)
{
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_take(rl, "p:scripted", 60, T0 + at, &r), LG_OK);
    CU_ASSERT_EQUAL(r.allowed, allowed);
    CU_ASSERT_EQUAL(r.limit, 60);
    CU_ASSERT_EQUAL(r.burst, 6);
    CU_ASSERT_EQUAL(r.remaining, remaining);
    CU_ASSERT_EQUAL(r.reset_ms, reset);
    CU_ASSERT_EQUAL(r.retry_after_ms, retry);
    if (r.allowed != allowed || r.remaining != remaining || r.reset_ms != reset ||
        r.retry_after_ms != retry)
        fprintf(stderr, "at +%lld: allowed=%d remaining=%u reset=%lld retry=%lld\n", (long long)at,
                r.allowed, r.remaining, (long long)r.reset_ms, (long long)r.retry_after_ms);
}

/* 60/min: T = 1 s, burst 6, tolerance 5 s. */
static void test_scripted_sequence(void)
{
    lg_ratelimit *rl = fresh(64);
    for (uint32_t i = 0; i < 6; i++)
        expect(rl, 0, 1, 5 - i, 1000 * (i + 1), 0);
    expect(rl, 0, 0, 0, 6000, 1000);  /* TAT 6 s ahead, 1 s beyond the tolerance */
    expect(rl, 500, 0, 0, 5500, 500); /* a refusal is not counted */
    expect(rl, 999, 0, 0, 5001, 1);
    expect(rl, 1000, 1, 0, 6000, 0); /* one interval later exactly one more */
    expect(rl, 1001, 0, 0, 5999, 999);
    expect(rl, 4000, 1, 2, 4000, 0);  /* TAT 3 s ahead before, 4 s after: 2 left */
    expect(rl, 60000, 1, 5, 1000, 0); /* idle: the full burst is back, never more */
    lg_ratelimit_close(rl);
}

static void test_headers(void)
{
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_result r;
    char pol[96], st[96];
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:h", 60, T0, &r), LG_OK);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "partner", pol, sizeof pol, st, sizeof st),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(pol, "\"partner\";q=60;w=60");
    CU_ASSERT_STRING_EQUAL(st, "\"partner\";r=5;t=1");
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:h", 60, T0, &r), LG_OK);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:h", 60, T0 + 1, &r), LG_OK);
    CU_ASSERT_EQUAL(r.allowed, 0);
    CU_ASSERT_EQUAL(r.retry_after_ms, 999);
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 1);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "ip", pol, sizeof pol, st, sizeof st), LG_OK);
    CU_ASSERT_STRING_EQUAL(st, "\"ip\";r=0;t=6"); /* 5999 ms rounds up */
    r.retry_after_ms = 1001;
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 2);
    r.retry_after_ms = 2000;
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 2);
    r.allowed = 1;
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 1);
    /* Names that would break the structured field are refused. */
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "a\"b", pol, sizeof pol, st, sizeof st),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "", pol, sizeof pol, st, sizeof st),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "Partner", pol, sizeof pol, st, sizeof st),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "partner", pol, 8, st, sizeof st),
                    LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "partner", pol, sizeof pol, st, 8),
                    LG_ERR_OVERFLOW);
    lg_ratelimit_close(rl);
}

static uint32_t burst_of(lg_ratelimit *rl, const char *key, uint32_t rate, int64_t at, int n)
{
    uint32_t ok = 0;
    lg_ratelimit_result r;
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL_FATAL(lg_ratelimit_take(rl, key, rate, at, &r), LG_OK);
        ok += (uint32_t)r.allowed;
    }
    return ok;
}

/* A fixed window would admit a full minute at 0:59.9 and again at 1:00.1. */
static void test_no_boundary_burst(void)
{
    lg_ratelimit *rl = fresh(64);
    const uint32_t rate = 600; /* T = 100 ms, burst 60 */
    uint32_t first = burst_of(rl, "p:edge", rate, T0 + 59900, (int)rate);
    uint32_t second = burst_of(rl, "p:edge", rate, T0 + 60100, (int)rate);
    CU_ASSERT_EQUAL(first, lg_ratelimit_burst(rate));
    /* 200 ms earn floor(200 ms / T) = 2 requests. */
    CU_ASSERT_EQUAL(second, 2);
    CU_ASSERT(first + second < rate / 5);
    lg_ratelimit_close(rl);
}

static void test_key_isolation(void)
{
    lg_ratelimit *rl = fresh(64);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 100, T0, 50), 10);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_002", 100, T0, 50), 10);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:partner_a_001", 100, T0, 50), 10);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 100, T0, 1), 0);
    /* The rate comes with each request, the slot keeps only the TAT: after an upgrade to
     * 2000/min (T = 30 ms, tolerance 5.97 s) one second later, the TAT stands 5 s ahead,
     * which leaves room for floor((5970 - 5000) / 30) + 1 = 33 requests. */
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 2000, T0 + 1000, 1000), 33);
    lg_ratelimit_close(rl);
}

/* peek answers what take would, and never counts. */
static void test_peek_counts_nothing(void)
{
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 60, T0, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 6 && r.reset_ms == 0);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 60, T0, &r), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:192.0.2.1", 60, T0, 50), 6);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 60, T0, &r), LG_OK);
    CU_ASSERT(!r.allowed && r.remaining == 0 && r.retry_after_ms == 1000 && r.reset_ms == 6000);
    /* One interval later exactly one request is admitted, and peek says so first. */
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 60, T0 + 1000, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 1);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "ip:192.0.2.1", 60, T0 + 1000, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 0);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 60, T0 + 1000, &r), LG_OK);
    CU_ASSERT(!r.allowed);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "", 60, T0, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "k", 0, T0, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(NULL, "k", 60, T0, &r), LG_ERR_INVALID);
    lg_ratelimit_close(rl);
}

static void test_reopen_keeps_state(void)
{
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL(burst_of(rl, "ip:192.0.2.1", 60, T0, 10), 6);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 64, &rl), LG_OK);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "ip:192.0.2.1", 60, T0 + 10, &r), LG_OK);
    CU_ASSERT_EQUAL(r.allowed, 0);
    CU_ASSERT_EQUAL(r.retry_after_ms, 990);
    lg_ratelimit_close(rl);

    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

    /* Another slot count is another layout: the table starts empty. */
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 128, &rl), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:192.0.2.1", 60, T0 + 10, 10), 6);
    lg_ratelimit_close(rl);
}

static void write_file(const char *p, const void *data, size_t len, mode_t mode)
{
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, data, len), (ssize_t)len);
    fchmod(fd, mode);
    close(fd);
}

static void check_usable(void)
{
    lg_ratelimit *rl = NULL;
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 64, &rl), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "p:after", 60, T0, 10), 6);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(st.st_size, LG_SHM_HEADER_LEN + 64 * 32);
}

static void test_foreign_file_recreated(void)
{
    static unsigned char junk[LG_SHM_HEADER_LEN + 64 * 32];
    lg_ratelimit *rl = NULL;
    write_file(path, "not a table\n", 12, 0600);
    check_usable();
    /* Right size, wrong contents. */
    memset(junk, 0xff, sizeof junk);
    write_file(path, junk, sizeof junk, 0600);
    check_usable();
    /* A valid table truncated by a crash of the disk. */
    rl = fresh(64);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL(truncate(path, LG_SHM_HEADER_LEN + 10 * 32), 0);
    check_usable();
    /* Readable by others: not ours to trust any more. */
    rl = fresh(64);
    CU_ASSERT_EQUAL(burst_of(rl, "p:after", 60, T0, 10), 6);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL(chmod(path, 0644), 0);
    check_usable();
    /* A symlink planted in the state directory is refused, not followed. */
    unlink(path);
    CU_ASSERT_EQUAL(symlink("/etc/passwd", path), 0);
    CU_ASSERT_EQUAL(lg_ratelimit_open(path, 64, &rl), LG_ERR_IO);
    unlink(path);
}

/* 16 slots, all probed by every key: a 17th live key takes the slot whose TAT lies
 * furthest in the past, and expired slots are reused before live ones. */
static void test_full_table_evicts_oldest(void)
{
    lg_ratelimit *rl = fresh(16);
    char key[32];
    for (int i = 0; i < 16; i++) {
        snprintf(key, sizeof key, "ip:10.0.0.%d", i);
        CU_ASSERT_EQUAL(burst_of(rl, key, 1, T0 + i, 1), 1); /* TAT = now + 60 s */
    }
    CU_ASSERT_EQUAL(burst_of(rl, "ip:10.0.0.99", 1, T0 + 100, 1), 1);
    /* 10.0.0.0 had the oldest TAT and was forgotten; the newest keys are still limited. */
    for (int i = 1; i < 16; i++) {
        snprintf(key, sizeof key, "ip:10.0.0.%d", i);
        CU_ASSERT_EQUAL(burst_of(rl, key, 1, T0 + 200, 1), 0);
    }
    CU_ASSERT_EQUAL(burst_of(rl, "ip:10.0.0.99", 1, T0 + 200, 1), 0);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:10.0.0.0", 1, T0 + 300, 1), 1);
    /* Once every TAT has passed, new keys reuse slots and old ones find a full budget. */
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "ip:10.1.0.%d", i);
        CU_ASSERT_EQUAL(burst_of(rl, key, 600, T0 + 120000, 1), 1);
    }
    lg_ratelimit_close(rl);
}

/* The acceptance test: 8 worker processes offer 3x an enterprise partner's rate for two
 * minutes of simulated time. A shared ticket counter hands out the global schedule of
 * requests (one every 10 ms = 6000/min), so the processes interleave as real workers
 * would, each opening the table itself. */
#define ACC_PROCS 8
#define ACC_RATE  2000u /* T = 30 ms, B = 200 */
#define ACC_STEP  10
#define ACC_TICKS 12000 /* 120 s / 10 ms */
typedef struct {
    atomic_int ready;
    atomic_long ticket;
    atomic_long admitted;
    atomic_int failures;
} acc_shared;

static void acc_worker(acc_shared *sh)
{
    lg_ratelimit *rl = NULL;
    lg_ratelimit_result r = {0};
    long mine = 0;
    if (lg_ratelimit_open(path, 4096, &rl) != LG_OK)
        _exit(2);
    atomic_fetch_add(&sh->ready, 1);
    while (atomic_load(&sh->ready) < ACC_PROCS)
        ;
    for (;;) {
        long t = atomic_fetch_add(&sh->ticket, 1);
        if (t >= ACC_TICKS)
            break;
        if (lg_ratelimit_take(rl, "p:partner_acc_001", ACC_RATE, T0 + t * ACC_STEP, &r) != LG_OK)
            atomic_fetch_add(&sh->failures, 1);
        mine += r.allowed;
    }
    atomic_fetch_add(&sh->admitted, mine);
    lg_ratelimit_close(rl);
    _exit(0);
}

static void test_acceptance_8_processes(void)
{
    acc_shared *sh =
        mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    unlink(path);
    pid_t pids[ACC_PROCS];
    for (int i = 0; i < ACC_PROCS; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0)
            acc_worker(sh);
    }
    for (int i = 0; i < ACC_PROCS; i++) {
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pids[i], &status, 0), pids[i]);
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    /* Exact bound: B + floor(D / T) with D the last offered time, 119.99 s:
     * 200 + 3999 = 4199. The nominal limit rate x 2 min + B is 4200. */
    const long bound =
        (long)lg_ratelimit_burst(ACC_RATE) +
        (long)((ACC_TICKS - 1) * ACC_STEP * 1000 / lg_ratelimit_interval_us(ACC_RATE));
    const long nominal = 2 * (long)ACC_RATE + (long)lg_ratelimit_burst(ACC_RATE);
    long admitted = atomic_load(&sh->admitted);
    fprintf(stderr, "admitted %ld of %d offered (bound %ld, nominal %ld)\n", admitted, ACC_TICKS,
            bound, nominal);
    CU_ASSERT_EQUAL(bound, 4199);
    CU_ASSERT_EQUAL(atomic_load(&sh->failures), 0);
    CU_ASSERT(admitted <= bound);
    CU_ASSERT(admitted * 100 >= nominal * 99);
    munmap(sh, sizeof *sh);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"NULL and bad arguments", test_null_arguments},
        {"burst, interval and tier rates", test_parameters},
        {"scripted remaining/reset/retry", test_scripted_sequence},
        {"headers and Retry-After", test_headers},
        {"no 2x burst at a minute boundary", test_no_boundary_burst},
        {"per-key isolation", test_key_isolation},
        {"peek counts nothing", test_peek_counts_nothing},
        {"reopen keeps the state", test_reopen_keeps_state},
        {"corrupt or foreign file recreated", test_foreign_file_recreated},
        {"full table evicts the oldest TAT", test_full_table_evicts_oldest},
        {"8 processes, 3x the rate, 2 simulated minutes", test_acceptance_8_processes},
        {NULL, NULL},
    };
    lg_test_add_suite("ratelimit", suite_init, suite_clean, tests);
    return lg_test_run("test_ratelimit");
}
