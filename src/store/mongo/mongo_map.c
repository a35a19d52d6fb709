/*
 * mongo_map.c - model.h records to BSON and back, table-driven, and the filter and
 * update documents of the MongoDB backend's operations (mongo_map.h).
 */
#include "config.h"

#include "mongo_map.h"

#include <lendgate/log.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef enum {
    F_STR,  /* char[]: UTF-8, shorter than the field, no NUL */
    F_U64,  /* uint64_t: Int64, 0 .. max (INT64_MAX when max is 0) */
    F_U32,  /* uint32_t: Int64, 0 .. max (UINT32_MAX when max is 0) */
    F_ID,   /* int64_t: Int64, >= 0 */
    F_DATE, /* int64_t ms: BSON date, >= 0 */
    F_INT,  /* int: Int32, any */
    F_BOOL, /* int 0/1: boolean */
    F_ENUM, /* an enumeration: Int32, 0 .. max */
    F_OSTR  /* char[]: as F_STR, but absent from the document when "" (absent or null
             * reads back as ""), so a unique index on it can be partial */
} field_kind;

typedef struct field_spec {
    const char *name;
    field_kind kind;
    size_t off;
    size_t size;
    uint64_t max;
} field_spec;

struct lg_mongo_record {
    const char *collection;
    size_t size;
    const field_spec *fields;
    size_t n;
    /* A boolean the operations put beside the fields (LG_MONGO_SANDBOX_FIELD), which
     * the struct has no member for; required by the validator. NULL for none. */
    const char *flag;
};

#define MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define STR(T, m, name)                                                                            \
    {                                                                                              \
        name, F_STR, offsetof(T, m), MEMBER_SIZE(T, m), 0                                          \
    }
#define U64(T, m, name)                                                                            \
    {                                                                                              \
        name, F_U64, offsetof(T, m), MEMBER_SIZE(T, m), 0                                          \
    }
#define U32(T, m, name, max)                                                                       \
    {                                                                                              \
        name, F_U32, offsetof(T, m), MEMBER_SIZE(T, m), max                                        \
    }
#define ID(T, m, name)                                                                             \
    {                                                                                              \
        name, F_ID, offsetof(T, m), MEMBER_SIZE(T, m), 0                                           \
    }
#define DATE(T, m, name)                                                                           \
    {                                                                                              \
        name, F_DATE, offsetof(T, m), MEMBER_SIZE(T, m), 0                                         \
    }
#define INT(T, m, name)                                                                            \
    {                                                                                              \
        name, F_INT, offsetof(T, m), MEMBER_SIZE(T, m), 0                                          \
    }
#define BOOL(T, m, name)                                                                           \
    {                                                                                              \
        name, F_BOOL, offsetof(T, m), MEMBER_SIZE(T, m), 0                                         \
    }
#define ENUM(T, m, name, last)                                                                     \
    {                                                                                              \
        name, F_ENUM, offsetof(T, m), MEMBER_SIZE(T, m), last                                      \
    }
#define OSTR(T, m, name)                                                                           \
    {                                                                                              \
        name, F_OSTR, offsetof(T, m), MEMBER_SIZE(T, m), 0                                         \
    }
#define RECORD(coll, T, f)                                                                         \
    {                                                                                              \
        coll, sizeof(T), f, sizeof f / sizeof f[0], NULL                                           \
    }
#define RECORD_FLAGGED(coll, T, f, flag)                                                           \
    {                                                                                              \
        coll, sizeof(T), f, sizeof f / sizeof f[0], flag                                           \
    }

/* ------------------------------------------------------------------ tables */

static const field_spec partner_fields[] = {
    STR(lg_partner, id, "partnerId"),
    STR(lg_partner, name, "name"),
    STR(lg_partner, key_prefix, "keyPrefix"),
    ENUM(lg_partner, status, "status", LG_PARTNER_INACTIVE),
    ENUM(lg_partner, tier, "tier", LG_TIER_ENTERPRISE),
    U64(lg_partner, daily_limit, "dailyLimit"),
    U64(lg_partner, total_limit, "totalLimit"),
    U32(lg_partner, fee_bps, "feeBps", 10000),
    STR(lg_partner, settlement_address, "settlementAddress"),
    STR(lg_partner, webhook_url, "webhookUrl"),
    STR(lg_partner, webhook_secret, "webhookSecret"),
    STR(lg_partner, contact_email, "contactEmail"),
    U32(lg_partner, rate_limit_rpm, "rateLimitRpm", 0),
    BOOL(lg_partner, signing_required, "signingRequired"),
    STR(lg_partner, signing_secret, "signingSecret"),
    STR(lg_partner, ip_allowlist, "ipAllowlist"),
    STR(lg_partner, contact_wallet, "contactWallet"),
    STR(lg_partner, public_key, "publicKey"),
    BOOL(lg_partner, kyc_verified, "kycVerified"),
    BOOL(lg_partner, contract_signed, "contractSigned"),
    STR(lg_partner, created_by, "createdBy"),
    STR(lg_partner, webhook_secret_prev, "webhookSecretPrev"),
    DATE(lg_partner, webhook_secret_prev_until_ms, "webhookSecretPrevUntil"),
    DATE(lg_partner, webhook_disabled_at_ms, "webhookDisabledAt"),
    STR(lg_partner, webhook_disabled_reason, "webhookDisabledReason"),
    OSTR(lg_partner, live_id, "liveId"),
    U64(lg_partner, outstanding, "outstanding"),
    U64(lg_partner, total_borrowed, "totalBorrowed"),
    U64(lg_partner, total_repaid, "totalRepaid"),
    U64(lg_partner, total_fees, "totalFees"),
    U64(lg_partner, deposited, "deposited"),
    U64(lg_partner, balance_used, "balanceUsed"),
    DATE(lg_partner, created_at_ms, "createdAt"),
    DATE(lg_partner, updated_at_ms, "updatedAt"),
};

static const field_spec api_key_fields[] = {
    ID(lg_api_key, id, "keyId"),
    STR(lg_api_key, partner_id, "partnerId"),
    STR(lg_api_key, key_hash, "apiKeyHash"),
    STR(lg_api_key, prefix, "prefix"),
    STR(lg_api_key, env, "env"),
    DATE(lg_api_key, created_at_ms, "createdAt"),
    DATE(lg_api_key, expires_at_ms, "expiresAt"),
    DATE(lg_api_key, revoked_at_ms, "revokedAt"),
    DATE(lg_api_key, last_used_at_ms, "lastUsedAt"),
};

static const field_spec position_fields[] = {
    STR(lg_position, wallet, "userWallet"),
    STR(lg_position, oaid, "oaidTokenId"),
    STR(lg_position, position_id, "positionId"),
    STR(lg_position, collateral_token, "collateralToken"),
    STR(lg_position, collateral_amount, "collateralAmount"),
    STR(lg_position, collateral_value, "collateralValue"),
    STR(lg_position, usdc_borrowed, "usdcBorrowed"),
    STR(lg_position, health_factor, "healthFactor"),
    INT(lg_position, token_type, "tokenType"),
    BOOL(lg_position, active, "active"),
    U64(lg_position, total_partner_debt, "totalPartnerDebt"),
    DATE(lg_position, updated_at_ms, "updatedAt"),
};

static const field_spec loan_fields[] = {
    STR(lg_loan, id, "internalLoanId"),
    STR(lg_loan, partner_id, "partnerId"),
    STR(lg_loan, partner_loan_id, "partnerLoanId"),
    STR(lg_loan, user_wallet, "userWallet"),
    STR(lg_loan, oaid, "oaidTokenId"),
    STR(lg_loan, position_id, "positionId"),
    U64(lg_loan, amount, "amount"),
    U64(lg_loan, fee, "fee"),
    U64(lg_loan, net, "net"),
    U64(lg_loan, remaining, "remaining"),
    U64(lg_loan, repaid, "repaid"),
    U64(lg_loan, repay_pending, "repayPending"),
    ENUM(lg_loan, status, "status", LG_LOAN_LIQUIDATED),
    STR(lg_loan, request_hash, "requestHash"),
    STR(lg_loan, day, "day"),
    STR(lg_loan, borrow_tx, "borrowTxHash"),
    STR(lg_loan, transfer_tx, "transferTxHash"),
    STR(lg_loan, failure_reason, "failureReason"),
    STR(lg_loan, metadata, "metadata"),
    STR(lg_loan, remaining_credit, "remainingCredit"),
    STR(lg_loan, owner, "leaseOwner"),
    DATE(lg_loan, lease_until_ms, "leaseUntil"),
    DATE(lg_loan, created_at_ms, "createdAt"),
    DATE(lg_loan, updated_at_ms, "updatedAt"),
};

