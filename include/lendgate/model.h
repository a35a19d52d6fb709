/*
 * model.h - lendgate's domain: the records every layer speaks of (partners, keys,
 * positions, loans, repayments, chain transactions, API logs, ledger entries, outbox
 * events, admin audit rows) and the enumerations with their names.
 *
 * Each enumeration is one X-macro table, X(constant, value, name): the constants and
 * their stored numbers (never renumbered: the store keeps the numbers), and the one
 * spelling of each value that the API, the CLI, the logs and the webhooks use. A
 * name table is never written out by hand elsewhere.
 *
 * Records use fixed-size fields (sizes below), so a record is filled in place and
 * needs no free. Times are milliseconds since the Unix epoch (UTC); money is uint64_t
 * micro-USDC (USDC base units, 6 decimals). store.h holds the operations on them.
 */
#ifndef LENDGATE_MODEL_H
#define LENDGATE_MODEL_H

#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/proc.h>

#define LG_MODEL_ENUM_VALUE(c, v, name) c = v,
/* The names in value order, for a table indexed by value (every table below lists its
 * values 0, 1, 2, ... in order). */
#define LG_MODEL_ENUM_NAME(c, v, name) name,

#define LG_PARTNER_STATUSES(X)                                                                     \
    X(LG_PARTNER_ACTIVE, 0, "ACTIVE")                                                              \
    X(LG_PARTNER_SUSPENDED, 1, "SUSPENDED")                                                        \
    X(LG_PARTNER_INACTIVE, 2, "INACTIVE")

#define LG_TIERS(X)                                                                                \
    X(LG_TIER_BASIC, 0, "BASIC")                                                                   \
    X(LG_TIER_PREMIUM, 1, "PREMIUM")                                                               \
    X(LG_TIER_ENTERPRISE, 2, "ENTERPRISE")

/*
 * PENDING: reserved, the borrow transaction not yet mined. SETTLING: the borrow is
 * mined (the debt exists), the payout to the settlement address not yet. ACTIVE:
 * borrowed and paid out. REPAID. FAILED: the borrow never happened (reservation
 * released). DEFAULTED and LIQUIDATED are the plan's end states of a debt that was
 * not repaid by the partner.
 */
#define LG_LOAN_STATUSES(X)                                                                        \
    X(LG_LOAN_PENDING, 0, "PENDING")                                                               \
    X(LG_LOAN_SETTLING, 1, "SETTLING")                                                             \
    X(LG_LOAN_ACTIVE, 2, "ACTIVE")                                                                 \
    X(LG_LOAN_REPAID, 3, "REPAID")                                                                 \
    X(LG_LOAN_FAILED, 4, "FAILED")                                                                 \
    X(LG_LOAN_DEFAULTED, 5, "DEFAULTED")                                                           \
    X(LG_LOAN_LIQUIDATED, 6, "LIQUIDATED")

/* PENDING: reserved against the debt, chain work in flight. */
#define LG_REPAY_STATUSES(X)                                                                       \
    X(LG_REPAY_PENDING, 0, "PENDING")                                                              \
    X(LG_REPAY_APPLIED, 1, "APPLIED")                                                              \
    X(LG_REPAY_FAILED, 2, "FAILED")

/* BORROW: principal borrowed from the pool; FEE: platform fee kept; PAYOUT: net sent
 * to the settlement address; REPAY: repayment applied; DEPOSIT: a partner transfer
 * credited to its repayment balance. */
#define LG_LEDGER_KINDS(X)                                                                         \
    X(LG_LEDGER_BORROW, 0, "BORROW")                                                               \
    X(LG_LEDGER_FEE, 1, "FEE")                                                                     \
    X(LG_LEDGER_PAYOUT, 2, "PAYOUT")                                                               \
    X(LG_LEDGER_REPAY, 3, "REPAY")                                                                 \
    X(LG_LEDGER_DEPOSIT, 4, "DEPOSIT")                                                             \
    X(LG_LEDGER_LIQUIDATION, 5, "LIQUIDATION")

