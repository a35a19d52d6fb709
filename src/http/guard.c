/* guard.c - rate limits, allowlists and signatures in front of the handlers. */
#include "config.h"

#include <lendgate/guard.h>

#include <lendgate/log.h>
#include <lendgate/netaddr.h>
#include <lendgate/sha256.h>
#include <lendgate/signature.h>
#include <lendgate/time.h>

#include <stdio.h>
#include <string.h>

static void open_tables(lg_guard *g)
{
    char path[4096];
    const char *dir = lg_config_str(g->cfg, "store", "state_dir");
    g->next_open_ms = lg_time_mono_ms() + LG_GUARD_REOPEN_MS;
    if (!g->rl) {
        uint32_t slots = (uint32_t)lg_config_u64(g->cfg, "ratelimit", "slots");
        snprintf(path, sizeof path, "%s/%s", dir, LG_RATELIMIT_FILE);
        lg_err rc = lg_ratelimit_open(path, slots, &g->rl);
        if (rc != LG_OK)
            lg_error("guard.open", "rate-limit table %s: %s", path, lg_strerror(rc));
    }
    if (!g->replay) {
        uint32_t slots = (uint32_t)lg_config_u64(g->cfg, "http", "replay_slots");
        snprintf(path, sizeof path, "%s/%s", dir, LG_REPLAY_FILE);
        lg_err rc = lg_replay_open(path, slots, LG_REPLAY_DEFAULT_WINDOW_MS, &g->replay);
        if (rc != LG_OK)
            lg_error("guard.open", "replay cache %s: %s", path, lg_strerror(rc));
    }
    if (!g->chain) {
        uint32_t slots = (uint32_t)lg_config_u64(g->cfg, "chain", "max_concurrent_calls");
        snprintf(path, sizeof path, "%s/%s", dir, LG_CHAINCAP_FILE);
        lg_err rc = lg_chaincap_open(path, slots, &g->chain);
        if (rc != LG_OK)
            lg_error("guard.open", "chain call cap %s: %s", path, lg_strerror(rc));
    }
}

lg_err lg_guard_init(lg_guard *g, const lg_config *cfg)
{
    if (!g || !cfg)
        return LG_ERR_INVALID;
    memset(g, 0, sizeof *g);
    g->cfg = cfg;
    g->cluster = lg_service_cluster_guards(cfg);
    open_tables(g);
    return LG_OK;
}

void lg_guard_release(lg_guard *g)
{
    if (!g)
        return;
    lg_ratelimit_close(g->rl);
    lg_replay_close(g->replay);
    lg_chaincap_close(g->chain);
    g->rl = NULL;
    g->replay = NULL;
    g->chain = NULL;
}

int lg_guard_chain_enter(lg_guard *g, uint32_t *slot)
{
    *slot = UINT32_MAX;
    if (!g->chain && lg_time_mono_ms() >= g->next_open_ms)
        open_tables(g);
    if (!g->chain)
        return 1; /* no table: uncapped, as before the cap existed (the error is logged) */
    return lg_chaincap_enter(g->chain, slot);
}

void lg_guard_chain_leave(lg_guard *g, uint32_t slot)
{
    if (g->chain && slot != UINT32_MAX)
        lg_chaincap_leave(g->chain, slot);
}

static void refuse(lg_guard_verdict *v, int status, const char *message)
{
    v->status = status;
    snprintf(v->message, sizeof v->message, "%s", message);
}

/* 1 when both tables are open, retrying them when due. */
static int tables_ready(lg_guard *g)
{
    if ((!g->rl || !g->replay) && lg_time_mono_ms() >= g->next_open_ms)
        open_tables(g);
    return g->rl && g->replay;
}

/* The verdict of a rate-limit answer (rc, *res): 503 when it could not be counted,
 * 429 when refused; the headers either way. */
static void verdict_of(lg_err rc, const lg_ratelimit_result *res, const char *policy, uint32_t rpm,
                       lg_guard_verdict *v)
{
    if (rc != LG_OK) {
        lg_error("guard.ratelimit", "%s: %s", policy, lg_strerror(rc));
        refuse(v, 503, "Rate limiter unavailable, retry shortly");
        return;
    }
    lg_ratelimit_format_headers(res, policy, v->ratelimit_policy, sizeof v->ratelimit_policy,
                                v->ratelimit, sizeof v->ratelimit);
    if (res->allowed)
        return;
    snprintf(v->retry_after, sizeof v->retry_after, "%u", lg_ratelimit_retry_after_s(res));
    v->status = 429;
    snprintf(v->message, sizeof v->message,
             "Rate limit exceeded: %u requests per minute; retry after %s s", rpm, v->retry_after);
}

/* Counts (or, without charge, asks about) one request of key at rpm and fills the
 * verdict's headers; refuses with 429 when over. */
static void limit(lg_guard *g, const char *key, const char *policy, uint32_t rpm, int charge,
                  int64_t now_ms, lg_guard_verdict *v)
{
    lg_ratelimit_result res;
    lg_err rc = charge ? lg_ratelimit_take(g->rl, key, rpm, now_ms, &res)
                       : lg_ratelimit_peek(g->rl, key, rpm, now_ms, &res);
    verdict_of(rc, &res, policy, rpm, v);
}

