/* test_rpc_parse.c - JSON-RPC responses, receipts and logs, revert data, fees and call
 * data, from canned node answers: nothing here touches the network. */
#include "config.h"

#include "harness.h"

#include <lendgate/contracts.h>
#include <lendgate/fees.h>
#include <lendgate/hex.h>
#include <lendgate/nonce.h>
#include <lendgate/nonce_store.h>
#include <lendgate/rpc.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a Hardhat node answers to eth_call of borrowUSDC on the inactive credit line. */
#define INACTIVE_DATA                                                                              \
    "0x08c379a0"                                                                                   \
    "0000000000000000000000000000000000000000000000000000000000000020"                             \
    "000000000000000000000000000000000000000000000000000000000000001b"                             \
    "5661756c743a20637265646974206c696e6520696e6163746976650000000000"
#define INACTIVE_MSG                                                                               \
    "Error: VM Exception while processing transaction: reverted with reason string "               \
    "'Vault: credit line inactive'"

static lg_err parse(const char *body, int64_t id, json_object **res, lg_rpc_error *e)
{
    return lg_rpc_parse_response(body, strlen(body), id, res, e);
}

/* Parses body expecting failure code want; no result must be handed out. */
static void expect_fail(const char *body, int64_t id, lg_err want)
{
    json_object *res = (json_object *)1;
    lg_rpc_error e;
    lg_err got = parse(body, id, &res, &e);
    CU_ASSERT_EQUAL(got, want);
    CU_ASSERT_PTR_NULL(res);
    CU_ASSERT_EQUAL(e.err, want);
    if (got != want)
        fprintf(stderr, "body %s: got %s\n", body, lg_errname(got));
}

static void test_result(void)
{
    json_object *res = NULL;
    lg_rpc_error e;
    CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x7a69\"}\n", 7, &res, &e),
                    LG_OK);
    CU_ASSERT_EQUAL(e.err, LG_OK);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(res), "0x7a69");
    uint64_t v = 0;
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, json_object_get_string(res)), LG_OK);
    CU_ASSERT_EQUAL(v, 31337);
    json_object_put(res);
    /* Member order is free, and "error": null next to a result means no error. */
    CU_ASSERT_EQUAL(
        parse("{\"result\":[1,2],\"id\":3,\"error\":null,\"jsonrpc\":\"2.0\"}", 3, &res, &e),
        LG_OK);
    CU_ASSERT_EQUAL(json_object_array_length(res), 2);
    json_object_put(res);
}

