/*
 * store_conformance.h - the one test suite every store backend must pass.
 *
 * The suite speaks only store.h (and the core time/ids/error headers), so the same
 * tests run unchanged against SQLite, MongoDB or any later backend. A test program
 * describes its backend with a small factory and registers the suite:
 *
 *   static lg_store_conformance_backend b = {.name = "sqlite", .ctx = &ctx,
 *                                            .fresh = fresh, .open = open,
 *                                            .teardown = teardown};
 *   lg_store_conformance_register(&b);
 *   return lg_test_run("test_store_sqlite");
 *
 * Every test asks fresh() for an empty database, opens a handle with open(), runs
 * lg_store_migrate() and works on that handle. The concurrency tests fork worker
 * processes that call open() themselves (a handle belongs to one process), so open()
 * must work in a forked child and must not touch state the parent is using.
 *
 * Some of what the contract writes no operation reads back: the outbox events of the
 * loan operations, a position's debt and the loans linked to it. The factory may look
 * at those its own way (SQLite: SQL on the file); the checks that need a look-up it
 * leaves NULL are skipped.
 */
#ifndef LENDGATE_TEST_STORE_CONFORMANCE_H
#define LENDGATE_TEST_STORE_CONFORMANCE_H

#include <lendgate/error.h>
#include <lendgate/store.h>

#include <stdint.h>

typedef struct lg_store_conformance_backend {
    const char *name; /* lg_store_backend_name() of the handles open() makes */
    void *ctx;        /* passed to the functions below */
    /* Gives the next test an empty database (dropping the previous test's); 0 = ok. */
    int (*fresh)(void *ctx);
    /* Opens a new handle on the current database; the caller closes it with
     * lg_store_close(). Called in forked children too. */
    lg_err (*open)(void *ctx, lg_store **out);
    /* Drops whatever fresh() made; called after every suite. Safe to call twice. */
    void (*teardown)(void *ctx);
    /* Optional look-ups in the current database. Each returns 0 (found, *out set),
     * 1 (no such record) or -1 (could not look). */
    /* How many outbox events of type event_type partner_id has. */
    int (*count_events)(void *ctx, const char *partner_id, const char *event_type, uint64_t *out);
    /* The position (wallet, oaid) as stored, active or not. */
    int (*get_position)(void *ctx, const char *wallet, const char *oaid, lg_position *out);
    /* Whether loan_id's link to its position is marked repaid (1) or not (0). */
    int (*link_repaid)(void *ctx, const char *loan_id, int *out);
} lg_store_conformance_backend;

/*
 * Adds the conformance suites for backend b to the CUnit registry (which must be
 * initialized). b is kept by pointer and must outlive the run. Up to four backends
 * may be registered in one program; each gets its own suites, named "<name>: ...".
 */
void lg_store_conformance_register(const lg_store_conformance_backend *b);

#endif
