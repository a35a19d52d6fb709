/* test_metrics.c - per-process metric files summed exactly at scrape: one process,
 * many forked ones (alive and ended), the fold of ended ones into the archive and its
 * crash safety, broken files, a full file, label escaping and the text format. */
#include "config.h"

#include "harness.h"

#include <lendgate/metrics.h>
#include <lendgate/proc.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const lg_metrics_family families[] = {
    {"req_total", "counter", "Requests answered."},
    {"lat_seconds", "histogram", "Time to answer.\nIn seconds \\ wall clock."},
    {"lendgate_metrics_dropped_total", "counter", "Updates lost to a full file."},
};
#define NFAM (sizeof families / sizeof families[0])

/* The scrape's text, malloc'd (the caller frees), or NULL when the scrape failed. */
static char *scrape(const char *dir)
{
    lg_metrics_text t = {0};
    lg_err rc = lg_metrics_scrape(dir, families, NFAM, &t);
    CU_ASSERT_EQUAL(rc, LG_OK);
    CU_ASSERT_EQUAL(t.failed, 0);
    if (rc != LG_OK) {
        free(t.data);
        return NULL;
    }
    return t.data ? t.data : strdup("");
}

/* The value on the line of series in text, or -1 when there is none. */
static long long value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtoll(p + n + 1, NULL, 10);
    return -1;
}

/* Files named w-*.lgm in dir. */
static int count_workers(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "w-", 2) == 0 && strstr(e->d_name, ".lgm") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* The name of this process's file in any directory. */
static void own_name(char *buf, size_t len, int start_delta)
{
    uint64_t word = 0;
    CU_ASSERT_EQUAL_FATAL(lg_proc_word(&word), LG_OK);
    snprintf(buf, len, "w-%llu-%llu.lgm",
             (unsigned long long)(word & ((UINT64_C(1) << LG_PROC_PID_BITS) - 1)),
             (unsigned long long)(word >> LG_PROC_PID_BITS) + (unsigned long long)start_delta);
}

static void test_one_process(void)
{
    char dir[PATH_MAX];
    lg_metrics *m = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK);
    lg_metrics_count(m, "req_total", "code=\"200\"", 2);
    lg_metrics_count(m, "req_total", "code=\"200\"", 1);
    lg_metrics_count(m, "req_total", "code=\"500\"", 1);
    lg_metrics_count(m, "req_total", "", 4);
    lg_metrics_observe(m, "lat_seconds", "", 0.005); /* le is "less or equal" */
    lg_metrics_observe(m, "lat_seconds", "", 0.0051);
    lg_metrics_observe(m, "lat_seconds", "", -3);
    lg_metrics_observe(m, "lat_seconds", "", 1.5);
    lg_metrics_observe(m, "lat_seconds", "", 99);
    lg_metrics_count(NULL, "req_total", "", 1);     /* metrics off */
    lg_metrics_observe(NULL, "lat_seconds", "", 1); /* metrics off */
    char *text = scrape(dir);
    const char *want = "# HELP req_total Requests answered.\n"
                       "# TYPE req_total counter\n"
                       "req_total 4\n"
                       "req_total{code=\"200\"} 3\n"
                       "req_total{code=\"500\"} 1\n"
                       "# HELP lat_seconds Time to answer.\\nIn seconds \\\\ wall clock.\n"
                       "# TYPE lat_seconds histogram\n"
                       "lat_seconds_bucket{le=\"0.005\"} 2\n"
                       "lat_seconds_bucket{le=\"0.01\"} 3\n"
                       "lat_seconds_bucket{le=\"0.025\"} 3\n"
                       "lat_seconds_bucket{le=\"0.05\"} 3\n"
                       "lat_seconds_bucket{le=\"0.1\"} 3\n"
                       "lat_seconds_bucket{le=\"0.25\"} 3\n"
                       "lat_seconds_bucket{le=\"0.5\"} 3\n"
                       "lat_seconds_bucket{le=\"1\"} 3\n"
                       "lat_seconds_bucket{le=\"2\"} 4\n"
                       "lat_seconds_bucket{le=\"5\"} 4\n"
                       "lat_seconds_bucket{le=\"10\"} 4\n"
                       "lat_seconds_bucket{le=\"+Inf\"} 5\n"
                       "lat_seconds_sum 100.510100\n"
                       "lat_seconds_count 5\n"
                       "# HELP lendgate_metrics_dropped_total Updates lost to a full file.\n"
                       "# TYPE lendgate_metrics_dropped_total counter\n"
                       "lendgate_metrics_dropped_total 0\n";
    CU_ASSERT_STRING_EQUAL(text, want);
    free(text);
    lg_metrics_close(m);
    lg_metrics_close(NULL);
    lg_test_rmtree(dir);
}

