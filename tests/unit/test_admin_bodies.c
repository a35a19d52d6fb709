/* test_admin_bodies.c - the admin API bodies and partner_platforms.json: every
 * partner field good and bad, the create/patch/rotate rules, import documents. */
#include "config.h"

#include "harness.h"

#include <lendgate/admin_bodies.h>
#include <lendgate/auth.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MIXED "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define ADDR_LOWER "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
#define BASE       "\"name\":\"Acme\",\"apiKeyPrefix\":\"acme\",\"settlementAddress\":\"" ADDR_MIXED "\""
#define BASE2      "\"name\":\"Beta\",\"apiKeyPrefix\":\"beta\",\"settlementAddress\":\"" ADDR_MIXED "\""

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
        "{" BASE ",\"environment\":\"sandbox\",\"tier\":\"PREMIUM\",\"dailyLimit\":\"5000000\","
        "\"totalLimit\":\"90000000\",\"feeBps\":250,\"webhookUrl\":\"https://hooks.example.com/x\","
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
    CU_ASSERT_EQUAL(create("{\"name\":\"A\",\"settlementAddress\":\"" ADDR_LOWER "\"}", &c),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "apiKeyPrefix: is required");
    CU_ASSERT_EQUAL(create("{\"apiKeyPrefix\":\"a\",\"settlementAddress\":\"" ADDR_LOWER "\"}", &c),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "name: is required");
    CU_ASSERT_EQUAL(create("{\"apiKeyPrefix\":\"a\",\"name\":\"A\"}", &c), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "settlementAddress: is required");
    /* A refused body leaves nothing half-filled behind. */
    CU_ASSERT_EQUAL(c.partner.key_prefix[0], '\0');
}

