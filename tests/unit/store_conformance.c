/*
 * store_conformance.c - the store contract (store.h) as tests, for every backend.
 *
 * Only store.h and the core headers are used: no SQL, no driver headers. Partners are
 * onboarded as the admin API does it (store_fixture.h); what the contract writes but
 * no operation reads back (outbox events, position debt and links) is checked through
 * the backend's optional look-ups. Each test gets an empty, migrated database on a
 * fixed clock (2026-03-14T12:00:00Z) that it moves by hand, so times, UTC days, leases
 * and key expiry are exact. The concurrency tests fork NPROC workers that open their
 * own handles, wait on a pipe barrier, race, and report their counts back through a
 * pipe.
 */
#include "config.h"

#include "store_conformance.h"

#include "harness.h"
#include "store_fixture.h"

#include <lendgate/error.h>
#include <lendgate/ids.h>
#include <lendgate/store.h>
#include <lendgate/time.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__)
#define CONF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CONF_PRINTF(f, a)
#endif

#define WALLET_A     "0x1111111111111111111111111111111111111111"
#define WALLET_B     "0x2222222222222222222222222222222222222222"
#define WALLET_C     "0x3333333333333333333333333333333333333333"
#define PLATFORM     "0x9999999999999999999999999999999999999999"
#define OTHER_SENDER "0x8888888888888888888888888888888888888888"
#define OAID_A       "42"
#define OAID_B       "43"
#define CHAIN_ID     5000
#define T0_TEXT      "2026-03-14T12:00:00Z"

#define NPROC           8       /* racing worker processes */
#define RACE_ATTEMPTS   5       /* reservations per worker */
#define RACE_AMOUNT     250000u /* 0.25 USDC per racing loan */
#define RACE_WINNERS    10      /* the limit admits exactly this many */
#define REPAY_PRINCIPAL 1000    /* base units of the loan repaid concurrently */
#define REPAY_STEP      7       /* 1000 = 7 * 142 + 6: a remainder is always left */
#define NONCES_EACH     100
#define NONCE_START     1000
#define BUSY_TRIES      50 /* retries of one LG_ERR_BUSY before a worker gives up */
#define CHILD_ALARM_S   120

/* ------------------------------------------------------------ test plumbing */

#define MAX_BACKENDS 4
static const lg_store_conformance_backend *slots[MAX_BACKENDS];
static int nslots;
static const lg_store_conformance_backend *cur; /* backend of the running suite */

static lg_store *g_st;         /* the running test's handle */
static int64_t t0;             /* the fixed clock every test starts at */
static unsigned long long seq; /* makes hashes, ids and digests unique in a process */

static void check(int ok, const char *file, unsigned line, CU_BOOL fatal, const char *fmt, ...)
    CONF_PRINTF(5, 6);

/* Records one assertion; the message is only formatted when it failed, and CUnit
 * copies it, so a stack buffer is fine. */
static void check(int ok, const char *file, unsigned line, CU_BOOL fatal, const char *fmt, ...)
{
    if (ok) {
        CU_assertImplementation(CU_TRUE, line, "ok", file, "", fatal);
        return;
    }
    char msg[1024];
    int len = snprintf(msg, sizeof msg, "[%s] ", cur ? cur->name : "?");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + len, sizeof msg - (size_t)len, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  FAIL %s:%u: %s\n", file, line, msg);
    CU_assertImplementation(CU_FALSE, line, msg, file, "", fatal);
}

static void expect_err(lg_err got, lg_err want, const char *expr, const char *file, unsigned line,
                       CU_BOOL fatal)
{
    check(got == want, file, line, fatal, "%s returned %s, expected %s", expr, lg_errname(got),
          lg_errname(want));
}

static void expect_u64(uint64_t got, uint64_t want, const char *expr, const char *file,
                       unsigned line, CU_BOOL fatal)
{
    check(got == want, file, line, fatal, "%s is %llu, expected %llu", expr,
          (unsigned long long)got, (unsigned long long)want);
}

static void expect_i64(int64_t got, int64_t want, const char *expr, const char *file, unsigned line,
                       CU_BOOL fatal)
{
    check(got == want, file, line, fatal, "%s is %lld, expected %lld", expr, (long long)got,
          (long long)want);
}

static void expect_str(const char *got, const char *want, const char *expr, const char *file,
                       unsigned line)
{
    check(strcmp(got, want) == 0, file, line, CU_FALSE, "%s is \"%s\", expected \"%s\"", expr, got,
          want);
}

#define EXPECT_ERR(call, want)  expect_err((call), (want), #call, __FILE__, __LINE__, CU_FALSE)
#define REQUIRE_ERR(call, want) expect_err((call), (want), #call, __FILE__, __LINE__, CU_TRUE)
#define EXPECT_U64(got, want)                                                                      \
    expect_u64((uint64_t)(got), (uint64_t)(want), #got, __FILE__, __LINE__, CU_FALSE)
#define REQUIRE_U64(got, want)                                                                     \
    expect_u64((uint64_t)(got), (uint64_t)(want), #got, __FILE__, __LINE__, CU_TRUE)
#define EXPECT_I64(got, want)                                                                      \
    expect_i64((int64_t)(got), (int64_t)(want), #got, __FILE__, __LINE__, CU_FALSE)
#define EXPECT_STR(got, want) expect_str((got), (want), #got, __FILE__, __LINE__)
#define EXPECT(cond)          check((cond) != 0, __FILE__, __LINE__, CU_FALSE, "%s does not hold", #cond)
#define REQUIRE(cond)         check((cond) != 0, __FILE__, __LINE__, CU_TRUE, "%s does not hold", #cond)
#define EXPECT_INVALID(call)  EXPECT_ERR(call, LG_ERR_INVALID)

static void set_clock(int64_t ms)
{
    lg_time_set_fixed(ms);
}

/* Closes what the previous test left open (a fatal assertion skips its own close). */
static void finish(void)
{
    lg_store_close(g_st);
    g_st = NULL;
    lg_time_set_fixed(-1);
}

/* An empty database without the schema, on the fixed clock at t0. */
static lg_store *start_unmigrated(void)
{
    finish();
    set_clock(t0);
    check(cur->fresh(cur->ctx) == 0, __FILE__, __LINE__, CU_TRUE, "fresh() failed");
    REQUIRE_ERR(cur->open(cur->ctx, &g_st), LG_OK);
    return g_st;
}

/* An empty, migrated database on the fixed clock at t0: every test starts here. */
static lg_store *start(void)
{
    lg_store *st = start_unmigrated();
    REQUIRE_ERR(lg_store_migrate(st, NULL), LG_OK);
    return st;
}

/* ------------------------------------------------------------ test data */

static void tx_hash(char *buf, size_t len, unsigned tag, unsigned long long n)
{
    snprintf(buf, len, "0x%08x%056llx", tag, n);
}

static void new_tx_hash(char *buf, size_t len)
{
    tx_hash(buf, len, 0, ++seq);
}

static void new_digest(char *buf, size_t len)
{
    snprintf(buf, len, "%064llx", ++seq);
}

static void partner_init(lg_partner *p, const char *prefix, uint64_t daily, uint64_t total,
                         uint32_t fee_bps)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "partner_%s_001", prefix);
    snprintf(p->name, sizeof p->name, "%s lending", prefix);
    snprintf(p->key_prefix, sizeof p->key_prefix, "%s", prefix);
    p->status = LG_PARTNER_ACTIVE;
    p->tier = LG_TIER_BASIC;
    p->daily_limit = daily;
    p->total_limit = total;
    p->fee_bps = fee_bps;
    snprintf(p->settlement_address, sizeof p->settlement_address, "0x%040llx", ++seq);
    snprintf(p->webhook_url, sizeof p->webhook_url, "https://%s.example/hooks", prefix);
    snprintf(p->webhook_secret, sizeof p->webhook_secret, "whsec_%s_0123456789", prefix);
    snprintf(p->contact_email, sizeof p->contact_email, "ops@%s.example", prefix);
    p->rate_limit_rpm = 0;
    p->signing_required = 0;
}

static void add_partner(lg_store *st, lg_partner *p, const char *prefix, uint64_t daily,
                        uint64_t total, uint32_t fee_bps)
{
    partner_init(p, prefix, daily, total, fee_bps);
    REQUIRE_ERR(lg_test_partner_add(st, p, NULL), LG_OK);
}

static lg_partner get_partner(lg_store *st, const char *id)
{
    lg_partner p;
    memset(&p, 0, sizeof p);
    REQUIRE_ERR(lg_store_partner_get(st, id, &p), LG_OK);
    return p;
}

static void loan_init_at(lg_loan *l, const lg_partner *p, const char *plid, uint64_t amount,
                         const char *wallet, const char *oaid)
{
    memset(l, 0, sizeof *l);
    snprintf(l->partner_id, sizeof l->partner_id, "%s", p->id);
    snprintf(l->partner_loan_id, sizeof l->partner_loan_id, "%s", plid);
    snprintf(l->user_wallet, sizeof l->user_wallet, "%s", wallet);
    snprintf(l->oaid, sizeof l->oaid, "%s", oaid);
    snprintf(l->position_id, sizeof l->position_id, "7");
    l->amount = amount;
    l->fee = amount * p->fee_bps / 10000;
    l->net = amount - l->fee;
    new_digest(l->request_hash, sizeof l->request_hash);
}

static void loan_init(lg_loan *l, const lg_partner *p, const char *plid, uint64_t amount)
{
    loan_init_at(l, p, plid, amount, WALLET_A, OAID_A);
}

static void reserve(lg_store *st, const lg_partner *p, const char *plid, uint64_t amount,
                    lg_loan *out)
{
    loan_init(out, p, plid, amount);
    REQUIRE_ERR(lg_store_loan_reserve(st, out, NULL, NULL), LG_OK);
}

static lg_loan get_loan(lg_store *st, const char *loan_id)
{
    lg_loan l;
    memset(&l, 0, sizeof l);
    REQUIRE_ERR(lg_store_loan_get_by_id(st, loan_id, &l), LG_OK);
    return l;
}

static void position_init(lg_position *pos, const char *wallet, const char *oaid)
{
    memset(pos, 0, sizeof *pos);
    snprintf(pos->wallet, sizeof pos->wallet, "%s", wallet);
    snprintf(pos->oaid, sizeof pos->oaid, "%s", oaid);
    snprintf(pos->position_id, sizeof pos->position_id, "7");
    snprintf(pos->collateral_token, sizeof pos->collateral_token,
             "0x4444444444444444444444444444444444444444");
    snprintf(pos->collateral_amount, sizeof pos->collateral_amount, "5000000000000000000");
    snprintf(pos->collateral_value, sizeof pos->collateral_value, "250000000000");
    snprintf(pos->usdc_borrowed, sizeof pos->usdc_borrowed, "0");
    snprintf(pos->health_factor, sizeof pos->health_factor,
             "115792089237316195423570985008687907853269984665640564039457584007913129639935");
    pos->token_type = 1;
    pos->active = 1;
}

static void ensure_position(lg_store *st, const char *wallet, const char *oaid)
{
    lg_position pos;
    position_init(&pos, wallet, oaid);
    REQUIRE_ERR(lg_store_position_upsert(st, &pos), LG_OK);
}

/* The position's total_partner_debt is want, when the backend can look. */
static void expect_debt(const char *wallet, const char *oaid, uint64_t want, unsigned line)
{
    lg_position pos;
    if (!cur->get_position)
        return;
    memset(&pos, 0, sizeof pos);
    int rc = cur->get_position(cur->ctx, wallet, oaid, &pos);
    check(rc == 0 && pos.total_partner_debt == want, __FILE__, line, CU_FALSE,
          "position (%s, %s): look-up %d, total_partner_debt %llu, expected %llu", wallet, oaid, rc,
          (unsigned long long)pos.total_partner_debt, (unsigned long long)want);
}
#define EXPECT_DEBT(wallet, oaid, want) expect_debt((wallet), (oaid), (want), __LINE__)

/* loan_id is linked to its position, marked repaid or not as want says, when the
 * backend can look. */
static void expect_link(const char *loan_id, int want_repaid, unsigned line)
{
    int repaid = -1;
    if (!cur->link_repaid)
        return;
    int rc = cur->link_repaid(cur->ctx, loan_id, &repaid);
    check(rc == 0 && repaid == want_repaid, __FILE__, line, CU_FALSE,
          "link of loan %s: look-up %d, repaid %d, expected %d", loan_id, rc, repaid, want_repaid);
}
#define EXPECT_LINK(loan_id, want_repaid) expect_link((loan_id), (want_repaid), __LINE__)

/* Credits amount to p's repayment balance by a new deposit transaction.
 * Out: *hash (may be NULL) the deposit's transaction hash. */
static void fund(lg_store *st, const lg_partner *p, uint64_t amount, char *hash)
{
    lg_deposit d;
    memset(&d, 0, sizeof d);
    new_tx_hash(d.tx_hash, sizeof d.tx_hash);
    snprintf(d.partner_id, sizeof d.partner_id, "%s", p->id);
    d.amount = amount;
    REQUIRE_ERR(lg_store_deposit_credit(st, &d, NULL, NULL), LG_OK);
    if (hash)
        snprintf(hash, LG_HASH_LEN, "%s", d.tx_hash);
}

static uint64_t balance(lg_store *st, const char *partner_id)
{
    lg_partner p = get_partner(st, partner_id);
    REQUIRE(p.balance_used <= p.deposited);
    return p.deposited - p.balance_used;
}

/* Reserves, marks borrowed and confirms a loan on the position (WALLET_A, OAID_A), with
 * no money for its repayment. */
static lg_loan make_active_unfunded(lg_store *st, const lg_partner *p, const char *plid,
                                    uint64_t amount)
{
    lg_loan l;
    char borrow_tx[LG_HASH_LEN], transfer_tx[LG_HASH_LEN];
    ensure_position(st, WALLET_A, OAID_A);
    reserve(st, p, plid, amount, &l);
    new_tx_hash(borrow_tx, sizeof borrow_tx);
    new_tx_hash(transfer_tx, sizeof transfer_tx);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, l.id, borrow_tx), LG_OK);
    REQUIRE_ERR(lg_store_loan_confirm(st, l.id, borrow_tx, transfer_tx), LG_OK);
    return get_loan(st, l.id);
}

/* make_active_unfunded, and the partner credited with the loan's amount, so repaying
 * it in full is funded. */
static lg_loan make_active(lg_store *st, const lg_partner *p, const char *plid, uint64_t amount)
{
    lg_loan l = make_active_unfunded(st, p, plid, amount);
    fund(st, p, amount, NULL);
    return l;
}

static uint64_t usage(lg_store *st, const char *partner_id, const char *day)
{
    uint64_t b = UINT64_MAX;
    REQUIRE_ERR(lg_store_daily_usage(st, partner_id, day, &b), LG_OK);
    return b;
}

static void today(char *day, size_t len)
{
    lg_time_day_key(lg_time_now_ms(), day, len);
}

/* partner_id has want outbox events of type, when the backend can count them. */
static void expect_events(const char *partner_id, const char *type, uint64_t want, unsigned line)
{
    uint64_t n = UINT64_MAX;
    if (!cur->count_events)
        return;
    int rc = cur->count_events(cur->ctx, partner_id, type, &n);
    check(rc == 0 && n == want, __FILE__, line, CU_FALSE,
          "outbox of %s: look-up %d, %llu \"%s\" events, expected %llu", partner_id, rc,
          (unsigned long long)n, type, (unsigned long long)want);
}
#define EXPECT_EVENTS(partner_id, type, want) expect_events((partner_id), (type), (want), __LINE__)

static uint64_t loan_count(lg_store *st, const char *partner_id)
{
    lg_loan_filter f = {partner_id, NULL, -1, 1, 0};
    lg_loan *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    REQUIRE_ERR(lg_store_loan_list(st, &f, &items, &n, &total), LG_OK);
    free(items);
    return total;
}

/* Every ledger row of partner_id, newest first; the caller frees *items. */
static size_t ledger_all(lg_store *st, const char *partner_id, lg_ledger_entry **items)
{
    lg_ledger_filter f = {partner_id, 0, 0, 1000, 0};
    size_t n = 0;
    uint64_t total = 0;
    *items = NULL;
    REQUIRE_ERR(lg_store_ledger_list(st, &f, items, &n, &total), LG_OK);
    EXPECT_U64(total, n);
    return n;
}

static const lg_ledger_entry *ledger_find(const lg_ledger_entry *rows, size_t n,
                                          const char *loan_id, lg_ledger_kind kind)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].kind == kind && strcmp(rows[i].loan_id, loan_id) == 0)
            return &rows[i];
    return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static void test_migrate_idempotent(void)
{
    lg_store *st = start_unmigrated();
    int version = -1, applied = -1;
    EXPECT_STR(lg_store_backend_name(st), cur->name);
    REQUIRE_ERR(lg_store_schema_version(st, &version), LG_OK);
    EXPECT_I64(version, 0);
    REQUIRE_ERR(lg_store_migrate(st, &applied), LG_OK);
    EXPECT(applied >= 1);
    int v1 = -1;
    REQUIRE_ERR(lg_store_schema_version(st, &v1), LG_OK);
    EXPECT(v1 >= 1);

    lg_partner p, got;
    add_partner(st, &p, "acme", 1000, 5000, 0);
    applied = -1;
    REQUIRE_ERR(lg_store_migrate(st, &applied), LG_OK);
    EXPECT_I64(applied, 0);
    REQUIRE_ERR(lg_store_schema_version(st, &version), LG_OK);
    EXPECT_I64(version, v1);
    EXPECT_ERR(lg_store_partner_get(st, p.id, &got), LG_OK);

    /* A new handle (a restarted worker) finds the schema and the data in place. */
    lg_store_close(g_st);
    g_st = NULL;
    REQUIRE_ERR(cur->open(cur->ctx, &g_st), LG_OK);
    applied = -1;
    REQUIRE_ERR(lg_store_migrate(g_st, &applied), LG_OK);
    EXPECT_I64(applied, 0);
    REQUIRE_ERR(lg_store_schema_version(g_st, &version), LG_OK);
    EXPECT_I64(version, v1);
    EXPECT_ERR(lg_store_partner_get(g_st, p.id, &got), LG_OK);
    EXPECT_STR(got.name, p.name);
    finish();
}

static void test_open_unsupported(void)
{
    lg_store *st = NULL;
    EXPECT_ERR(lg_store_open("no-such-backend", "nowhere", 1000, &st), LG_ERR_UNSUPPORTED);
    EXPECT(st == NULL);
    lg_store_close(st);
    lg_store_close(NULL);
}

/* ------------------------------------------------------------ partners */

static void expect_partner_config(const lg_partner *got, const lg_partner *want)
{
    EXPECT_STR(got->id, want->id);
    EXPECT_STR(got->name, want->name);
    EXPECT_STR(got->key_prefix, want->key_prefix);
    EXPECT_I64(got->status, want->status);
    EXPECT_I64(got->tier, want->tier);
    EXPECT_U64(got->daily_limit, want->daily_limit);
    EXPECT_U64(got->total_limit, want->total_limit);
    EXPECT_U64(got->fee_bps, want->fee_bps);
    EXPECT_STR(got->settlement_address, want->settlement_address);
    EXPECT_STR(got->webhook_url, want->webhook_url);
    EXPECT_STR(got->webhook_secret, want->webhook_secret);
    EXPECT_STR(got->contact_email, want->contact_email);
    EXPECT_U64(got->rate_limit_rpm, want->rate_limit_rpm);
    EXPECT_I64(got->signing_required, want->signing_required);
    EXPECT_STR(got->signing_secret, want->signing_secret);
    EXPECT_STR(got->ip_allowlist, want->ip_allowlist);
}

static void test_partner_create_get(void)
{
    lg_store *st = start();
    lg_partner p, got;
    partner_init(&p, "acme", 5000000, 20000000, 150);
    p.tier = LG_TIER_ENTERPRISE;
    p.rate_limit_rpm = 600;
    p.signing_required = 1;
    snprintf(p.signing_secret, sizeof p.signing_secret, "sig_secret_abc");
    snprintf(p.ip_allowlist, sizeof p.ip_allowlist, "10.0.0.0/8,192.0.2.7");
    /* Store-maintained fields are ignored on create. */
    p.outstanding = 11;
    p.total_borrowed = 22;
    p.total_repaid = 33;
    p.total_fees = 44;
    p.created_at_ms = 1;
    p.updated_at_ms = 2;
    REQUIRE_ERR(lg_test_partner_add(st, &p, NULL), LG_OK);
    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_partner_get(st, p.id, &got), LG_OK);
    expect_partner_config(&got, &p);
    EXPECT_U64(got.outstanding, 0);
    EXPECT_U64(got.total_borrowed, 0);
    EXPECT_U64(got.total_repaid, 0);
    EXPECT_U64(got.total_fees, 0);
    EXPECT_I64(got.created_at_ms, t0);
    EXPECT_I64(got.updated_at_ms, t0);
    EXPECT_ERR(lg_store_partner_get(st, "partner_nobody_001", &got), LG_ERR_NOT_FOUND);
    finish();
}

static void test_partner_duplicate(void)
{
    lg_store *st = start();
    lg_partner p, q, got;
    add_partner(st, &p, "acme", 1000, 5000, 100);
    partner_init(&q, "acme", 9, 9, 9);
    EXPECT_ERR(lg_test_partner_add(st, &q, NULL), LG_ERR_DUPLICATE); /* same id and prefix */
    partner_init(&q, "other", 9, 9, 9);
    snprintf(q.id, sizeof q.id, "%s", p.id);
    EXPECT_ERR(lg_test_partner_add(st, &q, NULL), LG_ERR_DUPLICATE); /* same id */
    partner_init(&q, "acme", 9, 9, 9);
    snprintf(q.id, sizeof q.id, "partner_acme_002");
    EXPECT_ERR(lg_test_partner_add(st, &q, NULL), LG_ERR_DUPLICATE); /* same key prefix */
    EXPECT_ERR(lg_store_partner_get(st, "partner_acme_002", &got), LG_ERR_NOT_FOUND);
    got = get_partner(st, p.id);
    expect_partner_config(&got, &p);
    lg_partner_filter f = {-1, -1, 100, 0};
    lg_partner *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_partner_list(st, &f, &items, &n, &total), LG_OK);
    EXPECT_U64(n, 1);
    EXPECT_U64(total, 1);
    free(items);
    finish();
}

static void test_partner_update_mask(void)
{
    lg_store *st = start();
    lg_partner p, u, before, after;
    add_partner(st, &p, "acme", 1000, 5000, 100);
    set_clock(t0 + 5000);
    u = p;
    snprintf(u.name, sizeof u.name, "Acme Two");
    u.daily_limit = 2000;
    u.total_limit = 9999;            /* not in the mask: must stay 5000 */
    u.fee_bps = 250;                 /* not in the mask */
    u.status = LG_PARTNER_SUSPENDED; /* not in the mask */
    u.outstanding = 777;             /* store-maintained: never copied */
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, LG_PF_NAME | LG_PF_DAILY_LIMIT, NULL,
                                                &before, &after),
                LG_OK);
    expect_partner_config(&before, &p);
    EXPECT_I64(before.updated_at_ms, t0);
    lg_partner want = p;
    snprintf(want.name, sizeof want.name, "Acme Two");
    want.daily_limit = 2000;
    expect_partner_config(&after, &want);
    EXPECT_U64(after.outstanding, 0);
    EXPECT_I64(after.created_at_ms, t0);
    EXPECT_I64(after.updated_at_ms, t0 + 5000);
    lg_partner got = get_partner(st, p.id);
    expect_partner_config(&got, &want);
    EXPECT_I64(got.updated_at_ms, t0 + 5000);

    /* Before/after may be NULL; an unknown partner is NOT_FOUND. */
    EXPECT_ERR(lg_store_partner_update_audited(st, &u, LG_PF_FEE_BPS, NULL, NULL, NULL), LG_OK);
    EXPECT_U64(get_partner(st, p.id).fee_bps, 250);
    snprintf(u.id, sizeof u.id, "partner_nobody_001");
    EXPECT_ERR(lg_store_partner_update_audited(st, &u, LG_PF_NAME, NULL, NULL, NULL),
               LG_ERR_NOT_FOUND);
    finish();
}

static void test_partner_update_every_field(void)
{
    lg_store *st = start();
    lg_partner p, u, after;
    add_partner(st, &p, "acme", 1000, 5000, 100);
    partner_init(&u, "zzz", 3000, 7000, 300);
    snprintf(u.id, sizeof u.id, "%s", p.id);
    snprintf(u.key_prefix, sizeof u.key_prefix, "%s", p.key_prefix); /* no field for it */
    u.status = LG_PARTNER_INACTIVE;
    u.tier = LG_TIER_PREMIUM;
    u.rate_limit_rpm = 1200;
    u.signing_required = 1;
    snprintf(u.signing_secret, sizeof u.signing_secret, "sig_new_secret");
    snprintf(u.ip_allowlist, sizeof u.ip_allowlist, "203.0.113.0/24");
    u.total_borrowed = 5;
    unsigned all = LG_PF_NAME | LG_PF_STATUS | LG_PF_TIER | LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT |
                   LG_PF_FEE_BPS | LG_PF_SETTLEMENT | LG_PF_WEBHOOK_URL | LG_PF_WEBHOOK_SECRET |
                   LG_PF_CONTACT | LG_PF_RATE_LIMIT | LG_PF_SIGNING | LG_PF_ALLOWLIST;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, all, NULL, NULL, &after), LG_OK);
    expect_partner_config(&after, &u);
    EXPECT_U64(after.total_borrowed, 0);
    lg_partner got = get_partner(st, p.id);
    expect_partner_config(&got, &u);
    finish();
}

/* The plan's partner fields (contactWallet, publicKey, kycVerified, contractSigned,
 * createdBy) as the store must keep them. */
static void expect_plan_fields(const lg_partner *got, const lg_partner *want)
{
    EXPECT_STR(got->contact_wallet, want->contact_wallet);
    EXPECT_STR(got->public_key, want->public_key);
    EXPECT_I64(got->kyc_verified, want->kyc_verified);
    EXPECT_I64(got->contract_signed, want->contract_signed);
    EXPECT_STR(got->created_by, want->created_by);
}

/* The plan's fields round-trip: created, read back by id, prefix and list, each
 * changed alone by its own mask bit, and created_by never changed by an update. */
static void test_partner_plan_fields(void)
{
    lg_store *st = start();
    lg_partner p, bare, u, before, after, got, want;
    partner_init(&p, "acme", 1000, 5000, 100);
    snprintf(p.contact_wallet, sizeof p.contact_wallet, WALLET_A);
    snprintf(p.public_key, sizeof p.public_key, WALLET_B);
    p.kyc_verified = 1;
    p.contract_signed = 1;
    snprintf(p.created_by, sizeof p.created_by, "alice");
    REQUIRE_ERR(lg_test_partner_add(st, &p, NULL), LG_OK);
    got = get_partner(st, p.id);
    expect_partner_config(&got, &p);
    expect_plan_fields(&got, &p);
    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_partner_get_by_prefix(st, "acme", &got), LG_OK);
    expect_plan_fields(&got, &p);

    /* Left empty: empty strings and both flags off. */
    partner_init(&bare, "bare", 1000, 5000, 100);
    REQUIRE_ERR(lg_test_partner_add(st, &bare, NULL), LG_OK);
    got = get_partner(st, bare.id);
    expect_plan_fields(&got, &bare);
    EXPECT_STR(got.created_by, "");
    EXPECT_I64(got.kyc_verified, 0);
    EXPECT_I64(got.contract_signed, 0);

    lg_partner_filter f = {-1, -1, 100, 0};
    lg_partner *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_partner_list(st, &f, &items, &n, &total), LG_OK);
    REQUIRE(n == 2);
    for (size_t i = 0; i < n; i++)
        expect_plan_fields(&items[i], strcmp(items[i].id, p.id) == 0 ? &p : &bare);
    free(items);

    /* A change with every field different, applied one new mask bit at a time. */
    partner_init(&u, "zzz", 3000, 7000, 300);
    snprintf(u.id, sizeof u.id, "%s", p.id);
    snprintf(u.key_prefix, sizeof u.key_prefix, "%s", p.key_prefix);
    u.status = LG_PARTNER_SUSPENDED;
    u.tier = LG_TIER_PREMIUM;
    snprintf(u.contact_wallet, sizeof u.contact_wallet, WALLET_C);
    snprintf(u.public_key, sizeof u.public_key, PLATFORM);
    u.kyc_verified = 0;
    u.contract_signed = 0;
    snprintf(u.created_by, sizeof u.created_by, "mallory");
    static const unsigned bits[] = {LG_PF_CONTACT_WALLET, LG_PF_PUBLIC_KEY, LG_PF_KYC,
                                    LG_PF_CONTRACT};
    want = p;
    for (size_t i = 0; i < sizeof bits / sizeof *bits; i++) {
        set_clock(t0 + 1000 * (int64_t)(i + 1));
        memset(&before, 0, sizeof before);
        memset(&after, 0, sizeof after);
        REQUIRE_ERR(lg_store_partner_update_audited(st, &u, bits[i], NULL, &before, &after), LG_OK);
        expect_partner_config(&before, &want);
        expect_plan_fields(&before, &want);
        if (bits[i] == LG_PF_CONTACT_WALLET)
            snprintf(want.contact_wallet, sizeof want.contact_wallet, "%s", u.contact_wallet);
        else if (bits[i] == LG_PF_PUBLIC_KEY)
            snprintf(want.public_key, sizeof want.public_key, "%s", u.public_key);
        else if (bits[i] == LG_PF_KYC)
            want.kyc_verified = u.kyc_verified;
        else
            want.contract_signed = u.contract_signed;
        expect_partner_config(&after, &want);
        expect_plan_fields(&after, &want);
        EXPECT_I64(after.updated_at_ms, t0 + 1000 * (int64_t)(i + 1));
        got = get_partner(st, p.id);
        expect_partner_config(&got, &want);
        expect_plan_fields(&got, &want);
    }
    EXPECT_STR(got.contact_wallet, WALLET_C);
    EXPECT_STR(got.public_key, PLATFORM);
    EXPECT_I64(got.kyc_verified, 0);
    EXPECT_I64(got.contract_signed, 0);

    /* Back on, and "" clears an address. */
    u.kyc_verified = 1;
    u.contract_signed = 1;
    u.contact_wallet[0] = '\0';
    REQUIRE_ERR(lg_store_partner_update_audited(
                    st, &u, LG_PF_KYC | LG_PF_CONTRACT | LG_PF_CONTACT_WALLET, NULL, NULL, &after),
                LG_OK);
    want.kyc_verified = want.contract_signed = 1;
    want.contact_wallet[0] = '\0';
    expect_plan_fields(&after, &want);
    got = get_partner(st, p.id);
    expect_plan_fields(&got, &want);

    /* The old fields' bits leave the new fields alone, and no update, not even one
     * naming every field, changes created_by. */
    u.kyc_verified = 0;
    unsigned old_bits = LG_PF_NAME | LG_PF_STATUS | LG_PF_TIER | LG_PF_DAILY_LIMIT |
                        LG_PF_TOTAL_LIMIT | LG_PF_FEE_BPS | LG_PF_SETTLEMENT | LG_PF_WEBHOOK_URL |
                        LG_PF_WEBHOOK_SECRET | LG_PF_CONTACT | LG_PF_RATE_LIMIT | LG_PF_SIGNING |
                        LG_PF_ALLOWLIST;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, old_bits, NULL, NULL, &after), LG_OK);
    expect_plan_fields(&after, &want);
    EXPECT_STR(after.name, u.name);
    unsigned all = old_bits | LG_PF_CONTACT_WALLET | LG_PF_PUBLIC_KEY | LG_PF_KYC | LG_PF_CONTRACT;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, all, NULL, NULL, &after), LG_OK);
    EXPECT_STR(after.created_by, "alice");
    EXPECT_I64(after.kyc_verified, 0);
    got = get_partner(st, p.id);
    EXPECT_STR(got.created_by, "alice");
    EXPECT_STR(got.contact_wallet, "");
    EXPECT_STR(got.public_key, PLATFORM);
    EXPECT_I64(got.kyc_verified, 0);
    EXPECT_I64(got.contract_signed, 1);
    EXPECT_STR(get_partner(st, bare.id).created_by, "");
    finish();
}

