/* test_apikey.c - API key generation, strict parsing, hashing and display prefix. */
#include "config.h"

#include "harness.h"

#include <lendgate/apikey.h>
#include <lendgate/sha256.h>
#include <string.h>

#define GOOD_KEY "pk_acme_live_0123456789abcdef0123456789abcdef"

static void test_generate_parse_roundtrip(void)
{
    char key[LG_APIKEY_MAX_LEN], key2[LG_APIKEY_MAX_LEN];
    lg_apikey_parts parts;
    CU_ASSERT_EQUAL_FATAL(lg_apikey_generate(key, sizeof key, "acme42", LG_APIKEY_SANDBOX), LG_OK);
    CU_ASSERT_EQUAL(strlen(key), strlen("pk_acme42_sandbox_") + 32);
    CU_ASSERT_EQUAL(strncmp(key, "pk_acme42_sandbox_", 18), 0);
    CU_ASSERT_EQUAL(lg_apikey_parse(&parts, key), LG_OK);
    CU_ASSERT_STRING_EQUAL(parts.partner, "acme42");
    CU_ASSERT_EQUAL(parts.env, LG_APIKEY_SANDBOX);
    CU_ASSERT_EQUAL(lg_apikey_generate(key2, sizeof key2, "acme42", LG_APIKEY_SANDBOX), LG_OK);
    CU_ASSERT_STRING_NOT_EQUAL(key, key2); /* 128 random bits each */
    /* the longest partner and env fit the documented maximum exactly */
    char longest[LG_APIKEY_PARTNER_MAX + 1];
    memset(longest, 'z', LG_APIKEY_PARTNER_MAX);
    longest[LG_APIKEY_PARTNER_MAX] = '\0';
    CU_ASSERT_EQUAL(lg_apikey_generate(key, sizeof key, longest, LG_APIKEY_SANDBOX), LG_OK);
    CU_ASSERT_EQUAL(strlen(key) + 1, LG_APIKEY_MAX_LEN);
    CU_ASSERT_EQUAL(lg_apikey_parse(&parts, key), LG_OK);
    CU_ASSERT_STRING_EQUAL(parts.partner, longest);
    CU_ASSERT_EQUAL(lg_apikey_generate(key, LG_APIKEY_MAX_LEN - 1, longest, LG_APIKEY_SANDBOX),
                    LG_ERR_OVERFLOW);
}

