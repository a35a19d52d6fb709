/*
 * copy_fixture.c - a store with a row in every table (copy_fixture.h), written only
 * through store.h's operations, as the service would have written it.
 */
#include "config.h"

#include "copy_fixture.h"
#include "store_fixture.h"

#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WALLET_A "0x00000000000000000000000000000000000000a1"
#define WALLET_B "0x00000000000000000000000000000000000000b2"
#define WALLET_C "0x00000000000000000000000000000000000000c3"
#define PLATFORM "0x00000000000000000000000000000000000000f0"

/* Runs one operation; on failure names it and returns its error. */
#define STEP(what, expr)                                                                           \
    do {                                                                                           \
        lg_err step_rc_ = (expr);                                                                  \
        if (step_rc_ != LG_OK) {                                                                   \
            *step = (what);                                                                        \
            return step_rc_;                                                                       \
        }                                                                                          \
    } while (0)

static unsigned long long seq;

static void new_hash(char *buf)
{
    snprintf(buf, LG_HASH_LEN, "0x%064llx", ++seq);
}

static void partner_init(lg_partner *p, const char *id, const char *prefix)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->name, sizeof p->name, "%s lending", prefix);
    snprintf(p->key_prefix, sizeof p->key_prefix, "%s", prefix);
    p->status = LG_PARTNER_ACTIVE;
    p->tier = LG_TIER_PREMIUM;
    p->daily_limit = 100000000000ULL;
    p->total_limit = 500000000000ULL;
    p->fee_bps = 150;
    snprintf(p->settlement_address, sizeof p->settlement_address, "0x%040llx", ++seq);
    snprintf(p->webhook_url, sizeof p->webhook_url, "https://%s.example/hooks", prefix);
    snprintf(p->webhook_secret, sizeof p->webhook_secret, "whsec_%s_0123456789", prefix);
    snprintf(p->signing_secret, sizeof p->signing_secret, "sig_%s_0123456789", prefix);
    snprintf(p->contact_email, sizeof p->contact_email, "ops@%s.example", prefix);
    snprintf(p->created_by, sizeof p->created_by, "admin");
}

static lg_err position_add(lg_store *st, const char *wallet, const char *oaid)
{
    lg_position pos;
    memset(&pos, 0, sizeof pos);
    snprintf(pos.wallet, sizeof pos.wallet, "%s", wallet);
    snprintf(pos.oaid, sizeof pos.oaid, "%s", oaid);
    snprintf(pos.position_id, sizeof pos.position_id, "%s", oaid);
    snprintf(pos.collateral_token, sizeof pos.collateral_token, "0x%040d", 44);
    snprintf(pos.collateral_amount, sizeof pos.collateral_amount, "5000000000000000000");
    snprintf(pos.collateral_value, sizeof pos.collateral_value, "250000000000");
    snprintf(pos.usdc_borrowed, sizeof pos.usdc_borrowed, "%s", oaid);
    /* uint256's largest value: the census sums text amounts past 64 bits. */
    snprintf(pos.health_factor, sizeof pos.health_factor,
             "115792089237316195423570985008687907853269984665640564039457584007913129639935");
    pos.token_type = 1;
    pos.active = 1;
    return lg_store_position_upsert(st, &pos);
}

static lg_err reserve(lg_store *st, const char *partner_id, const char *plid, uint64_t amount,
                      const char *wallet, const char *oaid, lg_loan *l)
{
    memset(l, 0, sizeof *l);
    snprintf(l->partner_id, sizeof l->partner_id, "%s", partner_id);
    snprintf(l->partner_loan_id, sizeof l->partner_loan_id, "%s", plid);
    snprintf(l->user_wallet, sizeof l->user_wallet, "%s", wallet);
    snprintf(l->oaid, sizeof l->oaid, "%s", oaid);
    snprintf(l->position_id, sizeof l->position_id, "%s", oaid);
    snprintf(l->metadata, sizeof l->metadata, "{\"ref\":\"%s\"}", plid);
    snprintf(l->remaining_credit, sizeof l->remaining_credit, "123456789");
    l->amount = amount;
    l->fee = amount * 150 / 10000;
    l->net = amount - l->fee;
    snprintf(l->request_hash, sizeof l->request_hash, "%064llx", ++seq);
    return lg_store_loan_reserve(st, l, NULL, NULL);
}

