/* netaddr.c - strict IPv4/IPv6 text, CIDR ranges and allowlist matching. */
#include "config.h"

#include <lendgate/netaddr.h>

#include <stdio.h>
#include <string.h>

/* The longest entry text quoted in a message: enough for any valid entry, short
 * enough that hostile input cannot crowd the reason out. */
#define QUOTE_MAX 64

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_digit(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A dotted quad of exactly len characters: four decimal octets, no leading zeros,
 * nothing else. inet_aton's shorthand ("10.1", "0x7f.1") is refused on purpose. */
static int parse_v4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        size_t start = i;
        unsigned val = 0;
        while (i < len && is_digit((unsigned char)s[i]) && i - start < 3)
            val = val * 10 + (unsigned)(s[i++] - '0');
        size_t n = i - start;
        if (n == 0 || (n > 1 && s[start] == '0') || val > 255)
            return 0;
        out[part] = (uint8_t)val;
        if (part < 3) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
    }
    return i == len;
}

/* One group of 1 to 4 hex digits, s[0..n). */
static int parse_group(const char *s, size_t n, unsigned *out)
{
    if (n == 0 || n > 4)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hex_digit((unsigned char)s[i]);
        if (d < 0)
            return 0;
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 1;
}

/* Spreads the groups read so far around the "::" at gap (or none when gap < 0). */
static int expand_v6(const unsigned g[8], int ng, int gap, uint8_t out[16])
{
    /* Without "::" all eight groups are written; with it, "::" stands for at least
     * one zero group (RFC 4291 2.2), so eight written groups plus "::" is refused. */
    if (gap < 0 ? ng != 8 : ng > 7)
        return 0;
    unsigned full[8] = {0};
    int tail = gap < 0 ? 0 : ng - gap;
    int head = ng - tail;
    for (int i = 0; i < head; i++)
        full[i] = g[i];
    for (int i = 0; i < tail; i++)
        full[8 - tail + i] = g[head + i];
    for (int i = 0; i < 8; i++) {
        out[2 * i] = (uint8_t)(full[i] >> 8);
        out[2 * i + 1] = (uint8_t)full[i];
    }
    return 1;
}

/* RFC 4291 2.2 text of exactly len characters: groups, one "::" at most, and an
 * optional dotted quad in the last 32 bits. */
static int parse_v6(const char *s, size_t len, uint8_t out[16])
{
    unsigned g[8];
    int ng = 0, gap = -1;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    }
    while (i < len) {
        const char *colon = memchr(s + i, ':', len - i);
        size_t j = colon ? (size_t)(colon - s) : len;
        if (memchr(s + i, '.', j - i)) {
            uint8_t q[4];
            if (j != len || ng > 6 || !parse_v4(s + i, j - i, q))
                return 0;
            g[ng++] = (unsigned)q[0] << 8 | q[1];
            g[ng++] = (unsigned)q[2] << 8 | q[3];
            break;
        }
        if (ng == 8 || !parse_group(s + i, j - i, &g[ng]))
            return 0;
        ng++;
        if (j == len)
            break;
        if (j + 1 < len && s[j + 1] == ':') {
            if (gap >= 0)
                return 0;
            gap = ng;
            i = j + 2;
        } else {
            i = j + 1;
            if (i == len)
                return 0; /* a single trailing colon */
        }
    }
    return expand_v6(g, ng, gap, out);
}

lg_err lg_netaddr_parse(lg_netaddr *out, const char *text, size_t len)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!text || len == 0 || len >= LG_NETADDR_TEXT_LEN)
        return LG_ERR_INVALID;
    if (memchr(text, ':', len)) {
        if (parse_v6(text, len, out->b))
            return LG_OK;
    } else if (parse_v4(text, len, out->b + 12)) {
        memcpy(out->b, mapped_prefix, sizeof mapped_prefix);
        out->v4 = 1;
        return LG_OK;
    }
    memset(out, 0, sizeof *out);
    return LG_ERR_INVALID;
}

int lg_netaddr_is_v4(const lg_netaddr *a)
{
    return a && (a->v4 || memcmp(a->b, mapped_prefix, sizeof mapped_prefix) == 0);
}

/* The first longest run of two or more zero groups, which RFC 5952 4.2 writes as
 * "::"; *start = -1 when there is none. */
