/*
 * router.h - matching a method and path against a static route table.
 *
 * A pattern is a path whose segments are literal or ":name" parameters
 * ("/partners/loan/:partnerLoanId"). A path that matches no pattern is 404; a path
 * that matches only with another method is 405 with the methods it allows.
 * Parameters are percent-decoded into the request (lg_request.params).
 */
#ifndef LENDGATE_ROUTER_H
#define LENDGATE_ROUTER_H

#include <stddef.h>

#include <lendgate/error.h>
#include <lendgate/request.h>

typedef enum {
    LG_AUTH_PUBLIC = 0,  /* no credentials */
    LG_AUTH_PARTNER = 1, /* Authorization: Bearer pk_... */
    LG_AUTH_ADMIN = 2,   /* REMOTE_USER from the web server's own auth */
    LG_AUTH_METRICS = 3, /* as ADMIN, or a [metrics] users name: GET /metrics */
    LG_AUTH_PROBE = 4    /* none, and no rate limit: health checks polled often */
} lg_auth_kind;

struct lg_http_call;

typedef struct lg_route {
    const char *method;
    const char *pattern;
    lg_auth_kind auth;
    int needs_chain; /* answered 503 while the chain node is unreachable */
    int has_body;    /* takes a JSON body */
    void (*handler)(struct lg_http_call *call);
} lg_route;

/*
 * Finds the route for r->method and r->path among routes[0..n) and fills
 * r->params; HEAD finds the GET route. Out: *route. On LG_ERR_NOT_FOUND with *status
 * 405, allow (allowlen bytes) holds the allowed methods ("GET, POST"); with 404 there
 * is no such path; with 400 the parameter named in r->bad_param has a bad %-escape.
 * On LG_ERR_OVERFLOW (*status 400) the parameter r->bad_param is longer than a
 * request keeps (also when the whole path was, r->path_too_long).
 * Returns LG_OK, LG_ERR_NOT_FOUND, LG_ERR_OVERFLOW, LG_ERR_INVALID (NULL).
 */
lg_err lg_router_match(const lg_route *routes, size_t n, lg_request *r, const lg_route **route,
                       int *status, char *allow, size_t allowlen);

#endif
