/*
 * test_store_mongo_map.c - the MongoDB backend's documents without a server: every
 * record (mongo_map.h) round-trips through BSON to the last byte, encodes to the
 * exact canonical extended JSON, and a stored document that does not fit its record
 * (wrong type, too long, negative, missing, out of range) is refused, never copied;
 * the filter and update documents of the operations are compared as text; and
 * libmongoc's errors and server replies map to the contract's codes
 * (mongo_error.h), with the retry decision for transient transaction errors.
 */
#include "config.h"

#include "harness.h"
#include "mongo_error.h"
#include "mongo_map.h"

#include <lendgate/log.h>
#include <lendgate/store.h>
#include <lendgate/store_mongo.h>

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* Compares doc's canonical extended JSON with want, printing both when they differ. */
static void expect_json(const bson_t *doc, const char *want)
{
    char *got = bson_as_canonical_extended_json(doc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  want %s\n  got  %s\n", want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    bson_free(got);
}

/* Parses canonical extended JSON into doc (initialized here; bson_destroy it). */
static void from_json(bson_t *doc, const char *json)
{
    bson_error_t err;
    bson_init(doc);
    bool ok = bson_init_from_json(doc, json, -1, &err);
    if (!ok)
        fprintf(stderr, "\n  bad test JSON: %s\n", err.message);
    CU_ASSERT_FATAL(ok);
}

/* Fills dst (cap bytes) with cap - 1 bytes of pattern, repeated: a field at its limit. */
static void fill(char *dst, size_t cap, const char *pattern)
{
    size_t plen = strlen(pattern);
    for (size_t i = 0; i + 1 < cap; i++)
        dst[i] = pattern[i % plen];
    dst[cap - 1] = '\0';
}
#define FILL(r, f, pattern) fill((r)->f, sizeof(r)->f, (pattern))
#define SET(r, f, text)     snprintf((r)->f, sizeof(r)->f, "%s", (text))

/* ------------------------------------------------------------ records */

static void make_partner(lg_partner *p)
{
    memset(p, 0, sizeof *p);
    SET(p, id, "partner_acme_001");
    FILL(p, name, "Acme Lending ");
    SET(p, key_prefix, "acme");
    p->status = LG_PARTNER_SUSPENDED;
    p->tier = LG_TIER_ENTERPRISE;
    p->daily_limit = (uint64_t)INT64_MAX;
    p->total_limit = 5000000000000ULL;
    p->fee_bps = 10000;
    SET(p, settlement_address, "0x1111111111111111111111111111111111111111");
    FILL(p, webhook_url, "https://hooks.example/");
    FILL(p, webhook_secret, "whsec");
    SET(p, contact_email, "ops@acme.example");
    p->rate_limit_rpm = UINT32_MAX;
    p->signing_required = 1;
    SET(p, signing_secret, "sig");
    SET(p, ip_allowlist, "10.0.0.0/8,192.0.2.1");
    SET(p, contact_wallet, "0x2222222222222222222222222222222222222222");
    p->kyc_verified = 1;
    SET(p, created_by, "admin@example");
    SET(p, webhook_secret_prev, "old");
    p->webhook_secret_prev_until_ms = 1767225600000;
    p->webhook_disabled_at_ms = 1;
    SET(p, webhook_disabled_reason, "410 Gone");
    p->outstanding = 7;
    p->total_borrowed = 8;
    p->total_repaid = 9;
    p->total_fees = 10;
    p->deposited = 11;
    p->balance_used = 12;
    p->created_at_ms = 1764892800000;
    p->updated_at_ms = 1764892800001;
}

static void make_loan(lg_loan *l)
{
    memset(l, 0, sizeof *l);
    SET(l, id, "0b6c2a9e-8d0e-4d71-9a57-1f0b7f3c2a11");
    SET(l, partner_id, "partner_acme_001");
    FILL(l, partner_loan_id, "loan-");
    SET(l, user_wallet, "0x3333333333333333333333333333333333333333");
    FILL(l, oaid, "9");
    SET(l, position_id, "42");
    l->amount = 1000000;
    l->fee = 5000;
    l->net = 995000;
    l->remaining = 1000000;
    l->repay_pending = 1;
    l->status = LG_LOAN_LIQUIDATED;
    FILL(l, request_hash, "ab");
    SET(l, day, "2026-12-05");
    FILL(l, borrow_tx, "0xab");
    FILL(l, failure_reason, "reason ");
    FILL(l, metadata, "{}");
    SET(l, remaining_credit, "123456789012345678901234567890");
    SET(l, owner, "host:1234:5678");
    l->lease_until_ms = 5;
    l->created_at_ms = 6;
    l->updated_at_ms = 7;
}

static void make_others(lg_api_key *k, lg_position *pos, lg_repayment *r, lg_chain_tx *tx)
{
    memset(k, 0, sizeof *k);
    k->id = 3;
    SET(k, partner_id, "partner_acme_001");
    FILL(k, key_hash, "0f");
    SET(k, prefix, "pk_acme_live_abc");
    SET(k, env, "sandbox");
    k->created_at_ms = 1;
    k->expires_at_ms = 2;
    k->revoked_at_ms = 3;
    k->last_used_at_ms = 4;
    memset(pos, 0, sizeof *pos);
    SET(pos, wallet, "0x3333333333333333333333333333333333333333");
    FILL(pos, oaid, "7");
    FILL(pos, position_id, "1");
    SET(pos, collateral_token, "0x4444444444444444444444444444444444444444");
    SET(pos, collateral_amount, "1");
    SET(pos, collateral_value, "2");
    SET(pos, usdc_borrowed, "3");
    SET(pos, health_factor, "4");
    pos->token_type = -1;
    pos->active = 1;
    pos->total_partner_debt = 99;
    pos->updated_at_ms = 100;
    memset(r, 0, sizeof *r);
    SET(r, id, "rep-1");
    SET(r, loan_id, "loan-1");
    SET(r, partner_id, "partner_acme_001");
    r->amount = 5;
    r->funded = 4;
    r->kind = LG_REPAY_KIND_LIQUIDATION;
    FILL(r, proof_tx, "0xcd");
    FILL(r, idem_key, "k");
    r->status = LG_REPAY_FAILED;
    memset(tx, 0, sizeof *tx);
    tx->id = 77;
    SET(tx, loan_id, "loan-1");
    tx->purpose = LG_TXP_GAPFILL;
    tx->chain_id = 5000;
    SET(tx, from, "0x5555555555555555555555555555555555555555");
    tx->nonce = (uint64_t)INT64_MAX;
    FILL(tx, hash, "0x12");
    FILL(tx, raw, "0x02f8");
    tx->state = LG_TXS_DROPPED;
}

/* Encodes r, decodes it back and compares every byte. */
#define ROUND_TRIP(name, type, r)                                                                  \
    do {                                                                                           \
        bson_t doc = BSON_INITIALIZER;                                                             \
        type back;                                                                                 \
        CU_ASSERT_EQUAL(lg_mongo_##name##_to_bson((r), &doc), LG_OK);                              \
        CU_ASSERT_EQUAL(lg_mongo_##name##_from_bson(&doc, &back), LG_OK);                          \
        CU_ASSERT(memcmp((r), &back, sizeof back) == 0);                                           \
        bson_destroy(&doc);                                                                        \
    } while (0)

static void test_round_trips(void)
{
    lg_partner p;
    lg_loan l;
    lg_api_key k;
    lg_position pos;
    lg_repayment r;
    lg_chain_tx tx;
    make_partner(&p);
    make_loan(&l);
    make_others(&k, &pos, &r, &tx);
    ROUND_TRIP(partner, lg_partner, &p);
    ROUND_TRIP(loan, lg_loan, &l);
    ROUND_TRIP(api_key, lg_api_key, &k);
    ROUND_TRIP(position, lg_position, &pos);
    ROUND_TRIP(repayment, lg_repayment, &r);
    ROUND_TRIP(chain_tx, lg_chain_tx, &tx);

    static lg_api_log log;
    memset(&log, 0, sizeof log);
    log.id = 1;
    SET(&log, partner_id, "partner_acme_001");
    FILL(&log, payload, "{\"a\":1}");
    FILL(&log, user_agent, "\xc3\xa9tt"); /* 256 bytes: whole characters */
    SET(&log, method, "POST");
    log.status_code = 599;
    log.duration_ms = UINT32_MAX;
    log.success = 1;
    log.created_at_ms = 1764892800000;
    SET(&log, spool_id, "spool-1");
    ROUND_TRIP(api_log, lg_api_log, &log);

    lg_ledger_entry e = {.id = 2, .kind = LG_LEDGER_LIQUIDATION, .amount = 3, .created_at_ms = 4};
    SET(&e, partner_id, "p");
    SET(&e, user_wallet, "0x3333333333333333333333333333333333333333");
    ROUND_TRIP(ledger, lg_ledger_entry, &e);

    static lg_event ev;
    memset(&ev, 0, sizeof ev);
    ev.id = 9;
    SET(&ev, event_id, "evt_0123456789abcdef0123456789abcdef");
    ev.seq = 17;
    SET(&ev, type, "loan.borrowed");
    FILL(&ev, payload, "x");
    ev.status = LG_EVENT_SKIPPED;
    ev.attempts = 3;
    ev.last_status_code = 410;
    ROUND_TRIP(event, lg_event, &ev);

    lg_event_attempt a;
    memset(&a, 0, sizeof a);
    a.attempt = 2;
    a.outcome = LG_ATTEMPT_DISABLED;
    a.latency_ms = 1500;
    SET(&a, dispatcher, "host:1:2");
    ROUND_TRIP(attempt, lg_event_attempt, &a);

    static lg_admin_audit au;
    memset(&au, 0, sizeof au);
    SET(&au, admin, "root");
    SET(&au, action, "partner.create");
    FILL(&au, after_json, "{}");
    ROUND_TRIP(admin_audit, lg_admin_audit, &au);

    lg_deposit d = {.amount = 1, .created_at_ms = 2};
    SET(&d, tx_hash, "0xaa");
    ROUND_TRIP(deposit, lg_deposit, &d);
    lg_mongo_nonce n = {.chain_id = 1, .next = 2, .updated_at_ms = 3};
    ROUND_TRIP(nonce, lg_mongo_nonce, &n);
    lg_mongo_lease le = {.until_ms = 4};
    SET(&le, owner, "o");
    ROUND_TRIP(lease, lg_mongo_lease, &le);
    lg_mongo_cursor c = {.block = 5};
    ROUND_TRIP(cursor, lg_mongo_cursor, &c);
    lg_mongo_audit_offset o = {.offset = 6};
    ROUND_TRIP(audit_offset, lg_mongo_audit_offset, &o);
    lg_mongo_daily_usage u = {.borrowed = 7};
    ROUND_TRIP(daily_usage, lg_mongo_daily_usage, &u);
    lg_mongo_position_link pl = {.amount = 8, .repaid = 1};
    ROUND_TRIP(position_link, lg_mongo_position_link, &pl);
    lg_mongo_rate ra = {.window_start_ms = 9, .current = 10, .previous = 11, .expires_at_ms = 12};
    FILL(&ra, key, "p:");
    ROUND_TRIP(rate, lg_mongo_rate, &ra);
    lg_mongo_replay rp = {.expires_at_ms = 13};
    FILL(&rp, digest, "ab");
    ROUND_TRIP(replay, lg_mongo_replay, &rp);
}

static void test_exact_documents(void)
{
    bson_t doc = BSON_INITIALIZER;
    lg_deposit d = {.amount = 1500000, .created_at_ms = 1764892800000};
    SET(&d, tx_hash, "0xab");
    SET(&d, partner_id, "partner_acme_001");
    CU_ASSERT_EQUAL(lg_mongo_deposit_to_bson(&d, &doc), LG_OK);
    expect_json(&doc, "{ \"txHash\" : \"0xab\", \"partnerId\" : \"partner_acme_001\", \"amount\" : "
                      "{ \"$numberLong\" : \"1500000\" }, \"createdAt\" : { \"$date\" : { "
                      "\"$numberLong\" : \"1764892800000\" } } }");
    bson_reinit(&doc);

    lg_api_key k;
    lg_position pos;
    lg_repayment r;
    lg_chain_tx tx;
    make_others(&k, &pos, &r, &tx);
    SET(&k, key_hash, "00ff");
    CU_ASSERT_EQUAL(lg_mongo_api_key_to_bson(&k, &doc), LG_OK);
    expect_json(&doc, "{ \"keyId\" : { \"$numberLong\" : \"3\" }, \"partnerId\" : "
                      "\"partner_acme_001\", \"apiKeyHash\" : \"00ff\", \"prefix\" : "
                      "\"pk_acme_live_abc\", \"env\" : \"sandbox\", \"createdAt\" : { \"$date\" : "
                      "{ \"$numberLong\" : \"1\" } }, \"expiresAt\" : { \"$date\" : { "
                      "\"$numberLong\" : \"2\" } }, \"revokedAt\" : { \"$date\" : { "
                      "\"$numberLong\" : \"3\" } }, \"lastUsedAt\" : { \"$date\" : { "
                      "\"$numberLong\" : \"4\" } } }");
    bson_reinit(&doc);

    lg_mongo_position_link pl = {.amount = 8, .repaid = 1};
    SET(&pl, loan_id, "L");
    SET(&pl, partner_id, "P");
    CU_ASSERT_EQUAL(lg_mongo_position_link_to_bson(&pl, &doc), LG_OK);
    expect_json(&doc, "{ \"internalLoanId\" : \"L\", \"partnerId\" : \"P\", \"amount\" : { "
                      "\"$numberLong\" : \"8\" }, \"repaid\" : true }");
    bson_destroy(&doc);
}

/* Money stays an exact integer at the top of its range: never a double. */
static void test_money_is_int64(void)
{
    lg_loan l;
    make_loan(&l);
    l.amount = (uint64_t)INT64_MAX;
    bson_t doc = BSON_INITIALIZER;
    CU_ASSERT_EQUAL(lg_mongo_loan_to_bson(&l, &doc), LG_OK);
    bson_iter_t it;
    CU_ASSERT_FATAL(bson_iter_init_find(&it, &doc, "amount"));
    CU_ASSERT(BSON_ITER_HOLDS_INT64(&it));
    CU_ASSERT_EQUAL(bson_iter_int64(&it), INT64_MAX);
    bson_destroy(&doc);

    /* Above INT64_MAX it is refused, not wrapped. */
    l.amount = (uint64_t)INT64_MAX + 1;
    bson_init(&doc);
    CU_ASSERT_EQUAL(lg_mongo_loan_to_bson(&l, &doc), LG_ERR_INVALID);
    bson_destroy(&doc);
}

static void test_encode_refusals(void)
{
    lg_partner p;
    bson_t doc = BSON_INITIALIZER;
    make_partner(&p);
    memset(p.name, 'x', sizeof p.name); /* unterminated */
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(doc.len, 5); /* nothing appended */
    make_partner(&p);
    p.status = (lg_partner_status)3;
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_ERR_INVALID);
    make_partner(&p);
    p.fee_bps = 10001;
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_ERR_INVALID);
    make_partner(&p);
    p.created_at_ms = -1;
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_ERR_INVALID);
    make_partner(&p);
    SET(&p, name, "\xff\xfe");
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(NULL, &doc), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, NULL), LG_ERR_INVALID);
    bson_destroy(&doc);
}