static const field_spec repayment_fields[] = {
    STR(lg_repayment, id, "repaymentId"),
    STR(lg_repayment, loan_id, "internalLoanId"),
    STR(lg_repayment, partner_id, "partnerId"),
    U64(lg_repayment, amount, "amount"),
    U64(lg_repayment, funded, "funded"),
    ENUM(lg_repayment, kind, "kind", LG_REPAY_KIND_LIQUIDATION),
    STR(lg_repayment, proof_tx, "repaymentTxHash"),
    STR(lg_repayment, repay_tx, "repayTxHash"),
    STR(lg_repayment, idem_key, "idempotencyKey"),
    ENUM(lg_repayment, status, "status", LG_REPAY_FAILED),
    STR(lg_repayment, failure_reason, "failureReason"),
    STR(lg_repayment, owner, "leaseOwner"),
    DATE(lg_repayment, lease_until_ms, "leaseUntil"),
    DATE(lg_repayment, created_at_ms, "createdAt"),
    DATE(lg_repayment, updated_at_ms, "updatedAt"),
};

static const field_spec chain_tx_fields[] = {
    ID(lg_chain_tx, id, "txId"),
    STR(lg_chain_tx, loan_id, "internalLoanId"),
    STR(lg_chain_tx, repayment_id, "repaymentId"),
    ENUM(lg_chain_tx, purpose, "purpose", LG_TXP_GAPFILL),
    U64(lg_chain_tx, chain_id, "chainId"),
    STR(lg_chain_tx, from, "from"),
    U64(lg_chain_tx, nonce, "nonce"),
    STR(lg_chain_tx, hash, "txHash"),
    STR(lg_chain_tx, raw, "raw"),
    ENUM(lg_chain_tx, state, "state", LG_TXS_DROPPED),
    DATE(lg_chain_tx, created_at_ms, "createdAt"),
    DATE(lg_chain_tx, updated_at_ms, "updatedAt"),
};

/* partner_name is filled by queries and key_id moves a key: neither is stored. */
static const field_spec api_log_fields[] = {
    ID(lg_api_log, id, "logId"),
    STR(lg_api_log, partner_id, "partnerId"),
    STR(lg_api_log, request_id, "requestId"),
    STR(lg_api_log, route, "route"),
    STR(lg_api_log, method, "method"),
    STR(lg_api_log, client_ip, "clientIp"),
    STR(lg_api_log, user_agent, "userAgent"),
    STR(lg_api_log, payload, "payload"),
    INT(lg_api_log, status_code, "statusCode"),
    U32(lg_api_log, duration_ms, "durationMs", 0),
    BOOL(lg_api_log, success, "success"),
    STR(lg_api_log, error_message, "errorMessage"),
    STR(lg_api_log, wallet, "userWallet"),
    STR(lg_api_log, oaid, "oaidTokenId"),
    STR(lg_api_log, loan_id, "partnerLoanId"),
    DATE(lg_api_log, created_at_ms, "createdAt"),
    STR(lg_api_log, spool_id, "spoolId"),
};

static const field_spec ledger_fields[] = {
    ID(lg_ledger_entry, id, "entryId"),
    STR(lg_ledger_entry, partner_id, "partnerId"),
    STR(lg_ledger_entry, loan_id, "internalLoanId"),
    STR(lg_ledger_entry, partner_loan_id, "partnerLoanId"),
    STR(lg_ledger_entry, user_wallet, "userWallet"),
    ENUM(lg_ledger_entry, kind, "kind", LG_LEDGER_LIQUIDATION),
    U64(lg_ledger_entry, amount, "amount"),
    STR(lg_ledger_entry, tx_hash, "txHash"),
    DATE(lg_ledger_entry, created_at_ms, "createdAt"),
};

static const field_spec event_fields[] = {
    ID(lg_event, id, "seqId"),
    STR(lg_event, event_id, "eventId"),
    STR(lg_event, partner_id, "partnerId"),
    U64(lg_event, seq, "sequence"),
    STR(lg_event, type, "type"),
    STR(lg_event, payload, "payload"),
    ENUM(lg_event, status, "status", LG_EVENT_SKIPPED),
    U32(lg_event, attempts, "attempts", 0),
    DATE(lg_event, next_attempt_at_ms, "nextAttemptAt"),
    STR(lg_event, owner, "leaseOwner"),
    DATE(lg_event, lease_until_ms, "leaseUntil"),
    INT(lg_event, last_status_code, "lastStatusCode"),
    STR(lg_event, last_error, "lastError"),
    DATE(lg_event, created_at_ms, "createdAt"),
    DATE(lg_event, delivered_at_ms, "deliveredAt"),
    DATE(lg_event, updated_at_ms, "updatedAt"),
};

static const field_spec attempt_fields[] = {
    ID(lg_event_attempt, id, "attemptId"),
    STR(lg_event_attempt, event_id, "eventId"),
    STR(lg_event_attempt, partner_id, "partnerId"),
    U32(lg_event_attempt, attempt, "attempt", 0),
    STR(lg_event_attempt, url, "url"),
    DATE(lg_event_attempt, started_at_ms, "startedAt"),
    INT(lg_event_attempt, status_code, "statusCode"),
    U32(lg_event_attempt, latency_ms, "latencyMs", 0),
    ENUM(lg_event_attempt, outcome, "outcome", LG_ATTEMPT_DISABLED),
    STR(lg_event_attempt, response_head, "responseHead"),
    STR(lg_event_attempt, error, "error"),
    STR(lg_event_attempt, dispatcher, "dispatcher"),
};

static const field_spec admin_audit_fields[] = {
    ID(lg_admin_audit, id, "auditId"),
    STR(lg_admin_audit, admin, "admin"),
    STR(lg_admin_audit, action, "action"),
    STR(lg_admin_audit, target, "target"),
    STR(lg_admin_audit, before_json, "before"),
    STR(lg_admin_audit, after_json, "after"),
    STR(lg_admin_audit, request_id, "requestId"),
    STR(lg_admin_audit, client_ip, "clientIp"),
    DATE(lg_admin_audit, created_at_ms, "createdAt"),
};

static const field_spec deposit_fields[] = {
    STR(lg_deposit, tx_hash, "txHash"),
    STR(lg_deposit, partner_id, "partnerId"),
    U64(lg_deposit, amount, "amount"),
    DATE(lg_deposit, created_at_ms, "createdAt"),
};

static const field_spec nonce_fields[] = {
    U64(lg_mongo_nonce, chain_id, "chainId"),
    STR(lg_mongo_nonce, address, "address"),
    U64(lg_mongo_nonce, next, "next"),
    DATE(lg_mongo_nonce, updated_at_ms, "updatedAt"),
};

static const field_spec lease_fields[] = {
    STR(lg_mongo_lease, name, "name"),
    STR(lg_mongo_lease, owner, "owner"),
    DATE(lg_mongo_lease, until_ms, "until"),
};

static const field_spec cursor_fields[] = {
    STR(lg_mongo_cursor, name, "name"),
    U64(lg_mongo_cursor, block, "block"),
};

static const field_spec audit_offset_fields[] = {
    STR(lg_mongo_audit_offset, source, "source"),
    U64(lg_mongo_audit_offset, offset, "offset"),
};

static const field_spec daily_usage_fields[] = {
    STR(lg_mongo_daily_usage, partner_id, "partnerId"),
    STR(lg_mongo_daily_usage, day, "day"),
    U64(lg_mongo_daily_usage, borrowed, "borrowed"),
};

static const field_spec rate_fields[] = {
    STR(lg_mongo_rate, key, "key"),
    DATE(lg_mongo_rate, window_start_ms, "windowStart"),
    U64(lg_mongo_rate, current, "current"),
    U64(lg_mongo_rate, previous, "previous"),
    DATE(lg_mongo_rate, expires_at_ms, "expiresAt"),
};

static const field_spec replay_fields[] = {
    STR(lg_mongo_replay, digest, "digest"),
    DATE(lg_mongo_replay, expires_at_ms, "expiresAt"),
};

