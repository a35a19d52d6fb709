/*
 * test_pipelines.c - every branch of the borrow, repay and reconcile pipelines on a
 * real SQLite file and the scripted chain of fake_chain.h: transactions really signed
 * with the platform key and persisted before the (fake) node sees them, the node's
 * answers chosen per send (mined, reverted, pooled, refused, lost, timed out, a crash
 * of the sending process), and every assertion made on the store's rows and on what
 * was broadcast, not only on the status. The devnet proves the same pipelines end to
 * end in tests/integration/service_devnet.sh.
 */
#include "config.h"

#include "fake_chain.h"
#include "harness.h"
#include "sqlite_peek.h"
#include "store_fixture.h"

#include <lendgate/amount.h>
#include <lendgate/config.h>
#include <lendgate/contracts.h>
#include <lendgate/log.h>
#include <lendgate/proc.h>
#include <lendgate/service.h>
#include <lendgate/setup.h>
#include <lendgate/sha256.h>
#include <lendgate/store.h>
#include <lendgate/hex.h>
#include <lendgate/queries.h>
#include <lendgate/status.h>
#include <lendgate/time.h>
#include <lendgate/tx.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define USDC(x) ((uint64_t)(x)*LG_AMOUNT_ONE_USDC)

/* A well-known development key (not a secret): the platform wallet of these tests. */
#define PLATFORM_KEY "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n"
#define CHAIN_ID     31337

#define WALLET   "0x1111111111111111111111111111111111111111"
#define OTHER    "0x2222222222222222222222222222222222222222"
#define SETTLE   "0x5555555555555555555555555555555555555555"
#define STRANGER "0x6666666666666666666666666666666666666666"

#define OAID          "7" /* owned by WALLET, 10,000 USDC line, position 42 */
#define POSITION      "42"
#define OAID_INACTIVE "8"  /* credit line switched off */
#define OAID_NOPOS    "9"  /* no position in the vault */
#define OAID_DEADPOS  "10" /* position 43, inactive */

#define PROOF1 "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define PROOF2 "0xa2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define PROOF3 "0xa3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
#define PROOF4 "0xa4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4"

/* The API status of an outcome returned by value. */
static int status_of(lg_outcome o)
{
    return lg_http_status(&o);
}

static char dir[512];
static lg_config *cfg;
static lg_service *svc; /* over the fake, on a new database file per test */
static lg_store *st;    /* the service's, to look at what it did */
static fake_chain *fake;
static lg_chain *chain; /* fake's table: its contract addresses */
static uint8_t platform[LG_ADDRESS_LEN];
static char platform_hex[LG_ADDR_LEN];   /* EIP-55 */
static char platform_lower[LG_ADDR_LEN]; /* as the chain_txs rows keep it */
static int db_seq;
static unsigned unpersisted; /* broadcasts whose bytes the store did not hold at the time */

/* ------------------------------------------------------------ set-up */

static int suite_init(void)
{
    char path[700], err[256];
    if (lg_test_mkdtemp(dir, sizeof dir) != 0 || lg_config_defaults(&cfg) != LG_OK)
        return -1;
    snprintf(path, sizeof path, "%s/state", dir);
    if (lg_config_set(cfg, "store", "state_dir", path, err, sizeof err) != LG_OK)
        return -1;
    snprintf(path, sizeof path, "%s/platform.key", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, PLATFORM_KEY, strlen(PLATFORM_KEY)) != (ssize_t)strlen(PLATFORM_KEY))
        return -1;
    close(fd);
    if (lg_config_set(cfg, "chain", "platform_key_file", path, err, sizeof err) != LG_OK ||
        lg_config_set(cfg, "chain", "gap_grace_ms", "0", err, sizeof err) != LG_OK)
        return -1;
    return 0;
}

static void close_all(void)
{
    lg_service_close(svc);
    svc = NULL;
    st = NULL;
    fake_chain_free(fake);
    fake = NULL;
}

static int suite_clean(void)
{
    close_all();
    lg_config_free(cfg);
    lg_test_rmtree(dir);
    return 0;
}

/* The fake's hook at every broadcast: the bytes must already be in the store. */
static void check_persisted(void *ctx, const char *hash)
{
    (void)ctx;
    const fake_send *s = fake_chain_send_at(fake, fake_chain_nsends(fake) - 1);
    lg_chain_tx *txs = NULL;
    size_t n = 0;
    int found = 0;
    if (lg_store_tx_list_unsettled(st, 1000, &txs, &n) == LG_OK)
        for (size_t i = 0; i < n; i++)
            found |= strcmp(txs[i].hash, hash) == 0 && strcmp(txs[i].raw, s->raw_hex) == 0;
    free(txs);
    unpersisted += !found;
}

/* Every test starts on a new, migrated database file, a new fake chain and the
 * world: OAID 7 of WALLET (10,000 USDC, position 42), 8 (line inactive), 9 (no
 * position), 10 (position 43 inactive). */
static void fresh(void)
{
    char path[700], err[256];
    close_all();
    /* What a test that stopped half-way may have left set. */
    lg_time_set_fixed(-1);
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "chain", "confirmations", "0", err, sizeof err),
                          LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "chain", "fee_cap_gwei", "1000", err, sizeof err),
                          LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "audit", "journal", "true", err, sizeof err), LG_OK);
#ifdef LG_TEST_HOOKS
    lg_store_set_fault(LG_OK);
#endif
    snprintf(path, sizeof path, "%s/state/pipelines-%d.db", dir, ++db_seq);
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "store", "path", path, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_setup_init(cfg, NULL, err, sizeof err), LG_OK);
    fake = fake_chain_new();
    chain = fake_chain_table(fake);
    fake_chain_set_oaid(fake, OAID, WALLET, USDC(10000), 0, 1);
    fake_chain_set_position(fake, OAID, POSITION, WALLET, 1);
    fake_chain_set_oaid(fake, OAID_INACTIVE, WALLET, USDC(10000), 0, 0);
    fake_chain_set_oaid(fake, OAID_NOPOS, WALLET, USDC(10000), 0, 1);
    fake_chain_set_oaid(fake, OAID_DEADPOS, WALLET, USDC(10000), 0, 1);
    fake_chain_set_position(fake, OAID_DEADPOS, "43", WALLET, 0);
    CU_ASSERT_EQUAL_FATAL(lg_service_open_with_chain(&svc, cfg, chain, err, sizeof err), LG_OK);
    st = lg_service_store(svc);
    CU_ASSERT_EQUAL_FATAL(lg_service_platform_address(svc, platform_hex, sizeof platform_hex),
                          LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_address_parse(platform, platform_hex), LG_OK);
    lg_address_format_lower(platform_lower, sizeof platform_lower, platform);
    unpersisted = 0;
    fake_chain_on_send(fake, check_persisted, NULL);
}

static lg_partner partner(const char *id, uint64_t daily, uint64_t total, uint32_t fee_bps)
{
    lg_partner p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "test %s", id);
    snprintf(p.key_prefix, sizeof p.key_prefix, "%s", id);
    p.status = LG_PARTNER_ACTIVE;
    p.tier = LG_TIER_BASIC;
    p.daily_limit = daily;
    p.total_limit = total;
    p.fee_bps = fee_bps;
    snprintf(p.settlement_address, sizeof p.settlement_address, "%s", SETTLE);
    snprintf(p.contact_email, sizeof p.contact_email, "ops@%s.example", id);
    CU_ASSERT_EQUAL_FATAL(lg_test_partner_add(st, &p, NULL), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, id, &p), LG_OK);
    return p;
}

static lg_partner partner_now(const lg_partner *p)
{
    lg_partner now;
    memset(&now, 0, sizeof now);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, p->id, &now), LG_OK);
    return now;
}

static void borrow_req(lg_borrow_request *r, const char *loan_id, const char *wallet,
                       const char *oaid, uint64_t amount)
{
    char canon[512];
    memset(r, 0, sizeof *r);
    snprintf(r->partner_loan_id, sizeof r->partner_loan_id, "%s", loan_id);
    snprintf(r->user_wallet, sizeof r->user_wallet, "%s", wallet);
    snprintf(r->oaid, sizeof r->oaid, "%s", oaid);
    r->amount = amount;
    snprintf(canon, sizeof canon, "%s|%s|%s|%llu", loan_id, wallet, oaid,
             (unsigned long long)amount);
    lg_sha256_hex(r->request_hash, sizeof r->request_hash, canon, strlen(canon));
}

static lg_outcome borrow_on(lg_service *s, const lg_partner *p, const char *loan_id,
                            const char *wallet, const char *oaid, uint64_t amount, lg_loan *loan,
                            lg_err *rc)
{
    lg_borrow_request r;
    lg_outcome out;
    borrow_req(&r, loan_id, wallet, oaid, amount);
    lg_err e = lg_service_borrow(s, p, &r, loan, &out);
    if (rc)
        *rc = e;
    return out;
}

static lg_outcome borrow(const lg_partner *p, const char *loan_id, const char *oaid,
                         uint64_t amount, lg_loan *loan)
{
    return borrow_on(svc, p, loan_id, WALLET, oaid, amount, loan, NULL);
}

static lg_outcome repay(const lg_partner *p, const char *loan_id, uint64_t amount,
                        const char *proof, lg_loan *loan, lg_repayment *rp)
{
    lg_repay_request r;
    lg_outcome out;
    lg_repayment scratch;
    memset(&r, 0, sizeof r);
    snprintf(r.partner_loan_id, sizeof r.partner_loan_id, "%s", loan_id);
    r.amount = amount;
    snprintf(r.proof_tx, sizeof r.proof_tx, "%s", proof ? proof : "");
    lg_service_repay(svc, p, &r, loan, rp ? rp : &scratch, &out);
    return out;
}

/* repay with an Idempotency-Key. */
static lg_outcome repay_keyed(const lg_partner *p, const char *loan_id, uint64_t amount,
                              const char *proof, const char *key, lg_loan *loan, lg_repayment *rp)
{
    lg_repay_request r;
    lg_outcome out;
    memset(&r, 0, sizeof r);
    snprintf(r.partner_loan_id, sizeof r.partner_loan_id, "%s", loan_id);
    r.amount = amount;
    snprintf(r.proof_tx, sizeof r.proof_tx, "%s", proof ? proof : "");
    snprintf(r.idem_key, sizeof r.idem_key, "%s", key);
    lg_service_repay(svc, p, &r, loan, rp, &out);
    return out;
}

static lg_reconcile_report reconcile(void)
{
    lg_reconcile_report rep;
    CU_ASSERT_EQUAL(lg_service_reconcile(svc, &rep), LG_OK);
    return rep;
}

