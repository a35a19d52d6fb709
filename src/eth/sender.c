/* sender.c - estimate, allocate a nonce, sign, persist, broadcast, wait. */
#include "config.h"

#include <lendgate/hex.h>
#include <lendgate/sender.h>
#include <lendgate/tx.h>

#include <stdlib.h>
#include <string.h>

void lg_signed_tx_release(lg_signed_tx *tx)
{
    if (!tx)
        return;
    free(tx->raw);
    free(tx->raw_hex);
    memset(tx, 0, sizeof *tx);
}

lg_err lg_sender_opts_from_config(lg_sender_opts *out, const lg_config *cfg)
{
    if (!out || !cfg)
        return LG_ERR_INVALID;
    out->chain_id = lg_config_u64(cfg, "chain", "chain_id");
    out->gas_margin_pct = (unsigned)lg_config_u64(cfg, "chain", "gas_margin_pct");
    out->receipt_timeout_ms = lg_config_u64(cfg, "chain", "receipt_timeout_ms");
    out->receipt_poll_ms = lg_config_u64(cfg, "chain", "receipt_poll_ms");
    return LG_OK;
}

lg_err lg_sender_init(lg_sender *s, lg_rpc *rpc, const lg_signer_ctx *signer, const lg_privkey *key,
                      const lg_nonce_iface *nonces, const lg_sender_opts *opts,
                      lg_sender_persist_fn persist, void *persist_ctx)
{
    if (!s)
        return LG_ERR_INVALID;
    memset(s, 0, sizeof *s);
    if (!signer || !key || !nonces || !opts || opts->chain_id == 0 || opts->receipt_poll_ms == 0)
        return LG_ERR_INVALID;
    const uint8_t *seckey = lg_privkey_bytes(key);
    if (!seckey || !lg_signer_address(signer, s->from, seckey))
        return LG_ERR_CRYPTO;
    s->rpc = rpc;
    s->signer = signer;
    s->key = key;
    s->nonces = nonces;
    s->opts = *opts;
    s->persist = persist;
    s->persist_ctx = persist_ctx;
    return LG_OK;
}

static lg_rpc_call_args call_args(const lg_sender *s, const lg_tx_request *req)
{
    lg_rpc_call_args a = {
        .from = s->from,
        .to = req->to,
        .value = req->value,
        .data = req->data,
        .data_len = req->data_len,
    };
    return a;
}

/* Gas and fees: everything that needs the node and may fail before a nonce is taken. */
static lg_err price(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req)
{
    lg_err err = LG_OK;
    out->gas_limit = req->gas_limit;
    if (!out->gas_limit) {
        lg_rpc_call_args a = call_args(s, req);
        err = lg_fees_estimate_gas(s->rpc, &out->gas_limit, &a, s->opts.gas_margin_pct);
    }
    if (err != LG_OK)
        return err;
    if (req->fees) {
        out->fees = *req->fees;
        return LG_OK;
    }
    return lg_fees_fetch(s->rpc, &out->fees);
}

static lg_err sign_1559(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req,
                        const lg_u256 *value)
{
    lg_tx1559 tx = {
        .chain_id = out->chain_id,
        .nonce = out->nonce,
        .max_priority_fee_per_gas = out->fees.max_priority_fee,
        .max_fee_per_gas = out->fees.max_fee,
        .gas_limit = out->gas_limit,
        .value = *value,
        .data = req->data,
        .data_len = req->data_len,
    };
    memcpy(tx.to, req->to, LG_ADDRESS_LEN);
    size_t cap = lg_tx1559_max_size(&tx);
    out->raw = cap ? malloc(cap) : NULL;
    if (!out->raw)
        return cap ? LG_ERR_NOMEM : LG_ERR_OVERFLOW;
    return lg_tx1559_sign(s->signer, out->raw, cap, &out->raw_len, out->hash, &tx,
                          lg_privkey_bytes(s->key));
}

static lg_err sign_legacy(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req,
                          const lg_u256 *value)
{
    lg_tx_legacy tx = {
        .chain_id = out->chain_id,
        .nonce = out->nonce,
        .gas_price = out->fees.gas_price,
        .gas_limit = out->gas_limit,
        .value = *value,
        .data = req->data,
        .data_len = req->data_len,
    };
    memcpy(tx.to, req->to, LG_ADDRESS_LEN);
    size_t cap = lg_tx_legacy_max_size(&tx);
    out->raw = cap ? malloc(cap) : NULL;
    if (!out->raw)
        return cap ? LG_ERR_NOMEM : LG_ERR_OVERFLOW;
    return lg_tx_legacy_sign(s->signer, out->raw, cap, &out->raw_len, out->hash, &tx,
                             lg_privkey_bytes(s->key));
}

/* The text forms kept with the transaction: hash, sender and raw bytes as hex. */
static lg_err fill_text(lg_signed_tx *out)
{
    size_t cap = LG_HEX_TEXT_LEN(out->raw_len, LG_HEX_0X);
    out->raw_hex = malloc(cap);
    if (!out->raw_hex)
        return LG_ERR_NOMEM;
    lg_err err = lg_hex_encode(out->raw_hex, cap, out->raw, out->raw_len, LG_HEX_0X);
    if (err == LG_OK)
        err = lg_hex_encode(out->hash_hex, sizeof out->hash_hex, out->hash, LG_TX_HASH_LEN,
                            LG_HEX_0X);
    if (err == LG_OK)
        err = lg_address_format_lower(out->from_hex, sizeof out->from_hex, out->from);
    return err;
}

