/*
 * admin.c - partner administration: the one implementation behind /admin/partners
 * and `lendgatectl partner`. Validates what the parsers cannot know, makes keys and
 * secrets, and commits every change with its admin_audit row through the store's
 * audit hook (store.h).
 */
#include "config.h"

#include <lendgate/address.h>
#include <lendgate/admin.h>
#include <lendgate/hex.h>
#include <lendgate/log.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/view.h>

#include "service_internal.h"

#include <json-c/json.h>
#include <openssl/rand.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS           86400000LL
#define SECRET_BYTES     32
#define MAX_ID_TRIES     1000
#define MAX_GRACE_S      31536000ULL /* [admin] key_grace_seconds allows no more */
#define WEBHOOK_PREFIX   "whsec_"
#define SIGNING_PREFIX   "sig_"
#define FIELD_PREFIX_LEN 32

/* ------------------------------------------------------------ secrets */

void lg_admin_secrets_wipe(lg_admin_secrets *s)
{
    if (s)
        lg_memwipe(s, sizeof *s);
}

/* Writes prefix + 64 hex digits of fresh randomness into out (cap bytes). */
static lg_err make_secret(char *out, size_t cap, const char *prefix)
{
    uint8_t raw[SECRET_BYTES];
    size_t plen = strlen(prefix);
    if (cap < plen + LG_HEX_TEXT_LEN(SECRET_BYTES, LG_HEX_BARE))
        return LG_ERR_OVERFLOW;
    if (RAND_bytes(raw, sizeof raw) != 1)
        return LG_ERR_CRYPTO;
    memcpy(out, prefix, plen);
    lg_err rc = lg_hex_encode(out + plen, cap - plen, raw, sizeof raw, LG_HEX_BARE);
    lg_memwipe(raw, sizeof raw);
    return rc;
}

lg_err lg_svc_webhook_secret(char *out, size_t cap)
{
    return make_secret(out, cap, WEBHOOK_PREFIX);
}

/* Makes a key for key_prefix in env: the text into secrets->api_key, its hash and
 * display prefix into *key (for partner_id). */
static lg_err make_key(const char *partner_id, const char *key_prefix, lg_apikey_env env,
                       lg_admin_secrets *secrets, lg_api_key *key)
{
    memset(key, 0, sizeof *key);
    lg_err rc = lg_apikey_generate(secrets->api_key, sizeof secrets->api_key, key_prefix, env);
    if (rc == LG_OK)
        rc = lg_apikey_hash(key->key_hash, sizeof key->key_hash, secrets->api_key);
    if (rc == LG_OK)
        rc = lg_apikey_prefix(key->prefix, sizeof key->prefix, secrets->api_key);
    if (rc != LG_OK)
        return rc;
    snprintf(key->partner_id, sizeof key->partner_id, "%s", partner_id);
    snprintf(key->env, sizeof key->env, "%s", lg_apikey_env_name(env));
    return LG_OK;
}

/* ------------------------------------------------------------ JSON */

lg_err lg_admin_partner_json(const lg_partner *p, char *out, size_t cap)
{
    if (!p || !out || cap == 0)
        return LG_ERR_INVALID;
    out[0] = '\0';
    return lg_svc_json_text(lg_view_partner(p), out, cap);
}

lg_err lg_svc_json_text(json_object *o, char *buf, size_t cap)
{
    if (!o)
        return LG_ERR_NOMEM;
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    lg_err rc = !text ? LG_ERR_NOMEM : len >= cap ? LG_ERR_OVERFLOW : LG_OK;
    if (rc == LG_OK)
        memcpy(buf, text, len + 1);
    json_object_put(o);
    return rc;
}

/* ------------------------------------------------------------ audit hook */

void lg_svc_audit_row(lg_admin_audit *row, const lg_admin_actor *who, const char *action,
                      const char *target)
{
    snprintf(row->admin, sizeof row->admin, "%s", who->admin);
    snprintf(row->action, sizeof row->action, "%s", action);
    snprintf(row->target, sizeof row->target, "%s", target);
    snprintf(row->request_id, sizeof row->request_id, "%s", who->request_id);
    snprintf(row->client_ip, sizeof row->client_ip, "%s", who->client_ip);
}

typedef struct audit_ctx {
    const lg_admin_actor *who;
    const char *action;              /* NULL: per the import (create or update) */
    lg_admin_import_result *results; /* import only: marks the changed entries */
    const lg_partner_import_item *items;
    size_t n;
} audit_ctx;

static void mark_changed(audit_ctx *c, const lg_partner *after)
{
    for (size_t i = 0; c->results && i < c->n; i++)
        if (strcmp(c->items[i].partner.key_prefix, after->key_prefix) == 0)
            c->results[i].changed = 1;
}

static lg_err audit_fill(void *ctx, const lg_partner *before, const lg_partner *after,
                         lg_admin_audit *row)
{
    audit_ctx *c = ctx;
    const lg_partner *subject = after ? after : before;
    const char *action = c->action;
    if (!action)
        action = before ? "partner.import.update" : "partner.import.create";
    if (!subject)
        return LG_ERR_INVALID;
    /* A sandbox twin's change (its key) is its partner's, in the partner's history. */
    lg_svc_audit_row(row, c->who, action, subject->live_id[0] ? subject->live_id : subject->id);
    lg_err rc = LG_OK;
    if (before)
        rc = lg_admin_partner_json(before, row->before_json, sizeof row->before_json);
    if (rc == LG_OK && after)
        rc = lg_admin_partner_json(after, row->after_json, sizeof row->after_json);
    if (rc == LG_OK && before && after)
        mark_changed(c, after);
    return rc;
}

