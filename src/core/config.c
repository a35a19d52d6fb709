/* config.c - the schema of lendgate.conf, INI loading through libinih, env overrides. */
#include "config.h"

#include <lendgate/config.h>
#include <lendgate/log.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The installed layout (Makefile.am: $(sysconfdir)/lendgate, $(localstatedir)/lib/lendgate),
 * so the defaults of a --prefix=/opt/lendgate build point into /opt/lendgate. */
#ifndef LG_PKGSYSCONFDIR
#define LG_PKGSYSCONFDIR "/etc/lendgate"
#endif
#ifndef LG_PKGSTATEDIR
#define LG_PKGSTATEDIR "/var/lib/lendgate"
#endif

#define MAX_VALUE_LEN  4096 /* longest value accepted (an environment value can be long) */
#define MAX_ITEMS      100  /* most items in a list or csv value */
#define MAX_SHOWN      60   /* most characters of a bad value quoted back */
#define SECRET_HEX_RUN 48   /* a hex run this long may be a key: never quote it back */

typedef enum { K_STRING, K_PATH, K_URL, K_ADDRESS, K_U64, K_BOOL, K_ENUM, K_LIST, K_CSV } key_kind;

enum {
    F_EMPTY_OK = 1, /* "" is a valid value */
    F_SECRET = 2    /* may carry credentials: the value never appears in a message */
};

typedef struct {
    const char *section;
    const char *key;
    key_kind kind;
    const char *def;
    uint64_t min, max;        /* K_U64, and each item of K_LIST */
    const char *const *words; /* K_ENUM: the choices, NULL-terminated */
    unsigned flags;
} key_spec;

static const char *const backend_words[] = {"sqlite", "mongodb", NULL};
static const char *const cluster_words[] = {"auto", "on", "off", NULL};
static const char *const level_words[] = {"debug", "info", "warn", "error", "off", NULL};

/* One line per key: section, key, default, then what the kind needs. */
#define KEY(s, k, kind, d, fl)                                                                     \
    {                                                                                              \
        s, k, kind, d, 0, 0, NULL, fl                                                              \
    }
#define NUM(s, k, d, lo, hi)                                                                       \
    {                                                                                              \
        s, k, K_U64, d, lo, hi, NULL, 0                                                            \
    }
#define LIST(s, k, d, lo, hi)                                                                      \
    {                                                                                              \
        s, k, K_LIST, d, lo, hi, NULL, 0                                                           \
    }
#define CHOICE(s, k, d, choices)                                                                   \
    {                                                                                              \
        s, k, K_ENUM, d, 0, 0, choices, 0                                                          \
    }

