/*
 * mongo_store.c - the MongoDB store backend ("mongodb"): opening a client on a replica
 * set (a standalone server is refused: the contract needs transactions), the schema
 * (collections with $jsonSchema validators, and indexes, made idempotently by
 * migrate), and the backend's table. The operations live in mongo_partners.c and
 * mongo_chain.c; those not written yet are NULL (store.c answers LG_ERR_UNSUPPORTED).
 */
#include "config.h"

#include "mongo_error.h"
#include "mongo_internal.h"

#include <lendgate/log.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define M lg_mongoc

/* ------------------------------------------------------------ open and close */

/* Majority writes bounded by busy_timeout_ms, majority reads, retryable reads and
 * writes, and the time limits of the settings, on top of what the URI says. */
static lg_err uri_options(mongoc_uri_t *uri, int busy_timeout_ms, int timeout_ms)
{
    mongoc_write_concern_t *wc = M->mongoc_write_concern_new();
    M->mongoc_write_concern_set_w(wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
    M->mongoc_write_concern_set_wtimeout_int64(wc, busy_timeout_ms);
    M->mongoc_uri_set_write_concern(uri, wc);
    M->mongoc_write_concern_destroy(wc);
    mongoc_read_concern_t *rc = M->mongoc_read_concern_new();
    M->mongoc_read_concern_set_level(rc, MONGOC_READ_CONCERN_LEVEL_MAJORITY);
    M->mongoc_uri_set_read_concern(uri, rc);
    M->mongoc_read_concern_destroy(rc);
    bool ok =
        M->mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYWRITES, true) &&
        M->mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYREADS, true) &&
        M->mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, timeout_ms) &&
        M->mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, timeout_ms) &&
        M->mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, timeout_ms);
    return ok ? LG_OK : LG_ERR_STORE;
}

/* Transactions read a snapshot and commit with majority, on the primary. */
static mongoc_transaction_opt_t *transaction_options(int busy_timeout_ms)
{
    mongoc_transaction_opt_t *o = M->mongoc_transaction_opts_new();
    mongoc_read_concern_t *rc = M->mongoc_read_concern_new();
    M->mongoc_read_concern_set_level(rc, MONGOC_READ_CONCERN_LEVEL_SNAPSHOT);
    M->mongoc_transaction_opts_set_read_concern(o, rc);
    M->mongoc_read_concern_destroy(rc);
    mongoc_write_concern_t *wc = M->mongoc_write_concern_new();
    M->mongoc_write_concern_set_w(wc, MONGOC_WRITE_CONCERN_W_MAJORITY);
    M->mongoc_write_concern_set_wtimeout_int64(wc, busy_timeout_ms);
    M->mongoc_transaction_opts_set_write_concern(o, wc);
    M->mongoc_write_concern_destroy(wc);
    mongoc_read_prefs_t *rp = M->mongoc_read_prefs_new(MONGOC_READ_PRIMARY);
    M->mongoc_transaction_opts_set_read_prefs(o, rp);
    M->mongoc_read_prefs_destroy(rp);
    return o;
}

/* Runs {cmd: 1} on admin. Out: *reply (initialized in every case). */
static bool admin_command(mongo_store *ms, const char *cmd, bson_t *reply, bson_error_t *err)
{
    bson_t c = BSON_INITIALIZER;
    BSON_APPEND_INT32(&c, cmd, 1);
    bool ok = M->mongoc_client_command_simple(ms->client, "admin", &c, NULL, reply, err);
    bson_destroy(&c);
    return ok;
}

