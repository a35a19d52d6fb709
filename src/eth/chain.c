/* chain.c - the chain table's dispatch, and its "rpc" implementation over the JSON-RPC
 * client, the contract bindings and the fee reads. */
#include "config.h"

#include <lendgate/abi.h>
#include <lendgate/chain.h>
#include <lendgate/sender.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- dispatch */

#define DISPATCH(c, op, ...)                                                                       \
    do {                                                                                           \
        if (!(c) || !(c)->ops)                                                                     \
            return LG_ERR_INVALID;                                                                 \
        if (!(c)->ops->op)                                                                         \
            return LG_ERR_UNSUPPORTED;                                                             \
        return (c)->ops->op((c), __VA_ARGS__);                                                     \
    } while (0)

void lg_chain_close(lg_chain *c)
{
    if (!c)
        return;
    if (c->ops && c->ops->close)
        c->ops->close(c);
    free(c);
}

const char *lg_chain_name(const lg_chain *c)
{
    return c && c->ops && c->ops->name ? c->ops->name : "";
}

lg_err lg_chain_owner_of(lg_chain *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *oaid)
{
    if (!owner || !oaid)
        return LG_ERR_INVALID;
    DISPATCH(c, owner_of, owner, oaid);
}

lg_err lg_chain_credit_line(lg_chain *c, lg_credit_line *out, const lg_u256 *oaid)
{
    if (!out || !oaid)
        return LG_ERR_INVALID;
    DISPATCH(c, credit_line, out, oaid);
}

lg_err lg_chain_position_of(lg_chain *c, lg_u256 *position_id, const lg_u256 *oaid)
{
    if (!position_id || !oaid)
        return LG_ERR_INVALID;
    DISPATCH(c, position_of, position_id, oaid);
}

lg_err lg_chain_get_position(lg_chain *c, lg_vault_position *out, const lg_u256 *position_id)
{
    if (!out || !position_id)
        return LG_ERR_INVALID;
    DISPATCH(c, get_position, out, position_id);
}

lg_err lg_chain_allowance(lg_chain *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                          const uint8_t spender[LG_ADDRESS_LEN])
{
    if (!out || !owner || !spender)
        return LG_ERR_INVALID;
    DISPATCH(c, allowance, out, owner, spender);
}

lg_err lg_chain_usdc_balance(lg_chain *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN])
{
    if (!out || !holder)
        return LG_ERR_INVALID;
    DISPATCH(c, usdc_balance, out, holder);
}

lg_err lg_chain_estimate_gas(lg_chain *c, uint64_t *gas, const lg_rpc_call_args *args)
{
    if (!gas || !args)
        return LG_ERR_INVALID;
    DISPATCH(c, estimate_gas, gas, args);
}

lg_err lg_chain_fees(lg_chain *c, lg_fees *out)
{
    if (!out)
        return LG_ERR_INVALID;
    DISPATCH(c, fees, out);
}

lg_err lg_chain_pending_nonce(lg_chain *c, uint64_t *nonce, const uint8_t address[LG_ADDRESS_LEN])
{
    if (!nonce || !address)
        return LG_ERR_INVALID;
    DISPATCH(c, pending_nonce, nonce, address);
}

lg_err lg_chain_balance(lg_chain *c, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN])
{
    if (!wei || !address)
        return LG_ERR_INVALID;
    DISPATCH(c, balance, wei, address);
}

lg_err lg_chain_block_number(lg_chain *c, uint64_t *number)
{
    if (!number)
        return LG_ERR_INVALID;
    DISPATCH(c, block_number, number);
}

void lg_chain_set_deadline(lg_chain *c, int64_t mono_ms)
{
    if (c && c->ops && c->ops->set_deadline)
        c->ops->set_deadline(c, mono_ms);
}

lg_err lg_chain_send_raw(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw, size_t len)
{
    if (!hash || !raw || !len)
        return LG_ERR_INVALID;
    DISPATCH(c, send_raw, hash, raw, len);
}

lg_err lg_chain_get_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    if (!out || !hash)
        return LG_ERR_INVALID;
    DISPATCH(c, get_receipt, out, hash);
}

lg_err lg_chain_wait_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                             uint64_t timeout_ms, uint64_t poll_ms)
{
    if (!out || !hash)
        return LG_ERR_INVALID;
    DISPATCH(c, wait_receipt, out, hash, timeout_ms, poll_ms);
}

lg_err lg_chain_get_tx(lg_chain *c, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    if (!out || !hash)
        return LG_ERR_INVALID;
    DISPATCH(c, get_tx, out, hash);
}

