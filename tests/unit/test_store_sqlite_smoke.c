/*
 * test_store_sqlite_smoke.c - what only the SQLite backend can show: the file it
 * creates, its PRAGMAs, schema_migrations, refusal of a newer schema, busy
 * handling, checked 64-bit values, backend selection, rows no operation reads back
 * (an outbox payload, a key revoked in the file), and many processes writing one
 * file at once.
 */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"
#include "store_fixture.h"

#include "../../src/store/sqlite/sqlite_internal.h"

#include <lendgate/events.h>
#include <lendgate/store.h>
#include <lendgate/store_backend.h>
#include <lendgate/time.h>

#include <inttypes.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW_MS  INT64_C(1773489600000) /* 2026-03-14T12:00:00Z */
#define SCHEMA  11                     /* migrations in sql/ */
#define PARTNER "partner_acme_001"
#define WALLET  "0x1111111111111111111111111111111111111111"
#define SIGNER  "0xAbCdEf0123456789abcdef0123456789ABCDEF01"

static char dir[512];
static char path[600];

static int suite_init(void)
{
    lg_time_set_fixed(NOW_MS);
    return 0;
}

static int suite_clean(void)
{
    lg_time_set_fixed(-1);
    return 0;
}

/* A fresh directory and database path for one test. */
static void fresh(void)
{
    if (dir[0])
        lg_test_rmtree(dir);
    CU_ASSERT_FATAL(lg_test_mkdtemp(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/lendgate.db", dir);
}

static lg_store *open_migrated(int busy_ms)
{
    lg_store *st = NULL;
    CU_ASSERT_FATAL(lg_store_open("sqlite", path, busy_ms, &st) == LG_OK);
    CU_ASSERT_FATAL(lg_store_migrate(st, NULL) == LG_OK);
    return st;
}

static sqlite3 *raw_open(void)
{
    sqlite3 *db = NULL;
    CU_ASSERT_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    return db;
}

/* First column of the first row of sql as text ("" when none). */
static void raw_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_text(s, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

/* Onboards PARTNER; out: *key (may be NULL) its first key. */
static void make_partner_key(lg_store *st, uint64_t daily, uint64_t total, lg_api_key *key)
{
    lg_partner p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, PARTNER);
    strcpy(p.name, "Acme Lending");
    strcpy(p.key_prefix, "acme");
    p.status = LG_PARTNER_ACTIVE;
    p.daily_limit = daily;
    p.total_limit = total;
    p.fee_bps = 50;
    strcpy(p.settlement_address, WALLET);
    CU_ASSERT_FATAL(lg_test_partner_add(st, &p, key) == LG_OK);
}

static void make_partner(lg_store *st, uint64_t daily, uint64_t total)
{
    make_partner_key(st, daily, total, NULL);
}

static void loan_request(lg_loan *l, const char *partner_loan_id, uint64_t amount)
{
    memset(l, 0, sizeof *l);
    strcpy(l->partner_id, PARTNER);
    snprintf(l->partner_loan_id, sizeof l->partner_loan_id, "%s", partner_loan_id);
    strcpy(l->user_wallet, WALLET);
    strcpy(l->oaid, "42");
    strcpy(l->position_id, "7");
    l->amount = amount;
    l->fee = amount / 200;
    l->net = amount - l->fee;
}

/* ------------------------------------------------------------ file and pragmas */

static void test_file_mode_wal_and_migrations(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    struct stat sb;
    CU_ASSERT_FATAL(stat(path, &sb) == 0);
    CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", path);
    CU_ASSERT_FATAL(stat(wal, &sb) == 0);
    CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
    CU_ASSERT_STRING_EQUAL(lg_store_backend_name(st), "sqlite");

    sqlite3 *db = raw_open();
    char text[64];
    raw_text(db, "PRAGMA journal_mode", text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "wal");
    raw_text(db,
             "SELECT name || ':' || (applied_at_ms > 0) FROM schema_migrations "
             "WHERE version = 1",
             text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "init:1");
    sqlite3_close(db);

    int applied = -1, version = -1;
    CU_ASSERT_EQUAL(lg_store_migrate(st, &applied), LG_OK);
    CU_ASSERT_EQUAL(applied, 0);
    CU_ASSERT_EQUAL(lg_store_schema_version(st, &version), LG_OK);
    CU_ASSERT_EQUAL(version, SCHEMA);
    lg_store_close(st);
}

static void test_first_migration_counts(void)
{
    fresh();
    lg_store *st = NULL;
    int applied = -1, version = -1;
    CU_ASSERT_FATAL(lg_store_open("sqlite", path, 1000, &st) == LG_OK);
    CU_ASSERT_EQUAL(lg_store_schema_version(st, &version), LG_OK);
    CU_ASSERT_EQUAL(version, 0);
    lg_partner p;
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_ERR_SCHEMA);
    CU_ASSERT_EQUAL(lg_store_migrate(st, &applied), LG_OK);
    CU_ASSERT_EQUAL(applied, SCHEMA);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_ERR_NOT_FOUND);
    lg_store_close(st);
}

