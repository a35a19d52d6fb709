/* audit.c - one sanitized partner_api_logs row per authenticated call. */
#include "config.h"

#include <lendgate/audit.h>

#include <lendgate/json_input.h>
#include <lendgate/log.h>
#include <lendgate/time.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void lg_audit_begin(lg_api_log *row, const lg_request *r, const char *route, const char *partner_id)
{
    if (!row)
        return;
    memset(row, 0, sizeof *row);
    copy_cut(row->partner_id, sizeof row->partner_id, partner_id);
    copy_cut(row->route, sizeof row->route, route);
    if (!r)
        return;
    copy_cut(row->request_id, sizeof row->request_id, r->request_id);
    copy_cut(row->method, sizeof row->method, r->method);
    copy_cut(row->client_ip, sizeof row->client_ip, r->client_ip);
    copy_cut(row->user_agent, sizeof row->user_agent, r->user_agent);
    lg_scrub_keys(row->user_agent);
}

/* Drops every member whose name is a secret, at any depth. */
static void drop_secrets(struct json_object *o, int depth)
{
    if (depth > 64)
        return;
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            drop_secrets(json_object_array_get_idx(o, i), depth + 1);
        return;
    }
    if (!json_object_is_type(o, json_type_object))
        return;
    int again = 1;
    while (again) {
        again = 0;
        json_object_object_foreach(o, k, v)
        {
            if (lg_is_secret_field(k)) {
                json_object_object_del(o, k);
                again = 1;
                break;
            }
            drop_secrets(v, depth + 1);
        }
    }
}

/*
 * The body as the handlers read it, or NULL. Only what the strict parser accepts is
 * recorded member by member: json-c alone would cut "x\u0000apiKey" to "x" (kept,
 * with its secret value) and keep one copy of a repeated name, so the payload would
 * show something other than what was sent.
 */
static struct json_object *parse_body(const char *body, size_t len)
{
    struct json_object *o = NULL;
    char why[128];
    if (lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &o, why, sizeof why) != LG_OK)
        return NULL;
    return o;
}

lg_err lg_audit_sanitize(char *out, size_t cap, const char *body, size_t len, const char *query)
{
    if (!out || cap == 0)
        return LG_ERR_INVALID;
    out[0] = '\0';
    if ((!body || len == 0) && (!query || !*query)) { /* most reads: nothing to record */
        snprintf(out, cap, "{}");
        return LG_OK;
    }
    struct json_object *rec = json_object_new_object();
    if (!rec)
        return LG_ERR_NOMEM;
    if (body && len > 0) {
        struct json_object *b = parse_body(body, len);
        if (b) {
            drop_secrets(b, 0);
            json_object_object_add(rec, "body", b);
        } else {
            json_object_object_add(rec, "bodyBytes", json_object_new_int64((int64_t)len));
        }
    }
    if (query && *query)
        json_object_object_add(rec, "query", json_object_new_string(query));
    size_t n = 0;
    const char *text = json_object_to_json_string_length(
        rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (text && n < cap)
        memcpy(out, text, n + 1);
    else if (text)
        snprintf(out, cap, "{\"truncated\":true,\"bytes\":%zu}", len);
    json_object_put(rec);
    lg_scrub_keys(out);
    return text ? LG_OK : LG_ERR_NOMEM;
}

lg_err lg_audit_finish(lg_service *svc, lg_api_log *row, const lg_request *r, int status,
                       const char *error_message)
{
    if (!svc || !row)
        return LG_ERR_INVALID;
    row->status_code = status;
    row->success = status >= 200 && status < 300;
    int64_t d = r ? lg_time_mono_ms() - r->start_mono_ms : 0;
    row->duration_ms = d < 0 ? 0 : d > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    copy_cut(row->error_message, sizeof row->error_message, error_message);
    lg_scrub_keys(row->error_message);
    row->created_at_ms = lg_time_now_ms();
    return lg_service_audit(svc, row);
}