/* Creates five partners one second apart (plus one sharing a created_at, to show the
 * id tie-break), with mixed status and tier. */
static void seed_partners(lg_store *st)
{
    static const struct {
        const char *prefix;
        lg_partner_status status;
        lg_tier tier;
    } rows[] = {
        {"p1", LG_PARTNER_ACTIVE, LG_TIER_BASIC},
        {"p2", LG_PARTNER_SUSPENDED, LG_TIER_PREMIUM},
        {"p3", LG_PARTNER_ACTIVE, LG_TIER_PREMIUM},
        {"p5", LG_PARTNER_INACTIVE, LG_TIER_ENTERPRISE},
        {"p4", LG_PARTNER_SUSPENDED, LG_TIER_BASIC}, /* same time as p5: id decides */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lg_partner p;
        set_clock(t0 + 1000 * (int64_t)(i < 4 ? i : 3));
        partner_init(&p, rows[i].prefix, 1000, 5000, 0);
        p.status = rows[i].status;
        p.tier = rows[i].tier;
        REQUIRE_ERR(lg_test_partner_add(st, &p, NULL), LG_OK);
    }
}

static void expect_partner_page(lg_store *st, int status, int tier, uint32_t limit, uint64_t offset,
                                uint64_t want_total, const char *want_ids, unsigned line)
{
    lg_partner_filter f = {status, tier, limit, offset};
    lg_partner *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    lg_err e = lg_store_partner_list(st, &f, &items, &n, &total);
    expect_err(e, LG_OK, "lg_store_partner_list", __FILE__, line, CU_FALSE);
    char ids[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? "," : "", items[i].id);
    check(strcmp(ids, want_ids) == 0 && total == want_total && (n > 0 || items == NULL), __FILE__,
          line, CU_FALSE,
          "partner_list(status %d, tier %d, limit %u, offset %llu) gave [%s] total %llu%s, "
          "expected [%s] total %llu",
          status, tier, limit, (unsigned long long)offset, ids, (unsigned long long)total,
          n == 0 && items ? " with non-NULL items" : "", want_ids, (unsigned long long)want_total);
    free(items);
}

static void test_partner_list(void)
{
    lg_store *st = start();
    seed_partners(st);
    const char *all = "partner_p1_001,partner_p2_001,partner_p3_001,partner_p4_001,partner_p5_001";
    expect_partner_page(st, -1, -1, 100, 0, 5, all, __LINE__);
    expect_partner_page(st, LG_PARTNER_SUSPENDED, -1, 100, 0, 2, "partner_p2_001,partner_p4_001",
                        __LINE__);
    expect_partner_page(st, LG_PARTNER_INACTIVE, -1, 100, 0, 1, "partner_p5_001", __LINE__);
    expect_partner_page(st, -1, LG_TIER_PREMIUM, 100, 0, 2, "partner_p2_001,partner_p3_001",
                        __LINE__);
    expect_partner_page(st, LG_PARTNER_ACTIVE, LG_TIER_PREMIUM, 100, 0, 1, "partner_p3_001",
                        __LINE__);
    expect_partner_page(st, LG_PARTNER_ACTIVE, LG_TIER_ENTERPRISE, 100, 0, 0, "", __LINE__);
    expect_partner_page(st, -1, -1, 2, 1, 5, "partner_p2_001,partner_p3_001", __LINE__);
    expect_partner_page(st, -1, -1, 2, 4, 5, "partner_p5_001", __LINE__);
    expect_partner_page(st, -1, -1, 10, 5, 5, "", __LINE__);  /* offset at the end */
    expect_partner_page(st, -1, -1, 10, 99, 5, "", __LINE__); /* offset past the end */
    expect_partner_page(st, -1, -1, 0, 0, 5, "", __LINE__);   /* limit 0: count only */
    expect_partner_page(st, LG_PARTNER_SUSPENDED, -1, 1, 1, 2, "partner_p4_001", __LINE__);
    finish();
}

/* ------------------------------------------------------------ API keys */

static void key_init(lg_api_key *k, const char *partner_id)
{
    memset(k, 0, sizeof *k);
    snprintf(k->partner_id, sizeof k->partner_id, "%s", partner_id);
    new_digest(k->key_hash, sizeof k->key_hash);
    snprintf(k->prefix, sizeof k->prefix, "pk_acme_live_%03llx", seq % 0x1000);
    snprintf(k->env, sizeof k->env, "live");
}

/* Onboards p (partner_init's fields) with its first key; out: *k, id included. */
static void add_partner_key(lg_store *st, lg_partner *p, const char *prefix, lg_api_key *k)
{
    partner_init(p, prefix, 1000, 5000, 0);
    REQUIRE_ERR(lg_test_partner_add(st, p, k), LG_OK);
    REQUIRE(k->id > 0);
}

/* Gives partner_id a new key *k the way the service does, by a rotation: its other
 * keys stop at old_expires_at_ms, or at their own earlier expiry. */
static void rotate_key(lg_store *st, const char *partner_id, int64_t old_expires_at_ms,
                       lg_api_key *k)
{
    int64_t id = 0;
    key_init(k, partner_id);
    REQUIRE_ERR(lg_store_key_rotate(st, k, old_expires_at_ms, NULL, &id), LG_OK);
    k->id = id;
}

/* lg_store_partner_by_key at time ms; on LG_OK the key found must be want_id. */
static void expect_auth(lg_store *st, const lg_api_key *k, int64_t ms, lg_err want, unsigned line)
{
    lg_partner p;
    lg_api_key got;
    memset(&got, 0, sizeof got);
    set_clock(ms);
    lg_err e = lg_store_partner_by_key(st, k->key_hash, &p, &got);
    check(e == want, __FILE__, line, CU_FALSE,
          "partner_by_key(key %lld) at t0%+lld ms returned %s, expected %s", (long long)k->id,
          (long long)(ms - t0), lg_errname(e), lg_errname(want));
    if (e == LG_OK)
        check(got.id == k->id && strcmp(p.id, k->partner_id) == 0, __FILE__, line, CU_FALSE,
              "partner_by_key matched key %lld of %s, expected key %lld of %s", (long long)got.id,
              p.id, (long long)k->id, k->partner_id);
}

static void test_key_add_find(void)
{
    lg_store *st = start();
    lg_partner p, got;
    lg_api_key k, dup, kgot;
    int64_t id = 0;
    partner_init(&p, "acme", 1000, 5000, 0);
    key_init(&k, p.id);
    REQUIRE_ERR(lg_store_partner_onboard(st, &p, &k, NULL, &id), LG_OK);
    k.id = id;
    EXPECT(k.id > 0);
    key_init(&dup, "partner_nobody_001");
    EXPECT_ERR(lg_store_key_rotate(st, &dup, t0, NULL, NULL), LG_ERR_NOT_FOUND);
    dup = k;
    EXPECT_ERR(lg_store_key_rotate(st, &dup, t0, NULL, NULL), LG_ERR_DUPLICATE);
    memset(&kgot, 0, sizeof kgot);
    REQUIRE_ERR(lg_store_partner_by_key(st, k.key_hash, &got, &kgot), LG_OK);
    EXPECT_STR(got.id, p.id);
    EXPECT_I64(got.status, LG_PARTNER_ACTIVE);
    EXPECT_I64(kgot.id, k.id);
    EXPECT_STR(kgot.partner_id, p.id);
    EXPECT_STR(kgot.key_hash, k.key_hash);
    EXPECT_STR(kgot.prefix, k.prefix);
    EXPECT_STR(kgot.env, "live");
    EXPECT_I64(kgot.created_at_ms, t0);
    EXPECT_I64(kgot.expires_at_ms, 0); /* the refused rotations changed nothing */
    EXPECT_I64(kgot.revoked_at_ms, 0);
    EXPECT_I64(kgot.last_used_at_ms, 0);
    EXPECT_ERR(lg_store_partner_by_key(st, k.key_hash, NULL, NULL), LG_OK);
    char other[LG_HEX64_LEN];
    new_digest(other, sizeof other);
    EXPECT_ERR(lg_store_partner_by_key(st, other, &got, &kgot), LG_ERR_NOT_FOUND);
    finish();
}

static void test_key_rotation_grace(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_api_key a, b;
    add_partner_key(st, &p, "acme", &a);
    set_clock(t0 + 1);
    rotate_key(st, p.id, t0 + 1000, &b);
    expect_auth(st, &a, t0, LG_OK, __LINE__);
    expect_auth(st, &b, t0 + 1, LG_OK, __LINE__);
    expect_auth(st, &a, t0 + 999, LG_OK, __LINE__);
    expect_auth(st, &a, t0 + 1000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &b, t0 + 1000, LG_OK, __LINE__);
    expect_auth(st, &a, t0 + 86400000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &b, t0 + 86400000, LG_OK, __LINE__);

    /* A later rotation never pushes an earlier expiry out. */
    lg_api_key c;
    set_clock(t0 + 2000);
    rotate_key(st, p.id, t0 + 50000, &c);
    expect_auth(st, &a, t0 + 2000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &b, t0 + 49999, LG_OK, __LINE__);
    expect_auth(st, &b, t0 + 50000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &c, t0 + 50000, LG_OK, __LINE__);

    lg_api_key *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_key_list(st, p.id, &items, &n), LG_OK);
    REQUIRE_U64(n, 3);
    EXPECT_I64(items[0].id, c.id); /* newest first */
    EXPECT_I64(items[1].id, b.id);
    EXPECT_I64(items[2].id, a.id);
    EXPECT_I64(items[0].expires_at_ms, 0);
    EXPECT_I64(items[1].expires_at_ms, t0 + 50000);
    EXPECT_I64(items[2].expires_at_ms, t0 + 1000);
    free(items);
    finish();
}

static void expect_auth_refused(lg_store *st, const lg_partner *p, const lg_api_key *k,
                                lg_partner_status status, lg_err want)
{
    lg_partner u = *p, got;
    lg_api_key kgot;
    u.status = status;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, LG_PF_STATUS, NULL, NULL, NULL), LG_OK);
    memset(&got, 0, sizeof got);
    memset(&kgot, 0, sizeof kgot);
    EXPECT_ERR(lg_store_partner_by_key(st, k->key_hash, &got, &kgot), want);
    EXPECT_STR(got.id, p->id); /* filled so the caller can say who is refused */
    EXPECT_I64(got.status, status);
    EXPECT_I64(kgot.id, k->id);
}

static void test_key_partner_not_active(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_api_key k;
    add_partner_key(st, &p, "acme", &k);
    expect_auth_refused(st, &p, &k, LG_PARTNER_SUSPENDED, LG_ERR_SUSPENDED);
    expect_auth_refused(st, &p, &k, LG_PARTNER_INACTIVE, LG_ERR_INACTIVE);
    expect_auth_refused(st, &p, &k, LG_PARTNER_ACTIVE, LG_OK);
    finish();
}

static int64_t key_last_used(lg_store *st, const char *partner_id, int64_t id)
{
    lg_api_key *items = NULL;
    size_t n = 0;
    int64_t last = -1;
    REQUIRE_ERR(lg_store_key_list(st, partner_id, &items, &n), LG_OK);
    for (size_t i = 0; i < n; i++)
        if (items[i].id == id)
            last = items[i].last_used_at_ms;
    free(items);
    return last;
}

static void test_key_touch(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_api_key k;
    add_partner_key(st, &p, "acme", &k);
    int written = -1;
    REQUIRE_ERR(lg_store_key_touch(st, k.id, 60000, &written), LG_OK);
    EXPECT_I64(written, 1);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0);
    set_clock(t0 + 59999);
    written = -1;
    REQUIRE_ERR(lg_store_key_touch(st, k.id, 60000, &written), LG_OK);
    EXPECT_I64(written, 0);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0);
    set_clock(t0 + 60000);
    written = -1;
    REQUIRE_ERR(lg_store_key_touch(st, k.id, 60000, &written), LG_OK);
    EXPECT_I64(written, 1);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 60000);
    set_clock(t0 + 60001);
    EXPECT_ERR(lg_store_key_touch(st, k.id, 60000, NULL), LG_OK);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 60000);
    written = -1;
    REQUIRE_ERR(lg_store_key_touch(st, k.id, 0, &written), LG_OK); /* no interval */
    EXPECT_I64(written, 1);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 60001);
    finish();
}

/* ------------------------------------------------------------ loans: reserve */

static void test_reserve_basic(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l, got;
    lg_reserve_info info = {0, 0};
    char day[LG_DAY_LEN];
    add_partner(st, &p, "acme", 3000000, 10000000, 150);
    loan_init(&l, &p, "loan-1", 1000000);
    REQUIRE_ERR(lg_store_loan_reserve(st, &l, &info, NULL), LG_OK);
    EXPECT(lg_uuid_valid(l.id));
    EXPECT_I64(l.status, LG_LOAN_PENDING);
    EXPECT_STR(l.day, "2026-03-14");
    EXPECT_U64(l.remaining, 1000000);
    EXPECT_I64(l.created_at_ms, t0);
    EXPECT_I64(l.updated_at_ms, t0);
    EXPECT_U64(info.daily_remaining, 2000000);
    EXPECT_U64(info.total_remaining, 9000000);
    today(day, sizeof day);
    EXPECT_U64(usage(st, p.id, day), 1000000);
    EXPECT_U64(get_partner(st, p.id).outstanding, 1000000);

    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_loan_get(st, p.id, "loan-1", &got), LG_OK);
    EXPECT_STR(got.id, l.id);
    EXPECT_STR(got.partner_id, p.id);
    EXPECT_STR(got.partner_loan_id, "loan-1");
    EXPECT_STR(got.user_wallet, WALLET_A);
    EXPECT_STR(got.oaid, OAID_A);
    EXPECT_STR(got.position_id, "7");
    EXPECT_U64(got.amount, 1000000);
    EXPECT_U64(got.fee, 15000);
    EXPECT_U64(got.net, 985000);
    EXPECT_U64(got.repaid, 0);
    EXPECT_U64(got.repay_pending, 0);
    EXPECT_STR(got.request_hash, l.request_hash);
    EXPECT_STR(got.day, "2026-03-14");
    EXPECT_STR(got.borrow_tx, "");
    EXPECT_STR(got.transfer_tx, "");
    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_loan_get_by_id(st, l.id, &got), LG_OK);
    EXPECT_STR(got.partner_loan_id, "loan-1");
    EXPECT_ERR(lg_store_loan_get(st, p.id, "loan-2", &got), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_loan_get(st, "partner_nobody_001", "loan-1", &got), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_loan_get_by_id(st, "00000000-0000-4000-8000-000000000000", &got),
               LG_ERR_NOT_FOUND);
    finish();
}

/* Reserve of loan-x for amount must return want and change nothing. */
static void expect_refused(lg_store *st, const lg_partner *p, uint64_t amount, lg_err want,
                           unsigned line)
{
    lg_loan l;
    char day[LG_DAY_LEN];
    today(day, sizeof day);
    uint64_t used = usage(st, p->id, day), count = loan_count(st, p->id);
    uint64_t outstanding = get_partner(st, p->id).outstanding;
    loan_init(&l, p, "loan-x", amount);
    lg_err e = lg_store_loan_reserve(st, &l, NULL, NULL);
    check(e == want, __FILE__, line, CU_FALSE, "reserve of %llu returned %s, expected %s",
          (unsigned long long)amount, lg_errname(e), lg_errname(want));
    check(usage(st, p->id, day) == used && loan_count(st, p->id) == count &&
              get_partner(st, p->id).outstanding == outstanding,
          __FILE__, line, CU_FALSE, "a refused reserve (%s) changed usage, loans or outstanding",
          lg_errname(want));
}

static void test_reserve_refusals(void)
{
    lg_store *st = start();
    lg_partner p, ghost, u;
    add_partner(st, &p, "acme", 3000, 10000, 0);
    partner_init(&ghost, "ghost", 1000, 1000, 0);
    lg_loan l;
    loan_init(&l, &ghost, "loan-1", 10);
    EXPECT_ERR(lg_store_loan_reserve(st, &l, NULL, NULL), LG_ERR_NOT_FOUND);
    expect_refused(st, &p, 0, LG_ERR_INVALID, __LINE__);
    u = p;
    u.status = LG_PARTNER_SUSPENDED;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, LG_PF_STATUS, NULL, NULL, NULL), LG_OK);
    expect_refused(st, &p, 10, LG_ERR_SUSPENDED, __LINE__);
    u.status = LG_PARTNER_INACTIVE;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, LG_PF_STATUS, NULL, NULL, NULL), LG_OK);
    expect_refused(st, &p, 10, LG_ERR_INACTIVE, __LINE__);
    EXPECT_U64(loan_count(st, p.id), 0);
    finish();
}

static void test_reserve_limits(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l;
    lg_reserve_info info = {0, 0};
    add_partner(st, &p, "acme", 3000, 5000, 0);
    reserve(st, &p, "loan-1", 2000, &l);
    expect_refused(st, &p, 1001, LG_ERR_LIMIT_DAILY, __LINE__);
    loan_init(&l, &p, "loan-x", 1001);
    EXPECT_ERR(lg_store_loan_reserve(st, &l, &info, NULL), LG_ERR_LIMIT_DAILY);
    EXPECT_U64(info.daily_remaining, 1000);
    EXPECT_U64(info.total_remaining, 3000);
    reserve(st, &p, "loan-2", 1000, &l); /* exactly up to the daily limit */
    expect_refused(st, &p, 1, LG_ERR_LIMIT_DAILY, __LINE__);

    /* Next day: the daily limit is fresh, the total limit (5000) still counts 3000. */
    set_clock(t0 + 86400000);
    expect_refused(st, &p, 2001, LG_ERR_LIMIT_TOTAL, __LINE__);
    loan_init(&l, &p, "loan-x", 2001);
    info.daily_remaining = info.total_remaining = 0;
    EXPECT_ERR(lg_store_loan_reserve(st, &l, &info, NULL), LG_ERR_LIMIT_TOTAL);
    EXPECT_U64(info.total_remaining, 2000);
    EXPECT_U64(info.daily_remaining, 3000);
    loan_init(&l, &p, "loan-3", 2000);
    REQUIRE_ERR(lg_store_loan_reserve(st, &l, &info, NULL), LG_OK);
    EXPECT_U64(info.total_remaining, 0);
    EXPECT_U64(info.daily_remaining, 1000);
    expect_refused(st, &p, 1, LG_ERR_LIMIT_TOTAL, __LINE__);
    EXPECT_U64(get_partner(st, p.id).outstanding, 5000);
    finish();
}

static void test_reserve_duplicate(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_loan first, again, existing, other;
    char day[LG_DAY_LEN];
    add_partner(st, &p, "acme", 10000, 10000, 0);
    add_partner(st, &q, "beta", 10000, 10000, 0);
    reserve(st, &p, "loan-1", 1500, &first);
    today(day, sizeof day);
    loan_init(&again, &p, "loan-1", 700); /* same partnerLoanId, different body */
    memset(&existing, 0, sizeof existing);
    EXPECT_ERR(lg_store_loan_reserve(st, &again, NULL, &existing), LG_ERR_DUPLICATE);
    EXPECT_STR(existing.id, first.id);
    EXPECT_U64(existing.amount, 1500);
    EXPECT_STR(existing.request_hash, first.request_hash);
    EXPECT_I64(existing.status, LG_LOAN_PENDING);
    loan_init(&again, &p, "loan-1", 1500);
    EXPECT_ERR(lg_store_loan_reserve(st, &again, NULL, NULL), LG_ERR_DUPLICATE);
    EXPECT_U64(get_partner(st, p.id).outstanding, 1500);
    EXPECT_U64(usage(st, p.id, day), 1500);
    EXPECT_U64(loan_count(st, p.id), 1);
    /* The id is unique per partner only. */
    loan_init(&other, &q, "loan-1", 900);
    EXPECT_ERR(lg_store_loan_reserve(st, &other, NULL, NULL), LG_OK);
    EXPECT(strcmp(other.id, first.id) != 0);
    EXPECT_U64(get_partner(st, q.id).outstanding, 900);
    finish();
}

/* ------------------------------------------------------------ loans: fail, borrow, confirm */

static void test_fail_releases(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan a, b;
    char day[LG_DAY_LEN];
    add_partner(st, &p, "acme", 3000, 3000, 0);
    today(day, sizeof day);
    reserve(st, &p, "loan-1", 2000, &a);
    reserve(st, &p, "loan-2", 1000, &b);
    expect_refused(st, &p, 1, LG_ERR_LIMIT_DAILY, __LINE__);
    set_clock(t0 + 10);
    REQUIRE_ERR(lg_store_loan_fail(st, a.id, "borrow reverted: insufficient liquidity"), LG_OK);
    lg_loan got = get_loan(st, a.id);
    EXPECT_I64(got.status, LG_LOAN_FAILED);
    EXPECT_STR(got.failure_reason, "borrow reverted: insufficient liquidity");
    EXPECT_I64(got.updated_at_ms, t0 + 10);
    EXPECT_U64(usage(st, p.id, day), 1000);
    EXPECT_U64(get_partner(st, p.id).outstanding, 1000);
    EXPECT_EVENTS(p.id, "loan.failed", 1);
    EXPECT_ERR(lg_store_loan_fail(st, a.id, "again"), LG_ERR_STATE);
    EXPECT_U64(usage(st, p.id, day), 1000); /* released once only */
    EXPECT_U64(get_partner(st, p.id).outstanding, 1000);
    EXPECT_EVENTS(p.id, "loan.failed", 1);
    EXPECT_ERR(lg_store_loan_fail(st, "00000000-0000-4000-8000-000000000000", "x"),
               LG_ERR_NOT_FOUND);
    /* The released headroom is usable again. */
    lg_loan c;
    reserve(st, &p, "loan-3", 2000, &c);
    finish();
}

static void test_fail_after_borrow(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l;
    char tx[LG_HASH_LEN], day[LG_DAY_LEN];
    add_partner(st, &p, "acme", 3000, 3000, 0);
    today(day, sizeof day);
    reserve(st, &p, "loan-1", 2000, &l);
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, l.id, tx), LG_OK);
    EXPECT_ERR(lg_store_loan_fail(st, l.id, "too late"), LG_ERR_STATE);
    lg_loan got = get_loan(st, l.id);
    EXPECT_I64(got.status, LG_LOAN_SETTLING);
    EXPECT_STR(got.failure_reason, "");
    EXPECT_U64(usage(st, p.id, day), 2000);
    EXPECT_U64(get_partner(st, p.id).outstanding, 2000);
    EXPECT_EVENTS(p.id, "loan.failed", 0);
    lg_loan act = make_active(st, &p, "loan-2", 500);
    EXPECT_ERR(lg_store_loan_fail(st, act.id, "too late"), LG_ERR_STATE);
    EXPECT_I64(get_loan(st, act.id).status, LG_LOAN_ACTIVE);
    finish();
}

static void test_mark_borrowed(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l, f;
    char tx[LG_HASH_LEN], tx2[LG_HASH_LEN];
    add_partner(st, &p, "acme", 10000, 10000, 0);
    reserve(st, &p, "loan-1", 2000, &l);
    new_tx_hash(tx, sizeof tx);
    new_tx_hash(tx2, sizeof tx2);
    set_clock(t0 + 20);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, l.id, tx), LG_OK);
    lg_loan got = get_loan(st, l.id);
    EXPECT_I64(got.status, LG_LOAN_SETTLING);
    EXPECT_STR(got.borrow_tx, tx);
    EXPECT_I64(got.updated_at_ms, t0 + 20);
    EXPECT_ERR(lg_store_loan_mark_borrowed(st, l.id, tx), LG_OK); /* replayed by reconcile */
    EXPECT_ERR(lg_store_loan_mark_borrowed(st, l.id, tx2), LG_ERR_STATE);
    EXPECT_STR(get_loan(st, l.id).borrow_tx, tx);
    EXPECT_ERR(lg_store_loan_mark_borrowed(st, "00000000-0000-4000-8000-000000000000", tx),
               LG_ERR_NOT_FOUND);
    reserve(st, &p, "loan-2", 100, &f);
    REQUIRE_ERR(lg_store_loan_fail(st, f.id, "reverted"), LG_OK);
    EXPECT_ERR(lg_store_loan_mark_borrowed(st, f.id, tx2), LG_ERR_STATE);
    EXPECT_I64(get_loan(st, f.id).status, LG_LOAN_FAILED);
    finish();
}

static void expect_confirm_rows(lg_store *st, const lg_partner *p, const lg_loan *l,
                                const char *borrow_tx, const char *transfer_tx)
{
    lg_ledger_entry *rows = NULL;
    size_t n = ledger_all(st, p->id, &rows);
    EXPECT_U64(n, 3);
    const lg_ledger_entry *b = ledger_find(rows, n, l->id, LG_LEDGER_BORROW);
    const lg_ledger_entry *f = ledger_find(rows, n, l->id, LG_LEDGER_FEE);
    const lg_ledger_entry *o = ledger_find(rows, n, l->id, LG_LEDGER_PAYOUT);
    EXPECT(b && f && o);
    if (b) {
        EXPECT_U64(b->amount, l->amount);
        EXPECT_STR(b->tx_hash, borrow_tx);
        EXPECT_STR(b->partner_loan_id, l->partner_loan_id);
        EXPECT_STR(b->partner_id, p->id);
        EXPECT_I64(b->created_at_ms, lg_time_now_ms());
    }
    if (f)
        EXPECT_U64(f->amount, l->fee);
    if (o) {
        EXPECT_U64(o->amount, l->net);
        EXPECT_STR(o->tx_hash, transfer_tx);
    }
    free(rows);
}

static void test_confirm(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l;
    char btx[LG_HASH_LEN], ttx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 10000000, 10000000, 150);
    ensure_position(st, WALLET_A, OAID_A);
    reserve(st, &p, "loan-1", 1000000, &l);
    new_tx_hash(btx, sizeof btx);
    new_tx_hash(ttx, sizeof ttx);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, l.id, btx), LG_OK);
    set_clock(t0 + 30);
    REQUIRE_ERR(lg_store_loan_confirm(st, l.id, btx, ttx), LG_OK);
    lg_loan got = get_loan(st, l.id);
    EXPECT_I64(got.status, LG_LOAN_ACTIVE);
    EXPECT_STR(got.borrow_tx, btx);
    EXPECT_STR(got.transfer_tx, ttx);
    EXPECT_U64(got.remaining, 1000000);
    EXPECT_U64(got.fee, 15000);
    EXPECT_U64(got.net, 985000);
    EXPECT_I64(got.updated_at_ms, t0 + 30);
    lg_partner pp = get_partner(st, p.id);
    EXPECT_U64(pp.total_borrowed, 1000000);
    EXPECT_U64(pp.total_fees, 15000);
    EXPECT_U64(pp.outstanding, 1000000);
    EXPECT_U64(pp.total_repaid, 0);
    EXPECT_DEBT(WALLET_A, OAID_A, 1000000);
    EXPECT_LINK(l.id, 0);
    expect_confirm_rows(st, &p, &got, btx, ttx);
    EXPECT_EVENTS(p.id, "loan.borrowed", 1);

    /* Confirming again changes nothing. */
    EXPECT_ERR(lg_store_loan_confirm(st, l.id, btx, ttx), LG_ERR_STATE);
    EXPECT_U64(get_partner(st, p.id).total_borrowed, 1000000);
    EXPECT_DEBT(WALLET_A, OAID_A, 1000000);
    EXPECT_EVENTS(p.id, "loan.borrowed", 1);
    EXPECT_ERR(lg_store_loan_confirm(st, "00000000-0000-4000-8000-000000000000", btx, ttx),
               LG_ERR_NOT_FOUND);
    finish();
}

static void test_confirm_from_pending_and_failed(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l, f;
    char btx[LG_HASH_LEN], ttx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 10000, 10000, 0);
    ensure_position(st, WALLET_A, OAID_A);
    reserve(st, &p, "loan-1", 400, &l);
    new_tx_hash(btx, sizeof btx);
    new_tx_hash(ttx, sizeof ttx);
    REQUIRE_ERR(lg_store_loan_confirm(st, l.id, btx, ttx), LG_OK); /* straight from PENDING */
    lg_loan got = get_loan(st, l.id);
    EXPECT_I64(got.status, LG_LOAN_ACTIVE);
    EXPECT_STR(got.borrow_tx, btx);
    EXPECT_DEBT(WALLET_A, OAID_A, 400);
    reserve(st, &p, "loan-2", 100, &f);
    REQUIRE_ERR(lg_store_loan_fail(st, f.id, "reverted"), LG_OK);
    new_tx_hash(btx, sizeof btx);
    EXPECT_ERR(lg_store_loan_confirm(st, f.id, btx, ttx), LG_ERR_STATE);
    EXPECT_I64(get_loan(st, f.id).status, LG_LOAN_FAILED);
    EXPECT_U64(get_partner(st, p.id).total_borrowed, 400);
    EXPECT_U64(get_partner(st, p.id).outstanding, 400);
    finish();
}

