/*
 * eth_live.c - drives rpc, contracts, fees, nonces and the sender against a live node
 * (the devnet) for tests/integration/eth_devnet.sh. Each subcommand checks one
 * behaviour, prints what it saw as "key=value" lines and "ok"/"FAIL: why" lines, and
 * exits 0 only when every check held.
 *
 *   eth_live --config FILE chain
 *   eth_live --config FILE read DEPLOYMENT_JSON
 *   eth_live --config FILE borrow POSITION_ID AMOUNT
 *   eth_live --config FILE transfer TO AMOUNT
 *   eth_live --config FILE revert POSITION_ID
 *   eth_live --config FILE concurrent PROCS PER_PROC TO MINE_MS
 *   eth_live --config FILE down PORT
 *   eth_live --config FILE hang
 *   eth_live --config FILE oversize
 *   eth_live --config FILE automine TO
 *   eth_live --config FILE keepalive
 *   eth_live --config FILE resync
 *   eth_live --config FILE persistfail TO
 *
 * The store named by [store] path keeps the nonce counter (and the signed transactions)
 * shared by every process, as in production.
 */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include <lendgate/signer.h>
#include <lendgate/store.h>

#include <lendgate/address.h>
#include <lendgate/config.h>
#include <lendgate/contracts.h>
#include <lendgate/fees.h>
#include <lendgate/hex.h>
#include <lendgate/nonce.h>
#include <lendgate/nonce_store.h>
#include <lendgate/rpc.h>
#include <lendgate/sender.h>
#include <lendgate/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Slack allowed over a configured time bound: scheduling and process start, not speed. */
#define BOUND_MARGIN_MS 750

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL: " __VA_ARGS__);                                                          \
            printf(" (%s:%d)\n", __FILE__, __LINE__);                                              \
        }                                                                                          \
    } while (0)

#define CHECK_RC(rc, want, what)                                                                   \
    CHECK((rc) == (want), "%s: got %s, want %s", what, lg_errname(rc), lg_errname(want))

typedef struct env {
    const char *config_path;
    lg_config *cfg;
    lg_rpc *rpc;
    lg_signer_ctx *signer;
    lg_privkey *key;
    lg_store *store;
    lg_nonce_iface nonces;
    lg_sender sender;
    lg_contracts c;
    uint64_t chain_id;
    uint8_t platform[LG_ADDRESS_LEN];
} env;

/* ------------------------------------------------------------------ setup */

static lg_err persist_to_store(void *ctx, const lg_signed_tx *tx)
{
    lg_chain_tx rec;
    memset(&rec, 0, sizeof rec);
    rec.purpose = LG_TXP_TRANSFER;
    rec.chain_id = tx->chain_id;
    rec.nonce = tx->nonce;
    snprintf(rec.from, sizeof rec.from, "%s", tx->from_hex);
    snprintf(rec.hash, sizeof rec.hash, "%s", tx->hash_hex);
    if (strlen(tx->raw_hex) >= sizeof rec.raw)
        return LG_ERR_OVERFLOW;
    snprintf(rec.raw, sizeof rec.raw, "%s", tx->raw_hex);
    return lg_store_tx_record(ctx, &rec, NULL);
}

static lg_err open_store(env *e)
{
    const char *path = lg_config_str(e->cfg, "store", "path");
    int busy = (int)lg_config_u64(e->cfg, "store", "busy_timeout_ms");
    lg_err err = lg_store_open("sqlite", path, busy, &e->store);
    if (err == LG_OK)
        err = lg_store_migrate(e->store, NULL);
    if (err == LG_OK)
        err = lg_nonce_store_iface(&e->nonces, e->store);
    return err;
}

static lg_err open_signing(env *e)
{
    lg_sender_opts so;
    lg_err err = lg_signer_ctx_create(&e->signer);
    if (err == LG_OK)
        err = lg_privkey_load(&e->key, e->signer,
                              lg_config_str(e->cfg, "chain", "platform_key_file"));
    if (err == LG_OK)
        err = open_store(e);
    if (err == LG_OK)
        err = lg_sender_opts_from_config(&so, e->cfg);
    if (err == LG_OK)
        err = lg_sender_init(&e->sender, e->rpc, e->signer, e->key, &e->nonces, &so,
                             persist_to_store, e->store);
    if (err == LG_OK)
        memcpy(e->platform, e->sender.from, LG_ADDRESS_LEN);
    return err;
}

/* Opens what a worker has: configuration, rpc and bindings, and with signing also the
 * key, the store and the sender. */
static int env_open(env *e, const char *config_path, int signing)
{
    char msg[256];
    memset(e, 0, sizeof *e);
    e->config_path = config_path;
    lg_err err = lg_config_load(config_path, &e->cfg, msg, sizeof msg);
    if (err != LG_OK) {
        printf("FAIL: config: %s\n", msg);
        return -1;
    }
    e->chain_id = lg_config_u64(e->cfg, "chain", "chain_id");
    err = lg_rpc_open_config(&e->rpc, e->cfg);
    if (err == LG_OK)
        err = lg_contracts_init_config(&e->c, e->rpc, e->cfg);
    if (err == LG_OK && signing)
        err = open_signing(e);
    if (err != LG_OK) {
        printf("FAIL: setup: %s\n", lg_errname(err));
        return -1;
    }
    return 0;
}

static void env_close(env *e)
{
    lg_rpc_close(e->rpc);
    lg_store_close(e->store);
    lg_privkey_free(e->key);
    lg_signer_ctx_destroy(e->signer);
    lg_config_free(e->cfg);
    memset(e, 0, sizeof *e);
}

static int parse_address(uint8_t out[LG_ADDRESS_LEN], const char *text)
{
    if (lg_address_parse(out, text) != LG_OK) {
        printf("FAIL: bad address '%s'\n", text);
        return -1;
    }
    return 0;
}

