/*
 * amount.h - USDC amounts: uint64_t base units (6 decimals), strict decimal text on
 * the wire, overflow-checked arithmetic and the fee rule floor(amount * bps / 10000).
 *
 * Nothing here allocates. Every function checks its pointers and returns
 * LG_ERR_INVALID for a NULL one.
 */
#ifndef LENDGATE_AMOUNT_H
#define LENDGATE_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

#define LG_AMOUNT_DECIMALS 6
#define LG_AMOUNT_ONE_USDC UINT64_C(1000000)
#define LG_BPS_DENOMINATOR 10000u
#define LG_AMOUNT_TEXT_LEN 21 /* "18446744073709551615" + NUL */
#define LG_AMOUNT_USD_LEN  24 /* "$18,446,744,073,709.55" + NUL */

/* Parses base units written as plain decimal digits: no sign, space, exponent, '.',
 * hex, or leading zero except "0" itself. Returns LG_OK, LG_ERR_INVALID (not such a
 * string, or a NULL argument), LG_ERR_OVERFLOW (digits only but above UINT64_MAX).
 * *out is written only on LG_OK. */
lg_err lg_amount_parse(const char *s, uint64_t *out);

/* As lg_amount_parse, and "0" is LG_ERR_INVALID too: borrow and repay amounts. */
lg_err lg_amount_parse_positive(const char *s, uint64_t *out);

/* Writes v in decimal ("5000000000") into buf (LG_AMOUNT_TEXT_LEN is always enough).
 * Returns LG_OK, LG_ERR_INVALID (NULL buf), LG_ERR_OVERFLOW (len too small). */
lg_err lg_amount_format(uint64_t v, char *buf, size_t len);

/* Writes v as dollars for people ("$5,000.00"): thousands separators, cents
 * truncated, never rounded up (LG_AMOUNT_USD_LEN is always enough).
 * Returns LG_OK, LG_ERR_INVALID (NULL buf), LG_ERR_OVERFLOW (len too small). */
lg_err lg_amount_format_usd(uint64_t v, char *buf, size_t len);

/* Writes v in USDC units as ethers' formatUnits(v, 6) does, which is how the partner
 * plan words its amounts in messages ("3000.0", "1.234567", "0.0"): no separators,
 * the fraction without trailing zeros but at least one digit (LG_AMOUNT_USD_LEN is
 * always enough). Returns LG_OK, LG_ERR_INVALID (NULL buf), LG_ERR_OVERFLOW. */
lg_err lg_amount_format_units(uint64_t v, char *buf, size_t len);

/* *out = a + b, a - b, a * b. Return LG_OK, LG_ERR_INVALID (NULL out),
 * LG_ERR_OVERFLOW (the result wraps, or a - b is below zero; *out untouched). */
lg_err lg_u64_add(uint64_t a, uint64_t b, uint64_t *out);
lg_err lg_u64_sub(uint64_t a, uint64_t b, uint64_t *out);
lg_err lg_u64_mul(uint64_t a, uint64_t b, uint64_t *out);

/* *fee = floor(amount * bps / 10000), exact for every uint64_t amount.
 * Returns LG_OK, LG_ERR_INVALID (NULL fee, or bps above 10000). */
lg_err lg_amount_fee(uint64_t amount, uint32_t bps, uint64_t *fee);

/* *fee as lg_amount_fee and *net = amount - *fee (never negative).
 * Returns LG_OK, LG_ERR_INVALID (NULL pointer, or bps above 10000). */
lg_err lg_amount_split_fee(uint64_t amount, uint32_t bps, uint64_t *fee, uint64_t *net);

#endif
