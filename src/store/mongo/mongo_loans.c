/*
 * mongo_loans.c - the loan life cycle on MongoDB: reserve against the partner's limits,
 * borrow mined, fail, release, and the loan lists. Each change is one transaction
 * (mg_transaction) whose body reads a snapshot and writes; a second writer of the
 * same documents makes one of the two run again. The reservation also charges the
 * limits with conditional updates that state the limit in their filter, so even a
 * writer outside a transaction could never take a partner past it.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ shared reads and writes */

lg_err mg_loan_read(mongo_store *ms, mg_txn *t, const char *loan_id, lg_loan *out)
{
    bson_t filter;
    lg_err rc = lg_mongo_filter_str("internalLoanId", loan_id, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, t, &lg_mongo_loan_record, &filter, out);
    bson_destroy(&filter);
    return rc;
}

static lg_err loan_read_by_key(mongo_store *ms, mg_txn *t, const char *partner_id,
                               const char *partner_loan_id, lg_loan *out)
{
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    BSON_APPEND_UTF8(&filter, "partnerLoanId", partner_loan_id);
    lg_err rc = mg_read_one(ms, t, &lg_mongo_loan_record, &filter, out);
    bson_destroy(&filter);
    return rc;
}

lg_err mg_loan_save(mongo_store *ms, mg_txn *t, const lg_loan *l)
{
    bson_t filter, update = BSON_INITIALIZER, set;
    lg_err rc = lg_mongo_filter_str("internalLoanId", l->id, &filter);
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    if (rc == LG_OK && ok)
        rc = lg_mongo_loan_to_bson(l, &set);
    ok = ok && bson_append_document_end(&update, &set);
    mg_update_result res = {0};
    if (rc == LG_OK)
        rc = ok ? mg_update(ms, t, "partner_loans", &filter, &update, 0, 0, LG_ERR_STORE, &res)
                : LG_ERR_NOMEM;
    if (rc == LG_OK && res.matched != 1)
        rc = LG_ERR_NOT_FOUND;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err mg_partner_read(mongo_store *ms, mg_txn *t, const char *partner_id, lg_partner *out)
{
    bson_t filter;
    lg_err rc = lg_mongo_filter_str("partnerId", partner_id, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, t, &lg_mongo_partner_record, &filter, out);
    bson_destroy(&filter);
    return rc;
}

/* Cold path: the books do not add up (a release of more than was charged). */
static lg_err books_broken(const char *what)
{
    lg_error("store.mongo", "%s: the stored totals do not cover the change", what);
    return LG_ERR_STORE;
}

/* $inc field by -amount (a release, which must find at least that much there) on the
 * one document of coll whose key_field is key. */
static lg_err release_one(mongo_store *ms, mg_txn *t, const char *coll, const char *key_field,
                          const char *key, const char *field, uint64_t amount, int64_t now,
                          int64_t *matched)
{
    bson_t filter, update;
    mg_update_result res = {0};
    lg_err rc = lg_mongo_release_filter(key_field, key, field, amount, &filter);
    lg_err rc2 = lg_mongo_inc_update(field, -(int64_t)amount, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, coll, &filter, &update, 0, 0, LG_ERR_STORE, &res);
    *matched = res.matched;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err mg_outstanding_sub(mongo_store *ms, mg_txn *t, const char *partner_id, uint64_t amount,
                          int64_t now)
{
    int64_t matched = 0;
    lg_err rc = release_one(ms, t, "partners", "partnerId", partner_id, "outstanding", amount, now,
                            &matched);
    if (rc == LG_OK && matched != 1)
        return books_broken("partner outstanding");
    lg_partner p;
    if (rc == LG_OK)
        rc = mg_partner_read(ms, t, partner_id, &p);
    return rc == LG_OK ? mg_limit_rearm(ms, t, &p) : rc;
}

/* The day's usage document is keyed by partner and day: its release filters on both. */
static lg_err usage_sub(mongo_store *ms, mg_txn *t, const char *partner_id, const char *day,
                        uint64_t amount, int64_t now)
{
    bson_t filter, update;
    mg_update_result res = {0};
    lg_err rc = lg_mongo_release_filter("partnerId", partner_id, "borrowed", amount, &filter);
    if (rc == LG_OK && !BSON_APPEND_UTF8(&filter, "day", day))
        rc = LG_ERR_NOMEM;
    lg_err rc2 = lg_mongo_inc_update("borrowed", -(int64_t)amount, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partner_daily_usage", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc == LG_OK && res.matched != 1 ? books_broken("daily usage release") : rc;
}

/* ------------------------------------------------------------ reserve */

static lg_err partner_status_err(lg_partner_status s)
{
    return s == LG_PARTNER_ACTIVE      ? LG_OK
           : s == LG_PARTNER_SUSPENDED ? LG_ERR_SUSPENDED
                                       : LG_ERR_INACTIVE;
}

static uint64_t headroom(uint64_t limit, uint64_t used)
{
    return limit > used ? limit - used : 0;
}

typedef struct reserve {
    const lg_loan *in;
    char id[LG_UUID_LEN]; /* chosen once: every run inserts the same loan */
    char day[LG_DAY_LEN];
    int64_t now;
    lg_loan row; /* out: the loan as inserted */
    lg_reserve_info info;
    lg_loan existing;
} reserve;

static lg_err usage_read(mongo_store *ms, mg_txn *t, const char *partner_id, const char *day,
                         uint64_t *used)
{
    bson_t filter = BSON_INITIALIZER, doc;
    int found = 0;
    BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    BSON_APPEND_UTF8(&filter, "day", day);
    lg_err rc = mg_find_one(ms, t, "partner_daily_usage", &filter, NULL, &doc, &found);
    lg_mongo_daily_usage u = {.borrowed = 0};
    if (rc == LG_OK && found)
        rc = lg_mongo_daily_usage_from_bson(&doc, &u);
    *used = u.borrowed;
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

/* Charges the day: creates its usage document at 0 when missing, then adds amount
 * where borrowed + amount stays within the limit. */
static lg_err charge_day(mongo_store *ms, mg_txn *t, const lg_partner *p, reserve *r)
{
    bson_t filter = BSON_INITIALIZER, update;
    mg_update_result res = {0};
    BSON_APPEND_UTF8(&filter, "partnerId", p->id);
    BSON_APPEND_UTF8(&filter, "day", r->day);
    lg_err rc = lg_mongo_daily_ensure_update(p->id, r->day, &update);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partner_daily_usage", &filter, &update, 1, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    if (rc != LG_OK)
        return rc;
    rc = lg_mongo_daily_charge_filter(p->id, r->day, r->in->amount, p->daily_limit, &filter);
    lg_err rc2 = lg_mongo_inc_update("borrowed", (int64_t)r->in->amount, r->now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partner_daily_usage", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1)
        rc = LG_ERR_LIMIT_DAILY;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* Charges the total limit: outstanding += amount where it stays within totalLimit. */
static lg_err charge_total(mongo_store *ms, mg_txn *t, const lg_partner *p, reserve *r)
{
    bson_t filter, update;
    mg_update_result res = {0};
    lg_err rc = lg_mongo_reserve_total_filter(p->id, r->in->amount, &filter);
    lg_err rc2 = lg_mongo_inc_update("outstanding", (int64_t)r->in->amount, r->now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partners", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1)
        rc = LG_ERR_LIMIT_TOTAL;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* Inserts the loan, flagged sandbox for a twin's (mongo_map.h: the flag the sandbox
 * chain's lists filter on, taken from the partner once, here). */
static lg_err insert_loan(mongo_store *ms, mg_txn *t, reserve *r, int sandbox)
{
    lg_loan *row = &r->row;
    *row = *r->in;
    memcpy(row->id, r->id, sizeof row->id);
    row->status = LG_LOAN_PENDING;
    memcpy(row->day, r->day, LG_DAY_LEN);
    row->remaining = row->amount;
    row->repaid = row->repay_pending = 0;
    row->borrow_tx[0] = row->transfer_tx[0] = row->failure_reason[0] = '\0';
    row->created_at_ms = row->updated_at_ms = r->now;
    snprintf(row->owner, sizeof row->owner, "%s", ms->base.lease_owner);
    row->lease_until_ms = row->owner[0] ? r->now + ms->base.lease_ms : 0;
    bson_t doc = BSON_INITIALIZER;
    lg_err rc = lg_mongo_loan_to_bson(row, &doc);
    if (rc == LG_OK)
        rc = lg_mongo_append_sandbox(&doc, sandbox);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partner_loans", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    return rc;
}

static lg_err reserve_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    reserve *r = ctx;
    lg_partner p;
    uint64_t used = 0;
    memset(&r->info, 0, sizeof r->info);
    lg_err rc = mg_partner_read(ms, t, r->in->partner_id, &p);
    if (rc != LG_OK || (rc = partner_status_err(p.status)) != LG_OK)
        return rc;
    if ((rc = usage_read(ms, t, p.id, r->day, &used)) != LG_OK)
        return rc;
    r->info.daily_remaining = headroom(p.daily_limit, used);
    r->info.total_remaining = headroom(p.total_limit, p.outstanding);
    rc = loan_read_by_key(ms, t, p.id, r->in->partner_loan_id, &r->existing);
    if (rc != LG_ERR_NOT_FOUND)
        return rc == LG_OK ? LG_ERR_DUPLICATE : rc;
    if (r->in->amount > r->info.daily_remaining)
        return LG_ERR_LIMIT_DAILY;
    if (r->in->amount > r->info.total_remaining)
        return LG_ERR_LIMIT_TOTAL;
    if ((rc = insert_loan(ms, t, r, p.live_id[0] != '\0')) != LG_OK ||
        (rc = charge_day(ms, t, &p, r)) != LG_OK || (rc = charge_total(ms, t, &p, r)) != LG_OK)
        return rc;
    p.outstanding += r->in->amount; /* within the total limit: checked above */
    if ((rc = mg_limit_warn(ms, t, &p, r->day, used + r->in->amount, r->now)) != LG_OK)
        return rc;
    r->info.daily_remaining -= r->in->amount;
    r->info.total_remaining -= r->in->amount;
    return LG_OK;
}

lg_err lg_mongo_loan_reserve(lg_store *st, lg_loan *loan, lg_reserve_info *info, lg_loan *existing)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    reserve r = {.in = loan, .now = lg_time_now_ms()};
    if ((rc = mg_new_id(r.id)) != LG_OK)
        return rc;
    if (lg_time_day_key(r.now, r.day, sizeof r.day) != LG_OK)
        return books_broken("loan reserve clock");
    rc = mg_transaction(ms, reserve_body, &r);
    if (rc == LG_OK || rc == LG_ERR_LIMIT_DAILY || rc == LG_ERR_LIMIT_TOTAL)
        *info = r.info;
    if (rc == LG_OK)
        *loan = r.row;
    else if (rc == LG_ERR_DUPLICATE)
        *existing = r.existing;
    return rc;
}

/* ------------------------------------------------------------ borrow mined, fail, release */

typedef struct loan_change {
    const char *loan_id;
    const char *text; /* the borrow hash, or the failure reason */
    int64_t now;
} loan_change;

static lg_err mark_borrowed_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    loan_change *c = ctx;
    lg_loan l;
    lg_err rc = mg_loan_read(ms, t, c->loan_id, &l);
    if (rc != LG_OK)
        return rc;
    if (l.status == LG_LOAN_SETTLING && strcasecmp(l.borrow_tx, c->text) == 0)
        return LG_OK;
    if (l.status != LG_LOAN_PENDING)
        return LG_ERR_STATE;
    l.status = LG_LOAN_SETTLING;
    snprintf(l.borrow_tx, sizeof l.borrow_tx, "%s", c->text);
    l.updated_at_ms = c->now;
    return mg_loan_save(ms, t, &l);
}

lg_err lg_mongo_loan_mark_borrowed(lg_store *st, const char *loan_id, const char *borrow_tx)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    loan_change c = {loan_id, borrow_tx, lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, mark_borrowed_body, &c) : rc;
}

static lg_err fail_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    loan_change *c = ctx;
    lg_loan l;
    lg_err rc = mg_loan_read(ms, t, c->loan_id, &l);
    if (rc != LG_OK)
        return rc;
    if (l.status != LG_LOAN_PENDING)
        return LG_ERR_STATE;
    l.status = LG_LOAN_FAILED;
    l.remaining = 0;
    snprintf(l.failure_reason, sizeof l.failure_reason, "%s", c->text);
    l.updated_at_ms = c->now;
    rc = mg_loan_save(ms, t, &l);
    /* The day charged is the loan's own, which may no longer be today. */
    if (rc == LG_OK)
        rc = usage_sub(ms, t, l.partner_id, l.day, l.amount, c->now);
    if (rc == LG_OK)
        rc = mg_outstanding_sub(ms, t, l.partner_id, l.amount, c->now);
    if (rc == LG_OK)
        rc = mg_loan_event(ms, t, "loan.failed", &l, l.amount, "", c->now);
    return rc;
}

lg_err lg_mongo_loan_fail(lg_store *st, const char *loan_id, const char *reason)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    loan_change c = {loan_id, reason, lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, fail_body, &c) : rc;
}

/* The borrow request answers 202 with the loan in flight: loan.pending tells the
 * partner the rest will come by webhook. */
static lg_err release_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    loan_change *c = ctx;
    lg_loan l;
    lg_err rc = mg_loan_read(ms, t, c->loan_id, &l);
    if (rc != LG_OK)
        return rc;
    l.owner[0] = '\0';
    l.lease_until_ms = 0;
    rc = mg_loan_save(ms, t, &l);
    if (rc == LG_OK && (l.status == LG_LOAN_PENDING || l.status == LG_LOAN_SETTLING))
        rc = mg_loan_event(ms, t, "loan.pending", &l, l.amount, l.borrow_tx, c->now);
    return rc;
}

lg_err lg_mongo_loan_release(lg_store *st, const char *loan_id)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    loan_change c = {loan_id, "", lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, release_body, &c) : rc;
}

