/*
 * hex.h - strict hexadecimal text for bytes.
 *
 * Decoding accepts only an even number of [0-9a-fA-F] digits, optionally behind "0x"
 * as the caller allows; nothing else (no spaces, no "0X", no odd lengths). Digits are
 * decoded without branching or table lookups on their value, so a private key read
 * from a file does not leak through timing. Encoding always writes lowercase.
 * No function here allocates.
 */
#ifndef LENDGATE_HEX_H
#define LENDGATE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

/* Whether the text carries "0x" in front of the digits. */
typedef enum {
    LG_HEX_BARE = 0,     /* digits only: "0x" is an error */
    LG_HEX_0X = 1,       /* "0x" required */
    LG_HEX_OPTIONAL = 2, /* either (decoding only; encoding treats it as LG_HEX_BARE) */
} lg_hex_prefix;

/* Characters needed to encode n bytes with prefix, NUL included. */
#define LG_HEX_TEXT_LEN(n, prefix) (2 * (size_t)(n) + ((prefix) == LG_HEX_0X ? 3 : 1))

/*
 * Writes in[0..len) as lowercase hex into out (capacity cap), NUL-terminated, with
 * "0x" in front when prefix is LG_HEX_0X. in may be NULL when len is 0.
 * Returns LG_OK, LG_ERR_INVALID (NULL out, or NULL in with len > 0),
 * LG_ERR_OVERFLOW (cap smaller than LG_HEX_TEXT_LEN(len, prefix); out is then "").
 */
lg_err lg_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len, lg_hex_prefix prefix);

/*
 * Decodes the first textlen characters of text into out (capacity cap) and stores the
 * number of bytes in *outlen. text need not be NUL-terminated.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument, prefix not as required, odd digit
 * count, a non-hex character), LG_ERR_OVERFLOW (more bytes than cap).
 * On error *outlen is 0 and out holds nothing decoded (it is wiped).
 */
lg_err lg_hex_decode(uint8_t *out, size_t cap, size_t *outlen, const char *text, size_t textlen,
                     lg_hex_prefix prefix);

/*
 * Decodes the NUL-terminated text, which must encode exactly len bytes (a hash, a key,
 * an address), into out.
 * Returns LG_OK, LG_ERR_INVALID (NULL argument, bad prefix, bad digit, wrong length).
 * On error out is wiped.
 */
lg_err lg_hex_decode_fixed(uint8_t *out, size_t len, const char *text, lg_hex_prefix prefix);

/* Value 0..15 of the hex digit c (either case), or -1 when c is not one. Runs in the
 * same time for every c. */
int lg_hex_nibble(int c);

#endif
