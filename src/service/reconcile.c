/* reconcile.c - finishes what crashed or slow requests left: every persisted
 * transaction still SIGNED is looked up on chain (and re-broadcast when the node lost
 * it), then every unsettled loan and pending repayment is moved on from the states of
 * its transactions, the vault's liquidations end their positions' loans, overdue loans
 * default, and nonce gaps get a zero-value self-transfer. Every state change
 * is one of the store's conditional transitions, so responders may serve meanwhile. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/address.h>
#include <lendgate/hex.h>
#include <lendgate/proc.h>
#include <lendgate/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define BATCH   1000 /* rows looked at per pass */
#define GAP_MAX 64   /* nonce gaps filled per pass */

typedef struct rec {
    lg_service *svc;
    lg_reconcile_report *rep;
    lg_reconcile_note_fn note;
    void *note_ctx;
    lg_err first;             /* the first failure of a row, returned at the end of the pass */
    char owner[LG_OWNER_LEN]; /* this process, holding the store-wide lease */
} rec;

#define RECONCILE_JOB "reconcile"

/* Extends the store-wide lease before each row, so a pass longer than
 * [reconcile] lease_ms keeps it; a pass that lost it (a host took it over after it
 * ran out) stops rather than work a row twice. */
static lg_err renew(rec *r)
{
    int64_t until = lg_time_now_ms() + (int64_t)lg_config_u64(r->svc->cfg, "reconcile", "lease_ms");
    lg_err rc =
        lg_store_job_lease_take(r->svc->st, RECONCILE_JOB, r->owner, until, NULL, NULL, NULL);
    if (rc == LG_ERR_CONFLICT) {
        lg_warn("reconcile.lease", "the store's lease went to another reconcile: pass stopped");
        return LG_ERR_BUSY;
    }
    return rc;
}

static void say(rec *r, const char *event, const char *fmt, ...) LG_PRINTF(3, 4);

static void say(rec *r, const char *event, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg_info(event, "%s", line);
    if (r->note)
        r->note(r->note_ctx, line);
}

/* The row's request may still be working on it: its lease has not run out and its
 * owner has not ended (another host's, or one /proc cannot judge, counts as alive).
 * A row without a lease (its request answered 202, or it predates leases) is
 * reconcile's at once. */
static int owned(const char *owner, int64_t lease_until_ms)
{
    if (!owner[0] || lease_until_ms <= lg_time_now_ms())
        return 0;
    return lg_proc_owner_state(owner) != LG_OWNER_GONE;
}

/* One row's failure does not hold the others up: it is told, remembered for the
 * pass's result, and the pass goes on. Only a store that fails stops it. */
static lg_err keep_going(rec *r, lg_err rc, const char *what, const char *id)
{
    if (rc == LG_OK)
        return LG_OK;
    say(r, "reconcile.error", "%s %s: %s %s", what, id, lg_strerror(rc), lg_svc_chain_text(r->svc));
    if (r->first == LG_OK)
        r->first = rc;
    return lg_svc_store_err(rc) ? rc : LG_OK;
}

/* ------------------------------------------------------------ transactions */

/* LG_OK with the version's state recorded when it is mined deep enough
 * ([chain] confirmations); LG_ERR_NOT_FOUND when not (yet). */
static lg_err tx_mined(lg_service *svc, lg_chain_tx *tx, const uint8_t hash[LG_RPC_HASH_LEN])
{
    lg_receipt rcpt;
    memset(&rcpt, 0, sizeof rcpt);
    lg_err rc = lg_chain_get_receipt(svc->chain, &rcpt, hash);
    if (rc != LG_OK)
        return rc;
    lg_tx_state state = rcpt.status == 1 ? LG_TXS_MINED : LG_TXS_REVERTED;
    uint64_t block = rcpt.block_number;
    lg_receipt_release(&rcpt);
    if ((rc = lg_svc_deep_enough(svc, block)) != LG_OK)
        return rc;
    tx->state = state;
    rc = lg_store_tx_set_state(svc->st, tx->hash, tx->state);
    if (rc == LG_OK)
        lg_svc_tx_event(svc, (int)tx->purpose, state == LG_TXS_MINED ? "mined" : "reverted");
    return rc;
}

/* 0 when tx is the one to replace: the newest version of the lowest nonce still
 * waiting (a later nonce waits on it, and a raise would only cost fees). */
