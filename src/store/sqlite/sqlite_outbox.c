/* sqlite_outbox.c - webhook events (SQLite): written inside the changes they
 * report, claimed by dispatchers under leases, finished with their attempt rows. */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/events.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ adding */

/* The partner's next sequence number, taken in the caller's transaction. */
static lg_err next_seq(lg_sqlite *h, const char *partner_id, uint64_t *seq)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_EVENT_SEQ,
                              "UPDATE partners SET event_seq = event_seq + 1 WHERE id = ?1 "
                              "RETURNING event_seq",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id))
        rc = lg_sq_bind_failed(h, "event sequence");
    else if ((rc = lg_sq_step_row(h, s, "event sequence")) == LG_OK) {
        *seq = lg_sq_col_u64(s, 0);
        /* RETURNING rows are produced up front; finish the statement. */
        rc = lg_sq_step_done(h, s, "event sequence");
    }
    lg_sq_done(s);
    return rc;
}

/* "evt_" and the 32 hex digits of a fresh UUID v4. */
static lg_err new_event_id(char out[LG_EVENT_ID_LEN])
{
    char uuid[LG_UUID_LEN];
    lg_err rc = lg_sq_new_id(uuid);
    if (rc != LG_OK)
        return rc;
    size_t j = 0;
    memcpy(out, "evt_", 4);
    j = 4;
    for (size_t i = 0; uuid[i] && j < LG_EVENT_ID_LEN - 1; i++)
        if (uuid[i] != '-')
            out[j++] = uuid[i];
    out[j] = '\0';
    return LG_OK;
}

static lg_err event_insert(lg_sqlite *h, const lg_event *e)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_OUTBOX_INSERT,
                              "INSERT INTO webhook_outbox (event_id, partner_id, seq, event_type, "
                              "payload, status, next_attempt_at_ms, created_at_ms, updated_at_ms) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6, ?6)",
                              &s);
    if (rc != LG_OK)
        return rc;
    /* The payload is bound from the caller's buffer rather than copied. */
    if (lg_sq_bind_text(s, 1, e->event_id) || lg_sq_bind_text(s, 2, e->partner_id) ||
        lg_sq_bind_u64(s, 3, e->seq) || lg_sq_bind_text(s, 4, e->type) ||
        lg_sq_bind_text(s, 5, e->payload) || lg_sq_bind_i64(s, 6, e->created_at_ms))
        rc = lg_sq_bind_failed(h, "event add");
    else
        rc = lg_sq_step_done(h, s, "event add");
    lg_sq_done(s);
    return rc;
}

lg_err lg_sq_event_add(lg_sqlite *h, const char *partner_id, const char *type, const char *data,
                       lg_event *out)
{
    lg_event e;
    memset(&e, 0, sizeof e);
    if (strlen(data) >= sizeof e.payload)
        return LG_ERR_OVERFLOW;
    LG_SQ_SET(e.partner_id, partner_id);
    LG_SQ_SET(e.type, type);
    memcpy(e.payload, data, strlen(data) + 1);
    e.status = LG_EVENT_PENDING;
    e.created_at_ms = e.next_attempt_at_ms = e.updated_at_ms = lg_time_now_ms();
    lg_err rc = next_seq(h, partner_id, &e.seq);
    if (rc == LG_OK)
        rc = new_event_id(e.event_id);
    if (rc == LG_OK)
        rc = event_insert(h, &e);
    if (rc == LG_OK && out)
        *out = e;
    return rc;
}

/* Data the store built itself that does not fit is a bug, not the caller's input. */
static lg_err built(lg_err rc, const char *what)
{
    if (rc == LG_OK)
        return LG_OK;
    lg_sq_books_broken(what);
    return rc == LG_ERR_NOMEM ? rc : LG_ERR_STORE;
}

lg_err lg_sq_outbox_loan_event(lg_sqlite *h, const char *event, const lg_loan *l, uint64_t amount,
                               const char *tx_hash)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc =
        built(lg_event_loan_json(l, amount, tx_hash, lg_time_now_ms(), payload, sizeof payload),
              "loan event data");
    return rc == LG_OK ? lg_sq_event_add(h, l->partner_id, event, payload, NULL) : rc;
}