static const key_spec schema[] = {
    CHOICE("store", "backend", "sqlite", backend_words),
    KEY("store", "path", K_PATH, LG_PKGSTATEDIR "/lendgate.db", 0),
    KEY("store", "state_dir", K_PATH, LG_PKGSTATEDIR, 0),
    KEY("store", "mongodb_uri", K_STRING, "", F_EMPTY_OK | F_SECRET),
    KEY("store", "mongodb_database", K_STRING, "lendgate", 0),
    NUM("store", "mongodb_timeout_ms", "10000", 1, 600000),
    NUM("store", "busy_timeout_ms", "5000", 1, 600000),
    CHOICE("store", "cluster_guards", "auto", cluster_words),
    KEY("chain", "rpc_url", K_URL, "http://127.0.0.1:8545", F_SECRET),
    NUM("chain", "chain_id", "31337", 1, UINT64_C(9007199254740991)),
    KEY("chain", "oaid_address", K_ADDRESS, "", F_EMPTY_OK),
    KEY("chain", "vault_address", K_ADDRESS, "", F_EMPTY_OK),
    KEY("chain", "usdc_address", K_ADDRESS, "", F_EMPTY_OK),
    KEY("chain", "platform_key_file", K_PATH, LG_PKGSYSCONFDIR "/platform.key", 0),
    NUM("chain", "connect_timeout_ms", "2000", 100, 60000),
    NUM("chain", "request_timeout_ms", "10000", 100, 300000),
    NUM("chain", "receipt_timeout_ms", "20000", 0, 600000),
    NUM("chain", "receipt_poll_ms", "250", 10, 60000),
    NUM("chain", "gas_margin_pct", "20", 0, 500),
    NUM("chain", "rpc_retries", "2", 0, 10),
    NUM("chain", "max_concurrent_calls", "4", 1, 1024),
    NUM("chain", "gap_grace_ms", "1000", 0, 60000),
    NUM("chain", "replace_after_ms", "120000", 0, 86400000),
    NUM("chain", "fee_cap_gwei", "1000", 1, 1000000),
    NUM("chain", "confirmations", "0", 0, 64),
    NUM("chain", "read_timeout_ms", "3000", 100, 300000),
    /* The sandbox's chain: the [chain] keys it replaces (the rest of [chain] holds for
     * both). An empty rpc_url leaves the sandbox off. */
    KEY("sandbox", "rpc_url", K_URL, "", F_EMPTY_OK | F_SECRET),
    NUM("sandbox", "chain_id", "31338", 1, UINT64_C(9007199254740991)),
    KEY("sandbox", "oaid_address", K_ADDRESS, "", F_EMPTY_OK),
    KEY("sandbox", "vault_address", K_ADDRESS, "", F_EMPTY_OK),
    KEY("sandbox", "usdc_address", K_ADDRESS, "", F_EMPTY_OK),
    KEY("sandbox", "platform_key_file", K_PATH, LG_PKGSYSCONFDIR "/sandbox.key", 0),
    NUM("http", "max_body_bytes", "65536", 1024, 10485760),
    NUM("http", "request_budget_ms", "25000", 1000, 300000),
    KEY("http", "trusted_proxies", K_CSV, "", F_EMPTY_OK),
    NUM("http", "replay_slots", "262144", 64, 4194304),
    NUM("ratelimit", "basic_rpm", "100", 1, 1000000),
    NUM("ratelimit", "premium_rpm", "500", 1, 1000000),
    NUM("ratelimit", "enterprise_rpm", "2000", 1, 1000000),
    NUM("ratelimit", "ip_rpm", "60", 1, 1000000),
    NUM("ratelimit", "slots", "65536", 16, 1048576),
    KEY("admin", "trust_remote_user", K_BOOL, "false", 0),
    KEY("admin", "admins", K_CSV, "", F_EMPTY_OK),
    NUM("admin", "key_grace_seconds", "86400", 0, 31536000),
    NUM("admin", "default_daily_limit", "10000000000", 1, 9000000000000000000),
    NUM("admin", "default_total_limit", "100000000000", 1, 9000000000000000000),
    NUM("admin", "default_after_days", "90", 1, 3650),
    LIST("webhook", "retry_schedule", "120,240,480,960,3600,7200,18000,36000,86400,86400", 1,
         604800),
    NUM("webhook", "timeout_ms", "10000", 100, 60000),
    NUM("webhook", "connect_timeout_ms", "3000", 100, 60000),
    NUM("webhook", "lease_ms", "120000", 1000, 3600000),
    NUM("webhook", "batch", "64", 1, 1000),
    NUM("webhook", "max_parallel", "16", 1, 256),
    NUM("webhook", "poll_ms", "1000", 10, 600000),
    KEY("webhook", "allow_http", K_BOOL, "false", 0),
    KEY("webhook", "allow_loopback", K_BOOL, "false", 0),
    KEY("webhook", "allow_private", K_BOOL, "false", 0),
    NUM("webhook", "limit_warn_pct", "80", 0, 100),
    NUM("webhook", "secret_grace_seconds", "86400", 0, 31536000),
    NUM("reconcile", "lease_ms", "600000", 10000, 86400000),
    KEY("metrics", "enabled", K_BOOL, "true", 0),
    KEY("metrics", "dir", K_PATH, "", F_EMPTY_OK),
    KEY("metrics", "users", K_CSV, "", F_EMPTY_OK),
    CHOICE("log", "level", "info", level_words),
    KEY("log", "requests", K_BOOL, "false", 0),
    KEY("audit", "journal", K_BOOL, "true", 0),
    NUM("audit", "flush_ms", "200", 10, 60000),
};

#define SCHEMA_LEN (sizeof schema / sizeof *schema)

typedef struct {
    char *text;      /* canonical text, never NULL in a loaded configuration */
    uint64_t num;    /* K_U64, K_BOOL (0/1), K_ENUM (index of the word) */
    uint64_t *items; /* K_LIST */
    char **words;    /* K_CSV */
    size_t count;    /* items or words */
} key_value;

struct lg_config {
    char *file;
    key_value v[SCHEMA_LEN];
};

/* ---- small helpers ---------------------------------------------------------------- */

static void wipe_free(char *s)
{
    if (!s)
        return;
    for (volatile char *p = s; *p; p++)
        *p = '\0';
    free(s);
}

static void value_clear(key_value *v)
{
    wipe_free(v->text);
    for (size_t i = 0; v->words && i < v->count; i++)
        wipe_free(v->words[i]);
    free(v->words);
    free(v->items);
    memset(v, 0, sizeof *v);
}

