/*
 * auth.h - who is calling: partners by API key, admins by the web server's auth.
 *
 * A partner presents "Authorization: Bearer pk_<partner>_<env>_<hex>". The key is
 * checked for shape, hashed (SHA-256) and looked up through the store; only the
 * hash is ever compared or stored, and no part of the key reaches a message.
 */
#ifndef LENDGATE_AUTH_H
#define LENDGATE_AUTH_H

#include <stddef.h>

#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/service.h>

/*
 * Authenticates the Authorization header value (may be NULL or "") through the
 * service (lg_service_authenticate, which also notes the key's use).
 * Out: *partner and *key on LG_OK, and also on LG_ERR_SUSPENDED/LG_ERR_INACTIVE
 * (the key was valid: the call is audited); *status, the HTTP status of a refusal
 * (401, 403, 503), and msg its message.
 * Returns LG_OK, LG_ERR_AUTH (missing or invalid key: 401), LG_ERR_SUSPENDED and
 * LG_ERR_INACTIVE (403), LG_ERR_INVALID (NULL argument), or the store's error (503).
 */
lg_err lg_auth_partner(lg_service *svc, const char *authorization, lg_partner *partner,
                       lg_api_key *key, int *status, char *msg, size_t msglen);

/*
 * Admits an admin call: [admin] trust_remote_user must be on, REMOTE_USER (set by
 * the web server's own authentication of /admin) non-empty, and listed in [admin]
 * admins; an empty list admits nobody. Every refusal is 403 with one message that
 * does not say which condition failed; 401 is left to the web server, which owns
 * the credentials. Returns LG_OK, LG_ERR_FORBIDDEN (403), LG_ERR_INVALID (NULL
 * cfg); *status and msg as above.
 */
lg_err lg_auth_admin(const lg_config *cfg, const char *remote_user, int *status, char *msg,
                     size_t msglen);

/* Admits a scrape of GET /metrics: as lg_auth_admin, or REMOTE_USER listed in
 * [metrics] users (a scraper that gets no admin rights). */
lg_err lg_auth_metrics(const lg_config *cfg, const char *remote_user, int *status, char *msg,
                       size_t msglen);

#endif