/* A repayment entry of a loan: the partner's repayment, or the vault's liquidation of
 * the position, which cleared the loan's remaining debt. */
#define LG_REPAY_KINDS(X)                                                                          \
    X(LG_REPAY_KIND_REPAYMENT, 0, "REPAYMENT")                                                     \
    X(LG_REPAY_KIND_LIQUIDATION, 1, "LIQUIDATION")

/* A webhook event: PENDING (due at next_attempt_at), DELIVERING (claimed by a
 * dispatcher under a lease), DELIVERED, DEAD (the retry schedule ran out), SKIPPED
 * (no endpoint was configured when it was due). */
#define LG_EVENT_STATUSES(X)                                                                       \
    X(LG_EVENT_PENDING, 0, "PENDING")                                                              \
    X(LG_EVENT_DELIVERING, 1, "DELIVERING")                                                        \
    X(LG_EVENT_DELIVERED, 2, "DELIVERED")                                                          \
    X(LG_EVENT_DEAD, 3, "DEAD")                                                                    \
    X(LG_EVENT_SKIPPED, 4, "SKIPPED")

/* What one delivery attempt made of its event. ENDPOINT_DISABLED: the endpoint answered
 * 410, it is switched off and the event waits, pending, for it to be re-enabled. */
#define LG_ATTEMPT_OUTCOMES(X)                                                                     \
    X(LG_ATTEMPT_DELIVERED, 0, "DELIVERED")                                                        \
    X(LG_ATTEMPT_RETRY, 1, "RETRY")                                                                \
    X(LG_ATTEMPT_DEAD, 2, "DEAD")                                                                  \
    X(LG_ATTEMPT_DISABLED, 3, "ENDPOINT_DISABLED")

typedef enum { LG_PARTNER_STATUSES(LG_MODEL_ENUM_VALUE) } lg_partner_status;
typedef enum { LG_TIERS(LG_MODEL_ENUM_VALUE) } lg_tier;
typedef enum { LG_LOAN_STATUSES(LG_MODEL_ENUM_VALUE) } lg_loan_status;
#define LG_LOAN_STATUS_COUNT 7 /* the values above are 0 .. LG_LOAN_STATUS_COUNT - 1 */
typedef enum { LG_REPAY_STATUSES(LG_MODEL_ENUM_VALUE) } lg_repay_status;
typedef enum { LG_LEDGER_KINDS(LG_MODEL_ENUM_VALUE) } lg_ledger_kind;
typedef enum { LG_REPAY_KINDS(LG_MODEL_ENUM_VALUE) } lg_repay_kind;
typedef enum { LG_EVENT_STATUSES(LG_MODEL_ENUM_VALUE) } lg_event_status;
typedef enum { LG_ATTEMPT_OUTCOMES(LG_MODEL_ENUM_VALUE) } lg_attempt_outcome;

/* The name of a value ("ACTIVE"); "UNKNOWN" for a value outside the table. */
const char *lg_partner_status_name(lg_partner_status v);
const char *lg_tier_name(lg_tier v);
const char *lg_loan_status_name(lg_loan_status v);
const char *lg_repay_status_name(lg_repay_status v);
const char *lg_ledger_kind_name(lg_ledger_kind v);
const char *lg_repay_kind_name(lg_repay_kind v);
const char *lg_event_status_name(lg_event_status v);
const char *lg_attempt_outcome_name(lg_attempt_outcome v);

/* The value named name, exactly as the table spells it. Returns LG_OK,
 * LG_ERR_INVALID (NULL, or no such name: *out untouched). */
lg_err lg_partner_status_parse(const char *name, lg_partner_status *out);
lg_err lg_tier_parse(const char *name, lg_tier *out);
lg_err lg_loan_status_parse(const char *name, lg_loan_status *out);

/* As above in any case ("premium" is PREMIUM): how query arguments and lendgatectl
 * options take them. JSON bodies use the exact names. */
