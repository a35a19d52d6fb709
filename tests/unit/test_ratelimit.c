/* test_ratelimit.c - the sliding-window limit in the shared table: a full quota at
 * once, slots freed exactly 60 s after their admission, agreement with a brute-force
 * model on random traffic, key isolation, persistence, recreation of foreign files,
 * eviction, locks of dead workers taken over, and 8 processes sharing one key. */
#include "config.h"

#include "harness.h"

#include <lendgate/ratelimit.h>
#include <lendgate/sha256.h>
#include <lendgate/shm.h>
#include <lendgate/time.h>

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0     INT64_C(1795000000000) /* a fixed wall-clock ms in 2026 */
#define WINDOW INT64_C(60000)

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

static void test_partner_rates(void)
{
    /* The partner's own rate wins when set; otherwise its tier's. */
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(0, 0, 100, 500, 2000), 100);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(1, 0, 100, 500, 2000), 500);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(2, 0, 100, 500, 2000), 2000);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(2, 42, 100, 500, 2000), 42);
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(7, 0, 100, 500, 2000), 100);
    /* A stored rate beyond what the table can count is held to the maximum. */
    CU_ASSERT_EQUAL(lg_ratelimit_partner_rpm(0, UINT32_MAX, 100, 500, 2000), LG_RATELIMIT_MAX_RPM);
}

static void check_take(lg_ratelimit *rl, const char *key, uint32_t rate, int64_t at, int allowed,
                       uint32_t remaining, int64_t reset, int64_t retry)
{
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_take(rl, key, rate, T0 + at, &r), LG_OK);
    CU_ASSERT_EQUAL(r.limit, rate);
    if (r.allowed != allowed || r.remaining != remaining || r.reset_ms != reset ||
        r.retry_after_ms != retry) {
        fprintf(stderr, "%s at +%lld: allowed=%d remaining=%u reset=%lld retry=%lld\n", key,
                (long long)at, r.allowed, r.remaining, (long long)r.reset_ms,
                (long long)r.retry_after_ms);
        CU_FAIL("take answered other than the window says");
    }
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

/* The finding: a BASIC partner (100/min) sending its first calls at once. Every one of
 * the 100 is admitted; the 101st waits for the first to leave the window, 60 s. */
static void test_full_quota_at_once(void)
{
    lg_ratelimit *rl = fresh(64);
    for (uint32_t i = 0; i < 99; i++)
        check_take(rl, "p:basic", 100, 0, 1, 99 - i, 0, 0);
    check_take(rl, "p:basic", 100, 0, 1, 0, 60000, 0); /* the last slot: t = 60 s */
    check_take(rl, "p:basic", 100, 0, 0, 0, 60000, 60000);
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:basic", 100, T0, &r), LG_OK);
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 60);
    char pol[96], st[96];
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "partner", pol, sizeof pol, st, sizeof st),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(pol, "\"partner\";q=100;w=60");
    CU_ASSERT_STRING_EQUAL(st, "\"partner\";r=0;t=60");
    /* Nothing frees before the minute is over, and refusals are not counted. */
    check_take(rl, "p:basic", 100, 30000, 0, 0, 30000, 30000);
    check_take(rl, "p:basic", 100, 59999, 0, 0, 1, 1);
    /* At +60 s every one of them has left the window: a full quota again, not more. */
    CU_ASSERT_EQUAL(burst_of(rl, "p:basic", 100, T0 + 60000, 150), 100);
    lg_ratelimit_close(rl);
}

