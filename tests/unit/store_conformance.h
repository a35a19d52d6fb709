/*
 * store_conformance.h - the one test suite every store backend must pass.
 *
 * The suite speaks only store.h (and the core time/ids/error headers), so the same
 * tests run unchanged against SQLite, MongoDB or any later backend. A test program
 * describes its backend with a small factory and registers the suite:
 *
 *   static lg_store_conformance_backend b = {"sqlite", &ctx, fresh, open, teardown};
 *   lg_store_conformance_register(&b);
 *   return lg_test_run("test_store_sqlite");
 *
 * Every test asks fresh() for an empty database, opens a handle with open(), runs
 * lg_store_migrate() and works on that handle. The concurrency tests fork worker
 * processes that call open() themselves (a handle belongs to one process), so open()
 * must work in a forked child and must not touch state the parent is using.
 */
#ifndef LENDGATE_TEST_STORE_CONFORMANCE_H
#define LENDGATE_TEST_STORE_CONFORMANCE_H

#include <lendgate/error.h>
#include <lendgate/store.h>

typedef struct lg_store_conformance_backend {
    const char *name; /* lg_store_backend_name() of the handles open() makes */
    void *ctx;        /* passed to the three functions below */
    /* Gives the next test an empty database (dropping the previous test's); 0 = ok. */
    int (*fresh)(void *ctx);
    /* Opens a new handle on the current database; the caller closes it with
     * lg_store_close(). Called in forked children too. */
    lg_err (*open)(void *ctx, lg_store **out);
    /* Drops whatever fresh() made; called after every suite. Safe to call twice. */
    void (*teardown)(void *ctx);
} lg_store_conformance_backend;

/*
 * Adds the conformance suites for backend b to the CUnit registry (which must be
 * initialized). b is kept by pointer and must outlive the run. Up to four backends
 * may be registered in one program; each gets its own suites, named "<name>: ...".
 */
void lg_store_conformance_register(const lg_store_conformance_backend *b);

#endif
