/* handlers.c - the partner API endpoints: validate, call the service, render JSON. */
#include "config.h"

#include <lendgate/handlers.h>

#include <lendgate/address.h>
#include <lendgate/amount.h>
#include <lendgate/bodies.h>
#include <lendgate/events.h>
#include <lendgate/queries.h>
#include <lendgate/render.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stored addresses are lowercase; partners see the EIP-55 form. */
static void add_address(struct json_object *o, const char *k, const char *lower)
{
    uint8_t raw[LG_ADDRESS_LEN];
    char text[LG_ADDRESS_TEXT_LEN];
    if (lg_address_parse(raw, lower) == LG_OK && lg_address_format(text, sizeof text, raw) == LG_OK)
        lg_render_str(o, k, text);
    else
        lg_render_str(o, k, lower);
}

static struct json_object *loan_json(const lg_loan *l)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "loanId", l->id);
    lg_render_str(o, "partnerLoanId", l->partner_loan_id);
    lg_render_str(o, "status", lg_loan_status_name(l->status));
    add_address(o, "userWallet", l->user_wallet);
    lg_render_str(o, "oaidTokenId", l->oaid);
    lg_render_str(o, "positionId", l->position_id);
    lg_render_amount_usd(o, "amount", l->amount);
    lg_render_amount_usd(o, "fee", l->fee);
    lg_render_amount_usd(o, "netAmount", l->net);
    lg_render_amount_usd(o, "remainingDebt", l->remaining);
    lg_render_amount_usd(o, "repaidAmount", l->repaid);
    lg_render_opt(o, "borrowTxHash", l->borrow_tx);
    lg_render_opt(o, "transferTxHash", l->transfer_tx);
    lg_render_opt(o, "failureReason", l->failure_reason);
    lg_render_time(o, "createdAt", l->created_at_ms);
    lg_render_time(o, "updatedAt", l->updated_at_ms);
    return o;
}

static struct json_object *repayment_json(const lg_repayment *r)
{
    static const char *const names[] = {"PENDING", "APPLIED", "FAILED"};
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "repaymentId", r->id);
    lg_render_amount_usd(o, "amount", r->amount);
    lg_render_str(o, "status", (unsigned)r->status < 3 ? names[r->status] : "UNKNOWN");
    lg_render_opt(o, "repaymentTxHash", r->proof_tx);
    lg_render_opt(o, "repayTxHash", r->repay_tx);
    lg_render_opt(o, "failureReason", r->failure_reason);
    lg_render_time(o, "createdAt", r->created_at_ms);
    return o;
}

static void set_audit_ids(lg_http_call *call, const char *wallet, const char *oaid,
                          const char *loan_id)
{
    if (wallet)
        snprintf(call->audit.wallet, sizeof call->audit.wallet, "%s", wallet);
    if (oaid)
        snprintf(call->audit.oaid, sizeof call->audit.oaid, "%s", oaid);
    if (loan_id)
        snprintf(call->audit.loan_id, sizeof call->audit.loan_id, "%s", loan_id);
}

