/*
 * mongo_ops.c - the MongoDB backend's calls into libmongoc (mongo_internal.h): one
 * place that adds the transaction's session to each call, maps each failure through
 * mongo_error.h and keeps the failing reply for the retry decision.
 */
#include "config.h"

#include "mongo_error.h"
#include "mongo_internal.h"

#include <lendgate/log.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* bson_error_t domain of a transaction body's own refusal (LIMIT, STATE, ...): no
 * libmongoc domain is this large. */
#define LG_TXN_DOMAIN 0x4c470000u

#define M lg_mongoc

lg_err mg_check(mongo_store *ms)
{
    if (ms->pid == getpid())
        return LG_OK;
    lg_error("store.mongo", "a MongoDB store handle was used in a forked child: open one per "
                            "process");
    return LG_ERR_STORE;
}

/* Cold path: maps a failed call, keeps its reply for the transaction's labels and
 * logs what the caller will not explain itself. */
static lg_err failed(mg_txn *t, const char *what, const char *coll, const bson_error_t *err,
                     const bson_t *reply, lg_err on_dup)
{
    lg_mongo_retry retry = LG_MONGO_FINAL;
    lg_err rc = lg_mongo_error_map(err, reply, on_dup, &retry);
    if (rc == LG_OK)
        rc = LG_ERR_STORE; /* the call said it failed: never report success */
    if (t && reply) {
        bson_destroy(&t->reply);
        bson_copy_to(reply, &t->reply);
        t->have_reply = 1;
    }
    if (rc != on_dup || rc == LG_ERR_STORE)
        lg_log(retry != LG_MONGO_FINAL ? LG_LOG_DEBUG : LG_LOG_ERROR, "store.mongo",
               "%s on %s failed (%s): domain %u code %u: %s", what, coll, lg_errname(rc),
               err ? err->domain : 0, err ? err->code : 0, err ? err->message : "");
    return rc;
}

/* opts with the session of t appended (nothing without one). */
static lg_err with_session(mg_txn *t, bson_t *opts)
{
    bson_error_t err;
    if (!t || !t->cs)
        return LG_OK;
    if (!M->mongoc_client_session_append(t->cs, opts, &err))
        return failed(t, "session", "-", &err, NULL, LG_ERR_STORE);
    return LG_OK;
}

static mongoc_collection_t *collection(mongo_store *ms, const char *coll)
{
    return M->mongoc_client_get_collection(ms->client, ms->db, coll);
}

lg_err mg_insert(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *doc, lg_err on_dup)
{
    bson_t opts = BSON_INITIALIZER, reply;
    bson_error_t err;
    lg_err rc = with_session(t, &opts);
    if (rc == LG_OK) {
        mongoc_collection_t *c = collection(ms, coll);
        bool ok = M->mongoc_collection_insert_one(c, doc, &opts, &reply, &err);
        rc = ok ? LG_OK : failed(t, "insert", coll, &err, &reply, on_dup);
        bson_destroy(&reply);
        M->mongoc_collection_destroy(c);
    }
    bson_destroy(&opts);
    return rc;
}

lg_err mg_insert_many(mongo_store *ms, const char *coll, const bson_t *const *docs, size_t n,
                      lg_err on_dup)
{
    bson_t opts = BSON_INITIALIZER, reply;
    bson_error_t err;
    lg_err rc = BSON_APPEND_BOOL(&opts, "ordered", true) ? LG_OK : LG_ERR_NOMEM;
    if (rc == LG_OK) {
        mongoc_collection_t *c = collection(ms, coll);
        bool ok =
            M->mongoc_collection_insert_many(c, (const bson_t **)docs, n, &opts, &reply, &err);
        rc = ok ? LG_OK : failed(NULL, "insertMany", coll, &err, &reply, on_dup);
        bson_destroy(&reply);
        M->mongoc_collection_destroy(c);
    }
    bson_destroy(&opts);
    return rc;
}

static int64_t reply_count(const bson_t *reply, const char *key)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, reply, key))
        return 0;
    if (BSON_ITER_HOLDS_INT32(&it))
        return bson_iter_int32(&it);
    if (BSON_ITER_HOLDS_INT64(&it))
        return bson_iter_int64(&it);
    return 0;
}

