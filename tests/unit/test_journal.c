/* test_journal.c - the audit journal: its line format (journal.h) encoded and decoded
 * to the last byte and refused when it is anything else, and the ingest of a
 * service's journal into a real SQLite store (service.h): rows waiting until a flush,
 * each taken once, the key's last use following them, a file of an ended writer read
 * to its end and removed, and no journal at all when [audit] journal is off. */
#include "config.h"

#include "harness.h"
#include "sqlite_peek.h"
#include "store_fixture.h"

#include <lendgate/config.h>
#include <lendgate/journal.h>
#include <lendgate/service.h>
#include <lendgate/setup.h>
#include <lendgate/store.h>
#include <lendgate/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ line format */

/* Fills dst (cap bytes) with cap - 1 bytes of pattern, repeated. */
static void fill(char *dst, size_t cap, const char *pattern)
{
    size_t plen = strlen(pattern);
    for (size_t i = 0; i + 1 < cap; i++)
        dst[i] = pattern[i % plen];
    dst[cap - 1] = '\0';
}

#define FILL(row, field, pattern) fill((row)->field, sizeof(row)->field, (pattern))

/* Every text field filled to its capacity with pattern. */
static void fill_row(lg_api_log *r, const char *pattern)
{
    memset(r, 0, sizeof *r);
    FILL(r, partner_id, pattern);
    FILL(r, request_id, pattern);
    FILL(r, route, pattern);
    FILL(r, method, pattern);
    FILL(r, client_ip, pattern);
    FILL(r, user_agent, pattern);
    FILL(r, payload, pattern);
    FILL(r, error_message, pattern);
    FILL(r, wallet, pattern);
    FILL(r, oaid, pattern);
    FILL(r, loan_id, pattern);
}

/* The bytes s takes in a line: an escaped byte is two. */
static size_t escaped_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += strchr("\\\t\n\r", *s) ? 2 : 1;
    return n;
}

static size_t text_len(const lg_api_log *r)
{
    return escaped_len(r->partner_id) + escaped_len(r->request_id) + escaped_len(r->route) +
           escaped_len(r->method) + escaped_len(r->client_ip) + escaped_len(r->user_agent) +
           escaped_len(r->payload) + escaped_len(r->error_message) + escaped_len(r->wallet) +
           escaped_len(r->oaid) + escaped_len(r->loan_id);
}

static void expect_same(const lg_api_log *got, const lg_api_log *want)
{
    CU_ASSERT_EQUAL(got->created_at_ms, want->created_at_ms);
    CU_ASSERT_EQUAL(got->key_id, want->key_id);
    CU_ASSERT_EQUAL(got->status_code, want->status_code);
    CU_ASSERT_EQUAL(got->duration_ms, want->duration_ms);
    CU_ASSERT_EQUAL(got->success, want->success);
    CU_ASSERT_STRING_EQUAL(got->partner_id, want->partner_id);
    CU_ASSERT_STRING_EQUAL(got->request_id, want->request_id);
    CU_ASSERT_STRING_EQUAL(got->route, want->route);
    CU_ASSERT_STRING_EQUAL(got->method, want->method);
    CU_ASSERT_STRING_EQUAL(got->client_ip, want->client_ip);
    CU_ASSERT_STRING_EQUAL(got->user_agent, want->user_agent);
    CU_ASSERT_STRING_EQUAL(got->payload, want->payload);
    CU_ASSERT_STRING_EQUAL(got->error_message, want->error_message);
    CU_ASSERT_STRING_EQUAL(got->wallet, want->wallet);
    CU_ASSERT_STRING_EQUAL(got->oaid, want->oaid);
    CU_ASSERT_STRING_EQUAL(got->loan_id, want->loan_id);
}

