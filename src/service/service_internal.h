/*
 * service_internal.h - what borrow.c, repay.c and reconcile.c share inside the
 * service: the lg_service handle and the persist-then-broadcast helpers over the
 * sender and the store. Not installed; nothing outside src/service includes it.
 */
#ifndef LENDGATE_SERVICE_INTERNAL_H
#define LENDGATE_SERVICE_INTERNAL_H

#include <lendgate/contracts.h>
#include <lendgate/log.h>
#include <lendgate/nonce.h>
#include <lendgate/rpc.h>
#include <lendgate/sender.h>
#include <lendgate/service.h>

/* What the sender's persist callback records the next transaction for. */
typedef struct lg_svc_persist {
    const char *loan_id;      /* NULL when none */
    const char *repayment_id; /* NULL when none */
    lg_tx_purpose purpose;
    int persisted; /* set to 1 once lg_store_tx_record succeeded */
} lg_svc_persist;

struct lg_service {
    const lg_config *cfg; /* borrowed */
    lg_store *st;
    /* The chain side; all NULL/zero for a store-only service. */
    int has_chain;
    lg_rpc *rpc;
    lg_signer_ctx *signer;
    lg_privkey *key;
    lg_nonce_iface nonces;
    lg_contracts contracts;
    lg_sender sender;
    lg_svc_persist persist;
    uint64_t chain_id;
    uint8_t platform[LG_ADDRESS_LEN];
    char platform_hex[LG_ADDR_LEN]; /* lowercase, as the chain_txs rows keep it */
    uint64_t budget_ms;             /* [http] request_budget_ms */
    uint64_t poll_ms;               /* [chain] receipt_poll_ms */
};

/* Fills out with status and a printf-style message. */
void lg_svc_outcome(lg_outcome *out, int status, const char *fmt, ...) LG_PRINTF(3, 4);

/* The outcome of a failed store call: 503 when the database stayed busy, else 500. */
lg_err lg_svc_store_failed(lg_outcome *out, lg_err rc, const char *what);

/* The outcome of a failed chain call: 504 on a timeout, else 502 naming the node's
 * message. Returns rc. */
lg_err lg_svc_chain_failed(lg_service *svc, lg_outcome *out, lg_err rc, const char *what);

/* Milliseconds left until deadline (lg_time_mono_ms based), 0 when passed. */
uint64_t lg_svc_left_ms(int64_t deadline);

/*
 * Signs a call to `to` with data, records it in the store for (loan_id |
 * repayment_id, purpose) and broadcasts it. *tx is filled once signed; the caller
 * releases it with lg_signed_tx_release() in every case. *persisted (may be NULL)
 * says whether the store holds it (then the chain may hold it too).
 * use_nonce: sign at nonce instead of allocating one. A broadcast the node refuses
 * for a nonce too high is repeated for a while; still refused, it is LG_ERR_TIMEOUT
 * (persisted and good, for reconcile to send later).
 * Returns what lg_sender_send returns, or LG_ERR_TIMEOUT as above.
 */
lg_err lg_svc_send(lg_service *svc, lg_signed_tx *tx, int *persisted, const char *loan_id,
                   const char *repayment_id, lg_tx_purpose purpose, const uint8_t *to,
                   const uint8_t *data, size_t data_len, int use_nonce, uint64_t nonce);

/*
 * Waits up to timeout_ms for the receipt of hash_hex and records the result on the
 * stored transaction (MINED or REVERTED). For a revert, reason (cap bytes, may be
 * NULL) receives the decoded revert reason, from replaying data against `to` at the
 * receipt's block. Returns LG_OK (mined, status 1), LG_ERR_REVERTED, LG_ERR_TIMEOUT,
 * LG_ERR_NOT_FOUND (timeout 0 and not mined), or an rpc/store error.
 */
lg_err lg_svc_wait(lg_service *svc, const char *hash_hex, uint64_t timeout_ms, const uint8_t *to,
                   const uint8_t *data, size_t data_len, char *reason, size_t cap);

/* 1 when the last rpc failure was a node refusing a nonce above the one it expects
 * (an earlier transaction has not reached it: retry later, the bytes are good). */
int lg_svc_nonce_too_high(lg_service *svc);

/* The text of the rpc handle's last failure ("" when none), for messages. */
const char *lg_svc_rpc_text(lg_service *svc);

/* Call data of USDC.transfer(settlement, net) for loan, and of borrowUSDC. */
lg_err lg_svc_transfer_data(const lg_loan *loan, const char *settlement, uint8_t *data,
                            size_t *len);
lg_err lg_svc_borrow_data(const lg_loan *loan, uint8_t *data, size_t *len);

/* Sends the payout transfer of a SETTLING loan and waits up to timeout_ms; confirms
 * the loan when mined. Returns LG_OK (confirmed), LG_ERR_TIMEOUT (still settling),
 * LG_ERR_REVERTED (the transfer reverted: retry later), or an rpc/store error. */
lg_err lg_svc_payout(lg_service *svc, lg_loan *loan, const char *settlement, uint64_t timeout_ms);

#endif
