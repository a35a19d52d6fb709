/*
 * test_store_copy.c - lg_store_copy from one SQLite store into another: a store filled
 * through the ordinary operations (copy_fixture.h) arrives whole, its census (rows and
 * money sums of every table) equal, every record read back through store.h equal to
 * the source's, the copy keeps working (ids and event numbers continue, the cluster
 * guards' counts and replay cache carry over), a target that is not empty is refused
 * and left as it was, and every table of the SQLite schema is either copied or listed
 * as not copied with its reason.
 */
#include "config.h"

#include "copy_fixture.h"
#include "harness.h"

#include <lendgate/log.h>
#include <lendgate/store.h>
#include <lendgate/store_copy.h>
#include <lendgate/store_move.h>

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];
static lg_store *src, *dst;

static lg_store *open_store(const char *name)
{
    char path[600];
    lg_store *st = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CU_ASSERT_EQUAL_FATAL(lg_store_open("sqlite", path, 5000, &st), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_migrate(st, NULL), LG_OK);
    return st;
}

static int setup(void)
{
    if (lg_test_mkdtemp(dir, sizeof dir) != 0)
        return -1;
    return 0;
}

static int teardown(void)
{
    lg_store_close(src);
    lg_store_close(dst);
    src = dst = NULL;
    lg_test_rmtree(dir);
    return 0;
}

static void fill_source(void)
{
    const char *step = "";
    src = open_store("source.db");
    lg_err rc = lg_test_copy_fill(src, &step);
    if (rc != LG_OK)
        fprintf(stderr, "\n  fill: %s: %s\n", step, lg_strerror(rc));
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
}

