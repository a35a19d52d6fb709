/*
 * rlp.h - Recursive Length Prefix, Ethereum's serialization of transactions.
 *
 * Encoding writes into a caller buffer with a fixed capacity and never allocates: a
 * list's header is inserted when the list is closed, so nested lists need only the
 * mark that lg_rlp_list_begin hands out. Errors are sticky: after the first failure
 * every call returns the same code, so a sequence of puts can be checked once at the
 * end with lg_rlp_finish.
 *
 * Decoding accepts canonical RLP only, as consensus does: a single byte below 0x80
 * must be itself, lengths use the short form when they can, long-form lengths have no
 * leading zero bytes, integers have no leading zero bytes. Nothing is read past the
 * input and nesting is bounded by LG_RLP_MAX_DEPTH. Decoded items point into the
 * input; nothing is copied.
 */
#ifndef LENDGATE_RLP_H
#define LENDGATE_RLP_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/u256.h>

#define LG_RLP_MAX_DEPTH 32

typedef struct lg_rlp_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    unsigned open_lists; /* lists begun and not yet ended */
    lg_err err;
} lg_rlp_writer;

/* Starts writing into buf[0..cap). Returns LG_OK, LG_ERR_INVALID (NULL w, or NULL buf
 * with cap > 0; the writer then fails every call). */
lg_err lg_rlp_writer_init(lg_rlp_writer *w, uint8_t *buf, size_t cap);

/* Appends a byte string. p may be NULL when len is 0.
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (capacity). */
lg_err lg_rlp_put_bytes(lg_rlp_writer *w, const uint8_t *p, size_t len);

/* Appends an integer as its minimal big-endian bytes (0 is the empty string).
 * Returns as lg_rlp_put_bytes. */
lg_err lg_rlp_put_u64(lg_rlp_writer *w, uint64_t v);
lg_err lg_rlp_put_u256(lg_rlp_writer *w, const lg_u256 *v);

/* Opens a list; *mark must be handed to the matching lg_rlp_list_end.
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW. */
lg_err lg_rlp_list_begin(lg_rlp_writer *w, size_t *mark);

/* Closes the list opened at mark, inserting its header before its items.
 * Returns LG_OK, LG_ERR_INVALID (NULL, a mark that is not open), LG_ERR_OVERFLOW. */
lg_err lg_rlp_list_end(lg_rlp_writer *w, size_t mark);

/* Appends bytes as they are (an item encoded elsewhere, or a type byte before RLP).
 * Returns as lg_rlp_put_bytes. */
lg_err lg_rlp_put_raw(lg_rlp_writer *w, const uint8_t *p, size_t len);

/* Ends writing: *len receives the bytes written. Returns the first error of the
 * sequence, or LG_ERR_INVALID when a list is still open, or LG_OK. */
lg_err lg_rlp_finish(lg_rlp_writer *w, size_t *len);

/* A decoded item: a byte string or a list, with its payload (a list's payload is the
 * concatenation of its items' encodings). */
typedef struct lg_rlp_item {
    int is_list;
    const uint8_t *payload;
    size_t len;
} lg_rlp_item;

/*
 * Decodes in[0..len), which must be exactly one canonical item, checking every nested
 * item down to LG_RLP_MAX_DEPTH levels.
 * Returns LG_OK, LG_ERR_INVALID (NULL, empty, non-canonical, truncated, trailing
 * bytes, too deep).
 */
lg_err lg_rlp_decode(lg_rlp_item *out, const uint8_t *in, size_t len);

/* Walks a list's items in order. */
typedef struct lg_rlp_iter {
    const uint8_t *p;
    size_t left;
} lg_rlp_iter;

/* Starts walking list. Returns LG_OK, LG_ERR_INVALID (NULL, or item is not a list). */
lg_err lg_rlp_iter_init(lg_rlp_iter *it, const lg_rlp_item *list);

/* Reads the next item's header into *out (nested items are not re-checked: decode the
 * whole input with lg_rlp_decode first).
 * Returns LG_OK, LG_ERR_NOT_FOUND (no more items), LG_ERR_INVALID (NULL, malformed). */
lg_err lg_rlp_iter_next(lg_rlp_iter *it, lg_rlp_item *out);

/* Reads a string item as a canonical integer (no leading zero byte).
 * Returns LG_OK, LG_ERR_INVALID (NULL, a list, a leading zero), LG_ERR_OVERFLOW. */
lg_err lg_rlp_item_u64(uint64_t *out, const lg_rlp_item *item);
lg_err lg_rlp_item_u256(lg_u256 *out, const lg_rlp_item *item);

#endif
