/* queries.c - read endpoints: chain views of credit lines and positions, and a
 * partner's own loans, stats and ledger from the store. */
#include "config.h"

#include <lendgate/queries.h>

#include "service_internal.h"

#include <lendgate/address.h>
#include <lendgate/amount.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A read the contract refused is the subject not found (its words kept); anything
 * else is the node's fault (lg_svc_chain_failed: the kind of failure only). */
static lg_err chain_failure(lg_service *svc, lg_err rc, lg_outcome *out, const char *what)
{
    if (rc != LG_ERR_REVERTED)
        return lg_svc_chain_failed(svc, out, rc, what);
    const char *why = lg_svc_chain_text(svc);
    lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "%s: %s", what, *why ? why : "not found");
    return rc;
}

/* A store-only service has no node to ask. */
static lg_err no_chain(lg_outcome *out)
{
    return lg_svc_fail(out, LG_ERR_UNSUPPORTED, "", "chain node not reachable");
}

/* Decimal and dollar text of v; dollars only when v fits 64 bits. */
static void u256_texts(const lg_u256 *v, char dec[LG_U256_LEN], char usd[LG_USD_TEXT_LEN])
{
    uint64_t small;
    if (lg_u256_to_dec(dec, LG_U256_LEN, v) != LG_OK)
        dec[0] = '\0';
    usd[0] = '\0';
    if (lg_u256_to_u64(&small, v) == LG_OK)
        lg_amount_format_usd(small, usd, LG_USD_TEXT_LEN);
}

/* ------------------------------------------------------------ public reads */

/* A public read is held to [chain] read_timeout_ms in all, and starts from the latest
 * block's number: what was read at that block is served again until the next. A
 * node that cannot tell its block (a scripted chain) just goes without the cache. */
static lg_err read_begin(lg_service *svc, uint64_t *block, int *cached)
{
    uint64_t ms = lg_config_u64(svc->cfg, "chain", "read_timeout_ms");
    lg_chain_set_deadline(svc->chain, lg_time_mono_ms() + (int64_t)ms);
    lg_err rc = lg_chain_block_number(svc->chain, block);
    *cached = rc == LG_OK;
    return rc == LG_ERR_UNSUPPORTED ? LG_OK : rc;
}

static void read_end(lg_service *svc)
{
    lg_chain_set_deadline(svc->chain, 0);
}

static lg_read_cached *cache_slot(lg_service *svc, int kind, const char *id)
{
    if (!svc->reads && !(svc->reads = calloc(LG_READ_CACHE_SLOTS, sizeof *svc->reads)))
        return NULL;
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return &svc->reads[h % LG_READ_CACHE_SLOTS];
}

/* The cached view of kind and id read at block, or NULL. */
static const lg_read_cached *cache_get(lg_service *svc, int kind, const char *id, uint64_t block)
{
    const lg_read_cached *c = cache_slot(svc, kind, id);
    return c && c->kind == kind && c->block == block && strcmp(c->id, id) == 0 ? c : NULL;
}

static lg_read_cached *cache_put(lg_service *svc, int kind, const char *id, uint64_t block)
{
    lg_read_cached *c = cache_slot(svc, kind, id);
    if (c) {
        c->kind = kind;
        c->block = block;
        snprintf(c->id, sizeof c->id, "%s", id);
    }
    return c;
}

#define READ_LINE     1
#define READ_POSITION 2

static lg_err read_credit_line(lg_service *svc, const lg_u256 *id, void *v, lg_outcome *out)
{
    lg_credit_line_view *view = v;
    lg_chain *c = svc->chain;
    lg_u256 avail;
    uint8_t owner[LG_ADDRESS_LEN];
    lg_err rc = lg_chain_owner_of(c, owner, id);
    if (rc != LG_OK)
        return chain_failure(svc, rc, out, "ownerOf");
    lg_credit_line line;
    rc = lg_chain_credit_line(c, &line, id);
    if (rc != LG_OK)
        return chain_failure(svc, rc, out, "getCreditLine");
    if (lg_u256_sub(&avail, &line.limit, &line.used) != LG_OK)
        memset(&avail, 0, sizeof avail);
    lg_u256_to_dec(view->oaid, sizeof view->oaid, id);
    lg_address_format(view->owner, sizeof view->owner, owner);
    u256_texts(&line.limit, view->limit, view->limit_usd);
    u256_texts(&line.used, view->used, view->used_usd);
    u256_texts(&avail, view->available, view->available_usd);
    view->active = line.active;
    return LG_OK;
}

