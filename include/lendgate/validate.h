/*
 * validate.h - checks for every value that comes from outside, each writing the
 * canonical form the service layer takes and, on failure, a message that names the
 * field and says why ("amount: must be digits only, greater than zero").
 *
 * field names the value in the message; msg has msglen bytes. Nothing allocates.
 * Each returns LG_OK or LG_ERR_INVALID (bad value or NULL argument).
 */
#ifndef LENDGATE_VALIDATE_H
#define LENDGATE_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>

#define LG_PAGE_LIMIT_DEFAULT 20
#define LG_PAGE_LIMIT_MAX     100

/* 0x + 40 hex, EIP-55 checksum verified when mixed case; out = lowercase form. */
lg_err lg_validate_address(const char *field, const char *text, char out[LG_ADDR_LEN], char *msg,
                           size_t msglen);

/* USDC base units: digits only, no sign, exponent, point or leading zero, > 0,
 * fits uint64. */
lg_err lg_validate_amount(const char *field, const char *text, uint64_t *out, char *msg,
                          size_t msglen);

/* uint256 in decimal (token and position ids); out = the same digits. */
lg_err lg_validate_u256(const char *field, const char *text, char out[LG_U256_LEN], char *msg,
                        size_t msglen);

/* ^[A-Za-z0-9_-]{1,64}$ */
lg_err lg_validate_loan_id(const char *field, const char *text, char out[LG_ID_LEN], char *msg,
                           size_t msglen);

/* 0x + 64 hex; out = lowercase form. */
lg_err lg_validate_tx_hash(const char *field, const char *text, char out[LG_HASH_LEN], char *msg,
                           size_t msglen);

/* An RFC 3339 timestamp or a YYYY-MM-DD date (UTC midnight); *ms since the epoch. */
lg_err lg_validate_date(const char *field, const char *text, int64_t *ms, char *msg, size_t msglen);

/* Pagination: limit 1..max (NULL text = def), offset 0..2^53 (NULL text = 0). */
lg_err lg_validate_limit(const char *field, const char *text, uint32_t def, uint32_t max,
                         uint32_t *out, char *msg, size_t msglen);
lg_err lg_validate_offset(const char *field, const char *text, uint64_t *out, char *msg,
                          size_t msglen);

/* Loan status name (model.h's LG_LOAN_STATUSES), any case -> *out. */
lg_err lg_validate_loan_status(const char *field, const char *text, int *out, char *msg,
                               size_t msglen);

#endif
