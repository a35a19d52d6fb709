/* admin_handlers.c - the admin API endpoints: validate, call admin.h, render JSON. */
#include "config.h"

#include <lendgate/admin_handlers.h>

#include <lendgate/admin.h>
#include <lendgate/admin_common.h>
#include <lendgate/admin_bodies.h>
#include <lendgate/render.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>
#include <lendgate/view.h>
#include <lendgate/status.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The plan's words. */
static const char key_warning[] = "Save this API key securely. It will not be shown again!";
static const char secret_warning[] =
    "Store this signing secret securely. It will not be shown again.";

void lg_h_admin_create(lg_http_call *call)
{
    lg_admin_create req;
    lg_admin_actor who;
    lg_admin_secrets sec;
    lg_partner created;
    lg_outcome out = {0};
    char msg[256];
    lg_err rc = lg_parse_admin_create(call->req->body, call->req->body_len, &req, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_admin_body_failed(call, rc, msg);
        return;
    }
    lg_admin_actor_of(call, &who);
    memset(&sec, 0, sizeof sec);
    memset(&created, 0, sizeof created);
    lg_admin_partner_create(call->srv->svc, &who, &req, &created, &sec, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *o = json_object_new_object();
        if (o) {
            json_object_object_add(o, "success", json_object_new_boolean(1));
            json_object_object_add(o, "partner", lg_view_partner(&created));
            lg_render_str(o, "apiKey", sec.api_key);
            lg_render_str(o, "webhookSecret", sec.webhook_secret);
            if (sec.signing_secret[0])
                lg_render_str(o, "signingSecret", sec.signing_secret);
            lg_render_str(o, "warning", key_warning);
        }
        lg_http_reply(call, lg_http_status(&out), o);
    }
    lg_admin_secrets_wipe(&sec);
    lg_memwipe(&created, sizeof created);
}

void lg_h_admin_rotate_key(lg_http_call *call)
{
    char id[LG_ID_LEN], msg[256];
    uint64_t grace = lg_config_u64(call->srv->cfg, "admin", "key_grace_seconds");
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_apikey_env env = lg_admin_key_env(call->srv->svc, id);
    lg_err rc =
        lg_parse_admin_rotate(call->req->body, call->req->body_len, &grace, &env, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_admin_body_failed(call, rc, msg);
        return;
    }
    lg_admin_actor who;
    lg_admin_secrets sec;
    lg_outcome out = {0};
    int64_t old_expires = 0;
    lg_admin_actor_of(call, &who);
    memset(&sec, 0, sizeof sec);
    lg_admin_key_rotate(call->srv->svc, &who, id, env, grace, &sec, &old_expires, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *o = json_object_new_object();
        if (o) {
            char warn[160], at[LG_RFC3339_LEN] = "";
            lg_time_format_rfc3339(old_expires, at, sizeof at);
            if (old_expires <= lg_time_now_ms())
                snprintf(warn, sizeof warn,
                         "Old API key has been invalidated. Save this new key securely!");
            else
                snprintf(warn, sizeof warn,
                         "Old API key stays valid until %s. Save this new key securely!", at);
            json_object_object_add(o, "success", json_object_new_boolean(1));
            lg_render_str(o, "apiKey", sec.api_key);
            lg_render_str(o, "warning", warn);
            lg_render_str(o, "partnerId", id);
            lg_render_time(o, "previousKeysExpireAt", old_expires);
        }
        lg_http_reply(call, 200, o);
    }
    lg_admin_secrets_wipe(&sec);
}

void lg_h_admin_rotate_signing(lg_http_call *call)
{
    char id[LG_ID_LEN];
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_admin_actor who;
    lg_admin_secrets sec;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    memset(&sec, 0, sizeof sec);
    lg_admin_signing_rotate(call->srv->svc, &who, id, &sec, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *o = json_object_new_object();
        if (o) {
            lg_render_str(o, "partnerId", id);
            lg_render_str(o, "signingSecret", sec.signing_secret);
            lg_render_str(o, "warning", secret_warning);
        }
        lg_http_reply(call, 200, o);
    }
    lg_admin_secrets_wipe(&sec);
}

