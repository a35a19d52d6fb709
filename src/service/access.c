/* access.c - who calls, and the audit row of every answered call: the service side of
 * partner authentication (the key's hash looked up, its use noted) and the trail. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/apikey.h>
#include <lendgate/log.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>

#include <string.h>
#include <sys/mman.h>

/* How long a key's last_used_at is left alone after it was written, when the store
 * is told of each use directly (no journal): a busy key costs one write a minute. */
#define TOUCH_INTERVAL_MS 60000

/* Keys this process has authenticated. An entry is good while the partner generation
 * it was read under is current (every change of a partner or key moves it, see
 * control.c), its key has not expired, and for at most ENTRY_TTL_MS: a backstop for
 * a change made without the control block (a process that could not map it). */
#define AUTH_SLOTS   32
#define ENTRY_TTL_MS 10000

typedef struct auth_entry {
    char hash[LG_APIKEY_HASH_LEN];
    uint64_t generation;
    int64_t read_ms; /* 0: empty */
    lg_err rc;       /* LG_OK, LG_ERR_SUSPENDED or LG_ERR_INACTIVE */
    lg_partner partner;
    lg_api_key key;
} auth_entry;

struct lg_svc_auth {
    auth_entry e[AUTH_SLOTS];
};

/* The table, mapped on first use and kept out of core dumps: its partners hold their
 * signing and webhook secrets. */
static struct lg_svc_auth *auth_table(lg_service *svc)
{
    if (svc->auth)
        return svc->auth;
    void *p =
        mmap(NULL, sizeof *svc->auth, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_DONTDUMP
    (void)madvise(p, sizeof *svc->auth, MADV_DONTDUMP);
#endif
    return svc->auth = p;
}

void lg_svc_auth_free(lg_service *svc)
{
    if (!svc->auth)
        return;
    lg_memwipe(svc->auth, sizeof *svc->auth);
    munmap(svc->auth, sizeof *svc->auth);
    svc->auth = NULL;
}

static auth_entry *slot_of(struct lg_svc_auth *t, const char *hash)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++)
        v = v * 16 + (unsigned)(hash[i] <= '9' ? hash[i] - '0' : (hash[i] | 0x20) - 'a' + 10);
    return &t->e[v % AUTH_SLOTS];
}

static int entry_good(const auth_entry *e, const char *hash, uint64_t gen, int64_t now)
{
    return e->read_ms != 0 && e->generation == gen && now - e->read_ms < ENTRY_TTL_MS &&
           (e->key.expires_at_ms == 0 || e->key.expires_at_ms > now) && strcmp(e->hash, hash) == 0;
}

/* The store's answer for hash, kept in the table when there is one. The generation
 * is read before the store: a change committed in between moves it past what the
 * entry records, so the entry is never good with what the change replaced. */
static lg_err look_up(lg_service *svc, const char *hash, lg_partner *partner, lg_api_key *key)
{
    int cached = lg_svc_control_ok(svc);
    uint64_t gen = lg_svc_generation(svc);
    int64_t now = lg_time_now_ms();
    struct lg_svc_auth *t = cached ? auth_table(svc) : NULL;
    auth_entry *e = t ? slot_of(t, hash) : NULL;
    if (e && entry_good(e, hash, gen, now)) {
        *partner = e->partner;
        *key = e->key;
        return e->rc;
    }
    lg_err rc = lg_store_partner_by_key(svc->st, hash, partner, key);
    if (e && (rc == LG_OK || rc == LG_ERR_SUSPENDED || rc == LG_ERR_INACTIVE)) {
        memcpy(e->hash, hash, sizeof e->hash);
        e->generation = gen;
        e->read_ms = now;
        e->rc = rc;
        e->partner = *partner;
        e->key = *key;
    }
    return rc;
}

lg_err lg_service_authenticate(lg_service *svc, const char *api_key, lg_partner *partner,
                               lg_api_key *key)
{
    char hash[LG_APIKEY_HASH_LEN];
    if (!svc || !api_key || !partner || !key)
        return LG_ERR_INVALID;
    if (lg_apikey_parse(NULL, api_key) != LG_OK)
        return LG_ERR_AUTH;
    if (lg_apikey_hash(hash, sizeof hash, api_key) != LG_OK)
        return LG_ERR_CRYPTO;
    lg_err rc = look_up(svc, hash, partner, key);
    lg_memwipe(hash, sizeof hash);
    if (rc == LG_ERR_NOT_FOUND)
        return LG_ERR_AUTH;
    /* With the journal, the key's use is noted when its rows are ingested. */
    if (rc == LG_OK && !lg_svc_journal_on(svc) &&
        lg_store_key_touch(svc->st, key->id, TOUCH_INTERVAL_MS, NULL) != LG_OK)
        lg_warn("auth.touch", "last_used_at not written for key %lld", (long long)key->id);
    return rc;
}

lg_err lg_service_audit(lg_service *svc, const lg_api_log *row)
{
    if (!svc || !row)
        return LG_ERR_INVALID;
    lg_err rc = lg_svc_journal_append(svc, row);
    if (rc == LG_OK)
        return rc;
    if (rc == LG_ERR_IO)
        lg_warn("audit.journal", "row of request %s stored directly: the journal failed (%s)",
                row->request_id, lg_strerror(rc));
    rc = lg_store_api_log_append(svc->st, row);
    if (rc == LG_OK || rc == LG_ERR_INVALID)
        return rc;
    /* The call was answered: its row waits in the spool for reconcile, not lost. */
    if (lg_svc_spool_row(svc, row) != LG_OK)
        return rc;
    lg_warn("audit.spooled", "row of request %s spooled: %s", row->request_id, lg_strerror(rc));
    return LG_OK;
}
