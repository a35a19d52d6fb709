/*
 * address.h - Ethereum addresses as text: "0x" and 40 hex digits, with the EIP-55
 * mixed-case checksum.
 *
 * Parsing accepts all-lowercase and all-uppercase digits as unchecksummed addresses and
 * refuses a mixed-case address whose case does not match its checksum (a typo caught
 * before money moves). Formatting always writes the checksummed form. No allocation.
 */
#ifndef LENDGATE_ADDRESS_H
#define LENDGATE_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

#define LG_ADDRESS_LEN 20
/* "0x", 40 digits and the NUL. */
#define LG_ADDRESS_TEXT_LEN 43

/*
 * Parses text into the 20 bytes of out.
 * Returns LG_OK, LG_ERR_INVALID (NULL, not "0x" + 40 hex digits, or mixed case that
 * fails the EIP-55 checksum). out is zeroed on error.
 */
lg_err lg_address_parse(uint8_t out[LG_ADDRESS_LEN], const char *text);

/* Writes the EIP-55 checksummed text of addr into out (capacity cap, at least
 * LG_ADDRESS_TEXT_LEN). Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (cap). */
lg_err lg_address_format(char *out, size_t cap, const uint8_t addr[LG_ADDRESS_LEN]);

/* Writes the address text (any valid case, as stored) in its EIP-55 form into out.
 * Returns LG_OK, LG_ERR_INVALID (not an address), LG_ERR_OVERFLOW (cap too small). */
lg_err lg_address_checksummed(char *out, size_t cap, const char *text);

/* Writes the all-lowercase "0x" text of addr (the form stores key on). Returns LG_OK,
 * LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (cap). */
lg_err lg_address_format_lower(char *out, size_t cap, const uint8_t addr[LG_ADDRESS_LEN]);

/* 1 when text is a well-formed address whose case is acceptable (all lower, all upper
 * or a correct checksum), else 0. */
int lg_address_valid(const char *text);

/* 1 when text is a well-formed address written exactly in its EIP-55 form, else 0. */
int lg_address_is_checksummed(const char *text);

#endif