static lg_err read_position(lg_service *svc, const lg_u256 *id, void *v, lg_outcome *out)
{
    lg_position_view *view = v;
    lg_vault_position pos;
    lg_err rc = lg_chain_get_position(svc->chain, &pos, id);
    if (rc != LG_OK)
        return chain_failure(svc, rc, out, "getPosition");
    char unused[LG_USD_TEXT_LEN];
    lg_u256_to_dec(view->position_id, sizeof view->position_id, id);
    lg_address_format(view->user, sizeof view->user, pos.user);
    lg_u256_to_dec(view->oaid, sizeof view->oaid, &pos.oaid_token_id);
    lg_address_format(view->collateral_token, sizeof view->collateral_token, pos.collateral_token);
    u256_texts(&pos.collateral_amount, view->collateral_amount, unused);
    u256_texts(&pos.collateral_value, view->collateral_value, view->collateral_value_usd);
    u256_texts(&pos.usdc_borrowed, view->usdc_borrowed, view->usdc_borrowed_usd);
    u256_texts(&pos.health_factor, view->health_factor, unused);
    view->active = pos.active;
    view->token_type = pos.token_type;
    return LG_OK;
}

typedef lg_err (*chain_read_fn)(lg_service *svc, const lg_u256 *id, void *view, lg_outcome *out);

/* A public read of kind for idtext (decimal; field names it in a refusal) into view
 * (size bytes), served from this block's cache when it was read already. */
static lg_err public_read(lg_service *svc, int kind, const char *field, const char *idtext,
                          void *view, size_t size, chain_read_fn read, lg_outcome *out)
{
    memset(view, 0, size);
    if (!svc || !svc->has_chain)
        return no_chain(out);
    lg_u256 id;
    if (lg_u256_from_dec(&id, idtext) != LG_OK)
        return lg_svc_fail(out, LG_ERR_INVALID, field, "not a uint256");
    uint64_t block = 0;
    int cached = 0;
    lg_err rc = read_begin(svc, &block, &cached);
    if (rc != LG_OK) {
        read_end(svc);
        return chain_failure(svc, rc, out, "blockNumber");
    }
    const lg_read_cached *hit = cached ? cache_get(svc, kind, idtext, block) : NULL;
    if (hit) {
        memcpy(view, &hit->v, size);
    } else if ((rc = read(svc, &id, view, out)) == LG_OK && cached) {
        lg_read_cached *put = cache_put(svc, kind, idtext, block);
        if (put)
            memcpy(&put->v, view, size);
    }
    read_end(svc);
    return rc == LG_OK ? lg_svc_done(out, LG_DONE_OK) : rc;
}

lg_err lg_query_credit_line(lg_service *svc, const char *oaid, lg_credit_line_view *view,
                            lg_outcome *out)
{
    if (!view || !out || !oaid)
        return LG_ERR_INVALID;
    return public_read(svc, READ_LINE, "oaidTokenId", oaid, view, sizeof *view, read_credit_line,
                       out);
}

lg_err lg_query_position(lg_service *svc, const char *position_id, lg_position_view *view,
                         lg_outcome *out)
{
    if (!view || !out || !position_id)
        return LG_ERR_INVALID;
    return public_read(svc, READ_POSITION, "positionId", position_id, view, sizeof *view,
                       read_position, out);
}

static lg_err store_failure(lg_err rc, lg_outcome *out)
{
    return lg_svc_store_failed(out, rc, "reading the partner's records");
}

