/*
 * mongo_internal.h - what the MongoDB backend's files share: the handle, the calls
 * that wrap libmongoc's (each maps its errors through mongo_error.h and keeps the
 * server's reply for the transaction's retry decision), and the transaction runner.
 */
#ifndef LENDGATE_STORE_MONGO_INTERNAL_H
#define LENDGATE_STORE_MONGO_INTERNAL_H

#include "mongo_lib.h"
#include "mongo_map.h"

#include <lendgate/store_backend.h>
#include <lendgate/store_mongo.h>

#include <sys/types.h>

/* Version of the collections, validators and indexes lg_store_migrate makes. 2: the
 * sandbox (partners.liveId; the sandbox flag of loans, repayments, chain transactions
 * and positions; positions unique per (sandbox, userWallet, oaidTokenId)). */
#define LG_MONGO_SCHEMA_VERSION 3

typedef struct mongo_store {
    lg_store base;
    pid_t pid; /* the process that made client: a forked child opens its own */
    mongoc_client_t *client;
    mongoc_transaction_opt_t *txn_opts;
    char db[LG_MONGO_DATABASE_LEN];
    int timeout_ms;
} mongo_store;

/* One run of a transaction's body: its session, and the reply of the call that
 * failed, whose errorLabels decide whether the whole body runs again. NULL where an
 * operation is one single-document write, atomic without a transaction. */
typedef struct mg_txn {
    mongoc_client_session_t *cs;
    bson_t reply;
    int have_reply;
} mg_txn;

typedef struct mg_update_result {
    int64_t matched;
    int64_t modified;
    int64_t upserted;
} mg_update_result;

static inline mongo_store *mg_of(lg_store *st)
{
    return (mongo_store *)st;
}

/* LG_OK in the process that opened ms; LG_ERR_STORE (logged) in a forked child. */
lg_err mg_check(mongo_store *ms);

/* Inserts doc into coll. A duplicate key is on_dup. */
lg_err mg_insert(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *doc, lg_err on_dup);

/* insertMany of docs[0..n), ordered: the first failure stops the rest (those before it
 * stay written). A duplicate key is on_dup. */
lg_err mg_insert_many(mongo_store *ms, const char *coll, const bson_t *const *docs, size_t n,
                      lg_err on_dup);

/* updateOne (many = 0) or updateMany; upsert on request. Out: *res (may be NULL). */
lg_err mg_update(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                 const bson_t *update, int upsert, int many, lg_err on_dup, mg_update_result *res);

/* deleteOne. Out: *deleted (may be NULL). */
lg_err mg_delete(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                 int64_t *deleted);

/* The first document matching filter in sort order (sort may be NULL). Out: *doc,
 * initialized by the call in every case (caller bson_destroy()s), *found. */
lg_err mg_find_one(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                   const bson_t *sort, bson_t *doc, int *found);

/* Calls fn on each document matching filter in sort order, skipping skip, at most
 * limit (0 = all); fn's error stops the walk and is returned. */
typedef lg_err (*mg_row_fn)(const bson_t *doc, void *ctx);
lg_err mg_find(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
               const bson_t *sort, uint64_t skip, uint32_t limit, mg_row_fn fn, void *ctx);

/* countDocuments. */
lg_err mg_count(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter, uint64_t *n);

/* findAndModify: one atomic read-modify-write of one document. Out: *doc (initialized
 * by the call in every case; the document before, or after with return_new), *found. */
lg_err mg_find_and_modify(mongo_store *ms, mg_txn *t, const char *coll, const bson_t *filter,
                          const bson_t *update, int upsert, int return_new, lg_err on_dup,
                          bson_t *doc, int *found);

/* The next value of counter name (1, 2, ...), in t; mg_next_ids takes count of them
 * at once, *first being the lowest. */
lg_err mg_next_id(mongo_store *ms, mg_txn *t, const char *name, int64_t *id);
lg_err mg_next_ids(mongo_store *ms, mg_txn *t, const char *name, int64_t count, int64_t *first);

/*
 * Runs body in a transaction (snapshot reads, majority writes) through
 * mongoc_client_session_with_transaction, which runs it again on a transient
 * transaction error and commits again on an unknown commit result, for up to its
 * 120 s. So body may run more than once: it must start from its inputs each time
 * and write its outputs only from its last run (ctx is its own). Its error other
 * than LG_OK aborts the transaction and is returned.
 */
typedef lg_err (*mg_txn_fn)(mongo_store *ms, mg_txn *t, void *ctx);
lg_err mg_transaction(mongo_store *ms, mg_txn_fn body, void *ctx);

/* A list being read: each document decoded, as rec describes, into the next of a
 * growing array. */
