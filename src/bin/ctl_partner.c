/*
 * ctl_partner.c - `lendgatectl partner ...` and `lendgatectl audit`.
 *
 * Nothing here decides what a valid partner is: the options are written into the
 * JSON body the admin API would receive and parsed by admin_bodies.c, so a value the
 * API refuses the CLI refuses too, with the same reason; the action then runs in the
 * admin service. Secrets are printed once and wiped; they are never built into a
 * json-c object, so no stray copy outlives the output.
 */
#include "config.h"

#include "ctl_common.h"
#include "ctl_partner.h"

#include <lendgate/admin.h>
#include <lendgate/admin_bodies.h>
#include <lendgate/log.h>
#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>
#include <lendgate/view.h>

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The biggest partner_platforms.json read: 1000 entries of about 1 KiB each. */
#define IMPORT_MAX_BYTES (4u << 20)
#define LIST_LIMIT_MAX   1000
#define LIST_LIMIT_DEF   50
#define MAX_OPTS         24

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ---- messages and exit codes --------------------------------------------------- */

/* ---- options ------------------------------------------------------------------- */

enum opt_kind { OPT_TEXT, OPT_INT, OPT_FLAG, OPT_BOOL };

/* One option; field is its name in the admin API's JSON (NULL: CLI only). */
typedef struct opt_spec {
    const char *flag;
    const char *field;
    enum opt_kind kind;
} opt_spec;

typedef struct opt_set {
    const opt_spec *specs;
    size_t n;
    const char *val[MAX_OPTS];
    const char *id; /* the positional ID, when the verb takes one */
} opt_set;

/* Each option fills the partner plan's field of the admin API's body. */
static const opt_spec create_opts[] = {
    {"--name", "partnerName", OPT_TEXT},
    {"--prefix", "apiKeyPrefix", OPT_TEXT},
    {"--settlement", "settlementAddress", OPT_TEXT},
    {"--tier", "tier", OPT_TEXT},
    {"--daily-limit", "dailyBorrowLimit", OPT_TEXT},
    {"--total-limit", "totalBorrowLimit", OPT_TEXT},
    {"--fee-bps", "platformFeePercentage", OPT_INT},
    {"--webhook-url", "webhookUrl", OPT_TEXT},
    {"--contact", "contactEmail", OPT_TEXT},
    {"--rate-limit-rpm", "rateLimitRpm", OPT_INT},
    {"--env", "environment", OPT_TEXT},
    {"--json", NULL, OPT_FLAG},
    {"--partner-id", "partnerId", OPT_TEXT},
    {"--contact-wallet", "contactWallet", OPT_TEXT},
    {"--public-key", "publicKey", OPT_TEXT},
    {"--kyc-verified", "kycVerified", OPT_BOOL},
    {"--contract-signed", "contractSigned", OPT_BOOL},
};
enum { C_NAME, C_PREFIX, C_SETTLEMENT, C_JSON = 11 };

static const opt_spec update_opts[] = {
    {"--name", "partnerName", OPT_TEXT},
    {"--tier", "tier", OPT_TEXT},
    {"--daily-limit", "dailyBorrowLimit", OPT_TEXT},
    {"--total-limit", "totalBorrowLimit", OPT_TEXT},
    {"--fee-bps", "platformFeePercentage", OPT_INT},
    {"--settlement", "settlementAddress", OPT_TEXT},
    {"--webhook-url", "webhookUrl", OPT_TEXT},
    {"--contact", "contactEmail", OPT_TEXT},
    {"--rate-limit-rpm", "rateLimitRpm", OPT_INT},
    {"--contact-wallet", "contactWallet", OPT_TEXT},
    {"--public-key", "publicKey", OPT_TEXT},
    {"--kyc-verified", "kycVerified", OPT_BOOL},
    {"--contract-signed", "contractSigned", OPT_BOOL},
    {"--signing-required", "signingRequired", OPT_BOOL},
};

static const opt_spec list_opts[] = {
    {"--status", NULL, OPT_TEXT}, {"--tier", NULL, OPT_TEXT}, {"--limit", NULL, OPT_TEXT},
    {"--offset", NULL, OPT_TEXT}, {"--json", NULL, OPT_FLAG},
};
enum { L_STATUS, L_TIER, L_LIMIT, L_OFFSET, L_JSON };

static const opt_spec json_only_opts[] = {{"--json", NULL, OPT_FLAG}};

static const opt_spec rotate_opts[] = {
    {"--grace", "graceSeconds", OPT_INT},
    {"--env", "environment", OPT_TEXT},
    {"--json", NULL, OPT_FLAG},
};
enum { R_GRACE, R_ENV, R_JSON };

