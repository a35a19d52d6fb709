/*
 * test_store_mongo.c - the store conformance suite (store_conformance.c, the same one
 * SQLite passes) against the MongoDB backend, on the replica set that
 * LENDGATE_TEST_MONGODB_URI names. Without it the whole suite is reported SKIPPED
 * with the reason (exit 77, automake's SKIP), its tests counted as skipped.
 *
 * Every test gets a database of its own ("lgtest_<pid>_<n>", through the backend's
 * settings, which forked workers inherit); the previous test's is dropped first. What
 * the contract writes but does not read back (outbox events, positions and their loan
 * links), the suite sees through libmongoc on that database.
 */
#include "config.h"

#include "harness.h"
#include "mongo_lib.h"
#include "mongo_map.h"
#include "store_conformance.h"

#include <lendgate/log.h>
#include <lendgate/store.h>
#include <lendgate/store_mongo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define M lg_mongoc

/* Long enough that 8 racing workers never see LG_ERR_BUSY on a healthy cluster. */
#define BUSY_TIMEOUT_MS 10000
#define TIMEOUT_MS      10000

typedef struct mongo_ctx {
    const char *uri;
    char db[LG_MONGO_DATABASE_LEN];
    unsigned serial;
    mongoc_client_t *client; /* the test program's own, for drops and look-ups */
} mongo_ctx;

static mongoc_client_t *peek_client(mongo_ctx *c)
{
    if (c->client)
        return c->client;
    bson_error_t err;
    mongoc_uri_t *uri = M->mongoc_uri_new_with_error(c->uri, &err);
    if (!uri) {
        fprintf(stderr, "\n  LENDGATE_TEST_MONGODB_URI: %s\n", err.message);
        return NULL;
    }
    c->client = M->mongoc_client_new_from_uri(uri);
    M->mongoc_uri_destroy(uri);
    if (c->client)
        M->mongoc_client_set_error_api(c->client, MONGOC_ERROR_API_VERSION_2);
    return c->client;
}

static void mongo_teardown(void *ctx)
{
    mongo_ctx *c = ctx;
    if (!c->db[0] || !peek_client(c))
        return;
    mongoc_database_t *db = M->mongoc_client_get_database(c->client, c->db);
    bson_t cmd = BSON_INITIALIZER, reply;
    bson_error_t err;
    BSON_APPEND_INT32(&cmd, "dropDatabase", 1);
    if (!M->mongoc_database_command_simple(db, &cmd, NULL, &reply, &err))
        fprintf(stderr, "\n  dropDatabase %s: %s\n", c->db, err.message);
    bson_destroy(&reply);
    bson_destroy(&cmd);
    M->mongoc_database_destroy(db);
    c->db[0] = '\0';
}

static int mongo_fresh(void *ctx)
{
    mongo_ctx *c = ctx;
    mongo_teardown(c);
    snprintf(c->db, sizeof c->db, "lgtest_%ld_%u", (long)getpid(), ++c->serial);
    return lg_store_mongo_configure(c->db, TIMEOUT_MS) == LG_OK ? 0 : -1;
}

static lg_err mongo_open(void *ctx, lg_store **out)
{
    const mongo_ctx *c = ctx;
    return lg_store_open("mongodb", c->uri, BUSY_TIMEOUT_MS, out);
}

/* countDocuments of filter in coll of the current database; -1 when it cannot. */
static int64_t count_in(mongo_ctx *c, const char *coll, const bson_t *filter)
{
    if (!peek_client(c))
        return -1;
    mongoc_collection_t *col = M->mongoc_client_get_collection(c->client, c->db, coll);
    bson_error_t err;
    int64_t n = M->mongoc_collection_count_documents(col, filter, NULL, NULL, NULL, &err);
    if (n < 0)
        fprintf(stderr, "\n  count in %s: %s\n", coll, err.message);
    M->mongoc_collection_destroy(col);
    return n;
}

static int mongo_count_events(void *ctx, const char *partner_id, const char *event_type,
                              uint64_t *out)
{
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "partnerId", partner_id);
    BSON_APPEND_UTF8(&filter, "type", event_type);
    int64_t n = count_in(ctx, "webhook_outbox", &filter);
    bson_destroy(&filter);
    if (n < 0)
        return -1;
    *out = (uint64_t)n;
    return 0;
}

