/* ops_handlers.c - GET /metrics, /healthz and /readyz (ops_handlers.h). */
#include "config.h"

#include <lendgate/ops_handlers.h>

#include <lendgate/log.h>
#include <lendgate/observe.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"

void lg_h_metrics(lg_http_call *call)
{
    lg_http_server *srv = call->srv;
    char dir[sizeof srv->metrics_dir];
    lg_metrics_text text = {0};
    lg_err rc = srv->metrics_dir[0] ? LG_OK : lg_service_metrics_dir(srv->cfg, dir, sizeof dir);
    if (rc == LG_OK)
        rc = lg_service_scrape(srv->svc, srv->metrics_dir[0] ? srv->metrics_dir : dir, &text);
    if (rc != LG_OK || !text.data) {
        free(text.data);
        lg_error("metrics.scrape", "scrape failed: %s", lg_strerror(rc));
        lg_http_fail(call, 500, "Metrics unavailable");
        return;
    }
    lg_response_text(call->resp, 200, text.data, text.len, EXPOSITION);
}

void lg_h_healthz(lg_http_call *call)
{
    struct json_object *o = json_object_new_object();
    if (o) {
        json_object_object_add(o, "status", json_object_new_string("ok"));
        json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
        json_object_object_add(o, "pid", json_object_new_int64((int64_t)getpid()));
    }
    lg_http_reply(call, 200, o);
}

static struct json_object *check_json(int ok, const char *error)
{
    struct json_object *c = json_object_new_object();
    if (!c)
        return NULL;
    json_object_object_add(c, "ok", json_object_new_boolean(ok));
    if (!ok && error && error[0])
        json_object_object_add(c, "error", json_object_new_string(error));
    return c;
}

void lg_h_readyz(lg_http_call *call)
{
    lg_readiness r;
    lg_http_reopen_due(call);
    lg_service_readiness(call->srv->svc, &r);
    int ready = r.store_ok && r.chain_ok && r.key_ok;
    struct json_object *o = json_object_new_object(), *checks = json_object_new_object();
    struct json_object *chain = check_json(r.chain_ok, r.chain_error);
    if (chain && r.chain_id)
        json_object_object_add(chain, "chainId", json_object_new_int64((int64_t)r.chain_id));
    if (checks) {
        json_object_object_add(checks, "store", check_json(r.store_ok, r.store_error));
        json_object_object_add(checks, "chain", chain);
        json_object_object_add(checks, "platformKey",
                               check_json(r.key_ok, "the platform key is not loaded"));
    } else
        json_object_put(chain);
    if (o) {
        if (!ready)
            json_object_object_add(o, "success", json_object_new_boolean(0));
        json_object_object_add(o, "status", json_object_new_string(ready ? "ready" : "not_ready"));
        json_object_object_add(o, "checks", checks);
    } else
        json_object_put(checks);
    lg_http_reply(call, ready ? 200 : 503, o);
}
