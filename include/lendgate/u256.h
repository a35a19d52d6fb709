/*
 * u256.h - unsigned 256-bit integers as 32 big-endian bytes: token ids, wei values and
 * anything else the chain counts in uint256.
 *
 * Parsing is strict (the text comes from outside): decimal is digits only, no sign,
 * no spaces, no leading zeros except "0" itself, at most 2^256-1. Every arithmetic
 * result that does not fit is an error, never a wrap. No function here allocates.
 */
#ifndef LENDGATE_U256_H
#define LENDGATE_U256_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

typedef struct lg_u256 {
    uint8_t b[32]; /* big-endian: b[0] is the most significant byte */
} lg_u256;

/* Longest decimal text, NUL included: 2^256-1 has 78 digits. */
#define LG_U256_DEC_LEN 79
/* Longest "0x" quantity text, NUL included. */
#define LG_U256_HEX_LEN 67

/*
 * Parses decimal text into *out.
 * Returns LG_OK, LG_ERR_INVALID (NULL, empty, a non-digit, a leading zero),
 * LG_ERR_OVERFLOW (above 2^256-1). *out is zero on error.
 */
lg_err lg_u256_from_dec(lg_u256 *out, const char *text);

/* Writes v in decimal into out (capacity cap, LG_U256_DEC_LEN is always enough).
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (cap too small). */
lg_err lg_u256_to_dec(char *out, size_t cap, const lg_u256 *v);

/*
 * Parses an Ethereum JSON-RPC quantity: "0x" then 1 to 64 lowercase or uppercase hex
 * digits without leading zeros ("0x0" for zero).
 * Returns LG_OK, LG_ERR_INVALID (NULL, syntax), LG_ERR_OVERFLOW (more than 64 digits).
 */
lg_err lg_u256_from_quantity(lg_u256 *out, const char *text);

/* Writes v as a JSON-RPC quantity ("0x0", "0x1a") into out (LG_U256_HEX_LEN suffices).
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (cap too small). */
lg_err lg_u256_to_quantity(char *out, size_t cap, const lg_u256 *v);

/* Sets *out to v. Returns LG_OK, LG_ERR_INVALID (NULL). */
lg_err lg_u256_from_u64(lg_u256 *out, uint64_t v);

/* *out = a * b, exact (a product of two 64-bit values always fits).
 * Returns LG_OK, LG_ERR_INVALID (NULL). */
lg_err lg_u256_from_product(lg_u256 *out, uint64_t a, uint64_t b);

/* Stores v in *out. Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (v >= 2^64). */
lg_err lg_u256_to_u64(uint64_t *out, const lg_u256 *v);

/*
 * Sets *out from len big-endian bytes (len <= 32; leading zero bytes allowed).
 * Returns LG_OK, LG_ERR_INVALID (NULL out, NULL in with len > 0), LG_ERR_OVERFLOW
 * (len > 32).
 */
lg_err lg_u256_from_be(lg_u256 *out, const uint8_t *in, size_t len);

/* Number of bytes of v without its leading zero bytes (0 for zero, 32 at most);
 * 0 for NULL. */
size_t lg_u256_byte_len(const lg_u256 *v);

/* 1 when v is zero or NULL, else 0. */
int lg_u256_is_zero(const lg_u256 *v);

/* -1, 0 or 1 as a is below, equal to or above b; NULL sorts below everything. */
int lg_u256_cmp(const lg_u256 *a, const lg_u256 *b);

/* *out = a + b. out may alias a or b. Returns LG_OK, LG_ERR_INVALID (NULL),
 * LG_ERR_OVERFLOW (sum >= 2^256; *out is then left unchanged). */
lg_err lg_u256_add(lg_u256 *out, const lg_u256 *a, const lg_u256 *b);

/* *out = a - b. out may alias a or b. Returns LG_OK, LG_ERR_INVALID (NULL),
 * LG_ERR_OVERFLOW (b > a; *out is then left unchanged). */
lg_err lg_u256_sub(lg_u256 *out, const lg_u256 *a, const lg_u256 *b);

#endif
