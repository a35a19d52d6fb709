/*
 * sender.h - signs and sends the platform wallet's transactions, crash-safely.
 *
 * One send goes:
 *   estimate gas (from = the platform wallet) and read the fees   -- before the nonce,
 *       so that a call that would revert never takes a nonce and leaves a gap
 *   -> allocate the nonce (lg_nonce_iface, shared by every worker)
 *   -> sign (EIP-1559, or legacy EIP-155 when the chain has no base fee)
 *   -> persist(ctx, the signed transaction)       -- BEFORE anything leaves the process;
 *       when persist fails nothing is sent
 *   -> eth_sendRawTransaction
 *   -> optionally wait for the receipt (bounded).
 * The persisted raw bytes can be broadcast again at any time (lg_sender_rebroadcast):
 * they are the same transaction, so a second copy is harmless.
 *
 * eth does not know the store: persist is the caller's function. The service records
 * the transaction there (lg_store_tx_record) with whatever loan or purpose it is for.
 *
 * An lg_sender only borrows what it is given (rpc, signer context, key, nonce
 * interface); it belongs to one process like its lg_rpc.
 */
#ifndef LENDGATE_SENDER_H
#define LENDGATE_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/fees.h>
#include <lendgate/nonce.h>
#include <lendgate/rpc.h>
#include <lendgate/signer.h>
#include <lendgate/u256.h>

#define LG_TX_HASH_TEXT_LEN 67          /* "0x" + 64 hex + NUL */
#define LG_SENDER_MAX_RAW   (64 * 1024) /* largest signed transaction accepted, in bytes */

/* A signed transaction. raw and raw_hex are malloc'd and owned by the struct. */
typedef struct lg_signed_tx {
    uint64_t chain_id;
    uint8_t from[LG_ADDRESS_LEN];
    char from_hex[LG_ADDRESS_TEXT_LEN]; /* lowercase "0x..." */
    uint8_t to[LG_ADDRESS_LEN];
    uint64_t nonce;
    uint64_t gas_limit;
    lg_fees fees;
    uint8_t hash[LG_RPC_HASH_LEN];
    char hash_hex[LG_TX_HASH_TEXT_LEN];
    uint8_t *raw;
    size_t raw_len;
    char *raw_hex; /* "0x..." of raw: what is persisted and re-broadcast */
} lg_signed_tx;

/* Frees raw and raw_hex and zeroes tx. NULL and a zeroed struct are fine. */
void lg_signed_tx_release(lg_signed_tx *tx);

/* Called with the signed transaction before it is broadcast; LG_OK lets it go out, any
 * other code stops the send (that code is returned). tx is valid during the call. */
typedef lg_err (*lg_sender_persist_fn)(void *ctx, const lg_signed_tx *tx);

typedef struct lg_sender_opts {
    uint64_t chain_id;
    unsigned gas_margin_pct;
    uint64_t receipt_timeout_ms;
    uint64_t receipt_poll_ms;
} lg_sender_opts;

typedef struct lg_sender {
    lg_rpc *rpc;
    const lg_signer_ctx *signer;
    const lg_privkey *key;
    const lg_nonce_iface *nonces;
    lg_sender_opts opts;
    uint8_t from[LG_ADDRESS_LEN]; /* the key's address */
    lg_sender_persist_fn persist;
    void *persist_ctx;
} lg_sender;

/* [chain] chain_id, gas_margin_pct, receipt_timeout_ms and receipt_poll_ms of cfg.
 * Returns LG_OK, LG_ERR_INVALID (NULL). */
lg_err lg_sender_opts_from_config(lg_sender_opts *out, const lg_config *cfg);

/*
 * Sets s up. Everything passed is borrowed and must outlive s. persist (may be NULL
 * for a sender that only signs) is called by lg_sender_send with persist_ctx.
 * rpc may be NULL for a sender that only signs requests its caller has priced
 * (gas_limit, fees and use_nonce all given: a chain client behind a table reads them);
 * such a sender never sends, waits or broadcasts (LG_ERR_INVALID).
 * Returns LG_OK, LG_ERR_INVALID (NULL argument, chain id 0, receipt_poll_ms 0),
 * LG_ERR_CRYPTO (the key has no address).
 */