static const opt_spec audit_opts[] = {
    {"--admin", NULL, OPT_TEXT},  {"--action", NULL, OPT_TEXT}, {"--target", NULL, OPT_TEXT},
    {"--since", NULL, OPT_TEXT},  {"--until", NULL, OPT_TEXT},  {"--limit", NULL, OPT_TEXT},
    {"--offset", NULL, OPT_TEXT}, {"--json", NULL, OPT_FLAG},
};
enum { A_ADMIN, A_ACTION, A_TARGET, A_SINCE, A_UNTIL, A_LIMIT, A_OFFSET, A_JSON };

static const opt_spec *find_opt(const opt_set *o, const char *arg, size_t *len)
{
    for (size_t i = 0; i < o->n; i++) {
        size_t fl = strlen(o->specs[i].flag);
        if (strncmp(arg, o->specs[i].flag, fl) == 0 && (arg[fl] == '\0' || arg[fl] == '=')) {
            *len = fl;
            return &o->specs[i];
        }
    }
    return NULL;
}

/* Fills o->val from argv[first..]; want_id: one positional ID is required. */
static int parse_opts(opt_set *o, const char *verb, int argc, char **argv, int first, int want_id)
{
    memset(o->val, 0, sizeof o->val);
    o->id = NULL;
    for (int i = first; i < argc; i++) {
        size_t fl = 0;
        const opt_spec *s = argv[i][0] == '-' ? find_opt(o, argv[i], &fl) : NULL;
        if (!s && argv[i][0] != '-' && want_id && !o->id) {
            o->id = argv[i];
            continue;
        }
        if (!s)
            return lg_ctl_usage("%s: unknown argument '%s'", verb, argv[i]);
        size_t k = (size_t)(s - o->specs);
        if (o->val[k])
            return lg_ctl_usage("%s: %s given twice", verb, s->flag);
        if (s->kind == OPT_FLAG) {
            if (argv[i][fl] == '=')
                return lg_ctl_usage("%s: %s takes no value", verb, s->flag);
            o->val[k] = "1";
        } else if (argv[i][fl] == '=') {
            o->val[k] = argv[i] + fl + 1;
        } else if (i + 1 < argc) {
            o->val[k] = argv[++i];
        } else {
            return lg_ctl_usage("%s: %s needs a value", verb, s->flag);
        }
    }
    if (want_id && !o->id)
        return lg_ctl_usage("%s: the partner ID is missing", verb);
    return EXIT_OK;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The options that have an API field, as the JSON body the API would receive.
 * Integers that are not plain digits, and booleans that are not true or false, go in
 * as strings so the parser refuses them with its own message. Returns a malloc'd
 * string or NULL (no memory). */
static char *opts_body(const opt_set *o)
{
    json_object *obj = json_object_new_object();
    if (!obj)
        return NULL;
    for (size_t i = 0; i < o->n; i++) {
        const char *v = o->val[i];
        if (!v || !o->specs[i].field)
            continue;
        enum opt_kind k = o->specs[i].kind;
        int is_bool = k == OPT_BOOL && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0);
        json_object *jv = k == OPT_INT && all_digits(v) && strlen(v) <= 18
                              ? json_object_new_int64(strtoll(v, NULL, 10))
                          : is_bool ? json_object_new_boolean(v[0] == 't')
                                    : json_object_new_string(v);
        json_object_object_add(obj, o->specs[i].field, jv);
    }
    const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    char *copy = text ? strdup(text) : NULL;
    json_object_put(obj);
    return copy;
}

/* The parser names API fields ("feeBps: ..."); the operator typed options. */
static int field_fail(const char *what, const opt_set *o, const char *msg, lg_err rc)
{
    if (!msg[0])
        return lg_ctl_refuse(NULL, what, "%s", lg_strerror(rc));
    for (size_t i = 0; i < o->n; i++) {
        const char *f = o->specs[i].field;
        size_t fl = f ? strlen(f) : 0;
        if (f && strncmp(msg, f, fl) == 0 && msg[fl] == ':')
            return lg_ctl_refuse(NULL, what, "%s%s", o->specs[i].flag, msg + fl);
    }
    return lg_ctl_refuse(NULL, what, "%s", msg);
}

/* ---- shared state: the store and who acts -------------------------------------- */

typedef struct ctl_ctx {
    lg_config *cfg;
    lg_service *svc; /* store only: lendgatectl reaches the store through the service */
    lg_admin_actor who;
} ctl_ctx;

