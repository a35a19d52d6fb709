/* test_core.c - time (RFC 3339, day keys, the fixed clock), ids (UUID v4, id syntax) and
 * logging (one line per event, request ids, escaping, secrets masked). */
#include "config.h"

#include "harness.h"

#include <lendgate/ids.h>
#include <lendgate/log.h>
#include <lendgate/shm.h>
#include <lendgate/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 2026-11-24T00:00:00Z and 2026-11-24T01:48:44Z, from `date -u -d ... +%s`. */
#define MIDNIGHT_MS INT64_C(1795478400000)
#define SAMPLE_MS   INT64_C(1795484924123)

/* ---- time --------------------------------------------------------------------------- */

static void test_time_format(void)
{
    char buf[LG_RFC3339_LEN];
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(SAMPLE_MS, buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "2026-11-24T01:48:44.123Z");
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(0, buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "1970-01-01T00:00:00.000Z");
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(INT64_C(951868800000) - 1, buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "2000-02-29T23:59:59.999Z");
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(INT64_C(253402300799999), buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, "9999-12-31T23:59:59.999Z");
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(INT64_C(253402300800000), buf, sizeof buf),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(-1, buf, sizeof buf), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(SAMPLE_MS, buf, LG_RFC3339_LEN - 1), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_time_format_rfc3339(SAMPLE_MS, NULL, 64), LG_ERR_INVALID);
}

typedef struct {
    const char *text;
    int64_t ms;
} time_case;

static void test_time_parse_good(void)
{
    static const time_case cases[] = {
        {"2026-11-24T01:48:44Z", SAMPLE_MS - 123},
        {"2026-11-24T01:48:44.123Z", SAMPLE_MS},
        {"2026-11-24t01:48:44.123z", SAMPLE_MS},
        {"2026-11-24T01:48:44.1Z", SAMPLE_MS - 23},
        {"2026-11-24T01:48:44.123999999Z", SAMPLE_MS}, /* beyond ms: truncated */
        {"2026-11-24T03:48:44.123+02:00", SAMPLE_MS},
        {"2026-11-23T22:18:44.123-03:30", SAMPLE_MS},
        {"2026-11-24T01:48:44.123+00:00", SAMPLE_MS},
        {"2026-11-24T01:48:44.123-00:00", SAMPLE_MS},
        {"2026-11-24", MIDNIGHT_MS},
        {"1970-01-01", 0},
        {"1970-01-01T00:00:00Z", 0},
        {"2024-02-29", INT64_C(1709164800000)},
        {"2000-03-01T00:00:00Z", INT64_C(951868800000)},
        {"2026-12-31T23:59:59Z", INT64_C(1798761599000)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t ms = -42;
        lg_err rc = lg_time_parse(cases[i].text, &ms);
        CU_ASSERT_EQUAL(rc, LG_OK);
        CU_ASSERT_EQUAL(ms, cases[i].ms);
        if (rc != LG_OK || ms != cases[i].ms)
            fprintf(stderr, "\n  %s -> %s %lld\n", cases[i].text, lg_errname(rc), (long long)ms);
    }
}

static void test_time_parse_bad(void)
{
    static const char *const bad[] = {
        "2026-02-29", /* not a leap year */
        "2100-02-29", /* centuries are not, unless divisible by 400 */
        "2026-04-31",
        "2026-13-01",
        "2026-00-10",
        "2026-11-00",
        "2026-11-32",
        "1969-12-31",                /* before the epoch */
        "1970-01-01T00:30:00+01:00", /* before the epoch once the offset applies */
        "2026-11-24T24:00:00Z",
        "2026-11-24T23:60:00Z",
        "2026-11-24T23:59:60Z", /* leap seconds are not accepted */
        "2026-11-24T01:48:44",  /* no zone */
        "2026-11-24T01:48Z",
        "2026-11-24 01:48:44Z",
        "2026-11-24T01:48:44.Z",
        "2026-11-24T01:48:44.1234567890Z",
        "2026-11-24T01:48:44+2:00",
        "2026-11-24T01:48:44+02",
        "2026-11-24T01:48:44+24:00",
        "2026-11-24T01:48:44Zjunk",
        "2026-1-24",
        "26-11-24",
        "2026/11/24",
        "",
        " 2026-11-24",
        "2026-11-24 ",
        "2026-11-24T",
        "2026",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t ms = -42;
        lg_err rc = lg_time_parse(bad[i], &ms);
        CU_ASSERT_EQUAL(rc, LG_ERR_INVALID);
        CU_ASSERT_EQUAL(ms, -42);
        if (rc != LG_ERR_INVALID)
            fprintf(stderr, "\n  accepted: '%s'\n", bad[i]);
    }
    int64_t ms;
    CU_ASSERT_EQUAL(lg_time_parse(NULL, &ms), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_time_parse("2026-11-24", NULL), LG_ERR_INVALID);
}

static void test_time_round_trip(void)
{
    static const int64_t values[] = {0,
                                     1,
                                     999,
                                     MIDNIGHT_MS - 1,
                                     MIDNIGHT_MS,
                                     SAMPLE_MS,
                                     INT64_C(951782400000), /* 2000-02-29 */
                                     INT64_C(4107542399999),
                                     INT64_C(253402300799999)};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        char buf[LG_RFC3339_LEN];
        int64_t back = -1;
        CU_ASSERT_EQUAL(lg_time_format_rfc3339(values[i], buf, sizeof buf), LG_OK);
        CU_ASSERT_EQUAL(lg_time_parse(buf, &back), LG_OK);
        CU_ASSERT_EQUAL(back, values[i]);
    }
}

