/*
 * webhooks.c - operating the webhook outbox (webhooks_admin.h): list and show
 * events, replay them, switch an endpoint back on, queue test events, rotate the
 * webhook secret. Admin actions commit with their admin_audit row through the
 * store's audit hook, as admin.c's do.
 */
#include "config.h"

#include <lendgate/log.h>
#include <lendgate/render.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/view.h>
#include <lendgate/webhooks_admin.h>

#include "service_internal.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRACE_S  31536000ULL /* [webhook] secret_grace_seconds allows no more */
#define EVENT_PREFIX "evt_"
#define EVENT_HEX    32

/* ------------------------------------------------------------ outcomes */

static lg_err bad_field(lg_outcome *out, const char *field, const char *why)
{
    return lg_svc_fail(out, LG_ERR_INVALID, field, "%s", why);
}

/* A store failure: not_found names what was missing ("Event not found"). */
static lg_err store_failed(lg_outcome *out, lg_err rc, const char *not_found, const char *what)
{
    if (rc == LG_ERR_NOT_FOUND)
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "%s", not_found);
    return lg_svc_store_failed(out, rc, what);
}

static lg_err store_outcome(lg_outcome *out, lg_err rc, const char *not_found, const char *what)
{
    if (rc != LG_OK)
        return store_failed(out, rc, not_found, what);
    return lg_svc_done(out, LG_DONE_OK);
}

/* ------------------------------------------------------------ checks */

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "evt_" + 32 hex digits: the shape the store gives every event. */
static int event_id_ok(const char *s)
{
    size_t plen = strlen(EVENT_PREFIX);
    if (strncmp(s, EVENT_PREFIX, plen) != 0 || strlen(s) != plen + EVENT_HEX)
        return 0;
    for (size_t i = plen; s[i]; i++)
        if (!is_hex(s[i]))
            return 0;
    return 1;
}

/* ^[a-z0-9_.]{1,47}$: every type the store writes ("loan.repayment_received"). */
static int event_type_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_' ||
              s[n] == '.'))
            return 0;
    return n >= 1 && n < LG_EVENT_TYPE_LEN;
}

/* Printable text (UTF-8 bytes above 0x7f are fine), at most LG_WEBHOOK_MESSAGE_MAX. */
static int message_ok(const char *s)
{
    size_t n = strnlen(s, LG_WEBHOOK_MESSAGE_MAX + 1);
    if (n > LG_WEBHOOK_MESSAGE_MAX)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static lg_err check_event_id(const char *event_id, lg_outcome *out)
{
    if (!event_id_ok(event_id))
        return bad_field(out, "eventId", "must be evt_ followed by 32 hex digits");
    return LG_OK;
}

static lg_err check_filter(const lg_event_filter *f, lg_outcome *out)
{
    if (f->type && !event_type_ok(f->type))
        return bad_field(out, "eventType", "must be an event type such as loan.borrowed");
    if (f->status < -1 || f->status > LG_EVENT_SKIPPED)
        return bad_field(out, "status",
                         "must be one of PENDING, DELIVERING, DELIVERED, DEAD, SKIPPED");
    if (f->start_ms < 0 || f->end_ms < 0)
        return bad_field(out, f->start_ms < 0 ? "since" : "until", "must be after 1970");
    if (f->start_ms && f->end_ms && f->end_ms <= f->start_ms)
        return bad_field(out, "until", "must be after since");
    return LG_OK;
}

/* ------------------------------------------------------------ audit hook */

/* What an admin action did, for its audit row's "webhookAction". */
typedef struct wh_audit {
    const lg_admin_actor *who;
    const char *action;
    const char *event_id; /* NULL: none */
    int64_t since_ms;     /* 0: none */
    int64_t prev_until_ms;
} wh_audit;

static json_object *action_json(const wh_audit *c)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    lg_render_str(o, "action", c->action);
    if (c->event_id)
        lg_render_str(o, "eventId", c->event_id);
    if (c->since_ms)
        lg_render_time(o, "since", c->since_ms);
    if (c->prev_until_ms)
        lg_render_time(o, "previousSecretExpiresAt", c->prev_until_ms);
    return o;
}

/* p as admins see it (never a secret), with extra added when not NULL (taken). */
static lg_err partner_text(const lg_partner *p, json_object *extra, char *buf, size_t cap)
{
    json_object *o = lg_view_partner(p);
    if (!o) {
        json_object_put(extra);
        return LG_ERR_NOMEM;
    }
    if (extra)
        json_object_object_add(o, "webhookAction", extra);
    return lg_svc_json_text(o, buf, cap);
}

static lg_err audit_fill(void *ctx, const lg_partner *before, const lg_partner *after,
                         lg_admin_audit *row)
{
    const wh_audit *c = ctx;
    const lg_partner *subject = after ? after : before;
    if (!subject)
        return LG_ERR_INVALID;
    lg_svc_audit_row(row, c->who, c->action, subject->id);
    lg_err rc =
        before ? partner_text(before, NULL, row->before_json, sizeof row->before_json) : LG_OK;
    if (rc == LG_OK)
        rc = partner_text(subject, action_json(c), row->after_json, sizeof row->after_json);
    return rc;
}

