/*
 * store.h - the store contract: domain operations on lendgate's state.
 *
 * Every operation is atomic: it happens whole or not at all, also when many worker
 * processes call it at once on one database. There is no generic CRUD here: each
 * function is a business step (reserve a loan against the partner's limits, apply a
 * repayment, allocate a nonce, ...), so each backend can make that step atomic in its
 * own way (SQLite: BEGIN IMMEDIATE; MongoDB: conditional updates and transactions).
 *
 * A backend is a table of function pointers (lg_store_backend, store_backend.h)
 * chosen by name: "sqlite" (default) or "mongodb". A handle belongs to one process:
 * after fork() the child opens its own.
 *
 * The records are model.h's (fixed-size fields), so lookups fill caller-owned structs
 * and need no free. Lists return one malloc'd array the caller releases with free();
 * a list limit above LG_STORE_LIST_MAX (1000, store_backend.h) is capped there.
 * Times are milliseconds since the Unix epoch (UTC); "now" is lg_time_now_ms(), which
 * tests can drive. Money is uint64_t micro-USDC (USDC base units, 6 decimals).
 *
 * Unless a function says otherwise it returns LG_OK, LG_ERR_INVALID (a NULL or
 * malformed argument), LG_ERR_NOMEM, LG_ERR_BUSY (the database stayed locked past the
 * busy timeout), LG_ERR_DISK (it cannot be written now: read-only, disk full, an I/O
 * error; retry later) or LG_ERR_STORE (any other backend failure; details in the
 * log).
 */
#ifndef LENDGATE_STORE_H
#define LENDGATE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>

typedef struct lg_store lg_store;

/* Test builds (configure --enable-test-hooks) only: until called with LG_OK, every
 * operation that writes returns err (LG_ERR_BUSY, LG_ERR_DISK) in this process without
 * touching the database, as a lock held past the busy timeout or a disk that cannot be
 * written would. Other builds ignore it. */
void lg_store_set_fault(lg_err err);

/* ---------------------------------------------------------------- lifecycle */

/*
 * Opens a store. backend is "sqlite" or "mongodb"; location is the SQLite file path
 * or the MongoDB URI; busy_timeout_ms bounds how long a write waits for a lock.
 * Opening does not create or migrate the schema (lg_store_migrate does) but fails
 * with LG_ERR_SCHEMA when the database is newer than this build.
 * Out: *out, owned by the caller, released with lg_store_close().
 * Returns LG_OK, LG_ERR_UNSUPPORTED (backend not built in), LG_ERR_IO, LG_ERR_SCHEMA,
 * LG_ERR_STORE.
 */
lg_err lg_store_open(const char *backend, const char *location, int busy_timeout_ms,
                     lg_store **out);

/* Closes the store and frees the handle. NULL is fine. */
void lg_store_close(lg_store *st);

/* Name of the backend of st ("sqlite", "mongodb"). */
const char *lg_store_backend_name(const lg_store *st);

/*
 * Applies every schema migration not yet recorded in schema_migrations, in order,
 * each in its own transaction. Running it again applies nothing.
 * Out: *applied (may be NULL) = number of migrations applied by this call.
 */
lg_err lg_store_migrate(lg_store *st, int *applied);

/* Whether st can write now, without writing: the write lock can be taken (and is
 * given back at once) and the database is not read-only. For readiness checks.
 * Returns LG_OK, LG_ERR_BUSY, LG_ERR_DISK (read-only), LG_ERR_SCHEMA, LG_ERR_STORE. */
lg_err lg_store_ping(lg_store *st);

/* Highest applied schema version, 0 for an empty database. */
lg_err lg_store_schema_version(lg_store *st, int *version);

/*
 * Leases of in-flight work. Every loan reserved and every repayment begun through st
 * from now on records owner (lg_proc_owner of the process that holds st) and a lease
 * until now + lease_ms, in the same transaction: how long a request may take before
 * reconcile can assume it will not finish its work. owner "" records none.
 * Returns LG_OK, LG_ERR_INVALID (owner too long, lease_ms < 0).
 */
lg_err lg_store_set_lease(lg_store *st, const char *owner, int64_t lease_ms);

/*
 * The chain a handle works on: on = 1 for the sandbox chain ([sandbox]), 0 (the
 * default) for the live one. What the chain side writes and watches is kept per chain,
 * so the service of each chain sees only its own through its handle: the positions
 * (position_upsert, position_liquidate, and the links loan_confirm makes), the
 * transactions (tx_record, tx_list_unsettled), and the work
 * reconcile finishes (loan_list_unsettled, repay_list_pending, loan_list_overdue list
 * only the loans of the handle's partners: sandbox twins on a sandbox handle, live
 * partners on a live one). Everything else is the same on both.
 */
void lg_store_set_sandbox(lg_store *st, int on);

/* --------------------------------------------------------------- partners */

/* Partners and keys are created, and a partner's settings changed, only by the partner
 * administration operations (below), so each such change can carry its audit row. */

/* Returns LG_ERR_NOT_FOUND when there is no partner id. */
lg_err lg_store_partner_get(lg_store *st, const char *id, lg_partner *out);

/*
 * The sandbox twin of live partner live_id: the partner its sandbox keys belong to,
 * with id "<live_id>.sandbox", key_prefix "<its key_prefix>.sandbox" and live_id set
 * (model.h). A twin has the live partner's settings (every change of the live
 * partner's settings is made to its twin in the same transaction) and money columns,
 * loans, usage and events of its own. With create, a partner without one gets it now,
 * with no key yet. Lists of partners and the partner count leave twins out.
 * Out: *out. Returns LG_ERR_NOT_FOUND (no partner live_id; or no twin yet and not
 * create), LG_ERR_INVALID (live_id is a twin itself, or too long to name one).
 */