/* A loan reserved, borrowed and confirmed: ACTIVE on its position. */
static lg_err borrow(lg_store *st, const char *partner_id, const char *plid, uint64_t amount,
                     const char *wallet, const char *oaid, lg_loan *l)
{
    char borrow_tx[LG_HASH_LEN], transfer_tx[LG_HASH_LEN];
    lg_err rc = reserve(st, partner_id, plid, amount, wallet, oaid, l);
    new_hash(borrow_tx);
    new_hash(transfer_tx);
    if (rc == LG_OK)
        rc = lg_store_loan_mark_borrowed(st, l->id, borrow_tx);
    if (rc == LG_OK)
        rc = lg_store_loan_confirm(st, l->id, borrow_tx, transfer_tx);
    return rc;
}

static lg_err deposit(lg_store *st, const char *partner_id, uint64_t amount)
{
    lg_deposit d;
    memset(&d, 0, sizeof d);
    new_hash(d.tx_hash);
    snprintf(d.partner_id, sizeof d.partner_id, "%s", partner_id);
    d.amount = amount;
    return lg_store_deposit_credit(st, &d, NULL, NULL);
}

static lg_err tx_add(lg_store *st, const char *loan_id, uint64_t nonce, lg_tx_state state)
{
    lg_chain_tx tx;
    memset(&tx, 0, sizeof tx);
    snprintf(tx.loan_id, sizeof tx.loan_id, "%s", loan_id);
    tx.purpose = LG_TXP_BORROW;
    tx.chain_id = 5000;
    snprintf(tx.from, sizeof tx.from, PLATFORM);
    tx.nonce = nonce;
    new_hash(tx.hash);
    snprintf(tx.raw, sizeof tx.raw, "0x02f8%060llx", seq);
    lg_err rc = lg_store_tx_record(st, &tx, NULL);
    if (rc == LG_OK && state != LG_TXS_SIGNED)
        rc = lg_store_tx_set_state(st, tx.hash, state);
    return rc;
}

static lg_err audit_fill(void *ctx, const lg_partner *before, const lg_partner *after,
                         lg_admin_audit *row)
{
    (void)ctx;
    snprintf(row->admin, sizeof row->admin, "alice");
    snprintf(row->action, sizeof row->action, "partner.update");
    snprintf(row->target, sizeof row->target, "%s", after ? after->id : "");
    snprintf(row->before_json, sizeof row->before_json, "{\"tier\":%d}", before ? before->tier : 0);
    snprintf(row->after_json, sizeof row->after_json, "{\"tier\":%d}", after ? after->tier : 0);
    snprintf(row->request_id, sizeof row->request_id, "req-admin-1");
    snprintf(row->client_ip, sizeof row->client_ip, "127.0.0.1");
    return LG_OK;
}

static void log_init(lg_api_log *r, const char *partner_id, const char *request_id)
{
    memset(r, 0, sizeof *r);
    snprintf(r->partner_id, sizeof r->partner_id, "%s", partner_id);
    snprintf(r->request_id, sizeof r->request_id, "%s", request_id);
    snprintf(r->route, sizeof r->route, "/partners/loans/borrow");
    snprintf(r->method, sizeof r->method, "POST");
    snprintf(r->client_ip, sizeof r->client_ip, "10.0.0.7");
    snprintf(r->user_agent, sizeof r->user_agent, "copy-test/1");
    snprintf(r->payload, sizeof r->payload, "{\"amount\":\"1\"}");
    r->status_code = 201;
    r->duration_ms = 12;
    r->success = 1;
    snprintf(r->wallet, sizeof r->wallet, WALLET_A);
    snprintf(r->oaid, sizeof r->oaid, "11");
    snprintf(r->loan_id, sizeof r->loan_id, "loan-a1");
}