static void test_parse_known(void)
{
    lg_apikey_parts parts;
    CU_ASSERT_EQUAL(lg_apikey_parse(&parts, GOOD_KEY), LG_OK);
    CU_ASSERT_STRING_EQUAL(parts.partner, "acme");
    CU_ASSERT_EQUAL(parts.env, LG_APIKEY_LIVE);
    CU_ASSERT_EQUAL(lg_apikey_parse(NULL, GOOD_KEY), LG_OK);
    CU_ASSERT_EQUAL(lg_apikey_parse(&parts, "pk_0_sandbox_ffffffffffffffffffffffffffffffff"),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(parts.partner, "0");
}

static void test_parse_rejects(void)
{
    static const char *const bad[] = {
        "",
        "pk_",
        "pk_acme_live_0123456789ABCDEF0123456789abcdef",   /* uppercase hex */
        "pk_acme_live_0123456789abcdef0123456789abcde",    /* 31 hex */
        "pk_acme_live_0123456789abcdef0123456789abcdef0",  /* 33 hex */
        "pk_acme_test_0123456789abcdef0123456789abcdef",   /* unknown env */
        "pk_acme_Live_0123456789abcdef0123456789abcdef",   /* env case */
        "pk__live_0123456789abcdef0123456789abcdef",       /* empty partner */
        "pk_ac_me_live_0123456789abcdef0123456789abcdef",  /* extra underscore */
        "pk_acme__live_0123456789abcdef0123456789abcdef",  /* double underscore */
        "pk_acme_live__0123456789abcdef0123456789abcdef",  /* underscore before hex */
        "pk_acme_live_0123456789abcdef0123456789abcdef_",  /* trailing underscore */
        "pk_Acme_live_0123456789abcdef0123456789abcdef",   /* partner case */
        "pk_ac-me_live_0123456789abcdef0123456789abcdef",  /* partner charset */
        "sk_acme_live_0123456789abcdef0123456789abcdef",   /* wrong kind */
        "PK_acme_live_0123456789abcdef0123456789abcdef",   /* prefix case */
        " pk_acme_live_0123456789abcdef0123456789abcdef",  /* leading space */
        "pk_acme_live_0123456789abcdef0123456789abcdef\n", /* trailing newline */
        "pk_acme_live_0123456789abcdeg0123456789abcdef",   /* not hex */
        "pk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_live_0123456789abcdef0123456789abcdef", /* 33 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lg_apikey_parts parts;
        memset(&parts, 0x55, sizeof parts);
        CU_ASSERT_EQUAL(lg_apikey_parse(&parts, bad[i]), LG_ERR_INVALID);
        CU_ASSERT_EQUAL(parts.partner[0], '\0');
    }
}

static void test_generate_rejects(void)
{
    char key[LG_APIKEY_MAX_LEN];
    CU_ASSERT_EQUAL(lg_apikey_generate(key, sizeof key, "", LG_APIKEY_LIVE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_generate(key, sizeof key, "a_b", LG_APIKEY_LIVE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_generate(key, sizeof key, "ACME", LG_APIKEY_LIVE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(
        lg_apikey_generate(key, sizeof key, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", LG_APIKEY_LIVE),
        LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_generate(key, sizeof key, "acme", (lg_apikey_env)7), LG_ERR_INVALID);
}

static void test_hash_and_prefix(void)
{
    char hash[LG_APIKEY_HASH_LEN], want[LG_SHA256_HEX_LEN], prefix[LG_APIKEY_PREFIX_LEN + 1];
    CU_ASSERT_EQUAL(lg_apikey_hash(hash, sizeof hash, GOOD_KEY), LG_OK);
    CU_ASSERT_EQUAL(strlen(hash), 64);
    /* SHA-256 of the whole key text, as printed by sha256sum */
    CU_ASSERT_STRING_EQUAL(hash,
                           "bd4323c075c422833b1e1139162060453063cec848c9a1a3f8233eefc9056bd4");
    CU_ASSERT_EQUAL(lg_sha256_hex(want, sizeof want, GOOD_KEY, strlen(GOOD_KEY)), LG_OK);
    CU_ASSERT_STRING_EQUAL(hash, want);
    CU_ASSERT_EQUAL(lg_apikey_hash(hash, 64, GOOD_KEY), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_apikey_prefix(prefix, sizeof prefix, GOOD_KEY), LG_OK);
    CU_ASSERT_EQUAL(strlen(prefix), LG_APIKEY_PREFIX_LEN);
    CU_ASSERT_STRING_EQUAL(prefix, "pk_acme_live_012");
    CU_ASSERT_EQUAL(lg_apikey_prefix(prefix, LG_APIKEY_PREFIX_LEN, GOOD_KEY), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_apikey_prefix(prefix, sizeof prefix, "pk_acme_live_short"), LG_ERR_INVALID);
}

static void test_env_names(void)
{
    lg_apikey_env env = LG_APIKEY_LIVE;
    CU_ASSERT_STRING_EQUAL(lg_apikey_env_name(LG_APIKEY_LIVE), "live");
    CU_ASSERT_STRING_EQUAL(lg_apikey_env_name(LG_APIKEY_SANDBOX), "sandbox");
    CU_ASSERT_STRING_EQUAL(lg_apikey_env_name((lg_apikey_env)9), "unknown");
    CU_ASSERT_EQUAL(lg_apikey_env_parse(&env, "sandbox"), LG_OK);
    CU_ASSERT_EQUAL(env, LG_APIKEY_SANDBOX);
    CU_ASSERT_EQUAL(lg_apikey_env_parse(&env, "LIVE"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_env_parse(&env, "liv"), LG_ERR_INVALID);
}

static void test_null_arguments(void)
{
    char buf[LG_APIKEY_MAX_LEN];
    lg_apikey_env env;
    CU_ASSERT_EQUAL(lg_apikey_generate(NULL, sizeof buf, "acme", LG_APIKEY_LIVE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_generate(buf, sizeof buf, NULL, LG_APIKEY_LIVE), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_parse(NULL, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_hash(NULL, sizeof buf, GOOD_KEY), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_hash(buf, sizeof buf, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_prefix(NULL, sizeof buf, GOOD_KEY), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_prefix(buf, sizeof buf, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_env_parse(NULL, "live"), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_apikey_env_parse(&env, NULL), LG_ERR_INVALID);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"generate and parse", test_generate_parse_roundtrip},
        {"parse known keys", test_parse_known},
        {"parse rejects", test_parse_rejects},
        {"generate rejects", test_generate_rejects},
        {"hash and prefix", test_hash_and_prefix},
        {"environment names", test_env_names},
        {"NULL arguments", test_null_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("apikey", NULL, NULL, tests);
    return lg_test_run("test_apikey");
}