static int ctx_open(ctl_ctx *c, lg_config *cfg)
{
    char err[256];
    c->cfg = cfg;
    c->svc = NULL;
    lg_ctl_actor_fill(&c->who);
    lg_err rc = lg_service_open_store_only(&c->svc, cfg, err, sizeof err);
    if (rc != LG_OK)
        return lg_ctl_refuse(NULL, "opening the store", "%s (%s)", err[0] ? err : lg_strerror(rc),
                             lg_config_str(cfg, "store", "path"));
    return EXIT_OK;
}

/* ---- names and formatting ------------------------------------------------------ */

static const char *when(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0 || lg_time_format_rfc3339(ms, buf, len) != LG_OK)
        snprintf(buf, len, "-");
    return buf;
}

/* Secrets are [A-Za-z0-9_] text: safe between JSON quotes as they are. */
static void print_secrets_json(const lg_admin_secrets *s)
{
    if (s->api_key[0])
        printf(",\"apiKey\":\"%s\"", s->api_key);
    if (s->webhook_secret[0])
        printf(",\"webhookSecret\":\"%s\"", s->webhook_secret);
    if (s->signing_secret[0])
        printf(",\"signingSecret\":\"%s\"", s->signing_secret);
}

static void print_secrets_text(const lg_admin_secrets *s, const char *indent)
{
    if (s->api_key[0])
        printf("%sAPI key:        %s\n", indent, s->api_key);
    if (s->webhook_secret[0])
        printf("%swebhook secret: %s\n", indent, s->webhook_secret);
    if (s->signing_secret[0])
        printf("%ssigning secret: %s\n", indent, s->signing_secret);
    if (s->api_key[0] || s->webhook_secret[0] || s->signing_secret[0])
        printf("%swarning: shown once; lendgate keeps no copy of the key, store it now\n", indent);
}

/* ---- partner create ------------------------------------------------------------ */

static int create_print(const lg_partner *p, const lg_admin_secrets *s, int json)
{
    if (json) {
        json_object *pj = lg_view_partner(p);
        printf("{\"partner\":%s",
               pj ? json_object_to_json_string_ext(pj, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE)
                  : "null");
        json_object_put(pj);
        print_secrets_json(s);
        puts("}");
        return EXIT_OK;
    }
    printf("partner %s created (%s, prefix %s)\n", p->id, lg_tier_name(p->tier), p->key_prefix);
    print_secrets_text(s, "");
    return EXIT_OK;
}

static int partner_create(ctl_ctx *c, int argc, char **argv)
{
    opt_set o = {create_opts, COUNT(create_opts), {0}, NULL};
    int status = parse_opts(&o, "partner create", argc, argv, 2, 0);
    if (status != EXIT_OK)
        return status;
    const int required[] = {C_NAME, C_PREFIX, C_SETTLEMENT};
    for (size_t i = 0; i < COUNT(required); i++)
        if (!o.val[required[i]])
            return lg_ctl_usage("partner create: %s is required", create_opts[required[i]].flag);
    char *body = opts_body(&o);
    if (!body)
        return lg_ctl_refuse(NULL, "partner create", "%s", lg_strerror(LG_ERR_NOMEM));
    lg_admin_create req;
    char msg[320] = "";
    lg_err rc = lg_parse_admin_create(body, strlen(body), &req, msg, sizeof msg);
    free(body);
    if (rc != LG_OK)
        return field_fail("partner create", &o, msg, rc);
    if ((status = ctx_open(c, c->cfg)) != EXIT_OK)
        return status;
    lg_partner created;
    lg_admin_secrets secrets;
    lg_outcome out;
    memset(&secrets, 0, sizeof secrets);
    rc = lg_admin_partner_create(c->svc, &c->who, &req, &created, &secrets, &out);
    status = rc == LG_OK ? create_print(&created, &secrets, o.val[C_JSON] != NULL)
                         : lg_ctl_outcome_fail(NULL, "partner create", rc, &out);
    lg_admin_secrets_wipe(&secrets);
    lg_memwipe(&req, sizeof req);
    return status;
}

/* ---- partner list and show ----------------------------------------------------- */

