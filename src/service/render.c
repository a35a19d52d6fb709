/* render.c - JSON field helpers shared by the partner and admin handlers. */
#include "config.h"

#include <lendgate/render.h>

#include <lendgate/amount.h>
#include <lendgate/time.h>

#include <stdio.h>

void lg_render_str(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

void lg_render_int(struct json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

void lg_render_opt(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

void lg_render_json(struct json_object *o, const char *k, const char *v)
{
    struct json_object *j = v && *v ? json_tokener_parse(v) : NULL;
    if (j && !json_object_is_type(j, json_type_object)) {
        json_object_put(j);
        j = NULL;
    }
    json_object_object_add(o, k, j);
}

void lg_render_time(struct json_object *o, const char *k, int64_t ms)
{
    char t[LG_RFC3339_LEN] = "";
    if (ms > 0)
        lg_time_format_rfc3339(ms, t, sizeof t);
    json_object_object_add(o, k, ms > 0 ? json_object_new_string(t) : NULL);
}

void lg_render_amount(struct json_object *o, const char *k, uint64_t v)
{
    char dec[LG_AMOUNT_TEXT_LEN] = "";
    lg_amount_format(v, dec, sizeof dec);
    lg_render_str(o, k, dec);
}

void lg_render_amount_usd(struct json_object *o, const char *k, uint64_t v)
{
    char usd[LG_AMOUNT_USD_LEN] = "", key[64];
    lg_render_amount(o, k, v);
    lg_amount_format_usd(v, usd, sizeof usd);
    snprintf(key, sizeof key, "%sFormatted", k);
    lg_render_str(o, key, usd);
}
