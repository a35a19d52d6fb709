/*
 * mongo_records.c - the records the operations append and the reads over them, on
 * MongoDB: signed chain transactions, API logs and the audit journal's batches,
 * positions, repayments' reads, outbox reads, admin audit and ledger pages.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ shared */

/* Every document of rec's collection matching filter in sort order, at most limit
 * (0 = all), outside a transaction (one query reads one snapshot). */
static lg_err read_all(mongo_store *ms, const lg_mongo_record *rec, const bson_t *filter,
                       const bson_t *sort, uint32_t limit, void **items, size_t *n)
{
    mg_list l = {.rec = rec};
    lg_err rc =
        mg_find(ms, NULL, lg_mongo_record_collection(rec), filter, sort, 0, limit, mg_list_row, &l);
    if (rc != LG_OK) {
        mg_list_reset(&l);
        return rc;
    }
    *items = l.items;
    *n = l.n;
    return LG_OK;
}

/* A page and its total from one snapshot. */
typedef struct page {
    const bson_t *filter;
    const bson_t *sort;
    uint64_t offset;
    uint32_t limit;
    mg_list list;
    uint64_t total;
} page;

static lg_err page_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    page *pg = ctx;
    mg_list_reset(&pg->list);
    pg->total = 0;
    const char *coll = lg_mongo_record_collection(pg->list.rec);
    lg_err rc = mg_count(ms, t, coll, pg->filter, &pg->total);
    if (rc == LG_OK && pg->limit > 0)
        rc = mg_find(ms, t, coll, pg->filter, pg->sort, pg->offset, pg->limit, mg_list_row,
                     &pg->list);
    return rc;
}

static lg_err read_page(mongo_store *ms, page *pg, void **items, size_t *n, uint64_t *total)
{
    lg_err rc = mg_transaction(ms, page_body, pg);
    if (rc != LG_OK) {
        mg_list_reset(&pg->list);
        return rc;
    }
    *items = pg->list.items;
    *n = pg->list.n;
    *total = pg->total;
    return LG_OK;
}

/* {field: {"$gte": start, "$lt": end}} for a date range; 0 leaves a side open. */
static void date_range(bson_t *filter, const char *field, int64_t start_ms, int64_t end_ms)
{
    if (!start_ms && !end_ms)
        return;
    bson_t r;
    BSON_APPEND_DOCUMENT_BEGIN(filter, field, &r);
    if (start_ms)
        BSON_APPEND_DATE_TIME(&r, "$gte", start_ms);
    if (end_ms)
        BSON_APPEND_DATE_TIME(&r, "$lt", end_ms);
    bson_append_document_end(filter, &r);
}

/* ------------------------------------------------------------ chain transactions */

