/* test_proc.c - lg_proc_harden leaves no way to a core file. */
#include "config.h"

#include "harness.h"

#include <lendgate/proc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_harden(void)
{
    struct rlimit before;
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_CORE, &before), 0);
    CU_ASSERT_EQUAL(lg_proc_harden(), LG_OK);
    struct rlimit after;
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_CORE, &after), 0);
    CU_ASSERT_EQUAL(after.rlim_cur, 0);
    CU_ASSERT_EQUAL(after.rlim_max, 0);
    CU_ASSERT_EQUAL(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    /* Idempotent: a second call (a reloaded worker) still succeeds. */
    CU_ASSERT_EQUAL(lg_proc_harden(), LG_OK);
}

/* A lease's owner: this process is alive; a child is alive while it runs, gone as a
 * zombie and once reaped; a name from another boot, or garbage, is unknown. */
static void test_owner(void)
{
    char me[LG_OWNER_LEN], child[LG_OWNER_LEN], other[LG_OWNER_LEN];
    int pipefd[2];
    CU_ASSERT_EQUAL_FATAL(lg_proc_owner(me), LG_OK);
    CU_ASSERT_EQUAL(me[36], '/');
    CU_ASSERT_EQUAL(lg_proc_owner_state(me), LG_OWNER_ALIVE);
    /* The start time (field 22, clock ticks after boot) is what tells a reused pid
     * apart; field 21 next to it is always 0. */
    const char *start_text = strrchr(me, '/') + 1;
    unsigned long long start = strtoull(start_text, NULL, 10);
    CU_ASSERT(start > 0);
    char reused[LG_OWNER_LEN + 8];
    snprintf(reused, sizeof reused, "%.*s%llu", (int)(start_text - me), me, start + 1);
    CU_ASSERT_EQUAL(lg_proc_owner_state(reused), LG_OWNER_GONE);
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        char name[LG_OWNER_LEN] = "";
        lg_proc_owner(name);
        if (write(pipefd[1], name, sizeof name) != (ssize_t)sizeof name)
            _exit(1);
        pause(); /* until the parent ends it */
        _exit(0);
    }
    close(pipefd[1]);
    CU_ASSERT_EQUAL(read(pipefd[0], child, sizeof child), (ssize_t)sizeof child);
    close(pipefd[0]);
    CU_ASSERT_EQUAL(lg_proc_owner_state(child), LG_OWNER_ALIVE);
    kill(pid, SIGKILL);
    /* A zombie until reaped: wait for the kernel to have ended it, then look. */
    siginfo_t info;
    CU_ASSERT_EQUAL(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
    CU_ASSERT_EQUAL(lg_proc_owner_state(child), LG_OWNER_GONE);
    CU_ASSERT_EQUAL(waitpid(pid, NULL, 0), pid);
    CU_ASSERT_EQUAL(lg_proc_owner_state(child), LG_OWNER_GONE);
    /* Another boot (another host): never judged from here. */
    snprintf(other, sizeof other, "%s", me);
    other[0] = other[0] == 'f' ? '0' : 'f';
    CU_ASSERT_EQUAL(lg_proc_owner_state(other), LG_OWNER_UNKNOWN);
    CU_ASSERT_EQUAL(lg_proc_owner_state(""), LG_OWNER_UNKNOWN);
    CU_ASSERT_EQUAL(lg_proc_owner_state(NULL), LG_OWNER_UNKNOWN);
    CU_ASSERT_EQUAL(lg_proc_owner_state("not an owner name at all, but long enough!!"),
                    LG_OWNER_UNKNOWN);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"core dumps off, not dumpable", test_harden},
        {"lease owners: alive, gone, unknown", test_owner},
        {NULL, NULL},
    };
    lg_test_add_suite("proc", NULL, NULL, tests);
    return lg_test_run("test_proc");
}