/* The body names of the LG_PF_* bits a PATCH can set, in the body's field order. */
static struct json_object *changed_json(unsigned mask)
{
    static const struct {
        unsigned pf;
        const char *name;
    } names[] = {{LG_PF_NAME, "partnerName"},
                 {LG_PF_STATUS, "status"},
                 {LG_PF_TIER, "tier"},
                 {LG_PF_DAILY_LIMIT, "dailyBorrowLimit"},
                 {LG_PF_TOTAL_LIMIT, "totalBorrowLimit"},
                 {LG_PF_FEE_BPS, "platformFeePercentage"},
                 {LG_PF_SETTLEMENT, "settlementAddress"},
                 {LG_PF_WEBHOOK_URL, "webhookUrl"},
                 {LG_PF_CONTACT, "contactEmail"},
                 {LG_PF_CONTACT_WALLET, "contactWallet"},
                 {LG_PF_PUBLIC_KEY, "publicKey"},
                 {LG_PF_KYC, "kycVerified"},
                 {LG_PF_CONTRACT, "contractSigned"},
                 {LG_PF_RATE_LIMIT, "rateLimitRpm"},
                 {LG_PF_SIGNING, "signingRequired"},
                 {LG_PF_ALLOWLIST, "ipAllowlist"}};
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < sizeof names / sizeof *names; i++)
        if (mask & names[i].pf)
            json_object_array_add(arr, json_object_new_string(names[i].name));
    return arr;
}

/* The LG_PF_* fields whose value differs between a and b (what a PATCH changed). */
static unsigned differs(const lg_partner *a, const lg_partner *b, unsigned mask)
{
    unsigned d = 0;
    d |= strcmp(a->name, b->name) ? LG_PF_NAME : 0;
    d |= a->status != b->status ? LG_PF_STATUS : 0;
    d |= a->tier != b->tier ? LG_PF_TIER : 0;
    d |= a->daily_limit != b->daily_limit ? LG_PF_DAILY_LIMIT : 0;
    d |= a->total_limit != b->total_limit ? LG_PF_TOTAL_LIMIT : 0;
    d |= a->fee_bps != b->fee_bps ? LG_PF_FEE_BPS : 0;
    d |= strcmp(a->settlement_address, b->settlement_address) ? LG_PF_SETTLEMENT : 0;
    d |= strcmp(a->webhook_url, b->webhook_url) ? LG_PF_WEBHOOK_URL : 0;
    d |= strcmp(a->contact_email, b->contact_email) ? LG_PF_CONTACT : 0;
    d |= a->rate_limit_rpm != b->rate_limit_rpm ? LG_PF_RATE_LIMIT : 0;
    d |= a->signing_required != b->signing_required ? LG_PF_SIGNING : 0;
    d |= strcmp(a->contact_wallet, b->contact_wallet) ? LG_PF_CONTACT_WALLET : 0;
    d |= strcmp(a->public_key, b->public_key) ? LG_PF_PUBLIC_KEY : 0;
    d |= a->kyc_verified != b->kyc_verified ? LG_PF_KYC : 0;
    d |= a->contract_signed != b->contract_signed ? LG_PF_CONTRACT : 0;
    d |= strcmp(a->ip_allowlist, b->ip_allowlist) ? LG_PF_ALLOWLIST : 0;
    return d & mask;
}

static void update_reply(lg_http_call *call, const lg_partner *before, const lg_partner *after,
                         unsigned mask, const lg_admin_secrets *sec)
{
    struct json_object *o = json_object_new_object();
    if (o) {
        json_object_object_add(o, "partner", lg_view_partner(after));
        json_object_object_add(o, "changed", changed_json(differs(before, after, mask)));
        if (sec->signing_secret[0]) {
            lg_render_str(o, "signingSecret", sec->signing_secret);
            lg_render_str(o, "warning", secret_warning);
        }
    }
    lg_http_reply(call, 200, o);
}