lg_err lg_store_partner_sandbox(lg_store *st, const char *live_id, int create, lg_partner *out);

typedef struct lg_partner_filter {
    int status; /* lg_partner_status, or -1 for any */
    int tier;   /* lg_tier, or -1 for any */
    uint32_t limit;
    uint64_t offset;
} lg_partner_filter;

/*
 * Lists partners matching f, ordered by created_at then id.
 * Out: *items (malloc'd, caller free()s; NULL when *n == 0), *n, *total (matches
 * before limit/offset).
 */
lg_err lg_store_partner_list(lg_store *st, const lg_partner_filter *f, lg_partner **items,
                             size_t *n, uint64_t *total);

/* ---------------------------------------------------------------- API keys */

/*
 * Finds the partner owning the key whose SHA-256 is key_hash (hex). A revoked key,
 * or one whose expires_at has passed, does not match.
 * Out: *partner and *key (either may be NULL) filled whenever a key matched.
 * Returns LG_OK (partner ACTIVE), LG_ERR_NOT_FOUND (no usable key),
 * LG_ERR_SUSPENDED or LG_ERR_INACTIVE (key valid, partner not active).
 */
lg_err lg_store_partner_by_key(lg_store *st, const char *key_hash, lg_partner *partner,
                               lg_api_key *key);

/* Sets last_used_at = now unless it was set less than min_interval_ms ago, so a busy
 * key costs one write a minute, not one per request. Out: *written (may be NULL). */
lg_err lg_store_key_touch(lg_store *st, int64_t id, int64_t min_interval_ms, int *written);

/* Lists the keys of a partner, newest first. Out: *items (free()), *n. */
lg_err lg_store_key_list(lg_store *st, const char *partner_id, lg_api_key **items, size_t *n);

/* ------------------------------------------------------------ solvency positions */

/* Inserts or refreshes the chain-read fields of the position (wallet, oaid),
 * keeping the store-maintained ones. The position's total_partner_debt and the loans
 * linked to it change only with lg_store_loan_confirm and lg_store_repay_apply. A
 * copy of the chain's: a backend may make it durable only with the next write that
 * must be (a power cut may lose it, a crashed process never). */
lg_err lg_store_position_upsert(lg_store *st, const lg_position *p);

/* ------------------------------------------------------------------- loans */

/* The limit headroom reported when a reservation is refused. */
typedef struct lg_reserve_info {
    uint64_t daily_remaining; /* what is left of today's daily limit */
    uint64_t total_remaining; /* what is left of the total limit */
} lg_reserve_info;

/*
 * Reserves a new loan: in one transaction inserts it as PENDING and charges the
 * partner's daily limit (today, UTC) and total limit with conditional updates, so
 * concurrent reservations can never together pass a limit.
 * In: loan's partner_id, partner_loan_id, user_wallet, oaid, position_id, amount,
 * fee, net, request_hash, metadata, remaining_credit. Out: loan's id, status, day, remaining,
 * times; *info (may be NULL) with the headroom left (after the reservation, or at refusal). Returns
 * LG_OK, LG_ERR_DUPLICATE ((partner, partner_loan_id) exists; *existing, may be NULL, receives it),
 * LG_ERR_LIMIT_DAILY, LG_ERR_LIMIT_TOTAL, LG_ERR_NOT_FOUND (no partner), LG_ERR_SUSPENDED,
 * LG_ERR_INACTIVE. Only LG_OK changes anything.
 * Durable, like lg_store_loan_mark_borrowed, only with the next write that must be
 * (lg_store_tx_record of the transaction that acts on it, before it is sent): a power
 * cut may take it back, a crashed process never; every reader sees it at once.
 */
lg_err lg_store_loan_reserve(lg_store *st, lg_loan *loan, lg_reserve_info *info, lg_loan *existing);

/* Returns LG_ERR_NOT_FOUND. */
lg_err lg_store_loan_get(lg_store *st, const char *partner_id, const char *partner_loan_id,
                         lg_loan *out);
lg_err lg_store_loan_get_by_id(lg_store *st, const char *loan_id, lg_loan *out);

/* Clears the loan's lease: its request has answered and leaves the loan to reconcile.
 * Returns LG_ERR_NOT_FOUND. */
lg_err lg_store_loan_release(lg_store *st, const char *loan_id);

/* PENDING -> SETTLING once the borrow transaction is mined (durable with the payout's
 * lg_store_tx_record, see lg_store_loan_reserve; reconcile marks it again from the
 * receipt). Returns LG_ERR_NOT_FOUND, LG_ERR_STATE (not PENDING; SETTLING with the
 * same hash is LG_OK). */
lg_err lg_store_loan_mark_borrowed(lg_store *st, const char *loan_id, const char *borrow_tx);

/*
 * Completes a borrow in one transaction: loan ACTIVE with both hashes, the loan
 * linked to its position (total_partner_debt += amount), partner total_borrowed and
 * total_fees, ledger rows (BORROW, FEE, PAYOUT) and the outbox event "loan.borrowed".
 * Accepted from PENDING or SETTLING. Returns LG_ERR_NOT_FOUND (loan or position),
 * LG_ERR_STATE (already ACTIVE/REPAID/FAILED).
 */
