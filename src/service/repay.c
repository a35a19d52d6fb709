/* repay.c - the repay pipeline of DESIGN.md: checks, the on-chain proof of the
 * partner's transfer, the reservation, approve + repayLoan persisted before they are
 * sent, and the store's one-transaction apply. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/amount.h>
#include <lendgate/hex.h>
#include <lendgate/time.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static lg_err overpay(uint64_t remaining, lg_outcome *out)
{
    char r[LG_AMOUNT_USD_LEN];
    lg_svc_usd(remaining, r);
    return lg_svc_fail(out, LG_ERR_OVERPAY, "", "Repayment exceeds remaining debt of $%s", r);
}

/* What the loan's state allows before anything is reserved. */
static lg_err check_loan(const lg_loan *loan, uint64_t amount, lg_outcome *out)
{
    switch (loan->status) {
    case LG_LOAN_REPAID:
        return lg_svc_fail(out, LG_ERR_STATE, "", "Loan already fully repaid");
    case LG_LOAN_FAILED:
        return lg_svc_fail(out, LG_ERR_STATE, "", "Loan failed and has no debt to repay");
    case LG_LOAN_LIQUIDATED:
        return lg_svc_fail(out, LG_ERR_STATE, "", "Loan was liquidated and has no debt to repay");
    case LG_LOAN_PENDING:
    case LG_LOAN_SETTLING:
        return lg_svc_fail(out, LG_ERR_STATE, "", "Loan is not active yet");
    default:
        break;
    }
    return amount > loan->remaining ? overpay(loan->remaining, out) : LG_OK;
}

/* ------------------------------------------------------------ the proof */

/* What the receipt's USDC transfers from `from` to the platform wallet add up to.
 * Out: *found = 1 when there is at least one. LG_ERR_OVERFLOW past INT64_MAX (no
 * USDC supply comes near it: such a receipt is not a transfer we credit). */
static lg_err proof_value(lg_service *svc, const lg_receipt *r, const uint8_t from[LG_ADDRESS_LEN],
                          int *found, uint64_t *value)
{
    lg_erc20_transfer *tr = NULL;
    size_t n = 0;
    *found = 0;
    *value = 0;
    lg_err rc = lg_erc20_transfers(&tr, &n, r->logs, r->nlogs, svc->chain->usdc);
    if (rc != LG_OK)
        return rc;
    for (size_t i = 0; i < n && rc == LG_OK; i++) {
        if (memcmp(tr[i].from, from, LG_ADDRESS_LEN) != 0 ||
            memcmp(tr[i].to, svc->platform, LG_ADDRESS_LEN) != 0)
            continue;
        uint64_t v = 0;
        *found = 1;
        if (lg_u256_to_u64(&v, &tr[i].value) != LG_OK || v > (uint64_t)INT64_MAX - *value)
            rc = LG_ERR_OVERFLOW;
        else
            *value += v;
    }
    free(tr);
    return rc;
}

static lg_err proof_checked(lg_service *svc, const lg_partner *p, const char *field,
                            const lg_receipt *r, uint64_t *value, lg_outcome *out)
{
    uint8_t settlement[LG_ADDRESS_LEN];
    int found = 0;
    if (r->status != 1) {
        return lg_svc_fail(out, LG_ERR_INVALID, field, "the transaction failed on chain");
    }
    if (lg_address_parse(settlement, p->settlement_address) != LG_OK) {
        return lg_svc_fail(out, LG_ERR_STATE, "",
                           "Partner has no valid settlement address configured");
    }
    lg_err rc = proof_value(svc, r, settlement, &found, value);
    if (rc == LG_ERR_OVERFLOW) {
        return lg_svc_fail(out, LG_ERR_INVALID, field, "the transfer is too large to credit");
    }
    if (rc != LG_OK || !found || *value == 0) {
        return lg_svc_fail(out, LG_ERR_INVALID, field,
                           "no USDC transfer from the settlement address to the platform wallet");
    }
    return LG_OK;
}

/*
 * Reads the receipt of the partner's transfer tx_hex (field names it in messages) and
 * fills *d with what it moved from p's settlement address to the platform wallet.
 * Any other return has filled the outcome.
 */