static int list_filter(const opt_set *o, lg_partner_filter *f)
{
    char msg[160];
    lg_partner_status st;
    lg_tier tier;
    f->status = f->tier = -1;
    if (o->val[L_STATUS] && lg_partner_status_parse_any(o->val[L_STATUS], &st))
        return lg_ctl_refuse(NULL, "partner list",
                             "--status: must be ACTIVE, SUSPENDED or INACTIVE");
    if (o->val[L_TIER] && lg_tier_parse_any(o->val[L_TIER], &tier))
        return lg_ctl_refuse(NULL, "partner list", "--tier: must be BASIC, PREMIUM or ENTERPRISE");
    if (o->val[L_STATUS])
        f->status = (int)st;
    if (o->val[L_TIER])
        f->tier = (int)tier;
    if (lg_validate_limit("--limit", o->val[L_LIMIT], LIST_LIMIT_DEF, LIST_LIMIT_MAX, &f->limit,
                          msg, sizeof msg) != LG_OK ||
        lg_validate_offset("--offset", o->val[L_OFFSET], &f->offset, msg, sizeof msg) != LG_OK)
        return lg_ctl_refuse(NULL, "partner list", "%s", msg);
    return EXIT_OK;
}

static void list_print_json(const lg_partner *items, size_t n, uint64_t total,
                            const lg_partner_filter *f)
{
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, lg_view_partner(&items[i]));
    json_object_object_add(root, "partners", arr);
    json_object_object_add(root, "pagination", lg_ctl_pagination(total, f->limit, f->offset, n));
    lg_ctl_print_json(root);
    json_object_put(root);
}

static void list_print_table(const lg_partner *items, size_t n, uint64_t total,
                             const lg_partner_filter *f)
{
    printf("%-28s %-20s %-10s %-10s %-16s %-16s %7s %s\n", "ID", "NAME", "STATUS", "TIER",
           "DAILY_LIMIT", "TOTAL_LIMIT", "FEE_BPS", "OUTSTANDING");
    for (size_t i = 0; i < n; i++) {
        const lg_partner *p = &items[i];
        printf("%-28s %-20.20s %-10s %-10s %-16llu %-16llu %7u %llu\n", p->id, p->name,
               lg_partner_status_name(p->status), lg_tier_name(p->tier),
               (unsigned long long)p->daily_limit, (unsigned long long)p->total_limit,
               (unsigned)p->fee_bps, (unsigned long long)p->outstanding);
    }
    printf("(%zu of %llu partner(s), offset %llu; limits and amounts in micro-USDC)\n", n,
           (unsigned long long)total, (unsigned long long)f->offset);
}

static int partner_list(ctl_ctx *c, int argc, char **argv)
{
    opt_set o = {list_opts, COUNT(list_opts), {0}, NULL};
    lg_partner_filter f;
    int status = parse_opts(&o, "partner list", argc, argv, 2, 0);
    if (status != EXIT_OK || (status = list_filter(&o, &f)) != EXIT_OK ||
        (status = ctx_open(c, c->cfg)) != EXIT_OK)
        return status;
    lg_partner *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out;
    lg_err rc = lg_admin_partner_list(c->svc, &f, &items, &n, &total, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail(NULL, "partner list", rc, &out);
    if (o.val[L_JSON])
        list_print_json(items, n, total, &f);
    else
        list_print_table(items, n, total, &f);
    free(items);
    return EXIT_OK;
}

static const char *key_state(const lg_api_key *k, int64_t now)
{
    if (k->revoked_at_ms)
        return "revoked";
    if (k->expires_at_ms && k->expires_at_ms <= now)
        return "expired";
    return k->expires_at_ms ? "expiring" : "active";
}

static json_object *key_object(const lg_api_key *k, int64_t now)
{
    char t[40];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "prefix", json_object_new_string(k->prefix));
    json_object_object_add(o, "environment", json_object_new_string(k->env));
    json_object_object_add(o, "state", json_object_new_string(key_state(k, now)));
    const struct {
        const char *name;
        int64_t ms;
    } times[] = {{"createdAt", k->created_at_ms},
                 {"expiresAt", k->expires_at_ms},
                 {"revokedAt", k->revoked_at_ms},
                 {"lastUsedAt", k->last_used_at_ms}};
    for (size_t i = 0; i < COUNT(times); i++)
        json_object_object_add(
            o, times[i].name,
            times[i].ms > 0 ? json_object_new_string(when(times[i].ms, t, sizeof t)) : NULL);
    return o;
}

