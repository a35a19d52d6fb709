/* hex.c - strict hex encoding and decoding, constant time in the digit values. */
#include "config.h"

#include <lendgate/hex.h>

#include <string.h>

int lg_hex_nibble(int c)
{
    if (c < 0 || c > 0xff)
        return -1;
    /* Masks instead of comparisons so the time does not depend on the digit: each
     * mask is 0x00ffffff when c is in its range and 0 otherwise. */
    uint32_t u = (uint32_t)c;
    uint32_t num = u ^ 48u;
    uint32_t num_ok = (num - 10u) >> 8;
    uint32_t alpha = (u & ~32u) - 55u;
    uint32_t alpha_ok = ((alpha - 10u) ^ (alpha - 16u)) >> 8;
    uint32_t ok = (num_ok | alpha_ok) & 1u;
    uint32_t val = ((num_ok & num) | (alpha_ok & alpha)) & 0x0fu;
    return (int)(val & (0u - ok)) - (int)(ok ^ 1u);
}

lg_err lg_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len, lg_hex_prefix prefix)
{
    static const char digits[] = "0123456789abcdef";
    if (!out || (!in && len > 0))
        return LG_ERR_INVALID;
    if (len > (SIZE_MAX - 3) / 2 || cap < LG_HEX_TEXT_LEN(len, prefix)) {
        if (cap > 0)
            out[0] = '\0';
        return LG_ERR_OVERFLOW;
    }
    char *o = out;
    if (prefix == LG_HEX_0X) {
        *o++ = '0';
        *o++ = 'x';
    }
    for (size_t i = 0; i < len; i++) {
        *o++ = digits[in[i] >> 4];
        *o++ = digits[in[i] & 0x0f];
    }
    *o = '\0';
    return LG_OK;
}

/* Strips "0x" as the caller's prefix rule says; 0 when the rule is broken. */
static int take_prefix(const char **text, size_t *len, lg_hex_prefix prefix)
{
    int has = *len >= 2 && (*text)[0] == '0' && (*text)[1] == 'x';
    if ((prefix == LG_HEX_0X && !has) || (prefix == LG_HEX_BARE && has))
        return 0;
    if (has) {
        *text += 2;
        *len -= 2;
    }
    return 1;
}

lg_err lg_hex_decode(uint8_t *out, size_t cap, size_t *outlen, const char *text, size_t textlen,
                     lg_hex_prefix prefix)
{
    if (!outlen)
        return LG_ERR_INVALID;
    *outlen = 0;
    if (!out || !text)
        return LG_ERR_INVALID;
    if (!take_prefix(&text, &textlen, prefix) || textlen % 2 != 0)
        return LG_ERR_INVALID;
    size_t n = textlen / 2;
    if (n > cap)
        return LG_ERR_OVERFLOW;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = lg_hex_nibble((unsigned char)text[2 * i]);
        int lo = lg_hex_nibble((unsigned char)text[2 * i + 1]);
        bad |= (hi | lo) < 0;
        out[i] = (uint8_t)(((unsigned)hi << 4) | ((unsigned)lo & 0x0fu));
    }
    if (bad) {
        memset(out, 0, n);
        return LG_ERR_INVALID;
    }
    *outlen = n;
    return LG_OK;
}

lg_err lg_hex_decode_fixed(uint8_t *out, size_t len, const char *text, lg_hex_prefix prefix)
{
    if (!out || !text)
        return LG_ERR_INVALID;
    size_t got = 0;
    size_t textlen = strnlen(text, 2 * len + 3);
    lg_err err = lg_hex_decode(out, len, &got, text, textlen, prefix);
    if (err == LG_OK && got == len)
        return LG_OK;
    memset(out, 0, len);
    return LG_ERR_INVALID;
}