static const field_spec position_link_fields[] = {
    STR(lg_mongo_position_link, loan_id, "internalLoanId"),
    STR(lg_mongo_position_link, partner_id, "partnerId"),
    U64(lg_mongo_position_link, amount, "amount"),
    BOOL(lg_mongo_position_link, repaid, "repaid"),
};

const lg_mongo_record lg_mongo_partner_record = RECORD("partners", lg_partner, partner_fields);
const lg_mongo_record lg_mongo_api_key_record = RECORD("api_keys", lg_api_key, api_key_fields);
/* The chain side's records carry the chain they belong to (mongo_map.h). */
const lg_mongo_record lg_mongo_position_record =
    RECORD_FLAGGED("solvency_positions", lg_position, position_fields, LG_MONGO_SANDBOX_FIELD);
const lg_mongo_record lg_mongo_loan_record =
    RECORD_FLAGGED("partner_loans", lg_loan, loan_fields, LG_MONGO_SANDBOX_FIELD);
const lg_mongo_record lg_mongo_repayment_record =
    RECORD_FLAGGED("partner_repayments", lg_repayment, repayment_fields, LG_MONGO_SANDBOX_FIELD);
const lg_mongo_record lg_mongo_chain_tx_record =
    RECORD_FLAGGED("chain_transactions", lg_chain_tx, chain_tx_fields, LG_MONGO_SANDBOX_FIELD);
const lg_mongo_record lg_mongo_api_log_record =
    RECORD("partner_api_logs", lg_api_log, api_log_fields);
const lg_mongo_record lg_mongo_ledger_record =
    RECORD("partner_ledger", lg_ledger_entry, ledger_fields);
const lg_mongo_record lg_mongo_event_record = RECORD("webhook_outbox", lg_event, event_fields);
const lg_mongo_record lg_mongo_attempt_record =
    RECORD("webhook_attempts", lg_event_attempt, attempt_fields);
const lg_mongo_record lg_mongo_admin_audit_record =
    RECORD("admin_audit", lg_admin_audit, admin_audit_fields);
const lg_mongo_record lg_mongo_deposit_record =
    RECORD("partner_deposits", lg_deposit, deposit_fields);
const lg_mongo_record lg_mongo_nonce_record = RECORD("nonces", lg_mongo_nonce, nonce_fields);
const lg_mongo_record lg_mongo_lease_record = RECORD("job_leases", lg_mongo_lease, lease_fields);
const lg_mongo_record lg_mongo_cursor_record =
    RECORD("chain_cursors", lg_mongo_cursor, cursor_fields);
const lg_mongo_record lg_mongo_audit_offset_record =
    RECORD("audit_offsets", lg_mongo_audit_offset, audit_offset_fields);
const lg_mongo_record lg_mongo_daily_usage_record =
    RECORD("partner_daily_usage", lg_mongo_daily_usage, daily_usage_fields);
const lg_mongo_record lg_mongo_rate_record = RECORD("guard_rates", lg_mongo_rate, rate_fields);
const lg_mongo_record lg_mongo_replay_record =
    RECORD("guard_replays", lg_mongo_replay, replay_fields);
/* Embedded in solvency_positions.partnerLoans[], not a collection of its own. */
const lg_mongo_record lg_mongo_position_link_record =
    RECORD("solvency_positions", lg_mongo_position_link, position_link_fields);

const char *lg_mongo_record_collection(const lg_mongo_record *rec)
{
    return rec ? rec->collection : "";
}

/* ------------------------------------------------------------------ encode */

static int64_t get_i64(const void *rec, const field_spec *f)
{
    int64_t v;
    memcpy(&v, (const char *)rec + f->off, sizeof v);
    return v;
}

static uint64_t get_u64(const void *rec, const field_spec *f)
{
    uint64_t v;
    memcpy(&v, (const char *)rec + f->off, sizeof v);
    return v;
}

static uint32_t get_u32(const void *rec, const field_spec *f)
{
    uint32_t v;
    memcpy(&v, (const char *)rec + f->off, sizeof v);
    return v;
}

static int get_int(const void *rec, const field_spec *f)
{
    int v;
    memcpy(&v, (const char *)rec + f->off, sizeof v);
    return v;
}

static uint64_t max_of(const field_spec *f)
{
    if (f->max)
        return f->max;
    return f->kind == F_U32 ? UINT32_MAX : (uint64_t)INT64_MAX;
}

/* Whether field f of rec can be stored, before anything is appended. */
static int field_fits(const void *rec, const field_spec *f)
{
    const char *s = (const char *)rec + f->off;
    switch (f->kind) {
    case F_STR:
    case F_OSTR:
        return memchr(s, '\0', f->size) != NULL && bson_utf8_validate(s, strlen(s), false);
    case F_U64:
        return get_u64(rec, f) <= max_of(f);
    case F_U32:
        return get_u32(rec, f) <= max_of(f);
    case F_ID:
    case F_DATE:
        return get_i64(rec, f) >= 0;
    case F_ENUM:
        return get_int(rec, f) >= 0 && (uint64_t)get_int(rec, f) <= f->max;
    case F_INT:
    case F_BOOL:
        return 1;
    }
    return 0;
}

static bool append_field(bson_t *doc, const void *rec, const field_spec *f)
{
    const char *s = (const char *)rec + f->off;
    switch (f->kind) {
    case F_STR:
        return bson_append_utf8(doc, f->name, -1, s, -1);
    case F_OSTR:
        return !s[0] || bson_append_utf8(doc, f->name, -1, s, -1);
    case F_U64:
        return bson_append_int64(doc, f->name, -1, (int64_t)get_u64(rec, f));
    case F_U32:
        return bson_append_int64(doc, f->name, -1, (int64_t)get_u32(rec, f));
    case F_ID:
        return bson_append_int64(doc, f->name, -1, get_i64(rec, f));
    case F_DATE:
        return bson_append_date_time(doc, f->name, -1, get_i64(rec, f));
    case F_INT:
    case F_ENUM:
        return bson_append_int32(doc, f->name, -1, get_int(rec, f));
    case F_BOOL:
        return bson_append_bool(doc, f->name, -1, get_int(rec, f) != 0);
    }
    return false;
}

static lg_err encode(const lg_mongo_record *rec, const void *r, bson_t *doc)
{
    if (!r || !doc)
        return LG_ERR_INVALID;
    for (size_t i = 0; i < rec->n; i++) {
        if (!field_fits(r, &rec->fields[i])) {
            lg_warn("store.mongo", "%s: field '%s' cannot be stored: out of range or unterminated",
                    rec->collection, rec->fields[i].name);
            return LG_ERR_INVALID;
        }
    }
    for (size_t i = 0; i < rec->n; i++)
        if (!append_field(doc, r, &rec->fields[i]))
            return LG_ERR_NOMEM;
    return LG_OK;
}

/* ------------------------------------------------------------------ decode */

/* Cold path: a stored document that does not fit its record. */
static lg_err refuse(const lg_mongo_record *rec, const field_spec *f, const char *why)
{
    lg_error("store.mongo", "%s: stored field '%s' %s", rec->collection, f->name, why);
    return LG_ERR_STORE;
}

/* An integer of either BSON width (a document written by hand or another tool may
 * hold Int32 where this backend writes Int64); never a double. */
static int iter_integer(const bson_iter_t *it, int64_t *v)
{
    if (BSON_ITER_HOLDS_INT64(it))
        *v = bson_iter_int64(it);
    else if (BSON_ITER_HOLDS_INT32(it))
        *v = bson_iter_int32(it);
    else
        return 0;
    return 1;
}

static lg_err decode_str(const lg_mongo_record *rec, const field_spec *f, const bson_iter_t *it,
                         char *dst)
{
    if (!BSON_ITER_HOLDS_UTF8(it))
        return refuse(rec, f, "is not a string");
    uint32_t len = 0;
    const char *s = bson_iter_utf8(it, &len);
    if (len >= f->size)
        return refuse(rec, f, "is longer than its field");
    if (memchr(s, '\0', len))
        return refuse(rec, f, "holds a NUL character");
    /* The server checks UTF-8 on insert, but not every writer of the database does. */
    if (!bson_utf8_validate(s, len, false))
        return refuse(rec, f, "is not UTF-8");
    memcpy(dst, s, len);
    dst[len] = '\0';
    return LG_OK;
}