static void test_null_result(void)
{
    /* eth_getTransactionReceipt of a transaction still in the pool */
    json_object *res = (json_object *)1;
    lg_rpc_error e;
    CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", 1, &res, &e), LG_OK);
    CU_ASSERT_PTR_NULL(res);
    lg_receipt r;
    CU_ASSERT_EQUAL(lg_rpc_parse_receipt(&r, res), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(r.nlogs, 0);
}

static void test_error_plain(void)
{
    json_object *res = NULL;
    lg_rpc_error e;
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32601,"
                       "\"message\":\"Method eth_nope is not supported\","
                       "\"data\":{\"method\":\"eth_nope\"}}}";
    CU_ASSERT_EQUAL(parse(body, 9, &res, &e), LG_ERR_RPC);
    CU_ASSERT_PTR_NULL(res);
    CU_ASSERT_EQUAL(e.from_node, 1);
    CU_ASSERT_EQUAL(e.code, -32601);
    CU_ASSERT_STRING_EQUAL(e.message, "Method eth_nope is not supported");
    CU_ASSERT_EQUAL(e.has_data, 0);
    CU_ASSERT_EQUAL(e.has_revert, 0);
    CU_ASSERT_STRING_EQUAL(lg_rpc_error_text(&e), "Method eth_nope is not supported");
    /* control characters in a node message are not passed on */
    body = "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":1,\"message\":\"a\\nb\\u0007\"}}";
    CU_ASSERT_EQUAL(parse(body, 9, &res, &e), LG_ERR_RPC);
    CU_ASSERT_STRING_EQUAL(e.message, "a?b?");
}

static void test_error_revert_hardhat(void)
{
    json_object *res = NULL;
    lg_rpc_error e;
    const char *body =
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32603,\"message\":\"" INACTIVE_MSG
        "\",\"data\":{\"message\":\"x\",\"data\":\"" INACTIVE_DATA "\"}}}";
    CU_ASSERT_EQUAL(parse(body, 4, &res, &e), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.err, LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.code, -32603);
    CU_ASSERT_EQUAL(e.has_data, 1);
    CU_ASSERT_EQUAL(e.data_len, 4 + 3 * 32);
    CU_ASSERT_EQUAL(e.has_revert, 1);
    CU_ASSERT_EQUAL(e.revert.kind, LG_REVERT_ERROR);
    CU_ASSERT_STRING_EQUAL(e.revert.message, "Vault: credit line inactive");
    CU_ASSERT_STRING_EQUAL(lg_rpc_error_text(&e), "Vault: credit line inactive");
}

static void test_error_revert_geth(void)
{
    json_object *res = NULL;
    lg_rpc_error e;
    /* geth: the data is a string; a Panic(0x11) */
    const char *body =
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":3,\"message\":\"execution reverted\","
        "\"data\":\"0x4e487b71"
        "0000000000000000000000000000000000000000000000000000000000000011\"}}";
    CU_ASSERT_EQUAL(parse(body, 5, &res, &e), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.code, 3);
    CU_ASSERT_EQUAL(e.revert.kind, LG_REVERT_PANIC);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.revert.message, "overflow"));
    /* a custom error */
    body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":3,\"message\":\"execution reverted\","
           "\"data\":\"0xdeadbeef\"}}";
    CU_ASSERT_EQUAL(parse(body, 5, &res, &e), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.revert.kind, LG_REVERT_CUSTOM);
    CU_ASSERT_STRING_EQUAL(e.revert.message, "custom error 0xdeadbeef");
    /* "execution reverted" without data: reverted, no reason to decode */
    body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32000,"
           "\"message\":\"execution reverted\"}}";
    CU_ASSERT_EQUAL(parse(body, 5, &res, &e), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.has_revert, 0);
    CU_ASSERT_STRING_EQUAL(lg_rpc_error_text(&e), "execution reverted");
    /* empty revert data ("0x") with a revert message: reverted without a reason */
    body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32603,\"message\":\"Transaction "
           "reverted without a reason\",\"data\":{\"data\":\"0x\"}}}";
    CU_ASSERT_EQUAL(parse(body, 5, &res, &e), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.has_revert, 1);
    CU_ASSERT_EQUAL(e.revert.kind, LG_REVERT_EMPTY);
    /* data that is not hex is no revert data */
    body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32000,\"message\":\"nonce too low\","
           "\"data\":\"0xzz\"}}";
    CU_ASSERT_EQUAL(parse(body, 5, &res, &e), LG_ERR_RPC);
    CU_ASSERT_EQUAL(e.has_data, 0);
    /* a malformed Error(string) is still a revert, only without a decoded reason */
    body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":3,\"message\":\"execution reverted\","
           "\"data\":\"0x08c379a0ffff\"}}";
    CU_ASSERT_EQUAL(parse(body, 5, &res, &e), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(e.has_revert, 0);
}

static void test_id_mismatch(void)
{
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":\"0x1\"}", 7, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":\"0x1\"}", 7, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":7.0,\"result\":\"0x1\"}", 7, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":\"0x1\"}", 7, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999999999,\"result\":\"0x1\"}", 7,
                LG_ERR_RPC);
    /* the node could not read the request: its error has id null and is reported */
    json_object *res = NULL;
    lg_rpc_error e;
    CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                          "\"message\":\"Parse error\"}}",
                          7, &res, &e),
                    LG_ERR_RPC);
    CU_ASSERT_EQUAL(e.from_node, 1);
    CU_ASSERT_EQUAL(e.code, -32700);
}

static void test_not_an_object(void)
{
    const char *bodies[] = {"",
                            "   ",
                            "[1,2]",
                            "\"x\"",
                            "null",
                            "42",
                            "<html>502</html>",
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":",
                            "{'jsonrpc':'2.0'}",
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1} {}",
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}x"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        expect_fail(bodies[i], 1, LG_ERR_RPC);
        lg_rpc_error e;
        json_object *res = NULL;
        parse(bodies[i], 1, &res, &e);
        CU_ASSERT_EQUAL(e.from_node, 0);
    }
    /* a NUL byte inside the body */
    json_object *res = NULL;
    static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\0\"result\":1}";
    CU_ASSERT_EQUAL(lg_rpc_parse_response(nul, sizeof nul - 1, 1, &res, NULL), LG_ERR_RPC);
}

static void test_missing_fields(void)
{
    expect_fail("{\"id\":1,\"result\":\"0x1\"}", 1, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":\"0x1\"}", 1, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":2.0,\"id\":1,\"result\":\"0x1\"}", 1, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"result\":\"0x1\"}", 1, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":1}", 1, LG_ERR_RPC);
    expect_fail("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{\"code\":1,"
                "\"message\":\"m\"}}",
                1, LG_ERR_RPC);
    /* error objects need an integer code and a message */
    const char *bad_errors[] = {"{}",
                                "\"boom\"",
                                "{\"code\":\"-32000\",\"message\":\"m\"}",
                                "{\"code\":-32000}",
                                "{\"message\":\"m\"}",
                                "{\"code\":1.5,\"message\":\"m\"}"};
    for (size_t i = 0; i < sizeof bad_errors / sizeof bad_errors[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":%s}", bad_errors[i]);
        expect_fail(body, 1, LG_ERR_RPC);
        lg_rpc_error e;
        json_object *res = NULL;
        parse(body, 1, &res, &e);
        CU_ASSERT_EQUAL(e.from_node, 0);
    }
}