static void test_confirm_without_position(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l;
    char btx[LG_HASH_LEN], ttx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 10000, 10000, 100);
    loan_init_at(&l, &p, "loan-1", 5000, WALLET_C, "99");
    REQUIRE_ERR(lg_store_loan_reserve(st, &l, NULL, NULL), LG_OK);
    new_tx_hash(btx, sizeof btx);
    new_tx_hash(ttx, sizeof ttx);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, l.id, btx), LG_OK);
    EXPECT_ERR(lg_store_loan_confirm(st, l.id, btx, ttx), LG_ERR_NOT_FOUND);
    lg_loan got = get_loan(st, l.id);
    EXPECT_I64(got.status, LG_LOAN_SETTLING);
    EXPECT_STR(got.transfer_tx, "");
    lg_partner pp = get_partner(st, p.id);
    EXPECT_U64(pp.total_borrowed, 0);
    EXPECT_U64(pp.total_fees, 0);
    EXPECT_U64(pp.outstanding, 5000);
    lg_ledger_entry *rows = NULL;
    EXPECT_U64(ledger_all(st, p.id, &rows), 0);
    free(rows);
    EXPECT_EVENTS(p.id, "loan.borrowed", 0);
    /* Once the position is known, the same confirm goes through. */
    ensure_position(st, WALLET_C, "99");
    EXPECT_ERR(lg_store_loan_confirm(st, l.id, btx, ttx), LG_OK);
    EXPECT_DEBT(WALLET_C, "99", 5000);
    EXPECT_EVENTS(p.id, "loan.borrowed", 1);
    finish();
}

/* ------------------------------------------------------------ loans: lists */

typedef struct list_seed {
    lg_partner p, q;
    lg_loan l1, l2, l3, l4, m1;
} list_seed;

/* P: l1 (A, ACTIVE), l2 (B, SETTLING), l3 (A, FAILED), l4 (A, PENDING); Q: m1 (A,
 * PENDING); created one second apart in that order. */
static void seed_loans(lg_store *st, list_seed *s)
{
    char tx[LG_HASH_LEN];
    add_partner(st, &s->p, "acme", 1000000, 1000000, 0);
    add_partner(st, &s->q, "beta", 1000000, 1000000, 0);
    set_clock(t0 + 1000);
    s->l1 = make_active(st, &s->p, "l1", 100);
    set_clock(t0 + 2000);
    loan_init_at(&s->l2, &s->p, "l2", 200, WALLET_B, OAID_A);
    REQUIRE_ERR(lg_store_loan_reserve(st, &s->l2, NULL, NULL), LG_OK);
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, s->l2.id, tx), LG_OK);
    set_clock(t0 + 3000);
    reserve(st, &s->p, "l3", 300, &s->l3);
    REQUIRE_ERR(lg_store_loan_fail(st, s->l3.id, "reverted"), LG_OK);
    set_clock(t0 + 4000);
    reserve(st, &s->p, "l4", 400, &s->l4);
    set_clock(t0 + 5000);
    reserve(st, &s->q, "m1", 500, &s->m1);
}

static void expect_loan_page(lg_store *st, const char *partner_id, const char *wallet, int status,
                             uint32_t limit, uint64_t offset, uint64_t want_total,
                             const char *want_plids, unsigned line)
{
    lg_loan_filter f = {partner_id, wallet, status, limit, offset};
    lg_loan *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    lg_err e = lg_store_loan_list(st, &f, &items, &n, &total);
    expect_err(e, LG_OK, "lg_store_loan_list", __FILE__, line, CU_FALSE);
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "",
                 items[i].partner_loan_id);
    check(strcmp(got, want_plids) == 0 && total == want_total, __FILE__, line, CU_FALSE,
          "loan_list(partner %s, wallet %s, status %d, limit %u, offset %llu) gave [%s] total "
          "%llu, expected [%s] total %llu",
          partner_id ? partner_id : "any", wallet ? wallet : "any", status, limit,
          (unsigned long long)offset, got, (unsigned long long)total, want_plids,
          (unsigned long long)want_total);
    free(items);
}

static void test_loan_list(void)
{
    lg_store *st = start();
    list_seed s;
    seed_loans(st, &s);
    const char *p = s.p.id;
    expect_loan_page(st, p, NULL, -1, 100, 0, 4, "l4,l3,l2,l1", __LINE__);
    expect_loan_page(st, p, WALLET_A, -1, 100, 0, 3, "l4,l3,l1", __LINE__);
    expect_loan_page(st, p, NULL, LG_LOAN_PENDING, 100, 0, 1, "l4", __LINE__);
    expect_loan_page(st, p, NULL, LG_LOAN_SETTLING, 100, 0, 1, "l2", __LINE__);
    expect_loan_page(st, p, WALLET_A, LG_LOAN_ACTIVE, 100, 0, 1, "l1", __LINE__);
    expect_loan_page(st, p, WALLET_B, LG_LOAN_ACTIVE, 100, 0, 0, "", __LINE__);
    expect_loan_page(st, NULL, WALLET_A, -1, 100, 0, 4, "m1,l4,l3,l1", __LINE__);
    expect_loan_page(st, NULL, NULL, LG_LOAN_PENDING, 100, 0, 2, "m1,l4", __LINE__);
    expect_loan_page(st, s.q.id, NULL, -1, 100, 0, 1, "m1", __LINE__);
    expect_loan_page(st, p, NULL, -1, 2, 1, 4, "l3,l2", __LINE__);
    expect_loan_page(st, p, NULL, -1, 2, 3, 4, "l1", __LINE__);
    expect_loan_page(st, p, NULL, -1, 10, 40, 4, "", __LINE__);
    expect_loan_page(st, p, NULL, -1, 0, 0, 4, "", __LINE__);
    expect_loan_page(st, p, WALLET_C, -1, 10, 0, 0, "", __LINE__);
    expect_loan_page(st, "partner_nobody_001", NULL, -1, 10, 0, 0, "", __LINE__);
    finish();
}

static void test_loan_list_unsettled(void)
{
    lg_store *st = start();
    list_seed s;
    seed_loans(st, &s);
    lg_loan *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_loan_list_unsettled(st, 100, &items, &n), LG_OK);
    EXPECT_U64(n, 3);
    if (n == 3) { /* oldest first; ACTIVE and FAILED are settled */
        EXPECT_STR(items[0].id, s.l2.id);
        EXPECT_STR(items[1].id, s.l4.id);
        EXPECT_STR(items[2].id, s.m1.id);
        EXPECT_I64(items[0].status, LG_LOAN_SETTLING);
    }
    free(items);
    items = NULL;
    REQUIRE_ERR(lg_store_loan_list_unsettled(st, 2, &items, &n), LG_OK);
    EXPECT_U64(n, 2);
    if (n == 2)
        EXPECT_STR(items[1].id, s.l4.id);
    free(items);
    finish();
}

/* ------------------------------------------------------------ daily usage */

static int64_t at(const char *rfc3339)
{
    int64_t ms = -1;
    REQUIRE_ERR(lg_time_parse(rfc3339, &ms), LG_OK);
    return ms;
}

static void test_daily_rollover(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan y1, y2, y3, t1, l;
    lg_reserve_info info = {0, 0};
    add_partner(st, &p, "acme", 3000, 100000, 0);
    set_clock(at("2026-03-14T23:59:59.999Z"));
    reserve(st, &p, "y1", 1000, &y1);
    reserve(st, &p, "y2", 1000, &y2);
    reserve(st, &p, "y3", 1000, &y3);
    EXPECT_STR(y3.day, "2026-03-14");
    loan_init(&l, &p, "t1", 1000);
    EXPECT_ERR(lg_store_loan_reserve(st, &l, &info, NULL), LG_ERR_LIMIT_DAILY);
    EXPECT_U64(info.daily_remaining, 0);

    set_clock(at("2026-03-15T00:00:00.000Z"));
    loan_init(&t1, &p, "t1", 1000);
    REQUIRE_ERR(lg_store_loan_reserve(st, &t1, &info, NULL), LG_OK);
    EXPECT_STR(t1.day, "2026-03-15");
    EXPECT_U64(info.daily_remaining, 2000);
    EXPECT_U64(usage(st, p.id, "2026-03-14"), 3000);
    EXPECT_U64(usage(st, p.id, "2026-03-15"), 1000);
    EXPECT_U64(usage(st, p.id, "2026-03-16"), 0);
    EXPECT_U64(usage(st, "partner_nobody_001", "2026-03-15"), 0);

    /* Failing yesterday's loan today gives back yesterday's usage, not today's. */
    REQUIRE_ERR(lg_store_loan_fail(st, y1.id, "reverted"), LG_OK);
    EXPECT_U64(usage(st, p.id, "2026-03-14"), 2000);
    EXPECT_U64(usage(st, p.id, "2026-03-15"), 1000);
    EXPECT_U64(get_partner(st, p.id).outstanding, 3000);
    reserve(st, &p, "t2", 1000, &l);
    reserve(st, &p, "t3", 1000, &l);
    expect_refused(st, &p, 1, LG_ERR_LIMIT_DAILY, __LINE__);
    EXPECT_U64(usage(st, p.id, "2026-03-15"), 3000);
    finish();
}

/* ------------------------------------------------------------ repayments */

static void test_repay_begin_errors(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_loan l, pend, settling, failed;
    lg_repayment r;
    char tx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    add_partner(st, &q, "beta", 100000, 100000, 0);
    l = make_active(st, &p, "loan-1", 1000);
    reserve(st, &p, "pend", 10, &pend);
    reserve(st, &p, "settling", 10, &settling);
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(st, settling.id, tx), LG_OK);
    reserve(st, &p, "failed", 10, &failed);
    REQUIRE_ERR(lg_store_loan_fail(st, failed.id, "reverted"), LG_OK);

    EXPECT_ERR(lg_store_repay_begin(st, p.id, "nope", 10, NULL, NULL, &r), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_repay_begin(st, q.id, "loan-1", 10, NULL, NULL, &r), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "pend", 10, NULL, NULL, &r), LG_ERR_STATE);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "settling", 10, NULL, NULL, &r), LG_ERR_STATE);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "failed", 10, NULL, NULL, &r), LG_ERR_STATE);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 1001, NULL, NULL, &r), LG_ERR_OVERPAY);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 0, NULL, NULL, &r), LG_ERR_INVALID);
    EXPECT_U64(get_loan(st, l.id).repay_pending, 0);

    set_clock(t0 + 40);
    memset(&r, 0, sizeof r);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 600, NULL, NULL, &r), LG_OK);
    EXPECT(lg_uuid_valid(r.id));
    EXPECT_STR(r.loan_id, l.id);
    EXPECT_STR(r.partner_id, p.id);
    EXPECT_U64(r.amount, 600);
    EXPECT_STR(r.proof_tx, "");
    EXPECT_I64(r.status, LG_REPAY_PENDING);
    EXPECT_I64(r.created_at_ms, t0 + 40);
    lg_loan got = get_loan(st, l.id);
    EXPECT_U64(got.repay_pending, 600);
    EXPECT_U64(got.remaining, 1000);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 401, NULL, NULL, &r), LG_ERR_OVERPAY);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 400, NULL, NULL, &r), LG_OK);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 1, NULL, NULL, &r), LG_ERR_OVERPAY);
    EXPECT_U64(get_loan(st, l.id).repay_pending, 1000);
    lg_repayment *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_repay_list(st, l.id, &items, &n), LG_OK);
    EXPECT_U64(n, 2);
    free(items);
    finish();
}

/* An Idempotency-Key names one repayment of a loan: the same key again records and
 * draws nothing and gives the first back, whatever its amount or the loan's state since;
 * another loan's key space is its own; a failed repayment frees its key. */
static void test_repay_idempotency_key(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_repayment r1, r;
    char tx[LG_HASH_LEN], key64[LG_IDEM_KEY_LEN + 1];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan l = make_active(st, &p, "loan-1", 1000);
    lg_loan m = make_active(st, &p, "loan-2", 1000);
    uint64_t funds = balance(st, p.id);

    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, "k-1", &r1), LG_OK);
    EXPECT_STR(r1.idem_key, "k-1");
    memset(&r, 0, sizeof r);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, "k-1", &r), LG_ERR_CONFLICT);
    EXPECT_STR(r.id, r1.id);
    EXPECT_U64(r.amount, 100);
    EXPECT_STR(r.idem_key, "k-1");
    EXPECT_I64(r.status, LG_REPAY_PENDING);
    /* Another amount with the key: still the first, for the caller to compare. */
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 250, NULL, "k-1", &r), LG_ERR_CONFLICT);
    EXPECT_STR(r.id, r1.id);
    EXPECT_U64(r.amount, 100);
    EXPECT_U64(get_loan(st, l.id).repay_pending, 100);
    EXPECT_U64(balance(st, p.id), funds - 100);

    /* The key is scoped to the loan. */
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-2", 100, NULL, "k-1", &r), LG_OK);
    EXPECT(strcmp(r.id, r1.id) != 0);
    EXPECT_STR(r.loan_id, m.id);
    EXPECT_U64(balance(st, p.id), funds - 200);

    /* Applied, and the loan repaid since: the key still finds its repayment. */
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_repay_apply(st, r1.id, tx, NULL), LG_OK);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 900, NULL, "k-all", &r), LG_OK);
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_repay_apply(st, r.id, tx, NULL), LG_OK);
    EXPECT_I64(get_loan(st, l.id).status, LG_LOAN_REPAID);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, "k-1", &r), LG_ERR_CONFLICT);
    EXPECT_STR(r.id, r1.id);
    EXPECT_I64(r.status, LG_REPAY_APPLIED);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, "k-new", &r), LG_ERR_STATE);

    /* A failed repayment gave its draw back and frees its key. */
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-2", 50, NULL, "k-2", &r1), LG_OK);
    REQUIRE_ERR(lg_store_repay_fail(st, r1.id, "repayLoan reverted"), LG_OK);
    uint64_t before = balance(st, p.id);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-2", 50, NULL, "k-2", &r), LG_OK);
    EXPECT(strcmp(r.id, r1.id) != 0);
    EXPECT_U64(balance(st, p.id), before - 50);

    /* No key: every call is a repayment of its own, as before. */
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-2", 10, NULL, NULL, &r1), LG_OK);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-2", 10, NULL, "", &r), LG_OK);
    EXPECT(strcmp(r.id, r1.id) != 0);
    EXPECT_STR(r.idem_key, "");
    EXPECT_U64(get_loan(st, m.id).repay_pending, 170);

    memset(key64, 'k', sizeof key64 - 1);
    key64[sizeof key64 - 1] = '\0';
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-2", 10, NULL, key64, &r), LG_ERR_INVALID);
    key64[LG_IDEM_KEY_LEN - 1] = '\0';
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-2", 10, NULL, key64, &r), LG_OK);
    EXPECT_STR(r.idem_key, key64);
    finish();
}

/* A proof transaction: what it moved, credited for p together with the repayment. */
static lg_deposit proof_of(const lg_partner *p, uint64_t amount)
{
    lg_deposit d;
    memset(&d, 0, sizeof d);
    new_tx_hash(d.tx_hash, sizeof d.tx_hash);
    snprintf(d.partner_id, sizeof d.partner_id, "%s", p->id);
    d.amount = amount;
    return d;
}

static void test_repay_duplicate_proof(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_repayment r;
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan a = make_active_unfunded(st, &p, "loan-a", 1000);
    lg_loan b = make_active_unfunded(st, &p, "loan-b", 1000);
    lg_deposit proof = proof_of(&p, 40);
    memset(&r, 0, sizeof r);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-a", 10, &proof, NULL, &r), LG_OK);
    EXPECT_STR(r.proof_tx, proof.tx_hash);
    EXPECT_U64(r.funded, 10);
    EXPECT_U64(balance(st, p.id), 30);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-a", 10, &proof, NULL, &r), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-b", 10, &proof, NULL, &r), LG_ERR_DUPLICATE);
    EXPECT_U64(get_loan(st, a.id).repay_pending, 10);
    EXPECT_U64(get_loan(st, b.id).repay_pending, 0);
    EXPECT_U64(balance(st, p.id), 30);
    /* What the proof moved beyond its repayment stays the partner's to repay with. */
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-b", 10, NULL, NULL, &r), LG_OK);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-b", 20, NULL, NULL, &r), LG_OK);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-b", 1, NULL, NULL, &r), LG_ERR_FUNDS);
    EXPECT_U64(get_loan(st, b.id).repay_pending, 30);
    EXPECT_U64(balance(st, p.id), 0);
    finish();
}

/* The platform wallet also holds fees and other partners' money: a repayment with
 * neither a proof nor a balance of its own partner behind it changes nothing. */
static void test_repay_needs_partner_funds(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_repayment r;
    add_partner(st, &p, "acme", 100000, 100000, 0);
    add_partner(st, &q, "beta", 100000, 100000, 0);
    lg_loan l = make_active_unfunded(st, &p, "loan-1", 1000);
    fund(st, &q, 5000, NULL);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 10, NULL, NULL, &r), LG_ERR_FUNDS);
    EXPECT_U64(get_loan(st, l.id).repay_pending, 0);
    lg_repayment *items = NULL;
    size_t n = 9;
    REQUIRE_ERR(lg_store_repay_list(st, l.id, &items, &n), LG_OK);
    EXPECT_U64(n, 0);
    free(items);
    /* A proof short of the amount is refused whole: not even the proof is credited. */
    lg_deposit small = proof_of(&p, 30);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 50, &small, NULL, &r), LG_ERR_FUNDS);
    EXPECT_U64(get_partner(st, p.id).deposited, 0);
    /* Its balance and the proof together cover it. */
    fund(st, &p, 20, NULL);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 50, &small, NULL, &r), LG_OK);
    EXPECT_U64(get_partner(st, p.id).deposited, 50);
    EXPECT_U64(balance(st, p.id), 0);
    EXPECT_U64(balance(st, q.id), 5000);
    /* A failed repayment gives its draw back; an applied one keeps it. */
    REQUIRE_ERR(lg_store_repay_fail(st, r.id, "repayLoan reverted"), LG_OK);
    EXPECT_U64(balance(st, p.id), 50);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 50, NULL, NULL, &r), LG_OK);
    char tx[LG_HASH_LEN];
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_repay_apply(st, r.id, tx, NULL), LG_OK);
    EXPECT_U64(balance(st, p.id), 0);
    EXPECT_U64(get_loan(st, l.id).remaining, 950);
    /* A proof is another partner's only when credited to that partner. */
    lg_deposit foreign = proof_of(&q, 10);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 10, &foreign, NULL, &r), LG_ERR_INVALID);
    finish();
}

static void test_deposit_credit(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_deposit d, seen;
    uint64_t bal = 0;
    char hash[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    add_partner(st, &q, "beta", 100000, 100000, 0);
    set_clock(t0 + 70);
    fund(st, &p, 123, hash);
    EXPECT_U64(balance(st, p.id), 123);
    memset(&d, 0, sizeof d);
    snprintf(d.tx_hash, sizeof d.tx_hash, "%s", hash);
    snprintf(d.partner_id, sizeof d.partner_id, "%s", q.id);
    d.amount = 123;
    memset(&seen, 0, sizeof seen);
    EXPECT_ERR(lg_store_deposit_credit(st, &d, &seen, &bal), LG_ERR_DUPLICATE);
    EXPECT_STR(seen.partner_id, p.id);
    EXPECT_U64(seen.amount, 123);
    EXPECT_I64(seen.created_at_ms, t0 + 70);
    EXPECT_U64(balance(st, q.id), 0);
    snprintf(d.partner_id, sizeof d.partner_id, "%s", p.id);
    EXPECT_ERR(lg_store_deposit_credit(st, &d, NULL, NULL), LG_ERR_DUPLICATE);
    EXPECT_U64(balance(st, p.id), 123);
    new_tx_hash(d.tx_hash, sizeof d.tx_hash);
    REQUIRE_ERR(lg_store_deposit_credit(st, &d, NULL, &bal), LG_OK);
    EXPECT_U64(bal, 246);
    snprintf(d.partner_id, sizeof d.partner_id, "partner_nobody_001");
    new_tx_hash(d.tx_hash, sizeof d.tx_hash);
    EXPECT_ERR(lg_store_deposit_credit(st, &d, NULL, NULL), LG_ERR_NOT_FOUND);
    d.amount = 0;
    EXPECT_ERR(lg_store_deposit_credit(st, &d, NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_deposit_credit(st, NULL, NULL, NULL), LG_ERR_INVALID);
    /* The ledger shows each credit, belonging to no loan. */
    lg_ledger_filter f = {.partner_id = p.id, .limit = 10};
    lg_ledger_entry *rows = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_ledger_list(st, &f, &rows, &n, &total), LG_OK);
    EXPECT_U64(n, 2);
    for (size_t i = 0; i < n; i++) {
        EXPECT_I64(rows[i].kind, LG_LEDGER_DEPOSIT);
        EXPECT_U64(rows[i].amount, 123);
        EXPECT_STR(rows[i].loan_id, "");
    }
    free(rows);
    finish();
}

static void test_repay_fail_releases(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_repayment r, got;
    char tx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan l = make_active(st, &p, "loan-1", 1000);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 300, NULL, NULL, &r), LG_OK);
    set_clock(t0 + 50);
    REQUIRE_ERR(lg_store_repay_fail(st, r.id, "approve reverted"), LG_OK);
    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_repay_get(st, r.id, &got), LG_OK);
    EXPECT_I64(got.status, LG_REPAY_FAILED);
    EXPECT_STR(got.failure_reason, "approve reverted");
    EXPECT_I64(got.updated_at_ms, t0 + 50);
    lg_loan after = get_loan(st, l.id);
    EXPECT_U64(after.repay_pending, 0);
    EXPECT_U64(after.remaining, 1000);
    EXPECT_U64(after.repaid, 0);
    EXPECT_I64(after.status, LG_LOAN_ACTIVE);
    EXPECT_U64(get_partner(st, p.id).outstanding, 1000);
    EXPECT_ERR(lg_store_repay_fail(st, r.id, "again"), LG_ERR_STATE);
    new_tx_hash(tx, sizeof tx);
    EXPECT_ERR(lg_store_repay_apply(st, r.id, tx, NULL), LG_ERR_STATE);
    EXPECT_U64(get_loan(st, l.id).remaining, 1000);
    EXPECT_ERR(lg_store_repay_fail(st, "00000000-0000-4000-8000-000000000000", "x"),
               LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_repay_apply(st, "00000000-0000-4000-8000-000000000000", tx, NULL),
               LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_repay_get(st, "00000000-0000-4000-8000-000000000000", &got),
               LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 1000, NULL, NULL, &r), LG_OK);
    finish();
}

/* Begins and applies a repayment of amount; returns the loan after. */
static lg_loan repay(lg_store *st, const lg_partner *p, const char *plid, uint64_t amount,
                     char *repay_tx, size_t txlen)
{
    lg_repayment r;
    lg_loan after;
    memset(&after, 0, sizeof after);
    new_tx_hash(repay_tx, txlen);
    REQUIRE_ERR(lg_store_repay_begin(st, p->id, plid, amount, NULL, NULL, &r), LG_OK);
    REQUIRE_ERR(lg_store_repay_apply(st, r.id, repay_tx, &after), LG_OK);
    return after;
}

static void expect_repay_rows(lg_store *st, const lg_partner *p, const lg_loan *l, const char *tx1,
                              const char *tx2)
{
    lg_ledger_entry *rows = NULL;
    size_t n = ledger_all(st, p->id, &rows);
    EXPECT_U64(n, 6); /* BORROW, FEE, PAYOUT, the DEPOSIT repaid from, two REPAY */
    uint64_t sum = 0;
    int seen1 = 0, seen2 = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].kind != LG_LEDGER_REPAY)
            continue;
        EXPECT_STR(rows[i].loan_id, l->id);
        EXPECT_STR(rows[i].partner_loan_id, l->partner_loan_id);
        sum += rows[i].amount;
        seen1 |= strcmp(rows[i].tx_hash, tx1) == 0 && rows[i].amount == 400;
        seen2 |= strcmp(rows[i].tx_hash, tx2) == 0 && rows[i].amount == 600;
    }
    EXPECT_U64(sum, 1000);
    EXPECT(seen1 && seen2);
    if (n > 0) /* newest first */
        EXPECT_STR(rows[0].tx_hash, tx2);
    free(rows);
}

/* After repayments of 400 and 600: the loan is marked repaid on its position and its
 * two repayments are listed oldest first. */
static void expect_repay_history(lg_store *st, const lg_loan *l)
{
    size_t n = 0;
    EXPECT_LINK(l->id, 1);
    lg_repayment *items = NULL;
    REQUIRE_ERR(lg_store_repay_list(st, l->id, &items, &n), LG_OK);
    EXPECT_U64(n, 2);
    if (n == 2) {
        EXPECT_U64(items[0].amount, 400);
        EXPECT_U64(items[1].amount, 600);
        EXPECT_I64(items[1].status, LG_REPAY_APPLIED);
    }
    free(items);
}

static void test_repay_apply(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_repayment r, got;
    char tx1[LG_HASH_LEN], tx2[LG_HASH_LEN], other[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 100);
    lg_loan l = make_active(st, &p, "loan-1", 1000);
    set_clock(t0 + 1000);
    new_tx_hash(tx1, sizeof tx1);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 400, NULL, NULL, &r), LG_OK);
    lg_loan after;
    memset(&after, 0, sizeof after);
    REQUIRE_ERR(lg_store_repay_apply(st, r.id, tx1, &after), LG_OK);
    EXPECT_U64(after.remaining, 600);
    EXPECT_U64(after.repaid, 400);
    EXPECT_U64(after.repay_pending, 0);
    EXPECT_I64(after.status, LG_LOAN_ACTIVE);
    REQUIRE_ERR(lg_store_repay_get(st, r.id, &got), LG_OK);
    EXPECT_I64(got.status, LG_REPAY_APPLIED);
    EXPECT_STR(got.repay_tx, tx1);
    EXPECT_I64(got.updated_at_ms, t0 + 1000);
    /* Replaying the same apply is harmless; another transaction for it is not. */
    EXPECT_ERR(lg_store_repay_apply(st, r.id, tx1, NULL), LG_OK);
    new_tx_hash(other, sizeof other);
    EXPECT_ERR(lg_store_repay_apply(st, r.id, other, NULL), LG_ERR_STATE);
    EXPECT_U64(get_loan(st, l.id).remaining, 600);
    lg_partner pp = get_partner(st, p.id);
    EXPECT_U64(pp.outstanding, 600);
    EXPECT_U64(pp.total_repaid, 400);
    EXPECT_DEBT(WALLET_A, OAID_A, 600);
    EXPECT_EVENTS(p.id, "loan.repayment_received", 1);
    EXPECT_EVENTS(p.id, "loan.repaid", 0);

    set_clock(t0 + 2000);
    after = repay(st, &p, "loan-1", 600, tx2, sizeof tx2);
    EXPECT_U64(after.remaining, 0);
    EXPECT_U64(after.repaid, 1000);
    EXPECT_I64(after.status, LG_LOAN_REPAID);
    pp = get_partner(st, p.id);
    EXPECT_U64(pp.outstanding, 0);
    EXPECT_U64(pp.total_repaid, 1000);
    EXPECT_U64(pp.total_borrowed, 1000);
    EXPECT_DEBT(WALLET_A, OAID_A, 0);
    EXPECT_EVENTS(p.id, "loan.repayment_received", 2);
    EXPECT_EVENTS(p.id, "loan.repaid", 1);
    expect_repay_rows(st, &p, &l, tx1, tx2);
    expect_repay_history(st, &l);
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 1, NULL, NULL, &r), LG_ERR_STATE);
    finish();
}

/* A partner's loan and its repayments in one read: oldest repayment first, pending
 * ones too; another partner's loan of the same partnerLoanId is not it. */
static void test_loan_view(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_loan other, fresh, got;
    lg_repayment pend;
    char tx1[LG_HASH_LEN], tx2[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    add_partner(st, &q, "beta", 100000, 100000, 0);
    lg_loan l = make_active(st, &p, "loan-1", 1000);
    set_clock(t0 + 1000);
    repay(st, &p, "loan-1", 400, tx1, sizeof tx1);
    set_clock(t0 + 2000);
    repay(st, &p, "loan-1", 250, tx2, sizeof tx2);
    set_clock(t0 + 3000);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, NULL, &pend), LG_OK);

    lg_repayment *reps = NULL;
    size_t n = 99;
    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_loan_view(st, p.id, "loan-1", &got, &reps, &n), LG_OK);
    lg_loan want = get_loan(st, l.id);
    EXPECT_STR(got.id, l.id);
    EXPECT_STR(got.partner_id, p.id);
    EXPECT_I64(got.status, LG_LOAN_ACTIVE);
    EXPECT_U64(got.repaid, 650);
    EXPECT_U64(got.remaining, want.remaining);
    EXPECT_U64(got.repay_pending, want.repay_pending);
    EXPECT_I64(got.updated_at_ms, want.updated_at_ms);
    REQUIRE_U64(n, 3);
    REQUIRE(reps != NULL);
    EXPECT_U64(reps[0].amount, 400);
    EXPECT_U64(reps[1].amount, 250);
    EXPECT_U64(reps[2].amount, 100);
    EXPECT_STR(reps[0].repay_tx, tx1);
    EXPECT_STR(reps[1].repay_tx, tx2);
    EXPECT_I64(reps[0].status, LG_REPAY_APPLIED);
    EXPECT_I64(reps[1].status, LG_REPAY_APPLIED);
    EXPECT_I64(reps[2].status, LG_REPAY_PENDING);
    EXPECT_STR(reps[2].id, pend.id);
    for (size_t i = 0; i < n; i++)
        EXPECT_STR(reps[i].loan_id, l.id);
    free(reps);

    /* The same partnerLoanId of another partner: not found, then its own loan. */
    reps = NULL;
    n = 99;
    EXPECT_ERR(lg_store_loan_view(st, q.id, "loan-1", &got, &reps, &n), LG_ERR_NOT_FOUND);
    EXPECT(reps == NULL);
    EXPECT_U64(n, 0);
    reserve(st, &q, "loan-1", 70, &other);
    REQUIRE_ERR(lg_store_loan_view(st, q.id, "loan-1", &got, &reps, &n), LG_OK);
    EXPECT_STR(got.id, other.id);
    EXPECT_I64(got.status, LG_LOAN_PENDING);
    EXPECT_U64(n, 0);
    free(reps);
    EXPECT_ERR(lg_store_loan_view(st, p.id, "loan-none", &got, &reps, &n), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_loan_view(st, "partner_nobody_001", "loan-1", &got, &reps, &n),
               LG_ERR_NOT_FOUND);
    reserve(st, &p, "loan-2", 10, &fresh);
    REQUIRE_ERR(lg_store_loan_view(st, p.id, "loan-2", &got, &reps, &n), LG_OK);
    EXPECT_STR(got.id, fresh.id);
    EXPECT_U64(n, 0);
    free(reps);

    EXPECT_ERR(lg_store_loan_view(st, NULL, "loan-1", &got, &reps, &n), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_view(st, p.id, "", &got, &reps, &n), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_view(st, p.id, "loan-1", NULL, &reps, &n), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_view(st, p.id, "loan-1", &got, NULL, &n), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_view(st, p.id, "loan-1", &got, &reps, NULL), LG_ERR_INVALID);
    finish();
}

