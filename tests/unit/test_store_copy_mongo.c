/*
 * test_store_copy_mongo.c - lg_store_copy from a SQLite store into a MongoDB store,
 * without a server: a stand-in for libmongoc (lg_mongoc_use, a test hook) keeps the
 * documents of each collection in memory and answers the few commands the backend
 * sends (hello, find, insertMany, updateOne). The counts and money sums computed
 * here from the captured documents, by the mapping's field names and BSON types
 * (Int64 amounts, decimal strings for the chain's uint256 figures), must equal the
 * SQLite store's census; inserts come in ordered batches of at most LG_COPY_BATCH;
 * the id counters continue after the ids copied; a non-empty target is refused
 * untouched, and a key that is taken is LG_ERR_CONFLICT.
 */
#include "config.h"

#include "copy_fixture.h"
#include "harness.h"
#include "mongo_lib.h"

#include <lendgate/log.h>
#include <lendgate/store.h>
#include <lendgate/store_backend.h>
#include <lendgate/store_copy.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LG_TEST_HOOKS

/* ------------------------------------------------------------ the stand-in */

#define MAX_COLLS 40

typedef struct fake_coll {
    char name[64];
    bson_t **docs;
    size_t n, cap;
    size_t batches, largest_batch, unordered;
} fake_coll;

static fake_coll colls[MAX_COLLS];
static size_t ncolls;
static char token; /* what every opaque handle but collections and cursors points to */

static fake_coll *coll_named(const char *name)
{
    for (size_t i = 0; i < ncolls; i++)
        if (strcmp(colls[i].name, name) == 0)
            return &colls[i];
    if (ncolls == MAX_COLLS)
        abort();
    fake_coll *c = &colls[ncolls++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    return c;
}

static void coll_add(fake_coll *c, const bson_t *doc)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->docs = realloc(c->docs, c->cap * sizeof *c->docs);
        if (!c->docs)
            abort();
    }
    c->docs[c->n++] = bson_copy(doc);
}

static void fake_reset(void)
{
    for (size_t i = 0; i < ncolls; i++) {
        for (size_t j = 0; j < colls[i].n; j++)
            bson_destroy(colls[i].docs[j]);
        free(colls[i].docs);
    }
    ncolls = 0;
}

static size_t total_docs(void)
{
    size_t n = 0;
    for (size_t i = 0; i < ncolls; i++)
        n += colls[i].n;
    return n;
}

/* Equal BSON values of the types the filters use. */
static int same_value(const bson_iter_t *a, const bson_iter_t *b)
{
    if (bson_iter_type(a) != bson_iter_type(b))
        return 0;
    switch (bson_iter_type(a)) {
    case BSON_TYPE_UTF8:
        return strcmp(bson_iter_utf8(a, NULL), bson_iter_utf8(b, NULL)) == 0;
    case BSON_TYPE_BOOL:
        return bson_iter_bool(a) == bson_iter_bool(b);
    case BSON_TYPE_INT32:
        return bson_iter_int32(a) == bson_iter_int32(b);
    case BSON_TYPE_INT64:
        return bson_iter_int64(a) == bson_iter_int64(b);
    default:
        return 0;
    }
}

/* Top-level equality, the only kind of filter the copy sends. */
static int matches(const bson_t *doc, const bson_t *filter)
{
    bson_iter_t f, d;
    if (!filter || !bson_iter_init(&f, filter))
        return 1;
    while (bson_iter_next(&f))
        if (!bson_iter_init_find(&d, doc, bson_iter_key(&f)) || !same_value(&f, &d))
            return 0;
    return 1;
}

/* The unique keys of the backend's indexes that a copy could collide on. */
static const char *const unique_keys[][2] = {
    {"partners", "partnerId"},
    {"api_keys", "keyId"},
    {"api_keys", "apiKeyHash"},
    {"partner_loans", "internalLoanId"},
    {"partner_repayments", "repaymentId"},
    {"chain_transactions", "txHash"},
    {"partner_ledger", "entryId"},
    {"webhook_outbox", "eventId"},
    {"admin_audit", "auditId"},
    {"partner_api_logs", "logId"},
    {"partner_deposits", "txHash"},
    {NULL, "_id"},
};

