/*
 * test_store_sqlite.c - the store conformance suite against the SQLite backend.
 *
 * Every test gets a new database file in its own lg_test_mkdtemp directory; the
 * previous test's directory (with its -wal and -shm files) is removed first. What the
 * contract writes but does not read back, the suite sees through SQL on that file.
 */
#include "config.h"

#include "harness.h"
#include "sqlite_peek.h"
#include "store_conformance.h"

#include <lendgate/log.h>
#include <lendgate/store.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

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

static int sqlite_count_events(void *ctx, const char *partner_id, const char *event_type,
                               uint64_t *out)
{
    const sqlite_ctx *c = ctx;
    int64_t n = 0;
    int rc = lg_test_sql_int(c->path, &n,
                             "SELECT COUNT(*) FROM webhook_outbox "
                             "WHERE partner_id = ?1 AND event_type = ?2",
                             partner_id, event_type, (const char *)NULL);
    *out = (uint64_t)n;
    return rc;
}

static void copy_text(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

static int sqlite_get_position(void *ctx, const char *wallet, const char *oaid, lg_position *out)
{
    const sqlite_ctx *c = ctx;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int rc = -1;
    if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT wallet, oaid, position_id, collateral_token, collateral_amount, "
                           "collateral_value, usdc_borrowed, health_factor, token_type, active, "
                           "total_partner_debt, updated_at_ms FROM solvency_positions "
                           "WHERE wallet = ?1 AND oaid = ?2 ORDER BY sandbox LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_bind_text(s, 1, wallet, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(s, 2, oaid, -1, SQLITE_STATIC) != SQLITE_OK)
        goto out;
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = 1;
    } else if (step == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        copy_text(s, 0, out->wallet, sizeof out->wallet);
        copy_text(s, 1, out->oaid, sizeof out->oaid);
        copy_text(s, 2, out->position_id, sizeof out->position_id);
        copy_text(s, 3, out->collateral_token, sizeof out->collateral_token);
        copy_text(s, 4, out->collateral_amount, sizeof out->collateral_amount);
        copy_text(s, 5, out->collateral_value, sizeof out->collateral_value);
        copy_text(s, 6, out->usdc_borrowed, sizeof out->usdc_borrowed);
        copy_text(s, 7, out->health_factor, sizeof out->health_factor);
        out->token_type = sqlite3_column_int(s, 8);
        out->active = sqlite3_column_int(s, 9);
        out->total_partner_debt = (uint64_t)sqlite3_column_int64(s, 10);
        out->updated_at_ms = sqlite3_column_int64(s, 11);
        rc = 0;
    }
out:
    if (rc < 0)
        fprintf(stderr, "\n  position look-up: %s\n", db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc;
}

static int sqlite_link_repaid(void *ctx, const char *loan_id, int *out)
{
    const sqlite_ctx *c = ctx;
    int64_t repaid = -1;
    int rc = lg_test_sql_int(c->path, &repaid,
                             "SELECT repaid FROM solvency_position_loans WHERE loan_id = ?1",
                             loan_id, (const char *)NULL);
    *out = (int)repaid;
    return rc;
}

int main(void)
{
    static sqlite_ctx ctx;
    static const lg_store_conformance_backend backend = {
        .name = "sqlite",
        .ctx = &ctx,
        .fresh = sqlite_fresh,
        .open = sqlite_open,
        .teardown = sqlite_teardown,
        .count_events = sqlite_count_events,
        .get_position = sqlite_get_position,
        .link_repaid = sqlite_link_repaid,
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_set_level(LG_LOG_WARN); /* keep CUnit's report readable: no per-test migration lines */
    lg_store_conformance_register(&backend);
    int rc = lg_test_run("test_store_sqlite");
    sqlite_teardown(&ctx);
    return rc;
}
