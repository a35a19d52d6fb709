/* test_abi.c - selectors, call data and return data against ethers' AbiCoder (the
 * "abi" section of tests/data/tx_type2_vectors.json), revert reasons, bounds checks. */
#include "config.h"

#include "harness.h"

#include <lendgate/abi.h>
#include <lendgate/address.h>
#include <lendgate/hex.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static json_object *vectors;

static int suite_init(void)
{
    char path[4096];
    lg_test_srcpath(path, sizeof path, "tests/data/tx_type2_vectors.json");
    vectors = json_object_from_file(path);
    return vectors ? 0 : -1;
}

static int suite_clean(void)
{
    json_object_put(vectors);
    return 0;
}

/* Decodes the "abi" vector name into buf; returns its length. */
static size_t abi_vector(uint8_t *buf, size_t cap, const char *name)
{
    json_object *abi = NULL, *v = NULL;
    size_t n = 0;
    CU_ASSERT_FATAL(json_object_object_get_ex(vectors, "abi", &abi) &&
                    json_object_object_get_ex(abi, name, &v));
    const char *hex = json_object_get_string(v);
    CU_ASSERT_EQUAL_FATAL(lg_hex_decode(buf, cap, &n, hex, strlen(hex), LG_HEX_0X), LG_OK);
    return n;
}

static void check_selector(const char *sig, uint32_t want)
{
    uint8_t sel[4];
    CU_ASSERT_EQUAL_FATAL(lg_abi_selector(sel, sig), LG_OK);
    uint32_t got = (uint32_t)sel[0] << 24 | (uint32_t)sel[1] << 16 | (uint32_t)sel[2] << 8 | sel[3];
    CU_ASSERT_EQUAL(got, want);
}

static void test_selectors(void)
{
    check_selector("transfer(address,uint256)", 0xa9059cbb);
    check_selector("approve(address,uint256)", 0x095ea7b3);
    check_selector("balanceOf(address)", 0x70a08231);
    check_selector("ownerOf(uint256)", 0x6352211e);
    check_selector("allowance(address,address)", 0xdd62ed3e);
    check_selector("Error(string)", 0x08c379a0);
    check_selector("Panic(uint256)", 0x4e487b71);
    uint8_t topic[32], want[32];
    CU_ASSERT_EQUAL(lg_abi_event_topic(topic, "Transfer(address,address,uint256)"), LG_OK);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(want, 32,
                                        "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4d"
                                        "f523b3ef",
                                        LG_HEX_0X),
                    LG_OK);
    CU_ASSERT(memcmp(topic, want, 32) == 0);
}

static void test_selector_rejects(void)
{
    static const char *const bad[] = {
        "",
        "transfer",
        "(address)",
        "transfer(address",
        "transfer(address))",
        "transfer(address, uint256)",
        " transfer(address)",
        "transfer(address)x",
        "1transfer(address)",
        "trans fer(address)",
    };
    uint8_t sel[4];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(lg_abi_selector(sel, bad[i]), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_selector(sel, "f()"), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_selector(sel, "f((uint256,address)[],bytes)"), LG_OK);
}

