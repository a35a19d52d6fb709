/* harness.c - CUnit runner and temporary-directory helpers for the unit tests. */
#include "config.h"

#include "harness.h"

#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lg_test_run(const char *program)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    CU_pRunSummary s = CU_get_run_summary();
    unsigned failed = CU_get_number_of_tests_failed();
    printf("LG-RESULT %s passed=%u failed=%u skipped=0 suites=%u asserts_failed=%u\n", program,
           s->nTestsRun - failed, failed, s->nSuitesRun, s->nAssertsFailed);
    int bad = failed != 0 || s->nSuitesFailed != 0 || CU_get_error() != CUE_SUCCESS;
    CU_cleanup_registry();
    return bad ? 1 : 0;
}

void lg_test_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
                       const lg_test_case *tests)
{
    CU_pSuite suite = CU_add_suite(name, init, clean);
    if (!suite) {
        fprintf(stderr, "harness: cannot add suite '%s': %s\n", name, CU_get_error_msg());
        exit(99);
    }
    for (const lg_test_case *t = tests; t->name; t++) {
        if (!CU_add_test(suite, t->name, t->fn)) {
            fprintf(stderr, "harness: cannot add test '%s': %s\n", t->name, CU_get_error_msg());
            exit(99);
        }
    }
}

int lg_test_mkdtemp(char *buf, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    int n = snprintf(buf, len, "%s/lgtest.XXXXXX", tmp);
    if (n < 0 || (size_t)n >= len)
        return -1;
    return mkdtemp(buf) ? 0 : -1;
}

void lg_test_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[4096];
        int n = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof child)
            continue;
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            lg_test_rmtree(child);
        else
            unlink(child);
    }
    closedir(d);
    rmdir(path);
}

char *lg_test_srcpath(char *buf, size_t len, const char *rel)
{
    const char *top = getenv("LG_TOP_SRCDIR");
    snprintf(buf, len, "%s/%s", top && *top ? top : ".", rel);
    return buf;
}
