/* abi.c - Solidity ABI encoding into bounded buffers, checked decoding, revert data. */
#include "config.h"

#include <lendgate/abi.h>
#include <lendgate/keccak.h>

#include <stdio.h>
#include <string.h>

static int ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           (!first && c >= '0' && c <= '9');
}

/* name(types): an identifier, then balanced parentheses over type characters only. */
static int signature_valid(const char *s)
{
    size_t i = 0;
    while (ident_char(s[i], i == 0))
        i++;
    if (i == 0 || s[i] != '(')
        return 0;
    int depth = 0;
    for (; s[i]; i++) {
        char c = s[i];
        if (c == '(')
            depth++;
        else if (c == ')' && --depth < 0)
            return 0;
        else if (c != ')' && !ident_char(c, 0) && c != ',' && c != '[' && c != ']')
            return 0;
        if (depth == 0 && s[i + 1] != '\0')
            return 0;
    }
    return depth == 0;
}

lg_err lg_abi_event_topic(uint8_t out[LG_ABI_WORD], const char *signature)
{
    if (!out || !signature || !signature_valid(signature))
        return LG_ERR_INVALID;
    return lg_keccak256(out, signature, strlen(signature)) ? LG_OK : LG_ERR_CRYPTO;
}

lg_err lg_abi_selector(uint8_t out[LG_ABI_SELECTOR_LEN], const char *signature)
{
    uint8_t h[LG_ABI_WORD];
    if (!out)
        return LG_ERR_INVALID;
    lg_err err = lg_abi_event_topic(h, signature);
    if (err == LG_OK)
        memcpy(out, h, LG_ABI_SELECTOR_LEN);
    return err;
}

static lg_err fail(lg_abi_writer *w, lg_err err)
{
    if (w->err == LG_OK)
        w->err = err;
    return w->err;
}

lg_err lg_abi_writer_init(lg_abi_writer *w, uint8_t *buf, size_t cap,
                          const uint8_t selector[LG_ABI_SELECTOR_LEN], size_t nargs)
{
    if (!w)
        return LG_ERR_INVALID;
    memset(w, 0, sizeof *w);
    if (!buf)
        return fail(w, LG_ERR_INVALID);
    size_t sel = selector ? LG_ABI_SELECTOR_LEN : 0;
    if (cap < sel || nargs > (cap - sel) / LG_ABI_WORD)
        return fail(w, LG_ERR_OVERFLOW);
    w->buf = buf;
    w->cap = cap;
    if (selector)
        memcpy(buf, selector, sel);
    w->head = sel;
    w->nargs = nargs;
    w->len = sel + nargs * LG_ABI_WORD;
    memset(buf + sel, 0, nargs * LG_ABI_WORD);
    return LG_OK;
}

/* The next head word, or NULL (and the writer failed) when all were filled. */
static uint8_t *next_word(lg_abi_writer *w)
{
    if (w->err != LG_OK)
        return NULL;
    if (w->next >= w->nargs) {
        fail(w, LG_ERR_INVALID);
        return NULL;
    }
    return w->buf + w->head + LG_ABI_WORD * w->next++;
}

lg_err lg_abi_put_bytes32(lg_abi_writer *w, const uint8_t v[LG_ABI_WORD])
{
    if (!w)
        return LG_ERR_INVALID;
    if (!v)
        return fail(w, LG_ERR_INVALID);
    uint8_t *word = next_word(w);
    if (!word)
        return w->err;
    memcpy(word, v, LG_ABI_WORD);
    return LG_OK;
}

lg_err lg_abi_put_uint256(lg_abi_writer *w, const lg_u256 *v)
{
    return lg_abi_put_bytes32(w, v ? v->b : NULL);
}

lg_err lg_abi_put_u64(lg_abi_writer *w, uint64_t v)
{
    lg_u256 u;
    lg_u256_from_u64(&u, v);
    return lg_abi_put_uint256(w, &u);
}

lg_err lg_abi_put_address(lg_abi_writer *w, const uint8_t addr[LG_ADDRESS_LEN])
{
    uint8_t word[LG_ABI_WORD] = {0};
    if (addr)
        memcpy(word + 12, addr, LG_ADDRESS_LEN);
    return lg_abi_put_bytes32(w, addr ? word : NULL);
}

lg_err lg_abi_put_bool(lg_abi_writer *w, int v)
{
    return lg_abi_put_u64(w, v ? 1 : 0);
}

