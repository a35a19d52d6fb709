/* ratelimit.c - exact sliding-window rate limits in a shared-memory table (see ratelimit.h). */
#include "config.h"

#include <lendgate/ratelimit.h>
#include <lendgate/sha256.h>
#include <lendgate/shm.h>
#include <lendgate/time.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Processes share the words through the mapping, which needs address-free atomics. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 || ATOMIC_LONG_LOCK_FREE == 2,
               "64-bit atomics must be lock-free");

/* A slot's header; its ring of runs follows it. The lock and the key words are read
 * without the lock (to find a key, to pick a slot to reuse); everything else is only
 * touched by the lock's holder. last_ms: 0 = never used (ends a probe sequence),
 * 1 = entered or given back with nothing in the window. */
typedef struct {
    _Atomic uint64_t lock;
    _Atomic uint64_t h1;
    _Atomic uint64_t h2;
    _Atomic uint64_t last_ms;
    uint32_t head;  /* ring index of the oldest run */
    uint32_t runs;  /* runs in the ring */
    uint32_t alive; /* admissions those runs hold */
    uint32_t spare[5];
} rl_slot;

_Static_assert(sizeof(rl_slot) == 64, "a slot header is 64 bytes");

#define RL_MAGIC     UINT64_C(0x54494d494c52474c) /* "LGRLIMIT" little-endian */
#define RL_VERSION   2u                           /* 1 was the GCRA table */
#define RL_UNIT      64u                          /* the file is cut in 64-byte units */
#define RL_WINDOW_MS INT64_C(60000)
/* Behind a key's newest admission by more than ten windows, the clock stepped back;
 * less is another worker that counted first, or one descheduled between its clock
 * reading and its take (a key is then refused for at most that long after a smaller
 * step back). */
#define RL_CLOCK_STEP_MS (10 * RL_WINDOW_MS)
#define RL_RUN_MAX       0xffffu /* admissions one run holds */
#define RL_SIZES         3
/* A lock is tried this many rounds before its holder is checked for being gone. */
#define RL_LOCK_ROUNDS 16
/* Reusing a slot someone else holds is tried this long before starting over. */
#define RL_VICTIM_ROUNDS 64
/* Each failed attempt means another process made progress; this only bounds a pathology. */
#define RL_ATTEMPTS 1000
/* now_ms up to here keeps every sum below far from overflow (year 3084). */
#define RL_MAX_NOW_MS (INT64_C(1) << 45)

/* The ring sizes and how many slots each gets: slots / div, at least 16 (ratelimit.h). */
static const struct {
    uint32_t runs, div;
} rl_sizes[RL_SIZES] = {{64, 1}, {2048, 32}, {65536, 1024}};

typedef struct {
    uint64_t first;    /* unit of the first slot */
    uint32_t slots;    /* slots of this size */
    uint32_t cap;      /* runs a ring holds */
    uint32_t per_slot; /* units a slot takes */
} rl_table;

struct lg_ratelimit {
    lg_shm shm;
    rl_table t[RL_SIZES];
};

typedef struct {
    uint64_t h1, h2;
    uint32_t rate;
    int64_t now;
} rl_req;

/* Fills the three tables' places for slots and returns the units they take. */
static uint64_t rl_layout(uint32_t slots, rl_table t[RL_SIZES])
{
    uint64_t unit = 0;
    for (int k = 0; k < RL_SIZES; k++) {
        uint32_t n = slots / rl_sizes[k].div;
        t[k].slots = n < LG_RATELIMIT_MIN_SLOTS ? LG_RATELIMIT_MIN_SLOTS : n;
        t[k].cap = rl_sizes[k].runs;
        t[k].per_slot = 1 + rl_sizes[k].runs * 4 / RL_UNIT;
        t[k].first = unit;
        unit += (uint64_t)t[k].slots * t[k].per_slot;
    }
    return unit;
}

/* getpid() is a system call (~140 ns) and the lock is taken on every request, so the
 * pid is kept; a forked child must not lock in its parent's name, hence the reset. */
static _Atomic pid_t rl_pid;
static pthread_once_t rl_pid_once = PTHREAD_ONCE_INIT;

static void rl_pid_forget(void)
{
    atomic_store(&rl_pid, 0);
}

static void rl_pid_watch_forks(void)
{
    pthread_atfork(NULL, NULL, rl_pid_forget);
}

