/* address.c - EIP-55 checksummed Ethereum address text. */
#include "config.h"

#include <lendgate/address.h>
#include <lendgate/hex.h>
#include <lendgate/keccak.h>

#include <string.h>

/* Writes the EIP-55 case of the 40 lowercase digits in lower into out: a letter is
 * uppercase when the matching nibble of keccak256(lowercase digits) is 8 or more. */
static void checksum_case(char out[40], const char lower[40])
{
    uint8_t h[LG_KECCAK256_LEN];
    (void)lg_keccak256(h, lower, 40);
    for (int i = 0; i < 40; i++) {
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0x0f;
        char c = lower[i];
        out[i] = (c >= 'a' && c <= 'f' && nib >= 8) ? (char)(c - 'a' + 'A') : c;
    }
}

/* Checks the shape ("0x" + 40 hex digits + NUL) and the case rule; fills out. */
static lg_err parse_checked(uint8_t out[LG_ADDRESS_LEN], const char *text, int need_exact)
{
    if (!text || strnlen(text, LG_ADDRESS_TEXT_LEN) != LG_ADDRESS_TEXT_LEN - 1)
        return LG_ERR_INVALID;
    if (lg_hex_decode_fixed(out, LG_ADDRESS_LEN, text, LG_HEX_0X) != LG_OK)
        return LG_ERR_INVALID;
    const char *d = text + 2;
    int lower = 0, upper = 0;
    for (int i = 0; i < 40; i++) {
        lower |= d[i] >= 'a' && d[i] <= 'f';
        upper |= d[i] >= 'A' && d[i] <= 'F';
    }
    if (!need_exact && !(lower && upper))
        return LG_OK;
    char low[41], want[40];
    lg_hex_encode(low, sizeof low, out, LG_ADDRESS_LEN, LG_HEX_BARE);
    checksum_case(want, low);
    if (memcmp(want, d, 40) != 0) {
        memset(out, 0, LG_ADDRESS_LEN);
        return LG_ERR_INVALID;
    }
    return LG_OK;
}

lg_err lg_address_parse(uint8_t out[LG_ADDRESS_LEN], const char *text)
{
    if (!out)
        return LG_ERR_INVALID;
    lg_err err = parse_checked(out, text, 0);
    if (err != LG_OK)
        memset(out, 0, LG_ADDRESS_LEN);
    return err;
}

lg_err lg_address_format(char *out, size_t cap, const uint8_t addr[LG_ADDRESS_LEN])
{
    lg_err err = lg_address_format_lower(out, cap, addr);
    if (err != LG_OK)
        return err;
    char want[40];
    checksum_case(want, out + 2);
    memcpy(out + 2, want, 40);
    return LG_OK;
}

lg_err lg_address_checksummed(char *out, size_t cap, const char *text)
{
    uint8_t raw[LG_ADDRESS_LEN];
    lg_err err = text ? lg_address_parse(raw, text) : LG_ERR_INVALID;
    return err == LG_OK ? lg_address_format(out, cap, raw) : err;
}

lg_err lg_address_format_lower(char *out, size_t cap, const uint8_t addr[LG_ADDRESS_LEN])
{
    if (!out || !addr)
        return LG_ERR_INVALID;
    return lg_hex_encode(out, cap, addr, LG_ADDRESS_LEN, LG_HEX_0X);
}

int lg_address_valid(const char *text)
{
    uint8_t tmp[LG_ADDRESS_LEN];
    return parse_checked(tmp, text, 0) == LG_OK;
}

int lg_address_is_checksummed(const char *text)
{
    uint8_t tmp[LG_ADDRESS_LEN];
    return parse_checked(tmp, text, 1) == LG_OK;
}