static void expect_day(int64_t ms, const char *want)
{
    char buf[11];
    CU_ASSERT_EQUAL(lg_time_day_key(ms, buf, sizeof buf), LG_OK);
    CU_ASSERT_STRING_EQUAL(buf, want);
}

static void test_day_key(void)
{
    expect_day(MIDNIGHT_MS - 1, "2026-11-23");
    expect_day(MIDNIGHT_MS, "2026-11-24");
    expect_day(MIDNIGHT_MS + 86399999, "2026-11-24");
    expect_day(MIDNIGHT_MS + 86400000, "2026-11-25");
    expect_day(INT64_C(1798761599999), "2026-12-31");
    expect_day(INT64_C(1798761600000), "2027-01-01");
    expect_day(INT64_C(1709164800000), "2024-02-29");
    expect_day(0, "1970-01-01");
    char buf[11];
    CU_ASSERT_EQUAL(lg_time_day_key(MIDNIGHT_MS, buf, 10), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_time_day_key(MIDNIGHT_MS, NULL, 11), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_time_day_key(-1, buf, sizeof buf), LG_ERR_INVALID);
}

static void test_fixed_clock(void)
{
    lg_time_set_fixed(SAMPLE_MS);
    CU_ASSERT_EQUAL(lg_time_now_ms(), SAMPLE_MS);
    CU_ASSERT_EQUAL(lg_time_now_ms(), SAMPLE_MS);
    lg_time_set_fixed(0);
    CU_ASSERT_EQUAL(lg_time_now_ms(), 0);
    int64_t m0 = lg_time_mono_ms();
    lg_time_set_fixed(-1);
    int64_t real = lg_time_now_ms(), wall = (int64_t)time(NULL) * 1000;
    CU_ASSERT(real >= wall - 2000 && real <= wall + 2000);
    CU_ASSERT(lg_time_mono_ms() >= m0);
}