static lg_err sign_request(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req)
{
    static const lg_u256 zero;
    lg_err err = price(s, out, req);
    if (err == LG_OK && req->use_nonce)
        out->nonce = req->nonce;
    else if (err == LG_OK)
        err = lg_nonce_next(s->nonces, s->rpc, s->opts.chain_id, s->from, &out->nonce);
    if (err != LG_OK)
        return err;
    out->chain_id = s->opts.chain_id;
    memcpy(out->from, s->from, LG_ADDRESS_LEN);
    memcpy(out->to, req->to, LG_ADDRESS_LEN);
    const lg_u256 *value = req->value ? req->value : &zero;
    err = out->fees.eip1559 ? sign_1559(s, out, req, value) : sign_legacy(s, out, req, value);
    return err == LG_OK ? fill_text(out) : err;
}

lg_err lg_sender_sign(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!s || !req || !req->to || (!req->data && req->data_len))
        return LG_ERR_INVALID;
    /* Without a node only what needs none can be signed. */
    if (!s->rpc && (!req->gas_limit || !req->fees || !req->use_nonce))
        return LG_ERR_INVALID;
    lg_err err = sign_request(s, out, req);
    if (err != LG_OK)
        lg_signed_tx_release(out);
    return err;
}

lg_err lg_sender_broadcast(lg_sender *s, const lg_signed_tx *tx)
{
    if (!s || !s->rpc || !tx || !tx->raw)
        return LG_ERR_INVALID;
    uint8_t hash[LG_TX_HASH_LEN];
    return lg_rpc_send_raw(s->rpc, hash, tx->raw, tx->raw_len);
}

lg_err lg_sender_send(lg_sender *s, lg_signed_tx *out, const lg_tx_request *req)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!s || !out || !s->rpc || !s->persist)
        return LG_ERR_INVALID;
    lg_err err = lg_sender_sign(s, out, req);
    if (err == LG_OK)
        err = s->persist(s->persist_ctx, out);
    if (err == LG_OK)
        err = lg_sender_broadcast(s, out);
    return err;
}

lg_err lg_sender_wait(lg_sender *s, lg_receipt *out, const uint8_t hash[LG_TX_HASH_LEN])
{
    if (!s || !s->rpc || !out || !hash)
        return LG_ERR_INVALID;
    lg_err err =
        lg_rpc_wait_receipt(s->rpc, out, hash, s->opts.receipt_timeout_ms, s->opts.receipt_poll_ms);
    if (err == LG_OK && out->status != 1)
        err = LG_ERR_REVERTED;
    return err;
}

/* The receipt says "reverted" and no more: replay the call at its block for the reason. */
static void replay_reason(lg_sender *s, const lg_tx_request *req, uint64_t block)
{
    uint8_t *ret = NULL;
    size_t len = 0;
    lg_rpc_call_args a = call_args(s, req);
    if (lg_rpc_eth_call(s->rpc, &ret, &len, &a, block) != LG_ERR_REVERTED)
        lg_rpc_fail(s->rpc, LG_ERR_REVERTED,
                    "transaction reverted; replaying it at block %llu gave no reason",
                    (unsigned long long)block);
    free(ret);
}

lg_err lg_sender_send_wait(lg_sender *s, lg_signed_tx *out, lg_receipt *receipt,
                           const lg_tx_request *req)
{
    if (receipt)
        memset(receipt, 0, sizeof *receipt);
    if (!receipt)
        return LG_ERR_INVALID;
    lg_err err = lg_sender_send(s, out, req);
    if (err == LG_OK)
        err = lg_sender_wait(s, receipt, out->hash);
    if (err == LG_ERR_REVERTED && receipt->block_number)
        replay_reason(s, req, receipt->block_number);
    return err;
}

lg_err lg_sender_raw_decode(const char *raw_hex, uint8_t **raw, size_t *len)
{
    if (!raw_hex || !raw || !len)
        return LG_ERR_INVALID;
    lg_err err = lg_rpc_data_decode(raw, len, raw_hex, LG_SENDER_MAX_RAW);
    if (err == LG_OK && *len == 0) {
        free(*raw);
        *raw = NULL;
        err = LG_ERR_INVALID;
    }
    return err;
}

lg_err lg_sender_rebroadcast(lg_sender *s, uint8_t hash[LG_TX_HASH_LEN], const char *raw_hex)
{
    uint8_t h[LG_TX_HASH_LEN];
    if (!s || !s->rpc || !raw_hex)
        return LG_ERR_INVALID;
    uint8_t *raw = NULL;
    size_t len = 0;
    lg_err err = lg_sender_raw_decode(raw_hex, &raw, &len);
    if (err == LG_OK)
        err = lg_rpc_send_raw(s->rpc, h, raw, len);
    if (err == LG_OK && hash)
        memcpy(hash, h, sizeof h);
    free(raw);
    return err;
}
