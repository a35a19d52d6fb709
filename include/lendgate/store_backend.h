/*
 * store_backend.h - what a store backend provides: one function pointer per store.h
 * operation, chosen by name when a store is opened (the shape of lighttpd's
 * mod_vhostdb_api.h and git's refs backends).
 *
 * store.c checks every argument once before it dispatches, so a backend may rely on:
 *   - st and every pointer the contract does not call optional are non-NULL, strings
 *     fit their field sizes, enumerations are in range and every uint64_t that is
 *     stored (amounts, limits, nonces, chain ids, offsets) is at most INT64_MAX;
 *   - optional outputs are never NULL (store.c passes a scratch variable instead);
 *   - list outputs arrive as *items = NULL, *n = 0, *total = 0 and list limits are
 *     already capped at LG_STORE_LIST_MAX;
 *   - free-text diagnostics (failure reasons) may be longer than their field: the
 *     backend keeps the first LG_REASON_LEN - 1 bytes.
 * A NULL pointer in the table makes store.c return LG_ERR_UNSUPPORTED for that call.
 */
#ifndef LENDGATE_STORE_BACKEND_H
#define LENDGATE_STORE_BACKEND_H

#include <lendgate/store.h>
#include <lendgate/store_copy.h>

/* The largest number of rows one list call returns. */
#define LG_STORE_LIST_MAX 1000

typedef struct lg_store_backend lg_store_backend;

/* Every backend's handle starts with this, so store.c can find the table. */
struct lg_store {
    const lg_store_backend *backend;
    /* lg_store_set_lease: the process that owns the work this handle starts. */
    char lease_owner[LG_OWNER_LEN];
    int64_t lease_ms;
    /* lg_store_set_limit_warn: 0 = no partner.limit_approaching events. */
    uint32_t limit_warn_bps;
    /* lg_store_set_sandbox: 1 = the handle works on the sandbox chain's rows. */
    int sandbox;
};

struct lg_store_backend {
    const char *name;

    /* Allocates the backend's handle (its struct starts with struct lg_store; open
     * need not set backend). Owned by store.c, released through close. */
    lg_err (*open)(const char *location, int busy_timeout_ms, lg_store **out);
    void (*close)(lg_store *st);
    lg_err (*migrate)(lg_store *st, int *applied);
    lg_err (*schema_version)(lg_store *st, int *version);

    lg_err (*partner_get)(lg_store *st, const char *id, lg_partner *out);
    lg_err (*partner_sandbox)(lg_store *st, const char *live_id, int create, lg_partner *out);
    lg_err (*partner_list)(lg_store *st, const lg_partner_filter *f, lg_partner **items, size_t *n,
                           uint64_t *total);

    lg_err (*partner_by_key)(lg_store *st, const char *key_hash, lg_partner *partner,
                             lg_api_key *key);
    lg_err (*key_touch)(lg_store *st, int64_t id, int64_t min_interval_ms, int *written);
    lg_err (*key_list)(lg_store *st, const char *partner_id, lg_api_key **items, size_t *n);

    lg_err (*position_upsert)(lg_store *st, const lg_position *p);

    lg_err (*loan_reserve)(lg_store *st, lg_loan *loan, lg_reserve_info *info, lg_loan *existing);
    lg_err (*loan_get)(lg_store *st, const char *partner_id, const char *partner_loan_id,
                       lg_loan *out);
    lg_err (*loan_get_by_id)(lg_store *st, const char *loan_id, lg_loan *out);
    lg_err (*loan_mark_borrowed)(lg_store *st, const char *loan_id, const char *borrow_tx);
    lg_err (*loan_confirm)(lg_store *st, const char *loan_id, const char *borrow_tx,
                           const char *transfer_tx);
    lg_err (*loan_fail)(lg_store *st, const char *loan_id, const char *reason);
    lg_err (*loan_list)(lg_store *st, const lg_loan_filter *f, lg_loan **items, size_t *n,
                        uint64_t *total);
    lg_err (*loan_list_unsettled)(lg_store *st, uint32_t limit, lg_loan **items, size_t *n);

