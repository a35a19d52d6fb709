/* server.c - the route table and the pipeline of one call: route, authenticate,
 * handle, audit, answer. */
#include "config.h"

#include <lendgate/http.h>

#include <lendgate/admin_handlers.h>
#include <lendgate/audit.h>
#include <lendgate/auth.h>
#include <lendgate/bodies.h>
#include <lendgate/handlers.h>
#include <lendgate/log.h>
#include <lendgate/metrics.h>
#include <lendgate/observe.h>
#include <lendgate/ops_handlers.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>
#include <lendgate/webhook_handlers.h>
#include <lendgate/status.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* has_body value of a route whose JSON body may be left out entirely (no body and no
 * Content-Type); a body that is given must still be application/json. */
#define BODY_OPTIONAL 2

/* The one route table of the partner and admin APIs. */
static const lg_route routes[] = {
    {"GET", "/partners/public/oaid/:oaidTokenId/credit-line", LG_AUTH_PUBLIC, 1, 0,
     lg_h_credit_line},
    {"GET", "/partners/public/position/:positionId/details", LG_AUTH_PUBLIC, 1, 0, lg_h_position},
    {"POST", "/partners/borrow", LG_AUTH_PARTNER, 1, 1, lg_h_borrow},
    {"POST", "/partners/repay", LG_AUTH_PARTNER, 1, 1, lg_h_repay},
    {"POST", "/partners/deposits", LG_AUTH_PARTNER, 1, 1, lg_h_deposit},
    {"GET", "/partners/loan/:partnerLoanId", LG_AUTH_PARTNER, 0, 0, lg_h_loan},
    {"GET", "/partners/user/:userWallet/loans", LG_AUTH_PARTNER, 0, 0, lg_h_user_loans},
    {"GET", "/partners/my/stats", LG_AUTH_PARTNER, 0, 0, lg_h_stats},
    {"GET", "/partners/my/transactions", LG_AUTH_PARTNER, 0, 0, lg_h_transactions},
    /* Admin: the literal paths come before /admin/partners/:partnerId, since the
     * first pattern that matches wins. */
    {"POST", "/admin/partners/create", LG_AUTH_ADMIN, 0, 1, lg_h_admin_create},
    {"GET", "/admin/partners/audit-logs", LG_AUTH_ADMIN, 0, 0, lg_h_admin_api_logs},
    {"GET", "/admin/partners", LG_AUTH_ADMIN, 0, 0, lg_h_admin_list},
    {"GET", "/admin/audit", LG_AUTH_ADMIN, 0, 0, lg_h_admin_audit},
    {"POST", "/admin/partners/:partnerId/regenerate-api-key", LG_AUTH_ADMIN, 0, BODY_OPTIONAL,
     lg_h_admin_rotate_key},
    {"POST", "/admin/partners/:partnerId/regenerate-signing-secret", LG_AUTH_ADMIN, 0, 0,
     lg_h_admin_rotate_signing},
    {"POST", "/admin/partners/:partnerId/suspend", LG_AUTH_ADMIN, 0, 0, lg_h_admin_suspend},
    {"POST", "/admin/partners/:partnerId/activate", LG_AUTH_ADMIN, 0, 0, lg_h_admin_activate},
    {"GET", "/admin/partners/:partnerId/analytics", LG_AUTH_ADMIN, 0, 0, lg_h_admin_analytics},
    {"GET", "/admin/partners/:partnerId", LG_AUTH_ADMIN, 0, 0, lg_h_admin_show},
    {"PATCH", "/admin/partners/:partnerId", LG_AUTH_ADMIN, 0, 1, lg_h_admin_update},
    /* Webhook operations: admin (every action audited) and the partner's own. */
    {"GET", "/admin/webhooks/deliveries", LG_AUTH_ADMIN, 0, 0, lg_h_admin_webhook_list},
    {"GET", "/admin/webhooks/deliveries/:eventId", LG_AUTH_ADMIN, 0, 0, lg_h_admin_webhook_show},
    {"POST", "/admin/webhooks/deliveries/:eventId/replay", LG_AUTH_ADMIN, 0, 0,
     lg_h_admin_webhook_replay},
    {"POST", "/admin/partners/:partnerId/webhooks/replay", LG_AUTH_ADMIN, 0, 1,
     lg_h_admin_webhook_replay_since},
    {"POST", "/admin/partners/:partnerId/webhooks/enable", LG_AUTH_ADMIN, 0, 0,
     lg_h_admin_webhook_enable},
    {"POST", "/admin/partners/:partnerId/webhooks/test", LG_AUTH_ADMIN, 0, BODY_OPTIONAL,
     lg_h_admin_webhook_test},
    {"POST", "/admin/partners/:partnerId/webhooks/rotate-secret", LG_AUTH_ADMIN, 0, BODY_OPTIONAL,
     lg_h_admin_webhook_rotate},
    {"GET", "/partners/webhooks/deliveries", LG_AUTH_PARTNER, 0, 0, lg_h_webhook_list},
    {"GET", "/partners/webhooks/deliveries/:eventId", LG_AUTH_PARTNER, 0, 0, lg_h_webhook_show},
    {"POST", "/partners/webhooks/test", LG_AUTH_PARTNER, 0, BODY_OPTIONAL, lg_h_webhook_test},
    /* Operations: the scrape (protected like /admin) and the health probes. */
    {"GET", "/metrics", LG_AUTH_METRICS, 0, 0, lg_h_metrics},
    {"GET", "/healthz", LG_AUTH_PROBE, 0, 0, lg_h_healthz},
    {"GET", "/readyz", LG_AUTH_PROBE, 0, 0, lg_h_readyz},
    /* Admin: loans. */
    {"POST", "/admin/loans/:loanId/default", LG_AUTH_ADMIN, 0, BODY_OPTIONAL,
     lg_h_admin_loan_default},
};