static int parse_u256(lg_u256 *out, const char *text)
{
    if (lg_u256_from_dec(out, text) != LG_OK) {
        printf("FAIL: bad number '%s'\n", text);
        return -1;
    }
    return 0;
}

static uint64_t u64_of(const lg_u256 *v)
{
    uint64_t x = UINT64_MAX;
    if (lg_u256_to_u64(&x, v) != LG_OK)
        return UINT64_MAX;
    return x;
}

static const char *reason(const env *e)
{
    return lg_rpc_error_text(lg_rpc_last_error(e->rpc));
}

/* The store's counter of the platform wallet (keyed by the lowercase address). */
static uint64_t store_counter(env *e)
{
    char addr[LG_ADDRESS_TEXT_LEN];
    uint64_t next = UINT64_MAX;
    lg_address_format_lower(addr, sizeof addr, e->platform);
    CHECK_RC(lg_store_nonce_peek(e->store, e->chain_id, addr, &next), LG_OK, "nonce peek");
    return next;
}

static uint64_t pending_nonce(env *e)
{
    uint64_t n = UINT64_MAX;
    lg_err err = lg_rpc_get_nonce(e->rpc, &n, e->platform);
    CHECK_RC(err, LG_OK, "eth_getTransactionCount");
    return n;
}

static uint64_t usdc_balance(env *e, const uint8_t *who)
{
    lg_u256 b;
    lg_err err = lg_usdc_balance_of(&e->c, &b, who);
    CHECK_RC(err, LG_OK, "balanceOf");
    return u64_of(&b);
}

/* ------------------------------------------------------------- chain, read */

/* The node's fee answers in their real shapes. */
static void check_fee_data(env *e)
{
    lg_fees f;
    lg_fee_history h;
    uint64_t gas_price = 0, tip = 0;
    CHECK_RC(lg_fees_fetch(e->rpc, &f), LG_OK, "fee data");
    CHECK(f.eip1559 && f.base_fee > 0, "the devnet has EIP-1559 base fees");
    CHECK(f.max_fee == 2 * f.base_fee + f.max_priority_fee, "max fee is 2 * base + tip");
    CHECK_RC(lg_rpc_max_priority_fee(e->rpc, &tip), LG_OK, "eth_maxPriorityFeePerGas");
    CHECK(tip == f.max_priority_fee, "tip is the node's suggestion");
    CHECK_RC(lg_rpc_fee_history(e->rpc, &h, 4, 50), LG_OK, "eth_feeHistory");
    CHECK(h.nblocks >= 1 && h.nblocks <= 4 && h.base_fee[h.nblocks] > 0, "fee history");
    CHECK_RC(lg_rpc_gas_price(e->rpc, &gas_price), LG_OK, "eth_gasPrice");
    CHECK(gas_price > 0, "gas price");
    printf("base_fee=%" PRIu64 " tip=%" PRIu64 " max_fee=%" PRIu64 " history_blocks=%zu\n",
           f.base_fee, f.max_priority_fee, f.max_fee, h.nblocks);
}

static int cmd_chain(env *e, char **argv)
{
    (void)argv;
    uint64_t id = 0;
    CHECK_RC(lg_rpc_chain_id(e->rpc, &id), LG_OK, "eth_chainId");
    printf("chain_id=%" PRIu64 "\n", id);
    CHECK_RC(lg_rpc_check_chain(e->rpc, e->chain_id), LG_OK, "chain id check");
    lg_err err = lg_rpc_check_chain(e->rpc, e->chain_id + 1);
    CHECK_RC(err, LG_ERR_CONFIG, "another chain id refused");
    printf("mismatch=%s\n", reason(e));
    check_fee_data(e);
    return 0;
}

static int64_t jint(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return -1;
    return json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v)
                                                     : json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void check_owner_and_line(env *e, json_object *u, const lg_u256 *oaid, int64_t n)
{
    uint8_t owner[LG_ADDRESS_LEN], want[LG_ADDRESS_LEN];
    lg_credit_line line;
    CHECK_RC(lg_oaid_owner_of(&e->c, owner, oaid), LG_OK, "ownerOf");
    CHECK(parse_address(want, jstr(u, "address")) == 0 && !memcmp(owner, want, sizeof owner),
          "ownerOf(%" PRId64 ") is not %s", n, jstr(u, "address"));
    CHECK_RC(lg_oaid_credit_line(&e->c, &line, oaid), LG_OK, "getCreditLine");
    CHECK((int64_t)u64_of(&line.limit) == jint(u, "creditLimit"), "limit of oaid %" PRId64, n);
    CHECK(u64_of(&line.used) == 0, "used of oaid %" PRId64 " is not 0", n);
    CHECK(line.active == jint(u, "active"), "active of oaid %" PRId64, n);
}

static void check_position(env *e, json_object *u, const lg_u256 *oaid, int64_t n)
{
    lg_u256 pid;
    lg_vault_position p;
    uint8_t user[LG_ADDRESS_LEN], token[LG_ADDRESS_LEN];
    CHECK_RC(lg_vault_position_of(&e->c, &pid, oaid), LG_OK, "positionOf");
    CHECK((int64_t)u64_of(&pid) == jint(u, "positionId"), "positionOf(%" PRId64 ")", n);
    CHECK_RC(lg_vault_get_position(&e->c, &p, &pid), LG_OK, "getPosition");
    CHECK(parse_address(user, jstr(u, "address")) == 0 && !memcmp(p.user, user, sizeof user),
          "position user of oaid %" PRId64, n);
    CHECK(parse_address(token, jstr(u, "collateralToken")) == 0 &&
              !memcmp(p.collateral_token, token, sizeof token),
          "collateral token of oaid %" PRId64, n);
    CHECK(lg_u256_cmp(&p.oaid_token_id, oaid) == 0, "position oaid %" PRId64, n);
    CHECK((int64_t)u64_of(&p.collateral_amount) == jint(u, "collateralAmount"), "amount");
    CHECK((int64_t)u64_of(&p.collateral_value) == jint(u, "collateralValue"), "value");
    CHECK(lg_u256_is_zero(&p.usdc_borrowed), "usdcBorrowed of oaid %" PRId64, n);
    CHECK(p.active == jint(u, "positionActive"), "position active of oaid %" PRId64, n);
    CHECK((int64_t)p.token_type == jint(u, "tokenType"), "token type of oaid %" PRId64, n);
    /* nothing borrowed: health factor is 2^256-1 */
    CHECK(p.health_factor.b[0] == 0xff && p.health_factor.b[31] == 0xff, "health factor");
}