lg_err lg_store_loan_confirm(lg_store *st, const char *loan_id, const char *borrow_tx,
                             const char *transfer_tx);

/*
 * Fails a PENDING loan in one transaction: status FAILED with reason, its daily and
 * total reservation released, outbox event "loan.failed".
 * Returns LG_ERR_NOT_FOUND, LG_ERR_STATE (not PENDING: once the borrow is mined the
 * debt exists and the loan can no longer fail).
 */
lg_err lg_store_loan_fail(lg_store *st, const char *loan_id, const char *reason);

typedef struct lg_loan_filter {
    const char *partner_id;  /* NULL = any (admin); partners always pass their own */
    const char *user_wallet; /* NULL = any */
    int status;              /* lg_loan_status, or -1 for any */
    uint32_t limit;
    uint64_t offset;
} lg_loan_filter;

/* Lists loans matching f, newest first. Out: *items (free()), *n, *total. */
lg_err lg_store_loan_list(lg_store *st, const lg_loan_filter *f, lg_loan **items, size_t *n,
                          uint64_t *total);

/* Loans in PENDING or SETTLING, oldest first, for reconcile. Out: *items (free()), *n. */
lg_err lg_store_loan_list_unsettled(lg_store *st, uint32_t limit, lg_loan **items, size_t *n);

/* -------------------------------------------------------------- repayments */

/* ------------------------------------------------------- partner balances */

/*
 * Platform money and partner money never mix: a repayment is paid only from what its
 * partner sent the platform wallet. Each USDC transfer from a partner's settlement
 * address to the platform wallet is credited once (by its transaction hash) to that
 * partner's balance (partners.deposited); repayments draw on it (balance_used), a
 * failed repayment gives its draw back. The balance is deposited - balance_used and
 * never goes below zero.
 */
typedef struct lg_deposit {
    char tx_hash[LG_HASH_LEN]; /* the transfer's transaction, 0x + 64 hex */
    char partner_id[LG_ID_LEN];
    uint64_t amount; /* USDC moved to the platform wallet by that transaction */
    int64_t created_at_ms;
} lg_deposit;

/*
 * Credits d->amount to partner d->partner_id for transaction d->tx_hash, with a
 * DEPOSIT ledger row, in one transaction.
 * Out: *existing (may be NULL) = the deposit recorded for that hash when it was
 * credited before (to this or another partner); *balance (may be NULL) = the
 * partner's balance after. Returns LG_ERR_NOT_FOUND (no partner), LG_ERR_INVALID
 * (amount 0), LG_ERR_DUPLICATE (hash credited before: nothing changes).
 */
lg_err lg_store_deposit_credit(lg_store *st, const lg_deposit *d, lg_deposit *existing,
                               uint64_t *balance);

/*
 * Starts a repayment of loan (partner_id, partner_loan_id): in one transaction checks
 * amount <= remaining - repay_pending, credits proof (when not NULL) as a deposit,
 * draws amount from the partner's balance, reserves it (repay_pending += amount) and
 * inserts the repayment as PENDING. Concurrent repayments of one loan serialize, so
 * together they can never overdraw it, nor the partner's balance.
 * In: proof = the partner's repaymentTxHash and the value it moved, or NULL;
 * idem_key = the request's Idempotency-Key, or NULL or "" for none.
 * Out: *out the new repayment (loan id, id, ...).
 * A key is unique per loan among pending and applied repayments: when the loan has one
 * made with idem_key, nothing is recorded or drawn, *out is that repayment and the
 * return is LG_ERR_CONFLICT (checked first, in the same transaction, whatever the
 * loan's state since; the caller compares amount and proof).
 * Accepted on ACTIVE and DEFAULTED loans (a defaulted debt is still owed; paid to zero
 * it is REPAID). Returns LG_ERR_NOT_FOUND (no loan), LG_ERR_STATE (loan REPAID, FAILED,
 * LIQUIDATED or not yet ACTIVE), LG_ERR_OVERPAY, LG_ERR_DUPLICATE (proof credited before),
 * LG_ERR_CONFLICT (the key's repayment), LG_ERR_FUNDS (balance, with the proof, short of amount).
 * Only LG_OK changes anything.
 */
lg_err lg_store_repay_begin(lg_store *st, const char *partner_id, const char *partner_loan_id,
                            uint64_t amount, const lg_deposit *proof, const char *idem_key,
                            lg_repayment *out);

/*
 * Applies a PENDING repayment in one transaction: loan remaining -= amount,
 * repaid += amount, repay_pending -= amount, REPAID at zero; partner outstanding and
 * total_repaid; position debt (and the loan marked repaid on it at zero); ledger row
 * REPAY; outbox "loan.repayment_received", plus "loan.repaid" at zero.
 * Out: *loan (may be NULL) = the loan after. Returns LG_ERR_NOT_FOUND, LG_ERR_STATE
 * (repayment not PENDING; APPLIED with the same repay_tx is LG_OK).
 */
lg_err lg_store_repay_apply(lg_store *st, const char *repayment_id, const char *repay_tx,
                            lg_loan *loan);

/* Fails a PENDING repayment, releases its reservation and gives its draw back to the
 * partner's balance. Returns LG_ERR_NOT_FOUND, LG_ERR_STATE. */
lg_err lg_store_repay_fail(lg_store *st, const char *repayment_id, const char *reason);

