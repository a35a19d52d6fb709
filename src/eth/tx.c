/* tx.c - EIP-1559 and EIP-155 transaction encoding, hashing and signing. */
#include "config.h"

#include <lendgate/keccak.h>
#include <lendgate/rlp.h>
#include <lendgate/tx.h>

#include <string.h>

#define TYPE_1559 0x02

static size_t max_size(size_t data_len)
{
    return data_len > SIZE_MAX - LG_TX_OVERHEAD ? 0 : data_len + LG_TX_OVERHEAD;
}

size_t lg_tx1559_max_size(const lg_tx1559 *tx)
{
    return tx ? max_size(tx->data_len) : 0;
}

size_t lg_tx_legacy_max_size(const lg_tx_legacy *tx)
{
    return tx ? max_size(tx->data_len) : 0;
}

static int tx1559_valid(const lg_tx1559 *tx)
{
    return tx && (tx->data || tx->data_len == 0) &&
           tx->max_priority_fee_per_gas <= tx->max_fee_per_gas;
}

static int legacy_valid(const lg_tx_legacy *tx)
{
    return tx && tx->chain_id > 0 && (tx->data || tx->data_len == 0);
}

/* r and s go into RLP as integers: minimal, leading zero bytes dropped. */
static void put_rs(lg_rlp_writer *w, const lg_signature *sig)
{
    lg_u256 r, s;
    lg_u256_from_be(&r, sig->r, 32);
    lg_u256_from_be(&s, sig->s, 32);
    lg_rlp_put_u256(w, &r);
    lg_rlp_put_u256(w, &s);
}

/* 0x02 || rlp([nine fields] or [nine fields, y_parity, r, s] when sig is given). */
static lg_err encode_1559(uint8_t *out, size_t cap, size_t *len, const lg_tx1559 *tx,
                          const lg_signature *sig)
{
    static const uint8_t type = TYPE_1559;
    lg_rlp_writer w;
    size_t list = 0, access = 0;
    lg_rlp_writer_init(&w, out, cap);
    lg_rlp_put_raw(&w, &type, 1);
    lg_rlp_list_begin(&w, &list);
    lg_rlp_put_u64(&w, tx->chain_id);
    lg_rlp_put_u64(&w, tx->nonce);
    lg_rlp_put_u64(&w, tx->max_priority_fee_per_gas);
    lg_rlp_put_u64(&w, tx->max_fee_per_gas);
    lg_rlp_put_u64(&w, tx->gas_limit);
    lg_rlp_put_bytes(&w, tx->to, LG_ADDRESS_LEN);
    lg_rlp_put_u256(&w, &tx->value);
    lg_rlp_put_bytes(&w, tx->data, tx->data_len);
    lg_rlp_list_begin(&w, &access);
    lg_rlp_list_end(&w, access);
    if (sig) {
        lg_rlp_put_u64(&w, (uint64_t)sig->recid);
        put_rs(&w, sig);
    }
    lg_rlp_list_end(&w, list);
    return lg_rlp_finish(&w, len);
}

/* rlp([six fields, v, r, s]); the unsigned form has chain_id, 0, 0 as v, r, s. */
static lg_err encode_legacy(uint8_t *out, size_t cap, size_t *len, const lg_tx_legacy *tx,
                            const lg_signature *sig)
{
    lg_rlp_writer w;
    size_t list = 0;
    lg_rlp_writer_init(&w, out, cap);
    lg_rlp_list_begin(&w, &list);
    lg_rlp_put_u64(&w, tx->nonce);
    lg_rlp_put_u64(&w, tx->gas_price);
    lg_rlp_put_u64(&w, tx->gas_limit);
    lg_rlp_put_bytes(&w, tx->to, LG_ADDRESS_LEN);
    lg_rlp_put_u256(&w, &tx->value);
    lg_rlp_put_bytes(&w, tx->data, tx->data_len);
    if (sig) {
        lg_rlp_put_u64(&w, (uint64_t)sig->recid + 2 * tx->chain_id + 35);
        put_rs(&w, sig);
    } else {
        lg_rlp_put_u64(&w, tx->chain_id);
        lg_rlp_put_u64(&w, 0);
        lg_rlp_put_u64(&w, 0);
    }
    lg_rlp_list_end(&w, list);
    return lg_rlp_finish(&w, len);
}

static lg_err hash_of(uint8_t hash[LG_TX_HASH_LEN], const uint8_t *p, size_t len)
{
    return lg_keccak256(hash, p, len) ? LG_OK : LG_ERR_CRYPTO;
}