lg_err lg_sq_outbox_partner_event(lg_sqlite *h, const char *event, const lg_partner *p,
                                  const char *key_prefix, int64_t keys_expire_ms)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc = built(lg_event_partner_json(p, key_prefix, keys_expire_ms, lg_time_now_ms(),
                                            payload, sizeof payload),
                      "partner event data");
    return rc == LG_OK ? lg_sq_event_add(h, p->id, event, payload, NULL) : rc;
}

static lg_err event_add_tx(lg_sqlite *h, const char *partner_id, const char *type, const char *data,
                           const lg_audit_hook *hook, lg_event *out)
{
    lg_partner p;
    lg_err rc = lg_sq_event_add(h, partner_id, type, data, out);
    if (rc == LG_OK && hook)
        rc = lg_sq_partner_read(h, partner_id, &p);
    if (rc == LG_OK && hook)
        rc = lg_sq_audit_write(h, hook, &p, &p);
    return rc;
}

lg_err lg_sqlite_event_add(lg_store *st, const char *partner_id, const char *type, const char *data,
                           const lg_audit_hook *hook, lg_event *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, event_add_tx(h, partner_id, type, data, hook, out));
}

/* ------------------------------------------------------------ limit warnings */

/* used reaches ratio_bps / 10000 of limit (a limit of 0 is never approached). */
static int crossed(uint64_t used, uint64_t limit, uint32_t ratio_bps)
{
    return limit > 0 && (unsigned __int128)used * 10000 >= (unsigned __int128)limit * ratio_bps;
}

/* Sets the partner's warning marks (limit_warn_day, limit_warn_total). */
static lg_err warn_marks(lg_sqlite *h, const char *partner_id, const char *day, int total)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LIMIT_WARN_SET,
                              "UPDATE partners SET limit_warn_day = ?2, limit_warn_total = ?3 "
                              "WHERE id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_text(s, 2, day) ||
        lg_sq_bind_i64(s, 3, total))
        rc = lg_sq_bind_failed(h, "limit warning");
    else
        rc = lg_sq_step_done(h, s, "limit warning");
    lg_sq_done(s);
    return rc;
}

static lg_err warn_marks_read(lg_sqlite *h, const char *partner_id, char day[LG_DAY_LEN],
                              int *total)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_LIMIT_WARN_GET,
                      "SELECT limit_warn_day, limit_warn_total FROM partners WHERE id = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id))
        rc = lg_sq_bind_failed(h, "limit warning");
    else if ((rc = lg_sq_step_row(h, s, "limit warning")) == LG_OK) {
        lg_sq_col_text(s, 0, day, LG_DAY_LEN);
        *total = lg_sq_col_int(s, 1);
    }
    lg_sq_done(s);
    return rc;
}

static lg_err limit_event(lg_sqlite *h, const lg_partner *p, const char *type, uint64_t limit,
                          uint64_t used, const char *day)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc = built(lg_event_limit_json(p, type, limit, used, h->base.limit_warn_bps, day,
                                          lg_time_now_ms(), payload, sizeof payload),
                      "limit event data");
    return rc == LG_OK ? lg_sq_event_add(h, p->id, "partner.limit_approaching", payload, NULL) : rc;
}

lg_err lg_sq_limit_warn(lg_sqlite *h, const lg_partner *p, const char *day, uint64_t day_used)
{
    char warned_day[LG_DAY_LEN];
    int warned_total = 0;
    if (h->base.limit_warn_bps == 0)
        return LG_OK;
    lg_err rc = warn_marks_read(h, p->id, warned_day, &warned_total);
    int daily = rc == LG_OK && strcmp(warned_day, day) != 0 &&
                crossed(day_used, p->daily_limit, h->base.limit_warn_bps);
    int total = rc == LG_OK && !warned_total &&
                crossed(p->outstanding, p->total_limit, h->base.limit_warn_bps);
    if (daily)
        rc = limit_event(h, p, "daily", p->daily_limit, day_used, day);
    if (rc == LG_OK && total)
        rc = limit_event(h, p, "total", p->total_limit, p->outstanding, NULL);
    if (rc == LG_OK && (daily || total))
        rc = warn_marks(h, p->id, daily ? day : warned_day, warned_total || total);
    return rc;
}