lg_err lg_store_repay_get(lg_store *st, const char *repayment_id, lg_repayment *out);

/* Clears the repayment's lease (see lg_store_loan_release). Returns LG_ERR_NOT_FOUND. */
lg_err lg_store_repay_release(lg_store *st, const char *repayment_id);

/* Repayments of a loan, oldest first. Out: *items (free()), *n. */
lg_err lg_store_repay_list(lg_store *st, const char *loan_id, lg_repayment **items, size_t *n);

/* A partner's loan and its repayments (as lg_store_loan_get and lg_store_repay_list)
 * read in one snapshot. Out: *loan, *reps (free()), *n. Returns LG_OK,
 * LG_ERR_NOT_FOUND (no such loan of that partner), or the store's error. */
lg_err lg_store_loan_view(lg_store *st, const char *partner_id, const char *partner_loan_id,
                          lg_loan *loan, lg_repayment **reps, size_t *n);

/* What a partner's stats are made of, read in one snapshot. */
typedef struct lg_store_stats {
    lg_partner partner;                   /* its record, with the store's totals */
    uint64_t loans[LG_LOAN_STATUS_COUNT]; /* loans in each status */
    uint64_t day_borrowed;                /* principal borrowed on day */
} lg_store_stats;

/* Out: *out for partner_id and the UTC day ("YYYY-MM-DD"). Returns LG_OK,
 * LG_ERR_NOT_FOUND, or the store's error. */
lg_err lg_store_partner_stats(lg_store *st, const char *partner_id, const char *day,
                              lg_store_stats *out);

/* PENDING repayments, oldest first, for reconcile. Out: *items (free()), *n. */
lg_err lg_store_repay_list_pending(lg_store *st, uint32_t limit, lg_repayment **items, size_t *n);

/* ----------------------------------------------------- signed chain transactions */

/* Records a signed transaction before it is broadcast (state SIGNED), durably, and
 * with it every write made before it that waited for such a one (position_upsert,
 * loan_reserve, loan_mark_borrowed, the nonce's increment). Several versions may
 * share (chain, from, nonce): replacements. Out: *id_out (may be NULL). Returns
 * LG_ERR_DUPLICATE (hash recorded before). */
lg_err lg_store_tx_record(lg_store *st, const lg_chain_tx *tx, int64_t *id_out);

/* Sets the state of the version hash; MINED marks the other versions at its nonce
 * REPLACED. MINED and REVERTED, facts reconcile reads again from the chain for every
 * transaction still SIGNED, may become durable only with the next write that must be
 * (as position_upsert); DROPPED is durable when this returns. Returns
 * LG_ERR_NOT_FOUND. */
lg_err lg_store_tx_set_state(lg_store *st, const char *hash, lg_tx_state state);

/* Versions recorded for a loan (loan_id) or a repayment (repayment_id), in the
 * order recorded. Pass one of the two, the other NULL. Out: *items (free()), *n. */
lg_err lg_store_tx_list(lg_store *st, const char *loan_id, const char *repayment_id,
                        lg_chain_tx **items, size_t *n);

/* Versions in state SIGNED, oldest first, for reconcile. Out: *items (free()), *n. */
lg_err lg_store_tx_list_unsettled(lg_store *st, uint32_t limit, lg_chain_tx **items, size_t *n);

/* -------------------------------------------------------------- job leases */

/*
 * Takes, or extends, the lease of the job name ("reconcile"): work that must run on
 * one host at a time even when several hosts share the store. Granted to owner (an
 * lg_proc_owner name) until until_ms when nobody holds it, its holder's lease has run
 * out, owner holds it already, or its holder is dead_owner (a process of the caller's
 * host the caller found ended; NULL or "" for none). Out: holder (LG_OWNER_LEN, may
 * be NULL) and *holder_until_ms (may be NULL): who holds it after the call.
 * Returns LG_OK (owner holds it), LG_ERR_CONFLICT (another holds it: see holder).
 */
lg_err lg_store_job_lease_take(lg_store *st, const char *name, const char *owner, int64_t until_ms,
                               const char *dead_owner, char *holder, int64_t *holder_until_ms);

/* Gives the lease of name back when owner holds it (anyone else's is left alone). */
lg_err lg_store_job_lease_release(lg_store *st, const char *name, const char *owner);

/* ------------------------------------------------------------------ nonces */

/* Makes next_nonce = value for (chain_id, address) unless a row exists (first use:
 * value comes from eth_getTransactionCount(pending)). Out: *created (may be NULL). */
lg_err lg_store_nonce_init(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                           int *created);

/* Allocates the next nonce for (chain_id, address): returns it in *nonce and
 * increments, atomically across processes. The increment may become durable only with
 * the next write that must be (lg_store_tx_record of the transaction that uses it).
 * Returns LG_ERR_NOT_FOUND (not initialized). */
lg_err lg_store_nonce_allocate(lg_store *st, uint64_t chain_id, const char *address,
                               uint64_t *nonce);

/* Operator resync: next_nonce = value, whatever it was. Out: *previous (may be NULL;
 * UINT64_MAX when there was no row). */
lg_err lg_store_nonce_resync(lg_store *st, uint64_t chain_id, const char *address, uint64_t value,
                             uint64_t *previous);

/* Reads next_nonce without changing it. Returns LG_ERR_NOT_FOUND. */
lg_err lg_store_nonce_peek(lg_store *st, uint64_t chain_id, const char *address, uint64_t *next);

/* --------------------------------------------------------------- API logs */