/* ---- ids ---------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_uuid_v4(void)
{
    enum { N = 1000 };
    static char ids[N][LG_UUID_TEXT_LEN];
    int shape_ok = 1;
    for (int i = 0; i < N; i++) {
        CU_ASSERT_EQUAL_FATAL(lg_uuid_v4(ids[i], sizeof ids[i]), LG_OK);
        const char *u = ids[i];
        shape_ok &= strlen(u) == 36 && lg_uuid_valid(u) && u[14] == '4' &&
                    strchr("89ab", u[19]) != NULL && strspn(u, "0123456789abcdef-") == 36;
    }
    CU_ASSERT(shape_ok);
    qsort(ids, N, sizeof ids[0], cmp_str);
    int dupes = 0;
    for (int i = 1; i < N; i++)
        dupes += strcmp(ids[i - 1], ids[i]) == 0;
    CU_ASSERT_EQUAL(dupes, 0);
    char small[LG_UUID_TEXT_LEN - 1];
    CU_ASSERT_EQUAL(lg_uuid_v4(small, sizeof small), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_uuid_v4(NULL, 64), LG_ERR_INVALID);
}

static void test_uuid_valid(void)
{
    CU_ASSERT(lg_uuid_valid("9f0c2a1e-3b4d-4c5e-8f60-718293a4b5c6"));
    CU_ASSERT(lg_uuid_valid("9F0C2A1E-3B4D-4C5E-8F60-718293A4B5C6"));
    CU_ASSERT(!lg_uuid_valid("9f0c2a1e-3b4d-4c5e-8f60-718293a4b5c"));
    CU_ASSERT(!lg_uuid_valid("9f0c2a1e-3b4d-4c5e-8f60-718293a4b5c6a"));
    CU_ASSERT(!lg_uuid_valid("9f0c2a1e3b4d-4c5e-8f60-718293a4b5c6-"));
    CU_ASSERT(!lg_uuid_valid("9f0c2a1g-3b4d-4c5e-8f60-718293a4b5c6"));
    CU_ASSERT(!lg_uuid_valid("{9f0c2a1e-3b4d-4c5e-8f60-718293a4b5}"));
    CU_ASSERT(!lg_uuid_valid(""));
    CU_ASSERT(!lg_uuid_valid(NULL));
}

static void test_id_valid(void)
{
    char id[80];
    memset(id, 'a', 64);
    id[64] = '\0';
    CU_ASSERT(lg_id_valid(id, 64));
    id[64] = 'b';
    id[65] = '\0';
    CU_ASSERT(!lg_id_valid(id, 64));
    CU_ASSERT(lg_id_valid("loan-2026_11-A9z", 64));
    CU_ASSERT(lg_id_valid("a", 1));
    CU_ASSERT(!lg_id_valid("ab", 1));
    CU_ASSERT(!lg_id_valid("", 64));
    CU_ASSERT(!lg_id_valid(NULL, 64));
    CU_ASSERT(!lg_id_valid("a b", 64));
    CU_ASSERT(!lg_id_valid("a/b", 64));
    CU_ASSERT(!lg_id_valid("a.b", 64));
    CU_ASSERT(!lg_id_valid("a\nb", 64));
    CU_ASSERT(!lg_id_valid("loan\xc3\xa9", 64)); /* é */
    CU_ASSERT(!lg_id_valid("\xef\xbd\x81", 64)); /* fullwidth a */
    CU_ASSERT(!lg_id_valid("loan'--", 64));
}

/* ---- log ---------------------------------------------------------------------------- */

#define KEY_HEX "0123456789abcdef0123456789abcdef"
#define API_KEY "pk_acme_live_" KEY_HEX

static void test_scrub_keys(void)
{
    char line[256] = "auth with " API_KEY " failed";
    CU_ASSERT_EQUAL(lg_scrub_keys(line), 1);
    CU_ASSERT_STRING_EQUAL(line, "auth with pk_acme_live_******************************** failed");

    char two[256] = "a=" API_KEY ",b=pk_beta2_sandbox_ABCDEF0123456789abcdef0123456789";
    CU_ASSERT_EQUAL(lg_scrub_keys(two), 2);
    CU_ASSERT_PTR_NULL(strstr(two, "0123456789"));
    CU_ASSERT_PTR_NOT_NULL(strstr(two, "pk_beta2_sandbox_*"));

    char notkey[128] = "pk_acme_test_" KEY_HEX " pk_acme_live_0123456789abcdef";
    CU_ASSERT_EQUAL(lg_scrub_keys(notkey), 0);
    CU_ASSERT_STRING_EQUAL(notkey, "pk_acme_test_" KEY_HEX " pk_acme_live_0123456789abcdef");
    CU_ASSERT_EQUAL(lg_scrub_keys(NULL), 0);
}

/* The characters shown before "...": at most 16, all a prefix of the key. */
static void expect_redacted(const char *key)
{
    char out[64];
    CU_ASSERT_PTR_EQUAL(lg_redact(key, out, sizeof out), out);
    const char *dots = strstr(out, "...");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dots);
    size_t shown = (size_t)(dots - out);
    CU_ASSERT(shown <= 16);
    CU_ASSERT(shown > 0 && strncmp(out, key, shown) == 0);
    CU_ASSERT_STRING_EQUAL(dots, "...");
}

static void test_redact(void)
{
    expect_redacted(API_KEY);
    expect_redacted("pk_a_live_" KEY_HEX);
    expect_redacted("pk_averyveryverylongpartnername_sandbox_" KEY_HEX);
    char out[64];
    lg_redact("hunter2-secret", out, sizeof out);
    CU_ASSERT_PTR_NULL(strstr(out, "hunter"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "[redacted]"));
    lg_redact(NULL, out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "[redacted]"));
    char tiny[5] = "xxxx";
    lg_redact(API_KEY, tiny, sizeof tiny);
    CU_ASSERT(strlen(tiny) <= 4);
    CU_ASSERT_PTR_NULL(lg_redact(API_KEY, NULL, 16));
}