static void check_read_reverts(env *e)
{
    lg_u256 bad, pid;
    uint8_t owner[LG_ADDRESS_LEN];
    lg_vault_position p;
    lg_u256_from_u64(&bad, 999);
    CHECK_RC(lg_oaid_owner_of(&e->c, owner, &bad), LG_ERR_REVERTED, "ownerOf(999)");
    CHECK(!strcmp(reason(e), "OAID: invalid token"), "ownerOf(999) reason '%s'", reason(e));
    CHECK_RC(lg_vault_get_position(&e->c, &p, &bad), LG_ERR_REVERTED, "getPosition(999)");
    CHECK(!strcmp(reason(e), "Vault: invalid position"), "getPosition reason '%s'", reason(e));
    CHECK_RC(lg_vault_position_of(&e->c, &pid, &bad), LG_OK, "positionOf(999)");
    CHECK(lg_u256_is_zero(&pid), "positionOf(999) is not 0");
}

static int cmd_read(env *e, char **argv)
{
    json_object *d = json_object_from_file(argv[0]), *users = NULL;
    if (!d || !json_object_object_get_ex(d, "users", &users) ||
        !json_object_is_type(users, json_type_array) || json_object_array_length(users) == 0) {
        printf("FAIL: cannot read users from %s\n", argv[0]);
        json_object_put(d);
        return -1;
    }
    size_t n = json_object_array_length(users);
    for (size_t i = 0; i < n; i++) {
        json_object *u = json_object_array_get_idx(users, i);
        lg_u256 oaid;
        int64_t id = jint(u, "oaid");
        lg_u256_from_u64(&oaid, (uint64_t)id);
        check_owner_and_line(e, u, &oaid, id);
        check_position(e, u, &oaid, id);
    }
    printf("users=%zu\n", n);
    check_read_reverts(e);
    json_object_put(d);
    return 0;
}

/* ------------------------------------------------------------ borrow, transfer */

/* Sends req and waits; checks status 1 and that the first nonce came from the node. */
static lg_err send_and_wait(env *e, lg_signed_tx *tx, lg_receipt *r, const lg_tx_request *req)
{
    uint64_t before = pending_nonce(e);
    lg_err err = lg_sender_send_wait(&e->sender, tx, r, req);
    CHECK_RC(err, LG_OK, "send and wait");
    if (err != LG_OK) {
        printf("error=%s\n", reason(e));
        return err;
    }
    CHECK(tx->nonce == before, "nonce %" PRIu64 " is not the pending count %" PRIu64, tx->nonce,
          before);
    CHECK(r->status == 1, "receipt status %d", r->status);
    CHECK(!memcmp(r->tx_hash, tx->hash, LG_RPC_HASH_LEN), "receipt of another hash");
    CHECK(pending_nonce(e) == before + 1, "account nonce did not advance by 1");
    printf("hash=%s nonce=%" PRIu64 " block=%" PRIu64 " gas_used=%" PRIu64 "\n", tx->hash_hex,
           tx->nonce, r->block_number, r->gas_used);
    return LG_OK;
}

/* Exactly one USDC Transfer from -> to of value in r. */
static void check_transfer_log(env *e, const lg_receipt *r, const uint8_t *from, const uint8_t *to,
                               uint64_t value)
{
    lg_erc20_transfer *t = NULL;
    size_t n = 0;
    CHECK_RC(lg_erc20_transfers(&t, &n, r->logs, r->nlogs, e->c.usdc), LG_OK, "Transfer logs");
    CHECK(n == 1, "%zu USDC Transfer logs, want 1", n);
    if (n == 1) {
        CHECK(!memcmp(t[0].from, from, LG_ADDRESS_LEN), "Transfer from");
        CHECK(!memcmp(t[0].to, to, LG_ADDRESS_LEN), "Transfer to");
        CHECK(u64_of(&t[0].value) == value, "Transfer value %" PRIu64, u64_of(&t[0].value));
        printf("transfer_log_value=%" PRIu64 "\n", u64_of(&t[0].value));
    }
    free(t);
}

