/* fuzz_headers.c - libFuzzer target: the CGI parameters of a request as the web
 * server hands them over. The input is lines "NAME=value" (the first of a name wins);
 * the pseudo-names TRUSTED (the trusted_proxies list), BODY (the request body) and
 * MAX (the body bound) steer the rest. lg_request_init must keep every field within
 * its bound and printable where it is logged, take X-Request-Id only when sane,
 * take a client address from X-Forwarded-For only through a trusted proxy (a CIDR
 * list that must parse) and only one the header names; the body reader keeps a
 * body within the bound byte for byte and flags a larger one. The Authorization
 * header then goes through the Bearer and API key parsers, REMOTE_USER through the
 * admin check, and Content-Type through lg_content_type_is_json. */
#include "config.h"

#include "fuzz_common.h"

#include <lendgate/apikey.h>
#include <lendgate/auth.h>
#include <lendgate/bodies.h>
#include <lendgate/config.h>
#include <lendgate/ids.h>
#include <lendgate/netaddr.h>
#include <lendgate/request.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS 24

typedef struct {
    char *name[MAX_PARAMS];
    char *value[MAX_PARAMS];
    size_t n;
    const char *body; /* read through read_body */
    size_t body_len, body_pos;
} cgi_env;

static lg_config *admin_cfg;

static const char *param(void *ctx, const char *name)
{
    const cgi_env *env = ctx;
    for (size_t i = 0; i < env->n; i++)
        if (strcmp(env->name[i], name) == 0)
            return env->value[i];
    return NULL;
}

/* Hands the body out in pieces of at most 7 bytes, as a slow client would. */
static long read_body(void *ctx, char *buf, size_t n)
{
    cgi_env *env = ctx;
    size_t left = env->body_len - env->body_pos;
    size_t take = left < n ? left : n;
    if (take > 7)
        take = 7;
    if (take == 0)
        return 0;
    memcpy(buf, env->body + env->body_pos, take);
    env->body_pos += take;
    return (long)take;
}

/* Splits text (modified in place) into NAME=value lines. */
static void split(cgi_env *env, char *text)
{
    for (char *line = text; line && env->n < MAX_PARAMS;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            env->name[env->n] = line;
            env->value[env->n++] = eq + 1;
        }
        line = next;
    }
}

static void check_printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    check(n < cap);
    for (size_t i = 0; i < n; i++)
        check(s[i] >= 0x20 && s[i] < 0x7f);
}

static void check_forwarded(const lg_request *r, cgi_env *env, const char *ip0);

static void check_fields(const lg_request *r, cgi_env *env)
{
    check_printable(r->method, sizeof r->method);
    check_printable(r->content_type, sizeof r->content_type);
    check_printable(r->user_agent, sizeof r->user_agent);
    check_printable(r->remote_user, sizeof r->remote_user);
    check_printable(r->client_ip, sizeof r->client_ip);
    check_printable(r->x_timestamp, sizeof r->x_timestamp);
    check_printable(r->x_signature, sizeof r->x_signature);
    const char *ts = param(env, "HTTP_X_TIMESTAMP"), *sig = param(env, "HTTP_X_SIGNATURE");
    check(r->x_timestamp_too_long == (ts && strlen(ts) >= sizeof r->x_timestamp));
    check(r->x_signature_too_long == (sig && strlen(sig) >= sizeof r->x_signature));
    check(strnlen(r->path, sizeof r->path) < sizeof r->path);
    /* A path too long keeps what fits (the router names the parameter it cut). */
    check(!r->path_too_long || strlen(r->path) == sizeof r->path - 1);
    const char *q = param(env, "QUERY_STRING");
    check(r->query_too_long == (q && strlen(q) >= sizeof r->query));
    check(strncmp(r->query, q ? q : "", sizeof r->query - 1) == 0);
    const char *auth = param(env, "HTTP_AUTHORIZATION");
    check(strncmp(r->authorization, auth ? auth : "", sizeof r->authorization - 1) == 0);

    const char *rid = param(env, "HTTP_X_REQUEST_ID");
    check(lg_request_id_sane(r->request_id));
    if (lg_request_id_sane(rid))
        check(strcmp(r->request_id, rid) == 0);
    else
        check(lg_uuid_valid(r->request_id));

    /* REMOTE_ADDR as lg_request_init copies it: printable, cut. */
    char ip0[LG_REQ_IP_LEN];
    size_t o = 0;
    for (const char *a = param(env, "REMOTE_ADDR"); a && *a && o + 1 < sizeof ip0; a++)
        ip0[o++] = (*a >= 0x20 && *a < 0x7f) ? *a : '?';
    ip0[o] = '\0';
    if (strcmp(r->client_ip, ip0) != 0)
        check_forwarded(r, env, ip0);
}

/* The client was taken from X-Forwarded-For: only through a trusted proxy, and only
 * an address the header names, in canonical text. */