/* The schema indexed by name: the responders look keys up on every call, and a
 * walk of the schema comparing strings was a measurable part of one. Open
 * addressing over FNV-1a of "section.key"; built once, read-only afterwards. */
#define INDEX_SLOTS 512

static uint32_t name_hash(const char *section, const char *key)
{
    uint32_t h = 2166136261u;
    for (const char *p = section; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ '.') * 16777619u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

static int16_t schema_index[INDEX_SLOTS]; /* schema position + 1, 0 = empty */
static pthread_once_t schema_indexed = PTHREAD_ONCE_INIT;

static void index_schema(void)
{
    for (size_t i = 0; i < SCHEMA_LEN; i++) {
        uint32_t s = name_hash(schema[i].section, schema[i].key) % INDEX_SLOTS;
        while (schema_index[s])
            s = (s + 1) % INDEX_SLOTS;
        schema_index[s] = (int16_t)(i + 1);
    }
}

_Static_assert(SCHEMA_LEN < INDEX_SLOTS / 2, "the schema index must stay sparse");

static int find_key(const char *section, const char *key)
{
    if (!section || !key)
        return -1;
    pthread_once(&schema_indexed, index_schema);
    for (uint32_t s = name_hash(section, key) % INDEX_SLOTS; schema_index[s];
         s = (s + 1) % INDEX_SLOTS) {
        int i = schema_index[s] - 1;
        if (strcmp(schema[i].key, key) == 0 && strcmp(schema[i].section, section) == 0)
            return i;
    }
    return -1;
}

static int section_known(const char *section)
{
    for (size_t i = 0; i < SCHEMA_LEN; i++)
        if (strcmp(schema[i].section, section) == 0)
            return 1;
    return 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) LG_PRINTF(3, 4);

/* Every message goes through here: one line, and scrubbed of API keys in case one
 * was pasted where it does not belong. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    lg_scrub_keys(err);
}

static int has_long_hex_run(const char *s)
{
    size_t run = 0;
    for (; *s; s++) {
        run = isxdigit((unsigned char)*s) ? run + 1 : 0;
        if (run >= SECRET_HEX_RUN)
            return 1;
    }
    return 0;
}

/* Writes how a bad value is named in a message: quoted and cut short, or "the value"
 * for a secret key or anything that looks like key material (cutting the text short
 * could cut an API key where the log scrubber no longer recognizes it). */
static void show_text(int secret, int quote, const char *text, char *buf, size_t len)
{
    if (secret || has_long_hex_run(text) || strstr(text, "pk_")) {
        snprintf(buf, len, "the value");
        return;
    }
    char shown[MAX_SHOWN + 4];
    size_t n = 0;
    for (; text[n] && n < MAX_SHOWN; n++)
        shown[n] = isprint((unsigned char)text[n]) ? text[n] : '?';
    if (text[n]) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n] = '\0';
    snprintf(buf, len, quote ? "'%s'" : "%s", shown);
}

static void show_value(const key_spec *ks, const char *text, char *buf, size_t len)
{
    show_text(ks->flags & F_SECRET, 1, text, buf, len);
}

/* A section or key name the schema does not know is shown like a value: a pasted
 * secret or a control character in the wrong place must not reach the message. */
static const char *show_name(const char *text, char *buf, size_t len)
{
    show_text(0, 0, text, buf, len);
    return buf;
}

/* ---- value parsers: 0, -1 (the problem in j->why) or -3 (out of memory) ------------- */

typedef struct {
    const key_spec *ks;
    const char *text;
    key_value *out;
    char *why;
    size_t whylen;
} parse_job;

static int bad(parse_job *j, const char *fmt, ...) LG_PRINTF(2, 3);

/* Writes the problem into j->why and returns -1. */
static int bad(parse_job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->why, j->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Parses digits only (leading zeros allowed) into *v. Returns 0, -1 not a number,
 * -2 too large for 64 bits. */
static int parse_digits(const char *s, size_t n, uint64_t *v)
{
    uint64_t acc = 0;
    int big = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (UINT64_MAX - d) / 10)
            big = 1;
        else
            acc = acc * 10 + d;
    }
    *v = acc;
    return big ? -2 : 0;
}

/* Checks one number against the range; label names it in the message ("" or
 * "item 2: "). */
