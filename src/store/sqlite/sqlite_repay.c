/* sqlite_repay.c - repayments: reserve against the debt, apply, fail (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REPAY_SELECT "SELECT " LG_SQ_REPAY_COLS " FROM loan_repayments"

static lg_err repay_read(lg_sqlite *h, const char *id, lg_repayment *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_REPAY_GET, REPAY_SELECT " WHERE id = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, id))
        rc = lg_sq_bind_failed(h, "repayment get");
    else if ((rc = lg_sq_step_row(h, s, "repayment get")) == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_repayment(s, 0, out);
    }
    lg_sq_done(s);
    return rc;
}

/* with_lease: the statement also writes what is fixed at insert: the lease (owner ?12,
 * lease_until_ms ?13), the kind (?14) and the Idempotency-Key (?15, NULL for none). */
static lg_err repay_write(lg_sqlite *h, int slot, const char *sql, const lg_repayment *r,
                          int with_lease)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, slot, sql, &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_repayment(s, r) ||
        (with_lease &&
         (lg_sq_bind_text(s, 12, r->owner) || lg_sq_bind_i64(s, 13, r->lease_until_ms) ||
          lg_sq_bind_i64(s, 14, r->kind) || lg_sq_bind_opt_text(s, 15, r->idem_key))))
        rc = lg_sq_bind_failed(h, "repayment write");
    else
        rc = lg_sq_step_done(h, s, "repayment write");
    lg_sq_done(s);
    return rc;
}

static lg_err repay_insert(lg_sqlite *h, const lg_repayment *r)
{
    /* A proof hash held by a pending or applied repayment fails the partial unique
     * index: LG_ERR_DUPLICATE. */
    return repay_write(h, LG_SQ_REPAY_INSERT,
                       "INSERT INTO loan_repayments (" LG_SQ_REPAY_COLS ") VALUES "
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                       r, 1);
}

/* A lease cleared: the request answered and left the row to reconcile. The caller
 * has begun the transaction and ends it. */
static lg_err release(lg_sqlite *h, int slot, const char *sql, const char *id)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, slot, sql, &s);
    if (rc == LG_OK) {
        if (lg_sq_bind_text(s, 1, id))
            rc = lg_sq_bind_failed(h, "lease release");
        else if ((rc = lg_sq_step_done(h, s, "lease release")) == LG_OK &&
                 sqlite3_changes(h->db) == 0)
            rc = LG_ERR_NOT_FOUND;
        lg_sq_done(s);
    }
    return rc;
}

/* The borrow request answers 202 with the loan in flight: loan.pending tells the
 * partner the rest will come by webhook. */
static lg_err loan_release_tx(lg_sqlite *h, const char *loan_id)
{
    lg_loan l;
    lg_err rc =
        release(h, LG_SQ_LOAN_RELEASE,
                "UPDATE partner_loans SET owner = '', lease_until_ms = 0 WHERE id = ?1", loan_id);
    if (rc == LG_OK)
        rc = lg_sq_loan_read(h, loan_id, &l);
    if (rc == LG_OK && (l.status == LG_LOAN_PENDING || l.status == LG_LOAN_SETTLING))
        rc = lg_sq_outbox_loan_event(h, "loan.pending", &l, l.amount, l.borrow_tx);
    return rc;
}

lg_err lg_sqlite_loan_release(lg_store *st, const char *loan_id)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    return rc == LG_OK ? lg_sq_end(h, loan_release_tx(h, loan_id)) : rc;
}

lg_err lg_sqlite_repay_release(lg_store *st, const char *repayment_id)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, release(h, LG_SQ_REPAY_RELEASE,
                                "UPDATE loan_repayments SET owner = '', lease_until_ms = 0 "
                                "WHERE id = ?1",
                                repayment_id));
}

void lg_sq_lease_of(lg_store *st, int64_t now, char owner[LG_OWNER_LEN], int64_t *until)
{
    snprintf(owner, LG_OWNER_LEN, "%s", st->lease_owner);
    *until = owner[0] ? now + st->lease_ms : 0;
}

/* ------------------------------------------------------------ deposits */

/* A transfer is spent once it is a deposit, or the proof of a repayment that is not
 * FAILED and drew nothing from a balance: one made before balances existed
 * (migration 2), whose USDC already paid its loan and must not be credited again. */