static lg_audit_hook hook_for(wh_audit *c)
{
    lg_audit_hook h = {audit_fill, c};
    return h;
}

/* ------------------------------------------------------------ reads */

lg_err lg_webhook_list(lg_service *svc, const lg_event_filter *f, lg_event **items, size_t *n,
                       uint64_t *total, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !f || !items || !n || !total)
        return lg_svc_missing_args(out);
    *items = NULL;
    *n = 0;
    *total = 0;
    lg_err rc = check_filter(f, out);
    if (rc != LG_OK)
        return rc;
    return store_outcome(out, lg_store_event_list(st, f, items, n, total), "Partner not found",
                         "listing webhook events");
}

lg_err lg_webhook_get(lg_service *svc, const char *event_id, const char *partner_id, lg_event *e,
                      lg_event_attempt **attempts, size_t *nattempts, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !event_id || !e || !attempts || !nattempts)
        return lg_svc_missing_args(out);
    *attempts = NULL;
    *nattempts = 0;
    lg_err rc = check_event_id(event_id, out);
    if (rc != LG_OK)
        return rc;
    rc = lg_store_event_get(st, event_id, partner_id, e);
    if (rc == LG_OK)
        rc = lg_store_event_attempts(st, event_id, attempts, nattempts);
    return store_outcome(out, rc, "Event not found", "reading the webhook event");
}

/* ------------------------------------------------------------ replay */

static lg_err being_delivered(lg_outcome *out)
{
    return lg_svc_fail(out, LG_ERR_CONFLICT, "eventId",
                       "is being delivered now; replay it once this attempt has ended");
}

lg_err lg_webhook_replay(lg_service *svc, const lg_admin_actor *who, const char *event_id,
                         lg_event *after, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_event scratch;
    if (!after)
        after = &scratch;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !event_id)
        return lg_svc_missing_args(out);
    lg_err rc = check_event_id(event_id, out);
    if (rc != LG_OK)
        return rc;
    rc = lg_store_event_get(st, event_id, NULL, after);
    if (rc != LG_OK)
        return store_failed(out, rc, "Event not found", "reading the webhook event");
    if (after->status == LG_EVENT_DELIVERING)
        return being_delivered(out);
    wh_audit ctx = {who, "webhook.replay", event_id, 0, 0};
    lg_audit_hook hook = hook_for(&ctx);
    uint64_t count = 0;
    rc = lg_store_event_replay(st, NULL, event_id, 0, &hook, &count);
    if (rc == LG_OK && count == 0) /* claimed between the read and the replay */
        return being_delivered(out);
    if (rc == LG_OK)
        rc = lg_store_event_get(st, event_id, NULL, after);
    return store_outcome(out, rc, "Event not found", "replaying the webhook event");
}

lg_err lg_webhook_replay_since(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                               int64_t since_ms, uint64_t *count, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    uint64_t scratch;
    if (!count)
        count = &scratch;
    *count = 0;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !partner_id)
        return lg_svc_missing_args(out);
    if (since_ms <= 0)
        return bad_field(out, "since", "is required: an RFC 3339 time");
    if (since_ms > lg_time_now_ms())
        return bad_field(out, "since", "must not be in the future");
    wh_audit ctx = {who, "webhook.replay_since", NULL, since_ms, 0};
    lg_audit_hook hook = hook_for(&ctx);
    lg_err rc = lg_store_event_replay(st, partner_id, NULL, since_ms, &hook, count);
    return store_outcome(out, rc, "Partner not found", "replaying the webhook events");
}

/* ------------------------------------------------------------ endpoint state */

lg_err lg_webhook_enable(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                         lg_partner *after, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_partner cur, scratch;
    if (!after)
        after = &scratch;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !partner_id)
        return lg_svc_missing_args(out);
    lg_err rc = lg_store_partner_get(st, partner_id, &cur);
    if (rc != LG_OK)
        return store_failed(out, rc, "Partner not found", "reading the partner");
    if (cur.webhook_disabled_at_ms == 0) {
        *after = cur;
    } else {
        cur.webhook_disabled_at_ms = 0;
        cur.webhook_disabled_reason[0] = '\0';
        wh_audit ctx = {who, "webhook.enable", NULL, 0, 0};
        lg_audit_hook hook = hook_for(&ctx);
        rc = lg_store_partner_update_audited(st, &cur, LG_PF_WEBHOOK_STATE, &hook, NULL, after);
        lg_svc_partners_changed(svc);
    }
    lg_memwipe(&cur, sizeof cur);
    lg_memwipe(&scratch, sizeof scratch);
    return store_outcome(out, rc, "Partner not found", "enabling the webhook endpoint");
}

/* ------------------------------------------------------------ test events */