static lg_err verify_transfer(lg_service *svc, const lg_partner *p, const char *field,
                              const char *tx_hex, lg_deposit *d, lg_outcome *out)
{
    uint8_t hash[LG_RPC_HASH_LEN];
    lg_receipt r;
    memset(&r, 0, sizeof r);
    memset(d, 0, sizeof *d);
    if (lg_hex_decode_fixed(hash, sizeof hash, tx_hex, LG_HEX_0X) != LG_OK)
        return lg_svc_fail(out, LG_ERR_INVALID, field, "not a transaction hash");
    lg_err rc = lg_chain_get_receipt(svc->chain, &r, hash);
    if (rc == LG_ERR_NOT_FOUND)
        return lg_svc_fail(out, LG_ERR_INVALID, field, "transaction not found or not yet mined");
    if (rc == LG_OK)
        rc = lg_svc_deep_enough(svc, r.block_number);
    if (rc == LG_ERR_NOT_FOUND) { /* a transfer a reorganization could still undo */
        lg_receipt_release(&r);
        return lg_svc_fail(out, LG_ERR_INVALID, field,
                           "not yet confirmed by enough blocks, try again shortly");
    }
    if (rc != LG_OK) {
        lg_receipt_release(&r);
        return lg_svc_chain_failed(svc, out, rc, "reading the USDC transfer");
    }
    rc = proof_checked(svc, p, field, &r, &d->amount, out);
    lg_receipt_release(&r);
    /* Stored lowercase: the hash is the deposit's key, whatever case the partner used. */
    for (size_t i = 0; tx_hex[i] && i + 1 < sizeof d->tx_hash; i++)
        d->tx_hash[i] = (char)tolower((unsigned char)tx_hex[i]);
    snprintf(d->partner_id, sizeof d->partner_id, "%s", p->id);
    return rc;
}

/* The refusal of a repayment its partner's balance, with its proof's value (0 when
 * none), does not cover. */
static lg_err short_of_funds(lg_service *svc, const lg_partner *p, uint64_t proof, uint64_t amount,
                             lg_outcome *out)
{
    lg_partner now;
    char have[LG_AMOUNT_USD_LEN], want[LG_AMOUNT_USD_LEN];
    if (lg_store_partner_get(svc->st, p->id, &now) != LG_OK)
        now = *p;
    uint64_t balance = now.deposited > now.balance_used ? now.deposited - now.balance_used : 0;
    lg_svc_usd(balance > UINT64_MAX - proof ? UINT64_MAX : balance + proof, have);
    lg_svc_usd(amount, want);
    return lg_svc_fail(
        out, LG_ERR_FUNDS, "",
        "Insufficient repayment balance: $%s available, repayment of $%s. Transfer USDC "
        "from the settlement address to the platform wallet and give that "
        "transaction as repaymentTxHash (or credit it with POST /partners/deposits)",
        have, want);
}

/* ------------------------------------------------------------ chain work */

typedef struct repay_run {
    lg_service *svc;
    lg_loan *loan;
    lg_repayment *rp;
    int64_t deadline;
    lg_outcome *out;
} repay_run;

/* Fails the repayment (its draw given back) and the call, with err's class. */
static lg_err repay_failed(repay_run *run, const char *reason, lg_err err, const char *what)
{
    lg_err rc = lg_store_repay_fail(run->svc->st, run->rp->id, reason);
    if (rc != LG_OK)
        lg_error("repay.fail", "failing repayment %s: %s", run->rp->id, lg_strerror(rc));
    lg_store_repay_get(run->svc->st, run->rp->id, run->rp);
    lg_store_loan_get_by_id(run->svc->st, run->loan->id, run->loan);
    lg_svc_fail(run->out, err, "", "%s: %s", what, reason);
    return LG_ERR_REVERTED;
}

static int accepted(const lg_outcome *out)
{
    return out->err == LG_OK && out->done == LG_DONE_ACCEPTED;
}

/* 202: reconcile finishes the repayment, from now on (the lease goes with the answer). */
static lg_err repay_in_flight(repay_run *run)
{
    lg_err rc = lg_store_repay_release(run->svc->st, run->rp->id);
    if (rc != LG_OK)
        lg_warn("repay.release", "repayment %s keeps its lease until it runs out: %s", run->rp->id,
                lg_strerror(rc));
    lg_store_repay_get(run->svc->st, run->rp->id, run->rp);
    lg_store_loan_get_by_id(run->svc->st, run->loan->id, run->loan);
    lg_svc_done(run->out, LG_DONE_ACCEPTED);
    return LG_OK;
}

