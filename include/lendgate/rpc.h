/*
 * rpc.h - a JSON-RPC 2.0 client for the chain node, on libcurl and json-c.
 *
 * One lg_rpc holds ONE libcurl easy handle, reused for every call, so the connection
 * to the node stays open (HTTP keep-alive) across requests. A handle belongs to the
 * process that opened it: a prefork worker opens its own after fork(); a call from
 * another process is refused with LG_ERR_STATE instead of sharing a socket.
 *
 * Every call is bounded in time: connect_timeout_ms for the TCP/TLS connect and one
 * deadline of request_timeout_ms for the whole call, retries included. Response
 * bodies are bounded too (LG_RPC_MAX_RESPONSE by default) and refused beyond.
 *
 * Retries (up to `retries`, backoff 50 ms doubling, inside the same deadline) happen
 * only where repeating a request cannot change the chain twice: the read methods, and
 * eth_sendRawTransaction of the same signed bytes (the transaction hash is fixed by
 * the bytes, so a second copy is the same transaction). They are made only for
 * failures before an answer arrived (connection refused or reset, empty reply, HTTP
 * 429/502/503/504); a timeout is never retried (it has used the deadline up), and an
 * answer from the node, even an error, is final.
 *
 * Errors: LG_ERR_IO when the node cannot be reached (refused, DNS, reset),
 * LG_ERR_TIMEOUT when it does not answer in time, LG_ERR_RPC when it answers with a
 * JSON-RPC error or with something that is not a JSON-RPC response, LG_ERR_REVERTED
 * when the error carries revert data or says the execution reverted. The details of
 * the last failure of a handle are in lg_rpc_last_error(): the node's code and message
 * and, for a revert, the revert data decoded by lg_abi_decode_revert. Neither the URL
 * (it may embed a provider key) nor any key material ever appears in them.
 */
#ifndef LENDGATE_RPC_H
#define LENDGATE_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/abi.h>
#include <lendgate/address.h>
#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/u256.h>

struct json_object;

#define LG_RPC_MAX_RESPONSE    ((size_t)8 << 20) /* default bound of a response body */
#define LG_RPC_MSG_LEN         512               /* error message kept, NUL included */
#define LG_RPC_DATA_MAX        4096              /* revert data kept, in bytes */
#define LG_RPC_HASH_LEN        32
#define LG_RPC_MAX_TOPICS      4
#define LG_RPC_FEE_HISTORY_MAX 32         /* blocks one eth_feeHistory may ask for */
#define LG_BLOCK_LATEST        UINT64_MAX /* block argument meaning the "latest" tag */

typedef struct lg_rpc lg_rpc;

/* What went wrong in the last failed call of a handle. */
typedef struct lg_rpc_error {
    lg_err err;                   /* the code the call returned */
    int from_node;                /* 1: code and message come from a JSON-RPC error object */
    int64_t code;                 /* the node's error code (0 when from_node is 0) */
    char message[LG_RPC_MSG_LEN]; /* the node's message, or what failed locally;
                                     printable ASCII, cut to fit */
    int has_data; /* revert data found in the error (error.data or error.data.data) */
    uint8_t data[LG_RPC_DATA_MAX];
    size_t data_len;
    int has_revert;   /* data (or an empty revert) decoded into revert */
    lg_revert revert; /* revert.message is the reason: "Vault: credit line inactive" */
} lg_rpc_error;

/* Clears e to "no error". NULL is fine. */
void lg_rpc_error_clear(lg_rpc_error *e);

/* The most useful text of e for a person: the decoded revert reason when there is
 * one, else the message; "" for NULL or no error. Points into e. */
const char *lg_rpc_error_text(const lg_rpc_error *e);

typedef struct lg_rpc_opts {
    const char *url;             /* http:// or https:// */
    uint64_t connect_timeout_ms; /* > 0 */
    uint64_t request_timeout_ms; /* > 0: bound of one call, retries included */
    unsigned retries;            /* extra attempts for the safe calls above */
    size_t max_response;         /* bytes; 0 = LG_RPC_MAX_RESPONSE */
} lg_rpc_opts;

/*
 * Opens a client. No connection is made until the first call. *out is owned by the
 * caller and released with lg_rpc_close(); the URL is copied.
 * Returns LG_OK, LG_ERR_INVALID (NULL, empty URL, a zero timeout), LG_ERR_CONFIG (a URL
 * that is not http or https), LG_ERR_NOMEM (also when libcurl cannot start).
 */
