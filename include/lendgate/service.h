/*
 * service.h - the business operations behind the partner API.
 *
 * One lg_service per worker process, opened after fork and kept for the process's
 * life: it owns the store handle, the chain client (chain.h: the JSON-RPC handle and
 * the contract bindings), the secp256k1 context, the platform key and the signer.
 * The HTTP layer parses and validates requests into the typed structs below, calls
 * these functions and renders what they return; these functions never see JSON text,
 * FastCGI or SQL.
 *
 * Every operation fills an lg_outcome, on every return: what it did when it
 * succeeded, or the lg_err that refused or failed it with the field at fault and a
 * reason in the partner's words (never a secret, never the node's or the
 * database's own text). The service knows nothing of HTTP: src/http owns the one
 * table from an outcome to a status (lg_http_status). The returned code is LG_OK
 * when the call succeeded and otherwise classifies the failure for the logs (a
 * lower-level code may show through); what to answer is always *out.
 */
#ifndef LENDGATE_SERVICE_H
#define LENDGATE_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/store.h>

typedef struct lg_service lg_service;
struct lg_rpc;
struct lg_contracts;
struct lg_chain;

/* What a call that succeeded did. */
typedef enum lg_done {
    LG_DONE_OK = 0,       /* read, or changed in place */
    LG_DONE_CREATED = 1,  /* made a new record (a loan, a partner, a credited deposit) */
    LG_DONE_ACCEPTED = 2, /* accepted; the chain has not finished it yet */
} lg_done;

typedef struct lg_outcome {
    lg_err err;        /* LG_OK, or the class of the refusal or failure */
    lg_done done;      /* when err is LG_OK */
    char field[64];    /* the request field at fault ("borrowAmount"), "" for none */
    char message[320]; /* the reason as the partner reads it; "" on success */
} lg_outcome;

/*
 * Opens everything a worker needs from cfg: the store, the chain node (its chain id
 * must equal [chain] chain_id), the platform key file, the contract addresses.
 * Out: *out, owned by the caller, released with lg_service_close(). err receives one
 * line on failure. Returns LG_OK, LG_ERR_CONFIG, LG_ERR_IO, LG_ERR_CRYPTO, or what
 * the store and the RPC client return.
 */
lg_err lg_service_open(lg_service **out, const lg_config *cfg, char *err, size_t errlen);

/*
 * Opens a service over chain instead of the node of cfg: the store, the platform key
 * file and [chain] chain_id come from cfg as for lg_service_open, and every chain
 * read, estimate, broadcast and receipt goes to chain (chain.h), which is borrowed
 * and must outlive the service. Transactions are signed with the platform key and
 * persisted in the store before chain sees them, as with the node. This is how the
 * pipelines are unit-tested against a scripted chain.
 * Out: *out as lg_service_open. Returns LG_OK, LG_ERR_INVALID (NULL, a chain without a
 * table), or what lg_service_open returns for the store and the key.
 */
lg_err lg_service_open_with_chain(lg_service **out, const lg_config *cfg, struct lg_chain *chain,
                                  char *err, size_t errlen);

/* Opens only the store (admin and read-only tools that need no chain). */
lg_err lg_service_open_store_only(lg_service **out, const lg_config *cfg, char *err, size_t errlen);

/* Closes and frees; wipes the platform key. NULL is fine. */
void lg_service_close(lg_service *svc);

/*
 * The partner holding api_key (the key text as sent: its shape is checked, its
 * SHA-256 looked up; the key itself is never stored or logged). Notes the key's use
 * (last_used_at, at most once a minute). Out: *partner and *key on LG_OK and also on
 * LG_ERR_SUSPENDED / LG_ERR_INACTIVE (the key is valid: the call is audited).
 * Returns LG_OK, LG_ERR_AUTH (malformed or unknown key), LG_ERR_SUSPENDED,
 * LG_ERR_INACTIVE, LG_ERR_INVALID (NULL), LG_ERR_CRYPTO, or the store's error.
 */
lg_err lg_service_authenticate(lg_service *svc, const char *api_key, lg_partner *partner,
                               lg_api_key *key);

