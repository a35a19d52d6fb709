/* nonce_store.c - adapter from the store's nonce counter to eth's lg_nonce_iface. */
#include "config.h"

#include <lendgate/nonce_store.h>

#include <string.h>

static lg_err addr_text(char out[LG_ADDR_LEN], const uint8_t address[LG_ADDRESS_LEN])
{
    return lg_address_format_lower(out, LG_ADDR_LEN, address);
}

static lg_err st_allocate(void *ctx, uint64_t chain_id, const uint8_t address[LG_ADDRESS_LEN],
                          uint64_t *nonce)
{
    char a[LG_ADDR_LEN];
    lg_err err = addr_text(a, address);
    return err != LG_OK ? err : lg_store_nonce_allocate(ctx, chain_id, a, nonce);
}

static lg_err st_init(void *ctx, uint64_t chain_id, const uint8_t address[LG_ADDRESS_LEN],
                      uint64_t value, int *created)
{
    char a[LG_ADDR_LEN];
    int made = 0;
    lg_err err = addr_text(a, address);
    if (err == LG_OK)
        err = lg_store_nonce_init(ctx, chain_id, a, value, &made);
    if (created)
        *created = err == LG_OK && made;
    return err;
}

static lg_err st_resync(void *ctx, uint64_t chain_id, const uint8_t address[LG_ADDRESS_LEN],
                        uint64_t value, uint64_t *previous)
{
    char a[LG_ADDR_LEN];
    uint64_t prev = UINT64_MAX;
    lg_err err = addr_text(a, address);
    if (err == LG_OK)
        err = lg_store_nonce_resync(ctx, chain_id, a, value, &prev);
    if (previous)
        *previous = prev;
    return err;
}

lg_err lg_nonce_store_iface(lg_nonce_iface *out, lg_store *st)
{
    if (!out || !st)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->ctx = st;
    out->allocate = st_allocate;
    out->init = st_init;
    out->resync = st_resync;
    return LG_OK;
}
