/* sqlite_logs.c - append-only records: partner API logs, the partner ledger and
 * the admin audit, with their filtered lists (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <string.h>

/* ------------------------------------------------------------ API logs */

static lg_err api_log_insert(lg_sqlite *h, const lg_api_log *row, int64_t now)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LOG_INSERT,
                              "INSERT INTO partner_api_logs (" LG_SQ_LOG_COLS ",spool_id) VALUES "
                              "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_api_log(s, row) ||
        lg_sq_bind_i64(s, 16, row->created_at_ms ? row->created_at_ms : now) ||
        lg_sq_bind_opt_text(s, 17, row->spool_id))
        rc = lg_sq_bind_failed(h, "api log");
    else
        rc = lg_sq_step_done(h, s, "api log");
    lg_sq_done(s);
    return rc;
}

/* One statement in autocommit: the row is its own transaction, with no BEGIN and
 * COMMIT round of its own, on the log connection (lg_sq_log_handle). */
lg_err lg_sqlite_api_log_append(lg_store *st, const lg_api_log *row)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    return api_log_insert(h, row, lg_time_now_ms());
}

/* ------------------------------------------------------------ audit journal */

static lg_err journal_get(lg_sqlite *h, const char *source, uint64_t *offset)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_JOURNAL_GET,
                              "SELECT offset_bytes FROM audit_journal WHERE source = ?1", &s);
    if (rc != LG_OK)
        return rc;
    *offset = 0;
    if (lg_sq_bind_text(s, 1, source))
        rc = lg_sq_bind_failed(h, "journal offset");
    else if ((rc = lg_sq_step_row(h, s, "journal offset")) == LG_OK)
        *offset = (uint64_t)sqlite3_column_int64(s, 0);
    else if (rc == LG_ERR_NOT_FOUND)
        rc = LG_OK;
    lg_sq_done(s);
    return rc;
}

static lg_err journal_set(lg_sqlite *h, const char *source, uint64_t to, size_t n, int64_t now)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_JOURNAL_SET,
                      "INSERT INTO audit_journal (source, offset_bytes, rows, updated_at_ms) "
                      "VALUES (?1,?2,?3,?4) ON CONFLICT (source) DO UPDATE SET "
                      "offset_bytes = ?2, rows = rows + ?3, updated_at_ms = ?4",
                      &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, source) || lg_sq_bind_u64(s, 2, to) || lg_sq_bind_u64(s, 3, n) ||
        lg_sq_bind_i64(s, 4, now))
        rc = lg_sq_bind_failed(h, "journal offset");
    else
        rc = lg_sq_step_done(h, s, "journal offset");
    lg_sq_done(s);
    return rc;
}

static lg_err key_used(lg_sqlite *h, int64_t id, int64_t at)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_KEY_USED,
                              "UPDATE api_keys SET last_used_at_ms = ?2 WHERE id = ?1 "
                              "AND (last_used_at_ms IS NULL OR last_used_at_ms < ?2)",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, id) || lg_sq_bind_i64(s, 2, at))
        rc = lg_sq_bind_failed(h, "key use");
    else
        rc = lg_sq_step_done(h, s, "key use");
    lg_sq_done(s);
    return rc;
}

/* Each key's latest use in the batch, one UPDATE per key rather than per row: a batch
 * holds thousands of calls from a handful of keys. */
static lg_err keys_used(lg_sqlite *h, const lg_api_log *rows, size_t n, int64_t now)
{
    enum { MAX_KEYS = 32 };
    int64_t id[MAX_KEYS], at[MAX_KEYS];
    size_t k = 0;
    lg_err rc = LG_OK;
    for (size_t i = 0; rc == LG_OK && i <= n; i++) {
        if (i == n || k == MAX_KEYS) {
            for (size_t j = 0; rc == LG_OK && j < k; j++)
                rc = key_used(h, id[j], at[j]);
            k = 0;
        }
        if (i == n || rows[i].key_id == 0)
            continue;
        int64_t when = rows[i].created_at_ms ? rows[i].created_at_ms : now;
        size_t j = 0;
        while (j < k && id[j] != rows[i].key_id)
            j++;
        if (j == k) {
            id[k] = rows[i].key_id;
            at[k++] = when;
        } else if (when > at[j]) {
            at[j] = when;
        }
    }
    return rc;
}

lg_err lg_sqlite_audit_ingest(lg_store *st, const char *source, uint64_t from, uint64_t to,
                              const lg_api_log *rows, size_t n)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    int64_t now = lg_time_now_ms();
    uint64_t at = 0;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = journal_get(h, source, &at);
    if (rc == LG_OK && at != from)
        rc = LG_ERR_CONFLICT;
    for (size_t i = 0; rc == LG_OK && i < n; i++)
        rc = api_log_insert(h, &rows[i], now);
    if (rc == LG_OK)
        rc = keys_used(h, rows, n, now);
    if (rc == LG_OK)
        rc = journal_set(h, source, to, n, now);
    return lg_sq_end(h, rc);
}

lg_err lg_sqlite_audit_offset(lg_store *st, const char *source, uint64_t *offset)
{
    return journal_get(lg_sq_log_handle(lg_sq_handle(st)), source, offset);
}

lg_err lg_sqlite_audit_forget(lg_store *st, const char *source)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_JOURNAL_DROP, "DELETE FROM audit_journal WHERE source = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, source))
        rc = lg_sq_bind_failed(h, "journal forget");
    else
        rc = lg_sq_step_done(h, s, "journal forget");
    lg_sq_done(s);
    return rc;
}

