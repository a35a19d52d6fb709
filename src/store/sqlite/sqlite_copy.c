/*
 * sqlite_copy.c - the SQLite side of copying a store (store_copy.h): every table read
 * in one snapshot into lg_copy_records, rows written back verbatim, and the census.
 */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/store_copy.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT(f) LG_SQ_COL_TEXT(s, c++, f)
#define I64()   lg_sq_col_i64(s, c++)
#define U64()   lg_sq_col_u64(s, c++)
#define INT()   lg_sq_col_int(s, c++)

/* A row's sandbox flag from its partner, for tables that keep none of their own. */
#define SANDBOX_OF_PARTNER(t)                                                                      \
    "(SELECT p.live_id IS NOT NULL FROM partners p WHERE p.id = " t ".partner_id)"

/* ------------------------------------------------------------ readers */

static void rd_partner(sqlite3_stmt *s, lg_copy_record *r)
{
    int c = LG_SQ_PARTNER_NCOLS;
    lg_sq_read_partner(s, 0, &r->u.partner.p);
    r->u.partner.event_seq = U64();
    TEXT(r->u.partner.limit_warn_day);
    r->u.partner.limit_warn_total = INT();
}

static void rd_key(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_key(s, 0, &r->u.key);
}

static void rd_position(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_position *p = &r->u.position;
    int c = 0;
    TEXT(p->wallet);
    TEXT(p->oaid);
    TEXT(p->position_id);
    TEXT(p->collateral_token);
    TEXT(p->collateral_amount);
    TEXT(p->collateral_value);
    TEXT(p->usdc_borrowed);
    TEXT(p->health_factor);
    p->token_type = INT();
    p->active = INT();
    p->total_partner_debt = U64();
    p->updated_at_ms = I64();
    r->sandbox = INT();
}

static void rd_loan(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_loan(s, 0, &r->u.loan);
    r->sandbox = lg_sq_col_int(s, 24);
}

static void rd_link(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_copy_link *l = &r->u.link;
    int c = 0;
    l->id = I64();
    r->sandbox = INT();
    TEXT(l->wallet);
    TEXT(l->oaid);
    TEXT(l->loan_id);
    TEXT(l->partner_id);
    l->debt = U64();
    l->repaid = INT();
    l->attached_at_ms = I64();
}

static void rd_repayment(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_repayment(s, 0, &r->u.repayment);
    r->sandbox = lg_sq_col_int(s, 15);
}

static void rd_deposit(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_deposit *d = &r->u.deposit;
    int c = 0;
    TEXT(d->tx_hash);
    TEXT(d->partner_id);
    d->amount = U64();
    d->created_at_ms = I64();
}

static void rd_ledger(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_ledger(s, 0, &r->u.ledger);
}

static void rd_usage(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_copy_usage *u = &r->u.usage;
    int c = 0;
    TEXT(u->partner_id);
    TEXT(u->day);
    u->borrowed = U64();
}

static void rd_tx(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_chain_tx(s, 0, &r->u.tx);
    r->sandbox = lg_sq_col_int(s, 12);
}

static void rd_nonce(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_copy_nonce *n = &r->u.nonce;
    int c = 0;
    n->chain_id = U64();
    TEXT(n->address);
    n->next = U64();
    n->updated_at_ms = I64();
}

static void rd_event(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_event(s, 0, &r->u.event);
}

static void rd_attempt(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_attempt(s, 0, &r->u.attempt);
}

static void rd_api_log(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_api_log(s, 0, &r->u.api_log);
    LG_SQ_COL_TEXT(s, 17, r->u.api_log.spool_id);
}

static void rd_audit(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_sq_read_audit(s, 0, &r->u.audit);
}

static void rd_lease(sqlite3_stmt *s, lg_copy_record *r)
{
    int c = 0;
    TEXT(r->u.lease.name);
    TEXT(r->u.lease.owner);
    r->u.lease.until_ms = I64();
}

static void rd_cursor(sqlite3_stmt *s, lg_copy_record *r)
{
    int c = 0;
    TEXT(r->u.cursor.name);
    r->u.cursor.block = U64();
    r->u.cursor.updated_at_ms = I64();
}

static void rd_journal(sqlite3_stmt *s, lg_copy_record *r)
{
    int c = 0;
    TEXT(r->u.journal.source);
    r->u.journal.offset = U64();
    r->u.journal.rows = U64();
    r->u.journal.updated_at_ms = I64();
}

