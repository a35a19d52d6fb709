/* fees.c - EIP-1559 / legacy fee data, gas limits and replacement fees. */
#include "config.h"

#include <lendgate/fees.h>

#include <stdlib.h>
#include <string.h>

static int add_ok(uint64_t *out, uint64_t a, uint64_t b)
{
    if (a > UINT64_MAX - b)
        return 0;
    *out = a + b;
    return 1;
}

lg_err lg_fees_from_base(lg_fees *out, uint64_t base_fee, uint64_t priority)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    uint64_t twice = 0, max_fee = 0;
    if (!add_ok(&twice, base_fee, base_fee) || !add_ok(&max_fee, twice, priority))
        return LG_ERR_OVERFLOW;
    out->eip1559 = 1;
    out->base_fee = base_fee;
    out->max_priority_fee = priority;
    out->max_fee = max_fee;
    return LG_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

lg_err lg_fees_median_reward(uint64_t *out, const uint64_t *rewards, size_t n)
{
    if (!out || !rewards || n == 0 || n > LG_RPC_FEE_HISTORY_MAX)
        return LG_ERR_INVALID;
    uint64_t v[LG_RPC_FEE_HISTORY_MAX];
    memcpy(v, rewards, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_u64);
    *out = v[(n - 1) / 2];
    return LG_OK;
}

/* The priority fee: the node's suggestion, else the fee history's median reward. A node
 * that is down or slow is not asked twice: only an answered error falls back. */
static lg_err fetch_priority(lg_rpc *rpc, uint64_t *priority)
{
    lg_err err = lg_rpc_max_priority_fee(rpc, priority);
    if (err != LG_ERR_RPC)
        return err;
    lg_fee_history h;
    err = lg_rpc_fee_history(rpc, &h, LG_FEES_HISTORY_BLOCKS, LG_FEES_HISTORY_PERCENTILE);
    if (err != LG_OK)
        return err;
    if (h.nblocks == 0)
        return LG_ERR_RPC;
    return lg_fees_median_reward(priority, h.reward, h.nblocks);
}

lg_err lg_fees_fetch(lg_rpc *rpc, lg_fees *out)
{
    if (!rpc || !out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    int has_base = 0;
    uint64_t base = 0, priority = 0;
    lg_err err = lg_rpc_latest_base_fee(rpc, &has_base, &base);
    if (err != LG_OK)
        return err;
    if (!has_base)
        return lg_rpc_gas_price(rpc, &out->gas_price);
    err = fetch_priority(rpc, &priority);
    if (err != LG_OK)
        return err;
    return lg_fees_from_base(out, base, priority);
}

lg_err lg_fees_raise(uint64_t *out, uint64_t v, unsigned pct)
{
    if (!out)
        return LG_ERR_INVALID;
    /* ceil(v * pct / 100) without the product, which could overflow: split v into
     * hundreds and a remainder below 100. */
    uint64_t q = v / 100, r = v % 100, part = 0, extra = 0;
    if (pct && q > UINT64_MAX / pct)
        return LG_ERR_OVERFLOW;
    part = q * pct;
    extra = (r * pct + 99) / 100;
    if (!add_ok(&part, part, extra) || !add_ok(out, v, part))
        return LG_ERR_OVERFLOW;
    return LG_OK;
}

/* max(prev raised by the bump, prev + 1, current) */
static lg_err bump(uint64_t *out, uint64_t prev, uint64_t current)
{
    uint64_t v = 0;
    lg_err err = lg_fees_raise(&v, prev, LG_FEES_BUMP_PCT);
    if (err != LG_OK)
        return err;
    if (v == prev && !add_ok(&v, prev, 1))
        return LG_ERR_OVERFLOW;
    *out = v > current ? v : current;
    return LG_OK;
}

lg_err lg_fees_replacement(lg_fees *out, const lg_fees *prev, const lg_fees *current)
{
    if (!out || !prev)
        return LG_ERR_INVALID;
    lg_fees cur = {0};
    if (current && current->eip1559 == prev->eip1559)
        cur = *current;
    lg_fees r = *prev;
    lg_err err = LG_OK;
    if (prev->eip1559) {
        err = bump(&r.max_priority_fee, prev->max_priority_fee, cur.max_priority_fee);
        if (err == LG_OK)
            err = bump(&r.max_fee, prev->max_fee, cur.max_fee);
        /* A higher current tip may not push the tip above the cap. */
        if (err == LG_OK && r.max_priority_fee > r.max_fee)
            r.max_fee = r.max_priority_fee;
        r.base_fee = cur.base_fee ? cur.base_fee : prev->base_fee;
    } else {
        err = bump(&r.gas_price, prev->gas_price, cur.gas_price);
    }
    if (err != LG_OK)
        return err;
    *out = r;
    return LG_OK;
}

lg_err lg_fees_gas_with_margin(uint64_t *out, uint64_t gas, unsigned margin_pct)
{
    return lg_fees_raise(out, gas, margin_pct);
}

lg_err lg_fees_estimate_gas(lg_rpc *rpc, uint64_t *gas, const lg_rpc_call_args *args,
                            unsigned margin_pct)
{
    if (!gas)
        return LG_ERR_INVALID;
    *gas = 0;
    uint64_t estimate = 0;
    lg_err err = lg_rpc_estimate_gas(rpc, &estimate, args);
    if (err != LG_OK)
        return err;
    return lg_fees_gas_with_margin(gas, estimate, margin_pct);
}