static int not_next(const lg_chain_tx *tx, const lg_chain_tx *all, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (all[i].state != LG_TXS_SIGNED || strcmp(all[i].from, tx->from) != 0)
            continue;
        if (all[i].nonce < tx->nonce || (all[i].nonce == tx->nonce && all[i].id > tx->id))
            return 1;
    }
    return 0;
}

/* tx waits in the pool: past [chain] replace_after_ms the same call goes again at its
 * nonce with raised fees (the node drops the old version for it). */
static lg_err tx_waiting(rec *r, const lg_chain_tx *tx, const lg_chain_tx *all, size_t n)
{
    uint64_t after = lg_config_u64(r->svc->cfg, "chain", "replace_after_ms");
    if (after == 0 || lg_time_now_ms() - tx->created_at_ms < (int64_t)after || not_next(tx, all, n))
        return LG_OK;
    char hash[LG_HASH_LEN];
    lg_err rc = lg_svc_replace(r->svc, tx, hash);
    if (rc == LG_ERR_STATE) {
        say(r, "reconcile.stuck",
            "tx %s (nonce %llu) waits; a replacement would pass "
            "[chain] fee_cap_gwei",
            tx->hash, (unsigned long long)tx->nonce);
        return LG_OK;
    }
    if (rc != LG_OK && !hash[0])
        return rc;
    r->rep->replaced++;
    lg_svc_tx_event(r->svc, (int)tx->purpose, "replaced");
    say(r, "reconcile.replaced", "tx %s (nonce %llu) replaced by %s with raised fees%s", tx->hash,
        (unsigned long long)tx->nonce, hash, rc == LG_OK ? "" : " (its broadcast failed)");
    return LG_OK;
}

/* Moves one SIGNED version on from what the node knows of it: mined -> MINED or
 * REVERTED; in the pool -> unchanged; unknown -> broadcast again, or DROPPED when the
 * node refuses the bytes (their nonce went to another transaction). */
static lg_err tx_refresh(rec *r, lg_chain_tx *tx, const lg_chain_tx *all, size_t n)
{
    lg_service *svc = r->svc;
    uint8_t hash[LG_RPC_HASH_LEN];
    lg_rpc_tx_info info;
    if (lg_hex_decode_fixed(hash, sizeof hash, tx->hash, LG_HEX_0X) != LG_OK)
        return LG_ERR_INVALID;
    lg_err rc = tx_mined(svc, tx, hash);
    if (rc != LG_ERR_NOT_FOUND)
        return rc;
    rc = lg_chain_get_tx(svc->chain, &info, hash);
    if (rc == LG_OK && !info.mined)
        return tx_waiting(r, tx, all, n);
    if (rc != LG_ERR_NOT_FOUND)
        return rc;
    rc = lg_chain_send_hex(svc->chain, NULL, tx->raw);
    if (rc == LG_OK) {
        r->rep->rebroadcast++;
        say(r, "reconcile.rebroadcast", "tx %s (nonce %llu) re-broadcast", tx->hash,
            (unsigned long long)tx->nonce);
        /* An automining node has mined it already: record that in this pass. */
        rc = tx_mined(svc, tx, hash);
        return rc == LG_ERR_NOT_FOUND ? LG_OK : rc;
    }
    if (rc != LG_ERR_RPC)
        return rc;
    if (lg_svc_nonce_too_high(svc)) {
        say(r, "reconcile.waiting", "tx %s (nonce %llu) waits for a lower nonce", tx->hash,
            (unsigned long long)tx->nonce);
        return LG_OK;
    }
    tx->state = LG_TXS_DROPPED;
    say(r, "reconcile.dropped", "tx %s (nonce %llu) refused by the node: %s; dropped", tx->hash,
        (unsigned long long)tx->nonce, lg_svc_chain_text(svc));
    return lg_store_tx_set_state(svc->st, tx->hash, LG_TXS_DROPPED);
}

static lg_err refresh_all(rec *r)
{
    lg_chain_tx *txs = NULL;
    size_t n = 0;
    lg_err rc = lg_store_tx_list_unsettled(r->svc->st, BATCH, &txs, &n);
    for (size_t i = 0; rc == LG_OK && i < n; i++)
        if ((rc = renew(r)) == LG_OK)
            rc = keep_going(r, tx_refresh(r, &txs[i], txs, n), "tx", txs[i].hash);
    free(txs);
    return rc;
}

/* What the versions of one purpose add up to. */
typedef struct tx_view {
    int mined; /* index of the mined version, or -1 */
    int live;  /* versions still SIGNED */
    int dead;  /* REVERTED or DROPPED */
    int reverted;
    size_t count;
} tx_view;