/* Histograms with labels, families in the caller's order, undeclared names after
 * them, and (where promtool is installed) the exposition checked by Prometheus. */
static void test_text_format(void)
{
    char dir[PATH_MAX], labels[LG_METRICS_LABELS_MAX] = "";
    lg_metrics *m = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK);
    CU_ASSERT_EQUAL(lg_metrics_label(labels, sizeof labels, "endpoint", "/loans/{id}"), LG_OK);
    lg_metrics_observe(m, "lat_seconds", labels, 0.3);
    lg_metrics_observe(m, "lat_seconds", labels, 0.02);
    lg_metrics_observe(m, "lat_seconds", "endpoint=\"/a\"", 7);
    lg_metrics_count(m, "req_total", labels, 1);
    lg_metrics_count(m, "zz_other_total", "", 5);
    lg_metrics_observe(m, "aa_undeclared_seconds", "", 0.1);
    char *text = scrape(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    const char *req = strstr(text, "# TYPE req_total counter\n");
    const char *lat = strstr(text, "# TYPE lat_seconds histogram\n");
    const char *drop = strstr(text, "# TYPE lendgate_metrics_dropped_total counter\n");
    const char *aa = strstr(text, "# HELP aa_undeclared_seconds undeclared metric\n"
                                  "# TYPE aa_undeclared_seconds histogram\n");
    const char *zz = strstr(text, "# TYPE zz_other_total untyped\nzz_other_total 5\n");
    CU_ASSERT(req && lat && drop && aa && zz && req < lat && lat < drop && drop < aa && aa < zz);
    CU_ASSERT_PTR_NOT_NULL(strstr(text,
                                  "lat_seconds_bucket{endpoint=\"/a\",le=\"5\"} 0\n"
                                  "lat_seconds_bucket{endpoint=\"/a\",le=\"10\"} 1\n"
                                  "lat_seconds_bucket{endpoint=\"/a\",le=\"+Inf\"} 1\n"
                                  "lat_seconds_sum{endpoint=\"/a\"} 7.000000\n"
                                  "lat_seconds_count{endpoint=\"/a\"} 1\n"
                                  "lat_seconds_bucket{endpoint=\"/loans/{id}\",le=\"0.005\"} 0\n"));
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_bucket{endpoint=\"/loans/{id}\",le=\"0.025\"}"), 1);
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_bucket{endpoint=\"/loans/{id}\",le=\"0.5\"}"), 2);
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_bucket{endpoint=\"/loans/{id}\",le=\"+Inf\"}"), 2);
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_count{endpoint=\"/loans/{id}\"}"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "lat_seconds_sum{endpoint=\"/loans/{id}\"} 0.320000\n"));
    if (system("command -v promtool >/dev/null 2>&1") == 0) {
        FILE *p = popen("promtool check metrics >/dev/null 2>&1", "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        fputs(text, p);
        CU_ASSERT_EQUAL(pclose(p), 0);
    }
    free(text);
    lg_metrics_close(m);
    lg_test_rmtree(dir);
}

