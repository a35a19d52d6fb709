/*
 * test_webhook_ops.c - operating the webhook outbox (webhooks_admin.h) on a real
 * SQLite file in a private directory: lists and their filters, one event with its
 * attempts, replays (one, and a partner's since a time), switching an endpoint back
 * on, test events (admin and partner), webhook secret rotation with its grace, an
 * admin_audit row for every admin action and never a secret in one, the views'
 * shapes, and NULL arguments.
 */
#include "config.h"

#include "harness.h"

#include <lendgate/admin.h>
#include <lendgate/config.h>
#include <lendgate/status.h>
#include <lendgate/store.h>
#include <lendgate/time.h>
#include <lendgate/view.h>
#include <lendgate/webhooks_admin.h>

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTLE  "0x5555555555555555555555555555555555555555"
#define T0_TEXT "2026-03-14T12:00:00Z"
#define NO_EVT  "evt_00000000000000000000000000000000"

static char dir[512];
static lg_config *cfg;
static lg_service *svc; /* store only, over a new database file per test */
static lg_store *st;    /* the service's, to set up what a dispatcher would do */
static int64_t t0;
static int db_seq;
static const lg_admin_actor who = {"alice", "req-wh-1", "192.0.2.7"};

static int suite_init(void)
{
    if (lg_test_mkdtemp(dir, sizeof dir) != 0 || lg_config_defaults(&cfg) != LG_OK)
        return -1;
    return lg_time_parse(T0_TEXT, &t0) == LG_OK ? 0 : -1;
}

static int suite_clean(void)
{
    lg_service_close(svc);
    svc = NULL;
    st = NULL;
    lg_config_free(cfg);
    lg_test_rmtree(dir);
    lg_time_set_fixed(-1);
    return 0;
}

static void fresh(void)
{
    char path[700], err[256];
    lg_service_close(svc);
    svc = NULL;
    st = NULL;
    snprintf(path, sizeof path, "%s/webhooks-%d.db", dir, ++db_seq);
    lg_time_set_fixed(t0);
    CU_ASSERT_EQUAL_FATAL(lg_config_set(cfg, "store", "path", path, err, sizeof err), LG_OK);
    CU_ASSERT_EQUAL_FATAL(lg_service_open_store_only(&svc, cfg, err, sizeof err), LG_OK);
    st = lg_service_store(svc);
    CU_ASSERT_EQUAL_FATAL(lg_store_migrate(st, NULL), LG_OK);
}

/* A partner with a webhook URL (url 0: without), its secrets wiped. */
static lg_partner create(const char *prefix, int url)
{
    lg_admin_create req;
    lg_admin_secrets sec;
    lg_partner p;
    lg_outcome out = {0};
    memset(&req, 0, sizeof req);
    snprintf(req.partner.name, sizeof req.partner.name, "%s lending", prefix);
    snprintf(req.partner.key_prefix, sizeof req.partner.key_prefix, "%s", prefix);
    snprintf(req.partner.settlement_address, sizeof req.partner.settlement_address, SETTLE);
    if (url)
        snprintf(req.partner.webhook_url, sizeof req.partner.webhook_url, "https://%s.example/h",
                 prefix);
    req.partner.daily_limit = 50000000;
    req.partner.total_limit = 100000000;
    CU_ASSERT_EQUAL_FATAL(lg_admin_partner_create(svc, &who, &req, &p, &sec, &out), LG_OK);
    lg_admin_secrets_wipe(&sec);
    return p;
}

static lg_event add(const lg_partner *p, const char *type)
{
    lg_event e;
    char data[128];
    snprintf(data, sizeof data, "{\"partnerId\":\"%s\",\"n\":1}", p->id);
    CU_ASSERT_EQUAL_FATAL(lg_store_event_add(st, p->id, type, data, NULL, &e), LG_OK);
    return e;
}

