/* sqlite_ends.c - the end states of a debt the partner did not repay (SQLite):
 * LIQUIDATED (the vault cleared the position's debt) and DEFAULTED (no repayment in
 * time; still owed, and still repayable), and the cursors of chain log scans. */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdlib.h>
#include <string.h>

#define LOAN_SELECT "SELECT " LG_SQ_LOAN_COLS " FROM partner_loans"

/* ------------------------------------------------------------ liquidation */

/* The loans a liquidation of (wallet, oaid[, position_id]) may concern: every one not
 * yet ended. Out: *items (malloc'd, caller free()s), *n. */
static lg_err position_loans(lg_sqlite *h, const char *wallet, const char *oaid,
                             const char *position_id, lg_loan **items, size_t *n)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_END_POSITION_LOANS,
                              LOAN_SELECT " WHERE user_wallet = ?1 AND oaid = ?2 "
                                          "AND (?3 IS NULL OR position_id = ?3) "
                                          "AND status IN (0, 1, 2, 5) AND " LG_SQ_IN_SCOPE(
                                              "?4") " ORDER BY created_at_ms, rowid",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, wallet) || lg_sq_bind_text(s, 2, oaid) ||
        lg_sq_bind_opt_text(s, 3, position_id) || lg_sq_bind_i64(s, 4, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "position loans");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_loan), lg_sq_read_loan, SIZE_MAX, (void **)items, n);
    lg_sq_done(s);
    return rc;
}

/* The loan's LIQUIDATION entry: applied at once, paid by the vault (funded 0: the
 * partner's balance is not drawn). */
static lg_err entry_insert(lg_sqlite *h, const lg_loan *l, uint64_t amount, const char *tx_hash,
                           int64_t now)
{
    lg_repayment r;
    sqlite3_stmt *s;
    memset(&r, 0, sizeof r);
    lg_err rc = lg_sq_new_id(r.id);
    if (rc != LG_OK)
        return rc;
    memcpy(r.loan_id, l->id, sizeof r.loan_id);
    memcpy(r.partner_id, l->partner_id, sizeof r.partner_id);
    r.amount = amount;
    r.kind = LG_REPAY_KIND_LIQUIDATION;
    LG_SQ_SET(r.repay_tx, tx_hash);
    r.status = LG_REPAY_APPLIED;
    r.created_at_ms = r.updated_at_ms = now;
    rc = lg_sq_prepare(h, LG_SQ_END_ENTRY_INSERT,
                       "INSERT INTO loan_repayments (" LG_SQ_REPAY_COLS ") VALUES "
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,NULL)",
                       &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_repayment(s, &r) || lg_sq_bind_text(s, 12, "") || lg_sq_bind_i64(s, 13, 0) ||
        lg_sq_bind_i64(s, 14, r.kind))
        rc = lg_sq_bind_failed(h, "liquidation entry");
    else
        rc = lg_sq_step_done(h, s, "liquidation entry");
    lg_sq_done(s);
    return rc;
}

/* The cached copy of the position follows the vault: closed, nothing borrowed. */
static lg_err position_close(lg_sqlite *h, const char *wallet, const char *oaid)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_END_POSITION_CLOSE,
                              "UPDATE solvency_positions SET active = 0, usdc_borrowed = '0', "
                              "updated_at_ms = ?3 WHERE wallet = ?1 AND oaid = ?2 AND sandbox = ?4",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, wallet) || lg_sq_bind_text(s, 2, oaid) ||
        lg_sq_bind_i64(s, 3, lg_time_now_ms()) || lg_sq_bind_i64(s, 4, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "position close");
    else
        rc = lg_sq_step_done(h, s, "position close");
    lg_sq_done(s);
    return rc;
}

/* Ends one loan as LIQUIDATED: what remained counts as repaid by the vault. */
static lg_err liquidate_loan(lg_sqlite *h, lg_loan *l, const char *tx_hash, int64_t now)
{
    uint64_t debt = l->remaining;
    if (lg_sq_add(l->repaid, debt, &l->repaid))
        return lg_sq_books_broken("liquidation");
    l->remaining = 0;
    l->status = LG_LOAN_LIQUIDATED;
    l->updated_at_ms = now;
    lg_sq_partner_delta d = {.outstanding_sub = debt};
    lg_err rc = lg_sq_loan_save(h, l);
    if (rc == LG_OK)
        rc = entry_insert(h, l, debt, tx_hash, now);
    if (rc == LG_OK)
        rc = lg_sq_partner_apply(h, l->partner_id, &d);
    if (rc == LG_OK)
        rc = lg_sq_link_repay(h, l->id, debt, 1);
    if (rc == LG_OK)
        rc = lg_sq_ledger_add(h, l, LG_LEDGER_LIQUIDATION, debt, tx_hash);
    if (rc == LG_OK)
        rc = lg_sq_outbox_loan_event(h, "loan.liquidated", l, debt, tx_hash);
    return rc;
}

