/*
 * mongo_events.c - webhook delivery on MongoDB: claiming the heads of the partners'
 * queues under a lease, recording attempts and their outcome, and replays. Each is one
 * transaction, so two dispatchers claiming at once conflict and one runs again rather
 * than both taking one event.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes e back whole. */
static lg_err event_save(mongo_store *ms, mg_txn *t, const lg_event *e)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    BSON_APPEND_INT64(&filter, "seqId", e->id);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    lg_err rc = lg_mongo_event_to_bson(e, &set);
    bson_append_document_end(&update, &set);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "webhook_outbox", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

static lg_err event_read(mongo_store *ms, mg_txn *t, const char *event_id, lg_event *out)
{
    bson_t filter, doc;
    int found = 0;
    lg_err rc = lg_mongo_filter_str("eventId", event_id, &filter);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "webhook_outbox", &filter, NULL, &doc, &found);
    else
        bson_init(&doc);
    if (rc == LG_OK)
        rc = found ? lg_mongo_event_from_bson(&doc, out) : LG_ERR_NOT_FOUND;
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ claiming */

typedef struct claim {
    const char *owner;
    int64_t lease_ms, now;
    uint32_t max;
    mg_list heads;
} claim;

/* Due events of partners without an endpoint will never go anywhere: SKIPPED (an
 * admin replays them once an endpoint is set). */
static lg_err skip_unroutable(mongo_store *ms, mg_txn *t, const lg_partner *p, int64_t now)
{
    bson_t filter = BSON_INITIALIZER, lte, update = BSON_INITIALIZER, set;
    BSON_APPEND_UTF8(&filter, "partnerId", p->id);
    BSON_APPEND_INT32(&filter, "status", LG_EVENT_PENDING);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "nextAttemptAt", &lte);
    BSON_APPEND_DATE_TIME(&lte, "$lte", now);
    bson_append_document_end(&filter, &lte);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_INT32(&set, "status", LG_EVENT_SKIPPED);
    BSON_APPEND_UTF8(&set, "lastError", "no webhook URL");
    BSON_APPEND_DATE_TIME(&set, "updatedAt", now);
    bson_append_document_end(&update, &set);
    lg_err rc = mg_update(ms, t, "webhook_outbox", &filter, &update, 0, 1, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* The head of p's queue (lowest sequence still PENDING or DELIVERING), added to the
 * claim when it is due or its lease ran out. */
static lg_err partner_head(mongo_store *ms, mg_txn *t, const lg_partner *p, claim *c)
{
    bson_t filter = BSON_INITIALIZER, in, arr, sort, doc;
    int found = 0;
    BSON_APPEND_UTF8(&filter, "partnerId", p->id);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "status", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
    BSON_APPEND_INT32(&arr, "0", LG_EVENT_PENDING);
    BSON_APPEND_INT32(&arr, "1", LG_EVENT_DELIVERING);
    bson_append_array_end(&in, &arr);
    bson_append_document_end(&filter, &in);
    mg_sort1(&sort, "sequence", 1);
    lg_err rc = mg_find_one(ms, t, "webhook_outbox", &filter, &sort, &doc, &found);
    lg_event e;
    if (rc == LG_OK && found)
        rc = lg_mongo_event_from_bson(&doc, &e);
    if (rc == LG_OK && found &&
        ((e.status == LG_EVENT_PENDING && e.next_attempt_at_ms <= c->now) ||
         (e.status == LG_EVENT_DELIVERING && e.lease_until_ms <= c->now)))
        rc = mg_list_row(&doc, &c->heads);
    bson_destroy(&doc);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

static int64_t due_at(const lg_event *e)
{
    return e->status == LG_EVENT_PENDING ? e->next_attempt_at_ms : e->lease_until_ms;
}

/* Most overdue first, then in the order they were added. */
static int by_due(const void *a, const void *b)
{
    const lg_event *x = a, *y = b;
    if (due_at(x) != due_at(y))
        return due_at(x) < due_at(y) ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct partner_walk {
    mongo_store *ms;
    mg_txn *t;
    claim *c;
} partner_walk;

static lg_err visit_partner(const bson_t *doc, void *ctx)
{
    partner_walk *w = ctx;
    lg_partner p;
    lg_err rc = lg_mongo_partner_from_bson(doc, &p);
    if (rc != LG_OK)
        return rc;
    if (!p.webhook_url[0])
        return skip_unroutable(w->ms, w->t, &p, w->c->now);
    if (p.webhook_disabled_at_ms != 0)
        return LG_OK;
    return partner_head(w->ms, w->t, &p, w->c);
}

static lg_err claim_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    claim *c = ctx;
    mg_list_reset(&c->heads);
    bson_t all = BSON_INITIALIZER, sort;
    mg_sort1(&sort, "partnerId", 1);
    partner_walk w = {ms, t, c};
    lg_err rc = mg_find(ms, t, "partners", &all, &sort, 0, 0, visit_partner, &w);
    bson_destroy(&sort);
    bson_destroy(&all);
    if (rc != LG_OK)
        return rc;
    lg_event *ev = c->heads.items;
    if (c->heads.n > 1)
        qsort(ev, c->heads.n, sizeof *ev, by_due);
    if (c->heads.n > c->max)
        c->heads.n = c->max;
    for (size_t i = 0; rc == LG_OK && i < c->heads.n; i++) {
        ev[i].status = LG_EVENT_DELIVERING;
        snprintf(ev[i].owner, sizeof ev[i].owner, "%s", c->owner);
        ev[i].lease_until_ms = c->now + c->lease_ms;
        ev[i].updated_at_ms = c->now;
        rc = event_save(ms, t, &ev[i]);
    }
    return rc;
}

lg_err lg_mongo_event_claim(lg_store *st, const char *owner, int64_t lease_ms, uint32_t max,
                            lg_event **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK || max == 0)
        return rc;
    claim c = {.owner = owner,
               .lease_ms = lease_ms,
               .now = lg_time_now_ms(),
               .max = max,
               .heads = {.rec = &lg_mongo_event_record}};
    rc = mg_transaction(ms, claim_body, &c);
    if (rc != LG_OK || c.heads.n == 0) {
        mg_list_reset(&c.heads);
        return rc;
    }
    *items = c.heads.items;
    *n = c.heads.n;
    return LG_OK;
}

/* ------------------------------------------------------------ finishing */

typedef struct finish {
    const lg_event_attempt *in;
    int64_t next_ms, now;
    lg_event_attempt row;
    int lost;
} finish;

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
    snprintf(e->last_error, sizeof e->last_error, "%s", a->error);
    if (a->outcome == LG_ATTEMPT_DELIVERED)
        e->delivered_at_ms = now;
    e->updated_at_ms = now;
}

