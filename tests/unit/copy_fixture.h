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

/*
 * Fills st (migrated, empty): two partners (one with a sandbox twin, keys rotated, an
 * admin change with its audit row), loans ACTIVE, REPAID, FAILED, PENDING, DEFAULTED
 * and LIQUIDATED with their positions (live and sandbox), repayments APPLIED, FAILED
 * and PENDING, deposits, chain transactions, nonces, webhook events with delivery
 * attempts, API logs (appended and ingested from a journal), a job lease and a chain
 * cursor. Returns LG_OK or the first operation's error; *step names it.
 */
lg_err lg_test_copy_fill(lg_store *st, const char **step);

#endif
