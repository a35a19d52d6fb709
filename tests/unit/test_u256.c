/* test_u256.c - 256-bit integers: strict parsing, formatting, checked arithmetic. */
#include "config.h"

#include "harness.h"

#include <lendgate/u256.h>
#include <string.h>

#define MAX_DEC    "115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define TWO256_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639936"

static lg_u256 all_ff(void)
{
    lg_u256 v;
    memset(v.b, 0xff, 32);
    return v;
}

static void test_from_dec_known(void)
{
    lg_u256 v, want;
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, "0"), LG_OK);
    CU_ASSERT(lg_u256_is_zero(&v));
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, "1000000"), LG_OK);
    memset(&want, 0, sizeof want);
    want.b[29] = 0x0f, want.b[30] = 0x42, want.b[31] = 0x40;
    CU_ASSERT(memcmp(&v, &want, 32) == 0);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, "18446744073709551616"), LG_OK); /* 2^64 */
    memset(&want, 0, sizeof want);
    want.b[23] = 1;
    CU_ASSERT(memcmp(&v, &want, 32) == 0);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, MAX_DEC), LG_OK);
    want = all_ff();
    CU_ASSERT(memcmp(&v, &want, 32) == 0);
}

static void test_from_dec_rejects(void)
{
    static const char *const invalid[] = {"",    "00",  "01",  "-1", "+1",  " 1",   "1 ",
                                          "1e3", "0x1", "1.0", "١",  "12a", "1,000"};
    lg_u256 v;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        memset(&v, 0x55, sizeof v);
        CU_ASSERT_EQUAL(lg_u256_from_dec(&v, invalid[i]), LG_ERR_INVALID);
        CU_ASSERT(lg_u256_is_zero(&v));
    }
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, TWO256_DEC), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, "999999999999999999999999999999999999999999999999999999"
                                         "999999999999999999999999"),
                    LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, "1000000000000000000000000000000000000000000000000000000"
                                         "0000000000000000000000000000"),
                    LG_ERR_OVERFLOW);
}

static void test_to_dec(void)
{
    static const char *const known[] = {"0",
                                        "1",
                                        "9",
                                        "10",
                                        "255",
                                        "256",
                                        "18446744073709551615",
                                        "18446744073709551616",
                                        "1000000000000000000000000",
                                        MAX_DEC};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        lg_u256 v;
        char out[LG_U256_DEC_LEN];
        CU_ASSERT_EQUAL_FATAL(lg_u256_from_dec(&v, known[i]), LG_OK);
        CU_ASSERT_EQUAL(lg_u256_to_dec(out, sizeof out, &v), LG_OK);
        CU_ASSERT_STRING_EQUAL(out, known[i]);
    }
    lg_u256 v = all_ff();
    char small[78];
    CU_ASSERT_EQUAL(lg_u256_to_dec(small, sizeof small, &v), LG_ERR_OVERFLOW);
    lg_u256_from_u64(&v, 1234);
    CU_ASSERT_EQUAL(lg_u256_to_dec(small, 5, &v), LG_OK);
    CU_ASSERT_STRING_EQUAL(small, "1234");
    CU_ASSERT_EQUAL(lg_u256_to_dec(small, 4, &v), LG_ERR_OVERFLOW);
}

