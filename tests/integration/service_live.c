/*
 * service_live.c - drives the service layer (borrow, repay, reconcile) against a live
 * devnet and a real SQLite store for tests/integration/service_devnet.sh. Each
 * subcommand checks one behaviour, prints "ok: ..." and "FAIL: ..." lines and exits 0
 * only when every check held.
 *
 *   service_live --config FILE fund
 *   service_live --config FILE borrow-ok | borrow-rejects | idempotency | repay | proof
 *   service_live --config FILE repay-race
 *   service_live --config FILE race PROCS
 *   service_live --config FILE crash-start | crash-check
 *   service_live --config FILE pending-start | pending-check
 *   service_live --config FILE gap-start | gap-check
 *   service_live --config FILE reconcile-lock
 *
 * Accounts come from the environment (the shell reads them from deployment.json):
 * LG_T_MAIN, LG_T_SMALL, LG_T_INACTIVE, LG_T_RACE, LG_T_NOPOS as "WALLET,OAID,POSITION"
 * and LG_T_SETTLE0..3 as settlement addresses. Partners are onboarded in the store
 * directly, as `lendgatectl` would; rows no store operation reads back (outbox
 * events, position debt) are read from the SQLite file.
 */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "../unit/sqlite_peek.h"
#include "../unit/store_fixture.h"

#include <lendgate/abi.h>
#include <lendgate/amount.h>
#include <lendgate/config.h>
#include <lendgate/contracts.h>
#include <lendgate/hex.h>
#include <lendgate/log.h>
#include <lendgate/rpc.h>
#include <lendgate/service.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/status.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USDC(x) ((uint64_t)(x)*LG_AMOUNT_ONE_USDC)

static int failures;

static void check(int cond, const char *fmt, ...) LG_PRINTF(2, 3);

static void check(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(cond ? "ok: " : "FAIL: ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    va_end(ap);
    if (!cond)
        failures++;
}

static const char *config_path;

typedef struct account {
    char wallet[LG_ADDR_LEN];
    char oaid[LG_U256_LEN];
    char position[LG_U256_LEN];
} account;

static account env_account(const char *name)
{
    account a;
    memset(&a, 0, sizeof a);
    const char *v = getenv(name);
    if (!v || sscanf(v, "%42[^,],%78[^,],%78s", a.wallet, a.oaid, a.position) != 3) {
        fprintf(stderr, "service_live: %s is not WALLET,OAID,POSITION\n", name);
        exit(2);
    }
    return a;
}

static const char *env_settle(int i)
{
    char name[32];
    snprintf(name, sizeof name, "LG_T_SETTLE%d", i);
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "service_live: %s is not set\n", name);
        exit(2);
    }
    return v;
}

/* Opens the service from the config file; budget_ms/call_ms (0 = as configured)
 * override [http] request_budget_ms and [chain] request_timeout_ms. */
static lg_service *open_svc(lg_config **cfg, uint64_t budget_ms, uint64_t call_ms)
{
    char err[512] = "", num[32];
    lg_service *svc = NULL;
    if (lg_config_load(config_path, cfg, err, sizeof err) != LG_OK) {
        fprintf(stderr, "service_live: config: %s\n", err);
        exit(2);
    }
    if (budget_ms) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)budget_ms);
        lg_config_set(*cfg, "http", "request_budget_ms", num, err, sizeof err);
    }
    if (call_ms) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)call_ms);
        lg_config_set(*cfg, "chain", "request_timeout_ms", num, err, sizeof err);
    }
    if (lg_service_open(&svc, *cfg, err, sizeof err) != LG_OK) {
        fprintf(stderr, "service_live: service: %s\n", err);
        exit(2);
    }
    return svc;
}

static void close_svc(lg_service *svc, lg_config *cfg)
{
    lg_service_close(svc);
    lg_config_free(cfg);
}

/* ------------------------------------------------------------ helpers */

static void make_partner(lg_service *svc, lg_partner *p, const char *id, uint64_t daily,
                         uint64_t total, uint32_t fee_bps, const char *settlement)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->name, sizeof p->name, "test %s", id);
    snprintf(p->key_prefix, sizeof p->key_prefix, "%s", id);
    p->status = LG_PARTNER_ACTIVE;
    p->tier = LG_TIER_BASIC;
    p->daily_limit = daily;
    p->total_limit = total;
    p->fee_bps = fee_bps;
    snprintf(p->settlement_address, sizeof p->settlement_address, "%s", settlement);
    snprintf(p->contact_email, sizeof p->contact_email, "ops@%s.example", id);
    lg_err rc = lg_test_partner_add(lg_service_store(svc), p, NULL);
    check(rc == LG_OK, "partner %s created (%s)", id, lg_strerror(rc));
    lg_store_partner_get(lg_service_store(svc), id, p);
}