static void expect_stats(lg_store *st, const lg_partner *p, const char *day,
                         const uint64_t want[LG_LOAN_STATUS_COUNT], uint64_t want_day,
                         unsigned line)
{
    lg_store_stats got;
    memset(&got, 0x5a, sizeof got);
    lg_err e = lg_store_partner_stats(st, p->id, day, &got);
    expect_err(e, LG_OK, "lg_store_partner_stats", __FILE__, line, CU_TRUE);
    lg_partner now = get_partner(st, p->id);
    check(strcmp(got.partner.id, p->id) == 0 && got.partner.outstanding == now.outstanding &&
              got.partner.total_borrowed == now.total_borrowed &&
              got.partner.total_repaid == now.total_repaid,
          __FILE__, line, CU_FALSE, "partner_stats(%s) record is not the partner's", p->id);
    for (int s = 0; s < LG_LOAN_STATUS_COUNT; s++)
        check(got.loans[s] == want[s], __FILE__, line, CU_FALSE,
              "partner_stats(%s): %llu loans in status %d, expected %llu", p->id,
              (unsigned long long)got.loans[s], s, (unsigned long long)want[s]);
    check(got.day_borrowed == want_day, __FILE__, line, CU_FALSE,
          "partner_stats(%s, %s): day_borrowed %llu, expected %llu", p->id, day,
          (unsigned long long)got.day_borrowed, (unsigned long long)want_day);
}

/* Loans counted per status, with the partner's record and the day's usage. */
static void test_partner_stats(void)
{
    lg_store *st = start();
    list_seed s;
    char day[LG_DAY_LEN], tx[LG_HASH_LEN];
    seed_loans(st, &s); /* P: ACTIVE, SETTLING, FAILED, PENDING; Q: PENDING */
    set_clock(t0 + 6000);
    make_active(st, &s.p, "l5", 250);
    repay(st, &s.p, "l5", 250, tx, sizeof tx);
    lg_loan d = make_active(st, &s.p, "l6", 600);
    REQUIRE_ERR(lg_store_loan_default(st, d.id, "late", NULL, NULL), LG_OK);
    today(day, sizeof day);

    uint64_t want_p[LG_LOAN_STATUS_COUNT] = {0};
    want_p[LG_LOAN_PENDING] = 1;
    want_p[LG_LOAN_SETTLING] = 1;
    want_p[LG_LOAN_ACTIVE] = 1;
    want_p[LG_LOAN_REPAID] = 1;
    want_p[LG_LOAN_FAILED] = 1;
    want_p[LG_LOAN_DEFAULTED] = 1;
    /* 100 + 200 + 400 + 250 + 600: the failed loan's 300 was released */
    EXPECT_U64(usage(st, s.p.id, day), 1550);
    expect_stats(st, &s.p, day, want_p, 1550, __LINE__);
    uint64_t want_q[LG_LOAN_STATUS_COUNT] = {0};
    want_q[LG_LOAN_PENDING] = 1;
    expect_stats(st, &s.q, day, want_q, 500, __LINE__);
    expect_stats(st, &s.q, "2026-03-13", want_q, 0, __LINE__);

    /* A partner without loans: all zero. */
    lg_partner r;
    add_partner(st, &r, "gamma", 1000, 1000, 0);
    uint64_t none[LG_LOAN_STATUS_COUNT] = {0};
    expect_stats(st, &r, day, none, 0, __LINE__);

    lg_store_stats out;
    EXPECT_ERR(lg_store_partner_stats(st, "partner_nobody_001", day, &out), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_partner_stats(st, NULL, day, &out), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_stats(st, s.p.id, NULL, &out), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_stats(st, s.p.id, "2026-03-14-x", &out), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_stats(st, s.p.id, day, NULL), LG_ERR_INVALID);
    finish();
}

static void test_repay_list_pending(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_repayment a, b, c;
    char tx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    make_active(st, &p, "loan-1", 1000);
    make_active(st, &p, "loan-2", 1000);
    set_clock(t0 + 1);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, NULL, &a), LG_OK);
    set_clock(t0 + 2);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-2", 200, NULL, NULL, &b), LG_OK);
    set_clock(t0 + 3);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 300, NULL, NULL, &c), LG_OK);
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_repay_apply(st, a.id, tx, NULL), LG_OK);
    lg_repayment *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_repay_list_pending(st, 100, &items, &n), LG_OK);
    EXPECT_U64(n, 2);
    if (n == 2) {
        EXPECT_STR(items[0].id, b.id);
        EXPECT_STR(items[1].id, c.id);
    }
    free(items);
    items = NULL;
    REQUIRE_ERR(lg_store_repay_list_pending(st, 1, &items, &n), LG_OK);
    EXPECT(n == 1 && strcmp(items[0].id, b.id) == 0);
    free(items);
    finish();
}

/* ------------------------------------------------------------ positions */

/* The position (wallet, oaid) as the backend's look-up finds it; 0 when found. */
static int stored_position(const char *wallet, const char *oaid, lg_position *got)
{
    memset(got, 0, sizeof *got);
    int rc = cur->get_position(cur->ctx, wallet, oaid, got);
    REQUIRE(rc >= 0);
    return rc;
}

static void test_position_upsert(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_position pos, got;
    add_partner(st, &p, "acme", 100000, 100000, 0);
    position_init(&pos, WALLET_A, OAID_A);
    pos.total_partner_debt = 999; /* store-maintained: ignored */
    REQUIRE_ERR(lg_store_position_upsert(st, &pos), LG_OK);
    if (cur->get_position) {
        REQUIRE(stored_position(WALLET_A, OAID_A, &got) == 0);
        EXPECT_STR(got.position_id, "7");
        EXPECT_STR(got.collateral_token, pos.collateral_token);
        EXPECT_STR(got.collateral_amount, pos.collateral_amount);
        EXPECT_STR(got.collateral_value, pos.collateral_value);
        EXPECT_STR(got.usdc_borrowed, "0");
        EXPECT_STR(got.health_factor, pos.health_factor); /* uint256 max survives */
        EXPECT_I64(got.token_type, 1);
        EXPECT_I64(got.active, 1);
        EXPECT_U64(got.total_partner_debt, 0);
        EXPECT_I64(got.updated_at_ms, t0);
    }
    make_active(st, &p, "loan-1", 700);
    EXPECT_DEBT(WALLET_A, OAID_A, 700);

    /* A refresh from the chain keeps the store-maintained debt. */
    set_clock(t0 + 60000);
    position_init(&pos, WALLET_A, OAID_A);
    snprintf(pos.collateral_value, sizeof pos.collateral_value, "240000000000");
    snprintf(pos.usdc_borrowed, sizeof pos.usdc_borrowed, "700");
    REQUIRE_ERR(lg_store_position_upsert(st, &pos), LG_OK);
    if (cur->get_position) {
        REQUIRE(stored_position(WALLET_A, OAID_A, &got) == 0);
        EXPECT_STR(got.collateral_value, "240000000000");
        EXPECT_STR(got.usdc_borrowed, "700");
        EXPECT_U64(got.total_partner_debt, 700);
        EXPECT_I64(got.updated_at_ms, t0 + 60000);
    }

    /* Switched off on chain and on again: the debt stays through both. */
    pos.active = 0;
    REQUIRE_ERR(lg_store_position_upsert(st, &pos), LG_OK);
    if (cur->get_position) {
        REQUIRE(stored_position(WALLET_A, OAID_A, &got) == 0);
        EXPECT_I64(got.active, 0);
        EXPECT_U64(got.total_partner_debt, 700);
    }
    pos.active = 1;
    REQUIRE_ERR(lg_store_position_upsert(st, &pos), LG_OK);
    EXPECT_DEBT(WALLET_A, OAID_A, 700);
    if (cur->get_position) {
        EXPECT_I64(stored_position(WALLET_A, OAID_B, &got), 1);
        EXPECT_I64(stored_position(WALLET_B, OAID_A, &got), 1);
    }
    finish();
}

/* ------------------------------------------------------------ chain transactions */

static void tx_init(lg_chain_tx *t, const char *loan_id, const char *repayment_id,
                    lg_tx_purpose purpose, uint64_t chain_id, const char *from, uint64_t nonce)
{
    memset(t, 0, sizeof *t);
    snprintf(t->loan_id, sizeof t->loan_id, "%s", loan_id ? loan_id : "");
    snprintf(t->repayment_id, sizeof t->repayment_id, "%s", repayment_id ? repayment_id : "");
    t->purpose = purpose;
    t->chain_id = chain_id;
    snprintf(t->from, sizeof t->from, "%s", from);
    t->nonce = nonce;
    new_tx_hash(t->hash, sizeof t->hash);
    snprintf(t->raw, sizeof t->raw, "0x02f87083%06llx80843b9aca0085%020llx", seq, seq);
}

static int tx_state(lg_store *st, const char *loan_id, const char *repayment_id, const char *hash)
{
    lg_chain_tx *items = NULL;
    size_t n = 0;
    int state = -1;
    REQUIRE_ERR(lg_store_tx_list(st, loan_id, repayment_id, &items, &n), LG_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].hash, hash) == 0)
            state = (int)items[i].state;
    free(items);
    return state;
}

static void expect_unsettled(lg_store *st, uint32_t limit, const lg_chain_tx *const *want,
                             size_t nwant, unsigned line)
{
    lg_chain_tx *items = NULL;
    size_t n = 0;
    lg_err e = lg_store_tx_list_unsettled(st, limit, &items, &n);
    expect_err(e, LG_OK, "lg_store_tx_list_unsettled", __FILE__, line, CU_FALSE);
    int same = n == nwant;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(items[i].hash, want[i]->hash) == 0 && items[i].state == LG_TXS_SIGNED;
    check(same, __FILE__, line, CU_FALSE,
          "tx_list_unsettled(%u) gave %zu versions, expected %zu in record order", limit, n, nwant);
    free(items);
}

typedef struct tx_seed {
    lg_loan l;
    lg_repayment r;
    lg_chain_tx v[6];
    int64_t ids[6];
} tx_seed;

/* Records six versions 100 ms apart: two at the loan's nonce 7 (a fee bump), the
 * loan's transfer at 8, a repayment's at 9, and nonce 7 of another sender and of
 * another chain. */
static void seed_txs(lg_store *st, tx_seed *s)
{
    lg_partner p;
    add_partner(st, &p, "acme", 100000, 100000, 0);
    s->l = make_active(st, &p, "loan-1", 1000);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 10, NULL, NULL, &s->r), LG_OK);
    tx_init(&s->v[0], s->l.id, NULL, LG_TXP_BORROW, CHAIN_ID, PLATFORM, 7);
    tx_init(&s->v[1], s->l.id, NULL, LG_TXP_BORROW, CHAIN_ID, PLATFORM, 7);
    tx_init(&s->v[2], s->l.id, NULL, LG_TXP_TRANSFER, CHAIN_ID, PLATFORM, 8);
    tx_init(&s->v[3], NULL, s->r.id, LG_TXP_REPAY, CHAIN_ID, PLATFORM, 9);
    tx_init(&s->v[4], NULL, NULL, LG_TXP_GAPFILL, CHAIN_ID, OTHER_SENDER, 7);
    tx_init(&s->v[5], NULL, NULL, LG_TXP_GAPFILL, CHAIN_ID + 1, PLATFORM, 7);
    for (int i = 0; i < 6; i++) {
        set_clock(t0 + 100 * i);
        s->ids[i] = 0;
        REQUIRE_ERR(lg_store_tx_record(st, &s->v[i], &s->ids[i]), LG_OK);
        EXPECT(s->ids[i] > 0 && (i == 0 || s->ids[i] != s->ids[i - 1]));
    }
}

static void test_chain_tx_record(void)
{
    lg_store *st = start();
    tx_seed s;
    seed_txs(st, &s);
    lg_chain_tx dup = s.v[0];
    dup.nonce = 99;
    EXPECT_ERR(lg_store_tx_record(st, &dup, NULL), LG_ERR_DUPLICATE);
    lg_chain_tx *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_tx_list(st, s.l.id, NULL, &items, &n), LG_OK);
    EXPECT_U64(n, 3);
    if (n == 3) {
        for (int i = 0; i < 3; i++)
            EXPECT_STR(items[i].hash, s.v[i].hash);
        EXPECT_STR(items[1].raw, s.v[1].raw);
        EXPECT_STR(items[1].from, PLATFORM);
        EXPECT_STR(items[1].loan_id, s.l.id);
        EXPECT_U64(items[1].nonce, 7);
        EXPECT_U64(items[1].chain_id, CHAIN_ID);
        EXPECT_I64(items[1].purpose, LG_TXP_BORROW);
        EXPECT_I64(items[1].state, LG_TXS_SIGNED);
        EXPECT_I64(items[1].id, s.ids[1]);
        EXPECT_I64(items[1].created_at_ms, t0 + 100);
        EXPECT_I64(items[2].purpose, LG_TXP_TRANSFER);
    }
    free(items);
    items = NULL;
    REQUIRE_ERR(lg_store_tx_list(st, NULL, s.r.id, &items, &n), LG_OK);
    EXPECT(n == 1 && strcmp(items[0].hash, s.v[3].hash) == 0 &&
           strcmp(items[0].repayment_id, s.r.id) == 0);
    free(items);
    const lg_chain_tx *all[] = {&s.v[0], &s.v[1], &s.v[2], &s.v[3], &s.v[4], &s.v[5]};
    expect_unsettled(st, 100, all, 6, __LINE__);
    expect_unsettled(st, 2, all, 2, __LINE__);
    finish();
}

static void test_chain_tx_states(void)
{
    lg_store *st = start();
    tx_seed s;
    seed_txs(st, &s);
    const char *l = s.l.id;
    /* The mined version wins its nonce; only that sender's, on that chain. */
    REQUIRE_ERR(lg_store_tx_set_state(st, s.v[1].hash, LG_TXS_MINED), LG_OK);
    EXPECT_I64(tx_state(st, l, NULL, s.v[0].hash), LG_TXS_REPLACED);
    EXPECT_I64(tx_state(st, l, NULL, s.v[1].hash), LG_TXS_MINED);
    EXPECT_I64(tx_state(st, l, NULL, s.v[2].hash), LG_TXS_SIGNED);
    const lg_chain_tx *left[] = {&s.v[2], &s.v[3], &s.v[4], &s.v[5]};
    expect_unsettled(st, 100, left, 4, __LINE__);
    REQUIRE_ERR(lg_store_tx_set_state(st, s.v[2].hash, LG_TXS_REVERTED), LG_OK);
    EXPECT_I64(tx_state(st, l, NULL, s.v[2].hash), LG_TXS_REVERTED);
    EXPECT_I64(tx_state(st, l, NULL, s.v[1].hash), LG_TXS_MINED);
    REQUIRE_ERR(lg_store_tx_set_state(st, s.v[3].hash, LG_TXS_DROPPED), LG_OK);
    EXPECT_I64(tx_state(st, NULL, s.r.id, s.v[3].hash), LG_TXS_DROPPED);
    const lg_chain_tx *gap[] = {&s.v[4], &s.v[5]};
    expect_unsettled(st, 100, gap, 2, __LINE__);
    char unknown[LG_HASH_LEN];
    new_tx_hash(unknown, sizeof unknown);
    EXPECT_ERR(lg_store_tx_set_state(st, unknown, LG_TXS_MINED), LG_ERR_NOT_FOUND);
    finish();
}

/* ------------------------------------------------------------ nonces */

/* One holder at a time; extended by its owner; free once run out, given back, or held
 * by a process the caller says has ended; a release by another changes nothing. */
static void test_job_leases(void)
{
    lg_store *st = start();
    static const char a[] = "aaaaaaaa-0000-0000-0000-000000000000/100/7";
    static const char b[] = "bbbbbbbb-0000-0000-0000-000000000000/200/9";
    char holder[LG_OWNER_LEN];
    int64_t until = 0;
    REQUIRE_ERR(lg_store_job_lease_take(st, "reconcile", a, t0 + 1000, NULL, holder, &until),
                LG_OK);
    EXPECT_STR(holder, a);
    EXPECT_I64(until, t0 + 1000);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", b, t0 + 5000, NULL, holder, &until),
               LG_ERR_CONFLICT);
    EXPECT_STR(holder, a);
    EXPECT_I64(until, t0 + 1000);
    EXPECT_ERR(lg_store_job_lease_take(st, "dispatch", b, t0 + 5000, NULL, NULL, NULL), LG_OK);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", a, t0 + 2000, "", NULL, NULL), LG_OK);
    set_clock(t0 + 1999);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", b, t0 + 5000, NULL, NULL, NULL),
               LG_ERR_CONFLICT); /* extended to t0 + 2000 */
    set_clock(t0 + 2000);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", b, t0 + 9000, NULL, holder, &until), LG_OK);
    EXPECT_STR(holder, b);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", a, t0 + 9500, a, NULL, NULL),
               LG_ERR_CONFLICT); /* naming itself as the dead one takes nothing */
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", a, t0 + 9500, b, holder, NULL), LG_OK);
    EXPECT_STR(holder, a);
    EXPECT_ERR(lg_store_job_lease_release(st, "reconcile", b), LG_OK); /* not b's: kept */
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", b, t0 + 9900, NULL, NULL, NULL),
               LG_ERR_CONFLICT);
    EXPECT_ERR(lg_store_job_lease_release(st, "reconcile", a), LG_OK);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", b, t0 + 9900, NULL, NULL, NULL), LG_OK);
    EXPECT_ERR(lg_store_job_lease_take(st, "", b, t0 + 1, NULL, NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_job_lease_take(st, "reconcile", "", t0 + 1, NULL, NULL, NULL),
               LG_ERR_INVALID);
}

/* ------------------------------------------------------------ the sandbox */

/* The live partner and its sandbox twin, made with a fresh handle st. */
static void add_twins(lg_store *st, lg_partner *p, lg_partner *twin)
{
    add_partner(st, p, "acme", 3000, 5000, 150);
    REQUIRE_ERR(lg_store_partner_sandbox(st, p->id, 1, twin), LG_OK);
}

static void test_sandbox_twin(void)
{
    lg_store *st = start();
    lg_partner p, twin, again;
    uint64_t count = 0;
    add_partner(st, &p, "acme", 3000, 5000, 150);
    EXPECT_ERR(lg_store_partner_sandbox(st, p.id, 0, &twin), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_partner_sandbox(st, "partner_nobody_001", 1, &twin), LG_ERR_NOT_FOUND);
    REQUIRE_ERR(lg_store_partner_sandbox(st, p.id, 1, &twin), LG_OK);
    EXPECT_STR(twin.id, "partner_acme_001" LG_SANDBOX_SUFFIX);
    EXPECT_STR(twin.key_prefix, "acme" LG_SANDBOX_SUFFIX);
    EXPECT_STR(twin.live_id, p.id);
    EXPECT_U64(twin.daily_limit, 3000);
    EXPECT_U64(twin.total_limit, 5000);
    EXPECT_I64(twin.fee_bps, 150);
    EXPECT_STR(twin.settlement_address, p.settlement_address);
    EXPECT_STR(twin.webhook_secret, p.webhook_secret);
    EXPECT_STR(get_partner(st, p.id).live_id, "");
    REQUIRE_ERR(lg_store_partner_sandbox(st, p.id, 1, &again), LG_OK);
    EXPECT_STR(again.id, twin.id);
    EXPECT_ERR(lg_store_partner_sandbox(st, twin.id, 1, &again), LG_ERR_INVALID);
    /* Lists and the count know live partners only. */
    REQUIRE_ERR(lg_store_partner_count(st, &count), LG_OK);
    EXPECT_U64(count, 1);
    lg_partner_filter f = {-1, -1, 100, 0};
    lg_partner *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_partner_list(st, &f, &items, &n, &total), LG_OK);
    EXPECT(n == 1 && total == 1 && strcmp(items[0].id, p.id) == 0);
    free(items);
    /* The live partner's settings are the twin's; suspending one suspends both. */
    lg_partner change = p;
    change.daily_limit = 4000;
    change.status = LG_PARTNER_SUSPENDED;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &change, LG_PF_DAILY_LIMIT | LG_PF_STATUS, NULL,
                                                NULL, NULL),
                LG_OK);
    again = get_partner(st, twin.id);
    EXPECT_U64(again.daily_limit, 4000);
    EXPECT_I64(again.status, LG_PARTNER_SUSPENDED);
    EXPECT_STR(again.live_id, p.id);
    finish();
}

/* Loans, usage and totals of the twin are its own: the same partnerLoanId in both, and
 * neither's limits are spent by the other. */
static void test_sandbox_books_apart(void)
{
    lg_store *st = start();
    lg_partner p, twin;
    lg_loan a, b;
    char day[LG_DAY_LEN];
    add_twins(st, &p, &twin);
    reserve(st, &p, "loan-1", 2000, &a);
    reserve(st, &twin, "loan-1", 2500, &b);
    EXPECT(strcmp(a.id, b.id) != 0);
    today(day, sizeof day);
    EXPECT_U64(usage(st, p.id, day), 2000);
    EXPECT_U64(usage(st, twin.id, day), 2500);
    EXPECT_U64(get_partner(st, p.id).outstanding, 2000);
    EXPECT_U64(get_partner(st, twin.id).outstanding, 2500);
    expect_refused(st, &twin, 600, LG_ERR_LIMIT_DAILY, __LINE__);
    lg_loan got;
    REQUIRE_ERR(lg_store_loan_get(st, twin.id, "loan-1", &got), LG_OK);
    EXPECT_STR(got.id, b.id);
    finish();
}

/* A sandbox handle finishes the sandbox's work only, a live one the live work only:
 * unsettled loans, pending repayments, unsettled transactions, overdue loans, and a
 * position of the same wallet and OAID is one per chain. */
static void test_sandbox_scope(void)
{
    lg_store *st = start(), *sb = NULL;
    lg_partner p, twin;
    lg_loan a, b, *loans = NULL;
    lg_chain_tx ta, tb, *txs = NULL;
    size_t n = 0;
    add_twins(st, &p, &twin);
    REQUIRE_ERR(cur->open(cur->ctx, &sb), LG_OK);
    lg_store_set_sandbox(sb, 1);
    reserve(st, &p, "loan-1", 100, &a);
    reserve(sb, &twin, "loan-1", 200, &b);
    REQUIRE_ERR(lg_store_loan_list_unsettled(st, 100, &loans, &n), LG_OK);
    EXPECT(n == 1 && strcmp(loans[0].id, a.id) == 0);
    free(loans);
    loans = NULL;
    REQUIRE_ERR(lg_store_loan_list_unsettled(sb, 100, &loans, &n), LG_OK);
    EXPECT(n == 1 && strcmp(loans[0].id, b.id) == 0);
    free(loans);
    tx_init(&ta, a.id, NULL, LG_TXP_BORROW, CHAIN_ID, PLATFORM, 7);
    tx_init(&tb, b.id, NULL, LG_TXP_BORROW, CHAIN_ID + 1, PLATFORM, 7);
    REQUIRE_ERR(lg_store_tx_record(st, &ta, NULL), LG_OK);
    REQUIRE_ERR(lg_store_tx_record(sb, &tb, NULL), LG_OK);
    REQUIRE_ERR(lg_store_tx_list_unsettled(st, 100, &txs, &n), LG_OK);
    EXPECT(n == 1 && strcmp(txs[0].hash, ta.hash) == 0);
    free(txs);
    txs = NULL;
    REQUIRE_ERR(lg_store_tx_list_unsettled(sb, 100, &txs, &n), LG_OK);
    EXPECT(n == 1 && strcmp(txs[0].hash, tb.hash) == 0);
    free(txs);
    /* The same wallet and OAID on both chains: each debt on its own position. */
    lg_loan la = make_active(st, &p, "loan-2", 700);
    ensure_position(sb, WALLET_A, OAID_A);
    lg_loan lb;
    char bt[LG_HASH_LEN], tt[LG_HASH_LEN];
    reserve(sb, &twin, "loan-2", 300, &lb);
    new_tx_hash(bt, sizeof bt);
    new_tx_hash(tt, sizeof tt);
    REQUIRE_ERR(lg_store_loan_mark_borrowed(sb, lb.id, bt), LG_OK);
    REQUIRE_ERR(lg_store_loan_confirm(sb, lb.id, bt, tt), LG_OK);
    EXPECT_DEBT(WALLET_A, OAID_A, 700);
    EXPECT_STR(la.partner_id, p.id);
    /* Overdue: each handle's own. */
    set_clock(t0 + 100LL * 86400000);
    REQUIRE_ERR(lg_store_loan_list_overdue(sb, t0 + 1, 100, &loans, &n), LG_OK);
    EXPECT(n == 1 && strcmp(loans[0].id, lb.id) == 0);
    free(loans);
    loans = NULL;
    REQUIRE_ERR(lg_store_loan_list_overdue(st, t0 + 1, 100, &loans, &n), LG_OK);
    EXPECT(n == 1 && strcmp(loans[0].id, la.id) == 0);
    free(loans);
    lg_store_close(sb);
    finish();
}

