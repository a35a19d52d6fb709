/* test_chaincap.c - the host's cap on requests waiting on the chain node: slots taken
 * and given back, a full table refused, a dead holder's slot taken over, and several
 * processes racing never holding more slots than there are. */
#include "config.h"

#include "harness.h"

#include <lendgate/chaincap.h>
#include <lendgate/proc.h>
#include <lendgate/shm.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512], path[600];

static int suite_init(void)
{
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s", dir, LG_CHAINCAP_FILE);
    return 0;
}

static int suite_clean(void)
{
    lg_test_rmtree(dir);
    return 0;
}

static void test_take_and_give_back(void)
{
    lg_chaincap *c = NULL;
    uint32_t a, b, x;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_chaincap_open(path, 2, &c), LG_OK);
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &a), 1);
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &b), 1);
    CU_ASSERT_NOT_EQUAL(a, b);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 2);
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &x), 0); /* full: 503 */
    lg_chaincap_leave(c, a);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 1);
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &x), 1);
    CU_ASSERT_EQUAL(x, a);
    lg_chaincap_leave(c, x);
    lg_chaincap_leave(c, b);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 0);
    lg_chaincap_close(c);
    CU_ASSERT_EQUAL(lg_chaincap_open(path, 0, &c), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_chaincap_open(path, 1025, &c), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_chaincap_open(NULL, 2, &c), LG_ERR_INVALID);
}

/* A responder killed while it waited on the chain leaves its slot held; the next
 * request that finds the table full takes it over. */
static void test_dead_holder(void)
{
    lg_chaincap *c = NULL;
    uint32_t s;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_chaincap_open(path, 1, &c), LG_OK);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        lg_chaincap *mine = NULL;
        uint32_t slot;
        _exit(lg_chaincap_open(path, 1, &mine) == LG_OK && lg_chaincap_enter(mine, &slot) ? 0 : 1);
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 1); /* the dead child's */
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &s), 1);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 1);
    lg_chaincap_leave(c, s);
    lg_chaincap_close(c);
}

/* A slot whose holder's pid now names another process (a pid recycled after the
 * holder died, as after a reboot or a long uptime) is free: the slot records the
 * holder's start time too. */
static void test_recycled_pid(void)
{
    lg_chaincap *c = NULL;
    uint32_t s;
    uint64_t me = 0;
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_chaincap_open(path, 1, &c), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_proc_word(&me), LG_OK);
    CU_ASSERT_EQUAL(lg_proc_word_state(me), LG_OWNER_ALIVE);
    /* Our own pid, started one tick later: a process that no longer exists. */
    uint64_t other = me + (UINT64_C(1) << LG_PROC_PID_BITS);
    CU_ASSERT_EQUAL(lg_proc_word_state(other), LG_OWNER_GONE);
    int fd = open(path, O_WRONLY);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(pwrite(fd, &other, sizeof other, LG_SHM_HEADER_LEN), (ssize_t)sizeof other);
    close(fd);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 1);
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &s), 1);
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &s), 0); /* now ours, and we are alive */
    lg_chaincap_leave(c, s);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), 0);
    lg_chaincap_close(c);
}

#define RACERS 8
#define CAP    3

/* 8 processes take a slot each at once and hold it: exactly CAP get one. */
static void test_race(void)
{
    lg_chaincap *c = NULL;
    int go[2], done[2], hold[2];
    pid_t pids[RACERS];
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(lg_chaincap_open(path, CAP, &c), LG_OK);
    CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(done), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(hold), 0);
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            lg_chaincap *mine = NULL;
            uint32_t slot;
            char b;
            close(go[1]);
            close(done[0]);
            close(hold[1]);
            if (lg_chaincap_open(path, CAP, &mine) != LG_OK || read(go[0], &b, 1) != 1)
                _exit(2);
            b = (char)('0' + lg_chaincap_enter(mine, &slot));
            if (write(done[1], &b, 1) != 1)
                _exit(2);
            (void)read(hold[0], &b, 1); /* hold the slot until the parent closes hold */
            _exit(0);
        }
    }
    close(go[0]);
    close(done[1]);
    close(hold[0]);
    char start[RACERS];
    memset(start, 'g', sizeof start);
    CU_ASSERT_EQUAL(write(go[1], start, RACERS), RACERS);
    int taken = 0;
    for (int i = 0; i < RACERS; i++) {
        char b = 0;
        CU_ASSERT_EQUAL(read(done[0], &b, 1), 1);
        taken += b == '1';
    }
    CU_ASSERT_EQUAL(taken, CAP);
    CU_ASSERT_EQUAL(lg_chaincap_held(c), CAP);
    close(go[1]);
    close(hold[1]); /* everybody lets go by ending */
    for (int i = 0; i < RACERS; i++)
        waitpid(pids[i], NULL, 0);
    close(done[0]);
    uint32_t s;
    CU_ASSERT_EQUAL(lg_chaincap_enter(c, &s), 1); /* the dead racers' slots are free again */
    lg_chaincap_close(c);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"slots taken, refused when full, given back", test_take_and_give_back},
        {"a dead holder's slot is taken over", test_dead_holder},
        {"a recycled pid does not hold a slot", test_recycled_pid},
        {"8 processes racing for 3 slots", test_race},
        {NULL, NULL},
    };
    lg_test_add_suite("chaincap", suite_init, suite_clean, tests);
    return lg_test_run("test_chaincap");
}
