/* borrow.c - the borrow pipeline of DESIGN.md: idempotency, chain checks, the
 * reservation, borrowUSDC and the payout, each transaction persisted before it is sent. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/amount.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ outcomes */

/* A stored loan given back for a repeated request: the same body gets the stored
 * result, another body with the same partnerLoanId is a conflict. */
static lg_err replay(const lg_loan *loan, const lg_borrow_request *req, lg_outcome *out)
{
    if (strcmp(loan->request_hash, req->request_hash) != 0) {
        return lg_svc_fail(out, LG_ERR_CONFLICT, "",
                           "Partner loan ID already exists with a different request");
    }
    switch (loan->status) {
    case LG_LOAN_ACTIVE:
    case LG_LOAN_REPAID:
        lg_svc_done(out, LG_DONE_CREATED);
        return LG_OK;
    case LG_LOAN_PENDING:
    case LG_LOAN_SETTLING:
        lg_svc_done(out, LG_DONE_ACCEPTED);
        return LG_OK;
    default:
        return lg_svc_fail(out, LG_ERR_STATE, "", "Loan failed: %s", loan->failure_reason);
    }
}

static lg_err partner_refused(const lg_partner *p, lg_outcome *out)
{
    if (p->status == LG_PARTNER_SUSPENDED) {
        return lg_svc_fail(out, LG_ERR_SUSPENDED, "", "Partner account is suspended");
    }
    return lg_svc_fail(out, LG_ERR_INACTIVE, "", "Partner account is inactive");
}

/* ----------------------------------------------------------- chain checks */

/* A read that reverted names the contract's reason; anything else is the node's fault. */
static lg_err read_failed(lg_service *svc, lg_outcome *out, lg_err rc, const char *what)
{
    if (rc != LG_ERR_REVERTED)
        return lg_svc_chain_failed(svc, out, rc, what);
    return lg_svc_fail(out, LG_ERR_REVERTED, "", "%s failed: %s", what, lg_svc_chain_text(svc));
}

static lg_err check_owner(lg_service *svc, const lg_borrow_request *req, const lg_u256 *oaid,
                          lg_outcome *out)
{
    uint8_t wallet[LG_ADDRESS_LEN], owner[LG_ADDRESS_LEN];
    if (lg_address_parse(wallet, req->user_wallet) != LG_OK) {
        return lg_svc_fail(out, LG_ERR_INVALID, "userWallet", "not a valid address");
    }
    lg_err rc = lg_chain_owner_of(svc->chain, owner, oaid);
    if (rc == LG_ERR_REVERTED) {
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "OAID %s does not exist", req->oaid);
    }
    if (rc != LG_OK)
        return read_failed(svc, out, rc, "OAID ownerOf");
    if (memcmp(owner, wallet, sizeof owner) != 0) {
        return lg_svc_fail(out, LG_ERR_FORBIDDEN, "", "User does not own this OAID");
    }
    return LG_OK;
}

static uint64_t u256_saturate(const lg_u256 *v)
{
    uint64_t x = UINT64_MAX;
    return lg_u256_to_u64(&x, v) == LG_OK ? x : UINT64_MAX;
}

/* Out: remaining = the line's available credit after this borrow, decimal. */
static lg_err check_credit(lg_service *svc, const lg_borrow_request *req, const lg_u256 *oaid,
                           char remaining[LG_U256_LEN], lg_outcome *out)
{
    lg_credit_line line;
    lg_err rc = lg_chain_credit_line(svc->chain, &line, oaid);
    if (rc != LG_OK)
        return read_failed(svc, out, rc, "OAID getCreditLine");
    if (!line.active) {
        return lg_svc_fail(out, LG_ERR_STATE, "", "OAID credit line is not active");
    }
    lg_u256 avail;
    uint64_t available = 0;
    if (lg_u256_sub(&avail, &line.limit, &line.used) == LG_OK)
        available = u256_saturate(&avail);
    if (available < req->amount) {
        char a[LG_AMOUNT_USD_LEN];
        lg_svc_usd(available, a);
        return lg_svc_fail(out, LG_ERR_FUNDS, "", "Insufficient credit. Available: $%s", a);
    }
    lg_u256 amount, left;
    if (lg_u256_from_u64(&amount, req->amount) != LG_OK ||
        lg_u256_sub(&left, &avail, &amount) != LG_OK ||
        lg_u256_to_dec(remaining, LG_U256_LEN, &left) != LG_OK)
        remaining[0] = '\0';
    return LG_OK;
}

/* The store's copy of a vault position: what the position endpoints and the debt
 * tracking read without a chain call. */
