/*
 * sqlite_import.c - the SQLite side of a store copy's writes (store_copy.h): each
 * lg_copy_record inserted as it is, ids and times included, with no business step.
 */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/store_copy.h>

#include <string.h>

/* Binds r to the insert of its table; non-zero when a value cannot be bound. */
typedef int (*copy_binder)(sqlite3_stmt *s, const lg_copy_record *r);

static int bd_partner(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_copy_partner *p = &r->u.partner;
    return lg_sq_bind_partner(s, &p->p) || lg_sq_bind_u64(s, 23, p->p.deposited) ||
           lg_sq_bind_u64(s, 24, p->p.balance_used) || lg_sq_bind_opt_text(s, 34, p->p.live_id) ||
           lg_sq_bind_u64(s, 35, p->event_seq) || lg_sq_bind_text(s, 36, p->limit_warn_day) ||
           lg_sq_bind_i64(s, 37, p->limit_warn_total != 0);
}

static int bd_key(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_key(s, &r->u.key) || lg_sq_bind_i64(s, 1, r->u.key.id);
}

static int bd_position(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_position(s, &r->u.position) || lg_sq_bind_i64(s, 13, r->sandbox != 0);
}

static int bd_loan(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_loan *l = &r->u.loan;
    return lg_sq_bind_loan(s, l) || lg_sq_bind_text(s, 21, l->metadata) ||
           lg_sq_bind_text(s, 22, l->remaining_credit) || lg_sq_bind_text(s, 23, l->owner) ||
           lg_sq_bind_i64(s, 24, l->lease_until_ms);
}

static int bd_link(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_copy_link *l = &r->u.link;
    return lg_sq_bind_i64(s, 1, l->id) || lg_sq_bind_i64(s, 2, r->sandbox != 0) ||
           lg_sq_bind_text(s, 3, l->wallet) || lg_sq_bind_text(s, 4, l->oaid) ||
           lg_sq_bind_text(s, 5, l->loan_id) || lg_sq_bind_u64(s, 6, l->debt) ||
           lg_sq_bind_i64(s, 7, l->repaid != 0) || lg_sq_bind_i64(s, 8, l->attached_at_ms);
}

static int bd_repayment(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_repayment *p = &r->u.repayment;
    return lg_sq_bind_repayment(s, p) || lg_sq_bind_text(s, 12, p->owner) ||
           lg_sq_bind_i64(s, 13, p->lease_until_ms) || lg_sq_bind_i64(s, 14, p->kind) ||
           lg_sq_bind_opt_text(s, 15, p->idem_key);
}

static int bd_deposit(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_deposit *d = &r->u.deposit;
    return lg_sq_bind_text(s, 1, d->tx_hash) || lg_sq_bind_text(s, 2, d->partner_id) ||
           lg_sq_bind_u64(s, 3, d->amount) || lg_sq_bind_i64(s, 4, d->created_at_ms);
}

static int bd_ledger(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_ledger(s, &r->u.ledger) || lg_sq_bind_i64(s, 1, r->u.ledger.id);
}

static int bd_usage(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_copy_usage *u = &r->u.usage;
    return lg_sq_bind_text(s, 1, u->partner_id) || lg_sq_bind_text(s, 2, u->day) ||
           lg_sq_bind_u64(s, 3, u->borrowed);
}

static int bd_tx(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_chain_tx(s, &r->u.tx) || lg_sq_bind_i64(s, 1, r->u.tx.id) ||
           lg_sq_bind_i64(s, 13, r->sandbox != 0);
}

static int bd_nonce(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_copy_nonce *n = &r->u.nonce;
    return lg_sq_bind_u64(s, 1, n->chain_id) || lg_sq_bind_text(s, 2, n->address) ||
           lg_sq_bind_u64(s, 3, n->next) || lg_sq_bind_i64(s, 4, n->updated_at_ms);
}

static int bd_event(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_event *e = &r->u.event;
    return lg_sq_bind_i64(s, 1, e->id) || lg_sq_bind_text(s, 2, e->event_id) ||
           lg_sq_bind_text(s, 3, e->partner_id) || lg_sq_bind_u64(s, 4, e->seq) ||
           lg_sq_bind_text(s, 5, e->type) || lg_sq_bind_text(s, 6, e->payload) ||
           lg_sq_bind_i64(s, 7, e->status) || lg_sq_bind_i64(s, 8, e->attempts) ||
           lg_sq_bind_i64(s, 9, e->next_attempt_at_ms) || lg_sq_bind_text(s, 10, e->owner) ||
           lg_sq_bind_i64(s, 11, e->lease_until_ms) || lg_sq_bind_i64(s, 12, e->last_status_code) ||
           lg_sq_bind_reason(s, 13, e->last_error) || lg_sq_bind_i64(s, 14, e->created_at_ms) ||
           lg_sq_bind_i64(s, 15, e->delivered_at_ms) || lg_sq_bind_i64(s, 16, e->updated_at_ms);
}

