/* sqlite_guards.c - the cluster-wide rate counters and replay cache (SQLite): every
 * responder of every host on this database file counts in one table. Both run on the
 * non-syncing second connection (lg_sq_log_handle): a counter lost to a power cut
 * only admits a few requests more, and the partner's request pays no fsync. */
#include "config.h"

#include "sqlite_internal.h"

#include <string.h>

/* ------------------------------------------------------------ rates */

/* The key's counters, or a zero state when it has none. */
static lg_err rate_get(lg_sqlite *h, const char *key, lg_store_rate_state *s)
{
    sqlite3_stmt *q;
    lg_err rc = lg_sq_prepare(h, LG_SQ_RATE_GET,
                              "SELECT window_start_ms, current, previous FROM guard_rates "
                              "WHERE key = ?1",
                              &q);
    if (rc != LG_OK)
        return rc;
    memset(s, 0, sizeof *s);
    if (lg_sq_bind_text(q, 1, key))
        rc = lg_sq_bind_failed(h, "rate get");
    else if ((rc = lg_sq_step_row(h, q, "rate get")) == LG_OK) {
        s->window_start_ms = lg_sq_col_i64(q, 0);
        s->current = lg_sq_col_u64(q, 1);
        s->previous = lg_sq_col_u64(q, 2);
    } else if (rc == LG_ERR_NOT_FOUND)
        rc = LG_OK;
    lg_sq_done(q);
    return rc;
}

/* A row holds nothing two windows after its own started. */
static lg_err rate_set(lg_sqlite *h, const char *key, const lg_store_rate_state *s,
                       int64_t window_ms)
{
    sqlite3_stmt *q;
    lg_err rc = lg_sq_prepare(h, LG_SQ_RATE_SET,
                              "INSERT INTO guard_rates (key, window_start_ms, current, previous, "
                              "expires_at_ms) VALUES (?1,?2,?3,?4,?5) ON CONFLICT (key) DO UPDATE "
                              "SET window_start_ms = ?2, current = ?3, previous = ?4, "
                              "expires_at_ms = ?5",
                              &q);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(q, 1, key) || lg_sq_bind_i64(q, 2, s->window_start_ms) ||
        lg_sq_bind_u64(q, 3, s->current) || lg_sq_bind_u64(q, 4, s->previous) ||
        lg_sq_bind_i64(q, 5, s->window_start_ms + 2 * window_ms))
        rc = lg_sq_bind_failed(h, "rate set");
    else
        rc = lg_sq_step_done(h, q, "rate set");
    lg_sq_done(q);
    return rc;
}

/* Drops counters that ran out before now: once per key and window at most, when a
 * counter moves to a new window. */
static lg_err rate_prune(lg_sqlite *h, int64_t now_ms)
{
    sqlite3_stmt *q;
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_RATE_PRUNE, "DELETE FROM guard_rates WHERE expires_at_ms < ?1", &q);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(q, 1, now_ms))
        rc = lg_sq_bind_failed(h, "rate prune");
    else
        rc = lg_sq_step_done(h, q, "rate prune");
    lg_sq_done(q);
    return rc;
}

static lg_err rate_take_tx(lg_sqlite *h, const char *key, int64_t window_ms, uint64_t limit,
                           int64_t now_ms, lg_store_rate *out)
{
    lg_store_rate_state s;
    lg_err rc = rate_get(h, key, &s);
    if (rc != LG_OK)
        return rc;
    int64_t was = s.window_start_ms;
    lg_store_rate_roll(&s, window_ms, now_ms);
    int allowed = lg_store_rate_estimate(&s, window_ms, now_ms) < limit;
    if (allowed)
        s.current++;
    if (allowed || was != s.window_start_ms)
        rc = rate_set(h, key, &s, window_ms);
    if (rc == LG_OK && was != s.window_start_ms)
        rc = rate_prune(h, now_ms);
    if (rc == LG_OK)
        lg_store_rate_result(&s, allowed, window_ms, limit, now_ms, out);
    return rc;
}

/* The common case in one statement, in autocommit (the MongoDB backend's fast path,
 * mongo_map.h): the key's row still in now's window, with room under the estimate
 * (store.c's, in integers), gets current + 1. It leaves the row's window and expiry,
 * and so the expiry index, untouched. Out: *hit, and *s when hit. */
