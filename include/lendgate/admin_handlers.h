/*
 * admin_handlers.h - the endpoints of the admin API under /admin. Each validates its
 * path parameter, query or body (400 naming the field before anything else),
 * builds the lg_admin_actor from REMOTE_USER, the request id and the client
 * address, calls admin.h and renders call->resp; admin.h's lg_outcome gives the
 * status and message of every failure (404 unknown partner, 409 duplicate prefix).
 *
 * Routes are admitted by lg_auth_admin (auth.h) before a handler runs. Secrets made
 * by a call (API key, signing and webhook secrets) appear once in its response and
 * are wiped from the handler's memory after rendering; reads never show a secret or
 * a key hash. Lists answer {"<items>":[...],"pagination":{"total","limit","offset",
 * "hasMore"}} with the partner API's limit/offset rules.
 */
#ifndef LENDGATE_ADMIN_HANDLERS_H
#define LENDGATE_ADMIN_HANDLERS_H

#include <lendgate/http.h>

/* POST /admin/partners/create: 201 {partner, apiKey, webhookSecret, signingSecret
 * (when made), warning}. */
void lg_h_admin_create(lg_http_call *call);

/* POST /admin/partners/:partnerId/regenerate-api-key, optional body {graceSeconds,
 * environment}; grace defaults to [admin] key_grace_seconds, the environment to
 * live. 200 {partnerId, apiKey, previousKeysExpireAt, warning}. */
void lg_h_admin_rotate_key(lg_http_call *call);

/* POST /admin/partners/:partnerId/regenerate-signing-secret: 200 {partnerId,
 * signingSecret, warning}. */
void lg_h_admin_rotate_signing(lg_http_call *call);

/* PATCH /admin/partners/:partnerId: 200 {partner, changed[], signingSecret (when
 * switching signing on made one)}. */
void lg_h_admin_update(lg_http_call *call);

/* POST /admin/partners/:partnerId/suspend and /activate: 200 {partner}. */
void lg_h_admin_suspend(lg_http_call *call);
void lg_h_admin_activate(lg_http_call *call);

/* GET /admin/partners?status&tier&limit&offset: 200 {partners[], pagination}. */
void lg_h_admin_list(lg_http_call *call);

/* GET /admin/partners/:partnerId: 200 {partner, apiKeys[{prefix, environment,
 * createdAt, expiresAt, revokedAt, lastUsedAt}]}. */
void lg_h_admin_show(lg_http_call *call);

/* GET /admin/partners/:partnerId/analytics?period=7d|30d|90d (30d): 200 {partnerId,
 * period, from, to, metrics, trends}. trends.repaymentRate is cumulative over the
 * period up to each day (repaid / borrowed, percent with 2 decimals, capped at 100). */
void lg_h_admin_analytics(lg_http_call *call);

/* GET /admin/partners/audit-logs?partnerId&startDate&endDate&success&limit&offset:
 * 200 {logs[], pagination}, newest first. */
void lg_h_admin_api_logs(lg_http_call *call);

/* GET /admin/audit?admin&action&target&startDate&endDate&limit&offset: 200
 * {entries[], pagination}, newest first. */
void lg_h_admin_audit(lg_http_call *call);

/* POST /admin/loans/:loanId/default (optional body {"reason": "..."}): 200 with the
 * loan, 404 unknown loan, 409 not ACTIVE. */
void lg_h_admin_loan_default(lg_http_call *call);

#endif
