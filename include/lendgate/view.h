/*
 * view.h - the one rendering of each domain object, in the partner plan's shapes and
 * names (docs/openapi.yaml), shared by the API handlers, lendgatectl and the admin
 * audit trail: a partner, a loan, a repayment, a ledger entry, a page, a partner's
 * stats, a credit line, a position.
 * lendgate's own fields sit beside the plan's, never instead of them.
 *
 * Each function returns a new json-c object the caller releases with
 * json_object_put(), or NULL when json-c could not allocate. Nothing else is
 * allocated; the arguments stay the caller's.
 */
#ifndef LENDGATE_VIEW_H
#define LENDGATE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/queries.h>
#include <lendgate/model.h>

struct json_object;

/*
 * The plan's loan: partnerLoanId, internalLoanId, userWallet, oaidTokenId,
 * principalAmount, remainingDebt, totalRepaid, status, borrowedAt, platformFeeCharged,
 * borrowTxHash, metadata; with history also repayTxHash, lastRepaymentAt,
 * repaymentHistory[] of the applied repayments and lendgate's repayments[] of every
 * repayment in any state (reps[0..n), oldest first; NULL when n is 0).
 */
struct json_object *lg_view_loan(const lg_loan *l, int history, const lg_repayment *reps, size_t n);

/* The answer to a borrow (201 settled, 202 still on its way): success,
 * internalLoanId, borrowedAmount, netAmountTransferred, platformFee, remainingCredit,
 * txHash, message, and the loan's status and hashes. settlement may be NULL. */
struct json_object *lg_view_borrow(const lg_loan *l, int settled, const char *settlement);

/* The answer to a repayment: success, remainingDebt, loanStatus, txHash, message,
 * and the repayment itself. */
struct json_object *lg_view_repay(const lg_loan *l, const lg_repayment *r);

/* One entry of /partners/my/transactions: timestamp, type, partnerLoanId, amount,
 * userWallet, txHash, status. */
struct json_object *lg_view_ledger_entry(const lg_ledger_entry *e);

/* A page: {total, limit, offset, <key>: items}. Takes items (also on failure). */
struct json_object *lg_view_page(const char *key, struct json_object *items, uint64_t total,
                                 uint32_t limit, uint64_t offset);

/* A partner as admins see it: the plan's Partner fields, then lendgate's (never a
 * key, a hash or a secret: only whether a webhook or signing secret is set). The
 * admin API, lendgatectl and the admin audit trail's before/after all use it. */
struct json_object *lg_view_partner(const lg_partner *p);

/* /partners/my/stats: partnerId, partnerName, tier, status, limits{}, usage{},
 * lifetime{}. */
struct json_object *lg_view_stats(const lg_partner *p, const lg_partner_stats *s);

struct json_object *lg_view_credit_line(const lg_credit_line_view *v);
struct json_object *lg_view_position(const lg_position_view *v);

/* Adds k: the uint256 id in decimal as a JSON number when a JavaScript number holds it
 * exactly (up to 2^53), else as the decimal string. */
void lg_view_id(struct json_object *o, const char *k, const char *decimal);

/* Adds k: a stored lowercase address in its EIP-55 form (as given when it does not
 * parse), or null for "". */
void lg_view_address(struct json_object *o, const char *k, const char *lower);

#endif