/* Partners, their keys, the sandbox twin and an audited change. */
static lg_err fill_partners(lg_store *st, const char **step)
{
    lg_partner a, b, twin;
    partner_init(&a, LG_TEST_COPY_PARTNER_A, "cpa");
    partner_init(&b, LG_TEST_COPY_PARTNER_B, "cpb");
    STEP("onboard a", lg_test_partner_add(st, &a, NULL));
    STEP("onboard b", lg_test_partner_add(st, &b, NULL));
    STEP("sandbox twin", lg_store_partner_sandbox(st, a.id, 1, &twin));
    lg_api_key k;
    memset(&k, 0, sizeof k);
    snprintf(k.partner_id, sizeof k.partner_id, "%s", twin.id);
    snprintf(k.key_hash, sizeof k.key_hash, "%064llx", 0xabcdefULL + ++seq);
    snprintf(k.prefix, sizeof k.prefix, "pk_cpa_sandbox");
    snprintf(k.env, sizeof k.env, "sandbox");
    STEP("twin key", lg_store_key_rotate(st, &k, lg_time_now_ms() + 3600000, NULL, NULL));
    snprintf(k.partner_id, sizeof k.partner_id, "%s", a.id);
    snprintf(k.key_hash, sizeof k.key_hash, "%064llx", 0xfedcbaULL + ++seq);
    snprintf(k.prefix, sizeof k.prefix, "pk_cpa_live_2");
    snprintf(k.env, sizeof k.env, "live");
    STEP("rotate a", lg_store_key_rotate(st, &k, lg_time_now_ms() + 86400000, NULL, NULL));
    lg_audit_hook hook = {audit_fill, NULL};
    b.tier = LG_TIER_ENTERPRISE;
    STEP("audited update", lg_store_partner_update_audited(st, &b, LG_PF_TIER, &hook, NULL, NULL));
    return LG_OK;
}

/* Loans in every state, with their positions, repayments, deposits and transactions. */
static lg_err fill_loans(lg_store *st, const char **step)
{
    const char *a = LG_TEST_COPY_PARTNER_A, *b = LG_TEST_COPY_PARTNER_B;
    lg_loan l1, l2, l3, l4, l5, l6, l7;
    lg_repayment r;
    char hash[LG_HASH_LEN];
    STEP("position a", position_add(st, WALLET_A, "11"));
    STEP("position b", position_add(st, WALLET_B, "22"));
    STEP("position c", position_add(st, WALLET_C, "33"));
    STEP("deposit a", deposit(st, a, 900000000));
    STEP("deposit b", deposit(st, b, 50000000));
    STEP("active", borrow(st, a, "loan-a1", 250000000, WALLET_A, "11", &l1));
    STEP("repaid", borrow(st, a, "loan-a2", 100000000, WALLET_A, "11", &l2));
    STEP("repay begin", lg_store_repay_begin(st, a, "loan-a2", 100000000, NULL, "idem-1", &r));
    new_hash(hash);
    STEP("repay apply", lg_store_repay_apply(st, r.id, hash, NULL));
    STEP("partial begin", lg_store_repay_begin(st, a, "loan-a1", 50000000, NULL, NULL, &r));
    new_hash(hash);
    STEP("partial apply", lg_store_repay_apply(st, r.id, hash, NULL));
    STEP("fail begin", lg_store_repay_begin(st, a, "loan-a1", 7000000, NULL, NULL, &r));
    STEP("repay fail", lg_store_repay_fail(st, r.id, "reverted"));
    STEP("pending repay", lg_store_repay_begin(st, a, "loan-a1", 3000000, NULL, NULL, &r));
    STEP("failed", reserve(st, b, "loan-b1", 40000000, WALLET_A, "11", &l3));
    STEP("fail", lg_store_loan_fail(st, l3.id, "transfer reverted"));
    STEP("pending", reserve(st, b, "loan-b2", 30000000, WALLET_A, "11", &l4));
    STEP("release", lg_store_loan_release(st, l4.id));
    STEP("defaulted", borrow(st, b, "loan-b3", 20000000, WALLET_C, "33", &l5));
    STEP("default", lg_store_loan_default(st, l5.id, "overdue", NULL, NULL));
    STEP("liquidated", borrow(st, b, "loan-b4", 60000000, WALLET_B, "22", &l6));
    new_hash(hash);
    STEP("liquidate", lg_store_position_liquidate(st, WALLET_B, "22", NULL, hash, NULL));
    STEP("tx mined", tx_add(st, l1.id, 7, LG_TXS_MINED));
    STEP("tx signed", tx_add(st, l4.id, 8, LG_TXS_SIGNED));
    /* The sandbox chain's side: its position, a twin's loan and its transaction. */
    lg_store_set_sandbox(st, 1);
    char twin[LG_ID_LEN];
    snprintf(twin, sizeof twin, "%s" LG_SANDBOX_SUFFIX, a);
    lg_err rc = position_add(st, WALLET_A, "11");
    if (rc == LG_OK)
        rc = borrow(st, twin, "loan-s1", 5000000, WALLET_A, "11", &l7);
    if (rc == LG_OK)
        rc = tx_add(st, l7.id, 1, LG_TXS_MINED);
    lg_store_set_sandbox(st, 0);
    STEP("sandbox", rc);
    return LG_OK;
}

