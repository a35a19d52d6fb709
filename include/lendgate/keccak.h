/*
 * keccak.h - Keccak-256 as Ethereum uses it (function selectors, addresses, transaction
 * hashes), built on nettle's Keccak-f[1600] permutation.
 *
 * This is the original Keccak padding (0x01 ... 0x80), not FIPS-202 SHA3-256 (0x06):
 * the two give different digests for every input. No allocation.
 */
#ifndef LENDGATE_KECCAK_H
#define LENDGATE_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha3.h>

#define LG_KECCAK256_LEN 32
/* Bytes absorbed per permutation: 1600/8 - 2*32. */
#define LG_KECCAK256_RATE 136

/* Incremental state. Plain data: it may be copied to fork a prefix. */
typedef struct lg_keccak256_ctx {
    struct sha3_state state;
    size_t pos; /* bytes absorbed into the current block */
} lg_keccak256_ctx;

/* Starts a new hash. Returns 1, or 0 when ctx is NULL. */
int lg_keccak256_init(lg_keccak256_ctx *ctx);

/* Absorbs data[0..len); data may be NULL when len is 0.
 * Returns 1, or 0 on a NULL argument (ctx is then unchanged). */
int lg_keccak256_update(lg_keccak256_ctx *ctx, const void *data, size_t len);

/* Writes the digest into out and wipes ctx (init it again to reuse it).
 * Returns 1, or 0 on a NULL argument. */
int lg_keccak256_final(lg_keccak256_ctx *ctx, uint8_t out[LG_KECCAK256_LEN]);

/* out = Keccak-256(data[0..len)); data may be NULL when len is 0.
 * Returns 1, or 0 on a NULL argument. */
int lg_keccak256(uint8_t out[LG_KECCAK256_LEN], const void *data, size_t len);

#endif