static tx_view view_of(const lg_chain_tx *txs, size_t n, lg_tx_purpose purpose)
{
    tx_view v = {-1, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (txs[i].purpose != purpose)
            continue;
        v.count++;
        if (txs[i].state == LG_TXS_MINED)
            v.mined = (int)i;
        else if (txs[i].state == LG_TXS_SIGNED)
            v.live++;
        else if (txs[i].state == LG_TXS_REVERTED)
            v.dead++, v.reverted++;
        else if (txs[i].state == LG_TXS_DROPPED)
            v.dead++;
    }
    return v;
}

/* ------------------------------------------------------------------ loans */

static lg_err loan_fail(rec *r, const lg_loan *loan, const char *reason)
{
    lg_err rc = lg_store_loan_fail(r->svc->st, loan->id, reason);
    if (rc == LG_ERR_STATE)
        return LG_OK; /* a responder moved it meanwhile */
    if (rc == LG_OK) {
        r->rep->loans_failed++;
        say(r, "reconcile.loan_failed", "loan %s (%s) failed: %s", loan->id, loan->partner_loan_id,
            reason);
    }
    return rc;
}

static lg_err loan_pending(rec *r, lg_loan *loan, const lg_chain_tx *txs, size_t n, int *moved)
{
    tx_view v = view_of(txs, n, LG_TXP_BORROW);
    *moved = 0;
    if (v.mined >= 0) {
        lg_err rc = lg_store_loan_mark_borrowed(r->svc->st, loan->id, txs[v.mined].hash);
        if (rc == LG_OK)
            rc = lg_store_loan_get_by_id(r->svc->st, loan->id, loan);
        if (rc == LG_OK) {
            *moved = 1;
            say(r, "reconcile.borrowed", "loan %s (%s) borrow %s mined", loan->id,
                loan->partner_loan_id, txs[v.mined].hash);
        }
        return rc == LG_ERR_STATE ? LG_OK : rc;
    }
    if (v.live || owned(loan->owner, loan->lease_until_ms)) {
        r->rep->still_pending++;
        return LG_OK;
    }
    if (v.reverted)
        return loan_fail(r, loan, "borrow transaction reverted");
    return loan_fail(r, loan,
                     v.count ? "borrow transaction was dropped" : "no borrow transaction was sent");
}

static lg_err loan_settling(rec *r, lg_loan *loan, const lg_chain_tx *txs, size_t n)
{
    lg_service *svc = r->svc;
    tx_view v = view_of(txs, n, LG_TXP_TRANSFER);
    if (v.mined >= 0) {
        lg_err rc = lg_store_loan_confirm(svc->st, loan->id, loan->borrow_tx, txs[v.mined].hash);
        if (rc == LG_OK) {
            r->rep->loans_confirmed++;
            say(r, "reconcile.confirmed", "loan %s (%s) confirmed, payout %s", loan->id,
                loan->partner_loan_id, txs[v.mined].hash);
        }
        return rc == LG_ERR_STATE ? LG_OK : rc;
    }
    if (v.live || owned(loan->owner, loan->lease_until_ms)) {
        r->rep->still_pending++;
        return LG_OK;
    }
    /* No payout in flight: the debt exists on chain, so pay again until paid. */
    lg_partner p;
    lg_err rc = lg_store_partner_get(svc->st, loan->partner_id, &p);
    if (rc != LG_OK)
        return rc;
    say(r, "reconcile.payout", "loan %s (%s) sending the payout of %llu to %s", loan->id,
        loan->partner_loan_id, (unsigned long long)loan->net, p.settlement_address);
    rc = lg_svc_payout(svc, loan, p.settlement_address,
                       lg_config_u64(svc->cfg, "chain", "receipt_timeout_ms"));
    if (rc == LG_OK) {
        r->rep->loans_confirmed++;
        say(r, "reconcile.confirmed", "loan %s (%s) confirmed", loan->id, loan->partner_loan_id);
        return LG_OK;
    }
    r->rep->still_pending++;
    say(r, "reconcile.payout", "loan %s payout not settled yet: %s", loan->id, lg_strerror(rc));
    return rc == LG_ERR_TIMEOUT || rc == LG_ERR_REVERTED || rc == LG_ERR_RPC ? LG_OK : rc;
}

