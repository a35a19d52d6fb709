/* admin_bodies.c - strict parsing of the admin API bodies and partner_platforms.json
 * into the typed requests of admin.h, over one table of partner fields. */
#include "config.h"

#include <lendgate/admin_bodies.h>

#include <lendgate/json_input.h>
#include <lendgate/model.h>
#include <lendgate/netaddr.h>
#include <lendgate/validate.h>

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_ENTRIES 1000
#define FEE_BPS_MAX        10000
#define RATE_LIMIT_MAX     1000000
#define GRACE_MAX_SECONDS  31536000

/* Create-only fields carry no LG_PF_* bit: a partner's key prefix and first key's
 * environment are fixed once it exists. */
enum { PF_NONE = 0, F_PREFIX = 1, F_ENV = 2, F_ID = 4 };

/* Where parsed values go: the partner, and the key environment of a create. */
typedef struct target {
    lg_partner *p;
    lg_apikey_env *env;
} target;

typedef lg_err (*field_fn)(const char *name, struct json_object *v, target *t, char *msg,
                           size_t msglen);

typedef struct field {
    const char *name;
    unsigned pf; /* LG_PF_* bit set in the mask when given */
    int create_only;
    field_fn parse;
} field;

static lg_err fail(char *msg, size_t msglen, const char *name, const char *why)
{
    snprintf(msg, msglen, "%s: %s", name, why);
    return LG_ERR_INVALID;
}

/* The string of v, or NULL with msg set when v is not a string without NULs. */
static const char *string_of(const char *name, struct json_object *v, char *msg, size_t msglen)
{
    if (!json_object_is_type(v, json_type_string)) {
        fail(msg, msglen, name, "must be a string");
        return NULL;
    }
    const char *s = json_object_get_string(v);
    if ((size_t)json_object_get_string_len(v) != strlen(s)) {
        fail(msg, msglen, name, "contains a NUL character");
        return NULL;
    }
    return s;
}

static lg_err int_of(const char *name, struct json_object *v, int64_t max, int64_t *out, char *msg,
                     size_t msglen)
{
    char why[64];
    snprintf(why, sizeof why, "must be an integer from 0 to %lld", (long long)max);
    if (!json_object_is_type(v, json_type_int))
        return fail(msg, msglen, name, why);
    int64_t n = json_object_get_int64(v);
    /* json-c clamps out-of-range integers to INT64_MAX/MIN, which the range catches. */
    if (n < 0 || n > max)
        return fail(msg, msglen, name, why);
    *out = n;
    return LG_OK;
}

/* int_of for a field stored as uint32_t (max fits one). */
static lg_err u32_of(const char *name, struct json_object *v, uint32_t max, uint32_t *out,
                     char *msg, size_t msglen)
{
    int64_t n = 0;
    lg_err rc = int_of(name, v, max, &n, msg, msglen);
    if (rc == LG_OK)
        *out = (uint32_t)n;
    return rc;
}

/* Printable text without control characters, 1..cap-1 bytes (0 allowed when
 * empty_ok), copied into out. */
static lg_err text_into(const char *name, struct json_object *v, char *out, size_t cap,
                        int empty_ok, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    if (!s)
        return LG_ERR_INVALID;
    size_t len = strlen(s);
    char why[64];
    if (empty_ok)
        snprintf(why, sizeof why, "must be at most %zu characters", cap - 1);
    else
        snprintf(why, sizeof why, "must be 1 to %zu characters", cap - 1);
    if ((len == 0 && !empty_ok) || len >= cap)
        return fail(msg, msglen, name, why);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return fail(msg, msglen, name, "must not contain control characters");
    memcpy(out, s, len + 1);
    return LG_OK;
}

static lg_err f_name(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    lg_err rc = text_into(name, v, t->p->name, sizeof t->p->name, 0, msg, msglen);
    if (rc == LG_OK && (t->p->name[0] == ' ' || t->p->name[strlen(t->p->name) - 1] == ' '))
        return fail(msg, msglen, name, "must not start or end with a space");
    return rc;
}

/* The plan's partnerId: the id a config file or an admin chose instead of the derived
 * "partner_<prefix>_NNN". */
static lg_err f_id(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    return s ? lg_validate_loan_id(name, s, t->p->id, msg, msglen) : LG_ERR_INVALID;
}

