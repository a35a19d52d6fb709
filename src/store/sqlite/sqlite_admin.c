/*
 * sqlite_admin.c - partner administration (SQLite): look-up by key prefix,
 * onboarding, audited updates, key rotation, imports and analytics. Every change
 * runs in one BEGIN IMMEDIATE transaction together with its admin_audit row.
 */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <stdlib.h>
#include <string.h>

#define DAY_MS   86400000LL
#define MAX_DAYS 366

/* ------------------------------------------------------------ audit rows */

/* Terminates every text field of a row the hook wrote, so a careless hook cannot
 * make the insert read past a field. */
static void audit_terminate(lg_admin_audit *row)
{
    row->admin[sizeof row->admin - 1] = '\0';
    row->action[sizeof row->action - 1] = '\0';
    row->target[sizeof row->target - 1] = '\0';
    row->before_json[sizeof row->before_json - 1] = '\0';
    row->after_json[sizeof row->after_json - 1] = '\0';
    row->request_id[sizeof row->request_id - 1] = '\0';
    row->client_ip[sizeof row->client_ip - 1] = '\0';
}

lg_err lg_sq_audit_write(lg_sqlite *h, const lg_audit_hook *hook, const lg_partner *before,
                         const lg_partner *after)
{
    if (!hook || !hook->fill)
        return LG_OK;
    lg_admin_audit *row = calloc(1, sizeof *row);
    if (!row)
        return LG_ERR_NOMEM;
    lg_err rc = hook->fill(hook->ctx, before, after, row);
    if (rc == LG_OK) {
        audit_terminate(row);
        if (!row->action[0] || row->created_at_ms < 0)
            rc = LG_ERR_INVALID;
        else
            rc = lg_sq_audit_insert(h, row);
    }
    free(row);
    return rc;
}

/* ------------------------------------------------------------ look-ups */

static lg_err partner_read_by_prefix(lg_sqlite *h, const char *key_prefix, lg_partner *out)
{
    return lg_sq_partner_read_by(h, LG_SQ_PARTNER_BY_PREFIX,
                                 LG_SQ_PARTNER_SELECT " WHERE key_prefix = ?1", key_prefix,
                                 "partner by prefix", out);
}

lg_err lg_sqlite_partner_get_by_prefix(lg_store *st, const char *key_prefix, lg_partner *out)
{
    return partner_read_by_prefix(lg_sq_handle(st), key_prefix, out);
}

lg_err lg_sqlite_partner_count(lg_store *st, uint64_t *count)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_PARTNER_COUNT,
                              "SELECT COUNT(*) FROM partners WHERE live_id IS NULL", &s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_step_row(h, s, "partner count");
    if (rc == LG_OK)
        *count = lg_sq_col_u64(s, 0);
    lg_sq_done(s);
    return rc;
}

/* ------------------------------------------------------------ onboarding */

/* Creates p with key (bound to p->id, or to p's sandbox twin for a sandbox key: a
 * partner may start in the sandbox) and reads the stored row back into *after. */
static lg_err partner_onboard_in(lg_sqlite *h, const lg_partner *p, const lg_api_key *key,
                                 int64_t *key_id, lg_partner *after)
{
    lg_api_key k = *key;
    lg_partner row = *p, twin;
    row.live_id[0] = '\0';
    LG_SQ_SET(k.partner_id, p->id);
    lg_err rc = lg_sq_partner_insert(h, &row);
    if (rc == LG_OK && strcmp(k.env, "sandbox") == 0 &&
        (rc = lg_sq_partner_twin(h, p->id, 1, &twin)) == LG_OK)
        LG_SQ_SET(k.partner_id, twin.id);
    if (rc == LG_OK)
        rc = lg_sq_key_insert(h, &k, key_id);
    if (rc == LG_OK)
        rc = lg_sq_partner_read(h, p->id, after);
    return rc;
}

