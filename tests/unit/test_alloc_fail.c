/*
 * test_alloc_fail.c - allocation-failure runs over the parsers of outside input and
 * the store: every error path frees what it took and says what failed.
 *
 * Each operation is run once to count its allocations (N), then once for each i of
 * 1..N with the i-th allocation returning NULL, then once for each i with every
 * allocation from the i-th on returning NULL (as nghttp2's failmalloc tests do: the
 * clean-up runs short of memory too), then normally again (failmalloc.h). Under a
 * failure the operation must return LG_ERR_NOMEM or another error it documents, or
 * the very result of a normal run when it could do without that allocation, never
 * LG_OK with a different result; every block lendgate allocated must be freed again
 * once the caller released the results; and the next normal call must work. make
 * check runs this under LeakSanitizer (detect_leaks=1), which fails the program on
 * any other leak.
 *
 * What fails: lendgate's own calls of malloc, calloc, realloc, strdup and strndup
 * (linked with -Wl,--wrap, see tests/unit/local.mk) and SQLite's allocator
 * (SQLITE_CONFIG_MALLOC). Allocations inside json-c, OpenSSL, libcurl, libinih and
 * libc are not wrapped and never fail here: this proves lendgate's error paths, not
 * those libraries'. Operations that only use caller buffers (RLP, ABI, transaction
 * decoding, the request's CGI parameters, the views over json-c) are run as well:
 * their count of 0 is printed, and any allocation added to them later is failed too.
 *
 * An operation with more than 300 allocations has each of its first 150 failed, then
 * every m-th and the last (about 300 runs for each way of failing);
 * LG_ALLOC_FAIL_RUNS=N asks for about N instead, LG_ALLOC_FAIL_RUNS=all for every
 * one. Each operation prints one "alloc-fail:" line with its counts; set
 * LG_ALLOC_FAIL_LOG=1 to see the library's log lines. The store's part is
 * in alloc_fail_store.c.
 */
#include "config.h"

#include "alloc_fail_store.h"
#include "failmalloc.h"
#include "harness.h"

#include <lendgate/abi.h>
#include <lendgate/admin_bodies.h>
#include <lendgate/bodies.h>
#include <lendgate/config.h>
#include <lendgate/contracts.h>
#include <lendgate/hex.h>
#include <lendgate/json_input.h>
#include <lendgate/log.h>
#include <lendgate/request.h>
#include <lendgate/rlp.h>
#include <lendgate/rpc.h>
#include <lendgate/tx.h>
#include <lendgate/view.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MIXED "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

/* ------------------------------------------------------------ parsers of bodies */

/* What a parser hands out, as plain bytes that two runs can compare. */
typedef union parse_out {
    char canon[1024];
    lg_borrow_request borrow;
    lg_repay_request repay;
    char tx_hash[LG_HASH_LEN];
    lg_admin_create create;
    struct {
        lg_partner p;
        unsigned mask;
    } patch;
    struct {
        uint64_t grace;
        lg_apikey_env env;
    } rotate;
    struct {
        lg_admin_import_entry e[2];
        size_t n, bad;
    } platforms;
} parse_out;

typedef lg_err (*parse_fn)(const char *in, size_t len, parse_out *out, char *msg, size_t msglen);

typedef struct parse_case {
    const char *input;
    parse_fn parse;
    lg_err want_rc; /* a normal run's code, message and result */
    char want_msg[256];
    parse_out want;
} parse_case;

static lg_err parse_json(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    struct json_object *o = (struct json_object *)1;
    lg_err rc = lg_json_parse_object(in, len, LG_JSON_MAX_DEPTH, &o, msg, msglen);
    if (rc != LG_OK) {
        AF_CHECK(o == NULL);
        return rc;
    }
    rc = lg_json_canonical(o, LG_JSON_MAX_DEPTH, out->canon, sizeof out->canon);
    json_object_put(o);
    return rc;
}

static lg_err parse_borrow(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    return lg_parse_borrow(in, len, &out->borrow, msg, msglen);
}

static lg_err parse_repay(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    return lg_parse_repay(in, len, &out->repay, msg, msglen);
}

static lg_err parse_deposit(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    return lg_parse_deposit(in, len, out->tx_hash, msg, msglen);
}

