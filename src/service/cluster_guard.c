/* cluster_guard.c - rate limits and the replay cache counted in the store
 * (cluster_guard.h). */
#include "config.h"

#include <lendgate/cluster_guard.h>

#include "service_internal.h"

#include <string.h>

int lg_service_cluster_guards(const lg_config *cfg)
{
    if (!cfg)
        return 0;
    const char *mode = lg_config_str(cfg, "store", "cluster_guards");
    if (strcmp(mode, "on") == 0)
        return 1;
    if (strcmp(mode, "off") == 0)
        return 0;
    return strcmp(lg_config_str(cfg, "store", "backend"), "mongodb") == 0;
}

/* ms from now_ms until at, at least 1 (a time already passed means "retry now"). */
static int64_t until(int64_t at, int64_t now_ms)
{
    return at > now_ms ? at - now_ms : 1;
}

lg_err lg_service_rate_take(lg_service *svc, const char *key, uint32_t rate_per_min, int64_t now_ms,
                            lg_cluster_rate *out)
{
    if (!svc || !svc->st || !key || !*key || rate_per_min == 0 || !out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    lg_store_rate r;
    lg_err rc =
        lg_store_rate_take(svc->st, key, LG_CLUSTER_RATE_WINDOW_MS, rate_per_min, now_ms, &r);
    if (rc != LG_OK)
        return rc;
    out->allowed = r.allowed;
    out->limit = rate_per_min;
    out->remaining = r.estimate >= rate_per_min ? 0 : rate_per_min - (uint32_t)r.estimate;
    if (out->remaining == 0)
        out->reset_ms = until(r.retry_at_ms, now_ms);
    if (!out->allowed)
        out->retry_after_ms = out->reset_ms;
    return LG_OK;
}

lg_err lg_service_replay_claim(lg_service *svc, const unsigned char digest[LG_CLUSTER_DIGEST_LEN],
                               int64_t now_ms, int64_t window_ms)
{
    if (!svc || !svc->st || !digest)
        return LG_ERR_INVALID;
    return lg_store_replay_claim(svc->st, digest, now_ms, window_ms);
}