/* The server must run transactions: a replica set member or a mongos. */
static lg_err check_topology(mongo_store *ms)
{
    bson_t reply;
    bson_error_t err;
    bool ok = admin_command(ms, "hello", &reply, &err);
    if (!ok && err.code == 59) { /* CommandNotFound: a server older than 4.4.2 */
        bson_destroy(&reply);
        ok = admin_command(ms, "isMaster", &reply, &err);
    }
    if (!ok) {
        lg_error("store.mongo", "cannot reach the MongoDB server within %d ms: %s", ms->timeout_ms,
                 err.message);
        bson_destroy(&reply);
        return LG_ERR_STORE;
    }
    bson_iter_t it;
    int replset = bson_iter_init_find(&it, &reply, "setName") && BSON_ITER_HOLDS_UTF8(&it);
    int mongos = bson_iter_init_find(&it, &reply, "msg") && BSON_ITER_HOLDS_UTF8(&it) &&
                 strcmp(bson_iter_utf8(&it, NULL), "isdbgrid") == 0;
    bson_destroy(&reply);
    if (replset || mongos)
        return LG_OK;
    lg_error("store.mongo", "the MongoDB server is a standalone server, which cannot run "
                            "transactions: the mongodb store needs a replica set (start mongod "
                            "with --replSet and run rs.initiate(), a one-member set will do) or "
                            "a sharded cluster");
    return LG_ERR_STORE;
}

static void mongo_close(lg_store *st)
{
    mongo_store *ms = mg_of(st);
    if (!ms)
        return;
    if (ms->client) {
        /* A child that inherited the handle must not end the parent's sessions. */
        if (ms->pid != getpid())
            M->mongoc_client_reset(ms->client);
        M->mongoc_client_destroy(ms->client);
    }
    if (ms->txn_opts)
        M->mongoc_transaction_opts_destroy(ms->txn_opts);
    free(ms);
}

static lg_err schema_version_of(mongo_store *ms, int *version);

/* Makes ms's client from location (the URI). */
static lg_err connect_client(mongo_store *ms, const char *location, int busy_timeout_ms)
{
    bson_error_t err;
    mongoc_uri_t *uri = M->mongoc_uri_new_with_error(location, &err);
    if (!uri) {
        /* err.message quotes no part of the URI, which may carry a password. */
        lg_error("store.mongo", "[store] mongodb_uri is not a MongoDB connection string: %s",
                 err.message);
        return LG_ERR_STORE;
    }
    lg_err rc = uri_options(uri, busy_timeout_ms, ms->timeout_ms);
    if (rc == LG_OK) {
        ms->client = M->mongoc_client_new_from_uri(uri);
        if (!ms->client)
            rc = LG_ERR_STORE;
    }
    M->mongoc_uri_destroy(uri);
    if (rc != LG_OK)
        return rc;
    M->mongoc_client_set_error_api(ms->client, MONGOC_ERROR_API_VERSION_2);
    M->mongoc_client_set_appname(ms->client, "lendgate");
    ms->txn_opts = transaction_options(busy_timeout_ms);
    return LG_OK;
}

static lg_err mongo_open(const char *location, int busy_timeout_ms, lg_store **out)
{
    lg_err rc = lg_mongoc_load();
    if (rc != LG_OK)
        return rc;
    mongo_store *ms = calloc(1, sizeof *ms);
    if (!ms)
        return LG_ERR_NOMEM;
    ms->pid = getpid();
    lg_store_mongo_settings(ms->db, &ms->timeout_ms);
    rc = connect_client(ms, location, busy_timeout_ms > 0 ? busy_timeout_ms : ms->timeout_ms);
    if (rc == LG_OK)
        rc = check_topology(ms);
    int version = 0;
    if (rc == LG_OK)
        rc = schema_version_of(ms, &version);
    if (rc == LG_OK && version > LG_MONGO_SCHEMA_VERSION) {
        lg_error("store.mongo", "database '%s' has schema version %d, newer than this build's %d",
                 ms->db, version, LG_MONGO_SCHEMA_VERSION);
        rc = LG_ERR_SCHEMA;
    }
    if (rc != LG_OK) {
        mongo_close(&ms->base);
        return rc;
    }
    *out = &ms->base;
    return LG_OK;
}