static void test_label(void)
{
    char buf[64] = "";
    CU_ASSERT_EQUAL(lg_metrics_label(buf, sizeof buf, "a", "x\"y\\z\nw"), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "a=\"x\\\"y\\\\z\\nw\"");
    CU_ASSERT_EQUAL(lg_metrics_label(buf, sizeof buf, "b_2", ""), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "a=\"x\\\"y\\\\z\\nw\",b_2=\"\"");
    /* Too long: the buffer is left as it was. */
    CU_ASSERT_EQUAL(
        lg_metrics_label(buf, sizeof buf, "c", "01234567890123456789012345678901234567890"),
        LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(buf, "a=\"x\\\"y\\\\z\\nw\",b_2=\"\"");
    char exact[8] = "";
    CU_ASSERT_EQUAL(lg_metrics_label(exact, sizeof exact, "a", "123"), LG_OK); /* 7 + NUL */
    CU_ASSERT_STRING_EQUAL(exact, "a=\"123\"");
    exact[0] = '\0';
    CU_ASSERT_EQUAL(lg_metrics_label(exact, sizeof exact, "a", "1234"), LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(exact, "");
    CU_ASSERT_EQUAL(lg_metrics_label(buf, sizeof buf, "9a", "v"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_label(buf, sizeof buf, "a-b", "v"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_label(NULL, 4, "a", "v"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_label(buf, sizeof buf, NULL, "v"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_label(buf, sizeof buf, "a", NULL), LG_ERR_INVALID);
}

/* Keys a scrape could not print are refused and counted as lost. */
static void test_bad_keys(void)
{
    char dir[PATH_MAX];
    lg_metrics *m = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK);
    lg_metrics_count(m, "bad name", "", 1);
    lg_metrics_count(m, "req_total", "code=200", 1);
    lg_metrics_count(m, "req_total", "a=\"1\",a=\"2\"", 1);
    lg_metrics_count(m, "req_total", "a=\"1\"\n", 1);
    lg_metrics_observe(m, "lat_seconds", "le=\"1\"", 1);
    lg_metrics_count(m, NULL, "", 1);
    lg_metrics_count(m, "req_total", NULL, 2);
    lg_metrics_observe(m, "req_total", "", 1); /* a counter already */
    char *text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "lendgate_metrics_dropped_total"), 6);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), 2);
    /* Only its HELP and TYPE: a listed family with no series. */
    CU_ASSERT_PTR_NULL(strstr(text, "lat_seconds_bucket"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "# TYPE lat_seconds histogram"));
    free(text);
    lg_metrics_close(m);
    lg_test_rmtree(dir);
}

#define CHILDREN 6
#define ROUNDS   3000

/* A child: its own file, the shared series and one of its own, then it tells the
 * parent it is done and, when hold is set, waits for the pipe to close. */
static int child_run(const char *dir, int me, int done_fd, int hold_fd)
{
    lg_metrics *m = NULL;
    char own[64];
    if (lg_metrics_open(dir, &m) != LG_OK)
        return 1;
    snprintf(own, sizeof own, "who=\"c%d\"", me);
    for (int i = 0; i < ROUNDS; i++) {
        lg_metrics_count(m, "req_total", "who=\"all\"", 1);
        lg_metrics_count(m, "req_total", own, 2);
        lg_metrics_observe(m, "lat_seconds", "", (i % 3) * 0.2);
    }
    lg_metrics_close(m);
    char c = 'd';
    if (write(done_fd, &c, 1) != 1)
        return 1;
    if (hold_fd >= 0 && read(hold_fd, &c, 1) < 0)
        return 1;
    return 0;
}

static void check_totals(const char *text)
{
    CU_ASSERT_EQUAL(value_of(text, "req_total{who=\"all\"}"), (long long)CHILDREN * ROUNDS);
    for (int i = 0; i < CHILDREN; i++) {
        char s[64];
        snprintf(s, sizeof s, "req_total{who=\"c%d\"}", i);
        CU_ASSERT_EQUAL(value_of(text, s), 2LL * ROUNDS);
    }
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_count"), (long long)CHILDREN * ROUNDS);
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_bucket{le=\"0.005\"}"), CHILDREN * ROUNDS / 3);
    CU_ASSERT_EQUAL(value_of(text, "lat_seconds_bucket{le=\"0.25\"}"), CHILDREN * ROUNDS * 2 / 3);
    /* 0 + 0.2 + 0.4 per three rounds */
    char sum[64];
    snprintf(sum, sizeof sum, "lat_seconds_sum %d.000000\n", CHILDREN * ROUNDS / 3 * 6 / 10);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, sum));
}