static void test_depth_bound(void)
{
    char body[1024];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":");
    for (int i = 0; i < 200; i++)
        body[n++] = '[';
    for (int i = 0; i < 200; i++)
        body[n++] = ']';
    body[n++] = '}';
    body[n] = '\0';
    expect_fail(body, 1, LG_ERR_RPC);
}

static void test_null_args(void)
{
    json_object *res = NULL;
    CU_ASSERT_EQUAL(lg_rpc_parse_response(NULL, 0, 1, &res, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_parse_response("{}", 2, 1, NULL, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(NULL, "0x1"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_parse_receipt(NULL, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_parse_log(NULL, NULL), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(lg_rpc_error_text(NULL), "");
    CU_ASSERT_PTR_NULL(lg_rpc_last_error(NULL));
    lg_rpc_close(NULL);
    lg_receipt_release(NULL);
    lg_eth_logs_free(NULL, 3);
}

static void test_quantities(void)
{
    uint64_t v = 7;
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, "0x0"), LG_OK);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, "0x400"), LG_OK);
    CU_ASSERT_EQUAL(v, 1024);
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, "0xffffffffffffffff"), LG_OK);
    CU_ASSERT_EQUAL(v, UINT64_MAX);
    /* the spec's rejects: leading zeros, no digits, no prefix */
    const char *bad[] = {"0x01", "0x00", "0x", "1", "0X1", "0xg", "", "-0x1", "0x 1", " 0x1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, bad[i]), LG_ERR_INVALID);
    /* huge numbers */
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, "0x10000000000000000"), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_rpc_quantity_u64(&v, "0x1000000000000000000000000000000000000000000000000"
                                            "0000000000000000000000"),
                    LG_ERR_OVERFLOW);
}

