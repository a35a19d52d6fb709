/*
 * proc.h - process settings every lendgate program that can hold a secret applies
 * at start: the responders (API keys in requests, signing secrets, the platform
 * key) and lendgatectl (it prints fresh keys and signs in reconcile).
 */
#ifndef LENDGATE_PROC_H
#define LENDGATE_PROC_H

#include <stdint.h>

#include <lendgate/error.h>

/*
 * Turns core dumps off (RLIMIT_CORE 0) and makes the process non-dumpable
 * (PR_SET_DUMPABLE 0: no core, no ptrace attach by other processes of the same
 * user, /proc/<pid>/mem closed to them), so no secret in memory reaches a file.
 * Returns LG_OK, LG_ERR_IO (a setting was refused; the caller decides whether to
 * go on).
 */
lg_err lg_proc_harden(void);

/* "<boot id>/<pid>/<start time>": 36 + 1 + 10 + 1 + 20 digits (+NUL). */
#define LG_OWNER_LEN 72

/*
 * Names the calling process for the leases of in-flight work: the kernel's boot id
 * (/proc/sys/kernel/random/boot_id, so a name from another boot or another host is
 * never mistaken for a process here), its pid, and its start time in clock ticks
 * since boot (so a recycled pid is another process).
 * Out: owner (LG_OWNER_LEN bytes). Returns LG_OK, LG_ERR_IO (/proc unreadable).
 */
lg_err lg_proc_owner(char owner[LG_OWNER_LEN]);

typedef enum {
    LG_OWNER_ALIVE = 0,  /* that very process runs on this host now */
    LG_OWNER_GONE = 1,   /* it ran on this host, this boot, and has ended */
    LG_OWNER_UNKNOWN = 2 /* another host or boot, or not an owner name */
} lg_owner_state;

/* What became of the process owner names (see lg_proc_owner). A zombie has ended. */
lg_owner_state lg_proc_owner_state(const char *owner);

/* Bits of a process word (lg_proc_word) that hold the pid: Linux's PID_MAX_LIMIT. */
#define LG_PROC_PID_BITS 22

/*
 * Names the calling process in one non-zero word for tables changed by one
 * compare-and-swap: its start time in clock ticks since boot above its pid, so a
 * recycled pid is another word. The boot is not in it: such tables start afresh when
 * lg_proc_boot_tag changes. Out: *word. Returns LG_OK, LG_ERR_INVALID (NULL),
 * LG_ERR_IO (/proc unreadable), LG_ERR_OVERFLOW (a pid or start time too large).
 */
lg_err lg_proc_word(uint64_t *word);

/* What became of the process word names on this boot, by lg_proc_owner_state's
 * rules (0 or a word whose pid is 0 is LG_OWNER_UNKNOWN). */
lg_owner_state lg_proc_word_state(uint64_t word);

/* A 64-bit digest of this boot's id (FNV-1a), for tables of process words to record
 * and rebuild themselves when it changes. Returns LG_OK, LG_ERR_INVALID, LG_ERR_IO. */
lg_err lg_proc_boot_tag(uint64_t *tag);

#endif
