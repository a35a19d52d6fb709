/*
 * webhook_bodies.h - the JSON bodies of the webhook operations (webhooks_admin.h),
 * parsed strictly (json_input.h): unknown fields, a field given twice, a wrong type
 * are 400 naming the field. The admin API and `lendgatectl webhook` both parse
 * through these, so they accept the same values. Nothing here touches the store.
 *
 * Each returns LG_OK, LG_ERR_INVALID (msg, msglen bytes, names the field and why) or
 * LG_ERR_NOMEM. An optional body may be absent (len 0).
 */
#ifndef LENDGATE_WEBHOOK_BODIES_H
#define LENDGATE_WEBHOOK_BODIES_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

/* POST /admin/partners/:partnerId/webhooks/replay: {"since": "<RFC 3339 time or
 * YYYY-MM-DD>"}, required. Out: *since_ms. */
lg_err lg_parse_webhook_replay_since(const char *body, size_t len, int64_t *since_ms, char *msg,
                                     size_t msglen);

/* POST /admin/partners/:partnerId/webhooks/rotate-secret: optional {"graceSeconds":
 * N}, N a JSON integer from 0 to 31536000. *grace_seconds keeps the caller's default
 * when not given. */
lg_err lg_parse_webhook_rotate(const char *body, size_t len, uint64_t *grace_seconds, char *msg,
                               size_t msglen);

/* POST .../webhooks/test: optional {"message": "<text>"}. Out: message (cap bytes),
 * "" when not given; a longer message is 400 (the service checks its content). */
lg_err lg_parse_webhook_test(const char *body, size_t len, char *message, size_t cap, char *msg,
                             size_t msglen);

#endif
