/*
 * webhook_handlers.h - the webhook endpoints of the admin API (admitted by
 * lg_auth_admin, every action in the admin audit) and of the partner API (the
 * partner's own events only: another partner's event is 404). Each validates its
 * path parameter, query or body (400 naming the field), calls webhooks_admin.h and
 * renders; the outcome gives every failure's status (404 unknown event or partner,
 * 409 no webhook URL or an event being delivered).
 *
 * An event renders as lg_view_event, with its attempts as lg_view_event_attempt.
 * Lists answer {"deliveries":[...],"pagination":{"total","limit","offset","hasMore"}},
 * newest first, with the APIs' limit/offset rules, filtered by status (PENDING,
 * DELIVERING, DELIVERED, DEAD, SKIPPED, any case), eventType, since and until
 * (RFC 3339 time or YYYY-MM-DD, [since, until)) and, for admins, partnerId.
 */
#ifndef LENDGATE_WEBHOOK_HANDLERS_H
#define LENDGATE_WEBHOOK_HANDLERS_H

#include <lendgate/http.h>

/* GET /admin/webhooks/deliveries: 200 {deliveries[], pagination}. */
void lg_h_admin_webhook_list(lg_http_call *call);

/* GET /admin/webhooks/deliveries/:eventId: 200 {event, attempts[]}. */
void lg_h_admin_webhook_show(lg_http_call *call);

/* POST /admin/webhooks/deliveries/:eventId/replay: 200 {event} (PENDING, attempts 0). */
void lg_h_admin_webhook_replay(lg_http_call *call);

/* POST /admin/partners/:partnerId/webhooks/replay {since}: 200 {partnerId, since,
 * replayed}. */
void lg_h_admin_webhook_replay_since(lg_http_call *call);

/* POST /admin/partners/:partnerId/webhooks/enable: 200 {partner}. */
void lg_h_admin_webhook_enable(lg_http_call *call);

/* POST /admin/partners/:partnerId/webhooks/test, optional {message}: 202 {event}. */
void lg_h_admin_webhook_test(lg_http_call *call);

/* POST /admin/partners/:partnerId/webhooks/rotate-secret, optional {graceSeconds}
 * (default [webhook] secret_grace_seconds): 200 {partnerId, webhookSecret (shown
 * once), previousSecretExpiresAt (null when none is kept), warning}. */
void lg_h_admin_webhook_rotate(lg_http_call *call);

/* GET /partners/webhooks/deliveries: the caller's own, as the admin list. */
void lg_h_webhook_list(lg_http_call *call);

/* GET /partners/webhooks/deliveries/:eventId: 200 {event, attempts[]}; 404 for an
 * event of another partner. */
void lg_h_webhook_show(lg_http_call *call);

/* POST /partners/webhooks/test, optional {message}: 202 {event}. */
void lg_h_webhook_test(lg_http_call *call);

#endif