/* Children update the same and their own series at once; half end before the first
 * scrape, half after it. Every scrape has the exact totals, the ended ones' files are
 * folded into the archive and gone, and scraping again changes nothing. */
static void test_forked_processes(void)
{
    char dir[PATH_MAX], archive[PATH_MAX + 16];
    int done[2], hold[2];
    pid_t pids[CHILDREN];
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(done), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(hold), 0);
    for (int i = 0; i < CHILDREN; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0) {
            close(done[0]);
            close(hold[1]);
            _exit(child_run(dir, i, done[1], i % 2 ? hold[0] : -1));
        }
    }
    close(done[1]);
    close(hold[0]);
    char c;
    for (int i = 0; i < CHILDREN; i++)
        CU_ASSERT_EQUAL(read(done[0], &c, 1), 1);
    for (int i = 0; i < CHILDREN; i += 2) { /* the even ones have ended */
        int st = 0;
        CU_ASSERT_EQUAL(waitpid(pids[i], &st, 0), pids[i]);
        CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char *text = scrape(dir);
    check_totals(text);
    CU_ASSERT_EQUAL(count_workers(dir), CHILDREN / 2);
    path_in(archive, sizeof archive, dir, "archive.lgm");
    CU_ASSERT_EQUAL(access(archive, F_OK), 0);
    free(text);
    close(hold[1]); /* the odd ones end now */
    for (int i = 1; i < CHILDREN; i += 2) {
        int st = 0;
        CU_ASSERT_EQUAL(waitpid(pids[i], &st, 0), pids[i]);
        CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    close(done[0]);
    char *again = scrape(dir);
    check_totals(again);
    CU_ASSERT_EQUAL(count_workers(dir), 0);
    char *third = scrape(dir);
    CU_ASSERT_STRING_EQUAL(again, third);
    free(again);
    free(third);
    lg_test_rmtree(dir);
}

/* Fills a fresh child-free directory's file with one counter per key until the file
 * is full: every update after that is lost and counted, the series already there
 * still count. */
static void test_file_full(void)
{
    char dir[PATH_MAX], labels[LG_METRICS_LABELS_MAX];
    lg_metrics *m = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK);
    const int tries = 12000; /* 12000 x ~150 bytes > 1 MiB */
    for (int i = 0; i < tries; i++) {
        snprintf(labels, sizeof labels,
                 "partner_id=\"partner_%06d\",endpoint=\"/partners/borrow/and/a/long/path\"", i);
        lg_metrics_count(m, "fill_total", labels, 1);
    }
    lg_metrics_count(m, "fill_total",
                     "partner_id=\"partner_000000\",endpoint=\"/partners/borrow/and/a/long/path\"",
                     1);
    char *text = scrape(dir);
    long long dropped = value_of(text, "lendgate_metrics_dropped_total");
    int kept = 0;
    for (const char *p = text; (p = strstr(p, "\nfill_total{")) != NULL; p++)
        kept++;
    CU_ASSERT(dropped > 0);
    CU_ASSERT(kept > 1000);
    CU_ASSERT_EQUAL(kept + dropped, tries);
    CU_ASSERT_EQUAL(value_of(text, "fill_total{partner_id=\"partner_000000\",endpoint=\"/partners/"
                                   "borrow/and/a/long/path\"}"),
                    2);
    free(text);
    lg_metrics_close(m);
    lg_test_rmtree(dir);
}

/* A minimal valid file image with one counter (version 1, little-endian host). */
static size_t image(unsigned char *b, size_t cap, uint64_t pid, uint64_t start, const char *key,
                    uint64_t v)
{
    size_t klen = strlen(key), rlen = 8 + ((klen + 7) & ~(size_t)7) + 8;
    memset(b, 0, cap);
    uint32_t version = 1, hlen = 64, r32 = (uint32_t)rlen;
    uint16_t kind = 1, k16 = (uint16_t)klen;
    uint64_t capacity = cap - 64, used = rlen;
    memcpy(b, "LGMETR01", 8);
    memcpy(b + 8, &version, 4);
    memcpy(b + 12, &hlen, 4);
    memcpy(b + 16, &capacity, 8);
    memcpy(b + 24, &used, 8);
    memcpy(b + 32, &pid, 8);
    memcpy(b + 40, &start, 8);
    memcpy(b + 64, &r32, 4);
    memcpy(b + 68, &kind, 2);
    memcpy(b + 70, &k16, 2);
    memcpy(b + 72, key, klen);
    memcpy(b + 64 + rlen - 8, &v, 8);
    return 64 + rlen;
}

