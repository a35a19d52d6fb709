/* test_amount.c - strict amount parsing, formatting, checked arithmetic and the fee rule. */
#include "config.h"

#include "harness.h"

#include <lendgate/amount.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const char *text;
    lg_err want;
    uint64_t value;
} parse_case;

static const parse_case parse_cases[] = {
    {"0", LG_OK, 0},
    {"1", LG_OK, 1},
    {"5000000000", LG_OK, UINT64_C(5000000000)},
    {"18446744073709551615", LG_OK, UINT64_MAX},
    {"18446744073709551614", LG_OK, UINT64_MAX - 1},
    {"18446744073709551616", LG_ERR_OVERFLOW, 0},
    {"18446744073709551620", LG_ERR_OVERFLOW, 0},
    {"99999999999999999999", LG_ERR_OVERFLOW, 0},
    {"100000000000000000000000", LG_ERR_OVERFLOW, 0},
    {"-1", LG_ERR_INVALID, 0},
    {"-0", LG_ERR_INVALID, 0},
    {"+1", LG_ERR_INVALID, 0},
    {"1e6", LG_ERR_INVALID, 0},
    {"1E6", LG_ERR_INVALID, 0},
    {" 1", LG_ERR_INVALID, 0},
    {"1 ", LG_ERR_INVALID, 0},
    {"1\n", LG_ERR_INVALID, 0},
    {"01", LG_ERR_INVALID, 0},
    {"00", LG_ERR_INVALID, 0},
    {"", LG_ERR_INVALID, 0},
    {"1.5", LG_ERR_INVALID, 0},
    {"1.", LG_ERR_INVALID, 0},
    {".5", LG_ERR_INVALID, 0},
    {"1,000", LG_ERR_INVALID, 0},
    {"1_000", LG_ERR_INVALID, 0},
    {"0x10", LG_ERR_INVALID, 0},
    {"abc", LG_ERR_INVALID, 0},
    {"\xef\xbc\x91", LG_ERR_INVALID, 0},           /* fullwidth digit one */
    {"\xd9\xa1", LG_ERR_INVALID, 0},               /* arabic-indic digit one */
    {"184467440737095516150x", LG_ERR_INVALID, 0}, /* too long, and not digits */
};

static void test_parse_table(void)
{
    for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
        const parse_case *c = &parse_cases[i];
        uint64_t v = UINT64_C(0xdeadbeef);
        lg_err rc = lg_amount_parse(c->text, &v);
        CU_ASSERT_EQUAL(rc, c->want);
        if (rc != c->want)
            fprintf(stderr, "lg_amount_parse(\"%s\") = %s, want %s\n", c->text, lg_errname(rc),
                    lg_errname(c->want));
        /* *out is written on success only */
        CU_ASSERT_EQUAL(v, c->want == LG_OK ? c->value : UINT64_C(0xdeadbeef));
    }
}

static void test_parse_embedded_nul(void)
{
    /* A C string stops at NUL: what follows is not part of the amount. */
    uint64_t v;
    CU_ASSERT_EQUAL(lg_amount_parse("12\0"
                                    "34",
                                    &v),
                    LG_OK);
    CU_ASSERT_EQUAL(v, 12);
}

