/*
 * replay.h - the cache of request signatures seen recently, shared by every worker.
 *
 * A signed request carries a timestamp that may be up to five minutes off, so the same
 * signature could be replayed for ten minutes: the cache remembers the 32-byte digest
 * of each accepted signature for window_ms (LG_REPLAY_DEFAULT_WINDOW_MS, ten minutes)
 * and refuses it again within that time. The table lives in a file mapped MAP_SHARED
 * (normally [store] state_dir "/" LG_REPLAY_FILE), so all responders share it and a
 * restart keeps it. Slots are probed linearly over LG_REPLAY_PROBES positions from the
 * digest's first 64 bits; a slot is claimed with one 64-bit compare-and-swap and an
 * entry older than the window is free for reuse. Processes inserting the same digest
 * at once (possibly into different slots, when their clocks differ) each re-check the
 * sequence after recording it, and exactly one keeps its entry and is admitted.
 *
 * When no slot can be claimed (the probed slots all hold live entries) the cache
 * refuses with LG_ERR_BUSY rather than admit a request it cannot remember: the caller
 * answers 503 and the partner retries. Size the table above the number of signed
 * requests accepted in one window with room for probing: the default 2^18 slots
 * (12 MiB) hold about 200,000 requests per ten minutes, i.e. a sustained 330
 * signed requests a second across all partners; LG_REPLAY_MAX_SLOTS allows 16x that.
 */
#ifndef LENDGATE_REPLAY_H
#define LENDGATE_REPLAY_H

#include <stdint.h>

#include <lendgate/error.h>

#define LG_REPLAY_FILE              "replay.shm"
#define LG_REPLAY_DIGEST_LEN        32
#define LG_REPLAY_DEFAULT_SLOTS     (1u << 18)
#define LG_REPLAY_MIN_SLOTS         64u
#define LG_REPLAY_MAX_SLOTS         (1u << 22)
#define LG_REPLAY_PROBES            64u
#define LG_REPLAY_DEFAULT_WINDOW_MS INT64_C(600000)

typedef struct lg_replay lg_replay;

/* Opens (or creates, mode 0600) the shared cache at path with slots
 * (LG_REPLAY_MIN_SLOTS..LG_REPLAY_MAX_SLOTS) and a window of window_ms (1 ms to one
 * day). A file made with another slot count, window or format, or not a cache at all,
 * is replaced by an empty cache. On LG_OK *out is a new handle the caller releases with
 * lg_replay_close(). Returns LG_OK, LG_ERR_INVALID (NULL, slots or window out of
 * range), LG_ERR_NOMEM, LG_ERR_OVERFLOW (path too long), LG_ERR_IO. */
lg_err lg_replay_open(const char *path, uint32_t slots, int64_t window_ms, lg_replay **out);

/* Unmaps and frees rc; the file and its entries stay. NULL is fine. */
void lg_replay_close(lg_replay *rc);

/* Records digest as seen at now_ms unless it was seen within the window.
 * Returns LG_OK (new, recorded: accept the request), LG_ERR_DUPLICATE (seen within the
 * window: a replay), LG_ERR_BUSY (cannot record it now, table full or contended: refuse
 * with 503), LG_ERR_INVALID (NULL, now_ms negative or beyond year 10000). */
lg_err lg_replay_check_and_insert(lg_replay *rc, const unsigned char digest[LG_REPLAY_DIGEST_LEN],
                                  int64_t now_ms);

#endif