static int census_equal(const lg_census *a, const lg_census *b)
{
    for (int t = 0; t < LG_COPY__COUNT; t++) {
        if (a->t[t].rows != b->t[t].rows)
            return 0;
        for (int i = 0; i < LG_CENSUS_SUMS; i++)
            if (lg_u256_cmp(&a->t[t].sums[i], &b->t[t].sums[i]) != 0)
                return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ read back */

#define SAME_ITEMS(a, na, b, nb)                                                                   \
    do {                                                                                           \
        CU_ASSERT_EQUAL((na), (nb));                                                               \
        if ((na) == (nb) && (na) > 0)                                                              \
            CU_ASSERT_EQUAL(memcmp((a), (b), sizeof *(a) * (na)), 0);                              \
    } while (0)

static void same_partner(const char *id)
{
    lg_partner a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(src, id, &a), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(dst, id, &b), LG_OK);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
    lg_api_key *ka = NULL, *kb = NULL;
    size_t na = 0, nb = 0;
    CU_ASSERT_EQUAL(lg_store_key_list(src, id, &ka, &na), LG_OK);
    CU_ASSERT_EQUAL(lg_store_key_list(dst, id, &kb, &nb), LG_OK);
    SAME_ITEMS(ka, na, kb, nb);
    free(ka), free(kb);
    lg_ledger_filter lf = {.partner_id = id, .limit = 1000};
    lg_ledger_entry *la = NULL, *lb = NULL;
    uint64_t ta = 0, tb = 0;
    CU_ASSERT_EQUAL(lg_store_ledger_list(src, &lf, &la, &na, &ta), LG_OK);
    CU_ASSERT_EQUAL(lg_store_ledger_list(dst, &lf, &lb, &nb, &tb), LG_OK);
    SAME_ITEMS(la, na, lb, nb);
    free(la), free(lb);
    lg_event_filter ef = {.partner_id = id, .status = -1, .limit = 1000};
    lg_event *ea = NULL, *eb = NULL;
    CU_ASSERT_EQUAL(lg_store_event_list(src, &ef, &ea, &na, &ta), LG_OK);
    CU_ASSERT_EQUAL(lg_store_event_list(dst, &ef, &eb, &nb, &tb), LG_OK);
    SAME_ITEMS(ea, na, eb, nb);
    for (size_t i = 0; i < na && na == nb; i++) {
        lg_event_attempt *aa = NULL, *ab = NULL;
        size_t ma = 0, mb = 0;
        CU_ASSERT_EQUAL(lg_store_event_attempts(src, ea[i].event_id, &aa, &ma), LG_OK);
        CU_ASSERT_EQUAL(lg_store_event_attempts(dst, ea[i].event_id, &ab, &mb), LG_OK);
        SAME_ITEMS(aa, ma, ab, mb);
        free(aa), free(ab);
    }
    free(ea), free(eb);
}

static void same_loans(void)
{
    lg_loan_filter f = {.status = -1, .limit = 1000};
    lg_loan *la = NULL, *lb = NULL;
    size_t na = 0, nb = 0;
    uint64_t ta = 0, tb = 0;
    CU_ASSERT_EQUAL(lg_store_loan_list(src, &f, &la, &na, &ta), LG_OK);
    CU_ASSERT_EQUAL(lg_store_loan_list(dst, &f, &lb, &nb, &tb), LG_OK);
    CU_ASSERT(na >= 7);
    SAME_ITEMS(la, na, lb, nb);
    for (size_t i = 0; i < na && na == nb; i++) {
        lg_repayment *ra = NULL, *rb = NULL;
        lg_chain_tx *xa = NULL, *xb = NULL;
        size_t ma = 0, mb = 0;
        CU_ASSERT_EQUAL(lg_store_repay_list(src, la[i].id, &ra, &ma), LG_OK);
        CU_ASSERT_EQUAL(lg_store_repay_list(dst, la[i].id, &rb, &mb), LG_OK);
        SAME_ITEMS(ra, ma, rb, mb);
        free(ra), free(rb);
        CU_ASSERT_EQUAL(lg_store_tx_list(src, la[i].id, NULL, &xa, &ma), LG_OK);
        CU_ASSERT_EQUAL(lg_store_tx_list(dst, la[i].id, NULL, &xb, &mb), LG_OK);
        SAME_ITEMS(xa, ma, xb, mb);
        free(xa), free(xb);
        uint64_t ua = 1, ub = 2;
        CU_ASSERT_EQUAL(lg_store_daily_usage(src, la[i].partner_id, la[i].day, &ua), LG_OK);
        CU_ASSERT_EQUAL(lg_store_daily_usage(dst, la[i].partner_id, la[i].day, &ub), LG_OK);
        CU_ASSERT_EQUAL(ua, ub);
    }
    free(la), free(lb);
}

static void same_rest(void)
{
    lg_api_log_filter f = {.success = -1, .limit = 1000};
    lg_api_log *la = NULL, *lb = NULL;
    size_t na = 0, nb = 0;
    uint64_t ta = 0, tb = 0;
    CU_ASSERT_EQUAL(lg_store_api_log_query(src, &f, &la, &na, &ta), LG_OK);
    CU_ASSERT_EQUAL(lg_store_api_log_query(dst, &f, &lb, &nb, &tb), LG_OK);
    CU_ASSERT_EQUAL(na, 3);
    SAME_ITEMS(la, na, lb, nb);
    free(la), free(lb);
    lg_admin_audit_filter af = {.limit = 1000};
    lg_admin_audit *aa = NULL, *ab = NULL;
    CU_ASSERT_EQUAL(lg_store_admin_audit_query(src, &af, &aa, &na, &ta), LG_OK);
    CU_ASSERT_EQUAL(lg_store_admin_audit_query(dst, &af, &ab, &nb, &tb), LG_OK);
    CU_ASSERT(na >= 1);
    SAME_ITEMS(aa, na, ab, nb);
    free(aa), free(ab);
    uint64_t va = 0, vb = 1;
    CU_ASSERT_EQUAL(
        lg_store_nonce_peek(src, 5000, "0x00000000000000000000000000000000000000f0", &va), LG_OK);
    CU_ASSERT_EQUAL(
        lg_store_nonce_peek(dst, 5000, "0x00000000000000000000000000000000000000f0", &vb), LG_OK);
    CU_ASSERT_EQUAL(va, vb);
    CU_ASSERT_EQUAL(lg_store_cursor_get(dst, "liquidations", &vb), LG_OK);
    CU_ASSERT_EQUAL(vb, 123456);
    CU_ASSERT_EQUAL(lg_store_audit_offset(dst, "host-a.journal", &vb), LG_OK);
    CU_ASSERT_EQUAL(vb, 4096);
    CU_ASSERT_EQUAL(lg_store_partner_count(src, &va), LG_OK);
    CU_ASSERT_EQUAL(lg_store_partner_count(dst, &vb), LG_OK);
    CU_ASSERT_EQUAL(va, vb);
}

/* The guards go on where the source stopped: a signature accepted before the move is
 * a replay after it, and a key's counts carry over. Both stores answer alike. */
static void same_guards(void)
{
    const int64_t t = LG_TEST_COPY_GUARD_MS + 2;
    for (int i = 0; i < 3; i++) {
        unsigned char digest[LG_STORE_GUARD_DIGEST_LEN];
        memset(digest, i + 1, sizeof digest);
        CU_ASSERT_EQUAL(lg_store_replay_claim(dst, digest, t, LG_TEST_COPY_REPLAY_WINDOW_MS),
                        LG_ERR_DUPLICATE);
    }
    lg_store_rate a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    CU_ASSERT_EQUAL(
        lg_store_rate_take(src, LG_TEST_COPY_RATE_KEY, LG_TEST_COPY_RATE_WINDOW_MS, 100, t, &a),
        LG_OK);
    CU_ASSERT_EQUAL(
        lg_store_rate_take(dst, LG_TEST_COPY_RATE_KEY, LG_TEST_COPY_RATE_WINDOW_MS, 100, t, &b),
        LG_OK);
    CU_ASSERT_EQUAL(b.current, 3);
    CU_ASSERT_EQUAL(b.previous, 3);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
}

/* ------------------------------------------------------------ schema coverage */

#define LG_COPY_NAME(id, name) name,
static const char *const copied[] = {LG_COPY_TABLES(LG_COPY_NAME) NULL};
#undef LG_COPY_NAME
#define LG_SKIP_NAME(name, why) name,
static const char *const not_copied[] = {LG_COPY_NOT_COPIED(LG_SKIP_NAME) NULL};
#undef LG_SKIP_NAME

static int listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* Every table of the migrated schema is copied or says why not: a migration that adds
 * a table fails here until store_copy.h names it in one of its lists. */
static void test_every_table_accounted(void)
{
    char path[600];
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    snprintf(path, sizeof path, "%s/source.db", dir);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                             "ORDER BY name",
                                             -1, &q, NULL),
                          SQLITE_OK);
    int tables = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        int in_copy = listed(copied, name), in_skip = listed(not_copied, name);
        if (in_copy == in_skip)
            fprintf(stderr, "\n  table %s: %s\n", name,
                    in_copy ? "both copied and not copied"
                            : "neither in LG_COPY_TABLES nor in LG_COPY_NOT_COPIED");
        CU_ASSERT(in_copy != in_skip);
        tables++;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    CU_ASSERT(tables >= LG_COPY__COUNT);
    for (size_t i = 0; not_copied[i]; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(lg_move_not_copied[i], not_copied[i]));
}

