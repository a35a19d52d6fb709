/* access.c - who calls, and the audit row of every answered call: the service side of
 * partner authentication (the key's hash looked up, its use noted) and the trail. */
#include "config.h"

#include "service_internal.h"

#include <lendgate/apikey.h>
#include <lendgate/log.h>
#include <lendgate/sha256.h>

/* How long a key's last_used_at is left alone after it was written: a busy key costs
 * one write a minute, not one per request. */
#define TOUCH_INTERVAL_MS 60000

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
    lg_err rc = lg_store_partner_by_key(svc->st, hash, partner, key);
    lg_memwipe(hash, sizeof hash);
    if (rc == LG_ERR_NOT_FOUND)
        return LG_ERR_AUTH;
    if (rc == LG_OK && lg_store_key_touch(svc->st, key->id, TOUCH_INTERVAL_MS, NULL) != LG_OK)
        lg_warn("auth.touch", "last_used_at not written for key %lld", (long long)key->id);
    return rc;
}

lg_err lg_service_audit(lg_service *svc, const lg_api_log *row)
{
    if (!svc || !row)
        return LG_ERR_INVALID;
    lg_err rc = lg_store_api_log_append(svc->st, row);
    if (rc == LG_OK || rc == LG_ERR_INVALID)
        return rc;
    /* The call was answered: its row waits in the spool for reconcile, not lost. */
    if (lg_svc_spool_row(svc, row) != LG_OK)
        return rc;
    lg_warn("audit.spooled", "row of request %s spooled: %s", row->request_id, lg_strerror(rc));
    return LG_OK;
}
