/*
 * store_move.c - `lendgatectl store copy` (store_move.h): opens the two stores, makes
 * the target's schema, runs lg_store_copy and turns its census into names and
 * decimal sums for the command line.
 */
#include "config.h"

#include <lendgate/setup.h>
#include <lendgate/store.h>
#include <lendgate/store_copy.h>
#include <lendgate/store_mongo.h>
#include <lendgate/store_move.h>

#include <lendgate/log.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define LG_MOVE_LINE(table, why) table ": " why,
const char *const lg_move_not_copied[] = {LG_COPY_NOT_COPIED(LG_MOVE_LINE) NULL};
#undef LG_MOVE_LINE

/* "BACKEND:LOCATION" split at the first colon into backend (cap bytes) and *location. */
static lg_err split_location(const char *text, char *backend, size_t cap, const char **location)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    if (!colon || colon == text || (size_t)(colon - text) >= cap || !colon[1])
        return LG_ERR_INVALID;
    memcpy(backend, text, (size_t)(colon - text));
    backend[colon - text] = '\0';
    *location = colon + 1;
    return LG_OK;
}

/* A mongodb store opened here uses the database and time limit of the configuration. */
static lg_err open_at(const lg_config *cfg, const char *backend, const char *location,
                      lg_store **out)
{
    if (strcmp(backend, "mongodb") == 0) {
        lg_err rc =
            lg_store_mongo_configure(lg_config_str(cfg, "store", "mongodb_database"),
                                     (int)lg_config_u64(cfg, "store", "mongodb_timeout_ms"));
        if (rc != LG_OK)
            return LG_ERR_CONFIG;
    }
    return lg_store_open(backend, location, (int)lg_config_u64(cfg, "store", "busy_timeout_ms"),
                         out);
}

static lg_err open_source(const lg_config *cfg, const char *from, lg_store **out, char *err,
                          size_t errlen)
{
    char backend[16];
    const char *location = NULL;
    struct stat sb;
    if (split_location(from, backend, sizeof backend, &location) != LG_OK) {
        snprintf(err, errlen, "--from '%s' is not BACKEND:LOCATION (sqlite:PATH)", from);
        return LG_ERR_INVALID;
    }
    /* Opening a SQLite path that does not exist would make an empty database there. */
    if (strcmp(backend, "sqlite") == 0 && stat(location, &sb) != 0) {
        snprintf(err, errlen, "source database '%s' does not exist", location);
        return LG_ERR_NOT_FOUND;
    }
    lg_err rc = open_at(cfg, backend, location, out);
    if (rc != LG_OK)
        snprintf(err, errlen, "cannot open the source %s store: %s", backend, lg_strerror(rc));
    return rc;
}

/* The target, its schema made: to, or the configured store. */
static lg_err open_target(const lg_config *cfg, const char *to, lg_store **out, char *err,
                          size_t errlen)
{
    char backend[16];
    const char *location = NULL;
    lg_err rc;
    if (!to) {
        snprintf(backend, sizeof backend, "%s", lg_config_str(cfg, "store", "backend"));
        rc = lg_setup_open_store(cfg, out);
    } else if (split_location(to, backend, sizeof backend, &location) != LG_OK) {
        snprintf(err, errlen, "--to '%s' is not BACKEND:LOCATION (sqlite:PATH, mongodb:URI)", to);
        return LG_ERR_INVALID;
    } else {
        rc = open_at(cfg, backend, location, out);
    }
    if (rc != LG_OK) {
        snprintf(err, errlen, "cannot open the target %s store: %s", backend, lg_strerror(rc));
        return rc;
    }
    rc = lg_store_migrate(*out, NULL);
    if (rc != LG_OK)
        snprintf(err, errlen, "cannot make the target's schema: %s", lg_strerror(rc));
    return rc;
}

/* A source of the same backend must be at the target's (this build's) schema: the
 * export reads every column this build knows. Other backends number their schemas
 * apart; their export fails on a missing column instead. */
static lg_err same_schema(lg_store *src, lg_store *dst, char *err, size_t errlen)
{
    int sv = 0, dv = 0;
    if (strcmp(lg_store_backend_name(src), lg_store_backend_name(dst)) != 0)
        return LG_OK;
    lg_err rc = lg_store_schema_version(src, &sv);
    if (rc == LG_OK)
        rc = lg_store_schema_version(dst, &dv);
    if (rc == LG_OK && sv != dv) {
        snprintf(err, errlen,
                 "the source's schema is version %d, this build's %d: run 'lendgatectl migrate' "
                 "on the source first",
                 sv, dv);
        rc = LG_ERR_SCHEMA;
    }
    return rc;
}

static void fill_report(const lg_store_copy_report *c, lg_move_report *r)
{
    memset(r, 0, sizeof *r);
    r->copied = c->copied;
    r->bad_table = c->bad_table;
    for (int t = 0; t < LG_COPY__COUNT && t < LG_MOVE_TABLES; t++) {
        lg_move_table *m = &r->tables[r->ntables++];
        m->name = lg_copy_table_name((lg_copy_table)t);
        m->source_rows = c->source.t[t].rows;
        m->target_rows = c->target.t[t].rows;
        for (size_t i = 0; i < LG_MOVE_SUMS && lg_copy_sum_name((lg_copy_table)t, i); i++) {
            m->sum_names[i] = lg_copy_sum_name((lg_copy_table)t, i);
            lg_u256_to_dec(m->source_sums[i], LG_U256_LEN, &c->source.t[t].sums[i]);
            lg_u256_to_dec(m->target_sums[i], LG_U256_LEN, &c->target.t[t].sums[i]);
            m->nsums = i + 1;
        }
    }
}

lg_err lg_move_copy(const lg_config *cfg, const char *from, const char *to, lg_move_report *report,
                    char *err, size_t errlen)
{
    lg_move_report scratch;
    if (!report)
        report = &scratch;
    memset(report, 0, sizeof *report);
    report->bad_table = -1;
    if (!cfg || !from || !err || errlen == 0)
        return LG_ERR_INVALID;
    err[0] = '\0';
    if (to && strcmp(from, to) == 0) {
        snprintf(err, errlen, "source and target are the same store");
        return LG_ERR_INVALID;
    }
    lg_store *src = NULL, *dst = NULL;
    lg_err rc = open_source(cfg, from, &src, err, errlen);
    if (rc == LG_OK)
        rc = open_target(cfg, to, &dst, err, errlen);
    if (rc == LG_OK)
        rc = same_schema(src, dst, err, errlen);
    if (rc == LG_OK) {
        lg_store_copy_report c;
        rc = lg_store_copy(src, dst, &c);
        fill_report(&c, report);
        report->verified = rc == LG_OK;
        if (rc != LG_OK)
            snprintf(err, errlen, "%s", c.message[0] ? c.message : lg_strerror(rc));
    }
    lg_store_close(dst);
    lg_store_close(src);
    return rc;
}
