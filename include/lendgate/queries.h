/*
 * queries.h - the read side of the partner API: credit lines and positions read
 * from the chain, and a partner's own loans, stats and ledger read from the store.
 *
 * Every function fills an lg_outcome (service.h): done OK, or the class of the
 * failure with a message naming the reason. A partner only ever sees its own records:
 * a loan of another partner is "not found", exactly like one that does not exist.
 */
#ifndef LENDGATE_QUERIES_H
#define LENDGATE_QUERIES_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/contracts.h>
#include <lendgate/service.h>
#include <lendgate/store.h>

#define LG_USD_TEXT_LEN 32

/* An OAID credit line with every amount as decimal base units and as dollars
 * ("" for dollars beyond 2^64 base units). */
typedef struct lg_credit_line_view {
    char oaid[LG_U256_LEN];
    char owner[LG_ADDR_LEN]; /* EIP-55 */
    char limit[LG_U256_LEN];
    char used[LG_U256_LEN];
    char available[LG_U256_LEN]; /* limit - used, 0 when used exceeds limit */
    char limit_usd[LG_USD_TEXT_LEN];
    char used_usd[LG_USD_TEXT_LEN];
    char available_usd[LG_USD_TEXT_LEN];
    int active;
} lg_credit_line_view;

/*
 * Reads ownerOf and getCreditLine of token oaid (decimal, validated) from chain.
 * Returns LG_OK, or the contract read's error with out filled: err LG_ERR_NOT_FOUND
 * for an unknown token (the read reverted), LG_ERR_RPC when the node failed,
 * LG_ERR_TIMEOUT when it did not answer in time, LG_ERR_UNSUPPORTED when this process
 * has no chain (not reachable at start).
 */
lg_err lg_query_credit_line(lg_service *svc, const char *oaid, lg_credit_line_view *view,
                            lg_outcome *out);

typedef struct lg_position_view {
    char position_id[LG_U256_LEN];
    char user[LG_ADDR_LEN]; /* EIP-55 */
    char oaid[LG_U256_LEN];
    char collateral_token[LG_ADDR_LEN];
    char collateral_amount[LG_U256_LEN];
    char collateral_value[LG_U256_LEN];
    char usdc_borrowed[LG_U256_LEN];
    char health_factor[LG_U256_LEN];
    char collateral_value_usd[LG_USD_TEXT_LEN];
    char usdc_borrowed_usd[LG_USD_TEXT_LEN];
    int active;
    unsigned token_type;
} lg_position_view;

/* Reads vault position position_id (decimal, validated). Returns as
 * lg_query_credit_line. */
lg_err lg_query_position(lg_service *svc, const char *position_id, lg_position_view *view,
                         lg_outcome *out);

/*
 * The loan partner_loan_id of partner p, with its repayments oldest first.
 * Out: *loan; *reps (malloc'd, caller free()s; NULL when *nreps is 0).
 * Returns LG_OK, LG_ERR_NOT_FOUND, or the store's error.
 */
lg_err lg_query_loan(lg_service *svc, const lg_partner *p, const char *partner_loan_id,
                     lg_loan *loan, lg_repayment **reps, size_t *nreps, lg_outcome *out);

/* Loans of p to wallet (lowercase), status -1 for any, newest first.
 * Out: *items (free()), *n, *total. Returns LG_OK or the store's error. */
lg_err lg_query_user_loans(lg_service *svc, const lg_partner *p, const char *wallet, int status,
                           uint32_t limit, uint64_t offset, lg_loan **items, size_t *n,
                           uint64_t *total, lg_outcome *out);

typedef struct lg_partner_stats {
    uint64_t total_borrowed;
    uint64_t total_repaid;
    uint64_t total_fees;
    uint64_t outstanding;
    uint64_t active_loans;  /* loans in ACTIVE */
    uint64_t pending_loans; /* loans in PENDING or SETTLING */
    uint64_t repaid_loans;
    char day[LG_DAY_LEN]; /* today, UTC */
    uint64_t today_borrowed;
    uint64_t daily_limit;
    uint64_t daily_remaining;
    uint64_t total_limit;
    uint64_t total_remaining;
    uint64_t repayment_balance; /* credited deposits not drawn by repayments */
} lg_partner_stats;

/* Stats of p from its record (p is read again for fresh totals) and the store.
 * Returns LG_OK or the store's error. */
lg_err lg_query_stats(lg_service *svc, const lg_partner *p, lg_partner_stats *stats,
                      lg_outcome *out);

/* Ledger rows of p in [start_ms, end_ms) (0 = open), newest first.
 * Out: *items (free()), *n, *total. Returns LG_OK or the store's error. */
lg_err lg_query_transactions(lg_service *svc, const lg_partner *p, int64_t start_ms, int64_t end_ms,
                             uint32_t limit, uint64_t offset, lg_ledger_entry **items, size_t *n,
                             uint64_t *total, lg_outcome *out);

#endif