/* 50 at t and 50 at t + 30 s: at t + 60 s the first 50 leave, exactly 50 come back. */
static void test_spread_admissions(void)
{
    lg_ratelimit *rl = fresh(64);
    CU_ASSERT_EQUAL(burst_of(rl, "p:spread", 100, T0, 50), 50);
    check_take(rl, "p:spread", 100, 30000, 1, 49, 0, 0);
    CU_ASSERT_EQUAL(burst_of(rl, "p:spread", 100, T0 + 30000, 49), 49);
    check_take(rl, "p:spread", 100, 30000, 0, 0, 30000, 30000);
    check_take(rl, "p:spread", 100, 59999, 0, 0, 1, 1);
    check_take(rl, "p:spread", 100, 60001, 1, 49, 0, 0);
    CU_ASSERT_EQUAL(burst_of(rl, "p:spread", 100, T0 + 60001, 60), 49);
    /* The second 50 hold the window until t + 90 s. */
    check_take(rl, "p:spread", 100, 60001, 0, 0, 29999, 29999);
    CU_ASSERT_EQUAL(burst_of(rl, "p:spread", 100, T0 + 90000, 60), 50);
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
    CU_ASSERT_STRING_EQUAL(st, "\"partner\";r=59;t=0");
    CU_ASSERT_EQUAL(burst_of(rl, "p:h", 60, T0 + 1500, 59), 59);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:h", 60, T0 + 1501, &r), LG_OK);
    CU_ASSERT_EQUAL(r.allowed, 0);
    CU_ASSERT_EQUAL(r.retry_after_ms, 58499);
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 59); /* rounded up */
    CU_ASSERT_EQUAL(lg_ratelimit_format_headers(&r, "ip", pol, sizeof pol, st, sizeof st), LG_OK);
    CU_ASSERT_STRING_EQUAL(st, "\"ip\";r=0;t=59");
    r.retry_after_ms = 1001;
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 2);
    r.retry_after_ms = 2000;
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 2);
    r.retry_after_ms = 1;
    CU_ASSERT_EQUAL(lg_ratelimit_retry_after_s(&r), 1);
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

/* A fixed window would admit a full minute at 0:59.9 and again at 1:00.1. */
static void test_no_boundary_burst(void)
{
    lg_ratelimit *rl = fresh(64);
    CU_ASSERT_EQUAL(burst_of(rl, "p:edge", 600, T0 + 59900, 700), 600);
    CU_ASSERT_EQUAL(burst_of(rl, "p:edge", 600, T0 + 60100, 700), 0);
    CU_ASSERT_EQUAL(burst_of(rl, "p:edge", 600, T0 + 119899, 700), 0);
    CU_ASSERT_EQUAL(burst_of(rl, "p:edge", 600, T0 + 119900, 700), 600);
    lg_ratelimit_close(rl);
}

/* xorshift64*: the random tests replay exactly from their seed. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* The next request time: bursts, short and long pauses, and idle minutes. */
static int64_t next_gap(uint64_t *s)
{
    uint64_t k = rnd(s) % 100;
    if (k < 40)
        return 0;
    if (k < 80)
        return (int64_t)(rnd(s) % 1000);
    if (k < 97)
        return (int64_t)(rnd(s) % 30000);
    return WINDOW + (int64_t)(rnd(s) % WINDOW);
}

/* The reference: admissions in (t - 60 s, t] counted one by one. */
typedef struct {
    int64_t *at; /* admission times, ascending */
    size_t n;
} model;

static uint32_t model_alive(const model *m, int64_t t, size_t *first)
{
    size_t i = m->n;
    while (i > 0 && m->at[i - 1] > t - WINDOW)
        i--;
    *first = i;
    return (uint32_t)(m->n - i);
}

/* ms until the alive count drops below rate: the (alive - rate + 1)-th oldest leaves. */
static int64_t model_wait(const model *m, int64_t t, uint32_t rate)
{
    size_t first;
    uint32_t alive = model_alive(m, t, &first);
    if (alive < rate)
        return 0;
    return m->at[first + (alive - rate)] + WINDOW - t;
}

static int check_one(lg_ratelimit *rl, model *m, uint32_t rate, int64_t t, int charge)
{
    lg_ratelimit_result r;
    size_t first;
    uint32_t alive = model_alive(m, t, &first);
    int want = alive < rate;
    lg_err rc = charge ? lg_ratelimit_take(rl, "p:model", rate, t, &r)
                       : lg_ratelimit_peek(rl, "p:model", rate, t, &r);
    if (rc != LG_OK)
        return 0;
    int64_t retry = want ? 0 : model_wait(m, t, rate);
    if (charge && want)
        m->at[m->n++] = t;
    uint32_t left = rate - alive - (uint32_t)(charge && want);
    if (!want)
        left = 0;
    int64_t reset = left > 0 ? 0 : model_wait(m, t, rate);
    if (r.allowed != want || r.remaining != left || r.retry_after_ms != retry ||
        r.reset_ms != reset) {
        fprintf(stderr,
                "rate %u at +%lld (%s): got allowed=%d remaining=%u retry=%lld reset=%lld, "
                "model %d %u %lld %lld\n",
                rate, (long long)(t - T0), charge ? "take" : "peek", r.allowed, r.remaining,
                (long long)r.retry_after_ms, (long long)r.reset_ms, want, left, (long long)retry,
                (long long)reset);
        return 0;
    }
    return 1;
}

