/*
 * test_admin.c - the admin service (admin.h) on a real SQLite file in a private
 * directory: partner ids, keys that work once hashed, secrets that never reach the
 * audit trail, rotation grace on a driven clock, validation naming the API field,
 * idempotent status changes, analytics numbers over a scripted loan history, and
 * imports that are idempotent and all or nothing.
 */
#include "config.h"

#include "harness.h"
#include "plan_examples.h"
#include "store_fixture.h"

#include <lendgate/admin.h>
#include <lendgate/admin_bodies.h>
#include <lendgate/apikey.h>
#include <lendgate/config.h>
#include <lendgate/store.h>
#include <lendgate/time.h>
#include <lendgate/status.h>

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS  86400000LL
#define SETTLE  "0x5555555555555555555555555555555555555555"
#define WALLET  "0x1111111111111111111111111111111111111111"
#define T0_TEXT "2026-03-14T12:00:00Z"
#define PUBKEY  "0x1234567890123456789012345678901234567890"

static char dir[512];
static lg_config *cfg;
static lg_service *svc; /* store only, over a new database file per test */
static lg_store *st;    /* the service's, to look at what it did */
static int64_t t0;
static int db_seq;
static const lg_admin_actor who = {"alice", "req-admin-1", "192.0.2.7"};
static const lg_admin_actor bob = {"bob", "req-admin-2", "192.0.2.8"};

static int suite_init(void)
{
    if (lg_test_mkdtemp(dir, sizeof dir) != 0 || lg_config_defaults(&cfg) != LG_OK)
        return -1;
    return lg_time_parse(T0_TEXT, &t0) == LG_OK ? 0 : -1;
}

static int suite_clean(void)
{
    lg_service_close(svc);
    svc = NULL;
    st = NULL;
    lg_config_free(cfg);
    lg_test_rmtree(dir);
    lg_time_set_fixed(-1);
    return 0;
}

/* Every test starts on a new, migrated database file at t0. */
static void fresh(void)
{
    char path[700], err[256];
    lg_service_close(svc);
    svc = NULL;
    st = NULL;
    snprintf(path, sizeof path, "%s/admin-%d.db", dir, ++db_seq);
    lg_time_set_fixed(t0);
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "store", "path", path, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_service_open_store_only(&svc, cfg, err, sizeof err), LG_OK);
    st = lg_service_store(svc);
    CU_ASSERT_EQUAL_FATAL(lg_store_migrate(st, NULL), LG_OK);
}

static void create_req(lg_admin_create *req, const char *prefix)
{
    memset(req, 0, sizeof *req);
    snprintf(req->partner.name, sizeof req->partner.name, "%s lending", prefix);
    snprintf(req->partner.key_prefix, sizeof req->partner.key_prefix, "%s", prefix);
    snprintf(req->partner.settlement_address, sizeof req->partner.settlement_address, SETTLE);
    snprintf(req->partner.webhook_url, sizeof req->partner.webhook_url, "https://%s.example/h",
             prefix);
    req->partner.daily_limit = 50000000;
    req->partner.total_limit = 100000000;
    req->partner.fee_bps = 100;
    req->env = LG_APIKEY_LIVE;
}

static lg_partner create(const char *prefix, int signing, lg_admin_secrets *sec)
{
    lg_admin_create req;
    lg_partner p;
    lg_outcome out = {0};
    create_req(&req, prefix);
    req.partner.signing_required = signing;
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_create(svc, &who, &req, &p, sec, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 201);
    return p;
}

static lg_err auth(const char *key, int64_t ms, lg_partner *p)
{
    char hash[LG_APIKEY_HASH_LEN];
    lg_time_set_fixed(ms);
    CU_ASSERT_EQUAL_FATAL(lg_apikey_hash(hash, sizeof hash, key), LG_OK);
    return lg_store_partner_by_key(st, hash, p, NULL);
}