static lg_err attempt_insert(mongo_store *ms, mg_txn *t, lg_event_attempt *a)
{
    bson_t filter, sort, doc;
    int found = 0;
    lg_event_attempt last;
    lg_err rc = lg_mongo_filter_str("eventId", a->event_id, &filter);
    mg_sort1(&sort, "attempt", -1);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "webhook_attempts", &filter, &sort, &doc, &found);
    else
        bson_init(&doc);
    a->attempt = 1;
    if (rc == LG_OK && found && (rc = lg_mongo_attempt_from_bson(&doc, &last)) == LG_OK)
        a->attempt = last.attempt + 1;
    bson_destroy(&doc);
    bson_destroy(&sort);
    bson_destroy(&filter);
    if (rc == LG_OK)
        rc = mg_next_id(ms, t, "webhook_attempts", &a->id);
    bson_init(&doc);
    if (rc == LG_OK)
        rc = lg_mongo_attempt_to_bson(a, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "webhook_attempts", &doc, LG_ERR_STORE);
    bson_destroy(&doc);
    return rc;
}

/* The partner's endpoint answered 410 Gone: switched off until an admin turns it on. */
static lg_err endpoint_disable(mongo_store *ms, mg_txn *t, const char *partner_id,
                               const char *reason, int64_t now)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    char why[LG_REASON_LEN];
    snprintf(why, sizeof why, "%s", reason);
    BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    BSON_APPEND_DATE_TIME(&filter, "webhookDisabledAt", 0);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_DATE_TIME(&set, "webhookDisabledAt", now);
    BSON_APPEND_UTF8(&set, "webhookDisabledReason", why);
    BSON_APPEND_DATE_TIME(&set, "updatedAt", now);
    bson_append_document_end(&update, &set);
    lg_err rc = mg_update(ms, t, "partners", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

static lg_err finish_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    finish *f = ctx;
    lg_event e;
    f->row = *f->in;
    f->lost = 0;
    lg_err rc = event_read(ms, t, f->row.event_id, &e);
    if (rc != LG_OK)
        return rc;
    memcpy(f->row.partner_id, e.partner_id, sizeof f->row.partner_id);
    if ((rc = attempt_insert(ms, t, &f->row)) != LG_OK)
        return rc;
    f->lost = e.status != LG_EVENT_DELIVERING || strcmp(e.owner, f->row.dispatcher) != 0;
    if (f->lost)
        return LG_OK;
    settle(&e, &f->row, f->next_ms, f->now);
    rc = event_save(ms, t, &e);
    if (rc == LG_OK && f->row.outcome == LG_ATTEMPT_DISABLED)
        rc = endpoint_disable(ms, t, e.partner_id, f->row.error, f->now);
    return rc;
}

