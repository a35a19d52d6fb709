/* amount.c - strict USDC amount text, checked u64 arithmetic and the fee rule. */
#include "config.h"

#include <lendgate/amount.h>

#include <stdio.h>
#include <string.h>

lg_err lg_amount_parse(const char *s, uint64_t *out)
{
    if (!s || !out || !*s)
        return LG_ERR_INVALID;
    /* "0" is the only string allowed to start with a zero: "01" could be read as octal
     * by a partner's client and "00" is never what anyone means. */
    if (s[0] == '0' && s[1] != '\0')
        return LG_ERR_INVALID;
    uint64_t v = 0;
    int overflow = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return LG_ERR_INVALID;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = 1; /* keep scanning: "99999999999999999999x" is still invalid */
        else
            v = v * 10 + d;
    }
    if (overflow)
        return LG_ERR_OVERFLOW;
    *out = v;
    return LG_OK;
}

lg_err lg_amount_parse_positive(const char *s, uint64_t *out)
{
    uint64_t v;
    if (!out)
        return LG_ERR_INVALID;
    lg_err rc = lg_amount_parse(s, &v);
    if (rc != LG_OK)
        return rc;
    if (v == 0)
        return LG_ERR_INVALID;
    *out = v;
    return LG_OK;
}

/* Writes the decimal digits of v, most significant first, into tmp (at least 20
 * bytes, not terminated). Returns the digit count. */
static size_t u64_digits(uint64_t v, char *tmp)
{
    char rev[20];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

lg_err lg_amount_format(uint64_t v, char *buf, size_t len)
{
    char digits[20];
    if (!buf)
        return LG_ERR_INVALID;
    size_t n = u64_digits(v, digits);
    if (len < n + 1)
        return LG_ERR_OVERFLOW;
    memcpy(buf, digits, n);
    buf[n] = '\0';
    return LG_OK;
}

lg_err lg_amount_format_usd(uint64_t v, char *buf, size_t len)
{
    char digits[20], text[LG_AMOUNT_USD_LEN];
    if (!buf)
        return LG_ERR_INVALID;
    uint64_t dollars = v / LG_AMOUNT_ONE_USDC;
    unsigned cents = (unsigned)(v % LG_AMOUNT_ONE_USDC / 10000);
    size_t n = u64_digits(dollars, digits), pos = 0;
    text[pos++] = '$';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            text[pos++] = ',';
        text[pos++] = digits[i];
    }
    text[pos++] = '.';
    text[pos++] = (char)('0' + cents / 10);
    text[pos++] = (char)('0' + cents % 10);
    if (len < pos + 1)
        return LG_ERR_OVERFLOW;
    memcpy(buf, text, pos);
    buf[pos] = '\0';
    return LG_OK;
}

lg_err lg_amount_format_units(uint64_t v, char *buf, size_t len)
{
    char text[LG_AMOUNT_USD_LEN];
    if (!buf)
        return LG_ERR_INVALID;
    unsigned frac = (unsigned)(v % LG_AMOUNT_ONE_USDC);
    int n = snprintf(text, sizeof text, "%llu.%06u", (unsigned long long)(v / LG_AMOUNT_ONE_USDC),
                     frac);
    while (n > 0 && text[n - 1] == '0' && text[n - 2] != '.')
        text[--n] = '\0';
    if ((size_t)n + 1 > len)
        return LG_ERR_OVERFLOW;
    memcpy(buf, text, (size_t)n + 1);
    return LG_OK;
}

lg_err lg_u64_add(uint64_t a, uint64_t b, uint64_t *out)
{
    if (!out)
        return LG_ERR_INVALID;
    if (a > UINT64_MAX - b)
        return LG_ERR_OVERFLOW;
    *out = a + b;
    return LG_OK;
}

lg_err lg_u64_sub(uint64_t a, uint64_t b, uint64_t *out)
{
    if (!out)
        return LG_ERR_INVALID;
    if (b > a)
        return LG_ERR_OVERFLOW;
    *out = a - b;
    return LG_OK;
}

lg_err lg_u64_mul(uint64_t a, uint64_t b, uint64_t *out)
{
    if (!out)
        return LG_ERR_INVALID;
    if (a != 0 && b > UINT64_MAX / a)
        return LG_ERR_OVERFLOW;
    *out = a * b;
    return LG_OK;
}

lg_err lg_amount_fee(uint64_t amount, uint32_t bps, uint64_t *fee)
{
    if (!fee || bps > LG_BPS_DENOMINATOR)
        return LG_ERR_INVALID;
    /* amount = q * 10000 + r, so amount * bps / 10000 = q * bps + r * bps / 10000 with
     * q * bps <= amount and r * bps < 10^8: no intermediate can wrap, and the floor
     * falls on the second term alone. */
    uint64_t q = amount / LG_BPS_DENOMINATOR, r = amount % LG_BPS_DENOMINATOR;
    *fee = q * bps + r * bps / LG_BPS_DENOMINATOR;
    return LG_OK;
}

lg_err lg_amount_split_fee(uint64_t amount, uint32_t bps, uint64_t *fee, uint64_t *net)
{
    uint64_t f;
    if (!fee || !net)
        return LG_ERR_INVALID;
    lg_err rc = lg_amount_fee(amount, bps, &f);
    if (rc != LG_OK)
        return rc;
    *fee = f;
    *net = amount - f;
    return LG_OK;
}