/* What a dispatcher does: claims the heads and records an attempt with outcome. */
static void attempt(const char *event_id, lg_attempt_outcome outcome, int code)
{
    lg_event *items = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(lg_store_event_claim(st, "disp-1", 60000, 100, &items, &n), LG_OK);
    free(items);
    lg_event_attempt a;
    memset(&a, 0, sizeof a);
    snprintf(a.event_id, sizeof a.event_id, "%s", event_id);
    snprintf(a.dispatcher, sizeof a.dispatcher, "disp-1");
    snprintf(a.url, sizeof a.url, "https://a.example/h");
    snprintf(a.response_head, sizeof a.response_head, "nope");
    snprintf(a.error, sizeof a.error, "HTTP %d", code);
    a.started_at_ms = lg_time_now_ms();
    a.status_code = code;
    a.latency_ms = 12;
    a.outcome = outcome;
    CU_ASSERT_EQUAL(lg_store_event_finish(st, &a, lg_time_now_ms() + 1000, NULL), LG_OK);
}

static uint64_t audit_count(const char *action)
{
    lg_admin_audit_filter f = {NULL, action, NULL, 0, 0, 1, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL_FATAL(lg_admin_audit_list(svc, &f, &items, &n, &total, &out), LG_OK);
    free(items);
    return total;
}

/* The newest audit row of action into *row; 1 when there is one. */
static int audit_last(const char *action, lg_admin_audit *row)
{
    lg_admin_audit_filter f = {NULL, action, NULL, 0, 0, 1, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL_FATAL(lg_admin_audit_list(svc, &f, &items, &n, &total, &out), LG_OK);
    if (n)
        *row = items[0];
    free(items);
    return n > 0;
}

static int audit_holds(const char *needle)
{
    lg_admin_audit_filter f = {NULL, NULL, NULL, 0, 0, 1000, 0};
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    int found = 0;
    CU_ASSERT_EQUAL_FATAL(lg_store_admin_audit_query(st, &f, &items, &n, &total), LG_OK);
    for (size_t i = 0; i < n; i++)
        found |= strstr(items[i].before_json, needle) || strstr(items[i].after_json, needle);
    free(items);
    return found;
}

static uint64_t list_total(const lg_event_filter *f, lg_err want, int status)
{
    lg_event *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_webhook_list(svc, f, &items, &n, &total, &out), want);
    CU_ASSERT_EQUAL(lg_http_status(&out), status);
    free(items);
    return total;
}

static void test_list_filters(void)
{
    fresh();
    lg_partner a = create("alpha", 1), b = create("beta", 1);
    lg_event e1 = add(&a, "loan.borrowed");
    lg_time_set_fixed(t0 + 1000);
    add(&a, "loan.repaid");
    add(&b, "loan.borrowed");
    lg_event_filter f = {NULL, NULL, -1, 0, 0, 20, 0};
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 3);
    f.partner_id = a.id;
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 2);
    f.type = "loan.borrowed";
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 1);
    f.type = NULL;
    f.start_ms = t0 + 1;
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 1);
    f.start_ms = 0;
    f.end_ms = t0 + 1;
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 1);
    f.end_ms = 0;
    f.status = LG_EVENT_DELIVERED;
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 0);
    f.status = LG_EVENT_PENDING;
    CU_ASSERT_EQUAL(list_total(&f, LG_OK, 200), 2);

    lg_event_filter bad = {NULL, "Loan Borrowed", -1, 0, 0, 20, 0};
    lg_event *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_webhook_list(svc, &bad, &items, &n, &total, &out), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "eventType");
    bad.type = NULL;
    bad.status = 9;
    CU_ASSERT_EQUAL(lg_webhook_list(svc, &bad, &items, &n, &total, &out), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "status");
    bad.status = -1;
    bad.start_ms = t0;
    bad.end_ms = t0;
    CU_ASSERT_EQUAL(lg_webhook_list(svc, &bad, &items, &n, &total, &out), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "until");
    CU_ASSERT_PTR_NULL(items);
    (void)e1;
}