static lg_err loan_one(rec *r, lg_loan *loan)
{
    lg_chain_tx *txs = NULL;
    size_t n = 0;
    int moved = 0;
    lg_err rc = lg_store_tx_list(r->svc->st, loan->id, NULL, &txs, &n);
    if (rc == LG_OK && loan->status == LG_LOAN_PENDING)
        rc = loan_pending(r, loan, txs, n, &moved);
    if (rc == LG_OK && (loan->status == LG_LOAN_SETTLING || moved))
        rc = loan_settling(r, loan, txs, n);
    free(txs);
    return rc;
}

static lg_err loans_all(rec *r)
{
    lg_loan *loans = NULL;
    size_t n = 0;
    lg_err rc = lg_store_loan_list_unsettled(r->svc->st, BATCH, &loans, &n);
    for (size_t i = 0; rc == LG_OK && i < n; i++)
        if ((rc = renew(r)) == LG_OK)
            rc = keep_going(r, loan_one(r, &loans[i]), "loan", loans[i].id);
    free(loans);
    return rc;
}

/* ------------------------------------------------------------- repayments */

static lg_err repay_fail(rec *r, const lg_repayment *rp, const char *reason)
{
    lg_err rc = lg_store_repay_fail(r->svc->st, rp->id, reason);
    if (rc == LG_ERR_STATE)
        return LG_OK;
    if (rc == LG_OK) {
        r->rep->repayments_failed++;
        say(r, "reconcile.repay_failed", "repayment %s failed: %s", rp->id, reason);
    }
    return rc;
}

static lg_err repay_apply(rec *r, const lg_repayment *rp, const char *hash)
{
    lg_err rc = lg_store_repay_apply(r->svc->st, rp->id, hash, NULL);
    if (rc == LG_ERR_STATE)
        return LG_OK;
    if (rc == LG_OK) {
        r->rep->repayments_applied++;
        say(r, "reconcile.repay_applied", "repayment %s applied by %s", rp->id, hash);
    }
    return rc;
}

/* Nothing was sent because the wallet or the node cannot go on now: the partner
 * was told 202, so the repayment waits for a later pass rather than failing. */
static lg_err repay_wait(rec *r, const lg_repayment *rp, lg_err why)
{
    r->rep->still_pending++;
    say(r, "reconcile.repay_wait", "repayment %s: repayLoan not sent: %s", rp->id,
        lg_strerror(why));
    return LG_OK;
}

/* The repayment's approve is mined (or was not needed) but no repayLoan went out:
 * send it, as the request that began it would have. */
static lg_err repay_send(rec *r, const lg_repayment *rp)
{
    lg_service *svc = r->svc;
    lg_loan loan;
    lg_u256 amount, allowance;
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_err rc = lg_store_loan_get_by_id(svc->st, rp->loan_id, &loan);
    if (rc != LG_OK)
        return rc;
    rc = lg_chain_allowance(svc->chain, &allowance, svc->platform, svc->chain->vault);
    if (rc != LG_OK)
        return rc;
    lg_u256_from_u64(&amount, rp->amount);
    if (lg_u256_cmp(&allowance, &amount) < 0)
        return repay_fail(r, rp, "the USDC approve did not complete");
    if (lg_svc_repay_data(loan.position_id, rp->amount, data, &len) != LG_OK)
        return repay_fail(r, rp, "position id does not encode");
    rc = lg_svc_usdc_covered(svc, rp->amount);
    if (rc != LG_OK)
        return repay_wait(r, rp, rc);
    lg_signed_tx tx;
    int persisted = 0;
    char reason[LG_REASON_LEN] = "";
    rc = lg_svc_send(svc, &tx, &persisted, NULL, rp->id, LG_TXP_REPAY, svc->chain->vault, data, len,
                     0, 0);
    char hash[LG_HASH_LEN];
    snprintf(hash, sizeof hash, "%s", tx.hash_hex);
    lg_signed_tx_release(&tx);
    if (rc != LG_OK && !persisted && rc != LG_ERR_REVERTED)
        return repay_wait(r, rp, rc);
    if (rc != LG_OK && !persisted)
        return repay_fail(r, rp, lg_svc_public_reason(svc, rc, "repayLoan"));
    say(r, "reconcile.repay_sent", "repayment %s repayLoan %s sent", rp->id, hash);
    if (rc != LG_OK)
        return LG_OK;
    rc = lg_svc_wait(svc, hash, lg_config_u64(svc->cfg, "chain", "receipt_timeout_ms"),
                     svc->chain->vault, data, len, reason, sizeof reason);
    if (rc == LG_OK)
        return repay_apply(r, rp, hash);
    if (rc == LG_ERR_REVERTED)
        return repay_fail(r, rp, reason);
    r->rep->still_pending++;
    return LG_OK;
}

