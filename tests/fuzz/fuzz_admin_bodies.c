/* fuzz_admin_bodies.c - libFuzzer target: the admin API bodies and
 * partner_platforms.json (admin_bodies.h) on arbitrary bytes. Whatever is accepted
 * holds its promises: the fields are in range and in canonical form, a PATCH mask
 * names only changeable fields and never an empty set, a rotation keeps the
 * caller's defaults for what it does not give, and an import names the entry at
 * fault on refusal and hands back an array the caller frees. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/address.h>
#include <lendgate/admin_bodies.h>
#include <lendgate/netaddr.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The fields every accepted partner description must satisfy. */
static void check_partner(const lg_partner *p, unsigned mask)
{
    check(strnlen(p->name, sizeof p->name) < sizeof p->name);
    check(strnlen(p->webhook_url, sizeof p->webhook_url) < sizeof p->webhook_url);
    check(strnlen(p->contact_email, sizeof p->contact_email) < sizeof p->contact_email);
    if (mask & LG_PF_TIER)
        check(p->tier == LG_TIER_BASIC || p->tier == LG_TIER_PREMIUM ||
              p->tier == LG_TIER_ENTERPRISE);
    if (mask & LG_PF_FEE_BPS)
        check(p->fee_bps <= 10000);
    if ((mask & LG_PF_SETTLEMENT) && p->settlement_address[0])
        check(lg_address_valid(p->settlement_address));
    if (mask & LG_PF_WEBHOOK_URL)
        check(p->webhook_url[0] == '\0' || strncmp(p->webhook_url, "https://", 8) == 0 ||
              strncmp(p->webhook_url, "http://", 7) == 0);
    check(p->webhook_secret[0] == '\0' && p->signing_secret[0] == '\0');
    if (mask & LG_PF_ALLOWLIST) {
        /* Stored in canonical form: normalizing it again changes nothing. */
        char again[LG_ALLOWLIST_LEN], why[160];
        check(lg_allowlist_normalize(p->ip_allowlist, again, sizeof again, why, sizeof why) ==
              LG_OK);
        check(strcmp(again, p->ip_allowlist) == 0);
    }
}

static void create_body(const char *text, size_t size)
{
    lg_admin_create c;
    char msg[320];
    memset(&c, 0, sizeof c);
    if (lg_parse_admin_create(text, size, &c, msg, sizeof msg) != LG_OK) {
        check_why(msg, sizeof msg);
        return;
    }
    check(c.partner.name[0] != '\0' && c.partner.key_prefix[0] != '\0');
    check(c.env == LG_APIKEY_LIVE || c.env == LG_APIKEY_SANDBOX);
    check_partner(&c.partner, ~0u);
}

static void patch_body(const char *text, size_t size)
{
    lg_partner p;
    unsigned mask = 0;
    char msg[320];
    memset(&p, 0, sizeof p);
    if (lg_parse_admin_patch(text, size, &p, &mask, msg, sizeof msg) != LG_OK) {
        check_why(msg, sizeof msg);
        return;
    }
    check(mask != 0 && !(mask & LG_PF_WEBHOOK_SECRET));
    check_partner(&p, mask);
}

static void rotate_body(const char *text, size_t size)
{
    uint64_t grace = 12345;
    lg_apikey_env env = LG_APIKEY_SANDBOX;
    char msg[320];
    if (lg_parse_admin_rotate(text, size, &grace, &env, msg, sizeof msg) != LG_OK) {
        check_why(msg, sizeof msg);
        return;
    }
    check(grace <= 31536000);
    check(env == LG_APIKEY_LIVE || env == LG_APIKEY_SANDBOX);
}

static void import_doc(const char *text, size_t size)
{
    lg_admin_import_entry *entries = NULL;
    size_t n = 0, bad = 0;
    char msg[320];
    if (lg_parse_partner_platforms(text, size, &entries, &n, &bad, msg, sizeof msg) != LG_OK) {
        check_why(msg, sizeof msg);
        check(entries == NULL);
        return;
    }
    check(n <= 1000 && (n == 0 || entries != NULL));
    for (size_t i = 0; i < n; i++) {
        check(entries[i].create.partner.key_prefix[0] != '\0');
        check(entries[i].create.partner.name[0] != '\0');
        check(lg_address_valid(entries[i].create.partner.settlement_address));
        check_partner(&entries[i].create.partner, entries[i].mask);
    }
    free(entries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    create_body(text, size);
    patch_body(text, size);
    rotate_body(text, size);
    import_doc(text, size);
    return 0;
}
