/*
 * observe.c - what the service tells an operator: its counters (kept in this
 * process's metrics file, metrics.h), the gauges a scrape reads from the store and
 * the chain, and the readiness checks of GET /readyz.
 *
 * Gauges are read at scrape time rather than counted, so they are right whichever
 * process changed the state (a responder, reconcile, an admin's lendgatectl).
 */
#include "config.h"

#include "service_internal.h"

#include <lendgate/metrics.h>
#include <lendgate/observe.h>
#include <lendgate/rpc.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USDC_UNIT 1000000u
#define WEI_ETH   1000000000000000000.0
#define PAGE      500  /* partners read per store call */
#define LIST_CAP  1000 /* the store's list cap: a backlog past it reads as 1000 */

/* ------------------------------------------------------------ families */

/* What the processes count into their files (metrics.h): summed by the scrape, and
 * listed even before anything was counted. */
static const lg_metrics_family file_families[] = {
    {"partner_api_requests_total", "counter", "Partner API requests by route and status"},
    {"partner_api_request_duration_seconds", "histogram", "Partner API request duration"},
    {"partner_api_errors_total", "counter", "Partner API errors by type"},
    {"lendgate_ratelimit_refusals_total", "counter", "Requests refused by a rate limit"},
    {"lendgate_chain_rpc_calls_total", "counter", "JSON-RPC calls to the chain node"},
    {"lendgate_chain_rpc_duration_seconds", "histogram", "JSON-RPC call duration"},
    {"lendgate_chain_transactions_total", "counter",
     "Platform transactions sent, replaced, mined, reverted"},
    {"lendgate_reconcile_runs_total", "counter", "reconcile passes by result"},
    {"lendgate_nonce_gaps_filled_total", "counter", "Nonce gaps filled by reconcile"},
    {"lendgate_webhook_deliveries_total", "counter", "Webhook delivery attempts by outcome"},
    {"lendgate_webhook_delivery_duration_seconds", "histogram", "Webhook delivery duration"},
    {"lendgate_metrics_dropped_total", "counter", "Metric updates lost to a full metrics file"},
};

/* What a scrape reads now from the store and the chain. */
static const lg_metrics_family store_families[] = {
    {"partner_borrow_total_usdc", "counter", "USDC borrowed through the partner (confirmed)"},
    {"partner_repay_total_usdc", "counter", "USDC repaid through the partner (applied)"},
    {"partner_outstanding_debt_usdc", "gauge", "Outstanding principal of the partner, USDC"},
    {"partner_daily_limit_usage", "gauge", "Today's borrowing over the daily limit (0..1)"},
    {"partner_daily_limit", "gauge", "Daily borrow limit, USDC"},
    {"partner_total_limit", "gauge", "Total (outstanding) borrow limit, USDC"},
    {"partner_status", "gauge", "1 for the partner's current status"},
    {"lendgate_chain_transactions_unsettled", "gauge", "Platform transactions awaiting a receipt"},
    {"lendgate_chain_up", "gauge", "1 when the chain node answers on the configured chain id"},
    {"lendgate_chain_head_block", "gauge", "The chain node's latest block"},
    {"lendgate_platform_wallet_eth", "gauge", "Platform wallet balance, ETH"},
    {"lendgate_platform_wallet_usdc", "gauge", "Platform wallet balance, USDC"},
    {"lendgate_loans", "gauge", "Partner loans by status"},
    {"lendgate_repayments_pending", "gauge", "Repayments with chain work in flight"},
    {"lendgate_reconcile_backlog", "gauge",
     "Loans pending or settling, repayments pending and transactions awaiting a receipt"},
    {"lendgate_webhook_events", "gauge", "Webhook events by delivery status"},
    {"lendgate_webhook_dead_letters", "gauge", "Webhook events whose retries ran out"},
    {"lendgate_webhook_oldest_pending_seconds", "gauge",
     "Age of the oldest webhook event not yet delivered"},
    {"lendgate_audit_journal_rows_waiting", "gauge",
     "API call rows in the audit journal written since its last ingest began"},
};

/* ------------------------------------------------------------ counters */

void lg_service_set_metrics(lg_service *svc, lg_metrics *m)
{
    if (!svc)
        return;
    svc->metrics = m;
    if (svc->chain) /* also without metrics: it times the chain for Server-Timing */
        lg_rpc_set_observer(lg_chain_rpc(svc->chain), lg_svc_observe_rpc, svc);
}

int64_t lg_service_chain_us(lg_service *svc, int reset)
{
    if (!svc)
        return 0;
    /* A sandbox partner's call spends its chain time in the sandbox's service. */
    int64_t us = svc->chain_us + (svc->sandbox ? svc->sandbox->chain_us : 0);
    if (reset) {
        svc->chain_us = 0;
        if (svc->sandbox)
            svc->sandbox->chain_us = 0;
    }
    return us;
}

