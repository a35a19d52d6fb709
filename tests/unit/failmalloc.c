/* failmalloc.c - the wrapped allocator, SQLite's failing allocator and the driver of
 * allocation-failure runs (failmalloc.h). */
#include "config.h"

#include "failmalloc.h"

#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Runs per source and way of failing: an operation with at most that many
 * allocations has each of them failed; one with more has each of its first half
 * failed, then every m-th and the last, m chosen so that it gets about that many
 * runs. LG_ALLOC_FAIL_RUNS=N sets another number, LG_ALLOC_FAIL_RUNS=all fails every
 * allocation (opening and migrating a new database makes some 37000: half an hour
 * under ASan). */
#define DEFAULT_RUNS 300

/* Failures printed per operation; the rest are only counted. */
#define MAX_SHOWN 8

/* Blocks live at once while an operation runs, at most. */
#define LIVE_MAX 65536

/* ------------------------------------------------------------ counting */

static struct {
    int armed;                        /* count (and maybe fail) allocations */
    int paused;                       /* armed, but the operation checks its results */
    int source;                       /* the source that fails */
    unsigned long fail_at;            /* its allocation to fail, 1-based; 0 = none */
    int sticky;                       /* and every one after it too */
    int fired;                        /* that allocation was failed */
    unsigned long calls[AF__SOURCES]; /* allocations seen while armed */
    int tracking;                     /* record lendgate's live blocks */
    void *live[LIVE_MAX];             /* lendgate's blocks not yet freed */
    size_t nlive;
    int overflow; /* more than LIVE_MAX at once */
} fm;

/* 1 when this allocation from source must fail. */
static int fail_now(int source)
{
    if (!fm.armed || fm.paused)
        return 0;
    unsigned long n = ++fm.calls[source];
    if (source != fm.source || !fm.fail_at || n < fm.fail_at || (n > fm.fail_at && !fm.sticky))
        return 0;
    fm.fired = 1;
    return 1;
}

static void live_add(void *p)
{
    if (!fm.tracking || !p)
        return;
    if (fm.nlive == LIVE_MAX) {
        fm.overflow = 1;
        return;
    }
    fm.live[fm.nlive++] = p;
}

/* Forgets p; 1 when it was recorded. Blocks are mostly freed newest first. */
static int live_del(void *p)
{
    for (size_t i = fm.nlive; p && i-- > 0;) {
        if (fm.live[i] == p) {
            fm.live[i] = fm.live[--fm.nlive];
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the wrapped calls */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void __real_free(void *p);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void __wrap_free(void *p);

void *__wrap_malloc(size_t n)
{
    if (fail_now(AF_LG))
        return NULL;
    void *p = __real_malloc(n);
    live_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (fail_now(AF_LG))
        return NULL;
    void *p = __real_calloc(n, size);
    live_add(p);
    return p;
}

/* A block from before the tracking began stays untracked when it moves. */
void *__wrap_realloc(void *p, size_t n)
{
    if (fail_now(AF_LG))
        return NULL;
    void *q = __real_realloc(p, n);
    if (q && (live_del(p) || !p))
        live_add(q);
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (fail_now(AF_LG))
        return NULL;
    char *p = __real_strdup(s);
    live_add(p);
    return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
    if (fail_now(AF_LG))
        return NULL;
    char *p = __real_strndup(s, n);
    live_add(p);
    return p;
}

void __wrap_free(void *p)
{
    live_del(p);
    __real_free(p);
}

/* ------------------------------------------------------------ SQLite */

static sqlite3_mem_methods sq_real;

static void *sq_malloc(int n)
{
    return fail_now(AF_SQLITE) ? NULL : sq_real.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
    return fail_now(AF_SQLITE) ? NULL : sq_real.xRealloc(p, n);
}

int af_init(void)
{
    static sqlite3_mem_methods failing;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sq_real) != SQLITE_OK)
        return -1;
    failing = sq_real;
    failing.xMalloc = sq_malloc;
    failing.xRealloc = sq_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &failing) != SQLITE_OK)
        return -1;
    return sqlite3_initialize() == SQLITE_OK ? 0 : -1;
}

void af_pause(void)
{
    fm.paused = 1;
}

void af_resume(void)
{
    fm.paused = 0;
}

/* ------------------------------------------------------------ messages */

static char cur_where[160];
static unsigned shown;

void af_check(int ok, const char *file, unsigned line, const char *fmt, ...)
{
    if (ok) {
        CU_assertImplementation(CU_TRUE, line, "ok", file, "", CU_FALSE);
        return;
    }
    char msg[768];
    int len = snprintf(msg, sizeof msg, "[%s] ", cur_where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + len, sizeof msg - (size_t)len, fmt, ap);
    va_end(ap);
    if (shown++ < MAX_SHOWN)
        fprintf(stderr, "\n  FAIL %s:%u: %s\n", file, line, msg);
    CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
}

/* ------------------------------------------------------------ the driver */