/* Zeroes what follows the NUL of each text field: the parsers copy text fields from
 * buffers of their own, whose bytes past the string are not part of the result. */
static void tidy(char *field, size_t cap)
{
    size_t n = strnlen(field, cap);
    memset(field + n, 0, cap - n);
}

#define TIDY(f) tidy((f), sizeof(f))

static void tidy_partner(lg_partner *p)
{
    TIDY(p->id);
    TIDY(p->name);
    TIDY(p->key_prefix);
    TIDY(p->settlement_address);
    TIDY(p->webhook_url);
    TIDY(p->webhook_secret);
    TIDY(p->contact_email);
    TIDY(p->signing_secret);
    TIDY(p->ip_allowlist);
    TIDY(p->contact_wallet);
    TIDY(p->public_key);
    TIDY(p->created_by);
}

static lg_err parse_create(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    lg_err rc = lg_parse_admin_create(in, len, &out->create, msg, msglen);
    tidy_partner(&out->create.partner);
    return rc;
}

static lg_err parse_patch(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    lg_err rc = lg_parse_admin_patch(in, len, &out->patch.p, &out->patch.mask, msg, msglen);
    tidy_partner(&out->patch.p);
    return rc;
}

static lg_err parse_rotate(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    out->rotate.grace = 86400;
    out->rotate.env = LG_APIKEY_LIVE;
    return lg_parse_admin_rotate(in, len, &out->rotate.grace, &out->rotate.env, msg, msglen);
}

/* Copies the entries out of the array the parser hands over, and frees that. */
static lg_err parse_platforms(const char *in, size_t len, parse_out *out, char *msg, size_t msglen)
{
    lg_admin_import_entry *all = (lg_admin_import_entry *)1;
    size_t n = 99;
    lg_err rc = lg_parse_partner_platforms(in, len, &all, &n, &out->platforms.bad, msg, msglen);
    if (rc != LG_OK) {
        AF_CHECK(all == NULL && n == 0);
        return rc;
    }
    AF_CHECK(n == 2);
    out->platforms.n = n;
    memcpy(out->platforms.e, all, (n < 2 ? n : 2) * sizeof *all);
    for (size_t i = 0; i < n && i < 2; i++)
        tidy_partner(&out->platforms.e[i].create.partner);
    free(all);
    return rc;
}

static lg_err run_parse(void *ctx)
{
    const parse_case *pc = ctx;
    static parse_out got;
    char msg[256] = "";
    memset(&got, 0, sizeof got);
    lg_err rc = pc->parse(pc->input, strlen(pc->input), &got, msg, sizeof msg);
    if (rc == pc->want_rc) {
        size_t at = 0;
        while (at < sizeof got && ((const char *)&got)[at] == ((const char *)&pc->want)[at])
            at++;
        af_check(at == sizeof got, __FILE__, __LINE__,
                 "%s, as a normal run, with another result (from byte %zu on)", lg_errname(rc), at);
        af_check(strcmp(msg, pc->want_msg) == 0, __FILE__, __LINE__,
                 "message \"%s\", a normal run's \"%s\"", msg, pc->want_msg);
    }
    return rc;
}

/* A normal run first, to know what every later run must give. */
static void drive_parse(const char *name, const char *input, parse_fn parse, lg_err want_rc)
{
    static parse_case c;
    parse_case *pc = &c;
    pc->input = input;
    pc->parse = parse;
    memset(&pc->want, 0, sizeof pc->want);
    pc->want_msg[0] = '\0';
    pc->want_rc =
        pc->parse(pc->input, strlen(pc->input), &pc->want, pc->want_msg, sizeof pc->want_msg);
    CU_ASSERT_EQUAL_FATAL(pc->want_rc, want_rc);
    af_op op = {name, pc, NULL, run_parse, NULL, want_rc};
    af_drive(&op);
}

static void test_json_object(void)
{
    drive_parse("strict JSON object",
                "{\"a\":1,\"b\":{\"c\":[1,2,{\"d\":\"x\",\"e\":null}],\"\\u00e9\":"
                "\"\\u00e9\",\"g\":{\"h\":{}}},\"f\":\"g\",\"i\":true,\"j\":-1.5}",
                parse_json, LG_OK);
}

