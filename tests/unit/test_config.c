/* test_config.c - the configuration schema: defaults, files, every type's validation,
 * one-line errors with file:line, unknown and duplicate keys, environment overrides and
 * the documented example held to the schema. */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"

#include <lendgate/config.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The installed layout the defaults are built from (Makefile.am passes both). */
#ifndef LG_PKGSYSCONFDIR
#define LG_PKGSYSCONFDIR "/etc/lendgate"
#endif
#ifndef LG_PKGSTATEDIR
#define LG_PKGSTATEDIR "/var/lib/lendgate"
#endif

static char tmpdir[512];

/* Every LENDGATE_* variable the loader reads, so the caller's environment cannot
 * change what a test sees. */
static void clear_env(void)
{
    unsetenv("LENDGATE_CONFIG");
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *s, *k, *d;
        char var[128];
        if (lg_config_schema_at(i, &s, &k, &d) != LG_OK)
            continue;
        snprintf(var, sizeof var, "LENDGATE_%s_%s", s, k);
        for (char *p = var; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        unsetenv(var);
    }
}

static int suite_init(void)
{
    clear_env();
    return lg_test_mkdtemp(tmpdir, sizeof tmpdir);
}

static int suite_clean(void)
{
    clear_env();
    lg_test_rmtree(tmpdir);
    return 0;
}

/* Writes text to <tmpdir>/name and its path into path. */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* Loads text from a fresh file; on failure checks the contract that *out is NULL and
 * err is exactly one line. */
static lg_err load_text(const char *text, lg_config **out, char *path, size_t plen, char *err,
                        size_t errlen)
{
    write_file("t.conf", text, path, plen);
    lg_err rc = lg_config_load(path, out, err, errlen);
    if (rc != LG_OK) {
        CU_ASSERT_PTR_NULL(*out);
        CU_ASSERT(err[0] != '\0');
        CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    }
    return rc;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_defaults(void)
{
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    CU_ASSERT_STRING_EQUAL(lg_config_file(cfg), "");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "backend"), "sqlite");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "path"), LG_PKGSTATEDIR "/lendgate.db");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "state_dir"), LG_PKGSTATEDIR);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "chain", "platform_key_file"),
                           LG_PKGSYSCONFDIR "/platform.key");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "mongodb_uri"), "");
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "busy_timeout_ms"), 5000);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "busy_timeout_ms"), "5000");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "chain", "rpc_url"), "http://127.0.0.1:8545");
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "chain", "chain_id"), 31337);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "chain", "oaid_address"), "");
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "chain", "receipt_timeout_ms"), 20000);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "http", "max_body_bytes"), 65536);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "ratelimit", "enterprise_rpm"), 2000);
    CU_ASSERT_EQUAL(lg_config_bool(cfg, "admin", "trust_remote_user"), 0);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "admin", "trust_remote_user"), "false");
    CU_ASSERT_EQUAL(lg_config_csv_count(cfg, "admin", "admins"), 0);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "admin", "key_grace_seconds"), 86400);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "log", "level"), "info");
    size_t n = 0;
    const uint64_t *sched = lg_config_list(cfg, "webhook", "retry_schedule", &n);
    static const uint64_t want[] = {120, 240, 480, 960, 3600, 7200, 18000, 36000, 86400, 86400};
    CU_ASSERT_EQUAL_FATAL(n, 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sched);
    CU_ASSERT(memcmp(sched, want, sizeof want) == 0);
    lg_config_free(cfg);
}