typedef struct mg_list {
    const lg_mongo_record *rec;
    void *items; /* malloc'd; handed to the caller on success */
    size_t n, cap;
} mg_list;

/* An mg_row_fn that appends doc, decoded, to the mg_list ctx. */
lg_err mg_list_row(const bson_t *doc, void *ctx);

/* The first document of rec's collection matching filter, decoded into *out (of
 * rec's type). Returns LG_ERR_NOT_FOUND when none matches. */
lg_err mg_read_one(mongo_store *ms, mg_txn *t, const lg_mongo_record *rec, const bson_t *filter,
                   void *out);

/* mg_read_one of the document whose _id is id, outside a transaction. */
lg_err mg_read_id(mongo_store *ms, const lg_mongo_record *rec, const char *id, void *out);

/* Frees l's items and empties it (before a transaction's body runs again). */
void mg_list_reset(mg_list *l);

/* {"sort-key": dir} for one key. Initializes *out. */
void mg_sort1(bson_t *out, const char *key, int dir);
/* {"k1": d1, "k2": d2}. Initializes *out. */
void mg_sort2(bson_t *out, const char *k1, int d1, const char *k2, int d2);

/* A fresh UUID v4 record id. */
lg_err mg_new_id(char out[LG_UUID_LEN]);

/* Adds an event of type for partner_id with data, due at now, in t (mongo_outbox.c).
 * Out: *out (may be NULL). Returns LG_ERR_OVERFLOW (data too long). */
lg_err mg_event_add(mongo_store *ms, mg_txn *t, const char *partner_id, const char *type,
                    const char *data, int64_t now, lg_event *out);
/* A loan event (events.h) in t. */
lg_err mg_loan_event(mongo_store *ms, mg_txn *t, const char *type, const lg_loan *l,
                     uint64_t amount, const char *tx_hash, int64_t now);
/* partner.limit_approaching once per crossing (store.h, lg_store_set_limit_warn), for
 * p as it is after a reservation that took day's usage to day_used. */
lg_err mg_limit_warn(mongo_store *ms, mg_txn *t, const lg_partner *p, const char *day,
                     uint64_t day_used, int64_t now);
/* Re-arms the total limit's warning once p's outstanding fell below the ratio. */
lg_err mg_limit_rearm(mongo_store *ms, mg_txn *t, const lg_partner *p);

/* mongo_loans.c: a loan by internalLoanId (LG_ERR_NOT_FOUND), written back whole; a
 * partner by id; the partner's outstanding reduced by amount (re-arming its limit
 * warning), all in t. */
lg_err mg_loan_read(mongo_store *ms, mg_txn *t, const char *loan_id, lg_loan *out);
lg_err mg_loan_save(mongo_store *ms, mg_txn *t, const lg_loan *l);
lg_err mg_partner_read(mongo_store *ms, mg_txn *t, const char *partner_id, lg_partner *out);
lg_err mg_outstanding_sub(mongo_store *ms, mg_txn *t, const char *partner_id, uint64_t amount,
                          int64_t now);

/* mongo_partners.c: the sandbox twin of live partner live_id in t (LG_ERR_NOT_FOUND,
 * LG_ERR_INVALID as lg_store_partner_sandbox), made at now when create and it has none;
 * and live's settings copied onto its twin, if it has one (nothing for a twin). */
lg_err mg_partner_twin(mongo_store *ms, mg_txn *t, const char *live_id, int create, int64_t now,
                       lg_partner *out);
lg_err mg_partner_mirror(mongo_store *ms, mg_txn *t, const lg_partner *live);

/* mongo_repay.c: a ledger row of loan l (l->id "" for a DEPOSIT) in t; the loan's
 * position link paid down by paid (all of it, and marked repaid, when loan_repaid);
 * partners.<field> += delta, where a miss (no partner, or short of -delta) means the
 * books are broken. */
lg_err mg_ledger_add(mongo_store *ms, mg_txn *t, const lg_loan *l, lg_ledger_kind kind,
                     uint64_t amount, const char *tx_hash, int64_t now);
lg_err mg_link_repay(mongo_store *ms, mg_txn *t, const char *loan_id, uint64_t paid,
                     int loan_repaid, int64_t now);
lg_err mg_partner_add(mongo_store *ms, mg_txn *t, const char *partner_id, const char *field,
                      int64_t delta, int64_t now);

/* Appends the hook's audit row for before/after in t (mongo_admin.c); a NULL hook
 * writes none. */
lg_err mg_audit_append(mongo_store *ms, mg_txn *t, const lg_audit_hook *hook,
                       const lg_partner *before, const lg_partner *after, int64_t now);

