/* ratelimit.c - GCRA rate limits in a shared-memory open-addressing table (see ratelimit.h). */
#include "config.h"

#include <lendgate/ratelimit.h>
#include <lendgate/sha256.h>
#include <lendgate/shm.h>

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Processes share the words through the mapping, which needs address-free atomics. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 || ATOMIC_LONG_LOCK_FREE == 2,
               "64-bit atomics must be lock-free");

/* A slot's state word: bit 63 = being claimed, bits 56..62 = 7 bits of the key hash
 * (so a CAS fails if the slot changed keys between lookup and update even when the
 * TAT is equal), bits 0..55 = TAT in us (claim time while claimed). 0 = never used.
 * h1/h2 hold 128 bits of SHA-256(key); they are written only while the slot is claimed. */
typedef struct {
    _Atomic uint64_t state;
    _Atomic uint64_t h1;
    _Atomic uint64_t h2;
    uint64_t spare;
} rl_slot;

#define RL_MAGIC          UINT64_C(0x54494d494c52474c) /* "LGRLIMIT" little-endian */
#define RL_VERSION        1u
#define RL_CLAIM          (UINT64_C(1) << 63)
#define RL_TAG_SHIFT      56
#define RL_TAG_MASK       (UINT64_C(0x7f) << RL_TAG_SHIFT)
#define RL_TIME_MASK      ((UINT64_C(1) << RL_TAG_SHIFT) - 1)
#define RL_CLAIM_STALE_US INT64_C(1000000)
#define RL_CLAIM_SPINS    1000
/* Every failed CAS means another process made progress; this only bounds a pathology. */
#define RL_ATTEMPTS 10000
/* now_ms up to here keeps TAT plus a minute's worth inside the 56-bit field. */
#define RL_MAX_NOW_MS (INT64_C(1) << 45)

struct lg_ratelimit {
    lg_shm shm;
    uint32_t slots;
};

typedef struct {
    uint64_t h1, h2, tag;
    int64_t t_us, tau_us, now_us;
} rl_req;

uint32_t lg_ratelimit_burst(uint32_t rate_per_min)
{
    if (rate_per_min == 0)
        return 0;
    return rate_per_min / 10 > 0 ? rate_per_min / 10 : 1;
}

int64_t lg_ratelimit_interval_us(uint32_t rate_per_min)
{
    if (rate_per_min == 0)
        return 0;
    return (INT64_C(60000000) + rate_per_min - 1) / rate_per_min;
}

lg_err lg_ratelimit_open(const char *path, uint32_t slots, lg_ratelimit **out)
{
    lg_shm_layout l = {RL_MAGIC, RL_VERSION, sizeof(rl_slot), slots, 0};
    if (!path || !out || slots < LG_RATELIMIT_MIN_SLOTS || slots > LG_RATELIMIT_MAX_SLOTS)
        return LG_ERR_INVALID;
    lg_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return LG_ERR_NOMEM;
    lg_err rc = lg_shm_open(path, &l, &rl->shm);
    if (rc != LG_OK) {
        free(rl);
        return rc;
    }
    rl->slots = slots;
    *out = rl;
    return LG_OK;
}

void lg_ratelimit_close(lg_ratelimit *rl)
{
    if (!rl)
        return;
    lg_shm_close(&rl->shm);
    free(rl);
}

static rl_slot *rl_at(const lg_ratelimit *rl, uint64_t i)
{
    return lg_shm_slot(&rl->shm, sizeof(rl_slot), i % rl->slots);
}

static int64_t rl_tat(uint64_t state)
{
    return (int64_t)(state & RL_TIME_MASK);
}

/* Loads a slot's state, waiting briefly while another process finishes claiming it.
 * Still claimed after the wait: returned as is (the caller skips the slot), unless the
 * claim is stale, in which case 0-time is reported so the slot can be reused. */
static uint64_t rl_settle(rl_slot *s, int64_t now_us, int *stale)
{
    uint64_t st = atomic_load(&s->state);
    *stale = 0;
    for (int i = 0; (st & RL_CLAIM) && i < RL_CLAIM_SPINS; i++) {
        if (now_us - rl_tat(st) > RL_CLAIM_STALE_US) {
            *stale = 1;
            return st;
        }
        sched_yield();
        st = atomic_load(&s->state);
    }
    return st;
}

static int rl_is_key(rl_slot *s, uint64_t st, const rl_req *q)
{
    return (st & RL_CLAIM) == 0 && (st & RL_TAG_MASK) == q->tag && atomic_load(&s->h1) == q->h1 &&
           atomic_load(&s->h2) == q->h2;
}