static void test_get_with_attempts(void)
{
    fresh();
    lg_partner a = create("alpha", 1), b = create("beta", 1);
    lg_event e = add(&a, "loan.borrowed");
    attempt(e.event_id, LG_ATTEMPT_RETRY, 500);
    lg_event got;
    lg_event_attempt *att = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_webhook_get(svc, e.event_id, NULL, &got, &att, &n, &out), LG_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(got.attempts, 1);
    CU_ASSERT_EQUAL(got.last_status_code, 500);
    if (n == 1) {
        CU_ASSERT_EQUAL(att[0].attempt, 1);
        CU_ASSERT_EQUAL(att[0].status_code, 500);
    }
    free(att);
    /* The owner sees it; another partner does not learn it exists. */
    CU_ASSERT_EQUAL(lg_webhook_get(svc, e.event_id, a.id, &got, &att, &n, &out), LG_OK);
    free(att);
    CU_ASSERT_EQUAL(lg_webhook_get(svc, e.event_id, b.id, &got, &att, &n, &out), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_http_status(&out), 404);
    CU_ASSERT_STRING_EQUAL(out.message, "Event not found");
    CU_ASSERT_EQUAL(lg_webhook_get(svc, NO_EVT, NULL, &got, &att, &n, &out), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_webhook_get(svc, "evt_nothex", NULL, &got, &att, &n, &out), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "eventId");
    CU_ASSERT_EQUAL(lg_http_status(&out), 400);
}

static void test_replay_one(void)
{
    fresh();
    lg_partner a = create("alpha", 1);
    lg_event e = add(&a, "loan.borrowed");
    attempt(e.event_id, LG_ATTEMPT_DEAD, 500);
    lg_event after;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_store_event_get(st, e.event_id, NULL, &after), LG_OK);
    CU_ASSERT_EQUAL(after.status, LG_EVENT_DEAD);
    lg_time_set_fixed(t0 + 5000);
    CU_ASSERT_EQUAL(lg_webhook_replay(svc, &who, e.event_id, &after, &out), LG_OK);
    CU_ASSERT_EQUAL(after.status, LG_EVENT_PENDING);
    CU_ASSERT_EQUAL(after.attempts, 0);
    CU_ASSERT_EQUAL(after.next_attempt_at_ms, t0 + 5000);
    CU_ASSERT_EQUAL(after.seq, e.seq);
    CU_ASSERT_EQUAL(audit_count("webhook.replay"), 1);
    lg_admin_audit row;
    CU_ASSERT_FATAL(audit_last("webhook.replay", &row));
    CU_ASSERT_STRING_EQUAL(row.target, a.id);
    CU_ASSERT_STRING_EQUAL(row.admin, "alice");
    CU_ASSERT_PTR_NOT_NULL(strstr(row.after_json, e.event_id));

    /* Being delivered: left to its dispatcher. */
    lg_event *items = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(lg_store_event_claim(st, "disp-2", 60000, 10, &items, &n), LG_OK);
    free(items);
    CU_ASSERT_EQUAL(lg_webhook_replay(svc, &who, e.event_id, &after, &out), LG_ERR_CONFLICT);
    CU_ASSERT_EQUAL(lg_http_status(&out), 409);
    CU_ASSERT_EQUAL(audit_count("webhook.replay"), 1);
    CU_ASSERT_EQUAL(lg_webhook_replay(svc, &who, NO_EVT, &after, &out), LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(lg_webhook_replay(svc, &who, "x", &after, &out), LG_ERR_INVALID);
}

static void test_replay_since(void)
{
    fresh();
    lg_partner a = create("alpha", 1), b = create("beta", 1);
    lg_event old = add(&a, "loan.borrowed");
    attempt(old.event_id, LG_ATTEMPT_DEAD, 500);
    lg_time_set_fixed(t0 + 60000);
    lg_event e2 = add(&a, "loan.repaid");
    attempt(e2.event_id, LG_ATTEMPT_DEAD, 500);
    add(&b, "loan.borrowed");
    lg_time_set_fixed(t0 + 120000);
    uint64_t count = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_webhook_replay_since(svc, &who, a.id, t0 + 30000, &count, &out), LG_OK);
    CU_ASSERT_EQUAL(count, 1);
    lg_event got;
    CU_ASSERT_EQUAL(lg_store_event_get(st, e2.event_id, NULL, &got), LG_OK);
    CU_ASSERT_EQUAL(got.status, LG_EVENT_PENDING);
    CU_ASSERT_EQUAL(got.attempts, 0);
    CU_ASSERT_EQUAL(lg_store_event_get(st, old.event_id, NULL, &got), LG_OK);
    CU_ASSERT_EQUAL(got.status, LG_EVENT_DEAD);
    CU_ASSERT_EQUAL(audit_count("webhook.replay_since"), 1);
    CU_ASSERT(audit_holds("\"since\":\"2026-03-14T12:00:30.000Z\""));

    CU_ASSERT_EQUAL(lg_webhook_replay_since(svc, &who, a.id, 0, &count, &out), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "since");
    CU_ASSERT_EQUAL(lg_webhook_replay_since(svc, &who, a.id, t0 + 999999, &count, &out),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "since");
    CU_ASSERT_EQUAL(lg_webhook_replay_since(svc, &who, "partner_none_001", t0, &count, &out),
                    LG_ERR_NOT_FOUND);
    CU_ASSERT_STRING_EQUAL(out.message, "Partner not found");
    CU_ASSERT_EQUAL(audit_count("webhook.replay_since"), 1);
}