/* The partner's own USDC transfer of amount to the platform wallet, credited. */
static void deposit(const lg_partner *p, const char *hash, uint64_t amount)
{
    lg_deposit d;
    uint64_t balance = 0;
    lg_outcome out;
    fake_chain_add_transfer(fake, hash, 1, SETTLE, platform_hex, amount);
    CU_ASSERT_EQUAL(lg_service_deposit(svc, p, hash, &d, &balance, &out), LG_OK);
    CU_ASSERT_EQUAL(lg_http_status(&out), 201);
}

/* ------------------------------------------------------------ what happened */

static const fake_send *sent(size_t i)
{
    const fake_send *s = fake_chain_send_at(fake, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s;
}

static lg_loan stored_loan(const lg_partner *p, const char *loan_id)
{
    lg_loan loan;
    memset(&loan, 0, sizeof loan);
    CU_ASSERT_EQUAL(lg_store_loan_get(st, p->id, loan_id, &loan), LG_OK);
    return loan;
}

static int loan_exists(const lg_partner *p, const char *loan_id)
{
    lg_loan loan;
    return lg_store_loan_get(st, p->id, loan_id, &loan) == LG_OK;
}

/* The stored versions of a loan's (or repayment's) transactions; caller free()s. */
static lg_chain_tx *tx_rows(const char *loan_id, const char *repayment_id, size_t *n)
{
    lg_chain_tx *txs = NULL;
    *n = 0;
    CU_ASSERT_EQUAL(lg_store_tx_list(st, loan_id, repayment_id, &txs, n), LG_OK);
    return txs;
}

static uint64_t daily_usage(const lg_partner *p, const lg_loan *loan)
{
    uint64_t b = UINT64_MAX;
    CU_ASSERT_EQUAL(lg_store_daily_usage(st, p->id, loan->day, &b), LG_OK);
    return b;
}

/* Outbox events of type for p: no store operation reads them, so from the file. */
static int64_t outbox(const lg_partner *p, const char *type)
{
    int64_t n = -1;
    CU_ASSERT_EQUAL(lg_test_sql_int(lg_config_str(cfg, "store", "path"), &n,
                                    "SELECT COUNT(*) FROM webhook_outbox "
                                    "WHERE partner_id = ?1 AND event_type = ?2",
                                    p->id, type, (const char *)NULL),
                    0);
    return n;
}

/* The store's total_partner_debt of the active position (wallet, oaid), from the
 * file; -1 when there is none. */
static int64_t position_debt(const char *wallet, const char *oaid)
{
    int64_t debt = -1;
    CU_ASSERT(lg_test_sql_int(lg_config_str(cfg, "store", "path"), &debt,
                              "SELECT total_partner_debt FROM solvency_positions "
                              "WHERE wallet = ?1 AND oaid = ?2 AND active = 1",
                              wallet, oaid, (const char *)NULL) >= 0);
    return debt;
}

static size_t repayments(const lg_loan *loan, lg_repayment *last)
{
    lg_repayment *rps = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(lg_store_repay_list(st, loan->id, &rps, &n), LG_OK);
    if (last && n)
        *last = rps[n - 1];
    free(rps);
    return n;
}

static int call_is(const fake_send *s, const uint8_t to[LG_ADDRESS_LEN], const uint8_t *data,
                   size_t len)
{
    return memcmp(s->to, to, LG_ADDRESS_LEN) == 0 && s->data_len == len &&
           memcmp(s->data, data, len) == 0;
}

static int borrow_call(const fake_send *s, const char *position, uint64_t amount)
{
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_u256 pid, v;
    lg_u256_from_dec(&pid, position);
    lg_u256_from_u64(&v, amount);
    lg_vault_borrow_calldata(data, &len, &pid, &v);
    return call_is(s, chain->vault, data, len);
}

static int repay_call(const fake_send *s, const char *position, uint64_t amount)
{
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_u256 pid, v;
    lg_u256_from_dec(&pid, position);
    lg_u256_from_u64(&v, amount);
    lg_vault_repay_calldata(data, &len, &pid, &v);
    return call_is(s, chain->vault, data, len);
}

static int payout_call(const fake_send *s, const char *to, uint64_t amount)
{
    uint8_t data[LG_CALLDATA_MAX], addr[LG_ADDRESS_LEN];
    size_t len = 0;
    lg_u256 v;
    lg_address_parse(addr, to);
    lg_u256_from_u64(&v, amount);
    lg_usdc_transfer_calldata(data, &len, addr, &v);
    return call_is(s, chain->usdc, data, len);
}

static int approve_call(const fake_send *s)
{
    uint8_t data[LG_CALLDATA_MAX];
    size_t len = 0;
    lg_u256 max;
    memset(max.b, 0xff, sizeof max.b);
    lg_usdc_approve_calldata(data, &len, chain->vault, &max);
    return call_is(s, chain->usdc, data, len);
}

/* Signed by the platform key for this chain, at nonce. */
static int from_platform(const fake_send *s, uint64_t nonce)
{
    return s->signed_ok && memcmp(s->from, platform, LG_ADDRESS_LEN) == 0 &&
           s->chain_id == CHAIN_ID && s->nonce == nonce;
}

static size_t count_to(const uint8_t *to, const char *signature)
{
    return fake_chain_count(fake, to, signature);
}

#define BORROWS() count_to(chain->vault, "borrowUSDC(uint256,uint256)")
#define PAYOUTS() count_to(chain->usdc, "transfer(address,uint256)")

/* ============================================================== borrow */

static void test_open_with_chain_arguments(void)
{
    lg_service *s = (lg_service *)1;
    char err[128];
    fresh();
    CU_ASSERT_EQUAL(lg_service_open_with_chain(NULL, cfg, chain, err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_service_open_with_chain(&s, cfg, NULL, err, sizeof err), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(lg_service_open_with_chain(&s, NULL, chain, err, sizeof err), LG_ERR_INVALID);
    /* The node's own handles are not there to hand out for another chain. */
    CU_ASSERT_PTR_NULL(lg_service_rpc(svc));
    CU_ASSERT_PTR_NULL(lg_service_contracts(svc));
    CU_ASSERT_STRING_EQUAL(lg_chain_name(chain), "fake");
}

static void test_borrow_not_owner(void)
{
    fresh();
    lg_partner p = partner("p_owner", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "own-1", OTHER, OAID, USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 403);
    CU_ASSERT_EQUAL(rc, LG_ERR_FORBIDDEN);
    CU_ASSERT_STRING_EQUAL(o.message, "User does not own this OAID");
    CU_ASSERT_FALSE(loan_exists(&p, "own-1"));
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
}

static void test_borrow_unknown_oaid(void)
{
    fresh();
    lg_partner p = partner("p_unknown", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "unk-1", WALLET, "999", USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 404);
    CU_ASSERT_EQUAL(rc, LG_ERR_NOT_FOUND);
    CU_ASSERT_STRING_EQUAL(o.message, "OAID 999 does not exist");
    CU_ASSERT_FALSE(loan_exists(&p, "unk-1"));
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
}

static void test_borrow_inactive_line(void)
{
    fresh();
    lg_partner p = partner("p_line", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "line-1", WALLET, OAID_INACTIVE, USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_STATE);
    CU_ASSERT_EQUAL(o.err, LG_ERR_STATE);
    CU_ASSERT_STRING_EQUAL(o.field, "");
    CU_ASSERT_STRING_EQUAL(o.message, "OAID credit line is not active");
    CU_ASSERT_FALSE(loan_exists(&p, "line-1"));
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
}

static void test_borrow_insufficient_credit(void)
{
    fresh();
    lg_partner p = partner("p_credit", USDC(100000), USDC(100000), 100);
    fake_chain_set_oaid(fake, OAID, WALLET, USDC(10000), USDC(2500), 1);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "cr-1", WALLET, OAID, USDC(8000), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_FUNDS);
    CU_ASSERT_STRING_EQUAL(o.message, "Insufficient credit. Available: $7500.0");
    CU_ASSERT_FALSE(loan_exists(&p, "cr-1"));
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
    /* Exactly what is available still goes, and the loan records what is left. */
    o = borrow(&p, "cr-2", OAID, USDC(7500), &loan);
    CU_ASSERT_EQUAL(lg_http_status(&o), 201);
    CU_ASSERT_STRING_EQUAL(loan.remaining_credit, "0");
}

static void test_borrow_no_position(void)
{
    fresh();
    lg_partner p = partner("p_pos", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "pos-1", WALLET, OAID_NOPOS, USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_STATE);
    CU_ASSERT_STRING_EQUAL(o.message, "No active collateral position found for this OAID");
    o = borrow_on(svc, &p, "pos-2", WALLET, OAID_DEADPOS, USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_STATE);
    CU_ASSERT_STRING_EQUAL(o.message, "No active collateral position found for this OAID");
    CU_ASSERT_FALSE(loan_exists(&p, "pos-1"));
    CU_ASSERT_FALSE(loan_exists(&p, "pos-2"));
    CU_ASSERT_EQUAL(position_debt(WALLET, OAID_DEADPOS), -1);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
}

static void test_borrow_node_down_at_checks(void)
{
    fresh();
    lg_partner p = partner("p_down", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    lg_err rc;
    fake_chain_fail_reads(fake, LG_ERR_IO, "connection refused");
    lg_outcome o = borrow_on(svc, &p, "down-1", WALLET, OAID, USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 502);
    CU_ASSERT_EQUAL(rc, LG_ERR_IO);
    /* The node's own words stay in the log: the partner learns the kind of failure. */
    CU_ASSERT_STRING_EQUAL(o.message, "Chain node unavailable");
    fake_chain_fail_reads(fake, LG_ERR_TIMEOUT, "timed out");
    o = borrow_on(svc, &p, "down-2", WALLET, OAID, USDC(10), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 504);
    CU_ASSERT_STRING_EQUAL(o.message, "Chain node timed out");
    CU_ASSERT_EQUAL(rc, LG_ERR_TIMEOUT);
    CU_ASSERT_FALSE(loan_exists(&p, "down-1"));
    CU_ASSERT_FALSE(loan_exists(&p, "down-2"));
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
    fake_chain_fail_reads(fake, LG_OK, NULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "down-3", OAID, USDC(10), &loan)), 201);
}

static void test_borrow_limits(void)
{
    fresh();
    lg_partner p = partner("p_daily", USDC(500), USDC(5000), 100);
    lg_partner q = partner("p_total", USDC(10000), USDC(300), 100);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "day-1", WALLET, OAID, USDC(600), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 403);
    CU_ASSERT_EQUAL(rc, LG_ERR_LIMIT_DAILY);
    CU_ASSERT_STRING_EQUAL(o.message, "Partner daily limit exceeded. Remaining: $500.0");
    CU_ASSERT_EQUAL(status_of(borrow(&p, "day-2", OAID, USDC(300), &loan)), 201);
    o = borrow_on(svc, &p, "day-3", WALLET, OAID, USDC(300), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 403);
    CU_ASSERT_STRING_EQUAL(o.message, "Partner daily limit exceeded. Remaining: $200.0");
    o = borrow_on(svc, &q, "tot-1", WALLET, OAID, USDC(400), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 403);
    CU_ASSERT_EQUAL(rc, LG_ERR_LIMIT_TOTAL);
    CU_ASSERT_STRING_EQUAL(o.message, "Partner total limit exceeded. Remaining: $300.0");
    CU_ASSERT_FALSE(loan_exists(&p, "day-1"));
    CU_ASSERT_FALSE(loan_exists(&p, "day-3"));
    CU_ASSERT_FALSE(loan_exists(&q, "tot-1"));
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, USDC(300));
    CU_ASSERT_EQUAL(partner_now(&q).outstanding, 0);
    CU_ASSERT_EQUAL(BORROWS(), 1); /* day-2's only */
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
}

