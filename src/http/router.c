/* router.c - method + path pattern matching over one static table. */
#include "config.h"

#include <lendgate/router.h>

#include <stdio.h>
#include <string.h>

#define TOO_LONG (-2)

/* The name of the pattern parameter at pattern (":name/...") into name. */
static void param_name(const char *pattern, size_t plen, char name[LG_REQ_NAME_MAX])
{
    size_t n = plen - 1 < LG_REQ_NAME_MAX - 1 ? plen - 1 : LG_REQ_NAME_MAX - 1;
    memcpy(name, pattern + 1, n);
    name[n] = '\0';
}

/* Matches path against pattern, segment by segment. With r, fills its params. cut:
 * the path was cut at its end (longer than a request keeps), so ending inside a
 * parameter means that parameter is too long. Returns 1 on a match, 0 on none, -1 on
 * a parameter that does not decode, TOO_LONG on one too long (named in name). */
static int match(const char *pattern, const char *path, lg_request *r, int cut,
                 char name[LG_REQ_NAME_MAX])
{
    size_t np = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
        if (*pattern == ':') {
            if (slen == 0)
                return 0;
            param_name(pattern, plen, name);
            if (cut && path[slen] == '\0')
                return TOO_LONG;
            if (r) {
                if (np >= sizeof r->params / sizeof *r->params || plen - 1 >= LG_REQ_NAME_MAX)
                    return 0;
                lg_req_arg *a = &r->params[np];
                memcpy(a->name, name, strlen(name) + 1);
                lg_err rc = lg_percent_decode(a->value, sizeof a->value, path, slen, 0);
                if (rc != LG_OK)
                    return rc == LG_ERR_OVERFLOW ? TOO_LONG : -1;
                r->nparams = ++np;
            }
        } else if (plen != slen || memcmp(pattern, path, plen) != 0) {
            return 0;
        }
        pattern += plen;
        path += slen;
    }
    return *pattern == '\0' && *path == '\0';
}

static void add_allow(char *allow, size_t allowlen, const char *method)
{
    if (!allow || allowlen == 0 || strstr(allow, method))
        return;
    size_t used = strlen(allow), m = strlen(method);
    if (used + m + 3 > allowlen)
        return;
    if (used) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, method, m + 1);
}

lg_err lg_router_match(const lg_route *routes, size_t n, lg_request *r, const lg_route **route,
                       int *status, char *allow, size_t allowlen)
{
    if (!routes || !r || !route || !status)
        return LG_ERR_INVALID;
    *route = NULL;
    *status = 404;
    if (allow && allowlen)
        allow[0] = '\0';
    char name[LG_REQ_NAME_MAX] = "";
    /* HEAD is GET without the body (the FastCGI front sends no body for it). */
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    for (size_t i = 0; i < n; i++) {
        int m = match(routes[i].pattern, r->path, NULL, r->path_too_long, name);
        if (m == TOO_LONG) {
            snprintf(r->bad_param, sizeof r->bad_param, "%s", name);
            *status = 400;
            return LG_ERR_OVERFLOW;
        }
        if (m != 1 || r->path_too_long) /* a cut path is never routed */
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            r->nparams = 0;
            m = match(routes[i].pattern, r->path, r, 0, name);
            if (m < 0) {
                snprintf(r->bad_param, sizeof r->bad_param, "%s", name);
                *status = 400;
                return m == TOO_LONG ? LG_ERR_OVERFLOW : LG_ERR_NOT_FOUND;
            }
            *route = &routes[i];
            *status = 200;
            return LG_OK;
        }
        *status = 405;
        add_allow(allow, allowlen, routes[i].method);
    }
    return LG_ERR_NOT_FOUND;
}
