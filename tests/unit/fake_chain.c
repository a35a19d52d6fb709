/* fake_chain.c - the scripted chain of fake_chain.h. */
#include "config.h"

#include "fake_chain.h"

#include <lendgate/abi.h>
#include <lendgate/hex.h>
#include <lendgate/keccak.h>
#include <lendgate/rlp.h>
#include <lendgate/signer.h>
#include <lendgate/tx.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ROWS   32
#define MAX_TXS    256
#define MAX_SCRIPT 64
#define REASON_LEN 160

typedef struct oaid_row {
    lg_u256 id;
    uint8_t owner[LG_ADDRESS_LEN];
    lg_credit_line line;
} oaid_row;

typedef struct position_row {
    lg_u256 oaid;
    lg_u256 id;
    lg_vault_position vp;
} position_row;

typedef struct allowance_row {
    uint8_t owner[LG_ADDRESS_LEN];
    uint8_t spender[LG_ADDRESS_LEN];
    lg_u256 value;
} allowance_row;

/* A transaction the node holds: in its pool, or mined. */
typedef struct node_tx {
    uint8_t hash[LG_RPC_HASH_LEN];
    int mined;
    int status;
    uint64_t block;
    uint64_t nonce;
    uint8_t from[LG_ADDRESS_LEN];
    uint8_t to[LG_ADDRESS_LEN];
    uint8_t data[LG_CALLDATA_MAX];
    size_t data_len;
    char reason[REASON_LEN];
    uint64_t max_fee, tip; /* what a replacement must outbid by 10 % */
    int gone;              /* replaced in the pool by a later version at its nonce */
    int transfer;          /* emits a USDC Transfer (an outside transfer) */
    uint8_t tf_from[LG_ADDRESS_LEN];
    uint8_t tf_to[LG_ADDRESS_LEN];
    uint64_t tf_value;
} node_tx;

typedef struct script_row {
    fake_answer answer;
    char reason[REASON_LEN];
} script_row;

struct fake_chain {
    lg_chain table; /* table.priv points back here */
    lg_signer_ctx *ctx;
    oaid_row oaids[MAX_ROWS];
    size_t noaids;
    position_row positions[MAX_ROWS];
    size_t npositions;
    allowance_row allowances[MAX_ROWS];
    size_t nallowances;
    node_tx txs[MAX_TXS];
    size_t ntxs;
    script_row script[MAX_SCRIPT];
    size_t script_head, script_len;
    fake_send *sends;
    size_t nsends, sends_cap;
    lg_rpc_error last;
    uint64_t block;
    uint64_t next_nonce; /* the pending count of the platform wallet */
    uint64_t wei;        /* the platform wallet's ether */
    uint64_t usdc;       /* and its USDC */
    int estimate_reverts;
    char estimate_reason[REASON_LEN];
    lg_err read_err;
    char read_msg[REASON_LEN];
    void (*on_send)(void *ctx, const char *hash);
    void *on_send_ctx;
    size_t receipt_asks;
    size_t reads;                  /* contract reads asked */
    lg_liquidation liqs[MAX_ROWS]; /* the vault's Liquidated logs, in chain order */
    size_t nliqs;
    size_t log_asks;      /* liquidation log queries asked */
    uint64_t widest_span; /* the most blocks one of them covered */
};

static void die(const char *what)
{
    fprintf(stderr, "fake_chain: %s\n", what);
    abort();
}

static fake_chain *self(const lg_chain *c)
{
    return c->priv;
}

/* ------------------------------------------------------------- errors */

static lg_err ok(fake_chain *f)
{
    lg_rpc_error_clear(&f->last);
    return LG_OK;
}

static lg_err fail(fake_chain *f, lg_err err, int from_node, const char *message)
{
    lg_rpc_error_clear(&f->last);
    f->last.err = err;
    f->last.from_node = from_node;
    f->last.code = from_node ? -32000 : 0;
    snprintf(f->last.message, sizeof f->last.message, "%s", message ? message : "");
    return err;
}

