/*
 * tx.h - Ethereum transactions the platform wallet signs: EIP-1559 (type 2, with an
 * empty access list) for every borrow and repay, and legacy EIP-155 for chains without
 * EIP-1559.
 *
 *   type 2:  signing hash = keccak256(0x02 || rlp([chain_id, nonce, max_priority_fee,
 *            max_fee, gas_limit, to, value, data, []]))
 *            signed       = 0x02 || rlp([...same nine..., y_parity, r, s])
 *   legacy:  signing hash = keccak256(rlp([nonce, gas_price, gas_limit, to, value, data,
 *            chain_id, 0, 0])); signed = rlp([...six..., v, r, s]),
 *            v = y_parity + 2 * chain_id + 35
 *   hash     = keccak256(signed bytes), the id the node reports.
 *
 * Everything is written into caller buffers of a stated capacity; nothing allocates,
 * so signing cannot fail halfway for want of memory. Arguments go context, outputs,
 * inputs. The transaction structs do not own their call data.
 */
#ifndef LENDGATE_TX_H
#define LENDGATE_TX_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/error.h>
#include <lendgate/signer.h>
#include <lendgate/u256.h>

#define LG_TX_HASH_LEN 32
/* Bytes of a signed transaction beyond its call data, at most (both kinds). */
#define LG_TX_OVERHEAD 192

typedef struct lg_tx1559 {
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t max_priority_fee_per_gas; /* wei; must not exceed max_fee_per_gas */
    uint64_t max_fee_per_gas;          /* wei */
    uint64_t gas_limit;
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 value; /* wei */
    const uint8_t *data;
    size_t data_len;
} lg_tx1559;

typedef struct lg_tx_legacy {
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t gas_price; /* wei */
    uint64_t gas_limit;
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 value; /* wei */
    const uint8_t *data;
    size_t data_len;
} lg_tx_legacy;

/* Capacity that always holds the signed form of tx (data_len + LG_TX_OVERHEAD);
 * 0 for NULL or a size that overflows. */
size_t lg_tx1559_max_size(const lg_tx1559 *tx);
size_t lg_tx_legacy_max_size(const lg_tx_legacy *tx);

/*
 * Writes the signing hash of tx into hash, using buf[0..cap) as scratch space for the
 * unsigned encoding. Returns LG_OK, LG_ERR_INVALID (NULL argument, NULL data with
 * data_len > 0, priority fee above max fee), LG_ERR_OVERFLOW (buf too small).
 */
lg_err lg_tx1559_signing_hash(uint8_t hash[LG_TX_HASH_LEN], uint8_t *buf, size_t cap,
                              const lg_tx1559 *tx);
lg_err lg_tx_legacy_signing_hash(uint8_t hash[LG_TX_HASH_LEN], uint8_t *buf, size_t cap,
                                 const lg_tx_legacy *tx);

/*
 * Writes the signed encoding of tx with sig into out[0..cap), its length into *outlen.
 * Returns LG_OK, LG_ERR_INVALID (NULL, bad fields, recid not 0 or 1), LG_ERR_OVERFLOW
 * (capacity; for legacy also a chain id whose v does not fit 64 bits). A legacy
 * transaction needs a chain id (EIP-155): 0 is LG_ERR_INVALID, never a replayable tx.
 */
lg_err lg_tx1559_encode_signed(uint8_t *out, size_t cap, size_t *outlen, const lg_tx1559 *tx,
                               const lg_signature *sig);
lg_err lg_tx_legacy_encode_signed(uint8_t *out, size_t cap, size_t *outlen, const lg_tx_legacy *tx,
                                  const lg_signature *sig);

/*
 * Signs tx with seckey: writes the signed bytes into out[0..cap), their length into
 * *outlen and the transaction hash into txhash. No allocation. On error *outlen is 0.
 * Returns LG_OK, LG_ERR_INVALID (NULL, bad fields), LG_ERR_OVERFLOW (capacity),
 * LG_ERR_CRYPTO (invalid key or the signature failed its check).
 */
lg_err lg_tx1559_sign(const lg_signer_ctx *ctx, uint8_t *out, size_t cap, size_t *outlen,
                      uint8_t txhash[LG_TX_HASH_LEN], const lg_tx1559 *tx,
                      const uint8_t seckey[LG_SECKEY_LEN]);
lg_err lg_tx_legacy_sign(const lg_signer_ctx *ctx, uint8_t *out, size_t cap, size_t *outlen,
                         uint8_t txhash[LG_TX_HASH_LEN], const lg_tx_legacy *tx,
                         const uint8_t seckey[LG_SECKEY_LEN]);

/* A signed transaction read back from its bytes: what a replacement re-signs. */
typedef struct lg_tx_fields {
    int eip1559;       /* 1: type 2; 0: legacy EIP-155 */
    uint64_t chain_id; /* legacy: from v */
    uint64_t nonce;
    uint64_t max_priority_fee_per_gas; /* type 2 */
    uint64_t max_fee_per_gas;          /* type 2 */
    uint64_t gas_price;                /* legacy */
    uint64_t gas_limit;
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 value;
    const uint8_t *data; /* points into the decoded bytes; NULL when data_len is 0 */
    size_t data_len;
} lg_tx_fields;

/*
 * Reads the fields of a signed transaction raw[0..len) as this module encodes them:
 * type 2 with an empty access list, or legacy with an EIP-155 v. The signature is
 * not checked (the bytes are the store's own). Out: *out on LG_OK.
 * Returns LG_OK, LG_ERR_INVALID (NULL, malformed, another type, a contract creation,
 * a non-empty access list), LG_ERR_OVERFLOW (a field beyond 64 bits).
 */
lg_err lg_tx_decode_signed(lg_tx_fields *out, const uint8_t *raw, size_t len);

#endif
