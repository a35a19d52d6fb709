/*
 * observe.h - what the service tells an operator: the counters it keeps in this
 * process's metrics file (metrics.h), the scrape of GET /metrics (every process's
 * counters summed, and the gauges read now from the store and the chain), and the
 * readiness checks of GET /readyz.
 */
#ifndef LENDGATE_OBSERVE_H
#define LENDGATE_OBSERVE_H

#include <stdint.h>

#include <lendgate/config.h>
#include <lendgate/metrics.h>
#include <lendgate/service.h>

/* Lends m (may be NULL: no counting) to svc, which counts its chain calls,
 * transactions, reconcile passes and webhook deliveries into it. m outlives svc or
 * is taken back with NULL. */
void lg_service_set_metrics(lg_service *svc, lg_metrics *m);

/* The metrics of svc (NULL when none was lent). */
lg_metrics *lg_service_metrics(const lg_service *svc);

/* Microseconds this service spent in chain calls since the last reset (reset 1 starts
 * the count again), for the Server-Timing of a call. 0 for NULL. */
int64_t lg_service_chain_us(lg_service *svc, int reset);

/* The directory of the metrics files of cfg ([metrics] dir, else
 * [store] state_dir/metrics) into buf. Returns LG_OK, LG_ERR_INVALID, LG_ERR_OVERFLOW. */
lg_err lg_service_metrics_dir(const lg_config *cfg, char *buf, size_t cap);

/*
 * Appends the scrape to out (metrics.h's text): the counters and histograms of every
 * process's file in dir, summed, then the gauges of svc's store and chain (svc may be
 * NULL: counters only). Returns LG_OK, LG_ERR_INVALID, LG_ERR_IO, LG_ERR_NOMEM.
 */
lg_err lg_service_scrape(lg_service *svc, const char *dir, lg_metrics_text *out);

typedef struct lg_readiness {
    int store_ok; /* the store takes a write lock and is not read-only */
    char store_error[160];
    int chain_ok; /* the node answers eth_chainId with [chain] chain_id */
    uint64_t chain_id;
    char chain_error[160];
    int key_ok; /* the platform key is loaded */
} lg_readiness;

/* Checks what a request needs, each within [chain] read_timeout_ms. svc NULL reads
 * as nothing ready. Returns LG_OK (out filled), LG_ERR_INVALID. */
lg_err lg_service_readiness(lg_service *svc, lg_readiness *out);

#endif
