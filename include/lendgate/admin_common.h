/*
 * admin_common.h - what the admin endpoints (admin_handlers.h) and the webhook
 * endpoints (webhook_handlers.h) share: the acting admin of a call, the :partnerId
 * path parameter, a free-text query argument, a body parser's failure, and the
 * replies {name: value} and {name: items, pagination}. Internal to src/http.
 */
#ifndef LENDGATE_ADMIN_COMMON_H
#define LENDGATE_ADMIN_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/admin.h>
#include <lendgate/error.h>
#include <lendgate/http.h>
#include <lendgate/model.h>

struct json_object;

/* Out: *who, the call's REMOTE_USER, request id and client address (cut to fit). */
void lg_admin_actor_of(const lg_http_call *call, lg_admin_actor *who);

/* Reads the :partnerId path parameter into id; 1, or 0 with the call answered 400
 * naming partnerId when it is not a sane id. */
int lg_admin_partner_id_arg(lg_http_call *call, char id[LG_ID_LEN]);

/* Reads the optional query argument name, at most cap - 1 bytes, into out ("" when
 * absent); 1, or 0 with the call answered 400 "<name>: <why>" (why NULL: "must be
 * printable text of at most <cap - 1> bytes"). */
int lg_admin_text_arg(lg_http_call *call, const char *name, char *out, size_t cap, const char *why);

/* Answers a body parser's failure rc: 400 with its message msg when rc is
 * LG_ERR_INVALID, else the status of rc with "Internal error". */
void lg_admin_body_failed(lg_http_call *call, lg_err rc, const char *msg);

/* Returns {name: value}, taking value; NULL (value released) when either cannot be
 * made. */
struct json_object *lg_admin_wrap(const char *name, struct json_object *value);

/* Returns {name: items, pagination: {total, limit, offset, hasMore}}, the admin
 * lists' envelope, taking items (n of them on this page); NULL (items released)
 * when it cannot be made. */
struct json_object *lg_admin_page_json(const char *name, struct json_object *items, size_t n,
                                       uint64_t total, uint32_t limit, uint64_t offset);

#endif