/* Encodes r, checks the line's shape, decodes it and compares; returns its length. */
static size_t round_trip(const lg_api_log *r)
{
    static char line[LG_JOURNAL_LINE_MAX];
    size_t n = lg_journal_encode(line, sizeof line, r);
    CU_ASSERT_FATAL(n > 0 && n <= sizeof line);
    CU_ASSERT_EQUAL(line[n - 1], '\n');
    CU_ASSERT_PTR_NULL(memchr(line, '\n', n - 1)); /* one line: values never break it */
    CU_ASSERT_PTR_NULL(memchr(line, '\r', n));
    CU_ASSERT_PTR_NULL(memchr(line, '\0', n));
    size_t tabs = 0;
    for (size_t i = 0; i < n; i++)
        tabs += line[i] == '\t';
    CU_ASSERT_EQUAL(tabs, 16); /* 17 fields: the tag, 5 numbers, 11 texts */
    CU_ASSERT_EQUAL(memcmp(line, "L1\t", 3), 0);

    lg_api_log got;
    memset(&got, 0x5a, sizeof got);
    CU_ASSERT_EQUAL_FATAL(lg_journal_decode(line, n - 1, &got), LG_OK);
    expect_same(&got, r);
    CU_ASSERT_EQUAL(got.id, 0);
    CU_ASSERT_STRING_EQUAL(got.partner_name, "");
    CU_ASSERT_STRING_EQUAL(got.spool_id, "");
    return n;
}

static void test_round_trip_extremes(void)
{
    lg_api_log r;
    /* Every escape between plain bytes, UTF-8 and a control byte that is not escaped. */
    fill_row(&r, "a\\b\tc\nd\re\xc3\xa9\x01\\\\\t\t");
    r.created_at_ms = INT64_MAX;
    r.key_id = INT64_MAX;
    r.status_code = 599;
    r.duration_ms = UINT32_MAX;
    r.success = 1;
    snprintf(r.partner_name, sizeof r.partner_name, "not in the line");
    snprintf(r.spool_id, sizeof r.spool_id, "not in the line");
    r.id = 77;
    size_t n = round_trip(&r);
    /* "L1", 16 tabs, the numbers, the escaped texts and '\n', to the byte. */
    CU_ASSERT_EQUAL(n, 2 + 16 + 19 + 19 + 3 + 10 + 1 + text_len(&r) + 1);

    /* Nothing but escaped bytes: the longest line there is. */
    fill_row(&r, "\t\n\\\r");
    r.created_at_ms = INT64_MAX;
    r.key_id = INT64_MAX;
    r.status_code = 599;
    r.duration_ms = UINT32_MAX;
    r.success = 1;
    n = round_trip(&r);
    CU_ASSERT_EQUAL(n, 2 + 16 + 19 + 19 + 3 + 10 + 1 + text_len(&r) + 1);
    CU_ASSERT_EQUAL(text_len(&r), 2 * (sizeof r.partner_id + sizeof r.request_id + sizeof r.route +
                                       sizeof r.method + sizeof r.client_ip + sizeof r.user_agent +
                                       sizeof r.payload + sizeof r.error_message + sizeof r.wallet +
                                       sizeof r.oaid + sizeof r.loan_id - 11));
    CU_ASSERT(n <= LG_JOURNAL_LINE_MAX); /* the room the header promises holds it */
    CU_ASSERT(n + 1024 > LG_JOURNAL_LINE_MAX);

    /* The smallest values and empty texts. */
    memset(&r, 0, sizeof r);
    r.created_at_ms = 1;
    r.status_code = 100;
    n = round_trip(&r);
    CU_ASSERT_EQUAL(n, strlen("L1\t1\t0\t100\t0\t0") + 11 + 1);
}

static void test_encode_capacity(void)
{
    static char line[LG_JOURNAL_LINE_MAX], small[LG_JOURNAL_LINE_MAX];
    lg_api_log r;
    fill_row(&r, "x\t\\y");
    r.created_at_ms = 1700000000000;
    r.key_id = 3;
    r.status_code = 201;
    r.duration_ms = 9;
    r.success = 1;
    size_t n = lg_journal_encode(line, sizeof line, &r);
    CU_ASSERT_FATAL(n > 64);
    /* Exactly the line's room is enough and writes the same bytes. */
    CU_ASSERT_EQUAL(lg_journal_encode(small, n, &r), n);
    CU_ASSERT_EQUAL(memcmp(small, line, n), 0);
    /* Any less is refused, wherever the line is cut: in a number, an escape or the '\n'. */
    size_t refused = 0;
    for (size_t cap = 0; cap < n; cap++)
        refused += lg_journal_encode(small, cap, &r) == 0;
    CU_ASSERT_EQUAL(refused, n);
    CU_ASSERT_EQUAL(lg_journal_encode(NULL, sizeof line, &r), 0);
    CU_ASSERT_EQUAL(lg_journal_encode(line, sizeof line, NULL), 0);
}