static void test_unknown_and_mistyped_getters(void)
{
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    CU_ASSERT_PTR_NULL(lg_config_str(cfg, "store", "nope"));
    CU_ASSERT_PTR_NULL(lg_config_str(cfg, "nope", "path"));
    CU_ASSERT_PTR_NULL(lg_config_str(cfg, NULL, "path"));
    CU_ASSERT_PTR_NULL(lg_config_str(NULL, "store", "path"));
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "backend"), 0); /* an enum, not a u64 */
    CU_ASSERT_EQUAL(lg_config_bool(cfg, "store", "busy_timeout_ms"), 0);
    size_t n = 9;
    CU_ASSERT_PTR_NULL(lg_config_list(cfg, "store", "path", &n));
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_PTR_NULL(lg_config_csv_item(cfg, "admin", "admins", 0));
    CU_ASSERT_EQUAL(lg_config_csv_has(cfg, "admin", "admins", NULL), 0);
    CU_ASSERT_STRING_EQUAL(lg_config_file(NULL), "");
    CU_ASSERT_EQUAL(lg_config_defaults(NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_load("/x", NULL, NULL, 0), LG_ERR_INVALID);
    lg_config_free(NULL);
    lg_config_free(cfg);
}

static void test_schema_accessors(void)
{
    const char *s, *k, *d;
    size_t n = lg_config_schema_count();
    CU_ASSERT(n >= 31);
    CU_ASSERT_EQUAL(lg_config_schema_at(n, &s, &k, &d), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_schema_at(0, NULL, &k, &d), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_schema_at(0, &s, NULL, &d), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_schema_at(0, &s, &k, NULL), LG_ERR_INVALID);
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL_FATAL(lg_config_schema_at(i, &s, &k, &d), LG_OK);
        CU_ASSERT_PTR_NOT_NULL(lg_config_str(cfg, s, k));
        for (size_t j = 0; j < i; j++) { /* no key listed twice */
            const char *s2, *k2, *d2;
            lg_config_schema_at(j, &s2, &k2, &d2);
            CU_ASSERT(strcmp(s, s2) != 0 || strcmp(k, k2) != 0);
        }
    }
    lg_config_free(cfg);
}

static void test_good_file(void)
{
    char path[1024], err[512];
    lg_config *cfg = NULL;
    lg_test_srcpath(path, sizeof path, "tests/data/config/good.conf");
    CU_ASSERT_EQUAL_FATAL(lg_config_load(path, &cfg, err, sizeof err), LG_OK);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_STRING_EQUAL(lg_config_file(cfg), path);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "backend"), "mongodb");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "path"), "/srv/lendgate/db.sqlite");
    /* ';' without a space before it is part of the value, not a comment */
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "mongodb_uri"),
                           "mongodb://lendgate:s3cret@db1:27017,db2:27017/"
                           "lendgate?replicaSet=rs0;x=1");
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "busy_timeout_ms"), 7500);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "chain", "rpc_url"),
                           "https://rpc.example.net:8443/v3/abc");
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "chain", "chain_id"), 5000);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "chain", "usdc_address"),
                           "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0");
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "chain", "receipt_timeout_ms"), 0);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "chain", "gas_margin_pct"), 500);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "ratelimit", "premium_rpm"), 1000000);
    CU_ASSERT_EQUAL(lg_config_csv_count(cfg, "http", "trusted_proxies"), 3);
    CU_ASSERT_STRING_EQUAL(lg_config_csv_item(cfg, "http", "trusted_proxies", 1), "::1");
    CU_ASSERT_PTR_NULL(lg_config_csv_item(cfg, "http", "trusted_proxies", 3));
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "http", "trusted_proxies"),
                           "127.0.0.1,::1,10.0.0.0/8");
    CU_ASSERT_EQUAL(lg_config_bool(cfg, "admin", "trust_remote_user"), 1);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "admin", "trust_remote_user"), "true");
    CU_ASSERT(lg_config_csv_has(cfg, "admin", "admins", "bob@example.com"));
    CU_ASSERT(!lg_config_csv_has(cfg, "admin", "admins", "Alice"));
    CU_ASSERT(!lg_config_csv_has(cfg, "admin", "admins", "bob"));
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "log", "level"), "debug");
    size_t n = 0;
    const uint64_t *sched = lg_config_list(cfg, "webhook", "retry_schedule", &n);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT(sched[0] == 5 && sched[1] == 5 && sched[2] == 30);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "webhook", "retry_schedule"), "5,5,30");
    lg_config_free(cfg);
}