const lg_route *lg_http_routes(size_t *n)
{
    if (n)
        *n = sizeof routes / sizeof *routes;
    return routes;
}

/* Opens the service: with the chain when possible, else the store only. */
static void open_service(lg_http_server *srv)
{
    char err[256] = "";
    lg_service_close(srv->svc);
    srv->svc = NULL;
    srv->has_chain = 0;
    srv->broken = 0;
    srv->next_open_ms = lg_time_mono_ms() + LG_HTTP_REOPEN_MS;
    lg_err rc = lg_service_open(&srv->svc, srv->cfg, err, sizeof err);
    if (rc == LG_OK) {
        srv->has_chain = 1;
        lg_service_set_metrics(srv->svc, srv->metrics);
        return;
    }
    lg_warn("service.open", "chain unavailable, serving store routes only: %s", err);
    rc = lg_service_open_store_only(&srv->svc, srv->cfg, err, sizeof err);
    if (rc != LG_OK) {
        srv->svc = NULL;
        lg_error("service.open", "store unavailable: %s", err);
    }
    lg_service_set_metrics(srv->svc, srv->metrics);
}

/* This process's metrics file; without one the worker serves all the same. */
static void open_metrics(lg_http_server *srv)
{
    if (!lg_config_bool(srv->cfg, "metrics", "enabled") ||
        lg_service_metrics_dir(srv->cfg, srv->metrics_dir, sizeof srv->metrics_dir) != LG_OK)
        return;
    lg_err rc = lg_metrics_open(srv->metrics_dir, &srv->metrics);
    if (rc != LG_OK)
        lg_warn("metrics.open", "no metrics from this worker (%s): %s", srv->metrics_dir,
                lg_strerror(rc));
}

lg_err lg_http_server_init(lg_http_server *srv, const lg_config *cfg)
{
    if (!srv || !cfg)
        return LG_ERR_INVALID;
    memset(srv, 0, sizeof *srv);
    srv->cfg = cfg;
    open_metrics(srv);
    open_service(srv);
    return lg_guard_init(&srv->guard, cfg);
}

