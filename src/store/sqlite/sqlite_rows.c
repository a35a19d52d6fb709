/* sqlite_rows.c - one reader and one binder per table: the only code that knows
 * which column holds which field (the order of the LG_SQ_*_COLS lists). */
#include "config.h"

#include "sqlite_internal.h"

#define TEXT(f) LG_SQ_COL_TEXT(s, c++, f)
#define I64()   lg_sq_col_i64(s, c++)
#define U64()   lg_sq_col_u64(s, c++)
#define INT()   lg_sq_col_int(s, c++)

void lg_sq_read_partner(sqlite3_stmt *s, int c, void *out)
{
    lg_partner *p = out;
    TEXT(p->id);
    TEXT(p->name);
    TEXT(p->key_prefix);
    p->status = (lg_partner_status)INT();
    p->tier = (lg_tier)INT();
    p->daily_limit = U64();
    p->total_limit = U64();
    p->fee_bps = (uint32_t)INT();
    TEXT(p->settlement_address);
    TEXT(p->webhook_url);
    TEXT(p->webhook_secret);
    TEXT(p->contact_email);
    p->rate_limit_rpm = (uint32_t)I64();
    p->signing_required = INT();
    TEXT(p->signing_secret);
    TEXT(p->ip_allowlist);
    p->outstanding = U64();
    p->total_borrowed = U64();
    p->total_repaid = U64();
    p->total_fees = U64();
    p->created_at_ms = I64();
    p->updated_at_ms = I64();
    p->deposited = U64();
    p->balance_used = U64();
    TEXT(p->contact_wallet);
    TEXT(p->public_key);
    p->kyc_verified = INT();
    p->contract_signed = INT();
    TEXT(p->created_by);
    TEXT(p->webhook_secret_prev);
    p->webhook_secret_prev_until_ms = I64();
    p->webhook_disabled_at_ms = I64();
    TEXT(p->webhook_disabled_reason);
    TEXT(p->live_id);
}

int lg_sq_bind_partner(sqlite3_stmt *s, const lg_partner *p)
{
    return lg_sq_bind_text(s, 1, p->id) || lg_sq_bind_text(s, 2, p->name) ||
           lg_sq_bind_text(s, 3, p->key_prefix) || lg_sq_bind_i64(s, 4, p->status) ||
           lg_sq_bind_i64(s, 5, p->tier) || lg_sq_bind_u64(s, 6, p->daily_limit) ||
           lg_sq_bind_u64(s, 7, p->total_limit) || lg_sq_bind_i64(s, 8, p->fee_bps) ||
           lg_sq_bind_text(s, 9, p->settlement_address) || lg_sq_bind_text(s, 10, p->webhook_url) ||
           lg_sq_bind_text(s, 11, p->webhook_secret) || lg_sq_bind_text(s, 12, p->contact_email) ||
           lg_sq_bind_i64(s, 13, p->rate_limit_rpm) ||
           lg_sq_bind_i64(s, 14, p->signing_required != 0) ||
           lg_sq_bind_text(s, 15, p->signing_secret) || lg_sq_bind_text(s, 16, p->ip_allowlist) ||
           lg_sq_bind_u64(s, 17, p->outstanding) || lg_sq_bind_u64(s, 18, p->total_borrowed) ||
           lg_sq_bind_u64(s, 19, p->total_repaid) || lg_sq_bind_u64(s, 20, p->total_fees) ||
           lg_sq_bind_i64(s, 21, p->created_at_ms) || lg_sq_bind_i64(s, 22, p->updated_at_ms) ||
           lg_sq_bind_text(s, 25, p->contact_wallet) || lg_sq_bind_text(s, 26, p->public_key) ||
           lg_sq_bind_i64(s, 27, p->kyc_verified != 0) ||
           lg_sq_bind_i64(s, 28, p->contract_signed != 0) ||
           lg_sq_bind_text(s, 29, p->created_by) ||
           lg_sq_bind_text(s, 30, p->webhook_secret_prev) ||
           lg_sq_bind_i64(s, 31, p->webhook_secret_prev_until_ms) ||
           lg_sq_bind_i64(s, 32, p->webhook_disabled_at_ms) ||
           lg_sq_bind_reason(s, 33, p->webhook_disabled_reason);
}