static void test_enable(void)
{
    fresh();
    lg_partner a = create("alpha", 1), after;
    lg_outcome out = {0};
    /* Enabling an endpoint that is on changes nothing and writes no row. */
    CU_ASSERT_EQUAL(lg_webhook_enable(svc, &who, a.id, &after, &out), LG_OK);
    CU_ASSERT_EQUAL(audit_count("webhook.enable"), 0);
    lg_event e = add(&a, "loan.borrowed");
    attempt(e.event_id, LG_ATTEMPT_DISABLED, 410);
    CU_ASSERT_EQUAL(lg_store_partner_get(st, a.id, &after), LG_OK);
    CU_ASSERT(after.webhook_disabled_at_ms > 0);
    char buf[4096];
    CU_ASSERT_EQUAL(lg_admin_partner_json(&after, buf, sizeof buf), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookDisabledAt\":\"2026-03-14T12:00:00.000Z\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookDisabledReason\":\"HTTP 410\""));
    CU_ASSERT_EQUAL(lg_webhook_enable(svc, &who, a.id, &after, &out), LG_OK);
    CU_ASSERT_EQUAL(after.webhook_disabled_at_ms, 0);
    CU_ASSERT_STRING_EQUAL(after.webhook_disabled_reason, "");
    CU_ASSERT_EQUAL(audit_count("webhook.enable"), 1);
    CU_ASSERT_EQUAL(lg_admin_partner_json(&after, buf, sizeof buf), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookDisabledAt\":null"));
    /* The waiting event goes out again. */
    lg_event *items = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(lg_store_event_claim(st, "disp-1", 60000, 10, &items, &n), LG_OK);
    CU_ASSERT_EQUAL(n, 1);
    free(items);
    CU_ASSERT_EQUAL(lg_webhook_enable(svc, &who, "partner_none_001", &after, &out),
                    LG_ERR_NOT_FOUND);
}

static void test_send_test(void)
{
    fresh();
    lg_partner a = create("alpha", 1), bare = create("bare", 0);
    lg_event ev;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_webhook_send_test(svc, &who, a.id, NULL, &ev, &out), LG_OK);
    CU_ASSERT_STRING_EQUAL(ev.type, "webhook.test");
    CU_ASSERT_EQUAL(ev.status, LG_EVENT_PENDING);
    json_object *o = json_tokener_parse(ev.payload), *v = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(json_object_object_get_ex(o, "partnerId", &v) &&
              strcmp(json_object_get_string(v), a.id) == 0);
    CU_ASSERT(json_object_object_get_ex(o, "message", &v) &&
              strcmp(json_object_get_string(v), LG_WEBHOOK_DEFAULT_TEST) == 0);
    CU_ASSERT(json_object_object_get_ex(o, "timestamp", &v) &&
              strcmp(json_object_get_string(v), "2026-03-14T12:00:00.000Z") == 0);
    json_object_put(o);
    CU_ASSERT_EQUAL(audit_count("webhook.test"), 1);
    /* The partner's own test: its API log records it, not the admin trail. */
    CU_ASSERT_EQUAL(lg_webhook_send_test(svc, NULL, a.id, "ping", &ev, &out), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(ev.payload, "\"message\":\"ping\""));
    CU_ASSERT_EQUAL(audit_count("webhook.test"), 1);

    CU_ASSERT_EQUAL(lg_webhook_send_test(svc, &who, bare.id, NULL, &ev, &out), LG_ERR_CONFLICT);
    CU_ASSERT_EQUAL(lg_http_status(&out), 409);
    CU_ASSERT_STRING_EQUAL(out.field, "webhookUrl");
    CU_ASSERT_EQUAL(lg_webhook_send_test(svc, &who, a.id, "bell\a", &ev, &out), LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "message");
    CU_ASSERT_EQUAL(lg_webhook_send_test(svc, &who, "partner_none_001", NULL, &ev, &out),
                    LG_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(audit_count("webhook.test"), 1);
}

