/* test_keccak.c - Keccak-256 known answers (tests/data/README.md says where each comes
 * from) and incremental hashing at every split point. */
#include "config.h"

#include "harness.h"

#include <lendgate/hex.h>
#include <lendgate/keccak.h>
#include <stdlib.h>
#include <string.h>

static void check_hex(const uint8_t got[LG_KECCAK256_LEN], const char *want)
{
    char hex[2 * LG_KECCAK256_LEN + 1];
    CU_ASSERT_EQUAL_FATAL(lg_hex_encode(hex, sizeof hex, got, LG_KECCAK256_LEN, LG_HEX_BARE),
                          LG_OK);
    CU_ASSERT_STRING_EQUAL(hex, want);
}

/* The counting input the reference values were computed over: byte i is i mod 256. */
static void counting(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i & 0xff);
}

static void test_short_known(void)
{
    uint8_t md[LG_KECCAK256_LEN];
    CU_ASSERT_EQUAL(lg_keccak256(md, NULL, 0), 1);
    check_hex(md, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    CU_ASSERT_EQUAL(lg_keccak256(md, "", 0), 1);
    check_hex(md, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    CU_ASSERT_EQUAL(lg_keccak256(md, "abc", 3), 1);
    check_hex(md, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

/* Lengths around the 136-byte rate: the padding bytes share a byte at 135, and 136
 * needs a whole extra block. */
static void test_block_boundaries(void)
{
    static const struct {
        size_t len;
        const char *hex;
    } vec[] = {
        {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
        {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
        {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
        {200, "bfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890"},
        {272, "fdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e"},
        {300, "a679e749a6af300c36e7ff2255d220864eab27b382f9cfdc5aa4d13563ba36ff"},
    };
    uint8_t buf[300], md[LG_KECCAK256_LEN];
    counting(buf, sizeof buf);
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        CU_ASSERT_EQUAL(lg_keccak256(md, buf, vec[i].len), 1);
        check_hex(md, vec[i].hex);
    }
}

static void test_million_a(void)
{
    size_t n = 1000000;
    uint8_t *a = malloc(n), md[LG_KECCAK256_LEN];
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    memset(a, 'a', n);
    CU_ASSERT_EQUAL(lg_keccak256(md, a, n), 1);
    check_hex(md, "fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96");
    /* the same fed in uneven pieces */
    lg_keccak256_ctx ctx;
    CU_ASSERT_EQUAL(lg_keccak256_init(&ctx), 1);
    for (size_t off = 0, step = 1; off < n; off += step, step = step * 7 % 1009 + 1) {
        size_t take = step < n - off ? step : n - off;
        CU_ASSERT_EQUAL(lg_keccak256_update(&ctx, a + off, take), 1);
    }
    CU_ASSERT_EQUAL(lg_keccak256_final(&ctx, md), 1);
    check_hex(md, "fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96");
    free(a);
}

static void test_every_split(void)
{
    uint8_t buf[300], one[LG_KECCAK256_LEN], md[LG_KECCAK256_LEN];
    counting(buf, sizeof buf);
    CU_ASSERT_EQUAL(lg_keccak256(one, buf, sizeof buf), 1);
    check_hex(one, "a679e749a6af300c36e7ff2255d220864eab27b382f9cfdc5aa4d13563ba36ff");
    for (size_t split = 0; split <= sizeof buf; split++) {
        lg_keccak256_ctx ctx;
        lg_keccak256_init(&ctx);
        CU_ASSERT_EQUAL(lg_keccak256_update(&ctx, buf, split), 1);
        CU_ASSERT_EQUAL(lg_keccak256_update(&ctx, buf + split, sizeof buf - split), 1);
        CU_ASSERT_EQUAL(lg_keccak256_final(&ctx, md), 1);
        CU_ASSERT(memcmp(md, one, sizeof md) == 0);
    }
    lg_keccak256_ctx ctx;
    lg_keccak256_init(&ctx);
    for (size_t i = 0; i < sizeof buf; i++)
        CU_ASSERT_EQUAL(lg_keccak256_update(&ctx, buf + i, 1), 1);
    CU_ASSERT_EQUAL(lg_keccak256_final(&ctx, md), 1);
    CU_ASSERT(memcmp(md, one, sizeof md) == 0);
}

/* A copied context continues the same prefix independently. */
static void test_fork_prefix(void)
{
    lg_keccak256_ctx a, b;
    uint8_t m1[LG_KECCAK256_LEN], m2[LG_KECCAK256_LEN];
    lg_keccak256_init(&a);
    lg_keccak256_update(&a, "ab", 2);
    b = a;
    lg_keccak256_update(&a, "c", 1);
    CU_ASSERT_EQUAL(lg_keccak256_final(&a, m1), 1);
    check_hex(m1, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    lg_keccak256_update(&b, "c", 1);
    CU_ASSERT_EQUAL(lg_keccak256_final(&b, m2), 1);
    CU_ASSERT(memcmp(m1, m2, sizeof m1) == 0);
}

static void test_null_arguments(void)
{
    lg_keccak256_ctx ctx;
    uint8_t md[LG_KECCAK256_LEN];
    CU_ASSERT_EQUAL(lg_keccak256_init(NULL), 0);
    CU_ASSERT_EQUAL(lg_keccak256_init(&ctx), 1);
    CU_ASSERT_EQUAL(lg_keccak256_update(NULL, "a", 1), 0);
    CU_ASSERT_EQUAL(lg_keccak256_update(&ctx, NULL, 1), 0);
    CU_ASSERT_EQUAL(lg_keccak256_update(&ctx, NULL, 0), 1);
    CU_ASSERT_EQUAL(lg_keccak256_final(NULL, md), 0);
    CU_ASSERT_EQUAL(lg_keccak256_final(&ctx, NULL), 0);
    CU_ASSERT_EQUAL(lg_keccak256_final(&ctx, md), 1);
    check_hex(md, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    CU_ASSERT_EQUAL(lg_keccak256(NULL, "a", 1), 0);
    CU_ASSERT_EQUAL(lg_keccak256(md, NULL, 1), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"empty and abc", test_short_known},
        {"around the block size, 200 and 300 bytes", test_block_boundaries},
        {"one million a", test_million_a},
        {"incremental at every split of 300 bytes", test_every_split},
        {"copied context", test_fork_prefix},
        {"NULL arguments", test_null_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("keccak", NULL, NULL, tests);
    return lg_test_run("test_keccak");
}