static void test_data_decode(void)
{
    uint8_t *d = NULL;
    size_t n = 9;
    CU_ASSERT_EQUAL(lg_rpc_data_decode(&d, &n, "0x", 10), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT_EQUAL(n, 0);
    free(d);
    CU_ASSERT_EQUAL(lg_rpc_data_decode(&d, &n, "0x00ff", 10), LG_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT(d[0] == 0 && d[1] == 0xff);
    free(d);
    CU_ASSERT_EQUAL(lg_rpc_data_decode(&d, &n, "0x0", 10), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT_EQUAL(lg_rpc_data_decode(&d, &n, "00", 10), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_data_decode(&d, &n, "0xzz", 10), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_data_decode(&d, &n, "0x000000", 2), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(n, 0);
}

/* A receipt as Hardhat returns it for USDC.transfer(user #2, 1.5 USDC) from the platform
 * wallet, plus an ERC-721 Transfer of another contract and an unrelated token log. */
#define USDC           "0x5fbdb2315678afecb367f032d93f642f64180aa3"
#define OAID           "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"
#define T_TRANSFER     "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#define T_APPROVAL     "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
#define PLATFORM_TOPIC "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
#define USER2_TOPIC    "0x0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
#define TXHASH         "0x4f0e2b7a1c9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"

static const char receipt_json[] =
    "{\"transactionHash\":\"" TXHASH "\",\"transactionIndex\":\"0x0\","
    "\"blockHash\":\"0x1111111111111111111111111111111111111111111111111111111111111111\","
    "\"blockNumber\":\"0x1d\",\"from\":\"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\","
    "\"to\":\"" USDC "\",\"cumulativeGasUsed\":\"0xcb2c\",\"gasUsed\":\"0xcb2c\","
    "\"contractAddress\":null,\"status\":\"0x1\",\"type\":\"0x2\","
    "\"effectiveGasPrice\":\"0x3ce9c1f9\",\"logs\":["
    "{\"address\":\"" USDC "\",\"topics\":[\"" T_TRANSFER "\",\"" PLATFORM_TOPIC "\",\"" USER2_TOPIC
    "\"],\"data\":\"0x000000000000000000000000000000000000000000000000000000000016e360\","
    "\"blockNumber\":\"0x1d\",\"transactionHash\":\"" TXHASH "\",\"logIndex\":\"0x0\","
    "\"removed\":false},"
    "{\"address\":\"" OAID "\",\"topics\":[\"" T_TRANSFER "\",\"" PLATFORM_TOPIC "\",\"" USER2_TOPIC
    "\",\"0x0000000000000000000000000000000000000000000000000000000000000001\"],\"data\":\"0x\","
    "\"blockNumber\":\"0x1d\",\"transactionHash\":\"" TXHASH "\",\"logIndex\":\"0x1\"},"
    "{\"address\":\"" USDC "\",\"topics\":[\"" T_APPROVAL "\",\"" PLATFORM_TOPIC "\",\"" USER2_TOPIC
    "\"],\"data\":\"0x0000000000000000000000000000000000000000000000000000000000000001\","
    "\"blockNumber\":\"0x1d\",\"transactionHash\":\"" TXHASH "\",\"logIndex\":\"0x2\"}]}";

static json_object *json(const char *text)
{
    json_object *o = json_tokener_parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

static void test_receipt(void)
{
    json_object *o = json(receipt_json);
    lg_receipt r;
    CU_ASSERT_EQUAL_FATAL(lg_rpc_parse_receipt(&r, o), LG_OK);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(r.block_number, 0x1d);
    CU_ASSERT_EQUAL(r.gas_used, 0xcb2c);
    CU_ASSERT_EQUAL(r.effective_gas_price, 0x3ce9c1f9);
    CU_ASSERT_EQUAL(r.tx_hash[0], 0x4f);
    CU_ASSERT_EQUAL(r.has_to, 1);
    CU_ASSERT_EQUAL(r.to[0], 0x5f);
    CU_ASSERT_EQUAL_FATAL(r.nlogs, 3);
    CU_ASSERT_EQUAL(r.logs[0].ntopics, 3);
    CU_ASSERT_EQUAL(r.logs[0].data_len, 32);
    CU_ASSERT_EQUAL(r.logs[0].data[31], 0x60);
    CU_ASSERT_EQUAL(r.logs[1].ntopics, 4);
    CU_ASSERT_EQUAL(r.logs[1].data_len, 0);
    CU_ASSERT_EQUAL(r.logs[1].log_index, 1);
    CU_ASSERT_EQUAL(r.logs[2].address[0], 0x5f);

    uint8_t usdc[20];
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(usdc, 20, USDC, LG_HEX_0X), LG_OK);
    lg_erc20_transfer *t = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(lg_erc20_transfers(&t, &n, r.logs, r.nlogs, usdc), LG_OK);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    uint64_t value = 0;
    CU_ASSERT_EQUAL(lg_u256_to_u64(&value, &t[0].value), LG_OK);
    CU_ASSERT_EQUAL(value, 1500000);
    CU_ASSERT_EQUAL(t[0].from[0], 0x70);
    CU_ASSERT_EQUAL(t[0].to[0], 0x3c);
    free(t);
    /* the OAID's own Transfer (four topics) is an ERC-721 event, never an ERC-20 one */
    uint8_t oaid[20];
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(oaid, 20, OAID, LG_HEX_0X), LG_OK);
    CU_ASSERT_EQUAL(lg_erc20_transfers(&t, &n, r.logs, r.nlogs, oaid), LG_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_PTR_NULL(t);
    /* a Transfer whose value is not one word is refused, not misread */
    r.logs[0].data_len = 31;
    CU_ASSERT_EQUAL(lg_erc20_transfers(&t, &n, r.logs, r.nlogs, usdc), LG_ERR_INVALID);
    r.logs[0].data_len = 32;
    r.logs[0].topics[1][0] = 1; /* unclean address topic */
    CU_ASSERT_EQUAL(lg_erc20_transfers(&t, &n, r.logs, r.nlogs, usdc), LG_ERR_INVALID);
    lg_receipt_release(&r);
    CU_ASSERT_PTR_NULL(r.logs);
    json_object_put(o);
}

/* Liquidated(positionId 7, user #2, 1000 USDC) of the vault, its topic as
 * docs/contracts.md lists it, between a log of another contract and another event. */
static void test_liquidation_logs(void)
{
    static const char topic0[] =
        "0xf4c6cbfcc96248be8ecbaf76de0fee34f71f2fadd9af537dd38c2657621930d6";
    uint8_t vault[20], other[20];
    lg_eth_log logs[3];
    memset(logs, 0, sizeof logs);
    memset(vault, 0x0b, sizeof vault);
    memset(other, 0x0c, sizeof other);
    uint8_t data[32] = {0};
    data[28] = 0x3b, data[29] = 0x9a, data[30] = 0xca, data[31] = 0x00; /* 1e9 */
    for (int i = 0; i < 3; i++) {
        memcpy(logs[i].address, i == 1 ? vault : other, 20);
        CU_ASSERT_EQUAL(lg_hex_decode_fixed(logs[i].topics[0], 32, topic0, LG_HEX_0X), LG_OK);
        logs[i].topics[1][31] = 7;
        CU_ASSERT_EQUAL(lg_hex_decode_fixed(logs[i].topics[2], 32, USER2_TOPIC, LG_HEX_0X), LG_OK);
        logs[i].ntopics = 3;
        logs[i].data = data;
        logs[i].data_len = 32;
        logs[i].block_number = 0x40;
        logs[i].log_index = (uint64_t)i;
    }
    lg_liquidation *l = NULL;
    size_t n = 0;
    uint64_t v = 0;
    CU_ASSERT_EQUAL(lg_vault_liquidations(&l, &n, logs, 3, vault), LG_OK);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(lg_u256_to_u64(&v, &l[0].position_id), LG_OK);
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(lg_u256_to_u64(&v, &l[0].debt_cleared), LG_OK);
    CU_ASSERT_EQUAL(v, 1000000000);
    CU_ASSERT_EQUAL(l[0].user[0], 0x3c);
    CU_ASSERT_EQUAL(l[0].block_number, 0x40);
    CU_ASSERT_EQUAL(l[0].log_index, 1);
    free(l);
    /* a malformed one of the vault is refused, not misread */
    logs[1].data_len = 31;
    CU_ASSERT_EQUAL(lg_vault_liquidations(&l, &n, logs, 3, vault), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(l);
    logs[1].data_len = 32;
    logs[1].topics[2][0] = 1;
    CU_ASSERT_EQUAL(lg_vault_liquidations(&l, &n, logs, 3, vault), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_vault_liquidations(NULL, &n, logs, 3, vault), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_vault_liquidations(&l, &n, NULL, 3, vault), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_vault_liquidations(&l, &n, NULL, 0, vault), LG_OK);
    CU_ASSERT_EQUAL(n, 0);
}

/* Replaces the first occurrence of from by to in receipt_json and parses it. */
static lg_err receipt_variant(const char *from, const char *to)
{
    char buf[sizeof receipt_json + 512];
    const char *at = strstr(receipt_json, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - receipt_json), receipt_json, to,
             at + strlen(from));
    json_object *o = json(buf);
    lg_receipt r;
    lg_err err = lg_rpc_parse_receipt(&r, o);
    if (err == LG_OK)
        lg_receipt_release(&r);
    else
        CU_ASSERT_PTR_NULL(r.logs);
    json_object_put(o);
    return err;
}

static void test_receipt_rejects(void)
{
    CU_ASSERT_EQUAL(receipt_variant("\"status\":\"0x1\"", "\"status\":\"0x0\""), LG_OK);
    CU_ASSERT_EQUAL(receipt_variant("\"status\":\"0x1\"", "\"status\":\"0x2\""), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"status\":\"0x1\"", "\"root\":\"0x1\""), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"blockNumber\":\"0x1d\"", "\"blockNumber\":\"0x01d\""),
                    LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"gasUsed\":\"0xcb2c\"", "\"gasUsed\":52012"), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"logs\":[", "\"logz\":["), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"transactionHash\":\"0x4f", "\"transactionHash\":\"0x4"),
                    LG_ERR_RPC);
    /* later logs failing must free the earlier ones (run under ASan) */
    CU_ASSERT_EQUAL(receipt_variant("\"data\":\"0x\"", "\"data\":\"0x0\""), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"data\":\"0x\"", "\"datum\":\"0x\""), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"address\":\"" OAID, "\"address\":\"0x1234"), LG_ERR_RPC);
    CU_ASSERT_EQUAL(receipt_variant("\"topics\":[\"" T_APPROVAL "\",",
                                    "\"topics\":[\"" T_APPROVAL "\",\"" T_APPROVAL
                                    "\",\"" T_APPROVAL "\","),
                    LG_ERR_RPC); /* five topics */
    /* a contract creation has "to": null */
    CU_ASSERT_EQUAL(receipt_variant("\"to\":\"" USDC "\"", "\"to\":null"), LG_OK);
    json_object *arr = json("[1]");
    lg_receipt r;
    CU_ASSERT_EQUAL(lg_rpc_parse_receipt(&r, arr), LG_ERR_RPC);
    json_object_put(arr);
}