/* ------------------------------------------------------------ lists */

typedef struct loan_page {
    const lg_loan_filter *f;
    mg_list list;
    uint64_t total;
} loan_page;

static lg_err loan_page_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    loan_page *pg = ctx;
    mg_list_reset(&pg->list);
    pg->total = 0;
    bson_t filter = BSON_INITIALIZER, sort;
    if (pg->f->partner_id)
        BSON_APPEND_UTF8(&filter, "partnerId", pg->f->partner_id);
    if (pg->f->user_wallet)
        BSON_APPEND_UTF8(&filter, "userWallet", pg->f->user_wallet);
    if (pg->f->status >= 0)
        BSON_APPEND_INT32(&filter, "status", pg->f->status);
    mg_sort2(&sort, "createdAt", -1, "_id", -1);
    lg_err rc = mg_count(ms, t, "partner_loans", &filter, &pg->total);
    if (rc == LG_OK && pg->f->limit > 0)
        rc = mg_find(ms, t, "partner_loans", &filter, &sort, pg->f->offset, pg->f->limit,
                     mg_list_row, &pg->list);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_loan_list(lg_store *st, const lg_loan_filter *f, lg_loan **items, size_t *n,
                          uint64_t *total)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    loan_page pg = {.f = f, .list = {.rec = &lg_mongo_loan_record}};
    rc = mg_transaction(ms, loan_page_body, &pg);
    if (rc != LG_OK) {
        mg_list_reset(&pg.list);
        return rc;
    }
    *items = pg.list.items;
    *n = pg.list.n;
    *total = pg.total;
    return LG_OK;
}

