/* test_sha256.c - SHA-256 (FIPS 180 examples), HMAC-SHA256 (RFC 4231), constant-time
 * comparison and wiping. */
#include "config.h"

#include "harness.h"

#include <lendgate/hex.h>
#include <lendgate/sha256.h>
#include <string.h>

static void check_digest(const uint8_t got[LG_SHA256_LEN], const char *want_hex)
{
    char hex[LG_SHA256_HEX_LEN];
    CU_ASSERT_EQUAL_FATAL(lg_hex_encode(hex, sizeof hex, got, LG_SHA256_LEN, LG_HEX_BARE), LG_OK);
    CU_ASSERT_STRING_EQUAL(hex, want_hex);
}

static void test_sha256_known(void)
{
    uint8_t md[LG_SHA256_LEN];
    CU_ASSERT_EQUAL(lg_sha256(md, "abc", 3), LG_OK);
    check_digest(md, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CU_ASSERT_EQUAL(lg_sha256(md, NULL, 0), LG_OK);
    check_digest(md, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CU_ASSERT_EQUAL(lg_sha256(md, two, strlen(two)), LG_OK);
    check_digest(md, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char hex[LG_SHA256_HEX_LEN];
    CU_ASSERT_EQUAL(lg_sha256_hex(hex, sizeof hex, "abc", 3), LG_OK);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CU_ASSERT_EQUAL(lg_sha256_hex(hex, 64, "abc", 3), LG_ERR_OVERFLOW);
}

static void test_hmac_rfc4231(void)
{
    uint8_t mac[LG_SHA256_LEN];
    uint8_t key1[20];
    memset(key1, 0x0b, sizeof key1);
    CU_ASSERT_EQUAL(lg_hmac_sha256(mac, key1, sizeof key1, "Hi There", 8), LG_OK);
    check_digest(mac, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    const char *data2 = "what do ya want for nothing?";
    CU_ASSERT_EQUAL(lg_hmac_sha256(mac, "Jefe", 4, data2, strlen(data2)), LG_OK);
    check_digest(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    uint8_t key6[131];
    memset(key6, 0xaa, sizeof key6);
    const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    CU_ASSERT_EQUAL(lg_hmac_sha256(mac, key6, sizeof key6, data6, strlen(data6)), LG_OK);
    check_digest(mac, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_memeq(void)
{
    uint8_t a[64], b[64];
    for (int i = 0; i < 64; i++)
        a[i] = b[i] = (uint8_t)i;
    CU_ASSERT_EQUAL(lg_memeq_consttime(a, b, sizeof a), 1);
    for (size_t i = 0; i < sizeof a; i++) {
        b[i] ^= 0x80;
        CU_ASSERT_EQUAL(lg_memeq_consttime(a, b, sizeof a), 0);
        b[i] ^= 0x80;
    }
    CU_ASSERT_EQUAL(lg_memeq_consttime(a, b, 0), 1);
    CU_ASSERT_EQUAL(lg_memeq_consttime(NULL, NULL, 0), 1);
}

static void test_wipe(void)
{
    uint8_t secret[48];
    memset(secret, 0xa5, sizeof secret);
    lg_memwipe(secret, sizeof secret);
    for (size_t i = 0; i < sizeof secret; i++)
        CU_ASSERT_EQUAL(secret[i], 0);
    lg_memwipe(NULL, 10);
}

static void test_null_arguments(void)
{
    uint8_t md[LG_SHA256_LEN];
    char hex[LG_SHA256_HEX_LEN];
    CU_ASSERT_EQUAL(lg_sha256(NULL, "a", 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_sha256(md, NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_sha256_hex(NULL, sizeof hex, "a", 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_sha256_hex(hex, sizeof hex, NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hmac_sha256(NULL, "k", 1, "a", 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hmac_sha256(md, NULL, 1, "a", 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hmac_sha256(md, "k", 1, NULL, 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_hmac_sha256(md, NULL, 0, NULL, 0), LG_OK);
    check_digest(md, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CU_ASSERT_EQUAL(lg_memeq_consttime(NULL, md, 1), 0);
    CU_ASSERT_EQUAL(lg_memeq_consttime(md, NULL, 1), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"SHA-256 known answers", test_sha256_known}, {"HMAC-SHA256 RFC 4231", test_hmac_rfc4231},
        {"constant-time equality", test_memeq},       {"wipe", test_wipe},
        {"NULL arguments", test_null_arguments},      {NULL, NULL},
    };
    lg_test_add_suite("sha256", NULL, NULL, tests);
    return lg_test_run("test_sha256");
}