/* ------------------------------------------------------------ tests */

static void test_copy_whole(void)
{
    fill_source();
    dst = open_store("target.db");
    lg_store_copy_report rep;
    lg_err rc = lg_store_copy(src, dst, &rep);
    if (rc != LG_OK)
        fprintf(stderr, "\n  copy: %s: %s\n", lg_strerror(rc), rep.message);
    CU_ASSERT_EQUAL_FATAL(rc, LG_OK);
    CU_ASSERT_STRING_EQUAL(rep.message, "");
    /* The fixture reaches every table: a table the copy forgot would show here. */
    for (int t = 0; t < LG_COPY__COUNT; t++) {
        if (rep.source.t[t].rows == 0)
            fprintf(stderr, "\n  empty in the fixture: %s\n", lg_copy_table_name(t));
        CU_ASSERT(rep.source.t[t].rows > 0);
    }
    CU_ASSERT(census_equal(&rep.source, &rep.target));
    lg_census again;
    CU_ASSERT_EQUAL(lg_store_census(dst, &again), LG_OK);
    CU_ASSERT(census_equal(&rep.source, &again));
    uint64_t rows = 0;
    for (int t = 0; t < LG_COPY__COUNT; t++)
        rows += rep.source.t[t].rows;
    CU_ASSERT_EQUAL(rep.copied, rows);
    same_partner(LG_TEST_COPY_PARTNER_A);
    same_partner(LG_TEST_COPY_PARTNER_B);
    same_partner(LG_TEST_COPY_PARTNER_A LG_SANDBOX_SUFFIX);
    same_loans();
    same_rest();
    same_guards();
}

