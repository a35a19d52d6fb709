/*
 * model.h - lendgate's domain enumerations and their names.
 *
 * Each enumeration is one X-macro table, X(constant, value, name): the constants and
 * their stored numbers (never renumbered: the store keeps the numbers), and the one
 * spelling of each value that the API, the CLI, the logs and the webhooks use. A
 * name table is never written out by hand elsewhere.
 */
#ifndef LENDGATE_MODEL_H
#define LENDGATE_MODEL_H

#include <lendgate/error.h>

#define LG_MODEL_ENUM_VALUE(c, v, name) c = v,

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
    X(LG_LEDGER_DEPOSIT, 4, "DEPOSIT")

typedef enum { LG_PARTNER_STATUSES(LG_MODEL_ENUM_VALUE) } lg_partner_status;
typedef enum { LG_TIERS(LG_MODEL_ENUM_VALUE) } lg_tier;
typedef enum { LG_LOAN_STATUSES(LG_MODEL_ENUM_VALUE) } lg_loan_status;
typedef enum { LG_REPAY_STATUSES(LG_MODEL_ENUM_VALUE) } lg_repay_status;
typedef enum { LG_LEDGER_KINDS(LG_MODEL_ENUM_VALUE) } lg_ledger_kind;

/* The name of a value ("ACTIVE"); "UNKNOWN" for a value outside the table. */
const char *lg_partner_status_name(lg_partner_status v);
const char *lg_tier_name(lg_tier v);
const char *lg_loan_status_name(lg_loan_status v);
const char *lg_repay_status_name(lg_repay_status v);
const char *lg_ledger_kind_name(lg_ledger_kind v);

/* The value named name, exactly as the table spells it. Returns LG_OK,
 * LG_ERR_INVALID (NULL, or no such name: *out untouched). */
lg_err lg_partner_status_parse(const char *name, lg_partner_status *out);
lg_err lg_tier_parse(const char *name, lg_tier *out);
lg_err lg_loan_status_parse(const char *name, lg_loan_status *out);

#endif