static void show_print_text(const lg_partner *p, const lg_api_key *keys, size_t nkeys, int64_t now)
{
    char t1[40], t2[40];
    printf("id:             %s\nname:           %s\nkey prefix:     %s\n", p->id, p->name,
           p->key_prefix);
    printf("status:         %s\ntier:           %s\n", lg_partner_status_name(p->status),
           lg_tier_name(p->tier));
    printf("daily limit:    %llu\ntotal limit:    %llu\nfee bps:        %u\n",
           (unsigned long long)p->daily_limit, (unsigned long long)p->total_limit,
           (unsigned)p->fee_bps);
    printf("settlement:     %s\nwebhook url:    %s\ncontact:        %s\n", p->settlement_address,
           p->webhook_url, p->contact_email);
    printf("rate limit rpm: %u%s\nsigning:        %s\n", (unsigned)p->rate_limit_rpm,
           p->rate_limit_rpm ? "" : " (tier default)",
           p->signing_required ? "required" : "not required");
    printf("outstanding:    %llu\nborrowed:       %llu\nrepaid:         %llu\nfees:        "
           "   %llu\n",
           (unsigned long long)p->outstanding, (unsigned long long)p->total_borrowed,
           (unsigned long long)p->total_repaid, (unsigned long long)p->total_fees);
    printf("created:        %s\nupdated:        %s\nkeys:\n", when(p->created_at_ms, t1, sizeof t1),
           when(p->updated_at_ms, t2, sizeof t2));
    for (size_t i = 0; i < nkeys; i++)
        printf("  %-16s  %-7s  %-8s  created %s  expires %s\n", keys[i].prefix, keys[i].env,
               key_state(&keys[i], now), when(keys[i].created_at_ms, t1, sizeof t1),
               when(keys[i].expires_at_ms, t2, sizeof t2));
}

static int partner_show(ctl_ctx *c, int argc, char **argv)
{
    opt_set o = {json_only_opts, COUNT(json_only_opts), {0}, NULL};
    char id[LG_ID_LEN];
    int status = parse_opts(&o, "partner show", argc, argv, 2, 1);
    if (status != EXIT_OK ||
        (status = lg_ctl_partner_id(NULL, "partner show", o.id, id)) != EXIT_OK ||
        (status = ctx_open(c, c->cfg)) != EXIT_OK)
        return status;
    lg_partner p;
    lg_api_key *keys = NULL;
    size_t nkeys = 0;
    lg_outcome out;
    lg_err rc = lg_admin_partner_show(c->svc, id, &p, &keys, &nkeys, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail(NULL, "partner show", rc, &out);
    int64_t now = lg_time_now_ms();
    if (o.val[0]) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "partner", lg_view_partner(&p));
        for (size_t i = 0; i < nkeys; i++)
            json_object_array_add(arr, key_object(&keys[i], now));
        json_object_object_add(root, "apiKeys", arr);
        lg_ctl_print_json(root);
        json_object_put(root);
    } else {
        show_print_text(&p, keys, nkeys, now);
    }
    free(keys);
    lg_memwipe(&p, sizeof p);
    return EXIT_OK;
}

/* ---- partner update, suspend, activate ----------------------------------------- */

/* Prints each API field whose value differs between before and after. */
static void print_changes(const lg_partner *before, const lg_partner *after)
{
    json_object *b = lg_view_partner(before), *a = lg_view_partner(after);
    int any = 0;
    if (a && b) {
        json_object_object_foreach(a, key, av)
        {
            json_object *bv = NULL;
            if (strcmp(key, "updatedAt") == 0 || !json_object_object_get_ex(b, key, &bv) ||
                json_object_equal(av, bv))
                continue;
            /* As the values were given: "https://…", not json-c's "https:\/\/…". */
            const int as_given = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
            printf("  %s: %s -> %s\n", key, json_object_to_json_string_ext(bv, as_given),
                   json_object_to_json_string_ext(av, as_given));
            any = 1;
        }
    }
    if (!any)
        printf("  (no field changed)\n");
    json_object_put(a);
    json_object_put(b);
}

static int partner_update(ctl_ctx *c, int argc, char **argv)
{
    opt_set o = {update_opts, COUNT(update_opts), {0}, NULL};
    char id[LG_ID_LEN];
    int status = parse_opts(&o, "partner update", argc, argv, 2, 1);
    if (status != EXIT_OK ||
        (status = lg_ctl_partner_id(NULL, "partner update", o.id, id)) != EXIT_OK)
        return status;
    size_t given = 0;
    for (size_t i = 0; i < o.n; i++)
        given += o.val[i] != NULL;
    if (!given)
        return lg_ctl_usage("partner update: give at least one field to change");
    char *body = opts_body(&o), msg[320] = "";
    if (!body)
        return lg_ctl_refuse(NULL, "partner update", "%s", lg_strerror(LG_ERR_NOMEM));
    lg_partner p, before, after;
    unsigned mask = 0;
    lg_err rc = lg_parse_admin_patch(body, strlen(body), &p, &mask, msg, sizeof msg);
    free(body);
    if (rc != LG_OK)
        return field_fail("partner update", &o, msg, rc);
    if ((status = ctx_open(c, c->cfg)) != EXIT_OK)
        return status;
    snprintf(p.id, sizeof p.id, "%s", id);
    lg_admin_secrets secrets;
    lg_outcome out;
    memset(&secrets, 0, sizeof secrets);
    rc = lg_admin_partner_update(c->svc, &c->who, &p, mask, &before, &after, &secrets, &out);
    if (rc == LG_OK) {
        printf("partner %s updated\n", id);
        print_changes(&before, &after);
        print_secrets_text(&secrets, "");
    } else {
        status = lg_ctl_outcome_fail(NULL, "partner update", rc, &out);
    }
    lg_admin_secrets_wipe(&secrets);
    return status;
}