static lg_audit_hook hook_for(audit_ctx *c)
{
    lg_audit_hook h = {audit_fill, c};
    return h;
}

/* ------------------------------------------------------------ validation */

/* The field at fault is <where><field>: where is "partners[2]." in an import. */
static lg_err field_fail(lg_outcome *out, lg_err err, const char *where, const char *field,
                         const char *why)
{
    char path[sizeof out->field];
    snprintf(path, sizeof path, "%s%s", where, field);
    return lg_svc_fail(out, err, path, "%s", why);
}

static lg_err bad_field(lg_outcome *out, const char *where, const char *field, const char *why)
{
    return field_fail(out, LG_ERR_INVALID, where, field, why);
}

/* "<where><field>: \"<value>\" <why>", for a value that clashes (409). */
static lg_err taken(lg_outcome *out, const char *where, const char *field, const char *value,
                    const char *why)
{
    char text[sizeof out->message];
    snprintf(text, sizeof text, "\"%s\" %s", value, why);
    return field_fail(out, LG_ERR_DUPLICATE, where, field, text);
}

static int prefix_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
            return 0;
    return n >= 1 && n <= LG_APIKEY_PARTNER_MAX;
}

/* Non-empty, no control characters (UTF-8 bytes above 0x7f are fine). */
static int name_ok(const char *s)
{
    if (!s[0])
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int url_ok(const char *s)
{
    return !s[0] || strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return !s[0] || (at && at != s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t\r\n"));
}

static lg_err check_text_fields(const lg_partner *p, unsigned mask, const char *where,
                                lg_outcome *out)
{
    if ((mask & LG_PF_NAME) && !name_ok(p->name))
        return bad_field(out, where, "partnerName", "must be non-empty printable text");
    if ((mask & LG_PF_SETTLEMENT) && !lg_address_valid(p->settlement_address))
        return bad_field(out, where, "settlementAddress", "must be a 0x address of 40 hex digits");
    if ((mask & LG_PF_WEBHOOK_URL) && !url_ok(p->webhook_url))
        return bad_field(out, where, "webhookUrl", "must be an http:// or https:// URL");
    if ((mask & LG_PF_CONTACT) && !email_ok(p->contact_email))
        return bad_field(out, where, "contactEmail", "must be an email address");
    if ((mask & LG_PF_CONTACT_WALLET) && p->contact_wallet[0] &&
        !lg_address_valid(p->contact_wallet))
        return bad_field(out, where, "contactWallet", "must be a 0x address of 40 hex digits");
    if ((mask & LG_PF_PUBLIC_KEY) && p->public_key[0] && !lg_address_valid(p->public_key))
        return bad_field(out, where, "publicKey", "must be a 0x address of 40 hex digits");
    return LG_OK;
}

/* Checks the fields of mask of p, which holds the partner as it would be stored. */
static lg_err check_partner(const lg_partner *p, unsigned mask, const char *where, lg_outcome *out)
{
    lg_err rc = check_text_fields(p, mask, where, out);
    if (rc != LG_OK)
        return rc;
    if ((mask & LG_PF_STATUS) && (unsigned)p->status > LG_PARTNER_INACTIVE)
        return bad_field(out, where, "status", "unknown status");
    if ((mask & LG_PF_TIER) && (unsigned)p->tier > LG_TIER_ENTERPRISE)
        return bad_field(out, where, "tier", "must be BASIC, PREMIUM or ENTERPRISE");
    if ((mask & LG_PF_FEE_BPS) && p->fee_bps > 10000)
        return bad_field(out, where, "platformFeePercentage",
                         "must be between 0 and 10000 (basis points)");
    if ((mask & LG_PF_TOTAL_LIMIT) && p->total_limit > (uint64_t)INT64_MAX)
        return bad_field(out, where, "totalBorrowLimit", "is too large");
    if ((mask & (LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT)) && p->daily_limit > p->total_limit)
        return bad_field(out, where, "dailyBorrowLimit", "must not exceed totalBorrowLimit");

    if ((mask & LG_PF_RATE_LIMIT) && p->rate_limit_rpm > 1000000)
        return bad_field(out, where, "rateLimitRpm", "must be at most 1000000");
    return LG_OK;
}

/* every LG_PF_* but the webhook secret */
#define LG_PF_EDITABLE ((LG_PF_CONTRACT << 1) - 1u - LG_PF_WEBHOOK_SECRET)

static lg_err check_new_partner(const lg_partner *p, const char *where, lg_outcome *out)
{
    if (!prefix_ok(p->key_prefix))
        return bad_field(out, where, "apiKeyPrefix", "must match ^[a-z0-9]{1,32}$");
    return check_partner(p, LG_PF_EDITABLE, where, out);
}

/* ------------------------------------------------------------ store outcomes */

static lg_err store_failed(lg_outcome *out, lg_err rc, const char *what)
{
    if (rc == LG_ERR_NOT_FOUND)
        return lg_svc_fail(out, LG_ERR_NOT_FOUND, "", "Partner not found");
    if (rc == LG_ERR_INVALID)
        return lg_svc_fail(out, LG_ERR_INVALID, "", "Invalid request (%s)", what);
    return lg_svc_store_failed(out, rc, what);
}

/* 200 for a store step that went through, else its failure. */
static lg_err store_outcome(lg_outcome *out, lg_err rc, const char *what)
{
    if (rc != LG_OK)
        return store_failed(out, rc, what);
    lg_svc_done(out, LG_DONE_OK);
    return LG_OK;
}

/* store_outcome for a change that made secrets: they are wiped when it failed, since
 * nobody will see them. */
static lg_err secrets_outcome(lg_outcome *out, lg_err rc, lg_admin_secrets *secrets,
                              const char *what)
{
    if (rc != LG_OK)
        lg_admin_secrets_wipe(secrets);
    return store_outcome(out, rc, what);
}

static lg_err secret_failed(lg_outcome *out, lg_err rc, lg_admin_secrets *secrets)
{
    lg_admin_secrets_wipe(secrets);
    lg_error("admin.secret", "making a key or secret failed: %s", lg_strerror(rc));
    lg_svc_fail(out, LG_ERR_INTERNAL, "", "Internal error while making a key or secret");
    return rc;
}

/* ------------------------------------------------------------ create */

/* Writes the first free "partner_<prefix>_NNN" from count + 1 + skip on into id,
 * passing over ids taken in the store and the n ids in taken[]. */
static lg_err derive_id(lg_store *st, const char *prefix, uint64_t skip, char (*taken)[LG_ID_LEN],
                        size_t n, char id[LG_ID_LEN])
{
    uint64_t count;
    lg_partner scratch;
    lg_err rc = lg_store_partner_count(st, &count);
    for (unsigned t = 0; rc == LG_OK && t < MAX_ID_TRIES; t++) {
        snprintf(id, LG_ID_LEN, "partner_%s_%03" PRIu64, prefix, count + 1 + skip + t);
        int clash = 0;
        for (size_t i = 0; i < n && !clash; i++)
            clash = strcmp(taken[i], id) == 0;
        if (clash)
            continue;
        rc = lg_store_partner_get(st, id, &scratch);
        if (rc == LG_ERR_NOT_FOUND)
            return LG_OK;
    }
    return rc == LG_OK ? LG_ERR_DUPLICATE : rc;
}

/* Fills the secrets of a new partner p and the key for it. */
static lg_err make_partner_secrets(lg_partner *p, lg_apikey_env env, lg_admin_secrets *secrets,
                                   lg_api_key *key)
{
    lg_err rc = make_key(p->id, p->key_prefix, env, secrets, key);
    if (rc == LG_OK)
        rc = make_secret(secrets->webhook_secret, sizeof secrets->webhook_secret, WEBHOOK_PREFIX);
    if (rc == LG_OK && p->signing_required)
        rc = make_secret(secrets->signing_secret, sizeof secrets->signing_secret, SIGNING_PREFIX);
    if (rc != LG_OK)
        return rc;
    snprintf(p->webhook_secret, sizeof p->webhook_secret, "%s", secrets->webhook_secret);
    snprintf(p->signing_secret, sizeof p->signing_secret, "%s", secrets->signing_secret);
    return LG_OK;
}

/* The partner to store from a request: store-maintained fields cleared. */
/* A new partner's limits when its description leaves them out: [admin]
 * default_daily_limit and default_total_limit (a given limit is never 0). */
static void limit_defaults(lg_partner *p, const lg_config *cfg)
{
    if (p->daily_limit == 0)
        p->daily_limit = lg_config_u64(cfg, "admin", "default_daily_limit");
    if (p->total_limit == 0)
        p->total_limit = lg_config_u64(cfg, "admin", "default_total_limit");
}

static void new_partner_from(lg_partner *p, const lg_partner *req)
{
    *p = *req;
    p->id[0] = '\0';
    p->webhook_secret[0] = p->signing_secret[0] = '\0';
    p->signing_required = p->signing_required != 0;
    p->outstanding = p->total_borrowed = p->total_repaid = p->total_fees = 0;
    p->created_at_ms = p->updated_at_ms = 0;
}

#define CREATE_ATTEMPTS 3

/* One onboarding attempt: a fresh id, key and secrets for p. */
static lg_err create_once(lg_store *st, const lg_admin_actor *who, lg_partner *p, lg_apikey_env env,
                          lg_admin_secrets *secrets, lg_outcome *out)
{
    lg_api_key key;
    lg_err rc = p->id[0] ? LG_OK : derive_id(st, p->key_prefix, 0, NULL, 0, p->id);
    if (rc != LG_OK)
        return lg_svc_store_failed(out, rc, "deriving the partner id");
    lg_admin_secrets_wipe(secrets);
    rc = make_partner_secrets(p, env, secrets, &key);
    if (rc != LG_OK)
        return secret_failed(out, rc, secrets);
    audit_ctx ctx = {who, "partner.create", NULL, NULL, 0};
    lg_audit_hook hook = hook_for(&ctx);
    return lg_store_partner_onboard(st, p, &key, &hook, NULL);
}

/* The partnerId the request chose, when it chose one (the plan's config file carries
 * them): taken is a 409. LG_OK leaves p->id "" for a derived one. */
static lg_err chosen_id(lg_store *st, const char *where, const char *id, lg_partner *p,
                        lg_outcome *out)
{
    lg_partner scratch;
    if (!id[0])
        return LG_OK;
    lg_err rc = lg_store_partner_get(st, id, &scratch);
    lg_memwipe(&scratch, sizeof scratch);
    if (rc == LG_OK)
        return taken(out, where, "partnerId", id, "is taken");
    if (rc != LG_ERR_NOT_FOUND)
        return store_failed(out, rc, "reading the partners");
    snprintf(p->id, sizeof p->id, "%s", id);
    return LG_OK;
}

/* The key prefix decides a 409; an id taken by a concurrent create between the
 * derivation and the insert is derived again. */
static lg_err create_checked(lg_store *st, const lg_admin_actor *who, const lg_admin_create *req,
                             lg_partner *created, lg_admin_secrets *secrets, lg_outcome *out)
{
    lg_err rc = LG_ERR_DUPLICATE;
    memset(out, 0, sizeof *out); /* err LG_OK: nothing said yet */
    for (int i = 0; i < CREATE_ATTEMPTS && rc == LG_ERR_DUPLICATE && out->err == LG_OK; i++) {
        rc = lg_store_partner_get_by_prefix(st, req->partner.key_prefix, created);
        if (rc == LG_OK) {
            rc = taken(out, "", "apiKeyPrefix", req->partner.key_prefix, "is taken");
        } else if (rc == LG_ERR_NOT_FOUND) {
            new_partner_from(created, &req->partner);
            snprintf(created->created_by, sizeof created->created_by, "%s", who->admin);
            rc = chosen_id(st, "", req->partner.id, created, out);
            if (rc == LG_OK)
                rc = create_once(st, who, created, req->env, secrets, out);
        }
    }
    if (rc == LG_OK)
        rc = lg_store_partner_get(st, created->id, created);
    if (rc == LG_OK)
        lg_svc_done(out, LG_DONE_CREATED);
    else if (out->err == LG_OK && rc == LG_ERR_DUPLICATE)
        taken(out, "", "apiKeyPrefix", req->partner.key_prefix, "is taken");
    else if (out->err == LG_OK)
        store_failed(out, rc, "creating the partner");
    return rc;
}

lg_err lg_admin_partner_create(lg_service *svc, const lg_admin_actor *who,
                               const lg_admin_create *req, lg_partner *created,
                               lg_admin_secrets *secrets, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    const lg_config *cfg = svc ? svc->cfg : NULL;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !cfg || !who || !req || !created || !secrets)
        return lg_svc_missing_args(out);
    memset(secrets, 0, sizeof *secrets);
    lg_admin_create full = *req;
    limit_defaults(&full.partner, cfg);
    lg_err rc = check_new_partner(&full.partner, "", out);
    if (rc == LG_OK)
        rc = create_checked(st, who, &full, created, secrets, out);
    lg_memwipe(&full, sizeof full);
    if (rc != LG_OK) {
        lg_admin_secrets_wipe(secrets);
        lg_memwipe(created, sizeof *created);
    }
    return rc;
}

/* ------------------------------------------------------------ keys and secrets */

/* A partner as admins know it: a sandbox twin is reached through its live partner
 * only, so it is "not found" by its own id. */
static lg_err live_partner_get(lg_store *st, const char *id, lg_partner *p)
{
    lg_err rc = lg_store_partner_get(st, id, p);
    return rc == LG_OK && p->live_id[0] ? LG_ERR_NOT_FOUND : rc;
}

/* A new key of env for live partner p: a sandbox key is its twin's (made now if it has
 * none), so its rotation leaves the live keys alone, and the other way round. The key
 * text carries the live partner's prefix either way. */
static lg_err rotate_checked(lg_store *st, const lg_admin_actor *who, const lg_partner *p,
                             lg_apikey_env env, uint64_t grace_seconds, lg_admin_secrets *secrets,
                             int64_t *old_expires_at_ms, lg_outcome *out)
{
    lg_api_key key;
    lg_partner twin;
    const char *owner = p->id;
    if (env == LG_APIKEY_SANDBOX) {
        lg_err rc = lg_store_partner_sandbox(st, p->id, 1, &twin);
        if (rc != LG_OK)
            return store_failed(out, rc, "making the partner's sandbox");
        owner = twin.id;
    }
    lg_err rc = make_key(owner, p->key_prefix, env, secrets, &key);
    if (rc != LG_OK)
        return secret_failed(out, rc, secrets);
    *old_expires_at_ms = lg_time_now_ms() + (int64_t)grace_seconds * 1000;
    audit_ctx ctx = {who, "partner.rotate_key", NULL, NULL, 0};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_key_rotate(st, &key, *old_expires_at_ms, &hook, NULL);
    return secrets_outcome(out, rc, secrets, "rotating the API key");
}

static int newest_first(const void *a, const void *b)
{
    int64_t x = ((const lg_api_key *)a)->created_at_ms, y = ((const lg_api_key *)b)->created_at_ms;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The keys of live partner id and of its sandbox twin, in one list, newest first.
 * Out: *keys (malloc'd, free()), *n. */
static lg_err keys_of(lg_store *st, const char *id, lg_api_key **keys, size_t *n)
{
    lg_partner twin;
    lg_api_key *more = NULL;
    size_t m = 0;
    lg_err rc = lg_store_key_list(st, id, keys, n);
    if (rc != LG_OK)
        return rc;
    rc = lg_store_partner_sandbox(st, id, 0, &twin);
    if (rc == LG_OK)
        rc = lg_store_key_list(st, twin.id, &more, &m);
    if (rc == LG_OK && m > 0) {
        lg_api_key *all = realloc(*keys, (*n + m) * sizeof *all);
        if (all) {
            memcpy(all + *n, more, m * sizeof *more);
            *keys = all;
            *n += m;
            qsort(all, *n, sizeof *all, newest_first);
        }
        rc = all ? LG_OK : LG_ERR_NOMEM;
    }
    free(more);
    if (rc == LG_ERR_NOT_FOUND) /* no sandbox yet */
        rc = LG_OK;
    if (rc != LG_OK) {
        free(*keys);
        *keys = NULL;
        *n = 0;
    }
    return rc;
}

lg_apikey_env lg_admin_key_env(lg_service *svc, const char *partner_id)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_api_key *keys = NULL;
    size_t n = 0;
    lg_apikey_env env = LG_APIKEY_LIVE;
    if (!st || !partner_id || keys_of(st, partner_id, &keys, &n) != LG_OK || n == 0 ||
        lg_apikey_env_parse(&env, keys[0].env) != LG_OK) /* keys_of: newest first */
        env = LG_APIKEY_LIVE;
    free(keys);
    return env;
}

lg_err lg_admin_key_rotate(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                           lg_apikey_env env, uint64_t grace_seconds, lg_admin_secrets *secrets,
                           int64_t *old_expires_at_ms, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    int64_t scratch;
    if (!old_expires_at_ms)
        old_expires_at_ms = &scratch;
    *old_expires_at_ms = 0;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !partner_id || !secrets)
        return lg_svc_missing_args(out);
    memset(secrets, 0, sizeof *secrets);
    if (grace_seconds > MAX_GRACE_S)
        return bad_field(out, "", "graceSeconds", "must be at most 31536000");
    if (env != LG_APIKEY_LIVE && env != LG_APIKEY_SANDBOX)
        return bad_field(out, "", "environment", "must be live or sandbox");
    lg_partner p;
    lg_err rc = live_partner_get(st, partner_id, &p);
    if (rc == LG_OK)
        rc = rotate_checked(st, who, &p, env, grace_seconds, secrets, old_expires_at_ms, out);
    else
        store_failed(out, rc, "reading the partner");
    lg_svc_partners_changed(svc);
    lg_memwipe(&p, sizeof p);
    return rc;
}

lg_err lg_admin_signing_rotate(lg_service *svc, const lg_admin_actor *who, const char *partner_id,
                               lg_admin_secrets *secrets, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !partner_id || !secrets)
        return lg_svc_missing_args(out);
    memset(secrets, 0, sizeof *secrets);
    lg_partner p;
    lg_err rc = live_partner_get(st, partner_id, &p);
    if (rc != LG_OK)
        return store_failed(out, rc, "reading the partner");
    rc = make_secret(secrets->signing_secret, sizeof secrets->signing_secret, SIGNING_PREFIX);
    if (rc != LG_OK) {
        lg_memwipe(&p, sizeof p);
        return secret_failed(out, rc, secrets);
    }
    snprintf(p.signing_secret, sizeof p.signing_secret, "%s", secrets->signing_secret);
    audit_ctx ctx = {who, "partner.rotate_signing_secret", NULL, NULL, 0};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_partner_update_audited(st, &p, LG_PF_SIGNING, &hook, NULL, NULL);
    lg_svc_partners_changed(svc);
    lg_memwipe(&p, sizeof p);
    return secrets_outcome(out, rc, secrets, "rotating the signing secret");
}

