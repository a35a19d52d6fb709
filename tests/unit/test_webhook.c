/* test_webhook.c - the webhook layer: the delivered body, both signature schemes
 * (Standard Webhooks' reference vector, the plan's against openssl), the address
 * guard, URL checks, Retry-After, and deliveries to an HTTP server on 127.0.0.1 run
 * by a thread of this program with scripted answers. */
#include "config.h"

#include "harness.h"

#include <lendgate/hex.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/webhook.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define REF_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* ------------------------------------------------------------ body */

static void make_event(lg_event *e, const char *payload)
{
    memset(e, 0, sizeof *e);
    snprintf(e->event_id, sizeof e->event_id, "evt_01");
    snprintf(e->partner_id, sizeof e->partner_id, "p-1");
    snprintf(e->type, sizeof e->type, "loan.borrowed");
    snprintf(e->payload, sizeof e->payload, "%s", payload);
    e->seq = 7;
    e->created_at_ms = 1795484924123; /* 2026-11-24T01:48:44.123Z */
}

static void test_body_envelope(void)
{
    lg_event e;
    make_event(&e, "{\"partnerId\":\"p-1\",\"partnerLoanId\":\"PL-9\",\"amount\":\"5000000\","
                   "\"timestamp\":\"2026-11-24T01:48:44.100Z\",\"n\":[1,{\"x\":null}]}");
    char *body = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    CU_ASSERT_EQUAL_FATAL(lg_webhook_body(&e, &body, &len), LG_OK);
    CU_ASSERT_STRING_EQUAL(
        body, "{\"id\":\"evt_01\",\"type\":\"loan.borrowed\",\"event\":\"loan.borrowed\","
              "\"timestamp\":\"2026-11-24T01:48:44.123Z\",\"sequence\":7,\"partnerId\":\"p-1\","
              "\"environment\":\"live\",\"partnerLoanId\":\"PL-9\",\"amount\":\"5000000\",\"n\":[1,"
              "{\"x\":null}],"
              "\"data\":{\"partnerId\":\"p-1\",\"partnerLoanId\":\"PL-9\",\"amount\":\"5000000\","
              "\"timestamp\":\"2026-11-24T01:48:44.100Z\",\"n\":[1,{\"x\":null}]}}");
    CU_ASSERT_EQUAL(len, strlen(body));
    /* The same event gives the same bytes on every attempt. */
    CU_ASSERT_EQUAL_FATAL(lg_webhook_body(&e, &again, &len2), LG_OK);
    CU_ASSERT_EQUAL(len2, len);
    CU_ASSERT_EQUAL(memcmp(body, again, len), 0);
    free(body);
    free(again);
    /* A sandbox twin's event names the partner and says it is the sandbox's. */
    make_event(&e, "{\"partnerLoanId\":\"PL-9\"}");
    snprintf(e.partner_id, sizeof e.partner_id, "p-1" LG_SANDBOX_SUFFIX);
    CU_ASSERT_EQUAL_FATAL(lg_webhook_body(&e, &body, &len), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"partnerId\":\"p-1\",\"environment\":\"sandbox\""));
    free(body);
}

static void test_body_refusals(void)
{
    static const char *const bad[] = {"[1,2]", "\"text\"", "42",    "null",  "",
                                      "{",     "{}x",      "{} {}", "\x01{}"};
    lg_event e;
    char *body = (char *)"unchanged";
    size_t len = 9;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_event(&e, bad[i]);
        CU_ASSERT_EQUAL(lg_webhook_body(&e, &body, &len), LG_ERR_INVALID);
        CU_ASSERT_PTR_NULL(body);
        CU_ASSERT_EQUAL(len, 0);
    }
    make_event(&e, "{} \n");
    CU_ASSERT_EQUAL_FATAL(lg_webhook_body(&e, &body, &len), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(body, ",\"data\":{}}"));
    free(body);
    CU_ASSERT_EQUAL(lg_webhook_body(NULL, &body, &len), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_body(&e, NULL, &len), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_body(&e, &body, NULL), LG_ERR_INVALID);
}

/* ------------------------------------------------------------ signatures */