/* Sends one repayment transaction and waits for it within the budget. LG_OK: mined,
 * *hash set. Any other return has filled the outcome. */
static lg_err repay_step(repay_run *run, lg_tx_purpose purpose, const uint8_t *to,
                         const uint8_t *data, size_t len, char hash[LG_HASH_LEN], const char *what)
{
    lg_service *svc = run->svc;
    lg_signed_tx tx;
    int persisted = 0;
    char reason[LG_REASON_LEN] = "";
    lg_err rc = lg_svc_send(svc, &tx, &persisted, NULL, run->rp->id, purpose, to, data, len, 0, 0);
    snprintf(hash, LG_HASH_LEN, "%s", tx.hash_hex);
    lg_signed_tx_release(&tx);
    if (rc != LG_OK && persisted && rc != LG_ERR_RPC)
        return repay_in_flight(run) == LG_OK ? LG_ERR_TIMEOUT : rc;
    if (rc != LG_OK && !persisted && lg_svc_store_err(rc)) {
        repay_failed(run, "could not record the transaction", rc, what);
        return rc;
    }
    if (rc != LG_OK) {
        if (persisted)
            lg_store_tx_set_state(svc->st, hash, LG_TXS_DROPPED);
        snprintf(reason, sizeof reason, "%s", lg_svc_public_reason(svc, rc, what));
        repay_failed(run, reason, lg_svc_chain_err(rc), what);
        return rc;
    }
    uint64_t left = lg_svc_left_ms(run->deadline);
    rc = left ? lg_svc_wait(svc, hash, left, to, data, len, reason, sizeof reason) : LG_ERR_TIMEOUT;
    if (rc == LG_ERR_REVERTED)
        return repay_failed(run, reason, LG_ERR_REVERTED, what);
    if (rc != LG_OK)
        return repay_in_flight(run) == LG_OK ? LG_ERR_TIMEOUT : rc;
    return LG_OK;
}

/* The vault pulls the repayment with transferFrom. A standing unlimited allowance is
 * set once rather than an exact one per repayment: concurrent repayments setting
 * exact allowances would overwrite each other's. */
static lg_err ensure_allowance(repay_run *run)
{
    lg_service *svc = run->svc;
    lg_u256 allowance, need;
    lg_err rc = lg_chain_allowance(svc->chain, &allowance, svc->platform, svc->chain->vault);
    if (rc != LG_OK) {
        lg_svc_chain_failed(svc, run->out, rc, "reading the USDC allowance");
        repay_failed(run, "could not read the USDC allowance", run->out->err, "USDC allowance");
        return rc;
    }
    lg_u256_from_u64(&need, run->rp->amount);
    if (lg_u256_cmp(&allowance, &need) >= 0)
        return LG_OK;
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    char hash[LG_HASH_LEN];
    lg_svc_approve_data(svc, data, &len);
    return repay_step(run, LG_TXP_APPROVE, svc->chain->usdc, data, len, hash, "USDC approve");
}

static lg_err usdc_covered(repay_run *run)
{
    lg_service *svc = run->svc;
    lg_err rc = lg_svc_usdc_covered(svc, run->rp->amount);
    if (rc == LG_ERR_WALLET)
        repay_failed(run, "Platform wallet cannot cover the repayment now, try again later",
                     LG_ERR_WALLET, "repayLoan");
    else if (rc != LG_OK) {
        lg_svc_chain_failed(svc, run->out, rc, "reading the platform wallet's USDC");
        repay_failed(run, "could not read the platform wallet's USDC", run->out->err,
                     "USDC balance");
    }
    return rc;
}