static int collides(const fake_coll *c, const bson_t *doc)
{
    for (size_t k = 0; k < sizeof unique_keys / sizeof *unique_keys; k++) {
        bson_iter_t a, b;
        if (unique_keys[k][0] && strcmp(unique_keys[k][0], c->name) != 0)
            continue;
        if (!bson_iter_init_find(&a, doc, unique_keys[k][1]))
            continue;
        for (size_t i = 0; i < c->n; i++)
            if (bson_iter_init_find(&b, c->docs[i], unique_keys[k][1]) && same_value(&a, &b))
                return 1;
    }
    return 0;
}

static mongoc_uri_t *f_uri_new(const char *s, bson_error_t *e)
{
    (void)s, (void)e;
    return (mongoc_uri_t *)&token;
}
static void f_uri_destroy(mongoc_uri_t *u)
{
    (void)u;
}
static bool f_uri_int32(mongoc_uri_t *u, const char *o, int32_t v)
{
    (void)u, (void)o, (void)v;
    return true;
}
static bool f_uri_bool(mongoc_uri_t *u, const char *o, bool v)
{
    (void)u, (void)o, (void)v;
    return true;
}
static void f_uri_wc(mongoc_uri_t *u, const mongoc_write_concern_t *w)
{
    (void)u, (void)w;
}
static void f_uri_rc(mongoc_uri_t *u, const mongoc_read_concern_t *r)
{
    (void)u, (void)r;
}
static mongoc_client_t *f_client_new(const mongoc_uri_t *u)
{
    (void)u;
    return (mongoc_client_t *)&token;
}
static void f_client_void(mongoc_client_t *c)
{
    (void)c;
}
static bool f_client_error_api(mongoc_client_t *c, int32_t v)
{
    (void)c, (void)v;
    return true;
}
static bool f_client_appname(mongoc_client_t *c, const char *n)
{
    (void)c, (void)n;
    return true;
}
/* hello: a replica set member, as the backend requires. */
static bool f_command(mongoc_client_t *c, const char *db, const bson_t *cmd,
                      const mongoc_read_prefs_t *rp, bson_t *reply, bson_error_t *e)
{
    (void)c, (void)db, (void)cmd, (void)rp, (void)e;
    bson_init(reply);
    BSON_APPEND_UTF8(reply, "setName", "rs0");
    BSON_APPEND_DOUBLE(reply, "ok", 1);
    return true;
}
static mongoc_collection_t *f_get_collection(mongoc_client_t *c, const char *db, const char *name)
{
    (void)c, (void)db;
    return (mongoc_collection_t *)coll_named(name);
}
static void f_coll_destroy(mongoc_collection_t *c)
{
    (void)c;
}

static bool f_insert_many(mongoc_collection_t *cc, const bson_t **docs, size_t n,
                          const bson_t *opts, bson_t *reply, bson_error_t *e)
{
    fake_coll *c = (fake_coll *)cc;
    bson_iter_t it;
    bson_init(reply);
    c->batches++;
    c->largest_batch = n > c->largest_batch ? n : c->largest_batch;
    if (!opts || !bson_iter_init_find(&it, opts, "ordered") || !bson_iter_as_bool(&it))
        c->unordered++;
    for (size_t i = 0; i < n; i++) {
        if (collides(c, docs[i])) {
            bson_set_error(e, MONGOC_ERROR_COLLECTION, 11000, "E11000 duplicate key error");
            return false;
        }
        coll_add(c, docs[i]);
    }
    return true;
}

static bool f_insert_one(mongoc_collection_t *cc, const bson_t *doc, const bson_t *opts,
                         bson_t *reply, bson_error_t *e)
{
    return f_insert_many(cc, &doc, 1, opts, reply, e);
}