static void rl_fill(lg_ratelimit_result *res, const rl_req *q, int64_t tat, int allowed)
{
    int64_t ahead = tat > q->now_us ? tat - q->now_us : 0;
    res->allowed = allowed;
    res->remaining = ahead > q->tau_us ? 0 : (uint32_t)((q->tau_us - ahead) / q->t_us + 1);
    res->reset_ms = (ahead + 999) / 1000;
    res->retry_after_ms = 0;
    if (!allowed)
        res->retry_after_ms = (ahead - q->tau_us + 999) / 1000;
}

/* GCRA on a slot known to hold the key. Returns 1 when done, 0 when the slot changed
 * under us and the lookup must start over. */
static int rl_update(rl_slot *s, uint64_t st, const rl_req *q, lg_ratelimit_result *res)
{
    int64_t tat = rl_tat(st);
    if (tat - q->now_us > q->tau_us) {
        rl_fill(res, q, tat, 0);
        return 1;
    }
    int64_t next = (tat > q->now_us ? tat : q->now_us) + q->t_us;
    if (!atomic_compare_exchange_strong(&s->state, &st, q->tag | (uint64_t)next))
        return 0;
    rl_fill(res, q, next, 1);
    return 1;
}

typedef struct {
    int64_t match, victim; /* probe positions, -1 = none */
    uint64_t match_st, victim_st;
} rl_probe;

/* Walks the key's probe sequence up to the first never-used slot: the first slot holding
 * the key, and the reusable slot whose TAT lies furthest in the past. */
static void rl_lookup(const lg_ratelimit *rl, const rl_req *q, uint32_t probes, rl_probe *p)
{
    int64_t best = INT64_MAX;
    p->match = p->victim = -1;
    for (uint32_t i = 0; i < probes; i++) {
        rl_slot *s = rl_at(rl, q->h1 + i);
        int stale;
        uint64_t st = rl_settle(s, q->now_us, &stale);
        int64_t tat = stale ? 0 : rl_tat(st);
        if ((st & RL_CLAIM) && !stale)
            continue;
        if (rl_is_key(s, st, q)) {
            p->match = i;
            p->match_st = st;
            return;
        }
        if (tat < best) {
            best = tat;
            p->victim = i;
            p->victim_st = st;
        }
        if (st == 0)
            return;
    }
}

/* 1 when a slot before position pos also holds the key (two processes claimed a slot
 * for a new key at once); the earlier one is the key's slot for every lookup. */
static int rl_earlier_copy(const lg_ratelimit *rl, const rl_req *q, int64_t pos)
{
    for (int64_t i = 0; i < pos; i++) {
        rl_slot *s = rl_at(rl, q->h1 + (uint64_t)i);
        int stale;
        if (rl_is_key(s, rl_settle(s, q->now_us, &stale), q))
            return 1;
    }
    return 0;
}

/* Takes over the victim slot for the key and counts the request as its first. Returns 1
 * when done, 0 when the lookup must start over. */
static int rl_claim(const lg_ratelimit *rl, const rl_probe *p, const rl_req *q,
                    lg_ratelimit_result *res)
{
    rl_slot *s = rl_at(rl, q->h1 + (uint64_t)p->victim);
    uint64_t st = p->victim_st;
    if (!atomic_compare_exchange_strong(&s->state, &st, RL_CLAIM | (uint64_t)q->now_us))
        return 0;
    atomic_store(&s->h1, q->h1);
    atomic_store(&s->h2, q->h2);
    uint64_t mine = q->tag | (uint64_t)(q->now_us + q->t_us);
    atomic_store(&s->state, mine);
    if (rl_earlier_copy(rl, q, p->victim)) {
        /* Give the slot back as expired and count the request on the earlier copy. */
        atomic_compare_exchange_strong(&s->state, &mine, q->tag | 1u);
        return 0;
    }
    rl_fill(res, q, q->now_us + q->t_us, 1);
    return 1;
}

static lg_err rl_hash(const char *key, rl_req *q)
{
    uint8_t d[LG_SHA256_LEN];
    lg_err rc = lg_sha256(d, key, strlen(key));
    if (rc != LG_OK)
        return rc;
    memcpy(&q->h1, d, 8);
    memcpy(&q->h2, d + 8, 8);
    q->tag = (uint64_t)(d[16] & 0x7f) << RL_TAG_SHIFT;
    return LG_OK;
}

/* Checks the arguments of take and peek and derives the request's hash and GCRA
 * parameters. */
