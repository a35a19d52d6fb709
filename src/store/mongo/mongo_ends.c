/*
 * mongo_ends.c - on MongoDB: the vault's liquidation of a position (its loans end
 * LIQUIDATED), the import of partner_platforms.json, and a partner's analytics. The
 * first two are one transaction each; analytics reads one snapshot.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS   86400000LL
#define MAX_DAYS 366

/* ------------------------------------------------------------ liquidation */

typedef struct liquidate {
    const char *wallet, *oaid, *position_id, *tx_hash;
    int64_t now;
    lg_liquidate_result out;
    mg_list loans;
} liquidate;

/* The loan's LIQUIDATION entry: applied at once, paid by the vault (funded 0). */
static lg_err entry_insert(mongo_store *ms, mg_txn *t, const lg_loan *l, uint64_t amount,
                           const char *tx_hash, int64_t now)
{
    lg_repayment r;
    memset(&r, 0, sizeof r);
    lg_err rc = mg_new_id(r.id);
    memcpy(r.loan_id, l->id, sizeof r.loan_id);
    memcpy(r.partner_id, l->partner_id, sizeof r.partner_id);
    r.amount = amount;
    r.kind = LG_REPAY_KIND_LIQUIDATION;
    snprintf(r.repay_tx, sizeof r.repay_tx, "%s", tx_hash);
    r.status = LG_REPAY_APPLIED;
    r.created_at_ms = r.updated_at_ms = now;
    bson_t doc = BSON_INITIALIZER;
    if (rc == LG_OK)
        rc = lg_mongo_repayment_to_bson(&r, &doc);
    /* The loans a liquidation ends are the handle's chain's (liquidate_body). */
    if (rc == LG_OK)
        rc = lg_mongo_append_sandbox(&doc, ms->base.sandbox);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partner_repayments", &doc, LG_ERR_STORE);
    bson_destroy(&doc);
    return rc;
}

/* Ends one loan as LIQUIDATED: what remained counts as repaid by the vault. */
static lg_err liquidate_loan(mongo_store *ms, mg_txn *t, lg_loan *l, const char *tx_hash,
                             int64_t now)
{
    uint64_t debt = l->remaining;
    if (l->repaid > UINT64_MAX - debt) {
        lg_error("store.mongo", "liquidation: the stored totals do not cover the change");
        return LG_ERR_STORE;
    }
    l->repaid += debt;
    l->remaining = 0;
    l->status = LG_LOAN_LIQUIDATED;
    l->updated_at_ms = now;
    lg_err rc = mg_loan_save(ms, t, l);
    if (rc == LG_OK)
        rc = entry_insert(ms, t, l, debt, tx_hash, now);
    if (rc == LG_OK)
        rc = mg_outstanding_sub(ms, t, l->partner_id, debt, now);
    if (rc == LG_OK)
        rc = mg_link_repay(ms, t, l->id, debt, 1, now);
    if (rc == LG_OK)
        rc = mg_ledger_add(ms, t, l, LG_LEDGER_LIQUIDATION, debt, tx_hash, now);
    if (rc == LG_OK)
        rc = mg_loan_event(ms, t, "loan.liquidated", l, debt, tx_hash, now);
    return rc;
}