lg_err lg_partner_status_parse_any(const char *name, lg_partner_status *out);
lg_err lg_tier_parse_any(const char *name, lg_tier *out);
lg_err lg_loan_status_parse_any(const char *name, lg_loan_status *out);
lg_err lg_event_status_parse_any(const char *name, lg_event_status *out);

/* ------------------------------------------------------------------ records */

#define LG_ID_LEN        65 /* partner ids, partner loan ids, request ids (+NUL) */
#define LG_UUID_LEN      37 /* internal ids: UUID v4 text (+NUL) */
#define LG_ADDR_LEN      43 /* 0x + 40 hex (+NUL) */
#define LG_HASH_LEN      67 /* 0x + 64 hex (+NUL): tx hashes */
#define LG_HEX64_LEN     65 /* 64 hex (+NUL): SHA-256 digests */
#define LG_IDEM_KEY_LEN  65 /* Idempotency-Key: 1..64 printable ASCII (+NUL) */
#define LG_U256_LEN      80 /* uint256 as decimal: up to 78 digits (+NUL) */
#define LG_DAY_LEN       11 /* YYYY-MM-DD (+NUL) */
#define LG_NAME_LEN      129
#define LG_URL_LEN       513
#define LG_EMAIL_LEN     255
#define LG_SECRET_LEN    129
#define LG_REASON_LEN    257
#define LG_ALLOWLIST_LEN 1024
#define LG_RAWTX_LEN     4096 /* signed transaction as 0x-hex (+NUL) */
#define LG_PAYLOAD_LEN   4096 /* JSON payloads kept in logs and the outbox (+NUL) */
#define LG_METADATA_LEN  1025 /* a loan's metadata as canonical JSON (+NUL) */

typedef struct lg_partner {
    char id[LG_ID_LEN]; /* "partner_<prefix>_NNN" */
    char name[LG_NAME_LEN];
    char key_prefix[LG_ID_LEN]; /* the <partner> part of pk_<partner>_<env>_<hex> */
    lg_partner_status status;
    lg_tier tier;
    uint64_t daily_limit; /* max principal borrowed per UTC day */
    uint64_t total_limit; /* max outstanding principal (reserved + owed) */
    uint32_t fee_bps;     /* platform fee, 0..10000 */
    char settlement_address[LG_ADDR_LEN];
    char webhook_url[LG_URL_LEN];
    char webhook_secret[LG_SECRET_LEN]; /* secret: never logged */
    char contact_email[LG_EMAIL_LEN];
    uint32_t rate_limit_rpm;             /* 0 = the tier's default */
    int signing_required;                /* HMAC request signing switched on */
    char signing_secret[LG_SECRET_LEN];  /* secret: never logged */
    char ip_allowlist[LG_ALLOWLIST_LEN]; /* comma-separated addresses/CIDRs, "" = any */
    char contact_wallet[LG_ADDR_LEN];    /* the plan's contactWallet, "" = none */
    char public_key[LG_ADDR_LEN];        /* the plan's publicKey (an address), "" = none */
    int kyc_verified;                    /* the plan's onboarding flags */
    int contract_signed;
    char created_by[LG_NAME_LEN]; /* the admin who created it; set on create only */
    /* The webhook secret a rotation replaced (secret: never logged), still signed with
     * until webhook_secret_prev_until_ms; "" / 0 for none. Set with the secret
     * (LG_PF_WEBHOOK_SECRET). */
    char webhook_secret_prev[LG_SECRET_LEN];
    int64_t webhook_secret_prev_until_ms;
    /* The endpoint switched off (by a 410 answer, or an admin) at this time, 0 = on;
     * events wait for it. Set with LG_PF_WEBHOOK_STATE. */
    int64_t webhook_disabled_at_ms;
    char webhook_disabled_reason[LG_REASON_LEN];
    /* Set on a partner's sandbox twin only: the live partner it belongs to ("" for a
     * live partner). The twin holds the partner's sandbox keys and everything they
     * do; set by the store (lg_store_partner_sandbox), ignored on create and update. */
    char live_id[LG_ID_LEN];
    /* Maintained by the store; ignored on create and update. */
    uint64_t outstanding;    /* principal of PENDING/SETTLING/ACTIVE loans not repaid */
    uint64_t total_borrowed; /* cumulative confirmed principal */
    uint64_t total_repaid;   /* cumulative applied repayments */
    uint64_t total_fees;     /* cumulative platform fees */
    uint64_t deposited;      /* USDC the partner sent the platform wallet, credited */
    uint64_t balance_used;   /* of it, drawn by pending and applied repayments */
    int64_t created_at_ms;
    int64_t updated_at_ms;
} lg_partner;