static int secret_shape_ok(const char *s)
{
    if (strncmp(s, "whsec_", 6) != 0 || strlen(s) != 6 + 64)
        return 0;
    for (s += 6; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static void test_rotate_secret(void)
{
    fresh();
    lg_partner a = create("alpha", 1), p;
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, a.id, &p), LG_OK);
    char old[LG_SECRET_LEN];
    snprintf(old, sizeof old, "%s", p.webhook_secret);
    lg_admin_secrets sec;
    int64_t until = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL(lg_webhook_rotate_secret(svc, &who, a.id, 3600, &sec, &until, &out), LG_OK);
    CU_ASSERT(secret_shape_ok(sec.webhook_secret));
    CU_ASSERT_EQUAL(until, t0 + 3600000);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, a.id, &p), LG_OK);
    CU_ASSERT_STRING_EQUAL(p.webhook_secret, sec.webhook_secret);
    CU_ASSERT_STRING_EQUAL(p.webhook_secret_prev, old);
    CU_ASSERT_EQUAL(p.webhook_secret_prev_until_ms, t0 + 3600000);
    char buf[4096];
    CU_ASSERT_EQUAL(lg_admin_partner_json(&p, buf, sizeof buf), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookPreviousSecretValid\":true"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(buf, "\"webhookPreviousSecretExpiresAt\":\"2026-03-14T13:00:00.000Z\""));
    CU_ASSERT_PTR_NULL(strstr(buf, "whsec_"));
    CU_ASSERT_EQUAL(audit_count("webhook.rotate_secret"), 1);
    CU_ASSERT(!audit_holds(sec.webhook_secret));
    CU_ASSERT(!audit_holds(old));
    /* After the grace the previous secret no longer counts. */
    lg_time_set_fixed(t0 + 3600000);
    CU_ASSERT_EQUAL(lg_admin_partner_json(&p, buf, sizeof buf), LG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookPreviousSecretValid\":false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"webhookPreviousSecretExpiresAt\":null"));
    lg_admin_secrets_wipe(&sec);

    /* Grace 0: the old secret stops at once, none is kept. */
    CU_ASSERT_EQUAL(lg_webhook_rotate_secret(svc, &who, a.id, 0, &sec, &until, &out), LG_OK);
    CU_ASSERT_EQUAL(until, 0);
    CU_ASSERT_EQUAL_FATAL(lg_store_partner_get(st, a.id, &p), LG_OK);
    CU_ASSERT_STRING_EQUAL(p.webhook_secret_prev, "");
    CU_ASSERT_EQUAL(p.webhook_secret_prev_until_ms, 0);
    lg_admin_secrets_wipe(&sec);

    CU_ASSERT_EQUAL(lg_webhook_rotate_secret(svc, &who, a.id, 31536001, &sec, &until, &out),
                    LG_ERR_INVALID);
    CU_ASSERT_STRING_EQUAL(out.field, "graceSeconds");
    CU_ASSERT_EQUAL(lg_webhook_rotate_secret(svc, &who, "partner_none_001", 60, &sec, &until, &out),
                    LG_ERR_NOT_FOUND);
    CU_ASSERT_STRING_EQUAL(sec.webhook_secret, "");
    CU_ASSERT_EQUAL(audit_count("webhook.rotate_secret"), 2);
}

/* The keys of o in order, comma-separated, into keys. */
static void keys_of(json_object *o, char *keys, size_t cap)
{
    keys[0] = '\0';
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        size_t used = strlen(keys);
        snprintf(keys + used, cap - used, "%s%s", used ? "," : "", k);
    }
}