static lg_err decode_number(const lg_mongo_record *rec, const field_spec *f, const bson_iter_t *it,
                            char *dst)
{
    int64_t v = 0;
    if (f->kind == F_DATE) {
        if (!BSON_ITER_HOLDS_DATE_TIME(it))
            return refuse(rec, f, "is not a date");
        v = bson_iter_date_time(it);
    } else if (!iter_integer(it, &v)) {
        return refuse(rec, f, "is not an integer");
    }
    if (v < 0 && f->kind != F_INT)
        return refuse(rec, f, "is negative");
    if (f->kind == F_U64 || f->kind == F_U32 || f->kind == F_ENUM) {
        if ((uint64_t)v > (f->kind == F_ENUM ? f->max : max_of(f)))
            return refuse(rec, f, "is out of range");
    }
    if (f->kind == F_INT && (v < INT32_MIN || v > INT32_MAX))
        return refuse(rec, f, "is out of range");
    if (f->kind == F_U64 || f->kind == F_ID || f->kind == F_DATE) {
        memcpy(dst, &v, sizeof v);
    } else if (f->kind == F_U32) {
        uint32_t u = (uint32_t)v;
        memcpy(dst, &u, sizeof u);
    } else {
        int i = (int)v;
        memcpy(dst, &i, sizeof i);
    }
    return LG_OK;
}

static lg_err decode_field(const lg_mongo_record *rec, const field_spec *f, const bson_iter_t *it,
                           void *r)
{
    char *dst = (char *)r + f->off;
    if (f->kind == F_OSTR && BSON_ITER_HOLDS_NULL(it))
        return LG_OK; /* "" (the record was zeroed) */
    if (f->kind == F_STR || f->kind == F_OSTR)
        return decode_str(rec, f, it, dst);
    if (f->kind == F_BOOL) {
        if (!BSON_ITER_HOLDS_BOOL(it))
            return refuse(rec, f, "is not a boolean");
        int b = bson_iter_bool(it) ? 1 : 0;
        memcpy(dst, &b, sizeof b);
        return LG_OK;
    }
    return decode_number(rec, f, it, dst);
}

static lg_err decode(const lg_mongo_record *rec, const bson_t *doc, void *r)
{
    if (!doc || !r)
        return LG_ERR_INVALID;
    memset(r, 0, rec->size);
    lg_err rc = LG_OK;
    for (size_t i = 0; rc == LG_OK && i < rec->n; i++) {
        const field_spec *f = &rec->fields[i];
        bson_iter_t it;
        if (!bson_iter_init_find(&it, doc, f->name))
            rc = f->kind == F_OSTR ? LG_OK : refuse(rec, f, "is missing");
        else
            rc = decode_field(rec, f, &it, r);
    }
    /* Nothing half-copied is left for a caller that ignores the code. */
    if (rc != LG_OK)
        memset(r, 0, rec->size);
    return rc;
}

size_t lg_mongo_record_size(const lg_mongo_record *rec)
{
    return rec->size;
}

lg_err lg_mongo_record_from_bson(const lg_mongo_record *rec, const bson_t *doc, void *r)
{
    return rec ? decode(rec, doc, r) : LG_ERR_INVALID;
}