/* ------------------------------------------------------------ schema */

static lg_err schema_version_of(mongo_store *ms, int *version)
{
    bson_t filter = BSON_INITIALIZER, sort, doc;
    int found = 0;
    *version = 0;
    mg_sort1(&sort, "_id", -1);
    lg_err rc = mg_find_one(ms, NULL, "schema_migrations", &filter, &sort, &doc, &found);
    bson_iter_t it;
    if (rc == LG_OK && found) {
        if (bson_iter_init_find(&it, &doc, "_id") && BSON_ITER_HOLDS_INT32(&it) &&
            bson_iter_int32(&it) > 0)
            *version = bson_iter_int32(&it);
        else
            rc = LG_ERR_STORE;
    }
    bson_destroy(&doc);
    bson_destroy(&sort);
    bson_destroy(&filter);
    return rc;
}

static lg_err mongo_schema_version(lg_store *st, int *version)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    return rc != LG_OK ? rc : schema_version_of(ms, version);
}

/* The collections with a record table, validated by its $jsonSchema. */
static const lg_mongo_record *const validated[] = {
    &lg_mongo_partner_record,      &lg_mongo_api_key_record,     &lg_mongo_position_record,
    &lg_mongo_loan_record,         &lg_mongo_repayment_record,   &lg_mongo_chain_tx_record,
    &lg_mongo_api_log_record,      &lg_mongo_ledger_record,      &lg_mongo_event_record,
    &lg_mongo_attempt_record,      &lg_mongo_admin_audit_record, &lg_mongo_deposit_record,
    &lg_mongo_nonce_record,        &lg_mongo_lease_record,       &lg_mongo_cursor_record,
    &lg_mongo_audit_offset_record, &lg_mongo_daily_usage_record, &lg_mongo_rate_record,
    &lg_mongo_replay_record,
};

/* One index: collection, name, keys and partial filter as relaxed JSON. */
typedef struct index_spec {
    const char *coll;
    const char *name;
    const char *keys;
    int unique;
    const char *partial; /* NULL = none */
} index_spec;

/* The plan's unique keys (partnerId, apiKey hash, partnerLoanId, internalLoanId and
 * the compound ones) and the indexes of the operations' queries. */