static void rd_rate(sqlite3_stmt *s, lg_copy_record *r)
{
    lg_copy_rate *g = &r->u.rate;
    int c = 0;
    TEXT(g->key);
    g->window_start_ms = I64();
    g->current = U64();
    g->previous = U64();
    g->expires_at_ms = I64();
}

/* The schema's CHECK holds a digest at 32 bytes; a shorter blob reads zero-padded. */
static void rd_replay(sqlite3_stmt *s, lg_copy_record *r)
{
    const void *blob = sqlite3_column_blob(s, 0);
    int len = sqlite3_column_bytes(s, 0);
    if (blob && len > 0)
        memcpy(r->u.replay.digest, blob,
               len < LG_STORE_GUARD_DIGEST_LEN ? (size_t)len : LG_STORE_GUARD_DIGEST_LEN);
    r->u.replay.expires_at_ms = lg_sq_col_i64(s, 1);
}

/* ------------------------------------------------------------ export */

typedef void (*copy_reader)(sqlite3_stmt *s, lg_copy_record *r);

/* Every row of a table, in an order that keeps referenced rows first. */
static const struct {
    const char *sql;
    copy_reader read;
} exports[LG_COPY__COUNT] = {
    [LG_COPY_PARTNERS] =
        {"SELECT " LG_SQ_PARTNER_COLS(
             "") ",event_seq,limit_warn_day,"
                 "limit_warn_total FROM partners ORDER BY live_id IS NOT NULL, rowid",
         rd_partner},
    [LG_COPY_API_KEYS] = {"SELECT " LG_SQ_KEY_COLS("") " FROM api_keys ORDER BY id", rd_key},
    [LG_COPY_POSITIONS] = {"SELECT " LG_SQ_POSITION_COLS ",sandbox FROM solvency_positions "
                           "ORDER BY rowid",
                           rd_position},
    [LG_COPY_LOANS] = {"SELECT " LG_SQ_LOAN_COLS
                       "," SANDBOX_OF_PARTNER("partner_loans") " FROM partner_loans ORDER BY rowid",
                       rd_loan},
    [LG_COPY_POSITION_LOANS] = {"SELECT l.id,l.sandbox,l.wallet,l.oaid,l.loan_id,pl.partner_id,"
                                "l.debt,l.repaid,l.attached_at_ms FROM solvency_position_loans l "
                                "LEFT JOIN partner_loans pl ON pl.id = l.loan_id ORDER BY l.id",
                                rd_link},
    [LG_COPY_REPAYMENTS] = {"SELECT " LG_SQ_REPAY_COLS "," SANDBOX_OF_PARTNER(
                                "loan_repayments") " FROM loan_repayments ORDER BY rowid",
                            rd_repayment},
    [LG_COPY_DEPOSITS] = {"SELECT tx_hash,partner_id,amount,created_at_ms FROM partner_deposits "
                          "ORDER BY rowid",
                          rd_deposit},
    [LG_COPY_LEDGER] = {"SELECT " LG_SQ_LEDGER_COLS ",(SELECT user_wallet FROM partner_loans pl "
                        "WHERE pl.id = partner_ledger.loan_id) FROM partner_ledger ORDER BY id",
                        rd_ledger},
    [LG_COPY_DAILY_USAGE] = {"SELECT partner_id,day,borrowed FROM partner_daily_usage "
                             "ORDER BY partner_id, day",
                             rd_usage},
    [LG_COPY_CHAIN_TXS] = {"SELECT " LG_SQ_TX_COLS ",sandbox FROM chain_txs ORDER BY id", rd_tx},
    [LG_COPY_NONCES] = {"SELECT chain_id,address,next_nonce,updated_at_ms FROM nonces "
                        "ORDER BY chain_id, address",
                        rd_nonce},
    [LG_COPY_EVENTS] = {"SELECT " LG_SQ_EVENT_COLS("") " FROM webhook_outbox ORDER BY id",
                        rd_event},
    [LG_COPY_ATTEMPTS] = {"SELECT " LG_SQ_ATTEMPT_COLS " FROM webhook_attempts ORDER BY id",
                          rd_attempt},
    [LG_COPY_API_LOGS] = {"SELECT " LG_SQ_LOG_COLS ",'',spool_id FROM partner_api_logs "
                          "ORDER BY id",
                          rd_api_log},
    [LG_COPY_ADMIN_AUDIT] = {"SELECT " LG_SQ_AUDIT_COLS " FROM admin_audit ORDER BY id", rd_audit},
    [LG_COPY_JOB_LEASES] = {"SELECT name,owner,until_ms FROM job_leases ORDER BY name", rd_lease},
    [LG_COPY_CURSORS] = {"SELECT name,block,updated_at_ms FROM chain_cursors ORDER BY name",
                         rd_cursor},
    [LG_COPY_AUDIT_JOURNAL] = {"SELECT source,offset_bytes,rows,updated_at_ms FROM audit_journal "
                               "ORDER BY source",
                               rd_journal},
    [LG_COPY_GUARD_RATES] = {"SELECT key,window_start_ms,current,previous,expires_at_ms "
                             "FROM guard_rates ORDER BY key",
                             rd_rate},
    [LG_COPY_GUARD_REPLAYS] = {"SELECT digest,expires_at_ms FROM guard_replays ORDER BY digest",
                               rd_replay},
};

