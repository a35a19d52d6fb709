/*
 * mongo_guards.c - the cluster-wide rate counters and replay cache (MongoDB): one
 * document per rate key in guard_rates and one per signature digest in
 * guard_replays, both removed by TTL indexes on expiresAt. Each operation is a
 * single-document write, atomic without a transaction (mongo_map.h has the filters).
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/hex.h>

#include <string.h>

/* Rounds of read-then-write a rate take tries while other hosts change the same
 * counter first; each lost round means another request was counted, so this many
 * only under a storm on one key. */
#define RATE_ROUNDS 16

/* ------------------------------------------------------------ rates */

/* The common case in one round trip: the counter is in now's window and has room.
 * Out: *hit (the document after the $inc was read into *s). */
static lg_err rate_fast(mongo_store *ms, const char *key, int64_t window_ms, uint64_t limit,
                        int64_t now_ms, lg_store_rate_state *s, int *hit)
{
    bson_t filter, update, doc;
    lg_err rc = lg_mongo_rate_fast_filter(key, window_ms, limit, now_ms, &filter);
    lg_err rc2 = lg_mongo_rate_inc_update(&update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_find_and_modify(ms, NULL, "guard_rates", &filter, &update, 0, 1, LG_ERR_STORE, &doc,
                                hit);
    else
        bson_init(&doc);
    lg_mongo_rate r;
    if (rc == LG_OK && *hit && (rc = lg_mongo_rate_from_bson(&doc, &r)) == LG_OK) {
        s->window_start_ms = r.window_start_ms;
        s->current = r.current;
        s->previous = r.previous;
    }
    bson_destroy(&doc);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* The key's document as it is now. Out: *r, *found. */
static lg_err rate_read(mongo_store *ms, const char *key, lg_mongo_rate *r, int *found)
{
    lg_err rc = mg_read_id(ms, &lg_mongo_rate_record, key, r);
    *found = rc == LG_OK;
    return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
}

/* The key's first document. Out: *lost = 1 when another host inserted it first. */
static lg_err rate_insert(mongo_store *ms, const lg_mongo_rate *now, int *lost)
{
    bson_t doc;
    lg_err rc = lg_mongo_rate_document(now, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, NULL, "guard_rates", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    *lost = rc == LG_ERR_DUPLICATE;
    return *lost ? LG_OK : rc;
}

/* now written over the state was read: matches only while the document still holds
 * was. Out: *lost = 1 when another host changed it first. */
static lg_err rate_update(mongo_store *ms, const lg_mongo_rate *was, const lg_mongo_rate *now,
                          int *lost)
{
    bson_t filter, update;
    mg_update_result res = {0, 0, 0};
    lg_err rc = lg_mongo_rate_cas_filter(was, &filter);
    lg_err rc2 = lg_mongo_rate_set_update(now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "guard_rates", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    *lost = rc == LG_OK && res.matched == 0;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* One round of the slow path: read, decide, write what was decided. Out: *s, *allowed,
 * *lost (try another round). */
static lg_err rate_round(mongo_store *ms, const char *key, int64_t window_ms, uint64_t limit,
                         int64_t now_ms, lg_store_rate_state *s, int *allowed, int *lost)
{
    lg_mongo_rate was, now;
    int found = 0;
    memset(&was, 0, sizeof was);
    lg_err rc = rate_read(ms, key, &was, &found);
    if (rc != LG_OK)
        return rc;
    s->window_start_ms = found ? was.window_start_ms : 0;
    s->current = found ? was.current : 0;
    s->previous = found ? was.previous : 0;
    lg_store_rate_roll(s, window_ms, now_ms);
    *allowed = lg_store_rate_estimate(s, window_ms, now_ms) < limit;
    if (*allowed)
        s->current++;
    *lost = 0;
    if (found && !*allowed && s->window_start_ms == was.window_start_ms)
        return LG_OK; /* a refusal in the same window changes nothing */
    now = was;
    memcpy(now.key, key, strlen(key) + 1);
    now.window_start_ms = s->window_start_ms;
    now.current = s->current;
    now.previous = s->previous;
    now.expires_at_ms = s->window_start_ms + 2 * window_ms;
    return found ? rate_update(ms, &was, &now, lost) : rate_insert(ms, &now, lost);
}

lg_err lg_mongo_rate_take(lg_store *st, const char *key, int64_t window_ms, uint64_t limit,
                          int64_t now_ms, lg_store_rate *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    lg_store_rate_state s = {0, 0, 0};
    int hit = 0, allowed = 0, lost = 1;
    if (rc == LG_OK)
        rc = rate_fast(ms, key, window_ms, limit, now_ms, &s, &hit);
    if (rc == LG_OK && hit) {
        lg_store_rate_result(&s, 1, window_ms, limit, now_ms, out);
        return LG_OK;
    }
    for (int i = 0; rc == LG_OK && lost && i < RATE_ROUNDS; i++)
        rc = rate_round(ms, key, window_ms, limit, now_ms, &s, &allowed, &lost);
    if (rc == LG_OK && lost)
        rc = LG_ERR_BUSY;
    if (rc == LG_OK)
        lg_store_rate_result(&s, allowed, window_ms, limit, now_ms, out);
    return rc;
}

/* ------------------------------------------------------------ replays */

/* An expired document of digest (the TTL monitor had not removed it yet) taken over.
 * Out: *taken. */
static lg_err replay_takeover(mongo_store *ms, const lg_mongo_replay *r, int64_t now_ms, int *taken)
{
    bson_t filter, update;
    mg_update_result res = {0, 0, 0};
    lg_err rc = lg_mongo_replay_takeover_filter(r->digest, now_ms, &filter);
    lg_err rc2 = lg_mongo_set_date_update("expiresAt", r->expires_at_ms, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "guard_replays", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    *taken = rc == LG_OK && res.matched == 1;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_replay_claim(lg_store *st, const unsigned char *digest, int64_t now_ms,
                             int64_t window_ms)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_mongo_replay r = {.expires_at_ms = now_ms + window_ms};
    rc = lg_hex_encode(r.digest, sizeof r.digest, digest, LG_STORE_GUARD_DIGEST_LEN, LG_HEX_BARE);
    bson_t doc;
    if (rc == LG_OK)
        rc = lg_mongo_replay_document(&r, &doc);
    else
        bson_init(&doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, NULL, "guard_replays", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    int taken = 0;
    if (rc == LG_ERR_DUPLICATE && (rc = replay_takeover(ms, &r, now_ms, &taken)) == LG_OK)
        rc = taken ? LG_OK : LG_ERR_DUPLICATE;
    return rc;
}
