/*
 * chaincap.h - how many requests of the host may wait on the chain node at once.
 *
 * A slow or frozen node holds every responder that calls it for as long as its
 * timeouts allow; without a cap, a few public credit-line reads are enough to take the
 * whole pool and leave store-only routes (stats, loans) waiting. The cap is a table
 * of [chain] max_concurrent_calls slots in a file mapped MAP_SHARED under [store]
 * state_dir (lg_shm), shared by every responder of the host: a request that needs the
 * chain takes a slot for its whole run and gives it back after; when every slot is
 * held it is answered 503 at once, with Retry-After. Set the cap below the number of
 * responders, so some are always free for the routes that do not need the chain.
 *
 * A slot holds its holder's process word (proc.h: start time and pid, so a recycled
 * pid is not the holder); taking and giving back are one compare-and-swap, no lock
 * is held. A slot whose holder has ended (a responder killed mid-call) is taken over
 * by the next request that finds the table full; the table records the boot it was
 * made in and starts empty after a reboot.
 */
#ifndef LENDGATE_CHAINCAP_H
#define LENDGATE_CHAINCAP_H

#include <stdint.h>

#include <lendgate/error.h>

#define LG_CHAINCAP_FILE "chaincap.shm"

typedef struct lg_chaincap lg_chaincap;

/* Opens (creates mode 0600, or replaces when made for another size) the table at path
 * with slots slots (1..1024). On LG_OK *out is owned by the caller, released with
 * lg_chaincap_close(). Returns LG_OK, LG_ERR_INVALID, LG_ERR_NOMEM, LG_ERR_OVERFLOW,
 * LG_ERR_IO. */
lg_err lg_chaincap_open(const char *path, uint32_t slots, lg_chaincap **out);

/* Unmaps and frees c; the file stays. NULL is fine. */
void lg_chaincap_close(lg_chaincap *c);

/* Takes a free slot for the calling process. Out: *slot, to give back with
 * lg_chaincap_leave(). Returns 1 when taken, 0 when every slot is held by a live
 * process (answer 503). */
int lg_chaincap_enter(lg_chaincap *c, uint32_t *slot);

/* Gives back slot (taken by this process). */
void lg_chaincap_leave(lg_chaincap *c, uint32_t slot);

/* How many slots are held now (for tests and the operator). */
uint32_t lg_chaincap_held(const lg_chaincap *c);

#endif