    lg_err (*deposit_credit)(lg_store *st, const lg_deposit *d, lg_deposit *existing,
                             uint64_t *balance);
    lg_err (*loan_release)(lg_store *st, const char *loan_id);
    lg_err (*job_lease_take)(lg_store *st, const char *name, const char *owner, int64_t until_ms,
                             const char *dead_owner, char holder[LG_OWNER_LEN],
                             int64_t *holder_until_ms);
    lg_err (*job_lease_release)(lg_store *st, const char *name, const char *owner);
    lg_err (*repay_release)(lg_store *st, const char *repayment_id);
    lg_err (*repay_begin)(lg_store *st, const char *partner_id, const char *partner_loan_id,
                          uint64_t amount, const lg_deposit *proof, const char *idem_key,
                          lg_repayment *out);
    lg_err (*repay_apply)(lg_store *st, const char *repayment_id, const char *repay_tx,
                          lg_loan *loan);
    lg_err (*repay_fail)(lg_store *st, const char *repayment_id, const char *reason);
    lg_err (*repay_get)(lg_store *st, const char *repayment_id, lg_repayment *out);
    lg_err (*repay_list)(lg_store *st, const char *loan_id, lg_repayment **items, size_t *n);
    lg_err (*repay_list_pending)(lg_store *st, uint32_t limit, lg_repayment **items, size_t *n);

    lg_err (*tx_record)(lg_store *st, const lg_chain_tx *tx, int64_t *id_out);
    lg_err (*tx_set_state)(lg_store *st, const char *hash, lg_tx_state state);
    lg_err (*tx_list)(lg_store *st, const char *loan_id, const char *repayment_id,
                      lg_chain_tx **items, size_t *n);
    lg_err (*tx_list_unsettled)(lg_store *st, uint32_t limit, lg_chain_tx **items, size_t *n);

    lg_err (*nonce_init)(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                         int *created);
    lg_err (*nonce_allocate)(lg_store *st, uint64_t chain_id, const char *address, uint64_t *nonce);
    lg_err (*nonce_resync)(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                           uint64_t *previous);
    lg_err (*nonce_peek)(lg_store *st, uint64_t chain_id, const char *address, uint64_t *next);

    lg_err (*api_log_append)(lg_store *st, const lg_api_log *row);
    lg_err (*api_log_query)(lg_store *st, const lg_api_log_filter *f, lg_api_log **items, size_t *n,
                            uint64_t *total);
    lg_err (*loan_view)(lg_store *st, const char *partner_id, const char *partner_loan_id,
                        lg_loan *loan, lg_repayment **reps, size_t *n);
    lg_err (*partner_stats)(lg_store *st, const char *partner_id, const char *day,
                            lg_store_stats *out);
    lg_err (*audit_ingest)(lg_store *st, const char *source, uint64_t from, uint64_t to,
                           const lg_api_log *rows, size_t n);
    lg_err (*audit_offset)(lg_store *st, const char *source, uint64_t *offset);
    lg_err (*audit_forget)(lg_store *st, const char *source);

    lg_err (*ledger_list)(lg_store *st, const lg_ledger_filter *f, lg_ledger_entry **items,
                          size_t *n, uint64_t *total);

    lg_err (*admin_audit_query)(lg_store *st, const lg_admin_audit_filter *f,
                                lg_admin_audit **items, size_t *n, uint64_t *total);

    lg_err (*daily_usage)(lg_store *st, const char *partner_id, const char *day,
                          uint64_t *borrowed);