static void borrow_req(lg_borrow_request *r, const char *loan_id, const account *a, uint64_t amount)
{
    char canon[512];
    memset(r, 0, sizeof *r);
    snprintf(r->partner_loan_id, sizeof r->partner_loan_id, "%s", loan_id);
    snprintf(r->user_wallet, sizeof r->user_wallet, "%s", a->wallet);
    snprintf(r->oaid, sizeof r->oaid, "%s", a->oaid);
    r->amount = amount;
    snprintf(canon, sizeof canon, "%s|%s|%s|%llu", loan_id, a->wallet, a->oaid,
             (unsigned long long)amount);
    lg_sha256_hex(r->request_hash, sizeof r->request_hash, canon, strlen(canon));
}

static lg_outcome borrow(lg_service *svc, const lg_partner *p, const char *loan_id,
                         const account *a, uint64_t amount, lg_loan *loan)
{
    lg_borrow_request r;
    lg_outcome out;
    borrow_req(&r, loan_id, a, amount);
    lg_service_borrow(svc, p, &r, loan, &out);
    printf("  borrow %s %llu -> %d %s\n", loan_id, (unsigned long long)amount, lg_http_status(&out),
           out.message);
    return out;
}

static lg_outcome repay(lg_service *svc, const lg_partner *p, const char *loan_id, uint64_t amount,
                        const char *proof, lg_loan *loan)
{
    lg_repay_request r;
    lg_repayment rp;
    lg_outcome out;
    memset(&r, 0, sizeof r);
    snprintf(r.partner_loan_id, sizeof r.partner_loan_id, "%s", loan_id);
    r.amount = amount;
    snprintf(r.proof_tx, sizeof r.proof_tx, "%s", proof ? proof : "");
    lg_service_repay(svc, p, &r, loan, &rp, &out);
    printf("  repay %s %llu -> %d %s\n", loan_id, (unsigned long long)amount, lg_http_status(&out),
           out.message);
    return out;
}

static uint64_t usdc_balance(lg_service *svc, const char *holder)
{
    uint8_t a[LG_ADDRESS_LEN];
    lg_u256 v;
    uint64_t x = 0;
    if (lg_address_parse(a, holder) != LG_OK ||
        lg_usdc_balance_of(lg_service_contracts(svc), &v, a) != LG_OK ||
        lg_u256_to_u64(&x, &v) != LG_OK)
        check(0, "USDC balance of %s readable", holder);
    return x;
}

static char *rpc_raw(lg_service *svc, const char *method, const char *params)
{
    char *res = NULL;
    lg_err rc = lg_rpc_call_raw(lg_service_rpc(svc), method, params, 0, &res);
    if (rc != LG_OK)
        check(0, "%s %s: %s", method, params,
              lg_rpc_error_text(lg_rpc_last_error(lg_service_rpc(svc))));
    return res;
}

static void rpc_do(lg_service *svc, const char *method, const char *params)
{
    free(rpc_raw(svc, method, params));
}

static uint64_t block_number(lg_service *svc)
{
    uint64_t n = 0;
    lg_rpc_block_number(lg_service_rpc(svc), &n);
    return n;
}

/* USDC.transfer(to, amount) sent by an account the node holds unlocked (the seeded
 * settlement wallets), mined before it returns. hash receives the transaction hash. */
static void send_usdc_from(lg_service *svc, const char *from, const char *to, uint64_t amount,
                           char hash[LG_HASH_LEN])
{
    uint8_t data[LG_CALLDATA_MAX], t[LG_ADDRESS_LEN];
    size_t len = 0;
    lg_u256 v;
    char hex[2 * LG_CALLDATA_MAX + 3], usdc[LG_ADDR_LEN], params[512];
    lg_address_parse(t, to);
    lg_u256_from_u64(&v, amount);
    lg_usdc_transfer_calldata(data, &len, t, &v);
    lg_hex_encode(hex, sizeof hex, data, len, LG_HEX_0X);
    lg_address_format(usdc, sizeof usdc, lg_service_contracts(svc)->usdc);
    snprintf(params, sizeof params,
             "[{\"from\":\"%s\",\"to\":\"%s\",\"data\":\"%s\",\"gas\":\"0x30000\"}]", from, usdc,
             hex);
    char *res = rpc_raw(svc, "eth_sendTransaction", params);
    hash[0] = '\0';
    if (res && strlen(res) == 68)
        snprintf(hash, LG_HASH_LEN, "%.66s", res + 1);
    free(res);
    uint8_t h[LG_RPC_HASH_LEN];
    lg_receipt r;
    if (lg_hex_decode_fixed(h, sizeof h, hash, LG_HEX_0X) == LG_OK &&
        lg_rpc_wait_receipt(lg_service_rpc(svc), &r, h, 10000, 50) == LG_OK)
        lg_receipt_release(&r);
}