static lg_err reverted(fake_chain *f, const char *reason)
{
    fail(f, LG_ERR_REVERTED, 1, "execution reverted");
    f->last.has_revert = 1;
    f->last.revert.kind = LG_REVERT_ERROR;
    snprintf(f->last.revert.message, sizeof f->last.revert.message, "%s", reason);
    return LG_ERR_REVERTED;
}

/* ------------------------------------------------------------- helpers */

static void parse_address(uint8_t out[LG_ADDRESS_LEN], const char *text)
{
    if (lg_address_parse(out, text) != LG_OK)
        die("bad address");
}

static void parse_u256(lg_u256 *out, const char *dec)
{
    if (lg_u256_from_dec(out, dec) != LG_OK)
        die("bad number");
}

static void parse_hash(uint8_t out[LG_RPC_HASH_LEN], const char *hex)
{
    if (lg_hex_decode_fixed(out, LG_RPC_HASH_LEN, hex, LG_HEX_0X) != LG_OK)
        die("bad hash");
}

static int selector_is(const uint8_t *data, size_t len, const char *signature)
{
    uint8_t sel[LG_ABI_SELECTOR_LEN];
    if (!signature)
        return 1;
    if (!*signature)
        return len == 0;
    if (lg_abi_selector(sel, signature) != LG_OK)
        die("bad signature");
    return len >= sizeof sel && memcmp(data, sel, sizeof sel) == 0;
}

static node_tx *find_tx(fake_chain *f, const uint8_t hash[LG_RPC_HASH_LEN])
{
    for (size_t i = 0; i < f->ntxs; i++)
        if (!f->txs[i].gone && memcmp(f->txs[i].hash, hash, LG_RPC_HASH_LEN) == 0)
            return &f->txs[i];
    return NULL;
}

/* The pool's rule for a transaction at the nonce of one it holds: both fees at least
 * 10 % higher, and then the old one leaves the pool. 0 when s is refused. */
static int outbids(fake_chain *f, const fake_send *s)
{
    for (size_t i = 0; i < f->ntxs; i++) {
        node_tx *t = &f->txs[i];
        if (t->gone || t->mined || t->nonce != s->nonce ||
            memcmp(t->from, s->from, LG_ADDRESS_LEN) != 0)
            continue;
        if (s->max_fee * 10 < t->max_fee * 11 || s->tip * 10 < t->tip * 11)
            return 0;
        t->gone = 1;
    }
    return 1;
}

static node_tx *new_tx(fake_chain *f)
{
    if (f->ntxs == MAX_TXS)
        die("too many transactions");
    node_tx *t = &f->txs[f->ntxs++];
    memset(t, 0, sizeof *t);
    return t;
}

static allowance_row *find_allowance(fake_chain *f, const uint8_t owner[LG_ADDRESS_LEN],
                                     const uint8_t spender[LG_ADDRESS_LEN], int create)
{
    for (size_t i = 0; i < f->nallowances; i++)
        if (memcmp(f->allowances[i].owner, owner, LG_ADDRESS_LEN) == 0 &&
            memcmp(f->allowances[i].spender, spender, LG_ADDRESS_LEN) == 0)
            return &f->allowances[i];
    if (!create)
        return NULL;
    if (f->nallowances == MAX_ROWS)
        die("too many allowances");
    allowance_row *a = &f->allowances[f->nallowances++];
    memset(a, 0, sizeof *a);
    memcpy(a->owner, owner, LG_ADDRESS_LEN);
    memcpy(a->spender, spender, LG_ADDRESS_LEN);
    return a;
}

/* A mined transaction takes effect: an approve of USDC sets the allowance. */
static void mine(fake_chain *f, node_tx *t, int status)
{
    t->mined = 1;
    t->status = status;
    t->block = ++f->block;
    if (status != 1 || memcmp(t->to, f->table.usdc, LG_ADDRESS_LEN) != 0 ||
        !selector_is(t->data, t->data_len, "approve(address,uint256)") || t->data_len != 68)
        return;
    allowance_row *a = find_allowance(f, t->from, t->data + 4 + 12, 1);
    memcpy(a->value.b, t->data + 36, sizeof a->value.b);
}

/* ---------------------------------------------------- decoding a signed tx */