static void test_log_pending(void)
{
    /* a log of a pending block has null block number, index and hash */
    json_object *o = json("{\"address\":\"" USDC "\",\"topics\":[],\"data\":\"0xab\","
                          "\"blockNumber\":null,\"logIndex\":null,\"transactionHash\":null}");
    lg_eth_log log;
    CU_ASSERT_EQUAL(lg_rpc_parse_log(&log, o), LG_OK);
    CU_ASSERT_EQUAL(log.ntopics, 0);
    CU_ASSERT_EQUAL(log.block_number, 0);
    CU_ASSERT_EQUAL(log.data_len, 1);
    free(log.data);
    json_object_put(o);
}

static void test_fees(void)
{
    lg_fees f;
    CU_ASSERT_EQUAL(lg_fees_from_base(&f, 25081951, 1000000000), LG_OK);
    CU_ASSERT_EQUAL(f.eip1559, 1);
    CU_ASSERT_EQUAL(f.max_fee, 2 * 25081951 + 1000000000);
    CU_ASSERT_EQUAL(f.max_priority_fee, 1000000000);
    CU_ASSERT_EQUAL(lg_fees_from_base(&f, UINT64_MAX / 2 + 1, 0), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_fees_from_base(&f, UINT64_MAX / 2, 2), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_fees_from_base(&f, UINT64_MAX / 2, 1), LG_OK);
    CU_ASSERT_EQUAL(lg_fees_from_base(NULL, 1, 1), LG_ERR_INVALID);

    uint64_t r[] = {5, 1, 9, 3};
    uint64_t m = 0;
    CU_ASSERT_EQUAL(lg_fees_median_reward(&m, r, 4), LG_OK);
    CU_ASSERT_EQUAL(m, 3);
    CU_ASSERT_EQUAL(lg_fees_median_reward(&m, r, 3), LG_OK);
    CU_ASSERT_EQUAL(m, 5);
    CU_ASSERT_EQUAL(lg_fees_median_reward(&m, r, 0), LG_ERR_INVALID);
}