static lg_err rl_prepare(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res, rl_req *q)
{
    if (!rl || !key || !*key || !res || rate_per_min == 0 || rate_per_min > LG_RATELIMIT_MAX_RPM ||
        now_ms < 0 || now_ms > RL_MAX_NOW_MS ||
        strnlen(key, LG_RATELIMIT_KEY_MAX + 1) > LG_RATELIMIT_KEY_MAX)
        return LG_ERR_INVALID;
    lg_err rc = rl_hash(key, q);
    if (rc != LG_OK)
        return rc;
    q->t_us = lg_ratelimit_interval_us(rate_per_min);
    q->tau_us = (int64_t)(lg_ratelimit_burst(rate_per_min) - 1) * q->t_us;
    q->now_us = now_ms * 1000;
    memset(res, 0, sizeof *res);
    res->limit = rate_per_min;
    res->burst = lg_ratelimit_burst(rate_per_min);
    return LG_OK;
}

static uint32_t rl_probes(const lg_ratelimit *rl)
{
    return rl->slots < LG_RATELIMIT_PROBES ? rl->slots : LG_RATELIMIT_PROBES;
}

lg_err lg_ratelimit_take(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res)
{
    rl_req q;
    lg_err rc = rl_prepare(rl, key, rate_per_min, now_ms, res, &q);
    if (rc != LG_OK)
        return rc;
    uint32_t probes = rl_probes(rl);
    for (int attempt = 0; attempt < RL_ATTEMPTS; attempt++) {
        rl_probe p;
        rl_lookup(rl, &q, probes, &p);
        if (p.match >= 0 && rl_update(rl_at(rl, q.h1 + (uint64_t)p.match), p.match_st, &q, res))
            return LG_OK;
        if (p.match < 0 && p.victim >= 0 && rl_claim(rl, &p, &q, res))
            return LG_OK;
        if (p.match < 0 && p.victim < 0)
            sched_yield(); /* every probed slot is mid-claim */
    }
    return LG_ERR_BUSY;
}

lg_err lg_ratelimit_peek(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res)
{
    rl_req q;
    rl_probe p;
    lg_err rc = rl_prepare(rl, key, rate_per_min, now_ms, res, &q);
    if (rc != LG_OK)
        return rc;
    rl_lookup(rl, &q, rl_probes(rl), &p);
    /* A key with no slot has its whole burst: as if its TAT were now. */
    int64_t tat = p.match >= 0 ? rl_tat(p.match_st) : q.now_us;
    rl_fill(res, &q, tat, tat - q.now_us <= q.tau_us);
    return LG_OK;
}

uint32_t lg_ratelimit_partner_rpm(int tier, uint32_t override_rpm, uint32_t basic_rpm,
                                  uint32_t premium_rpm, uint32_t enterprise_rpm)
{
    if (override_rpm > 0)
        return override_rpm;
    if (tier == 1)
        return premium_rpm;
    if (tier == 2)
        return enterprise_rpm;
    return basic_rpm;
}

static lg_err rl_key(char *buf, size_t cap, const char *prefix, const char *id)
{
    if (!buf || !id || !*id)
        return LG_ERR_INVALID;
    int n = snprintf(buf, cap, "%s%s", prefix, id);
    if (n < 0 || (size_t)n >= cap || (size_t)n > LG_RATELIMIT_KEY_MAX)
        return LG_ERR_OVERFLOW;
    return LG_OK;
}

lg_err lg_ratelimit_key_partner(char *buf, size_t cap, const char *partner_id)
{
    return rl_key(buf, cap, "p:", partner_id);
}

lg_err lg_ratelimit_key_ip(char *buf, size_t cap, const char *addr)
{
    return rl_key(buf, cap, "ip:", addr);
}

static int rl_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

lg_err lg_ratelimit_format_headers(const lg_ratelimit_result *res, const char *name, char *policy,
                                   size_t policy_cap, char *state, size_t state_cap)
{
    if (!res || !name || !policy || !state || !rl_name_ok(name))
        return LG_ERR_INVALID;
    int64_t reset_s = (res->reset_ms + 999) / 1000;
    int n = snprintf(policy, policy_cap, "\"%s\";q=%u;w=60", name, (unsigned)res->limit);
    if (n < 0 || (size_t)n >= policy_cap)
        return LG_ERR_OVERFLOW;
    n = snprintf(state, state_cap, "\"%s\";r=%u;t=%lld", name, (unsigned)res->remaining,
                 (long long)(reset_s > 0 ? reset_s : 0));
    if (n < 0 || (size_t)n >= state_cap)
        return LG_ERR_OVERFLOW;
    return LG_OK;
}

uint32_t lg_ratelimit_retry_after_s(const lg_ratelimit_result *res)
{
    if (!res || res->allowed || res->retry_after_ms <= 0)
        return 1;
    int64_t s = (res->retry_after_ms + 999) / 1000;
    return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}
