/*
 * bodies.h - the JSON bodies of POST /partners/borrow and POST /partners/repay,
 * parsed strictly (json_input.h) and validated field by field (validate.h) into the
 * typed requests of service.h. Nothing here touches the store or the chain.
 *
 * borrow: {"partnerLoanId","userWallet","oaidTokenId","amount"}, all strings, all
 * required. repay: {"partnerLoanId","amount"} and optional "repaymentTxHash".
 *
 * request_hash is SHA-256 over the canonical form of the validated fields
 * ("borrow\n<loan id>\n<wallet lowercase>\n<oaid>\n<amount>"), so the same request
 * spelled differently (key order, spacing, address case) is the same request.
 */
#ifndef LENDGATE_BODIES_H
#define LENDGATE_BODIES_H

#include <stddef.h>

#include <lendgate/error.h>
#include <lendgate/service.h>

/* The largest integer a JSON number carries exactly in the partners' JavaScript: ids
 * above it come as decimal strings. */
#define LG_JSON_SAFE_INT INT64_C(9007199254740992)

/* How deep a borrow's metadata object may nest (the object itself is level 1). */
#define LG_METADATA_MAX_DEPTH 4

/* Fills *out (caller-owned, no allocation kept). Returns LG_OK, LG_ERR_INVALID (msg
 * names the field and why), LG_ERR_NOMEM, LG_ERR_OVERFLOW, LG_ERR_CRYPTO (hashing
 * failed). */
lg_err lg_parse_borrow(const char *body, size_t len, lg_borrow_request *out, char *msg,
                       size_t msglen);

/* Fills *out (caller-owned). Returns LG_OK, LG_ERR_INVALID (msg names the field and
 * why), LG_ERR_NOMEM. */
lg_err lg_parse_repay(const char *body, size_t len, lg_repay_request *out, char *msg,
                      size_t msglen);

/* 1 when a Content-Type header value is application/json (parameters such as
 * charset=utf-8 allowed), else 0. */
int lg_content_type_is_json(const char *value);

/* The body of POST /partners/deposits: {"txHash"}. Fills tx_hash (caller-owned).
 * Returns LG_OK, LG_ERR_INVALID (msg names the field and why), LG_ERR_NOMEM. */
lg_err lg_parse_deposit(const char *body, size_t len, char tx_hash[LG_HASH_LEN], char *msg,
                        size_t msglen);

#endif
