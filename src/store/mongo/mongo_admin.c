/*
 * mongo_admin.c - partner administration on MongoDB (audited changes, key rotation,
 * events added by hand, defaults) and the two views read from one snapshot (a loan
 * with its repayments, a partner's stats). Every change runs in one transaction with
 * its outbox event and its audit row: the hook's fill may run more than once when the
 * transaction runs again, and only its last row is kept.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/events.h>
#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ audit rows and events */

lg_err mg_audit_append(mongo_store *ms, mg_txn *t, const lg_audit_hook *hook,
                       const lg_partner *before, const lg_partner *after, int64_t now)
{
    if (!hook || !hook->fill)
        return LG_OK;
    lg_admin_audit *row = calloc(1, sizeof *row);
    if (!row)
        return LG_ERR_NOMEM;
    lg_err rc = hook->fill(hook->ctx, before, after, row);
    if (rc == LG_OK) {
        /* A careless hook cannot make the encoder read past a field. */
        row->admin[sizeof row->admin - 1] = row->action[sizeof row->action - 1] = '\0';
        row->target[sizeof row->target - 1] = row->request_id[sizeof row->request_id - 1] = '\0';
        row->before_json[sizeof row->before_json - 1] = '\0';
        row->after_json[sizeof row->after_json - 1] = '\0';
        row->client_ip[sizeof row->client_ip - 1] = '\0';
        if (!row->action[0] || row->created_at_ms < 0)
            rc = LG_ERR_INVALID;
    }
    if (rc == LG_OK && row->created_at_ms == 0)
        row->created_at_ms = now;
    if (rc == LG_OK)
        rc = mg_next_id(ms, t, "admin_audit", &row->id);
    bson_t doc = BSON_INITIALIZER;
    if (rc == LG_OK)
        rc = lg_mongo_admin_audit_to_bson(row, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "admin_audit", &doc, LG_ERR_STORE);
    bson_destroy(&doc);
    free(row);
    return rc;
}

static lg_err partner_event(mongo_store *ms, mg_txn *t, const char *type, const lg_partner *p,
                            const char *key_prefix, int64_t keys_expire_ms, int64_t now)
{
    char payload[LG_PAYLOAD_LEN];
    lg_err rc = lg_event_partner_json(p, key_prefix, keys_expire_ms, now, payload, sizeof payload);
    if (rc != LG_OK) {
        lg_error("store.mongo", "partner event data cannot be built: %s", lg_strerror(rc));
        return rc == LG_ERR_NOMEM ? rc : LG_ERR_STORE;
    }
    return mg_event_add(ms, t, p->id, type, payload, now, NULL);
}

/* ------------------------------------------------------------ audited update */

typedef struct audited {
    const lg_partner *p;
    unsigned mask;
    const lg_audit_hook *hook;
    int64_t now;
    lg_partner before, after;
} audited;

/* partner.suspended when a change suspends the partner, partner.activated when it
 * makes a suspended or inactive partner active again. */
static lg_err status_event(mongo_store *ms, mg_txn *t, const audited *u)
{
    if (u->before.status == u->after.status)
        return LG_OK;
    if (u->after.status == LG_PARTNER_SUSPENDED)
        return partner_event(ms, t, "partner.suspended", &u->after, NULL, 0, u->now);
    if (u->after.status == LG_PARTNER_ACTIVE)
        return partner_event(ms, t, "partner.activated", &u->after, NULL, 0, u->now);
    return LG_OK;
}

static lg_err update_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    audited *u = ctx;
    bson_t filter, doc;
    lg_err rc = mg_partner_read(ms, t, u->p->id, &u->before);
    if (rc != LG_OK)
        return rc;
    rc = lg_mongo_filter_str("partnerId", u->p->id, &filter);
    lg_err rc2 = lg_mongo_partner_update(u->p, u->mask, u->now, &doc);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partners", &filter, &doc, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&doc);
    bson_destroy(&filter);
    if (rc == LG_OK)
        rc = mg_partner_read(ms, t, u->p->id, &u->after);
    /* The twin takes the live partner's settings in the same transaction. */
    if (rc == LG_OK)
        rc = mg_partner_mirror(ms, t, &u->after);
    if (rc == LG_OK)
        rc = status_event(ms, t, u);
    return rc == LG_OK ? mg_audit_append(ms, t, u->hook, &u->before, &u->after, u->now) : rc;
}