static int check_range(parse_job *j, const char *s, size_t n, const char *label, uint64_t *v)
{
    char raw[MAX_SHOWN + 2], shown[MAX_SHOWN + 8];
    snprintf(raw, sizeof raw, "%.*s", (int)(n <= MAX_SHOWN ? n : MAX_SHOWN + 1), s);
    show_value(j->ks, raw, shown, sizeof shown);
    int rc = parse_digits(s, n, v);
    if (rc == -1)
        return bad(j, "%s%s is not a whole number", label, shown);
    if (rc == -2)
        return bad(j, "%s%s is above the maximum %llu", label, shown,
                   (unsigned long long)j->ks->max);
    if (*v > j->ks->max)
        return bad(j, "%s%llu is above the maximum %llu", label, (unsigned long long)*v,
                   (unsigned long long)j->ks->max);
    if (*v < j->ks->min)
        return bad(j, "%s%llu is below the minimum %llu", label, (unsigned long long)*v,
                   (unsigned long long)j->ks->min);
    return 0;
}

static int set_text(parse_job *j, const char *text)
{
    j->out->text = strdup(text);
    return j->out->text ? 0 : -3;
}

static int parse_u64(parse_job *j)
{
    char buf[24];
    if (check_range(j, j->text, strlen(j->text), "", &j->out->num) != 0)
        return -1;
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)j->out->num);
    return set_text(j, buf);
}

static int parse_bool(parse_job *j)
{
    static const char *const truthy[] = {"true", "yes", "on", "1"};
    static const char *const falsy[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(j->text, truthy[i]) == 0 || strcasecmp(j->text, falsy[i]) == 0) {
            j->out->num = strcasecmp(j->text, truthy[i]) == 0;
            return set_text(j, j->out->num ? "true" : "false");
        }
    }
    char shown[MAX_SHOWN + 8];
    show_value(j->ks, j->text, shown, sizeof shown);
    return bad(j, "%s is not a boolean (true/false, yes/no, on/off, 1/0)", shown);
}

static int parse_enum(parse_job *j)
{
    char choices[128] = "";
    for (size_t i = 0; j->ks->words[i]; i++) {
        if (strcasecmp(j->text, j->ks->words[i]) == 0) {
            j->out->num = i;
            return set_text(j, j->ks->words[i]);
        }
        size_t used = strlen(choices);
        snprintf(choices + used, sizeof choices - used, "%s%s", i ? ", " : "", j->ks->words[i]);
    }
    char shown[MAX_SHOWN + 8];
    show_value(j->ks, j->text, shown, sizeof shown);
    return bad(j, "%s is not one of: %s", shown, choices);
}

static int parse_address(parse_job *j)
{
    const char *s = j->text;
    int ok = s[0] == '0' && s[1] == 'x' && strlen(s) == 42;
    for (size_t i = 2; ok && i < 42; i++)
        ok = isxdigit((unsigned char)s[i]) != 0;
    if (ok)
        return set_text(j, s);
    char shown[MAX_SHOWN + 8];
    show_value(j->ks, s, shown, sizeof shown);
    return bad(j, "%s is not an address (0x and 40 hex digits)", shown);
}

/* http:// or https://, optional user info, a host (a name, an IPv4 address or an
 * [IPv6] literal), an optional port 1..65535, then anything from '/', '?' or '#'. */
static int url_ok(const char *s)
{
    size_t skip = strncasecmp(s, "http://", 7) == 0    ? 7
                  : strncasecmp(s, "https://", 8) == 0 ? 8
                                                       : 0;
    if (skip == 0)
        return 0;
    const char *auth = s + skip, *end = auth + strcspn(auth, "/?#");
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p))
            return 0;
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    const char *host = at ? at + 1 : auth, *colon = NULL;
    if (host < end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        if (!close || close == host + 1)
            return 0;
        colon = close + 1 < end ? close + 1 : NULL;
        if (colon && *colon != ':')
            return 0;
    } else {
        colon = memchr(host, ':', (size_t)(end - host));
        if ((colon ? colon : end) == host)
            return 0;
    }
    if (!colon)
        return 1;
    uint64_t port;
    return parse_digits(colon + 1, (size_t)(end - colon - 1), &port) == 0 && port >= 1 &&
           port <= 65535;
}

static int parse_url(parse_job *j)
{
    if (url_ok(j->text))
        return set_text(j, j->text);
    char shown[MAX_SHOWN + 8];
    show_value(j->ks, j->text, shown, sizeof shown);
    return bad(j, "%s is not an http:// or https:// URL with a host", shown);
}

static int parse_path(parse_job *j)
{
    if (j->text[0] == '/')
        return set_text(j, j->text);
    char shown[MAX_SHOWN + 8];
    show_value(j->ks, j->text, shown, sizeof shown);
    /* Relative paths would depend on the working directory the web server gives a
     * responder, which differs between lighttpd, Apache and the command line. */
    return bad(j, "%s is not an absolute path", shown);
}