/* The test event's data: {"partnerId", "message", "timestamp"} into buf. */
static lg_err test_data(const char *partner_id, const char *message, char *buf, size_t cap)
{
    json_object *o = json_object_new_object();
    if (!o)
        return LG_ERR_NOMEM;
    lg_render_str(o, "partnerId", partner_id);
    lg_render_str(o, "message", message);
    lg_render_time(o, "timestamp", lg_time_now_ms());
    return lg_svc_json_text(o, buf, cap);
}

static lg_err send_test_to(lg_store *st, const lg_admin_actor *who, const lg_partner *p,
                           const char *message, lg_event *ev, lg_outcome *out)
{
    char data[LG_PAYLOAD_LEN];
    if (!p->webhook_url[0])
        return lg_svc_fail(out, LG_ERR_CONFLICT, "webhookUrl",
                           "the partner has no webhook URL to send a test event to");
    lg_err rc = test_data(p->id, message, data, sizeof data);
    if (rc != LG_OK)
        return lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error (test event)");
    /* The admin's row commits with the event; the store fills *ev before it asks
     * the hook for the row, so the row names the event. */
    wh_audit ctx = {who, "webhook.test", ev->event_id, 0, 0};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_event_add(st, p->id, LG_WEBHOOK_TEST_TYPE, data, who ? &hook : NULL, ev);
    return store_outcome(out, rc, "Partner not found", "queueing the test event");
}

lg_err lg_webhook_send_test(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                            const char *message, lg_event *ev, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_event scratch;
    lg_partner p;
    if (!ev)
        ev = &scratch;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !partner_id)
        return lg_svc_missing_args(out);
    if (!message || !message[0])
        message = LG_WEBHOOK_DEFAULT_TEST;
    if (!message_ok(message))
        return bad_field(out, "message", "must be printable text of at most 200 bytes");
    lg_err rc = lg_store_partner_get(st, partner_id, &p);
    if (rc != LG_OK)
        return store_failed(out, rc, "Partner not found", "reading the partner");
    rc = send_test_to(st, who, &p, message, ev, out);
    lg_memwipe(&p, sizeof p);
    return rc;
}

/* ------------------------------------------------------------ secret rotation */

/* p with a new secret (into secrets) and the old one kept until *prev_until_ms. */
static lg_err rotate_in(lg_partner *p, uint64_t grace_seconds, lg_admin_secrets *secrets,
                        int64_t *prev_until_ms)
{
    lg_err rc = lg_svc_webhook_secret(secrets->webhook_secret, sizeof secrets->webhook_secret);
    if (rc != LG_OK)
        return rc;
    /* A grace of 0, or no secret before, keeps no previous one. */
    if (grace_seconds && p->webhook_secret[0]) {
        memcpy(p->webhook_secret_prev, p->webhook_secret, sizeof p->webhook_secret_prev);
        *prev_until_ms = lg_time_now_ms() + (int64_t)grace_seconds * 1000;
    } else {
        lg_memwipe(p->webhook_secret_prev, sizeof p->webhook_secret_prev);
        *prev_until_ms = 0;
    }
    p->webhook_secret_prev_until_ms = *prev_until_ms;
    snprintf(p->webhook_secret, sizeof p->webhook_secret, "%s", secrets->webhook_secret);
    return LG_OK;
}

static lg_err rotate_checked(lg_store *st, const lg_admin_actor *who, lg_partner *p,
                             uint64_t grace_seconds, lg_admin_secrets *secrets,
                             int64_t *prev_until_ms, lg_outcome *out)
{
    lg_err rc = rotate_in(p, grace_seconds, secrets, prev_until_ms);
    if (rc != LG_OK) {
        lg_error("webhook.secret", "making a webhook secret failed: %s", lg_strerror(rc));
        return lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error while making a secret");
    }
    wh_audit ctx = {who, "webhook.rotate_secret", NULL, 0, *prev_until_ms};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_partner_update_audited(st, p, LG_PF_WEBHOOK_SECRET, &hook, NULL, NULL);
    return store_outcome(out, rc, "Partner not found", "rotating the webhook secret");
}

lg_err lg_webhook_rotate_secret(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                                uint64_t grace_seconds, lg_admin_secrets *secrets,
                                int64_t *prev_until_ms, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    int64_t scratch;
    lg_partner p;
    if (!prev_until_ms)
        prev_until_ms = &scratch;
    *prev_until_ms = 0;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !partner_id || !secrets)
        return lg_svc_missing_args(out);
    memset(secrets, 0, sizeof *secrets);
    if (grace_seconds > MAX_GRACE_S)
        return bad_field(out, "graceSeconds", "must be at most 31536000");
    lg_err rc = lg_store_partner_get(st, partner_id, &p);
    if (rc != LG_OK)
        return store_failed(out, rc, "Partner not found", "reading the partner");
    rc = rotate_checked(st, who, &p, grace_seconds, secrets, prev_until_ms, out);
    lg_svc_partners_changed(svc);
    lg_memwipe(&p, sizeof p);
    if (rc != LG_OK) {
        /* Nobody will see a secret that was not stored. */
        lg_admin_secrets_wipe(secrets);
        *prev_until_ms = 0;
    }
    return rc;
}
