/*
 * render.h - the JSON field helpers the partner and admin handlers render with, so
 * both APIs spell a string, an amount or a time the same way. Each adds one member
 * k to the object o (json-c takes the new value; a value json-c could not allocate
 * is added as null). None allocates anything the caller must free.
 */
#ifndef LENDGATE_RENDER_H
#define LENDGATE_RENDER_H

#include <stdint.h>

#include <json-c/json.h>

/* v as a string; NULL as "". */
void lg_render_str(struct json_object *o, const char *k, const char *v);

/* v as an integer. */
void lg_render_int(struct json_object *o, const char *k, int64_t v);

/* v as a string, or null when v is NULL or empty (an optional field). */
void lg_render_opt(struct json_object *o, const char *k, const char *v);

/* JSON text v (from the store) as the object it holds, or null when v is NULL, empty
 * or not a JSON object, so a reader is never handed a string to parse. */
void lg_render_json(struct json_object *o, const char *k, const char *v);

/* ms as RFC 3339 text, or null for 0 and below (never happened, does not expire). */
void lg_render_time(struct json_object *o, const char *k, int64_t ms);

/* An amount in base units as decimal text. */
void lg_render_amount(struct json_object *o, const char *k, uint64_t v);

/* lg_render_amount, plus the amount in dollars under k + "Formatted". */
void lg_render_amount_usd(struct json_object *o, const char *k, uint64_t v);

#endif
