/* guard.c - where a delivery may connect: a small classifier of IPv4 and IPv6
 * addresses, and the shape of a webhook URL. Kept apart from src/http's address
 * code on purpose: this one judges destinations, that one judges clients. */
#include "config.h"

#include "webhook_internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

enum cls { C_PUBLIC, C_LOOPBACK, C_PRIVATE, C_REFUSED };

typedef struct {
    uint32_t net;
    int bits;
    enum cls cls;
    const char *why;
} v4_range;

/* Every IPv4 range that is not public unicast (IANA special-purpose registry). */
static const v4_range v4_ranges[] = {
    {0x00000000u, 8, C_REFUSED, "unspecified"},    {0x7f000000u, 8, C_LOOPBACK, "loopback"},
    {0x0a000000u, 8, C_PRIVATE, "private"},        {0xac100000u, 12, C_PRIVATE, "private"},
    {0xc0a80000u, 16, C_PRIVATE, "private"},       {0x64400000u, 10, C_PRIVATE, "private"},
    {0xa9fe0000u, 16, C_REFUSED, "link-local"},    {0xc0000000u, 24, C_REFUSED, "reserved"},
    {0xc0000200u, 24, C_REFUSED, "documentation"}, {0xc6336400u, 24, C_REFUSED, "documentation"},
    {0xcb007100u, 24, C_REFUSED, "documentation"}, {0xc0586300u, 24, C_REFUSED, "reserved"},
    {0xc6120000u, 15, C_REFUSED, "reserved"},      {0xffffffffu, 32, C_REFUSED, "broadcast"},
    {0xe0000000u, 4, C_REFUSED, "multicast"},      {0xf0000000u, 4, C_REFUSED, "reserved"},
};

static enum cls classify_v4(uint32_t a, const char **why)
{
    for (size_t i = 0; i < sizeof v4_ranges / sizeof v4_ranges[0]; i++) {
        const v4_range *r = &v4_ranges[i];
        uint32_t mask = r->bits ? 0xffffffffu << (32 - r->bits) : 0;
        if ((a & mask) == r->net) {
            *why = r->why;
            return r->cls;
        }
    }
    *why = "public";
    return C_PUBLIC;
}

static uint32_t v4_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* An IPv6 address that carries an IPv4 one is judged as that address: v4-mapped
 * (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16), since each can lead
 * to the v4 host. */
static enum cls classify_v6(const uint8_t a[16], const char **why)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return classify_v4(v4_at(a + 12), why);
    if (a[0] == 0x20 && a[1] == 0x02)
        return classify_v4(v4_at(a + 2), why);
    if (all_zero(a, 15)) {
        *why = a[15] == 1 ? "loopback" : a[15] == 0 ? "unspecified" : "reserved";
        return a[15] == 1 ? C_LOOPBACK : C_REFUSED;
    }
    if (a[0] == 0xff) {
        *why = "multicast";
        return C_REFUSED;
    }
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) {
        *why = "link-local";
        return C_REFUSED;
    }
    /* fc00::/7 (unique local) and the deprecated site-local fec0::/10. */
    if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)) {
        *why = "private";
        return C_PRIVATE;
    }
    if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
        (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)) {
        *why = "documentation";
        return C_REFUSED;
    }
    /* 2001::/23 is IETF protocol assignments (Teredo among them); outside 2000::/3
     * nothing is allocated as global unicast. */
    if ((a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02) || (a[0] & 0xe0) != 0x20) {
        *why = "reserved";
        return C_REFUSED;
    }
    *why = "public";
    return C_PUBLIC;
}

int lg_webhook_addr_allowed(const struct sockaddr *sa, const lg_webhook_guard *g, const char **why)
{
    const char *w = "unsupported address family";
    enum cls c = C_REFUSED;
    if (sa && sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        c = classify_v4(ntohl(in.sin_addr.s_addr), &w);
    } else if (sa && sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        c = classify_v6(in6.sin6_addr.s6_addr, &w);
    }
    int ok = c == C_PUBLIC || (g && c == C_LOOPBACK && g->allow_loopback) ||
             (g && c == C_PRIVATE && g->allow_private);
    if (why)
        *why = w;
    return ok;
}

