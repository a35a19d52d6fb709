/* proc.c - process hardening shared by the responder and the operator CLI. */
#include "config.h"

#include <lendgate/proc.h>

#include <sys/prctl.h>
#include <sys/resource.h>

lg_err lg_proc_harden(void)
{
    struct rlimit none = {0, 0};
    int failed = setrlimit(RLIMIT_CORE, &none) != 0;
    failed |= prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0;
    return failed ? LG_ERR_IO : LG_OK;
}