static int partner_set_status(ctl_ctx *c, int argc, char **argv, lg_partner_status to)
{
    char verb[32], id[LG_ID_LEN];
    snprintf(verb, sizeof verb, "partner %s", argv[1]);
    opt_set o = {json_only_opts, 0, {0}, NULL};
    int status = parse_opts(&o, verb, argc, argv, 2, 1);
    if (status != EXIT_OK || (status = lg_ctl_partner_id(NULL, verb, o.id, id)) != EXIT_OK ||
        (status = ctx_open(c, c->cfg)) != EXIT_OK)
        return status;
    lg_partner after;
    lg_outcome out;
    lg_err rc = lg_admin_partner_set_status(c->svc, &c->who, id, to, &after, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail(NULL, verb, rc, &out);
    printf("partner %s: %s\n", id, lg_partner_status_name(after.status));
    lg_memwipe(&after, sizeof after);
    return EXIT_OK;
}

/* ---- partner rotate-key -------------------------------------------------------- */

static void rotate_print(const char *id, const lg_admin_secrets *s, int64_t old_exp, int json)
{
    char t[40];
    if (json) {
        printf("{\"partnerId\":\"%s\",\"previousKeysExpireAt\":\"%s\"", id,
               when(old_exp, t, sizeof t));
        print_secrets_json(s);
        puts("}");
        return;
    }
    printf("partner %s: new API key made\n", id);
    print_secrets_text(s, "");
    if (old_exp <= lg_time_now_ms())
        printf("older keys: stopped working now\n");
    else
        printf("older keys: keep working until %s\n", when(old_exp, t, sizeof t));
}

static int partner_rotate(ctl_ctx *c, int argc, char **argv)
{
    opt_set o = {rotate_opts, COUNT(rotate_opts), {0}, NULL};
    char id[LG_ID_LEN], msg[320] = "";
    int status = parse_opts(&o, "partner rotate-key", argc, argv, 2, 1);
    if (status != EXIT_OK ||
        (status = lg_ctl_partner_id(NULL, "partner rotate-key", o.id, id)) != EXIT_OK ||
        (status = ctx_open(c, c->cfg)) != EXIT_OK)
        return status;
    uint64_t grace = lg_config_u64(c->cfg, "admin", "key_grace_seconds");
    lg_apikey_env env = lg_admin_key_env(c->svc, id);
    char *body = o.val[R_GRACE] || o.val[R_ENV] ? opts_body(&o) : strdup("");
    if (!body)
        return lg_ctl_refuse(NULL, "partner rotate-key", "%s", lg_strerror(LG_ERR_NOMEM));
    lg_err rc = lg_parse_admin_rotate(body, strlen(body), &grace, &env, msg, sizeof msg);
    free(body);
    if (rc != LG_OK)
        return field_fail("partner rotate-key", &o, msg, rc);
    lg_admin_secrets secrets;
    lg_outcome out;
    int64_t old_exp = 0;
    memset(&secrets, 0, sizeof secrets);
    rc = lg_admin_key_rotate(c->svc, &c->who, id, env, grace, &secrets, &old_exp, &out);
    if (rc == LG_OK)
        rotate_print(id, &secrets, old_exp, o.val[R_JSON] != NULL);
    else
        status = lg_ctl_outcome_fail(NULL, "partner rotate-key", rc, &out);
    lg_admin_secrets_wipe(&secrets);
    return status;
}

/* ---- partner import ------------------------------------------------------------ */

/* Reads path whole into a malloc'd NUL-terminated buffer. */
static int read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lg_ctl_refuse(NULL, "partner import", "cannot open '%s'", path);
    char *buf = malloc(IMPORT_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, IMPORT_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f) || n > IMPORT_MAX_BYTES;
    fclose(f);
    if (bad) {
        free(buf);
        return lg_ctl_refuse(NULL, "partner import", "%s: %s", path,
                             !buf                   ? lg_strerror(LG_ERR_NOMEM)
                             : n > IMPORT_MAX_BYTES ? "larger than 4 MiB"
                                                    : "read error");
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return EXIT_OK;
}

static void import_print(const lg_admin_import_result *r, size_t n)
{
    size_t created = 0, updated = 0;
    for (size_t i = 0; i < n; i++) {
        const char *what = r[i].created ? "created" : r[i].changed ? "updated" : "unchanged";
        created += r[i].created != 0;
        updated += !r[i].created && r[i].changed;
        printf("partners[%zu] %s %s: %s\n", i, r[i].partner.key_prefix, r[i].partner.id, what);
        if (r[i].created)
            print_secrets_text(&r[i].secrets, "  ");
    }
    printf("%zu created, %zu updated, %zu unchanged\n", created, updated, n - created - updated);
}

static int import_apply(ctl_ctx *c, const char *path, const lg_admin_import_entry *e, size_t n)
{
    lg_admin_import_result *res = calloc(n ? n : 1, sizeof *res);
    if (!res)
        return lg_ctl_refuse(NULL, "partner import", "%s", lg_strerror(LG_ERR_NOMEM));
    size_t bad = SIZE_MAX;
    lg_outcome out;
    int status = EXIT_OK;
    lg_err rc = lg_admin_import(c->svc, &c->who, e, n, res, &bad, &out);
    if (rc == LG_OK)
        import_print(res, n);
    else if (out.message[0])
        status = lg_ctl_refuse(NULL, "partner import", "%s: %s", path, out.message);
    else if (bad < n)
        status = lg_ctl_refuse(NULL, "partner import", "%s: partners[%zu]: %s", path, bad,
                               lg_strerror(rc));
    else
        status = lg_ctl_refuse(NULL, "partner import", "%s: %s", path, lg_strerror(rc));
    for (size_t i = 0; i < n; i++)
        lg_admin_secrets_wipe(&res[i].secrets);
    free(res);
    return status;
}

static int partner_import(ctl_ctx *c, int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-')
        return lg_ctl_usage("usage: partner import FILE");
    const char *path = argv[2];
    char *text = NULL, msg[320] = "";
    size_t len = 0, n = 0, bad = SIZE_MAX;
    int status = read_file(path, &text, &len);
    if (status != EXIT_OK)
        return status;
    lg_admin_import_entry *entries = NULL;
    lg_err rc = lg_parse_partner_platforms(text, len, &entries, &n, &bad, msg, sizeof msg);
    free(text);
    if (rc != LG_OK)
        return lg_ctl_refuse(NULL, "partner import", "%s: %s", path,
                             msg[0] ? msg : lg_strerror(rc));
    status = ctx_open(c, c->cfg);
    if (status == EXIT_OK)
        status = import_apply(c, path, entries, n);
    free(entries);
    return status;
}

/* ---- dispatch ------------------------------------------------------------------ */

static const char partner_usage[] =
    "usage: lendgatectl partner VERB ...\n"
    "  create --name NAME --prefix PREFIX --settlement ADDR [--tier T] [--daily-limit N]\n"
    "         [--total-limit N] [--fee-bps N] [--webhook-url U] [--contact EMAIL]\n"
    "         [--rate-limit-rpm N] [--env live|sandbox] [--partner-id ID]\n"
    "         [--contact-wallet ADDR] [--public-key ADDR] [--kyc-verified true|false]\n"
    "         [--contract-signed true|false] [--json]\n"
    "  list [--status S] [--tier T] [--limit N] [--offset N] [--json]\n"
    "  show ID [--json]\n"
    "  update ID [--name ..] [--tier ..] [--daily-limit ..] [--total-limit ..] [--fee-bps ..]\n"
    "         [--settlement ..] [--webhook-url ..] [--contact ..] [--rate-limit-rpm ..]\n"
    "         [--contact-wallet ..] [--public-key ..] [--kyc-verified true|false]\n"
    "         [--contract-signed true|false] [--signing-required true|false]\n"
    "  suspend ID | activate ID\n"
    "  rotate-key ID [--grace SECONDS] [--env live|sandbox] [--json]\n"
    "  import FILE\n";

static int partner_dispatch(ctl_ctx *c, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "";
    if (strcmp(verb, "create") == 0)
        return partner_create(c, argc, argv);
    if (strcmp(verb, "list") == 0)
        return partner_list(c, argc, argv);
    if (strcmp(verb, "show") == 0)
        return partner_show(c, argc, argv);
    if (strcmp(verb, "update") == 0)
        return partner_update(c, argc, argv);
    if (strcmp(verb, "suspend") == 0)
        return partner_set_status(c, argc, argv, LG_PARTNER_SUSPENDED);
    if (strcmp(verb, "activate") == 0)
        return partner_set_status(c, argc, argv, LG_PARTNER_ACTIVE);
    if (strcmp(verb, "rotate-key") == 0)
        return partner_rotate(c, argc, argv);
    if (strcmp(verb, "import") == 0)
        return partner_import(c, argc, argv);
    if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0) {
        fputs(partner_usage, stdout);
        return EXIT_OK;
    }
    fputs(partner_usage, stderr);
    return argc > 1 ? lg_ctl_usage("partner: unknown verb '%s'", verb) : EXIT_USAGE;
}