static void longest_zero_run(const uint8_t b[16], int *start, int *len)
{
    *start = -1;
    *len = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && b[2 * j] == 0 && b[2 * j + 1] == 0)
            j++;
        if (j - i >= 2 && j - i > *len) {
            *start = i;
            *len = j - i;
        }
        i = j > i ? j : i + 1;
    }
}

static int format_v6(char *out, size_t cap, const uint8_t b[16])
{
    if (memcmp(b, mapped_prefix, sizeof mapped_prefix) == 0)
        return snprintf(out, cap, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    int start, run;
    longest_zero_run(b, &start, &run);
    size_t o = 0;
    for (int i = 0; i < 8; i++) {
        int n;
        if (i == start) {
            n = snprintf(out + o, cap - o, "::");
            i += run - 1;
        } else {
            const char *sep = (i > 0 && i != start + run) ? ":" : "";
            n = snprintf(out + o, cap - o, "%s%x", sep, (unsigned)b[2 * i] << 8 | b[2 * i + 1]);
        }
        if (n < 0 || (size_t)n >= cap - o)
            return (int)cap;
        o += (size_t)n;
    }
    return (int)o;
}

lg_err lg_netaddr_format(char *out, size_t cap, const lg_netaddr *a)
{
    if (!out || !a || cap == 0)
        return LG_ERR_INVALID;
    int n = a->v4 ? snprintf(out, cap, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15])
                  : format_v6(out, cap, a->b);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return LG_ERR_OVERFLOW;
    }
    return LG_OK;
}

/* 1 when the first bits (of 128) of a and b agree. */
static int prefix_equal(const uint8_t a[16], const uint8_t b[16], unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

/* The prefix of c counted over all 128 bits of the mapped form. */
static unsigned prefix128(const lg_cidr *c)
{
    return c->addr.v4 ? 96 + c->prefix : c->prefix;
}

static int cidr_contains(const lg_cidr *c, const lg_netaddr *a)
{
    unsigned bits = prefix128(c);
    /* An IPv6 entry wider than ::ffff:0:0/96 ("::/0", "::/64") is about IPv6; it
     * must not quietly admit every IPv4 client too. */
    if (lg_netaddr_is_v4(a) && !c->addr.v4 && !(bits >= 96 && lg_netaddr_is_v4(&c->addr)))
        return 0;
    return prefix_equal(c->addr.b, a->b, bits);
}

int lg_allowlist_contains(const lg_allowlist *list, const lg_netaddr *a)
{
    if (!list || !a)
        return 0;
    for (size_t i = 0; i < list->n; i++)
        if (cidr_contains(&list->entries[i], a))
            return 1;
    return 0;
}

/* Copies s[0..n) for a message: printable ASCII only, at most QUOTE_MAX characters. */
static void quote(char *dst, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap && o < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[o] = '\0';
}

/* Where an entry is refused: the list's label and the entry's index and text. */
typedef struct entry_ctx {
    const char *label;
    size_t index;
    char text[QUOTE_MAX + 1];
    char *msg;
    size_t msglen;
} entry_ctx;

static lg_err refuse(const entry_ctx *e, const char *why)
{
    if (e->msg && e->msglen)
        snprintf(e->msg, e->msglen, "%s[%zu]: %s", e->label, e->index, why);
    return LG_ERR_INVALID;
}

static lg_err refuse_entry(const entry_ctx *e, const char *why)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s in %s", why, e->text);
    return refuse(e, buf);
}

/* The decimal prefix length after '/': 1 to 3 digits, no leading zeros. */
static int parse_prefix(const char *s, size_t n, unsigned *out)
{
    if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static lg_err check_host_bits(const entry_ctx *e, const lg_cidr *c)
{
    unsigned bits = prefix128(c);
    lg_netaddr masked = c->addr;
    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;
        if (lo >= bits)
            masked.b[i] = 0;
        else if (bits - lo < 8)
            masked.b[i] &= (uint8_t)(0xffu << (8 - (bits - lo)));
    }
    if (memcmp(masked.b, c->addr.b, 16) == 0)
        return LG_OK;
    char why[48];
    snprintf(why, sizeof why, "host bits set beyond /%u", c->prefix);
    return refuse_entry(e, why);
}