void lg_sq_read_key(sqlite3_stmt *s, int c, void *out)
{
    lg_api_key *k = out;
    k->id = I64();
    TEXT(k->partner_id);
    TEXT(k->key_hash);
    TEXT(k->prefix);
    TEXT(k->env);
    k->created_at_ms = I64();
    k->expires_at_ms = I64();
    k->revoked_at_ms = I64();
    k->last_used_at_ms = I64();
}

int lg_sq_bind_key(sqlite3_stmt *s, const lg_api_key *k)
{
    return sqlite3_bind_null(s, 1) != SQLITE_OK || lg_sq_bind_text(s, 2, k->partner_id) ||
           lg_sq_bind_text(s, 3, k->key_hash) || lg_sq_bind_text(s, 4, k->prefix) ||
           lg_sq_bind_text(s, 5, k->env) || lg_sq_bind_i64(s, 6, k->created_at_ms) ||
           lg_sq_bind_opt_i64(s, 7, k->expires_at_ms) ||
           lg_sq_bind_opt_i64(s, 8, k->revoked_at_ms) ||
           lg_sq_bind_opt_i64(s, 9, k->last_used_at_ms);
}

int lg_sq_bind_position(sqlite3_stmt *s, const lg_position *p)
{
    return lg_sq_bind_text(s, 1, p->wallet) || lg_sq_bind_text(s, 2, p->oaid) ||
           lg_sq_bind_text(s, 3, p->position_id) || lg_sq_bind_text(s, 4, p->collateral_token) ||
           lg_sq_bind_text(s, 5, p->collateral_amount) ||
           lg_sq_bind_text(s, 6, p->collateral_value) || lg_sq_bind_text(s, 7, p->usdc_borrowed) ||
           lg_sq_bind_text(s, 8, p->health_factor) || lg_sq_bind_i64(s, 9, p->token_type) ||
           lg_sq_bind_i64(s, 10, p->active != 0) || lg_sq_bind_u64(s, 11, p->total_partner_debt) ||
           lg_sq_bind_i64(s, 12, p->updated_at_ms);
}

void lg_sq_read_loan(sqlite3_stmt *s, int c, void *out)
{
    lg_loan *l = out;
    TEXT(l->id);
    TEXT(l->partner_id);
    TEXT(l->partner_loan_id);
    TEXT(l->user_wallet);
    TEXT(l->oaid);
    TEXT(l->position_id);
    l->amount = U64();
    l->fee = U64();
    l->net = U64();
    l->remaining = U64();
    l->repaid = U64();
    l->repay_pending = U64();
    l->status = (lg_loan_status)INT();
    TEXT(l->request_hash);
    TEXT(l->day);
    TEXT(l->borrow_tx);
    TEXT(l->transfer_tx);
    TEXT(l->failure_reason);
    l->created_at_ms = I64();
    l->updated_at_ms = I64();
    TEXT(l->metadata);
    TEXT(l->remaining_credit);
    TEXT(l->owner);
    l->lease_until_ms = I64();
}

int lg_sq_bind_loan(sqlite3_stmt *s, const lg_loan *l)
{
    return lg_sq_bind_text(s, 1, l->id) || lg_sq_bind_text(s, 2, l->partner_id) ||
           lg_sq_bind_text(s, 3, l->partner_loan_id) || lg_sq_bind_text(s, 4, l->user_wallet) ||
           lg_sq_bind_text(s, 5, l->oaid) || lg_sq_bind_text(s, 6, l->position_id) ||
           lg_sq_bind_u64(s, 7, l->amount) || lg_sq_bind_u64(s, 8, l->fee) ||
           lg_sq_bind_u64(s, 9, l->net) || lg_sq_bind_u64(s, 10, l->remaining) ||
           lg_sq_bind_u64(s, 11, l->repaid) || lg_sq_bind_u64(s, 12, l->repay_pending) ||
           lg_sq_bind_i64(s, 13, l->status) || lg_sq_bind_text(s, 14, l->request_hash) ||
           lg_sq_bind_text(s, 15, l->day) || lg_sq_bind_text(s, 16, l->borrow_tx) ||
           lg_sq_bind_text(s, 17, l->transfer_tx) || lg_sq_bind_reason(s, 18, l->failure_reason) ||
           lg_sq_bind_i64(s, 19, l->created_at_ms) || lg_sq_bind_i64(s, 20, l->updated_at_ms);
}