/* Logs of address with topic0 = event and topic1/topic2 (may be NULL) since block. */
static size_t count_logs(lg_service *svc, const uint8_t address[LG_ADDRESS_LEN], const char *event,
                         const uint8_t *t1, const uint8_t *t2, uint64_t from)
{
    uint8_t topic[32];
    lg_eth_log *logs = NULL;
    size_t n = 0;
    lg_abi_event_topic(topic, event);
    lg_rpc_log_filter f;
    memset(&f, 0, sizeof f);
    f.address = address;
    f.topics[0] = topic;
    f.topics[1] = t1;
    f.topics[2] = t2;
    f.from_block = from;
    f.to_block = LG_BLOCK_LATEST;
    if (lg_rpc_get_logs(lg_service_rpc(svc), &logs, &n, &f) != LG_OK)
        check(0, "eth_getLogs %s", event);
    lg_eth_logs_free(logs, n);
    return n;
}

static void word_of_address(uint8_t w[32], const char *addr)
{
    memset(w, 0, 32);
    lg_address_parse(w + 12, addr);
}

static void word_of_dec(uint8_t w[32], const char *dec)
{
    lg_u256 v;
    lg_u256_from_dec(&v, dec);
    memcpy(w, v.b, 32);
}

static const char *store_path(lg_service *svc)
{
    return lg_config_str(lg_service_config(svc), "store", "path");
}

/* Events of type for partner in the outbox; SIZE_MAX when it cannot be read. */
static size_t outbox_count(lg_service *svc, const char *partner, const char *type)
{
    int64_t n = 0;
    if (lg_test_sql_int(store_path(svc), &n,
                        "SELECT COUNT(*) FROM webhook_outbox "
                        "WHERE partner_id = ?1 AND event_type = ?2",
                        partner, type, (const char *)NULL) != 0)
        return SIZE_MAX;
    return (size_t)n;
}

