/*
 * shm.h - a file-backed shared mapping that every worker process on the host opens.
 *
 * The rate limiter and the replay cache keep their tables in a file under [store]
 * state_dir mapped MAP_SHARED, so all responders share one table and a restart of the
 * pool keeps the state. The file starts with a 64-byte header (magic, version, slot
 * size, slot count, one module parameter, total size) followed by the slots, zeroed on
 * creation. A file whose header or size does not match what the caller asks for (an
 * older layout, a foreign or truncated file, group/other permissions, another user's
 * file, except that root takes the service user's file as it is) is replaced by a
 * fresh one built under a temporary name and renamed over it, so a process never sees
 * a half-built table. Creation and replacement are serialized with flock() on the file;
 * no lock is held once lg_shm_open() returns. A symlink at the path is refused, never
 * followed.
 */
#ifndef LENDGATE_SHM_H
#define LENDGATE_SHM_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/error.h>

/* Bytes before the first slot; slots start 64-byte aligned. */
#define LG_SHM_HEADER_LEN 64

/* What the caller expects in the file. Two layouts are equal when every field is. */
typedef struct lg_shm_layout {
    uint64_t magic;     /* module tag, e.g. "LGRLIMIT" read as a little-endian u64 */
    uint32_t version;   /* bump when the slot format changes */
    uint32_t slot_size; /* bytes per slot, a multiple of 8 */
    uint64_t slots;     /* slot count, at least 1 */
    uint64_t param;     /* module parameter that must match (the replay window), or 0 */
} lg_shm_layout;

typedef struct lg_shm {
    unsigned char *base; /* the mapping; slots start at base + LG_SHM_HEADER_LEN */
    size_t size;         /* bytes mapped */
} lg_shm;

/* Maps path (created mode 0600 when missing, replaced when it does not match layout).
 * On LG_OK *out holds the mapping, which the caller releases with lg_shm_close().
 * Returns LG_OK, LG_ERR_INVALID (NULL, empty path, slot_size 0 or not a multiple of 8,
 * slots 0), LG_ERR_OVERFLOW (size does not fit size_t or the path is too long),
 * LG_ERR_IO (open, lock, create, rename or mmap failed; errno is left set). */
lg_err lg_shm_open(const char *path, const lg_shm_layout *layout, lg_shm *out);

/* Unmaps shm and clears it. NULL or an already closed shm is fine. The file stays. */
void lg_shm_close(lg_shm *shm);

/* Address of slot i (no bounds check: the caller keeps i below layout->slots). */
static inline void *lg_shm_slot(const lg_shm *shm, uint32_t slot_size, uint64_t i)
{
    return shm->base + LG_SHM_HEADER_LEN + (size_t)i * slot_size;
}

#endif