/* Splits text at commas into trimmed items: starts[i], lens[i]. Returns the count, or
 * -1 with the problem in why. */
static int split_items(parse_job *j, const char **starts, size_t *lens)
{
    int n = 0;
    const char *p = j->text;
    for (;;) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *stop = end;
        while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;
        if (n == MAX_ITEMS)
            return bad(j, "more than %d items", MAX_ITEMS);
        if (stop == p)
            return bad(j, "item %d is empty", n + 1);
        starts[n] = p;
        lens[n++] = (size_t)(stop - p);
        if (!comma)
            return n;
        p = comma + 1;
    }
}

/* Appends item to the canonical "a,b,c" text being built in j->out->text. */
static int join_item(parse_job *j, const char *item, size_t n)
{
    size_t used = j->out->text ? strlen(j->out->text) : 0;
    char *t = realloc(j->out->text, used + n + 2);
    if (!t)
        return -3;
    if (used)
        t[used++] = ',';
    memcpy(t + used, item, n);
    t[used + n] = '\0';
    j->out->text = t;
    return 0;
}

static int parse_list(parse_job *j)
{
    const char *starts[MAX_ITEMS];
    size_t lens[MAX_ITEMS];
    int n = split_items(j, starts, lens);
    if (n < 0)
        return -1;
    j->out->items = calloc((size_t)n, sizeof *j->out->items);
    if (!j->out->items)
        return -3;
    for (int i = 0; i < n; i++) {
        char label[32], num[24];
        uint64_t *v = &j->out->items[i];
        snprintf(label, sizeof label, "item %d: ", i + 1);
        if (check_range(j, starts[i], lens[i], label, v) != 0)
            return -1;
        if (i > 0 && *v < v[-1])
            return bad(j, "item %d: %llu is smaller than the item before it", i + 1,
                       (unsigned long long)*v);
        j->out->count++;
        snprintf(num, sizeof num, "%llu", (unsigned long long)*v);
        if (join_item(j, num, strlen(num)) != 0)
            return -3;
    }
    return 0;
}

static int parse_csv(parse_job *j)
{
    const char *starts[MAX_ITEMS];
    size_t lens[MAX_ITEMS];
    int n = split_items(j, starts, lens);
    if (n < 0)
        return -1;
    j->out->words = calloc((size_t)n, sizeof *j->out->words);
    if (!j->out->words)
        return -3;
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < lens[i]; k++)
            if (!isgraph((unsigned char)starts[i][k]))
                return bad(j, "item %d contains a space or a character that is not plain ASCII",
                           i + 1);
        /* Counted as soon as it is held, so that value_clear frees it when the join
         * below runs out of memory. */
        if (!(j->out->words[i] = strndup(starts[i], lens[i])))
            return -3;
        j->out->count++;
        if (join_item(j, starts[i], lens[i]) != 0)
            return -3;
    }
    return 0;
}

/* Checks what every kind shares, then hands over to the kind's parser. Returns 0, -1
 * (problem in why), -3 (no memory). */
static int parse_any(parse_job *j)
{
    size_t n = strlen(j->text);
    if (n > MAX_VALUE_LEN)
        return bad(j, "the value is longer than %d characters", MAX_VALUE_LEN);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)j->text[i] < 0x20 || j->text[i] == 0x7f)
            return bad(j, "the value contains a control character");
    if (n == 0)
        return (j->ks->flags & F_EMPTY_OK) ? set_text(j, "") : bad(j, "a value is required");
    switch (j->ks->kind) {
    case K_STRING:
        return set_text(j, j->text);
    case K_PATH:
        return parse_path(j);
    case K_URL:
        return parse_url(j);
    case K_ADDRESS:
        return parse_address(j);
    case K_U64:
        return parse_u64(j);
    case K_BOOL:
        return parse_bool(j);
    case K_ENUM:
        return parse_enum(j);
    case K_LIST:
        return parse_list(j);
    case K_CSV:
        return parse_csv(j);
    }
    return bad(j, "the key has no type");
}

/* Validates text for key idx and, when good, replaces its value in cfg. origin is
 * "" or "file:line: " or "VARIABLE: " and starts the message. Returns LG_OK,
 * LG_ERR_CONFIG, LG_ERR_NOMEM; cfg is unchanged on failure. */