lg_err lg_mongo_partner_update_audited(lg_store *st, const lg_partner *p, unsigned mask,
                                       const lg_audit_hook *hook, lg_partner *before,
                                       lg_partner *after)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    audited u = {.p = p, .mask = mask, .hook = hook, .now = lg_time_now_ms()};
    rc = mg_transaction(ms, update_body, &u);
    if (rc == LG_OK) {
        *before = u.before;
        *after = u.after;
    }
    return rc;
}

/* ------------------------------------------------------------ key rotation */

typedef struct rotate {
    const lg_api_key *key;
    int64_t old_expires_at_ms;
    const lg_audit_hook *hook;
    int64_t now;
    int64_t key_id;
} rotate;

/* Every other unrevoked key of the partner expiring later than at (or never) expires at. */
static lg_err keys_expire(mongo_store *ms, mg_txn *t, const char *partner_id, int64_t keep_id,
                          int64_t at)
{
    bson_t filter, update;
    lg_err rc = lg_mongo_keys_expire_filter(partner_id, keep_id, at, &filter);
    lg_err rc2 = lg_mongo_set_date_update("expiresAt", at, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "api_keys", &filter, &update, 0, 1, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

static lg_err rotate_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    rotate *r = ctx;
    lg_partner p;
    lg_api_key k = *r->key;
    k.created_at_ms = r->now;
    lg_err rc = mg_partner_read(ms, t, k.partner_id, &p);
    if (rc == LG_OK)
        rc = mg_next_id(ms, t, "api_keys", &k.id);
    bson_t doc = BSON_INITIALIZER;
    if (rc == LG_OK)
        rc = lg_mongo_api_key_to_bson(&k, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "api_keys", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    if (rc == LG_OK)
        rc = keys_expire(ms, t, k.partner_id, k.id, r->old_expires_at_ms);
    if (rc == LG_OK)
        rc =
            partner_event(ms, t, "partner.key_rotated", &p, k.prefix, r->old_expires_at_ms, r->now);
    if (rc == LG_OK)
        rc = mg_audit_append(ms, t, r->hook, &p, &p, r->now);
    if (rc == LG_OK)
        r->key_id = k.id;
    return rc;
}

lg_err lg_mongo_key_rotate(lg_store *st, const lg_api_key *key, int64_t old_expires_at_ms,
                           const lg_audit_hook *hook, int64_t *key_id)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    rotate r = {key, old_expires_at_ms, hook, lg_time_now_ms(), 0};
    rc = mg_transaction(ms, rotate_body, &r);
    if (rc == LG_OK)
        *key_id = r.key_id;
    return rc;
}

/* ------------------------------------------------------------ events by hand */

typedef struct add {
    const char *partner_id, *type, *data;
    const lg_audit_hook *hook;
    int64_t now;
    lg_event ev;
} add;

static lg_err add_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    add *a = ctx;
    lg_partner p;
    lg_err rc = mg_partner_read(ms, t, a->partner_id, &p);
    if (rc == LG_OK)
        rc = mg_event_add(ms, t, a->partner_id, a->type, a->data, a->now, &a->ev);
    return rc == LG_OK ? mg_audit_append(ms, t, a->hook, &p, &p, a->now) : rc;
}

lg_err lg_mongo_event_add(lg_store *st, const char *partner_id, const char *type, const char *data,
                          const lg_audit_hook *hook, lg_event *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    if (strlen(data) >= sizeof out->payload)
        return LG_ERR_OVERFLOW;
    add a = {.partner_id = partner_id,
             .type = type,
             .data = data,
             .hook = hook,
             .now = lg_time_now_ms()};
    rc = mg_transaction(ms, add_body, &a);
    if (rc == LG_OK)
        *out = a.ev;
    return rc;
}

/* ------------------------------------------------------------ default */

typedef struct deflt {
    const char *loan_id, *reason;
    const lg_audit_hook *hook;
    int64_t now;
    lg_loan loan;
} deflt;