static uint64_t audit_count(const char *action)
{
    lg_admin_audit_filter f = {NULL, action, NULL, 0, 0, 1, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL_FATAL(lg_admin_audit_list(svc, &f, &items, &n, &total, &out), LG_OK);
    free(items);
    return total;
}

/* 1 when any audit row holds needle in any field. */
static int audit_holds(const char *needle)
{
    lg_admin_audit_filter f = {NULL, NULL, NULL, 0, 0, 1000, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    int found = 0;
    CU_ASSERT_EQUAL_FATAL(lg_store_admin_audit_query(st, &f, &items, &n, &total), LG_OK);
    for (size_t i = 0; i < n; i++)
        found |= strstr(items[i].before_json, needle) || strstr(items[i].after_json, needle) ||
                 strstr(items[i].target, needle) || strstr(items[i].action, needle);
    free(items);
    return found;
}

static uint64_t partner_total(void)
{
    uint64_t n = 0;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_count(st, &n), LG_OK);
    return n;
}

/* The outcome of a refused create names field and nothing is stored. */
static void expect_create_refused(lg_admin_create *req, int status, const char *field)
{
    lg_partner p;
    lg_admin_secrets sec;
    lg_outcome out = {0};
    uint64_t before = partner_total();
    CU_ASSERT_NOT_EQUAL(lg_admin_partner_create(svc, &who, req, &p, &sec, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), status);
    if (strncmp(out.message, field, strlen(field)) != 0)
        fprintf(stderr, "\n  message \"%s\" does not start with %s\n", out.message, field);
    CU_ASSERT_EQUAL(strncmp(out.message, field, strlen(field)), 0);
    CU_ASSERT_EQUAL(sec.api_key[0], '\0');
    CU_ASSERT_EQUAL(partner_total(), before);
}

/* ------------------------------------------------------------ create */

static void test_create_ids_and_keys(void)
{
    lg_admin_secrets sa, sb, sc;
    fresh();
    lg_partner a = create("acme", 0, &sa);
    lg_partner b = create("beta", 1, &sb);
    /* A hand-made partner takes the next id: the derivation passes over it. */
    lg_partner taken = a;
    snprintf(taken.id, sizeof taken.id, "partner_gamma_004");
    snprintf(taken.key_prefix, sizeof taken.key_prefix, "other");
    CU_ASSERT_EQUAL_FATAL(lg_test_partner_add(st, &taken, NULL), LG_OK);
    lg_partner c = create("gamma", 0, &sc);
    CU_ASSERT_STRING_EQUAL(a.id, "partner_acme_001");
    CU_ASSERT_STRING_EQUAL(b.id, "partner_beta_002");
    CU_ASSERT_STRING_EQUAL(c.id, "partner_gamma_005");
    CU_ASSERT_EQUAL(c.status, LG_PARTNER_ACTIVE);
    CU_ASSERT_EQUAL(c.created_at_ms, t0);

    lg_apikey_parts parts;
    CU_ASSERT_EQUAL(lg_apikey_parse(&parts, sa.api_key), LG_OK);
    CU_ASSERT_STRING_EQUAL(parts.partner, "acme");
    lg_partner got;
    CU_ASSERT_EQUAL(auth(sb.api_key, t0, &got), LG_OK);
    CU_ASSERT_STRING_EQUAL(got.id, b.id);
    CU_ASSERT_EQUAL(strncmp(sa.webhook_secret, "whsec_", 6), 0);
    CU_ASSERT_EQUAL(strlen(sa.webhook_secret), 6 + 64);
    CU_ASSERT_EQUAL(sa.signing_secret[0], '\0');
    CU_ASSERT_EQUAL(strncmp(sb.signing_secret, "sig_", 4), 0);
    CU_ASSERT_EQUAL(strlen(sb.signing_secret), 4 + 64);
    CU_ASSERT_STRING_EQUAL(got.signing_secret, sb.signing_secret);
    CU_ASSERT_STRING_NOT_EQUAL(sa.webhook_secret, sb.webhook_secret);

    CU_ASSERT_EQUAL(audit_count("partner.create"), 3);
    CU_ASSERT_TRUE(audit_holds("\"signingSecretSet\":true"));
    CU_ASSERT_TRUE(audit_holds("\"apiKeyPrefix\":\"beta\""));
    lg_admin_secrets *all[] = {&sa, &sb, &sc};
    for (size_t i = 0; i < 3; i++) {
        char hash[LG_APIKEY_HASH_LEN];
        CU_ASSERT_FALSE(audit_holds(all[i]->api_key));
        CU_ASSERT_FALSE(audit_holds(all[i]->webhook_secret));
        CU_ASSERT_EQUAL(lg_apikey_hash(hash, sizeof hash, all[i]->api_key), LG_OK);
        CU_ASSERT_FALSE(audit_holds(hash));
    }
    CU_ASSERT_FALSE(audit_holds(sb.signing_secret));
    CU_ASSERT_FALSE(audit_holds("whsec_"));
    lg_admin_secrets_wipe(&sa);
    lg_admin_secrets_wipe(&sb);
    lg_admin_secrets_wipe(&sc);
}

/* Limits left out take [admin] default_daily_limit / default_total_limit, and the
 * defaults are checked with what was given. */
static void test_create_limit_defaults(void)
{
    lg_admin_create req;
    lg_admin_secrets sec;
    lg_partner p;
    lg_outcome out = {0};
    create_req(&req, "dflt");
    req.partner.daily_limit = req.partner.total_limit = 0;
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_create(svc, &who, &req, &p, &sec, &out), LG_OK);
    CU_ASSERT_EQUAL(p.daily_limit, lg_config_u64(cfg, "admin", "default_daily_limit"));
    CU_ASSERT_EQUAL(p.total_limit, lg_config_u64(cfg, "admin", "default_total_limit"));
    CU_ASSERT_EQUAL(p.daily_limit, UINT64_C(10000000000));
    lg_admin_secrets_wipe(&sec);
    create_req(&req, "dflttwo");
    req.partner.total_limit = 0;
    req.partner.daily_limit = lg_config_u64(cfg, "admin", "default_total_limit") + 1;
    CU_ASSERT_EQUAL(lg_admin_partner_create(svc, &who, &req, &p, &sec, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(out.message, "dailyBorrowLimit"));
}

static void test_create_refused(void)
{
    lg_admin_secrets s;
    lg_admin_create req;
    fresh();
    create("acme", 0, &s);
    lg_admin_secrets_wipe(&s);
    create_req(&req, "acme");
    expect_create_refused(&req, 409, "apiKeyPrefix");
    create_req(&req, "Bad_Prefix");
    expect_create_refused(&req, 400, "apiKeyPrefix");
    create_req(&req, "abcdefghijklmnopqrstuvwxyz0123456"); /* 33 characters */
    expect_create_refused(&req, 400, "apiKeyPrefix");
    create_req(&req, "fee");
    req.partner.fee_bps = 10001;
    expect_create_refused(&req, 400, "platformFeePercentage");
    create_req(&req, "limits");
    req.partner.daily_limit = req.partner.total_limit + 1;
    expect_create_refused(&req, 400, "dailyBorrowLimit");
    create_req(&req, "noname");
    req.partner.name[0] = '\0';
    expect_create_refused(&req, 400, "partnerName");
    create_req(&req, "ctl");
    snprintf(req.partner.name, sizeof req.partner.name, "bad\nname");
    expect_create_refused(&req, 400, "partnerName");
    create_req(&req, "addr");
    snprintf(req.partner.settlement_address, sizeof req.partner.settlement_address, "0x12");
    expect_create_refused(&req, 400, "settlementAddress");
    create_req(&req, "hook");
    snprintf(req.partner.webhook_url, sizeof req.partner.webhook_url, "ftp://x.example");
    expect_create_refused(&req, 400, "webhookUrl");
    CU_ASSERT_EQUAL(audit_count(NULL), 1);

    lg_outcome out = {0};
    lg_partner p;
    CU_ASSERT_EQUAL(lg_admin_partner_create(NULL, &who, &req, &p, &s, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 500);
    CU_ASSERT_EQUAL(lg_admin_partner_create(svc, &who, &req, &p, &s, NULL), LG_ERR_INVALID);
}

/* The plan's fields on create: the chosen partnerId, status, contactWallet, publicKey,
 * kycVerified, contractSigned are stored; createdBy is the acting admin, whatever the
 * request says. */
static void test_create_plan_fields(void)
{
    lg_admin_create req;
    lg_admin_secrets sec, s2;
    lg_partner p, got;
    lg_outcome out = {0};
    fresh();
    create_req(&req, "xyz");
    snprintf(req.partner.id, sizeof req.partner.id, "partner_xyz_lending_001");
    snprintf(req.partner.contact_wallet, sizeof req.partner.contact_wallet, WALLET);
    snprintf(req.partner.public_key, sizeof req.partner.public_key, PUBKEY);
    req.partner.kyc_verified = 1;
    req.partner.contract_signed = 1;
    req.partner.status = LG_PARTNER_SUSPENDED;
    snprintf(req.partner.created_by, sizeof req.partner.created_by, "mallory");
    req.env = LG_APIKEY_SANDBOX;
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_create(svc, &who, &req, &p, &sec, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 201);
    CU_ASSERT_STRING_EQUAL(p.id, "partner_xyz_lending_001");
    CU_ASSERT_STRING_EQUAL(p.created_by, "alice");
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, "partner_xyz_lending_001", &got), LG_OK);
    CU_ASSERT_STRING_EQUAL(got.key_prefix, "xyz");
    CU_ASSERT_STRING_EQUAL(got.contact_wallet, WALLET);
    CU_ASSERT_STRING_EQUAL(got.public_key, PUBKEY);
    CU_ASSERT_EQUAL(got.kyc_verified, 1);
    CU_ASSERT_EQUAL(got.contract_signed, 1);
    CU_ASSERT_EQUAL(got.status, LG_PARTNER_SUSPENDED);
    CU_ASSERT_STRING_EQUAL(got.created_by, "alice");
    CU_ASSERT_EQUAL(strncmp(sec.api_key, "pk_xyz_sandbox_", 15), 0);
    CU_ASSERT_EQUAL(lg_admin_key_env(svc, p.id), LG_APIKEY_SANDBOX);
    CU_ASSERT_EQUAL(auth(sec.api_key, t0, NULL), LG_ERR_SUSPENDED);
    CU_ASSERT_TRUE(audit_holds("\"partnerId\":\"partner_xyz_lending_001\""));
    CU_ASSERT_TRUE(audit_holds("\"createdBy\":\"alice\""));
    CU_ASSERT_TRUE(audit_holds("\"contactWallet\":\"" WALLET "\""));
    CU_ASSERT_TRUE(audit_holds("\"publicKey\":\"" PUBKEY "\""));
    CU_ASSERT_TRUE(audit_holds("\"kycVerified\":true"));
    CU_ASSERT_TRUE(audit_holds("\"contractSigned\":true"));
    CU_ASSERT_TRUE(audit_holds("\"status\":\"SUSPENDED\""));
    CU_ASSERT_FALSE(audit_holds("mallory"));
    lg_admin_secrets_wipe(&sec);

    /* Left out, the id is derived as before (the chosen one counts as a partner) and
     * the flags are off. */
    lg_partner b = create("beta", 0, &s2);
    lg_admin_secrets_wipe(&s2);
    CU_ASSERT_STRING_EQUAL(b.id, "partner_beta_002");
    CU_ASSERT_STRING_EQUAL(b.created_by, "alice");
    CU_ASSERT_EQUAL(b.kyc_verified, 0);
    CU_ASSERT_EQUAL(b.contract_signed, 0);
    CU_ASSERT_EQUAL(b.contact_wallet[0], '\0');
    CU_ASSERT_EQUAL(b.public_key[0], '\0');
    CU_ASSERT_EQUAL(b.status, LG_PARTNER_ACTIVE);

    /* A partnerId that is taken is a 409 naming it; nothing is stored. */
    create_req(&req, "other");
    snprintf(req.partner.id, sizeof req.partner.id, "partner_xyz_lending_001");
    expect_create_refused(&req, 409, "partnerId");
    snprintf(req.partner.id, sizeof req.partner.id, "partner_beta_002");
    expect_create_refused(&req, 409, "partnerId");
    /* Bad values of the new fields are refused naming them. */
    create_req(&req, "wallet");
    snprintf(req.partner.contact_wallet, sizeof req.partner.contact_wallet, "0x12");
    expect_create_refused(&req, 400, "contactWallet");
    create_req(&req, "pubkey");
    snprintf(req.partner.public_key, sizeof req.partner.public_key,
             "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"); /* checksum off by one letter */
    expect_create_refused(&req, 400, "publicKey");
    create_req(&req, "status");
    req.partner.status = (lg_partner_status)7;
    expect_create_refused(&req, 400, "status");
    CU_ASSERT_EQUAL(audit_count("partner.create"), 2);
    CU_ASSERT_EQUAL(partner_total(), 2);
}