/* No 60 s window, wherever it starts, holds more than rate admissions. */
static int any_window_within(const model *m, uint32_t rate)
{
    size_t j = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (j < i)
            j = i;
        while (j < m->n && m->at[j] < m->at[i] + WINDOW)
            j++;
        if (j - i > rate)
            return 0;
    }
    return 1;
}

static void run_model(uint32_t rate, uint64_t seed, int requests)
{
    lg_ratelimit *rl = fresh(64);
    model m = {calloc((size_t)requests, sizeof(int64_t)), 0};
    uint64_t s = seed;
    int64_t t = T0;
    int ok = 1;
    CU_ASSERT_FATAL(m.at != NULL);
    for (int i = 0; i < requests && ok; i++) {
        t += next_gap(&s);
        ok = check_one(rl, &m, rate, t, rnd(&s) % 8 != 0);
    }
    if (!ok)
        fprintf(stderr, "model mismatch: rate %u seed %llu\n", rate, (unsigned long long)seed);
    CU_ASSERT(ok);
    CU_ASSERT(any_window_within(&m, rate));
    CU_ASSERT(m.n > (size_t)rate); /* the sequence did reach the limit */
    free(m.at);
    lg_ratelimit_close(rl);
}

/* Random traffic against the brute-force model: every answer (admitted, remaining,
 * Retry-After, reset) equal, for rates on both sides of the table's ring sizes. */
static void test_matches_reference_model(void)
{
    static const uint32_t rates[] = {1, 2, 7, 60, 64, 65, 100, 500, 2000, 2048, 2049, 5000};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        for (uint64_t seed = 1; seed <= 3; seed++)
            run_model(rates[i], seed * 7919 + rates[i], (int)(rates[i] * 8 + 400));
}

/* The wall clock stepped back an hour: the key is not refused for that hour. */
static void test_clock_step_back(void)
{
    lg_ratelimit *rl = NULL;
    lg_ratelimit_result r;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 64, &rl), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "p:step", 5, T0, 10), 5);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:step", 5, T0 - 300000, &r), LG_OK);
    CU_ASSERT(!r.allowed); /* five minutes behind: a late worker, the window holds */
    CU_ASSERT_EQUAL(burst_of(rl, "p:step", 5, T0 - 3600000, 10), 5);
    CU_ASSERT_EQUAL(burst_of(rl, "p:step", 5, T0 - 3600000 + 1, 10), 0);
    lg_ratelimit_close(rl);
}

static void test_key_isolation(void)
{
    lg_ratelimit *rl = fresh(64);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 100, T0, 150), 100);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_002", 100, T0, 150), 100);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:partner_a_001", 100, T0, 150), 100);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 100, T0, 1), 0);
    /* The rate comes with each request and the window keeps the admissions: after an
     * upgrade to 2000/min the 100 already admitted still count. */
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 2000, T0 + 1000, 3000), 1900);
    /* And after a downgrade to 50/min nothing more until 1951 of them have left. */
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 50, T0 + 59999, 10), 0);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 50, T0 + 60000, 10), 0);
    CU_ASSERT_EQUAL(burst_of(rl, "p:partner_a_001", 50, T0 + 61000, 60), 50);
    lg_ratelimit_close(rl);
}

/* peek answers what take would, and never counts. */
static void test_peek_counts_nothing(void)
{
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 6, T0, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 6 && r.reset_ms == 0);
    for (int i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 6, T0, &r), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:192.0.2.1", 6, T0, 50), 6);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 6, T0 + 1000, &r), LG_OK);
    CU_ASSERT(!r.allowed && r.remaining == 0 && r.retry_after_ms == 59000 && r.reset_ms == 59000);
    /* When the minute is over all six are back, and peek says so first. */
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "ip:192.0.2.1", 6, T0 + 60000, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 6);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "ip:192.0.2.1", 6, T0 + 60000, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 5);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "", 6, T0, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(rl, "k", 0, T0, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_ratelimit_peek(NULL, "k", 6, T0, &r), LG_ERR_INVALID);
    lg_ratelimit_close(rl);
}