/* The fields of a valid line, which each refusal below changes one of. */
static const char *const good[17] = {
    "L1",
    "1700000000000",
    "42",
    "200",
    "15",
    "1",
    "partner_acme_001",
    "req-1",
    "/partners/loan/:partnerLoanId",
    "GET",
    "127.0.0.1",
    "sdk/1.0",
    "{\"a\":\"b\\tc\"}",
    "",
    "0x00000000000000000000000000000000000000aa",
    "7",
    "loan-1",
};

/* The line of good's first nfields fields with field `at` (when < nfields) replaced by
 * value[0..vlen). Returns its length. */
static size_t line_with(char *buf, size_t cap, size_t nfields, size_t at, const char *value,
                        size_t vlen)
{
    size_t n = 0;
    for (size_t i = 0; i < nfields; i++) {
        const char *f = i == at ? value : good[i];
        size_t len = i == at ? vlen : strlen(good[i]);
        CU_ASSERT_FATAL(n + len + 1 < cap);
        if (i > 0)
            buf[n++] = '\t';
        memcpy(buf + n, f, len);
        n += len;
    }
    return n;
}

static lg_err decode_with(size_t at, const char *value, size_t vlen)
{
    char buf[1024];
    lg_api_log r;
    return lg_journal_decode(buf, line_with(buf, sizeof buf, 17, at, value, vlen), &r);
}

#define V(s) (s), (sizeof(s) - 1)