/* Appends one row (id set by the store). Returns LG_ERR_DUPLICATE for a row whose
 * spool_id is in already. */
lg_err lg_store_api_log_append(lg_store *st, const lg_api_log *row);

typedef struct lg_api_log_filter {
    const char *partner_id; /* NULL = any */
    int64_t start_ms;       /* inclusive; 0 = open */
    int64_t end_ms;         /* exclusive; 0 = open */
    int success;            /* 1, 0, or -1 for any */
    uint32_t limit;
    uint64_t offset;
} lg_api_log_filter;

/* Newest first. Out: *items (free()), *n, *total. */
lg_err lg_store_api_log_query(lg_store *st, const lg_api_log_filter *f, lg_api_log **items,
                              size_t *n, uint64_t *total);

/*
 * The audit journal (service/journal.c): rows a responder appended to its journal
 * file, source (the file's name), are put in partner_api_logs in batches.
 *
 * lg_store_audit_ingest appends rows[0..n) and moves source's recorded offset from
 * `from` to `to`, in one transaction: either both or neither, so a batch is taken
 * exactly once. The last use of each row's key_id (when not 0) moves to the row's
 * created_at_ms when that is later. Returns LG_OK, LG_ERR_CONFLICT (the recorded
 * offset is not `from`: another ingester took those bytes; nothing is written),
 * LG_ERR_INVALID, or the store's error.
 */
lg_err lg_store_audit_ingest(lg_store *st, const char *source, uint64_t from, uint64_t to,
                             const lg_api_log *rows, size_t n);

/* Out: *offset, how far source has been ingested (0 for a source never seen). */
lg_err lg_store_audit_offset(lg_store *st, const char *source, uint64_t *offset);

/* Drops source's offset once its file is gone (fully ingested and removed). */
lg_err lg_store_audit_forget(lg_store *st, const char *source);

/* ------------------------------------------------------------------ ledger */

typedef struct lg_ledger_filter {
    const char *partner_id; /* required */
    int64_t start_ms;       /* inclusive; 0 = open */
    int64_t end_ms;         /* exclusive; 0 = open */
    uint32_t limit;
    uint64_t offset;
} lg_ledger_filter;

/* Newest first. Out: *items (free()), *n, *total. */
lg_err lg_store_ledger_list(lg_store *st, const lg_ledger_filter *f, lg_ledger_entry **items,
                            size_t *n, uint64_t *total);

/* ----------------------------------------------------------- webhook outbox */

/*
 * The operations above write their webhook events to the outbox inside their own
 * transactions, so an event exists exactly when its change does: loan.borrowed
 * (loan_confirm), loan.failed (loan_fail), loan.pending (loan_release: the request
 * answered 202), loan.repayment_received and loan.repaid (repay_apply),
 * partner.limit_approaching (loan_reserve, see set_limit_warn), partner.suspended and
 * partner.activated (partner_update_audited), partner.key_rotated (key_rotate).
 * Each event gets a stable id ("evt_" + 32 hex) and the partner's next sequence
 * number.
 *
 * Delivery: a dispatcher claims the head of each partner's queue (the lowest sequence
 * number not yet delivered, dead or skipped), so one partner's events go out one at a
 * time, in order, while many partners are served at once. A claim is a lease: a
 * dispatcher that dies leaves its events to whoever claims after the lease ran out.
 */

/*
 * Sends partner.limit_approaching from loan_reserve when a reservation takes the
 * partner's daily usage, or its outstanding principal, to ratio_bps / 10000 of the
 * limit or past it: once per crossing (the daily warning once per UTC day; the total
 * one again only after outstanding fell back below the ratio). 0 switches it off
 * (the default). Returns LG_OK, LG_ERR_INVALID (ratio_bps > 10000).
 */
lg_err lg_store_set_limit_warn(lg_store *st, uint32_t ratio_bps);

/*
 * Adds an event of type for partner_id with data (a JSON object, at most
 * LG_PAYLOAD_LEN - 1 bytes), due now, and the hook's audit row (hook may be NULL;
 * before == after == the partner) in the same transaction. Out: *out (may be NULL) =
 * the event, filled before the hook is called so that its row can name the event.
 * Returns LG_ERR_NOT_FOUND (no partner), LG_ERR_OVERFLOW (data too long), or the
 * hook's error (nothing is added then).
 */
struct lg_audit_hook; /* below, with the partner administration */
lg_err lg_store_event_add(lg_store *st, const char *partner_id, const char *type, const char *data,
                          const struct lg_audit_hook *hook, lg_event *out);

/*
 * Claims up to max events for owner until now + lease_ms, in one transaction: of each
 * partner whose endpoint is set and enabled, the head of its queue, when it is
 * PENDING and due or DELIVERING under a lease that ran out. Claimed events are
 * DELIVERING with owner and the lease. Heads of partners without an endpoint become
 * SKIPPED. Out: *items (free()), *n, most overdue first.
 */
lg_err lg_store_event_claim(lg_store *st, const char *owner, int64_t lease_ms, uint32_t max,
                            lg_event **items, size_t *n);

/*
 * Records attempt a (its event_id, dispatcher = the claim's owner, outcome, ...;
 * a->attempt is set by the store) and applies its outcome to the event, in one
 * transaction: DELIVERED; RETRY (PENDING, due at next_attempt_at_ms); DEAD; or
 * DISABLED (the partner's endpoint switched off with a->error as reason, the event
 * PENDING, due at once when re-enabled). The lease is released.
 * Out: *attempt_no (may be NULL). Returns LG_ERR_NOT_FOUND (no event),
 * LG_ERR_CONFLICT (a->dispatcher no longer holds it: the attempt is recorded, the
 * event left to its holder).
 */