lg_metrics *lg_service_metrics(const lg_service *svc)
{
    return svc ? svc->metrics : NULL;
}

void lg_svc_count(lg_service *svc, const char *name, const char *labels)
{
    lg_metrics_count(svc ? svc->metrics : NULL, name, labels ? labels : "", 1);
}

void lg_svc_observe_rpc(void *ctx, const char *method, lg_err result, int64_t elapsed_us)
{
    lg_service *svc = ctx;
    char labels[128] = "";
    svc->chain_us += elapsed_us;
    const char *outcome = result == LG_OK              ? "ok"
                          : result == LG_ERR_TIMEOUT   ? "timeout"
                          : result == LG_ERR_NOT_FOUND ? "ok" /* a receipt not yet mined */
                                                       : "error";
    if (!svc->metrics || lg_metrics_label(labels, sizeof labels, "method", method) != LG_OK)
        return;
    lg_metrics_observe(svc->metrics, "lendgate_chain_rpc_duration_seconds", labels,
                       (double)elapsed_us / 1e6);
    if (lg_metrics_label(labels, sizeof labels, "outcome", outcome) == LG_OK)
        lg_metrics_count(svc->metrics, "lendgate_chain_rpc_calls_total", labels, 1);
}

void lg_svc_tx_event(lg_service *svc, int purpose, const char *event)
{
    static const char *const purposes[] = {"borrow", "transfer", "approve", "repay", "gapfill"};
    char labels[96] = "";
    const char *p = purpose >= 0 && purpose <= LG_TXP_GAPFILL ? purposes[purpose] : "";
    if (svc && svc->metrics && lg_metrics_label(labels, sizeof labels, "purpose", p) == LG_OK &&
        lg_metrics_label(labels, sizeof labels, "event", event) == LG_OK)
        lg_metrics_count(svc->metrics, "lendgate_chain_transactions_total", labels, 1);
}

/* ------------------------------------------------------------ gauges */

static void partner_gauges(lg_service *svc, const lg_partner *p, const char *day,
                           lg_metrics_text *out)
{
    char l[160] = "", a[48], b[48], c[48], d[48], e[48];
    uint64_t used = 0;
    if (lg_metrics_label(l, sizeof l, "partner_id", p->id) != LG_OK)
        return;
    lg_store_daily_usage(svc->st, p->id, day, &used);
    /* USDC as decimal numbers, the way the plan's messages write amounts. */
    lg_amount_format_units(p->total_borrowed, a, sizeof a);
    lg_amount_format_units(p->total_repaid, b, sizeof b);
    lg_amount_format_units(p->outstanding, c, sizeof c);
    lg_amount_format_units(p->daily_limit, d, sizeof d);
    lg_amount_format_units(p->total_limit, e, sizeof e);
    lg_metrics_printf(out, "partner_borrow_total_usdc{%s} %s\n", l, a);
    lg_metrics_printf(out, "partner_repay_total_usdc{%s} %s\n", l, b);
    lg_metrics_printf(out, "partner_outstanding_debt_usdc{%s} %s\n", l, c);
    lg_metrics_printf(out, "partner_daily_limit_usage{%s} %.6f\n", l,
                      p->daily_limit ? (double)used / (double)p->daily_limit : 0.0);
    lg_metrics_printf(out, "partner_daily_limit{%s} %s\n", l, d);
    lg_metrics_printf(out, "partner_total_limit{%s} %s\n", l, e);
    lg_metrics_printf(out, "partner_status{%s,status=\"%s\"} 1\n", l,
                      lg_partner_status_name(p->status));
}

/* Every partner, a page at a time. */
static void partners_gauges(lg_service *svc, lg_metrics_text *out)
{
    char day[LG_DAY_LEN];
    lg_time_day_key(lg_time_now_ms(), day, sizeof day);
    for (uint64_t offset = 0;;) {
        lg_partner_filter f = {-1, -1, PAGE, offset};
        lg_partner *items = NULL;
        size_t n = 0;
        uint64_t total = 0;
        if (lg_store_partner_list(svc->st, &f, &items, &n, &total) != LG_OK)
            return;
        for (size_t i = 0; i < n; i++)
            partner_gauges(svc, &items[i], day, out);
        lg_memwipe(items, n * sizeof *items);
        free(items);
        offset += n;
        if (n == 0 || offset >= total)
            return;
    }
}

static uint64_t loans_in(lg_service *svc, int status)
{
    lg_loan_filter f = {NULL, NULL, status, 1, 0};
    lg_loan *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_store_loan_list(svc->st, &f, &items, &n, &total);
    free(items);
    return total;
}