lg_err lg_sqlite_partner_onboard(lg_store *st, const lg_partner *p, const lg_api_key *key,
                                 const lg_audit_hook *hook, int64_t *key_id)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_partner after;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = partner_onboard_in(h, p, key, key_id, &after);
    if (rc == LG_OK)
        rc = lg_sq_audit_write(h, hook, NULL, &after);
    return lg_sq_end(h, rc);
}

/* ------------------------------------------------------------ updates */

/* partner.suspended when a change suspends the partner, partner.activated when it
 * makes a suspended or inactive partner active again. */
static lg_err status_event(lg_sqlite *h, const lg_partner *before, const lg_partner *after)
{
    if (before->status == after->status)
        return LG_OK;
    if (after->status == LG_PARTNER_SUSPENDED)
        return lg_sq_outbox_partner_event(h, "partner.suspended", after, NULL, 0);
    if (after->status == LG_PARTNER_ACTIVE)
        return lg_sq_outbox_partner_event(h, "partner.activated", after, NULL, 0);
    return LG_OK;
}

lg_err lg_sqlite_partner_update_audited(lg_store *st, const lg_partner *p, unsigned mask,
                                        const lg_audit_hook *hook, lg_partner *before,
                                        lg_partner *after)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_partner_update_in(h, p, mask, before, after);
    if (rc == LG_OK)
        rc = status_event(h, before, after);
    if (rc == LG_OK)
        rc = lg_sq_audit_write(h, hook, before, after);
    return lg_sq_end(h, rc);
}

/* ------------------------------------------------------------ key rotation */

static lg_err keys_expire_in(lg_sqlite *h, const char *partner_id, int64_t keep_id,
                             int64_t expires_at_ms)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_KEY_ROTATE_EXPIRE,
                              "UPDATE api_keys SET expires_at_ms = ?3 WHERE partner_id = ?1 "
                              "AND id <> ?2 AND revoked_at_ms IS NULL "
                              "AND (expires_at_ms IS NULL OR expires_at_ms > ?3)",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_i64(s, 2, keep_id) ||
        lg_sq_bind_i64(s, 3, expires_at_ms))
        rc = lg_sq_bind_failed(h, "key rotate");
    else
        rc = lg_sq_step_done(h, s, "key rotate");
    lg_sq_done(s);
    return rc;
}

static lg_err key_rotate_in(lg_sqlite *h, const lg_api_key *key, int64_t old_expires_at_ms,
                            const lg_audit_hook *hook, int64_t *key_id)
{
    lg_partner p;
    lg_err rc = lg_sq_partner_read(h, key->partner_id, &p);
    if (rc == LG_OK)
        rc = lg_sq_key_insert(h, key, key_id);
    if (rc == LG_OK)
        rc = keys_expire_in(h, key->partner_id, *key_id, old_expires_at_ms);
    if (rc == LG_OK)
        rc = lg_sq_outbox_partner_event(h, "partner.key_rotated", &p, key->prefix,
                                        old_expires_at_ms);
    if (rc == LG_OK)
        rc = lg_sq_audit_write(h, hook, &p, &p);
    return rc;
}

lg_err lg_sqlite_key_rotate(lg_store *st, const lg_api_key *key, int64_t old_expires_at_ms,
                            const lg_audit_hook *hook, int64_t *key_id)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, key_rotate_in(h, key, old_expires_at_ms, hook, key_id));
}

/* ------------------------------------------------------------ import */

static lg_err import_update(lg_sqlite *h, lg_partner_import_item *it, const lg_audit_hook *hook)
{
    lg_partner want = it->partner;
    LG_SQ_SET(want.id, it->before.id);
    it->created = 0;
    it->after = it->before;
    lg_store_partner_merge(&it->after, &want, it->mask);
    if (lg_store_partner_same(&it->before, &it->after))
        return LG_OK;
    it->after.updated_at_ms = lg_time_now_ms();
    lg_err rc = lg_sq_partner_write(h, &it->after);
    if (rc == LG_OK)
        rc = lg_sq_audit_write(h, hook, &it->before, &it->after);
    return rc;
}