static void test_bom_crlf_and_layout(void)
{
    char path[1024], err[512];
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(load_text("\xEF\xBB\xBF[store]\r\n"
                                    "  busy_timeout_ms=42\r\n"
                                    "\r\n"
                                    "# a comment\r\n"
                                    "[log]\r\n"
                                    "level: warn\r\n",
                                    &cfg, path, sizeof path, err, sizeof err),
                          LG_OK);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "busy_timeout_ms"), 42);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "log", "level"), "warn");
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "backend"), "sqlite"); /* default */
    lg_config_free(cfg);
}

typedef struct {
    const char *section, *key, *value, *problem;
} bad_case;

static const bad_case bad_values[] = {
    {"chain", "chain_id", "abc", "'abc' is not a whole number"},
    {"chain", "chain_id", "0", "0 is below the minimum 1"},
    {"chain", "chain_id", "9007199254740992",
     "9007199254740992 is above the maximum "
     "9007199254740991"},
    {"chain", "chain_id", "0x10", "'0x10' is not a whole number"},
    {"store", "busy_timeout_ms", "-5", "'-5' is not a whole number"},
    {"store", "busy_timeout_ms", "5 000", "'5 000' is not a whole number"},
    {"store", "busy_timeout_ms", "1e3", "'1e3' is not a whole number"},
    {"store", "busy_timeout_ms", "99999999999999999999999", "is above the maximum 600000"},
    {"store", "busy_timeout_ms", "", "a value is required"},
    {"http", "max_body_bytes", "1023", "1023 is below the minimum 1024"},
    {"ratelimit", "ip_rpm", "1000001", "1000001 is above the maximum 1000000"},
    /* The table grows by ~830 bytes a slot: a million slots map about 830 MiB. */
    {"ratelimit", "slots", "1048577", "1048577 is above the maximum 1048576"},
    {"store", "backend", "postgres", "'postgres' is not one of: sqlite, mongodb"},
    {"log", "level", "verbose", "'verbose' is not one of: debug, info, warn, error, off"},
    {"admin", "trust_remote_user", "maybe", "'maybe' is not a boolean"},
    {"admin", "trust_remote_user", "", "a value is required"},
    {"chain", "oaid_address", "0x1234", "'0x1234' is not an address"},
    {"chain", "vault_address", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F051g", "is not an address"},
    {"chain", "usdc_address", "9fe46736679d2d9a65f0992f2272de9f3c7fa6e0aa", "is not an address"},
    {"chain", "usdc_address", "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e00", "is not an address"},
    {"chain", "rpc_url", "ftp://node.example", "is not an http:// or https:// URL with a host"},
    {"chain", "rpc_url", "http://", "is not an http:// or https:// URL with a host"},
    {"chain", "rpc_url", "http://:8545/", "is not an http:// or https:// URL with a host"},
    {"chain", "rpc_url", "http://node:99999", "is not an http:// or https:// URL with a host"},
    {"chain", "rpc_url", "node.example:8545", "is not an http:// or https:// URL with a host"},
    {"store", "path", "relative/lendgate.db", "'relative/lendgate.db' is not an absolute path"},
    {"store", "state_dir", "", "a value is required"},
    {"chain", "platform_key_file", "platform.key", "is not an absolute path"},
    {"webhook", "retry_schedule", "10,5", "item 2: 5 is smaller than the item before it"},
    {"webhook", "retry_schedule", "10,,20", "item 2 is empty"},
    {"webhook", "retry_schedule", "10,", "item 2 is empty"},
    {"webhook", "retry_schedule", "10,x", "item 2: 'x' is not a whole number"},
    {"webhook", "retry_schedule", "0,10", "item 1: 0 is below the minimum 1"},
    {"webhook", "retry_schedule", "10,604801", "item 2: 604801 is above the maximum 604800"},
    {"webhook", "retry_schedule", "", "a value is required"},
    {"http", "trusted_proxies", "10.0.0.1,,10.0.0.2", "item 2 is empty"},
    {"admin", "admins", "alice, bob smith", "item 2 contains a space"},
    {"store", "mongodb_uri", "mongodb://h/\x01", "the value contains a control character"},
};

/* Each bad value, written in a file, fails with "<file>:<line>: [section] key: problem". */
static void test_bad_values_in_file(void)
{
    for (size_t i = 0; i < sizeof bad_values / sizeof *bad_values; i++) {
        const bad_case *c = &bad_values[i];
        char text[512], path[1024], err[512], want[1200];
        lg_config *cfg = NULL;
        snprintf(text, sizeof text, "[%s]\n# comment\n%s = %s\n", c->section, c->key, c->value);
        CU_ASSERT_EQUAL(load_text(text, &cfg, path, sizeof path, err, sizeof err), LG_ERR_CONFIG);
        snprintf(want, sizeof want, "%s:3: [%s] %s: ", path, c->section, c->key);
        int ok = starts_with(err, want) && strstr(err, c->problem) != NULL;
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "\n  [%s] %s = '%s'\n  got:  %s\n  want: %s...%s\n", c->section, c->key,
                    c->value, err, want, c->problem);
        lg_config_free(cfg);
    }
}

