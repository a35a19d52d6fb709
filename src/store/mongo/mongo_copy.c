/*
 * mongo_copy.c - the MongoDB side of a store copy (store_copy.h): records written as
 * the documents the backend's own operations write (mongo_map.c's builders, the
 * sandbox flag, the _id of the keyed collections), an ordered insertMany per batch;
 * the id counters moved past the ids copied; and the census, read back through the
 * same decoders the operations use.
 *
 * What the documents have no field for is not kept: a link's own id and time
 * (partnerLoans[] elements are {internalLoanId, partnerId, amount, repaid}), a
 * cursor's time, and the journal's row count and time (audit_offsets holds the
 * offset). The census counts and sums none of those.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/hex.h>
#include <lendgate/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The collection of each table. */
static const char *const collections[LG_COPY__COUNT] = {
    [LG_COPY_PARTNERS] = "partners",
    [LG_COPY_API_KEYS] = "api_keys",
    [LG_COPY_POSITIONS] = "solvency_positions",
    [LG_COPY_LOANS] = "partner_loans",
    [LG_COPY_POSITION_LOANS] = "solvency_positions", /* partnerLoans[] */
    [LG_COPY_REPAYMENTS] = "partner_repayments",
    [LG_COPY_DEPOSITS] = "partner_deposits",
    [LG_COPY_LEDGER] = "partner_ledger",
    [LG_COPY_DAILY_USAGE] = "partner_daily_usage",
    [LG_COPY_CHAIN_TXS] = "chain_transactions",
    [LG_COPY_NONCES] = "nonces",
    [LG_COPY_EVENTS] = "webhook_outbox",
    [LG_COPY_ATTEMPTS] = "webhook_attempts",
    [LG_COPY_API_LOGS] = "partner_api_logs",
    [LG_COPY_ADMIN_AUDIT] = "admin_audit",
    [LG_COPY_JOB_LEASES] = "job_leases",
    [LG_COPY_CURSORS] = "chain_cursors",
    [LG_COPY_AUDIT_JOURNAL] = "audit_offsets",
    [LG_COPY_GUARD_RATES] = "guard_rates",
    [LG_COPY_GUARD_REPLAYS] = "guard_replays",
};

/* ------------------------------------------------------------ documents */

static lg_err with_id(bson_t *doc, const char *id)
{
    return BSON_APPEND_UTF8(doc, "_id", id) ? LG_OK : LG_ERR_NOMEM;
}

static lg_err with_sandbox(lg_err rc, bson_t *doc, int sandbox)
{
    return rc == LG_OK ? lg_mongo_append_sandbox(doc, sandbox) : rc;
}

/* A position as position_upsert makes it, its debt as it is, its links pushed later. */
static lg_err position_doc(const lg_copy_record *r, bson_t *doc)
{
    bson_t links;
    lg_err rc = with_sandbox(lg_mongo_position_to_bson(&r->u.position, doc), doc, r->sandbox);
    if (rc == LG_OK && !(BSON_APPEND_ARRAY_BEGIN(doc, "partnerLoans", &links) &&
                         bson_append_array_end(doc, &links)))
        rc = LG_ERR_NOMEM;
    return rc;
}

/* The cluster guards' documents as mongo_guards.c inserts them: _id the key or the
 * digest's hex, expiresAt a date for the TTL index. */
static lg_err guard_doc(const lg_copy_record *r, bson_t *doc)
{
    if (r->table == LG_COPY_GUARD_RATES) {
        const lg_copy_rate *g = &r->u.rate;
        lg_mongo_rate m;
        memcpy(m.key, g->key, sizeof m.key);
        m.window_start_ms = g->window_start_ms;
        m.current = g->current;
        m.previous = g->previous;
        m.expires_at_ms = g->expires_at_ms;
        lg_err rc = memchr(m.key, '\0', sizeof m.key) ? with_id(doc, m.key) : LG_ERR_INVALID;
        return rc == LG_OK ? lg_mongo_rate_to_bson(&m, doc) : rc;
    }
    lg_mongo_replay m = {.expires_at_ms = r->u.replay.expires_at_ms};
    lg_err rc = lg_hex_encode(m.digest, sizeof m.digest, r->u.replay.digest,
                              LG_STORE_GUARD_DIGEST_LEN, LG_HEX_BARE);
    if (rc == LG_OK)
        rc = with_id(doc, m.digest);
    return rc == LG_OK ? lg_mongo_replay_to_bson(&m, doc) : rc;
}