static void test_nonce_basic(void)
{
    lg_store *st = start();
    uint64_t v = 0;
    int created = -1;
    EXPECT_ERR(lg_store_nonce_allocate(st, CHAIN_ID, PLATFORM, &v), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_nonce_peek(st, CHAIN_ID, PLATFORM, &v), LG_ERR_NOT_FOUND);
    REQUIRE_ERR(lg_store_nonce_init(st, CHAIN_ID, PLATFORM, 5, &created), LG_OK);
    EXPECT_I64(created, 1);
    created = -1;
    REQUIRE_ERR(lg_store_nonce_init(st, CHAIN_ID, PLATFORM, 99, &created), LG_OK);
    EXPECT_I64(created, 0);
    REQUIRE_ERR(lg_store_nonce_peek(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 5);
    REQUIRE_ERR(lg_store_nonce_allocate(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 5);
    REQUIRE_ERR(lg_store_nonce_allocate(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 6);
    REQUIRE_ERR(lg_store_nonce_peek(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 7);
    /* Another chain, or another sender, is another counter. */
    EXPECT_ERR(lg_store_nonce_allocate(st, CHAIN_ID + 1, PLATFORM, &v), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_nonce_init(st, CHAIN_ID + 1, PLATFORM, 0, NULL), LG_OK);
    REQUIRE_ERR(lg_store_nonce_allocate(st, CHAIN_ID + 1, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 0);
    EXPECT_ERR(lg_store_nonce_allocate(st, CHAIN_ID, OTHER_SENDER, &v), LG_ERR_NOT_FOUND);
    REQUIRE_ERR(lg_store_nonce_peek(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 7);
    finish();
}

static void test_nonce_resync(void)
{
    lg_store *st = start();
    uint64_t v = 0, prev = 0;
    REQUIRE_ERR(lg_store_nonce_init(st, CHAIN_ID, PLATFORM, 7, NULL), LG_OK);
    REQUIRE_ERR(lg_store_nonce_resync(st, CHAIN_ID, PLATFORM, 100, &prev), LG_OK);
    EXPECT_U64(prev, 7);
    REQUIRE_ERR(lg_store_nonce_allocate(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 100);
    REQUIRE_ERR(lg_store_nonce_resync(st, CHAIN_ID, PLATFORM, 3, NULL), LG_OK); /* downwards */
    REQUIRE_ERR(lg_store_nonce_peek(st, CHAIN_ID, PLATFORM, &v), LG_OK);
    EXPECT_U64(v, 3);
    prev = 0;
    REQUIRE_ERR(lg_store_nonce_resync(st, CHAIN_ID, OTHER_SENDER, 12, &prev), LG_OK);
    EXPECT_U64(prev, UINT64_MAX);
    REQUIRE_ERR(lg_store_nonce_allocate(st, CHAIN_ID, OTHER_SENDER, &v), LG_OK);
    EXPECT_U64(v, 12);
    int created = -1;
    REQUIRE_ERR(lg_store_nonce_init(st, CHAIN_ID, OTHER_SENDER, 0, &created), LG_OK);
    EXPECT_I64(created, 0);
    REQUIRE_ERR(lg_store_nonce_peek(st, CHAIN_ID, OTHER_SENDER, &v), LG_OK);
    EXPECT_U64(v, 13);
    finish();
}

/* ------------------------------------------------------------ API logs */

static void api_log_init(lg_api_log *row, const char *partner_id, int i, int success,
                         int64_t created_at_ms)
{
    memset(row, 0, sizeof *row);
    snprintf(row->partner_id, sizeof row->partner_id, "%s", partner_id);
    snprintf(row->request_id, sizeof row->request_id, "req-%d", i);
    snprintf(row->route, sizeof row->route, "/partners/loan/:partnerLoanId");
    snprintf(row->method, sizeof row->method, "GET");
    snprintf(row->client_ip, sizeof row->client_ip, "2001:db8::%d", i);
    snprintf(row->user_agent, sizeof row->user_agent, "sdk/1.%d", i);
    snprintf(row->payload, sizeof row->payload, "{\"partnerLoanId\":\"loan-%d\",\"note\":\"é\"}",
             i);
    row->status_code = success ? 200 : 404;
    row->duration_ms = (uint32_t)(10 + i);
    row->success = success;
    snprintf(row->error_message, sizeof row->error_message, "%s", success ? "" : "not found");
    snprintf(row->wallet, sizeof row->wallet, WALLET_A);
    snprintf(row->oaid, sizeof row->oaid, OAID_A);
    snprintf(row->loan_id, sizeof row->loan_id, "loan-%d", i);
    row->created_at_ms = created_at_ms;
}

static void expect_log_page(lg_store *st, const char *partner_id, int64_t start_ms, int64_t end_ms,
                            int success, uint32_t limit, uint64_t offset, uint64_t want_total,
                            const char *want_rids, unsigned line)
{
    lg_api_log_filter f = {partner_id, start_ms, end_ms, success, limit, offset};
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    lg_err e = lg_store_api_log_query(st, &f, &items, &n, &total);
    expect_err(e, LG_OK, "lg_store_api_log_query", __FILE__, line, CU_FALSE);
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "",
                 items[i].request_id);
    check(strcmp(got, want_rids) == 0 && total == want_total, __FILE__, line, CU_FALSE,
          "api_log_query(partner %s, [%lld, %lld), success %d, limit %u, offset %llu) gave [%s] "
          "total %llu, expected [%s] total %llu",
          partner_id ? partner_id : "any", (long long)(start_ms ? start_ms - t0 : 0),
          (long long)(end_ms ? end_ms - t0 : 0), success, limit, (unsigned long long)offset, got,
          (unsigned long long)total, want_rids, (unsigned long long)want_total);
    free(items);
}

static void expect_log_row(lg_store *st, const lg_api_log *want)
{
    lg_api_log_filter f = {
        want->partner_id, want->created_at_ms, want->created_at_ms + 1, -1, 10, 0};
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_api_log_query(st, &f, &items, &n, &total), LG_OK);
    EXPECT_U64(n, 1);
    if (n == 1) {
        const lg_api_log *g = &items[0];
        EXPECT(g->id > 0);
        EXPECT_STR(g->request_id, want->request_id);
        EXPECT_STR(g->route, want->route);
        EXPECT_STR(g->method, want->method);
        EXPECT_STR(g->client_ip, want->client_ip);
        EXPECT_STR(g->user_agent, want->user_agent);
        EXPECT_STR(g->payload, want->payload);
        EXPECT_I64(g->status_code, want->status_code);
        EXPECT_U64(g->duration_ms, want->duration_ms);
        EXPECT_I64(g->success, want->success);
        EXPECT_STR(g->error_message, want->error_message);
        EXPECT_STR(g->wallet, want->wallet);
        EXPECT_STR(g->oaid, want->oaid);
        EXPECT_STR(g->loan_id, want->loan_id);
    }
    free(items);
}

static void test_api_logs(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_api_log rows[7];
    add_partner(st, &p, "acme", 1000, 1000, 0);
    add_partner(st, &q, "beta", 1000, 1000, 0);
    static const int is_p[7] = {1, 1, 0, 1, 1, 0, 1};
    static const int ok[7] = {1, 0, 1, 1, 0, 0, 1};
    for (int i = 0; i < 7; i++)
        api_log_init(&rows[i], is_p[i] ? p.id : q.id, i, ok[i], i < 6 ? t0 + 1000 * i : 0);
    for (int i = 0; i < 6; i++)
        REQUIRE_ERR(lg_store_api_log_append(st, &rows[i]), LG_OK);
    set_clock(t0 + 6000);
    REQUIRE_ERR(lg_store_api_log_append(st, &rows[6]), LG_OK); /* created_at 0 = now */
    rows[6].created_at_ms = t0 + 6000;

    expect_log_page(st, p.id, 0, 0, -1, 100, 0, 5, "req-6,req-4,req-3,req-1,req-0", __LINE__);
    expect_log_page(st, p.id, 0, 0, 0, 100, 0, 2, "req-4,req-1", __LINE__);
    expect_log_page(st, NULL, 0, 0, 1, 100, 0, 4, "req-6,req-3,req-2,req-0", __LINE__);
    expect_log_page(st, NULL, 0, 0, -1, 100, 0, 7, "req-6,req-5,req-4,req-3,req-2,req-1,req-0",
                    __LINE__);
    expect_log_page(st, NULL, t0 + 1000, t0 + 4000, -1, 100, 0, 3, "req-3,req-2,req-1", __LINE__);
    expect_log_page(st, p.id, t0 + 3000, 0, -1, 100, 0, 3, "req-6,req-4,req-3", __LINE__);
    expect_log_page(st, p.id, 0, t0 + 1000, -1, 100, 0, 1, "req-0", __LINE__);
    expect_log_page(st, p.id, 0, 0, -1, 2, 1, 5, "req-4,req-3", __LINE__);
    expect_log_page(st, p.id, 0, 0, -1, 2, 99, 5, "", __LINE__);
    expect_log_page(st, q.id, 0, 0, 0, 100, 0, 1, "req-5", __LINE__);
    expect_log_row(st, &rows[1]);
    expect_log_row(st, &rows[4]);
    expect_log_row(st, &rows[6]);
    expect_log_page(st, NULL, 0, 0, -1, 0, 0, 7, "", __LINE__);
    finish();
}

/* ------------------------------------------------------------ audit journal */

/* Every row of partner_api_logs. */
static uint64_t log_rows(lg_store *st)
{
    lg_api_log_filter f = {NULL, 0, 0, -1, 0, 0};
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    REQUIRE_ERR(lg_store_api_log_query(st, &f, &items, &n, &total), LG_OK);
    free(items);
    return total;
}

static uint64_t journal_offset(lg_store *st, const char *source)
{
    uint64_t off = UINT64_MAX;
    REQUIRE_ERR(lg_store_audit_offset(st, source, &off), LG_OK);
    return off;
}

/* A journal file's rows are taken in batches, each with the file's new offset, once:
 * a batch from another offset than the recorded one is refused whole. */
static void test_audit_ingest(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_api_key k;
    lg_api_log rows[4];
    add_partner_key(st, &p, "acme", &k);
    for (int i = 0; i < 4; i++) {
        api_log_init(&rows[i], p.id, i, i != 2, t0 + 1000 * (i + 1));
        rows[i].key_id = k.id;
    }
    rows[0].created_at_ms = t0 + 5000; /* the batch's latest is not its last */
    EXPECT_U64(journal_offset(st, "a.0.log"), 0);
    EXPECT_I64(key_last_used(st, p.id, k.id), 0);

    REQUIRE_ERR(lg_store_audit_ingest(st, "a.0.log", 0, 300, rows, 2), LG_OK);
    EXPECT_U64(log_rows(st), 2);
    EXPECT_U64(journal_offset(st, "a.0.log"), 300);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 5000);
    expect_log_row(st, &rows[0]);
    expect_log_row(st, &rows[1]);

    /* The same bytes again, or from anywhere but 300: refused, nothing written. */
    EXPECT_ERR(lg_store_audit_ingest(st, "a.0.log", 0, 300, rows, 2), LG_ERR_CONFLICT);
    EXPECT_ERR(lg_store_audit_ingest(st, "a.0.log", 299, 450, &rows[2], 1), LG_ERR_CONFLICT);
    EXPECT_ERR(lg_store_audit_ingest(st, "a.0.log", 301, 450, &rows[2], 1), LG_ERR_CONFLICT);
    EXPECT_ERR(lg_store_audit_ingest(st, "b.0.log", 10, 20, &rows[2], 1), LG_ERR_CONFLICT);
    EXPECT_U64(log_rows(st), 2);
    EXPECT_U64(journal_offset(st, "a.0.log"), 300);
    EXPECT_U64(journal_offset(st, "b.0.log"), 0);

    /* From the recorded offset: offsets add up; an earlier row does not move the key's
     * last use back, a later one moves it on. */
    REQUIRE_ERR(lg_store_audit_ingest(st, "a.0.log", 300, 450, &rows[2], 1), LG_OK);
    EXPECT_U64(journal_offset(st, "a.0.log"), 450);
    EXPECT_U64(log_rows(st), 3);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 5000);
    expect_log_row(st, &rows[2]);
    /* Bytes that hold no row (a skipped line) move the offset alone. */
    REQUIRE_ERR(lg_store_audit_ingest(st, "a.0.log", 450, 470, NULL, 0), LG_OK);
    EXPECT_U64(journal_offset(st, "a.0.log"), 470);
    EXPECT_U64(log_rows(st), 3);
    rows[3].created_at_ms = t0 + 8000;
    REQUIRE_ERR(lg_store_audit_ingest(st, "a.0.log", 470, 600, &rows[3], 1), LG_OK);
    EXPECT_U64(journal_offset(st, "a.0.log"), 600);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 8000);

    /* Sources are apart; a row without a key moves none. */
    lg_api_log keyless;
    api_log_init(&keyless, p.id, 9, 1, t0 + 9000);
    REQUIRE_ERR(lg_store_audit_ingest(st, "b.0.log", 0, 90, &keyless, 1), LG_OK);
    EXPECT_U64(journal_offset(st, "b.0.log"), 90);
    EXPECT_U64(journal_offset(st, "a.0.log"), 600);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 8000);
    EXPECT_U64(log_rows(st), 5);

    /* Forgotten, a source starts from 0 again; forgetting an unknown one is no error. */
    REQUIRE_ERR(lg_store_audit_forget(st, "a.0.log"), LG_OK);
    EXPECT_U64(journal_offset(st, "a.0.log"), 0);
    EXPECT_U64(journal_offset(st, "b.0.log"), 90);
    EXPECT_ERR(lg_store_audit_forget(st, "a.0.log"), LG_OK);
    EXPECT_ERR(lg_store_audit_forget(st, "never.0.log"), LG_OK);
    EXPECT_ERR(lg_store_audit_ingest(st, "a.0.log", 600, 700, NULL, 0), LG_ERR_CONFLICT);
    REQUIRE_ERR(lg_store_audit_ingest(st, "a.0.log", 0, 10, NULL, 0), LG_OK);
    EXPECT_U64(journal_offset(st, "a.0.log"), 10);
    EXPECT_U64(log_rows(st), 5);

    /* Refused arguments write nothing. */
    char longname[LG_NAME_LEN + 1];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    lg_api_log neg = rows[1];
    neg.key_id = -1;
    lg_api_log early = rows[1];
    early.created_at_ms = -1;
    uint64_t off = 0;
    EXPECT_INVALID(lg_store_audit_ingest(st, NULL, 10, 20, rows, 1));
    EXPECT_INVALID(lg_store_audit_ingest(st, "", 10, 20, rows, 1));
    EXPECT_INVALID(lg_store_audit_ingest(st, longname, 0, 20, rows, 1));
    EXPECT_INVALID(lg_store_audit_ingest(st, "a.0.log", 10, 9, rows, 1));
    EXPECT_INVALID(lg_store_audit_ingest(st, "a.0.log", 10, 20, NULL, 1));
    EXPECT_INVALID(lg_store_audit_ingest(st, "a.0.log", 10, 20, &neg, 1));
    EXPECT_INVALID(lg_store_audit_ingest(st, "a.0.log", 10, 20, &early, 1));
    EXPECT_INVALID(lg_store_audit_offset(st, NULL, &off));
    EXPECT_INVALID(lg_store_audit_offset(st, "", &off));
    EXPECT_INVALID(lg_store_audit_offset(st, "a.0.log", NULL));
    EXPECT_INVALID(lg_store_audit_forget(st, NULL));
    EXPECT_INVALID(lg_store_audit_forget(st, ""));
    EXPECT_U64(journal_offset(st, "a.0.log"), 10);
    EXPECT_U64(log_rows(st), 5);
    EXPECT_I64(key_last_used(st, p.id, k.id), t0 + 8000);
    finish();
}

/* ------------------------------------------------------------ ledger */

/* Sorts the characters of s, so rows written in one transaction (one time) compare
 * as a set. */
static void sort_chars(char *s)
{
    for (char *a = s; *a; a++)
        for (char *b = a + 1; *b; b++)
            if (*b < *a) {
                char c = *a;
                *a = *b;
                *b = c;
            }
}

static void expect_ledger_page(lg_store *st, const char *partner_id, int64_t start_ms,
                               int64_t end_ms, uint32_t limit, uint64_t offset, uint64_t want_total,
                               const char *want_kinds, unsigned line)
{
    static const char kind_char[] = {'B', 'F', 'P', 'R', 'D'};
    lg_ledger_filter f = {partner_id, start_ms, end_ms, limit, offset};
    lg_ledger_entry *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    lg_err e = lg_store_ledger_list(st, &f, &items, &n, &total);
    expect_err(e, LG_OK, "lg_store_ledger_list", __FILE__, line, CU_FALSE);
    char got[64] = "", want[64];
    for (size_t i = 0; i < n && i < sizeof got - 1; i++)
        got[i] = (unsigned)items[i].kind < 5 ? kind_char[items[i].kind] : '?';
    got[n < sizeof got - 1 ? n : sizeof got - 1] = '\0';
    snprintf(want, sizeof want, "%s", want_kinds);
    sort_chars(got);
    sort_chars(want);
    check(strcmp(got, want) == 0 && total == want_total, __FILE__, line, CU_FALSE,
          "ledger_list([%lld, %lld), limit %u, offset %llu) gave kinds %s total %llu, expected "
          "%s total %llu",
          (long long)(start_ms ? start_ms - t0 : 0), (long long)(end_ms ? end_ms - t0 : 0), limit,
          (unsigned long long)offset, got, (unsigned long long)total, want_kinds,
          (unsigned long long)want_total);
    free(items);
}

static void test_ledger_range(void)
{
    lg_store *st = start();
    lg_partner p, q;
    char tx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 100);
    add_partner(st, &q, "beta", 100000, 100000, 100);
    make_active(st, &p, "loan-1", 1000); /* B, F, P and its funding D at t0 */
    make_active(st, &q, "loan-1", 1000); /* another partner's rows stay out */
    set_clock(t0 + 10000);
    repay(st, &p, "loan-1", 400, tx, sizeof tx);
    set_clock(t0 + 20000);
    repay(st, &p, "loan-1", 600, tx, sizeof tx);
    const char *id = p.id;
    expect_ledger_page(st, id, 0, 0, 100, 0, 6, "RRBFPD", __LINE__);
    expect_ledger_page(st, id, t0 + 10000, t0 + 20000, 100, 0, 1, "R", __LINE__);
    expect_ledger_page(st, id, t0 + 10000, 0, 100, 0, 2, "RR", __LINE__);
    expect_ledger_page(st, id, 0, t0 + 10000, 100, 0, 4, "BFPD", __LINE__);
    expect_ledger_page(st, id, t0 + 1, t0 + 10000, 100, 0, 0, "", __LINE__);
    expect_ledger_page(st, id, 0, 0, 2, 0, 6, "RR", __LINE__);
    expect_ledger_page(st, id, 0, 0, 3, 2, 6, "DFP", __LINE__); /* t0 rows newest id first */
    expect_ledger_page(st, id, 0, 0, 3, 5, 6, "B", __LINE__);
    expect_ledger_page(st, q.id, 0, 0, 100, 0, 4, "BFPD", __LINE__);
    lg_ledger_filter f = {id, t0 + 20000, 0, 10, 0};
    lg_ledger_entry *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_ledger_list(st, &f, &items, &n, &total), LG_OK);
    EXPECT(n == 1 && items[0].amount == 600 && items[0].created_at_ms == t0 + 20000 &&
           strcmp(items[0].tx_hash, tx) == 0);
    free(items);
    finish();
}

/* ------------------------------------------------------------ admin audit */

static void audit_init(lg_admin_audit *a, const char *admin, const char *action, const char *target,
                       int i, int64_t created_at_ms)
{
    memset(a, 0, sizeof *a);
    snprintf(a->admin, sizeof a->admin, "%s", admin);
    snprintf(a->action, sizeof a->action, "%s", action);
    snprintf(a->target, sizeof a->target, "%s", target);
    snprintf(a->before_json, sizeof a->before_json, "{\"status\":\"active\",\"i\":%d}", i);
    snprintf(a->after_json, sizeof a->after_json, "{\"status\":\"suspended\",\"i\":%d}", i);
    snprintf(a->request_id, sizeof a->request_id, "admin-req-%d", i);
    snprintf(a->client_ip, sizeof a->client_ip, "192.0.2.%d", i);
    a->created_at_ms = created_at_ms;
}

static void expect_audit_page(lg_store *st, const char *admin, const char *action,
                              const char *target, int64_t start_ms, int64_t end_ms, uint32_t limit,
                              uint64_t offset, uint64_t want_total, const char *want_rids,
                              unsigned line)
{
    lg_admin_audit_filter f = {admin, action, target, start_ms, end_ms, limit, offset};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    lg_err e = lg_store_admin_audit_query(st, &f, &items, &n, &total);
    expect_err(e, LG_OK, "lg_store_admin_audit_query", __FILE__, line, CU_FALSE);
    char got[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "",
                 items[i].request_id + strlen("admin-req-"));
    check(strcmp(got, want_rids) == 0 && total == want_total, __FILE__, line, CU_FALSE,
          "admin_audit_query(admin %s, action %s, target %s, limit %u, offset %llu) gave [%s] "
          "total %llu, expected [%s] total %llu",
          admin ? admin : "any", action ? action : "any", target ? target : "any", limit,
          (unsigned long long)offset, got, (unsigned long long)total, want_rids,
          (unsigned long long)want_total);
    free(items);
}

/* An audit hook that writes the row it was given, whatever the change. */
static lg_err hook_row(void *ctx, const lg_partner *before, const lg_partner *after,
                       lg_admin_audit *row)
{
    (void)before;
    (void)after;
    *row = *(const lg_admin_audit *)ctx;
    return LG_OK;
}

/* Writes row as the audit row of a change of p's name. */
static void audit_change(lg_store *st, const lg_partner *p, lg_admin_audit *row)
{
    lg_audit_hook hook = {hook_row, row};
    lg_partner u = *p;
    snprintf(u.name, sizeof u.name, "%s", row->request_id);
    REQUIRE_ERR(lg_store_partner_update_audited(st, &u, LG_PF_NAME, &hook, NULL, NULL), LG_OK);
}

static void test_admin_audit(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_admin_audit rows[4];
    add_partner(st, &p, "acme", 1000, 1000, 0);
    audit_init(&rows[0], "alice", "partner.create", "partner_a_001", 0, t0);
    audit_init(&rows[1], "bob", "partner.suspend", "partner_a_001", 1, t0 + 1000);
    audit_init(&rows[2], "alice", "partner.update", "partner_b_001", 2, t0 + 2000);
    audit_init(&rows[3], "alice", "partner.suspend", "partner_b_001", 3, 0);
    for (int i = 0; i < 3; i++)
        audit_change(st, &p, &rows[i]);
    set_clock(t0 + 3000);
    audit_change(st, &p, &rows[3]); /* created_at 0 = now */

    expect_audit_page(st, NULL, NULL, NULL, 0, 0, 100, 0, 4, "3,2,1,0", __LINE__);
    expect_audit_page(st, "alice", NULL, NULL, 0, 0, 100, 0, 3, "3,2,0", __LINE__);
    expect_audit_page(st, NULL, "partner.suspend", NULL, 0, 0, 100, 0, 2, "3,1", __LINE__);
    expect_audit_page(st, NULL, NULL, "partner_b_001", 0, 0, 100, 0, 2, "3,2", __LINE__);
    expect_audit_page(st, "alice", "partner.suspend", "partner_b_001", 0, 0, 100, 0, 1, "3",
                      __LINE__);
    expect_audit_page(st, "bob", "partner.create", NULL, 0, 0, 100, 0, 0, "", __LINE__);
    expect_audit_page(st, NULL, NULL, NULL, t0 + 1000, t0 + 3000, 100, 0, 2, "2,1", __LINE__);
    expect_audit_page(st, NULL, NULL, NULL, t0 + 3000, 0, 100, 0, 1, "3", __LINE__);
    expect_audit_page(st, NULL, NULL, NULL, 0, 0, 1, 1, 4, "2", __LINE__);
    expect_audit_page(st, NULL, NULL, NULL, 0, 0, 5, 4, 4, "", __LINE__);

    lg_admin_audit_filter f = {NULL, NULL, NULL, t0 + 3000, 0, 10, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_admin_audit_query(st, &f, &items, &n, &total), LG_OK);
    EXPECT_U64(n, 1);
    if (n == 1) {
        EXPECT(items[0].id > 0);
        EXPECT_STR(items[0].admin, "alice");
        EXPECT_STR(items[0].action, "partner.suspend");
        EXPECT_STR(items[0].target, "partner_b_001");
        EXPECT_STR(items[0].before_json, rows[3].before_json);
        EXPECT_STR(items[0].after_json, rows[3].after_json);
        EXPECT_STR(items[0].client_ip, "192.0.2.3");
        EXPECT_I64(items[0].created_at_ms, t0 + 3000);
    }
    free(items);
    finish();
}

/* ------------------------------------------------------------ NULL arguments */

/* Every operation with a NULL handle and otherwise good arguments. */
static void null_handle_lifecycle(void)
{
    lg_partner p;
    lg_api_key k;
    lg_position pos;
    lg_loan l;
    lg_repayment r;
    lg_chain_tx t;
    int v = 0;
    uint64_t u = 0;
    partner_init(&p, "acme", 1, 1, 0);
    key_init(&k, p.id);
    position_init(&pos, WALLET_A, OAID_A);
    loan_init(&l, &p, "loan-1", 1);
    tx_init(&t, NULL, NULL, LG_TXP_GAPFILL, CHAIN_ID, PLATFORM, 1);
    EXPECT_INVALID(lg_store_migrate(NULL, &v));
    EXPECT_INVALID(lg_store_schema_version(NULL, &v));
    EXPECT_INVALID(lg_store_partner_onboard(NULL, &p, &k, NULL, NULL));
    EXPECT_INVALID(lg_store_partner_get(NULL, p.id, &p));
    EXPECT_INVALID(lg_store_partner_update_audited(NULL, &p, LG_PF_NAME, NULL, NULL, NULL));
    EXPECT_INVALID(lg_store_key_rotate(NULL, &k, t0, NULL, NULL));
    EXPECT_INVALID(lg_store_partner_by_key(NULL, k.key_hash, NULL, NULL));
    EXPECT_INVALID(lg_store_key_touch(NULL, 1, 0, NULL));
    EXPECT_INVALID(lg_store_position_upsert(NULL, &pos));
    EXPECT_INVALID(lg_store_loan_reserve(NULL, &l, NULL, NULL));
    EXPECT_INVALID(lg_store_loan_get(NULL, p.id, "loan-1", &l));
    EXPECT_INVALID(lg_store_loan_get_by_id(NULL, "x", &l));
    EXPECT_INVALID(lg_store_loan_mark_borrowed(NULL, "x", t.hash));
    EXPECT_INVALID(lg_store_loan_confirm(NULL, "x", t.hash, t.hash));
    EXPECT_INVALID(lg_store_loan_fail(NULL, "x", "r"));
    EXPECT_INVALID(lg_store_repay_begin(NULL, p.id, "loan-1", 1, NULL, NULL, &r));
    EXPECT_INVALID(lg_store_repay_apply(NULL, "x", t.hash, NULL));
    EXPECT_INVALID(lg_store_repay_fail(NULL, "x", "r"));
    EXPECT_INVALID(lg_store_repay_get(NULL, "x", &r));
    EXPECT_INVALID(lg_store_tx_record(NULL, &t, NULL));
    EXPECT_INVALID(lg_store_tx_set_state(NULL, t.hash, LG_TXS_MINED));
    EXPECT_INVALID(lg_store_nonce_init(NULL, CHAIN_ID, PLATFORM, 0, NULL));
    EXPECT_INVALID(lg_store_nonce_allocate(NULL, CHAIN_ID, PLATFORM, &u));
    EXPECT_INVALID(lg_store_nonce_resync(NULL, CHAIN_ID, PLATFORM, 0, NULL));
    EXPECT_INVALID(lg_store_nonce_peek(NULL, CHAIN_ID, PLATFORM, &u));
    EXPECT_INVALID(lg_store_daily_usage(NULL, p.id, "2026-03-14", &u));
}

/* The list and log operations with a NULL handle. */
static void null_handle_lists(void)
{
    lg_partner_filter pf = {-1, -1, 10, 0};
    lg_loan_filter lf = {NULL, NULL, -1, 10, 0};
    lg_api_log_filter af = {NULL, 0, 0, -1, 10, 0};
    lg_ledger_filter gf = {"partner_acme_001", 0, 0, 10, 0};
    lg_admin_audit_filter df = {NULL, NULL, NULL, 0, 0, 10, 0};
    lg_api_log row;
    lg_partner *partners = NULL;
    lg_api_key *keys = NULL;
    lg_loan *loans = NULL;
    lg_repayment *repays = NULL;
    lg_chain_tx *txs = NULL;
    lg_api_log *logs = NULL;
    lg_ledger_entry *ledger = NULL;
    lg_admin_audit *audits = NULL;
    size_t n = 0;
    uint64_t total = 0;
    api_log_init(&row, "partner_acme_001", 1, 1, 0);
    EXPECT_INVALID(lg_store_partner_list(NULL, &pf, &partners, &n, &total));
    EXPECT_INVALID(lg_store_key_list(NULL, "partner_acme_001", &keys, &n));
    EXPECT_INVALID(lg_store_loan_list(NULL, &lf, &loans, &n, &total));
    EXPECT_INVALID(lg_store_loan_list_unsettled(NULL, 10, &loans, &n));
    EXPECT_INVALID(lg_store_repay_list(NULL, "x", &repays, &n));
    EXPECT_INVALID(lg_store_repay_list_pending(NULL, 10, &repays, &n));
    EXPECT_INVALID(lg_store_tx_list(NULL, "x", NULL, &txs, &n));
    EXPECT_INVALID(lg_store_tx_list_unsettled(NULL, 10, &txs, &n));
    EXPECT_INVALID(lg_store_api_log_append(NULL, &row));
    EXPECT_INVALID(lg_store_api_log_query(NULL, &af, &logs, &n, &total));
    EXPECT_INVALID(lg_store_ledger_list(NULL, &gf, &ledger, &n, &total));
    EXPECT_INVALID(lg_store_admin_audit_query(NULL, &df, &audits, &n, &total));
    lg_loan loan;
    lg_store_stats stats;
    EXPECT_INVALID(lg_store_loan_view(NULL, "partner_acme_001", "loan-1", &loan, &repays, &n));
    EXPECT_INVALID(lg_store_partner_stats(NULL, "partner_acme_001", "2026-03-14", &stats));
    EXPECT_INVALID(lg_store_audit_ingest(NULL, "a.0.log", 0, 10, &row, 1));
    EXPECT_INVALID(lg_store_audit_offset(NULL, "a.0.log", &total));
    EXPECT_INVALID(lg_store_audit_forget(NULL, "a.0.log"));
    EXPECT(!partners && !keys && !loans && !repays && !txs && !logs && !ledger && !audits);
}

static void test_null_handle(void)
{
    lg_store *st = NULL;
    EXPECT_INVALID(lg_store_open(NULL, "somewhere", 1000, &st));
    EXPECT_INVALID(lg_store_open(cur->name, NULL, 1000, &st));
    EXPECT_INVALID(lg_store_open(cur->name, "somewhere", 1000, NULL));
    EXPECT(st == NULL);
    lg_store_close(st);
    lg_store_close(NULL);
    null_handle_lifecycle();
    null_handle_lists();
}

/* NULL keys, records and required outputs on a good handle. */
static void null_args_records(lg_store *st, const lg_partner *p)
{
    lg_partner pout;
    lg_loan l;
    lg_repayment r;
    char tx[LG_HASH_LEN];
    uint64_t u = 0;
    new_tx_hash(tx, sizeof tx);
    EXPECT_INVALID(lg_store_schema_version(st, NULL));
    EXPECT_INVALID(lg_store_partner_get(st, NULL, &pout));
    EXPECT_INVALID(lg_store_partner_get(st, p->id, NULL));
    EXPECT_INVALID(lg_store_partner_update_audited(st, NULL, LG_PF_NAME, NULL, NULL, NULL));
    EXPECT_INVALID(lg_store_partner_by_key(st, NULL, NULL, NULL));
    EXPECT_INVALID(lg_store_position_upsert(st, NULL));
    EXPECT_INVALID(lg_store_loan_reserve(st, NULL, NULL, NULL));
    EXPECT_INVALID(lg_store_loan_get(st, NULL, "loan-1", &l));
    EXPECT_INVALID(lg_store_loan_get(st, p->id, NULL, &l));
    EXPECT_INVALID(lg_store_loan_get(st, p->id, "loan-1", NULL));
    EXPECT_INVALID(lg_store_loan_get_by_id(st, NULL, &l));
    EXPECT_INVALID(lg_store_loan_mark_borrowed(st, NULL, tx));
    EXPECT_INVALID(lg_store_loan_confirm(st, NULL, tx, tx));
    EXPECT_INVALID(lg_store_loan_fail(st, NULL, "r"));
    EXPECT_INVALID(lg_store_repay_begin(st, NULL, "loan-1", 1, NULL, NULL, &r));
    EXPECT_INVALID(lg_store_repay_begin(st, p->id, NULL, 1, NULL, NULL, &r));
    EXPECT_INVALID(lg_store_repay_begin(st, p->id, "loan-1", 1, NULL, NULL, NULL));
    EXPECT_INVALID(lg_store_repay_apply(st, NULL, tx, NULL));
    EXPECT_INVALID(lg_store_repay_fail(st, NULL, "r"));
    EXPECT_INVALID(lg_store_repay_get(st, NULL, &r));
    EXPECT_INVALID(lg_store_repay_get(st, "x", NULL));
    EXPECT_INVALID(lg_store_tx_record(st, NULL, NULL));
    EXPECT_INVALID(lg_store_tx_set_state(st, NULL, LG_TXS_MINED));
    EXPECT_INVALID(lg_store_nonce_init(st, CHAIN_ID, NULL, 0, NULL));
    EXPECT_INVALID(lg_store_nonce_allocate(st, CHAIN_ID, NULL, &u));
    EXPECT_INVALID(lg_store_nonce_resync(st, CHAIN_ID, NULL, 0, NULL));
    EXPECT_INVALID(lg_store_nonce_peek(st, CHAIN_ID, NULL, &u));
    EXPECT_INVALID(lg_store_api_log_append(st, NULL));
    EXPECT_INVALID(lg_store_daily_usage(st, NULL, "2026-03-14", &u));
    EXPECT_INVALID(lg_store_daily_usage(st, p->id, NULL, &u));
    EXPECT_INVALID(lg_store_daily_usage(st, p->id, "2026-03-14", NULL));
}

