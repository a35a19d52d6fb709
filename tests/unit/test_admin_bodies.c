/* test_admin_bodies.c - the admin API bodies and partner_platforms.json: every
 * partner field good and bad, the create/patch/rotate rules, import documents. */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"
#include "plan_examples.h"

#include <lendgate/admin_bodies.h>
#include <lendgate/auth.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MIXED "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define ADDR_LOWER "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
#define BASE                                                                                       \
    "\"partnerName\":\"Acme\",\"apiKeyPrefix\":\"acme\",\"settlementAddress\":\"" ADDR_MIXED "\""
#define BASE2                                                                                      \
    "\"partnerName\":\"Beta\",\"apiKeyPrefix\":\"beta\",\"settlementAddress\":\"" ADDR_MIXED "\""

static char msg[256];

static lg_err create(const char *body, lg_admin_create *c)
{
    msg[0] = '\0';
    return lg_parse_admin_create(body, strlen(body), c, msg, sizeof msg);
}

static lg_err patch(const char *body, lg_partner *p, unsigned *mask)
{
    msg[0] = '\0';
    return lg_parse_admin_patch(body, strlen(body), p, mask, msg, sizeof msg);
}

/* A create body of BASE plus one extra member; checks the message on refusal. */
static void create_bad(const char *extra, const char *want)
{
    char body[1024];
    lg_admin_create c;
    snprintf(body, sizeof body, "{" BASE ",%s}", extra);
    CU_ASSERT_EQUAL(create(body, &c), LG_ERR_INVALID);
    if (strcmp(msg, want) != 0)
        fprintf(stderr, "\n  body %s\n  got  %s\n  want %s\n", body, msg, want);
    CU_ASSERT_STRING_EQUAL(msg, want);
}

