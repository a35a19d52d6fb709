/* sqlite_positions.c - solvency positions and the partner loans linked to them,
 * with each link's own remaining debt (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

/* The position is a copy of the vault's, refreshed on every borrow: it goes in on the
 * connection that does not wait for the disk (see tx_set_state). */
lg_err lg_sqlite_position_upsert(lg_store *st, const lg_position *p)
{
    int sandbox = lg_sq_handle(st)->base.sandbox;
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    sqlite3_stmt *s;
    lg_position row = *p;
    row.total_partner_debt = 0;
    row.updated_at_ms = lg_time_now_ms();
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    /* The wallet keeps its first spelling: links compare it without case. */
    rc = lg_sq_prepare(h, LG_SQ_POSITION_UPSERT,
                       "INSERT INTO solvency_positions (" LG_SQ_POSITION_COLS ",sandbox) VALUES "
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
                       "ON CONFLICT (sandbox, wallet, oaid) "
                       "DO UPDATE SET position_id = ?3, collateral_token = ?4, "
                       "collateral_amount = ?5, collateral_value = ?6, usdc_borrowed = ?7, "
                       "health_factor = ?8, token_type = ?9, active = ?10, updated_at_ms = ?12",
                       &s);
    if (rc == LG_OK) {
        if (lg_sq_bind_position(s, &row) || lg_sq_bind_i64(s, 13, sandbox))
            rc = lg_sq_bind_failed(h, "position upsert");
        else
            rc = lg_sq_step_done(h, s, "position upsert");
        lg_sq_done(s);
    }
    return lg_sq_end(h, rc);
}

/* ------------------------------------------------------------ position debt */

/* A position is one chain's: sandbox says which (lg_store_set_sandbox). */
static lg_err debt_get(lg_sqlite *h, int sandbox, const char *wallet, const char *oaid,
                       uint64_t *debt)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_POSITION_DEBT_GET,
                              "SELECT total_partner_debt FROM solvency_positions "
                              "WHERE wallet = ?1 AND oaid = ?2 AND sandbox = ?3",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, wallet) || lg_sq_bind_text(s, 2, oaid) ||
        lg_sq_bind_i64(s, 3, sandbox))
        rc = lg_sq_bind_failed(h, "position debt");
    else if ((rc = lg_sq_step_row(h, s, "position debt")) == LG_OK)
        *debt = lg_sq_col_u64(s, 0);
    lg_sq_done(s);
    return rc;
}

static lg_err debt_set(lg_sqlite *h, int sandbox, const char *wallet, const char *oaid,
                       uint64_t debt)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_POSITION_DEBT_SET,
                              "UPDATE solvency_positions SET total_partner_debt = ?3, "
                              "updated_at_ms = ?4 WHERE wallet = ?1 AND oaid = ?2 AND sandbox = ?5",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, wallet) || lg_sq_bind_text(s, 2, oaid) ||
        lg_sq_bind_u64(s, 3, debt) || lg_sq_bind_i64(s, 4, lg_time_now_ms()) ||
        lg_sq_bind_i64(s, 5, sandbox))
        rc = lg_sq_bind_failed(h, "position debt");
    else
        rc = lg_sq_step_done(h, s, "position debt");
    lg_sq_done(s);
    return rc;
}

/* total_partner_debt += add - sub, checked. */
static lg_err debt_change(lg_sqlite *h, int sandbox, const char *wallet, const char *oaid,
                          uint64_t add, uint64_t sub)
{
    uint64_t debt;
    lg_err rc = debt_get(h, sandbox, wallet, oaid, &debt);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_add(debt, add, &debt) || lg_sq_sub(debt, sub, &debt))
        return lg_sq_books_broken("position debt");
    return debt_set(h, sandbox, wallet, oaid, debt);
}

/* ------------------------------------------------------------ links */

static lg_err link_insert(lg_sqlite *h, const char *wallet, const char *oaid, const char *loan_id,
                          uint64_t debt, int *linked)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LINK_INSERT,
                              "INSERT INTO solvency_position_loans "
                              "(wallet, oaid, loan_id, debt, repaid, attached_at_ms, sandbox) "
                              "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6) ON CONFLICT (loan_id) DO NOTHING",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, wallet) || lg_sq_bind_text(s, 2, oaid) ||
        lg_sq_bind_text(s, 3, loan_id) || lg_sq_bind_u64(s, 4, debt) ||
        lg_sq_bind_i64(s, 5, lg_time_now_ms()) || lg_sq_bind_i64(s, 6, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "position link");
    else if ((rc = lg_sq_step_done(h, s, "position link")) == LG_OK)
        *linked = sqlite3_changes(h->db) > 0;
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_link_add(lg_sqlite *h, const char *wallet, const char *oaid, const char *loan_id,
                      uint64_t debt)
{
    uint64_t current;
    int linked = 0;
    lg_err rc = debt_get(h, h->base.sandbox, wallet, oaid, &current);
    if (rc != LG_OK)
        return rc;
    /* A link written outside loan_confirm (by hand, or by the stand-alone attach the
     * store once had) is counted once. */
    rc = link_insert(h, wallet, oaid, loan_id, debt, &linked);
    if (rc != LG_OK || !linked)
        return rc;
    return debt_change(h, h->base.sandbox, wallet, oaid, debt, 0);
}

typedef struct link_row {
    char wallet[LG_ADDR_LEN];
    char oaid[LG_U256_LEN];
    uint64_t debt;
    int repaid;
    int sandbox;
} link_row;

static lg_err link_get(lg_sqlite *h, const char *loan_id, link_row *out)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_LINK_GET,
                      "SELECT wallet, oaid, debt, repaid, sandbox FROM solvency_position_loans "
                      "WHERE loan_id = ?1",
                      &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, loan_id))
        rc = lg_sq_bind_failed(h, "position link");
    else if ((rc = lg_sq_step_row(h, s, "position link")) == LG_OK) {
        LG_SQ_COL_TEXT(s, 0, out->wallet);
        LG_SQ_COL_TEXT(s, 1, out->oaid);
        out->debt = lg_sq_col_u64(s, 2);
        out->repaid = lg_sq_col_int(s, 3);
        out->sandbox = lg_sq_col_int(s, 4);
    }
    lg_sq_done(s);
    return rc;
}

static lg_err link_set(lg_sqlite *h, const char *loan_id, uint64_t debt, int repaid)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LINK_SET,
                              "UPDATE solvency_position_loans SET debt = ?2, repaid = ?3 "
                              "WHERE loan_id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, loan_id) || lg_sq_bind_u64(s, 2, debt) ||
        lg_sq_bind_i64(s, 3, repaid != 0))
        rc = lg_sq_bind_failed(h, "position link");
    else
        rc = lg_sq_step_done(h, s, "position link");
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_link_repay(lg_sqlite *h, const char *loan_id, uint64_t paid, int loan_repaid)
{
    link_row link;
    lg_err rc = link_get(h, loan_id, &link);
    if (rc == LG_ERR_NOT_FOUND)
        return LG_OK;
    if (rc != LG_OK)
        return rc;
    if (link.repaid)
        return LG_OK;
    /* A link written outside loan_confirm may carry a different figure than the loan:
     * never take more than the link holds, and all of it once the loan is repaid. */
    uint64_t take = loan_repaid || paid > link.debt ? link.debt : paid;
    rc = link_set(h, loan_id, link.debt - take, loan_repaid);
    if (rc == LG_OK && take > 0)
        rc = debt_change(h, link.sandbox, link.wallet, link.oaid, 0, take);
    return rc;
}