typedef struct run_result {
    lg_err rc;
    int planned; /* an allocation was to fail */
    int fired;   /* and it did */
    size_t live;
} run_result;

/* One run of op with allocation fail_at of source failing (0: none), and when sticky
 * every later one of that source too. */
static run_result one_run(const af_op *op, int source, unsigned long fail_at, int sticky)
{
    run_result r = {LG_OK, fail_at != 0, 0, 0};
    fm.tracking = 1;
    if (op->before)
        op->before(op->ctx);
    memset(fm.calls, 0, sizeof fm.calls);
    fm.source = source;
    fm.fail_at = fail_at;
    fm.sticky = sticky;
    fm.fired = 0;
    fm.armed = 1;
    r.rc = op->run(op->ctx);
    fm.armed = 0;
    fm.paused = 0;
    r.fired = fm.fired;
    if (op->after)
        op->after(op->ctx, r.rc, r.fired);
    fm.tracking = 0;
    r.live = fm.nlive;
    fm.nlive = 0;
    return r;
}

typedef struct tally {
    unsigned long runs, nomem, other, absorbed, unfired;
} tally;

static int allowed(const af_op *op, int source, lg_err rc)
{
    return rc == op->normal || rc == LG_ERR_NOMEM || (source == AF_SQLITE && rc == LG_ERR_STORE);
}

static void judge(const af_op *op, int source, const run_result *r, tally *t)
{
    t->runs++;
    af_check(r->live == 0 && !fm.overflow, __FILE__, __LINE__,
             "%zu block(s) allocated by lendgate still live after the run", r->live);
    fm.overflow = 0;
    if (!r->fired) {
        t->unfired += (unsigned long)r->planned;
        af_check(r->rc == op->normal, __FILE__, __LINE__,
                 "no allocation failed, yet it returned %s instead of %s", lg_errname(r->rc),
                 lg_errname(op->normal));
        return;
    }
    if (r->rc == op->normal)
        t->absorbed++;
    else if (r->rc == LG_ERR_NOMEM)
        t->nomem++;
    else
        t->other++;
    af_check(allowed(op, source, r->rc), __FILE__, __LINE__,
             "an allocation failed and it returned %s (normal: %s)", lg_errname(r->rc),
             lg_errname(op->normal));
}

/* The runs wanted per source and way of failing; 0 for every allocation. */
static unsigned long runs_wanted(void)
{
    const char *v = getenv("LG_ALLOC_FAIL_RUNS");
    char *end = NULL;
    if (!v || !*v)
        return DEFAULT_RUNS;
    if (strcmp(v, "all") == 0)
        return 0;
    unsigned long n = strtoul(v, &end, 10);
    return *end == '\0' && n >= 2 ? n : DEFAULT_RUNS;
}

static void fail_each(const af_op *op, int source, int sticky, unsigned long n, tally *t)
{
    static const char *const names[AF__SOURCES] = {"lendgate", "sqlite"};
    unsigned long want = runs_wanted(), first = want / 2, m = 1;
    if (want && n > want)
        m = (n - first + (want - first) - 1) / (want - first);
    for (unsigned long i = 1; i <= n;) {
        snprintf(cur_where, sizeof cur_where, "%s, %s allocation %lu of %lu%s", op->name,
                 names[source], i, n, sticky ? " and every later one" : "");
        run_result r = one_run(op, source, i, sticky);
        judge(op, source, &r, t);
        if (i < first || m == 1 || i == n)
            i++;
        else
            i = i + m < n ? i + m : n;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each source fails in two ways: the i-th allocation only (the code goes on after a
 * failure it recovered from), and every allocation from the i-th on (as nghttp2's
 * failmalloc does it: the clean-up itself runs short of memory). */
void af_drive(const af_op *op)
{
    double t0 = now_s();
    tally t = {0};
    shown = 0;
    snprintf(cur_where, sizeof cur_where, "%s, counting run", op->name);
    run_result r = one_run(op, AF_LG, 0, 0);
    judge(op, AF_LG, &r, &t);
    unsigned long n[AF__SOURCES] = {fm.calls[AF_LG], fm.calls[AF_SQLITE]};
    for (int s = 0; s < AF__SOURCES; s++) {
        fail_each(op, s, 0, n[s], &t);
        fail_each(op, s, 1, n[s], &t);
    }
    snprintf(cur_where, sizeof cur_where, "%s, normal run after the failures", op->name);
    r = one_run(op, AF_LG, 0, 0);
    judge(op, AF_LG, &r, &t);
    printf("alloc-fail: %-36s lendgate %3lu  sqlite %5lu  runs %4lu: nomem %4lu, other error "
           "%lu, absorbed %3lu, not reached %lu  (%.2f s)\n",
           op->name, n[AF_LG], n[AF_SQLITE], t.runs, t.nomem, t.other, t.absorbed, t.unfired,
           now_s() - t0);
    fflush(stdout);
}