static lg_err assign(lg_config *cfg, size_t idx, const char *text, const char *origin, char *err,
                     size_t errlen)
{
    char problem[256];
    key_value nv = {0};
    parse_job j = {&schema[idx], text, &nv, problem, sizeof problem};
    int rc = parse_any(&j);
    if (rc != 0) {
        value_clear(&nv);
        if (rc == -3) {
            set_err(err, errlen, "%sout of memory", origin);
            return LG_ERR_NOMEM;
        }
        set_err(err, errlen, "%s[%s] %s: %s", origin, schema[idx].section, schema[idx].key,
                problem);
        return LG_ERR_CONFIG;
    }
    value_clear(&cfg->v[idx]);
    cfg->v[idx] = nv;
    return LG_OK;
}

/* ---- the file ----------------------------------------------------------------------- */

typedef struct {
    lg_config *cfg;
    FILE *fp;
    const char *path;
    int line;               /* lines handed to inih so far */
    int after_key;          /* a key line came since the last [section] (inih's prev_name) */
    int set_on[SCHEMA_LEN]; /* line each key was given on, 0 when not yet */
    lg_err rc;              /* first error; stops the reading */
    char *err;
    size_t errlen;
} load_ctx;

static void load_fail(load_ctx *c, lg_err rc, const char *fmt, ...) LG_PRINTF(3, 4);

static void load_fail(load_ctx *c, lg_err rc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    set_err(c->err, c->errlen, "%s:%d: %s", c->path, c->line, msg);
    c->rc = rc;
}

/* Checks a "[section]" line before inih sees it, so an empty unknown section is an
 * error too. */
static void check_section_line(load_ctx *c, const char *p)
{
    const char *close = strchr(p, ']');
    if (!close) {
        load_fail(c, LG_ERR_CONFIG, "syntax error: a '[section]' line without ']'");
        return;
    }
    char name[64];
    size_t n = (size_t)(close - p - 1);
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name - 1 ? n : sizeof name - 1), p + 1);
    char shown[MAX_SHOWN + 4];
    if (!section_known(name))
        load_fail(c, LG_ERR_CONFIG, "[%s]: unknown section", show_name(name, shown, sizeof shown));
    c->after_key = 0;
}

/* Looks at the raw line the way inih will: sections, continuation lines (inih's
 * multi-line values, which lendgate does not use: an indented line after a key would
 * silently become part of its value) and lines that are not "key = value". */
static void classify_line(load_ctx *c, char *line)
{
    char *p = line;
    if (c->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    char *start = p;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '\n' || *p == '\r' || *p == ';' || *p == '#')
        return;
    if (c->after_key && p > start) {
        load_fail(c, LG_ERR_CONFIG,
                  "syntax error: an indented line continues a value; "
                  "write each key on one line");
    } else if (*p == '[') {
        check_section_line(c, p);
    } else if (!strpbrk(p, "=:")) {
        load_fail(c, LG_ERR_CONFIG, "syntax error: expected 'key = value' or '[section]'");
    } else {
        c->after_key = 1;
    }
}

/* inih's ini_reader, counting lines so that handler errors can name theirs. */
static char *read_line(char *str, int num, void *stream)
{
    load_ctx *c = stream;
    if (c->rc != LG_OK || !fgets(str, num, c->fp))
        return NULL;
    c->line++;
    size_t n = strlen(str);
    if (n > 0 && str[n - 1] != '\n') {
        int next = getc(c->fp);
        if (next != EOF) {
            load_fail(c, LG_ERR_CONFIG,
                      "line longer than %d characters (set a long value through the "
                      "LENDGATE_<SECTION>_<KEY> environment variable)",
                      num - 2);
            return NULL;
        }
    }
    classify_line(c, str);
    return c->rc == LG_OK ? str : NULL;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    char s1[MAX_SHOWN + 4], s2[MAX_SHOWN + 4];
    if (c->rc != LG_OK)
        return 0;
    if (!section[0]) {
        load_fail(c, LG_ERR_CONFIG, "%s: key outside any [section]",
                  show_name(name, s1, sizeof s1));
        return 0;
    }
    int idx = find_key(section, name);
    if (idx < 0) {
        load_fail(c, LG_ERR_CONFIG, "[%s] %s: unknown %s", show_name(section, s1, sizeof s1),
                  show_name(name, s2, sizeof s2), section_known(section) ? "key" : "section");
        return 0;
    }
    if (c->set_on[idx]) {
        load_fail(c, LG_ERR_CONFIG, "[%s] %s: given twice (first on line %d)", section, name,
                  c->set_on[idx]);
        return 0;
    }
    c->set_on[idx] = c->line;
    char origin[300];
    snprintf(origin, sizeof origin, "%s:%d: ", c->path, c->line);
    c->rc = assign(c->cfg, (size_t)idx, value, origin, c->err, c->errlen);
    return c->rc == LG_OK;
}