lg_err lg_rpc_open(lg_rpc **out, const lg_rpc_opts *opts);

/* lg_rpc_open with [chain] rpc_url, connect_timeout_ms, request_timeout_ms and
 * rpc_retries from cfg. Returns as lg_rpc_open. */
lg_err lg_rpc_open_config(lg_rpc **out, const lg_config *cfg);

/* Closes the connection and frees the handle. NULL is fine. */
void lg_rpc_close(lg_rpc *rpc);

/* Bounds every later call of rpc, retries included, by mono_ms (lg_time_mono_ms's
 * clock) besides its own request_timeout_ms; 0 lifts the bound. A call past it is
 * LG_ERR_TIMEOUT. How a short-lived read is held to a shorter time than a send. */
void lg_rpc_set_deadline(lg_rpc *rpc, int64_t mono_ms);

/* Told of every call rpc makes once it ended: the method, its result (LG_OK, or the
 * call's error) and how long it took in microseconds, retries included. For metrics
 * and timing: it must not call rpc. */
typedef void (*lg_rpc_observer_fn)(void *ctx, const char *method, lg_err result,
                                   int64_t elapsed_us);

/* Sets (or, with fn NULL, clears) the observer of rpc. NULL rpc is fine. */
void lg_rpc_set_observer(lg_rpc *rpc, lg_rpc_observer_fn fn, void *ctx);

/* The last failure of rpc (err is LG_OK after a successful call). Never NULL for a
 * non-NULL rpc; valid until the next call on rpc. */
const lg_rpc_error *lg_rpc_last_error(const lg_rpc *rpc);

/* Records a failure found above the transport (a call whose return data does not
 * decode) as rpc's last error, so that callers find it where they look for the
 * others. fmt must not carry secrets. Returns err. */