static void position_row(lg_position *row, const lg_borrow_request *req, const lg_u256 *pid,
                         const lg_vault_position *vp)
{
    memset(row, 0, sizeof *row);
    snprintf(row->wallet, sizeof row->wallet, "%s", req->user_wallet);
    snprintf(row->oaid, sizeof row->oaid, "%s", req->oaid);
    lg_u256_to_dec(row->position_id, sizeof row->position_id, pid);
    lg_address_format(row->collateral_token, sizeof row->collateral_token, vp->collateral_token);
    lg_u256_to_dec(row->collateral_amount, sizeof row->collateral_amount, &vp->collateral_amount);
    lg_u256_to_dec(row->collateral_value, sizeof row->collateral_value, &vp->collateral_value);
    lg_u256_to_dec(row->usdc_borrowed, sizeof row->usdc_borrowed, &vp->usdc_borrowed);
    lg_u256_to_dec(row->health_factor, sizeof row->health_factor, &vp->health_factor);
    row->token_type = (int)vp->token_type;
    row->active = vp->active;
}

static lg_err find_position(lg_service *svc, const lg_borrow_request *req, const lg_u256 *oaid,
                            char position_id[LG_U256_LEN], lg_outcome *out)
{
    lg_u256 pid;
    lg_vault_position vp;
    lg_err rc = lg_chain_position_of(svc->chain, &pid, oaid);
    if (rc != LG_OK)
        return read_failed(svc, out, rc, "Vault positionOf");
    if (lg_u256_is_zero(&pid)) {
        return lg_svc_fail(out, LG_ERR_STATE, "",
                           "No active collateral position found for this OAID");
    }
    rc = lg_chain_get_position(svc->chain, &vp, &pid);
    if (rc != LG_OK)
        return read_failed(svc, out, rc, "Vault getPosition");
    lg_position row;
    position_row(&row, req, &pid, &vp);
    rc = lg_store_position_upsert(svc->st, &row);
    if (rc != LG_OK)
        return lg_svc_store_failed(out, rc, "caching the position");
    if (!vp.active) {
        return lg_svc_fail(out, LG_ERR_STATE, "",
                           "No active collateral position found for this OAID");
    }
    snprintf(position_id, LG_U256_LEN, "%s", row.position_id);
    return LG_OK;
}

static lg_err chain_checks(lg_service *svc, const lg_borrow_request *req,
                           char position_id[LG_U256_LEN], char remaining[LG_U256_LEN],
                           lg_outcome *out)
{
    lg_u256 oaid;
    if (lg_u256_from_dec(&oaid, req->oaid) != LG_OK) {
        return lg_svc_fail(out, LG_ERR_INVALID, "oaidTokenId", "not a uint256");
    }
    lg_err rc = check_owner(svc, req, &oaid, out);
    if (rc == LG_OK)
        rc = check_credit(svc, req, &oaid, remaining, out);
    if (rc == LG_OK)
        rc = find_position(svc, req, &oaid, position_id, out);
    return rc;
}

/* ------------------------------------------------------------ reservation */

static lg_err reserve(lg_service *svc, const lg_partner *p, const lg_borrow_request *req,
                      lg_loan *loan, lg_outcome *out)
{
    lg_reserve_info info = {0, 0};
    lg_loan existing;
    char left[LG_AMOUNT_USD_LEN];
    lg_err rc = lg_store_loan_reserve(svc->st, loan, &info, &existing);
    switch (rc) {
    case LG_OK:
        return LG_OK;
    case LG_ERR_DUPLICATE: /* a concurrent twin reserved first */
        *loan = existing;
        rc = replay(loan, req, out);
        return rc == LG_OK ? LG_ERR_DUPLICATE : rc;
    case LG_ERR_LIMIT_DAILY:
        lg_svc_usd(info.daily_remaining, left);
        return lg_svc_fail(out, rc, "", "Partner daily limit exceeded. Remaining: $%s", left);
    case LG_ERR_LIMIT_TOTAL:
        lg_svc_usd(info.total_remaining, left);
        return lg_svc_fail(out, rc, "", "Partner total limit exceeded. Remaining: $%s", left);
    case LG_ERR_SUSPENDED:
    case LG_ERR_INACTIVE: {
        lg_partner q = *p;
        q.status = rc == LG_ERR_SUSPENDED ? LG_PARTNER_SUSPENDED : LG_PARTNER_INACTIVE;
        return partner_refused(&q, out);
    }
    default:
        return lg_svc_store_failed(out, rc, "reserving the loan");
    }
}

/* ------------------------------------------------------------ chain work */

static lg_err reload(lg_service *svc, lg_loan *loan, lg_outcome *out)
{
    lg_err rc = lg_store_loan_get_by_id(svc->st, loan->id, loan);
    return rc == LG_OK ? LG_OK : lg_svc_store_failed(out, rc, "reading the loan");
}

/* The chain did not settle the loan within the budget: 202, reconcile finishes it,
 * from now on: the lease is given up with the answer. */