#define LG_MONGO_DEFINE(name, type)                                                                \
    lg_err lg_mongo_##name##_to_bson(const type *r, bson_t *doc)                                   \
    {                                                                                              \
        return encode(&lg_mongo_##name##_record, r, doc);                                          \
    }                                                                                              \
    lg_err lg_mongo_##name##_from_bson(const bson_t *doc, type *r)                                 \
    {                                                                                              \
        return decode(&lg_mongo_##name##_record, doc, r);                                          \
    }
LG_MONGO_RECORDS(LG_MONGO_DEFINE)
#undef LG_MONGO_DEFINE

/* --------------------------------------------------------------- validators */

static const char *bson_type_name(field_kind k)
{
    switch (k) {
    case F_STR:
    case F_OSTR:
        return "string";
    case F_DATE:
        return "date";
    case F_BOOL:
        return "bool";
    case F_INT:
    case F_ENUM:
        return "int";
    default:
        return "long";
    }
}

static bool append_property(bson_t *props, const field_spec *f)
{
    bson_t p, types;
    bool ok = bson_append_document_begin(props, f->name, -1, &p);
    if (f->kind == F_OSTR) {
        ok = ok && bson_append_array_begin(&p, "bsonType", -1, &types);
        ok = ok && bson_append_utf8(&types, "0", -1, "string", -1);
        ok = ok && bson_append_utf8(&types, "1", -1, "null", -1);
        ok = ok && bson_append_array_end(&p, &types);
    } else {
        ok = ok && bson_append_utf8(&p, "bsonType", -1, bson_type_name(f->kind), -1);
    }
    if (f->kind == F_STR || f->kind == F_OSTR)
        ok = ok && bson_append_int64(&p, "maxLength", -1, (int64_t)f->size - 1);
    if (f->kind == F_U64 || f->kind == F_U32 || f->kind == F_ID || f->kind == F_ENUM)
        ok = ok && bson_append_int64(&p, "minimum", -1, 0);
    if (f->kind == F_ENUM || f->kind == F_U32)
        ok = ok && bson_append_int64(&p, "maximum", -1, (int64_t)max_of(f));
    return ok && bson_append_document_end(props, &p);
}

lg_err lg_mongo_record_validator(const lg_mongo_record *rec, bson_t *out)
{
    if (!rec || !out)
        return LG_ERR_INVALID;
    bson_t schema, req, props;
    bool ok = bson_append_document_begin(out, "$jsonSchema", -1, &schema);
    ok = ok && bson_append_utf8(&schema, "bsonType", -1, "object", -1);
    ok = ok && bson_append_array_begin(&schema, "required", -1, &req);
    uint32_t nreq = 0;
    for (size_t i = 0; ok && i <= rec->n; i++) {
        const char *name = i < rec->n ? rec->fields[i].name : rec->flag;
        if (!name || (i < rec->n && rec->fields[i].kind == F_OSTR))
            continue;
        char key[16];
        const char *k;
        bson_uint32_to_string(nreq++, &k, key, sizeof key);
        ok = bson_append_utf8(&req, k, -1, name, -1);
    }
    ok = ok && bson_append_array_end(&schema, &req);
    ok = ok && bson_append_document_begin(&schema, "properties", -1, &props);
    for (size_t i = 0; ok && i < rec->n; i++)
        ok = append_property(&props, &rec->fields[i]);
    if (ok && rec->flag) {
        bson_t p;
        ok = bson_append_document_begin(&props, rec->flag, -1, &p) &&
             bson_append_utf8(&p, "bsonType", -1, "bool", -1) &&
             bson_append_document_end(&props, &p);
    }
    ok = ok && bson_append_document_end(&schema, &props);
    ok = ok && bson_append_document_end(out, &schema);
    return ok ? LG_OK : LG_ERR_NOMEM;
}

/* ----------------------------------------------------------------- builders */

/* Every builder starts *out empty and leaves it empty when it fails. */
static lg_err built(bool ok, bson_t *out)
{
    if (ok)
        return LG_OK;
    bson_reinit(out);
    return LG_ERR_NOMEM;
}

static int fits_i64(uint64_t v)
{
    return v <= (uint64_t)INT64_MAX;
}

lg_err lg_mongo_nonce_id(uint64_t chain_id, const char *address, char *buf, size_t len)
{
    if (!address || !buf)
        return LG_ERR_INVALID;
    int n = snprintf(buf, len, "%" PRIu64 ":%s", chain_id, address);
    return n > 0 && (size_t)n < len ? LG_OK : LG_ERR_OVERFLOW;
}

lg_err lg_mongo_filter_id(const char *id, bson_t *out)
{
    return lg_mongo_filter_str("_id", id, out);
}

lg_err lg_mongo_filter_str(const char *key, const char *value, bson_t *out)
{
    bson_init(out);
    if (!key || !value)
        return LG_ERR_INVALID;
    return built(bson_append_utf8(out, key, -1, value, -1), out);
}

/* {"$expr": {"$lte": [{"$add": ["$<used>", amount]}, "$<cap>"]}}: used + amount <= cap,
 * evaluated on the document the update matches, so no other writer can slip between
 * the check and the $inc. */
static bool append_headroom(bson_t *out, const char *used, uint64_t amount, const char *cap)
{
    bson_t expr, lte, add;
    bool ok = bson_append_document_begin(out, "$expr", -1, &expr);
    ok = ok && bson_append_array_begin(&expr, "$lte", -1, &lte);
    ok = ok && bson_append_document_begin(&lte, "0", -1, &add);
    bson_t args;
    ok = ok && bson_append_array_begin(&add, "$add", -1, &args);
    ok = ok && bson_append_utf8(&args, "0", -1, used, -1);
    ok = ok && bson_append_int64(&args, "1", -1, (int64_t)amount);
    ok = ok && bson_append_array_end(&add, &args);
    ok = ok && bson_append_document_end(&lte, &add);
    ok = ok && bson_append_utf8(&lte, "1", -1, cap, -1);
    ok = ok && bson_append_array_end(&expr, &lte);
    return ok && bson_append_document_end(out, &expr);
}

lg_err lg_mongo_reserve_total_filter(const char *partner_id, uint64_t amount, bson_t *out)
{
    bson_init(out);
    if (!partner_id || !fits_i64(amount))
        return LG_ERR_INVALID;
    bool ok = bson_append_utf8(out, "partnerId", -1, partner_id, -1);
    ok = ok && bson_append_int32(out, "status", -1, LG_PARTNER_ACTIVE);
    ok = ok && append_headroom(out, "$outstanding", amount, "$totalLimit");
    return built(ok, out);
}

lg_err lg_mongo_inc_update(const char *key, int64_t delta, int64_t now_ms, bson_t *out)
{
    bson_init(out);
    if (!key)
        return LG_ERR_INVALID;
    bson_t inc, set;
    bool ok = bson_append_document_begin(out, "$inc", -1, &inc);
    ok = ok && bson_append_int64(&inc, key, -1, delta);
    ok = ok && bson_append_document_end(out, &inc);
    ok = ok && bson_append_document_begin(out, "$set", -1, &set);
    ok = ok && bson_append_date_time(&set, "updatedAt", -1, now_ms);
    ok = ok && bson_append_document_end(out, &set);
    return built(ok, out);
}

lg_err lg_mongo_daily_charge_filter(const char *partner_id, const char *day, uint64_t amount,
                                    uint64_t daily_limit, bson_t *out)
{
    bson_init(out);
    if (!partner_id || !day || !fits_i64(amount) || !fits_i64(daily_limit) || amount > daily_limit)
        return LG_ERR_INVALID;
    bson_t cond;
    bool ok = bson_append_utf8(out, "partnerId", -1, partner_id, -1);
    ok = ok && bson_append_utf8(out, "day", -1, day, -1);
    ok = ok && bson_append_document_begin(out, "borrowed", -1, &cond);
    ok = ok && bson_append_int64(&cond, "$lte", -1, (int64_t)(daily_limit - amount));
    ok = ok && bson_append_document_end(out, &cond);
    return built(ok, out);
}

lg_err lg_mongo_daily_ensure_update(const char *partner_id, const char *day, bson_t *out)
{
    bson_init(out);
    if (!partner_id || !day)
        return LG_ERR_INVALID;
    bson_t ins;
    bool ok = bson_append_document_begin(out, "$setOnInsert", -1, &ins);
    ok = ok && bson_append_utf8(&ins, "partnerId", -1, partner_id, -1);
    ok = ok && bson_append_utf8(&ins, "day", -1, day, -1);
    ok = ok && bson_append_int64(&ins, "borrowed", -1, 0);
    ok = ok && bson_append_document_end(out, &ins);
    return built(ok, out);
}

lg_err lg_mongo_repay_reserve_filter(const char *loan_id, uint64_t amount, bson_t *out)
{
    bson_init(out);
    if (!loan_id || !fits_i64(amount))
        return LG_ERR_INVALID;
    bson_t st, in;
    bool ok = bson_append_utf8(out, "internalLoanId", -1, loan_id, -1);
    ok = ok && bson_append_document_begin(out, "status", -1, &st);
    ok = ok && bson_append_array_begin(&st, "$in", -1, &in);
    ok = ok && bson_append_int32(&in, "0", -1, LG_LOAN_ACTIVE);
    ok = ok && bson_append_int32(&in, "1", -1, LG_LOAN_DEFAULTED);
    ok = ok && bson_append_array_end(&st, &in);
    ok = ok && bson_append_document_end(out, &st);
    ok = ok && append_headroom(out, "$repayPending", amount, "$remaining");
    return built(ok, out);
}

lg_err lg_mongo_balance_draw_filter(const char *partner_id, uint64_t amount, bson_t *out)
{
    bson_init(out);
    if (!partner_id || !fits_i64(amount))
        return LG_ERR_INVALID;
    bool ok = bson_append_utf8(out, "partnerId", -1, partner_id, -1);
    ok = ok && append_headroom(out, "$balanceUsed", amount, "$deposited");
    return built(ok, out);
}

lg_err lg_mongo_nonce_allocate_update(int64_t now_ms, bson_t *out)
{
    return lg_mongo_inc_update("next", 1, now_ms, out);
}

/* {op: {the nonce document}}. */
static lg_err nonce_doc_update(const char *op, const lg_mongo_nonce *n, bson_t *out)
{
    bson_init(out);
    if (!n)
        return LG_ERR_INVALID;
    bson_t doc;
    if (!bson_append_document_begin(out, op, -1, &doc))
        return built(false, out);
    lg_err rc = lg_mongo_nonce_to_bson(n, &doc);
    bool ok = bson_append_document_end(out, &doc);
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(ok, out);
}

lg_err lg_mongo_nonce_init_update(const lg_mongo_nonce *n, bson_t *out)
{
    return nonce_doc_update("$setOnInsert", n, out);
}

lg_err lg_mongo_nonce_resync_update(const lg_mongo_nonce *n, bson_t *out)
{
    return nonce_doc_update("$set", n, out);
}

lg_err lg_mongo_lease_take_filter(const char *name, const char *owner, const char *dead_owner,
                                  int64_t now_ms, bson_t *out)
{
    bson_init(out);
    if (!name || !owner)
        return LG_ERR_INVALID;
    bson_t or, a, b, c, d, lte;
    bool ok = bson_append_utf8(out, "_id", -1, name, -1);
    ok = ok && bson_append_array_begin(out, "$or", -1, & or);
    ok = ok && bson_append_document_begin(& or, "0", -1, &a);
    ok = ok && bson_append_utf8(&a, "owner", -1, owner, -1);
    ok = ok && bson_append_document_end(& or, &a);
    ok = ok && bson_append_document_begin(& or, "1", -1, &b);
    ok = ok && bson_append_document_begin(&b, "until", -1, &lte);
    ok = ok && bson_append_date_time(&lte, "$lte", -1, now_ms);
    ok = ok && bson_append_document_end(&b, &lte);
    ok = ok && bson_append_document_end(& or, &b);
    ok = ok && bson_append_document_begin(& or, "2", -1, &c);
    ok = ok && bson_append_utf8(&c, "owner", -1, "", -1);
    ok = ok && bson_append_document_end(& or, &c);
    if (dead_owner && dead_owner[0]) {
        ok = ok && bson_append_document_begin(& or, "3", -1, &d);
        ok = ok && bson_append_utf8(&d, "owner", -1, dead_owner, -1);
        ok = ok && bson_append_document_end(& or, &d);
    }
    ok = ok && bson_append_array_end(out, & or);
    return built(ok, out);
}

lg_err lg_mongo_lease_take_update(const lg_mongo_lease *l, bson_t *out)
{
    bson_init(out);
    if (!l)
        return LG_ERR_INVALID;
    bson_t set;
    if (!bson_append_document_begin(out, "$set", -1, &set))
        return built(false, out);
    lg_err rc = lg_mongo_lease_to_bson(l, &set);
    bool ok = bson_append_document_end(out, &set);
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(ok, out);
}

lg_err lg_mongo_audit_offset_filter(const char *source, uint64_t from, bson_t *out)
{
    bson_init(out);
    if (!source || !fits_i64(from))
        return LG_ERR_INVALID;
    bool ok = bson_append_utf8(out, "_id", -1, source, -1);
    ok = ok && bson_append_int64(out, "offset", -1, (int64_t)from);
    return built(ok, out);
}

lg_err lg_mongo_audit_offset_update(const char *source, uint64_t to, bson_t *out)
{
    bson_init(out);
    if (!source || !fits_i64(to))
        return LG_ERR_INVALID;
    bson_t set;
    bool ok = bson_append_document_begin(out, "$set", -1, &set);
    ok = ok && bson_append_utf8(&set, "source", -1, source, -1);
    ok = ok && bson_append_int64(&set, "offset", -1, (int64_t)to);
    ok = ok && bson_append_document_end(out, &set);
    return built(ok, out);
}

lg_err lg_mongo_key_touch_filter(int64_t key_id, int64_t now_ms, int64_t min_interval_ms,
                                 bson_t *out)
{
    bson_init(out);
    if (key_id < 0 || min_interval_ms < 0)
        return LG_ERR_INVALID;
    bson_t cond;
    bool ok = bson_append_int64(out, "keyId", -1, key_id);
    ok = ok && bson_append_document_begin(out, "lastUsedAt", -1, &cond);
    ok = ok && bson_append_date_time(&cond, "$lte", -1, now_ms - min_interval_ms);
    ok = ok && bson_append_document_end(out, &cond);
    return built(ok, out);
}

lg_err lg_mongo_set_date_update(const char *key, int64_t ms, bson_t *out)
{
    bson_init(out);
    if (!key)
        return LG_ERR_INVALID;
    bson_t set;
    bool ok = bson_append_document_begin(out, "$set", -1, &set);
    ok = ok && bson_append_date_time(&set, key, -1, ms);
    ok = ok && bson_append_document_end(out, &set);
    return built(ok, out);
}

/* Which partner fields each LG_PF_* bit names (store.h). */
static const struct {
    unsigned bit;
    const char *names[2];
} partner_mask_fields[] = {
    {LG_PF_NAME, {"name", NULL}},
    {LG_PF_STATUS, {"status", NULL}},
    {LG_PF_TIER, {"tier", NULL}},
    {LG_PF_DAILY_LIMIT, {"dailyLimit", NULL}},
    {LG_PF_TOTAL_LIMIT, {"totalLimit", NULL}},
    {LG_PF_FEE_BPS, {"feeBps", NULL}},
    {LG_PF_SETTLEMENT, {"settlementAddress", NULL}},
    {LG_PF_WEBHOOK_URL, {"webhookUrl", NULL}},
    {LG_PF_WEBHOOK_SECRET, {"webhookSecret", NULL}},
    {LG_PF_CONTACT, {"contactEmail", NULL}},
    {LG_PF_RATE_LIMIT, {"rateLimitRpm", NULL}},
    {LG_PF_SIGNING, {"signingRequired", "signingSecret"}},
    {LG_PF_ALLOWLIST, {"ipAllowlist", NULL}},
    {LG_PF_CONTACT_WALLET, {"contactWallet", NULL}},
    {LG_PF_PUBLIC_KEY, {"publicKey", NULL}},
    {LG_PF_KYC, {"kycVerified", NULL}},
    {LG_PF_CONTRACT, {"contractSigned", NULL}},
    {LG_PF_WEBHOOK_STATE, {"webhookDisabledAt", "webhookDisabledReason"}},
};

static const field_spec *partner_field(const char *name)
{
    for (size_t i = 0; i < lg_mongo_partner_record.n; i++)
        if (strcmp(partner_fields[i].name, name) == 0)
            return &partner_fields[i];
    return NULL;
}

/* Appends the fields named by one mask bit; LG_ERR_INVALID when one does not fit. */
static lg_err append_named(bson_t *set, const lg_partner *p, const char *const names[2])
{
    for (int k = 0; k < 2 && names[k]; k++) {
        const field_spec *f = partner_field(names[k]);
        if (!f || !field_fits(p, f))
            return LG_ERR_INVALID;
        if (!append_field(set, p, f))
            return LG_ERR_NOMEM;
    }
    return LG_OK;
}

lg_err lg_mongo_partner_update(const lg_partner *p, unsigned mask, int64_t now_ms, bson_t *out)
{
    bson_init(out);
    if (!p)
        return LG_ERR_INVALID;
    bson_t set;
    lg_err rc = LG_OK;
    if (!bson_append_document_begin(out, "$set", -1, &set))
        return built(false, out);
    for (size_t i = 0;
         rc == LG_OK && i < sizeof partner_mask_fields / sizeof partner_mask_fields[0]; i++)
        if (mask & partner_mask_fields[i].bit)
            rc = append_named(&set, p, partner_mask_fields[i].names);
    /* A new webhook secret keeps the one it replaced valid for a while (model.h). */
    if (rc == LG_OK && (mask & LG_PF_WEBHOOK_SECRET)) {
        static const char *const prev[2] = {"webhookSecretPrev", "webhookSecretPrevUntil"};
        rc = append_named(&set, p, prev);
    }
    bool ok = rc == LG_OK && bson_append_date_time(&set, "updatedAt", -1, now_ms) &&
              bson_append_document_end(out, &set);
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(ok, out);
}

lg_err lg_mongo_cursor_update(const char *name, uint64_t block, bson_t *out)
{
    bson_init(out);
    lg_mongo_cursor c = {.block = block};
    if (!name || strlen(name) >= sizeof c.name || !fits_i64(block))
        return LG_ERR_INVALID;
    memcpy(c.name, name, strlen(name) + 1);
    bson_t set;
    if (!bson_append_document_begin(out, "$set", -1, &set))
        return built(false, out);
    lg_err rc = lg_mongo_cursor_to_bson(&c, &set);
    bool ok = bson_append_document_end(out, &set);
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(ok, out);
}

lg_err lg_mongo_seq_update(bson_t *out)
{
    bson_init(out);
    bson_t inc;
    bool ok = bson_append_document_begin(out, "$inc", -1, &inc);
    ok = ok && bson_append_int64(&inc, "seq", -1, 1);
    ok = ok && bson_append_document_end(out, &inc);
    return built(ok, out);
}

lg_err lg_mongo_release_filter(const char *key_field, const char *key, const char *field,
                               uint64_t amount, bson_t *out)
{
    bson_init(out);
    if (!key_field || !key || !field || !fits_i64(amount))
        return LG_ERR_INVALID;
    bson_t cond;
    bool ok = bson_append_utf8(out, key_field, -1, key, -1);
    ok = ok && bson_append_document_begin(out, field, -1, &cond);
    ok = ok && bson_append_int64(&cond, "$gte", -1, (int64_t)amount);
    ok = ok && bson_append_document_end(out, &cond);
    return built(ok, out);
}

lg_err lg_mongo_link_add_filter(int sandbox, const char *wallet, const char *oaid,
                                const char *loan_id, bson_t *out)
{
    bson_init(out);
    if (!wallet || !oaid || !loan_id)
        return LG_ERR_INVALID;
    bson_t ne;
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0);
    ok = ok && bson_append_utf8(out, "userWallet", -1, wallet, -1);
    ok = ok && bson_append_utf8(out, "oaidTokenId", -1, oaid, -1);
    ok = ok && bson_append_document_begin(out, "partnerLoans.internalLoanId", -1, &ne);
    ok = ok && bson_append_utf8(&ne, "$ne", -1, loan_id, -1);
    ok = ok && bson_append_document_end(out, &ne);
    return built(ok, out);
}

lg_err lg_mongo_link_add_update(const lg_mongo_position_link *link, int64_t now_ms, bson_t *out)
{
    bson_init(out);
    if (!link || !fits_i64(link->amount))
        return LG_ERR_INVALID;
    bson_t push, doc, inc, set;
    bool ok = bson_append_document_begin(out, "$push", -1, &push);
    ok = ok && bson_append_document_begin(&push, "partnerLoans", -1, &doc);
    lg_err rc = ok ? lg_mongo_position_link_to_bson(link, &doc) : LG_ERR_NOMEM;
    ok = ok && bson_append_document_end(&push, &doc);
    ok = ok && bson_append_document_end(out, &push);
    ok = ok && bson_append_document_begin(out, "$inc", -1, &inc);
    ok = ok && bson_append_int64(&inc, "totalPartnerDebt", -1, (int64_t)link->amount);
    ok = ok && bson_append_document_end(out, &inc);
    ok = ok && bson_append_document_begin(out, "$set", -1, &set);
    ok = ok && bson_append_date_time(&set, "updatedAt", -1, now_ms);
    ok = ok && bson_append_document_end(out, &set);
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(ok, out);
}

lg_err lg_mongo_link_repay_filter(int sandbox, const char *wallet, const char *oaid,
                                  const char *loan_id, uint64_t take, bson_t *out)
{
    bson_init(out);
    if (!wallet || !oaid || !loan_id || !fits_i64(take))
        return LG_ERR_INVALID;
    bson_t cond;
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0);
    ok = ok && bson_append_utf8(out, "userWallet", -1, wallet, -1);
    ok = ok && bson_append_utf8(out, "oaidTokenId", -1, oaid, -1);
    ok = ok && bson_append_utf8(out, "partnerLoans.internalLoanId", -1, loan_id, -1);
    ok = ok && bson_append_document_begin(out, "totalPartnerDebt", -1, &cond);
    ok = ok && bson_append_int64(&cond, "$gte", -1, (int64_t)take);
    ok = ok && bson_append_document_end(out, &cond);
    return built(ok, out);
}