static void test_parse_positive(void)
{
    uint64_t v = 7;
    CU_ASSERT_EQUAL(lg_amount_parse_positive("0", &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(lg_amount_parse_positive("1", &v), LG_OK);
    CU_ASSERT_EQUAL(v, 1);
    CU_ASSERT_EQUAL(lg_amount_parse_positive("18446744073709551615", &v), LG_OK);
    CU_ASSERT_EQUAL(v, UINT64_MAX);
    CU_ASSERT_EQUAL(lg_amount_parse_positive("18446744073709551616", &v), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_amount_parse_positive("-5", &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_parse_positive("00", &v), LG_ERR_INVALID);
}

static void test_null_arguments(void)
{
    uint64_t v, f, n;
    CU_ASSERT_EQUAL(lg_amount_parse(NULL, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_parse("1", NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_parse_positive(NULL, &v), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_parse_positive("1", NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_format(1, NULL, 32), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_format_usd(1, NULL, 32), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u64_add(1, 2, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u64_sub(2, 1, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_u64_mul(2, 3, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_fee(100, 1, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_split_fee(100, 1, NULL, &n), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_split_fee(100, 1, &f, NULL), LG_ERR_INVALID);
}

static void test_format(void)
{
    char buf[LG_AMOUNT_TEXT_LEN];
    CU_ASSERT_EQUAL(lg_amount_format(0, buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "0");
    CU_ASSERT_EQUAL(lg_amount_format(UINT64_C(5000000000), buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "5000000000");
    CU_ASSERT_EQUAL(lg_amount_format(UINT64_MAX, buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "18446744073709551615");
    CU_ASSERT_EQUAL(lg_amount_format(UINT64_MAX, buf, sizeof buf - 1), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_amount_format(10, buf, 2), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_amount_format(10, buf, 3), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "10");
    CU_ASSERT_EQUAL(lg_amount_format(1, buf, 0), LG_ERR_OVERFLOW);
}

static void test_format_parse_round_trip(void)
{
    static const uint64_t values[] = {
        0,         1, 9, 10, 999999, 1000000, UINT64_C(4294967296), UINT64_MAX / 10, UINT64_MAX - 1,
        UINT64_MAX};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        char buf[LG_AMOUNT_TEXT_LEN];
        uint64_t back = 0;
        CU_ASSERT_EQUAL(lg_amount_format(values[i], buf, sizeof buf), LG_OK);
        CU_ASSERT_EQUAL(lg_amount_parse(buf, &back), LG_OK);
        CU_ASSERT_EQUAL(back, values[i]);
    }
}

static void test_format_usd(void)
{
    static const struct {
        uint64_t v;
        const char *want;
    } cases[] = {
        {0, "$0.00"},
        {1, "$0.00"},    /* one base unit is a millionth of a dollar */
        {9999, "$0.00"}, /* cents are truncated, never rounded up */
        {10000, "$0.01"},
        {999999, "$0.99"},
        {1000000, "$1.00"},
        {1234567, "$1.23"},
        {999999999, "$999.99"},
        {1000000000, "$1,000.00"},
        {UINT64_C(5000000000), "$5,000.00"},
        {UINT64_C(123456789012), "$123,456.78"},
        {UINT64_C(1000000000000), "$1,000,000.00"},
        {UINT64_MAX, "$18,446,744,073,709.55"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[LG_AMOUNT_USD_LEN];
        CU_ASSERT_EQUAL(lg_amount_format_usd(cases[i].v, buf, sizeof buf), LG_OK);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
    }
    char exact[10] = ""; /* "$1,000.00" and its NUL */
    CU_ASSERT_EQUAL(lg_amount_format_usd(1000000000, exact, sizeof exact - 1), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(exact[0], '\0'); /* nothing half-written */
    CU_ASSERT_EQUAL(lg_amount_format_usd(1000000000, exact, sizeof exact), LG_OK);
    CU_ASSERT_STRING_EQUAL(exact, "$1,000.00");
    CU_ASSERT_EQUAL(lg_amount_format_usd(0, exact, 0), LG_ERR_OVERFLOW);
}

static void test_checked_arithmetic(void)
{
    uint64_t r = 42;
    CU_ASSERT_EQUAL(lg_u64_add(UINT64_MAX - 1, 1, &r), LG_OK);
    CU_ASSERT_EQUAL(r, UINT64_MAX);
    CU_ASSERT_EQUAL(lg_u64_add(UINT64_MAX, 1, &r), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u64_add(1, UINT64_MAX, &r), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(r, UINT64_MAX); /* untouched */
    CU_ASSERT_EQUAL(lg_u64_add(0, 0, &r), LG_OK);
    CU_ASSERT_EQUAL(r, 0);

    CU_ASSERT_EQUAL(lg_u64_sub(5, 5, &r), LG_OK);
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(lg_u64_sub(5, 6, &r), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u64_sub(0, 1, &r), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u64_sub(UINT64_MAX, 1, &r), LG_OK);
    CU_ASSERT_EQUAL(r, UINT64_MAX - 1);

    CU_ASSERT_EQUAL(lg_u64_mul(UINT64_C(4294967296), UINT64_C(4294967295), &r), LG_OK);
    CU_ASSERT_EQUAL(r, UINT64_C(18446744069414584320));
    CU_ASSERT_EQUAL(lg_u64_mul(UINT64_C(4294967296), UINT64_C(4294967296), &r), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u64_mul(UINT64_MAX, 2, &r), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_u64_mul(0, UINT64_MAX, &r), LG_OK);
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(lg_u64_mul(UINT64_MAX, 1, &r), LG_OK);
    CU_ASSERT_EQUAL(r, UINT64_MAX);
}

static void test_fee_known_answers(void)
{
    uint64_t fee = 1;
    CU_ASSERT_EQUAL(lg_amount_fee(UINT64_MAX, 0, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, 0);
    /* floor(18446744073709551615 / 10000) */
    CU_ASSERT_EQUAL(lg_amount_fee(UINT64_MAX, 1, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, UINT64_C(1844674407370955));
    /* floor(18446744073709551615 * 9999 / 10000) = 18444899399302180659.9385 */
    CU_ASSERT_EQUAL(lg_amount_fee(UINT64_MAX, 9999, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, UINT64_C(18444899399302180659));
    CU_ASSERT_EQUAL(lg_amount_fee(UINT64_MAX, 10000, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, UINT64_MAX);
    /* 1,000 USDC at 0.5% is 5 USDC */
    CU_ASSERT_EQUAL(lg_amount_fee(UINT64_C(1000000000), 50, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, 5000000);
    /* below 10000 base units small fees floor to zero */
    CU_ASSERT_EQUAL(lg_amount_fee(9999, 1, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, 0);
    CU_ASSERT_EQUAL(lg_amount_fee(9999, 9999, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, 9998); /* 99980001 / 10000 */
    CU_ASSERT_EQUAL(lg_amount_fee(1, 10000, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, 1);
    CU_ASSERT_EQUAL(lg_amount_fee(0, 10000, &fee), LG_OK);
    CU_ASSERT_EQUAL(fee, 0);
}

static void test_fee_bad_bps(void)
{
    uint64_t fee = 77, net = 77;
    CU_ASSERT_EQUAL(lg_amount_fee(100, 10001, &fee), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_amount_fee(100, UINT32_MAX, &fee), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(fee, 77);
    CU_ASSERT_EQUAL(lg_amount_split_fee(100, 10001, &fee, &net), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(net, 77);
}

#ifdef __SIZEOF_INT128__
static uint64_t ref_fee(uint64_t amount, uint32_t bps)
{
    return (uint64_t)((unsigned __int128)amount * bps / 10000);
}

static void test_fee_against_128_bit(void)
{
    static const uint64_t amounts[] = {0,
                                       1,
                                       2,
                                       9999,
                                       10000,
                                       10001,
                                       19999,
                                       123456789,
                                       UINT64_C(1000000000000),
                                       UINT64_MAX / 10000 * 10000 - 1,
                                       UINT64_MAX / 10000 * 10000,
                                       UINT64_MAX / 10000 * 10000 + 9999,
                                       UINT64_MAX / 2,
                                       UINT64_MAX - 10000,
                                       UINT64_MAX - 1,
                                       UINT64_MAX};
    static const uint32_t bps[] = {0,   1,   2,    3,    7,    30,   50,   99,
                                   100, 333, 1000, 3333, 5000, 9999, 10000};
    for (size_t a = 0; a < sizeof amounts / sizeof *amounts; a++) {
        for (size_t b = 0; b < sizeof bps / sizeof *bps; b++) {
            uint64_t fee = 0, net = 0;
            CU_ASSERT_EQUAL(lg_amount_split_fee(amounts[a], bps[b], &fee, &net), LG_OK);
            CU_ASSERT_EQUAL(fee, ref_fee(amounts[a], bps[b]));
            CU_ASSERT_EQUAL(fee + net, amounts[a]);
        }
    }
    /* every remainder r below 10000 with a bps that leaves a fraction */
    uint64_t bad = 0;
    for (uint64_t r = 0; r < 10000; r++) {
        uint64_t amount = UINT64_MAX - r, fee = 0;
        if (lg_amount_fee(amount, 9973, &fee) != LG_OK || fee != ref_fee(amount, 9973))
            bad++;
        if (lg_amount_fee(r, 9973, &fee) != LG_OK || fee != ref_fee(r, 9973))
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}
#endif

static void test_split_fee(void)
{
    uint64_t fee = 0, net = 0;
    CU_ASSERT_EQUAL(lg_amount_split_fee(UINT64_C(1000000000), 250, &fee, &net), LG_OK);
    CU_ASSERT_EQUAL(fee, 25000000);
    CU_ASSERT_EQUAL(net, 975000000);
    CU_ASSERT_EQUAL(lg_amount_split_fee(UINT64_MAX, 10000, &fee, &net), LG_OK);
    CU_ASSERT_EQUAL(fee, UINT64_MAX);
    CU_ASSERT_EQUAL(net, 0);
    CU_ASSERT_EQUAL(lg_amount_split_fee(3, 5000, &fee, &net), LG_OK);
    CU_ASSERT_EQUAL(fee, 1); /* floor(1.5): the fee is rounded down, the partner gets more */
    CU_ASSERT_EQUAL(net, 2);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"parse table", test_parse_table},
        {"parse stops at NUL", test_parse_embedded_nul},
        {"parse positive", test_parse_positive},
        {"NULL arguments", test_null_arguments},
        {"format", test_format},
        {"format/parse round trip", test_format_parse_round_trip},
        {"format usd", test_format_usd},
        {"checked arithmetic", test_checked_arithmetic},
        {"fee known answers", test_fee_known_answers},
        {"fee bad bps", test_fee_bad_bps},
#ifdef __SIZEOF_INT128__
        {"fee against 128-bit reference", test_fee_against_128_bit},
#endif
        {"split fee", test_split_fee},
        {NULL, NULL},
    };
    lg_test_add_suite("amount", NULL, NULL, tests);
    return lg_test_run("test_amount");
}
