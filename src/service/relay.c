/* relay.c - keeping the platform's transactions moving: a stuck one replaced with
 * raised fees, and a receipt counted only once it is deep enough (service_internal.h). */
#include "config.h"

#include "service_internal.h"

#include <lendgate/fees.h>
#include <lendgate/hex.h>
#include <lendgate/tx.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEI_PER_GWEI UINT64_C(1000000000)

/* The fees old was signed with, as lg_fees. */
static lg_fees fees_of(const lg_tx_fields *f)
{
    lg_fees fees;
    memset(&fees, 0, sizeof fees);
    fees.eip1559 = f->eip1559;
    fees.max_priority_fee = f->max_priority_fee_per_gas;
    fees.max_fee = f->max_fee_per_gas;
    fees.gas_price = f->gas_price;
    return fees;
}

/* The raise the pool insists on may not pass the cap; a higher current fee is cut
 * down to the cap. LG_ERR_STATE when even the least raise is above it. */
static lg_err capped(lg_fees *next, const lg_fees *prev, uint64_t cap)
{
    uint64_t *fee = next->eip1559 ? &next->max_fee : &next->gas_price;
    uint64_t was = prev->eip1559 ? prev->max_fee : prev->gas_price, least = 0;
    lg_err rc = lg_fees_raise(&least, was, LG_FEES_BUMP_PCT);
    if (rc != LG_OK || least > cap)
        return LG_ERR_STATE;
    if (*fee > cap)
        *fee = cap;
    if (next->eip1559 && next->max_priority_fee > next->max_fee)
        next->max_priority_fee = next->max_fee;
    /* The tip must rise by the same rule, or the pool refuses the replacement. */
    if (next->eip1559) {
        uint64_t tip = 0;
        if (lg_fees_raise(&tip, prev->max_priority_fee, LG_FEES_BUMP_PCT) != LG_OK ||
            tip > next->max_fee)
            return LG_ERR_STATE;
        if (next->max_priority_fee < tip)
            next->max_priority_fee = tip;
    }
    return LG_OK;
}

/* Decodes old's stored bytes into *f; *bytes (free()) holds what f points into. */
static lg_err decode_old(const lg_chain_tx *old, uint8_t **bytes, lg_tx_fields *f)
{
    size_t textlen = strlen(old->raw), len = 0;
    *bytes = malloc(textlen / 2 + 1);
    if (!*bytes)
        return LG_ERR_NOMEM;
    lg_err rc = lg_hex_decode(*bytes, textlen / 2 + 1, &len, old->raw, textlen, LG_HEX_0X);
    if (rc == LG_OK)
        rc = lg_tx_decode_signed(f, *bytes, len);
    return rc == LG_OK ? LG_OK : LG_ERR_INVALID;
}

static lg_err replacement_fees(lg_service *svc, const lg_tx_fields *f, lg_fees *next)
{
    lg_fees prev = fees_of(f), cur;
    lg_err rc = lg_chain_fees(svc->chain, &cur);
    rc = lg_fees_replacement(next, &prev, rc == LG_OK ? &cur : NULL);
    if (rc != LG_OK)
        return rc;
    uint64_t cap_gwei = lg_config_u64(svc->cfg, "chain", "fee_cap_gwei");
    return capped(next, &prev, cap_gwei * WEI_PER_GWEI);
}

lg_err lg_svc_replace(lg_service *svc, const lg_chain_tx *old, char new_hash[LG_HASH_LEN])
{
    uint8_t *bytes = NULL;
    lg_tx_fields f;
    lg_fees next;
    lg_signed_tx tx;
    int persisted = 0;
    memset(&tx, 0, sizeof tx);
    new_hash[0] = '\0';
    lg_err rc = decode_old(old, &bytes, &f);
    if (rc == LG_OK)
        rc = replacement_fees(svc, &f, &next);
    if (rc == LG_OK)
        rc = lg_svc_gas_covered(svc, f.gas_limit, &next, old->purpose);
    if (rc == LG_OK) {
        lg_tx_request req = {
            .to = f.to,
            .value = &f.value,
            .data = f.data,
            .data_len = f.data_len,
            .gas_limit = f.gas_limit,
            .use_nonce = 1,
            .nonce = f.nonce,
            .fees = &next,
        };
        rc =
            lg_svc_send_priced(svc, &tx, &persisted, old->loan_id[0] ? old->loan_id : NULL,
                               old->repayment_id[0] ? old->repayment_id : NULL, old->purpose, &req);
        if (persisted) /* a version the store does not hold was never sent either */
            snprintf(new_hash, LG_HASH_LEN, "%s", tx.hash_hex);
    }
    lg_signed_tx_release(&tx);
    free(bytes);
    return rc;
}

lg_err lg_svc_deep_enough(lg_service *svc, uint64_t block)
{
    uint64_t depth = lg_config_u64(svc->cfg, "chain", "confirmations"), latest = 0;
    if (depth == 0)
        return LG_OK;
    lg_err rc = lg_chain_block_number(svc->chain, &latest);
    if (rc != LG_OK)
        return rc;
    return latest >= block && latest - block >= depth ? LG_OK : LG_ERR_NOT_FOUND;
}