lg_err lg_abi_put_bytes(lg_abi_writer *w, const uint8_t *p, size_t len)
{
    if (!w)
        return LG_ERR_INVALID;
    if (!p && len > 0)
        return fail(w, LG_ERR_INVALID);
    size_t padded = len + (LG_ABI_WORD - len % LG_ABI_WORD) % LG_ABI_WORD;
    if (w->err == LG_OK &&
        (padded < len || padded > w->cap - w->len || w->cap - w->len - padded < LG_ABI_WORD))
        return fail(w, LG_ERR_OVERFLOW);
    uint8_t *word = next_word(w);
    if (!word)
        return w->err;
    /* Offsets count from the first argument word, not from the selector. */
    lg_u256 off;
    lg_u256_from_u64(&off, (uint64_t)(w->len - w->head));
    memcpy(word, off.b, LG_ABI_WORD);
    lg_u256 n;
    lg_u256_from_u64(&n, (uint64_t)len);
    memcpy(w->buf + w->len, n.b, LG_ABI_WORD);
    memset(w->buf + w->len + LG_ABI_WORD, 0, padded);
    if (len > 0)
        memcpy(w->buf + w->len + LG_ABI_WORD, p, len);
    w->len += LG_ABI_WORD + padded;
    return LG_OK;
}

lg_err lg_abi_put_string(lg_abi_writer *w, const char *s)
{
    if (!w)
        return LG_ERR_INVALID;
    if (!s)
        return fail(w, LG_ERR_INVALID);
    return lg_abi_put_bytes(w, (const uint8_t *)s, strlen(s));
}

lg_err lg_abi_finish(lg_abi_writer *w, size_t *len)
{
    if (!w || !len)
        return LG_ERR_INVALID;
    *len = 0;
    if (w->err == LG_OK && w->next != w->nargs)
        fail(w, LG_ERR_INVALID);
    if (w->err == LG_OK)
        *len = w->len;
    return w->err;
}

/* The word of argument index, or NULL when it lies outside data. */
static const uint8_t *word_at(const uint8_t *data, size_t len, size_t index)
{
    if (!data || index >= len / LG_ABI_WORD)
        return NULL;
    return data + index * LG_ABI_WORD;
}

/* Reads a word as an offset or a length into data: it must fit in size_t and not
 * exceed len. */
static lg_err word_size(size_t *out, const uint8_t *word, size_t len)
{
    lg_u256 v;
    uint64_t n = 0;
    memcpy(v.b, word, LG_ABI_WORD);
    if (lg_u256_to_u64(&n, &v) != LG_OK || n > len)
        return LG_ERR_INVALID;
    *out = (size_t)n;
    return LG_OK;
}

lg_err lg_abi_get_bytes32(uint8_t out[LG_ABI_WORD], const uint8_t *data, size_t len, size_t index)
{
    const uint8_t *w = word_at(data, len, index);
    if (!out || !w)
        return LG_ERR_INVALID;
    memcpy(out, w, LG_ABI_WORD);
    return LG_OK;
}

lg_err lg_abi_get_uint256(lg_u256 *out, const uint8_t *data, size_t len, size_t index)
{
    return lg_abi_get_bytes32(out ? out->b : NULL, data, len, index);
}

lg_err lg_abi_get_u64(uint64_t *out, const uint8_t *data, size_t len, size_t index)
{
    lg_u256 v;
    if (!out)
        return LG_ERR_INVALID;
    lg_err err = lg_abi_get_uint256(&v, data, len, index);
    return err != LG_OK ? err : lg_u256_to_u64(out, &v);
}

/* 1 when the first n bytes of w are zero. */
static int zero_prefix(const uint8_t *w, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= w[i];
    return acc == 0;
}

lg_err lg_abi_get_address(uint8_t out[LG_ADDRESS_LEN], const uint8_t *data, size_t len,
                          size_t index)
{
    const uint8_t *w = word_at(data, len, index);
    if (!out || !w || !zero_prefix(w, 12))
        return LG_ERR_INVALID;
    memcpy(out, w + 12, LG_ADDRESS_LEN);
    return LG_OK;
}

lg_err lg_abi_get_bool(int *out, const uint8_t *data, size_t len, size_t index)
{
    const uint8_t *w = word_at(data, len, index);
    if (!out || !w || !zero_prefix(w, 31) || w[31] > 1)
        return LG_ERR_INVALID;
    *out = w[31];
    return LG_OK;
}

