/*
 * harness.h - shared scaffolding for the CUnit test programs.
 *
 * Each tests/unit/test_<module>.c has its own main(): it initializes the CUnit
 * registry, adds its suites and returns lg_test_run(). The run prints CUnit's own
 * summary and one machine-readable line that contrib/test.sh adds up:
 *   LG-RESULT <program> passed=N failed=N skipped=0 suites=N asserts_failed=N
 */
#ifndef LENDGATE_TEST_HARNESS_H
#define LENDGATE_TEST_HARNESS_H

#include <stddef.h>
#include <CUnit/CUnit.h>

/* Runs every registered suite in verbose mode, prints the summaries, cleans the
 * registry up. Returns 0 when every test passed, 1 otherwise (for main's return). */
int lg_test_run(const char *program);

/* Adds a suite with its tests, aborting the program with a message when CUnit
 * cannot (a harness failure, not a test failure). tests ends with {NULL, NULL}. */
typedef struct {
    const char *name;
    CU_TestFunc fn;
} lg_test_case;
void lg_test_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
                       const lg_test_case *tests);

/* Creates a fresh private directory for one test (mode 0700) under $TMPDIR or /tmp
 * and writes its path into buf. Returns 0, or -1 when it cannot. */
int lg_test_mkdtemp(char *buf, size_t len);

/* Removes a directory tree made by lg_test_mkdtemp. Missing is fine. */
void lg_test_rmtree(const char *path);

/* Writes the path of a file under the source tree (LG_TOP_SRCDIR, or "." when
 * unset) into buf: lg_test_srcpath(buf, sizeof buf, "sql"). Returns buf. */
char *lg_test_srcpath(char *buf, size_t len, const char *rel);

#endif