/* A partner's sandbox twin is named "<live partner id>" LG_SANDBOX_SUFFIX (store.h:
 * lg_store_partner_sandbox). */
#define LG_SANDBOX_SUFFIX ".sandbox"

/* The partner id a partner sees, into out: a sandbox twin's is its live partner's.
 * Returns 1 for a twin's id, 0 for a live partner's. */
int lg_partner_public_id(const char *id, char out[LG_ID_LEN]);

/* Fields lg_store_partner_update_audited may change, as a bit mask. */
enum {
    LG_PF_NAME = 1u << 0,
    LG_PF_STATUS = 1u << 1,
    LG_PF_TIER = 1u << 2,
    LG_PF_DAILY_LIMIT = 1u << 3,
    LG_PF_TOTAL_LIMIT = 1u << 4,
    LG_PF_FEE_BPS = 1u << 5,
    LG_PF_SETTLEMENT = 1u << 6,
    LG_PF_WEBHOOK_URL = 1u << 7,
    LG_PF_WEBHOOK_SECRET = 1u << 8,
    LG_PF_CONTACT = 1u << 9,
    LG_PF_RATE_LIMIT = 1u << 10,
    LG_PF_SIGNING = 1u << 11, /* signing_required and signing_secret */
    LG_PF_ALLOWLIST = 1u << 12,
    LG_PF_CONTACT_WALLET = 1u << 13,
    LG_PF_PUBLIC_KEY = 1u << 14,
    LG_PF_KYC = 1u << 15,
    LG_PF_CONTRACT = 1u << 16,
    LG_PF_WEBHOOK_STATE = 1u << 17 /* webhook_disabled_at_ms and its reason */
};

typedef struct lg_api_key {
    int64_t id;
    char partner_id[LG_ID_LEN];
    char key_hash[LG_HEX64_LEN]; /* hex SHA-256 of the whole key: the key itself is never stored */
    char prefix[17];             /* first 16 characters of the key, for display */
    char env[8];                 /* "live" or "sandbox" */
    int64_t created_at_ms;
    int64_t expires_at_ms;   /* 0 = does not expire */
    int64_t revoked_at_ms;   /* 0 = not revoked */
    int64_t last_used_at_ms; /* 0 = never */
} lg_api_key;

typedef struct lg_position {
    char wallet[LG_ADDR_LEN];
    char oaid[LG_U256_LEN];
    char position_id[LG_U256_LEN];
    char collateral_token[LG_ADDR_LEN];
    char collateral_amount[LG_U256_LEN];
    char collateral_value[LG_U256_LEN];
    char usdc_borrowed[LG_U256_LEN];
    char health_factor[LG_U256_LEN];
    int token_type; /* vault's token type (RWA, private asset) */
    int active;
    /* Maintained by the store; ignored on upsert. */
    uint64_t total_partner_debt; /* sum of remaining debt of partner loans on it */
    int64_t updated_at_ms;
} lg_position;