/* doc with $set, $max (Int64) and $push of update applied, into out. */
static void apply_update(const bson_t *doc, const bson_t *update, bson_t *out)
{
    bson_t set = BSON_INITIALIZER, max = BSON_INITIALIZER, push = BSON_INITIALIZER;
    bson_iter_t it, op, cur;
    if (bson_iter_init(&it, update))
        while (bson_iter_next(&it)) {
            bson_t *into = strcmp(bson_iter_key(&it), "$set") == 0   ? &set
                           : strcmp(bson_iter_key(&it), "$max") == 0 ? &max
                                                                     : &push;
            bson_iter_recurse(&it, &op);
            while (bson_iter_next(&op))
                bson_append_iter(into, NULL, 0, &op);
        }
    bson_init(out);
    bson_iter_init(&it, doc);
    while (bson_iter_next(&it)) {
        const char *k = bson_iter_key(&it);
        if (bson_iter_init_find(&op, &set, k)) {
            continue; /* appended below */
        } else if (bson_iter_init_find(&op, &max, k) &&
                   bson_iter_as_int64(&op) > bson_iter_as_int64(&it)) {
            continue;
        } else if (bson_iter_init_find(&op, &push, k)) {
            bson_t arr;
            char key[16];
            uint32_t i = 0;
            BSON_APPEND_ARRAY_BEGIN(out, k, &arr);
            bson_iter_recurse(&it, &cur);
            while (bson_iter_next(&cur)) {
                snprintf(key, sizeof key, "%u", i++);
                bson_append_iter(&arr, key, -1, &cur);
            }
            snprintf(key, sizeof key, "%u", i);
            bson_append_iter(&arr, key, -1, &op);
            bson_append_array_end(out, &arr);
        } else {
            bson_append_iter(out, NULL, 0, &it);
        }
    }
    bson_iter_init(&it, &set);
    while (bson_iter_next(&it))
        bson_append_iter(out, NULL, 0, &it);
    bson_iter_init(&it, &max);
    while (bson_iter_next(&it))
        if (!bson_iter_init_find(&cur, out, bson_iter_key(&it)))
            bson_append_iter(out, NULL, 0, &it);
    bson_destroy(&set), bson_destroy(&max), bson_destroy(&push);
}

static bool f_update_one(mongoc_collection_t *cc, const bson_t *filter, const bson_t *update,
                         const bson_t *opts, bson_t *reply, bson_error_t *e)
{
    fake_coll *c = (fake_coll *)cc;
    bson_iter_t it;
    (void)e;
    bson_init(reply);
    int upsert = opts && bson_iter_init_find(&it, opts, "upsert") && bson_iter_as_bool(&it);
    for (size_t i = 0; i < c->n; i++)
        if (matches(c->docs[i], filter)) {
            bson_t out;
            apply_update(c->docs[i], update, &out);
            bson_destroy(c->docs[i]);
            c->docs[i] = bson_copy(&out);
            bson_destroy(&out);
            BSON_APPEND_INT32(reply, "matchedCount", 1);
            BSON_APPEND_INT32(reply, "modifiedCount", 1);
            return true;
        }
    BSON_APPEND_INT32(reply, "matchedCount", 0);
    if (upsert) { /* the filter's equalities, then the update */
        bson_t out;
        apply_update(filter, update, &out);
        coll_add(c, &out);
        bson_destroy(&out);
        BSON_APPEND_INT32(reply, "upsertedCount", 1);
    }
    return true;
}

typedef struct fake_cursor {
    fake_coll *c;
    bson_t *filter; /* a copy: a bson_t needs more alignment than calloc gives */
    size_t next;
} fake_cursor;

static mongoc_cursor_t *f_find(mongoc_collection_t *cc, const bson_t *filter, const bson_t *opts,
                               const mongoc_read_prefs_t *rp)
{
    (void)opts, (void)rp;
    fake_cursor *cur = calloc(1, sizeof *cur);
    if (!cur)
        abort();
    cur->c = (fake_coll *)cc;
    cur->filter = bson_copy(filter);
    return (mongoc_cursor_t *)cur;
}
static bool f_cursor_next(mongoc_cursor_t *cc, const bson_t **doc)
{
    fake_cursor *cur = (fake_cursor *)cc;
    while (cur->next < cur->c->n) {
        const bson_t *d = cur->c->docs[cur->next++];
        if (matches(d, cur->filter)) {
            *doc = d;
            return true;
        }
    }
    return false;
}
static bool f_cursor_error(mongoc_cursor_t *c, bson_error_t *e, const bson_t **reply)
{
    (void)c, (void)e, (void)reply;
    return false;
}
static void f_cursor_destroy(mongoc_cursor_t *cc)
{
    fake_cursor *cur = (fake_cursor *)cc;
    bson_destroy(cur->filter);
    free(cur);
}
static mongoc_write_concern_t *f_wc_new(void)
{
    return (mongoc_write_concern_t *)&token;
}
static void f_wc_destroy(mongoc_write_concern_t *w)
{
    (void)w;
}
static void f_wc_w(mongoc_write_concern_t *w, int32_t v)
{
    (void)w, (void)v;
}
static void f_wc_timeout(mongoc_write_concern_t *w, int64_t v)
{
    (void)w, (void)v;
}
static mongoc_read_concern_t *f_rc_new(void)
{
    return (mongoc_read_concern_t *)&token;
}
static void f_rc_destroy(mongoc_read_concern_t *r)
{
    (void)r;
}
static bool f_rc_level(mongoc_read_concern_t *r, const char *l)
{
    (void)r, (void)l;
    return true;
}
static mongoc_read_prefs_t *f_rp_new(mongoc_read_mode_t m)
{
    (void)m;
    return (mongoc_read_prefs_t *)&token;
}
static void f_rp_destroy(mongoc_read_prefs_t *r)
{
    (void)r;
}
static mongoc_transaction_opt_t *f_txo_new(void)
{
    return (mongoc_transaction_opt_t *)&token;
}
static void f_txo_destroy(mongoc_transaction_opt_t *o)
{
    (void)o;
}
static void f_txo_rc(mongoc_transaction_opt_t *o, const mongoc_read_concern_t *r)
{
    (void)o, (void)r;
}
static void f_txo_wc(mongoc_transaction_opt_t *o, const mongoc_write_concern_t *w)
{
    (void)o, (void)w;
}
static void f_txo_rp(mongoc_transaction_opt_t *o, const mongoc_read_prefs_t *r)
{
    (void)o, (void)r;
}

