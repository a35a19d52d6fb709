/* test_signature.c - HMAC request signatures: freshness window, tampering, header
 * formats and known answers. */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"

#include <lendgate/sha256.h>
#include <lendgate/signature.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SECRET "whsec_test"
#define NOW    1700000000000LL
#define BODY   "{\"a\":1}"

typedef struct outcome {
    lg_err rc;
    int status;
    char msg[128];
    unsigned char digest[32];
} outcome;

static outcome verify_at(const char *secret, const char *ts, const char *sig, const char *body,
                         int64_t now)
{
    outcome o;
    memset(&o, 0, sizeof o);
    memset(o.digest, 0xee, sizeof o.digest);
    o.rc = lg_signature_verify(secret, ts, sig, body, body ? strlen(body) : 0, now,
                               LG_SIGNATURE_WINDOW_MS, o.digest, &o.status, o.msg, sizeof o.msg);
    return o;
}

static outcome verify(const char *ts, const char *sig, const char *body)
{
    return verify_at(SECRET, ts, sig, body, NOW);
}

static int digest_zero(const outcome *o)
{
    static const unsigned char zero[32] = {0};
    return memcmp(o->digest, zero, 32) == 0;
}

static void sign(const char *ts, const char *body, char out[LG_SIGNATURE_HEX_LEN])
{
    CU_ASSERT_EQUAL_FATAL(lg_signature_sign(SECRET, ts, body, strlen(body), out), LG_OK);
}

static void expect_refused(outcome o, const char *msg)
{
    CU_ASSERT_EQUAL(o.rc, LG_ERR_AUTH);
    CU_ASSERT_EQUAL(o.status, 401);
    CU_ASSERT_STRING_EQUAL(o.msg, msg);
    CU_ASSERT(digest_zero(&o));
}

