/* events.c - loan webhook payloads built with json-c. */
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

static int fill(json_object *o, const char *event, const lg_loan *loan, uint64_t amount,
                const char *tx_hash, const char *ts)
{
    return add_str(o, "event", event) || add_str(o, "loanId", loan->id) ||
           add_str(o, "partnerLoanId", loan->partner_loan_id) ||
           add_str(o, "userWallet", loan->user_wallet) || add_str(o, "oaidTokenId", loan->oaid) ||
           add_u64(o, "amount", amount) || add_u64(o, "fee", loan->fee) ||
           add_u64(o, "netAmount", loan->net) || add_u64(o, "remaining", loan->remaining) ||
           add_str(o, "txHash", tx_hash) ||
           add_str(o, "status", lg_loan_status_name(loan->status)) || add_str(o, "timestamp", ts);
}

lg_err lg_event_loan_json(const char *event, const lg_loan *loan, uint64_t amount,
                          const char *tx_hash, int64_t at_ms, char *buf, size_t len)
{
    char ts[LG_RFC3339_LEN];
    lg_err rc = LG_OK;
    if (!event || !loan || !buf || len == 0 ||
        lg_time_format_rfc3339(at_ms, ts, sizeof ts) != LG_OK)
        return LG_ERR_INVALID;
    json_object *o = json_object_new_object();
    if (!o)
        return LG_ERR_NOMEM;
    if (fill(o, event, loan, amount, tx_hash, ts) != 0) {
        rc = LG_ERR_NOMEM;
        goto out;
    }
    const char *text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text) {
        rc = LG_ERR_NOMEM;
        goto out;
    }
    size_t n = strlen(text);
    if (n >= len) {
        rc = LG_ERR_OVERFLOW;
        goto out;
    }
    memcpy(buf, text, n + 1);
out:
    json_object_put(o);
    return rc;
}
