/* contracts.c - typed bindings of OAID, SolvencyVault and USDC over abi and rpc. */
#include "config.h"

#include <lendgate/abi.h>
#include <lendgate/contracts.h>

#include <stdlib.h>
#include <string.h>

#define TRANSFER_EVENT "Transfer(address,address,uint256)"

lg_err lg_contracts_init(lg_contracts *c, lg_rpc *rpc, const uint8_t oaid[LG_ADDRESS_LEN],
                         const uint8_t vault[LG_ADDRESS_LEN], const uint8_t usdc[LG_ADDRESS_LEN])
{
    if (!c || !rpc || !oaid || !vault || !usdc)
        return LG_ERR_INVALID;
    c->rpc = rpc;
    memcpy(c->oaid, oaid, LG_ADDRESS_LEN);
    memcpy(c->vault, vault, LG_ADDRESS_LEN);
    memcpy(c->usdc, usdc, LG_ADDRESS_LEN);
    return LG_OK;
}

static lg_err config_address(uint8_t out[LG_ADDRESS_LEN], const lg_config *cfg, const char *key)
{
    const char *text = lg_config_str(cfg, "chain", key);
    if (!text || !text[0] || lg_address_parse(out, text) != LG_OK)
        return LG_ERR_CONFIG;
    return LG_OK;
}

lg_err lg_contracts_init_config(lg_contracts *c, lg_rpc *rpc, const lg_config *cfg)
{
    uint8_t oaid[LG_ADDRESS_LEN], vault[LG_ADDRESS_LEN], usdc[LG_ADDRESS_LEN];
    if (!c || !rpc || !cfg)
        return LG_ERR_INVALID;
    if (config_address(oaid, cfg, "oaid_address") != LG_OK ||
        config_address(vault, cfg, "vault_address") != LG_OK ||
        config_address(usdc, cfg, "usdc_address") != LG_OK)
        return LG_ERR_CONFIG;
    return lg_contracts_init(c, rpc, oaid, vault, usdc);
}

/* ------------------------------------------------------------- call data */

typedef struct arg {
    const lg_u256 *u;    /* a uint256, or */
    const uint8_t *addr; /* an address */
} arg;

/* signature(args...) into out[0..cap) */
static lg_err encode(uint8_t *out, size_t cap, size_t *len, const char *signature, const arg *args,
                     size_t nargs)
{
    uint8_t sel[LG_ABI_SELECTOR_LEN];
    lg_abi_writer w;
    lg_err err = lg_abi_selector(sel, signature);
    if (err == LG_OK)
        err = lg_abi_writer_init(&w, out, cap, sel, nargs);
    for (size_t i = 0; err == LG_OK && i < nargs; i++) {
        if (!args[i].u && !args[i].addr)
            err = LG_ERR_INVALID;
        else
            err = args[i].u ? lg_abi_put_uint256(&w, args[i].u)
                            : lg_abi_put_address(&w, args[i].addr);
    }
    return err == LG_OK ? lg_abi_finish(&w, len) : err;
}

static lg_err two_args(uint8_t *out, size_t *len, const char *signature, arg a, arg b)
{
    if (!out || !len)
        return LG_ERR_INVALID;
    *len = 0;
    const arg args[2] = {a, b};
    return encode(out, LG_CALLDATA_MAX, len, signature, args, 2);
}

lg_err lg_vault_borrow_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                                const lg_u256 *position_id, const lg_u256 *amount)
{
    return two_args(out, len, "borrowUSDC(uint256,uint256)", (arg){position_id, NULL},
                    (arg){amount, NULL});
}

lg_err lg_vault_repay_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                               const lg_u256 *position_id, const lg_u256 *amount)
{
    return two_args(out, len, "repayLoan(uint256,uint256)", (arg){position_id, NULL},
                    (arg){amount, NULL});
}

lg_err lg_usdc_transfer_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                                 const uint8_t to[LG_ADDRESS_LEN], const lg_u256 *amount)
{
    return two_args(out, len, "transfer(address,uint256)", (arg){NULL, to}, (arg){amount, NULL});
}

lg_err lg_usdc_approve_calldata(uint8_t out[LG_CALLDATA_MAX], size_t *len,
                                const uint8_t spender[LG_ADDRESS_LEN], const lg_u256 *amount)
{
    return two_args(out, len, "approve(address,uint256)", (arg){NULL, spender},
                    (arg){amount, NULL});
}

/* ------------------------------------------------------------------ reads */

