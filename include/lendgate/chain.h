/*
 * chain.h - the chain client the pipelines use, behind a small function table (the
 * shape of store_backend.h): a name, the operations, private data.
 *
 * Two implementations plug in: "rpc" (lg_chain_open_rpc: the JSON-RPC client of
 * rpc.h, the contract bindings of contracts.h and the fee reads of fees.h, exactly as
 * they behave on their own) and, in the unit tests, a scripted fake
 * (tests/unit/fake_chain.h). What the chain client does not do is sign or keep
 * anything: the service signs with its own key, persists the signed bytes in the
 * store and only then hands them to lg_chain_send_raw, whichever chain is plugged in.
 *
 * Every operation means what its counterpart in rpc.h or contracts.h means, with the
 * same return codes; the details of the last failure are in lg_chain_last_error().
 * The dispatch functions below check their arguments once (NULL -> LG_ERR_INVALID) and
 * answer LG_ERR_UNSUPPORTED for an operation the table leaves NULL.
 */
#ifndef LENDGATE_CHAIN_H
#define LENDGATE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/config.h>
#include <lendgate/contracts.h>
#include <lendgate/error.h>
#include <lendgate/fees.h>
#include <lendgate/rpc.h>
#include <lendgate/u256.h>

typedef struct lg_chain lg_chain;

/* The most blocks one log query covers: nodes refuse (or take long over) wide ranges,
 * so a scan goes in steps of at most this many. */
#define LG_CHAIN_LOG_SPAN 1000

typedef struct lg_chain_ops {
    const char *name;

    /* Contract reads at "latest" (contracts.h: lg_oaid_owner_of, lg_oaid_credit_line,
     * lg_vault_position_of, lg_vault_get_position, lg_usdc_allowance,
     * lg_usdc_balance_of). */
    lg_err (*owner_of)(lg_chain *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *oaid);
    lg_err (*credit_line)(lg_chain *c, lg_credit_line *out, const lg_u256 *oaid);
    lg_err (*position_of)(lg_chain *c, lg_u256 *position_id, const lg_u256 *oaid);
    lg_err (*get_position)(lg_chain *c, lg_vault_position *out, const lg_u256 *position_id);
    lg_err (*allowance)(lg_chain *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                        const uint8_t spender[LG_ADDRESS_LEN]);
    lg_err (*usdc_balance)(lg_chain *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN]);

    /* What a transaction needs before it is signed: the node's gas estimate (no
     * margin added), the current fees (lg_fees_fetch) and the address's pending
     * transaction count (the first nonce of a new counter). */
    lg_err (*estimate_gas)(lg_chain *c, uint64_t *gas, const lg_rpc_call_args *args);
    lg_err (*fees)(lg_chain *c, lg_fees *out);
    lg_err (*pending_nonce)(lg_chain *c, uint64_t *nonce, const uint8_t address[LG_ADDRESS_LEN]);
    /* The address's ether in wei (lg_rpc_get_balance): what gas is paid from. */
    lg_err (*balance)(lg_chain *c, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN]);
    /* The latest block's number (lg_rpc_block_number): how deep a receipt is. */
    lg_err (*block_number)(lg_chain *c, uint64_t *number);
    /* Bounds every later call by mono_ms, 0 lifts it (lg_rpc_set_deadline). May be
     * NULL for a chain whose calls never wait. */
    void (*set_deadline)(lg_chain *c, int64_t mono_ms);

    /* eth_sendRawTransaction of signed bytes (lg_rpc_send_raw, "already known" is
     * success); hash receives their transaction hash. */
    lg_err (*send_raw)(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw, size_t len);

    /* Receipts and the pool (lg_rpc_get_receipt, lg_rpc_wait_receipt, lg_rpc_get_tx). */
    lg_err (*get_receipt)(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN]);
    lg_err (*wait_receipt)(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                           uint64_t timeout_ms, uint64_t poll_ms);
    lg_err (*get_tx)(lg_chain *c, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN]);

    /* eth_call at block (lg_rpc_eth_call): how a mined revert's reason is read. */
    lg_err (*call)(lg_chain *c, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                   uint64_t block);

    /* The vault's Liquidated logs of blocks from_block..to_block (inclusive; at most
     * LG_CHAIN_LOG_SPAN blocks, checked by lg_chain_liquidations), in chain order:
     * eth_getLogs filtered on the vault and the event's topic, decoded by
     * lg_vault_liquidations. *out is malloc'd, freed by the caller with free(). */
    lg_err (*liquidations)(lg_chain *c, lg_liquidation **out, size_t *n, uint64_t from_block,
                           uint64_t to_block);

    /* The last failure (err LG_OK after a success); never NULL. */
    const lg_rpc_error *(*last_error)(const lg_chain *c);

    /* Frees priv (not the lg_chain: lg_chain_close does). May be NULL. */
    void (*close)(lg_chain *c);
} lg_chain_ops;

