/* view.c - every domain object rendered once, in the partner plan's shapes (view.h). */
#include "config.h"

#include <lendgate/view.h>

#include <lendgate/address.h>
#include <lendgate/model.h>
#include <lendgate/render.h>
#include <lendgate/time.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_SAFE_DIGITS 16 /* 2^53 = 9007199254740992 has 16 digits */

void lg_view_id(struct json_object *o, const char *k, const char *decimal)
{
    static const char max[] = "9007199254740992";
    size_t n = decimal ? strlen(decimal) : 0;
    int fits = n > 0 && (n < JS_SAFE_DIGITS || (n == JS_SAFE_DIGITS && strcmp(decimal, max) <= 0));
    if (fits)
        json_object_object_add(o, k, json_object_new_int64(strtoll(decimal, NULL, 10)));
    else
        lg_render_opt(o, k, decimal);
}

void lg_view_address(struct json_object *o, const char *k, const char *lower)
{
    char text[LG_ADDRESS_TEXT_LEN];
    if (lg_address_checksummed(text, sizeof text, lower) == LG_OK)
        lg_render_str(o, k, text);
    else
        lg_render_opt(o, k, lower);
}

static void add_bool(struct json_object *o, const char *k, int v)
{
    json_object_object_add(o, k, json_object_new_boolean(v != 0));
}

/* The partner's metadata as the object it gave, or null. */
static void add_metadata(struct json_object *o, const char *canonical)
{
    struct json_object *m = canonical && *canonical ? json_tokener_parse(canonical) : NULL;
    json_object_object_add(o, "metadata", m);
}

/* ------------------------------------------------------------ loans */

static struct json_object *history_entry(const lg_repayment *r)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_amount(o, "amount", r->amount);
    lg_render_time(o, "timestamp", r->updated_at_ms);
    lg_render_opt(o, "txHash", r->repay_tx);
    lg_render_str(o, "repaidBy", r->kind == LG_REPAY_KIND_LIQUIDATION ? "LIQUIDATION" : "PARTNER");
    lg_render_opt(o, "repaymentTxHash", r->proof_tx);
    lg_render_str(o, "type", lg_repay_kind_name(r->kind));
    return o;
}

static struct json_object *repayment_json(const lg_repayment *r)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "repaymentId", r->id);
    lg_render_amount(o, "amount", r->amount);
    lg_render_str(o, "status", lg_repay_status_name(r->status));
    lg_render_opt(o, "repaymentTxHash", r->proof_tx);
    lg_render_opt(o, "txHash", r->repay_tx);
    lg_render_opt(o, "failureReason", r->failure_reason);
    lg_render_time(o, "createdAt", r->created_at_ms);
    lg_render_time(o, "updatedAt", r->updated_at_ms);
    return o;
}

/* repaymentHistory (applied only, the plan's), repayments (every state, ours), and
 * what the applied ones say of the loan: its last repayment and final transaction. */
static void add_history(struct json_object *o, const lg_loan *l, const lg_repayment *reps, size_t n)
{
    struct json_object *hist = json_object_new_array(), *all = json_object_new_array();
    const lg_repayment *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (all)
            json_object_array_add(all, repayment_json(&reps[i]));
        if (reps[i].status != LG_REPAY_APPLIED)
            continue;
        last = &reps[i];
        if (hist)
            json_object_array_add(hist, history_entry(&reps[i]));
    }
    json_object_object_add(o, "repaymentHistory", hist);
    lg_render_opt(o, "repayTxHash", l->status == LG_LOAN_REPAID && last ? last->repay_tx : NULL);
    lg_render_time(o, "lastRepaymentAt", last ? last->updated_at_ms : 0);
    json_object_object_add(o, "repayments", all);
}

