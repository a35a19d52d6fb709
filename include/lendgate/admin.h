/*
 * admin.h - the partner administration behind /admin/partners and `lendgatectl
 * partner`: onboard, rotate keys and signing secrets, change, suspend and activate,
 * list, show, analyse, import, and the admin audit trail.
 *
 * The HTTP handlers and the CLI parse and validate their input into the structs
 * below and call these functions: there is one implementation of every action.
 * Every change commits together with its admin_audit row (who, action, target,
 * before and after, request id, client IP); the before/after JSON never holds a key,
 * a key hash or a secret.
 *
 * Secrets made here (API keys, signing and webhook secrets) are returned once in an
 * lg_admin_secrets for the caller to show, and are never stored in clear except
 * the signing and webhook secrets, which the HMAC checks need. Callers wipe the
 * struct with lg_admin_secrets_wipe() when they have shown it.
 *
 * Every function fills an lg_outcome (service.h) on every return, like service.h:
 * done OK or CREATED, or err LG_ERR_INVALID (the field named, "partners[2].feeBps" in
 * an import), LG_ERR_NOT_FOUND, LG_ERR_DUPLICATE (a taken prefix or id),
 * LG_ERR_BUSY / LG_ERR_STORE / LG_ERR_INTERNAL.
 */
#ifndef LENDGATE_ADMIN_H
#define LENDGATE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/apikey.h>
#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/service.h>
#include <lendgate/store.h>

/* Who acts: the web server's REMOTE_USER (or "cli:<unix user>" for lendgatectl),
 * the request id and the client address ("" from the CLI). */
typedef struct lg_admin_actor {
    char admin[LG_NAME_LEN];
    char request_id[LG_ID_LEN];
    char client_ip[46];
} lg_admin_actor;

/* Secrets shown once. Empty strings for those not made by the call. */
typedef struct lg_admin_secrets {
    char api_key[LG_APIKEY_MAX_LEN];
    char signing_secret[LG_SECRET_LEN];
    char webhook_secret[LG_SECRET_LEN];
} lg_admin_secrets;

void lg_admin_secrets_wipe(lg_admin_secrets *s);

/* A partner to create. name, key_prefix (^[a-z0-9]{1,32}$, the <partner> of the
 * key), settlement_address are required; daily_limit and total_limit left 0 take
 * [admin] default_daily_limit / default_total_limit; the rest are used as given (zero
 * or empty: tier BASIC, fee 0, no webhook, the tier's rate). */
typedef struct lg_admin_create {
    lg_partner partner; /* id, secrets and store-maintained fields are ignored */
    lg_apikey_env env;  /* the key's environment */
} lg_admin_create;

/*
 * Onboards a partner: derives its id "partner_<prefix>_NNN" (NNN the partner count
 * + 1, zero-padded to 3 digits, the next free one on a clash), makes its API key, a
 * webhook secret and, when signing_required, a signing secret.
 * Out: *created (the stored partner), *secrets (the key and secrets, shown once).
 * Returns LG_OK, LG_ERR_INVALID (field named), LG_ERR_DUPLICATE (the
 * key prefix is taken), or the store's error.
 */
lg_err lg_admin_partner_create(lg_service *svc, const lg_admin_actor *who,
                               const lg_admin_create *req, lg_partner *created,
                               lg_admin_secrets *secrets, lg_outcome *out);

/*
 * A new API key for partner_id; the old keys keep working for grace_seconds (0 =
 * they stop now; pass [admin] key_grace_seconds for the default).
 * Out: *secrets (api_key), *old_expires_at_ms (may be NULL).
 * Returns LG_OK, LG_ERR_NOT_FOUND, LG_ERR_INVALID, or the store's error.
 */
lg_err lg_admin_key_rotate(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                           lg_apikey_env env, uint64_t grace_seconds, lg_admin_secrets *secrets,
                           int64_t *old_expires_at_ms, lg_outcome *out);

/* The environment of partner_id's newest key (LG_APIKEY_LIVE when it has none or
 * cannot be read): a rotation keeps it unless the admin names another, so a
 * sandbox partner is never handed a live key by default. */
lg_apikey_env lg_admin_key_env(lg_service *svc, const char *partner_id);

/* A new signing secret for partner_id, effective at once (secrets->signing_secret).
 * Returns LG_OK, LG_ERR_NOT_FOUND, or the store's error. */
lg_err lg_admin_signing_rotate(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                               lg_admin_secrets *secrets, lg_outcome *out);

/*
 * Changes the LG_PF_* fields in mask of partner p->id (the caller validated each).
 * LG_PF_WEBHOOK_SECRET is refused here (secrets are made, never set). Switching
 * signing_required on for a partner without a signing secret makes one
 * (secrets->signing_secret, shown once). Out: *before, *after (may be NULL).
 * Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOT_FOUND, or the store's.
 */
lg_err lg_admin_partner_update(lg_service *svc, const lg_admin_actor *who, const lg_partner *p,
                               unsigned mask, lg_partner *before, lg_partner *after,
                               lg_admin_secrets *secrets, lg_outcome *out);