int lg_ctl_partner(lg_config *cfg, int argc, char **argv)
{
    ctl_ctx c = {cfg, NULL, {{0}, {0}, {0}}};
    int status = partner_dispatch(&c, argc, argv);
    lg_service_close(c.svc);
    return status;
}

/* ---- audit --------------------------------------------------------------------- */

static int audit_filter(const opt_set *o, lg_admin_audit_filter *f)
{
    char msg[160];
    memset(f, 0, sizeof *f);
    f->admin = o->val[A_ADMIN];
    f->action = o->val[A_ACTION];
    f->target = o->val[A_TARGET];
    if ((o->val[A_SINCE] &&
         lg_validate_date("--since", o->val[A_SINCE], &f->start_ms, msg, sizeof msg) != LG_OK) ||
        (o->val[A_UNTIL] &&
         lg_validate_date("--until", o->val[A_UNTIL], &f->end_ms, msg, sizeof msg) != LG_OK) ||
        lg_validate_limit("--limit", o->val[A_LIMIT], LIST_LIMIT_DEF, LIST_LIMIT_MAX, &f->limit,
                          msg, sizeof msg) != LG_OK ||
        lg_validate_offset("--offset", o->val[A_OFFSET], &f->offset, msg, sizeof msg) != LG_OK)
        return lg_ctl_refuse(NULL, "audit", "%s", msg);
    return EXIT_OK;
}