static lg_err load_file(lg_config *cfg, const char *path, char *err, size_t errlen)
{
    load_ctx c = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
    c.fp = fopen(path, "r");
    if (!c.fp) {
        set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return LG_ERR_IO;
    }
    struct stat st;
    if (fstat(fileno(c.fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(c.fp);
        set_err(err, errlen, "%s: not a regular file", path);
        return LG_ERR_IO;
    }
    int bad_line = ini_parse_stream(read_line, &c, on_key, &c);
    if (c.rc == LG_OK && ferror(c.fp)) {
        set_err(err, errlen, "%s: read error", path);
        c.rc = LG_ERR_IO;
    } else if (c.rc == LG_OK && bad_line != 0) {
        /* What classify_line missed, such as "key ; = value" (an inline comment). */
        set_err(err, errlen, "%s:%d: syntax error", path, bad_line);
        c.rc = LG_ERR_CONFIG;
    }
    fclose(c.fp);
    return c.rc;
}

/* ---- environment and whole-configuration checks --------------------------------------- */

static void env_name(const key_spec *ks, char *buf, size_t len)
{
    snprintf(buf, len, "LENDGATE_%s_%s", ks->section, ks->key);
    for (char *p = buf; *p; p++)
        *p = (char)toupper((unsigned char)*p);
}

static lg_err apply_env(lg_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < SCHEMA_LEN; i++) {
        char var[96], origin[100];
        env_name(&schema[i], var, sizeof var);
        const char *value = getenv(var);
        if (!value)
            continue;
        snprintf(origin, sizeof origin, "%s: ", var);
        lg_err rc = assign(cfg, i, value, origin, err, errlen);
        if (rc != LG_OK)
            return rc;
    }
    return LG_OK;
}

/* Rules between keys, checked once everything is in. */
static lg_err check_whole(const lg_config *cfg, char *err, size_t errlen)
{
    if (strcmp(lg_config_str(cfg, "store", "backend"), "mongodb") == 0 &&
        lg_config_str(cfg, "store", "mongodb_uri")[0] == '\0') {
        set_err(err, errlen, "%s: [store] mongodb_uri: required when [store] backend is mongodb",
                cfg->file);
        return LG_ERR_CONFIG;
    }
    /* Transactions signed for one chain id are valid on every chain of that id: a
     * sandbox sharing the live chain's id would make sandbox and live one chain. */
    if (lg_config_str(cfg, "sandbox", "rpc_url")[0] != '\0' &&
        lg_config_u64(cfg, "sandbox", "chain_id") == lg_config_u64(cfg, "chain", "chain_id")) {
        set_err(err, errlen, "%s: [sandbox] chain_id: must differ from [chain] chain_id",
                cfg->file);
        return LG_ERR_CONFIG;
    }
    return LG_OK;
}

/* ---- public ---------------------------------------------------------------------------- */

lg_err lg_config_defaults(lg_config **out)
{
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->file = strdup(""))) {
        free(cfg);
        return LG_ERR_NOMEM;
    }
    for (size_t i = 0; i < SCHEMA_LEN; i++) {
        lg_err rc = assign(cfg, i, schema[i].def, "", NULL, 0);
        if (rc != LG_OK) {
            lg_config_free(cfg);
            return rc;
        }
    }
    *out = cfg;
    return LG_OK;
}

void lg_config_free(lg_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < SCHEMA_LEN; i++)
        value_clear(&cfg->v[i]);
    free(cfg->file);
    free(cfg);
}

static const char *resolve_path(const char *path)
{
    if (path)
        return path;
    const char *env = getenv("LENDGATE_CONFIG");
    return env && *env ? env : LG_PKGSYSCONFDIR "/lendgate.conf";
}

lg_err lg_config_load(const char *path, lg_config **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_config *cfg;
    lg_err rc = lg_config_defaults(&cfg);
    if (rc != LG_OK) {
        set_err(err, errlen, "cannot set up the configuration: %s", lg_strerror(rc));
        return rc;
    }
    path = resolve_path(path);
    free(cfg->file);
    cfg->file = strdup(path);
    if (!cfg->file) {
        set_err(err, errlen, "out of memory");
        rc = LG_ERR_NOMEM;
    }
    if (rc == LG_OK)
        rc = load_file(cfg, path, err, errlen);
    if (rc == LG_OK)
        rc = apply_env(cfg, err, errlen);
    if (rc == LG_OK)
        rc = check_whole(cfg, err, errlen);
    if (rc != LG_OK) {
        lg_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return LG_OK;
}

lg_err lg_config_set(lg_config *cfg, const char *section, const char *key, const char *value,
                     char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!cfg || !section || !key || !value)
        return LG_ERR_INVALID;
    int idx = find_key(section, key);
    if (idx < 0) {
        set_err(err, errlen, "[%s] %s: unknown %s", section, key,
                section_known(section) ? "key" : "section");
        return LG_ERR_CONFIG;
    }
    return assign(cfg, (size_t)idx, value, "", err, errlen);
}