lg_err lg_store_event_finish(lg_store *st, const lg_event_attempt *a, int64_t next_attempt_at_ms,
                             uint32_t *attempt_no);

/* Returns LG_ERR_NOT_FOUND. partner_id, when not NULL, must own the event (a partner
 * looking at its own: another's is LG_ERR_NOT_FOUND too). */
lg_err lg_store_event_get(lg_store *st, const char *event_id, const char *partner_id,
                          lg_event *out);

typedef struct lg_event_filter {
    const char *partner_id; /* NULL = any */
    const char *type;       /* NULL = any */
    int status;             /* lg_event_status, or -1 for any */
    int64_t start_ms;       /* created at or after; 0 = open */
    int64_t end_ms;         /* created before; 0 = open */
    uint32_t limit;
    uint64_t offset;
} lg_event_filter;

/* Newest first. Out: *items (free()), *n, *total. */
lg_err lg_store_event_list(lg_store *st, const lg_event_filter *f, lg_event **items, size_t *n,
                           uint64_t *total);

/* The attempts of an event, first first. Out: *items (free()), *n. */
lg_err lg_store_event_attempts(lg_store *st, const char *event_id, lg_event_attempt **items,
                               size_t *n);

/*
 * Makes events due again, now, with a fresh retry schedule (attempts 0), keeping
 * their ids and sequence numbers: the event event_id (when not NULL), or every event
 * of partner_id created at or after since_ms. Events being delivered are left alone.
 * The hook's row is appended with before == after == the partner. Out: *count (may
 * be NULL). Returns LG_ERR_NOT_FOUND (no such event or partner).
 */
lg_err lg_store_event_replay(lg_store *st, const char *partner_id, const char *event_id,
                             int64_t since_ms, const struct lg_audit_hook *hook, uint64_t *count);

/* How many events are in each status (indexed by lg_event_status), for metrics.
 * Out: counts[5]. */
lg_err lg_store_event_counts(lg_store *st, uint64_t counts[5]);

/* ------------------------------------------------------------- admin audit */

/* Rows are written only inside the change they record (lg_audit_hook below), so no
 * row can outlive a change that rolled back. */

typedef struct lg_admin_audit_filter {
    const char *admin;  /* NULL = any */
    const char *action; /* NULL = any */
    const char *target; /* NULL = any */
    int64_t start_ms;   /* inclusive; 0 = open */
    int64_t end_ms;     /* exclusive; 0 = open */
    uint32_t limit;
    uint64_t offset;
} lg_admin_audit_filter;

/* Newest first. Out: *items (free()), *n, *total. */
lg_err lg_store_admin_audit_query(lg_store *st, const lg_admin_audit_filter *f,
                                  lg_admin_audit **items, size_t *n, uint64_t *total);

/* ------------------------------------------------------- partner administration */

/*
 * Admin changes commit together with their admin_audit row: the store calls fill
 * inside the change's transaction with the partner before (NULL for a create) and
 * after it, and appends the row fill wrote. fill returning anything but LG_OK rolls
 * the whole change back and is returned. A NULL hook (or fill) writes no row.
 */
typedef lg_err (*lg_audit_fill_fn)(void *ctx, const lg_partner *before, const lg_partner *after,
                                   lg_admin_audit *row);

typedef struct lg_audit_hook {
    lg_audit_fill_fn fill;
    void *ctx;
} lg_audit_hook;

/* Returns LG_ERR_NOT_FOUND when no partner has key_prefix. */
lg_err lg_store_partner_get_by_prefix(lg_store *st, const char *key_prefix, lg_partner *out);

/* How many partners were ever created (the NNN of "partner_<prefix>_NNN" is the next
 * one). Out: *count. */
lg_err lg_store_partner_count(lg_store *st, uint64_t *count);

/*
 * Onboarding in one transaction: creates p, adds its first key (key->partner_id is
 * p->id; a key whose env is "sandbox" goes to p's sandbox twin, made with it) and the
 * hook's audit row. Out: *key_id (may be NULL).
 * Returns LG_ERR_DUPLICATE when p->id, p->key_prefix or the key hash exists; nothing
 * is written then.
 */
lg_err lg_store_partner_onboard(lg_store *st, const lg_partner *p, const lg_api_key *key,
                                const lg_audit_hook *hook, int64_t *key_id);

/*
 * Copies the fields named in mask from p onto the partner p->id and appends the
 * hook's audit row, in one transaction. Fields outside mask, and the store-maintained
 * ones, keep their values. Out: before/after (each may be NULL) = the partner before
 * and after the change. Returns LG_ERR_NOT_FOUND (no partner), or the hook's error.
 */
lg_err lg_store_partner_update_audited(lg_store *st, const lg_partner *p, unsigned mask,
                                       const lg_audit_hook *hook, lg_partner *before,
                                       lg_partner *after);

/*
 * Key rotation in one transaction: adds key (for key->partner_id), gives every other
 * unrevoked key of the partner whose expiry is later than old_expires_at_ms (or
 * none) that expiry (old_expires_at_ms <= now means they stop working at once), and
 * appends the hook's row (before == after == the partner). Out: *key_id (may be
 * NULL). Returns LG_ERR_NOT_FOUND (no partner), LG_ERR_DUPLICATE (hash exists).
 */