static void write_file(const char *dir, const char *name, const unsigned char *b, size_t n)
{
    char path[PATH_MAX + 64];
    path_in(path, sizeof path, dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, b, n), (ssize_t)n);
    close(fd);
}

static void count_series(void *ctx, const char *key, size_t key_len, int kind,
                         const uint64_t *values, size_t nvalues)
{
    (void)key;
    (void)key_len;
    (void)kind;
    (void)values;
    (void)nvalues;
    ++*(int *)ctx;
}

/* The parser refuses what is not a version-1 file, keeping what came before a bad
 * record. */
static void test_parse(void)
{
    static unsigned char b[256];
    int n = 0;
    size_t len = image(b, sizeof b, 7, 9, "req_total{a=\"b\"}", 3);
    CU_ASSERT_EQUAL(lg_metrics_parse(b, sizeof b, count_series, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(lg_metrics_parse(b, len - 1, NULL, NULL), LG_ERR_INVALID); /* truncated */
    CU_ASSERT_EQUAL(lg_metrics_parse(b, 63, NULL, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_parse(NULL, 0, NULL, NULL), LG_ERR_INVALID);
    b[8] = 2; /* version */
    CU_ASSERT_EQUAL(lg_metrics_parse(b, sizeof b, NULL, NULL), LG_ERR_INVALID);
    image(b, sizeof b, 7, 9, "req total", 3); /* a key no scrape could print */
    CU_ASSERT_EQUAL(lg_metrics_parse(b, sizeof b, NULL, NULL), LG_ERR_INVALID);
    image(b, sizeof b, 7, 9, "req_total", 3);
    b[64] = 200; /* record length beyond used */
    CU_ASSERT_EQUAL(lg_metrics_parse(b, sizeof b, NULL, NULL), LG_ERR_INVALID);
    /* A good record, then a broken one: the good one was read. */
    image(b, sizeof b, 7, 9, "req_total", 3);
    uint64_t used = 32 + 8; /* the record, then 8 bytes of zeros */
    memcpy(b + 24, &used, 8);
    n = 0;
    CU_ASSERT_EQUAL(lg_metrics_parse(b, sizeof b, count_series, &n), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(n, 1);
}

/* The fuzz target's hand-written seeds: two good images and what the parser refuses. */
static void test_parse_seeds(void)
{
    static const struct {
        const char *name;
        lg_err rc;
        int records;
    } seeds[] = {
        {"worker", LG_OK, 4},
        {"archive", LG_OK, 3},
        {"empty", LG_OK, 0},
        {"wrong_version", LG_ERR_INVALID, 0},
        {"truncated", LG_ERR_INVALID, 0},
        {"bad_key", LG_ERR_INVALID, 0},
        {"dup_label", LG_ERR_INVALID, 0},
        {"hist_le", LG_ERR_INVALID, 0},
        {"used_past_capacity", LG_ERR_INVALID, 0},
    };
    static unsigned char b[1 << 16];
    char rel[128], path[PATH_MAX];
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        snprintf(rel, sizeof rel, "tests/fuzz/corpus/fuzz_metrics_parse/%s", seeds[i].name);
        int fd = open(lg_test_srcpath(path, sizeof path, rel), O_RDONLY);
        CU_ASSERT_FATAL(fd >= 0);
        ssize_t n = read(fd, b, sizeof b);
        close(fd);
        CU_ASSERT_FATAL(n > 0);
        int records = 0;
        CU_ASSERT_EQUAL(lg_metrics_parse(b, (size_t)n, count_series, &records), seeds[i].rc);
        CU_ASSERT_EQUAL(records, seeds[i].records);
    }
}

/* Broken, foreign, truncated and wrong-version files are skipped; this process's own
 * name held by a foreign file is taken back, and an own file found broken at open is
 * replaced while an intact one is kept. */
static void test_bad_files(void)
{
    char dir[PATH_MAX], me[64], gone[64], path[PATH_MAX + 64];
    static unsigned char b[4096];
    uint64_t word = 0;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(lg_proc_word(&word), LG_OK);
    uint64_t pid = word & ((UINT64_C(1) << LG_PROC_PID_BITS) - 1), start = word >> LG_PROC_PID_BITS;
    own_name(me, sizeof me, 0);
    own_name(gone, sizeof gone, 1); /* this pid with another start: ended */
    /* Under this (live) process's name: a file naming another process, then garbage. */
    write_file(dir, me, b, image(b, sizeof b, pid + 1, start, "req_total", 100));
    write_file(dir, "w-1-1.lgm", (const unsigned char *)"not a metrics file", 18);
    size_t n = image(b, sizeof b, pid, start + 1, "req_total", 1000);
    b[8] = 9; /* another version */
    write_file(dir, gone, b, n);
    write_file(dir, "w-0-5.lgm", b, image(b, sizeof b, 0, 5, "req_total", 10000)); /* no pid 0 */
    write_file(dir, "other.lgm", b, image(b, sizeof b, pid, start, "req_total", 100000));
    char *text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), -1);
    free(text);
    path_in(path, sizeof path, dir, "w-1-1.lgm"); /* an ended process's broken file */
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);

    lg_metrics *m = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK);
    lg_metrics_count(m, "req_total", "", 3);
    lg_metrics_close(m);
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK); /* intact: kept */
    lg_metrics_count(m, "req_total", "", 4);
    lg_metrics_close(m);
    text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), 7);
    free(text);
    path_in(path, sizeof path, dir, me);
    int fd = open(path, O_WRONLY);
    CU_ASSERT_EQUAL(pwrite(fd, "BROKEN!!", 8, 0), 8);
    close(fd);
    CU_ASSERT_EQUAL_FATAL(lg_metrics_open(dir, &m), LG_OK); /* broken: a new one */
    lg_metrics_count(m, "req_total", "", 5);
    text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), 5);
    CU_ASSERT_EQUAL(value_of(text, "lendgate_metrics_dropped_total"), 0);
    free(text);
    /* Truncated under the writer's feet is not something a worker file does, but a
     * short file of a live process must not stop the scrape either. */
    lg_metrics_close(m);
    CU_ASSERT_EQUAL(truncate(path, 100), 0);
    text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), -1);
    free(text);
    CU_ASSERT_EQUAL(lg_metrics_open(NULL, &m), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_open(dir, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_open("/proc/version/x", &m), LG_ERR_IO);
    lg_metrics_text t = {0};
    CU_ASSERT_EQUAL(lg_metrics_scrape(NULL, families, NFAM, &t), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_scrape(dir, families, NFAM, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_metrics_scrape("/nonexistent/metrics", families, NFAM, &t), LG_ERR_IO);
    free(t.data);
    lg_test_rmtree(dir);
}

/* An ended child's file holding 11 in req_total; its name goes to name. */
static void ended_child(const char *dir, uint64_t v, char *name, size_t len)
{
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        lg_metrics *m = NULL;
        if (lg_metrics_open(dir, &m) != LG_OK)
            _exit(1);
        lg_metrics_count(m, "req_total", "", v);
        lg_metrics_close(m);
        _exit(0);
    }
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    DIR *d = opendir(dir);
    struct dirent *e;
    name[0] = '\0';
    while (d && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "w-", 2) == 0)
            snprintf(name, len, "%s", e->d_name);
    if (d)
        closedir(d);
}