static void test_views(void)
{
    fresh();
    lg_partner a = create("alpha", 1);
    lg_event e = add(&a, "loan.borrowed");
    attempt(e.event_id, LG_ATTEMPT_RETRY, 503);
    lg_event got;
    lg_event_attempt *att = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    CU_ASSERT_EQUAL_FATAL(lg_webhook_get(svc, e.event_id, NULL, &got, &att, &n, &out), LG_OK);
    json_object *d = lg_view_event_detail(&got, att, n), *ev = NULL, *arr = NULL, *v = NULL;
    free(att);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_FATAL(json_object_object_get_ex(d, "event", &ev));
    CU_ASSERT_FATAL(json_object_object_get_ex(d, "attempts", &arr));
    char keys[512];
    keys_of(ev, keys, sizeof keys);
    CU_ASSERT_STRING_EQUAL(keys, "eventId,partnerId,type,sequence,status,attempts,nextAttemptAt,"
                                 "lastStatusCode,lastError,createdAt,deliveredAt,payload");
    CU_ASSERT(json_object_object_get_ex(ev, "payload", &v) &&
              json_object_is_type(v, json_type_object));
    CU_ASSERT(json_object_object_get_ex(ev, "deliveredAt", &v) && v == NULL);
    CU_ASSERT(json_object_object_get_ex(ev, "lastStatusCode", &v) && json_object_get_int(v) == 503);
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(arr), 1);
    keys_of(json_object_array_get_idx(arr, 0), keys, sizeof keys);
    CU_ASSERT_STRING_EQUAL(keys,
                           "attempt,url,startedAt,statusCode,latencyMs,outcome,responseHead,error");
    json_object_put(d);
    CU_ASSERT_PTR_NULL(lg_view_event(NULL));
    CU_ASSERT_PTR_NULL(lg_view_event_attempt(NULL));
}

static void test_null_args(void)
{
    fresh();
    lg_event e;
    lg_partner p;
    lg_event *items = NULL;
    lg_event_attempt *att = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_admin_secrets sec;
    lg_outcome out;
    lg_event_filter f = {NULL, NULL, -1, 0, 0, 20, 0};
    CU_ASSERT_EQUAL(lg_webhook_list(svc, &f, &items, &n, &total, NULL), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_list(NULL, &f, &items, &n, &total, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_list(svc, NULL, &items, &n, &total, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_http_status(&out), 500);
    CU_ASSERT_EQUAL(lg_webhook_get(svc, NULL, NULL, &e, &att, &n, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_get(svc, NO_EVT, NULL, NULL, &att, &n, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_replay(svc, NULL, NO_EVT, &e, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_replay(svc, &who, NULL, &e, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_replay_since(svc, &who, NULL, t0, NULL, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_enable(svc, NULL, "p", &p, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_send_test(svc, &who, NULL, NULL, &e, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_send_test(NULL, &who, "p", NULL, &e, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_rotate_secret(svc, &who, "p", 0, NULL, NULL, &out), LG_ERR_INVALID);
    CU_ASSERT_EQUAL(lg_webhook_rotate_secret(svc, NULL, "p", 0, &sec, NULL, &out), LG_ERR_INVALID);
}

int main(void)
{
    static const lg_test_case tests[] = {
        {"list: partner, type, status, since/until filters; bad ones name the field",
         test_list_filters},
        {"get: an event with its attempts; another partner's is not found", test_get_with_attempts},
        {"replay one: PENDING, attempts 0, audited; being delivered is 409", test_replay_one},
        {"replay since: only the partner's events since, audited", test_replay_since},
        {"enable: clears the disabled state, audited once", test_enable},
        {"test event: payload, no URL is 409, partner's own not audited", test_send_test},
        {"rotate secret: shape, grace, previous kept, no secret in audit", test_rotate_secret},
        {"views: the event and attempt shapes", test_views},
        {"NULL arguments", test_null_args},
        {NULL, NULL},
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    lg_test_add_suite("webhook_ops", suite_init, suite_clean, tests);
    return lg_test_run("test_webhook_ops");
}