static void test_reopen_keeps_state(void)
{
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL(burst_of(rl, "ip:192.0.2.1", 6, T0, 10), 6);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 64, &rl), LG_OK);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "ip:192.0.2.1", 6, T0 + 10, &r), LG_OK);
    CU_ASSERT_EQUAL(r.allowed, 0);
    CU_ASSERT_EQUAL(r.retry_after_ms, 59990);
    lg_ratelimit_close(rl);

    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

    /* Another slot count is another layout: the table starts empty. */
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 128, &rl), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:192.0.2.1", 6, T0 + 10, 10), 6);
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

static off_t table_size(void)
{
    struct stat st;
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    return st.st_size;
}

static void check_usable(off_t size)
{
    lg_ratelimit *rl = NULL;
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 64, &rl), LG_OK);
    CU_ASSERT_EQUAL(burst_of(rl, "p:after", 6, T0, 10), 6);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(st.st_size, size);
}

static void test_foreign_file_recreated(void)
{
    off_t size = table_size();
    unsigned char *junk = malloc((size_t)size);
    lg_ratelimit *rl = NULL;
    CU_ASSERT_FATAL(junk != NULL);
    write_file(path, "not a table\n", 12, 0600);
    check_usable(size);
    /* Right size, wrong contents. */
    memset(junk, 0xff, (size_t)size);
    write_file(path, junk, (size_t)size, 0600);
    check_usable(size);
    free(junk);
    /* A valid table truncated by a crash of the disk. */
    rl = fresh(64);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL(truncate(path, size / 2), 0);
    check_usable(size);
    /* Readable by others: not ours to trust any more. */
    rl = fresh(64);
    CU_ASSERT_EQUAL(burst_of(rl, "p:after", 6, T0, 10), 6);
    lg_ratelimit_close(rl);
    CU_ASSERT_EQUAL(chmod(path, 0644), 0);
    check_usable(size);
    /* A symlink planted in the state directory is refused, not followed. */
    unlink(path);
    CU_ASSERT_EQUAL(symlink("/etc/passwd", path), 0);
    CU_ASSERT_EQUAL(lg_ratelimit_open(path, 64, &rl), LG_ERR_IO);
    unlink(path);
}

/* 16 slots, all probed by every key: a 17th live key takes the slot whose newest
 * admission is oldest, and slots with nothing left in the window are reused first. */
static void test_full_table_evicts_oldest(void)
{
    lg_ratelimit *rl = fresh(16);
    char key[32];
    for (int i = 0; i < 16; i++) {
        snprintf(key, sizeof key, "ip:10.0.0.%d", i);
        CU_ASSERT_EQUAL(burst_of(rl, key, 1, T0 + i, 1), 1);
    }
    CU_ASSERT_EQUAL(burst_of(rl, "ip:10.0.0.99", 1, T0 + 100, 1), 1);
    /* 10.0.0.0 had the oldest admission and was forgotten; the others are still held. */
    for (int i = 1; i < 16; i++) {
        snprintf(key, sizeof key, "ip:10.0.0.%d", i);
        CU_ASSERT_EQUAL(burst_of(rl, key, 1, T0 + 200, 1), 0);
    }
    CU_ASSERT_EQUAL(burst_of(rl, "ip:10.0.0.99", 1, T0 + 200, 1), 0);
    CU_ASSERT_EQUAL(burst_of(rl, "ip:10.0.0.0", 1, T0 + 300, 1), 1);
    /* Once every window has passed, new keys reuse slots and old ones find a full quota. */
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "ip:10.1.0.%d", i);
        CU_ASSERT_EQUAL(burst_of(rl, key, 60, T0 + 120000, 1), 1);
    }
    lg_ratelimit_close(rl);
}

/* The slot header of a key in the mapped file (ratelimit.h, "File format"): found by
 * the 128 bits of SHA-256(key) at bytes 8..23 of a 64-byte aligned header. */
static _Atomic uint64_t *find_slot(unsigned char *base, size_t size, const char *key)
{
    uint8_t d[LG_SHA256_LEN];
    uint64_t h1, h2;
    if (lg_sha256(d, key, strlen(key)) != LG_OK)
        return NULL;
    memcpy(&h1, d, 8);
    memcpy(&h2, d + 8, 8);
    for (size_t off = LG_SHM_HEADER_LEN; off + 64 <= size; off += 64) {
        _Atomic uint64_t *w = (_Atomic uint64_t *)(base + off);
        if (atomic_load(&w[1]) == h1 && atomic_load(&w[2]) == h2)
            return w;
    }
    return NULL;
}