/* The copy is a store that keeps working: new rows get ids past the copied ones and a
 * partner's next event the next sequence number. */
static void test_copy_continues(void)
{
    lg_event a, b;
    CU_ASSERT_EQUAL_FATAL(
        lg_store_event_add(src, LG_TEST_COPY_PARTNER_A, "test.ping", "{}", NULL, &a), LG_OK);
    CU_ASSERT_EQUAL_FATAL(
        lg_store_event_add(dst, LG_TEST_COPY_PARTNER_A, "test.ping", "{}", NULL, &b), LG_OK);
    CU_ASSERT_EQUAL(a.seq, b.seq);
    CU_ASSERT_EQUAL(a.id, b.id);
}

static void test_copy_refuses_nonempty(void)
{
    lg_census before, after;
    CU_ASSERT_EQUAL_FATAL(lg_store_census(dst, &before), LG_OK);
    lg_store_copy_report rep;
    CU_ASSERT_EQUAL(lg_store_copy(src, dst, &rep), LG_ERR_CONFLICT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.message, "not empty"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.message, "'partners'"));
    CU_ASSERT_EQUAL(rep.bad_table, LG_COPY_PARTNERS);
    CU_ASSERT_EQUAL(rep.copied, 0);
    CU_ASSERT_EQUAL_FATAL(lg_store_census(dst, &after), LG_OK);
    CU_ASSERT(census_equal(&before, &after));
}

/* A target that holds only a nonce is refused too, naming that table. */
static void test_copy_refuses_any_table(void)
{
    lg_store *other = open_store("other.db");
    CU_ASSERT_EQUAL(
        lg_store_nonce_init(other, 1, "0x00000000000000000000000000000000000000f0", 1, NULL),
        LG_OK);
    lg_store_copy_report rep;
    CU_ASSERT_EQUAL(lg_store_copy(src, other, &rep), LG_ERR_CONFLICT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.message, "'nonces'"));
    CU_ASSERT_EQUAL(lg_store_copy(src, src, &rep), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_store_copy(NULL, other, &rep), LG_ERR_INVALID);
    lg_store_close(other);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    lg_log_init("test_store_copy", LG_LOG_WARN);
    static const lg_test_case tests[] = {
        {"copy every table, verified and read back equal", test_copy_whole},
        {"the copy keeps numbering where the source stopped", test_copy_continues},
        {"a non-empty target is refused and left as it was", test_copy_refuses_nonempty},
        {"any table with rows makes the target non-empty", test_copy_refuses_any_table},
        {"every table of the schema is copied or says why not", test_every_table_accounted},
        {NULL, NULL},
    };
    lg_test_add_suite("store copy (sqlite -> sqlite)", setup, teardown, tests);
    return lg_test_run("test_store_copy");
}