void lg_http_server_release(lg_http_server *srv)
{
    if (!srv)
        return;
    lg_service_close(srv->svc);
    srv->svc = NULL;
    lg_guard_release(&srv->guard);
    lg_metrics_close(srv->metrics);
    srv->metrics = NULL;
}

int lg_http_server_flush_due(lg_http_server *srv)
{
    int64_t due = srv && srv->svc ? lg_service_audit_due_in(srv->svc) : -1;
    if (due < 0)
        return -1;
    int64_t backoff = srv->next_flush_ms - lg_time_mono_ms();
    if (backoff > due)
        due = backoff;
    return due > INT_MAX ? INT_MAX : (int)due;
}

void lg_http_server_flush(lg_http_server *srv, int wait)
{
    if (!srv || !srv->svc || lg_time_mono_ms() < srv->next_flush_ms ||
        (!wait && lg_service_audit_due_in(srv->svc) != 0))
        return;
    lg_err rc = lg_service_audit_flush(srv->svc, wait, NULL);
    if (rc == LG_OK || rc == LG_ERR_BUSY) /* busy: another process is flushing it */
        return;
    lg_warn("audit.journal", "the journal's rows wait for the next flush: %s", lg_strerror(rc));
    srv->next_flush_ms = lg_time_mono_ms() + (int64_t)lg_config_u64(srv->cfg, "audit", "flush_ms");
}

void lg_http_fail(lg_http_call *call, int status, const char *message)
{
    lg_response_error(call->resp, status, message, call->req->request_id);
    /* Truncated to the audit column on purpose; a copy rather than snprintf, which
     * gcc flags once a caller's longer message buffer is inlined here. */
    size_t n = message ? strnlen(message, sizeof call->error - 1) : 0;
    if (n)
        memcpy(call->error, message, n);
    call->error[n] = '\0';
    /* A failing store is reopened before the next request rather than trusted. */
    if (status == 500)
        call->srv->broken = 1;
}

void lg_http_reply(lg_http_call *call, int status, struct json_object *data)
{
    if (!data) {
        lg_http_fail(call, 500, "Internal error");
        return;
    }
    lg_response_success(call->resp, status, data, call->req->request_id);
}

int lg_http_outcome_failed(lg_http_call *call, const lg_outcome *out)
{
    if (out->err == LG_OK)
        return 0;
    call->err = out->err;
    lg_http_fail(call, lg_http_status(out), out->message[0] ? out->message : "Internal error");
    return 1;
}

int lg_http_page_args(lg_http_call *call, uint32_t *limit, uint64_t *offset)
{
    char lim[32], off[32], msg[160];
    lg_err a = lg_request_query(call->req, "limit", lim, sizeof lim);
    lg_err b = lg_request_query(call->req, "offset", off, sizeof off);
    if ((a != LG_OK && a != LG_ERR_NOT_FOUND) ||
        lg_validate_limit("limit", a == LG_OK ? lim : NULL, LG_PAGE_LIMIT_DEFAULT,
                          LG_PAGE_LIMIT_MAX, limit, msg, sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, a == LG_OK || a == LG_ERR_NOT_FOUND ? msg : "limit: invalid");
        return 0;
    }
    if ((b != LG_OK && b != LG_ERR_NOT_FOUND) ||
        lg_validate_offset("offset", b == LG_OK ? off : NULL, offset, msg, sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, b == LG_OK || b == LG_ERR_NOT_FOUND ? msg : "offset: invalid");
        return 0;
    }
    return 1;
}

