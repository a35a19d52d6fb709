/*
 * service_internal.h - what borrow.c, repay.c and reconcile.c share inside the
 * service: the lg_service handle, the persist-then-broadcast helpers over the signer,
 * the store and the chain table, and the call data of the platform's transactions.
 * Not installed; nothing outside src/service includes it.
 */
#ifndef LENDGATE_SERVICE_INTERNAL_H
#define LENDGATE_SERVICE_INTERNAL_H

#include <lendgate/admin.h>
#include <lendgate/amount.h>
#include <lendgate/chain.h>
#include <lendgate/log.h>
#include <lendgate/nonce.h>
#include <lendgate/queries.h>
#include <lendgate/sender.h>
#include <lendgate/service.h>
#include <lendgate/shm.h>

/* Public reads of one block, kept per process (queries.c): what a credit line or a
 * position was at a block is what it is until the next one. */
#define LG_READ_CACHE_SLOTS 64

typedef struct lg_read_cached {
    int kind; /* 0 empty, 1 credit line, 2 position */
    uint64_t block;
    char id[LG_U256_LEN];
    union {
        lg_credit_line_view line;
        lg_position_view position;
    } v;
} lg_read_cached;

struct lg_service {
    const lg_config *cfg; /* borrowed */
    lg_store *st;
    /* The chain side; all NULL/zero for a store-only service. The pipelines reach the
     * chain only through the table. */
    int has_chain;
    lg_chain *chain; /* lg_service_open's own, or one lent by lg_service_open_with_chain */
    int owns_chain;
    lg_signer_ctx *signer;
    long signer_pid; /* the process the signer's blinding was randomized in */
    lg_privkey *key;
    lg_nonce_iface nonces;
    lg_sender sender; /* signs only: the chain prices and broadcasts, the store persists */
    unsigned gas_margin_pct;
    uint64_t chain_id;
    uint8_t platform[LG_ADDRESS_LEN];
    char platform_hex[LG_ADDR_LEN]; /* lowercase, as the chain_txs rows keep it */
    uint64_t budget_ms;             /* [http] request_budget_ms */
    uint64_t poll_ms;               /* [chain] receipt_poll_ms */
    lg_read_cached *reads;          /* LG_READ_CACHE_SLOTS, allocated on first use */
    struct lg_metrics *metrics;     /* lent by the process (observe.h), NULL for none */
    lg_shm ctl;                     /* the host's control block (control.c); base NULL if none */
    struct lg_svc_journal *journal; /* this process's audit journal (journal.c), or NULL */
    struct lg_svc_auth *auth;       /* keys this process authenticated (access.c), or NULL */
    int64_t chain_us;               /* time in chain calls since lg_service_chain_us reset it */
    char *ingest_buf;               /* the journal ingest's buffers (journal.c), or NULL */
    lg_api_log *ingest_rows;
    /* The sandbox (sandbox.c): the service of [sandbox]'s chain, opened on first use
     * (NULL until then, and in the sandbox's own service), with its configuration. */
    struct lg_service *sandbox;
    int64_t sandbox_retry_ms; /* monotonic: no open attempt before (after a failure) */
    int is_sandbox;           /* this is a sandbox service: its store handle is too */
    lg_config *own_cfg;       /* cfg, when this service owns it (a sandbox's) */
};

/* The sandbox's service of live (sandbox.c), opened now if it is not yet. Out: *out.
 * Returns LG_OK, LG_ERR_CONFIG (no [sandbox] rpc_url, or live is a sandbox), LG_ERR_IO
 * (it did not open: tried again after a pause). */
lg_err lg_svc_sandbox(lg_service *live, lg_service **out);
/* The service a call of partner p goes to: *svc itself for a live partner, its
 * sandbox's for a sandbox twin. Returns LG_OK (*svc set), or LG_ERR_UNSUPPORTED with
 * out filled (no sandbox here, or it is not open now). */
lg_err lg_svc_for_partner(lg_service **svc, const lg_partner *p, lg_outcome *out);
/* Closes live's sandbox service, if open. */
void lg_svc_sandbox_close(lg_service *live);

/* The control block (control.c). Without it (the file cannot be mapped) every call
 * looks its key up in the store and stores its audit row itself. */