/* eth_call of signature(args) on contract at "latest"; *ret is malloc'd. */
static lg_err view(lg_contracts *c, uint8_t **ret, size_t *ret_len, const uint8_t *contract,
                   const char *signature, const arg *args, size_t nargs)
{
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_err err = encode(data, sizeof data, &len, signature, args, nargs);
    if (err != LG_OK)
        return err;
    lg_rpc_call_args call = {.to = contract, .data = data, .data_len = len};
    return lg_rpc_eth_call(c->rpc, ret, ret_len, &call, LG_BLOCK_LATEST);
}

static lg_err undecodable(lg_contracts *c, const char *signature)
{
    return lg_rpc_fail(c->rpc, LG_ERR_RPC, "return data of %s does not decode", signature);
}

lg_err lg_oaid_owner_of(lg_contracts *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *token_id)
{
    static const char sig[] = "ownerOf(uint256)";
    if (!c || !owner || !token_id)
        return LG_ERR_INVALID;
    uint8_t *ret = NULL;
    size_t n = 0;
    const arg a = {token_id, NULL};
    lg_err err = view(c, &ret, &n, c->oaid, sig, &a, 1);
    if (err == LG_OK && lg_abi_get_address(owner, ret, n, 0) != LG_OK)
        err = undecodable(c, sig);
    free(ret);
    return err;
}

lg_err lg_oaid_credit_line(lg_contracts *c, lg_credit_line *out, const lg_u256 *token_id)
{
    static const char sig[] = "getCreditLine(uint256)";
    if (!c || !out || !token_id)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    uint8_t *ret = NULL;
    size_t n = 0;
    const arg a = {token_id, NULL};
    lg_err err = view(c, &ret, &n, c->oaid, sig, &a, 1);
    if (err == LG_OK && (lg_abi_get_uint256(&out->limit, ret, n, 0) != LG_OK ||
                         lg_abi_get_uint256(&out->used, ret, n, 1) != LG_OK ||
                         lg_abi_get_bool(&out->active, ret, n, 2) != LG_OK))
        err = undecodable(c, sig);
    free(ret);
    if (err != LG_OK)
        memset(out, 0, sizeof *out);
    return err;
}

static lg_err uint_view(lg_contracts *c, lg_u256 *out, const uint8_t *contract,
                        const char *signature, const arg *args, size_t nargs)
{
    uint8_t *ret = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    lg_err err = view(c, &ret, &n, contract, signature, args, nargs);
    if (err == LG_OK && lg_abi_get_uint256(out, ret, n, 0) != LG_OK)
        err = undecodable(c, signature);
    free(ret);
    return err;
}

lg_err lg_vault_position_of(lg_contracts *c, lg_u256 *position_id, const lg_u256 *oaid)
{
    if (!c || !position_id || !oaid)
        return LG_ERR_INVALID;
    const arg a = {oaid, NULL};
    return uint_view(c, position_id, c->vault, "positionOf(uint256)", &a, 1);
}

static lg_err decode_position(lg_vault_position *p, const uint8_t *d, size_t n)
{
    uint64_t type = 0;
    if (lg_abi_get_address(p->user, d, n, 0) != LG_OK ||
        lg_abi_get_uint256(&p->oaid_token_id, d, n, 1) != LG_OK ||
        lg_abi_get_address(p->collateral_token, d, n, 2) != LG_OK ||
        lg_abi_get_uint256(&p->collateral_amount, d, n, 3) != LG_OK ||
        lg_abi_get_uint256(&p->collateral_value, d, n, 4) != LG_OK ||
        lg_abi_get_uint256(&p->usdc_borrowed, d, n, 5) != LG_OK ||
        lg_abi_get_uint256(&p->health_factor, d, n, 6) != LG_OK ||
        lg_abi_get_bool(&p->active, d, n, 7) != LG_OK || lg_abi_get_u64(&type, d, n, 8) != LG_OK ||
        type > 255)
        return LG_ERR_INVALID;
    p->token_type = (unsigned)type;
    return LG_OK;
}

lg_err lg_vault_get_position(lg_contracts *c, lg_vault_position *out, const lg_u256 *position_id)
{
    static const char sig[] = "getPosition(uint256)";
    if (!c || !out || !position_id)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    uint8_t *ret = NULL;
    size_t n = 0;
    const arg a = {position_id, NULL};
    lg_err err = view(c, &ret, &n, c->vault, sig, &a, 1);
    if (err == LG_OK && decode_position(out, ret, n) != LG_OK)
        err = undecodable(c, sig);
    free(ret);
    if (err != LG_OK)
        memset(out, 0, sizeof *out);
    return err;
}