/* A database of schema 1 with books in it, as an operator upgrades it: migration 2
 * keeps every ledger row and partner total, and starts every balance at zero. */
static void test_upgrade_from_schema_1(void)
{
    fresh();
    sqlite3 *db = NULL;
    CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(lg_sql_migrations[0].version, 1);
    const char *books =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at_ms INTEGER NOT NULL);"
        "INSERT INTO schema_migrations VALUES (1, 'init', 1);"
        "INSERT INTO partners (id, name, key_prefix, status, tier, daily_limit, total_limit, "
        "fee_bps, settlement_address, webhook_url, webhook_secret, contact_email, "
        "rate_limit_rpm, signing_required, signing_secret, ip_allowlist, outstanding, "
        "total_borrowed, total_fees, created_at_ms, updated_at_ms) VALUES ('" PARTNER "', "
        "'Acme', 'acme', 0, 0, 100, 1000, 50, '" WALLET "', '', '', '', 0, 0, '', '', 700, "
        "700, 3, 1, 1);"
        "INSERT INTO partner_loans (id, partner_id, partner_loan_id, user_wallet, oaid, "
        "position_id, amount, fee, net, remaining, repaid, repay_pending, status, request_hash, "
        "day, "
        "created_at_ms, updated_at_ms) VALUES ('00000000-0000-4000-8000-000000000001', '" PARTNER
        "', 'l1', '" WALLET "', '1', '1', 700, 3, 697, 700, 0, 0, 2, 'h', '2026-03-14', 1, 1);"
        "INSERT INTO partner_ledger (partner_id, loan_id, partner_loan_id, kind, amount, "
        "tx_hash, created_at_ms) VALUES ('" PARTNER "', '00000000-0000-4000-8000-000000000001', "
        "'l1', 0, 700, '0xaa', 5);"
        /* Repaid with its proof before balances existed: that USDC paid the loan. */
        "INSERT INTO loan_repayments (id, loan_id, partner_id, amount, proof_tx, repay_tx, "
        "status, created_at_ms, updated_at_ms) VALUES ('r1', "
        "'00000000-0000-4000-8000-000000000001', '" PARTNER "', 100, '0xPROOF', '0xrr', 1, 6, "
        "6), ('r2', '00000000-0000-4000-8000-000000000001', '" PARTNER "', 50, '0xfailed', '', "
        "2, 7, 7);";
    char *err = NULL;
    int rc = sqlite3_exec(db, lg_sql_migrations[0].sql, NULL, NULL, &err);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, books, NULL, NULL, &err);
    CU_ASSERT_EQUAL(rc, SQLITE_OK);
    if (err)
        fprintf(stderr, "schema 1 books: %s\n", err);
    sqlite3_free(err);
    sqlite3_close(db);

    lg_store *st = NULL;
    int applied = -1;
    CU_ASSERT_FATAL(lg_store_open("sqlite", path, 1000, &st) == LG_OK);
    CU_ASSERT_EQUAL(lg_store_migrate(st, &applied), LG_OK);
    CU_ASSERT_EQUAL(applied, SCHEMA - 1);
    lg_partner p;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, PARTNER, &p), LG_OK);
    CU_ASSERT_EQUAL(p.outstanding, 700);
    CU_ASSERT_EQUAL(p.total_fees, 3);
    CU_ASSERT_EQUAL(p.deposited, 0);
    CU_ASSERT_EQUAL(p.balance_used, 0);
    lg_ledger_filter f = {.partner_id = PARTNER, .limit = 10};
    lg_ledger_entry *rows = NULL;
    size_t n = 0;
    uint64_t total = 0;
    CU_ASSERT_EQUAL(lg_store_ledger_list(st, &f, &rows, &n, &total), LG_OK);
    CU_ASSERT_EQUAL(n, 1);
    if (n == 1) {
        CU_ASSERT_EQUAL(rows[0].kind, LG_LEDGER_BORROW);
        CU_ASSERT_EQUAL(rows[0].amount, 700);
        CU_ASSERT_STRING_EQUAL(rows[0].loan_id, "00000000-0000-4000-8000-000000000001");
    }
    free(rows);
    /* Its proof is spent: credited as a deposit it would pay a second time. The
     * proof of a repayment that failed moved USDC nothing used: it may be credited. */
    lg_deposit d, existing;
    memset(&d, 0, sizeof d);
    snprintf(d.tx_hash, sizeof d.tx_hash, "0xproof");
    snprintf(d.partner_id, sizeof d.partner_id, PARTNER);
    d.amount = 100;
    CU_ASSERT_EQUAL(lg_store_deposit_credit(st, &d, &existing, NULL), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(existing.amount, 100);
    snprintf(d.tx_hash, sizeof d.tx_hash, "0xfailed");
    CU_ASSERT_EQUAL(lg_store_deposit_credit(st, &d, NULL, NULL), LG_OK);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_OK);
    CU_ASSERT_EQUAL(p.deposited, 100);
    lg_store_close(st);
}

