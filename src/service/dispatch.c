/*
 * dispatch.c - the webhook dispatcher (dispatch.h): claim, deliver, record.
 *
 * The store decides who holds an event and in what order events go out; this file
 * only turns each answer into the event's next state.
 */
#include "config.h"

#include "service_internal.h"

#include <lendgate/dispatch.h>
#include <lendgate/metrics.h>
#include <lendgate/observe.h>
#include <lendgate/proc.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/webhook.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RETRY_AFTER_MS (7LL * 24 * 3600 * 1000)

/* One claimed event on its way: the event, its partner's endpoint, the request. */
typedef struct job {
    lg_event ev;
    lg_partner partner;
    char *body;
    const char *skip; /* why it was not sent (no endpoint now, a refused URL), or NULL */
    lg_webhook_req req;
} job;

typedef struct round {
    lg_service *svc;
    lg_dispatch_report *report;
    lg_reconcile_note_fn note;
    void *note_ctx;
    char owner[LG_OWNER_LEN];
    lg_webhook_opts opts;
    const uint64_t *schedule; /* seconds before each retry */
    size_t nschedule;
} round;

static void tell(const round *r, const char *fmt, ...) LG_PRINTF(2, 3);

static void tell(const round *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg_info("dispatch.event", "%s", line);
    if (r->note)
        r->note(r->note_ctx, line);
}

static void read_settings(round *r)
{
    const lg_config *cfg = r->svc->cfg;
    r->opts.guard.allow_http = lg_config_bool(cfg, "webhook", "allow_http");
    r->opts.guard.allow_loopback = lg_config_bool(cfg, "webhook", "allow_loopback");
    r->opts.guard.allow_private = lg_config_bool(cfg, "webhook", "allow_private");
    r->opts.timeout_ms = (long)lg_config_u64(cfg, "webhook", "timeout_ms");
    r->opts.connect_timeout_ms = (long)lg_config_u64(cfg, "webhook", "connect_timeout_ms");
    r->opts.max_parallel = (size_t)lg_config_u64(cfg, "webhook", "max_parallel");
    r->schedule = lg_config_list(cfg, "webhook", "retry_schedule", &r->nschedule);
}

/* Events claimed per round: no more than the lease lets finish. Each wave of
 * max_parallel deliveries may take timeout_ms; half the lease is kept as margin for
 * the store and a slow host, so a healthy dispatcher never outlives its claims. */
static uint32_t batch_size(const round *r, int64_t lease_ms)
{
    uint64_t batch = lg_config_u64(r->svc->cfg, "webhook", "batch");
    uint64_t waves = (uint64_t)lease_ms / 2 / (uint64_t)r->opts.timeout_ms;
    uint64_t fit = (waves ? waves : 1) * r->opts.max_parallel;
    return (uint32_t)(batch < fit ? batch : fit);
}

/* ------------------------------------------------------------ preparing */

static void prepare(const round *r, job *j, int64_t now)
{
    lg_err rc = lg_store_partner_get(r->svc->st, j->ev.partner_id, &j->partner);
    const char *why = NULL;
    if (rc != LG_OK)
        j->skip = "partner unreadable";
    else if (!j->partner.webhook_url[0])
        j->skip = "no webhook URL";
    else if (lg_webhook_url_ok(j->partner.webhook_url, &r->opts.guard, &why) != LG_OK)
        j->skip = why ? why : "webhook URL refused";
    else if (lg_webhook_body(&j->ev, &j->body, &j->req.body_len) != LG_OK)
        j->skip = "event data is not a JSON object";
    if (j->skip)
        return;
    j->req.url = j->partner.webhook_url;
    j->req.body = j->body;
    j->req.event_type = j->ev.type;
    j->req.event_id = j->ev.event_id;
    j->req.secret = j->partner.webhook_secret;
    j->req.secret_prev =
        j->partner.webhook_secret_prev_until_ms > now ? j->partner.webhook_secret_prev : NULL;
}

/* ------------------------------------------------------------ outcomes */

/* When a failed event is due again: the schedule's delay before its next attempt, or
 * Retry-After when a 429/503 asked for longer. Returns 0 when the schedule ran out. */