static lg_err repay_one(rec *r, const lg_repayment *rp)
{
    lg_chain_tx *txs = NULL;
    size_t n = 0;
    lg_err rc = lg_store_tx_list(r->svc->st, NULL, rp->id, &txs, &n);
    if (rc != LG_OK)
        return rc;
    tx_view repay = view_of(txs, n, LG_TXP_REPAY);
    tx_view approve = view_of(txs, n, LG_TXP_APPROVE);
    if (repay.mined >= 0)
        rc = repay_apply(r, rp, txs[repay.mined].hash);
    else if (repay.live || approve.live || owned(rp->owner, rp->lease_until_ms))
        r->rep->still_pending++;
    else if (repay.reverted)
        rc = repay_fail(r, rp, "repayLoan transaction reverted");
    else if (approve.reverted && approve.mined < 0)
        rc = repay_fail(r, rp, "USDC approve transaction reverted");
    else
        rc = repay_send(r, rp);
    free(txs);
    return rc;
}

static lg_err repays_all(rec *r)
{
    lg_repayment *rps = NULL;
    size_t n = 0;
    lg_err rc = lg_store_repay_list_pending(r->svc->st, BATCH, &rps, &n);
    for (size_t i = 0; rc == LG_OK && i < n; i++)
        if ((rc = renew(r)) == LG_OK)
            rc = keep_going(r, repay_one(r, &rps[i]), "repayment", rps[i].id);
    free(rps);
    return rc;
}

/* ----------------------------------------------- liquidations and defaults */

/* Each chain has its own place in the vault's logs. */
#define LIQ_CURSOR(svc) ((svc)->is_sandbox ? "liquidations.sandbox" : "liquidations")
#define SCAN_STEPS      50 /* log ranges of LG_CHAIN_LOG_SPAN blocks read per pass */
#define DAY_MS          86400000LL

/* The newest block every node agrees on: [chain] confirmations below the head. */
static lg_err safe_head(rec *r, uint64_t *safe)
{
    uint64_t latest = 0, depth = lg_config_u64(r->svc->cfg, "chain", "confirmations");
    lg_err rc = lg_chain_block_number(r->svc->chain, &latest);
    if (rc == LG_OK)
        *safe = latest > depth ? latest - depth : 0;
    return rc;
}

/* Applies one Liquidated log to the store. The store keeps positions by (wallet,
 * oaid): the wallet is the log's user, the OAID is the vault's record of the position
 * (kept after the liquidation). Out: *held = 1 when loans of the position were left
 * in flight, so that the log is read again once reconcile has settled them. */
static lg_err liquidation_one(rec *r, const lg_liquidation *l, int *held)
{
    lg_vault_position vp;
    lg_liquidate_result res;
    char wallet[LG_ADDR_LEN], oaid[LG_U256_LEN], position[LG_U256_LEN], hash[LG_HASH_LEN];
    lg_err rc = lg_chain_get_position(r->svc->chain, &vp, &l->position_id);
    if (rc == LG_OK)
        rc = lg_u256_to_dec(oaid, sizeof oaid, &vp.oaid_token_id);
    if (rc == LG_OK)
        rc = lg_u256_to_dec(position, sizeof position, &l->position_id);
    if (rc == LG_OK)
        rc = lg_address_format_lower(wallet, sizeof wallet, l->user);
    if (rc == LG_OK)
        rc = lg_hex_encode(hash, sizeof hash, l->tx_hash, sizeof l->tx_hash, LG_HEX_0X);
    if (rc == LG_OK)
        rc = lg_store_position_liquidate(r->svc->st, wallet, oaid, position, hash, &res);
    if (rc != LG_OK) {
        *held = 1;
        return rc;
    }
    if (res.left)
        *held = 1;
    if (res.liquidated) {
        r->rep->liquidations++;
        r->rep->loans_liquidated += res.liquidated;
        say(r, "reconcile.liquidated",
            "position %s (oaid %s) liquidated by %s: %u loan(s) ended, %llu cleared", position,
            oaid, hash, res.liquidated, (unsigned long long)res.debt_cleared);
    }
    if (res.left)
        say(r, "reconcile.liquidation_held",
            "position %s: %u loan(s) in flight, liquidation %s applied again next pass", position,
            res.left, hash);
    return LG_OK;
}