/* Appends the audit row of an answered partner call (secrets already removed). When
 * the store cannot take it now (locked past the busy timeout, unable to write), the
 * row goes to this responder's spool file under [store] state_dir/audit-spool, and
 * lg_service_audit_drain (every reconcile pass) puts it in the store, once.
 * Returns LG_OK (stored or spooled), LG_ERR_INVALID, or the store's error when the
 * spool could not take it either. */
lg_err lg_service_audit(lg_service *svc, const lg_api_log *row);

/*
 * Moves the rows waiting in this host's audit journal (journal.c) into the store, in
 * batches, each once. wait: 1 waits for another process's ingest to end first, 0
 * returns LG_ERR_BUSY at once when one runs. Out: *moved (may be NULL), the rows put
 * in. Returns LG_OK, LG_ERR_BUSY, LG_ERR_INVALID, LG_ERR_IO (the journal directory),
 * LG_ERR_NOMEM, or the store's error (what is left stays for the next).
 */
lg_err lg_service_audit_flush(lg_service *svc, int wait, unsigned *moved);

/*
 * Tells the host's responders that this process moves the journal's rows until
 * until_ms (wall clock; 0: no longer): they leave the ingest to it, and take it up
 * again by themselves once until_ms has passed, so an ingester that dies without a
 * word costs a short delay, no row. A no-op without the control block.
 */
void lg_service_audit_ingester(lg_service *svc, int64_t until_ms);

/* In how many ms this process should flush the journal ([audit] flush_ms after the
 * last ingest began, 0 when already due; while an ingester outside the responders
 * holds its claim (lg_service_audit_ingester), when that claim runs out), or -1 when
 * no row waits or there is no journal. Read from the host's control block: a few
 * loads, no system call. */
int64_t lg_service_audit_due_in(lg_service *svc);

/* Puts every spooled audit row of this host in the store, exactly once (a row's
 * spool id is taken once, so a drain repeated after a crash adds nothing twice);
 * a spool file whose writer has ended is removed once drained. Out: *moved (may be
 * NULL), the rows put in. Returns LG_OK, LG_ERR_INVALID, LG_ERR_IO (the spool
 * directory), or the store's error (the rest stays for the next drain). */
lg_err lg_service_audit_drain(lg_service *svc, unsigned *moved);

/*
 * Test builds (configure --enable-test-hooks) only: until called again with "" or
 * NULL, the calling process ends itself with SIGKILL when its borrow or repay reaches
 * the point named (borrow.reserved, borrow.persisted, borrow.broadcast,
 * borrow.mined, payout.persisted, payout.broadcast, payout.mined, repay.reserved,
 * approve.persisted, approve.broadcast, repay.persisted, repay.broadcast,
 * repay.mined), as if killed from outside at that line; how the crash tests reach
 * each point without racing the request. Other builds ignore it.
 */
void lg_service_set_crash_point(const char *name);

/* Test builds only: until called again with "" or NULL, the store's writes in this
 * process fail as "busy" (a lock held past the busy timeout) or "io" (a disk that
 * cannot be written) would (lg_store_set_fault). Other builds ignore it. */
void lg_service_set_store_fault(const char *kind);

/* Borrowed handles, valid until lg_service_close, for tests and tools that inspect
 * what the service did: the API and lendgatectl never reach past the service. The
 * chain ones are NULL for a store-only service and for a chain other than the node's
 * ("rpc", see chain.h). */
lg_store *lg_service_store(lg_service *svc);
struct lg_rpc *lg_service_rpc(lg_service *svc);
struct lg_contracts *lg_service_contracts(lg_service *svc);
const lg_config *lg_service_config(const lg_service *svc);

/* Writes the platform wallet's EIP-55 address into out (cap >= LG_ADDR_LEN).
 * Returns LG_OK, LG_ERR_INVALID (NULL, store-only service), LG_ERR_OVERFLOW. */
lg_err lg_service_platform_address(const lg_service *svc, char *out, size_t cap);

/*
 * Operator resync of the platform wallet's nonce counter to the node's pending
 * transaction count (`lendgatectl nonce resync`). Only safe while no worker signs.
 * Out: *old_value (UINT64_MAX when there was no counter), *new_value; either may be
 * NULL. Returns LG_OK, LG_ERR_INVALID (NULL, store-only service), an rpc call's error
 * or the store's.
 */
