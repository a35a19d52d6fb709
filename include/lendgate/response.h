/*
 * response.h - one HTTP response of the API: a status, a JSON body and the few
 * headers the API sets (Allow, Retry-After, RateLimit-Policy, RateLimit), rendered as the CGI
 * header block a FastCGI responder writes. Every response carries X-Request-Id.
 *
 * Errors all have the shape of DESIGN.md:
 *   {"success":false,"statusCode":404,"error":"Not Found","message":"...","requestId":"..."}
 * Successes: {"success":true,"data":{...},"requestId":"..."}.
 */
#ifndef LENDGATE_RESPONSE_H
#define LENDGATE_RESPONSE_H

#include <stddef.h>

#include <lendgate/error.h>

struct json_object;

typedef struct lg_response {
    int status;
    char *body; /* malloc'd JSON text, owned by the response */
    size_t body_len;
    char allow[64];       /* "" or the Allow header of a 405 */
    char retry_after[16]; /* "" or seconds */
    /* "" or the rate-limit header values (RateLimit-Policy, RateLimit), set on every
     * response to a rate-limited caller so the budget left is always visible. */
    char ratelimit_policy[96];
    char ratelimit[96];
    char content_type[64];  /* "" is application/json */
    char server_timing[96]; /* "" or the Server-Timing header (calls that reach the chain) */
} lg_response;

/* The reason phrase of status ("Not Found"); "Error" for one not listed. */
const char *lg_http_reason(int status);

/*
 * Makes r an error response: status, and the error body with message (printable,
 * never a secret) and request_id. An allocation failure leaves a static fallback
 * body, so an error response can always be written. Returns LG_OK, LG_ERR_NOMEM.
 */
lg_err lg_response_error(lg_response *r, int status, const char *message, const char *request_id);

/*
 * Makes r a success response: the members of the object data at the top level (the
 * partner plan's shapes have no envelope), led by "success": true unless data has its
 * own, and "requestId" last. Takes the caller's reference to data (released here,
 * also on failure). Returns LG_OK, LG_ERR_INVALID (NULL, not an object), LG_ERR_NOMEM.
 */
lg_err lg_response_success(lg_response *r, int status, struct json_object *data,
                           const char *request_id);

/*
 * Writes the CGI header block of r (Status, Content-Type, Content-Length,
 * X-Request-Id, Allow, Retry-After, RateLimit-Policy, RateLimit, Cache-Control) ending with the
 * blank line into out (cap bytes). Returns LG_OK, LG_ERR_INVALID, LG_ERR_OVERFLOW.
 */
lg_err lg_response_head(const lg_response *r, const char *request_id, char *out, size_t cap);

/* Makes r a status answer of text (len bytes, taken: freed with r) as content_type
 * (e.g. the Prometheus exposition format). Returns LG_OK, LG_ERR_INVALID (body freed). */
lg_err lg_response_text(lg_response *r, int status, char *text, size_t len,
                        const char *content_type);

/* Frees the body; r can be reused. NULL is fine. */
void lg_response_release(lg_response *r);

#endif
