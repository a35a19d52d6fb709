/*
 * mongo_outbox.c - webhook events written inside the operations' transactions
 * (store.h: an event exists exactly when its change does), and the limit warnings of
 * loan_reserve with their marks, on MongoDB.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/events.h>
#include <lendgate/ids.h>
#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>

/* "evt_" and the 32 hex digits of a fresh UUID v4. */
static lg_err new_event_id(char out[LG_EVENT_ID_LEN])
{
    char uuid[LG_UUID_LEN];
    if (lg_uuid_v4(uuid, sizeof uuid) != LG_OK) {
        lg_error("store.mongo", "no randomness for an event id");
        return LG_ERR_STORE;
    }
    size_t j = 4;
    memcpy(out, "evt_", 4);
    for (size_t i = 0; uuid[i] && j < LG_EVENT_ID_LEN - 1; i++)
        if (uuid[i] != '-')
            out[j++] = uuid[i];
    out[j] = '\0';
    return LG_OK;
}

lg_err mg_new_id(char out[LG_UUID_LEN])
{
    if (lg_uuid_v4(out, LG_UUID_LEN) == LG_OK)
        return LG_OK;
    lg_error("store.mongo", "no randomness for a record id");
    return LG_ERR_STORE;
}

lg_err mg_event_add(mongo_store *ms, mg_txn *t, const char *partner_id, const char *type,
                    const char *data, int64_t now, lg_event *out)
{
    lg_event e;
    memset(&e, 0, sizeof e);
    size_t len = strlen(data);
    if (len >= sizeof e.payload)
        return LG_ERR_OVERFLOW;
    snprintf(e.partner_id, sizeof e.partner_id, "%s", partner_id);
    snprintf(e.type, sizeof e.type, "%s", type);
    memcpy(e.payload, data, len + 1);
    e.status = LG_EVENT_PENDING;
    e.created_at_ms = e.next_attempt_at_ms = e.updated_at_ms = now;
    /* One counter per partner: its events are numbered 1, 2, ... in commit order,
     * since two transactions taking the same counter conflict and one runs again. */
    char seq_name[LG_ID_LEN + 8];
    snprintf(seq_name, sizeof seq_name, "seq:%s", partner_id);
    int64_t seq = 0;
    lg_err rc = mg_next_id(ms, t, seq_name, &seq);
    e.seq = (uint64_t)seq;
    if (rc == LG_OK)
        rc = mg_next_id(ms, t, "webhook_outbox", &e.id);
    if (rc == LG_OK)
        rc = new_event_id(e.event_id);
    bson_t doc = BSON_INITIALIZER;
    if (rc == LG_OK)
        rc = lg_mongo_event_to_bson(&e, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "webhook_outbox", &doc, LG_ERR_STORE);
    bson_destroy(&doc);
    if (rc == LG_OK && out)
        *out = e;
    return rc;
}

/* Data the store built itself that does not fit is a bug, not the caller's input. */
static lg_err built(lg_err rc, const char *what)
{
    if (rc == LG_OK)
        return LG_OK;
    lg_error("store.mongo", "%s cannot be built: %s", what, lg_strerror(rc));
    return rc == LG_ERR_NOMEM ? rc : LG_ERR_STORE;
}

lg_err mg_loan_event(mongo_store *ms, mg_txn *t, const char *type, const lg_loan *l,
                     uint64_t amount, const char *tx_hash, int64_t now)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc = built(lg_event_loan_json(l, amount, tx_hash, now, payload, sizeof payload),
                      "loan event data");
    return rc == LG_OK ? mg_event_add(ms, t, l->partner_id, type, payload, now, NULL) : rc;
}

/* ------------------------------------------------------------ limit warnings */

/* used reaches ratio_bps / 10000 of limit (a limit of 0 is never approached). */
static int crossed(uint64_t used, uint64_t limit, uint32_t ratio_bps)
{
    return limit > 0 && (unsigned __int128)used * 10000 >= (unsigned __int128)limit * ratio_bps;
}

/* The partner's warning marks: the last day warned, and whether the total limit's
 * warning is out (collection limit_warnings, _id = partner id). */
static lg_err marks_read(mongo_store *ms, mg_txn *t, const char *partner_id, char day[LG_DAY_LEN],
                         int *total)
{
    bson_t filter, doc;
    int found = 0;
    day[0] = '\0';
    *total = 0;
    lg_err rc = lg_mongo_filter_id(partner_id, &filter);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "limit_warnings", &filter, NULL, &doc, &found);
    else
        bson_init(&doc);
    bson_iter_t it;
    if (rc == LG_OK && found) {
        if (bson_iter_init_find(&it, &doc, "day") && BSON_ITER_HOLDS_UTF8(&it)) {
            uint32_t len = 0;
            const char *s = bson_iter_utf8(&it, &len);
            if (len < LG_DAY_LEN)
                memcpy(day, s, len + 1);
        }
        if (bson_iter_init_find(&it, &doc, "total") && BSON_ITER_HOLDS_BOOL(&it))
            *total = bson_iter_bool(&it);
    }
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

static lg_err marks_write(mongo_store *ms, mg_txn *t, const char *partner_id, const char *day,
                          int total)
{
    bson_t filter, update = BSON_INITIALIZER, set;
    lg_err rc = lg_mongo_filter_id(partner_id, &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_UTF8(&set, "day", day);
    BSON_APPEND_BOOL(&set, "total", total != 0);
    bson_append_document_end(&update, &set);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "limit_warnings", &filter, &update, 1, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

static lg_err limit_event(mongo_store *ms, mg_txn *t, const lg_partner *p, const char *type,
                          uint64_t limit, uint64_t used, const char *day, int64_t now)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc = built(lg_event_limit_json(p, type, limit, used, ms->base.limit_warn_bps, day, now,
                                          payload, sizeof payload),
                      "limit event data");
    return rc == LG_OK ? mg_event_add(ms, t, p->id, "partner.limit_approaching", payload, now, NULL)
                       : rc;
}

lg_err mg_limit_warn(mongo_store *ms, mg_txn *t, const lg_partner *p, const char *day,
                     uint64_t day_used, int64_t now)
{
    char warned_day[LG_DAY_LEN];
    int warned_total = 0;
    if (ms->base.limit_warn_bps == 0)
        return LG_OK;
    lg_err rc = marks_read(ms, t, p->id, warned_day, &warned_total);
    int daily = rc == LG_OK && strcmp(warned_day, day) != 0 &&
                crossed(day_used, p->daily_limit, ms->base.limit_warn_bps);
    int total = rc == LG_OK && !warned_total &&
                crossed(p->outstanding, p->total_limit, ms->base.limit_warn_bps);
    if (daily)
        rc = limit_event(ms, t, p, "daily", p->daily_limit, day_used, day, now);
    if (rc == LG_OK && total)
        rc = limit_event(ms, t, p, "total", p->total_limit, p->outstanding, NULL, now);
    if (rc == LG_OK && (daily || total))
        rc = marks_write(ms, t, p->id, daily ? day : warned_day, warned_total || total);
    return rc;
}

lg_err mg_limit_rearm(mongo_store *ms, mg_txn *t, const lg_partner *p)
{
    if (ms->base.limit_warn_bps == 0 ||
        crossed(p->outstanding, p->total_limit, ms->base.limit_warn_bps))
        return LG_OK;
    bson_t filter, update = BSON_INITIALIZER, set;
    lg_err rc = lg_mongo_filter_id(p->id, &filter);
    BSON_APPEND_BOOL(&filter, "total", true);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_BOOL(&set, "total", false);
    bson_append_document_end(&update, &set);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "limit_warnings", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}