lg_err lg_mongo_link_repay_update(uint64_t link_left, int repaid, uint64_t take, int64_t now_ms,
                                  bson_t *out)
{
    bson_init(out);
    if (!fits_i64(link_left) || !fits_i64(take))
        return LG_ERR_INVALID;
    bson_t set, inc;
    bool ok = bson_append_document_begin(out, "$set", -1, &set);
    ok = ok && bson_append_int64(&set, "partnerLoans.$.amount", -1, (int64_t)link_left);
    ok = ok && bson_append_bool(&set, "partnerLoans.$.repaid", -1, repaid != 0);
    ok = ok && bson_append_date_time(&set, "updatedAt", -1, now_ms);
    ok = ok && bson_append_document_end(out, &set);
    ok = ok && bson_append_document_begin(out, "$inc", -1, &inc);
    ok = ok && bson_append_int64(&inc, "totalPartnerDebt", -1, -(int64_t)take);
    ok = ok && bson_append_document_end(out, &inc);
    return built(ok, out);
}

lg_err lg_mongo_keys_expire_filter(const char *partner_id, int64_t keep_id, int64_t at_ms,
                                   bson_t *out)
{
    bson_init(out);
    if (!partner_id)
        return LG_ERR_INVALID;
    bson_t ne, or, a, b, gt;
    bool ok = bson_append_utf8(out, "partnerId", -1, partner_id, -1);
    ok = ok && bson_append_document_begin(out, "keyId", -1, &ne);
    ok = ok && bson_append_int64(&ne, "$ne", -1, keep_id);
    ok = ok && bson_append_document_end(out, &ne);
    ok = ok && bson_append_date_time(out, "revokedAt", -1, 0);
    ok = ok && bson_append_array_begin(out, "$or", -1, & or);
    ok = ok && bson_append_document_begin(& or, "0", -1, &a);
    ok = ok && bson_append_date_time(&a, "expiresAt", -1, 0);
    ok = ok && bson_append_document_end(& or, &a);
    ok = ok && bson_append_document_begin(& or, "1", -1, &b);
    ok = ok && bson_append_document_begin(&b, "expiresAt", -1, &gt);
    ok = ok && bson_append_date_time(&gt, "$gt", -1, at_ms);
    ok = ok && bson_append_document_end(&b, &gt);
    ok = ok && bson_append_document_end(& or, &b);
    ok = ok && bson_append_array_end(out, & or);
    return built(ok, out);
}

