/*
 * webhook.h - delivering webhook events over HTTP: the envelope, both signature
 * schemes, the address guard and a batch of deliveries on libcurl multi.
 *
 * Knows nothing of the store: the service's dispatcher claims events, asks this
 * module to deliver them, and records what happened.
 *
 * The delivered body (lg_webhook_body) is the event's data object with the envelope
 * keys added in front, and the data repeated under "data" (Standard Webhooks' shape):
 *
 *   {"id":"evt_...","type":"loan.borrowed","event":"loan.borrowed",
 *    "timestamp":"2026-11-24T01:48:44.123Z","sequence":7,"partnerId":"...",
 *    ...the data's own keys...,"data":{...the data...}}
 *
 * so a partner written to the plan reads body.partnerLoanId, one written to Standard
 * Webhooks reads body.data.partnerLoanId. A data key that is also an envelope key
 * ("id", "type", "event", "timestamp", "sequence", "partnerId", "data") is not repeated
 * at the top, so the body has no duplicate key; the envelope's timestamp is the
 * event's creation time. The body of an event is the same bytes on
 * every attempt; only the timestamps and signatures of the headers change.
 *
 * Headers of every delivery:
 *   Content-Type: application/json
 *   User-Agent: lendgate-webhooks/VERSION
 *   X-Webhook-Event: <type>
 *   X-Webhook-Id: <event id>
 *   X-Webhook-Timestamp: <attempt time, ms since the epoch>   (the plan's)
 *   X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)> (the plan's)
 *   webhook-id: <event id>                                      (Standard Webhooks 1.0)
 *   webhook-timestamp: <attempt time, seconds>
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, id "." timestamp "." body)>
 * The plan's HMAC key is the secret text as given ("whsec_..."); the Standard
 * Webhooks key is the base64 decoding of the text after "whsec_" (how its libraries
 * read a secret). During a rotation's grace (a previous secret still valid),
 * webhook-signature carries both signatures, space-separated, new first, and
 * X-Webhook-Signature carries the previous secret's signature (what a partner that
 * has not switched yet checks) while X-Webhook-Signature-Next carries the new one.
 */
#ifndef LENDGATE_WEBHOOK_H
#define LENDGATE_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>

struct sockaddr;

/* ------------------------------------------------------------ body */

/*
 * The delivered body of e (see above). e->payload must be a JSON object.
 * Out: *out (malloc'd, NUL-terminated; the caller free()s), *len.
 * Returns LG_OK, LG_ERR_INVALID (payload not a JSON object), LG_ERR_NOMEM.
 */
lg_err lg_webhook_body(const lg_event *e, char **out, size_t *len);

/* ------------------------------------------------------------ signatures */

#define LG_WEBHOOK_PLAN_SIG_LEN 72  /* "sha256=" + 64 hex (+NUL) */
#define LG_WEBHOOK_STD_SIG_LEN  128 /* "v1,<base64 of 32 bytes>", two of them (+NUL) */

/* "sha256=<hex HMAC-SHA256(secret, body)>" into out. Returns LG_OK, LG_ERR_INVALID. */
lg_err lg_webhook_sign_plan(const char *secret, const char *body, size_t len,
                            char out[LG_WEBHOOK_PLAN_SIG_LEN]);

/* "v1,<base64 HMAC-SHA256(key, id.ts.body)>" into out (cap bytes), key read from
 * secret as above (a secret without the prefix, or whose rest is not base64, is used
 * as its bytes). Returns LG_OK, LG_ERR_INVALID, LG_ERR_OVERFLOW, LG_ERR_NOMEM (the
 * signed message is assembled on the heap). */
lg_err lg_webhook_sign_std(const char *secret, const char *id, int64_t ts_s, const char *body,
                           size_t len, char *out, size_t cap);

/* ------------------------------------------------------------ address guard */

/* Which destinations a delivery may connect to, besides public unicast addresses. */
typedef struct lg_webhook_guard {
    int allow_http;     /* plain http:// URLs (otherwise https only) */
    int allow_loopback; /* 127.0.0.0/8, ::1 */
    int allow_private;  /* RFC 1918, fc00::/7, 100.64.0.0/10 (CGNAT) */
} lg_webhook_guard;

