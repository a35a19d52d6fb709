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

#endif