/* Nonces, webhook deliveries, logs, the journal, a lease and a cursor. */
static lg_err fill_rest(lg_store *st, const char **step)
{
    uint64_t nonce = 0;
    STEP("nonce init", lg_store_nonce_init(st, 5000, PLATFORM, 9, NULL));
    STEP("nonce allocate", lg_store_nonce_allocate(st, 5000, PLATFORM, &nonce));
    STEP("nonce init 2", lg_store_nonce_init(st, 5003, PLATFORM, 2, NULL));
    lg_event *ev = NULL;
    size_t n = 0;
    STEP("claim", lg_store_event_claim(st, "dispatcher-1", 60000, 10, &ev, &n));
    lg_err rc = LG_OK;
    for (size_t i = 0; rc == LG_OK && i < n; i++) {
        lg_event_attempt at;
        memset(&at, 0, sizeof at);
        snprintf(at.event_id, sizeof at.event_id, "%s", ev[i].event_id);
        snprintf(at.partner_id, sizeof at.partner_id, "%s", ev[i].partner_id);
        snprintf(at.url, sizeof at.url, "https://hooks.example/%zu", i);
        at.started_at_ms = lg_time_now_ms();
        at.status_code = i % 2 ? 500 : 200;
        at.latency_ms = 42;
        at.outcome = i % 2 ? LG_ATTEMPT_RETRY : LG_ATTEMPT_DELIVERED;
        snprintf(at.response_head, sizeof at.response_head, "ok");
        snprintf(at.dispatcher, sizeof at.dispatcher, "dispatcher-1");
        rc = lg_store_event_finish(st, &at, lg_time_now_ms() + 60000, NULL);
    }
    free(ev);
    STEP("finish", rc);
    lg_api_log logs[2];
    log_init(&logs[0], LG_TEST_COPY_PARTNER_A, "req-1");
    STEP("api log", lg_store_api_log_append(st, &logs[0]));
    log_init(&logs[0], LG_TEST_COPY_PARTNER_B, "req-2");
    log_init(&logs[1], LG_TEST_COPY_PARTNER_B, "req-3");
    logs[0].created_at_ms = logs[1].created_at_ms = lg_time_now_ms();
    snprintf(logs[0].spool_id, sizeof logs[0].spool_id, "host-a:1");
    snprintf(logs[1].spool_id, sizeof logs[1].spool_id, "host-a:2");
    STEP("ingest", lg_store_audit_ingest(st, "host-a.journal", 0, 4096, logs, 2));
    char holder[LG_OWNER_LEN];
    int64_t until = 0;
    STEP("lease", lg_store_job_lease_take(st, "reconcile", "host-a:123:456",
                                          lg_time_now_ms() + 30000, NULL, holder, &until));
    STEP("cursor", lg_store_cursor_set(st, "liquidations", 123456));
    return LG_OK;
}

/* The cluster guards, through their store operations. */
static lg_err fill_guards(lg_store *st, const char **step)
{
    const int64_t t = LG_TEST_COPY_GUARD_MS, w = LG_TEST_COPY_RATE_WINDOW_MS;
    lg_store_rate r;
    for (int i = 0; i < 3; i++)
        STEP("rate take", lg_store_rate_take(st, LG_TEST_COPY_RATE_KEY, w, 100, t - w + i, &r));
    for (int i = 0; i < 2; i++)
        STEP("rate take 2", lg_store_rate_take(st, LG_TEST_COPY_RATE_KEY, w, 100, t + i, &r));
    STEP("rate take 3", lg_store_rate_take(st, "ip:192.0.2.7", w, 100, t, &r));
    for (int i = 0; i < 3; i++) {
        unsigned char digest[LG_STORE_GUARD_DIGEST_LEN];
        memset(digest, i + 1, sizeof digest);
        STEP("replay claim", lg_store_replay_claim(st, digest, t, LG_TEST_COPY_REPLAY_WINDOW_MS));
    }
    return LG_OK;
}

lg_err lg_test_copy_fill(lg_store *st, const char **step)
{
    const char *scratch;
    if (!step)
        step = &scratch;
    *step = "";
    lg_store_set_limit_warn(st, 5000);
    lg_err rc = fill_partners(st, step);
    if (rc == LG_OK)
        rc = fill_loans(st, step);
    if (rc == LG_OK)
        rc = fill_rest(st, step);
    if (rc == LG_OK)
        rc = fill_guards(st, step);
    return rc;
}