void lg_guard_ip(lg_guard *g, const char *client_ip, int charge, int64_t now_ms,
                 lg_guard_verdict *v)
{
    char key[LG_RATELIMIT_KEY_MAX + 1];
    memset(v, 0, sizeof *v);
    if (!tables_ready(g)) {
        refuse(v, 503, "Rate limiter unavailable, retry shortly");
        return;
    }
    /* A request without a peer address (a misconfigured server) shares one bucket. */
    if (lg_ratelimit_key_ip(key, sizeof key, client_ip && *client_ip ? client_ip : "-") != LG_OK) {
        refuse(v, 400, "client address: not usable");
        return;
    }
    limit(g, key, "ip", (uint32_t)lg_config_u64(g->cfg, "ratelimit", "ip_rpm"), charge, now_ms, v);
}

/* The replay cache: the host's table, or with cluster guards the store's alone. */
static lg_err claim_digest(lg_guard *g, lg_service *svc, const unsigned char *digest,
                           int64_t now_ms)
{
    if (!g->cluster)
        return lg_replay_check_and_insert(g->replay, digest, now_ms);
    if (!svc)
        return LG_ERR_STORE;
    lg_err rc = lg_service_replay_claim(svc, digest, now_ms, LG_REPLAY_DEFAULT_WINDOW_MS);
    if (rc != LG_OK && rc != LG_ERR_DUPLICATE)
        lg_error("guard.replay", "cluster replay cache: %s", lg_strerror(rc));
    return rc;
}

/* The signature headers, then the replay cache. */
static void check_signature(lg_guard *g, lg_service *svc, const lg_partner *p,
                            const lg_request *req, int64_t now_ms, lg_guard_verdict *v)
{
    unsigned char digest[LG_REPLAY_DIGEST_LEN];
    int status = 0;
    char msg[128];
    if (!p->signing_secret[0]) {
        refuse(v, 401, "Request signing is required but no signing secret is set; ask for one");
        return;
    }
    lg_err rc = lg_signature_verify(p->signing_secret, req->x_timestamp, req->x_signature,
                                    req->body, req->body_len, now_ms, LG_SIGNATURE_WINDOW_MS,
                                    digest, &status, msg, sizeof msg);
    if (rc != LG_OK) {
        refuse(v, status == 401 ? 401 : 500, status == 401 ? msg : "Signature check failed");
        return;
    }
    rc = claim_digest(g, svc, digest, now_ms);
    lg_memwipe(digest, sizeof digest);
    if (rc == LG_ERR_DUPLICATE)
        refuse(v, 401, "X-Signature was used before: replayed request");
    else if (rc != LG_OK)
        refuse(v, 503, "Replay cache unavailable, retry shortly");
}

/* The local verdict res refined by the cluster's count c: the cluster decides, and the
 * headers show the smaller remaining budget of the two. */
static void merge_cluster(lg_ratelimit_result *res, const lg_cluster_rate *c)
{
    res->allowed = c->allowed;
    if (c->remaining <= res->remaining) {
        res->remaining = c->remaining;
        res->reset_ms = c->reset_ms;
    }
    res->retry_after_ms = c->allowed ? 0 : c->retry_after_ms;
}

/* The partner's rate: the host's table first, then (cluster guards) the store. */
static void limit_partner(lg_guard *g, lg_service *svc, const char *key, uint32_t rpm,
                          int64_t now_ms, lg_guard_verdict *v)
{
    lg_ratelimit_result res;
    lg_cluster_rate c;
    lg_err rc = lg_ratelimit_take(g->rl, key, rpm, now_ms, &res);
    if (rc == LG_OK && res.allowed && g->cluster) {
        rc = svc ? lg_service_rate_take(svc, key, rpm, now_ms, &c) : LG_ERR_STORE;
        if (rc == LG_OK)
            merge_cluster(&res, &c);
    }
    verdict_of(rc, &res, "partner", rpm, v);
}

void lg_guard_partner(lg_guard *g, lg_service *svc, const lg_partner *p, const lg_request *req,
                      int64_t now_ms, lg_guard_verdict *v)
{
    char key[LG_RATELIMIT_KEY_MAX + 1];
    memset(v, 0, sizeof *v);
    if (!lg_allowlist_match(p->ip_allowlist, req->client_ip)) {
        snprintf(v->message, sizeof v->message,
                 "Client address %s is not in the partner's IP allowlist", req->client_ip);
        v->status = 403;
        return;
    }
    if (!tables_ready(g)) {
        refuse(v, 503, "Rate limiter unavailable, retry shortly");
        return;
    }
    if (p->signing_required) {
        check_signature(g, svc, p, req, now_ms, v);
        if (v->status)
            return;
    }
    if (lg_ratelimit_key_partner(key, sizeof key, p->id) != LG_OK) {
        refuse(v, 500, "Partner id not usable for rate limiting");
        return;
    }
    uint32_t rpm = lg_ratelimit_partner_rpm(
        (int)p->tier, p->rate_limit_rpm, (uint32_t)lg_config_u64(g->cfg, "ratelimit", "basic_rpm"),
        (uint32_t)lg_config_u64(g->cfg, "ratelimit", "premium_rpm"),
        (uint32_t)lg_config_u64(g->cfg, "ratelimit", "enterprise_rpm"));
    limit_partner(g, svc, key, rpm, now_ms, v);
}