lg_err lg_mongo_replay_update(int64_t now_ms, bson_t *out)
{
    bson_init(out);
    bson_t set;
    bool ok = bson_append_document_begin(out, "$set", -1, &set);
    ok = ok && bson_append_int32(&set, "status", -1, LG_EVENT_PENDING);
    ok = ok && bson_append_int64(&set, "attempts", -1, 0);
    ok = ok && bson_append_date_time(&set, "nextAttemptAt", -1, now_ms);
    ok = ok && bson_append_utf8(&set, "leaseOwner", -1, "", -1);
    ok = ok && bson_append_date_time(&set, "leaseUntil", -1, 0);
    ok = ok && bson_append_date_time(&set, "updatedAt", -1, now_ms);
    ok = ok && bson_append_document_end(out, &set);
    return built(ok, out);
}

/* ------------------------------------------------------------------ sandbox */

lg_err lg_mongo_append_sandbox(bson_t *doc, int sandbox)
{
    if (!doc)
        return LG_ERR_INVALID;
    return bson_append_bool(doc, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0) ? LG_OK : LG_ERR_NOMEM;
}

int lg_mongo_doc_sandbox(const bson_t *doc)
{
    bson_iter_t it;
    return doc && bson_iter_init_find(&it, doc, LG_MONGO_SANDBOX_FIELD) &&
           BSON_ITER_HOLDS_BOOL(&it) && bson_iter_bool(&it);
}

lg_err lg_mongo_partner_twin(const lg_partner *live, int64_t now_ms, lg_partner *twin)
{
    if (!live || !twin || live->live_id[0])
        return LG_ERR_INVALID;
    lg_partner t = *live;
    int a = snprintf(t.id, sizeof t.id, "%s" LG_SANDBOX_SUFFIX, live->id);
    int b = snprintf(t.key_prefix, sizeof t.key_prefix, "%s" LG_SANDBOX_SUFFIX, live->key_prefix);
    if (a < 0 || (size_t)a >= sizeof t.id || b < 0 || (size_t)b >= sizeof t.key_prefix)
        return LG_ERR_INVALID;
    memset(t.live_id, 0, sizeof t.live_id);
    memcpy(t.live_id, live->id, strnlen(live->id, sizeof t.live_id - 1));
    /* The money is the twin's own: it starts with none. */
    t.outstanding = t.total_borrowed = t.total_repaid = t.total_fees = 0;
    t.deposited = t.balance_used = 0;
    t.created_at_ms = t.updated_at_ms = now_ms;
    *twin = t;
    return LG_OK;
}

/* The settings a twin takes from its live partner, in the order they are sent: every
 * field but the names (partnerId, keyPrefix, liveId), createdBy, the money and
 * createdAt (store.h, lg_store_partner_sandbox). */
static const char *const mirrored[] = {
    "name",
    "status",
    "tier",
    "dailyLimit",
    "totalLimit",
    "feeBps",
    "settlementAddress",
    "webhookUrl",
    "webhookSecret",
    "contactEmail",
    "rateLimitRpm",
    "signingRequired",
    "signingSecret",
    "ipAllowlist",
    "contactWallet",
    "publicKey",
    "kycVerified",
    "contractSigned",
    "webhookSecretPrev",
    "webhookSecretPrevUntil",
    "webhookDisabledAt",
    "webhookDisabledReason",
    "updatedAt",
};

lg_err lg_mongo_partner_mirror_update(const lg_partner *live, bson_t *out)
{
    bson_init(out);
    if (!live || live->live_id[0])
        return LG_ERR_INVALID;
    bson_t set;
    lg_err rc = LG_OK;
    if (!bson_append_document_begin(out, "$set", -1, &set))
        return built(false, out);
    for (size_t i = 0; rc == LG_OK && i < sizeof mirrored / sizeof mirrored[0]; i++) {
        const field_spec *f = partner_field(mirrored[i]);
        if (!f || !field_fits(live, f))
            rc = LG_ERR_INVALID;
        else if (!append_field(&set, live, f))
            rc = LG_ERR_NOMEM;
    }
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(bson_append_document_end(out, &set), out);
}

lg_err lg_mongo_partner_list_filter(int status, int tier, bson_t *out)
{
    bson_init(out);
    /* {"liveId": null} matches a document without the field: live partners only. */
    bool ok = bson_append_null(out, "liveId", -1);
    if (status >= 0)
        ok = ok && bson_append_int32(out, "status", -1, status);
    if (tier >= 0)
        ok = ok && bson_append_int32(out, "tier", -1, tier);
    return built(ok, out);
}

/* {"sandbox": b, "status"/"state": {"$in": [...]}} or {..: value} for one. */
static bool append_in(bson_t *out, const char *field, const int32_t *values, size_t n)
{
    if (n == 1)
        return bson_append_int32(out, field, -1, values[0]);
    bson_t cond, arr;
    bool ok = bson_append_document_begin(out, field, -1, &cond);
    ok = ok && bson_append_array_begin(&cond, "$in", -1, &arr);
    for (size_t i = 0; ok && i < n; i++) {
        char key[16];
        const char *k;
        bson_uint32_to_string((uint32_t)i, &k, key, sizeof key);
        ok = bson_append_int32(&arr, k, -1, values[i]);
    }
    ok = ok && bson_append_array_end(&cond, &arr);
    return ok && bson_append_document_end(out, &cond);
}

