/* sqlite_loans.c - the loan life cycle: reserve against the partner's limits,
 * borrow mined, confirm, fail, and the loan reads and lists (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <string.h>
#include <strings.h>

#define LOAN_SELECT "SELECT " LG_SQ_LOAN_COLS " FROM partner_loans"

/* Steps a loan SELECT whose parameters are bound and reads its row into *out. */
static lg_err loan_fetch(lg_sqlite *h, sqlite3_stmt *s, int bad, lg_loan *out)
{
    lg_err rc;
    if (bad)
        rc = lg_sq_bind_failed(h, "loan get");
    else if ((rc = lg_sq_step_row(h, s, "loan get")) == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_loan(s, 0, out);
    }
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_loan_read(lg_sqlite *h, const char *loan_id, lg_loan *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LOAN_BY_ID, LOAN_SELECT " WHERE id = ?1", &s);
    if (rc != LG_OK)
        return rc;
    return loan_fetch(h, s, lg_sq_bind_text(s, 1, loan_id), out);
}

lg_err lg_sq_loan_read_by_key(lg_sqlite *h, const char *partner_id, const char *partner_loan_id,
                              lg_loan *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LOAN_BY_KEY,
                              LOAN_SELECT " WHERE partner_id = ?1 AND partner_loan_id = ?2", &s);
    if (rc != LG_OK)
        return rc;
    return loan_fetch(
        h, s, lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_text(s, 2, partner_loan_id), out);
}

lg_err lg_sq_loan_save(lg_sqlite *h, const lg_loan *l)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LOAN_SAVE,
                              "UPDATE partner_loans SET remaining = ?10, repaid = ?11, "
                              "repay_pending = ?12, status = ?13, borrow_tx = ?16, "
                              "transfer_tx = ?17, failure_reason = ?18, updated_at_ms = ?20 "
                              "WHERE id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_loan(s, l))
        rc = lg_sq_bind_failed(h, "loan save");
    else if ((rc = lg_sq_step_done(h, s, "loan save")) == LG_OK && sqlite3_changes(h->db) != 1)
        rc = LG_ERR_NOT_FOUND;
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_loan_get(lg_store *st, const char *partner_id, const char *partner_loan_id,
                          lg_loan *out)
{
    return lg_sq_loan_read_by_key(lg_sq_handle(st), partner_id, partner_loan_id, out);
}

lg_err lg_sqlite_loan_get_by_id(lg_store *st, const char *loan_id, lg_loan *out)
{
    return lg_sq_loan_read(lg_sq_handle(st), loan_id, out);
}

/* ------------------------------------------------------------ reserve */

static lg_err partner_status_err(lg_partner_status status)
{
    if (status == LG_PARTNER_ACTIVE)
        return LG_OK;
    return status == LG_PARTNER_SUSPENDED ? LG_ERR_SUSPENDED : LG_ERR_INACTIVE;
}

static uint64_t headroom(uint64_t limit, uint64_t used)
{
    return limit > used ? limit - used : 0;
}

/* Inserts the loan as PENDING and charges the day and the partner's outstanding. */
static lg_err reserve_write(lg_sqlite *h, lg_loan *loan, const char *day, int64_t now)
{
    sqlite3_stmt *s;
    lg_loan row = *loan;
    lg_err rc = lg_sq_new_id(row.id);
    if (rc != LG_OK)
        return rc;
    row.status = LG_LOAN_PENDING;
    memcpy(row.day, day, LG_DAY_LEN);
    row.remaining = row.amount;
    row.repaid = row.repay_pending = 0;
    row.borrow_tx[0] = row.transfer_tx[0] = row.failure_reason[0] = '\0';
    row.created_at_ms = row.updated_at_ms = now;
    rc = lg_sq_prepare(h, LG_SQ_LOAN_INSERT,
                       "INSERT INTO partner_loans (" LG_SQ_LOAN_COLS ") VALUES (?1,?2,?3,?4,?5,"
                       "?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24)",
                       &s);
    if (rc != LG_OK)
        return rc;
    lg_sq_lease_of(&h->base, now, row.owner, &row.lease_until_ms);
    rc = lg_sq_bind_loan(s, &row) || lg_sq_bind_text(s, 21, row.metadata) ||
                 lg_sq_bind_text(s, 22, row.remaining_credit) ||
                 lg_sq_bind_text(s, 23, row.owner) || lg_sq_bind_i64(s, 24, row.lease_until_ms)
             ? lg_sq_bind_failed(h, "loan insert")
             : lg_sq_step_done(h, s, "loan insert");
    lg_sq_done(s);
    if (rc == LG_OK)
        rc = lg_sq_usage_add(h, row.partner_id, day, row.amount);
    lg_sq_partner_delta d = {.outstanding_add = row.amount};
    if (rc == LG_OK)
        rc = lg_sq_partner_apply(h, row.partner_id, &d);
    if (rc == LG_OK)
        *loan = row;
    return rc;
}