/* ------------------------------------------------------------ update, status */

/* Secrets are made, never set: the signing secret of want is the current one, or a
 * new one (shown once in secrets) when signing is switched on without one. */
static lg_err keep_signing_secret(lg_partner *want, const lg_partner *cur,
                                  lg_admin_secrets *secrets)
{
    snprintf(want->signing_secret, sizeof want->signing_secret, "%s", cur->signing_secret);
    if (!want->signing_required || cur->signing_secret[0])
        return LG_OK;
    lg_err rc =
        make_secret(secrets->signing_secret, sizeof secrets->signing_secret, SIGNING_PREFIX);
    if (rc == LG_OK)
        snprintf(want->signing_secret, sizeof want->signing_secret, "%s", secrets->signing_secret);
    return rc;
}

static lg_err update_checked(lg_store *st, const lg_admin_actor *who, lg_partner *want,
                             unsigned mask, const lg_partner *cur, lg_partner *before,
                             lg_partner *after, lg_admin_secrets *secrets, lg_outcome *out)
{
    lg_partner merged = *cur;
    if (mask & LG_PF_NAME)
        snprintf(merged.name, sizeof merged.name, "%s", want->name);
    merged.status = mask & LG_PF_STATUS ? want->status : merged.status;
    merged.tier = mask & LG_PF_TIER ? want->tier : merged.tier;
    merged.daily_limit = mask & LG_PF_DAILY_LIMIT ? want->daily_limit : merged.daily_limit;
    merged.total_limit = mask & LG_PF_TOTAL_LIMIT ? want->total_limit : merged.total_limit;
    merged.fee_bps = mask & LG_PF_FEE_BPS ? want->fee_bps : merged.fee_bps;
    merged.rate_limit_rpm = mask & LG_PF_RATE_LIMIT ? want->rate_limit_rpm : merged.rate_limit_rpm;
    /* The text fields are checked as given (check_text_fields below). */
    lg_err rc =
        check_partner(&merged,
                      mask & ~(unsigned)(LG_PF_SETTLEMENT | LG_PF_WEBHOOK_URL | LG_PF_CONTACT |
                                         LG_PF_NAME | LG_PF_CONTACT_WALLET | LG_PF_PUBLIC_KEY),
                      "", out);
    if (rc == LG_OK)
        rc = check_text_fields(want, mask, "", out);
    if (rc != LG_OK)
        return rc;
    if ((mask & LG_PF_SIGNING) && (rc = keep_signing_secret(want, cur, secrets)) != LG_OK)
        return secret_failed(out, rc, secrets);
    audit_ctx ctx = {who, "partner.update", NULL, NULL, 0};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_partner_update_audited(st, want, mask, &hook, before, after);
    return secrets_outcome(out, rc, secrets, "updating the partner");
}

