/* auth.c - API-key authentication of partners, REMOTE_USER admission of admins. */
#include "config.h"

#include <lendgate/auth.h>

#include <lendgate/apikey.h>
#include <lendgate/sha256.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

static lg_err refuse(lg_err rc, int code, int *status, char *msg, size_t msglen, const char *text)
{
    *status = code;
    snprintf(msg, msglen, "%s", text);
    return rc;
}

/* Points *key at the token of "Bearer <token>"; 0 when the header is not that. */
static int bearer_token(const char *header, const char **key)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return 0;
    const char *k = header + 7;
    while (*k == ' ')
        k++;
    *key = k;
    return *k != '\0';
}

lg_err lg_auth_partner(lg_service *svc, const char *authorization, lg_partner *partner,
                       lg_api_key *key, int *status, char *msg, size_t msglen)
{
    if (!svc || !partner || !key || !status || !msg || msglen == 0)
        return LG_ERR_INVALID;
    const char *token = NULL;
    if (!authorization || !*authorization)
        return refuse(LG_ERR_AUTH, 401, status, msg, msglen, "Missing API key");
    if (!bearer_token(authorization, &token))
        return refuse(LG_ERR_AUTH, 401, status, msg, msglen, "Invalid API key");
    lg_err rc = lg_service_authenticate(svc, token, partner, key);
    switch (rc) {
    case LG_OK:
        *status = 200;
        msg[0] = '\0';
        return LG_OK;
    case LG_ERR_AUTH:
        return refuse(LG_ERR_AUTH, 401, status, msg, msglen, "Invalid API key");
    case LG_ERR_CRYPTO:
        return refuse(rc, 500, status, msg, msglen, "Internal error");
    case LG_ERR_SUSPENDED:
        return refuse(rc, 403, status, msg, msglen, "Partner account is suspended");
    case LG_ERR_INACTIVE:
        return refuse(rc, 403, status, msg, msglen, "Partner account is inactive");
    default:
        return refuse(rc, 503, status, msg, msglen, "Store unavailable");
    }
}

lg_err lg_auth_admin(const lg_config *cfg, const char *remote_user, int *status, char *msg,
                     size_t msglen)
{
    if (!cfg || !status || !msg || msglen == 0)
        return LG_ERR_INVALID;
    /* Always 403, never 401: a 401 belongs to the web server's own auth, whose
     * challenge we cannot answer, and the reason for a refusal is not told. */
    if (!lg_config_bool(cfg, "admin", "trust_remote_user") || !remote_user || !*remote_user ||
        !lg_config_csv_has(cfg, "admin", "admins", remote_user))
        return refuse(LG_ERR_FORBIDDEN, 403, status, msg, msglen,
                      "Admin access requires an authenticated admin");
    *status = 200;
    msg[0] = '\0';
    return LG_OK;
}

lg_err lg_auth_metrics(const lg_config *cfg, const char *remote_user, int *status, char *msg,
                       size_t msglen)
{
    if (!cfg || !status || !msg || msglen == 0)
        return LG_ERR_INVALID;
    if (lg_config_bool(cfg, "admin", "trust_remote_user") && remote_user && *remote_user &&
        lg_config_csv_has(cfg, "metrics", "users", remote_user)) {
        *status = 200;
        msg[0] = '\0';
        return LG_OK;
    }
    return lg_auth_admin(cfg, remote_user, status, msg, msglen);
}