/* A refusal must survive a failure: never LG_OK for a repeated key. */
static void test_json_duplicate(void)
{
    drive_parse("strict JSON, a repeated key",
                "{\"a\":1,\"b\":{\"x\":1,\"y\":[{\"z\":1}],\"w\":2,\"x\":3},\"c\":4}", parse_json,
                LG_ERR_INVALID);
}

#define BORROW_FIELDS                                                                              \
    "\"partnerLoanId\":\"loan-42\",\"userWallet\":\"" ADDR_MIXED "\",\"oaidTokenId\":\"7\","       \
    "\"borrowAmount\":\"1500000\""

static void test_borrow(void)
{
    drive_parse("borrow body",
                "{" BORROW_FIELDS ",\"metadata\":{\"ref\":\"A-1\",\"n\":[1,{\"k\":2}]}}",
                parse_borrow, LG_OK);
}

static void test_borrow_duplicate(void)
{
    drive_parse("borrow body, a repeated key", "{" BORROW_FIELDS ",\"borrowAmount\":\"9000000\"}",
                parse_borrow, LG_ERR_INVALID);
}

static void test_repay(void)
{
    drive_parse("repay body",
                "{\"partnerLoanId\":\"loan-42\",\"repaymentAmount\":\"250000\",\"repaymentTxHash\":"
                "\"0x4f0e2b7a1c9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f\"}",
                parse_repay, LG_OK);
}

static void test_deposit(void)
{
    drive_parse(
        "deposit body",
        "{\"txHash\":\"0x4f0e2b7a1c9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f\"}",
        parse_deposit, LG_OK);
}

#define CREATE_BASE                                                                                \
    "\"partnerName\":\"Acme\",\"apiKeyPrefix\":\"acme\",\"settlementAddress\":\"" ADDR_MIXED "\""

static void test_admin_create(void)
{
    drive_parse(
        "admin create body",
        "{" CREATE_BASE ",\"environment\":\"sandbox\",\"tier\":\"PREMIUM\","
        "\"dailyBorrowLimit\":\"5000000\",\"totalBorrowLimit\":\"90000000\","
        "\"platformFeePercentage\":250,\"webhookUrl\":\"https://hooks.example.com/x\","
        "\"contactEmail\":\"ops@acme.example\",\"rateLimitRpm\":600,\"signingRequired\":true,"
        "\"ipAllowlist\":[\"10.0.0.0/8\",\"2001:db8::1\"]}",
        parse_create, LG_OK);
}

static void test_admin_patch(void)
{
    drive_parse("admin patch body",
                "{\"platformFeePercentage\":0,\"tier\":\"ENTERPRISE\","
                "\"signingRequired\":false,\"webhookUrl\":\"\"}",
                parse_patch, LG_OK);
}

static void test_admin_rotate(void)
{
    drive_parse("admin rotate body", "{\"graceSeconds\":2,\"environment\":\"sandbox\"}",
                parse_rotate, LG_OK);
}

#define PLATFORM(prefix, name)                                                                     \
    "{\"partnerName\":\"" name "\",\"apiKeyPrefix\":\"" prefix                                     \
    "\",\"settlementAddress\":\"" ADDR_MIXED                                                       \
    "\",\"tier\":\"BASIC\",\"dailyBorrowLimit\":\"50000000000\"}"

static void test_platforms(void)
{
    drive_parse(
        "partner_platforms.json",
        "{\"partners\":[" PLATFORM("xyz", "XYZ Lending") "," PLATFORM("abc", "ABC Finance") "]}",
        parse_platforms, LG_OK);
}

/* The array is allocated before the entry at fault is found: it must go again. */
static void test_platforms_bad(void)
{
    drive_parse(
        "partner_platforms.json, a bad entry",
        "{\"partners\":[" PLATFORM("xyz", "XYZ Lending") "," PLATFORM("xyz", "XYZ again") "]}",
        parse_platforms, LG_ERR_INVALID);
}

/* ------------------------------------------------------------ the request */

static char body_bytes[10000];

typedef struct body_src {
    size_t off;
} body_src;