lg_err lg_mongo_event_finish(lg_store *st, const lg_event_attempt *a, int64_t next_attempt_at_ms,
                             uint32_t *attempt_no)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    finish f = {.in = a, .next_ms = next_attempt_at_ms, .now = lg_time_now_ms()};
    rc = mg_transaction(ms, finish_body, &f);
    if (rc == LG_OK)
        *attempt_no = f.row.attempt;
    return rc == LG_OK && f.lost ? LG_ERR_CONFLICT : rc;
}

/* ------------------------------------------------------------ replay */

typedef struct replay {
    const char *partner_id, *event_id;
    int64_t since_ms, now;
    const lg_audit_hook *hook;
    uint64_t count;
} replay;

static lg_err replay_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    replay *r = ctx;
    const char *partner_id = r->partner_id;
    lg_event e;
    lg_partner p;
    lg_err rc = LG_OK;
    r->count = 0;
    if (r->event_id && (rc = event_read(ms, t, r->event_id, &e)) == LG_OK) {
        if (partner_id && strcmp(partner_id, e.partner_id) != 0)
            return LG_ERR_NOT_FOUND;
        partner_id = e.partner_id;
    }
    if (rc == LG_OK)
        rc = mg_partner_read(ms, t, partner_id, &p);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, ne, gte, update;
    if (r->event_id) {
        BSON_APPEND_UTF8(&filter, "eventId", r->event_id);
    } else {
        BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
        BSON_APPEND_DOCUMENT_BEGIN(&filter, "createdAt", &gte);
        BSON_APPEND_DATE_TIME(&gte, "$gte", r->since_ms);
        bson_append_document_end(&filter, &gte);
    }
    /* Events being delivered are left alone. */
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "status", &ne);
    BSON_APPEND_INT32(&ne, "$ne", LG_EVENT_DELIVERING);
    bson_append_document_end(&filter, &ne);
    mg_update_result res = {0};
    rc = lg_mongo_replay_update(r->now, &update);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "webhook_outbox", &filter, &update, 0, 1, LG_ERR_STORE, &res);
    bson_destroy(&update);
    bson_destroy(&filter);
    if (rc == LG_OK)
        r->count = (uint64_t)res.matched;
    return rc == LG_OK ? mg_audit_append(ms, t, r->hook, &p, &p, r->now) : rc;
}

lg_err lg_mongo_event_replay(lg_store *st, const char *partner_id, const char *event_id,
                             int64_t since_ms, const lg_audit_hook *hook, uint64_t *count)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    replay r = {partner_id, event_id, since_ms, lg_time_now_ms(), hook, 0};
    rc = mg_transaction(ms, replay_body, &r);
    if (rc == LG_OK)
        *count = r.count;
    return rc;
}
