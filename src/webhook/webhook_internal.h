/*
 * webhook_internal.h - what the files of src/webhook share and nothing else sees.
 */
#ifndef LENDGATE_WEBHOOK_INTERNAL_H
#define LENDGATE_WEBHOOK_INTERNAL_H

#include <lendgate/webhook.h>

/* The shape half of lg_webhook_url_ok: scheme, host, no user or password, but no
 * judgement of an IP-literal host (delivery judges every address it connects to, and
 * says which one it refused). Returns LG_OK or LG_ERR_INVALID with *why (may be NULL)
 * a static phrase. */
lg_err lg_webhook_url_shape(const char *url, const lg_webhook_guard *g, const char **why);

#endif