static const index_spec indexes[] = {
    {"partners", "partnerId_1", "{\"partnerId\": 1}", 1, NULL},
    {"partners", "keyPrefix_1", "{\"keyPrefix\": 1}", 1, NULL},
    {"partners", "createdAt_1_partnerId_1", "{\"createdAt\": 1, \"partnerId\": 1}", 0, NULL},
    /* A live partner has one sandbox twin at most; live partners have no liveId. */
    {"partners", "liveId_1", "{\"liveId\": 1}", 1, "{\"liveId\": {\"$type\": \"string\"}}"},
    {"api_keys", "apiKeyHash_1", "{\"apiKeyHash\": 1}", 1, NULL},
    {"api_keys", "keyId_1", "{\"keyId\": 1}", 1, NULL},
    {"api_keys", "partnerId_1_createdAt_-1", "{\"partnerId\": 1, \"createdAt\": -1}", 0, NULL},
    {"partner_loans", "internalLoanId_1", "{\"internalLoanId\": 1}", 1, NULL},
    {"partner_loans", "partnerId_1_partnerLoanId_1", "{\"partnerId\": 1, \"partnerLoanId\": 1}", 1,
     NULL},
    {"partner_loans", "partnerId_1_createdAt_-1", "{\"partnerId\": 1, \"createdAt\": -1}", 0, NULL},
    {"partner_loans", "status_1_createdAt_1", "{\"status\": 1, \"createdAt\": 1}", 0, NULL},
    /* The lists of a chain's reconcile (mongo_map.h: the sandbox flag). */
    {"partner_loans", "sandbox_1_status_1_createdAt_1",
     "{\"sandbox\": 1, \"status\": 1, \"createdAt\": 1}", 0, NULL},
    {"partner_loans", "userWallet_1_oaidTokenId_1", "{\"userWallet\": 1, \"oaidTokenId\": 1}", 0,
     NULL},
    {"partner_repayments", "repaymentId_1", "{\"repaymentId\": 1}", 1, NULL},
    {"partner_repayments", "internalLoanId_1_createdAt_1",
     "{\"internalLoanId\": 1, \"createdAt\": 1}", 0, NULL},
    {"partner_repayments", "status_1_createdAt_1", "{\"status\": 1, \"createdAt\": 1}", 0, NULL},
    {"partner_repayments", "sandbox_1_status_1_createdAt_1",
     "{\"sandbox\": 1, \"status\": 1, \"createdAt\": 1}", 0, NULL},
    /* An Idempotency-Key is unique per loan among PENDING (0) and APPLIED (1) ones. */
    {"partner_repayments", "internalLoanId_1_idempotencyKey_1",
     "{\"internalLoanId\": 1, \"idempotencyKey\": 1}", 1,
     "{\"idempotencyKey\": {\"$gt\": \"\"}, \"status\": {\"$lte\": 1}}"},
    /* One position per chain (schema 1's userWallet_1_oaidTokenId_1 is dropped). */
    {"solvency_positions", "sandbox_1_userWallet_1_oaidTokenId_1",
     "{\"sandbox\": 1, \"userWallet\": 1, \"oaidTokenId\": 1}", 1, NULL},
    {"solvency_positions", "partnerLoans.internalLoanId_1", "{\"partnerLoans.internalLoanId\": 1}",
     0, NULL},
    {"chain_transactions", "txHash_1", "{\"txHash\": 1}", 1, NULL},
    {"chain_transactions", "txId_1", "{\"txId\": 1}", 1, NULL},
    {"chain_transactions", "internalLoanId_1_txId_1", "{\"internalLoanId\": 1, \"txId\": 1}", 0,
     NULL},
    {"chain_transactions", "repaymentId_1_txId_1", "{\"repaymentId\": 1, \"txId\": 1}", 0, NULL},
    {"chain_transactions", "state_1_txId_1", "{\"state\": 1, \"txId\": 1}", 0, NULL},
    {"chain_transactions", "sandbox_1_state_1_txId_1",
     "{\"sandbox\": 1, \"state\": 1, \"txId\": 1}", 0, NULL},
    {"chain_transactions", "chainId_1_from_1_nonce_1",
     "{\"chainId\": 1, \"from\": 1, \"nonce\": 1}", 0, NULL},
    {"partner_api_logs", "logId_1", "{\"logId\": 1}", 1, NULL},
    {"partner_api_logs", "spoolId_1", "{\"spoolId\": 1}", 1, "{\"spoolId\": {\"$gt\": \"\"}}"},
    {"partner_api_logs", "partnerId_1_createdAt_-1", "{\"partnerId\": 1, \"createdAt\": -1}", 0,
     NULL},
    {"partner_api_logs", "createdAt_-1", "{\"createdAt\": -1}", 0, NULL},
    {"partner_ledger", "entryId_1", "{\"entryId\": 1}", 1, NULL},
    {"partner_ledger", "partnerId_1_createdAt_-1", "{\"partnerId\": 1, \"createdAt\": -1}", 0,
     NULL},
    {"webhook_outbox", "seqId_1", "{\"seqId\": 1}", 1, NULL},
    {"webhook_outbox", "eventId_1", "{\"eventId\": 1}", 1, NULL},
    {"webhook_outbox", "partnerId_1_sequence_1", "{\"partnerId\": 1, \"sequence\": 1}", 1, NULL},
    {"webhook_outbox", "status_1_nextAttemptAt_1", "{\"status\": 1, \"nextAttemptAt\": 1}", 0,
     NULL},
    {"webhook_attempts", "eventId_1_attempt_1", "{\"eventId\": 1, \"attempt\": 1}", 1, NULL},
    {"admin_audit", "auditId_1", "{\"auditId\": 1}", 1, NULL},
    {"admin_audit", "createdAt_-1", "{\"createdAt\": -1}", 0, NULL},
    {"admin_audit", "target_1_createdAt_-1", "{\"target\": 1, \"createdAt\": -1}", 0, NULL},
    {"partner_deposits", "txHash_1", "{\"txHash\": 1}", 1, NULL},
    {"partner_deposits", "partnerId_1_createdAt_-1", "{\"partnerId\": 1, \"createdAt\": -1}", 0,
     NULL},
    {"partner_daily_usage", "partnerId_1_day_1", "{\"partnerId\": 1, \"day\": 1}", 1, NULL},
};