/* The store's own connection enforces the schema's foreign keys (SQLite leaves them
 * off unless each connection asks). */
static void test_foreign_keys_on(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    char text[16];
    sqlite3 *db = lg_sq_handle(st)->db;
    raw_text(db, "PRAGMA foreign_keys", text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "1");
    /* So a key of no partner is refused, whoever writes it. */
    const char *orphan = "INSERT INTO api_keys (partner_id, key_hash, prefix, env, created_at_ms) "
                         "VALUES ('partner_nobody_001', 'aa', '', 'live', 1)";
    CU_ASSERT_NOT_EQUAL(sqlite3_exec(db, orphan, NULL, NULL, NULL), SQLITE_OK);
    lg_store_close(st);
}

/* A database that cannot grow (a full disk, as SQLite sees it) refuses the write as
 * LG_ERR_DISK, which the API answers 503 "try again later", and the handle works again
 * once it can. */
static void test_full_disk(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    sqlite3 *db = lg_sq_handle(st)->db;
    char pages[32], cmd[64];
    raw_text(db, "PRAGMA page_count", pages, sizeof pages);
    snprintf(cmd, sizeof cmd, "PRAGMA max_page_count = %s", pages);
    CU_ASSERT_FATAL(sqlite3_exec(db, cmd, NULL, NULL, NULL) == SQLITE_OK);
    lg_partner p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, PARTNER);
    strcpy(p.key_prefix, "acme");
    lg_err rc = LG_OK;
    char id[LG_ID_LEN];
    /* Pages left over in the file take a few rows first; the disk fills soon after. */
    for (int i = 0; i < 200 && rc == LG_OK; i++) {
        snprintf(id, sizeof id, "partner_full_%03d", i);
        strcpy(p.id, id);
        snprintf(p.key_prefix, sizeof p.key_prefix, "full%d", i);
        rc = lg_test_partner_add(st, &p, NULL);
    }
    CU_ASSERT_EQUAL(rc, LG_ERR_DISK);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, id, &p), LG_ERR_NOT_FOUND); /* nothing half-made */
    CU_ASSERT_FATAL(sqlite3_exec(db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL) ==
                    SQLITE_OK);
    CU_ASSERT_EQUAL(lg_test_partner_add(st, &p, NULL), LG_OK);
    lg_store_close(st);
}