lg_err lg_admin_partner_update(lg_service *svc, const lg_admin_actor *who, const lg_partner *p,
                               unsigned mask, lg_partner *before, lg_partner *after,
                               lg_admin_secrets *secrets, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_partner scratch_before, scratch_after, cur;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !p || !secrets)
        return lg_svc_missing_args(out);
    memset(secrets, 0, sizeof *secrets);
    if (mask & LG_PF_WEBHOOK_SECRET)
        return bad_field(out, "", "webhookSecret", "secrets are generated, never set");
    if ((mask & LG_PF_EDITABLE) == 0 || (mask & ~(unsigned)LG_PF_EDITABLE))
        return bad_field(out, "", "body", "names no field to change");
    lg_err rc = live_partner_get(st, p->id, &cur);
    if (rc != LG_OK)
        return store_failed(out, rc, "reading the partner");
    lg_partner want = *p;
    rc = update_checked(st, who, &want, mask, &cur, before ? before : &scratch_before,
                        after ? after : &scratch_after, secrets, out);
    lg_svc_partners_changed(svc);
    lg_memwipe(&want, sizeof want);
    lg_memwipe(&cur, sizeof cur);
    lg_memwipe(&scratch_before, sizeof scratch_before);
    lg_memwipe(&scratch_after, sizeof scratch_after);
    return rc;
}