lg_err mg_update(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                 const bson_t *update, int upsert, int many, lg_err on_dup, mg_update_result *res)
{
    bson_t opts = BSON_INITIALIZER, reply;
    bson_error_t err;
    mg_update_result scratch;
    if (!res)
        res = &scratch;
    memset(res, 0, sizeof *res);
    lg_err rc = with_session(t, &opts);
    if (rc == LG_OK && upsert && !BSON_APPEND_BOOL(&opts, "upsert", true))
        rc = LG_ERR_NOMEM;
    if (rc == LG_OK) {
        mongoc_collection_t *c = collection(ms, coll);
        bool ok = many ? M->mongoc_collection_update_many(c, filter, update, &opts, &reply, &err)
                       : M->mongoc_collection_update_one(c, filter, update, &opts, &reply, &err);
        if (ok) {
            res->matched = reply_count(&reply, "matchedCount");
            res->modified = reply_count(&reply, "modifiedCount");
            res->upserted = reply_count(&reply, "upsertedCount");
        } else {
            rc = failed(t, "update", coll, &err, &reply, on_dup);
        }
        bson_destroy(&reply);
        M->mongoc_collection_destroy(c);
    }
    bson_destroy(&opts);
    return rc;
}

lg_err mg_delete(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                 int64_t *deleted)
{
    bson_t opts = BSON_INITIALIZER, reply;
    bson_error_t err;
    if (deleted)
        *deleted = 0;
    lg_err rc = with_session(t, &opts);
    if (rc == LG_OK) {
        mongoc_collection_t *c = collection(ms, coll);
        if (M->mongoc_collection_delete_one(c, filter, &opts, &reply, &err)) {
            if (deleted)
                *deleted = reply_count(&reply, "deletedCount");
        } else {
            rc = failed(t, "delete", coll, &err, &reply, LG_ERR_STORE);
        }
        bson_destroy(&reply);
        M->mongoc_collection_destroy(c);
    }
    bson_destroy(&opts);
    return rc;
}

/* Builds find's options: session, sort, skip, limit. */
static lg_err find_opts(mg_txn *t, const bson_t *sort, uint64_t skip, uint32_t limit, bson_t *opts)
{
    lg_err rc = with_session(t, opts);
    bool ok = rc == LG_OK;
    if (ok && sort)
        ok = BSON_APPEND_DOCUMENT(opts, "sort", sort);
    if (ok && skip)
        ok = BSON_APPEND_INT64(opts, "skip", (int64_t)skip);
    if (ok && limit)
        ok = BSON_APPEND_INT64(opts, "limit", limit);
    return rc != LG_OK ? rc : ok ? LG_OK : LG_ERR_NOMEM;
}

lg_err mg_find(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
               const bson_t *sort, uint64_t skip, uint32_t limit, mg_row_fn fn, void *ctx)
{
    bson_t opts = BSON_INITIALIZER;
    lg_err rc = find_opts(t, sort, skip, limit, &opts);
    if (rc != LG_OK) {
        bson_destroy(&opts);
        return rc;
    }
    mongoc_collection_t *c = collection(ms, coll);
    mongoc_cursor_t *cur = M->mongoc_collection_find_with_opts(c, filter, &opts, NULL);
    const bson_t *doc;
    while (rc == LG_OK && M->mongoc_cursor_next(cur, &doc))
        rc = fn(doc, ctx);
    bson_error_t err;
    const bson_t *reply = NULL;
    if (rc == LG_OK && M->mongoc_cursor_error_document(cur, &err, &reply))
        rc = failed(t, "find", coll, &err, reply, LG_ERR_STORE);
    M->mongoc_cursor_destroy(cur);
    M->mongoc_collection_destroy(c);
    bson_destroy(&opts);
    return rc;
}

typedef struct first_ctx {
    bson_t *doc;
    int *found;
} first_ctx;

