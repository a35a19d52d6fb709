/*
 * ratelimit.h - per-partner and per-IP request rate limits shared by every worker.
 *
 * Algorithm: an exact sliding window. A key at a rate of N requests a minute is
 * admitted at most N times in any 60-second window, wherever the window starts, and a
 * request is never refused while the key has had fewer than N admissions in the last
 * 60 s: a request at time t (ms) is admitted iff fewer than N admissions fall in
 * (t - 60000, t]. So a partner may spend its whole quota at once and then waits until
 * its oldest admission is 60 s old; there is no burst smaller than the quota and no
 * window boundary at which the budget doubles.
 *
 * Each key keeps the log of its admissions of the last minute as a ring of runs
 * (a millisecond and how many admissions it had), so a burst of any size in one
 * millisecond is one run. A key never needs more runs than min(N, 60000 + a few)
 * (each run holds at least one admission, and a minute has 60000 milliseconds), so
 * the table has three ring sizes and a key goes to the smallest that holds its rate:
 *   64 runs     for N <= 64      [ratelimit] slots slots (client addresses)
 *   2048 runs   for N <= 2048    slots / 32 slots, at least 16 (partner tiers)
 *   65536 runs  for N above      slots / 1024 slots, at least 16 (large overrides)
 * which keeps every answer exact up to LG_RATELIMIT_MAX_RPM. A key whose rate moves to
 * another size (a tier change) takes its admissions along, so the new rate counts them
 * (unless that old slot is busy at that very moment: then the key starts afresh).
 *
 * Sharing: the table lives in a file mapped MAP_SHARED (lg_shm, normally
 * [store] state_dir "/" LG_RATELIMIT_FILE), so all responders on the host count
 * together and a restart of the pool keeps the limits. Keys ("p:<partner id>",
 * "ip:<address>") are hashed with SHA-256; a slot stores the first 128 bits, so two
 * keys sharing a slot is negligible. Each size is an open-addressing table probed
 * linearly over LG_RATELIMIT_PROBES slots; finding a key's slot reads the hashes
 * without any lock. A slot's ring is then read and changed under the slot's own lock
 * word, taken with one compare-and-swap and given back with another; the word names
 * the holder's pid and when it took the lock (CLOCK_MONOTONIC), so a lock whose holder
 * has exited (a worker killed mid-update) is taken over at once, and one held longer
 * than LG_RATELIMIT_LOCK_STALE_MS (a recycled pid) after that; the new holder recounts
 * the ring. A waiter only yields while the holder runs its few dozen instructions: no
 * file lock, no mutex, nothing that sleeps in the kernel.
 * A new key is entered under the lock of the first slot of its probe sequence, so two
 * processes never enter the same key twice. When every probed slot holds a live key,
 * the slot whose newest admission is oldest is reused; a slot with nothing left in its
 * window holds no information, so only a table with more live keys than slots ever
 * forgets a limit. Size [ratelimit] slots at several times the client addresses active
 * within a minute; the default 65536 maps about 52 MiB, of which only slots in use
 * take memory.
 *
 * File format (native byte order, LG_SHM_HEADER_LEN header, then the three tables one
 * after the other): each slot is a 64-byte header, then its ring of 32-bit runs
 * (millisecond mod 65536 << 16 | count). Header: lock word (pid << 32 | monotonic ms
 * mod 2^32, 0 = free), the two hash words, the newest admission's ms since the epoch
 * (0 = never used), then the ring's first run, run count and admission count as 32-bit
 * numbers. The runs hold the last minute only, so their millisecond is read back
 * against the newest admission's.
 *
 * Time comes from the caller in milliseconds since the epoch (lg_time_now_ms()),
 * which lets tests drive the clock. A request whose time lies before the key's newest
 * admission (another worker read the clock a moment later and counted first) is
 * counted at that newest time, so the log stays in order and the window stays exact
 * for the times it records.
 */
#ifndef LENDGATE_RATELIMIT_H
#define LENDGATE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

#define LG_RATELIMIT_FILE          "ratelimit.shm"
#define LG_RATELIMIT_DEFAULT_SLOTS 65536u
#define LG_RATELIMIT_MIN_SLOTS     16u
#define LG_RATELIMIT_MAX_SLOTS     (1u << 20)
#define LG_RATELIMIT_PROBES        16u
/* Longest key lg_ratelimit_take() accepts, in bytes. */
#define LG_RATELIMIT_KEY_MAX 256u
/* Rates above this many requests a minute are refused as LG_ERR_INVALID. */
#define LG_RATELIMIT_MAX_RPM 1000000u
/* A slot lock held this long (ms) by a process that still exists is taken over. */
#define LG_RATELIMIT_LOCK_STALE_MS 1000