lg_err lg_admin_partner_set_status(lg_service *svc, const lg_admin_actor *who,
                                   const char *partner_id, lg_partner_status status,
                                   lg_partner *after, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    lg_partner cur, scratch;
    if (!after)
        after = &scratch;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !who || !partner_id)
        return lg_svc_missing_args(out);
    if (status != LG_PARTNER_ACTIVE && status != LG_PARTNER_SUSPENDED)
        return bad_field(out, "", "status", "must be ACTIVE or SUSPENDED");
    lg_err rc = live_partner_get(st, partner_id, &cur);
    if (rc != LG_OK)
        return store_failed(out, rc, "reading the partner");
    if (cur.status == status) {
        *after = cur;
        lg_svc_done(out, LG_DONE_OK);
        return LG_OK;
    }
    cur.status = status;
    audit_ctx ctx = {who, status == LG_PARTNER_SUSPENDED ? "partner.suspend" : "partner.activate",
                     NULL, NULL, 0};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_partner_update_audited(st, &cur, LG_PF_STATUS, &hook, NULL, after);
    lg_svc_partners_changed(svc);
    lg_memwipe(&cur, sizeof cur);
    return store_outcome(out, rc, "changing the partner status");
}

/* ------------------------------------------------------------ reads */

lg_err lg_admin_partner_list(lg_service *svc, const lg_partner_filter *f, lg_partner **items,
                             size_t *n, uint64_t *total, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    return store_outcome(out, lg_store_partner_list(st, f, items, n, total), "listing partners");
}

