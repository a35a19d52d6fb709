/* test_replay.c - the shared replay cache: once within the window, again after it, seen
 * from other processes, refusal when full, exactly one winner under a race, persistence. */
#include "config.h"

#include "harness.h"

#include <lendgate/replay.h>

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0     INT64_C(1795000000000)
#define WINDOW LG_REPLAY_DEFAULT_WINDOW_MS

static char dir[PATH_MAX];
static char path[PATH_MAX + 32];

static int suite_init(void)
{
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/%s", dir, LG_REPLAY_FILE);
    return 0;
}

static int suite_clean(void)
{
    lg_test_rmtree(dir);
    return 0;
}

static lg_replay *fresh(uint32_t slots)
{
    lg_replay *rc = NULL;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_replay_open(path, slots, WINDOW, &rc), LG_OK);
    return rc;
}

/* Digests that share no prefix pattern with each other: n spread over all 32 bytes. */
static void digest_of(unsigned char d[LG_REPLAY_DIGEST_LEN], uint32_t n)
{
    uint64_t x = n * UINT64_C(0x9e3779b97f4a7c15) + 1;
    for (int i = 0; i < LG_REPLAY_DIGEST_LEN; i++) {
        x ^= x >> 29;
        x *= UINT64_C(0xbf58476d1ce4e5b9);
        d[i] = (unsigned char)(x >> 56);
    }
}

static void test_bad_arguments(void)
{
    lg_replay *rc = NULL;
    unsigned char d[LG_REPLAY_DIGEST_LEN] = {0};
    CU_ASSERT_EQUAL(lg_replay_open(NULL, 64, WINDOW, &rc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_open(path, 64, WINDOW, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_open(path, LG_REPLAY_MIN_SLOTS - 1, WINDOW, &rc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_open(path, LG_REPLAY_MAX_SLOTS + 1, WINDOW, &rc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_open(path, 64, 0, &rc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_open(path, 64, INT64_C(86400001), &rc), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(rc);
    lg_replay_close(NULL);
    rc = fresh(64);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(NULL, d, T0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, NULL, T0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, -1), LG_ERR_INVALID);
    /* An all-zero digest and time 0 are ordinary values, not "empty". */
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, 0), LG_OK);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, 1), LG_ERR_DUPLICATE);
    lg_replay_close(rc);
}

/* Runs one check in a child process with its own handle; returns the child's lg_err. */
static int check_in_child(const unsigned char *d, int64_t now)
{
    pid_t pid = fork();
    if (pid == 0) {
        lg_replay *rc = NULL;
        if (lg_replay_open(path, 1024, WINDOW, &rc) != LG_OK)
            _exit(100);
        lg_err e = lg_replay_check_and_insert(rc, d, now);
        lg_replay_close(rc);
        _exit((int)e);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void test_window(void)
{
    lg_replay *rc = fresh(1024);
    unsigned char a[LG_REPLAY_DIGEST_LEN], b[LG_REPLAY_DIGEST_LEN];
    digest_of(a, 1);
    digest_of(b, 2);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, a, T0), LG_OK);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, a, T0), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(check_in_child(a, T0 + 5), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, b, T0 + 5), LG_OK);
    CU_ASSERT_EQUAL(check_in_child(b, T0 + 6), LG_ERR_DUPLICATE);
    /* A worker whose clock is a little behind still sees the entry. */
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, a, T0 - 2000), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, a, T0 + WINDOW - 1), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(check_in_child(a, T0 + WINDOW), LG_OK);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, a, T0 + WINDOW + 1), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, b, T0 + WINDOW + 1), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, b, T0 + WINDOW + 5), LG_OK);
    lg_replay_close(rc);
}

/* With 64 slots every digest probes the whole table: the 65th live digest cannot be
 * recorded and must be refused, never admitted unrecorded. */
static void test_full_refuses(void)
{
    lg_replay *rc = fresh(64);
    unsigned char d[LG_REPLAY_DIGEST_LEN];
    for (uint32_t i = 0; i < 64; i++) {
        digest_of(d, 1000 + i);
        CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + i), LG_OK);
    }
    digest_of(d, 5000);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + 100), LG_ERR_BUSY);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + 101), LG_ERR_BUSY);
    /* Replays are still recognised while full. */
    digest_of(d, 1000 + 63);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + 102), LG_ERR_DUPLICATE);
    /* The first entry expires first and frees exactly one slot. */
    digest_of(d, 5000);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + WINDOW), LG_OK);
    digest_of(d, 5001);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + WINDOW), LG_ERR_BUSY);
    digest_of(d, 1000 + 1);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + WINDOW), LG_ERR_DUPLICATE);
    lg_replay_close(rc);
}

static void test_reopen_and_layout(void)
{
    lg_replay *rc = fresh(1024);
    unsigned char d[LG_REPLAY_DIGEST_LEN];
    digest_of(d, 77);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0), LG_OK);
    lg_replay_close(rc);
    CU_ASSERT_EQUAL_FATAL(lg_replay_open(path, 1024, WINDOW, &rc), LG_OK);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + 1), LG_ERR_DUPLICATE);
    lg_replay_close(rc);
    /* Another window is another layout: every worker must agree on it, so it starts over. */
    CU_ASSERT_EQUAL_FATAL(lg_replay_open(path, 1024, WINDOW / 2, &rc), LG_OK);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + 2), LG_OK);
    lg_replay_close(rc);
    /* A file of something else entirely. */
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("[store]\nstate_dir=/tmp\n", f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(lg_replay_open(path, 1024, WINDOW, &rc), LG_OK);
    CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + 3), LG_OK);
    lg_replay_close(rc);
}

