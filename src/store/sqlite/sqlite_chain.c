/* sqlite_chain.c - signed chain transactions and per-address nonces (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <ctype.h>
#include <string.h>

#define TX_SELECT "SELECT " LG_SQ_TX_COLS " FROM chain_txs"

lg_err lg_sqlite_tx_record(lg_store *st, const lg_chain_tx *tx, int64_t *id_out)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_chain_tx row = *tx;
    row.state = LG_TXS_SIGNED;
    row.created_at_ms = row.updated_at_ms = lg_time_now_ms();
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_TX_INSERT,
                       "INSERT INTO chain_txs (" LG_SQ_TX_COLS ",sandbox) VALUES "
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                       &s);
    if (rc == LG_OK) {
        if (lg_sq_bind_chain_tx(s, &row) || lg_sq_bind_i64(s, 13, h->base.sandbox))
            rc = lg_sq_bind_failed(h, "tx record");
        else if ((rc = lg_sq_step_done(h, s, "tx record")) == LG_OK)
            *id_out = sqlite3_last_insert_rowid(h->db);
        lg_sq_done(s);
    }
    return lg_sq_end(h, rc);
}

static lg_err tx_by_hash(lg_sqlite *h, const char *hash, lg_chain_tx *out)
{
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_TX_BY_HASH, TX_SELECT " WHERE hash = ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, hash))
        rc = lg_sq_bind_failed(h, "tx get");
    else if ((rc = lg_sq_step_row(h, s, "tx get")) == LG_OK) {
        memset(out, 0, sizeof *out);
        lg_sq_read_chain_tx(s, 0, out);
    }
    lg_sq_done(s);
    return rc;
}

/* Sets the state of version id, or with replace_others of every other version at
 * its nonce. */
static lg_err tx_state_write(lg_sqlite *h, const lg_chain_tx *tx, lg_tx_state state,
                             int replace_others)
{
    sqlite3_stmt *s;
    lg_err rc = replace_others
                    ? lg_sq_prepare(h, LG_SQ_TX_REPLACE_OTHERS,
                                    "UPDATE chain_txs SET state = ?2, updated_at_ms = ?3 "
                                    "WHERE chain_id = ?4 AND from_addr = ?5 "
                                    "AND nonce = ?6 AND id <> ?1",
                                    &s)
                    : lg_sq_prepare(h, LG_SQ_TX_STATE_SET,
                                    "UPDATE chain_txs SET state = ?2, updated_at_ms = ?3 "
                                    "WHERE id = ?1",
                                    &s);
    if (rc != LG_OK)
        return rc;
    int bad = lg_sq_bind_i64(s, 1, tx->id) || lg_sq_bind_i64(s, 2, state) ||
              lg_sq_bind_i64(s, 3, lg_time_now_ms());
    if (!bad && replace_others)
        bad = lg_sq_bind_u64(s, 4, tx->chain_id) || lg_sq_bind_text(s, 5, tx->from) ||
              lg_sq_bind_u64(s, 6, tx->nonce);
    if (bad)
        rc = lg_sq_bind_failed(h, "tx state");
    else
        rc = lg_sq_step_done(h, s, "tx state");
    lg_sq_done(s);
    return rc;
}

static lg_err set_state_tx(lg_sqlite *h, const char *hash, lg_tx_state state)
{
    lg_chain_tx tx;
    lg_err rc = tx_by_hash(h, hash, &tx);
    if (rc != LG_OK)
        return rc;
    rc = tx_state_write(h, &tx, state, 0);
    if (rc == LG_OK && state == LG_TXS_MINED)
        rc = tx_state_write(h, &tx, LG_TXS_REPLACED, 1);
    return rc;
}

/* MINED and REVERTED are the chain's facts, which reconcile reads again from the
 * receipts of every transaction still SIGNED: they go in on the connection that does
 * not wait for the disk (lg_sq_log_handle), saving a borrow two of its syncs. The next
 * commit of the main connection syncs them with it; a power cut before that leaves the
 * transaction SIGNED, as if the receipt had not been read yet. DROPPED gives up a
 * transaction that must never be sent again: it waits for the disk. */
lg_err lg_sqlite_tx_set_state(lg_store *st, const char *hash, lg_tx_state state)
{
    lg_sqlite *h = lg_sq_handle(st);
    if (state == LG_TXS_MINED || state == LG_TXS_REVERTED)
        h = lg_sq_log_handle(h);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, set_state_tx(h, hash, state));
}

lg_err lg_sqlite_tx_list(lg_store *st, const char *loan_id, const char *repayment_id,
                         lg_chain_tx **items, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = loan_id ? lg_sq_prepare(h, LG_SQ_TX_BY_LOAN,
                                        TX_SELECT " WHERE loan_id = ?1 ORDER BY id", &s)
                        : lg_sq_prepare(h, LG_SQ_TX_BY_REPAYMENT,
                                        TX_SELECT " WHERE repayment_id = ?1 ORDER BY id", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, loan_id ? loan_id : repayment_id))
        rc = lg_sq_bind_failed(h, "tx list");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_chain_tx), lg_sq_read_chain_tx, SIZE_MAX, (void **)items,
                           n);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_tx_list_unsettled(lg_store *st, uint32_t limit, lg_chain_tx **items, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    if (limit == 0)
        return LG_OK;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_TX_UNSETTLED,
                      TX_SELECT " WHERE state = 0 AND sandbox = ?2 ORDER BY id LIMIT ?1", &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(s, 1, limit) || lg_sq_bind_i64(s, 2, h->base.sandbox))
        rc = lg_sq_bind_failed(h, "tx unsettled");
    else
        rc =
            lg_sq_collect(h, s, sizeof(lg_chain_tx), lg_sq_read_chain_tx, limit, (void **)items, n);
    lg_sq_done(s);
    return rc;
}