/* NULL filters and outputs of the list operations on a good handle. */
static void null_args_lists(lg_store *st, const lg_partner *p)
{
    lg_partner_filter pf = {-1, -1, 10, 0};
    lg_loan_filter lf = {NULL, NULL, -1, 10, 0};
    lg_api_log_filter af = {NULL, 0, 0, -1, 10, 0};
    lg_ledger_filter gf = {NULL, 0, 0, 10, 0}; /* partner_id is required */
    lg_admin_audit_filter df = {NULL, NULL, NULL, 0, 0, 10, 0};
    lg_partner *partners = NULL;
    lg_api_key *keys = NULL;
    lg_loan *loans = NULL;
    lg_repayment *repays = NULL;
    lg_chain_tx *txs = NULL;
    lg_api_log *logs = NULL;
    lg_ledger_entry *ledger = NULL;
    lg_admin_audit *audits = NULL;
    size_t n = 0;
    uint64_t total = 0;
    EXPECT_INVALID(lg_store_partner_list(st, NULL, &partners, &n, &total));
    EXPECT_INVALID(lg_store_partner_list(st, &pf, NULL, &n, &total));
    EXPECT_INVALID(lg_store_partner_list(st, &pf, &partners, NULL, &total));
    EXPECT_INVALID(lg_store_key_list(st, NULL, &keys, &n));
    EXPECT_INVALID(lg_store_key_list(st, p->id, NULL, &n));
    EXPECT_INVALID(lg_store_loan_list(st, NULL, &loans, &n, &total));
    EXPECT_INVALID(lg_store_loan_list(st, &lf, NULL, &n, &total));
    EXPECT_INVALID(lg_store_loan_list_unsettled(st, 10, NULL, &n));
    EXPECT_INVALID(lg_store_repay_list(st, NULL, &repays, &n));
    EXPECT_INVALID(lg_store_repay_list_pending(st, 10, &repays, NULL));
    EXPECT_INVALID(lg_store_tx_list(st, NULL, NULL, &txs, &n)); /* one of the two is needed */
    EXPECT_INVALID(lg_store_tx_list_unsettled(st, 10, NULL, &n));
    EXPECT_INVALID(lg_store_api_log_query(st, NULL, &logs, &n, &total));
    EXPECT_INVALID(lg_store_api_log_query(st, &af, &logs, NULL, &total));
    EXPECT_INVALID(lg_store_ledger_list(st, &gf, &ledger, &n, &total));
    EXPECT_INVALID(lg_store_ledger_list(st, NULL, &ledger, &n, &total));
    EXPECT_INVALID(lg_store_admin_audit_query(st, NULL, &audits, &n, &total));
    EXPECT_INVALID(lg_store_admin_audit_query(st, &df, &audits, NULL, &total));
    EXPECT(!partners && !keys && !loans && !repays && !txs && !logs && !ledger && !audits);
}

static void test_null_args(void)
{
    lg_store *st = start();
    lg_partner p;
    add_partner(st, &p, "acme", 1000, 1000, 0);
    null_args_records(st, &p);
    null_args_lists(st, &p);
    /* Nothing above may have written anything. */
    EXPECT_U64(loan_count(st, p.id), 0);
    EXPECT_U64(get_partner(st, p.id).outstanding, 0);
    finish();
}

/* ------------------------------------------------------------ concurrency */

/* What a worker process tells the parent; small enough for one atomic pipe write. */
typedef struct child_report {
    int ran;          /* reached the barrier with an open handle */
    int ok;           /* operations that succeeded */
    int limit_daily;  /* LG_ERR_LIMIT_DAILY answers */
    int limit_total;  /* LG_ERR_LIMIT_TOTAL answers */
    int duplicate;    /* LG_ERR_DUPLICATE answers */
    int stopped;      /* LG_ERR_OVERPAY / LG_ERR_STATE that ended a repay loop */
    int busy_retries; /* LG_ERR_BUSY answers that were retried */
    int busy_stuck;   /* operations still LG_ERR_BUSY after BUSY_TRIES retries */
    int unexpected;   /* any other answer */
    lg_err first_unexpected;
    char first_where[48];
    uint64_t applied; /* repayments applied */
    uint32_t nvalues;
    uint64_t values[NONCES_EACH];
} child_report;

typedef void (*child_fn)(lg_store *st, int idx, const void *arg, child_report *rep);

static void note_unexpected(child_report *rep, const char *where, lg_err e)
{
    if (rep->unexpected++ == 0) {
        rep->first_unexpected = e;
        snprintf(rep->first_where, sizeof rep->first_where, "%s", where);
    }
}

/* 1 when e is LG_ERR_BUSY and the caller should try again (after a short pause). */
static int busy_again(child_report *rep, lg_err e, int *tries)
{
    if (e != LG_ERR_BUSY)
        return 0;
    if (++*tries > BUSY_TRIES) {
        rep->busy_stuck++;
        return 0;
    }
    rep->busy_retries++;
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    return 1;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static size_t read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* The worker: own handle, wait for the start signal, race, report, _exit (no atexit
 * handlers or stdio flushes inherited from the test runner). */
static void child_main(int idx, int go_fd, int res_fd, child_fn fn, const void *arg)
{
    child_report rep;
    memset(&rep, 0, sizeof rep);
    alarm(CHILD_ALARM_S);
    lg_store *st = NULL;
    lg_err e = cur->open(cur->ctx, &st);
    char go;
    size_t started = read_all(go_fd, &go, 1);
    if (e != LG_OK) {
        note_unexpected(&rep, "open", e);
    } else if (started == 1) {
        rep.ran = 1;
        fn(st, idx, arg, &rep);
    }
    lg_store_close(st);
    int wrote = write_all(res_fd, &rep, sizeof rep);
    _exit(wrote == 0 && rep.ran ? 0 : 3);
}

static void check_child(int idx, pid_t pid, int res_fd, child_report *rep)
{
    memset(rep, 0, sizeof *rep);
    size_t got = read_all(res_fd, rep, sizeof *rep);
    close(res_fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    check(clean && got == sizeof *rep, __FILE__, __LINE__, CU_FALSE,
          "worker %d %s %d, sent %zu of %zu report bytes", idx,
          WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), got, sizeof *rep);
    check(rep->unexpected == 0, __FILE__, __LINE__, CU_FALSE,
          "worker %d got %d unexpected answers, the first %s from %s", idx, rep->unexpected,
          lg_errname(rep->first_unexpected), rep->first_where);
    check(rep->busy_stuck == 0, __FILE__, __LINE__, CU_FALSE,
          "worker %d: %d operations stayed LG_ERR_BUSY through %d retries", idx, rep->busy_stuck,
          BUSY_TRIES);
}

/* Forks NPROC workers running fn, starts them together, collects their reports.
 * The parent's own handle is closed first: a handle never crosses fork(). */
static void run_children(child_fn fn, const void *arg, child_report *reps)
{
    int go[2], res[NPROC];
    pid_t pids[NPROC];
    int started = 0;
    lg_store_close(g_st);
    g_st = NULL;
    REQUIRE(pipe(go) == 0);
    fflush(NULL);
    for (; started < NPROC; started++) {
        int fds[2];
        if (pipe(fds) != 0)
            break;
        pid_t pid = fork();
        if (pid == 0) {
            close(go[1]);
            close(fds[0]);
            for (int j = 0; j < started; j++)
                close(res[j]);
            child_main(started, go[0], fds[1], fn, arg);
        }
        close(fds[1]);
        if (pid < 0) {
            close(fds[0]);
            break;
        }
        pids[started] = pid;
        res[started] = fds[0];
    }
    close(go[0]);
    char signal_bytes[NPROC];
    memset(signal_bytes, 'g', sizeof signal_bytes);
    write_all(go[1], signal_bytes, (size_t)started); /* everybody starts now */
    close(go[1]);
    for (int i = 0; i < started; i++)
        check_child(i, pids[i], res[i], &reps[i]);
    check(started == NPROC, __FILE__, __LINE__, CU_TRUE, "only %d of %d workers started", started,
          NPROC);
    REQUIRE_ERR(cur->open(cur->ctx, &g_st), LG_OK);
}

typedef struct race_reserve {
    lg_partner p;
} race_reserve;

static void child_reserve(lg_store *st, int idx, const void *arg, child_report *rep)
{
    const race_reserve *rr = arg;
    for (int i = 0; i < RACE_ATTEMPTS; i++) {
        char plid[LG_ID_LEN];
        lg_loan l;
        lg_err e;
        int tries = 0;
        snprintf(plid, sizeof plid, "race-%d-%d", idx, i);
        loan_init(&l, &rr->p, plid, RACE_AMOUNT);
        do
            e = lg_store_loan_reserve(st, &l, NULL, NULL);
        while (busy_again(rep, e, &tries));
        if (e == LG_OK)
            rep->ok++;
        else if (e == LG_ERR_LIMIT_TOTAL)
            rep->limit_total++;
        else if (e == LG_ERR_LIMIT_DAILY)
            rep->limit_daily++;
        else if (e != LG_ERR_BUSY)
            note_unexpected(rep, "loan_reserve", e);
    }
}

/* 8 x 5 distinct reservations against a limit that admits exactly RACE_WINNERS. */
static void race_limit(int daily)
{
    lg_store *st = start();
    race_reserve rr;
    child_report reps[NPROC];
    uint64_t cap = (uint64_t)RACE_WINNERS * RACE_AMOUNT, plenty = 1000 * cap;
    add_partner(st, &rr.p, "race", daily ? cap : plenty, daily ? plenty : cap, 100);
    run_children(child_reserve, &rr, reps);
    int ok = 0, total = 0, dly = 0, retries = 0;
    for (int i = 0; i < NPROC; i++) {
        ok += reps[i].ok;
        total += reps[i].limit_total;
        dly += reps[i].limit_daily;
        retries += reps[i].busy_retries;
    }
    printf("\n    [%s] %s-limit race: %d reservations, %d ok, %d refused, %d BUSY retried ",
           cur->name, daily ? "daily" : "total", NPROC * RACE_ATTEMPTS, ok, daily ? dly : total,
           retries);
    int refused = daily ? dly : total, refused_other = daily ? total : dly;
    EXPECT_I64(ok, RACE_WINNERS);
    EXPECT_I64(refused, NPROC * RACE_ATTEMPTS - RACE_WINNERS);
    EXPECT_I64(refused_other, 0);
    char day[LG_DAY_LEN];
    today(day, sizeof day);
    EXPECT_U64(get_partner(g_st, rr.p.id).outstanding, cap);
    EXPECT_U64(usage(g_st, rr.p.id, day), cap);
    EXPECT_U64(loan_count(g_st, rr.p.id), RACE_WINNERS);
    finish();
}

static void test_race_total_limit(void)
{
    race_limit(0);
}

static void test_race_daily_limit(void)
{
    race_limit(1);
}

/* Every worker reserves the same partnerLoanId: one wins, the others see its loan. */
static void child_reserve_same(lg_store *st, int idx, const void *arg, child_report *rep)
{
    const race_reserve *rr = arg;
    lg_loan l, existing;
    lg_err e;
    int tries = 0;
    (void)idx;
    loan_init(&l, &rr->p, "same-loan", RACE_AMOUNT);
    memset(&existing, 0, sizeof existing);
    do
        e = lg_store_loan_reserve(st, &l, NULL, &existing);
    while (busy_again(rep, e, &tries));
    if (e == LG_OK) {
        rep->ok++;
    } else if (e == LG_ERR_DUPLICATE) {
        rep->duplicate++;
        if (strcmp(existing.partner_loan_id, "same-loan") != 0 || existing.amount != RACE_AMOUNT)
            note_unexpected(rep, "duplicate without the existing loan", e);
    } else if (e != LG_ERR_BUSY) {
        note_unexpected(rep, "loan_reserve", e);
    }
}

static void test_race_same_loan_id(void)
{
    lg_store *st = start();
    race_reserve rr;
    child_report reps[NPROC];
    add_partner(st, &rr.p, "race", 1000 * RACE_AMOUNT, 1000 * RACE_AMOUNT, 0);
    run_children(child_reserve_same, &rr, reps);
    int ok = 0, dup = 0;
    for (int i = 0; i < NPROC; i++) {
        ok += reps[i].ok;
        dup += reps[i].duplicate;
    }
    EXPECT_I64(ok, 1);
    EXPECT_I64(dup, NPROC - 1);
    char day[LG_DAY_LEN];
    today(day, sizeof day);
    EXPECT_U64(get_partner(g_st, rr.p.id).outstanding, RACE_AMOUNT);
    EXPECT_U64(usage(g_st, rr.p.id, day), RACE_AMOUNT);
    EXPECT_U64(loan_count(g_st, rr.p.id), 1);
    finish();
}

typedef struct race_repay {
    char partner_id[LG_ID_LEN];
    char plid[LG_ID_LEN];
} race_repay;

static void child_repay(lg_store *st, int idx, const void *arg, child_report *rep)
{
    const race_repay *rr = arg;
    for (unsigned i = 0; i < 2 * REPAY_PRINCIPAL; i++) {
        lg_repayment r;
        char tx[LG_HASH_LEN];
        lg_err e;
        int tries = 0;
        do
            e = lg_store_repay_begin(st, rr->partner_id, rr->plid, REPAY_STEP, NULL, NULL, &r);
        while (busy_again(rep, e, &tries));
        if (e == LG_ERR_OVERPAY || e == LG_ERR_STATE) {
            rep->stopped++;
            return;
        }
        if (e != LG_OK) {
            if (e != LG_ERR_BUSY) /* a BUSY that never cleared is counted already */
                note_unexpected(rep, "repay_begin", e);
            return;
        }
        tx_hash(tx, sizeof tx, (unsigned)idx + 1, i);
        tries = 0;
        do
            e = lg_store_repay_apply(st, r.id, tx, NULL);
        while (busy_again(rep, e, &tries));
        if (e != LG_OK) {
            if (e != LG_ERR_BUSY)
                note_unexpected(rep, "repay_apply", e);
            return;
        }
        rep->ok++;
        rep->applied += REPAY_STEP;
    }
    note_unexpected(rep, "repay loop never stopped", LG_OK);
}

static void expect_repaid_in_full(lg_store *st, const lg_partner *p, const lg_loan *l, int napplied)
{
    lg_loan after = get_loan(st, l->id);
    EXPECT_U64(after.remaining, 0);
    EXPECT_U64(after.repaid, REPAY_PRINCIPAL);
    EXPECT_U64(after.repay_pending, 0);
    EXPECT_I64(after.status, LG_LOAN_REPAID);
    lg_repayment *items = NULL;
    size_t n = 0;
    uint64_t sum = 0;
    REQUIRE_ERR(lg_store_repay_list(st, l->id, &items, &n), LG_OK);
    for (size_t i = 0; i < n; i++)
        if (items[i].status == LG_REPAY_APPLIED)
            sum += items[i].amount;
    EXPECT_U64(n, napplied);
    EXPECT_U64(sum, REPAY_PRINCIPAL);
    free(items);
    lg_partner pp = get_partner(st, p->id);
    EXPECT_U64(pp.outstanding, 0);
    EXPECT_U64(pp.total_repaid, REPAY_PRINCIPAL);
    EXPECT_DEBT(WALLET_A, OAID_A, 0);
    EXPECT_EVENTS(p->id, "loan.repaid", 1);
    EXPECT_EVENTS(p->id, "loan.repayment_received", napplied);
}

static void test_race_repay(void)
{
    lg_store *st = start();
    lg_partner p;
    race_repay rr;
    child_report reps[NPROC];
    add_partner(st, &p, "race", 1000000, 1000000, 0);
    lg_loan l = make_active(st, &p, "loan-1", REPAY_PRINCIPAL);
    snprintf(rr.partner_id, sizeof rr.partner_id, "%s", p.id);
    snprintf(rr.plid, sizeof rr.plid, "loan-1");
    run_children(child_repay, &rr, reps);
    uint64_t applied = 0;
    int napplied = 0, retries = 0;
    for (int i = 0; i < NPROC; i++) {
        applied += reps[i].applied;
        napplied += reps[i].ok;
        retries += reps[i].busy_retries;
        EXPECT_I64(reps[i].stopped, 1);
    }
    printf("\n    [%s] repay race: %d repayments of %d applied, %d BUSY retried ", cur->name,
           napplied, REPAY_STEP, retries);
    lg_loan mid = get_loan(g_st, l.id);
    REQUIRE_U64(mid.remaining, REPAY_PRINCIPAL - applied);
    EXPECT(mid.remaining < REPAY_STEP); /* the workers stopped only at the end */
    EXPECT_U64(mid.repay_pending, 0);
    char tx[LG_HASH_LEN];
    lg_loan last = repay(g_st, &p, "loan-1", mid.remaining, tx, sizeof tx);
    EXPECT_I64(last.status, LG_LOAN_REPAID);
    expect_repaid_in_full(g_st, &p, &l, napplied + 1);
    lg_repayment r;
    EXPECT_ERR(lg_store_repay_begin(g_st, p.id, "loan-1", 1, NULL, NULL, &r), LG_ERR_STATE);
    finish();
}

static void child_nonces(lg_store *st, int idx, const void *arg, child_report *rep)
{
    (void)idx;
    (void)arg;
    for (int i = 0; i < NONCES_EACH; i++) {
        uint64_t v = 0;
        lg_err e;
        int tries = 0;
        do
            e = lg_store_nonce_allocate(st, CHAIN_ID, PLATFORM, &v);
        while (busy_again(rep, e, &tries));
        if (e != LG_OK) {
            if (e != LG_ERR_BUSY)
                note_unexpected(rep, "nonce_allocate", e);
            return;
        }
        rep->values[rep->nvalues++] = v;
        rep->ok++;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void test_race_nonces(void)
{
    lg_store *st = start();
    child_report reps[NPROC];
    static uint64_t all[NPROC * NONCES_EACH];
    REQUIRE_ERR(lg_store_nonce_init(st, CHAIN_ID, PLATFORM, NONCE_START, NULL), LG_OK);
    run_children(child_nonces, NULL, reps);
    size_t n = 0;
    for (int i = 0; i < NPROC; i++) {
        for (uint32_t j = 0; j < reps[i].nvalues && j < NONCES_EACH; j++)
            all[n++] = reps[i].values[j];
        for (uint32_t j = 1; j < reps[i].nvalues && j < NONCES_EACH; j++)
            check(reps[i].values[j] > reps[i].values[j - 1], __FILE__, __LINE__, CU_FALSE,
                  "worker %d got nonce %llu after %llu", i, (unsigned long long)reps[i].values[j],
                  (unsigned long long)reps[i].values[j - 1]);
    }
    REQUIRE_U64(n, NPROC * NONCES_EACH);
    qsort(all, n, sizeof all[0], cmp_u64);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i] != NONCE_START + i && bad++ == 0)
            check(0, __FILE__, __LINE__, CU_FALSE,
                  "sorted nonce #%zu is %llu, expected %llu (duplicate or gap)", i,
                  (unsigned long long)all[i], (unsigned long long)(NONCE_START + i));
    EXPECT_U64(bad, 0);
    uint64_t next = 0;
    REQUIRE_ERR(lg_store_nonce_peek(g_st, CHAIN_ID, PLATFORM, &next), LG_OK);
    EXPECT_U64(next, NONCE_START + NPROC * NONCES_EACH);
    finish();
}

/* ------------------------------------------------------------ cluster-wide guards */

#define RATE_WIN   60000
#define RATE_KEY   "p:acme"
#define RACE_RATE  100 /* the limit 8 processes race for */
#define RATE_TRIES 40  /* takes per racing process: 320 in all */
#define REPLAY_WIN 600000

/* One take that must succeed; the verdict is in *r. */
#define TAKE(st, key, limit, now, r)                                                               \
    REQUIRE_ERR(lg_store_rate_take((st), (key), RATE_WIN, (limit), (now), (r)), LG_OK)

/* Exact admissions at the limit, the refusal's retry time, and the sliding estimate
 * carrying a full previous window into the next one (t0 starts a window). */
static void test_rate_exact(void)
{
    lg_store *st = start();
    lg_store_rate r;
    int64_t w1 = t0 + RATE_WIN;
    for (uint64_t i = 1; i <= 5; i++) {
        TAKE(st, RATE_KEY, 5, t0 + 1000, &r);
        EXPECT(r.allowed);
        EXPECT_U64(r.current, i);
        EXPECT_U64(r.estimate, i);
        EXPECT_I64(r.window_start_ms, t0);
    }
    /* The fifth leaves no room: the next window opens with ceil(5 * (60000 - e) /
     * 60000) of this one still counted, which is 4 from e = 12000 on. */
    EXPECT_I64(r.retry_at_ms, w1 + 12000);
    TAKE(st, RATE_KEY, 5, t0 + 2000, &r);
    EXPECT(!r.allowed);
    EXPECT_U64(r.current, 5); /* a refusal is not counted */
    EXPECT_I64(r.retry_at_ms, w1 + 12000);
    TAKE(st, RATE_KEY, 5, w1, &r);
    EXPECT(!r.allowed);
    EXPECT_U64(r.previous, 5);
    EXPECT_U64(r.current, 0);
    TAKE(st, RATE_KEY, 5, w1 + 11999, &r);
    EXPECT(!r.allowed);
    TAKE(st, RATE_KEY, 5, w1 + 12000, &r);
    EXPECT(r.allowed);
    EXPECT_U64(r.estimate, 5); /* 1 + ceil(5 * 48000 / 60000) */
    /* 1 + ceil(5 * (60000 - e) / 60000) < 5 from e = 24000 on. */
    EXPECT_I64(r.retry_at_ms, w1 + 24000);
    TAKE(st, RATE_KEY, 5, w1 + 23999, &r);
    EXPECT(!r.allowed);
    TAKE(st, RATE_KEY, 5, w1 + 24000, &r);
    EXPECT(r.allowed);
    EXPECT_U64(r.current, 2);
    /* A window with nothing before it starts from zero. */
    for (int i = 0; i < 5; i++) {
        TAKE(st, RATE_KEY, 5, t0 + 3 * RATE_WIN + 5, &r);
        EXPECT(r.allowed);
    }
    EXPECT_U64(r.previous, 0);
    TAKE(st, RATE_KEY, 5, t0 + 3 * RATE_WIN + 6, &r);
    EXPECT(!r.allowed);
    EXPECT_I64(r.retry_at_ms, t0 + 4 * RATE_WIN + 12000);
    finish();
}

/* A burst at the end of a window and another at the start of the next: together they
 * stay within the limit (fixed windows alone would admit twice the limit). */
static void test_rate_window_edge(void)
{
    lg_store *st = start();
    lg_store_rate r;
    int admitted = 0;
    for (int i = 0; i < 20; i++) {
        TAKE(st, RATE_KEY, 10, t0 + RATE_WIN - 1, &r);
        admitted += r.allowed;
    }
    EXPECT_I64(admitted, 10);
    admitted = 0;
    for (int i = 0; i < 20; i++) {
        TAKE(st, RATE_KEY, 10, t0 + RATE_WIN + 6000, &r); /* 10 % into the next window */
        admitted += r.allowed;
    }
    EXPECT_I64(admitted, 1); /* ceil(10 * 0.9) = 9 still count */
    TAKE(st, RATE_KEY, 10, t0 + 2 * RATE_WIN - 1, &r);
    EXPECT(r.allowed);
    EXPECT_U64(r.estimate, 3); /* 2 + ceil(10 * 1 / 60000) */
    /* Keys and limits are independent. */
    TAKE(st, "ip:192.0.2.1", 1, t0 + RATE_WIN + 6000, &r);
    EXPECT(r.allowed);
    TAKE(st, "ip:192.0.2.1", 1, t0 + RATE_WIN + 6000, &r);
    EXPECT(!r.allowed);
    /* A host whose clock runs behind counts into the newer window it finds. */
    TAKE(st, "p:skew", 3, t0 + RATE_WIN + 100, &r);
    TAKE(st, "p:skew", 3, t0 + RATE_WIN - 50, &r);
    EXPECT(r.allowed);
    EXPECT_U64(r.current, 2);
    EXPECT_I64(r.window_start_ms, t0 + RATE_WIN);
    finish();
}

/* Two handles on one store (two hosts) count together. */
static void test_rate_two_handles(void)
{
    lg_store *st = start();
    lg_store *other = NULL;
    REQUIRE_ERR(cur->open(cur->ctx, &other), LG_OK);
    lg_store_rate r;
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
        TAKE(i % 2 ? other : st, RATE_KEY, 4, t0 + 100 + i, &r);
        admitted += r.allowed;
        EXPECT_U64(r.current, (uint64_t)(i < 4 ? i + 1 : 4));
    }
    EXPECT_I64(admitted, 4);
    lg_store_close(other);
    finish();
}