/* Reads blocks from..to and applies their liquidations. Out: *held_at = the block of
 * the first log that must be read again (UINT64_MAX when none). */
static lg_err scan_range(rec *r, uint64_t from, uint64_t to, uint64_t *held_at)
{
    lg_liquidation *logs = NULL;
    size_t n = 0;
    lg_err rc = lg_chain_liquidations(r->svc->chain, &logs, &n, from, to);
    for (size_t i = 0; rc == LG_OK && i < n; i++) {
        int held = 0;
        char id[LG_HASH_LEN] = "";
        lg_hex_encode(id, sizeof id, logs[i].tx_hash, sizeof logs[i].tx_hash, LG_HEX_0X);
        if ((rc = renew(r)) == LG_OK)
            rc = keep_going(r, liquidation_one(r, &logs[i], &held), "liquidation", id);
        if (held && logs[i].block_number < *held_at)
            *held_at = logs[i].block_number;
    }
    free(logs);
    return rc;
}

/* Scans the vault's Liquidated logs from the cursor to the safe head in bounded
 * ranges. The first pass only places the cursor at the safe head: what the vault did
 * before lendgate watched it is history, not work. */
static lg_err liquidations_all(rec *r)
{
    uint64_t safe = 0, cursor = 0, held_at = UINT64_MAX;
    lg_err rc = safe_head(r, &safe);
    if (rc == LG_OK)
        rc = lg_store_cursor_get(r->svc->st, LIQ_CURSOR(r->svc), &cursor);
    if (rc == LG_ERR_NOT_FOUND)
        return lg_store_cursor_set(r->svc->st, LIQ_CURSOR(r->svc), safe);
    if (rc != LG_OK)
        return rc;
    uint64_t from = cursor + 1, read_to = cursor;
    for (int step = 0; rc == LG_OK && step < SCAN_STEPS && from <= safe; step++) {
        uint64_t to = safe - from < LG_CHAIN_LOG_SPAN ? safe : from + LG_CHAIN_LOG_SPAN - 1;
        if ((rc = scan_range(r, from, to, &held_at)) == LG_OK)
            read_to = to;
        from = to + 1;
    }
    /* Ranges read whole move the cursor, up to the first log to be read again. */
    uint64_t next = held_at == UINT64_MAX || held_at > read_to ? read_to : held_at - 1;
    if (next == cursor)
        return rc;
    lg_err set = lg_store_cursor_set(r->svc->st, LIQ_CURSOR(r->svc), next);
    return rc != LG_OK ? rc : set;
}

/* ACTIVE loans older than [admin] default_after_days become DEFAULTED: still owed,
 * still repayable, but the partner is told the debt is in default. */
static lg_err defaults_all(rec *r)
{
    uint64_t days = lg_config_u64(r->svc->cfg, "admin", "default_after_days");
    char reason[LG_REASON_LEN];
    lg_loan *loans = NULL;
    size_t n = 0;
    snprintf(reason, sizeof reason, "no repayment within %llu days", (unsigned long long)days);
    lg_err rc = lg_store_loan_list_overdue(r->svc->st, lg_time_now_ms() - (int64_t)days * DAY_MS,
                                           BATCH, &loans, &n);
    for (size_t i = 0; rc == LG_OK && i < n; i++) {
        if ((rc = renew(r)) != LG_OK)
            break;
        lg_err one = lg_store_loan_default(r->svc->st, loans[i].id, reason, NULL, NULL);
        if (one == LG_OK) {
            r->rep->loans_defaulted++;
            say(r, "reconcile.defaulted", "loan %s (%s) defaulted: %s", loans[i].id,
                loans[i].partner_loan_id, reason);
        }
        /* LG_ERR_STATE: repaid or liquidated meanwhile. */
        rc = keep_going(r, one == LG_ERR_STATE ? LG_OK : one, "loan", loans[i].id);
    }
    free(loans);
    return rc;
}

/* ------------------------------------------------------------- nonce gaps */

/* 1 when a version at nonce is still waiting to be mined (it is no gap). */
static int nonce_held(const lg_chain_tx *txs, size_t n, const char *from, uint64_t nonce)
{
    for (size_t i = 0; i < n; i++)
        if (txs[i].nonce == nonce && txs[i].state == LG_TXS_SIGNED &&
            strcasecmp(txs[i].from, from) == 0)
            return 1;
    return 0;
}

/* The lowest nonce below the store's counter that the chain has not seen and no
 * persisted transaction holds, or UINT64_MAX when there is none. */
