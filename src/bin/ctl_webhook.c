/*
 * ctl_webhook.c - `lendgatectl webhook ...` (ctl_webhook.h). The option values are
 * checked by the API's own validators, bodies go through webhook_bodies.h, and the
 * webhook service does the work; events print with the API's views, so scripts read
 * the CLI and the API alike. A new secret is printed once and wiped.
 */
#include "config.h"

#include "ctl_common.h"
#include "ctl_webhook.h"

#include <lendgate/sha256.h>
#include <lendgate/time.h>
#include <lendgate/validate.h>
#include <lendgate/view.h>
#include <lendgate/webhook_bodies.h>
#include <lendgate/webhooks_admin.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

#define LIST_LIMIT_DEF 50
#define LIST_LIMIT_MAX 1000
#define MAX_OPTS       8
#define COUNT(a)       (sizeof(a) / sizeof *(a))

static const char help_text[] =
    "usage: lendgatectl webhook VERB [ARGS]\n\n"
    "  list [--partner ID] [--status S] [--type T] [--since DATE] [--until DATE]\n"
    "       [--limit N] [--offset N] [--json]\n"
    "                     outbox events, newest first (status: PENDING, DELIVERING,\n"
    "                     DELIVERED, DEAD, SKIPPED, any case; DATE: YYYY-MM-DD or RFC 3339)\n"
    "  show EVENT_ID      one event and its delivery attempts, as JSON\n"
    "  replay EVENT_ID    make the event due now with a fresh retry schedule\n"
    "  replay-since PARTNER_ID --since DATE\n"
    "                     replay every event of the partner created since DATE\n"
    "  enable PARTNER_ID  switch the partner's endpoint back on after a 410\n"
    "  test PARTNER_ID [--message TEXT]\n"
    "                     queue a webhook.test event for the partner\n"
    "  rotate-secret PARTNER_ID [--grace SECONDS] [--json]\n"
    "                     a new webhook secret, shown once; the old one keeps signing\n"
    "                     for SECONDS (default [webhook] secret_grace_seconds)\n\n"
    "Every action is written to the admin audit trail as cli:<unix user>.\n";

/* ---- options ------------------------------------------------------------------- */

/* flags[i] takes a value unless it is "--json"; val[i] receives it ("1" for --json). */
typedef struct opts {
    const char *const *flags;
    size_t n;
    const char *val[MAX_OPTS];
    const char *arg; /* the positional argument, when the verb takes one */
} opts;

static int parse(opts *o, const char *verb, int argc, char **argv, int want_arg)
{
    memset(o->val, 0, sizeof o->val);
    o->arg = NULL;
    for (int i = 2; i < argc; i++) {
        size_t k = 0;
        while (k < o->n && strcmp(argv[i], o->flags[k]) != 0)
            k++;
        if (k == o->n && argv[i][0] != '-' && want_arg && !o->arg) {
            o->arg = argv[i];
            continue;
        }
        if (k == o->n)
            return lg_ctl_usage("webhook %s: unknown argument '%s'", verb, argv[i]);
        if (o->val[k])
            return lg_ctl_usage("webhook %s: %s given twice", verb, o->flags[k]);
        if (strcmp(o->flags[k], "--json") == 0)
            o->val[k] = "1";
        else if (i + 1 < argc)
            o->val[k] = argv[++i];
        else
            return lg_ctl_usage("webhook %s: %s needs a value", verb, o->flags[k]);
    }
    if (want_arg && !o->arg)
        return lg_ctl_usage("webhook %s: the %s is missing", verb,
                            want_arg == 2 ? "event ID" : "partner ID");
    return EXIT_OK;
}

/* ---- the service and who acts -------------------------------------------------- */

typedef struct ctx {
    lg_service *svc; /* store only: lendgatectl reaches the store through the service */
    lg_admin_actor who;
} ctx;

static int ctx_open(ctx *c, lg_config *cfg)
{
    char err[256] = "";
    c->svc = NULL;
    lg_ctl_actor_fill(&c->who);
    lg_err rc = lg_service_open_store_only(&c->svc, cfg, err, sizeof err);
    if (rc != LG_OK)
        return lg_ctl_refuse("webhook", "opening the store", "%s", err[0] ? err : lg_strerror(rc));
    return EXIT_OK;
}