/* The first document of coll matching filter into *doc (initialized here). */
static int find_first(mongo_ctx *c, const char *coll, const bson_t *filter, bson_t *doc)
{
    bson_init(doc);
    if (!peek_client(c))
        return -1;
    mongoc_collection_t *col = M->mongoc_client_get_collection(c->client, c->db, coll);
    mongoc_cursor_t *cur = M->mongoc_collection_find_with_opts(col, filter, NULL, NULL);
    const bson_t *d;
    int rc = 1;
    if (M->mongoc_cursor_next(cur, &d)) {
        bson_destroy(doc);
        bson_copy_to(d, doc);
        rc = 0;
    }
    bson_error_t err;
    if (M->mongoc_cursor_error(cur, &err)) {
        fprintf(stderr, "\n  find in %s: %s\n", coll, err.message);
        rc = -1;
    }
    M->mongoc_cursor_destroy(cur);
    M->mongoc_collection_destroy(col);
    return rc;
}

/* The live chain's position (the sandbox's of the same wallet and OAID is another). */
static int mongo_get_position(void *ctx, const char *wallet, const char *oaid, lg_position *out)
{
    bson_t filter = BSON_INITIALIZER, doc;
    BSON_APPEND_BOOL(&filter, "sandbox", false);
    BSON_APPEND_UTF8(&filter, "userWallet", wallet);
    BSON_APPEND_UTF8(&filter, "oaidTokenId", oaid);
    int rc = find_first(ctx, "solvency_positions", &filter, &doc);
    if (rc == 0 && lg_mongo_position_from_bson(&doc, out) != LG_OK)
        rc = -1;
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

static int mongo_link_repaid(void *ctx, const char *loan_id, int *out)
{
    bson_t filter = BSON_INITIALIZER, doc;
    BSON_APPEND_UTF8(&filter, "partnerLoans.internalLoanId", loan_id);
    int rc = find_first(ctx, "solvency_positions", &filter, &doc);
    bson_iter_t it, arr;
    if (rc == 0) {
        rc = 1;
        if (bson_iter_init_find(&it, &doc, "partnerLoans") && bson_iter_recurse(&it, &arr)) {
            while (bson_iter_next(&arr)) {
                uint32_t len;
                const uint8_t *data;
                bson_t sub;
                lg_mongo_position_link link;
                if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
                    continue;
                bson_iter_document(&arr, &len, &data);
                if (bson_init_static(&sub, data, len) &&
                    lg_mongo_position_link_from_bson(&sub, &link) == LG_OK &&
                    strcmp(link.loan_id, loan_id) == 0) {
                    *out = link.repaid;
                    rc = 0;
                }
            }
        }
    }
    bson_destroy(&doc);
    bson_destroy(&filter);
    return rc;
}

/* What the suite would have run: its tests, counted without running them. */
static int skip_all(const lg_store_conformance_backend *b)
{
    lg_store_conformance_register(b);
    unsigned tests = CU_get_registry()->uiNumberOfTests;
    unsigned suites = CU_get_registry()->uiNumberOfSuites;
    CU_cleanup_registry();
    printf("SKIPPED: store conformance on MongoDB: LENDGATE_TEST_MONGODB_URI is not set (no "
           "MongoDB server on this machine)\n");
    printf("LG-RESULT test_store_mongo passed=0 failed=0 skipped=%u suites=%u asserts_failed=0\n",
           tests, suites);
    return 77; /* automake's SKIP */
}

int main(void)
{
    static mongo_ctx ctx;
    static const lg_store_conformance_backend backend = {
        .name = "mongodb",
        .ctx = &ctx,
        .fresh = mongo_fresh,
        .open = mongo_open,
        .teardown = mongo_teardown,
        .count_events = mongo_count_events,
        .get_position = mongo_get_position,
        .link_repaid = mongo_link_repaid,
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_set_level(LG_LOG_WARN);
    ctx.uri = getenv("LENDGATE_TEST_MONGODB_URI");
    if (!ctx.uri || !ctx.uri[0])
        return skip_all(&backend);
    if (lg_mongoc_load() != LG_OK) {
        fprintf(stderr, "test_store_mongo: libmongoc cannot be loaded\n");
        return 99;
    }
    lg_store_conformance_register(&backend);
    int rc = lg_test_run("test_store_mongo");
    mongo_teardown(&ctx);
    if (ctx.client)
        M->mongoc_client_destroy(ctx.client);
    return rc;
}