static void test_borrow_ok(void)
{
    fresh();
    lg_partner p = partner("p_ok", USDC(100000), USDC(100000), 250);
    lg_loan loan;
    lg_err rc;
    lg_outcome o = borrow_on(svc, &p, "ok-1", WALLET, OAID, USDC(1000), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 201);
    CU_ASSERT_EQUAL(rc, LG_OK);
    CU_ASSERT_STRING_EQUAL(o.message, "");
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(loan.fee, USDC(25));
    CU_ASSERT_EQUAL(loan.net, USDC(975));
    CU_ASSERT_EQUAL(loan.remaining, USDC(1000));
    CU_ASSERT_STRING_EQUAL(loan.position_id, POSITION);
    CU_ASSERT_STRING_EQUAL(loan.remaining_credit, "9000000000");

    /* One borrowUSDC to the vault and one payout of the net, both signed by the
     * platform key at consecutive nonces, both in the store before the node saw them. */
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 2);
    CU_ASSERT(borrow_call(sent(0), POSITION, USDC(1000)));
    CU_ASSERT(payout_call(sent(1), SETTLE, USDC(975)));
    CU_ASSERT(from_platform(sent(0), 0));
    CU_ASSERT(from_platform(sent(1), 1));
    CU_ASSERT_EQUAL(unpersisted, 0);
    CU_ASSERT_STRING_EQUAL(loan.borrow_tx, sent(0)->hash);
    CU_ASSERT_STRING_EQUAL(loan.transfer_tx, sent(1)->hash);

    size_t n = 0;
    lg_chain_tx *txs = tx_rows(loan.id, NULL, &n);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT(txs[0].purpose == LG_TXP_BORROW && txs[0].state == LG_TXS_MINED);
    CU_ASSERT(txs[1].purpose == LG_TXP_TRANSFER && txs[1].state == LG_TXS_MINED);
    CU_ASSERT_STRING_EQUAL(txs[0].raw, sent(0)->raw_hex);
    CU_ASSERT_STRING_EQUAL(txs[1].raw, sent(1)->raw_hex);
    CU_ASSERT_STRING_EQUAL(txs[0].from, platform_lower);
    free(txs);

    lg_ledger_entry *rows = NULL;
    uint64_t total = 0, amounts[3] = {0, 0, 0};
    lg_ledger_filter f = {.partner_id = p.id, .limit = 10};
    CU_ASSERT_EQUAL(lg_store_ledger_list(st, &f, &rows, &n, &total), LG_OK);
    CU_ASSERT_EQUAL(n, 3);
    for (size_t i = 0; i < n; i++)
        if (rows[i].kind <= LG_LEDGER_PAYOUT)
            amounts[rows[i].kind] += rows[i].amount;
    free(rows);
    CU_ASSERT_EQUAL(amounts[LG_LEDGER_BORROW], USDC(1000));
    CU_ASSERT_EQUAL(amounts[LG_LEDGER_FEE], USDC(25));
    CU_ASSERT_EQUAL(amounts[LG_LEDGER_PAYOUT], USDC(975));

    lg_partner now = partner_now(&p);
    CU_ASSERT_EQUAL(now.outstanding, USDC(1000));
    CU_ASSERT_EQUAL(now.total_borrowed, USDC(1000));
    CU_ASSERT_EQUAL(now.total_fees, USDC(25));
    CU_ASSERT_EQUAL(daily_usage(&p, &loan), USDC(1000));
    CU_ASSERT_EQUAL(outbox(&p, "loan.borrowed"), 1);
    CU_ASSERT_EQUAL(position_debt(WALLET, OAID), (int64_t)USDC(1000));
}

static void test_borrow_replay(void)
{
    uint64_t n0 = 0, n1 = 0;
    fresh();
    lg_partner p = partner("p_dup", USDC(10000), USDC(10000), 100);
    lg_loan first, again;
    CU_ASSERT_EQUAL(status_of(borrow(&p, "dup-1", OAID, USDC(100), &first)), 201);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, CHAIN_ID, platform_hex, &n0), LG_OK);
    lg_outcome o = borrow(&p, "dup-1", OAID, USDC(100), &again);
    CU_ASSERT_EQUAL(lg_http_status(&o), 201);
    CU_ASSERT_STRING_EQUAL(again.id, first.id);
    CU_ASSERT_STRING_EQUAL(again.transfer_tx, first.transfer_tx);
    CU_ASSERT_EQUAL(again.status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, CHAIN_ID, platform_hex, &n1), LG_OK);
    CU_ASSERT_EQUAL(n1, n0);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, USDC(100));
}

static void test_borrow_conflict(void)
{
    fresh();
    lg_partner p = partner("p_conf", USDC(10000), USDC(10000), 100);
    lg_loan first, again;
    lg_err rc;
    CU_ASSERT_EQUAL(status_of(borrow(&p, "conf-1", OAID, USDC(100), &first)), 201);
    lg_outcome o = borrow_on(svc, &p, "conf-1", WALLET, OAID, USDC(101), &again, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 409);
    CU_ASSERT_EQUAL(rc, LG_ERR_CONFLICT);
    CU_ASSERT_STRING_EQUAL(o.message, "Partner loan ID already exists with a different request");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
    lg_loan kept = stored_loan(&p, "conf-1");
    CU_ASSERT_EQUAL(kept.amount, USDC(100));
    CU_ASSERT_STRING_EQUAL(kept.id, first.id);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, USDC(100));
}

static void test_borrow_reverted(void)
{
    fresh();
    lg_partner p = partner("p_rev", USDC(1000), USDC(1000), 100);
    lg_loan loan;
    lg_err rc;
    fake_chain_script(fake, FAKE_REVERTED, "Vault: exceeds LTV");
    lg_outcome o = borrow_on(svc, &p, "rev-1", WALLET, OAID, USDC(1000), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_REVERTED);
    CU_ASSERT_STRING_EQUAL(o.message, "Borrow transaction reverted: Vault: exceeds LTV");
    lg_loan kept = stored_loan(&p, "rev-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_FAILED);
    CU_ASSERT_STRING_EQUAL(kept.failure_reason, "Vault: exceeds LTV");
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_FAILED);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);
    CU_ASSERT_EQUAL(PAYOUTS(), 0);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(kept.id, NULL, &n);
    CU_ASSERT(n == 1 && txs[0].state == LG_TXS_REVERTED);
    free(txs);
    /* The reservation is released: the whole daily and total limit is there again. */
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(daily_usage(&p, &kept), 0);
    CU_ASSERT_EQUAL(outbox(&p, "loan.failed"), 1);
    CU_ASSERT_EQUAL(outbox(&p, "loan.borrowed"), 0);
    /* The same request again answers the stored failure and sends nothing. */
    o = borrow_on(svc, &p, "rev-1", WALLET, OAID, USDC(1000), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_STATE);
    CU_ASSERT_STRING_EQUAL(o.message, "Loan failed: Vault: exceeds LTV");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "rev-2", OAID, USDC(1000), &loan)), 201);
}

static void test_borrow_estimate_reverts(void)
{
    uint64_t next = 0;
    fresh();
    lg_partner p = partner("p_est", USDC(1000), USDC(1000), 100);
    lg_loan loan;
    fake_chain_estimate_reverts(fake, "Vault: paused");
    lg_outcome o = borrow(&p, "est-1", OAID, USDC(500), &loan);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_STRING_EQUAL(o.message, "Borrow rejected by the vault: Vault: paused");
    lg_loan kept = stored_loan(&p, "est-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_FAILED);
    size_t n = 0;
    free(tx_rows(kept.id, NULL, &n));
    CU_ASSERT_EQUAL(n, 0); /* nothing signed */
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
    /* A call that would revert takes no nonce, so it leaves no gap. */
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, CHAIN_ID, platform_hex, &next), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(daily_usage(&p, &kept), 0);
}

static void test_borrow_node_error(void)
{
    fresh();
    lg_partner p = partner("p_node", USDC(1000), USDC(1000), 100);
    lg_loan loan;
    lg_err rc;
    fake_chain_script(fake, FAKE_NODE_ERROR, "insufficient funds for gas * price + value");
    lg_outcome o = borrow_on(svc, &p, "node-1", WALLET, OAID, USDC(700), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 502);
    CU_ASSERT_EQUAL(rc, LG_ERR_RPC);
    /* The platform wallet's state is the operator's business, not the partner's. */
    CU_ASSERT_STRING_EQUAL(o.message, "Chain node unavailable");
    lg_loan kept = stored_loan(&p, "node-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_FAILED);
    CU_ASSERT_STRING_EQUAL(kept.failure_reason, "Chain node unavailable");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1); /* the one attempt, refused */
    CU_ASSERT_EQUAL(sent(0)->answer, FAKE_NODE_ERROR);
    CU_ASSERT_EQUAL(unpersisted, 0);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(kept.id, NULL, &n);
    CU_ASSERT(n == 1 && txs[0].state == LG_TXS_DROPPED);
    free(txs);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(daily_usage(&p, &kept), 0);
}

/* An empty wallet is found before signing: a 503 the partner can retry, no dead
 * transaction, no nonce taken, the limits given back. */
static void test_borrow_no_gas(void)
{
    uint64_t next = 0;
    fresh();
    lg_partner p = partner("p_gas", USDC(1000), USDC(1000), 100);
    lg_loan loan;
    lg_err rc;
    fake_chain_set_balance(fake, 1000);
    lg_outcome o = borrow_on(svc, &p, "gas-1", WALLET, OAID, USDC(700), &loan, &rc);
    CU_ASSERT_EQUAL(lg_http_status(&o), 503);
    CU_ASSERT_EQUAL(rc, LG_ERR_WALLET);
    CU_ASSERT_STRING_EQUAL(o.message, "Platform wallet cannot pay for gas now, try again later");
    lg_loan kept = stored_loan(&p, "gas-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_FAILED);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
    size_t n = 0;
    free(tx_rows(kept.id, NULL, &n));
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, CHAIN_ID, platform_hex, &next), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(daily_usage(&p, &kept), 0);
    /* The borrow's own gas (60000 estimated + 20 % at 3 gwei) is not enough: its
     * payout must be paid for too, or the debt would exist unpaid. */
    fake_chain_set_balance(fake, 72000ULL * 3000000000ULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "gas-2", OAID, USDC(700), &loan)), 503);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
    fake_chain_set_balance(fake, 2 * 72000ULL * 3000000000ULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "gas-3", OAID, USDC(700), &loan)), 201);
}

