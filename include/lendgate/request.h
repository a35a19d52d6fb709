/*
 * request.h - one HTTP request as a FastCGI responder sees it: the CGI parameters
 * the web server passes (method, path, query, headers, REMOTE_ADDR, REMOTE_USER)
 * and the body, read up to a bound.
 *
 * Every field has a fixed maximum; only the body is on the heap. A request belongs
 * to one worker for the life of one FastCGI request and is released when it ends.
 */
#ifndef LENDGATE_REQUEST_H
#define LENDGATE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>
#include <lendgate/model.h>

#define LG_REQ_PATH_MAX   1024
#define LG_REQ_QUERY_MAX  2048
#define LG_REQ_HEADER_MAX 512
#define LG_REQ_ARGS_MAX   16
#define LG_REQ_NAME_MAX   64
#define LG_REQ_VALUE_MAX  512
#define LG_REQ_IP_LEN     46
/* X-Timestamp: a millisecond timestamp is 13 digits today; room for garbage to be
 * recognised as such. X-Signature: 64 hex digits, with the same room. */
#define LG_REQ_TS_MAX  32
#define LG_REQ_SIG_MAX 128

/* A path parameter or a query argument, percent-decoded. */
typedef struct lg_req_arg {
    char name[LG_REQ_NAME_MAX];
    char value[LG_REQ_VALUE_MAX];
} lg_req_arg;

typedef struct lg_request {
    char method[16];
    char path[LG_REQ_PATH_MAX]; /* as sent, without the query; cut when too long */
    int path_too_long;
    char bad_param[LG_REQ_NAME_MAX]; /* the path parameter the router refused (400) */
    char query[LG_REQ_QUERY_MAX];
    int query_too_long;
    char content_type[128];
    char authorization[LG_REQ_HEADER_MAX]; /* secret: wiped by lg_request_release */
    char user_agent[LG_REASON_LEN];
    char request_id[LG_ID_LEN]; /* the client's X-Request-Id when sane, else a UUID */
    char client_ip[LG_REQ_IP_LEN];
    char x_timestamp[LG_REQ_TS_MAX]; /* X-Timestamp, printable, cut when too long */
    int x_timestamp_too_long;
    char x_signature[LG_REQ_SIG_MAX]; /* X-Signature: wiped by lg_request_release */
    int x_signature_too_long;
    char idem_key[LG_IDEM_KEY_LEN]; /* Idempotency-Key when well formed, else "" */
    int idem_key_bad;               /* given, but empty, too long or not printable ASCII */
    char remote_user[LG_NAME_LEN];
    int64_t content_length; /* -1 when not given */
    char *body;             /* malloc'd, NUL-terminated; NULL when empty; the raw
                               bytes as received, which is what a signature covers */
    size_t body_len;
    int body_too_large;   /* set by lg_request_read_body */
    lg_req_arg params[8]; /* path parameters, filled by the router */
    size_t nparams;
    int64_t start_mono_ms;
    char crash_at[32];   /* X-Lendgate-Crash-At, kept by test-hook builds only */
    char store_fault[8]; /* X-Lendgate-Store-Fault, the same */
} lg_request;

/* Looks a CGI parameter up by name; NULL when absent. */
typedef const char *(*lg_param_fn)(void *ctx, const char *name);

/* Reads up to n body bytes into buf; returns the count, 0 at the end, -1 on error. */
typedef long (*lg_read_fn)(void *ctx, char *buf, size_t n);

/*
 * Fills r from the CGI parameters: REQUEST_METHOD, REQUEST_URI (else SCRIPT_NAME +
 * PATH_INFO), QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH, HTTP_AUTHORIZATION,
 * HTTP_USER_AGENT, HTTP_X_REQUEST_ID, HTTP_X_TIMESTAMP, HTTP_X_SIGNATURE,
 * HTTP_IDEMPOTENCY_KEY, REMOTE_ADDR, REMOTE_USER. Over-long values are flagged or cut,
 * never overflowed; non-printable characters of X-Timestamp and X-Signature become '?',
 * which no check accepts. An Idempotency-Key is kept only when it is 1 to 64 printable
 * ASCII characters (taken as sent, quotes included); any other is flagged idem_key_bad.
 *
 * The client address: trusted_proxies (NULL or "" = none) is a comma-separated list
 * of addresses and CIDR ranges as netaddr.h parses them. When REMOTE_ADDR is not in
 * it, X-Forwarded-For is ignored and REMOTE_ADDR is the client. When it is,
 * X-Forwarded-For is walked from the right, skipping hops that are themselves trusted
 * proxies; the first untrusted hop is the client, in canonical text. When every hop is
 * trusted the leftmost is the client (the request began at a proxy). A hop that is not
 * a bare address (empty, a port, brackets, a zone id, garbage) ends the walk and
 * REMOTE_ADDR is kept: nothing left of it can be attributed, and no address a client
 * wrote is taken on faith.
 *
 * Returns LG_OK, LG_ERR_INVALID (NULL), LG_ERR_CONFIG (trusted_proxies does not parse:
 * r is filled, client_ip is REMOTE_ADDR, and the caller answers 500; see
 * lg_request_check_proxies to refuse the value at startup), LG_ERR_CRYPTO (no
 * randomness for the request id).
 */
lg_err lg_request_init(lg_request *r, lg_param_fn param, void *ctx, const char *trusted_proxies);

/*
 * Reads the body with read: at most max bytes are kept (r->body, owned by r). A
 * larger body (by CONTENT_LENGTH or by what arrives) sets r->body_too_large and is
 * read to its end and dropped, so the web server is never left writing into a
 * closed stream. Returns LG_OK (also for a body too large), LG_ERR_IO (read failed),
 * LG_ERR_NOMEM.
 */
lg_err lg_request_read_body(lg_request *r, lg_read_fn read, void *ctx, size_t max);

/*
 * Validates an [http] trusted_proxies value once, at startup or config reload, so a
 * bad entry stops the service instead of failing every request. msg (msglen bytes)
 * then reads "trusted_proxies[i]: why". NULL and "" are fine.
 * Returns LG_OK, LG_ERR_CONFIG.
 */
lg_err lg_request_check_proxies(const char *trusted_proxies, char *msg, size_t msglen);

/* Frees the body and wipes the credentials. NULL is fine; r can be reused after. */
void lg_request_release(lg_request *r);

/* The value of path parameter name, NULL when absent. */
const char *lg_request_param(const lg_request *r, const char *name);

/*
 * Finds query argument name in r->query, percent-decoded into out (cap bytes).
 * Returns LG_OK, LG_ERR_NOT_FOUND (absent), LG_ERR_INVALID (bad %-escape, a NUL or
 * control character), LG_ERR_OVERFLOW (longer than cap - 1).
 */
lg_err lg_request_query(const lg_request *r, const char *name, char *out, size_t cap);

/*
 * Decodes %XX and '+' (as a space when plus_space) of src[0..len) into out.
 * Returns LG_OK, LG_ERR_INVALID (bad escape, NUL or control character),
 * LG_ERR_OVERFLOW (cap).
 */
lg_err lg_percent_decode(char *out, size_t cap, const char *src, size_t len, int plus_space);

/* 1 when id is a sane client request id: 1 to 64 of [A-Za-z0-9._:-], else 0. */
int lg_request_id_sane(const char *id);

#endif