static int bd_attempt(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_attempt(s, &r->u.attempt) || lg_sq_bind_i64(s, 1, r->u.attempt.id);
}

static int bd_api_log(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_api_log(s, &r->u.api_log) || lg_sq_bind_i64(s, 1, r->u.api_log.id) ||
           lg_sq_bind_opt_text(s, 17, r->u.api_log.spool_id);
}

static int bd_audit(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_audit(s, &r->u.audit) || lg_sq_bind_i64(s, 1, r->u.audit.id);
}

static int bd_lease(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_text(s, 1, r->u.lease.name) || lg_sq_bind_text(s, 2, r->u.lease.owner) ||
           lg_sq_bind_i64(s, 3, r->u.lease.until_ms);
}

static int bd_cursor(sqlite3_stmt *s, const lg_copy_record *r)
{
    return lg_sq_bind_text(s, 1, r->u.cursor.name) || lg_sq_bind_u64(s, 2, r->u.cursor.block) ||
           lg_sq_bind_i64(s, 3, r->u.cursor.updated_at_ms);
}

static int bd_journal(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_copy_journal *j = &r->u.journal;
    return lg_sq_bind_text(s, 1, j->source) || lg_sq_bind_u64(s, 2, j->offset) ||
           lg_sq_bind_u64(s, 3, j->rows) || lg_sq_bind_i64(s, 4, j->updated_at_ms);
}

static int bd_rate(sqlite3_stmt *s, const lg_copy_record *r)
{
    const lg_copy_rate *g = &r->u.rate;
    return lg_sq_bind_text(s, 1, g->key) || lg_sq_bind_i64(s, 2, g->window_start_ms) ||
           lg_sq_bind_u64(s, 3, g->current) || lg_sq_bind_u64(s, 4, g->previous) ||
           lg_sq_bind_i64(s, 5, g->expires_at_ms);
}

static int bd_replay(sqlite3_stmt *s, const lg_copy_record *r)
{
    return sqlite3_bind_blob(s, 1, r->u.replay.digest, LG_STORE_GUARD_DIGEST_LEN, SQLITE_STATIC) !=
               SQLITE_OK ||
           lg_sq_bind_i64(s, 2, r->u.replay.expires_at_ms);
}

#define P10 "?,?,?,?,?,?,?,?,?,?"