lg_err lg_rpc_fail(lg_rpc *rpc, lg_err err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Number of TCP connections the handle has opened so far (keep-alive shows as 1). */
long lg_rpc_connections(const lg_rpc *rpc);

/* ------------------------------------------------------------ pure parsing */

/*
 * Parses one JSON-RPC 2.0 response body[0..len) (not NUL-terminated) that answers the
 * request with id want_id: an object with "jsonrpc":"2.0", the same integer "id", and
 * exactly one of "result" and "error". Nesting is bounded; trailing bytes are refused.
 * On LG_OK *result holds a new reference to the result (NULL for a JSON null result,
 * e.g. a receipt not mined yet) that the caller releases with json_object_put().
 * On failure *result is NULL and err (may be NULL) tells why.
 * Returns LG_OK, LG_ERR_INVALID (NULL body or result), LG_ERR_RPC (an error object, or
 * not a well-formed response: then err->from_node is 0), LG_ERR_REVERTED (an error
 * object with revert data or saying "execution reverted").
 */
lg_err lg_rpc_parse_response(const char *body, size_t len, int64_t want_id,
                             struct json_object **result, lg_rpc_error *err);

/* Parses a JSON-RPC quantity ("0x0", "0x1a"; no leading zeros, no empty digits) that
 * must fit 64 bits. Returns LG_OK, LG_ERR_INVALID (NULL, syntax), LG_ERR_OVERFLOW. */
lg_err lg_rpc_quantity_u64(uint64_t *out, const char *text);

/*
 * Decodes JSON-RPC data ("0x" and an even number of hex digits, "0x" for none) of at
 * most max bytes into a new buffer. *out is malloc'd (never NULL on LG_OK, even for
 * zero bytes) and freed by the caller with free().
 * Returns LG_OK, LG_ERR_INVALID (NULL, syntax), LG_ERR_OVERFLOW (more than max bytes),
 * LG_ERR_NOMEM.
 */
lg_err lg_rpc_data_decode(uint8_t **out, size_t *len, const char *text, size_t max);

/* One event log. data is malloc'd and owned by the log. */
typedef struct lg_eth_log {
    uint8_t address[LG_ADDRESS_LEN];
    uint8_t topics[LG_RPC_MAX_TOPICS][32];
    size_t ntopics;
    uint8_t *data;
    size_t data_len;
    uint64_t block_number;
    uint64_t log_index;
    uint8_t tx_hash[LG_RPC_HASH_LEN];
} lg_eth_log;

/* Frees the data of n logs and the array itself. NULL is fine. */
void lg_eth_logs_free(lg_eth_log *logs, size_t n);

/* A mined transaction's receipt. logs is a malloc'd array owned by the receipt. */
typedef struct lg_receipt {
    uint8_t tx_hash[LG_RPC_HASH_LEN];
    uint64_t block_number;
    int status; /* 1 success, 0 reverted */
    uint64_t gas_used;
    uint64_t effective_gas_price; /* 0 when the node does not report it */
    uint8_t from[LG_ADDRESS_LEN];
    int has_to;
    uint8_t to[LG_ADDRESS_LEN];
    lg_eth_log *logs;
    size_t nlogs;
} lg_receipt;

/* Frees the logs of r and zeroes it. NULL is fine. */
void lg_receipt_release(lg_receipt *r);

/*
 * Fills *out from the result of eth_getTransactionReceipt (an object; NULL means the
 * node returned null: not mined yet). status, blockNumber, gasUsed, transactionHash
 * and logs are required; each log needs address, topics (at most 4) and data.
 * On success the caller releases *out with lg_receipt_release(); on error *out is
 * zeroed and owns nothing.
 * Returns LG_OK, LG_ERR_NOT_FOUND (NULL result), LG_ERR_RPC (a field missing or
 * malformed), LG_ERR_NOMEM, LG_ERR_INVALID (NULL out).
 */
lg_err lg_rpc_parse_receipt(lg_receipt *out, const struct json_object *result);

/* Fills *out from one log object (of a receipt or of eth_getLogs). On success the
 * caller frees out->data; on error *out is zeroed. Returns LG_OK, LG_ERR_RPC
 * (malformed), LG_ERR_NOMEM, LG_ERR_INVALID (NULL). */
lg_err lg_rpc_parse_log(lg_eth_log *out, const struct json_object *obj);

/* ------------------------------------------------------------------ methods */

/* eth_chainId into *chain_id. Returns LG_OK or a call error (see the top). */
lg_err lg_rpc_chain_id(lg_rpc *rpc, uint64_t *chain_id);

/* Compares eth_chainId with want (the [chain] chain_id): a node of another chain is
 * refused, so that nothing is ever signed for it. Returns LG_OK, LG_ERR_CONFIG (another
 * chain; the message names both ids), or a call error. */
lg_err lg_rpc_check_chain(lg_rpc *rpc, uint64_t want);

/* eth_blockNumber. Returns LG_OK or a call error. */
lg_err lg_rpc_block_number(lg_rpc *rpc, uint64_t *number);

/* A call or transaction to estimate. from may be NULL; value NULL means zero; data may
 * be NULL when data_len is 0. */
typedef struct lg_rpc_call_args {
    const uint8_t *from;
    const uint8_t *to;
    const lg_u256 *value;
    const uint8_t *data;
    size_t data_len;
} lg_rpc_call_args;

/*
 * eth_call at block (a number, or LG_BLOCK_LATEST). *out is malloc'd return data
 * (never NULL on LG_OK) freed by the caller with free(); on error it is NULL.
 * Returns LG_OK, LG_ERR_REVERTED (reason in lg_rpc_last_error()), LG_ERR_INVALID (NULL
 * argument), or a call error.
 */
lg_err lg_rpc_eth_call(lg_rpc *rpc, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                       uint64_t block);

/* eth_estimateGas into *gas. Returns LG_OK, LG_ERR_REVERTED (a reverting call, reason
 * in lg_rpc_last_error()), LG_ERR_INVALID, or a call error. */
lg_err lg_rpc_estimate_gas(lg_rpc *rpc, uint64_t *gas, const lg_rpc_call_args *args);

/*
 * eth_sendRawTransaction of raw[0..len); hash receives keccak256(raw), the id of the
 * transaction, which the node's answer must repeat. Safe to call again with the same
 * bytes (and retried as such). Node answers that mean "this very transaction is
 * already there" count as success:
 *   - "already known" / "known transaction" / "already imported": the pool holds it;
 *   - "nonce too low": success only when eth_getTransactionByHash finds this hash
 *     (the same bytes were mined earlier); otherwise the nonce was used by another
 *     transaction and the error stands.
 * Returns LG_OK, LG_ERR_INVALID (NULL, empty raw), LG_ERR_RPC (refused; the node's
 * message in lg_rpc_last_error(), or an answer with another hash), or a call error.
 */
lg_err lg_rpc_send_raw(lg_rpc *rpc, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw, size_t len);

/*
 * eth_getTransactionReceipt. On LG_OK the caller releases *out with
 * lg_receipt_release(). Returns LG_OK, LG_ERR_NOT_FOUND (not mined, or unknown),
 * LG_ERR_INVALID, or a call error.
 */
lg_err lg_rpc_get_receipt(lg_rpc *rpc, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN]);