/* Either the bare partner part ("nlp", the plan's create body) or the key prefix as
 * the plan's partner_platforms.json spells it ("pk_xyz_live_"), which also says the
 * first key's environment. */
static lg_err f_prefix(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    if (!s)
        return LG_ERR_INVALID;
    static const char *const envs[] = {"_live_", "_sandbox_"};
    size_t len = strlen(s), i = 0;
    if (strncmp(s, "pk_", 3) == 0) {
        int matched = 0;
        for (size_t e = 0; e < 2 && !matched; e++) {
            size_t n = strlen(envs[e]);
            if (len > 3 + n && strcmp(s + len - n, envs[e]) == 0) {
                if (t->env)
                    *t->env = e == 0 ? LG_APIKEY_LIVE : LG_APIKEY_SANDBOX;
                s += 3;
                len -= 3 + n;
                matched = 1;
            }
        }
        if (!matched)
            return fail(msg, msglen, name,
                        "must be 1 to 32 lowercase letters or digits, or pk_<that>_live_ "
                        "or pk_<that>_sandbox_");
    }
    while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (len == 0 || len > 32 || i != len)
        return fail(msg, msglen, name, "must be 1 to 32 lowercase letters or digits");
    memcpy(t->p->key_prefix, s, len);
    t->p->key_prefix[len] = '\0';
    return LG_OK;
}

static lg_err f_env(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    lg_apikey_env env;
    if (!s)
        return LG_ERR_INVALID;
    if (lg_apikey_env_parse(&env, s) != LG_OK)
        return fail(msg, msglen, name, "must be \"live\" or \"sandbox\"");
    if (t->env)
        *t->env = env;
    return LG_OK;
}

static lg_err f_tier(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    if (!s)
        return LG_ERR_INVALID;
    if (lg_tier_parse(s, &t->p->tier) == LG_OK)
        return LG_OK;
    return fail(msg, msglen, name, "must be \"BASIC\", \"PREMIUM\" or \"ENTERPRISE\"");
}

static lg_err f_status(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    if (!s)
        return LG_ERR_INVALID;
    if (lg_partner_status_parse(s, &t->p->status) == LG_OK)
        return LG_OK;
    return fail(msg, msglen, name, "must be \"ACTIVE\", \"SUSPENDED\" or \"INACTIVE\"");
}

/* An optional address (the plan's contactWallet, publicKey): "" clears it. */
static lg_err opt_address(const char *name, struct json_object *v, char out[LG_ADDR_LEN], char *msg,
                          size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    if (!s)
        return LG_ERR_INVALID;
    if (!*s) {
        out[0] = '\0';
        return LG_OK;
    }
    return lg_validate_address(name, s, out, msg, msglen);
}

static lg_err f_contact_wallet(const char *name, struct json_object *v, target *t, char *msg,
                               size_t msglen)
{
    return opt_address(name, v, t->p->contact_wallet, msg, msglen);
}

static lg_err f_public_key(const char *name, struct json_object *v, target *t, char *msg,
                           size_t msglen)
{
    return opt_address(name, v, t->p->public_key, msg, msglen);
}

static lg_err flag_of(const char *name, struct json_object *v, int *out, char *msg, size_t msglen)
{
    if (!json_object_is_type(v, json_type_boolean))
        return fail(msg, msglen, name, "must be true or false");
    *out = json_object_get_boolean(v) ? 1 : 0;
    return LG_OK;
}

static lg_err f_kyc(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    return flag_of(name, v, &t->p->kyc_verified, msg, msglen);
}

static lg_err f_contract(const char *name, struct json_object *v, target *t, char *msg,
                         size_t msglen)
{
    return flag_of(name, v, &t->p->contract_signed, msg, msglen);
}

static lg_err f_daily(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    return s ? lg_validate_amount(name, s, &t->p->daily_limit, msg, msglen) : LG_ERR_INVALID;
}

static lg_err f_total(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    return s ? lg_validate_amount(name, s, &t->p->total_limit, msg, msglen) : LG_ERR_INVALID;
}

static lg_err f_fee(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    return u32_of(name, v, FEE_BPS_MAX, &t->p->fee_bps, msg, msglen);
}