/* ---- list ---------------------------------------------------------------------- */

static const char *const list_flags[] = {"--partner", "--status", "--type",   "--since",
                                         "--until",   "--limit",  "--offset", "--json"};
enum { L_PARTNER, L_STATUS, L_TYPE, L_SINCE, L_UNTIL, L_LIMIT, L_OFFSET, L_JSON };

static int list_filter(const opts *o, lg_event_filter *f, char partner[LG_ID_LEN])
{
    char msg[160];
    lg_event_status st;
    memset(f, 0, sizeof *f);
    f->status = -1;
    if (o->val[L_PARTNER] &&
        lg_ctl_partner_id("webhook", "list", o->val[L_PARTNER], partner) != EXIT_OK)
        return EXIT_RUNTIME;
    f->partner_id = o->val[L_PARTNER] ? partner : NULL;
    if (o->val[L_STATUS] && lg_event_status_parse_any(o->val[L_STATUS], &st) != LG_OK)
        return lg_ctl_refuse("webhook", "list",
                             "--status: must be one of PENDING, DELIVERING, DELIVERED, DEAD, "
                             "SKIPPED");
    if (o->val[L_STATUS])
        f->status = (int)st;
    f->type = o->val[L_TYPE];
    if ((o->val[L_SINCE] &&
         lg_validate_date("--since", o->val[L_SINCE], &f->start_ms, msg, sizeof msg) != LG_OK) ||
        (o->val[L_UNTIL] &&
         lg_validate_date("--until", o->val[L_UNTIL], &f->end_ms, msg, sizeof msg) != LG_OK) ||
        lg_validate_limit("--limit", o->val[L_LIMIT], LIST_LIMIT_DEF, LIST_LIMIT_MAX, &f->limit,
                          msg, sizeof msg) != LG_OK ||
        lg_validate_offset("--offset", o->val[L_OFFSET], &f->offset, msg, sizeof msg) != LG_OK)
        return lg_ctl_refuse("webhook", "list", "%s", msg);
    return EXIT_OK;
}

static void list_json(const lg_event *items, size_t n, uint64_t total, const lg_event_filter *f)
{
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, lg_view_event(&items[i]));
    json_object_object_add(root, "deliveries", arr);
    json_object_object_add(root, "pagination", lg_ctl_pagination(total, f->limit, f->offset, n));
    lg_ctl_print_json(root);
    json_object_put(root);
}

static void list_table(const lg_event *items, size_t n, uint64_t total)
{
    char t[LG_RFC3339_LEN];
    printf("%-36s %-26s %-24s %6s %-10s %8s %s\n", "EVENT", "PARTNER", "TYPE", "SEQ", "STATUS",
           "ATTEMPTS", "CREATED");
    for (size_t i = 0; i < n; i++) {
        const lg_event *e = &items[i];
        if (lg_time_format_rfc3339(e->created_at_ms, t, sizeof t) != LG_OK)
            snprintf(t, sizeof t, "-");
        printf("%-36s %-26s %-24s %6llu %-10s %8u %s\n", e->event_id, e->partner_id, e->type,
               (unsigned long long)e->seq, lg_event_status_name(e->status), e->attempts, t);
    }
    printf("(%zu of %llu event(s), newest first)\n", n, (unsigned long long)total);
}