lg_err lg_sq_limit_rearm(lg_sqlite *h, const lg_partner *p)
{
    if (h->base.limit_warn_bps == 0 ||
        crossed(p->outstanding, p->total_limit, h->base.limit_warn_bps))
        return LG_OK;
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_LIMIT_REARM,
                              "UPDATE partners SET limit_warn_total = 0 WHERE id = ?1 "
                              "AND limit_warn_total = 1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, p->id))
        rc = lg_sq_bind_failed(h, "limit rearm");
    else
        rc = lg_sq_step_done(h, s, "limit rearm");
    lg_sq_done(s);
    return rc;
}

/* ------------------------------------------------------------ claiming */

/* Due events of partners without an endpoint will never go anywhere: SKIPPED (an
 * admin replays them once an endpoint is set). */
static lg_err skip_unroutable(lg_sqlite *h, int64_t now)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_EVENT_SKIP,
                      "UPDATE webhook_outbox SET status = 4, last_error = 'no webhook URL', "
                      "updated_at_ms = ?1 WHERE status = 0 AND next_attempt_at_ms <= ?1 "
                      "AND partner_id IN (SELECT id FROM partners WHERE webhook_url = '')",
                      &s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_bind_i64(s, 1, now) ? lg_sq_bind_failed(h, "event skip")
                                   : lg_sq_step_done(h, s, "event skip");
    lg_sq_done(s);
    return rc;
}

/* The claimable heads: per partner with an enabled endpoint, the lowest sequence
 * number still PENDING or DELIVERING, when it is due or its lease ran out. */
static lg_err heads(lg_sqlite *h, int64_t now, uint32_t max, lg_event **items, size_t *n)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_EVENT_HEADS,
                              "SELECT " LG_SQ_EVENT_COLS(
                                  "e.") " FROM webhook_outbox e "
                                        "JOIN partners p ON p.id = e.partner_id "
                                        "WHERE e.status IN (0, 1) AND p.webhook_url <> '' AND "
                                        "p.webhook_disabled_at_ms = 0 "
                                        "AND e.seq = (SELECT MIN(q.seq) FROM webhook_outbox q "
                                        "WHERE q.partner_id = e.partner_id AND q.status IN (0, 1)) "
                                        "AND ((e.status = 0 AND e.next_attempt_at_ms <= ?1) "
                                        "OR (e.status = 1 AND e.lease_until_ms <= ?1)) "
                                        "ORDER BY CASE e.status WHEN 0 THEN e.next_attempt_at_ms "
                                        "ELSE e.lease_until_ms END, e.id "
                                        "LIMIT ?2",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, now) || lg_sq_bind_i64(s, 2, max))
        rc = lg_sq_bind_failed(h, "event heads");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_event), lg_sq_read_event, max, (void **)items, n);
    lg_sq_done(s);
    return rc;
}

static lg_err take(lg_sqlite *h, lg_event *e, const char *owner, int64_t until, int64_t now)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_EVENT_TAKE,
                              "UPDATE webhook_outbox SET status = 1, owner = ?2, "
                              "lease_until_ms = ?3, updated_at_ms = ?4 WHERE id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, e->id) || lg_sq_bind_text(s, 2, owner) ||
        lg_sq_bind_i64(s, 3, until) || lg_sq_bind_i64(s, 4, now))
        rc = lg_sq_bind_failed(h, "event claim");
    else
        rc = lg_sq_step_done(h, s, "event claim");
    lg_sq_done(s);
    if (rc == LG_OK) {
        e->status = LG_EVENT_DELIVERING;
        LG_SQ_SET(e->owner, owner);
        e->lease_until_ms = until;
        e->updated_at_ms = now;
    }
    return rc;
}