static int cmd_borrow(env *e, char **argv)
{
    lg_u256 pid, amount;
    lg_vault_position p0, p1;
    lg_credit_line l0, l1;
    if (parse_u256(&pid, argv[0]) || parse_u256(&amount, argv[1]))
        return -1;
    uint64_t amt = u64_of(&amount);
    CHECK_RC(lg_vault_get_position(&e->c, &p0, &pid), LG_OK, "getPosition");
    CHECK_RC(lg_oaid_credit_line(&e->c, &l0, &p0.oaid_token_id), LG_OK, "getCreditLine");
    uint64_t bal0 = usdc_balance(e, e->platform);
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    CHECK_RC(lg_vault_borrow_calldata(data, &len, &pid, &amount), LG_OK, "borrow calldata");
    lg_tx_request req = {.to = e->c.vault, .data = data, .data_len = len};
    lg_signed_tx tx;
    lg_receipt r;
    if (send_and_wait(e, &tx, &r, &req) == LG_OK) {
        CHECK(usdc_balance(e, e->platform) == bal0 + amt, "platform balance +%" PRIu64, amt);
        CHECK_RC(lg_vault_get_position(&e->c, &p1, &pid), LG_OK, "getPosition after");
        CHECK_RC(lg_oaid_credit_line(&e->c, &l1, &p0.oaid_token_id), LG_OK, "line after");
        CHECK(u64_of(&p1.usdc_borrowed) == u64_of(&p0.usdc_borrowed) + amt, "usdcBorrowed");
        CHECK(u64_of(&l1.used) == u64_of(&l0.used) + amt, "credit line used");
        printf("platform_usdc=%" PRIu64 "\n", usdc_balance(e, e->platform));
    }
    lg_receipt_release(&r);
    lg_signed_tx_release(&tx);
    return 0;
}

/* The same signed bytes again, twice: accepted, nothing new mined, nothing moves. */
static void check_rebroadcast(env *e, const lg_signed_tx *tx, const uint8_t *to)
{
    uint64_t block0 = 0, block1 = 0, nonce0 = pending_nonce(e);
    uint64_t bal_to = usdc_balance(e, to);
    uint8_t hash[LG_RPC_HASH_LEN];
    CHECK_RC(lg_rpc_block_number(e->rpc, &block0), LG_OK, "eth_blockNumber");
    lg_err err = lg_sender_rebroadcast(&e->sender, hash, tx->raw_hex);
    CHECK_RC(err, LG_OK, "re-broadcast of the persisted bytes");
    if (err != LG_OK)
        printf("rebroadcast_error=%s\n", reason(e));
    CHECK(!memcmp(hash, tx->hash, sizeof hash), "re-broadcast hash differs");
    CHECK_RC(lg_sender_broadcast(&e->sender, tx), LG_OK, "second re-broadcast");
    CHECK_RC(lg_rpc_block_number(e->rpc, &block1), LG_OK, "eth_blockNumber");
    CHECK(block1 == block0, "a re-broadcast mined a block");
    CHECK(pending_nonce(e) == nonce0, "a re-broadcast moved the nonce");
    CHECK(usdc_balance(e, to) == bal_to, "a re-broadcast moved USDC");
}

/* eth_getLogs finds the same Transfer by token, event and sender topic. */
static void check_get_logs(env *e, const lg_receipt *r, const uint8_t *to, uint64_t value)
{
    uint8_t topic0[32], from_topic[32] = {0};
    lg_abi_event_topic(topic0, "Transfer(address,address,uint256)");
    memcpy(from_topic + 12, e->platform, LG_ADDRESS_LEN);
    lg_rpc_log_filter f = {.address = e->c.usdc,
                           .topics = {topic0, from_topic},
                           .from_block = r->block_number,
                           .to_block = r->block_number};
    lg_eth_log *logs = NULL;
    size_t n = 0;
    lg_erc20_transfer *t = NULL;
    size_t nt = 0;
    CHECK_RC(lg_rpc_get_logs(e->rpc, &logs, &n, &f), LG_OK, "eth_getLogs");
    CHECK(n == 1, "eth_getLogs found %zu logs, want 1", n);
    CHECK_RC(lg_erc20_transfers(&t, &nt, logs, n, e->c.usdc), LG_OK, "Transfer of getLogs");
    CHECK(nt == 1 && u64_of(&t[0].value) == value && !memcmp(t[0].to, to, LG_ADDRESS_LEN) &&
              !memcmp(logs[0].tx_hash, r->tx_hash, LG_RPC_HASH_LEN),
          "eth_getLogs Transfer differs from the receipt's");
    free(t);
    lg_eth_logs_free(logs, n);
}

/* Other bytes at a nonce that is already mined: "nonce too low" for a hash the node does
 * not know is a refusal, not the success it is for the same bytes. */
static void check_nonce_taken(env *e, const lg_tx_request *base, const lg_signed_tx *tx)
{
    lg_tx_request req = *base;
    lg_signed_tx other;
    req.use_nonce = 1;
    req.nonce = tx->nonce;
    req.gas_limit = tx->gas_limit + 1;
    lg_err err = lg_sender_send(&e->sender, &other, &req);
    CHECK_RC(err, LG_ERR_RPC, "another transaction at a mined nonce");
    printf("nonce_taken=%s message=%s\n", lg_errname(err), reason(e));
    lg_signed_tx_release(&other);
}

static int cmd_transfer(env *e, char **argv)
{
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 amount;
    if (parse_address(to, argv[0]) || parse_u256(&amount, argv[1]))
        return -1;
    uint64_t amt = u64_of(&amount), from0 = usdc_balance(e, e->platform);
    uint64_t to0 = usdc_balance(e, to);
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    CHECK_RC(lg_usdc_transfer_calldata(data, &len, to, &amount), LG_OK, "transfer calldata");
    lg_tx_request req = {.to = e->c.usdc, .data = data, .data_len = len};
    lg_signed_tx tx;
    lg_receipt r;
    if (send_and_wait(e, &tx, &r, &req) == LG_OK) {
        CHECK(usdc_balance(e, to) == to0 + amt, "recipient balance +%" PRIu64, amt);
        CHECK(usdc_balance(e, e->platform) == from0 - amt, "platform balance -%" PRIu64, amt);
        check_transfer_log(e, &r, e->platform, to, amt);
        check_get_logs(e, &r, to, amt);
        printf("recipient_delta=%" PRIu64 "\n", usdc_balance(e, to) - to0);
        check_rebroadcast(e, &tx, to);
        check_nonce_taken(e, &req, &tx);
    }
    lg_receipt_release(&r);
    lg_signed_tx_release(&tx);
    return 0;
}