static void test_transfer_call(void)
{
    uint8_t want[256], buf[256], sel[4], to[LG_ADDRESS_LEN];
    size_t nwant = abi_vector(want, sizeof want, "transferCall"), len = 0;
    lg_abi_writer w;
    CU_ASSERT_EQUAL(lg_abi_selector(sel, "transfer(address,uint256)"), LG_OK);
    CU_ASSERT_EQUAL(lg_address_parse(to, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_writer_init(&w, buf, sizeof buf, sel, 2), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_put_address(&w, to), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_put_u64(&w, 1000000), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_finish(&w, &len), LG_OK);
    CU_ASSERT_EQUAL(len, 68);
    CU_ASSERT(len == nwant && memcmp(buf, want, len) == 0);
    /* every capacity below 68 is refused, at init or at a put */
    for (size_t cap = 0; cap < 68; cap++) {
        lg_abi_writer_init(&w, buf, cap, sel, 2);
        lg_abi_put_address(&w, to);
        lg_abi_put_u64(&w, 1000000);
        CU_ASSERT_EQUAL(lg_abi_finish(&w, &len), LG_ERR_OVERFLOW);
        CU_ASSERT_EQUAL(len, 0);
    }
}

static const char *const mixed_string = "lendgate \xe2\x9c\x93";

static void test_mixed_encode(void)
{
    uint8_t want[1024], buf[1024], word[32], blob[33], addr[LG_ADDRESS_LEN];
    size_t nwant = abi_vector(want, sizeof want, "mixedReturn"), len = 0;
    lg_u256 big, zero = {{0}};
    memset(word, 0x11, sizeof word);
    memset(blob, 0xab, sizeof blob);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&big, "1234567890123456789012345678901234567890"), LG_OK);
    CU_ASSERT_EQUAL(lg_address_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), LG_OK);
    lg_abi_writer w;
    CU_ASSERT_EQUAL(lg_abi_writer_init(&w, buf, sizeof buf, NULL, 7), LG_OK);
    lg_abi_put_uint256(&w, &big);
    lg_abi_put_address(&w, addr);
    lg_abi_put_bool(&w, 1);
    lg_abi_put_bytes32(&w, word);
    lg_abi_put_string(&w, mixed_string);
    lg_abi_put_bytes(&w, blob, sizeof blob);
    lg_abi_put_uint256(&w, &zero);
    CU_ASSERT_EQUAL(lg_abi_finish(&w, &len), LG_OK);
    CU_ASSERT(len == nwant && memcmp(buf, want, len) == 0);
}

static void test_mixed_decode(void)
{
    uint8_t data[1024], word[32], addr[LG_ADDRESS_LEN], want_addr[LG_ADDRESS_LEN];
    size_t n = abi_vector(data, sizeof data, "mixedReturn");
    lg_u256 v, big;
    int b = -1;
    uint64_t u = 1;
    char s[64];
    const uint8_t *p = NULL;
    size_t plen = 0;
    CU_ASSERT_EQUAL(lg_u256_from_dec(&big, "1234567890123456789012345678901234567890"), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_get_uint256(&v, data, n, 0), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_cmp(&v, &big), 0);
    CU_ASSERT_EQUAL(lg_abi_get_u64(&u, data, n, 0), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_abi_get_address(addr, data, n, 1), LG_OK);
    lg_address_parse(want_addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    CU_ASSERT(memcmp(addr, want_addr, sizeof addr) == 0);
    CU_ASSERT_EQUAL(lg_abi_get_bool(&b, data, n, 2), LG_OK);
    CU_ASSERT_EQUAL(b, 1);
    CU_ASSERT_EQUAL(lg_abi_get_bytes32(word, data, n, 3), LG_OK);
    CU_ASSERT_EQUAL(word[0], 0x11);
    CU_ASSERT_EQUAL(lg_abi_get_string(s, sizeof s, data, n, 4), LG_OK);
    CU_ASSERT_STRING_EQUAL(s, mixed_string);
    CU_ASSERT_EQUAL(lg_abi_get_string(s, strlen(mixed_string), data, n, 4), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, data, n, 5), LG_OK);
    CU_ASSERT_EQUAL(plen, 33);
    CU_ASSERT(p && p[0] == 0xab && p[32] == 0xab);
    CU_ASSERT_EQUAL(lg_abi_get_u64(&u, data, n, 6), LG_OK);
    CU_ASSERT_EQUAL(u, 0);
    CU_ASSERT_EQUAL(lg_abi_get_u64(&u, data, n, 7 + 100), LG_ERR_INVALID);
}

/* Writes v big-endian into the 32-byte word at w. */
static void set_word(uint8_t *w, uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 31; i >= 24; i--, v >>= 8)
        w[i] = (uint8_t)(v & 0xff);
}

