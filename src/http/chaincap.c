/* chaincap.c - the host's cap on requests waiting on the chain node (chaincap.h). */
#include "config.h"

#include <lendgate/chaincap.h>

#include <lendgate/proc.h>
#include <lendgate/shm.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAGIC       UINT64_C(0x5041434e49414843) /* "CHAINCAP" little-endian */
#define CAP_VERSION 2u                           /* 1 held bare pids */
#define SLOT_SIZE   8u
#define MAX_SLOTS   1024u

struct lg_chaincap {
    lg_shm shm;
    uint32_t slots;
    pid_t word_pid; /* the process whose word is cached (a handle may cross a fork) */
    uint64_t word;
};

static _Atomic uint64_t *slot_word(const lg_chaincap *c, uint32_t i)
{
    return (_Atomic uint64_t *)lg_shm_slot(&c->shm, SLOT_SIZE, i);
}

lg_err lg_chaincap_open(const char *path, uint32_t slots, lg_chaincap **out)
{
    if (!path || !out || slots == 0 || slots > MAX_SLOTS)
        return LG_ERR_INVALID;
    *out = NULL;
    lg_chaincap *c = calloc(1, sizeof *c);
    if (!c)
        return LG_ERR_NOMEM;
    /* A table of another boot holds only processes that have ended: the boot tag in
     * the layout makes the first open after a reboot start an empty table. */
    uint64_t boot = 0;
    lg_proc_boot_tag(&boot);
    lg_shm_layout layout = {MAGIC, CAP_VERSION, SLOT_SIZE, slots, boot};
    lg_err rc = lg_shm_open(path, &layout, &c->shm);
    if (rc != LG_OK) {
        free(c);
        return rc;
    }
    c->slots = slots;
    *out = c;
    return LG_OK;
}

void lg_chaincap_close(lg_chaincap *c)
{
    if (!c)
        return;
    lg_shm_close(&c->shm);
    free(c);
}

/* This process's word, read from /proc once per process rather than per call. */
static int my_word(lg_chaincap *c, uint64_t *word)
{
    if (c->word_pid != getpid()) {
        if (lg_proc_word(&c->word) != LG_OK)
            return 0;
        c->word_pid = getpid();
    }
    *word = c->word;
    return 1;
}

/* 1 when the process holding a slot has ended (or its pid now names another). */
static int holder_gone(uint64_t word)
{
    return lg_proc_word_state(word) == LG_OWNER_GONE;
}

int lg_chaincap_enter(lg_chaincap *c, uint32_t *slot)
{
    uint64_t me = 0;
    if (!c || !slot || !my_word(c, &me))
        return 0;
    /* Start where this process's pid points, so workers spread over the table. */
    uint32_t start = (uint32_t)((me & ((UINT64_C(1) << LG_PROC_PID_BITS) - 1)) % c->slots);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < c->slots; k++) {
            uint32_t i = (start + k) % c->slots;
            uint64_t held = atomic_load(slot_word(c, i));
            if (held != 0 && (pass == 0 || !holder_gone(held)))
                continue;
            if (atomic_compare_exchange_strong(slot_word(c, i), &held, me)) {
                *slot = i;
                return 1;
            }
        }
    }
    return 0;
}

void lg_chaincap_leave(lg_chaincap *c, uint32_t slot)
{
    uint64_t me = 0;
    if (c && slot < c->slots && my_word(c, &me))
        atomic_compare_exchange_strong(slot_word(c, slot), &me, 0);
}

uint32_t lg_chaincap_held(const lg_chaincap *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; c && i < c->slots; i++)
        n += atomic_load(slot_word(c, i)) != 0;
    return n;
}