static lg_err deposit_read(lg_sqlite *h, const char *tx_hash, lg_deposit *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_DEPOSIT_GET,
                              "SELECT tx_hash, partner_id, amount, created_at_ms "
                              "FROM partner_deposits WHERE tx_hash = ?1 "
                              "UNION ALL SELECT proof_tx, partner_id, amount, created_at_ms "
                              "FROM loan_repayments WHERE proof_tx = ?1 AND proof_tx <> '' "
                              "AND status <> 2 AND funded = 0 LIMIT 1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, tx_hash))
        rc = lg_sq_bind_failed(h, "deposit get");
    else if ((rc = lg_sq_step_row(h, s, "deposit get")) == LG_OK) {
        memset(out, 0, sizeof *out);
        LG_SQ_COL_TEXT(s, 0, out->tx_hash);
        LG_SQ_COL_TEXT(s, 1, out->partner_id);
        out->amount = lg_sq_col_u64(s, 2);
        out->created_at_ms = lg_sq_col_i64(s, 3);
    }
    lg_sq_done(s);
    return rc;
}

/* Records d, credits it to its partner and writes its DEPOSIT ledger row.
 * LG_ERR_DUPLICATE (*existing filled) when the hash was credited before. */
static lg_err deposit_in(lg_sqlite *h, const lg_deposit *d, lg_deposit *existing)
{
    sqlite3_stmt *s;
    lg_err rc = deposit_read(h, d->tx_hash, existing);
    if (rc == LG_OK)
        return LG_ERR_DUPLICATE;
    if (rc != LG_ERR_NOT_FOUND)
        return rc;
    int64_t now = lg_time_now_ms();
    lg_sq_partner_delta delta = {.deposited_add = d->amount};
    if ((rc = lg_sq_partner_apply(h, d->partner_id, &delta)) != LG_OK)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_DEPOSIT_INSERT,
                       "INSERT INTO partner_deposits (tx_hash, partner_id, amount, created_at_ms) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, d->tx_hash) || lg_sq_bind_text(s, 2, d->partner_id) ||
        lg_sq_bind_u64(s, 3, d->amount) || lg_sq_bind_i64(s, 4, now))
        rc = lg_sq_bind_failed(h, "deposit insert");
    else
        rc = lg_sq_step_done(h, s, "deposit insert");
    lg_sq_done(s);
    if (rc != LG_OK)
        return rc;
    lg_ledger_entry e;
    memset(&e, 0, sizeof e);
    LG_SQ_SET(e.partner_id, d->partner_id);
    e.kind = LG_LEDGER_DEPOSIT;
    e.amount = d->amount;
    LG_SQ_SET(e.tx_hash, d->tx_hash);
    e.created_at_ms = now;
    return lg_sq_ledger_insert(h, &e);
}

static lg_err balance_of(lg_sqlite *h, const char *partner_id, uint64_t *balance)
{
    lg_partner p;
    lg_err rc = lg_sq_partner_read(h, partner_id, &p);
    if (rc == LG_OK)
        *balance = p.deposited > p.balance_used ? p.deposited - p.balance_used : 0;
    return rc;
}

lg_err lg_sqlite_deposit_credit(lg_store *st, const lg_deposit *d, lg_deposit *existing,
                                uint64_t *balance)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = deposit_in(h, d, existing);
    if (rc == LG_OK)
        rc = balance_of(h, d->partner_id, balance);
    return lg_sq_end(h, rc);
}

static lg_err repay_save(lg_sqlite *h, const lg_repayment *r)
{
    return repay_write(h, LG_SQ_REPAY_SAVE,
                       "UPDATE loan_repayments SET repay_tx = ?6, status = ?7, "
                       "failure_reason = ?8, updated_at_ms = ?10, funded = ?11 WHERE id = ?1",
                       r, 0);
}

/* ------------------------------------------------------------ begin */

/* The pending or applied repayment of loan_id made with Idempotency-Key key. */
static lg_err repay_read_by_key(lg_sqlite *h, const char *loan_id, const char *key,
                                lg_repayment *out)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_REPAY_BY_KEY,
                      REPAY_SELECT " WHERE loan_id = ?1 AND idem_key = ?2 AND status <> 2", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, loan_id) || lg_sq_bind_text(s, 2, key))
        rc = lg_sq_bind_failed(h, "repayment by key");
    else if ((rc = lg_sq_step_row(h, s, "repayment by key")) == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_repayment(s, 0, out);
    }
    lg_sq_done(s);
    return rc;
}