static void test_bounds(void)
{
    uint8_t d[128], addr[LG_ADDRESS_LEN];
    const uint8_t *p;
    size_t plen;
    lg_u256 v;
    int b;
    memset(d, 0, sizeof d);
    CU_ASSERT_EQUAL(lg_abi_get_uint256(&v, d, 31, 0), LG_ERR_INVALID); /* truncated */
    CU_ASSERT_EQUAL(lg_abi_get_uint256(&v, d, 63, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_uint256(&v, d, 64, 1), LG_OK);
    d[0] = 1; /* dirty upper bytes */
    CU_ASSERT_EQUAL(lg_abi_get_address(addr, d, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bool(&b, d, 32, 0), LG_ERR_INVALID);
    set_word(d, 2);
    CU_ASSERT_EQUAL(lg_abi_get_bool(&b, d, 32, 0), LG_ERR_INVALID);
    /* bytes at offset 32 with length 64: only 96 bytes in all */
    set_word(d, 32);
    set_word(d + 32, 64);
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, d, 96, 0), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, d, 128, 0), LG_OK);
    CU_ASSERT_EQUAL(plen, 64);
    set_word(d, 97); /* offset leaves less than a length word */
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, d, 128, 0), LG_ERR_INVALID);
    set_word(d, 129); /* offset past the end */
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, d, 128, 0), LG_ERR_INVALID);
    memset(d, 0xff, 32); /* offset 2^256-1 */
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, d, 128, 0), LG_ERR_INVALID);
    set_word(d, 32);
    memset(d + 32, 0, 32);
    d[32 + 7] = 1; /* length 2^192 */
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &plen, d, 128, 0), LG_ERR_INVALID);
    set_word(d + 32, 3); /* a string with a NUL inside */
    memcpy(d + 64, "a\0b", 3);
    char s[8];
    CU_ASSERT_EQUAL(lg_abi_get_string(s, sizeof s, d, 128, 0), LG_ERR_INVALID);
}

static void test_revert_reasons(void)
{
    uint8_t d[512];
    lg_revert r;
    size_t n = abi_vector(d, sizeof d, "errorRevert");
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, d, n), LG_OK);
    CU_ASSERT_EQUAL(r.kind, LG_REVERT_ERROR);
    CU_ASSERT_STRING_EQUAL(r.message, "Insufficient credit line");
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, d, n - 32), LG_ERR_INVALID); /* truncated */
    CU_ASSERT_EQUAL(r.kind, LG_REVERT_EMPTY);
    n = abi_vector(d, sizeof d, "emptyErrorRevert");
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, d, n), LG_OK);
    CU_ASSERT_EQUAL(r.kind, LG_REVERT_ERROR);
    CU_ASSERT_STRING_EQUAL(r.message, "");
    n = abi_vector(d, sizeof d, "panicRevert");
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, d, n), LG_OK);
    CU_ASSERT_EQUAL(r.kind, LG_REVERT_PANIC);
    CU_ASSERT_EQUAL(r.panic_code.b[31], 0x11);
    CU_ASSERT_STRING_EQUAL(r.message, "panic 0x11: arithmetic underflow or overflow");
    CU_ASSERT_STRING_EQUAL(lg_abi_panic_reason(&r.panic_code), "arithmetic underflow or overflow");
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, d, n - 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, NULL, 0), LG_OK);
    CU_ASSERT_EQUAL(r.kind, LG_REVERT_EMPTY);
    static const uint8_t custom[] = {0xde, 0xad, 0xbe, 0xef, 0x00};
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, custom, sizeof custom), LG_OK);
    CU_ASSERT_EQUAL(r.kind, LG_REVERT_CUSTOM);
    CU_ASSERT_STRING_EQUAL(r.message, "custom error 0xdeadbeef");
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, custom, 3), LG_ERR_INVALID);
}

static void test_revert_sanitized(void)
{
    uint8_t d[4 + 64 + 320], sel[4];
    lg_revert r;
    lg_abi_selector(sel, "Error(string)");
    memcpy(d, sel, 4);
    set_word(d + 4, 32);
    set_word(d + 36, 300);
    memset(d + 68, 'x', 320);
    d[68] = '\n';
    d[69] = 0x1b;
    d[70] = 0xc3;
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, d, sizeof d), LG_OK);
    CU_ASSERT_EQUAL(strlen(r.message), LG_REVERT_MSG_LEN - 1);
    CU_ASSERT_EQUAL(strncmp(r.message, "???xxx", 6), 0);
    lg_u256 code;
    static const uint64_t known[] = {0x00, 0x01, 0x12, 0x21, 0x22, 0x31, 0x32, 0x41, 0x51};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        lg_u256_from_u64(&code, known[i]);
        CU_ASSERT_STRING_NOT_EQUAL(lg_abi_panic_reason(&code), "unknown panic code");
    }
    lg_u256_from_u64(&code, 0x99);
    CU_ASSERT_STRING_EQUAL(lg_abi_panic_reason(&code), "unknown panic code");
    memset(code.b, 0xff, 32);
    CU_ASSERT_STRING_EQUAL(lg_abi_panic_reason(&code), "unknown panic code");
}