static lg_err take_first(const bson_t *doc, void *ctx)
{
    first_ctx *f = ctx;
    bson_destroy(f->doc);
    bson_copy_to(doc, f->doc);
    *f->found = 1;
    return LG_OK;
}

lg_err mg_find_one(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                   const bson_t *sort, bson_t *doc, int *found)
{
    bson_init(doc);
    *found = 0;
    first_ctx f = {doc, found};
    return mg_find(ms, t, coll, filter, sort, 0, 1, take_first, &f);
}

lg_err mg_read_one(mongo_store *ms, mg_txn *t, const lg_mongo_record *rec, const bson_t *filter,
                   void *out)
{
    bson_t doc;
    int found = 0;
    lg_err rc = mg_find_one(ms, t, lg_mongo_record_collection(rec), filter, NULL, &doc, &found);
    if (rc == LG_OK)
        rc = found ? lg_mongo_record_from_bson(rec, &doc, out) : LG_ERR_NOT_FOUND;
    bson_destroy(&doc);
    return rc;
}

lg_err mg_read_id(mongo_store *ms, const lg_mongo_record *rec, const char *id, void *out)
{
    bson_t filter;
    lg_err rc = lg_mongo_filter_id(id, &filter);
    if (rc == LG_OK)
        rc = mg_read_one(ms, NULL, rec, &filter, out);
    bson_destroy(&filter);
    return rc;
}

lg_err mg_count(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter, uint64_t *n)
{
    bson_t opts = BSON_INITIALIZER, reply;
    bson_error_t err;
    *n = 0;
    lg_err rc = with_session(t, &opts);
    if (rc == LG_OK) {
        mongoc_collection_t *c = collection(ms, coll);
        int64_t v = M->mongoc_collection_count_documents(c, filter, &opts, NULL, &reply, &err);
        if (v >= 0)
            *n = (uint64_t)v;
        else
            rc = failed(t, "count", coll, &err, &reply, LG_ERR_STORE);
        bson_destroy(&reply);
        M->mongoc_collection_destroy(c);
    }
    bson_destroy(&opts);
    return rc;
}

/* The "value" of a findAndModify reply into doc; *found 0 for null. */
static void fam_value(const bson_t *reply, bson_t *doc, int *found)
{
    bson_iter_t it;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    if (!bson_iter_init_find(&it, reply, "value") || !BSON_ITER_HOLDS_DOCUMENT(&it))
        return;
    bson_iter_document(&it, &len, &data);
    bson_t v;
    if (bson_init_static(&v, data, len)) {
        bson_destroy(doc);
        bson_copy_to(&v, doc);
        *found = 1;
    }
}

lg_err mg_find_and_modify(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                          const bson_t *update, int upsert, int return_new, lg_err on_dup,
                          bson_t *doc, int *found)
{
    bson_t extra = BSON_INITIALIZER, reply;
    bson_error_t err;
    bson_init(doc);
    *found = 0;
    lg_err rc = with_session(t, &extra);
    if (rc != LG_OK) {
        bson_destroy(&extra);
        return rc;
    }
    mongoc_find_and_modify_opts_t *o = M->mongoc_find_and_modify_opts_new();
    int flags = (upsert ? MONGOC_FIND_AND_MODIFY_UPSERT : 0) |
                (return_new ? MONGOC_FIND_AND_MODIFY_RETURN_NEW : 0);
    if (!M->mongoc_find_and_modify_opts_set_update(o, update) ||
        !M->mongoc_find_and_modify_opts_set_flags(o, (mongoc_find_and_modify_flags_t)flags) ||
        !M->mongoc_find_and_modify_opts_append(o, &extra)) {
        rc = LG_ERR_NOMEM;
    } else {
        mongoc_collection_t *c = collection(ms, coll);
        if (M->mongoc_collection_find_and_modify_with_opts(c, filter, o, &reply, &err))
            fam_value(&reply, doc, found);
        else
            rc = failed(t, "findAndModify", coll, &err, &reply, on_dup);
        bson_destroy(&reply);
        M->mongoc_collection_destroy(c);
    }
    M->mongoc_find_and_modify_opts_destroy(o);
    bson_destroy(&extra);
    return rc;
}