static int64_t retry_at(const round *r, const job *j, int64_t now)
{
    uint32_t done = j->ev.attempts + 1; /* attempts made, this one included */
    if (done > r->nschedule)
        return 0;
    int64_t at = now + (int64_t)r->schedule[done - 1] * 1000;
    int asks_wait = 0;
    lg_webhook_answer_of(j->req.status_code, &asks_wait);
    if (asks_wait && j->req.retry_after_ms > 0) {
        int64_t asked = now + (j->req.retry_after_ms < MAX_RETRY_AFTER_MS ? j->req.retry_after_ms
                                                                          : MAX_RETRY_AFTER_MS);
        at = asked > at ? asked : at;
    }
    return at;
}

/* The attempt row of j, its outcome chosen; *next_ms when it is retried. */
static void judge(const round *r, const job *j, int64_t now, lg_event_attempt *a, int64_t *next_ms)
{
    memset(a, 0, sizeof *a);
    snprintf(a->event_id, sizeof a->event_id, "%s", j->ev.event_id);
    snprintf(a->url, sizeof a->url, "%s", j->partner.webhook_url);
    snprintf(a->dispatcher, sizeof a->dispatcher, "%s", r->owner);
    a->started_at_ms = j->req.started_at_ms ? j->req.started_at_ms : now;
    a->status_code = j->req.status_code;
    a->latency_ms = j->req.latency_ms;
    snprintf(a->response_head, sizeof a->response_head, "%s", j->req.response_head);
    int status = j->req.status_code;
    lg_webhook_answer answer = j->skip ? LG_WEBHOOK_FAILED : lg_webhook_answer_of(status, NULL);
    if (j->skip)
        snprintf(a->error, sizeof a->error, "not sent: %s", j->skip);
    else if (j->req.error[0])
        snprintf(a->error, sizeof a->error, "%s", j->req.error);
    else if (answer == LG_WEBHOOK_REDIRECT)
        snprintf(a->error, sizeof a->error, "HTTP %d: redirects are not followed", status);
    else if (answer == LG_WEBHOOK_GONE)
        snprintf(a->error, sizeof a->error, "HTTP %d Gone: endpoint disabled", status);
    else if (answer != LG_WEBHOOK_DELIVERED)
        snprintf(a->error, sizeof a->error, "HTTP %d", status);
    *next_ms = 0;
    if (answer == LG_WEBHOOK_DELIVERED && !j->req.error[0])
        a->outcome = LG_ATTEMPT_DELIVERED;
    else if (answer == LG_WEBHOOK_GONE)
        a->outcome = LG_ATTEMPT_DISABLED;
    else if ((*next_ms = retry_at(r, j, now)) > 0)
        a->outcome = LG_ATTEMPT_RETRY;
    else
        a->outcome = LG_ATTEMPT_DEAD;
}

static void count(const round *r, lg_attempt_outcome o)
{
    lg_dispatch_report *rep = r->report;
    if (o == LG_ATTEMPT_DELIVERED)
        rep->delivered++;
    else if (o == LG_ATTEMPT_RETRY)
        rep->retried++;
    else if (o == LG_ATTEMPT_DEAD)
        rep->dead++;
    else
        rep->disabled++;
}

/* The attempt in the process's metrics: its outcome, and how long a sent one took. */
static void observe(const round *r, const lg_event_attempt *a)
{
    char labels[64] = "";
    lg_metrics *m = lg_service_metrics(r->svc);
    if (lg_metrics_label(labels, sizeof labels, "outcome", lg_attempt_outcome_name(a->outcome)) ==
        LG_OK)
        lg_metrics_count(m, "lendgate_webhook_deliveries_total", labels, 1);
    if (a->status_code)
        lg_metrics_observe(m, "lendgate_webhook_delivery_duration_seconds", "",
                           (double)a->latency_ms / 1000.0);
}