static void test_secret_fields(void)
{
    static const char *const secret[] = {
        "apiKey",        "APIKEY",        "api_key",     "secret",      "hmacSecret",
        "webhookSecret", "signature",     "privateKey",  "private_key", "password",
        "passphrase",    "Authorization", "accessToken", "keyHash"};
    static const char *const plain[] = {"amount",    "partnerLoanId", "userWallet", "tokenId",
                                        "secretary", "keyPrefix",     "status",     ""};
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++)
        CU_ASSERT_EQUAL(lg_is_secret_field(secret[i]), 1);
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        CU_ASSERT_EQUAL(lg_is_secret_field(plain[i]), 0);
    CU_ASSERT_EQUAL(lg_is_secret_field(NULL), 0);
}

static void test_level_parse(void)
{
    lg_log_level l = LG_LOG_OFF;
    CU_ASSERT_EQUAL(lg_log_level_parse("WARN", &l), LG_OK);
    CU_ASSERT_EQUAL(l, LG_LOG_WARN);
    CU_ASSERT_EQUAL(lg_log_level_parse("debug", &l), LG_OK);
    CU_ASSERT_EQUAL(l, LG_LOG_DEBUG);
    CU_ASSERT_EQUAL(lg_log_level_parse("verbose", &l), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_log_level_parse(NULL, &l), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_log_level_parse("info", NULL), LG_ERR_INVALID);
}

static int log_pipe[2] = {-1, -1};

static int log_suite_init(void)
{
    if (pipe(log_pipe) != 0 || fcntl(log_pipe[0], F_SETFL, O_NONBLOCK) != 0)
        return -1;
    lg_log_init("test_core", LG_LOG_INFO);
    lg_log_set_fd(log_pipe[1]);
    return 0;
}

static int log_suite_clean(void)
{
    lg_log_set_fd(-1);
    lg_log_set_request_id(NULL);
    lg_time_set_fixed(-1);
    close(log_pipe[0]);
    close(log_pipe[1]);
    return 0;
}

/* Reads everything written so far (each lg_log is one write). */
static size_t drain(char *buf, size_t len)
{
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = read(log_pipe[0], buf + got, len - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_log_line(void)
{
    char out[8192];
    drain(out, sizeof out);
    lg_time_set_fixed(SAMPLE_MS);
    lg_log_set_request_id("req-42");
    lg_info("unit.test", "said \"hi\"\nkey=%s\tend\\", API_KEY);
    size_t n = drain(out, sizeof out);
    CU_ASSERT(n > 0 && out[n - 1] == '\n');
    CU_ASSERT_EQUAL(count_char(out, '\n'), 1);
    CU_ASSERT(strncmp(out, "ts=2026-11-24T01:48:44.123Z level=info prog=test_core pid=", 58) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " rid=req-42 event=unit.test msg="));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "msg=\"said \\\"hi\\\"\\nkey=pk_acme_live_********************************"
                    "\\tend\\\\\"\n"));
    CU_ASSERT_PTR_NULL(strstr(out, KEY_HEX));
    lg_time_set_fixed(-1);
}

static void test_log_levels_and_rid(void)
{
    char out[8192];
    drain(out, sizeof out);
    lg_debug("unit.debug", "hidden");
    CU_ASSERT_EQUAL(drain(out, sizeof out), 0);
    CU_ASSERT_EQUAL(errno, EAGAIN);
    lg_log_set_request_id("a b\"c\nd");
    lg_warn("unit.rid", "x");
    drain(out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " rid=a_b_c_d "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "level=warn"));
    lg_log_set_request_id(NULL);
    lg_error("unit.norid", "%d", 7);
    drain(out, sizeof out);
    CU_ASSERT_PTR_NULL(strstr(out, "rid="));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "msg=\"7\""));
    lg_log_set_level(LG_LOG_OFF);
    lg_error("unit.off", "x");
    CU_ASSERT_EQUAL(drain(out, sizeof out), 0);
    lg_log_set_level(LG_LOG_INFO);
    CU_ASSERT_EQUAL(lg_log_get_level(), LG_LOG_INFO);
}

/* No run of 6 or more characters of the key's hex part appears in s. */
static int leaks_key(const char *s)
{
    for (size_t i = 0; i + 6 <= 32; i++) {
        char piece[8];
        memcpy(piece, &KEY_HEX[i], 6);
        piece[6] = '\0';
        if (strstr(s, piece))
            return 1;
    }
    return 0;
}