/* ------------------------------------------------------------ keys */

static void test_rotate_grace(void)
{
    lg_admin_secrets s0, s1, s2;
    lg_outcome out = {0};
    int64_t old_exp = 0;
    fresh();
    lg_partner p = create("acme", 0, &s0);

    CU_ASSERT_EQUAL(lg_admin_key_rotate(svc, &who, p.id, LG_APIKEY_SANDBOX, 0, &s1, &old_exp, &out),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_EQUAL(old_exp, t0);
    /* A sandbox key is the partner's sandbox twin's: the live key stays. */
    CU_ASSERT_EQUAL(auth(s0.api_key, t0, NULL), LG_OK);
    CU_ASSERT_EQUAL(auth(s1.api_key, t0, NULL), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(s1.api_key, "_sandbox_"));
    lg_partner twin;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_sandbox(st, p.id, 0, &twin), LG_OK);
    CU_ASSERT_STRING_EQUAL(twin.live_id, p.id);

    lg_time_set_fixed(t0 + 1000);
    CU_ASSERT_EQUAL(lg_admin_key_rotate(svc, &who, p.id, LG_APIKEY_LIVE, 3600, &s2, &old_exp, &out),
                    LG_OK);
    CU_ASSERT_EQUAL(old_exp, t0 + 1000 + 3600000);
    CU_ASSERT_EQUAL(auth(s0.api_key, t0 + 1000 + 3599999, NULL), LG_OK);
    CU_ASSERT_EQUAL(auth(s0.api_key, t0 + 1000 + 3600000, NULL), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(auth(s2.api_key, t0 + 1000 + 3600000, NULL), LG_OK);
    CU_ASSERT_EQUAL(auth(s1.api_key, t0 + 1000 + 3600000, NULL), LG_OK);
    CU_ASSERT_EQUAL(audit_count("partner.rotate_key"), 2);
    CU_ASSERT_FALSE(audit_holds(s1.api_key));
    CU_ASSERT_FALSE(audit_holds(s2.api_key));

    lg_api_key *keys = NULL;
    size_t nkeys = 0;
    lg_partner shown;
    CU_ASSERT_EQUAL(lg_admin_partner_show(svc, p.id, &shown, &keys, &nkeys, &out), LG_OK);
    CU_ASSERT_EQUAL(nkeys, 3);
    free(keys);

    CU_ASSERT_EQUAL(
        lg_admin_key_rotate(svc, &who, "partner_nobody_001", LG_APIKEY_LIVE, 0, &s1, NULL, &out),
        LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_http_status(&out), 404);
    CU_ASSERT_EQUAL(s1.api_key[0], '\0');
    CU_ASSERT_EQUAL(
        lg_admin_key_rotate(svc, &who, p.id, LG_APIKEY_LIVE, 400000000, &s1, NULL, &out),
        LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    lg_admin_secrets_wipe(&s0);
    lg_admin_secrets_wipe(&s2);
}

static void test_signing_rotate(void)
{
    lg_admin_secrets s0, s1;
    lg_outcome out = {0};
    fresh();
    lg_partner p = create("acme", 1, &s0);
    CU_ASSERT_EQUAL(lg_admin_signing_rotate(svc, &who, p.id, &s1, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_EQUAL(strncmp(s1.signing_secret, "sig_", 4), 0);
    CU_ASSERT_STRING_NOT_EQUAL(s1.signing_secret, s0.signing_secret);
    lg_partner got;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, p.id, &got), LG_OK);
    CU_ASSERT_STRING_EQUAL(got.signing_secret, s1.signing_secret);
    CU_ASSERT_EQUAL(audit_count("partner.rotate_signing_secret"), 1);
    CU_ASSERT_FALSE(audit_holds(s1.signing_secret));
    CU_ASSERT_FALSE(audit_holds(s0.signing_secret));
    CU_ASSERT_EQUAL(lg_admin_signing_rotate(svc, &who, "partner_x_001", &s1, &out),
                    LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_http_status(&out), 404);
    lg_admin_secrets_wipe(&s0);
}

/* ------------------------------------------------------------ update, status */

static void expect_update(lg_partner *ch, unsigned mask, int status, const char *field)
{
    lg_partner before, after;
    lg_admin_secrets sec;
    lg_outcome out = {0};
    lg_err rc = lg_admin_partner_update(svc, &who, ch, mask, &before, &after, &sec, &out);
    CU_ASSERT_EQUAL(lg_http_status(&out), status);
    CU_ASSERT_EQUAL(rc == LG_OK, status == 200);
    if (field)
        CU_ASSERT_EQUAL(strncmp(out.message, field, strlen(field)), 0);
}

static void test_update_fields(void)
{
    lg_admin_secrets s0, sec;
    lg_outcome out = {0};
    lg_partner before, after;
    fresh();
    lg_partner p = create("acme", 0, &s0);
    lg_partner ch = p;
    snprintf(ch.name, sizeof ch.name, "Acme Credit");
    ch.tier = LG_TIER_PREMIUM;
    ch.daily_limit = 70000000;
    ch.total_limit = 90000000;
    ch.fee_bps = 250;
    snprintf(ch.settlement_address, sizeof ch.settlement_address,
             "0x6666666666666666666666666666666666666666");
    snprintf(ch.webhook_url, sizeof ch.webhook_url, "https://new.example/h");
    snprintf(ch.contact_email, sizeof ch.contact_email, "ops@acme.example");
    ch.rate_limit_rpm = 900;
    snprintf(ch.ip_allowlist, sizeof ch.ip_allowlist, "192.0.2.0/24,198.51.100.7");
    ch.signing_required = 1;
    unsigned mask = LG_PF_NAME | LG_PF_TIER | LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT |
                    LG_PF_FEE_BPS | LG_PF_SETTLEMENT | LG_PF_WEBHOOK_URL | LG_PF_CONTACT |
                    LG_PF_RATE_LIMIT | LG_PF_ALLOWLIST | LG_PF_SIGNING;
    CU_ASSERT_EQUAL_FATAL(
        lg_admin_partner_update(svc, &who, &ch, mask, &before, &after, &sec, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_STRING_EQUAL(before.name, "acme lending");
    CU_ASSERT_STRING_EQUAL(after.name, "Acme Credit");
    CU_ASSERT_EQUAL(after.tier, LG_TIER_PREMIUM);
    CU_ASSERT_EQUAL(after.daily_limit, 70000000);
    CU_ASSERT_EQUAL(after.total_limit, 90000000);
    CU_ASSERT_EQUAL(after.fee_bps, 250);
    CU_ASSERT_STRING_EQUAL(after.webhook_url, "https://new.example/h");
    CU_ASSERT_EQUAL(after.rate_limit_rpm, 900);
    CU_ASSERT_STRING_EQUAL(after.ip_allowlist, "192.0.2.0/24,198.51.100.7");
    /* Switching signing on without a secret makes one, shown once. */
    CU_ASSERT_EQUAL(after.signing_required, 1);
    CU_ASSERT_EQUAL(strncmp(sec.signing_secret, "sig_", 4), 0);
    CU_ASSERT_STRING_EQUAL(after.signing_secret, sec.signing_secret);
    CU_ASSERT_STRING_EQUAL(after.webhook_secret, s0.webhook_secret);
    CU_ASSERT_EQUAL(audit_count("partner.update"), 1);
    CU_ASSERT_TRUE(audit_holds("\"ipAllowlist\":[\"192.0.2.0/24\",\"198.51.100.7\"]"));
    CU_ASSERT_FALSE(audit_holds(sec.signing_secret));
    lg_admin_secrets_wipe(&sec);

    ch = after;
    ch.fee_bps = 10001;
    expect_update(&ch, LG_PF_FEE_BPS, 400, "platformFeePercentage");
    ch = after;
    ch.daily_limit = 90000001; /* over the stored total limit */
    expect_update(&ch, LG_PF_DAILY_LIMIT, 400, "dailyBorrowLimit");
    ch = after;
    ch.total_limit = 69999999; /* under the stored daily limit */
    expect_update(&ch, LG_PF_TOTAL_LIMIT, 400, "dailyBorrowLimit");
    ch = after;
    ch.name[0] = '\0';
    expect_update(&ch, LG_PF_NAME, 400, "partnerName");
    expect_update(&ch, LG_PF_WEBHOOK_SECRET, 400, "webhookSecret");
    expect_update(&ch, 0, 400, NULL);
    snprintf(ch.id, sizeof ch.id, "partner_nobody_001");
    snprintf(ch.name, sizeof ch.name, "x");
    expect_update(&ch, LG_PF_NAME, 404, NULL);
    CU_ASSERT_EQUAL(audit_count("partner.update"), 1);
    lg_admin_secrets_wipe(&s0);
}

/* 1 when a and b agree on every editable field and createdBy, leaving out the fields
 * of skip (LG_PF_* bits). */
static int same_but(const lg_partner *a, const lg_partner *b, unsigned skip)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->created_by, b->created_by) == 0 &&
           ((skip & LG_PF_NAME) || strcmp(a->name, b->name) == 0) &&
           ((skip & LG_PF_STATUS) || a->status == b->status) &&
           ((skip & LG_PF_TIER) || a->tier == b->tier) &&
           ((skip & LG_PF_DAILY_LIMIT) || a->daily_limit == b->daily_limit) &&
           ((skip & LG_PF_TOTAL_LIMIT) || a->total_limit == b->total_limit) &&
           ((skip & LG_PF_FEE_BPS) || a->fee_bps == b->fee_bps) &&
           ((skip & LG_PF_SETTLEMENT) ||
            strcmp(a->settlement_address, b->settlement_address) == 0) &&
           ((skip & LG_PF_WEBHOOK_URL) || strcmp(a->webhook_url, b->webhook_url) == 0) &&
           strcmp(a->webhook_secret, b->webhook_secret) == 0 &&
           ((skip & LG_PF_CONTACT) || strcmp(a->contact_email, b->contact_email) == 0) &&
           ((skip & LG_PF_RATE_LIMIT) || a->rate_limit_rpm == b->rate_limit_rpm) &&
           ((skip & LG_PF_SIGNING) || a->signing_required == b->signing_required) &&
           ((skip & LG_PF_ALLOWLIST) || strcmp(a->ip_allowlist, b->ip_allowlist) == 0) &&
           ((skip & LG_PF_CONTACT_WALLET) || strcmp(a->contact_wallet, b->contact_wallet) == 0) &&
           ((skip & LG_PF_PUBLIC_KEY) || strcmp(a->public_key, b->public_key) == 0) &&
           ((skip & LG_PF_KYC) || a->kyc_verified == b->kyc_verified) &&
           ((skip & LG_PF_CONTRACT) || a->contract_signed == b->contract_signed);
}

/* One successful update by actor of ch's mask fields; *after receives the result and
 * nothing but those fields moved. */
static void update_one(const lg_admin_actor *actor, const lg_partner *ch, unsigned mask,
                       lg_partner *after)
{
    lg_partner before;
    lg_admin_secrets sec;
    lg_outcome out = {0};
    lg_err rc = lg_admin_partner_update(svc, actor, ch, mask, &before, after, &sec, &out);
    if (rc != LG_OK)
        fprintf(stderr, "\n  update %#x: %s (%d %s)\n", mask, lg_errname(rc), lg_http_status(&out),
                out.message);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_TRUE(same_but(&before, after, mask));
    lg_admin_secrets_wipe(&sec);
}

/* The plan's fields in an update: each changes alone, "" clears an address, bad values
 * are refused naming the field, and createdBy never changes. */
static void test_update_plan_fields(void)
{
    lg_admin_secrets s0;
    lg_partner after, got;
    fresh();
    lg_partner p = create("acme", 0, &s0);
    lg_admin_secrets_wipe(&s0);
    CU_ASSERT_STRING_EQUAL(p.created_by, "alice");
    lg_partner ch = p;
    snprintf(ch.created_by, sizeof ch.created_by, "mallory"); /* never taken from a change */

    snprintf(ch.contact_wallet, sizeof ch.contact_wallet, WALLET);
    update_one(&bob, &ch, LG_PF_CONTACT_WALLET, &after);
    CU_ASSERT_STRING_EQUAL(after.contact_wallet, WALLET);
    snprintf(ch.public_key, sizeof ch.public_key, PUBKEY);
    update_one(&bob, &ch, LG_PF_PUBLIC_KEY, &after);
    CU_ASSERT_STRING_EQUAL(after.public_key, PUBKEY);
    ch.kyc_verified = 1;
    update_one(&bob, &ch, LG_PF_KYC, &after);
    CU_ASSERT_EQUAL(after.kyc_verified, 1);
    CU_ASSERT_EQUAL(after.contract_signed, 0);
    ch.contract_signed = 1;
    update_one(&bob, &ch, LG_PF_CONTRACT, &after);
    CU_ASSERT_EQUAL(after.contract_signed, 1);
    ch.status = LG_PARTNER_INACTIVE;
    update_one(&bob, &ch, LG_PF_STATUS, &after);
    CU_ASSERT_EQUAL(after.status, LG_PARTNER_INACTIVE);
    CU_ASSERT_STRING_EQUAL(after.created_by, "alice");
    CU_ASSERT_TRUE(audit_holds("\"kycVerified\":true"));
    CU_ASSERT_TRUE(audit_holds("\"contractSigned\":true"));
    CU_ASSERT_TRUE(audit_holds("\"status\":\"INACTIVE\""));
    CU_ASSERT_FALSE(audit_holds("mallory"));

    /* "" clears an address; false clears a flag. */
    ch.contact_wallet[0] = '\0';
    ch.kyc_verified = 0;
    update_one(&who, &ch, LG_PF_CONTACT_WALLET | LG_PF_KYC, &after);
    CU_ASSERT_EQUAL(after.contact_wallet[0], '\0');
    CU_ASSERT_EQUAL(after.kyc_verified, 0);
    CU_ASSERT_STRING_EQUAL(after.public_key, PUBKEY);
    CU_ASSERT_EQUAL(after.contract_signed, 1);
    CU_ASSERT_EQUAL(audit_count("partner.update"), 6);

    /* Bad values: 400 naming the field, nothing written. */
    ch = after;
    snprintf(ch.contact_wallet, sizeof ch.contact_wallet, "0x12");
    expect_update(&ch, LG_PF_CONTACT_WALLET, 400, "contactWallet");
    ch = after;
    snprintf(ch.public_key, sizeof ch.public_key, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
    expect_update(&ch, LG_PF_PUBLIC_KEY, 400, "publicKey");
    ch = after;
    ch.status = (lg_partner_status)7;
    expect_update(&ch, LG_PF_STATUS, 400, "status");
    CU_ASSERT_EQUAL(audit_count("partner.update"), 6);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, p.id, &got), LG_OK);
    CU_ASSERT_TRUE(same_but(&got, &after, 0));
    CU_ASSERT_STRING_EQUAL(got.created_by, "alice");
}

static void test_set_status(void)
{
    lg_admin_secrets s0;
    lg_outcome out = {0};
    lg_partner after;
    fresh();
    lg_partner p = create("acme", 0, &s0);
    CU_ASSERT_EQUAL(
        lg_admin_partner_set_status(svc, &who, p.id, LG_PARTNER_SUSPENDED, &after, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_EQUAL(after.status, LG_PARTNER_SUSPENDED);
    CU_ASSERT_EQUAL(auth(s0.api_key, t0, NULL), LG_ERR_SUSPENDED);
    CU_ASSERT_EQUAL(lg_admin_partner_set_status(svc, &who, p.id, LG_PARTNER_SUSPENDED, NULL, &out),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_EQUAL(audit_count("partner.suspend"), 1);
    CU_ASSERT_EQUAL(lg_admin_partner_set_status(svc, &who, p.id, LG_PARTNER_ACTIVE, &after, &out),
                    LG_OK);
    CU_ASSERT_EQUAL(auth(s0.api_key, t0, NULL), LG_OK);
    CU_ASSERT_EQUAL(audit_count("partner.activate"), 1);
    CU_ASSERT_TRUE(audit_holds("\"status\":\"SUSPENDED\""));
    CU_ASSERT_EQUAL(
        lg_admin_partner_set_status(svc, &who, "partner_x_001", LG_PARTNER_ACTIVE, NULL, &out),
        LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_http_status(&out), 404);
    CU_ASSERT_EQUAL(lg_admin_partner_set_status(svc, &who, p.id, (lg_partner_status)7, NULL, &out),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    CU_ASSERT_EQUAL(audit_count(NULL), 3);
    lg_admin_secrets_wipe(&s0);
}

/* ------------------------------------------------------------ analytics */

/* A loan of amount borrowed for p at ms: reserved, mined, confirmed. */
static lg_loan borrow(const lg_partner *p, const char *plid, uint64_t amount, int64_t ms)
{
    lg_position pos;
    lg_loan l;
    char btx[LG_HASH_LEN], ttx[LG_HASH_LEN];
    static unsigned n;
    lg_time_set_fixed(ms);
    memset(&pos, 0, sizeof pos);
    snprintf(pos.wallet, sizeof pos.wallet, WALLET);
    snprintf(pos.oaid, sizeof pos.oaid, "42");
    snprintf(pos.position_id, sizeof pos.position_id, "7");
    snprintf(pos.collateral_token, sizeof pos.collateral_token, SETTLE);
    snprintf(pos.collateral_amount, sizeof pos.collateral_amount, "1");
    snprintf(pos.collateral_value, sizeof pos.collateral_value, "1");
    snprintf(pos.usdc_borrowed, sizeof pos.usdc_borrowed, "0");
    snprintf(pos.health_factor, sizeof pos.health_factor, "1");
    pos.active = 1;
    CU_ASSERT_EQUAL_FATAL(lg_store_position_upsert(st, &pos), LG_OK);
    memset(&l, 0, sizeof l);
    snprintf(l.partner_id, sizeof l.partner_id, "%s", p->id);
    snprintf(l.partner_loan_id, sizeof l.partner_loan_id, "%s", plid);
    snprintf(l.user_wallet, sizeof l.user_wallet, WALLET);
    snprintf(l.oaid, sizeof l.oaid, "42");
    snprintf(l.position_id, sizeof l.position_id, "7");
    l.amount = amount;
    l.fee = amount * p->fee_bps / 10000;
    l.net = amount - l.fee;
    snprintf(l.request_hash, sizeof l.request_hash, "%064x", ++n);
    CU_ASSERT_EQUAL_FATAL(lg_store_loan_reserve(st, &l, NULL, NULL), LG_OK);
    snprintf(btx, sizeof btx, "0x%064x", 1000 + n);
    snprintf(ttx, sizeof ttx, "0x%064x", 2000 + n);
    CU_ASSERT_EQUAL_FATAL(lg_store_loan_mark_borrowed(st, l.id, btx), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_loan_confirm(st, l.id, btx, ttx), LG_OK);
    return l;
}

static void repay(const lg_partner *p, const char *plid, uint64_t amount, int64_t ms)
{
    static unsigned n;
    lg_repayment r;
    lg_loan after;
    char tx[LG_HASH_LEN];
    lg_time_set_fixed(ms);
    lg_deposit proof = {.amount = amount};
    snprintf(tx, sizeof tx, "0x%064x", 5000 + ++n);
    snprintf(proof.tx_hash, sizeof proof.tx_hash, "0x%064x", 9000 + n);
    snprintf(proof.partner_id, sizeof proof.partner_id, "%s", p->id);
    CU_ASSERT_EQUAL_FATAL(lg_store_repay_begin(st, p->id, plid, amount, &proof, NULL, &r), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_repay_apply(st, r.id, tx, &after), LG_OK);
}

static void test_analytics(void)
{
    lg_admin_secrets s0;
    lg_admin_analytics a;
    lg_outcome out = {0};
    char err[128];
    fresh();
    lg_partner p = create("acme", 0, &s0); /* fee 1% */
    lg_admin_secrets_wipe(&s0);
    int64_t today = t0 / DAY_MS * DAY_MS;              /* 2026-03-14 */
    borrow(&p, "old", 8000000, today - 40 * DAY_MS);   /* outside 30 days */
    borrow(&p, "L1", 1000000, today - 6 * DAY_MS + 1); /* first day of 7 */
    borrow(&p, "L2", 3000000, today - 6 * DAY_MS + 2);
    repay(&p, "L1", 1000000, today - 2 * DAY_MS);
    repay(&p, "L2", 1000000, today - 2 * DAY_MS + 5);
    borrow(&p, "L3", 2000000, today + 3600000); /* today */
    int64_t now = today + 7200000;
    lg_time_set_fixed(now);

    CU_ASSERT_EQUAL(lg_config_set(cfg, "admin", "default_after_days", "5", err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_admin_analytics_get(svc, p.id, 7, now, &a, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_EQUAL(a.period_days, 7);
    CU_ASSERT_EQUAL(a.start_ms, today - 6 * DAY_MS);
    CU_ASSERT_EQUAL(a.end_ms, today + DAY_MS);
    CU_ASSERT_EQUAL(a.totals.total_borrowed, 6000000);
    CU_ASSERT_EQUAL(a.totals.total_repaid, 2000000);
    CU_ASSERT_EQUAL(a.totals.fees_earned, 60000);
    CU_ASSERT_EQUAL(a.totals.new_loans, 3);
    CU_ASSERT_EQUAL(a.totals.repaid_loans, 1);
    CU_ASSERT_EQUAL(a.totals.active_loans, 2);
    CU_ASSERT_EQUAL(a.totals.defaulted_loans, 1); /* L2: open 6 days > 5 */
    CU_ASSERT_EQUAL(a.average_loan, 2000000);
    CU_ASSERT_EQUAL(a.default_rate_bp, 3333);
    CU_ASSERT_EQUAL(a.repayment_rate_bp, 3333);
    CU_ASSERT_EQUAL_FATAL(a.ndays, 7);
    CU_ASSERT_EQUAL(a.days[0].borrowed, 4000000);
    CU_ASSERT_EQUAL(a.days[0].loans, 2);
    CU_ASSERT_EQUAL(a.days[4].repaid, 2000000);
    CU_ASSERT_EQUAL(a.days[6].borrowed, 2000000);
    CU_ASSERT_STRING_EQUAL(a.days[6].day, "2026-03-14");
    lg_admin_analytics_release(&a);
    CU_ASSERT_PTR_NULL(a.days);

    CU_ASSERT_EQUAL_FATAL(lg_admin_analytics_get(svc, p.id, 90, now, &a, &out), LG_OK);
    CU_ASSERT_EQUAL(a.ndays, 90);
    CU_ASSERT_EQUAL(a.totals.total_borrowed, 14000000);
    CU_ASSERT_EQUAL(a.totals.defaulted_loans, 2);
    lg_admin_analytics_release(&a);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "admin", "default_after_days", "90", err, sizeof err),
                    LG_OK);

    CU_ASSERT_EQUAL(lg_admin_analytics_get(svc, p.id, 14, now, &a, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    CU_ASSERT_EQUAL(lg_admin_analytics_get(svc, "partner_x_001", 30, now, &a, &out),
                    LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_http_status(&out), 404);
    CU_ASSERT_PTR_NULL(a.days);
}

/* ------------------------------------------------------------ import */

static void entry(lg_admin_import_entry *e, const char *prefix, uint32_t fee_bps)
{
    memset(e, 0, sizeof *e);
    create_req(&e->create, prefix);
    e->create.partner.fee_bps = fee_bps;
    e->mask = LG_PF_NAME | LG_PF_FEE_BPS | LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT |
              LG_PF_SETTLEMENT | LG_PF_WEBHOOK_URL;
}

static void test_import(void)
{
    lg_admin_import_entry e[3];
    lg_admin_import_result r[3];
    lg_outcome out = {0};
    size_t bad = 99;
    fresh();
    entry(&e[0], "acme", 10);
    entry(&e[1], "beta", 20);
    entry(&e[2], "gamma", 30);
    CU_ASSERT_EQUAL_FATAL(lg_admin_import(svc, &who, e, 3, r, &bad, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    CU_ASSERT_STRING_EQUAL(r[0].partner.id, "partner_acme_001");
    CU_ASSERT_STRING_EQUAL(r[1].partner.id, "partner_beta_002");
    CU_ASSERT_STRING_EQUAL(r[2].partner.id, "partner_gamma_003");
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(r[i].created, 1);
        CU_ASSERT_EQUAL(auth(r[i].secrets.api_key, t0, NULL), LG_OK);
        CU_ASSERT_FALSE(audit_holds(r[i].secrets.api_key));
        CU_ASSERT_FALSE(audit_holds(r[i].secrets.webhook_secret));
        lg_admin_secrets_wipe(&r[i].secrets);
    }
    CU_ASSERT_EQUAL(audit_count("partner.import.create"), 3);

    /* The same file again changes nothing and writes nothing. */
    lg_err rc = lg_admin_import(svc, &who, e, 3, r, &bad, &out);
    if (rc != LG_OK)
        fprintf(stderr, "\n  import again: %s (%d %s)\n", lg_errname(rc), lg_http_status(&out),
                out.message);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(r[i].created, 0);
        CU_ASSERT_EQUAL(r[i].changed, 0);
        CU_ASSERT_EQUAL(r[i].secrets.api_key[0], '\0');
    }
    CU_ASSERT_EQUAL(audit_count(NULL), 3);
    CU_ASSERT_EQUAL(partner_total(), 3);

    /* One field changed: one update and its row. */
    e[1].create.partner.fee_bps = 21;
    CU_ASSERT_EQUAL_FATAL(lg_admin_import(svc, &who, e, 3, r, &bad, &out), LG_OK);
    CU_ASSERT_EQUAL(r[0].changed, 0);
    CU_ASSERT_EQUAL(r[1].changed, 1);
    CU_ASSERT_EQUAL(r[1].partner.fee_bps, 21);
    CU_ASSERT_EQUAL(audit_count("partner.import.update"), 1);

    /* A bad entry in the middle: nothing of the file is stored. */
    entry(&e[0], "delta", 1);
    entry(&e[1], "epsilon", 10001);
    entry(&e[2], "zeta", 3);
    CU_ASSERT_EQUAL(lg_admin_import(svc, &who, e, 3, r, &bad, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    CU_ASSERT_EQUAL(strncmp(out.message, "partners[1].platformFeePercentage", 33), 0);
    CU_ASSERT_EQUAL(r[0].secrets.api_key[0], '\0');
    CU_ASSERT_EQUAL(partner_total(), 3);

    /* Two entries with one prefix: refused by the store, index of the second. */
    entry(&e[1], "eta", 2);
    entry(&e[2], "delta", 3);
    CU_ASSERT_EQUAL(lg_admin_import(svc, &who, e, 3, r, &bad, &out), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(bad, 2);
    CU_ASSERT_EQUAL(lg_http_status(&out), 409);
    CU_ASSERT_EQUAL(strncmp(out.message, "partners[2].apiKeyPrefix", 24), 0);
    CU_ASSERT_EQUAL(partner_total(), 3);
    CU_ASSERT_EQUAL(audit_count(NULL), 4);
    CU_ASSERT_EQUAL(lg_admin_import(svc, &who, NULL, 0, NULL, &bad, &out), LG_OK);
}

/* The plan's partner_platforms.json parsed as the API and lendgatectl parse it. */
static lg_admin_import_entry *plan_entries(size_t *n)
{
    static const char doc[] = PLAN_PLATFORMS(PLAN_SETTLE_XYZ, PLAN_SETTLE_ABC);
    lg_admin_import_entry *e = NULL;
    size_t bad = 0;
    char msg[256] = "";
    lg_err rc = lg_parse_partner_platforms(doc, strlen(doc), &e, n, &bad, msg, sizeof msg);
    if (rc != LG_OK)
        fprintf(stderr, "\n  plan document: %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    CU_ASSERT_EQUAL_FATAL(*n, 2);
    return e;
}

static size_t key_count(const char *partner_id)
{
    lg_partner p;
    lg_api_key *keys = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_show(svc, partner_id, &p, &keys, &n, &out), LG_OK);
    free(keys);
    return n;
}

/* The plan's own file, imported: the plan's ids, flags and key, the acting admin as
 * createdBy; imported again (by another admin), nothing changes. */
static void test_import_plan_file(void)
{
    static const char *const ids[] = {"partner_xyz_lending_001", "partner_abc_finance_002"};
    static const char *const keys[] = {"pk_xyz_live_", "pk_abc_live_"};
    lg_admin_import_result r[2];
    lg_outcome out = {0};
    lg_partner got[2], again;
    size_t n = 0, bad = 99;
    fresh();
    lg_admin_import_entry *e = plan_entries(&n);
    lg_err rc = lg_admin_import(svc, &who, e, n, r, &bad, &out);
    if (rc != LG_OK)
        fprintf(stderr, "\n  import: %s (%d %s)\n", lg_errname(rc), lg_http_status(&out),
                out.message);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 200);
    for (size_t i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(r[i].created, 1);
        CU_ASSERT_STRING_EQUAL(r[i].partner.id, ids[i]);
        CU_ASSERT_EQUAL(strncmp(r[i].secrets.api_key, keys[i], strlen(keys[i])), 0);
        lg_partner by_key;
        CU_ASSERT_EQUAL(auth(r[i].secrets.api_key, t0, &by_key), LG_OK);
        CU_ASSERT_STRING_EQUAL(by_key.id, ids[i]);
        CU_ASSERT_FALSE(audit_holds(r[i].secrets.api_key));
        lg_admin_secrets_wipe(&r[i].secrets);
        CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, ids[i], &got[i]), LG_OK);
        CU_ASSERT_EQUAL(got[i].kyc_verified, 1);
        CU_ASSERT_EQUAL(got[i].contract_signed, 1);
        CU_ASSERT_STRING_EQUAL(got[i].created_by, "alice");
        CU_ASSERT_EQUAL(got[i].status, LG_PARTNER_ACTIVE);
        CU_ASSERT_EQUAL(got[i].contact_wallet[0], '\0');
        CU_ASSERT_EQUAL(lg_admin_key_env(svc, ids[i]), LG_APIKEY_LIVE);
    }
    CU_ASSERT_STRING_EQUAL(got[0].name, "XYZ Lending");
    CU_ASSERT_STRING_EQUAL(got[0].key_prefix, "xyz");
    CU_ASSERT_STRING_EQUAL(got[0].public_key, PUBKEY);
    CU_ASSERT_EQUAL(got[0].tier, LG_TIER_PREMIUM);
    CU_ASSERT_EQUAL(got[0].daily_limit, UINT64_C(100000000000));
    CU_ASSERT_EQUAL(got[0].total_limit, UINT64_C(500000000000));
    CU_ASSERT_EQUAL(got[0].fee_bps, 50);
    CU_ASSERT_STRING_EQUAL(got[0].settlement_address, "0x4b20993bc481177ec7e8f571cecae8a9e22c02db");
    CU_ASSERT_STRING_EQUAL(got[0].webhook_url, "https://xyz-lending.com/api/webhooks/mantle-rwa");
    CU_ASSERT_STRING_EQUAL(got[0].contact_email, "api@xyz-lending.com");
    CU_ASSERT_STRING_EQUAL(got[1].name, "ABC Finance");
    CU_ASSERT_STRING_EQUAL(got[1].key_prefix, "abc");
    CU_ASSERT_EQUAL(got[1].public_key[0], '\0');
    CU_ASSERT_EQUAL(got[1].tier, LG_TIER_BASIC);
    CU_ASSERT_EQUAL(got[1].daily_limit, UINT64_C(50000000000));
    CU_ASSERT_EQUAL(got[1].total_limit, UINT64_C(200000000000));
    CU_ASSERT_EQUAL(got[1].fee_bps, 75);
    CU_ASSERT_STRING_EQUAL(got[1].settlement_address, "0x1aa7451dd11b8cb16ac089ed7fe05efa00100a6a");
    CU_ASSERT_EQUAL(got[1].webhook_url[0], '\0');
    CU_ASSERT_STRING_EQUAL(got[1].contact_email, "dev@abc-finance.com");
    CU_ASSERT_EQUAL(audit_count("partner.import.create"), 2);
    CU_ASSERT_TRUE(audit_holds("\"createdBy\":\"alice\""));
    CU_ASSERT_TRUE(audit_holds("\"partnerId\":\"partner_abc_finance_002\""));

    /* The same file again, a minute later and by another admin: nothing changes. */
    lg_time_set_fixed(t0 + 60000);
    rc = lg_admin_import(svc, &bob, e, n, r, &bad, &out);
    if (rc != LG_OK)
        fprintf(stderr, "\n  import again: %s (%d %s)\n", lg_errname(rc), lg_http_status(&out),
                out.message);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    for (size_t i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(r[i].created, 0);
        CU_ASSERT_EQUAL(r[i].changed, 0);
        CU_ASSERT_EQUAL(r[i].secrets.api_key[0], '\0');
        CU_ASSERT_STRING_EQUAL(r[i].partner.id, ids[i]);
        CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, ids[i], &again), LG_OK);
        CU_ASSERT_TRUE(same_but(&again, &got[i], 0));
        CU_ASSERT_EQUAL(again.updated_at_ms, got[i].updated_at_ms);
        CU_ASSERT_EQUAL(key_count(ids[i]), 1);
    }
    CU_ASSERT_EQUAL(audit_count(NULL), 2);
    CU_ASSERT_EQUAL(partner_total(), 2);

    /* An entry for an existing prefix that names another partnerId: 400, nothing done. */
    snprintf(e[1].create.partner.id, sizeof e[1].create.partner.id, "partner_abc_finance_009");
    CU_ASSERT_EQUAL(lg_admin_import(svc, &who, e, n, r, &bad, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_EQUAL(strncmp(out.message, "partners[1].partnerId", 21), 0);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, "partner_abc_finance_009", &again), LG_ERR_NOT_FOUND);
    snprintf(e[1].create.partner.id, sizeof e[1].create.partner.id, "%s", ids[1]);

    /* A new field changed in the file: an update of that field alone. */
    e[0].create.partner.kyc_verified = 0;
    rc = lg_admin_import(svc, &bob, e, n, r, &bad, &out);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    CU_ASSERT_EQUAL(r[0].changed, 1);
    CU_ASSERT_EQUAL(r[1].changed, 0);
    CU_ASSERT_EQUAL(r[0].partner.kyc_verified, 0);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, ids[0], &again), LG_OK);
    CU_ASSERT_EQUAL(again.kyc_verified, 0);
    CU_ASSERT_TRUE(same_but(&again, &got[0], LG_PF_KYC));
    CU_ASSERT_STRING_EQUAL(again.created_by, "alice");
    CU_ASSERT_EQUAL(audit_count("partner.import.update"), 1);
    CU_ASSERT_EQUAL(partner_total(), 2);
    free(e);
}

/* A chosen partnerId that clashes, in the store or within the file, is refused
 * naming partnerId, and nothing of the file is stored. */
static void test_import_partner_id_clash(void)
{
    lg_admin_import_entry e[2];
    lg_admin_import_result r[2];
    lg_admin_secrets s0;
    lg_outcome out = {0};
    size_t bad = 99;
    fresh();
    lg_partner b = create("beta", 0, &s0);
    lg_admin_secrets_wipe(&s0);
    entry(&e[0], "gamma", 10);
    entry(&e[1], "delta", 10);
    snprintf(e[1].create.partner.id, sizeof e[1].create.partner.id, "%s", b.id);
    CU_ASSERT_EQUAL(lg_admin_import(svc, &who, e, 2, r, &bad, &out), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_http_status(&out), 409);
    CU_ASSERT_EQUAL(bad, 1);
    if (strncmp(out.message, "partners[1].partnerId", 21) != 0)
        fprintf(stderr, "\n  message \"%s\" does not name partners[1].partnerId\n", out.message);
    CU_ASSERT_EQUAL(strncmp(out.message, "partners[1].partnerId", 21), 0);
    CU_ASSERT_EQUAL(r[0].secrets.api_key[0], '\0');
    CU_ASSERT_EQUAL(partner_total(), 1);

    snprintf(e[0].create.partner.id, sizeof e[0].create.partner.id, "partner_same_001");
    snprintf(e[1].create.partner.id, sizeof e[1].create.partner.id, "partner_same_001");
    CU_ASSERT_EQUAL(lg_admin_import(svc, &who, e, 2, r, &bad, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_EQUAL(strncmp(out.message, "partners[1].partnerId", 21), 0);
    CU_ASSERT_EQUAL(partner_total(), 1);
    CU_ASSERT_EQUAL(audit_count(NULL), 1);
}

/* ------------------------------------------------------------ JSON, secrets */

static void test_json_and_wipe(void)
{
    lg_partner p;
    char buf[4096];
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "partner_acme_001");
    snprintf(p.name, sizeof p.name, "Acme \"Q\"");
    snprintf(p.webhook_secret, sizeof p.webhook_secret, "whsec_topsecret");
    snprintf(p.signing_secret, sizeof p.signing_secret, "sig_topsecret");
    p.total_limit = 18446744073709551615ULL;
    p.created_at_ms = t0;
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_json(&p, buf, sizeof buf), LG_OK);
    CU_ASSERT_PTR_NULL(strstr(buf, "topsecret"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"totalBorrowLimit\":\"18446744073709551615\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookSecretSet\":true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"signingSecretSet\":true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"partnerName\":\"Acme \\\"Q\\\"\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"createdAt\":\"2026-03-14T12:00:00.000Z\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ipAllowlist\":[]"));
    /* Exactly the plan's Partner fields and lendgate's own, in this order; no key,
     * hash or secret and none of the old names. */
    static const char want[] =
        "partnerId,partnerName,apiKeyPrefix,status,tier,dailyBorrowLimit,totalBorrowLimit,"
        "currentOutstanding,platformFeePercentage,settlementAddress,webhookUrl,contactEmail,"
        "contactWallet,publicKey,kycVerified,contractSigned,createdBy,rateLimitRpm,"
        "signingRequired,signingSecretSet,webhookSecretSet,webhookDisabledAt,"
        "webhookDisabledReason,webhookPreviousSecretValid,webhookPreviousSecretExpiresAt,"
        "ipAllowlist,totalBorrowed,totalRepaid,"
        "totalFees,repaymentBalance,createdAt,updatedAt";
    char keys[sizeof want + 64] = "";
    json_object *o = json_tokener_parse(buf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        size_t used = strlen(keys);
        snprintf(keys + used, sizeof keys - used, "%s%s", used ? "," : "", key);
    }
    json_object_put(o);
    CU_ASSERT_STRING_EQUAL(keys, want);
    static const char *const gone[] = {"\"id\":",         "\"name\":",   "\"dailyLimit\":",
                                       "\"totalLimit\":", "\"feeBps\":", "\"outstanding\":"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
        CU_ASSERT_PTR_NULL(strstr(buf, gone[i]));

    /* The plan's new fields as the audit shows them. */
    snprintf(p.contact_wallet, sizeof p.contact_wallet, WALLET);
    snprintf(p.public_key, sizeof p.public_key, PUBKEY);
    snprintf(p.created_by, sizeof p.created_by, "alice");
    p.kyc_verified = 1;
    p.outstanding = 5;
    p.fee_bps = 50;
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_json(&p, buf, sizeof buf), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"partnerId\":\"partner_acme_001\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"contactWallet\":\"" WALLET "\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"publicKey\":\"" PUBKEY "\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"kycVerified\":true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"contractSigned\":false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"createdBy\":\"alice\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"currentOutstanding\":\"5\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"platformFeePercentage\":50"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"status\":\"ACTIVE\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"tier\":\"BASIC\""));
    CU_ASSERT_EQUAL(lg_admin_partner_json(&p, buf, 40), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_admin_partner_json(NULL, buf, sizeof buf), LG_ERR_INVALID);

    lg_admin_secrets s;
    memset(&s, 'x', sizeof s);
    lg_admin_secrets_wipe(&s);
    static const lg_admin_secrets zero;
    CU_ASSERT_EQUAL(memcmp(&s, &zero, sizeof s), 0);
    lg_admin_secrets_wipe(NULL);
}

int main(void)
{
    static const lg_test_case tests[] = {
        {"create: ids, keys, secrets kept out of the audit", test_create_ids_and_keys},
        {"create: refusals name the field", test_create_refused},
        {"create: limits left out take the config's defaults", test_create_limit_defaults},
        {"create: the plan's fields, chosen partnerId, createdBy", test_create_plan_fields},
        {"key rotation with grace 0 and N", test_rotate_grace},
        {"signing secret rotation", test_signing_rotate},
        {"update each field and bad values", test_update_fields},
        {"update the plan's fields, createdBy kept", test_update_plan_fields},
        {"suspend and activate, idempotent", test_set_status},
        {"analytics over a scripted history", test_analytics},
        {"import: idempotent, all or nothing", test_import},
        {"import: the plan's partner_platforms.json, twice", test_import_plan_file},
        {"import: a clashing partnerId names partnerId", test_import_partner_id_clash},
        {"partner JSON and secrets wipe", test_json_and_wipe},
        {NULL, NULL},
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    lg_test_add_suite("admin", suite_init, suite_clean, tests);
    return lg_test_run("test_admin");
}