static lg_err claim_tx(lg_sqlite *h, const char *owner, int64_t lease_ms, uint32_t max,
                       lg_event **items, size_t *n)
{
    int64_t now = lg_time_now_ms();
    lg_err rc = skip_unroutable(h, now);
    if (rc == LG_OK)
        rc = heads(h, now, max, items, n);
    for (size_t i = 0; rc == LG_OK && i < *n; i++)
        rc = take(h, &(*items)[i], owner, now + lease_ms, now);
    return rc;
}

lg_err lg_sqlite_event_claim(lg_store *st, const char *owner, int64_t lease_ms, uint32_t max,
                             lg_event **items, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    *items = NULL;
    *n = 0;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_end(h, claim_tx(h, owner, lease_ms, max, items, n));
    if (rc != LG_OK) {
        free(*items);
        *items = NULL;
        *n = 0;
    }
    return rc;
}

/* ------------------------------------------------------------ finishing */

static lg_err event_read(lg_sqlite *h, const char *event_id, lg_event *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_EVENT_GET,
                              "SELECT " LG_SQ_EVENT_COLS("") " FROM webhook_outbox "
                                                             "WHERE event_id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, event_id))
        rc = lg_sq_bind_failed(h, "event get");
    else if ((rc = lg_sq_step_row(h, s, "event get")) == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_event(s, 0, out);
    }
    lg_sq_done(s);
    return rc;
}

static lg_err attempt_insert(lg_sqlite *h, lg_event_attempt *a)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_ATTEMPT_NEXT,
                              "SELECT COALESCE(MAX(attempt), 0) + 1 FROM webhook_attempts "
                              "WHERE event_id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, a->event_id))
        rc = lg_sq_bind_failed(h, "attempt number");
    else if ((rc = lg_sq_step_row(h, s, "attempt number")) == LG_OK)
        a->attempt = (uint32_t)lg_sq_col_i64(s, 0);
    lg_sq_done(s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_ATTEMPT_INSERT,
                       "INSERT INTO webhook_attempts (" LG_SQ_ATTEMPT_COLS ") VALUES "
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                       &s);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_bind_attempt(s, a) ? lg_sq_bind_failed(h, "attempt insert")
                                  : lg_sq_step_done(h, s, "attempt insert");
    lg_sq_done(s);
    return rc;
}

/* The partner's endpoint answered 410 Gone: switched off until an admin turns it on. */
static lg_err endpoint_disable(lg_sqlite *h, const char *partner_id, const char *reason,
                               int64_t now)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_ENDPOINT_DISABLE,
                              "UPDATE partners SET webhook_disabled_at_ms = ?2, "
                              "webhook_disabled_reason = ?3, updated_at_ms = ?2 "
                              "WHERE id = ?1 AND webhook_disabled_at_ms = 0",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id) || lg_sq_bind_i64(s, 2, now) ||
        lg_sq_bind_reason(s, 3, reason))
        rc = lg_sq_bind_failed(h, "endpoint disable");
    else
        rc = lg_sq_step_done(h, s, "endpoint disable");
    lg_sq_done(s);
    return rc;
}

/* The event after attempt a: its new status, schedule and last answer. */
static void settle(lg_event *e, const lg_event_attempt *a, int64_t next_ms, int64_t now)
{
    static const lg_event_status after[] = {
        [LG_ATTEMPT_DELIVERED] = LG_EVENT_DELIVERED,
        [LG_ATTEMPT_RETRY] = LG_EVENT_PENDING,
        [LG_ATTEMPT_DEAD] = LG_EVENT_DEAD,
        [LG_ATTEMPT_DISABLED] = LG_EVENT_PENDING,
    };
    e->status = after[a->outcome];
    /* A 410 is the endpoint's state, not the event's: the schedule starts over once it
     * is re-enabled. */
    e->attempts = a->outcome == LG_ATTEMPT_DISABLED ? 0 : e->attempts + 1;
    e->next_attempt_at_ms = a->outcome == LG_ATTEMPT_RETRY ? next_ms : now;
    e->owner[0] = '\0';
    e->lease_until_ms = 0;
    e->last_status_code = a->status_code;
    LG_SQ_SET(e->last_error, a->error);
    if (a->outcome == LG_ATTEMPT_DELIVERED)
        e->delivered_at_ms = now;
    e->updated_at_ms = now;
}

