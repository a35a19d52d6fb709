/* setup.c - state directory and schema creation for `lendgatectl init|migrate`. */
#include "config.h"

#include <lendgate/setup.h>
#include <lendgate/store_mongo.h>

#include <errno.h>
#include <lendgate/log.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

lg_err lg_setup_open_store(const lg_config *cfg, lg_store **out)
{
    const char *backend = lg_config_str(cfg, "store", "backend");
    if (strcmp(backend, "mongodb") == 0) {
        const char *db = lg_config_str(cfg, "store", "mongodb_database");
        lg_err rc =
            lg_store_mongo_configure(db, (int)lg_config_u64(cfg, "store", "mongodb_timeout_ms"));
        if (rc != LG_OK) {
            lg_error("setup",
                     "[store] mongodb_database: '%s' is not a database name (letters, "
                     "digits, _ and -, 1..63 characters)",
                     db);
            if (out)
                *out = NULL;
            return LG_ERR_CONFIG;
        }
    }
    const char *where = strcmp(backend, "mongodb") == 0 ? lg_config_str(cfg, "store", "mongodb_uri")
                                                        : lg_config_str(cfg, "store", "path");
    return lg_store_open(backend, where, (int)lg_config_u64(cfg, "store", "busy_timeout_ms"), out);
}

/* mkdir -p with mode 0700 for each directory it creates. Returns 1 when the last
 * component was created, 0 when it existed, -1 on error (errno set). */
static int make_dirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    int created = 0;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        created = 0;
        if (mkdir(buf, 0700) == 0)
            created = 1;
        else if (errno != EEXIST)
            return -1;
        *p = saved;
        if (saved == '\0')
            break;
    }
    return created;
}

static lg_err check_state_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "state directory '%s' is not a directory", dir);
        return LG_ERR_IO;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen,
                 "state directory '%s' is open to group or others (mode %03o): chmod 700 it", dir,
                 (unsigned)(st.st_mode & 0777));
        return LG_ERR_CONFIG;
    }
    return LG_OK;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Opens the store, migrates, fills the report. */
static lg_err migrate_store(const lg_config *cfg, lg_setup_report *r, char *err, size_t errlen)
{
    lg_store *st = NULL;
    lg_err rc = lg_setup_open_store(cfg, &st);
    if (rc != LG_OK) {
        snprintf(err, errlen, "cannot open the %s store: %s",
                 lg_config_str(cfg, "store", "backend"), lg_strerror(rc));
        return rc;
    }
    rc = lg_store_migrate(st, &r->applied);
    if (rc == LG_OK)
        rc = lg_store_schema_version(st, &r->schema_version);
    if (rc != LG_OK)
        snprintf(err, errlen, "migration failed: %s", lg_strerror(rc));
    lg_store_close(st);
    return rc;
}

lg_err lg_setup_init(const lg_config *cfg, lg_setup_report *report, char *err, size_t errlen)
{
    lg_setup_report local = {0};
    lg_setup_report *r = report ? report : &local;
    memset(r, 0, sizeof *r);
    const char *dir = lg_config_str(cfg, "store", "state_dir");
    int made = make_dirs(dir);
    if (made < 0) {
        snprintf(err, errlen, "cannot create state directory '%s': %s", dir, strerror(errno));
        return LG_ERR_IO;
    }
    r->created_state_dir = made;
    lg_err rc = check_state_dir(dir, err, errlen);
    if (rc != LG_OK)
        return rc;
    int sqlite = strcmp(lg_config_str(cfg, "store", "backend"), "sqlite") == 0;
    const char *db = lg_config_str(cfg, "store", "path");
    r->created_database = sqlite && !file_exists(db);
    return migrate_store(cfg, r, err, errlen);
}

lg_err lg_setup_migrate(const lg_config *cfg, lg_setup_report *report, char *err, size_t errlen)
{
    lg_setup_report local = {0};
    lg_setup_report *r = report ? report : &local;
    memset(r, 0, sizeof *r);
    const char *db = lg_config_str(cfg, "store", "path");
    if (strcmp(lg_config_str(cfg, "store", "backend"), "sqlite") == 0 && !file_exists(db)) {
        snprintf(err, errlen, "database '%s' does not exist: run 'lendgatectl init' first", db);
        return LG_ERR_NOT_FOUND;
    }
    return migrate_store(cfg, r, err, errlen);
}