static void test_borrow_receipt_timeout(void)
{
    fresh();
    lg_partner p = partner("p_slow", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_POOL, NULL);
    lg_outcome o = borrow(&p, "slow-1", OAID, USDC(1000), &loan);
    CU_ASSERT_EQUAL(lg_http_status(&o), 202);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_PENDING);
    lg_loan kept = stored_loan(&p, "slow-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_PENDING);
    CU_ASSERT_STRING_EQUAL(kept.owner, ""); /* the lease went with the answer */
    CU_ASSERT_EQUAL(kept.lease_until_ms, 0);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, "");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);
    CU_ASSERT_EQUAL(PAYOUTS(), 0);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(kept.id, NULL, &n);
    CU_ASSERT(n == 1 && txs[0].state == LG_TXS_SIGNED);
    free(txs);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, USDC(1000)); /* still reserved */
    CU_ASSERT_EQUAL(daily_usage(&p, &kept), USDC(1000));

    /* Nothing mined yet: reconcile waits. Mined: reconcile pays out once. */
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.still_pending, 1);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);
    fake_chain_mine(fake, sent(0)->hash, 1);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL(rep.rebroadcast, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
    CU_ASSERT(payout_call(sent(1), SETTLE, USDC(990)));
    kept = stored_loan(&p, "slow-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, sent(0)->hash);
    CU_ASSERT_STRING_EQUAL(kept.transfer_tx, sent(1)->hash);
    CU_ASSERT_EQUAL(outbox(&p, "loan.borrowed"), 1);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

static void test_borrow_payout_reverted(void)
{
    fresh();
    lg_partner p = partner("p_pay", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_MINED, NULL);
    fake_chain_script(fake, FAKE_REVERTED, "ERC20: transfer amount exceeds balance");
    lg_outcome o = borrow(&p, "pay-1", OAID, USDC(1000), &loan);
    CU_ASSERT_EQUAL(lg_http_status(&o), 202);
    lg_loan kept = stored_loan(&p, "pay-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_SETTLING);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, sent(0)->hash);
    CU_ASSERT_STRING_EQUAL(kept.transfer_tx, "");
    CU_ASSERT_STRING_EQUAL(kept.owner, "");
    /* The debt exists on chain: the loan can no longer fail. */
    CU_ASSERT_EQUAL(lg_store_loan_fail(st, kept.id, "no"), LG_ERR_STATE);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, USDC(1000));
    CU_ASSERT_EQUAL(outbox(&p, "loan.failed"), 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);

    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL(rep.loans_failed, 0);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3);
    CU_ASSERT(payout_call(sent(2), SETTLE, USDC(990)));
    CU_ASSERT(from_platform(sent(2), 2)); /* a new nonce for the same transfer */
    CU_ASSERT_EQUAL(BORROWS(), 1);
    kept = stored_loan(&p, "pay-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.transfer_tx, sent(2)->hash);
    CU_ASSERT_EQUAL(partner_now(&p).total_borrowed, USDC(1000));
    CU_ASSERT_EQUAL(outbox(&p, "loan.borrowed"), 1);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(kept.id, NULL, &n);
    CU_ASSERT(n == 3 && txs[1].state == LG_TXS_REVERTED && txs[2].state == LG_TXS_MINED);
    free(txs);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

/* A worker that dies inside the broadcast of its borrowUSDC: a child process with its
 * own service over the same database, the node never getting the bytes. */
static void crash_child(const lg_partner *p, const char *loan_id)
{
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        lg_service *child = NULL;
        lg_loan loan;
        char err[256];
        fake_chain_on_send(fake, NULL, NULL); /* the parent's store handle is not the child's */
        fake_chain_script(fake, FAKE_CRASH, NULL);
        if (lg_service_open_with_chain(&child, cfg, fake_chain_table(fake), err, sizeof err) !=
            LG_OK)
            _exit(3);
        borrow_on(child, p, loan_id, WALLET, OAID, USDC(100), &loan, NULL);
        _exit(4); /* the crash did not happen */
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_borrow_crash_before_broadcast(void)
{
    fresh();
    lg_partner p = partner("p_crash", USDC(10000), USDC(10000), 100);
    crash_child(&p, "crash-1");
    lg_loan kept = stored_loan(&p, "crash-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_PENDING);
    CU_ASSERT(kept.owner[0] != '\0'); /* the dead worker's lease, not run out */
    CU_ASSERT(kept.lease_until_ms > 0);
    CU_ASSERT_EQUAL(lg_proc_owner_state(kept.owner), LG_OWNER_GONE);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(kept.id, NULL, &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(txs[0].state, LG_TXS_SIGNED);
    char raw[LG_RAWTX_LEN], hash[LG_HASH_LEN];
    snprintf(raw, sizeof raw, "%s", txs[0].raw);
    snprintf(hash, sizeof hash, "%s", txs[0].hash);
    free(txs);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);

    /* The owner is gone: reconcile sends the persisted bytes, then pays out once. */
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.rebroadcast, 1);
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 2);
    CU_ASSERT_STRING_EQUAL(sent(0)->raw_hex, raw);
    CU_ASSERT_STRING_EQUAL(sent(0)->hash, hash);
    CU_ASSERT(borrow_call(sent(0), POSITION, USDC(100)));
    CU_ASSERT(payout_call(sent(1), SETTLE, USDC(99)));
    CU_ASSERT_EQUAL(BORROWS(), 1);
    CU_ASSERT_EQUAL(PAYOUTS(), 1);
    kept = stored_loan(&p, "crash-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, hash);
    /* A second pass finds nothing to do. */
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_confirmed + rep.rebroadcast + rep.still_pending, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

static void test_borrow_crash_after_broadcast(void)
{
    fresh();
    lg_partner p = partner("p_crash2", USDC(10000), USDC(10000), 100);
    crash_child(&p, "crash-2");
    lg_loan kept = stored_loan(&p, "crash-2");
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(kept.id, NULL, &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    char hash[LG_HASH_LEN];
    snprintf(hash, sizeof hash, "%s", txs[0].hash);
    /* The bytes had reached the node before the worker died, and were mined. */
    fake_chain_receive(fake, txs[0].raw);
    free(txs);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.rebroadcast, 0);
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 1); /* the payout only */
    CU_ASSERT(payout_call(sent(0), SETTLE, USDC(99)));
    CU_ASSERT(from_platform(sent(0), 1));
    kept = stored_loan(&p, "crash-2");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, hash);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

/* =============================================================== repay */

/* An ACTIVE loan of amount under loan_id (the borrow's two sends already made). */
static lg_loan active_loan(const lg_partner *p, const char *loan_id, uint64_t amount)
{
    lg_loan loan;
    CU_ASSERT_EQUAL_FATAL(status_of(borrow(p, loan_id, OAID, amount, &loan)), 201);
    return loan;
}

static void test_repay_not_found(void)
{
    fresh();
    lg_partner p = partner("p_r404", USDC(10000), USDC(10000), 100);
    active_loan(&p, "r404-1", USDC(1000));
    lg_loan loan;
    lg_outcome o = repay(&p, "no-such-loan", USDC(1), NULL, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 404);
    CU_ASSERT_STRING_EQUAL(o.message, "Loan not found");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
}

static void test_repay_overpay(void)
{
    fresh();
    lg_partner p = partner("p_rover", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rover-1", USDC(1000));
    deposit(&p, PROOF1, USDC(2000));
    lg_outcome o = repay(&p, "rover-1", USDC(1001), NULL, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_STRING_EQUAL(o.message, "Repayment exceeds remaining debt of $1000.0");
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 0);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
}

static void test_repay_no_balance(void)
{
    fresh();
    lg_partner p = partner("p_rfunds", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rfunds-1", USDC(1000));
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    lg_outcome o = repay(&p, "rfunds-1", USDC(400), NULL, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.message, "Insufficient repayment balance: $0.0 available, "
                                             "repayment of $400.0"));
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2); /* nothing sent */
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 0);
    lg_loan kept = stored_loan(&p, "rfunds-1");
    CU_ASSERT_EQUAL(kept.remaining, USDC(1000));
    CU_ASSERT_EQUAL(kept.repay_pending, 0);
    /* A balance short of the amount is refused the same way. */
    deposit(&p, PROOF1, USDC(100));
    o = repay(&p, "rfunds-1", USDC(400), NULL, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.message, "$100.0 available"));
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, 0);
}

static void test_repay_proof_allowance_enough(void)
{
    fresh();
    lg_partner p = partner("p_rok", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rok-1", USDC(1000));
    lg_repayment rp;
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    fake_chain_add_transfer(fake, PROOF1, 1, SETTLE, platform_hex, USDC(400));
    lg_outcome o = repay(&p, "rok-1", USDC(400), PROOF1, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 200);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3); /* repayLoan only: no approve */
    CU_ASSERT(repay_call(sent(2), POSITION, USDC(400)));
    CU_ASSERT(from_platform(sent(2), 2));
    CU_ASSERT_EQUAL(count_to(chain->usdc, "approve(address,uint256)"), 0);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(loan.remaining, USDC(600));
    CU_ASSERT_EQUAL(loan.repaid, USDC(400));
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_APPLIED);
    CU_ASSERT_STRING_EQUAL(rp.repay_tx, sent(2)->hash);
    CU_ASSERT_STRING_EQUAL(rp.proof_tx, PROOF1);
    lg_partner now = partner_now(&p);
    CU_ASSERT_EQUAL(now.deposited, USDC(400));
    CU_ASSERT_EQUAL(now.balance_used, USDC(400));
    CU_ASSERT_EQUAL(now.outstanding, USDC(600));
    CU_ASSERT_EQUAL(now.total_repaid, USDC(400));
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(NULL, rp.id, &n);
    CU_ASSERT(n == 1 && txs[0].purpose == LG_TXP_REPAY && txs[0].state == LG_TXS_MINED);
    free(txs);
    CU_ASSERT_EQUAL(outbox(&p, "loan.repayment_received"), 1);
    CU_ASSERT_EQUAL(outbox(&p, "loan.repaid"), 0);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

static void test_repay_approve_when_short(void)
{
    fresh();
    lg_partner p = partner("p_rapp", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rapp-1", USDC(1000));
    lg_repayment rp;
    fake_chain_set_allowance(fake, platform, chain->vault, USDC(10), 0);
    fake_chain_add_transfer(fake, PROOF1, 1, SETTLE, platform_hex, USDC(400));
    lg_outcome o = repay(&p, "rapp-1", USDC(400), PROOF1, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 200);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 4);
    CU_ASSERT(approve_call(sent(2)));
    CU_ASSERT(from_platform(sent(2), 2));
    CU_ASSERT(repay_call(sent(3), POSITION, USDC(400)));
    CU_ASSERT(from_platform(sent(3), 3));
    CU_ASSERT_EQUAL(fake_chain_allowance(fake, platform, chain->vault), UINT64_MAX);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(NULL, rp.id, &n);
    CU_ASSERT(n == 2 && txs[0].purpose == LG_TXP_APPROVE && txs[1].purpose == LG_TXP_REPAY);
    free(txs);
    /* The standing allowance now covers the next repayment: no second approve. */
    fake_chain_add_transfer(fake, PROOF2, 1, SETTLE, platform_hex, USDC(600));
    o = repay(&p, "rapp-1", USDC(600), PROOF2, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 200);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 5);
    CU_ASSERT(repay_call(sent(4), POSITION, USDC(600)));
    CU_ASSERT_EQUAL(count_to(chain->usdc, "approve(address,uint256)"), 1);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_REPAID);
    CU_ASSERT_EQUAL(loan.remaining, 0);
    CU_ASSERT_EQUAL(outbox(&p, "loan.repaid"), 1);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

