/*
 * store_move.h - `lendgatectl store copy`: the whole state of one store copied into an
 * empty store of any backend (a SQLite host's file into the MongoDB replica set of a
 * cluster), with the rows and money sums of every table compared afterwards.
 *
 * The bin reaches the stores only through here: the report holds names, counts and
 * decimal sums, never a record (and so never a secret).
 */
#ifndef LENDGATE_STORE_MOVE_H
#define LENDGATE_STORE_MOVE_H

#include <stddef.h>
#include <stdint.h>

#include <lendgate/config.h>
#include <lendgate/error.h>
#include <lendgate/model.h>

#define LG_MOVE_TABLES 24
#define LG_MOVE_SUMS   6

/* One table as both stores counted it. */
typedef struct lg_move_table {
    const char *name; /* static */
    uint64_t source_rows;
    uint64_t target_rows;
    size_t nsums;
    const char *sum_names[LG_MOVE_SUMS]; /* static */
    char source_sums[LG_MOVE_SUMS][LG_U256_LEN];
    char target_sums[LG_MOVE_SUMS][LG_U256_LEN];
} lg_move_table;

typedef struct lg_move_report {
    size_t ntables;
    lg_move_table tables[LG_MOVE_TABLES];
    uint64_t copied; /* records written into the target */
    int bad_table;   /* index into tables of the difference or the refusal, -1 none */
    int verified;    /* 1: every count and sum is equal */
} lg_move_report;

/* What the copy leaves behind on purpose, one "table: why" line each, NULL-ended. */
extern const char *const lg_move_not_copied[];

/*
 * Copies the store from ("BACKEND:LOCATION": "sqlite:/var/lib/lendgate/lendgate.db")
 * into to (the same form, "mongodb:mongodb://h1,h2/?replicaSet=rs0"; NULL: the
 * store cfg's [store] names), which must be empty; the target's schema is made first
 * (as lendgatectl migrate would). A mongodb target takes [store] mongodb_database
 * and mongodb_timeout_ms from cfg. A SQLite source must exist.
 * Out: *report (may be NULL); err receives one line on failure (never a secret).
 * Returns LG_OK, LG_ERR_INVALID (a location that is not BACKEND:LOCATION, or source
 * and target the same), LG_ERR_NOT_FOUND (no source database), LG_ERR_CONFLICT (the
 * target is not empty, or holds a key being copied), LG_ERR_STATE (a count or sum
 * differs after the copy), LG_ERR_SCHEMA (a source of the target's backend at another
 * schema version), LG_ERR_UNSUPPORTED, LG_ERR_CONFIG, or the stores' errors.
 */
lg_err lg_move_copy(const lg_config *cfg, const char *from, const char *to, lg_move_report *report,
                    char *err, size_t errlen);

#endif