/* Series and absorbed names of an archive image. */
typedef struct {
    uint64_t req;
    int absorbed;
    char last_absorbed[NAME_MAX + 1];
} archive_seen;

static void archive_series(void *ctx, const char *key, size_t key_len, int kind,
                           const uint64_t *values, size_t nvalues)
{
    archive_seen *a = ctx;
    (void)nvalues;
    if (kind == 1 && key_len == 9 && memcmp(key, "req_total", 9) == 0)
        a->req += values[0];
    if (kind == 3) {
        a->absorbed++;
        snprintf(a->last_absorbed, sizeof a->last_absorbed, "%.*s", (int)key_len, key);
    }
}

static archive_seen read_archive(const char *dir)
{
    archive_seen a = {0};
    char path[PATH_MAX + 16];
    static unsigned char b[1 << 16];
    path_in(path, sizeof path, dir, "archive.lgm");
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0)
        close(fd);
    CU_ASSERT(n > 0);
    CU_ASSERT_EQUAL(lg_metrics_parse(b, n > 0 ? (size_t)n : 0, archive_series, &a), LG_OK);
    return a;
}

/* Kind-3 record: a file name and its boot tag, appended to an archive image. */
static size_t add_absorbed(unsigned char *b, size_t len, const char *name, uint64_t boot)
{
    size_t klen = strlen(name), rlen = 8 + ((klen + 7) & ~(size_t)7) + 8;
    uint32_t r32 = (uint32_t)rlen;
    uint16_t kind = 3, k16 = (uint16_t)klen;
    memset(b + len, 0, rlen);
    memcpy(b + len, &r32, 4);
    memcpy(b + len + 4, &kind, 2);
    memcpy(b + len + 6, &k16, 2);
    memcpy(b + len + 8, name, klen);
    memcpy(b + len + rlen - 8, &boot, 8);
    uint64_t used = len + rlen - 64;
    memcpy(b + 16, &used, 8);
    memcpy(b + 24, &used, 8);
    return len + rlen;
}

