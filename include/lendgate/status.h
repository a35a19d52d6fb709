/*
 * status.h - the one table from the service's answers to the API's HTTP statuses.
 *
 * The service answers in lg_err classes (service.h, lg_outcome); only src/http knows
 * what status each class is on the wire, so a new error class or a changed status is
 * one line here, and every route, the admin API included, answers alike.
 */
#ifndef LENDGATE_STATUS_H
#define LENDGATE_STATUS_H

#include <lendgate/error.h>
#include <lendgate/service.h>

/* The status of a refusal or failure of class err: 4xx for the caller's request, 5xx
 * for ours or the chain's. LG_OK gives 200; a code outside the enum gives 500. */
int lg_http_error_status(lg_err err);

/* The error_type label of a failed call for partner_api_errors_total: from the
 * service's class err when the call failed on one (LG_OK when not), else from the
 * status. One of invalid, unauthorized, forbidden, not_found, conflict,
 * limit_exceeded, rate_limited, insufficient_funds, chain, store, unavailable,
 * internal: a bounded set. */
const char *lg_http_error_type(lg_err err, int status);

/* The status of out: for a success 200, 201 or 202 by out->done, else
 * lg_http_error_status(out->err). */
int lg_http_status(const lg_outcome *out);

#endif
