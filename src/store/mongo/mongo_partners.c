/*
 * mongo_partners.c - partners, API keys and the loans' look-ups on MongoDB. One
 * document reads stand alone (majority read concern); lists and onboarding run in a
 * transaction, so a page and its total come from one snapshot and a partner is
 * created together with its first key and its audit row, or not at all.
 */
#include "config.h"

#include "mongo_internal.h"

#include <lendgate/time.h>

#include <string.h>

/* ------------------------------------------------------------ decoders */

/* By one unique text field. */
static lg_err read_by(lg_store *st, const lg_mongo_record *rec, const char *field,
                      const char *value, void *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter;
    rc = lg_mongo_filter_str(field, value, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, NULL, rec, &filter, out);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_partner_get(lg_store *st, const char *id, lg_partner *out)
{
    return read_by(st, &lg_mongo_partner_record, "partnerId", id, out);
}

lg_err lg_mongo_partner_get_by_prefix(lg_store *st, const char *key_prefix, lg_partner *out)
{
    return read_by(st, &lg_mongo_partner_record, "keyPrefix", key_prefix, out);
}

/* ------------------------------------------------------------ lists */

typedef struct partner_page {
    const lg_partner_filter *f;
    mg_list list;
    uint64_t total;
} partner_page;

static lg_err partner_page_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    partner_page *pg = ctx;
    mg_list_reset(&pg->list);
    pg->total = 0;
    bson_t filter, sort;
    lg_err rc = lg_mongo_partner_list_filter(pg->f->status, pg->f->tier, &filter);
    mg_sort2(&sort, "createdAt", 1, "partnerId", 1);
    if (rc == LG_OK)
        rc = mg_count(ms, t, "partners", &filter, &pg->total);
    if (rc == LG_OK && pg->f->limit > 0)
        rc = mg_find(ms, t, "partners", &filter, &sort, pg->f->offset, pg->f->limit, mg_list_row,
                     &pg->list);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_partner_list(lg_store *st, const lg_partner_filter *f, lg_partner **items,
                             size_t *n, uint64_t *total)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    partner_page pg = {.f = f, .list = {.rec = &lg_mongo_partner_record}};
    rc = mg_transaction(ms, partner_page_body, &pg);
    if (rc != LG_OK) {
        mg_list_reset(&pg.list);
        return rc;
    }
    *items = pg.list.items;
    *n = pg.list.n;
    *total = pg.total;
    return LG_OK;
}

lg_err lg_mongo_partner_count(lg_store *st, uint64_t *count)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    bson_t filter;
    lg_err rc2 = lg_mongo_partner_list_filter(-1, -1, &filter);
    if (rc == LG_OK)
        rc = rc2;
    if (rc == LG_OK)
        rc = mg_count(ms, NULL, "partners", &filter, count);
    bson_destroy(&filter);
    return rc;
}

/* ------------------------------------------------------------ keys */

static lg_err partner_status_err(lg_partner_status s)
{
    return s == LG_PARTNER_ACTIVE      ? LG_OK
           : s == LG_PARTNER_SUSPENDED ? LG_ERR_SUSPENDED
                                       : LG_ERR_INACTIVE;
}

/* A revoked key, or one past its expiry, does not match. */
static int key_usable(const lg_api_key *k, int64_t now)
{
    return k->revoked_at_ms == 0 && (k->expires_at_ms == 0 || k->expires_at_ms > now);
}

lg_err lg_mongo_partner_by_key(lg_store *st, const char *key_hash, lg_partner *partner,
                               lg_api_key *key)
{
    lg_api_key k;
    lg_err rc = read_by(st, &lg_mongo_api_key_record, "apiKeyHash", key_hash, &k);
    if (rc != LG_OK)
        return rc;
    if (!key_usable(&k, lg_time_now_ms()))
        return LG_ERR_NOT_FOUND;
    rc = lg_mongo_partner_get(st, k.partner_id, partner);
    if (rc == LG_ERR_NOT_FOUND)
        rc = LG_ERR_STORE; /* a key without its partner: the store is broken */
    if (rc != LG_OK)
        return rc;
    *key = k;
    return partner_status_err(partner->status);
}

