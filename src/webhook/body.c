/* body.c - the delivered body of an event: the envelope keys, the data's own keys,
 * and the data again under "data" (see webhook.h), built with json-c. */
#include "config.h"

#include <lendgate/time.h>
#include <lendgate/webhook.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Keys the envelope owns: a data key of the same name is not repeated at the top,
 * so the body never has a duplicate key (the data keeps its own under "data"). */
static const char *const envelope_keys[] = {"id",       "type",      "event",       "timestamp",
                                            "sequence", "partnerId", "environment", "data"};

static int is_envelope_key(const char *key)
{
    for (size_t i = 0; i < sizeof envelope_keys / sizeof envelope_keys[0]; i++)
        if (strcmp(key, envelope_keys[i]) == 0)
            return 1;
    return 0;
}

/* Adds key: v, taking v; returns non-zero (v released) when json-c could not. */
static int add(json_object *o, const char *key, json_object *v)
{
    if (!v)
        return 1;
    if (json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        return 1;
    }
    return 0;
}

/* Parses payload (the whole text, strictly) into *out when it is a JSON object.
 * Out: *out (a reference the caller puts). Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOMEM. */
static lg_err parse_object(const char *payload, size_t len, json_object **out)
{
    *out = NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return LG_ERR_NOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *v = json_tokener_parse_ex(tok, payload, (int)len);
    size_t end = json_tokener_get_parse_end(tok);
    while (end < len && strchr(" \t\r\n", payload[end]))
        end++;
    int whole = v && json_tokener_get_error(tok) == json_tokener_success && end == len;
    json_tokener_free(tok);
    if (!whole || !json_object_is_type(v, json_type_object)) {
        json_object_put(v);
        return LG_ERR_INVALID;
    }
    *out = v;
    return LG_OK;
}

/* The envelope keys in their order; returns non-zero on allocation failure, 2 when
 * the event's time cannot be written. */
static int add_envelope(json_object *o, const lg_event *e)
{
    char ts[LG_RFC3339_LEN], id[LG_ID_LEN];
    if (lg_time_format_rfc3339(e->created_at_ms, ts, sizeof ts) != LG_OK)
        return 2;
    /* A sandbox twin's events name the partner, and say they are the sandbox's. */
    int sandbox = lg_partner_public_id(e->partner_id, id);
    return add(o, "id", json_object_new_string(e->event_id)) ||
           add(o, "type", json_object_new_string(e->type)) ||
           add(o, "event", json_object_new_string(e->type)) ||
           add(o, "timestamp", json_object_new_string(ts)) ||
           add(o, "sequence", json_object_new_uint64(e->seq)) ||
           add(o, "partnerId", json_object_new_string(id)) ||
           add(o, "environment", json_object_new_string(sandbox ? "sandbox" : "live"));
}

/* The data's own keys (envelope keys skipped), then "data" itself, which o takes. */
static int add_data(json_object *o, json_object *data)
{
    json_object_object_foreach(data, key, val)
    {
        if (!is_envelope_key(key) && add(o, key, json_object_get(val)))
            return 1;
    }
    return add(o, "data", json_object_get(data));
}

/* Copies the text of o into a new string. Out: *out (malloc'd; the caller frees). */
static lg_err detach_text(json_object *o, char **out, size_t *len)
{
    size_t n = 0;
    const char *text = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!text)
        return LG_ERR_NOMEM;
    char *copy = malloc(n + 1);
    if (!copy)
        return LG_ERR_NOMEM;
    memcpy(copy, text, n + 1);
    *out = copy;
    *len = n;
    return LG_OK;
}

lg_err lg_webhook_body(const lg_event *e, char **out, size_t *len)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (!e || !out || !len)
        return LG_ERR_INVALID;
    json_object *data = NULL, *o = NULL;
    lg_err rc = parse_object(e->payload, strnlen(e->payload, sizeof e->payload), &data);
    if (rc != LG_OK)
        goto out;
    o = json_object_new_object();
    if (!o) {
        rc = LG_ERR_NOMEM;
        goto out;
    }
    int failed = add_envelope(o, e);
    if (failed) {
        rc = failed == 2 ? LG_ERR_INVALID : LG_ERR_NOMEM;
        goto out;
    }
    if (add_data(o, data)) {
        rc = LG_ERR_NOMEM;
        goto out;
    }
    rc = detach_text(o, out, len);
out:
    json_object_put(o);
    json_object_put(data);
    return rc;
}
