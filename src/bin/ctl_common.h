/*
 * ctl_common.h - what the `lendgatectl` verb groups (partner, audit, webhook) share:
 * the usage and refusal messages with their exit statuses, the acting operator,
 * the partner ID argument and pretty JSON output.
 */
#ifndef LENDGATE_CTL_COMMON_H
#define LENDGATE_CTL_COMMON_H

#include <lendgate/admin.h>
#include <lendgate/error.h>
#include <lendgate/log.h>
#include <lendgate/model.h>
#include <lendgate/service.h>

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Prints "lendgatectl: <message> (see 'lendgatectl help')" on stderr; returns the usage
 * exit status (2) for the caller to return. */
int lg_ctl_usage(const char *fmt, ...) LG_PRINTF(1, 2);

/* Prints "lendgatectl: [<group> ]<what>: <message>" on stderr (group NULL: none);
 * returns the runtime exit status (1) for the caller to return. */
int lg_ctl_refuse(const char *group, const char *what, const char *fmt, ...) LG_PRINTF(3, 4);

/* lg_ctl_refuse with the service's message in o, or lg_strerror(rc) when it has none. */
int lg_ctl_outcome_fail(const char *group, const char *what, lg_err rc, const lg_outcome *o);

/* Out: *who, "cli:<unix user>" (or "cli:uid<n>") acting under a fresh request id. */
void lg_ctl_actor_fill(lg_admin_actor *who);

/* Checks the partner ID text into out: 0, or lg_ctl_refuse(group, what, ...) naming
 * the "partner ID" (1). */
int lg_ctl_partner_id(const char *group, const char *what, const char *text, char out[LG_ID_LEN]);

/* Returns the admin API's pagination object {total, limit, offset, hasMore} for n
 * items of a page, so scripts read the CLI and the API alike; the caller owns it. */
json_object *lg_ctl_pagination(uint64_t total, uint32_t limit, uint64_t offset, size_t n);

/* Prints obj (or null) as pretty JSON and a newline on stdout. */
void lg_ctl_print_json(json_object *obj);

#endif