static lg_err keyed_doc(const lg_copy_record *r, bson_t *doc)
{
    switch (r->table) {
    case LG_COPY_GUARD_RATES:
    case LG_COPY_GUARD_REPLAYS:
        return guard_doc(r, doc);
    case LG_COPY_NONCES: {
        char id[LG_ADDR_LEN + 24];
        lg_mongo_nonce n = {r->u.nonce.chain_id, "", r->u.nonce.next, r->u.nonce.updated_at_ms};
        memcpy(n.address, r->u.nonce.address, sizeof n.address);
        lg_err rc = lg_mongo_nonce_id(n.chain_id, n.address, id, sizeof id);
        if (rc == LG_OK)
            rc = with_id(doc, id);
        return rc == LG_OK ? lg_mongo_nonce_to_bson(&n, doc) : rc;
    }
    case LG_COPY_JOB_LEASES: {
        lg_mongo_lease l;
        memcpy(l.name, r->u.lease.name, sizeof l.name);
        memcpy(l.owner, r->u.lease.owner, sizeof l.owner);
        l.until_ms = r->u.lease.until_ms;
        lg_err rc = with_id(doc, l.name);
        return rc == LG_OK ? lg_mongo_lease_to_bson(&l, doc) : rc;
    }
    case LG_COPY_CURSORS: {
        lg_mongo_cursor c;
        memcpy(c.name, r->u.cursor.name, sizeof c.name);
        c.block = r->u.cursor.block;
        lg_err rc = with_id(doc, c.name);
        return rc == LG_OK ? lg_mongo_cursor_to_bson(&c, doc) : rc;
    }
    default: { /* LG_COPY_AUDIT_JOURNAL */
        lg_mongo_audit_offset o;
        memcpy(o.source, r->u.journal.source, sizeof o.source);
        o.offset = r->u.journal.offset;
        lg_err rc = with_id(doc, o.source);
        return rc == LG_OK ? lg_mongo_audit_offset_to_bson(&o, doc) : rc;
    }
    }
}

/* The document of r, appended to doc (initialized by the caller). */
static lg_err record_doc(const lg_copy_record *r, bson_t *doc)
{
    switch (r->table) {
    case LG_COPY_PARTNERS:
        return lg_mongo_partner_to_bson(&r->u.partner.p, doc);
    case LG_COPY_API_KEYS:
        return lg_mongo_api_key_to_bson(&r->u.key, doc);
    case LG_COPY_POSITIONS:
        return position_doc(r, doc);
    case LG_COPY_LOANS:
        return with_sandbox(lg_mongo_loan_to_bson(&r->u.loan, doc), doc, r->sandbox);
    case LG_COPY_REPAYMENTS:
        return with_sandbox(lg_mongo_repayment_to_bson(&r->u.repayment, doc), doc, r->sandbox);
    case LG_COPY_DEPOSITS:
        return lg_mongo_deposit_to_bson(&r->u.deposit, doc);
    case LG_COPY_LEDGER:
        return lg_mongo_ledger_to_bson(&r->u.ledger, doc);
    case LG_COPY_DAILY_USAGE: {
        lg_mongo_daily_usage u;
        memcpy(u.partner_id, r->u.usage.partner_id, sizeof u.partner_id);
        memcpy(u.day, r->u.usage.day, sizeof u.day);
        u.borrowed = r->u.usage.borrowed;
        return lg_mongo_daily_usage_to_bson(&u, doc);
    }
    case LG_COPY_CHAIN_TXS:
        return with_sandbox(lg_mongo_chain_tx_to_bson(&r->u.tx, doc), doc, r->sandbox);
    case LG_COPY_EVENTS:
        return lg_mongo_event_to_bson(&r->u.event, doc);
    case LG_COPY_ATTEMPTS:
        return lg_mongo_attempt_to_bson(&r->u.attempt, doc);
    case LG_COPY_API_LOGS:
        return lg_mongo_api_log_to_bson(&r->u.api_log, doc);
    case LG_COPY_ADMIN_AUDIT:
        return lg_mongo_admin_audit_to_bson(&r->u.audit, doc);
    default:
        return keyed_doc(r, doc);
    }
}

/* ------------------------------------------------------------ counters */