static void test_decode_good(void)
{
    char buf[1024];
    lg_api_log r;
    size_t n = line_with(buf, sizeof buf, 17, 99, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(lg_journal_decode(buf, n, &r), LG_OK);
    CU_ASSERT_EQUAL(r.created_at_ms, 1700000000000);
    CU_ASSERT_EQUAL(r.key_id, 42);
    CU_ASSERT_EQUAL(r.status_code, 200);
    CU_ASSERT_EQUAL(r.duration_ms, 15);
    CU_ASSERT_EQUAL(r.success, 1);
    CU_ASSERT_STRING_EQUAL(r.payload, "{\"a\":\"b\tc\"}");
    CU_ASSERT_STRING_EQUAL(r.error_message, "");
    CU_ASSERT_STRING_EQUAL(r.loan_id, "loan-1");
    /* The length bounds the read: what follows is not looked at. */
    buf[n] = '\t';
    CU_ASSERT_EQUAL(lg_journal_decode(buf, n, &r), LG_OK);
    /* A value exactly as long as its field holds. */
    CU_ASSERT_EQUAL(decode_with(9, V("OPTIONS")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(9, V("\\t\\n\\r\\\\\\t\\n\\r")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(1, V("9223372036854775807")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(4, V("4294967295")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(3, V("100")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(3, V("599")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(5, V("0")), LG_OK);
    CU_ASSERT_EQUAL(decode_with(2, V("0")), LG_OK);
}

static void test_decode_refusals(void)
{
    static const struct {
        size_t at;
        const char *value;
        size_t len;
        const char *why;
    } bad[] = {
        {0, V("L2"), "another tag"},
        {0, V("l1"), "tag in lower case"},
        {0, V("L1 "), "tag with a space"},
        {0, V(""), "no tag"},
        {1, V(""), "empty number"},
        {1, V("0"), "created_at 0"},
        {1, V("-1700000000000"), "negative created_at"},
        {1, V("17000x0000000"), "non-digit"},
        {1, V("+1700000000000"), "plus sign"},
        {1, V(" 1700000000000"), "leading space"},
        {1, V("1700000000000 "), "trailing space"},
        {1, V("9223372036854775808"), "created_at past INT64_MAX"},
        {1, V("18446744073709551616"), "past UINT64_MAX"},
        {1, V("99999999999999999999"), "twenty nines"},
        {1, V("-"), "a lone minus"},
        {2, V("-1"), "negative key id"},
        {2, V("k"), "key id not a number"},
        {3, V("99"), "status 99"},
        {3, V("600"), "status 600"},
        {3, V("-200"), "negative status"},
        {3, V("2000"), "status 2000"},
        {4, V("4294967296"), "duration past UINT32_MAX"},
        {4, V("-1"), "negative duration"},
        {5, V("2"), "success 2"},
        {5, V("-1"), "success -1"},
        {5, V("yes"), "success as a word"},
        {7, V("req\\x1"), "unknown escape \\x"},
        {7, V("req\\0"), "escape \\0"},
        {7, V("req\\"), "lone backslash ending a field"},
        {16, V("loan-1\\"), "lone backslash ending the line"},
        {7, V("re\0q"), "NUL byte in a text"},
        {3,
         V("20\0"
           "0"),
         "NUL byte in a number"},
        {9, V("OPTIONSX"), "method one byte over its field"},
        {9, V("\\t\\n\\r\\\\\\t\\n\\r\\t"), "method of 8 escaped bytes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lg_err rc = decode_with(bad[i].at, bad[i].value, bad[i].len);
        if (rc != LG_ERR_INVALID)
            fprintf(stderr, "\n  decoded: %s (field %zu)\n", bad[i].why, bad[i].at);
        CU_ASSERT_EQUAL(rc, LG_ERR_INVALID);
    }

    /* A partner id one byte longer than its field can hold; one byte less is fine. */
    char id[LG_ID_LEN + 1];
    memset(id, 'p', sizeof id);
    CU_ASSERT_EQUAL(decode_with(6, id, LG_ID_LEN), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(decode_with(6, id, LG_ID_LEN - 1), LG_OK);

    char buf[1024];
    lg_api_log r;
    size_t n = line_with(buf, sizeof buf, 16, 99, NULL, 0); /* loan_id missing */
    CU_ASSERT_EQUAL(lg_journal_decode(buf, n, &r), LG_ERR_INVALID);
    n = line_with(buf, sizeof buf, 17, 99, NULL, 0);
    memcpy(buf + n, "\textra", 6); /* one field too many */
    CU_ASSERT_EQUAL(lg_journal_decode(buf, n + 6, &r), LG_ERR_INVALID);
    buf[n] = '\t'; /* an empty one too many */
    CU_ASSERT_EQUAL(lg_journal_decode(buf, n + 1, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_journal_decode(buf, 0, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_journal_decode("L1", 2, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_journal_decode(NULL, 10, &r), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_journal_decode(buf, n, NULL), LG_ERR_INVALID);
}

/* ------------------------------------------------------------ ingest */

static char dir[512];
static char db_path[700];
static char journal_dir[700];
static lg_config *cfg;
static lg_service *svc;
static lg_partner partner;
static lg_api_key key;

/* A fresh state directory with a migrated store, a service on it and a partner with
 * its key; journal is [audit] journal. */
static void open_fresh(const char *journal)
{
    char path[600], err[256];
    lg_service_close(svc);
    svc = NULL;
    lg_config_free(cfg);
    cfg = NULL;
    if (dir[0])
        lg_test_rmtree(dir);
    CU_ASSERT_FATAL(lg_test_mkdtemp(dir, sizeof dir) == 0);
    CU_ASSERT_FATAL(lg_config_defaults(&cfg) == LG_OK);
    snprintf(path, sizeof path, "%s/state", dir);
    CU_ASSERT_FATAL(lg_config_set(cfg, "store", "state_dir", path, err, sizeof err) == LG_OK);
    snprintf(db_path, sizeof db_path, "%s/state/lendgate.db", dir);
    CU_ASSERT_FATAL(lg_config_set(cfg, "store", "path", db_path, err, sizeof err) == LG_OK);
    CU_ASSERT_FATAL(lg_config_set(cfg, "audit", "journal", journal, err, sizeof err) == LG_OK);
    snprintf(journal_dir, sizeof journal_dir, "%s/state/audit-journal", dir);
    CU_ASSERT_FATAL(lg_setup_init(cfg, NULL, err, sizeof err) == LG_OK);
    CU_ASSERT_FATAL(lg_service_open_store_only(&svc, cfg, err, sizeof err) == LG_OK);

    memset(&partner, 0, sizeof partner);
    snprintf(partner.id, sizeof partner.id, "partner_acme_001");
    snprintf(partner.name, sizeof partner.name, "acme lending");
    snprintf(partner.key_prefix, sizeof partner.key_prefix, "acme");
    partner.status = LG_PARTNER_ACTIVE;
    partner.tier = LG_TIER_BASIC;
    partner.daily_limit = 1000;
    partner.total_limit = 5000;
    snprintf(partner.settlement_address, sizeof partner.settlement_address, "0x%040d", 1);
    snprintf(partner.webhook_url, sizeof partner.webhook_url, "https://acme.example/hooks");
    snprintf(partner.webhook_secret, sizeof partner.webhook_secret, "whsec_acme_0123456789");
    snprintf(partner.contact_email, sizeof partner.contact_email, "ops@acme.example");
    CU_ASSERT_FATAL(lg_test_partner_add(lg_service_store(svc), &partner, &key) == LG_OK);
    CU_ASSERT_FATAL(key.id > 0);
}

static int suite_clean(void)
{
    lg_service_close(svc);
    svc = NULL;
    lg_config_free(cfg);
    cfg = NULL;
    if (dir[0])
        lg_test_rmtree(dir);
    dir[0] = '\0';
    return 0;
}

static void row_init(lg_api_log *r, const char *request_id, int64_t created_at_ms)
{
    memset(r, 0, sizeof *r);
    snprintf(r->partner_id, sizeof r->partner_id, "%s", partner.id);
    snprintf(r->request_id, sizeof r->request_id, "%s", request_id);
    snprintf(r->route, sizeof r->route, "/partners/loan/:partnerLoanId");
    snprintf(r->method, sizeof r->method, "POST");
    snprintf(r->client_ip, sizeof r->client_ip, "2001:db8::7");
    snprintf(r->user_agent, sizeof r->user_agent, "sdk/2.0\t(linux)");
    snprintf(r->payload, sizeof r->payload, "{\"note\":\"a\\\\b\nc\r\td\"}");
    snprintf(r->error_message, sizeof r->error_message, "line one\nline two");
    snprintf(r->loan_id, sizeof r->loan_id, "loan-%s", request_id);
    r->status_code = 201;
    r->duration_ms = 12;
    r->success = 1;
    r->key_id = key.id;
    r->created_at_ms = created_at_ms;
}

/* Rows of partner_api_logs with that request id. */
static int64_t stored(const char *request_id)
{
    int64_t n = -1;
    CU_ASSERT_EQUAL(lg_test_sql_int(db_path, &n,
                                    "SELECT count(*) FROM partner_api_logs WHERE request_id = ?1",
                                    request_id, NULL),
                    0);
    return n;
}

static int64_t key_last_used(void)
{
    char id[32];
    int64_t at = -1;
    snprintf(id, sizeof id, "%" PRId64, key.id);
    CU_ASSERT_EQUAL(
        lg_test_sql_int(db_path, &at,
                        "SELECT COALESCE(last_used_at_ms, 0) FROM api_keys WHERE id = ?1", id,
                        NULL),
        0);
    return at;
}

/* The stored row of request_id, through the store's own query. */
static int stored_row(const char *request_id, lg_api_log *out)
{
    lg_api_log_filter f = {partner.id, 0, 0, -1, 100, 0};
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    int found = 0;
    CU_ASSERT_EQUAL(lg_store_api_log_query(lg_service_store(svc), &f, &items, &n, &total), LG_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].request_id, request_id) == 0) {
            *out = items[i];
            found++;
        }
    free(items);
    return found;
}

#define ROWS 6

static void test_flush_moves_rows_once(void)
{
    open_fresh("true");
    const int64_t base = 1760000000000;
    /* Not in time order: the key's last use is the latest row, not the last one. */
    static const int64_t offsets[ROWS] = {3000, 9000, 1000, 7000, 5000, 2000};
    lg_api_log rows[ROWS];
    char rid[32];
    CU_ASSERT_EQUAL(lg_service_audit_due_in(svc), -1); /* nothing written yet */
    for (int i = 0; i < ROWS; i++) {
        snprintf(rid, sizeof rid, "journal-%d", i);
        row_init(&rows[i], rid, base + offsets[i]);
        CU_ASSERT_EQUAL(lg_service_audit(svc, &rows[i]), LG_OK);
    }
    int64_t due = lg_service_audit_due_in(svc);
    CU_ASSERT(due >= 0 && due <= 200); /* [audit] flush_ms */
    for (int i = 0; i < ROWS; i++)
        CU_ASSERT_EQUAL(stored(rows[i].request_id), 0);
    CU_ASSERT_EQUAL(key_last_used(), 0);

    unsigned moved = 99;
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, ROWS);
    for (int i = 0; i < ROWS; i++)
        CU_ASSERT_EQUAL(stored(rows[i].request_id), 1);
    CU_ASSERT_EQUAL(key_last_used(), base + 9000);
    CU_ASSERT_EQUAL(lg_service_audit_due_in(svc), -1);

    /* The escaped texts came through the file as they went in. */
    lg_api_log got;
    CU_ASSERT_EQUAL_FATAL(stored_row("journal-3", &got), 1);
    CU_ASSERT_EQUAL(got.created_at_ms, base + 7000);
    CU_ASSERT_EQUAL(got.status_code, 201);
    CU_ASSERT_EQUAL(got.duration_ms, 12);
    CU_ASSERT_EQUAL(got.success, 1);
    CU_ASSERT_STRING_EQUAL(got.payload, rows[3].payload);
    CU_ASSERT_STRING_EQUAL(got.user_agent, rows[3].user_agent);
    CU_ASSERT_STRING_EQUAL(got.error_message, rows[3].error_message);
    CU_ASSERT_STRING_EQUAL(got.loan_id, "loan-journal-3");

    /* A second flush finds nothing new; the rows are still there once. */
    moved = 99;
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 0, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 0);
    for (int i = 0; i < ROWS; i++)
        CU_ASSERT_EQUAL(stored(rows[i].request_id), 1);

    /* A row written after is the only one the next flush takes; an earlier time does
     * not move the key's last use back. */
    lg_api_log late;
    row_init(&late, "journal-late", base + 500);
    CU_ASSERT_EQUAL(lg_service_audit(svc, &late), LG_OK);
    CU_ASSERT(lg_service_audit_due_in(svc) >= 0);
    CU_ASSERT_EQUAL(stored("journal-late"), 0);
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 1);
    CU_ASSERT_EQUAL(stored("journal-late"), 1);
    CU_ASSERT_EQUAL(stored("journal-0"), 1);
    CU_ASSERT_EQUAL(key_last_used(), base + 9000);
    CU_ASSERT_EQUAL(lg_service_audit_due_in(svc), -1);
    CU_ASSERT_EQUAL(lg_service_audit_flush(NULL, 1, &moved), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(moved, 0);
}

/* A row given without a time (0, "now", as lg_store_api_log_append takes it) is
 * ingested with the time it was appended at, not lost. */
static void test_row_without_time(void)
{
    open_fresh("true");
    lg_api_log r;
    row_init(&r, "journal-untimed", 0);
    int64_t before = lg_time_now_ms();
    CU_ASSERT_EQUAL(lg_service_audit(svc, &r), LG_OK);
    unsigned moved = 0;
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 1);
    lg_api_log got;
    CU_ASSERT_EQUAL_FATAL(stored_row("journal-untimed", &got), 1);
    CU_ASSERT(got.created_at_ms >= before && got.created_at_ms <= lg_time_now_ms());
    CU_ASSERT_EQUAL(key_last_used(), got.created_at_ms);

    /* A status no line carries is not written to be skipped: it is stored at once. */
    row_init(&r, "journal-odd-status", 1760000000000);
    r.status_code = 700;
    CU_ASSERT_EQUAL(lg_service_audit(svc, &r), LG_OK);
    CU_ASSERT_EQUAL(stored("journal-odd-status"), 1);
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 0);
    CU_ASSERT_EQUAL(stored("journal-odd-status"), 1);
}

static size_t encode_row(char *buf, size_t cap, const char *request_id, int64_t created_at_ms)
{
    lg_api_log r;
    row_init(&r, request_id, created_at_ms);
    size_t n = lg_journal_encode(buf, cap, &r);
    CU_ASSERT_FATAL(n > 0);
    return n;
}

static int count_files(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".log") != NULL;
    closedir(d);
    return n;
}

/* A file left by a writer of another boot: its whole rows are taken, the garbage line
 * and the torn last line skipped, then the file and its offset are gone. */
static void test_ended_writer_file(void)
{
    static const char name[] = "00000000-0000-0000-0000-000000000000_1_1.0.log";
    static char text[4 * LG_JOURNAL_LINE_MAX];
    char path[800];
    open_fresh("true");
    size_t n = encode_row(text, sizeof text, "ended-1", 1760000001000);
    n += (size_t)snprintf(text + n, sizeof text - n, "L1\tnot\ta\trow\n");
    n += encode_row(text + n, sizeof text - n, "ended-2", 1760000002000);
    size_t torn = encode_row(text + n, sizeof text - n, "ended-3", 1760000003000);
    n += torn / 2; /* cut mid-line by a power loss: no '\n' */
    CU_ASSERT_FATAL(mkdir(journal_dir, 0700) == 0 || errno == EEXIST);
    snprintf(path, sizeof path, "%s/%s", journal_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, text, n), (ssize_t)n);
    close(fd);

    unsigned moved = 0;
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 2);
    CU_ASSERT_EQUAL(stored("ended-1"), 1);
    CU_ASSERT_EQUAL(stored("ended-2"), 1);
    CU_ASSERT_EQUAL(stored("ended-3"), 0);
    CU_ASSERT_EQUAL(key_last_used(), 1760000002000);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    uint64_t off = 99;
    CU_ASSERT_EQUAL(lg_store_audit_offset(lg_service_store(svc), name, &off), LG_OK);
    CU_ASSERT_EQUAL(off, 0);
    int64_t kept = -1;
    CU_ASSERT_EQUAL(lg_test_sql_int(db_path, &kept,
                                    "SELECT count(*) FROM audit_journal WHERE source = ?1", name,
                                    NULL),
                    0);
    CU_ASSERT_EQUAL(kept, 0);
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 0);
    CU_ASSERT_EQUAL(stored("ended-1"), 1);
}

/* With [audit] journal = false a row is in the store as soon as it is given, and no
 * journal file is written. */
static void test_journal_off(void)
{
    open_fresh("false");
    lg_api_log r;
    row_init(&r, "direct-1", 1760000004000);
    CU_ASSERT_EQUAL(lg_service_audit(svc, &r), LG_OK);
    CU_ASSERT_EQUAL(stored("direct-1"), 1);
    CU_ASSERT_EQUAL(lg_service_audit_due_in(svc), -1);
    CU_ASSERT_EQUAL(count_files(journal_dir), 0);
    unsigned moved = 99;
    CU_ASSERT_EQUAL(lg_service_audit_flush(svc, 1, &moved), LG_OK);
    CU_ASSERT_EQUAL(moved, 0);
    CU_ASSERT_EQUAL(stored("direct-1"), 1);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case line_tests[] = {
        {"round trip at every field's capacity", test_round_trip_extremes},
        {"encode refuses a buffer too small", test_encode_capacity},
        {"decode of a valid line", test_decode_good},
        {"decode refusals", test_decode_refusals},
        {NULL, NULL},
    };
    static const lg_test_case ingest_tests[] = {
        {"a flush moves each row once", test_flush_moves_rows_once},
        {"a row without a time", test_row_without_time},
        {"a file of an ended writer", test_ended_writer_file},
        {"journal off: stored directly", test_journal_off},
        {NULL, NULL},
    };
    lg_test_add_suite("journal line", NULL, NULL, line_tests);
    lg_test_add_suite("journal ingest", NULL, suite_clean, ingest_tests);
    return lg_test_run("test_journal");
}
