/*
 * sqlite_peek.h - reads a SQLite store's file behind the store's back, for the tests
 * of rows the store writes but no store operation reads back: the outbox events the
 * loan operations enqueue, a position's total_partner_debt, a loan's link to its
 * position. SQLite-only: the backend-neutral conformance suite never reads SQL.
 */
#ifndef LENDGATE_TEST_SQLITE_PEEK_H
#define LENDGATE_TEST_SQLITE_PEEK_H

#include <stdint.h>

#if defined(__GNUC__)
#define LG_TEST_SENTINEL __attribute__((sentinel))
#else
#define LG_TEST_SENTINEL
#endif

/*
 * Runs sql (one statement) on the database file at path over a connection of its
 * own, with ?1, ?2, ... bound to the strings that follow (the list ends with NULL),
 * and reads the first column of the first row as an integer.
 * Returns 0 (*out set), 1 (no row) or -1 (a failure, printed on stderr).
 */
int lg_test_sql_int(const char *path, int64_t *out, const char *sql, ...) LG_TEST_SENTINEL;

#endif
