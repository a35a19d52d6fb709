/* sqlite_partners.c - partners, their money totals and daily usage (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <string.h>

lg_err lg_sq_partner_read_by(lg_sqlite *h, int slot, const char *sql, const char *key,
                             const char *what, lg_partner *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, slot, sql, &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, key)) {
        rc = lg_sq_bind_failed(h, what);
        goto out;
    }
    rc = lg_sq_step_row(h, s, what);
    if (rc == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_partner(s, 0, out);
    }
out:
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_partner_read(lg_sqlite *h, const char *id, lg_partner *out)
{
    return lg_sq_partner_read_by(h, LG_SQ_PARTNER_GET, LG_SQ_PARTNER_SELECT " WHERE id = ?1", id,
                                 "partner get", out);
}

lg_err lg_sq_partner_insert(lg_sqlite *h, const lg_partner *p)
{
    sqlite3_stmt *s;
    lg_partner row = *p;
    row.outstanding = row.total_borrowed = row.total_repaid = row.total_fees = 0;
    row.created_at_ms = row.updated_at_ms = lg_time_now_ms();
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_PARTNER_INSERT,
                      "INSERT INTO partners (" LG_SQ_PARTNER_COLS(
                          "") ") VALUES "
                              "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
                              "?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34)",
                      &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_partner(s, &row) || lg_sq_bind_u64(s, 23, 0) || lg_sq_bind_u64(s, 24, 0) ||
        lg_sq_bind_opt_text(s, 34, row.live_id))
        rc = lg_sq_bind_failed(h, "partner insert");
    else
        rc = lg_sq_step_done(h, s, "partner insert");
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_partner_get(lg_store *st, const char *id, lg_partner *out)
{
    return lg_sq_partner_read(lg_sq_handle(st), id, out);
}

/* ------------------------------------------------------------ sandbox twins */

/* A twin is made from its live partner: its settings, names of its own, no money. */
static lg_err twin_insert(lg_sqlite *h, const lg_partner *live)
{
    lg_partner twin = *live;
    int a = snprintf(twin.id, sizeof twin.id, "%s" LG_SANDBOX_SUFFIX, live->id);
    int b =
        snprintf(twin.key_prefix, sizeof twin.key_prefix, "%s" LG_SANDBOX_SUFFIX, live->key_prefix);
    if (a < 0 || (size_t)a >= sizeof twin.id || b < 0 || (size_t)b >= sizeof twin.key_prefix)
        return LG_ERR_INVALID;
    LG_SQ_SET(twin.live_id, live->id);
    twin.deposited = twin.balance_used = 0;
    return lg_sq_partner_insert(h, &twin);
}

lg_err lg_sq_partner_twin(lg_sqlite *h, const char *live_id, int create, lg_partner *out)
{
    lg_partner live;
    lg_err rc = lg_sq_partner_read(h, live_id, &live);
    if (rc != LG_OK)
        return rc;
    if (live.live_id[0])
        return LG_ERR_INVALID;
    rc = lg_sq_partner_read_by(h, LG_SQ_PARTNER_TWIN, LG_SQ_PARTNER_SELECT " WHERE live_id = ?1",
                               live_id, "partner sandbox", out);
    if (rc == LG_ERR_NOT_FOUND && create && (rc = twin_insert(h, &live)) == LG_OK)
        rc =
            lg_sq_partner_read_by(h, LG_SQ_PARTNER_TWIN, LG_SQ_PARTNER_SELECT " WHERE live_id = ?1",
                                  live_id, "partner sandbox", out);
    return rc;
}

lg_err lg_sqlite_partner_sandbox(lg_store *st, const char *live_id, int create, lg_partner *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    if (!create)
        return lg_sq_partner_twin(h, live_id, 0, out);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, lg_sq_partner_twin(h, live_id, 1, out));
}