lg_err lg_service_nonce_resync(lg_service *svc, uint64_t *old_value, uint64_t *new_value);

/* ------------------------------------------------------------------ borrow */

typedef struct lg_borrow_request {
    char partner_loan_id[LG_ID_LEN]; /* ^[A-Za-z0-9_-]{1,64}$ */
    char user_wallet[LG_ADDR_LEN];   /* 0x + 40 hex, checksum already verified */
    char oaid[LG_U256_LEN];          /* uint256 as decimal, no leading zeros */
    uint64_t amount;                 /* > 0, micro-USDC */
    char metadata[LG_METADATA_LEN];  /* the partner's object as canonical JSON, "" = none */
    char request_hash[LG_HEX64_LEN]; /* SHA-256 of the canonical request: idempotency */
} lg_borrow_request;

/*
 * The borrow pipeline of DESIGN.md for partner p: idempotency, chain checks,
 * reservation, persist-then-broadcast of borrowUSDC and the payout transfer,
 * confirmation. Out: *loan (the loan as stored after the call), *out: done CREATED
 * (ACTIVE) or ACCEPTED (still PENDING/SETTLING when the chain is slower than the
 * request budget), the stored result again for a repeated identical request; or err
 * LG_ERR_CONFLICT (the same partnerLoanId with a different body), LG_ERR_INVALID (a
 * field, named), LG_ERR_FORBIDDEN (not the OAID's owner), LG_ERR_SUSPENDED /
 * LG_ERR_INACTIVE (the partner), LG_ERR_STATE (credit line or position not active, no
 * settlement address, the stored loan failed), LG_ERR_FUNDS (credit short),
 * LG_ERR_NOT_FOUND (no such OAID), LG_ERR_LIMIT_DAILY / LG_ERR_LIMIT_TOTAL,
 * LG_ERR_REVERTED (the vault refused), LG_ERR_WALLET (no gas), LG_ERR_RPC /
 * LG_ERR_TIMEOUT (the node), LG_ERR_BUSY / LG_ERR_STORE, LG_ERR_INTERNAL.
 * Once borrowUSDC is mined the loan never fails: a payout that reverts or is lost is
 * retried by lg_service_reconcile, and the answer is ACCEPTED (SETTLING) meanwhile.
 */
lg_err lg_service_borrow(lg_service *svc, const lg_partner *p, const lg_borrow_request *req,
                         lg_loan *loan, lg_outcome *out);

/* ------------------------------------------------------------------- repay */

typedef struct lg_repay_request {
    char partner_loan_id[LG_ID_LEN];
    uint64_t amount;                /* > 0 */
    char proof_tx[LG_HASH_LEN];     /* repaymentTxHash, "" when not given */
    char idem_key[LG_IDEM_KEY_LEN]; /* Idempotency-Key header, "" when not given */
} lg_repay_request;

/*
 * The repay pipeline of DESIGN.md. Out: *loan after the call, *repayment (the
 * repayment record), *out (done OK, or ACCEPTED when the chain is slow; the
 * failures below as err).
 * The vault pulls the USDC from the platform wallet, which also holds the platform's
 * fees and other partners' money: a repayment is paid only from its partner's
 * repayment balance (see lg_store_deposit_credit). A proof (proof_tx) must be a
 * successful transaction with USDC Transfers from the partner's settlement address to
 * the platform wallet, credited to nobody before; what it moved is credited to the
 * balance in the same store transaction that draws the repayment from it.
 * An approve is sent first only when the standing allowance is short.
 * idem_key (the Idempotency-Key header) names the repayment within its loan: when the
 * loan has a pending or applied repayment with that key, nothing is drawn or sent; the
 * same amount and proof answer as the first call (*repayment that repayment, *loan as
 * it is now, done OK, or ACCEPTED while it is in flight), another is LG_ERR_CONFLICT.
 * out->err: LG_ERR_INVALID (a field, named: a proof that does not hold or was
 * credited before), LG_ERR_NOT_FOUND, LG_ERR_STATE (repaid, failed or not yet
 * active), LG_ERR_OVERPAY, LG_ERR_FUNDS (the balance, with the proof, does not cover
 * the amount; nothing changed), LG_ERR_REVERTED (a transaction reverted: the
 * repayment is FAILED and its draw given back), LG_ERR_WALLET (the platform wallet
 * short of gas or USDC), LG_ERR_CONFLICT (the key, used for another amount or
 * proof), or the node's or store's class as for borrow.
 * Returns LG_OK when done, LG_ERR_INVALID for a NULL argument or store-only service,
 * else a failure's code.
 */