static lg_err begin_tx(lg_sqlite *h, const char *partner_id, const char *partner_loan_id,
                       uint64_t amount, const lg_deposit *proof, const char *idem_key,
                       lg_repayment *out)
{
    lg_loan l;
    lg_repayment r;
    lg_deposit seen;
    int64_t now = lg_time_now_ms();
    lg_err rc = lg_sq_loan_read_by_key(h, partner_id, partner_loan_id, &l);
    if (rc != LG_OK)
        return rc;
    /* The key's repayment, whatever the loan's state since: nothing new is drawn. */
    if (idem_key && idem_key[0]) {
        rc = repay_read_by_key(h, l.id, idem_key, out);
        if (rc == LG_OK)
            return LG_ERR_CONFLICT;
        if (rc != LG_ERR_NOT_FOUND)
            return rc;
    }
    /* A DEFAULTED loan is still owed: repayments recover it. */
    if (l.status != LG_LOAN_ACTIVE && l.status != LG_LOAN_DEFAULTED)
        return LG_ERR_STATE;
    if (l.repay_pending > l.remaining || amount > l.remaining - l.repay_pending)
        return LG_ERR_OVERPAY;
    if (proof && (rc = deposit_in(h, proof, &seen)) != LG_OK)
        return rc;
    lg_sq_partner_delta draw = {.balance_use = amount};
    if ((rc = lg_sq_partner_apply(h, partner_id, &draw)) != LG_OK)
        return rc;
    memset(&r, 0, sizeof r);
    if ((rc = lg_sq_new_id(r.id)) != LG_OK)
        return rc;
    memcpy(r.loan_id, l.id, sizeof r.loan_id);
    memcpy(r.partner_id, l.partner_id, sizeof r.partner_id);
    r.amount = amount;
    r.funded = amount;
    lg_sq_lease_of(&h->base, now, r.owner, &r.lease_until_ms);
    if (proof)
        LG_SQ_SET(r.proof_tx, proof->tx_hash);
    if (idem_key)
        LG_SQ_SET(r.idem_key, idem_key);
    r.status = LG_REPAY_PENDING;
    r.created_at_ms = r.updated_at_ms = now;
    if ((rc = repay_insert(h, &r)) != LG_OK)
        return rc;
    l.repay_pending += amount;
    l.updated_at_ms = now;
    if ((rc = lg_sq_loan_save(h, &l)) == LG_OK)
        *out = r;
    return rc;
}

lg_err lg_sqlite_repay_begin(lg_store *st, const char *partner_id, const char *partner_loan_id,
                             uint64_t amount, const lg_deposit *proof, const char *idem_key,
                             lg_repayment *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, begin_tx(h, partner_id, partner_loan_id, amount, proof, idem_key, out));
}

/* ------------------------------------------------------------ apply */

/* Moves amount from the loan's pending reservation to repaid. */
static lg_err apply_to_loan(lg_loan *l, uint64_t amount, int64_t now)
{
    if (lg_sq_sub(l->repay_pending, amount, &l->repay_pending) ||
        lg_sq_sub(l->remaining, amount, &l->remaining) || lg_sq_add(l->repaid, amount, &l->repaid))
        return lg_sq_books_broken("repayment apply");
    if (l->remaining == 0)
        l->status = LG_LOAN_REPAID;
    l->updated_at_ms = now;
    return LG_OK;
}

/* Partner totals, position debt, ledger and webhooks of an applied repayment. */
static lg_err apply_books(lg_sqlite *h, const lg_loan *l, const lg_repayment *r)
{
    int repaid = l->status == LG_LOAN_REPAID;
    lg_sq_partner_delta d = {.outstanding_sub = r->amount, .repaid_add = r->amount};
    lg_err rc = lg_sq_partner_apply(h, l->partner_id, &d);
    if (rc == LG_OK)
        rc = lg_sq_link_repay(h, l->id, r->amount, repaid);
    if (rc == LG_OK)
        rc = lg_sq_ledger_add(h, l, LG_LEDGER_REPAY, r->amount, r->repay_tx);
    if (rc == LG_OK)
        rc = lg_sq_outbox_loan_event(h, "loan.repayment_received", l, r->amount, r->repay_tx);
    if (rc == LG_OK && repaid)
        rc = lg_sq_outbox_loan_event(h, "loan.repaid", l, l->amount, r->repay_tx);
    return rc;
}