/* The live partner id's settings, copied onto its twin (if it has one). */
static lg_err twin_mirror(lg_sqlite *h, const char *id)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(
        h, LG_SQ_PARTNER_MIRROR,
        "UPDATE partners SET (name, status, tier, daily_limit, total_limit, fee_bps, "
        "settlement_address, webhook_url, webhook_secret, contact_email, rate_limit_rpm, "
        "signing_required, signing_secret, ip_allowlist, contact_wallet, public_key, "
        "kyc_verified, contract_signed, webhook_secret_prev, webhook_secret_prev_until_ms, "
        "webhook_disabled_at_ms, webhook_disabled_reason, updated_at_ms) = "
        "(SELECT name, status, tier, daily_limit, total_limit, fee_bps, settlement_address, "
        "webhook_url, webhook_secret, contact_email, rate_limit_rpm, signing_required, "
        "signing_secret, ip_allowlist, contact_wallet, public_key, kyc_verified, "
        "contract_signed, webhook_secret_prev, webhook_secret_prev_until_ms, "
        "webhook_disabled_at_ms, webhook_disabled_reason, updated_at_ms FROM partners "
        "WHERE id = ?1) WHERE live_id = ?1",
        &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, id))
        rc = lg_sq_bind_failed(h, "partner mirror");
    else
        rc = lg_sq_step_done(h, s, "partner mirror");
    lg_sq_done(s);
    return rc;
}

/* Writes the editable fields of p; the store-maintained money columns are left to
 * lg_sq_partner_apply. The binder binds every column: SQLite accepts values for the
 * parameter numbers this statement skips. */
lg_err lg_sq_partner_write(lg_sqlite *h, const lg_partner *p)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_PARTNER_UPDATE,
                              "UPDATE partners SET name = ?2, status = ?4, tier = ?5, "
                              "daily_limit = ?6, total_limit = ?7, fee_bps = ?8, "
                              "settlement_address = ?9, webhook_url = ?10, webhook_secret = ?11, "
                              "contact_email = ?12, rate_limit_rpm = ?13, signing_required = ?14, "
                              "signing_secret = ?15, ip_allowlist = ?16, updated_at_ms = ?22, "
                              "contact_wallet = ?25, public_key = ?26, kyc_verified = ?27, "
                              "contract_signed = ?28, created_by = ?29, webhook_secret_prev = ?30, "
                              "webhook_secret_prev_until_ms = ?31, webhook_disabled_at_ms = ?32, "
                              "webhook_disabled_reason = ?33 WHERE id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_partner(s, p))
        rc = lg_sq_bind_failed(h, "partner update");
    else
        rc = lg_sq_step_done(h, s, "partner update");
    lg_sq_done(s);
    return rc == LG_OK && !p->live_id[0] ? twin_mirror(h, p->id) : rc;
}

lg_err lg_sq_partner_update_in(lg_sqlite *h, const lg_partner *p, unsigned mask, lg_partner *before,
                               lg_partner *after)
{
    lg_err rc = lg_sq_partner_read(h, p->id, before);
    if (rc != LG_OK)
        return rc;
    *after = *before;
    lg_store_partner_merge(after, p, mask);
    after->updated_at_ms = lg_time_now_ms();
    return lg_sq_partner_write(h, after);
}

static const lg_sq_list partner_list_def = {
    .slot = LG_SQL_PARTNERS,
    .cols = LG_SQ_PARTNER_COLS(""),
    .table = "partners",
    .where = "live_id IS NULL",
    .order = " ORDER BY created_at_ms, id",
    .conds = {"status = ?", "tier = ?"},
    .nconds = 2,
    .size = sizeof(lg_partner),
    .read = lg_sq_read_partner,
};

lg_err lg_sqlite_partner_list(lg_store *st, const lg_partner_filter *f, lg_partner **items,
                              size_t *n, uint64_t *total)
{
    lg_sq_arg args[2] = {
        {f->status >= 0, NULL, f->status},
        {f->tier >= 0, NULL, f->tier},
    };
    return lg_sq_list_run(lg_sq_handle(st), &partner_list_def, args, f->limit, f->offset,
                          (void **)items, n, total);
}

/* ------------------------------------------------------------ money totals */

