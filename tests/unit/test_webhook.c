/* test_webhook.c - the webhook layer: the delivered body, both signature schemes
 * (Standard Webhooks' reference vector, the plan's against openssl), the address
 * guard, URL checks and Retry-After. */
#include "config.h"

#include "harness.h"

#include <lendgate/webhook.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
              "\"partnerLoanId\":\"PL-9\",\"amount\":\"5000000\",\"n\":[1,{\"x\":null}],"
              "\"data\":{\"partnerId\":\"p-1\",\"partnerLoanId\":\"PL-9\",\"amount\":\"5000000\","
              "\"timestamp\":\"2026-11-24T01:48:44.100Z\",\"n\":[1,{\"x\":null}]}}");
    CU_ASSERT_EQUAL(len, strlen(body));
    /* The same event gives the same bytes on every attempt. */
    CU_ASSERT_EQUAL_FATAL(lg_webhook_body(&e, &again, &len2), LG_OK);
    CU_ASSERT_EQUAL(len2, len);
    CU_ASSERT_EQUAL(memcmp(body, again, len), 0);
    free(body);
    free(again);
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
    int64_t d = 0;
    CU_ASSERT_EQUAL(lg_webhook_retry_after(NULL, NOW_1994, &d), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_retry_after("5", NOW_1994, NULL), LG_ERR_INVALID);
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
    lg_test_add_suite("webhook", NULL, NULL, pure);
    return lg_test_run("test_webhook");
}