lg_err lg_query_loan(lg_service *svc, const lg_partner *p, const char *partner_loan_id,
                     lg_loan *loan, lg_repayment **reps, size_t *nreps, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!st || !p || !partner_loan_id || !loan || !reps || !nreps || !out)
        return LG_ERR_INVALID;
    *reps = NULL;
    *nreps = 0;
    /* Keyed by the partner's own id, so another partner's loan is simply absent. */
    lg_err rc = lg_store_loan_view(st, p->id, partner_loan_id, loan, reps, nreps);
    if (rc == LG_ERR_NOT_FOUND)
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "Loan not found");
    if (rc != LG_OK)
        return store_failure(rc, out);
    return lg_svc_done(out, LG_DONE_OK);
}

lg_err lg_query_user_loans(lg_service *svc, const lg_partner *p, const char *wallet, int status,
                           uint32_t limit, uint64_t offset, lg_loan **items, size_t *n,
                           uint64_t *total, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!st || !p || !wallet || !items || !n || !total || !out)
        return LG_ERR_INVALID;
    lg_loan_filter f = {.partner_id = p->id,
                        .user_wallet = wallet,
                        .status = status,
                        .limit = limit,
                        .offset = offset};
    lg_err rc = lg_store_loan_list(st, &f, items, n, total);
    if (rc != LG_OK)
        return store_failure(rc, out);
    return lg_svc_done(out, LG_DONE_OK);
}

static uint64_t headroom(uint64_t limit, uint64_t used)
{
    return used >= limit ? 0 : limit - used;
}

lg_err lg_query_stats(lg_service *svc, const lg_partner *p, lg_partner_stats *stats,
                      lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!st || !p || !stats || !out)
        return LG_ERR_INVALID;
    memset(stats, 0, sizeof *stats);
    lg_store_stats s;
    lg_err rc = lg_time_day_key(lg_time_now_ms(), stats->day, sizeof stats->day);
    if (rc == LG_OK)
        rc = lg_store_partner_stats(st, p->id, stats->day, &s);
    if (rc != LG_OK) {
        lg_memwipe(&s, sizeof s);
        return store_failure(rc, out);
    }
    const lg_partner *fresh = &s.partner;
    stats->active_loans = s.loans[LG_LOAN_ACTIVE];
    stats->pending_loans = s.loans[LG_LOAN_PENDING] + s.loans[LG_LOAN_SETTLING];
    stats->repaid_loans = s.loans[LG_LOAN_REPAID];
    stats->today_borrowed = s.day_borrowed;
    stats->total_borrowed = fresh->total_borrowed;
    stats->total_repaid = fresh->total_repaid;
    stats->total_fees = fresh->total_fees;
    stats->outstanding = fresh->outstanding;
    stats->daily_limit = fresh->daily_limit;
    stats->daily_remaining = headroom(fresh->daily_limit, stats->today_borrowed);
    stats->total_limit = fresh->total_limit;
    stats->total_remaining = headroom(fresh->total_limit, fresh->outstanding);
    stats->repayment_balance = headroom(fresh->deposited, fresh->balance_used);
    lg_memwipe(&s, sizeof s); /* the partner's secrets */
    return lg_svc_done(out, LG_DONE_OK);
}

lg_err lg_query_transactions(lg_service *svc, const lg_partner *p, int64_t start_ms, int64_t end_ms,
                             uint32_t limit, uint64_t offset, lg_ledger_entry **items, size_t *n,
                             uint64_t *total, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!st || !p || !items || !n || !total || !out)
        return LG_ERR_INVALID;
    lg_ledger_filter f = {.partner_id = p->id,
                          .start_ms = start_ms,
                          .end_ms = end_ms,
                          .limit = limit,
                          .offset = offset};
    lg_err rc = lg_store_ledger_list(st, &f, items, n, total);
    if (rc != LG_OK)
        return store_failure(rc, out);
    return lg_svc_done(out, LG_DONE_OK);
}