/* ------------------------------------------------------------------ revert */

static void check_call_reverts(env *e, const uint8_t *data, size_t len)
{
    lg_rpc_call_args a = {.from = e->platform, .to = e->c.vault, .data = data, .data_len = len};
    uint8_t *ret = NULL;
    size_t n = 0;
    uint64_t gas = 0;
    CHECK_RC(lg_rpc_eth_call(e->rpc, &ret, &n, &a, LG_BLOCK_LATEST), LG_ERR_REVERTED, "eth_call");
    printf("call_reason=%s\n", reason(e));
    CHECK(lg_rpc_last_error(e->rpc)->has_revert, "eth_call revert not decoded");
    free(ret);
    CHECK_RC(lg_fees_estimate_gas(e->rpc, &gas, &a, 20), LG_ERR_REVERTED, "eth_estimateGas");
    printf("estimate_reason=%s\n", reason(e));
    CHECK(lg_rpc_last_error(e->rpc)->code != 0, "no node error code");
}

static int cmd_revert(env *e, char **argv)
{
    lg_u256 pid, amount;
    if (parse_u256(&pid, argv[0]))
        return -1;
    lg_u256_from_u64(&amount, 1000000);
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    CHECK_RC(lg_vault_borrow_calldata(data, &len, &pid, &amount), LG_OK, "borrow calldata");
    check_call_reverts(e, data, len);
    /* The sender estimates before it takes a nonce: a reverting call leaves no gap. */
    uint64_t nonce0 = pending_nonce(e), next0 = store_counter(e), next1 = 0;
    lg_tx_request req = {.to = e->c.vault, .data = data, .data_len = len};
    lg_signed_tx tx;
    lg_receipt r;
    CHECK_RC(lg_sender_send(&e->sender, &tx, &req), LG_ERR_REVERTED, "send of a reverting call");
    printf("send_reason=%s\n", reason(e));
    lg_signed_tx_release(&tx);
    next1 = store_counter(e);
    CHECK(next1 == next0 && pending_nonce(e) == nonce0, "a reverting estimate took a nonce");
    /* With the gas given, the node mines it with status 0; the reason is replayed. */
    req.gas_limit = 200000;
    CHECK_RC(lg_sender_send_wait(&e->sender, &tx, &r, &req), LG_ERR_REVERTED, "mined revert");
    CHECK(r.status == 0 && r.block_number > 0, "receipt of the reverted tx: status %d", r.status);
    printf("mined_reason=%s\n", reason(e));
    lg_receipt_release(&r);
    lg_signed_tx_release(&tx);
    return 0;
}

/* -------------------------------------------------------------- concurrent */

/* One worker: its own rpc, signer, key, store and sender; sends per transfers of 1 base
 * unit to `to`, reports "nonce hash" lines on fd, then waits for every receipt. */
static int worker(const char *config_path, int per, const uint8_t *to, int fd)
{
    env e;
    if (env_open(&e, config_path, 1) != 0)
        return 1;
    lg_u256 one;
    lg_u256_from_u64(&one, 1);
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_usdc_transfer_calldata(data, &len, to, &one);
    lg_tx_request req = {.to = e.c.usdc, .data = data, .data_len = len};
    lg_signed_tx *txs = calloc((size_t)per, sizeof *txs);
    int bad = !txs;
    for (int i = 0; !bad && i < per; i++) {
        lg_err err = lg_sender_send(&e.sender, &txs[i], &req);
        if (err != LG_OK) {
            printf("FAIL: worker %d send %d: %s: %s\n", (int)getpid(), i, lg_errname(err),
                   reason(&e));
            bad = 1;
            break;
        }
        dprintf(fd, "%" PRIu64 " %s\n", txs[i].nonce, txs[i].hash_hex);
    }
    for (int i = 0; !bad && i < per; i++) {
        lg_receipt r;
        lg_err err = lg_sender_wait(&e.sender, &r, txs[i].hash);
        if (err != LG_OK || r.status != 1) {
            printf("FAIL: worker receipt %d: %s\n", i, lg_errname(err));
            bad = 1;
        } else {
            lg_store_tx_set_state(e.store, txs[i].hash_hex, LG_TXS_MINED);
        }
        lg_receipt_release(&r);
    }
    for (int i = 0; txs && i < per; i++)
        lg_signed_tx_release(&txs[i]);
    free(txs);
    env_close(&e);
    return bad;
}

/* Mines a block every mine_ms (when automine is off) until every worker has exited;
 * returns the number of workers that failed. */
static int supervise(env *e, pid_t *pids, int procs, int mine_ms)
{
    int left = procs, bad = 0;
    int64_t deadline = lg_time_mono_ms() + 180000;
    while (left > 0) {
        if (mine_ms > 0)
            lg_rpc_call_raw(e->rpc, "evm_mine", "[]", 0, NULL);
        usleep((useconds_t)(mine_ms > 0 ? mine_ms : 50) * 1000);
        for (int i = 0; i < procs; i++) {
            int st = 0;
            if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
                bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                pids[i] = 0;
                left--;
            }
        }
        if (lg_time_mono_ms() > deadline) {
            for (int i = 0; i < procs; i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGKILL);
            printf("FAIL: workers did not finish in 180 s\n");
            return procs;
        }
    }
    return bad;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Every nonce reported, sorted, must be start, start+1, ..., start+n-1. */
