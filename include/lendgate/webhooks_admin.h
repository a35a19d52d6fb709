/*
 * webhooks_admin.h - operating the webhook outbox: the one implementation behind
 * /admin/webhooks, /admin/partners/:partnerId/webhooks/..., /partners/webhooks/...
 * and `lendgatectl webhook`.
 *
 * Reads list and show events (with their delivery attempts); actions replay events,
 * switch a partner's endpoint back on, queue a test event and rotate the webhook
 * secret. Every admin action commits with its admin_audit row (actions
 * "webhook.replay", "webhook.replay_since", "webhook.enable", "webhook.test",
 * "webhook.rotate_secret"); the rows hold the partner as admins see it plus a
 * "webhookAction" object saying what was done, never a secret.
 *
 * Every function fills an lg_outcome (service.h) on every return: err
 * LG_ERR_INVALID (the field named: eventId, status, eventType, since, until,
 * graceSeconds, message), LG_ERR_NOT_FOUND ("Event not found", "Partner not found"),
 * LG_ERR_CONFLICT (no webhook URL; an event being delivered right now), or the
 * store's class (LG_ERR_BUSY, LG_ERR_DISK, LG_ERR_STORE).
 */
#ifndef LENDGATE_WEBHOOKS_ADMIN_H
#define LENDGATE_WEBHOOKS_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/admin.h>
#include <lendgate/error.h>
#include <lendgate/model.h>
#include <lendgate/service.h>
#include <lendgate/store.h>

struct json_object;

#define LG_WEBHOOK_TEST_TYPE    "webhook.test"
#define LG_WEBHOOK_MESSAGE_MAX  200 /* bytes of a test event's message */
#define LG_WEBHOOK_DEFAULT_TEST "Test event from lendgate"

/*
 * The events of f (store.h's filter: partner_id, type, status, start_ms, end_ms,
 * limit, offset), newest first. f->type must look like an event type
 * (^[a-z0-9_.]{1,47}$); end_ms must be after start_ms when both are set.
 * Out: *items (malloc'd, free()), *n, *total.
 */
lg_err lg_webhook_list(lg_service *svc, const lg_event_filter *f, lg_event **items, size_t *n,
                       uint64_t *total, lg_outcome *out);

/*
 * One event with its attempts, first first. partner_id, when not NULL, must own the
 * event (a partner reading its own: another's is "Event not found").
 * Out: *e, *attempts (malloc'd, free(); may be NULL when *nattempts is 0).
 */
lg_err lg_webhook_get(lg_service *svc, const char *event_id, const char *partner_id, lg_event *e,
                      lg_event_attempt **attempts, size_t *nattempts, lg_outcome *out);

/* Makes event_id due now with a fresh retry schedule (attempts 0, PENDING), keeping
 * its id and sequence number. An event being delivered right now is LG_ERR_CONFLICT.
 * Out: *after (may be NULL) = the event after the replay. */
lg_err lg_webhook_replay(lg_service *svc, const lg_admin_actor *who, const char *event_id,
                         lg_event *after, lg_outcome *out);

/* Replays every event of partner_id created at or after since_ms (> 0, not in the
 * future), but those being delivered right now. Out: *count (may be NULL). */
lg_err lg_webhook_replay_since(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                               int64_t since_ms, uint64_t *count, lg_outcome *out);

/* Switches partner_id's endpoint back on (clears webhook_disabled_at_ms and its
 * reason); its waiting events go out on the next dispatcher pass. An endpoint that
 * is on is left as it is (LG_OK, no audit row). Out: *after (may be NULL). */
lg_err lg_webhook_enable(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                         lg_partner *after, lg_outcome *out);

/*
 * Queues a "webhook.test" event for partner_id with data {"partnerId", "message",
 * "timestamp"}; message NULL or "" takes LG_WEBHOOK_DEFAULT_TEST, else at most
 * LG_WEBHOOK_MESSAGE_MAX bytes of printable text. who NULL: the partner asked for it
 * itself (the partner API's log records it, no admin row). A partner without a
 * webhook URL is LG_ERR_CONFLICT (field webhookUrl). Out: *ev (may be NULL).
 */
lg_err lg_webhook_send_test(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                            const char *message, lg_event *ev, lg_outcome *out);

/*
 * A new webhook secret ("whsec_" + 64 hex) for partner_id, effective at once; the
 * old one keeps signing too (webhook.h) until now + grace_seconds (0: it stops now;
 * pass [webhook] secret_grace_seconds for the default; at most 31536000).
 * Out: secrets->webhook_secret (shown once: the caller wipes it with
 * lg_admin_secrets_wipe), *prev_until_ms (may be NULL; 0 when none is kept).
 */
lg_err lg_webhook_rotate_secret(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                                uint64_t grace_seconds, lg_admin_secrets *secrets,
                                int64_t *prev_until_ms, lg_outcome *out);

/* ------------------------------------------------------------ views */

/* An event as the API and lendgatectl show it: eventId, partnerId, type, sequence,
 * status, attempts, nextAttemptAt, lastStatusCode (null for none), lastError,
 * createdAt, deliveredAt, payload (the data object, parsed). New object, caller
 * json_object_put()s; NULL when json-c could not allocate. */
struct json_object *lg_view_event(const lg_event *e);

/* One attempt: attempt, url, startedAt, statusCode (null: no HTTP answer),
 * latencyMs, outcome, responseHead, error. As lg_view_event. */
struct json_object *lg_view_event_attempt(const lg_event_attempt *a);

/* {"event": lg_view_event(e), "attempts": [...]}. As lg_view_event. */
struct json_object *lg_view_event_detail(const lg_event *e, const lg_event_attempt *a, size_t n);

#endif