/* counters/{_id: name}.seq to at least value, so mg_next_id hands out ids past it. */
static lg_err counter_at_least(mongo_store *ms, const char *name, int64_t value)
{
    bson_t filter, update = BSON_INITIALIZER, max;
    lg_err rc = lg_mongo_filter_id(name, &filter);
    if (!(BSON_APPEND_DOCUMENT_BEGIN(&update, "$max", &max) &&
          BSON_APPEND_INT64(&max, "seq", value) && bson_append_document_end(&update, &max)))
        rc = LG_ERR_NOMEM;
    if (rc == LG_OK && value > 0)
        rc = mg_update(ms, NULL, "counters", &filter, &update, 1, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* The per-partner event numbering ("seq:<partner>", mongo_outbox.c). */
static lg_err event_seq_at_least(mongo_store *ms, const char *partner_id, uint64_t seq)
{
    char name[LG_ID_LEN + 8];
    snprintf(name, sizeof name, "seq:%s", partner_id);
    return counter_at_least(ms, name, (int64_t)seq);
}

/* The limit warnings already sent (mongo_outbox.c: limit_warnings, _id = partner). */
static lg_err warn_marks(mongo_store *ms, const lg_copy_partner *p)
{
    if (!p->limit_warn_day[0] && !p->limit_warn_total)
        return LG_OK;
    bson_t filter, update = BSON_INITIALIZER, set;
    lg_err rc = lg_mongo_filter_id(p->p.id, &filter);
    if (!(BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set) &&
          BSON_APPEND_UTF8(&set, "day", p->limit_warn_day) &&
          BSON_APPEND_BOOL(&set, "total", p->limit_warn_total != 0) &&
          bson_append_document_end(&update, &set)))
        rc = LG_ERR_NOMEM;
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "limit_warnings", &filter, &update, 1, 0, LG_ERR_CONFLICT, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* The id counter a table's rows take their ids from (mg_next_id), or NULL. */
static const char *id_counter(const lg_copy_record *r, int64_t *id)
{
    switch (r->table) {
    case LG_COPY_API_KEYS:
        return *id = r->u.key.id, "api_keys";
    case LG_COPY_LEDGER:
        return *id = r->u.ledger.id, "partner_ledger";
    case LG_COPY_CHAIN_TXS:
        return *id = r->u.tx.id, "chain_transactions";
    case LG_COPY_EVENTS:
        return *id = r->u.event.id, "webhook_outbox";
    case LG_COPY_ATTEMPTS:
        return *id = r->u.attempt.id, "webhook_attempts";
    case LG_COPY_API_LOGS:
        return *id = r->u.api_log.id, "partner_api_logs";
    case LG_COPY_ADMIN_AUDIT:
        return *id = r->u.audit.id, "admin_audit";
    default:
        return NULL;
    }
}

/* What the counters and side collections must say after recs are in. */
static lg_err after_batch(mongo_store *ms, const lg_copy_record *recs, size_t n)
{
    lg_err rc = LG_OK;
    const char *name = NULL;
    int64_t top = 0, id = 0;
    for (size_t i = 0; rc == LG_OK && i < n; i++) {
        const lg_copy_record *r = &recs[i];
        const char *c = id_counter(r, &id);
        if (c && id > top)
            top = id, name = c;
        if (r->table == LG_COPY_PARTNERS) {
            rc = event_seq_at_least(ms, r->u.partner.p.id, r->u.partner.event_seq);
            if (rc == LG_OK)
                rc = warn_marks(ms, &r->u.partner);
        } else if (r->table == LG_COPY_EVENTS) {
            rc = event_seq_at_least(ms, r->u.event.partner_id, r->u.event.seq);
        }
    }
    if (rc == LG_OK && name)
        rc = counter_at_least(ms, name, top);
    return rc;
}

/* ------------------------------------------------------------ import */

/* A loan's link into its position's partnerLoans[]: a link whose position is not in
 * the target (the source's books are broken) stops the copy. */
static lg_err link_push(mongo_store *ms, const lg_copy_record *r)
{
    const lg_copy_link *l = &r->u.link;
    lg_mongo_position_link link;
    memset(&link, 0, sizeof link);
    memcpy(link.loan_id, l->loan_id, sizeof link.loan_id);
    memcpy(link.partner_id, l->partner_id, sizeof link.partner_id);
    link.amount = l->debt;
    link.repaid = l->repaid;
    bson_t filter, doc = BSON_INITIALIZER, update = BSON_INITIALIZER, push;
    lg_err rc = lg_mongo_position_filter(r->sandbox, l->wallet, l->oaid, &filter);
    if (rc == LG_OK)
        rc = lg_mongo_position_link_to_bson(&link, &doc);
    if (rc == LG_OK && !(BSON_APPEND_DOCUMENT_BEGIN(&update, "$push", &push) &&
                         BSON_APPEND_DOCUMENT(&push, "partnerLoans", &doc) &&
                         bson_append_document_end(&update, &push)))
        rc = LG_ERR_NOMEM;
    mg_update_result res;
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "solvency_positions", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK && res.matched != 1) {
        lg_error("store.mongo", "copy: loan %s is linked to a position the copy does not hold",
                 l->loan_id);
        rc = LG_ERR_STORE;
    }
    bson_destroy(&update);
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

/* recs[0..n) of one table as one ordered insertMany. */
static lg_err insert_batch(mongo_store *ms, const lg_copy_record *recs, size_t n)
{
    bson_t *docs = calloc(n, sizeof *docs);
    const bson_t **ptrs = calloc(n, sizeof *ptrs);
    lg_err rc = docs && ptrs ? LG_OK : LG_ERR_NOMEM;
    size_t made = 0;
    for (; rc == LG_OK && made < n; made++) {
        bson_init(&docs[made]);
        ptrs[made] = &docs[made];
        if (recs[made].table != recs[0].table)
            rc = LG_ERR_INVALID;
        else
            rc = record_doc(&recs[made], &docs[made]);
    }
    if (rc == LG_OK)
        rc = mg_insert_many(ms, collections[recs[0].table], ptrs, n, LG_ERR_CONFLICT);
    for (size_t i = 0; i < made; i++)
        bson_destroy(&docs[i]);
    free(ptrs);
    free(docs);
    return rc;
}

lg_err lg_mongo_copy_import(lg_store *st, const lg_copy_record *recs, size_t n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK || n == 0)
        return rc;
    if ((unsigned)recs[0].table >= LG_COPY__COUNT)
        return LG_ERR_INVALID;
    if (recs[0].table == LG_COPY_POSITION_LOANS) {
        for (size_t i = 0; rc == LG_OK && i < n; i++)
            rc = recs[i].table == LG_COPY_POSITION_LOANS ? link_push(ms, &recs[i]) : LG_ERR_INVALID;
    } else {
        rc = insert_batch(ms, recs, n);
    }
    if (rc == LG_OK)
        rc = after_batch(ms, recs, n);
    return rc;
}

/* ------------------------------------------------------------ census */

typedef struct census_walk {
    lg_census *census;
    lg_copy_table table;
    lg_copy_record rec;
} census_walk;

/* A position's partnerLoans[], each counted as a row of solvency_position_loans. */
static lg_err count_links(census_walk *w, const bson_t *doc)
{
    bson_iter_t it, arr;
    if (!bson_iter_init_find(&it, doc, "partnerLoans") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &arr))
        return LG_OK;
    lg_err rc = LG_OK;
    while (rc == LG_OK && bson_iter_next(&arr)) {
        uint32_t len = 0;
        const uint8_t *data = NULL;
        bson_t elem;
        lg_mongo_position_link link;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
            return LG_ERR_STORE;
        bson_iter_document(&arr, &len, &data);
        if (!bson_init_static(&elem, data, len))
            return LG_ERR_STORE;
        rc = lg_mongo_position_link_from_bson(&elem, &link);
        lg_copy_record r;
        memset(&r, 0, sizeof r);
        r.table = LG_COPY_POSITION_LOANS;
        r.u.link.debt = link.amount;
        if (rc == LG_OK)
            rc = lg_store_census_add(w->census, &r);
    }
    return rc;
}