lg_err lg_store_key_rotate(lg_store *st, const lg_api_key *key, int64_t old_expires_at_ms,
                           const lg_audit_hook *hook, int64_t *key_id);

/* One entry of lg_store_partner_import. */
typedef struct lg_partner_import_item {
    lg_partner partner; /* in: the partner, found by partner.key_prefix */
    unsigned mask;      /* in: the LG_PF_* fields an existing partner takes from it */
    lg_api_key key;     /* in: the first key, used only when the partner is new */
    int created;        /* out: 1 created (partner.id and key used), 0 updated */
    lg_partner before;  /* out: when updated */
    lg_partner after;   /* out */
} lg_partner_import_item;

/*
 * Imports items in one transaction: an item whose key_prefix exists updates that
 * partner (mask fields; an update that changes nothing writes no audit row), any
 * other creates partner.id with its key. The hook is called per changed item.
 * All or nothing: on any error nothing is written and *bad_index (may be NULL) is the
 * failing item's index. An item for an existing partner needs no partner.id and no
 * key. Returns LG_ERR_DUPLICATE (a new id or key hash exists, or two items share a
 * key_prefix), LG_ERR_INVALID (a new partner's item without id or key hash), or the
 * hook's or the store's error.
 */
lg_err lg_store_partner_import(lg_store *st, lg_partner_import_item *items, size_t n,
                               const lg_audit_hook *hook, size_t *bad_index);

/* One UTC day of an analytics period. */
typedef struct lg_analytics_day {
    char day[LG_DAY_LEN];
    uint64_t borrowed; /* principal of LG_LEDGER_BORROW rows that day */
    uint64_t repaid;   /* LG_LEDGER_REPAY rows that day */
    uint64_t fees;     /* LG_LEDGER_FEE rows that day */
    uint32_t loans;    /* loans borrowed that day */
} lg_analytics_day;

/* A partner's activity over [start_ms, end_ms), from the ledger and the loans. */
typedef struct lg_partner_analytics {
    uint64_t total_borrowed;  /* sum of BORROW ledger rows in the period */
    uint64_t total_repaid;    /* sum of REPAY ledger rows in the period */
    uint64_t fees_earned;     /* sum of FEE ledger rows in the period */
    uint32_t new_loans;       /* loans with a BORROW ledger row in the period */
    uint32_t repaid_loans;    /* of those, REPAID now */
    uint32_t active_loans;    /* of those, ACTIVE or SETTLING now */
    uint32_t defaulted_loans; /* of those, still owing at default_before_ms or earlier:
                                 created before default_before_ms and not REPAID */
} lg_partner_analytics;

/*
 * Aggregates partner_id's ledger and loans over [start_ms, end_ms) (UTC days).
 * default_before_ms: a loan created before it and not repaid counts as defaulted.
 * Out: *out; *days (malloc'd, caller free()s; NULL when *ndays == 0), one entry per
 * UTC day from start_ms's day to the day before end_ms, days without activity
 * included with zeros. Returns LG_ERR_NOT_FOUND (no partner), LG_ERR_INVALID
 * (end_ms <= start_ms or more than 366 days).
 */
lg_err lg_store_partner_analytics(lg_store *st, const char *partner_id, int64_t start_ms,
                                  int64_t end_ms, int64_t default_before_ms,
                                  lg_partner_analytics *out, lg_analytics_day **days,
                                  size_t *ndays);

/* ---------------------------------------------------- end states of a debt */

/* What lg_store_position_liquidate did. */
typedef struct lg_liquidate_result {
    uint32_t liquidated;   /* loans that became LIQUIDATED */
    uint64_t debt_cleared; /* their remaining debt, now cleared */
    uint32_t left;         /* loans of the position left alone: PENDING or SETTLING, or with a
                              repayment in flight; apply the same liquidation again once
                              reconcile has settled them */
} lg_liquidate_result;

/*
 * The vault liquidated the position (wallet, oaid) in transaction tx_hash: in one
 * transaction every ACTIVE or DEFAULTED loan on it (on position_id only, when not
 * NULL) becomes LIQUIDATED with remaining 0 and repaid += what remained, with a
 * LIQUIDATION repayment entry (APPLIED, repay_tx = tx_hash, amount = that debt), a
 * LIQUIDATION ledger row, the partner's outstanding reduced (total_repaid is not: the
 * partner paid nothing), the loan's position link and total_partner_debt cleared, the
 * cached position marked inactive, and the outbox event "loan.liquidated" (amount =
 * the debt cleared). Applying the same liquidation again changes nothing but what was
 * left the first time.
 * Out: *out (may be NULL). Returns LG_OK (also when no loan matched).
 */
lg_err lg_store_position_liquidate(lg_store *st, const char *wallet, const char *oaid,
                                   const char *position_id, const char *tx_hash,
                                   lg_liquidate_result *out);

/* ACTIVE loans created before before_ms, oldest first: candidates for DEFAULTED.
 * Out: *items (free()), *n. */
lg_err lg_store_loan_list_overdue(lg_store *st, int64_t before_ms, uint32_t limit, lg_loan **items,
                                  size_t *n);

/*
 * ACTIVE -> DEFAULTED with failure_reason = reason, in one transaction with the
 * outbox event "loan.defaulted" and, when hook is not NULL, the hook's audit row
 * (before == after == the loan's partner: the partner's books do not change, the debt
 * is still owed and may be recovered by repayments). Out: *loan (may be NULL) = the
 * loan after. Returns LG_ERR_NOT_FOUND, LG_ERR_STATE (not ACTIVE), or the hook's error.
 */