static lg_err record(const round *r, const job *j, int64_t now)
{
    lg_event_attempt a;
    int64_t next_ms;
    uint32_t no = 0;
    judge(r, j, now, &a, &next_ms);
    lg_err rc = lg_store_event_finish(r->svc->st, &a, next_ms, &no);
    if (rc == LG_ERR_CONFLICT) {
        r->report->lost++;
        lg_warn("dispatch.lost", "event %s: the lease ran out before attempt %u was recorded",
                a.event_id, no);
        return LG_OK;
    }
    if (rc != LG_OK)
        return rc;
    if (a.outcome == LG_ATTEMPT_DISABLED) /* the partner's endpoint state changed */
        lg_svc_partners_changed(r->svc);
    count(r, a.outcome);
    observe(r, &a);
    tell(r, "event %s %s (partner %s, #%llu) attempt %u: %s%s%s (%d, %u ms)", a.event_id,
         j->ev.type, j->ev.partner_id, (unsigned long long)j->ev.seq, no,
         lg_attempt_outcome_name(a.outcome), a.error[0] ? ": " : "", a.error, a.status_code,
         a.latency_ms);
    return LG_OK;
}

/* ------------------------------------------------------------ a round */

/* Delivers the jobs that have somewhere to go. The lg_webhook_req of each sent job
 * is handed over in place and copied back. */
static lg_err send_all(const round *r, job *jobs, size_t n)
{
    lg_webhook_req *reqs = calloc(n ? n : 1, sizeof *reqs);
    size_t m = 0;
    if (!reqs)
        return LG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!jobs[i].skip)
            reqs[m++] = jobs[i].req;
    lg_err rc = m ? lg_webhook_deliver(reqs, m, &r->opts) : LG_OK;
    for (size_t i = 0, k = 0; rc == LG_OK && i < n; i++)
        if (!jobs[i].skip)
            jobs[i].req = reqs[k++];
    free(reqs);
    return rc;
}

static void jobs_free(job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].body);
        lg_memwipe(&jobs[i].partner, sizeof jobs[i].partner);
    }
    free(jobs);
}

static lg_err run_round(round *r, lg_event *events, size_t n)
{
    job *jobs = calloc(n, sizeof *jobs);
    if (!jobs)
        return LG_ERR_NOMEM;
    int64_t now = lg_time_now_ms();
    for (size_t i = 0; i < n; i++) {
        jobs[i].ev = events[i];
        jobs[i].req.retry_after_ms = -1;
        prepare(r, &jobs[i], now);
    }
    lg_err rc = send_all(r, jobs, n);
    if (rc != LG_OK)
        lg_error("dispatch.deliver", "delivering a round failed: %s", lg_strerror(rc));
    /* What could not be delivered is recorded as a failed attempt all the same, so
     * the event follows its schedule instead of waiting for its lease to run out. */
    now = lg_time_now_ms();
    for (size_t i = 0; i < n; i++) {
        if (rc != LG_OK && !jobs[i].skip)
            snprintf(jobs[i].req.error, sizeof jobs[i].req.error, "not sent: %s", lg_strerror(rc));
        lg_err wrc = record(r, &jobs[i], now);
        if (wrc != LG_OK) {
            rc = wrc;
            break;
        }
    }
    jobs_free(jobs, n);
    return rc == LG_OK || lg_svc_store_err(rc) ? rc : LG_OK;
}

lg_err lg_service_dispatch(lg_service *svc, lg_dispatch_report *report, lg_reconcile_note_fn note,
                           void *note_ctx)
{
    if (!svc || !report)
        return LG_ERR_INVALID;
    memset(report, 0, sizeof *report);
    round r = {.svc = svc, .report = report, .note = note, .note_ctx = note_ctx};
    lg_err rc = lg_proc_owner(r.owner);
    if (rc != LG_OK)
        return rc;
    read_settings(&r);
    if (!r.schedule)
        return LG_ERR_INVALID;
    int64_t lease_ms = (int64_t)lg_config_u64(svc->cfg, "webhook", "lease_ms");
    lg_event *events = NULL;
    size_t n = 0;
    rc = lg_store_event_claim(svc->st, r.owner, lease_ms, batch_size(&r, lease_ms), &events, &n);
    if (rc != LG_OK)
        return rc;
    report->claimed = (unsigned)n;
    if (n)
        rc = run_round(&r, events, n);
    free(events);
    return rc;
}
