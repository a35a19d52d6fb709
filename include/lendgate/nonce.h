/*
 * nonce.h - nonces of the platform wallet, handed out once each across every worker.
 *
 * eth does not know where nonces are kept: the caller supplies an lg_nonce_iface (the
 * service plugs in the store's atomic counter, see nonce_store.h; a test may plug in
 * anything). This module adds the chain's side: the counter starts from the node's
 * eth_getTransactionCount(address, "pending") on first use, and an operator resync
 * resets it to that value.
 *
 * Addresses go through the interface as their 20 bytes; the implementation chooses the
 * text form it keys on.
 */
#ifndef LENDGATE_NONCE_H
#define LENDGATE_NONCE_H

#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/error.h>
#include <lendgate/rpc.h>

typedef struct lg_nonce_iface {
    void *ctx; /* handed to every function below; owned by whoever built the iface */
    /* Hands out the next nonce for (chain_id, address) and advances the counter,
     * atomically across processes. Returns LG_OK, LG_ERR_NOT_FOUND (no counter yet),
     * or the backend's error. */
    lg_err (*allocate)(void *ctx, uint64_t chain_id, const uint8_t address[LG_ADDRESS_LEN],
                       uint64_t *nonce);
    /* Creates the counter at value unless one exists (then nothing changes).
     * *created (may be NULL) says which. Returns LG_OK or the backend's error. */
    lg_err (*init)(void *ctx, uint64_t chain_id, const uint8_t address[LG_ADDRESS_LEN],
                   uint64_t value, int *created);
    /* Sets the counter to value whatever it was; *previous (may be NULL) receives the
     * old value, UINT64_MAX when there was none. Returns LG_OK or the backend's error. */
    lg_err (*resync)(void *ctx, uint64_t chain_id, const uint8_t address[LG_ADDRESS_LEN],
                     uint64_t value, uint64_t *previous);
} lg_nonce_iface;

/* Where a counter starts: the node's pending transaction count of address
 * (eth_getTransactionCount(address, "pending")). Returns LG_OK or the call's error. */
typedef lg_err (*lg_nonce_pending_fn)(void *ctx, const uint8_t address[LG_ADDRESS_LEN],
                                      uint64_t *pending);

/*
 * The next nonce of address: allocate, and on first use (no counter yet) create the
 * counter from the node's pending transaction count and allocate again. Concurrent
 * first uses are fine: init creates the counter once and the others keep it.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument or incomplete iface), the rpc call's
 * error, or the interface's error.
 */
lg_err lg_nonce_next(const lg_nonce_iface *iface, lg_rpc *rpc, uint64_t chain_id,
                     const uint8_t address[LG_ADDRESS_LEN], uint64_t *nonce);

/* lg_nonce_next with the pending count read by pending(pending_ctx, ...) instead of
 * an rpc handle (a chain client behind a table). Returns as lg_nonce_next, pending's
 * error in place of the rpc call's. */
lg_err lg_nonce_next_from(const lg_nonce_iface *iface, lg_nonce_pending_fn pending,
                          void *pending_ctx, uint64_t chain_id,
                          const uint8_t address[LG_ADDRESS_LEN], uint64_t *nonce);

/*
 * Operator resync (`lendgatectl nonce resync`): reads eth_getTransactionCount(address,
 * "pending") and sets the counter to it. *old_value (may be NULL) receives the counter
 * before (UINT64_MAX when there was none), *new_value (may be NULL) the value set.
 * Only safe while no worker is signing: a transaction signed meanwhile may be given a
 * nonce again.
 * Returns LG_OK, LG_ERR_INVALID, the rpc call's error, or the interface's error.
 */
lg_err lg_nonce_resync(const lg_nonce_iface *iface, lg_rpc *rpc, uint64_t chain_id,
                       const uint8_t address[LG_ADDRESS_LEN], uint64_t *old_value,
                       uint64_t *new_value);

/* lg_nonce_resync with the pending count read by pending(pending_ctx, ...). Returns as
 * lg_nonce_resync, pending's error in place of the rpc call's. */
lg_err lg_nonce_resync_from(const lg_nonce_iface *iface, lg_nonce_pending_fn pending,
                            void *pending_ctx, uint64_t chain_id,
                            const uint8_t address[LG_ADDRESS_LEN], uint64_t *old_value,
                            uint64_t *new_value);

#endif
