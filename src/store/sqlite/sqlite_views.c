/* sqlite_views.c - the reads behind one partner view, each in one read
 * transaction (SQLite). The view is one snapshot (a repayment committed between two
 * reads cannot show in one and not in the other), and SQLite's read locks are taken
 * once for the view instead of once per statement: on the busiest routes that was
 * most of the store's cost. */
#include "config.h"

#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

lg_err lg_sqlite_loan_view(lg_store *st, const char *partner_id, const char *partner_loan_id,
                           lg_loan *loan, lg_repayment **reps, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin_read(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_loan_read_by_key(h, partner_id, partner_loan_id, loan);
    if (rc == LG_OK)
        rc = lg_sq_repay_read_list(h, loan->id, reps, n);
    rc = lg_sq_end(h, rc);
    if (rc != LG_OK) {
        free(*reps);
        *reps = NULL;
        *n = 0;
    }
    return rc;
}

static lg_err loans_by_status(lg_sqlite *h, const char *partner_id, uint64_t *loans)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_STATS_LOANS,
                              "SELECT status, count(*) FROM partner_loans WHERE partner_id = ?1 "
                              "GROUP BY status",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id)) {
        rc = lg_sq_bind_failed(h, "loan counts");
        goto out;
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t status = sqlite3_column_int64(s, 0), count = sqlite3_column_int64(s, 1);
        if (status < 0 || status >= LG_LOAN_STATUS_COUNT || count < 0) {
            rc = lg_sq_books_broken("a loan status out of range");
            goto out;
        }
        loans[status] = (uint64_t)count;
    }
    if (step != SQLITE_DONE)
        rc = lg_sq_err(h, step, "loan counts");
out:
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_partner_stats(lg_store *st, const char *partner_id, const char *day,
                               lg_store_stats *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin_read(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_partner_read(h, partner_id, &out->partner);
    if (rc == LG_OK)
        rc = loans_by_status(h, partner_id, out->loans);
    if (rc == LG_OK)
        rc = lg_sq_usage_get(h, partner_id, day, &out->day_borrowed);
    return lg_sq_end(h, rc);
}