/* Decodes doc as a record of w->table into w->rec. */
static lg_err decode(census_walk *w, const bson_t *doc)
{
    lg_copy_record *r = &w->rec;
    memset(r, 0, sizeof *r);
    r->table = w->table;
    switch (w->table) {
    case LG_COPY_PARTNERS:
        return lg_mongo_partner_from_bson(doc, &r->u.partner.p);
    case LG_COPY_API_KEYS:
        return lg_mongo_api_key_from_bson(doc, &r->u.key);
    case LG_COPY_POSITIONS:
        return lg_mongo_position_from_bson(doc, &r->u.position);
    case LG_COPY_LOANS:
        return lg_mongo_loan_from_bson(doc, &r->u.loan);
    case LG_COPY_REPAYMENTS:
        return lg_mongo_repayment_from_bson(doc, &r->u.repayment);
    case LG_COPY_DEPOSITS:
        return lg_mongo_deposit_from_bson(doc, &r->u.deposit);
    case LG_COPY_LEDGER:
        return lg_mongo_ledger_from_bson(doc, &r->u.ledger);
    case LG_COPY_CHAIN_TXS:
        return lg_mongo_chain_tx_from_bson(doc, &r->u.tx);
    case LG_COPY_EVENTS:
        return lg_mongo_event_from_bson(doc, &r->u.event);
    case LG_COPY_ATTEMPTS:
        return lg_mongo_attempt_from_bson(doc, &r->u.attempt);
    case LG_COPY_API_LOGS:
        return lg_mongo_api_log_from_bson(doc, &r->u.api_log);
    case LG_COPY_ADMIN_AUDIT:
        return lg_mongo_admin_audit_from_bson(doc, &r->u.audit);
    default:
        return LG_ERR_INVALID;
    }
}