lg_err lg_mongo_key_touch(lg_store *st, int64_t id, int64_t min_interval_ms, int *written)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    int64_t now = lg_time_now_ms();
    bson_t filter, update;
    mg_update_result res = {0};
    rc = lg_mongo_key_touch_filter(id, now, min_interval_ms, &filter);
    lg_err rc2 = lg_mongo_set_date_update("lastUsedAt", now, &update);
    if (rc == LG_OK)
        rc = rc2;
    /* One conditional update of one document: atomic on its own. */
    if (rc == LG_OK)
        rc = mg_update(ms, NULL, "api_keys", &filter, &update, 0, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK)
        *written = res.modified > 0;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_key_list(lg_store *st, const char *partner_id, lg_api_key **items, size_t *n)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    mg_list l = {.rec = &lg_mongo_api_key_record};
    bson_t filter, sort;
    rc = lg_mongo_filter_str("partnerId", partner_id, &filter);
    mg_sort2(&sort, "createdAt", -1, "keyId", -1);
    if (rc == LG_OK)
        rc = mg_find(ms, NULL, "api_keys", &filter, &sort, 0, 0, mg_list_row, &l);
    bson_destroy(&sort);
    bson_destroy(&filter);
    if (rc != LG_OK) {
        mg_list_reset(&l);
        return rc;
    }
    *items = l.items;
    *n = l.n;
    return LG_OK;
}

/* ------------------------------------------------------------ onboarding */

typedef struct onboard {
    const lg_partner *p;
    const lg_api_key *key;
    const lg_audit_hook *hook;
    int64_t now;
    lg_partner row; /* the partner as stored */
    int64_t key_id; /* of the last run */
} onboard;

static lg_err insert_record(mongo_store *ms, mg_txn *t, const char *coll,
                            lg_err (*encode)(const void *, bson_t *), const void *rec)
{
    bson_t doc = BSON_INITIALIZER;
    lg_err rc = encode(rec, &doc);
    if (rc == LG_OK)
        rc = mg_insert(ms, t, coll, &doc, LG_ERR_DUPLICATE);
    bson_destroy(&doc);
    return rc;
}

static lg_err enc_partner(const void *r, bson_t *doc)
{
    return lg_mongo_partner_to_bson(r, doc);
}

static lg_err enc_key(const void *r, bson_t *doc)
{
    return lg_mongo_api_key_to_bson(r, doc);
}

/* ------------------------------------------------------------ sandbox twins */

lg_err mg_partner_twin(mongo_store *ms, mg_txn *t, const char *live_id, int create, int64_t now,
                       lg_partner *out)
{
    lg_partner live;
    lg_err rc = mg_partner_read(ms, t, live_id, &live);
    if (rc != LG_OK)
        return rc;
    if (live.live_id[0])
        return LG_ERR_INVALID; /* a twin has none */
    bson_t filter;
    rc = lg_mongo_filter_str("liveId", live_id, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, t, &lg_mongo_partner_record, &filter, out);
    bson_destroy(&filter);
    if (rc != LG_ERR_NOT_FOUND || !create)
        return rc;
    rc = lg_mongo_partner_twin(&live, now, out);
    return rc == LG_OK ? insert_record(ms, t, "partners", enc_partner, out) : rc;
}

lg_err mg_partner_mirror(mongo_store *ms, mg_txn *t, const lg_partner *live)
{
    if (live->live_id[0])
        return LG_OK; /* a twin's own change stays its own */
    bson_t filter, update;
    lg_err rc = lg_mongo_filter_str("liveId", live->id, &filter);
    lg_err rc2 = lg_mongo_partner_mirror_update(live, &update);
    if (rc == LG_OK)
        rc = rc2;
    /* No twin yet: nothing matches, nothing to copy. */
    if (rc == LG_OK)
        rc = mg_update(ms, t, "partners", &filter, &update, 0, 0, LG_ERR_STORE, NULL);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

typedef struct twin_req {
    const char *live_id;
    int64_t now;
    lg_partner out;
} twin_req;

static lg_err twin_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    twin_req *r = ctx;
    return mg_partner_twin(ms, t, r->live_id, 1, r->now, &r->out);
}

