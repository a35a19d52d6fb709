/* webhook_handlers.c - the webhook endpoints of the admin and partner APIs:
 * validate, call webhooks_admin.h, render (webhook_handlers.h). */
#include "config.h"

#include <lendgate/webhook_handlers.h>

#include <lendgate/admin_common.h>
#include <lendgate/render.h>
#include <lendgate/sha256.h>
#include <lendgate/status.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>
#include <lendgate/view.h>
#include <lendgate/webhook_bodies.h>
#include <lendgate/webhooks_admin.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char secret_warning[] =
    "Store this webhook secret securely. It will not be shown again.";

/* The :eventId of the path into id (the service checks its shape); 0 and a 400 when
 * it cannot even be held. */
static int event_id_arg(lg_http_call *call, char id[LG_EVENT_ID_LEN])
{
    const char *v = lg_request_param(call->req, "eventId");
    if (v && strlen(v) < LG_EVENT_ID_LEN) {
        memcpy(id, v, strlen(v) + 1);
        return 1;
    }
    lg_http_fail(call, 400, "eventId: must be evt_ followed by 32 hex digits");
    return 0;
}

/* ------------------------------------------------------------ lists */

static int status_arg(lg_http_call *call, int *status)
{
    char text[32];
    lg_event_status v;
    *status = -1;
    lg_err rc = lg_request_query(call->req, "status", text, sizeof text);
    if (rc == LG_ERR_NOT_FOUND)
        return 1;
    if (rc == LG_OK && lg_event_status_parse_any(text, &v) == LG_OK) {
        *status = (int)v;
        return 1;
    }
    lg_http_fail(call, 400, "status: must be one of PENDING, DELIVERING, DELIVERED, DEAD, SKIPPED");
    return 0;
}

/* The query's filters but partnerId into f (type points into type). */
static int filter_args(lg_http_call *call, lg_event_filter *f, char type[LG_EVENT_TYPE_LEN])
{
    memset(f, 0, sizeof *f);
    if (!status_arg(call, &f->status) ||
        !lg_admin_text_arg(call, "eventType", type, LG_EVENT_TYPE_LEN,
                           "must be an event type such as loan.borrowed") ||
        !lg_http_date_arg(call, "since", &f->start_ms) ||
        !lg_http_date_arg(call, "until", &f->end_ms) ||
        !lg_http_page_args(call, &f->limit, &f->offset))
        return 0;
    f->type = type[0] ? type : NULL;
    return 1;
}

static void list_reply(lg_http_call *call, const lg_event_filter *f)
{
    lg_event *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out = {0};
    lg_webhook_list(call->srv->svc, f, &items, &n, &total, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++)
            json_object_array_add(arr, lg_view_event(&items[i]));
        lg_http_reply(call, 200,
                      lg_admin_page_json("deliveries", arr, n, total, f->limit, f->offset));
    }
    free(items);
}

void lg_h_admin_webhook_list(lg_http_call *call)
{
    char type[LG_EVENT_TYPE_LEN], partner[LG_ID_LEN + 8], id[LG_ID_LEN], msg[160];
    lg_event_filter f;
    if (!filter_args(call, &f, type) ||
        !lg_admin_text_arg(call, "partnerId", partner, sizeof partner,
                           "must match ^[A-Za-z0-9_-]{1,64}$"))
        return;
    if (partner[0] && lg_validate_loan_id("partnerId", partner, id, msg, sizeof msg) != LG_OK) {
        lg_http_fail(call, 400, msg);
        return;
    }
    f.partner_id = partner[0] ? id : NULL;
    list_reply(call, &f);
}

void lg_h_webhook_list(lg_http_call *call)
{
    char type[LG_EVENT_TYPE_LEN];
    lg_event_filter f;
    if (!filter_args(call, &f, type))
        return;
    f.partner_id = call->partner.id; /* a partner sees its own events only */
    list_reply(call, &f);
}

/* ------------------------------------------------------------ one event */

static void show(lg_http_call *call, const char *partner_id)
{
    char id[LG_EVENT_ID_LEN];
    if (!event_id_arg(call, id))
        return;
    lg_event e;
    lg_event_attempt *attempts = NULL;
    size_t n = 0;
    lg_outcome out = {0};
    lg_webhook_get(call->srv->svc, id, partner_id, &e, &attempts, &n, &out);
    if (!lg_http_outcome_failed(call, &out))
        lg_http_reply(call, 200, lg_view_event_detail(&e, attempts, n));
    free(attempts);
}

