/*
 * events.h - the data of the webhook events the store writes to the outbox, with the
 * plan's field names. Loan events ("loan.borrowed", "loan.pending", "loan.failed",
 * "loan.repayment_received", "loan.repaid", "loan.defaulted", "loan.liquidated"):
 *
 *   {"partnerId":"...","partnerLoanId":"...","internalLoanId":"<uuid>",
 *    "userWallet":"0x...","oaidTokenId":"...","amount":"1000000",
 *    "borrowedAmount":"1000000","platformFee":"5000","netAmountTransferred":"995000",
 *    "remainingDebt":"1000000","totalRepaid":"0","loanStatus":"ACTIVE",
 *    "txHash":"0x...","timestamp":"2026-11-24T01:48:44.123Z"}
 *
 * plus "failureReason" when the loan has one. amount is the event's own figure (the
 * principal of a borrow, the sum of a repayment or a liquidation). Amounts are
 * decimal strings of micro-USDC, so no JSON reader rounds them. The dispatcher wraps
 * the data in the delivered envelope (webhook.h).
 *
 * Each function writes a JSON object into buf (len bytes, NUL-terminated) and returns
 * LG_OK, LG_ERR_INVALID (NULL argument, time out of range), LG_ERR_NOMEM or
 * LG_ERR_OVERFLOW (buf too small).
 */
#ifndef LENDGATE_EVENTS_H
#define LENDGATE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>

/* A loan event at at_ms; tx_hash may be NULL or "". */
lg_err lg_event_loan_json(const lg_loan *loan, uint64_t amount, const char *tx_hash, int64_t at_ms,
                          char *buf, size_t len);

/* "partner.suspended", "partner.activated": {partnerId, partnerName, status,
 * timestamp}; "partner.key_rotated" adds keyPrefix (non-NULL key_prefix) and, when
 * keys_expire_ms > 0, previousKeysExpireAt. */
lg_err lg_event_partner_json(const lg_partner *p, const char *key_prefix, int64_t keys_expire_ms,
                             int64_t at_ms, char *buf, size_t len);

/* "partner.limit_approaching": {partnerId, limitType ("daily" or "total"), limit,
 * used, thresholdBps, day (daily only; NULL leaves it out), timestamp}. */
lg_err lg_event_limit_json(const lg_partner *p, const char *limit_type, uint64_t limit,
                           uint64_t used, uint32_t ratio_bps, const char *day, int64_t at_ms,
                           char *buf, size_t len);

#endif
