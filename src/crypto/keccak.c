/* keccak.c - Keccak-256 sponge over nettle_sha3_permute. */
#include "config.h"

#include <lendgate/keccak.h>
#include <lendgate/sha256.h>

#include <string.h>

/* Keccak lanes are little-endian 64-bit words: byte i of the block lives in lane i/8
 * at bit 8*(i%8), whatever the host byte order. */
static void xor_byte(struct sha3_state *st, size_t i, uint8_t b)
{
    st->a[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int lg_keccak256_init(lg_keccak256_ctx *ctx)
{
    if (!ctx)
        return 0;
    memset(ctx, 0, sizeof *ctx);
    return 1;
}

int lg_keccak256_update(lg_keccak256_ctx *ctx, const void *data, size_t len)
{
    if (!ctx || (!data && len > 0) || ctx->pos >= LG_KECCAK256_RATE)
        return 0;
    const uint8_t *p = data;
    while (len > 0) {
        if (ctx->pos == 0 && len >= LG_KECCAK256_RATE) {
            /* Whole block: absorb a lane at a time. */
            for (size_t l = 0; l < LG_KECCAK256_RATE / 8; l++)
                ctx->state.a[l] ^= load_le64(p + 8 * l);
            nettle_sha3_permute(&ctx->state);
            p += LG_KECCAK256_RATE;
            len -= LG_KECCAK256_RATE;
            continue;
        }
        xor_byte(&ctx->state, ctx->pos++, *p++);
        len--;
        if (ctx->pos == LG_KECCAK256_RATE) {
            nettle_sha3_permute(&ctx->state);
            ctx->pos = 0;
        }
    }
    return 1;
}

int lg_keccak256_final(lg_keccak256_ctx *ctx, uint8_t out[LG_KECCAK256_LEN])
{
    if (!ctx || !out || ctx->pos >= LG_KECCAK256_RATE)
        return 0;
    /* Keccak's multi-rate padding: 0x01 after the message, 0x80 in the block's last
     * byte (both land in one byte when pos is 135). */
    xor_byte(&ctx->state, ctx->pos, 0x01);
    xor_byte(&ctx->state, LG_KECCAK256_RATE - 1, 0x80);
    nettle_sha3_permute(&ctx->state);
    for (size_t i = 0; i < LG_KECCAK256_LEN; i++)
        out[i] = (uint8_t)(ctx->state.a[i / 8] >> (8 * (i % 8)));
    lg_memwipe(ctx, sizeof *ctx);
    return 1;
}

int lg_keccak256(uint8_t out[LG_KECCAK256_LEN], const void *data, size_t len)
{
    lg_keccak256_ctx ctx;
    if (!out || (!data && len > 0))
        return 0;
    lg_keccak256_init(&ctx);
    lg_keccak256_update(&ctx, data, len);
    return lg_keccak256_final(&ctx, out);
}
