/*
 * dispatch.h - the webhook dispatcher: delivers the outbox's events to the partners'
 * endpoints, signed (webhook.h), retried on [webhook] retry_schedule, recorded.
 *
 * Any number of dispatchers may run at once, on one host or several sharing a store:
 * each round claims events under a lease (lg_store_event_claim), so two never hold
 * the same event, and one partner's events go out one at a time in sequence order.
 * A dispatcher killed mid-delivery leaves its events to whoever claims once the lease
 * ([webhook] lease_ms) ran out: the partner may then see an event twice, with the
 * same id (delivery is at least once; partners deduplicate by id).
 */
#ifndef LENDGATE_DISPATCH_H
#define LENDGATE_DISPATCH_H

#include <lendgate/service.h>

typedef struct lg_dispatch_report {
    unsigned claimed;
    unsigned delivered;
    unsigned retried;  /* failed, due again later */
    unsigned dead;     /* failed for the last time */
    unsigned disabled; /* the endpoint answered 410: switched off */
    unsigned lost;     /* the lease ran out before the attempt was recorded */
} lg_dispatch_report;

/*
 * One round: claims up to [webhook] batch due events, delivers them at once (at most
 * [webhook] max_parallel connections), and records each attempt and its outcome:
 * 2xx delivered; 410 disables the endpoint (the event waits for an admin to enable
 * it); anything else (3xx included: redirects are not followed, a timeout, a refused
 * address) is retried after the schedule's next delay, or after Retry-After when a
 * 429 or 503 asks for longer, until the schedule runs out (DEAD). note (may be NULL)
 * receives one line per event. Works on a store-only service.
 * Out: *report. Returns LG_OK (report filled), LG_ERR_INVALID, or the store's error
 * (attempts already recorded are kept).
 */
lg_err lg_service_dispatch(lg_service *svc, lg_dispatch_report *report, lg_reconcile_note_fn note,
                           void *note_ctx);

#endif