static void pad32(uint8_t out[32], const lg_rlp_item *it)
{
    memset(out, 0, 32);
    if (it->len <= 32)
        memcpy(out + 32 - it->len, it->payload, it->len);
}

/* Fills s from the type-2 transaction raw[0..len): its fields, and its signer
 * recovered from the signature. Returns 0 when the bytes are not such a transaction. */
static int decode(fake_chain *f, const uint8_t *raw, size_t len, fake_send *s)
{
    lg_rlp_item list, it[12], extra;
    lg_rlp_iter iter;
    lg_tx1559 tx;
    uint64_t y = 0;
    memset(&tx, 0, sizeof tx);
    if (len < 2 || raw[0] != 0x02 || lg_rlp_decode(&list, raw + 1, len - 1) != LG_OK ||
        lg_rlp_iter_init(&iter, &list) != LG_OK)
        return 0;
    for (size_t i = 0; i < 12; i++)
        if (lg_rlp_iter_next(&iter, &it[i]) != LG_OK)
            return 0;
    if (lg_rlp_iter_next(&iter, &extra) != LG_ERR_NOT_FOUND)
        return 0;
    if (lg_rlp_item_u64(&tx.chain_id, &it[0]) != LG_OK ||
        lg_rlp_item_u64(&tx.nonce, &it[1]) != LG_OK ||
        lg_rlp_item_u64(&tx.max_priority_fee_per_gas, &it[2]) != LG_OK ||
        lg_rlp_item_u64(&tx.max_fee_per_gas, &it[3]) != LG_OK ||
        lg_rlp_item_u64(&tx.gas_limit, &it[4]) != LG_OK || it[5].is_list || it[5].len != 20 ||
        lg_rlp_item_u256(&tx.value, &it[6]) != LG_OK || it[7].is_list ||
        it[7].len > LG_CALLDATA_MAX || !it[8].is_list || it[8].len != 0 ||
        lg_rlp_item_u64(&y, &it[9]) != LG_OK || y > 1 || it[10].len > 32 || it[11].len > 32)
        return 0;
    memcpy(tx.to, it[5].payload, LG_ADDRESS_LEN);
    tx.data = it[7].len ? it[7].payload : NULL;
    tx.data_len = it[7].len;
    s->chain_id = tx.chain_id;
    s->nonce = tx.nonce;
    s->max_fee = tx.max_fee_per_gas;
    s->tip = tx.max_priority_fee_per_gas;
    memcpy(s->to, tx.to, LG_ADDRESS_LEN);
    if (tx.data_len)
        memcpy(s->data, tx.data, tx.data_len);
    s->data_len = tx.data_len;

    uint8_t digest[LG_TX_HASH_LEN];
    size_t cap = lg_tx1559_max_size(&tx);
    uint8_t *buf = malloc(cap);
    if (!buf)
        die("out of memory");
    lg_signature sig;
    pad32(sig.r, &it[10]);
    pad32(sig.s, &it[11]);
    sig.recid = (int)y;
    s->signed_ok = lg_tx1559_signing_hash(digest, buf, cap, &tx) == LG_OK &&
                   lg_signer_recover(f->ctx, s->from, digest, &sig) == 1;
    free(buf);
    return 1;
}

static fake_send *record(fake_chain *f)
{
    if (f->nsends == f->sends_cap) {
        size_t cap = f->sends_cap ? 2 * f->sends_cap : 16;
        fake_send *n = realloc(f->sends, cap * sizeof *n);
        if (!n)
            die("out of memory");
        f->sends = n;
        f->sends_cap = cap;
    }
    fake_send *s = &f->sends[f->nsends++];
    memset(s, 0, sizeof *s);
    return s;
}

/* --------------------------------------------------------------- reads */

static lg_err read_failed(fake_chain *f)
{
    f->reads++;
    return f->read_err != LG_OK ? fail(f, f->read_err, 0, f->read_msg) : LG_OK;
}

static oaid_row *find_oaid(fake_chain *f, const lg_u256 *id)
{
    for (size_t i = 0; i < f->noaids; i++)
        if (lg_u256_cmp(&f->oaids[i].id, id) == 0)
            return &f->oaids[i];
    return NULL;
}