/* Runs cmd on the database; *code = the server's error code (0 on success). */
static lg_err db_command(mongo_store *ms, const bson_t *cmd, uint32_t *code)
{
    bson_t reply;
    bson_error_t err;
    *code = 0;
    mongoc_database_t *db = M->mongoc_client_get_database(ms->client, ms->db);
    bool ok = M->mongoc_database_command_simple(db, cmd, NULL, &reply, &err);
    lg_err rc = LG_OK;
    if (!ok) {
        *code = err.code;
        rc = lg_mongo_error_map(&err, &reply, LG_ERR_STORE, NULL);
        if (rc == LG_OK)
            rc = LG_ERR_STORE;
    }
    bson_destroy(&reply);
    M->mongoc_database_destroy(db);
    return rc;
}

/* Creates coll with its validator, or puts the validator on the existing one. */
static lg_err ensure_collection(mongo_store *ms, const lg_mongo_record *rec)
{
    const char *coll = lg_mongo_record_collection(rec);
    bson_t cmd = BSON_INITIALIZER, validator = BSON_INITIALIZER;
    uint32_t code = 0;
    lg_err rc = lg_mongo_record_validator(rec, &validator);
    for (int pass = 0; rc == LG_OK && pass < 2; pass++) {
        bson_reinit(&cmd);
        bool ok = BSON_APPEND_UTF8(&cmd, pass == 0 ? "create" : "collMod", coll) &&
                  BSON_APPEND_DOCUMENT(&cmd, "validator", &validator) &&
                  BSON_APPEND_UTF8(&cmd, "validationLevel", "strict") &&
                  BSON_APPEND_UTF8(&cmd, "validationAction", "error");
        if (!ok) {
            rc = LG_ERR_NOMEM;
            break;
        }
        rc = db_command(ms, &cmd, &code);
        if (pass == 0 && code == 48) /* NamespaceExists: update its validator */
            rc = LG_OK;
        else
            break;
    }
    if (rc != LG_OK)
        lg_error("store.mongo", "migrate: collection %s: %s (code %u)", coll, lg_strerror(rc),
                 code);
    bson_destroy(&validator);
    bson_destroy(&cmd);
    return rc;
}

/* Collections without a record table: id counters, limit warning marks, applied
 * schema versions. Made here because a server before 4.4 cannot create a collection
 * inside a transaction. */
static const char *const plain[] = {"counters", "limit_warnings", "schema_migrations"};

static lg_err ensure_plain(mongo_store *ms, const char *coll)
{
    bson_t cmd = BSON_INITIALIZER;
    uint32_t code = 0;
    BSON_APPEND_UTF8(&cmd, "create", coll);
    lg_err rc = db_command(ms, &cmd, &code);
    if (code == 48) /* NamespaceExists */
        rc = LG_OK;
    if (rc != LG_OK)
        lg_error("store.mongo", "migrate: collection %s: %s (code %u)", coll, lg_strerror(rc),
                 code);
    bson_destroy(&cmd);
    return rc;
}