void lg_h_admin_webhook_show(lg_http_call *call)
{
    show(call, NULL);
}

void lg_h_webhook_show(lg_http_call *call)
{
    show(call, call->partner.id);
}

void lg_h_admin_webhook_replay(lg_http_call *call)
{
    char id[LG_EVENT_ID_LEN];
    if (!event_id_arg(call, id))
        return;
    lg_admin_actor who;
    lg_event e;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    lg_webhook_replay(call->srv->svc, &who, id, &e, &out);
    if (!lg_http_outcome_failed(call, &out))
        lg_http_reply(call, 200, lg_admin_wrap("event", lg_view_event(&e)));
}

/* ------------------------------------------------------------ partner actions */

void lg_h_admin_webhook_replay_since(lg_http_call *call)
{
    char id[LG_ID_LEN], msg[256];
    int64_t since = 0;
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_err rc = lg_parse_webhook_replay_since(call->req->body, call->req->body_len, &since, msg,
                                              sizeof msg);
    if (rc != LG_OK) {
        lg_admin_body_failed(call, rc, msg);
        return;
    }
    lg_admin_actor who;
    uint64_t count = 0;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    lg_webhook_replay_since(call->srv->svc, &who, id, since, &count, &out);
    if (lg_http_outcome_failed(call, &out))
        return;
    struct json_object *o = json_object_new_object();
    if (o) {
        lg_render_str(o, "partnerId", id);
        lg_render_time(o, "since", since);
        lg_render_int(o, "replayed", (int64_t)count);
    }
    lg_http_reply(call, 200, o);
}

void lg_h_admin_webhook_enable(lg_http_call *call)
{
    char id[LG_ID_LEN];
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_admin_actor who;
    lg_partner after;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    memset(&after, 0, sizeof after);
    lg_webhook_enable(call->srv->svc, &who, id, &after, &out);
    if (!lg_http_outcome_failed(call, &out))
        lg_http_reply(call, 200, lg_admin_wrap("partner", lg_view_partner(&after)));
    lg_memwipe(&after, sizeof after);
}

/* A test event for partner_id; who NULL when the partner asked itself. */
static void send_test(lg_http_call *call, const lg_admin_actor *who, const char *partner_id)
{
    char message[LG_WEBHOOK_MESSAGE_MAX + 1], msg[256];
    lg_err rc = lg_parse_webhook_test(call->req->body, call->req->body_len, message, sizeof message,
                                      msg, sizeof msg);
    if (rc != LG_OK) {
        lg_admin_body_failed(call, rc, msg);
        return;
    }
    lg_event e;
    lg_outcome out = {0};
    lg_webhook_send_test(call->srv->svc, who, partner_id, message, &e, &out);
    if (!lg_http_outcome_failed(call, &out))
        lg_http_reply(
            call, 202,
            lg_admin_wrap("event", lg_view_event(&e))); /* queued: the dispatcher delivers it */
}

void lg_h_admin_webhook_test(lg_http_call *call)
{
    char id[LG_ID_LEN];
    lg_admin_actor who;
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_admin_actor_of(call, &who);
    send_test(call, &who, id);
}

void lg_h_webhook_test(lg_http_call *call)
{
    send_test(call, NULL, call->partner.id);
}

void lg_h_admin_webhook_rotate(lg_http_call *call)
{
    char id[LG_ID_LEN], msg[256];
    uint64_t grace = lg_config_u64(call->srv->cfg, "webhook", "secret_grace_seconds");
    if (!lg_admin_partner_id_arg(call, id))
        return;
    lg_err rc =
        lg_parse_webhook_rotate(call->req->body, call->req->body_len, &grace, msg, sizeof msg);
    if (rc != LG_OK) {
        lg_admin_body_failed(call, rc, msg);
        return;
    }
    lg_admin_actor who;
    lg_admin_secrets sec;
    int64_t prev_until = 0;
    lg_outcome out = {0};
    lg_admin_actor_of(call, &who);
    lg_webhook_rotate_secret(call->srv->svc, &who, id, grace, &sec, &prev_until, &out);
    if (!lg_http_outcome_failed(call, &out)) {
        struct json_object *o = json_object_new_object();
        if (o) {
            lg_render_str(o, "partnerId", id);
            lg_render_str(o, "webhookSecret", sec.webhook_secret);
            lg_render_time(o, "previousSecretExpiresAt", prev_until);
            lg_render_str(o, "warning", secret_warning);
        }
        lg_http_reply(call, 200, o);
    }
    lg_admin_secrets_wipe(&sec);
}
