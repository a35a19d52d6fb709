/*
 * alloc_fail_store.c - allocation-failure runs over the SQLite store (see
 * test_alloc_fail.c and failmalloc.h).
 *
 * One database is made and migrated for the suite, with partners, loans, API log
 * rows and chain transactions to list. Each run opens a handle of its own on it
 * before the counted part, so every statement is prepared (and can fail) inside the
 * operation, and closes it afterwards. After a run that failed, the state must be as
 * if the operation never ran (store.h: every operation is atomic) and the same call,
 * made again normally on the same handle, must work; after a run that succeeded
 * despite a failure, what it wrote must be there whole.
 */
#include "config.h"

#include "alloc_fail_store.h"
#include "failmalloc.h"
#include "harness.h"
#include "store_fixture.h"

#include <lendgate/store.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUSY_MS   5000
#define T0        INT64_C(1773489600000) /* 2026-03-14T12:00:00Z */
#define DAY       "2026-03-14"
#define WALLET    "0x1111111111111111111111111111111111111111"
#define PLATFORM  "0x9999999999999999999999999999999999999999"
#define LIST_ROWS 20 /* rows behind each list: the result array grows twice */

static struct {
    char dir[512];
    char path[600];  /* the suite's migrated database */
    char fresh[600]; /* a database file open-and-migrate starts from nothing */
    int version;     /* the schema version migrate reaches */
    lg_store *st;    /* the run's handle */
    unsigned long seq;
    lg_partner p;                          /* reservations, onboarding's count, appended logs */
    lg_partner q;                          /* LIST_ROWS loans */
    lg_partner r;                          /* LIST_ROWS API log rows */
    lg_loan tx_loan;                       /* transactions recorded by the runs */
    lg_loan list_loan;                     /* LIST_ROWS transactions */
    char loan_ids[LIST_ROWS][LG_UUID_LEN]; /* q's loans, newest first */
    /* What a run saw before it, to compare the state after. */
    uint64_t count, outstanding, daily, total;
    lg_partner new_partner;
    lg_loan loan;
    lg_api_log row;
    lg_chain_tx tx;
} S;

/* ------------------------------------------------------------ set-up */

/* tmpfs when there is one: every commit syncs (synchronous = FULL), and a few
 * thousand runs against a disk would take minutes. */
static int make_dir(void)
{
    const char *base = getenv("TMPDIR");
    struct stat st;
    if (!base || !*base)
        base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                   ? "/dev/shm"
                   : "/tmp";
    int n = snprintf(S.dir, sizeof S.dir, "%s/lgtest.XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof S.dir || !mkdtemp(S.dir))
        return -1;
    snprintf(S.path, sizeof S.path, "%s/lendgate.db", S.dir);
    return 0;
}

static void partner_init(lg_partner *p, const char *prefix)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "partner_%s_001", prefix);
    snprintf(p->name, sizeof p->name, "%s lending", prefix);
    snprintf(p->key_prefix, sizeof p->key_prefix, "%s", prefix);
    p->status = LG_PARTNER_ACTIVE;
    p->tier = LG_TIER_BASIC;
    p->daily_limit = UINT64_C(1000000000000000);
    p->total_limit = UINT64_C(1000000000000000);
    p->fee_bps = 50;
    snprintf(p->settlement_address, sizeof p->settlement_address, "0x%040lu", ++S.seq);
}

static void loan_init(lg_loan *l, const lg_partner *p, const char *plid)
{
    memset(l, 0, sizeof *l);
    snprintf(l->partner_id, sizeof l->partner_id, "%s", p->id);
    snprintf(l->partner_loan_id, sizeof l->partner_loan_id, "%s", plid);
    snprintf(l->user_wallet, sizeof l->user_wallet, WALLET);
    snprintf(l->oaid, sizeof l->oaid, "42");
    snprintf(l->position_id, sizeof l->position_id, "7");
    l->amount = 1000;
    l->fee = 5;
    l->net = 995;
    snprintf(l->request_hash, sizeof l->request_hash, "%064lx", ++S.seq);
}

static void tx_init(lg_chain_tx *t, const char *loan_id, uint64_t nonce)
{
    memset(t, 0, sizeof *t);
    snprintf(t->loan_id, sizeof t->loan_id, "%s", loan_id);
    t->purpose = LG_TXP_BORROW;
    t->chain_id = 5000;
    snprintf(t->from, sizeof t->from, PLATFORM);
    t->nonce = nonce;
    snprintf(t->hash, sizeof t->hash, "0x%064lx", ++S.seq);
    snprintf(t->raw, sizeof t->raw, "0x02f87083%06lx80843b9aca0085%020lx", S.seq, S.seq);
}