void lg_sq_read_repayment(sqlite3_stmt *s, int c, void *out)
{
    lg_repayment *r = out;
    TEXT(r->id);
    TEXT(r->loan_id);
    TEXT(r->partner_id);
    r->amount = U64();
    TEXT(r->proof_tx);
    TEXT(r->repay_tx);
    r->status = (lg_repay_status)INT();
    TEXT(r->failure_reason);
    r->created_at_ms = I64();
    r->updated_at_ms = I64();
    r->funded = U64();
    TEXT(r->owner);
    r->lease_until_ms = I64();
    r->kind = (lg_repay_kind)INT();
    TEXT(r->idem_key);
}

int lg_sq_bind_repayment(sqlite3_stmt *s, const lg_repayment *r)
{
    return lg_sq_bind_text(s, 1, r->id) || lg_sq_bind_text(s, 2, r->loan_id) ||
           lg_sq_bind_text(s, 3, r->partner_id) || lg_sq_bind_u64(s, 4, r->amount) ||
           lg_sq_bind_text(s, 5, r->proof_tx) || lg_sq_bind_text(s, 6, r->repay_tx) ||
           lg_sq_bind_i64(s, 7, r->status) || lg_sq_bind_reason(s, 8, r->failure_reason) ||
           lg_sq_bind_i64(s, 9, r->created_at_ms) || lg_sq_bind_i64(s, 10, r->updated_at_ms) ||
           lg_sq_bind_u64(s, 11, r->funded);
}

void lg_sq_read_chain_tx(sqlite3_stmt *s, int c, void *out)
{
    lg_chain_tx *tx = out;
    tx->id = I64();
    TEXT(tx->loan_id);
    TEXT(tx->repayment_id);
    tx->purpose = (lg_tx_purpose)INT();
    tx->chain_id = U64();
    TEXT(tx->from);
    tx->nonce = U64();
    TEXT(tx->hash);
    TEXT(tx->raw);
    tx->state = (lg_tx_state)INT();
    tx->created_at_ms = I64();
    tx->updated_at_ms = I64();
}

int lg_sq_bind_chain_tx(sqlite3_stmt *s, const lg_chain_tx *tx)
{
    return sqlite3_bind_null(s, 1) != SQLITE_OK || lg_sq_bind_opt_text(s, 2, tx->loan_id) ||
           lg_sq_bind_opt_text(s, 3, tx->repayment_id) || lg_sq_bind_i64(s, 4, tx->purpose) ||
           lg_sq_bind_u64(s, 5, tx->chain_id) || lg_sq_bind_text(s, 6, tx->from) ||
           lg_sq_bind_u64(s, 7, tx->nonce) || lg_sq_bind_text(s, 8, tx->hash) ||
           lg_sq_bind_text(s, 9, tx->raw) || lg_sq_bind_i64(s, 10, tx->state) ||
           lg_sq_bind_i64(s, 11, tx->created_at_ms) || lg_sq_bind_i64(s, 12, tx->updated_at_ms);
}

void lg_sq_read_api_log(sqlite3_stmt *s, int c, void *out)
{
    lg_api_log *r = out;
    r->id = I64();
    TEXT(r->partner_id);
    TEXT(r->request_id);
    TEXT(r->route);
    TEXT(r->method);
    TEXT(r->client_ip);
    TEXT(r->user_agent);
    TEXT(r->payload);
    r->status_code = INT();
    r->duration_ms = (uint32_t)I64();
    r->success = INT();
    TEXT(r->error_message);
    TEXT(r->wallet);
    TEXT(r->oaid);
    TEXT(r->loan_id);
    r->created_at_ms = I64();
    TEXT(r->partner_name);
}

int lg_sq_bind_api_log(sqlite3_stmt *s, const lg_api_log *r)
{
    return sqlite3_bind_null(s, 1) != SQLITE_OK || lg_sq_bind_text(s, 2, r->partner_id) ||
           lg_sq_bind_text(s, 3, r->request_id) || lg_sq_bind_text(s, 4, r->route) ||
           lg_sq_bind_text(s, 5, r->method) || lg_sq_bind_text(s, 6, r->client_ip) ||
           lg_sq_bind_text(s, 7, r->user_agent) || lg_sq_bind_text(s, 8, r->payload) ||
           lg_sq_bind_i64(s, 9, r->status_code) || lg_sq_bind_i64(s, 10, r->duration_ms) ||
           lg_sq_bind_i64(s, 11, r->success != 0) || lg_sq_bind_text(s, 12, r->error_message) ||
           lg_sq_bind_text(s, 13, r->wallet) || lg_sq_bind_text(s, 14, r->oaid) ||
           lg_sq_bind_text(s, 15, r->loan_id) || lg_sq_bind_i64(s, 16, r->created_at_ms);
}