lg_err lg_tx1559_signing_hash(uint8_t hash[LG_TX_HASH_LEN], uint8_t *buf, size_t cap,
                              const lg_tx1559 *tx)
{
    size_t len = 0;
    if (!hash || !buf || !tx1559_valid(tx))
        return LG_ERR_INVALID;
    lg_err err = encode_1559(buf, cap, &len, tx, NULL);
    return err != LG_OK ? err : hash_of(hash, buf, len);
}

lg_err lg_tx_legacy_signing_hash(uint8_t hash[LG_TX_HASH_LEN], uint8_t *buf, size_t cap,
                                 const lg_tx_legacy *tx)
{
    size_t len = 0;
    if (!hash || !buf || !legacy_valid(tx))
        return LG_ERR_INVALID;
    lg_err err = encode_legacy(buf, cap, &len, tx, NULL);
    return err != LG_OK ? err : hash_of(hash, buf, len);
}

lg_err lg_tx1559_encode_signed(uint8_t *out, size_t cap, size_t *outlen, const lg_tx1559 *tx,
                               const lg_signature *sig)
{
    if (!outlen)
        return LG_ERR_INVALID;
    *outlen = 0;
    if (!out || !tx1559_valid(tx) || !sig || sig->recid < 0 || sig->recid > 1)
        return LG_ERR_INVALID;
    return encode_1559(out, cap, outlen, tx, sig);
}

lg_err lg_tx_legacy_encode_signed(uint8_t *out, size_t cap, size_t *outlen, const lg_tx_legacy *tx,
                                  const lg_signature *sig)
{
    if (!outlen)
        return LG_ERR_INVALID;
    *outlen = 0;
    if (!out || !legacy_valid(tx) || !sig || sig->recid < 0 || sig->recid > 1)
        return LG_ERR_INVALID;
    if (tx->chain_id > (UINT64_MAX - 36) / 2)
        return LG_ERR_OVERFLOW;
    return encode_legacy(out, cap, outlen, tx, sig);
}

lg_err lg_tx1559_sign(const lg_signer_ctx *ctx, uint8_t *out, size_t cap, size_t *outlen,
                      uint8_t txhash[LG_TX_HASH_LEN], const lg_tx1559 *tx,
                      const uint8_t seckey[LG_SECKEY_LEN])
{
    uint8_t h[LG_TX_HASH_LEN];
    lg_signature sig;
    if (!outlen)
        return LG_ERR_INVALID;
    *outlen = 0;
    if (!ctx || !txhash || !seckey)
        return LG_ERR_INVALID;
    /* The unsigned encoding is built in out itself, then overwritten by the signed. */
    lg_err err = lg_tx1559_signing_hash(h, out, cap, tx);
    if (err != LG_OK)
        return err;
    if (!lg_signer_sign(ctx, &sig, h, seckey))
        return LG_ERR_CRYPTO;
    err = lg_tx1559_encode_signed(out, cap, outlen, tx, &sig);
    if (err == LG_OK)
        err = hash_of(txhash, out, *outlen);
    if (err != LG_OK)
        *outlen = 0;
    return err;
}

lg_err lg_tx_legacy_sign(const lg_signer_ctx *ctx, uint8_t *out, size_t cap, size_t *outlen,
                         uint8_t txhash[LG_TX_HASH_LEN], const lg_tx_legacy *tx,
                         const uint8_t seckey[LG_SECKEY_LEN])
{
    uint8_t h[LG_TX_HASH_LEN];
    lg_signature sig;
    if (!outlen)
        return LG_ERR_INVALID;
    *outlen = 0;
    if (!ctx || !txhash || !seckey)
        return LG_ERR_INVALID;
    if (tx && tx->chain_id > (UINT64_MAX - 36) / 2)
        return LG_ERR_OVERFLOW;
    lg_err err = lg_tx_legacy_signing_hash(h, out, cap, tx);
    if (err != LG_OK)
        return err;
    if (!lg_signer_sign(ctx, &sig, h, seckey))
        return LG_ERR_CRYPTO;
    err = lg_tx_legacy_encode_signed(out, cap, outlen, tx, &sig);
    if (err == LG_OK)
        err = hash_of(txhash, out, *outlen);
    if (err != LG_OK)
        *outlen = 0;
    return err;
}

/* ------------------------------------------------------------------ decoding */