lg_err lg_abi_get_bytes(const uint8_t **out, size_t *outlen, const uint8_t *data, size_t len,
                        size_t index)
{
    if (!out || !outlen)
        return LG_ERR_INVALID;
    *out = NULL;
    *outlen = 0;
    const uint8_t *w = word_at(data, len, index);
    size_t off = 0, n = 0;
    if (!w || word_size(&off, w, len) != LG_OK || len - off < LG_ABI_WORD)
        return LG_ERR_INVALID;
    if (word_size(&n, data + off, len - off - LG_ABI_WORD) != LG_OK)
        return LG_ERR_INVALID;
    *out = data + off + LG_ABI_WORD;
    *outlen = n;
    return LG_OK;
}

lg_err lg_abi_get_string(char *out, size_t cap, const uint8_t *data, size_t len, size_t index)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    if (!out || cap == 0)
        return LG_ERR_INVALID;
    out[0] = '\0';
    lg_err err = lg_abi_get_bytes(&p, &n, data, len, index);
    if (err != LG_OK)
        return err;
    if (n > 0 && memchr(p, '\0', n))
        return LG_ERR_INVALID;
    if (n >= cap)
        return LG_ERR_OVERFLOW;
    memcpy(out, p, n);
    out[n] = '\0';
    return LG_OK;
}

static const uint8_t error_selector[LG_ABI_SELECTOR_LEN] = {0x08, 0xc3, 0x79, 0xa0};
static const uint8_t panic_selector[LG_ABI_SELECTOR_LEN] = {0x4e, 0x48, 0x7b, 0x71};

const char *lg_abi_panic_reason(const lg_u256 *code)
{
    static const struct {
        uint64_t code;
        const char *text;
    } reasons[] = {
        {0x00, "generic compiler panic"},
        {0x01, "assertion failed"},
        {0x11, "arithmetic underflow or overflow"},
        {0x12, "division or modulo by zero"},
        {0x21, "invalid enum value"},
        {0x22, "incorrectly encoded storage byte array"},
        {0x31, "pop on an empty array"},
        {0x32, "array index out of bounds"},
        {0x41, "too much memory allocated"},
        {0x51, "call to a zero-initialized internal function"},
    };
    uint64_t c = 0;
    if (!code || lg_u256_to_u64(&c, code) != LG_OK)
        return "unknown panic code";
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (reasons[i].code == c)
            return reasons[i].text;
    }
    return "unknown panic code";
}

/* Copies text from the chain into out as printable ASCII, cut to fit. */
static void copy_printable(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[i] = '\0';
}

static lg_err decode_error_string(lg_revert *out, const uint8_t *args, size_t len)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    lg_err err = lg_abi_get_bytes(&p, &n, args, len, 0);
    if (err != LG_OK)
        return err;
    copy_printable(out->message, sizeof out->message, p, n);
    return LG_OK;
}

static lg_err decode_panic(lg_revert *out, const uint8_t *args, size_t len)
{
    lg_err err = lg_abi_get_uint256(&out->panic_code, args, len, 0);
    if (err != LG_OK)
        return err;
    char hex[LG_U256_HEX_LEN];
    lg_u256_to_quantity(hex, sizeof hex, &out->panic_code);
    snprintf(out->message, sizeof out->message, "panic %s: %s", hex,
             lg_abi_panic_reason(&out->panic_code));
    return LG_OK;
}

lg_err lg_abi_decode_revert(lg_revert *out, const uint8_t *data, size_t len)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!data && len > 0)
        return LG_ERR_INVALID;
    if (len == 0) {
        snprintf(out->message, sizeof out->message, "reverted without a reason");
        return LG_OK;
    }
    if (len < LG_ABI_SELECTOR_LEN)
        return LG_ERR_INVALID;
    memcpy(out->selector, data, LG_ABI_SELECTOR_LEN);
    const uint8_t *args = data + LG_ABI_SELECTOR_LEN;
    size_t alen = len - LG_ABI_SELECTOR_LEN;
    lg_err err = LG_OK;
    if (memcmp(data, error_selector, LG_ABI_SELECTOR_LEN) == 0) {
        out->kind = LG_REVERT_ERROR;
        err = decode_error_string(out, args, alen);
    } else if (memcmp(data, panic_selector, LG_ABI_SELECTOR_LEN) == 0) {
        out->kind = LG_REVERT_PANIC;
        err = decode_panic(out, args, alen);
    } else {
        out->kind = LG_REVERT_CUSTOM;
        snprintf(out->message, sizeof out->message, "custom error 0x%02x%02x%02x%02x", data[0],
                 data[1], data[2], data[3]);
    }
    if (err != LG_OK)
        memset(out, 0, sizeof *out);
    return err;
}