static lg_err in_flight(lg_service *svc, lg_loan *loan, lg_outcome *out)
{
    lg_err rc = lg_store_loan_release(svc->st, loan->id);
    if (rc != LG_OK)
        lg_warn("borrow.release", "loan %s keeps its lease until it runs out: %s", loan->id,
                lg_strerror(rc));
    rc = reload(svc, loan, out);
    if (rc == LG_OK)
        lg_svc_done(out, LG_DONE_ACCEPTED);
    return rc;
}

static lg_err fail_loan(lg_service *svc, lg_loan *loan, const char *reason)
{
    lg_err rc = lg_store_loan_fail(svc->st, loan->id, reason);
    if (rc != LG_OK)
        lg_error("borrow.fail", "failing loan %s: %s", loan->id, lg_strerror(rc));
    lg_store_loan_get_by_id(svc->st, loan->id, loan);
    return rc;
}

/* lg_svc_send failed. Nothing left the process unless it was persisted; a persisted
 * transaction the node refused is dead; any other failure may have reached the node. */
static lg_err borrow_send_failed(lg_service *svc, lg_loan *loan, const lg_signed_tx *tx,
                                 int persisted, lg_err rc, lg_outcome *out)
{
    char reason[LG_REASON_LEN];
    snprintf(reason, sizeof reason, "%s", lg_svc_public_reason(svc, rc, "borrowUSDC"));
    if (persisted && rc != LG_ERR_RPC)
        return in_flight(svc, loan, out) == LG_OK ? LG_OK : rc;
    if (persisted)
        lg_store_tx_set_state(svc->st, tx->hash_hex, LG_TXS_DROPPED);
    fail_loan(svc, loan, reason);
    if (rc == LG_ERR_REVERTED) {
        return lg_svc_fail(out, rc, "", "Borrow rejected by the vault: %s", reason);
    }
    if (lg_svc_store_err(rc))
        return lg_svc_store_failed(out, rc, "recording the borrow transaction");
    lg_svc_fail(out, lg_svc_chain_err(rc), "", "%s", reason);
    return rc;
}

lg_err lg_svc_payout(lg_service *svc, lg_loan *loan, const char *settlement, uint64_t timeout_ms)
{
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_signed_tx tx;
    int persisted = 0;
    char hash[LG_HASH_LEN];
    lg_err rc = lg_svc_transfer_data(loan, settlement, data, &len);
    if (rc != LG_OK)
        return rc;
    rc = lg_svc_send(svc, &tx, &persisted, loan->id, NULL, LG_TXP_TRANSFER, svc->chain->usdc, data,
                     len, 0, 0);
    snprintf(hash, sizeof hash, "%s", tx.hash_hex);
    if (rc == LG_ERR_RPC && persisted)
        lg_store_tx_set_state(svc->st, hash, LG_TXS_DROPPED);
    lg_signed_tx_release(&tx);
    if (rc != LG_OK)
        return persisted && rc != LG_ERR_RPC ? LG_ERR_TIMEOUT : rc;
    rc = lg_svc_wait(svc, hash, timeout_ms, svc->chain->usdc, data, len, NULL, 0);
    if (rc == LG_ERR_NOT_FOUND)
        rc = LG_ERR_TIMEOUT;
    if (rc != LG_OK)
        return rc;
    lg_svc_crash_point("payout.mined");
    rc = lg_store_loan_confirm(svc->st, loan->id, loan->borrow_tx, hash);
    if (rc == LG_OK)
        lg_info("borrow.confirmed", "loan %s active, payout %s", loan->id, hash);
    return rc;
}

/* Borrow mined: the debt exists, so from here the loan only moves forward. */
static lg_err settle(lg_service *svc, const lg_partner *p, lg_loan *loan, const char *borrow_tx,
                     int64_t deadline, lg_outcome *out)
{
    lg_err rc = lg_store_loan_mark_borrowed(svc->st, loan->id, borrow_tx);
    if (rc != LG_OK)
        return lg_svc_store_failed(out, rc, "marking the loan borrowed");
    if ((rc = reload(svc, loan, out)) != LG_OK)
        return rc;
    uint64_t left = lg_svc_left_ms(deadline);
    if (left == 0)
        return in_flight(svc, loan, out);
    rc = lg_svc_payout(svc, loan, p->settlement_address, left);
    if (rc != LG_OK) {
        lg_warn("borrow.payout", "loan %s settling: %s", loan->id, lg_strerror(rc));
        return in_flight(svc, loan, out);
    }
    if ((rc = reload(svc, loan, out)) == LG_OK)
        lg_svc_done(out, LG_DONE_CREATED);
    return rc;
}