static const key_value *value_of(const lg_config *cfg, const char *section, const char *key,
                                 int kind)
{
    int idx = find_key(section, key);
    if (!cfg || idx < 0 || (kind >= 0 && schema[idx].kind != (key_kind)kind))
        return NULL;
    return &cfg->v[idx];
}

const char *lg_config_str(const lg_config *cfg, const char *section, const char *key)
{
    const key_value *v = value_of(cfg, section, key, -1);
    return v ? v->text : NULL;
}

uint64_t lg_config_u64(const lg_config *cfg, const char *section, const char *key)
{
    const key_value *v = value_of(cfg, section, key, K_U64);
    return v ? v->num : 0;
}

int lg_config_bool(const lg_config *cfg, const char *section, const char *key)
{
    const key_value *v = value_of(cfg, section, key, K_BOOL);
    return v ? (int)v->num : 0;
}

const uint64_t *lg_config_list(const lg_config *cfg, const char *section, const char *key,
                               size_t *count)
{
    const key_value *v = value_of(cfg, section, key, K_LIST);
    size_t n = v ? v->count : 0;
    if (count)
        *count = n;
    return n ? v->items : NULL;
}

size_t lg_config_csv_count(const lg_config *cfg, const char *section, const char *key)
{
    const key_value *v = value_of(cfg, section, key, K_CSV);
    return v ? v->count : 0;
}

const char *lg_config_csv_item(const lg_config *cfg, const char *section, const char *key, size_t i)
{
    const key_value *v = value_of(cfg, section, key, K_CSV);
    return v && i < v->count ? v->words[i] : NULL;
}

int lg_config_csv_has(const lg_config *cfg, const char *section, const char *key, const char *word)
{
    const key_value *v = value_of(cfg, section, key, K_CSV);
    for (size_t i = 0; v && word && i < v->count; i++)
        if (strcmp(v->words[i], word) == 0)
            return 1;
    return 0;
}

/* The [sandbox] keys that stand for [chain] keys in the sandbox's configuration. */
static const char *const sandbox_keys[] = {"rpc_url",       "chain_id",     "oaid_address",
                                           "vault_address", "usdc_address", "platform_key_file"};

int lg_config_has_sandbox(const lg_config *cfg)
{
    const char *url = lg_config_str(cfg, "sandbox", "rpc_url");
    return url && *url;
}

static lg_err copy_value(lg_config *to, size_t i, const char *text)
{
    return assign(to, i, text, "", NULL, 0);
}

lg_err lg_config_sandbox(const lg_config *cfg, lg_config **out)
{
    if (!cfg || !out)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_config *sb = NULL;
    lg_err rc = lg_config_defaults(&sb);
    if (rc != LG_OK)
        return rc;
    free(sb->file);
    if (!(sb->file = strdup(lg_config_file(cfg))))
        rc = LG_ERR_NOMEM;
    for (size_t i = 0; rc == LG_OK && i < SCHEMA_LEN; i++)
        rc = copy_value(sb, i, cfg->v[i].text);
    for (size_t k = 0; rc == LG_OK && k < sizeof sandbox_keys / sizeof *sandbox_keys; k++) {
        int from = find_key("sandbox", sandbox_keys[k]), to = find_key("chain", sandbox_keys[k]);
        rc = from < 0 || to < 0 ? LG_ERR_INTERNAL : copy_value(sb, (size_t)to, cfg->v[from].text);
    }
    if (rc != LG_OK) {
        lg_config_free(sb);
        return rc;
    }
    *out = sb;
    return LG_OK;
}

const char *lg_config_file(const lg_config *cfg)
{
    return cfg && cfg->file ? cfg->file : "";
}

size_t lg_config_schema_count(void)
{
    return SCHEMA_LEN;
}

lg_err lg_config_schema_at(size_t i, const char **section, const char **key,
                           const char **default_value)
{
    if (i >= SCHEMA_LEN || !section || !key || !default_value)
        return LG_ERR_INVALID;
    *section = schema[i].section;
    *key = schema[i].key;
    *default_value = schema[i].def;
    return LG_OK;
}