static lg_err fake_owner_of(lg_chain *c, uint8_t owner[LG_ADDRESS_LEN], const lg_u256 *oaid)
{
    fake_chain *f = self(c);
    if (read_failed(f) != LG_OK)
        return f->read_err;
    oaid_row *o = find_oaid(f, oaid);
    if (!o)
        return reverted(f, "OAID: invalid token");
    memcpy(owner, o->owner, LG_ADDRESS_LEN);
    return ok(f);
}

static lg_err fake_credit_line(lg_chain *c, lg_credit_line *out, const lg_u256 *oaid)
{
    fake_chain *f = self(c);
    if (read_failed(f) != LG_OK)
        return f->read_err;
    oaid_row *o = find_oaid(f, oaid);
    if (!o)
        return reverted(f, "OAID: invalid token");
    *out = o->line;
    return ok(f);
}

static lg_err fake_position_of(lg_chain *c, lg_u256 *position_id, const lg_u256 *oaid)
{
    fake_chain *f = self(c);
    if (read_failed(f) != LG_OK)
        return f->read_err;
    memset(position_id, 0, sizeof *position_id);
    for (size_t i = 0; i < f->npositions; i++)
        if (lg_u256_cmp(&f->positions[i].oaid, oaid) == 0)
            *position_id = f->positions[i].id;
    return ok(f);
}

static lg_err fake_get_position(lg_chain *c, lg_vault_position *out, const lg_u256 *position_id)
{
    fake_chain *f = self(c);
    if (read_failed(f) != LG_OK)
        return f->read_err;
    for (size_t i = 0; i < f->npositions; i++) {
        if (lg_u256_cmp(&f->positions[i].id, position_id) == 0) {
            *out = f->positions[i].vp;
            return ok(f);
        }
    }
    return reverted(f, "Vault: invalid position");
}

static lg_err fake_allowance(lg_chain *c, lg_u256 *out, const uint8_t owner[LG_ADDRESS_LEN],
                             const uint8_t spender[LG_ADDRESS_LEN])
{
    fake_chain *f = self(c);
    if (read_failed(f) != LG_OK)
        return f->read_err;
    allowance_row *a = find_allowance(f, owner, spender, 0);
    memset(out, 0, sizeof *out);
    if (a)
        *out = a->value;
    return ok(f);
}

static lg_err fake_usdc_balance(lg_chain *c, lg_u256 *out, const uint8_t holder[LG_ADDRESS_LEN])
{
    fake_chain *f = self(c);
    (void)holder;
    if (read_failed(f) != LG_OK)
        return f->read_err;
    lg_u256_from_u64(out, f->usdc);
    return ok(f);
}

/* --------------------------------------------------------- transactions */

static lg_err fake_estimate_gas(lg_chain *c, uint64_t *gas, const lg_rpc_call_args *args)
{
    fake_chain *f = self(c);
    (void)args;
    if (f->estimate_reverts) {
        f->estimate_reverts = 0;
        return reverted(f, f->estimate_reason);
    }
    *gas = 60000;
    return ok(f);
}

static lg_err fake_fees(lg_chain *c, lg_fees *out)
{
    memset(out, 0, sizeof *out);
    out->eip1559 = 1;
    out->base_fee = 1000000000;
    out->max_priority_fee = 1000000000;
    out->max_fee = 3000000000;
    return ok(self(c));
}

static lg_err fake_pending_nonce(lg_chain *c, uint64_t *nonce,
                                 const uint8_t address[LG_ADDRESS_LEN])
{
    (void)address;
    *nonce = self(c)->next_nonce;
    return ok(self(c));
}

static lg_err fake_balance(lg_chain *c, lg_u256 *wei, const uint8_t address[LG_ADDRESS_LEN])
{
    (void)address;
    lg_u256_from_u64(wei, self(c)->wei);
    return ok(self(c));
}

static lg_err fake_block_number(lg_chain *c, uint64_t *number)
{
    *number = self(c)->block;
    return ok(self(c));
}

static script_row next_answer(fake_chain *f)
{
    script_row r = {FAKE_MINED, ""};
    if (f->script_len) {
        r = f->script[f->script_head];
        f->script_head = (f->script_head + 1) % MAX_SCRIPT;
        f->script_len--;
    }
    return r;
}