static void test_repay_already_repaid(void)
{
    fresh();
    lg_partner p = partner("p_rdone", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rdone-1", USDC(1000));
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1500));
    CU_ASSERT_EQUAL(status_of(repay(&p, "rdone-1", USDC(1000), NULL, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_REPAID);
    size_t before = fake_chain_nsends(fake);
    lg_outcome o = repay(&p, "rdone-1", USDC(1), NULL, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_STRING_EQUAL(o.message, "Loan already fully repaid");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), before);
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 1);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, USDC(1000));
}

/* A balance repay repeated with its Idempotency-Key draws once and answers as the
 * first call did: 200 applied, 202 still in flight, 200 after the loan was repaid
 * since; the key with another amount or proof is 409 and changes nothing. */
static void test_repay_idempotency_key(void)
{
    fresh();
    lg_partner p = partner("p_ridem", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "ridem-1", USDC(1000));
    lg_repayment first, rp;
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1500));
    CU_ASSERT_EQUAL(status_of(repay_keyed(&p, "ridem-1", USDC(400), NULL, "k-1", &loan, &first)),
                    200);
    CU_ASSERT_STRING_EQUAL(first.idem_key, "k-1");
    size_t sends = fake_chain_nsends(fake);

    lg_outcome o = repay_keyed(&p, "ridem-1", USDC(400), NULL, "k-1", &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 200);
    CU_ASSERT_STRING_EQUAL(rp.id, first.id);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_APPLIED);
    CU_ASSERT_EQUAL(loan.remaining, USDC(600));
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), sends);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, USDC(400));
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 1);

    o = repay_keyed(&p, "ridem-1", USDC(300), NULL, "k-1", &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 409);
    CU_ASSERT_STRING_EQUAL(o.message, "Idempotency-Key: already used for a different repayment");
    o = repay_keyed(&p, "ridem-1", USDC(400), PROOF2, "k-1", &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 409);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), sends);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, USDC(400));
    CU_ASSERT_EQUAL(stored_loan(&p, "ridem-1").remaining, USDC(600));
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 1);

    /* Still in flight: the repeat is 202 too, and sends nothing. */
    fake_chain_script(fake, FAKE_POOL, NULL);
    CU_ASSERT_EQUAL(status_of(repay_keyed(&p, "ridem-1", USDC(100), NULL, "k-2", &loan, &first)),
                    202);
    sends = fake_chain_nsends(fake);
    o = repay_keyed(&p, "ridem-1", USDC(100), NULL, "k-2", &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 202);
    CU_ASSERT_STRING_EQUAL(rp.id, first.id);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_PENDING);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), sends);
    CU_ASSERT_EQUAL(stored_loan(&p, "ridem-1").repay_pending, USDC(100));
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, USDC(500));
    fake_chain_mine(fake, sent(sends - 1)->hash, 1);
    CU_ASSERT_EQUAL(reconcile().repayments_applied, 1);

    /* Repaid in full since: the first key still answers its repayment, 200. */
    CU_ASSERT_EQUAL(status_of(repay_keyed(&p, "ridem-1", USDC(500), NULL, "k-3", &loan, &rp)), 200);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_REPAID);
    o = repay_keyed(&p, "ridem-1", USDC(400), NULL, "k-1", &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 200);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_REPAID);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, USDC(1000));
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 3);
}

static void test_repay_reverted(void)
{
    fresh();
    lg_partner p = partner("p_rrev", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rrev-1", USDC(1000));
    lg_repayment rp;
    lg_err rc;
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1000));
    fake_chain_script(fake, FAKE_REVERTED, "Vault: repay paused");
    lg_repay_request r;
    lg_outcome o;
    memset(&r, 0, sizeof r);
    snprintf(r.partner_loan_id, sizeof r.partner_loan_id, "rrev-1");
    r.amount = USDC(400);
    rc = lg_service_repay(svc, &p, &r, &loan, &rp, &o);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_EQUAL(rc, LG_ERR_REVERTED);
    CU_ASSERT_STRING_EQUAL(o.message, "repayLoan: Vault: repay paused");
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_FAILED);
    CU_ASSERT_STRING_EQUAL(rp.failure_reason, "Vault: repay paused");
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
    lg_partner now = partner_now(&p);
    CU_ASSERT_EQUAL(now.deposited, USDC(1000));
    CU_ASSERT_EQUAL(now.balance_used, 0); /* the draw is given back */
    lg_loan kept = stored_loan(&p, "rrev-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(kept.remaining, USDC(1000));
    CU_ASSERT_EQUAL(kept.repay_pending, 0);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(NULL, rp.id, &n);
    CU_ASSERT(n == 1 && txs[0].state == LG_TXS_REVERTED);
    free(txs);
    /* The balance given back pays the next try. */
    CU_ASSERT_EQUAL(status_of(repay(&p, "rrev-1", USDC(400), NULL, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(loan.remaining, USDC(600));
}

static void test_repay_no_gas(void)
{
    fresh();
    lg_partner p = partner("p_rgas", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rgas-1", USDC(1000));
    lg_repayment rp;
    size_t sends = fake_chain_nsends(fake);
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1000));
    fake_chain_set_balance(fake, 0);
    lg_outcome o = repay(&p, "rgas-1", USDC(400), NULL, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 503);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_FAILED);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), sends);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, 0); /* the draw is given back */
    CU_ASSERT_EQUAL(stored_loan(&p, "rgas-1").remaining, USDC(1000));
}

/* USDC that left the wallet after it was credited (an operator's sweep) is found
 * before the vault would revert repayLoan with the gas spent. */
static void test_repay_no_usdc(void)
{
    fresh();
    lg_partner p = partner("p_rusd", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rusd-1", USDC(1000));
    lg_repayment rp;
    size_t sends = fake_chain_nsends(fake);
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1000));
    fake_chain_set_usdc(fake, USDC(400) - 1);
    lg_outcome o = repay(&p, "rusd-1", USDC(400), NULL, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 503);
    CU_ASSERT_STRING_EQUAL(o.message,
                           "repayLoan: Platform wallet cannot cover the repayment now, try again "
                           "later");
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_FAILED);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), sends);
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, 0);
    /* Exactly the amount in the wallet is enough. */
    fake_chain_set_usdc(fake, USDC(400));
    CU_ASSERT_EQUAL(status_of(repay(&p, "rusd-1", USDC(400), NULL, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(loan.remaining, USDC(600));
}

static void test_repay_timeout(void)
{
    fresh();
    lg_partner p = partner("p_rslow", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rslow-1", USDC(1000));
    lg_repayment rp;
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1000));
    fake_chain_script(fake, FAKE_POOL, NULL);
    lg_outcome o = repay(&p, "rslow-1", USDC(400), NULL, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 202);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_PENDING);
    CU_ASSERT_STRING_EQUAL(rp.owner, "");
    CU_ASSERT_EQUAL(rp.lease_until_ms, 0);
    lg_loan kept = stored_loan(&p, "rslow-1");
    CU_ASSERT_EQUAL(kept.remaining, USDC(1000));
    CU_ASSERT_EQUAL(kept.repay_pending, USDC(400));
    CU_ASSERT_EQUAL(partner_now(&p).balance_used, USDC(400));
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3);

    /* Reconcile finishes it once it is mined. */
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.still_pending, 1);
    CU_ASSERT_EQUAL(rep.repayments_applied, 0);
    fake_chain_mine(fake, sent(2)->hash, 1);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.repayments_applied, 1);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
    CU_ASSERT_EQUAL(lg_store_repay_get(st, rp.id, &rp), LG_OK);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_APPLIED);
    CU_ASSERT_STRING_EQUAL(rp.repay_tx, sent(2)->hash);
    kept = stored_loan(&p, "rslow-1");
    CU_ASSERT_EQUAL(kept.remaining, USDC(600));
    CU_ASSERT_EQUAL(kept.repay_pending, 0);
}