lg_err lg_service_repay(lg_service *svc, const lg_partner *p, const lg_repay_request *req,
                        lg_loan *loan, lg_repayment *repayment, lg_outcome *out);

/*
 * Credits the partner's USDC transfer tx_hash (0x + 64 hex) to its repayment balance:
 * the transfers it holds from p's settlement address to the platform wallet, once per
 * transaction. Out: *deposit (the credit), *balance (the partner's balance after),
 * *out (done CREATED: credited now; OK: credited to p before, the same credit
 * again; err LG_ERR_CONFLICT: credited to another partner; LG_ERR_INVALID: not such a
 * transfer, field txHash; LG_ERR_STATE: no valid settlement address; the node's or
 * store's class). Returns LG_OK when done, else a failure's code.
 */
lg_err lg_service_deposit(lg_service *svc, const lg_partner *p, const char *tx_hash,
                          lg_deposit *deposit, uint64_t *balance, lg_outcome *out);

/* --------------------------------------------------------------- reconcile */

typedef struct lg_reconcile_report {
    unsigned loans_confirmed;
    unsigned loans_failed;
    unsigned repayments_applied;
    unsigned repayments_failed;
    unsigned rebroadcast;
    unsigned replaced; /* stuck transactions sent again with raised fees */
    unsigned nonce_gaps_filled;
    unsigned audit_rows; /* spooled API log rows put in the store */
    unsigned still_pending;
    /* The end states of a debt. */
    unsigned liquidations;     /* the vault's Liquidated logs that ended loans */
    unsigned loans_liquidated; /* loans they ended as LIQUIDATED */
    unsigned loans_defaulted;  /* ACTIVE loans past [admin] default_after_days */
} lg_reconcile_report;

/*
 * Finishes or fails every PENDING/SETTLING loan and PENDING repayment from its
 * persisted transactions, re-broadcasting the same signed bytes when the node lost
 * them, ends the loans of positions the vault liquidated (its Liquidated logs, read
 * from the store's "liquidations" cursor up to [chain] confirmations below the head;
 * the first pass only places the cursor), marks ACTIVE loans older than [admin]
 * default_after_days DEFAULTED, and fills nonce gaps with zero-value self-transfers. Safe to run
 * while the responders serve. Each action is also logged (event reconcile.*).
 */
lg_err lg_service_reconcile(lg_service *svc, lg_reconcile_report *report);

/* Receives one line per action reconcile takes ("loan 1b2c... confirmed"), for the
 * operator's terminal. */
typedef void (*lg_reconcile_note_fn)(void *ctx, const char *line);

/*
 * lg_service_reconcile, also telling note (may be NULL) each action. A loan or
 * repayment whose request still holds its lease (lg_store_set_lease: not run out,
 * owner alive or on another host) is left to that request, except for re-broadcasts
 * and confirmations, which are safe at any time; one whose owner has ended (killed
 * mid-request), whose request answered 202, or whose lease ran out is finished now.
 * A row that fails (a node error, a partner without a valid settlement address) is
 * told and left for the next pass; the pass goes on, and only a failing store stops it.
 * One pass runs at a time: it holds [store] state_dir/reconcile.lock, and a second
 * reconciler meanwhile gets LG_ERR_BUSY without doing anything.
 * Returns LG_OK (report filled), LG_ERR_INVALID (NULL, store-only service), LG_ERR_BUSY,
 * LG_ERR_IO (no lock file), or the first error met in the pass (the report and what
 * was done are kept).
 */
lg_err lg_service_reconcile_ex(lg_service *svc, lg_reconcile_report *report,
                               lg_reconcile_note_fn note, void *note_ctx);

#endif