/* The backlog lists are read up to LIST_CAP: a backlog that large is an emergency
 * however it is counted. */
static void pipeline_gauges(lg_service *svc, lg_metrics_text *out)
{
    uint64_t backlog = 0;
    for (int s = LG_LOAN_PENDING; s <= LG_LOAN_LIQUIDATED; s++) {
        uint64_t n = loans_in(svc, s);
        if (s == LG_LOAN_PENDING || s == LG_LOAN_SETTLING)
            backlog += n;
        lg_metrics_printf(out, "lendgate_loans{status=\"%s\"} %" PRIu64 "\n",
                          lg_loan_status_name((lg_loan_status)s), n);
    }
    lg_repayment *reps = NULL;
    lg_chain_tx *txs = NULL;
    size_t nr = 0, nt = 0;
    lg_store_repay_list_pending(svc->st, LIST_CAP, &reps, &nr);
    lg_store_tx_list_unsettled(svc->st, LIST_CAP, &txs, &nt);
    free(reps);
    free(txs);
    lg_metrics_printf(out, "lendgate_repayments_pending %zu\n", nr);
    lg_metrics_printf(out, "lendgate_chain_transactions_unsettled %zu\n", nt);
    lg_metrics_printf(out, "lendgate_reconcile_backlog %" PRIu64 "\n", backlog + nr + nt);
}

static void webhook_gauges(lg_service *svc, lg_metrics_text *out)
{
    uint64_t counts[5];
    if (lg_store_event_counts(svc->st, counts) != LG_OK)
        return;
    for (int s = LG_EVENT_PENDING; s <= LG_EVENT_SKIPPED; s++)
        lg_metrics_printf(out, "lendgate_webhook_events{status=\"%s\"} %" PRIu64 "\n",
                          lg_event_status_name((lg_event_status)s), counts[s]);
    lg_metrics_printf(out, "lendgate_webhook_dead_letters %" PRIu64 "\n", counts[LG_EVENT_DEAD]);
    /* The oldest undelivered: the last of the pending list, newest first. */
    double age = 0;
    lg_event_filter f = {NULL,
                         NULL,
                         LG_EVENT_PENDING,
                         0,
                         0,
                         1,
                         counts[LG_EVENT_PENDING] ? counts[LG_EVENT_PENDING] - 1 : 0};
    lg_event *items = NULL;
    size_t n = 0;
    if (counts[LG_EVENT_PENDING] && lg_store_event_list(svc->st, &f, &items, &n, NULL) == LG_OK &&
        n == 1)
        age = (double)(lg_time_now_ms() - items[0].created_at_ms) / 1000.0;
    free(items);
    lg_metrics_printf(out, "lendgate_webhook_oldest_pending_seconds %.3f\n", age < 0 ? 0 : age);
}

/* A u256 balance in its token's units (decimals), as a float: good to the precision
 * an alert threshold needs. */
static double units(const lg_u256 *v, double one)
{
    char text[LG_U256_LEN];
    if (lg_u256_to_dec(text, sizeof text, v) != LG_OK)
        return 0;
    return strtod(text, NULL) / one;
}

/* The node's health and the hot wallet: each read held to [chain] read_timeout_ms, so
 * a dead node costs a scrape that long, once, not a request's budget. */
static void chain_gauges(lg_service *svc, lg_metrics_text *out)
{
    lg_rpc *rpc = svc->chain ? lg_chain_rpc(svc->chain) : NULL;
    uint64_t id = 0, head = 0;
    lg_u256 wei, micro;
    if (!rpc) {
        lg_metrics_printf(out, "lendgate_chain_up 0\n");
        return;
    }
    lg_rpc_set_deadline(rpc, lg_time_mono_ms() +
                                 (int64_t)lg_config_u64(svc->cfg, "chain", "read_timeout_ms"));
    int up = lg_rpc_chain_id(rpc, &id) == LG_OK && id == svc->chain_id;
    lg_metrics_printf(out, "lendgate_chain_up %d\n", up);
    if (up && lg_chain_block_number(svc->chain, &head) == LG_OK)
        lg_metrics_printf(out, "lendgate_chain_head_block %" PRIu64 "\n", head);
    if (up && lg_chain_balance(svc->chain, &wei, svc->platform) == LG_OK)
        lg_metrics_printf(out, "lendgate_platform_wallet_eth %.6f\n", units(&wei, WEI_ETH));
    if (up && lg_chain_usdc_balance(svc->chain, &micro, svc->platform) == LG_OK)
        lg_metrics_printf(out, "lendgate_platform_wallet_usdc %.6f\n", units(&micro, USDC_UNIT));
    lg_rpc_set_deadline(rpc, 0);
}