/* What a copy and opening a store call; anything else is NULL and would crash the
 * test, which is how a new call would be noticed. */
static const lg_mongoc_api fake_api = {
    .mongoc_uri_new_with_error = f_uri_new,
    .mongoc_uri_destroy = f_uri_destroy,
    .mongoc_uri_set_option_as_int32 = f_uri_int32,
    .mongoc_uri_set_option_as_bool = f_uri_bool,
    .mongoc_uri_set_write_concern = f_uri_wc,
    .mongoc_uri_set_read_concern = f_uri_rc,
    .mongoc_client_new_from_uri = f_client_new,
    .mongoc_client_destroy = f_client_void,
    .mongoc_client_reset = f_client_void,
    .mongoc_client_set_error_api = f_client_error_api,
    .mongoc_client_set_appname = f_client_appname,
    .mongoc_client_command_simple = f_command,
    .mongoc_client_get_collection = f_get_collection,
    .mongoc_collection_destroy = f_coll_destroy,
    .mongoc_collection_insert_one = f_insert_one,
    .mongoc_collection_insert_many = f_insert_many,
    .mongoc_collection_update_one = f_update_one,
    .mongoc_collection_find_with_opts = f_find,
    .mongoc_cursor_next = f_cursor_next,
    .mongoc_cursor_error_document = f_cursor_error,
    .mongoc_cursor_destroy = f_cursor_destroy,
    .mongoc_write_concern_new = f_wc_new,
    .mongoc_write_concern_destroy = f_wc_destroy,
    .mongoc_write_concern_set_w = f_wc_w,
    .mongoc_write_concern_set_wtimeout_int64 = f_wc_timeout,
    .mongoc_read_concern_new = f_rc_new,
    .mongoc_read_concern_destroy = f_rc_destroy,
    .mongoc_read_concern_set_level = f_rc_level,
    .mongoc_read_prefs_new = f_rp_new,
    .mongoc_read_prefs_destroy = f_rp_destroy,
    .mongoc_transaction_opts_new = f_txo_new,
    .mongoc_transaction_opts_destroy = f_txo_destroy,
    .mongoc_transaction_opts_set_read_concern = f_txo_rc,
    .mongoc_transaction_opts_set_write_concern = f_txo_wc,
    .mongoc_transaction_opts_set_read_prefs = f_txo_rp,
};

/* ------------------------------------------------------------ the census, from outside */

/* Where each table's rows are and how its sums are named in the documents (the order
 * of lg_copy_sum_name); "" for a table counted inside its positions. */