/* The same values through lg_config_set: same checks, and a failed set changes nothing. */
static void test_bad_values_through_set(void)
{
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    for (size_t i = 0; i < sizeof bad_values / sizeof *bad_values; i++) {
        const bad_case *c = &bad_values[i];
        char before[256], err[512], want[256];
        snprintf(before, sizeof before, "%s", lg_config_str(cfg, c->section, c->key));
        CU_ASSERT_EQUAL(lg_config_set(cfg, c->section, c->key, c->value, err, sizeof err),
                        LG_ERR_CONFIG);
        snprintf(want, sizeof want, "[%s] %s: ", c->section, c->key);
        CU_ASSERT(starts_with(err, want) && strstr(err, c->problem) != NULL);
        CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, c->section, c->key), before);
    }
    lg_config_free(cfg);
}

typedef struct {
    const char *section, *key, *value, *stored;
} good_case;

static const good_case good_values[] = {
    {"admin", "trust_remote_user", "YES", "true"},
    {"admin", "trust_remote_user", "on", "true"},
    {"admin", "trust_remote_user", "1", "true"},
    {"admin", "trust_remote_user", "Off", "false"},
    {"admin", "trust_remote_user", "no", "false"},
    {"admin", "trust_remote_user", "0", "false"},
    {"store", "backend", "MongoDB", "mongodb"},
    {"store", "busy_timeout_ms", "007", "7"},
    {"store", "busy_timeout_ms", "600000", "600000"},
    {"chain", "chain_id", "9007199254740991", "9007199254740991"},
    {"chain", "receipt_timeout_ms", "0", "0"},
    {"webhook", "retry_schedule", " 10 , 10,20 ", "10,10,20"},
    {"webhook", "retry_schedule", "604800", "604800"},
    {"admin", "admins", " alice , bob@example.com", "alice,bob@example.com"},
    {"admin", "admins", "", ""},
    {"chain", "rpc_url", "https://user:pw@rpc.example.com:443/v3/abc?x=1#f",
     "https://user:pw@rpc.example.com:443/v3/abc?x=1#f"},
    {"chain", "rpc_url", "http://[::1]:8545", "http://[::1]:8545"},
    {"chain", "rpc_url", "HTTP://localhost", "HTTP://localhost"},
    {"chain", "oaid_address", "0x5FbDB2315678afecb367f032d93F642f64180aa3",
     "0x5FbDB2315678afecb367f032d93F642f64180aa3"},
    {"chain", "oaid_address", "", ""},
    {"store", "mongodb_uri", "", ""},
    {"store", "path", "/tmp/with space/x.db", "/tmp/with space/x.db"},
};