static lg_err apply_tx(lg_sqlite *h, const char *repayment_id, const char *repay_tx, lg_loan *loan)
{
    lg_repayment r;
    int64_t now = lg_time_now_ms();
    lg_err rc = repay_read(h, repayment_id, &r);
    if (rc != LG_OK)
        return rc;
    if (r.status == LG_REPAY_APPLIED && strcasecmp(r.repay_tx, repay_tx) == 0)
        return lg_sq_loan_read(h, r.loan_id, loan);
    if (r.status != LG_REPAY_PENDING)
        return LG_ERR_STATE;
    if ((rc = lg_sq_loan_read(h, r.loan_id, loan)) != LG_OK ||
        (rc = apply_to_loan(loan, r.amount, now)) != LG_OK ||
        (rc = lg_sq_loan_save(h, loan)) != LG_OK)
        return rc;
    r.status = LG_REPAY_APPLIED;
    LG_SQ_SET(r.repay_tx, repay_tx);
    r.updated_at_ms = now;
    if ((rc = repay_save(h, &r)) != LG_OK)
        return rc;
    return apply_books(h, loan, &r);
}

lg_err lg_sqlite_repay_apply(lg_store *st, const char *repayment_id, const char *repay_tx,
                             lg_loan *loan)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, apply_tx(h, repayment_id, repay_tx, loan));
}

/* ------------------------------------------------------------ fail */

static lg_err fail_tx(lg_sqlite *h, const char *repayment_id, const char *reason)
{
    lg_repayment r;
    lg_loan l;
    int64_t now = lg_time_now_ms();
    lg_err rc = repay_read(h, repayment_id, &r);
    if (rc != LG_OK)
        return rc;
    if (r.status != LG_REPAY_PENDING)
        return LG_ERR_STATE;
    if ((rc = lg_sq_loan_read(h, r.loan_id, &l)) != LG_OK)
        return rc;
    if (lg_sq_sub(l.repay_pending, r.amount, &l.repay_pending))
        return lg_sq_books_broken("repayment release");
    l.updated_at_ms = now;
    if ((rc = lg_sq_loan_save(h, &l)) != LG_OK)
        return rc;
    lg_sq_partner_delta back = {.balance_give_back = r.funded};
    if (r.funded && (rc = lg_sq_partner_apply(h, r.partner_id, &back)) != LG_OK)
        return rc;
    r.status = LG_REPAY_FAILED;
    LG_SQ_SET(r.failure_reason, reason);
    r.updated_at_ms = now;
    return repay_save(h, &r);
}

lg_err lg_sqlite_repay_fail(lg_store *st, const char *repayment_id, const char *reason)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, fail_tx(h, repayment_id, reason));
}

/* ------------------------------------------------------------ reads */

lg_err lg_sqlite_repay_get(lg_store *st, const char *repayment_id, lg_repayment *out)
{
    return repay_read(lg_sq_handle(st), repayment_id, out);
}

lg_err lg_sqlite_repay_list(lg_store *st, const char *loan_id, lg_repayment **items, size_t *n)
{
    return lg_sq_repay_read_list(lg_sq_handle(st), loan_id, items, n);
}

lg_err lg_sq_repay_read_list(lg_sqlite *h, const char *loan_id, lg_repayment **items, size_t *n)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_REPAY_BY_LOAN,
                              REPAY_SELECT " WHERE loan_id = ?1 ORDER BY created_at_ms, rowid", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, loan_id))
        rc = lg_sq_bind_failed(h, "repayment list");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_repayment), lg_sq_read_repayment, SIZE_MAX,
                           (void **)items, n);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_repay_list_pending(lg_store *st, uint32_t limit, lg_repayment **items, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    if (limit == 0)
        return LG_OK;
    lg_err rc = lg_sq_prepare(h, LG_SQ_REPAY_PENDING,
                              REPAY_SELECT " WHERE status = 0 AND " LG_SQ_IN_SCOPE(
                                  "?2") " ORDER BY created_at_ms, rowid LIMIT ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, limit) || lg_sq_bind_i64(s, 2, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "repayment pending");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_repayment), lg_sq_read_repayment, limit, (void **)items,
                           n);
    lg_sq_done(s);
    return rc;
}