lg_err lg_chain_call(lg_chain *c, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                     uint64_t block)
{
    if (!out || !out_len || !args)
        return LG_ERR_INVALID;
    *out = NULL;
    DISPATCH(c, call, out, out_len, args, block);
}

lg_err lg_chain_liquidations(lg_chain *c, lg_liquidation **out, size_t *n, uint64_t from_block,
                             uint64_t to_block)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!out || !n || to_block < from_block || to_block - from_block >= LG_CHAIN_LOG_SPAN)
        return LG_ERR_INVALID;
    DISPATCH(c, liquidations, out, n, from_block, to_block);
}

lg_err lg_chain_send_hex(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const char *raw_hex)
{
    uint8_t h[LG_RPC_HASH_LEN];
    uint8_t *raw = NULL;
    size_t len = 0;
    if (!c || !raw_hex)
        return LG_ERR_INVALID;
    lg_err err = lg_sender_raw_decode(raw_hex, &raw, &len);
    if (err == LG_OK)
        err = lg_chain_send_raw(c, h, raw, len);
    if (err == LG_OK && hash)
        memcpy(hash, h, sizeof h);
    free(raw);
    return err;
}

const lg_rpc_error *lg_chain_last_error(const lg_chain *c)
{
    static const lg_rpc_error none;
    const lg_rpc_error *e = NULL;
    if (c && c->ops && c->ops->last_error)
        e = c->ops->last_error(c);
    return e ? e : &none;
}

const char *lg_chain_error_text(const lg_chain *c)
{
    return lg_rpc_error_text(lg_chain_last_error(c));
}

/* ------------------------------------------------------------- "rpc" */

typedef struct rpc_chain {
    lg_rpc *rpc; /* owned */
    lg_contracts contracts;
} rpc_chain;

static rpc_chain *priv_of(const lg_chain *c)
{
    return c->priv;
}

static lg_err rpc_owner_of(lg_chain *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *oaid)
{
    return lg_oaid_owner_of(&priv_of(c)->contracts, owner, oaid);
}

static lg_err rpc_credit_line(lg_chain *c, lg_credit_line *out, const lg_u256 *oaid)
{
    return lg_oaid_credit_line(&priv_of(c)->contracts, out, oaid);
}

static lg_err rpc_position_of(lg_chain *c, lg_u256 *position_id, const lg_u256 *oaid)
{
    return lg_vault_position_of(&priv_of(c)->contracts, position_id, oaid);
}

static lg_err rpc_get_position(lg_chain *c, lg_vault_position *out, const lg_u256 *position_id)
{
    return lg_vault_get_position(&priv_of(c)->contracts, out, position_id);
}

static lg_err rpc_allowance(lg_chain *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                            const uint8_t spender[LG_ADDRESS_LEN])
{
    return lg_usdc_allowance(&priv_of(c)->contracts, out, owner, spender);
}

static lg_err rpc_usdc_balance(lg_chain *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN])
{
    return lg_usdc_balance_of(&priv_of(c)->contracts, out, holder);
}

static lg_err rpc_estimate_gas(lg_chain *c, uint64_t *gas, const lg_rpc_call_args *args)
{
    return lg_rpc_estimate_gas(priv_of(c)->rpc, gas, args);
}

static lg_err rpc_fees(lg_chain *c, lg_fees *out)
{
    return lg_fees_fetch(priv_of(c)->rpc, out);
}

static lg_err rpc_pending_nonce(lg_chain *c, uint64_t *nonce, const uint8_t address[LG_ADDRESS_LEN])
{
    return lg_rpc_get_nonce(priv_of(c)->rpc, nonce, address);
}

static lg_err rpc_balance(lg_chain *c, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN])
{
    return lg_rpc_get_balance(priv_of(c)->rpc, wei, address);
}

static lg_err rpc_block_number(lg_chain *c, uint64_t *number)
{
    return lg_rpc_block_number(priv_of(c)->rpc, number);
}

static void rpc_set_deadline(lg_chain *c, int64_t mono_ms)
{
    lg_rpc_set_deadline(priv_of(c)->rpc, mono_ms);
}

static lg_err rpc_send_raw(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw,
                           size_t len)
{
    return lg_rpc_send_raw(priv_of(c)->rpc, hash, raw, len);
}

static lg_err rpc_get_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    return lg_rpc_get_receipt(priv_of(c)->rpc, out, hash);
}

static lg_err rpc_wait_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                               uint64_t timeout_ms, uint64_t poll_ms)
{
    return lg_rpc_wait_receipt(priv_of(c)->rpc, out, hash, timeout_ms, poll_ms);
}