static void test_sign_std_reference(void)
{
    /* Standard Webhooks' reference vector (its libraries' tests). */
    char sig[LG_WEBHOOK_STD_SIG_LEN];
    const char *body = "{\"test\": 2432232314}";
    CU_ASSERT_EQUAL(lg_webhook_sign_std(REF_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                        body, strlen(body), sig, sizeof sig),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void test_sign_std_raw_secrets(void)
{
    /* Secrets that are not "whsec_<base64>" are keys as they are; the expected values
     * come from python3: base64.b64encode(hmac.new(secret, b'msg_1.1614265330.{"a":1}',
     * hashlib.sha256).digest()). */
    char sig[LG_WEBHOOK_STD_SIG_LEN];
    const char *body = "{\"a\":1}";
    CU_ASSERT_EQUAL(lg_webhook_sign_std("plain-secret", "msg_1", 1614265330, body, strlen(body),
                                        sig, sizeof sig),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(sig, "v1,ToIGQDeBnXHmf5CX7q16OoSWzdhZzHELGJXv15OgqLc=");
    CU_ASSERT_EQUAL(lg_webhook_sign_std("whsec_not*base64", "msg_1", 1614265330, body, strlen(body),
                                        sig, sizeof sig),
                    LG_OK);
    CU_ASSERT_STRING_EQUAL(sig, "v1,FDcLKSyXtMj7PsqGs2jCplnMk1rBHbRkwYTYKXqFA80=");
    CU_ASSERT_EQUAL(lg_webhook_sign_std("s", "msg_1", 1, body, strlen(body), sig, 47),
                    LG_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(lg_webhook_sign_std("s", "msg_1", 1, body, strlen(body), sig, 48), LG_OK);
    CU_ASSERT_EQUAL(lg_webhook_sign_std(NULL, "m", 1, body, 1, sig, sizeof sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_std("", "m", 1, body, 1, sig, sizeof sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_std("s", NULL, 1, body, 1, sig, sizeof sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_std("s", "m", -1, body, 1, sig, sizeof sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_std("s", "m", 1, NULL, 1, sig, sizeof sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_std("s", "m", 1, body, 1, NULL, 64), LG_ERR_INVALID);
}

static void test_sign_plan(void)
{
    /* printf '%s' '{"loanId":"L-1","amount":"1000000"}' |
     *   openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'  (OpenSSL 3.0) */
    char sig[LG_WEBHOOK_PLAN_SIG_LEN];
    const char *body = "{\"loanId\":\"L-1\",\"amount\":\"1000000\"}";
    CU_ASSERT_EQUAL(lg_webhook_sign_plan(REF_SECRET, body, strlen(body), sig), LG_OK);
    CU_ASSERT_STRING_EQUAL(
        sig, "sha256=279e366b40686ad8df89408a4db0d6055256cc6652472311c09485d5bae5752a");
    CU_ASSERT_EQUAL(lg_webhook_sign_plan(NULL, body, 1, sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_plan("", body, 1, sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_plan("s", NULL, 1, sig), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_plan("s", body, 1, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_sign_plan("s", NULL, 0, sig), LG_OK);
}

/* ------------------------------------------------------------ address guard */

typedef struct {
    const char *ip;
    const char *why;   /* the class */
    int plain, lo, pv; /* allowed with no switch, with allow_loopback, with allow_private */
} addr_case;

static const addr_case addr_cases[] = {
    {"8.8.8.8", "public", 1, 1, 1},
    {"1.1.1.1", "public", 1, 1, 1},
    {"127.0.0.1", "loopback", 0, 1, 0},
    {"127.255.1.2", "loopback", 0, 1, 0},
    {"10.1.2.3", "private", 0, 0, 1},
    {"172.16.0.1", "private", 0, 0, 1},
    {"172.31.255.255", "private", 0, 0, 1},
    {"172.32.0.1", "public", 1, 1, 1},
    {"192.168.1.1", "private", 0, 0, 1},
    {"100.64.0.1", "private", 0, 0, 1},
    {"100.128.0.1", "public", 1, 1, 1},
    {"169.254.169.254", "link-local", 0, 0, 0},
    {"0.0.0.0", "unspecified", 0, 0, 0},
    {"0.1.2.3", "unspecified", 0, 0, 0},
    {"224.0.0.1", "multicast", 0, 0, 0},
    {"239.255.255.250", "multicast", 0, 0, 0},
    {"255.255.255.255", "broadcast", 0, 0, 0},
    {"240.0.0.1", "reserved", 0, 0, 0},
    {"192.0.0.8", "reserved", 0, 0, 0},
    {"198.18.0.1", "reserved", 0, 0, 0},
    {"192.0.2.1", "documentation", 0, 0, 0},
    {"198.51.100.7", "documentation", 0, 0, 0},
    {"203.0.113.9", "documentation", 0, 0, 0},
    {"2606:4700:4700::1111", "public", 1, 1, 1},
    {"2a00:1450:4001:81c::200e", "public", 1, 1, 1},
    {"::1", "loopback", 0, 1, 0},
    {"::", "unspecified", 0, 0, 0},
    {"::2", "reserved", 0, 0, 0},
    {"fc00::1", "private", 0, 0, 1},
    {"fd12:3456::1", "private", 0, 0, 1},
    {"fe80::1", "link-local", 0, 0, 0},
    {"febf::1", "link-local", 0, 0, 0},
    {"ff02::1", "multicast", 0, 0, 0},
    {"2001:db8::1", "documentation", 0, 0, 0},
    {"2001::1", "reserved", 0, 0, 0},
    {"4000::1", "reserved", 0, 0, 0},
    {"::ffff:127.0.0.1", "loopback", 0, 1, 0},
    {"::ffff:10.0.0.1", "private", 0, 0, 1},
    {"::ffff:169.254.169.254", "link-local", 0, 0, 0},
    {"::ffff:8.8.8.8", "public", 1, 1, 1},
    {"64:ff9b::7f00:1", "loopback", 0, 1, 0},
    {"2002:a9fe:a9fe::1", "link-local", 0, 0, 0},
    {"2002:808:808::1", "public", 1, 1, 1},
};

/* Fills ss from ip text; returns 1 when it parsed. */
static int sockaddr_of(const char *ip, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        return 1;
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        return 1;
    }
    return 0;
}

static void test_guard_table(void)
{
    const lg_webhook_guard none = {0, 0, 0}, lo = {0, 1, 0}, pv = {0, 0, 1}, all = {1, 1, 1};
    for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
        const addr_case *c = &addr_cases[i];
        struct sockaddr_storage ss;
        const struct sockaddr *sa = (const struct sockaddr *)&ss;
        const char *why = NULL;
        CU_ASSERT_FATAL(sockaddr_of(c->ip, &ss));
        int got = lg_webhook_addr_allowed(sa, &none, &why);
        if (got != c->plain || !why || strcmp(why, c->why) != 0)
            fprintf(stderr, "guard: %s gave %d (%s)\n", c->ip, got, why ? why : "NULL");
        CU_ASSERT_EQUAL(got, c->plain);
        CU_ASSERT_STRING_EQUAL(why, c->why);
        CU_ASSERT_EQUAL(lg_webhook_addr_allowed(sa, &lo, NULL), c->lo);
        CU_ASSERT_EQUAL(lg_webhook_addr_allowed(sa, &pv, NULL), c->pv);
        CU_ASSERT_EQUAL(lg_webhook_addr_allowed(sa, &all, NULL), c->lo || c->pv);
        /* No guard at all is the strictest. */
        CU_ASSERT_EQUAL(lg_webhook_addr_allowed(sa, NULL, NULL), c->plain);
    }
    struct sockaddr_storage ss = {.ss_family = AF_UNIX};
    const char *why = NULL;
    CU_ASSERT_EQUAL(lg_webhook_addr_allowed((struct sockaddr *)&ss, &all, &why), 0);
    CU_ASSERT_STRING_EQUAL(why, "unsupported address family");
    CU_ASSERT_EQUAL(lg_webhook_addr_allowed(NULL, &all, NULL), 0);
}

typedef struct {
    const char *url;
    int https_only, with_http; /* 1 = LG_OK under {0,0,0}, under {1,0,0} */
} url_case;

static const url_case url_cases[] = {
    {"https://hooks.example.com/lendgate", 1, 1},
    {"https://hooks.example.com:8443/a?b=c", 1, 1},
    {"http://hooks.example.com/lendgate", 0, 1},
    {"HTTPS://hooks.example.com/", 0, 0}, /* scheme case is refused before parsing */
    {"ftp://hooks.example.com/", 0, 0},
    {"file:///etc/passwd", 0, 0},
    {"gopher://x/", 0, 0},
    {"https://user:pw@hooks.example.com/", 0, 0},
    {"https://user@hooks.example.com/", 0, 0},
    {"https:///path", 0, 0},
    {"https:\\\\hooks.example.com/", 0, 0},
    {"https://hooks.example.com\\@127.0.0.1/", 0, 0},
    {"https://", 0, 0},
    {"hooks.example.com/x", 0, 0},
    {"https://hooks.example.com/a b", 0, 0},
    {"https://hooks.example.com/\r\nX: y", 0, 0},
    {"", 0, 0},
    {"https://8.8.8.8/", 1, 1},
    {"https://127.0.0.1/", 0, 0},
    {"http://127.0.0.1:8080/", 0, 0},
    {"https://2130706433/", 0, 0}, /* 127.0.0.1 as one number */
    {"https://10.0.0.1/", 0, 0},
    {"https://169.254.169.254/latest/meta-data/", 0, 0},
    {"https://[::1]/", 0, 0},
    {"https://[fe80::1]/", 0, 0},
    {"https://[::ffff:127.0.0.1]/", 0, 0},
    {"https://[2606:4700:4700::1111]/", 1, 1},
};

static void test_url_checks(void)
{
    const lg_webhook_guard strict = {0, 0, 0}, http = {1, 0, 0}, lo = {1, 1, 0};
    for (size_t i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
        const url_case *c = &url_cases[i];
        const char *why = NULL;
        lg_err a = lg_webhook_url_ok(c->url, &strict, &why);
        CU_ASSERT_PTR_NOT_NULL_FATAL(why);
        if ((a == LG_OK) != c->https_only || (a == LG_OK) != (why[0] == '\0'))
            fprintf(stderr, "url: %s gave %d (%s)\n", c->url, (int)a, why);
        CU_ASSERT_EQUAL(a == LG_OK, c->https_only);
        CU_ASSERT_EQUAL(why[0] == '\0', a == LG_OK);
        CU_ASSERT_EQUAL(lg_webhook_url_ok(c->url, &http, NULL) == LG_OK, c->with_http);
    }
    const char *why = NULL;
    CU_ASSERT_EQUAL(lg_webhook_url_ok("http://127.0.0.1:8080/", &lo, &why), LG_OK);
    CU_ASSERT_EQUAL(lg_webhook_url_ok("https://[::1]/", &lo, NULL), LG_OK);
    CU_ASSERT_EQUAL(lg_webhook_url_ok("https://127.0.0.1/", &http, &why), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(why, "loopback");
    CU_ASSERT_EQUAL(lg_webhook_url_ok("http://x.example/", &strict, &why), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(why, "http is not allowed (https only)");
    CU_ASSERT_EQUAL(lg_webhook_url_ok(NULL, &strict, &why), LG_ERR_INVALID);
    char longurl[LG_URL_LEN + 16];
    memset(longurl, 'a', sizeof longurl - 1);
    memcpy(longurl, "https://", 8);
    longurl[sizeof longurl - 1] = '\0';
    CU_ASSERT_EQUAL(lg_webhook_url_ok(longurl, &strict, NULL), LG_ERR_INVALID);
}

/* ------------------------------------------------------------ Retry-After */

#define NOW_1994 784111777000LL /* Sun, 06 Nov 1994 08:49:37 GMT */
#define CAP      (7LL * 24 * 3600 * 1000)

static int64_t ra(const char *v, int64_t now)
{
    int64_t d = -5;
    return lg_webhook_retry_after(v, now, &d) == LG_OK ? d : -1;
}

static void test_retry_after(void)
{
    CU_ASSERT_EQUAL(ra("7", NOW_1994), 7000);
    CU_ASSERT_EQUAL(ra("0", NOW_1994), 0);
    CU_ASSERT_EQUAL(ra(" 120\t", NOW_1994), 120000);
    CU_ASSERT_EQUAL(ra("604800", NOW_1994), CAP);
    CU_ASSERT_EQUAL(ra("604801", NOW_1994), CAP);
    CU_ASSERT_EQUAL(ra("99999999999999999999999999", NOW_1994), CAP);
    /* The three formats of one instant, ten seconds ahead. */
    CU_ASSERT_EQUAL(ra("Sun, 06 Nov 1994 08:49:47 GMT", NOW_1994), 10000);
    CU_ASSERT_EQUAL(ra("Sunday, 06-Nov-94 08:49:47 GMT", NOW_1994), 10000);
    CU_ASSERT_EQUAL(ra("Sun Nov  6 08:49:47 1994", NOW_1994), 10000);
    CU_ASSERT_EQUAL(ra("Mon Nov 14 08:49:37 1994", NOW_1994), CAP);
    CU_ASSERT_EQUAL(ra("Sun, 13 Nov 1994 08:49:37 GMT", NOW_1994), CAP);
    CU_ASSERT_EQUAL(ra("Thu, 01 Dec 1994 16:00:00 GMT", NOW_1994), CAP);
    CU_ASSERT_EQUAL(ra("Sat, 12 Nov 1994 08:49:37 GMT", NOW_1994), CAP - 24 * 3600 * 1000);
    /* Past dates are now. */
    CU_ASSERT_EQUAL(ra("Sun, 06 Nov 1994 08:49:27 GMT", NOW_1994), 0);
    CU_ASSERT_EQUAL(ra("Thu, 01 Jan 1970 00:00:00 GMT", NOW_1994), 0);
    /* RFC 850's two-digit year: never more than 50 years ahead. */
    CU_ASSERT_EQUAL(ra("Friday, 31-Dec-99 23:59:59 GMT", 1795484924123LL), 0);
    CU_ASSERT_EQUAL(ra("Tuesday, 24-Nov-26 01:48:54 GMT", 1795484924123LL), 9877);
    CU_ASSERT_EQUAL(ra("Wednesday, 29-Feb-96 00:00:00 GMT", NOW_1994), CAP);
    /* Leap years and a leap second. */
    CU_ASSERT_EQUAL(ra("Tue, 29 Feb 2000 00:00:00 GMT", NOW_1994), CAP);
    CU_ASSERT_EQUAL(ra("Sun, 06 Nov 1994 08:49:60 GMT", NOW_1994), 23000);
    static const char *const bad[] = {"",
                                      " ",
                                      "-1",
                                      "+5",
                                      "1.5",
                                      "5s",
                                      "0x10",
                                      "abc",
                                      "Sun, 06 Nov 1994 08:49:37 UTC",
                                      "Sun, 6 Nov 1994 08:49:37 GMT",
                                      "sun, 06 Nov 1994 08:49:37 GMT",
                                      "Sun, 06 nov 1994 08:49:37 GMT",
                                      "Sun, 32 Nov 1994 08:49:37 GMT",
                                      "Sun, 31 Nov 1994 08:49:37 GMT",
                                      "Wed, 29 Feb 1995 00:00:00 GMT",
                                      "Tue, 29 Feb 1900 00:00:00 GMT",
                                      "Sun, 06 Nov 1994 24:00:00 GMT",
                                      "Sun, 06 Nov 1994 08:60:00 GMT",
                                      "Sun, 06 Nov 1994 08:49:61 GMT",
                                      "Sun, 06 Nov 1969 08:49:37 GMT",
                                      "Sun, 06 Nov 1994 08:49:37 GMT x",
                                      "Sun, 06 Nov 1994 08:49:37",
                                      "Sunday, 06-Nov-1994 08:49:37 GMT",
                                      "Sun Nov 6 08:49:37 1994",
                                      "Sun Nov  6 08:49:37 94",
                                      "Sun, 06 Nov 1994 08:49:37 GMT\r\n",
                                      "1 2",
                                      "Sunday, 06-Nov-94 08:49:37 GMT\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t d = -5;
        lg_err rc = lg_webhook_retry_after(bad[i], NOW_1994, &d);
        if (rc != LG_ERR_INVALID)
            fprintf(stderr, "retry-after: \"%s\" accepted\n", bad[i]);
        CU_ASSERT_EQUAL(rc, LG_ERR_INVALID);
        CU_ASSERT_EQUAL(d, 0);
    }
    /* A long value is refused whole, never read as its first bytes (fuzz_retry_after). */
    char longv[200];
    memset(longv, '\t', sizeof longv - 1);
    memcpy(longv, "407", 3);
    memcpy(longv + sizeof longv - 7, "593371", 7);
    CU_ASSERT_EQUAL(ra(longv, NOW_1994), -1);
    longv[sizeof longv - 7] = '\0';
    CU_ASSERT_EQUAL(ra(longv, NOW_1994), 407000);
    int64_t d = 0;
    CU_ASSERT_EQUAL(lg_webhook_retry_after(NULL, NOW_1994, &d), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_retry_after("5", NOW_1994, NULL), LG_ERR_INVALID);
}

/* ------------------------------------------------------------ a scripted server */

/* One thread accepting on 127.0.0.1, one connection at a time: it reads a request,
 * records it, and answers by path. /hang is read and never answered (its socket is
 * kept open until the server stops). Every answer closes its connection. */
#define MAX_RECORDS 64
#define MAX_HUNG    16

typedef struct {
    char path[128];
    char head[4096]; /* the request line and headers */
    char body[4096];
    size_t body_len;
} record;

static struct {
    int lfd, wake[2], port;
    pthread_t thread;
    pthread_mutex_t mu;
    int connections;
    size_t nrec;
    record rec[MAX_RECORDS];
    int hung[MAX_HUNG];
    size_t nhung;
} srv = {.lfd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static size_t content_length(const char *head)
{
    const char *p = strcasestr(head, "\r\ncontent-length:");
    return p ? (size_t)strtoul(p + 17, NULL, 10) : 0;
}

/* Reads one request from fd into r; 0 when the client sent none. */
static int read_request(int fd, record *r)
{
    static char buf[16384];
    size_t got = 0;
    char *end = NULL;
    while (!end) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            return 0;
        got += (size_t)n;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t hlen = (size_t)(end - buf) + 2;
    size_t want = content_length(buf);
    while (got < hlen + 2 + want && got < sizeof buf - 1) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    memset(r, 0, sizeof *r);
    snprintf(r->head, sizeof r->head, "%.*s", (int)hlen, buf);
    r->body_len = got - hlen - 2 < sizeof r->body - 1 ? got - hlen - 2 : sizeof r->body - 1;
    memcpy(r->body, buf + hlen + 2, r->body_len);
    sscanf(buf, "%*s %127s", r->path);
    return 1;
}

static void answer(int fd, const char *path)
{
    char out[1024];
    if (strcmp(path, "/ok") == 0) {
        char body[700];
        memcpy(body, "thanks\x01", 7);
        memset(body + 7, 'x', sizeof body - 7);
        int n = snprintf(out, sizeof out,
                         "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n",
                         sizeof body);
        send_all(fd, out, (size_t)n);
        send_all(fd, body, sizeof body);
    } else if (strcmp(path, "/big") == 0) {
        static char chunk[65536];
        memset(chunk, 'b', sizeof chunk);
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n";
        send_all(fd, h, strlen(h));
        for (int i = 0; i < 32; i++)
            send_all(fd, chunk, sizeof chunk);
    } else {
        const char *h = strcmp(path, "/500") == 0   ? "500 Internal Server Error\r\n"
                        : strcmp(path, "/410") == 0 ? "410 Gone\r\n"
                        : strcmp(path, "/429") == 0 ? "429 Too Many Requests\r\nRetry-After: 7\r\n"
                        : strcmp(path, "/302") == 0 ? "302 Found\r\nLocation: /ok\r\n"
                                                    : "404 Not Found\r\n";
        int n = snprintf(out, sizeof out,
                         "HTTP/1.1 %sContent-Length: 4\r\nConnection: close\r\n\r\nnope", h);
        send_all(fd, out, (size_t)n);
    }
}

static void serve_one(int fd)
{
    struct timeval tv = {5, 0}; /* a test gone wrong fails instead of hanging */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    record r;
    int got = read_request(fd, &r);
    pthread_mutex_lock(&srv.mu);
    srv.connections++;
    if (got && srv.nrec < MAX_RECORDS)
        srv.rec[srv.nrec++] = r;
    int hang = got && strcmp(r.path, "/hang") == 0 && srv.nhung < MAX_HUNG;
    if (hang)
        srv.hung[srv.nhung++] = fd;
    pthread_mutex_unlock(&srv.mu);
    if (hang)
        return;
    if (got)
        answer(fd, r.path);
    close(fd);
}

static void *server_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd p[2] = {{srv.lfd, POLLIN, 0}, {srv.wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 || p[1].revents)
            return NULL;
        int fd = accept(srv.lfd, NULL, NULL);
        if (fd >= 0)
            serve_one(fd);
    }
}

static int server_start(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv.lfd < 0 || bind(srv.lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(srv.lfd, 64) != 0 || getsockname(srv.lfd, (struct sockaddr *)&a, &len) != 0 ||
        pipe(srv.wake) != 0)
        return -1;
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int server_stop(void)
{
    if (write(srv.wake[1], "x", 1) == 1)
        pthread_join(srv.thread, NULL);
    for (size_t i = 0; i < srv.nhung; i++)
        close(srv.hung[i]);
    close(srv.lfd);
    close(srv.wake[0]);
    close(srv.wake[1]);
    return 0;
}

/* Connects to the server and waits for the answer to a request of its own: every
 * connection made before it has then been counted (one connection at a time). */
static void server_sync(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)srv.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    const char *req = "GET /sync HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, req, strlen(req));
    char buf[256];
    while (recv(fd, buf, sizeof buf, 0) > 0)
        ;
    close(fd);
}

static int connections(void)
{
    pthread_mutex_lock(&srv.mu);
    int n = srv.connections;
    pthread_mutex_unlock(&srv.mu);
    return n;
}

/* Copies the last record of path; 0 when there is none. */
static int last_record(const char *path, record *out)
{
    int found = 0;
    pthread_mutex_lock(&srv.mu);
    for (size_t i = srv.nrec; i-- > 0 && !found;)
        if (strcmp(srv.rec[i].path, path) == 0) {
            *out = srv.rec[i];
            found = 1;
        }
    pthread_mutex_unlock(&srv.mu);
    return found;
}

static size_t records_of(const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&srv.mu);
    for (size_t i = 0; i < srv.nrec; i++)
        n += strcmp(srv.rec[i].path, path) == 0;
    pthread_mutex_unlock(&srv.mu);
    return n;
}

/* The value of header name in r ("" when absent, "<twice>" when repeated). */
static const char *header(const record *r, const char *name, char *out, size_t cap)
{
    char key[80];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strcasestr(r->head, key);
    out[0] = '\0';
    if (!p)
        return out;
    if (strcasestr(p + 1, key))
        return snprintf(out, cap, "<twice>"), out;
    p += strlen(key);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\r");
    snprintf(out, cap, "%.*s", (int)n, p);
    return out;
}

/* ------------------------------------------------------------ delivery */

/* The base64 decoding of REF_SECRET's text after "whsec_" (python3 base64.b64decode). */
static const uint8_t ref_key[24] = {0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a,
                                    0xab, 0x4f, 0x08, 0xd4, 0x3c, 0x3f, 0x08, 0x2c,
                                    0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0};
/* A second secret: "whsec_" and the base64 of "previous-secret-key-32bytes...". */
#define PREV_SECRET "whsec_cHJldmlvdXMtc2VjcmV0LWtleS0zMmJ5dGVzLi4u"

static const char test_body[] = "{\"id\":\"evt_9\",\"type\":\"loan.borrowed\",\"amount\":\"1\"}";

static void url_for(char *buf, size_t cap, const char *host, const char *path)
{
    snprintf(buf, cap, "http://%s:%d%s", host, srv.port, path);
}

static lg_webhook_req make_req(const char *url)
{
    lg_webhook_req r;
    memset(&r, 0x5a, sizeof r); /* outputs must all be set by the delivery */
    r.url = url;
    r.body = test_body;
    r.body_len = strlen(test_body);
    r.event_type = "loan.borrowed";
    r.event_id = "evt_9";
    r.secret = REF_SECRET;
    r.secret_prev = NULL;
    return r;
}

static lg_webhook_opts local_opts(void)
{
    lg_webhook_opts o = {{1, 1, 0}, 10000, 0, 0};
    return o;
}

/* Delivers one request to path on 127.0.0.1 under the local options. */
static lg_webhook_req deliver_one(const char *path, char *url, size_t cap)
{
    url_for(url, cap, "127.0.0.1", path);
    lg_webhook_req r = make_req(url);
    lg_webhook_opts o = local_opts();
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    return r;
}

static void test_deliver_200(void)
{
    char url[128];
    lg_webhook_req r = deliver_one("/ok", url, sizeof url);
    CU_ASSERT_EQUAL(r.status_code, 200);
    CU_ASSERT_STRING_EQUAL(r.error, "");
    CU_ASSERT_EQUAL(r.refused, 0);
    CU_ASSERT_EQUAL(r.retry_after_ms, -1);
    CU_ASSERT(r.started_at_ms > 0);
    /* The first 255 bytes of the 700, the control byte shown as '?'. */
    CU_ASSERT_EQUAL(strlen(r.response_head), LG_WEBHOOK_HEAD_LEN - 1);
    CU_ASSERT_EQUAL(strncmp(r.response_head, "thanks?xxx", 10), 0);
    CU_ASSERT_EQUAL(strspn(r.response_head + 7, "x"), LG_WEBHOOK_HEAD_LEN - 8);
    record rec;
    CU_ASSERT_FATAL(last_record("/ok", &rec));
    CU_ASSERT_EQUAL(rec.body_len, strlen(test_body));
    CU_ASSERT_EQUAL(memcmp(rec.body, test_body, rec.body_len), 0);
    CU_ASSERT_EQUAL(strncmp(rec.head, "POST /ok HTTP/1.1\r\n", 19), 0);
}

static void test_deliver_errors(void)
{
    char url[128];
    lg_webhook_req r = deliver_one("/500", url, sizeof url);
    CU_ASSERT_EQUAL(r.status_code, 500);
    CU_ASSERT_STRING_EQUAL(r.response_head, "nope");
    CU_ASSERT_STRING_EQUAL(r.error, "");
    CU_ASSERT_EQUAL(r.retry_after_ms, -1);
    r = deliver_one("/410", url, sizeof url);
    CU_ASSERT_EQUAL(r.status_code, 410);
    r = deliver_one("/429", url, sizeof url);
    CU_ASSERT_EQUAL(r.status_code, 429);
    CU_ASSERT_EQUAL(r.retry_after_ms, 7000);
}

static void test_deliver_redirect_not_followed(void)
{
    char url[128];
    size_t oks = records_of("/ok");
    lg_webhook_req r = deliver_one("/302", url, sizeof url);
    CU_ASSERT_EQUAL(r.status_code, 302);
    CU_ASSERT_STRING_EQUAL(r.error, "");
    server_sync();
    CU_ASSERT_EQUAL(records_of("/ok"), oks);
}

static void test_deliver_timeout(void)
{
    char url[128];
    url_for(url, sizeof url, "127.0.0.1", "/hang");
    lg_webhook_req r = make_req(url);
    lg_webhook_opts o = local_opts();
    o.timeout_ms = 300;
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    CU_ASSERT_EQUAL(r.status_code, 0);
    CU_ASSERT_EQUAL(r.refused, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "timed out"));
    CU_ASSERT_STRING_EQUAL(r.response_head, "");
}

static void test_deliver_big_answer(void)
{
    char url[128];
    lg_webhook_req r = deliver_one("/big", url, sizeof url);
    CU_ASSERT_EQUAL(r.status_code, 200);
    CU_ASSERT_EQUAL(strlen(r.response_head), LG_WEBHOOK_HEAD_LEN - 1);
}

static void test_deliver_refused(void)
{
    char url[128];
    lg_webhook_opts o = local_opts();
    o.guard.allow_loopback = 0;
    int before = connections();
    url_for(url, sizeof url, "localhost", "/ok");
    lg_webhook_req r = make_req(url);
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    CU_ASSERT_EQUAL(r.refused, 1);
    CU_ASSERT_EQUAL(r.status_code, 0);
    CU_ASSERT_EQUAL(strncmp(r.error, "refused: ", 9), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, " is loopback"));
    url_for(url, sizeof url, "127.0.0.1", "/ok");
    r = make_req(url);
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    CU_ASSERT_EQUAL(r.refused, 1);
    CU_ASSERT_STRING_EQUAL(r.error, "refused: 127.0.0.1 is loopback");
    /* https only: not even a connection for an http:// URL. */
    o = local_opts();
    o.guard.allow_http = 0;
    r = make_req(url);
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    CU_ASSERT_EQUAL(r.status_code, 0);
    CU_ASSERT_EQUAL(r.refused, 0);
    CU_ASSERT_STRING_EQUAL(r.error, "not sent: http is not allowed (https only)");
    server_sync();
    CU_ASSERT_EQUAL(connections(), before + 1); /* the sync's own */
}

/* The expected signatures, computed here without the module's code. */
static void plan_sig(const char *secret, char out[LG_WEBHOOK_PLAN_SIG_LEN])
{
    uint8_t mac[LG_SHA256_LEN];
    CU_ASSERT_EQUAL(lg_hmac_sha256(mac, secret, strlen(secret), test_body, strlen(test_body)),
                    LG_OK);
    memcpy(out, "sha256=", 7);
    CU_ASSERT_EQUAL(lg_hex_encode(out + 7, 65, mac, sizeof mac, LG_HEX_BARE), LG_OK);
}

static void std_sig(const void *key, size_t keylen, const char *ts, char out[64])
{
    char msg[512];
    uint8_t mac[LG_SHA256_LEN];
    int n = snprintf(msg, sizeof msg, "evt_9.%s.%s", ts, test_body);
    CU_ASSERT_EQUAL(lg_hmac_sha256(mac, key, keylen, msg, (size_t)n), LG_OK);
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, sizeof mac);
}

static void check_common_headers(const record *rec)
{
    char v[256];
    CU_ASSERT_STRING_EQUAL(header(rec, "Content-Type", v, sizeof v), "application/json");
    CU_ASSERT_STRING_EQUAL(header(rec, "User-Agent", v, sizeof v),
                           "lendgate-webhooks/" PACKAGE_VERSION);
    CU_ASSERT_STRING_EQUAL(header(rec, "X-Webhook-Event", v, sizeof v), "loan.borrowed");
    CU_ASSERT_STRING_EQUAL(header(rec, "X-Webhook-Id", v, sizeof v), "evt_9");
    CU_ASSERT_STRING_EQUAL(header(rec, "webhook-id", v, sizeof v), "evt_9");
    CU_ASSERT_STRING_EQUAL(header(rec, "X-Webhook-Timestamp", v, sizeof v), "1795484924123");
    CU_ASSERT_STRING_EQUAL(header(rec, "webhook-timestamp", v, sizeof v), "1795484924");
    CU_ASSERT_STRING_EQUAL(header(rec, "Expect", v, sizeof v), "");
    CU_ASSERT_STRING_EQUAL(header(rec, "Accept", v, sizeof v), "");
}

static void test_deliver_headers_and_signatures(void)
{
    char url[128], v[256], want[LG_WEBHOOK_PLAN_SIG_LEN], want_std[64];
    lg_time_set_fixed(1795484924123);
    lg_webhook_req r = deliver_one("/ok", url, sizeof url);
    lg_time_set_fixed(-1);
    CU_ASSERT_EQUAL(r.status_code, 200);
    CU_ASSERT_EQUAL(r.started_at_ms, 1795484924123);
    record rec;
    CU_ASSERT_FATAL(last_record("/ok", &rec));
    check_common_headers(&rec);
    plan_sig(REF_SECRET, want);
    CU_ASSERT_STRING_EQUAL(header(&rec, "X-Webhook-Signature", v, sizeof v), want);
    CU_ASSERT_STRING_EQUAL(header(&rec, "X-Webhook-Signature-Next", v, sizeof v), "");
    std_sig(ref_key, sizeof ref_key, "1795484924", want_std);
    CU_ASSERT_STRING_EQUAL(header(&rec, "webhook-signature", v, sizeof v), want_std);
    /* Nothing the caller reads back holds a secret or a signature. */
    CU_ASSERT_PTR_NULL(strstr(r.error, "whsec_"));
    CU_ASSERT_PTR_NULL(strstr(r.response_head, want + 7));
}

static void test_deliver_rotation_grace(void)
{
    char url[128], v[256], cur[LG_WEBHOOK_PLAN_SIG_LEN], prev[LG_WEBHOOK_PLAN_SIG_LEN];
    char std_new[64], std_old[64], both[160];
    url_for(url, sizeof url, "127.0.0.1", "/ok");
    lg_webhook_req r = make_req(url);
    r.secret_prev = PREV_SECRET;
    lg_webhook_opts o = local_opts();
    lg_time_set_fixed(1795484924123);
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    lg_time_set_fixed(-1);
    CU_ASSERT_EQUAL(r.status_code, 200);
    record rec;
    CU_ASSERT_FATAL(last_record("/ok", &rec));
    check_common_headers(&rec);
    plan_sig(REF_SECRET, cur);
    plan_sig(PREV_SECRET, prev);
    CU_ASSERT_STRING_EQUAL(header(&rec, "X-Webhook-Signature", v, sizeof v), prev);
    CU_ASSERT_STRING_EQUAL(header(&rec, "X-Webhook-Signature-Next", v, sizeof v), cur);
    std_sig(ref_key, sizeof ref_key, "1795484924", std_new);
    std_sig("previous-secret-key-32bytes...", 30, "1795484924", std_old);
    snprintf(both, sizeof both, "%s %s", std_new, std_old);
    CU_ASSERT_STRING_EQUAL(header(&rec, "webhook-signature", v, sizeof v), both);
}

static void test_deliver_batch(void)
{
    static const char *const paths[] = {"/ok", "/500", "/410", "/429", "/302",
                                        "/ok", "/500", "/429", "/ok"};
    static const int want[] = {200, 500, 410, 429, 302, 200, 500, 429, 200};
    enum { N = sizeof paths / sizeof paths[0] };
    char urls[N][128];
    lg_webhook_req r[N];
    int before = connections();
    for (size_t i = 0; i < N; i++) {
        url_for(urls[i], sizeof urls[i], "127.0.0.1", paths[i]);
        r[i] = make_req(urls[i]);
    }
    r[4].event_id = "bad\r\nid"; /* refused before sending; the others go on */
    lg_webhook_opts o = local_opts();
    o.max_parallel = 3;
    CU_ASSERT_EQUAL(lg_webhook_deliver(r, N, &o), LG_OK);
    for (size_t i = 0; i < N; i++) {
        if (i == 4) {
            CU_ASSERT_EQUAL(r[i].status_code, 0);
            CU_ASSERT_STRING_EQUAL(r[i].error, "not sent: event type or id unfit for a header");
            continue;
        }
        CU_ASSERT_EQUAL(r[i].status_code, want[i]);
        CU_ASSERT_STRING_EQUAL(r[i].error, "");
        CU_ASSERT_EQUAL(r[i].retry_after_ms, want[i] == 429 ? 7000 : -1);
    }
    server_sync();
    CU_ASSERT_EQUAL(connections(), before + N - 1 + 1);
}

static void test_deliver_arguments(void)
{
    lg_webhook_opts o = local_opts();
    lg_webhook_req r = make_req("https://example.com/");
    CU_ASSERT_EQUAL(lg_webhook_deliver(NULL, 0, &o), LG_OK);
    CU_ASSERT_EQUAL(lg_webhook_deliver(NULL, 1, &o), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, NULL), LG_ERR_INVALID);
    o.timeout_ms = 0;
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_ERR_INVALID);
    o = local_opts();
    r.secret = "";
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.error, "not sent: no webhook secret");
    CU_ASSERT_EQUAL(r.retry_after_ms, -1);
    r = make_req("https://user:pw@example.com/");
    CU_ASSERT_EQUAL(lg_webhook_deliver(&r, 1, &o), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.error, "not sent: user or password in the url");
}

static int suite_init(void)
{
    return server_start();
}

static int suite_clean(void)
{
    return server_stop();
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    static const lg_test_case pure[] = {
        {"body envelope", test_body_envelope},
        {"body refusals", test_body_refusals},
        {"standard webhooks reference vector", test_sign_std_reference},
        {"standard webhooks raw secrets", test_sign_std_raw_secrets},
        {"plan signature (openssl)", test_sign_plan},
        {"guard table", test_guard_table},
        {"url checks", test_url_checks},
        {"retry-after", test_retry_after},
        {NULL, NULL},
    };
    static const lg_test_case net[] = {
        {"200 with the answer's head", test_deliver_200},
        {"500, 410, 429 with retry-after", test_deliver_errors},
        {"302 not followed", test_deliver_redirect_not_followed},
        {"hanging server times out", test_deliver_timeout},
        {"answer over 1 MiB", test_deliver_big_answer},
        {"loopback refused", test_deliver_refused},
        {"headers and signatures", test_deliver_headers_and_signatures},
        {"rotation grace", test_deliver_rotation_grace},
        {"batch", test_deliver_batch},
        {"arguments", test_deliver_arguments},
        {NULL, NULL},
    };
    lg_test_add_suite("webhook", NULL, NULL, pure);
    lg_test_add_suite("webhook delivery", suite_init, suite_clean, net);
    return lg_test_run("test_webhook");
}