void lg_h_credit_line(lg_http_call *call)
{
    char oaid[LG_U256_LEN], msg[160];
    if (lg_validate_u256("oaidTokenId", lg_request_param(call->req, "oaidTokenId"), oaid, msg,
                         sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, msg);
        return;
    }
    if (!lg_http_chain_ready(call))
        return;
    lg_credit_line_view v;
    lg_outcome out = {0};
    lg_query_credit_line(lg_service_contracts(call->srv->svc), oaid, &v, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = json_object_new_object();
    if (o) {
        lg_render_str(o, "oaidTokenId", v.oaid);
        lg_render_str(o, "owner", v.owner);
        lg_render_str(o, "creditLimit", v.limit);
        lg_render_str(o, "creditLimitFormatted", v.limit_usd);
        lg_render_str(o, "usedCredit", v.used);
        lg_render_str(o, "usedCreditFormatted", v.used_usd);
        lg_render_str(o, "availableCredit", v.available);
        lg_render_str(o, "availableCreditFormatted", v.available_usd);
        json_object_object_add(o, "isActive", json_object_new_boolean(v.active));
    }
    lg_http_reply(call, 200, o);
}

void lg_h_position(lg_http_call *call)
{
    char id[LG_U256_LEN], msg[160];
    if (lg_validate_u256("positionId", lg_request_param(call->req, "positionId"), id, msg,
                         sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, msg);
        return;
    }
    if (!lg_http_chain_ready(call))
        return;
    lg_position_view v;
    lg_outcome out = {0};
    lg_query_position(lg_service_contracts(call->srv->svc), id, &v, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = json_object_new_object();
    if (o) {
        lg_render_str(o, "positionId", v.position_id);
        lg_render_str(o, "user", v.user);
        lg_render_str(o, "oaidTokenId", v.oaid);
        lg_render_str(o, "collateralToken", v.collateral_token);
        lg_render_str(o, "collateralAmount", v.collateral_amount);
        lg_render_str(o, "collateralValue", v.collateral_value);
        lg_render_str(o, "collateralValueFormatted", v.collateral_value_usd);
        lg_render_str(o, "usdcBorrowed", v.usdc_borrowed);
        lg_render_str(o, "usdcBorrowedFormatted", v.usdc_borrowed_usd);
        lg_render_str(o, "healthFactor", v.health_factor);
        json_object_object_add(o, "isActive", json_object_new_boolean(v.active));
        json_object_object_add(o, "tokenType", json_object_new_int((int)v.token_type));
    }
    lg_http_reply(call, 200, o);
}

void lg_h_borrow(lg_http_call *call)
{
    lg_borrow_request br;
    char msg[200];
    lg_err rc = lg_parse_borrow(call->req->body, call->req->body_len, &br, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_http_fail(call, rc == LG_ERR_INVALID ? 400 : 500, msg);
        return;
    }
    set_audit_ids(call, br.user_wallet, br.oaid, br.partner_loan_id);
    if (!lg_http_chain_ready(call))
        return;
    lg_loan loan;
    lg_outcome out = {0};
    memset(&loan, 0, sizeof loan);
    lg_service_borrow(call->srv->svc, &call->partner, &br, &loan, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = loan_json(&loan);
    if (o)
        add_address(o, "settlementAddress", call->partner.settlement_address);
    lg_http_reply(call, out.status, o);
}

void lg_h_repay(lg_http_call *call)
{
    lg_repay_request rr;
    char msg[200];
    lg_err rc = lg_parse_repay(call->req->body, call->req->body_len, &rr, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_http_fail(call, rc == LG_ERR_INVALID ? 400 : 500, msg);
        return;
    }
    set_audit_ids(call, NULL, NULL, rr.partner_loan_id);
    if (!lg_http_chain_ready(call))
        return;
    lg_loan loan;
    lg_repayment rep;
    lg_outcome out = {0};
    memset(&loan, 0, sizeof loan);
    memset(&rep, 0, sizeof rep);
    lg_service_repay(call->srv->svc, &call->partner, &rr, &loan, &rep, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    set_audit_ids(call, loan.user_wallet, loan.oaid, NULL);
    struct json_object *o = loan_json(&loan);
    if (o)
        json_object_object_add(o, "repayment", repayment_json(&rep));
    lg_http_reply(call, out.status, o);
}

void lg_h_deposit(lg_http_call *call)
{
    char tx[LG_HASH_LEN], msg[200];
    lg_err rc = lg_parse_deposit(call->req->body, call->req->body_len, tx, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_http_fail(call, rc == LG_ERR_INVALID ? 400 : 500, msg);
        return;
    }
    if (!lg_http_chain_ready(call))
        return;
    lg_deposit d;
    uint64_t balance = 0;
    lg_outcome out = {0};
    lg_service_deposit(call->srv->svc, &call->partner, tx, &d, &balance, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = json_object_new_object();
    if (o) {
        json_object_object_add(o, "success", json_object_new_boolean(1));
        lg_render_str(o, "txHash", d.tx_hash);
        lg_render_amount_usd(o, "amount", d.amount);
        lg_render_amount_usd(o, "balance", balance);
        lg_render_str(o, "message",
                      out.status == 201 ? "Deposit credited" : "Deposit already credited");
    }
    lg_http_reply(call, out.status, o);
}

void lg_h_loan(lg_http_call *call)
{
    char id[LG_ID_LEN], msg[160];
    if (lg_validate_loan_id("partnerLoanId", lg_request_param(call->req, "partnerLoanId"), id, msg,
                            sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, msg);
        return;
    }
    set_audit_ids(call, NULL, NULL, id);
    lg_loan loan;
    lg_repayment *reps = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    lg_query_loan(lg_service_store(call->srv->svc), &call->partner, id, &loan, &reps, &n, &out);
    if (lg_http_outcome_failed(call, &out)) {
        free(reps);
        return;
    }
    set_audit_ids(call, loan.user_wallet, loan.oaid, NULL);
    struct json_object *o = loan_json(&loan), *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, repayment_json(&reps[i]));
    free(reps);
    if (o)
        json_object_object_add(o, "repayments", arr);
    else
        json_object_put(arr);
    lg_http_reply(call, 200, o);
}

static struct json_object *page_json(struct json_object *items, uint64_t total, uint32_t limit,
                                     uint64_t offset)
{
    struct json_object *o = json_object_new_object();
    if (!o) {
        json_object_put(items);
        return NULL;
    }
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "limit", json_object_new_int64(limit));
    json_object_object_add(o, "offset", json_object_new_int64((int64_t)offset));
    return o;
}

/* The status filter of the query; 0 and a 400 on a bad value. */
static int status_arg(lg_http_call *call, int *status)
{
    char text[32], msg[160];
    *status = -1;
    lg_err rc = lg_request_query(call->req, "status", text, sizeof text);
    if (rc == LG_ERR_NOT_FOUND)
        return 1;
    if (rc != LG_OK || lg_validate_loan_status("status", text, status, msg, sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, rc == LG_OK ? msg : "status: invalid");
        return 0;
    }
    return 1;
}

void lg_h_user_loans(lg_http_call *call)
{
    char wallet[LG_ADDR_LEN], msg[160];
    uint32_t limit;
    uint64_t offset, total = 0;
    int status;
    if (lg_validate_address("userWallet", lg_request_param(call->req, "userWallet"), wallet, msg,
                            sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, msg);
        return;
    }
    if (!status_arg(call, &status) || !lg_http_page_args(call, &limit, &offset))
        return;
    set_audit_ids(call, wallet, NULL, NULL);
    lg_loan *items = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    lg_query_user_loans(lg_service_store(call->srv->svc), &call->partner, wallet, status, limit,
                        offset, &items, &n, &total, &out);
    if (lg_http_outcome_failed(call, &out)) {
        free(items);
        return;
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, loan_json(&items[i]));
    free(items);
    lg_http_reply(call, 200, arr ? page_json(arr, total, limit, offset) : NULL);
}

void lg_h_stats(lg_http_call *call)
{
    lg_partner_stats s;
    lg_outcome out = {0};
    lg_query_stats(lg_service_store(call->srv->svc), &call->partner, &s, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = json_object_new_object();
    if (o) {
        lg_render_str(o, "partnerId", call->partner.id);
        lg_render_str(o, "name", call->partner.name);
        lg_render_amount_usd(o, "totalBorrowed", s.total_borrowed);
        lg_render_amount_usd(o, "totalRepaid", s.total_repaid);
        lg_render_amount_usd(o, "totalFees", s.total_fees);
        lg_render_amount_usd(o, "outstanding", s.outstanding);
        json_object_object_add(o, "activeLoans", json_object_new_int64((int64_t)s.active_loans));
        json_object_object_add(o, "pendingLoans", json_object_new_int64((int64_t)s.pending_loans));
        json_object_object_add(o, "repaidLoans", json_object_new_int64((int64_t)s.repaid_loans));
        lg_render_str(o, "day", s.day);
        lg_render_amount_usd(o, "todayBorrowed", s.today_borrowed);
        lg_render_amount_usd(o, "dailyLimit", s.daily_limit);
        lg_render_amount_usd(o, "dailyRemaining", s.daily_remaining);
        lg_render_amount_usd(o, "totalLimit", s.total_limit);
        lg_render_amount_usd(o, "totalRemaining", s.total_remaining);
        json_object_object_add(o, "feeBps", json_object_new_int64(call->partner.fee_bps));
        lg_render_amount_usd(o, "repaymentBalance", s.repayment_balance);
    }
    lg_http_reply(call, 200, o);
}

static struct json_object *ledger_json(const lg_ledger_entry *e)
{
    static const char *const kinds[] = {"BORROW", "FEE", "PAYOUT", "REPAY", "DEPOSIT"};
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "id", json_object_new_int64(e->id));
    lg_render_str(o, "type", (unsigned)e->kind < 5 ? kinds[e->kind] : "UNKNOWN");
    lg_render_str(o, "loanId", e->loan_id);
    lg_render_str(o, "partnerLoanId", e->partner_loan_id);
    lg_render_amount_usd(o, "amount", e->amount);
    lg_render_opt(o, "txHash", e->tx_hash);
    lg_render_time(o, "createdAt", e->created_at_ms);
    return o;
}

void lg_h_transactions(lg_http_call *call)
{
    int64_t start, end;
    uint32_t limit;
    uint64_t offset, total = 0;
    if (!lg_http_date_arg(call, "startDate", &start) || !lg_http_date_arg(call, "endDate", &end) ||
        !lg_http_page_args(call, &limit, &offset))
        return;
    if (start && end && end <= start) {
        lg_http_fail(call, 400, "endDate: must be after startDate");
        return;
    }
    lg_ledger_entry *items = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    lg_query_transactions(lg_service_store(call->srv->svc), &call->partner, start, end, limit,
                          offset, &items, &n, &total, &out);
    if (lg_http_outcome_failed(call, &out)) {
        free(items);
        return;
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, ledger_json(&items[i]));
    free(items);
    lg_http_reply(call, 200, arr ? page_json(arr, total, limit, offset) : NULL);
}