static void check_nonces(FILE *in, uint64_t start, size_t want)
{
    uint64_t *v = calloc(want + 1, sizeof *v);
    size_t n = 0;
    char hash[80];
    while (v && n <= want && fscanf(in, "%" SCNu64 " %79s", &v[n], hash) == 2)
        n++;
    CHECK(n == want, "%zu nonces reported, want %zu", n, want);
    if (v)
        qsort(v, n, sizeof *v, cmp_u64);
    size_t holes = 0;
    for (size_t i = 0; v && i < n; i++)
        holes += v[i] != start + i;
    CHECK(holes == 0, "nonces are not distinct and consecutive from %" PRIu64, start);
    printf("nonces=%zu first=%" PRIu64 " last=%" PRIu64 "\n", n, n ? v[0] : 0, n ? v[n - 1] : 0);
    free(v);
}

static pid_t spawn_worker(env *e, int per, const uint8_t *to, int fd)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* The parent's rpc handle and store belong to the parent: never touched here. */
        int rc = worker(e->config_path, per, to, fd);
        fflush(stdout);
        _exit(rc);
    }
    return pid;
}

static int cmd_concurrent(env *e, char **argv)
{
    int procs = atoi(argv[0]), per = atoi(argv[1]), mine_ms = atoi(argv[3]);
    uint8_t to[LG_ADDRESS_LEN];
    int fds[2];
    if (procs < 1 || procs > 64 || per < 1 || parse_address(to, argv[2]) || pipe(fds) != 0)
        return -1;
    uint64_t nonce0 = pending_nonce(e), bal0 = usdc_balance(e, to);
    if (mine_ms > 0)
        CHECK_RC(lg_rpc_call_raw(e->rpc, "evm_setAutomine", "[false]", 0, NULL), LG_OK,
                 "automine off");
    pid_t pids[64];
    for (int i = 0; i < procs; i++)
        pids[i] = spawn_worker(e, per, to, fds[1]);
    close(fds[1]);
    int bad = supervise(e, pids, procs, mine_ms);
    if (mine_ms > 0)
        lg_rpc_call_raw(e->rpc, "evm_setAutomine", "[true]", 0, NULL);
    CHECK(bad == 0, "%d worker(s) failed", bad);
    FILE *in = fdopen(fds[0], "r");
    size_t total = (size_t)procs * (size_t)per;
    check_nonces(in, nonce0, total);
    if (in)
        fclose(in);
    uint64_t nonce1 = pending_nonce(e), next = store_counter(e);
    CHECK(nonce1 == nonce0 + total, "account nonce advanced by %" PRIu64, nonce1 - nonce0);
    CHECK(usdc_balance(e, to) == bal0 + total, "recipient balance did not grow by %zu", total);
    CHECK(next == nonce1, "store counter %" PRIu64 " is not the account nonce", next);
    printf("advanced=%" PRIu64 "\n", nonce1 - nonce0);
    return 0;
}

/* ---------------------------------------------------- unreachable and slow nodes */

/* An rpc on url with the configured timeouts and retries. */
static lg_rpc *rpc_at(env *e, const char *url)
{
    lg_rpc_opts o = {
        .url = url,
        .connect_timeout_ms = lg_config_u64(e->cfg, "chain", "connect_timeout_ms"),
        .request_timeout_ms = lg_config_u64(e->cfg, "chain", "request_timeout_ms"),
        .retries = (unsigned)lg_config_u64(e->cfg, "chain", "rpc_retries"),
    };
    lg_rpc *rpc = NULL;
    CHECK_RC(lg_rpc_open(&rpc, &o), LG_OK, "rpc open");
    return rpc;
}

/* Calls eth_blockNumber on url; checks the code and that it came within bound_ms. */
static void expect_failure_within(env *e, const char *url, lg_err want, int64_t bound_ms)
{
    lg_rpc *rpc = rpc_at(e, url);
    uint64_t n = 0;
    int64_t t0 = lg_time_mono_ms();
    lg_err err = rpc ? lg_rpc_block_number(rpc, &n) : LG_ERR_INVALID;
    int64_t elapsed = lg_time_mono_ms() - t0;
    CHECK_RC(err, want, "eth_blockNumber");
    CHECK(elapsed <= bound_ms, "took %" PRId64 " ms, bound %" PRId64 " ms", elapsed, bound_ms);
    printf("code=%s elapsed_ms=%" PRId64 " bound_ms=%" PRId64 " message=%s\n", lg_errname(err),
           elapsed, bound_ms, lg_rpc_error_text(lg_rpc_last_error(rpc)));
    lg_rpc_close(rpc);
}

static int cmd_down(env *e, char **argv)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", atoi(argv[0]));
    /* refused at once: the retries' backoff (50 + 100 ms) is all the time it may take,
     * far below the connect timeout */
    int64_t bound = (int64_t)lg_config_u64(e->cfg, "chain", "connect_timeout_ms");
    expect_failure_within(e, url, LG_ERR_IO, bound);
    return 0;
}

/* A socket on 127.0.0.1 that listens and never accepts: the kernel completes the
 * handshake, the request is sent, and no answer ever comes. */
static int silent_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int cmd_hang(env *e, char **argv)
{
    (void)argv;
    int port = 0, fd = silent_listener(&port);
    if (fd < 0) {
        printf("FAIL: cannot listen on 127.0.0.1\n");
        return -1;
    }
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    int64_t bound = (int64_t)lg_config_u64(e->cfg, "chain", "request_timeout_ms");
    expect_failure_within(e, url, LG_ERR_TIMEOUT, bound + BOUND_MARGIN_MS);
    close(fd);
    return 0;
}

/* Child: answers one request with 9 MiB of JSON whitespace and no length. */
static void serve_oversize(int lfd)
{
    static char chunk[65536];
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Connection: close\r\n\r\n";
    signal(SIGPIPE, SIG_IGN);
    int c = accept(lfd, NULL, NULL);
    if (c < 0)
        _exit(1);
    char req[8192];
    if (read(c, req, sizeof req) <= 0)
        _exit(1);
    memset(chunk, ' ', sizeof chunk);
    if (write(c, head, sizeof head - 1) < 0)
        _exit(1);
    for (int i = 0; i < 9 * 16; i++)
        if (write(c, chunk, sizeof chunk) < 0)
            break;
    close(c);
    _exit(0);
}

