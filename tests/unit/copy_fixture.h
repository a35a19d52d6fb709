/*
 * copy_fixture.h - a store filled through its ordinary operations with a row in every
 * table a store copy moves (store_copy.h), for the copy tests of each target backend.
 */
#ifndef LENDGATE_TEST_COPY_FIXTURE_H
#define LENDGATE_TEST_COPY_FIXTURE_H

#include <lendgate/store.h>

/* The partners lg_test_copy_fill makes ("<id>.sandbox" is the first one's twin). */
#define LG_TEST_COPY_PARTNER_A "partner_cpa_001"
#define LG_TEST_COPY_PARTNER_B "partner_cpb_001"

/* The guards' times are fixed, not the clock's, so the counters are known. */
#define LG_TEST_COPY_GUARD_MS         INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define LG_TEST_COPY_RATE_WINDOW_MS   INT64_C(60000)
#define LG_TEST_COPY_REPLAY_WINDOW_MS INT64_C(300000)
#define LG_TEST_COPY_RATE_KEY         "partner:" LG_TEST_COPY_PARTNER_A

/*
 * Fills st (migrated, empty): two partners (one with a sandbox twin, keys rotated, an
 * admin change with its audit row), loans ACTIVE, REPAID, FAILED, PENDING, DEFAULTED
 * and LIQUIDATED with their positions (live and sandbox), repayments APPLIED, FAILED
 * and PENDING, deposits, chain transactions, nonces, webhook events with delivery
 * attempts, API logs (appended and ingested from a journal), a job lease, a chain
 * cursor, and the cluster guards' state: rate counters of two keys (LG_TEST_COPY_RATE_KEY
 * counted 3 times in the window of LG_TEST_COPY_GUARD_MS - LG_TEST_COPY_RATE_WINDOW_MS,
 * then 2 in the window of LG_TEST_COPY_GUARD_MS) and three replay digests (the i-th
 * all bytes i + 1) claimed at LG_TEST_COPY_GUARD_MS for LG_TEST_COPY_REPLAY_WINDOW_MS.
 * Returns LG_OK or the first operation's error; *step names it.
 */
lg_err lg_test_copy_fill(lg_store *st, const char **step);

#endif