static lg_err create_index(mongo_store *ms, const index_spec *ix)
{
    bson_error_t err;
    bson_t *keys = bson_new_from_json((const uint8_t *)ix->keys, -1, &err);
    bson_t *partial =
        ix->partial ? bson_new_from_json((const uint8_t *)ix->partial, -1, &err) : NULL;
    bson_t cmd = BSON_INITIALIZER, arr, one;
    bool ok = keys && (!ix->partial || partial) &&
              BSON_APPEND_UTF8(&cmd, "createIndexes", ix->coll) &&
              BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr) &&
              BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &one) &&
              BSON_APPEND_DOCUMENT(&one, "key", keys) && BSON_APPEND_UTF8(&one, "name", ix->name) &&
              (!ix->unique || BSON_APPEND_BOOL(&one, "unique", true)) &&
              (!partial || BSON_APPEND_DOCUMENT(&one, "partialFilterExpression", partial)) &&
              bson_append_document_end(&arr, &one) && bson_append_array_end(&cmd, &arr);
    uint32_t code = 0;
    lg_err rc = ok ? db_command(ms, &cmd, &code) : LG_ERR_INTERNAL;
    if (rc != LG_OK)
        lg_error("store.mongo", "migrate: index %s of %s: %s (code %u)", ix->name, ix->coll,
                 lg_strerror(rc), code);
    bson_destroy(&cmd);
    bson_destroy(partial);
    bson_destroy(keys);
    return rc;
}

/* The collections whose documents expire at their expiresAt: the cluster guards'
 * counters and replay digests (the TTL monitor runs about once a minute, so the
 * operations never rely on it to decide). */
static const char *const expiring[] = {"guard_rates", "guard_replays"};

static lg_err create_ttl_index(mongo_store *ms, const char *coll)
{
    bson_t cmd = BSON_INITIALIZER, arr, one, keys;
    bool ok = BSON_APPEND_UTF8(&cmd, "createIndexes", coll) &&
              BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr) &&
              BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &one) &&
              BSON_APPEND_DOCUMENT_BEGIN(&one, "key", &keys) &&
              BSON_APPEND_INT32(&keys, "expiresAt", 1) && bson_append_document_end(&one, &keys) &&
              BSON_APPEND_UTF8(&one, "name", "expiresAt_ttl") &&
              BSON_APPEND_INT32(&one, "expireAfterSeconds", 0) &&
              bson_append_document_end(&arr, &one) && bson_append_array_end(&cmd, &arr);
    uint32_t code = 0;
    lg_err rc = ok ? db_command(ms, &cmd, &code) : LG_ERR_NOMEM;
    if (rc != LG_OK)
        lg_error("store.mongo", "migrate: TTL index of %s: %s (code %u)", coll, lg_strerror(rc),
                 code);
    bson_destroy(&cmd);
    return rc;
}

/* The collections whose documents carry the sandbox flag (mongo_map.h). */
static const char *const flagged[] = {"partner_loans", "partner_repayments", "chain_transactions",
                                      "solvency_positions"};

/* Schema 1's documents were all the live chain's: they get sandbox false. */
static lg_err backfill_sandbox(mongo_store *ms, const char *coll)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, cond, set;
    bool ok = BSON_APPEND_DOCUMENT_BEGIN(&filter, LG_MONGO_SANDBOX_FIELD, &cond) &&
              BSON_APPEND_BOOL(&cond, "$exists", false) &&
              bson_append_document_end(&filter, &cond) &&
              BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set) &&
              BSON_APPEND_BOOL(&set, LG_MONGO_SANDBOX_FIELD, false) &&
              bson_append_document_end(&update, &set);
    lg_err rc =
        ok ? mg_update(ms, NULL, coll, &filter, &update, 0, 1, LG_ERR_STORE, NULL) : LG_ERR_NOMEM;
    if (rc != LG_OK)
        lg_error("store.mongo", "migrate: sandbox flag of %s: %s", coll, lg_strerror(rc));
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* Drops index name of coll when it is there. */
static lg_err drop_index(mongo_store *ms, const char *coll, const char *name)
{
    bson_t cmd = BSON_INITIALIZER;
    uint32_t code = 0;
    lg_err rc = BSON_APPEND_UTF8(&cmd, "dropIndexes", coll) && BSON_APPEND_UTF8(&cmd, "index", name)
                    ? db_command(ms, &cmd, &code)
                    : LG_ERR_NOMEM;
    if (code == 26 || code == 27) /* NamespaceNotFound, IndexNotFound */
        rc = LG_OK;
    if (rc != LG_OK)
        lg_error("store.mongo", "migrate: drop index %s of %s: %s (code %u)", name, coll,
                 lg_strerror(rc), code);
    bson_destroy(&cmd);
    return rc;
}

