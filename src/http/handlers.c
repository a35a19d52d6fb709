/* handlers.c - the partner API endpoints: validate, call the service, render JSON. */
#include "config.h"

#include <lendgate/handlers.h>

#include <lendgate/address.h>
#include <lendgate/amount.h>
#include <lendgate/bodies.h>
#include <lendgate/queries.h>
#include <lendgate/render.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>
#include <lendgate/view.h>
#include <lendgate/status.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    lg_query_credit_line(call->srv->svc, oaid, &v, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = lg_view_credit_line(&v);
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
    lg_query_position(call->srv->svc, id, &v, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = lg_view_position(&v);
    lg_http_reply(call, 200, o);
}

void lg_h_borrow(lg_http_call *call)
{
    lg_borrow_request br;
    char msg[200];
    lg_err rc = lg_parse_borrow(call->req->body, call->req->body_len, &br, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_http_fail(call, lg_http_error_status(rc), msg);
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
    lg_http_reply(
        call, lg_http_status(&out),
        lg_view_borrow(&loan, out.done == LG_DONE_CREATED, call->partner.settlement_address));
}

void lg_h_repay(lg_http_call *call)
{
    lg_repay_request rr;
    char msg[200];
    if (call->req->idem_key_bad) {
        lg_http_fail(call, 400, "Idempotency-Key: must be 1 to 64 printable ASCII characters");
        return;
    }
    lg_err rc = lg_parse_repay(call->req->body, call->req->body_len, &rr, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_http_fail(call, lg_http_error_status(rc), msg);
        return;
    }
    memcpy(rr.idem_key, call->req->idem_key, sizeof rr.idem_key);
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
    lg_http_reply(call, lg_http_status(&out), lg_view_repay(&loan, &rep));
}

void lg_h_deposit(lg_http_call *call)
{
    char tx[LG_HASH_LEN], msg[200];
    lg_err rc = lg_parse_deposit(call->req->body, call->req->body_len, tx, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_http_fail(call, lg_http_error_status(rc), msg);
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
                      out.done == LG_DONE_CREATED ? "Deposit credited"
                                                  : "Deposit already credited");
    }
    lg_http_reply(call, lg_http_status(&out), o);
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
    lg_query_loan(call->srv->svc, &call->partner, id, &loan, &reps, &n, &out);
    if (lg_http_outcome_failed(call, &out)) {
        free(reps);
        return;
    }
    set_audit_ids(call, loan.user_wallet, loan.oaid, NULL);
    struct json_object *o = lg_view_loan(&loan, 1, reps, n);
    free(reps);
    lg_http_reply(call, 200, o);
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
    lg_query_user_loans(call->srv->svc, &call->partner, wallet, status, limit, offset, &items, &n,
                        &total, &out);
    if (lg_http_outcome_failed(call, &out)) {
        free(items);
        return;
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, lg_view_loan(&items[i], 0, NULL, 0));
    free(items);
    lg_http_reply(call, 200, lg_view_page("loans", arr, total, limit, offset));
}

void lg_h_stats(lg_http_call *call)
{
    lg_partner_stats s;
    lg_outcome out = {0};
    lg_query_stats(call->srv->svc, &call->partner, &s, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = lg_view_stats(&call->partner, &s);
    lg_http_reply(call, 200, o);
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
    lg_query_transactions(call->srv->svc, &call->partner, start, end, limit, offset, &items, &n,
                          &total, &out);
    if (lg_http_outcome_failed(call, &out)) {
        free(items);
        return;
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, lg_view_ledger_entry(&items[i]));
    free(items);
    lg_http_reply(call, 200, lg_view_page("transactions", arr, total, limit, offset));
}
