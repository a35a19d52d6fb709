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

#include <lendgate/error.h>

/* At most this many entries in one allowlist. */
#define LG_ALLOWLIST_MAX_ENTRIES 64

/*
 * Validates spec and writes its canonical form into out (cap bytes; entries
 * separated by ",", addresses in their canonical text, a /32 or /128 written as the
 * bare address). Returns LG_OK, LG_ERR_INVALID (msg names the entry and why),
 * LG_ERR_OVERFLOW (out too small or too many entries).
 */
lg_err lg_allowlist_normalize(const char *spec, char *out, size_t cap, char *msg, size_t msglen);

/* 1 when the address text ip lies in spec ("" or NULL spec = 1), else 0; an ip that
 * does not parse, or a spec that does not, is 0. */
int lg_allowlist_match(const char *spec, const char *ip);

#endif