lg_err lg_mongo_partner_sandbox(lg_store *st, const char *live_id, int create, lg_partner *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    if (!create)
        return mg_partner_twin(ms, NULL, live_id, 0, 0, out);
    /* The read of the live partner, of its twin and the insert: one snapshot, so two
     * first calls racing make one twin (the other's insert collides and runs again). */
    twin_req r = {.live_id = live_id, .now = lg_time_now_ms()};
    rc = mg_transaction(ms, twin_body, &r);
    if (rc == LG_OK)
        *out = r.out;
    return rc;
}

/* ------------------------------------------------------------ onboarding (body) */

/* Creates the partner with its first key; a key whose env is "sandbox" goes to the
 * partner's sandbox twin, made with it (a partner may start in the sandbox). */
static lg_err onboard_body(mongo_store *ms, mg_txn *t, void *ctx)
{
    onboard *o = ctx;
    lg_api_key k = *o->key;
    lg_partner twin;
    memcpy(k.partner_id, o->p->id, sizeof k.partner_id);
    k.created_at_ms = o->now;
    lg_err rc = insert_record(ms, t, "partners", enc_partner, &o->row);
    if (rc == LG_OK && strcmp(k.env, "sandbox") == 0 &&
        (rc = mg_partner_twin(ms, t, o->row.id, 1, o->now, &twin)) == LG_OK)
        memcpy(k.partner_id, twin.id, sizeof k.partner_id);
    if (rc == LG_OK)
        rc = mg_next_id(ms, t, "api_keys", &k.id);
    if (rc == LG_OK)
        rc = insert_record(ms, t, "api_keys", enc_key, &k);
    if (rc == LG_OK)
        rc = mg_audit_append(ms, t, o->hook, NULL, &o->row, o->now);
    if (rc == LG_OK)
        o->key_id = k.id;
    return rc;
}

lg_err lg_mongo_partner_onboard(lg_store *st, const lg_partner *p, const lg_api_key *key,
                                const lg_audit_hook *hook, int64_t *key_id)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    onboard o = {.p = p, .key = key, .hook = hook, .now = lg_time_now_ms(), .row = *p};
    /* The totals are the store's: a new partner starts at zero. */
    o.row.outstanding = o.row.total_borrowed = o.row.total_repaid = o.row.total_fees = 0;
    o.row.deposited = o.row.balance_used = 0;
    o.row.created_at_ms = o.row.updated_at_ms = o.now;
    memset(o.row.live_id, 0, sizeof o.row.live_id); /* the store's to set */
    rc = mg_transaction(ms, onboard_body, &o);
    if (rc == LG_OK)
        *key_id = o.key_id;
    return rc;
}

/* ------------------------------------------------------------ loans and usage */

lg_err lg_mongo_loan_get(lg_store *st, const char *partner_id, const char *partner_loan_id,
                         lg_loan *out)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    BSON_APPEND_UTF8(&filter, "partnerLoanId", partner_loan_id);
    rc = mg_read_one(ms, NULL, &lg_mongo_loan_record, &filter, out);
    bson_destroy(&filter);
    return rc;
}

lg_err lg_mongo_loan_get_by_id(lg_store *st, const char *loan_id, lg_loan *out)
{
    return read_by(st, &lg_mongo_loan_record, "internalLoanId", loan_id, out);
}

lg_err lg_mongo_daily_usage_get(lg_store *st, const char *partner_id, const char *day,
                                uint64_t *borrowed)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc != LG_OK)
        return rc;
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    BSON_APPEND_UTF8(&filter, "day", day);
    lg_mongo_daily_usage u;
    rc = mg_read_one(ms, NULL, &lg_mongo_daily_usage_record, &filter, &u);
    *borrowed = rc == LG_OK ? u.borrowed : 0;
    bson_destroy(&filter);
    return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
}