static int cmd_oversize(env *e, char **argv)
{
    (void)argv;
    int port = 0, fd = silent_listener(&port);
    if (fd < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        serve_oversize(fd);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    int64_t bound = (int64_t)lg_config_u64(e->cfg, "chain", "request_timeout_ms");
    expect_failure_within(e, url, LG_ERR_RPC, bound);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return 0;
}

/* ---------------------------------------------------------------- automine */

static void automine(env *e, int on)
{
    lg_err err = lg_rpc_call_raw(e->rpc, "evm_setAutomine", on ? "[true]" : "[false]", 0, NULL);
    CHECK_RC(err, LG_OK, "evm_setAutomine");
}

/* Pending in the pool: the wait times out within its bound, the node still knows it,
 * and the same bytes again are accepted ("already known"). */
static void check_pending(env *e, const lg_signed_tx *tx)
{
    lg_receipt r;
    int64_t bound = (int64_t)e->sender.opts.receipt_timeout_ms;
    int64_t t0 = lg_time_mono_ms();
    lg_err err = lg_sender_wait(&e->sender, &r, tx->hash);
    int64_t elapsed = lg_time_mono_ms() - t0;
    CHECK_RC(err, LG_ERR_TIMEOUT, "receipt of an unmined tx");
    CHECK(elapsed <= bound + BOUND_MARGIN_MS && elapsed >= bound,
          "receipt wait took %" PRId64 " ms, bound %" PRId64, elapsed, bound);
    printf("pending_wait=%s elapsed_ms=%" PRId64 " bound_ms=%" PRId64 "\n", lg_errname(err),
           elapsed, bound);
    lg_rpc_tx_info info;
    CHECK_RC(lg_rpc_get_tx(e->rpc, &info, tx->hash), LG_OK, "eth_getTransactionByHash");
    CHECK(!info.mined && info.nonce == tx->nonce, "tx should be pending at its nonce");
    uint8_t hash[LG_RPC_HASH_LEN];
    err = lg_sender_rebroadcast(&e->sender, hash, tx->raw_hex);
    CHECK_RC(err, LG_OK, "re-broadcast of a pending tx");
    printf("pending_rebroadcast=%s\n", lg_errname(err));
}

/* Sends req again at tx's nonce with fees (a replacement); returns the send's code. */
static lg_err send_version(env *e, lg_signed_tx *out, const lg_tx_request *base,
                           const lg_signed_tx *tx, const lg_fees *fees)
{
    lg_tx_request req = *base;
    req.use_nonce = 1;
    req.nonce = tx->nonce;
    req.gas_limit = tx->gas_limit;
    req.fees = fees;
    return lg_sender_send(&e->sender, out, &req);
}

/* A stuck tx: +5% is refused by the pool, lg_fees_replacement's fees replace it. */
static lg_err check_replacement(env *e, lg_signed_tx *repl, const lg_tx_request *req,
                                const lg_signed_tx *tx)
{
    lg_fees low = tx->fees, cur, high;
    lg_signed_tx under;
    lg_fees_raise(&low.max_fee, tx->fees.max_fee, 5);
    lg_fees_raise(&low.max_priority_fee, tx->fees.max_priority_fee, 5);
    lg_err err = send_version(e, &under, req, tx, &low);
    CHECK_RC(err, LG_ERR_RPC, "replacement with +5% fees");
    printf("underpriced=%s\n", reason(e));
    lg_signed_tx_release(&under);
    CHECK_RC(lg_fees_fetch(e->rpc, &cur), LG_OK, "current fees");
    CHECK_RC(lg_fees_replacement(&high, &tx->fees, &cur), LG_OK, "replacement fees");
    err = send_version(e, repl, req, tx, &high);
    CHECK_RC(err, LG_OK, "replacement with +10% fees");
    CHECK(repl->nonce == tx->nonce && memcmp(repl->hash, tx->hash, LG_RPC_HASH_LEN) != 0,
          "replacement is not a new version at the same nonce");
    return err;
}

/* After evm_mine: the replacement is mined, the replaced version never is, and its
 * bytes are refused (the nonce is taken by another hash). */
static void check_mined_replacement(env *e, const lg_signed_tx *tx, const lg_signed_tx *repl)
{
    lg_receipt r;
    CHECK_RC(lg_rpc_call_raw(e->rpc, "evm_mine", "[]", 0, NULL), LG_OK, "evm_mine");
    lg_err err = lg_sender_wait(&e->sender, &r, repl->hash);
    CHECK_RC(err, LG_OK, "receipt after evm_mine");
    CHECK(err != LG_OK || r.status == 1, "status after evm_mine");
    printf("mined_wait=%s\n", lg_errname(err));
    if (err == LG_OK || err == LG_ERR_REVERTED)
        lg_receipt_release(&r);
    CHECK_RC(lg_rpc_get_receipt(e->rpc, &r, tx->hash), LG_ERR_NOT_FOUND, "replaced receipt");
    err = lg_sender_rebroadcast(&e->sender, NULL, tx->raw_hex);
    CHECK_RC(err, LG_ERR_RPC, "re-broadcast of the replaced version");
    printf("replaced_rebroadcast=%s message=%s\n", lg_errname(err), reason(e));
}

static int cmd_automine(env *e, char **argv)
{
    uint8_t to[LG_ADDRESS_LEN];
    if (parse_address(to, argv[0]))
        return -1;
    lg_u256 one;
    lg_u256_from_u64(&one, 1);
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_usdc_transfer_calldata(data, &len, to, &one);
    lg_tx_request req = {.to = e->c.usdc, .data = data, .data_len = len};
    lg_signed_tx tx, repl;
    memset(&repl, 0, sizeof repl);
    automine(e, 0);
    lg_err err = lg_sender_send(&e->sender, &tx, &req);
    CHECK_RC(err, LG_OK, "send with automine off");
    if (err == LG_OK) {
        check_pending(e, &tx);
        if (check_replacement(e, &repl, &req, &tx) == LG_OK) {
            check_mined_replacement(e, &tx, &repl);
            check_rebroadcast(e, &repl, to);
        }
    }
    automine(e, 1);
    lg_signed_tx_release(&tx);
    lg_signed_tx_release(&repl);
    return 0;
}

/* ------------------------------------------------------ keep-alive, resync */

/* A forked child may not share the parent's connection: its call is refused. */
static void check_fork_refused(env *e)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t n = 0;
        _exit(lg_rpc_block_number(e->rpc, &n) == LG_ERR_STATE ? 0 : 1);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a forked child could use the parent's rpc handle");
}

