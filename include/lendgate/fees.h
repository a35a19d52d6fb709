/*
 * fees.h - what a transaction of the platform wallet pays: EIP-1559 fee caps (or a
 * legacy gas price on chains without a base fee), the gas limit, and the higher fees
 * a replacement of a stuck transaction needs.
 *
 *   max_priority_fee = eth_maxPriorityFeePerGas, or when the node lacks it the median
 *                      of the 50th-percentile rewards of the last blocks (eth_feeHistory)
 *   max_fee          = 2 * base fee of the latest block + max_priority_fee: room for the
 *                      base fee to double (six full blocks) before the tx is priced out
 *   legacy           = eth_gasPrice, when the latest block has no baseFeePerGas
 *   gas limit        = eth_estimateGas (from = the platform wallet) + gas_margin_pct
 *   replacement      = each fee at least 10% above the replaced version, rounded up
 *                      (the pools' price-bump rule), and never below the current fees
 *
 * All fees are wei in uint64_t (18.4 ETH per gas at most, far above any real price);
 * every sum and product is overflow-checked. Nothing here allocates.
 */
#ifndef LENDGATE_FEES_H
#define LENDGATE_FEES_H

#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/rpc.h>

#define LG_FEES_HISTORY_BLOCKS     5
#define LG_FEES_HISTORY_PERCENTILE 50
#define LG_FEES_BUMP_PCT           10

typedef struct lg_fees {
    int eip1559;               /* 1: type-2 fields below; 0: legacy gas_price */
    uint64_t base_fee;         /* latest block's base fee (0 when legacy) */
    uint64_t max_priority_fee; /* EIP-1559 */
    uint64_t max_fee;          /* EIP-1559 */
    uint64_t gas_price;        /* legacy */
} lg_fees;

/* Fills *out as EIP-1559 fees: max_fee = 2 * base_fee + priority.
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (*out is then zeroed). */
lg_err lg_fees_from_base(lg_fees *out, uint64_t base_fee, uint64_t priority);

/* The priority fee from fee-history rewards: the median (lower middle) of the n
 * values. Returns LG_OK, LG_ERR_INVALID (NULL, or n is 0). */
lg_err lg_fees_median_reward(uint64_t *out, const uint64_t *rewards, size_t n);

/*
 * Reads the current fees from the node: base fee of the latest block, then the
 * priority fee (eth_maxPriorityFeePerGas; eth_feeHistory when the node answers that
 * call with an error), or eth_gasPrice when the chain has no base fee.
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW, or the rpc call's error.
 */
lg_err lg_fees_fetch(lg_rpc *rpc, lg_fees *out);

/* v raised by pct percent, rounded up: v + ceil(v * pct / 100).
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW. */
lg_err lg_fees_raise(uint64_t *out, uint64_t v, unsigned pct);

/*
 * Fees for a replacement of a transaction sent with prev: every field at least
 * LG_FEES_BUMP_PCT percent above prev (rounded up, and at least 1 wei above it), and
 * at least as high as current (may be NULL) when the market has risen since. The kind
 * (EIP-1559 or legacy) stays prev's, since a replacement repeats the same transaction.
 * Returns LG_OK, LG_ERR_INVALID (NULL prev or out), LG_ERR_OVERFLOW.
 */
lg_err lg_fees_replacement(lg_fees *out, const lg_fees *prev, const lg_fees *current);

/* *out = gas + gas_margin_pct percent, rounded up. Returns LG_OK, LG_ERR_INVALID,
 * LG_ERR_OVERFLOW. */
lg_err lg_fees_gas_with_margin(uint64_t *out, uint64_t gas, unsigned margin_pct);

/*
 * eth_estimateGas of args (args->from should be the platform wallet, so that the
 * contracts see the real caller) plus margin_pct.
 * Returns LG_OK, LG_ERR_REVERTED (the call would revert: reason in
 * lg_rpc_last_error()), LG_ERR_OVERFLOW, LG_ERR_INVALID, or the rpc call's error.
 */
lg_err lg_fees_estimate_gas(lg_rpc *rpc, uint64_t *gas, const lg_rpc_call_args *args,
                            unsigned margin_pct);

#endif