    lg_err (*partner_get_by_prefix)(lg_store *st, const char *key_prefix, lg_partner *out);
    lg_err (*partner_count)(lg_store *st, uint64_t *count);
    lg_err (*partner_onboard)(lg_store *st, const lg_partner *p, const lg_api_key *key,
                              const lg_audit_hook *hook, int64_t *key_id);
    lg_err (*partner_update_audited)(lg_store *st, const lg_partner *p, unsigned mask,
                                     const lg_audit_hook *hook, lg_partner *before,
                                     lg_partner *after);
    lg_err (*key_rotate)(lg_store *st, const lg_api_key *key, int64_t old_expires_at_ms,
                         const lg_audit_hook *hook, int64_t *key_id);
    lg_err (*partner_import)(lg_store *st, lg_partner_import_item *items, size_t n,
                             const lg_audit_hook *hook, size_t *bad_index);
    lg_err (*event_add)(lg_store *st, const char *partner_id, const char *type, const char *data,
                        const lg_audit_hook *hook, lg_event *out);
    lg_err (*event_claim)(lg_store *st, const char *owner, int64_t lease_ms, uint32_t max,
                          lg_event **items, size_t *n);
    lg_err (*event_finish)(lg_store *st, const lg_event_attempt *a, int64_t next_attempt_at_ms,
                           uint32_t *attempt_no);
    lg_err (*event_get)(lg_store *st, const char *event_id, const char *partner_id, lg_event *out);
    lg_err (*event_list)(lg_store *st, const lg_event_filter *f, lg_event **items, size_t *n,
                         uint64_t *total);
    lg_err (*event_attempts)(lg_store *st, const char *event_id, lg_event_attempt **items,
                             size_t *n);
    lg_err (*event_replay)(lg_store *st, const char *partner_id, const char *event_id,
                           int64_t since_ms, const lg_audit_hook *hook, uint64_t *count);
    lg_err (*event_counts)(lg_store *st, uint64_t counts[5]);
    lg_err (*ping)(lg_store *st, int *version);
    lg_err (*partner_analytics)(lg_store *st, const char *partner_id, int64_t start_ms,
                                int64_t end_ms, int64_t default_before_ms,
                                lg_partner_analytics *out, lg_analytics_day **days, size_t *ndays);
    /* The end states of a debt, and chain cursors. */
    lg_err (*position_liquidate)(lg_store *st, const char *wallet, const char *oaid,
                                 const char *position_id, const char *tx_hash,
                                 lg_liquidate_result *out);
    lg_err (*loan_list_overdue)(lg_store *st, int64_t before_ms, uint32_t limit, lg_loan **items,
                                size_t *n);
    lg_err (*loan_default)(lg_store *st, const char *loan_id, const char *reason,
                           const lg_audit_hook *hook, lg_loan *loan);
    lg_err (*cursor_get)(lg_store *st, const char *name, uint64_t *block);
    lg_err (*cursor_set)(lg_store *st, const char *name, uint64_t block);
    /* Copying a store (store_copy.h): every row of every table to sink, in one
     * snapshot; rows written verbatim (a key taken is LG_ERR_CONFLICT); the census. */
    lg_err (*copy_export)(lg_store *st, lg_copy_sink sink, void *ctx);
    lg_err (*copy_import)(lg_store *st, const lg_copy_record *recs, size_t n);
    lg_err (*census)(lg_store *st, lg_census *out);
    /* Cluster-wide guards: rate_take gets
     * a zeroed *out and a key within LG_STORE_RATE_KEY_MAX; the backend decides with
     * lg_store_rate_roll/_estimate and fills *out with lg_store_rate_result. */
    lg_err (*rate_take)(lg_store *st, const char *key, int64_t window_ms, uint64_t limit,
                        int64_t now_ms, lg_store_rate *out);
    lg_err (*replay_claim)(lg_store *st, const unsigned char *digest, int64_t now_ms,
                           int64_t window_ms);
};

/* The built-in SQLite backend ("sqlite"). */
extern const lg_store_backend lg_store_sqlite_backend;

/*
 * Makes a backend available to lg_store_open under be->name (the MongoDB backend
 * registers itself this way when it is built). be is kept by pointer: pass a table
 * with static storage. Call it before any worker opens a store.
 * Returns LG_OK, LG_ERR_INVALID (NULL, no name, no open/close), LG_ERR_DUPLICATE
 * (name taken), LG_ERR_OVERFLOW (no free slot).
 */
lg_err lg_store_backend_register(const lg_store_backend *be);

/* For every backend: what an LG_PF_* mask means, written once. */

/* Copies the fields of mask from p onto to (text fields zero-filled after their end). */
void lg_store_partner_merge(lg_partner *to, const lg_partner *p, unsigned mask);

/* 1 when the editable settings of a and b are equal (an import that changes nothing
 * writes no audit row); the webhook's rotation and switch-off state, the money and
 * the times are the store's and not compared. */
int lg_store_partner_same(const lg_partner *a, const lg_partner *b);

#endif