struct json_object *lg_view_loan(const lg_loan *l, int history, const lg_repayment *reps, size_t n)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "partnerLoanId", l->partner_loan_id);
    lg_render_str(o, "internalLoanId", l->id);
    lg_view_address(o, "userWallet", l->user_wallet);
    lg_view_id(o, "oaidTokenId", l->oaid);
    lg_render_amount(o, "principalAmount", l->amount);
    lg_render_amount(o, "remainingDebt", l->remaining);
    lg_render_amount(o, "totalRepaid", l->repaid);
    lg_render_str(o, "status", lg_loan_status_name(l->status));
    lg_render_time(o, "borrowedAt", l->created_at_ms);
    lg_render_amount(o, "platformFeeCharged", l->fee);
    lg_render_opt(o, "borrowTxHash", l->borrow_tx);
    add_metadata(o, l->metadata);
    if (history)
        add_history(o, l, reps, n);
    lg_view_id(o, "positionId", l->position_id);
    lg_render_amount(o, "netAmountTransferred", l->net);
    lg_render_opt(o, "transferTxHash", l->transfer_tx);
    lg_render_opt(o, "failureReason", l->failure_reason);
    lg_render_time(o, "updatedAt", l->updated_at_ms);
    return o;
}

struct json_object *lg_view_borrow(const lg_loan *l, int settled, const char *settlement)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    add_bool(o, "success", 1);
    lg_render_str(o, "internalLoanId", l->id);
    lg_render_amount(o, "borrowedAmount", l->amount);
    lg_render_amount(o, "netAmountTransferred", l->net);
    lg_render_amount(o, "platformFee", l->fee);
    lg_render_opt(o, "remainingCredit", l->remaining_credit);
    lg_render_opt(o, "txHash", l->borrow_tx);
    lg_render_str(o, "message",
                  settled ? "Loan successfully processed"
                          : "Loan accepted: the chain has not confirmed it yet; "
                            "GET /partners/loan/{partnerLoanId} tells when it has");
    lg_render_str(o, "partnerLoanId", l->partner_loan_id);
    lg_render_str(o, "status", lg_loan_status_name(l->status));
    lg_render_opt(o, "transferTxHash", l->transfer_tx);
    lg_view_address(o, "settlementAddress", settlement);
    lg_view_id(o, "positionId", l->position_id);
    lg_render_time(o, "borrowedAt", l->created_at_ms);
    return o;
}

static const char *repay_message(const lg_loan *l, const lg_repayment *r)
{
    if (r->status != LG_REPAY_APPLIED)
        return "Repayment accepted: the chain has not confirmed it yet; "
               "GET /partners/loan/{partnerLoanId} tells when it has";
    return l->status == LG_LOAN_REPAID ? "Loan fully repaid" : "Partial repayment processed";
}

struct json_object *lg_view_repay(const lg_loan *l, const lg_repayment *r)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    add_bool(o, "success", 1);
    lg_render_amount(o, "remainingDebt", l->remaining);
    lg_render_str(o, "loanStatus", lg_loan_status_name(l->status));
    lg_render_opt(o, "txHash", r->repay_tx);
    lg_render_str(o, "message", repay_message(l, r));
    lg_render_str(o, "status", lg_repay_status_name(r->status));
    lg_render_str(o, "partnerLoanId", l->partner_loan_id);
    lg_render_str(o, "internalLoanId", l->id);
    lg_render_amount(o, "totalRepaid", l->repaid);
    json_object_object_add(o, "repayment", repayment_json(r));
    return o;
}

/* ------------------------------------------------------------ ledger and pages */

struct json_object *lg_view_ledger_entry(const lg_ledger_entry *e)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_time(o, "timestamp", e->created_at_ms);
    lg_render_str(o, "type", lg_ledger_kind_name(e->kind));
    lg_render_opt(o, "partnerLoanId", e->partner_loan_id);
    lg_render_amount(o, "amount", e->amount);
    lg_view_address(o, "userWallet", e->user_wallet);
    lg_render_opt(o, "txHash", e->tx_hash);
    lg_render_str(o, "status", "SUCCESS"); /* the ledger records only settled movements */
    lg_render_int(o, "id", e->id);
    lg_render_opt(o, "internalLoanId", e->loan_id);
    return o;
}

struct json_object *lg_view_page(const char *key, struct json_object *items, uint64_t total,
                                 uint32_t limit, uint64_t offset)
{
    struct json_object *o = items ? json_object_new_object() : NULL;
    if (!o) {
        json_object_put(items);
        return NULL;
    }
    lg_render_int(o, "total", (int64_t)total);
    lg_render_int(o, "limit", limit);
    lg_render_int(o, "offset", (int64_t)offset);
    json_object_object_add(o, key, items);
    return o;
}

