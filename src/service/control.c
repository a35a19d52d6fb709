/* control.c - the host's control block: a few words in a file under [store]
 * state_dir, mapped by every process that opens the service, so the responders
 * learn without asking the store that a partner or key changed (the generation) and
 * whether audit rows wait in the journal (written against covered). */
#include "config.h"

#include "service_internal.h"

#include <lendgate/time.h>

#include <stdio.h>

#define CONTROL_FILE "control.map"

typedef struct control_block {
    uint64_t generation; /* bumped after every committed change of a partner or key */
    uint64_t written;    /* journal rows appended on this host */
    uint64_t covered;    /* every row counted in written up to this has been ingested */
    int64_t ingest_ms;   /* wall-clock time the last ingest started */
    /* An ingester outside the responders (lendgatectl journal-flush --watch, reconcile
     * --watch) moves the rows until this wall-clock time; 0 = none. Added after
     * version 1's fields, in the slot's zeroed rest: older readers ignore it. */
    int64_t ingester_until_ms;
} control_block;

static const lg_shm_layout layout = {
    .magic = 0x4c52544e4f43474cull, /* "LGCONTRL" */
    .version = 1,
    .slot_size = 64,
    .slots = 1,
    .param = 0,
};

static control_block *block(const lg_service *svc)
{
    return svc && svc->ctl.base ? lg_shm_slot(&svc->ctl, layout.slot_size, 0) : NULL;
}

lg_err lg_svc_control_open(lg_service *svc)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/" CONTROL_FILE,
                     lg_config_str(svc->cfg, "store", "state_dir"));
    if (n < 0 || (size_t)n >= sizeof path)
        return LG_ERR_OVERFLOW;
    lg_err rc = lg_shm_open(path, &layout, &svc->ctl);
    if (rc != LG_OK)
        lg_warn("service.control",
                "%s not mapped (%s): keys are looked up and audit rows "
                "stored on every call",
                path, lg_strerror(rc));
    return rc;
}

void lg_svc_control_close(lg_service *svc)
{
    lg_shm_close(&svc->ctl);
}

int lg_svc_control_ok(const lg_service *svc)
{
    return block(svc) != NULL;
}

uint64_t lg_svc_generation(const lg_service *svc)
{
    control_block *b = block(svc);
    return b ? __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) : 0;
}

void lg_svc_partners_changed(lg_service *svc)
{
    control_block *b = block(svc);
    if (b)
        __atomic_fetch_add(&b->generation, 1, __ATOMIC_ACQ_REL);
}

void lg_svc_journal_counted(lg_service *svc)
{
    control_block *b = block(svc);
    if (b)
        __atomic_fetch_add(&b->written, 1, __ATOMIC_RELEASE);
}

uint64_t lg_svc_journal_ingest_begins(lg_service *svc)
{
    control_block *b = block(svc);
    if (!b)
        return 0;
    __atomic_store_n(&b->ingest_ms, lg_time_now_ms(), __ATOMIC_RELAXED);
    return __atomic_load_n(&b->written, __ATOMIC_ACQUIRE);
}

void lg_svc_journal_ingest_ends(lg_service *svc, uint64_t written_before)
{
    control_block *b = block(svc);
    if (!b)
        return;
    uint64_t cur = __atomic_load_n(&b->covered, __ATOMIC_RELAXED);
    while (cur < written_before &&
           !__atomic_compare_exchange_n(&b->covered, &cur, written_before, 1, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED))
        ;
}

int64_t lg_svc_journal_waiting(const lg_service *svc)
{
    control_block *b = block(svc);
    if (!b)
        return -1;
    uint64_t covered = __atomic_load_n(&b->covered, __ATOMIC_ACQUIRE);
    uint64_t written = __atomic_load_n(&b->written, __ATOMIC_ACQUIRE);
    return written > covered ? (int64_t)(written - covered) : 0;
}

void lg_service_audit_ingester(lg_service *svc, int64_t until_ms)
{
    control_block *b = block(svc);
    if (b)
        __atomic_store_n(&b->ingester_until_ms, until_ms, __ATOMIC_RELEASE);
}

int64_t lg_svc_journal_due_in(const lg_service *svc, int64_t flush_ms, int64_t now_ms)
{
    control_block *b = block(svc);
    if (!b || __atomic_load_n(&b->covered, __ATOMIC_ACQUIRE) >=
                  __atomic_load_n(&b->written, __ATOMIC_ACQUIRE))
        return -1;
    /* Another process moves them: a responder only answers calls, and looks again
     * when that process's claim runs out (renewed while it lives). */
    int64_t claim = __atomic_load_n(&b->ingester_until_ms, __ATOMIC_ACQUIRE) - now_ms;
    if (claim > 0)
        return claim;
    int64_t due = __atomic_load_n(&b->ingest_ms, __ATOMIC_RELAXED) + flush_ms - now_ms;
    return due < 0 ? 0 : due > flush_ms ? flush_ms : due;
}
