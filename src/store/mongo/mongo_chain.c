/*
 * mongo_chain.c - nonces, chain cursors, job leases and the audit journal's offsets
 * on MongoDB. Each of these is one document changed by one conditional update or
 * findAndModify, which the server applies atomically: no transaction is needed, and
 * retryable writes make a lost answer safe to send again.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ nonces */

static lg_err nonce_filter(uint64_t chain_id, const char *address, bson_t *out)
{
    char id[96];
    lg_err rc = lg_mongo_nonce_id(chain_id, address, id, sizeof id);
    if (rc != LG_OK) {
        bson_init(out);
        return rc;
    }
    return lg_mongo_filter_id(id, out);
}

static lg_mongo_nonce nonce_row(uint64_t chain_id, const char *address, uint64_t next)
{
    lg_mongo_nonce n = {.chain_id = chain_id, .next = next, .updated_at_ms = lg_time_now_ms()};
    snprintf(n.address, sizeof n.address, "%s", address);
    return n;
}

lg_err lg_mongo_nonce_init(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                           int *created)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_mongo_nonce n = nonce_row(chain_id, address, value);
    bson_t filter, update;
    mg_update_result res = {0};
    rc = nonce_filter(chain_id, address, &filter);
    lg_err rc2 = lg_mongo_nonce_init_update(&n, &update);
    if (rc == LG_OK)
        rc = rc2;
    /* Two first uses racing: one inserts, the other's upsert collides and finds it. */
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "nonces", &filter, &update, 1, 0, LG_ERR_DUPLICATE, &res);
    if (rc == LG_ERR_DUPLICATE)
        rc = LG_OK;
    *created = rc == LG_OK && res.upserted > 0;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* next of a nonce document. */
static lg_err nonce_next(const bson_t *doc, uint64_t *next)
{
    lg_mongo_nonce n;
    lg_err rc = lg_mongo_nonce_from_bson(doc, &n);
    if (rc == LG_OK)
        *next = n.next;
    return rc;
}

lg_err lg_mongo_nonce_allocate(lg_store *st, uint64_t chain_id, const char *address,
                               uint64_t *nonce)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter, update, before;
    int found = 0;
    rc = nonce_filter(chain_id, address, &filter);
    lg_err rc2 = lg_mongo_nonce_allocate_update(lg_time_now_ms(), &update);
    if (rc == LG_OK)
        rc = rc2;
    /* The atomic counter: $inc returns the value before, which is this caller's alone. */
    if (rc == LG_OK)
        rc = mg_find_and_modify(ms, NULL, "nonces", &filter, &update, 0, 0, LG_ERR_STORE, &before,
                                &found);
    else
        bson_init(&before);
    if (rc == LG_OK)
        rc = found ? nonce_next(&before, nonce) : LG_ERR_NOT_FOUND;
    bson_destroy(&before);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_nonce_resync(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                             uint64_t *previous)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_mongo_nonce n = nonce_row(chain_id, address, value);
    bson_t filter, update, before;
    int found = 0;
    rc = nonce_filter(chain_id, address, &filter);
    lg_err rc2 = lg_mongo_nonce_resync_update(&n, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_find_and_modify(ms, NULL, "nonces", &filter, &update, 1, 0, LG_ERR_STORE, &before,
                                &found);
    else
        bson_init(&before);
    *previous = UINT64_MAX;
    if (rc == LG_OK && found)
        rc = nonce_next(&before, previous);
    bson_destroy(&before);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_nonce_peek(lg_store *st, uint64_t chain_id, const char *address, uint64_t *next)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter;
    lg_mongo_nonce nonce;
    rc = nonce_filter(chain_id, address, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, NULL, &lg_mongo_nonce_record, &filter, &nonce);
    if (rc == LG_OK)
        *next = nonce.next;
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ cursors */

lg_err lg_mongo_cursor_get(lg_store *st, const char *name, uint64_t *block)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_mongo_cursor c;
    rc = mg_read_id(ms, &lg_mongo_cursor_record, name, &c);
    if (rc == LG_OK)
        *block = c.block;
    return rc;
}

lg_err lg_mongo_cursor_set(lg_store *st, const char *name, uint64_t block)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter, update;
    rc = lg_mongo_filter_id(name, &filter);
    lg_err rc2 = lg_mongo_cursor_update(name, block, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "chain_cursors", &filter, &update, 1, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ job leases */

/* Who holds name now, for a refusal; "" / 0 when nobody. */
static lg_err lease_holder(mongo_store *ms, const char *name, char holder[LG_OWNER_LEN],
                           int64_t *until_ms)
{
    lg_mongo_lease l;
    lg_err rc = mg_read_id(ms, &lg_mongo_lease_record, name, &l);
    if (rc == LG_ERR_NOT_FOUND) {
        memset(&l, 0, sizeof l);
        rc = LG_OK;
    }
    if (rc == LG_OK) {
        memcpy(holder, l.owner, LG_OWNER_LEN);
        *until_ms = l.until_ms;
    }
    return rc;
}

lg_err lg_mongo_job_lease_take(lg_store *st, const char *name, const char *owner, int64_t until_ms,
                               const char *dead_owner, char holder[LG_OWNER_LEN],
                               int64_t *holder_until_ms)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_mongo_lease l = {.until_ms = until_ms};
    snprintf(l.name, sizeof l.name, "%s", name);
    snprintf(l.owner, sizeof l.owner, "%s", owner);
    bson_t filter, update;
    rc = lg_mongo_lease_take_filter(name, owner, dead_owner, lg_time_now_ms(), &filter);
    lg_err rc2 = lg_mongo_lease_take_update(&l, &update);
    if (rc == LG_OK)
        rc = rc2;
    /* Held by another: the filter matches nothing and the upsert's insert collides
     * with the holder's document on _id. */
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "job_leases", &filter, &update, 1, 0, LG_ERR_CONFLICT, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    if (rc == LG_OK) {
        memcpy(holder, l.owner, LG_OWNER_LEN);
        *holder_until_ms = until_ms;
    } else if (rc == LG_ERR_CONFLICT) {
        lg_err why = lease_holder(ms, name, holder, holder_until_ms);
        if (why != LG_OK)
            rc = why;
    }
    return rc;
}

lg_err lg_mongo_job_lease_release(lg_store *st, const char *name, const char *owner)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "_id", name);
    BSON_APPEND_UTF8(&filter, "owner", owner);
    rc = mg_delete(ms, NULL, "job_leases", &filter, NULL);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ audit journal offsets */

lg_err lg_mongo_audit_offset_get(lg_store *st, const char *source, uint64_t *offset)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_mongo_audit_offset o;
    rc = mg_read_id(ms, &lg_mongo_audit_offset_record, source, &o);
    if (rc == LG_ERR_NOT_FOUND) /* a source never ingested starts at its beginning */
        rc = LG_OK, o.offset = 0;
    *offset = rc == LG_OK ? o.offset : 0;
    return rc;
}

lg_err lg_mongo_audit_forget(lg_store *st, const char *source)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter;
    rc = lg_mongo_filter_id(source, &filter);
    if (rc == LG_OK)
        rc = mg_delete(ms, NULL, "audit_offsets", &filter, NULL);
    bson_destroy(&filter);
    return rc;
}