static void log_init(lg_api_log *row, const char *partner_id, const char *rid)
{
    memset(row, 0, sizeof *row);
    snprintf(row->partner_id, sizeof row->partner_id, "%s", partner_id);
    snprintf(row->request_id, sizeof row->request_id, "%s", rid);
    snprintf(row->route, sizeof row->route, "/partners/loan/:partnerLoanId");
    snprintf(row->method, sizeof row->method, "GET");
    snprintf(row->client_ip, sizeof row->client_ip, "2001:db8::1");
    snprintf(row->user_agent, sizeof row->user_agent, "sdk/1.0");
    snprintf(row->payload, sizeof row->payload, "{\"partnerLoanId\":\"%s\"}", rid);
    row->status_code = 200;
    row->success = 1;
}

static lg_err reserve(lg_store *st, const lg_partner *p, const char *plid, lg_loan *out)
{
    loan_init(out, p, plid);
    return lg_store_loan_reserve(st, out, NULL, NULL);
}

/* q's loans (a minute apart, so newest first is a known order) and r's log rows. */
static lg_err seed_lists(lg_store *st)
{
    char name[32];
    lg_err rc = LG_OK;
    for (int i = 0; rc == LG_OK && i < LIST_ROWS; i++) {
        lg_loan l;
        lg_api_log row;
        lg_time_set_fixed(T0 + 60000 * i);
        snprintf(name, sizeof name, "list-%02d", i);
        rc = reserve(st, &S.q, name, &l);
        snprintf(S.loan_ids[LIST_ROWS - 1 - i], LG_UUID_LEN, "%s", l.id);
        log_init(&row, S.r.id, name);
        if (rc == LG_OK)
            rc = lg_store_api_log_append(st, &row);
    }
    for (int i = 0; rc == LG_OK && i < LIST_ROWS; i++) {
        lg_chain_tx t;
        tx_init(&t, S.list_loan.id, (uint64_t)i);
        rc = lg_store_tx_record(st, &t, NULL);
    }
    lg_time_set_fixed(T0);
    return rc;
}

static lg_err seed(lg_store *st)
{
    lg_err rc = lg_store_migrate(st, NULL);
    if (rc == LG_OK)
        rc = lg_store_schema_version(st, &S.version);
    partner_init(&S.p, "reserve");
    partner_init(&S.q, "lists");
    partner_init(&S.r, "logs");
    if (rc == LG_OK)
        rc = lg_test_partner_add(st, &S.p, NULL);
    if (rc == LG_OK)
        rc = lg_test_partner_add(st, &S.q, NULL);
    if (rc == LG_OK)
        rc = lg_test_partner_add(st, &S.r, NULL);
    /* A minute before q's listed loans, so that newest first is one order. */
    lg_time_set_fixed(T0 - 60000);
    if (rc == LG_OK)
        rc = reserve(st, &S.p, "tx-target", &S.tx_loan);
    if (rc == LG_OK)
        rc = reserve(st, &S.q, "tx-list", &S.list_loan);
    return rc == LG_OK ? seed_lists(st) : rc;
}

static int suite_init(void)
{
    lg_store *st = NULL;
    lg_time_set_fixed(T0);
    if (make_dir() != 0 || lg_store_open("sqlite", S.path, BUSY_MS, &st) != LG_OK)
        return -1;
    lg_err rc = seed(st);
    lg_store_close(st);
    return rc == LG_OK ? 0 : -1;
}

static int suite_clean(void)
{
    lg_test_rmtree(S.dir);
    lg_time_set_fixed(-1);
    return 0;
}

/* The run's own handle, opened uncounted, and closed by close_handle. */
static void open_handle(void)
{
    S.st = NULL;
    lg_err rc = lg_store_open("sqlite", S.path, BUSY_MS, &S.st);
    af_check(rc == LG_OK, __FILE__, __LINE__, "opening the run's handle: %s", lg_errname(rc));
}

static void close_handle(void)
{
    lg_store_close(S.st);
    S.st = NULL;
}

/* ------------------------------------------------------------ open and migrate */

static void remove_db(const char *path)
{
    static const char *const tails[] = {"", "-wal", "-shm", "-journal"};
    char name[700];
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
        snprintf(name, sizeof name, "%s%s", path, tails[i]);
        unlink(name);
    }
}

static void before_fresh(void *ctx)
{
    (void)ctx;
    snprintf(S.fresh, sizeof S.fresh, "%s/fresh.db", S.dir);
    remove_db(S.fresh);
}