/* 8 processes submit the same 400 digests at the same moments: each digest must be
 * admitted exactly once in total. */
#define RACE_PROCS 8
#define RACE_N     400
typedef struct {
    atomic_int ready;
    atomic_int admitted[RACE_N];
    atomic_int errors;
} race_shared;

static void race_worker(race_shared *sh, int me)
{
    lg_replay *rc = NULL;
    unsigned char d[LG_REPLAY_DIGEST_LEN];
    if (lg_replay_open(path, 4096, WINDOW, &rc) != LG_OK)
        _exit(2);
    atomic_fetch_add(&sh->ready, 1);
    while (atomic_load(&sh->ready) < RACE_PROCS)
        ;
    for (int i = 0; i < RACE_N; i++) {
        digest_of(d, (uint32_t)i);
        lg_err e = lg_replay_check_and_insert(rc, d, T0 + i + me % 2);
        if (e == LG_OK)
            atomic_fetch_add(&sh->admitted[i], 1);
        else if (e != LG_ERR_DUPLICATE)
            atomic_fetch_add(&sh->errors, 1);
    }
    lg_replay_close(rc);
    _exit(0);
}

static void test_race_one_winner(void)
{
    race_shared *sh =
        mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(sh != MAP_FAILED);
    unlink(path);
    pid_t pids[RACE_PROCS];
    for (int i = 0; i < RACE_PROCS; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0)
            race_worker(sh, i);
    }
    for (int i = 0; i < RACE_PROCS; i++) {
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pids[i], &status, 0), pids[i]);
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    int wrong = 0;
    for (int i = 0; i < RACE_N; i++)
        wrong += atomic_load(&sh->admitted[i]) != 1;
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(atomic_load(&sh->errors), 0);
    munmap(sh, sizeof *sh);
}

/* The harder race: workers whose clocks differ see different slots as expired and so
 * pick different free slots for the same digest. A full 64-slot table of entries that
 * expire one per ms makes the two clocks choose differently; each round must still
 * admit the digest exactly once. */
#define SKEW_ROUNDS 25
#define SKEW_WINDOW INT64_C(1000)

static void skew_worker(race_shared *sh, int round, int me)
{
    lg_replay *rc = NULL;
    unsigned char d[LG_REPLAY_DIGEST_LEN];
    if (lg_replay_open(path, 64, SKEW_WINDOW, &rc) != LG_OK)
        _exit(2);
    digest_of(d, 90000 + (uint32_t)round);
    atomic_fetch_add(&sh->ready, 1);
    while (atomic_load(&sh->ready) < RACE_PROCS)
        ;
    lg_err e = lg_replay_check_and_insert(rc, d, T0 + SKEW_WINDOW + (me % 2 ? 40 : 10));
    if (e == LG_OK)
        atomic_fetch_add(&sh->admitted[round], 1);
    else if (e != LG_ERR_DUPLICATE)
        atomic_fetch_add(&sh->errors, 1);
    lg_replay_close(rc);
    _exit(0);
}

static void skew_round(race_shared *sh, int round)
{
    lg_replay *rc = NULL;
    unsigned char d[LG_REPLAY_DIGEST_LEN];
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_replay_open(path, 64, SKEW_WINDOW, &rc), LG_OK);
    for (uint32_t j = 0; j < 64; j++) {
        digest_of(d, 100000 + (uint32_t)round * 64 + j);
        CU_ASSERT_EQUAL(lg_replay_check_and_insert(rc, d, T0 + j), LG_OK);
    }
    lg_replay_close(rc);
    atomic_store(&sh->ready, 0);
    pid_t pids[RACE_PROCS];
    for (int i = 0; i < RACE_PROCS; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0)
            skew_worker(sh, round, i);
    }
    for (int i = 0; i < RACE_PROCS; i++) {
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pids[i], &status, 0), pids[i]);
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

static void test_race_skewed_clocks(void)
{
    race_shared *sh =
        mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(sh != MAP_FAILED);
    int wrong = 0;
    for (int round = 0; round < SKEW_ROUNDS; round++) {
        skew_round(sh, round);
        wrong += atomic_load(&sh->admitted[round]) != 1;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(atomic_load(&sh->errors), 0);
    munmap(sh, sizeof *sh);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"bad arguments", test_bad_arguments},
        {"once per window, across processes", test_window},
        {"full table refuses with LG_ERR_BUSY", test_full_refuses},
        {"reopen keeps entries, new layout starts over", test_reopen_and_layout},
        {"8 racing processes admit each digest once", test_race_one_winner},
        {"racing processes with skewed clocks admit once", test_race_skewed_clocks},
        {NULL, NULL},
    };
    lg_test_add_suite("replay", suite_init, suite_clean, tests);
    return lg_test_run("test_replay");
}
