/*
 * ops_handlers.h - what the operator's tools poll: GET /metrics (Prometheus text
 * format 0.0.4, admitted by lg_auth_metrics: the web-server snippets protect it like
 * /admin), GET /healthz (the responder answers) and GET /readyz (what a request
 * needs is there), both JSON, unauthenticated and never rate-limited.
 */
#ifndef LENDGATE_OPS_HANDLERS_H
#define LENDGATE_OPS_HANDLERS_H

#include <lendgate/http.h>

/* GET /metrics: 200, every process's counters summed and the gauges read now
 * (observe.h); 500 when the metrics directory cannot be read. */
void lg_h_metrics(lg_http_call *call);

/* GET /healthz: 200 {"status":"ok","version","pid"}, whatever the store and chain. */
void lg_h_healthz(lg_http_call *call);

/* GET /readyz: 200 {"status":"ready","checks":{...}} when the store can write, the chain
 * node answers on [chain] chain_id and the platform key is loaded; else 503
 * {"success":false,"status":"not_ready","checks":{...}} saying which failed. */
void lg_h_readyz(lg_http_call *call);

#endif