static const struct {
    const char *coll;
    const char *fields[LG_CENSUS_SUMS];
} layout[LG_COPY__COUNT] = {
    [LG_COPY_PARTNERS] = {"partners",
                          {"outstanding", "totalBorrowed", "totalRepaid", "totalFees", "deposited",
                           "balanceUsed"}},
    [LG_COPY_API_KEYS] = {"api_keys", {NULL}},
    [LG_COPY_POSITIONS] = {"solvency_positions",
                           {"totalPartnerDebt", "collateralAmount", "collateralValue",
                            "usdcBorrowed"}},
    [LG_COPY_LOANS] = {"partner_loans",
                       {"amount", "fee", "net", "remaining", "repaid", "repayPending"}},
    [LG_COPY_POSITION_LOANS] = {"", {"amount"}},
    [LG_COPY_REPAYMENTS] = {"partner_repayments", {"amount", "funded"}},
    [LG_COPY_DEPOSITS] = {"partner_deposits", {"amount"}},
    [LG_COPY_LEDGER] = {"partner_ledger", {"amount"}},
    [LG_COPY_DAILY_USAGE] = {"partner_daily_usage", {"borrowed"}},
    [LG_COPY_CHAIN_TXS] = {"chain_transactions", {"nonce"}},
    [LG_COPY_NONCES] = {"nonces", {"next"}},
    [LG_COPY_EVENTS] = {"webhook_outbox", {"sequence"}},
    [LG_COPY_ATTEMPTS] = {"webhook_attempts", {NULL}},
    [LG_COPY_API_LOGS] = {"partner_api_logs", {NULL}},
    [LG_COPY_ADMIN_AUDIT] = {"admin_audit", {NULL}},
    [LG_COPY_JOB_LEASES] = {"job_leases", {NULL}},
    [LG_COPY_CURSORS] = {"chain_cursors", {"block"}},
    [LG_COPY_AUDIT_JOURNAL] = {"audit_offsets", {"offset"}},
    [LG_COPY_GUARD_RATES] = {"guard_rates", {"current", "previous"}},
    [LG_COPY_GUARD_REPLAYS] = {"guard_replays", {NULL}},
};

/* Adds doc's field to sum: an Int64 amount, or a uint256 as a decimal string. */
static void add_field(const bson_t *doc, const char *field, lg_u256 *sum)
{
    bson_iter_t it;
    lg_u256 v;
    lg_u256_from_u64(&v, 0);
    CU_ASSERT_FATAL(bson_iter_init_find(&it, doc, field));
    if (BSON_ITER_HOLDS_UTF8(&it)) {
        if (lg_u256_from_dec(&v, bson_iter_utf8(&it, NULL)) != LG_OK)
            lg_u256_from_u64(&v, 0);
    } else {
        if (!BSON_ITER_HOLDS_INT64(&it))
            fprintf(stderr, "\n  %s is not an Int64\n", field);
        CU_ASSERT_FATAL(BSON_ITER_HOLDS_INT64(&it));
        CU_ASSERT_FATAL(bson_iter_int64(&it) >= 0);
        lg_u256_from_u64(&v, (uint64_t)bson_iter_int64(&it));
    }
    CU_ASSERT_EQUAL_FATAL(lg_u256_add(sum, sum, &v), LG_OK);
}

static void count_links(const bson_t *position, lg_census_row *row)
{
    bson_iter_t it, arr;
    CU_ASSERT_FATAL(bson_iter_init_find(&it, position, "partnerLoans"));
    CU_ASSERT_FATAL(BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &arr));
    while (bson_iter_next(&arr)) {
        uint32_t len = 0;
        const uint8_t *data = NULL;
        bson_t link;
        bson_iter_document(&arr, &len, &data);
        CU_ASSERT_FATAL(bson_init_static(&link, data, len));
        add_field(&link, "amount", &row->sums[0]);
        row->rows++;
    }
}

static void census_of_documents(lg_census *c)
{
    memset(c, 0, sizeof *c);
    for (int t = 0; t < LG_COPY__COUNT; t++) {
        if (!layout[t].coll[0])
            continue;
        const fake_coll *fc = coll_named(layout[t].coll);
        for (size_t i = 0; i < fc->n; i++) {
            c->t[t].rows++;
            for (size_t s = 0; s < LG_CENSUS_SUMS && layout[t].fields[s]; s++)
                add_field(fc->docs[i], layout[t].fields[s], &c->t[t].sums[s]);
            if (t == LG_COPY_POSITIONS)
                count_links(fc->docs[i], &c->t[LG_COPY_POSITION_LOANS]);
        }
    }
}

