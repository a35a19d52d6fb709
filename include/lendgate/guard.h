/*
 * guard.h - the security checks between authentication and the handler: per-IP and
 * per-partner rate limits (ratelimit.h), partner IP allowlists (netaddr.h), HMAC
 * request signatures (signature.h) and their replay cache (replay.h).
 *
 * One lg_guard per worker, opened after fork next to the service. Its shared tables
 * are files under [store] state_dir mapped by every worker of the host, so limits
 * and the replay cache are common to the pool and survive its restart. A table that
 * cannot be opened is retried at most every LG_GUARD_REOPEN_MS; meanwhile the checks
 * that need it refuse with 503, because admitting unlimited or replayable traffic
 * is worse than refusing it.
 *
 * Order for a partner call: (before authentication) an IP that exhausted its budget
 * for unauthenticated traffic gets 429 without its key being looked at; (after) the
 * allowlist (403), the signature and its freshness (401), the replay cache (401),
 * then the partner's rate (429). A call failing authentication is charged to its IP.
 *
 * With cluster guards ([store] cluster_guards, cluster_guard.h) the partner's rate
 * and the replay cache are also counted in the store, so every host sharing it
 * counts together. The host's rate table stays in front at the same rate: it can
 * only refuse a request earlier than the store would (when this host alone saw the
 * whole rate), never admit one the store refuses, and it spares the store the
 * round trip for a partner already over its rate on this host. Replay claims go to
 * the store alone: recording a signature on the host before the store decided
 * would turn a 503 (store unreachable) into a 401 for the partner's retry. The
 * per-IP limit on unauthenticated traffic stays per host: counting it in the store
 * would hand every anonymous request a store write. The store unreachable means
 * 503 for signed and rate-limited partner calls.
 */
#ifndef LENDGATE_GUARD_H
#define LENDGATE_GUARD_H

#include <stdint.h>

#include <lendgate/chaincap.h>
#include <lendgate/cluster_guard.h>
#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/ratelimit.h>
#include <lendgate/replay.h>
#include <lendgate/request.h>
#include <lendgate/model.h>

#define LG_GUARD_REOPEN_MS 5000

typedef struct lg_guard {
    const lg_config *cfg; /* borrowed */
    lg_ratelimit *rl;     /* owned; NULL until it opens */
    lg_replay *replay;    /* owned; NULL until it opens */
    lg_chaincap *chain;   /* owned; NULL until it opens */
    int64_t next_open_ms; /* monotonic time of the next attempt */
    int cluster;          /* lg_service_cluster_guards: partner rates and replays in the store */
} lg_guard;

/* What a check decided. status 0: go on; else the HTTP status and message to answer
 * with. The header values are set whenever a rate limit was consulted ("" else). */
typedef struct lg_guard_verdict {
    int status;
    char message[160];
    char ratelimit_policy[96];
    char ratelimit[96];
    char retry_after[16];
} lg_guard_verdict;

/* Sets g up for cfg and tries to open the shared tables (failures are logged and
 * retried later). Returns LG_OK, LG_ERR_INVALID (NULL). */
lg_err lg_guard_init(lg_guard *g, const lg_config *cfg);

/* Unmaps the tables; the files stay. NULL is fine. */
void lg_guard_release(lg_guard *g);

/* Takes one of the host's [chain] max_concurrent_calls slots for a request that needs
 * the chain node (chaincap.h). Out: *slot (UINT32_MAX when the table is not open: the
 * request goes on uncapped rather than failing). Returns 1 to go on, 0 when every slot
 * is taken (answer 503 with Retry-After). */
int lg_guard_chain_enter(lg_guard *g, uint32_t *slot);

/* Gives back the slot lg_guard_chain_enter took. */
void lg_guard_chain_leave(lg_guard *g, uint32_t slot);

/*
 * Unauthenticated traffic from client_ip: with charge, counts one request against
 * [ratelimit] ip_rpm; without, only asks whether one would be admitted now. Fills *v.
 */
void lg_guard_ip(lg_guard *g, const char *client_ip, int charge, int64_t now_ms,
                 lg_guard_verdict *v);

/* An authenticated partner's call: allowlist, signature, replay, rate. svc counts
 * them across hosts with cluster guards on (NULL then: 503). Fills *v. */
void lg_guard_partner(lg_guard *g, lg_service *svc, const lg_partner *p, const lg_request *req,
                      int64_t now_ms, lg_guard_verdict *v);

#endif
