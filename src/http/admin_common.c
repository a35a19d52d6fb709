/* admin_common.c - helpers shared by the admin and webhook endpoints (admin_common.h). */
#include "config.h"

#include <lendgate/admin_common.h>

#include <lendgate/render.h>
#include <lendgate/status.h>
#include <lendgate/validate.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

void lg_admin_actor_of(const lg_http_call *call, lg_admin_actor *who)
{
    memset(who, 0, sizeof *who);
    snprintf(who->admin, sizeof who->admin, "%s", call->req->remote_user);
    snprintf(who->request_id, sizeof who->request_id, "%s", call->req->request_id);
    snprintf(who->client_ip, sizeof who->client_ip, "%s", call->req->client_ip);
}

int lg_admin_partner_id_arg(lg_http_call *call, char id[LG_ID_LEN])
{
    char msg[160];
    if (lg_validate_loan_id("partnerId", lg_request_param(call->req, "partnerId"), id, msg,
                            sizeof msg) == LG_OK)
        return 1;
    lg_http_fail(call, 400, msg);
    return 0;
}

int lg_admin_text_arg(lg_http_call *call, const char *name, char *out, size_t cap, const char *why)
{
    char msg[160];
    out[0] = '\0';
    lg_err rc = lg_request_query(call->req, name, out, cap);
    if (rc == LG_OK || rc == LG_ERR_NOT_FOUND)
        return 1;
    out[0] = '\0';
    if (why)
        snprintf(msg, sizeof msg, "%s: %s", name, why);
    else
        snprintf(msg, sizeof msg, "%s: must be printable text of at most %zu bytes", name, cap - 1);
    lg_http_fail(call, 400, msg);
    return 0;
}

void lg_admin_body_failed(lg_http_call *call, lg_err rc, const char *msg)
{
    lg_http_fail(call, lg_http_error_status(rc), rc == LG_ERR_INVALID ? msg : "Internal error");
}

struct json_object *lg_admin_wrap(const char *name, struct json_object *value)
{
    struct json_object *o = json_object_new_object();
    if (!o || !value) {
        json_object_put(o);
        json_object_put(value);
        return NULL;
    }
    json_object_object_add(o, name, value);
    return o;
}

struct json_object *lg_admin_page_json(const char *name, struct json_object *items, size_t n,
                                       uint64_t total, uint32_t limit, uint64_t offset)
{
    struct json_object *o = json_object_new_object(), *pg = json_object_new_object();
    if (!o || !pg || !items) {
        json_object_put(o);
        json_object_put(pg);
        json_object_put(items);
        return NULL;
    }
    json_object_object_add(o, name, items);
    lg_render_int(pg, "total", (int64_t)total);
    lg_render_int(pg, "limit", limit);
    lg_render_int(pg, "offset", (int64_t)offset);
    json_object_object_add(pg, "hasMore", json_object_new_boolean(offset + n < total));
    json_object_object_add(o, "pagination", pg);
    return o;
}