struct lg_chain {
    const lg_chain_ops *ops;
    void *priv; /* the implementation's own state */
    /* The contracts the platform wallet calls: the targets of its transactions and the
     * token whose Transfer logs prove a partner's payment. */
    uint8_t oaid[LG_ADDRESS_LEN];
    uint8_t vault[LG_ADDRESS_LEN];
    uint8_t usdc[LG_ADDRESS_LEN];
};

/*
 * Opens the "rpc" chain from cfg: the node at [chain] rpc_url (its chain id must be
 * [chain] chain_id, so that nothing is ever signed for another chain) and the
 * contracts at oaid_address, vault_address and usdc_address. *out is owned by the
 * caller and released with lg_chain_close(). err receives one line on failure, never
 * the URL. Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_CONFIG (an address unset,
 * another chain), or what lg_rpc_open_config and lg_rpc_check_chain return.
 */
lg_err lg_chain_open_rpc(lg_chain **out, const lg_config *cfg, char *err, size_t errlen);

/* Calls ops->close and frees c. NULL is fine. */
void lg_chain_close(lg_chain *c);

/* The table's name ("rpc"); "" for NULL. */
const char *lg_chain_name(const lg_chain *c);

/* The "rpc" chain's client and bindings, borrowed until lg_chain_close, for tools
 * and tests that inspect the node; NULL for NULL or any other chain. */
lg_rpc *lg_chain_rpc(lg_chain *c);
lg_contracts *lg_chain_contracts(lg_chain *c);

/* The operations of the table (see lg_chain_ops). */
lg_err lg_chain_owner_of(lg_chain *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *oaid);
lg_err lg_chain_credit_line(lg_chain *c, lg_credit_line *out, const lg_u256 *oaid);
lg_err lg_chain_position_of(lg_chain *c, lg_u256 *position_id, const lg_u256 *oaid);
lg_err lg_chain_get_position(lg_chain *c, lg_vault_position *out, const lg_u256 *position_id);
lg_err lg_chain_allowance(lg_chain *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                          const uint8_t spender[LG_ADDRESS_LEN]);
lg_err lg_chain_usdc_balance(lg_chain *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN]);
lg_err lg_chain_estimate_gas(lg_chain *c, uint64_t *gas, const lg_rpc_call_args *args);
lg_err lg_chain_fees(lg_chain *c, lg_fees *out);
lg_err lg_chain_pending_nonce(lg_chain *c, uint64_t *nonce, const uint8_t address[LG_ADDRESS_LEN]);
lg_err lg_chain_balance(lg_chain *c, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN]);
lg_err lg_chain_block_number(lg_chain *c, uint64_t *number);
void lg_chain_set_deadline(lg_chain *c, int64_t mono_ms);
lg_err lg_chain_send_raw(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw,
                         size_t len);
lg_err lg_chain_get_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN]);
lg_err lg_chain_wait_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                             uint64_t timeout_ms, uint64_t poll_ms);
lg_err lg_chain_get_tx(lg_chain *c, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN]);
lg_err lg_chain_call(lg_chain *c, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                     uint64_t block);

/*
 * The vault's liquidations mined in blocks from_block..to_block, inclusive.
 * Out: *out (malloc'd, caller free()s; NULL when *n == 0), *n.
 * Returns LG_OK, LG_ERR_INVALID (NULL, to_block < from_block, or more than
 * LG_CHAIN_LOG_SPAN blocks), LG_ERR_UNSUPPORTED, or what eth_getLogs returns
 * (LG_ERR_RPC also for a malformed Liquidated log).
 */
lg_err lg_chain_liquidations(lg_chain *c, lg_liquidation **out, size_t *n, uint64_t from_block,
                             uint64_t to_block);

/*
 * Broadcasts persisted signed bytes given as "0x" hex again (what the store keeps);
 * hash (may be NULL) receives their transaction hash. The same bytes are the same
 * transaction, so a second copy is harmless.
 * Returns LG_OK, LG_ERR_INVALID (NULL, not hex, empty), LG_ERR_OVERFLOW (above
 * LG_SENDER_MAX_RAW bytes), LG_ERR_NOMEM, or what send_raw returns.
 */
lg_err lg_chain_send_hex(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const char *raw_hex);

/* The last failure of c; a cleared error for NULL or a table without last_error.
 * Valid until the next operation on c. */
const lg_rpc_error *lg_chain_last_error(const lg_chain *c);

/* lg_rpc_error_text of the last failure: "" when none. */
const char *lg_chain_error_text(const lg_chain *c);

#endif
