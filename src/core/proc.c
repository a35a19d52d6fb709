/* proc.c - process hardening shared by the responder and the operator CLI. */
#include "config.h"

#include <lendgate/proc.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

lg_err lg_proc_harden(void)
{
    struct rlimit none = {0, 0};
    int failed = setrlimit(RLIMIT_CORE, &none) != 0;
    failed |= prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0;
    return failed ? LG_ERR_IO : LG_OK;
}

static int boot_id(char out[40])
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return -1;
    int ok = fgets(out, 40, f) != NULL;
    fclose(f);
    out[ok ? strcspn(out, "\n") : 0] = '\0';
    return ok && strlen(out) == 36 ? 0 : -1;
}

/* The state letter and start time (field 22) of /proc/<pid>/stat; -1 when the pid
 * does not exist. The command name (field 2) may hold spaces and parentheses: the
 * fields after it are counted from its last ')'. */
static int proc_stat(long pid, char *state, unsigned long long *start)
{
    char path[48], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %c", state) != 1)
        return -1;
    for (int field = 3; field <= 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p)
        return -1;
    *start = strtoull(p + 1, NULL, 10);
    return 0;
}

lg_err lg_proc_owner(char owner[LG_OWNER_LEN])
{
    char boot[40], state;
    unsigned long long start = 0;
    if (!owner)
        return LG_ERR_INVALID;
    owner[0] = '\0';
    if (boot_id(boot) != 0 || proc_stat((long)getpid(), &state, &start) != 0)
        return LG_ERR_IO;
    snprintf(owner, LG_OWNER_LEN, "%s/%ld/%llu", boot, (long)getpid(), start);
    return LG_OK;
}

/* What became of process pid started at start (ticks since boot) on this boot. */
static lg_owner_state pid_state(long pid, unsigned long long start)
{
    char state;
    unsigned long long now_start = 0;
    /* Only "no such process" is proof of an end: a process of another user (EPERM),
     * or one /proc hides from us (hidepid), counts as alive until its lease ends. */
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return LG_OWNER_GONE;
    if (proc_stat(pid, &state, &now_start) != 0)
        return LG_OWNER_ALIVE;
    if (now_start != start || state == 'Z' || state == 'X')
        return LG_OWNER_GONE;
    return LG_OWNER_ALIVE;
}

lg_owner_state lg_proc_owner_state(const char *owner)
{
    char boot[40];
    long pid = 0;
    unsigned long long start = 0;
    if (!owner || strlen(owner) < 40 || owner[36] != '/' || boot_id(boot) != 0)
        return LG_OWNER_UNKNOWN;
    if (strncmp(owner, boot, 36) != 0)
        return LG_OWNER_UNKNOWN;
    if (sscanf(owner + 37, "%ld/%llu", &pid, &start) != 2 || pid <= 0 || pid > INT_MAX)
        return LG_OWNER_UNKNOWN;
    return pid_state(pid, start);
}

#define PID_MASK ((UINT64_C(1) << LG_PROC_PID_BITS) - 1)

lg_err lg_proc_word(uint64_t *word)
{
    char state;
    unsigned long long start = 0;
    long pid = (long)getpid();
    if (!word)
        return LG_ERR_INVALID;
    *word = 0;
    if (proc_stat(pid, &state, &start) != 0)
        return LG_ERR_IO;
    if ((uint64_t)pid > PID_MASK || start > (UINT64_MAX >> LG_PROC_PID_BITS))
        return LG_ERR_OVERFLOW;
    *word = (uint64_t)start << LG_PROC_PID_BITS | (uint64_t)pid;
    return LG_OK;
}

lg_owner_state lg_proc_word_state(uint64_t word)
{
    long pid = (long)(word & PID_MASK);
    if (pid == 0)
        return LG_OWNER_UNKNOWN;
    return pid_state(pid, (unsigned long long)(word >> LG_PROC_PID_BITS));
}

lg_err lg_proc_boot_tag(uint64_t *tag)
{
    char boot[40];
    if (!tag)
        return LG_ERR_INVALID;
    *tag = 0;
    if (boot_id(boot) != 0)
        return LG_ERR_IO;
    uint64_t h = UINT64_C(14695981039346656037);
    for (const char *s = boot; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    *tag = h;
    return LG_OK;
}