lg_err lg_mongo_tx_record(lg_store *st, const lg_chain_tx *tx, int64_t *id_out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_chain_tx row = *tx;
    row.state = LG_TXS_SIGNED;
    row.created_at_ms = row.updated_at_ms = lg_time_now_ms();
    /* An id taken for an insert that then fails is a gap, never a reuse. */
    rc = mg_next_id(ms, NULL, "chain_transactions", &row.id);
    bson_t doc = BSON_INITIALIZER;
    if (rc == LG_OK)
        rc = lg_mongo_chain_tx_to_bson(&row, &doc);
    /* Watched by the reconcile of the handle's chain only (tx_list_unsettled). */
    if (rc == LG_OK)
        rc = lg_mongo_append_sandbox(&doc, ms->base.sandbox);
    if (rc == LG_OK)
        rc = mg_insert(ms, NULL, "chain_transactions", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    if (rc == LG_OK)
        *id_out = row.id;
    return rc;
}

typedef struct tx_state_change {
    const char *hash;
    lg_tx_state state;
    int64_t now;
} tx_state_change;

static lg_err set_state_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    tx_state_change *c = ctx;
    bson_t filter, doc, update = BSON_INITIALIZER, set;
    int found = 0;
    lg_chain_tx tx;
    lg_err rc = lg_mongo_filter_str("txHash", c->hash, &filter);
    if (rc == LG_OK)
        rc = mg_find_one(ms, t, "chain_transactions", &filter, NULL, &doc, &found);
    else
        bson_init(&doc);
    if (rc == LG_OK)
        rc = found ? lg_mongo_chain_tx_from_bson(&doc, &tx) : LG_ERR_NOT_FOUND;
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_INT32(&set, "state", (int32_t)c->state);
    BSON_APPEND_DATE_TIME(&set, "updatedAt", c->now);
    bson_append_document_end(&update, &set);
    if (rc == LG_OK)
        rc = mg_update(ms, t, "chain_transactions", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
    if (rc == LG_OK && c->state == LG_TXS_MINED) {
        /* The other versions at its nonce can never be mined now. */
        bson_t others = BSON_INITIALIZER, ne, rep = BSON_INITIALIZER, rset;
        BSON_APPEND_INT64(&others, "chainId", (int64_t)tx.chain_id);
        BSON_APPEND_UTF8(&others, "from", tx.from);
        BSON_APPEND_INT64(&others, "nonce", (int64_t)tx.nonce);
        BSON_APPEND_DOCUMENT_BEGIN(&others, "txId", &ne);
        BSON_APPEND_INT64(&ne, "$ne", tx.id);
        bson_append_document_end(&others, &ne);
        BSON_APPEND_DOCUMENT_BEGIN(&rep, "$set", &rset);
        BSON_APPEND_INT32(&rset, "state", LG_TXS_REPLACED);
        BSON_APPEND_DATE_TIME(&rset, "updatedAt", c->now);
        bson_append_document_end(&rep, &rset);
        rc = mg_update(ms, t, "chain_transactions", &others, &rep, 0, 1, LG_ERR_STORE, NULL);
        bson_destroy(&rep);
        bson_destroy(&others);
    }
    bson_destroy(&update);
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_tx_set_state(lg_store *st, const char *hash, lg_tx_state state)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    tx_state_change c = {hash, state, lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, set_state_body, &c) : rc;
}

lg_err lg_mongo_tx_list(lg_store *st, const char *loan_id, const char *repayment_id,
                        lg_chain_tx **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, sort;
    if (loan_id)
        BSON_APPEND_UTF8(&filter, "internalLoanId", loan_id);
    else
        BSON_APPEND_UTF8(&filter, "repaymentId", repayment_id ? repayment_id : "");
    mg_sort1(&sort, "txId", 1);
    rc = read_all(ms, &lg_mongo_chain_tx_record, &filter, &sort, 0, (void **)items, n);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_tx_list_unsettled(lg_store *st, uint32_t limit, lg_chain_tx **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK || limit == 0)
        return rc;
    bson_t filter, sort;
    rc = lg_mongo_tx_unsettled_filter(ms->base.sandbox, &filter);
    mg_sort1(&sort, "txId", 1);
    if (rc == LG_OK)
        rc = read_all(ms, &lg_mongo_chain_tx_record, &filter, &sort, limit, (void **)items, n);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ API logs */

/* Inserts row with the id first_id and created_at now when it has none. A spool id
 * that is in already is LG_ERR_DUPLICATE. */
static lg_err log_insert(mongo_store *ms, mg_txn *t, const lg_api_log *in, int64_t id, int64_t now)
{
    lg_api_log row;
    row = *in;
    row.id = id;
    if (!row.created_at_ms)
        row.created_at_ms = now;
    bson_t doc = BSON_INITIALIZER;
    lg_err rc = lg_mongo_api_log_to_bson(&row, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, "partner_api_logs", &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    return rc;
}

lg_err lg_mongo_api_log_append(lg_store *st, const lg_api_log *row)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    int64_t id = 0;
    if (rc == LG_OK)
        rc = mg_next_id(ms, NULL, "partner_api_logs", &id);
    return rc == LG_OK ? log_insert(ms, NULL, row, id, lg_time_now_ms()) : rc;
}

typedef struct ingest {
    const char *source;
    uint64_t from, to;
    const lg_api_log *rows;
    size_t n;
    int64_t now;
} ingest;

/* The last use of each key of the batch moves to its latest row. */
static lg_err keys_used(mongo_store *ms, mg_txn *t, const ingest *in)
{
    lg_err rc = LG_OK;
    for (size_t i = 0; rc == LG_OK && i < in->n; i++) {
        int64_t id = in->rows[i].key_id, at = 0;
        if (id == 0)
            continue;
        size_t j = 0;
        while (j < i && in->rows[j].key_id != id)
            j++;
        if (j < i)
            continue; /* done with its first row */
        for (size_t k = i; k < in->n; k++) {
            int64_t when = in->rows[k].created_at_ms ? in->rows[k].created_at_ms : in->now;
            if (in->rows[k].key_id == id && when > at)
                at = when;
        }
        bson_t filter = BSON_INITIALIZER, lt, update;
        BSON_APPEND_INT64(&filter, "keyId", id);
        BSON_APPEND_DOCUMENT_BEGIN(&filter, "lastUsedAt", &lt);
        BSON_APPEND_DATE_TIME(&lt, "$lt", at);
        bson_append_document_end(&filter, &lt);
        rc = lg_mongo_set_date_update("lastUsedAt", at, &update);
        if (rc == LG_OK)
            rc = mg_update(ms, t, "api_keys", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
        bson_destroy(&update);
        bson_destroy(&filter);
    }
    return rc;
}

static lg_err ingest_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    ingest *in = ctx;
    bson_t filter, update;
    mg_update_result res = {0};
    /* The offset moves from `from` to `to` or nothing is written: a document at
     * another offset makes the upsert collide on _id (another ingester was first). */
    lg_err rc = lg_mongo_audit_offset_filter(in->source, in->from, &filter);
    lg_err rc2 = lg_mongo_audit_offset_update(in->source, in->to, &update);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_update(ms, t, "audit_offsets", &filter, &update, in->from == 0, 0, LG_ERR_CONFLICT,
                       &res);
    if (rc == LG_OK && res.matched == 0 && res.upserted == 0)
        rc = LG_ERR_CONFLICT;
    bson_destroy(&update);
    bson_destroy(&filter);
    int64_t first = 0;
    if (rc == LG_OK && in->n > 0)
        rc = mg_next_ids(ms, t, "partner_api_logs", (int64_t)in->n, &first);
    for (size_t i = 0; rc == LG_OK && i < in->n; i++)
        rc = log_insert(ms, t, &in->rows[i], first + (int64_t)i, in->now);
    return rc == LG_OK ? keys_used(ms, t, in) : rc;
}

lg_err lg_mongo_audit_ingest(lg_store *st, const char *source, uint64_t from, uint64_t to,
                             const lg_api_log *rows, size_t n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    ingest in = {source, from, to, rows, n, lg_time_now_ms()};
    return rc == LG_OK ? mg_transaction(ms, ingest_body, &in) : rc;
}

/* Fills each row's partner_name (rows of one partner come together: one read each). */
static lg_err name_rows(mongo_store *ms, lg_api_log *rows, size_t n)
{
    lg_partner p;
    p.id[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].partner_id[0])
            continue;
        if (strcmp(p.id, rows[i].partner_id) != 0) {
            lg_err rc = mg_partner_read(ms, NULL, rows[i].partner_id, &p);
            if (rc == LG_ERR_NOT_FOUND) {
                memset(&p, 0, sizeof p);
                snprintf(p.id, sizeof p.id, "%s", rows[i].partner_id);
            } else if (rc != LG_OK) {
                return rc;
            }
        }
        snprintf(rows[i].partner_name, sizeof rows[i].partner_name, "%s", p.name);
    }
    return LG_OK;
}