typedef struct lg_loan {
    char id[LG_UUID_LEN];
    char partner_id[LG_ID_LEN];
    char partner_loan_id[LG_ID_LEN];
    char user_wallet[LG_ADDR_LEN];
    char oaid[LG_U256_LEN];
    char position_id[LG_U256_LEN];
    uint64_t amount;        /* principal */
    uint64_t fee;           /* platform fee kept */
    uint64_t net;           /* amount - fee, sent to the settlement address */
    uint64_t remaining;     /* outstanding debt */
    uint64_t repaid;        /* repayments applied */
    uint64_t repay_pending; /* reserved by repayments in flight */
    lg_loan_status status;
    char request_hash[LG_HEX64_LEN]; /* SHA-256 of the canonical request, for idempotency */
    char day[LG_DAY_LEN];            /* UTC day the daily limit was charged */
    char borrow_tx[LG_HASH_LEN];
    char transfer_tx[LG_HASH_LEN];
    char failure_reason[LG_REASON_LEN];
    char metadata[LG_METADATA_LEN];     /* the partner's canonical JSON object, "" = none */
    char remaining_credit[LG_U256_LEN]; /* OAID credit left after this loan, "" = unknown */
    char owner[LG_OWNER_LEN];           /* the lease: the request's process, "" = none */
    int64_t lease_until_ms;
    int64_t created_at_ms;
    int64_t updated_at_ms;
} lg_loan;

typedef struct lg_repayment {
    char id[LG_UUID_LEN];
    char loan_id[LG_UUID_LEN];
    char partner_id[LG_ID_LEN];
    uint64_t amount;
    uint64_t funded;                /* drawn from the partner's balance (0 for rows older
                                       than balances, which drew nothing) */
    lg_repay_kind kind;             /* LIQUIDATION: repay_tx is the vault's transaction */
    char proof_tx[LG_HASH_LEN];     /* partner's repaymentTxHash, "" when none */
    char repay_tx[LG_HASH_LEN];     /* our repayLoan transaction */
    char idem_key[LG_IDEM_KEY_LEN]; /* the request's Idempotency-Key, "" when none */
    lg_repay_status status;
    char failure_reason[LG_REASON_LEN];
    char owner[LG_OWNER_LEN]; /* the lease, as a loan's */
    int64_t lease_until_ms;
    int64_t created_at_ms;
    int64_t updated_at_ms;
} lg_repayment;

typedef enum {
    LG_TXP_BORROW = 0,
    LG_TXP_TRANSFER = 1,
    LG_TXP_APPROVE = 2,
    LG_TXP_REPAY = 3,
    LG_TXP_GAPFILL = 4 /* zero-value self-transfer filling a nonce gap */
} lg_tx_purpose;

typedef enum {
    LG_TXS_SIGNED = 0,   /* persisted, maybe broadcast */
    LG_TXS_MINED = 1,    /* receipt status 1 */
    LG_TXS_REVERTED = 2, /* receipt status 0 */
    LG_TXS_REPLACED = 3, /* another version at the same nonce was mined */
    LG_TXS_DROPPED = 4   /* given up by reconcile */
} lg_tx_state;

typedef struct lg_chain_tx {
    int64_t id;
    char loan_id[LG_UUID_LEN];      /* "" when none */
    char repayment_id[LG_UUID_LEN]; /* "" when none */
    lg_tx_purpose purpose;
    uint64_t chain_id;
    char from[LG_ADDR_LEN];
    uint64_t nonce;
    char hash[LG_HASH_LEN];
    char raw[LG_RAWTX_LEN]; /* the signed bytes as 0x-hex: re-broadcast as they are */
    lg_tx_state state;
    int64_t created_at_ms;
    int64_t updated_at_ms;
} lg_chain_tx;

