/* test_api_log.c - the cheap audit write: partner_api_logs rows go to a second SQLite
 * connection with synchronous=NORMAL while the money tables keep FULL, each row is
 * committed (visible to another process) when its append returns, and a database
 * without a file keeps one connection. */
#include "config.h"

#include "harness.h"

#include "../../src/store/sqlite/sqlite_internal.h"

#include <lendgate/log.h>
#include <lendgate/store.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];
static char db_path[600];

static int fresh_dir(void)
{
    if (dir[0])
        lg_test_rmtree(dir);
    dir[0] = '\0';
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return -1;
    snprintf(db_path, sizeof db_path, "%s/lendgate.db", dir);
    return 0;
}

static lg_store *open_migrated(const char *location)
{
    lg_store *st = NULL;
    int applied = 0;
    if (lg_store_open("sqlite", location, 5000, &st) != LG_OK)
        return NULL;
    if (lg_store_migrate(st, &applied) != LG_OK) {
        lg_store_close(st);
        return NULL;
    }
    return st;
}

static int pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Rows of partner_api_logs as another process sees them: committed ones only. */
static int rows_outside(const char *where)
{
    sqlite3 *db = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM partner_api_logs%s%s", where ? " WHERE " : "",
             where ? where : "");
    int n = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
        n = pragma_int(db, sql);
    sqlite3_close(db);
    return n;
}

static void fill_row(lg_api_log *row, const char *request_id)
{
    memset(row, 0, sizeof *row);
    snprintf(row->partner_id, sizeof row->partner_id, "partner_t_001");
    snprintf(row->request_id, sizeof row->request_id, "%s", request_id);
    snprintf(row->route, sizeof row->route, "/partners/my/stats");
    snprintf(row->method, sizeof row->method, "GET");
    row->status_code = 200;
    row->success = 1;
}

static void test_log_connection(void)
{
    CU_ASSERT_EQUAL_FATAL(fresh_dir(), 0);
    lg_store *st = open_migrated(db_path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    lg_sqlite *h = lg_sq_handle(st);
    lg_api_log row;
    fill_row(&row, "r-1");
    CU_ASSERT_EQUAL(lg_store_api_log_append(st, &row), LG_OK);
    lg_sqlite *lh = lg_sq_log_handle(h);
    CU_ASSERT_PTR_NOT_EQUAL_FATAL(lh, h);
    CU_ASSERT_PTR_EQUAL(lg_sq_log_handle(h), lh);                 /* opened once, kept */
    CU_ASSERT_EQUAL(pragma_int(h->db, "PRAGMA synchronous"), 2);  /* FULL */
    CU_ASSERT_EQUAL(pragma_int(lh->db, "PRAGMA synchronous"), 1); /* NORMAL */
    /* Committed when the append returns: visible to another connection at once. */
    CU_ASSERT_EQUAL(rows_outside(NULL), 1);
    CU_ASSERT_EQUAL(sqlite3_get_autocommit(lh->db), 1);
    for (int i = 0; i < 3; i++) {
        fill_row(&row, "r-more");
        CU_ASSERT_EQUAL(lg_store_api_log_append(st, &row), LG_OK);
        CU_ASSERT_EQUAL(rows_outside("request_id = 'r-more'"), i + 1);
    }
    /* The main connection reads what the log connection wrote. */
    lg_api_log_filter f;
    memset(&f, 0, sizeof f);
    f.success = -1;
    f.limit = 10;
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    CU_ASSERT_EQUAL(lg_store_api_log_query(st, &f, &items, &n, &total), LG_OK);
    CU_ASSERT_EQUAL(total, 4);
    free(items);
    lg_store_close(st);
}

static void test_log_connection_memory(void)
{
    lg_store *st = open_migrated(":memory:");
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    lg_api_log row;
    fill_row(&row, "r-mem");
    /* A database without a file has no second connection to share it with. */
    CU_ASSERT_EQUAL(lg_store_api_log_append(st, &row), LG_OK);
    CU_ASSERT_PTR_EQUAL(lg_sq_log_handle(lg_sq_handle(st)), lg_sq_handle(st));
    lg_api_log_filter f;
    memset(&f, 0, sizeof f);
    f.success = -1;
    f.limit = 10;
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    CU_ASSERT_EQUAL(lg_store_api_log_query(st, &f, &items, &n, &total), LG_OK);
    CU_ASSERT_EQUAL(total, 1);
    free(items);
    lg_store_close(st);
}

static int clean(void)
{
    if (dir[0])
        lg_test_rmtree(dir);
    dir[0] = '\0';
    return 0;
}

int main(void)
{
    static const lg_test_case tests[] = {
        {"log connection: NORMAL beside FULL, committed at return", test_log_connection},
        {"log connection: none for :memory:", test_log_connection_memory},
        {NULL, NULL},
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_set_level(LG_LOG_ERROR);
    lg_test_add_suite("api_log", NULL, clean, tests);
    return lg_test_run("test_api_log");
}