static lg_err reserve_tx(lg_sqlite *h, lg_loan *loan, lg_reserve_info *info, lg_loan *existing)
{
    lg_partner p;
    char day[LG_DAY_LEN];
    uint64_t used;
    int64_t now = lg_time_now_ms();
    lg_err rc = lg_sq_partner_read(h, loan->partner_id, &p);
    if (rc != LG_OK || (rc = partner_status_err(p.status)) != LG_OK)
        return rc;
    if (lg_time_day_key(now, day, sizeof day) != LG_OK)
        return lg_sq_books_broken("loan reserve clock");
    if ((rc = lg_sq_usage_get(h, p.id, day, &used)) != LG_OK)
        return rc;
    info->daily_remaining = headroom(p.daily_limit, used);
    info->total_remaining = headroom(p.total_limit, p.outstanding);
    rc = lg_sq_loan_read_by_key(h, loan->partner_id, loan->partner_loan_id, existing);
    if (rc != LG_ERR_NOT_FOUND)
        return rc == LG_OK ? LG_ERR_DUPLICATE : rc;
    if (loan->amount > info->daily_remaining)
        return LG_ERR_LIMIT_DAILY;
    if (loan->amount > info->total_remaining)
        return LG_ERR_LIMIT_TOTAL;
    if ((rc = reserve_write(h, loan, day, now)) != LG_OK)
        return rc;
    p.outstanding += loan->amount; /* below the total limit: checked above */
    if ((rc = lg_sq_limit_warn(h, &p, day, used + loan->amount)) != LG_OK)
        return rc;
    info->daily_remaining -= loan->amount;
    info->total_remaining -= loan->amount;
    return LG_OK;
}

/* On the connection that does not wait for the disk (lg_sq_log_handle): nothing
 * leaves the process on a reservation alone. The borrow transaction's record, written
 * on the main connection before it is sent, syncs the reservation with it; a power
 * cut before that takes back a loan nothing was sent for (store.h). */
lg_err lg_sqlite_loan_reserve(lg_store *st, lg_loan *loan, lg_reserve_info *info, lg_loan *existing)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, reserve_tx(h, loan, info, existing));
}

/* ------------------------------------------------------------ borrow mined */

static lg_err mark_borrowed_tx(lg_sqlite *h, const char *loan_id, const char *borrow_tx)
{
    lg_loan l;
    lg_err rc = lg_sq_loan_read(h, loan_id, &l);
    if (rc != LG_OK)
        return rc;
    if (l.status == LG_LOAN_SETTLING && strcasecmp(l.borrow_tx, borrow_tx) == 0)
        return LG_OK;
    if (l.status != LG_LOAN_PENDING)
        return LG_ERR_STATE;
    l.status = LG_LOAN_SETTLING;
    LG_SQ_SET(l.borrow_tx, borrow_tx);
    l.updated_at_ms = lg_time_now_ms();
    return lg_sq_loan_save(h, &l);
}

/* Without a sync, like the reservation: the mined borrow is the chain's fact, its
 * transaction durably recorded; the payout's record syncs this with it, and a power
 * cut before that leaves the loan PENDING for reconcile to mark again from the
 * receipt (store.h). */
lg_err lg_sqlite_loan_mark_borrowed(lg_store *st, const char *loan_id, const char *borrow_tx)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, mark_borrowed_tx(h, loan_id, borrow_tx));
}

/* ------------------------------------------------------------ confirm */

/* The money movements of a completed borrow: partner totals, three ledger rows, the
 * partner's webhook. */
static lg_err confirm_books(lg_sqlite *h, const lg_loan *l)
{
    lg_sq_partner_delta d = {.borrowed_add = l->amount, .fees_add = l->fee};
    lg_err rc = lg_sq_partner_apply(h, l->partner_id, &d);
    if (rc == LG_OK)
        rc = lg_sq_ledger_add(h, l, LG_LEDGER_BORROW, l->amount, l->borrow_tx);
    if (rc == LG_OK)
        rc = lg_sq_ledger_add(h, l, LG_LEDGER_FEE, l->fee, l->borrow_tx);
    if (rc == LG_OK)
        rc = lg_sq_ledger_add(h, l, LG_LEDGER_PAYOUT, l->net, l->transfer_tx);
    if (rc == LG_OK)
        rc = lg_sq_outbox_loan_event(h, "loan.borrowed", l, l->amount, l->borrow_tx);
    return rc;
}