lg_err lg_mongo_api_log_query(lg_store *st, const lg_api_log_filter *f, lg_api_log **items,
                              size_t *n, uint64_t *total)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, sort;
    if (f->partner_id)
        BSON_APPEND_UTF8(&filter, "partnerId", f->partner_id);
    if (f->success >= 0)
        BSON_APPEND_BOOL(&filter, "success", f->success != 0);
    date_range(&filter, "createdAt", f->start_ms, f->end_ms);
    mg_sort2(&sort, "createdAt", -1, "logId", -1);
    page pg = {&filter, &sort, f->offset, f->limit, {.rec = &lg_mongo_api_log_record}, 0};
    rc = read_page(ms, &pg, (void **)items, n, total);
    if (rc == LG_OK && (rc = name_rows(ms, *items, *n)) != LG_OK) {
        free(*items);
        *items = NULL;
        *n = 0;
        *total = 0;
    }
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ positions */

lg_err lg_mongo_position_upsert(lg_store *st, const lg_position *p)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    lg_position row = *p;
    row.total_partner_debt = 0;
    row.updated_at_ms = lg_time_now_ms();
    bson_t full = BSON_INITIALIZER, filter, update = BSON_INITIALIZER, set, ins, links;
    rc = lg_mongo_position_to_bson(&row, &full);
    /* One position per chain: the handle's (its filter's sandbox goes into an insert). */
    lg_err rc2 = lg_mongo_position_filter(ms->base.sandbox, row.wallet, row.oaid, &filter);
    if (rc == LG_OK)
        rc = rc2;
    /* The chain's fields are refreshed; the store's (debt, linked loans) are kept. */
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    bson_iter_t it;
    if (rc == LG_OK && bson_iter_init(&it, &full)) {
        while (bson_iter_next(&it)) {
            if (strcmp(bson_iter_key(&it), "totalPartnerDebt") != 0)
                bson_append_iter(&set, NULL, 0, &it);
        }
    }
    bson_append_document_end(&update, &set);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$setOnInsert", &ins);
    BSON_APPEND_INT64(&ins, "totalPartnerDebt", 0);
    BSON_APPEND_ARRAY_BEGIN(&ins, "partnerLoans", &links);
    bson_append_array_end(&ins, &links);
    bson_append_document_end(&update, &ins);
    /* Two first sightings racing: the loser's insert collides; its update then finds
     * the winner's document. */
    for (int attempt = 0; rc == LG_OK && attempt < 2; attempt++) {
        rc = mg_update(ms, NULL, "solvency_positions", &filter, &update, 1, 0, LG_ERR_DUPLICATE,
                       NULL);
        if (rc != LG_ERR_DUPLICATE)
            break;
        rc = LG_OK;
    }
    bson_destroy(&update);
    bson_destroy(&filter);
    bson_destroy(&full);
    return rc;
}

