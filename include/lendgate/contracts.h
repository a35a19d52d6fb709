/*
 * contracts.h - typed bindings of the lending contracts (docs/contracts.md): OAID
 * credit lines, SolvencyVault positions, USDC balances, and the call data of the
 * transactions the platform wallet sends (borrowUSDC, repayLoan, transfer, approve).
 *
 * Reads are eth_call at "latest" through the borrowed lg_rpc; a read that reverts
 * returns LG_ERR_REVERTED with the decoded reason in lg_rpc_last_error(c->rpc)
 * (revert.message, e.g. "OAID: invalid token"). Return data that does not decode as
 * the function promises is LG_ERR_RPC (also recorded there). Call-data builders write
 * into caller buffers and do not allocate.
 */
#ifndef LENDGATE_CONTRACTS_H
#define LENDGATE_CONTRACTS_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/rpc.h>
#include <lendgate/u256.h>

/* Selector and two argument words: every transaction the platform wallet sends. */
#define LG_CALLDATA_MAX 68

typedef struct lg_contracts {
    lg_rpc *rpc; /* borrowed */
    uint8_t oaid[LG_ADDRESS_LEN];
    uint8_t vault[LG_ADDRESS_LEN];
    uint8_t usdc[LG_ADDRESS_LEN];
} lg_contracts;

/* Sets up bindings with the three contract addresses. Returns LG_OK, LG_ERR_INVALID
 * (NULL argument). */
lg_err lg_contracts_init(lg_contracts *c, lg_rpc *rpc, const uint8_t oaid[LG_ADDRESS_LEN],
                         const uint8_t vault[LG_ADDRESS_LEN], const uint8_t usdc[LG_ADDRESS_LEN]);

/* The same with [chain] oaid_address, vault_address and usdc_address from cfg.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument), LG_ERR_CONFIG (an address unset). */
lg_err lg_contracts_init_config(lg_contracts *c, lg_rpc *rpc, const lg_config *cfg);

typedef struct lg_credit_line {
    lg_u256 limit; /* USDC base units */
    lg_u256 used;
    int active;
} lg_credit_line;

typedef struct lg_vault_position {
    uint8_t user[LG_ADDRESS_LEN];
    lg_u256 oaid_token_id;
    uint8_t collateral_token[LG_ADDRESS_LEN];
    lg_u256 collateral_amount;
    lg_u256 collateral_value; /* USDC base units */
    lg_u256 usdc_borrowed;
    lg_u256 health_factor; /* 1e18 = at the LTV limit; 2^256-1 when nothing is owed */
    int active;
    unsigned token_type; /* 0 RWA, 1 private asset */
} lg_vault_position;

/* OAID.ownerOf(tokenId). Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_REVERTED
 * ("OAID: invalid token"), LG_ERR_RPC, or the rpc call's error. */
lg_err lg_oaid_owner_of(lg_contracts *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *token_id);

/* OAID.getCreditLine(tokenId) -> (limit, used, active). Returns as lg_oaid_owner_of. */
lg_err lg_oaid_credit_line(lg_contracts *c, lg_credit_line *out, const lg_u256 *token_id);

/* SolvencyVault.positionOf(oaid): 0 when the OAID has no position. Returns LG_OK,
 * LG_ERR_INVALID, LG_ERR_RPC, or the rpc call's error. */
lg_err lg_vault_position_of(lg_contracts *c, lg_u256 *position_id, const lg_u256 *oaid);

/* SolvencyVault.getPosition(positionId), every field. Returns LG_OK, LG_ERR_INVALID,
 * LG_ERR_REVERTED ("Vault: invalid position"), LG_ERR_RPC, or the rpc call's error. */
lg_err lg_vault_get_position(lg_contracts *c, lg_vault_position *out, const lg_u256 *position_id);

/* USDC.balanceOf(holder). Returns LG_OK, LG_ERR_INVALID, LG_ERR_RPC, or a call error. */
lg_err lg_usdc_balance_of(lg_contracts *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN]);

/* USDC.allowance(owner, spender). Returns as lg_usdc_balance_of. */
lg_err lg_usdc_allowance(lg_contracts *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                         const uint8_t spender[LG_ADDRESS_LEN]);

/* Call data of SolvencyVault.borrowUSDC(positionId, amount) and repayLoan(positionId,
 * amount) into out; *len receives its size (68). Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_vault_borrow_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                                const lg_u256 *position_id, const lg_u256 *amount);
lg_err lg_vault_repay_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                               const lg_u256 *position_id, const lg_u256 *amount);

/* Call data of USDC.transfer(to, amount) and approve(spender, amount). Returns
 * LG_OK, LG_ERR_INVALID. */
lg_err lg_usdc_transfer_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                                 const uint8_t to[LG_ADDRESS_LEN], const lg_u256 *amount);
lg_err lg_usdc_approve_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                                const uint8_t spender[LG_ADDRESS_LEN], const lg_u256 *amount);

/* An ERC-20 Transfer(address indexed from, address indexed to, uint256 value). */
typedef struct lg_erc20_transfer {
    uint8_t from[LG_ADDRESS_LEN];
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 value;
    uint64_t log_index;
} lg_erc20_transfer;

/*
 * The ERC-20 Transfer events that token emitted among logs[0..nlogs) (a receipt's
 * logs, or eth_getLogs'), in order. Logs of other contracts are skipped, and so are
 * token logs of other events; ERC-721 Transfers (same topic0, four topics) never match.
 * *out is a malloc'd array freed by the caller with free() (NULL when *n is 0).
 * Returns LG_OK, LG_ERR_INVALID (NULL argument, or a Transfer log of token that is
 * malformed: wrong topic count, unclean address, data not one word), LG_ERR_NOMEM.
 */
lg_err lg_erc20_transfers(lg_erc20_transfer **out, size_t *n, const lg_eth_log *logs, size_t nlogs,
                          const uint8_t token[LG_ADDRESS_LEN]);

/* The event signature of the vault's liquidations, whose keccak256 is topic 0. */
#define LG_VAULT_LIQUIDATED_EVENT "Liquidated(uint256,address,uint256)"

/* A SolvencyVault Liquidated(uint256 indexed positionId, address indexed user,
 * uint256 debtCleared): the vault cleared the position's debt and closed it. */
typedef struct lg_liquidation {
    lg_u256 position_id;
    uint8_t user[LG_ADDRESS_LEN];
    lg_u256 debt_cleared;
    uint8_t tx_hash[LG_RPC_HASH_LEN];
    uint64_t block_number;
    uint64_t log_index;
} lg_liquidation;

/*
 * The Liquidated events vault emitted among logs[0..nlogs), in order; logs of other
 * contracts and events are skipped. *out is a malloc'd array freed by the caller with
 * free() (NULL when *n is 0). Returns LG_OK, LG_ERR_INVALID (NULL argument, or a
 * Liquidated log of vault that is malformed: wrong topic count, unclean address, data
 * not one word), LG_ERR_NOMEM.
 */
lg_err lg_vault_liquidations(lg_liquidation **out, size_t *n, const lg_eth_log *logs, size_t nlogs,
                             const uint8_t vault[LG_ADDRESS_LEN]);

#endif
