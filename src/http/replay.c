/* replay.c - shared-memory cache of recently seen signature digests (see replay.h). */
#include "config.h"

#include <lendgate/replay.h>
#include <lendgate/shm.h>

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 || ATOMIC_LONG_LOCK_FREE == 2,
               "64-bit atomics must be lock-free");

/* state: bit 63 = being claimed (the digest words are being written), bit 62 = recorded
 * but undecided (see rp_confirm), bits 0..61 = 2 + the ms it was recorded (the claim
 * time while claimed). 1 = given back, reusable. 0 = never used, which ends a probe
 * sequence because a used slot never returns to 0. */
typedef struct {
    _Atomic uint64_t state;
    _Atomic uint64_t d[4];
    uint64_t spare;
} rp_slot;

#define RP_MAGIC          UINT64_C(0x59414c504552474c) /* "LGREPLAY" little-endian */
#define RP_VERSION        1u
#define RP_CLAIM          (UINT64_C(1) << 63)
#define RP_PENDING        (UINT64_C(1) << 62)
#define RP_FLAGS          (RP_CLAIM | RP_PENDING)
#define RP_GIVEN_BACK     UINT64_C(1)
#define RP_CLAIM_STALE_MS INT64_C(1000)
/* Waiting on another process that is between two stores: yield first, then sleep
 * 50 us at a time, in all about 5 ms, since it may have been descheduled. */
#define RP_WAIT_YIELDS   64
#define RP_WAIT_SLEEPS   100
#define RP_UNSURE_ROUNDS 20
#define RP_ATTEMPTS      1000
#define RP_MAX_WINDOW_MS INT64_C(86400000)
#define RP_MAX_NOW_MS    INT64_C(253402300800000) /* 10000-01-01 */

struct lg_replay {
    lg_shm shm;
    uint32_t slots;
    int64_t window_ms;
};

typedef struct {
    uint64_t d[4];
    int64_t now_ms;
} rp_req;

lg_err lg_replay_open(const char *path, uint32_t slots, int64_t window_ms, lg_replay **out)
{
    if (!path || !out || slots < LG_REPLAY_MIN_SLOTS || slots > LG_REPLAY_MAX_SLOTS ||
        window_ms < 1 || window_ms > RP_MAX_WINDOW_MS)
        return LG_ERR_INVALID;
    lg_shm_layout l = {RP_MAGIC, RP_VERSION, sizeof(rp_slot), slots, (uint64_t)window_ms};
    lg_replay *rc = calloc(1, sizeof *rc);
    if (!rc)
        return LG_ERR_NOMEM;
    lg_err err = lg_shm_open(path, &l, &rc->shm);
    if (err != LG_OK) {
        free(rc);
        return err;
    }
    rc->slots = slots;
    rc->window_ms = window_ms;
    *out = rc;
    return LG_OK;
}

void lg_replay_close(lg_replay *rc)
{
    if (!rc)
        return;
    lg_shm_close(&rc->shm);
    free(rc);
}

static rp_slot *rp_at(const lg_replay *rc, const rp_req *q, uint32_t i)
{
    return lg_shm_slot(&rc->shm, sizeof(rp_slot), (q->d[0] + i) % rc->slots);
}

static int64_t rp_time(uint64_t st)
{
    return (int64_t)(st & ~RP_FLAGS) - 2;
}

static uint64_t rp_stamp(int64_t now_ms)
{
    return (uint64_t)now_ms + 2;
}

/* Loads a slot's state, waiting while any bit of mask is set (another process is
 * claiming the slot, or deciding about its entry). *stale is set when that has gone on
 * for over a second (a worker killed in between); the state is returned as is. */
static uint64_t rp_wait(rp_slot *s, uint64_t mask, int64_t now_ms, int *stale)
{
    const struct timespec pause = {0, 50000};
    uint64_t st = atomic_load(&s->state);
    *stale = 0;
    for (int i = 0; (st & mask) && i < RP_WAIT_YIELDS + RP_WAIT_SLEEPS; i++) {
        if (now_ms - rp_time(st) > RP_CLAIM_STALE_MS) {
            *stale = 1;
            return st;
        }
        if (i < RP_WAIT_YIELDS)
            sched_yield();
        else
            nanosleep(&pause, NULL);
        st = atomic_load(&s->state);
    }
    return st;
}

/* Recorded (decided or not) and younger than the window. */
static int rp_live(const lg_replay *rc, uint64_t st, int64_t now_ms)
{
    return (st & RP_CLAIM) == 0 && (st & ~RP_FLAGS) >= 2 && now_ms - rp_time(st) < rc->window_ms;
}

static int rp_same(rp_slot *s, const rp_req *q)
{
    for (int i = 0; i < 4; i++)
        if (atomic_load(&s->d[i]) != q->d[i])
            return 0;
    return 1;
}