/* Refuses a URL whose text could be read differently by two parsers: blanks,
 * control and non-ASCII bytes, backslashes, and a third slash after the scheme
 * (libcurl skips it, other parsers do not). */
static int plain_text(const char *url)
{
    size_t n = strnlen(url, LG_URL_LEN);
    if (n == 0 || n >= LG_URL_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || url[i] == '\\')
            return 0;
    const char *rest = strstr(url, "://");
    return !rest || rest[3] != '/';
}

/* Fetches one part of h; *out is NULL when the part is absent. */
static CURLUcode part(CURLU *h, CURLUPart what, char **out)
{
    *out = NULL;
    CURLUcode uc = curl_url_get(h, what, out, 0);
    return uc == CURLUE_OK || uc == CURLUE_NO_USER || uc == CURLUE_NO_PASSWORD ||
                   uc == CURLUE_NO_OPTIONS
               ? CURLUE_OK
               : uc;
}

/* The judgement of a parsed URL; libcurl's parser, so that the URL checked is the
 * URL delivered to. */
static const char *judge_parts(CURLU *h, const lg_webhook_guard *g)
{
    char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL, *opts = NULL;
    const char *why = NULL;
    if (part(h, CURLUPART_SCHEME, &scheme) || part(h, CURLUPART_HOST, &host) ||
        part(h, CURLUPART_USER, &user) || part(h, CURLUPART_PASSWORD, &pass) ||
        part(h, CURLUPART_OPTIONS, &opts))
        why = "not a url";
    else if (!scheme || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
        why = "not http or https";
    else if (strcmp(scheme, "http") == 0 && !(g && g->allow_http))
        why = "http is not allowed (https only)";
    else if (!host || !host[0])
        why = "no host";
    else if (user || pass || opts)
        why = "user or password in the url";
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(pass);
    curl_free(opts);
    return why;
}

lg_err lg_webhook_url_shape(const char *url, const lg_webhook_guard *g, const char **why)
{
    const char *w = NULL;
    if (!url || !plain_text(url))
        w = "not a url";
    else if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        w = "not http or https";
    else {
        CURLU *h = curl_url();
        if (!h)
            w = "out of memory";
        else if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
            w = "not a url";
        else
            w = judge_parts(h, g);
        curl_url_cleanup(h);
    }
    if (why)
        *why = w ? w : "";
    return w ? LG_ERR_INVALID : LG_OK;
}

/* An IP-literal host judged now, so that registering http://127.0.0.1/ fails early;
 * names are judged by the address they resolve to at each delivery. */
static const char *judge_literal(const char *url, const lg_webhook_guard *g)
{
    CURLU *h = curl_url();
    char *host = NULL;
    const char *why = NULL;
    if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
        struct sockaddr_in in = {.sin_family = AF_INET};
        struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
        size_t n = strlen(host);
        char inner[64];
        if (inet_pton(AF_INET, host, &in.sin_addr) == 1) {
            if (lg_webhook_addr_allowed((const struct sockaddr *)&in, g, &why))
                why = NULL;
        } else if (n > 2 && n - 2 < sizeof inner && host[0] == '[') {
            memcpy(inner, host + 1, n - 2);
            inner[n - 2] = '\0';
            if (inet_pton(AF_INET6, inner, &in6.sin6_addr) == 1 &&
                lg_webhook_addr_allowed((const struct sockaddr *)&in6, g, &why))
                why = NULL;
        }
    }
    curl_free(host);
    curl_url_cleanup(h);
    return why;
}

lg_err lg_webhook_url_ok(const char *url, const lg_webhook_guard *g, const char **why)
{
    lg_err rc = lg_webhook_url_shape(url, g, why);
    if (rc != LG_OK)
        return rc;
    const char *w = judge_literal(url, g);
    if (why)
        *why = w ? w : "";
    return w ? LG_ERR_INVALID : LG_OK;
}