int lg_http_date_arg(lg_http_call *call, const char *name, int64_t *ms)
{
    char text[64], msg[160];
    *ms = 0;
    lg_err rc = lg_request_query(call->req, name, text, sizeof text);
    if (rc == LG_ERR_NOT_FOUND)
        return 1;
    if (rc != LG_OK || lg_validate_date(name, text, ms, msg, sizeof msg) != LG_OK) {
        if (rc != LG_OK)
            snprintf(msg, sizeof msg, "%s: invalid", name);
        lg_http_fail(call, 400, msg);
        return 0;
    }
    return 1;
}

/* 1 when the store is there, reopening the service when it is broken or missing. */
static int store_ready(lg_http_call *call)
{
    lg_http_server *srv = call->srv;
    if (srv->broken || (!srv->svc && lg_time_mono_ms() >= srv->next_open_ms))
        open_service(srv);
    if (!srv->svc) {
        lg_http_fail(call, 503, "Store unavailable");
        return 0;
    }
    return 1;
}

int lg_http_chain_ready(lg_http_call *call)
{
    lg_http_server *srv = call->srv;
    if (!srv->has_chain && lg_time_mono_ms() >= srv->next_open_ms)
        open_service(srv);
    if (srv->svc && srv->has_chain)
        return 1;
    lg_http_fail(call, 503, "Chain node unavailable");
    return 0;
}

/* Answers with the guard's refusal (when it has one) and its rate-limit headers.
 * Returns 1 when the call may go on. */
static int apply_verdict(lg_http_call *call, const lg_guard_verdict *v)
{
    lg_response *resp = call->resp;
    if (v->status)
        lg_http_fail(call, v->status, v->message);
    snprintf(resp->ratelimit_policy, sizeof resp->ratelimit_policy, "%s", v->ratelimit_policy);
    snprintf(resp->ratelimit, sizeof resp->ratelimit, "%s", v->ratelimit);
    snprintf(resp->retry_after, sizeof resp->retry_after, "%s", v->retry_after);
    return v->status == 0;
}

/* Unauthenticated traffic is limited per client address: charge counts the call,
 * else only a client already over its budget is refused. */
static int ip_admitted(lg_http_call *call, int charge)
{
    lg_guard_verdict v;
    lg_guard_ip(&call->srv->guard, call->req->client_ip, charge, lg_time_now_ms(), &v);
    return apply_verdict(call, &v);
}

/* A refused credential (401) costs the client address one request of its budget: a
 * client guessing keys or signatures meets 429 after ip_rpm tries. */
static void refuse_credential(lg_http_call *call, int status, const char *msg)
{
    if (status == 401 && !ip_admitted(call, 1))
        return;
    lg_http_fail(call, status, msg);
}

static int authenticate_partner(lg_http_call *call)
{
    char msg[128];
    int status = 0;
    if (!ip_admitted(call, 0))
        return 0;
    lg_api_key key;
    lg_err rc = lg_auth_partner(call->srv->svc, call->req->authorization, &call->partner, &key,
                                &status, msg, sizeof msg);
    if (rc == LG_OK || rc == LG_ERR_SUSPENDED || rc == LG_ERR_INACTIVE) {
        call->have_partner = 1;
        lg_audit_begin(&call->audit, call->req, call->route->pattern, call->partner.id);
        call->audit.key_id = key.id;
        lg_audit_sanitize(call->audit.payload, sizeof call->audit.payload, call->req->body,
                          call->req->body_len, call->req->query);
    }
    if (rc != LG_OK) {
        refuse_credential(call, status, msg);
        return 0;
    }
    lg_guard_verdict v;
    lg_guard_partner(&call->srv->guard, call->srv->svc, &call->partner, call->req, lg_time_now_ms(),
                     &v);
    if (v.status == 401) {
        refuse_credential(call, 401, v.message);
        return 0;
    }
    return apply_verdict(call, &v);
}

