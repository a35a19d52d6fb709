/* alloc_fail_store.h - the store's allocation-failure runs (test_alloc_fail.c). */
#ifndef LENDGATE_TEST_ALLOC_FAIL_STORE_H
#define LENDGATE_TEST_ALLOC_FAIL_STORE_H

/* Adds the suite: open and migrate, onboarding, reservations, loan lists, API logs and
 * chain transactions of the SQLite store, each run on a handle of its own. */
void lg_alloc_fail_store_suite(void);

#endif