/* One trimmed, non-empty entry s[0..n): an address or address/prefix. */
static lg_err parse_entry(const entry_ctx *e, const char *s, size_t n, lg_cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (memchr(s, '%', alen))
        return refuse_entry(e, "zone ids are not allowed");
    if (lg_netaddr_parse(&out->addr, s, alen) != LG_OK) {
        char why[QUOTE_MAX + 48];
        snprintf(why, sizeof why, "\"%s\" is not an IPv4 or IPv6 address", e->text);
        return refuse(e, why);
    }
    unsigned max = out->addr.v4 ? 32 : 128;
    out->prefix = max;
    if (slash && !parse_prefix(slash + 1, n - alen - 1, &out->prefix))
        return refuse_entry(e, "prefix length is not a decimal number");
    if (out->prefix > max) {
        char why[48];
        snprintf(why, sizeof why, "prefix length /%u is over /%u", out->prefix, max);
        return refuse_entry(e, why);
    }
    return check_host_bits(e, out);
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t';
}

lg_err lg_allowlist_parse(lg_allowlist *list, const char *label, const char *spec, char *msg,
                          size_t msglen)
{
    if (msg && msglen)
        msg[0] = '\0';
    if (!list || !spec)
        return LG_ERR_INVALID;
    list->n = 0;
    entry_ctx e = {label ? label : "allowlist", 0, "", msg, msglen};
    const char *p = spec;
    while (*p && is_blank((unsigned char)*p))
        p++;
    if (!*p)
        return LG_OK;
    for (;; e.index++) {
        size_t n = strcspn(p, ",");
        const char *end = p + n;
        const char *a = p, *b = end;
        while (a < b && is_blank((unsigned char)*a))
            a++;
        while (b > a && is_blank((unsigned char)b[-1]))
            b--;
        if (a == b)
            return refuse(&e, "empty entry");
        if (list->n == LG_ALLOWLIST_MAX_ENTRIES) {
            if (msg && msglen)
                snprintf(msg, msglen, "%s: more than %d entries", e.label,
                         LG_ALLOWLIST_MAX_ENTRIES);
            return LG_ERR_OVERFLOW;
        }
        quote(e.text, sizeof e.text, a, (size_t)(b - a));
        lg_err rc = parse_entry(&e, a, (size_t)(b - a), &list->entries[list->n]);
        if (rc != LG_OK)
            return rc;
        list->n++;
        if (!*end)
            return LG_OK;
        p = end + 1;
    }
}

/* Appends the canonical text of c to out at *o. */
static lg_err append_cidr(char *out, size_t cap, size_t *o, const lg_cidr *c, int first)
{
    char addr[LG_NETADDR_TEXT_LEN];
    lg_err rc = lg_netaddr_format(addr, sizeof addr, &c->addr);
    if (rc != LG_OK)
        return rc;
    unsigned max = c->addr.v4 ? 32 : 128;
    int n = c->prefix == max
                ? snprintf(out + *o, cap - *o, "%s%s", first ? "" : ",", addr)
                : snprintf(out + *o, cap - *o, "%s%s/%u", first ? "" : ",", addr, c->prefix);
    if (n < 0 || (size_t)n >= cap - *o)
        return LG_ERR_OVERFLOW;
    *o += (size_t)n;
    return LG_OK;
}

lg_err lg_allowlist_normalize(const char *spec, char *out, size_t cap, char *msg, size_t msglen)
{
    if (!out || cap == 0)
        return LG_ERR_INVALID;
    out[0] = '\0';
    lg_allowlist list;
    lg_err rc = lg_allowlist_parse(&list, "ipAllowlist", spec, msg, msglen);
    if (rc != LG_OK)
        return rc;
    size_t o = 0;
    for (size_t i = 0; i < list.n; i++) {
        rc = append_cidr(out, cap, &o, &list.entries[i], i == 0);
        if (rc != LG_OK) {
            out[0] = '\0';
            if (msg && msglen)
                snprintf(msg, msglen, "ipAllowlist: longer than %zu characters", cap - 1);
            return rc;
        }
    }
    return LG_OK;
}

int lg_allowlist_match(const char *spec, const char *ip)
{
    if (!spec || !*spec)
        return 1;
    lg_allowlist list;
    lg_netaddr a;
    if (lg_allowlist_parse(&list, NULL, spec, NULL, 0) != LG_OK)
        return 0;
    if (list.n == 0)
        return 1;
    if (!ip || lg_netaddr_parse(&a, ip, strlen(ip)) != LG_OK)
        return 0;
    return lg_allowlist_contains(&list, &a);
}
