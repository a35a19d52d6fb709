/*
 * test_store_sqlite.c - the store conformance suite against the SQLite backend.
 *
 * Every test gets a new database file in its own lg_test_mkdtemp directory; the
 * previous test's directory (with its -wal and -shm files) is removed first.
 */
#include "config.h"

#include "harness.h"
#include "store_conformance.h"

#include <lendgate/log.h>
#include <lendgate/store.h>

#include <stdio.h>

/* Long enough that 8 racing workers never see LG_ERR_BUSY on a healthy backend. */
#define BUSY_TIMEOUT_MS 10000

typedef struct sqlite_ctx {
    char dir[512];
    char path[600];
    int have_dir;
} sqlite_ctx;

static void sqlite_teardown(void *ctx)
{
    sqlite_ctx *c = ctx;
    if (c->have_dir)
        lg_test_rmtree(c->dir);
    c->have_dir = 0;
    c->path[0] = '\0';
}

static int sqlite_fresh(void *ctx)
{
    sqlite_ctx *c = ctx;
    sqlite_teardown(c);
    if (lg_test_mkdtemp(c->dir, sizeof c->dir) != 0)
        return -1;
    c->have_dir = 1;
    int n = snprintf(c->path, sizeof c->path, "%s/lendgate.db", c->dir);
    return n > 0 && (size_t)n < sizeof c->path ? 0 : -1;
}

static lg_err sqlite_open(void *ctx, lg_store **out)
{
    const sqlite_ctx *c = ctx;
    return lg_store_open("sqlite", c->path, BUSY_TIMEOUT_MS, out);
}

int main(void)
{
    static sqlite_ctx ctx;
    static const lg_store_conformance_backend backend = {"sqlite", &ctx, sqlite_fresh, sqlite_open,
                                                         sqlite_teardown};
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_set_level(LG_LOG_WARN); /* keep CUnit's report readable: no per-test migration lines */
    lg_store_conformance_register(&backend);
    int rc = lg_test_run("test_store_sqlite");
    sqlite_teardown(&ctx);
    return rc;
}