/* A stored deposit with one field changed to json_field; must be refused. */
static void expect_refused(const char *doc_json)
{
    bson_t doc;
    lg_deposit d;
    memset(&d, 0x5a, sizeof d);
    from_json(&doc, doc_json);
    CU_ASSERT_EQUAL(lg_mongo_deposit_from_bson(&doc, &d), LG_ERR_STORE);
    /* Nothing half-copied stays behind. */
    CU_ASSERT_EQUAL(d.amount, 0);
    CU_ASSERT_EQUAL(d.tx_hash[0], '\0');
    bson_destroy(&doc);
}

#define DEP_HEAD "{\"txHash\": \"0xab\", \"partnerId\": \"p\", "
#define DEP_DATE "\"createdAt\": {\"$date\": {\"$numberLong\": \"5\"}}}"

static void test_decode_refusals(void)
{
    /* What is accepted: Int64, and Int32 written by another tool. */
    bson_t doc;
    lg_deposit d;
    from_json(&doc, DEP_HEAD "\"amount\": {\"$numberInt\": \"7\"}, " DEP_DATE);
    CU_ASSERT_EQUAL(lg_mongo_deposit_from_bson(&doc, &d), LG_OK);
    CU_ASSERT_EQUAL(d.amount, 7);
    CU_ASSERT_EQUAL(d.created_at_ms, 5);
    bson_destroy(&doc);

    expect_refused(DEP_HEAD "\"amount\": {\"$numberDouble\": \"7.0\"}, " DEP_DATE);
    expect_refused(DEP_HEAD "\"amount\": \"7\", " DEP_DATE);
    expect_refused(DEP_HEAD "\"amount\": {\"$numberLong\": \"-1\"}, " DEP_DATE);
    expect_refused(DEP_HEAD DEP_DATE);
    expect_refused(DEP_HEAD "\"amount\": {\"$numberLong\": \"1\"}, "
                            "\"createdAt\": {\"$numberLong\": \"5\"}}");
    expect_refused(
        "{\"txHash\": 5, \"partnerId\": \"p\", \"amount\": {\"$numberLong\": \"1\"}, " DEP_DATE);
    /* 66 characters: one more than the 67-byte field holds with its NUL. */
    expect_refused("{\"txHash\": \"0x"
                   "0123456789012345678901234567890123456789012345678901234567890123456789\", "
                   "\"partnerId\": \"p\", \"amount\": {\"$numberLong\": \"1\"}, " DEP_DATE);
    expect_refused("{\"txHash\": \"0x\\u0000ab\", \"partnerId\": \"p\", "
                   "\"amount\": {\"$numberLong\": \"1\"}, " DEP_DATE);

    /* Not UTF-8 (libbson appends what it is given; another writer may have). */
    bson_init(&doc);
    BSON_APPEND_UTF8(&doc, "txHash", "0x\xb3");
    BSON_APPEND_UTF8(&doc, "partnerId", "p");
    BSON_APPEND_INT64(&doc, "amount", 1);
    BSON_APPEND_DATE_TIME(&doc, "createdAt", 5);
    CU_ASSERT_EQUAL(lg_mongo_deposit_from_bson(&doc, &d), LG_ERR_STORE);
    bson_destroy(&doc);

    /* Enumerations and flags: in range, of their type. */
    lg_loan l;
    make_loan(&l);
    bson_init(&doc);
    CU_ASSERT_EQUAL(lg_mongo_loan_to_bson(&l, &doc), LG_OK);
    bson_t bad = BSON_INITIALIZER;
    bson_copy_to_excluding_noinit(&doc, &bad, "status", NULL);
    BSON_APPEND_INT32(&bad, "status", 7);
    CU_ASSERT_EQUAL(lg_mongo_loan_from_bson(&bad, &l), LG_ERR_STORE);
    bson_reinit(&bad);
    bson_copy_to_excluding_noinit(&doc, &bad, "status", NULL);
    BSON_APPEND_INT32(&bad, "status", -1);
    CU_ASSERT_EQUAL(lg_mongo_loan_from_bson(&bad, &l), LG_ERR_STORE);
    bson_destroy(&bad);
    bson_destroy(&doc);

    lg_position pos;
    lg_api_key k;
    lg_repayment r;
    lg_chain_tx tx;
    make_others(&k, &pos, &r, &tx);
    bson_init(&doc);
    CU_ASSERT_EQUAL(lg_mongo_position_to_bson(&pos, &doc), LG_OK);
    bson_init(&bad);
    bson_copy_to_excluding_noinit(&doc, &bad, "active", NULL);
    BSON_APPEND_INT32(&bad, "active", 1);
    CU_ASSERT_EQUAL(lg_mongo_position_from_bson(&bad, &pos), LG_ERR_STORE);
    bson_destroy(&bad);
    bson_destroy(&doc);

    /* uint32 fields refuse what does not fit 32 bits. */
    lg_event_attempt a;
    memset(&a, 0, sizeof a);
    bson_init(&doc);
    CU_ASSERT_EQUAL(lg_mongo_attempt_to_bson(&a, &doc), LG_OK);
    bson_init(&bad);
    bson_copy_to_excluding_noinit(&doc, &bad, "latencyMs", NULL);
    BSON_APPEND_INT64(&bad, "latencyMs", (int64_t)UINT32_MAX + 1);
    CU_ASSERT_EQUAL(lg_mongo_attempt_from_bson(&bad, &a), LG_ERR_STORE);
    bson_destroy(&bad);
    bson_destroy(&doc);

    CU_ASSERT_EQUAL(lg_mongo_deposit_from_bson(NULL, &d), LG_ERR_INVALID);
}