static lg_err f_settlement(const char *name, struct json_object *v, target *t, char *msg,
                           size_t msglen)
{
    const char *s = string_of(name, v, msg, msglen);
    return s ? lg_validate_address(name, s, t->p->settlement_address, msg, msglen) : LG_ERR_INVALID;
}

/* 1 when host (hostlen bytes, port excluded) names the loopback interface. */
static int loopback_host(const char *host, size_t hostlen)
{
    static const char *const names[] = {"localhost", "[::1]"};
    for (size_t i = 0; i < 2; i++)
        if (hostlen == strlen(names[i]) && strncmp(host, names[i], hostlen) == 0)
            return 1;
    return hostlen >= 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == hostlen;
}

static lg_err url_check(const char *name, const char *s, char *msg, size_t msglen)
{
    static const char why[] = "must be an https:// URL (http:// only to a loopback host)";
    int https = strncmp(s, "https://", 8) == 0;
    const char *host = s + (https ? 8 : 7);
    if (!https && strncmp(s, "http://", 7) != 0)
        return fail(msg, msglen, name, why);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '\\' || *c == '"')
            return fail(msg, msglen, name, "must not contain spaces, quotes or control characters");
    size_t hostlen = strcspn(host, "/?#");
    const char *colon = host[0] == '[' ? memchr(host, ']', hostlen) : memchr(host, ':', hostlen);
    size_t bare = hostlen;
    if (colon && host[0] == '[')
        bare = (size_t)(colon - host) + 1;
    else if (colon)
        bare = (size_t)(colon - host);
    if (bare == 0 || memchr(host, '@', hostlen))
        return fail(msg, msglen, name, "must name a host (and no user info)");
    if (!https && !loopback_host(host, bare))
        return fail(msg, msglen, name, why);
    return LG_OK;
}

static lg_err f_webhook(const char *name, struct json_object *v, target *t, char *msg,
                        size_t msglen)
{
    char url[LG_URL_LEN];
    lg_err rc = text_into(name, v, url, sizeof url, 1, msg, msglen);
    if (rc == LG_OK && url[0])
        rc = url_check(name, url, msg, msglen);
    if (rc == LG_OK)
        memcpy(t->p->webhook_url, url, sizeof url);
    return rc;
}

static lg_err f_contact(const char *name, struct json_object *v, target *t, char *msg,
                        size_t msglen)
{
    char mail[LG_EMAIL_LEN];
    lg_err rc = text_into(name, v, mail, sizeof mail, 1, msg, msglen);
    if (rc != LG_OK)
        return rc;
    const char *at = strchr(mail, '@');
    if (mail[0] && (!at || at == mail || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
                    strchr(mail, ' ') || at[1] == '.' || mail[strlen(mail) - 1] == '.'))
        return fail(msg, msglen, name, "must be an e-mail address (name@example.com)");
    memcpy(t->p->contact_email, mail, sizeof mail);
    return LG_OK;
}

static lg_err f_rate(const char *name, struct json_object *v, target *t, char *msg, size_t msglen)
{
    return u32_of(name, v, RATE_LIMIT_MAX, &t->p->rate_limit_rpm, msg, msglen);
}

static lg_err f_signing(const char *name, struct json_object *v, target *t, char *msg,
                        size_t msglen)
{
    return flag_of(name, v, &t->p->signing_required, msg, msglen);
}

/* ipAllowlist: an array of addresses and CIDR ranges, stored in canonical form. The
 * entries are joined and parsed as one list so netaddr names the entry at fault. */
static lg_err f_allowlist(const char *name, struct json_object *v, target *t, char *msg,
                          size_t msglen)
{
    char joined[LG_ALLOWLIST_LEN], why[160];
    size_t used = 0;
    if (!json_object_is_type(v, json_type_array))
        return fail(msg, msglen, name, "must be an array of addresses or CIDR ranges");
    size_t n = json_object_array_length(v);
    if (n > LG_ALLOWLIST_MAX_ENTRIES)
        return fail(msg, msglen, name, "too many entries");
    joined[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char item[120];
        snprintf(item, sizeof item, "%s[%zu]", name, i);
        const char *e = string_of(item, json_object_array_get_idx(v, i), msg, msglen);
        if (!e)
            return LG_ERR_INVALID;
        if (!*e || strchr(e, ','))
            return fail(msg, msglen, item, "must be one address or CIDR range");
        int w = snprintf(joined + used, sizeof joined - used, "%s%s", i ? "," : "", e);
        if (w < 0 || (size_t)w >= sizeof joined - used)
            return fail(msg, msglen, name, "too long");
        used += (size_t)w;
    }
    if (lg_allowlist_normalize(joined, t->p->ip_allowlist, sizeof t->p->ip_allowlist, why,
                               sizeof why) == LG_OK)
        return LG_OK;
    /* netaddr names the list "ipAllowlist"; an import entry needs its full path. */
    const char *rest = strncmp(why, "ipAllowlist", 11) == 0 ? why + 11 : why;
    snprintf(msg, msglen, "%s%s%s", name, rest == why ? ": " : "", rest);
    return LG_ERR_INVALID;
}