/* A fold that stopped after renaming the new archive over the old, before unlinking
 * the file it absorbed: the archive holds the file's series and names it, the file is
 * still there. The next scrape counts it once and removes it; a later fold drops the
 * name once the file is gone. */
static void test_fold_crash(void)
{
    char dir[PATH_MAX], name[NAME_MAX + 1], path[PATH_MAX + 64];
    static unsigned char b[512];
    uint64_t boot = 0;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    CU_ASSERT_EQUAL_FATAL(lg_proc_boot_tag(&boot), LG_OK);
    ended_child(dir, 11, name, sizeof name);
    CU_ASSERT_FATAL(name[0] != '\0');
    size_t n = image(b, sizeof b, 0, 0, "req_total", 11);
    n = add_absorbed(b, n, name, boot);
    write_file(dir, "archive.lgm", b, n);
    char *text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), 11);
    free(text);
    path_in(path, sizeof path, dir, name);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    CU_ASSERT_EQUAL(read_archive(dir).absorbed, 1); /* no fold yet: the list stays */

    /* A leftover temporary archive of a crash before the rename is garbage. */
    write_file(dir, ".archive.abc123", b, 10);
    char second[NAME_MAX + 1];
    ended_child(dir, 5, second, sizeof second);
    text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), 16);
    free(text);
    archive_seen a = read_archive(dir);
    CU_ASSERT_EQUAL(a.req, 16);
    CU_ASSERT_EQUAL(a.absorbed, 1); /* the gone name dropped, the new one in */
    CU_ASSERT_STRING_EQUAL(a.last_absorbed, second);
    path_in(path, sizeof path, dir, ".archive.abc123");
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    CU_ASSERT_EQUAL(count_workers(dir), 0);
    text = scrape(dir);
    CU_ASSERT_EQUAL(value_of(text, "req_total"), 16);
    free(text);
    lg_test_rmtree(dir);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"counters and histograms in one process", test_one_process},
        {"text format: families, buckets, undeclared, promtool", test_text_format},
        {"label escaping", test_label},
        {"keys a scrape could not print are dropped", test_bad_keys},
        {"exact sums across forked processes, fold of ended ones", test_forked_processes},
        {"a full file counts what it drops", test_file_full},
        {"parser: version, bounds, keys", test_parse},
        {"parser: the fuzz target's seeds", test_parse_seeds},
        {"broken, foreign and truncated files are skipped", test_bad_files},
        {"a fold cut short after the rename counts nothing twice", test_fold_crash},
        {NULL, NULL},
    };
    lg_test_add_suite("metrics", NULL, NULL, tests);
    return lg_test_run("test_metrics");
}