static void test_rate_invalid(void)
{
    lg_store *st = start();
    lg_store_rate r;
    char key[LG_STORE_RATE_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    EXPECT_INVALID(lg_store_rate_take(st, key, RATE_WIN, 5, t0, &r)); /* 257 bytes */
    key[LG_STORE_RATE_KEY_MAX] = '\0';
    EXPECT_ERR(lg_store_rate_take(st, key, RATE_WIN, 5, t0, &r), LG_OK);
    EXPECT_INVALID(lg_store_rate_take(NULL, RATE_KEY, RATE_WIN, 5, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, NULL, RATE_WIN, 5, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, "", RATE_WIN, 5, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, 0, 5, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, -1, 5, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, LG_STORE_RATE_WINDOW_MAX_MS + 1, 5, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, RATE_WIN, 0, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, RATE_WIN, UINT64_C(1) << 32, t0, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, RATE_WIN, 5, -1, &r));
    EXPECT_INVALID(lg_store_rate_take(st, RATE_KEY, RATE_WIN, 5, t0, NULL));
    finish();
}

static void child_rate(lg_store *st, int idx, const void *arg, child_report *rep)
{
    (void)idx;
    (void)arg;
    for (int i = 0; i < RATE_TRIES; i++) {
        lg_store_rate r;
        lg_err e;
        int tries = 0;
        do
            e = lg_store_rate_take(st, RATE_KEY, RATE_WIN, RACE_RATE, t0 + 1000, &r);
        while (busy_again(rep, e, &tries));
        if (e != LG_OK) {
            if (e != LG_ERR_BUSY)
                note_unexpected(rep, "rate_take", e);
            return;
        }
        if (r.allowed)
            rep->ok++;
        else
            rep->limit_total++;
    }
}

/* 8 processes, 320 requests at one instant, a limit of 100: exactly 100 admitted. */
static void test_race_rate(void)
{
    child_report reps[NPROC];
    (void)start();
    run_children(child_rate, NULL, reps); /* reopens g_st */
    int ok = 0, refused = 0;
    for (int i = 0; i < NPROC; i++) {
        ok += reps[i].ok;
        refused += reps[i].limit_total;
    }
    EXPECT_I64(ok, RACE_RATE);
    EXPECT_I64(refused, NPROC * RATE_TRIES - RACE_RATE);
    lg_store_rate r;
    TAKE(g_st, RATE_KEY, RACE_RATE, t0 + 1000, &r);
    EXPECT(!r.allowed);
    EXPECT_U64(r.current, RACE_RATE);
    finish();
}

static void test_replay_claim(void)
{
    lg_store *st = start();
    lg_store *other = NULL;
    unsigned char d[LG_STORE_GUARD_DIGEST_LEN], e[LG_STORE_GUARD_DIGEST_LEN];
    memset(d, 0xab, sizeof d);
    memset(e, 0xab, sizeof e);
    e[31] = 0xac;
    REQUIRE_ERR(cur->open(cur->ctx, &other), LG_OK);
    EXPECT_ERR(lg_store_replay_claim(st, d, t0, REPLAY_WIN), LG_OK);
    EXPECT_ERR(lg_store_replay_claim(st, d, t0 + 1, REPLAY_WIN), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_replay_claim(other, d, t0 + REPLAY_WIN - 1, REPLAY_WIN), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_replay_claim(other, e, t0 + 2, REPLAY_WIN), LG_OK);
    /* Expired: claimed anew, for a new window. */
    EXPECT_ERR(lg_store_replay_claim(other, d, t0 + REPLAY_WIN, REPLAY_WIN), LG_OK);
    EXPECT_ERR(lg_store_replay_claim(st, d, t0 + REPLAY_WIN + 1, REPLAY_WIN), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_replay_claim(st, e, t0 + REPLAY_WIN + 1, REPLAY_WIN), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_replay_claim(st, e, t0 + REPLAY_WIN + 2, REPLAY_WIN), LG_OK);
    EXPECT_INVALID(lg_store_replay_claim(NULL, d, t0, REPLAY_WIN));
    EXPECT_INVALID(lg_store_replay_claim(st, NULL, t0, REPLAY_WIN));
    EXPECT_INVALID(lg_store_replay_claim(st, d, -1, REPLAY_WIN));
    EXPECT_INVALID(lg_store_replay_claim(st, d, t0, 0));
    EXPECT_INVALID(lg_store_replay_claim(st, d, t0, LG_STORE_RATE_WINDOW_MAX_MS + 1));
    EXPECT_INVALID(lg_store_replay_claim(st, d, INT64_MAX, REPLAY_WIN));
    lg_store_close(other);
    finish();
}

static const lg_test_case guard_tests[] = {
    {"rate: exact admissions, retry times, windows", test_rate_exact},
    {"rate: a burst across a window edge", test_rate_window_edge},
    {"rate: two handles count together", test_rate_two_handles},
    {"rate: arguments", test_rate_invalid},
    {"rate: 8 processes against one limit", test_race_rate},
    {"replay: claim, duplicate, expiry", test_replay_claim},
    {NULL, NULL},
};

/* ------------------------------------------------------------ partner administration */

#define DAY_MS 86400000LL

/* The audit hook of these tests: records its calls, fails on demand. */
typedef struct hook_rec {
    int calls;
    int creates; /* calls with before == NULL */
    lg_err fail_with;
    int fail_on_call; /* 1-based; 0 = never */
} hook_rec;

static lg_err hook_fill(void *ctx, const lg_partner *before, const lg_partner *after,
                        lg_admin_audit *row)
{
    hook_rec *h = ctx;
    h->calls++;
    h->creates += before == NULL;
    if (h->fail_on_call == h->calls)
        return h->fail_with;
    snprintf(row->admin, sizeof row->admin, "conformance");
    snprintf(row->action, sizeof row->action, "%s", before ? "partner.update" : "partner.create");
    snprintf(row->target, sizeof row->target, "%s", after ? after->id : before->id);
    snprintf(row->before_json, sizeof row->before_json, "{\"name\":\"%s\"}",
             before ? before->name : "");
    snprintf(row->after_json, sizeof row->after_json, "{\"name\":\"%s\"}",
             after ? after->name : "");
    return LG_OK;
}

static uint64_t audit_rows(lg_store *st, const char *target)
{
    lg_admin_audit_filter f = {NULL, NULL, target, 0, 0, 1, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = UINT64_MAX;
    REQUIRE_ERR(lg_store_admin_audit_query(st, &f, &items, &n, &total), LG_OK);
    free(items);
    return total;
}

static uint64_t partner_total(lg_store *st)
{
    uint64_t count = UINT64_MAX;
    REQUIRE_ERR(lg_store_partner_count(st, &count), LG_OK);
    return count;
}

static void test_admin_prefix_count(void)
{
    lg_store *st = start();
    lg_partner a, b, got;
    EXPECT_U64(partner_total(st), 0);
    add_partner(st, &a, "acme", 1000, 5000, 0);
    add_partner(st, &b, "beta", 1000, 5000, 0);
    EXPECT_U64(partner_total(st), 2);
    memset(&got, 0, sizeof got);
    REQUIRE_ERR(lg_store_partner_get_by_prefix(st, "beta", &got), LG_OK);
    EXPECT_STR(got.id, b.id);
    EXPECT_ERR(lg_store_partner_get_by_prefix(st, "gamma", &got), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_partner_get_by_prefix(st, "", &got), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_get_by_prefix(st, NULL, &got), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_get_by_prefix(st, "acme", NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_count(st, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_count(NULL, NULL), LG_ERR_INVALID);
    finish();
}

static void test_admin_onboard(void)
{
    lg_store *st = start();
    lg_partner p, q, got;
    lg_api_key k, kgot;
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    int64_t key_id = 0;
    partner_init(&p, "acme", 1000, 5000, 30);
    key_init(&k, p.id);
    REQUIRE_ERR(lg_store_partner_onboard(st, &p, &k, &hook, &key_id), LG_OK);
    EXPECT(key_id > 0);
    EXPECT_I64(rec.creates, 1);
    EXPECT_U64(audit_rows(st, p.id), 1);
    got = get_partner(st, p.id);
    EXPECT_STR(got.key_prefix, "acme");
    EXPECT_I64(got.created_at_ms, t0);
    REQUIRE_ERR(lg_store_partner_by_key(st, k.key_hash, &got, &kgot), LG_OK);
    EXPECT_I64(kgot.id, key_id);

    /* Duplicate id, key prefix or key hash: nothing written. */
    lg_api_key k2;
    partner_init(&q, "acme", 1, 1, 0);
    snprintf(q.id, sizeof q.id, "partner_other_001");
    key_init(&k2, q.id);
    EXPECT_ERR(lg_store_partner_onboard(st, &q, &k2, &hook, NULL), LG_ERR_DUPLICATE);
    partner_init(&q, "other", 1, 1, 0);
    snprintf(q.id, sizeof q.id, "%s", p.id);
    key_init(&k2, q.id);
    EXPECT_ERR(lg_store_partner_onboard(st, &q, &k2, &hook, NULL), LG_ERR_DUPLICATE);
    partner_init(&q, "other", 1, 1, 0);
    k2 = k;
    snprintf(k2.partner_id, sizeof k2.partner_id, "%s", q.id);
    EXPECT_ERR(lg_store_partner_onboard(st, &q, &k2, &hook, NULL), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_partner_get(st, q.id, &got), LG_ERR_NOT_FOUND);
    EXPECT_U64(partner_total(st), 1);
    EXPECT_U64(audit_rows(st, NULL), 1);

    /* A failing hook rolls the whole onboarding back and its error comes out. */
    rec.fail_on_call = rec.calls + 1;
    rec.fail_with = LG_ERR_OVERFLOW;
    key_init(&k2, q.id);
    EXPECT_ERR(lg_store_partner_onboard(st, &q, &k2, &hook, NULL), LG_ERR_OVERFLOW);
    EXPECT_ERR(lg_store_partner_get(st, q.id, &got), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_partner_by_key(st, k2.key_hash, NULL, NULL), LG_ERR_NOT_FOUND);
    EXPECT_U64(audit_rows(st, NULL), 1);

    /* No hook: created without a row. A key for another partner id is refused. */
    EXPECT_ERR(lg_store_partner_onboard(st, &q, &k2, NULL, NULL), LG_OK);
    EXPECT_U64(audit_rows(st, NULL), 1);
    partner_init(&q, "third", 1, 1, 0);
    key_init(&k2, p.id);
    EXPECT_ERR(lg_store_partner_onboard(st, &q, &k2, NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_onboard(st, NULL, &k2, NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_onboard(st, &q, NULL, NULL, NULL), LG_ERR_INVALID);
    finish();
}

static void test_admin_update_audited(void)
{
    lg_store *st = start();
    lg_partner p, ch, before, after;
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    add_partner(st, &p, "acme", 1000, 5000, 0);
    ch = p;
    snprintf(ch.name, sizeof ch.name, "Acme Two");
    ch.fee_bps = 77;
    set_clock(t0 + 5);
    REQUIRE_ERR(lg_store_partner_update_audited(st, &ch, LG_PF_NAME, &hook, &before, &after),
                LG_OK);
    EXPECT_STR(before.name, p.name);
    EXPECT_STR(after.name, "Acme Two");
    EXPECT_I64(after.fee_bps, 0); /* not in the mask */
    EXPECT_I64(after.updated_at_ms, t0 + 5);
    EXPECT_U64(audit_rows(st, p.id), 1);

    rec.fail_on_call = rec.calls + 1;
    rec.fail_with = LG_ERR_STATE;
    snprintf(ch.name, sizeof ch.name, "Never");
    EXPECT_ERR(lg_store_partner_update_audited(st, &ch, LG_PF_NAME, &hook, NULL, NULL),
               LG_ERR_STATE);
    EXPECT_STR(get_partner(st, p.id).name, "Acme Two");
    EXPECT_U64(audit_rows(st, p.id), 1);

    snprintf(ch.id, sizeof ch.id, "partner_nobody_001");
    EXPECT_ERR(lg_store_partner_update_audited(st, &ch, LG_PF_NAME, &hook, NULL, NULL),
               LG_ERR_NOT_FOUND);
    ch = p;
    ch.fee_bps = 10001;
    EXPECT_ERR(lg_store_partner_update_audited(st, &ch, LG_PF_FEE_BPS, &hook, NULL, NULL),
               LG_ERR_INVALID);
    finish();
}

static void test_admin_key_rotate(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_api_key a, b, c, orphan;
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    int64_t id = 0;
    add_partner_key(st, &p, "acme", &a);
    key_init(&b, p.id);
    REQUIRE_ERR(lg_store_key_rotate(st, &b, t0 + 1000, &hook, &id), LG_OK);
    b.id = id;
    EXPECT(id > a.id);
    EXPECT_U64(audit_rows(st, p.id), 1);
    expect_auth(st, &a, t0 + 999, LG_OK, __LINE__);
    expect_auth(st, &b, t0 + 999, LG_OK, __LINE__);
    expect_auth(st, &a, t0 + 1000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &b, t0 + 1000, LG_OK, __LINE__);

    /* Grace already over: the previous key stops at once. */
    set_clock(t0 + 2000);
    key_init(&c, p.id);
    REQUIRE_ERR(lg_store_key_rotate(st, &c, t0 + 2000, &hook, &id), LG_OK);
    c.id = id;
    expect_auth(st, &b, t0 + 2000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &c, t0 + 2000, LG_OK, __LINE__);

    /* Hook error: no new key, the expiries stay. */
    lg_api_key d;
    set_clock(t0 + 3000);
    key_init(&d, p.id);
    rec.fail_on_call = rec.calls + 1;
    rec.fail_with = LG_ERR_NOMEM;
    EXPECT_ERR(lg_store_key_rotate(st, &d, t0 + 3000, &hook, NULL), LG_ERR_NOMEM);
    expect_auth(st, &d, t0 + 3000, LG_ERR_NOT_FOUND, __LINE__);
    expect_auth(st, &c, t0 + 3000, LG_OK, __LINE__);
    EXPECT_U64(audit_rows(st, p.id), 2);

    key_init(&orphan, "partner_nobody_001");
    EXPECT_ERR(lg_store_key_rotate(st, &orphan, t0, NULL, NULL), LG_ERR_NOT_FOUND);
    d = c;
    EXPECT_ERR(lg_store_key_rotate(st, &d, t0, NULL, NULL), LG_ERR_DUPLICATE);
    EXPECT_ERR(lg_store_key_rotate(st, &d, 0, NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_key_rotate(st, NULL, t0, NULL, NULL), LG_ERR_INVALID);
    finish();
}

static void import_item(lg_partner_import_item *it, const char *prefix, uint32_t fee_bps)
{
    memset(it, 0, sizeof *it);
    partner_init(&it->partner, prefix, 1000, 5000, fee_bps);
    it->mask = LG_PF_NAME | LG_PF_FEE_BPS | LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT;
    key_init(&it->key, it->partner.id);
}

static void test_admin_import(void)
{
    lg_store *st = start();
    lg_partner_import_item items[3];
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    size_t bad = 99;
    import_item(&items[0], "acme", 10);
    import_item(&items[1], "beta", 20);
    REQUIRE_ERR(lg_store_partner_import(st, items, 2, &hook, &bad), LG_OK);
    EXPECT_I64(items[0].created, 1);
    EXPECT_I64(items[1].created, 1);
    EXPECT_STR(items[1].after.id, "partner_beta_001");
    EXPECT_U64(partner_total(st), 2);
    EXPECT_U64(audit_rows(st, NULL), 2);
    EXPECT_ERR(lg_store_partner_by_key(st, items[0].key.key_hash, NULL, NULL), LG_OK);

    /* The same items again: found by prefix, unchanged, no row. */
    lg_partner_import_item again[2];
    import_item(&again[0], "acme", 10);
    import_item(&again[1], "beta", 20);
    REQUIRE_ERR(lg_store_partner_import(st, again, 2, &hook, &bad), LG_OK);
    EXPECT_I64(again[0].created, 0);
    EXPECT_I64(again[1].created, 0);
    EXPECT_U64(partner_total(st), 2);
    EXPECT_U64(audit_rows(st, NULL), 2);

    /* An item for an existing partner needs no id and no key; a new one does. */
    import_item(&again[0], "acme", 10);
    memset(again[0].partner.id, 0, sizeof again[0].partner.id);
    memset(&again[0].key, 0, sizeof again[0].key);
    REQUIRE_ERR(lg_store_partner_import(st, again, 1, &hook, &bad), LG_OK);
    EXPECT_STR(again[0].after.id, "partner_acme_001");
    import_item(&again[0], "acme", 10);
    import_item(&again[1], "newone", 10);
    memset(again[1].partner.id, 0, sizeof again[1].partner.id);
    EXPECT_ERR(lg_store_partner_import(st, again, 2, &hook, &bad), LG_ERR_INVALID);
    EXPECT_U64(bad, 1);
    EXPECT_U64(partner_total(st), 2);

    /* One changed field: an update with its row; the key of an update is not used. */
    import_item(&again[0], "acme", 11);
    import_item(&again[1], "beta", 20);
    REQUIRE_ERR(lg_store_partner_import(st, again, 2, &hook, &bad), LG_OK);
    EXPECT_I64(again[0].before.fee_bps, 10);
    EXPECT_I64(again[0].after.fee_bps, 11);
    EXPECT_I64(get_partner(st, "partner_acme_001").fee_bps, 11);
    EXPECT_ERR(lg_store_partner_by_key(st, again[0].key.key_hash, NULL, NULL), LG_ERR_NOT_FOUND);
    EXPECT_U64(audit_rows(st, NULL), 3);

    /* A bad item in the middle: nothing of the others stays, its index comes out. */
    import_item(&items[0], "gamma", 1);
    import_item(&items[1], "delta", 2);
    snprintf(items[1].partner.id, sizeof items[1].partner.id, "partner_acme_001");
    import_item(&items[2], "acme", 12);
    EXPECT_ERR(lg_store_partner_import(st, items, 3, &hook, &bad), LG_ERR_DUPLICATE);
    EXPECT_U64(bad, 1);
    EXPECT_U64(partner_total(st), 2);
    EXPECT_I64(get_partner(st, "partner_acme_001").fee_bps, 11);
    EXPECT_U64(audit_rows(st, NULL), 3);

    /* Two items with one prefix. */
    import_item(&items[0], "gamma", 1);
    import_item(&items[1], "epsilon", 2);
    import_item(&items[2], "gamma", 3);
    snprintf(items[2].partner.id, sizeof items[2].partner.id, "partner_gamma_002");
    EXPECT_ERR(lg_store_partner_import(st, items, 3, &hook, &bad), LG_ERR_DUPLICATE);
    EXPECT_U64(bad, 2);
    EXPECT_U64(partner_total(st), 2);

    /* A hook error on the second change rolls back the first. */
    import_item(&items[0], "gamma", 1);
    import_item(&items[1], "epsilon", 2);
    rec.fail_on_call = rec.calls + 2;
    rec.fail_with = LG_ERR_OVERFLOW;
    EXPECT_ERR(lg_store_partner_import(st, items, 2, &hook, &bad), LG_ERR_OVERFLOW);
    EXPECT_U64(bad, 1);
    EXPECT_U64(partner_total(st), 2);
    EXPECT_U64(audit_rows(st, NULL), 3);

    items[0].partner.fee_bps = 10001;
    EXPECT_ERR(lg_store_partner_import(st, items, 2, &hook, &bad), LG_ERR_INVALID);
    EXPECT_U64(bad, 0);
    EXPECT_ERR(lg_store_partner_import(st, NULL, 1, &hook, &bad), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_import(st, NULL, 0, &hook, &bad), LG_OK);
    finish();
}

/* An import carries the plan's fields: stored on create (created_by too), a file that
 * changes one of them is an update with its audit row, the same file again is not,
 * and created_by stays the creator's. */
static void test_admin_import_plan_fields(void)
{
    lg_store *st = start();
    lg_partner_import_item it;
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    size_t bad = 99;
    const unsigned plan_bits = LG_PF_CONTACT_WALLET | LG_PF_PUBLIC_KEY | LG_PF_KYC | LG_PF_CONTRACT;
    lg_partner want;
    import_item(&it, "acme", 10);
    snprintf(it.partner.public_key, sizeof it.partner.public_key, WALLET_B);
    it.partner.kyc_verified = 1;
    snprintf(it.partner.created_by, sizeof it.partner.created_by, "alice");
    it.mask |= plan_bits;
    want = it.partner;
    REQUIRE_ERR(lg_store_partner_import(st, &it, 1, &hook, &bad), LG_OK);
    EXPECT_I64(it.created, 1);
    expect_plan_fields(&it.after, &want);
    lg_partner got = get_partner(st, want.id);
    expect_plan_fields(&got, &want);
    EXPECT_U64(audit_rows(st, NULL), 1);

    for (int round = 0; round < 5; round++) {
        /* round 0: the same file; then one plan field changed per round. */
        if (round == 1)
            snprintf(want.contact_wallet, sizeof want.contact_wallet, WALLET_C);
        else if (round == 2)
            want.public_key[0] = '\0';
        else if (round == 3)
            want.kyc_verified = 0;
        else if (round == 4)
            want.contract_signed = 1;
        import_item(&it, "acme", 10);
        memset(&it.key, 0, sizeof it.key);
        snprintf(it.partner.contact_wallet, sizeof it.partner.contact_wallet, "%s",
                 want.contact_wallet);
        snprintf(it.partner.public_key, sizeof it.partner.public_key, "%s", want.public_key);
        it.partner.kyc_verified = want.kyc_verified;
        it.partner.contract_signed = want.contract_signed;
        snprintf(it.partner.created_by, sizeof it.partner.created_by, "mallory");
        it.mask |= plan_bits;
        REQUIRE_ERR(lg_store_partner_import(st, &it, 1, &hook, &bad), LG_OK);
        EXPECT_I64(it.created, 0);
        check(audit_rows(st, NULL) == (uint64_t)(1 + round), __FILE__, __LINE__, CU_FALSE,
              "round %d: %llu audit rows, expected %d", round,
              (unsigned long long)audit_rows(st, NULL), 1 + round);
        got = get_partner(st, want.id);
        expect_plan_fields(&got, &want);
    }
    EXPECT_STR(got.created_by, "alice");
    finish();
}

/* Borrows amount for p at time ms (a loan ACTIVE with its BORROW and FEE rows). */
static lg_loan borrow_at(lg_store *st, const lg_partner *p, const char *plid, uint64_t amount,
                         int64_t ms)
{
    set_clock(ms);
    return make_active(st, p, plid, amount);
}

static void test_admin_analytics(void)
{
    lg_store *st = start();
    lg_partner p, other;
    char tx[LG_HASH_LEN];
    int64_t day0 = at("2026-03-10T00:00:00Z");
    add_partner(st, &p, "acme", 100000000, 100000000, 100); /* 1% fee */
    add_partner(st, &other, "beta", 100000000, 100000000, 100);
    borrow_at(st, &p, "L1", 1000000, day0 + 3600000);        /* 03-10: 1.0, fee 10000 */
    borrow_at(st, &p, "L2", 2000000, day0 + 7200000);        /* 03-10: 2.0, fee 20000 */
    borrow_at(st, &p, "L3", 500000, day0 + 2 * DAY_MS + 5);  /* 03-12: 0.5, fee 5000 */
    borrow_at(st, &other, "O1", 7000000, day0 + 2 * DAY_MS); /* another partner */
    set_clock(day0 + 3 * DAY_MS + 10);                       /* 03-13 */
    repay(st, &p, "L1", 1000000, tx, sizeof tx);             /* L1 REPAID */
    repay(st, &p, "L2", 500000, tx, sizeof tx);              /* L2 partly */
    lg_loan failed;
    set_clock(day0 + 3 * DAY_MS + 20);
    reserve(st, &p, "F1", 900000, &failed);
    REQUIRE_ERR(lg_store_loan_fail(st, failed.id, "reverted"), LG_OK);
    borrow_at(st, &p, "L4", 4000000, day0 + 5 * DAY_MS - 1); /* 03-14 23:59:59.999 */
    borrow_at(st, &p, "L5", 3000000, day0 + 5 * DAY_MS);     /* 03-15: outside */

    lg_partner_analytics a;
    lg_analytics_day *days = NULL;
    size_t nd = 0;
    /* [03-10, 03-15), defaulted = created before 03-12 and not repaid (L2). */
    REQUIRE_ERR(lg_store_partner_analytics(st, p.id, day0, day0 + 5 * DAY_MS, day0 + 2 * DAY_MS, &a,
                                           &days, &nd),
                LG_OK);
    EXPECT_U64(a.total_borrowed, 7500000);
    EXPECT_U64(a.total_repaid, 1500000);
    EXPECT_U64(a.fees_earned, 75000);
    EXPECT_U64(a.new_loans, 4);
    EXPECT_U64(a.repaid_loans, 1);
    EXPECT_U64(a.active_loans, 3);
    EXPECT_U64(a.defaulted_loans, 1);
    REQUIRE_U64(nd, 5);
    EXPECT_STR(days[0].day, "2026-03-10");
    EXPECT_STR(days[4].day, "2026-03-14");
    EXPECT_U64(days[0].borrowed, 3000000);
    EXPECT_U64(days[0].fees, 30000);
    EXPECT_U64(days[0].loans, 2);
    EXPECT_U64(days[1].borrowed + days[1].repaid + days[1].fees + days[1].loans, 0);
    EXPECT_U64(days[2].borrowed, 500000);
    EXPECT_U64(days[3].repaid, 1500000);
    EXPECT_U64(days[3].loans, 0);
    EXPECT_U64(days[4].borrowed, 4000000);
    free(days);

    /* The start is inclusive, the end exclusive. */
    REQUIRE_ERR(lg_store_partner_analytics(st, p.id, day0 + 5 * DAY_MS - 1, day0 + 5 * DAY_MS, 0,
                                           &a, &days, &nd),
                LG_OK);
    EXPECT_U64(a.total_borrowed, 4000000);
    EXPECT_U64(a.new_loans, 1);
    EXPECT_U64(a.defaulted_loans, 0);
    EXPECT_U64(nd, 1);
    free(days);
    REQUIRE_ERR(lg_store_partner_analytics(st, p.id, day0 + 6 * DAY_MS, day0 + 8 * DAY_MS, 0, &a,
                                           &days, &nd),
                LG_OK);
    EXPECT_U64(a.total_borrowed + a.new_loans, 0);
    EXPECT_U64(nd, 2);
    EXPECT_U64(days[1].borrowed, 0);
    free(days);

    EXPECT_ERR(lg_store_partner_analytics(st, "partner_nobody_001", day0, day0 + DAY_MS, 0, &a,
                                          &days, &nd),
               LG_ERR_NOT_FOUND);
    EXPECT(days == NULL && nd == 0);
    EXPECT_ERR(lg_store_partner_analytics(st, p.id, day0, day0, 0, &a, &days, &nd), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_analytics(st, p.id, day0, day0 + 367 * DAY_MS, 0, &a, &days, &nd),
               LG_ERR_INVALID);
    EXPECT_ERR(lg_store_partner_analytics(st, p.id, day0, day0 + DAY_MS, 0, &a, NULL, &nd),
               LG_ERR_INVALID);
    finish();
}

static const lg_test_case admin_tests[] = {
    {"partner by key prefix, partner count", test_admin_prefix_count},
    {"onboard: all or nothing with its audit row", test_admin_onboard},
    {"audited update", test_admin_update_audited},
    {"key rotation with grace", test_admin_key_rotate},
    {"import: create, idempotent, all or nothing", test_admin_import},
    {"import carries the plan's fields", test_admin_import_plan_fields},
    {"analytics over a scripted history", test_admin_analytics},
    {NULL, NULL},
};

/* ------------------------------------------------------------ end states of a debt */

/* The loan's entries: exactly one, a LIQUIDATION of amount by tx. */
static void expect_liquidation_entry(lg_store *st, const char *loan_id, uint64_t amount,
                                     const char *tx)
{
    lg_repayment *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_repay_list(st, loan_id, &items, &n), LG_OK);
    EXPECT_U64(n, 1);
    if (n == 1) {
        EXPECT_I64(items[0].kind, LG_REPAY_KIND_LIQUIDATION);
        EXPECT_I64(items[0].status, LG_REPAY_APPLIED);
        EXPECT_U64(items[0].amount, amount);
        EXPECT_STR(items[0].repay_tx, tx);
    }
    free(items);
}

static size_t ledger_kind_count(lg_store *st, const char *partner_id, lg_ledger_kind kind,
                                uint64_t *sum)
{
    lg_ledger_entry *rows = NULL;
    size_t n = ledger_all(st, partner_id, &rows), k = 0;
    *sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].kind == kind) {
            k++;
            *sum += rows[i].amount;
        }
    }
    free(rows);
    return k;
}

static void test_end_liquidate(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan pending;
    lg_liquidate_result res;
    char tx[LG_HASH_LEN], rtx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan a = make_active(st, &p, "loan-1", 1000);
    lg_loan b = make_active(st, &p, "loan-2", 500);
    repay(st, &p, "loan-2", 200, rtx, sizeof rtx);
    lg_loan c = make_active(st, &p, "loan-3", 400);
    REQUIRE_ERR(lg_store_loan_default(st, c.id, "late", NULL, NULL), LG_OK);
    reserve(st, &p, "loan-4", 50, &pending);
    uint64_t outstanding = get_partner(st, p.id).outstanding;
    EXPECT_U64(outstanding, 1000 + 300 + 400 + 50);
    new_tx_hash(tx, sizeof tx);

    /* Another position of the same OAID (a later one) is not this liquidation's. */
    REQUIRE_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, "8", tx, &res), LG_OK);
    EXPECT_U64(res.liquidated, 0);
    EXPECT_EVENTS(p.id, "loan.liquidated", 0);

    set_clock(t0 + 5000);
    REQUIRE_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, "7", tx, &res), LG_OK);
    EXPECT_U64(res.liquidated, 3);
    EXPECT_U64(res.debt_cleared, 1700);
    EXPECT_U64(res.left, 1);
    lg_loan got = get_loan(st, a.id);
    EXPECT_I64(got.status, LG_LOAN_LIQUIDATED);
    EXPECT_U64(got.remaining, 0);
    EXPECT_U64(got.repaid, 1000);
    EXPECT_I64(got.updated_at_ms, t0 + 5000);
    got = get_loan(st, b.id);
    EXPECT_I64(got.status, LG_LOAN_LIQUIDATED);
    EXPECT_U64(got.repaid, 500);
    EXPECT_I64(get_loan(st, c.id).status, LG_LOAN_LIQUIDATED);
    EXPECT_I64(get_loan(st, pending.id).status, LG_LOAN_PENDING);
    expect_liquidation_entry(st, a.id, 1000, tx);
    expect_liquidation_entry(st, c.id, 400, tx);
    lg_partner pp = get_partner(st, p.id);
    EXPECT_U64(pp.outstanding, 50);
    EXPECT_U64(pp.total_repaid, 200); /* the partner paid only its own repayment */
    EXPECT_DEBT(WALLET_A, OAID_A, 0);
    EXPECT_LINK(a.id, 1);
    EXPECT_LINK(b.id, 1);
    uint64_t sum = 0;
    EXPECT_U64(ledger_kind_count(st, p.id, LG_LEDGER_LIQUIDATION, &sum), 3);
    EXPECT_U64(sum, 1700);
    EXPECT_EVENTS(p.id, "loan.liquidated", 3);

    /* The same liquidation again changes nothing. */
    REQUIRE_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, NULL, tx, &res), LG_OK);
    EXPECT_U64(res.liquidated, 0);
    EXPECT_U64(res.left, 1);
    EXPECT_EVENTS(p.id, "loan.liquidated", 3);
    EXPECT_U64(get_partner(st, p.id).outstanding, 50);
    EXPECT_U64(ledger_kind_count(st, p.id, LG_LEDGER_LIQUIDATION, &sum), 3);
    /* Nothing is left to repay on a liquidated loan. */
    lg_repayment r;
    EXPECT_ERR(lg_store_repay_begin(st, p.id, "loan-1", 1, NULL, NULL, &r), LG_ERR_STATE);

    EXPECT_ERR(lg_store_position_liquidate(NULL, WALLET_A, OAID_A, NULL, tx, &res), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_position_liquidate(st, NULL, OAID_A, NULL, tx, &res), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_position_liquidate(st, WALLET_A, "", NULL, tx, &res), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, "", tx, &res), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, NULL, NULL, NULL), LG_ERR_INVALID);
    finish();
}

/* A repayment in flight holds its loan back; once it settles the same liquidation
 * ends the loan. */
static void test_end_liquidate_in_flight(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_repayment r;
    lg_liquidate_result res;
    char tx[LG_HASH_LEN], rtx[LG_HASH_LEN];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan a = make_active(st, &p, "loan-1", 1000);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-1", 100, NULL, NULL, &r), LG_OK);
    new_tx_hash(tx, sizeof tx);
    REQUIRE_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, "7", tx, &res), LG_OK);
    EXPECT_U64(res.liquidated, 0);
    EXPECT_U64(res.left, 1);
    EXPECT_I64(get_loan(st, a.id).status, LG_LOAN_ACTIVE);
    new_tx_hash(rtx, sizeof rtx);
    REQUIRE_ERR(lg_store_repay_apply(st, r.id, rtx, NULL), LG_OK);
    REQUIRE_ERR(lg_store_position_liquidate(st, WALLET_A, OAID_A, "7", tx, &res), LG_OK);
    EXPECT_U64(res.liquidated, 1);
    EXPECT_U64(res.debt_cleared, 900);
    EXPECT_U64(res.left, 0);
    lg_loan got = get_loan(st, a.id);
    EXPECT_I64(got.status, LG_LOAN_LIQUIDATED);
    EXPECT_U64(got.repaid, 1000);
    lg_partner pp = get_partner(st, p.id);
    EXPECT_U64(pp.outstanding, 0);
    EXPECT_U64(pp.total_repaid, 100);
    EXPECT_EVENTS(p.id, "loan.liquidated", 1);
    finish();
}