static lg_err rate_fast(lg_sqlite *h, const char *key, int64_t window_ms, uint64_t limit,
                        int64_t now_ms, lg_store_rate_state *s, int *hit)
{
    sqlite3_stmt *q;
    lg_err rc = lg_sq_prepare(h, LG_SQ_RATE_FAST,
                              "UPDATE guard_rates SET current = current + 1 WHERE key = ?1 AND "
                              "window_start_ms = ?2 AND current + (previous * ?3 + ?4 - 1) / ?4 "
                              "< ?5 RETURNING window_start_ms, current, previous",
                              &q);
    if (rc != LG_OK)
        return rc;
    int64_t into = now_ms % window_ms;
    *hit = 0;
    if (lg_sq_bind_text(q, 1, key) || lg_sq_bind_i64(q, 2, now_ms - into) ||
        lg_sq_bind_i64(q, 3, window_ms - into) || lg_sq_bind_i64(q, 4, window_ms) ||
        lg_sq_bind_u64(q, 5, limit))
        rc = lg_sq_bind_failed(h, "rate take");
    else if ((rc = lg_sq_step_row(h, q, "rate take")) == LG_OK) {
        *hit = 1;
        s->window_start_ms = lg_sq_col_i64(q, 0);
        s->current = lg_sq_col_u64(q, 1);
        s->previous = lg_sq_col_u64(q, 2);
        /* RETURNING rows are produced up front; finish the statement. */
        while (sqlite3_step(q) == SQLITE_ROW)
            ;
    } else if (rc == LG_ERR_NOT_FOUND)
        rc = LG_OK;
    lg_sq_done(q);
    return rc;
}

/* The fast path, else (a new key, a new window, a refusal) read, decide and write in
 * one transaction. */
lg_err lg_sqlite_rate_take(lg_store *st, const char *key, int64_t window_ms, uint64_t limit,
                           int64_t now_ms, lg_store_rate *out)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    lg_store_rate_state s;
    int hit = 0;
    lg_err rc = rate_fast(h, key, window_ms, limit, now_ms, &s, &hit);
    if (rc != LG_OK || hit) {
        if (hit)
            lg_store_rate_result(&s, 1, window_ms, limit, now_ms, out);
        return rc;
    }
    rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    return lg_sq_end(h, rate_take_tx(h, key, window_ms, limit, now_ms, out));
}

/* ------------------------------------------------------------ replays */

/* Records digest, or takes over its expired record: one statement, so two hosts
 * claiming the same digest at once cannot both succeed. */
static lg_err replay_record(lg_sqlite *h, const unsigned char *digest, int64_t now_ms,
                            int64_t window_ms, int *claimed)
{
    sqlite3_stmt *q;
    lg_err rc = lg_sq_prepare(h, LG_SQ_REPLAY_CLAIM,
                              "INSERT INTO guard_replays (digest, expires_at_ms) VALUES (?1, ?2) "
                              "ON CONFLICT (digest) DO UPDATE SET expires_at_ms = ?2 "
                              "WHERE expires_at_ms <= ?3",
                              &q);
    if (rc != LG_OK)
        return rc;
    if (sqlite3_bind_blob(q, 1, digest, LG_STORE_GUARD_DIGEST_LEN, SQLITE_STATIC) != SQLITE_OK ||
        lg_sq_bind_i64(q, 2, now_ms + window_ms) || lg_sq_bind_i64(q, 3, now_ms))
        rc = lg_sq_bind_failed(h, "replay claim");
    else if ((rc = lg_sq_step_done(h, q, "replay claim")) == LG_OK)
        *claimed = sqlite3_changes(h->db) > 0;
    lg_sq_done(q);
    return rc;
}

static lg_err replay_prune(lg_sqlite *h, int64_t now_ms)
{
    sqlite3_stmt *q;
    lg_err rc = lg_sq_prepare(h, LG_SQ_REPLAY_PRUNE,
                              "DELETE FROM guard_replays WHERE expires_at_ms <= ?1", &q);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_i64(q, 1, now_ms))
        rc = lg_sq_bind_failed(h, "replay prune");
    else
        rc = lg_sq_step_done(h, q, "replay prune");
    lg_sq_done(q);
    return rc;
}

/* In autocommit: the claim is one statement. Expired records are pruned after each
 * new one, which costs one index seek when there are none. */
lg_err lg_sqlite_replay_claim(lg_store *st, const unsigned char *digest, int64_t now_ms,
                              int64_t window_ms)
{
    lg_sqlite *h = lg_sq_log_handle(lg_sq_handle(st));
    int claimed = 0;
    lg_err rc = replay_record(h, digest, now_ms, window_ms, &claimed);
    if (rc != LG_OK)
        return rc;
    if (!claimed)
        return LG_ERR_DUPLICATE;
    /* The claim stands even if pruning fails: the rows left are pruned next time. */
    (void)replay_prune(h, now_ms);
    return LG_OK;
}