/* name is the family of the sample line at line (its name, before '{' or ' '). */
static int line_of(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && strncmp(line, name, n) == 0 && (line[n] == '{' || line[n] == ' ');
}

/* Writes the gauge lines of g to out grouped by family, each family once with its
 * HELP and TYPE, as the exposition format wants (g has them in the order computed,
 * partner by partner). */
static void gauge_families(const lg_metrics_text *g, lg_metrics_text *out)
{
    for (size_t f = 0; g->data && f < sizeof store_families / sizeof store_families[0]; f++) {
        int seen = 0;
        for (const char *p = g->data; *p;) {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (line_of(p, len, store_families[f].name)) {
                if (!seen++)
                    lg_metrics_printf(out, "# HELP %s %s\n# TYPE %s %s\n", store_families[f].name,
                                      store_families[f].help, store_families[f].name,
                                      store_families[f].type);
                lg_metrics_printf(out, "%.*s\n", (int)len, p);
            }
            p += len + (end ? 1 : 0);
        }
    }
}

lg_err lg_service_scrape(lg_service *svc, const char *dir, lg_metrics_text *out)
{
    if (!out || !dir)
        return LG_ERR_INVALID;
    lg_err rc =
        lg_metrics_scrape(dir, file_families, sizeof file_families / sizeof file_families[0], out);
    if (rc != LG_OK)
        return rc;
    lg_metrics_printf(out, "# HELP lendgate_up 1: the responder answered\n"
                           "# TYPE lendgate_up gauge\nlendgate_up 1\n");
    lg_metrics_printf(out,
                      "# HELP lendgate_build_info Build of the process that answered\n"
                      "# TYPE lendgate_build_info gauge\n"
                      "lendgate_build_info{version=\"%s\"} 1\n",
                      PACKAGE_VERSION);
    if (!svc)
        return out->failed ? LG_ERR_NOMEM : LG_OK;
    lg_metrics_text g = {0};
    partners_gauges(svc, &g);
    pipeline_gauges(svc, &g);
    webhook_gauges(svc, &g);
    int64_t waiting = lg_svc_journal_waiting(svc);
    if (waiting >= 0)
        lg_metrics_printf(&g, "lendgate_audit_journal_rows_waiting %" PRId64 "\n", waiting);
    if (svc->has_chain)
        chain_gauges(svc, &g);
    gauge_families(&g, out);
    free(g.data);
    return out->failed || g.failed ? LG_ERR_NOMEM : LG_OK;
}

/* ------------------------------------------------------------ readiness */

static void chain_ready(lg_service *svc, lg_readiness *out)
{
    lg_rpc *rpc = svc->chain ? lg_chain_rpc(svc->chain) : NULL;
    if (!svc->has_chain || !rpc) {
        snprintf(out->chain_error, sizeof out->chain_error, "no connection to the chain node");
        return;
    }
    lg_rpc_set_deadline(rpc, lg_time_mono_ms() +
                                 (int64_t)lg_config_u64(svc->cfg, "chain", "read_timeout_ms"));
    lg_err rc = lg_rpc_chain_id(rpc, &out->chain_id);
    lg_rpc_set_deadline(rpc, 0);
    if (rc != LG_OK)
        snprintf(out->chain_error, sizeof out->chain_error, "chain node unreachable: %s",
                 lg_strerror(rc));
    else if (out->chain_id != svc->chain_id)
        snprintf(out->chain_error, sizeof out->chain_error,
                 "chain node is on chain %" PRIu64 ", not %" PRIu64, out->chain_id, svc->chain_id);
    else
        out->chain_ok = 1;
}

lg_err lg_service_readiness(lg_service *svc, lg_readiness *out)
{
    if (!out)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!svc) {
        snprintf(out->store_error, sizeof out->store_error, "the store could not be opened");
        snprintf(out->chain_error, sizeof out->chain_error, "no connection to the chain node");
        return LG_OK;
    }
    lg_err rc = lg_store_ping(svc->st);
    out->store_ok = rc == LG_OK;
    if (!out->store_ok)
        snprintf(out->store_error, sizeof out->store_error, "the store cannot write: %s",
                 lg_strerror(rc));
    chain_ready(svc, out);
    out->key_ok = svc->key != NULL;
    return LG_OK;
}

lg_err lg_service_metrics_dir(const lg_config *cfg, char *buf, size_t cap)
{
    if (!cfg || !buf || cap == 0)
        return LG_ERR_INVALID;
    const char *dir = lg_config_str(cfg, "metrics", "dir");
    int n = dir && dir[0]
                ? snprintf(buf, cap, "%s", dir)
                : snprintf(buf, cap, "%s/metrics", lg_config_str(cfg, "store", "state_dir"));
    return n > 0 && (size_t)n < cap ? LG_OK : LG_ERR_OVERFLOW;
}
