/*
 * admin_bodies.h - the JSON of the admin API and of partner_platforms.json, parsed
 * strictly (json_input.h) and validated field by field (validate.h) into the typed
 * requests of admin.h. Nothing here touches the store.
 *
 * One set of partner fields serves the create body, the PATCH body and each entry of
 * partner_platforms.json, so the three can never disagree:
 *   name, apiKeyPrefix, environment ("live"|"sandbox"), tier
 *   ("BASIC"|"PREMIUM"|"ENTERPRISE"), dailyLimit, totalLimit (micro-USDC as digit
 *   strings, > 0; left out of a create, admin.h applies the config's defaults),
 *   feeBps (integer 0..10000), settlementAddress (EIP-55), webhookUrl
 *   (https://, or http:// to a loopback host; "" clears it), contactEmail ("" clears
 *   it), rateLimitRpm (integer 0..1000000, 0 = the tier's default), signingRequired
 *   (boolean; switching it on makes the signing secret in admin.h), ipAllowlist
 *   (array of IPv4/IPv6 addresses and CIDR ranges, netaddr.h; stored in canonical
 *   form; [] admits every address).
 * Integers must be JSON integers and strings JSON strings ("250" is not a fee).
 * Unknown fields are 400 naming them (body: unknown field "foo"); so is a field given
 * twice. Messages name the field and why ("feeBps: must be an integer from 0 to
 * 10000"), prefixed "partners[i]." inside partner_platforms.json.
 */
#ifndef LENDGATE_ADMIN_BODIES_H
#define LENDGATE_ADMIN_BODIES_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/admin.h>
#include <lendgate/error.h>

/* POST /admin/partners/create. Fills *out. Returns LG_OK, LG_ERR_INVALID (msg names
 * the field and why), LG_ERR_NOMEM. */
lg_err lg_parse_admin_create(const char *body, size_t len, lg_admin_create *out, char *msg,
                             size_t msglen);

/* PATCH /admin/partners/:partnerId. Fills *p with the given fields and *mask with
 * their LG_PF_* bits (apiKeyPrefix and environment are not changeable: 400; an empty
 * object is 400). Returns as lg_parse_admin_create. */
lg_err lg_parse_admin_patch(const char *body, size_t len, lg_partner *p, unsigned *mask, char *msg,
                            size_t msglen);

/* POST /admin/partners/:partnerId/regenerate-api-key: an optional body
 * {"graceSeconds": N (0..31536000), "environment": "live"|"sandbox"}; len 0 is fine.
 * *grace_seconds and *env keep the caller's defaults when not given. */
lg_err lg_parse_admin_rotate(const char *body, size_t len, uint64_t *grace_seconds,
                             lg_apikey_env *env, char *msg, size_t msglen);

/*
 * A partner_platforms.json document: {"partners": [ {partner fields}, ... ]} (at
 * most 1000 entries; apiKeyPrefix, name and settlementAddress required in each).
 * Out: *entries (malloc'd array, caller free()s), *n; on failure *bad_index (the
 * entry at fault, SIZE_MAX when the document itself is bad) and msg naming
 * "partners[i].field". Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOMEM.
 */
lg_err lg_parse_partner_platforms(const char *json, size_t len, lg_admin_import_entry **entries,
                                  size_t *n, size_t *bad_index, char *msg, size_t msglen);

/* POST /admin/loans/:loanId/default: an optional body {"reason": "..."} (1 to 256
 * printable characters); len 0 is fine. *reason keeps the caller's default when not
 * given. Returns as lg_parse_admin_create. */
lg_err lg_parse_admin_loan_default(const char *body, size_t len, char reason[LG_REASON_LEN],
                                   char *msg, size_t msglen);

#endif