static lg_err repay_chain(repay_run *run)
{
    lg_service *svc = run->svc;
    lg_err rc = usdc_covered(run);
    if (rc == LG_OK)
        rc = ensure_allowance(run);
    /* Only a transaction still on its way is a 202 (and LG_OK); a read that timed out
     * before anything was sent failed the repayment. */
    if (rc != LG_OK)
        return accepted(run->out) ? LG_OK : rc;
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    char hash[LG_HASH_LEN];
    if (lg_svc_repay_data(run->loan->position_id, run->rp->amount, data, &len) != LG_OK)
        return repay_failed(run, "position id does not encode", LG_ERR_INTERNAL, "repayLoan");
    rc = repay_step(run, LG_TXP_REPAY, svc->chain->vault, data, len, hash, "repayLoan");
    if (rc != LG_OK)
        return accepted(run->out) ? LG_OK : rc;
    lg_svc_crash_point("repay.mined");
    rc = lg_store_repay_apply(svc->st, run->rp->id, hash, run->loan);
    if (rc != LG_OK)
        return lg_svc_store_failed(run->out, rc, "applying the repayment");
    lg_store_repay_get(svc->st, run->rp->id, run->rp);
    lg_info("repay.applied", "repayment %s of loan %s applied by %s", run->rp->id, run->loan->id,
            hash);
    lg_svc_done(run->out, LG_DONE_OK);
    return LG_OK;
}

/* ------------------------------------------------------------ Idempotency-Key */

/* The repayment made before with the request's Idempotency-Key answers it again: the
 * same body gets the first call's answer (its repayment, the loan as it is now: 200
 * applied, 202 still in flight); another body with the key is a conflict. */
static lg_err replay(const lg_repay_request *req, const lg_repayment *first, lg_outcome *out)
{
    if (first->amount != req->amount || strcasecmp(first->proof_tx, req->proof_tx) != 0)
        return lg_svc_fail(out, LG_ERR_CONFLICT, "Idempotency-Key",
                           "already used for a different repayment");
    return lg_svc_done(out, first->status == LG_REPAY_PENDING ? LG_DONE_ACCEPTED : LG_DONE_OK);
}

/* Looks the key up among loan's pending and applied repayments before anything else
 * (the loan may be repaid by the first call since). LG_ERR_NOT_FOUND: a new key. The
 * store checks again in the transaction that would draw, which settles a race. */
static lg_err keyed_repeat(lg_service *svc, const lg_repay_request *req, const lg_loan *loan,
                           lg_repayment *rp, lg_outcome *out)
{
    lg_repayment *items = NULL;
    size_t n = 0;
    lg_err rc = lg_store_repay_list(svc->st, loan->id, &items, &n);
    if (rc != LG_OK)
        return lg_svc_store_failed(out, rc, "looking up the Idempotency-Key");
    rc = LG_ERR_NOT_FOUND;
    for (size_t i = 0; i < n && rc == LG_ERR_NOT_FOUND; i++) {
        if (items[i].status != LG_REPAY_FAILED && strcmp(items[i].idem_key, req->idem_key) == 0) {
            *rp = items[i];
            rc = replay(req, rp, out);
        }
    }
    free(items);
    return rc;
}

/* ------------------------------------------------------------ the pipeline */

static lg_err begin(lg_service *svc, const lg_partner *p, const lg_repay_request *req,
                    const lg_deposit *proof, lg_loan *loan, lg_repayment *rp, lg_outcome *out)
{
    lg_err rc = lg_store_repay_begin(svc->st, p->id, req->partner_loan_id, req->amount, proof,
                                     req->idem_key, rp);
    switch (rc) {
    case LG_OK:
        return LG_OK;
    case LG_ERR_NOT_FOUND:
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "Loan not found");
    case LG_ERR_CONFLICT:
        /* A concurrent call with the key recorded it first: *rp is its repayment. */
        if (lg_store_loan_get(svc->st, p->id, req->partner_loan_id, loan) != LG_OK)
            return lg_svc_store_failed(out, rc, "reading the loan");
        return replay(req, rp, out) == LG_OK ? LG_ERR_CONFLICT : out->err;
    case LG_ERR_DUPLICATE:
        lg_svc_fail(out, LG_ERR_INVALID, "repaymentTxHash",
                    "already used (its USDC was credited to the partner's repayment balance); "
                    "repay without repaymentTxHash to draw on it");
        return rc;
    case LG_ERR_FUNDS:
        return short_of_funds(svc, p, proof ? proof->amount : 0, req->amount, out);
    case LG_ERR_OVERPAY:
        /* A concurrent repayment holds part of the debt. */
        if (lg_store_loan_get(svc->st, p->id, req->partner_loan_id, loan) != LG_OK)
            return lg_svc_store_failed(out, rc, "reading the loan");
        return overpay(
            loan->remaining > loan->repay_pending ? loan->remaining - loan->repay_pending : 0, out);
    case LG_ERR_STATE:
        if (lg_store_loan_get(svc->st, p->id, req->partner_loan_id, loan) == LG_OK &&
            check_loan(loan, req->amount, out) != LG_OK)
            return rc;
        lg_svc_fail(out, LG_ERR_STATE, "", "Loan is not active");
        return rc;
    default:
        return lg_svc_store_failed(out, rc, "reserving the repayment");
    }
}