lg_err lg_admin_partner_show(lg_service *svc, const char *partner_id, lg_partner *p,
                             lg_api_key **keys, size_t *nkeys, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    if (keys)
        *keys = NULL;
    if (nkeys)
        *nkeys = 0;
    lg_api_key *scratch = NULL;
    size_t nscratch = 0;
    lg_err rc = live_partner_get(st, partner_id, p);
    if (rc == LG_OK)
        rc = keys_of(st, partner_id, keys ? keys : &scratch, nkeys ? nkeys : &nscratch);
    free(scratch);
    return store_outcome(out, rc, "reading the partner");
}

lg_err lg_admin_audit_list(lg_service *svc, const lg_admin_audit_filter *f, lg_admin_audit **items,
                           size_t *n, uint64_t *total, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    return store_outcome(out, lg_store_admin_audit_query(st, f, items, n, total),
                         "listing the admin audit");
}

/* The rows still in the audit journal go in first, so what is read has every call
 * answered before it; a journal that cannot be read now is reported, not fatal. */
static void see_journal(lg_service *svc)
{
    lg_err rc = svc ? lg_service_audit_flush(svc, 1, NULL) : LG_OK;
    if (rc != LG_OK)
        lg_warn("audit.journal", "rows still in the journal are not shown: %s", lg_strerror(rc));
}