/* ------------------------------------------------------------ repayments (reads) */

lg_err lg_mongo_repay_get(lg_store *st, const char *repayment_id, lg_repayment *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter;
    rc = lg_mongo_filter_str("repaymentId", repayment_id, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, NULL, &lg_mongo_repayment_record, &filter, out);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_repay_list(lg_store *st, const char *loan_id, lg_repayment **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter, sort;
    rc = lg_mongo_filter_str("internalLoanId", loan_id, &filter);
    mg_sort2(&sort, "createdAt", 1, "_id", 1);
    if (rc == LG_OK)
        rc = read_all(ms, &lg_mongo_repayment_record, &filter, &sort, 0, (void **)items, n);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_repay_list_pending(lg_store *st, uint32_t limit, lg_repayment **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK || limit == 0)
        return rc;
    bson_t filter, sort;
    rc = lg_mongo_repay_pending_filter(ms->base.sandbox, &filter);
    mg_sort2(&sort, "createdAt", 1, "_id", 1);
    if (rc == LG_OK)
        rc = read_all(ms, &lg_mongo_repayment_record, &filter, &sort, limit, (void **)items, n);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_repay_release(lg_store *st, const char *repayment_id)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter, update = BSON_INITIALIZER, set;
    mg_update_result res = {0};
    rc = lg_mongo_filter_str("repaymentId", repayment_id, &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_UTF8(&set, "leaseOwner", "");
    BSON_APPEND_DATE_TIME(&set, "leaseUntil", 0);
    bson_append_document_end(&update, &set);
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "partner_repayments", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched == 0)
        rc = LG_ERR_NOT_FOUND;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ outbox reads */

lg_err lg_mongo_event_get(lg_store *st, const char *event_id, const char *partner_id, lg_event *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "eventId", event_id);
    if (partner_id)
        BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    rc = mg_read_one(ms, NULL, &lg_mongo_event_record, &filter, out);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_event_list(lg_store *st, const lg_event_filter *f, lg_event **items, size_t *n,
                           uint64_t *total)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, sort;
    if (f->partner_id)
        BSON_APPEND_UTF8(&filter, "partnerId", f->partner_id);
    if (f->type)
        BSON_APPEND_UTF8(&filter, "type", f->type);
    if (f->status >= 0)
        BSON_APPEND_INT32(&filter, "status", f->status);
    date_range(&filter, "createdAt", f->start_ms, f->end_ms);
    mg_sort2(&sort, "createdAt", -1, "seqId", -1);
    page pg = {&filter, &sort, f->offset, f->limit, {.rec = &lg_mongo_event_record}, 0};
    rc = read_page(ms, &pg, (void **)items, n, total);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_event_attempts(lg_store *st, const char *event_id, lg_event_attempt **items,
                               size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter, sort;
    rc = lg_mongo_filter_str("eventId", event_id, &filter);
    mg_sort2(&sort, "attempt", 1, "attemptId", 1);
    if (rc == LG_OK)
        rc = read_all(ms, &lg_mongo_attempt_record, &filter, &sort, LG_STORE_LIST_MAX,
                      (void **)items, n);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

typedef struct counts {
    uint64_t *counts;
} counts;

static lg_err counts_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    counts *c = ctx;
    lg_err rc = LG_OK;
    for (int s = 0; rc == LG_OK && s <= LG_EVENT_SKIPPED; s++) {
        bson_t filter = BSON_INITIALIZER;
        BSON_APPEND_INT32(&filter, "status", s);
        rc = mg_count(ms, t, "webhook_outbox", &filter, &c->counts[s]);
        bson_destroy(&filter);
    }
    return rc;
}

lg_err lg_mongo_event_counts(lg_store *st, uint64_t out[5])
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    counts c = {out};
    return rc == LG_OK ? mg_transaction(ms, counts_body, &c) : rc;
}

/* ------------------------------------------------------------ admin audit and ledger */

lg_err lg_mongo_admin_audit_query(lg_store *st, const lg_admin_audit_filter *f,
                                  lg_admin_audit **items, size_t *n, uint64_t *total)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, sort;
    if (f->admin)
        BSON_APPEND_UTF8(&filter, "admin", f->admin);
    if (f->action)
        BSON_APPEND_UTF8(&filter, "action", f->action);
    if (f->target)
        BSON_APPEND_UTF8(&filter, "target", f->target);
    date_range(&filter, "createdAt", f->start_ms, f->end_ms);
    mg_sort2(&sort, "createdAt", -1, "auditId", -1);
    page pg = {&filter, &sort, f->offset, f->limit, {.rec = &lg_mongo_admin_audit_record}, 0};
    rc = read_page(ms, &pg, (void **)items, n, total);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_ledger_list(lg_store *st, const lg_ledger_filter *f, lg_ledger_entry **items,
                            size_t *n, uint64_t *total)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER, sort;
    BSON_APPEND_UTF8(&filter, "partnerId", f->partner_id);
    date_range(&filter, "createdAt", f->start_ms, f->end_ms);
    mg_sort2(&sort, "createdAt", -1, "entryId", -1);
    page pg = {&filter, &sort, f->offset, f->limit, {.rec = &lg_mongo_ledger_record}, 0};
    rc = read_page(ms, &pg, (void **)items, n, total);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}