lg_err lg_mongo_loan_unsettled_filter(int sandbox, bson_t *out)
{
    static const int32_t st[] = {LG_LOAN_PENDING, LG_LOAN_SETTLING};
    bson_init(out);
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0) &&
              append_in(out, "status", st, 2);
    return built(ok, out);
}

lg_err lg_mongo_loan_overdue_filter(int64_t before_ms, int sandbox, bson_t *out)
{
    bson_init(out);
    bson_t lt;
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0);
    ok = ok && bson_append_int32(out, "status", -1, LG_LOAN_ACTIVE);
    ok = ok && bson_append_document_begin(out, "createdAt", -1, &lt);
    ok = ok && bson_append_date_time(&lt, "$lt", -1, before_ms);
    ok = ok && bson_append_document_end(out, &lt);
    return built(ok, out);
}

lg_err lg_mongo_position_loans_filter(int sandbox, const char *wallet, const char *oaid,
                                      const char *position_id, bson_t *out)
{
    static const int32_t st[] = {LG_LOAN_PENDING, LG_LOAN_SETTLING, LG_LOAN_ACTIVE,
                                 LG_LOAN_DEFAULTED};
    bson_init(out);
    if (!wallet || !oaid)
        return LG_ERR_INVALID;
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0);
    ok = ok && bson_append_utf8(out, "userWallet", -1, wallet, -1);
    ok = ok && bson_append_utf8(out, "oaidTokenId", -1, oaid, -1);
    if (position_id)
        ok = ok && bson_append_utf8(out, "positionId", -1, position_id, -1);
    ok = ok && append_in(out, "status", st, 4);
    return built(ok, out);
}

lg_err lg_mongo_repay_pending_filter(int sandbox, bson_t *out)
{
    static const int32_t st[] = {LG_REPAY_PENDING};
    bson_init(out);
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0) &&
              append_in(out, "status", st, 1);
    return built(ok, out);
}

lg_err lg_mongo_tx_unsettled_filter(int sandbox, bson_t *out)
{
    static const int32_t st[] = {LG_TXS_SIGNED};
    bson_init(out);
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0) &&
              append_in(out, "state", st, 1);
    return built(ok, out);
}

lg_err lg_mongo_position_filter(int sandbox, const char *wallet, const char *oaid, bson_t *out)
{
    bson_init(out);
    if (!wallet || !oaid)
        return LG_ERR_INVALID;
    bool ok = bson_append_bool(out, LG_MONGO_SANDBOX_FIELD, -1, sandbox != 0);
    ok = ok && bson_append_utf8(out, "userWallet", -1, wallet, -1);
    ok = ok && bson_append_utf8(out, "oaidTokenId", -1, oaid, -1);
    return built(ok, out);
}

/* ------------------------------------------------------------ cluster-wide guards */

/* Appends {"$ceil": {"$divide": [{"$multiply": ["$previous", overlap]}, window]}} to
 * the array args as element "1": the previous window's weight, rounded up as in
 * store.c. */
static bool append_weighted_previous(bson_t *args, int64_t overlap, int64_t window_ms)
{
    bson_t c1, c2, dargs, m1, margs;
    bool ok = bson_append_document_begin(args, "1", -1, &c1);
    ok = ok && bson_append_document_begin(&c1, "$ceil", -1, &c2);
    ok = ok && bson_append_array_begin(&c2, "$divide", -1, &dargs);
    ok = ok && bson_append_document_begin(&dargs, "0", -1, &m1);
    ok = ok && bson_append_array_begin(&m1, "$multiply", -1, &margs);
    ok = ok && bson_append_utf8(&margs, "0", -1, "$previous", -1);
    ok = ok && bson_append_int64(&margs, "1", -1, overlap);
    ok = ok && bson_append_array_end(&m1, &margs);
    ok = ok && bson_append_document_end(&dargs, &m1);
    ok = ok && bson_append_int64(&dargs, "1", -1, window_ms);
    ok = ok && bson_append_array_end(&c2, &dargs);
    ok = ok && bson_append_document_end(&c1, &c2);
    return ok && bson_append_document_end(args, &c1);
}

lg_err lg_mongo_rate_fast_filter(const char *key, int64_t window_ms, uint64_t limit, int64_t now_ms,
                                 bson_t *out)
{
    bson_init(out);
    if (!key || window_ms <= 0 || now_ms < 0 || !fits_i64(limit))
        return LG_ERR_INVALID;
    int64_t into = now_ms % window_ms;
    bson_t expr, lt, add, addargs;
    bool ok = bson_append_utf8(out, "_id", -1, key, -1);
    ok = ok && bson_append_date_time(out, "windowStart", -1, now_ms - into);
    ok = ok && bson_append_document_begin(out, "$expr", -1, &expr);
    ok = ok && bson_append_array_begin(&expr, "$lt", -1, &lt);
    ok = ok && bson_append_document_begin(&lt, "0", -1, &add);
    ok = ok && bson_append_array_begin(&add, "$add", -1, &addargs);
    ok = ok && bson_append_utf8(&addargs, "0", -1, "$current", -1);
    ok = ok && append_weighted_previous(&addargs, window_ms - into, window_ms);
    ok = ok && bson_append_array_end(&add, &addargs);
    ok = ok && bson_append_document_end(&lt, &add);
    ok = ok && bson_append_int64(&lt, "1", -1, (int64_t)limit);
    ok = ok && bson_append_array_end(&expr, &lt);
    ok = ok && bson_append_document_end(out, &expr);
    return built(ok, out);
}

lg_err lg_mongo_rate_inc_update(bson_t *out)
{
    bson_init(out);
    bson_t inc;
    bool ok = bson_append_document_begin(out, "$inc", -1, &inc);
    ok = ok && bson_append_int64(&inc, "current", -1, 1);
    ok = ok && bson_append_document_end(out, &inc);
    return built(ok, out);
}

lg_err lg_mongo_rate_cas_filter(const lg_mongo_rate *was, bson_t *out)
{
    bson_init(out);
    if (!was || !memchr(was->key, '\0', sizeof was->key) || !fits_i64(was->current) ||
        !fits_i64(was->previous))
        return LG_ERR_INVALID;
    bool ok = bson_append_utf8(out, "_id", -1, was->key, -1);
    ok = ok && bson_append_date_time(out, "windowStart", -1, was->window_start_ms);
    ok = ok && bson_append_int64(out, "current", -1, (int64_t)was->current);
    ok = ok && bson_append_int64(out, "previous", -1, (int64_t)was->previous);
    return built(ok, out);
}

lg_err lg_mongo_rate_set_update(const lg_mongo_rate *r, bson_t *out)
{
    bson_init(out);
    if (!r)
        return LG_ERR_INVALID;
    bson_t set;
    if (!bson_append_document_begin(out, "$set", -1, &set))
        return built(false, out);
    lg_err rc = lg_mongo_rate_to_bson(r, &set);
    bool ok = bson_append_document_end(out, &set);
    if (rc != LG_OK) {
        bson_reinit(out);
        return rc;
    }
    return built(ok, out);
}

lg_err lg_mongo_rate_document(const lg_mongo_rate *r, bson_t *out)
{
    bson_init(out);
    if (!r || !memchr(r->key, '\0', sizeof r->key))
        return LG_ERR_INVALID;
    if (!bson_append_utf8(out, "_id", -1, r->key, -1))
        return built(false, out);
    lg_err rc = lg_mongo_rate_to_bson(r, out);
    if (rc != LG_OK)
        bson_reinit(out);
    return rc;
}

lg_err lg_mongo_replay_document(const lg_mongo_replay *r, bson_t *out)
{
    bson_init(out);
    if (!r || !memchr(r->digest, '\0', sizeof r->digest))
        return LG_ERR_INVALID;
    if (!bson_append_utf8(out, "_id", -1, r->digest, -1))
        return built(false, out);
    lg_err rc = lg_mongo_replay_to_bson(r, out);
    if (rc != LG_OK)
        bson_reinit(out);
    return rc;
}

lg_err lg_mongo_replay_takeover_filter(const char *digest, int64_t now_ms, bson_t *out)
{
    bson_init(out);
    if (!digest)
        return LG_ERR_INVALID;
    bson_t lte;
    bool ok = bson_append_utf8(out, "_id", -1, digest, -1);
    ok = ok && bson_append_document_begin(out, "expiresAt", -1, &lte);
    ok = ok && bson_append_date_time(&lte, "$lte", -1, now_ms);
    ok = ok && bson_append_document_end(out, &lte);
    return built(ok, out);
}