/* The ops of the other files, put in the table by mongo_store.c. */
lg_err lg_mongo_partner_get(lg_store *st, const char *id, lg_partner *out);
lg_err lg_mongo_partner_sandbox(lg_store *st, const char *live_id, int create, lg_partner *out);
lg_err lg_mongo_partner_list(lg_store *st, const lg_partner_filter *f, lg_partner **items,
                             size_t *n, uint64_t *total);
lg_err lg_mongo_partner_by_key(lg_store *st, const char *key_hash, lg_partner *partner,
                               lg_api_key *key);
lg_err lg_mongo_key_touch(lg_store *st, int64_t id, int64_t min_interval_ms, int *written);
lg_err lg_mongo_key_list(lg_store *st, const char *partner_id, lg_api_key **items, size_t *n);
lg_err lg_mongo_partner_get_by_prefix(lg_store *st, const char *key_prefix, lg_partner *out);
lg_err lg_mongo_partner_count(lg_store *st, uint64_t *count);
lg_err lg_mongo_partner_onboard(lg_store *st, const lg_partner *p, const lg_api_key *key,
                                const lg_audit_hook *hook, int64_t *key_id);
lg_err lg_mongo_daily_usage_get(lg_store *st, const char *partner_id, const char *day,
                                uint64_t *borrowed);
lg_err lg_mongo_loan_get(lg_store *st, const char *partner_id, const char *partner_loan_id,
                         lg_loan *out);
lg_err lg_mongo_loan_get_by_id(lg_store *st, const char *loan_id, lg_loan *out);

lg_err lg_mongo_loan_reserve(lg_store *st, lg_loan *loan, lg_reserve_info *info, lg_loan *existing);
lg_err lg_mongo_loan_mark_borrowed(lg_store *st, const char *loan_id, const char *borrow_tx);
lg_err lg_mongo_loan_fail(lg_store *st, const char *loan_id, const char *reason);
lg_err lg_mongo_loan_release(lg_store *st, const char *loan_id);
lg_err lg_mongo_loan_list(lg_store *st, const lg_loan_filter *f, lg_loan **items, size_t *n,
                          uint64_t *total);
lg_err lg_mongo_loan_list_unsettled(lg_store *st, uint32_t limit, lg_loan **items, size_t *n);
lg_err lg_mongo_loan_list_overdue(lg_store *st, int64_t before_ms, uint32_t limit, lg_loan **items,
                                  size_t *n);

lg_err lg_mongo_loan_confirm(lg_store *st, const char *loan_id, const char *borrow_tx,
                             const char *transfer_tx);
lg_err lg_mongo_deposit_credit(lg_store *st, const lg_deposit *d, lg_deposit *existing,
                               uint64_t *balance);
lg_err lg_mongo_repay_begin(lg_store *st, const char *partner_id, const char *partner_loan_id,
                            uint64_t amount, const lg_deposit *proof, const char *idem_key,
                            lg_repayment *out);
lg_err lg_mongo_repay_apply(lg_store *st, const char *repayment_id, const char *repay_tx,
                            lg_loan *loan);
lg_err lg_mongo_repay_fail(lg_store *st, const char *repayment_id, const char *reason);

lg_err lg_mongo_partner_update_audited(lg_store *st, const lg_partner *p, unsigned mask,
                                       const lg_audit_hook *hook, lg_partner *before,
                                       lg_partner *after);
lg_err lg_mongo_key_rotate(lg_store *st, const lg_api_key *key, int64_t old_expires_at_ms,
                           const lg_audit_hook *hook, int64_t *key_id);
lg_err lg_mongo_event_add(lg_store *st, const char *partner_id, const char *type, const char *data,
                          const lg_audit_hook *hook, lg_event *out);
lg_err lg_mongo_loan_default(lg_store *st, const char *loan_id, const char *reason,
                             const lg_audit_hook *hook, lg_loan *loan);
lg_err lg_mongo_loan_view(lg_store *st, const char *partner_id, const char *partner_loan_id,
                          lg_loan *loan, lg_repayment **reps, size_t *n);
lg_err lg_mongo_partner_stats(lg_store *st, const char *partner_id, const char *day,
                              lg_store_stats *out);

lg_err lg_mongo_event_claim(lg_store *st, const char *owner, int64_t lease_ms, uint32_t max,
                            lg_event **items, size_t *n);
lg_err lg_mongo_event_finish(lg_store *st, const lg_event_attempt *a, int64_t next_attempt_at_ms,
                             uint32_t *attempt_no);
lg_err lg_mongo_event_replay(lg_store *st, const char *partner_id, const char *event_id,
                             int64_t since_ms, const lg_audit_hook *hook, uint64_t *count);