static lg_err fake_send_raw(lg_chain *c, uint8_t hash[LG_RPC_HASH_LEN], const uint8_t *raw,
                            size_t len)
{
    fake_chain *f = self(c);
    fake_send *s = record(f);
    lg_keccak256(hash, raw, len);
    lg_hex_encode(s->hash, sizeof s->hash, hash, LG_RPC_HASH_LEN, LG_HEX_0X);
    size_t cap = LG_HEX_TEXT_LEN(len, LG_HEX_0X);
    s->raw_hex = malloc(cap);
    if (!s->raw_hex || lg_hex_encode(s->raw_hex, cap, raw, len, LG_HEX_0X) != LG_OK)
        die("out of memory");
    if (!decode(f, raw, len, s))
        return fail(f, LG_ERR_RPC, 1, "rlp: invalid transaction");
    if (f->on_send)
        f->on_send(f->on_send_ctx, s->hash);
    node_tx *known = find_tx(f, hash);
    if (known) {
        s->again = 1;
        s->answer = known->mined ? (known->status == 1 ? FAKE_MINED : FAKE_REVERTED) : FAKE_POOL;
        return ok(f);
    }
    if (!outbids(f, s))
        return fail(f, LG_ERR_RPC, 1, "replacement transaction underpriced");
    script_row r = next_answer(f);
    s->answer = r.answer;
    switch (r.answer) {
    case FAKE_NODE_ERROR:
        return fail(f, LG_ERR_RPC, 1, r.reason[0] ? r.reason : "the node refused it");
    case FAKE_SEND_TIMEOUT:
        return fail(f, LG_ERR_TIMEOUT, 0, "the node did not answer in time");
    case FAKE_DROPPED:
        return ok(f);
    case FAKE_CRASH:
        fflush(NULL);
        _exit(0);
    default:
        break;
    }
    node_tx *t = new_tx(f);
    memcpy(t->hash, hash, LG_RPC_HASH_LEN);
    t->nonce = s->nonce;
    memcpy(t->from, s->from, LG_ADDRESS_LEN);
    memcpy(t->to, s->to, LG_ADDRESS_LEN);
    memcpy(t->data, s->data, s->data_len);
    t->data_len = s->data_len;
    t->max_fee = s->max_fee;
    t->tip = s->tip;
    snprintf(t->reason, sizeof t->reason, "%s", r.reason);
    if (s->nonce >= f->next_nonce)
        f->next_nonce = s->nonce + 1;
    if (r.answer != FAKE_POOL)
        mine(f, t, r.answer == FAKE_MINED);
    return ok(f);
}

static void fill_receipt(fake_chain *f, lg_receipt *out, const node_tx *t)
{
    memset(out, 0, sizeof *out);
    memcpy(out->tx_hash, t->hash, LG_RPC_HASH_LEN);
    out->block_number = t->block;
    out->status = t->status;
    out->gas_used = 50000;
    memcpy(out->from, t->from, LG_ADDRESS_LEN);
    out->has_to = 1;
    memcpy(out->to, t->to, LG_ADDRESS_LEN);
    if (!t->transfer)
        return;
    lg_eth_log *log = calloc(1, sizeof *log);
    uint8_t *data = calloc(1, 32);
    if (!log || !data)
        die("out of memory");
    memcpy(log->address, f->table.usdc, LG_ADDRESS_LEN);
    lg_abi_event_topic(log->topics[0], "Transfer(address,address,uint256)");
    memcpy(log->topics[1] + 12, t->tf_from, LG_ADDRESS_LEN);
    memcpy(log->topics[2] + 12, t->tf_to, LG_ADDRESS_LEN);
    log->ntopics = 3;
    lg_u256 v;
    lg_u256_from_u64(&v, t->tf_value);
    memcpy(data, v.b, 32);
    log->data = data;
    log->data_len = 32;
    log->block_number = t->block;
    memcpy(log->tx_hash, t->hash, LG_RPC_HASH_LEN);
    out->logs = log;
    out->nlogs = 1;
}