static int wh_list(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {list_flags, COUNT(list_flags), {0}, NULL};
    lg_event_filter f;
    char partner[LG_ID_LEN];
    int status = parse(&o, "list", argc, argv, 0);
    if (status != EXIT_OK || (status = list_filter(&o, &f, partner)) != EXIT_OK ||
        (status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    lg_event *items = NULL;
    size_t n = 0;
    uint64_t total = 0;
    lg_outcome out;
    lg_err rc = lg_webhook_list(c->svc, &f, &items, &n, &total, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail("webhook", "list", rc, &out);
    if (o.val[L_JSON])
        list_json(items, n, total, &f);
    else
        list_table(items, n, total);
    free(items);
    return EXIT_OK;
}

/* ---- show and replay ----------------------------------------------------------- */

static int wh_show(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {NULL, 0, {0}, NULL};
    int status = parse(&o, "show", argc, argv, 2);
    if (status != EXIT_OK || (status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    lg_event e;
    lg_event_attempt *att = NULL;
    size_t n = 0;
    lg_outcome out;
    lg_err rc = lg_webhook_get(c->svc, o.arg, NULL, &e, &att, &n, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail("webhook", "show", rc, &out);
    json_object *d = lg_view_event_detail(&e, att, n);
    lg_ctl_print_json(d);
    json_object_put(d);
    free(att);
    return EXIT_OK;
}

static int wh_replay(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {NULL, 0, {0}, NULL};
    int status = parse(&o, "replay", argc, argv, 2);
    if (status != EXIT_OK || (status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    lg_event e;
    lg_outcome out;
    lg_err rc = lg_webhook_replay(c->svc, &c->who, o.arg, &e, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail("webhook", "replay", rc, &out);
    printf("event %s replayed: %s, attempts %u\n", e.event_id, lg_event_status_name(e.status),
           e.attempts);
    return EXIT_OK;
}

static const char *const since_flags[] = {"--since"};

/* The --since value as the API's body, through the API's parser. */
static int since_of(const char *text, int64_t *ms)
{
    char msg[160];
    json_object *b = json_object_new_object();
    json_object_object_add(b, "since", json_object_new_string(text));
    const char *body = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
    lg_err rc = lg_parse_webhook_replay_since(body, strlen(body), ms, msg, sizeof msg);
    json_object_put(b);
    return rc == LG_OK ? EXIT_OK : lg_ctl_refuse("webhook", "replay-since", "--%s", msg);
}

static int wh_replay_since(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {since_flags, COUNT(since_flags), {0}, NULL};
    char id[LG_ID_LEN];
    int64_t since = 0;
    int status = parse(&o, "replay-since", argc, argv, 1);
    if (status != EXIT_OK)
        return status;
    if (!o.val[0])
        return lg_ctl_usage("webhook replay-since: --since is required");
    if ((status = lg_ctl_partner_id("webhook", "replay-since", o.arg, id)) != EXIT_OK ||
        (status = since_of(o.val[0], &since)) != EXIT_OK || (status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    uint64_t count = 0;
    lg_outcome out;
    lg_err rc = lg_webhook_replay_since(c->svc, &c->who, id, since, &count, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail("webhook", "replay-since", rc, &out);
    printf("%llu event(s) of %s replayed\n", (unsigned long long)count, id);
    return EXIT_OK;
}

/* ---- partner endpoint: enable, test, rotate-secret ----------------------------- */

static int wh_enable(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {NULL, 0, {0}, NULL};
    char id[LG_ID_LEN];
    int status = parse(&o, "enable", argc, argv, 1);
    if (status != EXIT_OK ||
        (status = lg_ctl_partner_id("webhook", "enable", o.arg, id)) != EXIT_OK ||
        (status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    lg_partner p;
    lg_outcome out;
    lg_err rc = lg_webhook_enable(c->svc, &c->who, id, &p, &out);
    lg_memwipe(&p, sizeof p);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail("webhook", "enable", rc, &out);
    printf("webhook endpoint of %s enabled\n", id);
    return EXIT_OK;
}

static const char *const test_flags[] = {"--message"};

static int wh_test(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {test_flags, COUNT(test_flags), {0}, NULL};
    char id[LG_ID_LEN];
    int status = parse(&o, "test", argc, argv, 1);
    if (status != EXIT_OK ||
        (status = lg_ctl_partner_id("webhook", "test", o.arg, id)) != EXIT_OK ||
        (status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    lg_event e;
    lg_outcome out;
    lg_err rc = lg_webhook_send_test(c->svc, &c->who, id, o.val[0], &e, &out);
    if (rc != LG_OK)
        return lg_ctl_outcome_fail("webhook", "test", rc, &out);
    printf("test event %s queued for %s (sequence %llu)\n", e.event_id, id,
           (unsigned long long)e.seq);
    return EXIT_OK;
}

static const char *const rotate_flags[] = {"--grace", "--json"};

static int rotate_print(const char *id, const lg_admin_secrets *s, int64_t until, int json)
{
    char t[LG_RFC3339_LEN] = "";
    if (until > 0 && lg_time_format_rfc3339(until, t, sizeof t) != LG_OK)
        t[0] = '\0';
    /* Secrets are [A-Za-z0-9_] text: safe between JSON quotes as they are, and never
     * built into a json-c object that could outlive this output. */
    if (json) {
        printf("{\"partnerId\":\"%s\",\"webhookSecret\":\"%s\",\"previousSecretExpiresAt\":", id,
               s->webhook_secret);
        printf(t[0] ? "\"%s\"}\n" : "null}\n", t);
        return EXIT_OK;
    }
    printf("webhook secret of %s rotated\nwebhook secret: %s\n", id, s->webhook_secret);
    printf("previous secret: %s%s\n", t[0] ? "signs too until " : "stopped now", t);
    printf("warning: shown once; store it now\n");
    return EXIT_OK;
}

static int wh_rotate(ctx *c, lg_config *cfg, int argc, char **argv)
{
    opts o = {rotate_flags, COUNT(rotate_flags), {0}, NULL};
    char id[LG_ID_LEN], msg[160], body[64];
    uint64_t grace = lg_config_u64(cfg, "webhook", "secret_grace_seconds");
    int status = parse(&o, "rotate-secret", argc, argv, 1);
    if (status != EXIT_OK ||
        (status = lg_ctl_partner_id("webhook", "rotate-secret", o.arg, id)) != EXIT_OK)
        return status;
    if (o.val[0]) {
        /* Through the API's parser: "--grace: must be an integer ..." as the API says. */
        int digits = strspn(o.val[0], "0123456789") == strlen(o.val[0]) && strlen(o.val[0]) < 19;
        snprintf(body, sizeof body, digits ? "{\"graceSeconds\":%s}" : "{\"graceSeconds\":\"%s\"}",
                 o.val[0]);
        if (lg_parse_webhook_rotate(body, strlen(body), &grace, msg, sizeof msg) != LG_OK)
            return lg_ctl_refuse("webhook", "rotate-secret", "--grace%s",
                                 strchr(msg, ':') ? strchr(msg, ':') : msg);
    }
    if ((status = ctx_open(c, cfg)) != EXIT_OK)
        return status;
    lg_admin_secrets sec;
    int64_t until = 0;
    lg_outcome out;
    lg_err rc = lg_webhook_rotate_secret(c->svc, &c->who, id, grace, &sec, &until, &out);
    status = rc == LG_OK ? rotate_print(id, &sec, until, o.val[1] != NULL)
                         : lg_ctl_outcome_fail("webhook", "rotate-secret", rc, &out);
    lg_admin_secrets_wipe(&sec);
    return status;
}

/* ---- dispatch ------------------------------------------------------------------ */

typedef struct verb {
    const char *name;
    int (*run)(ctx *c, lg_config *cfg, int argc, char **argv);
} verb;

static const verb verbs[] = {
    {"list", wh_list},
    {"show", wh_show},
    {"replay", wh_replay},
    {"replay-since", wh_replay_since},
    {"enable", wh_enable},
    {"test", wh_test},
    {"rotate-secret", wh_rotate},
};

int lg_ctl_webhook(lg_config *cfg, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(help_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    for (size_t i = 0; i < COUNT(verbs); i++) {
        if (strcmp(argv[1], verbs[i].name) != 0)
            continue;
        for (int a = 2; a < argc; a++)
            if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
                fputs(help_text, stdout);
                return EXIT_OK;
            }
        ctx c = {NULL, {{0}, {0}, {0}}};
        int status = verbs[i].run(&c, cfg, argc, argv);
        lg_service_close(c.svc);
        return status;
    }
    return lg_ctl_usage("webhook: unknown verb '%s'", argv[1]);
}