/* Reads table t into batches of batch[LG_COPY_BATCH] handed to sink. */
static lg_err export_table(lg_sqlite *h, lg_copy_table t, lg_copy_record *batch, lg_copy_sink sink,
                           void *ctx)
{
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(h->db, exports[t].sql, -1, &s, NULL);
    if (src != SQLITE_OK)
        return lg_sq_err(h, src, "copy: prepare an export");
    lg_err rc = LG_OK;
    size_t n = 0;
    while (rc == LG_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&batch[n], 0, sizeof batch[n]);
        batch[n].table = t;
        exports[t].read(s, &batch[n]);
        if (++n == LG_COPY_BATCH) {
            rc = sink(ctx, batch, n);
            n = 0;
        }
    }
    if (rc == LG_OK && src != SQLITE_DONE)
        rc = lg_sq_err(h, src, "copy: read a table");
    if (rc == LG_OK && n)
        rc = sink(ctx, batch, n);
    sqlite3_finalize(s);
    return rc;
}

lg_err lg_sqlite_copy_export(lg_store *st, lg_copy_sink sink, void *ctx)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_copy_record *batch = malloc(sizeof *batch * LG_COPY_BATCH);
    if (!batch)
        return LG_ERR_NOMEM;
    /* One snapshot: rows that name each other are read as of the same moment. */
    lg_err rc = lg_sq_begin_read(h);
    for (int t = 0; rc == LG_OK && t < LG_COPY__COUNT; t++)
        rc = export_table(h, (lg_copy_table)t, batch, sink, ctx);
    rc = lg_sq_end(h, rc);
    free(batch);
    return rc;
}

/* ------------------------------------------------------------ census */

static lg_err census_sink(void *ctx, const lg_copy_record *recs, size_t n)
{
    lg_err rc = LG_OK;
    for (size_t i = 0; rc == LG_OK && i < n; i++)
        rc = lg_store_census_add(ctx, &recs[i]);
    return rc;
}

/* The sums come from the rows as exported, so what a copy hands over is what is
 * counted; the row counts are checked against COUNT(*) so that no row the export's
 * queries miss goes uncounted. */
static lg_err count_check(lg_sqlite *h, const lg_census *c)
{
    lg_err rc = LG_OK;
    for (int t = 0; rc == LG_OK && t < LG_COPY__COUNT; t++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", lg_copy_table_name((lg_copy_table)t));
        sqlite3_stmt *s = NULL;
        int src = sqlite3_prepare_v2(h->db, sql, -1, &s, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_step(s);
        if (src != SQLITE_ROW)
            rc = lg_sq_err(h, src, "copy: count a table");
        else if ((uint64_t)sqlite3_column_int64(s, 0) != c->t[t].rows)
            rc = lg_sq_books_broken("copy: a table's rows and its export");
        sqlite3_finalize(s);
    }
    return rc;
}

lg_err lg_sqlite_census(lg_store *st, lg_census *out)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_copy_record *batch = malloc(sizeof *batch * LG_COPY_BATCH);
    if (!batch)
        return LG_ERR_NOMEM;
    lg_err rc = lg_sq_begin_read(h);
    for (int t = 0; rc == LG_OK && t < LG_COPY__COUNT; t++)
        rc = export_table(h, (lg_copy_table)t, batch, census_sink, out);
    if (rc == LG_OK)
        rc = count_check(h, out);
    rc = lg_sq_end(h, rc);
    free(batch);
    return rc;
}
