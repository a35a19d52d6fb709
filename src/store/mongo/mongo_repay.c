/*
 * mongo_repay.c - the money movements on MongoDB: a borrow confirmed (position link,
 * partner totals, ledger, loan.borrowed), deposits credited to a partner's balance,
 * and repayments begun, applied and failed. Each is one transaction; the draws on a
 * partner's balance and on a loan's remaining debt are conditional updates whose
 * filter states the bound, so two concurrent repayments can never overdraw either.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ shared writes */

static lg_err books_broken(const char *what)
{
    lg_error("store.mongo", "%s: the stored totals do not cover the change", what);
    return LG_ERR_STORE;
}

/* partners.<field> += delta for partner_id; a negative delta needs that much there.
 * Out: *matched (1, or 0 when the partner is missing or short). */
static lg_err partner_inc(mongo_store *ms, mg_txn *t, const char *partner_id, const char *field,
                          int64_t delta, int64_t now, int64_t *matched)
{
    bson_t filter, update;
    mg_update_result res = {0};
    lg_err rc = delta < 0 ? lg_mongo_release_filter("partnerId", partner_id, field,
                                                    (uint64_t)(-(delta + 1)) + 1, &filter)
                          : lg_mongo_filter_str("partnerId", partner_id, &filter);
    lg_err rc2 = lg_mongo_inc_update(field, delta, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partners", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    *matched = res.matched;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* As partner_inc, where a miss means the books are broken. */
lg_err mg_partner_add(mongo_store *ms, mg_txn *t, const char *partner_id, const char *field,
                      int64_t delta, int64_t now)
{
    int64_t matched = 0;
    lg_err rc = partner_inc(ms, t, partner_id, field, delta, now, &matched);
    return rc == LG_OK && matched != 1 ? books_broken(field) : rc;
}

lg_err mg_ledger_add(mongo_store *ms, mg_txn *t, const lg_loan *l, lg_ledger_kind kind,
                     uint64_t amount, const char *tx_hash, int64_t now)
{
    lg_ledger_entry e;
    memset(&e, 0, sizeof e);
    memcpy(e.partner_id, l->partner_id, sizeof e.partner_id);
    memcpy(e.loan_id, l->id, sizeof e.loan_id);
    memcpy(e.partner_loan_id, l->partner_loan_id, sizeof e.partner_loan_id);
    memcpy(e.user_wallet, l->user_wallet, sizeof e.user_wallet);
    e.kind = kind;
    e.amount = amount;
    snprintf(e.tx_hash, sizeof e.tx_hash, "%s", tx_hash ? tx_hash : "");
    e.created_at_ms = now;
    lg_err rc = mg_next_id(ms, t, "partner_ledger", &e.id);
    bson_t doc = BSON_INITIALIZER;
    if (rc == LG_OK)
        rc = lg_mongo_ledger_to_bson(&e, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partner_ledger", &doc, LG_ERR_STORE);
    bson_destroy(&doc);
    return rc;
}

/* Writes r back whole. */
static lg_err repay_save(mongo_store *ms, mg_txn *t, const lg_repayment *r)
{
    bson_t filter, update = BSON_INITIALIZER, set;
    lg_err rc = lg_mongo_filter_str("repaymentId", r->id, &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    if (rc == LG_OK)
        rc = lg_mongo_repayment_to_bson(r, &set);
    bson_append_document_end(&update, &set);
    mg_update_result res = {0};
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partner_repayments", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1)
        rc = LG_ERR_NOT_FOUND;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

static lg_err repay_read(mongo_store *ms, mg_txn *t, const bson_t *filter, lg_repayment *out)
{
    bson_t doc;
    int found = 0;
    lg_err rc = mg_find_one(ms, t, "partner_repayments", filter, NULL, &doc, &found);
    if (rc == LG_OK)
        rc = found ? lg_mongo_repayment_from_bson(&doc, out) : LG_ERR_NOT_FOUND;
    bson_destroy(&doc);
    return rc;
}

static lg_err repay_read_id(mongo_store *ms, mg_txn *t, const char *id, lg_repayment *out)
{
    bson_t filter;
    lg_err rc = lg_mongo_filter_str("repaymentId", id, &filter);
    if (rc == LG_OK)
        rc = repay_read(ms, t, &filter, out);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ position links */

/* Links the loan to its position with debt, once (solvency_positions.partnerLoans[]). */
static lg_err link_add(mongo_store *ms, mg_txn *t, const lg_loan *l, int64_t now)
{
    bson_t filter, update, where;
    mg_update_result res = {0};
    lg_mongo_position_link pl = {.amount = l->remaining, .repaid = 0};
    memcpy(pl.loan_id, l->id, sizeof pl.loan_id);
    memcpy(pl.partner_id, l->partner_id, sizeof pl.partner_id);
    /* A position that has the link already is left alone: counted once. The position
     * is the handle's chain's. */
    bson_init(&where);
    lg_err rc = lg_mongo_link_add_filter(ms->base.sandbox, l->user_wallet, l->oaid, l->id, &filter);
    lg_err rc2 = lg_mongo_link_add_update(&pl, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "solvency_positions", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1) {
        uint64_t n = 0;
        bson_destroy(&where);
        rc = lg_mongo_position_filter(ms->base.sandbox, l->user_wallet, l->oaid, &where);
        if (rc == LG_OK)
            rc = mg_count(ms, t, "solvency_positions", &where, &n);
        if (rc == LG_OK && n == 0)
            rc = LG_ERR_NOT_FOUND; /* no position */
    }
    bson_destroy(&where);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* The position holding loan_id's link, its chain (*sandbox: the link is paid down on
 * the position it was made on, whichever handle applies the repayment), and the link.
 * Returns LG_ERR_NOT_FOUND. */
static lg_err link_find(mongo_store *ms, mg_txn *t, const char *loan_id, lg_position *pos,
                        int *sandbox, lg_mongo_position_link *link)
{
    bson_t filter, doc;
    int found = 0;
    lg_err rc = lg_mongo_filter_str("partnerLoans.internalLoanId", loan_id, &filter);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "solvency_positions", &filter, NULL, &doc, &found);
    else
        bson_init(&doc);
    if (rc == LG_OK)
        rc = found ? lg_mongo_position_from_bson(&doc, pos) : LG_ERR_NOT_FOUND;
    *sandbox = rc == LG_OK && lg_mongo_doc_sandbox(&doc);
    bson_iter_t it, arr;
    int have = 0;
    if (rc == LG_OK && bson_iter_init_find(&it, &doc, "partnerLoans") &&
        BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &arr)) {
        while (!have && bson_iter_next(&arr)) {
            uint32_t len = 0;
            const uint8_t *data = NULL;
            bson_t sub;
            if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
                continue;
            bson_iter_document(&arr, &len, &data);
            have = bson_init_static(&sub, data, len) &&
                   lg_mongo_position_link_from_bson(&sub, link) == LG_OK &&
                   strcmp(link->loan_id, loan_id) == 0;
        }
    }
    if (rc == LG_OK && !have)
        rc = books_broken("position link");
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

/* The loan paid paid: its link's debt, and the position's, go down (all of it once
 * the loan is repaid); the link is marked repaid then. */
lg_err mg_link_repay(mongo_store *ms, mg_txn *t, const char *loan_id, uint64_t paid,
                     int loan_repaid, int64_t now)
{
    lg_position pos;
    lg_mongo_position_link link;
    int sandbox = 0;
    lg_err rc = link_find(ms, t, loan_id, &pos, &sandbox, &link);
    if (rc == LG_ERR_NOT_FOUND)
        return LG_OK;
    if (rc != LG_OK || link.repaid)
        return rc;
    uint64_t take = loan_repaid || paid > link.amount ? link.amount : paid;
    bson_t filter, update;
    mg_update_result res = {0};
    rc = lg_mongo_link_repay_filter(sandbox, pos.wallet, pos.oaid, loan_id, take, &filter);
    lg_err rc2 = lg_mongo_link_repay_update(link.amount - take, loan_repaid, take, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "solvency_positions", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1)
        rc = books_broken("position link");
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ confirm */

typedef struct confirm {
    const char *loan_id, *borrow_tx, *transfer_tx;
    int64_t now;
} confirm;

static lg_err confirm_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    confirm *c = ctx;
    lg_loan l;
    lg_err rc = mg_loan_read(ms, t, c->loan_id, &l);
    if (rc != LG_OK)
        return rc;
    if (l.status != LG_LOAN_PENDING && l.status != LG_LOAN_SETTLING)
        return LG_ERR_STATE;
    if ((rc = link_add(ms, t, &l, c->now)) != LG_OK)
        return rc;
    l.status = LG_LOAN_ACTIVE;
    snprintf(l.borrow_tx, sizeof l.borrow_tx, "%s", c->borrow_tx);
    snprintf(l.transfer_tx, sizeof l.transfer_tx, "%s", c->transfer_tx);
    l.updated_at_ms = c->now;
    if ((rc = mg_loan_save(ms, t, &l)) != LG_OK ||
        (rc = mg_partner_add(ms, t, l.partner_id, "totalBorrowed", (int64_t)l.amount, c->now)) !=
            LG_OK ||
        (rc = mg_partner_add(ms, t, l.partner_id, "totalFees", (int64_t)l.fee, c->now)) != LG_OK)
        return rc;
    if ((rc = mg_ledger_add(ms, t, &l, LG_LEDGER_BORROW, l.amount, l.borrow_tx, c->now)) != LG_OK ||
        (rc = mg_ledger_add(ms, t, &l, LG_LEDGER_FEE, l.fee, l.borrow_tx, c->now)) != LG_OK ||
        (rc = mg_ledger_add(ms, t, &l, LG_LEDGER_PAYOUT, l.net, l.transfer_tx, c->now)) != LG_OK)
        return rc;
    return mg_loan_event(ms, t, "loan.borrowed", &l, l.amount, l.borrow_tx, c->now);
}

lg_err lg_mongo_loan_confirm(lg_store *st, const char *loan_id, const char *borrow_tx,
                             const char *transfer_tx)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    confirm c = {loan_id, borrow_tx, transfer_tx, lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, confirm_body, &c) : rc;
}

/* ------------------------------------------------------------ deposits */

/* Records d, credits it and writes its DEPOSIT ledger row, in t. LG_ERR_DUPLICATE
 * (*existing filled) when the hash was credited before; LG_ERR_NOT_FOUND (no partner). */
static lg_err deposit_in(mongo_store *ms, mg_txn *t, const lg_deposit *d, int64_t now,
                         lg_deposit *existing)
{
    bson_t filter, doc;
    int found = 0;
    lg_err rc = lg_mongo_filter_str("txHash", d->tx_hash, &filter);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "partner_deposits", &filter, NULL, &doc, &found);
    else
        bson_init(&doc);
    if (rc == LG_OK && found)
        rc = lg_mongo_deposit_from_bson(&doc, existing) == LG_OK ? LG_ERR_DUPLICATE : LG_ERR_STORE;
    bson_destroy(&doc);
    bson_destroy(&filter);
    if (rc != LG_OK)
        return rc;
    int64_t matched = 0;
    rc = partner_inc(ms, t, d->partner_id, "deposited", (int64_t)d->amount, now, &matched);
    if (rc == LG_OK && matched != 1)
        return LG_ERR_NOT_FOUND;
    lg_deposit row = *d;
    row.created_at_ms = now;
    bson_init(&doc);
    if (rc == LG_OK)
        rc = lg_mongo_deposit_to_bson(&row, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partner_deposits", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    lg_loan none; /* a DEPOSIT row names no loan */
    memset(&none, 0, sizeof none);
    memcpy(none.partner_id, d->partner_id, sizeof none.partner_id);
    return rc == LG_OK ? mg_ledger_add(ms, t, &none, LG_LEDGER_DEPOSIT, d->amount, d->tx_hash, now)
                       : rc;
}

typedef struct credit {
    const lg_deposit *d;
    int64_t now;
    lg_deposit existing;
    uint64_t balance;
} credit;

static lg_err credit_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    credit *c = ctx;
    lg_partner p;
    lg_err rc = deposit_in(ms, t, c->d, c->now, &c->existing);
    if (rc == LG_OK)
        rc = mg_partner_read(ms, t, c->d->partner_id, &p);
    if (rc == LG_OK)
        c->balance = p.deposited > p.balance_used ? p.deposited - p.balance_used : 0;
    return rc;
}

lg_err lg_mongo_deposit_credit(lg_store *st, const lg_deposit *d, lg_deposit *existing,
                               uint64_t *balance)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    credit c = {.d = d, .now = lg_time_now_ms()};
    rc = mg_transaction(ms, credit_body, &c);
    if (rc == LG_OK)
        *balance = c.balance;
    else if (rc == LG_ERR_DUPLICATE)
        *existing = c.existing;
    return rc;
}

/* ------------------------------------------------------------ begin */

typedef struct begin {
    const char *partner_id, *partner_loan_id, *idem_key;
    uint64_t amount;
    const lg_deposit *proof;
    char id[LG_UUID_LEN];
    int64_t now;
    lg_repayment out;
} begin;

/* The pending or applied repayment of loan_id made with key. */
static lg_err repay_by_key(mongo_store *ms, mg_txn *t, const char *loan_id, const char *key,
                           lg_repayment *out)
{
    bson_t filter = BSON_INITIALIZER, ne;
    BSON_APPEND_UTF8(&filter, "internalLoanId", loan_id);
    BSON_APPEND_UTF8(&filter, "idempotencyKey", key);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "status", &ne);
    BSON_APPEND_INT32(&ne, "$ne", LG_REPAY_FAILED);
    bson_append_document_end(&filter, &ne);
    lg_err rc = repay_read(ms, t, &filter, out);
    bson_destroy(&filter);
    return rc;
}

/* Reserves amount on the loan: repayPending + amount stays within remaining. */
static lg_err reserve_on_loan(mongo_store *ms, mg_txn *t, const lg_loan *l, uint64_t amount,
                              int64_t now)
{
    bson_t filter, update;
    mg_update_result res = {0};
    lg_err rc = lg_mongo_repay_reserve_filter(l->id, amount, &filter);
    lg_err rc2 = lg_mongo_inc_update("repayPending", (int64_t)amount, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partner_loans", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1)
        rc = LG_ERR_OVERPAY;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* Draws amount from the partner's balance: balanceUsed + amount within deposited. */
static lg_err draw_balance(mongo_store *ms, mg_txn *t, const char *partner_id, uint64_t amount,
                           int64_t now)
{
    bson_t filter, update;
    mg_update_result res = {0};
    lg_err rc = lg_mongo_balance_draw_filter(partner_id, amount, &filter);
    lg_err rc2 = lg_mongo_inc_update("balanceUsed", (int64_t)amount, now, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partners", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1)
        rc = LG_ERR_FUNDS;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* Inserts the PENDING repayment of l, flagged sandbox as its loan is (mongo_map.h). */
static lg_err insert_repayment(mongo_store *ms, mg_txn *t, begin *b, const lg_loan *l, int sandbox)
{
    lg_repayment *r = &b->out;
    memset(r, 0, sizeof *r);
    memcpy(r->id, b->id, sizeof r->id);
    memcpy(r->loan_id, l->id, sizeof r->loan_id);
    memcpy(r->partner_id, l->partner_id, sizeof r->partner_id);
    r->amount = r->funded = b->amount;
    snprintf(r->owner, sizeof r->owner, "%s", ms->base.lease_owner);
    r->lease_until_ms = r->owner[0] ? b->now + ms->base.lease_ms : 0;
    if (b->proof)
        snprintf(r->proof_tx, sizeof r->proof_tx, "%s", b->proof->tx_hash);
    if (b->idem_key)
        snprintf(r->idem_key, sizeof r->idem_key, "%s", b->idem_key);
    r->status = LG_REPAY_PENDING;
    r->created_at_ms = r->updated_at_ms = b->now;
    bson_t doc = BSON_INITIALIZER;
    lg_err rc = lg_mongo_repayment_to_bson(r, &doc);
    if (rc == LG_OK)
        rc = lg_mongo_append_sandbox(&doc, sandbox);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partner_repayments", &doc, LG_ERR_CONFLICT);
    bson_destroy(&doc);
    return rc;
}

static lg_err begin_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    begin *b = ctx;
    lg_loan l;
    lg_deposit seen;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "partnerId", b->partner_id);
    BSON_APPEND_UTF8(&filter, "partnerLoanId", b->partner_loan_id);
    bson_t doc;
    int found = 0;
    lg_err rc = mg_find_one(ms, t, "partner_loans", &filter, NULL, &doc, &found);
    if (rc == LG_OK)
        rc = found ? lg_mongo_loan_from_bson(&doc, &l) : LG_ERR_NOT_FOUND;
    /* The loan's flag was taken from its partner when it was reserved. */
    int sandbox = rc == LG_OK && lg_mongo_doc_sandbox(&doc);
    bson_destroy(&doc);
    bson_destroy(&filter);
    if (rc != LG_OK)
        return rc;
    /* The key's repayment, whatever the loan's state since: nothing new is drawn. */
    if (b->idem_key && b->idem_key[0]) {
        rc = repay_by_key(ms, t, l.id, b->idem_key, &b->out);
        if (rc != LG_ERR_NOT_FOUND)
            return rc == LG_OK ? LG_ERR_CONFLICT : rc;
    }
    /* A DEFAULTED loan is still owed: repayments recover it. */
    if (l.status != LG_LOAN_ACTIVE && l.status != LG_LOAN_DEFAULTED)
        return LG_ERR_STATE;
    if (l.repay_pending > l.remaining || b->amount > l.remaining - l.repay_pending)
        return LG_ERR_OVERPAY;
    if (b->proof && (rc = deposit_in(ms, t, b->proof, b->now, &seen)) != LG_OK)
        return rc;
    if ((rc = draw_balance(ms, t, l.partner_id, b->amount, b->now)) != LG_OK ||
        (rc = insert_repayment(ms, t, b, &l, sandbox)) != LG_OK)
        return rc;
    return reserve_on_loan(ms, t, &l, b->amount, b->now);
}

lg_err lg_mongo_repay_begin(lg_store *st, const char *partner_id, const char *partner_loan_id,
                            uint64_t amount, const lg_deposit *proof, const char *idem_key,
                            lg_repayment *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    begin b = {.partner_id = partner_id,
               .partner_loan_id = partner_loan_id,
               .idem_key = idem_key,
               .amount = amount,
               .proof = proof,
               .now = lg_time_now_ms()};
    if ((rc = mg_new_id(b.id)) != LG_OK)
        return rc;
    rc = mg_transaction(ms, begin_body, &b);
    if (rc == LG_OK || rc == LG_ERR_CONFLICT)
        *out = b.out;
    return rc;
}

/* ------------------------------------------------------------ apply and fail */

typedef struct settle {
    const char *repayment_id;
    const char *text; /* the repay transaction, or the failure reason */
    int64_t now;
    lg_loan loan;
} settle;

/* Moves amount from the loan's pending reservation to repaid. */
static lg_err apply_to_loan(lg_loan *l, uint64_t amount, int64_t now)
{
    if (l->repay_pending < amount || l->remaining < amount || l->repaid > UINT64_MAX - amount)
        return books_broken("repayment apply");
    l->repay_pending -= amount;
    l->remaining -= amount;
    l->repaid += amount;
    if (l->remaining == 0)
        l->status = LG_LOAN_REPAID;
    l->updated_at_ms = now;
    return LG_OK;
}

/* Partner totals, position debt, ledger and webhooks of an applied repayment. */
static lg_err apply_books(mongo_store *ms, mg_txn *t, const lg_loan *l, const lg_repayment *r,
                          int64_t now)
{
    int repaid = l->status == LG_LOAN_REPAID;
    lg_err rc = mg_partner_add(ms, t, l->partner_id, "totalRepaid", (int64_t)r->amount, now);
    if (rc == LG_OK)
        rc = mg_outstanding_sub(ms, t, l->partner_id, r->amount, now);
    if (rc == LG_OK)
        rc = mg_link_repay(ms, t, l->id, r->amount, repaid, now);
    if (rc == LG_OK)
        rc = mg_ledger_add(ms, t, l, LG_LEDGER_REPAY, r->amount, r->repay_tx, now);
    if (rc == LG_OK)
        rc = mg_loan_event(ms, t, "loan.repayment_received", l, r->amount, r->repay_tx, now);
    if (rc == LG_OK && repaid)
        rc = mg_loan_event(ms, t, "loan.repaid", l, l->amount, r->repay_tx, now);
    return rc;
}

static lg_err apply_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    settle *s = ctx;
    lg_repayment r;
    lg_err rc = repay_read_id(ms, t, s->repayment_id, &r);
    if (rc != LG_OK)
        return rc;
    if (r.status == LG_REPAY_APPLIED && strcasecmp(r.repay_tx, s->text) == 0)
        return mg_loan_read(ms, t, r.loan_id, &s->loan);
    if (r.status != LG_REPAY_PENDING)
        return LG_ERR_STATE;
    if ((rc = mg_loan_read(ms, t, r.loan_id, &s->loan)) != LG_OK ||
        (rc = apply_to_loan(&s->loan, r.amount, s->now)) != LG_OK ||
        (rc = mg_loan_save(ms, t, &s->loan)) != LG_OK)
        return rc;
    r.status = LG_REPAY_APPLIED;
    snprintf(r.repay_tx, sizeof r.repay_tx, "%s", s->text);
    r.updated_at_ms = s->now;
    if ((rc = repay_save(ms, t, &r)) != LG_OK)
        return rc;
    return apply_books(ms, t, &s->loan, &r, s->now);
}

lg_err lg_mongo_repay_apply(lg_store *st, const char *repayment_id, const char *repay_tx,
                            lg_loan *loan)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    settle s = {.repayment_id = repayment_id, .text = repay_tx, .now = lg_time_now_ms()};
    rc = mg_transaction(ms, apply_body, &s);
    if (rc == LG_OK)
        *loan = s.loan;
    return rc;
}

static lg_err fail_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    settle *s = ctx;
    lg_repayment r;
    lg_err rc = repay_read_id(ms, t, s->repayment_id, &r);
    if (rc != LG_OK)
        return rc;
    if (r.status != LG_REPAY_PENDING)
        return LG_ERR_STATE;
    if ((rc = mg_loan_read(ms, t, r.loan_id, &s->loan)) != LG_OK)
        return rc;
    if (s->loan.repay_pending < r.amount)
        return books_broken("repayment release");
    s->loan.repay_pending -= r.amount;
    s->loan.updated_at_ms = s->now;
    if ((rc = mg_loan_save(ms, t, &s->loan)) != LG_OK)
        return rc;
    if (r.funded && (rc = mg_partner_add(ms, t, r.partner_id, "balanceUsed", -(int64_t)r.funded,
                                         s->now)) != LG_OK)
        return rc;
    r.status = LG_REPAY_FAILED;
    snprintf(r.failure_reason, sizeof r.failure_reason, "%s", s->text);
    r.updated_at_ms = s->now;
    return repay_save(ms, t, &r);
}

lg_err lg_mongo_repay_fail(lg_store *st, const char *repayment_id, const char *reason)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    settle s = {.repayment_id = repayment_id, .text = reason, .now = lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, fail_body, &s) : rc;
}
