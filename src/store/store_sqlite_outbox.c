/* store_sqlite_outbox.c - the webhook outbox: enqueue, claim under a lease, settle
 * (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/events.h>
#include <lendgate/time.h>

#include <stdlib.h>
#include <string.h>

#define OUTBOX_SELECT "SELECT " LG_SQ_OUTBOX_COLS " FROM webhook_outbox"

lg_err lg_sq_outbox_add(lg_sqlite *h, const char *partner_id, const char *event_type,
                        const char *payload, int64_t *id_out)
{
    sqlite3_stmt *s;
    lg_outbox_event e;
    memset(&e, 0, sizeof e);
    LG_SQ_SET(e.partner_id, partner_id);
    LG_SQ_SET(e.event_type, event_type);
    e.status = LG_OUTBOX_PENDING;
    e.created_at_ms = e.next_attempt_at_ms = lg_time_now_ms();
    lg_err rc = lg_sq_prepare(h, LG_SQ_OUTBOX_INSERT,
                              "INSERT INTO webhook_outbox (" LG_SQ_OUTBOX_COLS ") VALUES "
                              "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                              &s);
    if (rc != LG_OK)
        return rc;
    /* The payload is bound from the caller's buffer rather than copied. */
    if (lg_sq_bind_outbox(s, &e) || lg_sq_bind_text(s, 4, payload))
        rc = lg_sq_bind_failed(h, "outbox add");
    else if ((rc = lg_sq_step_done(h, s, "outbox add")) == LG_OK && id_out)
        *id_out = sqlite3_last_insert_rowid(h->db);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_outbox_loan_event(lg_sqlite *h, const char *event, const lg_loan *l, uint64_t amount,
                               const char *tx_hash)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc =
        lg_event_loan_json(event, l, amount, tx_hash, lg_time_now_ms(), payload, sizeof payload);
    if (rc != LG_OK) {
        lg_sq_books_broken("outbox payload");
        return rc == LG_ERR_NOMEM ? rc : LG_ERR_STORE;
    }
    return lg_sq_outbox_add(h, l->partner_id, event, payload, NULL);
}

lg_err lg_sqlite_outbox_enqueue(lg_store *st, const char *partner_id, const char *event_type,
                                const char *payload, int64_t *id_out)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, lg_sq_outbox_add(h, partner_id, event_type, payload, id_out));
}

/* ------------------------------------------------------------ claim */

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const lg_outbox_event *)a)->id, y = ((const lg_outbox_event *)b)->id;
    return (x > y) - (x < y);
}

static lg_err claim_tx(lg_sqlite *h, uint32_t max, int64_t lease_ms, lg_outbox_event **items,
                       size_t *n)
{
    sqlite3_stmt *s;
    int64_t now = lg_time_now_ms();
    lg_err rc = lg_sq_prepare(
        h, LG_SQ_OUTBOX_CLAIM,
        "UPDATE webhook_outbox SET status = 1, lease_until_ms = ?2, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM webhook_outbox "
        "WHERE (status = 0 AND next_attempt_at_ms <= ?1) OR (status = 1 AND lease_until_ms < ?1) "
        "ORDER BY next_attempt_at_ms, id LIMIT ?3) RETURNING " LG_SQ_OUTBOX_COLS,
        &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, now) || lg_sq_bind_i64(s, 2, now + lease_ms) ||
        lg_sq_bind_i64(s, 3, max))
        rc = lg_sq_bind_failed(h, "outbox claim");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_outbox_event), lg_sq_read_outbox, SIZE_MAX,
                           (void **)items, n);
    lg_sq_done(s);
    /* RETURNING gives no order: hand events out oldest first. */
    if (rc == LG_OK && *n > 1)
        qsort(*items, *n, sizeof **items, by_id);
    return rc;
}

lg_err lg_sqlite_outbox_claim(lg_store *st, uint32_t max, int64_t lease_ms, lg_outbox_event **items,
                              size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    if (max == 0)
        return LG_OK;
    if (lease_ms > INT64_MAX - lg_time_now_ms())
        return LG_ERR_INVALID;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_end(h, claim_tx(h, max, lease_ms, items, n));
    if (rc != LG_OK) {
        free(*items);
        *items = NULL;
        *n = 0;
    }
    return rc;
}

/* ------------------------------------------------------------ settle */