static int authenticate(lg_http_call *call)
{
    char msg[128];
    int status = 0;
    if (call->route->auth == LG_AUTH_PUBLIC)
        return ip_admitted(call, 1);
    if (call->route->auth == LG_AUTH_PROBE)
        return 1;
    if (call->route->auth == LG_AUTH_ADMIN || call->route->auth == LG_AUTH_METRICS) {
        lg_err rc =
            call->route->auth == LG_AUTH_ADMIN
                ? lg_auth_admin(call->srv->cfg, call->req->remote_user, &status, msg, sizeof msg)
                : lg_auth_metrics(call->srv->cfg, call->req->remote_user, &status, msg, sizeof msg);
        if (rc == LG_OK)
            return 1;
        lg_http_fail(call, status, msg);
        return 0;
    }
    return authenticate_partner(call);
}

static void run(lg_http_call *call)
{
    lg_request *req = call->req;
    if (call->route->auth == LG_AUTH_PROBE) {
        call->route->handler(call); /* answers whatever the state of the store */
        return;
    }
    if (!store_ready(call) || !authenticate(call))
        return;
    int body_left_out = call->route->has_body == BODY_OPTIONAL && req->body_len == 0;
    if (call->route->has_body && !body_left_out && !lg_content_type_is_json(req->content_type)) {
        lg_http_fail(call, 415, "Content-Type must be application/json");
        return;
    }
    if (!call->route->has_body && req->body_len > 0) {
        lg_http_fail(call, 400, "body: this endpoint takes no body");
        return;
    }
    uint32_t slot = UINT32_MAX;
    if (call->route->needs_chain && !lg_guard_chain_enter(&call->srv->guard, &slot)) {
        lg_http_fail(call, 503, "Chain node busy, retry shortly");
        snprintf(call->resp->retry_after, sizeof call->resp->retry_after, "1");
        return;
    }
    call->route->handler(call);
    lg_guard_chain_leave(&call->srv->guard, slot);
}

static void route(lg_http_call *call)
{
    lg_request *req = call->req;
    char allow[64] = "", msg[128];
    int status = 0;
    if (req->body_too_large) {
        snprintf(msg, sizeof msg, "body: larger than %llu bytes",
                 (unsigned long long)lg_config_u64(call->srv->cfg, "http", "max_body_bytes"));
        lg_http_fail(call, 413, msg);
        return;
    }
    size_t n = 0;
    const lg_route *table = lg_http_routes(&n);
    lg_err routed = lg_router_match(table, n, req, &call->route, &status, allow, sizeof allow);
    /* Read only for the routes that report it: it is a system call, not a vDSO read. */
    if (routed == LG_OK && call->route->needs_chain)
        call->cpu_start_us = lg_time_cpu_us();
    if (routed != LG_OK) {
        if (status == 405) {
            snprintf(msg, sizeof msg, "Method %s not allowed here", req->method);
            lg_http_fail(call, 405, msg);
            snprintf(call->resp->allow, sizeof call->resp->allow, "%s", allow);
        } else if (status == 400) {
            snprintf(msg, sizeof msg, "%s: %s", req->bad_param[0] ? req->bad_param : "path",
                     routed == LG_ERR_OVERFLOW ? "too long" : "bad percent-escape");
            lg_http_fail(call, 400, msg);
        } else {
            lg_http_fail(call, 404, "Route not found");
        }
        return;
    }
    if (req->query_too_long) {
        lg_http_fail(call, 400, "query: too long");
        return;
    }
    run(call);
}

/* The call in this process's metrics: partner_api_requests_total, its duration, and
 * partner_api_errors_total and the rate-limit refusals for a failure. */