static void test_raise_rounding(void)
{
    uint64_t v = 0;
    CU_ASSERT_EQUAL(lg_fees_raise(&v, 100, 10), LG_OK);
    CU_ASSERT_EQUAL(v, 110);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, 101, 10), LG_OK); /* 111.1 rounds up */
    CU_ASSERT_EQUAL(v, 112);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, 1, 10), LG_OK);
    CU_ASSERT_EQUAL(v, 2);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, 0, 10), LG_OK);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, 3000000001ULL, 10), LG_OK);
    CU_ASSERT_EQUAL(v, 3300000002ULL);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, 1000, 0), LG_OK);
    CU_ASSERT_EQUAL(v, 1000);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, UINT64_MAX / 11 * 10, 10), LG_OK);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, UINT64_MAX - 5, 10), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_fees_raise(&v, UINT64_MAX / 2, 500), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_fees_gas_with_margin(&v, 52012, 20), LG_OK);
    CU_ASSERT_EQUAL(v, 62415); /* 62414.4 rounds up */
}

static void test_replacement(void)
{
    lg_fees prev, out;
    CU_ASSERT_EQUAL(lg_fees_from_base(&prev, 1000000000, 1000000001), LG_OK); /* max 3000000001 */
    CU_ASSERT_EQUAL(lg_fees_replacement(&out, &prev, NULL), LG_OK);
    CU_ASSERT_EQUAL(out.eip1559, 1);
    CU_ASSERT_EQUAL(out.max_priority_fee, 1100000002ULL); /* 1100000001.1 up */
    CU_ASSERT_EQUAL(out.max_fee, 3300000002ULL);
    /* both fields at least 10% up: what geth's pool checks with its floor division */
    CU_ASSERT(out.max_priority_fee * 100 >= prev.max_priority_fee * 110);
    CU_ASSERT(out.max_fee * 100 >= prev.max_fee * 110);
    /* the market moved up: the current fees win */
    lg_fees cur;
    CU_ASSERT_EQUAL(lg_fees_from_base(&cur, 5000000000ULL, 2000000000ULL), LG_OK);
    CU_ASSERT_EQUAL(lg_fees_replacement(&out, &prev, &cur), LG_OK);
    CU_ASSERT_EQUAL(out.max_priority_fee, 2000000000ULL);
    CU_ASSERT_EQUAL(out.max_fee, 12000000000ULL);
    /* a zero tip still rises (by 1 wei) so that the version differs */
    lg_fees zero = {.eip1559 = 1, .max_fee = 7, .max_priority_fee = 0};
    CU_ASSERT_EQUAL(lg_fees_replacement(&out, &zero, NULL), LG_OK);
    CU_ASSERT_EQUAL(out.max_priority_fee, 1);
    CU_ASSERT_EQUAL(out.max_fee, 8);
    /* legacy: the gas price rises; EIP-1559 current fees do not apply to it */
    lg_fees legacy = {.eip1559 = 0, .gas_price = 20000000000ULL};
    CU_ASSERT_EQUAL(lg_fees_replacement(&out, &legacy, &cur), LG_OK);
    CU_ASSERT_EQUAL(out.eip1559, 0);
    CU_ASSERT_EQUAL(out.gas_price, 22000000000ULL);
    lg_fees huge = {.eip1559 = 1, .max_fee = UINT64_MAX, .max_priority_fee = 1};
    CU_ASSERT_EQUAL(lg_fees_replacement(&out, &huge, NULL), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_fees_replacement(&out, NULL, NULL), LG_ERR_INVALID);
}

static void hex_of(char *out, size_t cap, const uint8_t *p, size_t n)
{
    CU_ASSERT_EQUAL(lg_hex_encode(out, cap, p, n, LG_HEX_BARE), LG_OK);
}