lg_err lg_admin_api_logs(lg_service *svc, const lg_api_log_filter *f, lg_api_log **items, size_t *n,
                         uint64_t *total, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    if (!out)
        return LG_ERR_INVALID;
    see_journal(svc);
    return store_outcome(out, lg_store_api_log_query(st, f, items, n, total),
                         "listing the API logs");
}

/* ------------------------------------------------------------ analytics */

void lg_admin_analytics_release(lg_admin_analytics *a)
{
    if (!a)
        return;
    free(a->days);
    a->days = NULL;
    a->ndays = 0;
}

static void analytics_rates(lg_admin_analytics *a)
{
    const lg_partner_analytics *t = &a->totals;
    if (t->new_loans) {
        a->average_loan = t->total_borrowed / t->new_loans;
        a->default_rate_bp = (uint32_t)((uint64_t)t->defaulted_loans * 10000 / t->new_loans);
    }
    if (t->total_repaid >= t->total_borrowed && t->total_borrowed)
        a->repayment_rate_bp = 10000;
    else if (t->total_borrowed)
        /* A double keeps basis-point precision where repaid * 10000 could overflow. */
        a->repayment_rate_bp =
            (uint32_t)((double)t->total_repaid * 10000.0 / (double)t->total_borrowed);
}

lg_err lg_admin_analytics_get(lg_service *svc, const char *partner_id, unsigned period_days,
                              int64_t now_ms, lg_admin_analytics *a, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    const lg_config *cfg = svc ? svc->cfg : NULL;
    if (!out)
        return LG_ERR_INVALID;
    if (!a || !st || !cfg || !partner_id)
        return lg_svc_missing_args(out);
    memset(a, 0, sizeof *a);
    if (period_days != 7 && period_days != 30 && period_days != 90)
        return bad_field(out, "", "period", "must be 7d, 30d or 90d");
    if (now_ms <= 0)
        now_ms = lg_time_now_ms();
    see_journal(svc);
    int64_t today = now_ms / DAY_MS * DAY_MS;
    uint64_t after_days = lg_config_u64(cfg, "admin", "default_after_days");
    a->period_days = period_days;
    a->start_ms = today - (int64_t)(period_days - 1) * DAY_MS;
    a->end_ms = today + DAY_MS;
    lg_err rc = lg_store_partner_analytics(st, partner_id, a->start_ms, a->end_ms,
                                           now_ms - (int64_t)after_days * DAY_MS, &a->totals,
                                           &a->days, &a->ndays);
    if (rc != LG_OK)
        return store_failed(out, rc, "reading the analytics");
    analytics_rates(a);
    lg_svc_done(out, LG_DONE_OK);
    return LG_OK;
}

/* ------------------------------------------------------------ import */

typedef struct import_run {
    lg_store *st;
    const lg_config *cfg;
    const lg_admin_import_entry *entries;
    lg_partner_import_item *items;
    lg_admin_import_result *results;
    char (*new_ids)[LG_ID_LEN]; /* ids given to new partners so far */
    size_t nnew;
    char where[FIELD_PREFIX_LEN];
    const lg_admin_actor *who;
} import_run;

/* An entry for a partner that exists: its mask fields over the stored partner. */
static lg_err import_prepare_update(import_run *r, size_t i, const lg_partner *cur, lg_outcome *out)
{
    lg_partner_import_item *it = &r->items[i];
    it->mask = r->entries[i].mask & (unsigned)LG_PF_EDITABLE;
    lg_partner merged = *cur;
    merged.daily_limit = it->mask & LG_PF_DAILY_LIMIT ? it->partner.daily_limit : cur->daily_limit;
    merged.total_limit = it->mask & LG_PF_TOTAL_LIMIT ? it->partner.total_limit : cur->total_limit;
    lg_err rc = check_partner(
        &it->partner, it->mask & ~(unsigned)(LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT), r->where, out);
    if (rc == LG_OK)
        rc = check_partner(&merged, it->mask & (LG_PF_DAILY_LIMIT | LG_PF_TOTAL_LIMIT), r->where,
                           out);
    lg_memwipe(&merged, sizeof merged);
    if (rc != LG_OK)
        return rc;
    if (it->mask & LG_PF_SIGNING)
        rc = keep_signing_secret(&it->partner, cur, &r->results[i].secrets);
    return rc == LG_OK ? LG_OK : secret_failed(out, rc, &r->results[i].secrets);
}

