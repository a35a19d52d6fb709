/* chaincap.c - the host's cap on requests waiting on the chain node (chaincap.h). */
#include "config.h"

#include <lendgate/chaincap.h>

#include <lendgate/shm.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAGIC       UINT64_C(0x5041434e49414843) /* "CHAINCAP" little-endian */
#define CAP_VERSION 1u
#define SLOT_SIZE   8u
#define MAX_SLOTS   1024u

struct lg_chaincap {
    lg_shm shm;
    uint32_t slots;
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
    lg_shm_layout layout = {MAGIC, CAP_VERSION, SLOT_SIZE, slots, 0};
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

/* 1 when the process holding a slot has ended: only "no such process" is proof. */
static int holder_gone(uint64_t pid)
{
    return pid > 0 && pid <= INT32_MAX && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int lg_chaincap_enter(lg_chaincap *c, uint32_t *slot)
{
    uint64_t me = (uint64_t)getpid();
    if (!c || !slot)
        return 0;
    /* Start where this process's pid points, so workers spread over the table. */
    uint32_t start = (uint32_t)(me % c->slots);
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
    uint64_t me = (uint64_t)getpid();
    if (c && slot < c->slots)
        atomic_compare_exchange_strong(slot_word(c, slot), &me, 0);
}

uint32_t lg_chaincap_held(const lg_chaincap *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; c && i < c->slots; i++)
        n += atomic_load(slot_word(c, i)) != 0;
    return n;
}