static lg_err fake_get_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    fake_chain *f = self(c);
    f->receipt_asks++;
    node_tx *t = find_tx(f, hash);
    memset(out, 0, sizeof *out);
    if (!t || !t->mined)
        return fail(f, LG_ERR_NOT_FOUND, 0, "no receipt");
    fill_receipt(f, out, t);
    return ok(f);
}

/* Nothing gets mined while a receipt is waited for: the wait times out at once. */
static lg_err fake_wait_receipt(lg_chain *c, lg_receipt *out, const uint8_t hash[LG_RPC_HASH_LEN],
                                uint64_t timeout_ms, uint64_t poll_ms)
{
    (void)timeout_ms;
    (void)poll_ms;
    lg_err rc = fake_get_receipt(c, out, hash);
    return rc == LG_ERR_NOT_FOUND ? fail(self(c), LG_ERR_TIMEOUT, 0, "receipt wait timed out") : rc;
}

static lg_err fake_get_tx(lg_chain *c, lg_rpc_tx_info *out, const uint8_t hash[LG_RPC_HASH_LEN])
{
    fake_chain *f = self(c);
    node_tx *t = find_tx(f, hash);
    memset(out, 0, sizeof *out);
    if (!t)
        return fail(f, LG_ERR_NOT_FOUND, 0, "unknown transaction");
    out->mined = t->mined;
    out->block_number = t->block;
    out->nonce = t->nonce;
    memcpy(out->from, t->from, LG_ADDRESS_LEN);
    return ok(f);
}

/* Replays a call: one that matches a transaction mined reverted reverts the same way. */
static lg_err fake_call(lg_chain *c, uint8_t **out, size_t *out_len, const lg_rpc_call_args *args,
                        uint64_t block)
{
    fake_chain *f = self(c);
    (void)block;
    for (size_t i = f->ntxs; i-- > 0;) {
        node_tx *t = &f->txs[i];
        if (t->mined && t->status == 0 && args->to &&
            memcmp(t->to, args->to, LG_ADDRESS_LEN) == 0 && t->data_len == args->data_len &&
            (!t->data_len || memcmp(t->data, args->data, t->data_len) == 0))
            return reverted(f, t->reason[0] ? t->reason : "reverted");
    }
    *out = malloc(1);
    if (!*out)
        die("out of memory");
    *out_len = 0;
    return ok(f);
}

static lg_err fake_liquidations(lg_chain *c, lg_liquidation **out, size_t *n, uint64_t from_block,
                                uint64_t to_block)
{
    fake_chain *f = self(c);
    f->log_asks++;
    if (to_block - from_block + 1 > f->widest_span)
        f->widest_span = to_block - from_block + 1;
    if (f->read_err != LG_OK)
        return fail(f, f->read_err, 0, f->read_msg);
    *out = calloc(f->nliqs + 1, sizeof **out);
    if (!*out)
        die("out of memory");
    for (size_t i = 0; i < f->nliqs; i++)
        if (f->liqs[i].block_number >= from_block && f->liqs[i].block_number <= to_block)
            (*out)[(*n)++] = f->liqs[i];
    if (*n == 0) {
        free(*out);
        *out = NULL;
    }
    return ok(f);
}

static const lg_rpc_error *fake_last_error(const lg_chain *c)
{
    return &self(c)->last;
}

static const lg_chain_ops fake_ops = {
    .name = "fake",
    .owner_of = fake_owner_of,
    .credit_line = fake_credit_line,
    .position_of = fake_position_of,
    .get_position = fake_get_position,
    .allowance = fake_allowance,
    .usdc_balance = fake_usdc_balance,
    .estimate_gas = fake_estimate_gas,
    .fees = fake_fees,
    .pending_nonce = fake_pending_nonce,
    .balance = fake_balance,
    .block_number = fake_block_number,
    .send_raw = fake_send_raw,
    .get_receipt = fake_get_receipt,
    .wait_receipt = fake_wait_receipt,
    .get_tx = fake_get_tx,
    .call = fake_call,
    .liquidations = fake_liquidations,
    .last_error = fake_last_error,
    .close = NULL, /* the test owns the fake: fake_chain_free */
};

/* ------------------------------------------------------------ lifecycle */