lg_err lg_ratelimit_open(const char *path, uint32_t slots, lg_ratelimit **out)
{
    if (!path || !out || slots < LG_RATELIMIT_MIN_SLOTS || slots > LG_RATELIMIT_MAX_SLOTS)
        return LG_ERR_INVALID;
    pthread_once(&rl_pid_once, rl_pid_watch_forks);
    lg_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return LG_ERR_NOMEM;
    lg_shm_layout l = {RL_MAGIC, RL_VERSION, RL_UNIT, rl_layout(slots, rl->t), slots};
    lg_err rc = lg_shm_open(path, &l, &rl->shm);
    if (rc != LG_OK) {
        free(rl);
        return rc;
    }
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

static rl_slot *rl_at(const lg_ratelimit *rl, const rl_table *t, uint64_t i)
{
    return lg_shm_slot(&rl->shm, RL_UNIT, t->first + (i % t->slots) * t->per_slot);
}

static uint32_t *rl_ring(rl_slot *s)
{
    return (uint32_t *)(s + 1);
}

/* The table whose rings hold a key of this rate: the smallest that fits it. */
static const rl_table *rl_table_for(const lg_ratelimit *rl, uint32_t rate)
{
    for (int k = 0; k < RL_SIZES - 1; k++)
        if (rate <= rl->t[k].cap)
            return &rl->t[k];
    return &rl->t[RL_SIZES - 1];
}

/* ---- the slot lock ---------------------------------------------------------------- */

static uint32_t rl_self(void)
{
    pid_t pid = atomic_load(&rl_pid);
    if (pid == 0) {
        pid = getpid();
        atomic_store(&rl_pid, pid);
    }
    return (uint32_t)pid;
}

/* Monotonic ms for lock claims. The coarse clock (a few ms of resolution) is plenty for
 * a one-second stale time and costs a fifth of the precise one. */
static uint32_t rl_claim_ms(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
        return (uint32_t)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
#endif
    return (uint32_t)lg_time_mono_ms();
}

static uint64_t rl_lock_word(void)
{
    return (uint64_t)rl_self() << 32 | rl_claim_ms();
}

/* 1 when a held lock word may be taken over: its holder no longer exists (only "no such
 * process" is proof), or it has held the lock far longer than an update takes, which
 * happens when its pid was recycled. A claim a moment ahead of our clock reading is a
 * fresh one; one far ahead comes from before a reboot and ages out like any other. */
static int rl_lock_stale(uint64_t held)
{
    int32_t pid = (int32_t)(held >> 32);
    uint32_t age = rl_claim_ms() - (uint32_t)held;
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
        return 1;
    return age > LG_RATELIMIT_LOCK_STALE_MS && age < UINT32_MAX - LG_RATELIMIT_LOCK_STALE_MS;
}

/* Takes s's lock, trying at most rounds rounds (-1: until the holder is gone or stale,
 * so at most LG_RATELIMIT_LOCK_STALE_MS). Out: *mine, the word to unlock with;
 * *taken_over, 1 when the previous holder never gave it back (the slot may be
 * half-updated). Returns 1 when held. */
static int rl_lock(rl_slot *s, int rounds, uint64_t *mine, int *taken_over)
{
    *taken_over = 0;
    for (int round = 1; rounds < 0 || round <= rounds; round++) {
        uint64_t cur = atomic_load(&s->lock);
        *mine = rl_lock_word();
        if (cur == 0 && atomic_compare_exchange_strong(&s->lock, &cur, *mine))
            return 1;
        if (cur != 0 && round % RL_LOCK_ROUNDS == 0 && rl_lock_stale(cur) &&
            atomic_compare_exchange_strong(&s->lock, &cur, *mine)) {
            *taken_over = 1;
            return 1;
        }
        sched_yield();
    }
    return 0;
}

/* Gives the lock back unless it was taken over meanwhile (then it is not ours). */
static void rl_unlock(rl_slot *s, uint64_t mine)
{
    atomic_compare_exchange_strong(&s->lock, &mine, 0);
}

/* Makes the ring's numbers usable again: indexes in range always (a takeover may have
 * raced a writer), the admission count recounted after a takeover. */
static void rl_repair(rl_slot *s, uint32_t cap, int recount)
{
    if (s->head >= cap || s->runs > cap) {
        s->head = s->runs = s->alive = 0;
        return;
    }
    if (!recount)
        return;
    uint32_t sum = 0, *ring = rl_ring(s);
    for (uint32_t i = 0; i < s->runs; i++)
        sum += ring[(s->head + i) % cap] & RL_RUN_MAX;
    s->alive = sum;
}

/* ---- the window of one slot (its lock held) -------------------------------------- */

/* The ms of a run: its low 16 bits are those of a time in (last - 60 s, last]. */
static int64_t rl_run_ms(uint32_t run, int64_t last)
{
    return last - (int64_t)(((uint64_t)last - (run >> 16)) & 0xffff);
}

/* Drops the runs that left the window at now. */
static void rl_expire(rl_slot *s, uint32_t cap, int64_t now)
{
    int64_t last = (int64_t)atomic_load(&s->last_ms);
    uint32_t *ring = rl_ring(s);
    if (last <= now - RL_WINDOW_MS)
        s->runs = 0;
    while (s->runs > 0 && rl_run_ms(ring[s->head], last) <= now - RL_WINDOW_MS) {
        uint32_t n = ring[s->head] & RL_RUN_MAX;
        s->alive -= n < s->alive ? n : s->alive;
        s->head = (s->head + 1) % cap;
        s->runs--;
    }
    if (s->runs == 0)
        s->head = s->alive = 0;
}

/* 1 when the ring can record one more admission at now (it always can: a key never
 * needs more runs than its ring holds; this keeps a damaged slot from overrunning). */
static int rl_room(rl_slot *s, uint32_t cap, int64_t now)
{
    uint32_t tail = rl_ring(s)[(s->head + s->runs + cap - 1) % cap];
    int64_t last = (int64_t)atomic_load(&s->last_ms);
    return s->runs < cap || (last == now && (tail & RL_RUN_MAX) < RL_RUN_MAX);
}

static void rl_admit(rl_slot *s, uint32_t cap, int64_t now)
{
    uint32_t *ring = rl_ring(s);
    uint32_t stamp = (uint32_t)(now & 0xffff) << 16;
    uint32_t *tail = &ring[(s->head + s->runs + cap - 1) % cap];
    if (s->runs > 0 && (int64_t)atomic_load(&s->last_ms) == now &&
        (*tail & RL_RUN_MAX) < RL_RUN_MAX)
        (*tail)++;
    else {
        ring[(s->head + s->runs) % cap] = stamp | 1u;
        s->runs++;
    }
    s->alive++;
    atomic_store(&s->last_ms, (uint64_t)now);
}

/* ms from the caller's now until the admission count falls below rate (or, in a full
 * ring, until its oldest run leaves): when the (alive - rate + 1)-th oldest leaves. */
static int64_t rl_wait(rl_slot *s, uint32_t cap, uint32_t rate, int64_t now)
{
    int64_t last = (int64_t)atomic_load(&s->last_ms);
    uint32_t need = s->alive >= rate ? s->alive - rate + 1 : 1, seen = 0, *ring = rl_ring(s);
    int64_t at = last;
    for (uint32_t i = 0; i < s->runs && seen < need; i++) {
        uint32_t run = ring[(s->head + i) % cap];
        seen += run & RL_RUN_MAX;
        at = rl_run_ms(run, last);
    }
    return at + RL_WINDOW_MS - now > 0 ? at + RL_WINDOW_MS - now : 1;
}

/* The decision for one request on the key's slot, counted when charge and admitted.
 * A time before the slot's newest admission counts as that time (ratelimit.h). */
static void rl_decide(rl_slot *s, uint32_t cap, const rl_req *q, int charge,
                      lg_ratelimit_result *res)
{
    int64_t last = (int64_t)atomic_load(&s->last_ms);
    if (q->now + RL_CLOCK_STEP_MS < last) {
        /* The wall clock stepped back: the ring's times belong to a future that will
         * not come for that long. Forgetting them admits at most one window's quota
         * early; keeping them would refuse the key until the clock catches up. */
        s->runs = s->alive = s->head = 0;
        atomic_store(&s->last_ms, (uint64_t)q->now);
        last = q->now;
    }
    int64_t now = q->now > last ? q->now : last;
    rl_repair(s, cap, 0);
    rl_expire(s, cap, now);
    int ok = s->alive < q->rate && rl_room(s, cap, now);
    if (ok && charge)
        rl_admit(s, cap, now);
    res->allowed = ok;
    res->remaining = ok && s->alive < q->rate ? q->rate - s->alive : 0;
    res->reset_ms = res->remaining > 0 ? 0 : rl_wait(s, cap, q->rate, q->now);
    res->retry_after_ms = ok ? 0 : res->reset_ms;
}

/* ---- finding and entering keys --------------------------------------------------- */

typedef struct {
    int64_t match, victim; /* probe positions, -1 = none */
    uint64_t vh1, vh2, vlast;
} rl_probe;

static uint32_t rl_probes(const rl_table *t)
{
    return t->slots < LG_RATELIMIT_PROBES ? t->slots : LG_RATELIMIT_PROBES;
}

/* Walks the key's probe sequence up to the first never-used slot: the first slot holding
 * the key, and the slot to reuse for it (nothing left in its window, else the oldest
 * newest admission). Reads no ring, takes no lock. */
static void rl_lookup(const lg_ratelimit *rl, const rl_table *t, const rl_req *q, rl_probe *p)
{
    uint64_t best = UINT64_MAX;
    p->match = p->victim = -1;
    for (uint32_t i = 0; i < rl_probes(t); i++) {
        rl_slot *s = rl_at(rl, t, q->h1 + i);
        uint64_t h1 = atomic_load(&s->h1), h2 = atomic_load(&s->h2);
        uint64_t last = atomic_load(&s->last_ms);
        if (h1 == q->h1 && h2 == q->h2) {
            p->match = i;
            return;
        }
        uint64_t rank = (int64_t)last <= q->now - RL_WINDOW_MS ? 0 : last;
        if (rank < best) {
            best = rank;
            p->victim = i;
            p->vh1 = h1;
            p->vh2 = h2;
            p->vlast = last;
        }
        if (last == 0 && h1 == 0 && h2 == 0)
            return;
    }
}

/* Decides on the slot found at a lookup. Returns 0 when it no longer holds the key. */
static int rl_on_slot(rl_slot *s, uint32_t cap, const rl_req *q, int charge,
                      lg_ratelimit_result *res)
{
    uint64_t mine;
    int fix;
    rl_lock(s, -1, &mine, &fix);
    rl_repair(s, cap, fix);
    int ok = atomic_load(&s->h1) == q->h1 && atomic_load(&s->h2) == q->h2;
    if (ok)
        rl_decide(s, cap, q, charge, res);
    rl_unlock(s, mine);
    return ok;
}

/* The key's slot in a table other than t (its rate moved to another ring size), or NULL. */
static rl_slot *rl_elsewhere(const lg_ratelimit *rl, const rl_table *t, const rl_req *q,
                             const rl_table **in)
{
    for (int k = 0; k < RL_SIZES; k++) {
        rl_probe p;
        if (&rl->t[k] == t)
            continue;
        rl_lookup(rl, &rl->t[k], q, &p);
        if (p.match >= 0) {
            *in = &rl->t[k];
            return rl_at(rl, *in, q->h1 + (uint64_t)p.match);
        }
    }
    return NULL;
}

/* Moves the key's admissions from its slot in another table into s (locked, empty).
 * The newest runs that fit are enough: older ones leave the window before any of them,
 * and while none has left they hold at least the new rate. */
static void rl_migrate(const lg_ratelimit *rl, const rl_table *t, rl_slot *s, const rl_req *q)
{
    const rl_table *from_t;
    rl_slot *from = rl_elsewhere(rl, t, q, &from_t);
    uint64_t mine;
    int fix;
    if (!from || !rl_lock(from, RL_VICTIM_ROUNDS, &mine, &fix))
        return;
    rl_repair(from, from_t->cap, fix);
    if (atomic_load(&from->h1) == q->h1 && atomic_load(&from->h2) == q->h2) {
        uint32_t n = from->runs < t->cap ? from->runs : t->cap;
        uint32_t skip = from->runs - n, *src = rl_ring(from), *dst = rl_ring(s);
        for (uint32_t i = 0; i < n; i++)
            dst[i] = src[(from->head + skip + i) % from_t->cap];
        s->runs = n;
        atomic_store(&s->last_ms, atomic_load(&from->last_ms));
        rl_repair(s, t->cap, 1);
        atomic_store(&from->h1, 0);
        atomic_store(&from->h2, 0);
        atomic_store(&from->last_ms, 1);
        from->runs = from->alive = 0;
    }
    rl_unlock(from, mine);
}

/* Makes s (locked) the key's slot with an empty window, then brings the key's
 * admissions over from another table if it has some there. */
static void rl_claim(const lg_ratelimit *rl, const rl_table *t, rl_slot *s, const rl_req *q)
{
    s->head = s->runs = s->alive = 0;
    atomic_store(&s->last_ms, 1);
    atomic_store(&s->h1, q->h1);
    atomic_store(&s->h2, q->h2);
    rl_migrate(rl, t, s, q);
}

/* 1 when the victim slot (locked) is still as the lookup saw it. */
static int rl_still(rl_slot *s, const rl_probe *p)
{
    return atomic_load(&s->h1) == p->vh1 && atomic_load(&s->h2) == p->vh2 &&
           atomic_load(&s->last_ms) == p->vlast;
}

/* Enters a key missing from its table. Entering is serialized per key by the lock of
 * the first slot of its probe sequence, so a key is never entered twice; the victim
 * slot's lock is only tried, so two enterers never wait on each other. Returns 1 when
 * decided, 0 to look up again. */
static int rl_enter(const lg_ratelimit *rl, const rl_table *t, const rl_req *q, int charge,
                    lg_ratelimit_result *res)
{
    rl_slot *home = rl_at(rl, t, q->h1), *v;
    uint64_t hmine, vmine;
    int fix, done = 0;
    rl_probe p;
    rl_lock(home, -1, &hmine, &fix);
    rl_repair(home, t->cap, fix);
    rl_lookup(rl, t, q, &p);
    if (p.match == 0 || (p.match < 0 && p.victim == 0)) {
        if (p.match < 0)
            rl_claim(rl, t, home, q);
        rl_decide(home, t->cap, q, charge, res);
        done = 1;
    } else if (p.match < 0 && p.victim > 0) {
        v = rl_at(rl, t, q->h1 + (uint64_t)p.victim);
        if (rl_lock(v, RL_VICTIM_ROUNDS, &vmine, &fix)) {
            rl_repair(v, t->cap, fix);
            if (rl_still(v, &p)) {
                rl_claim(rl, t, v, q);
                rl_decide(v, t->cap, q, charge, res);
                done = 1;
            }
            rl_unlock(v, vmine);
        }
    }
    rl_unlock(home, hmine);
    return done;
}

/* peek of a key missing from its table: as it stands in another table, else untouched. */
static int rl_peek_missing(const lg_ratelimit *rl, const rl_table *t, const rl_req *q,
                           lg_ratelimit_result *res)
{
    const rl_table *in;
    rl_slot *s = rl_elsewhere(rl, t, q, &in);
    if (s)
        return rl_on_slot(s, in->cap, q, 0, res);
    res->allowed = 1;
    res->remaining = q->rate;
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
    return LG_OK;
}

/* Checks the arguments of take and peek, derives the request's hash, runs it. */
static lg_err rl_run(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                     int charge, lg_ratelimit_result *res)
{
    rl_req q;
    if (!rl || !key || !*key || !res || rate_per_min == 0 || rate_per_min > LG_RATELIMIT_MAX_RPM ||
        now_ms < 0 || now_ms > RL_MAX_NOW_MS ||
        strnlen(key, LG_RATELIMIT_KEY_MAX + 1) > LG_RATELIMIT_KEY_MAX)
        return LG_ERR_INVALID;
    lg_err rc = rl_hash(key, &q);
    if (rc != LG_OK)
        return rc;
    q.rate = rate_per_min;
    q.now = now_ms;
    memset(res, 0, sizeof *res);
    res->limit = rate_per_min;
    const rl_table *t = rl_table_for(rl, rate_per_min);
    for (int attempt = 0; attempt < RL_ATTEMPTS; attempt++) {
        rl_probe p;
        rl_lookup(rl, t, &q, &p);
        if (p.match >= 0 &&
            rl_on_slot(rl_at(rl, t, q.h1 + (uint64_t)p.match), t->cap, &q, charge, res))
            return LG_OK;
        if (p.match < 0 && !charge && rl_peek_missing(rl, t, &q, res))
            return LG_OK;
        if (p.match < 0 && charge && rl_enter(rl, t, &q, charge, res))
            return LG_OK;
        sched_yield();
    }
    return LG_ERR_BUSY;
}

lg_err lg_ratelimit_take(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res)
{
    return rl_run(rl, key, rate_per_min, now_ms, 1, res);
}

lg_err lg_ratelimit_peek(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res)
{
    return rl_run(rl, key, rate_per_min, now_ms, 0, res);
}

uint32_t lg_ratelimit_partner_rpm(int tier, uint32_t override_rpm, uint32_t basic_rpm,
                                  uint32_t premium_rpm, uint32_t enterprise_rpm)
{
    if (override_rpm > LG_RATELIMIT_MAX_RPM)
        return LG_RATELIMIT_MAX_RPM;
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