static void check_forwarded(const lg_request *r, cgi_env *env, const char *ip0)
{
    const char *xff = param(env, "HTTP_X_FORWARDED_FOR"), *trusted = param(env, "TRUSTED");
    static lg_allowlist proxies;
    lg_netaddr peer, client;
    char msg[160], canon[LG_REQ_IP_LEN];
    check(xff != NULL && trusted != NULL);
    check(lg_allowlist_parse(&proxies, "trusted_proxies", trusted, msg, sizeof msg) == LG_OK);
    check(lg_netaddr_parse(&peer, ip0, strlen(ip0)) == LG_OK);
    check(lg_allowlist_contains(&proxies, &peer));
    check(lg_netaddr_parse(&client, r->client_ip, strlen(r->client_ip)) == LG_OK);
    check(lg_netaddr_format(canon, sizeof canon, &client) == LG_OK);
    check(strcmp(canon, r->client_ip) == 0);
    int named = 0;
    for (const char *p = xff; *p;) {
        p += strspn(p, ", \t"); /* hops are split at commas, with optional white space */
        size_t n = strcspn(p, ", \t");
        lg_netaddr hop;
        if (n && lg_netaddr_parse(&hop, p, n) == LG_OK && memcmp(&hop, &client, sizeof hop) == 0)
            named = 1;
        p += n;
    }
    check(named);
}

static void check_body(lg_request *r, cgi_env *env, size_t max)
{
    lg_err rc = lg_request_read_body(r, read_body, env, max);
    check(rc == LG_OK);
    if (r->content_length == 0) {
        check(r->body == NULL && !r->body_too_large);
        return;
    }
    int too_large =
        env->body_len > max || (r->content_length > 0 && (uint64_t)r->content_length > max);
    check(r->body_too_large == too_large);
    check(env->body_pos == env->body_len); /* always read to the end */
    if (too_large) {
        check(r->body == NULL);
    } else if (env->body_len > 0) {
        check(r->body != NULL && r->body_len == env->body_len);
        check(memcmp(r->body, env->body, env->body_len) == 0 && r->body[r->body_len] == '\0');
    }
}

static void check_key(const char *key)
{
    lg_apikey_parts parts;
    char prefix[LG_APIKEY_PREFIX_LEN + 1], hash[LG_APIKEY_HASH_LEN];
    check(lg_apikey_hash(hash, sizeof hash, key) == LG_OK && strlen(hash) == 64);
    if (lg_apikey_parse(&parts, key) != LG_OK) {
        check(lg_apikey_prefix(prefix, sizeof prefix, key) == LG_ERR_INVALID);
        return;
    }
    check(lg_apikey_parse(NULL, key) == LG_OK);
    size_t plen = strlen(parts.partner);
    check(plen >= 1 && plen <= LG_APIKEY_PARTNER_MAX);
    check(strspn(parts.partner, "abcdefghijklmnopqrstuvwxyz0123456789") == plen);
    check(parts.env == LG_APIKEY_LIVE || parts.env == LG_APIKEY_SANDBOX);
    check(strncmp(key, "pk_", 3) == 0 && strncmp(key + 3, parts.partner, plen) == 0);
    const char *env = lg_apikey_env_name(parts.env);
    check(key[3 + plen] == '_' && strncmp(key + 4 + plen, env, strlen(env)) == 0);
    check(strlen(key) == 3 + plen + 1 + strlen(env) + 1 + LG_APIKEY_SECRET_HEX);
    check(lg_apikey_prefix(prefix, sizeof prefix, key) == LG_OK);
    check(strlen(prefix) == LG_APIKEY_PREFIX_LEN &&
          strncmp(prefix, key, LG_APIKEY_PREFIX_LEN) == 0);
}

static void check_headers(const lg_request *r)
{
    const char *a = r->authorization;
    if (lg_content_type_is_json(r->content_type))
        check(strncasecmp(r->content_type, "application/json", 16) == 0);
    check_key(a);
    if (strncasecmp(a, "Bearer ", 7) == 0)
        check_key(a + 7 + strspn(a + 7, " "));

    int status = 0;
    char msg[128];
    lg_err rc = lg_auth_admin(admin_cfg, r->remote_user, &status, msg, sizeof msg);
    int admin = strcmp(r->remote_user, "alice") == 0 || strcmp(r->remote_user, "bob") == 0;
    check((rc == LG_OK) == admin);
    check(rc == LG_OK ? status == 200 : (status == 401 || status == 403) && msg[0] != '\0');
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[160];
    if (lg_config_defaults(&admin_cfg) != LG_OK ||
        lg_config_set(admin_cfg, "admin", "trust_remote_user", "true", err, sizeof err) != LG_OK ||
        lg_config_set(admin_cfg, "admin", "admins", "alice,bob", err, sizeof err) != LG_OK)
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    check(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    cgi_env env = {.n = 0};
    split(&env, text);
    env.body = param(&env, "BODY");
    env.body_len = env.body ? strlen(env.body) : 0;
    const char *max_text = param(&env, "MAX");
    size_t max = max_text ? strtoul(max_text, NULL, 10) % 4096 : 64;

    static lg_request r;
    const char *trusted = param(&env, "TRUSTED");
    char msg[160];
    lg_err rc = lg_request_init(&r, param, &env, trusted);
    check(rc == LG_OK || rc == LG_ERR_CONFIG);
    check((rc == LG_OK) == (lg_request_check_proxies(trusted, msg, sizeof msg) == LG_OK));
    check_fields(&r, &env);
    check_body(&r, &env, max);
    check_headers(&r);
    lg_request_release(&r);
    check(r.body == NULL);
    for (size_t i = 0; i < sizeof r.authorization; i++)
        check(r.authorization[i] == '\0');
    for (size_t i = 0; i < sizeof r.x_signature; i++)
        check(r.x_signature[i] == '\0');
    free(text);
    return 0;
}