static void test_good_values_through_set(void)
{
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    for (size_t i = 0; i < sizeof good_values / sizeof *good_values; i++) {
        const good_case *c = &good_values[i];
        char err[512] = "x";
        lg_err rc = lg_config_set(cfg, c->section, c->key, c->value, err, sizeof err);
        CU_ASSERT_EQUAL(rc, LG_OK);
        if (rc != LG_OK)
            fprintf(stderr, "\n  [%s] %s = '%s': %s\n", c->section, c->key, c->value, err);
        CU_ASSERT_STRING_EQUAL(err, "");
        CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, c->section, c->key), c->stored);
    }
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "busy_timeout_ms"), 600000);
    lg_config_free(cfg);
}

static void test_set_errors(void)
{
    lg_config *cfg = NULL;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "rpc_urll", "http://x", err, sizeof err),
                    LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(err, "[chain] rpc_urll: unknown key");
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chian", "rpc_url", "http://x", err, sizeof err),
                    LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(err, "[chian] rpc_url: unknown section");
    CU_ASSERT_EQUAL(lg_config_set(NULL, "chain", "chain_id", "1", err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_set(cfg, NULL, "chain_id", "1", err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", NULL, "1", err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "chain_id", NULL, err, sizeof err), LG_ERR_INVALID);
    /* err may be NULL or short: the message is cut, still terminated */
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "chain_id", "x", NULL, 0), LG_ERR_CONFIG);
    char tiny[8];
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "chain_id", "x", tiny, sizeof tiny), LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(tiny, "[chain]");
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "chain_id", "a\nb", err, sizeof err),
                    LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(err, "[chain] chain_id: the value contains a control character");
    lg_config_free(cfg);
}