static void test_end_default(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan pending, after;
    char rtx[LG_HASH_LEN];
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan a = make_active(st, &p, "loan-1", 1000);
    reserve(st, &p, "loan-2", 50, &pending);
    EXPECT_ERR(lg_store_loan_default(st, pending.id, "late", &hook, NULL), LG_ERR_STATE);
    EXPECT_ERR(
        lg_store_loan_default(st, "00000000-0000-4000-8000-000000000000", "late", NULL, NULL),
        LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_loan_default(st, NULL, "late", NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_default(NULL, a.id, "late", NULL, NULL), LG_ERR_INVALID);
    EXPECT_U64(audit_rows(st, p.id), 0);

    /* A hook that fails rolls the whole change back. */
    rec.fail_with = LG_ERR_INVALID;
    rec.fail_on_call = 1;
    EXPECT_ERR(lg_store_loan_default(st, a.id, "late", &hook, NULL), LG_ERR_INVALID);
    EXPECT_I64(get_loan(st, a.id).status, LG_LOAN_ACTIVE);
    EXPECT_EVENTS(p.id, "loan.defaulted", 0);
    rec.fail_on_call = 0;

    set_clock(t0 + 7000);
    memset(&after, 0, sizeof after);
    REQUIRE_ERR(lg_store_loan_default(st, a.id, "no repayment within 30 days", &hook, &after),
                LG_OK);
    EXPECT_I64(after.status, LG_LOAN_DEFAULTED);
    EXPECT_STR(after.failure_reason, "no repayment within 30 days");
    EXPECT_U64(after.remaining, 1000);
    EXPECT_I64(after.updated_at_ms, t0 + 7000);
    EXPECT_I64(get_loan(st, a.id).status, LG_LOAN_DEFAULTED);
    EXPECT_U64(audit_rows(st, p.id), 1);
    EXPECT_EVENTS(p.id, "loan.defaulted", 1);
    EXPECT_U64(get_partner(st, p.id).outstanding, 1050); /* still owed */
    EXPECT_ERR(lg_store_loan_default(st, a.id, "again", &hook, NULL), LG_ERR_STATE);
    EXPECT_U64(audit_rows(st, p.id), 1);
    EXPECT_EVENTS(p.id, "loan.defaulted", 1);

    /* Recovery: repayments are accepted on a defaulted loan; paid off it is REPAID. */
    after = repay(st, &p, "loan-1", 400, rtx, sizeof rtx);
    EXPECT_I64(after.status, LG_LOAN_DEFAULTED);
    EXPECT_U64(after.remaining, 600);
    after = repay(st, &p, "loan-1", 600, rtx, sizeof rtx);
    EXPECT_I64(after.status, LG_LOAN_REPAID);
    EXPECT_U64(get_partner(st, p.id).outstanding, 50);
    EXPECT_EVENTS(p.id, "loan.repaid", 1);
    finish();
}

static void test_end_overdue(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan pending;
    lg_loan *items = NULL;
    size_t n = 0;
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan a = make_active(st, &p, "loan-1", 100);
    set_clock(t0 + 1000);
    lg_loan b = make_active(st, &p, "loan-2", 100);
    set_clock(t0 + 2000);
    reserve(st, &p, "loan-3", 100, &pending);
    REQUIRE_ERR(lg_store_loan_list_overdue(st, t0 + 1000, 10, &items, &n), LG_OK);
    EXPECT_U64(n, 1);
    if (n == 1)
        EXPECT_STR(items[0].id, a.id);
    free(items);
    REQUIRE_ERR(lg_store_loan_list_overdue(st, t0 + 9000, 10, &items, &n), LG_OK);
    EXPECT_U64(n, 2); /* the PENDING one is not a debt yet */
    if (n == 2) {
        EXPECT_STR(items[0].id, a.id);
        EXPECT_STR(items[1].id, b.id);
    }
    free(items);
    REQUIRE_ERR(lg_store_loan_list_overdue(st, t0 + 9000, 1, &items, &n), LG_OK);
    EXPECT_U64(n, 1);
    free(items);
    REQUIRE_ERR(lg_store_loan_default(st, a.id, "late", NULL, NULL), LG_OK);
    REQUIRE_ERR(lg_store_loan_list_overdue(st, t0 + 9000, 10, &items, &n), LG_OK);
    EXPECT_U64(n, 1);
    if (n == 1)
        EXPECT_STR(items[0].id, b.id);
    free(items);
    REQUIRE_ERR(lg_store_loan_list_overdue(st, t0 + 9000, 0, &items, &n), LG_OK);
    EXPECT_U64(n, 0);
    EXPECT_ERR(lg_store_loan_list_overdue(st, -1, 10, &items, &n), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_list_overdue(st, 0, 10, NULL, &n), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_loan_list_overdue(NULL, 0, 10, &items, &n), LG_ERR_INVALID);
    finish();
}

static void test_end_cursors(void)
{
    lg_store *st = start();
    uint64_t block = 7;
    EXPECT_ERR(lg_store_cursor_get(st, "liquidations", &block), LG_ERR_NOT_FOUND);
    REQUIRE_ERR(lg_store_cursor_set(st, "liquidations", 100), LG_OK);
    REQUIRE_ERR(lg_store_cursor_get(st, "liquidations", &block), LG_OK);
    EXPECT_U64(block, 100);
    REQUIRE_ERR(lg_store_cursor_set(st, "liquidations", 250), LG_OK);
    REQUIRE_ERR(lg_store_cursor_get(st, "liquidations", &block), LG_OK);
    EXPECT_U64(block, 250);
    EXPECT_ERR(lg_store_cursor_get(st, "other", &block), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_cursor_get(st, "", &block), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_cursor_get(st, NULL, &block), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_cursor_get(st, "liquidations", NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_cursor_set(NULL, "liquidations", 1), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_cursor_set(st, "liquidations", UINT64_MAX), LG_ERR_INVALID);
    finish();
}

static const lg_test_case end_tests[] = {
    {"liquidation ends the position's loans once", test_end_liquidate},
    {"liquidation waits for a repayment in flight", test_end_liquidate_in_flight},
    {"default, audited, and recovery by repayment", test_end_default},
    {"overdue ACTIVE loans, oldest first", test_end_overdue},
    {"chain cursors", test_end_cursors},
    {NULL, NULL},
};

/* ------------------------------------------------------------ registration */

static int suite_clean(void)
{
    finish();
    if (cur)
        cur->teardown(cur->ctx);
    return 0;
}

static void set_slot(int i)
{
    cur = slots[i];
    if (t0 == 0)
        lg_time_parse(T0_TEXT, &t0);
}

static int suite_init_0(void)
{
    set_slot(0);
    return 0;
}

static int suite_init_1(void)
{
    set_slot(1);
    return 0;
}

static int suite_init_2(void)
{
    set_slot(2);
    return 0;
}

static int suite_init_3(void)
{
    set_slot(3);
    return 0;
}

static const lg_test_case lifecycle_tests[] = {
    {"migrations are idempotent and keep data", test_migrate_idempotent},
    {"unknown backend is unsupported", test_open_unsupported},
    {"NULL handle is LG_ERR_INVALID", test_null_handle},
    {"NULL arguments are LG_ERR_INVALID", test_null_args},
    {NULL, NULL},
};

static const lg_test_case partner_tests[] = {
    {"create and get", test_partner_create_get},
    {"duplicate id or key prefix", test_partner_duplicate},
    {"update copies only the masked fields", test_partner_update_mask},
    {"update every field", test_partner_update_every_field},
    {"the plan's fields round-trip; created_by kept", test_partner_plan_fields},
    {"list filters, order and paging", test_partner_list},
    {"key add and lookup", test_key_add_find},
    {"rotated key valid until expires_at", test_key_rotation_grace},
    {"suspended or inactive partner", test_key_partner_not_active},
    {"key touch at most once per interval", test_key_touch},
    {"sandbox twin: made once, settings of its live partner", test_sandbox_twin},
    {"sandbox twin: loans, usage and limits of its own", test_sandbox_books_apart},
    {"sandbox handle: its own work, positions and transactions", test_sandbox_scope},
    {NULL, NULL},
};

/* Leases of in-flight work: a loan reserved and a repayment begun through a handle
 * carry its owner and lease; a release clears them; no owner, no lease. */
static void test_leases(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_loan l;
    lg_repayment r;
    char owner[LG_OWNER_LEN + 8];
    add_partner(st, &p, "acme", 100000, 100000, 0);
    lg_loan active = make_active(st, &p, "loan-a", 1000);
    EXPECT_STR(active.owner, "");
    EXPECT_I64(active.lease_until_ms, 0);
    REQUIRE_ERR(lg_store_set_lease(st, "boot/123/456", 25000), LG_OK);
    set_clock(t0 + 7);
    reserve(st, &p, "leased", 10, &l);
    lg_loan got = get_loan(st, l.id);
    EXPECT_STR(got.owner, "boot/123/456");
    EXPECT_I64(got.lease_until_ms, t0 + 7 + 25000);
    REQUIRE_ERR(lg_store_repay_begin(st, p.id, "loan-a", 5, NULL, NULL, &r), LG_OK);
    lg_repayment rp;
    REQUIRE_ERR(lg_store_repay_get(st, r.id, &rp), LG_OK);
    EXPECT_STR(rp.owner, "boot/123/456");
    EXPECT_I64(rp.lease_until_ms, t0 + 7 + 25000);
    /* The request answered 202: its work is reconcile's from now on. */
    REQUIRE_ERR(lg_store_loan_release(st, l.id), LG_OK);
    got = get_loan(st, l.id);
    EXPECT_STR(got.owner, "");
    EXPECT_I64(got.lease_until_ms, 0);
    EXPECT_I64(got.status, LG_LOAN_PENDING);
    REQUIRE_ERR(lg_store_repay_release(st, r.id), LG_OK);
    REQUIRE_ERR(lg_store_repay_get(st, r.id, &rp), LG_OK);
    EXPECT_STR(rp.owner, "");
    EXPECT_I64(rp.lease_until_ms, 0);
    EXPECT_I64(rp.status, LG_REPAY_PENDING);
    EXPECT_ERR(lg_store_loan_release(st, "00000000-0000-4000-8000-000000000000"), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_repay_release(st, "00000000-0000-4000-8000-000000000000"),
               LG_ERR_NOT_FOUND);
    /* No owner: nothing leased. */
    REQUIRE_ERR(lg_store_set_lease(st, "", 0), LG_OK);
    reserve(st, &p, "unleased", 10, &l);
    got = get_loan(st, l.id);
    EXPECT_STR(got.owner, "");
    EXPECT_I64(got.lease_until_ms, 0);
    memset(owner, 'x', sizeof owner - 1);
    owner[sizeof owner - 1] = '\0';
    EXPECT_ERR(lg_store_set_lease(st, owner, 1), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_set_lease(st, "o", -1), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_set_lease(NULL, "o", 1), LG_ERR_INVALID);
    finish();
}

static const lg_test_case loan_tests[] = {
    {"reserve", test_reserve_basic},
    {"reserve refused: partner", test_reserve_refusals},
    {"reserve refused: limits", test_reserve_limits},
    {"duplicate partnerLoanId", test_reserve_duplicate},
    {"fail releases the reservation", test_fail_releases},
    {"no fail once borrowed", test_fail_after_borrow},
    {"mark borrowed", test_mark_borrowed},
    {"confirm", test_confirm},
    {"confirm from PENDING, not from FAILED", test_confirm_from_pending_and_failed},
    {"confirm without a position", test_confirm_without_position},
    {"list", test_loan_list},
    {"list unsettled", test_loan_list_unsettled},
    {"loan view: the loan and its repayments", test_loan_view},
    {"partner stats: loans per status, day usage", test_partner_stats},
    {"daily usage rolls over at 00:00 UTC", test_daily_rollover},
    {NULL, NULL},
};

static const lg_test_case repay_tests[] = {
    {"begin refusals and reservation", test_repay_begin_errors},
    {"one repayment per Idempotency-Key and loan", test_repay_idempotency_key},
    {"leases of in-flight loans and repayments", test_leases},
    {"duplicate proof transaction", test_repay_duplicate_proof},
    {"repayments draw on their own partner's funds only", test_repay_needs_partner_funds},
    {"deposits credited once, in the ledger", test_deposit_credit},
    {"fail releases the reservation", test_repay_fail_releases},
    {"apply partial then full", test_repay_apply},
    {"list pending", test_repay_list_pending},
    {"position upsert keeps the store's debt", test_position_upsert},
    {NULL, NULL},
};

static const lg_test_case record_tests[] = {
    {"chain transactions recorded and listed", test_chain_tx_record},
    {"mined version replaces its siblings", test_chain_tx_states},
    {"nonce init, allocate, peek", test_nonce_basic},
    {"job leases: one holder across hosts", test_job_leases},
    {"nonce resync", test_nonce_resync},
    {"api logs", test_api_logs},
    {"audit journal ingest, offsets, forget", test_audit_ingest},
    {"ledger by date range", test_ledger_range},
    {"admin audit", test_admin_audit},
    {NULL, NULL},
};

static const lg_test_case race_tests[] = {
    {"8 processes against the total limit", test_race_total_limit},
    {"8 processes against the daily limit", test_race_daily_limit},
    {"8 processes repaying one loan", test_race_repay},
    {"8 processes allocating nonces", test_race_nonces},
    {"8 processes reserving one partnerLoanId", test_race_same_loan_id},
    {NULL, NULL},
};

/* ------------------------------------------------------------ webhook events */

#define DISPATCHER_A "aaaaaaaa-0000-0000-0000-000000000000/100/7"
#define DISPATCHER_B "bbbbbbbb-0000-0000-0000-000000000000/200/9"

/* Every event of partner_id, oldest first (the list is newest first). */
static size_t events_of(lg_store *st, const char *partner_id, lg_event *out, size_t cap)
{
    lg_event_filter f = {partner_id, NULL, -1, 0, 0, 1000, 0};
    lg_event *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_event_list(st, &f, &items, &n, NULL), LG_OK);
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = items[n - 1 - i];
    free(items);
    return n;
}

static lg_event add_event(lg_store *st, const char *partner_id, const char *type)
{
    lg_event e;
    memset(&e, 0, sizeof e);
    REQUIRE_ERR(lg_store_event_add(st, partner_id, type, "{\"n\":1}", NULL, &e), LG_OK);
    return e;
}

static size_t claim(lg_store *st, const char *owner, int64_t lease_ms, lg_event *out, size_t cap)
{
    lg_event *items = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_event_claim(st, owner, lease_ms, 100, &items, &n), LG_OK);
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = items[i];
    free(items);
    return n;
}

static lg_err finish_event(lg_store *st, const lg_event *e, const char *owner,
                           lg_attempt_outcome outcome, int status, int64_t next_ms, uint32_t *no)
{
    lg_event_attempt a;
    memset(&a, 0, sizeof a);
    snprintf(a.event_id, sizeof a.event_id, "%s", e->event_id);
    snprintf(a.url, sizeof a.url, "https://x.example/hooks");
    snprintf(a.dispatcher, sizeof a.dispatcher, "%s", owner);
    snprintf(a.error, sizeof a.error, "%s", status == 200 ? "" : "HTTP error");
    a.started_at_ms = lg_time_now_ms();
    a.status_code = status;
    a.latency_ms = 12;
    a.outcome = outcome;
    return lg_store_event_finish(st, &a, next_ms, no);
}

static lg_event event_now(lg_store *st, const char *event_id)
{
    lg_event e;
    memset(&e, 0, sizeof e);
    REQUIRE_ERR(lg_store_event_get(st, event_id, NULL, &e), LG_OK);
    return e;
}

static void test_event_add(void)
{
    lg_store *st = start();
    lg_partner p, q;
    add_partner(st, &p, "acme", 1000, 5000, 0);
    add_partner(st, &q, "beta", 1000, 5000, 0);
    lg_event a = add_event(st, p.id, "webhook.test");
    lg_event b = add_event(st, p.id, "webhook.test");
    lg_event c = add_event(st, q.id, "webhook.test");
    EXPECT_U64(a.seq, 1);
    EXPECT_U64(b.seq, 2);
    EXPECT_U64(c.seq, 1); /* per partner */
    EXPECT(strncmp(a.event_id, "evt_", 4) == 0 && strlen(a.event_id) == 36);
    EXPECT(strcmp(a.event_id, b.event_id) != 0);
    lg_event got = event_now(st, b.event_id);
    EXPECT_STR(got.payload, "{\"n\":1}");
    EXPECT_STR(got.type, "webhook.test");
    EXPECT_I64(got.status, LG_EVENT_PENDING);
    EXPECT_I64(got.next_attempt_at_ms, t0);
    EXPECT_ERR(lg_store_event_get(st, b.event_id, q.id, &got), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_event_get(st, b.event_id, p.id, &got), LG_OK);
    EXPECT_ERR(lg_store_event_add(st, "partner_none_001", "webhook.test", "{}", NULL, NULL),
               LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_event_add(st, p.id, "", "{}", NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_event_add(st, p.id, "webhook.test", NULL, NULL, NULL), LG_ERR_INVALID);
    EXPECT_ERR(lg_store_event_get(st, "evt_none", NULL, &got), LG_ERR_NOT_FOUND);
    /* With a hook: the audit row commits with the event, or neither does. */
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    uint64_t rows = audit_rows(st, p.id);
    EXPECT_ERR(lg_store_event_add(st, p.id, "webhook.test", "{}", &hook, &got), LG_OK);
    EXPECT_U64(got.seq, 3);
    EXPECT_U64(audit_rows(st, p.id), rows + 1);
    rec.fail_on_call = 2;
    rec.fail_with = LG_ERR_INVALID;
    EXPECT_ERR(lg_store_event_add(st, p.id, "webhook.test", "{}", &hook, &got), LG_ERR_INVALID);
    EXPECT_U64(audit_rows(st, p.id), rows + 1);
    EXPECT_U64(add_event(st, p.id, "webhook.test").seq, 4); /* the failed one took none */
    finish();
}

/* One partner's events go out one at a time, in order; partners in parallel. */
static void test_event_claim_order(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_event got[8];
    add_partner(st, &p, "acme", 1000, 5000, 0);
    add_partner(st, &q, "beta", 1000, 5000, 0);
    lg_event a1 = add_event(st, p.id, "webhook.test");
    lg_event a2 = add_event(st, p.id, "webhook.test");
    lg_event b1 = add_event(st, q.id, "webhook.test");
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 8), 2);
    EXPECT(strcmp(got[0].event_id, a1.event_id) == 0 || strcmp(got[1].event_id, a1.event_id) == 0);
    EXPECT(strcmp(got[0].event_id, b1.event_id) == 0 || strcmp(got[1].event_id, b1.event_id) == 0);
    EXPECT_I64(got[0].status, LG_EVENT_DELIVERING);
    EXPECT_STR(got[0].owner, DISPATCHER_A);
    EXPECT_I64(got[0].lease_until_ms, t0 + 1000);
    /* Held: nobody else gets them, nor the partner's next event. */
    EXPECT_U64(claim(st, DISPATCHER_B, 1000, got, 8), 0);
    uint32_t no = 0;
    EXPECT_ERR(finish_event(st, &a1, DISPATCHER_A, LG_ATTEMPT_DELIVERED, 200, 0, &no), LG_OK);
    EXPECT_U64(no, 1);
    REQUIRE_U64(claim(st, DISPATCHER_B, 1000, got, 8), 1);
    EXPECT_STR(got[0].event_id, a2.event_id);
    lg_event d = event_now(st, a1.event_id);
    EXPECT_I64(d.status, LG_EVENT_DELIVERED);
    EXPECT_I64(d.attempts, 1);
    EXPECT_I64(d.delivered_at_ms, t0);
    EXPECT_I64(d.last_status_code, 200);
    EXPECT_STR(d.owner, "");
    finish();
}

static void test_event_retry_dead(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_event got[4];
    add_partner(st, &p, "acme", 1000, 5000, 0);
    lg_event a = add_event(st, p.id, "webhook.test");
    lg_event b = add_event(st, p.id, "webhook.test");
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    EXPECT_ERR(finish_event(st, &a, DISPATCHER_A, LG_ATTEMPT_RETRY, 500, t0 + 5000, NULL), LG_OK);
    lg_event e = event_now(st, a.event_id);
    EXPECT_I64(e.status, LG_EVENT_PENDING);
    EXPECT_I64(e.attempts, 1);
    EXPECT_I64(e.next_attempt_at_ms, t0 + 5000);
    EXPECT_I64(e.last_status_code, 500);
    EXPECT_STR(e.last_error, "HTTP error");
    /* Not due yet, and the next event waits behind it. */
    EXPECT_U64(claim(st, DISPATCHER_A, 1000, got, 4), 0);
    set_clock(t0 + 5000);
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    EXPECT_STR(got[0].event_id, a.event_id);
    EXPECT_ERR(finish_event(st, &a, DISPATCHER_A, LG_ATTEMPT_DEAD, 500, 0, NULL), LG_OK);
    EXPECT_I64(event_now(st, a.event_id).status, LG_EVENT_DEAD);
    /* A dead event no longer holds the queue. */
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    EXPECT_STR(got[0].event_id, b.event_id);
    lg_event_attempt *att = NULL;
    size_t n = 0;
    REQUIRE_ERR(lg_store_event_attempts(st, a.event_id, &att, &n), LG_OK);
    REQUIRE_U64(n, 2);
    EXPECT_I64(att[0].attempt, 1);
    EXPECT_I64(att[0].outcome, LG_ATTEMPT_RETRY);
    EXPECT_I64(att[1].attempt, 2);
    EXPECT_I64(att[1].outcome, LG_ATTEMPT_DEAD);
    EXPECT_STR(att[1].partner_id, p.id);
    EXPECT_STR(att[1].dispatcher, DISPATCHER_A);
    EXPECT_I64(att[1].latency_ms, 12);
    free(att);
    uint64_t counts[5];
    REQUIRE_ERR(lg_store_event_counts(st, counts), LG_OK);
    EXPECT_U64(counts[LG_EVENT_DEAD], 1);
    EXPECT_U64(counts[LG_EVENT_DELIVERING], 1);
    finish();
}

/* A claim whose lease ran out is taken over; the old holder's late answer is recorded
 * but changes nothing. */
static void test_event_lease_takeover(void)
{
    lg_store *st = start();
    lg_partner p;
    lg_event got[4];
    add_partner(st, &p, "acme", 1000, 5000, 0);
    lg_event a = add_event(st, p.id, "webhook.test");
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    set_clock(t0 + 999);
    EXPECT_U64(claim(st, DISPATCHER_B, 1000, got, 4), 0);
    set_clock(t0 + 1000);
    REQUIRE_U64(claim(st, DISPATCHER_B, 1000, got, 4), 1);
    EXPECT_STR(got[0].owner, DISPATCHER_B);
    uint32_t no = 0;
    EXPECT_ERR(finish_event(st, &a, DISPATCHER_A, LG_ATTEMPT_DELIVERED, 200, 0, &no),
               LG_ERR_CONFLICT);
    EXPECT_U64(no, 1);
    lg_event e = event_now(st, a.event_id);
    EXPECT_I64(e.status, LG_EVENT_DELIVERING);
    EXPECT_STR(e.owner, DISPATCHER_B);
    EXPECT_ERR(finish_event(st, &a, DISPATCHER_B, LG_ATTEMPT_DELIVERED, 200, 0, &no), LG_OK);
    EXPECT_U64(no, 2);
    EXPECT_I64(event_now(st, a.event_id).status, LG_EVENT_DELIVERED);
    finish();
}

/* 410: the endpoint is switched off, the event waits; no URL: SKIPPED. */
static void test_event_endpoint_state(void)
{
    lg_store *st = start();
    lg_partner p, q, off;
    lg_event got[4];
    add_partner(st, &p, "acme", 1000, 5000, 0);
    partner_init(&q, "beta", 1000, 5000, 0);
    q.webhook_url[0] = '\0';
    REQUIRE_ERR(lg_test_partner_add(st, &q, NULL), LG_OK);
    lg_event a = add_event(st, p.id, "webhook.test");
    lg_event b = add_event(st, q.id, "webhook.test");
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    EXPECT_STR(got[0].event_id, a.event_id);
    EXPECT_I64(event_now(st, b.event_id).status, LG_EVENT_SKIPPED);
    EXPECT_ERR(finish_event(st, &a, DISPATCHER_A, LG_ATTEMPT_DISABLED, 410, 0, NULL), LG_OK);
    lg_event e = event_now(st, a.event_id);
    EXPECT_I64(e.status, LG_EVENT_PENDING);
    EXPECT_I64(e.attempts, 0);
    off = get_partner(st, p.id);
    EXPECT_I64(off.webhook_disabled_at_ms, t0);
    EXPECT_STR(off.webhook_disabled_reason, "HTTP error");
    EXPECT_U64(claim(st, DISPATCHER_A, 1000, got, 4), 0);
    off.webhook_disabled_at_ms = 0;
    off.webhook_disabled_reason[0] = '\0';
    REQUIRE_ERR(lg_store_partner_update_audited(st, &off, LG_PF_WEBHOOK_STATE, NULL, NULL, NULL),
                LG_OK);
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    EXPECT_STR(got[0].event_id, a.event_id);
    finish();
}

static void test_event_replay(void)
{
    lg_store *st = start();
    lg_partner p, q;
    lg_event got[4];
    hook_rec rec = {0, 0, LG_OK, 0};
    lg_audit_hook hook = {hook_fill, &rec};
    uint64_t count = 0;
    add_partner(st, &p, "acme", 1000, 5000, 0);
    add_partner(st, &q, "beta", 1000, 5000, 0);
    lg_event a = add_event(st, p.id, "webhook.test");
    set_clock(t0 + 10);
    lg_event b = add_event(st, p.id, "webhook.test");
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1);
    EXPECT_ERR(finish_event(st, &a, DISPATCHER_A, LG_ATTEMPT_DEAD, 500, 0, NULL), LG_OK);
    REQUIRE_U64(claim(st, DISPATCHER_A, 1000, got, 4), 1); /* b is being delivered */
    EXPECT_ERR(lg_store_event_replay(st, NULL, a.event_id, 0, &hook, &count), LG_OK);
    EXPECT_U64(count, 1);
    EXPECT_I64(rec.calls, 1);
    lg_event e = event_now(st, a.event_id);
    EXPECT_I64(e.status, LG_EVENT_PENDING);
    EXPECT_I64(e.attempts, 0);
    EXPECT_U64(e.seq, 1);
    /* Replays leave events being delivered alone. */
    EXPECT_ERR(lg_store_event_replay(st, p.id, NULL, t0, NULL, &count), LG_OK);
    EXPECT_U64(count, 1);
    EXPECT_I64(event_now(st, b.event_id).status, LG_EVENT_DELIVERING);
    EXPECT_ERR(lg_store_event_replay(st, q.id, a.event_id, 0, NULL, &count), LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_event_replay(st, "partner_none_001", NULL, 0, NULL, &count),
               LG_ERR_NOT_FOUND);
    EXPECT_ERR(lg_store_event_replay(st, NULL, NULL, 0, NULL, &count), LG_ERR_INVALID);
    /* A failing hook rolls the replay back. */
    EXPECT_ERR(finish_event(st, &b, DISPATCHER_A, LG_ATTEMPT_DELIVERED, 200, 0, NULL), LG_OK);
    rec.fail_on_call = 2;
    rec.fail_with = LG_ERR_INVALID;
    EXPECT_ERR(lg_store_event_replay(st, NULL, b.event_id, 0, &hook, &count), LG_ERR_INVALID);
    EXPECT_I64(event_now(st, b.event_id).status, LG_EVENT_DELIVERED);
    finish();
}

static void test_event_list_filters(void)
{
    lg_store *st = start();
    lg_partner p, q;
    add_partner(st, &p, "acme", 1000, 5000, 0);
    add_partner(st, &q, "beta", 1000, 5000, 0);
    add_event(st, p.id, "webhook.test");
    set_clock(t0 + 100);
    add_event(st, p.id, "partner.other");
    add_event(st, q.id, "webhook.test");
    lg_event_filter f = {p.id, NULL, -1, 0, 0, 10, 0};
    lg_event *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    REQUIRE_ERR(lg_store_event_list(st, &f, &items, &n, &total), LG_OK);
    EXPECT_U64(total, 2);
    EXPECT_STR(items[0].type, "partner.other"); /* newest first */
    free(items);
    lg_event_filter by_type = {NULL, "webhook.test", LG_EVENT_PENDING, t0, t0 + 100, 10, 0};
    REQUIRE_ERR(lg_store_event_list(st, &by_type, &items, &n, &total), LG_OK);
    EXPECT_U64(total, 1);
    EXPECT_STR(items[0].partner_id, p.id);
    free(items);
    lg_event_filter bad = {NULL, NULL, 9, 0, 0, 10, 0};
    EXPECT_ERR(lg_store_event_list(st, &bad, &items, &n, &total), LG_ERR_INVALID);
    finish();
}

/* The changes that report themselves: loan.pending at a 202, partner status and key
 * events, limit warnings once per crossing. */
static void test_event_sources(void)
{
    lg_store *st = start();
    lg_partner p, now_p;
    lg_event evs[16];
    lg_loan l1, l2, l3;
    add_partner(st, &p, "acme", 1000, 1000, 0);
    REQUIRE_ERR(lg_store_set_limit_warn(st, 8000), LG_OK);
    reserve(st, &p, "a", 500, &l1);
    EXPECT_U64(events_of(st, p.id, evs, 16), 0);
    reserve(st, &p, "b", 300, &l2); /* daily 800 and total 800 of 1000: both warn */
    REQUIRE_U64(events_of(st, p.id, evs, 16), 2);
    EXPECT_STR(evs[0].type, "partner.limit_approaching");
    EXPECT(strstr(evs[0].payload, "\"limitType\":\"daily\"") != NULL);
    EXPECT(strstr(evs[1].payload, "\"limitType\":\"total\"") != NULL);
    REQUIRE_ERR(lg_store_loan_fail(st, l2.id, "test"), LG_OK);
    reserve(st, &p, "c", 300, &l3); /* total crossed again after falling back: warns */
    REQUIRE_U64(events_of(st, p.id, evs, 16), 4); /* + loan.failed, + total warning */
    EXPECT_STR(evs[2].type, "loan.failed");
    EXPECT(strstr(evs[3].payload, "\"limitType\":\"total\"") != NULL);
    REQUIRE_ERR(lg_store_loan_release(st, l3.id), LG_OK);
    REQUIRE_U64(events_of(st, p.id, evs, 16), 5);
    EXPECT_STR(evs[4].type, "loan.pending");
    EXPECT(strstr(evs[4].payload, "\"partnerLoanId\":\"c\"") != NULL);
    now_p = get_partner(st, p.id);
    now_p.status = LG_PARTNER_SUSPENDED;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &now_p, LG_PF_STATUS, NULL, NULL, NULL), LG_OK);
    now_p.status = LG_PARTNER_ACTIVE;
    REQUIRE_ERR(lg_store_partner_update_audited(st, &now_p, LG_PF_STATUS, NULL, NULL, NULL), LG_OK);
    REQUIRE_ERR(lg_store_partner_update_audited(st, &now_p, LG_PF_NAME, NULL, NULL, NULL), LG_OK);
    REQUIRE_U64(events_of(st, p.id, evs, 16), 7);
    EXPECT_STR(evs[5].type, "partner.suspended");
    EXPECT_STR(evs[6].type, "partner.activated");
    EXPECT_U64(evs[6].seq, 7);
    finish();
}

static const lg_test_case event_tests[] = {
    {"add: ids and per-partner sequence", test_event_add},
    {"claim: heads in order, leases", test_event_claim_order},
    {"retry, then dead", test_event_retry_dead},
    {"a lease run out is taken over", test_event_lease_takeover},
    {"410 disables, no URL skips", test_event_endpoint_state},
    {"replay", test_event_replay},
    {"list filters", test_event_list_filters},
    {"events of loans, limits and partners", test_event_sources},
    {NULL, NULL},
};

void lg_store_conformance_register(const lg_store_conformance_backend *b)
{
    static const CU_InitializeFunc inits[MAX_BACKENDS] = {suite_init_0, suite_init_1, suite_init_2,
                                                          suite_init_3};
    static const struct {
        const char *name;
        const lg_test_case *tests;
    } suites[] = {
        {"store lifecycle", lifecycle_tests},
        {"partners and keys", partner_tests},
        {"loans", loan_tests},
        {"repayments and positions", repay_tests},
        {"records", record_tests},
        {"concurrency", race_tests},
        {"partner administration", admin_tests},
        {"webhook events", event_tests},
        {"end states of a debt", end_tests},
        {"cluster-wide guards", guard_tests},
    };
    if (!b || nslots == MAX_BACKENDS) {
        fprintf(stderr, "store conformance: cannot register backend '%s'\n",
                b && b->name ? b->name : "(null)");
        return;
    }
    slots[nslots] = b;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s: %s", b->name, suites[i].name);
        lg_test_add_suite(name, inits[nslots], suite_clean, suites[i].tests);
    }
    nslots++;
}