static void test_writer_misuse(void)
{
    uint8_t buf[128];
    size_t len = 9;
    lg_abi_writer w;
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 1);
    CU_ASSERT_EQUAL(lg_abi_finish(&w, &len), LG_ERR_INVALID); /* too few */
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 1);
    CU_ASSERT_EQUAL(lg_abi_put_u64(&w, 1), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_put_u64(&w, 2), LG_ERR_INVALID); /* too many */
    CU_ASSERT_EQUAL(lg_abi_finish(&w, &len), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(len, 0);
    lg_abi_writer_init(&w, buf, 64, NULL, 1);
    CU_ASSERT_EQUAL(lg_abi_put_bytes(&w, buf, 1), LG_ERR_OVERFLOW); /* needs 96 */
    CU_ASSERT_EQUAL(lg_abi_writer_init(&w, buf, 0, NULL, 0), LG_OK);
    CU_ASSERT_EQUAL(lg_abi_finish(&w, &len), LG_OK);
    CU_ASSERT_EQUAL(len, 0);
}

static void test_null_arguments(void)
{
    uint8_t buf[128] = {0}, sel[4] = {0}, addr[LG_ADDRESS_LEN] = {0};
    lg_abi_writer w;
    size_t len;
    lg_u256 v = {{0}};
    uint64_t u;
    int b;
    const uint8_t *p;
    char s[8];
    lg_revert r;
    CU_ASSERT_EQUAL(lg_abi_selector(NULL, "f()"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_selector(sel, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_event_topic(NULL, "f()"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_event_topic(buf, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_writer_init(NULL, buf, sizeof buf, NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_writer_init(&w, NULL, sizeof buf, NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_u64(&w, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_uint256(NULL, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_u64(NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_address(NULL, addr), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_bool(NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_bytes32(NULL, buf), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_bytes(NULL, buf, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_string(NULL, "x"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_finish(NULL, &len), LG_ERR_INVALID);
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 2);
    CU_ASSERT_EQUAL(lg_abi_finish(&w, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_put_uint256(&w, NULL), LG_ERR_INVALID);
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 2);
    CU_ASSERT_EQUAL(lg_abi_put_address(&w, NULL), LG_ERR_INVALID);
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 2);
    CU_ASSERT_EQUAL(lg_abi_put_bytes32(&w, NULL), LG_ERR_INVALID);
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 2);
    CU_ASSERT_EQUAL(lg_abi_put_bytes(&w, NULL, 1), LG_ERR_INVALID);
    lg_abi_writer_init(&w, buf, sizeof buf, NULL, 2);
    CU_ASSERT_EQUAL(lg_abi_put_string(&w, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_uint256(NULL, buf, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_uint256(&v, NULL, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_u64(NULL, buf, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_u64(&u, NULL, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_address(NULL, buf, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_address(addr, NULL, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bool(NULL, buf, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bool(&b, NULL, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bytes32(NULL, buf, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bytes32(buf, NULL, 32, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bytes(NULL, &len, buf, 64, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, NULL, buf, 64, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_bytes(&p, &len, NULL, 64, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_string(NULL, sizeof s, buf, 64, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_string(s, sizeof s, NULL, 64, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_get_string(s, 0, buf, 64, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_decode_revert(NULL, buf, 4), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_abi_decode_revert(&r, NULL, 4), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(lg_abi_panic_reason(NULL), "unknown panic code");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"selectors and Transfer topic", test_selectors},
        {"selector signature rejects", test_selector_rejects},
        {"transfer call data", test_transfer_call},
        {"mixed static and dynamic encode", test_mixed_encode},
        {"mixed return data decode", test_mixed_decode},
        {"bounds and clean values", test_bounds},
        {"revert reasons", test_revert_reasons},
        {"revert text sanitized, panic codes", test_revert_sanitized},
        {"writer misuse", test_writer_misuse},
        {"NULL arguments", test_null_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("abi", suite_init, suite_clean, tests);
    return lg_test_run("test_abi");
}