static uint64_t position_debt(lg_service *svc, const account *a)
{
    int64_t debt = 0;
    int rc = lg_test_sql_int(store_path(svc), &debt,
                             "SELECT total_partner_debt FROM solvency_positions "
                             "WHERE wallet = ?1 AND oaid = ?2 AND active = 1",
                             a->wallet, a->oaid, (const char *)NULL);
    if (rc == 1) /* not cached before its first borrow */
        return 0;
    if (rc != 0)
        return UINT64_MAX;
    return (uint64_t)debt;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ cases */

/* The platform wallet repays from its own USDC: give it some from settlement #3. */
static int cmd_fund(lg_service *svc)
{
    char hash[LG_HASH_LEN], platform[LG_ADDR_LEN];
    lg_service_platform_address(svc, platform, sizeof platform);
    uint64_t before = usdc_balance(svc, platform);
    send_usdc_from(svc, env_settle(3), platform, USDC(100000), hash);
    check(usdc_balance(svc, platform) == before + USDC(100000),
          "platform funded with 100,000 USDC");
    return 0;
}

static int cmd_borrow_ok(lg_service *svc)
{
    account a = env_account("LG_T_MAIN");
    const char *settle = env_settle(0);
    lg_partner p;
    lg_loan loan;
    make_partner(svc, &p, "partner_ok_001", USDC(100000), USDC(100000), 250, settle);
    uint64_t bal0 = usdc_balance(svc, settle), debt0 = position_debt(svc, &a);
    lg_outcome o = borrow(svc, &p, "ok-1", &a, USDC(1000), &loan);
    check(lg_http_status(&o) == 201, "borrow answers 201 (got %d %s)", lg_http_status(&o),
          o.message);
    check(loan.status == LG_LOAN_ACTIVE, "loan is ACTIVE");
    check(loan.fee == USDC(25) && loan.net == USDC(975), "fee is 2.5%% (%llu), net %llu",
          (unsigned long long)loan.fee, (unsigned long long)loan.net);
    check(strlen(loan.borrow_tx) == 66 && strlen(loan.transfer_tx) == 66, "both hashes kept");
    check(usdc_balance(svc, settle) - bal0 == USDC(975),
          "settlement USDC on chain rose by exactly the net");
    lg_ledger_entry *rows = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_ledger_filter f = {.partner_id = p.id, .limit = 10};
    lg_store_ledger_list(lg_service_store(svc), &f, &rows, &n, &total);
    int kinds = 0;
    for (size_t i = 0; i < n; i++)
        kinds |= 1 << rows[i].kind;
    free(rows);
    check(n == 3 && kinds == 7, "ledger has BORROW, FEE and PAYOUT rows (%zu)", n);
    lg_store_partner_get(lg_service_store(svc), p.id, &p);
    check(p.total_borrowed == USDC(1000) && p.total_fees == USDC(25) && p.outstanding == USDC(1000),
          "partner totals borrowed %llu fees %llu outstanding %llu",
          (unsigned long long)p.total_borrowed, (unsigned long long)p.total_fees,
          (unsigned long long)p.outstanding);
    check(position_debt(svc, &a) - debt0 == USDC(1000), "position total_partner_debt grew");
    check(outbox_count(svc, p.id, "loan.borrowed") == 1, "outbox holds loan.borrowed");
    lg_chain_tx *txs = NULL;
    lg_store_tx_list(lg_service_store(svc), loan.id, NULL, &txs, &n);
    check(n == 2 && txs[0].purpose == LG_TXP_BORROW && txs[1].purpose == LG_TXP_TRANSFER &&
              txs[0].state == LG_TXS_MINED && txs[1].state == LG_TXS_MINED,
          "borrow and transfer persisted and mined (%zu)", n);
    free(txs);
    return 0;
}

static void expect(lg_outcome o, int status, const char *needle, const char *what)
{
    check(lg_http_status(&o) == status && strstr(o.message, needle) != NULL, "%s: %d \"%s\"", what,
          lg_http_status(&o), o.message);
}

static int cmd_borrow_rejects(lg_service *svc)
{
    account main_ = env_account("LG_T_MAIN"), small = env_account("LG_T_SMALL");
    account inactive = env_account("LG_T_INACTIVE"), nopos = env_account("LG_T_NOPOS");
    lg_partner p, q;
    lg_loan loan;
    make_partner(svc, &p, "partner_rej_001", USDC(500), USDC(5000), 100, env_settle(1));
    make_partner(svc, &q, "partner_rej_002", USDC(10000), USDC(300), 100, env_settle(1));
    account stolen = small;
    snprintf(stolen.oaid, sizeof stolen.oaid, "%s", main_.oaid);
    expect(borrow(svc, &p, "rej-owner", &stolen, USDC(10), &loan), 403,
           "User does not own this OAID", "non-owned OAID");
    expect(borrow(svc, &p, "rej-line", &inactive, USDC(10), &loan), 400,
           "OAID credit line is not active", "inactive credit line");
    expect(borrow(svc, &p, "rej-credit", &small, USDC(20000), &loan), 400,
           "Insufficient credit. Available: $10000.0",
           "over the credit line names the available amount");
    expect(borrow(svc, &p, "rej-pos", &nopos, USDC(10), &loan), 400, "position",
           "inactive position");
    expect(borrow(svc, &p, "rej-daily", &main_, USDC(600), &loan), 403,
           "Partner daily limit exceeded. Remaining: $500.0",
           "over the daily limit names what is left today");
    expect(borrow(svc, &q, "rej-total", &main_, USDC(400), &loan), 403,
           "Partner total limit exceeded. Remaining: $300.0",
           "over the total limit names what is left");
    expect(borrow(svc, &q, "tot-1", &main_, USDC(200), &loan), 201, "", "a borrow within it");
    expect(borrow(svc, &q, "rej-total2", &main_, USDC(200), &loan), 403,
           "Partner total limit exceeded. Remaining: $100.0",
           "then the total limit names the new headroom");
    const char *ids[] = {"rej-owner", "rej-line", "rej-credit", "rej-pos", "rej-daily"};
    int stored = 0;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        stored += lg_store_loan_get(lg_service_store(svc), p.id, ids[i], &loan) == LG_OK;
    stored += lg_store_loan_get(lg_service_store(svc), q.id, "rej-total2", &loan) == LG_OK;
    check(stored == 0, "no refused borrow left a loan (%d)", stored);
    lg_store_partner_get(lg_service_store(svc), p.id, &p);
    check(p.outstanding == 0, "refusals reserved nothing");
    return 0;
}

static int cmd_idempotency(lg_service *svc)
{
    account a = env_account("LG_T_MAIN");
    lg_partner p;
    lg_loan first, again;
    make_partner(svc, &p, "partner_dup_001", USDC(10000), USDC(10000), 100, env_settle(1));
    expect(borrow(svc, &p, "dup-1", &a, USDC(100), &first), 201, "", "first borrow");
    uint64_t n0 = 0, n1 = 0, b0 = block_number(svc);
    char platform[LG_ADDR_LEN];
    lg_service_platform_address(svc, platform, sizeof platform);
    lg_store_nonce_peek(lg_service_store(svc), 31337, platform, &n0);
    lg_outcome o = borrow(svc, &p, "dup-1", &a, USDC(100), &again);
    check(lg_http_status(&o) == 201 && strcmp(first.id, again.id) == 0 &&
              strcmp(first.transfer_tx, again.transfer_tx) == 0,
          "same body again: the same loan, 201");
    lg_store_nonce_peek(lg_service_store(svc), 31337, platform, &n1);
    check(n0 == n1 && block_number(svc) == b0, "no second chain transaction");
    expect(borrow(svc, &p, "dup-1", &a, USDC(101), &again), 409,
           "Partner loan ID already exists with a different request", "different body");
    return 0;
}

/* The partner's transfer of amount from its settlement address to the platform wallet,
 * credited to its repayment balance. Returns the balance after. */
static uint64_t deposit(lg_service *svc, const lg_partner *p, uint64_t amount, int want_status)
{
    char platform[LG_ADDR_LEN], tx[LG_HASH_LEN];
    lg_deposit d;
    uint64_t bal = 0;
    lg_outcome out;
    lg_service_platform_address(svc, platform, sizeof platform);
    send_usdc_from(svc, p->settlement_address, platform, amount, tx);
    lg_service_deposit(svc, p, tx, &d, &bal, &out);
    check(lg_http_status(&out) == want_status && (want_status != 201 || d.amount == amount),
          "deposit of %llu: %d %s", (unsigned long long)amount, lg_http_status(&out), out.message);
    return bal;
}

static int cmd_repay(lg_service *svc)
{
    account a = env_account("LG_T_MAIN");
    lg_partner p;
    lg_loan loan;
    char platform[LG_ADDR_LEN];
    make_partner(svc, &p, "partner_rep_001", USDC(10000), USDC(10000), 100, env_settle(1));
    expect(borrow(svc, &p, "rep-1", &a, USDC(1000), &loan), 201, "", "borrow to repay");
    uint64_t debt0 = position_debt(svc, &a);
    /* The platform wallet holds fees and other partners' money: none of it repays. */
    lg_service_platform_address(svc, platform, sizeof platform);
    uint64_t wallet0 = usdc_balance(svc, platform);
    expect(repay(svc, &p, "rep-1", USDC(400), NULL, &loan), 400, "Insufficient repayment balance",
           "no proof and no balance");
    check(usdc_balance(svc, platform) == wallet0 && position_debt(svc, &a) == debt0,
          "refused repayment moved no USDC and no debt");
    check(deposit(svc, &p, USDC(1000), 201) == USDC(1000), "deposit credited");
    expect(repay(svc, &p, "no-such-loan", USDC(1), NULL, &loan), 404, "Loan not found",
           "unknown loan");
    expect(repay(svc, &p, "rep-1", USDC(1001), NULL, &loan), 400,
           "Repayment exceeds remaining debt of $1000.0", "overpayment names the remaining debt");
    lg_outcome o = repay(svc, &p, "rep-1", USDC(400), NULL, &loan);
    check(lg_http_status(&o) == 200 && loan.status == LG_LOAN_ACTIVE &&
              loan.remaining == USDC(600) && loan.repaid == USDC(400),
          "partial repayment: ACTIVE, 600 remaining");
    check(debt0 - position_debt(svc, &a) == USDC(400), "position debt fell by the repayment");
    o = repay(svc, &p, "rep-1", USDC(600), NULL, &loan);
    check(lg_http_status(&o) == 200 && loan.status == LG_LOAN_REPAID && loan.remaining == 0,
          "full repayment: REPAID");
    check(debt0 - position_debt(svc, &a) == USDC(1000), "position debt back where it was");
    expect(repay(svc, &p, "rep-1", USDC(1), NULL, &loan), 400, "Loan already fully repaid",
           "already repaid");
    lg_repayment *rps = NULL;
    size_t n = 0;
    lg_store_repay_list(lg_service_store(svc), loan.id, &rps, &n);
    check(n == 2 && rps[0].status == LG_REPAY_APPLIED && rps[1].status == LG_REPAY_APPLIED &&
              strlen(rps[1].repay_tx) == 66,
          "two applied repayments in the history");
    free(rps);
    check(outbox_count(svc, p.id, "loan.repayment_received") == 2 &&
              outbox_count(svc, p.id, "loan.repaid") == 1,
          "outbox: two loan.repayment_received and one loan.repaid");
    lg_store_partner_get(lg_service_store(svc), p.id, &p);
    check(p.outstanding == 0 && p.total_repaid == USDC(1000), "partner totals repaid");
    check(p.deposited == USDC(1000) && p.balance_used == USDC(1000), "the deposit drawn in full");
    return 0;
}

static int cmd_proof(lg_service *svc)
{
    account a = env_account("LG_T_MAIN");
    const char *settle = env_settle(2), *other = env_settle(3);
    lg_partner p;
    lg_loan loan;
    char platform[LG_ADDR_LEN], good[LG_HASH_LEN], wrong[LG_HASH_LEN], small[LG_HASH_LEN],
        bad[LG_HASH_LEN];
    lg_service_platform_address(svc, platform, sizeof platform);
    make_partner(svc, &p, "partner_prf_001", USDC(10000), USDC(10000), 100, settle);
    expect(borrow(svc, &p, "prf-1", &a, USDC(500), &loan), 201, "", "borrow to repay");
    send_usdc_from(svc, settle, platform, USDC(200), good);
    send_usdc_from(svc, other, platform, USDC(100), wrong);
    send_usdc_from(svc, settle, platform, USDC(50), small);
    send_usdc_from(svc, settle, platform, USDC(100000000), bad); /* more than it holds */
    expect(repay(svc, &p, "prf-1", USDC(100), wrong, &loan), 400, "no USDC transfer",
           "proof from another sender");
    expect(repay(svc, &p, "prf-1", USDC(100), small, &loan), 400,
           "Insufficient repayment balance: $50.0 available", "proof too small");
    expect(repay(svc, &p, "prf-1", USDC(100), bad, &loan), 400, "failed on chain",
           "reverted proof");
    expect(repay(svc, &p, "prf-1", USDC(100),
                 "0x1111111111111111111111111111111111111111111111111111111111111111", &loan),
           400, "not found", "unknown proof");
    expect(repay(svc, &p, "prf-1", USDC(200), good, &loan), 200, "", "good proof");
    check(loan.remaining == USDC(300), "good proof applied (%llu left)",
          (unsigned long long)loan.remaining);
    expect(repay(svc, &p, "prf-1", USDC(100), good, &loan), 400, "repaymentTxHash: already used",
           "proof used again");
    return 0;
}

/* Two processes repay 600 each of a 1,000 loan at once: the store lets one through. */
static int cmd_repay_race(lg_service *svc)
{
    account a = env_account("LG_T_MAIN");
    lg_partner p;
    lg_loan loan;
    make_partner(svc, &p, "partner_rrace_001", USDC(10000), USDC(10000), 100, env_settle(1));
    expect(borrow(svc, &p, "rrace-1", &a, USDC(1000), &loan), 201, "", "borrow to repay twice");
    deposit(svc, &p, USDC(1200), 201);
    pid_t pids[2];
    int ok = 0, refused = 0;
    fflush(stdout);
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            lg_config *cfg = NULL;
            lg_service *child = open_svc(&cfg, 0, 0);
            lg_outcome o = repay(child, &p, "rrace-1", USDC(600), NULL, &loan);
            close_svc(child, cfg);
            fflush(stdout);
            _exit(lg_http_status(&o) == 200 ? 2 : lg_http_status(&o) == 400 ? 4 : 5);
        }
    }
    for (int i = 0; i < 2; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 2;
        refused += WIFEXITED(st) && WEXITSTATUS(st) == 4;
    }
    lg_store_loan_get(lg_service_store(svc), p.id, "rrace-1", &loan);
    check(ok == 1 && refused == 1 && loan.remaining == USDC(400) && loan.repay_pending == 0,
          "concurrent repayments never overdraw (%d ok, %d refused, %llu left)", ok, refused,
          (unsigned long long)loan.remaining);
    lg_store_partner_get(lg_service_store(svc), p.id, &p);
    check(p.deposited - p.balance_used == USDC(600), "the refused one drew nothing");
    return 0;
}