static void test_validator(void)
{
    bson_t v = BSON_INITIALIZER;
    CU_ASSERT_EQUAL(lg_mongo_record_validator(&lg_mongo_cursor_record, &v), LG_OK);
    expect_json(&v, "{ \"$jsonSchema\" : { \"bsonType\" : \"object\", \"required\" : [ \"name\", "
                    "\"block\" ], \"properties\" : { \"name\" : { \"bsonType\" : \"string\", "
                    "\"maxLength\" : { \"$numberLong\" : \"128\" } }, \"block\" : { \"bsonType\" "
                    ": \"long\", \"minimum\" : { \"$numberLong\" : \"0\" } } } } }");
    CU_ASSERT_STRING_EQUAL(lg_mongo_record_collection(&lg_mongo_loan_record), "partner_loans");
    CU_ASSERT_STRING_EQUAL(lg_mongo_record_collection(&lg_mongo_partner_record), "partners");
    bson_destroy(&v);
}

/* ------------------------------------------------------------ builders */

static void test_reservation_documents(void)
{
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_reserve_total_filter("partner_acme_001", 250, &b), LG_OK);
    expect_json(&b, "{ \"partnerId\" : \"partner_acme_001\", \"status\" : { \"$numberInt\" : "
                    "\"0\" }, \"$expr\" : { \"$lte\" : [ { \"$add\" : [ \"$outstanding\", { "
                    "\"$numberLong\" : \"250\" } ] }, \"$totalLimit\" ] } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_inc_update("outstanding", 250, 1000, &b), LG_OK);
    expect_json(&b, "{ \"$inc\" : { \"outstanding\" : { \"$numberLong\" : \"250\" } }, \"$set\" "
                    ": { \"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"1000\" } } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_daily_charge_filter("p", "2026-12-05", 250, 1000, &b), LG_OK);
    expect_json(&b, "{ \"partnerId\" : \"p\", \"day\" : \"2026-12-05\", \"borrowed\" : { "
                    "\"$lte\" : { \"$numberLong\" : \"750\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_daily_charge_filter("p", "2026-12-05", 1001, 1000, &b),
                    LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_daily_ensure_update("p", "2026-12-05", &b), LG_OK);
    expect_json(&b, "{ \"$setOnInsert\" : { \"partnerId\" : \"p\", \"day\" : \"2026-12-05\", "
                    "\"borrowed\" : { \"$numberLong\" : \"0\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_repay_reserve_filter("L1", 5, &b), LG_OK);
    expect_json(&b, "{ \"internalLoanId\" : \"L1\", \"status\" : { \"$in\" : [ { \"$numberInt\" "
                    ": \"2\" }, { \"$numberInt\" : \"5\" } ] }, \"$expr\" : { \"$lte\" : [ { "
                    "\"$add\" : [ \"$repayPending\", { \"$numberLong\" : \"5\" } ] }, "
                    "\"$remaining\" ] } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_balance_draw_filter("p", 9, &b), LG_OK);
    expect_json(&b, "{ \"partnerId\" : \"p\", \"$expr\" : { \"$lte\" : [ { \"$add\" : [ "
                    "\"$balanceUsed\", { \"$numberLong\" : \"9\" } ] }, \"$deposited\" ] } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_reserve_total_filter("p", (uint64_t)INT64_MAX + 1, &b),
                    LG_ERR_INVALID);
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_balance_draw_filter(NULL, 1, &b), LG_ERR_INVALID);
    bson_destroy(&b);
}

static void test_nonce_and_lease_documents(void)
{
    char id[128];
    CU_ASSERT_EQUAL(lg_mongo_nonce_id(5000, "0xabc", id, sizeof id), LG_OK);
    CU_ASSERT_STRING_EQUAL(id, "5000:0xabc");
    CU_ASSERT_EQUAL(lg_mongo_nonce_id(5000, "0xabc", id, 5), LG_ERR_OVERFLOW);

    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_filter_id("5000:0xabc", &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"5000:0xabc\" }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_nonce_allocate_update(7, &b), LG_OK);
    expect_json(&b, "{ \"$inc\" : { \"next\" : { \"$numberLong\" : \"1\" } }, \"$set\" : { "
                    "\"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"7\" } } } }");
    bson_destroy(&b);
    lg_mongo_nonce n = {.chain_id = 5000, .next = 12, .updated_at_ms = 7};
    SET(&n, address, "0xabc");
    CU_ASSERT_EQUAL(lg_mongo_nonce_init_update(&n, &b), LG_OK);
    expect_json(&b, "{ \"$setOnInsert\" : { \"chainId\" : { \"$numberLong\" : \"5000\" }, "
                    "\"address\" : \"0xabc\", \"next\" : { \"$numberLong\" : \"12\" }, "
                    "\"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"7\" } } } }");
    bson_destroy(&b);
    n.next = (uint64_t)INT64_MAX + 1;
    CU_ASSERT_EQUAL(lg_mongo_nonce_resync_update(&n, &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);

    CU_ASSERT_EQUAL(lg_mongo_lease_take_filter("reconcile", "me", "dead", 100, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"reconcile\", \"$or\" : [ { \"owner\" : \"me\" }, { \"until\" "
                    ": { \"$lte\" : { \"$date\" : { \"$numberLong\" : \"100\" } } } }, { "
                    "\"owner\" : \"\" }, { \"owner\" : \"dead\" } ] }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_lease_take_filter("reconcile", "me", "", 100, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"reconcile\", \"$or\" : [ { \"owner\" : \"me\" }, { \"until\" "
                    ": { \"$lte\" : { \"$date\" : { \"$numberLong\" : \"100\" } } } }, { "
                    "\"owner\" : \"\" } ] }");
    bson_destroy(&b);
    lg_mongo_lease l = {.until_ms = 200};
    SET(&l, name, "reconcile");
    SET(&l, owner, "me");
    CU_ASSERT_EQUAL(lg_mongo_lease_take_update(&l, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"name\" : \"reconcile\", \"owner\" : \"me\", \"until\" : { "
                    "\"$date\" : { \"$numberLong\" : \"200\" } } } }");
    bson_destroy(&b);
}

static void test_other_documents(void)
{
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_audit_offset_filter("lendgate-1.journal", 10, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"lendgate-1.journal\", \"offset\" : { \"$numberLong\" : \"10\" "
                    "} }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_audit_offset_update("s", 20, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"source\" : \"s\", \"offset\" : { \"$numberLong\" : \"20\" } "
                    "} }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_key_touch_filter(4, 100000, 60000, &b), LG_OK);
    expect_json(&b, "{ \"keyId\" : { \"$numberLong\" : \"4\" }, \"lastUsedAt\" : { \"$lte\" : { "
                    "\"$date\" : { \"$numberLong\" : \"40000\" } } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_set_date_update("lastUsedAt", 100000, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"lastUsedAt\" : { \"$date\" : { \"$numberLong\" : "
                    "\"100000\" } } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_cursor_update("liquidations", 123, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"name\" : \"liquidations\", \"block\" : { \"$numberLong\" : "
                    "\"123\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_seq_update(&b), LG_OK);
    expect_json(&b, "{ \"$inc\" : { \"seq\" : { \"$numberLong\" : \"1\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_filter_str("apiKeyHash", "00ff", &b), LG_OK);
    expect_json(&b, "{ \"apiKeyHash\" : \"00ff\" }");
    bson_destroy(&b);
}

/* The cluster guards' documents (mongo_map.h): the fast path's filter computes the
 * sliding estimate of store.c on the server, 6 s into a window of 60 s. */
static void test_guard_documents(void)
{
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_rate_fast_filter("p:acme", 60000, 5, 126000, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"p:acme\", \"windowStart\" : { \"$date\" : { \"$numberLong\" "
                    ": \"120000\" } }, \"$expr\" : { \"$lt\" : [ { \"$add\" : [ \"$current\", { "
                    "\"$ceil\" : { \"$divide\" : [ { \"$multiply\" : [ \"$previous\", { "
                    "\"$numberLong\" : \"54000\" } ] }, { \"$numberLong\" : \"60000\" } ] } } ] }, "
                    "{ \"$numberLong\" : \"5\" } ] } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_rate_fast_filter("p:acme", 60000, (uint64_t)INT64_MAX + 1, 1, &b),
                    LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_rate_fast_filter(NULL, 60000, 5, 1, &b), LG_ERR_INVALID);
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_rate_inc_update(&b), LG_OK);
    expect_json(&b, "{ \"$inc\" : { \"current\" : { \"$numberLong\" : \"1\" } } }");
    bson_destroy(&b);
    lg_mongo_rate r = {
        .window_start_ms = 120000, .current = 3, .previous = 4, .expires_at_ms = 240000};
    SET(&r, key, "p:acme");
    CU_ASSERT_EQUAL(lg_mongo_rate_cas_filter(&r, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"p:acme\", \"windowStart\" : { \"$date\" : { \"$numberLong\" "
                    ": \"120000\" } }, \"current\" : { \"$numberLong\" : \"3\" }, \"previous\" : "
                    "{ \"$numberLong\" : \"4\" } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_rate_set_update(&r, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"key\" : \"p:acme\", \"windowStart\" : { \"$date\" : { "
                    "\"$numberLong\" : \"120000\" } }, \"current\" : { \"$numberLong\" : \"3\" }, "
                    "\"previous\" : { \"$numberLong\" : \"4\" }, \"expiresAt\" : { \"$date\" : { "
                    "\"$numberLong\" : \"240000\" } } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_rate_document(&r, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"p:acme\", \"key\" : \"p:acme\", \"windowStart\" : { "
                    "\"$date\" : { \"$numberLong\" : \"120000\" } }, \"current\" : { "
                    "\"$numberLong\" : \"3\" }, \"previous\" : { \"$numberLong\" : \"4\" }, "
                    "\"expiresAt\" : { \"$date\" : { \"$numberLong\" : \"240000\" } } }");
    bson_destroy(&b);
    r.current = (uint64_t)INT64_MAX + 1;
    CU_ASSERT_EQUAL(lg_mongo_rate_cas_filter(&r, &b), LG_ERR_INVALID);
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_rate_document(&r, &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    lg_mongo_replay p = {.expires_at_ms = 700000};
    SET(&p, digest, "00ff");
    CU_ASSERT_EQUAL(lg_mongo_replay_document(&p, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"00ff\", \"digest\" : \"00ff\", \"expiresAt\" : { \"$date\" "
                    ": { \"$numberLong\" : \"700000\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_replay_takeover_filter("00ff", 100000, &b), LG_OK);
    expect_json(&b, "{ \"_id\" : \"00ff\", \"expiresAt\" : { \"$lte\" : { \"$date\" : { "
                    "\"$numberLong\" : \"100000\" } } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_replay_takeover_filter(NULL, 100000, &b), LG_ERR_INVALID);
    bson_destroy(&b);
}

static void test_partner_update_document(void)
{
    lg_partner p;
    make_partner(&p);
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_partner_update(&p, LG_PF_STATUS | LG_PF_SIGNING, 9, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"status\" : { \"$numberInt\" : \"1\" }, \"signingRequired\" "
                    ": true, \"signingSecret\" : \"sig\", \"updatedAt\" : { \"$date\" : { "
                    "\"$numberLong\" : \"9\" } } } }");
    bson_destroy(&b);
    /* A webhook secret carries the one it replaced; the store's totals never move. */
    SET(&p, webhook_secret, "new");
    CU_ASSERT_EQUAL(lg_mongo_partner_update(&p, LG_PF_WEBHOOK_SECRET | LG_PF_TOTAL_LIMIT, 9, &b),
                    LG_OK);
    expect_json(&b, "{ \"$set\" : { \"totalLimit\" : { \"$numberLong\" : \"5000000000000\" }, "
                    "\"webhookSecret\" : \"new\", \"webhookSecretPrev\" : \"old\", "
                    "\"webhookSecretPrevUntil\" : { \"$date\" : { \"$numberLong\" : "
                    "\"1767225600000\" } }, \"updatedAt\" : { \"$date\" : { \"$numberLong\" : "
                    "\"9\" } } } }");
    bson_destroy(&b);
    p.fee_bps = 10001;
    CU_ASSERT_EQUAL(lg_mongo_partner_update(&p, LG_PF_FEE_BPS, 9, &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
}

/* The documents that move money back and the position links: each release states
 * that the amount is there, so no $inc can take a total below zero. */
static void test_release_and_link_documents(void)
{
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_release_filter("partnerId", "p", "outstanding", 250, &b), LG_OK);
    expect_json(&b, "{ \"partnerId\" : \"p\", \"outstanding\" : { \"$gte\" : { \"$numberLong\" "
                    ": \"250\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(
        lg_mongo_release_filter("partnerId", "p", "outstanding", (uint64_t)INT64_MAX + 1, &b),
        LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);

    CU_ASSERT_EQUAL(lg_mongo_link_add_filter(0, "0xw", "7", "L1", &b), LG_OK);
    expect_json(&b, "{ \"sandbox\" : false, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\", "
                    "\"partnerLoans.internalLoanId\" : { \"$ne\" : \"L1\" } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_link_add_filter(1, "0xw", "7", "L1", &b), LG_OK);
    expect_json(&b, "{ \"sandbox\" : true, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\", "
                    "\"partnerLoans.internalLoanId\" : { \"$ne\" : \"L1\" } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_link_add_filter(0, NULL, "7", "L1", &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    lg_mongo_position_link pl = {.amount = 1000, .repaid = 0};
    SET(&pl, loan_id, "L1");
    SET(&pl, partner_id, "p");
    CU_ASSERT_EQUAL(lg_mongo_link_add_update(&pl, 5, &b), LG_OK);
    expect_json(&b, "{ \"$push\" : { \"partnerLoans\" : { \"internalLoanId\" : \"L1\", "
                    "\"partnerId\" : \"p\", \"amount\" : { \"$numberLong\" : \"1000\" }, "
                    "\"repaid\" : false } }, \"$inc\" : { \"totalPartnerDebt\" : { \"$numberLong\" "
                    ": \"1000\" } }, \"$set\" : { \"updatedAt\" : { \"$date\" : { \"$numberLong\" "
                    ": \"5\" } } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_link_repay_filter(0, "0xw", "7", "L1", 400, &b), LG_OK);
    expect_json(&b, "{ \"sandbox\" : false, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\", "
                    "\"partnerLoans.internalLoanId\" : \"L1\", \"totalPartnerDebt\" : { \"$gte\" "
                    ": { \"$numberLong\" : \"400\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_link_repay_filter(1, "0xw", "7", "L1", 400, &b), LG_OK);
    expect_json(&b, "{ \"sandbox\" : true, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\", "
                    "\"partnerLoans.internalLoanId\" : \"L1\", \"totalPartnerDebt\" : { \"$gte\" "
                    ": { \"$numberLong\" : \"400\" } } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_link_repay_update(600, 0, 400, 5, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"partnerLoans.$.amount\" : { \"$numberLong\" : \"600\" }, "
                    "\"partnerLoans.$.repaid\" : false, \"updatedAt\" : { \"$date\" : { "
                    "\"$numberLong\" : \"5\" } } }, \"$inc\" : { \"totalPartnerDebt\" : { "
                    "\"$numberLong\" : \"-400\" } } }");
    bson_destroy(&b);
}

/* ------------------------------------------------------------ sandbox */

/* A live partner with short settings, so its documents can be compared whole. */
static void make_small_partner(lg_partner *p)
{
    memset(p, 0, sizeof *p);
    SET(p, id, "partner_acme_001");
    SET(p, name, "Acme");
    SET(p, key_prefix, "acme");
    p->status = LG_PARTNER_ACTIVE;
    p->tier = LG_TIER_BASIC;
    p->daily_limit = 3000;
    p->total_limit = 5000;
    p->fee_bps = 150;
    SET(p, settlement_address, "0x1111111111111111111111111111111111111111");
    SET(p, webhook_url, "https://hooks.example/acme");
    SET(p, webhook_secret, "whsec");
    SET(p, contact_email, "ops@acme.example");
    p->rate_limit_rpm = 60;
    p->signing_required = 1;
    SET(p, signing_secret, "sig");
    SET(p, ip_allowlist, "10.0.0.0/8");
    SET(p, contact_wallet, "0x2222222222222222222222222222222222222222");
    SET(p, public_key, "pk");
    p->kyc_verified = 1;
    p->contract_signed = 1;
    SET(p, created_by, "root");
    SET(p, webhook_secret_prev, "old");
    p->webhook_secret_prev_until_ms = 7;
    p->webhook_disabled_at_ms = 8;
    SET(p, webhook_disabled_reason, "410 Gone");
    p->outstanding = 1;
    p->total_borrowed = 2;
    p->total_repaid = 3;
    p->total_fees = 4;
    p->deposited = 5;
    p->balance_used = 6;
    p->created_at_ms = 100;
    p->updated_at_ms = 200;
}

/* The live partner's settings part of a partner document, from "name" on, up to the
 * field after webhookDisabledReason. */
#define SMALL_SETTINGS                                                                             \
    "\"name\" : \"Acme\", "                                                                        \
    "\"keyPrefix\" : \"%s\", \"status\" : { \"$numberInt\" : \"0\" }, \"tier\" : { "               \
    "\"$numberInt\" : \"0\" }, \"dailyLimit\" : { \"$numberLong\" : \"3000\" }, \"totalLimit\" : " \
    "{ \"$numberLong\" : \"5000\" }, \"feeBps\" : { \"$numberLong\" : \"150\" }, "                 \
    "\"settlementAddress\" : \"0x1111111111111111111111111111111111111111\", \"webhookUrl\" : "    \
    "\"https://hooks.example/acme\", \"webhookSecret\" : \"whsec\", \"contactEmail\" : "           \
    "\"ops@acme.example\", \"rateLimitRpm\" : { \"$numberLong\" : \"60\" }, \"signingRequired\" "  \
    ": true, \"signingSecret\" : \"sig\", \"ipAllowlist\" : \"10.0.0.0/8\", \"contactWallet\" : "  \
    "\"0x2222222222222222222222222222222222222222\", \"publicKey\" : \"pk\", \"kycVerified\" : "   \
    "true, \"contractSigned\" : true, \"createdBy\" : \"root\", \"webhookSecretPrev\" : \"old\", " \
    "\"webhookSecretPrevUntil\" : { \"$date\" : { \"$numberLong\" : \"7\" } }, "                   \
    "\"webhookDisabledAt\" : { \"$date\" : { \"$numberLong\" : \"8\" } }, "                        \
    "\"webhookDisabledReason\" : \"410 Gone\", "

/* liveId: absent for a live partner, the live partner's id on a twin; absent or null
 * read back as "", anything else is refused. */
static void test_partner_live_id(void)
{
    lg_partner p, back;
    make_partner(&p);
    bson_t doc = BSON_INITIALIZER;
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_OK);
    CU_ASSERT_FALSE(bson_has_field(&doc, "liveId"));
    memset(&back, 0x5a, sizeof back);
    CU_ASSERT_EQUAL(lg_mongo_partner_from_bson(&doc, &back), LG_OK);
    CU_ASSERT_STRING_EQUAL(back.live_id, "");
    CU_ASSERT(memcmp(&p, &back, sizeof back) == 0);

    /* null, as another writer may leave it: a live partner. */
    bson_t with = BSON_INITIALIZER;
    bson_copy_to_excluding_noinit(&doc, &with, "liveId", NULL);
    BSON_APPEND_NULL(&with, "liveId");
    CU_ASSERT_EQUAL(lg_mongo_partner_from_bson(&with, &back), LG_OK);
    CU_ASSERT_STRING_EQUAL(back.live_id, "");
    bson_reinit(&with);
    bson_copy_to_excluding_noinit(&doc, &with, "liveId", NULL);
    BSON_APPEND_INT32(&with, "liveId", 5);
    CU_ASSERT_EQUAL(lg_mongo_partner_from_bson(&with, &back), LG_ERR_STORE);
    bson_reinit(&with);
    char too_long[LG_ID_LEN + 1];
    memset(too_long, 'x', LG_ID_LEN);
    too_long[LG_ID_LEN] = '\0';
    bson_copy_to_excluding_noinit(&doc, &with, "liveId", NULL);
    BSON_APPEND_UTF8(&with, "liveId", too_long);
    CU_ASSERT_EQUAL(lg_mongo_partner_from_bson(&with, &back), LG_ERR_STORE);
    bson_destroy(&with);
    bson_destroy(&doc);
}

/* A twin's round-trips to the last byte; an unterminated liveId is refused. */
static void test_partner_live_id_round_trip(void)
{
    lg_partner p;
    make_partner(&p);
    FILL(&p, live_id, "partner_");
    ROUND_TRIP(partner, lg_partner, &p);
    memset(p.live_id, 'x', sizeof p.live_id);
    bson_t doc = BSON_INITIALIZER;
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&p, &doc), LG_ERR_INVALID);
    bson_destroy(&doc);
}

/* The twin made from a live partner: its settings, names of its own, no money. */
static void test_partner_twin_document(void)
{
    lg_partner live, twin;
    make_small_partner(&live);
    CU_ASSERT_EQUAL_FATAL(lg_mongo_partner_twin(&live, 900, &twin), LG_OK);
    bson_t doc = BSON_INITIALIZER;
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&twin, &doc), LG_OK);
    char want[4096];
    snprintf(want, sizeof want,
             "{ \"partnerId\" : \"partner_acme_001.sandbox\", " SMALL_SETTINGS
             "\"liveId\" : \"partner_acme_001\", \"outstanding\" : { \"$numberLong\" : \"0\" }, "
             "\"totalBorrowed\" : { \"$numberLong\" : \"0\" }, \"totalRepaid\" : { "
             "\"$numberLong\" : \"0\" }, \"totalFees\" : { \"$numberLong\" : \"0\" }, "
             "\"deposited\" : { \"$numberLong\" : \"0\" }, \"balanceUsed\" : { \"$numberLong\" : "
             "\"0\" }, \"createdAt\" : { \"$date\" : { \"$numberLong\" : \"900\" } }, "
             "\"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"900\" } } }",
             "acme.sandbox");
    expect_json(&doc, want);
    bson_reinit(&doc);

    /* The live partner's own document names no live partner. */
    CU_ASSERT_EQUAL(lg_mongo_partner_to_bson(&live, &doc), LG_OK);
    snprintf(want, sizeof want,
             "{ \"partnerId\" : \"partner_acme_001\", " SMALL_SETTINGS
             "\"outstanding\" : { \"$numberLong\" : \"1\" }, \"totalBorrowed\" : { "
             "\"$numberLong\" : \"2\" }, \"totalRepaid\" : { \"$numberLong\" : \"3\" }, "
             "\"totalFees\" : { \"$numberLong\" : \"4\" }, \"deposited\" : { \"$numberLong\" : "
             "\"5\" }, \"balanceUsed\" : { \"$numberLong\" : \"6\" }, \"createdAt\" : { \"$date\" "
             ": { \"$numberLong\" : \"100\" } }, \"updatedAt\" : { \"$date\" : { \"$numberLong\" "
             ": \"200\" } } }",
             "acme");
    expect_json(&doc, want);
    bson_destroy(&doc);

    /* A twin has no twin; names that would not fit their fields are refused. */
    memset(&twin, 0x5a, sizeof twin);
    lg_partner bad = live;
    SET(&bad, live_id, "partner_x");
    CU_ASSERT_EQUAL(lg_mongo_partner_twin(&bad, 900, &twin), LG_ERR_INVALID);
    bad = live;
    FILL(&bad, id, "p"); /* 64 characters: no room for the suffix */
    CU_ASSERT_EQUAL(lg_mongo_partner_twin(&bad, 900, &twin), LG_ERR_INVALID);
    bad = live;
    memset(bad.id, 'p', LG_ID_LEN - sizeof LG_SANDBOX_SUFFIX); /* exactly fits */
    bad.id[LG_ID_LEN - sizeof LG_SANDBOX_SUFFIX] = '\0';
    CU_ASSERT_EQUAL(lg_mongo_partner_twin(&bad, 900, &twin), LG_OK);
    CU_ASSERT_EQUAL(strlen(twin.id), LG_ID_LEN - 1);
    bad = live;
    FILL(&bad, key_prefix, "k");
    CU_ASSERT_EQUAL(lg_mongo_partner_twin(&bad, 900, &twin), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_mongo_partner_twin(NULL, 900, &twin), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_mongo_partner_twin(&live, 900, NULL), LG_ERR_INVALID);
}

/* Every change of a live partner's settings is copied onto its twin: the settings and
 * updatedAt, never the names, createdBy, createdAt or the money. */
static void test_partner_mirror_document(void)
{
    lg_partner live;
    make_small_partner(&live);
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_partner_mirror_update(&live, &b), LG_OK);
    expect_json(
        &b, "{ \"$set\" : { \"name\" : \"Acme\", \"status\" : { \"$numberInt\" : \"0\" }, "
            "\"tier\" : { \"$numberInt\" : \"0\" }, \"dailyLimit\" : { \"$numberLong\" : \"3000\" "
            "}, \"totalLimit\" : { \"$numberLong\" : \"5000\" }, \"feeBps\" : { \"$numberLong\" : "
            "\"150\" }, \"settlementAddress\" : \"0x1111111111111111111111111111111111111111\", "
            "\"webhookUrl\" : \"https://hooks.example/acme\", \"webhookSecret\" : \"whsec\", "
            "\"contactEmail\" : \"ops@acme.example\", \"rateLimitRpm\" : { \"$numberLong\" : "
            "\"60\" }, \"signingRequired\" : true, \"signingSecret\" : \"sig\", \"ipAllowlist\" : "
            "\"10.0.0.0/8\", \"contactWallet\" : \"0x2222222222222222222222222222222222222222\", "
            "\"publicKey\" : \"pk\", \"kycVerified\" : true, \"contractSigned\" : true, "
            "\"webhookSecretPrev\" : \"old\", \"webhookSecretPrevUntil\" : { \"$date\" : { "
            "\"$numberLong\" : \"7\" } }, \"webhookDisabledAt\" : { \"$date\" : { \"$numberLong\" "
            ": \"8\" } }, \"webhookDisabledReason\" : \"410 Gone\", \"updatedAt\" : { \"$date\" : "
            "{ \"$numberLong\" : \"200\" } } } }");
    bson_destroy(&b);
    /* A twin is never the source; a field that does not fit is refused whole. */
    lg_partner twin;
    CU_ASSERT_EQUAL_FATAL(lg_mongo_partner_twin(&live, 900, &twin), LG_OK);
    CU_ASSERT_EQUAL(lg_mongo_partner_mirror_update(&twin, &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    live.fee_bps = 10001;
    CU_ASSERT_EQUAL(lg_mongo_partner_mirror_update(&live, &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_partner_mirror_update(NULL, &b), LG_ERR_INVALID);
    bson_destroy(&b);
}

/* Partner lists and the count leave twins out. */
static void test_partner_list_filter(void)
{
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_partner_list_filter(-1, -1, &b), LG_OK);
    expect_json(&b, "{ \"liveId\" : null }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_partner_list_filter(LG_PARTNER_SUSPENDED, LG_TIER_ENTERPRISE, &b),
                    LG_OK);
    expect_json(&b, "{ \"liveId\" : null, \"status\" : { \"$numberInt\" : \"1\" }, \"tier\" : { "
                    "\"$numberInt\" : \"2\" } }");
    bson_destroy(&b);
}

/* Each chain's reconcile sees its own work only: the lists' filters with the handle's
 * flag, false on a live handle and true on a sandbox one. */
static void test_scoped_filters(void)
{
    bson_t b;
    static const char *const flag[2] = {"false", "true"};
    char want[512];
    for (int sb = 0; sb < 2; sb++) {
        CU_ASSERT_EQUAL(lg_mongo_loan_unsettled_filter(sb, &b), LG_OK);
        snprintf(want, sizeof want,
                 "{ \"sandbox\" : %s, \"status\" : { \"$in\" : [ { \"$numberInt\" : \"0\" }, { "
                 "\"$numberInt\" : \"1\" } ] } }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
        CU_ASSERT_EQUAL(lg_mongo_loan_overdue_filter(1764892800000, sb, &b), LG_OK);
        snprintf(want, sizeof want,
                 "{ \"sandbox\" : %s, \"status\" : { \"$numberInt\" : \"2\" }, \"createdAt\" : { "
                 "\"$lt\" : { \"$date\" : { \"$numberLong\" : \"1764892800000\" } } } }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
        CU_ASSERT_EQUAL(lg_mongo_repay_pending_filter(sb, &b), LG_OK);
        snprintf(want, sizeof want, "{ \"sandbox\" : %s, \"status\" : { \"$numberInt\" : \"0\" } }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
        CU_ASSERT_EQUAL(lg_mongo_tx_unsettled_filter(sb, &b), LG_OK);
        snprintf(want, sizeof want, "{ \"sandbox\" : %s, \"state\" : { \"$numberInt\" : \"0\" } }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
        CU_ASSERT_EQUAL(lg_mongo_position_loans_filter(sb, "0xw", "7", NULL, &b), LG_OK);
        snprintf(want, sizeof want,
                 "{ \"sandbox\" : %s, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\", "
                 "\"status\" : { \"$in\" : [ { \"$numberInt\" : \"0\" }, { \"$numberInt\" : \"1\" "
                 "}, { \"$numberInt\" : \"2\" }, { \"$numberInt\" : \"5\" } ] } }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
        CU_ASSERT_EQUAL(lg_mongo_position_loans_filter(sb, "0xw", "7", "42", &b), LG_OK);
        snprintf(want, sizeof want,
                 "{ \"sandbox\" : %s, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\", "
                 "\"positionId\" : \"42\", \"status\" : { \"$in\" : [ { \"$numberInt\" : \"0\" }, "
                 "{ \"$numberInt\" : \"1\" }, { \"$numberInt\" : \"2\" }, { \"$numberInt\" : \"5\" "
                 "} ] } }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
        /* Positions are keyed (sandbox, wallet, oaid): the upsert's filter, the close. */
        CU_ASSERT_EQUAL(lg_mongo_position_filter(sb, "0xw", "7", &b), LG_OK);
        snprintf(want, sizeof want,
                 "{ \"sandbox\" : %s, \"userWallet\" : \"0xw\", \"oaidTokenId\" : \"7\" }",
                 flag[sb]);
        expect_json(&b, want);
        bson_destroy(&b);
    }
    /* Any non-zero handle flag is the sandbox. */
    CU_ASSERT_EQUAL(lg_mongo_tx_unsettled_filter(2, &b), LG_OK);
    expect_json(&b, "{ \"sandbox\" : true, \"state\" : { \"$numberInt\" : \"0\" } }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_position_filter(0, NULL, "7", &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_position_loans_filter(0, "0xw", NULL, NULL, &b), LG_ERR_INVALID);
    expect_json(&b, "{ }");
    bson_destroy(&b);
}

/* The flag beside a record's fields: written once, read back, absent means live. */
static void test_sandbox_flag(void)
{
    lg_loan l;
    make_loan(&l);
    bson_t doc = BSON_INITIALIZER;
    CU_ASSERT_EQUAL(lg_mongo_deposit_to_bson(&(lg_deposit){.amount = 1}, &doc), LG_OK);
    CU_ASSERT_EQUAL(lg_mongo_doc_sandbox(&doc), 0);
    CU_ASSERT_EQUAL(lg_mongo_append_sandbox(&doc, 1), LG_OK);
    CU_ASSERT_EQUAL(lg_mongo_doc_sandbox(&doc), 1);
    expect_json(&doc, "{ \"txHash\" : \"\", \"partnerId\" : \"\", \"amount\" : { \"$numberLong\" "
                      ": \"1\" }, \"createdAt\" : { \"$date\" : { \"$numberLong\" : \"0\" } }, "
                      "\"sandbox\" : true }");
    bson_reinit(&doc);
    CU_ASSERT_EQUAL(lg_mongo_loan_to_bson(&l, &doc), LG_OK);
    CU_ASSERT_FALSE(bson_has_field(&doc, "sandbox")); /* the record's fields only */
    CU_ASSERT_EQUAL(lg_mongo_append_sandbox(&doc, 0), LG_OK);
    CU_ASSERT_EQUAL(lg_mongo_doc_sandbox(&doc), 0);
    /* The loan decodes as before: the flag is not one of its fields. */
    lg_loan back;
    CU_ASSERT_EQUAL(lg_mongo_loan_from_bson(&doc, &back), LG_OK);
    CU_ASSERT(memcmp(&l, &back, sizeof back) == 0);
    bson_reinit(&doc);
    BSON_APPEND_INT32(&doc, "sandbox", 1); /* not a boolean: not the sandbox */
    CU_ASSERT_EQUAL(lg_mongo_doc_sandbox(&doc), 0);
    CU_ASSERT_EQUAL(lg_mongo_doc_sandbox(NULL), 0);
    CU_ASSERT_EQUAL(lg_mongo_append_sandbox(NULL, 1), LG_ERR_INVALID);
    bson_destroy(&doc);
}

/* The partner validator: liveId optional, a string (or null) within its field. */
static void test_live_id_validator(void)
{
    bson_t v = BSON_INITIALIZER, sub;
    bson_iter_t it;
    uint32_t len;
    const uint8_t *data;
    CU_ASSERT_EQUAL(lg_mongo_record_validator(&lg_mongo_partner_record, &v), LG_OK);
    CU_ASSERT_FATAL(bson_iter_init(&it, &v) &&
                    bson_iter_find_descendant(&it, "$jsonSchema.properties.liveId", &it) &&
                    BSON_ITER_HOLDS_DOCUMENT(&it));
    bson_iter_document(&it, &len, &data);
    CU_ASSERT_FATAL(bson_init_static(&sub, data, len));
    expect_json(&sub, "{ \"bsonType\" : [ \"string\", \"null\" ], \"maxLength\" : { "
                      "\"$numberLong\" : \"64\" } }");
    CU_ASSERT_FATAL(bson_iter_init(&it, &v) &&
                    bson_iter_find_descendant(&it, "$jsonSchema.required", &it) &&
                    BSON_ITER_HOLDS_ARRAY(&it));
    bson_iter_t req;
    int n = 0, has_live = 0;
    CU_ASSERT_FATAL(bson_iter_recurse(&it, &req));
    while (bson_iter_next(&req)) {
        n++;
        has_live |= strcmp(bson_iter_utf8(&req, NULL), "liveId") == 0;
    }
    CU_ASSERT_EQUAL(n, 33); /* every field but liveId */
    CU_ASSERT_FALSE(has_live);
    bson_destroy(&v);
}

/* The sandbox flag: required on the chain side's collections, and only there. */
static void test_flag_validators(void)
{
    bson_t v = BSON_INITIALIZER, sub;
    bson_iter_t it, req;
    uint32_t len;
    const uint8_t *data;
    const lg_mongo_record *const flagged[] = {&lg_mongo_loan_record, &lg_mongo_repayment_record,
                                              &lg_mongo_chain_tx_record, &lg_mongo_position_record};
    for (size_t i = 0; i < sizeof flagged / sizeof flagged[0]; i++) {
        CU_ASSERT_EQUAL(lg_mongo_record_validator(flagged[i], &v), LG_OK);
        CU_ASSERT(bson_iter_init(&it, &v) &&
                  bson_iter_find_descendant(&it, "$jsonSchema.properties.sandbox", &it) &&
                  BSON_ITER_HOLDS_DOCUMENT(&it));
        bson_iter_document(&it, &len, &data);
        CU_ASSERT_FATAL(bson_init_static(&sub, data, len));
        expect_json(&sub, "{ \"bsonType\" : \"bool\" }");
        /* Required: the last of the list. */
        const char *last = NULL;
        CU_ASSERT_FATAL(bson_iter_init(&it, &v) &&
                        bson_iter_find_descendant(&it, "$jsonSchema.required", &it) &&
                        bson_iter_recurse(&it, &req));
        while (bson_iter_next(&req))
            last = bson_iter_utf8(&req, NULL);
        CU_ASSERT(last && strcmp(last, "sandbox") == 0);
        bson_reinit(&v);
    }
    /* Records the operations do not flag have no such property. */
    CU_ASSERT_EQUAL(lg_mongo_record_validator(&lg_mongo_ledger_record, &v), LG_OK);
    CU_ASSERT_FALSE(bson_iter_init(&it, &v) &&
                    bson_iter_find_descendant(&it, "$jsonSchema.properties.sandbox", &it));
    bson_destroy(&v);
}

static void test_key_and_replay_documents(void)
{
    bson_t b;
    CU_ASSERT_EQUAL(lg_mongo_keys_expire_filter("p", 4, 1000, &b), LG_OK);
    expect_json(&b, "{ \"partnerId\" : \"p\", \"keyId\" : { \"$ne\" : { \"$numberLong\" : "
                    "\"4\" } }, \"revokedAt\" : { \"$date\" : { \"$numberLong\" : \"0\" } }, "
                    "\"$or\" : [ { \"expiresAt\" : { \"$date\" : { \"$numberLong\" : \"0\" } } }, "
                    "{ \"expiresAt\" : { \"$gt\" : { \"$date\" : { \"$numberLong\" : \"1000\" } "
                    "} } } ] }");
    bson_destroy(&b);
    CU_ASSERT_EQUAL(lg_mongo_replay_update(9, &b), LG_OK);
    expect_json(&b, "{ \"$set\" : { \"status\" : { \"$numberInt\" : \"0\" }, \"attempts\" : { "
                    "\"$numberLong\" : \"0\" }, \"nextAttemptAt\" : { \"$date\" : { "
                    "\"$numberLong\" : \"9\" } }, \"leaseOwner\" : \"\", \"leaseUntil\" : { "
                    "\"$date\" : { \"$numberLong\" : \"0\" } }, \"updatedAt\" : { \"$date\" : { "
                    "\"$numberLong\" : \"9\" } } } }");
    bson_destroy(&b);
}

/* ------------------------------------------------------------ errors */

static void make_error(bson_error_t *e, uint32_t domain, uint32_t code)
{
    memset(e, 0, sizeof *e);
    e->domain = domain;
    e->code = code;
    snprintf(e->message, sizeof e->message, "constructed error");
}

static void test_error_duplicates(void)
{
    bson_error_t e;
    lg_mongo_retry retry = LG_MONGO_RETRY_TXN;
    make_error(&e, MONGOC_ERROR_SERVER, 11000);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, &retry), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(retry, LG_MONGO_FINAL);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_CONFLICT, NULL), LG_ERR_CONFLICT);
    make_error(&e, MONGOC_ERROR_COLLECTION, 11001);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_DUPLICATE);

    /* A write error in the reply names the duplicate when the error names the command. */
    bson_t reply;
    from_json(&reply,
              "{\"writeErrors\": [{\"index\": 0, \"code\": 11000, \"errmsg\": \"E11000\"}]}");
    make_error(&e, MONGOC_ERROR_COMMAND, 1);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, &reply, LG_ERR_DUPLICATE, NULL), LG_ERR_DUPLICATE);
    CU_ASSERT_EQUAL(lg_mongo_reply_code(&reply), 11000);
    bson_destroy(&reply);
}

static void test_error_classes(void)
{
    bson_error_t e;
    make_error(&e, MONGOC_ERROR_WRITE_CONCERN, 64);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_STORE);
    bson_t reply;
    from_json(&reply, "{\"ok\": 1, \"writeConcernError\": {\"code\": 64, \"errmsg\": \"waiting "
                      "for replication timed out\"}}");
    CU_ASSERT_EQUAL(lg_mongo_reply_code(&reply), 64);
    CU_ASSERT_EQUAL(lg_mongo_error_map(NULL, &reply, LG_ERR_DUPLICATE, NULL), LG_ERR_STORE);
    bson_destroy(&reply);

    make_error(&e, MONGOC_ERROR_SERVER, 112); /* WriteConflict */
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_BUSY);
    make_error(&e, MONGOC_ERROR_SERVER, 50); /* MaxTimeMSExpired */
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_BUSY);
    make_error(&e, MONGOC_ERROR_SERVER, 10107); /* NotWritablePrimary */
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_BUSY);
    make_error(&e, MONGOC_ERROR_SERVER_SELECTION, MONGOC_ERROR_SERVER_SELECTION_FAILURE);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_BUSY);
    make_error(&e, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_BUSY);
    make_error(&e, MONGOC_ERROR_SERVER, 14031); /* OutOfDiskSpace */
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_DISK);
    make_error(&e, MONGOC_ERROR_SERVER, 20); /* transactions on a standalone */
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_UNSUPPORTED);
    make_error(&e, MONGOC_ERROR_SERVER, 121); /* DocumentValidationFailure */
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_STORE);
    make_error(&e, MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_ERR_STORE);
    make_error(&e, 0, 0);
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, NULL, LG_ERR_DUPLICATE, NULL), LG_OK);
    CU_ASSERT_EQUAL(lg_mongo_error_map(NULL, NULL, LG_ERR_DUPLICATE, NULL), LG_OK);
}

static void test_error_labels(void)
{
    bson_error_t e;
    bson_t reply;
    lg_mongo_retry retry = LG_MONGO_FINAL;
    make_error(&e, MONGOC_ERROR_SERVER, 112);
    from_json(&reply,
              "{\"ok\": 0, \"code\": 112, \"errorLabels\": [\"TransientTransactionError\"]}");
    CU_ASSERT(lg_mongo_has_label(&reply, "TransientTransactionError"));
    CU_ASSERT(!lg_mongo_has_label(&reply, "UnknownTransactionCommitResult"));
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, &reply, LG_ERR_DUPLICATE, &retry), LG_ERR_BUSY);
    CU_ASSERT_EQUAL(retry, LG_MONGO_RETRY_TXN);
    bson_destroy(&reply);

    make_error(&e, MONGOC_ERROR_WRITE_CONCERN, 64);
    from_json(&reply, "{\"ok\": 1, \"writeConcernError\": {\"code\": 64}, \"errorLabels\": "
                      "[\"RetryableWriteError\", \"UnknownTransactionCommitResult\"]}");
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, &reply, LG_ERR_DUPLICATE, &retry), LG_ERR_BUSY);
    CU_ASSERT_EQUAL(retry, LG_MONGO_RETRY_COMMIT);
    bson_destroy(&reply);

    /* A duplicate inside a transaction is final: running it again cannot help. */
    make_error(&e, MONGOC_ERROR_SERVER, 11000);
    from_json(&reply, "{\"ok\": 0, \"code\": 11000}");
    CU_ASSERT_EQUAL(lg_mongo_error_map(&e, &reply, LG_ERR_CONFLICT, &retry), LG_ERR_CONFLICT);
    CU_ASSERT_EQUAL(retry, LG_MONGO_FINAL);
    bson_destroy(&reply);

    from_json(&reply, "{\"errorLabels\": \"TransientTransactionError\"}"); /* not an array */
    CU_ASSERT(!lg_mongo_has_label(&reply, "TransientTransactionError"));
    CU_ASSERT(!lg_mongo_has_label(NULL, "TransientTransactionError"));
    bson_destroy(&reply);
}

/* ------------------------------------------------------------ opening */

/* Opening a mongodb store loads libmongoc with its shared-memory counters off: no
 * /dev/shm/mongoc-<pid> is left behind, whether or not a server answers. Port 1 on
 * loopback refuses at once: nothing leaves the machine. */
static void test_open_leaves_no_shm(void)
{
    char path[64];
    struct stat sb;
    snprintf(path, sizeof path, "/dev/shm/mongoc-%ld", (long)getpid());
    CU_ASSERT_EQUAL(lg_store_mongo_configure("lgtest_open", 1000), LG_OK);
    lg_store *st = NULL;
    CU_ASSERT_EQUAL(lg_store_open("mongodb", "mongodb://127.0.0.1:1/?replicaSet=rs0", 1000, &st),
                    LG_ERR_STORE);
    CU_ASSERT_PTR_NULL(st);
    CU_ASSERT_STRING_EQUAL(getenv("MONGOC_DISABLE_SHM"), "1");
    CU_ASSERT(stat(path, &sb) != 0);
    /* A location that is no connection string is refused before any connection. */
    CU_ASSERT_EQUAL(lg_store_open("mongodb", "http://127.0.0.1/", 1000, &st), LG_ERR_STORE);
    CU_ASSERT(stat(path, &sb) != 0);
}

static void test_settings(void)
{
    char db[LG_MONGO_DATABASE_LEN];
    int timeout = 0;
    CU_ASSERT_EQUAL(lg_store_mongo_configure("lendgate_prod-2", 2500), LG_OK);
    lg_store_mongo_settings(db, &timeout);
    CU_ASSERT_STRING_EQUAL(db, "lendgate_prod-2");
    CU_ASSERT_EQUAL(timeout, 2500);
    /* Refused, and nothing changes. */
    CU_ASSERT_EQUAL(lg_store_mongo_configure("a.b", 2500), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_mongo_configure("a/b", 2500), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_mongo_configure("", 2500), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_mongo_configure(NULL, 2500), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_mongo_configure("x", 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_mongo_configure("x", 600001), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_mongo_configure(
                        "a123456789012345678901234567890123456789012345678901234567890123", 10),
                    LG_ERR_INVALID);
    lg_store_mongo_settings(db, &timeout);
    CU_ASSERT_STRING_EQUAL(db, "lendgate_prod-2");
    CU_ASSERT_EQUAL(timeout, 2500);
    CU_ASSERT_EQUAL(
        lg_store_mongo_configure(LG_MONGO_DEFAULT_DATABASE, LG_MONGO_DEFAULT_TIMEOUT_MS), LG_OK);
}

int main(void)
{
    static const lg_test_case map_tests[] = {
        {"every record round-trips", test_round_trips},
        {"exact documents", test_exact_documents},
        {"money is Int64", test_money_is_int64},
        {"encode refuses what cannot be stored", test_encode_refusals},
        {"decode refuses what does not fit", test_decode_refusals},
        {"json-schema validator", test_validator},
        {NULL, NULL},
    };
    static const lg_test_case builder_tests[] = {
        {"limit reservations", test_reservation_documents},
        {"nonces and leases", test_nonce_and_lease_documents},
        {"offsets, keys, cursors", test_other_documents},
        {"partner update", test_partner_update_document},
        {"releases and position links", test_release_and_link_documents},
        {"key expiry and replay", test_key_and_replay_documents},
        {"cluster guards: rates and replays", test_guard_documents},
        {NULL, NULL},
    };
    static const lg_test_case sandbox_tests[] = {
        {"partner liveId", test_partner_live_id},
        {"twin round-trips", test_partner_live_id_round_trip},
        {"twin made from its live partner", test_partner_twin_document},
        {"settings mirrored onto the twin", test_partner_mirror_document},
        {"partner lists leave twins out", test_partner_list_filter},
        {"lists and positions per chain", test_scoped_filters},
        {"the sandbox flag", test_sandbox_flag},
        {"liveId validator", test_live_id_validator},
        {"sandbox flag validators", test_flag_validators},
        {NULL, NULL},
    };
    static const lg_test_case error_tests[] = {
        {"duplicate keys", test_error_duplicates},
        {"error classes", test_error_classes},
        {"transaction labels", test_error_labels},
        {NULL, NULL},
    };
    static const lg_test_case open_tests[] = {
        {"settings", test_settings},
        {"opening leaves no shared memory", test_open_leaves_no_shm},
        {NULL, NULL},
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_set_level(LG_LOG_OFF); /* refusals log by design */
    lg_test_add_suite("mongo map", NULL, NULL, map_tests);
    lg_test_add_suite("mongo builders", NULL, NULL, builder_tests);
    lg_test_add_suite("mongo sandbox", NULL, NULL, sandbox_tests);
    lg_test_add_suite("mongo errors", NULL, NULL, error_tests);
    lg_test_add_suite("mongo open", NULL, NULL, open_tests);
    return lg_test_run("test_store_mongo_map");
}