typedef struct lg_api_log {
    int64_t id;
    char partner_id[LG_ID_LEN];
    char request_id[LG_ID_LEN];
    char route[LG_NAME_LEN]; /* route pattern, "/partners/loan/:partnerLoanId" */
    char method[8];
    char client_ip[46];
    char user_agent[LG_REASON_LEN];
    char payload[LG_PAYLOAD_LEN]; /* sanitized: secrets removed */
    int status_code;
    uint32_t duration_ms;
    int success;
    char error_message[LG_REASON_LEN];
    char wallet[LG_ADDR_LEN];
    char oaid[LG_U256_LEN];
    char loan_id[LG_ID_LEN];
    int64_t created_at_ms;          /* 0 on append = now */
    char partner_name[LG_NAME_LEN]; /* filled by lg_store_api_log_query */
    char spool_id[LG_NAME_LEN];     /* a spooled row's own id ("" for none): its insert
                                       is refused (LG_ERR_DUPLICATE) once it is in */
    int64_t key_id;                 /* the API key the call was authenticated with, 0 = none: not a
                                       column of its own, it moves the key's last_used_at_ms when the
                                       row is ingested (lg_store_audit_ingest) */
} lg_api_log;

typedef struct lg_ledger_entry {
    int64_t id;
    char partner_id[LG_ID_LEN];
    char loan_id[LG_UUID_LEN];       /* "" for a DEPOSIT */
    char partner_loan_id[LG_ID_LEN]; /* "" for a DEPOSIT */
    char user_wallet[LG_ADDR_LEN];   /* the loan's borrower (lowercase), "" for a DEPOSIT;
                                        filled by lg_store_ledger_list */
    lg_ledger_kind kind;
    uint64_t amount;
    char tx_hash[LG_HASH_LEN];
    int64_t created_at_ms;
} lg_ledger_entry;

#define LG_EVENT_ID_LEN   37 /* "evt_" + 32 hex (+NUL) */
#define LG_EVENT_TYPE_LEN 48

/* A webhook event of the outbox. payload is the event's data (a JSON object with the
 * plan's field names); the dispatcher wraps it in the delivered envelope (id, type,
 * timestamp, sequence: see webhook.h). */
typedef struct lg_event {
    int64_t id;                     /* row id: the store's order of events */
    char event_id[LG_EVENT_ID_LEN]; /* stable across attempts and replays */
    char partner_id[LG_ID_LEN];
    uint64_t seq; /* the partner's sequence number: 1, 2, ... in order of creation */
    char type[LG_EVENT_TYPE_LEN]; /* "loan.borrowed", "partner.suspended", ... */
    char payload[LG_PAYLOAD_LEN];
    lg_event_status status;
    uint32_t attempts; /* attempts since it was created or last replayed */
    int64_t next_attempt_at_ms;
    char owner[LG_OWNER_LEN]; /* the dispatcher holding it while DELIVERING */
    int64_t lease_until_ms;
    int last_status_code; /* of the last attempt; 0 = no HTTP answer, or none yet */
    char last_error[LG_REASON_LEN];
    int64_t created_at_ms;
    int64_t delivered_at_ms; /* 0 = not delivered */
    int64_t updated_at_ms;
} lg_event;

/* One delivery attempt of an event: never a secret or a signature. */
typedef struct lg_event_attempt {
    int64_t id;
    char event_id[LG_EVENT_ID_LEN];
    char partner_id[LG_ID_LEN];
    uint32_t attempt; /* 1, 2, ... over the event's whole life (replays continue it) */
    char url[LG_URL_LEN];
    int64_t started_at_ms;
    int status_code; /* 0 = no HTTP answer (refused, timed out, ...: see error) */
    uint32_t latency_ms;
    lg_attempt_outcome outcome;
    char response_head[LG_REASON_LEN]; /* the first bytes of the answer's body */
    char error[LG_REASON_LEN];
    char dispatcher[LG_OWNER_LEN]; /* the lg_proc_owner that made it */
} lg_event_attempt;

typedef struct lg_admin_audit {
    int64_t id;
    char admin[LG_NAME_LEN];
    char action[64];                  /* "partner.create", "partner.suspend", ... */
    char target[LG_ID_LEN];           /* partner id or other subject */
    char before_json[LG_PAYLOAD_LEN]; /* never keys or secrets */
    char after_json[LG_PAYLOAD_LEN];
    char request_id[LG_ID_LEN];
    char client_ip[46];
    int64_t created_at_ms; /* 0 on append = now */
} lg_admin_audit;

#endif