/* The cached copy of the position follows the vault: closed, nothing borrowed. */
static lg_err position_close(mongo_store *ms, mg_txn *t, const liquidate *q)
{
    bson_t filter, update = BSON_INITIALIZER, set;
    lg_err rc = lg_mongo_position_filter(ms->base.sandbox, q->wallet, q->oaid, &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_BOOL(&set, "active", false);
    BSON_APPEND_UTF8(&set, "usdcBorrowed", "0");
    BSON_APPEND_DATE_TIME(&set, "updatedAt", q->now);
    bson_append_document_end(&update, &set);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "solvency_positions", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* A loan whose borrow is still in flight, or with a repayment in flight, cannot be
 * ended under it: reconcile settles those first and applies the liquidation again. */
static int in_flight(const lg_loan *l)
{
    return l->status == LG_LOAN_PENDING || l->status == LG_LOAN_SETTLING || l->repay_pending > 0;
}

static lg_err liquidate_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    liquidate *q = ctx;
    memset(&q->out, 0, sizeof q->out);
    mg_list_reset(&q->loans);
    bson_t filter, sort;
    /* The handle's chain's loans only: the same wallet and OAID may be on both. */
    lg_err rc = lg_mongo_position_loans_filter(ms->base.sandbox, q->wallet, q->oaid, q->position_id,
                                               &filter);
    mg_sort2(&sort, "createdAt", 1, "_id", 1);
    if (rc == LG_OK)
        rc = mg_find(ms, t, "partner_loans", &filter, &sort, 0, 0, mg_list_row, &q->loans);
    bson_destroy(&sort);
    bson_destroy(&filter);
    lg_loan *loans = q->loans.items;
    for (size_t i = 0; rc == LG_OK && i < q->loans.n; i++) {
        if (in_flight(&loans[i])) {
            lg_warn("store.liquidate", "loan \"%s\" is in flight: left for reconcile", loans[i].id);
            q->out.left++;
            continue;
        }
        uint64_t debt = loans[i].remaining;
        if ((rc = liquidate_loan(ms, t, &loans[i], q->tx_hash, q->now)) == LG_OK) {
            q->out.liquidated++;
            q->out.debt_cleared += debt;
        }
    }
    if (rc == LG_OK && q->out.liquidated)
        rc = position_close(ms, t, q);
    return rc;
}

lg_err lg_mongo_position_liquidate(lg_store *st, const char *wallet, const char *oaid,
                                   const char *position_id, const char *tx_hash,
                                   lg_liquidate_result *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    liquidate q = {.wallet = wallet,
                   .oaid = oaid,
                   .position_id = position_id,
                   .tx_hash = tx_hash,
                   .now = lg_time_now_ms(),
                   .loans = {.rec = &lg_mongo_loan_record}};
    rc = mg_transaction(ms, liquidate_body, &q);
    mg_list_reset(&q.loans);
    *out = rc == LG_OK ? q.out : (lg_liquidate_result){0};
    return rc;
}

/* ------------------------------------------------------------ import */

typedef struct import {
    lg_partner_import_item *items;
    size_t n;
    const lg_audit_hook *hook;
    int64_t now;
    size_t bad;
} import;

static lg_err import_update(mongo_store *ms, mg_txn *t, lg_partner_import_item *it,
                            const import *im)
{
    it->created = 0;
    it->after = it->before;
    lg_store_partner_merge(&it->after, &it->partner, it->mask);
    if (lg_store_partner_same(&it->before, &it->after))
        return LG_OK;
    bson_t filter, doc;
    lg_err rc = lg_mongo_filter_str("partnerId", it->before.id, &filter);
    lg_err rc2 = lg_mongo_partner_update(&it->partner, it->mask, im->now, &doc);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partners", &filter, &doc, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&doc);
    bson_destroy(&filter);
    if (rc == LG_OK)
        rc = mg_partner_read(ms, t, it->before.id, &it->after);
    if (rc == LG_OK)
        rc = mg_partner_mirror(ms, t, &it->after);
    return rc == LG_OK ? mg_audit_append(ms, t, im->hook, &it->before, &it->after, im->now) : rc;
}

static lg_err import_create(mongo_store *ms, mg_txn *t, lg_partner_import_item *it,
                            const import *im)
{
    memset(&it->before, 0, sizeof it->before);
    if (!it->partner.id[0] || !it->key.key_hash[0])
        return LG_ERR_INVALID;
    it->created = 1;
    lg_partner row = it->partner;
    row.outstanding = row.total_borrowed = row.total_repaid = row.total_fees = 0;
    row.deposited = row.balance_used = 0;
    row.created_at_ms = row.updated_at_ms = im->now;
    memset(row.live_id, 0, sizeof row.live_id); /* the store's to set */
    lg_api_key k = it->key;
    lg_partner twin;
    memcpy(k.partner_id, row.id, sizeof k.partner_id);
    k.created_at_ms = im->now;
    bson_t doc = BSON_INITIALIZER;
    lg_err rc = lg_mongo_partner_to_bson(&row, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partners", &doc, LG_ERR_DUPLICATE);
    bson_reinit(&doc);
    /* A sandbox key goes to the partner's twin, made with it (as onboarding). */
    if (rc == LG_OK && strcmp(k.env, "sandbox") == 0 &&
        (rc = mg_partner_twin(ms, t, row.id, 1, im->now, &twin)) == LG_OK)
        memcpy(k.partner_id, twin.id, sizeof k.partner_id);
    if (rc == LG_OK)
        rc = mg_next_id(ms, t, "api_keys", &k.id);
    if (rc == LG_OK)
        rc = lg_mongo_api_key_to_bson(&k, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "api_keys", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    if (rc == LG_OK)
        it->after = row;
    return rc == LG_OK ? mg_audit_append(ms, t, im->hook, NULL, &it->after, im->now) : rc;
}

static lg_err import_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    import *im = ctx;
    lg_err rc = LG_OK;
    size_t i;
    for (i = 0; i < im->n; i++)
        im->items[i].created = 0;
    for (i = 0; rc == LG_OK && i < im->n; i++) {
        lg_partner_import_item *it = &im->items[i];
        for (size_t j = 0; rc == LG_OK && j < i; j++)
            if (strcmp(im->items[j].partner.key_prefix, it->partner.key_prefix) == 0)
                rc = LG_ERR_DUPLICATE;
        bson_t filter, doc;
        int found = 0;
        if (rc == LG_OK)
            rc = lg_mongo_filter_str("keyPrefix", it->partner.key_prefix, &filter);
        else
            bson_init(&filter);
        if (rc == LG_OK)
            rc = mg_find_one(ms, t, "partners", &filter, NULL, &doc, &found);
        else
            bson_init(&doc);
        if (rc == LG_OK && found)
            rc = lg_mongo_partner_from_bson(&doc, &it->before);
        bson_destroy(&doc);
        bson_destroy(&filter);
        if (rc == LG_OK)
            rc = found ? import_update(ms, t, it, im) : import_create(ms, t, it, im);
        if (rc != LG_OK)
            im->bad = i;
    }
    return rc;
}

lg_err lg_mongo_partner_import(lg_store *st, lg_partner_import_item *items, size_t n,
                               const lg_audit_hook *hook, size_t *bad_index)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
import im = {items, n, hook, lg_time_now_ms(), 0 };
    rc = mg_transaction(ms, import_body, &im);
    if (rc != LG_OK) {
        *bad_index = im.bad;
        for (size_t i = 0; i < n; i++)
            items[i].created = 0;
    }
    return rc;
}

/* ------------------------------------------------------------ analytics */

typedef struct analytics {
    const char *partner_id;
    int64_t start_ms, end_ms, default_before_ms;
    lg_partner_analytics out;
    lg_analytics_day *days;
    size_t ndays;
    char (*loan_ids)[LG_UUID_LEN]; /* of the BORROW rows in the period */
    size_t nloans, cap;
    lg_err err;
} analytics;

static int sum_add(uint64_t *to, uint64_t v)
{
    if (*to > UINT64_MAX - v)
        return 1;
    *to += v;
    return 0;
}

static lg_err remember_loan(analytics *a, const char *loan_id)
{
    for (size_t i = 0; i < a->nloans; i++)
        if (strcmp(a->loan_ids[i], loan_id) == 0)
            return LG_OK;
    if (a->nloans == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        void *grown = realloc(a->loan_ids, cap * sizeof a->loan_ids[0]);
        if (!grown)
            return LG_ERR_NOMEM;
        a->loan_ids = grown;
        a->cap = cap;
    }
    snprintf(a->loan_ids[a->nloans++], LG_UUID_LEN, "%s", loan_id);
    return LG_OK;
}

/* One ledger row into its day and the totals. */
static lg_err ledger_row(const bson_t *doc, void *ctx)
{
    analytics *a = ctx;
    lg_ledger_entry e;
    lg_err rc = lg_mongo_ledger_from_bson(doc, &e);
    if (rc != LG_OK)
        return rc;
    int64_t d = e.created_at_ms / DAY_MS - a->start_ms / DAY_MS;
    if (d < 0 || (size_t)d >= a->ndays || !e.loan_id[0])
        return LG_OK;
    lg_analytics_day *day = &a->days[d];
    int bad = 0;
    switch (e.kind) {
    case LG_LEDGER_BORROW:
        day->loans++;
        bad = sum_add(&day->borrowed, e.amount) || sum_add(&a->out.total_borrowed, e.amount);
        if (!bad && (rc = remember_loan(a, e.loan_id)) != LG_OK)
            return rc;
        break;
    case LG_LEDGER_REPAY:
        bad = sum_add(&day->repaid, e.amount) || sum_add(&a->out.total_repaid, e.amount);
        break;
    case LG_LEDGER_FEE:
        bad = sum_add(&day->fees, e.amount) || sum_add(&a->out.fees_earned, e.amount);
        break;
    default:
        break; /* payouts are the partner's money, not activity */
    }
    if (bad) {
        lg_error("store.mongo", "analytics sums overflow");
        return LG_ERR_STORE;
    }
    return LG_OK;
}

/* The loans borrowed in the period, by their state now. */
static lg_err count_loans(mongo_store *ms, mg_txn *t, analytics *a)
{
    lg_err rc = LG_OK;
    for (size_t i = 0; rc == LG_OK && i < a->nloans; i++) {
        lg_loan l;
        rc = mg_loan_read(ms, t, a->loan_ids[i], &l);
        if (rc == LG_ERR_NOT_FOUND) {
            rc = LG_OK;
            continue;
        }
        if (rc != LG_OK || l.status == LG_LOAN_FAILED)
            continue;
        a->out.new_loans++;
        a->out.repaid_loans += l.status == LG_LOAN_REPAID;
        a->out.active_loans += l.status == LG_LOAN_ACTIVE || l.status == LG_LOAN_SETTLING;
        a->out.defaulted_loans +=
            l.status != LG_LOAN_REPAID && l.created_at_ms < a->default_before_ms;
    }
    return rc;
}

static lg_err analytics_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    analytics *a = ctx;
    memset(&a->out, 0, sizeof a->out);
    for (size_t i = 0; i < a->ndays; i++)
        a->days[i].borrowed = a->days[i].repaid = a->days[i].fees = a->days[i].loans = 0;
    a->nloans = 0;
    lg_partner p;
    lg_err rc = mg_partner_read(ms, t, a->partner_id, &p);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, r;
    BSON_APPEND_UTF8(&filter, "partnerId", a->partner_id);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "createdAt", &r);
    BSON_APPEND_DATE_TIME(&r, "$gte", a->start_ms);
    BSON_APPEND_DATE_TIME(&r, "$lt", a->end_ms);
    bson_append_document_end(&filter, &r);
    rc = mg_find(ms, t, "partner_ledger", &filter, NULL, 0, 0, ledger_row, a);
    bson_destroy(&filter);
    return rc == LG_OK ? count_loans(ms, t, a) : rc;
}