/* A loan whose borrow is still in flight, or with a repayment in flight, cannot be
 * ended under it: reconcile settles those first and applies the liquidation again. */
static int in_flight(const lg_loan *l)
{
    return l->status == LG_LOAN_PENDING || l->status == LG_LOAN_SETTLING || l->repay_pending > 0;
}

static lg_err liquidate_tx(lg_sqlite *h, const char *wallet, const char *oaid,
                           const char *position_id, const char *tx_hash, lg_liquidate_result *out)
{
    lg_loan *loans = NULL;
    size_t n = 0;
    int64_t now = lg_time_now_ms();
    lg_err rc = position_loans(h, wallet, oaid, position_id, &loans, &n);
    for (size_t i = 0; rc == LG_OK && i < n; i++) {
        if (in_flight(&loans[i])) {
            lg_warn("store.liquidate", "loan \"%s\" is in flight: left for reconcile", loans[i].id);
            out->left++;
            continue;
        }
        uint64_t debt = loans[i].remaining;
        if ((rc = liquidate_loan(h, &loans[i], tx_hash, now)) == LG_OK) {
            out->liquidated++;
            out->debt_cleared += debt;
        }
    }
    free(loans);
    if (rc == LG_OK && out->liquidated)
        rc = position_close(h, wallet, oaid);
    return rc;
}

lg_err lg_sqlite_position_liquidate(lg_store *st, const char *wallet, const char *oaid,
                                    const char *position_id, const char *tx_hash,
                                    lg_liquidate_result *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_end(h, liquidate_tx(h, wallet, oaid, position_id, tx_hash, out));
    if (rc != LG_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ------------------------------------------------------------ default */

lg_err lg_sqlite_loan_list_overdue(lg_store *st, int64_t before_ms, uint32_t limit, lg_loan **items,
                                   size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    if (limit == 0)
        return LG_OK;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_END_OVERDUE,
                      LOAN_SELECT " WHERE status = 2 AND created_at_ms < ?1 AND " LG_SQ_IN_SCOPE(
                          "?3") " ORDER BY created_at_ms, rowid LIMIT ?2",
                      &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, before_ms) || lg_sq_bind_i64(s, 2, limit) ||
        lg_sq_bind_i64(s, 3, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "loan overdue");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_loan), lg_sq_read_loan, limit, (void **)items, n);
    lg_sq_done(s);
    return rc;
}

static lg_err default_tx(lg_sqlite *h, const char *loan_id, const char *reason,
                         const lg_audit_hook *hook, lg_loan *l)
{
    lg_partner p;
    lg_err rc = lg_sq_loan_read(h, loan_id, l);
    if (rc != LG_OK)
        return rc;
    if (l->status != LG_LOAN_ACTIVE)
        return LG_ERR_STATE;
    l->status = LG_LOAN_DEFAULTED;
    LG_SQ_SET(l->failure_reason, reason);
    l->updated_at_ms = lg_time_now_ms();
    if ((rc = lg_sq_loan_save(h, l)) != LG_OK)
        return rc;
    if ((rc = lg_sq_outbox_loan_event(h, "loan.defaulted", l, l->remaining, "")) != LG_OK)
        return rc;
    if (!hook || !hook->fill)
        return LG_OK;
    if ((rc = lg_sq_partner_read(h, l->partner_id, &p)) != LG_OK)
        return rc;
    return lg_sq_audit_write(h, hook, &p, &p);
}

lg_err lg_sqlite_loan_default(lg_store *st, const char *loan_id, const char *reason,
                              const lg_audit_hook *hook, lg_loan *loan)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, default_tx(h, loan_id, reason, hook, loan));
}

/* ------------------------------------------------------------ cursors */

lg_err lg_sqlite_cursor_get(lg_store *st, const char *name, uint64_t *block)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_CURSOR_GET, "SELECT block FROM chain_cursors WHERE name = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, name))
        rc = lg_sq_bind_failed(h, "cursor get");
    else if ((rc = lg_sq_step_row(h, s, "cursor get")) == LG_OK)
        *block = lg_sq_col_u64(s, 0);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_cursor_set(lg_store *st, const char *name, uint64_t block)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_CURSOR_SET,
                              "INSERT INTO chain_cursors (name, block, updated_at_ms) "
                              "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET "
                              "block = ?2, updated_at_ms = ?3",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, name) || lg_sq_bind_u64(s, 2, block) ||
        lg_sq_bind_i64(s, 3, lg_time_now_ms()))
        rc = lg_sq_bind_failed(h, "cursor set");
    else
        rc = lg_sq_step_done(h, s, "cursor set");
    lg_sq_done(s);
    return rc;
}
