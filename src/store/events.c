/* events.c - the data of the webhook events, built with json-c. */
#include "config.h"

#include <lendgate/events.h>
#include <lendgate/time.h>

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* Adds key: text; returns non-zero when json-c could not allocate. */
static int add_str(json_object *o, const char *key, const char *text)
{
    json_object *v = json_object_new_string(text ? text : "");
    if (!v)
        return 1;
    if (json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        return 1;
    }
    return 0;
}

static int add_u64(json_object *o, const char *key, uint64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, value);
    return add_str(o, key, text);
}

static int add_time(json_object *o, const char *key, int64_t at_ms)
{
    char ts[LG_RFC3339_LEN];
    if (lg_time_format_rfc3339(at_ms, ts, sizeof ts) != LG_OK)
        return 1;
    return add_str(o, key, ts);
}

/* Writes o into buf and releases it (whatever happens). */
static lg_err finish(json_object *o, int failed, char *buf, size_t len)
{
    lg_err rc = LG_OK;
    const char *text = failed ? NULL
                              : json_object_to_json_string_ext(
                                    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text)
        rc = failed == 2 ? LG_ERR_INVALID : LG_ERR_NOMEM;
    else if (strlen(text) >= len)
        rc = LG_ERR_OVERFLOW;
    else
        memcpy(buf, text, strlen(text) + 1);
    json_object_put(o);
    return rc;
}

/* The partner id as the partner knows it: a sandbox twin's events name the partner
 * (the envelope says which environment, webhook/body.c). */
static int add_partner(json_object *o, const char *id)
{
    char pub[LG_ID_LEN];
    lg_partner_public_id(id, pub);
    return add_str(o, "partnerId", pub);
}

static int fill_loan(json_object *o, const lg_loan *loan, uint64_t amount, const char *tx_hash)
{
    return add_partner(o, loan->partner_id) || add_str(o, "partnerLoanId", loan->partner_loan_id) ||
           add_str(o, "internalLoanId", loan->id) || add_str(o, "userWallet", loan->user_wallet) ||
           add_str(o, "oaidTokenId", loan->oaid) || add_u64(o, "amount", amount) ||
           add_u64(o, "borrowedAmount", loan->amount) || add_u64(o, "platformFee", loan->fee) ||
           add_u64(o, "netAmountTransferred", loan->net) ||
           add_u64(o, "remainingDebt", loan->remaining) ||
           add_u64(o, "totalRepaid", loan->repaid) ||
           add_str(o, "loanStatus", lg_loan_status_name(loan->status)) ||
           add_str(o, "txHash", tx_hash) ||
           (loan->failure_reason[0] && add_str(o, "failureReason", loan->failure_reason));
}

lg_err lg_event_loan_json(const lg_loan *loan, uint64_t amount, const char *tx_hash, int64_t at_ms,
                          char *buf, size_t len)
{
    if (!loan || !buf || len == 0)
        return LG_ERR_INVALID;
    json_object *o = json_object_new_object();
    if (!o)
        return LG_ERR_NOMEM;
    int failed = fill_loan(o, loan, amount, tx_hash) ? 1 : 0;
    if (!failed && add_time(o, "timestamp", at_ms))
        failed = 2;
    return finish(o, failed, buf, len);
}

lg_err lg_event_partner_json(const lg_partner *p, const char *key_prefix, int64_t keys_expire_ms,
                             int64_t at_ms, char *buf, size_t len)
{
    if (!p || !buf || len == 0)
        return LG_ERR_INVALID;
    json_object *o = json_object_new_object();
    if (!o)
        return LG_ERR_NOMEM;
    int failed = add_partner(o, p->id) || add_str(o, "partnerName", p->name) ||
                 add_str(o, "status", lg_partner_status_name(p->status));
    if (!failed && key_prefix)
        failed = add_str(o, "keyPrefix", key_prefix) ||
                 (keys_expire_ms > 0 && add_time(o, "previousKeysExpireAt", keys_expire_ms));
    if (!failed && add_time(o, "timestamp", at_ms))
        failed = 2;
    return finish(o, failed, buf, len);
}

lg_err lg_event_limit_json(const lg_partner *p, const char *limit_type, uint64_t limit,
                           uint64_t used, uint32_t ratio_bps, const char *day, int64_t at_ms,
                           char *buf, size_t len)
{
    if (!p || !limit_type || !buf || len == 0)
        return LG_ERR_INVALID;
    json_object *o = json_object_new_object();
    if (!o)
        return LG_ERR_NOMEM;
    int failed = add_partner(o, p->id) || add_str(o, "limitType", limit_type) ||
                 add_u64(o, "limit", limit) || add_u64(o, "used", used) ||
                 add_u64(o, "thresholdBps", ratio_bps) || (day && add_str(o, "day", day));
    if (!failed && add_time(o, "timestamp", at_ms))
        failed = 2;
    return finish(o, failed, buf, len);
}
