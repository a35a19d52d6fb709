/* fuzz_cidr.c - libFuzzer target: IP allowlists (netaddr.h). The input is
 * "SPEC\nIP". A spec that normalizes is a fixed point of normalization, every bare
 * address it lists is admitted by both the spec and its canonical form, and the two
 * agree on IP; an address formats to canonical text and back. A refusal says why in one printable
 * line, and a spec that does not parse admits nobody. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/netaddr.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX 4096

/* Every bare address of the canonical list out is admitted by spec and by out. */
static void listed_match(const char *spec, const char *out)
{
    char entry[SPEC_MAX];
    for (const char *p = out; *p;) {
        size_t n = strcspn(p, ",");
        memcpy(entry, p, n);
        entry[n] = '\0';
        if (!strchr(entry, '/')) {
            check(lg_allowlist_match(out, entry) == 1);
            check(lg_allowlist_match(spec, entry) == 1);
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

/* An address that parses formats to canonical text that parses to the same address
 * and formats to itself; a buffer one byte short is refused, never overrun. */
static void address_roundtrip(const char *ip)
{
    lg_netaddr a, b;
    char text[64], again[64];
    if (lg_netaddr_parse(&a, ip, strlen(ip)) != LG_OK)
        return;
    check(lg_netaddr_format(text, sizeof text, &a) == LG_OK);
    check(lg_netaddr_parse(&b, text, strlen(text)) == LG_OK);
    check(memcmp(a.b, b.b, sizeof a.b) == 0 && a.v4 == b.v4);
    check(lg_netaddr_format(again, sizeof again, &b) == LG_OK && strcmp(text, again) == 0);
    check(lg_netaddr_format(again, strlen(text), &a) == LG_ERR_OVERFLOW);
    check(lg_allowlist_match(text, ip) == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    check(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *ip = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';

    address_roundtrip(ip);
    static char out[SPEC_MAX], again[SPEC_MAX];
    char msg[256];
    lg_err rc = lg_allowlist_normalize(text, out, sizeof out, msg, sizeof msg);
    check(rc == LG_OK || rc == LG_ERR_INVALID || rc == LG_ERR_OVERFLOW);
    if (rc == LG_OK) {
        check(lg_allowlist_normalize(out, again, sizeof again, msg, sizeof msg) == LG_OK);
        check(strcmp(out, again) == 0);
        listed_match(text, out);
        check(lg_allowlist_match(text, ip) == lg_allowlist_match(out, ip));
        if (out[0] == '\0')
            check(lg_allowlist_match(out, ip) == 1);
    } else if (rc == LG_ERR_INVALID) {
        check_why(msg, sizeof msg);
        check(lg_allowlist_match(text, ip) == 0);
    }
    free(text);
    return 0;
}