lg_err lg_svc_control_open(lg_service *svc);
void lg_svc_control_close(lg_service *svc);
int lg_svc_control_ok(const lg_service *svc);
/* The partner generation: it moves after every committed change of a partner or key
 * (lg_svc_partners_changed, called by whoever committed it), so what a process keeps
 * of a partner is good while the generation it was read under is current. */
uint64_t lg_svc_generation(const lg_service *svc);
void lg_svc_partners_changed(lg_service *svc);
/* The journal's counters: a row appended; an ingest starting (returns the rows counted
 * so far, every one of them already in a file) and ending (they are all in the store);
 * and in how many ms an ingest is due (-1: nothing waits; 0: now). */
void lg_svc_journal_counted(lg_service *svc);
uint64_t lg_svc_journal_ingest_begins(lg_service *svc);
void lg_svc_journal_ingest_ends(lg_service *svc, uint64_t written_before);
int64_t lg_svc_journal_due_in(const lg_service *svc, int64_t flush_ms, int64_t now_ms);
/* Rows written on this host since the last ingest began (-1: no control block). */
int64_t lg_svc_journal_waiting(const lg_service *svc);

/* A process owner (lg_proc_owner: "boot/pid/start") as a file name and back: the '/'
 * become '_' (boot ids and numbers hold none). The audit spool and journal name their
 * files after their writers this way, so an ingest can ask whether a writer ended. */
void lg_svc_owner_to_name(char *name, const char *owner);
void lg_svc_name_to_owner(char *owner, const char *name);

/* Rows go to the journal: it is switched on ([audit] journal) and the control block,
 * which tells the responders when to ingest, is mapped. */
int lg_svc_journal_on(const lg_service *svc);
/* This process's journal (journal.c): appends row as one line of its journal file,
 * a created_at_ms of 0 written as the time of the append. Returns LG_OK,
 * LG_ERR_UNSUPPORTED (no journal here, or not again yet after a failure: the caller
 * stores the row), LG_ERR_INVALID (a row its line cannot carry: the caller stores
 * it), LG_ERR_IO (it failed now: the caller stores the row and says so). */
lg_err lg_svc_journal_append(lg_service *svc, const lg_api_log *row);
/* Closes this process's journal file (it stays for the ingester). */
void lg_svc_journal_close(lg_service *svc);
/* Forgets the keys this process authenticated (access.c). */
void lg_svc_auth_free(lg_service *svc);

/* Counts 1 on the counter (name, labels) of svc's metrics, when it has some. */
void lg_svc_count(lg_service *svc, const char *name, const char *labels);

/* Counts a platform transaction's event ("sent", "replaced", "mined", "reverted") for
 * purpose (an lg_tx_purpose, or -1 when the caller does not know it). */
void lg_svc_tx_event(lg_service *svc, int purpose, const char *event);

/* The rpc observer the metrics install (rpc.h): ctx is the service. */
void lg_svc_observe_rpc(void *ctx, const char *method, lg_err result, int64_t elapsed_us);

/* Appends row to this process's audit spool (spool.c) when the store could not take
 * it, with a spool id of its own. Returns LG_OK, LG_ERR_IO, LG_ERR_NOMEM. */
lg_err lg_svc_spool_row(lg_service *svc, const lg_api_log *row);

/* An amount as the plan's messages spell it ("3000.0", ethers' formatUnits). */
void lg_svc_usd(uint64_t v, char buf[LG_AMOUNT_USD_LEN]);

/* Where a test build's request may be ended (lg_service_set_crash_point); nothing in
 * other builds. */
void lg_svc_crash_point(const char *here);

/* Fills out as refused or failed with err (the class http maps to a status), naming
 * field ("" or NULL for none: the message is then the reason alone, else
 * "field: reason"). Returns err. */
lg_err lg_svc_fail(lg_outcome *out, lg_err err, const char *field, const char *fmt, ...)
    LG_PRINTF(4, 5);

/* Fills out as succeeded with done. Returns LG_OK. */
lg_err lg_svc_done(lg_outcome *out, lg_done done);

/* The answer to a call that left out an argument it needs: out filled as an internal
 * error ("Internal error (missing argument)"). Returns LG_ERR_INVALID. */
