/* router.c - method + path pattern matching over one static table. */
#include "config.h"

#include <lendgate/router.h>

#include <string.h>

/* Matches path against pattern, segment by segment. With r, fills its params.
 * Returns 1 on a match, 0 on none, -1 on a parameter that does not decode. */
static int match(const char *pattern, const char *path, lg_request *r)
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
            if (r) {
                if (np >= sizeof r->params / sizeof *r->params || plen - 1 >= LG_REQ_NAME_MAX)
                    return 0;
                lg_req_arg *a = &r->params[np];
                memcpy(a->name, pattern + 1, plen - 1);
                a->name[plen - 1] = '\0';
                if (lg_percent_decode(a->value, sizeof a->value, path, slen, 0) != LG_OK)
                    return -1;
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
    if (r->path_too_long)
        return LG_ERR_NOT_FOUND;
    for (size_t i = 0; i < n; i++) {
        if (match(routes[i].pattern, r->path, NULL) != 1)
            continue;
        if (strcmp(routes[i].method, r->method) == 0) {
            r->nparams = 0;
            int m = match(routes[i].pattern, r->path, r);
            if (m < 0) {
                *status = 400;
                return LG_ERR_NOT_FOUND;
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
