/*
 * abi.h - Solidity ABI: function selectors, call data for the static types the
 * contracts take (uint256, address, bool, bytes32) and dynamic bytes/string, decoding
 * of return data, and revert reasons.
 *
 * Encoding writes into a caller buffer: the writer knows the number of arguments up
 * front, so heads are filled in place and dynamic data is appended after them without
 * moving anything. Errors are sticky until lg_abi_finish.
 *
 * Decoding reads the return data of one call (without a selector) by argument index.
 * Everything is bounds-checked against the data's length: an offset or length that
 * points outside it, or does not fit in size_t, is LG_ERR_INVALID, never a read past
 * the end. Values must be clean: an address's upper 12 bytes and a bool's upper 31
 * bytes must be zero, as Solidity's own decoder demands. No allocation.
 */
#ifndef LENDGATE_ABI_H
#define LENDGATE_ABI_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/address.h>
#include <lendgate/error.h>
#include <lendgate/u256.h>

#define LG_ABI_SELECTOR_LEN 4
#define LG_ABI_WORD         32

/*
 * out = first 4 bytes of keccak256(signature), e.g. "transfer(address,uint256)".
 * The signature must be canonical: a name, "(", types separated by "," without spaces,
 * ")". Returns LG_OK, LG_ERR_INVALID (NULL or not of that shape).
 */
lg_err lg_abi_selector(uint8_t out[LG_ABI_SELECTOR_LEN], const char *signature);

/* out = keccak256(signature): the topic 0 of an event such as
 * "Transfer(address,address,uint256)". Returns as lg_abi_selector. */
lg_err lg_abi_event_topic(uint8_t out[LG_ABI_WORD], const char *signature);

typedef struct lg_abi_writer {
    uint8_t *buf;
    size_t cap;
    size_t head;  /* offset of the first argument word (after the selector) */
    size_t nargs; /* head words announced */
    size_t next;  /* next head word to fill */
    size_t len;   /* bytes written so far, tails included */
    lg_err err;
} lg_abi_writer;

/*
 * Starts call data (selector may be NULL for bare arguments) with nargs arguments in
 * buf[0..cap). Returns LG_OK, LG_ERR_INVALID (NULL w or buf), LG_ERR_OVERFLOW (the
 * selector and heads do not fit).
 */
lg_err lg_abi_writer_init(lg_abi_writer *w, uint8_t *buf, size_t cap,
                          const uint8_t selector[LG_ABI_SELECTOR_LEN], size_t nargs);

/* Each put fills the next argument. Returns LG_OK, LG_ERR_INVALID (NULL, more
 * arguments than announced), LG_ERR_OVERFLOW (capacity). */
lg_err lg_abi_put_uint256(lg_abi_writer *w, const lg_u256 *v);
lg_err lg_abi_put_u64(lg_abi_writer *w, uint64_t v);
lg_err lg_abi_put_address(lg_abi_writer *w, const uint8_t addr[LG_ADDRESS_LEN]);
lg_err lg_abi_put_bool(lg_abi_writer *w, int v);
lg_err lg_abi_put_bytes32(lg_abi_writer *w, const uint8_t v[LG_ABI_WORD]);
/* Dynamic bytes: an offset in the head, length and zero-padded data in the tail. p may
 * be NULL when len is 0. */
lg_err lg_abi_put_bytes(lg_abi_writer *w, const uint8_t *p, size_t len);
lg_err lg_abi_put_string(lg_abi_writer *w, const char *s);

/* Ends the call data: *len receives its size. Returns the first error, or
 * LG_ERR_INVALID when fewer arguments were put than announced, or LG_OK. */
lg_err lg_abi_finish(lg_abi_writer *w, size_t *len);

/* Decoders: argument index of data[0..len). Return LG_OK, LG_ERR_INVALID (NULL,
 * out of bounds, unclean value), LG_ERR_OVERFLOW (a value too big for the output). */
lg_err lg_abi_get_uint256(lg_u256 *out, const uint8_t *data, size_t len, size_t index);
lg_err lg_abi_get_u64(uint64_t *out, const uint8_t *data, size_t len, size_t index);
lg_err lg_abi_get_address(uint8_t out[LG_ADDRESS_LEN], const uint8_t *data, size_t len,
                          size_t index);
lg_err lg_abi_get_bool(int *out, const uint8_t *data, size_t len, size_t index);
lg_err lg_abi_get_bytes32(uint8_t out[LG_ABI_WORD], const uint8_t *data, size_t len, size_t index);
/* Dynamic bytes: *out points into data (not copied), *outlen is their length. */
lg_err lg_abi_get_bytes(const uint8_t **out, size_t *outlen, const uint8_t *data, size_t len,
                        size_t index);
/* Dynamic string copied into out (capacity cap) and NUL-terminated; LG_ERR_INVALID when
 * it contains a NUL byte, LG_ERR_OVERFLOW when it does not fit. */
lg_err lg_abi_get_string(char *out, size_t cap, const uint8_t *data, size_t len, size_t index);

typedef enum {
    LG_REVERT_EMPTY = 0,  /* no return data: revert() or require without message */
    LG_REVERT_ERROR = 1,  /* Error(string), selector 0x08c379a0 */
    LG_REVERT_PANIC = 2,  /* Panic(uint256), selector 0x4e487b71 */
    LG_REVERT_CUSTOM = 3, /* any other selector: a custom error */
} lg_revert_kind;

#define LG_REVERT_MSG_LEN 256

typedef struct lg_revert {
    lg_revert_kind kind;
    uint8_t selector[LG_ABI_SELECTOR_LEN]; /* zero for LG_REVERT_EMPTY */
    lg_u256 panic_code;                    /* LG_REVERT_PANIC only */
    /* Printable ASCII (other bytes shown as '?', cut to fit): the Error(string) text,
     * the panic's meaning ("panic 0x11: arithmetic underflow or overflow"), or
     * "custom error 0x1234abcd". Safe to put in an error message. */
    char message[LG_REVERT_MSG_LEN];
} lg_revert;

/* Decodes the return data of a reverted call into *out.
 * Returns LG_OK, LG_ERR_INVALID (NULL, or Error/Panic data that is malformed; shorter
 * than a selector). */
lg_err lg_abi_decode_revert(lg_revert *out, const uint8_t *data, size_t len);

/* Meaning of a Solidity panic code ("division or modulo by zero"); "unknown panic
 * code" for others; never NULL. */
const char *lg_abi_panic_reason(const lg_u256 *code);

#endif
