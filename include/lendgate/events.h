/*
 * events.h - the JSON payload of the loan webhook events kept in the outbox
 * ("loan.borrowed", "loan.failed", "loan.repayment_received", "loan.repaid"):
 *
 *   {"event":"loan.borrowed","loanId":"<uuid>","partnerLoanId":"...","userWallet":"0x...",
 *    "oaidTokenId":"...","amount":"1000000","fee":"5000","netAmount":"995000",
 *    "remaining":"1000000","txHash":"0x...","status":"ACTIVE",
 *    "timestamp":"2026-11-24T01:48:44.123Z"}
 *
 * Amounts are decimal strings of micro-USDC, so no JSON reader rounds them.
 */
#ifndef LENDGATE_EVENTS_H
#define LENDGATE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/store.h>

/*
 * Writes the payload of event for loan into buf (len bytes, NUL-terminated).
 * amount is the event's own figure (the principal for a borrow, the repayment for
 * "loan.repayment_received"); fee, netAmount, remaining and status come from loan;
 * tx_hash may be NULL or ""; at_ms is the event time.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument, time out of range), LG_ERR_NOMEM,
 * LG_ERR_OVERFLOW (buf too small).
 */
lg_err lg_event_loan_json(const char *event, const lg_loan *loan, uint64_t amount,
                          const char *tx_hash, int64_t at_ms, char *buf, size_t len);

#endif
