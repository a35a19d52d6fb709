/*
 * ctl_webhook.h - the `lendgatectl webhook ...` verbs: list, show, replay,
 * replay-since, enable, test, rotate-secret. Values go through the same parsers
 * and validators as the API's (webhook_bodies.h, validate.h) and the actions run in
 * the webhook service (webhooks_admin.h), audited as "cli:<unix user>". Returns the
 * exit status: 0 done, 1 refused or failed (one line on stderr), 2 usage.
 */
#ifndef LENDGATE_CTL_WEBHOOK_H
#define LENDGATE_CTL_WEBHOOK_H

#include <lendgate/config.h>

/* argv[0] is "webhook"; argv[1] the sub-verb. */
int lg_ctl_webhook(lg_config *cfg, int argc, char **argv);

#endif
