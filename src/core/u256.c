/* u256.c - strict parsing, formatting and checked arithmetic on 256-bit integers. */
#include "config.h"

#include <lendgate/hex.h>
#include <lendgate/u256.h>

#include <string.h>

/* v = v * mul + add; returns the carry out of the top byte (0 when it fits). */
static unsigned mul_add_small(lg_u256 *v, unsigned mul, unsigned add)
{
    unsigned carry = add;
    for (int i = 31; i >= 0; i--) {
        unsigned t = (unsigned)v->b[i] * mul + carry;
        v->b[i] = (uint8_t)(t & 0xff);
        carry = t >> 8;
    }
    return carry;
}

/* v = v / div; returns the remainder. */
static unsigned div_small(lg_u256 *v, unsigned div)
{
    unsigned rem = 0;
    for (int i = 0; i < 32; i++) {
        unsigned t = (rem << 8) | v->b[i];
        v->b[i] = (uint8_t)(t / div);
        rem = t % div;
    }
    return rem;
}

lg_err lg_u256_from_dec(lg_u256 *out, const char *text)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!text || !*text || (text[0] == '0' && text[1] != '\0'))
        return LG_ERR_INVALID;
    size_t n = 0;
    for (; text[n]; n++) {
        if (text[n] < '0' || text[n] > '9')
            return LG_ERR_INVALID;
    }
    /* Without leading zeros, 79 digits are at least 10^78, beyond 2^256. */
    if (n >= LG_U256_DEC_LEN)
        return LG_ERR_OVERFLOW;
    lg_u256 v = {{0}};
    for (size_t i = 0; i < n; i++) {
        if (mul_add_small(&v, 10, (unsigned)(text[i] - '0')))
            return LG_ERR_OVERFLOW;
    }
    *out = v;
    return LG_OK;
}

lg_err lg_u256_to_dec(char *out, size_t cap, const lg_u256 *v)
{
    if (!out || !v)
        return LG_ERR_INVALID;
    char rev[LG_U256_DEC_LEN];
    size_t n = 0;
    lg_u256 t = *v;
    do {
        rev[n++] = (char)('0' + div_small(&t, 10));
    } while (!lg_u256_is_zero(&t));
    if (cap < n + 1) {
        if (cap > 0)
            out[0] = '\0';
        return LG_ERR_OVERFLOW;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
    return LG_OK;
}

lg_err lg_u256_from_quantity(lg_u256 *out, const char *text)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!text || text[0] != '0' || text[1] != 'x' || text[2] == '\0')
        return LG_ERR_INVALID;
    const char *d = text + 2;
    size_t n = strnlen(d, 65);
    if (d[0] == '0' && n != 1)
        return LG_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (lg_hex_nibble((unsigned char)d[i]) < 0)
            return LG_ERR_INVALID;
    }
    if (n > 64)
        return LG_ERR_OVERFLOW;
    lg_u256 v = {{0}};
    for (size_t i = 0; i < n; i++) {
        size_t pos = 63 - (n - 1 - i); /* nibble index from the top of 64 */
        unsigned nib = (unsigned)lg_hex_nibble((unsigned char)d[i]);
        v.b[pos / 2] |= (uint8_t)(pos % 2 ? nib : nib << 4);
    }
    *out = v;
    return LG_OK;
}

lg_err lg_u256_to_quantity(char *out, size_t cap, const lg_u256 *v)
{
    static const char digits[] = "0123456789abcdef";
    if (!out || !v)
        return LG_ERR_INVALID;
    size_t first = 0;
    while (first < 63 && ((v->b[first / 2] >> (first % 2 ? 0 : 4)) & 0x0f) == 0)
        first++;
    size_t n = 64 - first;
    if (cap < n + 3) {
        if (cap > 0)
            out[0] = '\0';
        return LG_ERR_OVERFLOW;
    }
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        size_t pos = first + i;
        out[2 + i] = digits[(v->b[pos / 2] >> (pos % 2 ? 0 : 4)) & 0x0f];
    }
    out[2 + n] = '\0';
    return LG_OK;
}

lg_err lg_u256_from_u64(lg_u256 *out, uint64_t v)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    for (int i = 31; i >= 24; i--, v >>= 8)
        out->b[i] = (uint8_t)(v & 0xff);
    return LG_OK;
}

/* Schoolbook on 32-bit halves: C11 has no 128-bit type to lean on. */
lg_err lg_u256_from_product(lg_u256 *out, uint64_t a, uint64_t b)
{
    if (!out)
        return LG_ERR_INVALID;
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    uint64_t lo = (ll & 0xffffffffu) | (mid << 32);
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    memset(out, 0, sizeof *out);
    for (int i = 31; i >= 24; i--, lo >>= 8)
        out->b[i] = (uint8_t)(lo & 0xff);
    for (int i = 23; i >= 16; i--, hi >>= 8)
        out->b[i] = (uint8_t)(hi & 0xff);
    return LG_OK;
}

lg_err lg_u256_to_u64(uint64_t *out, const lg_u256 *v)
{
    if (!out || !v)
        return LG_ERR_INVALID;
    for (int i = 0; i < 24; i++) {
        if (v->b[i])
            return LG_ERR_OVERFLOW;
    }
    uint64_t r = 0;
    for (int i = 24; i < 32; i++)
        r = (r << 8) | v->b[i];
    *out = r;
    return LG_OK;
}

lg_err lg_u256_from_be(lg_u256 *out, const uint8_t *in, size_t len)
{
    if (!out || (!in && len > 0))
        return LG_ERR_INVALID;
    if (len > 32)
        return LG_ERR_OVERFLOW;
    memset(out, 0, sizeof *out);
    if (len > 0)
        memcpy(out->b + 32 - len, in, len);
    return LG_OK;
}

size_t lg_u256_byte_len(const lg_u256 *v)
{
    if (!v)
        return 0;
    size_t i = 0;
    while (i < 32 && v->b[i] == 0)
        i++;
    return 32 - i;
}

int lg_u256_is_zero(const lg_u256 *v)
{
    return lg_u256_byte_len(v) == 0;
}

int lg_u256_cmp(const lg_u256 *a, const lg_u256 *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    int c = memcmp(a->b, b->b, 32);
    return (c > 0) - (c < 0);
}

lg_err lg_u256_add(lg_u256 *out, const lg_u256 *a, const lg_u256 *b)
{
    if (!out || !a || !b)
        return LG_ERR_INVALID;
    lg_u256 r;
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned t = (unsigned)a->b[i] + b->b[i] + carry;
        r.b[i] = (uint8_t)(t & 0xff);
        carry = t >> 8;
    }
    if (carry)
        return LG_ERR_OVERFLOW;
    *out = r;
    return LG_OK;
}

lg_err lg_u256_sub(lg_u256 *out, const lg_u256 *a, const lg_u256 *b)
{
    if (!out || !a || !b)
        return LG_ERR_INVALID;
    lg_u256 r;
    unsigned borrow = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned sub = (unsigned)b->b[i] + borrow;
        borrow = a->b[i] < sub;
        r.b[i] = (uint8_t)(((unsigned)a->b[i] + 256u - sub) & 0xff);
    }
    if (borrow)
        return LG_ERR_OVERFLOW;
    *out = r;
    return LG_OK;
}
