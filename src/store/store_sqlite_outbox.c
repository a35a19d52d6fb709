/* store_sqlite_outbox.c - the webhook outbox (SQLite): the loan operations enqueue
 * their events here, inside their own transactions. */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/events.h>
#include <lendgate/time.h>

#include <string.h>

/* Enqueues an event due now, in the caller's transaction. */
static lg_err outbox_add(lg_sqlite *h, const char *partner_id, const char *event_type,
                         const char *payload)
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
    else
        rc = lg_sq_step_done(h, s, "outbox add");
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
    return outbox_add(h, l->partner_id, event, payload);
}