/* Hands the body out 700 bytes at a time, as a FastCGI stream does in records. */
static long read_chunk(void *ctx, char *buf, size_t n)
{
    body_src *s = ctx;
    size_t left = sizeof body_bytes - s->off, k = n < 700 ? n : 700;
    k = k < left ? k : left;
    memcpy(buf, body_bytes + s->off, k);
    s->off += k;
    return (long)k;
}

static lg_err run_read_body(void *ctx)
{
    lg_request r;
    body_src src = {0};
    memset(&r, 0, sizeof r);
    r.content_length = *(const int64_t *)ctx;
    lg_err rc = lg_request_read_body(&r, read_chunk, &src, (size_t)1 << 20);
    if (rc == LG_OK)
        AF_CHECK(!r.body_too_large && r.body_len == sizeof body_bytes &&
                 memcmp(r.body, body_bytes, sizeof body_bytes) == 0);
    else
        AF_CHECK(r.body == NULL && r.body_len == 0);
    lg_request_release(&r);
    return rc;
}

/* Without CONTENT_LENGTH the buffer grows as the body comes; with it, one block. */
static void test_read_body(void)
{
    static int64_t unknown = -1, known = sizeof body_bytes;
    for (size_t i = 0; i < sizeof body_bytes; i++)
        body_bytes[i] = (char)('a' + i % 26);
    af_op grow = {"request body, length unknown", &unknown, NULL, run_read_body, NULL, LG_OK};
    af_drive(&grow);
    af_op fixed = {"request body, CONTENT_LENGTH", &known, NULL, run_read_body, NULL, LG_OK};
    af_drive(&fixed);
}