typedef struct lg_ratelimit lg_ratelimit;

typedef struct lg_ratelimit_result {
    int allowed;            /* 1 admitted, 0 refused (answer 429) */
    uint32_t limit;         /* the rate N, requests per minute */
    uint32_t remaining;     /* N minus the admissions of the last 60 s (0 at or over N) */
    int64_t reset_ms;       /* remaining 0: ms until the oldest admission that holds the
                               quota leaves the window; else 0 */
    int64_t retry_after_ms; /* refused: ms until a request is admitted (reset_ms); else 0 */
} lg_ratelimit_result;

/* Opens (or creates, mode 0600) the shared table at path with the given slot count
 * (LG_RATELIMIT_MIN_SLOTS..LG_RATELIMIT_MAX_SLOTS). A file made for another slot
 * count or format version, or not a table at all, is replaced by an empty table.
 * On LG_OK *out is a new handle the caller releases with lg_ratelimit_close().
 * Returns LG_OK, LG_ERR_INVALID (NULL, slots out of range), LG_ERR_NOMEM,
 * LG_ERR_OVERFLOW (path too long), LG_ERR_IO (the file cannot be opened or mapped). */
lg_err lg_ratelimit_open(const char *path, uint32_t slots, lg_ratelimit **out);

/* Unmaps and frees rl; the file and its counts stay. NULL is fine. */
void lg_ratelimit_close(lg_ratelimit *rl);

/* Counts one request for key at now_ms against rate_per_min and fills *res.
 * A refused request is not counted. Waits only while another process holds the key's
 * slot for an update (microseconds), at most LG_RATELIMIT_LOCK_STALE_MS. Returns LG_OK (see
 * res->allowed), LG_ERR_INVALID (NULL, empty key, key longer than LG_RATELIMIT_KEY_MAX, rate 0 or
 * above LG_RATELIMIT_MAX_RPM, now_ms negative), LG_ERR_CRYPTO (hashing failed),
 * LG_ERR_BUSY (the slots kept changing under thousands of retries; answer 503). */
lg_err lg_ratelimit_take(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res);

/* What lg_ratelimit_take would answer for key at now_ms, without counting anything:
 * res->allowed says whether a request would be admitted, remaining/reset/retry-after
 * as take fills them. Returns as lg_ratelimit_take. */
lg_err lg_ratelimit_peek(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res);

/* The rate of a partner: override_rpm when > 0, else the tier's rate (tier 0 BASIC,
 * 1 PREMIUM, 2 ENTERPRISE, as lg_tier), read by the caller from [ratelimit]
 * basic_rpm / premium_rpm / enterprise_rpm. An unknown tier gets the basic rate. An
 * override above LG_RATELIMIT_MAX_RPM (a row written past the admin API) is held to it. */
uint32_t lg_ratelimit_partner_rpm(int tier, uint32_t override_rpm, uint32_t basic_rpm,
                                  uint32_t premium_rpm, uint32_t enterprise_rpm);

/* Writes the key of a partner ("p:<id>") or a client address ("ip:<addr>") into buf.
 * Returns LG_OK, LG_ERR_INVALID (NULL or empty id/address), LG_ERR_OVERFLOW (does not
 * fit cap or LG_RATELIMIT_KEY_MAX). */
lg_err lg_ratelimit_key_partner(char *buf, size_t cap, const char *partner_id);
lg_err lg_ratelimit_key_ip(char *buf, size_t cap, const char *addr);

/*
 * Response headers, in the structured-field form of draft-ietf-httpapi-ratelimit-headers
 * (drafts 08 and later), chosen over the older RateLimit-Limit / -Remaining / -Reset
 * trio, which the draft has since replaced:
 *   RateLimit-Policy: "<name>";q=<limit>;w=60
 *   RateLimit: "<name>";r=<remaining>;t=<seconds until a request is admitted again>
 * The policy's quota q is the per-minute rate N; r is N minus the admissions of the last
 * 60 s; t is 0 while r > 0, else reset_ms rounded up to whole seconds. name is a
 * policy name such as "partner" or "ip": 1..32 characters of [a-z0-9_-].
 * Writes the header values (without the field names) into policy and state.
 * Returns LG_OK, LG_ERR_INVALID (NULL, bad name), LG_ERR_OVERFLOW (buffer too small;
 * 96 bytes always suffice).
 */
lg_err lg_ratelimit_format_headers(const lg_ratelimit_result *res, const char *name, char *policy,
                                   size_t policy_cap, char *state, size_t state_cap);

/* Retry-After in whole seconds for a refused request: retry_after_ms rounded up,
 * at least 1. Also 1 for an admitted request or NULL res (never advises 0). */
uint32_t lg_ratelimit_retry_after_s(const lg_ratelimit_result *res);

#endif