static lg_err partner_money_write(lg_sqlite *h, const lg_partner *p)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_PARTNER_MONEY_SET,
                              "UPDATE partners SET outstanding = ?2, total_borrowed = ?3, "
                              "total_repaid = ?4, total_fees = ?5, deposited = ?6, "
                              "balance_used = ?7 WHERE id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, p->id) || lg_sq_bind_u64(s, 2, p->outstanding) ||
        lg_sq_bind_u64(s, 3, p->total_borrowed) || lg_sq_bind_u64(s, 4, p->total_repaid) ||
        lg_sq_bind_u64(s, 5, p->total_fees) || lg_sq_bind_u64(s, 6, p->deposited) ||
        lg_sq_bind_u64(s, 7, p->balance_used))
        rc = lg_sq_bind_failed(h, "partner totals");
    else
        rc = lg_sq_step_done(h, s, "partner totals");
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_partner_apply(lg_sqlite *h, const char *partner_id, const lg_sq_partner_delta *d)
{
    lg_partner p;
    lg_err rc = lg_sq_partner_read(h, partner_id, &p);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_add(p.outstanding, d->outstanding_add, &p.outstanding) ||
        lg_sq_sub(p.outstanding, d->outstanding_sub, &p.outstanding) ||
        lg_sq_add(p.total_borrowed, d->borrowed_add, &p.total_borrowed) ||
        lg_sq_add(p.total_repaid, d->repaid_add, &p.total_repaid) ||
        lg_sq_add(p.total_fees, d->fees_add, &p.total_fees) ||
        lg_sq_add(p.deposited, d->deposited_add, &p.deposited) ||
        lg_sq_sub(p.balance_used, d->balance_give_back, &p.balance_used))
        return lg_sq_books_broken("partner totals");
    if (d->balance_use &&
        (p.balance_used > p.deposited || d->balance_use > p.deposited - p.balance_used))
        return LG_ERR_FUNDS;
    p.balance_used += d->balance_use;
    rc = partner_money_write(h, &p);
    if (rc == LG_OK && d->outstanding_sub)
        rc = lg_sq_limit_rearm(h, &p);
    return rc;
}

/* ------------------------------------------------------------ daily usage */

lg_err lg_sq_usage_get(lg_sqlite *h, const char *partner_id, const char *day, uint64_t *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_USAGE_GET,
                              "SELECT borrowed FROM partner_daily_usage "
                              "WHERE partner_id = ?1 AND day = ?2",
                              &s);
    if (rc != LG_OK)
        return rc;
    *out = 0;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_text(s, 2, day)) {
        rc = lg_sq_bind_failed(h, "daily usage");
        goto out;
    }
    rc = lg_sq_step_row(h, s, "daily usage");
    if (rc == LG_OK)
        *out = lg_sq_col_u64(s, 0);
    else if (rc == LG_ERR_NOT_FOUND)
        rc = LG_OK;
out:
    lg_sq_done(s);
    return rc;
}

static lg_err usage_write(lg_sqlite *h, int slot, const char *sql, const char *partner_id,
                          const char *day, uint64_t value)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, slot, sql, &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_text(s, 2, day) ||
        lg_sq_bind_u64(s, 3, value))
        rc = lg_sq_bind_failed(h, "daily usage");
    else
        rc = lg_sq_step_done(h, s, "daily usage");
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_usage_add(lg_sqlite *h, const char *partner_id, const char *day, uint64_t amount)
{
    uint64_t used, sum;
    lg_err rc = lg_sq_usage_get(h, partner_id, day, &used);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_add(used, amount, &sum))
        return lg_sq_books_broken("daily usage");
    return usage_write(h, LG_SQ_USAGE_ADD,
                       "INSERT INTO partner_daily_usage (partner_id, day, borrowed) "
                       "VALUES (?1, ?2, ?3) ON CONFLICT (partner_id, day) "
                       "DO UPDATE SET borrowed = excluded.borrowed",
                       partner_id, day, sum);
}

lg_err lg_sq_usage_sub(lg_sqlite *h, const char *partner_id, const char *day, uint64_t amount)
{
    uint64_t used, left;
    lg_err rc = lg_sq_usage_get(h, partner_id, day, &used);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_sub(used, amount, &left))
        return lg_sq_books_broken("daily usage release");
    return usage_write(h, LG_SQ_USAGE_SET,
                       "UPDATE partner_daily_usage SET borrowed = ?3 "
                       "WHERE partner_id = ?1 AND day = ?2",
                       partner_id, day, left);
}

lg_err lg_sqlite_daily_usage(lg_store *st, const char *partner_id, const char *day,
                             uint64_t *borrowed)
{
    return lg_sq_usage_get(lg_sq_handle(st), partner_id, day, borrowed);
}