lg_err lg_sender_init(lg_sender *s, lg_rpc *rpc, const lg_signer_ctx *signer, const lg_privkey *key,
                      const lg_nonce_iface *nonces, const lg_sender_opts *opts,
                      lg_sender_persist_fn persist, void *persist_ctx);

/* What to send. */
typedef struct lg_tx_request {
    const uint8_t *to;    /* required */
    const lg_u256 *value; /* wei; NULL = 0 */
    const uint8_t *data;  /* call data; NULL when data_len is 0 */
    size_t data_len;
    uint64_t gas_limit; /* 0 = eth_estimateGas + gas_margin_pct */
    int use_nonce;      /* 1: sign at .nonce instead of allocating one (a replacement
                           of a stuck transaction, or a gap fill) */
    uint64_t nonce;
    const lg_fees *fees; /* NULL = the node's current fees (lg_fees_fetch) */
} lg_tx_request;

/*
 * Signs req into *out without persisting or sending it (the first half of
 * lg_sender_send). On success the caller releases *out with lg_signed_tx_release();
 * on error *out is zeroed. A request with gas_limit, fees and use_nonce makes no
 * call to the node.
 * Returns LG_OK, LG_ERR_INVALID (NULL, no to, an unpriced request and no rpc),
 * LG_ERR_REVERTED (the gas estimate
 * reverted: the reason in lg_rpc_last_error(s->rpc); no nonce was taken),
 * LG_ERR_OVERFLOW, LG_ERR_NOMEM, LG_ERR_CRYPTO, an rpc call's error, or the nonce
 * interface's error.
 */
lg_err lg_sender_sign(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req);

/*
 * Signs req, persists it, broadcasts it. *out is filled from the moment the
 * transaction is signed, also when persisting or broadcasting then fails; the caller
 * releases it with lg_signed_tx_release() in every case.
 * Returns what lg_sender_sign returns, LG_ERR_INVALID (no persist function), the
 * persist function's error (nothing was sent), or lg_rpc_send_raw's error (the
 * transaction is persisted and may or may not have reached the node: re-broadcast it).
 */
lg_err lg_sender_send(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req);

/*
 * lg_sender_send, then lg_sender_wait for its receipt. On LG_OK and LG_ERR_REVERTED
 * *receipt holds the receipt (release it with lg_receipt_release()); otherwise it is
 * zeroed. A reverted transaction's reason is read by replaying the call at its block
 * (eth_call) into lg_rpc_last_error(s->rpc).
 * Returns what lg_sender_send returns, LG_ERR_TIMEOUT (not mined within
 * receipt_timeout_ms: it may still be), LG_ERR_REVERTED (mined with status 0).
 */
lg_err lg_sender_send_wait(lg_sender *s, lg_signed_tx *out, lg_receipt *receipt,
                           const lg_tx_request *req);

/*
 * Waits (receipt_timeout_ms, polling every receipt_poll_ms) for the receipt of hash.
 * On LG_OK and LG_ERR_REVERTED release *out with lg_receipt_release().
 * Returns LG_OK (status 1), LG_ERR_REVERTED (status 0), LG_ERR_TIMEOUT, LG_ERR_INVALID,
 * or an rpc call's error.
 */
lg_err lg_sender_wait(lg_sender *s, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN]);

/* Broadcasts tx (again). Returns what lg_rpc_send_raw returns. */
lg_err lg_sender_broadcast(lg_sender *s, const lg_signed_tx *tx);

/*
 * Re-broadcasts persisted signed bytes given as "0x" hex (lg_signed_tx.raw_hex, as the
 * store keeps them); hash (may be NULL) receives their transaction hash.
 * Returns LG_OK, LG_ERR_INVALID (NULL, not hex), LG_ERR_OVERFLOW (above
 * LG_SENDER_MAX_RAW), LG_ERR_NOMEM, or what lg_rpc_send_raw returns.
 */
lg_err lg_sender_rebroadcast(lg_sender *s, uint8_t hash[LG_RPC_HASH_LEN], const char *raw_hex);

/* The signed bytes of raw_hex ("0x" hex, as the store keeps them), at most
 * LG_SENDER_MAX_RAW of them. Out: *raw (the caller frees it), *len. Returns LG_OK,
 * LG_ERR_INVALID (NULL, not hex, empty), LG_ERR_OVERFLOW, LG_ERR_NOMEM. */
lg_err lg_sender_raw_decode(const char *raw_hex, uint8_t **raw, size_t *len);

#endif