static lg_err import_one(lg_sqlite *h, lg_partner_import_item *items, size_t i,
                         const lg_audit_hook *hook)
{
    lg_partner_import_item *it = &items[i];
    for (size_t j = 0; j < i; j++)
        if (strcmp(items[j].partner.key_prefix, it->partner.key_prefix) == 0)
            return LG_ERR_DUPLICATE;
    lg_err rc = partner_read_by_prefix(h, it->partner.key_prefix, &it->before);
    if (rc == LG_OK)
        return import_update(h, it, hook);
    if (rc != LG_ERR_NOT_FOUND)
        return rc;
    memset(&it->before, 0, sizeof it->before);
    if (!it->partner.id[0] || !it->key.key_hash[0])
        return LG_ERR_INVALID;
    int64_t key_id;
    it->created = 1;
    rc = partner_onboard_in(h, &it->partner, &it->key, &key_id, &it->after);
    if (rc == LG_OK)
        rc = lg_sq_audit_write(h, hook, NULL, &it->after);
    return rc;
}

lg_err lg_sqlite_partner_import(lg_store *st, lg_partner_import_item *items, size_t n,
                                const lg_audit_hook *hook, size_t *bad_index)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    for (size_t i = 0; i < n && rc == LG_OK; i++) {
        rc = import_one(h, items, i, hook);
        if (rc != LG_OK)
            *bad_index = i;
    }
    rc = lg_sq_end(h, rc);
    if (rc != LG_OK)
        for (size_t i = 0; i < n; i++)
            items[i].created = 0;
    return rc;
}

/* ------------------------------------------------------------ analytics */

/* Adds one (day, kind) sum of count ledger rows to its day and the totals. Returns
 * non-zero on overflow. */
static int ledger_add(lg_analytics_day *day, lg_partner_analytics *out, int kind, uint64_t sum,
                      uint64_t count)
{
    switch (kind) {
    case LG_LEDGER_BORROW:
        day->loans += (uint32_t)count;
        return lg_sq_add(day->borrowed, sum, &day->borrowed) ||
               lg_sq_add(out->total_borrowed, sum, &out->total_borrowed);
    case LG_LEDGER_REPAY:
        return lg_sq_add(day->repaid, sum, &day->repaid) ||
               lg_sq_add(out->total_repaid, sum, &out->total_repaid);
    case LG_LEDGER_FEE:
        return lg_sq_add(day->fees, sum, &day->fees) ||
               lg_sq_add(out->fees_earned, sum, &out->fees_earned);
    default:
        return 0; /* payouts are the partner's money, not activity */
    }
}

/* Adds the ledger sums of [start_ms, end_ms) per UTC day and kind; loans of FAILED
 * status never count (they cannot have ledger rows, but the books say so twice). */
static lg_err analytics_ledger(lg_sqlite *h, const char *partner_id, int64_t start_ms,
                               int64_t end_ms, int64_t first_day, lg_partner_analytics *out,
                               lg_analytics_day *days, size_t ndays)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_ANALYTICS_LEDGER,
                      "SELECT l.created_at_ms / 86400000 AS d, l.kind, SUM(l.amount), COUNT(*) "
                      "FROM partner_ledger l JOIN partner_loans pl ON pl.id = l.loan_id "
                      "WHERE l.partner_id = ?1 AND l.created_at_ms >= ?2 AND l.created_at_ms < ?3 "
                      "AND pl.status <> 4 GROUP BY d, l.kind",
                      &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_i64(s, 2, start_ms) ||
        lg_sq_bind_i64(s, 3, end_ms)) {
        rc = lg_sq_bind_failed(h, "analytics ledger");
        goto out;
    }
    while ((rc = lg_sq_step_row(h, s, "analytics ledger")) == LG_OK) {
        int64_t d = lg_sq_col_i64(s, 0) - first_day;
        if (d < 0 || (size_t)d >= ndays) {
            rc = lg_sq_books_broken("analytics day");
            break;
        }
        if (ledger_add(&days[d], out, lg_sq_col_int(s, 1), lg_sq_col_u64(s, 2),
                       lg_sq_col_u64(s, 3))) {
            rc = lg_sq_books_broken("analytics sums");
            break;
        }
    }
    if (rc == LG_ERR_NOT_FOUND)
        rc = LG_OK;
