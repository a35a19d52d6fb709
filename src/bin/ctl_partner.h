/*
 * ctl_partner.h - the `lendgatectl partner ...` and `lendgatectl audit` verbs.
 *
 * Option values become the same JSON the admin API takes and go through the same
 * parsers (admin_bodies.h) and validators (validate.h), then through the admin
 * service (admin.h): the CLI and the API accept the same values and run the same
 * code. Each returns the process exit status: 0 done, 1 refused or failed (one line on
 * stderr naming the field), 2 usage.
 */
#ifndef LENDGATE_CTL_PARTNER_H
#define LENDGATE_CTL_PARTNER_H

#include <lendgate/config.h>
#include <lendgate/log.h>

/* argv[0] is "partner"; argv[1] the sub-verb. */
int lg_ctl_partner(lg_config *cfg, int argc, char **argv);

/* argv[0] is "audit". */
int lg_ctl_audit(lg_config *cfg, int argc, char **argv);

#endif
