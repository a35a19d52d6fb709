/*
 * webhook_view.c - the one rendering of an outbox event and its attempts
 * (webhooks_admin.h), shared by the admin API, the partner API and lendgatectl.
 */
#include "config.h"

#include <lendgate/render.h>
#include <lendgate/webhooks_admin.h>

#include <json-c/json.h>

/* An HTTP status, or null for 0 (no answer, or no attempt yet). */
static void add_status(json_object *o, const char *k, int code)
{
    json_object_object_add(o, k, code > 0 ? json_object_new_int(code) : NULL);
}

json_object *lg_view_event(const lg_event *e)
{
    json_object *o = e ? json_object_new_object() : NULL;
    if (!o)
        return NULL;
    lg_render_str(o, "eventId", e->event_id);
    lg_render_str(o, "partnerId", e->partner_id);
    lg_render_str(o, "type", e->type);
    lg_render_int(o, "sequence", (int64_t)e->seq);
    lg_render_str(o, "status", lg_event_status_name(e->status));
    lg_render_int(o, "attempts", e->attempts);
    lg_render_time(o, "nextAttemptAt", e->next_attempt_at_ms);
    add_status(o, "lastStatusCode", e->last_status_code);
    lg_render_opt(o, "lastError", e->last_error);
    lg_render_time(o, "createdAt", e->created_at_ms);
    lg_render_time(o, "deliveredAt", e->delivered_at_ms);
    lg_render_json(o, "payload", e->payload);
    return o;
}

json_object *lg_view_event_attempt(const lg_event_attempt *a)
{
    json_object *o = a ? json_object_new_object() : NULL;
    if (!o)
        return NULL;
    lg_render_int(o, "attempt", a->attempt);
    lg_render_str(o, "url", a->url);
    lg_render_time(o, "startedAt", a->started_at_ms);
    add_status(o, "statusCode", a->status_code);
    lg_render_int(o, "latencyMs", a->latency_ms);
    lg_render_str(o, "outcome", lg_attempt_outcome_name(a->outcome));
    lg_render_opt(o, "responseHead", a->response_head);
    lg_render_opt(o, "error", a->error);
    return o;
}

json_object *lg_view_event_detail(const lg_event *e, const lg_event_attempt *a, size_t n)
{
    json_object *o = json_object_new_object(), *ev = lg_view_event(e),
                *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++)
        json_object_array_add(arr, lg_view_event_attempt(&a[i]));
    if (!o || !ev || !arr) {
        json_object_put(o);
        json_object_put(ev);
        json_object_put(arr);
        return NULL;
    }
    json_object_object_add(o, "event", ev);
    json_object_object_add(o, "attempts", arr);
    return o;
}