/* The one list of partner fields shared by create, PATCH and import entries: the
 * partner plan's names (its Partner schema and partner_platforms.json), then
 * lendgate's own. */
static const field fields[] = {
    {"partnerId", PF_NONE, F_ID, f_id},
    {"partnerName", LG_PF_NAME, 0, f_name},
    {"apiKeyPrefix", PF_NONE, F_PREFIX, f_prefix},
    {"status", LG_PF_STATUS, 0, f_status},
    {"tier", LG_PF_TIER, 0, f_tier},
    {"dailyBorrowLimit", LG_PF_DAILY_LIMIT, 0, f_daily},
    {"totalBorrowLimit", LG_PF_TOTAL_LIMIT, 0, f_total},
    {"platformFeePercentage", LG_PF_FEE_BPS, 0, f_fee},
    {"settlementAddress", LG_PF_SETTLEMENT, 0, f_settlement},
    {"webhookUrl", LG_PF_WEBHOOK_URL, 0, f_webhook},
    {"contactEmail", LG_PF_CONTACT, 0, f_contact},
    {"contactWallet", LG_PF_CONTACT_WALLET, 0, f_contact_wallet},
    {"publicKey", LG_PF_PUBLIC_KEY, 0, f_public_key},
    {"kycVerified", LG_PF_KYC, 0, f_kyc},
    {"contractSigned", LG_PF_CONTRACT, 0, f_contract},
    {"environment", PF_NONE, F_ENV, f_env},
    {"rateLimitRpm", LG_PF_RATE_LIMIT, 0, f_rate},
    {"signingRequired", LG_PF_SIGNING, 0, f_signing},
    {"ipAllowlist", LG_PF_ALLOWLIST, 0, f_allowlist},
};
#define NFIELDS (sizeof fields / sizeof *fields)

/* What a walk over one object found: the LG_PF_* mask and the create-only fields. */
typedef struct seen {
    unsigned mask;
    int create_only; /* F_PREFIX | F_ENV */
} seen;

/*
 * Parses every member of obj against the field table into t. where prefixes field
 * names in messages ("" for a body, "partners[2]." for an entry); unknown members
 * are reported as "<whole>: unknown field \"x\"".
 */
static lg_err walk(struct json_object *obj, const char *where, const char *whole, target *t,
                   seen *s, char *msg, size_t msglen)
{
    char name[96], key[72];
    memset(s, 0, sizeof *s);
    if (json_object_object_length(obj) > LG_JSON_MAX_KEYS)
        return fail(msg, msglen, whole, "too many fields");
    json_object_object_foreach(obj, k, v)
    {
        size_t i = 0;
        while (i < NFIELDS && !lg_json_name_is(k, fields[i].name))
            i++;
        if (i == NFIELDS) {
            lg_json_safe_name(key, sizeof key, k);
            snprintf(msg, msglen, "%s: unknown field \"%s\"", whole, key);
            return LG_ERR_INVALID;
        }
        snprintf(name, sizeof name, "%s%s", where, fields[i].name);
        lg_err rc = fields[i].parse(name, v, t, msg, msglen);
        if (rc != LG_OK)
            return rc;
        s->mask |= fields[i].pf;
        s->create_only |= fields[i].create_only;
    }
    return LG_OK;
}