static json_object *audit_object(const lg_admin_audit *r)
{
    char t[40];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(r->id));
    json_object_object_add(o, "createdAt",
                           json_object_new_string(when(r->created_at_ms, t, sizeof t)));
    json_object_object_add(o, "admin", json_object_new_string(r->admin));
    json_object_object_add(o, "action", json_object_new_string(r->action));
    json_object_object_add(o, "target", json_object_new_string(r->target));
    json_object_object_add(o, "before",
                           r->before_json[0] ? json_tokener_parse(r->before_json) : NULL);
    json_object_object_add(o, "after", r->after_json[0] ? json_tokener_parse(r->after_json) : NULL);
    json_object_object_add(o, "requestId", json_object_new_string(r->request_id));
    json_object_object_add(o, "clientIp", json_object_new_string(r->client_ip));
    return o;
}

static void audit_print(const lg_admin_audit *items, size_t n, uint64_t total,
                        const lg_admin_audit_filter *f, int json)
{
    char t[40];
    if (json) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, audit_object(&items[i]));
        json_object_object_add(root, "entries", arr);
        json_object_object_add(root, "pagination",
                               lg_ctl_pagination(total, f->limit, f->offset, n));
        lg_ctl_print_json(root);
        json_object_put(root);
        return;
    }
    printf("%-24s %-24s %-24s %s\n", "TIME", "ADMIN", "ACTION", "TARGET");
    for (size_t i = 0; i < n; i++)
        printf("%-24s %-24s %-24s %s\n", when(items[i].created_at_ms, t, sizeof t), items[i].admin,
               items[i].action, items[i].target);
    printf("(%zu of %llu entr%s, newest first)\n", n, (unsigned long long)total,
           total == 1 ? "y" : "ies");
}

int lg_ctl_audit(lg_config *cfg, int argc, char **argv)
{
    opt_set o = {audit_opts, COUNT(audit_opts), {0}, NULL};
    lg_admin_audit_filter f;
    ctl_ctx c = {cfg, NULL, {{0}, {0}, {0}}};
    int status = parse_opts(&o, "audit", argc, argv, 1, 0);
    if (status != EXIT_OK || (status = audit_filter(&o, &f)) != EXIT_OK ||
        (status = ctx_open(&c, cfg)) != EXIT_OK)
        return status;
    lg_admin_audit *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out;
    lg_err rc = lg_admin_audit_list(c.svc, &f, &items, &n, &total, &out);
    if (rc == LG_OK)
        audit_print(items, n, total, &f, o.val[A_JSON] != NULL);
    else
        status = lg_ctl_outcome_fail(NULL, "audit", rc, &out);
    free(items);
    lg_service_close(c.svc);
    return status;
}