/* Values that may carry credentials are never quoted back in a message. */
static void test_secrets_not_echoed(void)
{
    lg_config *cfg = NULL;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
    CU_ASSERT_EQUAL(
        lg_config_set(cfg, "chain", "rpc_url", "wss://node/v3/TOPSECRETTOKEN", err, sizeof err),
        LG_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(strstr(err, "TOPSECRET"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "[chain] rpc_url: the value is not"));
    CU_ASSERT_EQUAL(
        lg_config_set(cfg, "store", "mongodb_uri", "mongodb://u:hunter2@h/\x01", err, sizeof err),
        LG_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
    /* a private key pasted where an address belongs */
    const char *pk = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "vault_address", pk, err, sizeof err),
                    LG_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(strstr(err, "4c0883a69102937d"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the value is not an address"));
    /* an API key pasted into a word list is masked by the scrubber */
    CU_ASSERT_EQUAL(lg_config_set(cfg, "webhook", "retry_schedule",
                                  "pk_acme_live_0123456789abcdef0123456789abcdef", err, sizeof err),
                    LG_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(strstr(err, "0123456789abcdef"));
    lg_config_free(cfg);
}

static void expect_load_error(const char *text, lg_err want_rc, int line, const char *tail)
{
    char path[1024], err[512], want[1200];
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL(load_text(text, &cfg, path, sizeof path, err, sizeof err), want_rc);
    snprintf(want, sizeof want, "%s:%d: %s", path, line, tail);
    int ok = starts_with(err, want);
    CU_ASSERT(ok);
    if (!ok)
        fprintf(stderr, "\n  got:  %s\n  want: %s...\n", err, want);
    lg_config_free(cfg);
}

static void test_unknown_keys_and_sections(void)
{
    expect_load_error("[store]\nbackend = sqlite\n\n[chain]\nrpc_urll = http://x\n", LG_ERR_CONFIG,
                      5, "[chain] rpc_urll: unknown key");
    expect_load_error("# comment\n[chian]\nrpc_url = http://x\n", LG_ERR_CONFIG, 2,
                      "[chian]: unknown section");
    expect_load_error("[store]\n[Store]\n", LG_ERR_CONFIG, 2, "[Store]: unknown section");
    expect_load_error("[store]\nBackend = sqlite\n", LG_ERR_CONFIG, 2,
                      "[store] Backend: unknown key");
    expect_load_error("chain_id = 1\n[chain]\n", LG_ERR_CONFIG, 1,
                      "chain_id: key outside any [section]");
    /* a key of another section is unknown where it stands */
    expect_load_error("[store]\nchain_id = 1\n", LG_ERR_CONFIG, 2, "[store] chain_id: unknown key");
}

static void test_duplicate_keys(void)
{
    expect_load_error("[store]\nbusy_timeout_ms = 1\nbusy_timeout_ms = 1\n", LG_ERR_CONFIG, 3,
                      "[store] busy_timeout_ms: given twice (first on line 2)");
    expect_load_error("[store]\npath = /a\n[chain]\nchain_id = 1\n[store]\npath = /b\n",
                      LG_ERR_CONFIG, 6, "[store] path: given twice (first on line 2)");
    /* a section given twice with different keys is fine */
    char path[1024], err[512];
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL(load_text("[store]\npath = /a\n[chain]\n[store]\nstate_dir = /s\n", &cfg, path,
                              sizeof path, err, sizeof err),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "store", "state_dir"), "/s");
    lg_config_free(cfg);
}

static void test_syntax_errors(void)
{
    expect_load_error("[store\npath = /a\n", LG_ERR_CONFIG, 1, "syntax error");
    expect_load_error("[store]\njust words\n", LG_ERR_CONFIG, 2, "syntax error");
    /* inih would fold an indented line into the previous value: refused */
    expect_load_error("[store]\npath = /a\n   /b\n", LG_ERR_CONFIG, 3, "syntax error");
    char text[600];
    memset(text, 0, sizeof text);
    strcpy(text, "[store]\npath = /");
    memset(text + strlen(text), 'a', 300);
    strcat(text, "\n");
    expect_load_error(text, LG_ERR_CONFIG, 2, "line longer than");
}

static void test_missing_and_unreadable_files(void)
{
    char err[512], path[1024];
    lg_config *cfg = (lg_config *)&cfg; /* must come back NULL */
    snprintf(path, sizeof path, "%s/no-such-dir/lendgate.conf", tmpdir);
    CU_ASSERT_EQUAL(lg_config_load(path, &cfg, err, sizeof err), LG_ERR_IO);
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT(starts_with(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    CU_ASSERT_EQUAL(lg_config_load(tmpdir, &cfg, err, sizeof err), LG_ERR_IO);
    CU_ASSERT(starts_with(err, tmpdir));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
    CU_ASSERT_EQUAL(lg_config_load(path, &cfg, NULL, 0), LG_ERR_IO);
}

static void test_env_overrides(void)
{
    char path[1024], err[512];
    lg_config *cfg = NULL;
    write_file("env.conf", "[store]\nbusy_timeout_ms = 6000\n[chain]\nchain_id = 5\n", path,
               sizeof path);
    setenv("LENDGATE_STORE_BUSY_TIMEOUT_MS", "7000", 1);
    setenv("LENDGATE_CHAIN_OAID_ADDRESS", "", 1); /* empty is allowed here */
    setenv("LENDGATE_ADMIN_TRUST_REMOTE_USER", "on", 1);
    CU_ASSERT_EQUAL_FATAL(lg_config_load(path, &cfg, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "busy_timeout_ms"), 7000);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "chain", "chain_id"), 5); /* the file still counts */
    CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, "chain", "oaid_address"), "");
    CU_ASSERT_EQUAL(lg_config_bool(cfg, "admin", "trust_remote_user"), 1);
    lg_config_free(cfg);

    setenv("LENDGATE_STORE_BUSY_TIMEOUT_MS", "0", 1);
    CU_ASSERT_EQUAL(lg_config_load(path, &cfg, err, sizeof err), LG_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(cfg);
    CU_ASSERT_STRING_EQUAL(err,
                           "LENDGATE_STORE_BUSY_TIMEOUT_MS: [store] busy_timeout_ms: 0 is below "
                           "the minimum 1");
    setenv("LENDGATE_STORE_BUSY_TIMEOUT_MS", "", 1);
    CU_ASSERT_EQUAL(lg_config_load(path, &cfg, err, sizeof err), LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(err, "LENDGATE_STORE_BUSY_TIMEOUT_MS: [store] busy_timeout_ms: a value "
                                "is required");
    static char long_path[5002];
    long_path[0] = '/';
    memset(long_path + 1, 'a', 5000);
    setenv("LENDGATE_STORE_BUSY_TIMEOUT_MS", "6500", 1);
    setenv("LENDGATE_STORE_PATH", long_path, 1);
    CU_ASSERT_EQUAL(lg_config_load(path, &cfg, err, sizeof err), LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(err, "LENDGATE_STORE_PATH: [store] path: the value is longer than "
                                "4096 characters");
    long_path[4096] = '\0'; /* an environment value may be longer than a file line */
    setenv("LENDGATE_STORE_PATH", long_path, 1);
    CU_ASSERT_EQUAL_FATAL(lg_config_load(path, &cfg, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL(strlen(lg_config_str(cfg, "store", "path")), 4096);
    lg_config_free(cfg);
    clear_env();

    /* LENDGATE_CONFIG names the file when no path is given */
    setenv("LENDGATE_CONFIG", path, 1);
    CU_ASSERT_EQUAL_FATAL(lg_config_load(NULL, &cfg, err, sizeof err), LG_OK);
    CU_ASSERT_STRING_EQUAL(lg_config_file(cfg), path);
    CU_ASSERT_EQUAL(lg_config_u64(cfg, "store", "busy_timeout_ms"), 6000);
    lg_config_free(cfg);
    clear_env();
}

static void test_default_path(void)
{
    char err[512];
    lg_config *cfg = NULL;
    setenv("LENDGATE_CONFIG", "", 1); /* empty means unset */
    lg_err rc = lg_config_load(NULL, &cfg, err, sizeof err);
    const char *named = rc == LG_OK ? lg_config_file(cfg) : err;
    CU_ASSERT_PTR_NOT_NULL(strstr(named, "/lendgate.conf"));
    lg_config_free(cfg);
    clear_env();
}

static void test_mongodb_needs_uri(void)
{
    char path[1024], err[512];
    lg_config *cfg = NULL;
    CU_ASSERT_EQUAL(
        load_text("[store]\nbackend = mongodb\n", &cfg, path, sizeof path, err, sizeof err),
        LG_ERR_CONFIG);
    CU_ASSERT(starts_with(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "[store] mongodb_uri: required"));
    setenv("LENDGATE_STORE_MONGODB_URI", "mongodb://127.0.0.1:27017/lendgate", 1);
    CU_ASSERT_EQUAL(lg_config_load(path, &cfg, err, sizeof err), LG_OK);
    lg_config_free(cfg);
    clear_env();
}

/* One documented key in the example: "# key = value" or "key = value". */
typedef struct {
    char section[64], key[64], value[256];
    int line, commented_before;
} doc_key;

static int parse_doc_line(const char *line, const char *section, doc_key *k)
{
    const char *p = line;
    if (*p == '#' || *p == ';')
        p++;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '_')
        n++;
    const char *q = p + n;
    while (*q == ' ')
        q++;
    if (n == 0 || n >= sizeof k->key || *q != '=')
        return 0;
    snprintf(k->section, sizeof k->section, "%s", section);
    snprintf(k->key, sizeof k->key, "%.*s", (int)n, p);
    q++;
    while (*q == ' ')
        q++;
    snprintf(k->value, sizeof k->value, "%s", q);
    k->value[strcspn(k->value, "\r\n")] = '\0';
    return 1;
}

static size_t read_doc_keys(const char *path, doc_key *keys, size_t cap)
{
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[512], section[64] = "", prev[512] = "";
    size_t n = 0;
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '[')
            snprintf(section, sizeof section, "%.*s", (int)strcspn(line + 1, "]"), line + 1);
        else if (n < cap && parse_doc_line(line, section, &keys[n])) {
            keys[n].line = lineno;
            /* the line before is a comment that is not itself a key line */
            doc_key scratch;
            keys[n].commented_before =
                prev[0] == '#' && strlen(prev) > 2 && !parse_doc_line(prev, section, &scratch);
            n++;
        }
        snprintf(prev, sizeof prev, "%s", line);
    }
    fclose(f);
    return n;
}

/* The example is written for the system layout (/etc/lendgate, /var/lib/lendgate);
 * make install writes it with the configured directories, as the defaults are built.
 * Into out: value with that layout's directory replaced by this build's. */
static const char *installed_value(const char *value, char *out, size_t len)
{
    static const struct {
        const char *written, *built;
    } dirs[] = {{"/etc/lendgate", LG_PKGSYSCONFDIR}, {"/var/lib/lendgate", LG_PKGSTATEDIR}};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        size_t n = strlen(dirs[i].written);
        if (strncmp(value, dirs[i].written, n) == 0 && (value[n] == '\0' || value[n] == '/')) {
            snprintf(out, len, "%s%s", dirs[i].built, value + n);
            return out;
        }
    }
    snprintf(out, len, "%s", value);
    return out;
}

static void test_example_covers_schema(void)
{
    char path[1024];
    doc_key keys[128];
    lg_test_srcpath(path, sizeof path, "etc/lendgate.conf.example");
    size_t nkeys = read_doc_keys(path, keys, 128);
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *s, *k, *d;
        lg_config_schema_at(i, &s, &k, &d);
        int found = 0;
        for (size_t j = 0; j < nkeys; j++) {
            if (strcmp(keys[j].section, s) || strcmp(keys[j].key, k))
                continue;
            char value[512];
            found++;
            CU_ASSERT_STRING_EQUAL(installed_value(keys[j].value, value, sizeof value), d);
            CU_ASSERT(keys[j].commented_before);
        }
        CU_ASSERT_EQUAL(found, 1);
        if (found != 1)
            fprintf(stderr, "\n  [%s] %s documented %d times in the example\n", s, k, found);
    }
    for (size_t j = 0; j < nkeys; j++) { /* and nothing documented that does not exist */
        lg_config *cfg = NULL;
        CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&cfg), LG_OK);
        CU_ASSERT_PTR_NOT_NULL(lg_config_str(cfg, keys[j].section, keys[j].key));
        lg_config_free(cfg);
    }
}

