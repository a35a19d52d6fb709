/* test_validate.c - field validators and the borrow/repay bodies built on them. */
#include "config.h"

#include "harness.h"

#include <lendgate/bodies.h>
#include <lendgate/sha256.h>
#include <lendgate/validate.h>

#include <stdio.h>
#include <string.h>

static void test_address(void)
{
    char out[LG_ADDR_LEN], msg[128];
    /* EIP-55 example vectors. */
    CU_ASSERT_EQUAL(lg_validate_address("w", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", out, msg,
                                        sizeof msg),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    CU_ASSERT_EQUAL(lg_validate_address("w", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", out, msg,
                                        sizeof msg),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_validate_address("userWallet", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
                                        out, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "userWallet: EIP-55 checksum does not match");
    const char *bad[] = {"",
                         "0x",
                         "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",
                         "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
                         "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd",
                         "0xZaaeb6053f3e94c9b9a09f33669435e7ef1beaed"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CU_ASSERT_EQUAL(lg_validate_address("userWallet", bad[i], out, msg, sizeof msg),
                        LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, "userWallet: must be 0x followed by 40 hex digits");
    }
    CU_ASSERT_EQUAL(lg_validate_address("w", NULL, out, msg, sizeof msg), LG_ERR_INVALID);
}

static void test_amount(void)
{
    uint64_t v = 0;
    char msg[160];
    CU_ASSERT_EQUAL(lg_validate_amount("amount", "1000000", &v, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(v, 1000000);
    CU_ASSERT_EQUAL(lg_validate_amount("amount", "18446744073709551615", &v, msg, sizeof msg),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_validate_amount("amount", "18446744073709551616", &v, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "amount: is too large");
    const char *bad[] = {"0", "-1", "+1", "1e6", "0x10", "1.5", " 1", "01", "", "１"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        msg[0] = '\0';
        CU_ASSERT_EQUAL(lg_validate_amount("amount", bad[i], &v, msg, sizeof msg), LG_ERR_INVALID);
        CU_ASSERT_EQUAL(strncmp(msg, "amount: ", 8), 0);
    }
}

static void test_u256_and_ids(void)
{
    char out[LG_U256_LEN], id[LG_ID_LEN], hash[LG_HASH_LEN], msg[128];
    const char *max =
        "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    CU_ASSERT_EQUAL(lg_validate_u256("oaidTokenId", max, out, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, max);
    CU_ASSERT_EQUAL(
        lg_validate_u256(
            "oaidTokenId",
            "115792089237316195423570985008687907853269984665640564039457584007913129639936", out,
            msg, sizeof msg),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "oaidTokenId: does not fit uint256");
    CU_ASSERT_EQUAL(lg_validate_u256("oaidTokenId", "0x1", out, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_loan_id("partnerLoanId", "loan_1-A", id, msg, sizeof msg), LG_OK);
    char long_id[201];
    memset(long_id, 'a', 200);
    long_id[200] = '\0';
    CU_ASSERT_EQUAL(lg_validate_loan_id("partnerLoanId", long_id, id, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_loan_id("partnerLoanId", long_id + 136, id, msg, sizeof msg),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_validate_loan_id("partnerLoanId", "l\xc3\xa9", id, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_loan_id("partnerLoanId", "a b", id, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(
        lg_validate_tx_hash("repaymentTxHash",
                            "0xABCDEF0000000000000000000000000000000000000000000000000000000001",
                            hash, msg, sizeof msg),
        LG_OK);
    CU_ASSERT_STRING_EQUAL(hash,
                           "0xabcdef0000000000000000000000000000000000000000000000000000000001");
    CU_ASSERT_EQUAL(lg_validate_tx_hash("repaymentTxHash", "0x12", hash, msg, sizeof msg),
                    LG_ERR_INVALID);
}

static void test_paging_dates_status(void)
{
    uint32_t limit = 0;
    uint64_t offset = 1;
    int64_t ms = 0;
    int status = -1;
    char msg[128];
    CU_ASSERT_EQUAL(lg_validate_limit("limit", NULL, 20, 100, &limit, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(limit, 20);
    CU_ASSERT_EQUAL(lg_validate_limit("limit", "100", 20, 100, &limit, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(lg_validate_limit("limit", "101", 20, 100, &limit, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_limit("limit", "0", 20, 100, &limit, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_limit("limit", "-1", 20, 100, &limit, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_offset("offset", NULL, &offset, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(offset, 0);
    CU_ASSERT_EQUAL(lg_validate_offset("offset", "99999999999999999999", &offset, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_date("startDate", "2026-11-24", &ms, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(ms, INT64_C(1795478400000));
    CU_ASSERT_EQUAL(lg_validate_date("startDate", "yesterday", &ms, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_validate_loan_status("status", "active", &status, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(lg_validate_loan_status("status", "OPEN", &status, msg, sizeof msg),
                    LG_ERR_INVALID);
}

#define WALLET "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

static void test_borrow_body(void)
{
    lg_borrow_request a, b;
    char msg[200];
    /* The plan's own body: a numeric oaidTokenId, borrowAmount, metadata. */
    const char *body = "{\"oaidTokenId\":7,\"userWallet\":\"" WALLET
                       "\",\"borrowAmount\":\"1000000\",\"partnerLoanId\":\"L1\"}";
    CU_ASSERT_EQUAL(lg_parse_borrow(body, strlen(body), &a, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(a.partner_loan_id, "L1");
    CU_ASSERT_STRING_EQUAL(a.user_wallet, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    CU_ASSERT_STRING_EQUAL(a.oaid, "7");
    CU_ASSERT_EQUAL(a.amount, 1000000);
    CU_ASSERT_STRING_EQUAL(a.metadata, "");
    /* The hash is SHA-256 of the canonical form, whatever the spelling of the body. */
    char want[LG_SHA256_HEX_LEN];
    const char *canon = "borrow\nL1\n0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\n7\n1000000";
    lg_sha256_hex(want, sizeof want, canon, strlen(canon));
    CU_ASSERT_STRING_EQUAL(a.request_hash, want);
    const char *body2 = "{ \"borrowAmount\":\"1000000\", \"oaidTokenId\":\"7\", \"userWallet\":"
                        "\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\", \"partnerLoanId\":\"L1\"}";
    CU_ASSERT_EQUAL(lg_parse_borrow(body2, strlen(body2), &b, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(a.request_hash, b.request_hash);

    /* Metadata is kept as canonical JSON: the same object in any order hashes alike,
     * another object does not. */
    const char *m1 = "{\"partnerLoanId\":\"L1\",\"userWallet\":\"" WALLET
                     "\",\"oaidTokenId\":7,\"borrowAmount\":\"1000000\",\"metadata\":"
                     "{\"partnerUserId\":\"u 1\",\"loanPurpose\":\"working_capital\","
                     "\"customFields\":{\"b\":[1,true,null],\"a\":\"\\u00e9\"}}}";
    const char *m2 = "{\"metadata\":{\"customFields\":{\"a\":\"\\u00e9\",\"b\":[1,true,null]},"
                     "\"loanPurpose\":\"working_capital\",\"partnerUserId\":\"u 1\"},"
                     "\"partnerLoanId\":\"L1\",\"userWallet\":\"" WALLET
                     "\",\"oaidTokenId\":\"7\",\"borrowAmount\":\"1000000\"}";
    CU_ASSERT_EQUAL_FATAL(lg_parse_borrow(m1, strlen(m1), &a, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_parse_borrow(m2, strlen(m2), &b, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(a.metadata,
                           "{\"customFields\":{\"a\":\"\xc3\xa9\",\"b\":[1,true,null]},"
                           "\"loanPurpose\":\"working_capital\",\"partnerUserId\":\"u 1\"}");
    CU_ASSERT_STRING_EQUAL(a.metadata, b.metadata);
    CU_ASSERT_STRING_EQUAL(a.request_hash, b.request_hash);
    CU_ASSERT_STRING_NOT_EQUAL(a.request_hash, want);
    /* Ids beyond 2^53 come as strings; 2^53 itself is still a number. */
    const char *big = "{\"partnerLoanId\":\"L1\",\"userWallet\":\"" WALLET
                      "\",\"oaidTokenId\":9007199254740992,\"borrowAmount\":\"1\"}";
    CU_ASSERT_EQUAL(lg_parse_borrow(big, strlen(big), &a, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(a.oaid, "9007199254740992");

#define B(id, amount)                                                                              \
    "{\"partnerLoanId\":\"L1\",\"userWallet\":\"" WALLET "\",\"oaidTokenId\":" id                  \
    ",\"borrowAmount\":" amount
    char deep[400], large[1400];
    snprintf(deep, sizeof deep, "%s,\"metadata\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}}}",
             B("7", "\"5\""));
    snprintf(large, sizeof large, "%s,\"metadata\":{\"customFields\":\"%01100d\"}}",
             B("7", "\"5\""), 0);
    struct {
        const char *body, *field;
    } bad[] = {
        {"[]", "body"},
        {B("7", "1000000") "}", "borrowAmount: must be a string"},
        {B("7", "\"-5\"") "}", "borrowAmount"},
        {B("7", "\"0\"") "}", "borrowAmount"},
        {B("7.0", "\"5\"") "}", "oaidTokenId: must be an integer"},
        {B("7.5", "\"5\"") "}", "oaidTokenId: must be an integer"},
        {B("0", "\"5\"") "}", "oaidTokenId: must be greater than zero"},
        {B("-3", "\"5\"") "}", "oaidTokenId: must be greater than zero"},
        {B("\"0\"", "\"5\"") "}", "oaidTokenId: must be greater than zero"},
        {B("9007199254740993", "\"5\"") "}", "oaidTokenId: above 2^53"},
        {B("99999999999999999999999", "\"5\"") "}", "oaidTokenId"},
        {B("true", "\"5\"") "}", "oaidTokenId"},
        {B("7", "\"5\"") ",\"metadata\":[1]}", "metadata: must be an object"},
        {B("7", "\"5\"") ",\"metadata\":\"x\"}", "metadata: must be an object"},
        {deep, "metadata: nested deeper than 4"},
        {large, "metadata: longer than 1024"},
        {"{\"partnerLoanId\":\"L1\",\"userWallet\":\"0x12\",\"oaidTokenId\":\"7\","
         "\"borrowAmount\":\"5\"}",
         "userWallet"},
        {"{\"partnerLoanId\":\"L 1\",\"userWallet\":\"" WALLET "\",\"oaidTokenId\":\"7\","
         "\"borrowAmount\":\"5\"}",
         "partnerLoanId"},
        {"{\"partnerLoanId\":\"L1\",\"userWallet\":\"" WALLET "\",\"oaidTokenId\":\"7\"}",
         "borrowAmount: is required"},
        {B("7", "\"5\"") ",\"amount\":\"5\"}", "amount: unknown field"},
        {B("7", "\"5\"") ",\"fee\":\"0\"}", "fee: unknown field"},
    };
#undef B
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        msg[0] = '\0';
        CU_ASSERT_EQUAL(lg_parse_borrow(bad[i].body, strlen(bad[i].body), &a, msg, sizeof msg),
                        LG_ERR_INVALID);
        if (strncmp(msg, bad[i].field, strlen(bad[i].field)) != 0)
            fprintf(stderr, "body %zu: got \"%s\", want \"%s...\"\n", i, msg, bad[i].field);
        CU_ASSERT_EQUAL(strncmp(msg, bad[i].field, strlen(bad[i].field)), 0);
    }
}

static void test_repay_body(void)
{
    lg_repay_request r;
    char msg[200];
    const char *ok = "{\"partnerLoanId\":\"L1\",\"repaymentAmount\":\"5\"}";
    CU_ASSERT_EQUAL(lg_parse_repay(ok, strlen(ok), &r, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.proof_tx, "");
    const char *proof =
        "{\"partnerLoanId\":\"L1\",\"repaymentAmount\":\"5\",\"repaymentTxHash\":\"0x"
        "00000000000000000000000000000000000000000000000000000000000000AA\"}";
    CU_ASSERT_EQUAL(lg_parse_repay(proof, strlen(proof), &r, msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.proof_tx,
                           "0x00000000000000000000000000000000000000000000000000000000000000aa");
    const char *bad =
        "{\"partnerLoanId\":\"L1\",\"repaymentAmount\":\"5\",\"repaymentTxHash\":\"x\"}";
    CU_ASSERT_EQUAL(lg_parse_repay(bad, strlen(bad), &r, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, "repaymentTxHash:", 16), 0);
    CU_ASSERT_EQUAL(lg_parse_repay(NULL, 0, &r, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_content_type_is_json("application/json"), 1);
    CU_ASSERT_EQUAL(lg_content_type_is_json("Application/JSON; charset=utf-8"), 1);
    CU_ASSERT_EQUAL(lg_content_type_is_json("application/jsonx"), 0);
    CU_ASSERT_EQUAL(lg_content_type_is_json("text/plain"), 0);
    CU_ASSERT_EQUAL(lg_content_type_is_json(NULL), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"address", test_address},
        {"amount", test_amount},
        {"uint256, loan ids, tx hashes", test_u256_and_ids},
        {"paging, dates, status", test_paging_dates_status},
        {"borrow body", test_borrow_body},
        {"repay body", test_repay_body},
        {NULL, NULL},
    };
    lg_test_add_suite("validate", NULL, NULL, tests);
    return lg_test_run("test_validate");
}