static void test_create_full(void)
{
    lg_admin_create c;
    const char *body =
        "{" BASE
        ",\"environment\":\"sandbox\",\"tier\":\"PREMIUM\",\"dailyBorrowLimit\":\"5000000\","
        "\"totalBorrowLimit\":\"90000000\",\"platformFeePercentage\":250,\"webhookUrl\":\"https://"
        "hooks.example.com/x\","
        "\"contactEmail\":\"ops@acme.example\",\"rateLimitRpm\":600,\"signingRequired\":true}";
    CU_ASSERT_EQUAL_FATAL(create(body, &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.name, "Acme");
    CU_ASSERT_STRING_EQUAL(c.partner.key_prefix, "acme");
    CU_ASSERT_STRING_EQUAL(c.partner.settlement_address, ADDR_LOWER);
    CU_ASSERT_EQUAL(c.env, LG_APIKEY_SANDBOX);
    CU_ASSERT_EQUAL(c.partner.tier, LG_TIER_PREMIUM);
    CU_ASSERT_EQUAL(c.partner.daily_limit, 5000000);
    CU_ASSERT_EQUAL(c.partner.total_limit, 90000000);
    CU_ASSERT_EQUAL(c.partner.fee_bps, 250);
    CU_ASSERT_STRING_EQUAL(c.partner.webhook_url, "https://hooks.example.com/x");
    CU_ASSERT_STRING_EQUAL(c.partner.contact_email, "ops@acme.example");
    CU_ASSERT_EQUAL(c.partner.rate_limit_rpm, 600);
    CU_ASSERT_EQUAL(c.partner.signing_required, 1);
}

static void test_create_minimal_and_required(void)
{
    lg_admin_create c;
    CU_ASSERT_EQUAL(create("{" BASE "}", &c), LG_OK);
    CU_ASSERT_EQUAL(c.env, LG_APIKEY_LIVE);
    CU_ASSERT_EQUAL(c.partner.tier, LG_TIER_BASIC);
    CU_ASSERT_EQUAL(c.partner.daily_limit, 0);
    CU_ASSERT_EQUAL(c.partner.signing_required, 0);
    CU_ASSERT_EQUAL(create("{\"partnerName\":\"A\",\"settlementAddress\":\"" ADDR_LOWER "\"}", &c),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "apiKeyPrefix: is required");
    CU_ASSERT_EQUAL(create("{\"apiKeyPrefix\":\"a\",\"settlementAddress\":\"" ADDR_LOWER "\"}", &c),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partnerName: is required");
    CU_ASSERT_EQUAL(create("{\"apiKeyPrefix\":\"a\",\"partnerName\":\"A\"}", &c), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "settlementAddress: is required");
    /* A refused body leaves nothing half-filled behind. */
    CU_ASSERT_EQUAL(c.partner.key_prefix[0], '\0');
}

static void test_create_bad_fields(void)
{
    create_bad("\"foo\":\"1\"", "body: unknown field \"foo\"");
    create_bad("\"platformFeePercentage\":10001",
               "platformFeePercentage: must be an integer from 0 to 10000");
    create_bad("\"platformFeePercentage\":-1",
               "platformFeePercentage: must be an integer from 0 to 10000");
    create_bad("\"platformFeePercentage\":\"250\"",
               "platformFeePercentage: must be an integer from 0 to 10000");
    create_bad("\"platformFeePercentage\":2.5",
               "platformFeePercentage: must be an integer from 0 to 10000");
    create_bad("\"platformFeePercentage\":99999999999999999999999",
               "platformFeePercentage: must be an integer from 0 to 10000");
    create_bad("\"rateLimitRpm\":1000001", "rateLimitRpm: must be an integer from 0 to 1000000");
    create_bad("\"rateLimitRpm\":true", "rateLimitRpm: must be an integer from 0 to 1000000");
    create_bad("\"tier\":\"gold\"", "tier: must be \"BASIC\", \"PREMIUM\" or \"ENTERPRISE\"");
    create_bad("\"tier\":\"basic\"", "tier: must be \"BASIC\", \"PREMIUM\" or \"ENTERPRISE\"");
    create_bad("\"environment\":\"prod\"", "environment: must be \"live\" or \"sandbox\"");
    create_bad("\"dailyBorrowLimit\":\"0\"",
               "dailyBorrowLimit: must be a whole number of USDC base units "
               "greater than zero (digits only)");
    create_bad("\"totalBorrowLimit\":1000", "totalBorrowLimit: must be a string");
    create_bad("\"totalBorrowLimit\":\"99999999999999999999\"", "totalBorrowLimit: is too large");
    create_bad("\"signingRequired\":\"yes\"", "signingRequired: must be true or false");
    create_bad("\"webhookUrl\":\"http://hooks.example.com/x\"",
               "webhookUrl: must be an https:// URL (http:// only to a loopback host)");
    create_bad("\"webhookUrl\":\"ftp://x\"",
               "webhookUrl: must be an https:// URL (http:// only to a loopback host)");
    create_bad("\"webhookUrl\":\"https:///path\"",
               "webhookUrl: must name a host (and no user info)");
    create_bad("\"webhookUrl\":\"https://u:p@host/\"",
               "webhookUrl: must name a host (and no user info)");
    create_bad("\"webhookUrl\":\"https://a b/\"",
               "webhookUrl: must not contain spaces, quotes or control characters");
    create_bad("\"contactEmail\":\"nobody\"",
               "contactEmail: must be an e-mail address (name@example.com)");
    create_bad("\"contactEmail\":\"a@b@c.d\"",
               "contactEmail: must be an e-mail address (name@example.com)");
    create_bad("\"contactEmail\":[]", "contactEmail: must be a string");
}

static void test_create_bad_identity(void)
{
    lg_admin_create c;
    const char *prefixes[] = {"", "Acme", "ac-me", "a_b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    char body[512];
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        snprintf(
            body, sizeof body,
            "{\"partnerName\":\"A\",\"apiKeyPrefix\":\"%s\",\"settlementAddress\":\"" ADDR_LOWER
            "\"}",
            prefixes[i]);
        CU_ASSERT_EQUAL(create(body, &c), LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, "apiKeyPrefix: must be 1 to 32 lowercase letters or digits");
    }
    CU_ASSERT_EQUAL(
        create("{\"partnerName\":\"\",\"apiKeyPrefix\":\"a\",\"settlementAddress\":\"" ADDR_LOWER
               "\"}",
               &c),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partnerName: must be 1 to 128 characters");
    CU_ASSERT_EQUAL(
        create(
            "{\"partnerName\":\"a\\nb\",\"apiKeyPrefix\":\"a\",\"settlementAddress\":\"" ADDR_LOWER
            "\"}",
            &c),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partnerName: must not contain control characters");
    CU_ASSERT_EQUAL(create("{\"partnerName\":\"A\",\"apiKeyPrefix\":\"a\",\"settlementAddress\":"
                           "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}",
                           &c),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "settlementAddress: EIP-55 checksum does not match");
    CU_ASSERT_EQUAL(create("{" BASE ",\"partnerName\":\"B\"}", &c), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partnerName: key given more than once");
    CU_ASSERT_EQUAL(create("[1]", &c), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(create("", &c), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_parse_admin_create(NULL, 0, &c, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_parse_admin_create("{}", 2, NULL, msg, sizeof msg), LG_ERR_INVALID);
}

static void test_loopback_webhooks(void)
{
    lg_admin_create c;
    const char *ok[] = {"http://127.0.0.1:8080/hook", "http://localhost/h", "http://[::1]:9/h",
                        "https://hooks.example.com:8443/a?b=c", ""};
    char body[512];
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        snprintf(body, sizeof body, "{" BASE ",\"webhookUrl\":\"%s\"}", ok[i]);
        CU_ASSERT_EQUAL(create(body, &c), LG_OK);
        CU_ASSERT_STRING_EQUAL(c.partner.webhook_url, ok[i]);
    }
    const char *bad[] = {"http://localhost.evil.com/", "http://127.0.0.1.evil.com/",
                         "http://10.0.0.1/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(body, sizeof body, "{" BASE ",\"webhookUrl\":\"%s\"}", bad[i]);
        CU_ASSERT_EQUAL(create(body, &c), LG_ERR_INVALID);
    }
}

static void test_patch(void)
{
    lg_partner p;
    unsigned mask = 99;
    CU_ASSERT_EQUAL(
        patch("{\"platformFeePercentage\":0,\"tier\":\"ENTERPRISE\",\"signingRequired\":false}", &p,
              &mask),
        LG_OK);
    CU_ASSERT_EQUAL(mask, LG_PF_FEE_BPS | LG_PF_TIER | LG_PF_SIGNING);
    CU_ASSERT_EQUAL(p.tier, LG_TIER_ENTERPRISE);
    CU_ASSERT_EQUAL(patch("{\"webhookUrl\":\"\",\"contactEmail\":\"\"}", &p, &mask), LG_OK);
    CU_ASSERT_EQUAL(mask, LG_PF_WEBHOOK_URL | LG_PF_CONTACT);
    CU_ASSERT_EQUAL(patch("{}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "body: at least one field to change is required");
    CU_ASSERT_EQUAL(mask, 0);
    CU_ASSERT_EQUAL(patch("{\"apiKeyPrefix\":\"other\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "apiKeyPrefix: cannot be changed");
    CU_ASSERT_EQUAL(patch("{\"environment\":\"live\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "environment: cannot be changed");
    CU_ASSERT_EQUAL(patch("{\"platformFeePercentage\":10001}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "platformFeePercentage: must be an integer from 0 to 10000");
    /* status is one of the plan's fields now: a PATCH may set it. */
    CU_ASSERT_EQUAL(patch("{\"status\":\"ACTIVE\"}", &p, &mask), LG_OK);
    CU_ASSERT_EQUAL(mask, LG_PF_STATUS);
    CU_ASSERT_EQUAL(patch("{\"partnerId\":\"partner_other_001\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partnerId: cannot be changed");
    CU_ASSERT_EQUAL(mask, 0);
    CU_ASSERT_EQUAL(p.id[0], '\0');
    CU_ASSERT_EQUAL(patch("{\"partnerName\":\"N\",\"partnerId\":\"partner_other_001\"}", &p, &mask),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partnerId: cannot be changed");
    CU_ASSERT_EQUAL(mask, 0);
    CU_ASSERT_EQUAL(p.name[0], '\0');
    CU_ASSERT_EQUAL(patch("{\"apiKeyPrefix\":\"pk_other_live_\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "apiKeyPrefix: cannot be changed");
    CU_ASSERT_EQUAL(patch("{\"name\":\"Old\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "body: unknown field \"name\"");
    CU_ASSERT_EQUAL(patch("{\"webhookSecret\":\"s\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "body: unknown field \"webhookSecret\"");
    CU_ASSERT_EQUAL(mask, 0);
}

/* The plan's fields: partnerId, status, contactWallet, publicKey, kycVerified,
 * contractSigned, each good and bad, and the old names are gone. */
static void test_create_plan_fields(void)
{
    lg_admin_create c;
    const char *body =
        "{" BASE ",\"partnerId\":\"partner_xyz_lending_001\",\"status\":\"SUSPENDED\","
        "\"contactWallet\":\"" ADDR_MIXED "\",\"publicKey\":\"" ADDR_LOWER "\","
        "\"kycVerified\":true,\"contractSigned\":true}";
    CU_ASSERT_EQUAL_FATAL(create(body, &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.id, "partner_xyz_lending_001");
    CU_ASSERT_EQUAL(c.partner.status, LG_PARTNER_SUSPENDED);
    CU_ASSERT_STRING_EQUAL(c.partner.contact_wallet, ADDR_LOWER);
    CU_ASSERT_STRING_EQUAL(c.partner.public_key, ADDR_LOWER);
    CU_ASSERT_EQUAL(c.partner.kyc_verified, 1);
    CU_ASSERT_EQUAL(c.partner.contract_signed, 1);
    CU_ASSERT_EQUAL(c.partner.created_by[0], '\0');

    /* Left out: no id (the service derives one), ACTIVE, no wallet or key, flags off. */
    CU_ASSERT_EQUAL_FATAL(create("{" BASE "}", &c), LG_OK);
    CU_ASSERT_EQUAL(c.partner.id[0], '\0');
    CU_ASSERT_EQUAL(c.partner.status, LG_PARTNER_ACTIVE);
    CU_ASSERT_EQUAL(c.partner.contact_wallet[0], '\0');
    CU_ASSERT_EQUAL(c.partner.public_key[0], '\0');
    CU_ASSERT_EQUAL(c.partner.kyc_verified, 0);
    CU_ASSERT_EQUAL(c.partner.contract_signed, 0);

    static const struct {
        const char *status;
        lg_partner_status want;
    } statuses[] = {{"ACTIVE", LG_PARTNER_ACTIVE},
                    {"SUSPENDED", LG_PARTNER_SUSPENDED},
                    {"INACTIVE", LG_PARTNER_INACTIVE}};
    char buf[512];
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        snprintf(buf, sizeof buf, "{" BASE ",\"status\":\"%s\"}", statuses[i].status);
        CU_ASSERT_EQUAL(create(buf, &c), LG_OK);
        CU_ASSERT_EQUAL(c.partner.status, statuses[i].want);
    }
    CU_ASSERT_EQUAL(create("{" BASE ",\"kycVerified\":false,\"contractSigned\":false,"
                           "\"contactWallet\":\"\",\"publicKey\":\"\"}",
                           &c),
                    LG_OK);
    CU_ASSERT_EQUAL(c.partner.kyc_verified, 0);
    CU_ASSERT_EQUAL(c.partner.contract_signed, 0);
    CU_ASSERT_EQUAL(c.partner.contact_wallet[0], '\0');
    CU_ASSERT_EQUAL(c.partner.public_key[0], '\0');
    /* The id may be any 1..64 of the id alphabet, like a partnerLoanId. */
    CU_ASSERT_EQUAL(create("{" BASE ",\"partnerId\":\"ABC-finance_002\"}", &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.id, "ABC-finance_002");

    static const char id_why[] = "partnerId: must be 1 to 64 of A-Z a-z 0-9 _ -";
    create_bad("\"partnerId\":\"\"", id_why);
    create_bad("\"partnerId\":\"partner xyz\"", id_why);
    create_bad("\"partnerId\":\"partner/xyz\"", id_why);
    create_bad(
        "\"partnerId\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        id_why); /* 65 characters */
    create_bad("\"partnerId\":7", "partnerId: must be a string");
    static const char status_why[] = "status: must be \"ACTIVE\", \"SUSPENDED\" or \"INACTIVE\"";
    create_bad("\"status\":\"active\"", status_why);
    create_bad("\"status\":\"DELETED\"", status_why);
    create_bad("\"status\":\"\"", status_why);
    create_bad("\"status\":1", "status: must be a string");
    create_bad("\"contactWallet\":\"0x12\"", "contactWallet: must be 0x followed by 40 hex digits");
    create_bad("\"contactWallet\":\"0xZZaeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"",
               "contactWallet: must be 0x followed by 40 hex digits");
    create_bad("\"contactWallet\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"",
               "contactWallet: EIP-55 checksum does not match");
    create_bad("\"contactWallet\":null", "contactWallet: must be a string");
    create_bad("\"publicKey\":\"1234567890123456789012345678901234567890\"",
               "publicKey: must be 0x followed by 40 hex digits");
    create_bad("\"publicKey\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"",
               "publicKey: EIP-55 checksum does not match");
    create_bad("\"publicKey\":5", "publicKey: must be a string");
    create_bad("\"kycVerified\":\"true\"", "kycVerified: must be true or false");
    create_bad("\"kycVerified\":1", "kycVerified: must be true or false");
    create_bad("\"kycVerified\":null", "kycVerified: must be true or false");
    create_bad("\"contractSigned\":\"yes\"", "contractSigned: must be true or false");
    create_bad("\"contractSigned\":0", "contractSigned: must be true or false");
    /* The names the plan replaced are unknown fields now. */
    create_bad("\"name\":\"Acme\"", "body: unknown field \"name\"");
    create_bad("\"dailyLimit\":\"1\"", "body: unknown field \"dailyLimit\"");
    create_bad("\"totalLimit\":\"1\"", "body: unknown field \"totalLimit\"");
    create_bad("\"feeBps\":1", "body: unknown field \"feeBps\"");
    create_bad("\"id\":\"partner_acme_001\"", "body: unknown field \"id\"");
    create_bad("\"createdBy\":\"mallory\"", "body: unknown field \"createdBy\"");
}

/* The plan's new fields in a PATCH: each sets its own mask bit; "" clears an address. */
static void test_patch_plan_fields(void)
{
    static const struct {
        const char *body;
        unsigned mask;
    } ok[] = {
        {"{\"status\":\"INACTIVE\"}", LG_PF_STATUS},
        {"{\"contactWallet\":\"" ADDR_MIXED "\"}", LG_PF_CONTACT_WALLET},
        {"{\"contactWallet\":\"\"}", LG_PF_CONTACT_WALLET},
        {"{\"publicKey\":\"" ADDR_MIXED "\"}", LG_PF_PUBLIC_KEY},
        {"{\"publicKey\":\"\"}", LG_PF_PUBLIC_KEY},
        {"{\"kycVerified\":true}", LG_PF_KYC},
        {"{\"kycVerified\":false}", LG_PF_KYC},
        {"{\"contractSigned\":true}", LG_PF_CONTRACT},
        {"{\"contractSigned\":false}", LG_PF_CONTRACT},
        {"{\"partnerName\":\"N\",\"dailyBorrowLimit\":\"1\",\"totalBorrowLimit\":\"2\"}",
         LG_PF_NAME | LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT},
    };
    lg_partner p;
    unsigned mask = 0;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        mask = 0;
        CU_ASSERT_EQUAL(patch(ok[i].body, &p, &mask), LG_OK);
        CU_ASSERT_EQUAL(mask, ok[i].mask);
    }
    CU_ASSERT_EQUAL_FATAL(patch("{\"status\":\"SUSPENDED\",\"contactWallet\":\"" ADDR_MIXED
                                "\",\"publicKey\":\"" ADDR_MIXED
                                "\",\"kycVerified\":true,\"contractSigned\":true}",
                                &p, &mask),
                          LG_OK);
    CU_ASSERT_EQUAL(mask, LG_PF_STATUS | LG_PF_CONTACT_WALLET | LG_PF_PUBLIC_KEY | LG_PF_KYC |
                              LG_PF_CONTRACT);
    CU_ASSERT_EQUAL(p.status, LG_PARTNER_SUSPENDED);
    CU_ASSERT_STRING_EQUAL(p.contact_wallet, ADDR_LOWER);
    CU_ASSERT_STRING_EQUAL(p.public_key, ADDR_LOWER);
    CU_ASSERT_EQUAL(p.kyc_verified, 1);
    CU_ASSERT_EQUAL(p.contract_signed, 1);
    CU_ASSERT_EQUAL(patch("{\"dailyBorrowLimit\":\"5\"}", &p, &mask), LG_OK);
    CU_ASSERT_EQUAL(p.daily_limit, 5);
    CU_ASSERT_EQUAL(patch("{\"totalBorrowLimit\":\"6\"}", &p, &mask), LG_OK);
    CU_ASSERT_EQUAL(p.total_limit, 6);
    CU_ASSERT_EQUAL(patch("{\"partnerName\":\"Renamed\"}", &p, &mask), LG_OK);
    CU_ASSERT_STRING_EQUAL(p.name, "Renamed");
    CU_ASSERT_EQUAL(mask, LG_PF_NAME);

    static const char *const bad[][2] = {
        {"{\"status\":\"PAUSED\"}", "status: must be \"ACTIVE\", \"SUSPENDED\" or \"INACTIVE\""},
        {"{\"contactWallet\":\"0x1\"}", "contactWallet: must be 0x followed by 40 hex digits"},
        {"{\"publicKey\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}",
         "publicKey: EIP-55 checksum does not match"},
        {"{\"kycVerified\":\"no\"}", "kycVerified: must be true or false"},
        {"{\"contractSigned\":1}", "contractSigned: must be true or false"},
        {"{\"partnerName\":\"\"}", "partnerName: must be 1 to 128 characters"},
        {"{\"dailyBorrowLimit\":\"0\"}", "dailyBorrowLimit: must be a whole number of USDC base "
                                         "units greater than zero (digits only)"},
        {"{\"totalBorrowLimit\":5}", "totalBorrowLimit: must be a string"},
        {"{\"kycVerified\":true,\"partnerId\":\"x\"}", "partnerId: cannot be changed"},
        {"{\"feeBps\":1}", "body: unknown field \"feeBps\""},
        {"{\"createdBy\":\"bob\"}", "body: unknown field \"createdBy\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mask = 99;
        CU_ASSERT_EQUAL(patch(bad[i][0], &p, &mask), LG_ERR_INVALID);
        if (strcmp(msg, bad[i][1]) != 0)
            fprintf(stderr, "\n  body %s\n  got  %s\n  want %s\n", bad[i][0], msg, bad[i][1]);
        CU_ASSERT_STRING_EQUAL(msg, bad[i][1]);
        CU_ASSERT_EQUAL(mask, 0);
        CU_ASSERT_EQUAL(p.kyc_verified, 0); /* nothing handed back */
    }
}

/* apiKeyPrefix: the bare partner part, or the config file's pk_<partner>_<env>_. */
static void test_key_prefix_forms(void)
{
    lg_admin_create c;
    const char *body = "{\"partnerName\":\"X\",\"apiKeyPrefix\":\"pk_xyz_sandbox_\","
                       "\"settlementAddress\":\"" ADDR_LOWER "\"}";
    CU_ASSERT_EQUAL_FATAL(create(body, &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.key_prefix, "xyz");
    CU_ASSERT_EQUAL(c.env, LG_APIKEY_SANDBOX);
    body = "{\"partnerName\":\"X\",\"apiKeyPrefix\":\"pk_xyz_live_\",\"settlementAddress\":"
           "\"" ADDR_LOWER "\"}";
    CU_ASSERT_EQUAL_FATAL(create(body, &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.key_prefix, "xyz");
    CU_ASSERT_EQUAL(c.env, LG_APIKEY_LIVE);
    body =
        "{\"partnerName\":\"X\",\"apiKeyPrefix\":\"xyz\",\"settlementAddress\":\"" ADDR_LOWER "\"}";
    CU_ASSERT_EQUAL_FATAL(create(body, &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.key_prefix, "xyz");
    CU_ASSERT_EQUAL(c.env, LG_APIKEY_LIVE);
    /* 32 characters is the longest partner part in either form. */
    body =
        "{\"partnerName\":\"X\",\"apiKeyPrefix\":\"pk_abcdefghijklmnopqrstuvwxyz012345_sandbox_\","
        "\"settlementAddress\":\"" ADDR_LOWER "\"}";
    CU_ASSERT_EQUAL_FATAL(create(body, &c), LG_OK);
    CU_ASSERT_STRING_EQUAL(c.partner.key_prefix, "abcdefghijklmnopqrstuvwxyz012345");
    CU_ASSERT_EQUAL(c.env, LG_APIKEY_SANDBOX);

    static const char pk_why[] = "apiKeyPrefix: must be 1 to 32 lowercase letters or digits, or "
                                 "pk_<that>_live_ or pk_<that>_sandbox_";
    static const char bare_why[] = "apiKeyPrefix: must be 1 to 32 lowercase letters or digits";
    static const char *const bad[][2] = {
        {"pk_xyz_", pk_why},
        {"pk_xyz", pk_why},
        {"pk_xyz_test_", pk_why},
        {"pk_live_", pk_why},
        {"pk_", pk_why},
        {"pk__live_", pk_why},
        {"pk_Xyz_live_", bare_why},
        {"pk_x-z_sandbox_", bare_why},
        {"pk_x_y_live_", bare_why},
        {"pk_abcdefghijklmnopqrstuvwxyz0123456_live_", bare_why}, /* 33 characters */
    };
    char buf[512];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(
            buf, sizeof buf,
            "{\"partnerName\":\"X\",\"apiKeyPrefix\":\"%s\",\"settlementAddress\":\"" ADDR_LOWER
            "\"}",
            bad[i][0]);
        CU_ASSERT_EQUAL(create(buf, &c), LG_ERR_INVALID);
        if (strcmp(msg, bad[i][1]) != 0)
            fprintf(stderr, "\n  prefix %s\n  got  %s\n  want %s\n", bad[i][0], msg, bad[i][1]);
        CU_ASSERT_STRING_EQUAL(msg, bad[i][1]);
        CU_ASSERT_EQUAL(c.partner.key_prefix[0], '\0');
    }
    /* In partner_platforms.json too, named with the entry's path. */
    lg_admin_import_entry *e = NULL;
    size_t n = 0, bad_index = 0;
    const char *doc =
        "{\"partners\":[{" BASE "},{\"partnerName\":\"X\",\"apiKeyPrefix\":\"pk_xyz_\","
        "\"settlementAddress\":\"" ADDR_LOWER "\"}]}";
    msg[0] = '\0';
    CU_ASSERT_EQUAL(
        lg_parse_partner_platforms(doc, strlen(doc), &e, &n, &bad_index, msg, sizeof msg),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partners[1].apiKeyPrefix: must be 1 to 32 lowercase letters or "
                                "digits, or pk_<that>_live_ or pk_<that>_sandbox_");
    CU_ASSERT_EQUAL(bad_index, 1);
    CU_ASSERT_PTR_NULL(e);
    /* Two spellings of one prefix are one prefix. */
    doc = "{\"partners\":[{" BASE "},{" BASE2 "},{\"partnerName\":\"A2\",\"apiKeyPrefix\":"
          "\"pk_acme_sandbox_\",\"settlementAddress\":\"" ADDR_LOWER "\"}]}";
    CU_ASSERT_EQUAL(
        lg_parse_partner_platforms(doc, strlen(doc), &e, &n, &bad_index, msg, sizeof msg),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partners[2].apiKeyPrefix: same as partners[0]");
    CU_ASSERT_EQUAL(bad_index, 2);
    CU_ASSERT_PTR_NULL(e);
}

static void test_rotate(void)
{
    uint64_t grace = 86400;
    lg_apikey_env env = LG_APIKEY_LIVE;
    CU_ASSERT_EQUAL(lg_parse_admin_rotate(NULL, 0, &grace, &env, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(grace, 86400);
    const char *b = "{\"graceSeconds\":2,\"environment\":\"sandbox\"}";
    CU_ASSERT_EQUAL(lg_parse_admin_rotate(b, strlen(b), &grace, &env, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(grace, 2);
    CU_ASSERT_EQUAL(env, LG_APIKEY_SANDBOX);
    const char *bad[][2] = {
        {"{\"graceSeconds\":31536001}", "graceSeconds: must be an integer from 0 to 31536000"},
        {"{\"graceSeconds\":\"5\"}", "graceSeconds: must be an integer from 0 to 31536000"},
        {"{\"environment\":\"x\"}", "environment: must be \"live\" or \"sandbox\""},
        {"{\"grace\":1}", "body: unknown field \"grace\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        grace = 7;
        CU_ASSERT_EQUAL(
            lg_parse_admin_rotate(bad[i][0], strlen(bad[i][0]), &grace, &env, msg, sizeof msg),
            LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, bad[i][1]);
        CU_ASSERT_EQUAL(grace, 7); /* untouched on refusal */
    }
}

static lg_err platforms(const char *doc, lg_admin_import_entry **e, size_t *n, size_t *bad)
{
    msg[0] = '\0';
    return lg_parse_partner_platforms(doc, strlen(doc), e, n, bad, msg, sizeof msg);
}

/* ipAllowlist: an array stored as canonical comma-separated text; the entry at fault
 * is named with its index, inside an import entry with the entry's path too. */
static void test_allowlist(void)
{
    lg_partner p;
    unsigned mask = 0;
    CU_ASSERT_EQUAL(patch("{\"ipAllowlist\":[\" 203.0.113.0/24\",\"2001:DB8:0:0::/32\","
                          "\"::ffff:198.51.100.7\",\"10.1.2.3/32\"]}",
                          &p, &mask),
                    LG_OK);
    CU_ASSERT_EQUAL(mask, LG_PF_ALLOWLIST);
    CU_ASSERT_STRING_EQUAL(p.ip_allowlist,
                           "203.0.113.0/24,2001:db8::/32,::ffff:198.51.100.7,10.1.2.3");
    CU_ASSERT_EQUAL(patch("{\"ipAllowlist\":[]}", &p, &mask), LG_OK);
    CU_ASSERT_STRING_EQUAL(p.ip_allowlist, "");
    const char *bads[][2] = {
        {"{\"ipAllowlist\":\"10.0.0.0/8\"}",
         "ipAllowlist: must be an array of addresses or CIDR ranges"},
        {"{\"ipAllowlist\":[\"10.0.0.0/8\",7]}", "ipAllowlist[1]: must be a string"},
        {"{\"ipAllowlist\":[\"10.0.0.0/8,10.1.0.0/16\"]}",
         "ipAllowlist[0]: must be one address or CIDR range"},
        {"{\"ipAllowlist\":[\"\"]}", "ipAllowlist[0]: must be one address or CIDR range"},
    };
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        CU_ASSERT_EQUAL(patch(bads[i][0], &p, &mask), LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, bads[i][1]);
    }
    /* What netaddr refuses comes back under the field's name and the entry's index. */
    CU_ASSERT_EQUAL(patch("{\"ipAllowlist\":[\"10.0.0.0/8\",\"10.0.0.1/24\"]}", &p, &mask),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, "ipAllowlist[1]: ", 16), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "host bits"));
    CU_ASSERT_EQUAL(patch("{\"ipAllowlist\":[\"300.1.1.1\"]}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, "ipAllowlist[0]: ", 16), 0);
    lg_admin_import_entry *e = NULL;
    size_t n = 0, bad = 0;
    CU_ASSERT_EQUAL(platforms("{\"partners\":[{" BASE "},{" BASE2 ",\"ipAllowlist\":[\"::1\","
                              "\"fe80::1%eth0\"]}]}",
                              &e, &n, &bad),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, "partners[1].ipAllowlist[1]: ", 28), 0);
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_PTR_NULL(e);
}

static void test_platforms(void)
{
    lg_admin_import_entry *e = NULL;
    size_t n = 0, bad = 0;
    const char *doc =
        "{\"partners\":[{" BASE ",\"platformFeePercentage\":100},"
        "{\"partnerName\":\"B\",\"apiKeyPrefix\":\"beta\",\"settlementAddress\":\"" ADDR_LOWER
        "\",\"environment\":\"sandbox\"}]}";
    CU_ASSERT_EQUAL_FATAL(platforms(doc, &e, &n, &bad), LG_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(e[0].create.partner.key_prefix, "acme");
    CU_ASSERT_EQUAL(e[0].mask, LG_PF_NAME | LG_PF_SETTLEMENT | LG_PF_FEE_BPS);
    CU_ASSERT_EQUAL(e[1].create.env, LG_APIKEY_SANDBOX);
    free(e);

    const char *bads[][3] = {
        {"{\"partners\":[{" BASE "},{" BASE ",\"platformFeePercentage\":-5}]}",
         "partners[1].platformFeePercentage: must be an integer from 0 to 10000", "1"},
        {"{\"partners\":[{" BASE "},{\"partnerName\":\"x\",\"apiKeyPrefix\":\"x\"}]}",
         "partners[1].settlementAddress: is required", "1"},
        {"{\"partners\":[{" BASE ",\"zip\":1}]}", "partners[0]: unknown field \"zip\"", "0"},
        {"{\"partners\":[{" BASE "},{" BASE "}]}", "partners[1].apiKeyPrefix: same as partners[0]",
         "1"},
        {"{\"partners\":[{" BASE "},7]}", "partners[1]: must be an object", "1"},
        {"{\"partners\":[]}", "partners: must hold 1 to 1000 entries", "-"},
        {"{\"partners\":{}}", "partners: must be an array", "-"},
        {"{}", "partners: is required", "-"},
        {"{\"partners\":[],\"extra\":1}", "body: unknown field \"extra\"", "-"},
    };
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        e = (lg_admin_import_entry *)&n; /* must be reset to NULL on failure */
        CU_ASSERT_EQUAL(platforms(bads[i][0], &e, &n, &bad), LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, bads[i][1]);
        CU_ASSERT_PTR_NULL(e);
        CU_ASSERT_EQUAL(n, 0);
        size_t want = bads[i][2][0] == '-' ? SIZE_MAX : (size_t)atoi(bads[i][2]);
        CU_ASSERT_EQUAL(bad, want);
    }
}

/* The plan's own partner_platforms.json parses into what the plan means. */
static void test_plan_platforms(void)
{
    static const char doc[] = PLAN_PLATFORMS(PLAN_SETTLE_XYZ, PLAN_SETTLE_ABC);
    lg_admin_import_entry *e = NULL;
    size_t n = 0, bad = 99;
    lg_err rc = platforms(doc, &e, &n, &bad);
    if (rc != LG_OK)
        fprintf(stderr, "\n  plan document: %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(bad, SIZE_MAX);
    const lg_partner *x = &e[0].create.partner, *a = &e[1].create.partner;
    CU_ASSERT_STRING_EQUAL(x->id, "partner_xyz_lending_001");
    CU_ASSERT_STRING_EQUAL(x->name, "XYZ Lending");
    CU_ASSERT_STRING_EQUAL(x->key_prefix, "xyz");
    CU_ASSERT_EQUAL(e[0].create.env, LG_APIKEY_LIVE);
    CU_ASSERT_STRING_EQUAL(x->public_key, "0x1234567890123456789012345678901234567890");
    CU_ASSERT_EQUAL(x->status, LG_PARTNER_ACTIVE);
    CU_ASSERT_EQUAL(x->tier, LG_TIER_PREMIUM);
    CU_ASSERT_EQUAL(x->daily_limit, UINT64_C(100000000000));
    CU_ASSERT_EQUAL(x->total_limit, UINT64_C(500000000000));
    CU_ASSERT_EQUAL(x->fee_bps, 50);
    CU_ASSERT_STRING_EQUAL(x->settlement_address, "0x4b20993bc481177ec7e8f571cecae8a9e22c02db");
    CU_ASSERT_STRING_EQUAL(x->webhook_url, "https://xyz-lending.com/api/webhooks/mantle-rwa");
    CU_ASSERT_STRING_EQUAL(x->contact_email, "api@xyz-lending.com");
    CU_ASSERT_EQUAL(x->kyc_verified, 1);
    CU_ASSERT_EQUAL(x->contract_signed, 1);
    CU_ASSERT_EQUAL(x->contact_wallet[0], '\0');
    CU_ASSERT_EQUAL(e[0].mask, LG_PF_NAME | LG_PF_PUBLIC_KEY | LG_PF_STATUS | LG_PF_TIER |
                                   LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT | LG_PF_FEE_BPS |
                                   LG_PF_SETTLEMENT | LG_PF_WEBHOOK_URL | LG_PF_CONTACT |
                                   LG_PF_KYC | LG_PF_CONTRACT);
    CU_ASSERT_STRING_EQUAL(a->id, "partner_abc_finance_002");
    CU_ASSERT_STRING_EQUAL(a->name, "ABC Finance");
    CU_ASSERT_STRING_EQUAL(a->key_prefix, "abc");
    CU_ASSERT_EQUAL(e[1].create.env, LG_APIKEY_LIVE);
    CU_ASSERT_EQUAL(a->public_key[0], '\0');
    CU_ASSERT_EQUAL(a->status, LG_PARTNER_ACTIVE);
    CU_ASSERT_EQUAL(a->tier, LG_TIER_BASIC);
    CU_ASSERT_EQUAL(a->daily_limit, UINT64_C(50000000000));
    CU_ASSERT_EQUAL(a->total_limit, UINT64_C(200000000000));
    CU_ASSERT_EQUAL(a->fee_bps, 75);
    CU_ASSERT_STRING_EQUAL(a->settlement_address, "0x1aa7451dd11b8cb16ac089ed7fe05efa00100a6a");
    CU_ASSERT_EQUAL(a->webhook_url[0], '\0');
    CU_ASSERT_STRING_EQUAL(a->contact_email, "dev@abc-finance.com");
    CU_ASSERT_EQUAL(a->kyc_verified, 1);
    CU_ASSERT_EQUAL(a->contract_signed, 1);
    CU_ASSERT_EQUAL(e[1].mask, LG_PF_NAME | LG_PF_STATUS | LG_PF_TIER | LG_PF_DAILY_LIMIT |
                                   LG_PF_TOTAL_LIMIT | LG_PF_FEE_BPS | LG_PF_SETTLEMENT |
                                   LG_PF_CONTACT | LG_PF_KYC | LG_PF_CONTRACT);
    free(e);

    /* As the plan prints it, its placeholder settlement addresses are refused. */
    static const char raw[] = PLAN_PLATFORMS("0xPartnerSettlementWallet1234567890123456",
                                             "0xABCSettlementWallet1234567890123456789");
    e = NULL;
    CU_ASSERT_EQUAL(platforms(raw, &e, &n, &bad), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg,
                           "partners[0].settlementAddress: must be 0x followed by 40 hex digits");
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_PTR_NULL(e);
    static const char raw_abc[] =
        PLAN_PLATFORMS(PLAN_SETTLE_XYZ, "0xABCSettlementWallet1234567890123456789");
    CU_ASSERT_EQUAL(platforms(raw_abc, &e, &n, &bad), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg,
                           "partners[1].settlementAddress: must be 0x followed by 40 hex digits");
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_PTR_NULL(e);
}

/* json-c would cut "platformFeePercentage\u0000" to "platformFeePercentage": a member name with a
 * NUL or another control character is refused in every admin body and in partner_platforms.json,
 * and nothing of the body is handed back. */
static void test_control_in_names(void)
{
    static const char want[] = "body: invalid member name: control character";
    lg_partner p;
    unsigned mask = 99;
    CU_ASSERT_EQUAL(patch("{\"platformFeePercentage\\u0000\":9000}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    CU_ASSERT_EQUAL(mask, 0);
    CU_ASSERT_EQUAL(p.fee_bps, 0);
    CU_ASSERT_EQUAL(
        patch("{\"platformFeePercentage\":25,\"platformFeePercentage\\u0000\":9000}", &p, &mask),
        LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    CU_ASSERT_EQUAL(patch("{\"tier\\u001f\":\"BASIC\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    lg_admin_create c;
    CU_ASSERT_EQUAL(create("{" BASE ",\"platformFeePercentage\\u0000\":9000}", &c), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    uint64_t grace = 7;
    lg_apikey_env env = LG_APIKEY_LIVE;
    const char *r = "{\"graceSeconds\\u0000\":0}";
    CU_ASSERT_EQUAL(lg_parse_admin_rotate(r, strlen(r), &grace, &env, msg, sizeof msg),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(grace, 7);
    lg_admin_import_entry *e = NULL;
    size_t n = 0, bad = 0;
    CU_ASSERT_EQUAL(
        platforms("{\"partners\":[{" BASE
                  ",\"platformFeePercentage\":1,\"platformFeePercentage\\u0000\":9000}]}",
                  &e, &n, &bad),
        LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    CU_ASSERT_PTR_NULL(e);
    CU_ASSERT_EQUAL(n, 0);
    free(e);
}

static void test_platforms_limit(void)
{
    size_t cap = 1002 * 128 + 32, len = 0, n = 0, bad = 0;
    char *doc = malloc(cap);
    lg_admin_import_entry *e = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    len += (size_t)snprintf(doc, cap, "{\"partners\":[");
    for (int i = 0; i < 1001; i++)
        len += (size_t)snprintf(
            doc + len, cap - len,
            "%s{\"partnerName\":\"n\",\"apiKeyPrefix\":\"p%d\",\"settlementAddress\":"
            "\"" ADDR_LOWER "\"}",
            i ? "," : "", i);
    snprintf(doc + len, cap - len, "]}");
    CU_ASSERT_EQUAL(platforms(doc, &e, &n, &bad), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partners: must hold 1 to 1000 entries");
    /* Cut to exactly 1000 entries: accepted. */
    char *cut = strstr(doc, ",{\"partnerName\":\"n\",\"apiKeyPrefix\":\"p1000\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    memcpy(cut, "]}", 3);
    CU_ASSERT_EQUAL(platforms(doc, &e, &n, &bad), LG_OK);
    CU_ASSERT_EQUAL(n, 1000);
    free(e);
    free(doc);
}

/* lg_auth_admin under the [admin] text given; LG_OK or the refusal (always 403). */
static lg_err admit(const char *admin_ini, const char *user)
{
    char dir[256], path[300], err[256], text[128];
    lg_config *cfg = NULL;
    int status = 0;
    lg_err rc = LG_ERR_IO;
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/lendgate.conf", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "[admin]\n%s\n", admin_ini);
        fclose(f);
        if (lg_config_load(path, &cfg, err, sizeof err) == LG_OK)
            rc = lg_auth_admin(cfg, user, &status, text, sizeof text);
        else
            fprintf(stderr, "\n  config: %s\n", err);
    }
    if (rc == LG_ERR_FORBIDDEN) {
        CU_ASSERT_EQUAL(status, 403);
        CU_ASSERT_STRING_EQUAL(text, "Admin access requires an authenticated admin");
    }
    lg_config_free(cfg);
    lg_test_rmtree(dir);
    return rc;
}

static void test_admin_admission(void)
{
    const char *on = "trust_remote_user = true\nadmins = root-admin, ops";
    CU_ASSERT_EQUAL(admit(on, "root-admin"), LG_OK);
    CU_ASSERT_EQUAL(admit(on, "ops"), LG_OK);
    CU_ASSERT_EQUAL(admit(on, "mallory"), LG_ERR_FORBIDDEN);
    CU_ASSERT_EQUAL(admit(on, "root-admin2"), LG_ERR_FORBIDDEN);
    CU_ASSERT_EQUAL(admit(on, ""), LG_ERR_FORBIDDEN);
    CU_ASSERT_EQUAL(admit(on, NULL), LG_ERR_FORBIDDEN);
    /* An empty list admits nobody, not everybody. */
    CU_ASSERT_EQUAL(admit("trust_remote_user = true\nadmins =", "root-admin"), LG_ERR_FORBIDDEN);
    /* REMOTE_USER is not trusted unless the config says so. */
    CU_ASSERT_EQUAL(admit("trust_remote_user = false\nadmins = root-admin", "root-admin"),
                    LG_ERR_FORBIDDEN);
    CU_ASSERT_EQUAL(admit("admins = root-admin", "root-admin"), LG_ERR_FORBIDDEN);
    int status = 0;
    char text[64];
    CU_ASSERT_EQUAL(lg_auth_admin(NULL, "root-admin", &status, text, sizeof text), LG_ERR_INVALID);
}

/* POST /admin/loans/:loanId/default: an optional {"reason"}. */
static void test_loan_default_body(void)
{
    char reason[LG_REASON_LEN] = "", why[256];
    CU_ASSERT_EQUAL(lg_parse_admin_loan_default(NULL, 0, reason, why, sizeof why), LG_OK);
    CU_ASSERT_STRING_EQUAL(reason, "");
    const char *b = "{\"reason\":\"borrower unreachable\"}";
    CU_ASSERT_EQUAL(lg_parse_admin_loan_default(b, strlen(b), reason, why, sizeof why), LG_OK);
    CU_ASSERT_STRING_EQUAL(reason, "borrower unreachable");
    static const char *const bad[][2] = {
        {"{\"reason\":\"\"}", "reason"},
        {"{\"reason\":7}", "reason"},
        {"{\"reason\":\"a\\u0001b\"}", "reason"},
        {"{\"why\":\"x\"}", "why"},
        {"[]", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        CU_ASSERT_EQUAL(
            lg_parse_admin_loan_default(bad[i][0], strlen(bad[i][0]), reason, why, sizeof why),
            LG_ERR_INVALID);
        CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i][1]));
    }
    char longer[400];
    snprintf(longer, sizeof longer, "{\"reason\":\"%0300d\"}", 0);
    CU_ASSERT_EQUAL(lg_parse_admin_loan_default(longer, strlen(longer), reason, why, sizeof why),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(reason, "borrower unreachable");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"create: every field", test_create_full},
        {"create: minimal and required", test_create_minimal_and_required},
        {"create: bad field values", test_create_bad_fields},
        {"create: bad prefix, name, address, document", test_create_bad_identity},
        {"webhook URLs: https or loopback http", test_loopback_webhooks},
        {"patch", test_patch},
        {"ipAllowlist", test_allowlist},
        {"regenerate-api-key body", test_rotate},
        {"create: the plan's fields", test_create_plan_fields},
        {"patch: the plan's fields, partnerId refused", test_patch_plan_fields},
        {"apiKeyPrefix: bare or pk_<partner>_<env>_", test_key_prefix_forms},
        {"partner_platforms.json", test_platforms},
        {"partner_platforms.json: the plan's example", test_plan_platforms},
        {"partner_platforms.json: 1000 entries at most", test_platforms_limit},
        {"control characters in member names", test_control_in_names},
        {"admin admission (lg_auth_admin)", test_admin_admission},
        {"loan default body: optional reason", test_loan_default_body},
        {NULL, NULL},
    };
    lg_test_add_suite("admin_bodies", NULL, NULL, tests);
    return lg_test_run("test_admin_bodies");
}