fake_chain *fake_chain_new(void)
{
    fake_chain *f = calloc(1, sizeof *f);
    if (!f || lg_signer_ctx_create(&f->ctx) != LG_OK)
        die("out of memory");
    f->table.ops = &fake_ops;
    f->table.priv = f;
    f->table.oaid[LG_ADDRESS_LEN - 1] = 0x0a;
    f->table.vault[LG_ADDRESS_LEN - 1] = 0x0b;
    f->table.usdc[LG_ADDRESS_LEN - 1] = 0x0c;
    f->block = 100;
    f->wei = UINT64_MAX;
    f->usdc = UINT64_MAX;
    return f;
}

void fake_chain_free(fake_chain *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nsends; i++)
        free(f->sends[i].raw_hex);
    free(f->sends);
    lg_signer_ctx_destroy(f->ctx);
    free(f);
}

lg_chain *fake_chain_table(fake_chain *f)
{
    return &f->table;
}

/* ------------------------------------------------------------ the world */

void fake_chain_set_oaid(fake_chain *f, const char *oaid, const char *owner, uint64_t limit,
                         uint64_t used, int active)
{
    lg_u256 id;
    parse_u256(&id, oaid);
    oaid_row *o = find_oaid(f, &id);
    if (!o) {
        if (f->noaids == MAX_ROWS)
            die("too many OAIDs");
        o = &f->oaids[f->noaids++];
    }
    memset(o, 0, sizeof *o);
    o->id = id;
    parse_address(o->owner, owner);
    lg_u256_from_u64(&o->line.limit, limit);
    lg_u256_from_u64(&o->line.used, used);
    o->line.active = active;
}

void fake_chain_set_position(fake_chain *f, const char *oaid, const char *position_id,
                             const char *owner, int active)
{
    if (f->npositions == MAX_ROWS)
        die("too many positions");
    position_row *p = &f->positions[f->npositions++];
    memset(p, 0, sizeof *p);
    parse_u256(&p->oaid, oaid);
    parse_u256(&p->id, position_id);
    parse_address(p->vp.user, owner);
    p->vp.oaid_token_id = p->oaid;
    p->vp.collateral_token[LG_ADDRESS_LEN - 1] = 0x0d;
    lg_u256_from_u64(&p->vp.collateral_amount, 5000000000000000000ULL);
    lg_u256_from_u64(&p->vp.collateral_value, 50000000000ULL);
    memset(p->vp.health_factor.b, 0xff, sizeof p->vp.health_factor.b);
    p->vp.active = active;
}

void fake_chain_set_allowance(fake_chain *f, const uint8_t owner[LG_ADDRESS_LEN],
                              const uint8_t spender[LG_ADDRESS_LEN], uint64_t value, int all_ones)
{
    allowance_row *a = find_allowance(f, owner, spender, 1);
    lg_u256_from_u64(&a->value, value);
    if (all_ones)
        memset(a->value.b, 0xff, sizeof a->value.b);
}

uint64_t fake_chain_allowance(fake_chain *f, const uint8_t owner[LG_ADDRESS_LEN],
                              const uint8_t spender[LG_ADDRESS_LEN])
{
    allowance_row *a = find_allowance(f, owner, spender, 0);
    uint64_t v = 0;
    if (!a)
        return 0;
    return lg_u256_to_u64(&v, &a->value) == LG_OK ? v : UINT64_MAX;
}

void fake_chain_add_transfer(fake_chain *f, const char *hash, int status, const char *from,
                             const char *to, uint64_t value)
{
    node_tx *t = new_tx(f);
    parse_hash(t->hash, hash);
    parse_address(t->from, from);
    memcpy(t->to, f->table.usdc, LG_ADDRESS_LEN);
    t->transfer = 1;
    memcpy(t->tf_from, t->from, LG_ADDRESS_LEN);
    parse_address(t->tf_to, to);
    t->tf_value = value;
    mine(f, t, status);
}

/* ------------------------------------------------------------- the script */

void fake_chain_script(fake_chain *f, fake_answer answer, const char *reason)
{
    if (f->script_len == MAX_SCRIPT)
        die("script too long");
    script_row *r = &f->script[(f->script_head + f->script_len++) % MAX_SCRIPT];
    r->answer = answer;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
}