static uint64_t lock_word(pid_t pid, int64_t claimed_mono_ms)
{
    return (uint64_t)(uint32_t)pid << 32 | (uint32_t)claimed_mono_ms;
}

/* A worker killed in the middle of an update leaves its slot locked, and perhaps its
 * count half written: the next request takes the lock over (the holder's pid is gone)
 * and recounts the ring. A lock of a live process is taken over once it is older than
 * a second (a recycled pid). */
static void test_dead_holder_taken_over(void)
{
    lg_ratelimit *rl = fresh(64);
    lg_ratelimit_result r;
    CU_ASSERT_EQUAL(burst_of(rl, "p:crash", 100, T0, 30), 30);
    int fd = open(path, O_RDWR);
    struct stat st;
    CU_ASSERT_FATAL(fd >= 0 && fstat(fd, &st) == 0);
    unsigned char *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    CU_ASSERT_FATAL(base != MAP_FAILED);
    _Atomic uint64_t *slot = find_slot(base, (size_t)st.st_size, "p:crash");
    CU_ASSERT_FATAL(slot != NULL);

    pid_t dead = fork();
    CU_ASSERT_FATAL(dead >= 0);
    if (dead == 0)
        _exit(0);
    CU_ASSERT_EQUAL(waitpid(dead, NULL, 0), dead);
    atomic_store(&slot[0], lock_word(dead, lg_time_mono_ms()));
    /* Bytes 40..43: the admissions count, left wrong by the dead writer. */
    atomic_store(&slot[5], (atomic_load(&slot[5]) & ~UINT64_C(0xffffffff)) | 7u);
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:crash", 100, T0 + 1000, &r), LG_OK);
    CU_ASSERT(r.allowed && r.remaining == 69);
    CU_ASSERT_EQUAL(atomic_load(&slot[0]), 0); /* given back after the update */

    atomic_store(&slot[0], lock_word(getpid(), lg_time_mono_ms() - 5000));
    CU_ASSERT_EQUAL(burst_of(rl, "p:crash", 100, T0 + 2000, 100), 69);
    CU_ASSERT_EQUAL(atomic_load(&slot[0]), 0);
    munmap(base, (size_t)st.st_size);
    lg_ratelimit_close(rl);
}

/* Workers SIGKILLed at whatever point they reached while hammering one key never wedge
 * it: once they are reaped, the next request is answered at once and the window still
 * holds exactly the quota. (A kill lands inside the lock only now and then; the test
 * above makes that case certain.) */
static void test_killed_workers_never_wedge(void)
{
    pid_t pids[4];
    lg_ratelimit_result r;
    unlink(path);
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0) {
            lg_ratelimit *mine = NULL;
            if (lg_ratelimit_open(path, 64, &mine) != LG_OK)
                _exit(2);
            for (;;)
                lg_ratelimit_take(mine, "p:killed", 2000, T0, &r);
        }
    }
    lg_ratelimit *rl = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_ratelimit_open(path, 64, &rl), LG_OK);
    while (lg_ratelimit_peek(rl, "p:killed", 2000, T0, &r) == LG_OK && r.allowed)
        sched_yield();
    usleep(20000); /* the workers go on, refused, through the lock */
    for (int i = 0; i < 4; i++) {
        kill(pids[i], SIGKILL);
        CU_ASSERT_EQUAL(waitpid(pids[i], NULL, 0), pids[i]);
    }
    /* A lock a killed worker held is taken over at once, not after it goes stale. */
    int64_t start = lg_time_mono_ms();
    CU_ASSERT_EQUAL(lg_ratelimit_take(rl, "p:killed", 2000, T0 + 1, &r), LG_OK);
    CU_ASSERT(lg_time_mono_ms() - start < LG_RATELIMIT_LOCK_STALE_MS);
    CU_ASSERT(!r.allowed && r.remaining == 0 && r.retry_after_ms == 59999);
    CU_ASSERT_EQUAL(burst_of(rl, "p:killed", 2000, T0 + 60000, 2100), 2000);
    lg_ratelimit_close(rl);
}

/* 8 worker processes, each opening the table itself, offer one burst of 100 requests
 * each for the same key in the same millisecond: exactly the quota passes. */
