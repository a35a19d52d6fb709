/* test_address.c - EIP-55 checksummed addresses (vectors from the EIP text). */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"

#include <lendgate/address.h>
#include <string.h>

static const char *const eip55_mixed[] = {
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
};
/* Addresses whose checksum form happens to be all caps or all lower. */
static const char *const eip55_single_case[] = {
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
};

static void lower_copy(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i]; i++)
        dst[i] = (src[i] >= 'A' && src[i] <= 'F') ? (char)(src[i] - 'A' + 'a') : src[i];
    dst[i] = '\0';
}

static void upper_copy(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i]; i++)
        dst[i] = (i >= 2 && src[i] >= 'a' && src[i] <= 'f') ? (char)(src[i] - 'a' + 'A') : src[i];
    dst[i] = '\0';
}

static void check_vector(const char *want)
{
    uint8_t a[LG_ADDRESS_LEN];
    char text[LG_ADDRESS_TEXT_LEN], low[LG_ADDRESS_TEXT_LEN], up[LG_ADDRESS_TEXT_LEN];
    CU_ASSERT_EQUAL(lg_address_parse(a, want), LG_OK);
    CU_ASSERT_EQUAL(lg_address_format(text, sizeof text, a), LG_OK);
    CU_ASSERT_STRING_EQUAL(text, want);
    CU_ASSERT(lg_address_is_checksummed(want));
    /* all-lowercase and all-uppercase parse to the same bytes and format back */
    lower_copy(low, want);
    upper_copy(up, want);
    uint8_t b[LG_ADDRESS_LEN];
    CU_ASSERT_EQUAL(lg_address_parse(b, low), LG_OK);
    CU_ASSERT(memcmp(a, b, sizeof a) == 0);
    CU_ASSERT_EQUAL(lg_address_parse(b, up), LG_OK);
    CU_ASSERT(memcmp(a, b, sizeof a) == 0);
    CU_ASSERT_EQUAL(lg_address_format_lower(text, sizeof text, b), LG_OK);
    CU_ASSERT_STRING_EQUAL(text, low);
}

static void test_eip55_vectors(void)
{
    for (size_t i = 0; i < 4; i++) {
        check_vector(eip55_mixed[i]);
        check_vector(eip55_single_case[i]);
    }
}

static void test_wrong_case_rejected(void)
{
    uint8_t a[LG_ADDRESS_LEN];
    for (size_t i = 0; i < 4; i++) {
        char text[LG_ADDRESS_TEXT_LEN];
        strcpy(text, eip55_mixed[i]);
        /* flip the case of one letter after the prefix: a typo in mixed case */
        for (size_t j = 2; text[j]; j++) {
            char c = text[j];
            if (c >= 'a' && c <= 'f') {
                text[j] = (char)(c - 'a' + 'A');
                break;
            }
        }
        memset(a, 0x55, sizeof a);
        CU_ASSERT_EQUAL(lg_address_parse(a, text), LG_ERR_INVALID);
        CU_ASSERT_EQUAL(a[0], 0);
        CU_ASSERT_FALSE(lg_address_valid(text));
    }
    /* mixed case here but not the checksum case */
    CU_ASSERT_EQUAL(lg_address_parse(a, "0x5AAEB6053f3e94c9b9a09f33669435e7ef1beaed"),
                    LG_ERR_INVALID);
    /* single case is valid but not written in checksum form */
    CU_ASSERT(lg_address_valid("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
    CU_ASSERT_FALSE(lg_address_is_checksummed("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
}

static void test_shape_rejected(void)
{
    static const char *const bad[] = {
        "",
        "0x",
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
        " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae\n",
    };
    uint8_t a[LG_ADDRESS_LEN];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(lg_address_parse(a, bad[i]), LG_ERR_INVALID);
        CU_ASSERT_FALSE(lg_address_valid(bad[i]));
        CU_ASSERT_FALSE(lg_address_is_checksummed(bad[i]));
    }
}

static void test_format_capacity(void)
{
    uint8_t a[LG_ADDRESS_LEN] = {0};
    char text[LG_ADDRESS_TEXT_LEN];
    CU_ASSERT_EQUAL(lg_address_format(text, LG_ADDRESS_TEXT_LEN - 1, a), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_address_format(text, sizeof text, a), LG_OK);
    CU_ASSERT_STRING_EQUAL(text, "0x0000000000000000000000000000000000000000");
}

/* A stored (lowercase) address is shown in its EIP-55 form. */
static void test_checksummed(void)
{
    char out[LG_ADDRESS_TEXT_LEN];
    CU_ASSERT_EQUAL(
        lg_address_checksummed(out, sizeof out, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    CU_ASSERT_EQUAL(
        lg_address_checksummed(out, sizeof out, "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"),
        LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    CU_ASSERT_EQUAL(lg_address_checksummed(out, sizeof out, ""), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_checksummed(out, sizeof out, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_checksummed(out, 42, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
                    LG_ERR_OVERFLOW);
}

static void test_null_arguments(void)
{
    uint8_t a[LG_ADDRESS_LEN] = {0};
    char text[LG_ADDRESS_TEXT_LEN];
    CU_ASSERT_EQUAL(lg_address_parse(NULL, eip55_mixed[0]), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_parse(a, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_format(NULL, sizeof text, a), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_format(text, sizeof text, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_format_lower(NULL, sizeof text, a), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_format_lower(text, sizeof text, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_address_valid(NULL), 0);
    CU_ASSERT_EQUAL(lg_address_is_checksummed(NULL), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"EIP-55 vectors", test_eip55_vectors},
        {"wrong case rejected", test_wrong_case_rejected},
        {"malformed rejected", test_shape_rejected},
        {"format capacity", test_format_capacity},
        {"NULL arguments", test_null_arguments},
        {"stored addresses shown checksummed", test_checksummed},
        {NULL, NULL},
    };
    lg_test_add_suite("address", NULL, NULL, tests);
    return lg_test_run("test_address");
}