/* Each row with its partner's name, the plan's PartnerApiLog.partnerName. */
static const lg_sq_list api_log_list_def = {
    .slot = LG_SQL_API_LOGS,
    .cols = "l.id,l.partner_id,l.request_id,l.route,l.method,l.client_ip,l.user_agent,l.payload,"
            "l.status_code,l.duration_ms,l.success,l.error_message,l.wallet,l.oaid,l.loan_id,"
            "l.created_at_ms,COALESCE(p.name, '')",
    .table = "partner_api_logs l LEFT JOIN partners p ON p.id = l.partner_id",
    .order = " ORDER BY l.created_at_ms DESC, l.id DESC",
    .conds = {"l.partner_id = ?", "l.created_at_ms >= ?", "l.created_at_ms < ?", "l.success = ?"},
    .nconds = 4,
    .size = sizeof(lg_api_log),
    .read = lg_sq_read_api_log,
};

lg_err lg_sqlite_api_log_query(lg_store *st, const lg_api_log_filter *f, lg_api_log **items,
                               size_t *n, uint64_t *total)
{
    lg_sq_arg args[4] = {
        {f->partner_id != NULL, f->partner_id, 0},
        {f->start_ms > 0, NULL, f->start_ms},
        {f->end_ms > 0, NULL, f->end_ms},
        {f->success >= 0, NULL, f->success},
    };
    return lg_sq_list_run(lg_sq_handle(st), &api_log_list_def, args, f->limit, f->offset,
                          (void **)items, n, total);
}

/* ------------------------------------------------------------ ledger */

lg_err lg_sq_ledger_insert(lg_sqlite *h, const lg_ledger_entry *e)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LEDGER_INSERT,
                              "INSERT INTO partner_ledger (" LG_SQ_LEDGER_COLS ") VALUES "
                              "(?1,?2,?3,?4,?5,?6,?7,?8)",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_ledger(s, e))
        rc = lg_sq_bind_failed(h, "ledger");
    else
        rc = lg_sq_step_done(h, s, "ledger");
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_ledger_add(lg_sqlite *h, const lg_loan *l, lg_ledger_kind kind, uint64_t amount,
                        const char *tx_hash)
{
    lg_ledger_entry e;
    memset(&e, 0, sizeof e);
    memcpy(e.partner_id, l->partner_id, sizeof e.partner_id);
    memcpy(e.loan_id, l->id, sizeof e.loan_id);
    memcpy(e.partner_loan_id, l->partner_loan_id, sizeof e.partner_loan_id);
    e.kind = kind;
    e.amount = amount;
    LG_SQ_SET(e.tx_hash, tx_hash);
    e.created_at_ms = lg_time_now_ms();
    return lg_sq_ledger_insert(h, &e);
}

/* Each row with its loan's borrower, for the plan's transaction list. */
static const lg_sq_list ledger_list_def = {
    .slot = LG_SQL_LEDGER,
    .cols = "l.id,l.partner_id,l.loan_id,l.partner_loan_id,l.kind,l.amount,l.tx_hash,"
            "l.created_at_ms,COALESCE(pl.user_wallet, '')",
    .table = "partner_ledger l LEFT JOIN partner_loans pl ON pl.id = l.loan_id",
    .order = " ORDER BY l.created_at_ms DESC, l.id DESC",
    .conds = {"l.partner_id = ?", "l.created_at_ms >= ?", "l.created_at_ms < ?"},
    .nconds = 3,
    .size = sizeof(lg_ledger_entry),
    .read = lg_sq_read_ledger,
};

lg_err lg_sqlite_ledger_list(lg_store *st, const lg_ledger_filter *f, lg_ledger_entry **items,
                             size_t *n, uint64_t *total)
{
    lg_sq_arg args[3] = {
        {1, f->partner_id, 0},
        {f->start_ms > 0, NULL, f->start_ms},
        {f->end_ms > 0, NULL, f->end_ms},
    };
    return lg_sq_list_run(lg_sq_handle(st), &ledger_list_def, args, f->limit, f->offset,
                          (void **)items, n, total);
}

/* ------------------------------------------------------------ admin audit */

lg_err lg_sq_audit_insert(lg_sqlite *h, const lg_admin_audit *row)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_AUDIT_INSERT,
                              "INSERT INTO admin_audit (" LG_SQ_AUDIT_COLS ") VALUES "
                              "(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                              &s);
    if (rc != LG_OK)
        return rc;
    int64_t at = row->created_at_ms ? row->created_at_ms : lg_time_now_ms();
    if (lg_sq_bind_audit(s, row) || lg_sq_bind_i64(s, 9, at))
        rc = lg_sq_bind_failed(h, "admin audit");
    else
        rc = lg_sq_step_done(h, s, "admin audit");
    lg_sq_done(s);
    return rc;
}

static const lg_sq_list audit_list_def = {
    .slot = LG_SQL_AUDIT,
    .cols = LG_SQ_AUDIT_COLS,
    .table = "admin_audit",
    .order = " ORDER BY created_at_ms DESC, id DESC",
    .conds = {"admin = ?", "action = ?", "target = ?", "created_at_ms >= ?", "created_at_ms < ?"},
    .nconds = 5,
    .size = sizeof(lg_admin_audit),
    .read = lg_sq_read_audit,
};

lg_err lg_sqlite_admin_audit_query(lg_store *st, const lg_admin_audit_filter *f,
                                   lg_admin_audit **items, size_t *n, uint64_t *total)
{
    lg_sq_arg args[5] = {
        {f->admin != NULL, f->admin, 0},   {f->action != NULL, f->action, 0},
        {f->target != NULL, f->target, 0}, {f->start_ms > 0, NULL, f->start_ms},
        {f->end_ms > 0, NULL, f->end_ms},
    };
    return lg_sq_list_run(lg_sq_handle(st), &audit_list_def, args, f->limit, f->offset,
                          (void **)items, n, total);
}