/* The records without a model.h struct: only their summed fields are kept. */
static lg_err decode_small(census_walk *w, const bson_t *doc)
{
    lg_copy_record *r = &w->rec;
    lg_err rc;
    memset(r, 0, sizeof *r);
    r->table = w->table;
    switch (w->table) {
    case LG_COPY_DAILY_USAGE: {
        lg_mongo_daily_usage u;
        rc = lg_mongo_daily_usage_from_bson(doc, &u);
        r->u.usage.borrowed = u.borrowed;
        return rc;
    }
    case LG_COPY_NONCES: {
        lg_mongo_nonce n;
        rc = lg_mongo_nonce_from_bson(doc, &n);
        r->u.nonce.next = n.next;
        return rc;
    }
    case LG_COPY_JOB_LEASES: {
        lg_mongo_lease l;
        return lg_mongo_lease_from_bson(doc, &l);
    }
    case LG_COPY_CURSORS: {
        lg_mongo_cursor c;
        rc = lg_mongo_cursor_from_bson(doc, &c);
        r->u.cursor.block = c.block;
        return rc;
    }
    case LG_COPY_GUARD_RATES: {
        lg_mongo_rate g;
        rc = lg_mongo_rate_from_bson(doc, &g);
        r->u.rate.current = g.current;
        r->u.rate.previous = g.previous;
        return rc;
    }
    case LG_COPY_GUARD_REPLAYS: {
        lg_mongo_replay g;
        return lg_mongo_replay_from_bson(doc, &g);
    }
    default: { /* LG_COPY_AUDIT_JOURNAL */
        lg_mongo_audit_offset o;
        rc = lg_mongo_audit_offset_from_bson(doc, &o);
        r->u.journal.offset = o.offset;
        return rc;
    }
    }
}

/* Every document is decoded as the operations would read it: one they could not read
 * fails the census instead of being counted. */
static lg_err census_row(const bson_t *doc, void *ctx)
{
    census_walk *w = ctx;
    int small = w->table == LG_COPY_DAILY_USAGE || w->table == LG_COPY_NONCES ||
                w->table == LG_COPY_JOB_LEASES || w->table == LG_COPY_CURSORS ||
                w->table == LG_COPY_AUDIT_JOURNAL || w->table == LG_COPY_GUARD_RATES ||
                w->table == LG_COPY_GUARD_REPLAYS;
    lg_err rc = small ? decode_small(w, doc) : decode(w, doc);
    if (rc == LG_OK)
        rc = lg_store_census_add(w->census, &w->rec);
    if (rc == LG_OK && w->table == LG_COPY_POSITIONS)
        rc = count_links(w, doc);
    return rc;
}

lg_err lg_mongo_census(lg_store *st, lg_census *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    census_walk *w = calloc(1, sizeof *w);
    if (rc == LG_OK && !w)
        rc = LG_ERR_NOMEM;
    bson_t filter = BSON_INITIALIZER;
    for (int i = 0; rc == LG_OK && i < LG_COPY__COUNT; i++) {
        /* The guards first: the copy writes them last, and the TTL monitor may remove
         * an expired one at any time, so they are counted a moment after they were
         * written rather than after every other collection. */
        _Static_assert(LG_COPY_GUARD_REPLAYS == LG_COPY__COUNT - 1, "the guards come last");
        int t = (i + LG_COPY_GUARD_RATES) % LG_COPY__COUNT;
        if (t == LG_COPY_POSITION_LOANS)
            continue; /* counted with their positions */
        w->census = out;
        w->table = (lg_copy_table)t;
        rc = mg_find(ms, NULL, collections[t], &filter, NULL, 0, 0, census_row, w);
    }
    bson_destroy(&filter);
    free(w);
    return rc;
}
