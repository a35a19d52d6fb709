/*
 * netaddr.h - IPv4 and IPv6 addresses and CIDR ranges: the parser behind partner IP
 * allowlists and [http] trusted_proxies, and the matcher the request pipeline asks.
 *
 * An allowlist is text: comma-separated addresses and ranges ("203.0.113.7,
 * 10.0.0.0/8, 2001:db8::/32"); "" admits every address. Parsing is strict (no
 * leading zeros in IPv4 octets, no zone ids, prefix lengths in range, host bits
 * beyond the prefix refused) and canonicalises what it accepts, so the stored form
 * compares equal however it was written. IPv4-mapped IPv6 clients (::ffff:a.b.c.d)
 * match IPv4 entries.
 */
#ifndef LENDGATE_NETADDR_H
#define LENDGATE_NETADDR_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

/* At most this many entries in one allowlist. */
#define LG_ALLOWLIST_MAX_ENTRIES 64

/* Longest canonical address text ("ffff:...:ffff" or "::ffff:255.255.255.255"), NUL
 * included; the same as INET6_ADDRSTRLEN. */
#define LG_NETADDR_TEXT_LEN 46

/* One address: IPv4 is held as its IPv4-mapped IPv6 form with v4 set, so both
 * families compare bit by bit over the same 16 bytes. */
typedef struct lg_netaddr {
    uint8_t b[16];
    int v4; /* written as a dotted quad */
} lg_netaddr;

/* One allowlist entry: an address and a prefix length counted in its own family
 * (0-32 for IPv4, 0-128 for IPv6). */
typedef struct lg_cidr {
    lg_netaddr addr;
    unsigned prefix;
} lg_cidr;

/* A parsed allowlist; lives where the caller puts it, holds no pointers. */
typedef struct lg_allowlist {
    lg_cidr entries[LG_ALLOWLIST_MAX_ENTRIES];
    size_t n;
} lg_allowlist;

/*
 * Parses one address of exactly len characters of text (no whitespace, no prefix, no
 * zone id): a dotted quad without leading zeros, or RFC 4291 IPv6 text with "::" and
 * a trailing dotted quad allowed. Returns LG_OK, LG_ERR_INVALID (NULL or not an
 * address; out is then zeroed).
 */
lg_err lg_netaddr_parse(lg_netaddr *out, const char *text, size_t len);

/* Writes a in its canonical text (RFC 5952 for IPv6, "::ffff:a.b.c.d" for a mapped
 * IPv6 address) into out. Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_OVERFLOW (cap
 * below what the text needs; out is then ""). */
lg_err lg_netaddr_format(char *out, size_t cap, const lg_netaddr *a);

/* 1 when a is IPv4 or IPv4-mapped IPv6 (::ffff:0:0/96), else 0. */
int lg_netaddr_is_v4(const lg_netaddr *a);

/*
 * Parses spec (as lg_allowlist_normalize) into list; label names the list in msg
 * ("ipAllowlist", "trusted_proxies"), entries are counted from 0. An empty or
 * all-blank spec gives n = 0. Returns LG_OK, LG_ERR_INVALID (NULL list or a bad entry:
 * msg says which and why), LG_ERR_OVERFLOW (more than LG_ALLOWLIST_MAX_ENTRIES).
 */
lg_err lg_allowlist_parse(lg_allowlist *list, const char *label, const char *spec, char *msg,
                          size_t msglen);

/* 1 when a lies in one of list's entries, else 0 (also for an empty list: this is
 * membership, not the "empty admits all" rule of lg_allowlist_match). An IPv4 entry
 * matches IPv4 and IPv4-mapped addresses; an IPv6 entry matches a mapped address only
 * when the entry itself lies inside ::ffff:0:0/96, so "::/0" does not admit IPv4. */
int lg_allowlist_contains(const lg_allowlist *list, const lg_netaddr *a);

/*
 * Validates spec and writes its canonical form into out (cap bytes; entries
 * separated by ",", addresses in their canonical text, a /32 or /128 written as the
 * bare address). msg starts "ipAllowlist[i]: " with i counted from 0, as in
 * "ipAllowlist[2]: host bits set beyond /24 in 10.0.0.1/24". Returns LG_OK,
 * LG_ERR_INVALID (NULL spec or out, or a bad entry: msg names it and why),
 * LG_ERR_OVERFLOW (out too small or too many entries).
 */
lg_err lg_allowlist_normalize(const char *spec, char *out, size_t cap, char *msg, size_t msglen);

/* 1 when the address text ip lies in spec ("" or NULL spec = 1, whatever ip is),
 * else 0; an ip that does not parse, or a spec that does not, is 0. */
int lg_allowlist_match(const char *spec, const char *ip);

#endif