/* Loans matching filter, oldest first, at most limit. The lists reconcile works from
 * are its chain's: their filters name the handle's sandbox flag (mongo_map.h). */
static lg_err loans_oldest(mongo_store *ms, const bson_t *filter, uint32_t limit, lg_loan **items,
                           size_t *n)
{
    if (limit == 0)
        return LG_OK;
    mg_list l = {.rec = &lg_mongo_loan_record};
    bson_t sort;
    mg_sort2(&sort, "createdAt", 1, "_id", 1);
    lg_err rc = mg_find(ms, NULL, "partner_loans", filter, &sort, 0, limit, mg_list_row, &l);
    bson_destroy(&sort);
    if (rc != LG_OK) {
        mg_list_reset(&l);
        return rc;
    }
    *items = l.items;
    *n = l.n;
    return LG_OK;
}

lg_err lg_mongo_loan_list_unsettled(lg_store *st, uint32_t limit, lg_loan **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter;
    rc = lg_mongo_loan_unsettled_filter(ms->base.sandbox, &filter);
    if (rc == LG_OK)
        rc = loans_oldest(ms, &filter, limit, items, n);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_loan_list_overdue(lg_store *st, int64_t before_ms, uint32_t limit, lg_loan **items,
                                  size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter;
    rc = lg_mongo_loan_overdue_filter(before_ms, ms->base.sandbox, &filter);
    if (rc == LG_OK)
        rc = loans_oldest(ms, &filter, limit, items, n);
    bson_destroy(&filter);
    return rc;
}
