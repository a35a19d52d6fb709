/*
 * http.h - the request pipeline of one responder process: route, authenticate,
 * run the handler, audit, answer. Thin over the service layer: handlers validate
 * input into typed requests, call service.h/queries.h and render JSON.
 *
 * One lg_http_server per worker, made after fork and kept for the worker's life. It
 * owns the lg_service. When the chain node cannot be reached at start the worker
 * still serves from the store (chain routes answer 503) and retries the chain at
 * most every LG_HTTP_REOPEN_MS; a store failure makes it reopen the service before
 * the next request instead of dying.
 */
#ifndef LENDGATE_HTTP_H
#define LENDGATE_HTTP_H

#include <stdint.h>

#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/guard.h>
#include <lendgate/request.h>
#include <lendgate/response.h>
#include <lendgate/router.h>
#include <lendgate/service.h>
#include <lendgate/model.h>

struct json_object;

#define LG_HTTP_REOPEN_MS 5000

typedef struct lg_http_server {
    const lg_config *cfg;       /* borrowed from the caller, outlives the server */
    lg_service *svc;            /* owned; NULL while the store cannot be opened */
    int has_chain;              /* svc was opened with the chain */
    int broken;                 /* reopen svc before the next request */
    int64_t next_open_ms;       /* monotonic time of the next reopen attempt */
    lg_guard guard;             /* rate limits, allowlists, signatures */
    struct lg_metrics *metrics; /* this process's counters, NULL when off or unusable */
    char metrics_dir[512];
    int64_t next_flush_ms; /* monotonic: no journal flush before (after one failed) */
} lg_http_server;

/* The state of one call, handed to the route's handler. */
typedef struct lg_http_call {
    lg_http_server *srv;
    lg_request *req;
    lg_response *resp;
    const lg_route *route;
    lg_partner partner; /* valid when have_partner */
    int have_partner;
    lg_api_log audit; /* the row written for an authenticated call */
    char error[LG_REASON_LEN];
    lg_err err;           /* the service's class of a failed outcome, LG_OK when none */
    int64_t cpu_start_us; /* the process's CPU clock once a chain route matched (Server-Timing) */
} lg_http_call;

/*
 * Sets srv up for cfg and opens the service (with the chain if it can, else the
 * store only, else nothing yet: every attempt is retried later). Never fails for a
 * service that will not open; returns LG_OK, LG_ERR_INVALID (NULL).
 */
lg_err lg_http_server_init(lg_http_server *srv, const lg_config *cfg);

/* Reopens the service when it is missing (or lacks the chain) and a retry is due:
 * for the health probes, which answer whatever the state is. */
void lg_http_reopen_due(lg_http_call *call);

/* Closes the service. NULL is fine. */
void lg_http_server_release(lg_http_server *srv);

/* How long the worker may wait for its next call before it flushes the audit journal
 * (lg_http_server_flush): -1 forever, 0 flush now. */
int lg_http_server_flush_due(lg_http_server *srv);

/* Moves the audit journal's waiting rows into the store when a flush is due (wait 0:
 * only when no other process is at it; 1: after it). Between calls, never in one. */
void lg_http_server_flush(lg_http_server *srv, int wait);

/*
 * Answers req into resp (whose body the caller releases with lg_response_release):
 * 413 for a body too large, 404/405 (with Allow) for routes, 401/403 from auth,
 * 415 for a body that is not application/json, 503 while the store or chain is
 * unavailable, the guard's 403/401/429 (guard.h), else the handler's answer. Writes the audit row
 * of authenticated calls. Never fails: every problem is an error response.
 */
void lg_http_handle(lg_http_server *srv, lg_request *req, lg_response *resp);

/* Makes the call's response the error (status, message) and records the message
 * for the audit row. */
void lg_http_fail(lg_http_call *call, int status, const char *message);

/* 1 when the chain node is reachable (retrying the full service open when due),
 * else 0 with the call answered 503. Chain handlers call it after validating input,
 * so bad input is 400 whether or not the chain is up. The service may be reopened:
 * store handles taken before the call are stale after it. */
int lg_http_chain_ready(lg_http_call *call);

/* Answers the call with status and data (json-c reference taken), or 500 when data is
 * NULL because it could not be built. */
void lg_http_reply(lg_http_call *call, int status, struct json_object *data);

/* 0 when out is a success; else 1 with the call answered lg_http_status(out) and out's
 * message ("Internal error" when the service left it empty). */
int lg_http_outcome_failed(lg_http_call *call, const lg_outcome *out);

/* Reads the limit and offset query arguments (validate.h's defaults and bounds) into
 * *limit and *offset; 1, or 0 with the call answered 400 naming the argument. */
int lg_http_page_args(lg_http_call *call, uint32_t *limit, uint64_t *offset);

/* Reads the optional date query argument name into *ms (0 when absent); 1, or 0 with
 * the call answered 400 naming the argument. */
int lg_http_date_arg(lg_http_call *call, const char *name, int64_t *ms);

/* The route table: *n routes, static. */
const lg_route *lg_http_routes(size_t *n);

#endif