void lg_h_admin_update(lg_http_call *call)
{
    char id[LG_ID_LEN], msg[256];
    lg_partner *p = calloc(3, sizeof *p); /* the change, before, after: too big for a stack */
    unsigned mask = 0;
    if (!p) {
        lg_http_fail(call, 500, "Internal error");
        return;
    }
    lg_err rc = lg_admin_partner_id_arg(call, id) ? LG_OK : LG_ERR_INVALID;
    if (rc == LG_OK) {
        rc = lg_parse_admin_patch(call->req->body, call->req->body_len, &p[0], &mask, msg,
                                  sizeof msg);
        if (rc != LG_OK)
            lg_admin_body_failed(call, rc, msg);
    }
    if (rc == LG_OK) {
        lg_admin_actor who;
        lg_admin_secrets sec;
        lg_outcome out = {0};
        lg_admin_actor_of(call, &who);
        memset(&sec, 0, sizeof sec);
        memcpy(p[0].id, id, sizeof id);
        lg_admin_partner_update(call->srv->svc, &who, &p[0], mask, &p[1], &p[2], &sec, &out);
        if (!lg_http_outcome_failed(call, &out))
            update_reply(call, &p[1], &p[2], mask, &sec);
        lg_admin_secrets_wipe(&sec);
    }
    lg_memwipe(p, 3 * sizeof *p);
    free(p);
}

static void set_status(lg_http_call *call, lg_partner_status status)
{
    char id[LG_ID_LEN];
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_admin_actor who;
    lg_partner after;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    memset(&after, 0, sizeof after);
    lg_admin_partner_set_status(call->srv->svc, &who, id, status, &after, &out);
    if (!lg_http_outcome_failed(call, &out))
        lg_http_reply(call, 200, lg_admin_wrap("partner", lg_view_partner(&after)));
    lg_memwipe(&after, sizeof after);
}

void lg_h_admin_suspend(lg_http_call *call)
{
    set_status(call, LG_PARTNER_SUSPENDED);
}

void lg_h_admin_activate(lg_http_call *call)
{
    set_status(call, LG_PARTNER_ACTIVE);
}

typedef lg_err (*choice_parse_fn)(const char *text, int *out);

static lg_err status_any(const char *text, int *out)
{
    lg_partner_status v;
    lg_err rc = lg_partner_status_parse_any(text, &v);
    *out = rc == LG_OK ? (int)v : -1;
    return rc;
}

static lg_err tier_any(const char *text, int *out)
{
    lg_tier v;
    lg_err rc = lg_tier_parse_any(text, &v);
    *out = rc == LG_OK ? (int)v : -1;
    return rc;
}

/* The index of text among names, any case; -1 when none. */
static int index_of(const char *const *names, int n, const char *text)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(text, names[i]) == 0)
            return i;
    return -1;
}

/* Reads an optional query argument into *out, -1 when absent: by parse (an enum of
 * model.h), or with parse NULL as its index among names (any case); 0 and a 400
 * naming the choices otherwise. */
static int choice_arg(lg_http_call *call, const char *arg, const char *const *names, int n,
                      choice_parse_fn parse, int *out)
{
    char text[32], msg[160];
    *out = -1;
    lg_err rc = lg_request_query(call->req, arg, text, sizeof text);
    if (rc == LG_ERR_NOT_FOUND)
        return 1;
    if (rc == LG_OK && (parse ? parse(text, out) == LG_OK : (*out = index_of(names, n, text)) >= 0))
        return 1;
    int len = snprintf(msg, sizeof msg, "%s: must be one of", arg);
    for (int i = 0; i < n && len > 0 && (size_t)len < sizeof msg; i++)
        len += snprintf(msg + len, sizeof msg - (size_t)len, "%s %s", i ? "," : "", names[i]);
    lg_http_fail(call, 400, msg);
    return 0;
}

static const char *const status_names[] = {LG_PARTNER_STATUSES(LG_MODEL_ENUM_NAME)};
static const char *const tier_names[] = {LG_TIERS(LG_MODEL_ENUM_NAME)};