static void test_repay_proof_refused(void)
{
    fresh();
    lg_partner p = partner("p_rprf", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rprf-1", USDC(1000));
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    fake_chain_add_transfer(fake, PROOF1, 1, STRANGER, platform_hex, USDC(400));
    fake_chain_add_transfer(fake, PROOF2, 0, SETTLE, platform_hex, USDC(400));
    fake_chain_add_transfer(fake, PROOF4, 1, SETTLE, OTHER, USDC(400));
    lg_outcome o = repay(&p, "rprf-1", USDC(400), PROOF1, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_STRING_EQUAL(o.message, "repaymentTxHash: no USDC transfer from the settlement "
                                      "address to the platform wallet");
    o = repay(&p, "rprf-1", USDC(400), PROOF4, &loan, NULL); /* to someone else */
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.message, "no USDC transfer"));
    o = repay(&p, "rprf-1", USDC(400), PROOF2, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_STRING_EQUAL(o.message, "repaymentTxHash: the transaction failed on chain");
    o = repay(&p, "rprf-1", USDC(400), PROOF3, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_STRING_EQUAL(o.message, "repaymentTxHash: transaction not found or not yet mined");
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 0);
    CU_ASSERT_EQUAL(partner_now(&p).deposited, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
}

static void test_repay_proof_reused(void)
{
    fresh();
    lg_partner p = partner("p_rtwice", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rtwice-1", USDC(1000));
    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    fake_chain_add_transfer(fake, PROOF1, 1, SETTLE, platform_hex, USDC(500));
    CU_ASSERT_EQUAL(status_of(repay(&p, "rtwice-1", USDC(200), PROOF1, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
    lg_outcome o = repay(&p, "rtwice-1", USDC(100), PROOF1, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.message, "repaymentTxHash: already used"));
    CU_ASSERT_STRING_EQUAL(o.field, "repaymentTxHash");
    CU_ASSERT_EQUAL(o.err, LG_ERR_INVALID);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
    CU_ASSERT_EQUAL(repayments(&loan, NULL), 1);
    lg_partner now = partner_now(&p);
    CU_ASSERT_EQUAL(now.deposited, USDC(500)); /* credited once */
    CU_ASSERT_EQUAL(now.balance_used, USDC(200));
    /* What the proof moved beyond its repayment stays on the balance. */
    CU_ASSERT_EQUAL(status_of(repay(&p, "rtwice-1", USDC(300), NULL, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(loan.remaining, USDC(500));
}

/* =========================================================== reconcile */

static void test_reconcile_rebroadcast(void)
{
    fresh();
    lg_partner p = partner("p_lost", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_DROPPED, NULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "lost-1", OAID, USDC(500), &loan)), 202);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(loan.id, NULL, &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    char raw[LG_RAWTX_LEN];
    snprintf(raw, sizeof raw, "%s", txs[0].raw);
    free(txs);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.rebroadcast, 1);
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3);
    /* The same bytes again: the same transaction, not a new signature. */
    CU_ASSERT_STRING_EQUAL(sent(1)->raw_hex, raw);
    CU_ASSERT_STRING_EQUAL(sent(1)->raw_hex, sent(0)->raw_hex);
    CU_ASSERT_EQUAL(sent(1)->again, 0); /* the node had lost it */
    CU_ASSERT(payout_call(sent(2), SETTLE, USDC(495)));
    CU_ASSERT_EQUAL(BORROWS(), 2);
    lg_loan kept = stored_loan(&p, "lost-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, sent(0)->hash);
    CU_ASSERT_EQUAL(unpersisted, 0);
}

/* Public reads of one block are asked of the node once per process: the credit line
 * and the position are served again until the next block; a failed read is not kept. */
static void test_public_reads_per_block(void)
{
    fresh();
    lg_credit_line_view line;
    lg_position_view pos;
    lg_outcome o = {0};
    size_t r0 = fake_chain_reads(fake);
    CU_ASSERT_EQUAL(lg_query_credit_line(svc, OAID, &line, &o), LG_OK);
    CU_ASSERT_STRING_EQUAL(line.limit, "10000000000");
    size_t r1 = fake_chain_reads(fake);
    CU_ASSERT(r1 > r0);
    memset(&line, 0, sizeof line);
    CU_ASSERT_EQUAL(lg_query_credit_line(svc, OAID, &line, &o), LG_OK);
    CU_ASSERT_EQUAL(fake_chain_reads(fake), r1); /* same block: served again */
    CU_ASSERT_STRING_EQUAL(line.limit, "10000000000");
    CU_ASSERT_EQUAL(lg_query_position(svc, POSITION, &pos, &o), LG_OK);
    size_t r2 = fake_chain_reads(fake);
    CU_ASSERT(r2 > r1);
    CU_ASSERT_EQUAL(lg_query_position(svc, POSITION, &pos, &o), LG_OK);
    CU_ASSERT_EQUAL(fake_chain_reads(fake), r2);
    CU_ASSERT_STRING_EQUAL(pos.position_id, POSITION);

    fake_chain_advance(fake, 1); /* a new block: read again */
    CU_ASSERT_EQUAL(lg_query_credit_line(svc, OAID, &line, &o), LG_OK);
    size_t r3 = fake_chain_reads(fake);
    CU_ASSERT(r3 > r2);
    fake_chain_advance(fake, 1);
    fake_chain_fail_reads(fake, LG_ERR_TIMEOUT, "node timed out");
    CU_ASSERT_EQUAL(lg_query_credit_line(svc, OAID, &line, &o), LG_ERR_TIMEOUT);
    CU_ASSERT_EQUAL(lg_http_status(&o), 504);
    fake_chain_fail_reads(fake, LG_OK, NULL);
    size_t r4 = fake_chain_reads(fake);
    CU_ASSERT_EQUAL(lg_query_credit_line(svc, OAID, &line, &o), LG_OK); /* not kept */
    CU_ASSERT(fake_chain_reads(fake) > r4);
    CU_ASSERT_EQUAL(lg_query_credit_line(svc, "999", &line, &o), LG_ERR_REVERTED);
    CU_ASSERT_EQUAL(lg_http_status(&o), 404);
}

static lg_tx_fields fields_of(const fake_send *s)
{
    static uint8_t raw[LG_RAWTX_LEN];
    size_t len = 0;
    lg_tx_fields f;
    memset(&f, 0, sizeof f);
    if (lg_hex_decode(raw, sizeof raw, &len, s->raw_hex, strlen(s->raw_hex), LG_HEX_0X) == LG_OK)
        lg_tx_decode_signed(&f, raw, len);
    return f;
}

/* A borrow stuck in the pool past [chain] replace_after_ms is sent again at its nonce
 * with fees 10 % higher (not above [chain] fee_cap_gwei), and the version that is
 * mined is the one the loan keeps. */
static void test_reconcile_replaces_stuck(void)
{
    char err[160];
    fresh();
    lg_partner p = partner("p_stuck", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_POOL, NULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "stuck-1", OAID, USDC(500), &loan)), 202);
    lg_reconcile_report rep = reconcile(); /* younger than replace_after_ms */
    CU_ASSERT_EQUAL(rep.replaced, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);

    lg_time_set_fixed(lg_time_now_ms() + 120001);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "fee_cap_gwei", "3", err, sizeof err), LG_OK);
    rep = reconcile(); /* the least raise (3.3 gwei) is above the cap: it waits */
    CU_ASSERT_EQUAL(rep.replaced, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 1);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "fee_cap_gwei", "1000", err, sizeof err), LG_OK);
    fake_chain_script(fake, FAKE_POOL, NULL); /* the replacement waits in the pool too */
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.replaced, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 2);
    lg_tx_fields a = fields_of(sent(0)), b = fields_of(sent(1));
    CU_ASSERT_EQUAL(b.nonce, a.nonce);
    CU_ASSERT_EQUAL(b.gas_limit, a.gas_limit);
    CU_ASSERT(b.data_len == a.data_len && memcmp(b.data, a.data, a.data_len) == 0);
    CU_ASSERT(b.max_fee_per_gas * 10 >= a.max_fee_per_gas * 11);
    CU_ASSERT(b.max_priority_fee_per_gas * 10 >= a.max_priority_fee_per_gas * 11);
    size_t n = 0;
    lg_chain_tx *txs = tx_rows(loan.id, NULL, &n);
    CU_ASSERT(n == 2 && txs[0].state == LG_TXS_SIGNED && txs[1].state == LG_TXS_SIGNED);
    CU_ASSERT(n == 2 && strcmp(txs[1].hash, sent(1)->hash) == 0); /* persisted before sent */
    free(txs);

    rep = reconcile(); /* the newest version is not replaced by the older one's age */
    CU_ASSERT_EQUAL(rep.replaced, 0);
    fake_chain_mine(fake, sent(1)->hash, 1);
    rep = reconcile();
    lg_time_set_fixed(-1);
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    lg_loan kept = stored_loan(&p, "stuck-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.borrow_tx, sent(1)->hash);
    /* The old version, the new one, and the old bytes again, which the pool refused as
     * underpriced; one mined. */
    CU_ASSERT_EQUAL(BORROWS(), 3);
    CU_ASSERT_STRING_EQUAL(sent(2)->raw_hex, sent(0)->raw_hex);
    txs = tx_rows(loan.id, NULL, &n);
    int replaced = 0, mined = 0;
    for (size_t i = 0; i < n; i++) {
        replaced += txs[i].state == LG_TXS_REPLACED;
        mined += txs[i].state == LG_TXS_MINED;
    }
    free(txs);
    CU_ASSERT_EQUAL(replaced, 1);
    CU_ASSERT_EQUAL(mined, 2); /* the borrow's second version and the payout */
    CU_ASSERT_EQUAL(unpersisted, 0);
}

/* reconcile runs on one host at a time: while another host holds the store's lease
 * a pass does nothing; its lease run out, or its holder ended on this host, it goes. */
static void test_reconcile_single_runner(void)
{
    fresh();
    lg_partner p = partner("p_one", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_POOL, NULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "one-1", OAID, USDC(100), &loan)), 202);
    fake_chain_mine(fake, sent(0)->hash, 1);
    int64_t now = lg_time_now_ms();
    static const char other[] = "00000000-0000-4000-8000-000000000000/4242/1";
    CU_ASSERT_EQUAL_FATAL(
        lg_store_job_lease_take(st, "reconcile", other, now + 60000, NULL, NULL, NULL), LG_OK);
    lg_reconcile_report rep;
    CU_ASSERT_EQUAL(lg_service_reconcile(svc, &rep), LG_ERR_BUSY);
    CU_ASSERT_EQUAL(stored_loan(&p, "one-1").status, LG_LOAN_PENDING);
    CU_ASSERT_EQUAL(PAYOUTS(), 0);

    lg_time_set_fixed(now + 60000); /* the other host's lease ran out */
    rep = reconcile();
    lg_time_set_fixed(-1);
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL(stored_loan(&p, "one-1").status, LG_LOAN_ACTIVE);
    /* The pass gave the lease back: nobody holds it now. */
    CU_ASSERT_EQUAL(
        lg_store_job_lease_take(st, "reconcile", other, lg_time_now_ms() + 60000, NULL, NULL, NULL),
        LG_OK);

    /* A holder of this host that has ended is taken over at once. */
    char dead[LG_OWNER_LEN] = "";
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    pid_t child = fork();
    if (child == 0) {
        char mine[LG_OWNER_LEN] = "";
        lg_proc_owner(mine);
        ssize_t w = write(fds[1], mine, sizeof mine);
        _exit(w == (ssize_t)sizeof mine ? 0 : 1);
    }
    CU_ASSERT_EQUAL(read(fds[0], dead, sizeof dead), (ssize_t)sizeof dead);
    waitpid(child, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    CU_ASSERT_EQUAL(lg_proc_owner_state(dead), LG_OWNER_GONE);
    CU_ASSERT_EQUAL(lg_store_job_lease_take(st, "reconcile", dead, lg_time_now_ms() + 600000, other,
                                            NULL, NULL),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_service_reconcile(svc, &rep), LG_OK);
}