lg_err lg_svc_missing_args(lg_outcome *out);

struct json_object;

/* Writes o as plain JSON (no escaped slashes) into buf (cap bytes) and releases o
 * (admin.c). Returns LG_OK, LG_ERR_NOMEM (o NULL or no text), LG_ERR_OVERFLOW (the
 * text needs cap bytes or more; buf is left as it was). */
lg_err lg_svc_json_text(struct json_object *o, char *buf, size_t cap);

/* Fills the admin_audit row's admin, request id and client address from who, its
 * action and its target (admin.c); the before and after JSON are the caller's. */
void lg_svc_audit_row(lg_admin_audit *row, const lg_admin_actor *who, const char *action,
                      const char *target);

/* 1 for the codes only the store returns (and out of memory): what stops a
 * pipeline step as the store's failure rather than the chain's. */
int lg_svc_store_err(lg_err rc);

/* The outcome of a failed store call: LG_ERR_BUSY when the database stayed locked,
 * LG_ERR_DISK when it cannot write, else LG_ERR_STORE ("Internal error while what");
 * the store's own text is logged. */
lg_err lg_svc_store_failed(lg_outcome *out, lg_err rc, const char *what);

/* The outcome of a failed chain call, classed by lg_svc_chain_err, in the words of
 * lg_svc_public_reason. Returns rc. */
lg_err lg_svc_chain_failed(lg_service *svc, lg_outcome *out, lg_err rc, const char *what);

/* The vault pulls a repayment from the platform wallet. Deposits were credited when
 * they arrived; USDC that has left the wallet since (an operator's sweep) would make
 * repayLoan revert after its gas is spent, so the wallet's USDC is read first.
 * Returns LG_OK, LG_ERR_WALLET (short: logged for the operator) or a read error. */
lg_err lg_svc_usdc_covered(lg_service *svc, uint64_t amount);

/* The class of a failed chain step: a timeout, a revert and the platform wallet's
 * shortfall stay what they are; any other failure is the node's (LG_ERR_RPC). */
lg_err lg_svc_chain_err(lg_err rc);

/* What a partner may read of a failed chain step what: a revert's reason (the
 * contract's own words), else "Chain node unavailable" / "Chain node timed out" with
 * the node's text logged for the operator. The text is the service's, valid until
 * the next chain call. */
const char *lg_svc_public_reason(lg_service *svc, lg_err rc, const char *what);

/* Milliseconds left until deadline (lg_time_mono_ms based), 0 when passed. */
uint64_t lg_svc_left_ms(int64_t deadline);

/*
 * Signs a call to `to` with data, records it in the store for (loan_id |
 * repayment_id, purpose) and only then broadcasts it, in lg_sender_send's order: gas
 * estimate and fees (before a nonce is taken, so that a call that would revert leaves
 * no gap), nonce, signature, the store, the node. *tx is filled once signed; the
 * caller releases it with lg_signed_tx_release() in every case. *persisted (may be
 * NULL) says whether the store holds it (then the chain may hold it too).
 * use_nonce: sign at nonce instead of allocating one. A broadcast the node refuses
 * for a nonce too high is repeated for a while; still refused, it is LG_ERR_TIMEOUT
 * (persisted and good, for reconcile to send later).
 * Returns LG_OK, LG_ERR_REVERTED (the estimate reverted: nothing signed), the chain's
 * or the nonce counter's error, LG_ERR_CRYPTO, the store's error (nothing sent), the
 * broadcast's error (persisted: it may have reached the node), or LG_ERR_TIMEOUT as
 * above.
 */
lg_err lg_svc_send(lg_service *svc, lg_signed_tx *tx, int *persisted, const char *loan_id,
                   const char *repayment_id, lg_tx_purpose purpose, const uint8_t *to,
                   const uint8_t *data, size_t data_len, int use_nonce, uint64_t nonce);

/* The second half of lg_svc_send for a request already priced (gas limit, fees and
 * nonce set: a replacement): sign, persist, broadcast. Returns as lg_svc_send. */
lg_err lg_svc_send_priced(lg_service *svc, lg_signed_tx *tx, int *persisted, const char *loan_id,
                          const char *repayment_id, lg_tx_purpose purpose,
                          const lg_tx_request *req);