static void record(const lg_http_call *call, int64_t elapsed_ms)
{
    lg_metrics *m = call->srv->metrics;
    char base[LG_METRICS_LABELS_MAX] = "", labels[LG_METRICS_LABELS_MAX], status[8];
    if (!m)
        return;
    int code = call->resp->status;
    const char *partner = call->have_partner ? call->partner.id : "";
    if (lg_metrics_label(base, sizeof base, "partner_id", partner) != LG_OK ||
        lg_metrics_label(base, sizeof base, "endpoint",
                         call->route ? call->route->pattern : "unmatched") != LG_OK)
        return;
    lg_metrics_observe(m, "partner_api_request_duration_seconds", base,
                       (double)elapsed_ms / 1000.0);
    snprintf(status, sizeof status, "%d", code);
    memcpy(labels, base, sizeof base);
    if (lg_metrics_label(labels, sizeof labels, "status_code", status) == LG_OK)
        lg_metrics_count(m, "partner_api_requests_total", labels, 1);
    if (code < 400)
        return;
    labels[0] = '\0';
    if (lg_metrics_label(labels, sizeof labels, "partner_id", partner) == LG_OK &&
        lg_metrics_label(labels, sizeof labels, "error_type",
                         lg_http_error_type(call->err, code)) == LG_OK)
        lg_metrics_count(m, "partner_api_errors_total", labels, 1);
    if (code == 429)
        lg_metrics_count(m, "lendgate_ratelimit_refusals_total",
                         call->have_partner ? "scope=\"partner\"" : "scope=\"ip\"", 1);
}

/* What a call that reached the chain spent waiting for the node, what it spent in
 * lendgate (the rest) and the CPU time the responder used meanwhile (its chain calls'
 * included), in the Server-Timing header: for partners tracing a slow borrow, and for
 * the benchmark, which tells lendgate's work from its waiting by the last two. */
static void server_timing(lg_http_call *call, int64_t total_us, int64_t cpu_us)
{
    int64_t chain = lg_service_chain_us(call->srv->svc, 0);
    if (chain > total_us)
        chain = total_us;
    snprintf(call->resp->server_timing, sizeof call->resp->server_timing,
             "chain;dur=%.3f, app;dur=%.3f, cpu;dur=%.3f", (double)chain / 1000.0,
             (double)(total_us - chain) / 1000.0, (double)cpu_us / 1000.0);
}

void lg_http_reopen_due(lg_http_call *call)
{
    lg_http_server *srv = call->srv;
    if ((srv->broken || !srv->svc || !srv->has_chain) && lg_time_mono_ms() >= srv->next_open_ms)
        open_service(srv);
}

void lg_http_handle(lg_http_server *srv, lg_request *req, lg_response *resp)
{
    if (!srv || !req || !resp)
        return;
    lg_http_call call = {.srv = srv, .req = req, .resp = resp};
    int64_t start_us = lg_time_mono_us();
    lg_service_chain_us(srv->svc, 1);
    lg_log_set_request_id(req->request_id);
    lg_service_set_crash_point(req->crash_at);
    lg_service_set_store_fault(req->store_fault);
    route(&call);
    lg_service_set_crash_point(NULL);
    lg_service_set_store_fault(NULL); /* the call's audit row is written as always */
    if (!resp->body)
        lg_http_fail(&call, 500, "Internal error");
    if (call.have_partner && srv->svc) {
        lg_err rc = lg_audit_finish(srv->svc, &call.audit, req, resp->status,
                                    call.error[0] ? call.error : NULL);
        if (rc != LG_OK)
            lg_error("audit.write", "partner_api_logs row not written: %s", lg_strerror(rc));
    }
    int64_t elapsed = lg_time_mono_ms() - req->start_mono_ms;
    record(&call, elapsed);
    if (call.route && call.route->needs_chain)
        server_timing(&call, lg_time_mono_us() - start_us, lg_time_cpu_us() - call.cpu_start_us);
    /* The web server's access log has every call already: ours only when asked for,
     * and for a failure of our own. */
    if (resp->status >= 500 || lg_config_bool(srv->cfg, "log", "requests"))
        lg_log(resp->status >= 500 ? LG_LOG_WARN : LG_LOG_INFO, "http.request",
               "%s %s status=%d ms=%lld", req->method, call.route ? call.route->pattern : "-",
               resp->status, (long long)elapsed);
    lg_log_set_request_id(NULL);
}