lg_err mg_next_ids(mongo_store *ms, mg_txn *t, const char *name, int64_t count, int64_t *first)
{
    bson_t filter, update = BSON_INITIALIZER, inc, doc;
    int found = 0;
    lg_err rc = lg_mongo_filter_id(name, &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "seq", count);
    bson_append_document_end(&update, &inc);
    if (rc == LG_OK)
        rc = mg_find_and_modify(ms, t, "counters", &filter, &update, 1, 1, LG_ERR_STORE, &doc,
                                &found);
    else
        bson_init(&doc);
    bson_iter_t it;
    if (rc == LG_OK) {
        /* The counter after the $inc: this caller owns (seq - count, seq]. */
        if (found && bson_iter_init_find(&it, &doc, "seq") && BSON_ITER_HOLDS_INT64(&it) &&
            bson_iter_int64(&it) >= count && count > 0)
            *first = bson_iter_int64(&it) - count + 1;
        else
            rc = LG_ERR_STORE;
    }
    bson_destroy(&doc);
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

lg_err mg_next_id(mongo_store *ms, mg_txn *t, const char *name, int64_t *id)
{
    return mg_next_ids(ms, t, name, 1, id);
}

/* ------------------------------------------------------------ transactions */

typedef struct txn_run {
    mongo_store *ms;
    mg_txn_fn body;
    void *ctx;
    lg_err rc; /* of the last run of body */
} txn_run;

static bool txn_callback(mongoc_client_session_t *cs, void *ctx, bson_t **reply,
                         bson_error_t *error)
{
    txn_run *r = ctx;
    mg_txn t = {.cs = cs, .have_reply = 0};
    bson_init(&t.reply);
    r->rc = r->body(r->ms, &t, r->ctx);
    if (r->rc == LG_OK) {
        bson_destroy(&t.reply);
        return true;
    }
    /* with_transaction reads the labels of this reply to decide on another run. */
    if (t.have_reply && reply)
        *reply = bson_copy(&t.reply);
    bson_set_error(error, LG_TXN_DOMAIN, (uint32_t)r->rc, "%s", lg_strerror(r->rc));
    bson_destroy(&t.reply);
    return false;
}

lg_err mg_transaction(mongo_store *ms, mg_txn_fn body, void *ctx)
{
    bson_error_t err;
    mongoc_client_session_t *cs = M->mongoc_client_start_session(ms->client, NULL, &err);
    if (!cs)
        return failed(NULL, "startSession", "-", &err, NULL, LG_ERR_STORE);
    txn_run r = {ms, body, ctx, LG_OK};
    bson_t reply = BSON_INITIALIZER; /* empty until the call fills it: safe to destroy */
    bool ok =
        M->mongoc_client_session_with_transaction(cs, txn_callback, ms->txn_opts, &r, &reply, &err);
    lg_err rc = LG_OK;
    if (!ok)
        rc = r.rc != LG_OK ? r.rc : failed(NULL, "transaction", "-", &err, &reply, LG_ERR_STORE);
    bson_destroy(&reply);
    M->mongoc_client_session_destroy(cs);
    return rc;
}

lg_err mg_list_row(const bson_t *doc, void *ctx)
{
    mg_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *grown = realloc(l->items, cap * lg_mongo_record_size(l->rec));
        if (!grown)
            return LG_ERR_NOMEM;
        l->items = grown;
        l->cap = cap;
    }
    size_t size = lg_mongo_record_size(l->rec);
    lg_err rc = lg_mongo_record_from_bson(l->rec, doc, (char *)l->items + l->n * size);
    if (rc == LG_OK)
        l->n++;
    return rc;
}

void mg_list_reset(mg_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

void mg_sort1(bson_t *out, const char *key, int dir)
{
    bson_init(out);
    BSON_APPEND_INT32(out, key, dir);
}

void mg_sort2(bson_t *out, const char *k1, int d1, const char *k2, int d2)
{
    bson_init(out);
    BSON_APPEND_INT32(out, k1, d1);
    BSON_APPEND_INT32(out, k2, d2);
}