/* Records the schema version; *applied = 1 when it was not recorded before. */
static lg_err record_version(mongo_store *ms, int *applied)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, ins;
    BSON_APPEND_INT32(&filter, "_id", LG_MONGO_SCHEMA_VERSION);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$setOnInsert", &ins);
    BSON_APPEND_DATE_TIME(&ins, "appliedAt", lg_time_now_ms());
    bson_append_document_end(&update, &ins);
    mg_update_result res;
    lg_err rc =
        mg_update(ms, NULL, "schema_migrations", &filter, &update, 1, 0, LG_ERR_STORE, &res);
    if (rc == LG_OK)
        *applied = res.upserted > 0 ? 1 : 0;
    bson_destroy(&update);
    bson_destroy(&filter);
    return rc;
}

/* Idempotent: create makes what is missing, collMod and createIndexes with the same
 * names and keys change nothing that is already there. */
static lg_err mongo_migrate(lg_store *st, int *applied)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    /* Before the validators that require the flag (a missing collection is left so). */
    for (size_t i = 0; rc == LG_OK && i < sizeof flagged / sizeof flagged[0]; i++)
        rc = backfill_sandbox(ms, flagged[i]);
    for (size_t i = 0; rc == LG_OK && i < sizeof validated / sizeof validated[0]; i++)
        rc = ensure_collection(ms, validated[i]);
    for (size_t i = 0; rc == LG_OK && i < sizeof plain / sizeof plain[0]; i++)
        rc = ensure_plain(ms, plain[i]);
    /* Schema 1 had one position per (userWallet, oaidTokenId); now one per chain. */
    if (rc == LG_OK)
        rc = drop_index(ms, "solvency_positions", "userWallet_1_oaidTokenId_1");
    for (size_t i = 0; rc == LG_OK && i < sizeof indexes / sizeof indexes[0]; i++)
        rc = create_index(ms, &indexes[i]);
    for (size_t i = 0; rc == LG_OK && i < sizeof expiring / sizeof expiring[0]; i++)
        rc = create_ttl_index(ms, expiring[i]);
    if (rc == LG_OK)
        rc = record_version(ms, applied);
    if (rc == LG_OK && *applied)
        lg_info("store.mongo", "database '%s' migrated to schema version %d", ms->db,
                LG_MONGO_SCHEMA_VERSION);
    return rc;
}

/* Writable now: the primary answers and the schema is known. */
static lg_err mongo_ping(lg_store *st, int *version)
{
    mongo_store *ms = mg_of(st);
    lg_err rc = mg_check(ms);
    if (rc == LG_OK)
        rc = check_topology(ms);
    if (rc == LG_OK)
        rc = schema_version_of(ms, version);
    if (rc == LG_OK && *version == 0)
        rc = LG_ERR_SCHEMA;
    return rc;
}