/* Child of the race: its own service, one borrow; the exit status carries the HTTP
 * status / 100 (2, 4, 5) so the parent can count. */
static int race_child(int i)
{
    lg_config *cfg = NULL;
    lg_service *svc = open_svc(&cfg, 0, 0);
    account a = env_account("LG_T_RACE");
    lg_partner p;
    lg_loan loan;
    char id[32];
    lg_store_partner_get(lg_service_store(svc), "partner_race_001", &p);
    snprintf(id, sizeof id, "race-%02d", i);
    lg_outcome o = borrow(svc, &p, id, &a, USDC(100), &loan);
    int code = lg_http_status(&o) == 201 ? 2 : lg_http_status(&o) == 403 ? 4 : 5;
    close_svc(svc, cfg);
    fflush(stdout); /* the caller leaves by _exit */
    return code;
}

static int cmd_race(lg_service *svc, int procs)
{
    account a = env_account("LG_T_RACE");
    lg_partner p;
    make_partner(svc, &p, "partner_race_001", USDC(100000), USDC(1000), 0, env_settle(1));
    pid_t pids[64];
    int ok = 0, refused = 0, other = 0;
    fflush(stdout);
    for (int i = 0; i < procs && i < 64; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(race_child(i));
    }
    for (int i = 0; i < procs && i < 64; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        ok += code == 2, refused += code == 4, other += code != 2 && code != 4;
    }
    check(ok == 10 && refused == procs - 10 && other == 0,
          "%d borrows of 100 against a total limit of 1,000: %d ok, %d refused, %d other", procs,
          ok, refused, other);
    lg_store_partner_get(lg_service_store(svc), p.id, &p);
    check(p.outstanding == USDC(1000) && p.total_borrowed == USDC(1000),
          "the store holds exactly the limit (%llu)", (unsigned long long)p.outstanding);
    lg_vault_position vp;
    lg_credit_line line;
    lg_u256 pid, oaid;
    uint64_t borrowed = 0, used = 0;
    lg_u256_from_dec(&pid, a.position);
    lg_u256_from_dec(&oaid, a.oaid);
    lg_vault_get_position(lg_service_contracts(svc), &vp, &pid);
    lg_oaid_credit_line(lg_service_contracts(svc), &line, &oaid);
    lg_u256_to_u64(&borrowed, &vp.usdc_borrowed);
    lg_u256_to_u64(&used, &line.used);
    check(borrowed == p.total_borrowed && used == p.total_borrowed,
          "on chain: vault usdcBorrowed %llu, OAID used %llu, equal to the store's",
          (unsigned long long)borrowed, (unsigned long long)used);
    check(position_debt(svc, &a) == USDC(1000), "position total_partner_debt is the store's");
    return 0;
}