void lg_h_admin_list(lg_http_call *call)
{
    lg_partner_filter f = {0};
    if (!choice_arg(call, "status", status_names, (int)(sizeof status_names / sizeof *status_names),
                    status_any, &f.status) ||
        !choice_arg(call, "tier", tier_names, (int)(sizeof tier_names / sizeof *tier_names),
                    tier_any, &f.tier) ||
        !lg_http_page_args(call, &f.limit, &f.offset))
        return;
    lg_partner *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    lg_admin_partner_list(call->srv->svc, &f, &items, &n, &total, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++)
            json_object_array_add(arr, lg_view_partner(&items[i]));
        lg_http_reply(call, 200, lg_admin_page_json("partners", arr, n, total, f.limit, f.offset));
    }
    if (items)
        lg_memwipe(items, n * sizeof *items);
    free(items);
}

static struct json_object *key_json(const lg_api_key *k)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "prefix", k->prefix);
    lg_render_str(o, "environment", k->env);
    lg_render_time(o, "createdAt", k->created_at_ms);
    lg_render_time(o, "expiresAt", k->expires_at_ms);
    lg_render_time(o, "revokedAt", k->revoked_at_ms);
    lg_render_time(o, "lastUsedAt", k->last_used_at_ms);
    return o;
}

void lg_h_admin_show(lg_http_call *call)
{
    char id[LG_ID_LEN];
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_partner p;
    lg_api_key *keys = NULL;
    size_t nkeys = 0;
    lg_outcome out = {0};
    memset(&p, 0, sizeof p);
    lg_admin_partner_show(call->srv->svc, id, &p, &keys, &nkeys, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; arr && i < nkeys; i++)
            json_object_array_add(arr, key_json(&keys[i]));
        if (o && arr) {
            json_object_object_add(o, "partner", lg_view_partner(&p));
            json_object_object_add(o, "apiKeys", arr);
        } else {
            json_object_put(o);
            json_object_put(arr);
            o = NULL;
        }
        lg_http_reply(call, 200, o);
    }
    lg_memwipe(&p, sizeof p);
    free(keys);
}

/* A percentage in basis points as the plan writes rates: "12.5%", "0.5%", "100.0%"
 * (one decimal, cut, not rounded). */
static void add_percent(struct json_object *o, const char *k, uint64_t bp)
{
    char t[32];
    snprintf(t, sizeof t, "%llu.%llu%%", (unsigned long long)(bp / 100),
             (unsigned long long)(bp % 100 / 10));
    lg_render_str(o, k, t);
}

static struct json_object *metrics_json(const lg_admin_analytics *a)
{
    struct json_object *m = json_object_new_object();
    if (!m)
        return NULL;
    lg_render_amount(m, "totalBorrowed", a->totals.total_borrowed);
    lg_render_amount(m, "totalRepaid", a->totals.total_repaid);
    lg_render_int(m, "newLoans", a->totals.new_loans);
    lg_render_int(m, "repaidLoans", a->totals.repaid_loans);
    lg_render_int(m, "activeLoans", a->totals.active_loans);
    lg_render_int(m, "defaultedLoans", a->totals.defaulted_loans);
    add_percent(m, "defaultRate", a->default_rate_bp);
    lg_render_amount(m, "averageLoanSize", a->average_loan);
    lg_render_amount(m, "platformFeesEarned", a->totals.fees_earned);
    return m;
}

/* One day's volume and the cumulative repayment rate up to that day. */
static void trend_day(struct json_object *vol, struct json_object *rate, const lg_analytics_day *d,
                      uint64_t *borrowed, uint64_t *repaid)
{
    struct json_object *v = json_object_new_object(), *r = json_object_new_object();
    *borrowed += d->borrowed;
    *repaid += d->repaid;
    if (v) {
        lg_render_str(v, "date", d->day);
        lg_render_amount(v, "borrowed", d->borrowed);
        lg_render_amount(v, "repaid", d->repaid);
        lg_render_int(v, "loans", d->loans);
        json_object_array_add(vol, v);
    }
    if (r) {
        /* Capped: repayments of loans borrowed before the period can exceed it. */
        uint64_t bp = 0;
        if (*borrowed > 0)
            bp = *repaid >= *borrowed ? 10000
                                      : (uint64_t)((double)*repaid * 10000.0 / (double)*borrowed);
        lg_render_str(r, "date", d->day);
        add_percent(r, "rate", bp);
        json_object_array_add(rate, r);
    }
}