static void expect_census_equal(const lg_census *want, const lg_census *got)
{
    for (int t = 0; t < LG_COPY__COUNT; t++) {
        if (want->t[t].rows != got->t[t].rows)
            fprintf(stderr, "\n  %s: %llu rows, documents %llu\n", lg_copy_table_name(t),
                    (unsigned long long)want->t[t].rows, (unsigned long long)got->t[t].rows);
        CU_ASSERT_EQUAL(want->t[t].rows, got->t[t].rows);
        for (size_t s = 0; s < LG_CENSUS_SUMS; s++) {
            if (lg_u256_cmp(&want->t[t].sums[s], &got->t[t].sums[s]) != 0)
                fprintf(stderr, "\n  %s: the sums of '%s' differ\n", lg_copy_table_name(t),
                        lg_copy_sum_name(t, s) ? lg_copy_sum_name(t, s) : "?");
            CU_ASSERT_EQUAL(lg_u256_cmp(&want->t[t].sums[s], &got->t[t].sums[s]), 0);
        }
    }
}

/* ------------------------------------------------------------ tests */

static char dir[512];
static lg_store *src, *dst;

static int setup(void)
{
    char path[600];
    const char *step = "";
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/source.db", dir);
    if (lg_store_open("sqlite", path, 5000, &src) != LG_OK || lg_store_migrate(src, NULL) != LG_OK)
        return -1;
    lg_err rc = lg_test_copy_fill(src, &step);
    if (rc != LG_OK) {
        fprintf(stderr, "fill: %s: %s\n", step, lg_strerror(rc));
        return -1;
    }
    lg_mongoc_use(&fake_api);
    return lg_store_open("mongodb", "mongodb://fake.invalid/?replicaSet=rs0", 1000, &dst) == LG_OK
               ? 0
               : -1;
}

static int teardown(void)
{
    lg_store_close(dst);
    lg_store_close(src);
    src = dst = NULL;
    lg_mongoc_use(NULL);
    fake_reset();
    lg_test_rmtree(dir);
    return 0;
}

static int64_t counter(const char *name)
{
    bson_iter_t it;
    const fake_coll *c = coll_named("counters");
    for (size_t i = 0; i < c->n; i++)
        if (bson_iter_init_find(&it, c->docs[i], "_id") && BSON_ITER_HOLDS_UTF8(&it) &&
            strcmp(bson_iter_utf8(&it, NULL), name) == 0 &&
            bson_iter_init_find(&it, c->docs[i], "seq"))
            return bson_iter_as_int64(&it);
    return -1;
}

static int64_t largest(const char *coll, const char *field)
{
    bson_iter_t it;
    int64_t top = 0;
    const fake_coll *c = coll_named(coll);
    for (size_t i = 0; i < c->n; i++)
        if (bson_iter_init_find(&it, c->docs[i], field) && bson_iter_as_int64(&it) > top)
            top = bson_iter_as_int64(&it);
    return top;
}

static void test_copy_into_documents(void)
{
    lg_store_copy_report rep;
    lg_err rc = lg_store_copy(src, dst, &rep);
    if (rc != LG_OK)
        fprintf(stderr, "\n  copy: %s: %s\n", lg_strerror(rc), rep.message);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    lg_census sqlite, docs;
    CU_ASSERT_EQUAL_FATAL(lg_store_census(src, &sqlite), LG_OK);
    for (int t = 0; t < LG_COPY__COUNT; t++)
        CU_ASSERT(sqlite.t[t].rows > 0);
    census_of_documents(&docs);
    expect_census_equal(&sqlite, &docs);
    expect_census_equal(&sqlite, &rep.target);
    for (size_t i = 0; i < ncolls; i++) {
        CU_ASSERT(colls[i].largest_batch <= LG_COPY_BATCH);
        CU_ASSERT_EQUAL(colls[i].unordered, 0);
    }
}

/* The document of coll whose _id is id, or NULL. */
static const bson_t *doc_with_id(const char *coll, const char *id)
{
    bson_iter_t it;
    const fake_coll *c = coll_named(coll);
    for (size_t i = 0; i < c->n; i++)
        if (bson_iter_init_find(&it, c->docs[i], "_id") && BSON_ITER_HOLDS_UTF8(&it) &&
            strcmp(bson_iter_utf8(&it, NULL), id) == 0)
            return c->docs[i];
    return NULL;
}

/* A date field's milliseconds; -1 when it is missing or not a BSON date (the TTL index
 * ignores anything else). */
static int64_t date_of(const bson_t *doc, const char *field)
{
    bson_iter_t it;
    if (!doc || !bson_iter_init_find(&it, doc, field) || !BSON_ITER_HOLDS_DATE_TIME(&it))
        return -1;
    return bson_iter_date_time(&it);
}