/* A worker killed between broadcast and confirm: automine off, a child borrows, and
 * dies by SIGKILL once its borrowUSDC is persisted. */
static int cmd_crash_start(lg_service *svc)
{
    account a = env_account("LG_T_SMALL");
    lg_partner p;
    lg_loan loan;
    make_partner(svc, &p, "partner_crash_001", USDC(10000), USDC(10000), 100, env_settle(3));
    printf("from_block=%llu\n", (unsigned long long)block_number(svc) + 1);
    rpc_do(svc, "evm_setAutomine", "[false]");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        lg_config *cfg = NULL;
        lg_service *child = open_svc(&cfg, 60000, 0);
        borrow(child, &p, "crash-1", &a, USDC(100), &loan);
        close_svc(child, cfg);
        _exit(0);
    }
    size_t n = 0;
    for (int i = 0; i < 20000 && n == 0; i++) {
        lg_chain_tx *txs = NULL;
        if (lg_store_loan_get(lg_service_store(svc), p.id, "crash-1", &loan) == LG_OK)
            lg_store_tx_list(lg_service_store(svc), loan.id, NULL, &txs, &n);
        free(txs);
        if (n == 0)
            sleep_ms(1);
    }
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    check(n == 1 && WIFSIGNALED(st), "worker killed with its borrow persisted");
    lg_store_loan_get(lg_service_store(svc), p.id, "crash-1", &loan);
    check(loan.status == LG_LOAN_PENDING, "loan left PENDING");
    rpc_do(svc, "evm_setAutomine", "[true]");
    rpc_do(svc, "evm_mine", "[]");
    return 0;
}