static struct json_object *trends_json(const lg_admin_analytics *a)
{
    struct json_object *t = json_object_new_object(), *vol = json_object_new_array(),
                       *rate = json_object_new_array();
    uint64_t borrowed = 0, repaid = 0;
    if (!t || !vol || !rate) {
        json_object_put(t);
        json_object_put(vol);
        json_object_put(rate);
        return NULL;
    }
    for (size_t i = 0; i < a->ndays; i++)
        trend_day(vol, rate, &a->days[i], &borrowed, &repaid);
    json_object_object_add(t, "dailyVolume", vol);
    json_object_object_add(t, "repaymentRate", rate);
    return t;
}

static int period_arg(lg_http_call *call, unsigned *days)
{
    static const char *const periods[] = {"7d", "30d", "90d"};
    static const unsigned values[] = {7, 30, 90};
    int i = -1;
    if (!choice_arg(call, "period", periods, 3, NULL, &i))
        return 0;
    *days = i < 0 ? 30 : values[i];
    return 1;
}

void lg_h_admin_analytics(lg_http_call *call)
{
    char id[LG_ID_LEN], period[16];
    unsigned days = 30;
    if (!lg_admin_partner_id_arg(call, id) || !period_arg(call, &days))
        return;
    lg_admin_analytics a;
    lg_outcome out = {0};
    memset(&a, 0, sizeof a);
    lg_admin_analytics_get(call->srv->svc, id, days, lg_time_now_ms(), &a, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *o = json_object_new_object();
        if (o) {
            snprintf(period, sizeof period, "%u days", days); /* the plan's "30 days" */
            lg_render_str(o, "partnerId", id);
            lg_render_str(o, "period", period);
            lg_render_time(o, "from", a.start_ms);
            lg_render_time(o, "to", a.end_ms);
            json_object_object_add(o, "metrics", metrics_json(&a));
            json_object_object_add(o, "trends", trends_json(&a));
        }
        lg_http_reply(call, 200, o);
    }
    lg_admin_analytics_release(&a);
}

static int range_args(lg_http_call *call, int64_t *start, int64_t *end)
{
    if (!lg_http_date_arg(call, "startDate", start) || !lg_http_date_arg(call, "endDate", end))
        return 0;
    if (*start && *end && *end <= *start) {
        lg_http_fail(call, 400, "endDate: must be after startDate");
        return 0;
    }
    return 1;
}

/* An optional id-shaped query argument (partnerId, target) into out ("" = absent). */
static int id_arg(lg_http_call *call, const char *name, char out[LG_ID_LEN])
{
    char text[LG_ID_LEN + 8], msg[160];
    out[0] = '\0';
    lg_err rc = lg_request_query(call->req, name, text, sizeof text);
    if (rc == LG_ERR_NOT_FOUND)
        return 1;
    if (rc == LG_OK && lg_validate_loan_id(name, text, out, msg, sizeof msg) == LG_OK)
        return 1;
    if (rc != LG_OK)
        snprintf(msg, sizeof msg, "%s: must match ^[A-Za-z0-9_-]{1,64}$", name);
    lg_http_fail(call, 400, msg);
    return 0;
}

/* One audit row as the plan's PartnerApiLog: endpoint is the route pattern,
 * requestPayload the sanitized request, responseTime milliseconds, loanId the
 * partner's loan id. */
