/* test_netaddr.c - address text, CIDR entries and allowlist matching. */
/* Fixed test strings: strcpy and friends are fine here (include/lendgate/banned.h). */
#define LG_ALLOW_BANNED
#include "config.h"

#include "harness.h"

#include <lendgate/netaddr.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static int parses(const char *text)
{
    lg_netaddr a;
    return lg_netaddr_parse(&a, text, strlen(text)) == LG_OK;
}

/* Parses text and writes its canonical form into out; "" when it does not parse. */
static const char *canon(const char *text, char *out, size_t cap)
{
    lg_netaddr a;
    out[0] = '\0';
    if (lg_netaddr_parse(&a, text, strlen(text)) == LG_OK)
        lg_netaddr_format(out, cap, &a);
    return out;
}

static void test_ipv4(void)
{
    char out[LG_NETADDR_TEXT_LEN];
    const char *good[] = {"0.0.0.0", "255.255.255.255", "10.0.0.1", "192.0.2.10", "1.22.133.4"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CU_ASSERT_STRING_EQUAL(canon(good[i], out, sizeof out), good[i]);
        unsigned char ref[4];
        lg_netaddr a;
        CU_ASSERT_EQUAL(inet_pton(AF_INET, good[i], ref), 1);
        CU_ASSERT_EQUAL(lg_netaddr_parse(&a, good[i], strlen(good[i])), LG_OK);
        CU_ASSERT(a.v4 && memcmp(a.b + 12, ref, 4) == 0 && lg_netaddr_is_v4(&a));
    }
    const char *bad[] = {"",          "1.2.3",      "1.2.3.4.5", "256.0.0.1",  "1.2.3.04",
                         "01.2.3.4",  "00.0.0.0",   "1.2.3.-4",  "1.2.3.4 ",   " 1.2.3.4",
                         "1..3.4",    "1.2.3.",     ".1.2.3",    "0x7f.0.0.1", "127.1",
                         "1.2.3.4/8", "1.2.3.1000", "1.2.3.a",   "4294967295"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CU_ASSERT_FALSE(parses(bad[i]));
}

static void test_ipv6(void)
{
    char out[LG_NETADDR_TEXT_LEN];
    /* Written form -> RFC 5952 form. */
    static const char *const vec[][2] = {
        {"::", "::"},
        {"::1", "::1"},
        {"1::", "1::"},
        {"2001:DB8::1", "2001:db8::1"},
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
        {"fe80::1:2", "fe80::1:2"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"1:2:3:4:5:6::", "1:2:3:4:5:6::"},
        {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
        {"1:0:0:4:0:0:0:8", "1:0:0:4::8"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
        {"::FFFF:c000:0201", "::ffff:192.0.2.1"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof *vec; i++) {
        CU_ASSERT_STRING_EQUAL(canon(vec[i][0], out, sizeof out), vec[i][1]);
        /* The same 16 bytes as the C library finds. */
        unsigned char ref[16];
        lg_netaddr a;
        CU_ASSERT_EQUAL(inet_pton(AF_INET6, vec[i][0], ref), 1);
        CU_ASSERT_EQUAL(lg_netaddr_parse(&a, vec[i][0], strlen(vec[i][0])), LG_OK);
        CU_ASSERT(!a.v4 && memcmp(a.b, ref, 16) == 0);
    }
    const char *bad[] = {":",
                         ":::",
                         "1:::2",
                         "1::2::3",
                         ":1::2",
                         "1::2:",
                         "1:2:3:4:5:6:7",
                         "1:2:3:4:5:6:7:8:9",
                         "1:2:3:4:5:6:7::8",
                         "::1:2:3:4:5:6:7:8",
                         "12345::",
                         "g::1",
                         "fe80::1%eth0",
                         "::1.2.3",
                         "::1.2.3.04",
                         "::1.2.3.4:5",
                         "1:2:3:4:5:6:7:1.2.3.4",
                         "[::1]",
                         "::1 ",
                         "1:2:3:4:5:6:7:",
                         "::256.1.1.1",
                         "1.2.3.4::"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CU_ASSERT_FALSE(parses(bad[i]));
        if (parses(bad[i]))
            fprintf(stderr, "accepted: %s\n", bad[i]);
    }
    lg_netaddr a;
    CU_ASSERT_EQUAL(lg_netaddr_parse(NULL, "::", 2), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_netaddr_parse(&a, NULL, 0), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_netaddr_parse(&a, "::1", 3), LG_OK);
    CU_ASSERT_EQUAL(lg_netaddr_format(out, 4, &a), LG_OK);
    CU_ASSERT_EQUAL(lg_netaddr_format(out, 3, &a), LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(lg_netaddr_format(NULL, 3, &a), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_netaddr_format(out, sizeof out, NULL), LG_ERR_INVALID);
    /* Only the first len characters count. */
    CU_ASSERT_EQUAL(lg_netaddr_parse(&a, "10.0.0.1/8", 8), LG_OK);
    CU_ASSERT_STRING_EQUAL((lg_netaddr_format(out, sizeof out, &a), out), "10.0.0.1");
}

/* Canonical formatting agrees with glibc's inet_ntop over a sweep of zero patterns
 * (every subset of zero groups), outside the forms where glibc writes a dotted quad. */
static void test_ipv6_format_sweep(void)
{
    for (unsigned mask = 0; mask < 256; mask++) {
        lg_netaddr a;
        memset(&a, 0, sizeof a);
        for (int g = 0; g < 8; g++)
            if (mask & (1u << g))
                a.b[2 * g + 1] = (uint8_t)(g + 1);
        static const uint8_t zero12[12] = {0};
        if (memcmp(a.b, zero12, 12) == 0)
            continue; /* "::a.b.c.d" in glibc, deprecated IPv4-compatible form */
        char mine[LG_NETADDR_TEXT_LEN], ref[INET6_ADDRSTRLEN];
        CU_ASSERT_EQUAL(lg_netaddr_format(mine, sizeof mine, &a), LG_OK);
        CU_ASSERT_PTR_NOT_NULL(inet_ntop(AF_INET6, a.b, ref, sizeof ref));
        CU_ASSERT_STRING_EQUAL(mine, ref);
        lg_netaddr back;
        CU_ASSERT_EQUAL(lg_netaddr_parse(&back, mine, strlen(mine)), LG_OK);
        CU_ASSERT_EQUAL(memcmp(back.b, a.b, 16), 0);
    }
}

static lg_err norm(const char *spec, char *out, size_t cap, char *msg)
{
    return lg_allowlist_normalize(spec, out, cap, msg, 160);
}

static void test_normalize(void)
{
    char out[LG_ALLOWLIST_MAX_ENTRIES * 50], msg[160];
    CU_ASSERT_EQUAL(norm(" 203.0.113.7 ,\t10.0.0.0/8,2001:DB8::/32 ", out, sizeof out, msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "203.0.113.7,10.0.0.0/8,2001:db8::/32");
    CU_ASSERT_EQUAL(norm("10.0.0.1/32,::1/128,0.0.0.0/0,::/0", out, sizeof out, msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "10.0.0.1,::1,0.0.0.0/0,::/0");
    CU_ASSERT_EQUAL(norm("", out, sizeof out, msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(norm("  ", out, sizeof out, msg), LG_OK);
    CU_ASSERT_STRING_EQUAL(out, "");

    static const char *const refused[][2] = {
        {"10.0.0.0/8,1.2.3.4,10.0.0.1/24",
         "ipAllowlist[2]: host bits set beyond /24 in 10.0.0.1/24"},
        {"2001:db8::1/64", "ipAllowlist[0]: host bits set beyond /64 in 2001:db8::1/64"},
        {"0.0.0.1/0", "ipAllowlist[0]: host bits set beyond /0 in 0.0.0.1/0"},
        {"10.0.0.0/33", "ipAllowlist[0]: prefix length /33 is over /32 in 10.0.0.0/33"},
        {"::/129", "ipAllowlist[0]: prefix length /129 is over /128 in ::/129"},
        {"10.0.0.0/08", "ipAllowlist[0]: prefix length is not a decimal number in 10.0.0.0/08"},
        {"10.0.0.0/", "ipAllowlist[0]: prefix length is not a decimal number in 10.0.0.0/"},
        {"10.0.0.0/-1", "ipAllowlist[0]: prefix length is not a decimal number in 10.0.0.0/-1"},
        {"10.0.0.0/8/8", "ipAllowlist[0]: prefix length is not a decimal number in 10.0.0.0/8/8"},
        {"10.0.0.0/1000", "ipAllowlist[0]: prefix length is not a decimal number in 10.0.0.0/1000"},
        {"1.2.3.4,,5.6.7.8", "ipAllowlist[1]: empty entry"},
        {"1.2.3.4,", "ipAllowlist[1]: empty entry"},
        {",1.2.3.4", "ipAllowlist[0]: empty entry"},
        {"1.2.3.4, ", "ipAllowlist[1]: empty entry"},
        {"fe80::1%eth0", "ipAllowlist[0]: zone ids are not allowed in fe80::1%eth0"},
        {"1.2.3.4,host.example", "ipAllowlist[1]: \"host.example\" is not an IPv4 or IPv6 address"},
        {"010.0.0.1", "ipAllowlist[0]: \"010.0.0.1\" is not an IPv4 or IPv6 address"},
        {"/24", "ipAllowlist[0]: \"/24\" is not an IPv4 or IPv6 address"},
        {"1.2.3.4 5.6.7.8", "ipAllowlist[0]: \"1.2.3.4 5.6.7.8\" is not an IPv4 or IPv6 address"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        strcpy(out, "junk");
        CU_ASSERT_EQUAL(norm(refused[i][0], out, sizeof out, msg), LG_ERR_INVALID);
        CU_ASSERT_STRING_EQUAL(msg, refused[i][1]);
        CU_ASSERT_STRING_EQUAL(out, "");
    }
    /* Hostile text is quoted printable and bounded. */
    char hostile[400];
    memset(hostile, 'A', sizeof hostile - 1);
    hostile[sizeof hostile - 1] = '\0';
    hostile[3] = '\n';
    CU_ASSERT_EQUAL(norm(hostile, out, sizeof out, msg), LG_ERR_INVALID);
    CU_ASSERT_PTR_NULL(strchr(msg, '\n'));
    CU_ASSERT(strlen(msg) < 120);

    /* Entry count and output capacity. */
    char many[LG_ALLOWLIST_MAX_ENTRIES * 16 + 32] = "";
    for (int i = 0; i < LG_ALLOWLIST_MAX_ENTRIES; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.%d.1", i ? "," : "", i);
    CU_ASSERT_EQUAL(norm(many, out, sizeof out, msg), LG_OK);
    strcat(many, ",10.1.0.1");
    CU_ASSERT_EQUAL(norm(many, out, sizeof out, msg), LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(msg, "ipAllowlist: more than 64 entries");
    CU_ASSERT_EQUAL(norm("10.0.0.1,10.0.0.2", out, 17, msg), LG_ERR_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(norm("10.0.0.1,10.0.0.2", out, 18, msg), LG_OK);
    CU_ASSERT_EQUAL(norm(NULL, out, sizeof out, msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(norm("1.2.3.4", NULL, 0, msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_allowlist_normalize("1.2.3.4", out, sizeof out, NULL, 0), LG_OK);
    CU_ASSERT_EQUAL(lg_allowlist_normalize("1.2.3.4/8", out, sizeof out, NULL, 0), LG_ERR_INVALID);
}

static void test_parse_label(void)
{
    lg_allowlist l;
    char msg[160];
    CU_ASSERT_EQUAL(
        lg_allowlist_parse(&l, "trusted_proxies", "127.0.0.1, ::1 ,10.0.0.0/8", msg, sizeof msg),
        LG_OK);
    CU_ASSERT_EQUAL(l.n, 3);
    CU_ASSERT_EQUAL(l.entries[2].prefix, 8);
    CU_ASSERT_EQUAL(
        lg_allowlist_parse(&l, "trusted_proxies", "10.0.0.1,10.0.0.256", msg, sizeof msg),
        LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(msg,
                           "trusted_proxies[1]: \"10.0.0.256\" is not an IPv4 or IPv6 address");
    CU_ASSERT_EQUAL(lg_allowlist_parse(NULL, "x", "", msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_allowlist_parse(&l, "x", NULL, msg, sizeof msg), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_allowlist_parse(&l, NULL, "", NULL, 0), LG_OK);
    CU_ASSERT_EQUAL(l.n, 0);
    lg_netaddr a;
    lg_netaddr_parse(&a, "1.2.3.4", 7);
    CU_ASSERT_EQUAL(lg_allowlist_contains(&l, &a), 0);
    CU_ASSERT_EQUAL(lg_allowlist_contains(NULL, &a), 0);
    CU_ASSERT_EQUAL(lg_allowlist_contains(&l, NULL), 0);
}

static void test_match_edges(void)
{
    const char *v4 = "192.0.2.0/24";
    CU_ASSERT_EQUAL(lg_allowlist_match(v4, "192.0.2.0"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(v4, "192.0.2.255"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(v4, "192.0.1.255"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match(v4, "192.0.3.0"), 0);
    const char *odd = "10.0.0.8/29"; /* a prefix that does not end on a byte */
    CU_ASSERT_EQUAL(lg_allowlist_match(odd, "10.0.0.8"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(odd, "10.0.0.15"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(odd, "10.0.0.7"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match(odd, "10.0.0.16"), 0);
    const char *v6 = "2001:db8:0:100::/56";
    CU_ASSERT_EQUAL(lg_allowlist_match(v6, "2001:db8:0:100::"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(v6, "2001:db8:0:1ff:ffff:ffff:ffff:ffff"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(v6, "2001:db8:0:ff:ffff:ffff:ffff:ffff"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match(v6, "2001:db8:0:200::"), 0);
    /* /32 and /128 are single addresses. */
    CU_ASSERT_EQUAL(lg_allowlist_match("203.0.113.7/32", "203.0.113.7"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("203.0.113.7", "203.0.113.6"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("203.0.113.7", "203.0.113.8"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("2001:db8::7/128", "2001:DB8:0::7"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("2001:db8::7", "2001:db8::6"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("2001:db8::7", "2001:db8::8"), 0);
    /* /0 admits its own family only. */
    CU_ASSERT_EQUAL(lg_allowlist_match("0.0.0.0/0", "0.0.0.0"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("0.0.0.0/0", "255.255.255.255"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("0.0.0.0/0", "2001:db8::1"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("::/0", "2001:db8::1"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("::/0", "10.0.0.1"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("::/0", "::ffff:10.0.0.1"), 0);
}

static void test_match_mapped(void)
{
    /* An IPv4-mapped client matches IPv4 entries, and only where the IPv4 would. */
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", "::ffff:10.1.2.3"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", "::FFFF:a01:203"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", "::ffff:11.0.0.0"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("0.0.0.0/0", "::ffff:1.2.3.4"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("1.2.3.4", "::ffff:1.2.3.4"), 1);
    /* Not mapped: IPv4-compatible and NAT64 forms are other IPv6 addresses. */
    CU_ASSERT_EQUAL(lg_allowlist_match("1.2.3.4", "::1.2.3.4"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("1.2.3.4", "64:ff9b::1.2.3.4"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("1.2.3.4", "::fffe:1.2.3.4"), 0);
    /* A mapped entry admits the plain IPv4 client too. */
    CU_ASSERT_EQUAL(lg_allowlist_match("::ffff:10.0.0.0/104", "10.9.9.9"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("::ffff:10.0.0.0/104", "11.0.0.0"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("::ffff:0:0/96", "8.8.8.8"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("::fffe:0:0/95", "8.8.8.8"), 0);
}

static void test_match_misc(void)
{
    CU_ASSERT_EQUAL(lg_allowlist_match("", "10.0.0.1"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(NULL, "10.0.0.1"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match(" ", "10.0.0.1"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.1, 192.0.2.0/24 ,2001:db8::/32", "192.0.2.9"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.1, 192.0.2.0/24 ,2001:db8::/32", "2001:db8:1::"), 1);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.1, 192.0.2.0/24 ,2001:db8::/32", "10.0.0.2"), 0);
    /* A client that does not parse, or a spec that does not, admits nobody. */
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", "10.0.0.1 "), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", "010.0.0.1"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", ""), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8", NULL), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.1/8", "10.0.0.1"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("10.0.0.0/8,bogus", "10.0.0.1"), 0);
    CU_ASSERT_EQUAL(lg_allowlist_match("fe80::/10", "fe80::1%eth0"), 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    static const lg_test_case tests[] = {
        {"IPv4 text", test_ipv4},
        {"IPv6 text and RFC 5952 form", test_ipv6},
        {"IPv6 form agrees with inet_ntop", test_ipv6_format_sweep},
        {"allowlist normalize and refusals", test_normalize},
        {"allowlist parse with a label", test_parse_label},
        {"matching at range edges and /0 /32 /128", test_match_edges},
        {"IPv4-mapped clients", test_match_mapped},
        {"matching: empty, lists, bad input", test_match_misc},
        {NULL, NULL},
    };
    lg_test_add_suite("netaddr", NULL, NULL, tests);
    return lg_test_run("test_netaddr");
}