/* LG_OK when the platform wallet holds the most gas_limit at fees may cost (twice
 * that for a borrow, whose payout follows), else LG_ERR_WALLET (logged for the
 * operator) or the balance read's error; a chain without balances is LG_OK. */
lg_err lg_svc_gas_covered(lg_service *svc, uint64_t gas_limit, const lg_fees *fees,
                          lg_tx_purpose purpose);

/*
 * Replaces the stuck transaction old (a SIGNED version still in the node's pool): the
 * same call at the same nonce and gas limit, with fees raised at least
 * LG_FEES_BUMP_PCT over old's, or to the node's current fees when higher, but never
 * above [chain] fee_cap_gwei. The new version is persisted under old's loan or
 * repayment and purpose before it is broadcast. Out: new_hash.
 * Returns LG_OK, LG_ERR_STATE (the least raise the pool takes is above the cap: old
 * stays as it is), LG_ERR_INVALID (old's bytes do not decode), LG_ERR_WALLET, or the
 * chain's or store's error (as lg_svc_send_priced); new_hash is "" unless the new
 * version was persisted (then it may have reached the node whatever the code).
 */
lg_err lg_svc_replace(lg_service *svc, const lg_chain_tx *old, char new_hash[LG_HASH_LEN]);

/* Whether a receipt of block is final: [chain] confirmations blocks on top of it
 * (0: mined is final). Returns LG_OK, LG_ERR_NOT_FOUND (not deep enough yet), or the
 * block number read's error. */
lg_err lg_svc_deep_enough(lg_service *svc, uint64_t block);

/*
 * Waits up to timeout_ms for the receipt of hash_hex and records the result on the
 * stored transaction (MINED or REVERTED). For a revert, reason (cap bytes, may be
 * NULL) receives the decoded revert reason, from replaying data against `to` at the
 * receipt's block. Returns LG_OK (mined, status 1), LG_ERR_REVERTED, LG_ERR_TIMEOUT,
 * LG_ERR_NOT_FOUND (timeout 0 and not mined), or an rpc/store error.
 */
lg_err lg_svc_wait(lg_service *svc, const char *hash_hex, uint64_t timeout_ms, const uint8_t *to,
                   const uint8_t *data, size_t data_len, char *reason, size_t cap);

/* 1 when the chain's last failure was a node refusing a nonce above the one it
 * expects (an earlier transaction has not reached it: retry later, the bytes are good). */
int lg_svc_nonce_too_high(lg_service *svc);

/* The text of the chain's last failure ("" when none), for messages. */
const char *lg_svc_chain_text(lg_service *svc);

/* Call data (LG_CALLDATA_MAX bytes) of the platform's transactions: USDC.transfer(
 * settlement, net) and borrowUSDC(position, amount) for loan, repayLoan(position,
 * amount) for a loan's position, USDC.approve(vault, unlimited). Returns LG_OK,
 * LG_ERR_INVALID (a position id or address that does not encode). */
lg_err lg_svc_transfer_data(const lg_loan *loan, const char *settlement, uint8_t *data,
                            size_t *len);
lg_err lg_svc_borrow_data(const lg_loan *loan, uint8_t *data, size_t *len);
lg_err lg_svc_repay_data(const char *position_id, uint64_t amount, uint8_t *data, size_t *len);
lg_err lg_svc_approve_data(lg_service *svc, uint8_t *data, size_t *len);

/* Sends the payout transfer of a SETTLING loan and waits up to timeout_ms; confirms
 * the loan when mined. Returns LG_OK (confirmed), LG_ERR_TIMEOUT (still settling),
 * LG_ERR_REVERTED (the transfer reverted: retry later), or an rpc/store error. */
lg_err lg_svc_payout(lg_service *svc, lg_loan *loan, const char *settlement, uint64_t timeout_ms);

/* Writes a fresh webhook secret, "whsec_" + 64 hex digits of randomness, into out
 * (cap bytes): admin.c's, so every webhook secret is made one way. The caller wipes
 * it. Returns LG_OK, LG_ERR_OVERFLOW, LG_ERR_CRYPTO. */
lg_err lg_svc_webhook_secret(char *out, size_t cap);

#endif