out:
    lg_sq_done(s);
    return rc;
}

/* Counts the loans borrowed in the period by their state now. */
static lg_err analytics_loans(lg_sqlite *h, const char *partner_id, int64_t start_ms,
                              int64_t end_ms, int64_t default_before_ms, lg_partner_analytics *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(
        h, LG_SQ_ANALYTICS_LOANS,
        "SELECT COUNT(*), COALESCE(SUM(status = 3), 0), COALESCE(SUM(status IN (1, 2)), 0), "
        "COALESCE(SUM(status <> 3 AND created_at_ms < ?4), 0) FROM partner_loans "
        "WHERE partner_id = ?1 AND status <> 4 AND id IN (SELECT loan_id FROM partner_ledger "
        "WHERE partner_id = ?1 AND kind = 0 AND created_at_ms >= ?2 AND created_at_ms < ?3)",
        &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_i64(s, 2, start_ms) ||
        lg_sq_bind_i64(s, 3, end_ms) || lg_sq_bind_i64(s, 4, default_before_ms)) {
        rc = lg_sq_bind_failed(h, "analytics loans");
        goto out;
    }
    rc = lg_sq_step_row(h, s, "analytics loans");
    if (rc == LG_OK) {
        out->new_loans = (uint32_t)lg_sq_col_u64(s, 0);
        out->repaid_loans = (uint32_t)lg_sq_col_u64(s, 1);
        out->active_loans = (uint32_t)lg_sq_col_u64(s, 2);
        out->defaulted_loans = (uint32_t)lg_sq_col_u64(s, 3);
    }
out:
    lg_sq_done(s);
    return rc;
}

/* One zeroed entry per UTC day of [start_ms, end_ms), each with its day key. */
static lg_err analytics_days(int64_t start_ms, int64_t end_ms, lg_analytics_day **days,
                             size_t *ndays)
{
    int64_t first = start_ms / DAY_MS, last = (end_ms - 1) / DAY_MS;
    size_t n = (size_t)(last - first + 1);
    lg_analytics_day *d = calloc(n, sizeof *d);
    if (!d)
        return LG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (lg_time_day_key((first + (int64_t)i) * DAY_MS, d[i].day, sizeof d[i].day) != LG_OK) {
            free(d);
            return LG_ERR_INVALID;
        }
    }
    *days = d;
    *ndays = n;
    return LG_OK;
}

static lg_err analytics_in(lg_sqlite *h, const char *partner_id, int64_t start_ms, int64_t end_ms,
                           int64_t default_before_ms, lg_partner_analytics *out,
                           lg_analytics_day *days, size_t ndays)
{
    lg_partner p;
    lg_err rc = lg_sq_partner_read(h, partner_id, &p);
    if (rc == LG_OK)
        rc = analytics_ledger(h, partner_id, start_ms, end_ms, start_ms / DAY_MS, out, days, ndays);
    if (rc == LG_OK)
        rc = analytics_loans(h, partner_id, start_ms, end_ms, default_before_ms, out);
    return rc;
}

lg_err lg_sqlite_partner_analytics(lg_store *st, const char *partner_id, int64_t start_ms,
                                   int64_t end_ms, int64_t default_before_ms,
                                   lg_partner_analytics *out, lg_analytics_day **days,
                                   size_t *ndays)
{
    lg_sqlite *h = lg_sq_handle(st);
    if (end_ms <= start_ms || end_ms - start_ms > MAX_DAYS * DAY_MS)
        return LG_ERR_INVALID;
    lg_err rc = analytics_days(start_ms, end_ms, days, ndays);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_begin_read(h);
    if (rc == LG_OK)
        rc = lg_sq_end(h, analytics_in(h, partner_id, start_ms, end_ms, default_before_ms, out,
                                       *days, *ndays));
    if (rc != LG_OK) {
        free(*days);
        *days = NULL;
        *ndays = 0;
        memset(out, 0, sizeof *out);
    }
    return rc;
}