static lg_err find_gap(rec *r, uint64_t *gap)
{
    lg_service *svc = r->svc;
    uint64_t next = 0, pending = 0;
    lg_chain_tx *txs = NULL;
    size_t n = 0;
    *gap = UINT64_MAX;
    lg_err rc = lg_store_nonce_peek(svc->st, svc->chain_id, svc->platform_hex, &next);
    if (rc == LG_ERR_NOT_FOUND)
        return LG_OK;
    if (rc == LG_OK)
        rc = lg_chain_pending_nonce(svc->chain, &pending, svc->platform);
    if (rc == LG_OK && pending < next)
        rc = lg_store_tx_list_unsettled(svc->st, BATCH, &txs, &n);
    for (uint64_t k = pending; rc == LG_OK && k < next; k++) {
        if (!nonce_held(txs, n, svc->platform_hex, k)) {
            *gap = k;
            break;
        }
    }
    free(txs);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static lg_err fill_gap(rec *r, uint64_t nonce)
{
    lg_service *svc = r->svc;
    lg_signed_tx tx;
    int persisted = 0;
    lg_err rc = lg_svc_send(svc, &tx, &persisted, NULL, NULL, LG_TXP_GAPFILL, svc->platform, NULL,
                            0, 1, nonce);
    if (rc == LG_OK || persisted) {
        r->rep->nonce_gaps_filled++;
        lg_svc_count(svc, "lendgate_nonce_gaps_filled_total", "");
        say(r, "reconcile.gapfill", "nonce %llu filled by self-transfer %s%s",
            (unsigned long long)nonce, tx.hash_hex, rc == LG_OK ? "" : " (broadcast pending)");
        rc = LG_OK;
    }
    lg_signed_tx_release(&tx);
    return rc;
}

static lg_err gaps_all(rec *r)
{
    for (int i = 0; i < GAP_MAX; i++) {
        uint64_t gap = UINT64_MAX, again = UINT64_MAX;
        lg_err rc = find_gap(r, &gap);
        if (rc != LG_OK || gap == UINT64_MAX)
            return rc;
        /* A worker that has just taken this nonce persists its transaction within
         * milliseconds: only a gap that outlasts the grace ([chain] gap_grace_ms) is one. */
        sleep_ms((long)lg_config_u64(r->svc->cfg, "chain", "gap_grace_ms"));
        if ((rc = find_gap(r, &again)) != LG_OK || again != gap)
            return rc;
        if ((rc = renew(r)) != LG_OK || (rc = fill_gap(r, gap)) != LG_OK)
            return rc;
    }
    return LG_OK;
}

/* ------------------------------------------------------------------- entry */

/* Two reconcilers could both find a payout missing and both send one: a pass holds
 * an exclusive lock on [store] state_dir/reconcile.lock (the SQLite store lives on
 * one host). Returns the locked descriptor, or -1 with *rc set. */
static int lock_pass(lg_service *svc, lg_err *rc)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reconcile.lock", lg_config_str(svc->cfg, "store", "state_dir"));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        lg_error("reconcile.lock", "cannot open %s: %s", path, strerror(errno));
        *rc = LG_ERR_IO;
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        lg_warn("reconcile.lock", "another reconcile holds %s", path);
        close(fd);
        *rc = LG_ERR_BUSY;
        return -1;
    }
    return fd;
}

static lg_err run_pass(rec *r)
{
    lg_err rc = refresh_all(r);
    if (rc == LG_OK)
        rc = loans_all(r);
    if (rc == LG_OK)
        rc = repays_all(r);
    /* After the loans and repayments: those in flight hold a liquidation back. */
    if (rc == LG_OK)
        rc = liquidations_all(r);
    if (rc == LG_OK)
        rc = defaults_all(r);
    if (rc == LG_OK)
        rc = gaps_all(r);
    /* Transactions the node refused while a gap sat below them can go now. */
    if (rc == LG_OK && r->rep->nonce_gaps_filled)
        rc = refresh_all(r);
    return rc == LG_OK ? r->first : rc;
}

/* The store-wide lease of reconcile: one pass at a time across every host that
 * shares the store (the flock above covers this host only). A holder that has ended
 * on this host is taken over at once; one on another host when its lease runs out. */
