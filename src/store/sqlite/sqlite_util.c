/* sqlite_util.c - statement cache, error mapping, transactions, binding and
 * the list runner shared by the SQLite backend's files. */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/ids.h>
#include <lendgate/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ statements, errors */

/* Whether the schema has been created at all: decides between "run migrate" and a
 * genuine failure when a statement does not prepare. */
static int schema_missing(lg_sqlite *h)
{
    sqlite3_stmt *s = NULL;
    int missing = 0;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'partners'",
                           -1, &s, NULL) == SQLITE_OK)
        missing = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    return missing;
}

lg_err lg_sq_prepare(lg_sqlite *h, int slot, const char *sql, sqlite3_stmt **out)
{
    if (!h->stmts[slot]) {
        int rc =
            sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &h->stmts[slot], NULL);
        if (rc != SQLITE_OK) {
            if ((rc & 0xff) == SQLITE_ERROR && schema_missing(h)) {
                lg_error("store.sqlite", "schema missing: run the migrations first");
                return LG_ERR_SCHEMA;
            }
            return lg_sq_err(h, rc, "prepare");
        }
    }
    *out = h->stmts[slot];
    return LG_OK;
}

void lg_sq_done(sqlite3_stmt *s)
{
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
}

lg_err lg_sq_err(lg_sqlite *h, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return LG_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        lg_warn("store.busy", "%s: %s", what, sqlite3_errmsg(h->db));
        return LG_ERR_BUSY;
    case SQLITE_NOMEM:
        return LG_ERR_NOMEM;
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
        /* The database cannot be written now (read-only, disk full or failing): the
         * operator's to fix, the caller's to retry later. */
        lg_error("store.io", "%s: %s (code %d)", what, sqlite3_errmsg(h->db), rc);
        return LG_ERR_DISK;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return LG_ERR_DUPLICATE;
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return LG_ERR_NOT_FOUND;
        break;
    default:
        break;
    }
    lg_error("store.sqlite", "%s: %s (code %d)", what, sqlite3_errmsg(h->db), rc);
    return LG_ERR_STORE;
}

lg_err lg_sq_bind_failed(lg_sqlite *h, const char *what)
{
    (void)h;
    lg_error("store.sqlite", "%s: a value is out of range for the store", what);
    return LG_ERR_INVALID;
}

lg_err lg_sq_step_done(lg_sqlite *h, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        return LG_OK;
    return lg_sq_err(h, rc == SQLITE_ROW ? SQLITE_MISUSE : rc, what);
}

lg_err lg_sq_step_row(lg_sqlite *h, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return LG_OK;
    if (rc == SQLITE_DONE)
        return LG_ERR_NOT_FOUND;
    return lg_sq_err(h, rc, what);
}

lg_err lg_sq_exec(lg_sqlite *h, int slot, const char *sql, const char *what)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, slot, sql, &s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_step_done(h, s, what);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_begin(lg_sqlite *h)
{
    return lg_sq_exec(h, LG_SQ_BEGIN, "BEGIN IMMEDIATE", "begin");
}

lg_err lg_sq_begin_read(lg_sqlite *h)
{
    return lg_sq_exec(h, LG_SQ_BEGIN_READ, "BEGIN DEFERRED", "begin read");
}

lg_err lg_sq_end(lg_sqlite *h, lg_err rc)
{
    if (rc == LG_OK) {
        rc = lg_sq_exec(h, LG_SQ_COMMIT, "COMMIT", "commit");
        if (rc == LG_OK)
            return LG_OK;
    }
    /* Some errors (disk full, I/O) have rolled the transaction back already. */
    if (!sqlite3_get_autocommit(h->db) &&
        lg_sq_exec(h, LG_SQ_ROLLBACK, "ROLLBACK", "rollback") != LG_OK)
        lg_error("store.sqlite", "rollback failed: the transaction stays open until the next "
                                 "call on this handle");
    return rc;
}

lg_sqlite *lg_sq_handle(lg_store *st)
{
    lg_sqlite *h = (lg_sqlite *)st;
    if (h && h->db && !sqlite3_get_autocommit(h->db) && h->pid == getpid())
        lg_sq_exec(h, LG_SQ_ROLLBACK, "ROLLBACK", "rollback left open");
    return h;
}

/* ------------------------------------------------------------ values */

