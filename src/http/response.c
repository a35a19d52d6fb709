/* response.c - JSON responses and the one error shape of the API. */
#include "config.h"

#include <lendgate/response.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lg_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Error";
    }
}

/* Serializes obj into r->body, replacing what was there. */
static lg_err set_body(lg_response *r, struct json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!text)
        return LG_ERR_NOMEM;
    char *copy = malloc(len + 1);
    if (!copy)
        return LG_ERR_NOMEM;
    memcpy(copy, text, len + 1);
    free(r->body);
    r->body = copy;
    r->body_len = len;
    r->content_type[0] = '\0';
    return LG_OK;
}

static lg_err fallback(lg_response *r, int status)
{
    static const char text[] = "{\"success\":false,\"statusCode\":500,\"error\":\"Internal Server "
                               "Error\",\"message\":\"out of memory\",\"requestId\":\"\"}";
    free(r->body);
    r->content_type[0] = '\0';
    r->body = malloc(sizeof text);
    r->body_len = r->body ? sizeof text - 1 : 0;
    if (r->body)
        memcpy(r->body, text, sizeof text);
    r->status = r->body ? 500 : status;
    return LG_ERR_NOMEM;
}

lg_err lg_response_error(lg_response *r, int status, const char *message, const char *request_id)
{
    if (!r)
        return LG_ERR_INVALID;
    r->status = status;
    struct json_object *o = json_object_new_object();
    if (!o)
        return fallback(r, status);
    json_object_object_add(o, "success", json_object_new_boolean(0));
    json_object_object_add(o, "statusCode", json_object_new_int(status));
    json_object_object_add(o, "error", json_object_new_string(lg_http_reason(status)));
    json_object_object_add(o, "message", json_object_new_string(message ? message : ""));
    json_object_object_add(o, "requestId", json_object_new_string(request_id ? request_id : ""));
    lg_err rc = set_body(r, o);
    json_object_put(o);
    return rc == LG_OK ? LG_OK : fallback(r, status);
}

lg_err lg_response_success(lg_response *r, int status, struct json_object *data,
                           const char *request_id)
{
    if (!r || !json_object_is_type(data, json_type_object)) {
        json_object_put(data);
        return LG_ERR_INVALID;
    }
    struct json_object *o = json_object_new_object();
    if (!o) {
        json_object_put(data);
        return fallback(r, status);
    }
    /* The plan's answers are their fields at the top level, led by success. */
    if (!json_object_object_get_ex(data, "success", NULL))
        json_object_object_add(o, "success", json_object_new_boolean(1));
    json_object_object_foreach(data, k, v) json_object_object_add(o, k, json_object_get(v));
    json_object_put(data);
    json_object_object_add(o, "requestId", json_object_new_string(request_id ? request_id : ""));
    r->status = status;
    lg_err rc = set_body(r, o);
    json_object_put(o);
    return rc == LG_OK ? LG_OK : fallback(r, status);
}

/* Appends "Name: value\r\n" when value is set; returns the new length or -1. */
static int add_header(char *out, size_t cap, int len, const char *name, const char *value)
{
    if (len < 0 || !value[0])
        return len;
    int n = snprintf(out + len, cap - (size_t)len, "%s: %s\r\n", name, value);
    return n < 0 || (size_t)n >= cap - (size_t)len ? -1 : len + n;
}

lg_err lg_response_head(const lg_response *r, const char *request_id, char *out, size_t cap)
{
    if (!r || !out || cap == 0)
        return LG_ERR_INVALID;
    int n = snprintf(out, cap,
                     "Status: %d %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nX-Request-Id: %s\r\nCache-Control: no-store\r\n",
                     r->status, lg_http_reason(r->status),
                     r->content_type[0] ? r->content_type : "application/json", r->body_len,
                     request_id ? request_id : "");
    if (n < 0 || (size_t)n >= cap)
        return LG_ERR_OVERFLOW;
    n = add_header(out, cap, n, "Allow", r->allow);
    n = add_header(out, cap, n, "Retry-After", r->retry_after);
    n = add_header(out, cap, n, "RateLimit-Policy", r->ratelimit_policy);
    n = add_header(out, cap, n, "RateLimit", r->ratelimit);
    n = add_header(out, cap, n, "Server-Timing", r->server_timing);
    if (n < 0 || (size_t)n + 3 > cap)
        return LG_ERR_OVERFLOW;
    memcpy(out + n, "\r\n", 3);
    return LG_OK;
}

lg_err lg_response_text(lg_response *r, int status, char *text, size_t len,
                        const char *content_type)
{
    if (!r || !text || !content_type || strlen(content_type) >= sizeof r->content_type) {
        free(text);
        return LG_ERR_INVALID;
    }
    free(r->body);
    r->status = status;
    r->body = text;
    r->body_len = len;
    snprintf(r->content_type, sizeof r->content_type, "%s", content_type);
    return LG_OK;
}

void lg_response_release(lg_response *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->content_type[0] = '\0';
}