/* A create body or an import entry: apiKeyPrefix, name, settlementAddress required. */
static lg_err parse_create(struct json_object *obj, const char *where, const char *whole,
                           lg_admin_create *out, unsigned *mask, char *msg, size_t msglen)
{
    static const struct {
        const char *name;
        unsigned pf;
        int create_only;
    } need[] = {{"apiKeyPrefix", 0, F_PREFIX},
                {"partnerName", LG_PF_NAME, 0},
                {"settlementAddress", LG_PF_SETTLEMENT, 0}};
    target t = {.p = &out->partner, .env = &out->env};
    seen s;
    out->env = LG_APIKEY_LIVE;
    lg_err rc = walk(obj, where, whole, &t, &s, msg, msglen);
    if (rc != LG_OK)
        return rc;
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        if (!(s.mask & need[i].pf) && !(s.create_only & need[i].create_only)) {
            snprintf(msg, msglen, "%s%s: is required", where, need[i].name);
            return LG_ERR_INVALID;
        }
    }
    if (mask)
        *mask = s.mask;
    return LG_OK;
}

lg_err lg_parse_admin_create(const char *body, size_t len, lg_admin_create *out, char *msg,
                             size_t msglen)
{
    struct json_object *obj = NULL;
    if (!out || !msg || msglen == 0)
        return LG_ERR_INVALID;
    memset(out, 0, sizeof *out);
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK)
        rc = parse_create(obj, "", "body", out, NULL, msg, msglen);
    json_object_put(obj);
    if (rc != LG_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

lg_err lg_parse_admin_patch(const char *body, size_t len, lg_partner *p, unsigned *mask, char *msg,
                            size_t msglen)
{
    struct json_object *obj = NULL;
    if (!p || !mask || !msg || msglen == 0)
        return LG_ERR_INVALID;
    memset(p, 0, sizeof *p);
    *mask = 0;
    target t = {.p = p, .env = NULL};
    seen s = {0};
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK && json_object_object_length(obj) == 0)
        rc = fail(msg, msglen, "body", "at least one field to change is required");
    if (rc == LG_OK)
        rc = walk(obj, "", "body", &t, &s, msg, msglen);
    json_object_put(obj);
    if (rc == LG_OK && s.create_only)
        rc = fail(msg, msglen,
                  (s.create_only & F_ID)       ? "partnerId"
                  : (s.create_only & F_PREFIX) ? "apiKeyPrefix"
                                               : "environment",
                  "cannot be changed");
    if (rc != LG_OK) {
        memset(p, 0, sizeof *p);
        return rc;
    }
    *mask = s.mask;
    return LG_OK;
}

static lg_err rotate_fields(struct json_object *obj, uint64_t *grace, lg_apikey_env *env, char *msg,
                            size_t msglen)
{
    char key[72];
    json_object_object_foreach(obj, k, v)
    {
        int64_t n = 0;
        lg_err rc = LG_OK;
        if (lg_json_name_is(k, "graceSeconds")) {
            rc = int_of("graceSeconds", v, GRACE_MAX_SECONDS, &n, msg, msglen);
            if (rc == LG_OK)
                *grace = (uint64_t)n;
        } else if (lg_json_name_is(k, "environment")) {
            lg_partner unused;
            target t = {.p = &unused, .env = env};
            rc = f_env("environment", v, &t, msg, msglen);
        } else {
            lg_json_safe_name(key, sizeof key, k);
            snprintf(msg, msglen, "body: unknown field \"%s\"", key);
            rc = LG_ERR_INVALID;
        }
        if (rc != LG_OK)
            return rc;
    }
    return LG_OK;
}

lg_err lg_parse_admin_rotate(const char *body, size_t len, uint64_t *grace_seconds,
                             lg_apikey_env *env, char *msg, size_t msglen)
{
    if (!grace_seconds || !env || !msg || msglen == 0 || (!body && len > 0))
        return LG_ERR_INVALID;
    if (len == 0)
        return LG_OK;
    struct json_object *obj = NULL;
    uint64_t grace = *grace_seconds;
    lg_apikey_env e = *env;
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK)
        rc = rotate_fields(obj, &grace, &e, msg, msglen);
    json_object_put(obj);
    if (rc == LG_OK) {
        *grace_seconds = grace;
        *env = e;
    }
    return rc;
}