static void test_newer_schema_refused(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    lg_store_close(st);
    sqlite3 *db = raw_open();
    CU_ASSERT_EQUAL(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (9999, 'future', 1)",
                                 NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    st = NULL;
    CU_ASSERT_EQUAL(lg_store_open("sqlite", path, 1000, &st), LG_ERR_SCHEMA);
    CU_ASSERT_PTR_NULL(st);
}

static void test_open_errors(void)
{
    lg_store *st = NULL;
    CU_ASSERT_EQUAL(lg_store_open("sqlite", "/nonexistent-dir/x/lendgate.db", 1000, &st),
                    LG_ERR_IO);
#ifdef HAVE_MONGODB
    /* Built in: a location that is no connection string fails without any network. */
    CU_ASSERT_EQUAL(lg_store_open("mongodb", "not-a-mongodb-uri", 1000, &st), LG_ERR_STORE);
#else
    CU_ASSERT_EQUAL(lg_store_open("mongodb", "mongodb://127.0.0.1", 1000, &st), LG_ERR_UNSUPPORTED);
#endif
    CU_ASSERT_EQUAL(lg_store_open("postgres", "x", 1000, &st), LG_ERR_UNSUPPORTED);
    CU_ASSERT_EQUAL(lg_store_open(NULL, path, 1000, &st), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_open("sqlite", NULL, 1000, &st), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_open("sqlite", path, -1, &st), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_open("sqlite", path, 1000, NULL), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(st);
}

/* ------------------------------------------------------------ backend table */

static int fake_opened;

static lg_err fake_open(const char *location, int busy_timeout_ms, lg_store **out)
{
    (void)location;
    (void)busy_timeout_ms;
    lg_store *st = calloc(1, sizeof *st);
    if (!st)
        return LG_ERR_NOMEM;
    fake_opened++;
    *out = st;
    return LG_OK;
}

static void fake_close(lg_store *st)
{
    free(st);
}

static void test_registered_backend(void)
{
    static const lg_store_backend fake = {.name = "fake", .open = fake_open, .close = fake_close};
    static const lg_store_backend dup = {.name = "sqlite", .open = fake_open, .close = fake_close};
    static const lg_store_backend bad = {.name = "bad"};
    CU_ASSERT_EQUAL(lg_store_backend_register(&fake), LG_OK);
    CU_ASSERT_EQUAL(lg_store_backend_register(&fake), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_store_backend_register(&dup), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_store_backend_register(&bad), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_backend_register(NULL), LG_ERR_INVALID);
    lg_store *st = NULL;
    CU_ASSERT_FATAL(lg_store_open("fake", "anywhere", 0, &st) == LG_OK);
    CU_ASSERT_EQUAL(fake_opened, 1);
    CU_ASSERT_STRING_EQUAL(lg_store_backend_name(st), "fake");
    /* Operations the backend leaves out are refused, not crashed on. */
    lg_partner p;
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_ERR_UNSUPPORTED);
    lg_store_close(st);
}

/* ------------------------------------------------------------ busy handling */

static void test_busy_timeout(void)
{
    fresh();
    lg_store *st = open_migrated(150);
    sqlite3 *db = raw_open();
    CU_ASSERT_FATAL(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);

    int64_t start = lg_time_mono_ms();
    lg_partner p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, PARTNER);
    strcpy(p.key_prefix, "acme");
    CU_ASSERT_EQUAL(lg_test_partner_add(st, &p, NULL), LG_ERR_BUSY);
    CU_ASSERT(lg_time_mono_ms() - start >= 140);
    /* WAL: readers go on while a writer holds the lock. */
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_ERR_NOT_FOUND);

    CU_ASSERT_FATAL(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(lg_test_partner_add(st, &p, NULL), LG_OK);
    lg_store_close(st);
}

/* ------------------------------------------------------------ checked values */

static void test_u64_beyond_int64_refused(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    lg_partner p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, PARTNER);
    strcpy(p.key_prefix, "acme");
    p.daily_limit = (uint64_t)INT64_MAX + 1;
    CU_ASSERT_EQUAL(lg_test_partner_add(st, &p, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_ERR_NOT_FOUND);

    CU_ASSERT_EQUAL(lg_store_nonce_init(st, 1, SIGNER, UINT64_MAX, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_nonce_init(st, (uint64_t)INT64_MAX + 1, SIGNER, 0, NULL),
                    LG_ERR_INVALID);

    /* At INT64_MAX the next increment would leave int64: refused, nothing changes. */
    uint64_t n = 0;
    CU_ASSERT_EQUAL(lg_store_nonce_resync(st, 1, SIGNER, (uint64_t)INT64_MAX, NULL), LG_OK);
    CU_ASSERT_EQUAL(lg_store_nonce_allocate(st, 1, SIGNER, &n), LG_ERR_STORE);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, 1, SIGNER, &n), LG_OK);
    CU_ASSERT_EQUAL(n, (uint64_t)INT64_MAX);
    lg_store_close(st);
}

static void test_limits_near_int64_max(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    make_partner(st, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX);
    lg_loan l;
    lg_reserve_info info;
    loan_request(&l, "big-1", (uint64_t)INT64_MAX - 10);
    CU_ASSERT_EQUAL(lg_store_loan_reserve(st, &l, &info, NULL), LG_OK);
    CU_ASSERT_EQUAL(info.total_remaining, 10);
    loan_request(&l, "big-2", 11);
    CU_ASSERT_EQUAL(lg_store_loan_reserve(st, &l, &info, NULL), LG_ERR_LIMIT_DAILY);
    loan_request(&l, "big-3", 10);
    CU_ASSERT_EQUAL(lg_store_loan_reserve(st, &l, &info, NULL), LG_OK);
    lg_partner p;
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_OK);
    CU_ASSERT_EQUAL(p.outstanding, (uint64_t)INT64_MAX);
    lg_store_close(st);
}

/* ------------------------------------------------------------ case and events */