static lg_err default_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    deflt *d = ctx;
    lg_loan *l = &d->loan;
    lg_err rc = mg_loan_read(ms, t, d->loan_id, l);
    if (rc != LG_OK)
        return rc;
    if (l->status != LG_LOAN_ACTIVE)
        return LG_ERR_STATE;
    l->status = LG_LOAN_DEFAULTED;
    snprintf(l->failure_reason, sizeof l->failure_reason, "%s", d->reason);
    l->updated_at_ms = d->now;
    if ((rc = mg_loan_save(ms, t, l)) != LG_OK ||
        (rc = mg_loan_event(ms, t, "loan.defaulted", l, l->remaining, "", d->now)) != LG_OK)
        return rc;
    if (!d->hook || !d->hook->fill)
        return LG_OK;
    lg_partner p;
    if ((rc = mg_partner_read(ms, t, l->partner_id, &p)) != LG_OK)
        return rc;
    return mg_audit_append(ms, t, d->hook, &p, &p, d->now);
}

lg_err lg_mongo_loan_default(lg_store *st, const char *loan_id, const char *reason,
                             const lg_audit_hook *hook, lg_loan *loan)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    deflt d = {.loan_id = loan_id, .reason = reason, .hook = hook, .now = lg_time_now_ms()};
    rc = mg_transaction(ms, default_body, &d);
    if (rc == LG_OK)
        *loan = d.loan;
    return rc;
}

/* ------------------------------------------------------------ views */

typedef struct view {
    const char *partner_id, *partner_loan_id;
    lg_loan loan;
    mg_list reps;
} view;

static lg_err view_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    view *v = ctx;
    mg_list_reset(&v->reps);
    bson_t filter = BSON_INITIALIZER, doc, sort;
    int found = 0;
    BSON_APPEND_UTF8(&filter, "partnerId", v->partner_id);
    BSON_APPEND_UTF8(&filter, "partnerLoanId", v->partner_loan_id);
    lg_err rc = mg_find_one(ms, t, "partner_loans", &filter, NULL, &doc, &found);
    if (rc == LG_OK)
        rc = found ? lg_mongo_loan_from_bson(&doc, &v->loan) : LG_ERR_NOT_FOUND;
    bson_destroy(&doc);
    bson_reinit(&filter);
    BSON_APPEND_UTF8(&filter, "internalLoanId", v->loan.id);
    mg_sort2(&sort, "createdAt", 1, "_id", 1);
    if (rc == LG_OK)
        rc = mg_find(ms, t, "partner_repayments", &filter, &sort, 0, 0, mg_list_row, &v->reps);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_loan_view(lg_store *st, const char *partner_id, const char *partner_loan_id,
                          lg_loan *loan, lg_repayment **reps, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    view v = {.partner_id = partner_id,
              .partner_loan_id = partner_loan_id,
              .reps = {.rec = &lg_mongo_repayment_record}};
    rc = mg_transaction(ms, view_body, &v);
    if (rc != LG_OK) {
        mg_list_reset(&v.reps);
        return rc;
    }
    *loan = v.loan;
    *reps = v.reps.items;
    *n = v.reps.n;
    return LG_OK;
}

typedef struct stats {
    const char *partner_id, *day;
    lg_store_stats out;
} stats;

static lg_err stats_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    stats *s = ctx;
    memset(&s->out, 0, sizeof s->out);
    lg_err rc = mg_partner_read(ms, t, s->partner_id, &s->out.partner);
    for (int st = 0; rc == LG_OK && st < LG_LOAN_STATUS_COUNT; st++) {
        bson_t filter = BSON_INITIALIZER;
        BSON_APPEND_UTF8(&filter, "partnerId", s->partner_id);
        BSON_APPEND_INT32(&filter, "status", st);
        rc = mg_count(ms, t, "partner_loans", &filter, &s->out.loans[st]);
        bson_destroy(&filter);
    }
    bson_t filter = BSON_INITIALIZER, doc;
    int found = 0;
    BSON_APPEND_UTF8(&filter, "partnerId", s->partner_id);
    BSON_APPEND_UTF8(&filter, "day", s->day);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "partner_daily_usage", &filter, NULL, &doc, &found);
    else
        bson_init(&doc);
    lg_mongo_daily_usage u = {.borrowed = 0};
    if (rc == LG_OK && found)
        rc = lg_mongo_daily_usage_from_bson(&doc, &u);
    s->out.day_borrowed = u.borrowed;
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_partner_stats(lg_store *st, const char *partner_id, const char *day,
                              lg_store_stats *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    stats s = {.partner_id = partner_id, .day = day};
    rc = mg_transaction(ms, stats_body, &s);
    if (rc == LG_OK)
        *out = s.out;
    return rc;
}
