/* store_fixture.c - partners for tests, onboarded as the admin create does. */
#include "config.h"

#include "store_fixture.h"

#include <stdio.h>
#include <string.h>

/* FNV-1a: spreads partner ids over the key hashes, so processes that share one
 * database file (each with its own counter) never make the same hash. */
static unsigned long long fnv1a(const char *s)
{
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

lg_err lg_test_partner_add(lg_store *st, const lg_partner *p, lg_api_key *key)
{
    static unsigned long long made;
    lg_api_key k;
    int64_t id = 0;
    memset(&k, 0, sizeof k);
    if (p) {
        snprintf(k.partner_id, sizeof k.partner_id, "%s", p->id);
        snprintf(k.key_hash, sizeof k.key_hash, "%016llx%048llx", fnv1a(p->id), ++made);
        snprintf(k.prefix, sizeof k.prefix, "pk_%.13s", p->key_prefix);
    }
    snprintf(k.env, sizeof k.env, "live");
    lg_err rc = lg_store_partner_onboard(st, p, &k, NULL, &id);
    if (key) {
        *key = k;
        key->id = id;
    }
    return rc;
}