#ifdef LG_TEST_HOOKS
static uint64_t spooled_rows(void)
{
    lg_api_log_filter f = {.partner_id = "p_spool", .success = -1, .limit = 100};
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    CU_ASSERT_EQUAL(lg_store_api_log_query(st, &f, &items, &n, &total), LG_OK);
    free(items);
    return total;
}

/* The one spool file of this process, read into buf; its path into path. */
static size_t spool_file(char *path, size_t cap, char *buf, size_t bufcap)
{
    char d[700];
    snprintf(d, sizeof d, "%s/state/audit-spool", dir);
    DIR *dp = opendir(d);
    struct dirent *e;
    path[0] = '\0';
    while (dp && (e = readdir(dp)) != NULL)
        if (strstr(e->d_name, ".jsonl"))
            snprintf(path, cap, "%s/%s", d, e->d_name);
    if (dp)
        closedir(dp);
    FILE *f = path[0] ? fopen(path, "r") : NULL;
    size_t n = f ? fread(buf, 1, bufcap - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return n;
}
#endif

/* An answered call's audit row that the store cannot take goes to the spool, and a
 * drain puts it in once: a drain repeated over the same lines (a crash after the
 * inserts, before the file was emptied) adds nothing, and a torn line is dropped. */
static void test_audit_spool(void)
{
#ifdef LG_TEST_HOOKS /* registered only then: see main */
    char err[160];
    fresh();
    /* The spool is where rows go when they are stored one by one (no journal). */
    CU_ASSERT_EQUAL(lg_config_set(cfg, "audit", "journal", "false", err, sizeof err), LG_OK);
    lg_api_log row;
    memset(&row, 0, sizeof row);
    snprintf(row.partner_id, sizeof row.partner_id, "p_spool");
    snprintf(row.route, sizeof row.route, "/partners/my/stats");
    snprintf(row.method, sizeof row.method, "GET");
    snprintf(row.client_ip, sizeof row.client_ip, "127.0.0.1");
    row.status_code = 200;
    row.success = 1;
    lg_store_set_fault(LG_ERR_BUSY);
    snprintf(row.request_id, sizeof row.request_id, "spool-1");
    CU_ASSERT_EQUAL(lg_service_audit(svc, &row), LG_OK);
    snprintf(row.request_id, sizeof row.request_id, "spool-2");
    CU_ASSERT_EQUAL(lg_service_audit(svc, &row), LG_OK);
    lg_store_set_fault(LG_OK);
    CU_ASSERT_EQUAL(spooled_rows(), 0);

    char path[1024], copy[8192], after[8192];
    size_t len = spool_file(path, sizeof path, copy, sizeof copy);
    CU_ASSERT_FATAL(len > 0);
    CU_ASSERT_PTR_NULL(strstr(copy, "Bearer")); /* rows are the sanitized ones */
    unsigned moved = 0;
    CU_ASSERT_EQUAL(lg_service_audit_drain(svc, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 2);
    CU_ASSERT_EQUAL(spooled_rows(), 2);
    CU_ASSERT_EQUAL(spool_file(path, sizeof path, after, sizeof after), 0); /* emptied */

    FILE *f = fopen(path, "w"); /* the same lines again, and a torn one */
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "%s{\"partner_id\":\n", copy);
    fclose(f);
    CU_ASSERT_EQUAL(lg_service_audit_drain(svc, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 0);
    CU_ASSERT_EQUAL(spooled_rows(), 2);
#endif
}

/* With [chain] confirmations 2, a mined borrow counts only two blocks later: until
 * then the loan stays PENDING, and so does its payout's SETTLING. */
static void test_reconcile_confirmations(void)
{
    char err[160];
    fresh();
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "confirmations", "2", err, sizeof err), LG_OK);
    lg_partner p = partner("p_deep", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_POOL, NULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "deep-1", OAID, USDC(500), &loan)), 202);
    fake_chain_mine(fake, sent(0)->hash, 1);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_confirmed, 0);
    CU_ASSERT_EQUAL(stored_loan(&p, "deep-1").status, LG_LOAN_PENDING);
    CU_ASSERT_EQUAL(PAYOUTS(), 0);
    fake_chain_advance(fake, 1);
    rep = reconcile(); /* 1 block on it: not yet */
    CU_ASSERT_EQUAL(stored_loan(&p, "deep-1").status, LG_LOAN_PENDING);
    CU_ASSERT_EQUAL(PAYOUTS(), 0);
    fake_chain_advance(fake, 1);
    fake_chain_script(fake, FAKE_POOL, NULL); /* the payout */
    rep = reconcile();
    CU_ASSERT_EQUAL(stored_loan(&p, "deep-1").status, LG_LOAN_SETTLING);
    CU_ASSERT_EQUAL_FATAL(PAYOUTS(), 1);
    fake_chain_mine(fake, sent(1)->hash, 1);
    rep = reconcile();
    CU_ASSERT_EQUAL(stored_loan(&p, "deep-1").status, LG_LOAN_SETTLING);
    fake_chain_advance(fake, 1);
    rep = reconcile(); /* the payout 1 deep: not yet */
    CU_ASSERT_EQUAL(rep.loans_confirmed, 0);
    CU_ASSERT_EQUAL(stored_loan(&p, "deep-1").status, LG_LOAN_SETTLING);
    fake_chain_advance(fake, 1);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL(stored_loan(&p, "deep-1").status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(PAYOUTS(), 1);
    CU_ASSERT_EQUAL(lg_config_set(cfg, "chain", "confirmations", "0", err, sizeof err), LG_OK);
}

static void test_reconcile_settling_payout_lost(void)
{
    fresh();
    lg_partner p = partner("p_plost", USDC(10000), USDC(10000), 100);
    lg_loan loan;
    fake_chain_script(fake, FAKE_MINED, NULL);
    fake_chain_script(fake, FAKE_DROPPED, NULL);
    CU_ASSERT_EQUAL(status_of(borrow(&p, "plost-1", OAID, USDC(500), &loan)), 202);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_SETTLING);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 2);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.rebroadcast, 1);
    CU_ASSERT_EQUAL(rep.loans_confirmed, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3);
    /* The lost payout went again as it was: no second transfer was signed. */
    CU_ASSERT_STRING_EQUAL(sent(2)->raw_hex, sent(1)->raw_hex);
    lg_loan kept = stored_loan(&p, "plost-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_ACTIVE);
    CU_ASSERT_STRING_EQUAL(kept.transfer_tx, sent(1)->hash);
    size_t n = 0;
    free(tx_rows(kept.id, NULL, &n));
    CU_ASSERT_EQUAL(n, 2);
}

static void test_reconcile_gap_fill(void)
{
    uint64_t prev = 0, next = 0, pending = 0;
    fresh();
    lg_partner p = partner("p_gap", USDC(10000), USDC(10000), 100);
    active_loan(&p, "gap-1", USDC(100)); /* nonces 0 and 1 */
    /* A worker took nonce 2 and died before it persisted anything. */
    CU_ASSERT_EQUAL(lg_store_nonce_resync(st, CHAIN_ID, platform_hex, 3, &prev), LG_OK);
    CU_ASSERT_EQUAL(prev, 2);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.nonce_gaps_filled, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3);
    const fake_send *g = sent(2);
    CU_ASSERT(from_platform(g, 2));
    CU_ASSERT_EQUAL(memcmp(g->to, platform, LG_ADDRESS_LEN), 0); /* a self-transfer */
    CU_ASSERT_EQUAL(g->data_len, 0);
    CU_ASSERT_EQUAL(unpersisted, 0);
    CU_ASSERT_EQUAL(lg_chain_pending_nonce(chain, &pending, platform), LG_OK);
    CU_ASSERT_EQUAL(lg_store_nonce_peek(st, CHAIN_ID, platform_hex, &next), LG_OK);
    CU_ASSERT_EQUAL(pending, 3);
    CU_ASSERT_EQUAL(next, 3);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.nonce_gaps_filled, 0);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
}

static void test_reconcile_never_sent(void)
{
    fresh();
    lg_partner p = partner("p_never", USDC(1000), USDC(1000), 100);
    /* A request reserved its loan and died before it signed anything. */
    lg_loan loan;
    memset(&loan, 0, sizeof loan);
    snprintf(loan.partner_id, sizeof loan.partner_id, "%s", p.id);
    snprintf(loan.partner_loan_id, sizeof loan.partner_loan_id, "never-1");
    snprintf(loan.user_wallet, sizeof loan.user_wallet, WALLET);
    snprintf(loan.oaid, sizeof loan.oaid, OAID);
    snprintf(loan.position_id, sizeof loan.position_id, POSITION);
    snprintf(loan.request_hash, sizeof loan.request_hash, "%064d", 7);
    loan.amount = USDC(800);
    loan.fee = USDC(8);
    loan.net = USDC(792);
    CU_ASSERT_EQUAL_FATAL(lg_store_loan_reserve(st, &loan, NULL, NULL), LG_OK);
    lg_loan kept = stored_loan(&p, "never-1");
    CU_ASSERT(kept.owner[0] != '\0'); /* this process holds its lease */
    CU_ASSERT_EQUAL(lg_proc_owner_state(kept.owner), LG_OWNER_ALIVE);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.still_pending, 1);
    CU_ASSERT_EQUAL(rep.loans_failed, 0);
    CU_ASSERT_EQUAL(stored_loan(&p, "never-1").status, LG_LOAN_PENDING);

    CU_ASSERT_EQUAL(lg_store_loan_release(st, kept.id), LG_OK);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_failed, 1);
    kept = stored_loan(&p, "never-1");
    CU_ASSERT_EQUAL(kept.status, LG_LOAN_FAILED);
    CU_ASSERT_STRING_EQUAL(kept.failure_reason, "no borrow transaction was sent");
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(daily_usage(&p, &kept), 0);
    CU_ASSERT_EQUAL(outbox(&p, "loan.failed"), 1);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 0);
}