static const char *env_param(void *ctx, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = ctx; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static lg_err run_request_init(void *ctx)
{
    (void)ctx;
    static const char *const env[] = {"REQUEST_METHOD=POST",
                                      "REQUEST_URI=/partners/borrow?x=%41b&limit=10",
                                      "QUERY_STRING=x=%41b&limit=10",
                                      "CONTENT_TYPE=application/json",
                                      "CONTENT_LENGTH=12",
                                      "HTTP_X_REQUEST_ID=req-1",
                                      "REMOTE_ADDR=10.0.0.2",
                                      "HTTP_X_FORWARDED_FOR=203.0.113.9",
                                      NULL};
    lg_request r;
    char x[16];
    lg_err rc = lg_request_init(&r, env_param, (void *)env, "10.0.0.0/8");
    if (rc == LG_OK) {
        AF_CHECK(strcmp(r.method, "POST") == 0 && strcmp(r.path, "/partners/borrow") == 0);
        AF_CHECK(strcmp(r.client_ip, "203.0.113.9") == 0 && strcmp(r.request_id, "req-1") == 0);
        AF_CHECK(r.content_length == 12);
        AF_CHECK(lg_request_query(&r, "x", x, sizeof x) == LG_OK && strcmp(x, "Ab") == 0);
    }
    lg_request_release(&r);
    return rc;
}

static void test_request_init(void)
{
    af_op op = {"request CGI parameters", NULL, NULL, run_request_init, NULL, LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ the configuration */

static char tmpdir[512];

typedef struct config_case {
    char path[700];
    lg_err want_rc;
    char want[16384]; /* every key as text, or the refusal */
} config_case;

/* Every key as "[section] key = value" lines: the whole configuration. */
static void config_text(const lg_config *cfg, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lg_config_schema_count() && used < cap; i++) {
        const char *section, *key, *def;
        if (lg_config_schema_at(i, &section, &key, &def) != LG_OK)
            break;
        int n = snprintf(out + used, cap - used, "[%s] %s = %s\n", section, key,
                         lg_config_str(cfg, section, key));
        used += n > 0 ? (size_t)n : 0;
    }
}

static lg_err load_config(config_case *c, char *text, size_t cap)
{
    lg_config *cfg = (lg_config *)1;
    lg_err rc = lg_config_load(c->path, &cfg, text, cap);
    if (rc != LG_OK) {
        AF_CHECK(cfg == NULL);
        return rc;
    }
    config_text(cfg, text, cap);
    lg_config_free(cfg);
    return rc;
}

static lg_err run_config(void *ctx)
{
    config_case *c = ctx;
    static char got[sizeof c->want];
    lg_err rc = load_config(c, got, sizeof got);
    if (rc == c->want_rc)
        af_check(strcmp(got, c->want) == 0, __FILE__, __LINE__,
                 "%s, as a normal run, with another result", lg_errname(rc));
    return rc;
}

static void drive_config(const char *name, config_case *c, lg_err want)
{
    c->want_rc = load_config(c, c->want, sizeof c->want);
    CU_ASSERT_EQUAL_FATAL(c->want_rc, want);
    af_op op = {name, c, NULL, run_config, NULL, want};
    af_drive(&op);
}

static void test_config_good(void)
{
    static config_case c;
    lg_test_srcpath(c.path, sizeof c.path, "tests/data/config/good.conf");
    drive_config("config file", &c, LG_OK);
}

/* A refusal on the last line: every value before it is built and must go again. */
static void test_config_bad(void)
{
    static config_case c;
    snprintf(c.path, sizeof c.path, "%s/bad.conf", tmpdir);
    FILE *f = fopen(c.path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("[http]\ntrusted_proxies = 127.0.0.1, ::1, 10.0.0.0/8\nmax_body_bytes = 2048\n"
          "[admin]\nadmins = alice,bob@example.com\n[webhook]\nretry_schedule = 5, 5, 30\n"
          "[chain]\nrpc_url = https://rpc.example.net/v3/abc\nchain_id = abc\n",
          f);
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    drive_config("config file, a bad value", &c, LG_ERR_CONFIG);
}

/* ------------------------------------------------------------ chain answers */

#define USDC       "0x5fbdb2315678afecb367f032d93f642f64180aa3"
#define T_TRANSFER "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#define T_FROM     "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
#define T_TO       "0x0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
#define TXHASH     "0x4f0e2b7a1c9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define LOG(data, index)                                                                           \
    "{\"address\":\"" USDC "\",\"topics\":[\"" T_TRANSFER "\",\"" T_FROM "\",\"" T_TO "\"],"       \
    "\"data\":\"" data "\",\"blockNumber\":\"0x1d\",\"transactionHash\":\"" TXHASH "\","           \
    "\"logIndex\":\"" index "\"}"

static const char receipt_response[] =
    "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"transactionHash\":\"" TXHASH "\","
    "\"blockNumber\":\"0x1d\",\"from\":\"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\","
    "\"to\":\"" USDC "\",\"gasUsed\":\"0xcb2c\",\"status\":\"0x1\","
    "\"effectiveGasPrice\":\"0x3ce9c1f9\",\"logs\":[" LOG(
        "0x000000000000000000000000000000000000000000000000000000000016e360",
        "0x0") "," LOG("0x00000000000000000000000000000000000000000000000000000000000f4240",
                       "0x1") "]}}";

/* What the receipt and its USDC transfers came to. */
typedef struct receipt_sum {
    int status;
    uint64_t block, gas_used;
    size_t nlogs, ntransfers;
    uint8_t data[2][32];
    lg_erc20_transfer t[2];
} receipt_sum;

static lg_err transfers(const lg_receipt *r, receipt_sum *sum)
{
    uint8_t usdc[LG_ADDRESS_LEN];
    lg_erc20_transfer *t = NULL;
    if (lg_hex_decode_fixed(usdc, sizeof usdc, USDC, LG_HEX_0X) != LG_OK)
        return LG_ERR_INTERNAL;
    lg_err rc = lg_erc20_transfers(&t, &sum->ntransfers, r->logs, r->nlogs, usdc);
    if (rc == LG_OK && sum->ntransfers <= 2)
        memcpy(sum->t, t, sum->ntransfers * sizeof *t);
    free(t);
    return rc;
}

static lg_err parse_receipt(receipt_sum *sum)
{
    struct json_object *res = NULL;
    lg_receipt r;
    lg_rpc_error e;
    memset(sum, 0, sizeof *sum);
    lg_err rc = lg_rpc_parse_response(receipt_response, strlen(receipt_response), 7, &res, &e);
    if (rc == LG_OK)
        rc = lg_rpc_parse_receipt(&r, res);
    json_object_put(res);
    if (rc != LG_OK)
        return rc;
    sum->status = r.status;
    sum->block = r.block_number;
    sum->gas_used = r.gas_used;
    sum->nlogs = r.nlogs;
    for (size_t i = 0; i < r.nlogs && i < 2; i++)
        if (r.logs[i].data_len == 32)
            memcpy(sum->data[i], r.logs[i].data, 32);
    rc = transfers(&r, sum);
    lg_receipt_release(&r);
    return rc;
}

static lg_err run_receipt(void *ctx)
{
    const receipt_sum *want = ctx;
    receipt_sum got;
    lg_err rc = parse_receipt(&got);
    if (rc == LG_OK)
        af_check(memcmp(&got, want, sizeof got) == 0, __FILE__, __LINE__,
                 "LG_OK with another receipt than a normal run's");
    return rc;
}

static void test_receipt(void)
{
    static receipt_sum want;
    CU_ASSERT_EQUAL_FATAL(parse_receipt(&want), LG_OK);
    CU_ASSERT_EQUAL(want.nlogs, 2);
    CU_ASSERT_EQUAL(want.ntransfers, 2);
    af_op op = {"receipt and its USDC transfers", &want, NULL, run_receipt, NULL, LG_OK};
    af_drive(&op);
}

/* What a node answers to an eth_call that reverts with a reason. */
static const char revert_response[] =
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32603,\"message\":\"execution "
    "reverted\",\"data\":\"0x08c379a0"
    "0000000000000000000000000000000000000000000000000000000000000020"
    "000000000000000000000000000000000000000000000000000000000000001b"
    "5661756c743a20637265646974206c696e6520696e6163746976650000000000\"}}";

static lg_err run_revert(void *ctx)
{
    (void)ctx;
    struct json_object *res = (struct json_object *)1;
    lg_rpc_error e;
    lg_err rc = lg_rpc_parse_response(revert_response, strlen(revert_response), 3, &res, &e);
    AF_CHECK(res == NULL);
    if (rc == LG_ERR_REVERTED)
        AF_CHECK(e.has_revert && strcmp(e.revert.message, "Vault: credit line inactive") == 0);
    return rc;
}

static void test_revert(void)
{
    af_op op = {"JSON-RPC error with revert data", NULL, NULL, run_revert, NULL, LG_ERR_REVERTED};
    af_drive(&op);
}

/* A signed type-2 transaction: RLP, the transaction decoder and ABI call data. */
static uint8_t signed_tx[512];
static size_t signed_len;

static lg_err run_decoders(void *ctx)
{
    const lg_tx1559 *tx = ctx;
    lg_tx_fields f;
    lg_rlp_item item;
    uint64_t amount = 0;
    lg_err rc = lg_rlp_decode(&item, signed_tx + 1, signed_len - 1);
    if (rc == LG_OK)
        rc = lg_tx_decode_signed(&f, signed_tx, signed_len);
    if (rc == LG_OK)
        rc = lg_abi_get_u64(&amount, f.data + LG_ABI_SELECTOR_LEN, f.data_len - LG_ABI_SELECTOR_LEN,
                            1);
    if (rc == LG_OK)
        AF_CHECK(item.is_list && f.eip1559 && f.nonce == tx->nonce && amount == 1500000 &&
                 memcmp(f.to, tx->to, LG_ADDRESS_LEN) == 0);
    return rc;
}

static void test_decoders(void)
{
    static uint8_t calldata[4 + 2 * LG_ABI_WORD];
    static lg_tx1559 tx = {.chain_id = 5000,
                           .nonce = 9,
                           .max_priority_fee_per_gas = 1000,
                           .max_fee_per_gas = 200000,
                           .gas_limit = 90000,
                           .to = {0x5f, 0xbd}};
    static const uint8_t selector[4] = {0xa9, 0x05, 0x9c, 0xbb};
    lg_abi_writer w;
    size_t len = 0;
    lg_signature sig = {.r = {1, 2, 3}, .s = {4, 5, 6}, .recid = 1};
    CU_ASSERT_EQUAL_FATAL(lg_abi_writer_init(&w, calldata, sizeof calldata, selector, 2), LG_OK);
    lg_abi_put_address(&w, tx.to);
    lg_abi_put_u64(&w, 1500000);
    CU_ASSERT_EQUAL_FATAL(lg_abi_finish(&w, &len), LG_OK);
    tx.data = calldata;
    tx.data_len = len;
    CU_ASSERT_EQUAL_FATAL(
        lg_tx1559_encode_signed(signed_tx, sizeof signed_tx, &signed_len, &tx, &sig), LG_OK);
    af_op op = {"RLP, signed tx and ABI decoding", &tx, NULL, run_decoders, NULL, LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ views */

static lg_err view_text(char *out, size_t cap)
{
    lg_loan l;
    lg_repayment reps[2];
    memset(&l, 0, sizeof l);
    memset(reps, 0, sizeof reps);
    snprintf(l.id, sizeof l.id, "0b7c3a64-9a51-4c5e-8f59-2c1f4e0e6a11");
    snprintf(l.partner_loan_id, sizeof l.partner_loan_id, "loan-42");
    snprintf(l.user_wallet, sizeof l.user_wallet, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    snprintf(l.oaid, sizeof l.oaid, "9007199254740993");
    snprintf(l.metadata, sizeof l.metadata, "{\"ref\":\"A-1\"}");
    l.amount = 1500000;
    l.remaining = 1000000;
    l.status = LG_LOAN_ACTIVE;
    l.created_at_ms = 1773489600000;
    for (int i = 0; i < 2; i++) {
        snprintf(reps[i].loan_id, sizeof reps[i].loan_id, "%s", l.id);
        reps[i].amount = 250000;
        reps[i].status = i ? LG_REPAY_PENDING : LG_REPAY_APPLIED;
    }
    struct json_object *o = lg_view_loan(&l, 1, reps, 2);
    if (!o)
        return LG_ERR_NOMEM;
    snprintf(out, cap, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return LG_OK;
}

static lg_err run_view(void *ctx)
{
    static char got[4096];
    lg_err rc = view_text(got, sizeof got);
    if (rc == LG_OK)
        AF_CHECK(strcmp(got, ctx) == 0);
    return rc;
}

static void test_view(void)
{
    static char want[4096];
    CU_ASSERT_EQUAL_FATAL(view_text(want, sizeof want), LG_OK);
    af_op op = {"loan view with its repayments", want, NULL, run_view, NULL, LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ main */

static int make_tmpdir(void)
{
    return lg_test_mkdtemp(tmpdir, sizeof tmpdir);
}

static int remove_tmpdir(void)
{
    lg_test_rmtree(tmpdir);
    return 0;
}

int main(void)
{
    if (af_init() != 0) {
        fprintf(stderr, "test_alloc_fail: cannot put the failing allocator under SQLite\n");
        return 99;
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    /* Thousands of failed calls would each log a line; LG_ALLOC_FAIL_LOG=1 shows them. */
    if (!getenv("LG_ALLOC_FAIL_LOG"))
        lg_log_set_level(LG_LOG_OFF);
    static const lg_test_case bodies[] = {
        {"strict JSON object", test_json_object},
        {"strict JSON: a repeated key stays refused", test_json_duplicate},
        {"borrow body", test_borrow},
        {"borrow body: a repeated key stays refused", test_borrow_duplicate},
        {"repay body", test_repay},
        {"deposit body", test_deposit},
        {"admin create body", test_admin_create},
        {"admin patch body", test_admin_patch},
        {"admin rotate body", test_admin_rotate},
        {"partner_platforms.json", test_platforms},
        {"partner_platforms.json: a bad entry", test_platforms_bad},
        {NULL, NULL},
    };
    static const lg_test_case others[] = {
        {"request body", test_read_body},
        {"request CGI parameters", test_request_init},
        {"config file", test_config_good},
        {"config file: a bad value", test_config_bad},
        {"receipt and USDC transfers", test_receipt},
        {"JSON-RPC revert", test_revert},
        {"RLP, signed transaction, ABI", test_decoders},
        {"loan view", test_view},
        {NULL, NULL},
    };
    lg_test_add_suite("alloc-fail: bodies", NULL, NULL, bodies);
    lg_test_add_suite("alloc-fail: request, config, chain, views", make_tmpdir, remove_tmpdir,
                      others);
    lg_alloc_fail_store_suite();
    int rc = lg_test_run("test_alloc_fail");
    fflush(stdout);
    return rc;
}