static void test_address_and_hash_case(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    int created = -1;
    uint64_t n = 0;
    CU_ASSERT_EQUAL(lg_store_nonce_init(st, 5000, SIGNER, 7, &created), LG_OK);
    CU_ASSERT_EQUAL(created, 1);
    CU_ASSERT_EQUAL(
        lg_store_nonce_init(st, 5000, "0xabcdef0123456789abcdef0123456789abcdef01", 9, &created),
        LG_OK);
    CU_ASSERT_EQUAL(created, 0);
    CU_ASSERT_EQUAL(
        lg_store_nonce_allocate(st, 5000, "0xABCDEF0123456789ABCDEF0123456789ABCDEF01", &n), LG_OK);
    CU_ASSERT_EQUAL(n, 7);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, 5000, "0xabcdef0123456789abcdef0123456789abcdef01", &n),
                    LG_OK);
    CU_ASSERT_EQUAL(n, 8);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, 5001, SIGNER, &n), LG_ERR_NOT_FOUND);

    lg_chain_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = 5000;
    strcpy(tx.from, SIGNER);
    strcpy(tx.hash, "0xAA00000000000000000000000000000000000000000000000000000000000001");
    strcpy(tx.raw, "0x02f8");
    CU_ASSERT_EQUAL(lg_store_tx_record(st, &tx, NULL), LG_OK);
    tx.hash[2] = 'a';
    tx.hash[3] = 'a';
    CU_ASSERT_EQUAL(lg_store_tx_record(st, &tx, NULL), LG_ERR_DUPLICATE);
    lg_store_close(st);
}

/* Reads field of the JSON object o as a string ("" when absent or not a string). */
static const char *json_str(json_object *o, const char *field)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, field, &v) || !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

static void test_borrowed_event_payload(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    make_partner(st, 1000000000, 1000000000);
    lg_position pos;
    memset(&pos, 0, sizeof pos);
    strcpy(pos.wallet, WALLET);
    strcpy(pos.oaid, "42");
    pos.active = 1;
    CU_ASSERT_FATAL(lg_store_position_upsert(st, &pos) == LG_OK);
    lg_loan l;
    loan_request(&l, "ev-1", 2000000);
    CU_ASSERT_FATAL(lg_store_loan_reserve(st, &l, NULL, NULL) == LG_OK);
    CU_ASSERT_FATAL(lg_store_loan_confirm(st, l.id,
                                          "0xb000000000000000000000000000000000000000000000000000"
                                          "000000000001",
                                          "0xc000000000000000000000000000000000000000000000000000"
                                          "000000000001") == LG_OK);
    /* No operation reads the outbox back: the row is read from the file. */
    sqlite3 *db = raw_open();
    static char payload[LG_PAYLOAD_LEN];
    char text[64];
    raw_text(db, "SELECT COUNT(*) FROM webhook_outbox", text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "1");
    raw_text(db, "SELECT event_type FROM webhook_outbox WHERE partner_id = '" PARTNER "'", text,
             sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "loan.borrowed");
    raw_text(db, "SELECT payload FROM webhook_outbox WHERE partner_id = '" PARTNER "'", payload,
             sizeof payload);
    sqlite3_close(db);
    json_object *o = json_tokener_parse(payload);
    CU_ASSERT_FATAL(o != NULL);
    CU_ASSERT_STRING_EQUAL(json_str(o, "partnerId"), PARTNER);
    CU_ASSERT_STRING_EQUAL(json_str(o, "internalLoanId"), l.id);
    CU_ASSERT_STRING_EQUAL(json_str(o, "partnerLoanId"), "ev-1");
    CU_ASSERT_STRING_EQUAL(json_str(o, "userWallet"), WALLET);
    CU_ASSERT_STRING_EQUAL(json_str(o, "oaidTokenId"), "42");
    CU_ASSERT_STRING_EQUAL(json_str(o, "amount"), "2000000");
    CU_ASSERT_STRING_EQUAL(json_str(o, "borrowedAmount"), "2000000");
    CU_ASSERT_STRING_EQUAL(json_str(o, "platformFee"), "10000");
    CU_ASSERT_STRING_EQUAL(json_str(o, "netAmountTransferred"), "1990000");
    CU_ASSERT_STRING_EQUAL(json_str(o, "remainingDebt"), "2000000");
    CU_ASSERT_STRING_EQUAL(json_str(o, "totalRepaid"), "0");
    CU_ASSERT_STRING_EQUAL(json_str(o, "loanStatus"), "ACTIVE");
    CU_ASSERT_STRING_EQUAL(json_str(o, "timestamp"), "2026-03-14T12:00:00.000Z");
    CU_ASSERT_EQUAL(strlen(json_str(o, "txHash")), 66);
    json_object_put(o);
    lg_store_close(st);
}