/*
 * Polls eth_getTransactionReceipt every poll_ms until the transaction is mined or
 * timeout_ms have passed (0: ask once). Never runs past the timeout: the last poll's
 * request is cut to the time that is left. On LG_OK release *out as above.
 * Returns LG_OK, LG_ERR_TIMEOUT (not mined in time), LG_ERR_INVALID, or a call error.
 */
lg_err lg_rpc_wait_receipt(lg_rpc *rpc, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                           uint64_t timeout_ms, uint64_t poll_ms);

/* eth_getTransactionCount(address, "pending"): the next nonce the node expects.
 * Returns LG_OK or a call error. */
lg_err lg_rpc_get_nonce(lg_rpc *rpc, uint64_t *nonce, const uint8_t address[LG_ADDRESS_LEN]);

/* eth_getBalance(address, "latest") in wei. Returns LG_OK or a call error. */
lg_err lg_rpc_get_balance(lg_rpc *rpc, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN]);

/* What the node knows of a transaction (eth_getTransactionByHash). */
typedef struct lg_rpc_tx_info {
    int mined; /* 1 with block_number set; 0 while it waits in the pool */
    uint64_t block_number;
    uint64_t nonce;
    uint8_t from[LG_ADDRESS_LEN];
} lg_rpc_tx_info;

/* Returns LG_OK, LG_ERR_NOT_FOUND (the node does not know the hash: never seen, or
 * dropped from its pool), LG_ERR_RPC (malformed answer), or a call error. */
lg_err lg_rpc_get_tx(lg_rpc *rpc, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN]);

/* Filter of eth_getLogs. NULL pointers mean "any"; blocks may be LG_BLOCK_LATEST. */
typedef struct lg_rpc_log_filter {
    const uint8_t *address;
    const uint8_t *topics[LG_RPC_MAX_TOPICS];
    uint64_t from_block;
    uint64_t to_block;
} lg_rpc_log_filter;

/* eth_getLogs. *logs is freed by the caller with lg_eth_logs_free(*logs, *n) (NULL and
 * 0 when none match). Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOMEM, LG_ERR_RPC, or a
 * call error. */
lg_err lg_rpc_get_logs(lg_rpc *rpc, lg_eth_log **logs, size_t *n, const lg_rpc_log_filter *f);

/* The answer of eth_feeHistory(blocks, "latest", [percentile]). */
typedef struct lg_fee_history {
    uint64_t oldest_block;
    size_t nblocks;                                /* blocks with a reward */
    uint64_t base_fee[LG_RPC_FEE_HISTORY_MAX + 1]; /* nblocks + 1 (the next block) */
    uint64_t reward[LG_RPC_FEE_HISTORY_MAX];       /* the percentile's priority fee */
} lg_fee_history;

/* eth_feeHistory for 1..LG_RPC_FEE_HISTORY_MAX blocks at percentile (0..100).
 * Returns LG_OK, LG_ERR_INVALID, LG_ERR_RPC (malformed or missing rewards), or a call
 * error. */
lg_err lg_rpc_fee_history(lg_rpc *rpc, lg_fee_history *out, unsigned blocks, unsigned percentile);

/* eth_maxPriorityFeePerGas. Returns LG_OK or a call error (LG_ERR_RPC on nodes that
 * lack the method). */
lg_err lg_rpc_max_priority_fee(lg_rpc *rpc, uint64_t *wei);

/* eth_gasPrice. Returns LG_OK or a call error. */
lg_err lg_rpc_gas_price(lg_rpc *rpc, uint64_t *wei);

/* baseFeePerGas of eth_getBlockByNumber("latest"); *has_base_fee is 0 (and *wei 0) on
 * a chain without EIP-1559. Returns LG_OK or a call error. */
lg_err lg_rpc_latest_base_fee(lg_rpc *rpc, int *has_base_fee, uint64_t *wei);

/*
 * Any method, for tools and tests (evm_mine, evm_setAutomine): params_json is a JSON
 * array ("[]" when NULL). idempotent says whether a retry is safe. *result_json (may
 * be NULL) receives the result as JSON text ("null" included), malloc'd, freed by the
 * caller with free(). Returns LG_OK, LG_ERR_INVALID (NULL method, params not an array),
 * LG_ERR_NOMEM, or a call error.
 */
lg_err lg_rpc_call_raw(lg_rpc *rpc, const char *method, const char *params_json, int idempotent,
                       char **result_json);

#endif