static int cmd_keepalive(env *e, char **argv)
{
    (void)argv;
    uint64_t n = 0;
    for (int i = 0; i < 20; i++)
        CHECK_RC(lg_rpc_block_number(e->rpc, &n), LG_OK, "eth_blockNumber");
    long conns = lg_rpc_connections(e->rpc);
    CHECK(conns == 1, "20 calls opened %ld connections", conns);
    printf("calls=20 connections=%ld\n", conns);
    check_fork_refused(e);
    CHECK_RC(lg_rpc_block_number(e->rpc, &n), LG_OK, "eth_blockNumber after the fork");
    return 0;
}

static lg_err failing_persist(void *ctx, const lg_signed_tx *tx)
{
    (void)ctx;
    (void)tx;
    return LG_ERR_STORE;
}

/* When the transaction cannot be persisted, it never leaves the process. */
static int cmd_persistfail(env *e, char **argv)
{
    uint8_t to[LG_ADDRESS_LEN];
    lg_u256 one;
    if (parse_address(to, argv[0]))
        return -1;
    lg_u256_from_u64(&one, 1);
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_usdc_transfer_calldata(data, &len, to, &one);
    uint64_t nonce0 = pending_nonce(e);
    /* at the next nonce, so that the refusal leaves no gap for the later tests */
    lg_tx_request req = {
        .to = e->c.usdc, .data = data, .data_len = len, .use_nonce = 1, .nonce = nonce0};
    e->sender.persist = failing_persist;
    lg_signed_tx tx;
    lg_rpc_tx_info info;
    lg_err err = lg_sender_send(&e->sender, &tx, &req);
    CHECK_RC(err, LG_ERR_STORE, "send with a failing persist");
    CHECK(tx.raw != NULL, "the signed transaction is handed back");
    CHECK_RC(lg_rpc_get_tx(e->rpc, &info, tx.hash), LG_ERR_NOT_FOUND, "node knows the tx");
    CHECK(pending_nonce(e) == nonce0, "account nonce moved");
    printf("persist_failure=%s\n", lg_errname(err));
    lg_signed_tx_release(&tx);
    return 0;
}

static int cmd_resync(env *e, char **argv)
{
    (void)argv;
    uint64_t prev = 0, old = 0, now = 0;
    /* a counter gone wrong (a restored backup, a key used elsewhere) */
    CHECK_RC(e->nonces.resync(e->nonces.ctx, e->chain_id, e->platform, 3, &prev), LG_OK,
             "set counter");
    CHECK_RC(lg_nonce_resync(&e->nonces, e->rpc, e->chain_id, e->platform, &old, &now), LG_OK,
             "lg_nonce_resync");
    CHECK(old == 3, "old value %" PRIu64 ", want 3", old);
    CHECK(now == pending_nonce(e), "resync value is not the pending count");
    uint64_t peek = store_counter(e);
    CHECK(peek == now, "store counter %" PRIu64 " after resync to %" PRIu64, peek, now);
    printf("old=%" PRIu64 " new=%" PRIu64 "\n", old, now);
    return 0;
}

/* -------------------------------------------------------------------- main */

typedef struct command {
    const char *name;
    int nargs;
    int signing;
    int (*run)(env *e, char **argv);
} command;

static const command commands[] = {
    {"chain", 0, 0, cmd_chain},
    {"read", 1, 0, cmd_read},
    {"borrow", 2, 1, cmd_borrow},
    {"transfer", 2, 1, cmd_transfer},
    {"revert", 1, 1, cmd_revert},
    {"concurrent", 4, 1, cmd_concurrent},
    {"down", 1, 0, cmd_down},
    {"hang", 0, 0, cmd_hang},
    {"oversize", 0, 0, cmd_oversize},
    {"automine", 1, 1, cmd_automine},
    {"keepalive", 0, 0, cmd_keepalive},
    {"resync", 0, 1, cmd_resync},
    {"persistfail", 1, 1, cmd_persistfail},
};

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 4 || strcmp(argv[1], "--config") != 0) {
        fprintf(stderr, "usage: eth_live --config FILE COMMAND [ARGS]\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const command *c = &commands[i];
        if (strcmp(argv[3], c->name) != 0)
            continue;
        if (argc - 4 != c->nargs) {
            fprintf(stderr, "eth_live: %s takes %d argument(s)\n", c->name, c->nargs);
            return 2;
        }
        env e;
        if (env_open(&e, argv[2], c->signing) != 0) {
            env_close(&e);
            return 1;
        }
        int rc = c->run(&e, argv + 4);
        env_close(&e);
        if (rc == 0 && failures == 0)
            printf("ok\n");
        return rc != 0 || failures != 0;
    }
    fprintf(stderr, "eth_live: unknown command '%s'\n", argv[3]);
    return 2;
}