static void test_event_json_errors(void)
{
    lg_loan l;
    char small[16], buf[LG_PAYLOAD_LEN];
    loan_request(&l, "x", 10);
    CU_ASSERT_EQUAL(lg_event_loan_json(&l, 10, NULL, NOW_MS, small, sizeof small), LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_event_loan_json(NULL, 10, NULL, NOW_MS, buf, sizeof buf), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_event_loan_json(&l, 10, NULL, -5, buf, sizeof buf), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(lg_loan_status_name((lg_loan_status)9), "UNKNOWN");
    CU_ASSERT_STRING_EQUAL(lg_loan_status_name(LG_LOAN_SETTLING), "SETTLING");
}

/* No operation revokes a key, yet the column stays (key lists show it as revokedAt),
 * so a key revoked in the file must never match again, nor be touched by a rotation. */
static void test_revoked_key_never_matches(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    lg_api_key a, b;
    make_partner_key(st, 1000, 1000, &a);
    CU_ASSERT_EQUAL(lg_store_partner_by_key(st, a.key_hash, NULL, NULL), LG_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE api_keys SET revoked_at_ms = %lld WHERE key_hash = '%s'",
             (long long)NOW_MS, a.key_hash);
    sqlite3 *db = raw_open();
    CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(lg_store_partner_by_key(st, a.key_hash, NULL, NULL), LG_ERR_NOT_FOUND);

    memset(&b, 0, sizeof b);
    strcpy(b.partner_id, PARTNER);
    memset(b.key_hash, 'b', 64);
    strcpy(b.env, "live");
    CU_ASSERT_EQUAL_FATAL(lg_store_key_rotate(st, &b, NOW_MS + 100000, NULL, NULL), LG_OK);
    CU_ASSERT_EQUAL(lg_store_partner_by_key(st, a.key_hash, NULL, NULL), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_store_partner_by_key(st, b.key_hash, NULL, NULL), LG_OK);
    lg_api_key *keys = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(lg_store_key_list(st, PARTNER, &keys, &n), LG_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    for (size_t i = 0; i < n; i++) {
        if (keys[i].id != a.id)
            continue;
        CU_ASSERT_EQUAL(keys[i].revoked_at_ms, NOW_MS);
        CU_ASSERT_EQUAL(keys[i].expires_at_ms, 0);
    }
    free(keys);
    lg_store_close(st);
}

/* ------------------------------------------------------------ many processes */

#define WORKERS 4

/* Runs child(i, fd) in WORKERS processes, each with its own store, writing its
 * results to the pipe; returns the read end. */
static int spawn(void (*child)(lg_store *st, int i, int fd), pid_t pids[WORKERS])
{
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    for (int i = 0; i < WORKERS; i++) {
        pids[i] = fork();
        CU_ASSERT_FATAL(pids[i] >= 0);
        if (pids[i] == 0) {
            close(fds[0]);
            lg_store *st = NULL;
            if (lg_store_open("sqlite", path, 20000, &st) != LG_OK)
                _exit(2);
            child(st, i, fds[1]);
            lg_store_close(st);
            _exit(0);
        }
    }
    close(fds[1]);
    return fds[0];
}

static int reap(pid_t pids[WORKERS])
{
    int ok = 1;
    for (int i = 0; i < WORKERS; i++) {
        int status = 0;
        ok &= waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0;
    }
    return ok;
}

static void reserve_child(lg_store *st, int i, int fd)
{
    for (int k = 0; k < 25; k++) {
        lg_loan l;
        char id[32];
        snprintf(id, sizeof id, "w%d-%d", i, k);
        loan_request(&l, id, 10);
        l.fee = 0;
        l.net = 10;
        char r = (char)lg_store_loan_reserve(st, &l, NULL, NULL);
        if (write(fd, &r, 1) != 1)
            _exit(3);
    }
}

/* ------------------------------------------------------------ syncs */

/* A VFS over the default one that counts the syncs of every file: which store
 * operations wait for the disk is part of the contract (store.h), and the borrow's
 * latency is mostly those waits. */
typedef struct {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
} sync_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs sync_vfs;
static sqlite3_io_methods sync_io;
static int syncs;

#define REAL(f) (((sync_file *)(f))->real)

static int sf_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int sf_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int sf_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int sf_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), n);
}
static int sf_sync(sqlite3_file *f, int flags)
{
    syncs++;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int sf_size(sqlite3_file *f, sqlite3_int64 *n)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), n);
}
static int sf_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int sf_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int sf_reserved(sqlite3_file *f, int *r)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r);
}
static int sf_control(sqlite3_file *f, int op, void *a)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, a);
}
static int sf_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int sf_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int sf_shm_map(sqlite3_file *f, int i, int sz, int ext, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, ext, p);
}
static int sf_shm_lock(sqlite3_file *f, int o, int n, int fl)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), o, n, fl);
}
static void sf_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int sf_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int sf_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, p);
}
static int sf_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

