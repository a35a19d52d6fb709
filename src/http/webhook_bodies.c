/* webhook_bodies.c - the bodies of the webhook operations (webhook_bodies.h). */
#include "config.h"

#include <lendgate/json_input.h>
#include <lendgate/validate.h>
#include <lendgate/webhook_bodies.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define GRACE_MAX_SECONDS 31536000

/* Parses body against fields[0..n) into values (borrowed from *obj, which the
 * caller releases with json_object_put). */
static lg_err take(const char *body, size_t len, const lg_json_field *fields, size_t n,
                   struct json_object **obj, struct json_object **values, char *msg, size_t msglen)
{
    *obj = NULL;
    if (!msg || msglen == 0 || (!body && len > 0))
        return LG_ERR_INVALID;
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, obj, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_take(*obj, fields, n, values, msg, msglen);
    return rc;
}

lg_err lg_parse_webhook_replay_since(const char *body, size_t len, int64_t *since_ms, char *msg,
                                     size_t msglen)
{
    static const lg_json_field fields[] = {{"since", 1}};
    struct json_object *obj = NULL, *v[1];
    const char *text = NULL;
    if (!since_ms)
        return LG_ERR_INVALID;
    if (len == 0 && msg && msglen) {
        snprintf(msg, msglen, "since: is required");
        return LG_ERR_INVALID;
    }
    lg_err rc = take(body, len, fields, 1, &obj, v, msg, msglen);
    if (rc == LG_OK)
        rc = lg_json_string("since", v[0], &text, msg, msglen);
    if (rc == LG_OK)
        rc = lg_validate_date("since", text, since_ms, msg, msglen);
    json_object_put(obj);
    return rc;
}

lg_err lg_parse_webhook_rotate(const char *body, size_t len, uint64_t *grace_seconds, char *msg,
                               size_t msglen)
{
    static const lg_json_field fields[] = {{"graceSeconds", 0}};
    struct json_object *obj = NULL, *v[1];
    if (!grace_seconds)
        return LG_ERR_INVALID;
    if (len == 0)
        return LG_OK;
    lg_err rc = take(body, len, fields, 1, &obj, v, msg, msglen);
    if (rc == LG_OK && v[0]) {
        int64_t n = json_object_is_type(v[0], json_type_int) ? json_object_get_int64(v[0]) : -1;
        if (n < 0 || n > GRACE_MAX_SECONDS) {
            snprintf(msg, msglen, "graceSeconds: must be an integer from 0 to %d",
                     GRACE_MAX_SECONDS);
            rc = LG_ERR_INVALID;
        } else {
            *grace_seconds = (uint64_t)n;
        }
    }
    json_object_put(obj);
    return rc;
}

lg_err lg_parse_webhook_test(const char *body, size_t len, char *message, size_t cap, char *msg,
                             size_t msglen)
{
    static const lg_json_field fields[] = {{"message", 0}};
    struct json_object *obj = NULL, *v[1];
    const char *text = NULL;
    if (!message || cap == 0)
        return LG_ERR_INVALID;
    message[0] = '\0';
    if (len == 0)
        return LG_OK;
    lg_err rc = take(body, len, fields, 1, &obj, v, msg, msglen);
    if (rc == LG_OK && v[0])
        rc = lg_json_string("message", v[0], &text, msg, msglen);
    if (rc == LG_OK && text && strlen(text) >= cap) {
        snprintf(msg, msglen, "message: must be at most %zu bytes", cap - 1);
        rc = LG_ERR_INVALID;
    } else if (rc == LG_OK && text) {
        memcpy(message, text, strlen(text) + 1);
    }
    json_object_put(obj);
    return rc;
}