static void test_reconcile_pending_approve(void)
{
    fresh();
    lg_partner p = partner("p_rappr", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "rappr-1", USDC(1000));
    lg_repayment rp;
    deposit(&p, PROOF1, USDC(1000));
    fake_chain_script(fake, FAKE_POOL, NULL); /* the approve waits in the pool */
    lg_outcome o = repay(&p, "rappr-1", USDC(250), NULL, &loan, &rp);
    CU_ASSERT_EQUAL(lg_http_status(&o), 202);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 3);
    CU_ASSERT(approve_call(sent(2)));
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_PENDING);

    lg_reconcile_report rep = reconcile(); /* the approve is still in flight */
    CU_ASSERT_EQUAL(rep.still_pending, 1);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
    fake_chain_mine(fake, sent(2)->hash, 1);
    /* The partner was told 202: a wallet short of ether or of USDC holds the
     * repayment back for a later pass, it does not fail it. */
    fake_chain_set_balance(fake, 0);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.still_pending, 1);
    fake_chain_set_balance(fake, UINT64_MAX);
    fake_chain_set_usdc(fake, USDC(250) - 1);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.still_pending, 1);
    CU_ASSERT_EQUAL(fake_chain_nsends(fake), 3);
    CU_ASSERT_EQUAL(lg_store_repay_get(st, rp.id, &rp), LG_OK);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_PENDING);
    fake_chain_set_usdc(fake, USDC(250));
    rep = reconcile(); /* mined: reconcile sends the repayLoan the request would have */
    CU_ASSERT_EQUAL(rep.repayments_applied, 1);
    CU_ASSERT_EQUAL_FATAL(fake_chain_nsends(fake), 4);
    CU_ASSERT(repay_call(sent(3), POSITION, USDC(250)));
    CU_ASSERT_EQUAL(lg_store_repay_get(st, rp.id, &rp), LG_OK);
    CU_ASSERT_EQUAL(rp.status, LG_REPAY_APPLIED);
    CU_ASSERT_STRING_EQUAL(rp.repay_tx, sent(3)->hash);
    CU_ASSERT_EQUAL(stored_loan(&p, "rappr-1").remaining, USDC(750));
    CU_ASSERT_EQUAL(unpersisted, 0);
}

/* ------------------------------------------------------------ end states of a debt */

#define LIQ_TX "0xb1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"

/* The vault liquidates the position under a loan: the first pass only places the
 * cursor; a later one reads the logs in bounded ranges once they are deep enough and
 * ends the loan, once. */
static void test_reconcile_liquidation(void)
{
    fresh();
    lg_partner p = partner("p_liq", USDC(10000), USDC(10000), 100);
    lg_loan loan = active_loan(&p, "liq-1", USDC(1000));
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.liquidations, 0);
    CU_ASSERT_EQUAL(fake_chain_log_asks(fake), 0);

    char err[128];
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "chain", "confirmations", "3", err, sizeof err),
                          LG_OK);
    fake_chain_advance(fake, 2400);
    fake_chain_liquidate(fake, POSITION, USDC(1000), LIQ_TX);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.liquidations, 0); /* not 3 blocks deep yet */
    CU_ASSERT_EQUAL(stored_loan(&p, "liq-1").status, LG_LOAN_ACTIVE);
    CU_ASSERT(fake_chain_log_asks(fake) >= 3);
    CU_ASSERT(fake_chain_widest_span(fake) <= LG_CHAIN_LOG_SPAN);

    fake_chain_advance(fake, 3);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.liquidations, 1);
    CU_ASSERT_EQUAL(rep.loans_liquidated, 1);
    loan = stored_loan(&p, "liq-1");
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_LIQUIDATED);
    CU_ASSERT_EQUAL(loan.remaining, 0);
    CU_ASSERT_EQUAL(loan.repaid, USDC(1000));
    lg_repayment last;
    CU_ASSERT_EQUAL(repayments(&loan, &last), 1);
    CU_ASSERT_EQUAL(last.kind, LG_REPAY_KIND_LIQUIDATION);
    CU_ASSERT_STRING_EQUAL(last.repay_tx, LIQ_TX);
    CU_ASSERT_EQUAL(outbox(&p, "loan.liquidated"), 1);
    CU_ASSERT_EQUAL(partner_now(&p).outstanding, 0);
    CU_ASSERT_EQUAL(position_debt(WALLET, OAID), -1); /* the cached position is closed */

    /* Read once: the cursor moved past it. */
    size_t asks = fake_chain_log_asks(fake);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.liquidations, 0);
    CU_ASSERT_EQUAL(fake_chain_log_asks(fake), asks);
    CU_ASSERT_EQUAL(outbox(&p, "loan.liquidated"), 1);
    /* Nothing is left to repay. */
    lg_outcome o = repay(&p, "liq-1", USDC(1), NULL, &loan, NULL);
    CU_ASSERT_EQUAL(lg_http_status(&o), 400);
}

/* A node that fails the log read holds the cursor: the next pass reads the range again. */
static void test_reconcile_liquidation_node_down(void)
{
    fresh();
    lg_partner p = partner("p_liqdown", USDC(10000), USDC(10000), 100);
    active_loan(&p, "liqd-1", USDC(500));
    reconcile();
    fake_chain_liquidate(fake, POSITION, USDC(500), LIQ_TX);
    fake_chain_fail_reads(fake, LG_ERR_RPC, "node down");
    lg_reconcile_report rep;
    CU_ASSERT_NOT_EQUAL(lg_service_reconcile(svc, &rep), LG_OK);
    CU_ASSERT_EQUAL(rep.liquidations, 0);
    fake_chain_fail_reads(fake, LG_OK, NULL);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.liquidations, 1);
    CU_ASSERT_EQUAL(stored_loan(&p, "liqd-1").status, LG_LOAN_LIQUIDATED);
}

/* ACTIVE loans past [admin] default_after_days (90) become DEFAULTED, once; a
 * repayment still recovers the debt. */
static void test_reconcile_defaults(void)
{
    const int64_t day = 86400000LL;
    fresh();
    int64_t t = lg_time_now_ms();
    lg_time_set_fixed(t);
    lg_partner p = partner("p_def", USDC(10000), USDC(10000), 100);
    active_loan(&p, "def-1", USDC(1000));
    lg_time_set_fixed(t + 89 * day);
    active_loan(&p, "def-2", USDC(1000));
    lg_time_set_fixed(t + 90 * day + 1);
    lg_reconcile_report rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_defaulted, 1);
    lg_loan loan = stored_loan(&p, "def-1");
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_DEFAULTED);
    CU_ASSERT_STRING_EQUAL(loan.failure_reason, "no repayment within 90 days");
    CU_ASSERT_EQUAL(stored_loan(&p, "def-2").status, LG_LOAN_ACTIVE);
    CU_ASSERT_EQUAL(outbox(&p, "loan.defaulted"), 1);
    rep = reconcile();
    CU_ASSERT_EQUAL(rep.loans_defaulted, 0);
    CU_ASSERT_EQUAL(outbox(&p, "loan.defaulted"), 1);

    fake_chain_set_allowance(fake, platform, chain->vault, 0, 1);
    deposit(&p, PROOF1, USDC(1000));
    CU_ASSERT_EQUAL(status_of(repay(&p, "def-1", USDC(400), NULL, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_DEFAULTED);
    CU_ASSERT_EQUAL(status_of(repay(&p, "def-1", USDC(600), NULL, &loan, NULL)), 200);
    CU_ASSERT_EQUAL(loan.status, LG_LOAN_REPAID);
    lg_time_set_fixed(-1);
}

int main(void)
{
    lg_log_init("test_pipelines", LG_LOG_ERROR);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case borrow_tests[] = {
        {"open with an injected chain", test_open_with_chain_arguments},
        {"non-owned OAID is 403", test_borrow_not_owner},
        {"public reads served per block", test_public_reads_per_block},
        {"unknown OAID is 404", test_borrow_unknown_oaid},
        {"inactive credit line is 400", test_borrow_inactive_line},
        {"insufficient credit names what is available", test_borrow_insufficient_credit},
        {"no or inactive position is 400", test_borrow_no_position},
        {"node down at the checks is 502/504", test_borrow_node_down_at_checks},
        {"daily and total limits name what is left", test_borrow_limits},
        {"201: fee, net, one borrow and one payout sent", test_borrow_ok},
        {"same request again: the stored loan, no send", test_borrow_replay},
        {"same partnerLoanId, other body: 409", test_borrow_conflict},
        {"borrow reverted: FAILED, limits released", test_borrow_reverted},
        {"estimate reverts: FAILED, no nonce taken", test_borrow_estimate_reverts},
        {"node error at send: 502, FAILED", test_borrow_node_error},
        {"wallet cannot pay gas: 503, nothing signed", test_borrow_no_gas},
        {"receipt timeout: 202 PENDING, lease released", test_borrow_receipt_timeout},
        {"payout reverted: SETTLING, reconcile pays", test_borrow_payout_reverted},
        {"crash before broadcast: one borrow, one payout", test_borrow_crash_before_broadcast},
        {"crash after broadcast: one payout", test_borrow_crash_after_broadcast},
        {NULL, NULL},
    };
    static const lg_test_case repay_tests[] = {
        {"unknown loan is 404", test_repay_not_found},
        {"overpayment is 400", test_repay_overpay},
        {"no balance: 400, nothing sent", test_repay_no_balance},
        {"proof, allowance enough: no approve", test_repay_proof_allowance_enough},
        {"allowance short: approve first, once", test_repay_approve_when_short},
        {"already repaid is 400", test_repay_already_repaid},
        {"Idempotency-Key: a repeat draws once, another body is 409", test_repay_idempotency_key},
        {"repayLoan reverted: FAILED, draw given back", test_repay_reverted},
        {"wallet cannot pay gas: 503, draw given back", test_repay_no_gas},
        {"wallet short of USDC: 503, nothing sent", test_repay_no_usdc},
        {"timeout: 202, lease released, reconcile applies", test_repay_timeout},
        {"proof from another sender, failed, unknown: 400", test_repay_proof_refused},
        {"proof used twice: 400", test_repay_proof_reused},
        {NULL, NULL},
    };
    static const lg_test_case reconcile_tests[] = {
        {"lost borrow re-broadcast as the same bytes", test_reconcile_rebroadcast},
        {"lost payout re-broadcast, loan confirmed", test_reconcile_settling_payout_lost},
        {"nonce gap filled by a self-transfer", test_reconcile_gap_fill},
        {"stuck tx replaced with raised fees, up to the cap", test_reconcile_replaces_stuck},
        {"confirmation depth before a loan counts", test_reconcile_confirmations},
        {"one reconcile at a time across hosts", test_reconcile_single_runner},
#ifdef LG_TEST_HOOKS
        {"audit rows spooled when the store refuses them, stored once", test_audit_spool},
#endif
        {"borrow never sent: FAILED once the lease is gone", test_reconcile_never_sent},
        {"approve mined: reconcile sends repayLoan", test_reconcile_pending_approve},
        {"liquidation logs end the position's loans once", test_reconcile_liquidation},
        {"a failed log read is read again", test_reconcile_liquidation_node_down},
        {"overdue loans defaulted once, still repayable", test_reconcile_defaults},
        {NULL, NULL},
    };
#ifndef LG_TEST_HOOKS
    fprintf(stderr, "SKIPPED: audit spool: this build cannot make the store refuse writes "
                    "(configure --enable-test-hooks)\n");
#endif
    lg_test_add_suite("borrow", suite_init, suite_clean, borrow_tests);
    lg_test_add_suite("repay", suite_init, suite_clean, repay_tests);
    lg_test_add_suite("reconcile", suite_init, suite_clean, reconcile_tests);
    return lg_test_run("test_pipelines");
}
