/* rlp.c - RLP encoding into bounded buffers and strict canonical decoding. */
#include "config.h"

#include <lendgate/rlp.h>

#include <string.h>

/* Number of bytes in the big-endian form of n without leading zeros. */
static size_t be_len(uint64_t n)
{
    size_t k = 0;
    for (; n > 0; n >>= 8)
        k++;
    return k;
}

static void put_be(uint8_t *dst, uint64_t n, size_t k)
{
    for (size_t i = k; i > 0; i--, n >>= 8)
        dst[i - 1] = (uint8_t)(n & 0xff);
}

/* Writes the header of an item of payload length n with base 0x80 (string) or 0xc0
 * (list) into hdr; returns its length (1 to 9). */
static size_t make_header(uint8_t hdr[9], uint8_t base, size_t n)
{
    if (n < 56) {
        hdr[0] = (uint8_t)(base + n);
        return 1;
    }
    size_t k = be_len(n);
    hdr[0] = (uint8_t)(base + 55 + k);
    put_be(hdr + 1, n, k);
    return 1 + k;
}

static lg_err fail(lg_rlp_writer *w, lg_err err)
{
    if (w->err == LG_OK)
        w->err = err;
    return w->err;
}

static lg_err append(lg_rlp_writer *w, const uint8_t *p, size_t len)
{
    if (w->err != LG_OK)
        return w->err;
    if (len > w->cap - w->len)
        return fail(w, LG_ERR_OVERFLOW);
    if (len > 0)
        memcpy(w->buf + w->len, p, len);
    w->len += len;
    return LG_OK;
}

lg_err lg_rlp_writer_init(lg_rlp_writer *w, uint8_t *buf, size_t cap)
{
    if (!w)
        return LG_ERR_INVALID;
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
    if (!buf && cap > 0)
        w->err = LG_ERR_INVALID;
    return w->err;
}

lg_err lg_rlp_put_raw(lg_rlp_writer *w, const uint8_t *p, size_t len)
{
    if (!w)
        return LG_ERR_INVALID;
    if (!p && len > 0)
        return fail(w, LG_ERR_INVALID);
    return append(w, p, len);
}

lg_err lg_rlp_put_bytes(lg_rlp_writer *w, const uint8_t *p, size_t len)
{
    if (!w)
        return LG_ERR_INVALID;
    if (!p && len > 0)
        return fail(w, LG_ERR_INVALID);
    if (len == 1 && p[0] < 0x80)
        return append(w, p, 1);
    uint8_t hdr[9];
    size_t h = make_header(hdr, 0x80, len);
    if (w->err == LG_OK && (h > w->cap - w->len || len > w->cap - w->len - h))
        return fail(w, LG_ERR_OVERFLOW);
    append(w, hdr, h);
    return append(w, p, len);
}

lg_err lg_rlp_put_u64(lg_rlp_writer *w, uint64_t v)
{
    uint8_t b[8];
    size_t k = be_len(v);
    put_be(b, v, k);
    return lg_rlp_put_bytes(w, b, k);
}

lg_err lg_rlp_put_u256(lg_rlp_writer *w, const lg_u256 *v)
{
    if (!w)
        return LG_ERR_INVALID;
    if (!v)
        return fail(w, LG_ERR_INVALID);
    size_t k = lg_u256_byte_len(v);
    return lg_rlp_put_bytes(w, v->b + 32 - k, k);
}

lg_err lg_rlp_list_begin(lg_rlp_writer *w, size_t *mark)
{
    if (!w)
        return LG_ERR_INVALID;
    if (!mark)
        return fail(w, LG_ERR_INVALID);
    *mark = w->len;
    if (w->err == LG_OK)
        w->open_lists++;
    return w->err;
}

lg_err lg_rlp_list_end(lg_rlp_writer *w, size_t mark)
{
    if (!w)
        return LG_ERR_INVALID;
    if (w->err != LG_OK)
        return w->err;
    if (w->open_lists == 0 || mark > w->len)
        return fail(w, LG_ERR_INVALID);
    size_t n = w->len - mark;
    uint8_t hdr[9];
    size_t h = make_header(hdr, 0xc0, n);
    if (h > w->cap - w->len)
        return fail(w, LG_ERR_OVERFLOW);
    memmove(w->buf + mark + h, w->buf + mark, n);
    memcpy(w->buf + mark, hdr, h);
    w->len += h;
    w->open_lists--;
    return LG_OK;
}

lg_err lg_rlp_finish(lg_rlp_writer *w, size_t *len)
{
    if (!w || !len)
        return LG_ERR_INVALID;
    *len = 0;
    if (w->err == LG_OK && w->open_lists != 0)
        fail(w, LG_ERR_INVALID);
    if (w->err == LG_OK)
        *len = w->len;
    return w->err;
}

/* Reads a long-form length of k bytes at p (k <= avail checked by the caller): no
 * leading zero byte, and at least 56, or the short form should have been used. */