static void test_quantity(void)
{
    lg_u256 v;
    char out[LG_U256_HEX_LEN];
    uint64_t u = 0;
    CU_ASSERT_EQUAL(lg_u256_from_quantity(&v, "0x0"), LG_OK);
    CU_ASSERT(lg_u256_is_zero(&v));
    CU_ASSERT_EQUAL(lg_u256_from_quantity(&v, "0x1a"), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_to_u64(&u, &v), LG_OK);
    CU_ASSERT_EQUAL(u, 26);
    CU_ASSERT_EQUAL(lg_u256_from_quantity(&v, "0xDE0B6B3A7640000"), LG_OK); /* 1 ether */
    CU_ASSERT_EQUAL(lg_u256_to_u64(&u, &v), LG_OK);
    CU_ASSERT_EQUAL(u, 1000000000000000000ull);
    CU_ASSERT_EQUAL(lg_u256_to_quantity(out, sizeof out, &v), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0xde0b6b3a7640000");
    lg_u256 z = {{0}};
    CU_ASSERT_EQUAL(lg_u256_to_quantity(out, sizeof out, &z), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x0");
    lg_u256 m = all_ff();
    CU_ASSERT_EQUAL(lg_u256_to_quantity(out, sizeof out, &m), LG_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    CU_ASSERT_EQUAL(lg_u256_from_quantity(&v, out), LG_OK);
    CU_ASSERT(memcmp(&v, &m, 32) == 0);
    CU_ASSERT_EQUAL(lg_u256_to_quantity(out, 66, &m), LG_ERR_OVERFLOW);
    static const char *const invalid[] = {"0x",   "0x00", "0x01", "1a",  "0X1a",
                                          "0x1g", "",     "0x-1", " 0x1"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        CU_ASSERT_EQUAL(lg_u256_from_quantity(&v, invalid[i]), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_quantity(
                        &v, "0x10000000000000000000000000000000000000000000000000000000000000000"),
                    LG_ERR_OVERFLOW);
}

static void test_u64_and_bytes(void)
{
    lg_u256 v;
    uint64_t u = 0;
    CU_ASSERT_EQUAL(lg_u256_from_u64(&v, UINT64_MAX), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_byte_len(&v), 8);
    CU_ASSERT_EQUAL(lg_u256_to_u64(&u, &v), LG_OK);
    CU_ASSERT_EQUAL(u, UINT64_MAX);
    v.b[23] = 1;
    CU_ASSERT_EQUAL(lg_u256_to_u64(&u, &v), LG_ERR_OVERFLOW);
    static const uint8_t be[] = {0x00, 0x01, 0x00};
    CU_ASSERT_EQUAL(lg_u256_from_be(&v, be, sizeof be), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_to_u64(&u, &v), LG_OK);
    CU_ASSERT_EQUAL(u, 256);
    CU_ASSERT_EQUAL(lg_u256_byte_len(&v), 2);
    uint8_t big[33] = {0};
    CU_ASSERT_EQUAL(lg_u256_from_be(&v, big, 33), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u256_from_be(&v, NULL, 0), LG_OK);
    CU_ASSERT(lg_u256_is_zero(&v));
    CU_ASSERT_EQUAL(lg_u256_byte_len(&v), 0);
}

static void test_arithmetic(void)
{
    lg_u256 a, b, r, want;
    lg_u256_from_u64(&a, UINT64_MAX);
    lg_u256_from_u64(&b, 1);
    CU_ASSERT_EQUAL(lg_u256_add(&r, &a, &b), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&want, "18446744073709551616"), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_cmp(&r, &want), 0);
    CU_ASSERT_EQUAL(lg_u256_sub(&r, &r, &b), LG_OK); /* aliasing */
    CU_ASSERT_EQUAL(lg_u256_cmp(&r, &a), 0);
    CU_ASSERT_EQUAL(lg_u256_cmp(&a, &b), 1);
    CU_ASSERT_EQUAL(lg_u256_cmp(&b, &a), -1);
    lg_u256 max = all_ff(), keep = max;
    CU_ASSERT_EQUAL(lg_u256_add(&max, &max, &b), LG_ERR_OVERFLOW);
    CU_ASSERT(memcmp(&max, &keep, 32) == 0);
    lg_u256 zero = {{0}};
    r = keep;
    CU_ASSERT_EQUAL(lg_u256_sub(&r, &zero, &b), LG_ERR_OVERFLOW);
    CU_ASSERT(memcmp(&r, &keep, 32) == 0);
    CU_ASSERT_EQUAL(lg_u256_sub(&r, &max, &max), LG_OK);
    CU_ASSERT(lg_u256_is_zero(&r));
    CU_ASSERT_EQUAL(
        lg_u256_from_dec(
            &a, "57896044618658097711785492504343953926634992332820282019728792003956564819968"),
        LG_OK); /* 2^255 */
    CU_ASSERT_EQUAL(lg_u256_add(&r, &a, &a), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u256_sub(&r, &a, &b), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_add(&r, &r, &a), LG_OK);
    CU_ASSERT(memcmp(&r, &keep, 32) == 0); /* 2^255 - 1 + 2^255 = 2^256 - 1 */
}

/* The carries between the 32-bit halves are where a product goes wrong. */
static void test_product(void)
{
    lg_u256 r, want;
    CU_ASSERT_EQUAL(lg_u256_from_product(&r, UINT64_MAX, UINT64_MAX), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&want, "340282366920938463426481119284349108225"), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_cmp(&r, &want), 0);
    CU_ASSERT_EQUAL(lg_u256_from_product(&r, 0xdeadbeefcafebabeULL, 0x123456789abcdef1ULL), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&want, "21048231472139185852921613350248812766"), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_cmp(&r, &want), 0);
    CU_ASSERT_EQUAL(lg_u256_from_product(&r, 21000, 3000000000ULL), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&want, "63000000000000"), LG_OK);
    CU_ASSERT_EQUAL(lg_u256_cmp(&r, &want), 0);
    CU_ASSERT_EQUAL(lg_u256_from_product(&r, 0, UINT64_MAX), LG_OK);
    CU_ASSERT(lg_u256_is_zero(&r));
    CU_ASSERT_EQUAL(lg_u256_from_product(NULL, 1, 1), LG_ERR_INVALID);
}

static void test_null_arguments(void)
{
    lg_u256 v = {{0}};
    char out[LG_U256_DEC_LEN];
    uint64_t u;
    CU_ASSERT_EQUAL(lg_u256_from_dec(NULL, "1"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_dec(&v, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_to_dec(NULL, 10, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_to_dec(out, sizeof out, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_quantity(NULL, "0x1"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_quantity(&v, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_to_quantity(NULL, 10, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_to_quantity(out, sizeof out, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_u64(NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_to_u64(NULL, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_to_u64(&u, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_be(NULL, v.b, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_from_be(&v, NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_byte_len(NULL), 0);
    CU_ASSERT_EQUAL(lg_u256_is_zero(NULL), 1);
    CU_ASSERT_EQUAL(lg_u256_cmp(NULL, &v), -1);
    CU_ASSERT_EQUAL(lg_u256_cmp(&v, NULL), 1);
    CU_ASSERT_EQUAL(lg_u256_cmp(NULL, NULL), 0);
    CU_ASSERT_EQUAL(lg_u256_add(NULL, &v, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_add(&v, NULL, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_add(&v, &v, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_sub(NULL, &v, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_sub(&v, NULL, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u256_sub(&v, &v, NULL), LG_ERR_INVALID);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"from decimal, known values", test_from_dec_known},
        {"from decimal, rejects", test_from_dec_rejects},
        {"to decimal", test_to_dec},
        {"JSON-RPC quantities", test_quantity},
        {"u64 and big-endian bytes", test_u64_and_bytes},
        {"checked add and sub", test_arithmetic},
        {"64-bit product", test_product},
        {"NULL arguments", test_null_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("u256", NULL, NULL, tests);
    return lg_test_run("test_u256");
}