/* The next item of it as a u64; LG_ERR_INVALID when there is none. */
static lg_err next_u64(lg_rlp_iter *it, uint64_t *v)
{
    lg_rlp_item item;
    lg_err rc = lg_rlp_iter_next(it, &item);
    return rc == LG_OK ? lg_rlp_item_u64(v, &item) : LG_ERR_INVALID;
}

/* to, value and data: the fields both kinds share, in that order. */
static lg_err next_call(lg_rlp_iter *it, lg_tx_fields *out)
{
    lg_rlp_item to, value, data;
    if (lg_rlp_iter_next(it, &to) != LG_OK || to.is_list || to.len != LG_ADDRESS_LEN ||
        lg_rlp_iter_next(it, &value) != LG_OK || lg_rlp_iter_next(it, &data) != LG_OK ||
        data.is_list)
        return LG_ERR_INVALID;
    memcpy(out->to, to.payload, LG_ADDRESS_LEN);
    lg_err rc = lg_rlp_item_u256(&out->value, &value);
    out->data = data.len ? data.payload : NULL;
    out->data_len = data.len;
    return rc;
}

/* The signature's three items end the list: v (or yParity), r, s. */
static lg_err last_signature(lg_rlp_iter *it, uint64_t *v)
{
    lg_rlp_item r, s, extra;
    lg_err rc = next_u64(it, v);
    if (rc != LG_OK)
        return rc;
    if (lg_rlp_iter_next(it, &r) != LG_OK || r.is_list || r.len > 32 ||
        lg_rlp_iter_next(it, &s) != LG_OK || s.is_list || s.len > 32 ||
        lg_rlp_iter_next(it, &extra) != LG_ERR_NOT_FOUND)
        return LG_ERR_INVALID;
    return LG_OK;
}

static lg_err decode_1559(lg_tx_fields *out, lg_rlp_iter *it)
{
    lg_rlp_item access;
    uint64_t parity = 0;
    lg_err rc = next_u64(it, &out->chain_id);
    if (rc == LG_OK)
        rc = next_u64(it, &out->nonce);
    if (rc == LG_OK)
        rc = next_u64(it, &out->max_priority_fee_per_gas);
    if (rc == LG_OK)
        rc = next_u64(it, &out->max_fee_per_gas);
    if (rc == LG_OK)
        rc = next_u64(it, &out->gas_limit);
    if (rc == LG_OK)
        rc = next_call(it, out);
    if (rc == LG_OK && (lg_rlp_iter_next(it, &access) != LG_OK || !access.is_list || access.len))
        rc = LG_ERR_INVALID;
    if (rc == LG_OK)
        rc = last_signature(it, &parity);
    return rc == LG_OK && parity > 1 ? LG_ERR_INVALID : rc;
}

static lg_err decode_legacy(lg_tx_fields *out, lg_rlp_iter *it)
{
    uint64_t v = 0;
    lg_err rc = next_u64(it, &out->nonce);
    if (rc == LG_OK)
        rc = next_u64(it, &out->gas_price);
    if (rc == LG_OK)
        rc = next_u64(it, &out->gas_limit);
    if (rc == LG_OK)
        rc = next_call(it, out);
    if (rc == LG_OK)
        rc = last_signature(it, &v);
    if (rc != LG_OK)
        return rc;
    if (v < 35) /* before EIP-155: no chain id, never signed here */
        return LG_ERR_INVALID;
    out->chain_id = (v - 35) / 2;
    return LG_OK;
}

lg_err lg_tx_decode_signed(lg_tx_fields *out, const uint8_t *raw, size_t len)
{
    lg_rlp_item list;
    lg_rlp_iter it;
    if (!out || !raw || len == 0)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->eip1559 = raw[0] == 0x02;
    /* A typed envelope is its type byte and then the list; a legacy one is the list. */
    if (raw[0] < 0xc0 && !out->eip1559)
        return LG_ERR_INVALID;
    size_t skip = out->eip1559 ? 1 : 0;
    lg_err rc = lg_rlp_decode(&list, raw + skip, len - skip);
    if (rc == LG_OK)
        rc = lg_rlp_iter_init(&it, &list);
    if (rc == LG_OK)
        rc = out->eip1559 ? decode_1559(out, &it) : decode_legacy(out, &it);
    if (rc == LG_OK && out->eip1559 && out->max_priority_fee_per_gas > out->max_fee_per_gas)
        rc = LG_ERR_INVALID;
    if (rc != LG_OK)
        memset(out, 0, sizeof *out);
    return rc;
}