static const struct {
    const char *sql;
    copy_binder bind;
} imports[LG_COPY__COUNT] = {
    [LG_COPY_PARTNERS] = {"INSERT INTO partners (" LG_SQ_PARTNER_COLS(
                              "") ",event_seq,"
                                  "limit_warn_day,limit_warn_total) VALUES (" P10 "," P10 "," P10
                                  ",?,?,?,?,?,?,?)",
                          bd_partner},
    [LG_COPY_API_KEYS] = {"INSERT INTO api_keys (" LG_SQ_KEY_COLS(
                              "") ") VALUES (?,?,?,?,?,?,?,?,?)",
                          bd_key},
    [LG_COPY_POSITIONS] = {"INSERT INTO solvency_positions (" LG_SQ_POSITION_COLS
                           ",sandbox) VALUES (" P10 ",?,?,?)",
                           bd_position},
    [LG_COPY_LOANS] = {"INSERT INTO partner_loans (" LG_SQ_LOAN_COLS ") VALUES (" P10 "," P10
                       ",?,?,?,?)",
                       bd_loan},
    [LG_COPY_POSITION_LOANS] = {"INSERT INTO solvency_position_loans (id,sandbox,wallet,oaid,"
                                "loan_id,debt,repaid,attached_at_ms) VALUES (?,?,?,?,?,?,?,?)",
                                bd_link},
    [LG_COPY_REPAYMENTS] = {"INSERT INTO loan_repayments (" LG_SQ_REPAY_COLS ") VALUES (" P10
                            ",?,?,?,?,?)",
                            bd_repayment},
    [LG_COPY_DEPOSITS] = {"INSERT INTO partner_deposits (tx_hash,partner_id,amount,created_at_ms) "
                          "VALUES (?,?,?,?)",
                          bd_deposit},
    [LG_COPY_LEDGER] = {"INSERT INTO partner_ledger (" LG_SQ_LEDGER_COLS
                        ") VALUES (?,?,?,?,?,?,?,?)",
                        bd_ledger},
    [LG_COPY_DAILY_USAGE] = {"INSERT INTO partner_daily_usage (partner_id,day,borrowed) "
                             "VALUES (?,?,?)",
                             bd_usage},
    [LG_COPY_CHAIN_TXS] = {"INSERT INTO chain_txs (" LG_SQ_TX_COLS ",sandbox) VALUES (" P10
                           ",?,?,?)",
                           bd_tx},
    [LG_COPY_NONCES] = {"INSERT INTO nonces (chain_id,address,next_nonce,updated_at_ms) "
                        "VALUES (?,?,?,?)",
                        bd_nonce},
    [LG_COPY_EVENTS] = {"INSERT INTO webhook_outbox (" LG_SQ_EVENT_COLS("") ") VALUES (" P10
                                                                            ",?,?,?,?,?,?)",
                        bd_event},
    [LG_COPY_ATTEMPTS] = {"INSERT INTO webhook_attempts (" LG_SQ_ATTEMPT_COLS ") VALUES (" P10
                          ",?,?)",
                          bd_attempt},
    [LG_COPY_API_LOGS] = {"INSERT INTO partner_api_logs (" LG_SQ_LOG_COLS ",spool_id) VALUES (" P10
                          ",?,?,?,?,?,?,?)",
                          bd_api_log},
    [LG_COPY_ADMIN_AUDIT] = {"INSERT INTO admin_audit (" LG_SQ_AUDIT_COLS ") VALUES "
                             "(?,?,?,?,?,?,?,?,?)",
                             bd_audit},
    [LG_COPY_JOB_LEASES] = {"INSERT INTO job_leases (name,owner,until_ms) VALUES (?,?,?)",
                            bd_lease},
    [LG_COPY_CURSORS] = {"INSERT INTO chain_cursors (name,block,updated_at_ms) VALUES (?,?,?)",
                         bd_cursor},
    [LG_COPY_AUDIT_JOURNAL] = {"INSERT INTO audit_journal (source,offset_bytes,rows,"
                               "updated_at_ms) VALUES (?,?,?,?)",
                               bd_journal},
    [LG_COPY_GUARD_RATES] = {"INSERT INTO guard_rates (key,window_start_ms,current,previous,"
                             "expires_at_ms) VALUES (?,?,?,?,?)",
                             bd_rate},
    [LG_COPY_GUARD_REPLAYS] = {"INSERT INTO guard_replays (digest,expires_at_ms) VALUES (?,?)",
                               bd_replay},
};

static lg_err insert_all(lg_sqlite *h, const lg_copy_record *recs, size_t n)
{
    sqlite3_stmt *s = NULL;
    lg_err rc = LG_OK;
    const char *sql = NULL;
    for (size_t i = 0; rc == LG_OK && i < n; i++) {
        if ((unsigned)recs[i].table >= LG_COPY__COUNT)
            return LG_ERR_INVALID;
        /* A batch is one table's, but nothing breaks if it is not. */
        if (imports[recs[i].table].sql != sql) {
            sqlite3_finalize(s);
            sql = imports[recs[i].table].sql;
            int src = sqlite3_prepare_v2(h->db, sql, -1, &s, NULL);
            if (src != SQLITE_OK) {
                s = NULL;
                rc = lg_sq_err(h, src, "copy: prepare an import");
                break;
            }
        }
        if (imports[recs[i].table].bind(s, &recs[i]))
            rc = lg_sq_bind_failed(h, "copy: a row");
        else
            rc = lg_sq_step_done(h, s, "copy: insert a row");
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    sqlite3_finalize(s);
    return rc;
}

lg_err lg_sqlite_copy_import(lg_store *st, const lg_copy_record *recs, size_t n)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc == LG_OK)
        rc = insert_all(h, recs, n);
    rc = lg_sq_end(h, rc);
    /* A key the target holds already: the target was not the empty store it said. */
    return rc == LG_ERR_DUPLICATE ? LG_ERR_CONFLICT : rc;
}
