/* sqlite_keys.c - API keys: insert, look up by hash, touch, list (SQLite). */
#include "config.h"

#include "sqlite_internal.h"

#include <lendgate/time.h>

#include <string.h>

lg_err lg_sq_key_insert(lg_sqlite *h, const lg_api_key *k, int64_t *id_out)
{
    sqlite3_stmt *s;
    lg_api_key row = *k;
    row.created_at_ms = lg_time_now_ms();
    lg_err rc =
        lg_sq_prepare(h, LG_SQ_KEY_INSERT,
                      "INSERT INTO api_keys (" LG_SQ_KEY_COLS("") ") VALUES "
                                                                  "(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                      &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_key(s, &row))
        rc = lg_sq_bind_failed(h, "key insert");
    else if ((rc = lg_sq_step_done(h, s, "key insert")) == LG_OK)
        *id_out = sqlite3_last_insert_rowid(h->db);
    lg_sq_done(s);
    return rc;
}

static lg_err partner_status_err(lg_partner_status status)
{
    switch (status) {
    case LG_PARTNER_ACTIVE:
        return LG_OK;
    case LG_PARTNER_SUSPENDED:
        return LG_ERR_SUSPENDED;
    default:
        return LG_ERR_INACTIVE;
    }
}

lg_err lg_sqlite_partner_by_key(lg_store *st, const char *key_hash, lg_partner *partner,
                                lg_api_key *key)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_KEY_BY_HASH,
                              "SELECT " LG_SQ_PARTNER_COLS("p.") "," LG_SQ_KEY_COLS(
                                  "k.") " FROM api_keys k JOIN partners p ON p.id = k.partner_id "
                                        "WHERE k.key_hash = ?1 AND k.revoked_at_ms IS NULL "
                                        "AND (k.expires_at_ms IS NULL OR k.expires_at_ms > ?2)",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, key_hash) || lg_sq_bind_i64(s, 2, lg_time_now_ms())) {
        rc = lg_sq_bind_failed(h, "key lookup");
        goto out;
    }
    rc = lg_sq_step_row(h, s, "key lookup");
    if (rc == LG_OK) {
        memset(partner, 0, sizeof *partner);
        memset(key, 0, sizeof *key);
        lg_sq_read_partner(s, 0, partner);
        lg_sq_read_key(s, LG_SQ_PARTNER_NCOLS, key);
        rc = partner_status_err(partner->status);
    }
out:
    lg_sq_done(s);
    return rc;
}

/* Runs a one-row key UPDATE whose parameters bind() has set. Out: *changed. */
static lg_err key_update(lg_sqlite *h, sqlite3_stmt *s, int bad, const char *what, int *changed)
{
    lg_err rc;
    if (bad)
        rc = lg_sq_bind_failed(h, what);
    else if ((rc = lg_sq_step_done(h, s, what)) == LG_OK)
        *changed = sqlite3_changes(h->db);
    lg_sq_done(s);
    return rc;
}

lg_err lg_sqlite_key_touch(lg_store *st, int64_t id, int64_t min_interval_ms, int *written)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    int64_t now = lg_time_now_ms();
    lg_err rc = lg_sq_begin(h);
    if (rc != LG_OK)
        return rc;
    /* Written when the last use is at least min_interval_ms old. */
    rc = lg_sq_prepare(h, LG_SQ_KEY_TOUCH,
                       "UPDATE api_keys SET last_used_at_ms = ?2 WHERE id = ?1 "
                       "AND (last_used_at_ms IS NULL OR last_used_at_ms <= ?3)",
                       &s);
    if (rc == LG_OK) {
        int bad = lg_sq_bind_i64(s, 1, id) || lg_sq_bind_i64(s, 2, now) ||
                  lg_sq_bind_i64(s, 3, now - min_interval_ms);
        rc = key_update(h, s, bad, "key touch", written);
    }
    rc = lg_sq_end(h, rc);
    if (rc != LG_OK)
        *written = 0;
    return rc;
}

lg_err lg_sqlite_key_list(lg_store *st, const char *partner_id, lg_api_key **items, size_t *n)
{
    lg_sqlite *h = lg_sq_handle(st);
    sqlite3_stmt *s;
    lg_err rc = lg_sq_prepare(h, LG_SQ_KEY_LIST,
                              "SELECT " LG_SQ_KEY_COLS("") " FROM api_keys WHERE partner_id = ?1 "
                                                           "ORDER BY created_at_ms DESC, id DESC",
                              &s);
    if (rc != LG_OK)
        return rc;
    if (lg_sq_bind_text(s, 1, partner_id))
        rc = lg_sq_bind_failed(h, "key list");
    else
        rc = lg_sq_collect(h, s, sizeof(lg_api_key), lg_sq_read_key, SIZE_MAX, (void **)items, n);
    lg_sq_done(s);
    return rc;
}