static void test_example_loads_as_defaults(void)
{
    char path[1024], err[512];
    lg_config *cfg = NULL, *def = NULL;
    lg_test_srcpath(path, sizeof path, "etc/lendgate.conf.example");
    CU_ASSERT_EQUAL_FATAL(lg_config_load(path, &cfg, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_config_defaults(&def), LG_OK);
    for (size_t i = 0; i < lg_config_schema_count(); i++) {
        const char *s, *k, *d;
        lg_config_schema_at(i, &s, &k, &d);
        CU_ASSERT_STRING_EQUAL(lg_config_str(cfg, s, k), lg_config_str(def, s, k));
    }
    lg_config_free(def);
    lg_config_free(cfg);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"defaults", test_defaults},
        {"unknown and mistyped getters", test_unknown_and_mistyped_getters},
        {"schema accessors", test_schema_accessors},
        {"good file", test_good_file},
        {"BOM, CRLF and layout", test_bom_crlf_and_layout},
        {"bad values in a file", test_bad_values_in_file},
        {"bad values through set", test_bad_values_through_set},
        {"good values through set", test_good_values_through_set},
        {"set errors", test_set_errors},
        {"secrets not echoed", test_secrets_not_echoed},
        {"unknown keys and sections", test_unknown_keys_and_sections},
        {"duplicate keys", test_duplicate_keys},
        {"syntax errors", test_syntax_errors},
        {"missing and unreadable files", test_missing_and_unreadable_files},
        {"environment overrides", test_env_overrides},
        {"default path", test_default_path},
        {"mongodb needs a uri", test_mongodb_needs_uri},
        {"example covers the schema", test_example_covers_schema},
        {"example loads as the defaults", test_example_loads_as_defaults},
        {NULL, NULL},
    };
    lg_test_add_suite("config", suite_init, suite_clean, tests);
    return lg_test_run("test_config");
}