int lg_sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC) != SQLITE_OK;
}

int lg_sq_bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
    if (!v || !*v)
        return sqlite3_bind_null(s, i) != SQLITE_OK;
    return lg_sq_bind_text(s, i, v);
}

/* Length of v kept in cap bytes (with the NUL): never ending inside a UTF-8
 * sequence, so a cut drops the continuation bytes and their lead byte. */
static size_t kept_len(const char *v, size_t cap)
{
    size_t n = strnlen(v, cap);
    if (n < cap)
        return n;
    n = cap - 1;
    while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
        n--;
    return n;
}

int lg_sq_bind_reason(sqlite3_stmt *s, int i, const char *v)
{
    size_t n = v ? kept_len(v, LG_REASON_LEN) : 0;
    return sqlite3_bind_text(s, i, v ? v : "", (int)n, SQLITE_STATIC) != SQLITE_OK;
}

void lg_sq_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? kept_len(src, cap) : 0;
    if (n)
        memmove(dst, src, n);
    dst[n] = '\0';
}

int lg_sq_bind_i64(sqlite3_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(s, i, v) != SQLITE_OK;
}

int lg_sq_bind_opt_i64(sqlite3_stmt *s, int i, int64_t v)
{
    if (v == 0)
        return sqlite3_bind_null(s, i) != SQLITE_OK;
    return lg_sq_bind_i64(s, i, v);
}

int lg_sq_bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
    if (v > (uint64_t)INT64_MAX)
        return 1;
    return sqlite3_bind_int64(s, i, (sqlite3_int64)v) != SQLITE_OK;
}

void lg_sq_col_text(sqlite3_stmt *s, int c, char *dst, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(s, c);
    size_t n = v ? (size_t)sqlite3_column_bytes(s, c) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, v, n);
    dst[n] = '\0';
}

int64_t lg_sq_col_i64(sqlite3_stmt *s, int c)
{
    return sqlite3_column_int64(s, c);
}

uint64_t lg_sq_col_u64(sqlite3_stmt *s, int c)
{
    sqlite3_int64 v = sqlite3_column_int64(s, c);
    return v < 0 ? 0 : (uint64_t)v;
}

int lg_sq_col_int(sqlite3_stmt *s, int c)
{
    return sqlite3_column_int(s, c);
}

int lg_sq_add(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a > (uint64_t)INT64_MAX || b > (uint64_t)INT64_MAX - a)
        return -1;
    *out = a + b;
    return 0;
}

int lg_sq_sub(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b > a)
        return -1;
    *out = a - b;
    return 0;
}

lg_err lg_sq_books_broken(const char *what)
{
    lg_error("store.sqlite", "%s: amounts out of range, change refused", what);
    return LG_ERR_STORE;
}

lg_err lg_sq_new_id(char *buf)
{
    if (lg_uuid_v4(buf, LG_UUID_LEN) != LG_OK) {
        lg_error("store.sqlite", "no randomness for a record id");
        return LG_ERR_STORE;
    }
    return LG_OK;
}

/* ------------------------------------------------------------ lists */

static lg_err grow(unsigned char **arr, size_t *cap, size_t size)
{
    size_t want = *cap ? *cap * 2 : 16;
    if (want > SIZE_MAX / size)
        return LG_ERR_NOMEM;
    unsigned char *p = realloc(*arr, want * size);
    if (!p)
        return LG_ERR_NOMEM;
    *arr = p;
    *cap = want;
    return LG_OK;
}