static lg_err confirm_tx(lg_sqlite *h, const char *loan_id, const char *borrow_tx,
                         const char *transfer_tx)
{
    lg_loan l;
    lg_err rc = lg_sq_loan_read(h, loan_id, &l);
    if (rc != LG_OK)
        return rc;
    if (l.status != LG_LOAN_PENDING && l.status != LG_LOAN_SETTLING)
        return LG_ERR_STATE;
    rc = lg_sq_link_add(h, l.user_wallet, l.oaid, l.id, l.remaining);
    if (rc != LG_OK)
        return rc;
    l.status = LG_LOAN_ACTIVE;
    LG_SQ_SET(l.borrow_tx, borrow_tx);
    LG_SQ_SET(l.transfer_tx, transfer_tx);
    l.updated_at_ms = lg_time_now_ms();
    rc = lg_sq_loan_save(h, &l);
    return rc == LG_OK ? confirm_books(h, &l) : rc;
}

lg_err lg_sqlite_loan_confirm(lg_store *st, const char *loan_id, const char *borrow_tx,
                              const char *transfer_tx)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, confirm_tx(h, loan_id, borrow_tx, transfer_tx));
}

/* ------------------------------------------------------------ fail */

static lg_err fail_tx(lg_sqlite *h, const char *loan_id, const char *reason)
{
    lg_loan l;
    lg_err rc = lg_sq_loan_read(h, loan_id, &l);
    if (rc != LG_OK)
        return rc;
    if (l.status != LG_LOAN_PENDING)
        return LG_ERR_STATE;
    l.status = LG_LOAN_FAILED;
    l.remaining = 0;
    LG_SQ_SET(l.failure_reason, reason);
    l.updated_at_ms = lg_time_now_ms();
    rc = lg_sq_loan_save(h, &l);
    /* The day charged is the loan's own, which may no longer be today. */
    if (rc == LG_OK)
        rc = lg_sq_usage_sub(h, l.partner_id, l.day, l.amount);
    lg_sq_partner_delta d = {.outstanding_sub = l.amount};
    if (rc == LG_OK)
        rc = lg_sq_partner_apply(h, l.partner_id, &d);
    if (rc == LG_OK)
        rc = lg_sq_outbox_loan_event(h, "loan.failed", &l, l.amount, "");
    return rc;
}

lg_err lg_sqlite_loan_fail(lg_store *st, const char *loan_id, const char *reason)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, fail_tx(h, loan_id, reason));
}

/* ------------------------------------------------------------ lists */

static const lg_sq_list loan_list_def = {
    .slot = LG_SQL_LOANS,
    .cols = LG_SQ_LOAN_COLS,
    .table = "partner_loans",
    .order = " ORDER BY created_at_ms DESC, rowid DESC",
    .conds = {"partner_id = ?", "user_wallet = ?", "status = ?"},
    .nconds = 3,
    .size = sizeof(lg_loan),
    .read = lg_sq_read_loan,
};

lg_err lg_sqlite_loan_list(lg_store *st, const lg_loan_filter *f, lg_loan **items, size_t *n,
                           uint64_t *total)
{
    lg_sq_arg args[3] = {
        {f->partner_id != NULL, f->partner_id, 0},
        {f->user_wallet != NULL, f->user_wallet, 0},
        {f->status >= 0, NULL, f->status},
    };
    return lg_sq_list_run(lg_sq_handle(st), &loan_list_def, args, f->limit, f->offset,
                          (void **)items, n, total);
}

lg_err lg_sqlite_loan_list_unsettled(lg_store *st, uint32_t limit, lg_loan **items, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    if (limit == 0)
        return LG_OK;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LOAN_UNSETTLED,
                              LOAN_SELECT " WHERE status IN (0, 1) AND " LG_SQ_IN_SCOPE(
                                  "?2") " ORDER BY created_at_ms, rowid LIMIT ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, limit) || lg_sq_bind_i64(s, 2, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "loan unsettled");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_loan), lg_sq_read_loan, limit, (void **)items, n);
    lg_sq_done(s);
    return rc;
}