/* ------------------------------------------------------------ partners */

/* The allowlist "a,b" as the array of its entries. */
static struct json_object *allowlist_array(const char *spec)
{
    struct json_object *a = json_object_new_array();
    const char *p = spec;
    while (a && *p) {
        size_t n = strcspn(p, ","), lead = 0;
        while (lead < n && p[lead] == ' ')
            lead++;
        size_t len = n - lead;
        while (len > 0 && p[lead + len - 1] == ' ')
            len--;
        if (len > 0)
            json_object_array_add(a, json_object_new_string_len(p + lead, (int)len));
        p += n;
        if (*p == ',')
            p++;
    }
    return a;
}

struct json_object *lg_view_partner(const lg_partner *p)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    char id[LG_ID_LEN];
    int sandbox = lg_partner_public_id(p->id, id);
    lg_render_str(o, "partnerId", id);
    if (sandbox) /* a twin appears in its partner's audit history only */
        lg_render_str(o, "environment", "sandbox");
    lg_render_str(o, "partnerName", p->name);
    lg_render_str(o, "apiKeyPrefix", p->key_prefix);
    lg_render_str(o, "status", lg_partner_status_name(p->status));
    lg_render_str(o, "tier", lg_tier_name(p->tier));
    lg_render_amount(o, "dailyBorrowLimit", p->daily_limit);
    lg_render_amount(o, "totalBorrowLimit", p->total_limit);
    lg_render_amount(o, "currentOutstanding", p->outstanding);
    lg_render_int(o, "platformFeePercentage", p->fee_bps);
    lg_view_address(o, "settlementAddress", p->settlement_address);
    lg_render_str(o, "webhookUrl", p->webhook_url);
    lg_render_str(o, "contactEmail", p->contact_email);
    lg_view_address(o, "contactWallet", p->contact_wallet);
    lg_view_address(o, "publicKey", p->public_key);
    add_bool(o, "kycVerified", p->kyc_verified);
    add_bool(o, "contractSigned", p->contract_signed);
    lg_render_str(o, "createdBy", p->created_by);
    lg_render_int(o, "rateLimitRpm", p->rate_limit_rpm);
    add_bool(o, "signingRequired", p->signing_required);
    add_bool(o, "signingSecretSet", p->signing_secret[0]);
    add_bool(o, "webhookSecretSet", p->webhook_secret[0]);
    /* The endpoint's state (webhooks_admin.h): when and why it was switched off, and
     * whether a rotated-out secret still signs until when; never a secret itself. */
    int prev_valid =
        p->webhook_secret_prev[0] && p->webhook_secret_prev_until_ms > lg_time_now_ms();
    lg_render_time(o, "webhookDisabledAt", p->webhook_disabled_at_ms);
    lg_render_opt(o, "webhookDisabledReason", p->webhook_disabled_reason);
    add_bool(o, "webhookPreviousSecretValid", prev_valid);
    lg_render_time(o, "webhookPreviousSecretExpiresAt",
                   prev_valid ? p->webhook_secret_prev_until_ms : 0);
    json_object_object_add(o, "ipAllowlist", allowlist_array(p->ip_allowlist));
    lg_render_amount(o, "totalBorrowed", p->total_borrowed);
    lg_render_amount(o, "totalRepaid", p->total_repaid);
    lg_render_amount(o, "totalFees", p->total_fees);
    lg_render_amount(o, "repaymentBalance",
                     p->deposited > p->balance_used ? p->deposited - p->balance_used : 0);
    lg_render_time(o, "createdAt", p->created_at_ms);
    lg_render_time(o, "updatedAt", p->updated_at_ms);
    return o;
}

/* ------------------------------------------------------------ stats */

/* The plan's utilizationRate: outstanding of the total limit, "5.0%". */
static void add_utilization(struct json_object *o, uint64_t outstanding, uint64_t limit)
{
    char text[32];
    double pct = limit ? (double)outstanding * 100.0 / (double)limit : 0.0;
    snprintf(text, sizeof text, "%.1f%%", pct);
    lg_render_str(o, "utilizationRate", text);
}