static void test_create_bad_fields(void)
{
    create_bad("\"foo\":\"1\"", "body: unknown field \"foo\"");
    create_bad("\"feeBps\":10001", "feeBps: must be an integer from 0 to 10000");
    create_bad("\"feeBps\":-1", "feeBps: must be an integer from 0 to 10000");
    create_bad("\"feeBps\":\"250\"", "feeBps: must be an integer from 0 to 10000");
    create_bad("\"feeBps\":2.5", "feeBps: must be an integer from 0 to 10000");
    create_bad("\"feeBps\":99999999999999999999999", "feeBps: must be an integer from 0 to 10000");
    create_bad("\"rateLimitRpm\":1000001", "rateLimitRpm: must be an integer from 0 to 1000000");
    create_bad("\"rateLimitRpm\":true", "rateLimitRpm: must be an integer from 0 to 1000000");
    create_bad("\"tier\":\"gold\"", "tier: must be \"BASIC\", \"PREMIUM\" or \"ENTERPRISE\"");
    create_bad("\"tier\":\"basic\"", "tier: must be \"BASIC\", \"PREMIUM\" or \"ENTERPRISE\"");
    create_bad("\"environment\":\"prod\"", "environment: must be \"live\" or \"sandbox\"");
    create_bad("\"dailyLimit\":\"0\"", "dailyLimit: must be a whole number of USDC base units "
                                       "greater than zero (digits only)");
    create_bad("\"totalLimit\":1000", "totalLimit: must be a string");
    create_bad("\"totalLimit\":\"99999999999999999999\"", "totalLimit: is too large");
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
        snprintf(body, sizeof body,
                 "{\"name\":\"A\",\"apiKeyPrefix\":\"%s\",\"settlementAddress\":\"" ADDR_LOWER
                 "\"}",
                 prefixes[i]);
        CU_ASSERT_EQUAL(create(body, &c), LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, "apiKeyPrefix: must be 1 to 32 lowercase letters or digits");
    }
    CU_ASSERT_EQUAL(
        create("{\"name\":\"\",\"apiKeyPrefix\":\"a\",\"settlementAddress\":\"" ADDR_LOWER "\"}",
               &c),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "name: must be 1 to 128 characters");
    CU_ASSERT_EQUAL(
        create("{\"name\":\"a\\nb\",\"apiKeyPrefix\":\"a\",\"settlementAddress\":\"" ADDR_LOWER
               "\"}",
               &c),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "name: must not contain control characters");
    CU_ASSERT_EQUAL(create("{\"name\":\"A\",\"apiKeyPrefix\":\"a\",\"settlementAddress\":"
                           "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}",
                           &c),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "settlementAddress: EIP-55 checksum does not match");
    CU_ASSERT_EQUAL(create("{" BASE ",\"name\":\"B\"}", &c), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "name: key given more than once");
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
        patch("{\"feeBps\":0,\"tier\":\"ENTERPRISE\",\"signingRequired\":false}", &p, &mask),
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
    CU_ASSERT_EQUAL(patch("{\"feeBps\":10001}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "feeBps: must be an integer from 0 to 10000");
    CU_ASSERT_EQUAL(patch("{\"status\":\"ACTIVE\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "body: unknown field \"status\"");
    CU_ASSERT_EQUAL(patch("{\"webhookSecret\":\"s\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "body: unknown field \"webhookSecret\"");
    CU_ASSERT_EQUAL(mask, 0);
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
        "{\"partners\":[{" BASE ",\"feeBps\":100},"
        "{\"name\":\"B\",\"apiKeyPrefix\":\"beta\",\"settlementAddress\":\"" ADDR_LOWER
        "\",\"environment\":\"sandbox\"}]}";
    CU_ASSERT_EQUAL_FATAL(platforms(doc, &e, &n, &bad), LG_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(e[0].create.partner.key_prefix, "acme");
    CU_ASSERT_EQUAL(e[0].mask, LG_PF_NAME | LG_PF_SETTLEMENT | LG_PF_FEE_BPS);
    CU_ASSERT_EQUAL(e[1].create.env, LG_APIKEY_SANDBOX);
    free(e);

    const char *bads[][3] = {
        {"{\"partners\":[{" BASE "},{" BASE ",\"feeBps\":-5}]}",
         "partners[1].feeBps: must be an integer from 0 to 10000", "1"},
        {"{\"partners\":[{" BASE "},{\"name\":\"x\",\"apiKeyPrefix\":\"x\"}]}",
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

/* json-c would cut "feeBps\u0000" to "feeBps": a member name with a NUL or another
 * control character is refused in every admin body and in partner_platforms.json,
 * and nothing of the body is handed back. */
static void test_control_in_names(void)
{
    static const char want[] = "body: invalid member name: control character";
    lg_partner p;
    unsigned mask = 99;
    CU_ASSERT_EQUAL(patch("{\"feeBps\\u0000\":9000}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    CU_ASSERT_EQUAL(mask, 0);
    CU_ASSERT_EQUAL(p.fee_bps, 0);
    CU_ASSERT_EQUAL(patch("{\"feeBps\":25,\"feeBps\\u0000\":9000}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    CU_ASSERT_EQUAL(patch("{\"tier\\u001f\":\"BASIC\"}", &p, &mask), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(strncmp(msg, want, sizeof want - 1), 0);
    lg_admin_create c;
    CU_ASSERT_EQUAL(create("{" BASE ",\"feeBps\\u0000\":9000}", &c), LG_ERR_INVALID);
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
        platforms("{\"partners\":[{" BASE ",\"feeBps\":1,\"feeBps\\u0000\":9000}]}", &e, &n, &bad),
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
        len += (size_t)snprintf(doc + len, cap - len,
                                "%s{\"name\":\"n\",\"apiKeyPrefix\":\"p%d\",\"settlementAddress\":"
                                "\"" ADDR_LOWER "\"}",
                                i ? "," : "", i);
    snprintf(doc + len, cap - len, "]}");
    CU_ASSERT_EQUAL(platforms(doc, &e, &n, &bad), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg, "partners: must hold 1 to 1000 entries");
    /* Cut to exactly 1000 entries: accepted. */
    char *cut = strstr(doc, ",{\"name\":\"n\",\"apiKeyPrefix\":\"p1000\"");
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
        {"partner_platforms.json", test_platforms},
        {"partner_platforms.json: 1000 entries at most", test_platforms_limit},
        {"control characters in member names", test_control_in_names},
        {"admin admission (lg_auth_admin)", test_admin_admission},
        {NULL, NULL},
    };
    lg_test_add_suite("admin_bodies", NULL, NULL, tests);
    return lg_test_run("test_admin_bodies");
}