/*
 * Whether a delivery may connect to address sa (AF_INET or AF_INET6; a v4-mapped
 * v6 address is judged as its v4 address). Link-local (169.254.0.0/16, fe80::/10, so
 * every cloud metadata service), unspecified, multicast, broadcast, documentation and
 * reserved ranges are always refused; loopback and private ranges unless g allows.
 * Returns 1 (allowed) or 0, with *why (may be NULL) a static phrase ("loopback",
 * "private", "link-local", ...).
 */
int lg_webhook_addr_allowed(const struct sockaddr *sa, const lg_webhook_guard *g, const char **why);

/* Whether url may be registered and delivered to under g: http(s) only (https unless
 * allow_http), a host, no user or password. Returns LG_OK or LG_ERR_INVALID with
 * *why (may be NULL) a static phrase. */
lg_err lg_webhook_url_ok(const char *url, const lg_webhook_guard *g, const char **why);

/* ------------------------------------------------------------ answers */

/*
 * Parses a Retry-After value (delay-seconds or an HTTP-date, RFC 9110 10.2.3) at
 * now_ms. Out: *delay_ms (>= 0; a date in the past is 0), capped at 7 days.
 * Returns LG_OK, LG_ERR_INVALID (not a valid value).
 */
lg_err lg_webhook_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms);

/* What an endpoint's answer means for its event. */
typedef enum {
    LG_WEBHOOK_DELIVERED, /* 2xx */
    LG_WEBHOOK_GONE,      /* 410: the endpoint is switched off */
    LG_WEBHOOK_REDIRECT,  /* 3xx: not followed, a failure */
    LG_WEBHOOK_FAILED     /* anything else, and no answer (0) */
} lg_webhook_answer;

/* The meaning of status; *asks_wait (may be NULL) = 1 for the answers whose
 * Retry-After is honoured (429, 503). */
lg_webhook_answer lg_webhook_answer_of(int status, int *asks_wait);

/* ------------------------------------------------------------ delivery */

#define LG_WEBHOOK_HEAD_LEN 256 /* bytes of an answer's body kept (+NUL) */

/* One delivery: in and out. */
typedef struct lg_webhook_req {
    /* In (borrowed; must outlive lg_webhook_deliver). */
    const char *url;
    const char *body;
    size_t body_len;
    const char *event_type;
    const char *event_id;
    const char *secret;      /* current webhook secret */
    const char *secret_prev; /* the one a rotation replaced, or NULL/"" */
    /* Out. */
    int64_t started_at_ms;
    int status_code; /* 0: no HTTP answer (see error) */
    uint32_t latency_ms;
    int64_t retry_after_ms;                  /* from a 429/503's Retry-After; -1 when none */
    char response_head[LG_WEBHOOK_HEAD_LEN]; /* printable ASCII: other bytes as '?' */
    char error[LG_REASON_LEN];               /* "" when the endpoint answered; never a secret */
    int refused;                             /* the guard refused the address it resolved to */
} lg_webhook_req;

typedef struct lg_webhook_opts {
    lg_webhook_guard guard;
    long timeout_ms;         /* per attempt, connection included */
    long connect_timeout_ms; /* 0 = timeout_ms */
    size_t max_parallel;     /* concurrent connections; 0 = 16 */
} lg_webhook_opts;

/*
 * Delivers every request of reqs at once (libcurl multi), signed with the headers
 * above at the moment each starts, and fills each one's results. Redirects are never
 * followed; proxies from the environment are ignored; the address each connection
 * resolves to is checked by lg_webhook_addr_allowed before connect(), so a name
 * resolving to a refused address fails with refused = 1 and nothing sent.
 * A request's failure is in its own fields; the return says whether the batch ran.
 * Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOMEM, LG_ERR_INTERNAL (libcurl failed).
 */
lg_err lg_webhook_deliver(lg_webhook_req *reqs, size_t n, const lg_webhook_opts *opts);

#endif