struct json_object *lg_view_stats(const lg_partner *p, const lg_partner_stats *s)
{
    struct json_object *o = json_object_new_object(), *limits = json_object_new_object(),
                       *usage = json_object_new_object(), *life = json_object_new_object();
    if (!o || !limits || !usage || !life) {
        json_object_put(o);
        json_object_put(limits);
        json_object_put(usage);
        json_object_put(life);
        return NULL;
    }
    char id[LG_ID_LEN];
    int sandbox = lg_partner_public_id(p->id, id);
    lg_render_str(o, "partnerId", id);
    lg_render_str(o, "environment", sandbox ? "sandbox" : "live");
    lg_render_str(o, "partnerName", p->name);
    lg_render_str(o, "tier", lg_tier_name(p->tier));
    lg_render_str(o, "status", lg_partner_status_name(p->status));
    lg_render_amount(limits, "dailyBorrowLimit", s->daily_limit);
    lg_render_amount(limits, "totalBorrowLimit", s->total_limit);
    lg_render_amount(limits, "currentOutstanding", s->outstanding);
    json_object_object_add(o, "limits", limits);
    lg_render_amount(usage, "dailyBorrowed", s->today_borrowed);
    lg_render_amount(usage, "dailyRemaining", s->daily_remaining);
    lg_render_amount(usage, "totalRemaining", s->total_remaining);
    add_utilization(usage, s->outstanding, s->total_limit);
    lg_render_str(usage, "day", s->day);
    json_object_object_add(o, "usage", usage);
    lg_render_amount(life, "totalBorrowed", s->total_borrowed);
    lg_render_amount(life, "totalRepaid", s->total_repaid);
    lg_render_int(life, "activeLoans", (int64_t)s->active_loans);
    lg_render_int(life, "repaidLoans", (int64_t)s->repaid_loans);
    lg_render_int(life, "pendingLoans", (int64_t)s->pending_loans);
    lg_render_amount(life, "platformFeesPaid", s->total_fees);
    json_object_object_add(o, "lifetime", life);
    lg_render_int(o, "platformFeePercentage", p->fee_bps);
    lg_render_amount(o, "repaymentBalance", s->repayment_balance);
    return o;
}

/* ------------------------------------------------------------ chain reads */

struct json_object *lg_view_credit_line(const lg_credit_line_view *v)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_view_id(o, "oaidTokenId", v->oaid);
    lg_render_str(o, "creditLimit", v->limit);
    lg_render_str(o, "creditUsed", v->used);
    lg_render_str(o, "availableCredit", v->available);
    add_bool(o, "active", v->active);
    lg_render_str(o, "owner", v->owner);
    return o;
}

/* The vault's health factor is scaled by 1e18, and "no debt" is the largest uint256:
 * a number for people, null for no debt, the exact figure beside it. */
static void add_health(struct json_object *o, const char *scaled)
{
    size_t n = strlen(scaled);
    if (n == 0 || n > 40) { /* 2^256 - 1 has 78 digits: no debt */
        json_object_object_add(o, "healthFactor", NULL);
    } else {
        double hf = strtod(scaled, NULL) / 1e18;
        if (hf < 1e9) /* four decimals are what a person reads */
            hf = (double)(long long)(hf * 10000 + 0.5) / 1e4;
        json_object_object_add(o, "healthFactor", json_object_new_double(hf));
    }
    lg_render_str(o, "healthFactorRaw", scaled);
}

struct json_object *lg_view_position(const lg_position_view *v)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_view_id(o, "positionId", v->position_id);
    lg_render_str(o, "user", v->user);
    lg_render_str(o, "collateralToken", v->collateral_token);
    lg_render_str(o, "collateralAmount", v->collateral_amount);
    lg_render_str(o, "collateralValueUSD", v->collateral_value);
    lg_render_str(o, "usdcBorrowed", v->usdc_borrowed);
    add_health(o, v->health_factor);
    add_bool(o, "active", v->active);
    lg_render_str(o, "tokenType", v->token_type == 0 ? "RWA" : "PRIVATE");
    lg_view_id(o, "oaidTokenId", v->oaid);
    return o;
}