static lg_err rpc_get_tx(lg_chain *c, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    return lg_rpc_get_tx(priv_of(c)->rpc, out, hash);
}

static lg_err rpc_call(lg_chain *c, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                       uint64_t block)
{
    return lg_rpc_eth_call(priv_of(c)->rpc, out, out_len, args, block);
}

static lg_err rpc_liquidations(lg_chain *c, lg_liquidation **out, size_t *n, uint64_t from_block,
                               uint64_t to_block)
{
    uint8_t topic0[32];
    lg_eth_log *logs = NULL;
    size_t nlogs = 0;
    lg_err err = lg_abi_event_topic(topic0, LG_VAULT_LIQUIDATED_EVENT);
    if (err != LG_OK)
        return err;
    lg_rpc_log_filter f = {.address = c->vault, .from_block = from_block, .to_block = to_block};
    f.topics[0] = topic0;
    err = lg_rpc_get_logs(priv_of(c)->rpc, &logs, &nlogs, &f);
    if (err == LG_OK)
        err = lg_vault_liquidations(out, n, logs, nlogs, c->vault);
    lg_eth_logs_free(logs, nlogs);
    /* A log of our vault that does not decode is the node's answer gone wrong. */
    return err == LG_ERR_INVALID ? LG_ERR_RPC : err;
}

static const lg_rpc_error *rpc_last_error(const lg_chain *c)
{
    return lg_rpc_last_error(priv_of(c)->rpc);
}

static void rpc_close(lg_chain *c)
{
    rpc_chain *r = priv_of(c);
    if (!r)
        return;
    lg_rpc_close(r->rpc);
    free(r);
    c->priv = NULL;
}

static const lg_chain_ops rpc_ops = {
    .name = "rpc",
    .owner_of = rpc_owner_of,
    .credit_line = rpc_credit_line,
    .position_of = rpc_position_of,
    .get_position = rpc_get_position,
    .allowance = rpc_allowance,
    .usdc_balance = rpc_usdc_balance,
    .estimate_gas = rpc_estimate_gas,
    .fees = rpc_fees,
    .pending_nonce = rpc_pending_nonce,
    .balance = rpc_balance,
    .block_number = rpc_block_number,
    .set_deadline = rpc_set_deadline,
    .send_raw = rpc_send_raw,
    .get_receipt = rpc_get_receipt,
    .wait_receipt = rpc_wait_receipt,
    .get_tx = rpc_get_tx,
    .call = rpc_call,
    .liquidations = rpc_liquidations,
    .last_error = rpc_last_error,
    .close = rpc_close,
};

static lg_err open_failed(lg_chain *c, lg_err rc, char *err, size_t errlen, const char *what,
                          const char *detail)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, detail && *detail ? detail : lg_strerror(rc));
    lg_chain_close(c);
    return rc;
}

lg_err lg_chain_open_rpc(lg_chain **out, const lg_config *cfg, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || !cfg)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_chain *c = calloc(1, sizeof *c);
    rpc_chain *r = calloc(1, sizeof *r);
    if (!c || !r) {
        free(c);
        free(r);
        return LG_ERR_NOMEM;
    }
    c->ops = &rpc_ops;
    c->priv = r;
    lg_err rc = lg_rpc_open_config(&r->rpc, cfg);
    if (rc != LG_OK)
        return open_failed(c, rc, err, errlen, "opening the chain client", NULL);
    rc = lg_rpc_check_chain(r->rpc, lg_config_u64(cfg, "chain", "chain_id"));
    if (rc != LG_OK)
        return open_failed(c, rc, err, errlen, "chain node",
                           lg_rpc_error_text(lg_rpc_last_error(r->rpc)));
    rc = lg_contracts_init_config(&r->contracts, r->rpc, cfg);
    if (rc != LG_OK)
        return open_failed(c, rc, err, errlen, "contract addresses",
                           rc == LG_ERR_CONFIG ? "[chain] oaid_address, vault_address and "
                                                 "usdc_address must be set"
                                               : NULL);
    memcpy(c->oaid, r->contracts.oaid, LG_ADDRESS_LEN);
    memcpy(c->vault, r->contracts.vault, LG_ADDRESS_LEN);
    memcpy(c->usdc, r->contracts.usdc, LG_ADDRESS_LEN);
    *out = c;
    return LG_OK;
}

lg_rpc *lg_chain_rpc(lg_chain *c)
{
    return c && c->ops == &rpc_ops && c->priv ? priv_of(c)->rpc : NULL;
}

lg_contracts *lg_chain_contracts(lg_chain *c)
{
    return c && c->ops == &rpc_ops && c->priv ? &priv_of(c)->contracts : NULL;
}
