/* test_hex.c - strict hex encoding and decoding. */
#include "config.h"

#include "harness.h"

#include <lendgate/hex.h>
#include <string.h>

static const uint8_t sample[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};

static void test_encode_known(void)
{
    char out[32];
    CU_ASSERT_EQUAL(lg_hex_encode(out, sizeof out, sample, sizeof sample, LG_HEX_BARE), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "00017f80abff");
    CU_ASSERT_EQUAL(lg_hex_encode(out, sizeof out, sample, sizeof sample, LG_HEX_0X), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x00017f80abff");
    CU_ASSERT_EQUAL(lg_hex_encode(out, sizeof out, NULL, 0, LG_HEX_0X), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x");
    CU_ASSERT_EQUAL(lg_hex_encode(out, 1, NULL, 0, LG_HEX_BARE), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "");
}

static void test_encode_capacity(void)
{
    char out[16];
    CU_ASSERT_EQUAL(LG_HEX_TEXT_LEN(6, LG_HEX_0X), 15);
    CU_ASSERT_EQUAL(lg_hex_encode(out, 15, sample, sizeof sample, LG_HEX_0X), LG_OK);
    CU_ASSERT_EQUAL(lg_hex_encode(out, 14, sample, sizeof sample, LG_HEX_0X), LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(lg_hex_encode(out, 13, sample, sizeof sample, LG_HEX_BARE), LG_OK);
    CU_ASSERT_EQUAL(lg_hex_encode(out, 12, sample, sizeof sample, LG_HEX_BARE), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_hex_encode(out, 0, sample, 1, LG_HEX_BARE), LG_ERR_OVERFLOW);
}

static void test_decode_known(void)
{
    uint8_t out[8];
    size_t n = 99;
    const char *t = "0x00017F80aBfF";
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, t, strlen(t), LG_HEX_0X), LG_OK);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT(memcmp(out, sample, 6) == 0);
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, t, strlen(t), LG_HEX_OPTIONAL), LG_OK);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, t + 2, 12, LG_HEX_OPTIONAL), LG_OK);
    CU_ASSERT(memcmp(out, sample, 6) == 0);
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, t + 2, 12, LG_HEX_BARE), LG_OK);
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, "0x", 2, LG_HEX_0X), LG_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, "", 0, LG_HEX_BARE), LG_OK);
    CU_ASSERT_EQUAL(n, 0);
    /* textlen bounds the read: the rest of the string is not looked at */
    CU_ASSERT_EQUAL(lg_hex_decode(out, sizeof out, &n, "abzz", 2, LG_HEX_BARE), LG_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(out[0], 0xab);
}

static void test_decode_rejects(void)
{
    static const struct {
        const char *text;
        lg_hex_prefix prefix;
    } bad[] = {
        {"0x0102", LG_HEX_BARE},     {"0102", LG_HEX_0X},     {"0X0102", LG_HEX_0X},
        {"0X0102", LG_HEX_OPTIONAL}, {"012", LG_HEX_BARE},    {"0x012", LG_HEX_0X},
        {"0g", LG_HEX_BARE},         {"g0", LG_HEX_BARE},     {" 01", LG_HEX_BARE},
        {"01 ", LG_HEX_BARE},        {"0x 1", LG_HEX_0X},     {"-1", LG_HEX_BARE},
        {"0", LG_HEX_OPTIONAL},      {"x0", LG_HEX_OPTIONAL}, {"\xc3\xa9", LG_HEX_BARE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[8] = {0x55};
        size_t n = 99;
        lg_err err =
            lg_hex_decode(out, sizeof out, &n, bad[i].text, strlen(bad[i].text), bad[i].prefix);
        CU_ASSERT_EQUAL(err, LG_ERR_INVALID);
        CU_ASSERT_EQUAL(n, 0);
    }
    uint8_t out[2];
    size_t n = 0;
    CU_ASSERT_EQUAL(lg_hex_decode(out, 2, &n, "010203", 6, LG_HEX_BARE), LG_ERR_OVERFLOW);
    /* an embedded NUL inside textlen is not a digit */
    CU_ASSERT_EQUAL(lg_hex_decode(out, 2, &n, "0\0", 2, LG_HEX_BARE), LG_ERR_INVALID);
}

static void test_decode_fixed(void)
{
    uint8_t out[4];
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, "0xdeadBEEF", LG_HEX_0X), LG_OK);
    CU_ASSERT_EQUAL(out[0], 0xde);
    CU_ASSERT_EQUAL(out[3], 0xef);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, "deadbeef", LG_HEX_OPTIONAL), LG_OK);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, "deadbe", LG_HEX_OPTIONAL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, "deadbeef00", LG_HEX_OPTIONAL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(out[0], 0);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, "deadbeef\n", LG_HEX_OPTIONAL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, "deadbeef", LG_HEX_0X), LG_ERR_INVALID);
}

/* Every byte value against the digit sets written out by hand. */
static void test_nibble_all_bytes(void)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        int want = -1;
        for (int v = 0; v < 16; v++) {
            if (c == lower[v] || c == upper[v])
                want = v;
        }
        CU_ASSERT_EQUAL(lg_hex_nibble(c), want);
    }
    CU_ASSERT_EQUAL(lg_hex_nibble(-1), -1);
    CU_ASSERT_EQUAL(lg_hex_nibble(256 + '0'), -1);
}

static void test_null_arguments(void)
{
    uint8_t out[4];
    char text[16];
    size_t n = 7;
    CU_ASSERT_EQUAL(lg_hex_encode(NULL, 16, sample, 1, LG_HEX_BARE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_encode(text, sizeof text, NULL, 1, LG_HEX_BARE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_decode(NULL, 4, &n, "00", 2, LG_HEX_BARE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(lg_hex_decode(out, 4, NULL, "00", 2, LG_HEX_BARE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_decode(out, 4, &n, NULL, 2, LG_HEX_BARE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(NULL, 4, "00000000", LG_HEX_BARE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hex_decode_fixed(out, 4, NULL, LG_HEX_BARE), LG_ERR_INVALID);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"encode known", test_encode_known},     {"encode capacity", test_encode_capacity},
        {"decode known", test_decode_known},     {"decode rejects", test_decode_rejects},
        {"decode fixed", test_decode_fixed},     {"nibble of every byte", test_nibble_all_bytes},
        {"NULL arguments", test_null_arguments}, {NULL, NULL},
    };
    lg_test_add_suite("hex", NULL, NULL, tests);
    return lg_test_run("test_hex");
}