void fake_chain_estimate_reverts(fake_chain *f, const char *reason)
{
    f->estimate_reverts = 1;
    snprintf(f->estimate_reason, sizeof f->estimate_reason, "%s", reason);
}

void fake_chain_set_balance(fake_chain *f, uint64_t wei)
{
    f->wei = wei;
}

void fake_chain_set_usdc(fake_chain *f, uint64_t usdc)
{
    f->usdc = usdc;
}

void fake_chain_fail_reads(fake_chain *f, lg_err err, const char *message)
{
    f->read_err = err;
    snprintf(f->read_msg, sizeof f->read_msg, "%s", message ? message : "");
}

void fake_chain_on_send(fake_chain *f, void (*fn)(void *ctx, const char *hash), void *ctx)
{
    f->on_send = fn;
    f->on_send_ctx = ctx;
}

/* ---------------------------------------------------------- what happened */

size_t fake_chain_nsends(const fake_chain *f)
{
    return f->nsends;
}

const fake_send *fake_chain_send_at(const fake_chain *f, size_t i)
{
    return i < f->nsends ? &f->sends[i] : NULL;
}

size_t fake_chain_count(const fake_chain *f, const uint8_t to[LG_ADDRESS_LEN],
                        const char *signature)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nsends; i++)
        n += memcmp(f->sends[i].to, to, LG_ADDRESS_LEN) == 0 &&
             selector_is(f->sends[i].data, f->sends[i].data_len, signature);
    return n;
}

void fake_chain_mine(fake_chain *f, const char *hash, int status)
{
    uint8_t h[LG_RPC_HASH_LEN];
    parse_hash(h, hash);
    node_tx *t = find_tx(f, h);
    if (!t || t->mined)
        die("no such transaction in the pool");
    mine(f, t, status);
}

void fake_chain_liquidate(fake_chain *f, const char *position_id, uint64_t debt, const char *hash)
{
    lg_u256 id;
    parse_u256(&id, position_id);
    for (size_t i = 0; i < f->npositions; i++) {
        position_row *p = &f->positions[i];
        if (lg_u256_cmp(&p->id, &id) != 0)
            continue;
        if (f->nliqs == MAX_ROWS)
            die("too many liquidations");
        lg_liquidation *l = &f->liqs[f->nliqs++];
        memset(l, 0, sizeof *l);
        l->position_id = id;
        memcpy(l->user, p->vp.user, LG_ADDRESS_LEN);
        lg_u256_from_u64(&l->debt_cleared, debt);
        parse_hash(l->tx_hash, hash);
        l->block_number = ++f->block;
        memset(&p->vp.usdc_borrowed, 0, sizeof p->vp.usdc_borrowed);
        p->vp.active = 0;
        return;
    }
    die("no such position");
}

size_t fake_chain_log_asks(const fake_chain *f)
{
    return f->log_asks;
}

uint64_t fake_chain_widest_span(const fake_chain *f)
{
    return f->widest_span;
}

void fake_chain_advance(fake_chain *f, uint64_t n)
{
    f->block += n;
}

void fake_chain_receive(fake_chain *f, const char *raw_hex)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    fake_send s;
    memset(&s, 0, sizeof s);
    if (lg_rpc_data_decode(&raw, &len, raw_hex, LG_RAWTX_LEN) != LG_OK || !decode(f, raw, len, &s))
        die("bad raw transaction");
    node_tx *t = new_tx(f);
    lg_keccak256(t->hash, raw, len);
    free(raw);
    t->nonce = s.nonce;
    memcpy(t->from, s.from, LG_ADDRESS_LEN);
    memcpy(t->to, s.to, LG_ADDRESS_LEN);
    memcpy(t->data, s.data, s.data_len);
    t->data_len = s.data_len;
    if (s.nonce >= f->next_nonce)
        f->next_nonce = s.nonce + 1;
    mine(f, t, 1);
}

size_t fake_chain_receipt_asks(const fake_chain *f)
{
    return f->receipt_asks;
}

size_t fake_chain_reads(const fake_chain *f)
{
    return f->reads;
}