lg_err lg_usdc_balance_of(lg_contracts *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN])
{
    if (!c || !out || !holder)
        return LG_ERR_INVALID;
    const arg a = {NULL, holder};
    return uint_view(c, out, c->usdc, "balanceOf(address)", &a, 1);
}

lg_err lg_usdc_allowance(lg_contracts *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                         const uint8_t spender[LG_ADDRESS_LEN])
{
    if (!c || !out || !owner || !spender)
        return LG_ERR_INVALID;
    const arg a[2] = {{NULL, owner}, {NULL, spender}};
    return uint_view(c, out, c->usdc, "allowance(address,address)", a, 2);
}

/* ------------------------------------------------------------------- logs */

/* An indexed address topic: 12 zero bytes, then the address. */
static int topic_address(uint8_t out[LG_ADDRESS_LEN], const uint8_t topic[32])
{
    static const uint8_t zero[12];
    if (memcmp(topic, zero, sizeof zero) != 0)
        return 0;
    memcpy(out, topic + 12, LG_ADDRESS_LEN);
    return 1;
}

static lg_err read_transfer(lg_erc20_transfer *t, const lg_eth_log *log)
{
    if (log->ntopics != 3 || log->data_len != 32 || !topic_address(t->from, log->topics[1]) ||
        !topic_address(t->to, log->topics[2]))
        return LG_ERR_INVALID;
    t->log_index = log->log_index;
    return lg_u256_from_be(&t->value, log->data, 32);
}

/* 1 when log is token's Transfer event (ERC-721 Transfers have four topics: not ours). */
static int is_transfer(const lg_eth_log *log, const uint8_t *token, const uint8_t *topic0)
{
    return memcmp(log->address, token, LG_ADDRESS_LEN) == 0 && log->ntopics > 0 &&
           memcmp(log->topics[0], topic0, 32) == 0 && log->ntopics != 4;
}

lg_err lg_erc20_transfers(lg_erc20_transfer **out, size_t *n, const lg_eth_log *logs, size_t nlogs,
                          const uint8_t token[LG_ADDRESS_LEN])
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!out || !n || (!logs && nlogs) || !token)
        return LG_ERR_INVALID;
    uint8_t topic0[32];
    lg_err err = lg_abi_event_topic(topic0, TRANSFER_EVENT);
    if (err != LG_OK || nlogs == 0)
        return err;
    lg_erc20_transfer *v = calloc(nlogs, sizeof *v);
    if (!v)
        return LG_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; err == LG_OK && i < nlogs; i++) {
        if (is_transfer(&logs[i], token, topic0))
            err = read_transfer(&v[k++], &logs[i]);
    }
    if (err != LG_OK || k == 0) {
        free(v);
        return err;
    }
    *out = v;
    *n = k;
    return LG_OK;
}

/* ------------------------------------------------------------ liquidations */

static lg_err read_liquidation(lg_liquidation *l, const lg_eth_log *log)
{
    if (log->ntopics != 3 || log->data_len != 32 || !topic_address(l->user, log->topics[2]))
        return LG_ERR_INVALID;
    lg_err err = lg_u256_from_be(&l->position_id, log->topics[1], 32);
    if (err == LG_OK)
        err = lg_u256_from_be(&l->debt_cleared, log->data, 32);
    memcpy(l->tx_hash, log->tx_hash, sizeof l->tx_hash);
    l->block_number = log->block_number;
    l->log_index = log->log_index;
    return err;
}

static int is_event(const lg_eth_log *log, const uint8_t *contract, const uint8_t *topic0)
{
    return memcmp(log->address, contract, LG_ADDRESS_LEN) == 0 && log->ntopics > 0 &&
           memcmp(log->topics[0], topic0, 32) == 0;
}

lg_err lg_vault_liquidations(lg_liquidation **out, size_t *n, const lg_eth_log *logs, size_t nlogs,
                             const uint8_t vault[LG_ADDRESS_LEN])
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!out || !n || (!logs && nlogs) || !vault)
        return LG_ERR_INVALID;
    uint8_t topic0[32];
    lg_err err = lg_abi_event_topic(topic0, LG_VAULT_LIQUIDATED_EVENT);
    if (err != LG_OK || nlogs == 0)
        return err;
    lg_liquidation *v = calloc(nlogs, sizeof *v);
    if (!v)
        return LG_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; err == LG_OK && i < nlogs; i++) {
        if (is_event(&logs[i], vault, topic0))
            err = read_liquidation(&v[k++], &logs[i]);
    }
    if (err != LG_OK || k == 0) {
        free(v);
        return err;
    }
    *out = v;
    *n = k;
    return LG_OK;
}
