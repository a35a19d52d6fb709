/*
 * nonce_store.h - the store's per-address nonce counter as an lg_nonce_iface, so that
 * eth allocates nonces atomically across workers without knowing about the store.
 */
#ifndef LENDGATE_NONCE_STORE_H
#define LENDGATE_NONCE_STORE_H

#include <lendgate/error.h>
#include <lendgate/nonce.h>
#include <lendgate/store.h>

/*
 * Fills *out with functions over st's nonces table (lg_store_nonce_init, _allocate,
 * _resync; addresses keyed in lowercase). st is borrowed: it must stay open while *out
 * is used, and belongs to the calling process like any store handle.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument).
 */
lg_err lg_nonce_store_iface(lg_nonce_iface *out, lg_store *st);

#endif