lg_err lg_mongo_partner_analytics(lg_store *st, const char *partner_id, int64_t start_ms,
                                  int64_t end_ms, int64_t default_before_ms,
                                  lg_partner_analytics *out, lg_analytics_day **days, size_t *ndays)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    if (end_ms <= start_ms || end_ms - start_ms > MAX_DAYS * DAY_MS)
        return LG_ERR_INVALID;
    int64_t first = start_ms / DAY_MS, last = (end_ms - 1) / DAY_MS;
    analytics a = {.partner_id = partner_id,
                   .start_ms = start_ms,
                   .end_ms = end_ms,
                   .default_before_ms = default_before_ms};
    a.ndays = (size_t)(last - first + 1);
    a.days = calloc(a.ndays, sizeof *a.days);
    if (!a.days)
        return LG_ERR_NOMEM;
    for (size_t i = 0; i < a.ndays; i++)
        if (lg_time_day_key((first + (int64_t)i) * DAY_MS, a.days[i].day, sizeof a.days[i].day) !=
            LG_OK)
            rc = LG_ERR_INVALID;
    if (rc == LG_OK)
        rc = mg_transaction(ms, analytics_body, &a);
    free(a.loan_ids);
    if (rc != LG_OK) {
        free(a.days);
        return rc;
    }
    *out = a.out;
    *days = a.days;
    *ndays = a.ndays;
    return LG_OK;
}
