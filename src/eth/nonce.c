/* nonce.c - nonce allocation over a caller-supplied counter, seeded from the node. */
#include "config.h"

#include <lendgate/nonce.h>

static int iface_ok(const lg_nonce_iface *i)
{
    return i && i->allocate && i->init && i->resync;
}

static lg_err rpc_pending(void *ctx, const uint8_t address[LG_ADDRESS_LEN], uint64_t *pending)
{
    return lg_rpc_get_nonce(ctx, pending, address);
}

lg_err lg_nonce_next_from(const lg_nonce_iface *iface, lg_nonce_pending_fn pending_fn,
                          void *pending_ctx, uint64_t chain_id,
                          const uint8_t address[LG_ADDRESS_LEN], uint64_t *nonce)
{
    if (!iface_ok(iface) || !pending_fn || !address || !nonce)
        return LG_ERR_INVALID;
    lg_err err = iface->allocate(iface->ctx, chain_id, address, nonce);
    if (err != LG_ERR_NOT_FOUND)
        return err;
    /* First use: the node's pending count is the first nonce no transaction holds. */
    uint64_t pending = 0;
    err = pending_fn(pending_ctx, address, &pending);
    if (err == LG_OK)
        err = iface->init(iface->ctx, chain_id, address, pending, NULL);
    if (err == LG_OK)
        err = iface->allocate(iface->ctx, chain_id, address, nonce);
    return err;
}

lg_err lg_nonce_next(const lg_nonce_iface *iface, lg_rpc *rpc, uint64_t chain_id,
                     const uint8_t address[LG_ADDRESS_LEN], uint64_t *nonce)
{
    if (!rpc)
        return LG_ERR_INVALID;
    return lg_nonce_next_from(iface, rpc_pending, rpc, chain_id, address, nonce);
}

lg_err lg_nonce_resync_from(const lg_nonce_iface *iface, lg_nonce_pending_fn pending_fn,
                            void *pending_ctx, uint64_t chain_id,
                            const uint8_t address[LG_ADDRESS_LEN], uint64_t *old_value,
                            uint64_t *new_value)
{
    if (!iface_ok(iface) || !pending_fn || !address)
        return LG_ERR_INVALID;
    uint64_t pending = 0, previous = UINT64_MAX;
    lg_err err = pending_fn(pending_ctx, address, &pending);
    if (err == LG_OK)
        err = iface->resync(iface->ctx, chain_id, address, pending, &previous);
    if (err != LG_OK)
        return err;
    if (old_value)
        *old_value = previous;
    if (new_value)
        *new_value = pending;
    return LG_OK;
}

lg_err lg_nonce_resync(const lg_nonce_iface *iface, lg_rpc *rpc, uint64_t chain_id,
                       const uint8_t address[LG_ADDRESS_LEN], uint64_t *old_value,
                       uint64_t *new_value)
{
    if (!rpc)
        return LG_ERR_INVALID;
    return lg_nonce_resync_from(iface, rpc_pending, rpc, chain_id, address, old_value, new_value);
}
