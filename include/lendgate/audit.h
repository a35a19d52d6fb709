/*
 * audit.h - the partner_api_logs row of an authenticated call.
 *
 * The row is begun when the partner is known, filled as the handler learns the
 * wallet, OAID and loan id, and written once the status is final. The payload is
 * the request body with every secret field dropped (lg_is_secret_field, at any
 * depth) and anything shaped like an API key masked; a body that the strict
 * parser (lg_json_parse_object) refuses is recorded only by its size.
 */
#ifndef LENDGATE_AUDIT_H
#define LENDGATE_AUDIT_H

#include <stddef.h>

#include <lendgate/error.h>
#include <lendgate/request.h>
#include <lendgate/service.h>
#include <lendgate/model.h>

/* Starts row for the call r on route (a pattern) by partner_id. */
void lg_audit_begin(lg_api_log *row, const lg_request *r, const char *route,
                    const char *partner_id);

/*
 * Writes the sanitized form of body[0..len) (and the query string, when not
 * empty) into out (cap bytes, at most LG_PAYLOAD_LEN is kept by the store).
 * Returns LG_OK, LG_ERR_INVALID (NULL out), LG_ERR_NOMEM.
 */
lg_err lg_audit_sanitize(char *out, size_t cap, const char *body, size_t len, const char *query);

/* Sets status, success, duration since r's start and error_message (may be NULL)
 * on row and appends it through the service. Returns what lg_service_audit returns. */
lg_err lg_audit_finish(lg_service *svc, lg_api_log *row, const lg_request *r, int status,
                       const char *error_message);

#endif