lg_err lg_mongo_position_liquidate(lg_store *st, const char *wallet, const char *oaid,
                                   const char *position_id, const char *tx_hash,
                                   lg_liquidate_result *out);
lg_err lg_mongo_partner_import(lg_store *st, lg_partner_import_item *items, size_t n,
                               const lg_audit_hook *hook, size_t *bad_index);
lg_err lg_mongo_partner_analytics(lg_store *st, const char *partner_id, int64_t start_ms,
                                  int64_t end_ms, int64_t default_before_ms,
                                  lg_partner_analytics *out, lg_analytics_day **days,
                                  size_t *ndays);

lg_err lg_mongo_tx_record(lg_store *st, const lg_chain_tx *tx, int64_t *id_out);
lg_err lg_mongo_tx_set_state(lg_store *st, const char *hash, lg_tx_state state);
lg_err lg_mongo_tx_list(lg_store *st, const char *loan_id, const char *repayment_id,
                        lg_chain_tx **items, size_t *n);
lg_err lg_mongo_tx_list_unsettled(lg_store *st, uint32_t limit, lg_chain_tx **items, size_t *n);
lg_err lg_mongo_api_log_append(lg_store *st, const lg_api_log *row);
lg_err lg_mongo_audit_ingest(lg_store *st, const char *source, uint64_t from, uint64_t to,
                             const lg_api_log *rows, size_t n);
lg_err lg_mongo_position_upsert(lg_store *st, const lg_position *p);
lg_err lg_mongo_api_log_query(lg_store *st, const lg_api_log_filter *f, lg_api_log **items,
                              size_t *n, uint64_t *total);
lg_err lg_mongo_repay_get(lg_store *st, const char *repayment_id, lg_repayment *out);
lg_err lg_mongo_repay_list(lg_store *st, const char *loan_id, lg_repayment **items, size_t *n);
lg_err lg_mongo_repay_list_pending(lg_store *st, uint32_t limit, lg_repayment **items, size_t *n);
lg_err lg_mongo_repay_release(lg_store *st, const char *repayment_id);
lg_err lg_mongo_event_get(lg_store *st, const char *event_id, const char *partner_id,
                          lg_event *out);
lg_err lg_mongo_event_list(lg_store *st, const lg_event_filter *f, lg_event **items, size_t *n,
                           uint64_t *total);
lg_err lg_mongo_event_attempts(lg_store *st, const char *event_id, lg_event_attempt **items,
                               size_t *n);
lg_err lg_mongo_event_counts(lg_store *st, uint64_t counts[5]);
lg_err lg_mongo_admin_audit_query(lg_store *st, const lg_admin_audit_filter *f,
                                  lg_admin_audit **items, size_t *n, uint64_t *total);
lg_err lg_mongo_ledger_list(lg_store *st, const lg_ledger_filter *f, lg_ledger_entry **items,
                            size_t *n, uint64_t *total);

lg_err lg_mongo_nonce_init(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                           int *created);
lg_err lg_mongo_nonce_allocate(lg_store *st, uint64_t chain_id, const char *address,
                               uint64_t *nonce);
lg_err lg_mongo_nonce_resync(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                             uint64_t *previous);
lg_err lg_mongo_nonce_peek(lg_store *st, uint64_t chain_id, const char *address, uint64_t *next);
lg_err lg_mongo_cursor_get(lg_store *st, const char *name, uint64_t *block);
lg_err lg_mongo_cursor_set(lg_store *st, const char *name, uint64_t block);

/* mongo_guards.c: cluster-wide rate counters and replay cache. */
lg_err lg_mongo_rate_take(lg_store *st, const char *key, int64_t window_ms, uint64_t limit,
                          int64_t now_ms, lg_store_rate *out);
lg_err lg_mongo_replay_claim(lg_store *st, const unsigned char *digest, int64_t now_ms,
                             int64_t window_ms);
lg_err lg_mongo_job_lease_take(lg_store *st, const char *name, const char *owner, int64_t until_ms,
                               const char *dead_owner, char holder[LG_OWNER_LEN],
                               int64_t *holder_until_ms);
lg_err lg_mongo_job_lease_release(lg_store *st, const char *name, const char *owner);
lg_err lg_mongo_audit_offset_get(lg_store *st, const char *source, uint64_t *offset);
lg_err lg_mongo_audit_forget(lg_store *st, const char *source);
/* Copying a store into this one (mongo_copy.c; store_copy.h). */
lg_err lg_mongo_copy_import(lg_store *st, const lg_copy_record *recs, size_t n);
lg_err lg_mongo_census(lg_store *st, lg_census *out);

#endif