static void test_calldata(void)
{
    uint8_t d[LG_CALLDATA_MAX];
    char hex[2 * LG_CALLDATA_MAX + 1];
    size_t n = 0;
    lg_u256 pos, amount;
    lg_u256_from_u64(&pos, 3);
    lg_u256_from_u64(&amount, 1000000);
    CU_ASSERT_EQUAL(lg_vault_borrow_calldata(d, &n, &pos, &amount), LG_OK);
    CU_ASSERT_EQUAL(n, 68);
    hex_of(hex, sizeof hex, d, n);
    /* selector from docs/contracts.md; the arguments as `cast calldata` writes them */
    CU_ASSERT_STRING_EQUAL(hex, "47f6c760"
                                "0000000000000000000000000000000000000000000000000000000000000003"
                                "00000000000000000000000000000000000000000000000000000000000f4240");
    CU_ASSERT_EQUAL(lg_vault_repay_calldata(d, &n, &pos, &amount), LG_OK);
    CU_ASSERT_EQUAL(d[0], 0x8a);
    CU_ASSERT_EQUAL(d[3], 0x53);
    uint8_t to[20];
    CU_ASSERT_EQUAL(
        lg_hex_decode_fixed(to, 20, "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", LG_HEX_0X),
        LG_OK);
    CU_ASSERT_EQUAL(lg_usdc_transfer_calldata(d, &n, to, &amount), LG_OK);
    hex_of(hex, sizeof hex, d, n);
    CU_ASSERT_STRING_EQUAL(hex, "a9059cbb"
                                "0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
                                "00000000000000000000000000000000000000000000000000000000000f4240");
    CU_ASSERT_EQUAL(lg_usdc_approve_calldata(d, &n, to, &amount), LG_OK);
    CU_ASSERT(d[0] == 0x09 && d[1] == 0x5e && d[2] == 0xa7 && d[3] == 0xb3);
    CU_ASSERT_EQUAL(lg_usdc_transfer_calldata(d, &n, NULL, &amount), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_vault_borrow_calldata(d, &n, &pos, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_vault_borrow_calldata(NULL, &n, &pos, &amount), LG_ERR_INVALID);
}

/* A counter in memory, to drive lg_nonce_next without a store. */
typedef struct fake_counter {
    int exists;
    uint64_t next;
    int inits;
} fake_counter;

static lg_err fake_allocate(void *ctx, uint64_t chain_id, const uint8_t *address, uint64_t *nonce)
{
    fake_counter *c = ctx;
    (void)chain_id;
    (void)address;
    if (!c->exists)
        return LG_ERR_NOT_FOUND;
    *nonce = c->next++;
    return LG_OK;
}

static lg_err fake_init(void *ctx, uint64_t chain_id, const uint8_t *address, uint64_t value,
                        int *created)
{
    fake_counter *c = ctx;
    (void)chain_id;
    (void)address;
    c->inits++;
    if (created)
        *created = !c->exists;
    if (!c->exists)
        c->next = value;
    c->exists = 1;
    return LG_OK;
}

static lg_err fake_resync(void *ctx, uint64_t chain_id, const uint8_t *address, uint64_t value,
                          uint64_t *previous)
{
    fake_counter *c = ctx;
    (void)chain_id;
    (void)address;
    *previous = c->exists ? c->next : UINT64_MAX;
    c->next = value;
    c->exists = 1;
    return LG_OK;
}

static void test_nonce_iface(void)
{
    /* A node on a port nothing listens on: any RPC would fail with LG_ERR_IO. */
    lg_rpc_opts o = {
        .url = "http://127.0.0.1:9/", .connect_timeout_ms = 500, .request_timeout_ms = 1000};
    lg_rpc *rpc = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_rpc_open(&rpc, &o), LG_OK);
    fake_counter c = {.exists = 1, .next = 41};
    lg_nonce_iface i = {&c, fake_allocate, fake_init, fake_resync};
    uint8_t addr[20] = {1};
    uint64_t n = 0;
    CU_ASSERT_EQUAL(lg_nonce_next(&i, rpc, 31337, addr, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 41);
    CU_ASSERT_EQUAL(lg_nonce_next(&i, rpc, 31337, addr, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 42);
    /* first use needs the node's pending count; an unreachable node creates nothing */
    fake_counter fresh = {0};
    i.ctx = &fresh;
    CU_ASSERT_EQUAL(lg_nonce_next(&i, rpc, 31337, addr, &n), LG_ERR_IO);
    CU_ASSERT_EQUAL(fresh.inits, 0);
    CU_ASSERT_EQUAL(fresh.exists, 0);
    uint64_t old = 0, now = 0;
    CU_ASSERT_EQUAL(lg_nonce_resync(&i, rpc, 31337, addr, &old, &now), LG_ERR_IO);
    lg_nonce_iface partial = {&c, fake_allocate, NULL, fake_resync};
    CU_ASSERT_EQUAL(lg_nonce_next(&partial, rpc, 31337, addr, &n), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_nonce_next(&i, NULL, 31337, addr, &n), LG_ERR_INVALID);
    lg_rpc_close(rpc);
}

/* The store adapter: counters keyed by chain and lowercase address, as eth expects. */
static void test_nonce_store_adapter(void)
{
    char dir[256], path[300];
    lg_store *st = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/n.db", dir);
    CU_ASSERT_EQUAL_FATAL(lg_store_open("sqlite", path, 1000, &st), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_migrate(st, NULL), LG_OK);
    lg_nonce_iface i;
    CU_ASSERT_EQUAL(lg_nonce_store_iface(NULL, st), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_nonce_store_iface(&i, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL_FATAL(lg_nonce_store_iface(&i, st), LG_OK);
    uint8_t a[20] = {0xAB, 0xCD}, b[20] = {0xAB, 0xCE};
    uint64_t n = 0, prev = 0;
    int created = -1;
    CU_ASSERT_EQUAL(i.allocate(i.ctx, 1, a, &n), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(i.init(i.ctx, 1, a, 7, &created), LG_OK);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL(i.init(i.ctx, 1, a, 100, &created), LG_OK); /* first one stays */
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_EQUAL(i.allocate(i.ctx, 1, a, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 7);
    CU_ASSERT_EQUAL(i.allocate(i.ctx, 1, a, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 8);
    CU_ASSERT_EQUAL(i.allocate(i.ctx, 2, a, &n), LG_ERR_NOT_FOUND); /* another chain */
    CU_ASSERT_EQUAL(i.allocate(i.ctx, 1, b, &n), LG_ERR_NOT_FOUND); /* another address */
    uint64_t peek = 0;
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, 1, "0xabcd000000000000000000000000000000000000", &peek),
                    LG_OK);
    CU_ASSERT_EQUAL(peek, 9);
    CU_ASSERT_EQUAL(i.resync(i.ctx, 1, a, 3, &prev), LG_OK);
    CU_ASSERT_EQUAL(prev, 9);
    CU_ASSERT_EQUAL(i.resync(i.ctx, 1, b, 5, &prev), LG_OK);
    CU_ASSERT_EQUAL(prev, UINT64_MAX);
    CU_ASSERT_EQUAL(i.allocate(i.ctx, 1, a, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 3);
    lg_store_close(st);
    lg_test_rmtree(dir);
}

static void test_open_rejects(void)
{
    lg_rpc *rpc = (lg_rpc *)1;
    lg_rpc_opts o = {.url = "ftp://127.0.0.1/", .connect_timeout_ms = 1, .request_timeout_ms = 1};
    CU_ASSERT_EQUAL(lg_rpc_open(&rpc, &o), LG_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(rpc);
    o.url = "";
    CU_ASSERT_EQUAL(lg_rpc_open(&rpc, &o), LG_ERR_INVALID);
    o.url = "http://127.0.0.1:1/";
    o.request_timeout_ms = 0;
    CU_ASSERT_EQUAL(lg_rpc_open(&rpc, &o), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_open(NULL, &o), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_rpc_open(&rpc, NULL), LG_ERR_INVALID);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case response[] = {
        {"result", test_result},
        {"null result (pending receipt)", test_null_result},
        {"error with code and message", test_error_plain},
        {"revert data, Hardhat form", test_error_revert_hardhat},
        {"revert data, geth form", test_error_revert_geth},
        {"id mismatch", test_id_mismatch},
        {"not an object", test_not_an_object},
        {"missing fields", test_missing_fields},
        {"nesting bounded", test_depth_bound},
        {"NULL arguments", test_null_args},
        {"quantities", test_quantities},
        {"data", test_data_decode},
        {NULL, NULL},
    };
    static const lg_test_case receipts[] = {
        {"receipt, logs and ERC-20 transfers", test_receipt},
        {"malformed receipts", test_receipt_rejects},
        {"vault Liquidated logs", test_liquidation_logs},
        {"pending log", test_log_pending},
        {NULL, NULL},
    };
    static const lg_test_case fees[] = {
        {"EIP-1559 fees", test_fees},
        {"+pct rounds up", test_raise_rounding},
        {"replacement fees", test_replacement},
        {NULL, NULL},
    };
    static const lg_test_case other[] = {
        {"contract call data", test_calldata},
        {"nonce interface", test_nonce_iface},
        {"nonce store adapter", test_nonce_store_adapter},
        {"rpc open rejects", test_open_rejects},
        {NULL, NULL},
    };
    lg_test_add_suite("rpc response", NULL, NULL, response);
    lg_test_add_suite("receipts and logs", NULL, NULL, receipts);
    lg_test_add_suite("fees", NULL, NULL, fees);
    lg_test_add_suite("calls and nonces", NULL, NULL, other);
    return lg_test_run("test_rpc_parse");
}