static lg_err event_write(lg_sqlite *h, const lg_event *e)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_EVENT_SET,
                              "UPDATE webhook_outbox SET status = ?2, attempts = ?3, "
                              "next_attempt_at_ms = ?4, owner = ?5, lease_until_ms = ?6, "
                              "last_status_code = ?7, last_error = ?8, delivered_at_ms = ?9, "
                              "updated_at_ms = ?10 WHERE id = ?1",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, e->id) || lg_sq_bind_i64(s, 2, e->status) ||
        lg_sq_bind_i64(s, 3, e->attempts) || lg_sq_bind_i64(s, 4, e->next_attempt_at_ms) ||
        lg_sq_bind_text(s, 5, e->owner) || lg_sq_bind_i64(s, 6, e->lease_until_ms) ||
        lg_sq_bind_i64(s, 7, e->last_status_code) || lg_sq_bind_reason(s, 8, e->last_error) ||
        lg_sq_bind_i64(s, 9, e->delivered_at_ms) || lg_sq_bind_i64(s, 10, e->updated_at_ms))
        rc = lg_sq_bind_failed(h, "event finish");
    else
        rc = lg_sq_step_done(h, s, "event finish");
    lg_sq_done(s);
    return rc;
}

/* *lost: the attempt's dispatcher no longer held the event; only the attempt row is
 * written then. */
static lg_err finish_tx(lg_sqlite *h, lg_event_attempt *a, int64_t next_ms, int *lost)
{
    lg_event e;
    int64_t now = lg_time_now_ms();
    lg_err rc = event_read(h, a->event_id, &e);
    if (rc != LG_OK)
        return rc;
    LG_SQ_SET(a->partner_id, e.partner_id);
    if ((rc = attempt_insert(h, a)) != LG_OK)
        return rc;
    *lost = e.status != LG_EVENT_DELIVERING || strcmp(e.owner, a->dispatcher) != 0;
    if (*lost)
        return LG_OK;
    settle(&e, a, next_ms, now);
    rc = event_write(h, &e);
    if (rc == LG_OK && a->outcome == LG_ATTEMPT_DISABLED)
        rc = endpoint_disable(h, e.partner_id, a->error, now);
    return rc;
}

lg_err lg_sqlite_event_finish(lg_store *st, const lg_event_attempt *a, int64_t next_attempt_at_ms,
                              uint32_t *attempt_no)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_event_attempt row = *a;
    int lost = 0;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_end(h, finish_tx(h, &row, next_attempt_at_ms, &lost));
    if (rc == LG_OK && attempt_no)
        *attempt_no = row.attempt;
    return rc == LG_OK && lost ? LG_ERR_CONFLICT : rc;
}

/* ------------------------------------------------------------ reading */

lg_err lg_sqlite_event_get(lg_store *st, const char *event_id, const char *partner_id,
                           lg_event *out)
{
    lg_err rc = event_read(lg_sq_handle(st), event_id, out);
    if (rc == LG_OK && partner_id && strcmp(out->partner_id, partner_id) != 0) {
        memset(out, 0, sizeof *out);
        rc = LG_ERR_NOT_FOUND;
    }
    return rc;
}

static const lg_sq_list event_list_def = {
    .slot = LG_SQL_EVENTS,
    .cols = LG_SQ_EVENT_COLS(""),
    .table = "webhook_outbox",
    .order = " ORDER BY created_at_ms DESC, id DESC",
    .conds = {"partner_id = ?", "event_type = ?", "status = ?", "created_at_ms >= ?",
              "created_at_ms < ?"},
    .nconds = 5,
    .size = sizeof(lg_event),
    .read = lg_sq_read_event,
};

lg_err lg_sqlite_event_list(lg_store *st, const lg_event_filter *f, lg_event **items, size_t *n,
                            uint64_t *total)
{
    lg_sq_arg args[5] = {
        {f->partner_id != NULL, f->partner_id, 0}, {f->type != NULL, f->type, 0},
        {f->status >= 0, NULL, f->status},         {f->start_ms > 0, NULL, f->start_ms},
        {f->end_ms > 0, NULL, f->end_ms},
    };
    return lg_sq_list_run(lg_sq_handle(st), &event_list_def, args, f->limit, f->offset,
                          (void **)items, n, total);
}

