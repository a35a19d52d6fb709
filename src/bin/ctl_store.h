/*
 * ctl_store.h - the `lendgatectl store ...` verbs: copy (the whole store into an
 * empty one, verified; store_move.h). Returns the exit status: 0 done, 1 refused or
 * failed (one line on stderr), 2 usage.
 */
#ifndef LENDGATE_CTL_STORE_H
#define LENDGATE_CTL_STORE_H

#include <lendgate/config.h>

/* argv[0] is "store"; argv[1] the sub-verb. */
int lg_ctl_store(lg_config *cfg, int argc, char **argv);

#endif
