/*
 * setup.h - bringing a lendgate installation into being: the state directory and
 * the store schema. Used by `lendgatectl init` and `lendgatectl migrate`.
 */
#ifndef LENDGATE_SETUP_H
#define LENDGATE_SETUP_H

#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/store.h>

typedef struct lg_setup_report {
    int created_state_dir; /* 1 when init made the state directory */
    int created_database;  /* 1 when the database did not exist before */
    int applied;           /* migrations applied by this run */
    int schema_version;    /* schema version after the run */
} lg_setup_report;

/*
 * Opens the store the configuration names ([store] backend, path or mongodb_uri,
 * busy_timeout_ms). Out: *out, closed by the caller with lg_store_close().
 * For mongodb it first hands [store] mongodb_database and mongodb_timeout_ms to the
 * backend (store_mongo.h). Returns what lg_store_open returns, or LG_ERR_CONFIG (a
 * mongodb_database that is no database name).
 */
lg_err lg_setup_open_store(const lg_config *cfg, lg_store **out);

/*
 * Creates the state directory (mode 0700, parents too) when missing, creates the
 * database when missing and applies every pending migration. Running it again
 * changes nothing. An existing state directory open to group or others is refused
 * (LG_ERR_CONFIG), never silently re-permissioned.
 * Out: *report (may be NULL). err receives one line on failure.
 * Returns LG_OK, LG_ERR_IO, LG_ERR_CONFIG, or what the store returns.
 */
lg_err lg_setup_init(const lg_config *cfg, lg_setup_report *report, char *err, size_t errlen);

/* Applies pending migrations to an existing store (it must exist: LG_ERR_NOT_FOUND
 * otherwise, so a typo in the path does not create a stray database). */
lg_err lg_setup_migrate(const lg_config *cfg, lg_setup_report *report, char *err, size_t errlen);

#endif