static struct json_object *api_log_json(const lg_api_log *l)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "partnerId", l->partner_id);
    lg_render_str(o, "partnerName", l->partner_name);
    lg_render_str(o, "endpoint", l->route);
    lg_render_str(o, "method", l->method);
    lg_render_str(o, "ipAddress", l->client_ip);
    lg_render_opt(o, "userAgent", l->user_agent);
    lg_render_json(o, "requestPayload", l->payload);
    lg_render_int(o, "statusCode", l->status_code);
    lg_render_int(o, "responseTime", l->duration_ms);
    json_object_object_add(o, "success", json_object_new_boolean(l->success));
    lg_render_opt(o, "errorMessage", l->error_message);
    lg_view_address(o, "userWallet", l->wallet);
    lg_view_id(o, "oaidTokenId", l->oaid);
    lg_render_opt(o, "loanId", l->loan_id);
    lg_render_time(o, "timestamp", l->created_at_ms);
    lg_render_int(o, "id", l->id);
    lg_render_str(o, "requestId", l->request_id);
    return o;
}

static int success_arg(lg_http_call *call, int *success)
{
    static const char *const values[] = {"false", "true"};
    return choice_arg(call, "success", values, 2, NULL, success);
}

void lg_h_admin_api_logs(lg_http_call *call)
{
    char partner[LG_ID_LEN];
    lg_api_log_filter f = {0};
    if (!id_arg(call, "partnerId", partner) || !range_args(call, &f.start_ms, &f.end_ms) ||
        !success_arg(call, &f.success) || !lg_http_page_args(call, &f.limit, &f.offset))
        return;
    f.partner_id = partner[0] ? partner : NULL;
    lg_api_log *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    lg_admin_api_logs(call->srv->svc, &f, &items, &n, &total, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++)
            json_object_array_add(arr, api_log_json(&items[i]));
        lg_http_reply(call, 200, lg_admin_page_json("logs", arr, n, total, f.limit, f.offset));
    }
    free(items);
}

static struct json_object *audit_json(const lg_admin_audit *a)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_int(o, "id", a->id);
    lg_render_str(o, "admin", a->admin);
    lg_render_str(o, "action", a->action);
    lg_render_str(o, "target", a->target);
    lg_render_json(o, "before", a->before_json);
    lg_render_json(o, "after", a->after_json);
    lg_render_opt(o, "requestId", a->request_id);
    lg_render_opt(o, "clientIp", a->client_ip);
    lg_render_time(o, "createdAt", a->created_at_ms);
    return o;
}

void lg_h_admin_audit(lg_http_call *call)
{
    char admin[LG_NAME_LEN], action[64], target[LG_ID_LEN];
    lg_admin_audit_filter f = {0};
    if (!lg_admin_text_arg(call, "admin", admin, sizeof admin, NULL) ||
        !lg_admin_text_arg(call, "action", action, sizeof action, NULL) ||
        !id_arg(call, "target", target) || !range_args(call, &f.start_ms, &f.end_ms) ||
        !lg_http_page_args(call, &f.limit, &f.offset))
        return;
    f.admin = admin[0] ? admin : NULL;
    f.action = action[0] ? action : NULL;
    f.target = target[0] ? target : NULL;
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    lg_admin_audit_list(call->srv->svc, &f, &items, &n, &total, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++)
            json_object_array_add(arr, audit_json(&items[i]));
        lg_http_reply(call, 200, lg_admin_page_json("entries", arr, n, total, f.limit, f.offset));
    }
    free(items);
}

/* ------------------------------------------------------------ loans */

void lg_h_admin_loan_default(lg_http_call *call)
{
    char id[LG_ID_LEN], msg[256], reason[LG_REASON_LEN] = "";
    if (lg_validate_loan_id("loanId", lg_request_param(call->req, "loanId"), id, msg, sizeof msg) !=
        LG_OK) {
        lg_http_fail(call, 400, msg);
        return;
    }
    lg_err rc =
        lg_parse_admin_loan_default(call->req->body, call->req->body_len, reason, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_admin_body_failed(call, rc, msg);
        return;
    }
    lg_admin_actor who;
    lg_loan after;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    memset(&after, 0, sizeof after);
    lg_admin_loan_default(call->srv->svc, &who, id, reason, &after, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = json_object_new_object();
    if (o) {
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "loan", lg_view_loan(&after, 0, NULL, 0));
    }
    lg_http_reply(call, 200, o);
}