static int cmd_crash_check(lg_service *svc, uint64_t from_block)
{
    account a = env_account("LG_T_SMALL");
    lg_loan loan;
    uint8_t pid[32], plat[32], to[32];
    char platform[LG_ADDR_LEN];
    lg_service_platform_address(svc, platform, sizeof platform);
    lg_store_loan_get(lg_service_store(svc), "partner_crash_001", "crash-1", &loan);
    check(loan.status == LG_LOAN_ACTIVE, "reconcile completed the loan (status %d)",
          (int)loan.status);
    word_of_dec(pid, a.position);
    word_of_address(plat, platform);
    word_of_address(to, env_settle(3));
    lg_contracts *c = lg_service_contracts(svc);
    size_t borrows =
        count_logs(svc, c->vault, "Borrowed(uint256,address,uint256)", pid, NULL, from_block);
    size_t payouts =
        count_logs(svc, c->usdc, "Transfer(address,address,uint256)", plat, to, from_block);
    check(borrows == 1 && payouts == 1, "exactly one borrow (%zu) and one transfer (%zu) on chain",
          borrows, payouts);
    return 0;
}

static int cmd_pending_start(lg_service *svc)
{
    account a = env_account("LG_T_MAIN");
    lg_partner p;
    lg_loan loan;
    make_partner(svc, &p, "partner_pend_001", USDC(10000), USDC(10000), 100, env_settle(1));
    lg_config *cfg = NULL;
    lg_service *slow = open_svc(&cfg, 1000, 0);
    rpc_do(svc, "evm_setAutomine", "[false]");
    lg_outcome o = borrow(slow, &p, "pend-1", &a, USDC(100), &loan);
    check(lg_http_status(&o) == 202 && loan.status == LG_LOAN_PENDING,
          "chain slower than the budget: 202 PENDING (%d, status %d)", lg_http_status(&o),
          (int)loan.status);
    close_svc(slow, cfg);
    /* The node loses the borrow: reconcile must broadcast the persisted bytes again. */
    lg_chain_tx *txs = NULL;
    size_t n = 0;
    char params[128];
    lg_store_tx_list(lg_service_store(svc), loan.id, NULL, &txs, &n);
    check(n == 1 && txs[0].state == LG_TXS_SIGNED, "the borrow is persisted, not mined");
    snprintf(params, sizeof params, "[\"%s\"]", n ? txs[0].hash : "");
    free(txs);
    char *dropped = rpc_raw(svc, "hardhat_dropTransaction", params);
    check(dropped && strcmp(dropped, "true") == 0, "the node dropped it from its pool");
    free(dropped);
    rpc_do(svc, "evm_setAutomine", "[true]");
    return 0;
}

