/*
 * proc.h - process settings every lendgate program that can hold a secret applies
 * at start: the responders (API keys in requests, signing secrets, the platform
 * key) and lendgatectl (it prints fresh keys and signs in reconcile).
 */
#ifndef LENDGATE_PROC_H
#define LENDGATE_PROC_H

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

#endif