lg_err lg_sqlite_event_attempts(lg_store *st, const char *event_id, lg_event_attempt **items,
                                size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_ATTEMPT_LIST,
                              "SELECT " LG_SQ_ATTEMPT_COLS " FROM webhook_attempts "
                              "WHERE event_id = ?1 ORDER BY attempt, id LIMIT ?2",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, event_id) || lg_sq_bind_i64(s, 2, LG_STORE_LIST_MAX))
        rc = lg_sq_bind_failed(h, "attempt list");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_event_attempt), lg_sq_read_attempt, LG_STORE_LIST_MAX,
                           (void **)items, n);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_event_counts(lg_store *st, uint64_t counts[5])
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    memset(counts, 0, 5 * sizeof counts[0]);
    lg_err rc = lg_sq_prepare(h, LG_SQ_EVENT_COUNTS,
                              "SELECT status, COUNT(*) FROM webhook_outbox GROUP BY status", &s);
    if (rc != LG_OK)
        return rc;
    while ((rc = lg_sq_step_row(h, s, "event counts")) == LG_OK) {
        int status = lg_sq_col_int(s, 0);
        if (status >= 0 && status < 5)
            counts[status] = lg_sq_col_u64(s, 1);
    }
    lg_sq_done(s);
    return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
}

/* ------------------------------------------------------------ replay */

static lg_err replay_run(lg_sqlite *h, int slot, const char *sql, const char *key, int64_t since,
                         int64_t now, uint64_t *count)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, slot, sql, &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, key) || lg_sq_bind_i64(s, 2, since) || lg_sq_bind_i64(s, 3, now))
        rc = lg_sq_bind_failed(h, "event replay");
    else if ((rc = lg_sq_step_done(h, s, "event replay")) == LG_OK)
        *count = (uint64_t)sqlite3_changes(h->db);
    lg_sq_done(s);
    return rc;
}

#define REPLAY_SET                                                                                 \
    "UPDATE webhook_outbox SET status = 0, attempts = 0, next_attempt_at_ms = ?3, owner = '', "    \
    "lease_until_ms = 0, updated_at_ms = ?3 "

static lg_err replay_tx(lg_sqlite *h, const char *partner_id, const char *event_id,
                        int64_t since_ms, const lg_audit_hook *hook, uint64_t *count)
{
    lg_event e;
    lg_partner p;
    int64_t now = lg_time_now_ms();
    lg_err rc = LG_OK;
    if (event_id && (rc = event_read(h, event_id, &e)) == LG_OK) {
        if (partner_id && strcmp(partner_id, e.partner_id) != 0)
            return LG_ERR_NOT_FOUND;
        partner_id = e.partner_id;
    }
    if (rc == LG_OK)
        rc = lg_sq_partner_read(h, partner_id, &p);
    if (rc == LG_OK && event_id)
        rc = replay_run(h, LG_SQ_EVENT_REPLAY_ONE,
                        REPLAY_SET "WHERE event_id = ?1 AND status <> 1 AND ?2 = ?2", event_id, 0,
                        now, count);
    else if (rc == LG_OK)
        rc = replay_run(h, LG_SQ_EVENT_REPLAY_SINCE,
                        REPLAY_SET "WHERE partner_id = ?1 AND created_at_ms >= ?2 AND status <> 1",
                        partner_id, since_ms, now, count);
    if (rc == LG_OK)
        rc = lg_sq_audit_write(h, hook, &p, &p);
    return rc;
}

lg_err lg_sqlite_event_replay(lg_store *st, const char *partner_id, const char *event_id,
                              int64_t since_ms, const lg_audit_hook *hook, uint64_t *count)
{
    lg_sqlite *h = lg_sq_handle(st);
    uint64_t scratch = 0;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h,
                     replay_tx(h, partner_id, event_id, since_ms, hook, count ? count : &scratch));
}
