/* test_proc.c - lg_proc_harden leaves no way to a core file. */
#include "config.h"

#include "harness.h"

#include <lendgate/proc.h>

#include <sys/prctl.h>
#include <sys/resource.h>

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

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"core dumps off, not dumpable", test_harden},
        {NULL, NULL},
    };
    lg_test_add_suite("proc", NULL, NULL, tests);
    return lg_test_run("test_proc");
}