static void test_known_answers(void)
{
    char hex[LG_SIGNATURE_HEX_LEN];
    /* RFC 4231 test case 7 (131-byte key, long data), split at its first ". ": the
     * signing string is timestamp "." body, so the MAC is the RFC's. */
    char key[132];
    memset(key, 0xaa, 131);
    key[131] = '\0';
    const char *ts = "This is a test using a larger than block-size key and a larger than "
                     "block-size data";
    const char *body = " The key needs to be hashed before being used by the HMAC algorithm.";
    CU_ASSERT_EQUAL(lg_signature_sign(key, ts, body, strlen(body), hex), LG_OK);
    CU_ASSERT_STRING_EQUAL(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    /* What `printf '1700000000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test` says. */
    sign("1700000000000", BODY, hex);
    CU_ASSERT_STRING_EQUAL(hex, "33284ebef248a1f463f81384bfb39351b857cb4897c654b820611536fa084f1e");
    /* An empty body is signed as timestamp ".". */
    uint8_t mac[32];
    char want[LG_SIGNATURE_HEX_LEN];
    CU_ASSERT_EQUAL(lg_hmac_sha256(mac, SECRET, strlen(SECRET), "17.", 3), LG_OK);
    for (int i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02x", mac[i]);
    CU_ASSERT_EQUAL(lg_signature_sign(SECRET, "17", NULL, 0, hex), LG_OK);
    CU_ASSERT_STRING_EQUAL(hex, want);
    CU_ASSERT_EQUAL(lg_signature_sign(NULL, "1", "", 0, hex), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_signature_sign(SECRET, NULL, "", 0, hex), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_signature_sign(SECRET, "1", NULL, 3, hex), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_signature_sign(SECRET, "1", "", 0, NULL), LG_ERR_INVALID);
}

static void test_accept(void)
{
    char hex[LG_SIGNATURE_HEX_LEN];
    sign("1700000000000", BODY, hex);
    outcome o = verify("1700000000000", hex, BODY);
    CU_ASSERT_EQUAL(o.rc, LG_OK);
    CU_ASSERT_EQUAL(o.status, 200);
    CU_ASSERT_STRING_EQUAL(o.msg, "");
    /* The replay key is the MAC: the decoded signature. */
    uint8_t mac[32];
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        mac[i] = (uint8_t)v;
    }
    CU_ASSERT_EQUAL(memcmp(o.digest, mac, 32), 0);
    /* Either hex case. */
    char upper[LG_SIGNATURE_HEX_LEN];
    for (int i = 0; i < LG_SIGNATURE_HEX_LEN; i++)
        upper[i] = (char)toupper((unsigned char)hex[i]);
    CU_ASSERT_NOT_EQUAL(strcmp(upper, hex), 0);
    CU_ASSERT_EQUAL(verify("1700000000000", upper, BODY).rc, LG_OK);
    /* Optional outputs may be NULL. */
    CU_ASSERT_EQUAL(lg_signature_verify(SECRET, "1700000000000", hex, BODY, strlen(BODY), NOW,
                                        LG_SIGNATURE_WINDOW_MS, NULL, NULL, NULL, 0),
                    LG_OK);
    /* Empty body. */
    sign("1700000000000", "", hex);
    CU_ASSERT_EQUAL(lg_signature_verify(SECRET, "1700000000000", hex, NULL, 0, NOW,
                                        LG_SIGNATURE_WINDOW_MS, NULL, NULL, NULL, 0),
                    LG_OK);
    /* The body is bytes, not a string: a NUL inside is signed and checked. */
    static const char bin[] = {'a', '\0', 'b'};
    CU_ASSERT_EQUAL(lg_signature_sign(SECRET, "1700000000000", bin, 3, hex), LG_OK);
    CU_ASSERT_EQUAL(lg_signature_verify(SECRET, "1700000000000", hex, bin, 3, NOW,
                                        LG_SIGNATURE_WINDOW_MS, NULL, NULL, NULL, 0),
                    LG_OK);
    CU_ASSERT_EQUAL(lg_signature_verify(SECRET, "1700000000000", hex, bin, 1, NOW,
                                        LG_SIGNATURE_WINDOW_MS, NULL, NULL, NULL, 0),
                    LG_ERR_AUTH);
}

static void test_tampered(void)
{
    const char *nomatch = "X-Signature does not match the request";
    char hex[LG_SIGNATURE_HEX_LEN];
    sign("1700000000000", BODY, hex);
    expect_refused(verify("1700000000000", hex, "{\"a\":2}"), nomatch);
    expect_refused(verify("1700000000000", hex, "{\"a\":1} "), nomatch);
    expect_refused(verify("1700000000001", hex, BODY), nomatch);
    expect_refused(verify_at("whsec_tesT", "1700000000000", hex, BODY, NOW), nomatch);
    /* One flipped bit anywhere in the signature. */
    for (int i = 0; i < 64; i++) {
        char bad[LG_SIGNATURE_HEX_LEN];
        memcpy(bad, hex, sizeof bad);
        bad[i] = bad[i] == '0' ? '1' : '0';
        CU_ASSERT_EQUAL(verify("1700000000000", bad, BODY).rc, LG_ERR_AUTH);
    }
    /* The same signature under another timestamp spelling is not the same request. */
    sign("1700000000000", BODY, hex);
    expect_refused(verify("1700000000000", hex, ".{\"a\":1}"), nomatch);
}

static void test_missing(void)
{
    char hex[LG_SIGNATURE_HEX_LEN];
    sign("1700000000000", BODY, hex);
    expect_refused(verify(NULL, hex, BODY), "X-Timestamp header missing");
    expect_refused(verify("", hex, BODY), "X-Timestamp header missing");
    expect_refused(verify("1700000000000", NULL, BODY), "X-Signature header missing");
    expect_refused(verify("1700000000000", "", BODY), "X-Signature header missing");
    expect_refused(verify(NULL, NULL, BODY), "X-Timestamp header missing");
}

static void test_window(void)
{
    const char *stale = "X-Timestamp outside the 5 minute window";
    char ts[32], hex[LG_SIGNATURE_HEX_LEN];
    const int64_t offsets[] = {300000, -300000, 300001, -300001, 0, 299999, -299999};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        snprintf(ts, sizeof ts, "%lld", (long long)(NOW + offsets[i]));
        sign(ts, BODY, hex);
        outcome o = verify(ts, hex, BODY);
        if (offsets[i] > 300000 || offsets[i] < -300000)
            expect_refused(o, stale);
        else
            CU_ASSERT_EQUAL(o.rc, LG_OK);
    }
    /* The window is checked before the MAC: a stale request costs no HMAC. */
    expect_refused(verify("1", "00", BODY), stale);
    /* Another window names itself. */
    outcome o;
    o.rc = lg_signature_verify(SECRET, "1", "x", "", 0, NOW, 1500, NULL, &o.status, o.msg,
                               sizeof o.msg);
    CU_ASSERT_EQUAL(o.rc, LG_ERR_AUTH);
    CU_ASSERT_STRING_EQUAL(o.msg, "X-Timestamp outside the 1500 ms window");
}