#define BURST_PROCS 8
typedef struct {
    atomic_int ready;
    atomic_long admitted;
    atomic_int failures;
} burst_shared;

static void burst_worker(burst_shared *sh)
{
    lg_ratelimit *rl = NULL;
    if (lg_ratelimit_open(path, 4096, &rl) != LG_OK)
        _exit(2);
    atomic_fetch_add(&sh->ready, 1);
    while (atomic_load(&sh->ready) < BURST_PROCS)
        ;
    long mine = 0;
    for (int i = 0; i < 100; i++) {
        lg_ratelimit_result r = {0};
        if (lg_ratelimit_take(rl, "p:partner_burst_001", 100, T0, &r) != LG_OK)
            atomic_fetch_add(&sh->failures, 1);
        mine += r.allowed;
    }
    atomic_fetch_add(&sh->admitted, mine);
    lg_ratelimit_close(rl);
    _exit(0);
}

static void run_procs(int n, void (*worker)(void *), void *sh)
{
    pid_t pids[16];
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0)
            worker(sh);
    }
    for (int i = 0; i < n; i++) {
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pids[i], &status, 0), pids[i]);
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

static void burst_entry(void *sh)
{
    burst_worker(sh);
}

static void test_burst_8_processes(void)
{
    burst_shared *sh =
        mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    unlink(path);
    run_procs(BURST_PROCS, burst_entry, sh);
    fprintf(stderr, "admitted %ld of 800 offered at once (quota 100)\n",
            atomic_load(&sh->admitted));
    CU_ASSERT_EQUAL(atomic_load(&sh->failures), 0);
    CU_ASSERT_EQUAL(atomic_load(&sh->admitted), 100);
    munmap(sh, sizeof *sh);
}

/* The acceptance test: 8 worker processes offer 3x an enterprise partner's rate for two
 * minutes of simulated time. A shared ticket counter hands out the global schedule of
 * requests (one every 10 ms = 6000/min), so the processes interleave as real workers
 * would, each opening the table itself. */
#define ACC_PROCS 8
#define ACC_RATE  2000u
#define ACC_STEP  10
#define ACC_TICKS 12000 /* 120 s / 10 ms */
typedef struct {
    atomic_int ready;
    atomic_long ticket;
    atomic_long admitted;
    atomic_int failures;
} acc_shared;

static void acc_worker(void *arg)
{
    acc_shared *sh = arg;
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
    run_procs(ACC_PROCS, acc_worker, sh);
    /* Offered times run from 0 to 119.99 s: two disjoint windows, so at most 2 x 2000;
     * the window admits the quota at the start of each, so 1 % below that at worst. */
    const long bound = 2 * (long)ACC_RATE;
    long admitted = atomic_load(&sh->admitted);
    fprintf(stderr, "admitted %ld of %d offered (bound %ld)\n", admitted, ACC_TICKS, bound);
    CU_ASSERT_EQUAL(atomic_load(&sh->failures), 0);
    CU_ASSERT(admitted <= bound);
    CU_ASSERT(admitted * 100 >= bound * 99);
    munmap(sh, sizeof *sh);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"NULL and bad arguments", test_null_arguments},
        {"tier and partner rates", test_partner_rates},
        {"a full quota at once, then 60 s", test_full_quota_at_once},
        {"spread admissions free exactly", test_spread_admissions},
        {"headers and Retry-After", test_headers},
        {"no 2x burst at a minute boundary", test_no_boundary_burst},
        {"random traffic matches the model", test_matches_reference_model},
        {"per-key isolation", test_key_isolation},
        {"a clock stepped back refuses nobody for long", test_clock_step_back},
        {"peek counts nothing", test_peek_counts_nothing},
        {"reopen keeps the state", test_reopen_keeps_state},
        {"corrupt or foreign file recreated", test_foreign_file_recreated},
        {"full table evicts the oldest", test_full_table_evicts_oldest},
        {"a dead worker's lock taken over", test_dead_holder_taken_over},
        {"killed workers never wedge a key", test_killed_workers_never_wedge},
        {"8 processes, one burst, exactly the quota", test_burst_8_processes},
        {"8 processes, 3x the rate, 2 simulated minutes", test_acceptance_8_processes},
        {NULL, NULL},
    };
    lg_test_add_suite("ratelimit", suite_init, suite_clean, tests);
    return lg_test_run("test_ratelimit");
}