/* The guards' documents are those mongo_guards.c writes (_id the hex digest or the
 * key, expiresAt a date), so the cluster refuses a signature the host accepted. */
static void test_guards_carried(void)
{
    char id[2 * LG_STORE_GUARD_DIGEST_LEN + 1];
    unsigned char digest[LG_STORE_GUARD_DIGEST_LEN];
    memset(digest, 2, sizeof digest);
    memset(id, '0', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    for (size_t i = 1; i < sizeof id; i += 2)
        id[i] = '2';
    const bson_t *r = doc_with_id("guard_replays", id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(date_of(r, "expiresAt"), LG_TEST_COPY_GUARD_MS + LG_TEST_COPY_REPLAY_WINDOW_MS);
    CU_ASSERT_EQUAL(lg_store_replay_claim(dst, digest, LG_TEST_COPY_GUARD_MS + 2,
                                          LG_TEST_COPY_REPLAY_WINDOW_MS),
                    LG_ERR_DUPLICATE);
    const bson_t *k = doc_with_id("guard_rates", LG_TEST_COPY_RATE_KEY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(date_of(k, "windowStart"), LG_TEST_COPY_GUARD_MS);
    CU_ASSERT_EQUAL(date_of(k, "expiresAt"),
                    LG_TEST_COPY_GUARD_MS + 2 * LG_TEST_COPY_RATE_WINDOW_MS);
    CU_ASSERT_EQUAL(largest("guard_rates", "current"), 2);
    CU_ASSERT_EQUAL(largest("guard_rates", "previous"), 3);
}

/* New rows of the MongoDB store get ids past the copied ones, and events the next
 * sequence number of their partner. */
static void test_counters_continue(void)
{
    static const char *const ids[][3] = {
        {"api_keys", "api_keys", "keyId"},
        {"partner_ledger", "partner_ledger", "entryId"},
        {"chain_transactions", "chain_transactions", "txId"},
        {"webhook_outbox", "webhook_outbox", "seqId"},
        {"webhook_attempts", "webhook_attempts", "attemptId"},
        {"partner_api_logs", "partner_api_logs", "logId"},
        {"admin_audit", "admin_audit", "auditId"},
    };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        int64_t top = largest(ids[i][1], ids[i][2]);
        CU_ASSERT(top > 0);
        CU_ASSERT_EQUAL(counter(ids[i][0]), top);
    }
    lg_partner p;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(src, LG_TEST_COPY_PARTNER_A, &p), LG_OK);
    lg_event_filter f = {.partner_id = LG_TEST_COPY_PARTNER_A, .status = -1, .limit = 1};
    lg_event *ev = NULL;
    size_t n = 0;
    uint64_t total = 0;
    CU_ASSERT_EQUAL_FATAL(lg_store_event_list(src, &f, &ev, &n, &total), LG_OK);
    CU_ASSERT_FATAL(n == 1);
    CU_ASSERT_EQUAL(counter("seq:" LG_TEST_COPY_PARTNER_A), (int64_t)ev[0].seq);
    free(ev);
}

/* The copied documents read back through the backend's own single-document reads and
 * lists (the record table's decoders behind mg_read_one and mg_list) as the source
 * reads them. */
static void test_reads_find_copy(void)
{
    lg_partner a, b;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(src, LG_TEST_COPY_PARTNER_A, &a), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(dst, LG_TEST_COPY_PARTNER_A, &b), LG_OK);
    CU_ASSERT(lg_store_partner_same(&a, &b));
    CU_ASSERT_EQUAL(a.outstanding, b.outstanding);
    lg_loan ls, ld;
    CU_ASSERT_EQUAL_FATAL(lg_store_loan_get(src, LG_TEST_COPY_PARTNER_A, "loan-a1", &ls), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_loan_get_by_id(dst, ls.id, &ld), LG_OK);
    CU_ASSERT_STRING_EQUAL(ld.partner_loan_id, "loan-a1");
    CU_ASSERT_EQUAL(ld.remaining, ls.remaining);
    CU_ASSERT_EQUAL(ld.status, ls.status);
    lg_repayment *rs = NULL, *rd = NULL;
    size_t ns = 0, nd = 0;
    CU_ASSERT_EQUAL_FATAL(lg_store_repay_list(src, ls.id, &rs, &ns), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_repay_list(dst, ls.id, &rd, &nd), LG_OK);
    CU_ASSERT_FATAL(ns >= 2 && nd == ns);
    lg_repayment one;
    CU_ASSERT_EQUAL_FATAL(lg_store_repay_get(dst, rs[1].id, &one), LG_OK);
    CU_ASSERT_EQUAL(one.amount, rs[1].amount);
    CU_ASSERT_EQUAL(one.status, rs[1].status);
    free(rs);
    free(rd);
    uint64_t x = 0, y = 0;
    CU_ASSERT_EQUAL(lg_store_cursor_get(dst, "liquidations", &y), LG_OK);
    CU_ASSERT_EQUAL(y, 123456);
    CU_ASSERT_EQUAL(lg_store_cursor_get(dst, "no-such-cursor", &y), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL_FATAL(
        lg_store_nonce_peek(src, 5000, "0x00000000000000000000000000000000000000f0", &x), LG_OK);
    CU_ASSERT_EQUAL(
        lg_store_nonce_peek(dst, 5000, "0x00000000000000000000000000000000000000f0", &y), LG_OK);
    CU_ASSERT_EQUAL(x, y);
    CU_ASSERT_EQUAL_FATAL(lg_store_audit_offset(src, "host-a.journal", &x), LG_OK);
    CU_ASSERT_EQUAL(lg_store_audit_offset(dst, "host-a.journal", &y), LG_OK);
    CU_ASSERT(x > 0 && x == y);
    CU_ASSERT_EQUAL(lg_store_audit_offset(dst, "never-ingested", &y), LG_OK);
    CU_ASSERT_EQUAL(y, 0);
}

static void test_nonempty_refused(void)
{
    size_t before = total_docs();
    lg_store_copy_report rep;
    CU_ASSERT_EQUAL(lg_store_copy(src, dst, &rep), LG_ERR_CONFLICT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.message, "'partners'"));
    CU_ASSERT_EQUAL(rep.copied, 0);
    CU_ASSERT_EQUAL(total_docs(), before);
}

