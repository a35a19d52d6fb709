/*
 * cluster_guard.h - partner rate limits and the signature replay cache counted in the
 * store, for deployments where several hosts serve one partner ([store]
 * cluster_guards; docs/scale-out.md).
 *
 * The HTTP guard (guard.h) keeps its per-host shared-memory tables as a first filter
 * and, when cluster guards are on, asks these functions next: a host's tables only see
 * that host's traffic, so N hosts behind a balancer would otherwise admit N times a
 * partner's rate and accept a signature replayed to another host. Each call is one
 * store operation (store.h: lg_store_rate_take, lg_store_replay_claim). A store that
 * cannot answer is an error here; the guard refuses with 503 then, as it does when
 * its own tables are unavailable, rather than admit what it cannot count.
 */
#ifndef LENDGATE_CLUSTER_GUARD_H
#define LENDGATE_CLUSTER_GUARD_H

#include <stdint.h>

#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/service.h>

/* The rate limits' window: their rates are per minute. */
#define LG_CLUSTER_RATE_WINDOW_MS 60000
/* Bytes of a replay digest (the SHA-256 of a signature, never the signature). */
#define LG_CLUSTER_DIGEST_LEN 32

/* What the cluster's count says about one request, in the terms of ratelimit.h's
 * result: the guard renders its headers from it. */
typedef struct lg_cluster_rate {
    int allowed;            /* 1 admitted and counted, 0 refused */
    uint32_t limit;         /* the rate, requests per minute */
    uint32_t remaining;     /* limit minus the sliding estimate, 0 at or over */
    int64_t reset_ms;       /* remaining 0: ms until a request is admitted again; else 0 */
    int64_t retry_after_ms; /* refused: reset_ms; else 0 */
} lg_cluster_rate;

/* 1 when [store] cluster_guards resolves to on: "on", or "auto" with the mongodb
 * backend (several hosts share a MongoDB store; a SQLite file normally serves one). */
int lg_service_cluster_guards(const lg_config *cfg);

/* Counts one request of key (a rate-limit key such as "p:<partner id>") at now_ms
 * against rate_per_min across every host. Out: *out. Returns LG_OK (see
 * out->allowed), LG_ERR_INVALID (NULL, empty key, rate 0), or the store's error
 * (the caller refuses with 503). */
lg_err lg_service_rate_take(lg_service *svc, const char *key, uint32_t rate_per_min, int64_t now_ms,
                            lg_cluster_rate *out);

/* Claims digest for window_ms from now_ms across every host. Returns LG_OK (first
 * use: accept), LG_ERR_DUPLICATE (a replay), LG_ERR_INVALID, or the store's error. */
lg_err lg_service_replay_claim(lg_service *svc, const unsigned char digest[LG_CLUSTER_DIGEST_LEN],
                               int64_t now_ms, int64_t window_ms);

#endif