/* A failed migrate leaves a handle that a second, normal migrate completes. */
static lg_err run_open_migrate(void *ctx)
{
    (void)ctx;
    lg_store *st = (lg_store *)1;
    int version = -1;
    lg_err rc = lg_store_open("sqlite", S.fresh, BUSY_MS, &st);
    if (rc != LG_OK) {
        AF_CHECK(st == NULL);
        return rc;
    }
    rc = lg_store_migrate(st, NULL);
    af_pause();
    lg_err again = rc == LG_OK ? LG_OK : lg_store_migrate(st, NULL);
    af_check(again == LG_OK, __FILE__, __LINE__, "migrate after a failed one: %s",
             lg_errname(again));
    AF_CHECK(lg_store_schema_version(st, &version) == LG_OK && version == S.version);
    af_resume();
    lg_store_close(st);
    return rc;
}

/* Whatever the run left on disk opens and migrates to the full schema. */
static void after_fresh(void *ctx, lg_err rc, int failed)
{
    (void)ctx;
    (void)rc;
    (void)failed;
    lg_store *st = NULL;
    int applied = -1, version = -1;
    lg_err got = lg_store_open("sqlite", S.fresh, BUSY_MS, &st);
    if (got == LG_OK)
        got = lg_store_migrate(st, &applied);
    if (got == LG_OK)
        got = lg_store_schema_version(st, &version);
    af_check(got == LG_OK && version == S.version, __FILE__, __LINE__,
             "the file left behind: %s, schema version %d", lg_errname(got), version);
    lg_store_close(st);
    remove_db(S.fresh);
}