lg_err lg_sqlite_outbox_get(lg_store *st, int64_t id, lg_outbox_event *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_OUTBOX_GET, OUTBOX_SELECT " WHERE id = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, id))
        rc = lg_sq_bind_failed(h, "outbox get");
    else if ((rc = lg_sq_step_row(h, s, "outbox get")) == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_outbox(s, 0, out);
    }
    lg_sq_done(s);
    return rc;
}

/* After a conditional update changed nothing: LG_ERR_NOT_FOUND or LG_ERR_STATE. */
static lg_err missing_or_state(lg_sqlite *h, int64_t id)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_OUTBOX_STATUS,
                              "SELECT status FROM webhook_outbox WHERE id = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, id))
        rc = lg_sq_bind_failed(h, "outbox status");
    else if ((rc = lg_sq_step_row(h, s, "outbox status")) == LG_OK)
        rc = LG_ERR_STATE;
    lg_sq_done(s);
    return rc;
}

/* Runs a transition UPDATE (?1 id, then ?2 time and ?3 text when the statement has
 * them) in its own transaction. */
static lg_err outbox_move(lg_sqlite *h, int slot, const char *sql, int64_t id, int64_t at,
                          const char *text)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    if ((rc = lg_sq_prepare(h, slot, sql, &s)) == LG_OK) {
        int np = sqlite3_bind_parameter_count(s);
        if (lg_sq_bind_i64(s, 1, id) || (np >= 2 && lg_sq_bind_i64(s, 2, at)) ||
            (np >= 3 && lg_sq_bind_reason(s, 3, text)))
            rc = lg_sq_bind_failed(h, "outbox update");
        else
            rc = lg_sq_step_done(h, s, "outbox update");
        lg_sq_done(s);
    }
    if (rc == LG_OK && sqlite3_changes(h->db) == 0)
        rc = missing_or_state(h, id);
    return lg_sq_end(h, rc);
}

lg_err lg_sqlite_outbox_delivered(lg_store *st, int64_t id)
{
    return outbox_move(lg_sq_handle(st), LG_SQ_OUTBOX_DELIVERED,
                       "UPDATE webhook_outbox SET status = 2, delivered_at_ms = ?2, "
                       "lease_until_ms = 0 WHERE id = ?1 AND status = 1",
                       id, lg_time_now_ms(), "");
}

lg_err lg_sqlite_outbox_retry(lg_store *st, int64_t id, int64_t next_attempt_at_ms,
                              const char *error)
{
    return outbox_move(lg_sq_handle(st), LG_SQ_OUTBOX_RETRY,
                       "UPDATE webhook_outbox SET status = 0, next_attempt_at_ms = ?2, "
                       "last_error = ?3, lease_until_ms = 0 WHERE id = ?1 AND status = 1",
                       id, next_attempt_at_ms, error);
}

lg_err lg_sqlite_outbox_dead(lg_store *st, int64_t id, const char *error)
{
    return outbox_move(lg_sq_handle(st), LG_SQ_OUTBOX_DEAD,
                       "UPDATE webhook_outbox SET status = 3, last_error = ?3, "
                       "lease_until_ms = 0 WHERE id = ?1 AND status IN (0, 1)",
                       id, 0, error);
}

lg_err lg_sqlite_outbox_requeue(lg_store *st, int64_t id)
{
    return outbox_move(lg_sq_handle(st), LG_SQ_OUTBOX_REQUEUE,
                       "UPDATE webhook_outbox SET status = 0, attempts = 0, "
                       "next_attempt_at_ms = ?2, lease_until_ms = 0 "
                       "WHERE id = ?1 AND status = 3",
                       id, lg_time_now_ms(), "");
}

static const lg_sq_list outbox_list_def = {
    .slot = LG_SQL_OUTBOX,
    .cols = LG_SQ_OUTBOX_COLS,
    .table = "webhook_outbox",
    .order = " ORDER BY created_at_ms DESC, id DESC",
    .conds = {"partner_id = ?", "status = ?"},
    .nconds = 2,
    .size = sizeof(lg_outbox_event),
    .read = lg_sq_read_outbox,
};

lg_err lg_sqlite_outbox_list(lg_store *st, const char *partner_id, int status, uint32_t limit,
                             uint64_t offset, lg_outbox_event **items, size_t *n, uint64_t *total)
{
    lg_sq_arg args[2] = {
        {partner_id != NULL, partner_id, 0},
        {status >= 0, NULL, status},
    };
    return lg_sq_list_run(lg_sq_handle(st), &outbox_list_def, args, limit, offset, (void **)items,
                          n, total);
}