void lg_sq_read_ledger(sqlite3_stmt *s, int c, void *out)
{
    lg_ledger_entry *e = out;
    e->id = I64();
    TEXT(e->partner_id);
    TEXT(e->loan_id);
    TEXT(e->partner_loan_id);
    e->kind = (lg_ledger_kind)INT();
    e->amount = U64();
    TEXT(e->tx_hash);
    e->created_at_ms = I64();
    TEXT(e->user_wallet);
}

int lg_sq_bind_ledger(sqlite3_stmt *s, const lg_ledger_entry *e)
{
    return sqlite3_bind_null(s, 1) != SQLITE_OK || lg_sq_bind_text(s, 2, e->partner_id) ||
           lg_sq_bind_opt_text(s, 3, e->loan_id) || lg_sq_bind_text(s, 4, e->partner_loan_id) ||
           lg_sq_bind_i64(s, 5, e->kind) || lg_sq_bind_u64(s, 6, e->amount) ||
           lg_sq_bind_text(s, 7, e->tx_hash) || lg_sq_bind_i64(s, 8, e->created_at_ms);
}

void lg_sq_read_audit(sqlite3_stmt *s, int c, void *out)
{
    lg_admin_audit *a = out;
    a->id = I64();
    TEXT(a->admin);
    TEXT(a->action);
    TEXT(a->target);
    TEXT(a->before_json);
    TEXT(a->after_json);
    TEXT(a->request_id);
    TEXT(a->client_ip);
    a->created_at_ms = I64();
}

int lg_sq_bind_audit(sqlite3_stmt *s, const lg_admin_audit *a)
{
    return sqlite3_bind_null(s, 1) != SQLITE_OK || lg_sq_bind_text(s, 2, a->admin) ||
           lg_sq_bind_text(s, 3, a->action) || lg_sq_bind_text(s, 4, a->target) ||
           lg_sq_bind_text(s, 5, a->before_json) || lg_sq_bind_text(s, 6, a->after_json) ||
           lg_sq_bind_text(s, 7, a->request_id) || lg_sq_bind_text(s, 8, a->client_ip) ||
           lg_sq_bind_i64(s, 9, a->created_at_ms);
}

void lg_sq_read_event(sqlite3_stmt *s, int c, void *out)
{
    lg_event *e = out;
    e->id = I64();
    TEXT(e->event_id);
    TEXT(e->partner_id);
    e->seq = U64();
    TEXT(e->type);
    TEXT(e->payload);
    e->status = (lg_event_status)INT();
    e->attempts = (uint32_t)I64();
    e->next_attempt_at_ms = I64();
    TEXT(e->owner);
    e->lease_until_ms = I64();
    e->last_status_code = INT();
    TEXT(e->last_error);
    e->created_at_ms = I64();
    e->delivered_at_ms = I64();
    e->updated_at_ms = I64();
}

void lg_sq_read_attempt(sqlite3_stmt *s, int c, void *out)
{
    lg_event_attempt *a = out;
    a->id = I64();
    TEXT(a->event_id);
    TEXT(a->partner_id);
    a->attempt = (uint32_t)I64();
    TEXT(a->url);
    a->started_at_ms = I64();
    a->status_code = INT();
    a->latency_ms = (uint32_t)I64();
    a->outcome = (lg_attempt_outcome)INT();
    TEXT(a->response_head);
    TEXT(a->error);
    TEXT(a->dispatcher);
}

int lg_sq_bind_attempt(sqlite3_stmt *s, const lg_event_attempt *a)
{
    return sqlite3_bind_null(s, 1) != SQLITE_OK || lg_sq_bind_text(s, 2, a->event_id) ||
           lg_sq_bind_text(s, 3, a->partner_id) || lg_sq_bind_i64(s, 4, a->attempt) ||
           lg_sq_bind_text(s, 5, a->url) || lg_sq_bind_i64(s, 6, a->started_at_ms) ||
           lg_sq_bind_i64(s, 7, a->status_code) || lg_sq_bind_i64(s, 8, a->latency_ms) ||
           lg_sq_bind_i64(s, 9, a->outcome) || lg_sq_bind_reason(s, 10, a->response_head) ||
           lg_sq_bind_reason(s, 11, a->error) || lg_sq_bind_text(s, 12, a->dispatcher);
}