static int sf_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    sync_file *sf = (sync_file *)f;
    sf->real = (sqlite3_file *)(sf + 1);
    int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out);
    sf->base.pMethods = rc == SQLITE_OK && sf->real->pMethods ? &sync_io : NULL;
    return rc;
}

static void sync_vfs_install(void)
{
    static const sqlite3_io_methods io = {
        3,           sf_close,       sf_read,      sf_write,   sf_truncate, sf_sync,   sf_size,
        sf_lock,     sf_unlock,      sf_reserved,  sf_control, sf_sector,   sf_device, sf_shm_map,
        sf_shm_lock, sf_shm_barrier, sf_shm_unmap, sf_fetch,   sf_unfetch};
    real_vfs = sqlite3_vfs_find(NULL);
    CU_ASSERT_FATAL(real_vfs != NULL && real_vfs->iVersion >= 1);
    sync_io = io;
    sync_vfs = *real_vfs;
    sync_vfs.zName = "lg-sync-count";
    sync_vfs.szOsFile = (int)sizeof(sync_file) + real_vfs->szOsFile;
    sync_vfs.xOpen = sf_open;
    CU_ASSERT_FATAL(sqlite3_vfs_register(&sync_vfs, 1) == SQLITE_OK);
}

static void sync_vfs_remove(void)
{
    sqlite3_vfs_unregister(&sync_vfs);
    sqlite3_vfs_register(real_vfs, 1);
}

static void tx_row(lg_chain_tx *t, const char *loan_id, lg_tx_purpose purpose, uint64_t nonce,
                   char digit)
{
    memset(t, 0, sizeof *t);
    snprintf(t->loan_id, sizeof t->loan_id, "%s", loan_id);
    t->purpose = purpose;
    t->chain_id = 31337;
    strcpy(t->from, SIGNER);
    t->nonce = nonce;
    strcpy(t->hash, "0x");
    memset(t->hash + 2, digit, 64);
    strcpy(t->raw, "0x02");
}

/* The syncs counted since the reset before rc's operation ran, which must succeed. */
static int synced(lg_err rc)
{
    CU_ASSERT_EQUAL(rc, LG_OK);
    return syncs;
}
#define SYNCS(op) (syncs = 0, synced(op))

/* A borrow waits for the disk three times: before each of its two transactions is
 * sent and before it answers. What comes before each send rides on its record's sync. */