static int cmd_pending_check(lg_service *svc)
{
    lg_loan loan;
    lg_store_loan_get(lg_service_store(svc), "partner_pend_001", "pend-1", &loan);
    check(loan.status == LG_LOAN_ACTIVE && strlen(loan.transfer_tx) == 66,
          "reconcile finished the pending loan (status %d)", (int)loan.status);
    check(outbox_count(svc, "partner_pend_001", "loan.borrowed") == 1, "loan.borrowed queued");
    return 0;
}

static int cmd_gap_start(lg_service *svc)
{
    char platform[LG_ADDR_LEN];
    uint64_t pending = 0, prev = 0;
    uint8_t addr[LG_ADDRESS_LEN];
    lg_service_platform_address(svc, platform, sizeof platform);
    lg_address_parse(addr, platform);
    lg_rpc_get_nonce(lg_service_rpc(svc), &pending, addr);
    lg_err rc = lg_store_nonce_resync(lg_service_store(svc), 31337, platform, pending + 1, &prev);
    check(rc == LG_OK && prev == pending, "store nonce set one ahead of the chain (%llu -> %llu)",
          (unsigned long long)prev, (unsigned long long)pending + 1);
    return 0;
}

static int cmd_gap_check(lg_service *svc)
{
    char platform[LG_ADDR_LEN];
    uint64_t pending = 0, next = 0;
    uint8_t addr[LG_ADDRESS_LEN];
    lg_service_platform_address(svc, platform, sizeof platform);
    lg_address_parse(addr, platform);
    lg_rpc_get_nonce(lg_service_rpc(svc), &pending, addr);
    lg_store_nonce_peek(lg_service_store(svc), 31337, platform, &next);
    check(pending == next, "chain and store agree on the next nonce (%llu, %llu)",
          (unsigned long long)pending, (unsigned long long)next);
    account a = env_account("LG_T_MAIN");
    lg_partner p;
    lg_loan loan;
    make_partner(svc, &p, "partner_gap_001", USDC(10000), USDC(10000), 100, env_settle(1));
    expect(borrow(svc, &p, "gap-1", &a, USDC(10), &loan), 201, "", "borrowing works after");
    return 0;
}

/* A second reconciler while one pass runs does nothing and says so. */
static int cmd_reconcile_lock(lg_service *svc)
{
    char path[1024];
    lg_reconcile_report rep;
    snprintf(path, sizeof path, "%s/reconcile.lock",
             lg_config_str(lg_service_config(svc), "store", "state_dir"));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    check(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0, "holding %s", path);
    check(lg_service_reconcile(svc, &rep) == LG_ERR_BUSY, "a second reconcile is refused");
    if (fd >= 0)
        close(fd);
    check(lg_service_reconcile(svc, &rep) == LG_OK, "and runs once the lock is free");
    return 0;
}

int main(int argc, char **argv)
{
    lg_log_init("service_live", LG_LOG_WARN);
    if (argc < 4 || strcmp(argv[1], "--config") != 0) {
        fprintf(stderr, "usage: service_live --config FILE COMMAND [ARGS]\n");
        return 2;
    }
    config_path = argv[2];
    const char *cmd = argv[3];
    lg_config *cfg = NULL;
    lg_service *svc = open_svc(&cfg, 0, 0);
    if (strcmp(cmd, "fund") == 0)
        cmd_fund(svc);
    else if (strcmp(cmd, "borrow-ok") == 0)
        cmd_borrow_ok(svc);
    else if (strcmp(cmd, "borrow-rejects") == 0)
        cmd_borrow_rejects(svc);
    else if (strcmp(cmd, "idempotency") == 0)
        cmd_idempotency(svc);
    else if (strcmp(cmd, "repay") == 0)
        cmd_repay(svc);
    else if (strcmp(cmd, "repay-race") == 0)
        cmd_repay_race(svc);
    else if (strcmp(cmd, "proof") == 0)
        cmd_proof(svc);
    else if (strcmp(cmd, "race") == 0 && argc > 4)
        cmd_race(svc, atoi(argv[4]));
    else if (strcmp(cmd, "crash-start") == 0)
        cmd_crash_start(svc);
    else if (strcmp(cmd, "crash-check") == 0 && argc > 4)
        cmd_crash_check(svc, strtoull(argv[4], NULL, 10));
    else if (strcmp(cmd, "pending-start") == 0)
        cmd_pending_start(svc);
    else if (strcmp(cmd, "pending-check") == 0)
        cmd_pending_check(svc);
    else if (strcmp(cmd, "reconcile-lock") == 0)
        cmd_reconcile_lock(svc);
    else if (strcmp(cmd, "gap-start") == 0)
        cmd_gap_start(svc);
    else if (strcmp(cmd, "gap-check") == 0)
        cmd_gap_check(svc);
    else {
        fprintf(stderr, "service_live: unknown command '%s'\n", cmd);
        close_svc(svc, cfg);
        return 2;
    }
    close_svc(svc, cfg);
    return failures ? 1 : 0;
}