/* Suspends (status LG_PARTNER_SUSPENDED) or activates (LG_PARTNER_ACTIVE) partner_id.
 * Takes effect on the next request of every worker: auth reads the status from the
 * store on every call. Out: *after (may be NULL). Returns LG_OK (also when the
 * status was already that, with no audit row), LG_ERR_NOT_FOUND. */
lg_err lg_admin_partner_set_status(lg_service *svc, const lg_admin_actor *who,
                                   const char *partner_id, lg_partner_status status,
                                   lg_partner *after, lg_outcome *out);

/* lg_store_partner_list behind the admin's filter. Out as the store's. */
lg_err lg_admin_partner_list(lg_service *svc, const lg_partner_filter *f, lg_partner **items,
                             size_t *n, uint64_t *total, lg_outcome *out);

/* One partner and its keys (hash never shown by callers; prefix, env, times only).
 * Out: *p, *keys (free()), *nkeys. Returns LG_OK, LG_ERR_NOT_FOUND. */
lg_err lg_admin_partner_show(lg_service *svc, const char *partner_id, lg_partner *p,
                             lg_api_key **keys, size_t *nkeys, lg_outcome *out);

/* The analytics of one period. */
typedef struct lg_admin_analytics {
    unsigned period_days;        /* 7, 30 or 90 */
    int64_t start_ms, end_ms;    /* [start of the first UTC day, end of today) */
    lg_partner_analytics totals; /* store.h */
    uint64_t average_loan;       /* total_borrowed / new_loans, 0 when none */
    uint32_t default_rate_bp;    /* defaulted_loans * 10000 / new_loans */
    uint32_t repayment_rate_bp;  /* total_repaid * 10000 / total_borrowed (capped) */
    lg_analytics_day *days;      /* malloc'd, lg_admin_analytics_release() */
    size_t ndays;
} lg_admin_analytics;

/*
 * Analytics of partner_id over the last period_days UTC days (today included),
 * at time now_ms (lg_time_now_ms() but for tests); a loan open longer than [admin]
 * default_after_days counts as defaulted. Out: *a (release with
 * lg_admin_analytics_release). Returns LG_OK, LG_ERR_INVALID (period not 7, 30 or
 * 90), LG_ERR_NOT_FOUND, or the store's error.
 */
lg_err lg_admin_analytics_get(lg_service *svc, const char *partner_id, unsigned period_days,
                              int64_t now_ms, lg_admin_analytics *a, lg_outcome *out);

void lg_admin_analytics_release(lg_admin_analytics *a);

/* One partner of a partner_platforms.json file, validated by the parser. */
typedef struct lg_admin_import_entry {
    lg_admin_create create; /* the partner as the file describes it */
    unsigned mask;          /* the LG_PF_* fields the file gave, applied on update */
} lg_admin_import_entry;

/* What an import did, per entry (same order); secrets only for created partners. */
typedef struct lg_admin_import_result {
    int created;
    int changed; /* updated with at least one field different */
    lg_partner partner;
    lg_admin_secrets secrets;
} lg_admin_import_result;

/*
 * Imports entries all or nothing: a partner whose key_prefix exists is updated with
 * the entry's fields, any other is onboarded as lg_admin_partner_create does (keys
 * made here, never read from the file). A second import of the same file changes
 * nothing. Out: results[n] (caller-owned array of n; wipe the secrets after showing
 * them), *bad_index on failure (the entry at fault; out->message names it and the
 * field). Returns LG_OK, LG_ERR_INVALID, LG_ERR_DUPLICATE, or the store's error.
 */
lg_err lg_admin_import(lg_service *svc, const lg_admin_actor *who,
                       const lg_admin_import_entry *entries, size_t n,
                       lg_admin_import_result *results, size_t *bad_index, lg_outcome *out);

/* The admin trail, newest first. Out as lg_store_admin_audit_query. */
lg_err lg_admin_audit_list(lg_service *svc, const lg_admin_audit_filter *f, lg_admin_audit **items,
                           size_t *n, uint64_t *total, lg_outcome *out);

/* The partner's API call log (partner_api_logs), newest first. */
lg_err lg_admin_api_logs(lg_service *svc, const lg_api_log_filter *f, lg_api_log **items, size_t *n,
                         uint64_t *total, lg_outcome *out);

/*
 * Writes p as the JSON object admins see, without secrets or key hashes (secrets
 * appear as "signingSecretSet": true/false), into out. Used for the audit's
 * before/after values as well as the API. Returns LG_OK, LG_ERR_OVERFLOW.
 */
lg_err lg_admin_partner_json(const lg_partner *p, char *out, size_t cap);

/* ------------------------------------------------------------ loans */

/*
 * Ends the ACTIVE loan loan_id (lendgate's id) as DEFAULTED with reason (NULL or ""
 * for "defaulted by an administrator"), with the outbox event loan.defaulted and the
 * audit row "loan.default" (the loan's state before and after) in one transaction.
 * The debt stays owed: repayments are still accepted. Out: *after (may be NULL).
 * Returns LG_OK, LG_ERR_NOT_FOUND, LG_ERR_CONFLICT (not ACTIVE), or the store's.
 */
lg_err lg_admin_loan_default(lg_service *svc, const lg_admin_actor *who, const char *loan_id,
                             const char *reason, lg_loan *after, lg_outcome *out);

#endif
