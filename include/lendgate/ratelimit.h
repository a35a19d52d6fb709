/*
 * ratelimit.h - per-partner and per-IP request rate limits shared by every worker.
 *
 * Algorithm: GCRA (the generic cell rate algorithm, "virtual scheduling"). Each key
 * keeps one number, its theoretical arrival time TAT in microseconds. For a rate of R
 * requests per minute the emission interval is T = ceil(60e6 / R) us and the burst is
 * B = lg_ratelimit_burst(R) = max(1, R / 10) requests (six seconds' worth), so the
 * tolerance is tau = (B - 1) * T. A request at time t is admitted when
 * TAT - t <= tau, and then TAT = max(TAT, t) + T. A fresh key can therefore send B
 * requests at once and then one every T; over any interval of length D at most
 * B + floor(D / T) requests pass, with no boundary at which the budget doubles (unlike
 * a fixed window). T is rounded up, so the limiter never admits more than R a minute.
 *
 * Sharing: the table lives in a file mapped MAP_SHARED (lg_shm, normally
 * [store] state_dir "/" LG_RATELIMIT_FILE), so all responders on the host count
 * together and a restart of the pool keeps the limits. Keys ("p:<partner id>",
 * "ip:<address>") are hashed with SHA-256; a slot stores the first 128 bits, so
 * two keys sharing a slot is negligible. Slots form an open-addressing table probed
 * linearly over LG_RATELIMIT_PROBES slots. Updates are one 64-bit compare-and-swap
 * on the slot's state word; no lock is held across a request. Taking over a slot for
 * a new key marks it busy for the two stores that write the key (a claim older than
 * one second is presumed abandoned by a killed worker and taken over); should two
 * processes claim different slots for the same new key at once, the one further along
 * the probe sequence gives its slot back, so at most one extra request passes. When every
 * probed slot is in use, the slot whose TAT lies furthest in the past is reused: a
 * slot whose TAT has passed holds no information (its key would have a full budget
 * anyway), so only a table with more live keys than slots ever forgets a limit.
 * Size the table at several times the number of keys active within a minute
 * (partners plus distinct client IPs); 65536 slots take 2 MiB.
 *
 * Time comes from the caller in milliseconds since the epoch (lg_time_now_ms()),
 * which lets tests drive the clock.
 */
#ifndef LENDGATE_RATELIMIT_H
#define LENDGATE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

#define LG_RATELIMIT_FILE          "ratelimit.shm"
#define LG_RATELIMIT_DEFAULT_SLOTS 65536u
#define LG_RATELIMIT_MIN_SLOTS     16u
#define LG_RATELIMIT_MAX_SLOTS     (1u << 24)
#define LG_RATELIMIT_PROBES        16u
/* Longest key lg_ratelimit_take() accepts, in bytes. */
#define LG_RATELIMIT_KEY_MAX 256u
/* Rates above this many requests a minute are refused as LG_ERR_INVALID. */
#define LG_RATELIMIT_MAX_RPM 60000000u

typedef struct lg_ratelimit lg_ratelimit;

typedef struct lg_ratelimit_result {
    int allowed;            /* 1 admitted, 0 refused (answer 429) */
    uint32_t limit;         /* the rate, requests per minute */
    uint32_t burst;         /* requests a fresh key may send at once */
    uint32_t remaining;     /* requests that would still be admitted right now */
    int64_t reset_ms;       /* ms until the full burst is available again */
    int64_t retry_after_ms; /* refused: ms until a request is admitted; else 0 */
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

/* The burst B of a rate: max(1, rate_per_min / 10). 0 for a rate of 0. */
uint32_t lg_ratelimit_burst(uint32_t rate_per_min);

/* The emission interval T of a rate in microseconds: ceil(60e6 / rate). 0 for 0. */
int64_t lg_ratelimit_interval_us(uint32_t rate_per_min);

/* Counts one request for key at now_ms against rate_per_min and fills *res.
 * A refused request is not counted. Returns LG_OK (see res->allowed),
 * LG_ERR_INVALID (NULL, empty key, key longer than LG_RATELIMIT_KEY_MAX, rate 0 or
 * above LG_RATELIMIT_MAX_RPM, now_ms negative), LG_ERR_CRYPTO (hashing failed),
 * LG_ERR_BUSY (the slots kept changing under thousands of retries; answer 503). */
lg_err lg_ratelimit_take(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res);

/* What lg_ratelimit_take would answer for key at now_ms, without counting anything:
 * res->allowed says whether a request would be admitted, remaining/reset/retry-after
 * as take fills them. Returns as lg_ratelimit_take, never LG_ERR_BUSY. */
lg_err lg_ratelimit_peek(lg_ratelimit *rl, const char *key, uint32_t rate_per_min, int64_t now_ms,
                         lg_ratelimit_result *res);

/* The rate of a partner: override_rpm when > 0, else the tier's rate (tier 0 BASIC,
 * 1 PREMIUM, 2 ENTERPRISE, as lg_tier), read by the caller from [ratelimit]
 * basic_rpm / premium_rpm / enterprise_rpm. An unknown tier gets the basic rate. */
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
 *   RateLimit: "<name>";r=<remaining>;t=<seconds until the full burst is back>
 * The policy's quota q is the per-minute rate; r never exceeds the burst. name is a
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