lg_err lg_store_loan_default(lg_store *st, const char *loan_id, const char *reason,
                             const lg_audit_hook *hook, lg_loan *loan);

/* Where the scan of chain logs name ("liquidations") stopped: the last block read.
 * Returns LG_ERR_NOT_FOUND when the scan never ran. */
lg_err lg_store_cursor_get(lg_store *st, const char *name, uint64_t *block);

/* Sets the cursor name to block (created when missing). */
lg_err lg_store_cursor_set(lg_store *st, const char *name, uint64_t block);

/* ------------------------------------------------------- cluster-wide guards */

/*
 * Rate counting and the replay cache for deployments where several hosts serve one
 * partner (docs/scale-out.md, [store] cluster_guards): each host's shared-memory
 * tables (ratelimit.h, replay.h) only see that host's traffic, so the count every
 * host must agree on lives in the store.
 *
 * Rates: a key is counted in fixed windows of window_ms (a window starts at
 * now - now % window_ms) and admitted on the sliding-window estimate
 *   estimate = current + ceil(previous * (window_ms - elapsed) / window_ms)
 * where elapsed = now - the window's start and previous is the count of the window
 * just before (0 when that window saw nothing): the previous window is assumed to
 * have spread its admissions evenly, so a burst at the end of one window and another
 * at the start of the next cannot together pass limit (fixed windows alone would let
 * 2 x limit through across the edge), at the price of one counter pair per key
 * instead of a log of admissions. Rounding up makes a full previous window hold the
 * next one shut for window_ms / previous ms. A request is admitted, and counted, iff
 * the estimate before it is below limit; a refused request is not counted. Unlike
 * the host's exact log (ratelimit.h) this is an estimate: admissions bunched late
 * in a window weigh less than they should, early ones more.
 */
#define LG_STORE_RATE_KEY_MAX       256 /* bytes of a rate key, without the NUL */
#define LG_STORE_RATE_WINDOW_MAX_MS INT64_C(86400000)
#define LG_STORE_GUARD_DIGEST_LEN   32

typedef struct lg_store_rate {
    int allowed;             /* 1 admitted and counted, 0 refused */
    int64_t window_start_ms; /* the window counted in */
    uint64_t current;        /* admissions of that window, this one included */
    uint64_t previous;       /* admissions of the window before */
    uint64_t estimate;       /* the sliding estimate after this request */
    int64_t retry_at_ms;     /* estimate >= limit: the first time a request would be
                                admitted again (absent other traffic); else 0 */
} lg_store_rate;

/* One key's counters, as a backend keeps them: the pure steps below are the whole
 * algorithm, so both backends count exactly alike. */
typedef struct lg_store_rate_state {
    int64_t window_start_ms; /* 0: never counted */
    uint64_t current;
    uint64_t previous;
} lg_store_rate_state;

/*
 * Counts one request of key (1..LG_STORE_RATE_KEY_MAX bytes) at now_ms against limit
 * admissions per window_ms (1 ms .. LG_STORE_RATE_WINDOW_MAX_MS), atomically across
 * every handle on the store. Out: *out. Returns LG_OK (see out->allowed),
 * LG_ERR_INVALID (NULL, empty or long key, limit 0, window out of range, now_ms
 * negative), LG_ERR_BUSY (the counter kept changing under a write: answer 503), or the
 * usual store errors.
 */
lg_err lg_store_rate_take(lg_store *st, const char *key, int64_t window_ms, uint64_t limit,
                          int64_t now_ms, lg_store_rate *out);

/*
 * Records digest (the SHA-256 of an accepted signature: never the signature or a
 * secret) as seen at now_ms for window_ms (1 ms .. LG_STORE_RATE_WINDOW_MAX_MS) unless
 * it is already recorded and not yet expired. Returns LG_OK (new, or its record had
 * expired: accept), LG_ERR_DUPLICATE (seen within its window: a replay),
 * LG_ERR_INVALID (NULL, now_ms negative, window out of range), or the store errors.
 */
lg_err lg_store_replay_claim(lg_store *st, const unsigned char digest[LG_STORE_GUARD_DIGEST_LEN],
                             int64_t now_ms, int64_t window_ms);

/* The pure steps of lg_store_rate_take, for the backends and their tests. */

/* Moves s to the window of now_ms: the window after s's makes current previous, a
 * later one starts from zero. A state whose window lies after now's (another host's
 * clock runs ahead) is left as it is and counted in. */
void lg_store_rate_roll(lg_store_rate_state *s, int64_t window_ms, int64_t now_ms);

/* The sliding estimate of s at now_ms (s rolled to now's window or later). */
uint64_t lg_store_rate_estimate(const lg_store_rate_state *s, int64_t window_ms, int64_t now_ms);

/* Fills *out from s after a decision (allowed, and counted into s when so). */
void lg_store_rate_result(const lg_store_rate_state *s, int allowed, int64_t window_ms,
                          uint64_t limit, int64_t now_ms, lg_store_rate *out);

/* ------------------------------------------------------- daily usage (reads) */

/* What partner_id has borrowed (reserved, not released) on UTC day "YYYY-MM-DD";
 * 0 when nothing. */
lg_err lg_store_daily_usage(lg_store *st, const char *partner_id, const char *day,
                            uint64_t *borrowed);

#endif