const lg_store_backend lg_store_mongo_backend = {
    .name = "mongodb",
    .open = mongo_open,
    .close = mongo_close,
    .migrate = mongo_migrate,
    .schema_version = mongo_schema_version,
    .ping = mongo_ping,
    .partner_get = lg_mongo_partner_get,
    .partner_sandbox = lg_mongo_partner_sandbox,
    .partner_list = lg_mongo_partner_list,
    .partner_by_key = lg_mongo_partner_by_key,
    .key_touch = lg_mongo_key_touch,
    .key_list = lg_mongo_key_list,
    .partner_get_by_prefix = lg_mongo_partner_get_by_prefix,
    .partner_count = lg_mongo_partner_count,
    .partner_onboard = lg_mongo_partner_onboard,
    .daily_usage = lg_mongo_daily_usage_get,
    .loan_get = lg_mongo_loan_get,
    .loan_get_by_id = lg_mongo_loan_get_by_id,
    .loan_reserve = lg_mongo_loan_reserve,
    .loan_mark_borrowed = lg_mongo_loan_mark_borrowed,
    .loan_fail = lg_mongo_loan_fail,
    .loan_release = lg_mongo_loan_release,
    .loan_list = lg_mongo_loan_list,
    .loan_list_unsettled = lg_mongo_loan_list_unsettled,
    .loan_list_overdue = lg_mongo_loan_list_overdue,
    .loan_confirm = lg_mongo_loan_confirm,
    .deposit_credit = lg_mongo_deposit_credit,
    .repay_begin = lg_mongo_repay_begin,
    .repay_apply = lg_mongo_repay_apply,
    .repay_fail = lg_mongo_repay_fail,
    .partner_update_audited = lg_mongo_partner_update_audited,
    .key_rotate = lg_mongo_key_rotate,
    .event_add = lg_mongo_event_add,
    .loan_default = lg_mongo_loan_default,
    .loan_view = lg_mongo_loan_view,
    .partner_stats = lg_mongo_partner_stats,
    .event_claim = lg_mongo_event_claim,
    .event_finish = lg_mongo_event_finish,
    .event_replay = lg_mongo_event_replay,
    .position_liquidate = lg_mongo_position_liquidate,
    .partner_import = lg_mongo_partner_import,
    .partner_analytics = lg_mongo_partner_analytics,
    .tx_record = lg_mongo_tx_record,
    .tx_set_state = lg_mongo_tx_set_state,
    .tx_list = lg_mongo_tx_list,
    .tx_list_unsettled = lg_mongo_tx_list_unsettled,
    .api_log_append = lg_mongo_api_log_append,
    .audit_ingest = lg_mongo_audit_ingest,
    .api_log_query = lg_mongo_api_log_query,
    .position_upsert = lg_mongo_position_upsert,
    .repay_get = lg_mongo_repay_get,
    .repay_list = lg_mongo_repay_list,
    .repay_list_pending = lg_mongo_repay_list_pending,
    .repay_release = lg_mongo_repay_release,
    .event_get = lg_mongo_event_get,
    .event_list = lg_mongo_event_list,
    .event_attempts = lg_mongo_event_attempts,
    .event_counts = lg_mongo_event_counts,
    .admin_audit_query = lg_mongo_admin_audit_query,
    .ledger_list = lg_mongo_ledger_list,
    .nonce_init = lg_mongo_nonce_init,
    .nonce_allocate = lg_mongo_nonce_allocate,
    .nonce_resync = lg_mongo_nonce_resync,
    .nonce_peek = lg_mongo_nonce_peek,
    .cursor_get = lg_mongo_cursor_get,
    .cursor_set = lg_mongo_cursor_set,
    .rate_take = lg_mongo_rate_take,
    .replay_claim = lg_mongo_replay_claim,
    .job_lease_take = lg_mongo_job_lease_take,
    .job_lease_release = lg_mongo_job_lease_release,
    .audit_offset = lg_mongo_audit_offset_get,
    .audit_forget = lg_mongo_audit_forget,
    /* A MongoDB store is a copy's target; exporting from it is not written. */
    .copy_import = lg_mongo_copy_import,
    .census = lg_mongo_census,
};
