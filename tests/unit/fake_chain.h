/*
 * fake_chain.h - a scripted chain behind the chain table (chain.h), for unit tests of
 * the pipelines: no node, no sockets, no sleeping.
 *
 * The test sets up the world the pipelines read (OAIDs with their owner and credit
 * line, vault positions, USDC allowances, other people's USDC transfers to prove a
 * repayment) and a script of what the node does with each transaction it is sent:
 * mine it, mine it reverted with a reason, keep it in the pool (receipt waits time
 * out), refuse it with a node error, accept and lose it, time out on the call, or end
 * the calling process (a crash between persist and broadcast).
 *
 * Every broadcast is recorded with its raw bytes, decoded (nonce, to, call data) and
 * its signer recovered from the signature, so a test can check what really went out.
 * A transaction mined with status 1 takes effect where the pipelines look: an approve
 * sets the allowance; nothing else changes state. A transaction at the nonce of one
 * in the pool replaces it when both its fees are at least 10 % higher, and is refused
 * ("replacement transaction underpriced") otherwise, as a real pool does.
 *
 * Functions abort the test program when memory runs out; arguments are the test's own
 * constants and are not checked.
 */
#ifndef LENDGATE_TEST_FAKE_CHAIN_H
#define LENDGATE_TEST_FAKE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/chain.h>
#include <lendgate/store.h>

/* What the node does with the next transaction it has not seen before. */
typedef enum fake_answer {
    FAKE_MINED = 0,  /* accepted and mined at once, status 1 (the default) */
    FAKE_REVERTED,   /* accepted and mined with status 0; replaying it reverts with the reason */
    FAKE_POOL,       /* accepted, kept in the pool: receipt waits time out until fake_chain_mine */
    FAKE_NODE_ERROR, /* refused: LG_ERR_RPC with the reason as the node's message */
    FAKE_DROPPED,    /* accepted, then lost: no receipt, unknown to the pool */
    FAKE_SEND_TIMEOUT, /* the call times out (LG_ERR_TIMEOUT); the node never got the bytes */
    FAKE_CRASH         /* the calling process ends (_exit 0) inside the broadcast */
} fake_answer;

/* One broadcast as the node saw it. */
typedef struct fake_send {
    char hash[LG_HASH_LEN]; /* keccak256 of the bytes, 0x + 64 hex */
    char *raw_hex;          /* the bytes as sent, 0x-hex */
    int signed_ok;          /* the signature recovers to from */
    uint8_t from[LG_ADDRESS_LEN];
    uint64_t chain_id;
    uint64_t nonce;
    uint8_t to[LG_ADDRESS_LEN];
    uint8_t data[LG_CALLDATA_MAX];
    size_t data_len;
    uint64_t max_fee, tip; /* EIP-1559 fees per gas, wei */
    fake_answer answer;    /* what the node did with it */
    int again;             /* the node knew these bytes already ("already known") */
} fake_send;

typedef struct fake_chain fake_chain;

/* A new fake with contracts at 0x..0a (OAID), 0x..0b (vault) and 0x..0c (USDC). */
fake_chain *fake_chain_new(void);

/* Frees f and everything it recorded. NULL is fine. */
void fake_chain_free(fake_chain *f);

/* The table the service is opened with (borrowed from f). */
lg_chain *fake_chain_table(fake_chain *f);

/* ------------------------------------------------------------ the world */

/* OAID oaid (decimal) owned by owner ("0x..."), with its credit line in USDC units. */
void fake_chain_set_oaid(fake_chain *f, const char *oaid, const char *owner, uint64_t limit,
                         uint64_t used, int active);

/* The vault position position_id (decimal, non-zero) of oaid, owned by owner. */
void fake_chain_set_position(fake_chain *f, const char *oaid, const char *position_id,
                             const char *owner, int active);

/* USDC allowance(owner, spender); all_ones gives 2^256-1 instead of value. */
void fake_chain_set_allowance(fake_chain *f, const uint8_t owner[LG_ADDRESS_LEN],
                              const uint8_t spender[LG_ADDRESS_LEN], uint64_t value, int all_ones);

/* The USDC allowance the node holds now, saturated to uint64 (UINT64_MAX for more). */
uint64_t fake_chain_allowance(fake_chain *f, const uint8_t owner[LG_ADDRESS_LEN],
                              const uint8_t spender[LG_ADDRESS_LEN]);

/* A mined transaction hash (0x + 64 hex) of somebody else, with status, emitting one
 * USDC Transfer(from, to, value). */
void fake_chain_add_transfer(fake_chain *f, const char *hash, int status, const char *from,
                             const char *to, uint64_t value);

/* ------------------------------------------------------------- the script */

/* Queues what the node does with the next new transaction; reason (may be NULL) is
 * the revert reason or the node's message. Unscripted transactions are mined. */
void fake_chain_script(fake_chain *f, fake_answer answer, const char *reason);

/* Makes the next gas estimate revert with reason (nothing is signed then). */
void fake_chain_estimate_reverts(fake_chain *f, const char *reason);

/* The platform wallet's ether in wei (UINT64_MAX, about 18 ether, until set). */
void fake_chain_set_balance(fake_chain *f, uint64_t wei);

/* The platform wallet's USDC (UINT64_MAX until set). */
void fake_chain_set_usdc(fake_chain *f, uint64_t usdc);

/* Makes every contract read fail with err and message until called with LG_OK. */
void fake_chain_fail_reads(fake_chain *f, lg_err err, const char *message);

/* Calls fn(ctx, hash) at each broadcast, before the node answers it. */
void fake_chain_on_send(fake_chain *f, void (*fn)(void *ctx, const char *hash), void *ctx);

/* ---------------------------------------------------------- what happened */

size_t fake_chain_nsends(const fake_chain *f);

/* The i-th broadcast (0 = first), NULL past the end. */
const fake_send *fake_chain_send_at(const fake_chain *f, size_t i);

/* Broadcasts to `to` whose call data starts with the selector of signature (NULL: any
 * data, "" : none, as a plain transfer of value). */
size_t fake_chain_count(const fake_chain *f, const uint8_t to[LG_ADDRESS_LEN],
                        const char *signature);

/* The node mines a transaction it holds in its pool, with status. */
void fake_chain_mine(fake_chain *f, const char *hash, int status);

/* The vault liquidates position_id (set with fake_chain_set_position) in a new block
 * by transaction hash: a Liquidated(position_id, its owner, debt) log, the position
 * inactive with nothing borrowed. */
void fake_chain_liquidate(fake_chain *f, const char *position_id, uint64_t debt, const char *hash);

/* Liquidation log queries asked so far, and the most blocks one of them covered. */
size_t fake_chain_log_asks(const fake_chain *f);
uint64_t fake_chain_widest_span(const fake_chain *f);

/* n empty blocks on top of the chain: receipts grow deeper. */
void fake_chain_advance(fake_chain *f, uint64_t n);

/* Signed bytes (0x-hex) that reached the node before their sender died: the node
 * mines them now (status 1), without a broadcast being recorded. */
void fake_chain_receive(fake_chain *f, const char *raw_hex);

/* Receipt waits and receipt reads asked so far. */
size_t fake_chain_receipt_asks(const fake_chain *f);

/* Contract reads (ownerOf, getCreditLine, positionOf, getPosition, ...) asked so far. */
size_t fake_chain_reads(const fake_chain *f);

#endif