/* An entry for a new partner: id, key and secrets as a create makes them. */
static lg_err import_prepare_create(import_run *r, size_t i, lg_outcome *out)
{
    lg_partner_import_item *it = &r->items[i];
    limit_defaults(&it->partner, r->cfg);
    lg_err rc = check_new_partner(&it->partner, r->where, out);
    if (rc != LG_OK)
        return rc;
    const char *want = r->entries[i].create.partner.id;
    for (size_t j = 0; want[0] && j < r->nnew; j++)
        if (strcmp(r->new_ids[j], want) == 0)
            return bad_field(out, r->where, "partnerId", "appears twice");
    rc = chosen_id(r->st, r->where, want, &it->partner, out);
    if (rc == LG_OK && !it->partner.id[0])
        rc = derive_id(r->st, it->partner.key_prefix, r->nnew, r->new_ids, r->nnew, it->partner.id);
    if (rc == LG_ERR_DUPLICATE && out->err != LG_OK)
        return rc;
    if (rc != LG_OK)
        return lg_svc_store_failed(out, rc, "deriving the partner id");
    snprintf(it->partner.created_by, sizeof it->partner.created_by, "%s", r->who->admin);
    snprintf(r->new_ids[r->nnew++], LG_ID_LEN, "%s", it->partner.id);
    rc = make_partner_secrets(&it->partner, r->entries[i].create.env, &r->results[i].secrets,
                              &it->key);
    return rc == LG_OK ? LG_OK : secret_failed(out, rc, &r->results[i].secrets);
}

static lg_err import_prepare(import_run *r, size_t i, lg_outcome *out)
{
    lg_partner cur;
    snprintf(r->where, sizeof r->where, "partners[%zu].", i);
    new_partner_from(&r->items[i].partner, &r->entries[i].create.partner);
    r->items[i].mask = LG_PF_EDITABLE;
    lg_err rc = lg_store_partner_get_by_prefix(r->st, r->items[i].partner.key_prefix, &cur);
    const char *want = r->entries[i].create.partner.id;
    if (rc == LG_OK && want[0] && strcmp(want, cur.id) != 0)
        rc = bad_field(out, r->where, "partnerId",
                       "is not the id of the partner with this apiKeyPrefix");
    else if (rc == LG_OK)
        rc = import_prepare_update(r, i, &cur, out);
    else if (rc == LG_ERR_NOT_FOUND || rc == LG_ERR_INVALID)
        rc = import_prepare_create(r, i, out);
    else
        lg_svc_store_failed(out, rc, "reading the partners");
    lg_memwipe(&cur, sizeof cur);
    return rc;
}

static lg_err import_failed(import_run *r, size_t n, size_t bad, lg_err rc, lg_outcome *out)
{
    /* An entry that said what clashed (a taken partnerId) keeps its message. */
    char where[sizeof r->where];
    snprintf(where, sizeof where, "partners[%zu]", bad);
    if (rc == LG_ERR_DUPLICATE && out->err == LG_OK)
        taken(out, where, ".apiKeyPrefix", r->items[bad].partner.key_prefix,
              "appears twice or is taken");
    else if (rc == LG_ERR_INVALID && out->err == LG_OK)
        bad_field(out, where, "", "invalid entry");
    else if (out->err == LG_OK)
        store_failed(out, rc, "importing the partners");
    for (size_t i = 0; i < n; i++)
        lg_admin_secrets_wipe(&r->results[i].secrets);
    return rc;
}

static lg_err import_run_all(import_run *r, const lg_admin_actor *who, size_t n, size_t *bad,
                             lg_outcome *out)
{
    lg_err rc = LG_OK;
    for (size_t i = 0; i < n && rc == LG_OK; i++)
        if ((rc = import_prepare(r, i, out)) != LG_OK)
            *bad = i;
    if (rc != LG_OK)
        return import_failed(r, n, *bad, rc, out);
    audit_ctx ctx = {who, NULL, r->results, r->items, n};
    lg_audit_hook hook = hook_for(&ctx);
    rc = lg_store_partner_import(r->st, r->items, n, &hook, bad);
    if (rc != LG_OK) {
        for (size_t i = 0; i < n; i++)
            r->results[i].changed = 0;
        return import_failed(r, n, *bad, rc, out);
    }
    for (size_t i = 0; i < n; i++) {
        r->results[i].created = r->items[i].created;
        r->results[i].partner = r->items[i].after;
        if (!r->items[i].created)
            lg_admin_secrets_wipe(&r->results[i].secrets);
    }
    lg_svc_done(out, LG_DONE_OK);
    return LG_OK;
}

lg_err lg_admin_import(lg_service *svc, const lg_admin_actor *who,
                       const lg_admin_import_entry *entries, size_t n,
                       lg_admin_import_result *results, size_t *bad_index, lg_outcome *out)
{
    lg_store *st = svc ? svc->st : NULL;
    const lg_config *cfg = svc ? svc->cfg : NULL;
    size_t scratch;
    if (!bad_index)
        bad_index = &scratch;
    *bad_index = 0;
    if (!out)
        return LG_ERR_INVALID;
    if (!st || !cfg || !who || (n && (!entries || !results)))
        return lg_svc_missing_args(out);
    memset(out, 0, sizeof *out);
    if (n)
        memset(results, 0, n * sizeof *results);
    import_run r = {
        st, cfg, entries, calloc(n ? n : 1, sizeof *r.items), results, calloc(n ? n : 1, LG_ID_LEN),
        0,  "",  who};
    lg_err rc = LG_ERR_NOMEM;
    if (r.items && r.new_ids)
        rc = import_run_all(&r, who, n, bad_index, out);
    else
        lg_svc_fail(out, LG_ERR_NOMEM, "", "Internal error (out of memory)");
    lg_svc_partners_changed(svc);
    if (r.items)
        lg_memwipe(r.items, n * sizeof *r.items);
    free(r.items);
    free(r.new_ids);
    return rc;
}