static void test_borrow_syncs(void)
{
    fresh();
    sync_vfs_install();
    lg_store *st = open_migrated(1000);
    make_partner(st, 1000000000, 1000000000);
    uint64_t nonce = 0;
    lg_position pos;
    memset(&pos, 0, sizeof pos);
    strcpy(pos.wallet, WALLET);
    strcpy(pos.oaid, "42");
    strcpy(pos.position_id, "7");
    pos.active = 1;
    lg_loan l;
    loan_request(&l, "sync-1", 2000000);
    lg_chain_tx borrow, payout;
    CU_ASSERT_FATAL(lg_store_nonce_init(st, 31337, SIGNER, 5, NULL) == LG_OK);
    CU_ASSERT_EQUAL(SYNCS(lg_store_position_upsert(st, &pos)), 0);
    CU_ASSERT_EQUAL(SYNCS(lg_store_loan_reserve(st, &l, NULL, NULL)), 0);
    CU_ASSERT_EQUAL(SYNCS(lg_store_nonce_allocate(st, 31337, SIGNER, &nonce)), 0);
    tx_row(&borrow, l.id, LG_TXP_BORROW, nonce, 'b');
    CU_ASSERT_EQUAL(SYNCS(lg_store_tx_record(st, &borrow, NULL)), 1);
    CU_ASSERT_EQUAL(SYNCS(lg_store_tx_set_state(st, borrow.hash, LG_TXS_MINED)), 0);
    CU_ASSERT_EQUAL(SYNCS(lg_store_loan_mark_borrowed(st, l.id, borrow.hash)), 0);
    CU_ASSERT_EQUAL(SYNCS(lg_store_nonce_allocate(st, 31337, SIGNER, &nonce)), 0);
    tx_row(&payout, l.id, LG_TXP_TRANSFER, nonce, 'c');
    CU_ASSERT_EQUAL(SYNCS(lg_store_tx_record(st, &payout, NULL)), 1);
    CU_ASSERT_EQUAL(SYNCS(lg_store_tx_set_state(st, payout.hash, LG_TXS_MINED)), 0);
    CU_ASSERT_EQUAL(SYNCS(lg_store_loan_confirm(st, l.id, borrow.hash, payout.hash)), 1);
    /* What went in without a sync is there for every reader at once. */
    lg_loan got;
    CU_ASSERT_FATAL(lg_store_loan_get_by_id(st, l.id, &got) == LG_OK);
    CU_ASSERT_EQUAL(got.status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(nonce, 6);
    lg_store_close(st);
    sync_vfs_remove();
}

static void test_processes_reserve(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    make_partner(st, 100000, 500);
    pid_t pids[WORKERS];
    int fd = spawn(reserve_child, pids);
    int ok = 0, refused = 0, other = 0;
    char r;
    while (read(fd, &r, 1) == 1)
        r == LG_OK ? ok++ : r == LG_ERR_LIMIT_TOTAL ? refused++ : other++;
    close(fd);
    CU_ASSERT(reap(pids));
    CU_ASSERT_EQUAL(ok, 50);
    CU_ASSERT_EQUAL(refused, 50);
    CU_ASSERT_EQUAL(other, 0);
    lg_partner p;
    uint64_t used = 0;
    CU_ASSERT_EQUAL(lg_store_partner_get(st, PARTNER, &p), LG_OK);
    CU_ASSERT_EQUAL(p.outstanding, 500);
    CU_ASSERT_EQUAL(lg_store_daily_usage(st, PARTNER, "2026-03-14", &used), LG_OK);
    CU_ASSERT_EQUAL(used, 500);
    lg_store_close(st);
}

static void nonce_child(lg_store *st, int i, int fd)
{
    (void)i;
    for (int k = 0; k < 50; k++) {
        uint64_t n = UINT64_MAX;
        if (lg_store_nonce_allocate(st, 1, SIGNER, &n) != LG_OK)
            n = UINT64_MAX;
        if (write(fd, &n, sizeof n) != (ssize_t)sizeof n)
            _exit(3);
    }
}

static void test_processes_nonces(void)
{
    fresh();
    lg_store *st = open_migrated(1000);
    CU_ASSERT_FATAL(lg_store_nonce_init(st, 1, SIGNER, 100, NULL) == LG_OK);
    pid_t pids[WORKERS];
    int fd = spawn(nonce_child, pids);
    static unsigned char seen[WORKERS * 50];
    memset(seen, 0, sizeof seen);
    uint64_t n;
    int bad = 0, count = 0;
    while (read(fd, &n, sizeof n) == (ssize_t)sizeof n) {
        count++;
        if (n < 100 || n >= 100 + WORKERS * 50 || seen[n - 100]++)
            bad++;
    }
    close(fd);
    CU_ASSERT(reap(pids));
    CU_ASSERT_EQUAL(count, WORKERS * 50);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, 1, SIGNER, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 100 + WORKERS * 50);
    lg_store_close(st);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case file_tests[] = {
        {"file 0600, WAL, migrations recorded", test_file_mode_wal_and_migrations},
        {"first migration and schema missing", test_first_migration_counts},
        {"upgrade from schema 1 keeps the books", test_upgrade_from_schema_1},
        {"foreign keys on", test_foreign_keys_on},
        {"a full disk is LG_ERR_DISK", test_full_disk},
        {"newer schema refused", test_newer_schema_refused},
        {"open errors", test_open_errors},
        {"registered backend", test_registered_backend},
        {"busy timeout", test_busy_timeout},
        {NULL, NULL},
    };
    static const lg_test_case value_tests[] = {
        {"u64 beyond int64 refused", test_u64_beyond_int64_refused},
        {"limits near INT64_MAX", test_limits_near_int64_max},
        {"address and hash case", test_address_and_hash_case},
        {"loan.borrowed payload", test_borrowed_event_payload},
        {"event payload errors", test_event_json_errors},
        {"revoked key never matches", test_revoked_key_never_matches},
        {NULL, NULL},
    };
    static const lg_test_case process_tests[] = {
        {"a borrow syncs three times", test_borrow_syncs},
        {"processes reserve against one limit", test_processes_reserve},
        {"processes allocate nonces", test_processes_nonces},
        {NULL, NULL},
    };
    lg_test_add_suite("sqlite files", suite_init, suite_clean, file_tests);
    lg_test_add_suite("sqlite values", suite_init, suite_clean, value_tests);
    lg_test_add_suite("sqlite processes", suite_init, suite_clean, process_tests);
    int rc = lg_test_run("test_store_sqlite_smoke");
    if (dir[0])
        lg_test_rmtree(dir);
    return rc;
}