static void test_open_migrate(void)
{
    af_op op = {"store: open and migrate a new file",
                NULL,
                before_fresh,
                run_open_migrate,
                after_fresh,
                LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ onboarding */

static void before_onboard(void *ctx)
{
    (void)ctx;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "ob%lu", ++S.seq);
    partner_init(&S.new_partner, prefix);
    open_handle();
    AF_CHECK(lg_store_partner_count(S.st, &S.count) == LG_OK);
}

static lg_err run_onboard(void *ctx)
{
    (void)ctx;
    return lg_test_partner_add(S.st, &S.new_partner, NULL);
}

/* The partner is there whole after LG_OK, and not at all after an error. */
static void after_onboard(void *ctx, lg_err rc, int failed)
{
    (void)ctx;
    (void)failed;
    lg_partner got;
    uint64_t count = 0;
    AF_CHECK(lg_store_partner_count(S.st, &count) == LG_OK);
    lg_err found = lg_store_partner_get(S.st, S.new_partner.id, &got);
    if (rc == LG_OK) {
        AF_CHECK(count == S.count + 1 && found == LG_OK);
        AF_CHECK(found != LG_OK || (strcmp(got.name, S.new_partner.name) == 0 &&
                                    got.daily_limit == S.new_partner.daily_limit));
    } else {
        af_check(count == S.count && found == LG_ERR_NOT_FOUND, __FILE__, __LINE__,
                 "failed with %s, yet partners went from %llu to %llu (look-up: %s)",
                 lg_errname(rc), (unsigned long long)S.count, (unsigned long long)count,
                 lg_errname(found));
        lg_err again = lg_test_partner_add(S.st, &S.new_partner, NULL);
        af_check(again == LG_OK, __FILE__, __LINE__, "the same onboarding again: %s",
                 lg_errname(again));
    }
    close_handle();
}

static void test_onboard(void)
{
    af_op op = {
        "store: partner onboarding", NULL, before_onboard, run_onboard, after_onboard, LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ reservations */

static lg_err charged(uint64_t *outstanding, uint64_t *daily)
{
    lg_partner p;
    lg_err rc = lg_store_partner_get(S.st, S.p.id, &p);
    *outstanding = p.outstanding;
    return rc == LG_OK ? lg_store_daily_usage(S.st, S.p.id, DAY, daily) : rc;
}

static void before_reserve(void *ctx)
{
    (void)ctx;
    char plid[32];
    snprintf(plid, sizeof plid, "reserve-%lu", ++S.seq);
    loan_init(&S.loan, &S.p, plid);
    open_handle();
    AF_CHECK(charged(&S.outstanding, &S.daily) == LG_OK);
}

static lg_err run_reserve(void *ctx)
{
    (void)ctx;
    lg_reserve_info info;
    lg_loan l = S.loan;
    return lg_store_loan_reserve(S.st, &l, &info, NULL);
}

/* The loan and both charges are there after LG_OK, and none of them after an error. */
static void after_reserve(void *ctx, lg_err rc, int failed)
{
    (void)ctx;
    (void)failed;
    lg_loan got, l = S.loan;
    uint64_t outstanding = 0, daily = 0;
    AF_CHECK(charged(&outstanding, &daily) == LG_OK);
    lg_err found = lg_store_loan_get(S.st, S.p.id, S.loan.partner_loan_id, &got);
    uint64_t more = rc == LG_OK ? S.loan.amount : 0;
    af_check(found == (rc == LG_OK ? LG_OK : LG_ERR_NOT_FOUND) &&
                 outstanding == S.outstanding + more && daily == S.daily + more,
             __FILE__, __LINE__,
             "returned %s: loan look-up %s, outstanding +%llu, daily +%llu (expected +%llu)",
             lg_errname(rc), lg_errname(found), (unsigned long long)(outstanding - S.outstanding),
             (unsigned long long)(daily - S.daily), (unsigned long long)more);
    if (rc != LG_OK) {
        lg_err again = lg_store_loan_reserve(S.st, &l, NULL, NULL);
        af_check(again == LG_OK, __FILE__, __LINE__, "the same reservation again: %s",
                 lg_errname(again));
    }
    close_handle();
}

static void test_reserve(void)
{
    af_op op = {"store: loan reservation", NULL, before_reserve, run_reserve, after_reserve, LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ lists */

static void before_read(void *ctx)
{
    (void)ctx;
    open_handle();
}

static void after_read(void *ctx, lg_err rc, int failed)
{
    (void)ctx;
    (void)rc;
    (void)failed;
    close_handle();
}

static lg_err run_loan_list(void *ctx)
{
    (void)ctx;
    lg_loan_filter f = {S.q.id, NULL, -1, 100, 0};
    lg_loan *items = (lg_loan *)1;
    size_t n = 99;
    uint64_t total = 99;
    lg_err rc = lg_store_loan_list(S.st, &f, &items, &n, &total);
    if (rc != LG_OK) {
        AF_CHECK(items == NULL && n == 0);
        return rc;
    }
    int same = n == LIST_ROWS + 1 && total == n;
    for (size_t i = 0; same && i < LIST_ROWS; i++)
        same = strcmp(items[i].id, S.loan_ids[i]) == 0 && items[i].amount == 1000 &&
               strcmp(items[i].user_wallet, WALLET) == 0;
    af_check(same, __FILE__, __LINE__, "LG_OK with %zu loans of %llu, not the %d expected", n,
             (unsigned long long)total, LIST_ROWS + 1);
    free(items);
    return rc;
}

static void test_loan_list(void)
{
    af_op op = {"store: loan list", NULL, before_read, run_loan_list, after_read, LG_OK};
    af_drive(&op);
}

static lg_err run_log_query(void *ctx)
{
    (void)ctx;
    lg_api_log_filter f = {S.r.id, 0, 0, -1, 100, 0};
    lg_api_log *items = (lg_api_log *)1;
    size_t n = 99;
    uint64_t total = 99;
    char want[32];
    lg_err rc = lg_store_api_log_query(S.st, &f, &items, &n, &total);
    if (rc != LG_OK) {
        AF_CHECK(items == NULL && n == 0);
        return rc;
    }
    int same = n == LIST_ROWS && total == n;
    for (size_t i = 0; same && i < n; i++) {
        snprintf(want, sizeof want, "list-%02zu", LIST_ROWS - 1 - i);
        same = strcmp(items[i].request_id, want) == 0 && strcmp(items[i].payload, "") != 0 &&
               strcmp(items[i].partner_name, S.r.name) == 0;
    }
    af_check(same, __FILE__, __LINE__, "LG_OK with %zu rows of %llu, not the %d expected", n,
             (unsigned long long)total, LIST_ROWS);
    free(items);
    return rc;
}

static void test_log_query(void)
{
    af_op op = {"store: API log query", NULL, before_read, run_log_query, after_read, LG_OK};
    af_drive(&op);
}

static lg_err run_tx_list(void *ctx)
{
    (void)ctx;
    lg_chain_tx *items = (lg_chain_tx *)1;
    size_t n = 99;
    lg_err rc = lg_store_tx_list(S.st, S.list_loan.id, NULL, &items, &n);
    if (rc != LG_OK) {
        AF_CHECK(items == NULL && n == 0);
        return rc;
    }
    int same = n == LIST_ROWS;
    for (size_t i = 0; same && i < n; i++)
        same = items[i].nonce == i && strncmp(items[i].raw, "0x02f870", 8) == 0 &&
               strcmp(items[i].loan_id, S.list_loan.id) == 0;
    af_check(same, __FILE__, __LINE__, "LG_OK with %zu transactions, not the %d expected", n,
             LIST_ROWS);
    free(items);
    return rc;
}

static void test_tx_list(void)
{
    af_op op = {"store: chain transaction list", NULL, before_read, run_tx_list, after_read, LG_OK};
    af_drive(&op);
}

/* ------------------------------------------------------------ appends */

static lg_err log_total(uint64_t *total)
{
    lg_api_log_filter f = {S.p.id, 0, 0, -1, 1, 0};
    lg_api_log *items = NULL;
    size_t n = 0;
    lg_err rc = lg_store_api_log_query(S.st, &f, &items, &n, total);
    free(items);
    return rc;
}

/* The log row goes through the store's second connection, opened on first use. */
static void before_log_append(void *ctx)
{
    (void)ctx;
    char rid[32];
    snprintf(rid, sizeof rid, "append-%lu", ++S.seq);
    log_init(&S.row, S.p.id, rid);
    open_handle();
}

static lg_err run_log_append(void *ctx)
{
    (void)ctx;
    return lg_store_api_log_append(S.st, &S.row);
}

/* Counted afterwards on the same handle: the append must not be held back by the
 * handle's connections being out of step. */
static void after_log_append(void *ctx, lg_err rc, int failed)
{
    (void)ctx;
    (void)failed;
    uint64_t total = 0, again_total = 0;
    AF_CHECK(log_total(&total) == LG_OK);
    if (rc != LG_OK) {
        lg_err again = lg_store_api_log_append(S.st, &S.row);
        af_check(again == LG_OK, __FILE__, __LINE__, "the same append again: %s",
                 lg_errname(again));
    }
    AF_CHECK(log_total(&again_total) == LG_OK);
    af_check(again_total == S.total + 1 && total == S.total + (rc == LG_OK), __FILE__, __LINE__,
             "returned %s: rows went from %llu to %llu, then %llu after the retry", lg_errname(rc),
             (unsigned long long)S.total, (unsigned long long)total,
             (unsigned long long)again_total);
    S.total = again_total;
    close_handle();
}

static void test_log_append(void)
{
    open_handle();
    CU_ASSERT_EQUAL_FATAL(log_total(&S.total), LG_OK);
    close_handle();
    af_op op = {"store: API log append", NULL, before_log_append, run_log_append,
                after_log_append,        LG_OK};
    af_drive(&op);
}

/* 1 when the transaction hash is recorded for tx_loan. */
static int tx_recorded(const char *hash)
{
    lg_chain_tx *items = NULL;
    size_t n = 0;
    int found = 0;
    AF_CHECK(lg_store_tx_list(S.st, S.tx_loan.id, NULL, &items, &n) == LG_OK);
    for (size_t i = 0; i < n; i++)
        found |= strcmp(items[i].hash, hash) == 0;
    free(items);
    return found;
}

static void before_tx_record(void *ctx)
{
    (void)ctx;
    tx_init(&S.tx, S.tx_loan.id, S.seq);
    open_handle();
}

static lg_err run_tx_record(void *ctx)
{
    (void)ctx;
    int64_t id = 0;
    lg_err rc = lg_store_tx_record(S.st, &S.tx, &id);
    if (rc == LG_OK)
        AF_CHECK(id > 0);
    return rc;
}

static void after_tx_record(void *ctx, lg_err rc, int failed)
{
    (void)ctx;
    (void)failed;
    int found = tx_recorded(S.tx.hash);
    af_check(found == (rc == LG_OK), __FILE__, __LINE__, "returned %s, and the hash is %s",
             lg_errname(rc), found ? "recorded" : "not recorded");
    if (rc != LG_OK) {
        lg_err again = lg_store_tx_record(S.st, &S.tx, NULL);
        af_check(again == LG_OK, __FILE__, __LINE__, "the same record again: %s",
                 lg_errname(again));
    }
    close_handle();
}

static void test_tx_record(void)
{
    af_op op = {"store: chain transaction record",
                NULL,
                before_tx_record,
                run_tx_record,
                after_tx_record,
                LG_OK};
    af_drive(&op);
}

void lg_alloc_fail_store_suite(void)
{
    static const lg_test_case tests[] = {
        {"open and migrate a new file", test_open_migrate},
        {"partner onboarding", test_onboard},
        {"loan reservation", test_reserve},
        {"loan list", test_loan_list},
        {"API log append", test_log_append},
        {"API log query", test_log_query},
        {"chain transaction record", test_tx_record},
        {"chain transaction list", test_tx_list},
        {NULL, NULL},
    };
    lg_test_add_suite("alloc-fail: store", suite_init, suite_clean, tests);
}