/* ------------------------------------------------------------ nonces */

/* Addresses are kept lowercase, so checksummed and plain spellings share a row. */
static void lower_addr(const char *address, char out[LG_ADDR_LEN])
{
    size_t i = 0;
    for (; address[i] && i < LG_ADDR_LEN - 1; i++)
        out[i] = (char)tolower((unsigned char)address[i]);
    out[i] = '\0';
}

/* Runs a nonce statement with ?1 chain, ?2 address and, when the statement has them,
 * ?3 value and ?4 now bound; with a row wanted, *out receives its first column. */
static lg_err nonce_run(lg_sqlite *h, sqlite3_stmt *s, uint64_t chain_id, const char *address,
                        uint64_t value, uint64_t *out)
{
    char addr[LG_ADDR_LEN];
    lg_err rc;
    lower_addr(address, addr);
    int bad = lg_sq_bind_u64(s, 1, chain_id) || lg_sq_bind_text(s, 2, addr);
    if (!bad && sqlite3_bind_parameter_count(s) >= 4)
        bad = lg_sq_bind_u64(s, 3, value) || lg_sq_bind_i64(s, 4, lg_time_now_ms());
    if (bad)
        rc = lg_sq_bind_failed(h, "nonce");
    else if (!out)
        rc = lg_sq_step_done(h, s, "nonce");
    else if ((rc = lg_sq_step_row(h, s, "nonce")) == LG_OK) {
        *out = lg_sq_col_u64(s, 0);
        /* RETURNING rows are produced up front; finish the statement. */
        while (sqlite3_step(s) == SQLITE_ROW)
            ;
    }
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_nonce_init(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                            int *created)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_NONCE_INIT,
                       "INSERT INTO nonces (chain_id, address, next_nonce, updated_at_ms) "
                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (chain_id, address) DO NOTHING",
                       &s);
    if (rc == LG_OK && (rc = nonce_run(h, s, chain_id, address, value, NULL)) == LG_OK)
        *created = sqlite3_changes(h->db) > 0;
    rc = lg_sq_end(h, rc);
    if (rc != LG_OK)
        *created = 0;
    return rc;
}

/* On the connection that does not wait for the disk (see tx_set_state): a nonce is
 * used only by a transaction recorded, durably, before it is sent, and that record's
 * sync takes this commit with it (the WAL is one file, written in commit order). A
 * power cut before it gives the nonce back, and nothing was sent with it. */
lg_err lg_sqlite_nonce_allocate(lg_store *st, uint64_t chain_id, const char *address,
                                uint64_t *nonce)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    sqlite3_stmt *s;
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_NONCE_ALLOC,
                       "UPDATE nonces SET next_nonce = next_nonce + 1, updated_at_ms = ?4 "
                       "WHERE chain_id = ?1 AND address = ?2 "
                       "RETURNING next_nonce - 1",
                       &s);
    if (rc == LG_OK)
        rc = nonce_run(h, s, chain_id, address, 0, nonce);
    return lg_sq_end(h, rc);
}

static lg_err nonce_get(lg_sqlite *h, uint64_t chain_id, const char *address, uint64_t *next)
{
    sqlite3_stmt *s;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_NONCE_GET,
                      "SELECT next_nonce FROM nonces WHERE chain_id = ?1 AND address = ?2", &s);
    if (rc != LG_OK)
        return rc;
    return nonce_run(h, s, chain_id, address, 0, next);
}

static lg_err resync_tx(lg_sqlite *h, uint64_t chain_id, const char *address, uint64_t value,
                        uint64_t *previous)
{
    sqlite3_stmt *s;
    lg_err rc = nonce_get(h, chain_id, address, previous);
    if (rc == LG_ERR_NOT_FOUND)
        *previous = UINT64_MAX;
    else if (rc != LG_OK)
        return rc;
    rc = lg_sq_prepare(h, LG_SQ_NONCE_SET,
                       "INSERT INTO nonces (chain_id, address, next_nonce, updated_at_ms) "
                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (chain_id, address) "
                       "DO UPDATE SET next_nonce = excluded.next_nonce, "
                       "updated_at_ms = excluded.updated_at_ms",
                       &s);
    if (rc != LG_OK)
        return rc;
    return nonce_run(h, s, chain_id, address, value, NULL);
}

lg_err lg_sqlite_nonce_resync(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                              uint64_t *previous)
{
    lg_sqlite *h = lg_sq_handle(st);
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, resync_tx(h, chain_id, address, value, previous));
}

lg_err lg_sqlite_nonce_peek(lg_store *st, uint64_t chain_id, const char *address, uint64_t *next)
{
    return nonce_get(lg_sq_handle(st), chain_id, address, next);
}