static lg_err long_len(size_t *out, const uint8_t *p, size_t k)
{
    if (k == 0 || k > 8 || p[0] == 0)
        return LG_ERR_INVALID;
    uint64_t n = 0;
    for (size_t i = 0; i < k; i++)
        n = (n << 8) | p[i];
    if (n < 56)
        return LG_ERR_INVALID;
#if SIZE_MAX < UINT64_MAX
    if (n > SIZE_MAX)
        return LG_ERR_INVALID;
#endif
    *out = (size_t)n;
    return LG_OK;
}

/* Parses the header of the item at in[0..len) into *item, and *total receives the
 * item's whole size. The payload is checked to lie within the input. */
static lg_err read_item(lg_rlp_item *item, size_t *total, const uint8_t *in, size_t len)
{
    if (len == 0)
        return LG_ERR_INVALID;
    uint8_t b = in[0];
    size_t hdr = 1, n;
    if (b < 0x80) {
        *item = (lg_rlp_item){0, in, 1};
        *total = 1;
        return LG_OK;
    }
    int is_list = b >= 0xc0;
    uint8_t base = is_list ? 0xc0 : 0x80;
    if (b - base < 56) {
        n = (size_t)(b - base);
    } else {
        size_t k = (size_t)(b - base - 55);
        if (k > len - 1 || long_len(&n, in + 1, k) != LG_OK)
            return LG_ERR_INVALID;
        hdr += k;
    }
    if (n > len - hdr)
        return LG_ERR_INVALID;
    /* A single byte below 0x80 is its own encoding. */
    if (!is_list && n == 1 && in[hdr] < 0x80)
        return LG_ERR_INVALID;
    *item = (lg_rlp_item){is_list, in + hdr, n};
    *total = hdr + n;
    return LG_OK;
}

/* Checks that p[0..len) is a sequence of canonical items, recursing into lists. */
static lg_err check_items(const uint8_t *p, size_t len, unsigned depth)
{
    while (len > 0) {
        lg_rlp_item it;
        size_t total = 0;
        if (read_item(&it, &total, p, len) != LG_OK)
            return LG_ERR_INVALID;
        if (it.is_list) {
            if (depth >= LG_RLP_MAX_DEPTH || check_items(it.payload, it.len, depth + 1) != LG_OK)
                return LG_ERR_INVALID;
        }
        p += total;
        len -= total;
    }
    return LG_OK;
}

lg_err lg_rlp_decode(lg_rlp_item *out, const uint8_t *in, size_t len)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!in)
        return LG_ERR_INVALID;
    lg_rlp_item it;
    size_t total = 0;
    if (read_item(&it, &total, in, len) != LG_OK || total != len)
        return LG_ERR_INVALID;
    if (it.is_list && check_items(it.payload, it.len, 1) != LG_OK)
        return LG_ERR_INVALID;
    *out = it;
    return LG_OK;
}

lg_err lg_rlp_iter_init(lg_rlp_iter *it, const lg_rlp_item *list)
{
    if (!it)
        return LG_ERR_INVALID;
    memset(it, 0, sizeof *it);
    if (!list || !list->is_list || (!list->payload && list->len > 0))
        return LG_ERR_INVALID;
    it->p = list->payload;
    it->left = list->len;
    return LG_OK;
}

lg_err lg_rlp_iter_next(lg_rlp_iter *it, lg_rlp_item *out)
{
    if (!it || !out)
        return LG_ERR_INVALID;
    if (it->left == 0)
        return LG_ERR_NOT_FOUND;
    size_t total = 0;
    if (read_item(out, &total, it->p, it->left) != LG_OK)
        return LG_ERR_INVALID;
    it->p += total;
    it->left -= total;
    return LG_OK;
}

/* The payload of an integer item: a string without a leading zero byte. */
static lg_err int_payload(const lg_rlp_item *item, size_t max)
{
    if (!item || item->is_list || (item->len > 0 && (!item->payload || item->payload[0] == 0)))
        return LG_ERR_INVALID;
    return item->len > max ? LG_ERR_OVERFLOW : LG_OK;
}

lg_err lg_rlp_item_u64(uint64_t *out, const lg_rlp_item *item)
{
    if (!out)
        return LG_ERR_INVALID;
    lg_err err = int_payload(item, 8);
    if (err != LG_OK)
        return err;
    uint64_t v = 0;
    for (size_t i = 0; i < item->len; i++)
        v = (v << 8) | item->payload[i];
    *out = v;
    return LG_OK;
}

lg_err lg_rlp_item_u256(lg_u256 *out, const lg_rlp_item *item)
{
    if (!out)
        return LG_ERR_INVALID;
    lg_err err = int_payload(item, 32);
    if (err != LG_OK)
        return err;
    return lg_u256_from_be(out, item->payload, item->len);
}