static lg_err lease_pass(lg_service *svc, char owner[LG_OWNER_LEN])
{
    char holder[LG_OWNER_LEN] = "";
    int64_t until = 0;
    int64_t want = lg_time_now_ms() + (int64_t)lg_config_u64(svc->cfg, "reconcile", "lease_ms");
    lg_err rc = lg_proc_owner(owner);
    if (rc != LG_OK)
        return rc;
    rc = lg_store_job_lease_take(svc->st, RECONCILE_JOB, owner, want, NULL, holder, &until);
    if (rc == LG_ERR_CONFLICT && lg_proc_owner_state(holder) == LG_OWNER_GONE) {
        lg_warn("reconcile.lease", "taking over from %s, which has ended", holder);
        rc = lg_store_job_lease_take(svc->st, RECONCILE_JOB, owner, want, holder, holder, &until);
    }
    if (rc == LG_ERR_CONFLICT) {
        char when[40] = "";
        lg_time_format_rfc3339(until, when, sizeof when);
        lg_warn("reconcile.lease", "another reconcile (%s) holds the store's lease until %s",
                holder, when);
        return LG_ERR_BUSY;
    }
    return rc;
}

static void report_add(lg_reconcile_report *to, const lg_reconcile_report *from)
{
    to->loans_confirmed += from->loans_confirmed;
    to->loans_failed += from->loans_failed;
    to->repayments_applied += from->repayments_applied;
    to->repayments_failed += from->repayments_failed;
    to->rebroadcast += from->rebroadcast;
    to->replaced += from->replaced;
    to->nonce_gaps_filled += from->nonce_gaps_filled;
    to->still_pending += from->still_pending;
    to->liquidations += from->liquidations;
    to->loans_liquidated += from->loans_liquidated;
    to->loans_defaulted += from->loans_defaulted;
}

/* The sandbox's chain, when this host has one, in the same pass under the same lock
 * and lease: its service sees only the sandbox's loans, repayments, transactions and
 * positions (lg_store_set_sandbox), as the live pass saw only the live ones. */
static lg_err sandbox_pass(const rec *live)
{
    lg_service *sb;
    lg_err rc = lg_svc_sandbox(live->svc, &sb);
    if (rc == LG_ERR_CONFIG)
        return LG_OK;
    if (rc != LG_OK)
        return rc;
    lg_reconcile_report rep = {0};
    rec r = *live;
    r.svc = sb;
    r.rep = &rep;
    r.first = LG_OK;
    rc = run_pass(&r);
    report_add(live->rep, &rep);
    if (rc != LG_OK)
        lg_warn("reconcile.error", "the sandbox's pass stopped: %s (%s)", lg_strerror(rc),
                lg_svc_chain_text(sb));
    return rc;
}

lg_err lg_service_reconcile_ex(lg_service *svc, lg_reconcile_report *report,
                               lg_reconcile_note_fn note, void *note_ctx)
{
    if (report)
        memset(report, 0, sizeof *report);
    if (!svc || !report || !svc->has_chain)
        return LG_ERR_INVALID;
    rec r = {svc, report, note, note_ctx, LG_OK, ""};
    lg_err rc = LG_OK;
    int fd = lock_pass(svc, &rc);
    if (fd >= 0 && (rc = lease_pass(svc, r.owner)) != LG_OK)
        close(fd);
    if (fd < 0 || rc != LG_OK) {
        lg_svc_count(svc, "lendgate_reconcile_runs_total",
                     rc == LG_ERR_BUSY || rc == LG_ERR_CONFLICT ? "result=\"busy\""
                                                                : "result=\"error\"");
        return rc;
    }
    if (lg_service_audit_drain(svc, &report->audit_rows) != LG_OK)
        lg_warn("reconcile.audit", "the audit spool stays for the next pass");
    rc = run_pass(&r);
    if (rc != LG_OK)
        lg_warn("reconcile.error", "reconcile stopped: %s (%s)", lg_strerror(rc),
                lg_svc_chain_text(svc));
    lg_err sb = rc == LG_ERR_BUSY ? LG_OK : sandbox_pass(&r);
    if (rc == LG_OK)
        rc = sb;
    if (lg_store_job_lease_release(svc->st, RECONCILE_JOB, r.owner) != LG_OK)
        lg_warn("reconcile.lease", "the store's lease stays until it runs out");
    close(fd);
    lg_svc_count(svc, "lendgate_reconcile_runs_total",
                 rc == LG_OK ? "result=\"ok\"" : "result=\"error\"");
    return rc;
}

lg_err lg_service_reconcile(lg_service *svc, lg_reconcile_report *report)
{
    return lg_service_reconcile_ex(svc, report, NULL, NULL);
}