typedef enum { RP_SEEN, RP_FREE, RP_FULL, RP_UNSURE } rp_scan_result;

/* Walks the probe sequence to its end (a never-used slot or LG_REPLAY_PROBES slots):
 * RP_SEEN when a live entry holds the digest, otherwise RP_FREE with the first reusable
 * slot in *pos and its state in *free_st, RP_FULL when none is reusable, RP_UNSURE when
 * a slot stayed mid-claim and might be receiving the digest. */
static rp_scan_result rp_scan(const lg_replay *rc, const rp_req *q, uint32_t probes, uint32_t *pos,
                              uint64_t *free_st)
{
    int have_free = 0, unsure = 0;
    for (uint32_t i = 0; i < probes; i++) {
        rp_slot *s = rp_at(rc, q, i);
        int stale;
        uint64_t st = rp_wait(s, RP_CLAIM, q->now_ms, &stale);
        if ((st & RP_CLAIM) && !stale) {
            unsure = 1;
            continue;
        }
        if (rp_live(rc, st, q->now_ms)) {
            if (rp_same(s, q))
                return RP_SEEN;
        } else if (!have_free) {
            have_free = 1;
            *pos = i;
            *free_st = st;
        }
        if (st == 0)
            break;
    }
    if (unsure)
        return RP_UNSURE;
    return have_free ? RP_FREE : RP_FULL;
}

/* Claims the free slot at pos and records the digest as undecided. Returns 0 when another
 * process took the slot first. */
static int rp_record(const lg_replay *rc, const rp_req *q, uint32_t pos, uint64_t st)
{
    rp_slot *s = rp_at(rc, q, pos);
    if (!atomic_compare_exchange_strong(&s->state, &st, RP_CLAIM | rp_stamp(q->now_ms)))
        return 0;
    for (int i = 0; i < 4; i++)
        atomic_store(&s->d[i], q->d[i]);
    atomic_store(&s->state, RP_PENDING | rp_stamp(q->now_ms));
    return 1;
}

/*
 * Processes that record the same digest at once (their clocks made them pick different
 * free slots) must agree on one winner. After recording, each looks at every other slot
 * of the sequence: a live copy below its own position wins over it at once; a copy above
 * it wins only once that copy's process has decided to keep it, so it waits for that
 * decision. Waits only ever go upwards, so they cannot deadlock. Of two copies, the later
 * recorded one always sees the earlier (both store, then load, sequentially consistent):
 * either the higher sees the lower and gives way, or the higher kept its entry without
 * seeing the lower, and the lower, waiting for that decision, gives way instead.
 */
static lg_err rp_confirm(const lg_replay *rc, const rp_req *q, uint32_t probes, uint32_t pos)
{
    rp_slot *mine = rp_at(rc, q, pos);
    lg_err verdict = LG_OK;
    for (uint32_t i = 0; i < probes && verdict == LG_OK; i++) {
        if (i == pos)
            continue;
        rp_slot *s = rp_at(rc, q, i);
        int stale;
        uint64_t st = rp_wait(s, RP_CLAIM | (i > pos ? RP_PENDING : 0), q->now_ms, &stale);
        if ((st & RP_CLAIM) && !stale)
            verdict = LG_ERR_BUSY; /* cannot tell; refusing is the safe side */
        else if (st == 0)
            break;
        else if (rp_live(rc, st, q->now_ms) && rp_same(s, q))
            verdict = LG_ERR_DUPLICATE;
    }
    atomic_store(&mine->state, verdict == LG_OK ? rp_stamp(q->now_ms) : RP_GIVEN_BACK);
    return verdict;
}

lg_err lg_replay_check_and_insert(lg_replay *rc, const unsigned char digest[LG_REPLAY_DIGEST_LEN],
                                  int64_t now_ms)
{
    rp_req q;
    int unsure = 0;
    if (!rc || !digest || now_ms < 0 || now_ms > RP_MAX_NOW_MS)
        return LG_ERR_INVALID;
    memcpy(q.d, digest, sizeof q.d);
    q.now_ms = now_ms;
    uint32_t probes = rc->slots < LG_REPLAY_PROBES ? rc->slots : LG_REPLAY_PROBES;
    for (int attempt = 0; attempt < RP_ATTEMPTS; attempt++) {
        uint32_t pos = 0;
        uint64_t st = 0;
        rp_scan_result r = rp_scan(rc, &q, probes, &pos, &st);
        if (r == RP_SEEN)
            return LG_ERR_DUPLICATE;
        if (r == RP_FULL || (r == RP_UNSURE && ++unsure >= RP_UNSURE_ROUNDS))
            return LG_ERR_BUSY;
        if (r == RP_FREE && rp_record(rc, &q, pos, st))
            return rp_confirm(rc, &q, probes, pos);
    }
    return LG_ERR_BUSY;
}
