/* fuzz_path.c - libFuzzer target: the router over the partner API's real route table
 * and the validators of the path parameters it yields. The input is "METHOD\nPATH"
 * (no newline: GET and the whole input as the path). A match names a route of that
 * method whose parameters are printable; building the path again from the pattern
 * and the escaped parameters must match the same route with the same parameters.
 * A miss is 404, 405 with an Allow list of other methods, or 400 for a bad escape or
 * a parameter too long (named). HEAD finds the GET route.
 * Every accepted parameter is in canonical form: validating it again changes nothing. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/http.h>
#include <lendgate/router.h>
#include <lendgate/validate.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count_params(const char *pattern)
{
    size_t n = 0;
    for (const char *p = pattern; (p = strstr(p, "/:")) != NULL; p += 2)
        n++;
    return n;
}

/* Writes pattern with each ":name" replaced by the escaped value of r's parameter. */
static void rebuild(char *out, size_t cap, const char *pattern, const lg_request *r)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0, k = 0;
    for (const char *p = pattern; *p;) {
        check(o + 1 < cap);
        if (p[0] == '/' && p[1] == ':') {
            out[o++] = '/';
            for (const char *v = r->params[k++].value; *v; v++) {
                check(o + 4 < cap);
                unsigned char c = (unsigned char)*v;
                out[o++] = '%';
                out[o++] = hex[c >> 4];
                out[o++] = hex[c & 15];
            }
            p += 1 + strcspn(p + 1, "/");
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static void check_allow(const char *allow, const char *method, const lg_route *routes, size_t n)
{
    check(allow[0] != '\0');
    for (const char *p = allow; *p;) {
        size_t len = strcspn(p, ",");
        int known = 0;
        for (size_t i = 0; i < n; i++)
            known |= strlen(routes[i].method) == len && memcmp(routes[i].method, p, len) == 0;
        check(known);
        check(strlen(method) != len || memcmp(method, p, len) != 0);
        p += len;
        if (*p == ',')
            p += 2;
    }
}

static void rematch(const lg_route *routes, size_t n, const lg_request *r, const lg_route *route)
{
    static lg_request again;
    memset(&again, 0, sizeof again);
    snprintf(again.method, sizeof again.method, "%s", r->method);
    char path[8 * 3 * LG_REQ_VALUE_MAX + 256];
    rebuild(path, sizeof path, route->pattern, r);
    if (strlen(path) >= sizeof again.path)
        return;
    memcpy(again.path, path, strlen(path) + 1);
    const lg_route *found = NULL;
    int status = 0;
    check(lg_router_match(routes, n, &again, &found, &status, NULL, 0) == LG_OK);
    check(found == route && status == 200 && again.nparams == r->nparams);
    for (size_t i = 0; i < r->nparams; i++) {
        check(strcmp(again.params[i].name, r->params[i].name) == 0);
        check(strcmp(again.params[i].value, r->params[i].value) == 0);
    }
}

/* Runs the validator the handlers use for each parameter; what it accepts must be a
 * fixed point. */
static void validate_params(const lg_request *r)
{
    char out[LG_REQ_VALUE_MAX], out2[LG_REQ_VALUE_MAX], msg[160];
    for (size_t i = 0; i < r->nparams; i++) {
        const char *name = r->params[i].name, *v = r->params[i].value;
        if (strcmp(name, "oaidTokenId") == 0 || strcmp(name, "positionId") == 0) {
            if (lg_validate_u256(name, v, out, msg, sizeof msg) == LG_OK) {
                check(lg_validate_u256(name, out, out2, msg, sizeof msg) == LG_OK);
                check(strcmp(out, out2) == 0 && strcmp(out, v) == 0);
            }
        } else if (strcmp(name, "partnerLoanId") == 0 || strcmp(name, "partnerId") == 0) {
            /* Admin routes check partner ids with the loan-id rule (admin_handlers.c). */
            if (lg_validate_loan_id(name, v, out, msg, sizeof msg) == LG_OK)
                check(strcmp(out, v) == 0 && strlen(out) <= 64);
        } else if (strcmp(name, "userWallet") == 0) {
            if (lg_validate_address(name, v, out, msg, sizeof msg) == LG_OK) {
                check(strlen(out) == 42);
                check(lg_validate_address(name, out, out2, msg, sizeof msg) == LG_OK);
                check(strcmp(out, out2) == 0);
            }
        } else {
            check(0); /* a parameter no handler validates */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lg_request r;
    memset(&r, 0, sizeof r);
    const char *text = (const char *)data;
    size_t len = strnlen(text, size);
    const char *nl = memchr(text, '\n', len);
    const char *path = nl ? nl + 1 : text;
    size_t mlen = nl ? (size_t)(nl - text) : 3;
    snprintf(r.method, sizeof r.method, "%.*s", (int)mlen, nl ? text : "GET");
    size_t plen = len - (size_t)(path - text);
    if (plen >= sizeof r.path) {
        r.path_too_long = 1; /* the request keeps what fits, as request.c does */
        plen = sizeof r.path - 1;
    }
    memcpy(r.path, path, plen);

    size_t n = 0;
    const lg_route *routes = lg_http_routes(&n);
    static const lg_route sentinel;
    const lg_route *route = &sentinel; /* the router must reset it */
    int status = 0;
    char allow[64];
    lg_err rc = lg_router_match(routes, n, &r, &route, &status, allow, sizeof allow);
    if (rc == LG_OK) {
        check(!r.path_too_long);
        check(route != NULL && status == 200 &&
              strcmp(route->method, strcmp(r.method, "HEAD") == 0 ? "GET" : r.method) == 0);
        check(r.nparams == count_params(route->pattern));
        for (size_t i = 0; i < r.nparams; i++)
            check_text(r.params[i].value, sizeof r.params[i].value);
        rematch(routes, n, &r, route);
        validate_params(&r);
        return 0;
    }
    check((rc == LG_ERR_NOT_FOUND || rc == LG_ERR_OVERFLOW) && route == NULL);
    check(status == 404 || status == 405 || status == 400);
    check(rc != LG_ERR_OVERFLOW || (status == 400 && r.bad_param[0]));
    check(status != 400 || r.bad_param[0]);
    if (status == 405)
        check_allow(allow, r.method, routes, n);
    return 0;
}