/* A key cut by truncation, where the scrubber can no longer see a whole key. */
static void test_log_truncated_key(void)
{
    static char pad[4096], out[8192];
    /* the message buffer holds 2047 characters: the key starts 20 before its end */
    memset(pad, 'x', 2027);
    pad[2027] = '\0';
    drain(out, sizeof out);
    lg_info("unit.cut", "%s%s tail", pad, API_KEY);
    drain(out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "pk_*****"));
    CU_ASSERT_EQUAL(leaks_key(out), 0);
    CU_ASSERT_EQUAL(count_char(out, '\n'), 1);
    /* quoting doubles each '"': the line fills up in the middle of the key */
    memset(pad, '"', 1990);
    pad[1990] = '\0';
    lg_info("unit.cut", "%s%s tail", pad, API_KEY);
    size_t n = drain(out, sizeof out);
    CU_ASSERT(n < 4096 && n > 0 && out[n - 1] == '\n');
    CU_ASSERT_EQUAL(leaks_key(out), 0);
}

/* ------------------------------------------------------------ shm */

static const lg_shm_layout shm_layout = {
    .magic = 0x54534554554e494cull, .version = 1, .slot_size = 64, .slots = 2, .param = 0};

/* Maps path and returns the first word of slot 0 after storing set there (when not 0);
 * the inode the mapping came from in *ino. */
static uint64_t shm_word(const char *path, uint64_t set, ino_t *ino)
{
    lg_shm m = {0};
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(lg_shm_open(path, &shm_layout, &m), LG_OK);
    uint64_t *w = lg_shm_slot(&m, shm_layout.slot_size, 0);
    if (set)
        *w = set;
    uint64_t v = *w;
    lg_shm_close(&m);
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    *ino = st.st_ino;
    return v;
}

/* A table is kept while it is private to its owner, replaced (zeroed) when others
 * may touch it, and root takes the service user's table as it is: lendgatectl run as
 * root beside responders running as the service's user shares their counters. */
static void test_shm_owner(void)
{
    char dir[256], path[320];
    ino_t first, again;
    CU_ASSERT_EQUAL_FATAL(lg_test_mkdtemp(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/t.map", dir);
    CU_ASSERT_EQUAL(shm_word(path, 42, &first), 42);
    CU_ASSERT_EQUAL(shm_word(path, 0, &again), 42);
    CU_ASSERT_EQUAL(again, first);
    if (geteuid() == 0) {
        CU_ASSERT_EQUAL_FATAL(chown(path, 65534, 65534), 0);
        CU_ASSERT_EQUAL(shm_word(path, 0, &again), 42);
        CU_ASSERT_EQUAL(again, first);
        struct stat st;
        CU_ASSERT_EQUAL(stat(path, &st), 0);
        CU_ASSERT_EQUAL(st.st_uid, 65534);
    } else {
        printf("SKIPPED: shm: a table of another user taken as it is by root: not root\n");
    }
    CU_ASSERT_EQUAL_FATAL(chmod(path, 0640), 0);
    CU_ASSERT_EQUAL(shm_word(path, 0, &again), 0);
    CU_ASSERT_NOT_EQUAL(again, first);
    lg_test_rmtree(dir);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case time_tests[] = {
        {"format", test_time_format},
        {"parse good", test_time_parse_good},
        {"parse bad", test_time_parse_bad},
        {"round trip", test_time_round_trip},
        {"day key", test_day_key},
        {"fixed clock", test_fixed_clock},
        {NULL, NULL},
    };
    static const lg_test_case id_tests[] = {
        {"uuid v4", test_uuid_v4},
        {"uuid valid", test_uuid_valid},
        {"id valid", test_id_valid},
        {NULL, NULL},
    };
    static const lg_test_case log_tests[] = {
        {"scrub keys", test_scrub_keys},
        {"redact", test_redact},
        {"secret fields", test_secret_fields},
        {"level parse", test_level_parse},
        {"line to a pipe", test_log_line},
        {"levels and request id", test_log_levels_and_rid},
        {"truncated key", test_log_truncated_key},
        {NULL, NULL},
    };
    lg_test_add_suite("time", NULL, NULL, time_tests);
    lg_test_add_suite("ids", NULL, NULL, id_tests);
    lg_test_add_suite("log", log_suite_init, log_suite_clean, log_tests);
    static const lg_test_case shm_tests[] = {
        {"owner", test_shm_owner},
        {NULL, NULL},
    };
    lg_test_add_suite("shm", NULL, NULL, shm_tests);
    return lg_test_run("test_core");
}