static lg_err borrow_chain(lg_service *svc, const lg_partner *p, lg_loan *loan, int64_t deadline,
                           lg_outcome *out)
{
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_signed_tx tx;
    int persisted = 0;
    char hash[LG_HASH_LEN], reason[LG_REASON_LEN] = "";
    lg_err rc = lg_svc_borrow_data(loan, data, &len);
    if (rc != LG_OK) {
        fail_loan(svc, loan, "position id does not encode");
        lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error while encoding the borrow");
        return rc;
    }
    rc = lg_svc_send(svc, &tx, &persisted, loan->id, NULL, LG_TXP_BORROW, svc->chain->vault, data,
                     len, 0, 0);
    if (rc != LG_OK) {
        rc = borrow_send_failed(svc, loan, &tx, persisted, rc, out);
        lg_signed_tx_release(&tx);
        return rc;
    }
    snprintf(hash, sizeof hash, "%s", tx.hash_hex);
    lg_signed_tx_release(&tx);
    uint64_t left = lg_svc_left_ms(deadline);
    rc = left ? lg_svc_wait(svc, hash, left, svc->chain->vault, data, len, reason, sizeof reason)
              : LG_ERR_TIMEOUT;
    if (rc == LG_ERR_REVERTED) {
        fail_loan(svc, loan, reason);
        return lg_svc_fail(out, rc, "", "Borrow transaction reverted: %s", reason);
    }
    if (rc != LG_OK)
        return in_flight(svc, loan, out);
    lg_svc_crash_point("borrow.mined");
    return settle(svc, p, loan, hash, deadline, out);
}

/* ------------------------------------------------------------ the pipeline */

static lg_err prepare_loan(lg_service *svc, const lg_partner *p, const lg_borrow_request *req,
                           lg_loan *loan, lg_outcome *out)
{
    char position_id[LG_U256_LEN], remaining[LG_U256_LEN];
    uint8_t settlement[LG_ADDRESS_LEN];
    if (lg_address_parse(settlement, p->settlement_address) != LG_OK) {
        return lg_svc_fail(out, LG_ERR_STATE, "",
                           "Partner has no valid settlement address configured");
    }
    lg_err rc = chain_checks(svc, req, position_id, remaining, out);
    if (rc != LG_OK)
        return rc;
    memset(loan, 0, sizeof *loan);
    snprintf(loan->partner_id, sizeof loan->partner_id, "%s", p->id);
    snprintf(loan->partner_loan_id, sizeof loan->partner_loan_id, "%s", req->partner_loan_id);
    snprintf(loan->user_wallet, sizeof loan->user_wallet, "%s", req->user_wallet);
    snprintf(loan->oaid, sizeof loan->oaid, "%s", req->oaid);
    snprintf(loan->position_id, sizeof loan->position_id, "%s", position_id);
    snprintf(loan->request_hash, sizeof loan->request_hash, "%s", req->request_hash);
    snprintf(loan->metadata, sizeof loan->metadata, "%s", req->metadata);
    snprintf(loan->remaining_credit, sizeof loan->remaining_credit, "%s", remaining);
    loan->amount = req->amount;
    if (lg_amount_split_fee(req->amount, p->fee_bps, &loan->fee, &loan->net) != LG_OK) {
        return lg_svc_fail(out, LG_ERR_CONFIG, "", "Partner fee is out of range");
    }
    return LG_OK;
}

lg_err lg_service_borrow(lg_service *svc, const lg_partner *p, const lg_borrow_request *req,
                         lg_loan *loan, lg_outcome *out)
{
    if (out)
        lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error");
    if (loan)
        memset(loan, 0, sizeof *loan);
    if (!svc || !p || !req || !loan || !out)
        return LG_ERR_INVALID;
    lg_err rc = lg_svc_for_partner(&svc, p, out);
    if (rc != LG_OK)
        return rc;
    if (!svc->has_chain)
        return LG_ERR_INVALID;
    int64_t deadline = lg_time_mono_ms() + (int64_t)svc->budget_ms;
    if (p->status != LG_PARTNER_ACTIVE)
        return partner_refused(p, out);
    if (req->amount == 0) {
        return lg_svc_fail(out, LG_ERR_INVALID, "borrowAmount", "must be greater than zero");
    }
    rc = lg_store_loan_get(svc->st, p->id, req->partner_loan_id, loan);
    if (rc == LG_OK)
        return replay(loan, req, out);
    if (rc != LG_ERR_NOT_FOUND)
        return lg_svc_store_failed(out, rc, "looking up the loan");
    if ((rc = prepare_loan(svc, p, req, loan, out)) != LG_OK)
        return rc;
    rc = reserve(svc, p, req, loan, out);
    if (rc == LG_ERR_DUPLICATE)
        return LG_OK;
    if (rc != LG_OK)
        return rc;
    lg_info("borrow.reserved", "loan %s partner %s amount %llu", loan->id, p->id,
            (unsigned long long)loan->amount);
    lg_svc_crash_point("borrow.reserved");
    return borrow_chain(svc, p, loan, deadline, out);
}