/* Imported again, a partner collides on its key: LG_ERR_CONFLICT, nothing added. */
static void test_duplicate_conflict(void)
{
    lg_copy_record r;
    memset(&r, 0, sizeof r);
    r.table = LG_COPY_PARTNERS;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(src, LG_TEST_COPY_PARTNER_B, &r.u.partner.p), LG_OK);
    size_t before = coll_named("partners")->n;
    CU_ASSERT_EQUAL(dst->backend->copy_import(dst, &r, 1), LG_ERR_CONFLICT);
    CU_ASSERT_EQUAL(coll_named("partners")->n, before);
    CU_ASSERT_PTR_NULL(dst->backend->copy_export);
}

/* One document in any collection makes the target non-empty. */
static void test_any_collection_refused(void)
{
    fake_reset();
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&doc, "_id", "liquidations");
    BSON_APPEND_UTF8(&doc, "name", "liquidations");
    BSON_APPEND_INT64(&doc, "block", 1);
    coll_add(coll_named("chain_cursors"), &doc);
    bson_destroy(&doc);
    lg_store_copy_report rep;
    CU_ASSERT_EQUAL(lg_store_copy(src, dst, &rep), LG_ERR_CONFLICT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.message, "'chain_cursors'"));
    CU_ASSERT_EQUAL(total_docs(), 1);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_init("test_store_copy_mongo", LG_LOG_WARN);
    static const lg_test_case tests[] = {
        {"every table as documents, counts and sums equal", test_copy_into_documents},
        {"the guards' documents as the guards write them", test_guards_carried},
        {"id counters and event numbers continue", test_counters_continue},
        {"the backend's reads find what was copied", test_reads_find_copy},
        {"a non-empty target is refused untouched", test_nonempty_refused},
        {"a key taken is a conflict", test_duplicate_conflict},
        {"any collection with a document is refused", test_any_collection_refused},
        {NULL, NULL},
    };
    lg_test_add_suite("store copy (sqlite -> mongodb documents)", setup, teardown, tests);
    return lg_test_run("test_store_copy_mongo");
}

#else

int main(void)
{
    printf("SKIPPED: test_store_copy_mongo needs configure --enable-test-hooks\n");
    printf("LG-RESULT test_store_copy_mongo passed=0 failed=0 skipped=1\n");
    return 77;
}

#endif
