/* test_request.c - the client address behind trusted proxies and the signature
 * headers of a request (the rest of request.c is covered by test_http_core). */
#include "config.h"

#include "harness.h"

#include <lendgate/request.h>

#include <stdio.h>
#include <string.h>

#define MAXENV 8

/* CGI parameters as NAME=value strings, NULL-terminated. */
static const char *env_param(void *ctx, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = ctx; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* The client address lg_request_init finds for peer, X-Forwarded-For xff (NULL =
 * absent) and trusted proxies; "!" plus the error name when it fails. */
static const char *client(char *out, size_t cap, const char *peer, const char *xff,
                          const char *trusted)
{
    char peer_kv[128], xff_kv[512];
    const char *env[MAXENV] = {"REQUEST_METHOD=GET", "REQUEST_URI=/x"};
    size_t n = 2;
    snprintf(peer_kv, sizeof peer_kv, "REMOTE_ADDR=%s", peer);
    env[n++] = peer_kv;
    if (xff) {
        snprintf(xff_kv, sizeof xff_kv, "HTTP_X_FORWARDED_FOR=%s", xff);
        env[n++] = xff_kv;
    }
    env[n] = NULL;
    lg_request r;
    lg_err rc = lg_request_init(&r, env_param, (void *)env, trusted);
    if (rc == LG_OK)
        snprintf(out, cap, "%s", r.client_ip);
    else
        snprintf(out, cap, "!%s/%s", lg_errname(rc), r.client_ip);
    lg_request_release(&r);
    return out;
}

static void test_proxy_chain(void)
{
    char c[128];
    const char *tp = "10.0.0.1, 10.1.0.0/16, 2001:db8:ff::/48";
    /* The existing single-proxy behaviour. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "1.2.3.4, 203.0.113.9", tp),
                           "203.0.113.9");
    /* Trusted hops are skipped from the right; the first untrusted one is the client,
     * whatever a client wrote further left. */
    CU_ASSERT_STRING_EQUAL(
        client(c, sizeof c, "10.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3, 10.1.255.255", tp),
        "203.0.113.9");
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.1.0.7", "198.51.100.1,10.0.0.1", tp),
                           "198.51.100.1");
    CU_ASSERT_STRING_EQUAL(
        client(c, sizeof c, "2001:db8:ff:1::1", "2001:DB8::0:5, 2001:db8:ff::2", tp),
        "2001:db8::5");
    /* Range edges of the trusted list: 10.2.0.0 is outside 10.1.0.0/16. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "1.1.1.1, 10.2.0.0", tp), "10.2.0.0");
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "1.1.1.1, 10.0.255.255", tp),
                           "10.0.255.255");
    /* Every hop trusted: the request began at a proxy, the leftmost one. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "10.1.0.9, 10.1.0.8", tp), "10.1.0.9");
    /* A mapped peer is the IPv4 proxy it stands for. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "::ffff:10.0.0.1", "192.0.2.1", tp), "192.0.2.1");
    /* Hops arrive canonicalised, blanks around them dropped. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", " \t2001:0DB8:0:0::1 ", tp),
                           "2001:db8::1");
}

static void test_proxy_untrusted_and_malformed(void)
{
    char c[128];
    const char *tp = "10.0.0.1,10.1.0.0/16";
    /* From an untrusted peer X-Forwarded-For is ignored entirely. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.2.0.1", "1.2.3.4", tp), "10.2.0.1");
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "192.0.2.5", "10.0.0.1", tp), "192.0.2.5");
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "1.2.3.4", NULL), "10.0.0.1");
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "1.2.3.4", ""), "10.0.0.1");
    /* A peer that is no address is never trusted. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "010.0.0.1", "1.2.3.4", tp), "010.0.0.1");
    /* No X-Forwarded-For: the trusted proxy itself. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", NULL, tp), "10.0.0.1");
    /* A malformed hop before an untrusted one ends the walk at REMOTE_ADDR. */
    const char *malformed[] = {"1.2.3.4, garbage",
                               "1.2.3.4, 10.1.0.5, 203.0.113.9:443",
                               "1.2.3.4, [2001:db8::1]",
                               "1.2.3.4,,10.1.0.5",
                               "1.2.3.4, 10.1.0.5,",
                               "",
                               "unknown",
                               "fe80::1%eth0",
                               "1.2.3.4 5.6.7.8"};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
        CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", malformed[i], tp), "10.0.0.1");
    /* A malformed hop left of the client does not matter: the walk stopped before. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "garbage, 192.0.2.7, 10.1.0.5", tp),
                           "192.0.2.7");
}

static void test_proxy_config(void)
{
    char c[128], msg[160];
    /* A bad trusted_proxies value fails the request (500 upstream) and trusts nobody. */
    CU_ASSERT_STRING_EQUAL(client(c, sizeof c, "10.0.0.1", "1.2.3.4", "10.0.0.1,10.0.0.0/33"),
                           "!LG_ERR_CONFIG/10.0.0.1");
    CU_ASSERT_EQUAL(lg_request_check_proxies("10.0.0.1,10.0.0.0/33", msg, sizeof msg),
                    LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(msg, "trusted_proxies[1]: prefix length /33 is over /32 in 10.0.0.0/33");
    CU_ASSERT_EQUAL(lg_request_check_proxies("10.0.0.5/24", msg, sizeof msg), LG_ERR_CONFIG);
    CU_ASSERT_STRING_EQUAL(msg, "trusted_proxies[0]: host bits set beyond /24 in 10.0.0.5/24");
    CU_ASSERT_EQUAL(lg_request_check_proxies("127.0.0.1, ::1 ,10.0.0.0/8", msg, sizeof msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(msg, "");
    CU_ASSERT_EQUAL(lg_request_check_proxies(NULL, msg, sizeof msg), LG_OK);
    CU_ASSERT_EQUAL(lg_request_check_proxies("", NULL, 0), LG_OK);
    CU_ASSERT_EQUAL(lg_request_check_proxies("x", NULL, 0), LG_ERR_CONFIG);
}

static void test_signing_headers(void)
{
    char longsig[300];
    memset(longsig, 'a', sizeof longsig - 1);
    longsig[sizeof longsig - 1] = '\0';
    memcpy(longsig, "HTTP_X_SIGNATURE=", 17);
    const char *env[] = {
        "REQUEST_METHOD=POST", "REQUEST_URI=/x", "HTTP_X_TIMESTAMP=1700000000000",
        "HTTP_X_SIGNATURE=0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef", NULL};
    lg_request r;
    CU_ASSERT_EQUAL_FATAL(lg_request_init(&r, env_param, (void *)env, NULL), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.x_timestamp, "1700000000000");
    CU_ASSERT_EQUAL(r.x_timestamp_too_long, 0);
    CU_ASSERT_STRING_EQUAL(r.x_signature,
                           "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef");
    CU_ASSERT_EQUAL(r.x_signature_too_long, 0);
    lg_request_release(&r);
    CU_ASSERT_EQUAL(r.x_signature[0], '\0');

    /* Too long: flagged and cut; control characters never pass through. */
    const char *env2[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/x",
                          "HTTP_X_TIMESTAMP=1700000000000000000000000000000000000000", longsig,
                          NULL};
    CU_ASSERT_EQUAL_FATAL(lg_request_init(&r, env_param, (void *)env2, NULL), LG_OK);
    CU_ASSERT_EQUAL(r.x_timestamp_too_long, 1);
    CU_ASSERT_EQUAL(strlen(r.x_timestamp), LG_REQ_TS_MAX - 1);
    CU_ASSERT_EQUAL(r.x_signature_too_long, 1);
    CU_ASSERT_EQUAL(strlen(r.x_signature), LG_REQ_SIG_MAX - 1);
    lg_request_release(&r);
    const char *env3[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/x", "HTTP_X_TIMESTAMP=17\r\n00",
                          NULL};
    CU_ASSERT_EQUAL_FATAL(lg_request_init(&r, env_param, (void *)env3, NULL), LG_OK);
    CU_ASSERT_STRING_EQUAL(r.x_timestamp, "17??00");
    CU_ASSERT_EQUAL(r.x_timestamp_too_long, 0);
    CU_ASSERT_STRING_EQUAL(r.x_signature, "");
    lg_request_release(&r);
}

/* The Idempotency-Key of one request, as lg_request_init keeps it: 1 when flagged bad. */
static int idem_key(const char *header, char *key, size_t cap)
{
    const char *env[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/partners/repay", header, NULL};
    lg_request r;
    CU_ASSERT_EQUAL_FATAL(lg_request_init(&r, env_param, (void *)env, NULL), LG_OK);
    snprintf(key, cap, "%s", r.idem_key);
    int bad = r.idem_key_bad;
    lg_request_release(&r);
    return bad;
}

static void test_idempotency_key(void)
{
    char key[LG_IDEM_KEY_LEN], h[128];
    CU_ASSERT_EQUAL(idem_key(NULL, key, sizeof key), 0);
    CU_ASSERT_STRING_EQUAL(key, "");
    CU_ASSERT_EQUAL(
        idem_key("HTTP_IDEMPOTENCY_KEY=8e03978e-40d5-43e8-bc93-6894a57f9324", key, sizeof key), 0);
    CU_ASSERT_STRING_EQUAL(key, "8e03978e-40d5-43e8-bc93-6894a57f9324");
    /* The draft's quoted form is kept as sent: an opaque name. */
    CU_ASSERT_EQUAL(idem_key("HTTP_IDEMPOTENCY_KEY=\"a b\"", key, sizeof key), 0);
    CU_ASSERT_STRING_EQUAL(key, "\"a b\"");
    /* 64 characters pass, 65 do not; empty and control characters do not. */
    snprintf(h, sizeof h, "HTTP_IDEMPOTENCY_KEY=%064d", 7);
    CU_ASSERT_EQUAL(idem_key(h, key, sizeof key), 0);
    CU_ASSERT_EQUAL(strlen(key), 64);
    snprintf(h, sizeof h, "HTTP_IDEMPOTENCY_KEY=%065d", 7);
    CU_ASSERT_EQUAL(idem_key(h, key, sizeof key), 1);
    CU_ASSERT_STRING_EQUAL(key, "");
    CU_ASSERT_EQUAL(idem_key("HTTP_IDEMPOTENCY_KEY=", key, sizeof key), 1);
    CU_ASSERT_EQUAL(idem_key("HTTP_IDEMPOTENCY_KEY=ab\tc", key, sizeof key), 1);
    CU_ASSERT_EQUAL(idem_key("HTTP_IDEMPOTENCY_KEY=caf\xc3\xa9", key, sizeof key), 1);
    CU_ASSERT_STRING_EQUAL(key, "");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"client behind a chain of trusted proxies", test_proxy_chain},
        {"untrusted peers and malformed hops", test_proxy_untrusted_and_malformed},
        {"trusted_proxies validation", test_proxy_config},
        {"X-Timestamp and X-Signature", test_signing_headers},
        {"Idempotency-Key", test_idempotency_key},
        {NULL, NULL},
    };
    lg_test_add_suite("request", NULL, NULL, tests);
    return lg_test_run("test_request");
}