static void test_garbage(void)
{
    const char *notts = "X-Timestamp is not a millisecond timestamp";
    char hex[LG_SIGNATURE_HEX_LEN];
    const char *bad[] = {"-1700000000000",
                         "+1700000000000",
                         "1.7e12",
                         "1700000000000.0",
                         "17000000000000000000",
                         "12345678901234567",
                         " 1700000000000",
                         "1700000000000 ",
                         "1700000000 000",
                         "01700000000000",
                         "0x18bcfe56800",
                         "1700000000000\n",
                         "abc",
                         "1700000000000ms"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sign(bad[i], BODY, hex);
        expect_refused(verify(bad[i], hex, BODY), notts);
    }
    const char *notsig = "X-Signature is not 64 hex digits";
    char sig[LG_SIGNATURE_HEX_LEN + 8];
    sign("1700000000000", BODY, sig);
    sig[63] = '\0';
    expect_refused(verify("1700000000000", sig, BODY), notsig);
    sign("1700000000000", BODY, sig);
    strcat(sig, "0");
    expect_refused(verify("1700000000000", sig, BODY), notsig);
    sign("1700000000000", BODY, sig);
    sig[10] = 'g';
    expect_refused(verify("1700000000000", sig, BODY), notsig);
    sign("1700000000000", BODY, sig);
    char prefixed[LG_SIGNATURE_HEX_LEN + 8] = "sha256=";
    strcat(prefixed, sig);
    expect_refused(verify("1700000000000", prefixed, BODY), notsig);
    sig[0] = ' ';
    expect_refused(verify("1700000000000", sig, BODY), notsig);
}

static void test_misuse(void)
{
    char hex[LG_SIGNATURE_HEX_LEN];
    sign("1700000000000", BODY, hex);
    outcome o = verify_at(NULL, "1700000000000", hex, BODY, NOW);
    CU_ASSERT_EQUAL(o.rc, LG_ERR_INVALID);
    CU_ASSERT_EQUAL(o.status, 500);
    CU_ASSERT(digest_zero(&o));
    CU_ASSERT_EQUAL(verify_at("", "1700000000000", hex, BODY, NOW).rc, LG_ERR_INVALID);
    CU_ASSERT_EQUAL(verify_at(SECRET, "1700000000000", hex, BODY, -1).rc, LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_signature_verify(SECRET, "1700000000000", hex, NULL, 4, NOW,
                                        LG_SIGNATURE_WINDOW_MS, NULL, NULL, NULL, 0),
                    LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_signature_verify(SECRET, "1700000000000", hex, BODY, strlen(BODY), NOW, 0,
                                        NULL, NULL, NULL, 0),
                    LG_ERR_INVALID);
    /* No message ever carries the secret or the signature. */
    const char *sigs[] = {hex, "zz", ""};
    for (size_t i = 0; i < 3; i++) {
        o = verify("1700000000000", sigs[i], "{}");
        CU_ASSERT_PTR_NULL(strstr(o.msg, SECRET));
        CU_ASSERT(!*sigs[i] || strstr(o.msg, sigs[i]) == NULL);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"known answers", test_known_answers},
        {"good signatures", test_accept},
        {"tampered body, timestamp, secret", test_tampered},
        {"missing headers", test_missing},
        {"freshness window edges", test_window},
        {"garbage timestamps and signatures", test_garbage},
        {"misuse", test_misuse},
        {NULL, NULL},
    };
    lg_test_add_suite("signature", NULL, NULL, tests);
    return lg_test_run("test_signature");
}