lg_err lg_service_repay(lg_service *svc, const lg_partner *p, const lg_repay_request *req,
                        lg_loan *loan, lg_repayment *repayment, lg_outcome *out)
{
    if (out)
        lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error");
    if (loan)
        memset(loan, 0, sizeof *loan);
    if (repayment)
        memset(repayment, 0, sizeof *repayment);
    if (!svc || !p || !req || !loan || !repayment || !out)
        return LG_ERR_INVALID;
    lg_err rc = lg_svc_for_partner(&svc, p, out);
    if (rc != LG_OK)
        return rc;
    if (!svc->has_chain)
        return LG_ERR_INVALID;
    int64_t deadline = lg_time_mono_ms() + (int64_t)svc->budget_ms;
    if (req->amount == 0)
        return lg_svc_fail(out, LG_ERR_INVALID, "repaymentAmount", "must be greater than zero");
    rc = lg_store_loan_get(svc->st, p->id, req->partner_loan_id, loan);
    if (rc == LG_ERR_NOT_FOUND)
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "Loan not found");
    if (rc != LG_OK)
        return lg_svc_store_failed(out, rc, "looking up the loan");
    if (req->idem_key[0] && (rc = keyed_repeat(svc, req, loan, repayment, out)) != LG_ERR_NOT_FOUND)
        return rc;
    if ((rc = check_loan(loan, req->amount, out)) != LG_OK)
        return rc;
    lg_deposit proof;
    if (req->proof_tx[0] &&
        (rc = verify_transfer(svc, p, "repaymentTxHash", req->proof_tx, &proof, out)) != LG_OK)
        return rc;
    rc = begin(svc, p, req, req->proof_tx[0] ? &proof : NULL, loan, repayment, out);
    if (rc == LG_ERR_CONFLICT && out->err == LG_OK)
        return LG_OK; /* the repeat answered as the first call */
    if (rc != LG_OK)
        return rc;
    lg_info("repay.reserved", "repayment %s of loan %s amount %llu", repayment->id, loan->id,
            (unsigned long long)repayment->amount);
    lg_svc_crash_point("repay.reserved");
    repay_run run = {svc, loan, repayment, deadline, out};
    return repay_chain(&run);
}

/* ------------------------------------------------------------ deposits */

lg_err lg_service_deposit(lg_service *svc, const lg_partner *p, const char *tx_hash,
                          lg_deposit *deposit, uint64_t *balance, lg_outcome *out)
{
    if (out)
        lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error");
    if (!svc || !p || !tx_hash || !deposit || !balance || !out)
        return LG_ERR_INVALID;
    *balance = 0;
    lg_err rc = lg_svc_for_partner(&svc, p, out);
    if (rc != LG_OK)
        return rc;
    if (!svc->has_chain)
        return LG_ERR_INVALID;
    rc = verify_transfer(svc, p, "txHash", tx_hash, deposit, out);
    if (rc != LG_OK)
        return rc;
    lg_deposit seen;
    rc = lg_store_deposit_credit(svc->st, deposit, &seen, balance);
    if (rc == LG_OK) {
        lg_info("deposit.credited", "partner %s credited %llu by %s", p->id,
                (unsigned long long)deposit->amount, deposit->tx_hash);
        lg_svc_done(out, LG_DONE_CREATED);
        return LG_OK;
    }
    if (rc != LG_ERR_DUPLICATE)
        return lg_svc_store_failed(out, rc, "crediting the deposit");
    if (strcmp(seen.partner_id, p->id) != 0)
        return lg_svc_fail(out, LG_ERR_CONFLICT, "txHash", "credited to another partner");
    /* The same partner again: the credit it already has, like a repeated borrow. */
    *deposit = seen;
    lg_partner now;
    if ((rc = lg_store_partner_get(svc->st, p->id, &now)) != LG_OK)
        return lg_svc_store_failed(out, rc, "reading the partner balance");
    *balance = now.deposited > now.balance_used ? now.deposited - now.balance_used : 0;
    lg_svc_done(out, LG_DONE_OK);
    return LG_OK;
}