lg_err lg_sq_collect(lg_sqlite *h, sqlite3_stmt *s, size_t size, lg_sq_reader rd, size_t max,
                     void **items, size_t *n)
{
    unsigned char *arr = NULL;
    size_t cap = 0, cnt = 0;
    lg_err rc = LG_OK;
    int step = SQLITE_DONE;
    while (cnt < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap && (rc = grow(&arr, &cap, size)) != LG_OK)
            goto out;
        memset(arr + cnt * size, 0, size);
        rd(s, 0, arr + cnt * size);
        cnt++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = lg_sq_err(h, step, "read rows");
out:
    if (rc != LG_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *items = arr;
    *n = cnt;
    return rc;
}

/* Writes "SELECT cols FROM table WHERE ... order LIMIT ? OFFSET ?" (rows) or the
 * COUNT(*) form for the conditions selected by mask. */
static int list_sql(const lg_sq_list *def, unsigned mask, int rows, char *buf, size_t len)
{
    int off = snprintf(buf, len, "SELECT %s FROM %s", rows ? def->cols : "COUNT(*)", def->table);
    const char *glue = " WHERE ";
    if (def->where && off > 0 && (size_t)off < len) {
        off += snprintf(buf + off, len - (size_t)off, " WHERE %s", def->where);
        glue = " AND ";
    }
    for (size_t i = 0; i < def->nconds && off > 0 && (size_t)off < len; i++) {
        if (mask & (1u << i)) {
            off += snprintf(buf + off, len - (size_t)off, "%s%s", glue, def->conds[i]);
            glue = " AND ";
        }
    }
    if (rows && off > 0 && (size_t)off < len)
        off += snprintf(buf + off, len - (size_t)off, "%s LIMIT ? OFFSET ?", def->order);
    return off > 0 && (size_t)off < len ? 0 : -1;
}

static lg_err list_stmt(lg_sqlite *h, const lg_sq_list *def, unsigned mask, int rows,
                        sqlite3_stmt **out)
{
    sqlite3_stmt **slot = &h->lists[def->slot][rows][mask];
    if (!*slot) {
        char sql[2048];
        if (list_sql(def, mask, rows, sql, sizeof sql) != 0)
            return lg_sq_books_broken("list statement");
        int rc = sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        if (rc != SQLITE_OK)
            return lg_sq_err(h, rc, "prepare list");
    }
    *out = *slot;
    return LG_OK;
}

/* Binds the present filter values in order; returns the next parameter index, or 0
 * when a value cannot be bound. */
static int bind_args(sqlite3_stmt *s, const lg_sq_list *def, const lg_sq_arg *args)
{
    int p = 1;
    for (size_t i = 0; i < def->nconds; i++) {
        if (!args[i].present)
            continue;
        int bad =
            args[i].text ? lg_sq_bind_text(s, p, args[i].text) : lg_sq_bind_i64(s, p, args[i].num);
        if (bad)
            return 0;
        p++;
    }
    return p;
}

static unsigned args_mask(const lg_sq_list *def, const lg_sq_arg *args)
{
    unsigned mask = 0;
    for (size_t i = 0; i < def->nconds; i++)
        if (args[i].present)
            mask |= 1u << i;
    return mask;
}

static lg_err list_count(lg_sqlite *h, const lg_sq_list *def, const lg_sq_arg *args,
                         uint64_t *total)
{
    sqlite3_stmt *s;
    lg_err rc = list_stmt(h, def, args_mask(def, args), 0, &s);
    if (rc != LG_OK)
        return rc;
    if (bind_args(s, def, args) == 0)
        rc = lg_sq_bind_failed(h, "list count");
    else if ((rc = lg_sq_step_row(h, s, "list count")) == LG_OK)
        *total = lg_sq_col_u64(s, 0);
    lg_sq_done(s);
    return rc;
}

static lg_err list_rows(lg_sqlite *h, const lg_sq_list *def, const lg_sq_arg *args, uint32_t limit,
                        uint64_t offset, void **items, size_t *n)
{
    sqlite3_stmt *s;
    lg_err rc = list_stmt(h, def, args_mask(def, args), 1, &s);
    if (rc != LG_OK)
        return rc;
    int p = bind_args(s, def, args);
    if (p == 0 || lg_sq_bind_i64(s, p, limit) || lg_sq_bind_u64(s, p + 1, offset))
        rc = lg_sq_bind_failed(h, "list rows");
    else
        rc = lg_sq_collect(h, s, def->size, def->read, limit, items, n);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_list_run(lg_sqlite *h, const lg_sq_list *def, const lg_sq_arg *args, uint32_t limit,
                      uint64_t offset, void **items, size_t *n, uint64_t *total)
{
    lg_err rc = lg_sq_begin_read(h);
    if (rc != LG_OK)
        return rc;
    rc = list_count(h, def, args, total);
    if (rc == LG_OK && limit > 0)
        rc = list_rows(h, def, args, limit, offset, items, n);
    rc = lg_sq_end(h, rc);
    if (rc != LG_OK) {
        free(*items);
        *items = NULL;
        *n = 0;
        *total = 0;
    }
    return rc;
}