/* The "partners" array of a partner_platforms.json document, or NULL with msg set. */
static struct json_object *platforms_array(struct json_object *doc, char *msg, size_t msglen)
{
    struct json_object *arr = NULL;
    char key[72];
    json_object_object_foreach(doc, k, v)
    {
        if (!lg_json_name_is(k, "partners")) {
            lg_json_safe_name(key, sizeof key, k);
            snprintf(msg, msglen, "body: unknown field \"%s\"", key);
            return NULL;
        }
        arr = v;
    }
    if (!arr) {
        fail(msg, msglen, "partners", "is required");
        return NULL;
    }
    if (!json_object_is_type(arr, json_type_array)) {
        fail(msg, msglen, "partners", "must be an array");
        return NULL;
    }
    size_t n = json_object_array_length(arr);
    if (n == 0 || n > IMPORT_MAX_ENTRIES) {
        snprintf(msg, msglen, "partners: must hold 1 to %d entries", IMPORT_MAX_ENTRIES);
        return NULL;
    }
    return arr;
}

static lg_err platform_entry(struct json_object *v, size_t i, lg_admin_import_entry *all, char *msg,
                             size_t msglen)
{
    char where[32], whole[32];
    snprintf(whole, sizeof whole, "partners[%zu]", i);
    snprintf(where, sizeof where, "partners[%zu].", i);
    if (!json_object_is_type(v, json_type_object))
        return fail(msg, msglen, whole, "must be an object");
    lg_err rc = parse_create(v, where, whole, &all[i].create, &all[i].mask, msg, msglen);
    if (rc != LG_OK)
        return rc;
    for (size_t j = 0; j < i; j++) {
        if (strcmp(all[j].create.partner.key_prefix, all[i].create.partner.key_prefix) == 0) {
            snprintf(msg, msglen, "%sapiKeyPrefix: same as partners[%zu]", where, j);
            return LG_ERR_INVALID;
        }
    }
    return LG_OK;
}

lg_err lg_parse_partner_platforms(const char *json, size_t len, lg_admin_import_entry **entries,
                                  size_t *n, size_t *bad_index, char *msg, size_t msglen)
{
    if (!entries || !n || !bad_index || !msg || msglen == 0)
        return LG_ERR_INVALID;
    *entries = NULL;
    *n = 0;
    *bad_index = SIZE_MAX;
    struct json_object *doc = NULL, *arr = NULL;
    lg_err rc = lg_json_parse_object(json, len, LG_JSON_MAX_DEPTH, &doc, msg, msglen);
    if (rc != LG_OK)
        return rc;
    if (!(arr = platforms_array(doc, msg, msglen))) {
        json_object_put(doc);
        return LG_ERR_INVALID;
    }
    size_t count = json_object_array_length(arr);
    lg_admin_import_entry *all = calloc(count, sizeof *all);
    if (!all) {
        json_object_put(doc);
        snprintf(msg, msglen, "out of memory");
        return LG_ERR_NOMEM;
    }
    for (size_t i = 0; i < count && rc == LG_OK; i++) {
        rc = platform_entry(json_object_array_get_idx(arr, i), i, all, msg, msglen);
        if (rc != LG_OK)
            *bad_index = i;
    }
    json_object_put(doc);
    if (rc != LG_OK) {
        free(all);
        return rc;
    }
    *entries = all;
    *n = count;
    return LG_OK;
}

/* ------------------------------------------------------------ loan default */

lg_err lg_parse_admin_loan_default(const char *body, size_t len, char reason[LG_REASON_LEN],
                                   char *msg, size_t msglen)
{
    if (!reason || !msg || msglen == 0 || (!body && len > 0))
        return LG_ERR_INVALID;
    if (len == 0)
        return LG_OK;
    struct json_object *obj = NULL;
    char key[72], got[LG_REASON_LEN] = "";
    lg_err rc = lg_json_parse_object(body, len, LG_JSON_MAX_DEPTH, &obj, msg, msglen);
    if (rc == LG_OK) {
        json_object_object_foreach(obj, k, v)
        {
            if (lg_json_name_is(k, "reason")) {
                rc = text_into("reason", v, got, sizeof got, 0, msg, msglen);
            } else {
                lg_json_safe_name(key, sizeof key, k);
                snprintf(msg, msglen, "body: unknown field \"%s\"", key);
                rc = LG_ERR_INVALID;
            }
            if (rc != LG_OK)
                break;
        }
    }
    json_object_put(obj);
    if (rc == LG_OK && got[0])
        memcpy(reason, got, sizeof got);
    return rc;
}
